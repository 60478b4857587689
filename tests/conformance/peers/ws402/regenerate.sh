#!/usr/bin/env bash
# Regenerates tests/conformance/vectors/ws402-meter.json, ws402-session.json, ws402-message.json, ws402-record.json, ws402-grant.json, ws402-client.json (and the offers vectors) into a temporary directory
# and diffs them against tests/conformance/vectors/. Exits non-zero (naming the file) when a file differs or
# is missing. Same contract as tests/conformance/peers/regenerate.sh; needs only python3 (standard library).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/../../../tools.sh" # need_* installers
need_apt python3 python3
vectors="$(cd "$here/../../vectors" && pwd)"
cd "$here"

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
python3 gen_meter.py "$out"
for g in gen_*.py; do
  [[ "$g" == gen_meter.py ]] || python3 "$g" "$out"
done

status=0
for f in "$out"/*.json; do
  name="$(basename "$f")"
  if [[ ! -f "$vectors/$name" ]]; then
    echo "MISSING tests/conformance/vectors/$name (generated but not committed)"; status=1
  elif ! cmp -s "$f" "$vectors/$name"; then
    echo "DIFFERS tests/conformance/vectors/$name"; diff -u "$vectors/$name" "$f" | head -20 || true; status=1
  fi
done
if [[ $status -eq 0 ]]; then echo "ws402/offers vector files reproduce byte for byte"; fi
exit $status
