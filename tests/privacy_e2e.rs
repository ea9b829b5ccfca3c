//! End-to-end proofs over real sockets (HTTP sign-on, BOS over TCP) of privacy and warnings:
//! a blocked person's IM is refused and they see us go offline; a warned sender is told and
//! their level shows. The flows in detail run in memory in `privacy.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

mod support;

use flapjack::session::{Availability, Command, Event, ImFailure, PrivacyMode};
use support::session::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_over_real_sockets_refuses_ims_and_hides_us() {
    let server = start_server().await;
    let mut alice = sign_on(&server, "Alice Ant", "alice-pw").await;
    let mut bob = sign_on(&server, "Bob Bee", "bob-pw").await;
    let (alice_name, bob_name) = (sn("Alice Ant"), sn("Bob Bee"));
    expect(&mut bob, "Alice online", |e| {
        matches!(e, Event::Presence(p) if p.name == alice_name && p.availability == Availability::Online)
    })
    .await;
    alice.commands.send(Command::Block { name: bob_name.clone() }).unwrap();
    expect(&mut alice, "privacy", |e| {
        matches!(e, Event::Privacy(p) if p.mode == PrivacyMode::BlockDenyList && p.blocked == [bob_name.clone()])
    })
    .await;
    expect(&mut bob, "Alice offline", |e| {
        matches!(e, Event::Presence(p) if p.name == alice_name && p.availability == Availability::Offline)
    })
    .await;
    bob.commands
        .send(Command::SendIm { id: 1, to: alice_name.clone(), text: "let me in".into() })
        .unwrap();
    let (failed, seen) =
        wait_for(&mut bob, "refusal", |e| matches!(e, Event::ImFailed { id: 1, .. })).await;
    assert_eq!(failed, Event::ImFailed { id: 1, reason: ImFailure::RecipientOffline });
    assert!(seen.iter().all(|e| !matches!(e, Event::ImAcked { id: 1, .. })));
    // Unblocking lets the next one through; the refused one never arrives.
    alice.commands.send(Command::Unblock { name: bob_name.clone() }).unwrap();
    expect(&mut bob, "Alice back", |e| {
        matches!(e, Event::Presence(p) if p.name == alice_name && p.availability == Availability::Online)
    })
    .await;
    bob.commands
        .send(Command::SendIm { id: 2, to: alice_name.clone(), text: "thanks".into() })
        .unwrap();
    let got = expect(&mut alice, "IM", |e| matches!(e, Event::ImReceived(_))).await;
    assert!(matches!(got, Event::ImReceived(im) if im.text == "thanks"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warning_over_real_sockets_tells_the_sender_and_shows_the_level() {
    let server = start_server().await;
    let mut alice = sign_on(&server, "Alice Ant", "alice-pw").await;
    let mut bob = sign_on(&server, "Bob Bee", "bob-pw").await;
    let (alice_name, bob_name) = (sn("Alice Ant"), sn("Bob Bee"));
    bob.commands
        .send(Command::SendIm { id: 1, to: alice_name.clone(), text: "buy now".into() })
        .unwrap();
    expect(&mut alice, "IM", |e| matches!(e, Event::ImReceived(_))).await;
    alice.commands.send(Command::Warn { name: bob_name.clone(), anonymous: false }).unwrap();
    expect(&mut alice, "applied", |e| {
        matches!(e, Event::WarnApplied { level_percent: 10, delta_percent: 10, .. })
    })
    .await;
    expect(&mut bob, "warned", |e| {
        *e == Event::Warned { level_percent: 10, by: Some(alice_name.clone()) }
    })
    .await;
    expect(
        &mut alice,
        "Bob's level",
        |e| matches!(e, Event::Presence(p) if p.name == bob_name && p.warning_percent == 10),
    )
    .await;
    assert_eq!(server.hub().warning_level(&bob_name), 100);
}
