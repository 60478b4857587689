// The controller: reads the page data, loads the core, runs the machine and the effects of each
// screen (wallet calls, RPC reads, the one paid request), and renders through the view.
import { readPageData } from "./data.mjs";
import { wrapCore } from "./core.mjs";
import { initial, next } from "./machine.mjs";
import { MESSAGES, message } from "./messages.mjs";
import { createView } from "./view.mjs";
import { evmBalanceCovers, evmHeader, PayError, randomHex, sendPaid, svmHeader } from "./pay.mjs";
import { evmWallet, watchEvmWallets } from "./wallets/eip1193.mjs";
import { svmWallet, watchStandardWallets, canPay } from "./wallets/wallet-standard.mjs";
import { hasWebln, payWithWebln, preimageOf } from "./wallets/webln.mjs";

/**
 * Starts the page. `loadCore()` resolves to the initialized paywall module's exports.
 * @param {{win: Window, doc: Document, loadCore: () => Promise<object>}} deps
 */
export async function start({ win, doc, loadCore }) {
  let overrides = {};
  const t = (code) => message(overrides, code);
  let state = initial();
  let epoch = 0;
  let extra = {};
  let data = null;
  let core = null;
  let session = null; // {wallet api, stop()}
  let header = null;
  let evmWallets = [];
  let svmWallets = [];

  // The page data first: its `messages` override the sentences the view writes into the screens.
  let dataError = null;
  try {
    data = readPageData(doc);
    overrides = data.messages;
  } catch (err) {
    dataError = err;
  }
  const view = createView(doc, t, {
    choose: (index, kind) => dispatch({ type: "choose", index, kind }),
    action: (name, ds) => {
      if (name === "pick") dispatch({ type: "pick_wallet", id: ds.id });
      else if (name === "copy") copyInvoice();
      else if (name === "webln") webln();
      else if (name === "open") openHtml();
      else if (name === "switch") dispatch({ type: "switch" });
      else dispatch({ type: name });
    },
    preimage: (text) => {
      let preimage;
      try {
        preimage = preimageOf(text);
      } catch (err) {
        dispatch({ type: "failed", code: err.code });
        return;
      }
      payL402(preimage);
    },
  });

  function dispatch(e) {
    const prev = state;
    state = next(state, e);
    if (state === prev) return;
    if (state.screen !== prev.screen) epoch++;
    view.render(state, extra);
    enter(prev, e);
  }
  const guard = (fn) => {
    const mine = epoch;
    return (e) => { if (mine === epoch) fn(e); };
  };
  // A failure as a machine event: the page's own codes keep theirs; a code only the core knows
  // (its error thrown while building) is `core_error` with that code as detail.
  const failWith = (err) => {
    const known = typeof err?.code === "string" && Object.prototype.hasOwnProperty.call(MESSAGES, err.code);
    return {
      type: "failed", code: known ? err.code : "core_error",
      message: err instanceof PayError && err.fromServer ? err.message : "",
      detail: known ? (err?.detail ?? null) : String(err?.code ?? err?.message ?? ""),
    };
  };

  function publishWallets() {
    const svm = svmWallets.filter((w) => ["solana:mainnet", "solana:devnet", "solana:testnet"].some((c) => canPay(w, c)))
      .map((w, i) => ({ id: `ws:${i}`, kind: "svm", name: String(w.name), chains: [...w.chains], icon: typeof w.icon === "string" && w.icon.startsWith("data:image/") ? w.icon : null, raw: w }));
    dispatch({ type: "wallets_found", wallets: [...evmWallets, ...svm] });
  }

  function enter(prev, e) {
    const s = state;
    const d = guard(dispatch);
    if (s.screen === "loading" && prev.screen === "error") win.location.reload();
    if (s.screen === "connecting" && prev.screen !== "connecting") {
      session?.stop?.();
      const w = s.wallet;
      const api = w.kind === "evm" ? evmWallet(w.provider) : svmWallet(w.raw, s.selected.walletChain);
      session = { api, stop: null };
      api.connect().then((r) => {
        if (w.kind === "evm") {
          session.stop = api.watch({
            accountsChanged: (account) => dispatch({ type: "accounts_changed", account }),
            chainChanged: (chainId) => dispatch({ type: "chain_changed", chainId }),
          });
        }
        d({ type: "connected", ...r });
      }).catch((err) => d(failWith(err)));
    }
    if (s.screen === "network" && e.type === "switch") {
      const rpc = data.rpc[s.selected.network];
      const add = rpc ? { chainName: s.selected.networkName ?? s.selected.network, rpcUrls: [rpc], nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 } } : undefined;
      session.api.switchChain(s.selected.chainIdHex, add)
        .then(() => session.api.connect())
        .then((r) => d({ type: "chain_changed", chainId: r.chainId }))
        .catch((err) => d(failWith(err)));
    }
    if (s.screen === "checking" && prev.screen !== "checking") {
      evmBalanceCovers({ core, fetchImpl: win.fetch.bind(win), rpcUrl: data.rpc[s.selected.network], offer: s.selected, account: s.account })
        .then((ok) => d(ok ? { type: "balance_ok" } : { type: "balance_low" }))
        .catch((err) => d(failWith(err)));
    }
    if (s.screen === "signing") {
      const required = data.paymentRequired;
      const now = Math.floor(Date.now() / 1000);
      const p = s.selected.kind === "evm_eip3009"
        ? evmHeader({ core, wallet: session.api, required, offer: s.selected, account: s.account, now, nonceHex: `0x${randomHex(win.crypto, 32)}` })
        : svmHeader({ core, wallet: session.api, fetchImpl: win.fetch.bind(win), rpcUrl: data.rpc[s.selected.network], required, offer: s.selected, account: s.account, memoHex: randomHex(win.crypto, 16) });
      p.then((h) => { header = h; d({ type: "signed" }); }).catch((err) => d(failWith(err)));
    }
    if (s.screen === "paying" && prev.screen !== "paying") {
      const h = header;
      header = null;
      sendPaid({ core, fetchImpl: win.fetch.bind(win), url: win.location.href, header: h })
        .then(async (result) => {
          extra = await contentOf(result);
          d({ type: "paid", result });
          if (extra.htmlPending && !data.showReceipt) openHtml();
        })
        .catch((err) => d(failWith(err)));
    }
  }

  async function contentOf(result) {
    const type = result.contentType.split(";")[0].trim().toLowerCase();
    if (type === "text/html") return { html: await result.body.text(), htmlPending: true };
    if (type.startsWith("image/")) {
      return { contentNode: view.el("img", { src: URL.createObjectURL(result.body), alt: "" }) };
    }
    if (type.startsWith("text/") || type.endsWith("json")) return { contentNode: view.el("pre", { text: await result.body.text() }) };
    const a = view.el("a", { href: URL.createObjectURL(result.body), download: "", text: t("open") });
    return { contentNode: a };
  }

  function openHtml() {
    // The paid resource is HTML the seller serves at this very URL: it replaces the document.
    doc.open();
    doc.write(extra.html);
    doc.close();
  }

  function copyInvoice() {
    const inv = state.selected?.invoice;
    if (!inv) return;
    win.navigator.clipboard?.writeText(inv).then(() => {
      doc.querySelector('[data-field="status"]').textContent = t("copied");
    }, () => {});
  }

  function webln() {
    payWithWebln(win, state.selected.invoice).then(payL402).catch((err) => dispatch(failWith(err)));
  }

  function payL402(preimage) {
    if (state.screen !== "invoice") return;
    try {
      header = { name: "Authorization", value: core.l402Authorization(data.l402.macaroon, preimage) };
    } catch (err) {
      dispatch(failWith(err));
      return;
    }
    dispatch({ type: "preimage" });
  }


  if (dataError) {
    dispatch({ type: "failed", code: dataError.code ?? "page_data_invalid" });
    return;
  }
  let module_;
  try {
    module_ = await loadCore();
  } catch {
    dispatch({ type: "failed", code: "core_unavailable" });
    return;
  }
  try {
    core = wrapCore(module_);
  } catch (err) {
    dispatch({ type: "failed", code: "core_unavailable", detail: err.code });
    return;
  }
  let offers;
  try {
    offers = data.paymentRequired ? core.offers(data) : [];
  } catch (err) {
    dispatch({ type: "failed", code: "page_data_invalid", message: "" , detail: err?.code ?? null });
    return;
  }
  offers = offers.map((o) => {
    if (o.kind === "svm_exact" && !data.rpc[o.network]) return { ...o, kind: "unpayable", reason: "rpc_missing" };
    return { ...o, canCheckBalance: o.kind === "evm_eip3009" && typeof data.rpc[o.network] === "string" };
  });
  if (data.l402) {
    const sat = data.l402.amountMsat !== undefined ? (BigInt(data.l402.amountMsat) / 1000n).toString() : "";
    offers.push({ index: 0, kind: "l402", invoice: data.l402.invoice, amountDisplay: sat, symbol: "sat", network: "lightning" });
  }
  extra = { webln: hasWebln(win) };
  watchEvmWallets(win, (list) => { evmWallets = list; publishWallets(); });
  watchStandardWallets(win, (list) => { svmWallets = list; publishWallets(); });
  dispatch({ type: "loaded", offers });
}
