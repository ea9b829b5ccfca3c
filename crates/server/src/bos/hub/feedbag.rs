//! Feedbag changes: 13/08–13/0A applied to the account's stored buddy list, persisted, and the
//! presence they change (buddies added, people hidden or revealed by privacy settings) told.

use std::collections::HashSet;
use std::sync::Arc;

use super::{now_u32, Hub};
use crate::bos::feedbag::Feedbag;
use crate::oscar::codes::FeedbagResult;
use crate::oscar::feedbag::{attr, class, FeedbagItem};
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
    /// A copy of the account's feedbag (13/04, 13/05), made after the lock is released (only
    /// the `Arc` is taken under it), so reading a large list holds up nobody.
    pub fn feedbag(&self, id: u64) -> Feedbag {
        let data = {
            let mut w = self.lock();
            match self.session_account(&w, id) {
                Some(name) => Arc::clone(&self.account_state(&mut w, &name).data),
                None => return Feedbag::default(),
            }
        };
        data.feedbag.clone()
    }

    /// 13/08–13/0A: applies a change, persists it, and returns the per-item results plus
    /// the presence it changes for this session: 03/0B for buddies just added (or allowed
    /// again) who are online, 03/0C for people its new privacy settings hide. Sessions
    /// watching this account are told when its settings hide or reveal it to them (§6.4).
    ///
    /// A buddy whose account requires authorization (§6.4) is stored only marked pending
    /// (attribute 0x0066): inserted without the mark it is refused with 0x000E, updated
    /// without it the mark is kept. Once authorized, the mark is dropped. Adding an ICQ user
    /// without needing to ask tells them (13/1C).
    pub fn feedbag_change(
        &self,
        id: u64,
        op: FeedbagOp,
        items: &[FeedbagItem],
    ) -> (Vec<FeedbagResult>, Vec<SnacBody>) {
        let now = now_u32(self.state.now());
        let mut w = self.lock();
        let Some(name) = self.session_account(&w, id) else { return (Vec::new(), Vec::new()) };
        for why in items.iter().filter_map(|i| crate::bos::feedbag::oversize(i).map(|w| (i, w))) {
            tracing::info!("{name}: feedbag item {:?} refused, {}", why.0.name, why.1);
        }
        let icon_before = self.icon_of(&w, &name);
        let touches_icon = items.iter().any(|i| i.class == class::BART);
        let mut checked: Vec<Result<FeedbagItem, FeedbagResult>> = Vec::with_capacity(items.len());
        for item in items {
            if item.class != class::BUDDY || op == FeedbagOp::Delete {
                checked.push(Ok(item.clone()));
                continue;
            }
            let buddy = ScreenName::from_wire(&item.name);
            let mut item = item.clone();
            if self.needs_auth(&w, &buddy, &name) {
                if op == FeedbagOp::Insert && !item.attrs.has(attr::PENDING_AUTH) {
                    checked.push(Err(FeedbagResult::AuthRequired));
                    continue;
                }
                item.attrs.set(attr::PENDING_AUTH, Vec::new());
            } else {
                item.attrs.remove(attr::PENDING_AUTH);
            }
            checked.push(Ok(item));
        }
        self.account_state(&mut w, &name);
        let before = self.privacy_view(&w, id, &name);
        let bag = &mut Arc::make_mut(&mut self.account_state(&mut w, &name).data).feedbag;
        let buddies_before: HashSet<ScreenName> = bag.buddies().collect();
        let results: Vec<FeedbagResult> = checked
            .iter()
            .map(|c| match c {
                Err(code) => *code,
                Ok(item) => {
                    let one = std::slice::from_ref(item);
                    let result = match op {
                        FeedbagOp::Insert => bag.insert(one, now),
                        FeedbagOp::Update => bag.update(one, now),
                        FeedbagOp::Delete => bag.delete(one, now),
                    };
                    result.first().copied().unwrap_or(FeedbagResult::InvalidData)
                }
            })
            .collect();
        let mut seen = HashSet::new();
        let added: Vec<ScreenName> = bag
            .buddies()
            .filter(|b| !buddies_before.contains(b) && seen.insert(b.clone()))
            .collect();
        if !results.contains(&FeedbagResult::Ok) {
            return (results, Vec::new());
        }
        self.save(&w, &name);
        if op == FeedbagOp::Insert {
            for b in &added {
                self.announce_added(&w, b, &name);
            }
        }
        let mut corrections = self.privacy_corrections(&w, id, &name, &before);
        if touches_icon {
            corrections.extend(self.icon_changed(&w, &name, icon_before));
        }
        (results, corrections)
    }
}
