//! Writing SNACs: the queue, paced by the rate classes (§6), and frames that go out at once.

use super::*;

impl SessionState {
    /// Writes every queued SNAC its rate class allows now, in order per class; notes when the
    /// first blocked one becomes sendable.
    pub(super) fn flush(&mut self, now: u64) {
        self.queue_deadline = None;
        if !self.connected || self.paused {
            return;
        }
        let mut blocked: HashSet<u16> = HashSet::new();
        let mut kept = VecDeque::with_capacity(self.queue.len());
        while let Some(item) = self.queue.pop_front() {
            let (family, subtype) = item.body.id();
            let class_id = self.rates.class_id_of(family, subtype);
            if blocked.contains(&class_id) {
                kept.push_back(item);
                continue;
            }
            let delay = self.rates.class(class_id).map_or(0, |(class, state)| {
                state.delay_before_send(class, now, rate_margin(class))
            });
            if delay > 0 {
                blocked.insert(class_id);
                let at = now.saturating_add(delay);
                self.queue_deadline = Some(self.queue_deadline.map_or(at, |d| d.min(at)));
                kept.push_back(item);
                continue;
            }
            self.write(now, item);
        }
        self.queue = kept;
    }

    pub(super) fn write(&mut self, now: u64, item: Outgoing) {
        let (family, subtype) = item.body.id();
        let request_id = self.request_id();
        let frame = match snac_flap(&item.body, request_id) {
            Ok(f) => f,
            Err(e) => {
                tracing::warn!("cannot encode SNAC {family:02X}/{subtype:02X}: {e}");
                if let Tag::Im(cookie) = item.tag {
                    if let Some(pos) = self.pending.iter().position(|p| p.cookie == cookie) {
                        let p = self.pending.remove(pos);
                        self.im_finished(p.id, p.part, Err(ImFailure::TooLarge));
                    }
                }
                return;
            }
        };
        self.rates.record(family, subtype, now);
        if let Some(sent) = &mut self.sent_since_rate_query {
            sent.push((family, subtype));
        } else if (family, subtype) == (0x01, 0x06) {
            self.sent_since_rate_query = Some(Vec::new());
        }
        self.out.frames.push(frame);
        self.last_send = now;
        if let Tag::Im(cookie) = item.tag {
            if let Some(p) = self.pending.iter_mut().find(|p| p.cookie == cookie) {
                p.written = true;
                let id = p.id;
                self.emit(Event::ImSent { id });
            }
        }
        let tag = match item.body {
            SnacBody::RateParamsQuery | SnacBody::FeedbagQuery | SnacBody::IcbmParamsQuery => {
                Tag::Query(family, subtype)
            }
            _ => item.tag,
        };
        if tag != Tag::Plain {
            self.in_flight.insert(request_id, tag);
        }
    }

    pub(super) fn write_now(&mut self, now: u64, body: SnacBody) {
        self.write(now, Outgoing { body, tag: Tag::Plain });
    }
}
