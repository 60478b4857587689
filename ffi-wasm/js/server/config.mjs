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
  PAY402_PRICE: "price",
  PAY402_DECIMALS: "decimals",
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
 * `_AMOUNT` (atomic units) or `_PRICE` (display units, `$0.01`), `_DECIMALS`, `_PAY_TO`, `_MAX_TIMEOUT_SECONDS`, `_EIP712_NAME`, `_EIP712_VERSION`,
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
    offer[field] = field === "maxTimeoutSeconds" || field === "decimals" ? envInteger(name, value) : value;
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

/** A price JavaScript cannot hand over exactly or at all: `invalid_config`, the cause as `detailCode`. */
function priceError(where, detailCode, message) {
  const e = configError(`${where}.price: ${message}`);
  e.detailCode = detailCode;
  return e;
}

/**
 * A `price` as the core's offer terms take it (the rule of the Python package's `price_terms`):
 * a `bigint` or a safe integer `number` is atomic units (`{ amount }`); a `string` is a display
 * price in the asset's unit, `"$0.01"` or `"0.01"` (`{ price }`, converted exactly by the core
 * with the asset's decimals: `"$0.01"` of USDC is 10000). A `number` that is not a safe integer
 * is refused as inexact (`float_price`): write `"0.01"`. No arithmetic here: zero, digits below
 * the asset's smallest unit and malformed text are the core's to refuse (`zero_price`,
 * `sub_unit_amount`, `invalid_price`).
 */
function priceTerms(price, where) {
  if (typeof price === "string") return { price };
  if (typeof price === "bigint") {
    if (price < 0n) throw priceError(where, "invalid_price", `${price} must be a positive number of atomic units`);
    return { amount: price.toString() };
  }
  if (typeof price === "number") {
    if (!Number.isSafeInteger(price)) {
      throw priceError(where, "float_price", `the number ${price} is inexact; write a display price as a string ("$0.01") or atomic units as a bigint`);
    }
    if (price < 0) throw priceError(where, "invalid_price", `${price} must be a positive number of atomic units`);
    return { amount: String(price) };
  }
  throw priceError(where, "invalid_price", `expected a string (display units), a bigint or an integer (atomic units), not ${price === null ? "null" : typeof price}`);
}

/**
 * One offer as the core's `X402Server` takes it, after dynamic fields were resolved. `price` is
 * what it is in the Python package: a string is display units of the asset (`"$0.01"`), a
 * `bigint` or safe integer atomic units, any other number refused (`float_price`); `amount` is
 * atomic units (a `bigint`, an integer or a decimal string). Nothing is defaulted or decided
 * here: the core resolves the seller's terms when the server is built (see `paymentGate`) —
 * `scheme` (`exact` when absent), `network` (CAIP-2 or a v1 name), `asset` (absent: the
 * network's default asset with its EIP-712 domain and decimals), `decimals` (for a display price
 * of another asset), the price, `payTo`, `maxTimeoutSeconds` (absent: the core's 60) and per
 * scheme `eip712Name` + `eip712Version` (EIP-3009), `transferMethod`, `facilitator` (`upto`),
 * `feePayer` (Solana) — and refuses a bad one with its code.
 */
export function offerConfig(offer, where = "offer") {
  if (offer === null || typeof offer !== "object" || Array.isArray(offer)) throw configError(`${where}: expected an object`);
  const { price, ...rest } = offer;
  if (price !== undefined && offer.amount !== undefined) throw configError(`${where}: give amount or price, not both`);
  const out = {};
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) out[k] = v;
  if (typeof price === "function") out.price = price; // per request: converted once resolved
  else if (price !== undefined) Object.assign(out, priceTerms(price, where));
  if (typeof out.amount === "bigint") out.amount = out.amount.toString();
  return out;
}

const CONFIG_FIELDS = new Set(["offers", "resource", "facilitator", "facilitatorUrl", "facilitatorTimeoutMs", "facilitatorHeaders", "settle",
  "replayStore", "settleBeforeHandler", "hooks", "unpaidBody", "failureBody", "now", "routes", "policy", "rpc", "allowedFactories", "page"]);
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
    // the route's price replaces the environment's, whichever of amount / price each gives
    if (options.price !== undefined) delete config.offers[0].amount;
    if (options.amount !== undefined) delete config.offers[0].price;
    for (const k of ["price", "amount", "payTo", "scheme", "network", "asset"]) delete config[k];
  }
  for (const key of Object.keys(config)) if (!CONFIG_FIELDS.has(key)) throw configError(`config.${key}: unknown field`);
  if (typeof config.offers === "function") {
    // resolved per request; checked then
  } else if (Array.isArray(config.offers) && config.offers.length > 0) {
    config.offers.forEach((offer, i) => offerConfig(offer, `offers[${i}]`));
  } else {
    throw configError("config.offers: required (a non-empty array, a function of the request, or PAY402_* variables)");
  }
  if (config.settle !== undefined && typeof config.settle !== "function") throw configError("config.settle: expected a function");
  if (config.rpc !== undefined && config.rpc !== null &&
    !(typeof config.rpc?.getCode === "function" && typeof config.rpc?.call === "function")) {
    throw configError("config.rpc: expected { getCode(address), call(to, data) } (async)");
  }
  if (config.allowedFactories !== undefined &&
    !(Array.isArray(config.allowedFactories) && config.allowedFactories.every((f) => typeof f === "string"))) {
    throw configError("config.allowedFactories: expected an array of addresses");
  }
  if (config.facilitator !== undefined && typeof config.facilitator?.settle !== "function") {
    throw configError("config.facilitator: expected a facilitator client (settle(paymentPayload, requirements))");
  }
  if (config.settle === undefined && config.facilitator === undefined) {
    if (typeof config.facilitatorUrl !== "string") {
      throw configError("config.facilitatorUrl: required unless `facilitator` or `settle` is given (PAY402_FACILITATOR_URL)");
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
