// The page's wrapper of the paywall wasm's exports (the contract listed in src/core.mjs: JSON text in and out): answers
// are parsed, arguments passed through unchanged, typed data stays JSON text for the wallet.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CORE_EXPORTS, wrapCore } from "../src/core.mjs";

function module_(answers) {
  const calls = [];
  const m = Object.fromEntries(CORE_EXPORTS.map((name) => [name, () => { throw new Error(`${name} not expected`); }]));
  for (const [name, out] of Object.entries(answers)) m[name] = (...a) => { calls.push([name, ...a]); return out; };
  return { m, calls };
}

test("JSON answers are parsed; the page data goes in as JSON text", () => {
  const { m, calls } = module_({ offers: '[{"index":0,"kind":"evm_eip3009"}]', evmBalanceCall: '{"to":"0x1","data":"0x70a08231"}', readRefusal: '{"code":"c","detailCode":null,"message":"m"}' });
  const core = wrapCore(m);
  assert.deepEqual(core.offers({ v: 1 }), [{ index: 0, kind: "evm_eip3009" }]);
  assert.deepEqual(calls[0], ["offers", '{"v":1}']);
  assert.deepEqual(core.evmBalanceCall("0x1", "0x2"), { to: "0x1", data: "0x70a08231" });
  assert.deepEqual(core.readRefusal(402, [["a", "b"]], "body"), { code: "c", detailCode: null, message: "m" });
  assert.deepEqual(calls[2], ["readRefusal", 402, '[["a","b"]]', "body"]);
});

test("typed data stays JSON text (what eth_signTypedData_v4 takes), whether the module returns text or an object", () => {
  assert.equal(wrapCore(module_({ evmTypedData: '{"a":1}' }).m).evmTypedData("r", 0, "f", 1, "n"), '{"a":1}');
  assert.equal(wrapCore(module_({ evmTypedData: { a: 1 } }).m).evmTypedData("r", 0, "f", 1, "n"), '{"a":1}');
});

test("l402Authorization: the header value as text, or {name, value} JSON", () => {
  assert.equal(wrapCore(module_({ l402Authorization: "L402 mac:00ff" }).m).l402Authorization("mac", "00ff"), "L402 mac:00ff");
  assert.equal(wrapCore(module_({ l402Authorization: '{"name":"Authorization","value":"L402 mac:00ff"}' }).m).l402Authorization("mac", "00ff"), "L402 mac:00ff");
});

test("balanceCovers is true only for true; bytes pass through", () => {
  assert.equal(wrapCore(module_({ balanceCovers: true }).m).balanceCovers("0x1", "1"), true);
  assert.equal(wrapCore(module_({ balanceCovers: "true" }).m).balanceCovers("0x1", "1"), false);
  const tx = Uint8Array.of(1, 2);
  assert.equal(wrapCore(module_({ svmUnsignedTransfer: tx }).m).svmUnsignedTransfer(), tx);
});

test("errors thrown by the module keep their code", () => {
  const core = wrapCore(module_({}).m);
  core.evmPaymentHeader = wrapCore({ ...module_({}).m, evmPaymentHeader: () => { throw Object.assign(new Error("bad signature length"), { code: "signature_length" }); } }).evmPaymentHeader;
  assert.throws(() => core.evmPaymentHeader("r", 0, "f", 1, "n", "0x"), { code: "signature_length" });
});

test("a module without the paywall exports is refused (core_mismatch), naming what is missing", () => {
  assert.equal(CORE_EXPORTS.length, 12, "src/core.mjs lists twelve exports");
  const { offers, ...rest } = module_({}).m;
  assert.throws(() => wrapCore(rest), { code: "core_mismatch", message: "the module lacks offers" });
  assert.throws(() => wrapCore({ x402Verify() {} }), { code: "core_mismatch" });
});
