//! Family 0x0010 BART (buddy art): buddy icons stored on the server by hash (§15).
//!
//! A BART id names one item: its type (1 = buddy icon), flags and a hash of up to 255 bytes.
//! The same id travels in user-info TLV 0x1D (a run of ids), in the feedbag's class-0x14 items
//! (TLV 0xD5 holds the id without its type, which is the item's name), in 01/21 and in the
//! download SNACs. Items themselves are downloaded (10/04 → 10/05, or 10/06 → one 10/07 per
//! id) and uploaded (10/02 → 10/03) on a service connection reached through 01/04.

use bytes::{BufMut, Bytes, BytesMut};
use md5::{Digest as _, Md5};

use super::buf::{check_len, put_str16, put_str8, Reader, WireError};

/// The BART family number.
pub const FAMILY: u16 = 0x0010;

/// BART item types (the id's first field).
pub mod kind {
    /// A small buddy icon (older clients).
    pub const ICON_SMALL: u16 = 0x0000;
    /// The buddy icon.
    pub const ICON: u16 = 0x0001;
    /// An available message (status text; its "hash" is the text itself).
    pub const STATUS_TEXT: u16 = 0x0002;
}

/// BART id flag bits.
pub mod flags {
    /// Uploaded by the user (the hash is the MD5 of the data).
    pub const CUSTOM: u8 = 0x01;
    /// The hash is a URL.
    pub const URL: u8 = 0x02;
    /// The hash is the data itself (status text).
    pub const DATA: u8 = 0x04;
    /// The server does not have the item: the client should upload it (01/21).
    pub const UNKNOWN: u8 = 0x40;
    /// The server redirects to another item.
    pub const REDIRECT: u8 = 0x80;
}

/// Result codes of 10/03 and 10/07.
pub mod code {
    /// Stored or found.
    pub const SUCCESS: u8 = 0x00;
    /// The item is not valid.
    pub const INVALID: u8 = 0x01;
    /// Custom items are not allowed.
    pub const NO_CUSTOM: u8 = 0x02;
    /// Too small.
    pub const TOO_SMALL: u8 = 0x03;
    /// Too big.
    pub const TOO_BIG: u8 = 0x04;
    /// The type is not valid.
    pub const INVALID_TYPE: u8 = 0x05;
    /// Banned.
    pub const BANNED: u8 = 0x06;
    /// Not found.
    pub const NOT_FOUND: u8 = 0x07;
}

/// The hash a client puts in its feedbag icon item to clear its icon (AOL's sentinel, also
/// recognised by Open OSCAR Server).
pub const CLEAR_ICON_HASH: [u8; 5] = [0x02, 0x01, 0xD2, 0x04, 0x72];

/// The feedbag item class of BART ids (the item's name is the type in decimal, "1").
pub const FEEDBAG_CLASS: u16 = 0x0014;
/// The feedbag TLV holding a BART id without its type (flags, hash length, hash).
pub const FEEDBAG_TLV: u16 = 0x00D5;

/// The MD5 of `data`: what a custom item's hash is.
pub fn md5(data: &[u8]) -> [u8; 16] {
    Md5::digest(data).into()
}

/// One BART id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BartId {
    /// The item's type ([`kind`]).
    pub kind: u16,
    /// [`flags`] bits.
    pub flags: u8,
    /// The hash (up to 255 bytes).
    pub hash: Bytes,
}

impl BartId {
    /// A buddy icon uploaded by its owner: the hash is the MD5 of `data`.
    pub fn icon_of(data: &[u8]) -> Self {
        BartId { kind: kind::ICON, flags: flags::CUSTOM, hash: Bytes::copy_from_slice(&md5(data)) }
    }

    /// Whether this id names a buddy icon that can be fetched: an icon type, a non-empty hash
    /// that is not the clear-icon sentinel, and not a URL or inline data.
    pub fn is_icon(&self) -> bool {
        matches!(self.kind, kind::ICON | kind::ICON_SMALL)
            && !self.hash.is_empty()
            && self.hash[..] != CLEAR_ICON_HASH
            && self.flags & (flags::URL | flags::DATA) == 0
    }

    /// Whether the hash is an MD5 of the data (16 bytes, stored data rather than a URL or
    /// inline text), so a download can be checked against it.
    pub fn is_md5(&self) -> bool {
        self.hash.len() == 16 && self.flags & (flags::URL | flags::DATA) == 0
    }

    /// Reads one id (type, flags, hash length, hash).
    pub fn read(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let kind = r.u16()?;
        let (flags, hash) = Self::read_info(r)?;
        Ok(BartId { kind, flags, hash })
    }

    /// Reads the flags and hash of an id whose type is known elsewhere (feedbag TLV 0xD5).
    pub fn read_info(r: &mut Reader<'_>) -> Result<(u8, Bytes), WireError> {
        let flags = r.u8()?;
        let len = r.u8()?;
        let hash = r.bytes_shared(usize::from(len))?;
        Ok((flags, hash))
    }

    /// Writes the id.
    pub fn write(&self, out: &mut BytesMut) -> Result<(), WireError> {
        out.put_u16(self.kind);
        self.write_info(out)
    }

    /// Writes the flags and hash only (feedbag TLV 0xD5).
    pub fn write_info(&self, out: &mut BytesMut) -> Result<(), WireError> {
        out.put_u8(self.flags);
        put_str8(out, "BART hash", &self.hash)
    }

    /// The feedbag TLV 0xD5 value for this id.
    pub fn info_bytes(&self) -> Result<Vec<u8>, WireError> {
        let mut out = BytesMut::new();
        self.write_info(&mut out)?;
        Ok(out.to_vec())
    }

    /// Decodes a feedbag TLV 0xD5 value for an item named `name` (the type in decimal).
    pub fn from_feedbag(name: &str, value: &[u8]) -> Result<Self, WireError> {
        let kind = name
            .trim()
            .parse::<u16>()
            .map_err(|_| WireError::invalid("BART feedbag item", format!("name {name:?}")))?;
        let mut r = Reader::new(value);
        let (flags, hash) = Self::read_info(&mut r)?;
        r.finish("BART feedbag item")?;
        Ok(BartId { kind, flags, hash: Bytes::copy_from_slice(&hash) })
    }

    /// Decodes a body that is one id (01/21).
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        Self::read(&mut r)
    }

    /// Encodes a body that is one id.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        self.write(out)
    }
}

/// Reads the run of ids of user-info TLV 0x1D. A cut-off last id is an error.
pub fn read_ids(value: &[u8]) -> Result<Vec<BartId>, WireError> {
    let mut r = Reader::new(value);
    let mut ids = Vec::new();
    while !r.is_empty() {
        ids.push(BartId::read(&mut r)?);
    }
    Ok(ids)
}

/// Writes ids as user-info TLV 0x1D's value.
pub fn write_ids(ids: &[BartId]) -> Result<Vec<u8>, WireError> {
    let mut out = BytesMut::new();
    for id in ids {
        id.write(&mut out)?;
    }
    Ok(out.to_vec())
}

/// 10/02: the client uploads an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadQuery {
    /// The item's type.
    pub kind: u16,
    /// The item (an image file for icons), at most 65 535 bytes.
    pub data: Bytes,
}

impl UploadQuery {
    /// Decodes the body.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        let kind = r.u16()?;
        let len = r.u16()?;
        let data = r.bytes_shared(usize::from(len))?;
        Ok(UploadQuery { kind, data })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        out.put_u16(self.kind);
        put_str16(out, "BART item", &self.data)
    }
}

/// 10/03: the server's answer to an upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadReply {
    /// [`code`].
    pub code: u8,
    /// The stored item's id.
    pub id: BartId,
}

impl UploadReply {
    /// Decodes the body.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        Ok(UploadReply { code: r.u8()?, id: BartId::read(&mut r)? })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        out.put_u8(self.code);
        self.id.write(out)
    }
}

/// 10/04: the client asks for one item of one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadQuery {
    /// Whose item.
    pub screen_name: String,
    /// Always 1 in the clients seen.
    pub command: u8,
    /// The item.
    pub id: BartId,
}

impl DownloadQuery {
    /// Decodes the body.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        Ok(DownloadQuery { screen_name: r.string8()?, command: r.u8()?, id: BartId::read(&mut r)? })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        put_str8(out, "screen name", self.screen_name.as_bytes())?;
        out.put_u8(self.command);
        self.id.write(out)
    }
}

/// 10/05: one item, answering 10/04.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadReply {
    /// Whose item.
    pub screen_name: String,
    /// The item's id.
    pub id: BartId,
    /// The item.
    pub data: Bytes,
}

impl DownloadReply {
    /// Decodes the body; the data is a slice of the frame.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        let screen_name = r.string8()?;
        let id = BartId::read(&mut r)?;
        let len = r.u16()?;
        Ok(DownloadReply { screen_name, id, data: r.bytes_shared(usize::from(len))? })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        put_str8(out, "screen name", self.screen_name.as_bytes())?;
        self.id.write(out)?;
        put_str16(out, "BART item", &self.data)
    }
}

/// 10/06: the client asks for several items of one user at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download2Query {
    /// Whose items.
    pub screen_name: String,
    /// The items (at most 255).
    pub ids: Vec<BartId>,
}

impl Download2Query {
    /// Decodes the body.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        let screen_name = r.string8()?;
        let count = r.u8()?;
        let ids = (0..count).map(|_| BartId::read(&mut r)).collect::<Result<_, _>>()?;
        Ok(Download2Query { screen_name, ids })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        put_str8(out, "screen name", self.screen_name.as_bytes())?;
        check_len("BART ids", self.ids.len(), usize::from(u8::MAX))?;
        out.put_u8(self.ids.len() as u8);
        for id in &self.ids {
            id.write(out)?;
        }
        Ok(())
    }
}

/// 10/07: one item answering 10/06 (one reply per id asked for).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download2Reply {
    /// Whose item.
    pub screen_name: String,
    /// The id asked for.
    pub query: BartId,
    /// [`code`]: found or why not.
    pub code: u8,
    /// The id answered (differs from `query` when the server redirects).
    pub reply: BartId,
    /// The item (empty when not found).
    pub data: Bytes,
}

impl Download2Reply {
    /// Decodes the body; the data is a slice of the frame.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        let screen_name = r.string8()?;
        let query = BartId::read(&mut r)?;
        let code = r.u8()?;
        let reply = BartId::read(&mut r)?;
        let len = r.u16()?;
        let data = r.bytes_shared(usize::from(len))?;
        Ok(Download2Reply { screen_name, query, code, reply, data })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        put_str8(out, "screen name", self.screen_name.as_bytes())?;
        self.query.write(out)?;
        out.put_u8(self.code);
        self.reply.write(out)?;
        put_str16(out, "BART item", &self.data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    #[test]
    fn an_icon_id_is_the_md5_of_its_data() {
        let id = BartId::icon_of(b"GIF89a");
        assert_eq!(id.kind, kind::ICON);
        assert_eq!(id.flags, flags::CUSTOM);
        assert_eq!(id.hash[..], md5(b"GIF89a"));
        assert!(id.is_icon() && id.is_md5());
        let clear = BartId { kind: 1, flags: 0, hash: Bytes::from_static(&CLEAR_ICON_HASH) };
        assert!(!clear.is_icon() && !clear.is_md5());
        let text = BartId { kind: kind::STATUS_TEXT, flags: flags::DATA, hash: "hi".into() };
        assert!(!text.is_icon());
        let url = BartId { kind: 1, flags: flags::URL, hash: Bytes::from(vec![0; 16]) };
        assert!(!url.is_icon() && !url.is_md5());
    }

    #[test]
    fn user_info_ids_in_wire_order() {
        // An icon (type 1, custom, 16-byte hash) then a status text (type 2, data, "hi").
        let raw = hex("0001011000112233445566778899aabbccddeeff000204026869");
        let ids = read_ids(&raw).unwrap();
        assert_eq!(ids.len(), 2);
        assert_eq!(ids[0].kind, 1);
        assert_eq!(ids[0].hash.len(), 16);
        assert_eq!(ids[1].hash[..], *b"hi");
        assert_eq!(write_ids(&ids).unwrap(), raw);
        // A hash length past the end is an error, not a short hash.
        assert!(read_ids(&hex("00010110aabb")).is_err());
        assert!(read_ids(&hex("0001")).is_err());
        assert_eq!(read_ids(&[]).unwrap(), []);
    }

    #[test]
    fn feedbag_value_and_name() {
        let id = BartId::icon_of(b"x");
        let value = id.info_bytes().unwrap();
        assert_eq!(value[..2], [0x01, 0x10]);
        assert_eq!(BartId::from_feedbag("1", &value).unwrap(), id);
        assert!(BartId::from_feedbag("icon", &value).is_err());
        assert!(BartId::from_feedbag("1", &value[..5]).is_err());
    }

    #[test]
    fn download_query_matches_libpurple_layout() {
        // Screen name, command 1, then the id: type 1, flags 1, 16-byte hash.
        let q = DownloadQuery { screen_name: "bob".into(), command: 1, id: BartId::icon_of(b"") };
        let mut out = BytesMut::new();
        q.encode(&mut out).unwrap();
        assert_eq!(hex::encode(&out[..8]), "03626f6201000101");
        assert_eq!(out[8], 16);
        assert_eq!(DownloadQuery::decode(&out).unwrap(), q);
    }

    #[test]
    fn replies_round_trip_and_refuse_short_data() {
        let reply = Download2Reply {
            screen_name: "bob".into(),
            query: BartId::icon_of(b"img"),
            code: code::SUCCESS,
            reply: BartId::icon_of(b"img"),
            data: Bytes::from_static(b"img"),
        };
        let mut out = BytesMut::new();
        reply.encode(&mut out).unwrap();
        assert_eq!(Download2Reply::decode(&out).unwrap(), reply);
        // The data length claims one byte more than the frame holds.
        let cut = &out[..out.len() - 1];
        assert!(Download2Reply::decode(cut).is_err());
        let up = UploadQuery { kind: 1, data: Bytes::from(vec![7; 70_000]) };
        assert!(up.encode(&mut BytesMut::new()).is_err(), "over a u16 length");
    }
}

#[cfg(test)]
mod user_info_tests {
    use super::*;
    use crate::oscar::userinfo::{tlv, UserInfo};

    #[test]
    fn the_buddy_icon_of_a_user_info_block() {
        let mut info = UserInfo::new("bob");
        assert_eq!(info.buddy_icon().unwrap(), None, "nothing said");
        let icon = BartId::icon_of(b"img");
        let text = BartId { kind: kind::STATUS_TEXT, flags: flags::DATA, hash: "hi".into() };
        info.set_bart_ids(&[text.clone(), icon.clone()]).unwrap();
        assert_eq!(info.buddy_icon().unwrap(), Some(Some(icon)));
        info.set_bart_ids(&[text]).unwrap();
        assert_eq!(info.buddy_icon().unwrap(), Some(None), "no icon any more");
        info.tlvs.set(tlv::BART_INFO, vec![0, 1, 1, 16, 0xAA]);
        assert!(info.buddy_icon().is_err());
        info.set_bart_ids(&[]).unwrap();
        assert!(!info.tlvs.has(tlv::BART_INFO));
    }
}
