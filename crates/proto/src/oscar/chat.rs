//! Family 0x000E Chat: one room's connection, its occupants and its messages (§13.3), and the
//! room reference every chat SNAC, service request and invitation carries (§13.1).

use bytes::{BufMut, BytesMut};

use super::buf::{put_str8, Reader, WireError};
use super::imtext::{ImText, CHARSET_ASCII, CHARSET_LATIN1, CHARSET_UCS2};
use super::tlv::TlvBlock;
use super::userinfo::UserInfo;

/// The Chat family number.
pub const FAMILY: u16 = 0x000E;

/// The exchange of rooms users create by joining a name (Open OSCAR Server's private exchange).
pub const EXCHANGE_USER: u16 = 4;
/// The exchange of the server's own public rooms.
pub const EXCHANGE_PUBLIC: u16 = 5;

/// The cookie a client puts in 0D/08 to ask for a new room.
pub const CREATE_COOKIE: &str = "create";

/// Chat subtypes.
pub mod subtype {
    /// Room info update.
    pub const ROOM_INFO_UPDATE: u16 = 0x02;
    /// Users joined.
    pub const USERS_JOINED: u16 = 0x03;
    /// Users left.
    pub const USERS_LEFT: u16 = 0x04;
    /// Message to the room.
    pub const CHANNEL_MSG_TO_HOST: u16 = 0x05;
    /// Message from the room.
    pub const CHANNEL_MSG_TO_CLIENT: u16 = 0x06;
}

/// TLVs of 0E/05 and 0E/06.
pub mod tlv {
    /// Public whisper flag (empty).
    pub const PUBLIC_WHISPER: u16 = 0x0001;
    /// Whisper to this screen name.
    pub const WHISPER_TO: u16 = 0x0002;
    /// The sender's user-info block (0E/06).
    pub const SENDER: u16 = 0x0003;
    /// The message info: a nested TLV block of [`super::info`] TLVs.
    pub const MESSAGE_INFO: u16 = 0x0005;
    /// Reflect the message back to its sender (empty).
    pub const REFLECTION: u16 = 0x0006;
}

/// TLVs nested in [`tlv::MESSAGE_INFO`].
pub mod info {
    /// The text (HTML).
    pub const TEXT: u16 = 0x0001;
    /// Its charset, by name (`us-ascii`, `unicode-2-0`, `iso-8859-1`, `utf-8`).
    pub const CHARSET: u16 = 0x0002;
    /// Its language (`en`).
    pub const LANGUAGE: u16 = 0x0003;
}

/// Room TLVs of 0E/02, 0D/08 and the room info of 0D/09.
pub mod room_tlv {
    /// Room flags (u16).
    pub const FLAGS: u16 = 0x00C9;
    /// Creation time (u32 Unix seconds).
    pub const CREATE_TIME: u16 = 0x00CA;
    /// Largest message (u16).
    pub const MAX_MESSAGE: u16 = 0x00D1;
    /// Largest occupancy (u16).
    pub const MAX_OCCUPANCY: u16 = 0x00D2;
    /// The room's name.
    pub const NAME: u16 = 0x00D3;
    /// Fully qualified name.
    pub const FULL_NAME: u16 = 0x006A;
    /// Who may create rooms (u8).
    pub const CREATE_PERMS: u16 = 0x00D5;
    /// First charset.
    pub const CHARSET: u16 = 0x00D6;
    /// First language.
    pub const LANGUAGE: u16 = 0x00D7;
    /// Largest visible message (u16).
    pub const MAX_VISIBLE_MESSAGE: u16 = 0x00DA;
}

/// Which room: exchange, cookie and instance, as 01/04 TLV 0x0001, 0D/04 and the chat
/// invitation's TLV 0x2711 carry it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RoomRef {
    /// The exchange (4 user rooms, 5 public rooms on Open OSCAR Server).
    pub exchange: u16,
    /// The room cookie the server gave (`4-0-name` on Open OSCAR Server).
    pub cookie: String,
    /// The instance (0).
    pub instance: u16,
}

impl RoomRef {
    /// Reads `exchange, str8 cookie, instance`. The cookie is echoed back to the server in
    /// 01/04 and 0D/04, so it must survive byte for byte: one that is not UTF-8 (servers send
    /// ASCII such as `4-0-name`) is refused rather than mangled.
    pub fn read(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let exchange = r.u16()?;
        let cookie = std::str::from_utf8(r.str8()?)
            .map_err(|e| WireError::invalid("room cookie", format!("not UTF-8 ({e})")))?
            .to_string();
        Ok(RoomRef { exchange, cookie, instance: r.u16()? })
    }

    /// Decodes a value holding exactly one reference (a TLV value).
    pub fn decode(data: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(data);
        let room = Self::read(&mut r)?;
        r.finish("room reference")?;
        Ok(room)
    }

    /// Writes `exchange, str8 cookie, instance`.
    pub fn write(&self, out: &mut BytesMut) -> Result<(), WireError> {
        out.put_u16(self.exchange);
        put_str8(out, "room cookie", self.cookie.as_bytes())?;
        out.put_u16(self.instance);
        Ok(())
    }

    /// Encodes into a fresh buffer, for use as a TLV value.
    pub fn to_bytes(&self) -> Result<Vec<u8>, WireError> {
        let mut out = BytesMut::new();
        self.write(&mut out)?;
        Ok(out.to_vec())
    }
}

/// 0E/02 room info update and 0D/08 create room (and the room info inside 0D/09): a room
/// reference, a detail level and a counted block of room TLVs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomInfo {
    /// The room; in 0D/08 its cookie is [`CREATE_COOKIE`].
    pub room: RoomRef,
    /// Detail level (2, which Pidgin expects).
    pub detail: u8,
    /// Room TLVs (see [`room_tlv`]).
    pub tlvs: TlvBlock,
}

impl RoomInfo {
    /// A 0D/08 request to create (or join) the room `name` on `exchange`.
    pub fn create(exchange: u16, name: &str) -> Self {
        RoomInfo {
            room: RoomRef { exchange, cookie: CREATE_COOKIE.into(), instance: 0xFFFF },
            detail: 1,
            tlvs: TlvBlock::new()
                .with(room_tlv::NAME, name.as_bytes().to_vec())
                .with(room_tlv::CHARSET, b"us-ascii".to_vec())
                .with(room_tlv::LANGUAGE, b"en".to_vec()),
        }
    }

    /// The room's name (TLV 0x00D3), invalid UTF-8 replaced.
    pub fn name(&self) -> Option<String> {
        self.tlvs.get_str(room_tlv::NAME)
    }

    /// Reads the structure from `r`, leaving what follows.
    pub fn read(r: &mut Reader<'_>) -> Result<Self, WireError> {
        Ok(RoomInfo { room: RoomRef::read(r)?, detail: r.u8()?, tlvs: TlvBlock::read_counted(r)? })
    }

    /// Decodes the SNAC body (or TLV value); trailing bytes are an error.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        let info = Self::read(&mut r)?;
        r.finish("room info")?;
        Ok(info)
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        self.room.write(out)?;
        out.put_u8(self.detail);
        self.tlvs.write_counted(out)
    }

    /// Encodes into a fresh buffer, for use as a TLV value.
    pub fn to_bytes(&self) -> Result<Vec<u8>, WireError> {
        let mut out = BytesMut::new();
        self.encode(&mut out)?;
        Ok(out.to_vec())
    }
}

/// 0E/03 users joined and 0E/04 users left: user-info blocks to the end of the body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Occupants {
    /// The users, in wire order.
    pub users: Vec<UserInfo>,
}

impl Occupants {
    /// Decodes the body; a block running past the end is an error (never a partial list).
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        let mut users = Vec::new();
        while !r.is_empty() {
            users.push(UserInfo::read(&mut r)?);
        }
        Ok(Occupants { users })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        self.users.iter().try_for_each(|u| u.write(out))
    }
}

/// The text of a room message with its charset, as carried in [`tlv::MESSAGE_INFO`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatText {
    /// The raw text bytes.
    pub data: Vec<u8>,
    /// The charset name as sent (absent: ASCII, read leniently as UTF-8).
    pub charset: Option<String>,
    /// The language as sent.
    pub language: Option<String>,
}

impl ChatText {
    /// `text` as ASCII when it is, else as `unicode-2-0` (UTF-16BE), as AIM clients send it.
    pub fn from_text(text: &str) -> Self {
        let t = ImText::from_text(text);
        let charset = if t.charset == CHARSET_UCS2 { "unicode-2-0" } else { "us-ascii" };
        ChatText {
            data: t.data.to_vec(),
            charset: Some(charset.into()),
            language: Some("en".into()),
        }
    }

    /// The decoded text: UTF-16BE for `unicode-2-0`, Latin-1 for ISO 8859-1, otherwise UTF-8
    /// with invalid sequences replaced.
    pub fn text(&self) -> String {
        let name = self.charset.as_deref().unwrap_or("").to_ascii_lowercase();
        let charset = if name.starts_with("unicode") || name.starts_with("utf-16") {
            CHARSET_UCS2
        } else if name.starts_with("iso-8859-1") || name.starts_with("iso 8859") {
            CHARSET_LATIN1
        } else {
            CHARSET_ASCII
        };
        ImText { charset, subset: 0, data: self.data.clone().into() }.text()
    }

    /// Decodes the message-info TLV value; without a text TLV it is an error.
    pub fn decode(value: &[u8]) -> Result<Self, WireError> {
        let block = TlvBlock::decode(value)?;
        let data = block
            .value(info::TEXT)
            .ok_or_else(|| WireError::invalid("chat message", "no text TLV"))?
            .to_vec();
        Ok(ChatText {
            data,
            charset: block.get_str(info::CHARSET),
            language: block.get_str(info::LANGUAGE),
        })
    }

    /// Encodes the message-info TLV value.
    pub fn to_bytes(&self) -> Result<Vec<u8>, WireError> {
        let mut block = TlvBlock::new().with(info::TEXT, self.data.clone());
        if let Some(c) = &self.charset {
            block.push(info::CHARSET, c.as_bytes().to_vec());
        }
        if let Some(l) = &self.language {
            block.push(info::LANGUAGE, l.as_bytes().to_vec());
        }
        let mut out = BytesMut::new();
        block.write_rest(&mut out)?;
        Ok(out.to_vec())
    }
}

/// Channel of room messages (AIM clients and Pidgin send 3).
pub const CHANNEL_ROOM: u16 = 3;

/// 0E/05 message to the room and 0E/06 message from the room: cookie, channel, TLVs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatMessage {
    /// Client-chosen cookie, echoed to occupants.
    pub cookie: [u8; 8],
    /// Channel (3).
    pub channel: u16,
    /// Message TLVs (see [`tlv`]).
    pub tlvs: TlvBlock,
}

impl ChatMessage {
    /// A 0E/05 carrying `text`; with `reflect` the server sends it back to us too.
    pub fn to_room(cookie: [u8; 8], text: &ChatText, reflect: bool) -> Result<Self, WireError> {
        let mut tlvs = TlvBlock::new().with(tlv::PUBLIC_WHISPER, Vec::new());
        if reflect {
            tlvs.push(tlv::REFLECTION, Vec::new());
        }
        tlvs.push(tlv::MESSAGE_INFO, text.to_bytes()?);
        Ok(ChatMessage { cookie, channel: CHANNEL_ROOM, tlvs })
    }

    /// The 0E/06 the server relays for `sent` from `sender`: same cookie and channel, the
    /// sender's info, the message info (OOS keeps only text, charset and language).
    pub fn relay(sent: &ChatMessage, sender: &UserInfo) -> Result<Self, WireError> {
        let mut info = BytesMut::new();
        sender.write(&mut info)?;
        let mut tlvs = TlvBlock::new().with(tlv::SENDER, info.to_vec());
        if sent.tlvs.has(tlv::PUBLIC_WHISPER) {
            tlvs.push(tlv::PUBLIC_WHISPER, Vec::new());
        }
        let text =
            sent.text().ok_or_else(|| WireError::invalid("chat message", "no message"))??;
        tlvs.push(tlv::MESSAGE_INFO, text.to_bytes()?);
        Ok(ChatMessage { cookie: sent.cookie, channel: sent.channel, tlvs })
    }

    /// Whether the sender asked for its own copy back (TLV 0x0006).
    pub fn wants_reflection(&self) -> bool {
        self.tlvs.has(tlv::REFLECTION)
    }

    /// The message text, if a message-info TLV is present.
    pub fn text(&self) -> Option<Result<ChatText, WireError>> {
        self.tlvs.value(tlv::MESSAGE_INFO).map(ChatText::decode)
    }

    /// The sender's user info (0E/06), if present.
    pub fn sender(&self) -> Option<Result<UserInfo, WireError>> {
        self.tlvs.value(tlv::SENDER).map(|v| UserInfo::decode_prefix(v).map(|(u, _)| u))
    }

    /// Decodes the body.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        Ok(ChatMessage {
            cookie: r.array()?,
            channel: r.u16()?,
            tlvs: TlvBlock::read_rest(&mut r)?,
        })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        out.put_slice(&self.cookie);
        out.put_u16(self.channel);
        self.tlvs.write_rest(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_ref_bytes() {
        let room = RoomRef { exchange: 4, cookie: "4-0-pals".into(), instance: 0 };
        let bytes = room.to_bytes().unwrap();
        assert_eq!(bytes, b"\x00\x04\x084-0-pals\x00\x00");
        assert_eq!(RoomRef::decode(&bytes).unwrap(), room);
        assert!(RoomRef::decode(&bytes[..bytes.len() - 1]).is_err());
        assert!(RoomRef::decode(&[bytes.as_slice(), &[0]].concat()).is_err());
    }

    #[test]
    fn create_request_names_the_room() {
        let c = RoomInfo::create(EXCHANGE_USER, "Pals");
        let bytes = c.to_bytes().unwrap();
        // exchange 4, "create", instance FFFF, detail 1, three TLVs, the first D3 "Pals".
        assert_eq!(&bytes[..16], b"\x00\x04\x06create\xff\xff\x01\x00\x03\x00\xd3");
        let back = RoomInfo::decode(&bytes).unwrap();
        assert_eq!(back.name().as_deref(), Some("Pals"));
        assert_eq!(back, c);
        assert!(RoomInfo::decode(&bytes[..bytes.len() - 1]).is_err());
    }

    #[test]
    fn chat_text_charsets() {
        let t = ChatText::from_text("héllo ☕");
        assert_eq!(t.charset.as_deref(), Some("unicode-2-0"));
        assert_eq!(t.text(), "héllo ☕");
        let ascii = ChatText::from_text("hi");
        assert_eq!(
            (ascii.charset.as_deref(), ascii.data.as_slice()),
            (Some("us-ascii"), &b"hi"[..])
        );
        let latin =
            ChatText { data: vec![0x68, 0xE9], charset: Some("ISO-8859-1".into()), language: None };
        assert_eq!(latin.text(), "hé");
        let junk = ChatText { data: vec![0xFF, b'a'], charset: None, language: None };
        assert_eq!(junk.text(), "\u{FFFD}a");
        assert_eq!(ChatText::decode(&t.to_bytes().unwrap()).unwrap(), t);
        assert!(ChatText::decode(&[0, 2, 0, 1, b'x']).is_err());
    }

    #[test]
    fn relay_keeps_cookie_adds_sender_drops_reflection() {
        let sent = ChatMessage::to_room([9; 8], &ChatText::from_text("yo"), true).unwrap();
        assert!(sent.wants_reflection());
        let got = ChatMessage::relay(&sent, &UserInfo::new("alice")).unwrap();
        assert_eq!((got.cookie, got.channel), ([9; 8], CHANNEL_ROOM));
        // A room cookie that is not UTF-8 could not be sent back as it came: refused.
        let bad = [0x00, 0x04, 0x02, 0xFF, 0x1D, 0x00, 0x00];
        assert!(matches!(
            RoomRef::read(&mut Reader::new(&bad)),
            Err(WireError::Invalid { what: "room cookie", .. })
        ));
        assert!(!got.wants_reflection());
        assert_eq!(got.sender().unwrap().unwrap().screen_name, "alice");
        assert_eq!(got.text().unwrap().unwrap().text(), "yo");
        let mut out = BytesMut::new();
        got.encode(&mut out).unwrap();
        assert_eq!(ChatMessage::decode(&out).unwrap(), got);
        assert!(ChatMessage::decode(&out[..9]).is_err());
        let bare = ChatMessage { cookie: [0; 8], channel: 3, tlvs: TlvBlock::new() };
        assert!(ChatMessage::relay(&bare, &UserInfo::new("x")).is_err());
    }

    #[test]
    fn occupants_refuse_a_short_list() {
        let o = Occupants { users: vec![UserInfo::new("a"), UserInfo::new("bob")] };
        let mut out = BytesMut::new();
        o.encode(&mut out).unwrap();
        assert_eq!(Occupants::decode(&out).unwrap(), o);
        assert!(Occupants::decode(&out[..out.len() - 1]).is_err());
        // A block claiming more TLVs than it holds.
        assert!(Occupants::decode(b"\x01a\x00\x00\x00\x09").is_err());
    }
}
