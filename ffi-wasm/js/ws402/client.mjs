// pay402/ws402 client: `ws402Connect(url, options)` reads a WS402 server's schema, pays its
// `paymentDetails` (an x402 PaymentRequired) with pay402's x402 client (the core chooses the offer
// within the budget, reserves it and builds the payment the signer signs), opens the socket, sends
// the payment as `payment_proof` and follows the session. Every server text frame goes through the
// core's client tracker (`Ws402ClientSession`): it says whether the frame is the application's or a
// WS402 message, and refuses a server that overcharges or contradicts itself (the client then
// closes). Nothing here decides an amount. Node (the global `WebSocket`, else the `ws` package)
// and browsers (the global `WebSocket`).
import * as core from "pay402";

const MAX_U256 = (1n << 256n) - 1n;

function coded(name, code, message, extra = {}) {
  const e = name === "TypeError" ? new TypeError(message) : new Error(message);
  if (name !== "TypeError") e.name = name;
  return Object.assign(e, { code }, extra);
}

async function socketClass(given) {
  if (given) return given;
  if (typeof globalThis.WebSocket === "function") return globalThis.WebSocket;
  try {
    return (await import("ws")).WebSocket;
  } catch {
    throw coded("TypeError", "invalid_argument", "ws402Connect: no WebSocket: pass options.WebSocket, or install the `ws` package");
  }
}

/** The schema URL (http/https) and the socket URL (ws/wss) of `url` (either form). */
function urlsOf(url) {
  const u = new URL(String(url));
  const http = new URL(u), ws = new URL(u);
  if (u.protocol === "ws:" || u.protocol === "http:") {
    http.protocol = "http:";
    ws.protocol = "ws:";
  } else if (u.protocol === "wss:" || u.protocol === "https:") {
    http.protocol = "https:";
    ws.protocol = "wss:";
  } else {
    throw coded("TypeError", "invalid_argument", `ws402Connect: expected an http(s) or ws(s) URL, got ${u.protocol}`);
  }
  return { schemaUrl: http.href, socketUrl: ws.href };
}

const randomBytes = (n) => globalThis.crypto.getRandomValues(new Uint8Array(n));
const unixNow = () => Math.floor(Date.now() / 1000);

/**
 * Pays `paymentDetails` with the budget's x402 client and `signer`; resolves to
 * `{ header, reservation }` (the payment header value, the budget reservation to settle later).
 */
async function pay(paymentDetails, { signer, budget, now }) {
  if (!signer || typeof signer.signTypedData !== "function" || typeof signer.address !== "string") {
    throw coded("TypeError", "invalid_argument", "ws402Connect: `signer` (privateKeySigner, eip1193Signer) or `payer` is required");
  }
  if (!budget || (budget.maxAmount === undefined && !budget.clientBudget)) {
    throw coded("TypeError", "invalid_argument", "ws402Connect: `budget` with `maxAmount` (or `clientBudget`) is required");
  }
  const clientBudget = budget.clientBudget ?? core.ClientBudget.anyAsset({ perRequest: budget.maxAmount, total: budget.total ?? MAX_U256 });
  const assets = budget.assets ?? [];
  const client = new core.X402Client({
    networks: budget.networks ?? [], evmAssets: assets.filter((a) => /^0x/i.test(a)), svmAssets: [],
    ...(budget.schemes ? { schemes: budget.schemes } : {}),
  }, clientBudget);
  const required = JSON.stringify(paymentDetails);
  const at = now();
  const chosen = client.choose([["PAYMENT-REQUIRED", core.x402EncodeHeader(required)]], "", at);
  try {
    const reservation = client.reserve(chosen, at);
    try {
      const nonce = randomBytes(32);
      const typed = client.typedData(chosen, signer.address, at, nonce);
      const signature = await signer.signTypedData(typed.typedData, typed.digest);
      return { header: client.finishEvm(chosen, signer.address, at, nonce, signature), reservation, client };
    } catch (e) {
      reservation.release(); // nothing was sent
      throw e;
    }
  } catch (e) {
    client.free();
    throw e;
  } finally {
    chosen.free();
  }
}

/** What the payment header authorizes (`accepted.amount`: exact the value, upto the maximum). */
function authorizedBy(header) {
  const payment = JSON.parse(core.x402HeaderToJson(header));
  const amount = payment.accepted?.amount ?? payment.payload?.authorization?.value;
  if (amount === undefined) throw coded("Ws402Error", "invalid_payment", "the payment names no amount");
  return BigInt(amount);
}

/**
 * A WS402 session, client side (an `EventTarget`): `message` (`event.data`: the application's
 * frame), `usage` (`event.consumed`, `event.remaining`), `end` (`event.statement`), `error`
 * (`event.error`: the tracker refused a server frame; the client closes).
 */
export class Ws402Connection extends EventTarget {
  #socket;
  #tracker;
  #ended;
  #statement = null;
  #closeCode = null;
  #reservation;
  #payment;

  constructor(socket, tracker, reservation, ended, payment) {
    super();
    this.#socket = socket;
    this.#tracker = tracker;
    this.#reservation = reservation;
    this.#ended = ended;
    this.#payment = payment;
  }
  /** The wire `sessionId` once started. */
  get id() { return this.#tracker.sessionId ?? null; }
  /** The core tracker's phase. */
  get phase() { return this.#tracker.phase; }
  get balance() { return this.#tracker.balance; }
  get consumed() { return this.#tracker.consumed; }
  get remaining() { return this.#tracker.remaining; }
  /** The end: `{ closeCode, balance, consumed, remaining, ended }` (`ended`: the server's `session_ended` statement, if sent). */
  get statement() { return this.#statement; }
  /** Sends an application frame (metered by the server). */
  send(data) { this.#socket.send(data); }
  /** @internal a resumed session's new socket */
  _socket(socket) { this.#socket = socket; }
  /** @internal `true` once the application asked to end or close */
  get _ending() { return this.#closing; }
  #closing = false;
  /** Sends `end_session`, awaits the close; resolves to the statement. */
  async end() {
    this.#closing = true;
    if (!this.#statement && this.#socket.readyState === 1) this.#socket.send(this.#tracker.writeEndSession());
    return this.#ended;
  }
  /** Closes without `end_session` (the server bills to this instant). */
  close(code = 1000) {
    this.#closing = true;
    if (this.#socket.readyState <= 1) this.#socket.close(code);
    return this.#ended;
  }
  /** @internal the socket closed */
  _closed(code, ended) {
    this.#closeCode = code;
    const consumed = this.#tracker.consumed;
    this.#statement = { closeCode: code, balance: this.#tracker.balance, consumed, remaining: this.#tracker.remaining, ended };
    // the budget: what the tracker last accepted as consumed is spent; the rest goes back
    try {
      if (this.#reservation?.isOpen) this.#reservation.commitPartial(consumed);
    } catch { /* a reservation already ended */ }
    this.#payment?.free();
    this.#payment = null;
    return this.#statement;
  }
}

/**
 * Pays a WS402 server and opens the session. `url`: the endpoint (`http(s)://` or `ws(s)://`; the
 * schema is `GET` on its http(s) form, the socket its ws(s) form). `options`: `signer` and
 * `budget` (`{ maxAmount, total?, networks?, assets?, schemes?, clientBudget? }`), or
 * `payer(paymentDetails) → header value`; `WebSocket` (default: the global, else `ws`), `fetch`,
 * `now` (unix seconds, for signing). Resolves once `session_started` arrived; rejects with a
 * `Ws402Error` (`code`: the `payment_rejected` reason, or the tracker's).
 * `resume: true`: when the socket drops without a close frame (or the server restarts: 1012)
 * after the start, the client reconnects (every `resumeRetryMs`, default 250, for at most
 * `resumeWithinMs`, default 10000) and sends `resume_session` (the core tracker's frame, with
 * the server's `resumeToken`); on `session_resumed` the session goes on (a `resumed` event), and
 * `resume_refused` is an `error` event (`Ws402Error`, `code`: the reason) before the `end`.
 */
export async function ws402Connect(url, options = {}) {
  const { schemaUrl, socketUrl } = urlsOf(url);
  const fetchFn = options.fetch ?? globalThis.fetch;
  const now = options.now ?? unixNow;
  const response = await fetchFn(schemaUrl, { headers: { accept: "application/json" } });
  if (!response.ok) throw coded("Ws402Error", "schema_unavailable", `GET ${schemaUrl}: ${response.status}`);
  const schema = await response.json();
  if (!schema?.paymentDetails) throw coded("Ws402Error", "schema_invalid", "the schema has no paymentDetails");
  let header, reservation, client;
  if (typeof options.payer === "function") header = await options.payer(schema.paymentDetails);
  else ({ header, reservation, client } = await pay(schema.paymentDetails, { signer: options.signer, budget: options.budget, now }));
  const tracker = new core.Ws402ClientSession(authorizedBy(header), BigInt(schema.pricing.pricePerSecond));
  const WebSocketClass = await socketClass(options.WebSocket);
  const resume = options.resume === true;
  const resumeWithinMs = options.resumeWithinMs ?? 10_000;
  const resumeRetryMs = options.resumeRetryMs ?? 250;
  const first = new WebSocketClass(socketUrl);
  first.binaryType = "arraybuffer";
  let resolveEnd;
  const ended = new Promise((r) => { resolveEnd = r; });
  const session = new Ws402Connection(first, tracker, reservation, ended, client);
  let serverEnd = null;
  return new Promise((resolve, reject) => {
    let started = false;
    let refused = false;
    const fail = (error) => {
      if (!started) reject(error);
      else session.dispatchEvent(Object.assign(new Event("error"), { error }));
    };
    const finish = (code) => {
      const statement = session._closed(code, serverEnd);
      session.dispatchEvent(Object.assign(new Event("end"), { statement }));
      resolveEnd(statement);
    };
    // A drop after the start: reconnect and resume until `resumeWithinMs` has passed.
    async function reconnect(code) {
      const deadline = Date.now() + resumeWithinMs;
      while (Date.now() < deadline) {
        const next = new WebSocketClass(socketUrl);
        next.binaryType = "arraybuffer";
        const opened = await new Promise((r) => {
          next.addEventListener("open", () => r(true));
          next.addEventListener("close", () => r(false));
          next.addEventListener("error", () => { /* the close follows */ });
        });
        if (opened) {
          let frame;
          try {
            frame = tracker.writeResumeSession();
          } catch (error) {
            fail(error);
            next.close(1000);
            finish(code);
            return;
          }
          session._socket(next);
          wire(next);
          next.send(frame);
          return;
        }
        await new Promise((r) => setTimeout(r, resumeRetryMs));
      }
      finish(code);
    }
    first.addEventListener("open", () => first.send(tracker.writePaymentProof(header)));
    wire(first);
    function wire(socket) {
    socket.addEventListener("message", (event) => {
      if (typeof event.data !== "string") {
        session.dispatchEvent(Object.assign(new Event("message"), { data: new Uint8Array(event.data) }));
        return;
      }
      let ev;
      try {
        ev = tracker.onText(event.data);
      } catch (error) {
        fail(error); // the server contradicted the client's money: stop
        if (socket.readyState <= 1) socket.close(1008);
        return;
      }
      switch (ev.kind) {
        case "application":
          session.dispatchEvent(Object.assign(new Event("message"), { data: event.data }));
          break;
        case "started":
          started = true;
          resolve(session);
          break;
        case "usage":
          session.dispatchEvent(Object.assign(new Event("usage"), { consumed: ev.consumed, remaining: ev.remaining, elapsedSeconds: ev.elapsedSeconds }));
          break;
        case "payment_rejected":
          if (reservation?.isOpen) reservation.release(); // refused: the payment was not taken
          reject(coded("Ws402Error", ev.reason, `the server rejected the payment: ${ev.reason}`));
          break;
        case "resume_refused":
          refused = true;
          fail(coded("Ws402Error", ev.reason, `the server refused to resume the session: ${ev.reason}`));
          break;
        case "ended": {
          const { kind, ...statement } = ev;
          serverEnd = statement;
          break;
        }
        default:
          // balance_exhausted, max_duration_reached, http_access_granted, resumed: as the core read them
          session.dispatchEvent(Object.assign(new Event(ev.kind), { detail: ev }));
      }
    });
    socket.addEventListener("close", (event) => {
      if (!started) {
        if (reservation?.isOpen) reservation.release();
        reject(coded("Ws402Error", "connection_closed", `the socket closed (${event.code}) before the session started`));
      }
      const dropped = event.code === 1006 || event.code === 1012;
      if (started && resume && dropped && !refused && serverEnd === null && !session._ending) {
        reconnect(event.code).catch(fail);
        return;
      }
      finish(event.code);
    });
    socket.addEventListener("error", () => { /* the close follows */ });
    }
  });
}
