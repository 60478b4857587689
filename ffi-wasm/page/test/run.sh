#!/usr/bin/env bash
# Tests of the paywall page (ffi-wasm/page): installs its pinned tooling (`npm ci` from this
# directory's lock: esbuild, lean-qr, jsqr, @wallet-standard/wallet, playwright-core, axe-core),
# runs the Node tests (`node --test ffi-wasm/page/test/`: the screens' reducer, the wallets, the QR
# code read back, the page data, the core wrapper, the payment effects over loopback HTTP, the
# build and its sizes), then, unless SKIP_BROWSER=1, the keyboard-only smoke in Debian's chromium
# (browser/smoke.mjs: every flow and refusal by keyboard, axe-core, no layout shift; screenshots
# under target/paywall-shots/). The Node tests build against test/stub-core.mjs, a test stub of the
# wasm's exports; the smoke runs against the real paywall wasm, PAY402_WASM_WEB_DIR (default
# target/npm/pay402/paywall/web, written by ffi-wasm/build.sh), inline and hosted.
#   ffi-wasm/page/test/run.sh
#   SKIP_BROWSER=1 ffi-wasm/page/test/run.sh
#   PAY402_WASM_WEB_DIR=target/npm/pay402/paywall/web ffi-wasm/page/test/run.sh
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
PAGE="$ROOT/ffi-wasm/page"
. "$ROOT/tests/tools.sh"
need_npm_ci "$PAGE" || { echo "FAIL npm ci in ffi-wasm/page"; exit 1; }
status=0
echo "---- paywall page: node --test ffi-wasm/page/test/"
(cd "$ROOT" && node --test ffi-wasm/page/test/) || status=1
if [ -z "${SKIP_BROWSER:-}" ]; then
  echo "---- paywall page: keyboard-only smoke in chromium"
  if need_apt chromium chromium; then
    (cd "$ROOT" && node ffi-wasm/page/browser/smoke.mjs "$ROOT/target/paywall-shots") || status=1
  else
    status=1
  fi
fi
[ $status -eq 0 ] && echo "PASS paywall page" || echo "FAIL paywall page"
exit $status
