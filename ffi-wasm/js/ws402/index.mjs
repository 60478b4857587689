// pay402/ws402: the WS402 server (`ws402Server`, on a `ws` WebSocketServer) and client (`ws402Connect`).
export { ws402Server } from "./server.mjs";
export { ws402Connect, Ws402Connection } from "./client.mjs";
export { memorySessionStore, redisSessionStore, SessionStoreError } from "./store.mjs";
