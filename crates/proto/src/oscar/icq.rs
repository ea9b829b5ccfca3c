//! Family 0x0015 ICQ: the "meta" database behind user information and search (§10.1).
//!
//! 15/02 (request) and 15/03 (reply) carry one big-endian TLV 0x0001 whose value is a
//! little-endian packet: `u16 length | u32 own UIN | u16 type | u16 sequence | data`.
//! [`IcqMeta`] is that envelope; [`MetaRequest`] and [`MetaReply`] read and write the data of
//! the information and search requests flapjack uses. Strings inside are "LNTS": a u16 LE
//! length counting a terminating NUL, then the bytes.

use bytes::{BufMut, BytesMut};

use super::buf::{Reader, WireError};
use super::tlv::TlvBlock;

/// The ICQ family number.
pub const FAMILY: u16 = 0x0015;
/// The TLV that carries the packet.
const TLV_PACKET: u16 = 0x0001;
/// Packet type of a meta request (15/02).
pub const META_REQUEST: u16 = 0x07D0;
/// Packet type of a meta reply (15/03).
pub const META_REPLY: u16 = 0x07DA;

/// Meta request subtypes (§10.1).
pub mod request {
    /// Full information (answered by several replies).
    pub const FULL_INFO: u16 = 0x04B2;
    /// Short information (one reply).
    pub const SHORT_INFO: u16 = 0x04BA;
    /// Full information, newer clients.
    pub const FULL_INFO2: u16 = 0x04D0;
    /// Search by first, last and nick name (three LNTS).
    pub const SEARCH_DETAILS: u16 = 0x0515;
    /// Search by UIN (u32).
    pub const SEARCH_UIN: u16 = 0x051F;
    /// Search by e-mail (LNTS).
    pub const SEARCH_EMAIL: u16 = 0x0529;
    /// White-pages search, TLV form (TLVs 0x0140, 0x014A, 0x0154, …).
    pub const SEARCH_DETAILS_TLV: u16 = 0x055F;
    /// Search by UIN, TLV form (TLV 0x0136).
    pub const SEARCH_UIN_TLV: u16 = 0x0569;
    /// Search by e-mail, TLV form (TLV 0x015E).
    pub const SEARCH_EMAIL_TLV: u16 = 0x0573;
}

/// Meta reply subtypes (§10.1).
pub mod reply {
    /// Basic information (first of a full-information answer).
    pub const BASIC_INFO: u16 = 0x00C8;
    /// More information (age, gender, home page, …).
    pub const MORE_INFO: u16 = 0x00DC;
    /// Notes ("about").
    pub const NOTES: u16 = 0x00E6;
    /// Short information.
    pub const SHORT_INFO: u16 = 0x0104;
    /// One search hit, more follow.
    pub const USER_FOUND: u16 = 0x01A4;
    /// The last search hit (or the "nothing found" answer).
    pub const LAST_USER_FOUND: u16 = 0x01AE;
}

/// Little-endian TLV types inside the TLV forms of the searches.
pub mod search_tlv {
    /// UIN, u32 LE.
    pub const UIN: u16 = 0x0136;
    /// First name, LNTS.
    pub const FIRST_NAME: u16 = 0x0140;
    /// Last name, LNTS.
    pub const LAST_NAME: u16 = 0x014A;
    /// Nickname, LNTS.
    pub const NICKNAME: u16 = 0x0154;
    /// E-mail, LNTS.
    pub const EMAIL: u16 = 0x015E;
}

/// The result byte of every meta reply.
pub mod status {
    /// Success.
    pub const OK: u8 = 0x0A;
    /// Nothing found.
    pub const NOT_FOUND: u8 = 0x32;
    /// The request failed.
    pub const FAILED: u8 = 0x14;
}

/// 15/02 and 15/03: the little-endian packet inside TLV 0x0001.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IcqMeta {
    /// The UIN of the account asking (the server echoes it in replies).
    pub uin: u32,
    /// Packet type: [`META_REQUEST`], [`META_REPLY`], or the offline-message types.
    pub kind: u16,
    /// Sequence number chosen by the requester, echoed in replies.
    pub seq: u16,
    /// Everything after the header (for meta packets, starting with the u16 LE subtype).
    pub data: Vec<u8>,
}

impl IcqMeta {
    /// Decodes the SNAC body: a TLV block whose 0x0001 holds the packet; other TLVs are ignored.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let tlvs = TlvBlock::decode(body)?;
        let mut r = tlvs
            .value_reader(TLV_PACKET)
            .ok_or_else(|| WireError::invalid("ICQ packet", "no TLV 0x0001"))?;
        let len = usize::from(u16_le(&mut r)?);
        let mut r = r.sub(len)?;
        let uin = u32_le(&mut r)?;
        let kind = u16_le(&mut r)?;
        let seq = u16_le(&mut r)?;
        Ok(IcqMeta { uin, kind, seq, data: r.rest().to_vec() })
    }

    /// Encodes the SNAC body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        let len = u16::try_from(8 + self.data.len())
            .ok()
            .filter(|l| *l <= u16::MAX - 2)
            .ok_or(WireError::TooLong { what: "ICQ packet", len: self.data.len(), max: 0xFFF5 })?;
        out.put_u16(TLV_PACKET);
        out.put_u16(len + 2);
        out.put_u16_le(len);
        out.put_u32_le(self.uin);
        out.put_u16_le(self.kind);
        out.put_u16_le(self.seq);
        out.put_slice(&self.data);
        Ok(())
    }

    /// The meta subtype (first u16 LE of the data) of a meta request or reply.
    pub fn subtype(&self) -> Option<u16> {
        let b = self.data.get(..2)?;
        Some(u16::from_le_bytes([b[0], b[1]]))
    }
}

/// What a search looks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchQuery {
    /// One UIN.
    Uin(u32),
    /// An exact e-mail address (any case).
    Email(String),
    /// Names: each non-empty one must match (any case).
    Details {
        /// First name.
        first: String,
        /// Last name.
        last: String,
        /// Nickname.
        nick: String,
    },
}

/// The meta requests flapjack sends and the embedded server answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetaRequest {
    /// 0x04BA: nickname, names, e-mail and whether authorization is required.
    ShortInfo(u32),
    /// 0x04B2 (or 0x04D0): everything, in several replies.
    FullInfo(u32),
    /// 0x0515–0x0573: a directory search; flapjack writes the TLV forms.
    Search(SearchQuery),
    /// A subtype this build does not model.
    Other(u16),
}

impl MetaRequest {
    /// Reads the data of a [`META_REQUEST`] packet.
    pub fn parse(data: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(data);
        let subtype = u16_le(&mut r)?;
        Ok(match subtype {
            request::SHORT_INFO => MetaRequest::ShortInfo(u32_le(&mut r)?),
            request::FULL_INFO | request::FULL_INFO2 => MetaRequest::FullInfo(u32_le(&mut r)?),
            request::SEARCH_UIN => MetaRequest::Search(SearchQuery::Uin(u32_le(&mut r)?)),
            request::SEARCH_EMAIL => MetaRequest::Search(SearchQuery::Email(lnts(&mut r)?)),
            request::SEARCH_DETAILS => {
                let first = lnts(&mut r)?;
                let last = lnts(&mut r)?;
                let nick = lnts(&mut r)?;
                MetaRequest::Search(SearchQuery::Details { first, last, nick })
            }
            request::SEARCH_UIN_TLV => {
                let tlvs = le_tlvs(&mut r)?;
                let uin = find(&tlvs, search_tlv::UIN)
                    .and_then(|v| v.get(..4))
                    .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .ok_or_else(|| WireError::invalid("ICQ UIN search", "no UIN TLV"))?;
                MetaRequest::Search(SearchQuery::Uin(uin))
            }
            request::SEARCH_EMAIL_TLV => {
                let tlvs = le_tlvs(&mut r)?;
                let email = tlv_text(&tlvs, search_tlv::EMAIL)?
                    .ok_or_else(|| WireError::invalid("ICQ e-mail search", "no e-mail TLV"))?;
                MetaRequest::Search(SearchQuery::Email(email))
            }
            request::SEARCH_DETAILS_TLV => {
                let tlvs = le_tlvs(&mut r)?;
                let first = tlv_text(&tlvs, search_tlv::FIRST_NAME)?.unwrap_or_default();
                let last = tlv_text(&tlvs, search_tlv::LAST_NAME)?.unwrap_or_default();
                let nick = tlv_text(&tlvs, search_tlv::NICKNAME)?.unwrap_or_default();
                MetaRequest::Search(SearchQuery::Details { first, last, nick })
            }
            other => MetaRequest::Other(other),
        })
    }

    /// Writes the data of a [`META_REQUEST`] packet (searches in their TLV forms).
    pub fn write(&self) -> Result<Vec<u8>, WireError> {
        let mut out = BytesMut::new();
        match self {
            MetaRequest::ShortInfo(uin) => {
                out.put_u16_le(request::SHORT_INFO);
                out.put_u32_le(*uin);
            }
            MetaRequest::FullInfo(uin) => {
                out.put_u16_le(request::FULL_INFO);
                out.put_u32_le(*uin);
            }
            MetaRequest::Search(SearchQuery::Uin(uin)) => {
                out.put_u16_le(request::SEARCH_UIN_TLV);
                put_le_tlv(&mut out, search_tlv::UIN, &uin.to_le_bytes())?;
            }
            MetaRequest::Search(SearchQuery::Email(email)) => {
                out.put_u16_le(request::SEARCH_EMAIL_TLV);
                put_text_tlv(&mut out, search_tlv::EMAIL, email)?;
            }
            MetaRequest::Search(SearchQuery::Details { first, last, nick }) => {
                out.put_u16_le(request::SEARCH_DETAILS_TLV);
                for (kind, text) in [
                    (search_tlv::FIRST_NAME, first),
                    (search_tlv::LAST_NAME, last),
                    (search_tlv::NICKNAME, nick),
                ] {
                    if !text.is_empty() {
                        put_text_tlv(&mut out, kind, text)?;
                    }
                }
            }
            MetaRequest::Other(subtype) => out.put_u16_le(*subtype),
        }
        Ok(out.to_vec())
    }
}

/// What the meta database knows of a user; fields a reply does not carry stay empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IcqUser {
    /// The UIN (search hits carry it; info replies leave it 0, the asker knows it).
    pub uin: u32,
    /// Nickname.
    pub nickname: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// E-mail address.
    pub email: String,
    /// City (basic information only).
    pub city: String,
    /// State (basic information only).
    pub state: String,
    /// Whether adding this user needs their authorization (the wire's flag is 0 for yes).
    pub auth_required: bool,
    /// Gender: 0 unspecified, 1 female, 2 male.
    pub gender: u8,
    /// Age in years, 0 unknown (search hits only).
    pub age: u16,
    /// Online status of a search hit: 0 offline, 1 online, 2 unknown.
    pub online: u16,
}

/// The meta replies flapjack reads and the embedded server writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetaReply {
    /// 0x0104: short information; `None` when the status is not [`status::OK`].
    ShortInfo(u8, Option<IcqUser>),
    /// 0x00C8: basic information, the first reply to a full-information request.
    BasicInfo(u8, Option<IcqUser>),
    /// 0x00E6: notes.
    Notes(u8, Option<String>),
    /// 0x01A4 / 0x01AE: a search hit, or the last one (with how many more matched than were
    /// sent); the last one without a user when nothing was found.
    Found {
        /// The status byte.
        status: u8,
        /// Whether this is the last reply of the search.
        last: bool,
        /// The hit.
        user: Option<IcqUser>,
        /// In the last reply: matches left unsent.
        left: u32,
    },
    /// Another subtype (more, work, interests, …), skipped.
    Other(u16, u8),
}

impl MetaReply {
    /// Reads the data of a [`META_REPLY`] packet.
    pub fn parse(data: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(data);
        let subtype = u16_le(&mut r)?;
        let st = r.u8()?;
        let ok = st == status::OK;
        Ok(match subtype {
            reply::SHORT_INFO => {
                let user = if ok {
                    let mut u = names(&mut r)?;
                    u.auth_required = r.u8()? == 0;
                    if r.remaining() >= 2 {
                        r.u8()?;
                        u.gender = r.u8()?;
                    }
                    Some(u)
                } else {
                    None
                };
                MetaReply::ShortInfo(st, user)
            }
            reply::BASIC_INFO => {
                let user = if ok {
                    let mut u = names(&mut r)?;
                    u.city = lnts(&mut r)?;
                    u.state = lnts(&mut r)?;
                    for _ in 0..5 {
                        lnts(&mut r)?; // phone, fax, address, cellular, zip
                    }
                    u16_le(&mut r)?; // country
                    r.u8()?; // GMT offset
                    u.auth_required = r.u8()? == 0;
                    Some(u)
                } else {
                    None
                };
                MetaReply::BasicInfo(st, user)
            }
            reply::NOTES => MetaReply::Notes(st, if ok { Some(lnts(&mut r)?) } else { None }),
            reply::USER_FOUND | reply::LAST_USER_FOUND => {
                let last = subtype == reply::LAST_USER_FOUND;
                let (user, left) = if ok {
                    let len = usize::from(u16_le(&mut r)?);
                    let mut rec = r.sub(len)?;
                    let mut u = IcqUser { uin: u32_le(&mut rec)?, ..IcqUser::default() };
                    let n = names(&mut rec)?;
                    u.nickname = n.nickname;
                    u.first_name = n.first_name;
                    u.last_name = n.last_name;
                    u.email = n.email;
                    u.auth_required = rec.u8()? == 0;
                    u.online = u16_le(&mut rec)?;
                    u.gender = rec.u8()?;
                    u.age = u16_le(&mut rec)?;
                    let left = if last && r.remaining() >= 4 { u32_le(&mut r)? } else { 0 };
                    (Some(u), left)
                } else {
                    (None, 0)
                };
                MetaReply::Found { status: st, last, user, left }
            }
            other => MetaReply::Other(other, st),
        })
    }

    /// Writes the data of a [`META_REPLY`] packet.
    pub fn write(&self) -> Result<Vec<u8>, WireError> {
        let mut out = BytesMut::new();
        match self {
            MetaReply::ShortInfo(st, user) => {
                out.put_u16_le(reply::SHORT_INFO);
                out.put_u8(*st);
                if let Some(u) = user {
                    put_names(&mut out, u)?;
                    out.put_u8(u8::from(!u.auth_required));
                    out.put_u8(0);
                    out.put_u8(u.gender);
                }
            }
            MetaReply::BasicInfo(st, user) => {
                out.put_u16_le(reply::BASIC_INFO);
                out.put_u8(*st);
                if let Some(u) = user {
                    put_names(&mut out, u)?;
                    put_lnts(&mut out, &u.city)?;
                    put_lnts(&mut out, &u.state)?;
                    for _ in 0..5 {
                        put_lnts(&mut out, "")?;
                    }
                    out.put_u16_le(0); // country
                    out.put_u8(0); // GMT offset
                    out.put_u8(u8::from(!u.auth_required));
                    out.put_u8(0); // web aware
                    out.put_u8(0); // direct-connection permissions
                    out.put_u8(1); // do not publish the e-mail
                }
            }
            MetaReply::Notes(st, text) => {
                out.put_u16_le(reply::NOTES);
                out.put_u8(*st);
                if let Some(t) = text {
                    put_lnts(&mut out, t)?;
                }
            }
            MetaReply::Found { status: st, last, user, left } => {
                out.put_u16_le(if *last { reply::LAST_USER_FOUND } else { reply::USER_FOUND });
                out.put_u8(*st);
                if let Some(u) = user {
                    let mut rec = BytesMut::new();
                    rec.put_u32_le(u.uin);
                    put_names(&mut rec, u)?;
                    rec.put_u8(u8::from(!u.auth_required));
                    rec.put_u16_le(u.online);
                    rec.put_u8(u.gender);
                    rec.put_u16_le(u.age);
                    out.put_u16_le(le_len("ICQ search record", rec.len())?);
                    out.put_slice(&rec);
                    if *last {
                        out.put_u32_le(*left);
                    }
                }
            }
            MetaReply::Other(subtype, st) => {
                out.put_u16_le(*subtype);
                out.put_u8(*st);
            }
        }
        Ok(out.to_vec())
    }
}

fn u16_le(r: &mut Reader<'_>) -> Result<u16, WireError> {
    Ok(u16::from_le_bytes(r.array()?))
}

fn u32_le(r: &mut Reader<'_>) -> Result<u32, WireError> {
    Ok(u32::from_le_bytes(r.array()?))
}

fn le_len(what: &'static str, len: usize) -> Result<u16, WireError> {
    u16::try_from(len).map_err(|_| WireError::TooLong { what, len, max: usize::from(u16::MAX) })
}

/// An LNTS string: u16 LE length, bytes, one trailing NUL (dropped when present). The bytes
/// are UTF-8 when they are valid UTF-8, else read as Latin-1 (what old ICQ clients send).
fn lnts(r: &mut Reader<'_>) -> Result<String, WireError> {
    let len = usize::from(u16_le(r)?);
    Ok(text(r.bytes(len)?))
}

fn text(bytes: &[u8]) -> String {
    let bytes = bytes.strip_suffix(&[0]).unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => bytes.iter().map(|b| char::from(*b)).collect(),
    }
}

fn put_lnts(out: &mut BytesMut, s: &str) -> Result<(), WireError> {
    out.put_u16_le(le_len("ICQ string", s.len() + 1)?);
    out.put_slice(s.as_bytes());
    out.put_u8(0);
    Ok(())
}

/// Nickname, first, last name and e-mail, as four LNTS.
fn names(r: &mut Reader<'_>) -> Result<IcqUser, WireError> {
    Ok(IcqUser {
        nickname: lnts(r)?,
        first_name: lnts(r)?,
        last_name: lnts(r)?,
        email: lnts(r)?,
        ..IcqUser::default()
    })
}

fn put_names(out: &mut BytesMut, u: &IcqUser) -> Result<(), WireError> {
    for s in [&u.nickname, &u.first_name, &u.last_name, &u.email] {
        put_lnts(out, s)?;
    }
    Ok(())
}

/// Little-endian TLVs to the end: `u16 type | u16 length | value`.
fn le_tlvs<'a>(r: &mut Reader<'a>) -> Result<Vec<(u16, &'a [u8])>, WireError> {
    let mut tlvs = Vec::new();
    while !r.is_empty() {
        let kind = u16_le(r)?;
        let len = usize::from(u16_le(r)?);
        tlvs.push((kind, r.bytes(len)?));
    }
    Ok(tlvs)
}

fn find<'a>(tlvs: &[(u16, &'a [u8])], kind: u16) -> Option<&'a [u8]> {
    tlvs.iter().find(|(k, _)| *k == kind).map(|(_, v)| *v)
}

/// A TLV whose value is one LNTS.
fn tlv_text(tlvs: &[(u16, &[u8])], kind: u16) -> Result<Option<String>, WireError> {
    find(tlvs, kind).map(|v| lnts(&mut Reader::new(v))).transpose()
}

fn put_le_tlv(out: &mut BytesMut, kind: u16, value: &[u8]) -> Result<(), WireError> {
    out.put_u16_le(kind);
    out.put_u16_le(le_len("ICQ TLV", value.len())?);
    out.put_slice(value);
    Ok(())
}

fn put_text_tlv(out: &mut BytesMut, kind: u16, s: &str) -> Result<(), WireError> {
    let mut v = BytesMut::new();
    put_lnts(&mut v, s)?;
    put_le_tlv(out, kind, &v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(uin: u32) -> IcqUser {
        IcqUser {
            uin,
            nickname: "Nick".into(),
            first_name: "Ann".into(),
            last_name: "Lee".into(),
            email: "ann@example.com".into(),
            auth_required: true,
            gender: 1,
            age: 30,
            online: 1,
            ..IcqUser::default()
        }
    }

    #[test]
    fn envelope_layout() {
        let meta = IcqMeta {
            uin: 123456789,
            kind: META_REQUEST,
            seq: 2,
            data: MetaRequest::ShortInfo(987654321).write().unwrap(),
        };
        let mut out = BytesMut::new();
        meta.encode(&mut out).unwrap();
        assert_eq!(hex::encode(&out), "000100100e0015cd5b07d0070200ba04b168de3a");
        assert_eq!(IcqMeta::decode(&out).unwrap(), meta);
        assert_eq!(meta.subtype(), Some(request::SHORT_INFO));
        // The inner length may not run past the TLV.
        let mut bad = out.to_vec();
        bad[4] = 0x20;
        assert!(IcqMeta::decode(&bad).is_err());
        assert!(IcqMeta::decode(&[0, 2, 0, 0]).is_err());
    }

    #[test]
    fn requests_round_trip() {
        for req in [
            MetaRequest::ShortInfo(5),
            MetaRequest::FullInfo(123456789),
            MetaRequest::Search(SearchQuery::Uin(42)),
            MetaRequest::Search(SearchQuery::Email("a@b.c".into())),
            MetaRequest::Search(SearchQuery::Details {
                first: String::new(),
                last: "Lee".into(),
                nick: "Nick".into(),
            }),
            MetaRequest::Other(0x0898),
        ] {
            assert_eq!(MetaRequest::parse(&req.write().unwrap()).unwrap(), req);
        }
    }

    #[test]
    fn old_search_forms_are_read() {
        // 0x051F with a bare u32, 0x0529 with an LNTS, 0x0515 with three LNTS.
        let uin = [0x1F, 0x05, 0x2A, 0, 0, 0];
        assert_eq!(MetaRequest::parse(&uin).unwrap(), MetaRequest::Search(SearchQuery::Uin(42)));
        let email = [0x29, 0x05, 4, 0, b'a', b'@', b'b', 0];
        assert_eq!(
            MetaRequest::parse(&email).unwrap(),
            MetaRequest::Search(SearchQuery::Email("a@b".into()))
        );
        let details = [0x15, 0x05, 1, 0, 0, 1, 0, 0, 3, 0, b'N', b'k', 0];
        assert_eq!(
            MetaRequest::parse(&details).unwrap(),
            MetaRequest::Search(SearchQuery::Details {
                first: String::new(),
                last: String::new(),
                nick: "Nk".into()
            })
        );
        // Truncated and missing-TLV forms fail cleanly.
        assert!(MetaRequest::parse(&uin[..4]).is_err());
        assert!(MetaRequest::parse(&[0x69, 0x05]).is_err());
        assert!(MetaRequest::parse(&[0x73, 0x05, 0x5E, 0x01, 9, 0]).is_err());
    }

    #[test]
    fn replies_round_trip() {
        let mut basic = user(0);
        basic.city = "Oslo".into();
        basic.age = 0;
        basic.online = 0;
        basic.gender = 0;
        let mut short = user(0);
        short.age = 0;
        short.online = 0;
        for reply in [
            MetaReply::ShortInfo(status::OK, Some(short)),
            MetaReply::ShortInfo(status::FAILED, None),
            MetaReply::BasicInfo(status::OK, Some(basic)),
            MetaReply::Notes(status::OK, Some("about me".into())),
            MetaReply::Found { status: status::OK, last: false, user: Some(user(7)), left: 0 },
            MetaReply::Found { status: status::OK, last: true, user: Some(user(8)), left: 3 },
            MetaReply::Found { status: status::NOT_FOUND, last: true, user: None, left: 0 },
            MetaReply::Other(reply::MORE_INFO, status::OK),
        ] {
            assert_eq!(MetaReply::parse(&reply.write().unwrap()).unwrap(), reply);
        }
    }

    #[test]
    fn lnts_reads_latin1_and_missing_nul() {
        assert_eq!(lnts(&mut Reader::new(&[2, 0, 0xE9, 0])).unwrap(), "é");
        assert_eq!(lnts(&mut Reader::new(&[2, 0, b'h', b'i'])).unwrap(), "hi");
        assert!(lnts(&mut Reader::new(&[5, 0, b'h'])).is_err());
    }
}
