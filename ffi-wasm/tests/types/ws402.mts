// A typed consumer of pay402/ws402 (strict, node16 ESM): a WS402 server on the user's own
// WebSocketServer (typed here by the parts pay402 uses, as `ws` ships no types), its session and statement.
import { MemoryReplayStore } from "pay402/replay";
import {
  ws402Server, type Ws402ServerSession, type Ws402WebSocketServer, type Ws402HttpServer,
} from "pay402/ws402";
import type { Ws402Statement } from "pay402";

declare const wss: Ws402WebSocketServer;
declare const server: Ws402HttpServer;
const paid = ws402Server({
  scheme: "upto", network: "eip155:84532", payTo: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
  facilitator: "0x000000000000000000000000000000000000dEaD", amount: 30_000n, maxTimeoutSeconds: 600,
  pricePerSecond: 100n, maxSessionDuration: 300, replayStore: new MemoryReplayStore(),
  settle: async (body: Uint8Array) => (body.length ? { success: true } : null),
});
paid.attach(wss, { server, path: "/quotes" }, async (session: Ws402ServerSession) => {
  const sent: boolean = await session.send("hello");
  session.onMessage((data) => { const text: string | Uint8Array = data; void text; });
  session.onEnd((st: Ws402Statement) => {
    const consumed: bigint = st.consumed;
    const refund: bigint | null = st.refundAmount;
    const reason: string = st.reason;
    void consumed; void refund; void reason;
  });
  const payer: string | null = session.payer;
  void sent; void payer;
});
const statements: (Ws402Statement | null)[] = await paid.close();
void statements;

// the original WS402's on-chain proof: no offers, the seed's routes (a predicate for /ws402/schema/:resourceId)
const seed = ws402Server({
  chainProof: { chainId: 8453, payTo: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C", rpcUrl: "https://mainnet.base.org",
    asset: "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", minConfirmations: 2, maxAgeSeconds: 600, rpcTimeoutMs: 5_000 },
  pricePerSecond: 10n, estimatedDuration: 300, refund: async () => "pending",
});
seed.attach(wss, { server, path: "/", schemaPath: (p: string) => p.startsWith("/ws402/schema/") }, () => undefined);

// persisted, resumable sessions: a secret and a session store; recover() after a restart
import { memorySessionStore, redisSessionStore, SessionStoreError, type Ws402SessionStore } from "pay402/ws402";
declare const redisClient: unknown;
const store: Ws402SessionStore = Math.random() > 0.5 ? memorySessionStore() : redisSessionStore(redisClient, { prefix: "app:ws402:" });
const resumable = ws402Server({
  scheme: "upto", network: "eip155:84532", payTo: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
  facilitator: "0x000000000000000000000000000000000000dEaD", amount: 30_000n, maxTimeoutSeconds: 600,
  pricePerSecond: 100n, maxSessionDuration: 300, settle: async () => null, resource: { url: "wss://example.com/quotes" },
  secret: new Uint8Array(32).fill(9), store, resumeGraceMs: 30_000, leaseMs: 10_000,
});
const recovered: { sessionId: string; kind: string }[] = await resumable.recover();
const storeError: "session_store_unavailable" = new SessionStoreError("x").code;
void recovered; void storeError;

// the client: pays the schema with pay402's signer and follows the session
import { privateKeySigner } from "pay402";
import { ws402Connect, type Ws402ClientStatement } from "pay402/ws402";
const session = await ws402Connect("http://localhost:8080/quotes", {
  signer: privateKeySigner(new Uint8Array(32).fill(1)), budget: { networks: ["eip155:84532"], maxAmount: 30_000n },
  resume: true, resumeWithinMs: 30_000, resumeRetryMs: 500,
});
session.addEventListener("message", (e) => { void e; });
const left: bigint = session.remaining;
const end: Ws402ClientStatement = await session.end();
const settled: bigint | undefined = end.ended?.settled;
void left; void settled;
