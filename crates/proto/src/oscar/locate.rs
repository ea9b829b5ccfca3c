//! Family 0x0002 Locate: profiles, away messages, capabilities and user-info queries (§9).

use bytes::{BufMut, BytesMut};

use super::buf::{put_str8, Reader, WireError};
use super::tlv::TlvBlock;
use super::userinfo::{split_capabilities, Capability, UserInfo};

/// The Locate family number.
pub const FAMILY: u16 = 0x0002;

/// Locate subtypes.
pub mod subtype {
    /// Error.
    pub const ERROR: u16 = 0x01;
    /// Rights query.
    pub const RIGHTS_QUERY: u16 = 0x02;
    /// Rights reply.
    pub const RIGHTS_REPLY: u16 = 0x03;
    /// Set profile / away / capabilities.
    pub const SET_INFO: u16 = 0x04;
    /// User-info query (old form).
    pub const USER_INFO_QUERY: u16 = 0x05;
    /// User-info reply.
    pub const USER_INFO_REPLY: u16 = 0x06;
    /// User-info query (flags form).
    pub const USER_INFO_QUERY2: u16 = 0x15;
}

/// Info TLVs shared by 02/04 and 02/06 (§9.1).
pub mod tlv {
    /// Profile MIME type.
    pub const PROFILE_MIME: u16 = 0x0001;
    /// Profile (HTML).
    pub const PROFILE: u16 = 0x0002;
    /// Away-message MIME type.
    pub const AWAY_MIME: u16 = 0x0003;
    /// Away message; empty means "back".
    pub const AWAY_MESSAGE: u16 = 0x0004;
    /// Capabilities (n × 16 bytes).
    pub const CAPABILITIES: u16 = 0x0005;
}

tlv_body!(
    /// 02/02: rights query (usually empty).
    LocateRightsQuery
);

tlv_body!(
    /// 02/03: locate limits (0x01 max profile length, 0x02 max capabilities…).
    LocateRights
);

impl LocateRights {
    /// The longest profile the server stores.
    pub fn max_profile_length(&self) -> Option<u16> {
        self.tlvs.get_u16(0x0001)
    }

    /// How many capabilities the server stores.
    pub fn max_capabilities(&self) -> Option<u16> {
        self.tlvs.get_u16(0x0002)
    }
}

tlv_body!(
    /// 02/04: set profile, away message and capabilities; only the TLVs present change.
    SetInfo
);

impl SetInfo {
    /// Advertises capabilities.
    pub fn with_capabilities(mut self, caps: &[Capability]) -> Self {
        self.tlvs.set(tlv::CAPABILITIES, caps.concat());
        self
    }

    /// Sets the profile (HTML), in the narrowest charset that holds it, labelled so.
    pub fn with_profile(mut self, html: &str) -> Self {
        let text = InfoText::from_text(html);
        self.tlvs.set(tlv::PROFILE_MIME, text.mime.unwrap_or_default());
        self.tlvs.set(tlv::PROFILE, text.data);
        self
    }

    /// Sets the away message, labelled like the profile; `""` means back.
    pub fn with_away_message(mut self, html: &str) -> Self {
        let text = InfoText::from_text(html);
        self.tlvs.set(tlv::AWAY_MIME, text.mime.unwrap_or_default());
        self.tlvs.set(tlv::AWAY_MESSAGE, text.data);
        self
    }

    /// The profile being set, decoded by its declared charset.
    pub fn profile(&self) -> Option<String> {
        self.profile_raw().map(|t| t.text())
    }

    /// The away message being set (`Some("")` = back), decoded by its declared charset.
    pub fn away_message(&self) -> Option<String> {
        self.away_raw().map(|t| t.text())
    }

    /// The profile being set, bytes and MIME type as sent.
    pub fn profile_raw(&self) -> Option<InfoText> {
        InfoText::from_tlvs(&self.tlvs, tlv::PROFILE_MIME, tlv::PROFILE)
    }

    /// The away message being set, bytes and MIME type as sent.
    pub fn away_raw(&self) -> Option<InfoText> {
        InfoText::from_tlvs(&self.tlvs, tlv::AWAY_MIME, tlv::AWAY_MESSAGE)
    }

    /// The capabilities being set; a length not divisible by 16 is an error (as OOS rejects).
    pub fn capabilities(&self) -> Result<Option<Vec<Capability>>, WireError> {
        match self.tlvs.value(tlv::CAPABILITIES) {
            None => Ok(None),
            Some(v) if v.len() % 16 != 0 => Err(WireError::invalid(
                "capabilities",
                format!("{} bytes is not a multiple of 16", v.len()),
            )),
            Some(v) => Ok(Some(split_capabilities(v))),
        }
    }
}

/// The charset a profile or away message declares in its MIME type (§9.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InfoCharset {
    /// `us-ascii`, or no charset at all (decoded leniently as UTF-8, as clients often send it).
    Ascii,
    /// `iso-8859-1`.
    Latin1,
    /// `unicode-2-0`: UCS-2BE (decoded as UTF-16BE).
    Ucs2,
    /// `utf-8`.
    Utf8,
}

impl InfoCharset {
    /// Reads the `charset` parameter of a MIME type such as `text/aolrtf; charset="us-ascii"`
    /// (name and value case-insensitive, quotes optional). Unknown or missing: [`Self::Ascii`].
    pub fn from_mime(mime: &[u8]) -> Self {
        let mime = String::from_utf8_lossy(mime).to_ascii_lowercase();
        let value = mime
            .split(';')
            .filter_map(|param| param.split_once('='))
            .find(|(name, _)| name.trim() == "charset")
            .map(|(_, v)| v.trim().trim_matches('"').trim().to_string());
        match value.as_deref() {
            Some("iso-8859-1" | "latin1" | "iso8859-1") => InfoCharset::Latin1,
            Some("unicode-2-0" | "utf-16be" | "ucs-2") => InfoCharset::Ucs2,
            Some("utf-8" | "utf8") => InfoCharset::Utf8,
            _ => InfoCharset::Ascii,
        }
    }

    /// The MIME type that declares this charset, as AIM clients write it.
    pub fn mime(self) -> &'static str {
        match self {
            InfoCharset::Ascii => "text/aolrtf; charset=\"us-ascii\"",
            InfoCharset::Latin1 => "text/aolrtf; charset=\"iso-8859-1\"",
            InfoCharset::Ucs2 => "text/aolrtf; charset=\"unicode-2-0\"",
            InfoCharset::Utf8 => "text/aolrtf; charset=\"utf-8\"",
        }
    }
}

/// A profile or away message as it travels: the bytes and the MIME type that says how to read
/// them (TLVs 0x0001/0x0002 and 0x0003/0x0004 of 02/04 and 02/06). Servers store and relay
/// both untouched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InfoText {
    /// The MIME type as sent, if it was.
    pub mime: Option<Vec<u8>>,
    /// The encoded text.
    pub data: Vec<u8>,
}

impl InfoText {
    /// Encodes `text` truthfully: ASCII when it is ASCII, ISO-8859-1 when every character
    /// fits, otherwise UCS-2BE labelled `unicode-2-0`, as libpurple does.
    pub fn from_text(text: &str) -> Self {
        let (charset, data) = if text.is_ascii() {
            (InfoCharset::Ascii, text.as_bytes().to_vec())
        } else if let Some(latin) =
            text.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect::<Option<Vec<u8>>>()
        {
            (InfoCharset::Latin1, latin)
        } else {
            (InfoCharset::Ucs2, text.encode_utf16().flat_map(u16::to_be_bytes).collect())
        };
        InfoText { mime: Some(charset.mime().as_bytes().to_vec()), data }
    }

    /// The declared charset.
    pub fn charset(&self) -> InfoCharset {
        self.mime.as_deref().map_or(InfoCharset::Ascii, InfoCharset::from_mime)
    }

    /// Decodes by the declared charset; malformed input becomes U+FFFD, never an error.
    pub fn text(&self) -> String {
        match self.charset() {
            InfoCharset::Latin1 => self.data.iter().map(|&b| char::from(b)).collect(),
            InfoCharset::Ucs2 => super::imtext::utf16be_lossy(&self.data),
            InfoCharset::Ascii | InfoCharset::Utf8 => {
                String::from_utf8_lossy(&self.data).into_owned()
            }
        }
    }

    /// The text in TLV `data` with the MIME type in TLV `mime`, when `data` is present.
    pub fn from_tlvs(tlvs: &TlvBlock, mime: u16, data: u16) -> Option<Self> {
        let bytes = tlvs.value(data)?;
        Some(InfoText { mime: tlvs.value(mime).map(<[u8]>::to_vec), data: bytes.to_vec() })
    }
}

/// 02/05 (`kind` 1 profile, 3 away…) and 02/15 (`kind` = flag bits): ask about a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfoQuery {
    /// 02/05: u16 type; 02/15: u32 flags (0x1 profile, 0x2 away, 0x4 caps).
    pub kind: u32,
    /// Who to ask about.
    pub screen_name: String,
}

impl UserInfoQuery {
    /// Decodes a 02/05 body (u16 type).
    pub fn decode_05<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        Ok(UserInfoQuery { kind: u32::from(r.u16()?), screen_name: r.string8()? })
    }

    /// Encodes a 02/05 body; a kind above 0xFFFF is an error.
    pub fn encode_05(&self, out: &mut BytesMut) -> Result<(), WireError> {
        let kind = u16::try_from(self.kind)
            .map_err(|_| WireError::invalid("02/05 query type", "does not fit u16"))?;
        out.put_u16(kind);
        put_str8(out, "screen name", self.screen_name.as_bytes())
    }

    /// Decodes a 02/15 body (u32 flags).
    pub fn decode_15<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        Ok(UserInfoQuery { kind: r.u32()?, screen_name: r.string8()? })
    }

    /// Encodes a 02/15 body.
    pub fn encode_15(&self, out: &mut BytesMut) -> Result<(), WireError> {
        out.put_u32(self.kind);
        put_str8(out, "screen name", self.screen_name.as_bytes())
    }
}

/// 02/06: a user's info block plus the requested profile / away message / capabilities.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfoReply {
    /// The user's block.
    pub info: UserInfo,
    /// TLVs 0x01–0x05 as in 02/04.
    pub tlvs: TlvBlock,
}

impl UserInfoReply {
    /// The profile HTML, decoded by its declared charset (TLV 0x0001).
    pub fn profile(&self) -> Option<String> {
        InfoText::from_tlvs(&self.tlvs, tlv::PROFILE_MIME, tlv::PROFILE).map(|t| t.text())
    }

    /// The away message HTML, decoded by its declared charset (TLV 0x0003).
    pub fn away_message(&self) -> Option<String> {
        InfoText::from_tlvs(&self.tlvs, tlv::AWAY_MIME, tlv::AWAY_MESSAGE).map(|t| t.text())
    }

    /// Decodes the body.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        let info = UserInfo::read(&mut r)?;
        Ok(UserInfoReply { info, tlvs: TlvBlock::read_rest(&mut r)? })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        self.info.write(out)?;
        self.tlvs.write_rest(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oscar::userinfo::{CAP_CHAT, CAP_TYPING};

    #[test]
    fn each_charset_label_decodes() {
        let cases: [(&[u8], &[u8], &str); 7] = [
            (b"text/aolrtf; charset=\"us-ascii\"", b"plain", "plain"),
            (b"text/aolrtf; charset=\"iso-8859-1\"", b"caf\xe9 \xf6", "café ö"),
            (
                b"text/aolrtf; charset=\"unicode-2-0\"",
                b"\x00\xf6\x27\x13\x4f\x60\x59\x7d",
                "ö✓你好",
            ),
            (b"TEXT/AOLRTF; CHARSET=UNICODE-2-0", b"\x00h\x00i", "hi"),
            (b"text/x-aolrtf; charset=\"utf-8\"", "ö ✓".as_bytes(), "ö ✓"),
            // No charset, or one we do not know: lenient UTF-8.
            (b"text/aolrtf", "ö".as_bytes(), "ö"),
            (b"text/aolrtf; charset=\"klingon\"", b"bad \xff", "bad \u{FFFD}"),
        ];
        for (mime, data, text) in cases {
            let t = InfoText { mime: Some(mime.to_vec()), data: data.to_vec() };
            assert_eq!(t.text(), text, "{}", String::from_utf8_lossy(mime));
        }
        // Odd UCS-2 and a missing MIME type never fail.
        let odd = InfoText { mime: Some(InfoCharset::Ucs2.mime().into()), data: vec![0, b'a', 0] };
        assert_eq!(odd.text(), "a\u{FFFD}");
        assert_eq!(InfoText { mime: None, data: b"x".to_vec() }.text(), "x");
    }

    #[test]
    fn what_is_sent_is_labelled_truthfully() {
        for (text, charset) in [
            ("plain", InfoCharset::Ascii),
            ("café ö", InfoCharset::Latin1),
            ("ö ✓ 你好", InfoCharset::Ucs2),
            ("emoji 🥞", InfoCharset::Ucs2),
        ] {
            let t = InfoText::from_text(text);
            assert_eq!(t.charset(), charset, "{text}");
            assert_eq!(t.mime.as_deref(), Some(charset.mime().as_bytes()));
            assert_eq!(t.text(), text);
        }
        assert_eq!(InfoText::from_text("café").data, b"caf\xe9");
        let set = SetInfo::default().with_away_message("ö ✓ 你好").with_profile("é");
        assert_eq!(set.away_message().as_deref(), Some("ö ✓ 你好"));
        assert_eq!(set.profile().as_deref(), Some("é"));
        let raw = set.away_raw().unwrap();
        assert_eq!(raw.mime.as_deref(), Some(&b"text/aolrtf; charset=\"unicode-2-0\""[..]));
        assert_eq!(
            raw.data,
            [0x00, 0xF6, 0x00, 0x20, 0x27, 0x13, 0x00, 0x20, 0x4F, 0x60, 0x59, 0x7D]
        );
    }

    proptest::proptest! {
        #[test]
        fn any_text_survives_its_own_label(text in "\\PC{0,40}") {
            proptest::prop_assert_eq!(InfoText::from_text(&text).text(), text);
        }

        #[test]
        fn any_label_and_bytes_decode_without_panicking(
            mime in proptest::option::of(proptest::collection::vec(proptest::prelude::any::<u8>(), 0..48)),
            data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
        ) {
            let t = InfoText { mime, data };
            let _ = (t.charset(), t.text());
        }
    }

    #[test]
    fn set_info_builders_and_capability_check() {
        let s =
            SetInfo::default().with_capabilities(&[CAP_CHAT, CAP_TYPING]).with_away_message("gone");
        assert_eq!(s.capabilities().unwrap(), Some(vec![CAP_CHAT, CAP_TYPING]));
        assert_eq!(s.away_message().as_deref(), Some("gone"));
        let bad = SetInfo { tlvs: TlvBlock::new().with(tlv::CAPABILITIES, vec![0; 17]) };
        assert!(bad.capabilities().is_err());
    }

    #[test]
    fn queries_in_both_shapes() {
        let q = UserInfoQuery { kind: 1, screen_name: "bob".into() };
        let mut out = BytesMut::new();
        q.encode_05(&mut out).unwrap();
        assert_eq!(&out[..], [0, 1, 3, b'b', b'o', b'b']);
        assert_eq!(UserInfoQuery::decode_05(&out).unwrap(), q);
        out.clear();
        q.encode_15(&mut out).unwrap();
        assert_eq!(UserInfoQuery::decode_15(&out).unwrap(), q);
        assert!(UserInfoQuery::decode_15(&out[..5]).is_err());
        let big = UserInfoQuery { kind: 0x10000, screen_name: "x".into() };
        assert!(big.encode_05(&mut BytesMut::new()).is_err());
    }
}
