//! The client never panics on an untrusted 402 or wallet signature, and whatever it signs, the
//! verifier accepts: for every entry it agrees to sign, sign → header → `Verifier::verify_header`
//! succeeds (with zero `validBefore` slack, since `maxTimeoutSeconds` may be below 6).
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::U256;
use pay402::evm::{Address, PrivateKey};
use pay402::writer::write_all;
use pay402::x402::client::{PayerPolicy, PaymentDraft, select};
use pay402::x402::{Network, PaymentRequired, PaymentRequirements, Verifier, VerifyPolicy};

fuzz_target!(|data: &[u8]| {
    // [0]: accepts index, [1..66]: a wallet signature, rest: the 402 JSON.
    let Some((&index, rest)) = data.split_first() else {
        return;
    };
    let Some((wallet_sig, body)) = rest.split_first_chunk::<65>() else {
        return;
    };
    let Ok(required) = PaymentRequired::from_json(body) else {
        return;
    };
    let Ok(key) = PrivateKey::from_bytes(&[0x11; 32]) else {
        return;
    };
    let now = 1_740_672_100;
    let networks = [
        Network::Eip155 { chain_id: 8453 },
        Network::Eip155 { chain_id: 84532 },
    ];
    let assets = [Address::ZERO];
    let _ = select(&required, &PayerPolicy::new(&networks, &assets, U256::MAX));

    let Ok(draft) = PaymentDraft::new(&required, usize::from(index), key.address(), now, &[7; 32])
    else {
        return;
    };
    let mut typed = [0u8; 4096];
    let _ = write_all(&mut typed, |w| draft.write_typed_data(w));
    // An arbitrary wallet signature is refused unless it really is the payer's.
    if let Ok(signed) = draft.with_wallet_signature(wallet_sig) {
        assert_eq!(
            signed.signature().as_slice(),
            key.sign_prehash(&draft.digest()).as_slice()
        );
    }
    let _ = draft.with_wallet_signature_hex(wallet_sig);
    let Ok(signed) = draft.sign(&key) else {
        panic!("the payer's own key is refused")
    };

    let mut scratch = [0u8; 16384];
    let mut out = [0u8; 24576];
    let Ok(header) = signed.write_header(&mut scratch, &mut out) else {
        return;
    };
    let mut requirements = [0u8; 16384];
    let n = match draft.requirements() {
        PaymentRequirements::V1(r) => write_all(&mut requirements, |w| r.write_json(w)),
        PaymentRequirements::V2(r) => write_all(&mut requirements, |w| r.write_echo(w)),
    };
    let Ok(n) = n else { return };
    let mut buf = [0u8; 24576];
    let policy = VerifyPolicy {
        valid_before_slack: 0,
        ..VerifyPolicy::default()
    };
    let verifier = Verifier {
        policy,
        ..Verifier::EVM
    };
    let verified = verifier.verify_header(&requirements[..n], header.as_bytes(), &mut buf, now);
    assert_eq!(
        verified.map(|v| v.evm().map(|v| v.payer)),
        Ok(Some(key.address()))
    );
});
