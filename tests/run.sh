#!/usr/bin/env bash
# pay402's test command. Runs every check and ends with a summary; exits non-zero when any step
# fails. Each step installs what it needs itself (tests/tools.sh), so every step also passes on a
# bare machine and in any order; tests/fresh-machine.sh proves it in a clone where nothing an
# earlier run installed is visible. Each step runs in a subshell with `set -e`: any failing
# command fails its step.
#
#   tests/run.sh                 # everything
#   FUZZ_SECONDS=60 tests/run.sh # longer fuzz smoke per target (default 10 s)
#   SKIP_PEERS=1 tests/run.sh    # do not reinstall peers and regenerate their vectors (offline dev loop)
#   ONLY="install vectors" tests/run.sh  # only the steps with these ids (the words after `step`)
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
FUZZ_SECONDS=${FUZZ_SECONDS:-10}
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
. "$ROOT/tests/tools.sh"
LOG_DIR="$ROOT/target/test-logs"
mkdir -p "$LOG_DIR"

declare -a SUMMARY=()
PASSED=0
FAILED=0

# step ID NAME COMMAND...: runs one check, records PASS/FAIL and its duration (all steps, or those
# whose ID is in $ONLY).
step() {
  local id=$1 name=$2
  shift 2
  if [ -n "${ONLY:-}" ] && [[ " $ONLY " != *" $id "* ]]; then return 0; fi
  local start=$SECONDS
  echo
  echo "================ $name"
  # A plain statement, not `if "$@"` or `(…) || …`: bash ignores `set -e` in a condition or list.
  (
    set -euo pipefail
    "$@"
  )
  local rc=$?
  if [ "$rc" -eq 0 ]; then
    SUMMARY+=("PASS  $name ($((SECONDS - start)) s)")
    PASSED=$((PASSED + 1))
  else
    SUMMARY+=("FAIL  $name ($((SECONDS - start)) s)")
    FAILED=$((FAILED + 1))
  fi
}

# ---------------------------------------------------------------- installs
install_rust_parts() {
  need_rust_components
  need_rust_target thumbv7em-none-eabihf
  need_rust_target wasm32-unknown-unknown
  need_cargo_fuzz
}

# ---------------------------------------------------------------- checks
fmt_check() {
  need_rust_components
  cargo fmt --all -- --check
  (cd fuzz && cargo fmt -- --check)
  (cd tests/canary && cargo fmt -- --check)
}

clippy_check() {
  need_rust_components
  cargo clippy --workspace --all-targets -- -D warnings
  (cd fuzz && cargo clippy --all-targets -- -D warnings)
}

unit_tests() {
  cargo test --workspace 2>&1 | tee "$LOG_DIR/cargo-test.log" # pipefail: cargo's status
}

vector_runner() {
  cargo run -q --release -p pay402-vectors -- tests/conformance/vectors/*.json
}

peer_vectors() {
  if [ -n "${SKIP_PEERS:-}" ]; then
    echo "SKIP_PEERS set: peer regeneration not run"
    return 0
  fi
  # each regenerate.sh installs its own pinned npm and Python peers
  need_node
  need_apt go golang-go # the aperture peer
  local status=0 script
  bash tests/conformance/peers/regenerate.sh || status=1
  # Each protocol's peers live in a directory of their own with the same contract.
  for script in tests/conformance/peers/*/regenerate.sh; do
    echo "--- $script"
    bash "$script" || status=1
  done
  return $status
}

demo() {
  timeout 300 cargo run -q --release --example demo
}

no_alloc_canary() {
  need_rust_target thumbv7em-none-eabihf
  (cd tests/canary && cargo build --release --target thumbv7em-none-eabihf)
  ls -l tests/canary/target/thumbv7em-none-eabihf/release/libpay402_canary.a
  # Negative control: the same crate plus one allocation must fail to link, or the canary proves nothing.
  if (cd tests/canary && cargo build --release --target thumbv7em-none-eabihf --features negative-control) \
    >"$LOG_DIR/canary-negative.log" 2>&1; then
    echo "negative control linked although it allocates: the canary is broken"
    return 1
  fi
  grep -q "no global memory allocator found" "$LOG_DIR/canary-negative.log" ||
    { echo "negative control failed for another reason:"; tail -20 "$LOG_DIR/canary-negative.log"; return 1; }
  echo "negative control: an allocation fails to link, as it must"
}

fuzz_smoke() {
  need_cargo_fuzz
  need_apt c++ g++ # libfuzzer-sys compiles libFuzzer
  local targets t
  targets=$(cd fuzz && cargo fuzz list) || return 1
  [ -n "$targets" ] || { echo "no fuzz targets"; return 1; }
  (cd fuzz && cargo fuzz build -s none -O) || return 1
  for t in $targets; do
    echo "--- fuzz $t (${FUZZ_SECONDS}s)"
    mkdir -p "fuzz/corpus/$t"
    local dirs=("corpus/$t")
    if [ -d "fuzz/seeds/$t" ]; then dirs+=("seeds/$t"); fi
    (cd fuzz && cargo fuzz run -s none -O "$t" "${dirs[@]}" -- \
      -max_total_time="$FUZZ_SECONDS" -max_len=4096 2>&1 | tee "$LOG_DIR/fuzz-$t.log" | grep -E '^(Done|==|SUMMARY|INFO: Seed)' ) || return 1
    grep -q '^Done' "$LOG_DIR/fuzz-$t.log" || return 1
  done
}

python_package() {
  bash ffi-python/tests/run.sh
}

chain_settlement() {
  # Reuse the wheel the Python step and the npm tarball the npm step just built, so the chain
  # tests run the same artifacts; tests/chain/run.sh builds either when it is missing.
  local wheel tgz
  wheel=$(ls "$ROOT"/target/py-build/wheels/pay402-*-cp39-abi3-*.whl 2>/dev/null | head -n 1 || true)
  tgz=$(ls "$ROOT"/target/npm/pay402-*.tgz 2>/dev/null | head -n 1 || true)
  PAY402_WHEEL="$wheel" PAY402_NPM_TGZ="$tgz" bash tests/chain/run.sh
}

# The declared rust-version (workspace Cargo.toml) builds the core, for the host and bare metal, and
# checks every workspace crate.
msrv_build() {
  need_rust_target thumbv7em-none-eabihf "$PAY402_MSRV"
  echo "rust-version $PAY402_MSRV: $(cargo "+$PAY402_MSRV" --version)"
  cargo "+$PAY402_MSRV" build -p pay402
  cargo "+$PAY402_MSRV" build -p pay402 --target thumbv7em-none-eabihf
  cargo "+$PAY402_MSRV" check --workspace # the libraries; dev targets (benches, demo) are not held to it
}

doc_tests() {
  RUSTDOCFLAGS="-D warnings" cargo doc -p pay402 --no-deps -q
  # every feature alone too: a doc link into a module another feature gates is a broken link there
  local feature
  for feature in evm svm x402 l402 ws402 offers dialects; do
    echo "--- rustdoc --no-default-features --features $feature"
    RUSTDOCFLAGS="-D warnings" cargo doc -p pay402 --no-deps -q --no-default-features --features "$feature"
  done
}

step install "install rust components, targets and cargo-fuzz" install_rust_parts
step fmt "cargo fmt --check" fmt_check
step clippy "cargo clippy -D warnings" clippy_check
step test "cargo test (unit, integration, doctests, bad-input catalogue)" unit_tests
step doc "rustdoc -D warnings" doc_tests
step vectors "conformance runner over tests/conformance/vectors" vector_runner
step peers "peers regenerate the vectors identically (viem, eth-account, @x402, js-macaroon, pymacaroons, aperture, bolt11, ws402)" peer_vectors
step msrv "MSRV: the core and every workspace crate build with the declared rust-version" msrv_build
step demo "demo: 402 round trips over localhost HTTP" demo
step no_std "core builds per feature for thumbv7em-none-eabihf and wasm32 without alloc/std (tests/no_std.sh)" bash tests/no_std.sh
step canary "no-allocator canary links for thumbv7em-none-eabihf" no_alloc_canary
step python "python wheel (abi3): every vector on each CPython, stubtest, source install" python_package
step npm "npm package (wasm): require/import/web, every vector in Node and Chromium, @x402 interop, size report" bash ffi-wasm/tests/run.sh
step chain "chain: x402 settlement on a local Hardhat node (reference facilitator, direct transferWithAuthorization, reverts)" chain_settlement
step uniffi "uniffi: Kotlin (mvn test, every vector) and generated Swift checked" bash ffi-uniffi/run.sh
step bench "benches compile (timing is measured by tests/bench/run.sh, never here)" cargo bench --no-run -p pay402
step fuzz "fuzz smoke (${FUZZ_SECONDS}s per target)" fuzz_smoke

echo
echo "================ summary"
printf '%s\n' "${SUMMARY[@]}"
echo "steps: $PASSED passed, $FAILED failed"
[ $((PASSED + FAILED)) -gt 0 ] || { echo "no step matched ONLY=\"${ONLY:-}\""; exit 1; }
[ "$FAILED" -eq 0 ]
