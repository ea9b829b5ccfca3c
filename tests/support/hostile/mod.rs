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
    FamilyList, Migrate, Motd, RateChange, RateParamsReply, SelfInfo, Warning,
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

pub mod attacks;
use attacks::{im_snac, snac, text_tlv};

// The same rate table as the friendly fake server: AOL's classes 1–5.
use super::fake_bos::rate_reply;

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
    /// Starts the server with `attacks`; redirects in the standard [`attacks::script`] point at a decoy
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
