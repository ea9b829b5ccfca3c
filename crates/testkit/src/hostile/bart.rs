//! Icon attacks (issue 16, items 1 and 6): a hostile BART service against the session core and
//! the BART connection's core wired as the actor wires them. Every attack is aimed at an icon
//! the client asked for (a "victim" buddy's hash) and is followed by a marker: the valid icon
//! of another buddy the client also asked for. Nothing may crash, stall (every marker arrives),
//! or show an icon whose data is not what its hash says.

use bytes::{BufMut, Bytes, BytesMut};
use flapjack_client::session::room::{ServiceConnection, ServiceKind};
use flapjack_client::session::state::{ServiceOrder, SessionState};
use flapjack_client::session::{Command, Event};
use flapjack_proto::oscar::bart::{self, BartId, Download2Reply, DownloadReply, UploadReply};
use flapjack_proto::oscar::buddy::BuddyPresence;
use flapjack_proto::oscar::feedbag::FeedbagReply;
use flapjack_proto::oscar::oservice::ServiceRedirect;
use flapjack_proto::oscar::rate::aol_rate_params;
use flapjack_proto::oscar::userinfo::UserInfo;
use flapjack_proto::oscar::{decode_snac_payload, Channel, Flap, SnacBody, TlvBlock};
use flapjack_proto::screenname::ScreenName;

use super::{raw_snac, snac, Attack, OWN, SERVER_ID};

/// How many bytes the "10 MB icon" attack sends in all.
pub const HUGE_ICON: usize = 10 * 1024 * 1024;

/// The `i`th victim: a buddy whose icon the attack `i` answers falsely.
pub fn victim(i: usize) -> String {
    format!("victim{i:02}")
}

/// The `i`th marker buddy.
pub fn marker_buddy(i: usize) -> String {
    format!("friend{i:02}")
}

/// A GIF header with nonsense after it: what victim [`MALFORMED_VICTIM`] really uploaded.
pub const MALFORMED_IMAGE: &[u8] = b"GIF89a\xff\xff\xff\xff\x00\x00truncated";
/// The victim whose icon is [`MALFORMED_IMAGE`].
pub const MALFORMED_VICTIM: usize = 2;

/// The real icon of victim `i` (what its hash is of).
pub fn victim_icon(i: usize) -> Bytes {
    if i == MALFORMED_VICTIM {
        return Bytes::from_static(MALFORMED_IMAGE);
    }
    Bytes::from(format!("GIF89a victim {i}"))
}

/// The real icon of marker buddy `i`.
pub fn marker_icon(i: usize) -> Bytes {
    Bytes::from(format!("GIF89a marker {i}"))
}

fn reply(name: &str, query: &BartId, data: Bytes) -> Vec<u8> {
    let body = Download2Reply {
        screen_name: name.to_string(),
        query: query.clone(),
        code: bart::code::SUCCESS,
        reply: query.clone(),
        data,
    };
    snac(&SnacBody::BartDownload2Reply(body), 1)
}

/// The attacks, each aimed at victim `i`'s icon (index `i` in the returned list).
pub fn bart_script() -> Vec<Attack> {
    let mut v = Vec::new();
    let id = |i: usize| BartId::icon_of(&victim_icon(i));
    let mut push = |name: &'static str, bytes: Vec<u8>| {
        v.push(Attack { name, level: super::Level::Snac, bytes, close: false });
    };

    // 10 MB of "icon" for the hash asked for: 160 replies of ~64 KB (a BART item travels in a
    // u16 length, so no single reply can be larger). The first is checked and refused, the
    // rest are not wanted any more.
    let chunk = Bytes::from(vec![0xAB; 65_000]);
    let huge: Vec<u8> = (0..HUGE_ICON / chunk.len() + 1)
        .flat_map(|_| reply(&victim(0), &id(0), chunk.clone()))
        .collect();
    push("an icon of 10 MB in 64 KB replies", huge);
    push("an icon whose data does not match its hash", reply(&victim(1), &id(1), "not it".into()));
    // A malformed image is still an image the owner uploaded: its hash matches, so it is
    // handed on (the image pipeline refuses to draw it).
    let malformed = victim_icon(MALFORMED_VICTIM);
    push("a malformed image (hash matches)", reply(&victim(2), &id(2), malformed));
    // A redirect flag and another id in the reply: the data is checked against what was asked.
    let other = Bytes::from_static(b"GIF89a some other icon");
    let body = Download2Reply {
        screen_name: victim(3),
        query: id(3),
        code: bart::code::SUCCESS,
        reply: BartId { flags: bart::flags::REDIRECT, ..BartId::icon_of(&other) },
        data: other,
    };
    push("a 10/07 redirected to another icon", snac(&SnacBody::BartDownload2Reply(body), 1));
    let mut b = BytesMut::new();
    let tlvs = TlvBlock::new()
        .with_u16(0x000D, bart::FAMILY)
        .with(0x0005, "127.0.0.1:9")
        .with(0x0006, &b"bart-again"[..]);
    tlvs.write_rest(&mut b).expect("tlvs");
    push("an unrequested 01/05 redirect on the BART connection", raw_snac(1, 5, 1, &b));
    // Malformed replies.
    let mut b = BytesMut::new();
    b.put_u8(8);
    b.put_slice(victim(5).as_bytes());
    b.put_slice(&[0, 1, 1, 16, 1, 2, 3]);
    push("a 10/07 cut inside its hash", raw_snac(0x10, 7, 1, &b));
    let mut b = BytesMut::new();
    DownloadReply { screen_name: victim(6), id: id(6), data: Bytes::new() }
        .encode(&mut b)
        .expect("reply");
    let len = b.len();
    b[len - 2..].copy_from_slice(&[0xFF, 0xFF]);
    b.put_slice(b"short");
    push("a 10/05 whose data length runs past the end", raw_snac(0x10, 5, 1, &b));
    let body = Download2Reply {
        screen_name: victim(7),
        query: id(7),
        code: bart::code::NOT_FOUND,
        reply: id(7),
        data: victim_icon(7),
    };
    push("a 10/07 \"not found\" carrying data", snac(&SnacBody::BartDownload2Reply(body), 1));
    let stray = BartId::icon_of(b"never asked");
    push("an icon nobody asked for", reply(&victim(8), &stray, Bytes::from_static(b"never asked")));
    let up = UploadReply { code: 0, id: BartId::icon_of(b"x") };
    push("an unrequested 10/03 upload reply", snac(&SnacBody::BartUploadReply(up), SERVER_ID));
    v
}

/// What the session made of the BART script ([`play_bart`]).
#[derive(Debug, Default)]
pub struct BartRun {
    /// Per attack, the events it caused (the marker's icon left out).
    pub per_attack: Vec<Vec<Event>>,
    /// The attack indexes whose marker icon arrived, in order.
    pub markers: Vec<usize>,
    /// Whether the BART connection decided to close.
    pub closed: bool,
    /// Framing errors of the client's codec.
    pub codec_errors: Vec<String>,
    /// Service orders the main session gave that open a connection, beyond the first BART one.
    pub extra_opens: usize,
    /// Frames the BART connection wrote besides 10/06 downloads, our upload and its sign-on.
    pub unexpected_writes: Vec<(u16, u16)>,
    /// Whether our own upload (10/02) went out after the attacks.
    pub upload_written: bool,
}

/// Signs a session core on (answering its flight), with icons wanted.
pub(super) fn signed_on_session() -> SessionState {
    let mut s = SessionState::new(ScreenName::from_wire(OWN)).with_buddy_icons(true);
    s.connection_started(0, super::COOKIE);
    let flight = s.take_output();
    for f in flight.frames.iter().filter(|f| f.channel == Channel::Data) {
        let Ok((h, body)) = decode_snac_payload(&f.payload) else { continue };
        let answer = match body {
            SnacBody::RateParamsQuery => SnacBody::RateParamsReply(aol_rate_params()),
            SnacBody::FeedbagQuery => {
                SnacBody::FeedbagReply(FeedbagReply { version: 0, items: vec![], last_modified: 1 })
            }
            _ => continue,
        };
        s.handle_frame(1, data_flap(&answer, h.request_id));
    }
    s.take_output();
    s
}

fn data_flap(body: &SnacBody, request_id: u32) -> Flap {
    let payload = flapjack_proto::oscar::encode_snac(body, request_id, 0).expect("encodes");
    Flap { channel: Channel::Data, sequence: 0, payload }
}

fn arrive(s: &mut SessionState, name: &str, icon: &Bytes) {
    let mut info = UserInfo::new(name);
    info.set_bart_ids(&[BartId::icon_of(icon)]).expect("ids");
    s.handle_frame(
        2,
        data_flap(&SnacBody::BuddyArrived(BuddyPresence { users: vec![info] }), SERVER_ID),
    );
}

/// Carries the session's orders and the BART connection's output back and forth as the actor
/// would (no disk cache, one BART connection) until neither has anything left.
fn pump(
    s: &mut SessionState,
    conn: &mut ServiceConnection,
    now: u64,
    run: &mut BartRun,
    events: &mut Vec<Event>,
    opened: &mut bool,
) {
    loop {
        let mut progress = false;
        let out = s.take_output();
        events.extend(out.events);
        for f in out.frames.iter().filter(|f| f.channel == Channel::Data) {
            let Ok((h, SnacBody::ServiceRequest(r))) = decode_snac_payload(&f.payload) else {
                continue;
            };
            if r.family == bart::FAMILY {
                let redirect = ServiceRedirect::new(bart::FAMILY, "127.0.0.1:5190", b"bart");
                s.handle_frame(now, data_flap(&SnacBody::ServiceRedirect(redirect), h.request_id));
                progress = true;
            }
        }
        for order in out.services {
            progress = true;
            match order {
                ServiceOrder::Open { kind: ServiceKind::Bart, .. } if !*opened => {
                    *opened = true;
                    conn.connection_started(now, b"bart");
                    s.bart_opened(now);
                }
                ServiceOrder::Open { .. } => run.extra_opens += 1,
                ServiceOrder::LookUpIcon { id } => s.icon_lookup(now, id, None),
                ServiceOrder::FetchIcons { name, ids } => conn.fetch_icons(now, &name, ids),
                ServiceOrder::UploadIcon(data) => conn.upload_icon(now, data),
                _ => {}
            }
        }
        let out = conn.take_output();
        for f in out.frames.iter().filter(|f| f.channel == Channel::Data) {
            if let Ok((h, _)) = decode_snac_payload(&f.payload) {
                match (h.family, h.subtype) {
                    (0x10, 0x06) | (0x01, _) => {}
                    (0x10, 0x02) => run.upload_written = true,
                    other => run.unexpected_writes.push(other),
                }
            }
        }
        run.closed |= out.close;
        progress |= !out.icons.is_empty() || !out.uploads.is_empty();
        s.icons_received(out.icons);
        for r in out.uploads {
            s.icon_uploaded(now, r);
        }
        if !progress {
            return;
        }
    }
}

/// Plays `attacks` (from [`bart_script`]) as the BART service: the session core asks for the
/// victims' and marker buddies' icons, the BART connection's core is opened as the actor
/// opens it, and after each attack the marker buddy's real icon is sent.
pub fn play_bart(attacks: &[Attack]) -> BartRun {
    let mut run = BartRun::default();
    let mut s = signed_on_session();
    let mut conn = ServiceConnection::new(ServiceKind::Bart, "BART", 9);
    let mut wire = super::FrameFeed::default();
    let mut opened = false;
    let mut events: Vec<Event> = Vec::new();
    // The BART connection's sign-on is answered as the embedded server answers it.
    for (i, _) in attacks.iter().enumerate() {
        arrive(&mut s, &victim(i), &victim_icon(i));
        arrive(&mut s, &marker_buddy(i), &marker_icon(i));
    }
    pump(&mut s, &mut conn, 3, &mut run, &mut events, &mut opened);
    let rates = snac(&SnacBody::RateParamsReply(aol_rate_params()), 2);
    let mut feed = |bytes: &[u8],
                    now: u64,
                    s: &mut SessionState,
                    conn: &mut ServiceConnection,
                    run: &mut BartRun,
                    events: &mut Vec<Event>,
                    opened: &mut bool| {
        wire.push(bytes);
        while let Some(flap) = wire.next_frame(&mut run.codec_errors) {
            conn.handle_frame(now, flap);
            // Hand over what each frame produced before the next.
            pump(s, conn, now, run, events, opened);
        }
        pump(s, conn, now, run, events, opened);
    };
    feed(&rates, 4, &mut s, &mut conn, &mut run, &mut events, &mut opened);
    events.clear();
    for (i, attack) in attacks.iter().enumerate() {
        let now = 10 + 10 * i as u64;
        feed(&attack.bytes, now, &mut s, &mut conn, &mut run, &mut events, &mut opened);
        let marker = reply(&marker_buddy(i), &BartId::icon_of(&marker_icon(i)), marker_icon(i));
        feed(&marker, now + 5, &mut s, &mut conn, &mut run, &mut events, &mut opened);
        let mut caused = Vec::new();
        for e in events.drain(..) {
            match &e {
                Event::BuddyIcon { name, data, .. }
                    if name.as_str() == marker_buddy(i) && *data == marker_icon(i) =>
                {
                    run.markers.push(i)
                }
                _ => caused.push(e),
            }
        }
        run.per_attack.push(caused);
    }
    // Our own upload still works after all that: nothing is left half-done.
    s.handle_command(1_000, Command::SetIcon(Some(Bytes::from_static(b"GIF89a mine"))));
    pump(&mut s, &mut conn, 1_000, &mut run, &mut events, &mut opened);
    run
}
