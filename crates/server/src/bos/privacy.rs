//! Who an account's privacy settings refuse (§6.4): the privacy mode of its PD-info item and
//! its permit and deny items, read from its feedbag, free of I/O so every mode is unit-tested.

use super::feedbag::Feedbag;
use crate::oscar::feedbag::{class, list_blocks, list_names, list_privacy_mode, PrivacyMode};
use crate::screenname::ScreenName;

impl Feedbag {
    /// The list's privacy mode (see [`list_privacy_mode`]).
    pub fn privacy_mode(&self) -> PrivacyMode {
        list_privacy_mode(&self.items)
    }

    /// Whether a permit (allow) item names `who`.
    pub fn permits(&self, who: &ScreenName) -> bool {
        list_names(&self.items, class::PERMIT, who)
    }

    /// Whether a deny (block) item names `who`.
    pub fn denies(&self, who: &ScreenName) -> bool {
        list_names(&self.items, class::DENY, who)
    }

    /// Whether the owner of this list refuses `who` (see [`list_blocks`]).
    pub fn blocks(&self, who: &ScreenName) -> bool {
        list_blocks(&self.items, who)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oscar::feedbag::FeedbagItem;

    fn sn(s: &str) -> ScreenName {
        ScreenName::from_wire(s)
    }

    fn bag(mode: Option<PrivacyMode>) -> Feedbag {
        let mut b = Feedbag::seeded(&[sn("Buddy Bee")], 1);
        b.items.push(FeedbagItem::new("Allowed Al", 0, 20, class::PERMIT));
        b.items.push(FeedbagItem::new("Denied Dan", 0, 21, class::DENY));
        if let Some(m) = mode {
            b.items.push(FeedbagItem::pd_info(22, m));
        }
        b
    }

    #[test]
    fn each_mode_refuses_whom_it_should() {
        let (buddy, al, dan, stranger) =
            (sn("buddybee"), sn("ALLOWED AL"), sn("denieddan"), sn("Stranger"));
        let cases = [
            (None, [false, false, true, false]),
            (Some(PrivacyMode::AllowAll), [false, false, true, false]),
            (Some(PrivacyMode::BlockAll), [true, true, true, true]),
            (Some(PrivacyMode::AllowPermitList), [true, false, true, true]),
            (Some(PrivacyMode::BlockDenyList), [false, false, true, false]),
            (Some(PrivacyMode::AllowBuddies), [false, true, true, true]),
        ];
        for (mode, want) in cases {
            let b = bag(mode);
            assert_eq!(b.privacy_mode(), mode.unwrap_or_default());
            let got = [&buddy, &al, &dan, &stranger].map(|w| b.blocks(w));
            assert_eq!(got, want, "{mode:?}");
        }
        assert!(bag(None).permits(&al) && !bag(None).permits(&dan));
        assert!(bag(None).denies(&dan) && !bag(None).denies(&al));
    }

    #[test]
    fn a_bad_mode_byte_allows_everyone() {
        let mut b = bag(None);
        let mut item = FeedbagItem::new("", 0, 30, class::PD_INFO);
        item.attrs.set(crate::oscar::feedbag::attr::PD_MODE, vec![9]);
        b.items.push(item);
        assert_eq!(b.privacy_mode(), PrivacyMode::AllowAll);
        assert!(!b.blocks(&sn("stranger")));
    }
}
