//! The connection's life on the client: the hello and the pipelined sign-on flight (§5),
//! what survives a dropped connection, and a bare close that means another sign-on (§1.5).

use super::*;
use crate::oscar::icbm::subtype as icbm_subtype;
use crate::session::bos_core;

impl SessionState {
    /// A new BOS connection is up: writes the hello with `cookie` and the whole pipelined
    /// sign-on flight (§5 and the round-trip rules), then any IMs waiting from before.
    pub fn connection_started(&mut self, now: u64, cookie: &[u8]) {
        self.connected = true;
        self.signed_on = false;
        self.paused = false;
        // Until this connection's 01/07 arrives the classes are AOL's, full, except the IM
        // class: a server may count it per account across connections (§14), so the level our
        // own sends left is a safer guess than a full class. Only that class is kept, so a
        // hostile server's classes cannot hold up the next sign-on's 01/06.
        let (family, subtype) = (crate::oscar::icbm::FAMILY, icbm_subtype::CHANNEL_MSG_TO_HOST);
        let kept = self.rates.class(self.rates.class_id_of(family, subtype)).map(|(c, s)| (*c, *s));
        self.rates = default_rate_table(now);
        if let Some((class, state)) = kept {
            let id = self.rates.class_id_of(family, subtype);
            self.rates.set_params(RateClass { id, ..class });
            self.rates.set_level(id, state.level, state.last_ms);
        }
        self.rates_known = false;
        self.sent_since_rate_query = None;
        self.in_flight.clear();
        self.departed.clear();
        self.feedbag_loaded = false;
        self.feedbag_parts.clear();
        self.display_name = None;
        self.signon_deadline = Some(now.saturating_add(SIGNON_TIMEOUT_MS));
        self.signing_on_too_often = false;
        // A new connection starts active on the server: still idle, it is told again once
        // signed on.
        self.idle_reported = false;
        self.emit(Event::SignOnProgress(SignOnStep::Negotiating));
        match bos_core::hello(cookie) {
            Ok(hello) => self.out.frames.push(hello),
            Err(e) => {
                tracing::warn!("cannot encode the BOS hello: {e}");
                self.close(
                    DisconnectReason::Network(NetworkError::BadCookie(e.to_string())),
                    false,
                );
                return;
            }
        }
        self.last_send = now;
        let mut flight: Vec<Outgoing> = self
            .signon_flight()
            .into_iter()
            .map(|body| Outgoing { body, tag: Tag::Plain })
            .collect();
        if self.status != IcqStatus::Online {
            // A chosen status is set again before 01/02, as ICQ clients do (§10), so buddies
            // never see us plain online (or visible) in between.
            let at = flight.len().saturating_sub(1);
            flight.insert(at, self.set_status_snac());
        }
        // The locate queries for IMs still asking where their recipient is go first (once per
        // recipient: answers lost with the old connection, or never asked because the IM was
        // queued before any connection), then IMs written on a connection that dropped (they
        // are the oldest), then the ones that never left the queue, then the offline-message
        // request, then the temporary buddies.
        let mut asking: Vec<ScreenName> = Vec::new();
        for p in self.pending.iter().filter(|p| p.whereabouts == Whereabouts::Asking) {
            let who = ScreenName::from_wire(&p.body.recipient);
            if !asking.contains(&who) {
                flight.push(locate_query(&who));
                asking.push(who);
            }
        }
        for p in self.pending.iter().filter(|p| p.resent && !p.written) {
            flight
                .push(Outgoing { body: SnacBody::SendIm(p.body.clone()), tag: Tag::Im(p.cookie) });
        }
        self.queue.retain(|o| !matches!(o.tag, Tag::Whereabouts(_)));
        let waiting: Vec<Outgoing> = self.queue.drain(..).collect();
        flight.extend(waiting);
        flight.push(Outgoing { body: SnacBody::OfflineRetrieve, tag: Tag::Plain });
        // People outside the buddy list we watch, last: nothing waits on their presence.
        if !self.temp_buddies.is_empty() {
            let names = self.temp_buddies.iter().map(|n| n.as_str().to_string()).collect();
            let body = SnacBody::AddTempBuddies(TempBuddies { names });
            flight.push(Outgoing { body, tag: Tag::Plain });
        }
        self.queue = flight.into();
        self.rejoin_rooms();
        self.flush(now);
    }

    /// The SNACs of the sign-on flight, in the order the round-trip rules list them.
    pub(super) fn signon_flight(&self) -> Vec<SnacBody> {
        let (versions, ready) = bos_core::negotiation(&FAMILIES);
        let icbm = IcbmParams {
            channel: 0,
            // messages, missed calls, typing events, offline messages
            flags: 0x0000_010B,
            max_message_size: DEFAULT_MAX_MESSAGE as u16,
            max_sender_warning: 999,
            max_receiver_warning: 999,
            min_interval_ms: 0,
        };
        vec![
            versions,
            SnacBody::RateParamsQuery,
            SnacBody::SelfInfoQuery,
            SnacBody::FeedbagRightsQuery(FeedbagRightsQuery::default()),
            SnacBody::FeedbagQuery,
            SnacBody::LocateRightsQuery(LocateRightsQuery::default()),
            SnacBody::BuddyRightsQuery(BuddyRightsQuery::default()),
            SnacBody::IcbmParamsQuery,
            SnacBody::PdRightsQuery(PdRightsQuery::default()),
            SnacBody::SetIcbmParams(icbm),
            SnacBody::SetInfo(self.set_info(true)),
            SnacBody::FeedbagUse,
            ready,
        ]
    }

    /// 01/1E with our ICQ status, tagged so its 01/0F answer confirms it.
    pub(super) fn set_status_snac(&self) -> Outgoing {
        Outgoing { body: SnacBody::SetStatus(SetStatus::icq(self.status)), tag: STATUS_TAG }
    }

    /// 02/04 with our capabilities and profile (at sign-on) and the away message (`""` =
    /// back).
    pub(super) fn set_info(&self, with_caps: bool) -> SetInfo {
        let mut info = SetInfo::default();
        if with_caps {
            info =
                info.with_capabilities(&[CAP_TYPING, CAP_UNICODE, CAP_INTEROPERATE, CAP_XHTML_IM]);
            // The profile is the server's only for the session: set again at each sign-on.
            if let Some(profile) = &self.profile {
                info = info.with_profile(&html_body(profile));
            }
        }
        match &self.away {
            Some(text) => info.with_away_message(&html_body(text)),
            None if with_caps => info,
            None => info.with_away_message(""),
        }
    }

    /// The connection is gone. With `will_retry`, IMs written but not acknowledged are kept
    /// to be resent once on the next connection (same cookie) and queued IMs wait; without it,
    /// every unfinished IM fails with [`ImFailure::ConnectionLost`]. Buddies are reported
    /// offline until the next connection announces them again.
    pub fn connection_lost(&mut self, will_retry: bool) {
        self.connected = false;
        self.signed_on = false;
        self.signon_deadline = None;
        self.queue_deadline = None;
        self.in_flight.clear();
        self.queue.retain(|o| will_retry && matches!(o.tag, Tag::Im(_)));
        self.rooms_lost(will_retry);
        self.icons_lost();
        self.directory_lost();
        let mut failed = Vec::new();
        let mut accepted = Vec::new();
        let mut keep = Vec::new();
        if !will_retry {
            failed.extend(self.held_ims.drain(..).map(|(id, _, _)| (id, 0, ImFailure::NotSent)));
        }
        for mut p in self.pending.drain(..) {
            if p.acked_at.is_some() {
                // Acknowledged; only the locate answer was lost.
                accepted.push((p.id, p.part));
                continue;
            }
            if !will_retry || (p.written && p.resent) {
                let reason = if p.written || p.resent {
                    ImFailure::ConnectionLost
                } else {
                    ImFailure::NotSent
                };
                failed.push((p.id, p.part, reason));
                continue;
            }
            if p.written {
                p.written = false;
                p.resent = true;
            }
            if p.resent {
                // `connection_started` puts it back ahead of the queue, so it must not stay in
                // the queue too (a resend the limiter held when this connection dropped would
                // otherwise be written twice on the next one).
                self.queue.retain(|o| o.tag != Tag::Im(p.cookie));
            }
            keep.push(p);
        }
        self.pending = keep;
        for (id, part) in accepted {
            self.im_finished(id, part, Ok(Delivery::Accepted));
        }
        for (id, part, reason) in failed {
            self.im_finished(id, part, Err(reason));
        }
        self.departed.clear();
        let mut gone: Vec<Presence> = self.presence.drain().map(|(_, p)| p).collect();
        gone.sort_by(|a, b| a.name.normalized().cmp(b.name.normalized()));
        for mut p in gone {
            if p.availability != Availability::Offline {
                p.availability = Availability::Offline;
                p.idle_minutes = None;
                p.away_message = None;
                p.status = None;
                self.emit(Event::Presence(p));
            }
        }
    }

    /// A signed-on connection closed without a reason (§1.5): a server going down, or one that
    /// tells an older client nothing when another sign-on of the account replaces it (Open
    /// OSCAR Server sends such clients a bare `2A 04 ss ss`). The first is worth one reconnect;
    /// a second within [`BARE_CLOSE_WINDOW_MS`] means two sign-ons are replacing each other,
    /// and reconnecting again would only keep that war going.
    pub(super) fn bare_close(&mut self, now: u64) -> (DisconnectReason, bool) {
        match self.bare_close_at {
            Some(at) if now.saturating_sub(at) <= BARE_CLOSE_WINDOW_MS => {
                tracing::info!(
                    "closed without a reason again {} s after the last time: taken to be \
                     another sign-on of this account, not reconnecting",
                    now.saturating_sub(at) / 1000
                );
                self.bare_close_at = None;
                (DisconnectReason::SignedOnElsewhere, false)
            }
            _ => {
                self.bare_close_at = Some(now);
                (DisconnectReason::ServerClosed(None), true)
            }
        }
    }
}
