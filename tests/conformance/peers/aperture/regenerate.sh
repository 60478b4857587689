#!/usr/bin/env bash
# Regenerates tests/conformance/vectors/l402-*.json into a temporary directory and diffs them against
# tests/conformance/vectors/. Exits non-zero (naming the file) when a generated file differs or is missing.
# Same contract as the other tests/conformance/peers/*/regenerate.sh scripts, plus two live checks:
#   - aperture → pay402: tokens minted by aperture's own mint.MintL402 (random token ids) are
#     verified by the pay402 runner with aperture's verdicts;
#   - pay402 → aperture: credentials minted by pay402 (tests/conformance/runner/src/bin/l402_aperture_tokens.rs)
#     are parsed and verified by aperture's l402.FromHeader + mint.VerifyL402, which must give
#     pay402's verdicts.
# Needs go (aperture v0.3.8-beta and its deps come from the Go module proxy, pinned by go.sum),
# python3 and cargo.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/../../../tools.sh" # need_* installers
need_apt go golang-go
root="$(cd "$here/../../../.." && pwd)"
vectors="$root/tests/conformance/vectors"
cd "$here"

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
go build -mod=readonly -o "$out/aperture-peer" .

"$out/aperture-peer" gen "$out"
python3 spec/l402_spec_vectors.py "$out"

status=0
for f in "$out"/*.json; do
  name="$(basename "$f")"
  if [[ ! -f "$vectors/$name" ]]; then
    echo "MISSING tests/conformance/vectors/$name (generated but not committed)"; status=1
  elif ! cmp -s "$f" "$vectors/$name"; then
    echo "DIFFERS tests/conformance/vectors/$name"; diff -u "$vectors/$name" "$f" | head -20 || true; status=1
  fi
done

mkdir -p "$out/live"
"$out/aperture-peer" live "$out/live/l402-aperture-live.json"
(cd "$root" && cargo run -q --release -p pay402-vectors --bin pay402-vectors -- "$out/live/l402-aperture-live.json") ||
  { echo "FAIL aperture → pay402: pay402 disagrees with aperture on MintL402 tokens"; status=1; }

(cd "$root" && cargo run -q --release -p pay402-vectors --bin l402_aperture_tokens) > "$out/live/pay402-tokens.json"
"$out/aperture-peer" check "$out/live/pay402-tokens.json" ||
  { echo "FAIL pay402 → aperture: aperture disagrees with pay402 on pay402-minted credentials"; status=1; }

if [[ $status -eq 0 ]]; then echo "all l402 vector files reproduce byte for byte; aperture and pay402 agree both ways"; fi
exit $status
