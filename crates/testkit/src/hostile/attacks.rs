//! The attack script and the frame builders it uses: valid frames from the crate's encoders,
//! malformed ones by hand.

use std::net::SocketAddr;

use bytes::{BufMut, BytesMut};
use flapjack_proto::oscar::chat::{self, ChatMessage, ChatText, Occupants, RoomInfo, RoomRef};
use flapjack_proto::oscar::chatnav::{self, NavInfo};
use flapjack_proto::oscar::feedbag::{AuthRequest, FeedbagItem, FeedbagReply, FeedbagStatus};
use flapjack_proto::oscar::icbm::{
    HostAck, IcqMessage, IncomingIm, MissedCall, MissedCalls, Typing, CHANNEL_ICQ,
};
use flapjack_proto::oscar::icq::IcqMeta;
use flapjack_proto::oscar::imtext::{CHARSET_ASCII, CHARSET_LATIN1, CHARSET_UCS2};
use flapjack_proto::oscar::locate::{self, UserInfoReply};
use flapjack_proto::oscar::oservice::{Migrate, Motd, RateChange, RateParamsReply, Warning};
use flapjack_proto::oscar::userinfo::UserInfo;
use flapjack_proto::oscar::{
    FeedbagResult, ImMessage, MissedCallReason, RateChangeCode, RateClass, SnacBody, TlvBlock,
    TypingEvent,
};

use super::*;

/// A well-formed HTML IM (UCS-2 when not ASCII, as real clients send it).
fn html_im(from: &str, cookie: u8, html: &str) -> Vec<u8> {
    let data = ImMessage::new(html).to_bytes().expect("message");
    im_snac(from, [0xA0, cookie, 0, 0, 0, 0, 0, 0], TlvBlock::new().with(2, data))
}

fn charset_im(cookie: u8, charset: u16, data: &[u8]) -> Vec<u8> {
    im_snac(FRIEND, [0xC0, cookie, 0, 0, 0, 0, 0, 0], text_tlv(charset, data))
}

/// The 04/07 prefix up to the TLVs: cookie, channel 1, a user block for `from`.
fn im_prefix(from: &str, cookie: u8) -> BytesMut {
    let mut b = BytesMut::new();
    b.put_slice(&[0xB0, cookie, 0, 0, 0, 0, 0, 0]);
    b.put_u16(1);
    UserInfo::new(from).write(&mut b).expect("user block");
    b
}

fn rate_class(id: u16) -> RateClass {
    RateClass {
        id,
        window: 0,
        clear: 0,
        alert: 0,
        limit: 0,
        disconnect: 0,
        current: 0,
        max: 0,
        last_time: 0,
        dropping: 1,
    }
}

/// The whole hostile script; redirects point at `decoy`.
pub fn script(decoy: SocketAddr) -> Vec<Attack> {
    let decoy = decoy.to_string();
    let mut v = Vec::new();

    // --- length fields running past the end ---
    let mut b = im_prefix(FRIEND, 1);
    b.put_u16(2);
    b.put_u16(0x0400);
    b.put_slice(b"short");
    v.push(Attack::snac("TLV length past the end of an IM", raw_snac(4, 7, SERVER_ID, &b)));
    let mut b = im_prefix(FRIEND, 2);
    let frag = [0x05, 0x01, 0x00, 0x01, 0x01, 0x01, 0x01, 0x00, 0x30, 0x00, 0x00, b'h', b'i'];
    b.put_u16(2);
    b.put_u16(frag.len() as u16);
    b.put_slice(&frag);
    v.push(Attack::snac("message fragment length past its TLV", raw_snac(4, 7, SERVER_ID, &b)));
    let mut b = BytesMut::new();
    b.put_slice(&[0xB0, 3, 0, 0, 0, 0, 0, 0]);
    b.put_u16(1);
    b.put_u8(0xF0);
    b.put_slice(b"abc");
    v.push(Attack::snac("screen-name length past the end", raw_snac(4, 7, SERVER_ID, &b)));

    let mut icq = IcqMessage { uin: 12345, kind: 1, flags: 0, text: "cut".into() }
        .encode()
        .expect("ICQ message");
    icq[6] = 0xF0;
    let im = IncomingIm {
        cookie: [0xB0, 4, 0, 0, 0, 0, 0, 0],
        channel: CHANNEL_ICQ,
        sender: UserInfo::new("12345"),
        tlvs: TlvBlock::new().with(5, icq),
    };
    v.push(Attack::snac(
        "ICQ message length past its TLV",
        snac(&SnacBody::IncomingIm(im), SERVER_ID),
    ));

    // --- counts larger than the data ---
    let mut b = BytesMut::new();
    b.put_u8(FRIEND.len() as u8);
    b.put_slice(FRIEND.as_bytes());
    b.put_u16(0);
    b.put_u16(40);
    b.put_slice(&[0, 1, 0, 2, 0, 0x10]);
    v.push(Attack::snac(
        "user-info TLV count larger than the data",
        raw_snac(3, 0x0B, SERVER_ID, &b),
    ));
    let mut b = BytesMut::new();
    b.put_u8(0);
    b.put_u16(500);
    b.put_slice(&[0, 4, b'e', b'v', b'i', b'l', 0, 1, 0, 7, 0, 0, 0, 0]);
    v.push(Attack::snac(
        "feedbag item count larger than the data",
        raw_snac(0x13, 6, SERVER_ID, &b),
    ));

    // §1.2: a frame on a channel nobody knows is skipped whole; the connection survives it.
    v.push(Attack::snac("unknown FLAP channel", flap(9, b"what is this")));
    v.push(Attack::snac("empty frame on FLAP channel 0", flap(0, b"")));

    // --- text encodings ---
    let odd = [0, b'o', 0, b'd', 0, b'd', 0, b' ', 0, b'A', 0];
    v.push(Attack::snac("UCS-2 with an odd byte count", charset_im(1, CHARSET_UCS2, &odd)));
    let lone = [0xD8, 0x3D, 0, b'l', 0, b'o', 0, b'n', 0, b'e'];
    v.push(Attack::snac("UCS-2 with a lone surrogate", charset_im(2, CHARSET_UCS2, &lone)));
    let bad = b"bad \xff\xc0\x80 utf8 \x1b[2J\x07";
    v.push(Attack::snac("invalid UTF-8 labelled ASCII", charset_im(3, CHARSET_ASCII, bad)));
    let latin = b"latin \x9b31m \x85 \x1b]0;t\x07";
    v.push(Attack::snac("Latin-1 C1 controls", charset_im(4, CHARSET_LATIN1, latin)));

    // --- SNAC-level oddities ---
    v.push(Attack::snac("unknown family", raw_snac(0x7A7A, 0x0001, SERVER_ID, b"junk")));
    v.push(Attack::snac("SNAC shorter than its header", flap(2, &[0, 4, 0, 7, 0])));
    v.push(Attack::snac("empty SNAC", flap(2, &[])));

    v.push(Attack::framing("bad FLAP start byte", vec![0x2B, 2, 0, 1, 0, 0]));

    // --- rate notices for classes never advertised ---
    let limited =
        RateChange { code: RateChangeCode::Limited, extended: true, class: rate_class(0x42) };
    v.push(Attack::snac(
        "rate limited in an unknown class",
        snac(&SnacBody::RateChange(limited), SERVER_ID),
    ));
    let changed =
        RateChange { code: RateChangeCode::Changed, extended: true, class: rate_class(0x77) };
    v.push(Attack::snac(
        "rate change for an unknown class",
        snac(&SnacBody::RateChange(changed), SERVER_ID),
    ));

    // --- redirects nobody asked for ---
    let mut b = BytesMut::new();
    let tlvs = TlvBlock::new()
        .with_u16(0x000D, 0x0004)
        .with(0x0005, decoy.clone())
        .with(0x0006, &b"redirect-cookie"[..]);
    tlvs.write_rest(&mut b).expect("tlvs");
    v.push(Attack::snac("unrequested 01/05 service redirect", raw_snac(1, 5, 3, &b)));
    // §13: a room or ChatNav connection is opened only for a 01/04 the client sent.
    let room = RoomRef { exchange: 4, cookie: "4-0-Trap".into(), instance: 0 };
    let mut b = BytesMut::new();
    let tlvs = TlvBlock::new()
        .with_u16(0x000D, chat::FAMILY)
        .with(0x0005, decoy.clone())
        .with(0x0006, &b"chat-redirect-cookie"[..])
        .with(0x0001, room.to_bytes().expect("room reference"));
    tlvs.write_rest(&mut b).expect("tlvs");
    v.push(Attack::snac("unrequested 01/05 redirect to a chat room", raw_snac(1, 5, 4, &b)));
    let mut b = BytesMut::new();
    let tlvs = TlvBlock::new()
        .with_u16(0x000D, chatnav::FAMILY)
        .with(0x0005, decoy.clone())
        .with(0x0006, &b"chatnav-redirect-cookie"[..]);
    tlvs.write_rest(&mut b).expect("tlvs");
    v.push(Attack::snac("unrequested 01/05 redirect to ChatNav", raw_snac(1, 5, SERVER_ID, &b)));
    // §15: the BART connection is opened only for a 01/04 of ours too.
    let mut b = BytesMut::new();
    let tlvs = TlvBlock::new()
        .with_u16(0x000D, flapjack_proto::oscar::bart::FAMILY)
        .with(0x0005, decoy.clone())
        .with(0x0006, &b"bart-redirect-cookie"[..]);
    tlvs.write_rest(&mut b).expect("tlvs");
    v.push(Attack::snac("unrequested 01/05 redirect to BART", raw_snac(1, 5, 5, &b)));
    let migrate = Migrate {
        families: vec![],
        tlvs: TlvBlock::new().with(0x0005, decoy).with(0x0006, &b"migrate-cookie"[..]),
    };
    v.push(Attack::snac(
        "unrequested 01/12 migration",
        snac(&SnacBody::Migrate(migrate), SERVER_ID),
    ));

    // --- replies nobody asked for ---
    let injected = FeedbagReply {
        version: 0,
        items: vec![
            FeedbagItem::group("", 0, &[7]),
            FeedbagItem::group("Injected", 7, &[9]),
            FeedbagItem::buddy("mallory", 7, 9),
        ],
        last_modified: 2,
    };
    v.push(Attack::snac(
        "unrequested 13/06 feedbag reply",
        snac(&SnacBody::FeedbagReply(injected.clone()), SERVER_ID),
    ));
    v.push(Attack::snac(
        "13/06 feedbag reply to an answered request",
        snac(&SnacBody::FeedbagReply(injected), 5),
    ));
    let info = UserInfoReply {
        info: UserInfo::new("mallory"),
        tlvs: TlvBlock::new().with(locate::tlv::PROFILE, &b"injected profile"[..]),
    };
    v.push(Attack::snac(
        "unrequested 02/06 user info",
        snac(&SnacBody::UserInfoReply(info), 0x0000_7777),
    ));
    let ack = HostAck { cookie: [9; 8], channel: 1, screen_name: "mallory".into() };
    v.push(Attack::snac("unrequested 04/0C host ack", snac(&SnacBody::HostAck(ack), 0x0000_7778)));
    let throttle = RateParamsReply {
        extended: true,
        classes: RateClass::aol_defaults()
            .iter()
            .map(|c| RateClass { window: 2, current: 1, max: 2, ..*c })
            .collect(),
        groups: vec![],
    };
    v.push(Attack::snac(
        "unrequested 01/07 rate parameters",
        snac(&SnacBody::RateParamsReply(throttle), SERVER_ID),
    ));
    let status = FeedbagStatus { results: vec![FeedbagResult::NotFound, FeedbagResult::NotFound] };
    v.push(Attack::snac(
        "unrequested 13/0E feedbag status",
        snac(&SnacBody::FeedbagStatus(status), 0x0000_7779),
    ));
    v.push(Attack::snac("unrequested 04/01 error", raw_snac(4, 1, 0x0000_777A, &[0, 4])));

    // --- ICQ authorization and directory (§6.4, §10.1) ---
    let request = AuthRequest::new(EVIL_NAME, format!("let me in {NASTY}"));
    v.push(Attack::snac(
        "13/19 authorization request with escapes in name and message",
        snac(&SnacBody::AuthRequestToClient(request), SERVER_ID),
    ));
    v.push(Attack::snac(
        "13/1B authorization reply cut after its name",
        raw_snac(0x13, 0x1B, SERVER_ID, &[7, b'm', b'a', b'l', b'l', b'o', b'r', b'y']),
    ));
    let meta =
        IcqMeta { uin: 1, kind: 0x07DA, seq: 1, data: vec![0xAE, 0x01, 0x0A, 0xFF, 0xFF, 1] };
    v.push(Attack::snac("unrequested 15/03 with a record past its end", {
        let mut out = BytesMut::new();
        meta.encode(&mut out).expect("meta");
        raw_snac(0x15, 0x03, 0x0000_777B, &out)
    }));
    v.push(Attack::snac(
        "15/03 whose packet length runs past its TLV",
        raw_snac(0x15, 0x03, 0x0000_777C, &[0, 1, 0, 4, 0xFF, 0x7F, 0, 0]),
    ));

    let close = TlvBlock::new().with_u16(0x0009, 0x7777).with(0x000B, format!("bye {NASTY}"));
    let mut b = BytesMut::new();
    close.write_rest(&mut b).expect("tlvs");
    v.push(Attack::framing("channel-4 close with an unknown code", flap(4, &b)));

    let mut cut = flap(2, &[0; 0x0400]);
    cut.truncate(16);
    v.push(Attack {
        name: "FLAP length past the end of the stream",
        level: Level::Framing,
        bytes: cut,
        close: true,
    });

    // --- terminal controls in every field a peer controls ---
    v.push(Attack::snac(
        "controls in an IM body",
        html_im(FRIEND, 1, &format!("<b>body</b> {NASTY}")),
    ));
    v.push(Attack::snac("controls as HTML entities", html_im(FRIEND, 2, NASTY_ENTITIES)));
    v.push(Attack::snac(
        "controls in a sender's screen name",
        html_im(EVIL_NAME, 3, "hi from evil"),
    ));
    let typing = Typing {
        cookie: [0; 8],
        channel: 1,
        screen_name: EVIL_NAME.into(),
        event: TypingEvent::Typing,
    };
    v.push(Attack::snac(
        "controls in a typing notice's name",
        snac(&SnacBody::Typing(typing), SERVER_ID),
    ));
    let arrived = flapjack_proto::oscar::buddy::BuddyPresence {
        users: vec![away_user(FRIEND), UserInfo::new(EVIL_NAME)],
    };
    v.push(Attack::snac(
        "arrivals: an away buddy (away message with controls) and a name with controls",
        snac(&SnacBody::BuddyArrived(arrived), SERVER_ID),
    ));
    let icq = IcqMessage { uin: 12345, kind: 1, flags: 0, text: format!("icq {NASTY}") };
    let im = IncomingIm {
        cookie: [0xA0, 4, 0, 0, 0, 0, 0, 0],
        channel: CHANNEL_ICQ,
        sender: UserInfo::new(FRIEND),
        tlvs: TlvBlock::new().with(5, icq.encode().expect("ICQ message")),
    };
    v.push(Attack::snac(
        "controls in an ICQ channel-4 message",
        snac(&SnacBody::IncomingIm(im), SERVER_ID),
    ));
    let missed = MissedCalls {
        entries: vec![MissedCall {
            channel: 1,
            sender: UserInfo::new(EVIL_NAME),
            count: 3,
            reason: MissedCallReason::TooLarge,
        }],
    };
    v.push(Attack::snac(
        "controls in a missed-call sender's name",
        snac(&SnacBody::MissedCalls(missed), SERVER_ID),
    ));
    let motd = Motd { kind: 4, tlvs: TlvBlock::new().with(0x000B, format!("motd {NASTY}")) };
    v.push(Attack::snac("controls in a server notice", snac(&SnacBody::Motd(motd), SERVER_ID)));
    let warning = Warning { level: 100, warner: Some(UserInfo::new(EVIL_NAME)) };
    v.push(Attack::snac(
        "controls in a warner's name",
        snac(&SnacBody::Warning(warning), SERVER_ID),
    ));

    v
}

/// A 0E/06 relayed from `from` whose text is `data` labelled with `charset`.
pub fn room_message(from: &str, cookie: u8, charset: &str, data: &[u8]) -> Vec<u8> {
    let text = ChatText {
        data: data.to_vec(),
        charset: Some(charset.into()),
        language: Some("en".into()),
    };
    let said = ChatMessage::to_room([0xE0, cookie, 0, 0, 0, 0, 0, 0], &text, false)
        .and_then(|m| ChatMessage::relay(&m, &UserInfo::new(from)));
    match said {
        Ok(m) => snac(&SnacBody::RoomMessage(m), SERVER_ID),
        Err(e) => {
            tracing::error!("hostile script: cannot build a room message: {e}");
            Vec::new()
        }
    }
}

/// A 0E/03 (or 0E/04 with `left`) naming `names`.
fn occupants(names: &[&str], left: bool) -> Vec<u8> {
    let o = Occupants { users: names.iter().map(|n| UserInfo::new(*n)).collect() };
    snac(&if left { SnacBody::UsersLeft(o) } else { SnacBody::UsersJoined(o) }, SERVER_ID)
}

/// The cookie and channel that start every 0E/06.
fn room_prefix(cookie: u8) -> BytesMut {
    let mut b = BytesMut::new();
    b.put_slice(&[0xD0, cookie, 0, 0, 0, 0, 0, 0]);
    b.put_u16(chat::CHANNEL_ROOM);
    b
}

/// How many distinct people join in the flood attack.
pub const JOIN_FLOOD: usize = 10_000;

/// The name of the `i`th person in the join flood.
pub fn flood_name(i: usize) -> String {
    format!("flood{i:05}")
}

/// The attacks a hostile server plays on a room connection once the room is joined (the
/// room's first 0E/03 named [`FRIEND`] and us). Every one must be survived on the same
/// connection; markers are 0E/06 messages from [`FRIEND`] (see [`super::play_room`]).
pub fn room_script() -> Vec<Attack> {
    let mut v = Vec::new();

    // --- malformed 0E/06 ---
    v.push(Attack::snac("0E/06 cut inside its cookie", raw_snac(0x0E, 6, SERVER_ID, &[1, 2, 3])));
    let mut b = room_prefix(1);
    b.put_slice(&[0, 5, 0, 0x40, b'x']);
    v.push(Attack::snac("0E/06 TLV length past the end", raw_snac(0x0E, 6, SERVER_ID, &b)));
    let mut b = room_prefix(2);
    b.put_slice(&[0, 3, 0, 4, 0xF0, b'a', b'b', b'c']);
    let info = ChatText::from_text("no sender").to_bytes().expect("message info");
    b.put_u16(chat::tlv::MESSAGE_INFO);
    b.put_u16(info.len() as u16);
    b.put_slice(&info);
    v.push(Attack::snac(
        "0E/06 sender's name length past its TLV",
        raw_snac(0x0E, 6, SERVER_ID, &b),
    ));
    let mut b = room_prefix(3);
    let mut sender = BytesMut::new();
    UserInfo::new(FRIEND).write(&mut sender).expect("user block");
    b.put_u16(chat::tlv::SENDER);
    b.put_u16(sender.len() as u16);
    b.put_slice(&sender);
    b.put_slice(&[0, 5, 0, 6, 0, 1, 0, 0x30, b'h', b'i']);
    v.push(Attack::snac(
        "0E/06 text TLV length past its message info",
        raw_snac(0x0E, 6, SERVER_ID, &b),
    ));
    v.push(Attack::snac(
        "0E/06 UCS-2 with an odd byte count",
        room_message(FRIEND, 4, "unicode-2-0", &[0, b'o', 0, b'd', 0, b'd', 0, b' ', 0, b'A', 0]),
    ));
    v.push(Attack::snac(
        "0E/06 invalid UTF-8 labelled us-ascii",
        room_message(FRIEND, 5, "us-ascii", b"bad \xff\xc0\x80 utf8"),
    ));

    // --- occupant lists and room info larger than their data ---
    let mut b = BytesMut::new();
    UserInfo::new("mallory").write(&mut b).expect("user block");
    b.put_slice(b"\x03eve\x00\x00\x00\x09\x00\x01");
    v.push(Attack::snac(
        "0E/03 occupant list larger than its data",
        raw_snac(0x0E, 3, SERVER_ID, &b),
    ));
    let mut b = BytesMut::new();
    UserInfo::new(FRIEND).write(&mut b).expect("user block");
    b.put_slice(b"\x05trent\x00\x00\x00\x30");
    v.push(Attack::snac(
        "0E/04 occupant list larger than its data",
        raw_snac(0x0E, 4, SERVER_ID, &b),
    ));
    let room = RoomRef { exchange: 4, cookie: "4-0-Renamed".into(), instance: 0 };
    let mut b = BytesMut::from(room.to_bytes().expect("room reference").as_slice());
    b.put_u8(2);
    b.put_u16(50);
    b.put_slice(&[0, 0xD3, 0, 7, b'R', b'e', b'n']);
    v.push(Attack::snac(
        "0E/02 room info TLV count larger than its data",
        raw_snac(0x0E, 2, SERVER_ID, &b),
    ));

    // --- a flood of joins: one 0E/03 each, then every name again in big 0E/03s ---
    let names: Vec<String> = (0..JOIN_FLOOD).map(flood_name).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let flood: Vec<u8> = names.iter().flat_map(|n| occupants(&[n], false)).collect();
    v.push(Attack::snac("a flood of 10,000 joins", flood));
    let again: Vec<u8> = names.chunks(1_000).flat_map(|c| occupants(c, false)).collect();
    v.push(Attack::snac("the same 10,000 joins again, 1,000 a SNAC", again));

    // --- what a room connection never asked for ---
    let mut found = RoomInfo::create(4, "Trap");
    found.room = RoomRef { exchange: 4, cookie: "4-0-Trap".into(), instance: 0 };
    let nav = NavInfo {
        tlvs: TlvBlock::new().with(chatnav::tlv::ROOM_INFO, found.to_bytes().expect("room info")),
    };
    v.push(Attack::snac(
        "unrequested 0D/09 room info on a room connection",
        snac(&SnacBody::NavInfo(nav), 0x0000_0001),
    ));
    let mut b = BytesMut::new();
    let tlvs = TlvBlock::new()
        .with_u16(0x000D, chat::FAMILY)
        .with(0x0005, "127.0.0.1:9")
        .with(0x0006, &b"room-redirect-cookie"[..]);
    tlvs.write_rest(&mut b).expect("tlvs");
    v.push(Attack::snac("unrequested 01/05 redirect on a room connection", raw_snac(1, 5, 1, &b)));

    // --- terminal controls in every field of a room a peer controls ---
    v.push(Attack::snac("controls in a joining occupant's name", occupants(&[EVIL_NAME], false)));
    let html = format!("<b>room</b> {NASTY} {NASTY_ENTITIES}");
    v.push(Attack::snac(
        "controls in a room message and its sender's name",
        room_message(EVIL_NAME, 6, "us-ascii", html.as_bytes()),
    ));
    let mut renamed = RoomInfo::create(4, &format!("Room {NASTY}"));
    renamed.room = RoomRef { exchange: 4, cookie: "4-0-Evil".into(), instance: 0 };
    v.push(Attack::snac(
        "controls in the room's name (0E/02)",
        snac(&SnacBody::RoomInfoUpdate(renamed), SERVER_ID),
    ));
    v
}
