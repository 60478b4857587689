// EIP-6963 discovery and EIP-1193 requests against a test provider object. Expected behaviour and
// codes are the EIPs': https://eips.ethereum.org/EIPS/eip-6963 (announce/request events, info
// fields), https://eips.ethereum.org/EIPS/eip-1193#provider-errors (4001, 4100, 4200, 4900, 4901),
// https://eips.ethereum.org/EIPS/eip-3326 (4902: chain not added → wallet_addEthereumChain).
import { test } from "node:test";
import assert from "node:assert/strict";
import { evmWallet, mapProviderError, normalizeChainId, watchEvmWallets } from "../src/wallets/eip1193.mjs";

const ICON = "data:image/svg+xml;base64,PHN2Zy8+";

// A provider as wallets inject it: `request({method, params})`, `on`/`removeListener`.
function testProvider(handlers = {}) {
  const calls = [];
  const listeners = new Map();
  return {
    calls,
    emit: (ev, v) => (listeners.get(ev) ?? []).forEach((f) => f(v)),
    listeners,
    async request({ method, params }) {
      calls.push({ method, params });
      const h = handlers[method];
      if (!h) throw Object.assign(new Error("unsupported"), { code: 4200 });
      return h(params);
    },
    on(ev, f) { listeners.set(ev, [...(listeners.get(ev) ?? []), f]); },
    removeListener(ev, f) { listeners.set(ev, (listeners.get(ev) ?? []).filter((g) => g !== f)); },
  };
}

// The wallet side of EIP-6963: announce on load and again on every requestProvider.
function announceOn(win, info, provider) {
  const announce = () => win.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info, provider }) }));
  win.addEventListener("eip6963:requestProvider", announce);
  announce();
}

test("EIP-6963: wallets announced before and after the page's request are listed, once each", () => {
  const win = new EventTarget();
  const a = testProvider();
  const b = testProvider();
  announceOn(win, { uuid: "350670db-19fa-4704-a166-e52e178b59d2", name: "Early", icon: ICON, rdns: "dev.pay402.early" }, a);
  let list = [];
  const stop = watchEvmWallets(win, (l) => { list = l; });
  assert.deepEqual(list.map((w) => w.name), ["Early"], "answered the page's eip6963:requestProvider");
  announceOn(win, { uuid: "5e1ad2ef-0000-4000-8000-000000000002", name: "Late", icon: ICON, rdns: "dev.pay402.late" }, b);
  assert.deepEqual(list.map((w) => [w.id, w.name, w.rdns, w.icon, w.kind]), [
    ["eip6963:350670db-19fa-4704-a166-e52e178b59d2", "Early", "dev.pay402.early", ICON, "evm"],
    ["eip6963:5e1ad2ef-0000-4000-8000-000000000002", "Late", "dev.pay402.late", ICON, "evm"],
  ]);
  assert.equal(list[1].provider, b);
  win.dispatchEvent(new Event("eip6963:requestProvider"));
  assert.equal(list.length, 2, "a second announcement of the same uuid is not a second wallet");
  stop();
  announceOn(win, { uuid: "third", name: "After stop", icon: ICON, rdns: "x" }, testProvider());
  assert.equal(list.length, 2);
});

test("EIP-6963: malformed announcements are ignored; an icon that is not a data: image is dropped", () => {
  const win = new EventTarget();
  let list = [];
  watchEvmWallets(win, (l) => { list = l; });
  win.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: { info: { name: "no uuid" }, provider: testProvider() } }));
  win.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: { info: { uuid: "u", name: "no provider" } } }));
  win.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: { info: { uuid: "u2", name: "js icon", icon: "javascript:alert(1)", rdns: "r" }, provider: testProvider() } }));
  assert.deepEqual(list.map((w) => [w.name, w.icon]), [["js icon", null]]);
});

test("without announcements window.ethereum is the fallback; an announcement replaces it", () => {
  const win = new EventTarget();
  win.ethereum = testProvider();
  let list = [];
  watchEvmWallets(win, (l) => { list = l; });
  assert.deepEqual(list.map((w) => [w.id, w.provider === win.ethereum]), [["injected", true]]);
  announceOn(win, { uuid: "u", name: "Announced", icon: ICON, rdns: "r" }, testProvider());
  assert.deepEqual(list.map((w) => w.name), ["Announced"]);
  const empty = new EventTarget();
  watchEvmWallets(empty, (l) => { list = l; });
  assert.deepEqual(list, []);
});

test("EIP-1193 provider error codes map to the page's codes", () => {
  const cases = [
    [4001, "wallet_rejected"], [4100, "wallet_unauthorized"], [4200, "wallet_unsupported_method"],
    [4900, "wallet_disconnected"], [4901, "wallet_chain_disconnected"], [4902, "wallet_chain_unknown"],
    [-32002, "wallet_busy"], [-32603, "wallet_error"], [undefined, "wallet_error"],
  ];
  for (const [code, want] of cases) {
    const m = mapProviderError(Object.assign(new Error("m"), { code }));
    assert.equal(m.code, want, `code ${code}`);
    assert.equal(m.walletCode, code ?? null);
  }
  assert.equal(mapProviderError({ code: -32603, data: { originalError: { code: 4001, message: "User denied" } } }).code, "wallet_rejected");
  assert.equal(mapProviderError("a string").code, "wallet_error");
});

test("connect: eth_requestAccounts then eth_chainId; a 4001 refusal throws wallet_rejected", async () => {
  const p = testProvider({ eth_requestAccounts: () => ["0xAbC0000000000000000000000000000000000001"], eth_chainId: () => "0x014A34" });
  assert.deepEqual(await evmWallet(p).connect(), { account: "0xAbC0000000000000000000000000000000000001", chainId: "0x14a34" });
  assert.deepEqual(p.calls.map((c) => c.method), ["eth_requestAccounts", "eth_chainId"]);
  const no = testProvider({ eth_requestAccounts: () => { throw Object.assign(new Error("User rejected the request."), { code: 4001 }); } });
  await assert.rejects(evmWallet(no).connect(), { name: "WalletError", code: "wallet_rejected", walletCode: 4001 });
  await assert.rejects(evmWallet(testProvider({ eth_requestAccounts: () => [] })).connect(), { code: "wallet_unauthorized" });
});

test("switchChain: wallet_switchEthereumChain; on 4902 wallet_addEthereumChain with the given parameters", async () => {
  const p = testProvider({ wallet_switchEthereumChain: () => null });
  await evmWallet(p).switchChain("0x14a34");
  assert.deepEqual(p.calls, [{ method: "wallet_switchEthereumChain", params: [{ chainId: "0x14a34" }] }]);

  const unknown = () => { throw Object.assign(new Error("Unrecognized chain ID"), { code: 4902 }); };
  const q = testProvider({ wallet_switchEthereumChain: unknown, wallet_addEthereumChain: () => null });
  const add = { chainName: "eip155:31337", rpcUrls: ["http://127.0.0.1:8545"], nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 } };
  await evmWallet(q).switchChain("0x7a69", add);
  assert.deepEqual(q.calls.map((c) => c.method), ["wallet_switchEthereumChain", "wallet_addEthereumChain"]);
  assert.deepEqual(q.calls[1].params, [{ ...add, chainId: "0x7a69" }]);

  await assert.rejects(evmWallet(testProvider({ wallet_switchEthereumChain: unknown })).switchChain("0x7a69"), { code: "wallet_chain_unknown" });
  const refusesAdd = testProvider({ wallet_switchEthereumChain: unknown, wallet_addEthereumChain: () => { throw Object.assign(new Error("no"), { code: 4001 }); } });
  await assert.rejects(evmWallet(refusesAdd).switchChain("0x7a69", add), { code: "wallet_rejected" });
  const rejects = testProvider({ wallet_switchEthereumChain: () => { throw Object.assign(new Error("no"), { code: 4001 }); }, wallet_addEthereumChain: () => null });
  await assert.rejects(evmWallet(rejects).switchChain("0x7a69", add), { code: "wallet_rejected" });
  assert.deepEqual(rejects.calls.map((c) => c.method), ["wallet_switchEthereumChain"], "a refused switch is not followed by an add");
});

test("signTypedData: eth_signTypedData_v4 with [account, the core's JSON text] verbatim", async () => {
  const typed = '{"primaryType":"TransferWithAuthorization"}';
  const sig = `0x${"ab".repeat(65)}`;
  const p = testProvider({ eth_signTypedData_v4: () => sig });
  assert.equal(await evmWallet(p).signTypedData("0x01", typed), sig);
  assert.deepEqual(p.calls, [{ method: "eth_signTypedData_v4", params: ["0x01", typed] }]);
  await assert.rejects(evmWallet(testProvider({ eth_signTypedData_v4: () => null })).signTypedData("0x01", typed), { code: "wallet_error" });
  await assert.rejects(evmWallet(testProvider()).signTypedData("0x01", typed), { code: "wallet_unsupported_method" });
});

test("accountsChanged / chainChanged reach the page until stopped", () => {
  const p = testProvider();
  const seen = [];
  const stop = evmWallet(p).watch({ accountsChanged: (a) => seen.push(["a", a]), chainChanged: (c) => seen.push(["c", c]) });
  p.emit("accountsChanged", ["0x02"]);
  p.emit("accountsChanged", []);
  p.emit("chainChanged", "0x1");
  stop();
  p.emit("chainChanged", "0x2");
  assert.deepEqual(seen, [["a", "0x02"], ["a", null], ["c", "0x1"]]);
});

test("chain ids are normalized as eth_chainId answers them (EIP-695: hex, no leading zeros)", () => {
  assert.equal(normalizeChainId("0x0001"), "0x1");
  assert.equal(normalizeChainId(84532), "0x14a34");
  assert.equal(normalizeChainId("8453"), "0x2105");
  assert.equal(normalizeChainId("0xZZ"), null);
});
