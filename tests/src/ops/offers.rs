//! `offers.*` ops (placeholder until the offers module lands).

use super::Outcome;
use serde_json::Value;

pub(crate) fn decode(_input: &Value) -> Outcome {
    Err("unsupported op".into())
}
