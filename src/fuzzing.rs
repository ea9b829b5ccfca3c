//! Fuzz entry points: one function per target, each taking arbitrary bytes and driving the
//! same parsers the client and the embedded server run on peer input.
//!
//! The cargo-fuzz project in `fuzz/` calls these, and `tests/fuzz_corpus.rs` replays every
//! committed corpus file through them, so a crash found once stays fixed. Every function must
//! return normally on any input; a panic is a bug in the parser it reached. Beyond "no panic",
//! the targets check cheap invariants (re-encoding what was decoded gives the same value, or the
//! same bytes), which is what catches a decoder and an encoder that disagree.
//!
//! The targets are kept cheap per input: no tokio runtime, no sockets, no sleeping.

use std::time::SystemTime;

use bytes::{Bytes, BytesMut};
use tokio_util::codec::Decoder;

use crate::oscar::feedbag::{FeedbagItems, FeedbagReply};
use crate::oscar::icbm::IncomingIm;
use crate::oscar::userinfo::split_capabilities;
use crate::oscar::{
    decode_snac_payload, encode_snac, Channel, Flap, FlapCodec, Hello, ImMessage, Reader, SignOff,
    SnacBody, TlvBlock, UserInfo,
};
use crate::screenname::ScreenName;
use crate::session::feedbag::Feedbag;
use crate::session::state::SessionState;
use crate::text::{html, neutralize, neutralize_line};

mod auth;
mod social;
pub use social::{icon, icq, odir, privacy};

pub use auth::{auth_response, oos_response};
pub use flapjack_server::fuzzing::{accounts_toml, server_bos, server_bucp, server_http};

/// A fuzz entry point: any bytes in, returns normally unless it found a bug.
pub type Target = fn(&[u8]);

/// Every target by name, as the `fuzz/fuzz_targets/*.rs` files and corpus directories name them.
pub const TARGETS: &[(&str, Target)] = &[
    ("flap_stream", flap_stream),
    ("snac", snac),
    ("session", session),
    ("tlv", tlv),
    ("feedbag", feedbag),
    ("icbm", icbm),
    ("chat", chat),
    ("privacy", privacy),
    ("bart", bart),
    ("auth_response", auth_response),
    ("oos_response", oos_response),
    ("server_http", server_http),
    ("server_bucp", server_bucp),
    ("server_bos", server_bos),
    ("accounts_toml", accounts_toml),
    ("tls_files", tls_files),
    ("icon", icon),
    ("icq", icq),
    ("odir", odir),
];

/// The files trust is read from (§4.10): the known-hosts file, a pinned fingerprint and a PEM
/// certificate file. Byte 0 picks the parser. What parses must survive a round trip: the
/// known-hosts lines written back parse to the same entries.
pub fn tls_files(data: &[u8]) {
    use crate::tls::{
        certificates_from_pem, known_host_line, parse_fingerprint, parse_known_hosts,
    };
    let Some((&which, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    match which % 3 {
        0 => match parse_known_hosts(&text) {
            Ok(hosts) => {
                let written: String = hosts.iter().map(known_host_line).collect();
                assert_eq!(parse_known_hosts(&written).ok(), Some(hosts));
            }
            Err(e) => {
                let _ = e.to_string();
            }
        },
        1 => {
            if let Err(e) = parse_fingerprint(&text) {
                let _ = e.to_string();
            }
        }
        _ => {
            if let Err(e) = certificates_from_pem(rest) {
                let _ = e.to_string();
            }
        }
    }
}

/// Splits a FLAP stream into frames the way a socket would deliver it: in chunks whose sizes
/// come from a seed, so the fuzzer explores partial headers and partial payloads.
struct Chunked<'a> {
    rest: &'a [u8],
    max: usize,
    step: usize,
}

impl<'a> Chunked<'a> {
    fn new(seed: u8, rest: &'a [u8]) -> Self {
        Chunked { rest, max: usize::from(seed % 64) + 1, step: usize::from(seed) }
    }
}

impl<'a> Iterator for Chunked<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.rest.is_empty() {
            return None;
        }
        self.step = self.step.wrapping_mul(5).wrapping_add(3);
        let n = (self.step % self.max + 1).min(self.rest.len());
        let (chunk, rest) = self.rest.split_at(n);
        self.rest = rest;
        Some(chunk)
    }
}

/// Decodes `stream` into frames with a fresh [`FlapCodec`], in one piece, stopping at the
/// first framing error; what the client and server loops do with a connection's bytes.
pub(crate) fn frames(stream: &[u8]) -> Vec<Flap> {
    let mut codec = FlapCodec::with_initial_sequence(0);
    let mut buf = BytesMut::from(stream);
    let mut out = Vec::new();
    while let Ok(Some(frame)) = codec.decode(&mut buf) {
        out.push(frame);
    }
    if let Ok(Some(frame)) = codec.decode_eof(&mut buf) {
        out.push(frame);
    }
    out
}

/// FLAP framing: byte 0 seeds the chunk sizes (and bit 7 a small payload cap), the rest is
/// the stream. Every frame decoded must re-encode to exactly the bytes it came from.
pub fn flap_stream(data: &[u8]) {
    let Some((&seed, stream)) = data.split_first() else { return };
    let mut codec = FlapCodec::with_initial_sequence(0);
    if seed & 0x80 != 0 {
        codec = codec.with_max_payload(usize::from(seed & 0x3F) * 16);
    }
    let mut buf = BytesMut::new();
    let mut rewritten = BytesMut::new();
    let mut failed = false;
    'feed: for chunk in Chunked::new(seed, stream) {
        buf.extend_from_slice(chunk);
        loop {
            match codec.decode(&mut buf) {
                Ok(Some(frame)) => check_frame(&frame, &mut rewritten),
                Ok(None) => break,
                Err(_) => {
                    failed = true;
                    break 'feed;
                }
            }
        }
    }
    if !failed {
        match codec.decode_eof(&mut buf) {
            Ok(Some(frame)) => {
                // The short sign-off quirk is the only frame not written in full.
                assert_eq!(frame.channel, Channel::SignOff);
                assert!(frame.payload.is_empty());
            }
            Ok(None) => assert_eq!(rewritten[..], stream[..], "frames must re-encode the stream"),
            Err(_) => {}
        }
    }
    if !rewritten.is_empty() {
        assert_eq!(rewritten[..], stream[..rewritten.len()]);
    }
}

fn check_frame(frame: &Flap, rewritten: &mut BytesMut) {
    if let Err(e) = frame.write(rewritten) {
        panic!("a decoded frame must encode again: {e}");
    }
    match frame.channel {
        Channel::SignOn => {
            if let Ok(hello) = Hello::decode(&frame.payload) {
                let _ = hello.cookie();
            }
        }
        Channel::SignOff => {
            if let Ok(off) = SignOff::decode(&frame.payload) {
                let _ = (off.reason(), off.auth_error(), off.message(), off.as_login_reply());
            }
        }
        _ => {}
    }
}

/// SNAC dispatch: the input is one channel-2 payload, decoded by [`decode_snac_payload`] as
/// both the client session and the server do. What decodes must encode, and decode again to
/// the same value.
pub fn snac(data: &[u8]) {
    let payload = Bytes::copy_from_slice(data);
    let Ok((header, body)) = decode_snac_payload(&payload) else { return };
    match &body {
        SnacBody::Unknown { family, subtype } => {
            assert_eq!((*family, *subtype), (header.family, header.subtype));
            return;
        }
        other => assert_eq!(other.id(), (header.family, header.subtype)),
    }
    exercise_body(&body);
    // A body too large for one FLAP payload after canonical re-encoding is refused, not a bug.
    let Ok(again) = encode_snac(&body, header.request_id, 0) else { return };
    match decode_snac_payload(&again) {
        Ok((h2, b2)) => {
            assert_eq!(
                (h2.family, h2.subtype, h2.request_id),
                (header.family, header.subtype, header.request_id)
            );
            assert_eq!(b2, body, "decode(encode(x)) must be x");
        }
        Err(e) => panic!("a re-encoded SNAC must decode: {e}"),
    }
}

/// Calls the accessors the session uses on decoded bodies.
fn exercise_body(body: &SnacBody) {
    match body {
        SnacBody::IncomingIm(im) => incoming_im(im),
        SnacBody::SendIm(im) => {
            if let Some(Ok(m)) = im.message() {
                plain(&m.text());
            }
        }
        SnacBody::Motd(m) => {
            if let Some(t) = m.text() {
                plain(&t);
            }
        }
        SnacBody::UserInfoReply(r) => {
            for t in [r.profile(), r.away_message()].into_iter().flatten() {
                plain(&t);
            }
            user_info(&r.info);
        }
        SnacBody::BuddyArrived(p) | SnacBody::BuddyDeparted(p) => {
            for u in &p.users {
                user_info(u);
            }
        }
        SnacBody::SelfInfo(s) => user_info(&s.info),
        SnacBody::FeedbagReply(r) => feedbag_model(r.items.clone()),
        SnacBody::Error { error, .. } => {
            let _ = error.to_string();
        }
        SnacBody::LoginReply(r) => {
            let _ = r.outcome();
        }
        _ => {}
    }
}

/// The path of an arriving IM's text to the screen: charset, HTML to plain, neutralized.
fn incoming_im(im: &IncomingIm) {
    user_info(&im.sender);
    let _ = (im.is_auto_response(), im.wants_typing(), im.send_time());
    if let Some(Ok(m)) = im.message() {
        plain(&m.text());
    }
    if let Some(Ok(icq)) = im.icq_message() {
        if let Ok(bytes) = icq.encode() {
            let _ = crate::oscar::icbm::IcqMessage::decode(&bytes);
        }
    }
}

fn plain(text: &str) {
    let p = html::to_plain(text);
    let safe = neutralize(&p);
    let dangerous = |c: char| crate::text::is_dangerous(c) && c != '\n';
    assert!(!safe.chars().any(dangerous), "neutralize left a control character");
    let line = neutralize_line(&p);
    assert!(!line.chars().any(crate::text::is_dangerous), "neutralize_line left one");
}

fn user_info(u: &UserInfo) {
    let _ = (u.class(), u.is_away(), u.signon_time(), u.idle_minutes(), u.status(), u.icq_status());
    let _ = (u.online_time(), u.capabilities());
    let _ = ScreenName::from_wire(&u.screen_name).normalized().len();
}

/// The sans-IO client session: a connection is started, then the input is read as the FLAP
/// stream the server sent, each frame handed to [`SessionState::handle_frame`].
pub fn session(data: &[u8]) {
    let mut state = SessionState::new(ScreenName::from_wire("Alice"))
        .with_wall_clock(|| SystemTime::UNIX_EPOCH);
    state.connection_started(0, b"fuzz-cookie");
    let _ = state.take_output();
    let mut now = 0u64;
    for frame in frames(data) {
        now += 25;
        state.handle_frame(now, frame);
        let out = state.take_output();
        if out.close.is_some() {
            return;
        }
        if let Some(deadline) = state.next_deadline().filter(|d| *d <= now + 1000) {
            state.handle_timer(deadline);
            let _ = state.take_output();
        }
    }
}

/// TLVs, TLV blocks (plain, counted, length-prefixed) and user-info blocks. Byte 0 picks the
/// reader; every value read re-encodes to the bytes it was read from.
pub fn tlv(data: &[u8]) {
    let Some((&which, rest)) = data.split_first() else { return };
    match which % 4 {
        0 => {
            if let Ok(block) = TlvBlock::decode(rest) {
                let mut out = BytesMut::new();
                if block.write_rest(&mut out).is_ok() {
                    assert_eq!(out[..], rest[..]);
                }
                for t in block.iter() {
                    let _ = (block.get_u8(t.kind), block.get_u16(t.kind), block.get_u32(t.kind));
                    let _ = block.get_str(t.kind);
                }
            }
        }
        1 => {
            let mut r = Reader::new(rest);
            if let Ok(block) = TlvBlock::read_counted(&mut r) {
                let used = rest.len() - r.remaining();
                let mut out = BytesMut::new();
                if block.write_counted(&mut out).is_ok() {
                    assert_eq!(out[..], rest[..used]);
                }
            }
        }
        2 => {
            let mut r = Reader::new(rest);
            if let Ok(block) = TlvBlock::read_length_prefixed(&mut r) {
                let used = rest.len() - r.remaining();
                let mut out = BytesMut::new();
                if block.write_length_prefixed(&mut out).is_ok() {
                    assert_eq!(out[..], rest[..used]);
                }
            }
        }
        _ => {
            if let Ok((info, tail)) = UserInfo::decode_prefix(rest) {
                user_info(&info);
                let _ = split_capabilities(rest);
                let mut out = BytesMut::new();
                if info.write(&mut out).is_ok() {
                    // Names are read lossily as UTF-8, so only valid ones keep their bytes.
                    let name = rest.get(1..1 + usize::from(rest[0])).unwrap_or_default();
                    if std::str::from_utf8(name).is_ok() {
                        assert_eq!(out[..], rest[..rest.len() - tail.len()]);
                    }
                    let again = UserInfo::decode_prefix(&out).map(|(u, _)| u);
                    assert_eq!(again.ok().as_ref(), Some(&info));
                }
            }
        }
    }
}

/// The feedbag reply (13/06) and item lists (13/08–0A), then the client's buddy-list model
/// built from the items and edited.
pub fn feedbag(data: &[u8]) {
    let Some((&which, rest)) = data.split_first() else { return };
    let items = if which & 1 == 0 {
        match FeedbagReply::decode(rest) {
            Ok(reply) => {
                let mut out = BytesMut::new();
                if reply.encode(&mut out).is_ok() {
                    assert_eq!(FeedbagReply::decode(&out).ok().as_ref(), Some(&reply));
                }
                reply.items
            }
            Err(_) => return,
        }
    } else {
        match FeedbagItems::decode(rest) {
            Ok(items) => items.items,
            Err(_) => return,
        }
    };
    feedbag_model(items);
}

fn feedbag_model(items: Vec<crate::oscar::feedbag::FeedbagItem>) {
    for item in &items {
        let _ = (item.order(), item.alias(), item.is_root());
    }
    let mut bag = Feedbag::new(items);
    let _ = bag.buddy_list();
    let buddy = ScreenName::from_wire("Fuzz Buddy");
    for change in [
        bag.add_buddy(&buddy, "Buddies"),
        bag.add_group("Fuzzers"),
        bag.remove_buddy(&buddy),
        bag.remove_group("Buddies"),
    ]
    .into_iter()
    .flatten()
    .flatten()
    {
        bag.apply(&change);
    }
    let _ = (bag.buddy_list(), bag.contains(&buddy));
}

/// Chat rooms (§13): byte 0 picks which peer-supplied shape the rest is — a 0E/06 room
/// message, a 0E/03 occupant list, 0E/02 room info, a 0D/09 nav reply, a 01/04 service request,
/// or a channel-2 chat invitation's TLVs. Texts go through the terminal neutralizer; what
/// decodes must re-encode to the same value.
pub fn chat(data: &[u8]) {
    use crate::oscar::chat::{ChatMessage, Occupants, RoomInfo};
    use crate::oscar::chatnav::NavInfo;
    use crate::oscar::icbm::{ChatInvitation, CHANNEL_RENDEZVOUS};
    use crate::oscar::oservice::ServiceRequest;
    let Some((&which, rest)) = data.split_first() else { return };
    let mut out = BytesMut::new();
    match which % 6 {
        0 => {
            let Ok(m) = ChatMessage::decode(rest) else { return };
            if let Some(Ok(sender)) = m.sender() {
                user_info(&sender);
            }
            if let Some(Ok(t)) = m.text() {
                plain(&t.text());
            }
            if m.encode(&mut out).is_ok() {
                assert_eq!(ChatMessage::decode(&out).ok().as_ref(), Some(&m));
            }
        }
        1 => {
            let Ok(o) = Occupants::decode(rest) else { return };
            o.users.iter().for_each(user_info);
            if o.encode(&mut out).is_ok() {
                assert_eq!(Occupants::decode(&out).ok().as_ref(), Some(&o));
            }
        }
        2 => {
            let Ok(r) = RoomInfo::decode(rest) else { return };
            plain(&r.name().unwrap_or_default());
            assert_eq!(
                r.to_bytes().ok().and_then(|b| RoomInfo::decode(&b).ok()).as_ref(),
                Some(&r)
            );
        }
        3 => {
            let Ok(nav) = NavInfo::decode(rest) else { return };
            let _ = nav.max_concurrent_rooms();
            for ex in nav.exchanges().flatten() {
                assert_eq!(
                    ex.to_bytes()
                        .ok()
                        .and_then(|b| { crate::oscar::chatnav::ExchangeInfo::decode(&b).ok() })
                        .as_ref(),
                    Some(&ex)
                );
            }
            for room in nav.rooms().flatten() {
                plain(&room.name().unwrap_or_default());
            }
        }
        4 => {
            let Ok(req) = ServiceRequest::decode(rest) else { return };
            if let Some(Ok(room)) = req.room() {
                plain(&room.cookie);
                assert_eq!(
                    room.to_bytes()
                        .ok()
                        .and_then(|b| { crate::oscar::chat::RoomRef::decode(&b).ok() })
                        .as_ref(),
                    Some(&room)
                );
            }
        }
        _ => {
            let Ok(tlvs) = TlvBlock::decode(rest) else { return };
            if let Some(Ok(inv)) = ChatInvitation::from_tlvs(CHANNEL_RENDEZVOUS, &tlvs) {
                plain(&inv.message.clone().unwrap_or_default());
                plain(&inv.room.cookie);
                let again = inv.send_im("x").ok().and_then(|im| {
                    ChatInvitation::from_tlvs(im.channel, &im.tlvs).and_then(Result::ok)
                });
                // Re-encoding may change the text's charset, never the room or the cookie.
                let again = again.map(|i| (i.cookie, i.room));
                assert_eq!(again, Some((inv.cookie, inv.room)));
            }
        }
    }
}

/// Incoming ICBMs (04/07 bodies): sender info, channel-1 message fragments with their
/// charsets, HTML to plain text, neutralized for the terminal. Byte 0 picks whether the rest
/// is a whole 04/07 body, bare message data, or HTML text.
pub fn icbm(data: &[u8]) {
    let Some((&which, rest)) = data.split_first() else { return };
    match which % 3 {
        0 => {
            if let Ok(im) = IncomingIm::decode(rest) {
                incoming_im(&im);
            }
        }
        1 => {
            if let Ok(m) = ImMessage::decode(rest) {
                plain(&m.text());
                if let Ok(bytes) = m.to_bytes() {
                    assert_eq!(ImMessage::decode(&bytes).ok().as_ref(), Some(&m));
                }
            }
        }
        _ => {
            let text = String::from_utf8_lossy(rest);
            plain(&text);
            let round = html::to_plain(&html::from_plain(&text));
            let _ = neutralize(&round);
        }
    }
}

/// Buddy icons (§15): byte 0 picks which peer-supplied shape the rest is — user-info TLV
/// 0x1D's run of BART ids, a 10/07, 10/05 or 10/03 reply, a 10/06 query, a feedbag TLV 0xD5
/// value — or, for the last choice, a FLAP stream played at a BART connection's core. What
/// decodes must re-encode to the same value.
pub fn bart(data: &[u8]) {
    use crate::oscar::bart::UploadReply;
    use crate::oscar::bart::{self, BartId, Download2Query, Download2Reply, DownloadReply};
    use crate::session::room::{ServiceConnection, ServiceKind};
    let Some((&which, rest)) = data.split_first() else { return };
    let mut out = BytesMut::new();
    macro_rules! round_trip {
        ($ty:ty) => {{
            let Ok(v) = <$ty>::decode(rest) else { return };
            if v.encode(&mut out).is_ok() {
                assert_eq!(<$ty>::decode(&out).ok().as_ref(), Some(&v));
            }
        }};
    }
    match which % 7 {
        0 => {
            let Ok(ids) = bart::read_ids(rest) else { return };
            for id in &ids {
                let _ = (id.is_icon(), id.is_md5());
            }
            if let Ok(bytes) = bart::write_ids(&ids) {
                assert_eq!(bart::read_ids(&bytes).ok().as_ref(), Some(&ids));
            }
        }
        1 => round_trip!(Download2Reply),
        2 => round_trip!(DownloadReply),
        3 => round_trip!(UploadReply),
        4 => round_trip!(Download2Query),
        5 => {
            let Ok(id) = BartId::from_feedbag("1", rest) else { return };
            let back = id.info_bytes().ok().and_then(|b| BartId::from_feedbag("1", &b).ok());
            assert_eq!(back.as_ref(), Some(&id));
        }
        _ => {
            let mut conn = ServiceConnection::new(ServiceKind::Bart, "BART", 1);
            conn.connection_started(0, b"cookie");
            conn.fetch_icons(0, "bob", vec![BartId::icon_of(b"x")]);
            let mut codec = crate::oscar::FlapCodec::new();
            let mut buf = BytesMut::from(rest);
            let mut now = 1;
            while let Ok(Some(flap)) = codec.decode(&mut buf) {
                conn.handle_frame(now, flap);
                now += 1;
                let _ = conn.take_output();
            }
        }
    }
}
