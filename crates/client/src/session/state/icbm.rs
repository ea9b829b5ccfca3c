//! Family 0x04 (ICBM) on the client: IMs out (04/06) and in (04/07), host acks (04/0C),
//! typing (04/14), missed calls (04/0A) and the ICBM parameters (04/05).

use super::*;
use crate::oscar::icbm::CHANNEL_RENDEZVOUS;

impl SessionState {
    /// 04/05: the ICBM parameters; the maximum message size bounds what 04/06 may carry, and
    /// long IMs held until now are split against it.
    pub(super) fn icbm_params(&mut self, now: u64, header: &SnacHeader, params: &IcbmParams) {
        self.in_flight.remove(&header.request_id);
        if params.max_message_size > 0 {
            self.max_message = usize::from(params.max_message_size);
        }
        self.emit(Event::ImLimit { max_bytes: self.max_message });
        self.max_message_known = true;
        self.release_held_ims(now);
    }

    /// Sends the IMs that waited for the server's limit (with the default when 04/04 was
    /// refused).
    pub(super) fn release_held_ims(&mut self, now: u64) {
        self.max_message_known = true;
        for (id, to, text) in std::mem::take(&mut self.held_ims) {
            self.send_im(now, id, to, &text);
        }
    }

    /// 04/06: sends an IM asking for a host ack, offline storage and the peer's typing notices
    /// (TLV 0x000B); it is pending until 04/0C or an error. A message over the server's limit
    /// goes out as several IMs, in order, each paced by the rate limiter like any other (see
    /// [`crate::session::split`]). An ICQ peer without the XHTML capability gets plain text as
    /// ICQ clients write it, everyone else escaped HTML (§7.2, §10). When the buddy list does
    /// not say whether `to` is online, a locate query rides in the same flight (see the module
    /// docs of `state`).
    pub(super) fn send_im(&mut self, now: u64, id: MessageId, to: ScreenName, text: &str) {
        if !self.max_message_known && encoded_size(text) > SAFE_MESSAGE_SIZE {
            self.held_ims.push((id, to, text.to_string()));
            self.emit(Event::ImQueued { id });
            return;
        }
        let parts = match split_message(text, self.max_message) {
            Ok(parts) => parts,
            Err(e) => {
                tracing::info!("IM {id} cannot be sent: {e}");
                self.emit(Event::ImFailed { id, reason: ImFailure::TooLarge });
                return;
            }
        };
        if parts.len() > 1 {
            tracing::debug!("IM {id} goes out as {} IMs", parts.len());
            let progress = SplitProgress {
                parts: parts.len(),
                answered: 0,
                failed: Vec::new(),
                delivery: Delivery::Online,
            };
            self.splits.insert(id, progress);
        }
        for (part, text) in parts.iter().enumerate() {
            self.send_part(id, part, &to, text);
        }
        self.flush(now);
        if self.pending.iter().any(|p| p.id == id && !p.written) {
            self.emit(Event::ImQueued { id });
        }
    }

    fn send_part(&mut self, id: MessageId, part: usize, to: &ScreenName, text: &str) {
        let message = if self.speaks_markup(to) {
            ImMessage::new(&html_body(text))
        } else {
            ImMessage::plain(text)
        };
        let cookie: [u8; 8] = self.rng.random();
        let mut body = match SendIm::new(cookie, to.as_str(), &message, true) {
            Ok(b) => b,
            Err(e) => {
                tracing::info!("IM {id} cannot be encoded: {e}");
                self.im_finished(id, part, Err(ImFailure::TooLarge));
                return;
            }
        };
        let size = body.tlvs.value(oscar::icbm::tlv::MESSAGE_DATA).map_or(0, <[u8]>::len);
        if size > self.max_message {
            self.im_finished(id, part, Err(ImFailure::TooLarge));
            return;
        }
        body.tlvs.push(oscar::icbm::tlv::STORE_OFFLINE, Vec::new());
        body.tlvs.push(oscar::icbm::tlv::WANTS_TYPING, Vec::new());
        let whereabouts = self.whereabouts(to);
        if whereabouts == Whereabouts::Asking && !self.asking_about(to) {
            let query = locate_query(to);
            self.enqueue(query.body, query.tag);
        }
        self.pending.push(PendingIm {
            id,
            part,
            cookie,
            body: body.clone(),
            written: false,
            resent: false,
            whereabouts,
            acked_at: None,
        });
        self.enqueue(SnacBody::SendIm(body), Tag::Im(cookie));
    }

    /// One IM (a whole message, or one part of a split one) was acknowledged or failed. A
    /// split message is acknowledged once every part is, and fails once every part has an
    /// answer and some failed, naming them.
    pub(super) fn im_finished(
        &mut self,
        id: MessageId,
        part: usize,
        result: Result<Delivery, ImFailure>,
    ) {
        let Some(split) = self.splits.get_mut(&id) else {
            match result {
                Ok(delivery) => self.emit(Event::ImAcked { id, delivery }),
                Err(reason) => self.emit(Event::ImFailed { id, reason }),
            }
            return;
        };
        split.answered += 1;
        match result {
            // The message as a whole is only as delivered as its least delivered part.
            Ok(delivery) => split.delivery = least_delivered(split.delivery, delivery),
            Err(reason) => split.failed.push(PartFailure { part: part + 1, reason }),
        }
        if split.answered < split.parts {
            return;
        }
        let Some(split) = self.splits.remove(&id) else { return };
        if split.failed.is_empty() {
            self.emit(Event::ImAcked { id, delivery: split.delivery });
        } else {
            let mut failed = split.failed;
            failed.sort_by_key(|f| f.part);
            let reason = ImFailure::Parts { parts: split.parts, failed };
            self.emit(Event::ImFailed { id, reason });
        }
    }

    /// Whether `to` is online as the buddy list says, or [`Whereabouts::Asking`] when it does
    /// not know (not a buddy, or not announced on this connection yet).
    fn whereabouts(&self, to: &ScreenName) -> Whereabouts {
        match self.presence.get(to) {
            Some(p) if p.availability != Availability::Offline => Whereabouts::Online,
            _ if self.departed.contains(to) => Whereabouts::Offline,
            _ => Whereabouts::Asking,
        }
    }

    /// Whether a pending IM to `to` already waits for a locate answer, which a new IM to
    /// them shares rather than asking again.
    fn asking_about(&self, to: &ScreenName) -> bool {
        self.pending.iter().any(|p| {
            p.whereabouts == Whereabouts::Asking && ScreenName::from_wire(&p.body.recipient) == *to
        })
    }

    /// A locate answer about `who`: every pending IM to them that was asking learns it, and
    /// those already acknowledged are reported.
    pub(super) fn whereabouts_learned(&mut self, who: &ScreenName, whereabouts: Whereabouts) {
        let mut done = Vec::new();
        for p in self.pending.iter_mut() {
            if p.whereabouts != Whereabouts::Asking
                || ScreenName::from_wire(&p.body.recipient) != *who
            {
                continue;
            }
            p.whereabouts = whereabouts;
            if let (Some(_), Some(delivery)) = (p.acked_at, whereabouts.delivery()) {
                done.push((p.id, p.part, delivery));
            }
        }
        if done.is_empty() {
            return;
        }
        self.pending.retain(|p| !done.iter().any(|(id, part, _)| (*id, *part) == (p.id, p.part)));
        for (id, part, delivery) in done {
            self.im_finished(id, part, Ok(delivery));
        }
    }

    /// When the first acknowledged IM still waiting for its locate answer gives up on it.
    pub(super) fn whereabouts_deadline(&self) -> Option<u64> {
        let acked = self.pending.iter().filter_map(|p| p.acked_at);
        acked.min().map(|at| at.saturating_add(WHEREABOUTS_GRACE_MS))
    }

    /// Reports every acknowledged IM whose locate answer is overdue at `now` as accepted.
    pub(super) fn whereabouts_overdue(&mut self, now: u64) {
        let overdue = |p: &PendingIm| {
            p.acked_at.is_some_and(|at| now >= at.saturating_add(WHEREABOUTS_GRACE_MS))
        };
        let (late, keep): (Vec<PendingIm>, Vec<PendingIm>) =
            self.pending.drain(..).partition(overdue);
        self.pending = keep;
        for p in late {
            tracing::info!("no answer about an IM's recipient; reporting the IM accepted");
            self.im_finished(p.id, p.part, Ok(Delivery::Accepted));
        }
    }

    /// 04/07: an incoming IM (see [`SessionState::on_incoming_im`] for channels and repeats).
    pub(super) fn incoming_im(&mut self, now: u64, im: oscar::icbm::IncomingIm) {
        self.on_incoming_im(now, im);
    }

    fn on_incoming_im(&mut self, now: u64, im: oscar::icbm::IncomingIm) {
        let from = ScreenName::from_wire(&im.sender.screen_name);
        if self.refuses(&from) {
            tracing::info!(
                "dropping an IM from {}, whom our privacy settings refuse",
                from.as_str()
            );
            return;
        }
        if im.channel == oscar::icbm::CHANNEL_IM && !im.is_auto_response() {
            self.heard_from(now, &from);
        }
        let key = (from.normalized().to_string(), im.cookie);
        // An all-zero cookie marks a server's own message (§7.3): several may share it, so it
        // names no IM and proves no repeat.
        let server_made = im.cookie == [0; 8];
        if !server_made && self.recent_cookies.contains(&key) {
            tracing::info!("dropping a repeated IM (same cookie) from {}", from.as_str());
            return;
        }
        if im.sender.tlvs.has(userinfo::tlv::CAPABILITIES) {
            self.note_capabilities(&from, &im.sender);
        }
        let markup = self.speaks_markup(&from);
        let text = match im.channel {
            oscar::icbm::CHANNEL_IM => match im.message() {
                Some(Ok(m)) => {
                    let text = m.text();
                    if markup && (!from.is_uin() || looks_like_html(&text)) {
                        to_plain(&text)
                    } else {
                        m.plain_text()
                    }
                }
                Some(Err(e)) => {
                    tracing::warn!(
                        "skipping an IM from {} that does not decode: {e}",
                        from.as_str()
                    );
                    return;
                }
                None => {
                    tracing::debug!("skipping an IM without message data");
                    return;
                }
            },
            oscar::icbm::CHANNEL_ICQ => match im.icq_message() {
                Some(Ok(m)) => m.text,
                _ => {
                    tracing::debug!("skipping an ICQ system message that does not decode");
                    return;
                }
            },
            CHANNEL_RENDEZVOUS if self.rendezvous(&im) => return,
            other => {
                tracing::debug!("skipping an ICBM on channel {other} from {}", from.as_str());
                return;
            }
        };
        if !server_made {
            if self.recent_cookies.len() >= RECENT_COOKIES {
                self.recent_cookies.pop_front();
            }
            self.recent_cookies.push_back(key);
        }
        let send_time = im.send_time();
        let auto_response = im.is_auto_response();
        if send_time.is_none() {
            // Someone writing to us is worth watching, buddy or not.
            self.watch_presence(&from);
        }
        if !auto_response && send_time.is_none() && im.channel == oscar::icbm::CHANNEL_IM {
            self.auto_respond(now, &from);
        }
        self.emit(Event::ImReceived(IncomingIm {
            from,
            text,
            time: send_time.map(unix_time).unwrap_or_else(self.wall),
            auto_response,
            offline: send_time.is_some(),
        }));
    }

    /// While away, answers a live IM with the away message, flagged as an auto-response
    /// (04/06 TLV 0x0004) so the sender's client shows it as one, at most once per person per
    /// [`AUTO_RESPONSE_INTERVAL_MS`]. Never in answer to an auto-response (two away clients
    /// would answer each other forever) or to an offline message. No ack is asked: nothing
    /// waits for it.
    fn auto_respond(&mut self, now: u64, to: &ScreenName) {
        let Some(away) = self.away.clone() else { return };
        let key = to.normalized().to_string();
        if self.auto_responded.get(&key).is_some_and(|&at| now < at + AUTO_RESPONSE_INTERVAL_MS) {
            return;
        }
        // An away message longer than one IM is answered with its first part.
        let Some(text) =
            split_message(&away, self.max_message).ok().and_then(|p| p.into_iter().next())
        else {
            return;
        };
        let cookie: [u8; 8] = self.rng.random();
        match SendIm::new(cookie, to.as_str(), &ImMessage::new(&html_body(&text)), false) {
            Ok(mut body) => {
                body.tlvs.push(oscar::icbm::tlv::AUTO_RESPONSE, Vec::new());
                self.auto_responded.retain(|_, at| now < *at + AUTO_RESPONSE_INTERVAL_MS);
                self.auto_responded.insert(key, now);
                self.enqueue(SnacBody::SendIm(body), Tag::Plain);
            }
            Err(e) => tracing::info!("cannot encode the auto-response: {e}"),
        }
    }

    /// 04/0C: the server took an IM (delivered or stored offline: the recipient's whereabouts
    /// say which, so the report waits for the locate answer if it is not in yet).
    pub(super) fn host_ack(&mut self, now: u64, header: &SnacHeader, ack: &HostAck) {
        let pos = self.pending.iter().position(|p| p.cookie == ack.cookie && p.acked_at.is_none());
        match pos.and_then(|pos| Some((pos, self.pending.get_mut(pos)?))) {
            Some((pos, p)) => match p.whereabouts.delivery() {
                Some(delivery) => {
                    let p = self.pending.remove(pos);
                    self.im_finished(p.id, p.part, Ok(delivery));
                }
                None => p.acked_at = Some(now),
            },
            None => tracing::info!("ignoring an IM ack nobody asked for"),
        }
        self.in_flight.remove(&header.request_id);
    }

    /// 04/14: a buddy's typing state.
    pub(super) fn typing(&mut self, t: &Typing) {
        let state = match t.event {
            TypingEvent::Finished => TypingState::Finished,
            TypingEvent::Paused => TypingState::Paused,
            TypingEvent::Typing => TypingState::Typing,
            TypingEvent::Unknown(v) => {
                tracing::debug!("unknown typing event {v}");
                return;
            }
        };
        let from = ScreenName::from_wire(&t.screen_name);
        if self.refuses(&from) {
            return;
        }
        self.emit(Event::Typing { from, state });
    }

    /// 04/0A: IMs the server dropped before they reached us, one notice per sender.
    pub(super) fn missed_calls(&mut self, missed: MissedCalls) {
        for m in missed.entries {
            self.emit(Event::MissedIms {
                from: ScreenName::from_wire(&m.sender.screen_name),
                count: m.count,
                reason: m.reason,
            });
        }
    }
}

/// Whether an ICQ peer's message is a markup document (`<html>…` or `<body>…`). A client with
/// the XHTML capability still sends plain text to peers it believes lack it, so the capability
/// alone does not make a message markup (§10).
fn looks_like_html(text: &str) -> bool {
    let start = text.trim_start().get(..5).unwrap_or_default();
    start.eq_ignore_ascii_case("<html") || start.eq_ignore_ascii_case("<body")
}

/// Of two parts' deliveries, the one that says less was delivered: a message is delivered only
/// when every part was, and stored when any part was stored.
fn least_delivered(a: Delivery, b: Delivery) -> Delivery {
    let rank = |d: Delivery| match d {
        Delivery::StoredOffline => 0,
        Delivery::Accepted => 1,
        Delivery::Online => 2,
    };
    if rank(a) <= rank(b) {
        a
    } else {
        b
    }
}
