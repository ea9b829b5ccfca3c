//! Presence: who is online and visible, who watches whom (buddy lists and temporary buddies),
//! and the 03/0B and 03/0C that tell watchers about arrivals, departures, idle and status.

use std::collections::HashSet;

use super::{now_u32, Hub, World};
use crate::bos::limits::MAX_WATCHED_PER_SESSION;
use crate::oscar::buddy::BuddyPresence;
use crate::oscar::userinfo::{class, tlv as ui, UserInfo};
use crate::oscar::SnacBody;
use crate::screenname::ScreenName;

/// 03/0B for one user.
pub(super) fn arrived(info: UserInfo) -> SnacBody {
    SnacBody::BuddyArrived(BuddyPresence::one(info))
}

/// 03/0C for one user.
pub(super) fn departed(info: UserInfo) -> SnacBody {
    SnacBody::BuddyDeparted(BuddyPresence::one(info))
}

/// The ICQ status bit (low word of TLV 0x0006) that hides a user from everyone.
pub const STATUS_INVISIBLE: u32 = 0x0100;

impl Hub {
    pub(super) fn is_online(&self, w: &World, name: &ScreenName) -> bool {
        self.is_bot(name) || w.sessions.values().any(|s| s.ready && &s.account == name)
    }

    /// The user-info block for `name` as others see it (class, times, idle, status, caps).
    pub(super) fn user_info(&self, w: &World, name: &ScreenName) -> UserInfo {
        let account = self.state.config.accounts.get(name.normalized());
        let display = account
            .map_or_else(|| name.as_str().to_string(), |a| a.screen_name.as_str().to_string());
        let mut info = UserInfo::new(display);
        let st = w.accounts.get(name);
        let now = self.state.now();
        info.warning_level = st.map_or(0, |s| s.warn.level(now));
        let mut flags = if name.is_uin() { class::ICQ | class::AIM } else { class::AIM };
        if account.is_some_and(|a| a.bot) {
            flags |= class::BOT;
        }
        if st.is_some_and(|s| s.away.as_ref().is_some_and(|a| !a.data.is_empty())) {
            flags |= class::AWAY;
        }
        info.set_class(u16::try_from(flags).unwrap_or(u16::MAX));
        let signon = w
            .sessions
            .values()
            .filter(|s| &s.account == name)
            .map(|s| s.signon_at)
            .min()
            .unwrap_or(self.started_at);
        info.set_u32(ui::SIGNON_TIME, signon);
        if let Some(since) = st.and_then(|s| s.idle_since) {
            let minutes = (now - since).max(0) / 60;
            info.set_idle_minutes(u16::try_from(minutes).unwrap_or(u16::MAX));
        }
        info.set_u32(ui::STATUS, st.map_or(0, |s| s.status));
        if name.is_uin() {
            // As OOS: ICQ users carry a zeroed direct-connect block some ICQ clients require.
            info.tlvs.set(ui::DC_INFO, vec![0u8; 37]);
        }
        if let Some(caps) = st.map(|s| &s.caps).filter(|c| !c.is_empty()) {
            info.tlvs.set(ui::CAPABILITIES, caps.clone());
        }
        info.set_u32(ui::ONLINE_TIME, now_u32(now).saturating_sub(signon));
        self.add_icon(w, name, &mut info);
        info
    }

    /// Sends `body` to every signed-on session whose buddy list (or temporary buddies) names `who`,
    /// unless privacy stands between the two (§6.4).
    pub(super) fn notify_watchers(&self, w: &World, who: &ScreenName, body: &SnacBody) {
        let watchers: Vec<u64> = w
            .sessions
            .iter()
            .filter(|(_, s)| {
                s.ready
                    && (s.temp_buddies.contains(who)
                        || w.accounts.get(&s.account).is_some_and(|a| a.data.feedbag.lists(who)))
                    && !self.blocked_between(w, who, &s.account)
            })
            .map(|(id, _)| *id)
            .collect();
        for id in watchers {
            self.push(w, id, self.server_snac(body));
        }
    }

    /// Whether others may see `who` online: signed on and not invisible (ICQ status 0x0100,
    /// which Open OSCAR Server honours for everyone).
    pub(super) fn is_visible(&self, w: &World, who: &ScreenName) -> bool {
        self.is_online(w, who)
            && w.accounts.get(who).is_none_or(|a| a.status & STATUS_INVISIBLE == 0)
    }

    /// Re-announces `who` to its watchers after any change: 03/0B while visible, 03/0C once
    /// invisible; nothing while offline.
    pub(super) fn announce(&self, w: &World, who: &ScreenName) {
        if self.is_visible(w, who) {
            self.notify_watchers(w, who, &arrived(self.user_info(w, who)));
        } else if self.is_online(w, who) {
            self.notify_watchers(w, who, &departed(UserInfo::new(self.display(who))));
        }
    }

    /// 01/02: the session is signed on. Watchers get 03/0B; the returned frames (for this
    /// session, in order) are 03/0B for each online buddy, then stored offline IMs, then the
    /// authorization requests and answers kept for it (§6.4).
    pub fn client_ready(&self, id: u64) -> Vec<SnacBody> {
        let mut w = self.lock();
        let Some(name) = self.session_account(&w, id) else { return Vec::new() };
        let was_online = self.is_online(&w, &name);
        if let Some(s) = w.sessions.get_mut(&id) {
            s.ready = true;
        }
        if !was_online && self.is_visible(&w, &name) {
            self.announce(&w, &name);
        }
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let buddies: Vec<ScreenName> =
            w.accounts.get(&name).map(|a| a.data.feedbag.buddies().collect()).unwrap_or_default();
        for b in buddies {
            if self.visible_to(&w, &b, &name) && seen.insert(b.clone()) {
                out.push(arrived(self.user_info(&w, &b)));
            }
        }
        out.extend(self.take_offline(&mut w, &name));
        out.extend(self.take_auth_notices(&mut w, &name));
        out.extend(self.icon_wanted(&w, &name));
        out
    }

    /// This session's own user info (01/0F).
    pub fn self_info(&self, id: u64) -> Option<UserInfo> {
        let w = self.lock();
        let name = self.session_account(&w, id)?;
        Some(self.user_info(&w, &name))
    }

    /// 03/04 / 03/05: temporary buddies watched by this session only, at most
    /// [`MAX_WATCHED_PER_SESSION`]. Returns 03/0B for the added names already online and how
    /// many names were not added because the session is at the limit.
    pub fn temp_buddies(
        &self,
        id: u64,
        names: Vec<ScreenName>,
        add: bool,
    ) -> (Vec<SnacBody>, usize) {
        let mut w = self.lock();
        let Some(s) = w.sessions.get_mut(&id) else { return (Vec::new(), 0) };
        let account = s.account.clone();
        let mut new = Vec::new();
        let mut refused = 0;
        for n in names {
            if !add {
                s.temp_buddies.remove(&n);
            } else if !s.temp_buddies.contains(&n) {
                if s.temp_buddies.len() >= MAX_WATCHED_PER_SESSION {
                    refused += 1;
                } else {
                    s.temp_buddies.insert(n.clone());
                    new.push(n);
                }
            }
        }
        let arrivals = new
            .into_iter()
            .filter(|n| self.visible_to(&w, n, &account))
            .map(|n| arrived(self.user_info(&w, &n)))
            .collect();
        (arrivals, refused)
    }

    pub(super) fn announce_if_ready(&self, w: &World, id: u64, name: &ScreenName) {
        if w.sessions.get(&id).is_some_and(|s| s.ready) {
            self.announce(w, name);
        }
    }

    /// 01/11: idle for `seconds` (0 = active again).
    pub fn set_idle(&self, id: u64, seconds: u32) {
        let now = self.state.now();
        let mut w = self.lock();
        let Some(name) = self.session_account(&w, id) else { return };
        self.account_state(&mut w, &name).idle_since =
            (seconds > 0).then(|| now.saturating_sub(i64::from(seconds)));
        self.announce_if_ready(&w, id, &name);
    }

    /// 01/1E: new status word; returns the updated self info for 01/0F.
    pub fn set_status(&self, id: u64, status: Option<u32>) -> Option<UserInfo> {
        let mut w = self.lock();
        let name = self.session_account(&w, id)?;
        if let Some(s) = status {
            self.account_state(&mut w, &name).status = s;
            self.announce_if_ready(&w, id, &name);
        }
        Some(self.user_info(&w, &name))
    }
}
