//! TLVs (`u16 type | u16 length | value`) and the three block shapes they travel in (§3.1).
//!
//! A [`TlvBlock`] keeps all its values in one [`Bytes`] and each TLV as a type and a range of
//! it. Decoded from a frame through [`Reader::shared`], that buffer is the block's own bytes in
//! the frame: decoding copies nothing and takes one reference count per block, not one per
//! value (per-value counts cost as much as the allocations they replaced, see
//! `docs/performance.md`). Built with [`TlvBlock::with`] and friends, the values are appended
//! to a buffer of the block's own.

use std::fmt;
use std::hash::{Hash, Hasher};

use bytes::{BufMut, Bytes, BytesMut};

use super::buf::{check_len, put_count16, Reader, WireError};

/// One type-length-value item, owning its value; a [`TlvBlock`] hands out [`TlvRef`]s instead.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Tlv {
    /// The TLV type number.
    pub kind: u16,
    /// The value bytes (at most 65 535 of them on the wire).
    pub value: Bytes,
}

impl Tlv {
    /// Builds a TLV from a type and raw value bytes.
    pub fn new(kind: u16, value: impl Into<Bytes>) -> Self {
        Tlv { kind, value: value.into() }
    }

    /// Reads one TLV; a length running past the end of the input is an error.
    pub fn read(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let kind = r.u16()?;
        let len = r.u16()?;
        let value = r.bytes_shared(usize::from(len))?;
        Ok(Tlv { kind, value })
    }

    /// Writes this TLV, refusing values longer than 65 535 bytes.
    pub fn write(&self, out: &mut BytesMut) -> Result<(), WireError> {
        write_tlv(out, self.kind, &self.value)
    }

    /// The number of bytes this TLV takes on the wire.
    pub fn wire_len(&self) -> usize {
        4 + self.value.len()
    }
}

/// One TLV of a [`TlvBlock`], borrowed from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TlvRef<'a> {
    /// The TLV type number.
    pub kind: u16,
    /// The value bytes.
    pub value: &'a [u8],
}

impl TlvRef<'_> {
    /// The number of bytes this TLV takes on the wire.
    pub fn wire_len(&self) -> usize {
        4 + self.value.len()
    }

    /// An owned copy of this TLV.
    pub fn to_tlv(&self) -> Tlv {
        Tlv::new(self.kind, Bytes::copy_from_slice(self.value))
    }
}

fn write_tlv(out: &mut BytesMut, kind: u16, value: &[u8]) -> Result<(), WireError> {
    check_len("TLV value", value.len(), usize::from(u16::MAX))?;
    out.put_u16(kind);
    out.put_u16(value.len() as u16);
    out.put_slice(value);
    Ok(())
}

/// Where one TLV's value lies in its block's buffer.
#[derive(Debug, Clone, Copy)]
struct Entry {
    kind: u16,
    start: usize,
    end: usize,
}

/// An ordered list of TLVs; repeated types are legal and order is preserved for re-encoding.
///
/// Equality and hashing are by the TLVs (types and values, in order), not by how the block
/// stores them.
#[derive(Clone, Default)]
pub struct TlvBlock {
    /// Every value's bytes: the block's span of the frame when decoded from one (headers
    /// included, the entries skip them), otherwise the values appended one after another
    /// (plus the old bytes of values [`TlvBlock::set`] replaced or [`TlvBlock::remove`] dropped).
    data: Bytes,
    /// The TLVs in wire order.
    entries: Vec<Entry>,
}

impl TlvBlock {
    /// An empty block, the usual start of a builder chain.
    pub fn new() -> Self {
        TlvBlock::default()
    }

    /// Whether the block holds no TLVs.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The number of TLVs (not bytes) in the block.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The bytes the TLVs take on the wire, without any count or length prefix.
    pub fn wire_len(&self) -> usize {
        self.entries.iter().map(|e| 4 + (e.end - e.start)).sum()
    }

    fn value_of(&self, e: &Entry) -> &[u8] {
        // Every entry's range lies in `data` (they are only made by `push_entry` and the
        // readers), so this never falls back to the empty slice.
        self.data.get(e.start..e.end).unwrap_or_default()
    }

    fn tlv_ref(&self, e: &Entry) -> TlvRef<'_> {
        TlvRef { kind: e.kind, value: self.value_of(e) }
    }

    /// Iterates the TLVs in wire order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = TlvRef<'_>> + '_ {
        self.entries.iter().map(|e| self.tlv_ref(e))
    }

    /// `value` appended to `data`, as the range it now occupies there.
    fn append(&mut self, value: Bytes) -> (usize, usize) {
        if self.data.is_empty() {
            // The first value becomes the buffer as it is: no copy.
            let end = value.len();
            self.data = value;
            return (0, end);
        }
        // Reuses the buffer when this block is its only owner, copies it otherwise (a block
        // decoded from a frame, a clone): the frame and other blocks never change.
        let mut buf = BytesMut::from(std::mem::take(&mut self.data));
        let start = buf.len();
        buf.extend_from_slice(&value);
        self.data = buf.freeze();
        (start, self.data.len())
    }

    /// Appends a TLV, keeping any earlier one of the same type.
    pub fn push(&mut self, kind: u16, value: impl Into<Bytes>) {
        let (start, end) = self.append(value.into());
        self.entries.push(Entry { kind, start, end });
    }

    /// Appends every TLV of `other`, in order.
    pub fn extend_from(&mut self, other: &TlvBlock) {
        for t in other.iter() {
            self.push(t.kind, Bytes::copy_from_slice(t.value));
        }
    }

    /// Builder form of [`TlvBlock::push`].
    pub fn with(mut self, kind: u16, value: impl Into<Bytes>) -> Self {
        self.push(kind, value);
        self
    }

    /// Builder form of pushing a big-endian u8 value.
    pub fn with_u8(self, kind: u16, v: u8) -> Self {
        self.with(kind, Bytes::copy_from_slice(&[v]))
    }

    /// Builder form of pushing a big-endian u16 value.
    pub fn with_u16(self, kind: u16, v: u16) -> Self {
        self.with(kind, Bytes::copy_from_slice(&v.to_be_bytes()))
    }

    /// Builder form of pushing a big-endian u32 value.
    pub fn with_u32(self, kind: u16, v: u32) -> Self {
        self.with(kind, Bytes::copy_from_slice(&v.to_be_bytes()))
    }

    /// Replaces the first TLV of this type (or appends one), for updating e.g. feedbag attributes.
    pub fn set(&mut self, kind: u16, value: impl Into<Bytes>) {
        let Some(i) = self.entries.iter().position(|e| e.kind == kind) else {
            return self.push(kind, value);
        };
        let (start, end) = self.append(value.into());
        self.entries[i] = Entry { kind, start, end };
    }

    /// Removes every TLV of this type.
    pub fn remove(&mut self, kind: u16) {
        self.entries.retain(|e| e.kind != kind);
    }

    /// The first TLV of this type, as most readers only honour the first occurrence.
    pub fn get(&self, kind: u16) -> Option<TlvRef<'_>> {
        self.entries.iter().find(|e| e.kind == kind).map(|e| self.tlv_ref(e))
    }

    /// Whether a TLV of this type is present (flags such as 0x0003 "ack requested" are empty).
    pub fn has(&self, kind: u16) -> bool {
        self.entries.iter().any(|e| e.kind == kind)
    }

    /// The value of the first TLV of this type.
    pub fn value(&self, kind: u16) -> Option<&[u8]> {
        self.get(kind).map(|t| t.value)
    }

    /// The value of the first TLV of this type as [`Bytes`]: a slice of the block's buffer (of
    /// the frame, when decoded from one), not a copy.
    pub fn value_bytes(&self, kind: u16) -> Option<Bytes> {
        let v = self.value(kind)?;
        Some(if v.is_empty() { Bytes::new() } else { self.data.slice_ref(v) })
    }

    /// A reader over the value of the first TLV of this type, for decoding a structure nested
    /// in it (ICBM message data): values it hands out as [`Bytes`] are slices of the block's
    /// buffer, as from [`Reader::shared`].
    pub fn value_reader(&self, kind: u16) -> Option<Reader<'_>> {
        let e = self.entries.iter().find(|e| e.kind == kind)?;
        let mut r = Reader::shared(&self.data);
        r.bytes(e.start).ok()?;
        r.sub(e.end - e.start).ok()
    }

    /// Every TLV of this type, in order (e.g. repeated message-data TLVs).
    pub fn get_all(&self, kind: u16) -> impl Iterator<Item = TlvRef<'_>> + '_ {
        self.iter().filter(move |t| t.kind == kind)
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

    /// Reads TLVs until `count` of them are read or, with no count, the input ends. The walk
    /// only records where each value lies; the span it covered then becomes the block's buffer
    /// in one piece (a slice of the frame or one copy, as [`Reader::bytes_shared`] gives).
    fn read_tlvs(r: &mut Reader<'_>, count: Option<u16>) -> Result<Self, WireError> {
        let input = r.peek_rest();
        let mut walk = Reader::new(input);
        let mut entries = match count {
            Some(n) => Vec::with_capacity(usize::from(n).min(input.len() / 4)),
            None => Vec::new(),
        };
        while count.map_or(!walk.is_empty(), |n| entries.len() < usize::from(n)) {
            let kind = walk.u16()?;
            let len = walk.u16()?;
            let start = input.len() - walk.remaining();
            walk.bytes(usize::from(len))?;
            entries.push(Entry { kind, start, end: start + usize::from(len) });
        }
        let data = r.bytes_shared(input.len() - walk.remaining())?;
        Ok(TlvBlock { data, entries })
    }

    /// Reads TLVs until the input ends (the unprefixed "rest" shape).
    pub fn read_rest(r: &mut Reader<'_>) -> Result<Self, WireError> {
        Self::read_tlvs(r, None)
    }

    /// Reads a u16 TLV count and then that many TLVs (user-info blocks).
    pub fn read_counted(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let n = r.u16()?;
        Self::read_tlvs(r, Some(n))
    }

    /// Reads a u16 byte length and then TLVs filling exactly that many bytes (feedbag items).
    pub fn read_length_prefixed(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let len = r.u16()?;
        let mut inner = r.sub(usize::from(len))?;
        Self::read_rest(&mut inner)
    }

    /// Decodes a whole SNAC body that is nothing but TLVs; from a `&Bytes` the values are
    /// slices of it, from a plain slice they are copies.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        Self::read_rest(&mut body.into())
    }

    /// Writes the TLVs with no prefix.
    pub fn write_rest(&self, out: &mut BytesMut) -> Result<(), WireError> {
        out.reserve(self.wire_len());
        self.iter().try_for_each(|t| write_tlv(out, t.kind, t.value))
    }

    /// Writes a u16 TLV count followed by the TLVs.
    pub fn write_counted(&self, out: &mut BytesMut) -> Result<(), WireError> {
        put_count16(out, "TLV count", self.len())?;
        self.write_rest(out)
    }

    /// Writes a u16 byte length followed by the TLVs.
    pub fn write_length_prefixed(&self, out: &mut BytesMut) -> Result<(), WireError> {
        let len = self.wire_len();
        check_len("TLV block", len, usize::from(u16::MAX))?;
        out.put_u16(len as u16);
        self.write_rest(out)
    }
}

impl PartialEq for TlvBlock {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for TlvBlock {}

impl Hash for TlvBlock {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_usize(self.len());
        self.iter().for_each(|t| t.hash(state));
    }
}

impl fmt::Debug for TlvBlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl FromIterator<Tlv> for TlvBlock {
    fn from_iter<I: IntoIterator<Item = Tlv>>(iter: I) -> Self {
        let mut block = TlvBlock::new();
        iter.into_iter().for_each(|t| block.push(t.kind, t.value));
        block
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
            .prop_map(|(kind, value)| Tlv { kind, value: value.into() })
    }

    /// A block of up to six TLVs, repeats allowed.
    pub fn block() -> impl Strategy<Value = TlvBlock> {
        proptest::collection::vec(tlv(), 0..6).prop_map(TlvBlock::from_iter)
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

    /// Whether `part` lies inside `frame`'s memory (a slice of it, not a copy).
    fn is_slice_of(part: &[u8], frame: &Bytes) -> bool {
        let inner = frame.as_ptr_range();
        let p = part.as_ptr_range();
        !part.is_empty() && inner.start <= p.start && p.end <= inner.end
    }

    #[test]
    fn decoded_values_are_slices_of_the_frame_and_edits_leave_it_alone() {
        let frame = Bytes::from_static(&[0, 1, 0, 2, 0xAA, 0xBB, 0, 2, 0, 0, 0, 3, 0, 1, 0xCC]);
        let mut block = TlvBlock::decode(&frame).unwrap();
        assert_eq!(block.len(), 3);
        assert!(is_slice_of(block.value(1).unwrap(), &frame));
        assert!(is_slice_of(&block.value_bytes(1).unwrap(), &frame));
        assert_eq!(block.value_bytes(2), Some(Bytes::new()));
        let mut inner = block.value_reader(3).unwrap();
        assert!(is_slice_of(&inner.bytes_shared(1).unwrap(), &frame));
        assert!(inner.is_empty());
        assert!(block.value_reader(4).is_none());

        // From a plain slice the values are one copy, the same TLVs.
        let copied = TlvBlock::decode(&frame[..]).unwrap();
        assert!(!is_slice_of(copied.value(1).unwrap(), &frame));
        assert_eq!(copied, block);

        block.set(1, vec![0x11]);
        block.push(4, vec![0x44, 0x44]);
        block.remove(2);
        assert_eq!(&frame[..6], [0, 1, 0, 2, 0xAA, 0xBB], "the frame is never written to");
        let built =
            TlvBlock::new().with(1, vec![0x11]).with(3, vec![0xCC]).with(4, vec![0x44, 0x44]);
        assert_eq!(block, built);
        let mut out = BytesMut::new();
        block.write_rest(&mut out).unwrap();
        assert_eq!(&out[..], [0, 1, 0, 1, 0x11, 0, 3, 0, 1, 0xCC, 0, 4, 0, 2, 0x44, 0x44]);
        assert_eq!(block.wire_len(), out.len());
    }

    #[test]
    fn equality_and_debug_are_by_tlvs_not_storage() {
        let a = TlvBlock::new().with(1, vec![1]).with(2, Vec::new());
        let mut b = TlvBlock::new().with(9, vec![9, 9, 9]).with(1, vec![7]).with(2, Vec::new());
        b.remove(9);
        assert_ne!(a, b);
        b.set(1, vec![1]);
        assert_eq!(a, b);
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
        use std::hash::BuildHasher;
        let state = std::collections::hash_map::RandomState::new();
        assert_eq!(state.hash_one(&a), state.hash_one(&b));
        assert_ne!(a, TlvBlock::new().with(1, vec![1]));
    }

    #[test]
    fn overlong_value_is_refused_when_written() {
        let b = TlvBlock::new().with(1, vec![0u8; 65_536]);
        assert_eq!(b.value(1).map(<[u8]>::len), Some(65_536));
        assert!(matches!(b.write_rest(&mut BytesMut::new()), Err(WireError::TooLong { .. })));
    }

    proptest! {
        #[test]
        fn block_round_trips_in_every_shape(b in strategy::block()) {
            let mut out = BytesMut::new();
            b.write_rest(&mut out).unwrap();
            b.write_counted(&mut out).unwrap();
            b.write_length_prefixed(&mut out).unwrap();
            let mut r = Reader::new(&out);
            let rest_len = b.wire_len();
            let mut first = Reader::new(r.bytes(rest_len).unwrap());
            prop_assert_eq!(TlvBlock::read_rest(&mut first).unwrap(), b.clone());
            prop_assert_eq!(TlvBlock::read_counted(&mut r).unwrap(), b.clone());
            prop_assert_eq!(TlvBlock::read_length_prefixed(&mut r).unwrap(), b.clone());
            prop_assert!(r.is_empty());

            // Decoded in place from a frame: the same TLVs, each value inside the frame.
            let frame = out.freeze();
            let shared = TlvBlock::decode(&frame.slice(..rest_len)).unwrap();
            prop_assert_eq!(&shared, &b);
            prop_assert!(shared.iter().all(|t| t.value.is_empty() || is_slice_of(t.value, &frame)));
        }

        /// Pushes, sets and removes on a block decoded from a frame do what they do on a list
        /// of (type, value) pairs, and never change the frame.
        #[test]
        fn edits_match_a_list_model(
            start in strategy::block(),
            ops in proptest::collection::vec(
                (0u8..3, 0u16..4, proptest::collection::vec(any::<u8>(), 0..6)),
                0..12,
            ),
        ) {
            let mut wire = BytesMut::new();
            start.write_rest(&mut wire).unwrap();
            let frame = wire.freeze();
            let before = frame.clone().to_vec();
            let mut block = TlvBlock::decode(&frame).unwrap();
            let mut model: Vec<(u16, Vec<u8>)> =
                start.iter().map(|t| (t.kind, t.value.to_vec())).collect();
            for (op, kind, value) in ops {
                match op {
                    0 => {
                        block.push(kind, value.clone());
                        model.push((kind, value));
                    }
                    1 => {
                        block.set(kind, value.clone());
                        match model.iter_mut().find(|(k, _)| *k == kind) {
                            Some(slot) => slot.1 = value,
                            None => model.push((kind, value)),
                        }
                    }
                    _ => {
                        block.remove(kind);
                        model.retain(|(k, _)| *k != kind);
                    }
                }
                let now: Vec<(u16, Vec<u8>)> =
                    block.iter().map(|t| (t.kind, t.value.to_vec())).collect();
                prop_assert_eq!(&now, &model);
            }
            prop_assert_eq!(&frame[..], &before[..]);
            let mut out = BytesMut::new();
            block.write_rest(&mut out).unwrap();
            prop_assert_eq!(TlvBlock::decode(&out[..]).unwrap(), block);
        }

        #[test]
        fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = TlvBlock::decode(&data);
            let _ = TlvBlock::read_counted(&mut Reader::new(&data));
            let _ = TlvBlock::read_length_prefixed(&mut Reader::new(&data));
        }
    }
}
