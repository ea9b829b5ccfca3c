//! One account's server-stored buddy list (feedbag, §6) and the rules for changing it, free of
//! I/O so every result code is unit-tested.

use super::limits::{tlv_bytes, MAX_ITEM_ATTRS, MAX_ITEM_NAME};
use crate::oscar::codes::FeedbagResult;
use crate::oscar::feedbag::{attr, class, FeedbagItem};
use crate::screenname::ScreenName;

/// The most items one list may hold, so a client cannot grow the server without bound.
pub const MAX_ITEMS: usize = 2000;
/// The group id of the "Buddies" group a new list starts with.
pub const DEFAULT_GROUP_ID: u16 = 1;

/// A feedbag: its items in stored order and when it last changed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Feedbag {
    /// Items in the order they were added (13/06 sends them in this order).
    pub items: Vec<FeedbagItem>,
    /// Last change, Unix seconds; strictly increases on every change so 13/05 sees it.
    pub last_modified: u32,
}

impl Feedbag {
    /// What a brand-new account starts with: the root group, one "Buddies" group, and
    /// `buddies` in it, so a fresh client has somewhere to put buddies.
    pub fn seeded(buddies: &[ScreenName], now: u32) -> Self {
        let ids: Vec<u16> = (1..).take(buddies.len()).collect();
        let mut items = vec![
            FeedbagItem::group("", 0, &[DEFAULT_GROUP_ID]),
            FeedbagItem::group("Buddies", DEFAULT_GROUP_ID, &ids),
        ];
        items.extend(
            buddies
                .iter()
                .zip(&ids)
                .map(|(b, id)| FeedbagItem::buddy(b.as_str(), DEFAULT_GROUP_ID, *id)),
        );
        Feedbag { items, last_modified: now }
    }

    /// Whether a buddy item names `who`, i.e. whether the owner watches `who`'s presence.
    pub fn lists(&self, who: &ScreenName) -> bool {
        self.buddies().any(|b| &b == who)
    }

    /// Every buddy on the list (a buddy in two groups appears twice), except those still
    /// awaiting their authorization (attribute 0x0066, §6.4): their presence is not shown.
    pub fn buddies(&self) -> impl Iterator<Item = ScreenName> + '_ {
        self.items
            .iter()
            .filter(|i| i.class == class::BUDDY && !i.attrs.has(attr::PENDING_AUTH))
            .map(|i| ScreenName::from_wire(&i.name))
    }

    /// Clears the pending-authorization mark on every item naming `who`; returns the items
    /// changed (for a 13/09 to the owner's sessions).
    pub fn clear_pending(&mut self, who: &ScreenName, now: u32) -> Vec<FeedbagItem> {
        let mut changed = Vec::new();
        for i in self.items.iter_mut().filter(|i| {
            i.class == class::BUDDY
                && i.attrs.has(attr::PENDING_AUTH)
                && ScreenName::from_wire(&i.name) == *who
        }) {
            i.attrs.remove(attr::PENDING_AUTH);
            changed.push(i.clone());
        }
        if !changed.is_empty() {
            self.touch(now);
        }
        changed
    }

    /// The buddy icon the owner set: the class-0x14 item named "1" with its TLV 0xD5 (§15.3).
    /// `None` without one, or when it does not decode, or names the clear-icon hash.
    pub fn icon(&self) -> Option<crate::oscar::bart::BartId> {
        use crate::oscar::bart;
        self.items
            .iter()
            .filter(|i| i.class == class::BART)
            .filter_map(|i| {
                let value = i.attrs.get(bart::FEEDBAG_TLV)?;
                bart::BartId::from_feedbag(&i.name, value.value).ok()
            })
            .find(|id| id.kind == bart::kind::ICON && id.is_icon())
    }

    /// Points the icon item at `id` (updating the item there is, or adding one to the root
    /// group), as a client's 13/08 or 13/09 would.
    pub fn set_icon(&mut self, id: &crate::oscar::bart::BartId, now: u32) -> FeedbagResult {
        use crate::oscar::bart;
        let Ok(value) = id.info_bytes() else { return FeedbagResult::InvalidData };
        let existing = self.items.iter().find(|i| i.class == class::BART && i.name == "1");
        let mut item = match existing {
            Some(i) => i.clone(),
            None => {
                let Some(free) =
                    (1..=u16::MAX).find(|n| !self.items.iter().any(|i| i.item_id == *n))
                else {
                    return FeedbagResult::LimitExceeded;
                };
                FeedbagItem::new("1", 0, free, class::BART)
            }
        };
        item.attrs.set(bart::FEEDBAG_TLV, value);
        let results = if existing.is_some() {
            self.update(std::slice::from_ref(&item), now)
        } else {
            self.insert(std::slice::from_ref(&item), now)
        };
        results.first().copied().unwrap_or(FeedbagResult::InvalidData)
    }

    fn position(&self, item: &FeedbagItem) -> Option<usize> {
        self.items.iter().position(|i| i.group_id == item.group_id && i.item_id == item.item_id)
    }

    fn touch(&mut self, now: u32) {
        self.last_modified = now.max(self.last_modified.saturating_add(1));
    }

    /// 13/08: adds each item, one result per item in order.
    pub fn insert(&mut self, items: &[FeedbagItem], now: u32) -> Vec<FeedbagResult> {
        let results: Vec<_> = items.iter().map(|item| self.insert_one(item)).collect();
        if results.contains(&FeedbagResult::Ok) {
            self.touch(now);
        }
        results
    }

    fn insert_one(&mut self, item: &FeedbagItem) -> FeedbagResult {
        if let Err(code) = validate(item) {
            return code;
        }
        let same_buddy = |i: &FeedbagItem| {
            item.class == class::BUDDY
                && i.class == class::BUDDY
                && i.group_id == item.group_id
                && ScreenName::from_wire(&i.name) == ScreenName::from_wire(&item.name)
        };
        if self.position(item).is_some() || self.items.iter().any(same_buddy) {
            return FeedbagResult::AlreadyExists;
        }
        if self.items.len() >= MAX_ITEMS {
            return FeedbagResult::LimitExceeded;
        }
        self.items.push(item.clone());
        FeedbagResult::Ok
    }

    /// 13/09: replaces each existing item (same group and item id and class).
    pub fn update(&mut self, items: &[FeedbagItem], now: u32) -> Vec<FeedbagResult> {
        let results: Vec<_> = items
            .iter()
            .map(|item| {
                if let Err(code) = validate(item) {
                    return code;
                }
                match self.position(item) {
                    Some(p) if self.items.get(p).is_some_and(|old| old.class == item.class) => {
                        if let Some(slot) = self.items.get_mut(p) {
                            *slot = item.clone();
                        }
                        FeedbagResult::Ok
                    }
                    Some(_) => FeedbagResult::InvalidData,
                    None => FeedbagResult::NotFound,
                }
            })
            .collect();
        if results.contains(&FeedbagResult::Ok) {
            self.touch(now);
        }
        results
    }

    /// 13/0A: removes each item found by group and item id.
    pub fn delete(&mut self, items: &[FeedbagItem], now: u32) -> Vec<FeedbagResult> {
        let results: Vec<_> = items
            .iter()
            .map(|item| match self.position(item) {
                Some(p) => {
                    self.items.remove(p);
                    FeedbagResult::Ok
                }
                None => FeedbagResult::NotFound,
            })
            .collect();
        if results.contains(&FeedbagResult::Ok) {
            self.touch(now);
        }
        results
    }
}

/// Which size limit `item` breaks, if any: its name over [`MAX_ITEM_NAME`] bytes or its
/// attributes over [`MAX_ITEM_ATTRS`] (encoded).
pub fn oversize(item: &FeedbagItem) -> Option<String> {
    if item.name.len() > MAX_ITEM_NAME {
        return Some(format!("name is {} bytes (limit {MAX_ITEM_NAME})", item.name.len()));
    }
    let attrs = tlv_bytes(&item.attrs);
    (attrs > MAX_ITEM_ATTRS)
        .then(|| format!("attributes are {attrs} bytes (limit {MAX_ITEM_ATTRS})"))
}

/// Structural checks every stored item must pass (§6.1), and the size limits: a refused item
/// gets 0x000A, "invalid item id or data".
fn validate(item: &FeedbagItem) -> Result<(), FeedbagResult> {
    if oversize(item).is_some() {
        return Err(FeedbagResult::InvalidData);
    }
    let bad = match item.class {
        class::BUDDY => item.group_id == 0 || item.item_id == 0 || item.name.trim().is_empty(),
        class::GROUP => item.item_id != 0 || (item.group_id != 0 && item.name.is_empty()),
        _ => false,
    };
    if bad {
        Err(FeedbagResult::InvalidData)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bag() -> Feedbag {
        Feedbag::seeded(&[ScreenName::from_wire("ButterBot")], 100)
    }

    #[test]
    fn pending_buddies_are_not_watched_until_cleared() {
        let mut b = bag();
        let mut item = FeedbagItem::buddy("123456789", DEFAULT_GROUP_ID, 7);
        item.attrs.set(attr::PENDING_AUTH, Vec::new());
        assert_eq!(b.insert(&[item], 200), [FeedbagResult::Ok]);
        let uin = ScreenName::from_wire("123456789");
        assert!(!b.lists(&uin), "no presence while awaiting authorization");
        let before = b.last_modified;
        let cleared = b.clear_pending(&uin, 200);
        assert_eq!(cleared.len(), 1);
        assert!(!cleared[0].attrs.has(attr::PENDING_AUTH));
        assert!(b.lists(&uin));
        assert!(b.last_modified > before);
        assert!(b.clear_pending(&uin, 300).is_empty(), "nothing left to clear");
    }

    #[test]
    fn seeded_list_has_root_group_and_buddies() {
        let b = bag();
        assert!(b.items[0].is_root());
        assert_eq!(b.items[0].order(), [1]);
        assert_eq!(b.items[1].name, "Buddies");
        assert_eq!(b.items[1].order(), [1]);
        assert!(b.lists(&ScreenName::from_wire("butter bot")));
        assert!(!b.lists(&ScreenName::from_wire("Bob")));
        assert_eq!(Feedbag::seeded(&[], 5).items.len(), 2);
    }

    #[test]
    fn insert_update_delete_results() {
        let mut b = bag();
        let bob = FeedbagItem::buddy("Bob", 1, 7);
        let res = b.insert(
            &[
                bob.clone(),
                bob.clone(),
                FeedbagItem::buddy("", 1, 8),
                FeedbagItem::buddy("x", 0, 9),
            ],
            100,
        );
        use FeedbagResult as R;
        assert_eq!(res, [R::Ok, R::AlreadyExists, R::InvalidData, R::InvalidData]);
        assert_eq!(b.last_modified, 101, "a change always moves the stamp");
        assert!(b.lists(&ScreenName::from_wire("bob")));
        // Same buddy under another item id in the same group is a duplicate too.
        assert_eq!(b.insert(&[FeedbagItem::buddy("B O B", 1, 12)], 200), [R::AlreadyExists]);
        assert_eq!(b.last_modified, 101);

        let mut aliased = bob.clone();
        aliased.attrs.set(crate::oscar::feedbag::attr::ALIAS, b"Bobby".to_vec());
        let missing = FeedbagItem::buddy("Zed", 1, 99);
        assert_eq!(b.update(&[aliased, missing.clone()], 300), [R::Ok, R::NotFound]);
        assert_eq!(
            b.items.iter().find(|i| i.item_id == 7).unwrap().alias().as_deref(),
            Some("Bobby")
        );
        assert_eq!(
            b.update(&[FeedbagItem::new("Bob", 1, 7, class::PERMIT)], 300),
            [R::InvalidData]
        );

        assert_eq!(b.delete(&[bob, missing], 400), [R::Ok, R::NotFound]);
        assert!(!b.lists(&ScreenName::from_wire("bob")));
        assert_eq!(b.last_modified, 400);
    }

    #[test]
    fn oversized_items_are_refused_as_invalid_data() {
        let mut b = bag();
        let long_name = FeedbagItem::buddy("x".repeat(MAX_ITEM_NAME + 1), 1, 20);
        let mut fat = FeedbagItem::buddy("Fat", 1, 21);
        fat.attrs.set(crate::oscar::feedbag::attr::ALIAS, vec![b'a'; MAX_ITEM_ATTRS]);
        let mut just_fits = FeedbagItem::buddy("y".repeat(MAX_ITEM_NAME), 1, 22);
        just_fits.attrs.set(crate::oscar::feedbag::attr::ALIAS, vec![b'a'; MAX_ITEM_ATTRS - 4]);
        use FeedbagResult as R;
        assert_eq!(
            b.insert(&[long_name, fat.clone(), just_fits.clone()], 200),
            [R::InvalidData, R::InvalidData, R::Ok]
        );
        // An update cannot grow a stored item past the limits either.
        let mut grown = just_fits;
        grown.attrs.set(crate::oscar::feedbag::attr::ALIAS, vec![b'a'; MAX_ITEM_ATTRS]);
        assert_eq!(b.update(&[grown], 300), [R::InvalidData]);
        assert!(oversize(&fat).unwrap().contains("attributes"));
        assert_eq!(b.items.len(), 4);
    }

    #[test]
    fn list_size_is_capped() {
        let mut b = Feedbag::default();
        let items: Vec<_> =
            (1..=MAX_ITEMS as u16 + 1).map(|i| FeedbagItem::buddy(format!("b{i}"), 1, i)).collect();
        let res = b.insert(&items, 1);
        assert_eq!(res.last(), Some(&FeedbagResult::LimitExceeded));
        assert_eq!(b.items.len(), MAX_ITEMS);
    }
}
