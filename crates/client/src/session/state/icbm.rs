//! Family 0x04 (ICBM) on the client: IMs out (04/06) and in (04/07), host acks (04/0C),
//! typing (04/14), missed calls (04/0A) and the ICBM parameters (04/05).

use super::*;

impl SessionState {
    /// 04/05: the ICBM parameters; the maximum message size bounds what 04/06 may carry.
    pub(super) fn icbm_params(&mut self, params: &IcbmParams) {
        if params.max_message_size > 0 {
            self.max_message = usize::from(params.max_message_size);
        }
    }

    /// 04/06: sends an IM asking for a host ack, offline storage and the peer's typing notices
    /// (TLV 0x000B); it is pending until 04/0C or an error. An ICQ peer without the XHTML
    /// capability gets plain text as ICQ clients write it, everyone else escaped HTML (§7.2,
    /// §10). When the buddy list does not say whether `to` is online, a locate query rides in
    /// the same flight (see the module docs of `state`).
    pub(super) fn send_im(&mut self, now: u64, id: MessageId, to: ScreenName, text: &str) {
        let message = if self.speaks_markup(&to) {
            ImMessage::new(&html_body(text))
        } else {
            ImMessage::plain(text)
        };
        let cookie: [u8; 8] = self.rng.random();
        let mut body = match SendIm::new(cookie, to.as_str(), &message, true) {
            Ok(b) => b,
            Err(e) => {
                tracing::info!("IM {id} cannot be encoded: {e}");
                self.emit(Event::ImFailed { id, reason: ImFailure::TooLarge });
                return;
            }
        };
        let size = body.tlvs.value(oscar::icbm::tlv::MESSAGE_DATA).map_or(0, <[u8]>::len);
        if size > self.max_message {
            self.emit(Event::ImFailed { id, reason: ImFailure::TooLarge });
            return;
        }
        body.tlvs.push(oscar::icbm::tlv::STORE_OFFLINE, Vec::new());
        body.tlvs.push(oscar::icbm::tlv::WANTS_TYPING, Vec::new());
        let whereabouts = self.whereabouts(&to);
        if whereabouts == Whereabouts::Asking && !self.asking_about(&to) {
            let query = locate_query(&to);
            self.enqueue(query.body, query.tag);
        }
        self.pending.push(PendingIm {
            id,
            cookie,
            body: body.clone(),
            written: false,
            resent: false,
            whereabouts,
            acked_at: None,
        });
        self.enqueue(SnacBody::SendIm(body), Tag::Im(cookie));
        self.flush(now);
        if self.pending.iter().any(|p| p.cookie == cookie && !p.written) {
            self.emit(Event::ImQueued { id });
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
                done.push((p.id, delivery));
            }
        }
        if done.is_empty() {
            return;
        }
        self.pending.retain(|p| !done.iter().any(|(id, _)| *id == p.id));
        for (id, delivery) in done {
            self.emit(Event::ImAcked { id, delivery });
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
            self.emit(Event::ImAcked { id: p.id, delivery: Delivery::Accepted });
        }
    }

    /// 04/07: an incoming IM (see [`SessionState::on_incoming_im`] for channels and repeats).
    pub(super) fn incoming_im(&mut self, im: oscar::icbm::IncomingIm) {
        self.on_incoming_im(im);
    }

    fn on_incoming_im(&mut self, im: oscar::icbm::IncomingIm) {
        let from = ScreenName::from_wire(&im.sender.screen_name);
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
        self.emit(Event::ImReceived(IncomingIm {
            from,
            text,
            time: send_time.map(unix_time).unwrap_or_else(self.wall),
            auto_response: im.is_auto_response(),
            offline: send_time.is_some(),
        }));
    }

    /// 04/0C: the server took an IM (delivered or stored offline: the recipient's whereabouts
    /// say which, so the report waits for the locate answer if it is not in yet).
    pub(super) fn host_ack(&mut self, now: u64, header: &SnacHeader, ack: &HostAck) {
        let pos = self.pending.iter().position(|p| p.cookie == ack.cookie && p.acked_at.is_none());
        match pos.and_then(|pos| Some((pos, self.pending.get_mut(pos)?))) {
            Some((pos, p)) => match p.whereabouts.delivery() {
                Some(delivery) => {
                    let id = p.id;
                    self.pending.remove(pos);
                    self.emit(Event::ImAcked { id, delivery });
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
        self.emit(Event::Typing { from: ScreenName::from_wire(&t.screen_name), state });
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
