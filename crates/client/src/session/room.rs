//! The sans-IO core of one service connection (docs/protocol.md §13, §15, §16): ChatNav, one
//! chat room, BART (buddy icons) or the AIM directory ([`directory`]). Like the BOS core it takes frames, time and commands and gives back frames to write,
//! events and a close decision; no socket or timer is touched here.
//!
//! A service connection signs on as BOS does, pipelined: the hello with the 01/05 cookie,
//! 01/17, 01/06 and 01/02 go out in one write, so joining a room whose reference is known costs
//! one round trip after the 01/05 (the server's 01/03, 01/18, 01/07 and the room's 0E/03 and
//! 0E/02 come back together). The rate classes of 01/07 then pace what it sends, and a
//! keepalive goes out after a minute of silence.

mod directory;

use std::collections::{HashSet, VecDeque};

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};

use bytes::Bytes;

use crate::oscar::bart::{self, BartId, Download2Query, UploadQuery};
use crate::oscar::chat::{ChatMessage, ChatText, Occupants, RoomInfo, RoomRef};
use crate::oscar::chatnav::NavInfo;
use crate::oscar::oservice::RateAck;
use crate::oscar::{
    chat, chatnav, decode_snac_payload, odir, snac_flap, Channel, Flap, OutFlap, RateTable,
    SnacBody,
};
use crate::screenname::ScreenName;

/// The most occupants a room's list keeps: far beyond any real room (AOL's held a few
/// dozen), so a server inventing names cannot grow our memory without bound.
pub const MAX_OCCUPANTS: usize = 20_000;
use crate::text::html::{from_plain, to_plain};

use super::api::RoomEvent;
use super::bos_core;
use super::state::{default_rate_table, rate_margin, KEEPALIVE_MS, SIGNON_TIMEOUT_MS};
pub use directory::{DirectoryAnswer, KeywordAnswer, MAX_DIRECTORY_HITS, MAX_KEYWORDS};

/// What a service connection is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceKind {
    /// Chat navigation: turns room names into room references.
    ChatNav,
    /// One chat room.
    Room(RoomRef),
    /// BART: buddy icons down and up (§15).
    Bart,
    /// The AIM directory (ODir, §16).
    Directory,
}

impl ServiceKind {
    fn family(&self) -> u16 {
        match self {
            ServiceKind::ChatNav => chatnav::FAMILY,
            ServiceKind::Room(_) => chat::FAMILY,
            ServiceKind::Bart => bart::FAMILY,
            ServiceKind::Directory => odir::FAMILY,
        }
    }
}

/// One answer to an icon download (10/07, or 10/05), matched by the hash asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IconReply {
    /// The hash asked for (the reply's own id may differ: a redirect).
    pub hash: Bytes,
    /// Whether the server had it (10/07 code 0).
    pub found: bool,
    /// The data, unchecked.
    pub data: Bytes,
}

/// What one step produced, drained by [`ServiceConnection::take_output`].
#[derive(Debug, Default, PartialEq)]
pub struct ServiceOutput {
    /// Frames to write, in order.
    pub frames: Vec<OutFlap>,
    /// Room events for the front end.
    pub events: Vec<RoomEvent>,
    /// Rooms ChatNav found or created (0D/09), for the main session to join.
    pub rooms_found: Vec<RoomInfo>,
    /// ChatNav refused to find or create a room (the request's name, the error code).
    pub nav_refused: Vec<(String, u16)>,
    /// The connection must close (the server said so, or the sign-on timed out).
    pub close: bool,
    /// How many of our room messages (0E/05) are among `frames`: once those are written, they
    /// are sent (rooms have no per-message acknowledgement, §13.3).
    pub messages_sent: usize,
    /// BART: answers to our icon downloads.
    pub icons: Vec<IconReply>,
    /// BART: what our uploads came to (the stored id, or 10/03's or 10/01's code).
    pub uploads: Vec<Result<BartId, u16>>,
    /// Directory: answers to our searches.
    pub directory: Vec<DirectoryAnswer>,
    /// Directory: answers to our keyword-list requests.
    pub keywords: Vec<KeywordAnswer>,
}

/// One ChatNav or room connection's protocol state.
pub struct ServiceConnection {
    kind: ServiceKind,
    /// The room's name once 0E/02 told it (the request's name until then).
    name: String,
    rng: StdRng,
    next_request: u32,
    rates: RateTable,
    queue: VecDeque<SnacBody>,
    queue_deadline: Option<u64>,
    last_send: u64,
    signon_deadline: Option<u64>,
    joined: bool,
    occupants: Vec<ScreenName>,
    /// The same names, for membership checks that stay cheap under a flood of joins.
    present: HashSet<ScreenName>,
    /// 0D/08 requests in flight: request id → the name asked for.
    nav_requests: Vec<(u32, String)>,
    /// BART: request ids of our 10/02s awaiting their 10/03.
    uploads: Vec<u32>,
    /// Directory: searches queued and written.
    searches: directory::Searches,
    out: ServiceOutput,
}

impl std::fmt::Debug for ServiceConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceConnection")
            .field("kind", &self.kind)
            .field("joined", &self.joined)
            .finish_non_exhaustive()
    }
}

impl ServiceConnection {
    /// A connection for `kind`; `name` is the room's name as the user asked for it.
    pub fn new(kind: ServiceKind, name: impl Into<String>, seed: u64) -> Self {
        ServiceConnection {
            kind,
            name: name.into(),
            rng: StdRng::seed_from_u64(seed),
            next_request: 1,
            rates: default_rate_table(0),
            queue: VecDeque::new(),
            queue_deadline: None,
            last_send: 0,
            signon_deadline: None,
            joined: false,
            occupants: Vec::new(),
            present: HashSet::new(),
            nav_requests: Vec::new(),
            uploads: Vec::new(),
            searches: directory::Searches::default(),
            out: ServiceOutput::default(),
        }
    }

    /// What this connection is for.
    pub fn kind(&self) -> &ServiceKind {
        &self.kind
    }

    /// The room's name (the server's spelling once joined).
    pub fn name(&self) -> &str {
        &self.name
    }

    fn is_room(&self) -> bool {
        matches!(self.kind, ServiceKind::Room(_))
    }

    /// Whether the room has been joined (0E/03 with the occupants arrived).
    pub fn is_joined(&self) -> bool {
        self.joined
    }

    /// Drains what the last calls produced.
    pub fn take_output(&mut self) -> ServiceOutput {
        std::mem::take(&mut self.out)
    }

    /// When [`ServiceConnection::handle_timer`] must next run.
    pub fn next_deadline(&self) -> Option<u64> {
        let keepalive = self.last_send.saturating_add(KEEPALIVE_MS);
        [Some(keepalive), self.queue_deadline, self.signon_deadline].into_iter().flatten().min()
    }

    /// The connection is up: writes the hello with `cookie` and the whole sign-on in one go.
    pub fn connection_started(&mut self, now: u64, cookie: &[u8]) {
        self.rates = default_rate_table(now);
        self.joined = false;
        self.signon_deadline = Some(now.saturating_add(SIGNON_TIMEOUT_MS));
        match bos_core::hello(cookie) {
            Ok(hello) => self.out.frames.push(hello),
            Err(e) => {
                tracing::warn!("cannot encode a service hello: {e}");
                self.out.close = true;
                return;
            }
        }
        let (versions, ready) = bos_core::negotiation(&[(0x0001, 3), (self.kind.family(), 1)]);
        let mut flight = vec![versions, SnacBody::RateParamsQuery, ready];
        if self.kind == ServiceKind::ChatNav {
            // Classic clients ask for the limits first; the answer names the exchanges.
            flight.push(SnacBody::ChatNavRightsQuery);
        }
        let waiting: Vec<SnacBody> = self.queue.drain(..).collect();
        self.queue = flight.into_iter().chain(waiting).collect();
        self.flush(now);
    }

    fn request_id(&mut self) -> u32 {
        let id = self.next_request;
        self.next_request = if id >= 0x7FFF_FFFF { 1 } else { id + 1 };
        id
    }

    fn flush(&mut self, now: u64) {
        self.queue_deadline = None;
        while let Some(body) = self.queue.front() {
            let (family, subtype) = body.id();
            let class_id = self.rates.class_id_of(family, subtype);
            let delay = self.rates.class(class_id).map_or(0, |(class, state)| {
                state.delay_before_send(class, now, rate_margin(class))
            });
            if delay > 0 {
                self.queue_deadline = Some(now.saturating_add(delay));
                return;
            }
            let Some(body) = self.queue.pop_front() else { return };
            let written = self.write(now, &body);
            match (&body, written) {
                (SnacBody::RoomMessageToHost(_), Some(_)) => self.out.messages_sent += 1,
                (SnacBody::BartUpload(_), Some(id)) => self.uploads.push(id),
                (SnacBody::BartUpload(_), None) => self.out.uploads.push(Err(0)),
                (SnacBody::DirInfoQuery(_), id) => self.search_written(id),
                (SnacBody::DirKeywordListQuery, id) => self.keywords_written(id),
                _ => {}
            }
        }
    }

    fn write(&mut self, now: u64, body: &SnacBody) -> Option<u32> {
        let request_id = self.request_id();
        match snac_flap(body, request_id) {
            Ok(frame) => {
                let (family, subtype) = body.id();
                self.rates.record(family, subtype, now);
                self.out.frames.push(frame);
                self.last_send = now;
                Some(request_id)
            }
            Err(e) => {
                tracing::warn!("cannot encode {}: {e}", body.name());
                None
            }
        }
    }

    /// ChatNav: asks for the room `name` on `exchange` (0D/08 creates it on exchange 4).
    pub fn find_room(&mut self, now: u64, exchange: u16, name: &str) {
        let body = SnacBody::CreateRoom(RoomInfo::create(exchange, name));
        // Written at once (not queued) so the answer can be matched by its request id.
        if let Some(id) = self.write(now, &body) {
            self.nav_requests.push((id, name.to_string()));
        }
    }

    /// Room: sends `text` (plain; turned into HTML here). Returns false when it cannot be
    /// encoded (too long for one SNAC); then a [`RoomEvent::NotSent`] is among the events.
    pub fn send(&mut self, now: u64, text: &str) -> bool {
        let chat_text =
            ChatText::from_text(&format!("<HTML><BODY>{}</BODY></HTML>", from_plain(text)));
        match ChatMessage::to_room(self.rng.random(), &chat_text, false) {
            Ok(m) => {
                self.queue.push_back(SnacBody::RoomMessageToHost(m));
                self.flush(now);
                true
            }
            Err(e) => {
                tracing::info!("a room message cannot be encoded: {e}");
                self.out.events.push(RoomEvent::NotSent { room: self.name.clone() });
                false
            }
        }
    }

    /// BART: asks for `name`'s items `ids` (one 10/06; each comes back in its own 10/07).
    pub fn fetch_icons(&mut self, now: u64, name: &str, ids: Vec<BartId>) {
        let body = Download2Query { screen_name: name.to_string(), ids };
        self.queue.push_back(SnacBody::BartDownload2(body));
        self.flush(now);
    }

    /// BART: uploads our icon (10/02); the 10/03 comes back in [`ServiceOutput::uploads`].
    pub fn upload_icon(&mut self, now: u64, data: Bytes) {
        self.queue.push_back(SnacBody::BartUpload(UploadQuery { kind: bart::kind::ICON, data }));
        self.flush(now);
    }

    /// Leaves: a channel-4 close; the server tells the others.
    pub fn leave(&mut self) {
        self.out.frames.push(OutFlap { channel: Channel::SignOff, payload: Default::default() });
        self.out.close = true;
    }

    /// Runs what is due: queued SNACs, the keepalive, the sign-on timeout.
    pub fn handle_timer(&mut self, now: u64) {
        if self.signon_deadline.is_some_and(|d| now >= d) {
            self.signon_deadline = None;
            tracing::info!("{}: the service connection did not sign on in time", self.name);
            self.out.close = true;
            return;
        }
        self.flush(now);
        if now >= self.last_send.saturating_add(KEEPALIVE_MS) {
            self.out.frames.push(OutFlap::keepalive());
            self.last_send = now;
        }
    }

    /// Handles one inbound frame.
    pub fn handle_frame(&mut self, now: u64, flap: Flap) {
        match flap.channel {
            Channel::Data => match decode_snac_payload(&flap.payload) {
                Ok((header, body)) => self.handle_snac(now, header.request_id, body),
                Err(e) => {
                    tracing::warn!("{}: skipping a SNAC that does not decode: {e}", self.name);
                    self.undecodable(&flap.payload);
                }
            },
            Channel::SignOff | Channel::Error => self.out.close = true,
            Channel::SignOn | Channel::KeepAlive => {}
        }
        self.flush(now);
    }

    fn handle_snac(&mut self, now: u64, request_id: u32, body: SnacBody) {
        use SnacBody as B;
        match body {
            B::RateParamsReply(reply) => {
                self.rates = RateTable::new(&reply, now);
                let class_ids = reply.classes.iter().map(|c| c.id).collect();
                self.write(now, &SnacBody::RateAck(RateAck { class_ids }));
                if matches!(
                    self.kind,
                    ServiceKind::ChatNav | ServiceKind::Bart | ServiceKind::Directory
                ) {
                    self.signon_deadline = None;
                }
            }
            B::RateChange(change) => {
                if self.rates.class(change.class.id).is_some() {
                    self.rates.apply_change(&change, now);
                }
            }
            // Only ChatNav finds rooms; a room connection never asked it to.
            B::NavInfo(nav) if self.kind == ServiceKind::ChatNav => self.nav_info(request_id, &nav),
            // Only a room connection has a room: ChatNav or BART never joined one.
            B::UsersJoined(o) if self.is_room() => self.users_joined(&o),
            B::UsersLeft(o) if self.is_room() => self.users_left(&o),
            B::RoomInfoUpdate(info) if self.is_room() => {
                if let Some(name) = info.name().filter(|n| !n.trim().is_empty()) {
                    self.name = name;
                }
            }
            B::RoomMessage(m) if self.is_room() => self.room_message(&m),
            B::BartDownload2Reply(r) if self.kind == ServiceKind::Bart => {
                let found = r.code == bart::code::SUCCESS;
                self.out.icons.push(IconReply { hash: r.query.hash, found, data: r.data });
            }
            B::BartDownloadReply(r) if self.kind == ServiceKind::Bart => {
                self.out.icons.push(IconReply { hash: r.id.hash, found: true, data: r.data });
            }
            B::BartUploadReply(r) if self.kind == ServiceKind::Bart => {
                let Some(pos) = self.uploads.iter().position(|id| *id == request_id) else {
                    tracing::info!("BART: ignoring an upload reply nobody asked for");
                    return;
                };
                self.uploads.remove(pos);
                let result =
                    if r.code == bart::code::SUCCESS { Ok(r.id) } else { Err(u16::from(r.code)) };
                self.out.uploads.push(result);
            }
            B::DirInfoReply(r) if self.kind == ServiceKind::Directory => {
                self.dir_info_reply(request_id, &r)
            }
            B::DirKeywordListReply(r) if self.kind == ServiceKind::Directory => {
                self.dir_keyword_list_reply(request_id, r)
            }
            B::Error { family, error } => {
                if self.search_refused(request_id) {
                    tracing::info!("directory: the server refused a search: {error}");
                } else if let Some(pos) = self.uploads.iter().position(|id| *id == request_id) {
                    self.uploads.remove(pos);
                    self.out.uploads.push(Err(error.code.into()));
                } else if let Some(pos) =
                    self.nav_requests.iter().position(|(id, _)| *id == request_id)
                {
                    let (_, name) = self.nav_requests.remove(pos);
                    self.out.nav_refused.push((name, error.code.into()));
                } else {
                    tracing::info!("{}: server error in family {family:02X}: {error}", self.name);
                }
            }
            other => tracing::trace!("{}: {} noted", self.name, other.name()),
        }
    }

    fn nav_info(&mut self, request_id: u32, nav: &NavInfo) {
        let asked = self.nav_requests.iter().position(|(id, _)| *id == request_id);
        for room in nav.rooms() {
            match room {
                Ok(r) => self.out.rooms_found.push(r),
                Err(e) => tracing::warn!("ChatNav sent a room that does not decode: {e}"),
            }
        }
        if let Some(pos) = asked {
            let (_, name) = self.nav_requests.remove(pos);
            if nav.rooms().next().is_none() {
                self.out.nav_refused.push((name, 0));
            }
        }
    }

    fn users_joined(&mut self, o: &Occupants) {
        let names: Vec<ScreenName> = o
            .users
            .iter()
            .map(|u| ScreenName::from_wire(&u.screen_name))
            .filter(|n| !n.normalized().is_empty())
            .collect();
        if !self.joined {
            // The first 0E/03 after 01/02 is everyone present, ourselves included.
            self.joined = true;
            self.signon_deadline = None;
            let mut present = HashSet::new();
            let occupants: Vec<ScreenName> = names
                .iter()
                .filter(|n| present.len() < MAX_OCCUPANTS && present.insert((*n).clone()))
                .cloned()
                .collect();
            (self.present, self.occupants) = (present, occupants.clone());
            self.out.events.push(RoomEvent::Joined { room: self.name.clone(), occupants });
            return;
        }
        let mut new = Vec::new();
        let mut full = false;
        for n in names {
            if self.present.contains(&n) {
                continue;
            }
            if self.present.len() >= MAX_OCCUPANTS {
                full = true;
                break;
            }
            self.present.insert(n.clone());
            new.push(n);
        }
        if full {
            tracing::warn!(
                "room {}: more than {MAX_OCCUPANTS} occupants; ignoring joins",
                self.name
            );
        }
        if new.is_empty() {
            return;
        }
        self.occupants.extend(new.iter().cloned());
        self.out.events.push(RoomEvent::OccupantsJoined { room: self.name.clone(), names: new });
    }

    fn users_left(&mut self, o: &Occupants) {
        let names: Vec<ScreenName> =
            o.users.iter().map(|u| ScreenName::from_wire(&u.screen_name)).collect();
        let gone: Vec<ScreenName> = names.into_iter().filter(|n| self.present.remove(n)).collect();
        if gone.is_empty() {
            return;
        }
        self.occupants.retain(|n| self.present.contains(n));
        self.out.events.push(RoomEvent::OccupantsLeft { room: self.name.clone(), names: gone });
    }

    fn room_message(&mut self, m: &ChatMessage) {
        let from = match m.sender() {
            Some(Ok(u)) => ScreenName::from_wire(&u.screen_name),
            _ => {
                tracing::info!("{}: skipping a room message without a sender", self.name);
                return;
            }
        };
        let text = match m.text() {
            Some(Ok(t)) => to_plain(&t.text()),
            _ => {
                tracing::info!("{}: skipping a room message without text", self.name);
                return;
            }
        };
        self.out.events.push(RoomEvent::Message { room: self.name.clone(), from, text });
    }

    /// Who is in the room, as far as this connection knows.
    pub fn occupants(&self) -> &[ScreenName] {
        &self.occupants
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::oscar::oservice::RateParamsReply;
    use crate::oscar::rate::aol_rate_params;
    use crate::oscar::userinfo::UserInfo;
    use crate::oscar::{decode_snac_payload, TlvBlock};

    /// A server frame carrying `body` under `request_id` (the directory's tests use it too).
    pub(in crate::session::room) fn data(body: SnacBody, request_id: u32) -> Flap {
        Flap {
            channel: Channel::Data,
            sequence: 0,
            payload: snac_flap(&body, request_id).unwrap().payload,
        }
    }

    fn sent(out: &ServiceOutput) -> Vec<SnacBody> {
        out.frames
            .iter()
            .filter(|f| f.channel == Channel::Data)
            .map(|f| decode_snac_payload(&f.payload).unwrap().1)
            .collect()
    }

    fn occupants(names: &[&str]) -> Occupants {
        Occupants { users: names.iter().map(|n| UserInfo::new(*n)).collect() }
    }

    fn room() -> RoomRef {
        RoomRef { exchange: 4, cookie: "4-0-Pals".into(), instance: 0 }
    }

    #[test]
    fn a_room_signs_on_in_one_flight_then_tracks_occupants_and_messages() {
        let mut c = ServiceConnection::new(ServiceKind::Room(room()), "pals", 1);
        c.connection_started(0, b"cookie");
        let out = c.take_output();
        assert_eq!(out.frames[0].channel, Channel::SignOn);
        let names: Vec<&str> = sent(&out).iter().map(SnacBody::name).collect();
        assert_eq!(names, ["ClientVersions", "RateParamsQuery", "ClientReady"]);
        // The answers arrive together: one round trip.
        c.handle_frame(5, data(SnacBody::RateParamsReply(aol_rate_params()), 2));
        c.handle_frame(5, data(SnacBody::UsersJoined(occupants(&["Bob", "me"])), 0x8000_0001));
        let mut info = RoomInfo::create(4, "Pals");
        info.room = room();
        c.handle_frame(5, data(SnacBody::RoomInfoUpdate(info), 0x8000_0002));
        c.handle_frame(6, data(SnacBody::UsersJoined(occupants(&["Carol"])), 0x8000_0003));
        c.handle_frame(7, data(SnacBody::UsersLeft(occupants(&["Bob", "Nobody"])), 0x8000_0004));
        let said = ChatMessage::to_room([1; 8], &ChatText::from_text("<b>hi</b> \u{1b}[2J"), false)
            .unwrap();
        let relayed = ChatMessage::relay(&said, &UserInfo::new("Carol")).unwrap();
        c.handle_frame(8, data(SnacBody::RoomMessage(relayed), 0x8000_0005));
        // A message without a sender or without text is skipped, not shown half-read.
        c.handle_frame(8, data(SnacBody::RoomMessage(said), 0x8000_0006));
        let bare = ChatMessage { cookie: [0; 8], channel: 3, tlvs: TlvBlock::new() };
        c.handle_frame(8, data(SnacBody::RoomMessage(bare), 0x8000_0007));
        let out = c.take_output();
        assert!(matches!(sent(&out).as_slice(), [SnacBody::RateAck(_)]));
        let sn = |s: &str| ScreenName::from_wire(s);
        assert_eq!(
            out.events,
            [
                RoomEvent::Joined { room: "pals".into(), occupants: vec![sn("Bob"), sn("me")] },
                RoomEvent::OccupantsJoined { room: "Pals".into(), names: vec![sn("Carol")] },
                RoomEvent::OccupantsLeft { room: "Pals".into(), names: vec![sn("Bob")] },
                RoomEvent::Message {
                    room: "Pals".into(),
                    from: sn("Carol"),
                    text: "hi \u{1b}[2J".into()
                },
            ]
        );
        assert_eq!(c.occupants(), [sn("me"), sn("Carol")]);
        // Sending: HTML-escaped, ASCII stays us-ascii, paced by the room's rate classes.
        assert!(c.send(9, "a < b"));
        let out = c.take_output();
        let got = sent(&out);
        let [SnacBody::RoomMessageToHost(m)] = got.as_slice() else { panic!("{got:?}") };
        assert!(!m.wants_reflection());
        assert_eq!(m.text().unwrap().unwrap().text(), "<HTML><BODY>a &lt; b</BODY></HTML>");
    }

    #[test]
    fn room_messages_wait_for_their_rate_class() {
        let mut c = ServiceConnection::new(ServiceKind::Room(room()), "pals", 1);
        c.connection_started(0, b"cookie");
        let mut tight: RateParamsReply = aol_rate_params();
        for class in &mut tight.classes {
            class.window = 2;
            class.current = class.alert + 1;
        }
        c.handle_frame(0, data(SnacBody::RateParamsReply(tight), 2));
        c.take_output();
        let mut written = 0;
        for _ in 0..20 {
            c.send(0, "x");
            written += sent(&c.take_output()).len();
        }
        assert!(written < 20, "the limiter held some back");
        assert!(c.next_deadline().is_some_and(|d| d > 0));
        let mut t = 0;
        while written < 20 && t < 1_000_000 {
            t = c.next_deadline().unwrap();
            c.handle_timer(t);
            written += sent(&c.take_output())
                .iter()
                .filter(|b| matches!(b, SnacBody::RoomMessageToHost(_)))
                .count();
        }
        assert_eq!(written, 20);
    }

    #[test]
    fn chatnav_asks_rights_then_finds_rooms_and_reports_refusals() {
        let mut c = ServiceConnection::new(ServiceKind::ChatNav, "", 1);
        c.connection_started(0, b"cookie");
        let names: Vec<&str> = sent(&c.take_output()).iter().map(SnacBody::name).collect();
        assert_eq!(names.last(), Some(&"ChatNavRightsQuery"));
        c.find_room(1, 4, "Pals");
        c.find_room(1, 5, "Nope");
        let out = c.take_output();
        let ids: Vec<u32> = out
            .frames
            .iter()
            .map(|f| decode_snac_payload(&f.payload).unwrap().0.request_id)
            .collect();
        let mut info = RoomInfo::create(4, "Pals");
        info.room = room();
        let nav = NavInfo {
            tlvs: TlvBlock::new().with(chatnav::tlv::ROOM_INFO, info.to_bytes().unwrap()),
        };
        c.handle_frame(2, data(SnacBody::NavInfo(nav), ids[0]));
        let error = crate::oscar::SnacError::new(crate::oscar::SnacErrorCode::NoMatch);
        c.handle_frame(2, data(SnacBody::Error { family: 0x0D, error }, ids[1]));
        let out = c.take_output();
        assert_eq!(out.rooms_found.len(), 1);
        assert_eq!(out.rooms_found[0].room, room());
        assert_eq!(out.nav_refused, [("Nope".to_string(), 0x14)]);
    }

    #[test]
    fn a_room_keeps_at_most_max_occupants() {
        let mut c = ServiceConnection::new(ServiceKind::Room(room()), "pals", 1);
        c.connection_started(0, b"cookie");
        c.handle_frame(1, data(SnacBody::UsersJoined(occupants(&["me"])), 1));
        c.take_output();
        let all: Vec<String> = (0..MAX_OCCUPANTS + 500).map(|i| format!("u{i}")).collect();
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        for chunk in all.chunks(1000) {
            c.handle_frame(2, data(SnacBody::UsersJoined(occupants(chunk)), 2));
        }
        assert_eq!(c.occupants().len(), MAX_OCCUPANTS);
        let joined: usize = c
            .take_output()
            .events
            .iter()
            .map(|e| match e {
                RoomEvent::OccupantsJoined { names, .. } => names.len(),
                _ => 0,
            })
            .sum();
        assert_eq!(joined, MAX_OCCUPANTS - 1, "one event per name kept, none for the rest");
        // Someone leaving makes room again.
        c.handle_frame(3, data(SnacBody::UsersLeft(occupants(&["u0"])), 3));
        c.handle_frame(4, data(SnacBody::UsersJoined(occupants(&["late"])), 4));
        assert!(c.occupants().contains(&ScreenName::from_wire("late")));
    }

    #[test]
    fn hostile_room_frames_are_skipped_and_a_join_flood_stays_cheap() {
        let mut c = ServiceConnection::new(ServiceKind::Room(room()), "pals", 1);
        c.connection_started(0, b"cookie");
        c.handle_frame(1, data(SnacBody::UsersJoined(occupants(&["me"])), 1));
        c.take_output();
        let raw = |subtype: u16, body: &[u8]| {
            let mut out = bytes::BytesMut::new();
            crate::oscar::SnacHeader::new(0x0E, subtype, 0x8000_0009).write(&mut out);
            out.extend_from_slice(body);
            Flap { channel: Channel::Data, sequence: 0, payload: out.freeze() }
        };
        // A 0E/06 cut inside its header, and one whose TLV runs past the end.
        c.handle_frame(2, raw(0x06, &[1, 2, 3]));
        c.handle_frame(2, raw(0x06, &[0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 5, 0, 0x40, b'x']));
        // An occupant list whose block claims more TLVs than it holds.
        c.handle_frame(2, raw(0x03, b"\x03eve\x00\x00\x00\x09\x00\x01"));
        let out = c.take_output();
        assert!(out.events.is_empty() && !out.close, "{out:?}");
        assert_eq!(c.occupants().len(), 1);
        // 10,000 joins, one SNAC each, then all of them again in big SNACs: one event per new
        // name, no repeats; then they all leave.
        for i in 0..10_000 {
            let name = format!("u{i}");
            c.handle_frame(3, data(SnacBody::UsersJoined(occupants(&[name.as_str()])), 2));
        }
        let all: Vec<String> = (0..10_000).map(|i| format!("u{i}")).collect();
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        for chunk in all.chunks(1000) {
            c.handle_frame(4, data(SnacBody::UsersJoined(occupants(chunk)), 3));
        }
        assert_eq!(c.take_output().events.len(), 10_000);
        assert_eq!(c.occupants().len(), 10_001);
        for chunk in all.chunks(1000) {
            c.handle_frame(5, data(SnacBody::UsersLeft(occupants(chunk)), 4));
        }
        assert_eq!(c.take_output().events.len(), 10);
        assert_eq!(c.occupants(), [ScreenName::from_wire("me")]);
    }

    #[test]
    fn bart_signs_on_in_one_flight_with_its_first_download_and_matches_answers() {
        use crate::oscar::bart::{Download2Reply, UploadReply};
        let mut c = ServiceConnection::new(ServiceKind::Bart, "BART", 1);
        c.connection_started(0, b"cookie");
        let id = BartId::icon_of(b"img");
        c.fetch_icons(0, "bob", vec![id.clone()]);
        let out = c.take_output();
        let got = sent(&out);
        let names: Vec<&str> = got.iter().map(SnacBody::name).collect();
        assert_eq!(names, ["ClientVersions", "RateParamsQuery", "ClientReady", "BartDownload2"]);
        let SnacBody::ClientVersions(v) = &got[0] else { unreachable!() };
        assert_eq!(v.version_of(bart::FAMILY), Some(1));
        c.handle_frame(5, data(SnacBody::RateParamsReply(aol_rate_params()), 2));
        assert_eq!(c.next_deadline(), Some(5 + KEEPALIVE_MS), "signed on: no sign-on timeout");
        let reply = Download2Reply {
            screen_name: "bob".into(),
            query: id.clone(),
            code: bart::code::NOT_FOUND,
            reply: BartId { flags: bart::flags::REDIRECT, ..BartId::icon_of(b"other") },
            data: Bytes::new(),
        };
        c.handle_frame(5, data(SnacBody::BartDownload2Reply(reply), 4));
        let out = c.take_output();
        assert_eq!(
            out.icons,
            [IconReply { hash: id.hash.clone(), found: false, data: Bytes::new() }]
        );
        // Uploads: the reply is matched by request id; an error answers it too; a stray reply
        // is ignored.
        c.upload_icon(6, Bytes::from_static(b"mine"));
        c.upload_icon(6, Bytes::from_static(b"again"));
        let out = c.take_output();
        let ids: Vec<u32> = out
            .frames
            .iter()
            .map(|f| decode_snac_payload(&f.payload).unwrap().0.request_id)
            .collect();
        let stored = UploadReply { code: 0, id: BartId::icon_of(b"mine") };
        c.handle_frame(7, data(SnacBody::BartUploadReply(stored.clone()), 0x7777));
        c.handle_frame(7, data(SnacBody::BartUploadReply(stored), ids[0]));
        let error = crate::oscar::SnacError::new(crate::oscar::SnacErrorCode::RateToHost);
        c.handle_frame(7, data(SnacBody::Error { family: 0x10, error }, ids[1]));
        let out = c.take_output();
        let rate = u16::from(crate::oscar::SnacErrorCode::RateToHost);
        assert_eq!(out.uploads, [Ok(BartId::icon_of(b"mine")), Err(rate)]);
        // A room's SNACs on a BART (or ChatNav) connection are ignored: it has no room.
        c.handle_frame(8, data(SnacBody::UsersJoined(occupants(&["x"])), 5));
        assert!(c.take_output().events.is_empty());
        let mut nav = ServiceConnection::new(ServiceKind::ChatNav, "", 1);
        nav.connection_started(0, b"cookie");
        nav.handle_frame(1, data(SnacBody::UsersJoined(occupants(&["x"])), 5));
        assert!(nav.take_output().events.is_empty());
    }

    #[test]
    fn keepalive_and_signon_timeout() {
        let mut c = ServiceConnection::new(ServiceKind::Room(room()), "pals", 1);
        c.connection_started(0, b"cookie");
        c.take_output();
        assert_eq!(c.next_deadline(), Some(KEEPALIVE_MS.min(SIGNON_TIMEOUT_MS)));
        c.handle_timer(SIGNON_TIMEOUT_MS);
        assert!(c.take_output().close, "never joined: give up");
        let mut c = ServiceConnection::new(ServiceKind::Room(room()), "pals", 1);
        c.connection_started(0, b"cookie");
        c.handle_frame(1, data(SnacBody::UsersJoined(occupants(&["me"])), 1));
        c.take_output();
        c.handle_timer(KEEPALIVE_MS);
        let out = c.take_output();
        assert!(!out.close);
        assert_eq!(out.frames.iter().map(|f| f.channel).collect::<Vec<_>>(), [Channel::KeepAlive]);
    }
}
