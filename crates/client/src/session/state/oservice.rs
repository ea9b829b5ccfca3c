//! Family 0x01 (OService) on the client: rate classes, pause and resume, self info,
//! warnings and the message of the day. Each handler is named after its SNAC
//! (`SnacBody::RateParamsReply` → [`SessionState::rate_params_reply`]).

use super::*;

impl SessionState {
    /// 01/07: the rate classes we asked for (with 01/06); acknowledged with 01/08.
    pub(super) fn rate_params_reply(
        &mut self,
        now: u64,
        header: &SnacHeader,
        reply: &RateParamsReply,
    ) {
        if self.in_flight.remove(&header.request_id) == Some(Tag::Query(0x01, 0x06)) {
            self.on_rate_params(now, reply);
        } else {
            tracing::info!("ignoring rate parameters nobody asked for");
        }
    }

    fn on_rate_params(&mut self, now: u64, reply: &RateParamsReply) {
        self.rates = RateTable::new(reply, now);
        // The server's `current` predates the SNACs we pipelined after 01/06: count them again.
        for (family, subtype) in self.sent_since_rate_query.take().unwrap_or_default() {
            self.rates.record(family, subtype, now);
        }
        self.rates_known = true;
        let class_ids = reply.classes.iter().map(|c| c.id).collect();
        self.write_now(now, SnacBody::RateAck(RateAck { class_ids }));
        if !self.signed_on {
            self.emit(Event::SignOnProgress(SignOnStep::LoadingBuddyList));
        }
    }

    /// 01/0A: a rate class changed state; warnings and limits are shown, the rest logged.
    pub(super) fn rate_change(&mut self, now: u64, change: &RateChange) {
        if self.rates.class(change.class.id).is_none() {
            tracing::info!("ignoring a rate notice for unknown class {}", change.class.id);
            return;
        }
        self.rates.apply_change(change, now);
        match change.code {
            RateChangeCode::Warning | RateChangeCode::Limited => {
                self.emit(Event::RateWarning(RateNotice {
                    class: change.class.id,
                    code: change.code,
                }));
            }
            other => tracing::debug!("rate class {}: {other}", change.class.id),
        }
    }

    /// 01/0B: pause sending; acknowledged at once with 01/0C.
    pub(super) fn pause(&mut self, now: u64) {
        self.paused = true;
        let families = FAMILIES.iter().map(|f| f.0).collect();
        self.write_now(now, SnacBody::PauseAck(FamilyList { families }));
    }

    /// 01/0D: resume sending after a pause.
    pub(super) fn resume(&mut self) {
        self.paused = false;
    }

    /// 01/0F: our own info; the server's spelling of our screen name is the one shown. When
    /// it answers our 01/1E, its status TLV is the status others now see (§9.3).
    pub(super) fn self_info(&mut self, header: &SnacHeader, info: &SelfInfo) {
        self.display_name = Some(ScreenName::from_wire(&info.info.screen_name));
        let level = info.info.warning_level;
        // The first 01/0F of a session only says something when we have been warned.
        let known = self.own_warning.is_some();
        if self.own_warning_changed(level) && (known || level > 0) {
            self.emit(Event::WarningLevel { level_percent: level / 10 });
        }
        if self.in_flight.get(&header.request_id) == Some(&STATUS_TAG) {
            self.in_flight.remove(&header.request_id);
            match info.info.icq_status() {
                Some(status) => self.emit(Event::StatusChanged(status)),
                None => tracing::info!("the server answered our status without saying it"),
            }
        }
    }

    /// 01/10: we were warned.
    pub(super) fn warning(&mut self, w: Warning) {
        let by = w.warner.map(|u| ScreenName::from_wire(&u.screen_name));
        self.own_warning_changed(w.level);
        self.emit(Event::Warned { level_percent: w.level / 10, by });
    }

    /// 01/13: the message of the day, shown as a notice unless empty.
    pub(super) fn motd(&mut self, motd: &Motd) {
        match motd.text().filter(|t| !t.trim().is_empty()) {
            Some(text) => self.emit(Event::Motd(to_plain(&text))),
            None => tracing::debug!("empty MOTD of type {}", motd.kind),
        }
    }

    /// 01/12: a migration; flapjack never asks for one, so an unrequested one is ignored.
    pub(super) fn migrate(&mut self) {
        tracing::info!("ignoring a migration nobody asked for");
    }
}

impl SessionState {
    /// When idle time is due to be reported: signed on, not yet reported, and configured.
    pub(super) fn idle_deadline(&self) -> Option<u64> {
        let after = self.idle_after?;
        (self.signed_on && !self.idle_reported).then(|| self.last_activity.saturating_add(after))
    }

    /// The user did something: no longer idle (01/11 with 0 if the server was told we were).
    pub(super) fn activity(&mut self, now: u64) {
        self.last_activity = now;
        if self.idle_reported {
            self.idle_reported = false;
            if self.connected {
                self.enqueue(SnacBody::IdleTime(IdleTime { seconds: 0 }), Tag::Plain);
            }
        }
    }
}
