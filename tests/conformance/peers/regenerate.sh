#!/usr/bin/env bash
# Regenerates every peer vector file into a temporary directory and diffs it against tests/conformance/vectors/.
# Exits non-zero (naming the file) when any generated file differs or is missing.
# Needs only node/npm and python3; installs the pinned peers locally (tests/conformance/peers/node_modules,
# tests/conformance/peers/.venv) and skips the installs when they already match the lock files.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/../../tools.sh" # need_* installers
need_node
vectors="$(cd "$here/../vectors" && pwd)"
cd "$here"

sha() { sha256sum "$@" | sha256sum | cut -c1-64; }

# --- npm peers (exact versions from package-lock.json) ---
want_npm="$(sha package.json package-lock.json)"
if [[ ! -f node_modules/.pay402-lock || "$(cat node_modules/.pay402-lock)" != "$want_npm" ]]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want_npm" > node_modules/.pay402-lock
fi

# --- Python peers (requirements.txt pins every package) ---
want_py="$(sha requirements.txt)"
if [[ ! -x .venv/bin/python || ! -f .venv/.pay402-lock || "$(cat .venv/.pay402-lock)" != "$want_py" ]]; then
  rm -rf .venv
  python3 -m venv .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
  echo "$want_py" > .venv/.pay402-lock
fi

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
node gen/evm-viem.mjs "$out"
node gen/x402-verify.mjs "$out" > "$out/.x402-verify.log" || { cat "$out/.x402-verify.log"; exit 1; }
node gen/x402-codec.mjs "$out"
node gen/x402-sign.mjs "$out"
node gen/permit2.mjs "$out" > "$out/.permit2.log" || { cat "$out/.permit2.log"; exit 1; }
node gen/x402-client-pay.mjs "$out" > "$out/.client-pay.log" || { cat "$out/.client-pay.log"; exit 1; }
node gen/x402-paid-response.mjs "$out"
node gen/evm-tx.mjs "$out"
node gen/onchain-proof-evm.mjs "$out"
node gen/x402-settle-calldata.mjs "$out" # reads the committed x402-verify*.peers.json
node gen/evm-signature-route.mjs "$out"
node gen/evm-erc20.mjs "$out"
.venv/bin/python gen/evm_eth_account.py "$out"
.venv/bin/python gen/evm_tx_eth_account.py "$out"
python3 spec/x402_spec_vectors.py "$out"
python3 gen/refund_order.py "$out"
python3 gen/settle_terms.py "$out" # reads the committed x402-settle-calldata.viem.json
python3 gen/server_admit.py "$out" # reads the committed peer files above, writes server-admit.json

status=0
for f in "$out"/*.json; do
  name="$(basename "$f")"
  if [[ ! -f "$vectors/$name" ]]; then
    echo "MISSING tests/conformance/vectors/$name (generated but not committed)"; status=1
  elif ! cmp -s "$f" "$vectors/$name"; then
    echo "DIFFERS tests/conformance/vectors/$name"; diff -u "$vectors/$name" "$f" | head -20 || true; status=1
  fi
done
node check.mjs "$vectors" || status=1
if [[ $status -eq 0 ]]; then echo "all peer vector files reproduce byte for byte"; fi
exit $status
