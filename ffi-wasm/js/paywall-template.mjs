// Writes pay402/paywall-page (template.mjs, template.cjs, template.d.ts) from the page build's
// page.html: `node paywall-template.mjs <page.html> <out dir>`. The core writes the theme's
// whole `<style>` element into the `{{pay402.theme}}` slot and refuses a slot inside an inline
// `<style>` (`template_inline_block`), so a slot the page wraps in one is unwrapped here.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [pageHtml, out] = process.argv.slice(2);
const template = readFileSync(pageHtml, "utf8").replace("<style>{{pay402.theme}}</style>", "{{pay402.theme}}");
const text = JSON.stringify(template);
writeFileSync(join(out, "template.mjs"), `/** The paywall page template (five {{pay402.*}} slots, script and wasm inline). */\nexport const template = ${text};\nexport default template;\n`);
writeFileSync(join(out, "template.cjs"), `"use strict";\nconst template = ${text};\nmodule.exports = { template, default: template };\n`);
writeFileSync(join(out, "template.d.ts"), "/** The paywall page template (five {{pay402.*}} slots, script and wasm inline). */\nexport declare const template: string;\nexport default template;\n");
