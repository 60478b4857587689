// build.mjs against the test stub of the paywall wasm: the template keeps the five slots exactly
// once, the inline script cannot end its element early, and the sizes (gzip -9) are reported.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { buildPage, SLOTS } from "../build.mjs";

const out = mkdtempSync(join(tmpdir(), "pay402-page-"));
const stub = new URL("./stub-core.mjs", import.meta.url).pathname;
const sizes = await buildPage(stub, out);
const page = readFileSync(join(out, "page.html"), "utf8");
const script = readFileSync(join(out, "paywall.js"));
test.after(() => rmSync(out, { recursive: true, force: true }));

test("the five slots of the template are there exactly once each", () => {
  assert.deepEqual(SLOTS, ["{{pay402.lang}}", "{{pay402.title}}", "{{pay402.theme}}", "{{pay402.summary}}", "{{pay402.data}}"]);
  for (const slot of SLOTS) assert.equal(page.split(slot).length, 2, slot);
  assert.equal((page.match(/\{\{/g) ?? []).length, 5, "no other {{ in the page");
  assert.match(page, /<html lang="\{\{pay402\.lang\}\}">/);
  assert.match(page, /<title>\{\{pay402\.title\}\}<\/title>/);
  assert.match(page, /<meta name="pay402-page" content="\{\{pay402\.data\}\}">/);
  assert.match(page, /<\/style>\n\{\{pay402\.theme\}\}\n<\/head>/, "the theme slot is bare, in <head>, after the page's own style: the core writes its <style> element");
});

test("the inline script and style are whole: one <script> and one <style> element, nothing closes them early", () => {
  assert.equal(page.match(/<script\b/gi).length, 1);
  assert.equal(page.match(/<\/script>/gi).length, 1);
  assert.equal(page.match(/<style\b/gi).length, 1);
  assert.equal(page.match(/<\/style>/gi).length, 1);
  const inline = page.slice(page.indexOf('<script type="module">') + 22, page.indexOf("</script>"));
  assert.ok(inline.length > 1000);
  assert.doesNotMatch(inline, /<!--/);
  assert.doesNotMatch(page, /https?:\/\/(?!www\.w3\.org)/, "no external URL (no CDN, no request)");
});

test("the hosted script loads paywall_bg.wasm beside itself; the stub build says it is one", () => {
  assert.match(script.toString(), /paywall_bg\.wasm/);
  assert.match(sizes.core, /^TEST STUB/);
  assert.deepEqual([...readFileSync(join(out, "paywall_bg.wasm"))], [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
});

test("size of the minified, gzipped (-9) page script (reported)", (t) => {
  assert.equal(sizes.script.gzip, gzipSync(script, { level: 9 }).length);
  assert.equal(sizes.script.raw, script.length);
  t.diagnostic(`paywall.js (page script, with the TEST STUB core glue): ${sizes.script.raw} B raw, ${sizes.script.gzip} B gzip -9`);
  t.diagnostic(`page.html (template, script and styles inline, stub wasm): ${sizes.page.raw} B raw, ${sizes.page.gzip} B gzip -9`);
  console.log(`SIZE paywall.js ${sizes.script.gzip} B gzip -9 (${sizes.script.raw} B raw); page.html ${sizes.page.gzip} B gzip -9`);
  // The script's share of the page's 60 KB gzip budget (script + wasm) is planned at 10–14 KB.
  assert.ok(sizes.script.gzip < 16 * 1024, `the page script is ${sizes.script.gzip} B gzip`);
});
