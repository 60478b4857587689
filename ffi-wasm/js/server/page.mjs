// The paywall page of the server adapters: a browser asking a paid route unpaid gets a page it
// can pay from, every other client the JSON 402. Every decision is the core's
// (`core.PaywallPage` over `pay402_host::page::PageServer`): page or API for a request, the
// escaping, the theme's checks, the page data (the challenge's PAYMENT-REQUIRED value, byte for
// byte), the status, the challenge headers and the page's (Content-Type, Cache-Control, Vary,
// CSP). Here: the option's shape, loading the packaged template once, and the `html` hook.
// No Node API: this runs in Node, browsers and edge runtimes.

const PAGE_FIELDS = new Set(["title", "logo", "lang", "colors", "rpc", "display", "messages", "showReceipt", "csp",
  "requireMozillaUserAgent", "template", "html"]);
// The five slots and nothing else: enough for the core to check a configuration before the
// packaged template is loaded (on the first browser request).
const CHECK_TEMPLATE = '<html lang="{{pay402.lang}}"><title>{{pay402.title}}</title>{{pay402.theme}}' +
  '<meta name="pay402-page" content="{{pay402.data}}">{{pay402.summary}}</html>';
const META = /<meta name="pay402-page" content="[^"]*">/;

function pageError(message, cause) {
  const e = new TypeError(message);
  e.code = "invalid_config";
  if (cause) {
    e.detailCode = cause.code;
    e.cause = cause;
  }
  return e;
}

/** Binds the page to one build of the core. */
export function createPage(core) {
  let packaged = null;
  // The packaged template (pay402/paywall-page, 240 KB: the page's script and wasm inline),
  // loaded once when a browser first asks. The specifier is not a literal, so bundlers of
  // client code do not pull it in; a bundled server without node_modules (an edge Worker) passes
  // `page: { template }` itself. Unloadable: no page (the JSON 402, still a 402), said once.
  const PACKAGED = "pay402/paywall-page";
  const packagedTemplate = () => (packaged ??= import(/* webpackIgnore: true */ /* @vite-ignore */ PACKAGED)
    .then((m) => m.template ?? m.default)
    .catch((e) => {
      console.warn(`pay402: the paywall page template (${PACKAGED}) could not be loaded; browsers get the JSON 402. ` +
        "Pass `page: { template }` (import { template } from \"pay402/paywall-page\") or `page: false`.", e?.message ?? e);
      return null;
    }));
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();

  /**
   * The page of one middleware instance from its `page` option: `false` → none (the JSON 402
   * only); `undefined`/`true` → the packaged page; an object → the themed page
   * (`{title, logo, lang, colors: {background, text, accent, accentText}, rpc, display, messages,
   * showReceipt, csp, requireMozillaUserAgent, template, html}`). The core checks the
   * configuration now: a bad one throws `invalid_config` with the core's code as `detailCode`.
   */
  function pageFor(option) {
    if (option === false) return null;
    const given = option === undefined || option === true ? {} : option;
    if (given === null || typeof given !== "object" || Array.isArray(given)) {
      throw pageError("config.page: expected false, true or an object");
    }
    for (const key of Object.keys(given)) if (!PAGE_FIELDS.has(key)) throw pageError(`config.page.${key}: unknown field`);
    const { template, html, ...config } = given;
    if (template !== undefined && typeof template !== "string") throw pageError("config.page.template: expected a string");
    if (html !== undefined && typeof html !== "function") throw pageError("config.page.html: expected a function (info, request) → HTML");
    const build = (text) => {
      try {
        return new core.PaywallPage(text, config);
      } catch (e) {
        if (typeof e?.code !== "string") throw e;
        throw pageError(`config.page: ${e.message}`, e);
      }
    };
    build(template ?? CHECK_TEMPLATE).free();
    let server = template === undefined ? null : build(template);
    const vary = core.paywallPageVary();

    /**
     * For an unpaid 402 (`reply`, the core's challenge): the page reply when the core says the
     * request gets the page (`null` otherwise, after adding the core's `Vary` to `reply`).
     * `request`: `{ method, headers: [name, value][], url, description, raw }`; `l402`: the
     * L402 offer (`{ macaroon, invoice, amountMsat }`, from the server's own challenge).
     */
    async function answer(reply, request, l402 = null) {
      if (!server) {
        const text = await packagedTemplate();
        if (text === null) return null;
        server ??= build(text);
      }
      if (!server.wantsPage(request.method ?? "GET", request.headers)) {
        reply.headers = [...reply.headers, ["Vary", vary]];
        return null;
      }
      const page = server.reply(reply.status, reply.headers, { url: request.url, description: request.description ?? "" }, l402);
      if (!html) return page;
      const text = decoder.decode(page.body);
      const paymentRequired = page.headers.find(([name]) => name.toLowerCase() === "payment-required")?.[1] ?? null;
      const info = {
        reply: page, html: text, meta: text.match(META)?.[0] ?? "", paymentRequired,
        resourceUrl: request.url, description: request.description ?? "",
      };
      const custom = await html(info, request.raw);
      if (custom === undefined || custom === null) return page;
      if (typeof custom !== "string" && !(custom instanceof Uint8Array)) throw pageError("config.page.html: must return a string, bytes or nothing");
      return { ...page, body: typeof custom === "string" ? encoder.encode(custom) : custom };
    }
    return { answer, vary };
  }

  return { pageFor };
}
