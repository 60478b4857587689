// TEST STUB — NOT THE PAYWALL WASM. A JavaScript stand-in for the paywall wasm's exports (the
// contract listed in src/core.mjs), so the page can be built and its flows exercised before the
// wasm exists. It is used ONLY by this directory's tests and the browser smoke (`node build.mjs
// test/stub-core.mjs <out>`; the build line and sizes.json then say "TEST STUB"). It is
// deliberately simple: no protocol decision here is the core's, and no test takes an expected value
// from it — tests check that the page passes the core's answers through (what the wallet signs,
// what the request carries), not what those answers are.
export const IS_TEST_STUB = true;

const b64 = (s) => btoa(String.fromCharCode(...new TextEncoder().encode(s)));
const unb64 = (s) => new TextDecoder().decode(Uint8Array.from(atob(s), (c) => c.charCodeAt(0)));
const fail = (code, message) => Object.assign(new Error(message), { code });
const required_ = (r) => JSON.parse(unb64(r));
const SOLANA = { "5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp": "solana:mainnet", EtWTRABZaYq6iMfeYKouRu166VU2xqa1: "solana:devnet", "4uhcVJyU9pJkvQyS88uRDiswHXSCkY3z": "solana:testnet" };

export default async function init() {}
export function initSync() {}

export function offers(pageDataJson) {
  const d = JSON.parse(pageDataJson);
  if (!d.paymentRequired) return "[]";
  const pr = required_(d.paymentRequired);
  return JSON.stringify(pr.accepts.map((a, index) => {
    const hint = d.display?.[index] ?? {};
    const decimals = hint.decimals ?? 6;
    const amountDisplay = (Number(BigInt(a.amount)) / 10 ** decimals).toString();
    const base = { index, network: a.network, amount: a.amount, amountDisplay, symbol: hint.symbol ?? "USDC", asset: a.asset, payTo: a.payTo };
    if (a.scheme === "exact" && a.network.startsWith("eip155:") && a.extra?.assetTransferMethod !== "permit2") {
      return { ...base, kind: "evm_eip3009", chainIdHex: `0x${BigInt(a.network.slice(7)).toString(16)}` };
    }
    if (a.scheme === "exact" && a.network.startsWith("solana:") && SOLANA[a.network.slice(7)]) {
      const pay = d.svmPayTo?.find((p) => p.index === index);
      if (!pay) return { ...base, kind: "unpayable", reason: "page_pay_to_account_missing" };
      return { ...base, kind: "svm_exact", walletChain: SOLANA[a.network.slice(7)],
        payToTokenAccounts: { TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA: pay.token, TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb: pay.token2022 } };
    }
    return { ...base, kind: "unpayable", reason: "scheme_unsupported" };
  }));
}

export function evmTypedData(required, index, from, now, nonceHex) {
  const a = required_(required).accepts[index];
  if (!a) throw fail("offer_index", "no such offer");
  return JSON.stringify({
    types: {
      EIP712Domain: [{ name: "name", type: "string" }, { name: "version", type: "string" }, { name: "chainId", type: "uint256" }, { name: "verifyingContract", type: "address" }],
      TransferWithAuthorization: [{ name: "from", type: "address" }, { name: "to", type: "address" }, { name: "value", type: "uint256" }, { name: "validAfter", type: "uint256" }, { name: "validBefore", type: "uint256" }, { name: "nonce", type: "bytes32" }],
    },
    primaryType: "TransferWithAuthorization",
    domain: { name: a.extra?.name, version: a.extra?.version, chainId: Number(a.network.slice(7)), verifyingContract: a.asset },
    message: { from, to: a.payTo, value: a.amount, validAfter: String(now - 600), validBefore: String(now + a.maxTimeoutSeconds), nonce: nonceHex },
  });
}

export function evmPaymentHeader(required, index, from, now, nonceHex, signatureHex) {
  const pr = required_(required);
  const a = pr.accepts[index];
  const m = JSON.parse(evmTypedData(required, index, from, now, nonceHex)).message;
  const payload = { x402Version: 2, resource: pr.resource, accepted: a, payload: { signature: signatureHex, authorization: m } };
  return JSON.stringify({ name: "PAYMENT-SIGNATURE", value: b64(JSON.stringify(payload)) });
}

export function evmBalanceCall(asset, owner) {
  return JSON.stringify({ to: asset, data: `0x70a08231${owner.slice(2).toLowerCase().padStart(64, "0")}` });
}

export function balanceCovers(resultHex, amount) {
  return BigInt(resultHex) >= BigInt(amount);
}

export function svmMint(data, owner) {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  if (bytes.length < 82) throw fail("svm_mint_invalid", "not a mint");
  return JSON.stringify({ decimals: bytes[44], tokenProgram: owner });
}

export function svmSourceAccount(payer, mint, amount, accountsJson) {
  const first = JSON.parse(accountsJson)?.[0];
  if (!first) throw fail("token_account_missing", "no token account");
  return first.pubkey;
}

export function svmUnsignedTransfer(required, index, payer, source, destination, blockhash, decimals, tokenProgram, memoHex) {
  return new TextEncoder().encode(JSON.stringify({ stub: "unsigned", index, payer, source, destination, blockhash, decimals, tokenProgram, memoHex }));
}

export function svmPaymentHeader(required, index, signedTx) {
  const pr = required_(required);
  const tx = btoa(String.fromCharCode(...signedTx));
  return JSON.stringify({ name: "PAYMENT-SIGNATURE", value: b64(JSON.stringify({ x402Version: 2, accepted: pr.accepts[index], payload: { transaction: tx } })) });
}

export function l402Authorization(macaroon, preimageHex) {
  return `L402 ${macaroon}:${preimageHex}`;
}

export function readRefusal(status, headersJson, body) {
  let j = null;
  try { j = JSON.parse(body); } catch { /* not JSON */ }
  return JSON.stringify({ code: j?.error ?? `http_${status}`, detailCode: j?.errorDetail ?? null, message: j?.errorMessage ?? "" });
}

export function readReceipt(header) {
  return JSON.stringify(header ? JSON.parse(unb64(header)) : null);
}
