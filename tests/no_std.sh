#!/usr/bin/env bash
# The core on bare metal and in the browser, feature by feature.
#
# Builds `pay402` for thumbv7em-none-eabihf (no OS, no allocator) and wasm32-unknown-unknown with
# its default features (release, as shipped), with no feature (the shared codecs alone) and with
# each protocol feature alone, then checks that nothing in the library's own graph (normal
# dependencies and their features, for every one of those sets) turns on `alloc`, `std` or
# `getrandom`. Any failed build or check fails the script.
#
#   bash tests/no_std.sh
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=tests/tools.sh
source tests/tools.sh

TARGETS=(thumbv7em-none-eabihf wasm32-unknown-unknown)
for target in "${TARGETS[@]}"; do need_rust_target "$target"; done
# Every protocol feature of core/Cargo.toml; each must build alone.
FEATURES=(evm svm x402 l402 ws402 offers dialects page)

# The feature sets: "default", "none" and each feature alone, as cargo arguments.
feature_args() {
  case $1 in
    default) ;;
    none) echo --no-default-features ;;
    *) echo --no-default-features --features "$1" ;;
  esac
}

# forbidden_features <target> <set>: fails when the normal dependency graph of the set enables
# alloc, std or getrandom anywhere (dev-dependencies, such as the demo's WebSocket library or
# criterion, never reach the library).
forbidden_features() {
  local tree
  # shellcheck disable=SC2046 # feature_args returns separate words on purpose
  tree=$(cargo tree -p pay402 --target "$1" -e normal,features $(feature_args "$2"))
  if grep -E 'feature "(alloc|std|getrandom)"' <<<"$tree"; then
    echo "FAIL: $1 [$2] enables alloc/std/getrandom (lines above)"
    return 1
  fi
}

for target in "${TARGETS[@]}"; do
  echo "--- $target [default] (release)"
  cargo build -q -p pay402 --target "$target" --release
  forbidden_features "$target" default
  for set in none "${FEATURES[@]}"; do
    echo "--- $target [$set]"
    # shellcheck disable=SC2046
    cargo build -q -p pay402 --target "$target" $(feature_args "$set")
    forbidden_features "$target" "$set"
  done
done
echo "no_std: every feature set builds for ${TARGETS[*]} without alloc, std or getrandom"
