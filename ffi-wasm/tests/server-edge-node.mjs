// The edge suite (server-edge.mjs) on `pay402/web`, loaded as an edge runtime loads it
// (`initSync` on the exported .wasm); browser/server.html runs the same suite in Chromium.
import * as web from "pay402/web";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { edgeSuite } from "./server-edge.mjs";
const dir = dirname(createRequire(import.meta.url).resolve("pay402/package.json"));
web.initSync({ module: readFileSync(join(dir, "web", "pay402_bg.wasm")) });
const r = await edgeSuite(web);
for (const l of r.lines) console.log(l);
console.log(`server-edge (pay402/web in Node): ${r.passed} passed, ${r.failed} failed`);
process.exit(r.failed === 0 && r.passed > 0 ? 0 : 1);
