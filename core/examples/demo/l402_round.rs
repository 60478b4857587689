//! The L402 round trip: a protected resource behind aperture-style challenges, a client that
//! checks the invoice against the token before paying, and server-side verification.
//!
//! PAYMENT IS A LOCAL STAND-IN: no Lightning node is contacted. The invoice is a real, signed
//! BOLT11 invoice whose preimage is public — the Fewsats example published in the fewsats-python
//! README — so the server mints its token for that payment hash, and the "wallet" below simply
//! hands back the known preimage instead of paying. Because that invoice was issued in 2024, the
//! demo's clock is pinned one minute after the invoice's timestamp so that it is not expired.

use crate::{http, show};
use pay402::ErrorCode;
use pay402::bolt11::Network;
use pay402::l402::{
    APERTURE_LOCATION, ClientPolicy, Identifier, Scheme, Target, capabilities_caveat,
    check_challenge, mint_token, root_key_id, select_challenge, services_caveat,
    valid_until_caveat, verify_authorization, write_authorization, write_challenge,
};
use pay402::writer::Writer;

/// Fewsats' published invoice (17 sat, `p` = 0e466fd9…611139, timestamp 1724856445, x 86400).
const INVOICE: &str = "lnbc170n1pnv7wrapp5perxlk25ywqwr05tpgzs0yyhswwg38jfmn9ec3qeqe92ujnpzyusdq024f5kgzgda6hxegcqzzsxqyz5vqsp54ceypjapjxntxrtnhkyfrds7m5u9stn8x6gkmf5dx6z56ksy6l3q9qxpqysgqnkxdtwqxhkvrav3d3wv83yxn45yrdywxu2mnyh4p7ecncuqsv4gn0xrfl6w57hd9lnc5eghdf536dqy5gf2uuly04nrtdjcwvezkt6cqtttnzj";
/// Its preimage, published alongside (fewsats-python README): what the stand-in wallet "learns" by
/// paying.
const PREIMAGE: &str = "b184b87e7a4f802bf41cd26c82d9d883b9cf7bb86f8dcfc4f394634ff711f628";
/// The demo clock: the invoice's timestamp + 60 s.
const DEMO_NOW: u64 = 1_724_856_445 + 60;
const SERVICE: &str = "demo";
const PATH: &str = "/l402/weather";

fn random32() -> std::io::Result<[u8; 32]> {
    use std::io::Read;
    let mut out = [0u8; 32];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut out)?;
    Ok(out)
}

struct Server {
    root_key: [u8; 32],
    root_key_id: [u8; 32],
    macaroon: Vec<u8>,
}

impl Server {
    fn challenge_headers(&self) -> Vec<(String, String)> {
        let mut headers = vec![("Cache-Control".to_owned(), "no-store".to_owned())];
        for scheme in Scheme::APERTURE_ORDER {
            let mut buf = vec![0u8; 2 * self.macaroon.len() + INVOICE.len() + 64];
            let mut w = Writer::new(&mut buf);
            write_challenge(&mut w, scheme, &self.macaroon, INVOICE).expect("sized buffer");
            headers.push((
                "WWW-Authenticate".to_owned(),
                String::from_utf8_lossy(w.written()).into_owned(),
            ));
        }
        headers
    }

    fn handle(&self, request: &http::Message) -> (u16, Vec<(String, String)>, Vec<u8>) {
        let values: Vec<&str> = request
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("Authorization"))
            .map(|(_, v)| v.as_str())
            .collect();
        if values.is_empty() {
            return (
                402,
                self.challenge_headers(),
                b"payment required\n".to_vec(),
            );
        }
        // The secrets store: one key, found by sha256(identifier).
        let keys = |id: &[u8; 32]| (*id == self.root_key_id).then_some(self.root_key);
        let mut scratch = vec![0u8; values.iter().map(|v| v.len()).sum()];
        let target = Target {
            service: SERVICE,
            capability: None,
            now: DEMO_NOW,
        };
        match verify_authorization(&values, &mut scratch, &keys, &target, &[]) {
            // aperture would now ask lnd whether the invoice is settled; the stand-in "is".
            Ok(_) => (
                200,
                Vec::new(),
                b"{\"forecast\":\"sunny, 402 degrees\"}".to_vec(),
            ),
            Err(e) => {
                // aperture answers an invalid credential with a fresh 402 (its
                // `FreshChallengeHeader`).
                let mut headers = self.challenge_headers();
                headers.push(("X-L402-Error".to_owned(), e.code().to_owned()));
                (402, headers, b"payment required\n".to_vec())
            }
        }
    }
}

#[allow(
    clippy::too_many_lines,
    reason = "the demo reads top to bottom as the exchange happens"
)]
pub(crate) fn run() -> Result<(), String> {
    println!("\n== L402 round trip (Lightning; PAYMENT IS A LOCAL STAND-IN, no node is contacted)");
    let preimage: [u8; 32] =
        pay402::hex::decode_array(PREIMAGE.as_bytes()).map_err(|e| e.to_string())?;
    let invoice_hash = pay402::bolt11::Bolt11Invoice::decode(INVOICE)
        .map_err(|e| e.to_string())?
        .payment_hash()
        .to_owned();

    // Server: mint a token for the invoice's payment hash, aperture-style caveats.
    let root_key = random32().map_err(|e| e.to_string())?;
    let id = Identifier::new(invoice_hash, random32().map_err(|e| e.to_string())?);
    let (mut a, mut b, mut c) = ([0u8; 64], [0u8; 64], [0u8; 64]);
    let caveats = [
        services_caveat(&mut a, &[(SERVICE, 0)]).map_err(|e| e.to_string())?,
        capabilities_caveat(&mut b, SERVICE, &[]).map_err(|e| e.to_string())?,
        valid_until_caveat(&mut c, SERVICE, DEMO_NOW + 3600).map_err(|e| e.to_string())?,
    ];
    let mut buf = [0u8; 512];
    let macaroon = mint_token(&mut buf, &root_key, &id, APERTURE_LOCATION, &caveats)
        .map_err(|e| e.to_string())?
        .to_vec();
    let server = Server {
        root_key,
        root_key_id: root_key_id(&id.to_bytes()),
        macaroon,
    };
    let port = http::serve(move |r| server.handle(r)).map_err(|e| e.to_string())?;
    println!("  server listening on http://127.0.0.1:{port}{PATH}  (service \"{SERVICE}\")");
    println!("  demo clock pinned at {DEMO_NOW} (the fixed invoice is from 2024)");

    show::step(&format!("GET {PATH} without credentials"));
    let first = http::get(port, PATH, &[]).map_err(|e| e.to_string())?;
    if first.status() != 402 {
        return Err(format!("expected 402, got {}", first.status()));
    }
    let challenges: Vec<&str> = first
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("WWW-Authenticate"))
        .map(|(_, v)| v.as_str())
        .collect();
    println!("    402 with {} challenges:", challenges.len());
    for value in &challenges {
        println!("      WWW-Authenticate: {}…", &value[..value.len().min(72)]);
    }
    if !(challenges.len() == 2
        && challenges[0].starts_with("LSAT ")
        && challenges[1].starts_with("L402 "))
    {
        return Err("expected the LSAT challenge, then the L402 one".into());
    }

    show::step("client checks the invoice against the token before paying");
    let challenge = select_challenge(&challenges).map_err(|e| e.to_string())?;
    let policy = ClientPolicy {
        network: Network::Bitcoin,
        budget_msat: 20_000,
    };
    let mut scratch = vec![0u8; challenge.macaroon.len()];
    let payable =
        check_challenge(&challenge, &policy, DEMO_NOW, &mut scratch).map_err(|e| e.to_string())?;
    println!(
        "    {} challenge: invoice {} msat ≤ budget {} msat, payment hash = token's payment hash, expires at {} > now",
        challenge.scheme,
        payable.invoice.amount_msat().unwrap_or(0),
        policy.budget_msat,
        payable.invoice.expires_at()
    );
    let stingy = ClientPolicy {
        budget_msat: 16_999,
        ..policy
    };
    let mut scratch2 = vec![0u8; challenge.macaroon.len()];
    match check_challenge(&challenge, &stingy, DEMO_NOW, &mut scratch2) {
        Err(e) => println!(
            "    (with a 16 999 msat budget the client would refuse: {})",
            e.code()
        ),
        Ok(_) => return Err("an over-budget invoice was accepted".into()),
    }

    show::step("LOCAL STAND-IN wallet: marks the invoice paid and hands back its preimage");
    println!("    preimage {PREIMAGE}");
    let mut header = vec![0u8; 2 * payable.macaroon_bytes.len() + 128];
    let mut w = Writer::new(&mut header);
    payable
        .write_authorization(&mut w, Scheme::L402, &preimage)
        .map_err(|e| e.to_string())?;
    let authorization = String::from_utf8_lossy(w.written()).into_owned();

    show::step(&format!(
        "GET {PATH} with Authorization: L402 <macaroon>:<preimage>"
    ));
    let paid = http::get(
        port,
        PATH,
        &[("Authorization".to_owned(), authorization.clone())],
    )
    .map_err(|e| e.to_string())?;
    if paid.status() != 200 {
        return Err(format!(
            "expected 200 after paying, got {} ({})",
            paid.status(),
            paid.header("X-L402-Error").unwrap_or("-")
        ));
    }
    println!("    200 OK: {}", String::from_utf8_lossy(&paid.body));

    show::step("a tampered preimage is refused");
    let mut wrong = preimage;
    wrong[31] ^= 1;
    let mut header = vec![0u8; 2 * payable.macaroon_bytes.len() + 128];
    let mut w = Writer::new(&mut header);
    write_authorization(&mut w, Scheme::L402, payable.macaroon_bytes, &wrong)
        .map_err(|e| e.to_string())?;
    let tampered = String::from_utf8_lossy(w.written()).into_owned();
    let refused = http::get(port, PATH, &[("Authorization".to_owned(), tampered)])
        .map_err(|e| e.to_string())?;
    if refused.status() != 402 || refused.header("X-L402-Error") != Some("invalid_preimage") {
        return Err(format!(
            "a tampered preimage must be refused with invalid_preimage, got {} {:?}",
            refused.status(),
            refused.header("X-L402-Error")
        ));
    }
    println!("    refused with 402 (invalid_preimage), as it must be");
    Ok(())
}
