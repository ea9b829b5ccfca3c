//! Family 0x0013 Feedbag: the server-stored buddy list (§6).

use bytes::{BufMut, BytesMut};

use super::buf::{put_count16, put_str16, put_str8, Reader, WireError};
use super::codes::FeedbagResult;
use super::tlv::TlvBlock;
use crate::screenname::ScreenName;

/// The Feedbag family number.
pub const FAMILY: u16 = 0x0013;

/// Feedbag subtypes.
pub mod subtype {
    /// Error.
    pub const ERROR: u16 = 0x01;
    /// Rights query.
    pub const RIGHTS_QUERY: u16 = 0x02;
    /// Rights reply.
    pub const RIGHTS_REPLY: u16 = 0x03;
    /// Query the whole list.
    pub const QUERY: u16 = 0x04;
    /// Query unless unchanged since a timestamp.
    pub const QUERY_IF_MODIFIED: u16 = 0x05;
    /// The list (possibly in several parts).
    pub const REPLY: u16 = 0x06;
    /// Start using the list (activates presence).
    pub const USE: u16 = 0x07;
    /// Insert items.
    pub const INSERT_ITEM: u16 = 0x08;
    /// Update items.
    pub const UPDATE_ITEM: u16 = 0x09;
    /// Delete items.
    pub const DELETE_ITEM: u16 = 0x0A;
    /// Per-item results.
    pub const STATUS: u16 = 0x0E;
    /// The list is unchanged.
    pub const REPLY_NOT_MODIFIED: u16 = 0x0F;
    /// Start a transaction.
    pub const START_CLUSTER: u16 = 0x11;
    /// End a transaction.
    pub const END_CLUSTER: u16 = 0x12;
}

/// Item classes (§6.1).
pub mod class {
    /// A buddy.
    pub const BUDDY: u16 = 0x0000;
    /// A group (or the root when group id is 0).
    pub const GROUP: u16 = 0x0001;
    /// Permit (allow) entry.
    pub const PERMIT: u16 = 0x0002;
    /// Deny (block) entry.
    pub const DENY: u16 = 0x0003;
    /// Privacy settings.
    pub const PD_INFO: u16 = 0x0004;
    /// Presence preferences.
    pub const PRESENCE_PREFS: u16 = 0x0005;
    /// Non-buddy info.
    pub const NON_BUDDY: u16 = 0x0006;
    /// Client preferences.
    pub const CLIENT_PREFS: u16 = 0x0009;
    /// ICQ ignore list.
    pub const ICQ_IGNORE: u16 = 0x000E;
    /// Last-update date.
    pub const LAST_UPDATE: u16 = 0x000F;
    /// Own buddy icon.
    pub const BART: u16 = 0x0014;
}

/// Item attribute TLVs (§6.1).
pub mod attr {
    /// Ordered u16 child ids of a group or the root.
    pub const ORDER: u16 = 0x00C8;
    /// Buddy presence prefs (u32).
    pub const BUDDY_PREFS: u16 = 0x00C9;
    /// Privacy mode (u8).
    pub const PD_MODE: u16 = 0x00CA;
    /// Visible-to class mask (u32).
    pub const PD_MASK: u16 = 0x00CB;
    /// "Allow others to see" flags (u32).
    pub const PD_FLAGS: u16 = 0x00CC;
    /// Awaiting authorization (empty).
    pub const PENDING_AUTH: u16 = 0x0066;
    /// Buddy alias.
    pub const ALIAS: u16 = 0x0131;
    /// Buddy comment.
    pub const COMMENT: u16 = 0x013C;
}

/// The privacy mode of the PD-info item's attribute 0x00CA (§6.4): who may see us and reach us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PrivacyMode {
    /// 1: everyone (the mode when the list has no privacy item).
    #[default]
    AllowAll,
    /// 2: nobody; we appear offline to everyone (AIM's "invisible").
    BlockAll,
    /// 3: only the permit (allow) list.
    AllowPermitList,
    /// 4: everyone but the deny (block) list.
    BlockDenyList,
    /// 5: only people on our buddy list.
    AllowBuddies,
}

impl PrivacyMode {
    /// The mode for a wire byte, `None` for anything but 1–5.
    pub fn from_u8(v: u8) -> Option<Self> {
        Some(match v {
            1 => PrivacyMode::AllowAll,
            2 => PrivacyMode::BlockAll,
            3 => PrivacyMode::AllowPermitList,
            4 => PrivacyMode::BlockDenyList,
            5 => PrivacyMode::AllowBuddies,
            _ => return None,
        })
    }

    /// The wire byte.
    pub fn to_u8(self) -> u8 {
        match self {
            PrivacyMode::AllowAll => 1,
            PrivacyMode::BlockAll => 2,
            PrivacyMode::AllowPermitList => 3,
            PrivacyMode::BlockDenyList => 4,
            PrivacyMode::AllowBuddies => 5,
        }
    }
}

/// The privacy mode a list holds: its first privacy-settings item's, or allow-all when it has
/// none or the mode byte is not 1–5, as Open OSCAR Server reads it (§6.4).
pub fn list_privacy_mode(items: &[FeedbagItem]) -> PrivacyMode {
    items
        .iter()
        .find(|i| i.class == class::PD_INFO)
        .and_then(FeedbagItem::privacy_mode)
        .unwrap_or_default()
}

/// Whether an item of `class` names `who` (screen names compared normalized).
pub fn list_names(items: &[FeedbagItem], class: u16, who: &ScreenName) -> bool {
    items.iter().any(|i| i.class == class && ScreenName::from_wire(&i.name) == *who)
}

/// Whether the owner of a list refuses `who` (§6.4): `who`'s IMs, typing and presence do not
/// reach the owner, and `who` sees the owner offline. A deny item refuses in every mode (Open
/// OSCAR Server honours it only in mode 4; flapjack's client switches allow-all to mode 4 when
/// it blocks someone, so both servers agree); otherwise the mode decides.
pub fn list_blocks(items: &[FeedbagItem], who: &ScreenName) -> bool {
    if list_names(items, class::DENY, who) {
        return true;
    }
    match list_privacy_mode(items) {
        PrivacyMode::AllowAll | PrivacyMode::BlockDenyList => false,
        PrivacyMode::BlockAll => true,
        PrivacyMode::AllowPermitList => !list_names(items, class::PERMIT, who),
        PrivacyMode::AllowBuddies => !list_names(items, class::BUDDY, who),
    }
}

/// One feedbag item: a buddy, group, permit/deny entry or setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbagItem {
    /// Buddy screen name / UIN, group name, or empty.
    pub name: String,
    /// The group this item lives in (0 = root).
    pub group_id: u16,
    /// The item's id within its group (0 for groups).
    pub item_id: u16,
    /// The item class (see [`class`]).
    pub class: u16,
    /// Attributes (see [`attr`]).
    pub attrs: TlvBlock,
}

impl FeedbagItem {
    /// An item with no attributes.
    pub fn new(name: impl Into<String>, group_id: u16, item_id: u16, class: u16) -> Self {
        FeedbagItem { name: name.into(), group_id, item_id, class, attrs: TlvBlock::new() }
    }

    /// A buddy entry in group `group_id`.
    pub fn buddy(name: impl Into<String>, group_id: u16, item_id: u16) -> Self {
        Self::new(name, group_id, item_id, class::BUDDY)
    }

    /// A group (or, with id 0 and an empty name, the root) listing `children` in order.
    pub fn group(name: impl Into<String>, group_id: u16, children: &[u16]) -> Self {
        let mut g = Self::new(name, group_id, 0, class::GROUP);
        g.set_order(children);
        g
    }

    /// The ordered child ids in attribute 0x00C8 (absent = empty); a trailing odd byte is ignored.
    pub fn order(&self) -> Vec<u16> {
        self.attrs
            .value(attr::ORDER)
            .map(|v| v.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect())
            .unwrap_or_default()
    }

    /// Replaces attribute 0x00C8 with `ids`.
    pub fn set_order(&mut self, ids: &[u16]) {
        self.attrs.set(attr::ORDER, ids.iter().flat_map(|i| i.to_be_bytes()).collect::<Vec<_>>());
    }

    /// The buddy alias, if set.
    pub fn alias(&self) -> Option<String> {
        self.attrs.get_str(attr::ALIAS)
    }

    /// A privacy-settings item (class 0x0004, root group) with `mode` and the "everyone"
    /// class mask 0xFFFFFFFF, as AIM clients write it.
    pub fn pd_info(item_id: u16, mode: PrivacyMode) -> Self {
        let mut item = Self::new("", 0, item_id, class::PD_INFO);
        item.set_privacy_mode(mode);
        item.attrs.set(attr::PD_MASK, 0xFFFF_FFFFu32.to_be_bytes().to_vec());
        item
    }

    /// The privacy mode in attribute 0x00CA; `None` when absent or not 1–5 (callers then
    /// treat the list as allowing everyone, as Open OSCAR Server does).
    pub fn privacy_mode(&self) -> Option<PrivacyMode> {
        self.attrs.value(attr::PD_MODE)?.first().copied().and_then(PrivacyMode::from_u8)
    }

    /// Replaces attribute 0x00CA with `mode`.
    pub fn set_privacy_mode(&mut self, mode: PrivacyMode) {
        self.attrs.set(attr::PD_MODE, vec![mode.to_u8()]);
    }

    /// Whether this is the root group (class group, group id 0).
    pub fn is_root(&self) -> bool {
        self.class == class::GROUP && self.group_id == 0
    }

    /// Reads one item.
    pub fn read(r: &mut Reader<'_>) -> Result<Self, WireError> {
        Ok(FeedbagItem {
            name: r.string16()?,
            group_id: r.u16()?,
            item_id: r.u16()?,
            class: r.u16()?,
            attrs: TlvBlock::read_length_prefixed(r)?,
        })
    }

    /// Writes one item.
    pub fn write(&self, out: &mut BytesMut) -> Result<(), WireError> {
        put_str16(out, "feedbag item name", self.name.as_bytes())?;
        out.put_u16(self.group_id);
        out.put_u16(self.item_id);
        out.put_u16(self.class);
        self.attrs.write_length_prefixed(out)
    }
}

tlv_body!(
    /// 13/02: rights query (libpurple sends TLV 0x000B).
    FeedbagRightsQuery
);

tlv_body!(
    /// 13/03: feedbag limits; TLV 0x0004 is the max item count per class.
    FeedbagRights
);

impl FeedbagRights {
    /// Max items indexed by class id (TLV 0x0004).
    pub fn max_items_by_class(&self) -> Vec<u16> {
        self.tlvs
            .value(0x0004)
            .map(|v| v.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect())
            .unwrap_or_default()
    }
}

/// 13/05 query-if-modified and 13/0F not-modified: a timestamp and an item count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedbagStamp {
    /// Last-modified time (Unix seconds).
    pub last_modified: u32,
    /// Item count (sent as u16; a u8 from some clients is accepted).
    pub count: u16,
}

impl FeedbagStamp {
    /// Decodes a 5-byte (`u32, u8`) or 6-byte (`u32, u16`) body.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        let last_modified = r.u32()?;
        let count = match r.remaining() {
            1 => u16::from(r.u8()?),
            _ => r.u16()?,
        };
        r.finish("feedbag timestamp")?;
        Ok(FeedbagStamp { last_modified, count })
    }

    /// Encodes the 6-byte form.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        out.put_u32(self.last_modified);
        out.put_u16(self.count);
        Ok(())
    }
}

/// 13/06: (part of) the list; SNAC flag 0x0001 means more parts follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbagReply {
    /// Format version (0).
    pub version: u8,
    /// Items in this part.
    pub items: Vec<FeedbagItem>,
    /// Last-modified time (meaningful in the last part).
    pub last_modified: u32,
}

impl FeedbagReply {
    /// Decodes the body.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        let version = r.u8()?;
        let n = r.u16()?;
        let mut items = Vec::new();
        for _ in 0..n {
            items.push(FeedbagItem::read(&mut r)?);
        }
        let last_modified = r.u32()?;
        Ok(FeedbagReply { version, items, last_modified })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        out.put_u8(self.version);
        put_count16(out, "feedbag items", self.items.len())?;
        self.items.iter().try_for_each(|i| i.write(out))?;
        out.put_u32(self.last_modified);
        Ok(())
    }

    /// Splits a whole list into 13/06 parts whose bodies stay within `max_body` bytes (at least
    /// one item per part); send every part but the last with SNAC flag 0x0001. Only the last part
    /// carries `last_modified`, the others 0, as Twisted reads a zero stamp as "more follows".
    pub fn split(items: Vec<FeedbagItem>, last_modified: u32, max_body: usize) -> Vec<Self> {
        let mut parts = Vec::new();
        let mut current = Vec::new();
        let mut size = 7; // version + count + timestamp
        for item in items {
            let len = 10 + item.name.len() + item.attrs.iter().map(|t| t.wire_len()).sum::<usize>();
            if !current.is_empty()
                && (size + len > max_body || current.len() == usize::from(u16::MAX))
            {
                parts.push(FeedbagReply {
                    version: 0,
                    items: std::mem::take(&mut current),
                    last_modified: 0,
                });
                size = 7;
            }
            size += len;
            current.push(item);
        }
        parts.push(FeedbagReply { version: 0, items: current, last_modified });
        parts
    }
}

/// 13/08 insert, 13/09 update, 13/0A delete: items back to back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedbagItems {
    /// The items.
    pub items: Vec<FeedbagItem>,
}

impl FeedbagItems {
    /// Decodes the body.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        let mut items = Vec::new();
        while !r.is_empty() {
            items.push(FeedbagItem::read(&mut r)?);
        }
        Ok(FeedbagItems { items })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        self.items.iter().try_for_each(|i| i.write(out))
    }
}

/// 13/0E: one result per item of the preceding change, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedbagStatus {
    /// The results.
    pub results: Vec<FeedbagResult>,
}

impl FeedbagStatus {
    /// Decodes the body.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        let mut results = Vec::new();
        while !r.is_empty() {
            results.push(FeedbagResult::from(r.u16()?));
        }
        Ok(FeedbagStatus { results })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        self.results.iter().for_each(|c| out.put_u16((*c).into()));
        Ok(())
    }
}

/// 13/11: start a transaction; `import` sends the `0x00010000` import-mode flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StartTransaction {
    /// The optional u32 option word.
    pub options: Option<u32>,
}

impl StartTransaction {
    /// Decodes an empty or 4-byte body.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        let options = if r.is_empty() { None } else { Some(r.u32()?) };
        Ok(StartTransaction { options })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        if let Some(o) = self.options {
            out.put_u32(o);
        }
        Ok(())
    }
}

/// 13/14 pre-authorize, 13/15 pre-authorized, 13/18 and 13/19 authorization request (§6.4):
/// who, a message, and a u16 of flags (0; absent from some clients, read as 0).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthRequest {
    /// 13/14 and 13/18: the contact asked; 13/15 and 13/19: the contact asking.
    pub screen_name: String,
    /// The requester's message (may be empty).
    pub message: String,
    /// Flags, 0 in practice.
    pub flags: u16,
}

impl AuthRequest {
    /// A request naming `screen_name` with `message`.
    pub fn new(screen_name: impl Into<String>, message: impl Into<String>) -> Self {
        AuthRequest { screen_name: screen_name.into(), message: message.into(), flags: 0 }
    }

    /// Decodes the body: `str8 name | str16 message | u16 flags`, the last two optional.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        let screen_name = r.string8()?;
        let message = if r.is_empty() { String::new() } else { r.string16()? };
        let flags = if r.remaining() >= 2 { r.u16()? } else { 0 };
        Ok(AuthRequest { screen_name, message, flags })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        put_str8(out, "authorization screen name", self.screen_name.as_bytes())?;
        put_str16(out, "authorization message", self.message.as_bytes())?;
        out.put_u16(self.flags);
        Ok(())
    }
}

/// 13/1A (client: our answer) and 13/1B (server: their answer) to an authorization request
/// (§6.4): who, granted or not, and a reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthReply {
    /// 13/1A: the requester we answer; 13/1B: the contact who answered.
    pub screen_name: String,
    /// 1 granted, 0 denied (anything else is read as denied).
    pub answer: u8,
    /// The reason given (may be empty).
    pub reason: String,
}

impl AuthReply {
    /// An answer to `screen_name`.
    pub fn new(screen_name: impl Into<String>, granted: bool, reason: impl Into<String>) -> Self {
        AuthReply {
            screen_name: screen_name.into(),
            answer: u8::from(granted),
            reason: reason.into(),
        }
    }

    /// Whether authorization was granted.
    pub fn granted(&self) -> bool {
        self.answer == 1
    }

    /// Decodes `str8 name | u8 answer | str16 reason`; the reason may be missing and a trailing
    /// u16 (Open OSCAR Server writes one) is ignored.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        let screen_name = r.string8()?;
        let answer = r.u8()?;
        let reason = if r.remaining() >= 2 { r.string16()? } else { String::new() };
        Ok(AuthReply { screen_name, answer, reason })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        put_str8(out, "authorization screen name", self.screen_name.as_bytes())?;
        out.put_u8(self.answer);
        put_str16(out, "authorization reason", self.reason.as_bytes())
    }
}

/// 13/1C, server: this user added us to their list (§6.4); anything after the name is ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuddyAdded {
    /// Who added us.
    pub screen_name: String,
}

impl BuddyAdded {
    /// Decodes the body.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        Ok(BuddyAdded { screen_name: r.string8()? })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        put_str8(out, "buddy-added screen name", self.screen_name.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_helpers() {
        let mut root = FeedbagItem::new("", 0, 0, class::GROUP);
        assert!(root.is_root());
        assert!(root.order().is_empty());
        root.set_order(&[1, 0x0203]);
        assert_eq!(root.attrs.value(attr::ORDER), Some(&[0, 1, 2, 3][..]));
        assert_eq!(root.order(), [1, 0x0203]);
    }

    #[test]
    fn privacy_mode_attribute() {
        for v in 1..=5u8 {
            let mode = PrivacyMode::from_u8(v).unwrap();
            assert_eq!(mode.to_u8(), v);
            let item = FeedbagItem::pd_info(9, mode);
            assert_eq!((item.class, item.group_id, item.item_id), (class::PD_INFO, 0, 9));
            assert_eq!(item.privacy_mode(), Some(mode));
            assert_eq!(item.attrs.get_u32(attr::PD_MASK), Some(0xFFFF_FFFF));
        }
        assert_eq!(PrivacyMode::from_u8(0), None);
        assert_eq!(PrivacyMode::from_u8(6), None);
        let mut odd = FeedbagItem::new("", 0, 1, class::PD_INFO);
        assert_eq!(odd.privacy_mode(), None, "absent");
        odd.attrs.set(attr::PD_MODE, Vec::new());
        assert_eq!(odd.privacy_mode(), None, "empty");
        odd.attrs.set(attr::PD_MODE, vec![7, 1]);
        assert_eq!(odd.privacy_mode(), None, "out of range");
        odd.attrs.set(attr::PD_MODE, vec![4, 0, 0, 0]);
        assert_eq!(odd.privacy_mode(), Some(PrivacyMode::BlockDenyList), "first byte counts");
        assert_eq!(PrivacyMode::default(), PrivacyMode::AllowAll);
    }

    #[test]
    fn item_wire_layout() {
        let mut b = FeedbagItem::new("bob", 1, 7, class::BUDDY);
        b.attrs.push(attr::ALIAS, b"Bobby".to_vec());
        let mut out = BytesMut::new();
        b.write(&mut out).unwrap();
        assert_eq!(hex::encode(&out), "0003626f62000100070000000901310005426f626279");
        let back = FeedbagItem::read(&mut Reader::new(&out)).unwrap();
        assert_eq!(back.alias().as_deref(), Some("Bobby"));
        assert!(FeedbagItem::read(&mut Reader::new(&out[..out.len() - 1])).is_err());
    }

    #[test]
    fn split_keeps_parts_under_the_limit() {
        let items: Vec<_> =
            (0..100).map(|i| FeedbagItem::buddy(format!("buddy{i:03}"), 1, i)).collect();
        let parts = FeedbagReply::split(items.clone(), 42, 200);
        assert!(parts.len() > 1);
        for (i, p) in parts.iter().enumerate() {
            let mut out = BytesMut::new();
            p.encode(&mut out).unwrap();
            assert!(out.len() <= 200, "part {i} is {} bytes", out.len());
            assert_eq!(p.last_modified, if i == parts.len() - 1 { 42 } else { 0 });
        }
        let joined: Vec<_> = parts.into_iter().flat_map(|p| p.items).collect();
        assert_eq!(joined, items);
        assert_eq!(FeedbagReply::split(Vec::new(), 5, 200).len(), 1);
    }

    #[test]
    fn stamp_accepts_five_or_six_bytes() {
        let five = FeedbagStamp::decode(&[0, 0, 0, 9, 3]).unwrap();
        let six = FeedbagStamp::decode(&[0, 0, 0, 9, 0, 3]).unwrap();
        assert_eq!(five, six);
        assert!(FeedbagStamp::decode(&[0, 0, 0, 9]).is_err());
        assert!(FeedbagStamp::decode(&[0, 0, 0, 9, 0, 3, 0]).is_err());
    }

    #[test]
    fn reply_needs_trailing_timestamp() {
        let r = FeedbagReply {
            version: 0,
            items: vec![FeedbagItem::new("g", 1, 0, 1)],
            last_modified: 5,
        };
        let mut out = BytesMut::new();
        r.encode(&mut out).unwrap();
        assert_eq!(FeedbagReply::decode(&out).unwrap(), r);
        assert!(FeedbagReply::decode(&out[..out.len() - 2]).is_err());
    }

    #[test]
    fn authorization_bodies() {
        let req = AuthRequest::new("123456789", "please");
        let mut out = BytesMut::new();
        req.encode(&mut out).unwrap();
        assert_eq!(hex::encode(&out), "093132333435363738390006706c656173650000");
        assert_eq!(AuthRequest::decode(&out).unwrap(), req);
        // Without message and flags (some clients): both default.
        let short = AuthRequest::decode(&out[..10]).unwrap();
        assert_eq!((short.message.as_str(), short.flags), ("", 0));
        assert!(AuthRequest::decode(&out[..5]).is_err());

        let reply = AuthReply::new("bob", true, "ok");
        let mut out = BytesMut::new();
        reply.encode(&mut out).unwrap();
        assert_eq!(hex::encode(&out), "03626f620100026f6b");
        // Open OSCAR Server's trailing u16 is ignored.
        out.extend_from_slice(&[0, 0]);
        let back = AuthReply::decode(&out).unwrap();
        assert!(back.granted());
        assert_eq!(back, reply);
        assert!(!AuthReply::new("bob", false, "").granted());
        assert!(AuthReply::decode(&[3, b'b', b'o', b'b']).is_err());

        let added = BuddyAdded::decode(&[3, b'b', b'o', b'b', 0, 0]).unwrap();
        assert_eq!(added.screen_name, "bob");
        assert!(BuddyAdded::decode(&[4, b'b']).is_err());
    }
}
