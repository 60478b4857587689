// Injected clock and randomness for the reference client, so its output is reproducible.
// The @x402/evm client reads Date.now() and globalThis.crypto.getRandomValues (for the nonce);
// both are replaced for the duration of one call.
export async function withClockAndNonce(nowSeconds, nonceBytes, fn) {
  const realNow = Date.now;
  const c = globalThis.crypto;
  const realRandom = c.getRandomValues;
  Date.now = () => nowSeconds * 1000 + 250;
  Object.defineProperty(c, "getRandomValues", {
    configurable: true, writable: true,
    value: (arr) => {
      if (!(arr instanceof Uint8Array) || arr.length !== nonceBytes.length) throw new Error("unexpected RNG use");
      arr.set(nonceBytes);
      return arr;
    },
  });
  try {
    return await fn();
  } finally {
    Date.now = realNow;
    Object.defineProperty(c, "getRandomValues", { configurable: true, writable: true, value: realRandom });
  }
}

export async function withClock(nowSeconds, fn) {
  const realNow = Date.now;
  Date.now = () => nowSeconds * 1000 + 250;
  try {
    return await fn();
  } finally {
    Date.now = realNow;
  }
}
