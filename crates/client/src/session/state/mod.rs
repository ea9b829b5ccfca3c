//! The sans-IO session core: frames, commands and the time go in; frames to write, events and
//! a close decision come out. No socket or timer is touched here, so every protocol rule is
//! unit-tested without a network (rumqttc's `state.rs` is the model).
//!
//! One `SessionState` lives for the whole session, across reconnects: per-connection state is
//! reset by [`SessionState::connection_started`], while unacknowledged IMs, the away message and
//! the buddy list carry over.
//!
//! # IMs across a dropped connection
//!
//! Every IM asks for a host ack (04/06 TLV 0x0003) and is pending until 04/0C or 04/01.
//! - Still queued by the rate limiter when the connection drops: it never reached the wire, so
//!   it simply goes out on the next connection.
//! - Written but not acknowledged: the server may or may not have relayed it. It is resent
//!   once, first thing after the sign-on flight, with the **same cookie**; if that connection
//!   drops before the ack too, it fails with [`ImFailure::ConnectionLost`]. It is never
//!   silently lost and never tried a third time.
//! - Receivers drop a 04/07 whose (sender, cookie) they have already shown, so between flapjack
//!   clients a resend is never displayed twice. Residual risk: if the server relayed the first
//!   copy but our ack was lost with the connection, a receiver that does not deduplicate by
//!   cookie (another client) shows it twice. We accept that over losing messages: a drop in the
//!   one round trip between write and ack is rare, a silently lost IM is worse.
//! - When the session ends for good (sign-off, signed on elsewhere, reconnect disabled) every
//!   pending IM fails: with [`ImFailure::ConnectionLost`] if it was ever written, with
//!   [`ImFailure::NotSent`] if it never left this process (then it certainly was not delivered).
//!
//! # Delivered or stored
//!
//! The host ack (04/0C) says only that the server took the IM, not whether it reached an online
//! recipient or was stored for an offline one; every IM carries the store-offline flag (04/06
//! TLV 0x0006), so both happen. [`Event::ImAcked`] says which ([`Delivery`]):
//! - Presence from the buddy list decides when there is some: a buddy announced online (03/0B)
//!   gets it delivered, one that departed (03/0C) on this connection gets it stored.
//! - Otherwise a locate query for the recipient asking for nothing extra (02/15, kind 0) goes
//!   in the same flight as the IM, so it costs no round trip: a 02/06 answer means online, a
//!   02/01 "not logged on" means offline (the embedded server and Open OSCAR Server both answer
//!   so). The event waits until both the ack and that answer are in, in either order. IMs to
//!   the same person while a query about them is open share its answer rather than ask again
//!   (a burst of 200 IMs costs one query, not 200 in the class that also carries typing
//!   notices). The answer describes them when the server read the query, so a sign-on or
//!   sign-off between it and a later, paced IM of the burst is missed; we accept that.
//! - An ack whose locate answer cannot be had (another error, lost with the connection, or not
//!   in [`WHEREABOUTS_GRACE_MS`] after the ack) is reported as [`Delivery::Accepted`]: accepted,
//!   where it went unknown.

use std::collections::{HashMap, HashSet, VecDeque};

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::oscar;
use crate::oscar::buddy::{BuddyPresence, TempBuddies};
use crate::oscar::codes::{
    AuthErrorCode, FeedbagResult, RateChangeCode, SnacErrorCode, TypingEvent,
};
use crate::oscar::feedbag::{FeedbagItem, FeedbagItems, FeedbagRightsQuery, StartTransaction};
use crate::oscar::feedbag::{FeedbagReply, FeedbagStatus};
use crate::oscar::icbm::{HostAck, MissedCalls};
use crate::oscar::icbm::{IcbmParams, SendIm, Typing};
use crate::oscar::locate::UserInfoReply;
use crate::oscar::locate::{LocateRightsQuery, SetInfo, UserInfoQuery};
use crate::oscar::oservice::RateAck;
use crate::oscar::oservice::SetStatus;
use crate::oscar::oservice::{FamilyList, RateParamsReply};
use crate::oscar::oservice::{IdleTime, Motd, RateChange, SelfInfo, Warning};
use crate::oscar::permitdeny::PdRightsQuery;
use crate::oscar::userinfo::{self, CAP_INTEROPERATE, CAP_TYPING, CAP_UNICODE, CAP_XHTML_IM};
use crate::oscar::SnacError;
use crate::oscar::{buddy::BuddyRightsQuery, snac::SnacHeader};
use crate::oscar::{
    decode_snac_payload, snac_flap, Channel, Flap, ImMessage, OutFlap, RateClass, RateTable,
    SignOff, SnacBody,
};
use crate::screenname::ScreenName;
use crate::text::html::to_plain;

use super::api::{
    AuthNotice, Availability, BuddyListError, Command, Delivery, DisconnectReason, Event,
    FeedbagAction, FeedbagFailure, IcqStatus, ImFailure, IncomingIm, MessageId, NetworkError,
    PartFailure, Presence, Privacy, RateNotice, SignOnFailure, SignOnStep, TypingState, UserInfo,
    WarnFailure,
};
use super::feedbag::{Change, Feedbag};
use super::split::{encoded_size, html_body, split_message};

/// The tag of our 01/1E, whose 01/0F answer carries the status the server now shows.
const STATUS_TAG: Tag = Tag::Query(0x01, 0x1E);
pub use chat::ServiceOrder;
pub use icons::{BART_KEY, ICON_MAX_BYTES};
pub use odir::DIRECTORY_KEY;

/// Send a keepalive after this long without sending anything (§8.1).
pub const KEEPALIVE_MS: u64 = 60_000;
/// Give up on a BOS sign-on that has not produced the buddy list after this long.
pub const SIGNON_TIMEOUT_MS: u64 = 30_000;
/// While away, one person gets the away message as an auto-response at most this often.
pub const AUTO_RESPONSE_INTERVAL_MS: u64 = 10 * 60_000;
/// How many people outside the buddy list are watched at most (the embedded server and AOL
/// advertise 160 temporary buddies in 03/03).
const MAX_TEMP_BUDDIES: usize = 160;
/// How many (sender, cookie) pairs are remembered to drop a resent IM seen before.
const RECENT_COOKIES: usize = 512;
/// How long an acknowledged IM waits for the answer to the locate query sent beside it before
/// it is reported [`Delivery::Accepted`] (a server that never answers 02/15 must not hold it).
pub const WHEREABOUTS_GRACE_MS: u64 = 5_000;
/// A second close without a reason this soon after the first ended a signed-on session means
/// another sign-on of the account is taking turns with us (§1.5): stop instead of reconnecting.
pub const BARE_CLOSE_WINDOW_MS: u64 = 120_000;
/// Families this client uses, with the versions it asks for in 01/17 (OService 3 for 35-byte
/// rate entries, Feedbag 4 as libpurple).
const FAMILIES: [(u16, u16); 6] =
    [(0x01, 3), (0x13, 4), (0x02, 1), (0x03, 1), (0x04, 1), (0x09, 1)];
/// The message-size limit assumed until 04/05 says otherwise (libpurple's request).
pub const DEFAULT_MAX_MESSAGE: usize = 8000;
/// The smallest limit servers answer in 04/05 (Open OSCAR Server's 512, §7.2): an IM whose
/// message data is no larger goes out before the server has said its limit, a larger one
/// waits for 04/05 so it is split against the real limit.
const SAFE_MESSAGE_SIZE: usize = 512;

/// How the current connection should end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Close {
    /// Why.
    pub reason: DisconnectReason,
    /// Whether a new connection may be tried (false for sign-off, signed on elsewhere, …).
    pub reconnect: bool,
}

/// What one step of the state machine produced, drained by [`SessionState::take_output`].
#[derive(Debug, Default, PartialEq)]
pub struct Output {
    /// Frames to write, in order, with one flush after the last.
    pub frames: Vec<OutFlap>,
    /// Events for the front end, in order.
    pub events: Vec<Event>,
    /// Set when the connection must be closed after the frames are written.
    pub close: Option<Close>,
    /// What to do with ChatNav and room connections, in order.
    pub services: Vec<ServiceOrder>,
}

/// What a written SNAC was for, so its reply or error finds its way back.
#[derive(Debug, Clone, PartialEq)]
enum Tag {
    Plain,
    Im([u8; 8]),
    Feedbag(FeedbagAction),
    GetInfo(ScreenName),
    AwayFetch(ScreenName),
    /// A locate query asking whether the recipient of pending IMs is online.
    Whereabouts(ScreenName),
    /// A query (family, subtype) whose reply replaces state (01/06, 13/04): a reply to
    /// anything else is not accepted.
    Query(u16, u16),
    /// A 01/04 service request: ChatNav (empty key), BART ([`icons::BART_KEY`]), the
    /// directory ([`odir::DIRECTORY_KEY`]) or the room with this key.
    Service(String),
    /// A 15/02 ICQ meta request.
    Icq(icq::IcqAsk),
    /// A 04/08 warning of this person, anonymous or not.
    Warn(ScreenName, bool),
    /// The feedbag change that names our buddy icon (class 0x14).
    IconItem,
}

#[derive(Debug, Clone)]
struct Outgoing {
    body: SnacBody,
    tag: Tag,
}

#[derive(Debug, Clone)]
struct PendingIm {
    id: MessageId,
    /// Which part of the caller's message this IM carries (0 when it was not split).
    part: usize,
    cookie: [u8; 8],
    body: SendIm,
    written: bool,
    /// Already written once on a connection that dropped; it gets one more try only.
    resent: bool,
    /// Whether the recipient is online, as far as we know.
    whereabouts: Whereabouts,
    /// When the server acknowledged it, if it has: only the locate answer is still awaited,
    /// for at most [`WHEREABOUTS_GRACE_MS`] more.
    acked_at: Option<u64>,
}

/// What we know of an IM's recipient, to tell a delivered IM from a stored one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Whereabouts {
    /// Online, from the buddy list or a locate answer.
    Online,
    /// Offline, from a 03/0C on this connection or a locate error "not logged on".
    Offline,
    /// A locate query is queued or in flight.
    Asking,
    /// The locate query failed otherwise: the IM can only be reported accepted.
    Unknown,
}

impl Whereabouts {
    /// The delivery to report once acked; `None` while the answer is still awaited.
    fn delivery(self) -> Option<Delivery> {
        match self {
            Whereabouts::Online => Some(Delivery::Online),
            Whereabouts::Offline => Some(Delivery::StoredOffline),
            Whereabouts::Unknown => Some(Delivery::Accepted),
            Whereabouts::Asking => None,
        }
    }
}

/// A message sent as several IMs, until every part has its answer.
#[derive(Debug, Clone)]
struct SplitProgress {
    parts: usize,
    answered: usize,
    failed: Vec<PartFailure>,
    /// The least delivered of the parts acknowledged so far.
    delivery: Delivery,
}

/// The session's protocol state; see the module docs.
pub struct SessionState {
    own: ScreenName,
    display_name: Option<ScreenName>,
    wall: fn() -> SystemTime,
    /// The source of IM cookies: seeded from the OS, or from a test's seed.
    rng: StdRng,
    connected: bool,
    signed_on: bool,
    paused: bool,
    signon_deadline: Option<u64>,
    /// BOS refused this connection's sign-on for signing on too often.
    signing_on_too_often: bool,
    next_request: u32,
    rates: RateTable,
    rates_known: bool,
    sent_since_rate_query: Option<Vec<(u16, u16)>>,
    queue: VecDeque<Outgoing>,
    queue_deadline: Option<u64>,
    in_flight: HashMap<u32, Tag>,
    pending: Vec<PendingIm>,
    last_send: u64,
    feedbag: Feedbag,
    feedbag_loaded: bool,
    feedbag_parts: Vec<FeedbagItem>,
    deferred: Vec<Command>,
    presence: HashMap<ScreenName, Presence>,
    /// Buddies that departed (03/0C) on this connection: known to be offline.
    departed: HashSet<ScreenName>,
    away: Option<String>,
    /// Our profile as last set ([`Command::SetProfile`]), sent again at every sign-on.
    profile: Option<String>,
    /// The ICQ status the user chose; sent with 01/1E whenever it is not plain online.
    status: IcqStatus,
    /// Peers whose user info advertised the XHTML capability: they get and send markup even
    /// when they are ICQ accounts (§10).
    xhtml_peers: HashSet<ScreenName>,
    max_message: usize,
    /// Whether a 04/05 has said the server's limit (until then long IMs wait in `held_ims`).
    max_message_known: bool,
    held_ims: Vec<(MessageId, ScreenName, String)>,
    /// Messages sent as several IMs, until every part is acknowledged or failed.
    splits: HashMap<MessageId, SplitProgress>,
    recent_cookies: VecDeque<(String, [u8; 8])>,
    /// When a signed-on connection last ended in a close that gave no reason (§1.5).
    bare_close_at: Option<u64>,
    /// People not on the buddy list whose presence we watch (03/0F), kept across reconnects.
    temp_buddies: Vec<ScreenName>,
    /// When each person (normalized) last got our away message as an auto-response.
    auto_responded: HashMap<String, u64>,
    /// Report idle (01/11) after this long without [`Command::Activity`]; `None` = never.
    idle_after: Option<u64>,
    /// When the user last did something (typed, sent).
    last_activity: u64,
    /// Whether the server has been told we are idle (on this connection).
    idle_reported: bool,
    /// Chat rooms the user wants to be in, by key (lowercased name).
    rooms: HashMap<String, chat::WantedRoom>,
    /// The ChatNav connection's state.
    nav: chat::NavPhase,
    /// Who asked for our authorization (13/19) and has no answer yet.
    auth_askers: HashSet<ScreenName>,
    /// The sequence number of the last 15/02.
    icq_seq: u16,
    /// ICQ replies collected per request until the last part.
    icq_partials: HashMap<u32, icq::IcqPartial>,
    /// The privacy settings last shown to the front end.
    privacy_shown: Privacy,
    /// When each person (normalized) last IMed us, for warnings (the last hour only).
    heard_from: HashMap<String, u64>,
    /// Our warning level (tenths of a percent) as last heard.
    own_warning: Option<u16>,
    /// Buddy icons: who shows which, downloads, our own upload.
    icons: icons::Icons,
    /// The AIM directory's connection and the searches waiting for it.
    directory: odir::Directory,
    out: Output,
}

impl std::fmt::Debug for SessionState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionState")
            .field("own", &self.own)
            .field("connected", &self.connected)
            .field("signed_on", &self.signed_on)
            .field("queued", &self.queue.len())
            .field("pending_ims", &self.pending.len())
            .finish_non_exhaustive()
    }
}

/// The AOL / Open OSCAR Server class table, assumed until 01/07 arrives (every class full).
pub fn default_rate_table(now: u64) -> RateTable {
    RateTable::new(&crate::oscar::rate::aol_rate_params(), now)
}

/// The safety margin above a class's alert level the limiter aims for (see
/// [`RateClass::safety_margin`]: 0.5 % of alert or a reserve against rounding, so 200 IMs at
/// AOL's rates take under 1 % more than the floor).
pub fn rate_margin(class: &RateClass) -> u32 {
    class.safety_margin()
}

impl SessionState {
    /// A state for `own`, not yet connected.
    pub fn new(own: ScreenName) -> Self {
        SessionState {
            own,
            display_name: None,
            wall: SystemTime::now,
            rng: StdRng::from_os_rng(),
            connected: false,
            signed_on: false,
            paused: false,
            signon_deadline: None,
            signing_on_too_often: false,
            next_request: 1,
            rates: default_rate_table(0),
            rates_known: false,
            sent_since_rate_query: None,
            queue: VecDeque::new(),
            queue_deadline: None,
            in_flight: HashMap::new(),
            pending: Vec::new(),
            last_send: 0,
            feedbag: Feedbag::default(),
            feedbag_loaded: false,
            feedbag_parts: Vec::new(),
            deferred: Vec::new(),
            presence: HashMap::new(),
            departed: HashSet::new(),
            away: None,
            profile: None,
            status: IcqStatus::Online,
            xhtml_peers: HashSet::new(),
            max_message: DEFAULT_MAX_MESSAGE,
            max_message_known: false,
            held_ims: Vec::new(),
            splits: HashMap::new(),
            recent_cookies: VecDeque::new(),
            bare_close_at: None,
            temp_buddies: Vec::new(),
            auto_responded: HashMap::new(),
            idle_after: None,
            last_activity: 0,
            idle_reported: false,
            rooms: HashMap::new(),
            nav: chat::NavPhase::None,
            auth_askers: HashSet::new(),
            icq_seq: 0,
            icq_partials: HashMap::new(),
            privacy_shown: Privacy::default(),
            heard_from: HashMap::new(),
            own_warning: None,
            icons: icons::Icons::default(),
            directory: odir::Directory::default(),
            out: Output::default(),
        }
    }

    /// Replaces the wall clock used to timestamp arriving IMs (tests pin it).
    pub fn with_wall_clock(mut self, wall: fn() -> SystemTime) -> Self {
        self.wall = wall;
        self
    }

    /// Draws IM cookies from a generator seeded with `seed`, so a test's run repeats exactly.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.rng = StdRng::seed_from_u64(seed);
        self
    }

    /// Reports idle time (01/11) once `after` passes without [`Command::Activity`], and clears
    /// it on the next activity; `None` never reports idle.
    pub fn with_idle_after(mut self, after: Option<Duration>) -> Self {
        self.idle_after = after.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        self
    }

    /// Fetches and reports buddies' icons (off by default: see `SessionConfig::buddy_icons`).
    pub fn with_buddy_icons(mut self, on: bool) -> Self {
        self.icons.enabled = on;
        self
    }

    /// Whether the BOS sign-on of the current connection has finished (buddy list received).
    pub fn is_signed_on(&self) -> bool {
        self.signed_on
    }

    /// Whether BOS closed this connection's sign-on because we sign on too often, so the next
    /// attempt must wait at least [`super::ReconnectPolicy::rate_limited_delay`].
    pub fn signing_on_too_often(&self) -> bool {
        self.signing_on_too_often
    }

    /// Whether the connection has been told to close (the actor stops reading then, so a
    /// channel-4 reason is not overtaken by the EOF that follows it).
    pub fn close_pending(&self) -> bool {
        self.out.close.is_some()
    }

    /// Whether something written on this connection still awaits an answer that closing now
    /// could lose: an IM not yet acknowledged, or a buddy-list change without its status. A
    /// sign-off waits for the server's end of the connection only then.
    pub fn awaiting_answers(&self) -> bool {
        self.pending.iter().any(|p| p.written)
            || self.in_flight.values().any(|tag| matches!(tag, Tag::Feedbag(_)))
    }

    /// Drains what the last calls produced.
    pub fn take_output(&mut self) -> Output {
        std::mem::take(&mut self.out)
    }

    /// When [`SessionState::handle_timer`] must next run: a queued SNAC becoming sendable,
    /// the keepalive, the sign-on timeout, or an acknowledged IM giving up on its locate answer. `None` when nothing is waiting.
    pub fn next_deadline(&self) -> Option<u64> {
        if !self.connected {
            return None;
        }
        let keepalive = self.last_send.saturating_add(KEEPALIVE_MS);
        let whereabouts = self.whereabouts_deadline();
        [
            Some(keepalive),
            self.queue_deadline,
            self.signon_deadline,
            whereabouts,
            self.idle_deadline(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    fn emit(&mut self, event: Event) {
        self.out.events.push(event);
    }

    fn close(&mut self, reason: DisconnectReason, reconnect: bool) {
        if self.out.close.is_none() {
            self.out.close = Some(Close { reason, reconnect });
        }
    }

    fn request_id(&mut self) -> u32 {
        let id = self.next_request;
        self.next_request = if id >= 0x7FFF_FFFF { 1 } else { id + 1 };
        id
    }

    fn enqueue(&mut self, body: SnacBody, tag: Tag) {
        self.queue.push_back(Outgoing { body, tag });
    }

    // ----- timers -----------------------------------------------------------------------------

    /// Runs whatever is due at `now`: queued SNACs, the keepalive, the sign-on timeout.
    pub fn handle_timer(&mut self, now: u64) {
        if !self.connected {
            return;
        }
        if self.signon_deadline.is_some_and(|d| now >= d) {
            self.signon_deadline = None;
            let reason = DisconnectReason::Network(NetworkError::SignOnTimeout);
            self.close(reason, true);
            return;
        }
        self.whereabouts_overdue(now);
        if self.idle_deadline().is_some_and(|d| now >= d) {
            let seconds = (now - self.last_activity) / 1000;
            let seconds = u32::try_from(seconds).unwrap_or(u32::MAX);
            self.idle_reported = true;
            self.enqueue(SnacBody::IdleTime(IdleTime { seconds }), Tag::Plain);
        }
        self.flush(now);
        if now >= self.last_send.saturating_add(KEEPALIVE_MS) {
            self.out.frames.push(OutFlap::keepalive());
            self.last_send = now;
        }
    }

    // ----- receiving --------------------------------------------------------------------------

    /// Handles one inbound frame.
    pub fn handle_frame(&mut self, now: u64, flap: Flap) {
        match flap.channel {
            Channel::SignOn | Channel::KeepAlive => {}
            Channel::Error => {
                self.close(DisconnectReason::Network(NetworkError::FlapError), true);
            }
            Channel::SignOff => {
                let signoff = SignOff::decode(&flap.payload).unwrap_or_default();
                use crate::oscar::DisconnectReason as Wire;
                let (reason, reconnect) = match signoff.reason() {
                    Some(Wire::OtherLocation) => (DisconnectReason::SignedOnElsewhere, false),
                    Some(Wire::AccountDeleted) => (DisconnectReason::AccountDeleted, false),
                    Some(Wire::Unknown(code)) => (DisconnectReason::ServerClosed(Some(code)), true),
                    None => match signoff.auth_error() {
                        Some(code) if !self.signed_on => {
                            self.signing_on_too_often = matches!(
                                code,
                                AuthErrorCode::ConnectingTooOften | AuthErrorCode::RateLimitedIp
                            );
                            (DisconnectReason::AuthFailed(SignOnFailure::Code(code)), true)
                        }
                        _ if self.signed_on => self.bare_close(now),
                        _ => (DisconnectReason::ServerClosed(None), true),
                    },
                };
                tracing::info!("server closed the connection: {reason:?}");
                self.close(reason, reconnect);
            }
            Channel::Data => match decode_snac_payload(&flap.payload) {
                Ok((header, body)) => self.handle_snac(now, header, body),
                Err(e) => {
                    let id = flap.payload.get(..4).map(hex::encode).unwrap_or_default();
                    tracing::warn!("skipping a SNAC that does not decode ({id}): {e}");
                }
            },
        }
        self.flush(now);
    }

    /// Routes one decoded SNAC to its handler, named after the SNAC in its family's module.
    fn handle_snac(&mut self, now: u64, header: SnacHeader, body: SnacBody) {
        use SnacBody as B;
        match body {
            B::RateParamsReply(reply) => self.rate_params_reply(now, &header, &reply),
            B::RateChange(change) => self.rate_change(now, &change),
            B::SelfInfo(info) => self.self_info(&header, &info),
            B::Warning(warning) => self.warning(warning),
            B::Motd(motd) => self.motd(&motd),
            B::Migrate(_) => self.migrate(),
            B::Pause(_) => self.pause(now),
            B::Resume(_) => self.resume(),
            B::IcbmParams(params) => self.icbm_params(now, &header, &params),
            B::HostOnline(list) => self.host_online(&list.families),
            B::OwnBart(id) => self.own_bart(&id),
            B::HostVersions(_)
            | B::LocateRights(_)
            | B::BuddyRights(_)
            | B::PdRights(_)
            | B::FeedbagRights(_)
            | B::OfflineDone
            | B::FeedbagNotModified(_)
            | B::FeedbagStartTransaction(_)
            | B::FeedbagEndTransaction => {
                tracing::trace!("{:02X}/{:02X} noted", header.family, header.subtype)
            }
            B::FeedbagReply(reply) => self.feedbag_reply(now, &header, reply),
            B::FeedbagInsert(items) => self.feedbag_insert(items),
            B::FeedbagUpdate(items) => self.feedbag_update(items),
            B::FeedbagDelete(items) => self.feedbag_delete(items),
            B::FeedbagStatus(status) => self.feedbag_status(&header, &status),
            B::BuddyArrived(presence) => self.buddy_arrived(presence),
            B::BuddyDeparted(presence) => self.buddy_departed(presence),
            B::IncomingIm(im) => self.incoming_im(now, im),
            B::HostAck(ack) => self.host_ack(now, &header, &ack),
            B::Typing(typing) => self.typing(&typing),
            B::MissedCalls(missed) => self.missed_calls(missed),
            B::WarnReply(reply) => self.warn_reply(&header, reply),
            B::UserInfoReply(reply) => self.user_info_reply(&header, reply),
            B::ServiceRedirect(r) => self.service_redirect(&header, &r),
            B::AuthRequestToClient(req) => self.auth_request_to_client(req),
            B::AuthReplyToClient(reply) => self.auth_reply_to_client(reply),
            B::PreAuthorized(req) => self.pre_authorized(req),
            B::BuddyAdded(added) => self.buddy_added(added),
            B::IcqReply(meta) => self.icq_reply(&header, meta),
            B::StatsMinReportInterval(interval) => self.stats_min_report_interval(interval),
            B::UserLookupFindReply(reply) => self.user_lookup_find_reply(&reply),
            B::Error { family, error } => self.error(now, header, family, &error),
            B::Unknown { family, subtype } => {
                tracing::debug!("skipping unknown SNAC {family:02X}/{subtype:02X}")
            }
            other => tracing::debug!(
                "skipping {} ({:02X?}), which servers do not send",
                other.name(),
                other.id()
            ),
        }
    }
}

/// 02/15 asking for nothing but whether `who` is online (kind 0: no profile, no away message,
/// no capabilities), tagged so the answer goes to the pending IMs to `who`.
fn locate_query(who: &ScreenName) -> Outgoing {
    let query = UserInfoQuery { kind: 0, screen_name: who.as_str().to_string() };
    Outgoing { body: SnacBody::UserInfoQuery2(query), tag: Tag::Whereabouts(who.clone()) }
}

fn unix_time(secs: u32) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(u64::from(secs))
}

mod buddy;
mod chat;
mod commands;
mod connection;
mod error;
mod feedbag;
mod icbm;
mod icons;
mod icq;
mod locate;
mod odir;
mod oservice;
mod outbound;
mod privacy;
mod stats;
mod userlookup;

#[cfg(test)]
mod tests;
