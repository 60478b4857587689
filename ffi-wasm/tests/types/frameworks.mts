// The adapters against a framework's own types (Hono and viem ship their own), with no `any`
// anywhere: the middleware fits `app.use`, the handlers read typed payments, a viem account is a
// Signer. DOM lib (Hono's own declarations need it).
import { Hono } from "hono";
import { honoPaywall, withPayment, withL402, paymentOf, pay, paywall, x402Middleware, l402Paywall,
  type Payment, type NodeMiddleware, type NodeRequestLike, type PaymentGate, type Signer, type Eip712TypedData } from "pay402";
import { FacilitatorClient } from "pay402/facilitator";
import { privateKeyToAccount } from "viem/accounts";

const USDC = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
const payTo = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C";
const app = new Hono<{ Variables: { x402: Payment } }>();
app.use("/premium/*", honoPaywall({ offers: [{ network: "eip155:84532", asset: USDC, price: "$0.01", payTo }], env: false,
  facilitator: new FacilitatorClient("https://facilitator.example") }));
// an app that declares no variables takes the middleware too
new Hono().use("/plain/*", honoPaywall({ price: "$0.01", payTo, network: "eip155:84532", facilitatorUrl: "https://f.example", env: false }));
app.get("/premium/a", (c) => c.json({ payer: c.get("x402").payer, amount: String(c.get("x402").amount) }));
app.get("/raw", (c) => withPayment(async (request: Request) => Response.json({ payer: paymentOf(request)?.payer ?? null }),
  { price: "$0.01", payTo, network: "eip155:84532", facilitatorUrl: "https://f.example", env: false })(c.req.raw));
app.get("/l402", (c) => withL402(async (_request, context) => Response.json({ id: context.l402.tokenId }),
  { service: "svc", priceMsat: 1000, network: "bitcoin", secret: new Uint8Array(32), invoiceProvider: () => ({ bolt11: "lnbc", paymentHash: "00" }) })(c.req.raw));

// viem's account signs the typed data as given (no cast): Eip712TypedData fits its parameter
const account = privateKeyToAccount("0x1111111111111111111111111111111111111111111111111111111111111111");
export const viemSigner: Signer = { address: account.address, signTypedData: (typedData) => account.signTypedData(typedData) };

// `any` would make each of these `true`.
type IsAny<T> = 0 extends 1 & T ? true : false;
const notAny: [
  IsAny<Parameters<NodeMiddleware>[0]>, IsAny<Parameters<NodeMiddleware>[1]>,
  IsAny<Parameters<ReturnType<typeof pay>>[0]>, IsAny<Parameters<ReturnType<typeof paywall>>[1]>,
  IsAny<Parameters<ReturnType<typeof x402Middleware>>[0]>, IsAny<Parameters<ReturnType<typeof l402Paywall>>[1]>,
  IsAny<Parameters<ReturnType<typeof honoPaywall>>[0]>, IsAny<Parameters<Signer["signTypedData"]>[0]>,
  IsAny<Eip712TypedData["domain"]>, IsAny<Awaited<ReturnType<PaymentGate["handle"]>>>,
] = [false, false, false, false, false, false, false, false, false, false];
// a request type of one's own flows through the generic
interface MyRequest extends NodeRequestLike { user: { id: string } }
const mine = pay<MyRequest>({ price: (req) => (req.user.id === "vip" ? "$0.001" : "$0.01"), payTo, network: "eip155:84532", env: false });
export { app, notAny, mine };
