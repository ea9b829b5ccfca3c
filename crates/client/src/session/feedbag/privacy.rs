//! Privacy in the client's copy of the list (§6.4): the mode item and the permit and deny
//! items, read into [`Privacy`] and changed by planned transactions like buddies are.

use super::{Change, Feedbag, FeedbagError};
use crate::oscar::feedbag::PrivacyMode;
use crate::oscar::feedbag::{class, list_blocks, list_names, list_privacy_mode, FeedbagItem};
use crate::screenname::ScreenName;
use crate::session::api::Privacy;

impl Feedbag {
    /// The privacy settings the list holds.
    pub fn privacy(&self) -> Privacy {
        let names = |c: u16| -> Vec<ScreenName> {
            self.items
                .iter()
                .filter(|i| i.class == c)
                .map(|i| ScreenName::from_wire(&i.name))
                .collect()
        };
        Privacy {
            mode: list_privacy_mode(&self.items),
            allowed: names(class::PERMIT),
            blocked: names(class::DENY),
        }
    }

    /// Whether our settings refuse `who` (the server's rule, see [`list_blocks`]); the session
    /// drops what such a person sends even if a server lets it through.
    pub fn blocks(&self, who: &ScreenName) -> bool {
        list_blocks(&self.items, who)
    }

    fn named(&self, c: u16, who: &ScreenName) -> Vec<FeedbagItem> {
        self.items
            .iter()
            .filter(|i| i.class == c && ScreenName::from_wire(&i.name) == *who)
            .cloned()
            .collect()
    }

    /// Plans blocking `who`: a deny item; allow-all becomes block-list (so Open OSCAR Server,
    /// which reads deny items only in that mode, enforces it too); any permit item goes.
    pub fn block(&mut self, who: &ScreenName) -> Result<Vec<Change>, FeedbagError> {
        let mut changes = Vec::new();
        if !list_names(&self.items, class::DENY, who) {
            let id = self.unused_item_id().ok_or(FeedbagError::ListFull)?;
            let item = FeedbagItem::new(who.as_str(), 0, id, class::DENY);
            self.items.push(item.clone());
            changes.push(Change::Insert(vec![item]));
        }
        let permits = self.named(class::PERMIT, who);
        if !permits.is_empty() {
            self.apply(&Change::Delete(permits.clone()));
            changes.push(Change::Delete(permits));
        }
        if changes.is_empty() {
            return Err(FeedbagError::AlreadyBlocked { name: who.clone() });
        }
        if list_privacy_mode(&self.items) == PrivacyMode::AllowAll {
            changes.extend(self.set_privacy(PrivacyMode::BlockDenyList)?);
        }
        Ok(changes)
    }

    /// Plans unblocking `who`: their deny items go, and in allow-list mode a permit item lets
    /// them in.
    pub fn unblock(&mut self, who: &ScreenName) -> Result<Vec<Change>, FeedbagError> {
        let mut changes = Vec::new();
        let denies = self.named(class::DENY, who);
        if !denies.is_empty() {
            self.apply(&Change::Delete(denies.clone()));
            changes.push(Change::Delete(denies));
        }
        if list_privacy_mode(&self.items) == PrivacyMode::AllowPermitList
            && !list_names(&self.items, class::PERMIT, who)
        {
            let id = self.unused_item_id().ok_or(FeedbagError::ListFull)?;
            let item = FeedbagItem::new(who.as_str(), 0, id, class::PERMIT);
            self.items.push(item.clone());
            changes.push(Change::Insert(vec![item]));
        }
        if changes.is_empty() {
            return Err(FeedbagError::NotBlocked { name: who.clone() });
        }
        Ok(changes)
    }

    /// Plans setting the privacy mode: the privacy item is updated, or created; nothing when
    /// the mode is already set.
    pub fn set_privacy(&mut self, mode: PrivacyMode) -> Result<Vec<Change>, FeedbagError> {
        match self.items.iter().find(|i| i.class == class::PD_INFO).cloned() {
            Some(item) if item.privacy_mode() == Some(mode) => Ok(Vec::new()),
            Some(mut item) => {
                item.set_privacy_mode(mode);
                self.apply(&Change::Update(vec![item.clone()]));
                Ok(vec![Change::Update(vec![item])])
            }
            None => {
                let id = self.unused_item_id().ok_or(FeedbagError::ListFull)?;
                let item = FeedbagItem::pd_info(id, mode);
                self.items.push(item.clone());
                Ok(vec![Change::Insert(vec![item])])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sn(s: &str) -> ScreenName {
        ScreenName::parse(s).unwrap()
    }

    fn list() -> Feedbag {
        Feedbag::new(vec![
            FeedbagItem::group("", 0, &[1]),
            FeedbagItem::group("Buddies", 1, &[1]),
            FeedbagItem::buddy("alice", 1, 1),
        ])
    }

    #[test]
    fn blocking_in_allow_all_switches_to_block_list() {
        let mut f = list();
        assert_eq!(f.privacy(), Privacy::default());
        let changes = f.block(&sn("Spam Bot")).unwrap();
        assert_eq!(
            changes,
            [
                Change::Insert(vec![FeedbagItem::new("Spam Bot", 0, 2, class::DENY)]),
                Change::Insert(vec![FeedbagItem::pd_info(3, PrivacyMode::BlockDenyList)]),
            ]
        );
        let p = f.privacy();
        assert_eq!(
            (p.mode, p.blocked, p.allowed),
            (PrivacyMode::BlockDenyList, vec![sn("Spam Bot")], vec![])
        );
        assert!(f.blocks(&sn("spambot")) && !f.blocks(&sn("alice")));
        assert_eq!(
            f.block(&sn("SPAMBOT")),
            Err(FeedbagError::AlreadyBlocked { name: sn("SPAMBOT") })
        );
        // A second block keeps the mode item as it is.
        assert_eq!(
            f.block(&sn("troll")).unwrap(),
            [Change::Insert(vec![FeedbagItem::new("troll", 0, 4, class::DENY)])]
        );
        assert_eq!(
            f.unblock(&sn("spam bot")).unwrap(),
            [Change::Delete(vec![FeedbagItem::new("Spam Bot", 0, 2, class::DENY)])]
        );
        assert_eq!(
            f.unblock(&sn("spam bot")),
            Err(FeedbagError::NotBlocked { name: sn("spam bot") })
        );
        assert_eq!(f.privacy().mode, PrivacyMode::BlockDenyList, "unblocking keeps the mode");
    }

    #[test]
    fn allow_list_mode_moves_people_between_the_lists() {
        let mut f = list();
        assert_eq!(
            f.set_privacy(PrivacyMode::AllowPermitList).unwrap(),
            [Change::Insert(vec![FeedbagItem::pd_info(2, PrivacyMode::AllowPermitList)])]
        );
        assert!(f.set_privacy(PrivacyMode::AllowPermitList).unwrap().is_empty());
        assert!(f.blocks(&sn("carol")), "not on the allow list");
        assert_eq!(
            f.unblock(&sn("carol")).unwrap(),
            [Change::Insert(vec![FeedbagItem::new("carol", 0, 3, class::PERMIT)])]
        );
        assert!(!f.blocks(&sn("carol")));
        assert_eq!(f.unblock(&sn("carol")), Err(FeedbagError::NotBlocked { name: sn("carol") }));
        assert_eq!(
            f.block(&sn("carol")).unwrap(),
            [
                Change::Insert(vec![FeedbagItem::new("carol", 0, 4, class::DENY)]),
                Change::Delete(vec![FeedbagItem::new("carol", 0, 3, class::PERMIT)]),
            ]
        );
        assert_eq!(f.privacy().mode, PrivacyMode::AllowPermitList, "only allow-all switches");
        let mut item = FeedbagItem::pd_info(2, PrivacyMode::AllowPermitList);
        item.set_privacy_mode(PrivacyMode::BlockAll);
        assert_eq!(f.set_privacy(PrivacyMode::BlockAll).unwrap(), [Change::Update(vec![item])]);
        assert!(f.blocks(&sn("alice")), "block-all refuses buddies too");
    }
}
