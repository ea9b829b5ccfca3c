//! Chats: opening, cycling and closing them in tab order (the order they were opened), sending and retrying
//! messages, and moving delivery marks as the session reports progress.

use std::time::SystemTime;

use super::{Action, App, Focus};
use crate::screenname::ScreenName;
use crate::session::{Command, MessageId, TypingState};
use crate::tui::conversation::{ChatLine, Conversation, Delivery, LineKind};
use crate::tui::history::{Direction, Mark, Record};
use crate::words;

impl App {
    /// Chats in tab order: the order they were opened, so a chat keeps its number (and its
    /// Alt-digit) while it is open; unread ones are marked in their tab, never moved.
    pub fn chat_order(&self) -> Vec<usize> {
        (0..self.chats.len()).collect()
    }

    /// True when `peer`'s chat is the one on screen.
    pub fn is_active(&self, peer: &ScreenName) -> bool {
        self.active.as_ref() == Some(peer)
    }

    /// Index of `peer`'s chat, creating it (and asking for its logged history) if needed.
    pub(super) fn ensure_chat(&mut self, peer: &ScreenName) -> usize {
        if let Some(i) = self.chats.iter().position(|c| &c.peer == peer) {
            return i;
        }
        // The log is read by the run loop, which puts it above whatever arrives meanwhile.
        self.request_history(peer);
        self.chats.push(Conversation::new(peer.clone()));
        self.chats.len() - 1
    }

    /// Opens (or switches to) the chat with `peer`.
    pub fn open_chat(&mut self, peer: &ScreenName) {
        // Leaving a chat moves its "new messages" rule: whatever was there has been seen.
        if let Some(left) = self.active.clone().filter(|a| a != peer) {
            if let Some(c) = self.chats.iter_mut().find(|c| c.peer == left) {
                c.marker = None;
            }
        }
        let i = self.ensure_chat(peer);
        if let Some(c) = self.chats.get_mut(i) {
            c.unread = 0;
            self.active = Some(c.peer.clone());
        }
    }

    /// Opens the chat at `pos` in tab order ([`App::chat_order`]).
    pub(super) fn switch_to_position(&mut self, pos: usize) {
        let order = self.chat_order();
        if let Some(peer) = order.get(pos).and_then(|&i| self.chats.get(i)).map(|c| c.peer.clone())
        {
            self.open_chat(&peer);
        }
    }

    /// Opens the next chat in tab order (`forward`) or the previous one, wrapping.
    pub(super) fn cycle_chat(&mut self, forward: bool) {
        let order = self.chat_order();
        if order.is_empty() {
            return;
        }
        let cur = self.active_index().and_then(|a| order.iter().position(|&i| i == a));
        let next = match (cur, forward) {
            (None, _) => 0,
            (Some(p), true) => (p + 1) % order.len(),
            (Some(p), false) => (p + order.len() - 1) % order.len(),
        };
        self.switch_to_position(next);
    }

    /// Closes the chat on screen, telling the buddy we stopped typing if we had said otherwise, and
    /// opens the chat that took its place in tab order.
    pub(super) fn close_chat(&mut self) -> Vec<Action> {
        let Some(i) = self.active_index() else { return Vec::new() };
        let order = self.chat_order();
        let pos = order.iter().position(|&x| x == i).unwrap_or(0);
        let conv = self.chats.remove(i);
        let mut actions = Vec::new();
        // Closing a room's tab leaves the room, for the rest of the run.
        if let Some(room) = &conv.room {
            self.mark_left(&room.name, true);
            actions.push(Action::Send(Command::LeaveRoom { room: room.name.clone() }));
        }
        if conv.our_typing != TypingState::Finished {
            actions.push(Action::Send(Command::Typing {
                to: conv.peer.clone(),
                state: TypingState::Finished,
            }));
        }
        self.active = None;
        let order = self.chat_order();
        if !order.is_empty() {
            self.switch_to_position(pos.min(order.len() - 1));
        } else if self.focus == Focus::Conversation {
            self.focus = Focus::Buddies;
        }
        actions
    }

    /// Moves an outgoing message's delivery mark forward as the session reports progress.
    pub(super) fn set_delivery(&mut self, id: MessageId, delivery: Delivery) {
        let Some(peer) = self.pending.get(&id) else { return };
        let Some(conv) = self.chats.iter_mut().find(|c| &c.peer == peer) else { return };
        if let Some(ChatLine { kind: LineKind::Outgoing { delivery: d, .. }, .. }) =
            conv.outgoing_mut(id)
        {
            // Late progress reports never undo a final state.
            if !matches!(
                d,
                Delivery::Acked
                    | Delivery::Stored
                    | Delivery::Accepted
                    | Delivery::Failed(_)
                    | Delivery::FailedLogged(_)
            ) {
                *d = delivery;
            }
        }
    }

    /// Gives an outgoing message its final mark and, unless it was simply delivered the first
    /// time, appends the outcome to its log too (a record repeating the message's time and
    /// text), so the history after a restart says what happened: stored, accepted, failed and
    /// why, or delivered on a retry after all.
    pub(super) fn finish_delivery(&mut self, id: MessageId, delivery: Delivery) {
        let retried = self.retried.remove(&id);
        let Some(peer) = self.pending.remove(&id) else { return };
        let mark = match &delivery {
            Delivery::Acked if retried => Some(Mark::Delivered),
            Delivery::Stored => Some(Mark::Stored),
            Delivery::Accepted => Some(Mark::Accepted),
            Delivery::Failed(reason) => {
                Some(Mark::Failed(words::im_failure(reason, peer.as_str())))
            }
            _ => None,
        };
        let Some(conv) = self.chats.iter_mut().find(|c| c.peer == peer) else { return };
        let Some(line) = conv.outgoing_mut(id) else { return };
        let LineKind::Outgoing { delivery: d, raw, .. } = &mut line.kind else { return };
        // Late reports never undo a final state.
        if matches!(
            d,
            Delivery::Acked
                | Delivery::Stored
                | Delivery::Accepted
                | Delivery::Failed(_)
                | Delivery::FailedLogged(_)
        ) {
            return;
        }
        *d = delivery;
        let Some(mark) = mark else { return };
        let record = Record::new(line.time, Direction::Out, raw, false).with_mark(mark);
        self.log(&peer, record);
    }

    /// Sends `text` to the chat on screen: a pending line now, its delivery mark later.
    pub(super) fn send_message(&mut self, text: String) -> Vec<Action> {
        let Some(i) = self.active_index() else {
            self.set_notice("no chat open: press Enter on a buddy, or /msg NAME", true);
            return Vec::new();
        };
        if self.chats.get(i).is_some_and(|c| c.room.is_some()) {
            return self.send_room_message(i, text);
        }
        let id = self.next_id;
        self.next_id += 1;
        let Some(c) = self.chats.get_mut(i) else { return Vec::new() };
        let peer = c.peer.clone();
        let time = self.fixed_time.unwrap_or_else(SystemTime::now);
        let kind =
            LineKind::Outgoing { id: Some(id), delivery: Delivery::Pending, raw: text.clone() };
        c.push(ChatLine::new(time, kind, &text));
        c.scroll_to_bottom();
        self.pending.insert(id, peer.clone());
        self.log(&peer, Record::new(time, Direction::Out, &text, false));
        vec![Action::Send(Command::SendIm { id, to: peer, text })]
    }

    /// Sends the newest failed message of the chat on screen again, under a new id.
    pub(super) fn retry(&mut self) -> Vec<Action> {
        let Some(i) = self.active_index() else { return Vec::new() };
        let id = self.next_id;
        let Some(c) = self.chats.get_mut(i) else { return Vec::new() };
        let failed = c.lines.iter_mut().rev().find_map(|l| match &mut l.kind {
            LineKind::Outgoing {
                id: line_id,
                delivery: d @ (Delivery::Failed(_) | Delivery::FailedLogged(_)),
                raw,
            } => {
                *d = Delivery::Pending;
                *line_id = Some(id);
                Some(raw.clone())
            }
            _ => None,
        });
        let Some(text) = failed else {
            self.set_notice("no failed message to retry here", false);
            return Vec::new();
        };
        if let Some(r) = c.room.as_mut() {
            // Rooms report "sent" in order, without ids: the line waits as pending again,
            // found by its place.
            let at = c
                .lines
                .iter()
                .rposition(|l| matches!(l.kind, LineKind::Outgoing { id: Some(x), .. } if x == id));
            if let Some(at) = at {
                r.pending.push_back(at);
                if let Some(LineKind::Outgoing { id: line_id, .. }) =
                    c.lines.get_mut(at).map(|l| &mut l.kind)
                {
                    *line_id = None;
                }
            }
            let room = r.name.clone();
            return vec![Action::Send(Command::SendRoom { room, text })];
        }
        let peer = c.peer.clone();
        self.next_id += 1;
        self.pending.insert(id, peer.clone());
        self.retried.insert(id);
        vec![Action::Send(Command::SendIm { id, to: peer, text })]
    }
}
