//! The session-event reducer and the timers: what each [`Event`] does to the state, which
//! actions it asks for (a bell), and what becomes due as time passes (typing indicators).
//!
//! Nothing here does I/O: log records are queued ([`App::take_history_ops`]) and the run loop
//! writes them.

use std::time::{Duration, Instant, SystemTime};

use super::{Action, App, ConnState, Overlay, Reaction, PEER_TYPING_EXPIRY, TYPING_PAUSE};
use crate::screenname::ScreenName;
use crate::session::{self, Command, Event, Presence, TypingState};
use crate::text::neutralize_line;
use crate::tui::conversation::{ChatLine, Delivery, LineKind};
use crate::tui::history::{Direction, Record};
use crate::words;

impl App {
    /// Applies a session event; `now` times the bell and typing indicators.
    pub fn handle_event(&mut self, event: Event, now: Instant) -> Reaction {
        let mut actions = Vec::new();
        match event {
            Event::SignOnProgress(step) => self.state = ConnState::SigningOn(step),
            Event::SignedOn { screen_name } => {
                self.state = ConnState::Online;
                self.account = neutralize_line(screen_name.as_str()).into_owned();
                self.icq_session = screen_name.is_uin();
                self.away = None;
                actions.extend(self.auto_join());
            }
            Event::BuddyList(list) => self.apply_buddy_list(list),
            Event::ImLimit { max_bytes } => self.max_message = max_bytes,
            Event::Presence(p) => {
                let before = self.presence.insert(p.name.clone(), p.clone());
                self.presence_line(before.as_ref(), &p);
            }
            Event::ImReceived(im) => {
                let from = im.from.clone();
                let idx = self.ensure_chat(&from);
                if self.active.is_none() {
                    self.open_chat(&from);
                }
                let active = self.is_active(&from);
                let looking = self.looking_at(&from);
                if let Some(c) = self.chats.get_mut(idx) {
                    // Prefer the server's display form of the name for the header.
                    if c.peer.as_str() != from.as_str() {
                        c.peer_display = neutralize_line(from.as_str()).into_owned();
                    }
                    let kind = LineKind::Incoming { auto: im.auto_response, offline: im.offline };
                    c.push(ChatLine::new(im.time, kind, &im.text));
                    if !looking && c.marker.is_none() {
                        c.marker = Some(c.lines.len() - 1);
                    }
                    if !active {
                        c.unread += 1;
                    }
                }
                self.typing.remove(&from);
                self.log(&from, Record::new(im.time, Direction::In, &im.text, im.auto_response));
                if self.ring_bell(&from, now) {
                    actions.push(Action::Bell);
                }
            }
            Event::Typing { from, state } => {
                if state == TypingState::Finished {
                    self.typing.remove(&from);
                } else {
                    self.typing.insert(from, (state, now));
                }
            }
            Event::ImQueued { id } => self.set_delivery(id, Delivery::Queued),
            Event::ImSent { id } => self.set_delivery(id, Delivery::Sent),
            Event::ImAcked { id, delivery } => {
                let delivery = match delivery {
                    session::Delivery::Online => Delivery::Acked,
                    session::Delivery::StoredOffline => Delivery::Stored,
                    session::Delivery::Accepted => Delivery::Accepted,
                };
                self.finish_delivery(id, delivery);
            }
            Event::ImFailed { id, reason } => self.finish_delivery(id, Delivery::Failed(reason)),
            Event::UserInfo(info) => self.overlay = Some(Overlay::Info(info)),
            Event::AwayChanged(away) => self.away = away,
            Event::StatusChanged(status) => {
                self.status = status;
                self.set_notice(&words::status_changed(status), false);
            }
            Event::BuddyListError(error) => self.set_notice(&words::buddy_list_error(&error), true),
            Event::RateWarning(notice) => self.set_notice(&words::rate_warning(&notice), true),
            Event::Warned { level_percent, by } => {
                self.own_warning = level_percent;
                self.set_notice(&words::warned(level_percent, by.as_ref()), true)
            }
            Event::WarningLevel { level_percent } => {
                self.own_warning = level_percent;
                self.set_notice(&words::warning_level(level_percent), false)
            }
            Event::WarnApplied { name, anonymous, delta_percent, level_percent } => self
                .set_notice(
                    &words::warn_applied(&name, anonymous, delta_percent, level_percent),
                    false,
                ),
            Event::WarnFailed { name, reason } => {
                self.set_notice(&words::warn_failed(&name, &reason), true)
            }
            Event::Privacy(privacy) => self.privacy_changed(privacy),
            Event::MissedIms { from, count, reason } => {
                self.set_notice(&words::missed_ims(&from, count, reason), false)
            }
            Event::InfoUnavailable { name, error } => {
                self.set_notice(&words::info_unavailable(&name, &error), false)
            }
            Event::Motd(text) => self.set_notice(&text, false),
            Event::CertificateTrusted(first) => {
                self.set_notice(&words::certificate_trusted(&first), true)
            }
            Event::Reconnecting { attempt, delay, reason } => {
                self.state = ConnState::Reconnecting { attempt, delay, reason }
            }
            Event::Room(event) => actions.extend(self.room_event(event, now)),
            Event::BuddyIcon { name, hash, data } => self.buddy_icon(name, hash, &data),
            Event::IconLimit { max_bytes } => actions.extend(self.icon_limit_known(max_bytes)),
            Event::IconSet(result) => self.icon_set(result),
            Event::Authorization(notice) => actions.extend(self.auth_event(notice)),
            Event::IcqInfo { uin, user, notes } => self.directory_info(uin, user, notes),
            Event::DirectoryResults { query, outcome, users } => {
                self.directory_results(query, outcome, users)
            }
            Event::DirectoryKeywords { outcome, keywords } => {
                self.directory_keywords(outcome, keywords)
            }
            Event::SearchResults { query, users, more, failed } => {
                self.search_results(query, users, more, failed)
            }
            Event::Disconnected(reason) => {
                self.maybe_ask_password(&reason);
                self.state = ConnState::Offline(reason);
            }
        }
        Reaction { redraw: true, actions }
    }

    /// True when the user can see `peer`'s chat: on screen, nothing over it, and the terminal
    /// window focused.
    pub(super) fn looking_at(&self, peer: &ScreenName) -> bool {
        self.is_active(peer) && self.overlay.is_none() && self.terminal_focused
    }

    /// A quiet line in an open chat when its buddy signs on or off, goes away or comes back.
    /// The first report about someone (at sign-on, or when a chat starts watching them) is
    /// news to us, not a change, and writes nothing.
    fn presence_line(&mut self, before: Option<&Presence>, now: &Presence) {
        use crate::session::Availability::{Away, Offline};
        let Some(before) = before else { return };
        let Some(i) = self.chats.iter().position(|c| c.peer == now.name && c.room.is_none()) else {
            return;
        };
        let time = self.fixed_time.unwrap_or_else(SystemTime::now);
        let Some(c) = self.chats.get_mut(i) else { return };
        let name = c.peer_display.clone();
        let away_message = now.away_message.as_deref().map(neutralize_line);
        let text = match (before.availability, now.availability) {
            (Offline, Offline) => return,
            (Offline, _) => words::presence_signed_on(&name),
            (_, Offline) => words::presence_signed_off(&name),
            (Away, Away) if before.away_message != now.away_message => {
                // The away message comes after the change (a locate answer): complete the
                // line just written instead of adding another.
                let text = words::presence_away(&name, away_message.as_deref());
                if let Some(last) = c.lines.last_mut().filter(|l| l.kind == LineKind::Presence) {
                    *last = ChatLine::new(last.time, LineKind::Presence, &text);
                    return;
                }
                text
            }
            (Away, Away) => return,
            (_, Away) => words::presence_away(&name, away_message.as_deref()),
            (Away, _) => words::presence_back(&name),
            _ => return,
        };
        c.push(ChatLine::new(time, LineKind::Presence, &text));
    }

    /// True (and remembers the time) when an IM from `from` should ring: bells on, the chat not
    /// on screen, and no bell for this chat within the configured interval.
    pub(super) fn ring_bell(&mut self, from: &ScreenName, now: Instant) -> bool {
        if !self.ui.bell || self.looking_at(from) {
            return false;
        }
        let interval = Duration::from_secs(self.ui.bell_min_interval_secs);
        if let Some(last) = self.bells.get(from) {
            if now.saturating_duration_since(*last) < interval {
                return false;
            }
        }
        self.bells.insert(from.clone(), now);
        true
    }

    /// When [`App::tick`] next has something to do: a draft going idle or a stale typing
    /// indicator. `None` means no timer is needed at all.
    pub fn next_deadline(&self) -> Option<Instant> {
        let drafts = self
            .chats
            .iter()
            .filter(|c| c.our_typing == TypingState::Typing)
            .filter_map(|c| c.last_edit.map(|t| t + TYPING_PAUSE));
        let peers = self.typing.values().map(|(_, t)| *t + PEER_TYPING_EXPIRY);
        drafts.chain(peers).min()
    }

    /// Handles whatever is due at `now`: "typing" becomes "paused", stale indicators go.
    pub fn tick(&mut self, now: Instant) -> Reaction {
        let mut actions = Vec::new();
        for c in &mut self.chats {
            if c.our_typing == TypingState::Typing
                && c.last_edit.is_some_and(|t| now >= t + TYPING_PAUSE)
            {
                c.our_typing = TypingState::Paused;
                actions.push(Action::Send(Command::Typing {
                    to: c.peer.clone(),
                    state: TypingState::Paused,
                }));
            }
        }
        let before = self.typing.len();
        self.typing.retain(|_, (_, t)| now < *t + PEER_TYPING_EXPIRY);
        Reaction { redraw: before != self.typing.len(), actions }
    }
}
