//! Issue #8's fault injection: the embedded BOS server cuts connections at seeded random points
//! (during sign-on, mid-frame, between IMs) while two real sessions exchange IMs over real
//! sockets. Every IM must be received exactly once or reported failed to its sender, and both
//! sessions must end signed on, each seeing the other online.
//!
//! `FLAPJACK_FAULT_SEED=<n>` repeats a run's fault plan (the seed is printed on every run).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

mod support;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use flapjack::server::faults::{CutKind, FaultPlan, Trigger};
use flapjack::server::{Counters, RateClasses, Server, ServerHandle};
use flapjack::session::{
    self, Availability, Command, Delivery, Event, ImFailure, ReconnectPolicy, SessionConfig,
    SessionHandle,
};
use support::session::*;

/// IMs each side sends (2,000 in all).
const IMS_PER_SIDE: u64 = 1000;
/// Cuts the server makes across both clients.
const CUTS: u32 = 200;
/// The whole exchange, sign-on to final presence, must fit in this.
const BOUND: Duration = Duration::from_secs(55);

fn seed() -> u64 {
    std::env::var("FLAPJACK_FAULT_SEED")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(rand::random)
}

/// The test server's classes, with the IM class (3) scaled 500× instead of 100× so one IM may
/// go about every 12 ms: 1,000 IMs per side take seconds, not a minute.
fn rates() -> RateClasses {
    let mut rates = RateClasses::aol().scaled(100);
    let fast = RateClasses::aol().scaled(500);
    for (class, quick) in rates.classes.iter_mut().zip(fast.classes) {
        if class.id == 3 {
            *class = quick;
        }
    }
    rates
}

/// Reconnects within milliseconds, with the real doubling and jitter.
fn fast_policy() -> ReconnectPolicy {
    ReconnectPolicy {
        initial_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(80),
        ..ReconnectPolicy::default()
    }
}

fn config(server: &ServerHandle, name: &str, password: &str) -> SessionConfig {
    session_config(server, name, password).with_reconnect(fast_policy())
}

/// The first sign-on is not retried by the session (a user would be told and try again), and
/// the plan may cut it: try again as a user would.
/// Returns the handle and how many tries were cut.
async fn sign_on_despite_cuts(
    server: &ServerHandle,
    name: &str,
    password: &str,
) -> (SessionHandle, u32) {
    for tries in 0..50 {
        match session::connect(config(server, name, password)).await {
            Ok(h) => return (h, tries),
            Err(e) => eprintln!("{name}: first sign-on cut ({e}), trying again"),
        }
    }
    panic!("{name} could not sign on in 50 tries");
}

/// What one side's events showed.
#[derive(Debug, Default)]
struct Side {
    acked: HashSet<u64>,
    failed: HashMap<u64, ImFailure>,
    /// Times each IM of the other side arrived, by the other side's id.
    received: HashMap<u64, u32>,
    received_offline: usize,
    signed_on: bool,
    peer_online: bool,
    reconnects: u32,
    ended: Option<Event>,
}

impl Side {
    fn note(&mut self, event: Event, peer: &str, prefix: &str) {
        match event {
            Event::ImAcked { id, .. } => {
                assert!(!self.failed.contains_key(&id), "IM {id} acked after it failed");
                assert!(self.acked.insert(id), "IM {id} acked twice");
            }
            Event::ImFailed { id, reason } => {
                assert!(!self.acked.contains(&id), "IM {id} failed after it was acked");
                assert!(self.failed.insert(id, reason).is_none(), "IM {id} failed twice");
            }
            Event::ImReceived(im) => {
                let id = im
                    .text
                    .strip_prefix(prefix)
                    .and_then(|n| n.parse::<u64>().ok())
                    .unwrap_or_else(|| panic!("unexpected IM {:?}", im.text));
                *self.received.entry(id).or_default() += 1;
                if im.offline {
                    self.received_offline += 1;
                }
            }
            Event::SignedOn { .. } => self.signed_on = true,
            Event::Reconnecting { .. } => {
                self.signed_on = false;
                self.peer_online = false;
                self.reconnects += 1;
            }
            Event::Presence(p) if p.name.as_str() == peer => {
                self.peer_online = p.availability == Availability::Online;
            }
            e @ Event::Disconnected(_) => self.ended = Some(e),
            _ => {}
        }
    }

    fn finished_sending(&self) -> bool {
        (self.acked.len() + self.failed.len()) as u64 == IMS_PER_SIDE
    }
}

/// Whether the run is over: every IM settled at its sender, every acknowledged IM arrived,
/// both sides signed on and seeing each other.
fn settled(a: &Side, b: &Side) -> bool {
    let arrived = |sender: &Side, receiver: &Side| {
        sender.acked.iter().all(|id| receiver.received.contains_key(id))
    };
    a.finished_sending()
        && b.finished_sending()
        && arrived(a, b)
        && arrived(b, a)
        && a.signed_on
        && b.signed_on
        && a.peer_online
        && b.peer_online
}

/// Counts of one direction, checked: exactly once or reported failed, never twice, never
/// acknowledged and lost.
#[derive(Debug)]
struct Tally {
    delivered: usize,
    failed: usize,
    failed_but_delivered: usize,
    offline: usize,
}

fn check(direction: &str, sender: &Side, receiver: &Side) -> Tally {
    let mut tally = Tally { delivered: 0, failed: 0, failed_but_delivered: 0, offline: 0 };
    for id in 0..IMS_PER_SIDE {
        let times = receiver.received.get(&id).copied().unwrap_or(0);
        let failed = sender.failed.get(&id);
        assert!(times <= 1, "{direction} IM {id} was delivered {times} times");
        assert!(
            times == 1 || failed.is_some(),
            "{direction} IM {id} was neither delivered nor reported failed (acked: {})",
            sender.acked.contains(&id)
        );
        if let Some(reason) = failed {
            // Only a dropped connection may leave an IM unsettled; nothing else fails here.
            assert_eq!(*reason, ImFailure::ConnectionLost, "{direction} IM {id}");
            tally.failed += 1;
            if times == 1 {
                tally.failed_but_delivered += 1;
            }
        }
        tally.delivered += times as usize;
    }
    assert!(
        receiver.received.keys().all(|id| *id < IMS_PER_SIDE),
        "{direction}: an IM id that was never sent arrived"
    );
    tally.offline = receiver.received_offline;
    tally
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_ims_survive_two_hundred_cuts() {
    // Counts panics anywhere in this test binary, server and session tasks included (their
    // panics would otherwise only end a task).
    let panics = Arc::new(AtomicUsize::new(0));
    let default_hook = std::panic::take_hook();
    let counted = Arc::clone(&panics);
    std::panic::set_hook(Box::new(move |info| {
        counted.fetch_add(1, Ordering::SeqCst);
        default_hook(info);
    }));
    let seed = seed();
    eprintln!("fault injection seed {seed} (FLAPJACK_FAULT_SEED={seed} repeats the plan)");
    let plan = FaultPlan::new(seed, CUTS).with_ims_between_cuts(20);
    let mut server_config = server_config();
    server_config.rate_classes = rates();
    server_config.fault_injection = Some(plan.clone());
    let server = Server::start(server_config).await.expect("server starts");
    let started = Instant::now();

    let (mut a, mut b) = (Side::default(), Side::default());
    let run = async {
        let (a, b) = (&mut a, &mut b);
        let (mut alice, cut_a) = sign_on_despite_cuts(&server, "Alice Ant", "alice-pw").await;
        let (mut bob, cut_b) = sign_on_despite_cuts(&server, "Bob Bee", "bob-pw").await;
        // Both directions at once; each session paces its own IMs by the rate limiter.
        for id in 0..IMS_PER_SIDE {
            let to_bob = Command::SendIm { id, to: sn("Bob Bee"), text: format!("from A {id}") };
            let to_alice =
                Command::SendIm { id, to: sn("Alice Ant"), text: format!("from B {id}") };
            alice.commands.send(to_bob).expect("Alice's session runs");
            bob.commands.send(to_alice).expect("Bob's session runs");
        }
        // How far the exchange had got when the last cut was made.
        let mut budget_spent_at = None;
        while !settled(a, b) {
            tokio::select! {
                e = alice.events.recv() => a.note(e.expect("Alice's events"), "Bob Bee", "from B "),
                e = bob.events.recv() => b.note(e.expect("Bob's events"), "Alice Ant", "from A "),
            }
            assert!(a.ended.is_none() && b.ended.is_none(), "a session ended: {a:?} {b:?}");
            if budget_spent_at.is_none() && plan.cuts_made() >= CUTS {
                budget_spent_at = Some(a.received.len() + b.received.len());
            }
        }
        (cut_a + cut_b, budget_spent_at, alice, bob)
    };
    let outcome = tokio::time::timeout(BOUND, run).await;
    let Ok((first_tries_cut, budget_spent_at, _alice, _bob)) = outcome else {
        let missing = |sender: &Side, receiver: &Side| {
            let mut ids: Vec<u64> = sender
                .acked
                .iter()
                .filter(|id| !receiver.received.contains_key(*id))
                .copied()
                .collect();
            ids.sort_unstable();
            ids
        };
        panic!(
            "not settled within {BOUND:?} (seed {seed}, {} cuts made): acked but not received \
             A→B {:?}, B→A {:?}; settled at sender A {} B {}; signed on A {} B {}; peer online \
             A {} B {}",
            plan.cuts_made(),
            missing(&a, &b),
            missing(&b, &a),
            a.acked.len() + a.failed.len(),
            b.acked.len() + b.failed.len(),
            a.signed_on,
            b.signed_on,
            a.peer_online,
            b.peer_online,
        )
    };
    let elapsed = started.elapsed();

    let a_to_b = check("A→B", &a, &b);
    let b_to_a = check("B→A", &b, &a);
    let counters = &server.state().counters;
    eprintln!(
        "seed {seed}: {} cuts ({} sign-on, {} mid-frame, {} between IMs) over {} armed \
         connections in {elapsed:?}, the last after {budget_spent_at:?} IMs had arrived; \
         A→B {a_to_b:?}; B→A {b_to_a:?}; reconnects A {} B {}; \
         server relayed {} stored {} rescued {} rate warnings {}",
        plan.cuts_made(),
        plan.cuts_of(CutKind::SignOn),
        plan.cuts_of(CutKind::MidFrame),
        plan.cuts_of(CutKind::BetweenIms),
        plan.connections_armed(),
        a.reconnects,
        b.reconnects,
        Counters::get(&counters.ims_relayed),
        Counters::get(&counters.offline_ims_stored),
        Counters::get(&counters.ims_rescued),
        Counters::get(&counters.rate_warnings),
    );
    assert!(plan.cuts_made() >= CUTS, "only {} cuts were made (seed {seed})", plan.cuts_made());
    for kind in [CutKind::SignOn, CutKind::MidFrame, CutKind::BetweenIms] {
        assert!(plan.cuts_of(kind) > 0, "no {kind:?} cut (seed {seed})");
    }
    assert!(
        a.reconnects + b.reconnects + first_tries_cut >= plan.cuts_made(),
        "every cut ends a connection the sessions noticed"
    );
    assert_eq!(server.session_count("Alice Ant"), 1);
    assert_eq!(server.session_count("Bob Bee"), 1);
    assert_eq!(panics.load(Ordering::SeqCst), 0, "something panicked (seed {seed})");
}

/// The hub bug the big test found: IMs queued for a connection that is cut before writing them
/// were acknowledged to the sender and then dropped with the connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_im_not_yet_written_when_the_connection_is_cut_arrives_after_the_reconnect() {
    // Connection 1 (Alice) is left alone; connection 2 (Bob's first) is cut right after it
    // writes one IM, while a second one sits in the same batch.
    let plan = FaultPlan::scripted(vec![None, Some(Trigger::AfterIms(1))], 1);
    let mut server_config = server_config();
    server_config.fault_injection = Some(plan.clone());
    let server = Server::start(server_config).await.expect("server starts");
    let mut alice = sign_on(&server, "Alice Ant", "alice-pw").await;
    for id in 1..=2 {
        let text = format!("stored {id}");
        alice.commands.send(Command::SendIm { id, to: sn("Bob Bee"), text }).unwrap();
        expect(&mut alice, "ack", |e| {
            *e == Event::ImAcked { id, delivery: Delivery::StoredOffline }
        })
        .await;
    }
    // Bob signs on: both stored IMs go out in the batch that answers his 01/02.
    let mut bob = session::connect(config(&server, "Bob Bee", "bob-pw")).await.unwrap();
    let mut got = Vec::new();
    let mut reconnected = false;
    while got.len() < 2 {
        match expect(&mut bob, "IMs", |e| {
            matches!(e, Event::ImReceived(_) | Event::Reconnecting { .. })
        })
        .await
        {
            Event::ImReceived(im) => got.push(im.text),
            _ => reconnected = true,
        }
    }
    assert!(reconnected, "the connection was cut");
    assert_eq!(got, ["stored 1", "stored 2"]);
    assert_eq!(plan.cuts_made(), 1);
    assert_eq!(Counters::get(&server.state().counters.ims_rescued), 1);
    // Nothing more arrives: the rescued copy is the only one.
    let extra = tokio::time::timeout(Duration::from_millis(300), async {
        loop {
            match bob.events.recv().await {
                Some(Event::ImReceived(im)) => return im.text,
                Some(_) => {}
                None => std::future::pending::<()>().await,
            }
        }
    })
    .await;
    assert!(extra.is_err(), "an IM arrived twice: {extra:?}");
}

/// "Signing on too often" is respected on reconnect: the session waits at least
/// `rate_limited_delay` instead of its usual short backoff, and does not ask again meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconnect_told_it_signs_on_too_often_waits_the_rate_limited_delay() {
    let mut server_config = server_config();
    server_config.max_logins_per_minute = Some(1);
    let server = Server::start(server_config).await.expect("server starts");
    let policy = ReconnectPolicy {
        initial_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(100),
        rate_limited_delay: Duration::from_millis(1500),
        ..ReconnectPolicy::default()
    };
    let config = session_config(&server, "Carol", "carol-pw").with_reconnect(policy);
    let mut carol = session::connect(config).await.expect("signs on");
    assert_eq!(server.state().client_login_count(), 1);
    // The token dies and the connection drops: the reconnect must log in with the password
    // again, and the server answers that this is one login too many this minute.
    server.state().revoke_tokens("Carol");
    server.disconnect_user("Carol", flapjack::server::Disconnect::Abrupt);
    let limited = expect(&mut carol, "the rate-limited retry", |e| {
        matches!(e, Event::Reconnecting { reason: session::DisconnectReason::AuthFailed(_), .. })
    })
    .await;
    let noticed = Instant::now();
    match &limited {
        Event::Reconnecting { delay, reason, .. } => {
            assert!(*delay >= Duration::from_millis(1500), "{delay:?}");
            assert!(flapjack::words::disconnect(reason).contains("too often"), "{reason:?}");
        }
        other => unreachable!("{other:?}"),
    }
    assert_eq!(server.state().client_login_count(), 2);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(server.state().client_login_count(), 2, "no attempt during the long delay");
    // A minute later (on the server's clock) the limit has lifted and the session is back.
    server.state().config.clock.advance(61);
    expect(&mut carol, "signed on again", |e| matches!(e, Event::SignedOn { .. })).await;
    assert!(noticed.elapsed() >= Duration::from_millis(1400), "{:?}", noticed.elapsed());
    assert_eq!(server.state().client_login_count(), 3);
}
