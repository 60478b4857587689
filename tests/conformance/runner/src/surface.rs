//! The binding surface (`tests/conformance/binding-surface.json`) takes every default from a public core
//! constant: this test checks that each constant the file names still has the value the file
//! (and so every binding's drift test) expects.
#![allow(clippy::expect_used, clippy::panic)]

use serde_json::{Value, json};

/// The value of a core constant the surface file names, or `None` for a name it does not know.
fn core_value(name: &str) -> Option<Value> {
    Some(match name {
        "pay402::x402::VerifyPolicy::DEFAULT_VALID_BEFORE_SLACK" => {
            json!(pay402::x402::VerifyPolicy::DEFAULT_VALID_BEFORE_SLACK)
        }
        "pay402::x402::SvmPolicy::DEFAULT_MAX_COMPUTE_UNIT_PRICE" => {
            json!(pay402::x402::SvmPolicy::DEFAULT_MAX_COMPUTE_UNIT_PRICE)
        }
        "pay402::x402::SvmPolicy::DEFAULT_MAX_INSTRUCTIONS" => {
            json!(pay402::x402::SvmPolicy::DEFAULT_MAX_INSTRUCTIONS)
        }
        "pay402::svm::client::DEFAULT_COMPUTE_UNIT_LIMIT" => {
            json!(pay402::svm::client::DEFAULT_COMPUTE_UNIT_LIMIT)
        }
        "pay402::svm::client::DEFAULT_COMPUTE_UNIT_PRICE" => {
            json!(pay402::svm::client::DEFAULT_COMPUTE_UNIT_PRICE)
        }
        "pay402::offers::DEFAULT_WEBHOOK_TOLERANCE_SECONDS" => {
            json!(pay402::offers::DEFAULT_WEBHOOK_TOLERANCE_SECONDS)
        }
        "pay402::l402::APERTURE_LOCATION" => json!(pay402::l402::APERTURE_LOCATION),
        "pay402::bolt11::DecodePolicy::default().require_payment_secret" => {
            json!(pay402::bolt11::DecodePolicy::default().require_payment_secret)
        }
        "pay402::page::PagePolicy::default().enabled" => {
            json!(pay402::page::PagePolicy::default().enabled)
        }
        "pay402::page::PagePolicy::default().require_mozilla_user_agent" => {
            json!(pay402::page::PagePolicy::default().require_mozilla_user_agent)
        }
        _ => return None,
    })
}

fn surface() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../binding-surface.json");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn every_default_in_the_surface_is_a_core_constant_with_that_value() {
    let surface = surface();
    let defaults = surface["core_defaults"]
        .as_object()
        .expect("core_defaults is an object");
    assert!(!defaults.is_empty());
    for (name, want) in defaults {
        assert_eq!(
            core_value(name).as_ref(),
            Some(want),
            "core constant {name}"
        );
    }
    // Each input default that names a constant carries that constant's value.
    let mut named = 0;
    for op in surface["operations"].as_array().expect("operations") {
        for input in op["inputs"]["python"].as_array().into_iter().flatten() {
            if let Some(constant) = input.get("default_const").and_then(Value::as_str) {
                named += 1;
                assert_eq!(
                    defaults.get(constant),
                    input.get("default"),
                    "{}.{}",
                    op["name"],
                    input["name"]
                );
            }
        }
    }
    assert!(named > 0, "no input names a core constant");
    for (record, fields) in surface["kotlin_defaults"]
        .as_object()
        .expect("kotlin_defaults")
    {
        for (field, constant) in fields.as_object().expect("fields") {
            let constant = constant.as_str().expect("a constant name");
            assert!(
                defaults.contains_key(constant),
                "{record}.{field}: {constant}"
            );
        }
    }
}
