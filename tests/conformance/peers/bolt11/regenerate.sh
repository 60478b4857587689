#!/usr/bin/env bash
# Regenerates tests/conformance/vectors/bolt11-spec.json and bolt11-peers.json into a temporary directory and
# diffs them against tests/conformance/vectors/. Exits non-zero (naming the file) when a file differs or is
# missing. Same contract as tests/conformance/peers/regenerate.sh: needs only node/npm; installs the pinned
# peers locally (tests/conformance/peers/bolt11/node_modules) and skips the install when it matches the lock.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/../../../tools.sh" # need_* installers
need_node
vectors="$(cd "$here/../../vectors" && pwd)"
cd "$here"

sha() { sha256sum "$@" | sha256sum | cut -c1-64; }
want_npm="$(sha package.json package-lock.json)"
if [[ ! -f node_modules/.pay402-lock || "$(cat node_modules/.pay402-lock)" != "$want_npm" ]]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want_npm" > node_modules/.pay402-lock
fi

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
node gen.mjs "$out"

status=0
for f in "$out"/*.json; do
  name="$(basename "$f")"
  if [[ ! -f "$vectors/$name" ]]; then
    echo "MISSING tests/conformance/vectors/$name (generated but not committed)"; status=1
  elif ! cmp -s "$f" "$vectors/$name"; then
    echo "DIFFERS tests/conformance/vectors/$name"; diff -u "$vectors/$name" "$f" | head -20 || true; status=1
  fi
done
if [[ $status -eq 0 ]]; then echo "bolt11 peer vector files reproduce byte for byte"; fi
exit $status
