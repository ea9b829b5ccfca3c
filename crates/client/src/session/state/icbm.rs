//! Family 0x04 (ICBM) on the client: IMs out (04/06) and in (04/07), host acks (04/0C),
//! typing (04/14), missed calls (04/0A) and the ICBM parameters (04/05).

use super::*;
use crate::oscar::icbm::CHANNEL_RENDEZVOUS;

impl SessionState {
    /// 04/05: the ICBM parameters; the maximum message size bounds what 04/06 may carry.
    pub(super) fn icbm_params(&mut self, params: &IcbmParams) {
        if params.max_message_size > 0 {
            self.max_message = usize::from(params.max_message_size);
        }
    }

    /// 04/06: sends an IM asking for a host ack; it is pending until 04/0C or an error.
    pub(super) fn send_im(&mut self, now: u64, id: MessageId, to: ScreenName, text: &str) {
        let message = ImMessage::new(&html_body(text));
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
        self.pending.push(PendingIm {
            id,
            cookie,
            body: body.clone(),
            written: false,
            resent: false,
        });
        self.enqueue(SnacBody::SendIm(body), Tag::Im(cookie));
        self.flush(now);
        if self.pending.iter().any(|p| p.cookie == cookie && !p.written) {
            self.emit(Event::ImQueued { id });
        }
    }

    /// 04/07: an incoming IM (see [`SessionState::on_incoming_im`] for channels and repeats).
    pub(super) fn incoming_im(&mut self, im: oscar::icbm::IncomingIm) {
        self.on_incoming_im(im);
    }

    fn on_incoming_im(&mut self, im: oscar::icbm::IncomingIm) {
        let from = ScreenName::from_wire(&im.sender.screen_name);
        let key = (from.normalized().to_string(), im.cookie);
        if self.recent_cookies.contains(&key) {
            tracing::info!("dropping a repeated IM (same cookie) from {}", from.as_str());
            return;
        }
        let text = match im.channel {
            oscar::icbm::CHANNEL_IM => match im.message() {
                Some(Ok(m)) => to_plain(&m.text()),
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
        if self.recent_cookies.len() >= RECENT_COOKIES {
            self.recent_cookies.pop_front();
        }
        self.recent_cookies.push_back(key);
        let send_time = im.send_time();
        self.emit(Event::ImReceived(IncomingIm {
            from,
            text,
            time: send_time.map(unix_time).unwrap_or_else(self.wall),
            auto_response: im.is_auto_response(),
            offline: send_time.is_some(),
        }));
    }

    /// 04/0C: the server acknowledged an IM: it was delivered (or stored offline).
    pub(super) fn host_ack(&mut self, header: &SnacHeader, ack: &HostAck) {
        match self.pending.iter().position(|p| p.cookie == ack.cookie) {
            Some(pos) => {
                let p = self.pending.remove(pos);
                self.emit(Event::ImAcked { id: p.id });
            }
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
