// Node-only (lib es2022 + @types/node, no DOM): the adapters take node:http's own request and
// response, `req.x402` is typed on Express's request, and node-redis's own client type fits
// RedisReplayStore. Compiled by the Node-only tsconfigs (Hono's and ioredis's own declarations
// do not compile there with skipLibCheck off: `RequestInfo`, and `redis-errors` has no types).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createClient } from "redis";
import { pay, paywall, l402Paywall, x402Middleware, wrapFetch, privateKeySigner, type Fetch, type NodeRequestLike } from "pay402";
import { RedisReplayStore } from "pay402/replay";

const payTo = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C";
const middleware = pay({ price: "$0.01", payTo, network: "eip155:84532", env: false, facilitatorUrl: "https://f.example" });
const routes = paywall<IncomingMessage, ServerResponse>({ routes: { "GET /x": { price: 10_000n } }, payTo, network: "eip155:84532", env: false });
const l402 = l402Paywall({ service: "svc", priceMsat: 1000, network: "bitcoin", secret: new Uint8Array(32),
  invoiceProvider: () => ({ bolt11: "lnbc", paymentHash: new Uint8Array(32) }) });
// the request type is inferred from the settle hook's own annotation
const legacy = x402Middleware([{ scheme: "exact" }], { settle: (payment, req: IncomingMessage) => ({ payer: payment.payer, url: req.url }) });
export const server = createServer((req, res) => {
  void middleware(req, res, (err) => {
    if (err) { res.statusCode = 500; res.end(); return; }
    const payer: string | undefined = (req as IncomingMessage & NodeRequestLike).x402?.payer;
    void routes(req, res, () => void legacy(req, res, () => void l402(req, res, () => res.end(payer ?? ""))));
  });
});
// Express's request is augmented without a dependency on @types/express
const fromExpress = (req: Express.Request): bigint | undefined => req.x402?.amount;
// the global fetch of Node (undici) is a `Fetch`
const nodeFetch: Fetch = fetch;
const paying = wrapFetch(fetch, privateKeySigner(new Uint8Array(32).fill(1)), null);
// node-redis, as its own types say
export const store = new RedisReplayStore(createClient());
void fromExpress; void nodeFetch; void paying;
