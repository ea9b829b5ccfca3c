//! The client's copy of the server-stored list (feedbag) and the transactions that change it.
//!
//! Every change is planned here as the exact items to insert, update and delete, with fresh ids
//! and the parents' 0x00C8 order lists updated, and applied to the local copy at once; the
//! server's 13/0E results confirm it (or the session re-reads the list).

use crate::oscar::bart::{self, BartId};
use crate::oscar::feedbag::{attr, class, FeedbagItem};
use crate::screenname::ScreenName;

use super::api::{Buddy, BuddyList, Group};

mod privacy;

/// One planned feedbag change: the SNACs of a 13/11 … 13/12 transaction, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// 13/08 with these items.
    Insert(Vec<FeedbagItem>),
    /// 13/09 with these items.
    Update(Vec<FeedbagItem>),
    /// 13/0A with these items.
    Delete(Vec<FeedbagItem>),
}

/// Why a buddy-list change was not planned: it makes no sense against the list as we have it.
/// Names are kept as the list spells them, so the front end can say which item was meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedbagError {
    /// The buddy is already in that group.
    AlreadyInGroup {
        /// The buddy.
        name: ScreenName,
        /// The group, as stored.
        group: String,
    },
    /// No item or group id is left (all 65535 are taken).
    ListFull,
    /// A group of that name (ignoring case) already exists.
    GroupExists {
        /// The existing group's name, as stored.
        group: String,
    },
    /// The buddy is in no group.
    NotOnList {
        /// The buddy.
        name: ScreenName,
    },
    /// No group has that name.
    NoSuchGroup {
        /// The name asked for.
        group: String,
    },
    /// They are already blocked (and not on the allow list).
    AlreadyBlocked {
        /// Who.
        name: ScreenName,
    },
    /// They are not blocked (and, in allow-list mode, already allowed).
    NotBlocked {
        /// Who.
        name: ScreenName,
    },
}

/// The local copy of the feedbag.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Feedbag {
    items: Vec<FeedbagItem>,
}

impl Feedbag {
    /// A feedbag holding `items` as the server sent them.
    pub fn new(items: Vec<FeedbagItem>) -> Self {
        Feedbag { items }
    }

    /// The items, for tests and diagnostics.
    pub fn items(&self) -> &[FeedbagItem] {
        &self.items
    }

    fn root(&self) -> Option<&FeedbagItem> {
        self.items.iter().find(|i| i.is_root())
    }

    fn groups(&self) -> impl Iterator<Item = &FeedbagItem> {
        self.items.iter().filter(|i| i.class == class::GROUP && i.group_id != 0)
    }

    fn group_named(&self, name: &str) -> Option<&FeedbagItem> {
        self.groups().find(|g| g.name.eq_ignore_ascii_case(name))
    }

    fn buddies_in(&self, group_id: u16) -> impl Iterator<Item = &FeedbagItem> {
        self.items.iter().filter(move |i| i.class == class::BUDDY && i.group_id == group_id)
    }

    /// The buddy list in display order: groups in the root's 0x00C8 order (unlisted groups
    /// after, by id), buddies in each group's 0x00C8 order (unlisted buddies after, by id).
    pub fn buddy_list(&self) -> BuddyList {
        let mut groups: Vec<&FeedbagItem> = self.groups().collect();
        let order = self.root().map(FeedbagItem::order).unwrap_or_default();
        groups.sort_by_key(|g| (position(&order, g.group_id), g.group_id));
        let groups = groups
            .into_iter()
            .map(|g| {
                let order = g.order();
                let mut buddies: Vec<&FeedbagItem> = self.buddies_in(g.group_id).collect();
                buddies.sort_by_key(|b| (position(&order, b.item_id), b.item_id));
                Group {
                    name: g.name.clone(),
                    buddies: buddies
                        .into_iter()
                        .map(|b| Buddy {
                            name: ScreenName::from_wire(&b.name),
                            alias: b.alias(),
                            awaiting_auth: b.attrs.has(attr::PENDING_AUTH),
                        })
                        .collect(),
                }
            })
            .collect();
        BuddyList { groups }
    }

    /// Whether `name` is on the list, in any group.
    pub fn contains(&self, name: &ScreenName) -> bool {
        self.items
            .iter()
            .any(|i| i.class == class::BUDDY && ScreenName::from_wire(&i.name) == *name)
    }

    /// Whether a buddy item naming `name` is already marked awaiting authorization.
    pub fn awaiting_auth(&self, name: &ScreenName) -> bool {
        self.items.iter().any(|i| {
            i.class == class::BUDDY
                && i.attrs.has(attr::PENDING_AUTH)
                && ScreenName::from_wire(&i.name) == *name
        })
    }

    /// Marks every buddy item naming `name` as awaiting authorization (attribute 0x0066) and
    /// returns the marked items, for a 13/08 that the server will accept (§6.4).
    pub fn mark_pending(&mut self, name: &ScreenName) -> Vec<FeedbagItem> {
        let mut marked = Vec::new();
        for i in self
            .items
            .iter_mut()
            .filter(|i| i.class == class::BUDDY && ScreenName::from_wire(&i.name) == *name)
        {
            i.attrs.set(attr::PENDING_AUTH, Vec::new());
            marked.push(i.clone());
        }
        marked
    }

    fn unused_group_id(&self) -> Option<u16> {
        (1..=u16::MAX).find(|id| !self.items.iter().any(|i| i.group_id == *id))
    }

    fn unused_item_id(&self) -> Option<u16> {
        (1..=u16::MAX).find(|id| !self.items.iter().any(|i| i.item_id == *id))
    }

    /// Plans adding `name` to `group` (created at the end of the list if missing).
    pub fn add_buddy(
        &mut self,
        name: &ScreenName,
        group: &str,
    ) -> Result<Vec<Change>, FeedbagError> {
        let mut changes = Vec::new();
        let existing = self.group_named(group).cloned();
        if let Some(g) = &existing {
            if self.buddies_in(g.group_id).any(|b| ScreenName::from_wire(&b.name) == *name) {
                return Err(FeedbagError::AlreadyInGroup {
                    name: name.clone(),
                    group: g.name.clone(),
                });
            }
        }
        let item_id = self.unused_item_id().ok_or(FeedbagError::ListFull)?;
        let buddy_group = match existing {
            Some(mut g) => {
                let mut order = g.order();
                order.push(item_id);
                g.set_order(&order);
                let buddy = FeedbagItem::buddy(name.as_str(), g.group_id, item_id);
                changes.push(Change::Insert(vec![buddy.clone()]));
                changes.push(Change::Update(vec![g.clone()]));
                self.items.push(buddy);
                self.replace(g);
                return Ok(changes);
            }
            None => self.unused_group_id().ok_or(FeedbagError::ListFull)?,
        };
        let new_group = FeedbagItem::group(group, buddy_group, &[item_id]);
        let buddy = FeedbagItem::buddy(name.as_str(), buddy_group, item_id);
        changes.push(Change::Insert(vec![new_group.clone(), buddy.clone()]));
        self.items.push(new_group);
        self.items.push(buddy);
        changes.push(self.append_to_root(buddy_group));
        Ok(changes)
    }

    /// The buddy-icon item (class 0x14, named "1"), if the list has one (§15.3).
    pub fn icon_item(&self) -> Option<&FeedbagItem> {
        self.items.iter().find(|i| i.class == class::BART && i.name.trim() == "1")
    }

    /// Plans pointing the buddy-icon item at `id` (TLV 0xD5): an update of the item the list
    /// has, or a new item in the root group.
    pub fn set_icon(&mut self, id: &BartId) -> Result<Change, FeedbagError> {
        let value = id.info_bytes().map_err(|_| FeedbagError::ListFull)?;
        let (mut item, existed) = match self.icon_item() {
            Some(item) => (item.clone(), true),
            None => {
                let item_id = self.unused_item_id().ok_or(FeedbagError::ListFull)?;
                (FeedbagItem::new("1", 0, item_id, class::BART), false)
            }
        };
        item.attrs.set(bart::FEEDBAG_TLV, value);
        self.replace(item.clone());
        Ok(if existed { Change::Update(vec![item]) } else { Change::Insert(vec![item]) })
    }

    /// Plans creating an empty group at the end of the list.
    pub fn add_group(&mut self, name: &str) -> Result<Vec<Change>, FeedbagError> {
        if let Some(g) = self.group_named(name) {
            return Err(FeedbagError::GroupExists { group: g.name.clone() });
        }
        let id = self.unused_group_id().ok_or(FeedbagError::ListFull)?;
        let group = FeedbagItem::group(name, id, &[]);
        self.items.push(group.clone());
        Ok(vec![Change::Insert(vec![group]), self.append_to_root(id)])
    }

    /// Plans removing `name` from every group it is in.
    pub fn remove_buddy(&mut self, name: &ScreenName) -> Result<Vec<Change>, FeedbagError> {
        let gone: Vec<FeedbagItem> = self
            .items
            .iter()
            .filter(|i| i.class == class::BUDDY && ScreenName::from_wire(&i.name) == *name)
            .cloned()
            .collect();
        if gone.is_empty() {
            return Err(FeedbagError::NotOnList { name: name.clone() });
        }
        let mut updates = Vec::new();
        for b in &gone {
            self.items.retain(|i| i != b);
            if let Some(mut g) = self.group_by_id(b.group_id).cloned() {
                let order: Vec<u16> = g.order().into_iter().filter(|id| *id != b.item_id).collect();
                g.set_order(&order);
                self.replace(g.clone());
                updates.retain(|u: &FeedbagItem| u.group_id != g.group_id);
                updates.push(g);
            }
        }
        let mut changes = vec![Change::Delete(gone)];
        if !updates.is_empty() {
            changes.push(Change::Update(updates));
        }
        Ok(changes)
    }

    /// Plans removing a group and every buddy in it.
    pub fn remove_group(&mut self, name: &str) -> Result<Vec<Change>, FeedbagError> {
        let group = self
            .group_named(name)
            .cloned()
            .ok_or_else(|| FeedbagError::NoSuchGroup { group: name.to_string() })?;
        let mut gone: Vec<FeedbagItem> = self.buddies_in(group.group_id).cloned().collect();
        gone.push(group.clone());
        self.items.retain(|i| !(i.group_id == group.group_id && i.class == class::BUDDY));
        self.items.retain(|i| *i != group);
        let mut changes = vec![Change::Delete(gone)];
        if let Some(mut root) = self.root().cloned() {
            let order: Vec<u16> =
                root.order().into_iter().filter(|id| *id != group.group_id).collect();
            root.set_order(&order);
            self.replace(root.clone());
            changes.push(Change::Update(vec![root]));
        }
        Ok(changes)
    }

    fn group_by_id(&self, id: u16) -> Option<&FeedbagItem> {
        self.items.iter().find(|i| i.class == class::GROUP && i.group_id == id && i.item_id == 0)
    }

    /// Adds `group_id` to the root's order, creating the root when the list has none.
    fn append_to_root(&mut self, group_id: u16) -> Change {
        match self.root().cloned() {
            Some(mut root) => {
                let mut order = root.order();
                order.push(group_id);
                root.set_order(&order);
                self.replace(root.clone());
                Change::Update(vec![root])
            }
            None => {
                let root = FeedbagItem::group("", 0, &[group_id]);
                self.items.push(root.clone());
                Change::Insert(vec![root])
            }
        }
    }

    /// Replaces the item with the same identity (group id, item id, class), or adds it.
    fn replace(&mut self, item: FeedbagItem) {
        match self.items.iter_mut().find(|i| same_item(i, &item)) {
            Some(slot) => *slot = item,
            None => self.items.push(item),
        }
    }

    /// Applies a change the server pushed (another session of the same account).
    pub fn apply(&mut self, change: &Change) {
        match change {
            Change::Insert(items) | Change::Update(items) => {
                items.iter().for_each(|i| self.replace(i.clone()));
            }
            Change::Delete(items) => {
                self.items.retain(|i| !items.iter().any(|d| same_item(i, d)));
            }
        }
    }
}

fn same_item(a: &FeedbagItem, b: &FeedbagItem) -> bool {
    a.group_id == b.group_id && a.item_id == b.item_id && a.class == b.class
}

fn position(order: &[u16], id: u16) -> usize {
    order.iter().position(|o| *o == id).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sn(s: &str) -> ScreenName {
        ScreenName::parse(s).unwrap()
    }

    fn sample() -> Feedbag {
        Feedbag::new(vec![
            FeedbagItem::group("", 0, &[2, 1]),
            FeedbagItem::group("Buddies", 1, &[11, 10]),
            FeedbagItem::buddy("alice", 1, 10),
            FeedbagItem::buddy("Bob Smith", 1, 11),
            FeedbagItem::group("Work", 2, &[]),
            FeedbagItem::buddy("carol", 2, 12),
        ])
    }

    #[test]
    fn list_follows_order_attributes() {
        let list = sample().buddy_list();
        let names: Vec<_> = list.groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["Work", "Buddies"]);
        let buddies: Vec<_> = list.groups[1].buddies.iter().map(|b| b.name.as_str()).collect();
        assert_eq!(buddies, ["Bob Smith", "alice"]);
        // carol is not in Work's order, so she goes after the listed ones.
        assert_eq!(list.groups[0].buddies[0].name.as_str(), "carol");
    }

    #[test]
    fn add_to_existing_group_updates_its_order() {
        let mut f = sample();
        let changes = f.add_buddy(&sn("dave"), "buddies").unwrap();
        let mut g = FeedbagItem::group("Buddies", 1, &[11, 10, 1]);
        g.attrs = FeedbagItem::group("Buddies", 1, &[11, 10, 1]).attrs;
        assert_eq!(
            changes,
            [Change::Insert(vec![FeedbagItem::buddy("dave", 1, 1)]), Change::Update(vec![g])]
        );
        assert_eq!(
            f.add_buddy(&sn("Dave"), "Buddies"),
            Err(FeedbagError::AlreadyInGroup { name: sn("Dave"), group: "Buddies".into() })
        );
    }

    #[test]
    fn add_to_new_group_creates_it_and_updates_root() {
        let mut f = sample();
        let changes = f.add_buddy(&sn("erin"), "Family").unwrap();
        assert_eq!(
            changes,
            [
                Change::Insert(vec![
                    FeedbagItem::group("Family", 3, &[1]),
                    FeedbagItem::buddy("erin", 3, 1)
                ]),
                Change::Update(vec![FeedbagItem::group("", 0, &[2, 1, 3])]),
            ]
        );
        assert_eq!(f.buddy_list().groups.last().map(|g| g.name.as_str()), Some("Family"));
    }

    #[test]
    fn empty_list_gets_a_root() {
        let mut f = Feedbag::default();
        let changes = f.add_group("Friends").unwrap();
        assert_eq!(
            changes,
            [
                Change::Insert(vec![FeedbagItem::group("Friends", 1, &[])]),
                Change::Insert(vec![FeedbagItem::group("", 0, &[1])]),
            ]
        );
        assert_eq!(
            f.add_group("friends"),
            Err(FeedbagError::GroupExists { group: "Friends".into() })
        );
    }

    #[test]
    fn remove_buddy_and_group() {
        let mut f = sample();
        let changes = f.remove_buddy(&sn("bobsmith")).unwrap();
        assert_eq!(
            changes,
            [
                Change::Delete(vec![FeedbagItem::buddy("Bob Smith", 1, 11)]),
                Change::Update(vec![FeedbagItem::group("Buddies", 1, &[10])]),
            ]
        );
        assert_eq!(
            f.remove_buddy(&sn("bobsmith")),
            Err(FeedbagError::NotOnList { name: sn("bobsmith") })
        );
        assert_eq!(f.remove_group("nope"), Err(FeedbagError::NoSuchGroup { group: "nope".into() }));
        let changes = f.remove_group("work").unwrap();
        assert_eq!(
            changes,
            [
                Change::Delete(vec![
                    FeedbagItem::buddy("carol", 2, 12),
                    FeedbagItem::group("Work", 2, &[])
                ]),
                Change::Update(vec![FeedbagItem::group("", 0, &[1])]),
            ]
        );
        assert!(!f.contains(&sn("carol")));
        assert_eq!(f.buddy_list().groups.len(), 1);
    }

    #[test]
    fn the_icon_item_is_made_once_then_updated() {
        let mut bag = sample();
        let first = BartId::icon_of(b"one");
        let Change::Insert(items) = bag.set_icon(&first).unwrap() else { panic!("an insert") };
        assert_eq!((items[0].class, items[0].group_id, items[0].name.as_str()), (0x14, 0, "1"));
        let id = items[0].item_id;
        assert!(bag.items().iter().filter(|i| i.item_id == id).count() == 1, "a fresh id");
        let second = BartId::icon_of(b"two");
        let Change::Update(items) = bag.set_icon(&second).unwrap() else { panic!("an update") };
        assert_eq!(items[0].item_id, id);
        let value = bag.icon_item().unwrap().attrs.get(bart::FEEDBAG_TLV).unwrap().value.to_vec();
        assert_eq!(BartId::from_feedbag("1", &value).unwrap(), second);
        assert_eq!(bag.buddy_list(), sample().buddy_list(), "buddies untouched");
    }

    #[test]
    fn pushed_changes_apply() {
        let mut f = sample();
        f.apply(&Change::Delete(vec![FeedbagItem::buddy("alice", 1, 10)]));
        assert!(!f.contains(&sn("alice")));
        f.apply(&Change::Insert(vec![FeedbagItem::buddy("zed", 2, 40)]));
        assert!(f.contains(&sn("zed")));
    }

    proptest::proptest! {
        #[test]
        fn any_edit_sequence_keeps_ids_unique_and_orders_consistent(
            ops in proptest::collection::vec((0u8..4, 0usize..4, 0usize..3), 0..40),
        ) {
            let names = ["ann", "ben", "cy", "dee"];
            let groups = ["A", "B", "C"];
            let mut f = Feedbag::default();
            for (op, n, g) in ops {
                let _ = match op {
                    0 => f.add_buddy(&sn(names[n]), groups[g]),
                    1 => f.remove_buddy(&sn(names[n])),
                    2 => f.add_group(groups[g]),
                    _ => f.remove_group(groups[g]),
                };
                let mut ids: Vec<(u16, u16, u16)> =
                    f.items().iter().map(|i| (i.group_id, i.item_id, i.class)).collect();
                let before = ids.len();
                ids.sort_unstable();
                ids.dedup();
                proptest::prop_assert_eq!(ids.len(), before);
                // Every order list names exactly the children that exist.
                for g in f.items().iter().filter(|i| i.class == class::GROUP) {
                    let mut order = g.order();
                    order.sort_unstable();
                    let mut children: Vec<u16> = if g.group_id == 0 {
                        f.groups().map(|c| c.group_id).collect()
                    } else {
                        f.buddies_in(g.group_id).map(|b| b.item_id).collect()
                    };
                    children.sort_unstable();
                    proptest::prop_assert_eq!(order, children);
                }
                let listed: usize = f.buddy_list().groups.iter().map(|g| g.buddies.len()).sum();
                proptest::prop_assert_eq!(
                    listed,
                    f.items().iter().filter(|i| i.class == class::BUDDY).count()
                );
            }
        }
    }
}
