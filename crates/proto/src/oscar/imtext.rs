//! ICBM message data (TLV 0x0002 of 04/06 and 04/07): fragments, features and text charsets
//! (§7.2).

use bytes::{BufMut, Bytes, BytesMut};

use super::buf::{check_len, Reader, WireError};

/// Charset 0x0000: ASCII (in practice often UTF-8, decoded leniently).
pub const CHARSET_ASCII: u16 = 0x0000;
/// Charset 0x0002: UCS-2BE, decoded as UTF-16BE.
pub const CHARSET_UCS2: u16 = 0x0002;
/// Charset 0x0003: ISO-8859-1.
pub const CHARSET_LATIN1: u16 = 0x0003;
/// Fragment id of the required-capabilities ("features") fragment.
pub const FRAGMENT_FEATURES: u8 = 0x05;
/// Fragment id of a text fragment.
pub const FRAGMENT_TEXT: u8 = 0x01;
/// The features we send, as Open OSCAR Server and Twisted do.
pub const DEFAULT_FEATURES: [u8; 3] = [0x01, 0x01, 0x02];
/// The features ICQ clients send with a plain-text message (§10).
pub const ICQ_FEATURES: [u8; 1] = [0x01];

/// One text fragment: raw bytes plus the charset needed to turn them into a `String`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImText {
    /// Charset id (0 ASCII, 2 UCS-2BE, 3 ISO-8859-1).
    pub charset: u16,
    /// Charset subset (0 from most clients, 0xFFFF in old dumps); ignored when decoding.
    pub subset: u16,
    /// The encoded text; a slice of the received frame when decoded from one.
    pub data: Bytes,
}

impl ImText {
    /// Encodes `text` as ASCII when every character is below 0x80, otherwise as UTF-16BE.
    pub fn from_text(text: &str) -> Self {
        if text.is_ascii() {
            ImText {
                charset: CHARSET_ASCII,
                subset: 0,
                data: Bytes::copy_from_slice(text.as_bytes()),
            }
        } else {
            let data = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
            ImText { charset: CHARSET_UCS2, subset: 0, data }
        }
    }

    /// Decodes the text; malformed input becomes U+FFFD rather than an error.
    pub fn text(&self) -> String {
        match self.charset {
            CHARSET_UCS2 => utf16be_lossy(&self.data),
            CHARSET_LATIN1 => self.data.iter().map(|&b| char::from(b)).collect(),
            // Valid UTF-8 (nearly every message) is checked in one pass and copied once.
            _ => match std::str::from_utf8(&self.data) {
                Ok(s) => s.to_owned(),
                Err(_) => String::from_utf8_lossy(&self.data).into_owned(),
            },
        }
    }
}

/// Decodes UTF-16BE as `char::decode_utf16` does (a lone surrogate or an odd last byte becomes
/// U+FFFD), without the iterator adapter that made the std version the costliest step of
/// decoding an IM (see `benches/codec.rs`).
///
/// Runs of ASCII, which is most of any HTML IM even in UCS-2, go eight (then four) units at a
/// time: a u128 (u64) whose high bytes and top bits are all clear is eight (four) ASCII
/// characters, copied as bytes. The
/// rest goes one unit at a time. The UTF-8 is built in a `Vec` and checked once at the end (a
/// fast pass over what is nearly all ASCII) rather than pushed as `char`s.
pub(crate) fn utf16be_lossy(data: &[u8]) -> String {
    let mut out: Vec<u8> = Vec::with_capacity(data.len() / 2 + data.len() / 8);
    let mut rest = data;
    loop {
        while let Some((eight, tail)) = rest.split_first_chunk::<16>() {
            if u128::from_be_bytes(*eight) & 0xFF80_FF80_FF80_FF80_FF80_FF80_FF80_FF80 != 0 {
                break;
            }
            let e = eight;
            out.extend_from_slice(&[e[1], e[3], e[5], e[7], e[9], e[11], e[13], e[15]]);
            rest = tail;
        }
        while let Some((four, tail)) = rest.split_first_chunk::<8>() {
            if u64::from_be_bytes(*four) & 0xFF80_FF80_FF80_FF80 != 0 {
                break;
            }
            out.extend_from_slice(&[four[1], four[3], four[5], four[7]]);
            rest = tail;
        }
        let Some((&[hi, lo], tail)) = rest.split_first_chunk::<2>() else { break };
        rest = tail;
        let u = u16::from_be_bytes([hi, lo]);
        let c = match u {
            0..=0x7F => char::from(lo),
            0xD800..=0xDBFF => match rest.split_first_chunk::<2>() {
                Some((&next, tail)) if matches!(u16::from_be_bytes(next), 0xDC00..=0xDFFF) => {
                    rest = tail;
                    let high = (u32::from(u) - 0xD800) << 10;
                    let low = u32::from(u16::from_be_bytes(next)) - 0xDC00;
                    char::from_u32(0x1_0000 + high + low).unwrap_or(char::REPLACEMENT_CHARACTER)
                }
                _ => char::REPLACEMENT_CHARACTER,
            },
            other => char::from_u32(u32::from(other)).unwrap_or(char::REPLACEMENT_CHARACTER),
        };
        out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
    }
    if data.len() % 2 == 1 {
        out.extend_from_slice("\u{FFFD}".as_bytes());
    }
    // Everything pushed above is UTF-8 (ASCII bytes or `encode_utf8`), so this never falls back.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The fragments of ICBM message data: the features list and one or more text fragments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImMessage {
    /// Required-capabilities bytes (any value accepted; we send `01 01 02`).
    pub features: Bytes,
    /// Text fragments, concatenated by [`ImMessage::text`].
    pub texts: Vec<ImText>,
}

impl ImMessage {
    /// A message carrying `text` with our default features, ready for 04/06.
    pub fn new(text: &str) -> Self {
        ImMessage {
            features: Bytes::from_static(&DEFAULT_FEATURES),
            texts: vec![ImText::from_text(text)],
        }
    }

    /// A plain-text message as ICQ clients send one: features `01` and the text with CR LF
    /// line ends (§10), no markup.
    pub fn plain(text: &str) -> Self {
        let crlf = text.replace("\r\n", "\n").replace('\n', "\r\n");
        ImMessage {
            features: Bytes::from_static(&ICQ_FEATURES),
            texts: vec![ImText::from_text(&crlf)],
        }
    }

    /// The whole message text (all fragments concatenated).
    pub fn text(&self) -> String {
        self.texts.iter().map(ImText::text).collect()
    }

    /// Decodes message data; unknown fragment ids are skipped by length. From a `&Bytes` (the
    /// TLV value) features and text are slices of it; from a plain slice they are copied.
    pub fn decode<'a>(data: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = data.into();
        let mut msg = ImMessage { features: Bytes::new(), texts: Vec::new() };
        while !r.is_empty() {
            let id = r.u8()?;
            let _version = r.u8()?;
            let len = r.u16()?;
            let mut frag = r.sub(usize::from(len))?;
            match id {
                FRAGMENT_FEATURES => msg.features = frag.rest_shared(),
                FRAGMENT_TEXT => msg.texts.push(ImText {
                    charset: frag.u16()?,
                    subset: frag.u16()?,
                    data: frag.rest_shared(),
                }),
                _ => {}
            }
        }
        Ok(msg)
    }

    /// Encodes message data: the features fragment, then each text fragment.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        check_len("IM features", self.features.len(), usize::from(u16::MAX))?;
        out.put_u8(FRAGMENT_FEATURES);
        out.put_u8(1);
        out.put_u16(self.features.len() as u16);
        out.put_slice(&self.features);
        for t in &self.texts {
            check_len("IM text fragment", t.data.len() + 4, usize::from(u16::MAX))?;
            out.put_u8(FRAGMENT_TEXT);
            out.put_u8(1);
            out.put_u16((t.data.len() + 4) as u16);
            out.put_u16(t.charset);
            out.put_u16(t.subset);
            out.put_slice(&t.data);
        }
        Ok(())
    }

    /// The text read as plain text, as an ICQ peer without markup sends it: CR LF and lone CR
    /// line ends become LF, and nothing is taken for markup.
    pub fn plain_text(&self) -> String {
        self.text().replace("\r\n", "\n").replace('\r', "\n")
    }

    /// Encodes into a fresh buffer, for use as a TLV value.
    pub fn to_bytes(&self) -> Result<Vec<u8>, WireError> {
        let mut out = BytesMut::new();
        self.encode(&mut out)?;
        Ok(out.to_vec())
    }
}

#[cfg(test)]
pub(crate) mod strategy {
    //! Proptest generator for message data.
    use super::*;
    use proptest::prelude::*;

    /// A message with arbitrary features and one to three fragments of arbitrary bytes.
    pub fn message() -> impl Strategy<Value = ImMessage> {
        let text = (any::<u16>(), any::<u16>(), proptest::collection::vec(any::<u8>(), 0..20))
            .prop_map(|(charset, subset, data)| ImText { charset, subset, data: data.into() });
        (proptest::collection::vec(any::<u8>(), 0..5), proptest::collection::vec(text, 0..3))
            .prop_map(|(features, texts)| ImMessage { features: features.into(), texts })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn charset_choice_and_decoding() {
        let a = ImText::from_text("hi");
        assert_eq!((a.charset, &a.data[..]), (CHARSET_ASCII, &b"hi"[..]));
        let u = ImText::from_text("é😀");
        assert_eq!(u.charset, CHARSET_UCS2);
        assert_eq!(u.data[..], [0x00, 0xE9, 0xD8, 0x3D, 0xDE, 0x00]);
        assert_eq!(u.text(), "é😀");
        let latin = ImText {
            charset: CHARSET_LATIN1,
            subset: 0,
            data: vec![0x63, 0x61, 0x66, 0xE9].into(),
        };
        assert_eq!(latin.text(), "café");
        let bad_ascii =
            ImText { charset: CHARSET_ASCII, subset: 0xFFFF, data: vec![b'a', 0xFF].into() };
        assert_eq!(bad_ascii.text(), "a\u{FFFD}");
    }

    #[test]
    fn broken_utf16_becomes_replacement_chars() {
        let odd = ImText { charset: CHARSET_UCS2, subset: 0, data: vec![0x00, 0x41, 0x00].into() };
        assert_eq!(odd.text(), "A\u{FFFD}");
        let lone =
            ImText { charset: CHARSET_UCS2, subset: 0, data: vec![0xD8, 0x3D, 0x00, 0x42].into() };
        assert_eq!(lone.text(), "\u{FFFD}B");
    }

    #[test]
    fn plain_icq_text_is_literal_with_crlf_lines() {
        let m = ImMessage::plain("a <b> & c\nd");
        assert_eq!(m.features[..], [0x01]);
        assert_eq!(m.text(), "a <b> & c\r\nd");
        assert_eq!(m.plain_text(), "a <b> & c\nd");
        let cr = ImMessage { features: vec![1].into(), texts: vec![ImText::from_text("x\ry\r\n")] };
        assert_eq!(cr.plain_text(), "x\ny\n");
    }

    #[test]
    fn several_fragments_concatenate() {
        let data = [
            0x05, 0x01, 0x00, 0x01, 0x01, // features `01`
            0x01, 0x01, 0x00, 0x06, 0x00, 0x00, 0xFF, 0xFF, b'h', b'e', // "he"
            0x09, 0x01, 0x00, 0x01, 0x00, // unknown fragment, skipped
            0x01, 0x01, 0x00, 0x06, 0x00, 0x02, 0x00, 0x00, 0x00, 0x79, // "y" in UCS-2
        ];
        let m = ImMessage::decode(&data).unwrap();
        assert_eq!(m.features[..], [1]);
        assert_eq!(m.text(), "hey");
        assert!(ImMessage::decode(&data[..data.len() - 1]).is_err());
        // A text fragment shorter than its charset header is an error.
        assert!(ImMessage::decode(&[0x01, 0x01, 0x00, 0x02, 0x00, 0x00]).is_err());
    }

    proptest! {
        #[test]
        fn any_text_survives_encoding(s in "\\PC{0,40}") {
            prop_assert_eq!(ImText::from_text(&s).text(), s.clone());
            let bytes = ImMessage::new(&s).to_bytes().unwrap();
            prop_assert_eq!(ImMessage::decode(&bytes).unwrap().text(), s);
        }

        #[test]
        fn plain_messages_keep_their_text_and_lines(s in "[^\r]{0,40}") {
            let m = ImMessage::plain(&s);
            prop_assert_eq!(&m.features[..], &ICQ_FEATURES[..]);
            let back = ImMessage::decode(&m.to_bytes().unwrap()).unwrap();
            prop_assert_eq!(back.plain_text(), s);
        }

        #[test]
        fn message_round_trips(m in strategy::message()) {
            prop_assert_eq!(ImMessage::decode(&m.to_bytes().unwrap()).unwrap(), m);
        }

        #[test]
        fn utf16_decoding_matches_std(data in proptest::collection::vec(
            prop_oneof![any::<u8>(), Just(0u8), Just(0xD8), Just(0xDC), Just(0x41)], 0..300)
        ) {
            let units = data.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]]));
            let mut expected: String = char::decode_utf16(units)
                .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect();
            if data.len() % 2 == 1 {
                expected.push(char::REPLACEMENT_CHARACTER);
            }
            prop_assert_eq!(utf16be_lossy(&data), expected);
        }

        #[test]
        fn any_bytes_decode_without_panic(
            charset in prop_oneof![Just(0u16), Just(2), Just(3), any::<u16>()],
            data in proptest::collection::vec(any::<u8>(), 0..40),
        ) {
            let _ = ImText { charset, subset: 0, data: data.clone().into() }.text();
            let _ = ImMessage::decode(&data);
        }
    }
}
