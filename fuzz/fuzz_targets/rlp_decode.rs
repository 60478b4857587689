//! RLP decoding never panics, and an item it accepts is canonical: encoding it again gives exactly
//! the bytes it was read from.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::rlp::{self, Item};
use pay402::writer::write_all;

fuzz_target!(|data: &[u8]| {
    let Ok((item, rest)) = rlp::decode(data) else {
        return;
    };
    let consumed = &data[..data.len() - rest.len()];
    let mut out = vec![0u8; consumed.len()];
    let n = write_all(&mut out, |w| match item {
        Item::String(bytes) => rlp::write_string(w, bytes),
        Item::List(payload) => {
            rlp::write_list_header(w, payload.len())?;
            w.push(payload)
        }
    })
    .expect("the re-encoding fits in the bytes it came from");
    assert_eq!(&out[..n], consumed);
    let expected_len = match item {
        Item::String(bytes) => rlp::string_len(bytes),
        Item::List(payload) => rlp::list_len(payload.len()),
    };
    assert_eq!(expected_len, consumed.len());
});
