//! hex and EVM address decoding never panic; decoded bytes re-encode to the lowercase input.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::evm::Address;
use pay402::hex;

fuzz_target!(|data: &[u8]| {
    let mut out = [0u8; 2048];
    if let Ok(bytes) = hex::decode_into(data, &mut out) {
        let mut text = [0u8; 4096];
        let lower = hex::encode_lower_into(bytes, &mut text).expect("fits");
        assert!(lower.as_bytes().eq_ignore_ascii_case(data));
    }
    let _ = hex::decode_array::<32>(data);
    let _ = hex::strip_0x(data);
    if let Ok(address) = Address::parse(data) {
        let mut buf = [0u8; 42];
        let checksummed = address.to_checksum(&mut buf);
        assert_eq!(
            Address::parse_checksummed(checksummed.as_bytes()),
            Ok(address)
        );
    }
});
