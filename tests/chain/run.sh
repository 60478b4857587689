#!/usr/bin/env bash
# pay402 settles x402 `exact` (EIP-3009) payments for real on a local EVM chain.
#
# On a fresh machine: installs the pinned npm packages (npm ci: hardhat@2, solc, viem, @x402/core, @x402/evm),
# a venv with pytest, the pinned web test packages (requirements.txt: fastapi, starlette, uvicorn, httpx, flask,
# werkzeug; the pins of ffi-python/tests/requirements-web.txt) and the pay402 wheel (built from ffi-python with
# maturin), compiles contracts/Eip3009Token.sol with npm solc, starts a Hardhat node on 127.0.0.1 (free port, chain
# id 31337), deploys the token with Hardhat account #0, starts the reference TS facilitator (facilitator.mjs) on
# 127.0.0.1, deploys smart-wallet.mjs (an EIP-1271 wallet, its factory, a `bytes`-overload EIP-3009 token), runs the
# pytest suite (test_settlement.py; test_middleware.py: FastAPI/uvicorn and Flask/werkzeug apps behind pay402's
# middleware, served from threads of the pytest process on loopback; test_smart_wallet_settlement.py), then
# test-js-middleware.mjs (node --test, in a fresh project with the packed pay402 npm tarball installed: a node:http
# server behind its x402Middleware, in the test process), then `cargo test -p pay402-host --test chain_smart_wallet --
# --ignored` and test-js-smart-wallet-settlement.mjs, and stops the node and the facilitator on every exit path. Ends with a
# summary; exits non-zero on any failure. Needs python3 ≥ 3.9 and rustup; installs node/npm and curl (apt) and,
# when it builds the npm package itself, wasm-bindgen-cli and the npm build tooling (tests/tools.sh).
#
#   tests/chain/run.sh
#   PAY402_WHEEL=target/py-build/wheels/pay402-….whl tests/chain/run.sh   # reuse a wheel instead of building one
#   tests/chain/run.sh -k replay                                          # extra arguments go to pytest
#   PAY402_NPM_TGZ=target/npm/pay402-0.1.0.tgz tests/chain/run.sh        # the npm tarball (default: target/npm/, else built)
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
RUN="$HERE/.run"
VENV="$HERE/.venv"
PIP_FLAGS=(--disable-pip-version-check --no-input -q)
. "$ROOT/tests/tools.sh"
export HARDHAT_DISABLE_TELEMETRY_PROMPT=true
export NO_COLOR=1

declare -a SUMMARY=()
FAILED=0
NODE_PID=""
FAC_PID=""

log() { printf '\n== %s\n' "$*"; }
record() { # $1 PASS|FAIL, $2 text
  SUMMARY+=("$1  $2")
  [ "$1" = PASS ] || FAILED=1
}

stop() { # $1 pid: TERM, then KILL after 5 s; only our own processes, by id
  local pid="$1" i
  [ -n "$pid" ] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null
  for i in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
}

finish() {
  local rc=$?
  stop "$FAC_PID"
  stop "$NODE_PID"
  echo
  echo "================ chain summary"
  printf '%s\n' "${SUMMARY[@]}"
  if [ "$FAILED" -ne 0 ] || [ "$rc" -ne 0 ]; then
    echo "chain: FAILED (logs: $RUN)"
    exit 1
  fi
  echo "chain: all passed"
  exit 0
}
trap finish EXIT
trap 'exit 130' INT TERM

fail() { record FAIL "$1"; exit 1; }

# The extra pytest arguments ($@ of this script), for the per-file counts below.
PYTEST_EXTRA="$*"

# pytest_count FILE LABEL: records LABEL with FILE's PASSED and FAILED/ERROR lines in the pytest step's log
# ($RUN/pytest.log); none of either is a gap when extra pytest arguments deselected them, else a failure.
pytest_count() {
  local file=$1 label=$2 pass fail
  pass="$(grep -cE "^${file//./\\.}::.* PASSED" "$RUN/pytest.log")"
  fail="$(grep -cE "^${file//./\\.}::.* (FAILED|ERROR)" "$RUN/pytest.log")"
  if [ "$pass" -eq 0 ] && [ "$fail" -eq 0 ] && [ -n "$PYTEST_EXTRA" ]; then
    SUMMARY+=("GAP   $label (pytest): deselected by the extra pytest arguments ($PYTEST_EXTRA)")
  elif [ "$pass" -gt 0 ] && [ "$fail" -eq 0 ]; then
    record PASS "$label (pytest $file): ${pass} passed"
  else
    record FAIL "$label (pytest $file): ${pass} passed, ${fail} failed (log: $RUN/pytest.log)"
  fi
}

# node_test DIR LOG LABEL [NAME=VALUE ...] -- FILE...: runs `node --test` on FILEs in the project DIR (one file at a
# time, with the NAME=VALUE environment), its output in $RUN/LOG.log, and records LABEL with node's pass/fail counts:
# PASS only when node exits 0 and something passed. Sets NODE_TEST_PASS for callers that add to the line.
node_test() {
  local dir=$1 log=$2 label=$3 rc fail_n
  shift 3
  local envs=()
  while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do envs+=("$1"); shift; done
  shift
  (cd "$dir" && env "${envs[@]}" timeout 600 node --test --test-concurrency=1 --test-reporter=spec "$@") 2>&1 \
    | tee "$RUN/$log.log"
  rc=${PIPESTATUS[0]}
  NODE_TEST_PASS="$(grep -E '^ℹ pass [0-9]+' "$RUN/$log.log" | awk '{print $3}')"
  fail_n="$(grep -E '^ℹ fail [0-9]+' "$RUN/$log.log" | awk '{print $3}')"
  if [ "$rc" -eq 0 ] && [ "${NODE_TEST_PASS:-0}" -gt 0 ]; then
    record PASS "$label: ${NODE_TEST_PASS} passed, ${fail_n:-0} failed"
  else
    record FAIL "$label: ${NODE_TEST_PASS:-0} passed, ${fail_n:-?} failed (exit $rc, log: $RUN/$log.log)"
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

wait_for() { # $1 what, $2 seconds, $3 pid, rest: command that succeeds when ready
  local what="$1" secs="$2" pid="$3" i
  shift 3
  for i in $(seq 1 $((secs * 5))); do
    "$@" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || { echo "$what exited early"; return 1; }
    sleep 0.2
  done
  echo "$what not ready after ${secs} s"
  return 1
}

# Both artifact paths may be relative to the caller's directory: resolve them before `cd`.
WHEEL="${PAY402_WHEEL:-}"
if [ -n "$WHEEL" ]; then WHEEL="$(realpath "$WHEEL")" || exit 1; fi
TGZ="${PAY402_NPM_TGZ:-}"
if [ -n "$TGZ" ]; then TGZ="$(realpath "$TGZ")" || { echo "PAY402_NPM_TGZ: no such file: $TGZ"; exit 1; }; fi
rm -rf "$RUN"
mkdir -p "$RUN"
cd "$HERE"

# --- installs -----------------------------------------------------------------------------------
need_node || fail "node and npm"
need_apt curl curl || fail "curl"
log "npm ci (pinned by package-lock.json)"
want_npm="$(cat package.json package-lock.json | sha256sum | cut -c1-64)"
if [[ ! -f node_modules/.pay402-lock || "$(cat node_modules/.pay402-lock)" != "$want_npm" ]]; then
  timeout 600 npm ci --no-audit --no-fund --loglevel=error || fail "npm ci"
  echo "$want_npm" >node_modules/.pay402-lock
fi
record PASS "npm packages: $(node -p 'const l=require("./package-lock.json").packages; ["hardhat","solc","viem","@x402/core","@x402/evm"].map(n=>n+"@"+l["node_modules/"+n].version).join(", ")')"

log "python venv with pytest and the pay402 wheel"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV" || fail "python venv"
fi
# the web pins are ffi-python/tests's (requirements-web.txt): every pinned line here must be one of its lines
drift="$(grep -vE '^\s*(#|$)' requirements.txt | grep -vxFf "$ROOT/ffi-python/tests/requirements-web.txt")"
[ -z "$drift" ] || { echo "not in ffi-python/tests/requirements-web.txt: $drift"; fail "requirements.txt pins"; }
timeout 600 "$VENV/bin/pip" install "${PIP_FLAGS[@]}" "pytest>=7,<10" "maturin>=1.9,<2" -r requirements.txt \
  || fail "pip install pytest maturin + requirements.txt"
if [ -z "$WHEEL" ]; then
  rm -rf "$ROOT/target/chain-wheel"
  (cd "$ROOT" && timeout 1200 "$VENV/bin/maturin" build --release -m ffi-python/Cargo.toml --out target/chain-wheel) \
    >"$RUN/wheel.log" 2>&1 || { tail -n 30 "$RUN/wheel.log"; fail "maturin build (ffi-python)"; }
  WHEEL="$(ls "$ROOT"/target/chain-wheel/pay402-*.whl | head -n1)"
fi
"$VENV/bin/pip" install "${PIP_FLAGS[@]}" --force-reinstall --no-deps "$WHEEL" || fail "install $WHEEL"
record PASS "pay402 wheel: $(basename "$WHEEL")"
record PASS "web test pins: $("$VENV/bin/python" -c 'import importlib.metadata as m; print(", ".join(n + "==" + m.version(n) for n in ("fastapi", "starlette", "uvicorn", "httpx", "flask", "werkzeug")))')"

# --- contract -----------------------------------------------------------------------------------
log "compile contracts/Eip3009Token.sol with npm solc"
timeout 120 node compile.mjs || fail "compile Eip3009Token.sol"
record PASS "compiled Eip3009Token.sol (solc-js)"

# --- node ---------------------------------------------------------------------------------------
RPC_PORT="$(free_port)"
export PAY402_CHAIN_RPC="http://127.0.0.1:$RPC_PORT"
log "hardhat node on $PAY402_CHAIN_RPC"
# the .bin entry is the node script itself: $! is the node process (npx would put npm in between)
node_modules/.bin/hardhat node --hostname 127.0.0.1 --port "$RPC_PORT" >"$RUN/node.log" 2>&1 &
NODE_PID=$!
rpc_ready() {
  curl -sf --max-time 2 -H 'content-type: application/json' \
    --data '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' "$PAY402_CHAIN_RPC" | grep -q '"0x7a69"'
}
wait_for "hardhat node" 60 "$NODE_PID" rpc_ready || { tail -n 20 "$RUN/node.log"; fail "hardhat node"; }
record PASS "hardhat node on $PAY402_CHAIN_RPC, chain id 31337 (pid $NODE_PID)"

log "deploy"
timeout 60 node deploy.mjs || fail "deploy Eip3009Token"
export PAY402_CHAIN_DEPLOYMENT="$HERE/build/deployment.json"
record PASS "deployed $(node -p 'require("./build/deployment.json").token')"

# --- on-chain proofs ----------------------------------------------------------------------------
log "on-chain proofs: real transactions' JSON-RPC results decided by the core (pay402-vectors)"
if timeout 120 node onchain-proof.mjs "$RUN/onchain-proof.local-chain.json" &&
  (cd "$ROOT" && cargo run -q -p pay402-vectors -- "$RUN/onchain-proof.local-chain.json") 2>&1 | tee "$RUN/onchain-proof.log"; then
  record PASS "on-chain proofs: $(tail -n 1 "$RUN/onchain-proof.log")"
else
  record FAIL "on-chain proofs (log: $RUN/onchain-proof.log)"
fi

# --- the README demo on the local chain -----------------------------------------------------------
# `cargo run --release --example demo` settles its x402 v2 payment on a local chain when one answers: its token's
# creation code (core/examples/demo/Eip3009Token.hex) must be what compile.mjs just built, and the run must end
# with the balances moved by exactly the price (the demo checks them and exits non-zero otherwise). Its WS402
# round settles the session's prepayment and pays the refund there too (balances moved by paid, then the refund).
log "the README demo, settling on the local chain"
if [ "$(tr -d '\n' <"$ROOT/core/examples/demo/Eip3009Token.hex")" != "$(node -p 'require("./build/Eip3009Token.json").bytecode.slice(2)')" ]; then
  record FAIL "core/examples/demo/Eip3009Token.hex differs from contracts/Eip3009Token.sol compiled by compile.mjs"
elif (cd "$ROOT" && PAY402_DEMO_RPC="$PAY402_CHAIN_RPC" timeout 600 cargo run -q --release --example demo) >"$RUN/demo.log" 2>&1 &&
  grep -q "  SETTLED ON THE LOCAL CHAIN" "$RUN/demo.log" &&
  grep -q "WS402 SETTLED AND REFUNDED ON THE LOCAL CHAIN" "$RUN/demo.log"; then
  record PASS "demo on the local chain: $(grep -m1 -o 'sent 0x[0-9a-f]*' "$RUN/demo.log"), balances moved by the price; WS402 $(grep -m1 -o 'by exactly paid ([0-9]*), then the refund ([0-9]*)' "$RUN/demo.log")"
else
  tail -n 20 "$RUN/demo.log"
  record FAIL "demo on the local chain (log: $RUN/demo.log)"
fi

# --- facilitator --------------------------------------------------------------------------------
FAC_PORT="$(free_port)"
export PAY402_FACILITATOR_URL="http://127.0.0.1:$FAC_PORT"
log "reference facilitator on $PAY402_FACILITATOR_URL"
PAY402_FACILITATOR_PORT="$FAC_PORT" node facilitator.mjs >"$RUN/facilitator.log" 2>&1 &
FAC_PID=$!
wait_for "facilitator" 30 "$FAC_PID" curl -sf --max-time 2 "$PAY402_FACILITATOR_URL/supported" \
  || { tail -n 20 "$RUN/facilitator.log"; fail "facilitator"; }
record PASS "reference facilitator (@x402/core x402Facilitator + @x402/evm ExactEvmScheme) on $PAY402_FACILITATOR_URL"

# --- Solana: the litesvm JSON-RPC server (tests/chain/svm) ---------------------------------------
# test_svm_settlement.py and test_payper402.py start svm/rpc.mjs themselves (svm/harness.py: a subprocess on a
# free 127.0.0.1 port, stopped by its pid); this installs its own pinned packages (svm/package-lock.json: litesvm
# 1.5.0, which ships a Linux x64 build, @solana/kit, @solana-program/token and /system) with `npm ci` and checks
# that it starts. litesvm names one optional package per platform; `npm ci` wants every one of them in the lock,
# but the registry we resolve from has only the Linux x64 one, so `npm install` cannot record the others: the lock
# carries them as hand-written entries (version, `optional`, os/cpu/libc; no tarball), which npm skips on Linux x64.
log "Solana: litesvm JSON-RPC server (npm ci in svm/, pinned by its package-lock.json)"
want_svm="$(cat svm/package.json svm/package-lock.json | sha256sum | cut -c1-64)"
if [[ ! -f svm/node_modules/.pay402-lock || "$(cat svm/node_modules/.pay402-lock)" != "$want_svm" ]]; then
  (cd svm && timeout 600 npm ci --no-audit --no-fund --loglevel=error) &&
    echo "$want_svm" >svm/node_modules/.pay402-lock
fi
svm_banner="$(cd svm && timeout 30 node -e '
const { spawn } = require("node:child_process");
const p = spawn(process.execPath, ["rpc.mjs", "0"], { stdio: ["ignore", "pipe", "inherit"] });
p.stdout.once("data", (d) => { console.log(String(d).trim()); p.kill(); });
p.on("exit", (c, s) => { if (s !== "SIGTERM") process.exit(1); });' 2>&1)"
if [[ "$svm_banner" == listening* ]]; then
  record PASS "litesvm RPC server starts ($(node -p 'const l=require("./svm/package-lock.json").packages; ["litesvm","@solana/kit","@solana-program/token"].map(n=>n+"@"+l["node_modules/"+n].version).join(", ")'))"
else
  echo "$svm_banner"
  record FAIL "litesvm RPC server (tests/chain/svm): npm install or node rpc.mjs failed; the Solana tests will fail"
fi
# PayPer402 in Node (svm/test-payper402.mjs): in a fresh project with only the packed pay402 tarball installed
# (PAY402_NPM_TGZ, else the one in target/npm/; when neither exists yet, the step is reported as a gap, not built here).
svm_tgz="${TGZ:-$(ls "$ROOT"/target/npm/pay402-*.tgz 2>/dev/null | head -n1)}"
if [ -n "$svm_tgz" ]; then
  SVMJS="$RUN/svm-js"
  mkdir -p "$SVMJS"
  if ( cd "$SVMJS" && npm init -y >/dev/null && timeout 300 npm install --no-audit --no-fund --loglevel=error "$svm_tgz" ) \
    >"$RUN/svm-js-install.log" 2>&1; then
    cp svm/test-payper402.mjs "$SVMJS/"
    node_test "$SVMJS" svm-js "PayPer402 in Node (litesvm)" PAY402_SVM_DIR="$HERE/svm" -- test-payper402.mjs
  else
    tail -n 20 "$RUN/svm-js-install.log"
    record FAIL "PayPer402 in Node: install $(basename "$svm_tgz")"
  fi
else
  SUMMARY+=("GAP   PayPer402 in Node skipped: no pay402 npm tarball yet (PAY402_NPM_TGZ or target/npm/)")
fi

# --- smart-wallet payers: the contracts ----------------------------------------------------------
# smart-wallet.mjs (contracts/SmartWallet.sol: an EIP-1271 wallet, its CREATE2 factory, an EIP-3009 token with the
# `bytes` overload) deploys before pytest: test_smart_wallet_settlement.py settles payments of wallets it makes through
# that factory; the wallets named in build/smart-wallet.json stay for chain_smart_wallet.rs (run at the end).
log "smart-wallet payers: deploy contracts/SmartWallet.sol (smart-wallet.mjs)"
if timeout 120 node smart-wallet.mjs >"$RUN/smart-wallet-deploy.log" 2>&1; then
  export PAY402_SMART_WALLET_DEPLOYMENT="$HERE/build/smart-wallet.json"
  record PASS "smart-wallet contracts: $(tail -n 1 "$RUN/smart-wallet-deploy.log")"
else
  tail -n 20 "$RUN/smart-wallet-deploy.log"
  record FAIL "deploy contracts/SmartWallet.sol (smart-wallet.mjs); the smart-wallet tests will fail"
fi

# --- tests --------------------------------------------------------------------------------------
log "pytest"
# test_facilitator.py needs Redis and runs in the facilitator block below, not here (it would only skip)
timeout 600 "$VENV/bin/python" -m pytest "$HERE" -v -p no:cacheprovider --ignore="$HERE/test_facilitator.py" --ignore="$HERE/test_facilitator_svm.py" "$@" 2>&1 | tee "$RUN/pytest.log"
rc=${PIPESTATUS[0]}
line="$(grep -E '^=+ .*(passed|failed|error).* in ' "$RUN/pytest.log" | tail -n1 | tr -d '=' | sed 's/^ *//;s/ *$//')"
if [ "$rc" -eq 0 ]; then record PASS "pytest: $line"; else record FAIL "pytest: ${line:-exit $rc}"; fi

# --- pay402 facilitator (pay402.facilitator_server) ----------------------------------------------
# A real Redis on 127.0.0.1 (tests/tools.sh start_redis), then test_facilitator.py (two `pay402 facilitator`
# subprocesses sharing that Redis; pay402's FacilitatorClient; the pytest step above skipped it for want of Redis),
# then reference-paid.mjs: @x402/express + @x402/fetch with one more `pay402 facilitator` as their facilitator.
# Everything started here is stopped here and, on any exit, by the EXIT trap below (which then runs finish).
OURFAC_PID=""
stop_facilitator_part() { stop "$OURFAC_PID"; OURFAC_PID=""; stop_redis; }
trap 'rc_=$?; stop_facilitator_part; (exit $rc_); finish' EXIT
log "pay402 facilitator: Redis, test_facilitator.py, then @x402/express + @x402/fetch paying through it"
if start_redis >"$RUN/redis.log" 2>&1; then
  record PASS "redis: $(cat "$RUN/redis.log")"
  export PAY402_FACILITATOR_REDIS_URL="redis://127.0.0.1:$PAY402_REDIS_PORT/0"
  timeout 600 "$VENV/bin/python" -m pytest "$HERE/test_facilitator.py" -v -p no:cacheprovider 2>&1 | tee "$RUN/pytest-facilitator.log"
  rc=${PIPESTATUS[0]}
  line="$(grep -E '^=+ .*(passed|failed|error).* in ' "$RUN/pytest-facilitator.log" | tail -n1 | tr -d '=' | sed 's/^ *//;s/ *$//')"
  if [ "$rc" -eq 0 ] && ! grep -q skipped <<<"$line"; then record PASS "pay402 facilitator pytest: $line"
  else record FAIL "pay402 facilitator pytest: ${line:-exit $rc}"; fi
  OURFAC_PORT="$(free_port)"
  OURFAC_KEY="run-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
  printf '%s\n' 'api_keys_env = ["OURFAC_API_KEY"]' 'redis_url_env = "OURFAC_REDIS_URL"' 'redis_prefix = "pay402:run-sh:"' \
    '[[networks]]' 'network = "eip155:31337"' "rpc_urls = [\"$PAY402_CHAIN_RPC\"]" 'signer_key_env = "OURFAC_SETTLER_KEY"' \
    >"$RUN/our-facilitator.toml"
  # Hardhat account #3 settles (a public test key; local node only)
  OURFAC_API_KEY="$OURFAC_KEY" OURFAC_REDIS_URL="$PAY402_FACILITATOR_REDIS_URL" \
    OURFAC_SETTLER_KEY=0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6 \
    "$VENV/bin/python" -m pay402.cli facilitator --config "$RUN/our-facilitator.toml" --port "$OURFAC_PORT" \
    >"$RUN/our-facilitator.out" 2>"$RUN/our-facilitator.log" &
  OURFAC_PID=$!
  if wait_for "pay402 facilitator" 30 "$OURFAC_PID" curl -sf --max-time 2 "http://127.0.0.1:$OURFAC_PORT/health"; then
    PAY402_OUR_FACILITATOR_URL="http://127.0.0.1:$OURFAC_PORT" PAY402_OUR_FACILITATOR_KEY="$OURFAC_KEY" \
      PAY402_OUR_FACILITATOR_SIGNER=0x90F79bf6EB2c4f870365E785982E1f101E93b906 \
      timeout 300 node reference-paid.mjs 2>&1 | tee "$RUN/reference-paid.log"
    rc=${PIPESTATUS[0]}
    line="$(grep -E '^reference-paid: ' "$RUN/reference-paid.log" | tail -n1)"
    if [ "$rc" -eq 0 ]; then record PASS "@x402/express + @x402/fetch through pay402 facilitator: ${line#reference-paid: }"
    else record FAIL "@x402/express + @x402/fetch through pay402 facilitator (exit $rc; log: $RUN/reference-paid.log)"; fi
  else
    tail -n 20 "$RUN/our-facilitator.log"
    record FAIL "start pay402 facilitator (log: $RUN/our-facilitator.log)"
  fi
  stop_facilitator_part
else
  cat "$RUN/redis.log"
  record FAIL "redis-server for the facilitator tests"
fi

# --- pay402 facilitator on Solana (test_facilitator_svm.py) --------------------------------------
# Two `pay402 facilitator` subprocesses with one solana: network settle on the litesvm JSON-RPC server (svm/rpc.mjs,
# started by the test itself) and share a real Redis on 127.0.0.1 (tests/tools.sh start_redis), stopped here and by
# the EXIT trap; the plain pytest step above skips this file for want of that Redis.
trap 'rc_=$?; stop_redis; (exit $rc_); finish' EXIT
log "pay402 facilitator on Solana: Redis, then test_facilitator_svm.py on litesvm"
if start_redis >"$RUN/redis-svm.log" 2>&1; then
  PAY402_FACILITATOR_REDIS_URL="redis://127.0.0.1:$PAY402_REDIS_PORT/0" \
    timeout 600 "$VENV/bin/python" -m pytest "$HERE/test_facilitator_svm.py" -v -p no:cacheprovider 2>&1 \
    | tee "$RUN/pytest-facilitator-svm.log"
  rc=${PIPESTATUS[0]}
  line="$(grep -E '^=+ .*(passed|failed|error).* in ' "$RUN/pytest-facilitator-svm.log" | tail -n1 | tr -d '=' | sed 's/^ *//;s/ *$//')"
  if [ "$rc" -eq 0 ] && ! grep -q skipped <<<"$line"; then record PASS "pay402 facilitator on Solana pytest: $line"
  else record FAIL "pay402 facilitator on Solana pytest: ${line:-exit $rc}"; fi
  stop_redis
else
  cat "$RUN/redis-svm.log"
  record FAIL "redis-server for the Solana facilitator tests"
fi

# --- Permit2 and upto ---------------------------------------------------------------------------
# deploy.mjs installed Permit2Lite (Permit2's SignatureTransfer) and the x402 exact/upto Permit2 proxies at their
# canonical addresses. The Python half, test_permit2_settlement.py (LocalEvmSettlement, a `pay402 facilitator`
# subprocess without Redis, the reference facilitator above), ran in the pytest step; its count is reported here. The
# JS half, test-js-permit2-settlement.mjs (pay402/settle's localSettlement; the reference facilitator), runs in a
# fresh project with only the packed pay402 tarball installed (PAY402_NPM_TGZ, else the one in target/npm/; when
# neither exists yet, a gap), the reference client's payments signed by permit2-sign.mjs here (@x402/evm).
log "Permit2 and upto: exact via Permit2 and upto settled on Permit2Lite and the x402 proxies"
pytest_count test_permit2_settlement.py "Permit2 and upto"
p2_tgz="${TGZ:-$(ls "$ROOT"/target/npm/pay402-*.tgz 2>/dev/null | head -n1)}"
if [ -n "$p2_tgz" ]; then
  P2JS="$RUN/permit2-js"
  mkdir -p "$P2JS"
  if ( cd "$P2JS" && npm init -y >/dev/null && timeout 300 npm install --no-audit --no-fund --loglevel=error "$p2_tgz" ) \
    >"$RUN/permit2-js-install.log" 2>&1; then
    cp chain-rpc.mjs test-js-permit2-settlement.mjs "$P2JS/"
    node_test "$P2JS" permit2-js "Permit2 and upto in Node (test-js-permit2-settlement.mjs)" PAY402_CHAIN_DIR="$HERE" \
      -- test-js-permit2-settlement.mjs
  else
    tail -n 20 "$RUN/permit2-js-install.log"
    record FAIL "Permit2 and upto in Node: install $(basename "$p2_tgz")"
  fi
else
  SUMMARY+=("GAP   Permit2 and upto in Node skipped: no pay402 npm tarball yet (PAY402_NPM_TGZ or target/npm/)")
fi

# --- refunds ---------------------------------------------------------------------------------------
# test_refund.py's two-process cases (LocalEvmSettlement.refund over a RedisPendingStore shared by two Python
# subprocesses; one killed after the record is stored) with a real Redis on 127.0.0.1 (tests/tools.sh start_redis),
# stopped here and by the EXIT trap; the plain pytest step above ran the other cases and skipped these. Then
# test-js-refund.mjs (localSettlement().refund) in a fresh project with the packed npm tarball, when there is one.
trap 'rc_=$?; stop_redis; (exit $rc_); finish' EXIT
log "refunds: Redis, test_refund.py across two processes, then test-js-refund.mjs"
if start_redis >"$RUN/redis-refund.log" 2>&1; then
  PAY402_REFUND_REDIS_URL="redis://127.0.0.1:$PAY402_REDIS_PORT/0" \
    timeout 600 "$VENV/bin/python" -m pytest "$HERE/test_refund.py" -v -p no:cacheprovider -k redis 2>&1 \
    | tee "$RUN/pytest-refund.log"
  rc=${PIPESTATUS[0]}
  line="$(grep -E '^=+ .*(passed|failed|error).* in ' "$RUN/pytest-refund.log" | tail -n1 | tr -d '=' | sed 's/^ *//;s/ *$//')"
  if [ "$rc" -eq 0 ] && ! grep -q skipped <<<"$line"; then record PASS "refunds across two processes (Redis) pytest: $line"
  else record FAIL "refunds across two processes (Redis) pytest: ${line:-exit $rc}"; fi
  stop_redis
else
  cat "$RUN/redis-refund.log"
  record FAIL "redis-server for the refund tests"
fi
REFUND_TGZ="${TGZ:-$(ls "$ROOT"/target/npm/pay402-*.tgz 2>/dev/null | head -n1)}"
if [ -n "$REFUND_TGZ" ]; then
  REFUNDJS="$RUN/js-refund"  # a fresh project with only the tarball installed
  mkdir -p "$REFUNDJS"
  ( cd "$REFUNDJS" && npm init -y >/dev/null && timeout 300 npm install --no-audit --no-fund --loglevel=error "$REFUND_TGZ" ) \
    >"$RUN/npm-install-refund.log" 2>&1 || { tail -n 20 "$RUN/npm-install-refund.log"; fail "install $(basename "$REFUND_TGZ")"; }
  cp "$HERE/chain-rpc.mjs" "$HERE/test-js-refund.mjs" "$REFUNDJS/"
  node_test "$REFUNDJS" js-refund "refunds through pay402/settle (test-js-refund.mjs)" -- test-js-refund.mjs
else
  SUMMARY+=("GAP   refunds in Node skipped: no pay402 npm tarball yet (PAY402_NPM_TGZ or target/npm/)")
fi

# --- WS402 in Node (pay402/ws402) -----------------------------------------------------------------
# test-js-ws402.mjs: the npm package's WS402 server on real sockets (ws 8, pinned in package.json) selling with
# `exact` EIP-3009 (settled first, the unused part refunded by localSettlement().refund) and `upto` through Permit2Lite
# (the consumed amount settled at the end), every amount read back from the chain; then test-js-ws402-seed.mjs: a client
# written for the original WS402 (the seed's Base clients: it pays on chain itself with viem, native ETH or an ERC-20
# transfer, and sends {txHash, reference, senderAddress}) against ws402Server's `chainProof`: the refunds to the
# transaction's payer, replay, underpayment, wrong payee, a pending transaction, and the README's seed example. In a
# fresh project with the packed pay402 tarball (PAY402_NPM_TGZ, else target/npm/; none yet: a gap) and this
# directory's `ws` and `viem` linked in; one file at a time (the seed file turns automine off for a while).
WS402_TGZ="${TGZ:-$(ls "$ROOT"/target/npm/pay402-*.tgz 2>/dev/null | head -n1)}"
log "WS402 in Node: pay402/ws402 sessions settled and refunded on the chain"
if [ -n "$WS402_TGZ" ]; then
  WS402JS="$RUN/js-ws402"
  mkdir -p "$WS402JS"
  if ( cd "$WS402JS" && npm init -y >/dev/null && timeout 300 npm install --no-audit --no-fund --loglevel=error "$WS402_TGZ" &&
       ln -sfn "$HERE/node_modules/ws" node_modules/ws && ln -sfn "$HERE/node_modules/viem" node_modules/viem &&
       node -e 'process.exit(typeof require("ws").WebSocketServer === "function" ? 0 : 1)' ) >"$RUN/js-ws402-install.log" 2>&1; then
    cp "$HERE/chain-rpc.mjs" "$HERE/ws402-time.mjs" "$HERE/test-js-ws402.mjs" "$HERE/test-js-ws402-seed.mjs" "$WS402JS/"
    node_test "$WS402JS" js-ws402 "WS402 in Node (test-js-ws402.mjs, test-js-ws402-seed.mjs)" \
      PAY402_JS_README="$ROOT/ffi-wasm/js/README.md" -- test-js-ws402.mjs test-js-ws402-seed.mjs
  else
    tail -n 20 "$RUN/js-ws402-install.log"
    record FAIL "WS402 in Node: install $(basename "$WS402_TGZ") and ws 8 (log: $RUN/js-ws402-install.log)"
  fi
else
  SUMMARY+=("GAP   WS402 in Node skipped: no pay402 npm tarball yet (PAY402_NPM_TGZ or target/npm/)")
fi

# --- WS402 in Python (test_ws402.py) -------------------------------------------------------------
# pay402.ws402.Ws402Endpoint on uvicorn, paid by a websockets client with X402Payer: exact EIP-3009 (the prepayment
# settled first, the unused part refunded by LocalEvmSettlement.refund) and upto through Permit2Lite (exactly the
# consumed amount settled at the end), each checked to the unit from Transfer logs and balanceOf. It ran in the
# pytest step above; its count is reported here.
log "WS402 in Python: exact + refund and upto, settled on the local chain"
pytest_count test_ws402.py "WS402 in Python"
# test_ws402_seed.py: a client written for the original WS402 (GET /ws402/schema/<id>, pays native ETH or an ERC-20
# transfer itself, sends {txHash, reference, senderAddress}) against Ws402Endpoint(chain_proof=ChainProof(...)); the
# refund of paid − consumed goes to the transaction's sender, a tx pays one session, short or misdirected payments are
# refused. It ran in the pytest step above too.
pytest_count test_ws402_seed.py "WS402 seed clients in Python"

# --- the paywall page in a browser (test-browser-paywall.mjs) -------------------------------------
# Debian's chromium (tests/tools.sh need_apt) driven by playwright-core (pinned by ffi-wasm/page's package-lock.json,
# `npm ci` there through need_npm_ci): a browser wallet (EIP-6963 + EIP-1193, Hardhat account #12 signing with viem in
# Node) pays the npm package's x402Middleware, settled by localSettlement on this node, keyboard only; then three
# refusals (wallet 4001, expired offer, unfunded account); then a Wallet-Standard wallet pays a Solana offer settled in
# litesvm (svm/rpc.mjs, installed above) by localSvmSettlement. In a fresh project with the packed pay402 tarball
# (PAY402_NPM_TGZ, else target/npm/; none yet: a gap), playwright-core and this directory's viem linked in.
# Screenshots: target/paywall-shots/chain/.
BROWSER_TGZ="${TGZ:-$(ls "$ROOT"/target/npm/pay402-*.tgz 2>/dev/null | head -n1)}"
log "the paywall page in chromium: a browser wallet pays x402Middleware on the chain"
if [ -n "$BROWSER_TGZ" ]; then
  BROWSERJS="$RUN/js-browser"
  mkdir -p "$BROWSERJS"
  if ( need_apt chromium chromium && need_npm_ci "$ROOT/ffi-wasm/page" &&
       cd "$BROWSERJS" && npm init -y >/dev/null && timeout 300 npm install --no-audit --no-fund --loglevel=error "$BROWSER_TGZ" &&
       ln -sfn "$ROOT/ffi-wasm/page/node_modules/playwright-core" node_modules/playwright-core &&
       ln -sfn "$HERE/node_modules/viem" node_modules/viem ) >"$RUN/js-browser-install.log" 2>&1; then
    cp "$HERE/chain-rpc.mjs" "$HERE/test-browser-paywall.mjs" "$BROWSERJS/"
    node_test "$BROWSERJS" js-browser "paywall page in chromium on the chain (test-browser-paywall.mjs; screenshots in target/paywall-shots/chain)" \
      PAY402_SVM_DIR="$HERE/svm" PAY402_SHOTS="$ROOT/target/paywall-shots/chain" -- test-browser-paywall.mjs
  else
    tail -n 20 "$RUN/js-browser-install.log"
    record FAIL "paywall page in chromium: install chromium, ffi-wasm/page's npm ci or $(basename "$BROWSER_TGZ") (log: $RUN/js-browser-install.log)"
  fi
else
  SUMMARY+=("GAP   paywall page in chromium skipped: no pay402 npm tarball yet (PAY402_NPM_TGZ or target/npm/)")
fi

# --- the npm package's middleware ---------------------------------------------------------------
# The packed pay402 npm tarball: PAY402_NPM_TGZ, else the one ffi-wasm/tests/run.sh leaves in target/npm/, else built
# here (ffi-wasm/build.sh + npm pack, after installing what the build needs: tests/tools.sh need_npm_build).
log "pay402 npm package (x402Middleware) against the chain"
if [ -z "$TGZ" ]; then TGZ="$(ls "$ROOT"/target/npm/pay402-*.tgz 2>/dev/null | head -n1)"; fi
if [ -z "$TGZ" ]; then
  # `&&` throughout: `set -e` does not apply inside a `( … ) || …` list
  ( need_npm_build &&
    timeout 1200 "$ROOT/ffi-wasm/build.sh" "$ROOT/target/npm/pay402" &&
    cd "$ROOT/target/npm/pay402" && timeout 120 npm pack --silent --pack-destination "$ROOT/target/npm"
  ) >"$RUN/npm-build.log" 2>&1 || { tail -n 30 "$RUN/npm-build.log"; fail "build the pay402 npm package"; }
  TGZ="$(ls "$ROOT"/target/npm/pay402-*.tgz | head -n1)"
fi
JSPROJ="$RUN/js"  # a fresh project with only the tarball installed, as a user would
mkdir -p "$JSPROJ"
( cd "$JSPROJ" && npm init -y >/dev/null && timeout 300 npm install --no-audit --no-fund --loglevel=error "$TGZ" ) \
  >"$RUN/npm-install.log" 2>&1 || { tail -n 20 "$RUN/npm-install.log"; fail "install $(basename "$TGZ")"; }
cp "$HERE/chain-rpc.mjs" "$HERE/test-js-middleware.mjs" "$HERE/test-js-local-settlement.mjs" "$HERE/test-js-svm-settlement.mjs" "$JSPROJ/"
record PASS "pay402 npm package: $(basename "$TGZ") ($(node -p "require('$JSPROJ/node_modules/pay402/package.json').version"))"
# one file at a time: test-js-local-settlement.mjs turns automine off for a while (its receipt timeout)
# (test-js-svm-settlement.mjs starts its own litesvm RPC server from svm/, installed above)
(cd "$JSPROJ" && PAY402_JS_README="$ROOT/ffi-wasm/js/README.md" PAY402_SVM_DIR="$HERE/svm" timeout 300 node --test --test-concurrency=1 --test-reporter=spec \
  test-js-middleware.mjs test-js-local-settlement.mjs test-js-svm-settlement.mjs) 2>&1 | tee "$RUN/js.log"
rc=${PIPESTATUS[0]}
js_count() { grep -E "^ℹ $1 [0-9]+" "$RUN/js.log" | tail -n1 | awk '{print $3}'; }
line="node --test: $(js_count pass) passed, $(js_count fail) failed, $(js_count todo) todo"
if [ "$rc" -eq 0 ] && [ "$(js_count pass)" -gt 0 ] 2>/dev/null; then record PASS "$line"; else record FAIL "${line} (exit $rc)"; fi
if [ "$(js_count todo)" != 0 ]; then
  SUMMARY+=("GAP   $(js_count todo) todo tests (see the README)")
fi

# --- smart-wallet payers (pay402-host's verify_with_rpc over JSON-RPC; the npm package settles them) ---------
# The contracts were deployed before pytest (the smart-wallet block above).
log "smart-wallet payers: EIP-1271 wallet and counterfactual ERC-6492 wallet (cargo test chain_smart_wallet)"
if [ -n "${PAY402_SMART_WALLET_DEPLOYMENT:-}" ]; then
  (cd "$ROOT" && timeout 1800 cargo test -p pay402-host --test chain_smart_wallet -- --ignored) 2>&1 \
    | tee "$RUN/smart-wallet.log"
  rc=${PIPESTATUS[0]}
  line="$(grep -E '^test result:' "$RUN/smart-wallet.log" | tail -n1)"
  if [ "$rc" -eq 0 ]; then record PASS "smart wallets: ${line}"; else record FAIL "smart wallets: ${line:-exit $rc}"; fi
  # pay402/settle's localSettlement settles them (the JS twin of test_smart_wallet_settlement.py), in the fresh
  # project of the npm block above, where the packed tarball is installed
  cp "$HERE/test-js-smart-wallet-settlement.mjs" "$JSPROJ/"
  (cd "$JSPROJ" && timeout 300 node --test --test-reporter=spec test-js-smart-wallet-settlement.mjs) 2>&1 \
    | tee "$RUN/js-smart-wallet.log"
  rc=${PIPESTATUS[0]}
  sw_pass="$(grep -E '^ℹ pass [0-9]+' "$RUN/js-smart-wallet.log" | awk '{print $3}')"
  sw_fail="$(grep -E '^ℹ fail [0-9]+' "$RUN/js-smart-wallet.log" | awk '{print $3}')"
  if [ "$rc" -eq 0 ] && [ "${sw_pass:-0}" -gt 0 ]; then
    record PASS "smart wallets pay through pay402/settle (node --test): ${sw_pass} passed, ${sw_fail:-0} failed"
  else
    record FAIL "smart wallets pay through pay402/settle (node --test): ${sw_pass:-0} passed, ${sw_fail:-?} failed (exit $rc)"
  fi
else
  record FAIL "smart wallets: contracts/SmartWallet.sol was not deployed (see the smart-wallet block above)"
fi
