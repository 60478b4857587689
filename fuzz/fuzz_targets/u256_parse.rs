//! U256 parsing never panics; parsed values format back to the canonical decimal text.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::U256;
use pay402::u256::LeadingZeros;

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = U256::parse_decimal(data, LeadingZeros::Reject) {
        let mut buf = [0u8; 78];
        assert_eq!(value.to_decimal(&mut buf).as_bytes(), data);
    }
    if let Ok(value) = U256::parse_decimal(data, LeadingZeros::Allow) {
        let mut buf = [0u8; 78];
        let text = value.to_decimal(&mut buf);
        assert_eq!(
            U256::parse_decimal(text.as_bytes(), LeadingZeros::Reject),
            Ok(value)
        );
        let _ = value.checked_mul(value);
        let _ = value.checked_add(value);
        let _ = value.div_rem_u64(1000);
    }
    let _ = U256::parse_hex_prefixed(data);
});
