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

    /// Sets the profile (HTML, ASCII MIME type).
    pub fn with_profile(mut self, html: &str) -> Self {
        self.tlvs.set(tlv::PROFILE_MIME, b"text/aolrtf; charset=\"us-ascii\"".to_vec());
        self.tlvs.set(tlv::PROFILE, html.as_bytes().to_vec());
        self
    }

    /// Sets the away message; `""` means back.
    pub fn with_away_message(mut self, html: &str) -> Self {
        self.tlvs.set(tlv::AWAY_MIME, b"text/aolrtf; charset=\"us-ascii\"".to_vec());
        self.tlvs.set(tlv::AWAY_MESSAGE, html.as_bytes().to_vec());
        self
    }

    /// The profile being set.
    pub fn profile(&self) -> Option<String> {
        self.tlvs.get_str(tlv::PROFILE)
    }

    /// The away message being set (`Some("")` = back).
    pub fn away_message(&self) -> Option<String> {
        self.tlvs.get_str(tlv::AWAY_MESSAGE)
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
    /// The profile HTML.
    pub fn profile(&self) -> Option<String> {
        self.tlvs.get_str(tlv::PROFILE)
    }

    /// The away message HTML.
    pub fn away_message(&self) -> Option<String> {
        self.tlvs.get_str(tlv::AWAY_MESSAGE)
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
