//! Deep equality of JSON values, as the x402 reference server compares `accepted` with its
//! offer (`deepEqual` of the reference TypeScript SDK; the x402 v2 `PaymentPayload.accepted`,
//! <https://github.com/coinbase/x402/blob/main/specs/x402-specification-v2.md>).

use super::MAX_DEPTH_CEILING;
use super::number::numbers_equal;
use super::object::Object;
use super::value::{Kind, RawValue};

/// JSON value equality the way JavaScript deep equality of parsed values behaves.
///
/// - objects: the same key set with equal values; key **order** is irrelevant (keys are
///   unique, validated at parse time);
/// - arrays: element by element, order matters;
/// - strings: decoded text (`"A"` equals `"\u0041"`), case-sensitive;
/// - numbers: exact decimal value, so `1`, `1.0`, `1e0` and `10e-1` are equal and `-0` equals
///   `0`; digits and exponents are compared as decimal text, no floats, no overflow;
/// - `true`, `false`, `null`: by kind and value.
///
/// Recursion depth is the nesting depth of the values, which parsing bounds by
/// [`super::Limits::max_depth`] and never more than [`MAX_DEPTH_CEILING`].
///
/// ```
/// use pay402::json::{RawValue, values_equal};
/// let offer = RawValue::parse(br#"{"amount":"10000","extra":{"name":"USDC","version":"2"}}"#)?;
/// let echo = RawValue::parse(br#"{"extra":{"version":"2","name":"USDC"},"amount":"10000"}"#)?;
/// assert!(values_equal(&offer, &echo));
/// let changed = RawValue::parse(br#"{"amount":"10000","extra":{"name":"usdc","version":"2"}}"#)?;
/// assert!(!values_equal(&offer, &changed));
/// # Ok::<(), pay402::json::JsonError>(())
/// ```
pub fn values_equal(a: &RawValue<'_>, b: &RawValue<'_>) -> bool {
    equal_within(a, b, MAX_DEPTH_CEILING)
}

fn equal_within(a: &RawValue<'_>, b: &RawValue<'_>, depth_left: usize) -> bool {
    // The same text is the same value (an x402 client echoes the offer it accepts verbatim).
    if a.as_text() == b.as_text() {
        return true;
    }
    let kind = a.kind();
    if kind != b.kind() {
        return false;
    }
    match kind {
        Kind::Null | Kind::Bool => a.as_text() == b.as_text(),
        Kind::Number => match (a.as_number(), b.as_number()) {
            (Some(x), Some(y)) => numbers_equal(x, y),
            _ => false,
        },
        Kind::String => a.as_str() == b.as_str(),
        Kind::Array => {
            let Some(inner) = depth_left.checked_sub(1) else {
                return false; // deeper than validation allows: cannot happen
            };
            let (Some(mut xs), Some(mut ys)) = (a.elements(), b.elements()) else {
                return false;
            };
            loop {
                match (xs.next(), ys.next()) {
                    (None, None) => return true,
                    (Some(x), Some(y)) if equal_within(&x, &y, inner) => {}
                    _ => return false,
                }
            }
        }
        Kind::Object => {
            let Some(inner) = depth_left.checked_sub(1) else {
                return false;
            };
            // `b`'s members are indexed once (one walk, not one per key of `a`).
            let (Some(members), Some(b_members)) = (a.members(), Object::new(*b)) else {
                return false;
            };
            let mut a_len = 0usize;
            for (key, x) in members {
                a_len = a_len.saturating_add(1);
                let found = b_members
                    .get_key(&key)
                    .is_some_and(|y| equal_within(&x, &y, inner));
                if !found {
                    return false;
                }
            }
            // Every key of `a` is in `b` and keys are unique, so equal counts mean equal sets.
            Some(a_len) == b_members.len()
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail loudly on purpose")]
mod tests {
    use super::*;

    fn eq(a: &str, b: &str) -> bool {
        let a = RawValue::parse(a.as_bytes()).unwrap();
        let b = RawValue::parse(b.as_bytes()).unwrap();
        let forward = values_equal(&a, &b);
        assert_eq!(forward, values_equal(&b, &a), "symmetry: {a} vs {b}");
        forward
    }

    #[test]
    fn objects_are_equal_whatever_their_key_order() {
        assert!(eq(
            r#"{"a":1,"b":{"c":[1,{"d":null,"e":true}]}}"#,
            r#"{ "b" : { "c" : [ 1 , { "e":true, "d":null } ] }, "a" : 1 }"#,
        ));
        assert!(eq("{}", "{ }"));
    }

    #[test]
    fn objects_with_different_key_sets_or_values_are_unequal() {
        assert!(!eq(r#"{"a":1}"#, r#"{"a":1,"b":2}"#));
        assert!(!eq(r#"{"a":1}"#, r#"{"b":1}"#));
        assert!(!eq(r#"{"a":1}"#, r#"{"a":2}"#));
        assert!(!eq(r#"{"a":{"b":"x"}}"#, r#"{"a":{"b":"X"}}"#));
        assert!(!eq("{}", "[]"));
    }

    #[test]
    fn arrays_compare_element_by_element_in_order() {
        assert!(eq("[1,2,3]", "[1.0, 2e0, 30e-1]"));
        assert!(!eq("[1,2]", "[2,1]"));
        assert!(!eq("[1,2]", "[1,2,3]"));
        assert!(!eq("[1,2,3]", "[1,2]"));
        assert!(eq("[]", "[ ]"));
    }

    #[test]
    fn numbers_compare_by_exact_decimal_value() {
        assert!(eq("1", "1.0"));
        assert!(eq("1", "1e0"));
        assert!(eq("1", "10e-1"));
        assert!(eq("-0", "0"));
        assert!(eq("1e400", "10e399"));
        assert!(!eq("1", "1.000000000000000000000000001"));
        assert!(!eq("60", "\"60\""));
    }

    #[test]
    fn strings_compare_by_decoded_text() {
        assert!(eq(r#""A/""#, r#""\u0041\/""#));
        assert!(eq(r#"{"\u0061":"\ud83d\ude00"}"#, r#"{"a":"😀"}"#));
        assert!(!eq(r#""0xAb""#, r#""0xab""#));
    }

    #[test]
    fn literals_compare_by_value() {
        assert!(eq("true", "true"));
        assert!(eq("null", " null "));
        assert!(!eq("true", "false"));
        assert!(!eq("null", "false"));
        assert!(!eq("0", "false"));
    }
}
