//! `server.admit`: the x402 resource server's admission (offers + request headers + now + replay
//! state in; status, headers, body, verified payment out), through `pay402::x402::server`.

use super::Outcome;
use crate::input;
use pay402::U256;
use pay402::u256::LeadingZeros;
use pay402::x402::header;
use pay402::x402::server::{
    Admission, ExchangeOptions, Next, Offer, OfferScheme, OfferSet, Refusal, Resource, admit,
    begin, payment_header, write_challenge,
};
use pay402::x402::{AnyVerified, Verifier};
use serde_json::{Value, json};

/// How many offers a case may configure.
const MAX_OFFERS: usize = 8;

fn offer(value: &Value) -> Result<Offer<'_>, String> {
    let text = |key: &str| input::str(value, key);
    let scheme = match (text("scheme")?, input::opt_str(value, "transfer_method")) {
        ("exact", Some("permit2")) => OfferScheme::ExactPermit2,
        ("exact", _) if value.get("fee_payer").is_some() => OfferScheme::ExactSvm {
            fee_payer: text("fee_payer")?,
        },
        ("exact", _) => OfferScheme::ExactEip3009 {
            name: text("eip712_name")?,
            version: text("eip712_version")?,
        },
        ("upto", _) => OfferScheme::UptoPermit2 {
            facilitator: text("facilitator")?,
        },
        _ => return Err(input::bad("scheme")),
    };
    Ok(Offer {
        scheme,
        network: text("network")?,
        asset: text("asset")?,
        amount: U256::parse_decimal(text("amount")?.as_bytes(), LeadingZeros::Reject)
            .map_err(|_| input::bad("amount"))?,
        pay_to: text("pay_to")?,
        max_timeout_seconds: input::u64(value, "max_timeout_seconds")?,
    })
}

/// The challenge a refused request gets: 402, `PAYMENT-REQUIRED`, the body reporting the
/// refusal's code, detail code and message.
fn refused(
    offers: &OfferSet<'_, MAX_OFFERS>,
    resource: &Resource<'_>,
    refusal: Refusal,
) -> Outcome {
    let (mut h, mut b) = (vec![0u8; 16_384], vec![0u8; 16_384]);
    let challenge = write_challenge(offers, resource, Some(&refusal.problem()), &mut h, &mut b)
        .map_err(|e| super::code(&e))?;
    let body: Value = serde_json::from_slice(challenge.body_or_empty())
        .map_err(|_| "body is not JSON".to_owned())?;
    let (body, body_message) = without_message(body);
    Ok(json!({
        "admitted": false,
        "status": refusal.status,
        "code": refusal.code,
        "detail_code": refusal.detail_code,
        "headers": [[challenge.header_name, challenge.header_value]],
        "body": body,
        "body_message": body_message,
    }))
}

/// The body without its `errorMessage`, and whether that was a non-empty string: messages are
/// free text, so vectors check that one is there and compare the rest of the body exactly
/// (tests/conformance/vectors/README.md, `server.admit`).
fn without_message(mut body: Value) -> (Value, bool) {
    let present = body
        .get("errorMessage")
        .and_then(Value::as_str)
        .is_some_and(|m| !m.is_empty());
    if present && let Some(object) = body.as_object_mut() {
        object.remove("errorMessage");
    }
    (body, present)
}

fn admitted(admission: &Admission<'_>) -> Value {
    let mut key = [0u8; 80];
    let (payer, kind) = match admission.verified {
        AnyVerified::Evm(v) => (v.payer.to_string(), "evm"),
        AnyVerified::Svm(v) => (v.payer.to_string(), "svm"),
    };
    json!({
        "admitted": true,
        "offer_index": admission.offer_index,
        "x402Version": admission.version.number(),
        "payer": payer,
        "kind": kind,
        "amount": admission.max_amount.to_string(),
        "replay_key": input::to_0x(admission.replay.key.write_bytes(&mut key)),
        "ttl": admission.replay.ttl,
    })
}

pub(crate) fn admit_op(input: &Value) -> Outcome {
    let mut offers = OfferSet::<MAX_OFFERS>::new();
    for value in input::get(input, "offers")?
        .as_array()
        .ok_or_else(|| input::bad("offers"))?
    {
        offers.push(offer(value)?).map_err(|e| super::code(&e))?;
    }
    let resource_value = input::get(input, "resource")?;
    let resource = Resource {
        url: input::str(resource_value, "url")?,
        description: input::opt_str(resource_value, "description").unwrap_or(""),
        mime_type: input::opt_str(resource_value, "mime_type"),
    };
    let now = input::u64(input, "now")?;
    let reserved: Vec<&str> = input
        .get("reserved")
        .and_then(Value::as_array)
        .map(|keys| keys.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let headers = input::get(input, "headers")?
        .as_array()
        .ok_or_else(|| input::bad("headers"))?;
    let pairs: Vec<(&str, &str)> = headers
        .iter()
        .filter_map(|pair| Some((pair.get(0)?.as_str()?, pair.get(1)?.as_str()?)))
        .collect();
    let Some((name, value)) = payment_header(pairs.iter().copied()) else {
        return refused(&offers, &resource, Refusal::NO_PAYMENT);
    };
    let mut buf = vec![0u8; header::RECOMMENDED_BUFFER_LEN.max(value.len() * 2)];
    let admission = match admit(
        &offers,
        name,
        value.as_bytes(),
        now,
        &Verifier::DEFAULT,
        &mut buf,
    ) {
        Ok(admission) => admission,
        Err(refusal) => return refused(&offers, &resource, refusal),
    };
    let (reserving, _) = begin(&admission, ExchangeOptions::default());
    let mut key = [0u8; 80];
    let fresh =
        !reserved.contains(&input::to_0x(admission.replay.key.write_bytes(&mut key)).as_str());
    match reserving.reserved(fresh) {
        Next::Done(_) => refused(&offers, &resource, Refusal::ALREADY_USED),
        Next::Handle(_) | Next::Settle(..) => Ok(admitted(&admission)),
    }
}
