//! Feedbag changes: 13/08–13/0A applied to the account's stored buddy list, persisted, and the
//! buddies they add announced to the session when online.

use std::collections::HashSet;

use super::presence::arrived;
use super::{now_u32, Hub};
use crate::bos::feedbag::Feedbag;
use crate::oscar::codes::FeedbagResult;
use crate::oscar::feedbag::FeedbagItem;
use crate::oscar::SnacBody;
use crate::screenname::ScreenName;

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

    /// 13/08–13/0A: applies a change, persists it, and returns the per-item results plus 03/0B
    /// for buddies that were just added and are online.
    pub fn feedbag_change(
        &self,
        id: u64,
        op: FeedbagOp,
        items: &[FeedbagItem],
    ) -> (Vec<FeedbagResult>, Vec<SnacBody>) {
        let now = now_u32(self.state.now());
        let mut w = self.lock();
        let Some(name) = self.session_account(&w, id) else { return (Vec::new(), Vec::new()) };
        let icon_before = self.icon_of(&w, &name);
        let touches_icon = items.iter().any(|i| i.class == crate::oscar::feedbag::class::BART);
        let bag = &mut self.account_state(&mut w, &name).data.feedbag;
        let before: HashSet<ScreenName> = bag.buddies().collect();
        let results = match op {
            FeedbagOp::Insert => bag.insert(items, now),
            FeedbagOp::Update => bag.update(items, now),
            FeedbagOp::Delete => bag.delete(items, now),
        };
        let added: Vec<ScreenName> = bag.buddies().filter(|b| !before.contains(b)).collect();
        if results.contains(&FeedbagResult::Ok) {
            self.save(&w, &name);
        }
        let mut arrivals = Vec::new();
        let mut seen = HashSet::new();
        for b in added {
            if self.is_visible(&w, &b) && seen.insert(b.clone()) {
                arrivals.push(arrived(self.user_info(&w, &b)));
            }
        }
        if touches_icon {
            arrivals.extend(self.icon_changed(&w, &name, icon_before));
        }
        (results, arrivals)
    }
}
