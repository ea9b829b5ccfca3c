//! One BOS session's protocol logic: each inbound frame in, the frames to send back out, in
//! order. No sockets here; the connection task in [`super::conn`] does the I/O. The header, rate
//! limit and decode checks live here; each decoded SNAC then goes to its handler through
//! `handlers::dispatch`.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::handlers;
use super::hub::SharedLevel;
use super::outbound::OutSnac;
use super::ratelimit::{self, RateVerdict};
use super::services::Service;
use super::Hub;
use crate::oscar::codes::{RateChangeCode, SnacErrorCode};
use crate::oscar::oservice::FamilyList;
use crate::oscar::oservice::{RateChange, RateParamsReply};
use crate::oscar::rate::{RateClass, RateTable};
use crate::oscar::snac::SnacError;
use crate::oscar::{chat, icbm};
use crate::oscar::{decode_snac, Channel, Flap, SignOff, Snac, SnacBody};
use crate::screenname::ScreenName;

pub use handlers::icbm_params;

/// The families a BOS host offers in 01/03, as Open OSCAR Server lists them.
pub const BOS_FAMILIES: [u16; 13] =
    [0x18, 0x10, 0x03, 0x13, 0x04, 0x15, 0x02, 0x01, 0x09, 0x0A, 0x06, 0x08, 0x0B];
/// The largest 13/06 part body; longer lists go out in several parts with flag 0x0001.
pub const FEEDBAG_PART_MAX: usize = 8000;

/// What the connection task should do after a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flow {
    /// Keep going.
    Continue,
    /// Send the frames gathered so far, then close; `Some` adds a channel-4 frame first.
    Close(Option<SignOff>),
}

/// The state of one signed-on connection.
#[derive(Debug)]
pub struct Session {
    pub(super) hub: Arc<Hub>,
    pub(super) id: u64,
    pub(super) name: ScreenName,
    pub(super) peer: std::net::SocketAddr,
    /// The OService (family 01) version the client announced in 01/17; 2+ means extended
    /// rate replies and notices.
    pub(super) oservice_version: u16,
    /// What this connection is for (BOS, ChatNav, a room), from its cookie.
    pub(super) service: Service,
    rate: RateTable,
    /// The warning level the IM class was last tightened for (§7.5).
    warn_applied: u16,
    /// When the newest frame was handled (the clock the caller passes in).
    now_ms: u64,
}

impl Session {
    /// A session for registration `id` of account `name`, rate classes full at `now_ms`.
    pub fn new(
        hub: Arc<Hub>,
        id: u64,
        name: ScreenName,
        peer: std::net::SocketAddr,
        now_ms: u64,
    ) -> Self {
        let rate = hub.state().config.rate_classes.table(now_ms);
        Session {
            hub,
            id,
            name,
            peer,
            oservice_version: 1,
            service: Service::Bos,
            rate,
            warn_applied: 0,
            now_ms,
        }
    }

    /// The same session serving `service` instead of BOS (a connection signed on with a 01/05
    /// cookie).
    pub fn for_service(mut self, service: Service) -> Self {
        self.service = service;
        self
    }

    /// The 01/03 host-online frame that opens every session, listing its service's families.
    pub fn host_online(&self) -> OutSnac {
        OutSnac::new(
            SnacBody::HostOnline(FamilyList { families: self.service.families() }),
            self.hub.server_request_id(),
        )
    }

    pub(super) fn extended(&self) -> bool {
        self.oservice_version >= 2
    }

    /// Handles one inbound frame received at `now_ms`, pushing replies onto `out`.
    pub fn handle(&mut self, frame: Flap, now_ms: u64, out: &mut Vec<OutSnac>) -> Flow {
        match frame.channel {
            Channel::Data => self.handle_snac(&frame.payload, now_ms, out),
            Channel::KeepAlive => Flow::Continue,
            Channel::SignOn => {
                tracing::debug!("{} at {}: ignoring a second hello", self.name, self.peer);
                Flow::Continue
            }
            Channel::SignOff => {
                tracing::info!("{} at {}: signed off", self.name, self.peer);
                Flow::Close(None)
            }
            Channel::Error => {
                tracing::info!("{} at {}: FLAP error channel, closing", self.name, self.peer);
                Flow::Close(None)
            }
        }
    }

    fn handle_snac(&mut self, payload: &bytes::Bytes, now_ms: u64, out: &mut Vec<OutSnac>) -> Flow {
        let snac = match Snac::decode(payload) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(
                    "{} at {}: malformed SNAC header ({e}), closing",
                    self.name,
                    self.peer
                );
                return Flow::Close(None);
            }
        };
        let h = snac.header;
        let extended = self.extended();
        self.now_ms = now_ms;
        self.follow_warning_level(h.family, h.subtype, out);
        let verdict = self.check_rate(h.family, h.subtype, now_ms, extended);
        let (notice, dropped) = match verdict {
            RateVerdict::Disconnect => {
                tracing::warn!(
                    "{} at {}: below the rate disconnect level, closing",
                    self.name,
                    self.peer
                );
                self.hub.state().counters.rate_disconnects.fetch_add(1, Ordering::Relaxed);
                let mut close = SignOff::default();
                close.tlvs.push(0x000B, b"Disconnected: sending too fast".to_vec());
                return Flow::Close(Some(close));
            }
            RateVerdict::Pass { notice } => (notice, false),
            RateVerdict::Drop { notice } => (notice, true),
        };
        if let Some(n) = notice {
            if n.code == RateChangeCode::Warning {
                self.hub.count_rate_warning(&self.name);
            }
            out.push(OutSnac::new(SnacBody::RateChange(n), self.hub.server_request_id()));
        }
        if dropped {
            // As OOS: a limited class's SNACs are dropped; an IM sender is told so.
            if (h.family, h.subtype) == (icbm::FAMILY, icbm::subtype::CHANNEL_MSG_TO_HOST)
                || (h.family, h.subtype) == (chat::FAMILY, chat::subtype::CHANNEL_MSG_TO_HOST)
            {
                out.push(error(h.family, SnacErrorCode::RateToHost, h.request_id));
            }
            return Flow::Continue;
        }
        let body = match decode_snac(&h, &snac.body) {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(
                    "{} at {}: undecodable SNAC {:02X}/{:02X} ({e}), closing",
                    self.name,
                    self.peer,
                    h.family,
                    h.subtype
                );
                return Flow::Close(None);
            }
        };
        handlers::dispatch(self, h, body, &snac.body, out)
    }
}

impl Session {
    /// The IM class on a BOS connection, the one class whose level the account's sessions share.
    fn shared_class(&self, family: u16, subtype: u16) -> Option<u16> {
        let im_class = self.rate.class_id_of(icbm::FAMILY, icbm::subtype::CHANNEL_MSG_TO_HOST);
        (self.service == Service::Bos && self.rate.class_id_of(family, subtype) == im_class)
            .then_some(im_class)
    }

    /// Counts one inbound SNAC against its class. The IM class counts against the account's
    /// level, shared by its sessions (§14), under the hub's lock; this connection keeps its
    /// own status, so it is told when its own sends change state.
    fn check_rate(
        &mut self,
        family: u16,
        subtype: u16,
        now_ms: u64,
        extended: bool,
    ) -> RateVerdict {
        let Some(class) = self.shared_class(family, subtype) else {
            return ratelimit::check(&mut self.rate, family, subtype, now_ms, extended);
        };
        let rate = &mut self.rate;
        self.hub.with_im_level(&self.name, |shared| {
            if let Some(l) = shared {
                rate.set_level(class, l.level, l.last_ms);
            }
            let verdict = ratelimit::check(rate, family, subtype, now_ms, extended);
            if let Some((_, st)) = rate.class(class) {
                *shared = Some(SharedLevel { level: st.level, last_ms: st.last_ms });
            }
            verdict
        })
    }

    /// The 01/07 this connection gets: the configured classes, with the IM class's `current`
    /// at the account's shared level as of now (§14), so a client that signs on again after a
    /// burst paces from where the server stands rather than from a full level.
    pub(super) fn rate_params(&self) -> RateParamsReply {
        let mut reply = self.hub.state().config.rate_classes.reply(self.extended());
        let im = icbm::FAMILY;
        let shared = self.shared_class(im, icbm::subtype::CHANNEL_MSG_TO_HOST);
        let level = shared.zip(self.hub.im_level(&self.name));
        if let Some((id, l)) = level {
            for c in reply.classes.iter_mut().filter(|c| c.id == id) {
                c.current = l.level_at(c, self.now_ms);
            }
        }
        reply
    }

    /// Before a SNAC of the IM class is counted: if the account's warning level changed since
    /// the class was last set, the class is tightened (or relaxed) to match and the client is
    /// told with 01/0A code 1, carrying its current level (§7.5).
    fn follow_warning_level(&mut self, family: u16, subtype: u16, out: &mut Vec<OutSnac>) {
        let Some(im_class) = self.shared_class(family, subtype) else { return };
        let level = self.hub.warning_level(&self.name);
        if level == self.warn_applied {
            return;
        }
        let config = &self.hub.state().config.rate_classes;
        let Some(base) = config.classes.iter().find(|c| c.id == im_class) else { return };
        self.warn_applied = level;
        let params = super::tightened(base, level);
        let current = match self.hub.im_level(&self.name) {
            Some(l) => l.level_at(&params, self.now_ms),
            None => self.rate.class(im_class).map_or(params.current, |(_, st)| st.level),
        };
        self.rate.set_params(params);
        let class = RateClass { current, ..params };
        let change = RateChange { code: RateChangeCode::Changed, extended: self.extended(), class };
        out.push(OutSnac::new(SnacBody::RateChange(change), self.hub.server_request_id()));
    }
}

/// A `(family, 0x0001)` error with `code`, answering request `request_id`.
pub fn error(family: u16, code: SnacErrorCode, request_id: u32) -> OutSnac {
    OutSnac::new(SnacBody::Error { family, error: SnacError::new(code) }, request_id)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::oscar::codes::RateChangeCode;
    use crate::oscar::oservice::{FamilyVersion, VersionList};
    use crate::oscar::snac::SnacHeader;
    use crate::oscar::{decode_snac_payload, snac_flap, ImMessage};
    use crate::{Accounts, RateClasses, ServerConfig, ServerState};

    const ACCOUNTS: &str = "[[account]]\nscreen_name='Alice'\npassword='a'\n\
                            [[account]]\nscreen_name='Bob'\npassword='b'\n";

    pub(crate) fn session(rates: RateClasses) -> Session {
        let mut config = ServerConfig::for_tests(Accounts::from_toml(ACCOUNTS).unwrap());
        config.rate_classes = rates;
        let addr = config.bos_listen;
        let hub = Hub::new(Arc::new(ServerState::new(config, addr)), Default::default(), None);
        let account = hub.state().config.accounts.get("alice").unwrap().clone();
        let reg = hub.register(&account, addr, b"cookie", false);
        Session::new(hub, reg.id, account.screen_name, addr, 0)
    }

    fn data(body: &SnacBody, id: u32) -> Flap {
        Flap { channel: Channel::Data, sequence: 0, payload: snac_flap(body, id).unwrap().payload }
    }

    fn raw(family: u16, subtype: u16, id: u32, body: &[u8]) -> Flap {
        let mut out = bytes::BytesMut::new();
        SnacHeader::new(family, subtype, id).write(&mut out);
        out.extend_from_slice(body);
        Flap { channel: Channel::Data, sequence: 0, payload: out.freeze() }
    }

    fn decoded(out: &[OutSnac]) -> Vec<(SnacHeader, SnacBody)> {
        out.iter().map(|s| decode_snac_payload(&s.encode().unwrap().payload).unwrap()).collect()
    }

    #[test]
    fn pipelined_requests_are_answered_in_order() {
        let mut s = session(RateClasses::aol());
        let versions = VersionList { versions: vec![FamilyVersion { family: 1, version: 3 }] };
        let mut out = Vec::new();
        let frames = [
            data(&SnacBody::ClientVersions(versions.clone()), 1),
            data(&SnacBody::RateParamsQuery, 2),
            raw(0x42, 7, 3, b"?"),
            data(&SnacBody::IcbmParamsQuery, 4),
            data(
                &SnacBody::SendIm(
                    icbm::SendIm::new([1; 8], "nobody", &ImMessage::new("hi"), true).unwrap(),
                ),
                5,
            ),
            Flap { channel: Channel::KeepAlive, sequence: 0, payload: bytes::Bytes::new() },
        ];
        for f in frames {
            assert_eq!(s.handle(f, 0, &mut out), Flow::Continue);
        }
        let got: Vec<_> = decoded(&out)
            .into_iter()
            .map(|(h, b)| (h.family, h.subtype, h.request_id, b))
            .collect();
        assert_eq!(got.len(), 5);
        assert_eq!(got[0], (1, 0x18, 1, SnacBody::HostVersions(versions)));
        assert!(matches!(&got[1], (1, 7, 2, SnacBody::RateParamsReply(r)) if r.extended));
        assert!(matches!(&got[2], (0x42, 1, 3, SnacBody::Error { error, .. })
            if error.code == SnacErrorCode::InvalidSnac));
        assert!(
            matches!(&got[3], (4, 5, 4, SnacBody::IcbmParams(p)) if p.max_message_size == 8000)
        );
        assert!(matches!(&got[4], (4, 1, 5, SnacBody::Error { error, .. })
            if error.code == SnacErrorCode::NotLoggedOn));
    }

    /// The error code (or 0 for an ack) each of `bodies` is answered with, in order.
    fn answers(s: &mut Session, bodies: &[SnacBody]) -> Vec<(u16, u16)> {
        let mut out = Vec::new();
        for (i, b) in bodies.iter().enumerate() {
            assert_eq!(s.handle(data(b, 10 + i as u32), 0, &mut out), Flow::Continue);
        }
        decoded(&out)
            .into_iter()
            .filter_map(|(h, b)| match b {
                SnacBody::Error { error, .. } => Some((h.family, u16::from(error.code))),
                SnacBody::HostAck(_) => Some((h.family, 0)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn ims_over_a_size_limit_are_refused_with_0x0d() {
        use crate::bos::limits::{IM_OVERHEAD, MAX_IM_FIELD};
        let mut s = session(RateClasses::aol());
        let im = |tlvs: &[(u16, usize)]| {
            let mut im = icbm::SendIm::new([1; 8], "Bob", &ImMessage::new("hi"), true).unwrap();
            for &(kind, len) in tlvs {
                im.tlvs.set(kind, vec![b'x'; len]);
            }
            SnacBody::SendIm(im)
        };
        let others: Vec<(u16, usize)> = (0x20..0x27).map(|k| (k, MAX_IM_FIELD - 10)).collect();
        assert!(others.len() * MAX_IM_FIELD > 8000 + IM_OVERHEAD);
        let got = answers(
            &mut s,
            &[
                im(&[(0x0008, MAX_IM_FIELD)]),
                im(&[(0x0008, MAX_IM_FIELD + 1)]),
                im(&[(icbm::tlv::MESSAGE_DATA, 8001)]),
                im(&[(icbm::tlv::ICQ_DATA, 8001)]),
                im(&others),
                im(&[(icbm::tlv::MESSAGE_DATA, 8000)]),
            ],
        );
        let denied = (4, u16::from(SnacErrorCode::RequestDenied));
        assert_eq!(got, [(4, 0), denied, denied, denied, denied, (4, 0)]);
    }

    #[test]
    fn watched_names_are_capped_per_session() {
        use crate::bos::limits::MAX_WATCHED_PER_SESSION;
        use crate::oscar::buddy::TempBuddies;
        let mut s = session(RateClasses::aol());
        let names =
            |r: std::ops::Range<usize>| TempBuddies { names: r.map(|i| format!("n{i}")).collect() };
        let cap = MAX_WATCHED_PER_SESSION;
        let overflow = (3, u16::from(SnacErrorCode::ListOverflow));
        // Up to the cap is fine, one more is refused with 03/01 0x15, also in a later request.
        assert_eq!(answers(&mut s, &[SnacBody::AddTempBuddies(names(0..cap))]), []);
        assert_eq!(
            answers(&mut s, &[SnacBody::AddTempBuddies(names(cap - 5..cap + 1))]),
            [overflow]
        );
        // Names already watched cost nothing; removing one makes room for one.
        assert_eq!(answers(&mut s, &[SnacBody::AddTempBuddies(names(0..10))]), []);
        let room = [
            SnacBody::DelTempBuddies(names(0..1)),
            SnacBody::AddTempBuddies(names(cap..cap + 1)),
            SnacBody::AddTempBuddies(names(cap + 1..cap + 2)),
        ];
        assert_eq!(answers(&mut s, &room), [overflow]);
    }

    #[test]
    fn malformed_snacs_close_the_session() {
        let mut s = session(RateClasses::aol());
        let mut out = Vec::new();
        assert_eq!(s.handle(raw(4, 6, 1, &[0; 5]), 0, &mut out), Flow::Close(None));
        let mut s = session(RateClasses::aol());
        let short = Flap { channel: Channel::Data, sequence: 0, payload: vec![0, 1, 0].into() };
        assert_eq!(s.handle(short, 0, &mut out), Flow::Close(None));
        assert!(out.is_empty());
    }

    #[test]
    fn a_limited_im_class_is_dropped_with_an_error_then_disconnected() {
        let mut s = session(RateClasses::aol().scaled(100));
        let im = SnacBody::SendIm(
            icbm::SendIm::new([1; 8], "Bob", &ImMessage::new("x"), false).unwrap(),
        );
        let mut seen = Vec::new();
        for i in 0..100 {
            let mut out = Vec::new();
            let flow = s.handle(data(&im, i), u64::from(i), &mut out);
            for (h, b) in decoded(&out) {
                match b {
                    SnacBody::RateChange(c) => seen.push(format!("notice {:?}", c.code)),
                    SnacBody::Error { error, .. } if h.family == 4 => {
                        seen.push(format!("{}", u16::from(error.code)))
                    }
                    _ => {}
                }
            }
            if let Flow::Close(close) = flow {
                assert!(close.is_some_and(|c| c.message().is_some()));
                seen.push("close".into());
                break;
            }
        }
        let first = |x: &str| seen.iter().position(|s| s == x).unwrap_or(usize::MAX);
        assert!(
            first(&format!("notice {:?}", RateChangeCode::Warning))
                < first(&format!("notice {:?}", RateChangeCode::Limited)),
            "{seen:?}"
        );
        assert!(first(&format!("notice {:?}", RateChangeCode::Limited)) < first("2"), "{seen:?}");
        assert_eq!(seen.last().map(String::as_str), Some("close"));
    }

    /// What classic clients send on BOS in the families the 01/03 lists (§5.7): a usage
    /// report gets its 0B/04, alert capabilities get nothing (no error either), whatever their
    /// bodies.
    #[test]
    fn usage_reports_are_acknowledged_and_alert_capabilities_taken_silently() {
        let mut s = session(RateClasses::aol());
        for (i, body) in
            [&b""[..], &[0, 1, 0, 2, 0xAB, 0xCD][..], &[0xFF; 3][..]].iter().enumerate()
        {
            let id = 900 + i as u32;
            let mut out = Vec::new();
            assert_eq!(s.handle(raw(0x0B, 0x03, id, body), 0, &mut out), Flow::Continue);
            let got = decoded(&out);
            let [(h, ack)] = got.as_slice() else { panic!("{got:?}") };
            assert_eq!((h.family, h.subtype, h.request_id), (0x0B, 0x04, id));
            assert_eq!(*ack, SnacBody::StatsReportAck);
        }
        for subtype in [0x06, 0x16] {
            let mut out = Vec::new();
            assert_eq!(
                s.handle(raw(0x18, subtype, 950, &[0, 2, 1, 0, 7]), 0, &mut out),
                Flow::Continue
            );
            assert!(out.is_empty(), "{:?}", decoded(&out));
        }
    }

    /// Another BOS session of `s`'s account (Alice) on the same hub.
    fn another_session(s: &Session) -> Session {
        let account = s.hub.state().config.accounts.get("alice").unwrap().clone();
        let reg = s.hub.register(&account, s.peer, b"cookie", false);
        Session::new(Arc::clone(&s.hub), reg.id, account.screen_name, s.peer, 0)
    }

    /// Sends IMs 1 ms apart, taking `sessions` in turn and skipping those the server closed,
    /// until all are closed or `limit` were sent; returns how many passed the rate check.
    fn ims_passed(sessions: &mut [Session], limit: u32) -> usize {
        let im = SnacBody::SendIm(
            icbm::SendIm::new([1; 8], "Bob", &ImMessage::new("x"), false).unwrap(),
        );
        let mut open = vec![true; sessions.len()];
        let mut passed = 0;
        for i in 0..limit {
            let turn = (0..sessions.len()).map(|k| (i as usize + k) % sessions.len());
            let Some(k) = turn.clone().find(|k| open[*k]) else { break };
            let mut out = Vec::new();
            let flow = sessions[k].handle(data(&im, i), u64::from(i), &mut out);
            let refused = decoded(&out).iter().any(|(_, b)| {
                matches!(b, SnacBody::Error { error, .. } if error.code == SnacErrorCode::RateToHost)
            });
            open[k] = flow == Flow::Continue;
            passed += usize::from(open[k] && !refused);
        }
        passed
    }

    #[test]
    fn an_accounts_sessions_share_one_im_level() {
        let rates = RateClasses::aol().scaled(100);
        let alone = ims_passed(&mut [session(rates.clone())], 100);
        let first = session(rates);
        let (second, third) = (another_session(&first), another_session(&first));
        let together = ims_passed(&mut [first, second, third], 100);
        assert!(alone >= 4, "{alone}");
        // Three connections get no more through than one: the level is the account's.
        assert_eq!(together, alone);
    }

    #[test]
    fn a_new_session_is_told_the_accounts_im_level_in_its_rate_reply() {
        let rates = RateClasses::aol().scaled(100);
        let mut first = session(rates.clone());
        let class3 = rates.classes[2];
        let announced = |s: &mut Session, now: u64| {
            let mut out = Vec::new();
            s.handle(data(&SnacBody::RateParamsQuery, 1), now, &mut out);
            decoded(&out)
                .into_iter()
                .find_map(|(_, b)| match b {
                    SnacBody::RateParamsReply(r) => {
                        r.classes.iter().find(|c| c.id == class3.id).map(|c| c.current)
                    }
                    _ => None,
                })
                .unwrap()
        };
        assert_eq!(announced(&mut another_session(&first), 0), class3.max);
        assert_eq!(ims_passed(std::slice::from_mut(&mut first), 5), 5);
        let level = first.hub.im_level(&first.name).unwrap();
        assert!(level.level < class3.alert, "{level:?}");
        // Right after the burst: where the account stands, not a full class.
        assert_eq!(announced(&mut another_session(&first), 5), level.level_at(&class3, 5));
        assert!(announced(&mut another_session(&first), 5) < class3.alert);
        // Rested, the class is full again.
        assert_eq!(announced(&mut another_session(&first), 60_000), class3.max);
    }

    /// Collects every event's message, so a test can read what the log would say.
    struct Capture(Arc<std::sync::Mutex<String>>);

    impl tracing::Subscriber for Capture {
        fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
            tracing::span::Id::from_u64(1)
        }
        fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
        fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
        fn event(&self, event: &tracing::Event<'_>) {
            struct Fields<'a>(&'a mut String);
            impl tracing::field::Visit for Fields<'_> {
                fn record_debug(&mut self, _: &tracing::field::Field, v: &dyn std::fmt::Debug) {
                    use std::fmt::Write as _;
                    let _ = writeln!(self.0, "{v:?}");
                }
            }
            if let Ok(mut log) = self.0.lock() {
                event.record(&mut Fields(&mut log));
            }
        }
        fn enter(&self, _: &tracing::span::Id) {}
        fn exit(&self, _: &tracing::span::Id) {}
    }

    #[test]
    fn a_name_sent_by_a_peer_cannot_forge_a_log_line() {
        let mut s = session(RateClasses::aol());
        let long = ImMessage::new(&"y".repeat(9000));
        let im = SnacBody::SendIm(
            icbm::SendIm::new([1; 8], "x\nINFO Bob signed on\u{202e}", &long, false).unwrap(),
        );
        let log = Arc::new(std::sync::Mutex::new(String::new()));
        tracing::subscriber::with_default(Capture(Arc::clone(&log)), || {
            let mut out = Vec::new();
            s.handle(data(&im, 1), 0, &mut out);
        });
        let log = log.lock().unwrap().clone();
        assert!(log.contains("refused"), "{log}");
        assert!(log.contains("x\\nINFO Bob signed on\\u{202e}"), "{log}");
        assert_eq!(log.lines().count(), 1, "{log}");
    }
}
