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
use pay402::l402::server::{
    CREDENTIAL_HEADER, Invoice, L402Server, NoRevocation, Request, RootKeys, ServerConfig,
};
use pay402::l402::{ClientPolicy, Scheme, check_challenge, select_challenge, write_authorization};
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

/// The protected resource: the core's L402 server, root keys derived from one secret, so the
/// server keeps nothing per token or per unpaid request.
struct Server {
    l402: L402Server<'static>,
    invoice_hash: [u8; 32],
}

impl Server {
    /// 402 with a fresh challenge (a new token id; the stand-in invoice as the host's invoice).
    fn challenge(&self, error: Option<&str>) -> (u16, Vec<(String, String)>, Vec<u8>) {
        let invoice = Invoice {
            bolt11: INVOICE,
            payment_hash: self.invoice_hash,
        };
        let mut out = vec![0u8; 4096];
        let token_id = random32().unwrap_or([0; 32]);
        let Ok(c) = self
            .l402
            .write_challenge(&invoice, token_id, DEMO_NOW, &mut out)
        else {
            return (500, vec![], b"challenge failed\n".to_vec());
        };
        let mut headers = vec![("Cache-Control".to_owned(), "no-store".to_owned())];
        headers.extend(
            c.values()
                .iter()
                .map(|v| (c.header_name.to_owned(), (*v).to_owned())),
        );
        if let Some(code) = error {
            headers.push(("X-L402-Error".to_owned(), code.to_owned()));
        }
        (c.status, headers, b"payment required\n".to_vec())
    }

    fn handle(&self, request: &http::Message) -> (u16, Vec<(String, String)>, Vec<u8>) {
        let values: Vec<&str> = request
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(CREDENTIAL_HEADER))
            .map(|(_, v)| v.as_str())
            .collect();
        let mut scratch = vec![0u8; values.iter().map(|v| v.len()).sum::<usize>() + 64];
        match self.l402.admit(
            &Request::new(&values, DEMO_NOW),
            &NoRevocation,
            &mut scratch,
        ) {
            // aperture would now ask lnd whether the invoice is settled; the stand-in "is".
            Ok(_) => (
                200,
                Vec::new(),
                b"{\"forecast\":\"sunny, 402 degrees\"}".to_vec(),
            ),
            // No credential: the challenge; a bad one: a fresh challenge with the reason
            // (aperture's `FreshChallengeHeader`).
            Err(refusal) if refusal.code() == "payment_required" => self.challenge(None),
            Err(refusal) => self.challenge(Some(refusal.code())),
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

    // Server: the core's L402 server, aperture's defaults (services, capabilities, valid_until
    // caveats), root keys derived from a random secret.
    let secret = random32().map_err(|e| e.to_string())?;
    let keys = RootKeys::new(&secret).map_err(|e| e.to_string())?;
    let config = ServerConfig {
        token_lifetime: 3600,
        ..ServerConfig::new(SERVICE, 17_000, Network::Bitcoin)
    };
    let server = Server {
        l402: L402Server::new(config, keys).map_err(|e| e.to_string())?,
        invoice_hash,
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
