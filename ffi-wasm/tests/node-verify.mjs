// ESM: import from "pay402/verify" (node condition) and from "pay402/verify/web" with initSync
// on the module its exported .wasm path gives (how edge runtimes load it).
import * as v from "pay402/verify";
import * as web from "pay402/verify/web";
import * as p from "pay402";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { verifySmoke } from "./verify-smoke.mjs";
web.initSync({ module: readFileSync(fileURLToPath(import.meta.resolve("pay402/verify/web/pay402_bg.wasm"))) });
let failed = 0;
for (const [name, entry] of [["import pay402/verify", v], ["import pay402/verify/web", web]]) {
  const r = await verifySmoke(entry, p);
  for (const l of r.lines) console.log(`${name}: ${l}`);
  console.log(`${name}: ${r.passed} passed, ${r.failed} failed`);
  failed += r.failed;
}
process.exit(failed === 0 ? 0 : 1);
