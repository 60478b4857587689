//! The single-use proof rule: a proof identifier is accepted once (`PayPer402`'s documented but
//! unimplemented 409; the sandbox's reusable tokens; WS402's unrecorded tx hashes).

use super::error::DialectError;

/// A host-supplied store of used proof identifiers (memory, Redis `SET NX`, a SQL unique key).
pub trait SingleUseStore {
    /// The store's own error.
    type Error;

    /// Atomically inserts `key` if it is absent: `Ok(true)` when this call inserted it,
    /// `Ok(false)` when it was already there. Two concurrent calls with one key must not both
    /// see `true`.
    fn insert_if_absent(&mut self, key: &[u8]) -> Result<bool, Self::Error>;
}

/// Accepts `proof_id` once: `Ok(())` the first time, `proof_already_used` after (answer 409),
/// and `proof_store_unavailable` when the store fails — fail closed, the proof is refused.
///
/// Key the store with everything the proof is bound to (scheme, network, asset, payer,
/// tx id or nonce), not the raw header text.
///
/// ```
/// use pay402::dialects::{SingleUseStore, accept_once};
/// use pay402::ErrorCode;
///
/// struct Fixed<const N: usize> { keys: heapless::Vec<heapless::Vec<u8, 64>, N> }
/// impl<const N: usize> SingleUseStore for Fixed<N> {
///     type Error = ();
///     fn insert_if_absent(&mut self, key: &[u8]) -> Result<bool, ()> {
///         if self.keys.iter().any(|k| k.as_slice() == key) { return Ok(false); }
///         let k = heapless::Vec::from_slice(key).map_err(|_| ())?;
///         self.keys.push(k).map(|()| true).map_err(|_| ())
///     }
/// }
/// let mut store = Fixed::<1> { keys: heapless::Vec::new() };
/// assert_eq!(accept_once(&mut store, b"sig-a"), Ok(()));
/// assert_eq!(accept_once(&mut store, b"sig-a").unwrap_err().code(), "proof_already_used");
/// assert_eq!(accept_once(&mut store, b"sig-b").unwrap_err().code(), "proof_store_unavailable");
/// ```
pub fn accept_once<S: SingleUseStore + ?Sized>(
    store: &mut S,
    proof_id: &[u8],
) -> Result<(), DialectError> {
    match store.insert_if_absent(proof_id) {
        Ok(true) => Ok(()),
        Ok(false) => Err(DialectError::ProofAlreadyUsed),
        Err(_) => Err(DialectError::StoreUnavailable),
    }
}
