//! `uniffi-bindgen-swift`: the Swift-specific generator (sources, headers, an `XCFramework`
//! modulemap) used by `ffi-uniffi/swift/build-xcframework.sh`.

fn main() {
    uniffi::uniffi_bindgen_swift();
}
