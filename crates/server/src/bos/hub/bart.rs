//! BART on the server (§14): buddy icons stored by hash in memory, bounded, served by hash,
//! and the owner's icon (named in their feedbag) put in their user info as TLV 0x1D.

use std::collections::{HashMap, VecDeque};

use bytes::Bytes;

use super::{Hub, World};
use crate::oscar::bart::{self, BartId};
use crate::oscar::userinfo::UserInfo;
use crate::oscar::SnacBody;
use crate::screenname::ScreenName;

/// The largest icon accepted by 10/02 (libpurple's `MAXICONLEN`; AOL never said a limit on
/// the wire, §14.4).
pub const MAX_ICON_BYTES: usize = 7168;
/// The most icon bytes kept in memory; the oldest uploads go first beyond it.
pub const MAX_STORED_BYTES: usize = 16 * 1024 * 1024;

/// Icons by MD5, oldest upload first for eviction.
#[derive(Debug, Default)]
pub(super) struct IconStore {
    items: HashMap<Bytes, Bytes>,
    order: VecDeque<Bytes>,
    bytes: usize,
}

impl IconStore {
    fn insert(&mut self, hash: Bytes, data: Bytes) {
        if self.items.contains_key(&hash) {
            return;
        }
        self.bytes += data.len();
        self.items.insert(hash.clone(), data);
        self.order.push_back(hash);
        while self.bytes > MAX_STORED_BYTES {
            let Some(old) = self.order.pop_front() else { break };
            if let Some(d) = self.items.remove(&old) {
                self.bytes -= d.len();
            }
        }
    }

    fn get(&self, hash: &[u8]) -> Option<&Bytes> {
        self.items.get(hash)
    }
}

/// What an upload came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uploaded {
    /// 10/03's code.
    pub code: u8,
    /// The item's id (the MD5 of the data).
    pub id: BartId,
}

impl Hub {
    /// The icon `name` shows: the one its feedbag names, once the store has its data.
    pub(super) fn icon_of(&self, w: &World, name: &ScreenName) -> Option<BartId> {
        let id = w.accounts.get(name)?.data.feedbag.icon()?;
        w.icons.get(&id.hash)?;
        Some(BartId { flags: bart::flags::CUSTOM, ..id })
    }

    /// Adds TLV 0x1D to `info` when `name` shows an icon.
    pub(super) fn add_icon(&self, w: &World, name: &ScreenName, info: &mut UserInfo) {
        if let Some(id) = self.icon_of(w, name) {
            if let Err(e) = info.set_bart_ids(&[id]) {
                tracing::warn!("an icon id that does not encode: {e}");
            }
        }
    }

    /// 10/02: stores an icon of session `id` by its MD5. Too big, empty or not an icon type
    /// is refused with 10/03's code; the uploader's watchers hear of it when its feedbag
    /// already names this hash.
    pub fn upload_icon(&self, id: u64, kind: u16, data: Bytes) -> Uploaded {
        let bart_id = BartId::icon_of(&data);
        let refuse = |code| Uploaded { code, id: BartId { kind, ..bart_id.clone() } };
        if kind != bart::kind::ICON && kind != bart::kind::ICON_SMALL {
            return refuse(bart::code::INVALID_TYPE);
        }
        if data.is_empty() {
            return refuse(bart::code::TOO_SMALL);
        }
        if data.len() > MAX_ICON_BYTES {
            return refuse(bart::code::TOO_BIG);
        }
        let mut w = self.lock();
        let shown_before = self.session_account(&w, id).map(|n| (self.icon_of(&w, &n), n));
        w.icons.insert(bart_id.hash.clone(), data);
        if let Some((before, name)) = shown_before {
            if self.icon_of(&w, &name) != before {
                self.announce(&w, &name);
            }
        }
        Uploaded { code: bart::code::SUCCESS, id: BartId { kind, ..bart_id } }
    }

    /// 10/04 and 10/06: the data stored for `hash`.
    pub fn icon_data(&self, hash: &[u8]) -> Option<Bytes> {
        self.lock().icons.get(hash).cloned()
    }

    /// After a feedbag change by `name`: 01/21 for its own icon item when the store lacks
    /// the data (flag 0x40, upload it), and its watchers told when the shown icon changed.
    pub(super) fn icon_changed(
        &self,
        w: &World,
        name: &ScreenName,
        before: Option<BartId>,
    ) -> Option<SnacBody> {
        let named = w.accounts.get(name)?.data.feedbag.icon();
        if self.icon_of(w, name) != before {
            self.announce(w, name);
        }
        let named = named?;
        let known = w.icons.get(&named.hash).is_some();
        let flags =
            if known { bart::flags::CUSTOM } else { bart::flags::CUSTOM | bart::flags::UNKNOWN };
        Some(SnacBody::OwnBart(BartId { flags, ..named }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_store_keeps_at_most_its_bound_oldest_out_first() {
        let mut store = IconStore::default();
        let chunk = MAX_ICON_BYTES;
        let n = MAX_STORED_BYTES / chunk + 5;
        for i in 0..n {
            let data = Bytes::from(vec![(i % 251) as u8; chunk]);
            store.insert(Bytes::from(format!("{i:016}")), data);
        }
        assert!(store.bytes <= MAX_STORED_BYTES);
        assert!(store.get(b"0000000000000000").is_none(), "the oldest went");
        assert!(store.get(format!("{:016}", n - 1).as_bytes()).is_some());
        assert_eq!(store.items.len(), store.order.len());
    }
}
