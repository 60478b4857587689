// The npm package against the one written-down binding surface (tests/conformance/binding-surface.json):
// every operation is exported under its JS name with the listed parameters, every record type
// it returns is declared with the listed fields (camelCase), and the package exports nothing
// beyond the operations, classes and documented extras.
//   node surface.mjs <path to binding-surface.json>   (run in a project with pay402 installed)
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as p from "pay402";

const surface = JSON.parse(readFileSync(process.argv[2], "utf8"));
const require = createRequire(import.meta.url);
const dts = readFileSync(join(dirname(require.resolve("pay402/package.json")), "core.d.ts"), "utf8");
const camel = (s) => s.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
const failures = [];
const fail = (msg) => failures.push(msg);

// Interfaces declared in the package's types, with their top-level member names.
const interfaces = {};
for (const m of dts.matchAll(/export interface (\w+)[^{]*\{/g)) {
  let i = m.index + m[0].length, depth = 1, body = "";
  while (depth) {
    const c = dts[i++];
    if (c === "{") depth++;
    else if (c === "}") depth--;
    else if (depth === 1) body += c;
  }
  body = body.replace(/\/\*[\s\S]*?\*\//g, "");
  interfaces[m[1]] = new Set([...body.matchAll(/(?:^|[;\n])\s*(?:readonly\s+)?(\w+)\??\s*:/g)].map((x) => x[1]));
}

const params = (fn) => {
  const m = /^[^(]*\(([^)]*)\)/.exec(fn.toString());
  return m ? m[1].split(",").map((s) => s.trim().replace(/=.*$/, "").trim()).filter(Boolean) : null;
};

let checked = 0;
for (const op of surface.operations) {
  if (!op.js) {
    if (!op.absent?.js) fail(`${op.name}: no JS name and no reason`);
    continue;
  }
  const fn = p[op.js];
  if (typeof fn !== "function") { fail(`${op.js} is not exported`); continue; }
  const got = params(fn);
  if (JSON.stringify(got) !== JSON.stringify(op.inputs.js)) fail(`${op.js}(${got}) != (${op.inputs.js})`);
  for (const r of [op.returns].flat()) {
    const t = surface.types[r.replace(/\[\]$/, "")];
    if (!t) continue;
    if (!t.js) continue; // an inline object type, noted in the surface
    const members = interfaces[t.js];
    if (!members) { fail(`${op.js}: interface ${t.js} is not declared`); continue; }
    const renames = t.field_names?.js ?? {};
    for (const f of t.fields) {
      const name = renames[f] ?? camel(f);
      if (!members.has(name)) fail(`${t.js} lacks ${name} (${op.js})`);
    }
  }
  checked++;
}
for (const c of surface.classes) {
  if (c.js && typeof p[c.js] !== "function") fail(`class ${c.js} is not exported`);
  if (!c.js && !c.absent?.js) fail(`class ${c.name}: no JS name and no reason`);
}

const documented = new Set([
  ...surface.operations.map((op) => op.js).filter(Boolean),
  ...surface.classes.map((c) => c.js).filter(Boolean),
  ...surface.extras.js.flatMap((g) => g.names),
]);
const exported = Object.keys(p).filter((k) => k !== "default");
for (const k of exported) if (!documented.has(k)) fail(`pay402 exports ${k}, which tests/conformance/binding-surface.json does not list`);
for (const k of documented) if (!(k in p)) fail(`tests/conformance/binding-surface.json lists ${k}, which pay402 does not export`);

for (const f of failures) console.log("FAIL", f);
console.log(`surface: ${checked} operations, ${exported.length} exports checked, ${failures.length} failures`);
process.exit(failures.length ? 1 : 0);
