// The payment effects: the core builds, the wallet signs, this module moves the bytes (JSON-RPC
// reads, the one paid request). A paid request is sent once per signature and never retried: a
// lost answer becomes `answer_lost`, whose action re-requests WITHOUT the payment header.

/**
 * A failure the page shows: `code` is a message code, `detail` the server's own code if any;
 * `fromServer` marks a refusal whose message is the core's `errorMessage` (shown as is).
 */
export class PayError extends Error {
  constructor(code, message, detail) {
    super(message || code);
    this.name = "PayError";
    this.code = code;
    this.detail = detail ?? null;
  }
}

/** `n` random bytes as `0x`-less lower-case hex (crypto.getRandomValues). */
export function randomHex(crypto, n) {
  const b = crypto.getRandomValues(new Uint8Array(n));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** One JSON-RPC 2.0 call; any transport or RPC error is `rpc_unavailable`. */
export async function rpcCall(fetchImpl, url, method, params) {
  let j;
  try {
    const r = await fetchImpl(url, {
      method: "POST", headers: { "content-type": "application/json" }, cache: "no-store",
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    });
    j = await r.json();
  } catch (err) {
    throw new PayError("rpc_unavailable", String(err?.message ?? err));
  }
  if (j?.error || !("result" in (j ?? {}))) throw new PayError("rpc_unavailable", String(j?.error?.message ?? "no result"));
  return j.result;
}

/** Whether `account` holds at least the offer's amount (`eth_call` of the core's balanceOf). */
export async function evmBalanceCovers({ core, fetchImpl, rpcUrl, offer, account }) {
  const call = core.evmBalanceCall(offer.asset, account);
  const result = await rpcCall(fetchImpl, rpcUrl, "eth_call", [{ to: call.to, data: call.data }, "latest"]);
  return core.balanceCovers(result, offer.amount);
}

/**
 * EVM EIP-3009: the core's typed data → the wallet's signature → the core's header. `now` (unix
 * seconds) and the nonce are passed to both core calls, so the header is the draft that was signed.
 */
export async function evmHeader({ core, wallet, required, offer, account, now, nonceHex }) {
  const typed = core.evmTypedData(required, offer.index, account, now, nonceHex);
  const signature = await wallet.signTypedData(account, typed);
  return core.evmPaymentHeader(required, offer.index, account, now, nonceHex, signature);
}

/**
 * Solana `exact`: the latest blockhash, the mint (decimals, token program) and the payer's token
 * accounts over RPC → the core's choice of the paying account → the core's unsigned transfer to
 * the payee's token account the server listed → the wallet's signature → the core's header.
 */
export async function svmHeader({ core, wallet, fetchImpl, rpcUrl, required, offer, account, memoHex }) {
  if (!rpcUrl) throw new PayError("rpc_unavailable", "no RPC URL for this network");
  const bh = await rpcCall(fetchImpl, rpcUrl, "getLatestBlockhash", [{ commitment: "confirmed" }]);
  const info = await rpcCall(fetchImpl, rpcUrl, "getAccountInfo", [offer.asset, { encoding: "base64", commitment: "confirmed" }]);
  const data = info?.value?.data?.[0];
  if (typeof bh?.value?.blockhash !== "string" || typeof data !== "string") throw new PayError("rpc_unavailable", "unexpected RPC answer");
  const mint = core.svmMint(data, info.value.owner);
  const destination = offer.payToTokenAccounts?.[mint.tokenProgram];
  if (!destination) throw new PayError("page_data_invalid", "no payee token account for the mint's program");
  const held = await rpcCall(fetchImpl, rpcUrl, "getTokenAccountsByOwner", [account, { mint: offer.asset }, { encoding: "base64", commitment: "confirmed" }]);
  const source = core.svmSourceAccount(account, offer.asset, offer.amount, held?.value ?? null);
  const tx = core.svmUnsignedTransfer(required, offer.index, account, source, destination, bh.value.blockhash, mint.decimals, mint.tokenProgram, memoHex);
  const signed = await wallet.signTransaction(tx);
  return core.svmPaymentHeader(required, offer.index, signed);
}

const REFUSAL_CODES = [
  [/valid_before|expired/, "offer_expired"],
  [/already_used|replay/, "payment_already_used"],
  [/insufficient/, "insufficient_balance"],
];

/**
 * Sends the one paid request (same URL, the payment header, no cache, same-origin credentials).
 * 2xx → `{status, contentType, receipt, body}` (`body` a Blob); otherwise `PayError` with the
 * core's reading of the refusal (its `errorMessage` as the message).
 */
export async function sendPaid({ core, fetchImpl, url, header }) {
  let r;
  try {
    r = await fetchImpl(url, { headers: { [header.name]: header.value }, cache: "no-store", credentials: "same-origin" });
  } catch (err) {
    throw new PayError("answer_lost", String(err?.message ?? err));
  }
  if (r.status >= 200 && r.status < 300) {
    const h = r.headers.get("payment-response") ?? r.headers.get("x-payment-response");
    let receipt = null;
    try {
      receipt = h ? core.readReceipt(h) : null;
    } catch {
      receipt = null;
    }
    let body;
    try {
      body = await r.blob();
    } catch (err) {
      throw new PayError("answer_lost", String(err?.message ?? err));
    }
    return { status: r.status, contentType: r.headers.get("content-type") ?? "application/octet-stream", receipt, body };
  }
  const headers = [...r.headers];
  let text = "";
  try {
    text = await r.text();
  } catch {
    text = "";
  }
  let refusal;
  try {
    refusal = core.readRefusal(r.status, headers, text);
  } catch {
    refusal = { code: `http_${r.status}`, detailCode: null, message: "" };
  }
  const server = `${refusal.code ?? ""} ${refusal.detailCode ?? ""}`;
  const mapped = REFUSAL_CODES.find(([re]) => re.test(server))?.[1] ?? "refused";
  throw Object.assign(new PayError(mapped, refusal.message, refusal.detailCode ?? refusal.code), { fromServer: true });
}
