//! The attack script and the frame builders it uses: valid frames from the crate's encoders,
//! malformed ones by hand.

use std::net::SocketAddr;

use bytes::{BufMut, BytesMut};
use flapjack_proto::oscar::feedbag::{FeedbagItem, FeedbagReply, FeedbagStatus};
use flapjack_proto::oscar::icbm::{
    HostAck, IcqMessage, IncomingIm, MissedCall, MissedCalls, Typing, CHANNEL_ICQ,
};
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
