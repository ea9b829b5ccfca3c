//! The 10-byte SNAC header (§2.1) and the error SNAC every family shares (§2.2).

use bytes::{BufMut, Bytes, BytesMut};

use super::buf::{Reader, WireError};
use super::codes::SnacErrorCode;
use super::tlv::TlvBlock;

/// Size of the SNAC header in bytes.
pub const SNAC_HEADER_LEN: usize = 10;
/// Flag: more SNACs answering the same request follow (multi-part replies such as 13/06).
pub const FLAG_MORE_REPLIES: u16 = 0x0001;
/// Flag: the body starts with a u16-length-prefixed extra header that readers must skip.
pub const FLAG_EXTRA_HEADER: u16 = 0x8000;
/// Bit 31 of the request id marks SNACs the server sends on its own initiative.
pub const SERVER_REQUEST_ID_BIT: u32 = 0x8000_0000;
/// The subtype of the error SNAC in every family.
pub const SUBTYPE_ERROR: u16 = 0x0001;

/// The SNAC header: which command this is and which request it answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SnacHeader {
    /// Food group (family), e.g. 0x0004 ICBM.
    pub family: u16,
    /// Command within the family.
    pub subtype: u16,
    /// Flags (0x0001 more replies follow; 0x8000 extra header present).
    pub flags: u16,
    /// Request id chosen by the requester and echoed in replies.
    pub request_id: u32,
}

impl SnacHeader {
    /// A header with no flags, the usual shape for requests and single replies.
    pub fn new(family: u16, subtype: u16, request_id: u32) -> Self {
        SnacHeader { family, subtype, flags: 0, request_id }
    }

    /// Whether more SNACs answering the same request follow.
    pub fn more_follow(&self) -> bool {
        self.flags & FLAG_MORE_REPLIES != 0
    }

    /// Whether the server sent this on its own initiative (request id bit 31).
    pub fn is_server_initiated(&self) -> bool {
        self.request_id & SERVER_REQUEST_ID_BIT != 0
    }

    /// Reads a header; the 0x8000 extra header is *not* skipped here (see [`Snac::decode`]).
    pub fn read(r: &mut Reader<'_>) -> Result<Self, WireError> {
        Ok(SnacHeader {
            family: r.u16()?,
            subtype: r.u16()?,
            flags: r.u16()?,
            request_id: r.u32()?,
        })
    }

    /// Writes the header; flag 0x8000 is always cleared because we never write an extra header.
    pub fn write(&self, out: &mut BytesMut) {
        out.put_u16(self.family);
        out.put_u16(self.subtype);
        out.put_u16(self.flags & !FLAG_EXTRA_HEADER);
        out.put_u32(self.request_id);
    }
}

/// A SNAC split into its header and raw body, ready for [`super::decode_snac`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snac {
    /// The header as received.
    pub header: SnacHeader,
    /// The body after any 0x8000 extra header.
    pub body: Bytes,
}

impl Snac {
    /// Splits a channel-2 FLAP payload into header and body, skipping the extra header that
    /// flag 0x8000 announces.
    pub fn decode(payload: &Bytes) -> Result<Self, WireError> {
        let (header, mut body) = Self::split(payload)?;
        Ok(Snac { header, body: body.rest_shared() })
    }

    /// Reads the header (skipping any 0x8000 extra header) and returns a reader over the body
    /// that slices `payload`, so decoding the body takes no extra copy or slice of its own.
    pub fn split(payload: &Bytes) -> Result<(SnacHeader, Reader<'_>), WireError> {
        let mut r = Reader::shared(payload);
        let header = SnacHeader::read(&mut r)?;
        if header.flags & FLAG_EXTRA_HEADER != 0 {
            r.str16()?;
        }
        Ok((header, r))
    }

    /// Encodes header and body into one FLAP payload.
    pub fn encode(&self) -> Bytes {
        let mut out = BytesMut::with_capacity(SNAC_HEADER_LEN + self.body.len());
        self.header.write(&mut out);
        out.put_slice(&self.body);
        out.freeze()
    }
}

/// The body of a `(family, 0x0001)` error SNAC: a code plus optional TLVs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnacError {
    /// The generic error code.
    pub code: SnacErrorCode,
    /// Optional TLVs; 0x0008 carries a family-specific subcode.
    pub tlvs: TlvBlock,
}

impl SnacError {
    /// An error with no subcode, as the server answers an unroutable SNAC.
    pub fn new(code: SnacErrorCode) -> Self {
        SnacError { code, tlvs: TlvBlock::new() }
    }

    /// The family-specific subcode (TLV 0x0008), if any, written in two bytes or one (§2.2).
    pub fn subcode(&self) -> Option<u16> {
        self.tlvs.get_u8_or_u16(0x0008)
    }

    /// Decodes the body; a body of only the code is fine.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        let code = SnacErrorCode::from(r.u16()?);
        Ok(SnacError { code, tlvs: TlvBlock::read_rest(&mut r)? })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        out.put_u16(self.code.into());
        self.tlvs.write_rest(out)
    }
}

impl std::fmt::Display for SnacError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.subcode() {
            Some(sub) => write!(f, "{}, subcode 0x{sub:04X}", self.code),
            None => write!(f, "{}", self.code),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_header_is_skipped() {
        // §2.1: `0001 000A 8000 0000001B | 0006 | 0001 0002 0003 | …`
        let payload = Bytes::from_static(&[
            0x00, 0x01, 0x00, 0x0A, 0x80, 0x00, 0x00, 0x00, 0x00, 0x1B, 0x00, 0x06, 0x00, 0x01,
            0x00, 0x02, 0x00, 0x03, 0xAB, 0xCD,
        ]);
        let snac = Snac::decode(&payload).unwrap();
        assert_eq!(
            snac.header,
            SnacHeader { family: 1, subtype: 0x0A, flags: 0x8000, request_id: 0x1B }
        );
        assert_eq!(&snac.body[..], [0xAB, 0xCD]);
        // Re-encoding never sets 0x8000.
        let again = Snac::decode(&snac.encode()).unwrap();
        assert_eq!(again.header.flags, 0);
        assert_eq!(again.body, snac.body);
    }

    #[test]
    fn error_subcode_is_read_in_one_byte_or_two() {
        // 04/01 code 0x0004 with TLV 0x0008 as a u16, as a u8, and at an impossible width.
        let two = SnacError::decode(&[0x00, 0x04, 0x00, 0x08, 0x00, 0x02, 0x00, 0x0E]).unwrap();
        assert_eq!(two.subcode(), Some(0x000E));
        let one = SnacError::decode(&[0x00, 0x04, 0x00, 0x08, 0x00, 0x01, 0x0E]).unwrap();
        assert_eq!(one.subcode(), Some(0x000E));
        assert_eq!(one.to_string(), two.to_string());
        let three = SnacError::decode(&[0x00, 0x04, 0x00, 0x08, 0x00, 0x03, 1, 2, 3]).unwrap();
        assert_eq!(three.subcode(), None);
    }

    #[test]
    fn truncated_headers_are_errors() {
        assert!(Snac::decode(&Bytes::from_static(&[0, 1, 0, 2, 0, 0, 0, 0, 0])).is_err());
        // 0x8000 announced, prefix runs past the end.
        assert!(
            Snac::decode(&Bytes::from_static(&[0, 1, 0, 2, 0x80, 0, 0, 0, 0, 1, 0, 9])).is_err()
        );
    }

    #[test]
    fn error_body_with_subcode() {
        let e = SnacError::decode(&[0x00, 0x04, 0x00, 0x08, 0x00, 0x02, 0x00, 0x10]).unwrap();
        assert_eq!(e.code, SnacErrorCode::NotLoggedOn);
        assert_eq!(e.subcode(), Some(0x10));
        assert!(SnacError::decode(&[0x00]).is_err());
        let mut out = BytesMut::new();
        e.encode(&mut out).unwrap();
        assert_eq!(&out[..], [0x00, 0x04, 0x00, 0x08, 0x00, 0x02, 0x00, 0x10]);
    }
}
