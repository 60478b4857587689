//! `uniffi-bindgen`: generates the Kotlin, Swift and Python bindings of `pay402-uniffi` from its
//! compiled library (`generate <lib.so> --language kotlin|swift|python --out-dir …`).

fn main() {
    uniffi::uniffi_bindgen_main();
}
