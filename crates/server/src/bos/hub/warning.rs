//! Warnings (04/08, §7.5): who may warn whom, the warned user's level, its decay over time and
//! the tighter IM rate class that goes with it. Time is the server's clock, so tests move it.
//!
//! The numbers are Open OSCAR Server's (AOL never published its own): a named warning adds
//! 10 %, an anonymous one 3 %, the level falls by 5 % every five minutes, and someone can be
//! warned only once per IM they sent the warner in the last hour, at most three times an hour.

use std::collections::{HashMap, VecDeque};

use super::{Hub, World};
use crate::oscar::codes::SnacErrorCode;
use crate::oscar::icbm::WarnReply;
use crate::oscar::oservice::{SelfInfo, Warning};
use crate::oscar::rate::RateClass;
use crate::oscar::SnacBody;
use crate::screenname::ScreenName;

/// What a named warning adds, in tenths of a percent.
pub const WARN_NAMED: u16 = 100;
/// What an anonymous warning adds, in tenths of a percent.
pub const WARN_ANONYMOUS: u16 = 30;
/// What the level loses every [`WARNING_DECAY_SECS`], in tenths of a percent.
pub const WARNING_DECAY: u16 = 50;
/// How often the level decays, in seconds.
pub const WARNING_DECAY_SECS: i64 = 300;
/// The highest level (100 %).
const MAX_LEVEL: u16 = 1000;
/// IMs received and warnings given count for this long, in seconds.
const WARN_WINDOW_SECS: i64 = 3600;
/// How many IMs (and warnings) per person are remembered: at most this many warnings an hour.
const TRACKED: usize = 3;

/// One account's warning level and its memory of who may be warned.
#[derive(Debug, Clone, Default)]
pub(super) struct WarnState {
    /// The level when it last changed, and when that was (the decay counts from there).
    level: u16,
    since: i64,
    /// The level watchers were last told in a 03/0B.
    announced: u16,
    /// When each person last sent us IMs (newest last, at most [`TRACKED`]).
    heard_from: HashMap<ScreenName, VecDeque<i64>>,
    /// When we last warned each person.
    warned: HashMap<ScreenName, VecDeque<i64>>,
}

fn note(map: &mut HashMap<ScreenName, VecDeque<i64>>, who: &ScreenName, now: i64) {
    // Forget everyone whose entries have all aged out, so the maps stay small.
    map.retain(|_, times| times.back().is_some_and(|t| now - t < WARN_WINDOW_SECS));
    let times = map.entry(who.clone()).or_default();
    times.push_back(now);
    while times.len() > TRACKED {
        times.pop_front();
    }
}

fn recent(map: &HashMap<ScreenName, VecDeque<i64>>, who: &ScreenName, now: i64) -> usize {
    map.get(who).map_or(0, |t| t.iter().filter(|at| now - **at < WARN_WINDOW_SECS).count())
}

impl WarnState {
    /// The level at `now`, after the decay since it last changed.
    pub(super) fn level(&self, now: i64) -> u16 {
        let periods = (now - self.since).max(0) / WARNING_DECAY_SECS;
        let fallen = periods.saturating_mul(i64::from(WARNING_DECAY));
        u16::try_from((i64::from(self.level) - fallen).max(0)).unwrap_or(0)
    }

    /// Adds `delta` at `now`, capped at 100 %; the applied delta and the new level, or `None`
    /// when the level is already at 100 %.
    fn raise(&mut self, now: i64, delta: u16) -> Option<(u16, u16)> {
        let current = self.level(now);
        if current >= MAX_LEVEL {
            return None;
        }
        let new = current.saturating_add(delta).min(MAX_LEVEL);
        // Keep the decay's phase: the next 5 % falls when it would have anyway.
        self.since = if current == 0 {
            now
        } else {
            self.since + (now - self.since).max(0) / WARNING_DECAY_SECS * WARNING_DECAY_SECS
        };
        self.level = new;
        Some((new - current, new))
    }

    /// Whether we may warn `who` now: they sent us more IMs than we warned them in the window.
    fn may_warn(&self, who: &ScreenName, now: i64) -> bool {
        recent(&self.heard_from, who, now) > recent(&self.warned, who, now)
    }
}

/// The IM rate class tightened for a sender warned to `level`: its clear, alert and limit levels
/// move from their normal values towards 97.5 % of the class maximum in proportion to the level
/// (Open OSCAR Server stops 150 short of AOL's 6000), so a user at 50 % must leave about half
/// again as long between IMs before the server warns or drops.
pub fn tightened(base: &RateClass, level: u16) -> RateClass {
    let ceiling = base.max - base.max / 40;
    let share = u64::from(level.min(MAX_LEVEL));
    let toward = |v: u32| -> u32 {
        let room = u64::from(ceiling.saturating_sub(v));
        v + u32::try_from(room * share / u64::from(MAX_LEVEL)).unwrap_or(0)
    };
    RateClass {
        clear: toward(base.clear),
        alert: toward(base.alert),
        limit: toward(base.limit),
        ..*base
    }
}

impl Hub {
    /// Notes that `sender` IMed `recipient` at `now`, which lets `recipient` warn them once.
    pub(super) fn heard_from(
        &self,
        w: &mut World,
        recipient: &ScreenName,
        sender: &ScreenName,
        now: i64,
    ) {
        note(&mut self.account_state(w, recipient).warn.heard_from, sender, now);
    }

    /// 04/08: session `id` warns `target`. Refused as Open OSCAR Server refuses it: oneself
    /// (0x08), someone offline, invisible or on either side's block list (0x04, as if offline),
    /// a bot, someone who has not IMed the warner in the last hour more often than warned
    /// since, or someone already at 100 % (0x0D). Otherwise the target is told (01/10, naming
    /// the warner unless anonymous), its watchers see the new level (03/0B), and the warner
    /// gets the applied delta and the new level (04/09).
    pub fn warn(&self, id: u64, target: &str, anonymous: bool) -> Result<WarnReply, SnacErrorCode> {
        let now = self.state.now();
        let mut w = self.lock();
        let from = self.session_account(&w, id).ok_or(SnacErrorCode::NotLoggedOn)?;
        let to = ScreenName::from_wire(target);
        if to == from {
            return Err(SnacErrorCode::NotSupportedByHost);
        }
        if !self.visible_to(&w, &to, &from) {
            return Err(SnacErrorCode::NotLoggedOn);
        }
        if self.is_bot(&to) {
            return Err(SnacErrorCode::RequestDenied);
        }
        if !self.account_state(&mut w, &from).warn.may_warn(&to, now) {
            return Err(SnacErrorCode::RequestDenied);
        }
        let delta = if anonymous { WARN_ANONYMOUS } else { WARN_NAMED };
        let (applied, level) = self
            .account_state(&mut w, &to)
            .warn
            .raise(now, delta)
            .ok_or(SnacErrorCode::RequestDenied)?;
        note(&mut self.account_state(&mut w, &from).warn.warned, &to, now);
        let warner = (!anonymous).then(|| self.user_info(&w, &from));
        self.push_account(&w, &to, &SnacBody::Warning(Warning { level, warner }));
        self.account_state(&mut w, &to).warn.announced = level;
        self.announce(&w, &to);
        tracing::info!(
            "{from} warned {to}{}: now {level}",
            if anonymous { " anonymously" } else { "" }
        );
        Ok(WarnReply { delta: applied, new_level: level })
    }

    /// `name`'s warning level now, in tenths of a percent.
    pub fn warning_level(&self, name: &ScreenName) -> u16 {
        let now = self.state.now();
        self.lock().accounts.get(name).map_or(0, |a| a.warn.level(now))
    }

    /// Tells every online user whose level decayed since it was last told (01/0F), and their
    /// watchers (03/0B with the new level); returns how many users that was. The server runs it every
    /// minute; tests run it after moving the clock.
    pub fn decay_warnings(&self) -> usize {
        let now = self.state.now();
        let mut w = self.lock();
        let due: Vec<ScreenName> = w
            .accounts
            .iter()
            .filter(|(_, a)| a.warn.announced != a.warn.level(now))
            .map(|(n, _)| n.clone())
            .collect();
        for name in &due {
            if let Some(a) = w.accounts.get_mut(name) {
                a.warn.announced = a.warn.level(now);
            }
            self.announce(&w, name);
            let info = SelfInfo { info: self.user_info(&w, name), more: Vec::new() };
            self.push_account(&w, name, &SnacBody::SelfInfo(info));
        }
        due.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sn(s: &str) -> ScreenName {
        ScreenName::from_wire(s)
    }

    #[test]
    fn levels_rise_cap_and_decay_in_steps() {
        let mut s = WarnState::default();
        assert_eq!(s.raise(1000, WARN_NAMED), Some((100, 100)));
        assert_eq!(s.raise(1010, WARN_ANONYMOUS), Some((30, 130)));
        assert_eq!(s.level(1000 + WARNING_DECAY_SECS - 1), 130);
        assert_eq!(s.level(1000 + WARNING_DECAY_SECS), 80, "5 % after five minutes");
        // A warning mid-period keeps the decay's phase.
        assert_eq!(s.raise(1000 + WARNING_DECAY_SECS + 100, WARN_NAMED), Some((100, 180)));
        assert_eq!(s.level(1000 + 2 * WARNING_DECAY_SECS), 130);
        assert_eq!(s.level(1000 + 100 * WARNING_DECAY_SECS), 0, "never below zero");
        let mut full = WarnState::default();
        for _ in 0..10 {
            full.raise(0, WARN_NAMED);
        }
        assert_eq!(full.level(0), 1000);
        assert_eq!(full.raise(0, WARN_ANONYMOUS), None, "at 100 %");
        let mut near = WarnState { level: 980, ..WarnState::default() };
        assert_eq!(near.raise(0, WARN_NAMED), Some((20, 1000)), "capped");
    }

    #[test]
    fn one_warning_per_im_three_an_hour() {
        let mut s = WarnState::default();
        let bob = sn("Bob");
        assert!(!s.may_warn(&bob, 0), "Bob never IMed us");
        for t in 0..5 {
            note(&mut s.heard_from, &bob, t);
        }
        for t in 10..13 {
            assert!(s.may_warn(&bob, t));
            note(&mut s.warned, &bob, t);
        }
        assert!(!s.may_warn(&bob, 13), "three warnings an hour at most");
        assert!(!s.may_warn(&bob, 13 + WARN_WINDOW_SECS), "the IMs aged out too");
        note(&mut s.heard_from, &bob, 20 + WARN_WINDOW_SECS);
        assert!(s.may_warn(&bob, 20 + WARN_WINDOW_SECS));
        // Old entries of others are forgotten.
        note(&mut s.heard_from, &sn("Carol"), 0);
        note(&mut s.heard_from, &bob, 10 * WARN_WINDOW_SECS);
        assert!(!s.heard_from.contains_key(&sn("Carol")));
    }

    #[test]
    fn rate_class_tightens_with_the_level() {
        let base = RateClass::aol_defaults()[2];
        assert_eq!(tightened(&base, 0), base);
        let half = tightened(&base, 500);
        assert_eq!((half.clear, half.alert, half.limit), (5475, 5425, 4925));
        let full = tightened(&base, 1000);
        assert_eq!((full.clear, full.alert, full.limit), (5850, 5850, 5850));
        assert_eq!(
            (full.max, full.disconnect, full.window),
            (base.max, base.disconnect, base.window)
        );
        assert_eq!(tightened(&base, 5000), full, "levels above 100 % count as 100 %");
    }
}
