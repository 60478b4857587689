// A typed consumer of pay402/offers-server (strict, node16 ESM, no @types/node).
import { createOffersPaywall, offersListener, memoryOffersStore, type OffersPaywall } from "pay402/offers-server";

const paywall: OffersPaywall = createOffersPaywall({
  offers: [], protect: ["/x"], paymentRequestUrl: "http://a/pr", webhookSecret: "s", secret: new Uint8Array(32),
  paymentDetails: (ask) => ({ lightningInvoice: ask.methodKind === "lightning" ? "lnbc" : undefined }),
  store: memoryOffersStore(),
});
export const listener = offersListener(paywall, (req: { url?: string }, res: { end(s: string): void }) =>
  res.end(String(req.url)));
const decision = await paywall.handle({ method: "GET", path: "/x", headers: {} });
if (decision && "serve" in decision) {
  const kind: string = decision.access.kind;
  void kind;
} else if (decision) {
  const status: number = decision.status;
  void status;
}
