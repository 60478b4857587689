// What the WS402 chain tests (test-js-ws402.mjs, test-js-ws402-seed.mjs) share: the server's injected clock and timers,
// and WS402's charge computed independently of pay402.

export const pause = (ms) => new Promise((r) => setTimeout(r, ms));

/** WS402's charge: floor(price × ms / 1000), at most what was paid. */
export const charge = (price, ms, paid) => {
  const c = (price * BigInt(ms)) / 1000n;
  return c < paid ? c : paid;
};

/** The server's injected clock (ms) and timers: `to(at)` moves the clock and fires what is due, in order; the clock
 * never runs backwards. */
export function fakeTime(start) {
  const clock = { t: start };
  const due = new Set();
  const timers = { set: (fn, ms) => { const h = { at: clock.t + ms, fn }; due.add(h); return h; }, clear: (h) => due.delete(h) };
  async function to(at) {
    for (;;) {
      const next = [...due].filter((h) => h.at <= at).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      due.delete(next);
      clock.t = Math.max(clock.t, next.at);
      next.fn();
      await pause(50);
    }
    clock.t = Math.max(clock.t, at);
  }
  return { clock, timers, now: () => clock.t, to };
}
