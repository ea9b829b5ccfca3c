//! One BOS session's protocol logic: each inbound frame in, the frames to send back out, in
//! order. No sockets here; the connection task in [`super::conn`] does the I/O.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::ratelimit::{self, RateVerdict};
use super::{flap, FeedbagOp, Hub, ImOutcome};
use crate::oscar::buddy::BuddyRights;
use crate::oscar::buf::Reader;
use crate::oscar::codes::{RateChangeCode, SnacErrorCode};
use crate::oscar::feedbag::{FeedbagReply, FeedbagRights, FeedbagStamp, FeedbagStatus};
use crate::oscar::icbm::{self, HostAck, IcbmParams};
use crate::oscar::locate::LocateRights;
use crate::oscar::oservice::{FamilyList, SelfInfo};
use crate::oscar::permitdeny::PdRights;
use crate::oscar::rate::RateTable;
use crate::oscar::snac::{SnacError, FLAG_MORE_REPLIES};
use crate::oscar::WireError;
use crate::oscar::{
    decode_snac, encode_snac, Channel, Flap, OutFlap, SignOff, Snac, SnacBody, SnacHeader, TlvBlock,
};
use crate::screenname::ScreenName;

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
    hub: Arc<Hub>,
    id: u64,
    name: ScreenName,
    peer: std::net::SocketAddr,
    oservice_version: u16,
    rate: RateTable,
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
        Session { hub, id, name, peer, oservice_version: 1, rate }
    }

    /// The 01/03 host-online frame that opens every BOS session.
    pub fn host_online(&self) -> Option<OutFlap> {
        flap(
            &SnacBody::HostOnline(FamilyList { families: BOS_FAMILIES.to_vec() }),
            self.hub.server_request_id(),
        )
    }

    fn extended(&self) -> bool {
        self.oservice_version >= 2
    }

    /// Handles one inbound frame received at `now_ms`, pushing replies onto `out`.
    pub fn handle(&mut self, frame: Flap, now_ms: u64, out: &mut Vec<OutFlap>) -> Flow {
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

    fn handle_snac(&mut self, payload: &bytes::Bytes, now_ms: u64, out: &mut Vec<OutFlap>) -> Flow {
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
        let verdict = ratelimit::check(&mut self.rate, h.family, h.subtype, now_ms, extended);
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
            out.extend(flap(&SnacBody::RateChange(n), self.hub.server_request_id()));
        }
        if dropped {
            // As OOS: a limited class's SNACs are dropped; an IM sender is told so.
            if (h.family, h.subtype) == (icbm::FAMILY, icbm::subtype::CHANNEL_MSG_TO_HOST) {
                out.extend(error(icbm::FAMILY, SnacErrorCode::RateToHost, h.request_id));
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
        self.dispatch(h, body, &snac.body, out)
    }

    fn reply(&self, body: SnacBody, h: &SnacHeader, out: &mut Vec<OutFlap>) {
        out.extend(flap(&body, h.request_id));
    }

    fn dispatch(
        &mut self,
        h: SnacHeader,
        body: SnacBody,
        raw: &[u8],
        out: &mut Vec<OutFlap>,
    ) -> Flow {
        use SnacBody as B;
        let hub = Arc::clone(&self.hub);
        let id = self.id;
        match body {
            B::ClientVersions(v) => {
                self.oservice_version = v.version_of(0x0001).unwrap_or(1);
                self.reply(B::HostVersions(v), &h, out);
            }
            B::RateParamsQuery => {
                let reply = hub.state().config.rate_classes.reply(self.extended());
                self.reply(B::RateParamsReply(reply), &h, out);
            }
            B::RateAck(_)
            | B::FeedbagUse
            | B::FeedbagStartTransaction(_)
            | B::FeedbagEndTransaction => {}
            B::SelfInfoQuery => {
                if let Some(info) = hub.self_info(id) {
                    self.reply(B::SelfInfo(SelfInfo { info, more: Vec::new() }), &h, out);
                }
            }
            B::SetStatus(s) => {
                if let Some(info) = hub.set_status(id, s.status_word()) {
                    self.reply(B::SelfInfo(SelfInfo { info, more: Vec::new() }), &h, out);
                }
            }
            B::IdleTime(t) => hub.set_idle(id, t.seconds),
            B::ClientReady(_) => {
                for body in hub.client_ready(id) {
                    out.extend(flap(&body, hub.server_request_id()));
                }
            }
            B::FeedbagRightsQuery(_) => self.reply(B::FeedbagRights(feedbag_rights()), &h, out),
            B::FeedbagQuery => self.send_feedbag(&h, out),
            B::FeedbagQueryIfModified(stamp) => {
                let bag = hub.feedbag(id);
                let count = u16::try_from(bag.items.len()).unwrap_or(u16::MAX);
                if stamp.last_modified == bag.last_modified && stamp.count == count {
                    let stamp = FeedbagStamp { last_modified: bag.last_modified, count };
                    self.reply(B::FeedbagNotModified(stamp), &h, out);
                } else {
                    self.send_feedbag(&h, out);
                }
            }
            B::FeedbagInsert(items) | B::FeedbagUpdate(items) | B::FeedbagDelete(items) => {
                let op = match h.subtype {
                    0x08 => FeedbagOp::Insert,
                    0x09 => FeedbagOp::Update,
                    _ => FeedbagOp::Delete,
                };
                let (results, arrivals) = hub.feedbag_change(id, op, &items.items);
                self.reply(B::FeedbagStatus(FeedbagStatus { results }), &h, out);
                for a in arrivals {
                    out.extend(flap(&a, hub.server_request_id()));
                }
            }
            B::LocateRightsQuery(_) => self.reply(B::LocateRights(locate_rights()), &h, out),
            B::SetInfo(info) => match info.capabilities() {
                Ok(caps) => {
                    hub.set_info(id, info.profile(), info.away_message(), caps.map(|c| c.concat()))
                }
                Err(e) => {
                    tracing::info!("{} at {}: rejected 02/04: {e}", self.name, self.peer);
                    out.extend(error(h.family, SnacErrorCode::BustedPayload, h.request_id));
                }
            },
            B::UserInfoQuery(q) | B::UserInfoQuery2(q) => {
                match hub.locate(&q.screen_name, q.kind) {
                    Ok(reply) => self.reply(B::UserInfoReply(reply), &h, out),
                    Err(code) => out.extend(error(h.family, code, h.request_id)),
                }
            }
            B::BuddyRightsQuery(_) => self.reply(B::BuddyRights(buddy_rights()), &h, out),
            B::IcbmParamsQuery => {
                let max = hub.state().config.max_message_size;
                self.reply(B::IcbmParams(icbm_params(max)), &h, out);
            }
            B::SetIcbmParams(p) => hub.set_icbm_flags(id, p.flags),
            B::SendIm(im) => self.send_im(&h, &im, out),
            B::Typing(t) => hub.typing(id, &t),
            B::OfflineRetrieve => {
                for body in hub.offline_retrieve(id) {
                    out.extend(flap(&body, hub.server_request_id()));
                }
                self.reply(B::OfflineDone, &h, out);
            }
            B::PdRightsQuery(_) => self.reply(B::PdRights(pd_rights()), &h, out),
            B::Unknown { family: 0x03, subtype: sub @ (0x04 | 0x05) } => match read_names(raw) {
                Ok(names) => {
                    for a in hub.temp_buddies(id, names, sub == 0x04) {
                        out.extend(flap(&a, hub.server_request_id()));
                    }
                }
                Err(e) => {
                    tracing::warn!(
                        "{} at {}: malformed 03/{sub:02X} ({e}), closing",
                        self.name,
                        self.peer
                    );
                    return Flow::Close(None);
                }
            },
            other => {
                // As OOS: whatever cannot be routed gets `(family, 0x0001)` code 0x01.
                tracing::debug!(
                    "{} at {}: unsupported SNAC {:?}",
                    self.name,
                    self.peer,
                    other.id()
                );
                out.extend(error(h.family, SnacErrorCode::InvalidSnac, h.request_id));
            }
        }
        Flow::Continue
    }

    fn send_feedbag(&self, h: &SnacHeader, out: &mut Vec<OutFlap>) {
        let bag = self.hub.feedbag(self.id);
        let parts = FeedbagReply::split(bag.items, bag.last_modified, FEEDBAG_PART_MAX);
        let last = parts.len().saturating_sub(1);
        for (i, part) in parts.into_iter().enumerate() {
            let flags = if i < last { FLAG_MORE_REPLIES } else { 0 };
            match encode_snac(&SnacBody::FeedbagReply(part), h.request_id, flags) {
                Ok(p) => out.push(OutFlap::data(p)),
                Err(e) => tracing::error!("cannot encode 13/06: {e}"),
            }
        }
    }

    fn send_im(&self, h: &SnacHeader, im: &icbm::SendIm, out: &mut Vec<OutFlap>) {
        let max = usize::from(self.hub.state().config.max_message_size);
        if im.tlvs.value(icbm::tlv::MESSAGE_DATA).is_some_and(|d| d.len() > max) {
            tracing::info!(
                "{} at {}: IM to {} exceeds {max} bytes",
                self.name,
                self.peer,
                im.recipient
            );
            out.extend(error(icbm::FAMILY, SnacErrorCode::RequestDenied, h.request_id));
            return;
        }
        match self.hub.send_im(self.id, im) {
            Ok(outcome) => {
                if outcome == ImOutcome::Stored {
                    tracing::debug!("{}: IM to offline {} stored", self.name, im.recipient);
                }
                if im.wants_ack() {
                    let ack = HostAck {
                        cookie: im.cookie,
                        channel: im.channel,
                        screen_name: im.recipient.clone(),
                    };
                    self.reply(SnacBody::HostAck(ack), h, out);
                }
            }
            Err(code) => out.extend(error(icbm::FAMILY, code, h.request_id)),
        }
    }
}

/// A `(family, 0x0001)` error with `code`, answering request `request_id`.
pub fn error(family: u16, code: SnacErrorCode, request_id: u32) -> Option<OutFlap> {
    flap(&SnacBody::Error { family, error: SnacError::new(code) }, request_id)
}

/// Reads the `str8` screen names of 03/04 and 03/05.
fn read_names(body: &[u8]) -> Result<Vec<ScreenName>, WireError> {
    let mut r = Reader::new(body);
    let mut names = Vec::new();
    while !r.is_empty() {
        names.push(ScreenName::from_wire(&r.string8()?));
    }
    Ok(names)
}

/// 13/03: max items per class in TLV 0x0004 (buddies, groups, permits, denies, …).
fn feedbag_rights() -> FeedbagRights {
    let mut per_class = [0u16; 0x15];
    for (class, max) in [
        (0x00, 1000),
        (0x01, 100),
        (0x02, 1000),
        (0x03, 1000),
        (0x04, 1),
        (0x05, 1),
        (0x09, 1),
        (0x0E, 1000),
        (0x0F, 1),
        (0x14, 20),
    ] {
        if let Some(slot) = per_class.get_mut(class) {
            *slot = max;
        }
    }
    let tlvs = TlvBlock::new()
        .with_u16(0x0002, 0x00FE)
        .with_u16(0x0003, 0x01FC)
        .with(0x0004, per_class.iter().flat_map(|v| v.to_be_bytes()).collect::<Vec<_>>())
        .with_u16(0x0005, 0x0064)
        .with_u16(0x0006, 0x0061);
    FeedbagRights { tlvs }
}

fn locate_rights() -> LocateRights {
    LocateRights {
        tlvs: TlvBlock::new()
            .with_u16(0x0001, 0x1000)
            .with_u16(0x0002, 0x0080)
            .with_u16(0x0003, 0x000A)
            .with_u16(0x0004, 0x1000)
            .with_u16(0x0005, 0x0080),
    }
}

fn buddy_rights() -> BuddyRights {
    BuddyRights {
        tlvs: TlvBlock::new().with_u16(0x0001, 1000).with_u16(0x0002, 3000).with_u16(0x0004, 160),
    }
}

fn pd_rights() -> PdRights {
    PdRights {
        tlvs: TlvBlock::new().with_u16(0x0001, 1000).with_u16(0x0002, 1000).with_u16(0x0003, 160),
    }
}

/// 04/05 as Open OSCAR Server answers it, with our maximum message size.
pub fn icbm_params(max_message_size: u16) -> IcbmParams {
    IcbmParams {
        channel: 0x0064,
        flags: 0x0000_0003,
        max_message_size,
        max_sender_warning: 999,
        max_receiver_warning: 999,
        min_interval_ms: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oscar::codes::RateChangeCode;
    use crate::oscar::oservice::{FamilyVersion, VersionList};
    use crate::oscar::snac::SnacHeader;
    use crate::oscar::{decode_snac_payload, snac_flap, ImMessage};
    use crate::{Accounts, RateClasses, ServerConfig, ServerState};

    const ACCOUNTS: &str = "[[account]]\nscreen_name='Alice'\npassword='a'\n\
                            [[account]]\nscreen_name='Bob'\npassword='b'\n";

    fn session(rates: RateClasses) -> Session {
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

    fn decoded(out: &[OutFlap]) -> Vec<(SnacHeader, SnacBody)> {
        out.iter().map(|f| decode_snac_payload(&f.payload).unwrap()).collect()
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
}
