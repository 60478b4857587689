// Express with its own types (@types/express, Node-only lib): the middlewares fit app.use and
// route handlers as Express types them, and `req.x402` is typed on Express's request (merged
// into the global Express namespace; pay402 does not depend on @types/express).
import express, { type Request } from "express";
import { pay, paywall, x402Middleware, l402Paywall, type Payment, type PaywallPageInfo } from "pay402";
import { template } from "pay402/paywall-page";

const payTo = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C";
const app = express();
app.use(paywall({ routes: { "GET /premium": { price: "$0.01" } }, payTo, network: "eip155:84532", env: false,
  facilitatorUrl: "https://f.example" }));
app.get("/report", pay({ price: "$0.01", payTo, network: "eip155:84532", env: false, facilitatorUrl: "https://f.example" }), (req, res) => {
  const paid: Payment | null | undefined = req.x402;
  paid?.charge(1n);
  res.json({ payer: req.x402?.payer ?? null });
});
app.use("/legacy", x402Middleware([{ scheme: "exact" }], { settle: async (payment, req: Request) => ({ success: true, payer: payment.payer, path: req.path }) }));
app.use("/l402", l402Paywall({ service: "svc", priceMsat: 1000, network: "bitcoin", secret: new Uint8Array(32),
  invoiceProvider: () => ({ bolt11: "lnbc", paymentHash: new Uint8Array(32) }) }));
// the paywall page: theme, opt-out, the html hook, a template of your own
app.get("/themed", pay({ price: "$0.01", payTo, network: "eip155:84532", env: false, facilitatorUrl: "https://f.example",
  page: { title: "Acme", colors: { accent: "#005a9c" }, messages: { pay: "Pay" }, csp: "strict", template,
    html: (info: PaywallPageInfo, req: Request) => (req.path === "/themed" ? `${info.meta}<h1>${info.reply.status}</h1>` : undefined) } }),
(req, res) => res.json({}));
app.get("/api", pay({ price: "$0.01", payTo, network: "eip155:84532", env: false, facilitatorUrl: "https://f.example", page: false }),
  (req, res) => res.json({}));
app.use("/l402-page", l402Paywall({ service: "svc", priceMsat: 1000, network: "bitcoin", secret: new Uint8Array(32),
  invoiceProvider: () => ({ bolt11: "lnbc", paymentHash: new Uint8Array(32) }), page: { title: "Pay" }, description: "x" }));
export { app };
