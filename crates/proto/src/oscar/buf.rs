//! Checked big-endian reading and writing of OSCAR fields.
//!
//! Every parser in [`crate::oscar`] reads through [`Reader`], so truncated or hostile input turns
//! into a [`WireError`] instead of a panic; the `put_*` helpers refuse values whose length does
//! not fit their length prefix instead of silently truncating them.
//!
//! A [`Reader`] made from a frame's [`Bytes`] ([`Reader::shared`], or `From<&Bytes>`) hands out
//! values such as TLV payloads as slices of that frame ([`Reader::bytes_shared`]), so decoding
//! a SNAC copies nothing but its small fixed fields; one made from a plain slice copies each
//! such value once.

use bytes::{BufMut, Bytes, BytesMut};
use thiserror::Error;

/// Why a SNAC, TLV or other OSCAR structure could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WireError {
    /// The input ended before a field was complete.
    #[error("truncated input: needed {needed} more bytes, only {available} left")]
    Truncated {
        /// Bytes the field needed.
        needed: usize,
        /// Bytes that were left.
        available: usize,
    },
    /// A value is longer than the length field in front of it can describe.
    #[error("{what} is {len} bytes, more than its length field allows ({max})")]
    TooLong {
        /// Which field was too long.
        what: &'static str,
        /// Its actual length.
        len: usize,
        /// The most its prefix can describe.
        max: usize,
    },
    /// The bytes were complete but do not form a valid value.
    #[error("invalid {what}: {detail}")]
    Invalid {
        /// Which structure was invalid.
        what: &'static str,
        /// What was wrong with it.
        detail: String,
    },
}

impl WireError {
    /// Builds an [`WireError::Invalid`] so callers can describe a bad value in one line.
    pub fn invalid(what: &'static str, detail: impl Into<String>) -> Self {
        WireError::Invalid { what, detail: detail.into() }
    }
}

/// A cursor over a byte slice whose reads fail with [`WireError::Truncated`] instead of panicking.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    /// The buffer `buf` lies in, when there is one to take zero-copy slices of.
    frame: Option<&'a Bytes>,
}

impl<'a> Reader<'a> {
    /// Starts reading at the beginning of `buf`; values it hands out as [`Bytes`] are copies.
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, frame: None }
    }

    /// Starts reading at the beginning of `frame`; values it hands out as [`Bytes`] are slices
    /// of `frame` (a reference count, no copy), which is how a received SNAC is decoded.
    pub fn shared(frame: &'a Bytes) -> Self {
        Reader { buf: frame, frame: Some(frame) }
    }

    /// Bytes not yet consumed, so parsers can decide whether optional fields follow.
    pub fn remaining(&self) -> usize {
        self.buf.len()
    }

    /// Whether everything has been consumed.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The unconsumed bytes without consuming them, for look-ahead and error reports.
    pub fn peek_rest(&self) -> &'a [u8] {
        self.buf
    }

    /// Consumes exactly `n` bytes.
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        if n > self.buf.len() {
            return Err(WireError::Truncated { needed: n, available: self.buf.len() });
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Ok(head)
    }

    /// Consumes exactly `n` bytes as [`Bytes`]: a slice of the frame when this reader has one
    /// ([`Reader::shared`]), otherwise a copy.
    pub fn bytes_shared(&mut self, n: usize) -> Result<Bytes, WireError> {
        let head = self.bytes(n)?;
        Ok(self.to_bytes(head))
    }

    /// Consumes exactly `n` bytes as a reader of their own, which keeps this reader's frame so
    /// values read from it are still slices (length-prefixed TLV blocks, message fragments).
    pub fn sub(&mut self, n: usize) -> Result<Reader<'a>, WireError> {
        Ok(Reader { buf: self.bytes(n)?, frame: self.frame })
    }

    /// Consumes everything that is left as [`Bytes`], sliced or copied as
    /// [`Reader::bytes_shared`] does.
    pub fn rest_shared(&mut self) -> Bytes {
        let rest = self.rest();
        self.to_bytes(rest)
    }

    /// `part` (which lies in this reader's input) as [`Bytes`].
    fn to_bytes(&self, part: &'a [u8]) -> Bytes {
        match self.frame {
            // `part` came out of `buf`, which lies in `frame`, so `slice_ref` cannot panic.
            Some(frame) if !part.is_empty() => frame.slice_ref(part),
            _ => Bytes::copy_from_slice(part),
        }
    }

    /// Consumes a fixed-size array, e.g. an 8-byte ICBM cookie or a 16-byte capability.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], WireError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.bytes(N)?);
        Ok(out)
    }

    /// Consumes one byte.
    pub fn u8(&mut self) -> Result<u8, WireError> {
        Ok(u8::from_be_bytes(self.array()?))
    }

    /// Consumes a big-endian u16.
    pub fn u16(&mut self) -> Result<u16, WireError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    /// Consumes a big-endian u32.
    pub fn u32(&mut self) -> Result<u32, WireError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    /// Consumes a string with a u8 length prefix (`str8`), returning its raw bytes.
    pub fn str8(&mut self) -> Result<&'a [u8], WireError> {
        let len = self.u8()?;
        self.bytes(usize::from(len))
    }

    /// Consumes a string with a u16 length prefix (`str16`), returning its raw bytes.
    pub fn str16(&mut self) -> Result<&'a [u8], WireError> {
        let len = self.u16()?;
        self.bytes(usize::from(len))
    }

    /// Consumes a `str8` and decodes it as UTF-8, replacing invalid sequences (screen names).
    pub fn string8(&mut self) -> Result<String, WireError> {
        Ok(String::from_utf8_lossy(self.str8()?).into_owned())
    }

    /// Consumes a `str16` and decodes it as UTF-8, replacing invalid sequences (feedbag names).
    pub fn string16(&mut self) -> Result<String, WireError> {
        Ok(String::from_utf8_lossy(self.str16()?).into_owned())
    }

    /// Consumes everything that is left.
    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.buf)
    }

    /// Fails unless everything was consumed, for bodies with a fixed layout.
    pub fn finish(&self, what: &'static str) -> Result<(), WireError> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(WireError::invalid(what, format!("{} unexpected trailing bytes", self.buf.len())))
        }
    }
}

impl<'a> From<&'a [u8]> for Reader<'a> {
    fn from(buf: &'a [u8]) -> Self {
        Reader::new(buf)
    }
}

impl<'a, const N: usize> From<&'a [u8; N]> for Reader<'a> {
    fn from(buf: &'a [u8; N]) -> Self {
        Reader::new(buf)
    }
}

impl<'a> From<&'a Vec<u8>> for Reader<'a> {
    fn from(buf: &'a Vec<u8>) -> Self {
        Reader::new(buf)
    }
}

impl<'a> From<&'a BytesMut> for Reader<'a> {
    fn from(buf: &'a BytesMut) -> Self {
        Reader::new(buf)
    }
}

impl<'a> From<&'a Bytes> for Reader<'a> {
    fn from(frame: &'a Bytes) -> Self {
        Reader::shared(frame)
    }
}

/// Checks that `len` fits a length prefix with maximum `max`.
pub fn check_len(what: &'static str, len: usize, max: usize) -> Result<(), WireError> {
    if len > max {
        Err(WireError::TooLong { what, len, max })
    } else {
        Ok(())
    }
}

/// Writes a `str8`, refusing values longer than 255 bytes.
pub fn put_str8(out: &mut BytesMut, what: &'static str, s: &[u8]) -> Result<(), WireError> {
    check_len(what, s.len(), usize::from(u8::MAX))?;
    out.put_u8(s.len() as u8);
    out.put_slice(s);
    Ok(())
}

/// Writes a `str16`, refusing values longer than 65 535 bytes.
pub fn put_str16(out: &mut BytesMut, what: &'static str, s: &[u8]) -> Result<(), WireError> {
    check_len(what, s.len(), usize::from(u16::MAX))?;
    out.put_u16(s.len() as u16);
    out.put_slice(s);
    Ok(())
}

/// Writes a count as a u16 prefix, refusing lists longer than 65 535 entries.
pub fn put_count16(out: &mut BytesMut, what: &'static str, n: usize) -> Result<(), WireError> {
    check_len(what, n, usize::from(u16::MAX))?;
    out.put_u16(n as u16);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_big_endian_fields_in_order() {
        let mut r = Reader::new(&[0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x02, b'h', b'i']);
        assert_eq!(r.u8(), Ok(1));
        assert_eq!(r.u16(), Ok(0x0203));
        assert_eq!(r.u32(), Ok(0x0405_0607));
        assert_eq!(r.string8(), Ok("hi".to_string()));
        assert!(r.is_empty());
        assert_eq!(r.finish("test"), Ok(()));
    }

    #[test]
    fn truncation_is_an_error_not_a_panic() {
        let mut r = Reader::new(&[0x00]);
        assert_eq!(r.u16(), Err(WireError::Truncated { needed: 2, available: 1 }));
        let mut r = Reader::new(&[0x05, b'a']);
        assert!(matches!(r.str8(), Err(WireError::Truncated { needed: 5, available: 1 })));
        let mut r = Reader::new(&[0xFF, 0xFF]);
        assert!(r.str16().is_err());
        assert!(Reader::new(&[1]).finish("x").is_err());
    }

    #[test]
    fn writers_refuse_overlong_values() {
        let mut out = BytesMut::new();
        assert!(put_str8(&mut out, "name", &[0u8; 256]).is_err());
        assert!(put_str16(&mut out, "name", &vec![0u8; 65_536]).is_err());
        put_str8(&mut out, "name", b"bob").unwrap();
        put_str16(&mut out, "name", b"x").unwrap();
        assert_eq!(&out[..], b"\x03bob\x00\x01x");
    }
}
