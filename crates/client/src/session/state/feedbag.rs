//! Family 0x13 (Feedbag) on the client: the server-stored buddy list, read (13/04 → 13/06),
//! changed by us (13/08–13/0A, answered by 13/0E) and pushed by the server.

use super::*;

/// The most buddy-list items the client accumulates from a multi-part 13/06 reply. AOL's own
/// limits (13/03) came to about 1,000 buddies, 200 groups and 1,000 permit/deny entries; ten
/// thousand leaves room for any real list and bounds what a server can make us hold.
pub const MAX_FEEDBAG_ITEMS: usize = 10_000;

impl SessionState {
    /// 13/06: (part of) the buddy list we asked for with 13/04; loaded after the last part.
    pub(super) fn feedbag_reply(&mut self, now: u64, header: &SnacHeader, reply: FeedbagReply) {
        if self.in_flight.get(&header.request_id) != Some(&Tag::Query(0x13, 0x04)) {
            tracing::info!("ignoring a buddy list nobody asked for");
            return;
        }
        if self.feedbag_parts.len().saturating_add(reply.items.len()) > MAX_FEEDBAG_ITEMS {
            // A list continued (13/06 with the more-follows flag) past any real account's: the
            // server is broken or hostile, and asking again would get the same.
            self.in_flight.remove(&header.request_id);
            self.feedbag_parts = Vec::new();
            tracing::warn!("the server's buddy list runs past {MAX_FEEDBAG_ITEMS} items");
            let reason =
                NetworkError::ReplyTooLarge { what: "buddy list", limit: MAX_FEEDBAG_ITEMS };
            self.close(DisconnectReason::Network(reason), false);
            return;
        }
        self.feedbag_parts.extend(reply.items);
        if !header.more_follow() {
            self.in_flight.remove(&header.request_id);
            self.on_feedbag_loaded(now);
        }
    }

    fn on_feedbag_loaded(&mut self, now: u64) {
        self.feedbag = Feedbag::new(std::mem::take(&mut self.feedbag_parts));
        self.feedbag_loaded = true;
        if !self.signed_on {
            self.signed_on = true;
            self.signon_deadline = None;
            let screen_name = self.display_name.clone().unwrap_or_else(|| self.own.clone());
            self.emit(Event::SignedOn { screen_name });
        }
        self.emit(Event::BuddyList(self.feedbag.buddy_list()));
        self.emit_privacy();
        for cmd in std::mem::take(&mut self.deferred) {
            self.handle_command(now, cmd);
        }
    }

    /// 13/08 pushed by the server: items another session of ours inserted.
    pub(super) fn feedbag_insert(&mut self, items: FeedbagItems) {
        self.on_feedbag_push(Change::Insert(items.items));
    }

    /// 13/09 pushed by the server: items another session of ours updated.
    pub(super) fn feedbag_update(&mut self, items: FeedbagItems) {
        self.on_feedbag_push(Change::Update(items.items));
    }

    /// 13/0A pushed by the server: items another session of ours deleted.
    pub(super) fn feedbag_delete(&mut self, items: FeedbagItems) {
        self.on_feedbag_push(Change::Delete(items.items));
    }

    fn on_feedbag_push(&mut self, change: Change) {
        if !self.feedbag_loaded {
            tracing::debug!("feedbag change before the list arrived; the list will include it");
            return;
        }
        self.feedbag.apply(&change);
        self.emit(Event::BuddyList(self.feedbag.buddy_list()));
        self.emit_privacy();
    }

    /// 13/0E: the results of our change; on any failure the list is read again.
    pub(super) fn feedbag_status(&mut self, header: &SnacHeader, status: &FeedbagStatus) {
        match self.in_flight.remove(&header.request_id) {
            Some(Tag::Feedbag(action)) => {
                let failed: Vec<FeedbagResult> =
                    status.results.iter().copied().filter(|r| *r != FeedbagResult::Ok).collect();
                if let FeedbagAction::AddBuddy { name, .. } = &action {
                    if !failed.is_empty()
                        && failed.iter().all(|r| *r == FeedbagResult::AuthRequired)
                        && !self.feedbag.awaiting_auth(name)
                    {
                        // Once only: a refusal of the pending-marked insert is reported below.
                        let name = name.clone();
                        self.auth_needed(action, name);
                        return;
                    }
                }
                if !failed.is_empty() {
                    let failure = FeedbagFailure::Refused(failed);
                    self.emit(Event::BuddyListError(BuddyListError { action, failure }));
                    // Re-read the list so the local copy matches the server's again.
                    self.enqueue(SnacBody::FeedbagQuery, Tag::Plain);
                }
            }
            Some(Tag::IconItem) => self.icon_item_status(status),
            _ => tracing::info!("ignoring a feedbag status nobody asked for"),
        }
    }

    /// 13/11, 13/08–13/0A, 13/12: one buddy-list command as a feedbag transaction.
    pub(super) fn change_feedbag(&mut self, cmd: Command) {
        let action = match cmd {
            Command::AddBuddy { name, group } => FeedbagAction::AddBuddy { name, group },
            Command::RemoveBuddy { name } => FeedbagAction::RemoveBuddy { name },
            Command::AddGroup { name } => FeedbagAction::AddGroup { name },
            Command::RemoveGroup { name } => FeedbagAction::RemoveGroup { name },
            Command::Block { name } => FeedbagAction::Block { name },
            Command::Unblock { name } => FeedbagAction::Unblock { name },
            Command::SetPrivacy(mode) => FeedbagAction::SetPrivacy(mode),
            _ => return,
        };
        let planned = match &action {
            FeedbagAction::AddBuddy { name, group } => self.feedbag.add_buddy(name, group),
            FeedbagAction::RemoveBuddy { name } => self.feedbag.remove_buddy(name),
            FeedbagAction::AddGroup { name } => self.feedbag.add_group(name),
            FeedbagAction::RemoveGroup { name } => self.feedbag.remove_group(name),
            FeedbagAction::Block { name } => self.feedbag.block(name),
            FeedbagAction::Unblock { name } => self.feedbag.unblock(name),
            FeedbagAction::SetPrivacy(mode) => self.feedbag.set_privacy(*mode),
        };
        let changes = match planned {
            // Nothing to change (the mode is already set): nothing to send.
            Ok(c) if c.is_empty() => return,
            Ok(c) => c,
            Err(e) => {
                let failure = FeedbagFailure::Planned(e);
                self.emit(Event::BuddyListError(BuddyListError { action, failure }));
                return;
            }
        };
        self.enqueue(SnacBody::FeedbagStartTransaction(StartTransaction::default()), Tag::Plain);
        for change in changes {
            let body = match change {
                Change::Insert(items) => SnacBody::FeedbagInsert(FeedbagItems { items }),
                Change::Update(items) => SnacBody::FeedbagUpdate(FeedbagItems { items }),
                Change::Delete(items) => SnacBody::FeedbagDelete(FeedbagItems { items }),
            };
            self.enqueue(body, Tag::Feedbag(action.clone()));
        }
        self.enqueue(SnacBody::FeedbagEndTransaction, Tag::Plain);
        self.emit(Event::BuddyList(self.feedbag.buddy_list()));
        self.emit_privacy();
    }
}
