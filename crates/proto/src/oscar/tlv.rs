//! TLVs (`u16 type | u16 length | value`) and the three block shapes they travel in (§3.1).

use bytes::{BufMut, BytesMut};

use super::buf::{check_len, put_count16, Reader, WireError};

/// One type-length-value item; the value is kept raw because its meaning depends on the SNAC.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Tlv {
    /// The TLV type number.
    pub kind: u16,
    /// The value bytes (at most 65 535 of them on the wire).
    pub value: Vec<u8>,
}

impl Tlv {
    /// Builds a TLV from a type and raw value bytes.
    pub fn new(kind: u16, value: impl Into<Vec<u8>>) -> Self {
        Tlv { kind, value: value.into() }
    }

    /// Reads one TLV; a length running past the end of the input is an error.
    pub fn read(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let kind = r.u16()?;
        let len = r.u16()?;
        let value = r.bytes(usize::from(len))?.to_vec();
        Ok(Tlv { kind, value })
    }

    /// Writes this TLV, refusing values longer than 65 535 bytes.
    pub fn write(&self, out: &mut BytesMut) -> Result<(), WireError> {
        check_len("TLV value", self.value.len(), usize::from(u16::MAX))?;
        out.put_u16(self.kind);
        out.put_u16(self.value.len() as u16);
        out.put_slice(&self.value);
        Ok(())
    }

    /// The number of bytes this TLV takes on the wire.
    pub fn wire_len(&self) -> usize {
        4 + self.value.len()
    }
}

/// An ordered list of TLVs; repeated types are legal and order is preserved for re-encoding.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct TlvBlock(pub Vec<Tlv>);

impl TlvBlock {
    /// An empty block, the usual start of a builder chain.
    pub fn new() -> Self {
        TlvBlock(Vec::new())
    }

    /// Whether the block holds no TLVs.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The number of TLVs (not bytes) in the block.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Iterates the TLVs in wire order.
    pub fn iter(&self) -> std::slice::Iter<'_, Tlv> {
        self.0.iter()
    }

    /// Appends a TLV, keeping any earlier one of the same type.
    pub fn push(&mut self, kind: u16, value: impl Into<Vec<u8>>) {
        self.0.push(Tlv::new(kind, value));
    }

    /// Builder form of [`TlvBlock::push`].
    pub fn with(mut self, kind: u16, value: impl Into<Vec<u8>>) -> Self {
        self.push(kind, value);
        self
    }

    /// Builder form of pushing a big-endian u8 value.
    pub fn with_u8(self, kind: u16, v: u8) -> Self {
        self.with(kind, vec![v])
    }

    /// Builder form of pushing a big-endian u16 value.
    pub fn with_u16(self, kind: u16, v: u16) -> Self {
        self.with(kind, v.to_be_bytes().to_vec())
    }

    /// Builder form of pushing a big-endian u32 value.
    pub fn with_u32(self, kind: u16, v: u32) -> Self {
        self.with(kind, v.to_be_bytes().to_vec())
    }

    /// Replaces the first TLV of this type (or appends one), for updating e.g. feedbag attributes.
    pub fn set(&mut self, kind: u16, value: impl Into<Vec<u8>>) {
        let value = value.into();
        match self.0.iter_mut().find(|t| t.kind == kind) {
            Some(t) => t.value = value,
            None => self.0.push(Tlv { kind, value }),
        }
    }

    /// Removes every TLV of this type.
    pub fn remove(&mut self, kind: u16) {
        self.0.retain(|t| t.kind != kind);
    }

    /// The first TLV of this type, as most readers only honour the first occurrence.
    pub fn get(&self, kind: u16) -> Option<&Tlv> {
        self.0.iter().find(|t| t.kind == kind)
    }

    /// Whether a TLV of this type is present (flags such as 0x0003 "ack requested" are empty).
    pub fn has(&self, kind: u16) -> bool {
        self.get(kind).is_some()
    }

    /// The value of the first TLV of this type.
    pub fn value(&self, kind: u16) -> Option<&[u8]> {
        self.get(kind).map(|t| t.value.as_slice())
    }

    /// Every TLV of this type, in order (e.g. repeated message-data TLVs).
    pub fn get_all(&self, kind: u16) -> impl Iterator<Item = &Tlv> + '_ {
        self.0.iter().filter(move |t| t.kind == kind)
    }

    /// The first TLV of this type as a u8; a value of the wrong size counts as absent.
    pub fn get_u8(&self, kind: u16) -> Option<u8> {
        self.value(kind).and_then(|v| <[u8; 1]>::try_from(v).ok()).map(u8::from_be_bytes)
    }

    /// The first TLV of this type as a big-endian u16; a value of the wrong size counts as absent.
    pub fn get_u16(&self, kind: u16) -> Option<u16> {
        self.value(kind).and_then(|v| <[u8; 2]>::try_from(v).ok()).map(u16::from_be_bytes)
    }

    /// The first TLV of this type as a number written in one byte or two: servers disagree on
    /// the width of some codes (§1.5, §2.2), so both are read; any other size counts as absent.
    pub fn get_u8_or_u16(&self, kind: u16) -> Option<u16> {
        self.get_u16(kind).or_else(|| self.get_u8(kind).map(u16::from))
    }

    /// The first TLV of this type as a big-endian u32; a value of the wrong size counts as absent.
    pub fn get_u32(&self, kind: u16) -> Option<u32> {
        self.value(kind).and_then(|v| <[u8; 4]>::try_from(v).ok()).map(u32::from_be_bytes)
    }

    /// The first TLV of this type as text, replacing invalid UTF-8 rather than failing.
    pub fn get_str(&self, kind: u16) -> Option<String> {
        self.value(kind).map(|v| String::from_utf8_lossy(v).into_owned())
    }

    /// Reads TLVs until the input ends (the unprefixed "rest" shape).
    pub fn read_rest(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let mut tlvs = Vec::new();
        while !r.is_empty() {
            tlvs.push(Tlv::read(r)?);
        }
        Ok(TlvBlock(tlvs))
    }

    /// Reads a u16 TLV count and then that many TLVs (user-info blocks).
    pub fn read_counted(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let n = r.u16()?;
        let mut tlvs = Vec::with_capacity(usize::from(n).min(r.remaining() / 4));
        for _ in 0..n {
            tlvs.push(Tlv::read(r)?);
        }
        Ok(TlvBlock(tlvs))
    }

    /// Reads a u16 byte length and then TLVs filling exactly that many bytes (feedbag items).
    pub fn read_length_prefixed(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let len = r.u16()?;
        let mut inner = Reader::new(r.bytes(usize::from(len))?);
        Self::read_rest(&mut inner)
    }

    /// Decodes a whole SNAC body that is nothing but TLVs.
    pub fn decode(body: &[u8]) -> Result<Self, WireError> {
        Self::read_rest(&mut Reader::new(body))
    }

    /// Writes the TLVs with no prefix.
    pub fn write_rest(&self, out: &mut BytesMut) -> Result<(), WireError> {
        self.0.iter().try_for_each(|t| t.write(out))
    }

    /// Writes a u16 TLV count followed by the TLVs.
    pub fn write_counted(&self, out: &mut BytesMut) -> Result<(), WireError> {
        put_count16(out, "TLV count", self.0.len())?;
        self.write_rest(out)
    }

    /// Writes a u16 byte length followed by the TLVs.
    pub fn write_length_prefixed(&self, out: &mut BytesMut) -> Result<(), WireError> {
        let len: usize = self.0.iter().map(Tlv::wire_len).sum();
        check_len("TLV block", len, usize::from(u16::MAX))?;
        out.put_u16(len as u16);
        self.write_rest(out)
    }
}

impl FromIterator<Tlv> for TlvBlock {
    fn from_iter<I: IntoIterator<Item = Tlv>>(iter: I) -> Self {
        TlvBlock(iter.into_iter().collect())
    }
}

#[cfg(any(test, feature = "strategies"))]
pub mod strategy {
    //! Proptest generators shared by the family modules' round-trip tests.
    use super::*;
    use proptest::prelude::*;

    /// Any TLV with a short value.
    pub fn tlv() -> impl Strategy<Value = Tlv> {
        (any::<u16>(), proptest::collection::vec(any::<u8>(), 0..24))
            .prop_map(|(kind, value)| Tlv { kind, value })
    }

    /// A block of up to six TLVs, repeats allowed.
    pub fn block() -> impl Strategy<Value = TlvBlock> {
        proptest::collection::vec(tlv(), 0..6).prop_map(TlvBlock)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn one() -> TlvBlock {
        TlvBlock::new().with(0x0006, vec![0, 0])
    }

    #[test]
    fn spec_block_shapes() {
        // §3.1: TLV 0x0006 holding `00 00` in the three shapes.
        let mut out = BytesMut::new();
        one().write_rest(&mut out).unwrap();
        assert_eq!(&out[..], [0x00, 0x06, 0x00, 0x02, 0x00, 0x00]);
        out.clear();
        one().write_counted(&mut out).unwrap();
        assert_eq!(&out[..], [0x00, 0x01, 0x00, 0x06, 0x00, 0x02, 0x00, 0x00]);
        out.clear();
        one().write_length_prefixed(&mut out).unwrap();
        assert_eq!(&out[..], [0x00, 0x06, 0x00, 0x06, 0x00, 0x02, 0x00, 0x00]);

        let counted = [0x00, 0x01, 0x00, 0x06, 0x00, 0x02, 0x00, 0x00, 0xAA];
        let mut r = Reader::new(&counted);
        assert_eq!(TlvBlock::read_counted(&mut r).unwrap(), one());
        assert_eq!(r.rest(), [0xAA]);
        let lp = [0x00, 0x06, 0x00, 0x06, 0x00, 0x02, 0x00, 0x00, 0xBB];
        let mut r = Reader::new(&lp);
        assert_eq!(TlvBlock::read_length_prefixed(&mut r).unwrap(), one());
        assert_eq!(r.rest(), [0xBB]);
    }

    #[test]
    fn length_past_end_is_an_error() {
        assert!(TlvBlock::decode(&[0x00, 0x01, 0x00, 0x05, 0x01]).is_err());
        assert!(TlvBlock::decode(&[0x00, 0x01, 0x00]).is_err());
        assert!(TlvBlock::read_counted(&mut Reader::new(&[0x00, 0x02, 0, 1, 0, 0])).is_err());
        // The length prefix says 8 bytes but only 6 follow.
        assert!(
            TlvBlock::read_length_prefixed(&mut Reader::new(&[0, 8, 0, 6, 0, 2, 0, 0])).is_err()
        );
        // A TLV that crosses the end of its length-prefixed block is an error too.
        assert!(
            TlvBlock::read_length_prefixed(&mut Reader::new(&[0, 5, 0, 6, 0, 2, 0, 0])).is_err()
        );
    }

    #[test]
    fn typed_getters_check_sizes_and_keep_first() {
        let b = TlvBlock::new()
            .with_u16(1, 0x0010)
            .with_u32(1, 7)
            .with_u8(2, 9)
            .with(3, b"hi".to_vec())
            .with(4, vec![0xFF]);
        assert_eq!(b.get_u16(1), Some(0x0010));
        assert_eq!(b.get_u32(1), None);
        assert_eq!(b.get_all(1).count(), 2);
        assert_eq!(b.get_u8(2), Some(9));
        assert_eq!(b.get_str(3).as_deref(), Some("hi"));
        assert_eq!(b.get_str(4).as_deref(), Some("\u{FFFD}"));
        assert!(!b.has(5));
        let mut b = b;
        b.set(1, vec![1]);
        assert_eq!(b.get_u8(1), Some(1));
        b.remove(1);
        assert_eq!(b.len(), 3);
    }

    proptest! {
        #[test]
        fn block_round_trips_in_every_shape(b in strategy::block()) {
            let mut out = BytesMut::new();
            b.write_rest(&mut out).unwrap();
            b.write_counted(&mut out).unwrap();
            b.write_length_prefixed(&mut out).unwrap();
            let mut r = Reader::new(&out);
            let rest_len: usize = b.iter().map(Tlv::wire_len).sum();
            let mut first = Reader::new(r.bytes(rest_len).unwrap());
            prop_assert_eq!(TlvBlock::read_rest(&mut first).unwrap(), b.clone());
            prop_assert_eq!(TlvBlock::read_counted(&mut r).unwrap(), b.clone());
            prop_assert_eq!(TlvBlock::read_length_prefixed(&mut r).unwrap(), b);
            prop_assert!(r.is_empty());
        }

        #[test]
        fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = TlvBlock::decode(&data);
            let _ = TlvBlock::read_counted(&mut Reader::new(&data));
            let _ = TlvBlock::read_length_prefixed(&mut Reader::new(&data));
        }
    }
}
