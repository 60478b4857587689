// The page's view of the paywall wasm: twelve exports, JSON text in and out, errors thrown with a
// `code`. Everything about what is paid and how it is encoded comes from there; this wrapper only
// checks the exports are there, parses the JSON answers and keeps the call sites in one place.
//
// The exports, as the page calls them (`required` is the PAYMENT-REQUIRED value of the page data):
//   offers(pageDataJson) → [{index, kind: "evm_eip3009"|"svm_exact"|"unpayable", reason?, network,
//     chainIdHex?, walletChain?, payToTokenAccounts?: {<token program>: <payee token account>}, amount,
//     amountDisplay, symbol, asset, payTo}]
//   evmTypedData(required, index, from, now, nonceHex) → EIP-712 JSON (eth_signTypedData_v4 form)
//   evmPaymentHeader(required, index, from, now, nonceHex, signatureHex) → {name, value}
//   evmBalanceCall(asset, owner) → {to, data};  balanceCovers(resultHex, amount) → boolean
//   svmMint(accountInfoBase64Data, owner) → {decimals, tokenProgram}
//   svmSourceAccount(payer, mint, amount, accountsJson) → the payer's token account paying amount
//   svmUnsignedTransfer(required, index, payer, source, destination, blockhash, decimals, tokenProgram,
//     memoHex) → Uint8Array
//   svmPaymentHeader(required, index, signedTx) → {name, value}
//   l402Authorization(macaroonB64, preimageHex) → the Authorization value
//   readRefusal(status, headersJson, body) → {code, detailCode, message}
//   readReceipt(header) → {success, transaction, network, payer, …}
const json = (v) => (typeof v === "string" ? JSON.parse(v) : v);

/** The exports the page needs. */
export const CORE_EXPORTS = Object.freeze([
  "offers", "evmTypedData", "evmPaymentHeader", "evmBalanceCall", "balanceCovers", "svmMint",
  "svmSourceAccount", "svmUnsignedTransfer", "svmPaymentHeader", "l402Authorization", "readRefusal", "readReceipt",
]);

/**
 * Wraps the initialized module `m` (the wasm-bindgen glue's exports); a module without one of
 * `CORE_EXPORTS` (another wasm than the paywall's) throws code `core_mismatch`.
 */
export function wrapCore(m) {
  const missing = CORE_EXPORTS.filter((name) => typeof m[name] !== "function");
  if (missing.length) throw Object.assign(new Error(`the module lacks ${missing.join(", ")}`), { code: "core_mismatch" });
  return {
    offers: (pageData) => json(m.offers(JSON.stringify(pageData))),
    evmTypedData: (required, index, from, now, nonceHex) => {
      const t = m.evmTypedData(required, index, from, now, nonceHex);
      return typeof t === "string" ? t : JSON.stringify(t);
    },
    evmPaymentHeader: (required, index, from, now, nonceHex, sig) => json(m.evmPaymentHeader(required, index, from, now, nonceHex, sig)),
    evmBalanceCall: (asset, owner) => json(m.evmBalanceCall(asset, owner)),
    balanceCovers: (resultHex, amount) => m.balanceCovers(resultHex, amount) === true,
    svmMint: (data, owner) => json(m.svmMint(data, owner)),
    svmSourceAccount: (payer, mint, amount, accounts) => m.svmSourceAccount(payer, mint, amount, JSON.stringify(accounts)),
    svmUnsignedTransfer: (...a) => m.svmUnsignedTransfer(...a),
    svmPaymentHeader: (required, index, signed) => json(m.svmPaymentHeader(required, index, signed)),
    l402Authorization: (mac, preimage) => {
      // the Authorization value itself (`L402 <macaroon>:<preimage>`), or `{name, value}` JSON
      const v = m.l402Authorization(mac, preimage);
      return typeof v === "string" && !v.startsWith("{") ? v : json(v).value;
    },
    readRefusal: (status, headers, body) => json(m.readRefusal(status, JSON.stringify(headers), body)),
    readReceipt: (header) => json(m.readReceipt(header)),
  };
}
