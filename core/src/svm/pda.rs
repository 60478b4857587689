//! Program-derived addresses and associated token accounts (Solana transaction format).
//!
//! `PDA = sha256(seeds… ‖ bump ‖ program_id ‖ "ProgramDerivedAddress")` for the first bump
//! from 255 down whose hash is **not** an ed25519 point (decompressed as an Edwards Y
//! coordinate, as the Solana runtime's `bytes_are_curve_point` does).

use super::instructions::ASSOCIATED_TOKEN_PROGRAM_ID;
use super::pubkey::Pubkey;
use curve25519_dalek::edwards::CompressedEdwardsY;
use sha2::{Digest, Sha256};

const PDA_MARKER: &[u8] = b"ProgramDerivedAddress";

/// Most seeds a PDA takes, and the longest seed, in bytes (the runtime's limits).
pub const MAX_SEEDS: usize = 16;
/// Longest seed, in bytes.
pub const MAX_SEED_LEN: usize = 32;

/// `true` when `bytes` decode as a point of the ed25519 curve (a PDA must not).
pub fn is_on_curve(bytes: &[u8; 32]) -> bool {
    CompressedEdwardsY(*bytes).decompress().is_some()
}

/// The address for `seeds` with `bump`, or `None` when it lies on the curve (or the seeds
/// exceed the runtime's limits: at most [`MAX_SEEDS`] − 1 seeds besides the bump, each at most
/// [`MAX_SEED_LEN`] bytes).
pub fn create_program_address(seeds: &[&[u8]], bump: u8, program_id: &Pubkey) -> Option<Pubkey> {
    if seeds.len() >= MAX_SEEDS || seeds.iter().any(|s| s.len() > MAX_SEED_LEN) {
        return None;
    }
    let mut hasher = Sha256::new();
    for seed in seeds {
        hasher.update(seed);
    }
    hasher.update([bump]);
    hasher.update(program_id.0);
    hasher.update(PDA_MARKER);
    let hash: [u8; 32] = hasher.finalize().into();
    if is_on_curve(&hash) {
        None
    } else {
        Some(Pubkey(hash))
    }
}

/// `findProgramAddress`: the first off-curve address for bumps 255, 254, … 0, with its bump.
pub fn find_program_address(seeds: &[&[u8]], program_id: &Pubkey) -> Option<(Pubkey, u8)> {
    (0..=u8::MAX)
        .rev()
        .find_map(|bump| create_program_address(seeds, bump, program_id).map(|key| (key, bump)))
}

/// The associated token account of `owner` for `mint` under `token_program`:
/// PDA(`[owner, token_program, mint]`, Associated Token Account program).
///
/// ```
/// use pay402::svm::{associated_token_address, Pubkey, TOKEN_PROGRAM_ID};
/// // The all-zero owner's USDC account (as `@solana-program/token`'s `findAssociatedTokenPda` derives it).
/// let owner = Pubkey([0; 32]);
/// let usdc = Pubkey::parse(b"EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v")?;
/// let ata = associated_token_address(&owner, &usdc, &TOKEN_PROGRAM_ID);
/// assert_eq!(ata.map(|a| a.to_string()).as_deref(), Some("HJt8Tjdsc9ms9i4WCZEzhzr4oyf3ANcdzXrNdLPFqm3M"));
/// # Ok::<(), pay402::svm::PubkeyError>(())
/// ```
pub fn associated_token_address(
    owner: &Pubkey,
    mint: &Pubkey,
    token_program: &Pubkey,
) -> Option<Pubkey> {
    find_program_address(
        &[&owner.0, &token_program.0, &mint.0],
        &ASSOCIATED_TOKEN_PROGRAM_ID,
    )
    .map(|(key, _)| key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ed25519_base_point_is_on_the_curve_and_a_pda_is_not() {
        // The base point's compressed encoding (RFC 8032 §5.1): y = 4/5.
        let mut base = [0x66u8; 32];
        base[0] = 0x58;
        assert!(is_on_curve(&base));
        let ata = associated_token_address(
            &Pubkey([0; 32]),
            &Pubkey([1; 32]),
            &super::super::instructions::TOKEN_PROGRAM_ID,
        )
        .unwrap();
        assert!(!is_on_curve(&ata.0));
    }

    #[test]
    fn refuses_too_many_or_too_long_seeds() {
        let long = [0u8; 33];
        assert_eq!(create_program_address(&[&long], 0, &Pubkey([0; 32])), None);
        let seeds = [&[][..]; 16];
        assert_eq!(create_program_address(&seeds, 0, &Pubkey([0; 32])), None);
    }
}
