// CommonJS: require("pay402/verify") works and passes the verify smoke suite.
const v = require("pay402/verify");
const p = require("pay402");
import("./verify-smoke.mjs").then(async ({ verifySmoke }) => {
  const r = await verifySmoke(v, p);
  for (const l of r.lines) console.log(`require pay402/verify: ${l}`);
  console.log(`require pay402/verify: ${r.passed} passed, ${r.failed} failed`);
  process.exit(r.failed === 0 ? 0 : 1);
});
