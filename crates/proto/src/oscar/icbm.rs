//! Family 0x0004 ICBM: instant messages, typing notices, acks and missed-message reports (§7).

use bytes::{BufMut, BytesMut};

use super::buf::{put_str8, Reader, WireError};
use super::chat::{ChatText, RoomRef};
use super::codes::{MissedCallReason, TypingEvent};
use super::imtext::ImMessage;
use super::tlv::TlvBlock;
use super::userinfo::{Capability, UserInfo, CAP_CHAT};

/// The ICBM family number.
pub const FAMILY: u16 = 0x0004;

/// ICBM subtypes.
pub mod subtype {
    /// Error (TLV 0x0008 subcode).
    pub const ERROR: u16 = 0x01;
    /// Set ICBM parameters.
    pub const ADD_PARAMETERS: u16 = 0x02;
    /// Parameters query.
    pub const PARAMETER_QUERY: u16 = 0x04;
    /// Parameters reply.
    pub const PARAMETER_REPLY: u16 = 0x05;
    /// Send a message.
    pub const CHANNEL_MSG_TO_HOST: u16 = 0x06;
    /// Incoming message.
    pub const CHANNEL_MSG_TO_CLIENT: u16 = 0x07;
    /// Missed messages.
    pub const MISSED_CALLS: u16 = 0x0A;
    /// Server ack of a sent message.
    pub const HOST_ACK: u16 = 0x0C;
    /// Retrieve stored offline messages.
    pub const OFFLINE_RETRIEVE: u16 = 0x10;
    /// Warn a user.
    pub const EVIL_REQUEST: u16 = 0x08;
    /// Warning applied.
    pub const EVIL_REPLY: u16 = 0x09;
    /// Typing notification.
    pub const CLIENT_EVENT: u16 = 0x14;
    /// End of offline messages.
    pub const OFFLINE_RETRIEVE_DONE: u16 = 0x17;
}

/// Message TLVs of 04/06 and 04/07.
pub mod tlv {
    /// Message data (fragments).
    pub const MESSAGE_DATA: u16 = 0x0002;
    /// Request a server ack (04/0C).
    pub const REQUEST_HOST_ACK: u16 = 0x0003;
    /// This is an auto-response (away reply).
    pub const AUTO_RESPONSE: u16 = 0x0004;
    /// ICQ channel-4 message data.
    pub const ICQ_DATA: u16 = 0x0005;
    /// Store for offline delivery.
    pub const STORE_OFFLINE: u16 = 0x0006;
    /// Sender wants typing events.
    pub const WANTS_TYPING: u16 = 0x000B;
    /// Original send time of an offline message (u32).
    pub const SEND_TIME: u16 = 0x0016;
}

/// Channel 1: plain instant messages.
pub const CHANNEL_IM: u16 = 1;
/// Channel 2: rendezvous (files, chat invites).
pub const CHANNEL_RENDEZVOUS: u16 = 2;
/// Channel 4: ICQ system messages.
pub const CHANNEL_ICQ: u16 = 4;

/// 04/02 set and 04/05 reply: message-size limits and feature flags (16 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IcbmParams {
    /// In 04/02 the channel to configure (0 = all); in 04/05 max slots.
    pub channel: u16,
    /// Flags: 0x01 messages, 0x02 missed calls, 0x08 typing, 0x100 offline, 0x400 HTML to ICQ.
    pub flags: u32,
    /// Largest message data the server accepts.
    pub max_message_size: u16,
    /// Highest sender warning level accepted.
    pub max_sender_warning: u16,
    /// Highest receiver warning level accepted.
    pub max_receiver_warning: u16,
    /// Minimum interval between messages in ms.
    pub min_interval_ms: u32,
}

impl IcbmParams {
    /// Decodes the 16-byte body.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        Ok(IcbmParams {
            channel: r.u16()?,
            flags: r.u32()?,
            max_message_size: r.u16()?,
            max_sender_warning: r.u16()?,
            max_receiver_warning: r.u16()?,
            min_interval_ms: r.u32()?,
        })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        out.put_u16(self.channel);
        out.put_u32(self.flags);
        out.put_u16(self.max_message_size);
        out.put_u16(self.max_sender_warning);
        out.put_u16(self.max_receiver_warning);
        out.put_u32(self.min_interval_ms);
        Ok(())
    }
}

/// 04/06: send a message to `recipient` on `channel`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendIm {
    /// Client-chosen cookie echoed in acks and errors.
    pub cookie: [u8; 8],
    /// ICBM channel (1 for IMs).
    pub channel: u16,
    /// Recipient screen name.
    pub recipient: String,
    /// Message TLVs (see [`tlv`]).
    pub tlvs: TlvBlock,
}

impl SendIm {
    /// A channel-1 IM carrying `message`, optionally asking for a 04/0C ack.
    pub fn new(
        cookie: [u8; 8],
        recipient: impl Into<String>,
        message: &ImMessage,
        request_ack: bool,
    ) -> Result<Self, WireError> {
        let mut tlvs = TlvBlock::new().with(tlv::MESSAGE_DATA, message.to_bytes()?);
        if request_ack {
            tlvs.push(tlv::REQUEST_HOST_ACK, Vec::new());
        }
        Ok(SendIm { cookie, channel: CHANNEL_IM, recipient: recipient.into(), tlvs })
    }

    /// The channel-1 message data, if present (None on other channels).
    pub fn message(&self) -> Option<Result<ImMessage, WireError>> {
        message_of(self.channel, &self.tlvs)
    }

    /// Whether the sender asked for a 04/0C ack.
    pub fn wants_ack(&self) -> bool {
        self.tlvs.has(tlv::REQUEST_HOST_ACK)
    }

    /// Whether this is an away auto-response.
    pub fn is_auto_response(&self) -> bool {
        self.tlvs.has(tlv::AUTO_RESPONSE)
    }

    /// Whether the server should store it for an offline recipient.
    pub fn store_offline(&self) -> bool {
        self.tlvs.has(tlv::STORE_OFFLINE)
    }

    /// Decodes the body.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        Ok(SendIm {
            cookie: r.array()?,
            channel: r.u16()?,
            recipient: r.string8()?,
            tlvs: TlvBlock::read_rest(&mut r)?,
        })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        out.put_slice(&self.cookie);
        out.put_u16(self.channel);
        put_str8(out, "recipient", self.recipient.as_bytes())?;
        self.tlvs.write_rest(out)
    }
}

fn message_of(channel: u16, tlvs: &TlvBlock) -> Option<Result<ImMessage, WireError>> {
    if channel != CHANNEL_IM {
        return None;
    }
    tlvs.value_reader(tlv::MESSAGE_DATA).map(ImMessage::decode)
}

/// 04/07: a message delivered to us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingIm {
    /// The sender's cookie.
    pub cookie: [u8; 8],
    /// ICBM channel.
    pub channel: u16,
    /// The sender's user info.
    pub sender: UserInfo,
    /// Message TLVs (see [`tlv`]).
    pub tlvs: TlvBlock,
}

impl IncomingIm {
    /// What the server delivers for `sent` from `sender`: same cookie, channel and TLVs, minus
    /// the ack request (0x0003) and offline flag (0x0006), as Open OSCAR Server relays it, and
    /// minus any send time (0x0016) the sender put in: only the server's offline store may say
    /// an IM was sent earlier (docs/protocol.md §14), so a live IM cannot pose as old history.
    pub fn relay(sent: &SendIm, sender: UserInfo) -> Self {
        let mut tlvs = sent.tlvs.clone();
        tlvs.remove(tlv::REQUEST_HOST_ACK);
        tlvs.remove(tlv::STORE_OFFLINE);
        tlvs.remove(tlv::SEND_TIME);
        IncomingIm { cookie: sent.cookie, channel: sent.channel, sender, tlvs }
    }

    /// The channel-1 message, if this is one.
    pub fn message(&self) -> Option<Result<ImMessage, WireError>> {
        message_of(self.channel, &self.tlvs)
    }

    /// The chat invitation this carries, if it is one (see [`ChatInvitation::from_tlvs`]).
    pub fn chat_invitation(&self) -> Option<Result<ChatInvitation, WireError>> {
        ChatInvitation::from_tlvs(self.channel, &self.tlvs)
    }

    /// The ICQ system message of a channel-4 ICBM, if this is one.
    pub fn icq_message(&self) -> Option<Result<IcqMessage, WireError>> {
        if self.channel != CHANNEL_ICQ {
            return None;
        }
        self.tlvs.value(tlv::ICQ_DATA).map(IcqMessage::decode)
    }

    /// Whether this is an away auto-response.
    pub fn is_auto_response(&self) -> bool {
        self.tlvs.has(tlv::AUTO_RESPONSE)
    }

    /// Whether the sender wants typing notifications.
    pub fn wants_typing(&self) -> bool {
        self.tlvs.has(tlv::WANTS_TYPING)
    }

    /// When an offline message was originally sent (Unix seconds).
    pub fn send_time(&self) -> Option<u32> {
        self.tlvs.get_u32(tlv::SEND_TIME)
    }

    /// Decodes the body.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        Ok(IncomingIm {
            cookie: r.array()?,
            channel: r.u16()?,
            sender: UserInfo::read(&mut r)?,
            tlvs: TlvBlock::read_rest(&mut r)?,
        })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        out.put_slice(&self.cookie);
        out.put_u16(self.channel);
        self.sender.write(out)?;
        self.tlvs.write_rest(out)
    }
}

/// Channel-2 rendezvous TLVs, inside the rendezvous block (§13.4).
pub mod rdv {
    /// The rendezvous block itself, as a TLV of 04/06 and 04/07 on channel 2.
    pub const BLOCK: u16 = 0x0005;
    /// Proposal sequence number (u16, 1 for the first).
    pub const SEQUENCE: u16 = 0x000A;
    /// Invitation text.
    pub const INVITATION: u16 = 0x000C;
    /// Invitation charset.
    pub const CHARSET: u16 = 0x000D;
    /// Invitation language.
    pub const LANGUAGE: u16 = 0x000E;
    /// Ask the server to check the recipient's capabilities (empty).
    pub const REQUEST_HOST_CHECK: u16 = 0x000F;
    /// Service data; for chat, the room (exchange, cookie, instance).
    pub const SERVICE_DATA: u16 = 0x2711;
    /// Rendezvous kind: propose.
    pub const PROPOSE: u16 = 0;
    /// Rendezvous kind: cancel (a declined invitation).
    pub const CANCEL: u16 = 1;
}

/// The rendezvous block of a channel-2 ICBM: kind, cookie, capability, TLVs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendezvous {
    /// 0 propose, 1 cancel, 2 accept.
    pub kind: u16,
    /// The rendezvous cookie (the ICBM's cookie).
    pub cookie: [u8; 8],
    /// What the rendezvous is for (chat, file transfer…).
    pub capability: Capability,
    /// Its TLVs (see [`rdv`]).
    pub tlvs: TlvBlock,
}

impl Rendezvous {
    /// Decodes the block.
    pub fn decode(data: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(data);
        Ok(Rendezvous {
            kind: r.u16()?,
            cookie: r.array()?,
            capability: r.array()?,
            tlvs: TlvBlock::read_rest(&mut r)?,
        })
    }

    /// Encodes the block.
    pub fn to_bytes(&self) -> Result<Vec<u8>, WireError> {
        let mut out = BytesMut::new();
        out.put_u16(self.kind);
        out.put_slice(&self.cookie);
        out.put_slice(&self.capability);
        self.tlvs.write_rest(&mut out)?;
        Ok(out.to_vec())
    }
}

/// A chat invitation: a channel-2 proposal with the chat capability, the room in TLV 0x2711
/// and an optional message (§13.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatInvitation {
    /// The ICBM and rendezvous cookie.
    pub cookie: [u8; 8],
    /// The room.
    pub room: RoomRef,
    /// The invitation text.
    pub message: Option<String>,
}

impl ChatInvitation {
    /// The 04/06 that sends this invitation to `recipient`, asking for a host ack.
    pub fn send_im(&self, recipient: &str) -> Result<SendIm, WireError> {
        let mut tlvs =
            TlvBlock::new().with_u16(rdv::SEQUENCE, 1).with(rdv::REQUEST_HOST_CHECK, Vec::new());
        if let Some(text) = &self.message {
            let t = ChatText::from_text(text);
            tlvs.push(rdv::INVITATION, t.data);
            if let Some(c) = t.charset {
                tlvs.push(rdv::CHARSET, c.into_bytes());
            }
            tlvs.push(rdv::LANGUAGE, b"en".to_vec());
        }
        tlvs.push(rdv::SERVICE_DATA, self.room.to_bytes()?);
        let block =
            Rendezvous { kind: rdv::PROPOSE, cookie: self.cookie, capability: CAP_CHAT, tlvs };
        Ok(SendIm {
            cookie: self.cookie,
            channel: CHANNEL_RENDEZVOUS,
            recipient: recipient.into(),
            tlvs: TlvBlock::new()
                .with(rdv::BLOCK, block.to_bytes()?)
                .with(tlv::REQUEST_HOST_ACK, Vec::new()),
        })
    }

    /// The 04/06 that declines the invitation with `cookie` from `inviter` (a rendezvous cancel,
    /// reason 1: the user declined).
    pub fn decline(cookie: [u8; 8], inviter: &str) -> Result<SendIm, WireError> {
        let block = Rendezvous {
            kind: rdv::CANCEL,
            cookie,
            capability: CAP_CHAT,
            tlvs: TlvBlock::new().with_u16(0x000B, 1),
        };
        Ok(SendIm {
            cookie,
            channel: CHANNEL_RENDEZVOUS,
            recipient: inviter.into(),
            tlvs: TlvBlock::new().with(rdv::BLOCK, block.to_bytes()?),
        })
    }

    /// Reads an invitation out of channel-2 TLVs: `None` when they are not a chat proposal,
    /// an error when they claim to be one but do not hold together.
    pub fn from_tlvs(channel: u16, tlvs: &TlvBlock) -> Option<Result<Self, WireError>> {
        if channel != CHANNEL_RENDEZVOUS {
            return None;
        }
        let block = match Rendezvous::decode(tlvs.value(rdv::BLOCK)?) {
            Ok(b) => b,
            Err(e) => return Some(Err(e)),
        };
        if block.kind != rdv::PROPOSE || block.capability != CAP_CHAT {
            return None;
        }
        Some(Self::from_block(&block))
    }

    fn from_block(block: &Rendezvous) -> Result<Self, WireError> {
        let room = block
            .tlvs
            .value(rdv::SERVICE_DATA)
            .ok_or_else(|| WireError::invalid("chat invitation", "no room"))
            .and_then(RoomRef::decode)?;
        let message = block.tlvs.value(rdv::INVITATION).map(|data| {
            ChatText {
                data: data.to_vec(),
                charset: block.tlvs.get_str(rdv::CHARSET),
                language: None,
            }
            .text()
        });
        Ok(ChatInvitation { cookie: block.cookie, room, message })
    }
}

/// The little-endian ICQ message inside channel-4 TLV 0x0005 (§10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IcqMessage {
    /// Sender UIN.
    pub uin: u32,
    /// 0x01 plain, 0x04 URL, 0x06 auth request, 0x07 denied, 0x08 granted, 0x0C added.
    pub kind: u8,
    /// Message flags.
    pub flags: u8,
    /// The text without its terminating NUL (decoded leniently as UTF-8).
    pub text: String,
}

impl IcqMessage {
    /// Decodes the TLV value.
    pub fn decode<'a>(data: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = data.into();
        let uin = u32::from_le_bytes(r.array()?);
        let kind = r.u8()?;
        let flags = r.u8()?;
        let len = u16::from_le_bytes(r.array()?);
        let raw = r.bytes(usize::from(len))?;
        let raw = raw.strip_suffix(&[0]).unwrap_or(raw);
        Ok(IcqMessage { uin, kind, flags, text: String::from_utf8_lossy(raw).into_owned() })
    }

    /// Encodes the TLV value with a terminating NUL.
    pub fn encode(&self) -> Result<Vec<u8>, WireError> {
        let len = u16::try_from(self.text.len() + 1).map_err(|_| WireError::TooLong {
            what: "ICQ message",
            len: self.text.len() + 1,
            max: usize::from(u16::MAX),
        })?;
        let mut out = Vec::with_capacity(8 + self.text.len() + 1);
        out.extend_from_slice(&self.uin.to_le_bytes());
        out.extend_from_slice(&[self.kind, self.flags]);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(self.text.as_bytes());
        out.push(0);
        Ok(out)
    }
}

/// One entry of 04/0A: messages from `sender` the server dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissedCall {
    /// ICBM channel.
    pub channel: u16,
    /// Who tried to message us.
    pub sender: UserInfo,
    /// How many messages were dropped.
    pub count: u16,
    /// Why.
    pub reason: MissedCallReason,
}

/// 04/0A: messages that could not be delivered to us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissedCalls {
    /// The entries.
    pub entries: Vec<MissedCall>,
}

impl MissedCalls {
    /// Decodes the body.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        let mut entries = Vec::new();
        while !r.is_empty() {
            entries.push(MissedCall {
                channel: r.u16()?,
                sender: UserInfo::read(&mut r)?,
                count: r.u16()?,
                reason: MissedCallReason::from(r.u16()?),
            });
        }
        Ok(MissedCalls { entries })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        for e in &self.entries {
            out.put_u16(e.channel);
            e.sender.write(out)?;
            out.put_u16(e.count);
            out.put_u16(e.reason.into());
        }
        Ok(())
    }
}

/// 04/0C host ack and 04/14 typing share a prefix: cookie, channel, screen name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostAck {
    /// The cookie of the acknowledged 04/06.
    pub cookie: [u8; 8],
    /// Its channel.
    pub channel: u16,
    /// Its recipient.
    pub screen_name: String,
}

impl HostAck {
    /// Decodes the body.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        Ok(HostAck { cookie: r.array()?, channel: r.u16()?, screen_name: r.string8()? })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        out.put_slice(&self.cookie);
        out.put_u16(self.channel);
        put_str8(out, "screen name", self.screen_name.as_bytes())
    }
}

/// 04/14: typing notification, both directions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Typing {
    /// Cookie (zeros are fine).
    pub cookie: [u8; 8],
    /// Channel (1).
    pub channel: u16,
    /// The other party: recipient when sending, sender when receiving.
    pub screen_name: String,
    /// What happened.
    pub event: TypingEvent,
}

impl Typing {
    /// A channel-1 notice with a zero cookie.
    pub fn new(screen_name: impl Into<String>, event: TypingEvent) -> Self {
        Typing { cookie: [0; 8], channel: CHANNEL_IM, screen_name: screen_name.into(), event }
    }

    /// Decodes the body.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        Ok(Typing {
            cookie: r.array()?,
            channel: r.u16()?,
            screen_name: r.string8()?,
            event: TypingEvent::from(r.u16()?),
        })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        out.put_slice(&self.cookie);
        out.put_u16(self.channel);
        put_str8(out, "screen name", self.screen_name.as_bytes())?;
        out.put_u16(self.event.into());
        Ok(())
    }
}

/// 04/08: warn ("evil") a user who sent us IMs; anonymous warnings weigh less and do not
/// name the warner (§7.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarnRequest {
    /// Whether the warned user is not told who warned them (wire value 1; 0 = named).
    pub anonymous: bool,
    /// The user to warn.
    pub screen_name: String,
}

impl WarnRequest {
    /// Decodes `u16 send-as (0 named, 1 anonymous) | str8 screen name`; other send-as values
    /// are refused, as no client sends them.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        let anonymous = match r.u16()? {
            0 => false,
            1 => true,
            other => {
                return Err(WireError::invalid("warn request", format!("send-as {other}")));
            }
        };
        Ok(WarnRequest { anonymous, screen_name: r.string8()? })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        out.put_u16(u16::from(self.anonymous));
        put_str8(out, "screen name", self.screen_name.as_bytes())
    }
}

/// 04/09: a warning was applied: how much it added and the warned user's new level, both in
/// tenths of a percent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WarnReply {
    /// What this warning added.
    pub delta: u16,
    /// The warned user's level now.
    pub new_level: u16,
}

impl WarnReply {
    /// Decodes `u16 delta | u16 new level`.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        Ok(WarnReply { delta: r.u16()?, new_level: r.u16()? })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        out.put_u16(self.delta);
        out.put_u16(self.new_level);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warn_request_and_reply_layout() {
        let w = WarnRequest { anonymous: true, screen_name: "bob".into() };
        let mut out = BytesMut::new();
        w.encode(&mut out).unwrap();
        assert_eq!(hex::encode(&out), "000103626f62");
        assert_eq!(WarnRequest::decode(&out[..]).unwrap(), w);
        assert!(WarnRequest::decode(&[0, 2, 3, b'b', b'o', b'b']).is_err(), "send-as 2");
        assert!(WarnRequest::decode(&[0, 0, 4, b'b']).is_err(), "short name");
        let r = WarnReply { delta: 100, new_level: 250 };
        let mut out = BytesMut::new();
        r.encode(&mut out).unwrap();
        assert_eq!(hex::encode(&out), "006400fa");
        assert_eq!(WarnReply::decode(&out[..]).unwrap(), r);
        assert!(WarnReply::decode(&out[..3]).is_err());
    }

    #[test]
    fn icq_channel_4_message() {
        let m = IcqMessage { uin: 123_456, kind: 1, flags: 0, text: "hello".into() };
        let data = m.encode().unwrap();
        assert_eq!(&data[..8], [0x40, 0xE2, 0x01, 0x00, 0x01, 0x00, 0x06, 0x00]);
        assert_eq!(IcqMessage::decode(&data).unwrap(), m);
        assert!(IcqMessage::decode(&data[..data.len() - 1]).is_err());
        let im = IncomingIm {
            cookie: [0; 8],
            channel: CHANNEL_ICQ,
            sender: UserInfo::new("123456"),
            tlvs: TlvBlock::new().with(tlv::ICQ_DATA, data),
        };
        assert!(im.message().is_none());
        assert_eq!(im.icq_message().unwrap().unwrap().text, "hello");
    }

    #[test]
    fn chat_invitations_round_trip_and_refuse_nonsense() {
        let room = RoomRef { exchange: 4, cookie: "4-0-pals".into(), instance: 0 };
        let inv = ChatInvitation { cookie: [3; 8], room, message: Some("come ☕".into()) };
        let sent = inv.send_im("bob").unwrap();
        assert_eq!((sent.channel, sent.wants_ack()), (CHANNEL_RENDEZVOUS, true));
        let block = Rendezvous::decode(sent.tlvs.value(rdv::BLOCK).unwrap()).unwrap();
        assert_eq!((block.kind, block.capability), (rdv::PROPOSE, CAP_CHAT));
        let got = IncomingIm::relay(&sent, UserInfo::new("alice"));
        assert_eq!(got.chat_invitation().unwrap().unwrap(), inv);
        assert!(got.message().is_none());
        // Not a chat proposal: a decline, an IM, another capability.
        let decline = ChatInvitation::decline([3; 8], "alice").unwrap();
        assert!(ChatInvitation::from_tlvs(decline.channel, &decline.tlvs).is_none());
        let im = SendIm::new([1; 8], "bob", &ImMessage::new("hi"), false).unwrap();
        assert!(ChatInvitation::from_tlvs(im.channel, &im.tlvs).is_none());
        let file = Rendezvous { capability: [0; 16], ..block.clone() };
        let tlvs = TlvBlock::new().with(rdv::BLOCK, file.to_bytes().unwrap());
        assert!(ChatInvitation::from_tlvs(CHANNEL_RENDEZVOUS, &tlvs).is_none());
        // A chat proposal without a room, or with a short block, is an error.
        let mut roomless = block.clone();
        roomless.tlvs.remove(rdv::SERVICE_DATA);
        let tlvs = TlvBlock::new().with(rdv::BLOCK, roomless.to_bytes().unwrap());
        assert!(ChatInvitation::from_tlvs(CHANNEL_RENDEZVOUS, &tlvs).unwrap().is_err());
        let tlvs = TlvBlock::new().with(rdv::BLOCK, vec![0; 20]);
        assert!(ChatInvitation::from_tlvs(CHANNEL_RENDEZVOUS, &tlvs).unwrap().is_err());
    }

    #[test]
    fn relay_strips_the_senders_send_time() {
        // Only the server's offline store may say when an IM was sent (04/07 TLV 0x16).
        let mut sent = SendIm::new([7; 8], "bob", &ImMessage::new("hi"), false).unwrap();
        sent.tlvs.push(tlv::SEND_TIME, 946_684_800u32.to_be_bytes().to_vec());
        let got = IncomingIm::relay(&sent, UserInfo::new("alice"));
        assert!(!got.tlvs.has(tlv::SEND_TIME));
        assert_eq!(got.send_time(), None);
    }

    #[test]
    fn relay_strips_ack_request() {
        let sent = SendIm::new([7; 8], "bob", &ImMessage::new("hi"), true).unwrap();
        let got = IncomingIm::relay(&sent, UserInfo::new("alice"));
        assert_eq!(got.cookie, [7; 8]);
        assert!(!got.tlvs.has(tlv::REQUEST_HOST_ACK));
        assert_eq!(got.message().unwrap().unwrap().text(), "hi");
    }

    proptest::proptest! {
        #[test]
        fn icq_message_round_trips(uin: u32, kind: u8, flags: u8, text in "[^\\x00]{0,30}") {
            let m = IcqMessage { uin, kind, flags, text };
            proptest::prop_assert_eq!(IcqMessage::decode(&m.encode().unwrap()).unwrap(), m);
        }
    }

    #[test]
    fn params_are_sixteen_bytes() {
        // OOS reply from §5.4.
        let body = hex::decode("00640000000302000 3E703E700000000".replace(' ', "")).unwrap();
        let p = IcbmParams::decode(&body).unwrap();
        assert_eq!(p.max_message_size, 0x0200);
        assert_eq!(p.flags, 3);
        let mut out = BytesMut::new();
        p.encode(&mut out).unwrap();
        assert_eq!(out.to_vec(), body);
        assert!(IcbmParams::decode(&body[..15]).is_err());
    }

    #[test]
    fn missed_calls_and_typing() {
        let m = MissedCalls {
            entries: vec![MissedCall {
                channel: 1,
                sender: UserInfo::new("eve"),
                count: 3,
                reason: MissedCallReason::RateExceeded,
            }],
        };
        let mut out = BytesMut::new();
        m.encode(&mut out).unwrap();
        assert_eq!(MissedCalls::decode(&out).unwrap(), m);
        assert!(MissedCalls::decode(&out[..out.len() - 1]).is_err());
        let t = Typing::new("bob", TypingEvent::Typing);
        out.clear();
        t.encode(&mut out).unwrap();
        assert_eq!(&out[8..], [0, 1, 3, b'b', b'o', b'b', 0, 2]);
    }
}
