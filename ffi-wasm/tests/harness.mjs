// The small test harness shared by smoke.mjs (Node and Chromium) and verify-smoke.mjs:
// `t(name, fn)` runs one test and records ok/FAIL, `eq` compares strictly, `throwsCode`
// expects an Error with the given name and code, and `result()` is { passed, failed, lines }.
export function harness() {
  const lines = [];
  let passed = 0, failed = 0;
  async function t(name, fn) {
    try { await fn(); passed++; lines.push(`ok   ${name}`); }
    catch (e) { failed++; lines.push(`FAIL ${name}: ${e && e.stack || e}`); }
  }
  const eq = (a, b, what) => { if (a !== b) throw new Error(`${what}: expected ${String(b)}, got ${String(a)}`); };
  const throwsCode = (fn, name, code) => {
    try { fn(); } catch (e) {
      if (!(e instanceof Error)) throw new Error("not an Error");
      eq(e.name, name, "name"); eq(e.code, code, "code"); return e;
    }
    throw new Error("did not throw");
  };
  return { t, eq, throwsCode, result: () => ({ passed, failed, lines }) };
}
