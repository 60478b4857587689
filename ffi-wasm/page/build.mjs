// Builds the paywall page: `node ffi-wasm/page/build.mjs <wasm web dir> <out dir>`.
//   <wasm web dir>  wasm-bindgen `--target web` output of the paywall module (one `<name>_bg.wasm`
//                   and its `<name>.js` glue); or, for this directory's tests only, the path of
//                   `test/stub-core.mjs` (then the .wasm written is an empty module).
//   <out dir>       gets `page.html` (the template: five `{{pay402.*}}` slots, the script bundled and
//                   minified inline, the wasm inlined as base64 — one response, no request),
//                   `paywall.js` + `paywall_bg.wasm` (the same page script for hosting, loading the
//                   wasm beside it) and `sizes.json` (raw and gzip -9 bytes).
import { build, transform } from "esbuild";
import { gzipSync } from "node:zlib";
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
export const SLOTS = ["{{pay402.lang}}", "{{pay402.title}}", "{{pay402.theme}}", "{{pay402.summary}}", "{{pay402.data}}"];
const EMPTY_WASM = Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0);

function locateCore(arg) {
  const p = resolve(arg);
  if (statSync(p).isFile()) return { glue: p, wasm: EMPTY_WASM, stub: true };
  const bg = readdirSync(p).filter((f) => f.endsWith("_bg.wasm"));
  if (bg.length !== 1) throw new Error(`${p}: expected one *_bg.wasm, found ${bg.length}`);
  return { glue: join(p, bg[0].replace(/_bg\.wasm$/, ".js")), wasm: readFileSync(join(p, bg[0])), stub: false };
}

// What the page's bundle leaves out of wasm-bindgen's web glue (exact texts of wasm-bindgen 0.2.130;
// each must be found exactly once, so a changed glue fails the build instead of shipping untrimmed):
// code the page never runs. Both entries call `init({ module_or_path })` with their bytes or URL;
// neither calls `initSync`; every string crossing goes through `passStringToWasm0` with `realloc`; `TextEncoder.encodeInto`
// is in every browser the ES2020 bundle runs in; the page decodes a few KB, far from the 2 GiB
// after which Safari's TextDecoder needs replacing. The glue's own file (paywall/web/) is untouched.
export const GLUE_TRIMS = [
  ["if (realloc === undefined) {", "if (false) {"],
  [`if (!('encodeInto' in cachedTextEncoder)) {`, "if (false) {"],
  [`let cachedTextDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
cachedTextDecoder.decode();
const MAX_SAFARI_DECODE_BYTES = 2146435072;
let numBytesDecoded = 0;
function decodeText(bytes) {
    numBytesDecoded += bytes.length;
    if (numBytesDecoded >= MAX_SAFARI_DECODE_BYTES) {
        cachedTextDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
        cachedTextDecoder.decode();
        numBytesDecoded = bytes.length;
    }
    return cachedTextDecoder.decode(bytes);
}`, `const cachedTextDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
function decodeText(bytes) {
    return cachedTextDecoder.decode(bytes);
}`],
  [`                    console.warn("\`WebAssembly.instantiateStreaming\` failed because your server does not serve Wasm with \`application/wasm\` MIME type. Falling back to \`WebAssembly.instantiate\` which is slower. Original error:\\n", e);
`, ""],
  [`function initSync(module) {
    if (wasm !== undefined) return wasm;


    if (module !== undefined) {
        if (Object.getPrototypeOf(module) === Object.prototype) {
            ({module} = module)
        } else {
            console.warn('using deprecated parameters for \`initSync()\`; pass a single object instead')
        }
    }

    const imports = __wbg_get_imports();
    if (!(module instanceof WebAssembly.Module)) {
        module = new WebAssembly.Module(module);
    }
    const instance = new WebAssembly.Instance(module, imports);
    return __wbg_finalize_init(instance, module);
}

`, ""],
  ["export { initSync, __wbg_init as default };", "export { __wbg_init as default };"],
  [`    if (module_or_path !== undefined) {
        if (Object.getPrototypeOf(module_or_path) === Object.prototype) {
            ({module_or_path} = module_or_path)
        } else {
            console.warn('using deprecated parameters for the initialization function; pass a single object instead')
        }
    }

    if (module_or_path === undefined) {
        module_or_path = new URL('paywall_bg.wasm', import.meta.url);
    }
`, "    ({module_or_path} = module_or_path);\n"],
];

/** `text` (the web glue) with every `GLUE_TRIMS` entry replaced; throws when one is not found once. */
export function trimGlue(text) {
  for (const [from, to] of GLUE_TRIMS) {
    if (text.split(from).length !== 2) throw new Error(`glue trim: not found exactly once (wasm-bindgen changed?): ${from.slice(0, 60)}`);
    text = text.replace(from, () => to);
  }
  return text;
}

async function bundle(entry, glue, define, stub) {
  const r = await build({
    entryPoints: [join(HERE, "src", entry)], bundle: true, minify: true, format: "esm", target: "es2020",
    write: false, legalComments: "none", define, logLevel: "error",
    plugins: [{
      name: "core",
      setup(b) {
        b.onResolve({ filter: /^pay402-paywall-core$/ }, () => ({ path: glue }));
        if (!stub) b.onLoad({ filter: /.*/ }, (a) => (a.path === glue ? { contents: trimGlue(readFileSync(glue, "utf8")), loader: "js" } : undefined));
      },
    }],
  });
  return r.outputFiles[0].text;
}

/** Builds into `out`; returns the sizes. */
export async function buildPage(coreArg, out) {
  const core = locateCore(coreArg);
  const wasmB64 = Buffer.from(core.wasm).toString("base64");
  const inline = await bundle("entry-inline.mjs", core.glue, { PAY402_WASM_BASE64: JSON.stringify(wasmB64) }, core.stub);
  const hosted = await bundle("entry-hosted.mjs", core.glue, {}, core.stub);
  const css = (await transform(readFileSync(join(HERE, "src/page.css"), "utf8"), { loader: "css", minify: true })).code.trim();
  for (const [what, text] of [["script", inline], ["css", css]]) {
    // Inline text must not end its element early, nor carry a slot the core would fill.
    if (/<\/(script|style)|<!--/i.test(text)) throw new Error(`the ${what} contains a closing tag or <!--`);
    if (text.includes("{{pay402.")) throw new Error(`the ${what} contains a slot marker`);
  }
  const template = readFileSync(join(HERE, "template.html"), "utf8");
  const page = template.replace("/*pay402:css*/", () => css).replace("/*pay402:script*/", () => inline);
  for (const slot of SLOTS) {
    if (page.split(slot).length !== 2) throw new Error(`${slot} is not in the template exactly once`);
  }
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "page.html"), page);
  writeFileSync(join(out, "paywall.js"), hosted);
  writeFileSync(join(out, "paywall_bg.wasm"), core.wasm);
  const gz = (b) => gzipSync(b, { level: 9 }).length;
  const sizes = {
    core: core.stub ? `TEST STUB (${basename(core.glue)})` : core.glue,
    script: { raw: Buffer.byteLength(hosted), gzip: gz(hosted) },
    wasm: { raw: core.wasm.length, gzip: gz(core.wasm) },
    page: { raw: Buffer.byteLength(page), gzip: gz(page) },
  };
  sizes.scriptPlusWasmGzip = sizes.script.gzip + sizes.wasm.gzip;
  writeFileSync(join(out, "sizes.json"), `${JSON.stringify(sizes, null, 2)}\n`);
  return sizes;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [coreArg, out] = process.argv.slice(2);
  if (!coreArg || !out) {
    console.error("usage: node build.mjs <wasm web dir | test/stub-core.mjs> <out dir>");
    process.exit(2);
  }
  const s = await buildPage(coreArg, out);
  console.log(`paywall page (${s.core}): script ${s.script.raw} B raw, ${s.script.gzip} B gzip -9; wasm ${s.wasm.gzip} B gzip; page.html ${s.page.gzip} B gzip`);
}
