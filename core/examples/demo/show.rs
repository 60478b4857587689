//! Printing protocol messages so a newcomer can follow the exchange.

use core::fmt::Write as _;

use pay402::json::{Kind, RawValue};

/// Prints `json` indented under a heading, walking it with the core's own JSON view.
pub(crate) fn json(label: &str, json: &[u8]) {
    println!("    {label}:");
    match RawValue::parse(json) {
        Ok(value) => {
            let mut out = String::new();
            pretty(&value, 0, &mut out);
            for line in out.lines() {
                println!("      {line}");
            }
        }
        Err(e) => println!("      <not JSON: {e}>"),
    }
}

fn pretty(value: &RawValue<'_>, depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    let inner = "  ".repeat(depth + 1);
    match value.kind() {
        Kind::Object => {
            out.push_str("{\n");
            let members: Vec<_> = value.members().into_iter().flatten().collect();
            for (i, (key, member)) in members.iter().enumerate() {
                let _ = write!(out, "{inner}\"{key}\": ");
                pretty(member, depth + 1, out);
                out.push_str(if i + 1 < members.len() { ",\n" } else { "\n" });
            }
            let _ = write!(out, "{pad}}}");
        }
        Kind::Array => {
            out.push_str("[\n");
            let elements: Vec<_> = value.elements().into_iter().flatten().collect();
            for (i, element) in elements.iter().enumerate() {
                out.push_str(&inner);
                pretty(element, depth + 1, out);
                out.push_str(if i + 1 < elements.len() { ",\n" } else { "\n" });
            }
            let _ = write!(out, "{pad}]");
        }
        _ => out.push_str(value.as_text()),
    }
}

/// A step of the exchange.
pub(crate) fn step(text: &str) {
    println!("\n  -> {text}");
}
