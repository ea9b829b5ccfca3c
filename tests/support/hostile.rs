//! A hostile OSCAR server for tests: BUCP and BOS on one port on 127.0.0.1. Each BOS
//! connection gets a normal sign-on (rate classes, self info, a buddy list, IM acks, user
//! info), and after the client's 01/02 the server plays the rest of a script of attacks. After
//! every attack it sends a valid IM from [`FRIEND`] whose text is [`marker`]`(i)`: on the same
//! connection for a SNAC-level attack, first thing on the next connection for a framing-level
//! one (the client is expected to drop the connection and come back).
//!
//! [`Record`] says which connection each attack and each marker went out on, so a test can
//! tell "survived on the same connection" from "reconnected". Valid frames are built with the
//! crate's encoders; malformed ones by hand.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::{BufMut, BytesMut};
use flapjack::oscar::bucp::{self, LoginReply};
use flapjack::oscar::feedbag::{FeedbagItem, FeedbagReply, FeedbagStatus};
use flapjack::oscar::icbm::{
    HostAck, IcqMessage, IncomingIm, MissedCall, MissedCalls, Typing, CHANNEL_ICQ,
};
use flapjack::oscar::imtext::{ImText, CHARSET_ASCII, CHARSET_LATIN1, CHARSET_UCS2};
use flapjack::oscar::locate::{self, UserInfoReply};
use flapjack::oscar::oservice::{
    FamilyList, Migrate, Motd, RateChange, RateGroup, RateParamsReply, SelfInfo, Warning,
};
use flapjack::oscar::userinfo::{self, UserInfo};
use flapjack::oscar::{
    decode_snac_payload, encode_snac, Channel, FeedbagResult, Flap, FlapCodec, Hello, ImMessage,
    MissedCallReason, OutFlap, RateChangeCode, RateClass, SnacBody, TlvBlock, TypingEvent,
};
use futures::{SinkExt, StreamExt};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::Framed;

/// The only password the server accepts.
pub const PASSWORD: &str = "pw";
/// The buddy every marker IM comes from.
pub const FRIEND: &str = "friend";
/// A screen name full of terminal controls (CSI, OSC with BEL, bidi override, C1 CSI).
pub const EVIL_NAME: &str = "Ev\u{1b}[31mil\u{1b}]0;pwn\u{7}\u{202e}x\u{9b}2J";
/// Terminal controls as raw characters: CSI, OSC ended by BEL, DCS ended by ST, a lone BEL,
/// C1 CSI and NEL, a bidi override and an isolate, DEL.
pub const NASTY: &str = "clear\u{1b}[2J\u{1b}[H title\u{1b}]0;owned\u{7} dcs\u{1b}P+q544e\u{1b}\\ \
                         bel\u{7} c1\u{9b}31m\u{85} bidi\u{202e}txt.exe\u{2066}x\u{2069} del\u{7f}";
/// The same kinds of controls written as HTML entities, which decode to them.
pub const NASTY_ENTITIES: &str = "ent &#27;[2J &#x1b;]2;t&#x07; &#155;1m &#x202E;rev &#7; \
                                  &#x85; &#x1B;P1$r&#x1b;\\ end";
const COOKIE: &[u8] = b"hostile-cookie";
/// Request id for SNACs the server sends on its own.
const SERVER_ID: u32 = 0x8000_0000;

/// The text of the valid IM sent after attack `i`.
pub fn marker(i: usize) -> String {
    format!("marker {i:02}")
}

/// How an attack is expected to end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// The session must survive on the same connection.
    Snac,
    /// The stream is unusable: the session must drop the connection and reconnect by itself.
    Framing,
}

/// One scripted attack.
#[derive(Debug, Clone)]
pub struct Attack {
    /// Short name for reports.
    pub name: &'static str,
    /// Same connection or reconnect.
    pub level: Level,
    /// Exactly what goes on the wire.
    pub bytes: Vec<u8>,
    /// Close the server's side right after the bytes (a frame cut off by EOF).
    pub close: bool,
}

impl Attack {
    fn snac(name: &'static str, bytes: Vec<u8>) -> Self {
        Attack { name, level: Level::Snac, bytes, close: false }
    }

    fn framing(name: &'static str, bytes: Vec<u8>) -> Self {
        Attack { name, level: Level::Framing, bytes, close: false }
    }
}

/// What the server did and saw.
#[derive(Debug, Default)]
pub struct Record {
    /// BOS connections accepted so far.
    pub connections: usize,
    /// For each attack played: (attack index, connection number from 0).
    pub played: Vec<(usize, usize)>,
    /// For each marker IM sent: (attack index, connection number).
    pub markers: Vec<(usize, usize)>,
    /// Every SNAC received on BOS connections: (connection, family, subtype).
    pub snacs: Vec<(usize, u16, u16)>,
    /// Connections made to the decoy address that unrequested redirects point at.
    pub decoy_hits: usize,
    next_attack: usize,
    marker_due: Option<usize>,
}

/// A running hostile server.
pub struct HostileBos {
    /// Where it listens (BUCP and BOS alike).
    pub addr: SocketAddr,
    /// What it did and saw.
    pub record: Arc<Mutex<Record>>,
    /// The script it plays.
    pub attacks: Arc<Vec<Attack>>,
}

impl HostileBos {
    /// Starts the server with `attacks`; redirects in the standard [`script`] point at a decoy
    /// listener whose connections are counted in [`Record::decoy_hits`].
    pub async fn start(attacks: impl FnOnce(SocketAddr) -> Vec<Attack>) -> HostileBos {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let decoy = TcpListener::bind("127.0.0.1:0").await.expect("bind decoy");
        let decoy_addr = decoy.local_addr().expect("decoy addr");
        let attacks = Arc::new(attacks(decoy_addr));
        let record = Arc::new(Mutex::new(Record::default()));
        let rec = Arc::clone(&record);
        tokio::spawn(async move {
            while let Ok((_s, _)) = decoy.accept().await {
                if let Ok(mut r) = rec.lock() {
                    r.decoy_hits += 1;
                }
            }
        });
        let rec = Arc::clone(&record);
        let script = Arc::clone(&attacks);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                stream.set_nodelay(true).ok();
                tokio::spawn(serve(stream, addr, Arc::clone(&rec), Arc::clone(&script)));
            }
        });
        HostileBos { addr, record, attacks }
    }

    /// Locks the record.
    pub fn record(&self) -> std::sync::MutexGuard<'_, Record> {
        self.record.lock().expect("record lock")
    }
}

type Conn = Framed<TcpStream, FlapCodec>;

/// Sends our hello, reads the client's, and serves BUCP or BOS depending on the cookie.
async fn serve(stream: TcpStream, addr: SocketAddr, rec: Arc<Mutex<Record>>, at: Arc<Vec<Attack>>) {
    let mut framed = Framed::new(stream, FlapCodec::with_initial_sequence(100));
    let Ok(hello) = Hello::default().encode() else { return };
    if framed.send(OutFlap { channel: Channel::SignOn, payload: hello }).await.is_err() {
        return;
    }
    let Some(Ok(first)) = framed.next().await else { return };
    let bos = first.channel == Channel::SignOn
        && Hello::decode(&first.payload).is_ok_and(|h| h.cookie() == Some(COOKIE));
    if !bos {
        serve_bucp(framed, addr).await;
        return;
    }
    let n = {
        let Ok(mut r) = rec.lock() else { return };
        r.connections += 1;
        r.connections - 1
    };
    serve_bos(framed, n, rec, at).await;
}

async fn reply(framed: &mut Conn, body: SnacBody, request_id: u32) {
    if let Ok(payload) = encode_snac(&body, request_id, 0) {
        let _ = framed.send(OutFlap::data(payload)).await;
    }
}

async fn serve_bucp(mut framed: Conn, addr: SocketAddr) {
    while let Some(Ok(f)) = framed.next().await {
        let Ok((h, body)) = decode_snac_payload(&f.payload) else { continue };
        match body {
            SnacBody::ChallengeRequest(_) => {
                let reply_body =
                    bucp::ChallengeReply { key: b"5678".to_vec(), tlvs: TlvBlock::new() };
                reply(&mut framed, SnacBody::ChallengeReply(reply_body), h.request_id).await;
            }
            SnacBody::LoginRequest(req) => {
                let name = req.screen_name().unwrap_or_default();
                let body = if req.hash_matches(b"5678", PASSWORD.as_bytes()) {
                    LoginReply::success(&name, &addr.to_string(), COOKIE)
                } else {
                    LoginReply::failure(&name, flapjack::oscar::AuthErrorCode::MismatchedPassword)
                };
                reply(&mut framed, SnacBody::LoginReply(body), h.request_id).await;
                return;
            }
            _ => {}
        }
    }
}

/// The one rate table the server advertises (AOL's classes 1–5).
fn rate_reply() -> RateParamsReply {
    RateParamsReply {
        extended: true,
        classes: RateClass::aol_defaults().to_vec(),
        groups: (1..=5)
            .map(|id| RateGroup {
                class_id: id,
                members: if id == 3 { vec![(4, 6), (2, 5)] } else { vec![] },
            })
            .collect(),
    }
}

/// A user-info block with the away class bit set.
fn away_user(name: &str) -> UserInfo {
    let mut u = UserInfo::new(name);
    u.tlvs = TlvBlock::new().with_u16(userinfo::tlv::CLASS, 0x0030);
    u
}

async fn serve_bos(mut framed: Conn, n: usize, rec: Arc<Mutex<Record>>, at: Arc<Vec<Attack>>) {
    while let Some(Ok(f)) = framed.next().await {
        if answer(&mut framed, n, &rec, &f).await == Some((1, 2))
            && !play(&mut framed, n, &rec, &at).await
        {
            return;
        }
    }
}

/// Records and answers one client frame the way a normal server would; returns its SNAC id.
async fn answer(framed: &mut Conn, n: usize, rec: &Mutex<Record>, f: &Flap) -> Option<(u16, u16)> {
    if f.channel != Channel::Data {
        return None;
    }
    let (h, body) = decode_snac_payload(&f.payload).ok()?;
    if let Ok(mut r) = rec.lock() {
        r.snacs.push((n, h.family, h.subtype));
    }
    let id = h.request_id;
    match body {
        SnacBody::RateParamsQuery => {
            reply(framed, SnacBody::RateParamsReply(rate_reply()), id).await
        }
        SnacBody::SelfInfoQuery => {
            let info = SelfInfo { info: UserInfo::new("Tester"), more: vec![] };
            reply(framed, SnacBody::SelfInfo(info), id).await;
        }
        SnacBody::FeedbagQuery => {
            let items = vec![
                FeedbagItem::group("", 0, &[1]),
                FeedbagItem::group("Buddies", 1, &[1, 2]),
                FeedbagItem::buddy(FRIEND, 1, 1),
                FeedbagItem::buddy(EVIL_NAME, 1, 2),
            ];
            let body = FeedbagReply { version: 0, items, last_modified: 1 };
            reply(framed, SnacBody::FeedbagReply(body), id).await;
        }
        SnacBody::SendIm(im) => {
            let ack = HostAck { cookie: im.cookie, channel: 1, screen_name: im.recipient };
            reply(framed, SnacBody::HostAck(ack), id).await;
        }
        SnacBody::UserInfoQuery2(q) => {
            let tlvs = TlvBlock::new()
                .with(locate::tlv::PROFILE_MIME, &b"text/aolrtf; charset=\"utf-8\""[..])
                .with(locate::tlv::PROFILE, format!("<b>profile</b> {NASTY} {NASTY_ENTITIES}"))
                .with(locate::tlv::AWAY_MIME, &b"text/aolrtf; charset=\"utf-8\""[..])
                .with(locate::tlv::AWAY_MESSAGE, format!("away {NASTY} {NASTY_ENTITIES}"));
            let body = UserInfoReply { info: away_user(&q.screen_name), tlvs };
            reply(framed, SnacBody::UserInfoReply(body), id).await;
        }
        _ => {}
    }
    Some((h.family, h.subtype))
}

/// Pauses the client (01/0B) and serves it until it acks (01/0C), then resumes it (01/0D): once
/// the ack is read, the client has handled everything sent before and the server has read
/// everything it sent in reaction.
async fn barrier(framed: &mut Conn, n: usize, rec: &Mutex<Record>) {
    let all = FamilyList { families: vec![] };
    let _ = framed.get_mut().write_all(&snac(&SnacBody::Pause(all.clone()), SERVER_ID)).await;
    while let Some(Ok(f)) = framed.next().await {
        if answer(framed, n, rec, &f).await == Some((1, 0x0C)) {
            break;
        }
    }
    let _ = framed.get_mut().write_all(&snac(&SnacBody::Resume(all), SERVER_ID)).await;
}

/// Plays the due marker and then attacks until a framing-level one; false when the server
/// closed its side. Before a framing-level attack it waits at a [`barrier`], so nothing the
/// client sent before is lost with the connection.
async fn play(framed: &mut Conn, n: usize, rec: &Mutex<Record>, at: &[Attack]) -> bool {
    let due = rec.lock().ok().and_then(|mut r| r.marker_due.take());
    if let Some(i) = due {
        send_marker(framed, n, rec, i).await;
    }
    loop {
        let Some(i) = rec.lock().ok().map(|r| r.next_attack) else { return true };
        let Some(attack) = at.get(i) else { return true };
        let _ = framed.flush().await;
        if attack.level == Level::Framing {
            barrier(framed, n, rec).await;
        }
        if let Ok(mut r) = rec.lock() {
            r.next_attack += 1;
            r.played.push((i, n));
        }
        let _ = framed.get_mut().write_all(&attack.bytes).await;
        if attack.close {
            let _ = framed.get_mut().shutdown().await;
        }
        match attack.level {
            Level::Snac => send_marker(framed, n, rec, i).await,
            Level::Framing => {
                if let Ok(mut r) = rec.lock() {
                    r.marker_due = Some(i);
                }
                return !attack.close;
            }
        }
    }
}

async fn send_marker(framed: &mut Conn, n: usize, rec: &Mutex<Record>, i: usize) {
    if let Ok(mut r) = rec.lock() {
        r.markers.push((i, n));
    }
    let cookie = [0x4D, i as u8, n as u8, 0, 0, 0, 0, 1];
    let body = im_snac(FRIEND, cookie, text_tlv(CHARSET_ASCII, marker(i).as_bytes()));
    let _ = framed.get_mut().write_all(&body).await;
}

// ----- frame builders -----------------------------------------------------------------------

/// A FLAP frame with any channel byte and payload (sequence 0; clients never check it).
pub fn flap(channel: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![0x2A, channel, 0, 0];
    out.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// A channel-2 frame with a hand-made SNAC header and body.
pub fn raw_snac(family: u16, subtype: u16, request_id: u32, body: &[u8]) -> Vec<u8> {
    let mut p = BytesMut::new();
    p.put_u16(family);
    p.put_u16(subtype);
    p.put_u16(0);
    p.put_u32(request_id);
    p.put_slice(body);
    flap(2, &p)
}

/// A channel-2 frame with a typed SNAC encoded by the crate.
pub fn snac(body: &SnacBody, request_id: u32) -> Vec<u8> {
    flap(2, &encode_snac(body, request_id, 0).expect("encodable SNAC"))
}

/// The message TLV block of an IM with one text fragment.
fn text_tlv(charset: u16, data: &[u8]) -> TlvBlock {
    let message = ImMessage {
        features: vec![1, 1, 2],
        texts: vec![ImText { charset, subset: 0, data: data.to_vec() }],
    };
    TlvBlock::new().with(2, message.to_bytes().expect("message"))
}

fn im_snac(from: &str, cookie: [u8; 8], tlvs: TlvBlock) -> Vec<u8> {
    let im = IncomingIm { cookie, channel: 1, sender: UserInfo::new(from), tlvs };
    snac(&SnacBody::IncomingIm(im), SERVER_ID)
}

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

    v.push(Attack::framing("unknown FLAP channel", flap(9, b"what is this")));

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
    let arrived = flapjack::oscar::buddy::BuddyPresence {
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
