//! Feedbag changes: 13/08–13/0A applied to the account's stored buddy list, persisted, and the
//! presence they change (buddies added, people hidden or revealed by privacy settings) told.

use super::{now_u32, Hub};
use crate::bos::feedbag::Feedbag;
use crate::oscar::codes::FeedbagResult;
use crate::oscar::feedbag::FeedbagItem;
use crate::oscar::SnacBody;

/// Which feedbag change a 13/08–13/0A asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedbagOp {
    /// 13/08.
    Insert,
    /// 13/09.
    Update,
    /// 13/0A.
    Delete,
}

impl Hub {
    /// A copy of the account's feedbag (13/04, 13/05).
    pub fn feedbag(&self, id: u64) -> Feedbag {
        let mut w = self.lock();
        match self.session_account(&w, id) {
            Some(name) => self.account_state(&mut w, &name).data.feedbag.clone(),
            None => Feedbag::default(),
        }
    }

    /// 13/08–13/0A: applies a change, persists it, and returns the per-item results plus
    /// the presence it changes for this session: 03/0B for buddies just added (or allowed
    /// again) who are online, 03/0C for people its new privacy settings hide. Sessions
    /// watching this account are told when its settings hide or reveal it to them (§6.4).
    pub fn feedbag_change(
        &self,
        id: u64,
        op: FeedbagOp,
        items: &[FeedbagItem],
    ) -> (Vec<FeedbagResult>, Vec<SnacBody>) {
        let now = now_u32(self.state.now());
        let mut w = self.lock();
        let Some(name) = self.session_account(&w, id) else { return (Vec::new(), Vec::new()) };
        self.account_state(&mut w, &name);
        let before = self.privacy_view(&w, id, &name);
        let bag = &mut self.account_state(&mut w, &name).data.feedbag;
        let results = match op {
            FeedbagOp::Insert => bag.insert(items, now),
            FeedbagOp::Update => bag.update(items, now),
            FeedbagOp::Delete => bag.delete(items, now),
        };
        if !results.contains(&FeedbagResult::Ok) {
            return (results, Vec::new());
        }
        self.save(&w, &name);
        let corrections = self.privacy_corrections(&w, id, &name, &before);
        (results, corrections)
    }
}
