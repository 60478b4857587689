// The Wallet Standard's app side against a wallet registered by @wallet-standard/wallet's own
// `registerWallet` (the code real wallets run), both ways: the wallet loads before the page
// (it answers `wallet-standard:app-ready`) and after (the page answers
// `wallet-standard:register-wallet`). Feature names and shapes:
// anza-xyz/wallet-standard packages/core/features (solana:signTransaction) and wallet-standard/wallet-standard.
import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { registerWallet } from "@wallet-standard/wallet";
import { canPay, svmEntries, svmWallet, watchStandardWallets } from "../src/wallets/wallet-standard.mjs";

beforeEach(() => { globalThis.window = new EventTarget(); });

function testWallet({ name = "Test Solana", chains = ["solana:devnet"], versions = ["legacy", 0], sign } = {}) {
  const account = { address: "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin", publicKey: new Uint8Array(32), chains, features: ["solana:signTransaction"] };
  const seen = [];
  return {
    seen,
    version: "1.0.0", name, icon: "data:image/svg+xml;base64,PHN2Zy8+", chains, accounts: [],
    features: {
      "standard:connect": { version: "1.0.0", connect: async () => ({ accounts: [account] }) },
      "solana:signTransaction": {
        version: "1.0.0", supportedTransactionVersions: versions,
        signTransaction: async (...inputs) => {
          seen.push(...inputs);
          if (sign) return sign(inputs);
          return inputs.map((i) => ({ signedTransaction: Uint8Array.from([...i.transaction, 0xee]) }));
        },
      },
    },
  };
}

test("a wallet that loaded before the page registers on wallet-standard:app-ready", () => {
  const w = testWallet();
  registerWallet(w);
  let list = [];
  watchStandardWallets(window, (l) => { list = l; });
  assert.deepEqual(list, [w]);
});

test("a wallet that loads after the page registers through wallet-standard:register-wallet", () => {
  let list = [];
  const stop = watchStandardWallets(window, (l) => { list = l; });
  assert.deepEqual(list, []);
  const w = testWallet();
  registerWallet(w);
  assert.deepEqual(list, [w]);
  registerWallet(w);
  assert.equal(list.length, 1, "the same wallet object twice is one wallet");
  stop();
  registerWallet(testWallet({ name: "after stop" }));
  assert.equal(list.length, 1);
});

test("unregister removes the wallet", () => {
  let list = [];
  let api;
  window.addEventListener("wallet-standard:app-ready", (e) => { api = e.detail; });
  watchStandardWallets(window, (l) => { list = l; });
  const unregister = api.register(testWallet());
  assert.equal(list.length, 1);
  unregister();
  assert.equal(list.length, 0);
  assert.throws(() => { api.extra = 1; }, TypeError, "the register API is frozen");
});

test("only wallets with standard:connect, solana:signTransaction v0 and the offer's chain can pay", () => {
  assert.equal(canPay(testWallet(), "solana:devnet"), true);
  assert.equal(canPay(testWallet(), "solana:mainnet"), false);
  assert.equal(canPay(testWallet({ versions: ["legacy"] }), "solana:devnet"), false);
  const noSign = testWallet();
  delete noSign.features["solana:signTransaction"];
  assert.equal(canPay(noSign, "solana:devnet"), false);
  const noConnect = testWallet();
  delete noConnect.features["standard:connect"];
  assert.equal(canPay(noConnect, "solana:devnet"), false);
  assert.deepEqual(svmEntries([testWallet(), testWallet({ name: "main", chains: ["solana:mainnet"] })], "solana:devnet").map((e) => e.name), ["Test Solana"]);
});

test("connect then signTransaction({account, transaction, chain}) → the signed bytes", async () => {
  const w = testWallet();
  const api = svmWallet(w, "solana:devnet");
  assert.deepEqual(await api.connect(), { account: "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin", chainId: "solana:devnet" });
  const tx = Uint8Array.of(1, 2, 3);
  assert.deepEqual(await api.signTransaction(tx), Uint8Array.of(1, 2, 3, 0xee));
  assert.equal(w.seen.length, 1);
  assert.equal(w.seen[0].transaction, tx);
  assert.equal(w.seen[0].chain, "solana:devnet");
  assert.equal(w.seen[0].account.address, "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin");
});

test("a refusal in the wallet is wallet_rejected; a malformed answer is wallet_error", async () => {
  const refuses = testWallet({ sign: () => { const e = new Error("User rejected the request."); e.name = "WalletSignTransactionError"; throw e; } });
  const api = svmWallet(refuses, "solana:devnet");
  await api.connect();
  await assert.rejects(api.signTransaction(Uint8Array.of(1)), { code: "wallet_rejected" });
  const odd = svmWallet(testWallet({ sign: () => [{ signedTransaction: "not bytes" }] }), "solana:devnet");
  await odd.connect();
  await assert.rejects(odd.signTransaction(Uint8Array.of(1)), { code: "wallet_error" });
  const none = svmWallet(testWallet({ chains: ["solana:mainnet"] }), "solana:devnet");
  await assert.rejects(none.connect(), { code: "wallet_unauthorized" });
});
