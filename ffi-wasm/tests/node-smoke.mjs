// ESM: import from "pay402" (node condition) and from "pay402/web" with initSync.
import * as p from "pay402";
import * as web from "pay402/web";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { smoke } from "./smoke.mjs";
let failed = 0;
for (const [name, pkg] of [["import", p], ["import pay402/web", web]]) {
  if (pkg === web) {
    const wasm = createRequire(import.meta.url).resolve("pay402/package.json").replace("package.json", "web/pay402_bg.wasm");
    web.initSync({ module: readFileSync(wasm) });
  }
  const r = await smoke(pkg);
  for (const l of r.lines) console.log(`${name}: ${l}`);
  console.log(`${name}: ${r.passed} passed, ${r.failed} failed`);
  failed += r.failed;
}
process.exit(failed === 0 ? 0 : 1);
