//! `pay402-vectors`: runs the shared JSON test vectors (`tests/conformance/vectors`) through the pay402 core.
//!
//! ```text
//! cargo run -q -p pay402-vectors -- tests/conformance/vectors/*.json
//! ```
//!
//! Prints `FAIL <suite>/<case>: expected …, got …` for every failing case and, last,
//! `N passed, M failed`. Exits non-zero when a case fails, a file cannot be read, or no case ran.
//! A case whose op is unknown fails with `got unsupported op`; nothing is skipped silently.

mod compare;
mod input;
mod ops;
#[cfg(test)]
mod surface;

use serde_json::Value;
use std::process::ExitCode;

fn main() -> ExitCode {
    let files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() {
        eprintln!("usage: pay402-vectors FILE...");
        return ExitCode::from(2);
    }
    let mut passed = 0usize;
    let mut failed = 0usize;
    for file in &files {
        match run_file(file) {
            Ok((p, f)) => {
                passed += p;
                failed += f;
            }
            Err(message) => {
                println!("FAIL {file}: {message}");
                failed += 1;
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed == 0 && passed > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Runs every case of one vector file; returns (passed, failed).
fn run_file(path: &str) -> Result<(usize, usize), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    let file: Value = serde_json::from_str(&text).map_err(|e| format!("not JSON: {e}"))?;
    let suite = file
        .get("suite")
        .and_then(Value::as_str)
        .ok_or("missing `suite`")?;
    let cases = file
        .get("cases")
        .and_then(Value::as_array)
        .ok_or("missing `cases`")?;
    let (mut passed, mut failed) = (0, 0);
    for case in cases {
        let name = case
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("<unnamed>");
        match run_case(case) {
            Ok(()) => passed += 1,
            Err(message) => {
                println!("FAIL {suite}/{name}: {message}");
                failed += 1;
            }
        }
    }
    Ok((passed, failed))
}

fn run_case(case: &Value) -> Result<(), String> {
    let op = case
        .get("op")
        .and_then(Value::as_str)
        .ok_or("expected a case with `op`, got none")?;
    let input = case
        .get("input")
        .ok_or("expected a case with `input`, got none")?;
    let expect = case
        .get("expect")
        .ok_or("expected a case with `expect`, got none")?;
    let got = ops::run(op, input);
    compare::check(expect, &got)
}
