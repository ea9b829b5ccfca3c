//! BART on the server (§15): buddy icons stored by hash in memory, bounded, served by hash,
//! and the owner's icon (named in their feedbag) put in their user info as TLV 0x1D.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use bytes::Bytes;

use super::{Hub, World};
use crate::oscar::bart::{self, BartId};
use crate::oscar::userinfo::UserInfo;
use crate::oscar::SnacBody;
use crate::screenname::ScreenName;

/// The largest icon accepted by 10/02 (libpurple's `MAXICONLEN`; AOL never said a limit on
/// the wire, §15.4).
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

    /// Gives `name` the icon `data` as if its owner had uploaded it and named it in its
    /// feedbag (for bots, the demo and tests); watchers are told. Refused with 10/03's code
    /// when it could not be uploaded either.
    pub fn set_account_icon(&self, name: &ScreenName, data: Bytes) -> Result<BartId, u8> {
        if data.is_empty() {
            return Err(bart::code::TOO_SMALL);
        }
        if data.len() > MAX_ICON_BYTES {
            return Err(bart::code::TOO_BIG);
        }
        let id = BartId::icon_of(&data);
        let now = super::now_u32(self.state.now());
        let mut w = self.lock();
        w.icons.insert(id.hash.clone(), data);
        let result =
            Arc::make_mut(&mut self.account_state(&mut w, name).data).feedbag.set_icon(&id, now);
        if result != crate::oscar::codes::FeedbagResult::Ok {
            return Err(bart::code::INVALID);
        }
        self.save(&w, name);
        self.announce(&w, name);
        Ok(id)
    }

    /// 10/04 and 10/06: the data stored for `hash`.
    pub fn icon_data(&self, hash: &[u8]) -> Option<Bytes> {
        self.lock().icons.get(hash).cloned()
    }

    /// At sign-on: 01/21 with flag 0x40 when `name`'s feedbag names an icon whose data the
    /// store lacks (it keeps icons in memory, so a restart loses them), asking the client to
    /// upload it again (§15.5); nothing when the icon is there or none is named.
    pub(super) fn icon_wanted(&self, w: &World, name: &ScreenName) -> Option<SnacBody> {
        let named = w.accounts.get(name)?.data.feedbag.icon()?;
        if named.hash[..] == bart::CLEAR_ICON_HASH[..] || w.icons.get(&named.hash).is_some() {
            return None;
        }
        let flags = bart::flags::CUSTOM | bart::flags::UNKNOWN;
        Some(SnacBody::OwnBart(BartId { flags, ..named }))
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
    use crate::bos::hub::chat::tests::{bos, hub, redirect};
    use crate::oscar::bart::{Download2Query, UploadQuery};
    use crate::oscar::feedbag::{class, FeedbagItem, FeedbagItems};
    use crate::oscar::oservice::{FamilyList, ServiceRequest};

    #[test]
    fn an_icon_is_uploaded_named_announced_and_served_by_hash() {
        let hub = hub();
        let (mut alice, mut bob) = (bos(&hub, "alice"), bos(&hub, "bob"));
        for c in [&mut alice, &mut bob] {
            c.send(SnacBody::ClientReady(Default::default()), 1);
        }
        // Bob watches Alice.
        let temp = crate::oscar::buddy::TempBuddies { names: vec!["Alice".into()] };
        bob.send(SnacBody::AddTempBuddies(temp), 2);
        bob.queued();
        let mut art = redirect(&hub, &mut alice, ServiceRequest::new(bart::FAMILY));
        assert_eq!(
            *art.session.host_online().body,
            SnacBody::HostOnline(FamilyList { families: vec![0x01, 0x10] })
        );
        // Too big, empty and not an icon: refused with 10/03's codes.
        for (kind, data, code) in [
            (1, vec![0; MAX_ICON_BYTES + 1], bart::code::TOO_BIG),
            (1, Vec::new(), bart::code::TOO_SMALL),
            (2, b"hi".to_vec(), bart::code::INVALID_TYPE),
        ] {
            let got = art.send(SnacBody::BartUpload(UploadQuery { kind, data: data.into() }), 3);
            let [(_, SnacBody::BartUploadReply(r))] = got.as_slice() else { panic!("{got:?}") };
            assert_eq!(r.code, code);
        }
        let gif = Bytes::from_static(b"GIF89a alice");
        let got = art.send(SnacBody::BartUpload(UploadQuery { kind: 1, data: gif.clone() }), 4);
        let [(h, SnacBody::BartUploadReply(r))] = got.as_slice() else { panic!("{got:?}") };
        assert_eq!((h.request_id, r.code), (4, bart::code::SUCCESS));
        assert_eq!(r.id, BartId::icon_of(&gif));
        assert!(bob.queued().is_empty(), "stored, but not yet named: nothing to announce");
        // Named in the feedbag: 13/0E, then 01/21 (known); Bob hears of it with TLV 0x1D.
        let mut item = FeedbagItem::new("1", 0, 77, class::BART);
        item.attrs.set(bart::FEEDBAG_TLV, r.id.info_bytes().unwrap());
        let got = alice.send(SnacBody::FeedbagInsert(FeedbagItems { items: vec![item] }), 5);
        let names: Vec<&str> = got.iter().map(|(_, b)| b.name()).collect();
        assert_eq!(names, ["FeedbagStatus", "OwnBart"]);
        let SnacBody::OwnBart(own) = &got[1].1 else { unreachable!() };
        assert_eq!(own.flags & bart::flags::UNKNOWN, 0);
        let heard = bob.queued();
        let [SnacBody::BuddyArrived(p)] = heard.as_slice() else { panic!("{heard:?}") };
        assert_eq!(p.users[0].buddy_icon().unwrap(), Some(Some(r.id.clone())));
        // Anyone's BART connection serves it by hash; an unknown hash is "not found".
        let mut bart_bob = redirect(&hub, &mut bob, ServiceRequest::new(bart::FAMILY));
        let unknown = BartId::icon_of(b"nobody's");
        let q = Download2Query { screen_name: "Alice".into(), ids: vec![r.id.clone(), unknown] };
        let got = bart_bob.send(SnacBody::BartDownload2(q), 6);
        let [(_, SnacBody::BartDownload2Reply(a)), (_, SnacBody::BartDownload2Reply(b))] =
            got.as_slice()
        else {
            panic!("{got:?}")
        };
        assert_eq!((a.code, &a.data), (bart::code::SUCCESS, &gif));
        assert_eq!((b.code, b.data.len()), (bart::code::NOT_FOUND, 0));
        // A BART connection answers nothing else.
        let got = bart_bob.send(SnacBody::FeedbagQuery, 7);
        assert!(matches!(got.as_slice(), [(_, SnacBody::Error { family: 0x13, .. })]));
    }

    #[test]
    fn a_feedbag_icon_the_server_lacks_asks_for_an_upload() {
        let hub = hub();
        let mut alice = bos(&hub, "alice");
        alice.send(SnacBody::ClientReady(Default::default()), 1);
        let id = BartId::icon_of(b"never uploaded");
        let mut item = FeedbagItem::new("1", 0, 9, class::BART);
        item.attrs.set(bart::FEEDBAG_TLV, id.info_bytes().unwrap());
        let got = alice.send(SnacBody::FeedbagInsert(FeedbagItems { items: vec![item] }), 2);
        let SnacBody::OwnBart(own) = &got[1].1 else { panic!("{got:?}") };
        assert_ne!(own.flags & bart::flags::UNKNOWN, 0);
        assert_eq!(hub.icon_data(&id.hash), None);
        // set_account_icon does both halves at once.
        let alice_name = ScreenName::from_wire("Alice");
        let set = hub.set_account_icon(&alice_name, Bytes::from_static(b"bot art")).unwrap();
        assert_eq!(hub.icon_data(&set.hash), Some(Bytes::from_static(b"bot art")));
        assert_eq!(
            hub.set_account_icon(&alice_name, Bytes::from(vec![0; MAX_ICON_BYTES + 1])),
            Err(bart::code::TOO_BIG)
        );
    }

    #[test]
    fn signing_on_with_a_named_icon_the_store_lacks_asks_for_an_upload() {
        let hub = hub();
        let mut alice = bos(&hub, "alice");
        alice.send(SnacBody::ClientReady(Default::default()), 1);
        let gif = Bytes::from_static(b"GIF89a kept in the feedbag only");
        let id = BartId::icon_of(&gif);
        let mut item = FeedbagItem::new("1", 0, 9, class::BART);
        item.attrs.set(bart::FEEDBAG_TLV, id.info_bytes().unwrap());
        alice.send(SnacBody::FeedbagInsert(FeedbagItems { items: vec![item] }), 2);
        // The next sign-on (as after a restart, which empties the store) is asked for it.
        let mut again = bos(&hub, "alice");
        let got = again.send(SnacBody::ClientReady(Default::default()), 3);
        let own: Vec<&BartId> = got
            .iter()
            .filter_map(|(_, b)| match b {
                SnacBody::OwnBart(own) => Some(own),
                _ => None,
            })
            .collect();
        assert_eq!(own.len(), 1, "{got:?}");
        assert_eq!(
            (own[0].hash.clone(), own[0].flags & bart::flags::UNKNOWN),
            (id.hash.clone(), 0x40)
        );
        // Uploaded: the next sign-on is not asked again.
        let mut art = redirect(&hub, &mut again, ServiceRequest::new(bart::FAMILY));
        art.send(SnacBody::BartUpload(UploadQuery { kind: 1, data: gif }), 4);
        let got = bos(&hub, "alice").send(SnacBody::ClientReady(Default::default()), 5);
        assert!(!got.iter().any(|(_, b)| matches!(b, SnacBody::OwnBart(_))), "{got:?}");
    }

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
