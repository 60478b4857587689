// Lightning wallets through WebLN (https://www.webln.guide/, joule-labs/webln): `enable()`, then
// `sendPayment(invoice)` → `{preimage}`.
import { WalletError } from "./eip1193.mjs";

/** Whether the browser has a WebLN provider. */
export function hasWebln(win) {
  return typeof win.webln?.sendPayment === "function";
}

/** Pays a BOLT11 invoice; resolves to the preimage (64 hex digits, lower case). */
export async function payWithWebln(win, invoice) {
  let out;
  try {
    if (typeof win.webln.enable === "function") await win.webln.enable();
    out = await win.webln.sendPayment(invoice);
  } catch (err) {
    const code = /reject|denied|declin|cancel/i.test(String(err?.message ?? err)) ? "wallet_rejected" : "wallet_error";
    throw new WalletError({ code, message: String(err?.message ?? err ?? "") });
  }
  return preimageOf(out?.preimage);
}

/** A preimage as 64 lower-case hex digits, or a `WalletError` `invalid_preimage`. */
export function preimageOf(text) {
  const p = typeof text === "string" ? text.trim().toLowerCase().replace(/^0x/, "") : "";
  if (!/^[0-9a-f]{64}$/.test(p)) throw new WalletError({ code: "invalid_preimage", message: "not a preimage" });
  return p;
}
