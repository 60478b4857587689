#!/usr/bin/env bash
# Regenerates tests/conformance/vectors/x402-verify-svm.peers.json and onchain-proof-svm.peers.json into a temporary directory with the pinned
# Solana peers (@solana/kit, @solana-program/*, @solana/web3.js, tweetnacl) and diffs it against
# the committed file. Exits non-zero naming any file that differs or is missing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/../../../tools.sh" # need_* installers
need_node
vectors="$(cd "$here/../../vectors" && pwd)"
cd "$here"
want="$(sha256sum package.json package-lock.json | sha256sum | cut -c1-64)"
if [[ ! -f node_modules/.pay402-lock || "$(cat node_modules/.pay402-lock)" != "$want" ]]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > node_modules/.pay402-lock
fi
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
node gen.mjs "$out"
node onchain-proof.mjs "$out"
node gen-cosign.mjs "$out"
status=0
for f in "$out"/*.json; do
  name="$(basename "$f")"
  if [[ ! -f "$vectors/$name" ]]; then
    echo "MISSING tests/conformance/vectors/$name (generated but not committed)"; status=1
  elif ! cmp -s "$f" "$vectors/$name"; then
    echo "DIFFERS tests/conformance/vectors/$name"; diff -u "$vectors/$name" "$f" | head -20 || true; status=1
  fi
done
if [[ $status -eq 0 ]]; then echo "Solana peer vectors reproduce byte for byte"; fi
exit $status
