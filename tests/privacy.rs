//! Privacy (block and allow lists, modes) and warnings between two clients on the embedded
//! server, in memory on virtual time (`flapjack_testkit::Pair` sharing one hub): what a blocked
//! person can no longer do, what each mode lets through, and warnings from the first 04/08 to
//! their decay and the tighter IM class. The real-socket proof is in `privacy_e2e.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

mod support;

use flapjack::oscar::codes::RateChangeCode;
use flapjack::oscar::{decode_snac_payload, Channel, SnacBody};
use flapjack::screenname::ScreenName;
use flapjack::server::bos::WARNING_DECAY_SECS;
use flapjack::session::{
    Availability, Command, Event, ImFailure, Privacy, PrivacyMode, TypingState, WarnFailure,
};
use flapjack_testkit::{Dir, Pair};

use support::session::server_config;

/// One-way latency, ms.
const HOP: u64 = 20;

fn sn(s: &str) -> ScreenName {
    ScreenName::parse(s).unwrap()
}

/// Alice and Bob (each on the other's buddy list), both signed on to one server.
fn alice_and_bob() -> (Pair, Pair) {
    let mut alice = Pair::new(server_config(), "Alice Ant", HOP);
    let mut bob = Pair::on_hub(std::sync::Arc::clone(alice.hub()), "Bob Bee", HOP);
    alice.connect();
    bob.connect();
    settle(&mut alice, &mut bob);
    for p in [&alice, &bob] {
        assert!(p.events.iter().any(|e| matches!(e, Event::SignedOn { .. })));
    }
    (alice, bob)
}

/// Lets everything in flight between the two clients and the hub arrive (a few round trips).
fn settle(a: &mut Pair, b: &mut Pair) {
    for _ in 0..4 {
        for p in [&mut *a, &mut *b] {
            p.pump();
            p.run_until(200, |_| false);
        }
    }
}

/// What `p` last heard of `who`'s presence.
fn last_seen(p: &Pair, who: &str) -> Option<Availability> {
    let who = sn(who);
    p.events.iter().rev().find_map(|e| match e {
        Event::Presence(pr) if pr.name == who => Some(pr.availability),
        _ => None,
    })
}

fn ims_from(p: &Pair, who: &str) -> Vec<String> {
    let who = sn(who);
    p.events
        .iter()
        .filter_map(|e| match e {
            Event::ImReceived(im) if im.from == who => Some(im.text.clone()),
            _ => None,
        })
        .collect()
}

fn typing_from(p: &Pair, who: &str) -> usize {
    let who = sn(who);
    p.events.iter().filter(|e| matches!(e, Event::Typing { from, .. } if *from == who)).count()
}

fn im_outcome(p: &Pair, id: u64) -> Option<Result<(), ImFailure>> {
    p.events.iter().find_map(|e| match e {
        Event::ImAcked { id: i, .. } if *i == id => Some(Ok(())),
        Event::ImFailed { id: i, reason } if *i == id => Some(Err(reason.clone())),
        _ => None,
    })
}

fn send(p: &mut Pair, id: u64, to: &str, text: &str) {
    p.command(Command::SendIm { id, to: sn(to), text: text.into() });
}

fn last_privacy(p: &Pair) -> Option<Privacy> {
    p.events.iter().rev().find_map(|e| match e {
        Event::Privacy(pr) => Some(pr.clone()),
        _ => None,
    })
}

/// SNACs of family/subtype the server sent this pair's client, decoded.
fn from_server(p: &Pair, id: (u16, u16)) -> Vec<SnacBody> {
    p.log
        .iter()
        .filter(|w| w.dir == Dir::ToClient && w.flap.channel == Channel::Data)
        .filter_map(|w| decode_snac_payload(&w.flap.payload).ok())
        .filter(|(_, b)| b.id() == id)
        .map(|(_, b)| b)
        .collect()
}

#[test]
fn a_blocked_person_cannot_reach_us_and_sees_us_offline_until_unblocked() {
    let (mut alice, mut bob) = alice_and_bob();
    assert_eq!(last_seen(&alice, "Bob Bee"), Some(Availability::Online));
    assert_eq!(last_seen(&bob, "Alice Ant"), Some(Availability::Online));

    alice.command(Command::Block { name: sn("Bob Bee") });
    settle(&mut alice, &mut bob);
    // The list now holds a deny item and, since Alice allowed everyone, block-list mode.
    let privacy = last_privacy(&alice).expect("privacy reported");
    assert_eq!(privacy.mode, PrivacyMode::BlockDenyList);
    assert_eq!(privacy.blocked, [sn("Bob Bee")]);
    assert!(!alice.events.iter().any(|e| matches!(e, Event::BuddyListError(_))));
    // Each sees the other go offline.
    assert_eq!(last_seen(&bob, "Alice Ant"), Some(Availability::Offline));
    assert_eq!(last_seen(&alice, "Bob Bee"), Some(Availability::Offline));

    // Bob's IM is refused as if Alice were offline, and not stored for later either.
    send(&mut bob, 1, "Alice Ant", "are you there?");
    bob.command(Command::Typing { to: sn("Alice Ant"), state: TypingState::Typing });
    settle(&mut alice, &mut bob);
    assert_eq!(im_outcome(&bob, 1), Some(Err(ImFailure::RecipientOffline)));
    assert!(ims_from(&alice, "Bob Bee").is_empty());
    assert_eq!(typing_from(&alice, "Bob Bee"), 0);
    // Nor can Alice IM the person she blocks.
    send(&mut alice, 2, "Bob Bee", "blocked you");
    settle(&mut alice, &mut bob);
    assert_eq!(im_outcome(&alice, 2), Some(Err(ImFailure::RecipientOffline)));
    assert!(ims_from(&bob, "Alice Ant").is_empty());

    // Bob signing off and on does not reveal her either.
    bob.cut(true);
    bob.connect();
    settle(&mut alice, &mut bob);
    assert_eq!(last_seen(&bob, "Alice Ant"), Some(Availability::Offline));

    alice.command(Command::Unblock { name: sn("Bob Bee") });
    settle(&mut alice, &mut bob);
    assert_eq!(last_privacy(&alice).unwrap().blocked, Vec::<ScreenName>::new());
    assert_eq!(last_seen(&bob, "Alice Ant"), Some(Availability::Online));
    assert_eq!(last_seen(&alice, "Bob Bee"), Some(Availability::Online));
    send(&mut bob, 3, "Alice Ant", "hello again");
    settle(&mut alice, &mut bob);
    assert_eq!(im_outcome(&bob, 3), Some(Ok(())));
    assert_eq!(ims_from(&alice, "Bob Bee"), ["hello again"]);
    // Nothing Bob sent while blocked turns up now.
    assert_eq!(ims_from(&alice, "Bob Bee").len(), 1);
}

#[test]
fn each_privacy_mode_lets_through_whom_it_should() {
    let (mut alice, mut bob) = alice_and_bob();
    let reaches = |alice: &mut Pair, bob: &mut Pair, id: u64| {
        send(bob, id, "Alice Ant", &format!("try {id}"));
        settle(alice, bob);
        im_outcome(bob, id) == Some(Ok(()))
    };
    // Invisible: nobody sees or reaches her, buddies included.
    alice.command(Command::SetPrivacy(PrivacyMode::BlockAll));
    settle(&mut alice, &mut bob);
    assert_eq!(last_seen(&bob, "Alice Ant"), Some(Availability::Offline));
    assert!(!reaches(&mut alice, &mut bob, 1));
    // Buddies only: Bob is on her list.
    alice.command(Command::SetPrivacy(PrivacyMode::AllowBuddies));
    settle(&mut alice, &mut bob);
    assert_eq!(last_seen(&bob, "Alice Ant"), Some(Availability::Online));
    assert!(reaches(&mut alice, &mut bob, 2));
    // Allow list only: Bob is not on it until unblocked (which, in this mode, allows him).
    alice.command(Command::SetPrivacy(PrivacyMode::AllowPermitList));
    settle(&mut alice, &mut bob);
    assert_eq!(last_seen(&bob, "Alice Ant"), Some(Availability::Offline));
    assert!(!reaches(&mut alice, &mut bob, 3));
    alice.command(Command::Unblock { name: sn("Bob Bee") });
    settle(&mut alice, &mut bob);
    assert_eq!(last_privacy(&alice).unwrap().allowed, [sn("Bob Bee")]);
    assert_eq!(last_seen(&bob, "Alice Ant"), Some(Availability::Online));
    assert!(reaches(&mut alice, &mut bob, 4));
    // Blocking him there takes him off the allow list again.
    alice.command(Command::Block { name: sn("Bob Bee") });
    settle(&mut alice, &mut bob);
    let p = last_privacy(&alice).unwrap();
    assert_eq!((p.mode, p.allowed.len(), p.blocked.len()), (PrivacyMode::AllowPermitList, 0, 1));
    assert!(!reaches(&mut alice, &mut bob, 5));
    // Allow all, with the deny item still there: the block still holds (flapjack's server
    // reads deny items in every mode).
    alice.command(Command::SetPrivacy(PrivacyMode::AllowAll));
    settle(&mut alice, &mut bob);
    assert!(!reaches(&mut alice, &mut bob, 6));
    assert_eq!(ims_from(&alice, "Bob Bee"), ["try 2", "try 4"]);
}

#[test]
fn warnings_need_an_im_raise_the_level_decay_and_tighten_the_im_class() {
    let (mut alice, mut bob) = alice_and_bob();
    let warned_alice = |p: &Pair| -> Vec<(String, Option<WarnFailure>)> {
        p.events
            .iter()
            .filter_map(|e| match e {
                Event::WarnApplied { name, delta_percent, level_percent, anonymous } => Some((
                    format!("{} +{delta_percent} ={level_percent} anon={anonymous}", name.as_str()),
                    None,
                )),
                Event::WarnFailed { name, reason } => {
                    Some((name.as_str().to_string(), Some(reason.clone())))
                }
                _ => None,
            })
            .collect()
    };
    // Bob never IMed Alice: her client does not even ask.
    alice.command(Command::Warn { name: sn("Bob Bee"), anonymous: false });
    settle(&mut alice, &mut bob);
    assert_eq!(warned_alice(&alice), [("Bob Bee".to_string(), Some(WarnFailure::NoRecentIm))]);
    assert!(from_server(&alice, (4, 9)).is_empty());
    assert_eq!(alice.hub().warning_level(&sn("Bob Bee")), 0);

    send(&mut bob, 1, "Alice Ant", "spam");
    settle(&mut alice, &mut bob);
    alice.command(Command::Warn { name: sn("Bob Bee"), anonymous: false });
    settle(&mut alice, &mut bob);
    // One IM, one warning: the second is refused by the server.
    alice.command(Command::Warn { name: sn("Bob Bee"), anonymous: false });
    settle(&mut alice, &mut bob);
    send(&mut bob, 2, "Alice Ant", "more spam");
    settle(&mut alice, &mut bob);
    alice.command(Command::Warn { name: sn("Bob Bee"), anonymous: true });
    settle(&mut alice, &mut bob);
    assert_eq!(
        warned_alice(&alice)[1..],
        [
            ("Bob Bee +10 =10 anon=false".to_string(), None),
            ("Bob Bee".to_string(), Some(WarnFailure::Refused)),
            ("Bob Bee +3 =13 anon=true".to_string(), None),
        ]
    );
    // Bob was told each time, by name only when it was not anonymous.
    let told: Vec<(u16, Option<ScreenName>)> = bob
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Warned { level_percent, by } => Some((*level_percent, by.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(told, [(10, Some(sn("Alice Ant"))), (13, None)]);
    // Alice sees his level on her buddy list.
    let level = alice.events.iter().rev().find_map(|e| match e {
        Event::Presence(p) if p.name == sn("Bob Bee") => Some(p.warning_percent),
        _ => None,
    });
    assert_eq!(level, Some(13));

    // Bob's next IM after each warning: the server tightens his IM class first (01/0A code 1).
    send(&mut bob, 3, "Alice Ant", "sorry");
    settle(&mut alice, &mut bob);
    let changes: Vec<(RateChangeCode, u32, u32)> = from_server(&bob, (1, 0x0A))
        .into_iter()
        .filter_map(|b| match b {
            SnacBody::RateChange(c) => Some((c.code, c.class.alert, c.class.limit)),
            _ => None,
        })
        .collect();
    let base = server_config().rate_classes.classes[2];
    let after_first = flapjack::server::bos::tightened(&base, 100);
    let tight = flapjack::server::bos::tightened(&base, 130);
    assert!(tight.alert > base.alert && tight.limit > after_first.limit);
    assert_eq!(
        changes,
        [
            (RateChangeCode::Changed, after_first.alert, after_first.limit),
            (RateChangeCode::Changed, tight.alert, tight.limit)
        ]
    );

    // Five minutes later the level has decayed by 5 %: Bob and Alice both learn it.
    alice.hub().state().config.clock.advance(WARNING_DECAY_SECS);
    assert_eq!(alice.hub().warning_level(&sn("Bob Bee")), 80);
    assert_eq!(alice.hub().decay_warnings(), 1);
    settle(&mut alice, &mut bob);
    assert!(bob.events.iter().any(|e| matches!(e, Event::WarningLevel { level_percent: 8 })));
    let level = alice.events.iter().rev().find_map(|e| match e {
        Event::Presence(p) if p.name == sn("Bob Bee") => Some(p.warning_percent),
        _ => None,
    });
    assert_eq!(level, Some(8));
    assert_eq!(alice.hub().decay_warnings(), 0, "told once");
}

#[test]
fn no_warning_across_a_block() {
    let (mut alice, mut bob) = alice_and_bob();
    send(&mut bob, 1, "Alice Ant", "hi");
    settle(&mut alice, &mut bob);
    bob.command(Command::Block { name: sn("Alice Ant") });
    settle(&mut alice, &mut bob);
    alice.command(Command::Warn { name: sn("Bob Bee"), anonymous: true });
    settle(&mut alice, &mut bob);
    assert!(alice
        .events
        .iter()
        .any(|e| matches!(e, Event::WarnFailed { reason: WarnFailure::Offline, .. })));
    assert_eq!(alice.hub().warning_level(&sn("Bob Bee")), 0);
}
