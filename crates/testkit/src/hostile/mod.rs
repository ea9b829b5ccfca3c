//! A hostile OSCAR server, sans-IO: each BOS connection gets a normal sign-on (rate classes,
//! self info, a buddy list, IM acks, user info), and after the client's 01/02 the server plays
//! the rest of a script of attacks. After every attack it sends a valid IM from [`FRIEND`]
//! whose text is [`marker`]`(i)`: on the same connection for a SNAC-level attack, first thing
//! on the next connection for a framing-level one (the client is expected to drop the
//! connection and come back).
//!
//! [`Record`] says which connection each attack and each marker went out on, so a test can
//! tell "survived on the same connection" from "reconnected". The same machine runs behind a
//! real socket (`tests/support/hostile`) and in memory behind [`crate::Pair`].

use bytes::{BufMut, BytesMut};
use flapjack_client::session::room::{ServiceConnection, ServiceKind};
use flapjack_client::session::RoomEvent;
use flapjack_proto::oscar::chat::{Occupants, RoomRef};
use flapjack_proto::oscar::icbm::IncomingIm;
use flapjack_proto::oscar::imtext::{ImText, CHARSET_ASCII};
use flapjack_proto::oscar::locate::{self, UserInfoReply};
use flapjack_proto::oscar::oservice::FamilyList;
use flapjack_proto::oscar::rate::aol_rate_params;
use flapjack_proto::oscar::userinfo::{self, UserInfo};
use flapjack_proto::oscar::{
    decode_snac_payload, encode_snac, Channel, Flap, FlapCodec, Hello, ImMessage, OutFlap,
    SnacBody, TlvBlock,
};
use flapjack_proto::screenname::ScreenName;
use tokio_util::codec::Decoder as _;

pub mod attacks;
pub mod bart;
pub mod checks;
pub mod odir;

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
/// The BOS cookie the hostile BUCP host hands out and its BOS accepts.
pub const COOKIE: &[u8] = b"hostile-cookie";
/// Request id for SNACs the server sends on its own.
pub const SERVER_ID: u32 = 0x8000_0000;

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

/// Whether a client's first frame is a BOS hello with the hostile cookie.
pub fn is_bos_hello(first: &Flap) -> bool {
    first.channel == Channel::SignOn
        && Hello::decode(&first.payload).is_ok_and(|h| h.cookie() == Some(COOKIE))
}

/// Where one BOS connection is in the script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Answering the sign-on until the client's 01/02.
    SigningOn,
    /// Paused the client before framing attack `i`; waiting for its 01/0C.
    Barrier(usize),
    /// Answering requests; nothing more to play on this connection.
    Done,
}

/// One BOS connection of the hostile server.
#[derive(Debug)]
pub struct HostileConn {
    n: usize,
    phase: Phase,
}

impl HostileConn {
    /// A new connection (its hello already checked with [`is_bos_hello`]), counted in `record`.
    pub fn open(record: &mut Record) -> Self {
        record.connections += 1;
        HostileConn { n: record.connections - 1, phase: Phase::SigningOn }
    }

    /// Reads one client frame: answers it as a normal server would, and plays the script once
    /// the client is ready. Bytes to write go to `out`; `false` means the server closes its
    /// side after writing them.
    pub fn read(
        &mut self,
        record: &mut Record,
        attacks: &[Attack],
        flap: &Flap,
        out: &mut Vec<u8>,
    ) -> bool {
        let id = answer(record, self.n, flap, out);
        match self.phase {
            Phase::SigningOn if id == Some((1, 2)) => self.play(record, attacks, out),
            Phase::Barrier(i) if id == Some((1, 0x0C)) => {
                out.extend(snac(&SnacBody::Resume(FamilyList { families: vec![] }), SERVER_ID));
                self.phase = Phase::Done;
                let Some(attack) = attacks.get(i) else { return true };
                record.next_attack += 1;
                record.played.push((i, self.n));
                out.extend_from_slice(&attack.bytes);
                record.marker_due = Some(i);
                !attack.close
            }
            _ => true,
        }
    }

    /// Plays the due marker and then attacks until a framing-level one, before which it pauses
    /// the client (01/0B) and waits for the ack (01/0C): once that is read, the client has
    /// handled everything sent before, so nothing is lost with the connection.
    fn play(&mut self, record: &mut Record, attacks: &[Attack], out: &mut Vec<u8>) -> bool {
        if let Some(i) = record.marker_due.take() {
            self.marker(record, i, out);
        }
        loop {
            let i = record.next_attack;
            let Some(attack) = attacks.get(i) else {
                self.phase = Phase::Done;
                return true;
            };
            if attack.level == Level::Framing {
                out.extend(snac(&SnacBody::Pause(FamilyList { families: vec![] }), SERVER_ID));
                self.phase = Phase::Barrier(i);
                return true;
            }
            record.next_attack += 1;
            record.played.push((i, self.n));
            out.extend_from_slice(&attack.bytes);
            self.marker(record, i, out);
        }
    }

    fn marker(&self, record: &mut Record, i: usize, out: &mut Vec<u8>) {
        record.markers.push((i, self.n));
        let cookie = [0x4D, i as u8, self.n as u8, 0, 0, 0, 0, 1];
        out.extend(im_snac(FRIEND, cookie, text_tlv(CHARSET_ASCII, marker(i).as_bytes())));
    }
}

/// Records and answers one client frame the way a normal server would; returns its SNAC id.
fn answer(record: &mut Record, n: usize, f: &Flap, out: &mut Vec<u8>) -> Option<(u16, u16)> {
    if f.channel != Channel::Data {
        return None;
    }
    let (h, body) = decode_snac_payload(&f.payload).ok()?;
    record.snacs.push((n, h.family, h.subtype));
    let id = h.request_id;
    let reply = match body {
        SnacBody::UserInfoQuery2(q) => {
            let tlvs = TlvBlock::new()
                .with(locate::tlv::PROFILE_MIME, &b"text/aolrtf; charset=\"utf-8\""[..])
                .with(locate::tlv::PROFILE, format!("<b>profile</b> {NASTY} {NASTY_ENTITIES}"))
                .with(locate::tlv::AWAY_MIME, &b"text/aolrtf; charset=\"utf-8\""[..])
                .with(locate::tlv::AWAY_MESSAGE, format!("away {NASTY} {NASTY_ENTITIES}"));
            Some(SnacBody::UserInfoReply(UserInfoReply { info: away_user(&q.screen_name), tlvs }))
        }
        other => crate::scripted::bos_reply(&other, &[FRIEND, EVIL_NAME]),
    };
    if let Some(body) = reply {
        out.extend(snac(&body, id));
    }
    Some((h.family, h.subtype))
}

/// A user-info block with the away class bit set.
fn away_user(name: &str) -> UserInfo {
    let mut u = UserInfo::new(name);
    u.tlvs = TlvBlock::new().with_u16(userinfo::tlv::CLASS, 0x0030);
    u
}

/// A FLAP frame with any channel byte and payload (sequence 0; clients never check it).
pub fn flap(channel: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![0x2A, channel, 0, 0];
    let len = u16::try_from(payload.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&len.to_be_bytes());
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

/// A channel-2 frame with a typed SNAC encoded by the crate (empty if it cannot be encoded,
/// which the script's own SNACs never are).
pub fn snac(body: &SnacBody, request_id: u32) -> Vec<u8> {
    match encode_snac(body, request_id, 0) {
        Ok(payload) => flap(2, &payload),
        Err(e) => {
            tracing::error!("hostile script: cannot encode {}: {e}", body.name());
            Vec::new()
        }
    }
}

/// The message TLV block of an IM with one text fragment.
pub fn text_tlv(charset: u16, data: &[u8]) -> TlvBlock {
    let message = ImMessage {
        features: vec![1, 1, 2].into(),
        texts: vec![ImText { charset, subset: 0, data: data.to_vec().into() }],
    };
    TlvBlock::new().with(2, message.to_bytes().unwrap_or_default())
}

/// A 04/07 from `from` with this cookie and message TLVs.
pub fn im_snac(from: &str, cookie: [u8; 8], tlvs: TlvBlock) -> Vec<u8> {
    let im = IncomingIm { cookie, channel: 1, sender: UserInfo::new(from), tlvs };
    snac(&SnacBody::IncomingIm(im), SERVER_ID)
}

/// Our own screen name in the hostile room.
pub const OWN: &str = "Tester";

/// The hostile room's reference.
pub fn hostile_room() -> RoomRef {
    RoomRef { exchange: 4, cookie: "4-0-Hostile".into(), instance: 0 }
}

/// The text of the valid room message sent after room attack `i`.
pub fn room_marker(i: usize) -> String {
    format!("room marker {i:02}")
}

/// What a room connection made of the room script ([`play_room`]).
#[derive(Debug, Default)]
pub struct RoomRun {
    /// The room events of the sign-on (the server's answers to the pipelined flight).
    pub signon: Vec<RoomEvent>,
    /// Per attack, the room events it caused (its marker message left out).
    pub per_attack: Vec<Vec<RoomEvent>>,
    /// The attack index of each marker message received, in order.
    pub markers: Vec<usize>,
    /// Frames the client wrote after its sign-on flight (answers, never requests).
    pub frames_after_signon: Vec<OutFlap>,
    /// Rooms the connection reported found (only ChatNav may).
    pub rooms_found: usize,
    /// Names the connection reported refused (only ChatNav may).
    pub nav_refused: usize,
    /// Whether the connection decided to close.
    pub closed: bool,
    /// Framing errors of the client's codec (each would cost the connection).
    pub codec_errors: Vec<String>,
    /// Who the connection believes is in the room at the end.
    pub occupants: Vec<ScreenName>,
    /// The room's name at the end.
    pub room_name: String,
}

/// A hostile server's bytes on their way into a service connection's core: buffered, cut
/// into FLAP frames by the client's own codec, as the connection's task would.
#[derive(Default)]
pub(crate) struct FrameFeed {
    codec: FlapCodec,
    inbox: BytesMut,
}

impl FrameFeed {
    /// Adds bytes as they arrived.
    pub(crate) fn push(&mut self, bytes: &[u8]) {
        self.inbox.extend_from_slice(bytes);
    }

    /// The next whole frame, or `None` when more bytes are needed. A framing error is noted
    /// in `errors` and what is buffered is dropped, as the connection would close.
    pub(crate) fn next_frame(&mut self, errors: &mut Vec<String>) -> Option<Flap> {
        match self.codec.decode(&mut self.inbox) {
            Ok(frame) => frame,
            Err(e) => {
                errors.push(e.to_string());
                self.inbox.clear();
                None
            }
        }
    }
}

/// Plays `attacks` against the room connection's sans-IO core (`ServiceConnection`), through
/// the client's own FLAP codec as a socket would deliver them: the pipelined sign-on is
/// answered as the embedded server answers it (01/07, the first 0E/03 naming [`FRIEND`] and
/// [`OWN`]), then every attack is followed by a marker message from [`FRIEND`].
///
/// The session's actor runs the same core behind a socket; the hostile socket server drives
/// only the main connection, so room connections are attacked here.
pub fn play_room(attacks: &[Attack]) -> RoomRun {
    let mut conn = ServiceConnection::new(ServiceKind::Room(hostile_room()), "Hostile", 7);
    let mut wire = FrameFeed::default();
    let mut run = RoomRun::default();
    conn.connection_started(0, COOKIE);
    let flight = conn.take_output();
    run.closed |= flight.close;
    let mut signon = snac(&SnacBody::RateParamsReply(aol_rate_params()), 2);
    let first = Occupants { users: vec![UserInfo::new(FRIEND), UserInfo::new(OWN)] };
    signon.extend(snac(&SnacBody::UsersJoined(first), SERVER_ID));
    let mut feed = |conn: &mut ServiceConnection, now: u64, bytes: &[u8], run: &mut RoomRun| {
        wire.push(bytes);
        while let Some(flap) = wire.next_frame(&mut run.codec_errors) {
            conn.handle_frame(now, flap);
        }
        let out = conn.take_output();
        run.frames_after_signon.extend(out.frames);
        run.rooms_found += out.rooms_found.len();
        run.nav_refused += out.nav_refused.len();
        run.closed |= out.close;
        out.events
    };
    run.signon = feed(&mut conn, 10, &signon, &mut run);
    for (i, attack) in attacks.iter().enumerate() {
        let now = 20 + 10 * i as u64;
        let mut events = feed(&mut conn, now, &attack.bytes, &mut run);
        let cookie = u8::try_from(i).unwrap_or(u8::MAX);
        let marker = attacks::room_message(FRIEND, cookie, "us-ascii", room_marker(i).as_bytes());
        events.extend(feed(&mut conn, now + 5, &marker, &mut run));
        let mut caused = Vec::new();
        for e in events {
            match &e {
                RoomEvent::Message { from, text, .. }
                    if from.as_str() == FRIEND && text.starts_with("room marker ") =>
                {
                    match text["room marker ".len()..].parse() {
                        Ok(n) => run.markers.push(n),
                        Err(_) => caused.push(e),
                    }
                }
                _ => caused.push(e),
            }
        }
        run.per_attack.push(caused);
    }
    run.occupants = conn.occupants().to_vec();
    run.room_name = conn.name().to_string();
    run
}
