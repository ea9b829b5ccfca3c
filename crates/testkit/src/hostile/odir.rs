//! Directory attacks (issue 16, items 3 and 6): a hostile directory service (§16) against the
//! session core and the directory connection's core, wired as the actor wires them. Each
//! attack answers a search the client made (a "victim" search, its request id patched in) and
//! is followed by a marker: a valid answer to a second search. Nothing may crash or stall
//! (every victim search gets exactly one answer, every marker arrives), and no answer keeps
//! more than [`MAX_DIRECTORY_HITS`] people.

use flapjack_client::session::room::{ServiceConnection, ServiceKind, MAX_DIRECTORY_HITS};
use flapjack_client::session::state::{ServiceOrder, SessionState};
use flapjack_client::session::{Command, DirectoryOutcome, DirectoryQuery, Event};
use flapjack_proto::oscar::odir::{self, status, tlv, DirectoryUser, InfoReply};
use flapjack_proto::oscar::oservice::ServiceRedirect;
use flapjack_proto::oscar::rate::aol_rate_params;
use flapjack_proto::oscar::{decode_snac_payload, Channel, Flap, SnacBody, TlvBlock};

use super::{raw_snac, snac, Attack, Level, EVIL_NAME, NASTY, SERVER_ID};

/// The request id the script writes where the victim search's id goes; the player patches it.
pub const TARGET: u32 = 0x0F0F_0F0F;
/// How many result blocks the "100,000 blocks" attack sends in all (in four 0F/03s: one SNAC
/// holds at most 65,535 blocks in its count and about 32,000 in a frame).
pub const FLOOD_BLOCKS: usize = 100_000;

/// The victim search of attack `i`.
pub fn victim(i: usize) -> DirectoryQuery {
    DirectoryQuery::Interest(format!("victim{i:02}"))
}

/// The marker search after attack `i`.
pub fn marker(i: usize) -> DirectoryQuery {
    DirectoryQuery::Interest(format!("marker{i:02}"))
}

/// The one person a marker answer lists.
pub fn marker_user(i: usize) -> DirectoryUser {
    DirectoryUser { screen_name: format!("friend{i:02}"), ..DirectoryUser::default() }
}

fn reply(body: &[u8], request_id: u32) -> Vec<u8> {
    raw_snac(odir::FAMILY, odir::subtype::INFO_REPLY, request_id, body)
}

/// What each attack must come to for its victim search: the outcome and at most how many
/// people (`None`: the attack's own reply decides nothing, the valid one after it does).
pub fn expected() -> Vec<(DirectoryOutcome, usize)> {
    vec![
        (DirectoryOutcome::Found, MAX_DIRECTORY_HITS),
        (DirectoryOutcome::Failed, 0),
        (DirectoryOutcome::Failed, 0),
        (DirectoryOutcome::Failed, 0),
        (DirectoryOutcome::Failed, 0),
        (DirectoryOutcome::Found, 1),
        (DirectoryOutcome::Found, 2),
        (DirectoryOutcome::Failed, 1),
        (DirectoryOutcome::Failed, 0),
        (DirectoryOutcome::Found, 1),
    ]
}

/// The attacks, each aimed at the victim search `i` (its request id is [`TARGET`]).
pub fn directory_script() -> Vec<Attack> {
    let mut v = Vec::new();
    let mut push = |name: &'static str, bytes: Vec<u8>| {
        v.push(Attack { name, level: Level::Snac, bytes, close: false });
    };
    // 100,000 empty result blocks in four answers of 25,000: the first answers the search
    // (500 kept), the other three answer nobody.
    let per = FLOOD_BLOCKS / 4;
    let mut flood_body = vec![0, 5, 0, 0];
    flood_body.extend_from_slice(&u16::try_from(per).unwrap_or(u16::MAX).to_be_bytes());
    flood_body.extend(std::iter::repeat_n(0u8, 2 * per));
    let flood: Vec<u8> = (0..4).flat_map(|_| reply(&flood_body, TARGET)).collect();
    push("100,000 result blocks in four 0F/03", flood);
    push(
        "a count of 65,535 blocks with 3 present",
        reply(&[0, 5, 0, 0, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0], TARGET),
    );
    let cut = [0, 5, 0, 0, 0, 1, 0, 1, 0, tlv::SCREEN_NAME as u8, 0, 40, b'e', b'v'];
    push("a result block cut inside its TLV", reply(&cut, TARGET));
    push("a 0F/03 cut inside its status", reply(&[0, 5, 0], TARGET));
    push("an opaque field longer than the body", reply(&[0, 5, 0xFF, 0xFF, 1, 2, 3], TARGET));
    // Stray answers (another id, a server-initiated one, an unrequested keyword list whose
    // count lies), then the real one.
    let one = InfoReply::new(
        status::OK,
        &[DirectoryUser { screen_name: "real".into(), ..Default::default() }],
    );
    let mut stray = snac(&SnacBody::DirInfoReply(one.clone()), 0x7777);
    stray.extend(snac(&SnacBody::DirInfoReply(one.clone()), SERVER_ID));
    stray.extend(raw_snac(
        odir::FAMILY,
        odir::subtype::KEYWORD_LIST_REPLY,
        SERVER_ID,
        &[0, 1, 0xFF, 0xFF, 2],
    ));
    stray.extend(snac(&SnacBody::DirInfoReply(one), TARGET));
    push("answers nobody asked for, then the real one", stray);
    // Terminal controls in every field of two people.
    let evil = |name: &str| {
        let mut b = TlvBlock::new();
        for kind in
            [tlv::FIRST_NAME, tlv::LAST_NAME, tlv::CITY, tlv::STATE, tlv::COUNTRY, tlv::EMAIL]
        {
            b.push(kind, NASTY.as_bytes().to_vec());
        }
        b.push(tlv::SCREEN_NAME, name.as_bytes().to_vec());
        b
    };
    let hostile = InfoReply {
        status: status::OK,
        extra: Default::default(),
        results: vec![evil(EVIL_NAME), evil(NASTY)],
    };
    push("terminal controls in every field", snac(&SnacBody::DirInfoReply(hostile), TARGET));
    let odd = InfoReply { status: 0x7A7A, ..InfoReply::new(0, &[DirectoryUser::default()]) };
    push("an unknown status word", snac(&SnacBody::DirInfoReply(odd), TARGET));
    push("an error SNAC for the search", raw_snac(odir::FAMILY, 0x01, TARGET, &[0, 0x0D]));
    // Invalid UTF-8 and a screen name that is not one: shown replaced, not added.
    let mut b = TlvBlock::new();
    b.push(tlv::SCREEN_NAME, vec![0xFF, 0xFE, b' ', 0xC0]);
    b.push(tlv::FIRST_NAME, vec![0xED, 0xA0, 0x80]);
    let bad = InfoReply { status: status::OK, extra: Default::default(), results: vec![b] };
    push("invalid UTF-8 in a result", snac(&SnacBody::DirInfoReply(bad), TARGET));
    v
}

/// Rewrites the request id of every SNAC in `bytes` that carries [`TARGET`] to `id`.
fn patched(bytes: &[u8], id: u32) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let mut at = 0;
    while at + 6 <= out.len() {
        let len = usize::from(u16::from_be_bytes([out[at + 4], out[at + 5]]));
        let rid = at + 6 + 6;
        if out[at + 1] == 2 && rid + 4 <= out.len() && out[rid..rid + 4] == TARGET.to_be_bytes() {
            out[rid..rid + 4].copy_from_slice(&id.to_be_bytes());
        }
        at += 6 + len;
    }
    out
}

/// What the session made of the directory script ([`play_directory`]).
#[derive(Debug, Default)]
pub struct DirectoryRun {
    /// Per attack, the directory answers its victim search got: (outcome, people).
    pub victims: Vec<Vec<(DirectoryOutcome, usize)>>,
    /// Per attack, every event it caused (the marker's answer left out).
    pub per_attack: Vec<Vec<Event>>,
    /// The attack indexes whose marker answer arrived, in order.
    pub markers: Vec<usize>,
    /// Whether the directory connection decided to close.
    pub closed: bool,
    /// Framing errors of the client's codec.
    pub codec_errors: Vec<String>,
    /// Connections opened beyond the first directory connection.
    pub extra_opens: usize,
}

struct Wiring {
    s: SessionState,
    conn: ServiceConnection,
    opened: bool,
    events: Vec<Event>,
    /// Request ids of the 0F/02s written, in order.
    searches: Vec<u32>,
    run: DirectoryRun,
}

impl Wiring {
    /// Carries orders and output between the session core and the directory core as the actor
    /// does, until neither has anything left.
    fn pump(&mut self, now: u64) {
        loop {
            let mut progress = false;
            let out = self.s.take_output();
            self.events.extend(out.events);
            for f in out.frames.iter().filter(|f| f.channel == Channel::Data) {
                if let Ok((h, SnacBody::ServiceRequest(r))) = decode_snac_payload(&f.payload) {
                    if r.family == odir::FAMILY {
                        let redirect = ServiceRedirect::new(odir::FAMILY, "127.0.0.1:5190", b"dir");
                        let body = SnacBody::ServiceRedirect(redirect);
                        let payload = flapjack_proto::oscar::encode_snac(&body, h.request_id, 0)
                            .expect("encodes");
                        self.s.handle_frame(
                            now,
                            Flap { channel: Channel::Data, sequence: 0, payload },
                        );
                        progress = true;
                    }
                }
            }
            for order in out.services {
                progress = true;
                match order {
                    ServiceOrder::Open { kind: ServiceKind::Directory, .. } if !self.opened => {
                        self.opened = true;
                        self.conn.connection_started(now, b"dir");
                        self.s.directory_opened();
                    }
                    ServiceOrder::Open { .. } => self.run.extra_opens += 1,
                    ServiceOrder::SearchDirectory(q) => self.conn.search_directory(now, q),
                    _ => {}
                }
            }
            let out = self.conn.take_output();
            for f in out.frames.iter().filter(|f| f.channel == Channel::Data) {
                if let Ok((h, SnacBody::DirInfoQuery(_))) = decode_snac_payload(&f.payload) {
                    self.searches.push(h.request_id);
                }
            }
            self.run.closed |= out.close;
            progress |= !out.directory.is_empty();
            self.s.directory_answered(out.directory);
            if !progress {
                return;
            }
        }
    }
}

/// Plays `attacks` (from [`directory_script`]) as the directory service: for each, the
/// session core searches (the victim), the attack answers that search, then a second search
/// (the marker) gets a valid answer.
pub fn play_directory(attacks: &[Attack]) -> DirectoryRun {
    let mut w = Wiring {
        s: super::bart::signed_on_session(),
        conn: ServiceConnection::new(ServiceKind::Directory, "directory", 9),
        opened: false,
        events: Vec::new(),
        searches: Vec::new(),
        run: DirectoryRun::default(),
    };
    let mut wire = super::FrameFeed::default();
    let mut feed = |w: &mut Wiring, bytes: &[u8], now: u64| {
        wire.push(bytes);
        while let Some(flap) = wire.next_frame(&mut w.run.codec_errors) {
            w.conn.handle_frame(now, flap);
            w.pump(now);
        }
        w.pump(now);
    };
    let rates = snac(&SnacBody::RateParamsReply(aol_rate_params()), 2);
    for (i, attack) in attacks.iter().enumerate() {
        let now = 10 + 10 * i as u64;
        w.s.handle_command(now, Command::SearchDirectory(victim(i)));
        w.pump(now);
        if i == 0 {
            feed(&mut w, &rates, now);
        }
        let Some(&id) = w.searches.last() else { break };
        feed(&mut w, &patched(&attack.bytes, id), now);
        w.s.handle_command(now + 1, Command::SearchDirectory(marker(i)));
        w.pump(now + 1);
        let Some(&marker_id) = w.searches.last() else { break };
        let answer = InfoReply::new(status::OK, &[marker_user(i)]);
        feed(&mut w, &snac(&SnacBody::DirInfoReply(answer), marker_id), now + 2);
        let mut caused = Vec::new();
        let mut victims = Vec::new();
        for e in w.events.drain(..) {
            match &e {
                Event::DirectoryResults { query, outcome, users } if *query == marker(i) => {
                    if *outcome == DirectoryOutcome::Found && users == &[marker_user(i)] {
                        w.run.markers.push(i);
                    }
                    continue;
                }
                Event::DirectoryResults { query, outcome, users } if *query == victim(i) => {
                    victims.push((*outcome, users.len()));
                }
                _ => {}
            }
            caused.push(e);
        }
        w.run.victims.push(victims);
        w.run.per_attack.push(caused);
    }
    w.run
}
