//! Output into caller-provided buffers.
//!
//! The core never allocates: every encoder writes through a [`Writer`] over a `&mut [u8]` the
//! caller owns. [`write_all`] runs an encoder and guarantees that on error nothing is left
//! half-written.

use crate::error::BufferTooSmall;

/// An append-only cursor over a caller-provided byte buffer.
///
/// Writes either fit completely or fail with [`BufferTooSmall`] without writing anything.
#[derive(Debug)]
pub struct Writer<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl<'a> Writer<'a> {
    /// A writer that starts at the beginning of `buf`.
    pub fn new(buf: &'a mut [u8]) -> Self {
        Self { buf, len: 0 }
    }

    /// Number of bytes written so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// `true` when nothing has been written yet.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The bytes written so far.
    pub fn written(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }

    /// Consumes the writer and returns the written prefix of the buffer.
    pub fn into_written(self) -> &'a [u8] {
        let len = self.len;
        let buf: &'a [u8] = self.buf;
        buf.get(..len).unwrap_or_default()
    }

    /// Appends `bytes` completely, or writes nothing and fails.
    pub fn push(&mut self, bytes: &[u8]) -> Result<(), BufferTooSmall> {
        self.reserve(bytes.len())?.copy_from_slice(bytes);
        Ok(())
    }

    /// Appends one byte.
    pub fn push_byte(&mut self, byte: u8) -> Result<(), BufferTooSmall> {
        self.push(&[byte])
    }

    /// Appends UTF-8 text.
    pub fn push_str(&mut self, text: &str) -> Result<(), BufferTooSmall> {
        self.push(text.as_bytes())
    }

    /// Claims the next `n` bytes of the buffer for the caller to fill in place.
    ///
    /// The claimed bytes count as written. Fails without claiming anything when fewer than `n`
    /// bytes remain.
    pub fn reserve(&mut self, n: usize) -> Result<&mut [u8], BufferTooSmall> {
        let end = self.len.checked_add(n).ok_or(BufferTooSmall)?;
        let slot = self.buf.get_mut(self.len..end).ok_or(BufferTooSmall)?;
        self.len = end;
        Ok(slot)
    }

    /// Number of bytes still free.
    pub fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.len)
    }
}

impl core::fmt::Write for Writer<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.push_str(s).map_err(|_| core::fmt::Error)
    }
}

/// Runs `encode` on a fresh [`Writer`] over `buf` and returns the number of bytes written.
///
/// On error the bytes `encode` had written are zeroed before the error is returned, so a
/// failed encode never leaves a plausible-looking prefix behind.
///
/// ```
/// use pay402::writer::{write_all, Writer};
/// let mut buf = [0u8; 4];
/// let n = write_all(&mut buf, |w: &mut Writer<'_>| w.push(b"402")).unwrap();
/// assert_eq!(&buf[..n], b"402");
///
/// let mut buf = [0u8; 4];
/// assert!(write_all(&mut buf, |w: &mut Writer<'_>| { w.push(b"40")?; w.push(b"2!!") }).is_err());
/// assert_eq!(buf, [0; 4]);
/// ```
pub fn write_all<E>(
    buf: &mut [u8],
    encode: impl FnOnce(&mut Writer<'_>) -> Result<(), E>,
) -> Result<usize, E> {
    let mut writer = Writer::new(buf);
    let result = encode(&mut writer);
    let len = writer.len();
    match result {
        Ok(()) => Ok(len),
        Err(error) => {
            if let Some(dirty) = buf.get_mut(..len) {
                dirty.fill(0);
            }
            Err(error)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_that_does_not_fit_writes_nothing() {
        let mut buf = [0u8; 3];
        let mut w = Writer::new(&mut buf);
        w.push(b"ab").unwrap();
        assert_eq!(w.push(b"cd"), Err(BufferTooSmall));
        assert_eq!(w.written(), b"ab");
        assert_eq!(w.remaining(), 1);
    }

    #[test]
    fn reserve_overflow_is_an_error_not_a_panic() {
        let mut buf = [0u8; 3];
        let mut w = Writer::new(&mut buf);
        w.push(b"a").unwrap();
        assert!(w.reserve(usize::MAX).is_err());
    }
}
