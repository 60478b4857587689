// The package README's WS402 tariff meter example (the `<!-- ws402 example: … -->` block), run as
// written: the block becomes a module in this project and is imported; what it prints must be
// what its comment says.
//   node readme-ws402.mjs <README.md>   (run inside a project where `pay402` is installed)
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const readme = readFileSync(process.argv[2], "utf8");
const blocks = [...readme.matchAll(/<!-- ws402 example: [^>]*-->\n```js\n([\s\S]*?)```/g)].map((m) => m[1]);
assert.equal(blocks.length, 1, "one `<!-- ws402 example: … -->` block in the README");
const printed = [];
const log = console.log;
console.log = (...args) => printed.push(args);
const file = resolve("readme-ws402-example.mjs");
writeFileSync(file, blocks[0]);
try {
  await import(pathToFileURL(file).href);
} finally {
  console.log = log;
}
assert.deepEqual(printed, [["balance_exhausted", 135n, 865n]]);
console.log("README ws402 tariff meter example: ok");
