#!/usr/bin/env bash
# Builds the npm package `pay402` into target/npm/pay402 (or $1), with two .wasm modules:
#   pay402          the whole API (cargo default features)            → web/pay402_bg.wasm
#   pay402/verify   servers and edge runtimes: `--no-default-features
#                   --features x402` (codecs, x402Verify, EIP-712 digests,
#                   recovery) and the helpers that need only those     → verify/web/pay402_bg.wasm
# Each: cargo (wasm32, profile `wasm`: release-smaller with the secp256k1 crates at opt-level 3)
# → wasm-bindgen 0.2.130 (web and nodejs glue around one .wasm) → wasm-opt -Oz
# (npm binaryen 132, never Debian's: tests/TOOLCHAIN.md) → package.
# Prints the raw and gzip size of both .wasm files and writes them ("raw gzip") to
# pay402.size and pay402-verify.size next to the package directory (read by ffi-wasm/tests).
# Needs: wasm-bindgen 0.2.130 on PATH, WASM_OPT (default ffi-wasm/tests/node_modules/.bin/wasm-opt).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${1:-$ROOT/target/npm/pay402}
WASM_OPT=${WASM_OPT:-$ROOT/ffi-wasm/tests/node_modules/.bin/wasm-opt}
cd "$ROOT"

# k256's field arithmetic with 32-bit limbs: wasm32 has no 64×64→128 multiply, so the 64-bit
# backend (cpubits promotes wasm32 to 64) emulates u128 products; the 32-bit one is smaller.
# The paths compiled into panic locations are remapped, so the .wasm is the same bytes on every
# machine (whatever its cargo home or checkout directory): the Python package commits the paywall
# page built here, and the npm step checks the two are equal.
CARGO_HOME_DIR=${CARGO_HOME:-$HOME/.cargo}
REMAP="--remap-path-prefix=$CARGO_HOME_DIR=/cargo --remap-path-prefix=$ROOT=/pay402"
WASM_RUSTFLAGS=${PAY402_WASM_RUSTFLAGS-'--cfg cpubits="32"'}
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$WASM_RUSTFLAGS $REMAP"
WASM=target/wasm32-unknown-unknown/wasm/pay402_wasm.wasm

command -v wasm-bindgen >/dev/null || { echo "wasm-bindgen 0.2.130 not on PATH"; exit 1; }
wasm-bindgen --version | grep -q ' 0.2.130' || { echo "wasm-bindgen must be 0.2.130 (crate pin)"; exit 1; }
[ -x "$WASM_OPT" ] || { echo "wasm-opt not found at $WASM_OPT (npm ci in ffi-wasm/tests)"; exit 1; }

# build_module <dir> [cargo feature flags…]: ONE .wasm per module, <dir>/web/pay402_bg.wasm (the
# path `pay402/web/pay402_bg.wasm` has always had), and what loads it:
#   <dir>/web/pay402.js       wasm-bindgen `web` glue (ESM; `init`, `initSync`): pay402/web
#   <dir>/web/pay402.sync.js  the same, for the `import` and bundler entries (initSync only)
#   <dir>/nodejs/pay402.js    wasm-bindgen `nodejs` glue (CommonJS), reading ../web/pay402_bg.wasm
#   <dir>/pay402_bg.inline.mjs  the same bytes as base64, for bundlers (see entries below)
# wasm-bindgen emits byte-identical .wasm for both targets (checked here), so one copy serves both.
build_module() {
  local base=$1; shift
  cargo build -q -p pay402-wasm --lib --target wasm32-unknown-unknown --profile wasm "$@"
  echo "cargo ${*:-(default features)}: $(stat -c %s "$WASM") B"
  local target
  for target in web nodejs; do
    wasm-bindgen "$WASM" --target "$target" --out-dir "$base/$target" --out-name pay402 \
      --remove-name-section --remove-producers-section
    rm -f "$base/$target/.gitignore"
  done
  cmp -s "$base/web/pay402_bg.wasm" "$base/nodejs/pay402_bg.wasm" ||
    { echo "wasm-bindgen's web and nodejs .wasm differ: one copy cannot serve both"; exit 1; }
  rm "$base/nodejs/pay402_bg.wasm" "$base/nodejs/pay402_bg.wasm.d.ts"
  "$WASM_OPT" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$base/web/pay402_bg.wasm" -o "$base/web/pay402_bg.wasm.opt"
  mv "$base/web/pay402_bg.wasm.opt" "$base/web/pay402_bg.wasm"
  # the CommonJS glue reads the one copy
  grep -q '^const wasmPath = `${__dirname}/pay402_bg.wasm`;$' "$base/nodejs/pay402.js" ||
    { echo "nodejs glue: wasmPath line not found (wasm-bindgen changed?)"; exit 1; }
  sed -i 's|^const wasmPath = `${__dirname}/pay402_bg.wasm`;$|const wasmPath = `${__dirname}/../web/pay402_bg.wasm`;|' "$base/nodejs/pay402.js"
  # web/pay402.sync.js: the web glue without init()'s default `new URL("pay402_bg.wasm",
  # import.meta.url)`, for the entries that call initSync themselves: a bundler that sees that
  # URL would emit the .wasm a second time, next to the inlined copy, and esbuild warns about
  # import.meta in iife output.
  local url="        module_or_path = new URL('pay402_bg.wasm', import.meta.url);"
  [ "$(grep -c 'import\.meta' "$base/web/pay402.js")" = 1 ] && grep -qxF "$url" "$base/web/pay402.js" ||
    { echo "web glue: default .wasm URL line not found (wasm-bindgen changed?)"; exit 1; }
  grep -vxF "$url" "$base/web/pay402.js" >"$base/web/pay402.sync.js"
  node "$ROOT/ffi-wasm/js/entries/inline-wasm.mjs" "$base/web/pay402_bg.wasm" "$base/pay402_bg.inline.mjs"
  # wasm-bindgen declares `[Symbol.dispose]` on classes: make the declarations carry their lib
  # so strict consumers on an older `lib` still type-check (as @types/node does).
  for dir in "$base"/{nodejs,web}; do
    if grep -q 'Symbol.dispose' "$dir/pay402.d.ts"; then
      sed -i '1i /// <reference lib="esnext.disposable" />' "$dir/pay402.d.ts"
    fi
  done
  echo '{"type":"commonjs"}' >"$base/nodejs/package.json"
  echo '{"type":"module"}' >"$base/web/package.json"
}

rm -rf "$OUT"
mkdir -p "$OUT"
build_module "$OUT"
build_module "$OUT/verify" --no-default-features --features x402

JS=ffi-wasm/js
cp "$JS/helpers.mjs" "$JS/helpers.d.ts" "$JS/verify-helpers.d.ts" "$JS/README.md" "$OUT/"
# pay402/facilitator: plain JS (no .wasm), ESM and a CommonJS copy, one declaration file for both.
cp "$JS/facilitator.mjs" "$JS/facilitator.d.ts" "$OUT/"
cp "$JS/facilitator.d.ts" "$OUT/facilitator.d.mts"
sed -e 's/^export //' "$JS/facilitator.mjs" >"$OUT/facilitator.cjs"
echo 'module.exports = { DEFAULT_FACILITATOR_URL, FacilitatorClient, FacilitatorError, VerifyError, SettleError };' >>"$OUT/facilitator.cjs"
cp -r "$JS/server" "$OUT/server"
# CommonJS: the server modules and the helpers in one scope (single-line imports dropped)
cat "$JS"/server/config.mjs "$JS"/server/page.mjs "$JS"/server/gate.mjs "$JS"/server/express.mjs "$JS"/server/fetch.mjs "$JS"/server/l402.mjs "$JS/helpers.mjs" |
  sed -e '/^import /d' -e 's/^export function /function /' -e 's/^export const /const /' >"$OUT/helpers.cjs"
cp "$JS/offers-server.mjs" "$JS/offers-server.d.ts" "$OUT/"
# pay402/settle: ESM (it imports the core as `pay402`, so each runtime gets its own entry).
cp -r "$JS/settle" "$OUT/settle"
# pay402/ws402: ESM (it imports the core as `pay402`, and the server config and replay store above).
cp -r "$JS/ws402" "$OUT/ws402"
echo 'module.exports = { createHelpers, createVerifyHelpers };' >>"$OUT/helpers.cjs"
# pay402/replay: plain JS (no .wasm); the CommonJS copy drops `export` and lists the classes.
cp "$JS/replay.mjs" "$JS/replay.d.ts" "$OUT/"
cp "$JS/replay.d.ts" "$OUT/replay.d.mts"
{ echo '"use strict";'; sed -e 's/^export class /class /' "$JS/replay.mjs"
  echo 'module.exports = { ReplayStoreError, MemoryReplayStore, RedisReplayStore };'; } >"$OUT/replay.cjs"
cp "$OUT/nodejs/pay402.d.ts" "$OUT/core.d.ts"
cp "$OUT/verify/nodejs/pay402.d.ts" "$OUT/verify/core.d.ts"

# entries <dir> <factory> <helper names> <path from dir to helpers.*>: in <dir>,
#   index.cjs    Node `require`: the nodejs glue (reads web/pay402_bg.wasm)
#   index.mjs    Node `import`: the web glue, initSync with web/pay402_bg.wasm read from disk
#   bundler.mjs  bundlers (`module` and `default` conditions): the web glue, initSync with the
#                inlined bytes (pay402_bg.inline.mjs), so no bundler needs a .wasm loader, an
#                asset rule or top-level await, and the bundle runs wherever it is copied
#   webpack.mjs  webpack for browsers (`browser` + `webpack` conditions): the web glue, `await init`
#                of the .wasm by `new URL(…, import.meta.url)`, which webpack ships as a file
#                (30 % smaller gzipped than the base64, compiled while it downloads)
#   web.mjs      pay402/web: the web glue with `init` / `initSync`, the .wasm given by the caller
# The core's names are listed (not `export *`) so the entries do not also export initSync.
# ESM needs the helper names statically; ffi-wasm/tests checks each list is complete.
entries() {
  local dir=$1 factory=$2 names=$3 up=$4 core
  core=$(grep -oP '^export (class|function) \K\w+' "$dir/web/pay402.js" | paste -sd, | sed 's/,/, /g')
  [ "$(grep -cP '^export (?!class |function )' "$dir/web/pay402.js")" = 1 ] &&
    grep -qx 'export { initSync, __wbg_init as default };' "$dir/web/pay402.js" ||
    { echo "$dir/web/pay402.js: unexpected export form (wasm-bindgen changed?)"; exit 1; }
  {
    echo 'import { readFileSync } from "node:fs";'
    echo 'import * as core from "./web/pay402.sync.js";'
    echo "import { $factory } from \"$up/helpers.mjs\";"
    echo 'core.initSync({ module: readFileSync(new URL("./web/pay402_bg.wasm", import.meta.url)) });'
    echo "export { $core } from \"./web/pay402.sync.js\";"
    echo "export const { ${names//,/, } } = $factory(core);"
  } >"$dir/index.mjs"
  {
    echo 'import * as core from "./web/pay402.sync.js";'
    echo 'import wasm from "./pay402_bg.inline.mjs";'
    echo "import { $factory } from \"$up/helpers.mjs\";"
    echo 'core.initSync({ module: wasm });'
    echo "export { $core } from \"./web/pay402.sync.js\";"
    echo "export const { ${names//,/, } } = $factory(core);"
  } >"$dir/bundler.mjs"
  {
    echo 'import * as core from "./web/pay402.js";'
    echo "import { $factory } from \"$up/helpers.mjs\";"
    echo '// webpack 5 emits the .wasm of this URL as an asset, and supports top-level await (both by default)'
    echo 'await core.default({ module_or_path: new URL("./web/pay402_bg.wasm", import.meta.url) });'
    echo "export { $core } from \"./web/pay402.js\";"
    echo "export const { ${names//,/, } } = $factory(core);"
  } >"$dir/webpack.mjs"
  {
    echo 'import * as core from "./web/pay402.js";'
    echo "import { $factory } from \"$up/helpers.mjs\";"
    echo 'export * from "./web/pay402.js";'
    echo 'export { default } from "./web/pay402.js";'
    echo "export const { ${names//,/, } } = $factory(core);"
  } >"$dir/web.mjs"
  cat >"$dir/index.cjs" <<JSEOF
"use strict";
const core = require("./nodejs/pay402.js");
module.exports = Object.assign({}, core, require("$up/helpers.cjs").$factory(core));
JSEOF
}
entries "$OUT" createHelpers \
  privateKeySigner,eip1193Signer,readPaymentRequired,createPayment,wrapFetch,wrapFetchL402,paymentRequired,verifyPayment,verifyRequest,x402Middleware,memoryReplayStore,verifyL402,l402Paywall,withL402,paymentGate,serverConfig,configFromEnv,paymentOf,paywall,pay,withPayment,honoPaywall,verifyPaymentWithRpc .
entries "$OUT/verify" createVerifyHelpers \
  readPaymentRequired,paymentRequired,verifyPayment,verifyRequest,x402Middleware,memoryReplayStore,paymentGate,serverConfig,configFromEnv,paymentOf,paywall,pay,withPayment,honoPaywall ..
# Types: .d.mts for `import` and bundlers (ES module declarations; relative specifiers carry
# `.js`), index.d.ts for `require` (CommonJS declarations, as the package has no "type"), and
# web.d.ts for TypeScript's pre-`exports` resolution (`moduleResolution: node`).
types() {
  local dir=$1 helpers=$2
  printf 'export * from "./core";\nexport * from "%s";\n' "$helpers" >"$dir/index.d.ts"
  printf 'export * from "./web/pay402";\nexport { default } from "./web/pay402";\nexport * from "%s";\n' \
    "$helpers" >"$dir/web.d.ts"
  printf 'export * from "./core.js";\nexport * from "%s.js";\n' "$helpers" >"$dir/index.d.mts"
  printf 'export * from "./web/pay402.js";\nexport { default } from "./web/pay402.js";\nexport * from "%s.js";\n' \
    "$helpers" >"$dir/web.d.mts"
  # wasm-bindgen types the raw wasm exports' externref values `any`; they are opaque: `unknown`.
  local f
  for f in "$dir"/*/pay402_bg.wasm.d.ts "$dir"/*/pay402.d.ts; do
    if [ -f "$f" ]; then sed -i -E '/^ *(export const|readonly) [A-Za-z0-9_]+: \(/s/\bany\b/unknown/g' "$f"; fi
  done
}
types "$OUT" ./helpers
types "$OUT/verify" ../verify-helpers
VERSION=$(cargo metadata --no-deps --format-version 1 | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).packages.find(p=>p.name==="pay402-wasm").version))')
sed "s/\"version\": \"0.0.0\"/\"version\": \"$VERSION\"/" "$JS/package.json" >"$OUT/package.json"

# size <label> <.wasm> <size file>
size() {
  local raw gz
  raw=$(stat -c %s "$2")
  gz=$(gzip -9 -c "$2" | wc -c)
  echo "$1: raw $raw B, gzip -9 $gz B"
  echo "$raw $gz" >"$3"
}
size "pay402 (web/pay402_bg.wasm)" "$OUT/web/pay402_bg.wasm" "$OUT/../pay402.size"
size "pay402/verify (verify/web/pay402_bg.wasm)" "$OUT/verify/web/pay402_bg.wasm" "$OUT/../pay402-verify.size"

# The paywall page (third module, web only): the crate pay402-paywall (ffi-wasm/paywall: the
# exports the page calls; no secp256k1 or ed25519 code: the wallet signs; `no_std` on wasm32 with a
# panic handler that traps, so no `core::fmt` code) → wasm-bindgen web glue → wasm-opt -Oz into
# $OUT/paywall/web; then ffi-wasm/page/build.mjs bundles the page around it into $OUT/paywall
# (page.html with the wasm inline, paywall.js + paywall_bg.wasm for hosting, sizes.json). Before the
# name section is dropped, ffi-wasm/tests/paywall-names.mjs proves that no `k256` or `ed25519_dalek`
# function is in the module. Writes "raw gzip" of paywall.js + paywall_bg.wasm to
# pay402-paywall.size and reports it against the page's budget, 61,440 B gzip -9
# (ffi-wasm/tests/run.sh reports it again beside the other modules; a size is never a build failure).
PAYWALL_BUDGET=${PAY402_PAYWALL_BUDGET:-61440}
PW_WASM=target/wasm32-unknown-unknown/paywall/pay402_paywall.wasm
[ -d "$ROOT/ffi-wasm/page/node_modules/esbuild" ] || { echo "esbuild not found (npm ci in ffi-wasm/page)"; exit 1; }
cargo build -q -p pay402-paywall --lib --target wasm32-unknown-unknown --profile paywall
echo "cargo -p pay402-paywall: $(stat -c %s "$PW_WASM") B"
NAMED=$(mktemp -d)
trap 'rm -rf "$NAMED"' EXIT
wasm-bindgen "$PW_WASM" --target web --out-dir "$NAMED" --out-name paywall
node "$ROOT/ffi-wasm/tests/paywall-names.mjs" "$NAMED/paywall_bg.wasm"
PW=$OUT/paywall
wasm-bindgen "$PW_WASM" --target web --out-dir "$PW/web" --out-name paywall \
  --remove-name-section --remove-producers-section
rm -f "$PW/web/.gitignore"
echo '{"type":"module"}' >"$PW/web/package.json"
# Beyond -Oz: --converge reruns it while it shrinks; --low-memory-unused (Rust's wasm32 layout puts
# the stack and data above 1 MiB, never below 1 KiB) and --zero-filled-memory (the module owns its
# memory, fresh and zeroed at instantiation) let it fold addresses and drop zero data. No pass that
# assumes traps never happen: a panic must still stop the call.
"$WASM_OPT" -Oz --converge --low-memory-unused --zero-filled-memory \
  --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  "$PW/web/paywall_bg.wasm" -o "$PW/web/paywall_bg.wasm.opt"
mv "$PW/web/paywall_bg.wasm.opt" "$PW/web/paywall_bg.wasm"
node "$ROOT/ffi-wasm/page/build.mjs" "$PW/web" "$PW"
# pay402/paywall-page: the template the server adapters fill (server/page.mjs loads it on the
# first browser request), as an ES module and a CommonJS one (edge runtimes have no file system).
node "$ROOT/ffi-wasm/js/paywall-template.mjs" "$PW/page.html" "$PW"
pw_raw=$(($(stat -c %s "$PW/paywall.js") + $(stat -c %s "$PW/paywall_bg.wasm")))
pw_js_gz=$(gzip -9 -c "$PW/paywall.js" | wc -c)
pw_wasm_gz=$(gzip -9 -c "$PW/paywall_bg.wasm" | wc -c)
pw_gz=$((pw_js_gz + pw_wasm_gz))
echo "pay402 paywall page (paywall/paywall.js + paywall/paywall_bg.wasm): raw $pw_raw B, gzip -9 $pw_gz B (script $pw_js_gz + wasm $pw_wasm_gz; budget $PAYWALL_BUDGET)"
echo "$pw_raw $pw_gz" >"$OUT/../pay402-paywall.size"
[ "$pw_gz" -le "$PAYWALL_BUDGET" ] || echo "the paywall page is over its budget: $pw_gz > $PAYWALL_BUDGET B gzip -9 (NOT MET)"
