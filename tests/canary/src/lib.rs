//! The no-allocator canary.
//!
//! A `#![no_std]` staticlib with **no `#[global_allocator]`** that calls the public entry points of
//! every pay402 module. If anything in the dependency graph allocated, linking would fail with
//! "no global memory allocator found". `tests/run.sh` builds it for `thumbv7em-none-eabihf`.
//! Each exported function takes its input from the caller so nothing is optimized away.
#![no_std]
// The only `unsafe` is `#[unsafe(no_mangle)]` on the exported symbols, allowed one by one.
#![deny(unsafe_code)]

use pay402::base64::{self, Base64Policy};
use pay402::evm::{
    Address, Eip712Domain, PrivateKey, SignaturePolicy, TransferWithAuthorization, recover_address,
};
use pay402::json::{RawValue, values_equal, write_minified};
use pay402::u256::LeadingZeros;
use pay402::writer::write_all;
use pay402::x402::client::{self, PayerPolicy, PaymentDraft};
use pay402::x402::{
    Network, PaymentPayload, PaymentRequired, SettleResponse, SupportedResponse, Verifier,
    VerifyRequest, VerifyResponse, header,
};
use pay402::{U256, hex, http_auth};

#[cfg(feature = "negative-control")]
extern crate alloc;

/// Negative control: needs a global allocator, which this staticlib does not have.
#[cfg(feature = "negative-control")]
#[allow(unsafe_code)] // an exported symbol, so the linker must keep everything it calls
#[unsafe(no_mangle)]
pub extern "C" fn canary_negative_control(n: usize) -> usize {
    alloc::vec::Vec::<u8>::with_capacity(n).capacity()
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {}
}

/// Shared codecs: base64, hex, U256, JSON, RFC 9110 auth.
#[allow(unsafe_code)] // an exported symbol, so the linker must keep everything it calls
#[unsafe(no_mangle)]
pub extern "C" fn canary_codecs(input: &[u8; 256], out: &mut [u8; 1024]) -> usize {
    let mut total = 0usize;
    for policy in [
        Base64Policy::STANDARD_PADDED,
        Base64Policy::X402,
        Base64Policy::ANY,
    ] {
        total += base64::decode_into(input, &policy, out).map_or(0, <[u8]>::len);
    }
    total += base64::encode_into(input, out).map_or(0, str::len);
    total += hex::decode_into(input, out).map_or(0, <[u8]>::len);
    total += hex::encode_lower_into(input, out).map_or(0, str::len);
    total += usize::from(hex::decode_array::<32>(input).is_ok());
    if let Ok(v) = U256::parse_decimal(input, LeadingZeros::Allow) {
        let mut buf = [0u8; 78];
        total += v.to_decimal(&mut buf).len();
        total += usize::from(v.checked_mul(v).is_some());
    }
    total += usize::from(U256::parse_hex_prefixed(input).is_ok());
    if let Ok(v) = RawValue::parse(input) {
        total += usize::from(values_equal(&v, &v));
        total += write_all(out, |w| write_minified(w, &v)).unwrap_or(0);
    }
    if let Ok(text) = core::str::from_utf8(input) {
        total += http_auth::challenges(text).filter(Result::is_ok).count();
        total += usize::from(http_auth::credentials(text).is_ok());
    }
    total
}

/// EVM: addresses, EIP-712, EIP-3009, recovery and signing.
#[allow(unsafe_code)] // an exported symbol, so the linker must keep everything it calls
#[unsafe(no_mangle)]
pub extern "C" fn canary_evm(
    key: &[u8; 32],
    digest: &[u8; 32],
    signature: &[u8; 65],
    out: &mut [u8; 65],
) -> bool {
    let from =
        Address::parse(b"0x857b06519E91e3A54538791bDbb0E22373e36b66").unwrap_or(Address([0; 20]));
    let transfer = TransferWithAuthorization {
        from,
        to: from,
        value: U256::from_u64(10_000),
        valid_after: U256::ZERO,
        valid_before: U256::MAX,
        nonce: *digest,
    };
    let domain = Eip712Domain {
        name: Some("USDC"),
        version: Some("2"),
        chain_id: Some(84_532),
        verifying_contract: Some(from),
    };
    let d = transfer.digest(&domain);
    let recovered = recover_address(&d, signature, SignaturePolicy::Strict).is_ok()
        | recover_address(digest, signature, SignaturePolicy::Lenient).is_ok();
    if let Ok(key) = PrivateKey::from_bytes(key) {
        *out = key.sign_prehash(&d);
        return key.address() == from || recovered;
    }
    recovered
}

/// x402: every decoder, encoder and the verifier.
#[allow(unsafe_code)] // an exported symbol, so the linker must keep everything it calls
#[unsafe(no_mangle)]
pub extern "C" fn canary_x402(
    requirements: &[u8; 512],
    payment: &[u8; 2048],
    now: u64,
    out: &mut [u8; 8192],
) -> usize {
    let mut buf = [0u8; 8192];
    let mut total = usize::from(
        Verifier::EVM
            .verify_header(requirements, payment, &mut buf, now)
            .is_ok(),
    );
    let mut json = [0u8; 8192];
    if let Ok(p) = PaymentPayload::from_header(payment, &mut json) {
        total += write_all(out, |w| p.write_json(w)).unwrap_or(0);
    }
    if let Ok(p) = PaymentRequired::from_json(payment) {
        total += write_all(out, |w| p.write_json(w)).unwrap_or(0);
    }
    if let Ok(p) = SettleResponse::from_json(payment) {
        total += write_all(out, |w| p.write_json(w)).unwrap_or(0);
    }
    if let Ok(p) = VerifyRequest::from_json(payment) {
        total += write_all(out, |w| p.write_json(w)).unwrap_or(0);
    }
    if let Ok(p) = VerifyResponse::from_json(payment) {
        total += write_all(out, |w| p.write_json(w)).unwrap_or(0);
    }
    if let Ok(p) = SupportedResponse::from_json(payment) {
        total += write_all(out, |w| p.write_json(w)).unwrap_or(0);
    }
    total + header::encode(requirements, out).map_or(0, str::len)
}

/// x402 on Solana: transaction decoder, verifier (ed25519, PDA) and the client builder.
#[allow(unsafe_code)] // an exported symbol, so the linker must keep everything it calls
#[unsafe(no_mangle)]
pub extern "C" fn canary_x402_svm(
    requirements: &[u8; 512],
    payment: &[u8; 2048],
    seed: &[u8; 32],
    out: &mut [u8; 1232],
) -> usize {
    use pay402::svm::{PayerKey, Pubkey, TransferParams, build_transfer};
    let mut buf = [0u8; 8192];
    let verified = Verifier::default()
        .verify_header(requirements, payment, &mut buf, 0)
        .is_ok();
    let params = TransferParams {
        fee_payer: Pubkey(*seed),
        mint: Pubkey([1; 32]),
        pay_to: Pubkey([2; 32]),
        token_program: pay402::svm::TOKEN_PROGRAM_ID,
        amount: 1,
        decimals: 6,
        memo: &seed[..],
        recent_blockhash: [3; 32],
        compute_unit_limit: 20_000,
        compute_unit_price: 1,
    };
    let built = build_transfer(&params, &PayerKey::from_seed(seed), out).map_or(0, <[u8]>::len);
    built + usize::from(verified)
}

/// x402 client: selection, drafting, key and wallet signing, typed data, header, receipt lookup.
#[allow(unsafe_code)] // an exported symbol, so the linker must keep everything it calls
#[unsafe(no_mangle)]
pub extern "C" fn canary_x402_client(
    body: &[u8; 2048],
    key: &[u8; 32],
    wallet_signature: &[u8; 65],
    now: u64,
    out: &mut [u8; 8192],
) -> usize {
    let Ok(required) = PaymentRequired::from_json(body) else {
        return 0;
    };
    let networks = [Network::Eip155 { chain_id: 84_532 }];
    let assets = [Address::ZERO];
    let index = client::select(&required, &PayerPolicy::new(&networks, &assets, U256::MAX))
        .map_or(0, |s| s.index);
    let Ok(key) = PrivateKey::from_bytes(key) else {
        return 0;
    };
    let mut scratch = [0u8; 4096];
    let mut total = client::sign_payment(
        &required,
        index,
        &key,
        now,
        wallet_signature.first_chunk::<32>().unwrap_or(&[0; 32]),
        &mut scratch,
        out,
    )
    .map_or(0, str::len);
    if let Ok(draft) = PaymentDraft::new(&required, index, key.address(), now, &[0; 32]) {
        total += write_all(out, |w| draft.write_typed_data(w)).unwrap_or(0);
        total += usize::from(draft.digest().first().copied().unwrap_or(0));
        if let Ok(signed) = draft.with_wallet_signature(wallet_signature) {
            total += signed.write_header(&mut scratch, out).map_or(0, str::len);
        }
        total += usize::from(draft.with_wallet_signature_hex(body).is_ok());
    }
    let headers = [("payment-response", &body[..])];
    let mut receipt = [0u8; 1024];
    total
        + usize::from(
            client::read_settle_response(&headers, &mut receipt).is_ok_and(|r| r.is_some()),
        )
}

/// Permit2 (`exact` and `upto`): digest, payload decoder and encoder, verifier, signer.
#[allow(unsafe_code)] // an exported symbol, so the linker must keep everything it calls
#[unsafe(no_mangle)]
pub extern "C" fn canary_permit2(
    requirements: &[u8; 512],
    payment: &[u8; 2048],
    key: &[u8; 32],
    now: u64,
    out: &mut [u8; 8192],
) -> usize {
    use pay402::evm::permit2_domain;
    use pay402::x402::{
        ExactPermit2Payload, PaymentRequirements, UptoOptions, sign_permit2_payload,
    };
    let mut buf = [0u8; 8192];
    let verifier = Verifier {
        upto: UptoOptions {
            settle_amount: Some(U256::from_u64(now)),
            facilitator: Address::parse(&requirements[..42]).ok(),
        },
        ..Verifier::EVM
    };
    let mut total = usize::from(
        verifier
            .verify_header(requirements, payment, &mut buf, now)
            .is_ok(),
    );
    if let Ok(Ok(payload)) = RawValue::parse(payment).map(ExactPermit2Payload::from_json_value) {
        total += write_all(out, |w| payload.write_json(w)).unwrap_or(0);
        total += usize::from(payload.authorization.permit.digest(&permit2_domain(now))[0]);
    }
    if let (Ok(key), Ok(req)) = (
        PrivateKey::from_bytes(key),
        RawValue::parse(requirements)
            .map_err(|_| ())
            .and_then(|v| PaymentRequirements::from_json_value(v).map_err(|_| ())),
    ) {
        let mut w = pay402::writer::Writer::new(out);
        if let Ok((_, signature)) =
            sign_permit2_payload(&mut w, &req, &key, U256::from_u64(now), now)
        {
            total += usize::from(signature[64]);
        }
    }
    total
}

/// Macaroons: decode (any format), encode V2, mint, attenuate, third-party caveats, verify.
#[allow(unsafe_code)] // an exported symbol, so the linker must keep everything it calls
#[unsafe(no_mangle)]
pub extern "C" fn canary_macaroon(
    token: &[u8; 512],
    key: &[u8; 32],
    nonce: &[u8; 24],
    out: &mut [u8; 2048],
) -> usize {
    use pay402::macaroon::Macaroon;
    use pay402::macaroon::builder::V2Builder;
    use pay402::macaroon::verify::{AcceptList, VerifyPolicy, verify};
    use pay402::writer::Writer;

    let mut total = 0usize;
    let mut scratch = [0u8; 512];
    if let Ok(mac) = Macaroon::decode(token, &mut scratch) {
        total += mac.caveats().count();
        let mut w = Writer::new(&mut out[..]);
        total += usize::from(mac.encode_v2(&mut w).is_ok()) + w.len();
        let accepted: [&[u8]; 1] = [b"services=svc:0"];
        total += usize::from(
            verify(
                &mac,
                key,
                &[mac],
                &mut AcceptList(&accepted),
                &VerifyPolicy::L402,
            )
            .is_ok(),
        );
        let mut buf = [0u8; 1024];
        if let Ok(mut b) = V2Builder::attenuate(&mut buf, &mac) {
            total += usize::from(b.add_first_party(b"svc_valid_until=1700000000").is_ok());
            total += usize::from(
                b.add_third_party(key, b"cid", b"https://auth", nonce)
                    .is_ok(),
            );
            total += b.finish().map_or(0, <[u8]>::len);
        }
    }
    if let Ok(mut b) = V2Builder::mint(&mut out[..], key, b"id", b"lsat") {
        total += usize::from(b.add_first_party(b"services=svc:0").is_ok());
        total += b.finish_bound(key).map_or(0, <[u8]>::len);
    }
    total
}

/// BOLT11: decoding, the lazy field views and the L402 client checks.
#[allow(unsafe_code)] // an exported symbol, so the linker must keep everything it calls
#[unsafe(no_mangle)]
pub extern "C" fn canary_bolt11(
    invoice: &[u8; 1024],
    hash: &[u8; 32],
    now: u64,
    out: &mut [u8; 640],
) -> usize {
    use pay402::bolt11::{
        Bolt11Invoice, DecodePolicy, L402InvoiceExpectation, Network, check_l402_invoice,
    };
    let Ok(text) = core::str::from_utf8(invoice) else {
        return 0;
    };
    let lenient = DecodePolicy {
        require_payment_secret: false,
        ..DecodePolicy::default()
    };
    let mut total = usize::from(Bolt11Invoice::decode(text).is_ok());
    if let Ok(inv) = Bolt11Invoice::decode_with(text, &lenient) {
        if let Some(d) = inv.description() {
            total += d.to_str(out).map_or(0, str::len);
        }
        if let Some(f) = inv.features() {
            total += f.to_bytes(out).map_or(0, <[u8]>::len);
        }
        total += inv
            .route_hints()
            .flat_map(|r| r.hops())
            .map(|h| usize::from(h.cltv_expiry_delta))
            .sum::<usize>();
        total += inv.fallbacks().map(|f| f.program.byte_len()).sum::<usize>();
        total += inv
            .metadata()
            .map_or(0, |m| m.copy_into(out).map_or(0, <[u8]>::len));
        let expected = L402InvoiceExpectation {
            payment_hash: *hash,
            network: Network::Bitcoin,
            budget_msat: 1_000_000,
            now,
        };
        total += usize::from(check_l402_invoice(&inv, &expected).is_ok());
    }
    total
}

/// Fewsats offers: the 402 body, the payment request and response, the webhook and the ledger.
#[allow(unsafe_code)] // an exported symbol, so the linker must keep everything it calls
#[unsafe(no_mangle)]
pub extern "C" fn canary_offers(
    body: &[u8; 1024],
    header: &[u8; 128],
    record: &[u8; 26],
    now: u64,
    out: &mut [u8; 2048],
) -> usize {
    use pay402::offers::{
        Entitlement, Grant, OffersBody, PaymentRequest, PaymentRequestResponse, verify_webhook,
    };
    use pay402::writer::Writer;
    let mut total = 0usize;
    if let Ok(parsed) = OffersBody::decode(body) {
        let mut w = Writer::new(out);
        total += parsed.encode(&mut w).map_or(0, |()| w.len());
        if let Some(offer) = parsed.offers.first() {
            let mut e = Entitlement::decode(record).unwrap_or_default();
            if let Ok(grant) = Grant::of(offer) {
                total += usize::from(e.credit(grant, now).is_ok());
            }
            total += usize::from(matches!(
                e.authorize(now),
                pay402::offers::Access::PaymentRequired
            ));
            total += e.encode().len();
        }
    }
    total += usize::from(PaymentRequest::decode(body).is_ok());
    if let Ok(r) = PaymentRequestResponse::decode(body) {
        total += r.expires_at_unix().ok().flatten().map_or(0, |_| 1);
    }
    if let Ok(h) = core::str::from_utf8(header) {
        total += usize::from(verify_webhook(h, body, record, now, 300).is_ok());
    }
    total
}

/// WS402: messages, schema, metering, the session record and the x402 prepayment.
#[allow(unsafe_code)] // an exported symbol, so the linker must keep everything it calls
#[unsafe(no_mangle)]
pub extern "C" fn canary_ws402(
    frame: &[u8; 1024],
    requirements: &[u8; 1024],
    payment: &[u8; 1024],
    record: &[u8; 188],
    now_ms: u64,
    out: &mut [u8; 2048],
) -> usize {
    use pay402::writer::Writer;
    use pay402::ws402::{
        Event, Message, Meter, MeterConfig, Schema, SessionRecord, start_with_x402,
    };
    let mut total = 0usize;
    if let Ok(msg) = Message::decode(frame) {
        let mut w = Writer::new(out);
        total += msg.encode(&mut w).map_or(0, |()| w.len());
    }
    if let Ok(schema) = Schema::decode(frame) {
        let mut w = Writer::new(out);
        total += schema.encode(&mut w).map_or(0, |()| w.len());
    }
    let mut meter = match SessionRecord::decode(record) {
        Ok(r) => r.meter,
        Err(_) => Meter::start(
            MeterConfig {
                price_per_second: U256::from_u64(now_ms),
                paid: U256::MAX,
                max_session_seconds: 3600,
            },
            0,
        ),
    };
    meter.on_event(now_ms, Event::BytesIn(7));
    meter.on_event(now_ms, Event::Close);
    total += SessionRecord {
        meter,
        refund_to: None,
    }
    .encode()
    .len();
    let policy = pay402::x402::VerifyPolicy::default();
    if let Ok(p) = start_with_x402(requirements, payment, out, now_ms, &policy, U256::ONE, 3600) {
        total += p.session.encode().len();
    }
    total
}

/// The other dialects: the sandbox body and token, the PayPer402 challenge, exact decimals and
/// the single-use rule.
#[allow(unsafe_code)] // an exported symbol, so the linker must keep everything it calls
#[unsafe(no_mangle)]
pub extern "C" fn canary_dialects(body: &[u8; 1024], out: &mut [u8; 512]) -> usize {
    use pay402::dialects::{
        PayPer402Challenge, SandboxRequirements, SandboxToken, SingleUseStore, accept_once,
        decimal_to_atomic, write_payper402_challenge,
    };
    use pay402::writer::Writer;
    struct One(Option<[u8; 8]>);
    impl SingleUseStore for One {
        type Error = ();
        fn insert_if_absent(&mut self, key: &[u8]) -> Result<bool, ()> {
            let k: [u8; 8] = key.get(..8).and_then(|k| k.try_into().ok()).ok_or(())?;
            if self.0 == Some(k) {
                return Ok(false);
            }
            self.0 = Some(k);
            Ok(true)
        }
    }
    let mut total = 0usize;
    if let Ok(req) = SandboxRequirements::decode(body) {
        let mut w = Writer::new(out);
        total += req
            .encode_body(&mut w, "Payment required")
            .map_or(0, |()| w.len());
    }
    if let Ok(text) = core::str::from_utf8(body) {
        total += usize::from(SandboxToken::parse(text).is_ok());
        if let Ok(c) = PayPer402Challenge::parse(text, 6) {
            let mut w = Writer::new(out);
            total += write_payper402_challenge(&mut w, "PayPer402", &c.amount, 6, "USDC", "Solana")
                .map_or(0, |()| w.len());
        }
        total += decimal_to_atomic(text, 6).map_or(0, |a| usize::from(a.is_zero()));
    }
    let mut store = One(None);
    total += usize::from(accept_once(&mut store, body).is_ok());
    total += usize::from(accept_once(&mut store, body).is_err());
    total
}

/// L402: challenge and credential parsing and writing, identifier, minting, verification with
/// the satisfiers, the hex header form and the client checks.
#[allow(unsafe_code)] // an exported symbol, so the linker must keep everything it calls
#[unsafe(no_mangle)]
pub extern "C" fn canary_l402(
    header: &[u8; 1024],
    key: &[u8; 32],
    now: u64,
    out: &mut [u8; 2048],
) -> usize {
    use pay402::l402::{
        ClientPolicy, Credential, FnSatisfier, Identifier, L402Error, Scheme, Target, challenges,
        check_challenge, mint_token, parse_macaroon_header, select_challenge, services_caveat,
        valid_until_caveat, verify_authorization, write_challenge, write_macaroon_header,
    };
    use pay402::writer::Writer;

    let Ok(text) = core::str::from_utf8(header) else {
        return 0;
    };
    let mut total = challenges(text).filter(Result::is_ok).count();
    let mut scratch = [0u8; 1024];
    if let Ok(c) = select_challenge(&[text]) {
        let policy = ClientPolicy {
            network: pay402::bolt11::Network::Bitcoin,
            budget_msat: 1_000_000,
        };
        if let Ok(p) = check_challenge(&c, &policy, now, &mut scratch) {
            let mut w = Writer::new(&mut out[..]);
            total += usize::from(p.write_authorization(&mut w, Scheme::L402, key).is_ok());
        }
    }
    if let Ok(cred) = Credential::parse(text) {
        total += cred.macaroon_count();
    }
    let custom = FnSatisfier {
        condition: "tier",
        previous: |_: &[u8], _: &[u8]| Ok::<(), L402Error>(()),
        last: |v: &[u8]| {
            if v == b"gold" {
                Ok(())
            } else {
                Err(L402Error::CaveatNotSatisfied)
            }
        },
    };
    let keys = |_: &[u8; 32]| Some(*key);
    let target = Target {
        service: "svc",
        capability: Some("read"),
        now,
    };
    total += usize::from(
        verify_authorization(&[text], &mut scratch, &keys, &target, &[&custom]).is_ok(),
    );
    let mut scratch2 = [0u8; 512];
    if let Ok((mac, pre)) = parse_macaroon_header(text, &mut scratch2) {
        total += usize::from(pre[0]);
        let mut w = Writer::new(&mut out[..]);
        let mut att = [0u8; 600];
        total += usize::from(write_macaroon_header(&mut w, &mac, key, &mut att).is_ok());
    }
    let id = Identifier::new(*key, *key);
    total += usize::from(Identifier::parse(&id.to_bytes()).is_ok());
    let mut a = [0u8; 64];
    let mut b = [0u8; 64];
    if let (Ok(s), Ok(v)) = (
        services_caveat(&mut a, &[("svc", 0)]),
        valid_until_caveat(&mut b, "svc", now),
    ) {
        let mut buf = [0u8; 512];
        if let Ok(mac) = mint_token(&mut buf, key, &id, "lsat", &[s, v]) {
            let mut w = Writer::new(&mut out[..]);
            total += usize::from(write_challenge(&mut w, Scheme::Lsat, mac, "lnbc1").is_ok());
        }
    }
    total
}
