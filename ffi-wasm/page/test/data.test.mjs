// The page data meta: base64 (RFC 4648 §4) of UTF-8 JSON version 1. Malformed data is the error
// screen `page_data_invalid`; values are data, whatever they contain.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { decodePageData } from "../src/data.mjs";
import { initial, next } from "../src/machine.mjs";

const b64 = (text) => Buffer.from(text, "utf8").toString("base64");
const good = { v: 1, resource: { url: "https://shop.test/a", description: "An article" }, paymentRequired: "eyJ4NDAyVmVyc2lvbiI6Mn0=", display: [{ decimals: 6, symbol: "USDC" }], rpc: { "eip155:84532": "/rpc/base-sepolia" } };

test("decodes a page data meta", () => {
  const d = decodePageData(b64(JSON.stringify(good)));
  assert.equal(d.resource.url, "https://shop.test/a");
  assert.equal(d.paymentRequired, good.paymentRequired);
  assert.deepEqual(d.rpc, good.rpc);
  assert.deepEqual(d.messages, {});
  assert.equal(d.showReceipt, false);
});

test("UTF-8 text survives (base64 of UTF-8, not of Latin-1)", () => {
  const d = decodePageData(b64(JSON.stringify({ ...good, resource: { url: "/", description: "Café ☕ 日本" } })));
  assert.equal(d.resource.description, "Café ☕ 日本");
});

test("an L402 offer alone is enough; a bad invoice is not", () => {
  const l402 = { v: 1, resource: { url: "/" }, l402: { macaroon: "AgEEbHNhdA==", invoice: "lnbcrt10u1pjq0000", amountMsat: 1000000 } };
  assert.equal(decodePageData(b64(JSON.stringify(l402))).l402.invoice, "lnbcrt10u1pjq0000");
  assert.throws(() => decodePageData(b64(JSON.stringify({ ...l402, l402: { ...l402.l402, invoice: "<script>" } }))), { code: "page_data_invalid" });
});

const MALFORMED = {
  missing: null,
  empty: "",
  "not base64": "not base64!",
  "base64url alphabet": b64(JSON.stringify(good)).replace(/\+/g, "-").replace(/\//g, "_") + "-_",
  "bad padding": "eyJ2IjoxfQ",
  "invalid UTF-8": Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString("base64"),
  "not JSON": b64("{v:1}"),
  "JSON array": b64("[1]"),
  "JSON string": b64('"x"'),
  "version 2": b64(JSON.stringify({ ...good, v: 2 })),
  "no resource": b64(JSON.stringify({ ...good, resource: undefined })),
  "no offer": b64(JSON.stringify({ v: 1, resource: { url: "/" } })),
  "rpc not strings": b64(JSON.stringify({ ...good, rpc: { a: 1 } })),
  "messages not strings": b64(JSON.stringify({ ...good, messages: { pay: {} } })),
  "paymentRequired not a string": b64(JSON.stringify({ ...good, paymentRequired: { x: 1 } })),
};
for (const [name, content] of Object.entries(MALFORMED)) {
  test(`malformed page data (${name}) → page_data_invalid → the error screen`, () => {
    let err;
    assert.throws(() => decodePageData(content), (e) => { err = e; return e.code === "page_data_invalid" && e.name === "PageDataError"; });
    const s = next(initial(), { type: "failed", code: err.code });
    assert.equal(s.screen, "error");
    assert.deepEqual(s.error.actions, ["reload"]);
  });
}

test("markup in the data stays text: decoded verbatim, never evaluated", () => {
  globalThis.pwned = false;
  const evil = `</script><script>globalThis.pwned=true</script><img src=x onerror="globalThis.pwned=true">"'\u2028`;
  const d = decodePageData(b64(JSON.stringify({ ...good, resource: { url: evil, description: evil }, messages: { pay: evil } })));
  assert.equal(d.resource.description, evil);
  assert.equal(d.messages.pay, evil);
  assert.equal(globalThis.pwned, false);
});

test("the page's sources never write markup from data (no innerHTML, eval, Function; document.write only for the paid HTML)", () => {
  const dir = new URL("../src/", import.meta.url);
  const files = readdirSync(dir, { recursive: true }).filter((f) => f.endsWith(".mjs"));
  assert.ok(files.length >= 10);
  for (const f of files) {
    const src = readFileSync(new URL(f, dir), "utf8");
    assert.doesNotMatch(src, /innerHTML|outerHTML|insertAdjacentHTML|\beval\(|new Function|setAttribute\("on/, f);
    const writes = src.match(/document\.write|doc\.write/g) ?? [];
    assert.equal(writes.length, f === "main.mjs" ? 1 : 0, `${f}: document.write`);
  }
});
