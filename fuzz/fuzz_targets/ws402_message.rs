//! WS402 message and schema decoding never panics; a decoded message re-encodes canonically and
//! that form decodes and re-encodes to the same bytes. The `number_when_safe` form decodes to
//! the same canonical frame, and a write into a buffer one
//! byte too small fails with the buffer zeroed (nothing half written).
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::writer::Writer;
use pay402::ws402::{AmountEncoding, Message, Schema};

fuzz_target!(|data: &[u8]| {
    if let Ok(msg) = Message::decode(data) {
        let mut buf = vec![0u8; data.len() * 2 + 256];
        let mut w = Writer::new(&mut buf);
        msg.encode(&mut w).expect("room for the canonical form");
        let canonical = w.written().to_vec();
        let again = Message::decode(&canonical).expect("canonical form decodes");
        let mut buf2 = vec![0u8; canonical.len() + 16];
        let mut w2 = Writer::new(&mut buf2);
        again.encode(&mut w2).unwrap();
        assert_eq!(w2.written(), &canonical[..]);

        let mut buf3 = vec![0u8; canonical.len() + 16];
        let n = msg
            .write(&mut buf3, AmountEncoding::NumberWhenSafe)
            .expect("numbers are never longer than quoted strings");
        assert!(n <= canonical.len());
        let numbers = &buf3[..n];
        let back = Message::decode(numbers).expect("number form decodes");
        let mut buf4 = vec![0u8; canonical.len() + 16];
        let m = back.write(&mut buf4, AmountEncoding::String).unwrap();
        assert_eq!(&buf4[..m], &canonical[..]);

        let mut short = vec![0u8; canonical.len() - 1];
        assert!(msg.write(&mut short, AmountEncoding::String).is_err());
        assert!(short.iter().all(|&b| b == 0));
    }
    if let Ok(schema) = Schema::decode(data) {
        let mut buf = vec![0u8; data.len() * 2 + 256];
        let mut w = Writer::new(&mut buf);
        schema.encode(&mut w).expect("room for the canonical form");
        assert!(Schema::decode(w.written()).is_ok());
    }
});
