//! Privacy between accounts (§6.4): who refuses whom, what each side may see of the other, and
//! the presence corrections owed when an account's privacy settings (or buddy list) change.

use std::collections::{HashMap, HashSet};

use super::presence::{arrived, departed};
use super::{Hub, World};
use crate::oscar::userinfo::UserInfo;
use crate::oscar::SnacBody;
use crate::screenname::ScreenName;

/// Who could see whom around one account's feedbag change (see [`Hub::privacy_view`]).
#[derive(Debug, Default)]
pub(super) struct PrivacyView {
    /// Sessions of other accounts watching the owner, and whether they saw it online.
    watchers: HashMap<u64, bool>,
    /// People the changing session watches, and whether it saw them online.
    watched: HashMap<ScreenName, bool>,
}

impl Hub {
    /// Whether `owner`'s privacy settings refuse `who`.
    pub(super) fn blocks(&self, w: &World, owner: &ScreenName, who: &ScreenName) -> bool {
        owner != who && w.accounts.get(owner).is_some_and(|a| a.data.feedbag.blocks(who))
    }

    /// Whether either of the two refuses the other: then neither sees the other online and no
    /// IM, typing notice or warning passes between them, as Open OSCAR Server does it.
    pub(super) fn blocked_between(&self, w: &World, a: &ScreenName, b: &ScreenName) -> bool {
        self.blocks(w, a, b) || self.blocks(w, b, a)
    }

    /// Whether `viewer` may see `who` online.
    pub(super) fn visible_to(&self, w: &World, who: &ScreenName, viewer: &ScreenName) -> bool {
        self.is_visible(w, who) && !self.blocked_between(w, who, viewer)
    }

    /// Whether session `id` watches `who` (buddy list or temporary buddies).
    fn watches(&self, w: &World, id: u64, who: &ScreenName) -> bool {
        w.sessions.get(&id).is_some_and(|s| {
            s.temp_buddies.contains(who)
                || w.accounts.get(&s.account).is_some_and(|a| a.data.feedbag.lists(who))
        })
    }

    /// What session `id` (of `owner`) and the sessions watching `owner` can see, taken before
    /// and after a change so [`Hub::privacy_corrections`] can send only what changed.
    pub(super) fn privacy_view(&self, w: &World, id: u64, owner: &ScreenName) -> PrivacyView {
        let watchers = w
            .sessions
            .iter()
            .filter(|(sid, s)| s.ready && &s.account != owner && self.watches(w, **sid, owner))
            .map(|(sid, s)| (*sid, self.visible_to(w, owner, &s.account)))
            .collect();
        let mut names: HashSet<ScreenName> =
            w.accounts.get(owner).map(|a| a.data.feedbag.buddies().collect()).unwrap_or_default();
        if let Some(s) = w.sessions.get(&id) {
            names.extend(s.temp_buddies.iter().cloned());
        }
        let watched =
            names.into_iter().map(|n| (n.clone(), self.visible_to(w, &n, owner))).collect();
        PrivacyView { watchers, watched }
    }

    /// After `owner`'s list changed: 03/0B or 03/0C to each watcher whose view of `owner`
    /// changed, and, returned for session `id` itself, 03/0B for people it watches who came
    /// into view (newly added buddies among them) and 03/0C for those it can no longer see.
    pub(super) fn privacy_corrections(
        &self,
        w: &World,
        id: u64,
        owner: &ScreenName,
        before: &PrivacyView,
    ) -> Vec<SnacBody> {
        let after = self.privacy_view(w, id, owner);
        for (sid, now_sees) in &after.watchers {
            let saw = before.watchers.get(sid).copied().unwrap_or(*now_sees);
            if saw != *now_sees {
                let body = if *now_sees {
                    arrived(self.user_info(w, owner))
                } else {
                    departed(UserInfo::new(self.display(owner)))
                };
                self.push(w, *sid, self.server_snac(&body));
            }
        }
        let mut names: Vec<&ScreenName> = after.watched.keys().collect();
        names.sort_by(|a, b| a.normalized().cmp(b.normalized()));
        let mut out = Vec::new();
        for name in names {
            let sees = after.watched.get(name).copied().unwrap_or(false);
            let saw = before.watched.get(name).copied().unwrap_or(false);
            if sees && !saw {
                out.push(arrived(self.user_info(w, name)));
            } else if saw && !sees {
                out.push(departed(UserInfo::new(self.display(name))));
            }
        }
        out
    }
}
