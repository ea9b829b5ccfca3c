//! Seeded fault injection for the embedded BOS server: a [`FaultPlan`] in
//! [`super::ServerConfig::fault_injection`] makes BOS cut connections at random points, so
//! tests can check that sessions reconnect and lose no IM.
//!
//! Every accepted BOS connection is armed with one [`Trigger`] drawn from the plan's seeded
//! RNG: during sign-on (before or after one of the SNACs a client sends while signing on),
//! mid-frame (half of an outbound FLAP is written, then the connection drops), or between IMs
//! (after a number of IMs passed through the connection, either way). A trigger that fires
//! cuts the connection only while the plan's budget lasts; [`FaultPlan::cuts_made`] counts
//! the cuts really made. The same seed draws the same triggers in the same order, so a failure
//! can be replayed (connections still race, so it is a strong hint rather than a recording).
//!
//! A cut is a silent drop as the client sees it (no channel-4 frame, possibly half a frame),
//! but the server's side is orderly: whatever it wrote before the cut is flushed and reaches
//! the client, and IMs queued for the connection but not written are kept for the account
//! (see `Hub::rescue_undelivered`). Without a plan (the default) none of this code runs, and
//! without the `test-support` feature (the product) it is not even compiled in.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};

use crate::bos::OutSnac;
use crate::oscar::{Channel, Flap};

/// The SNACs a client sends while signing on, in the order flapjack (and libpurple) sends
/// them; sign-on cuts happen just before or just after one of them.
pub const SIGNON_SNACS: [(u16, u16); 15] = [
    (0x01, 0x17),
    (0x01, 0x06),
    (0x01, 0x0E),
    (0x13, 0x02),
    (0x13, 0x04),
    (0x02, 0x02),
    (0x03, 0x02),
    (0x04, 0x04),
    (0x09, 0x02),
    (0x04, 0x02),
    (0x02, 0x04),
    (0x13, 0x07),
    (0x01, 0x02),
    (0x01, 0x08),
    (0x04, 0x10),
];

/// ICBM 04/06: an IM from the client.
const SEND_IM: (u16, u16) = (0x04, 0x06);
/// ICBM 04/07: an IM to the client.
const INCOMING_IM: (u16, u16) = (0x04, 0x07);

/// Where one connection will be cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// When this SNAC arrives, before the server handles it (it and everything after it in
    /// the same read are lost); replies to earlier SNACs are still written.
    BeforeSnac(u16, u16),
    /// Right after this SNAC is handled and its replies are written.
    AfterSnac(u16, u16),
    /// Write only the first half of outbound frame number `n` (from 1, counting the 01/03 that
    /// opens the session), then drop.
    MidFrame(u32),
    /// After `n` IMs passed through this connection (04/06 handled and answered, or 04/07
    /// written), counting both directions.
    AfterIms(u32),
}

/// Which kind of point a cut was made at, for the per-kind counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CutKind {
    /// Before or after a sign-on SNAC.
    SignOn,
    /// Half a frame written.
    MidFrame,
    /// After some IMs.
    BetweenIms,
}

impl Trigger {
    fn kind(self) -> CutKind {
        match self {
            Trigger::BeforeSnac(..) | Trigger::AfterSnac(..) => CutKind::SignOn,
            Trigger::MidFrame(_) => CutKind::MidFrame,
            Trigger::AfterIms(_) => CutKind::BetweenIms,
        }
    }
}

#[derive(Debug)]
struct Shared {
    rng: Mutex<StdRng>,
    /// For a scripted plan: the triggers of the next connections, in order.
    script: Option<Mutex<VecDeque<Option<Trigger>>>>,
    made: AtomicU32,
    by_kind: [AtomicU32; 3],
    armed: AtomicU32,
}

/// A seeded plan of connection cuts, shared by every connection of one server (clones share
/// the RNG and the counters).
#[derive(Debug, Clone)]
pub struct FaultPlan {
    seed: u64,
    budget: u32,
    ims_between_cuts: u32,
    frames_before_cut: u32,
    shared: Arc<Shared>,
}

impl FaultPlan {
    /// A plan drawing from `seed` that makes at most `budget` cuts; logs the seed so a failing
    /// run can be repeated. Defaults: a between-IMs cut after 1–31 IMs (mean 16), a mid-frame
    /// cut within the first 40 outbound frames.
    pub fn new(seed: u64, budget: u32) -> Self {
        tracing::info!("BOS fault injection: seed {seed}, budget {budget} cuts");
        FaultPlan {
            seed,
            budget,
            ims_between_cuts: 16,
            frames_before_cut: 40,
            shared: Arc::new(Shared {
                rng: Mutex::new(StdRng::seed_from_u64(seed)),
                script: None,
                made: AtomicU32::new(0),
                by_kind: Default::default(),
                armed: AtomicU32::new(0),
            }),
        }
    }

    /// A plan for focused tests: connection `k` (in the order connections are accepted) gets
    /// `script[k]`; later connections are never cut.
    pub fn scripted(script: Vec<Option<Trigger>>, budget: u32) -> Self {
        let mut plan = FaultPlan::new(0, budget);
        plan.shared = Arc::new(Shared {
            rng: Mutex::new(StdRng::seed_from_u64(0)),
            script: Some(Mutex::new(script.into())),
            made: AtomicU32::new(0),
            by_kind: Default::default(),
            armed: AtomicU32::new(0),
        });
        plan
    }

    /// Sets the mean number of IMs a between-IMs trigger lets through (at least 1); the draw
    /// is uniform in `1..2·mean`.
    pub fn with_ims_between_cuts(mut self, mean: u32) -> Self {
        self.ims_between_cuts = mean.max(1);
        self
    }

    /// Sets how many outbound frames a mid-frame trigger may wait for (at least 1).
    pub fn with_frames_before_cut(mut self, frames: u32) -> Self {
        self.frames_before_cut = frames.max(1);
        self
    }

    /// The seed the plan draws from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The most cuts the plan will make.
    pub fn budget(&self) -> u32 {
        self.budget
    }

    /// Cuts made so far.
    pub fn cuts_made(&self) -> u32 {
        self.shared.made.load(Ordering::Relaxed)
    }

    /// Cuts made so far of one kind.
    pub fn cuts_of(&self, kind: CutKind) -> u32 {
        self.shared.by_kind[kind as usize].load(Ordering::Relaxed)
    }

    /// Connections armed with a trigger so far.
    pub fn connections_armed(&self) -> u32 {
        self.shared.armed.load(Ordering::Relaxed)
    }

    /// Draws the next connection's trigger: sign-on 30 %, mid-frame 20 %, between IMs 50 %.
    pub fn next_trigger(&self) -> Trigger {
        // A poisoned lock only means a panic elsewhere; the RNG is still usable.
        let mut rng = self.shared.rng.lock().unwrap_or_else(|p| p.into_inner());
        let roll = rng.random_range(0..10u32);
        match roll {
            0..=2 => {
                let (family, subtype) = SIGNON_SNACS[rng.random_range(0..SIGNON_SNACS.len())];
                if rng.random_bool(0.5) {
                    Trigger::BeforeSnac(family, subtype)
                } else {
                    Trigger::AfterSnac(family, subtype)
                }
            }
            3..=4 => Trigger::MidFrame(rng.random_range(1..=self.frames_before_cut)),
            _ => Trigger::AfterIms(rng.random_range(1..2 * self.ims_between_cuts)),
        }
    }

    /// Arms one new connection; once the budget is spent connections are left alone.
    pub fn arm(&self) -> ConnFaults {
        let trigger = match &self.shared.script {
            Some(script) => script.lock().unwrap_or_else(|p| p.into_inner()).pop_front().flatten(),
            None => (self.cuts_made() < self.budget).then(|| self.next_trigger()),
        };
        if trigger.is_some() {
            self.shared.armed.fetch_add(1, Ordering::Relaxed);
        }
        ConnFaults { plan: self.clone(), trigger, frames_out: 0, ims: 0 }
    }

    /// Takes one cut from the budget; false when it is spent.
    fn take_cut(&self, kind: CutKind) -> bool {
        let budget = self.budget;
        let took = self
            .shared
            .made
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |m| (m < budget).then_some(m + 1))
            .is_ok();
        if took {
            self.shared.by_kind[kind as usize].fetch_add(1, Ordering::Relaxed);
        }
        took
    }
}

/// How to write a batch of outbound frames when a cut falls inside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteCut {
    /// Frames written whole before the cut.
    pub whole: usize,
    /// Whether the next frame's first half is written too.
    pub half: bool,
}

/// One connection's trigger and progress towards it.
#[derive(Debug)]
pub struct ConnFaults {
    plan: FaultPlan,
    trigger: Option<Trigger>,
    frames_out: u32,
    ims: u32,
}

/// The (family, subtype) of an inbound data frame's SNAC, if it has a SNAC header.
pub fn snac_id(frame: &Flap) -> Option<(u16, u16)> {
    if frame.channel != Channel::Data {
        return None;
    }
    match &frame.payload[..] {
        [f0, f1, s0, s1, ..] => {
            Some((u16::from_be_bytes([*f0, *f1]), u16::from_be_bytes([*s0, *s1])))
        }
        _ => None,
    }
}

impl ConnFaults {
    /// A connection that is never cut.
    pub fn none(plan: FaultPlan) -> Self {
        ConnFaults { plan, trigger: None, frames_out: 0, ims: 0 }
    }

    /// This connection's trigger (`None` once fired, or when the budget was spent).
    pub fn trigger(&self) -> Option<Trigger> {
        self.trigger
    }

    /// Fires the trigger if the budget allows; it fires at most once either way.
    fn fire(&mut self) -> bool {
        match self.trigger.take() {
            Some(t) => {
                let took = self.plan.take_cut(t.kind());
                if took {
                    tracing::info!("fault injection: cutting a BOS connection ({t:?})");
                }
                took
            }
            None => false,
        }
    }

    /// Called before an inbound frame with SNAC `id` ([`snac_id`]) is handled: true means cut
    /// now, leaving it unhandled.
    pub fn cut_before(&mut self, id: Option<(u16, u16)>) -> bool {
        match (self.trigger, id) {
            (Some(Trigger::BeforeSnac(f, s)), Some(id)) if id == (f, s) => self.fire(),
            _ => false,
        }
    }

    /// Called after an inbound frame with SNAC `id` was handled: true means handle nothing
    /// more, write the replies so far, then cut.
    pub fn cut_after(&mut self, id: Option<(u16, u16)>) -> bool {
        match (self.trigger, id) {
            (Some(Trigger::AfterSnac(f, s)), Some(id)) if id == (f, s) => self.fire(),
            (Some(Trigger::AfterIms(n)), Some(SEND_IM)) => {
                self.ims += 1;
                self.ims >= n && self.fire()
            }
            _ => false,
        }
    }

    /// Called before `out` is written: where to cut inside it, if anywhere. Counts the frames
    /// (and the IMs among them) it lets through.
    pub fn write_cut(&mut self, out: &[OutSnac]) -> Option<WriteCut> {
        for (i, frame) in out.iter().enumerate() {
            self.frames_out += 1;
            match self.trigger {
                Some(Trigger::MidFrame(n)) if self.frames_out >= n => {
                    return self.fire().then_some(WriteCut { whole: i, half: true });
                }
                Some(Trigger::AfterIms(n)) if frame.id() == INCOMING_IM => {
                    self.ims += 1;
                    if self.ims >= n {
                        return self.fire().then_some(WriteCut { whole: i + 1, half: false });
                    }
                }
                _ => {}
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn snac(family: u16, subtype: u16) -> Vec<u8> {
        let mut p = Vec::new();
        p.extend_from_slice(&family.to_be_bytes());
        p.extend_from_slice(&subtype.to_be_bytes());
        p.extend_from_slice(&[0, 0, 0, 0, 0, 1]);
        p
    }

    fn inbound(family: u16, subtype: u16) -> Option<(u16, u16)> {
        let frame = Flap {
            channel: Channel::Data,
            sequence: 0,
            payload: Bytes::from(snac(family, subtype)),
        };
        snac_id(&frame)
    }

    fn outbound(family: u16, subtype: u16) -> OutSnac {
        OutSnac::new(crate::oscar::SnacBody::Unknown { family, subtype }, 1)
    }

    fn armed(plan: &FaultPlan, trigger: Trigger) -> ConnFaults {
        ConnFaults { plan: plan.clone(), trigger: Some(trigger), frames_out: 0, ims: 0 }
    }

    #[test]
    fn the_same_seed_draws_the_same_triggers() {
        let draw = |seed| {
            let plan = FaultPlan::new(seed, 1000);
            (0..200).map(|_| plan.next_trigger()).collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
        let triggers = draw(7);
        let kinds = |k| triggers.iter().filter(|t| t.kind() == k).count();
        // Every kind shows up in 200 draws, roughly in the planned shares.
        assert!((30..=90).contains(&kinds(CutKind::SignOn)), "{triggers:?}");
        assert!((15..=70).contains(&kinds(CutKind::MidFrame)), "{triggers:?}");
        assert!((60..=140).contains(&kinds(CutKind::BetweenIms)), "{triggers:?}");
        for t in triggers {
            match t {
                Trigger::BeforeSnac(f, s) | Trigger::AfterSnac(f, s) => {
                    assert!(SIGNON_SNACS.contains(&(f, s)))
                }
                Trigger::MidFrame(n) => assert!((1..=40).contains(&n)),
                Trigger::AfterIms(n) => assert!((1..32).contains(&n)),
            }
        }
    }

    #[test]
    fn settings_change_the_draw_ranges() {
        let plan = FaultPlan::new(3, 10).with_ims_between_cuts(2).with_frames_before_cut(1);
        for _ in 0..100 {
            match plan.next_trigger() {
                Trigger::MidFrame(n) => assert_eq!(n, 1),
                Trigger::AfterIms(n) => assert!((1..4).contains(&n)),
                _ => {}
            }
        }
    }

    #[test]
    fn sign_on_triggers_match_only_their_snac_and_fire_once() {
        let plan = FaultPlan::new(1, 10);
        let mut c = armed(&plan, Trigger::BeforeSnac(0x13, 0x04));
        assert!(!c.cut_before(inbound(0x01, 0x17)));
        assert!(!c.cut_after(inbound(0x13, 0x04)), "a before-trigger ignores after");
        assert!(c.cut_before(inbound(0x13, 0x04)));
        assert!(!c.cut_before(inbound(0x13, 0x04)), "fires once");
        let mut c = armed(&plan, Trigger::AfterSnac(0x01, 0x02));
        assert!(!c.cut_before(inbound(0x01, 0x02)));
        let keepalive = Flap { channel: Channel::KeepAlive, sequence: 0, payload: Bytes::new() };
        assert_eq!(snac_id(&keepalive), None);
        assert!(!c.cut_after(snac_id(&keepalive)));
        assert!(c.cut_after(inbound(0x01, 0x02)));
        assert_eq!(plan.cuts_made(), 2);
        assert_eq!(plan.cuts_of(CutKind::SignOn), 2);
    }

    #[test]
    fn mid_frame_cuts_inside_the_nth_outbound_frame() {
        let plan = FaultPlan::new(1, 10);
        let mut c = armed(&plan, Trigger::MidFrame(5));
        let batch: Vec<OutSnac> = (0..3).map(|i| outbound(0x01, i)).collect();
        assert_eq!(c.write_cut(&batch), None);
        assert_eq!(c.write_cut(&batch), Some(WriteCut { whole: 1, half: true }));
        assert_eq!(c.write_cut(&batch), None, "fires once");
        assert_eq!(plan.cuts_of(CutKind::MidFrame), 1);
    }

    #[test]
    fn between_ims_counts_both_directions() {
        let plan = FaultPlan::new(1, 10);
        let mut c = armed(&plan, Trigger::AfterIms(3));
        assert!(!c.cut_after(inbound(0x04, 0x06)));
        assert!(!c.cut_after(inbound(0x04, 0x14)), "typing is not an IM");
        let out = [outbound(0x04, 0x0C), outbound(0x04, 0x07), outbound(0x03, 0x0B)];
        assert_eq!(c.write_cut(&out), None);
        assert!(c.cut_after(inbound(0x04, 0x06)));
        let mut c = armed(&plan, Trigger::AfterIms(2));
        let out = [outbound(0x04, 0x07), outbound(0x04, 0x0C), outbound(0x04, 0x07)];
        assert_eq!(c.write_cut(&out), Some(WriteCut { whole: 3, half: false }));
        assert_eq!(plan.cuts_of(CutKind::BetweenIms), 2);
    }

    #[test]
    fn the_budget_caps_cuts_and_disarms_new_connections() {
        let plan = FaultPlan::new(9, 2);
        let mut fired = 0;
        for _ in 0..5 {
            let mut c = armed(&plan, Trigger::AfterIms(1));
            if c.cut_after(inbound(0x04, 0x06)) {
                fired += 1;
            }
        }
        assert_eq!(fired, 2);
        assert_eq!(plan.cuts_made(), 2);
        assert_eq!(plan.arm().trigger(), None, "budget spent: not armed");
        let fresh = FaultPlan::new(9, 2);
        assert!(fresh.arm().trigger().is_some());
        assert_eq!(fresh.connections_armed(), 1);
        let mut never = ConnFaults::none(fresh.clone());
        assert!(!never.cut_after(inbound(0x04, 0x06)));
        assert_eq!(never.write_cut(&[outbound(0x04, 0x07)]), None);
    }

    #[test]
    fn a_scripted_plan_arms_connections_in_order() {
        let plan = FaultPlan::scripted(vec![None, Some(Trigger::AfterIms(2))], 5);
        assert_eq!(plan.arm().trigger(), None);
        assert_eq!(plan.arm().trigger(), Some(Trigger::AfterIms(2)));
        assert_eq!(plan.arm().trigger(), None, "past the script");
        assert_eq!(plan.connections_armed(), 1);
    }

    #[test]
    fn clones_share_the_counters() {
        let plan = FaultPlan::new(5, 3);
        let clone = plan.clone().with_ims_between_cuts(1);
        let mut c = armed(&clone, Trigger::AfterIms(1));
        assert!(c.cut_after(inbound(0x04, 0x06)));
        assert_eq!(plan.cuts_made(), 1);
        assert_eq!((plan.seed(), plan.budget()), (5, 3));
    }
}
