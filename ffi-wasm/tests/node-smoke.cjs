// CommonJS: require("pay402") works and passes the smoke suite.
const p = require("pay402");
import("./smoke.mjs").then(async ({ smoke }) => {
  const r = await smoke(p);
  for (const l of r.lines) console.log(`require: ${l}`);
  console.log(`require: ${r.passed} passed, ${r.failed} failed`);
  process.exit(r.failed === 0 ? 0 : 1);
});
