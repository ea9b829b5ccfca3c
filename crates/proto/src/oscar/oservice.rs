//! Family 0x0001 OService: sign-on handshake, rate classes, self info and connection control.

use bytes::{BufMut, BytesMut};

use super::buf::{put_count16, Reader, WireError};
use super::chat::RoomRef;
use super::codes::RateChangeCode;
use super::rate::{RateClass, RATE_CLASS_EXTENDED_LEN, RATE_CLASS_LEN};
use super::tlv::TlvBlock;
use super::userinfo::UserInfo;

/// The OService family number.
pub const FAMILY: u16 = 0x0001;

/// OService subtypes.
pub mod subtype {
    /// Error.
    pub const ERROR: u16 = 0x01;
    /// Client ready.
    pub const CLIENT_READY: u16 = 0x02;
    /// Host online (families offered).
    pub const HOST_ONLINE: u16 = 0x03;
    /// Rate parameters query.
    pub const RATE_PARAMS_QUERY: u16 = 0x06;
    /// Rate parameters reply.
    pub const RATE_PARAMS_REPLY: u16 = 0x07;
    /// Rate parameters subscribe (ack).
    pub const RATE_PARAMS_SUB_ADD: u16 = 0x08;
    /// Rate change notice.
    pub const RATE_CHANGE: u16 = 0x0A;
    /// Pause.
    pub const PAUSE: u16 = 0x0B;
    /// Pause ack.
    pub const PAUSE_ACK: u16 = 0x0C;
    /// Resume.
    pub const RESUME: u16 = 0x0D;
    /// Self-info query.
    pub const USER_INFO_QUERY: u16 = 0x0E;
    /// Self-info reply.
    pub const USER_INFO_UPDATE: u16 = 0x0F;
    /// Warning (evil) notification.
    pub const EVIL_NOTIFICATION: u16 = 0x10;
    /// Set idle time.
    pub const IDLE_NOTIFICATION: u16 = 0x11;
    /// Service request.
    pub const SERVICE_REQUEST: u16 = 0x04;
    /// Service redirect.
    pub const SERVICE_RESPONSE: u16 = 0x05;
    /// Migrate groups to another host.
    pub const MIGRATE_GROUPS: u16 = 0x12;
    /// Message of the day.
    pub const MOTD: u16 = 0x13;
    /// Client family versions.
    pub const CLIENT_VERSIONS: u16 = 0x17;
    /// Host family versions.
    pub const HOST_VERSIONS: u16 = 0x18;
    /// Set status / extended info.
    pub const SET_USER_INFO_FIELDS: u16 = 0x1E;
}

/// One family entry of 01/02 client ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FamilyTool {
    /// Family number.
    pub family: u16,
    /// Family version in use.
    pub version: u16,
    /// Tool id (0x0110 for Windows AIM).
    pub tool_id: u16,
    /// Tool version.
    pub tool_version: u16,
}

/// 01/02: the client has finished sign-on and may now be announced to others.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientReady {
    /// The families used on this connection.
    pub families: Vec<FamilyTool>,
}

impl ClientReady {
    /// Decodes the body (8-byte entries to the end).
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        let mut families = Vec::new();
        while !r.is_empty() {
            families.push(FamilyTool {
                family: r.u16()?,
                version: r.u16()?,
                tool_id: r.u16()?,
                tool_version: r.u16()?,
            });
        }
        Ok(ClientReady { families })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        for f in &self.families {
            out.put_u16(f.family);
            out.put_u16(f.version);
            out.put_u16(f.tool_id);
            out.put_u16(f.tool_version);
        }
        Ok(())
    }
}

u16_list_body!(
    /// 01/03 host online, 01/0B pause, 01/0C pause ack, 01/0D resume: a list of families.
    FamilyList,
    families
);

u16_list_body!(
    /// 01/08: the rate classes whose change notices the client wants.
    RateAck,
    class_ids
);

/// One `family, version` pair of 01/17 / 01/18.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FamilyVersion {
    /// Family number.
    pub family: u16,
    /// Version requested or granted.
    pub version: u16,
}

/// 01/17 client versions and 01/18 host versions: which version of each family to speak.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VersionList {
    /// The pairs in wire order.
    pub versions: Vec<FamilyVersion>,
}

impl VersionList {
    /// The version listed for `family`, e.g. OService to pick the 01/07 layout.
    pub fn version_of(&self, family: u16) -> Option<u16> {
        self.versions.iter().find(|v| v.family == family).map(|v| v.version)
    }

    /// Decodes the body.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        let mut versions = Vec::new();
        while !r.is_empty() {
            versions.push(FamilyVersion { family: r.u16()?, version: r.u16()? });
        }
        Ok(VersionList { versions })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        for v in &self.versions {
            out.put_u16(v.family);
            out.put_u16(v.version);
        }
        Ok(())
    }
}

/// The SNACs that belong to one rate class (second half of 01/07).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateGroup {
    /// The class id.
    pub class_id: u16,
    /// `(family, subtype)` pairs in the class.
    pub members: Vec<(u16, u16)>,
}

/// 01/07: the rate classes and which SNACs belong to each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateParamsReply {
    /// Whether entries are 35 bytes (with `last_time`/`dropping`), i.e. OService ≥ 3.
    pub extended: bool,
    /// The classes.
    pub classes: Vec<RateClass>,
    /// Membership per class.
    pub groups: Vec<RateGroup>,
}

impl RateParamsReply {
    /// Decodes with a known entry layout (`extended` = negotiated OService version ≥ 3).
    pub fn decode_with(body: &[u8], extended: bool) -> Result<Self, WireError> {
        let mut r = Reader::new(body);
        let n = r.u16()?;
        let mut classes = Vec::new();
        for _ in 0..n {
            classes.push(RateClass::read(&mut r, extended)?);
        }
        let mut groups = Vec::new();
        while !r.is_empty() {
            let class_id = r.u16()?;
            let count = r.u16()?;
            let mut members = Vec::new();
            for _ in 0..count {
                members.push((r.u16()?, r.u16()?));
            }
            groups.push(RateGroup { class_id, members });
        }
        Ok(RateParamsReply { extended, classes, groups })
    }

    /// Decodes without knowing the version: prefers the layout whose membership section parses
    /// exactly and names exactly the announced classes, trying 35-byte entries first.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let body = body.into().peek_rest();
        let long = Self::decode_with(body, true);
        let short = Self::decode_with(body, false);
        match (long, short) {
            (Ok(l), Ok(s)) if !l.is_consistent() && s.is_consistent() => Ok(s),
            (Ok(l), _) => Ok(l),
            (Err(_), short) => short,
        }
    }

    /// Whether every class has exactly one membership group, as real servers send.
    fn is_consistent(&self) -> bool {
        self.groups.len() == self.classes.len()
            && self.classes.iter().zip(&self.groups).all(|(c, g)| c.id == g.class_id)
    }

    /// The class a SNAC belongs to; unlisted SNACs belong to class 1 (libpurple).
    pub fn class_of(&self, family: u16, subtype: u16) -> u16 {
        self.groups
            .iter()
            .find(|g| g.members.contains(&(family, subtype)))
            .map_or(1, |g| g.class_id)
    }

    /// Encodes the body in the layout `extended` selects.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        put_count16(out, "rate classes", self.classes.len())?;
        out.reserve(self.classes.len() * RATE_CLASS_EXTENDED_LEN);
        self.classes.iter().for_each(|c| c.write(out, self.extended));
        for g in &self.groups {
            out.put_u16(g.class_id);
            put_count16(out, "rate group", g.members.len())?;
            for (f, s) in &g.members {
                out.put_u16(*f);
                out.put_u16(*s);
            }
        }
        Ok(())
    }
}

/// 01/0A: a class's parameters changed or the sender crossed a threshold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateChange {
    /// What happened.
    pub code: RateChangeCode,
    /// Whether the entry is 35 bytes.
    pub extended: bool,
    /// The class with its current level.
    pub class: RateClass,
}

impl RateChange {
    /// Decodes the body; the entry layout follows from the body length.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        let code = RateChangeCode::from(r.u16()?);
        let extended = r.remaining() >= RATE_CLASS_EXTENDED_LEN;
        let class = RateClass::read(&mut r, extended)?;
        Ok(RateChange { code, extended, class })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        out.put_u16(self.code.into());
        out.reserve(RATE_CLASS_LEN);
        self.class.write(out, self.extended);
        Ok(())
    }
}

/// 01/0F: the server's view of our own user info (one block, OService ≥ 4 may send more).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfInfo {
    /// The primary block.
    pub info: UserInfo,
    /// Further blocks (other instances of the same account).
    pub more: Vec<UserInfo>,
}

impl SelfInfo {
    /// Decodes the body.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        let info = UserInfo::read(&mut r)?;
        let mut more = Vec::new();
        while !r.is_empty() {
            more.push(UserInfo::read(&mut r)?);
        }
        Ok(SelfInfo { info, more })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        self.info.write(out)?;
        self.more.iter().try_for_each(|i| i.write(out))
    }
}

/// 01/10: we were warned; the warner is absent when the warning was anonymous.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Our new warning level in tenths of a percent.
    pub level: u16,
    /// Who warned us, if not anonymous.
    pub warner: Option<UserInfo>,
}

impl Warning {
    /// Decodes the body.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        let level = r.u16()?;
        let warner = if r.is_empty() { None } else { Some(UserInfo::read(&mut r)?) };
        Ok(Warning { level, warner })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        out.put_u16(self.level);
        self.warner.as_ref().map_or(Ok(()), |w| w.write(out))
    }
}

/// 01/11: how long we have been idle, in seconds (0 = active again).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdleTime {
    /// Idle seconds.
    pub seconds: u32,
}

impl IdleTime {
    /// Decodes the body.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        Ok(IdleTime { seconds: body.into().u32()? })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        out.put_u32(self.seconds);
        Ok(())
    }
}

/// 01/12: move the listed families (or everything) to another host with a new cookie.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Migrate {
    /// Families to move; empty means all.
    pub families: Vec<u16>,
    /// TLVs: 0x0005 `host[:port]`, 0x0006 cookie.
    pub tlvs: TlvBlock,
}

impl Migrate {
    /// The new ``host[:port]``.
    pub fn host(&self) -> Option<String> {
        self.tlvs.get_str(0x0005)
    }

    /// The cookie to present to the new host.
    pub fn cookie(&self) -> Option<&[u8]> {
        self.tlvs.value(0x0006)
    }

    /// Decodes the body.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        let n = r.u16()?;
        let mut families = Vec::new();
        for _ in 0..n {
            families.push(r.u16()?);
        }
        Ok(Migrate { families, tlvs: TlvBlock::read_rest(&mut r)? })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        put_count16(out, "migrated families", self.families.len())?;
        self.families.iter().for_each(|f| out.put_u16(*f));
        self.tlvs.write_rest(out)
    }
}

/// 01/04: ask the BOS host for a connection to the service that runs `family` (ChatNav 0x0D,
/// Chat 0x0E with the room in TLV 0x0001, Alert 0x18, BART 0x10…), §5.1. Optional TLVs:
/// 0x0001 service data (the room, for Chat), 0x008C: the client wants the service over TLS.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceRequest {
    /// The family wanted.
    pub family: u16,
    /// TLVs; for Chat, 0x0001 is the room (see [`ServiceRequest::room`]).
    pub tlvs: TlvBlock,
}

impl ServiceRequest {
    /// A request for `family` with no TLVs (ChatNav).
    pub fn new(family: u16) -> Self {
        ServiceRequest { family, tlvs: TlvBlock::new() }
    }

    /// A request for a connection to the room `room` (family 0x0E, TLV 0x0001).
    pub fn chat(room: &RoomRef) -> Result<Self, WireError> {
        Ok(ServiceRequest {
            family: super::chat::FAMILY,
            tlvs: TlvBlock::new().with(service_tlv::ROOM, room.to_bytes()?),
        })
    }

    /// The room TLV of a Chat request, decoded (None when absent).
    pub fn room(&self) -> Option<Result<RoomRef, WireError>> {
        self.tlvs.value(service_tlv::ROOM).map(RoomRef::decode)
    }

    /// Decodes the body: the family, then TLVs to the end.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        Ok(ServiceRequest { family: r.u16()?, tlvs: TlvBlock::read_rest(&mut r)? })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        out.put_u16(self.family);
        self.tlvs.write_rest(out)
    }
}

/// TLVs of 01/04 and 01/05.
pub mod service_tlv {
    /// 01/04: the room wanted (exchange, cookie, instance).
    pub const ROOM: u16 = 0x0001;
    /// 01/05: `host[:port]` to connect to.
    pub const HOST: u16 = 0x0005;
    /// 01/05: the cookie to present there.
    pub const COOKIE: u16 = 0x0006;
    /// 01/05: the family the redirect is for.
    pub const FAMILY: u16 = 0x000D;
    /// 01/05: SSL state (0 not used).
    pub const SSL_STATE: u16 = 0x008E;
}

tlv_body!(
    /// 01/05: where the service asked for in 01/04 runs: TLV 0x000D the family, 0x0005
    /// `host[:port]`, 0x0006 the cookie to present there, 0x008E the TLS state, 0x008D the
    /// certificate name (§5.1).
    ServiceRedirect
);

impl ServiceRedirect {
    /// A redirect for `family` to `host` with `cookie`, as Open OSCAR Server builds it.
    pub fn new(family: u16, host: &str, cookie: &[u8]) -> Self {
        ServiceRedirect {
            tlvs: TlvBlock::new()
                .with_u16(service_tlv::FAMILY, family)
                .with(service_tlv::HOST, host.as_bytes().to_vec())
                .with(service_tlv::COOKIE, cookie.to_vec())
                .with_u8(service_tlv::SSL_STATE, 0),
        }
    }

    /// The family the redirect is for.
    pub fn family(&self) -> Option<u16> {
        self.tlvs.get_u16(service_tlv::FAMILY)
    }

    /// The `host[:port]` to connect to.
    pub fn host(&self) -> Option<String> {
        self.tlvs.get_str(service_tlv::HOST)
    }

    /// The cookie to present in the new connection's hello.
    pub fn cookie(&self) -> Option<&[u8]> {
        self.tlvs.value(service_tlv::COOKIE)
    }
}

/// 01/13: message of the day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Motd {
    /// 1 mandatory upgrade, 2 advisory upgrade, 3 bulletin, 4 normal, 5 "break something".
    pub kind: u16,
    /// TLVs; 0x000B is the text.
    pub tlvs: TlvBlock,
}

impl Motd {
    /// The message text (TLV 0x000B).
    pub fn text(&self) -> Option<String> {
        self.tlvs.get_str(0x000B)
    }

    /// Decodes the body.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        Ok(Motd { kind: r.u16()?, tlvs: TlvBlock::read_rest(&mut r)? })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        out.put_u16(self.kind);
        self.tlvs.write_rest(out)
    }
}

tlv_body!(
    /// 01/1E: set ICQ status (TLV 0x0006), DC info (0x000C) or status text (0x001D).
    SetStatus
);

impl SetStatus {
    /// A body setting only the status word (§9.3 flags in the high half).
    pub fn status(status: u32) -> Self {
        SetStatus { tlvs: TlvBlock::new().with_u32(0x0006, status) }
    }

    /// A body setting an ICQ status (§9.3).
    pub fn icq(status: super::userinfo::IcqStatus) -> Self {
        Self::status(status.word())
    }

    /// The status word being set.
    pub fn status_word(&self) -> Option<u32> {
        self.tlvs.get_u32(0x0006)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_reply_layout_is_detected() {
        for extended in [false, true] {
            let r = RateParamsReply {
                extended,
                classes: RateClass::aol_defaults()
                    .map(
                        |c| if extended { RateClass { last_time: 7, dropping: 1, ..c } } else { c },
                    )
                    .to_vec(),
                groups: vec![
                    RateGroup { class_id: 1, members: vec![(1, 2), (1, 6)] },
                    RateGroup { class_id: 3, members: vec![(4, 6), (2, 5)] },
                ],
            };
            let mut out = BytesMut::new();
            r.encode(&mut out).unwrap();
            assert_eq!(out.len(), 2 + 5 * if extended { 35 } else { 30 } + 2 * 12);
            let back = RateParamsReply::decode(&out).unwrap();
            assert_eq!(back, r);
            assert_eq!(back.class_of(4, 6), 3);
            assert_eq!(back.class_of(0x13, 8), 1);
            assert!(RateParamsReply::decode(&out[..out.len() - 1]).is_err());
        }
    }

    #[test]
    fn pause_ack_and_versions() {
        assert_eq!(FamilyList::decode(&[0, 1, 0, 4]).unwrap().families, [1, 4]);
        assert!(FamilyList::decode(&[0, 1, 0]).is_err());
        let v = VersionList::decode(&[0, 1, 0, 3, 0, 0x13, 0, 4]).unwrap();
        assert_eq!(v.version_of(0x13), Some(4));
        assert_eq!(v.version_of(2), None);
    }

    #[test]
    fn service_request_and_redirect_bytes() {
        // 01/04 for ChatNav with TLV 0x008C (TLS wanted), as libpurple and OOS lay it out.
        let body = [0x00, 0x0D, 0x00, 0x8C, 0x00, 0x00];
        let req = ServiceRequest::decode(&body).unwrap();
        assert_eq!(req.family, 0x000D);
        assert!(req.tlvs.value(0x008C).is_some());
        let mut out = BytesMut::new();
        req.encode(&mut out).unwrap();
        assert_eq!(&out[..], body);
        assert!(ServiceRequest::decode(&[0x00]).is_err());
        let redirect = ServiceRedirect::decode(&[
            0x00, 0x0D, 0x00, 0x02, 0x00, 0x0E, 0x00, 0x05, 0x00, 0x03, b'h', b':', b'1', 0x00,
            0x06, 0x00, 0x02, 0xC0, 0x0C,
        ])
        .unwrap();
        assert_eq!(redirect.family(), Some(0x000E));
        assert_eq!(redirect.host().as_deref(), Some("h:1"));
        assert_eq!(redirect.cookie(), Some(&[0xC0, 0x0C][..]));
    }

    #[test]
    fn service_request_for_a_room_and_redirect() {
        let room = RoomRef { exchange: 4, cookie: "4-0-pals".into(), instance: 0 };
        let req = ServiceRequest::chat(&room).unwrap();
        let mut out = BytesMut::new();
        req.encode(&mut out).unwrap();
        assert_eq!(out.as_ref(), b"\x00\x0e\x00\x01\x00\x0d\x00\x04\x084-0-pals\x00\x00");
        let back = ServiceRequest::decode(&out).unwrap();
        assert_eq!(back.room().unwrap().unwrap(), room);
        assert!(ServiceRequest::new(0x0D).room().is_none());
        assert!(ServiceRequest::decode(&[0]).is_err());
        let bad = ServiceRequest { family: 0x0E, tlvs: TlvBlock::new().with(1, vec![0, 4, 9]) };
        assert!(bad.room().unwrap().is_err());
        let redirect = ServiceRedirect::new(0x0E, "127.0.0.1:5190", b"c00kie");
        assert_eq!(redirect.family(), Some(0x0E));
        assert_eq!(redirect.host().as_deref(), Some("127.0.0.1:5190"));
        assert_eq!(redirect.cookie(), Some(&b"c00kie"[..]));
    }

    #[test]
    fn migrate_and_motd_accessors() {
        let m = Migrate {
            families: vec![],
            tlvs: TlvBlock::new().with(5, b"bos:5191".to_vec()).with(6, vec![1, 2]),
        };
        assert_eq!(m.host().as_deref(), Some("bos:5191"));
        assert_eq!(m.cookie(), Some(&[1u8, 2][..]));
        let motd = Motd { kind: 4, tlvs: TlvBlock::new().with(0x0B, b"hello".to_vec()) };
        assert_eq!(motd.text().as_deref(), Some("hello"));
    }
}
