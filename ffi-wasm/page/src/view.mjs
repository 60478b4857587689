// The DOM side: renders a machine state into the template's screens. Text only ever goes in through
// `textContent` and attributes this file names; nothing from the page data or a wallet is parsed as
// markup. On each screen change the screen's <h2 tabindex="-1"> takes the focus; every screen sits
// in the same grid cell, so switching screens never moves the layout.
import { MESSAGES } from "./messages.mjs";
import { invoiceUri, qrMatrix, qrPath } from "./qr.mjs";

const STATUS = {
  loading: "loading", connecting: "connecting", checking: "checking", signing: "signing", paying: "paying",
};

/**
 * @param {Document} doc
 * @param {(code: string) => string} t  the sentence of a code
 * @param {{[k: string]: Function}} on  handlers: choose(index, kind), pick(id), action(name), preimage(text)
 */
export function createView(doc, t, on) {
  const $ = (sel, root = doc) => root.querySelector(sel);
  const screens = new Map([...doc.querySelectorAll("[data-screen]")].map((el) => [el.dataset.screen, el]));
  const el = (tag, props = {}, ...kids) => {
    const e = doc.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
      if (k === "text") e.textContent = v;
      else if (k === "class") e.className = v;
      else e.setAttribute(k, v);
    }
    for (const kid of kids) if (kid) e.append(kid);
    return e;
  };
  // Native controls (radios, text fields) follow the theme's background, light or dark: the
  // server's theme sets colours only, so the scheme is read off the background's luminance.
  const bg = doc.defaultView?.getComputedStyle(doc.documentElement).getPropertyValue("--pay402-background").trim() ?? "";
  if (/^#[0-9a-f]{6}$/i.test(bg)) {
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(bg.slice(i, i + 2), 16));
    doc.documentElement.style.colorScheme = 299 * r + 587 * g + 114 * b >= 128000 ? "light" : "dark";
  }
  for (const n of doc.querySelectorAll("[data-text]")) n.textContent = t(n.dataset.text);
  for (const [name, s] of screens) $("h2", s).textContent = t(Object.prototype.hasOwnProperty.call(MESSAGES, `title_${name}`) ? `title_${name}` : name);
  for (const b of doc.querySelectorAll('[data-action="back"]')) b.textContent = t("back");

  doc.addEventListener("click", (ev) => {
    const b = ev.target.closest?.("[data-action]");
    if (b && !b.disabled) on.action(b.dataset.action, b.dataset);
  });
  $('[data-form="offers"]').addEventListener("submit", (ev) => {
    ev.preventDefault();
    const r = $('[data-form="offers"] input[name="offer"]:checked');
    if (r) on.choose(Number(r.value), r.dataset.kind);
  });
  $('[data-form="preimage"]').addEventListener("submit", (ev) => {
    ev.preventDefault();
    on.preimage($("#pay402-preimage").value);
  });

  let shown = "loading";
  let lastOffers = null;
  let lastWallets = null;

  function offersList(s) {
    if (lastOffers === s.offers) return;
    lastOffers = s.offers;
    const list = $('[data-list="offers"]');
    list.replaceChildren(...s.offers.map((o, i) => {
      const unpayable = o.kind === "unpayable";
      const input = el("input", { type: "radio", name: "offer", value: String(o.index), "data-kind": o.kind });
      if (unpayable) input.disabled = true;
      if (!unpayable && !list.dataset.checked) { input.checked = true; list.dataset.checked = "1"; }
      const what = o.kind === "l402" ? `${o.amountDisplay} sat · Lightning` : `${o.amountDisplay} ${o.symbol} · ${o.networkName ?? o.network}`;
      const span = el("span", {}, el("span", { text: what }), unpayable ? el("span", { class: "note", text: ` — ${t("pay_with_agent")}` }) : null);
      return el("label", { class: unpayable ? "unpayable" : "", id: `pay402-offer-${i}` }, input, span);
    }));
  }

  function walletsList(s) {
    const want = s.selected?.kind === "svm_exact" ? "svm" : "evm";
    const ws = s.wallets.filter((w) => w.kind === want && (want === "evm" || w.chains.includes(s.selected.walletChain)));
    const key = `${want}|${ws.map((w) => w.id).join(",")}`;
    if (lastWallets === key) return;
    lastWallets = key;
    $('[data-list="wallets"]').replaceChildren(...ws.map((w) => {
      const b = el("button", { type: "button", "data-action": "pick", "data-id": w.id, class: "secondary" },
        w.icon ? el("img", { src: w.icon, alt: "", width: "28", height: "28" }) : null, el("span", { text: w.name }));
      return el("li", {}, b);
    }));
    $('[data-screen="wallets"] [data-text="no_wallet"]').hidden = ws.length > 0;
  }

  function facts(list, rows) {
    list.replaceChildren(...rows.filter(([, v]) => v !== undefined && v !== null && v !== "").flatMap(([k, v]) => [el("dt", { text: t(k) }), el("dd", { text: String(v) })]));
  }

  function invoice(s) {
    const inv = s.selected.invoice;
    const area = $("#pay402-invoice");
    if (area.value === inv) return;
    area.value = inv;
    const m = qrMatrix(invoiceUri(inv));
    const svg = $("[data-qr]");
    svg.setAttribute("viewBox", `0 0 ${m.size + 8} ${m.size + 8}`);
    svg.setAttribute("aria-label", t("qr_label"));
    $("path", svg).setAttribute("d", qrPath(m));
  }

  function errorScreen(s) {
    const e = s.error;
    const server = e.message && e.code !== "page_data_invalid" ? e.message : "";
    $('[data-field="message"]').textContent = server || t(e.code);
    const detail = e.detail && typeof e.detail === "object"
      ? [e.detail.balance ? `${t("balance")}: ${e.detail.balance}` : "", `${t("amount")}: ${e.detail.amount} ${s.selected?.symbol ?? ""}`].filter(Boolean).join(" · ")
      : (e.detail ?? "");
    $('[data-screen="error"] [data-field="detail"]').textContent = detail;
    $('[data-list="actions"]').replaceChildren(...e.actions.map((a, i) =>
      el("button", { type: "button", "data-action": a, class: i ? "secondary" : "", text: t(a === "offers" ? "offers_action" : a) })));
  }

  function paidScreen(s, extra) {
    const r = s.result;
    facts($('[data-list="receipt"]'), [
      ["transaction", r.receipt?.transaction], ["network_name", r.receipt?.network], ["payer", r.receipt?.payer],
    ]);
    $('[data-action="open"]').hidden = !extra?.htmlPending;
    const box = $('[data-field="content"]');
    if (extra?.contentNode && box.firstChild !== extra.contentNode) box.replaceChildren(extra.contentNode);
  }

  /** Renders `s`; `extra` carries what is not machine state (content node, html pending). */
  function render(s, extra = {}) {
    if (s.screen === "offers" || s.offers.length) offersList(s);
    if (s.selected) walletsList(s);
    for (const n of doc.querySelectorAll('[data-screen] [data-field="wallet"]')) n.textContent = s.wallet ? s.wallet.name : "";
    if (s.screen === "network") {
      $('[data-field="network"]').textContent = s.selected.networkName ?? s.selected.network;
      $('[data-action="switch"]').disabled = s.switching;
    }
    if (s.screen === "review") {
      facts($('[data-list="review"]'), [
        ["amount", `${s.selected.amountDisplay} ${s.selected.symbol}`], ["network_name", s.selected.networkName ?? s.selected.network],
        ["pay_to", s.selected.payTo], ["wallet_name", s.wallet?.name], ["account", s.account],
      ]);
    }
    if (s.screen === "invoice") {
      invoice(s);
      $('[data-action="webln"]').hidden = !extra.webln;
    }
    // "Back" where there is somewhere to go back to: not to the offers when only one is payable.
    const several = s.offers.filter((o) => o.kind !== "unpayable").length > 1;
    for (const b of doc.querySelectorAll('[data-screen="wallets"] [data-action="back"], [data-screen="invoice"] [data-action="back"]')) b.hidden = !several;
    if (s.screen === "error") errorScreen(s);
    if (s.screen === "paid") paidScreen(s, extra);
    const status = s.screen === "network" && s.switching ? "switching" : STATUS[s.screen];
    $('[data-field="status"]').textContent = status ? t(status) : s.screen === "paid" ? t("paid") : "";
    if (s.screen !== shown) {
      screens.get(shown)?.classList.remove("active");
      screens.get(shown)?.setAttribute("aria-hidden", "true");
      const now = screens.get(s.screen);
      now.classList.add("active");
      now.removeAttribute("aria-hidden");
      shown = s.screen;
      $("h2", now).focus();
    }
  }
  for (const [name, s] of screens) if (name !== "loading") s.setAttribute("aria-hidden", "true");
  return { render, el };
}
