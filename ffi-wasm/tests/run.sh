#!/usr/bin/env bash
# Builds the npm package `pay402` and tests it like a user would: npm pack → install into a
# fresh project → require / import / ./web in Node, the verify-only entry `pay402/verify`
# (require, import, ./verify/web, its vector ops), every vector file in Node, the published
# TypeScript types (tsc on typed consumers, and on a wrong call that must fail), interop with
# @x402/fetch + @x402/evm, the smoke suite and every vector file in headless Chromium (Debian
# `chromium`), @x402/fetch paying pay402's X402Server per scheme (peer-clients.mjs), and every
# Node integration selling every scheme to @x402/fetch and the PyPI x402 SDK
# (server-peer-matrix.mjs; PAY402_PEER_PYTHON, default: a venv of ffi-python/tests/run.sh), and
# Next.js itself (nextjs.mjs: an App Router project with Node and Edge route handlers, `next build`
# + `next start` on 127.0.0.1, paid over HTTP; next/react from this directory's lock), and the
# bundlers (bundlers.mjs: esbuild, vite, webpack, rollup build an app with no configuration; each
# bundle runs alone in node and in headless Chromium). The size
# budget (each .wasm ≤ 60 KB gzipped) and the speed comparison are
# reported (printed and written to target/reports/npm.md, which tests/bench/run.sh copies into
# tests/bench/REPORT.md), never pass/fail: the exit status
# reflects only the functional steps. Installs what it needs on a fresh machine (tests/tools.sh:
# wasm-bindgen-cli 0.2.130, the wasm32 target, npm tooling, node, chromium and redis-server from
# apt); the replay step starts its own redis-server on 127.0.0.1 and stops it on exit.
#   ffi-wasm/tests/run.sh            # everything
#   SKIP_BROWSER=1 ffi-wasm/tests/run.sh
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$ROOT/ffi-wasm/tests"
. "$ROOT/tests/tools.sh"
GZIP_LIMIT=${GZIP_LIMIT:-61440}
FAILED=()
step() {
  local name=$1; shift
  echo "---- $name"
  if "$@"; then echo "PASS $name"; else echo "FAIL $name"; FAILED+=("$name"); fi
}

install_tools() {
  need_npm_build
}
step "install wasm-bindgen-cli 0.2.130, wasm32 target, npm tooling" install_tools || true
[ ${#FAILED[@]} -eq 0 ] || { echo "cannot continue"; exit 1; }

build() { "$ROOT/ffi-wasm/build.sh" "$ROOT/target/npm/pay402"; }
step "build the package: two .wasm (whole API, x402 verify), each cargo → wasm-bindgen (web, nodejs) → wasm-opt, one .wasm per entry" build
[ ${#FAILED[@]} -eq 0 ] || { echo "cannot continue"; exit 1; }

PROJECT=$(mktemp -d /tmp/pay402-npm-XXXXXX)
trap 'rm -rf "$PROJECT"; stop_redis' EXIT
pack_install() {
  rm -f "$ROOT"/target/npm/pay402-*.tgz
  (cd "$ROOT/target/npm/pay402" && npm pack --silent --pack-destination "$ROOT/target/npm") || return 1
  local tarball
  tarball=$(ls "$ROOT"/target/npm/pay402-*.tgz) || return 1
  ls -l "$tarball"
  cd "$PROJECT" && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error "$tarball" || return 1
  # the peers (interop, speed) come from ffi-wasm/tests's lock file, linked rather than installed twice
  for dep in "$HERE"/node_modules/* "$HERE"/node_modules/@*; do
    [ -e "$PROJECT/node_modules/$(basename "$dep")" ] || ln -s "$dep" "$PROJECT/node_modules/$(basename "$dep")"
  done
  cp "$HERE"/*.mjs "$HERE"/*.cjs "$PROJECT/" || return 1
  cp -r "$HERE/types" "$PROJECT/"
  echo "installed size of pay402: $(du -sb "$PROJECT/node_modules/pay402" | cut -f1) B"
}
step "npm pack, install the tarball into a fresh project" pack_install

step "require('pay402') (CJS)" bash -c "cd '$PROJECT' && node node-smoke.cjs"
step "import 'pay402' (ESM) and 'pay402/web' with initSync" bash -c "cd '$PROJECT' && node node-smoke.mjs"
step "every vector file through the JS API in Node" bash -c "cd '$PROJECT' && node vectors.mjs pay402 '$ROOT'/tests/conformance/vectors/*.json"
step "the binding surface: exports, parameters and result fields as tests/conformance/binding-surface.json lists" \
  bash -c "cd '$PROJECT' && node surface.mjs '$ROOT/tests/conformance/binding-surface.json'"
step "require('pay402/verify') (CJS): exports, verifies the main entry's payments, middleware" bash -c "cd '$PROJECT' && node node-verify.cjs"
step "import 'pay402/verify' (ESM) and 'pay402/verify/web' with initSync" bash -c "cd '$PROJECT' && node node-verify.mjs"
# The ops pay402/verify exports; Solana x402.verify cases need the svm feature (skipped, counted).
VERIFY_OPS=x402.decode,x402.roundtrip,x402.verify,evm.eip3009.digest,evm.permit2.digest,evm.recover,server.admit
step "the vector files' x402 and EVM verification ops through pay402/verify" bash -c \
  "cd '$PROJECT' && node vectors.mjs --ops=$VERIFY_OPS --skip-solana pay402/verify '$ROOT'/tests/conformance/vectors/*.json"

# The published types: typed consumers compile under strict, noUncheckedIndexedAccess,
# exactOptionalPropertyTypes and skipLibCheck off, with a DOM lib and a Node-only one (es2022 +
# @types/node), each under nodenext and bundler (TypeScript 7) and commonjs/node10 (TypeScript
# 5.9, the last with node10), the nodenext/bundler ones under 5.9 too; no `any` is left in any
# shipped declaration file; a file with one wrong call must fail with exactly that error, so the
# check is known to be able to fail.
typescript() (
  tsc7=(node "$HERE/node_modules/typescript/bin/tsc") tsc5=(node "$HERE/node_modules/typescript5/bin/tsc")
  cd "$PROJECT" || return 1
  "${tsc7[@]}" --version && "${tsc5[@]}" --version || return 1
  local config
  for config in tsconfig tsconfig.bundler tsconfig.node tsconfig.node.bundler; do
    echo "tsc 7 and 5.9 -p types/$config.json"
    "${tsc7[@]}" -p "types/$config.json" && "${tsc5[@]}" -p "types/$config.json" || return 1
  done
  for config in tsconfig.node10 tsconfig.node.node10; do
    echo "tsc 5.9 -p types/$config.json"
    "${tsc5[@]}" -p "types/$config.json" || return 1
  done
  node types/no-any.mjs || return 1
  if out=$("${tsc7[@]}" -p types/tsconfig.wrong.json 2>&1); then
    echo "types/wrong.mts compiled, so the type check cannot fail"
    return 1
  fi
  echo "$out"
  [ "$(grep -c 'error TS' <<<"$out")" -eq 1 ] && grep -qE '^types/wrong\.mts\([0-9]+,[0-9]+\): error TS2345' <<<"$out"
)
step "TypeScript: typed consumers compile (DOM and Node-only lib × nodenext, bundler, node10; strict); no \`any\` shipped; a wrong call does not" typescript
step "API safety: every class after free() throws object_freed; wrong but type-valid calls work or throw a coded error" \
  bash -c "cd '$PROJECT' && node api-safety.mjs"
step "pay402/facilitator: routing, retries, failover, no double settle, against node:http facilitators" \
  bash -c "cd '$PROJECT' && node facilitator.mjs"
step "peer server: pay402's wrapFetch pays the @x402/express middleware (reference facilitator verifying, no chain)" \
  bash -c "cd '$PROJECT' && node peer-servers.mjs"
step "client budgets: ClientBudget and the wrapFetch / wrapFetchL402 budgets, over loopback HTTP" \
  bash -c "cd '$PROJECT' && node budget.mjs"
step "smart-wallet payers: verifyPaymentWithRpc (EOA, EIP-1271, EIP-7702, ERC-6492 counterfactual) over an async RPC, failing closed" \
  bash -c "cd '$PROJECT' && node smart-wallet-rpc.mjs"
step "smart-wallet payers at x402Middleware: admitted through an async RPC (the core's admitStep), refused without one, 503 on a failed read" \
  bash -c "cd '$PROJECT' && node server-smart-wallet.mjs"
step "client pays every scheme: wrapFetch pays pay402's server and @x402/express (EIP-3009, Permit2, upto, Solana), one budget, typed refusals" \
  bash -c "cd '$PROJECT' && node client-pay.mjs"
step "interop with @x402/fetch and @x402/evm" bash -c "cd '$PROJECT' && node interop.mjs"
# The PyPI x402 SDK as a peer client (server-peer-matrix.mjs, nextjs.mjs): python -m peer_clients
# pay, with the Python in PAY402_PEER_PYTHON (by default the newest venv of ffi-python/tests/run.sh
# that has the SDK; none: that half is skipped with its reason).
peer_python() {
  local py
  for py in $(ls -d "$ROOT"/target/py-build/venvs/*/bin/python 2>/dev/null | sort -rV); do
    (cd "$ROOT/ffi-python/tests" && "$py" -c "import x402, peer_clients" >/dev/null 2>&1) && { echo "$py"; return; }
  done
}
PAY402_PEER_PYTHON=${PAY402_PEER_PYTHON:-$(peer_python)}
echo "PyPI x402 peer: ${PAY402_PEER_PYTHON:-none (run ffi-python/tests/run.sh first to make its venvs)}"
# The server adapters: Express (supertest and HTTP), Hono (app.request and HTTP), a Next.js-style
# route handler, the edge suite on pay402/web, and Next.js itself; every scheme paid by @x402/fetch
# or pay402.
step "server: Express pay()/paywall() — every scheme, exactly once, hooks, config" bash -c "cd '$PROJECT' && node server-express.mjs"
step "server: withPayment/honoPaywall — Hono, Next.js-style route handler" bash -c "cd '$PROJECT' && node server-fetch.mjs"
step "server: the edge suite on pay402/web in Node" bash -c "cd '$PROJECT' && node server-edge-node.mjs"
# Next.js itself (pinned here): a generated App Router project — the README's route handlers as
# written, Node- and Edge-runtime routes (pay402/web) selling every scheme — built with
# `next build` (Turbopack), served by `next start` on 127.0.0.1 (stopped on exit), paid over HTTP.
step "Next.js 16: next build + next start on 127.0.0.1; README routes, Node and Edge route handlers × every scheme × @x402/fetch, pay402, PyPI x402; replay refused; one /settle per payment" \
  bash -c "cd '$PROJECT' && PAY402_PEER_PYTHON='$PAY402_PEER_PYTHON' node nextjs.mjs '$ROOT'"
step "server: L402 selling (l402Paywall on node:http, withL402 on Hono), stateless root keys, 10,000 unpaid requests" bash -c "cd '$PROJECT' && node server-l402.mjs"
step "server: the README's selling examples, run as written and paid" bash -c "cd '$PROJECT' && node server-readme.mjs '$ROOT/ffi-wasm/js/README.md'"
step "server: the paywall page (Express pay/x402Middleware, withPayment on node:http): every page.presentation vector, same offers as the JSON 402, opt-out, theme, html hook, README page examples" \
  bash -c "cd '$PROJECT' && node server-page.mjs '$ROOT/tests/conformance/vectors/page.json' '$ROOT/ffi-wasm/js/README.md'"
step "the README's WS402 tariff meter example, run as written" bash -c "cd '$PROJECT' && node readme-ws402.mjs '$ROOT/ffi-wasm/js/README.md'"
# pay402/ws402 over real sockets (ws on node:http, 127.0.0.1, a recording settlement, an injected clock).
ws402_sessions() {
  start_redis || return 1
  (cd "$PROJECT" && REDIS_PORT=$PAY402_REDIS_PORT node --test-reporter=spec ws402-server.mjs "$ROOT/ffi-wasm/js/README.md")
}
step "pay402/ws402: sessions over ws (exact + refund, upto > 2^53, double close, error then close, exhaustion, one prepayment on two sockets and on two servers sharing Redis, schema, README, client end to end)" ws402_sessions
# pay402/ws402 persistence, resumption and recovery: memory and Redis session stores (node-redis,
# ioredis; the Python RedisSessionStore on the same Redis with PAY402_PEER_PYTHON), servers in child
# processes killed with SIGKILL and restarted on the same Redis.
ws402_resume() {
  start_redis || return 1
  (cd "$PROJECT" && REDIS_PORT=$PAY402_REDIS_PORT PAY402_PEER_PYTHON="$PAY402_PEER_PYTHON" node --test-reporter=spec ws402-resume.mjs)
}
step "pay402/ws402 resume and recovery: resume within the grace (active time only), refused after it, SIGKILL + restart on Redis (resume, or end at the last checkpoint), two recovering processes (one wins the CAS)" ws402_resume
# pay402/ws402 across languages and in the browser (ws402-interop.mjs): ws402Connect pays a Python
# Ws402Endpoint (uvicorn, a child process of PAY402_PEER_PYTHON), Python's pay402.ws402.connect pays
# ws402Server on node:http, and ws402Connect from pay402/web in Chromium (playwright-core from
# ffi-wasm/page's lock) pays the Node server; exact and upto, injected clocks, both statements agree.
# No Python with pay402: the step fails (it never passes without the Python peer).
ws402_interop() {
  [ -n "${SKIP_BROWSER:-}" ] || need_apt chromium chromium || return 1
  [ -n "$PAY402_PEER_PYTHON" ] || { echo "no Python with pay402 for the WS402 peer (PAY402_PEER_PYTHON; run ffi-python/tests/run.sh first to make its venvs)"; return 1; }
  "$PAY402_PEER_PYTHON" -c "import pay402.ws402, uvicorn, websockets" || { echo "$PAY402_PEER_PYTHON lacks pay402.ws402, uvicorn or websockets"; return 1; }
  (cd "$PROJECT" && PAY402_PEER_PYTHON="$PAY402_PEER_PYTHON" node --test-reporter=spec ws402-interop.mjs "$ROOT")
}
step "pay402/ws402 interop: Node client → Python Ws402Endpoint (uvicorn), Python connect → Node ws402Server, browser ws402Connect (pay402/web, privateKeySigner in the page) → Node server; exact + refund and upto, both statements agree" ws402_interop
step "Fewsats offers server end to end over node:http (pay402/offers-server) and its README example" \
  bash -c "cd '$PROJECT' && node offers-server.mjs"

# pay402/replay against a real redis-server on a free 127.0.0.1 port (stopped on exit): node-redis
# 6 and 4 and ioredis, several processes racing on one key, the README's replay examples.
replay() {
  start_redis || return 1
  (cd "$PROJECT" && REDIS_PORT=$PAY402_REDIS_PORT node replay.mjs)
}
step "pay402/replay: memory and Redis stores (node-redis, ioredis), processes racing on one key" replay
server_redis() {
  start_redis || return 1
  (cd "$PROJECT" && REDIS_PORT=$PAY402_REDIS_PORT node server-redis.mjs)
}
step "server: Express pay() in 3 processes on one Redis — one payment served once, a crash releases it" server_redis
step "peer clients: @x402/fetch + @x402/evm + @x402/svm pay a minimal X402Server (exact EIP-3009, exact Permit2, upto, Solana exact; v2 and v1; facilitator double, replay refused)" \
  bash -c "cd '$PROJECT' && node peer-clients.mjs"

# The Node framework × scheme × peer matrix: Express, Hono, a Next.js-style route and the edge
# build sell each scheme; @x402/fetch and the PyPI x402 SDK (python -m peer_clients pay, with the
# Python in PAY402_PEER_PYTHON: by default the newest venv of ffi-python/tests/run.sh that has the
# SDK; none: that half is skipped with its reason) pay each cell.
step "server peer matrix: Express, Hono, Next.js-style route, edge build × exact EIP-3009, exact Permit2, upto, Solana exact × @x402/fetch, PyPI x402" \
  bash -c "cd '$PROJECT' && PAY402_PEER_PYTHON='$PAY402_PEER_PYTHON' node server-peer-matrix.mjs '$ROOT'"

# chromium_dom PAGE SECONDS: serves $PROJECT on a free 127.0.0.1 port, loads PAGE (a path under it)
# in headless Chromium with a virtual time budget of SECONDS, prints the DOM and stops the server.
chromium_dom() {
  local page=$1 seconds=$2 port=$((20000 + RANDOM % 20000)) server
  python3 -m http.server "$port" --bind 127.0.0.1 --directory "$PROJECT" >/dev/null 2>&1 &
  server=$!
  sleep 1
  timeout $((seconds + 60)) chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --no-first-run --user-data-dir="$(mktemp -d)" --virtual-time-budget=$((seconds * 1000)) \
    --dump-dom "http://127.0.0.1:$port/$page" 2>/dev/null
  kill "$server" 2>/dev/null
}
browser() {
  need_apt chromium chromium || return 1
  mkdir -p "$PROJECT/tests" "$PROJECT/vectors"
  cp "$HERE"/smoke.mjs "$HERE"/harness.mjs "$HERE"/vectors.mjs "$HERE"/browser/index.html "$PROJECT/tests/" || return 1
  cp "$ROOT"/tests/conformance/vectors/*.json "$PROJECT/vectors/" || return 1
  (cd "$PROJECT/vectors" && ls *.json | grep -vx index.json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.stringify(s.trim().split("\n"))))') >"$PROJECT/vectors/index.json" || return 1
  local dom
  dom=$(chromium_dom tests/index.html 120)
  grep -E 'FAIL|RESULT' <<<"$dom" | sed 's/<[^>]*>//g'
  grep -qE 'RESULT smoke [0-9]+ passed 0 failed; vectors [1-9][0-9]* passed 0 failed' <<<"$dom"
}
# The edge suite of the server adapters in Chromium (no Node API there).
browser_server() {
  need_apt chromium chromium || return 1
  mkdir -p "$PROJECT/tests"
  cp "$HERE"/server-edge.mjs "$HERE"/harness.mjs "$HERE"/browser/server.html "$PROJECT/tests/" || return 1
  local dom
  dom=$(chromium_dom tests/server.html 60)
  grep -E 'FAIL|RESULT' <<<"$dom" | sed 's/<[^>]*>//g'
  grep -qE 'RESULT server-edge [1-9][0-9]* passed 0 failed; process=undefined' <<<"$dom"
}
# Bundlers (pinned here): an app of pay402 + pay402/verify bundled with no configuration by
# esbuild (browser, node), vite, webpack (web, node) and rollup + node-resolve, each bundle run
# alone in node and (unless SKIP_BROWSER) in headless Chromium; its commands are the README's.
bundlers() {
  [ -n "${SKIP_BROWSER:-}" ] || need_apt chromium chromium || return 1
  (cd "$PROJECT" && node bundlers.mjs "$ROOT/ffi-wasm/js/README.md")
}
step "bundlers: esbuild, vite, webpack, rollup bundle pay402 + pay402/verify with no configuration; each bundle alone in node and (unless SKIP_BROWSER) headless Chromium computes viem's answers" bundlers

# The paywall page (ffi-wasm/page): its own pinned tooling and tests (Node unit tests on its test
# stub of the wasm); the keyboard-only Chromium smoke on the real paywall wasm unless SKIP_BROWSER.
paywall_page() {
  [ -n "${SKIP_BROWSER:-}" ] || need_apt chromium chromium || return 1
  PAY402_WASM_WEB_DIR="$ROOT/target/npm/pay402/paywall/web" "$ROOT/ffi-wasm/page/test/run.sh"
}
step "paywall page: screens' reducer, EIP-6963/1193, Wallet Standard, WebLN, QR read back, build; keyboard-only Chromium smoke with axe-core (the real paywall wasm)" paywall_page
# The Python package ships this build's paywall page as pay402/server/paywall_page.html (committed:
# maturin packs it); the two must be the same bytes (the .wasm is path-independent: build.sh remaps).
python_page() {
  node --input-type=module -e "
    import { template } from '$ROOT/target/npm/pay402/paywall/template.mjs';
    import { readFileSync } from 'node:fs';
    const committed = readFileSync('$ROOT/ffi-python/python/pay402/server/paywall_page.html', 'utf8');
    if (committed !== template) {
      console.error('ffi-python/python/pay402/server/paywall_page.html differs from this build (PAY402_UPDATE_PAGE=1 ffi-python/tests/run.sh rewrites it)');
      process.exit(1);
    }"
}
step "the Python package's committed paywall page is this build's template, byte for byte" python_page
step "paywall wasm: the twelve exports against viem, @x402/core, @solana/kit, aperture's L402 values and pay402's verifier" bash -c "cd '$PROJECT' && PAY402_ROOT='$ROOT' node paywall-core.mjs '$ROOT/target/npm/pay402/paywall/web'"

if [ -z "${SKIP_BROWSER:-}" ]; then
  step "headless Chromium: ./web smoke suite and every vector file" browser
  step "headless Chromium: the server adapters' edge suite on ./web" browser_server
fi

# Size budget: reported, never part of pass/fail.
echo "---- size (report): .wasm raw and gzip -9 of both modules"
SIZE_LINES=()
for module in pay402:pay402.size pay402/verify:pay402-verify.size; do
  read -r raw gz <"$ROOT/target/npm/${module#*:}"
  echo "${module%%:*}: raw $raw B ($((raw / 1024)) KiB), gzip -9 $gz B ($((gz / 1024)) KiB)"
  if [ "$gz" -le "$GZIP_LIMIT" ]; then verdict=MET; else verdict="NOT MET"; fi
  SIZE_LINES+=("size budget 60 KB gzipped, ${module%%:*}: $verdict ($gz B)")
done
if read -r raw gz <"$ROOT/target/npm/pay402-paywall.size"; then
  echo "paywall page (paywall.js + paywall_bg.wasm): raw $raw B, gzip -9 $gz B ($((gz / 1024)) KiB)"
  if [ "$gz" -le "$GZIP_LIMIT" ]; then verdict=MET; else verdict="NOT MET"; fi
  SIZE_LINES+=("size budget 60 KB gzipped, paywall page (script + wasm): $verdict ($gz B)")
fi
printf '%s\n' "${SIZE_LINES[@]}"

# Speed comparison: a report, never part of pass/fail. Both write the wasm section into
# target/reports/npm.md; only tests/bench/run.sh updates the committed tests/bench/REPORT.md.
mkdir -p "$ROOT/target/reports"
REPORT="$ROOT/target/reports/npm.md"
rm -f "$REPORT"
SIZES=("$ROOT/target/npm/pay402.size" "$ROOT/target/npm/pay402-verify.size")
if [ -z "${SKIP_BENCH:-}" ]; then
  echo "---- speed (report): wasm x402Verify vs viem recoverTypedDataAddress (writes target/reports/npm.md)"
  (cd "$PROJECT" && node bench.mjs "$REPORT" "${SIZES[@]}") ||
    { echo "(bench failed; not a test failure; recording the sizes only)"
      (cd "$PROJECT" && node bench.mjs "$REPORT" "${SIZES[@]}" --size-only) || echo "(could not write $REPORT)"; }
else
  (cd "$PROJECT" && node bench.mjs "$REPORT" "${SIZES[@]}" --size-only) || echo "(could not write $REPORT)"
fi

echo
printf '%s\n' "${SIZE_LINES[@]}"
if [ ${#FAILED[@]} -eq 0 ]; then echo "ffi-wasm/tests: all functional steps passed"; else printf 'ffi-wasm/tests: FAILED: %s\n' "${FAILED[@]}"; exit 1; fi
