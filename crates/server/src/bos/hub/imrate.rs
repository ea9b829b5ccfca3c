//! The IM rate class's level per account, shared by all of the account's BOS sessions (§14),
//! so that spreading a flood over several connections, or reconnecting, buys nothing.
//!
//! The level is counted on one server-wide millisecond clock ([`Hub::now_ms`]); every BOS
//! connection passes that clock's readings to its session, and tests pass virtual time.

use super::Hub;
use crate::oscar::rate::{RateClass, RateState, RateStatus};
use crate::screenname::ScreenName;

/// An account's level in the IM class and when its last IM was counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SharedLevel {
    /// The level after the account's last counted IM.
    pub level: u32,
    /// When that IM was counted, on the clock the sessions pass in.
    pub last_ms: u64,
}

impl SharedLevel {
    /// The `current` to announce for `class` at `now_ms` (01/07, 01/0A): the level plus the
    /// rest since the last IM, as [`RateState::level_at`] counts it.
    pub fn level_at(&self, class: &RateClass, now_ms: u64) -> u32 {
        let state =
            RateState { level: self.level, last_ms: self.last_ms, status: RateStatus::Clear };
        state.level_at(class, now_ms)
    }
}

impl Hub {
    /// Milliseconds since this hub started: the clock every connection counts rate levels on.
    pub fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Runs `f` on `name`'s shared IM level (`None` until its first IM) under the hub's lock,
    /// so two sessions of one account counting IMs at the same moment each see the other's.
    pub(crate) fn with_im_level<R>(
        &self,
        name: &ScreenName,
        f: impl FnOnce(&mut Option<SharedLevel>) -> R,
    ) -> R {
        let mut w = self.lock();
        f(&mut self.account_state(&mut w, name).im_level)
    }

    /// `name`'s shared IM level, if it has sent an IM since the server started.
    pub(crate) fn im_level(&self, name: &ScreenName) -> Option<SharedLevel> {
        self.lock().accounts.get(name).and_then(|a| a.im_level)
    }
}
