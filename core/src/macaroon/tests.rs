//! Unit tests of the view, builder and verifier against published vectors (libmacaroons,
//! go-macaroon, pymacaroons).
//
// Test-only: the parent module declares it under `#[cfg(test)]`.

use super::builder::V2Builder;
use super::verify::{AcceptList, Verdict, VerifyPolicy, verify};
use super::*;
use crate::hex::decode_array;

fn h32(s: &str) -> [u8; 32] {
    decode_array(s.as_bytes()).unwrap()
}

const README_KEY2: &[u8] = b"this is a different super-secret key; never use the same secret twice";
const README_CK: &[u8] = b"4; guaranteed random by a fair toss of the dice";
const README_CID: &[u8] = b"this was how we remind auth of key/pred";

/// Go `TestMarshalBinaryRoundTrip` bytes, rebuilt with the README's zero nonce.
fn readme_third_party(buf: &mut [u8]) -> &[u8] {
    let mut b = V2Builder::mint(
        buf,
        README_KEY2,
        b"we used our other secret key",
        b"http://mybank/",
    )
    .unwrap();
    b.add_first_party(b"account = 3735928559").unwrap();
    b.add_third_party(README_CK, README_CID, b"http://auth.mybank/", &[0; 24])
        .unwrap();
    b.finish().unwrap()
}

#[test]
fn readme_third_party_caveat_signature_matches_libmacaroons() {
    let mut buf = [0u8; 512];
    let bytes = readme_third_party(&mut buf);
    let mac = Macaroon::parse_binary(bytes).unwrap();
    assert_eq!(
        mac.signature(),
        &h32("d27db2fd1f22760e4c3dae8137e2d8fc1df6c0741c18aed4b97256bf78d1f55c")
    );
    let caveats: [Caveat<'_>; 2] = [mac.caveats().next().unwrap(), mac.caveats().nth(1).unwrap()];
    assert_eq!(caveats[1].location, b"http://auth.mybank/");
    assert_eq!(caveats[1].vid.len(), VID_LEN);
    // Re-encoding is byte-for-byte identical.
    let mut out = [0u8; 512];
    let mut w = Writer::new(&mut out);
    mac.encode_v2(&mut w).unwrap();
    assert_eq!(w.written(), bytes);
    assert_eq!(mac.v2_len(), bytes.len());
}

#[test]
fn readme_discharge_binds_and_verifies() {
    let mut buf = [0u8; 512];
    let root_bytes = readme_third_party(&mut buf);
    let root = Macaroon::parse_binary(root_bytes).unwrap();
    let mut dbuf = [0u8; 256];
    let mut d = V2Builder::mint(&mut dbuf, README_CK, README_CID, b"http://auth.mybank/").unwrap();
    d.add_first_party(b"time < 2020-01-01T00:00").unwrap();
    assert_eq!(
        d.signature(),
        h32("2ed1049876e9d5840950274b579b0770317df54d338d9d3039c7c67d0d91d63c")
    );
    let bound = d.finish_bound(root.signature()).unwrap();
    let discharge = Macaroon::parse_binary(bound).unwrap();
    assert_eq!(
        discharge.signature(),
        &h32("d115ef1c133b1126978d5ab27f69d99ba9d0468cd6c1b7e47b8c1c59019cb019")
    );
    let accepted: [&[u8]; 2] = [b"account = 3735928559", b"time < 2020-01-01T00:00"];
    let mut checker = AcceptList(&accepted);
    verify(
        &root,
        README_KEY2,
        &[discharge],
        &mut checker,
        &VerifyPolicy::STRICT,
    )
    .unwrap();
    assert_eq!(
        verify(&root, README_KEY2, &[], &mut checker, &VerifyPolicy::STRICT),
        Err(MacaroonError::DischargeMissing)
    );
    assert_eq!(
        verify(
            &root,
            README_KEY2,
            &[discharge, discharge],
            &mut checker,
            &VerifyPolicy::STRICT
        ),
        Err(MacaroonError::DischargeUnused)
    );
    let too_shallow = VerifyPolicy {
        max_depth: 0,
        ..VerifyPolicy::STRICT
    };
    assert_eq!(
        verify(&root, README_KEY2, &[discharge], &mut checker, &too_shallow),
        Err(MacaroonError::DepthExceeded)
    );
}

#[test]
fn an_unbound_discharge_is_a_signature_mismatch() {
    let mut buf = [0u8; 512];
    let root = Macaroon::parse_binary(readme_third_party(&mut buf)).unwrap();
    let mut dbuf = [0u8; 256];
    let d = V2Builder::mint(&mut dbuf, README_CK, README_CID, b"").unwrap();
    let discharge = Macaroon::parse_binary(d.finish().unwrap()).unwrap();
    let mut any = |_: &[u8]| Verdict::Accept;
    assert_eq!(
        verify(
            &root,
            README_KEY2,
            &[discharge],
            &mut any,
            &VerifyPolicy::STRICT
        ),
        Err(MacaroonError::SignatureMismatch)
    );
}

#[test]
fn libmacaroons_unit_signatures() {
    let mut buf = [0u8; 256];
    let mut b = V2Builder::mint(
        &mut buf,
        b"this is the key",
        b"keyid",
        b"http://example.org/",
    )
    .unwrap();
    assert_eq!(
        b.signature(),
        h32("7cdee792511c5bc6f528485805dfe9b24e785e28e2a99301f9d711c609e38ef7")
    );
    b.add_first_party(b"account = 3735928559").unwrap();
    assert_eq!(
        b.signature(),
        h32("f54807f6dc6edf88bf0f7306b3822562a362533dbf7339ba61765da4bd259d87")
    );
    b.add_first_party(b"user = alice").unwrap();
    assert_eq!(
        b.signature(),
        h32("4be967cd1ea0c6b26baf6a4a94ee9b05b15886da0ba85e8c42a93c8d0e125efc")
    );
}

#[test]
fn attenuating_a_decoded_macaroon_extends_its_chain() {
    let mut scratch = [0u8; 256];
    let mac = Macaroon::decode(
        b"AgETaHR0cDovL2V4YW1wbGUub3JnLwIFa2V5aWQAAhRhY2NvdW50ID0gMzczNTkyODU1OQAABiD1SAf23G7fiL8PcwazgiVio2JTPb9zObphdl2kvSWdhw",
        &mut scratch,
    )
    .unwrap();
    let mut buf = [0u8; 256];
    let mut b = V2Builder::attenuate(&mut buf, &mac).unwrap();
    b.add_first_party(b"user = alice").unwrap();
    let out = Macaroon::parse_binary(b.finish().unwrap()).unwrap();
    assert_eq!(
        out.signature(),
        &h32("4be967cd1ea0c6b26baf6a4a94ee9b05b15886da0ba85e8c42a93c8d0e125efc")
    );
    assert_eq!(out.caveat_count(), 2);
}

#[test]
fn strict_mode_rejects_unknown_and_l402_mode_skips_it() {
    let mut buf = [0u8; 256];
    let mut b = V2Builder::mint(&mut buf, b"k", b"id", b"").unwrap();
    b.add_first_party(b"services=svc:0").unwrap();
    b.add_first_party(b"other=1").unwrap();
    let mac = Macaroon::parse_binary(b.finish().unwrap()).unwrap();
    let mut l402 = |c: &[u8]| {
        if c.starts_with(b"services=") {
            Verdict::Accept
        } else {
            Verdict::Unknown
        }
    };
    verify(&mac, b"k", &[], &mut l402, &VerifyPolicy::L402).unwrap();
    assert_eq!(
        verify(&mac, b"k", &[], &mut l402, &VerifyPolicy::STRICT),
        Err(MacaroonError::CaveatNotSatisfied {
            macaroon: 0,
            caveat: 1
        })
    );
    let mut reject = |_: &[u8]| Verdict::Reject;
    assert!(verify(&mac, b"k", &[], &mut reject, &VerifyPolicy::L402).is_err());
}

#[test]
fn json_forms_decode_to_the_same_macaroon() {
    let mut s1 = [0u8; 512];
    let v2 = Macaroon::decode(
        br#"{"v":2,"l":"http://example.org/","i":"keyid","c":[{"i":"account = 3735928559"}],"s64":"9UgH9txu34i_D3MGs4IlYqNiUz2_czm6YXZdpL0lnYc"}"#,
        &mut s1,
    )
    .unwrap();
    let mut s2 = [0u8; 512];
    let bin = Macaroon::decode(
        b"AgETaHR0cDovL2V4YW1wbGUub3JnLwIFa2V5aWQAAhRhY2NvdW50ID0gMzczNTkyODU1OQAABiD1SAf23G7fiL8PcwazgiVio2JTPb9zObphdl2kvSWdhw",
        &mut s2,
    )
    .unwrap();
    assert_eq!(v2.signature(), bin.signature());
    assert!(v2.caveats().eq(bin.caveats()));
    let mut s3 = [0u8; 512];
    let v1 = Macaroon::decode(
        br#"{"caveats":[{"cid":"account = 3735928559"}],"location":"http://example.org/","identifier":"keyid","signature":"f54807f6dc6edf88bf0f7306b3822562a362533dbf7339ba61765da4bd259d87"}"#,
        &mut s3,
    )
    .unwrap();
    assert_eq!(v1.version(), Version::V1);
    assert_eq!(v1.signature(), bin.signature());
    assert!(v1.caveats().eq(bin.caveats()));
}
