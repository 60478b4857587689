// Server configuration of the npm package `pay402`: from an object and from `PAY402_*`
// environment variables. Configuration is checked when a middleware is created, never on the
// first paid request: anything missing or invalid throws a `TypeError` with code
// `invalid_config` (fail closed). No Node API: `env` defaults to `process.env` only where one
// exists (edge runtimes pass their bindings).

function configError(message) {
  const e = new TypeError(message);
  e.code = "invalid_config";
  return e;
}

/** The environment variables `configFromEnv` reads, and the config field each fills. */
const PAY402_ENV = {
  PAY402_SCHEME: "scheme",
  PAY402_NETWORK: "network",
  PAY402_ASSET: "asset",
  PAY402_AMOUNT: "amount",
  PAY402_PAY_TO: "payTo",
  PAY402_MAX_TIMEOUT_SECONDS: "maxTimeoutSeconds",
  PAY402_EIP712_NAME: "eip712Name",
  PAY402_EIP712_VERSION: "eip712Version",
  PAY402_TRANSFER_METHOD: "transferMethod",
  PAY402_FACILITATOR_ADDRESS: "facilitator",
  PAY402_FEE_PAYER: "feePayer",
};

/**
 * The server config from `PAY402_*` variables: one offer (`PAY402_SCHEME`, `_NETWORK`, `_ASSET`,
 * `_AMOUNT`, `_PAY_TO`, `_MAX_TIMEOUT_SECONDS`, `_EIP712_NAME`, `_EIP712_VERSION`,
 * `_TRANSFER_METHOD`, `_FACILITATOR_ADDRESS`, `_FEE_PAYER`), the facilitator
 * (`PAY402_FACILITATOR_URL`, `PAY402_FACILITATOR_TIMEOUT_MS`), the resource
 * (`PAY402_RESOURCE_URL`, `_DESCRIPTION`, `_MIME_TYPE`) and `PAY402_SETTLE_BEFORE_HANDLER`
 * (`true`/`false`). Unset variables are left out; `serverConfig` then says what is missing.
 */
export function configFromEnv(env) {
  const vars = env ?? globalThis.process?.env ?? {};
  const offer = {};
  for (const [name, field] of Object.entries(PAY402_ENV)) {
    const value = vars[name];
    if (value === undefined || value === "") continue;
    offer[field] = field === "maxTimeoutSeconds" ? envInteger(name, value) : value;
  }
  const config = {};
  if (Object.keys(offer).length) config.offers = [offer];
  if (vars.PAY402_FACILITATOR_URL) config.facilitatorUrl = vars.PAY402_FACILITATOR_URL;
  if (vars.PAY402_FACILITATOR_TIMEOUT_MS) {
    config.facilitatorTimeoutMs = envInteger("PAY402_FACILITATOR_TIMEOUT_MS", vars.PAY402_FACILITATOR_TIMEOUT_MS);
  }
  const resource = {};
  if (vars.PAY402_RESOURCE_URL) resource.url = vars.PAY402_RESOURCE_URL;
  if (vars.PAY402_RESOURCE_DESCRIPTION) resource.description = vars.PAY402_RESOURCE_DESCRIPTION;
  if (vars.PAY402_RESOURCE_MIME_TYPE) resource.mimeType = vars.PAY402_RESOURCE_MIME_TYPE;
  if (Object.keys(resource).length) config.resource = resource;
  const before = vars.PAY402_SETTLE_BEFORE_HANDLER;
  if (before !== undefined && before !== "") {
    if (before !== "true" && before !== "false") {
      throw configError(`PAY402_SETTLE_BEFORE_HANDLER: expected true or false, got ${JSON.stringify(before)}`);
    }
    config.settleBeforeHandler = before === "true";
  }
  return config;
}

function envInteger(name, value) {
  if (!/^[0-9]+$/.test(value)) throw configError(`${name}: expected a non-negative integer, got ${JSON.stringify(value)}`);
  return Number(value);
}

const OFFER_FIELDS = new Set(["scheme", "network", "asset", "amount", "price", "payTo", "maxTimeoutSeconds",
  "eip712Name", "eip712Version", "transferMethod", "facilitator", "feePayer"]);

/** An amount in atomic units: a bigint, a safe integer or a decimal string (never a price like `$0.01`). */
function atomicAmount(where, value) {
  if (typeof value === "bigint" && value >= 0n) return value.toString();
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value === "string" && /^[0-9]+$/.test(value)) return value.replace(/^0+(?=.)/, "");
  throw configError(`${where}: expected an amount in atomic units (bigint, integer or decimal string), got ${JSON.stringify(String(value))}`);
}

/**
 * Checks one offer (after dynamic fields were resolved) and returns it with the amount as a
 * decimal string. Offer fields: `scheme` (`exact`, default, or `upto`), `network` (CAIP-2),
 * `asset`, `amount` (or `price`; atomic units), `payTo`, `maxTimeoutSeconds` (default 60), and
 * per scheme `eip712Name` + `eip712Version` (EIP-3009), `transferMethod: "permit2"` (`exact`
 * Permit2), `facilitator` (`upto`: the facilitator's address), `feePayer` (Solana).
 */
export function checkOffer(offer, where = "offer") {
  if (offer === null || typeof offer !== "object") throw configError(`${where}: expected an object`);
  for (const key of Object.keys(offer)) if (!OFFER_FIELDS.has(key)) throw configError(`${where}.${key}: unknown field`);
  const out = { scheme: offer.scheme ?? "exact" };
  if (out.scheme !== "exact" && out.scheme !== "upto") throw configError(`${where}.scheme: expected exact or upto`);
  for (const field of ["network", "asset", "payTo"]) {
    if (typeof offer[field] !== "string" || offer[field] === "") throw configError(`${where}.${field}: required`);
    out[field] = offer[field];
  }
  if (!/^[-a-z0-9]{3,8}:[-_a-zA-Z0-9]{1,32}$/.test(out.network)) {
    throw configError(`${where}.network: expected a CAIP-2 id (eip155:8453, solana:…), got ${JSON.stringify(out.network)}`);
  }
  const amount = offer.amount ?? offer.price;
  if (amount === undefined) throw configError(`${where}.amount: required`);
  out.amount = atomicAmount(`${where}.amount`, amount);
  out.maxTimeoutSeconds = offer.maxTimeoutSeconds ?? 60;
  if (!Number.isSafeInteger(out.maxTimeoutSeconds) || out.maxTimeoutSeconds <= 0) {
    throw configError(`${where}.maxTimeoutSeconds: expected a positive integer`);
  }
  const solana = out.network.startsWith("solana:");
  if (solana) {
    if (out.scheme !== "exact") throw configError(`${where}.scheme: Solana sells exact only`);
    if (typeof offer.feePayer !== "string" || !offer.feePayer) throw configError(`${where}.feePayer: required on Solana`);
    out.feePayer = offer.feePayer;
  } else if (out.scheme === "upto") {
    if (typeof offer.facilitator !== "string" || !offer.facilitator) throw configError(`${where}.facilitator: required for upto (the facilitator's address)`);
    out.facilitator = offer.facilitator;
  } else if (offer.transferMethod === "permit2") {
    out.transferMethod = "permit2";
  } else if (offer.transferMethod !== undefined && offer.transferMethod !== "eip3009") {
    throw configError(`${where}.transferMethod: expected eip3009 or permit2`);
  } else {
    for (const field of ["eip712Name", "eip712Version"]) {
      if (typeof offer[field] !== "string" || offer[field] === "") {
        throw configError(`${where}.${field}: required for exact EIP-3009 (the token's EIP-712 domain)`);
      }
      out[field] = offer[field];
    }
  }
  return out;
}

const CONFIG_FIELDS = new Set(["offers", "resource", "facilitatorUrl", "facilitatorTimeoutMs", "facilitatorHeaders", "settle",
  "replayStore", "settleBeforeHandler", "hooks", "unpaidBody", "failureBody", "now", "routes", "policy"]);
const HOOKS = new Set(["beforeVerify", "afterVerify", "beforeSettle", "afterSettle", "onFailure", "grantAccess"]);

/**
 * A server config from an object, over `PAY402_*` from the environment for anything it does
 * not give (`env: false` reads none). Throws `invalid_config` for a missing or invalid field.
 * `offers` may be an array whose entries have function-valued `amount`/`price`/`payTo`
 * (per request), or a function of the request returning the offers.
 */
export function serverConfig(options = {}, env) {
  if (options === null || typeof options !== "object") throw configError("config: expected an object");
  const base = env === false ? {} : configFromEnv(env);
  const config = { ...base, ...options };
  if (options.offers === undefined && (options.price !== undefined || options.amount !== undefined || options.payTo !== undefined)) {
    // `pay({ price })`: the environment's offer with this route's price / payee
    const [offer = {}] = base.offers ?? [];
    config.offers = [{ ...offer, ...configPick(options, ["price", "amount", "payTo", "scheme", "network", "asset"]) }];
    if (options.price !== undefined) delete config.offers[0].amount;
    for (const k of ["price", "amount", "payTo", "scheme", "network", "asset"]) delete config[k];
  }
  for (const key of Object.keys(config)) if (!CONFIG_FIELDS.has(key)) throw configError(`config.${key}: unknown field`);
  if (typeof config.offers === "function") {
    // resolved per request; checked then
  } else if (Array.isArray(config.offers) && config.offers.length > 0) {
    config.offers.forEach((offer, i) => {
      const fixed = {};
      for (const [k, v] of Object.entries(offer ?? {})) if (typeof v !== "function") fixed[k] = v;
      // function-valued fields are checked per request; a placeholder keeps the rest checkable
      if (typeof offer?.amount === "function" || typeof offer?.price === "function") fixed.amount = "0";
      if (typeof offer?.payTo === "function") fixed.payTo = "placeholder";
      checkOffer(fixed, `offers[${i}]`);
    });
  } else {
    throw configError("config.offers: required (a non-empty array, a function of the request, or PAY402_* variables)");
  }
  if (config.settle !== undefined && typeof config.settle !== "function") throw configError("config.settle: expected a function");
  if (config.settle === undefined) {
    if (typeof config.facilitatorUrl !== "string") {
      throw configError("config.facilitatorUrl: required unless `settle` is given (PAY402_FACILITATOR_URL)");
    }
    try {
      const url = new URL(config.facilitatorUrl);
      if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error();
    } catch {
      throw configError(`config.facilitatorUrl: not an http(s) URL: ${JSON.stringify(config.facilitatorUrl)}`);
    }
  }
  if (config.facilitatorTimeoutMs !== undefined && !(Number.isSafeInteger(config.facilitatorTimeoutMs) && config.facilitatorTimeoutMs > 0)) {
    throw configError("config.facilitatorTimeoutMs: expected a positive integer");
  }
  for (const name of Object.keys(config.hooks ?? {})) {
    if (!HOOKS.has(name)) throw configError(`config.hooks.${name}: unknown hook`);
    if (typeof config.hooks[name] !== "function") throw configError(`config.hooks.${name}: expected a function`);
  }
  for (const name of ["unpaidBody", "failureBody"]) {
    const v = config[name];
    if (v !== undefined && typeof v !== "function" && typeof v !== "string" && (v === null || typeof v !== "object")) {
      throw configError(`config.${name}: expected a function, a string or an object`);
    }
  }
  const store = config.replayStore;
  if (store !== undefined && (typeof store?.reserve !== "function" || typeof store?.release !== "function")) {
    throw configError("config.replayStore: expected reserve(key, ttlSeconds) and release(key)");
  }
  if (config.settleBeforeHandler !== undefined && typeof config.settleBeforeHandler !== "boolean") {
    throw configError("config.settleBeforeHandler: expected a boolean");
  }
  return config;
}

function configPick(obj, keys) {
  const out = {};
  for (const k of keys) if (obj[k] !== undefined) out[k] = obj[k];
  return out;
}
