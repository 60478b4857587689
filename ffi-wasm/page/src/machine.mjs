// The paywall page's screens as a pure reducer: `next(state, event) → state`. No DOM, no I/O, no
// clock: the view renders a state, the effects (wallet calls, RPC, fetch) turn their outcomes into
// events. An event a screen does not expect returns the same state object (ignored).
//
// x402:  loading → offers → wallets → connecting → [network] → [checking] → review → signing →
//        paying → paid
// L402:  loading → offers → invoice → paying → paid
// any step → error {code, message, actions}; one payable offer → `offers` is skipped.

/** Every screen, in the order the page shows them. */
export const SCREENS = Object.freeze([
  "loading", "offers", "wallets", "connecting", "network", "checking", "review", "signing",
  "paying", "invoice", "paid", "error",
]);

/** The initial state. */
export function initial() {
  return {
    screen: "loading", offers: [], selected: null, wallets: [], wallet: null, account: null,
    chainId: null, switching: false, balanceChecked: false, result: null, error: null, resume: null,
  };
}

const payable = (o) => o.kind === "evm_eip3009" || o.kind === "svm_exact" || o.kind === "l402";
const payableOffers = (s) => s.offers.filter(payable);
const isEvm = (o) => o?.kind === "evm_eip3009";

// The screen after a wallet is known to be on the offer's chain.
function afterChain(s) {
  if (s.selected.canCheckBalance) return { ...s, screen: "checking", balanceChecked: false };
  return { ...s, screen: "review" };
}

function afterConnect(s) {
  if (isEvm(s.selected) && s.chainId !== s.selected.chainIdHex) return { ...s, screen: "network", switching: false };
  return afterChain(s);
}

function choose(s, offer) {
  const t = { ...s, selected: offer, wallet: null, account: null, chainId: null };
  return offer.kind === "l402" ? { ...t, screen: "invoice" } : { ...t, screen: "wallets" };
}

/** The actions an error screen offers, by where it happened. */
function errorActions(s, code) {
  const actions = [];
  if (code === "answer_lost") return ["check_again"];
  if (code === "page_data_invalid" || code === "no_payable_offer" || code === "core_unavailable") return ["reload"];
  if (s.resume) actions.push("retry");
  if (payableOffers(s).length > 1) actions.push("offers");
  if (code === "offer_expired" || code === "payment_already_used") return ["reload", ...actions.filter((a) => a === "offers")];
  return actions.length ? actions : ["reload"];
}

// Where `retry` returns to, by the screen the error interrupted.
const RESUME = {
  loading: null, offers: "offers", wallets: "wallets", connecting: "wallets", network: "network",
  checking: "checking", review: "review", signing: "review", paying: "review", invoice: "invoice",
  paid: null, error: null,
};

function fail(s, { code, message, detail }) {
  // A failed L402 payment returns to its invoice, an x402 one to review.
  const resumeScreen = s.selected?.kind === "l402" && s.screen === "paying" ? "invoice" : (RESUME[s.screen] ?? null);
  const t = { ...s, resume: resumeScreen, switching: false };
  return { ...t, screen: "error", error: { code, message: message ?? "", detail: detail ?? null, actions: errorActions(t, code) } };
}

/**
 * The next state.
 * @param {ReturnType<typeof initial>} s
 * @param {{type: string, [k: string]: unknown}} e
 */
export function next(s, e) {
  // Errors can come from any step.
  if (e.type === "failed") return s.screen === "paid" ? s : fail(s, e);
  // Wallet discovery runs in the background; the list is kept whatever the screen.
  if (e.type === "wallets_found") return { ...s, wallets: e.wallets };
  switch (s.screen) {
    case "loading":
      if (e.type === "loaded") {
        const t = { ...s, offers: e.offers };
        const ok = payableOffers(t);
        if (ok.length === 0) return fail(t, { code: "no_payable_offer" });
        if (ok.length === 1) return choose(t, ok[0]);
        return { ...t, screen: "offers" };
      }
      return s;
    case "offers":
      if (e.type === "choose") {
        const offer = s.offers.find((o) => o.index === e.index && o.kind === e.kind) ?? s.offers.find((o) => o.index === e.index);
        return offer && payable(offer) ? choose(s, offer) : s;
      }
      return s;
    case "wallets":
      if (e.type === "pick_wallet") {
        const w = s.wallets.find((x) => x.id === e.id && x.kind === (isEvm(s.selected) ? "evm" : "svm"));
        return w ? { ...s, screen: "connecting", wallet: w } : s;
      }
      if (e.type === "back" && payableOffers(s).length > 1) return { ...s, screen: "offers" };
      return s;
    case "connecting":
      if (e.type === "connected") return afterConnect({ ...s, account: e.account, chainId: e.chainId ?? null });
      if (e.type === "back") return { ...s, screen: "wallets", wallet: null };
      return s;
    case "network":
      if (e.type === "switch") return s.switching ? s : { ...s, switching: true };
      if (e.type === "chain_changed") {
        const t = { ...s, chainId: e.chainId, switching: false };
        return t.chainId === s.selected.chainIdHex ? afterChain(t) : t;
      }
      if (e.type === "back") return { ...s, screen: "wallets", wallet: null, account: null, chainId: null, switching: false };
      return s;
    case "checking":
      if (e.type === "balance_ok") return { ...s, screen: "review", balanceChecked: true };
      if (e.type === "balance_low") {
        return fail(s, { code: "insufficient_balance", message: e.message, detail: { balance: e.balance, amount: s.selected.amountDisplay } });
      }
      return chainEvents(s, e);
    case "review":
      if (e.type === "pay") return { ...s, screen: "signing" };
      if (e.type === "back") return { ...s, screen: "wallets", wallet: null, account: null, chainId: null };
      return chainEvents(s, e);
    case "signing":
      if (e.type === "signed") return { ...s, screen: "paying" };
      return s;
    case "invoice":
      if (e.type === "preimage") return { ...s, screen: "paying" };
      if (e.type === "back" && payableOffers(s).length > 1) return { ...s, screen: "offers" };
      return s;
    case "paying":
      if (e.type === "paid") return { ...s, screen: "paid", result: e.result };
      return s;
    case "error":
      if (e.type === "retry" && s.error.actions.includes("retry") && s.resume) {
        const t = { ...s, screen: s.resume, error: null, resume: null };
        return t.screen === "checking" ? { ...t, balanceChecked: false } : t;
      }
      if (e.type === "offers" && s.error.actions.includes("offers")) {
        return { ...s, screen: "offers", error: null, resume: null, wallet: null, account: null, chainId: null };
      }
      if (e.type === "reload" || e.type === "check_again") {
        return s.error.actions.includes(e.type) ? { ...initial(), wallets: s.wallets } : s;
      }
      return s;
    default:
      return s;
  }
}

// An EVM wallet's account or chain changed after the page read them (EIP-1193 `accountsChanged`,
// `chainChanged`): no account → choose a wallet again; another chain → the network screen; another
// account → check the balance again (or review).
function chainEvents(s, e) {
  if (!isEvm(s.selected)) return s;
  if (e.type === "accounts_changed") {
    if (!e.account) return { ...s, screen: "wallets", wallet: null, account: null, chainId: null };
    if (e.account === s.account) return s;
    return afterConnect({ ...s, account: e.account });
  }
  if (e.type === "chain_changed") return e.chainId === s.chainId ? s : afterConnect({ ...s, chainId: e.chainId });
  return s;
}
