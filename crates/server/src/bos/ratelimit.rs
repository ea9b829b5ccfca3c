//! The rate classes the embedded server announces in 01/07 and enforces per connection (§5.3,
//! §8.2): AOL's five classes by default, or the same classes scaled down so tests can flood a
//! class in milliseconds instead of minutes.

use crate::oscar::codes::RateChangeCode;
use crate::oscar::oservice::{RateChange, RateGroup, RateParamsReply};
use crate::oscar::rate::{aol_rate_params, RateClass, RateOutcome, RateStatus, RateTable};

/// A set of rate classes plus which SNACs belong to each; the single source for both the 01/07
/// the server sends and the limits it enforces, so the two can never disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateClasses {
    /// The classes at full level.
    pub classes: Vec<RateClass>,
    /// Membership per class; SNACs listed nowhere belong to class 1.
    pub groups: Vec<RateGroup>,
}

impl RateClasses {
    /// AOL's (and Open OSCAR Server's) five classes and memberships.
    pub fn aol() -> Self {
        let RateParamsReply { classes, groups, .. } = aol_rate_params();
        RateClasses { classes, groups }
    }

    /// Divides every level and threshold by `factor` (window unchanged), so the steady-state
    /// gap a class allows shrinks by the same factor: `aol().scaled(100)` lets an IM through
    /// about every 50 ms instead of every 5 s. A factor of 0 is treated as 1.
    pub fn scaled(mut self, factor: u32) -> Self {
        let f = factor.max(1);
        for c in &mut self.classes {
            for v in [
                &mut c.clear,
                &mut c.alert,
                &mut c.limit,
                &mut c.disconnect,
                &mut c.current,
                &mut c.max,
            ] {
                *v /= f;
            }
        }
        self
    }

    /// The 01/07 body; `extended` selects the 35-byte entries (client asked OService ≥ 2).
    pub fn reply(&self, extended: bool) -> RateParamsReply {
        RateParamsReply { extended, classes: self.classes.clone(), groups: self.groups.clone() }
    }

    /// A fresh per-connection table, every class full, as of `now_ms`.
    pub fn table(&self, now_ms: u64) -> RateTable {
        RateTable::new(&self.reply(true), now_ms)
    }
}

impl Default for RateClasses {
    fn default() -> Self {
        Self::aol()
    }
}

/// What the server does with one inbound SNAC after recording it against its class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RateVerdict {
    /// Handle it; `notice` is a 01/0A to send first when the class changed state.
    Pass {
        /// A warning (code 2) or cleared (code 4) notice, if due.
        notice: Option<RateChange>,
    },
    /// Drop it (class limited); `notice` is the code-3 notice when the class just got limited.
    Drop {
        /// The limited notice, if the class just crossed the limit.
        notice: Option<RateChange>,
    },
    /// The sender fell below the disconnect level: close the connection.
    Disconnect,
}

/// Records one inbound SNAC in `table` at `now_ms` and decides its fate.
pub fn check(
    table: &mut RateTable,
    family: u16,
    subtype: u16,
    now_ms: u64,
    extended: bool,
) -> RateVerdict {
    let Some((class_id, outcome)) = table.record(family, subtype, now_ms) else {
        return RateVerdict::Pass { notice: None };
    };
    let notice = |code| {
        table.class(class_id).map(|(class, state)| RateChange {
            code,
            extended,
            class: RateClass {
                current: state.level,
                dropping: u8::from(state.status == RateStatus::Limited),
                ..*class
            },
        })
    };
    verdict(outcome, notice)
}

fn verdict(
    outcome: RateOutcome,
    notice: impl Fn(RateChangeCode) -> Option<RateChange>,
) -> RateVerdict {
    match (outcome.status, outcome.changed()) {
        (RateStatus::Disconnect, _) => RateVerdict::Disconnect,
        (RateStatus::Limited, true) => {
            RateVerdict::Drop { notice: notice(RateChangeCode::Limited) }
        }
        (RateStatus::Limited, false) => RateVerdict::Drop { notice: None },
        (RateStatus::Alert, true) if outcome.previous == RateStatus::Clear => {
            RateVerdict::Pass { notice: notice(RateChangeCode::Warning) }
        }
        // Limited → Alert still means "slow down"; the drop has ended though.
        (RateStatus::Alert, true) => RateVerdict::Pass { notice: notice(RateChangeCode::Cleared) },
        (RateStatus::Clear, true) => RateVerdict::Pass { notice: notice(RateChangeCode::Cleared) },
        (_, false) => RateVerdict::Pass { notice: None },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aol_classes_route_ims_to_class_3_and_scale() {
        let aol = RateClasses::aol();
        let reply = aol.reply(false);
        assert_eq!(reply.classes.len(), 5);
        assert_eq!(reply.class_of(4, 6), 3);
        assert_eq!(reply.class_of(3, 4), 2);
        assert_eq!(reply.class_of(0x13, 8), 1);
        let small = aol.clone().scaled(100);
        let c3 = small.classes[2];
        assert_eq!(
            (c3.window, c3.clear, c3.alert, c3.limit, c3.disconnect, c3.max),
            (20, 51, 50, 40, 30, 60)
        );
        assert_eq!(aol.clone().scaled(0), aol);
    }

    #[test]
    fn flooding_warns_limits_then_disconnects() {
        let classes = RateClasses::aol().scaled(100);
        let mut table = classes.table(0);
        let mut codes = Vec::new();
        let mut now = 0;
        let end = loop {
            now += 1;
            match check(&mut table, 4, 6, now, true) {
                RateVerdict::Pass { notice: Some(n) } | RateVerdict::Drop { notice: Some(n) } => {
                    codes.push(n.code)
                }
                RateVerdict::Disconnect => break now,
                _ => {}
            }
            assert!(now < 1000, "never disconnected");
        };
        assert_eq!(codes, [RateChangeCode::Warning, RateChangeCode::Limited]);
        assert!(end > 5);
        // Other classes are unaffected by the IM flood.
        assert_eq!(check(&mut table, 1, 2, now, true), RateVerdict::Pass { notice: None });
    }

    #[test]
    fn a_rested_class_is_cleared() {
        let classes = RateClasses::aol().scaled(100);
        let mut table = classes.table(0);
        let mut now = 0;
        let mut warned = false;
        while !warned {
            now += 1;
            warned = matches!(
                check(&mut table, 4, 6, now, false),
                RateVerdict::Pass { notice: Some(_) }
            );
        }
        let after_rest = check(&mut table, 4, 6, now + 10_000, false);
        let RateVerdict::Pass { notice: Some(n) } = after_rest else { panic!("{after_rest:?}") };
        assert_eq!(n.code, RateChangeCode::Cleared);
        assert!(!n.extended);
    }
}
