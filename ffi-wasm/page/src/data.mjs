// The page data: one `<meta name="pay402-page" content="<base64 JSON>">` the server writes (the same
// PAYMENT-REQUIRED value as the 402's header, the L402 offer, display hints, RPC URLs). It is only
// ever parsed as JSON and rendered as text: nothing in it reaches script source or markup.

/** Thrown for a missing or malformed meta: code `page_data_invalid`. */
export class PageDataError extends Error {
  constructor(message) {
    super(message);
    this.name = "PageDataError";
    this.code = "page_data_invalid";
  }
}

const isObject = (v) => typeof v === "object" && v !== null && !Array.isArray(v);
const optString = (v, what) => {
  if (v !== undefined && typeof v !== "string") throw new PageDataError(`${what} is not a string`);
  return v;
};

/**
 * Decodes the meta's content: base64 (RFC 4648 §4, padded) of UTF-8 JSON, version 1.
 * @param {string | null | undefined} content
 * @returns {object} the page data, with `rpc` and `messages` defaulted to `{}`
 */
export function decodePageData(content) {
  if (typeof content !== "string" || content.length === 0) throw new PageDataError("the page data is missing");
  if (content.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(content)) {
    throw new PageDataError("the page data is not base64");
  }
  let text;
  try {
    const bin = atob(content);
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new PageDataError("the page data is not base64 of UTF-8 text");
  }
  let d;
  try {
    d = JSON.parse(text);
  } catch {
    throw new PageDataError("the page data is not JSON");
  }
  if (!isObject(d)) throw new PageDataError("the page data is not a JSON object");
  if (d.v !== 1) throw new PageDataError("the page data's version is not 1");
  if (!isObject(d.resource) || typeof d.resource.url !== "string") throw new PageDataError("resource.url is missing");
  optString(d.resource.description, "resource.description");
  optString(d.paymentRequired, "paymentRequired");
  if (d.l402 !== undefined) {
    if (!isObject(d.l402) || typeof d.l402.macaroon !== "string" || typeof d.l402.invoice !== "string") {
      throw new PageDataError("l402 needs a macaroon and an invoice");
    }
    if (!/^ln[a-z0-9]+$/i.test(d.l402.invoice)) throw new PageDataError("l402.invoice is not a BOLT11 invoice");
  }
  if (d.paymentRequired === undefined && d.l402 === undefined) throw new PageDataError("the page data has no offer");
  const rpc = d.rpc ?? {};
  if (!isObject(rpc) || !Object.values(rpc).every((u) => typeof u === "string")) throw new PageDataError("rpc is not a map of URLs");
  const messages = d.messages ?? {};
  if (!isObject(messages) || !Object.values(messages).every((m) => typeof m === "string")) {
    throw new PageDataError("messages is not a map of strings");
  }
  if (d.display !== undefined && !Array.isArray(d.display)) throw new PageDataError("display is not a list");
  return { ...d, rpc, messages, showReceipt: d.showReceipt === true };
}

/** Reads and decodes the page data of a document. */
export function readPageData(doc) {
  const meta = doc.querySelector('meta[name="pay402-page"]');
  return decodePageData(meta?.getAttribute("content"));
}
