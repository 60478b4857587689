#!/usr/bin/env bash
# Builds the npm package `pay402` into target/npm/pay402 (or $1):
#   cargo (wasm32, profile `wasm`: release-smaller with the secp256k1 crates at opt-level 3) → wasm-bindgen 0.2.130 (nodejs, experimental-nodejs-module,
#   bundler, web) → wasm-opt -Oz (npm binaryen 132, never Debian's: toolchain.md trap 2) → package.
# Prints the raw and gzip size of the .wasm. Needs: wasm-bindgen 0.2.130 on PATH, WASM_OPT
# (default tests/wasm/node_modules/.bin/wasm-opt).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${1:-$ROOT/target/npm/pay402}
WASM_OPT=${WASM_OPT:-$ROOT/tests/wasm/node_modules/.bin/wasm-opt}
cd "$ROOT"

# k256's field arithmetic with 32-bit limbs: wasm32 has no 64×64→128 multiply, so the 64-bit
# backend (cpubits promotes wasm32 to 64) emulates u128 products; the 32-bit one is smaller.
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS=${PAY402_WASM_RUSTFLAGS-'--cfg cpubits="32"'}
cargo build -q -p pay402-wasm --lib --target wasm32-unknown-unknown --profile wasm
WASM=target/wasm32-unknown-unknown/wasm/pay402_wasm.wasm

command -v wasm-bindgen >/dev/null || { echo "wasm-bindgen 0.2.130 not on PATH"; exit 1; }
wasm-bindgen --version | grep -q ' 0.2.130' || { echo "wasm-bindgen must be 0.2.130 (crate pin)"; exit 1; }
[ -x "$WASM_OPT" ] || { echo "wasm-opt not found at $WASM_OPT (npm ci in tests/wasm)"; exit 1; }

rm -rf "$OUT"
mkdir -p "$OUT"
declare -A DIRS=([nodejs]=nodejs [experimental-nodejs-module]=esm [bundler]=bundler [web]=web)
for target in "${!DIRS[@]}"; do
  dir="$OUT/${DIRS[$target]}"
  wasm-bindgen "$WASM" --target "$target" --out-dir "$dir" --out-name pay402 \
    --remove-name-section --remove-producers-section
  "$WASM_OPT" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$dir/pay402_bg.wasm" -o "$dir/pay402_bg.wasm.opt"
  mv "$dir/pay402_bg.wasm.opt" "$dir/pay402_bg.wasm"
  rm -f "$dir/.gitignore"
done
echo '{"type":"commonjs"}' >"$OUT/nodejs/package.json"
echo '{"type":"module"}' >"$OUT/esm/package.json"
echo '{"type":"module"}' >"$OUT/bundler/package.json"
echo '{"type":"module"}' >"$OUT/web/package.json"

JS=ffi-wasm/js
cp "$JS/helpers.mjs" "$JS/helpers.d.ts" "$JS/README.md" "$OUT/"
sed -e 's/^export function createHelpers/function createHelpers/' "$JS/helpers.mjs" >"$OUT/helpers.cjs"
echo 'module.exports = { createHelpers };' >>"$OUT/helpers.cjs"
cp "$OUT/nodejs/pay402.d.ts" "$OUT/core.d.ts"

# The helper names (ESM needs them statically; tests/wasm checks the list is complete).
NAMES=privateKeySigner,eip1193Signer,readPaymentRequired,createPayment,wrapFetch,wrapFetchL402,paymentRequired,verifyPayment,verifyRequest,x402Middleware,memoryReplayStore,verifyL402
for entry in esm bundler web; do
  file=$([ "$entry" = esm ] && echo index.mjs || echo "$entry.mjs")
  {
    echo "import * as core from \"./$entry/pay402.js\";"
    echo 'import { createHelpers } from "./helpers.mjs";'
    echo "export * from \"./$entry/pay402.js\";"
    [ "$entry" = web ] && echo 'export { default } from "./web/pay402.js";'
    echo "export const { ${NAMES//,/, } } = createHelpers(core);"
  } >"$OUT/$file"
done
cat >"$OUT/index.cjs" <<'JSEOF'
"use strict";
const core = require("./nodejs/pay402.js");
module.exports = Object.assign({}, core, require("./helpers.cjs").createHelpers(core));
JSEOF
printf 'export * from "./core";\nexport * from "./helpers";\n' >"$OUT/index.d.ts"
printf 'export * from "./web/pay402";\nexport { default } from "./web/pay402";\nexport * from "./helpers";\n' >"$OUT/web.d.ts"
VERSION=$(cargo metadata --no-deps --format-version 1 | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).packages.find(p=>p.name==="pay402-wasm").version))')
sed "s/\"version\": \"0.0.0\"/\"version\": \"$VERSION\"/" "$JS/package.json" >"$OUT/package.json"

raw=$(stat -c %s "$OUT/esm/pay402_bg.wasm")
gz=$(gzip -9 -c "$OUT/esm/pay402_bg.wasm" | wc -c)
echo "pay402_bg.wasm: raw $raw B, gzip -9 $gz B (cargo output $(stat -c %s "$WASM") B)"
echo "$raw $gz" >"$OUT/../pay402.size"
