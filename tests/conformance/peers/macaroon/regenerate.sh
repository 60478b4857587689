#!/usr/bin/env bash
# Regenerates tests/conformance/vectors/macaroon-*.json into a temporary directory and diffs them against
# tests/conformance/vectors/. Exits non-zero (naming the file) when a generated file differs or is missing.
# Same contract as tests/conformance/peers/regenerate.sh: needs node/npm and python3, installs the pinned
# peers locally (tests/conformance/peers/macaroon/node_modules, tests/conformance/peers/macaroon/.venv) and skips the
# installs when they already match the lock files.
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

want_py="$(sha requirements.txt)"
if [[ ! -x .venv/bin/python || ! -f .venv/.pay402-lock || "$(cat .venv/.pay402-lock)" != "$want_py" ]]; then
  rm -rf .venv
  python3 -m venv .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
  echo "$want_py" > .venv/.pay402-lock
fi

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
node gen/js_macaroon.mjs "$out"
.venv/bin/python gen/pymacaroons_gen.py "$out"
.venv/bin/python gen/pymacaroons_l402.py "$out"
python3 spec/macaroon_published_vectors.py "$out"

status=0
for f in "$out"/*.json; do
  name="$(basename "$f")"
  if [[ ! -f "$vectors/$name" ]]; then
    echo "MISSING tests/conformance/vectors/$name (generated but not committed)"; status=1
  elif ! cmp -s "$f" "$vectors/$name"; then
    echo "DIFFERS tests/conformance/vectors/$name"; diff -u "$vectors/$name" "$f" | head -20 || true; status=1
  fi
done
if [[ $status -eq 0 ]]; then echo "all macaroon vector files reproduce byte for byte"; fi
exit $status
