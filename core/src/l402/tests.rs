//! Behaviour of the satisfiers (aperture `l402/satisfier.go`) and of the
//! writers, with expected values from the spec text.
//
// Test-only: the parent module declares it under `#[cfg(test)]`.

use super::*;
use crate::writer::Writer;

fn run(caveats: &[&[u8]], satisfiers: &[&dyn Satisfier]) -> Result<(), L402Error> {
    check_caveats(&caveats.iter().copied(), satisfiers)
}

#[test]
fn services_may_narrow_but_never_widen() {
    let target = ServicesSatisfier { service: "svc" };
    assert_eq!(
        run(&[b"services=svc:0,b:1", b"services=svc:2"], &[&target]),
        Ok(())
    );
    assert_eq!(
        run(&[b"services=svc:0", b"services=svc:0,evil:0"], &[&target]),
        Err(L402Error::CaveatWidened)
    );
    // The last caveat decides: narrowing away the target refuses it.
    assert_eq!(
        run(&[b"services=svc:0,b:0", b"services=b:0"], &[&target]),
        Err(L402Error::ServiceNotAllowed)
    );
}

#[test]
fn malformed_services_values_refuse_the_service() {
    let target = ServicesSatisfier { service: "svc" };
    for bad in [
        &b"services="[..],
        b"services=svc",
        b"services=svc:x",
        b"services=:0",
        b"services=svc:0:1",
    ] {
        assert_eq!(
            run(&[bad], &[&target]),
            Err(L402Error::ServiceNotAllowed),
            "{bad:?}"
        );
    }
    // Go's Atoi accepts a sign; the uint8 cast is unchecked, so any integer tier passes.
    assert_eq!(run(&[b"services=svc:+300"], &[&target]), Ok(()));
}

#[test]
fn untrimmed_and_conditionless_caveats_are_skipped() {
    let target = ServicesSatisfier { service: "svc" };
    assert_eq!(
        run(&[b"services = evil:0", b"no condition"], &[&target]),
        Ok(())
    );
}

#[test]
fn valid_until_is_strict_and_only_shrinks() {
    let at = |now| ValidUntilSatisfier {
        service: "svc",
        now,
    };
    assert_eq!(run(&[b"svc_valid_until=100"], &[&at(99)]), Ok(()));
    assert_eq!(
        run(&[b"svc_valid_until=100"], &[&at(100)]),
        Err(L402Error::TokenExpired)
    );
    assert_eq!(
        run(&[b"svc_valid_until=-5"], &[&at(0)]),
        Err(L402Error::TokenExpired)
    );
    assert_eq!(
        run(&[b"svc_valid_until=1e3"], &[&at(0)]),
        Err(L402Error::TokenExpired)
    );
    assert_eq!(
        run(&[b"svc_valid_until=100", b"svc_valid_until=101"], &[&at(0)]),
        Err(L402Error::CaveatWidened)
    );
    assert_eq!(
        run(&[b"svc_valid_until=100", b"svc_valid_until=50"], &[&at(49)]),
        Ok(())
    );
    // Another service's timeout is not ours.
    assert_eq!(run(&[b"other_valid_until=1"], &[&at(5)]), Ok(()));
}

#[test]
fn capabilities_are_subsets_and_the_last_list_decides() {
    let read = CapabilitiesSatisfier {
        service: "svc",
        capability: "read",
    };
    assert_eq!(
        run(
            &[b"svc_capabilities=read,write", b"svc_capabilities=read"],
            &[&read]
        ),
        Ok(())
    );
    assert_eq!(
        run(
            &[b"svc_capabilities=read", b"svc_capabilities=read,admin"],
            &[&read]
        ),
        Err(L402Error::CaveatWidened)
    );
    assert_eq!(
        run(&[b"svc_capabilities="], &[&read]),
        Err(L402Error::CapabilityNotAllowed)
    );
}

#[test]
fn caller_satisfiers_see_their_condition_only() {
    let gold = FnSatisfier {
        condition: "tier",
        previous: |_: &[u8], _: &[u8]| Ok(()),
        last: |v: &[u8]| {
            if v == b"gold" {
                Ok(())
            } else {
                Err(L402Error::CaveatNotSatisfied)
            }
        },
    };
    assert_eq!(run(&[b"tier=gold", b"services=x:0"], &[&gold]), Ok(()));
    assert_eq!(
        run(&[b"tier=gold", b"tier=tin"], &[&gold]),
        Err(L402Error::CaveatNotSatisfied)
    );
}

#[test]
fn challenge_writer_refuses_values_that_would_break_the_header() {
    let mut buf = [0u8; 64];
    let mut w = Writer::new(&mut buf);
    for invoice in ["lnbc\"1", "lnbc\\1", "lnbc\r\n1", ""] {
        assert_eq!(
            write_challenge(&mut w, Scheme::L402, &[2], invoice),
            Err(L402Error::ChallengeParam)
        );
    }
    assert!(w.is_empty());
    let mut small = [0u8; 20];
    let mut w = Writer::new(&mut small);
    assert_eq!(
        write_challenge(&mut w, Scheme::L402, &[2], "lnbc1"),
        Err(L402Error::BufferTooSmall)
    );
    assert!(w.is_empty());
}

#[test]
fn macaroon_header_round_trips_the_preimage_caveat() {
    // The macaroon of vector B (aperture `authenticator_test.go` inputs), sent the gRPC way.
    let mut root_key = [0u8; 32];
    for (i, b) in root_key.iter_mut().enumerate() {
        *b = u8::try_from(i).unwrap();
    }
    let preimage: [u8; 32] = crate::hex::decode_array(
        b"49349dfea4abed3cd14f6d356afa83de9787b609f088c8df09bacc7b4bd21b39",
    )
    .unwrap();
    let id = Identifier::new(payment_hash_of(&preimage), [1; 32]);
    let mut buf = [0u8; 256];
    let mac_bytes = mint_token(
        &mut buf,
        &root_key,
        &id,
        APERTURE_LOCATION,
        &[b"services=svc:0"],
    )
    .unwrap();
    let mac = crate::macaroon::Macaroon::parse_binary(mac_bytes).unwrap();
    let mut out = [0u8; 1024];
    let mut w = Writer::new(&mut out);
    let mut scratch = [0u8; 512];
    write_macaroon_header(&mut w, &mac, &preimage, &mut scratch).unwrap();
    let text = core::str::from_utf8(w.written()).unwrap();
    let mut scratch2 = [0u8; 512];
    let (back, pre) = parse_macaroon_header(text, &mut scratch2).unwrap();
    assert_eq!(pre, preimage);
    // The preimage caveat is legal attenuation: the token still verifies.
    let keys = |_: &[u8; 32]| Some(root_key);
    let target = Target {
        service: "svc",
        capability: None,
        now: 0,
    };
    assert_eq!(verify_token(&back, &[], &pre, &keys, &target, &[]), Ok(id));
}
