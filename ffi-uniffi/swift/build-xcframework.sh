#!/usr/bin/env bash
# Builds Pay402FFI.xcframework and the generated Swift sources for the Swift package (macOS
# with Xcode only). Every library is built with the mobile size profile (`release-smaller`:
# opt-level z, LTO, one codegen unit, panic = abort), and the Swift sources and headers are
# generated from one of those very libraries.
#
#   ffi-uniffi/swift/build-xcframework.sh && swift test --package-path ffi-uniffi/swift
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
[ "$(uname -s)" = Darwin ] || { echo "build-xcframework.sh needs macOS + Xcode (xcodebuild, lipo)"; exit 1; }

PROFILE=release-smaller
LIB=libpay402_uniffi.a
IOS=aarch64-apple-ios
IOS_SIM=(aarch64-apple-ios-sim x86_64-apple-ios)
MACOS=(aarch64-apple-darwin x86_64-apple-darwin)
rustup target add "$IOS" "${IOS_SIM[@]}" "${MACOS[@]}"
for t in "$IOS" "${IOS_SIM[@]}" "${MACOS[@]}"; do
  cargo build -p pay402-uniffi --profile "$PROFILE" --target "$t"
done

OUT="$ROOT/target/xcframework"
rm -rf "$OUT" "$HERE/Pay402FFI.xcframework"
mkdir -p "$OUT/ios-sim" "$OUT/macos" "$OUT/Headers"
lipo -create $(printf "target/%s/$PROFILE/$LIB " "${IOS_SIM[@]}") -output "$OUT/ios-sim/$LIB"
lipo -create $(printf "target/%s/$PROFILE/$LIB " "${MACOS[@]}") -output "$OUT/macos/$LIB"

# Generate from a built library: the macOS dylib of the same build carries the uniffi metadata.
cargo build -p uniffi-bindgen
GEN=target/debug/uniffi-bindgen-swift
DYLIB="target/aarch64-apple-darwin/$PROFILE/libpay402_uniffi.dylib"
"$GEN" --swift-sources "$DYLIB" "$HERE/Sources/Pay402"
"$GEN" --headers --modulemap --xcframework --module-name Pay402FFI \
  --modulemap-filename module.modulemap "$DYLIB" "$OUT/Headers"

xcodebuild -create-xcframework \
  -library "target/$IOS/$PROFILE/$LIB" -headers "$OUT/Headers" \
  -library "$OUT/ios-sim/$LIB" -headers "$OUT/Headers" \
  -library "$OUT/macos/$LIB" -headers "$OUT/Headers" \
  -output "$HERE/Pay402FFI.xcframework"
echo "built $HERE/Pay402FFI.xcframework and $HERE/Sources/Pay402/Pay402.swift"
