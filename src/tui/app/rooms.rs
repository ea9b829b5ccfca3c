//! Chat rooms (issue 15): each room is a tab beside the IMs, with its occupants; room events
//! from the session fill it, and invitations wait for `/accept` or `/decline`.
//!
//! Everything a peer controls (room names, occupants, texts, invitation messages) is
//! neutralized before it is drawn: lines by [`ChatLine::new`], names by the renderer and by
//! the wording in [`crate::words`].

use std::time::{Instant, SystemTime};

use super::{Action, App, Focus};
use crate::screenname::ScreenName;
use crate::session::{Command, ImFailure, RoomEvent, RoomInvitation};
use crate::text::neutralize_line;
use crate::tui::conversation::{ChatLine, Conversation, Delivery, LineKind, RoomView};
use crate::tui::history::{Direction, Mark, Record};
use crate::words;

impl App {
    /// Index of the room's tab, creating it (and asking for its log) if needed.
    pub(super) fn ensure_room(&mut self, name: &str) -> usize {
        let key = RoomView::key(name);
        if let Some(i) = self.chats.iter().position(|c| c.peer == key) {
            return i;
        }
        self.request_room_history(name.trim());
        self.chats.push(Conversation::room(name));
        self.chats.len() - 1
    }

    /// Remembers that the user left `room`, or (joining it again) forgets it.
    pub(super) fn mark_left(&mut self, room: &str, left: bool) {
        let key = RoomView::key(room);
        if left {
            self.left_rooms.insert(key);
        } else {
            self.left_rooms.remove(&key);
        }
    }

    /// The room shown on screen, if the active tab is a room.
    pub fn active_room(&self) -> Option<&RoomView> {
        self.active_chat().and_then(|c| c.room.as_ref())
    }

    /// The commands that join the configured rooms (`[ui] rooms`), once signed on, except
    /// those the user left in this run. The session ignores a room it is already in, and
    /// rejoins its rooms by itself after a reconnect.
    pub(super) fn auto_join(&self) -> Vec<Action> {
        self.ui
            .rooms
            .iter()
            .filter(|r| !r.trim().is_empty() && !self.left_rooms.contains(&RoomView::key(r)))
            .map(|r| Action::Send(Command::JoinRoom { name: r.trim().to_string() }))
            .collect()
    }

    /// `/join ROOM`: opens the room's tab and asks the session to join it.
    pub(super) fn join_room(&mut self, name: &str) -> Vec<Action> {
        let name = name.trim();
        self.mark_left(name, false);
        let i = self.ensure_room(name);
        if let Some(peer) = self.chats.get(i).map(|c| c.peer.clone()) {
            self.open_chat(&peer);
            self.focus = Focus::Input;
        }
        self.set_notice(&words::room_joining(name), false);
        vec![Action::Send(Command::JoinRoom { name: name.to_string() })]
    }

    /// `/leave`: leaves the room on screen and closes its tab ([`App::close_chat`] leaves).
    pub(super) fn leave_room(&mut self) -> Vec<Action> {
        if self.active_room().is_none() {
            self.set_notice(&words::not_a_room("/leave"), true);
            return Vec::new();
        }
        self.close_chat()
    }

    /// `/invite NAME [MESSAGE]`: invites someone to the room on screen.
    pub(super) fn invite(&mut self, to: ScreenName, message: Option<String>) -> Vec<Action> {
        let Some(room) = self.active_room().map(|r| r.name.clone()) else {
            self.set_notice(&words::not_a_room("/invite"), true);
            return Vec::new();
        };
        self.set_notice(&words::room_invited(&to, &room), false);
        vec![Action::Send(Command::Invite { room, to, message })]
    }

    /// `/names`: the room's occupants as a system line in the room.
    pub(super) fn names(&mut self) -> Vec<Action> {
        let Some(i) = self.active_index() else {
            self.set_notice(&words::not_a_room("/names"), true);
            return Vec::new();
        };
        let time = self.fixed_time.unwrap_or_else(SystemTime::now);
        let Some(c) = self.chats.get_mut(i) else { return Vec::new() };
        let Some(room) = &c.room else {
            self.set_notice(&words::not_a_room("/names"), true);
            return Vec::new();
        };
        let text = words::room_names(&room.occupants);
        c.push(ChatLine::new(time, LineKind::System, &text));
        c.scroll_to_bottom();
        Vec::new()
    }

    /// `/accept [ROOM]` or `/decline [ROOM]`: answers the newest invitation, or the one to
    /// `ROOM`.
    pub(super) fn answer_invitation(&mut self, room: Option<&str>, accept: bool) -> Vec<Action> {
        let pos = match room {
            Some(r) => self.invitations.iter().rposition(|i| i.room.eq_ignore_ascii_case(r.trim())),
            None => self.invitations.len().checked_sub(1),
        };
        let Some(invitation) = pos.map(|p| self.invitations.remove(p)) else {
            self.set_notice(&words::no_invitation(room), true);
            return Vec::new();
        };
        if !accept {
            self.set_notice(&words::invitation_declined(&invitation.room), false);
            return vec![Action::Send(Command::DeclineInvitation(invitation))];
        }
        self.mark_left(&invitation.room, false);
        let i = self.ensure_room(&invitation.room);
        if let Some(peer) = self.chats.get(i).map(|c| c.peer.clone()) {
            self.open_chat(&peer);
            self.focus = Focus::Input;
        }
        self.set_notice(&words::room_joining(&invitation.room), false);
        vec![Action::Send(Command::AcceptInvitation(invitation))]
    }

    /// Sends `text` to the room on screen: a pending line now, "sent" once written.
    pub(super) fn send_room_message(&mut self, i: usize, text: String) -> Vec<Action> {
        let time = self.fixed_time.unwrap_or_else(SystemTime::now);
        let Some(c) = self.chats.get_mut(i) else { return Vec::new() };
        let kind = LineKind::Outgoing { id: None, delivery: Delivery::Pending, raw: text.clone() };
        c.push(ChatLine::new(time, kind, &text));
        c.scroll_to_bottom();
        let at = c.lines.len() - 1;
        let Some(r) = c.room.as_mut() else { return Vec::new() };
        r.pending.push_back(at);
        let room = r.name.clone();
        self.log_room(&room, Record::new(time, Direction::Out, &text, false));
        vec![Action::Send(Command::SendRoom { room, text })]
    }

    /// Applies a room event; returns a bell for a line that mentions us.
    pub(super) fn room_event(&mut self, event: RoomEvent, now: Instant) -> Vec<Action> {
        // A room the user left stays closed: whatever it still reports arrived too late.
        if let Some(room) = event_room(&event) {
            if self.left_rooms.contains(&RoomView::key(room)) {
                tracing::debug!("dropping a late event for a room we left");
                return Vec::new();
            }
        }
        match event {
            RoomEvent::Joined { room, occupants } => {
                let i = self.ensure_room(&room);
                if let Some(c) = self.chats.get_mut(i) {
                    if let Some(r) = c.room.as_mut() {
                        // The server's spelling of the name from now on.
                        r.name = room.clone();
                        r.occupants = occupants;
                        r.joined = true;
                    }
                    c.peer_display = format!("#{}", neutralize_line(&room));
                }
                // A room joined at start-up (or by someone else's invitation) opens when
                // nothing else is on screen.
                if self.active.is_none() {
                    self.open_chat(&RoomView::key(&room));
                }
                self.room_system_line(&room, &words::room_joined(&room));
            }
            RoomEvent::OccupantsJoined { room, names } => {
                if let Some(r) = self.room_mut(&room) {
                    for n in &names {
                        if !r.occupants.contains(n) {
                            r.occupants.push(n.clone());
                        }
                    }
                }
                self.room_system_line(&room, &words::room_arrived(&names));
            }
            RoomEvent::OccupantsLeft { room, names } => {
                if let Some(r) = self.room_mut(&room) {
                    r.occupants.retain(|o| !names.contains(o));
                }
                self.room_system_line(&room, &words::room_departed(&names));
            }
            RoomEvent::Message { room, from, text } => {
                return self.room_message(&room, &from, &text, now)
            }
            RoomEvent::Sent { room } => self.room_delivery(&room, Delivery::Sent),
            RoomEvent::NotSent { room } => {
                self.room_delivery(&room, Delivery::Failed(ImFailure::TooLarge))
            }
            RoomEvent::Invitation(invitation) => {
                self.set_notice(&words::room_invitation(&invitation), false);
                self.invitations.push(invitation);
                if self.ui.bell {
                    return vec![Action::Bell];
                }
            }
            RoomEvent::Rejoining { room } => {
                if let Some(r) = self.room_mut(&room) {
                    r.joined = false;
                }
                self.fail_pending(&room);
                self.room_system_line(&room, &words::room_rejoining(&room));
            }
            RoomEvent::Left { room } => {
                if let Some(r) = self.room_mut(&room) {
                    r.joined = false;
                    r.occupants.clear();
                }
                self.fail_pending(&room);
                self.room_system_line(&room, &words::room_left(&room));
            }
            RoomEvent::JoinFailed { room, code } => {
                if let Some(r) = self.room_mut(&room) {
                    r.joined = false;
                }
                let text = words::room_join_failed(&room, code);
                self.room_system_line(&room, &text);
                self.set_notice(&text, true);
            }
            RoomEvent::NotInRoom { room } => {
                self.fail_pending(&room);
                self.set_notice(&words::not_in_room(&room), true);
            }
        }
        Vec::new()
    }

    fn room_mut(&mut self, room: &str) -> Option<&mut RoomView> {
        let key = RoomView::key(room);
        self.chats.iter_mut().find(|c| c.peer == key).and_then(|c| c.room.as_mut())
    }

    /// A note from flapjack in the room's tab, if it is open.
    fn room_system_line(&mut self, room: &str, text: &str) {
        let key = RoomView::key(room);
        let time = self.fixed_time.unwrap_or_else(SystemTime::now);
        if let Some(c) = self.chats.iter_mut().find(|c| c.peer == key) {
            c.push(ChatLine::new(time, LineKind::System, text));
        }
    }

    /// Someone said something: unread as for IMs; a line naming us is highlighted and rings.
    fn room_message(
        &mut self,
        room: &str,
        from: &ScreenName,
        text: &str,
        now: Instant,
    ) -> Vec<Action> {
        let own = ScreenName::from_wire(&self.account);
        let mention = mentions(text, &own);
        let i = self.ensure_room(room);
        let key = RoomView::key(room);
        let active = self.is_active(&key);
        let looking = self.looking_at(&key);
        let time = self.fixed_time.unwrap_or_else(SystemTime::now);
        let name = self.chats.get(i).and_then(|c| c.room.as_ref()).map(|r| r.name.clone());
        let record = Record::new(time, Direction::In, text, false).with_from(from.as_str());
        self.log_room(name.as_deref().unwrap_or(room), record);
        if let Some(c) = self.chats.get_mut(i) {
            let from = neutralize_line(from.as_str()).into_owned();
            c.push(ChatLine::new(time, LineKind::Room { from, mention }, text));
            if !looking && c.marker.is_none() {
                c.marker = Some(c.lines.len() - 1);
            }
            if !active {
                c.unread += 1;
            }
        }
        if mention && self.ring_bell(&key, now) {
            return vec![Action::Bell];
        }
        Vec::new()
    }

    /// Gives the oldest line still waiting in the room its outcome (rooms report in order and
    /// have no message ids); a failure is logged too, so the log says what happened.
    fn room_delivery(&mut self, room: &str, delivery: Delivery) {
        let key = RoomView::key(room);
        let Some(c) = self.chats.iter_mut().find(|c| c.peer == key) else { return };
        let Some(r) = c.room.as_mut() else { return };
        let name = r.name.clone();
        let Some(at) = r.pending.pop_front() else { return };
        let Some(line) = c.lines.get_mut(at) else { return };
        let LineKind::Outgoing { delivery: d @ Delivery::Pending, raw, .. } = &mut line.kind else {
            return;
        };
        let failed = match &delivery {
            Delivery::Failed(reason) => Some(words::im_failure(reason, &name)),
            _ => None,
        };
        *d = delivery;
        if let Some(reason) = failed {
            let record =
                Record::new(line.time, Direction::Out, raw, false).with_mark(Mark::Failed(reason));
            self.log_room(&name, record);
        }
    }

    /// Every line still waiting in the room failed: the connection went first.
    fn fail_pending(&mut self, room: &str) {
        let key = RoomView::key(room);
        let Some(c) = self.chats.iter_mut().find(|c| c.peer == key) else { return };
        let Some(r) = c.room.as_mut() else { return };
        for at in r.pending.drain(..) {
            if let Some(LineKind::Outgoing { delivery: d @ Delivery::Pending, .. }) =
                c.lines.get_mut(at).map(|l| &mut l.kind)
            {
                *d = Delivery::Failed(ImFailure::ConnectionLost);
            }
        }
    }

    /// The invitations waiting for an answer, oldest first.
    pub fn invitations(&self) -> &[RoomInvitation] {
        &self.invitations
    }
}

/// The room an event is about (an invitation is about a room we are not in yet).
fn event_room(event: &RoomEvent) -> Option<&str> {
    match event {
        RoomEvent::Joined { room, .. }
        | RoomEvent::OccupantsJoined { room, .. }
        | RoomEvent::OccupantsLeft { room, .. }
        | RoomEvent::Message { room, .. }
        | RoomEvent::Sent { room }
        | RoomEvent::NotSent { room }
        | RoomEvent::Rejoining { room }
        | RoomEvent::Left { room }
        | RoomEvent::JoinFailed { room, .. }
        | RoomEvent::NotInRoom { room } => Some(room),
        RoomEvent::Invitation(_) => None,
    }
}

/// True when `text` names `own` (case and spaces ignored, as screen names compare).
pub fn mentions(text: &str, own: &ScreenName) -> bool {
    let own = own.normalized();
    if own.is_empty() {
        return false;
    }
    let flat: String =
        text.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect();
    flat.contains(own)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mention_ignores_case_and_spaces() {
        let own = ScreenName::from_wire("Alice Ant");
        assert!(mentions("hi ALICE ANT!", &own));
        assert!(mentions("aliceant: pancakes?", &own));
        assert!(!mentions("hi alice", &own));
        assert!(!mentions("", &ScreenName::from_wire("")));
    }
}
