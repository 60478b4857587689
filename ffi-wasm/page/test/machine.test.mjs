// The screens' reducer, transition by transition, against the flow src/machine.mjs states:
// loading → offers → wallets → connecting → [network] → [checking] → review → signing → paying →
// paid; L402: offers → invoice → paying → paid; any step → error {code, message, actions}.
import { test } from "node:test";
import assert from "node:assert/strict";
import { initial, next, SCREENS } from "../src/machine.mjs";

const evm = { index: 0, kind: "evm_eip3009", network: "eip155:84532", chainIdHex: "0x14a34", amount: "10000", amountDisplay: "0.01", symbol: "USDC", canCheckBalance: false };
const evmRpc = { ...evm, index: 3, canCheckBalance: true };
const svm = { index: 1, kind: "svm_exact", network: "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1", walletChain: "solana:devnet", amount: "10000", amountDisplay: "0.01", symbol: "USDC" };
const agent = { index: 2, kind: "unpayable", reason: "permit2", network: "eip155:8453", amount: "1", amountDisplay: "0.000001", symbol: "USDC" };
const l402 = { index: 0, kind: "l402", invoice: "lnbcrt10u1p", amountDisplay: "1000", symbol: "sat" };
const mm = { id: "eip6963:1", kind: "evm", name: "Test EVM" };
const ph = { id: "ws:0", kind: "svm", name: "Test Solana", chains: ["solana:devnet"] };

const run = (events, s = initial()) => events.reduce(next, s);
const loaded = (offers) => ({ type: "loaded", offers });
const toReview = (offer) => run([loaded([offer, svm, agent]), { type: "wallets_found", wallets: [mm, ph] }, { type: "choose", index: offer.index, kind: offer.kind }, { type: "pick_wallet", id: mm.id }, { type: "connected", account: "0xabc", chainId: offer.chainIdHex }]);

test("starts on loading; every screen is listed once", () => {
  assert.equal(initial().screen, "loading");
  assert.equal(new Set(SCREENS).size, SCREENS.length);
  assert.deepEqual(SCREENS.slice().sort(), ["checking", "connecting", "error", "invoice", "loading", "network", "offers", "paid", "paying", "review", "signing", "wallets"]);
});

test("loaded with several payable offers → offers", () => {
  const s = run([loaded([evm, svm, agent])]);
  assert.equal(s.screen, "offers");
  assert.equal(s.offers.length, 3);
});

test("loaded with one payable offer skips offers (x402 → wallets, L402 → invoice)", () => {
  assert.equal(run([loaded([evm, agent])]).screen, "wallets");
  assert.equal(run([loaded([evm, agent])]).selected, evm);
  assert.equal(run([loaded([l402])]).screen, "invoice");
});

test("loaded with no payable offer → error no_payable_offer, action reload only", () => {
  const s = run([loaded([agent])]);
  assert.equal(s.screen, "error");
  assert.equal(s.error.code, "no_payable_offer");
  assert.deepEqual(s.error.actions, ["reload"]);
});

test("choosing an unpayable or unknown offer does nothing", () => {
  const s = run([loaded([evm, svm, agent])]);
  assert.equal(next(s, { type: "choose", index: 2, kind: "unpayable" }), s);
  assert.equal(next(s, { type: "choose", index: 9 }), s);
});

test("offers → wallets (x402) or invoice (L402); back returns to offers", () => {
  const s = run([loaded([evm, l402])]);
  const w = next(s, { type: "choose", index: 0, kind: "evm_eip3009" });
  assert.equal(w.screen, "wallets");
  assert.equal(next(w, { type: "back" }).screen, "offers");
  const i = next(s, { type: "choose", index: 0, kind: "l402" });
  assert.equal(i.screen, "invoice");
  assert.equal(i.selected, l402);
  assert.equal(next(i, { type: "back" }).screen, "offers");
});

test("back on wallets/invoice with one payable offer stays", () => {
  const s = run([loaded([evm])]);
  assert.equal(next(s, { type: "back" }), s);
  const i = run([loaded([l402])]);
  assert.equal(next(i, { type: "back" }), i);
});

test("wallets_found is kept on any screen", () => {
  const s = run([{ type: "wallets_found", wallets: [mm] }]);
  assert.equal(s.screen, "loading");
  assert.deepEqual(s.wallets, [mm]);
});

test("wallets → connecting only for a wallet of the offer's kind", () => {
  const s = run([loaded([evm, svm]), { type: "wallets_found", wallets: [mm, ph] }, { type: "choose", index: 0, kind: "evm_eip3009" }]);
  assert.equal(next(s, { type: "pick_wallet", id: ph.id }), s, "a Solana wallet for an EVM offer");
  assert.equal(next(s, { type: "pick_wallet", id: "nope" }), s);
  const c = next(s, { type: "pick_wallet", id: mm.id });
  assert.equal(c.screen, "connecting");
  assert.equal(c.wallet, mm);
  assert.equal(next(c, { type: "back" }).screen, "wallets");
});

test("connected on the offer's chain → review (no RPC) or checking (RPC)", () => {
  assert.equal(toReview(evm).screen, "review");
  assert.equal(toReview(evm).account, "0xabc");
  assert.equal(toReview(evmRpc).screen, "checking");
});

test("connected on another chain → network; switch is single-flight; the right chain continues", () => {
  const base = run([loaded([evm, svm]), { type: "wallets_found", wallets: [mm] }, { type: "choose", index: 0, kind: "evm_eip3009" }, { type: "pick_wallet", id: mm.id }]);
  const n = next(base, { type: "connected", account: "0xabc", chainId: "0x1" });
  assert.equal(n.screen, "network");
  const sw = next(n, { type: "switch" });
  assert.equal(sw.switching, true);
  assert.equal(next(sw, { type: "switch" }), sw);
  const still = next(sw, { type: "chain_changed", chainId: "0x2" });
  assert.equal(still.screen, "network");
  assert.equal(still.switching, false);
  assert.equal(next(sw, { type: "chain_changed", chainId: evm.chainIdHex }).screen, "review");
  assert.equal(next(n, { type: "back" }).screen, "wallets");
});

test("Solana offers never ask for a network switch", () => {
  const s = run([loaded([evm, svm]), { type: "wallets_found", wallets: [ph] }, { type: "choose", index: 1, kind: "svm_exact" }, { type: "pick_wallet", id: ph.id }, { type: "connected", account: "Payer111", chainId: "solana:devnet" }]);
  assert.equal(s.screen, "review");
  assert.equal(next(s, { type: "chain_changed", chainId: "0x1" }), s);
});

test("checking → review on balance_ok; → error insufficient_balance on balance_low", () => {
  const c = toReview(evmRpc);
  const ok = next(c, { type: "balance_ok" });
  assert.equal(ok.screen, "review");
  assert.equal(ok.balanceChecked, true);
  const low = next(c, { type: "balance_low", balance: "0.001" });
  assert.equal(low.screen, "error");
  assert.equal(low.error.code, "insufficient_balance");
  assert.deepEqual(low.error.detail, { balance: "0.001", amount: "0.01" });
  assert.deepEqual(low.error.actions, ["retry", "offers"]);
  const again = next(low, { type: "retry" });
  assert.equal(again.screen, "checking");
  assert.equal(again.balanceChecked, false);
});

test("review: accountsChanged / chainChanged reset to checking, network or wallets", () => {
  const r = toReview(evm);
  assert.equal(next(r, { type: "chain_changed", chainId: "0x1" }).screen, "network");
  assert.equal(next(r, { type: "accounts_changed", account: null }).screen, "wallets");
  const other = next(r, { type: "accounts_changed", account: "0xdef" });
  assert.equal(other.screen, "review");
  assert.equal(other.account, "0xdef");
  assert.equal(next(toReview(evmRpc), { type: "accounts_changed", account: "0xdef" }).screen, "checking");
  assert.equal(next(r, { type: "back" }).screen, "wallets");
});

test("the same account or chain announced again changes nothing (no second balance check)", () => {
  const c = next(toReview(evmRpc), { type: "balance_ok" });
  assert.equal(c.screen, "review");
  assert.equal(next(c, { type: "chain_changed", chainId: evmRpc.chainIdHex }), c);
  assert.equal(next(c, { type: "accounts_changed", account: "0xabc" }), c);
});

test("review → signing → paying → paid", () => {
  const r = toReview(evm);
  const s = next(r, { type: "pay" });
  assert.equal(s.screen, "signing");
  assert.equal(next(s, { type: "pay" }), s, "a second Pay is ignored");
  const p = next(s, { type: "signed" });
  assert.equal(p.screen, "paying");
  const done = next(p, { type: "paid", result: { status: 200 } });
  assert.equal(done.screen, "paid");
  assert.deepEqual(done.result, { status: 200 });
  assert.equal(next(done, { type: "failed", code: "wallet_error" }), done, "paid is final");
});

test("wallet rejection while signing → error with retry (back to review) and another offer", () => {
  const s = next(toReview(evm), { type: "pay" });
  const e = next(s, { type: "failed", code: "wallet_rejected", message: "" });
  assert.equal(e.screen, "error");
  assert.deepEqual(e.error.actions, ["retry", "offers"]);
  assert.equal(next(e, { type: "retry" }).screen, "review");
  const o = next(e, { type: "offers" });
  assert.equal(o.screen, "offers");
  assert.equal(o.wallet, null);
});

test("a lost answer offers only check_again, which starts over without the payment", () => {
  const p = next(next(toReview(evm), { type: "pay" }), { type: "signed" });
  const e = next(p, { type: "failed", code: "answer_lost" });
  assert.deepEqual(e.error.actions, ["check_again"]);
  assert.equal(next(e, { type: "retry" }), e, "no retry of a paid request");
  const again = next(e, { type: "check_again" });
  assert.equal(again.screen, "loading");
  assert.equal(again.selected, null);
});

test("expired offer and replayed payment: reload (a fresh offer), never retry", () => {
  const p = next(next(toReview(evm), { type: "pay" }), { type: "signed" });
  for (const code of ["offer_expired", "payment_already_used"]) {
    const e = next(p, { type: "failed", code, message: "the server's sentence" });
    assert.equal(e.error.message, "the server's sentence");
    assert.deepEqual(e.error.actions, ["reload", "offers"]);
    assert.equal(next(e, { type: "retry" }), e);
    assert.equal(next(e, { type: "reload" }).screen, "loading");
  }
});

test("with one payable offer the error has no 'choose another offer'", () => {
  const s = run([loaded([evm]), { type: "wallets_found", wallets: [mm] }, { type: "pick_wallet", id: mm.id }]);
  const e = next(s, { type: "failed", code: "wallet_rejected" });
  assert.deepEqual(e.error.actions, ["retry"]);
  assert.equal(next(e, { type: "offers" }), e);
  assert.equal(next(e, { type: "retry" }).screen, "wallets");
});

test("page data and core failures while loading: reload only", () => {
  for (const code of ["page_data_invalid", "core_unavailable"]) {
    const e = next(initial(), { type: "failed", code });
    assert.equal(e.screen, "error");
    assert.deepEqual(e.error.actions, ["reload"]);
  }
});

test("L402: invoice → paying on a preimage → paid; a refusal → retry returns to the invoice", () => {
  const i = run([loaded([l402])]);
  const p = next(i, { type: "preimage" });
  assert.equal(p.screen, "paying");
  assert.equal(next(p, { type: "paid", result: { status: 200 } }).screen, "paid");
  const e = next(p, { type: "failed", code: "refused", message: "invalid preimage" });
  assert.equal(next(e, { type: "retry" }).screen, "invoice");
  assert.equal(next(i, { type: "failed", code: "invalid_preimage" }).error.actions[0], "retry");
});

test("events a screen does not expect return the same state", () => {
  const states = [initial(), run([loaded([evm, svm])]), toReview(evm), next(toReview(evm), { type: "pay" })];
  for (const s of states) {
    for (const type of ["paid", "signed", "balance_ok", "connected", "preimage", "retry", "bogus"]) {
      const allowed = (s.screen === "signing" && type === "signed");
      if (!allowed) assert.equal(next(s, { type }), s, `${s.screen} ignores ${type}`);
    }
  }
});
