//! The offers server never panics on any bearer value, payment-request body or webhook
//! (header and body); a refusal always has a status and a JSON body; a webhook that passes
//! yields a replay key that does not depend on the signature time.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::offers::{
    OffersConfig, OffersServer, PaymentDetails, Step, WebhookOutcome, write_refusal,
};
use pay402::writer::Writer;

const OFFERS: &[u8] = br#"[{"id":"offer_0001","type":"top-up","balance":2,"amount":10,"currency":"USD","payment_methods":["lightning","onchain","fake-pay"]},{"id":"offer_0003","type":"subscription","duration":"1 month","amount":500,"currency":"USD","payment_methods":["credit_card"]}]"#;
const NOW: u64 = 1_767_225_000;

fuzz_target!(|data: &[u8]| {
    let config = OffersConfig::new(OFFERS, "https://api.test/pr", b"whsec_fuzz");
    let server = OffersServer::new(config, &[3u8; 32]).expect("fixed configuration");
    let mut buf = vec![0u8; 4096];
    let mut out = vec![0u8; 512];
    let (head, body) = data.split_at(data.iter().position(|b| *b == b'\n').unwrap_or(data.len()));
    let body = body.get(1..).unwrap_or_default();
    if let Ok(header) = core::str::from_utf8(head) {
        if let Err(e) = server.request(
            Some(header),
            Some(body),
            NOW,
            &[1; 16],
            &mut Writer::new(&mut buf),
        ) {
            write_refusal(Step::Request, &e, &mut Writer::new(&mut out)).expect("refusal fits");
        }
        match server.webhook(Some(header), body, NOW) {
            Ok(WebhookOutcome::Paid(g)) => assert!(g.replay_expires_at > g.paid_at),
            Ok(WebhookOutcome::NotPaid) => {}
            Err(e) => {
                write_refusal(Step::Webhook, &e, &mut Writer::new(&mut out)).expect("refusal fits");
            }
        }
    }
    let details = PaymentDetails {
        lightning_invoice: Some("lnbc1"),
        checkout_url: Some("https://pay.test/c"),
        address: Some("0xabc"),
        expires_at: None,
    };
    if let Err(e) = server.payment_request_reply(data, &details, NOW, &mut Writer::new(&mut buf)) {
        write_refusal(Step::PaymentRequest, &e, &mut Writer::new(&mut out)).expect("refusal fits");
    }
});
