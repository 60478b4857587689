#!/usr/bin/env bash
# pay402 vs peer libraries, same inputs, same method, back to back; writes tests/bench/REPORT.md.
#
#   tests/bench/run.sh                       # 3 rounds; per measurement 1 s warm-up, 31 samples of ~20 ms
#   ROUNDS=5 SAMPLES=51 SAMPLE_MS=50 WARMUP_MS=2000 tests/bench/run.sh
#   NO_CALLGRIND=1 tests/bench/run.sh        # skip the instruction counts (valgrind, installed through tests/tools.sh)
#   CALLGRIND_ONLY=1 tests/bench/run.sh      # only the instruction counts and the server-admission
#                                            # section they decide (no peers, no timing rounds)
#
# A report, not a test: it never fails because of a number, only when a peer or the build
# breaks or a peer's result is wrong (every script checks its answer before timing).
# Needs cargo, node/npm and python3. Peers come from the pinned installs of tests/conformance/peers (made by
# their regenerate.sh scripts when missing); coincurve comes from tests/bench/requirements.txt.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
ROUNDS=${ROUNDS:-3}
SAMPLES=${SAMPLES:-31}
SAMPLE_MS=${SAMPLE_MS:-20}
WARMUP_MS=${WARMUP_MS:-1000}
. "$root/tests/tools.sh"

out="$root/target/bench/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
timing="$here/rust/target/release/pay402-bench-timing"

# --- instruction counts: immune to machine load, so they decide the verify/recover ratio
callgrind() {
  need_apt valgrind valgrind >&2
  cargo build --release --quiet --manifest-path "$here/rust/Cargo.toml"
  echo "--- callgrind instruction counts" >&2
  for op in evm.recover x402.verify_header.v1 x402.verify_header.v2 x402.decode_header.v2 \
      x402.server_admit.v2 x402.server_admit.v2.respaced; do
    for n in 1 11; do
      valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.$op.$n" "$timing" --repeat "$op" "$n" 2>&1 |
        sed -n 's/.*refs: *\([0-9,]*\).*/\1/p' | tr -d , |
        xargs printf '{"event":"callgrind","op":"%s","repeat":%d,"instructions":%d}\n' "$op" "$n"
    done
  done | tee "$out/callgrind.jsonl" >&2
}
if [[ -n "${CALLGRIND_ONLY:-}" ]]; then
  callgrind
  python3 "$here/admission.py" "$out" "$here/REPORT.md"
  exit 0
fi

need_node

sha() { sha256sum "$@" | sha256sum | cut -c1-64; }
peers="$root/tests/conformance/peers"

# --- installs (skipped when they already match their lock files)
if [[ ! -f "$peers/node_modules/.pay402-lock" || ! -f "$peers/.venv/.pay402-lock" ]]; then
  bash "$peers/regenerate.sh"
fi
if [[ ! -f "$peers/macaroon/node_modules/.pay402-lock" || ! -f "$peers/macaroon/.venv/.pay402-lock" ]]; then
  bash "$peers/macaroon/regenerate.sh"
fi
if [[ ! -f "$peers/bolt11/node_modules/.pay402-lock" ]]; then
  bash "$peers/bolt11/regenerate.sh"
fi
want_py="$(sha "$here/requirements.txt")"
if [[ ! -x "$here/.venv/bin/python" || ! -f "$here/.venv/.pay402-lock" || "$(cat "$here/.venv/.pay402-lock")" != "$want_py" ]]; then
  rm -rf "$here/.venv"
  python3 -m venv "$here/.venv"
  "$here/.venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  echo "$want_py" > "$here/.venv/.pay402-lock"
fi

# --- the Rust timing binary (pay402 + libsecp256k1), release profile with LTO
cargo build --release --quiet --manifest-path "$here/rust/Cargo.toml"

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

for round in $(seq 1 "$ROUNDS"); do
  echo "--- round $round/$ROUNDS (load $(loadavg))" >&2
  {
    printf '{"round":%d,"event":"start","loadavg":"%s","date":"%s"}\n' "$round" "$(loadavg)" "$(date -u +%FT%TZ)"
    "$timing" --samples "$SAMPLES" --sample-ms "$SAMPLE_MS" --warmup-ms "$WARMUP_MS"
    node "$here/peers.mjs" "$SAMPLES" "$SAMPLE_MS" "$WARMUP_MS"
    "$peers/.venv/bin/python" "$here/peers.py" eth-account "$SAMPLES" "$SAMPLE_MS" "$WARMUP_MS"
    "$here/.venv/bin/python" "$here/peers.py" eth-account "$SAMPLES" "$SAMPLE_MS" "$WARMUP_MS"
    "$here/.venv/bin/python" "$here/peers.py" coincurve "$SAMPLES" "$SAMPLE_MS" "$WARMUP_MS"
    "$peers/macaroon/.venv/bin/python" "$here/peers.py" pymacaroons "$SAMPLES" "$SAMPLE_MS" "$WARMUP_MS"
    printf '{"round":%d,"event":"end","loadavg":"%s","date":"%s"}\n' "$round" "$(loadavg)" "$(date -u +%FT%TZ)"
  } | tee "$out/round-$round.jsonl" >&2
done

if [[ -z "${NO_CALLGRIND:-}" ]]; then
  callgrind
fi

cp "$here/REPORT.md" "$out/REPORT.before.md" 2>/dev/null || true
python3 "$here/report.py" "$out" "$here/REPORT.md" \
  "ROUNDS=$ROUNDS SAMPLES=$SAMPLES SAMPLE_MS=$SAMPLE_MS WARMUP_MS=$WARMUP_MS tests/bench/run.sh"
if [[ -f "$out/callgrind.jsonl" ]]; then
  python3 "$here/admission.py" "$out" "$here/REPORT.md"
fi

# --- sections measured by the test scripts: ffi-wasm/tests/run.sh (npm size and speed) and
# ffi-uniffi/run.sh (mobile library size) write them under target/reports/ and never touch the
# committed REPORT.md; this script alone copies them in (run those scripts first to refresh them).
# Marked sections that report.py does not write (npm, uniffi, python-bench) are kept as they were.
python3 - "$here/REPORT.md" "$root/target/reports" "$out/REPORT.before.md" <<'PY'
import re, sys
from pathlib import Path
report, reports, before = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
text = report.read_text(encoding="utf-8")
marked = re.compile(r"<!-- ([\w-]+):begin[^>]*-->.*?<!-- \1:end -->", re.S)
if before.exists():
    for m in marked.finditer(before.read_text(encoding="utf-8")):
        if f"<!-- {m.group(1)}:begin" not in text:
            text = text.rstrip("\n") + "\n\n" + m.group(0) + "\n"
parts = sorted(reports.glob("*.md")) if reports.is_dir() else []
if not parts:
    print(f"no reports in {reports}: the npm and uniffi sections of REPORT.md are unchanged")
for part in parts:
    section = part.read_text(encoding="utf-8").strip()
    m = re.match(r"<!-- ([\w-]+):begin[^>]*-->", section)
    if not m:
        print(f"{part}: no <!-- name:begin --> marker, not copied")
        continue
    name = re.escape(m.group(1))
    old = re.compile(rf"<!-- {name}:begin[^>]*-->.*?<!-- {name}:end -->", re.S)
    if old.search(text):
        text = old.sub(lambda _: section, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    print(f"REPORT.md: section {m.group(1)} from {part}")
report.write_text(text, encoding="utf-8")
PY
