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
use crate::words;

impl App {
    /// Index of the room's tab, creating it if needed (rooms are not logged: no history).
    pub(super) fn ensure_room(&mut self, name: &str) -> usize {
        let key = RoomView::key(name);
        if let Some(i) = self.chats.iter().position(|c| c.peer == key) {
            return i;
        }
        self.chats.push(Conversation::room(name));
        self.chats.len() - 1
    }

    /// The room shown on screen, if the active tab is a room.
    pub fn active_room(&self) -> Option<&RoomView> {
        self.active_chat().and_then(|c| c.room.as_ref())
    }

    /// The commands that join the configured rooms (`[ui] rooms`), once signed on. The session
    /// ignores a room it is already in, and rejoins its rooms by itself after a reconnect.
    pub(super) fn auto_join(&self) -> Vec<Action> {
        self.ui
            .rooms
            .iter()
            .filter(|r| !r.trim().is_empty())
            .map(|r| Action::Send(Command::JoinRoom { name: r.trim().to_string() }))
            .collect()
    }

    /// `/join ROOM`: opens the room's tab and asks the session to join it.
    pub(super) fn join_room(&mut self, name: &str) -> Vec<Action> {
        let name = name.trim();
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
        let Some(room) = c.room.as_ref().map(|r| r.name.clone()) else { return Vec::new() };
        let kind = LineKind::Outgoing { id: None, delivery: Delivery::Pending, raw: text.clone() };
        c.push(ChatLine::new(time, kind, &text));
        c.scroll_to_bottom();
        vec![Action::Send(Command::SendRoom { room, text })]
    }

    /// Applies a room event; returns a bell for a line that mentions us.
    pub(super) fn room_event(&mut self, event: RoomEvent, now: Instant) -> Vec<Action> {
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
        let time = self.fixed_time.unwrap_or_else(SystemTime::now);
        if let Some(c) = self.chats.get_mut(i) {
            let from = neutralize_line(from.as_str()).into_owned();
            c.push(ChatLine::new(time, LineKind::Room { from, mention }, text));
            if !active {
                if c.unread == 0 {
                    self.unread_seq += 1;
                    c.unread_since = Some(self.unread_seq);
                }
                c.unread += 1;
            }
        }
        if mention && self.ring_bell(&key, now) {
            return vec![Action::Bell];
        }
        Vec::new()
    }

    /// Moves the oldest pending outgoing line of the room to `delivery` (rooms report in
    /// order and have no message ids).
    fn room_delivery(&mut self, room: &str, delivery: Delivery) {
        let key = RoomView::key(room);
        let Some(c) = self.chats.iter_mut().find(|c| c.peer == key) else { return };
        let pending = c
            .lines
            .iter_mut()
            .find(|l| matches!(l.kind, LineKind::Outgoing { delivery: Delivery::Pending, .. }));
        if let Some(ChatLine { kind: LineKind::Outgoing { delivery: d, .. }, .. }) = pending {
            *d = delivery;
        }
    }

    /// Every line still pending in the room failed: the connection went first.
    fn fail_pending(&mut self, room: &str) {
        let key = RoomView::key(room);
        let Some(c) = self.chats.iter_mut().find(|c| c.peer == key) else { return };
        for l in &mut c.lines {
            if let LineKind::Outgoing { delivery: d @ Delivery::Pending, .. } = &mut l.kind {
                *d = Delivery::Failed(ImFailure::ConnectionLost);
            }
        }
    }

    /// The invitations waiting for an answer, oldest first.
    pub fn invitations(&self) -> &[RoomInvitation] {
        &self.invitations
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
