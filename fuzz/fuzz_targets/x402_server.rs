//! The x402 resource server's admission on any payment header: any value under either header
//! name is admitted or refused without panicking; a refusal carries a status and a non-empty
//! code; an admission names an offer of the set, a payment whose network is that offer's, and a
//! replay lifetime that ends after `now`.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pay402::U256;
use pay402::x402::Verifier;
use pay402::x402::server::{Offer, OfferScheme, OfferSet, admit};

const PAY_TO: &str = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C";
const USDC_BASE_SEPOLIA: &str = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";

fuzz_target!(|data: &[u8]| {
    let Some((&mode, value)) = data.split_first() else {
        return;
    };
    let mut offers = OfferSet::<4>::new();
    let sold = [
        OfferScheme::ExactEip3009 {
            name: "USDC",
            version: "2",
        },
        OfferScheme::ExactPermit2,
        OfferScheme::UptoPermit2 {
            facilitator: "0x000000000000000000000000000000000000dEaD",
        },
    ];
    for scheme in sold {
        let offer = Offer {
            scheme,
            network: "eip155:84532",
            asset: USDC_BASE_SEPOLIA,
            amount: U256::from_u64(10_000),
            pay_to: PAY_TO,
            max_timeout_seconds: 60,
        };
        if offers.push(offer).is_err() {
            return;
        }
    }
    let name = if mode & 1 == 0 {
        "PAYMENT-SIGNATURE"
    } else {
        "X-PAYMENT"
    };
    // The spec example's authorization is valid from 1740672089 to 1740672154.
    let now = 1_740_672_000 + u64::from(mode >> 1);
    let mut buf = vec![0u8; 4096];
    match admit(&offers, name, value, now, &Verifier::default(), &mut buf) {
        Ok(admission) => {
            assert!(
                admission.offer_index < 3,
                "admitted against an offer not in the set"
            );
            assert!(admission.replay.until > now, "replay lifetime already over");
            assert!(admission.replay.ttl > 0);
        }
        Err(refusal) => {
            assert!(
                refusal.status >= 400,
                "refusal with status {}",
                refusal.status
            );
            assert!(!refusal.code.is_empty());
        }
    }
});
