//! The client session against the embedded server over real sockets: issue #3's must-show list
//! (sign-on both ways, Unicode IMs, typing, offline delivery, presence, buddy-list changes that
//! persist, rate pacing, a misbehaving peer) plus TLS, token reuse and reconnect.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

mod support;

use std::sync::Arc;
use std::time::Duration;

use flapjack::credentials::{CredentialKey, CredentialStore, MemoryStore};
use flapjack::oscar::codes::DisconnectReason as WireReason;
use flapjack::server::{Disconnect, Server};
use flapjack::session::{
    self, Availability, Command, Delivery, DisconnectReason, Event, IcqStatus, ImFailure,
    LoginMethod, NetworkError, SignOnFailure, SignOnStep, TypingState,
};
use support::session::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn buddy_names(event: &Event) -> Vec<(String, Vec<String>)> {
    match event {
        Event::BuddyList(list) => list
            .groups
            .iter()
            .map(|g| {
                (g.name.clone(), g.buddies.iter().map(|b| b.name.as_str().to_string()).collect())
            })
            .collect(),
        other => panic!("not a buddy list: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_sign_on_reaches_bos_and_gets_the_buddy_list_then_reuses_the_token() {
    let server = start_server().await;
    let store = Arc::new(MemoryStore::new());
    let config = session_config(&server, "alice ant", "alice-pw").with_credentials(store.clone());
    let mut alice = session::spawn(config);
    let (list, before) =
        wait_for(&mut alice, "buddy list", |e| matches!(e, Event::BuddyList(_))).await;
    let steps: Vec<SignOnStep> = before
        .iter()
        .filter_map(|e| if let Event::SignOnProgress(s) = e { Some(*s) } else { None })
        .collect();
    assert_eq!(
        steps,
        [
            SignOnStep::Authenticating,
            SignOnStep::ConnectingBos,
            SignOnStep::Negotiating,
            SignOnStep::LoadingBuddyList
        ]
    );
    assert!(before.contains(&Event::SignedOn { screen_name: sn("Alice Ant") }));
    assert_eq!(buddy_names(&list), [("Buddies".to_string(), vec!["Bob Bee".to_string()])]);
    // The long-term token went to the store, never the password.
    let key = CredentialKey::new(&format!("http://{}", server.http_addr()), &sn("aliceant"));
    let saved = store.load(&key).unwrap().expect("token stored");
    assert!(!saved.contains("alice-pw"));
    alice.commands.send(Command::SignOff).unwrap();
    expect(&mut alice, "sign-off", |e| *e == Event::Disconnected(DisconnectReason::SignedOff))
        .await;

    // Warm start: no password, the stored token skips clientLogin.
    let logins = server.state().client_login_count();
    let mut config = session_config(&server, "Alice Ant", "unused").with_credentials(store.clone());
    config.password = None;
    let mut again = session::connect(config).await.expect("signs on with the stored token");
    expect(&mut again, "buddy list", |e| matches!(e, Event::BuddyList(_))).await;
    assert_eq!(server.state().client_login_count(), logins);
    again.commands.send(Command::SignOff).unwrap();
    expect(&mut again, "sign-off", |e| matches!(e, Event::Disconnected(_))).await;

    // A revoked token is forgotten; without a password the user is told what to do.
    server.state().revoke_tokens("Alice Ant");
    let mut config = session_config(&server, "Alice Ant", "unused").with_credentials(store.clone());
    config.password = None;
    match session::connect(config).await {
        Err(session::SignOnError::Failed(DisconnectReason::AuthFailed(
            SignOnFailure::NoCredentials,
        ))) => {}
        other => panic!("expected an auth failure, got {other:?}"),
    }
    assert_eq!(store.load(&key).unwrap(), None);
    // With the password it falls back to clientLogin and stores a fresh token.
    let config = session_config(&server, "Alice Ant", "alice-pw").with_credentials(store.clone());
    let h = session::connect(config).await.expect("password fallback");
    assert!(store.load(&key).unwrap().is_some());
    drop(h);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bucp_sign_on_reaches_bos_and_gets_the_buddy_list() {
    let server = start_server().await;
    let config = session_config(&server, "Bob Bee", "bob-pw")
        .with_method(LoginMethod::Bucp(server.bucp_addr().to_string()));
    let mut bob = session::connect(config).await.expect("BUCP sign-on");
    let list = expect(&mut bob, "buddy list", |e| matches!(e, Event::BuddyList(_))).await;
    assert_eq!(buddy_names(&list), [("Buddies".to_string(), vec!["Alice Ant".to_string()])]);
    // A wrong password is an auth failure, not a retry loop.
    let bad = session_config(&server, "Bob Bee", "nope")
        .with_method(LoginMethod::Bucp(server.bucp_addr().to_string()));
    assert!(matches!(
        session::connect(bad).await,
        Err(session::SignOnError::Failed(DisconnectReason::AuthFailed(_)))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unicode_im_arrives_exactly_with_typing_notices() {
    let server = start_server().await;
    let mut alice = sign_on(&server, "Alice Ant", "alice-pw").await;
    let mut bob = sign_on(&server, "Bob Bee", "bob-pw").await;
    let bob_name = sn("Bob Bee");
    let alice_name = sn("Alice Ant");
    expect(&mut alice, "Bob online", |e| {
        matches!(e, Event::Presence(p) if p.name == bob_name && p.availability == Availability::Online)
    })
    .await;
    alice
        .commands
        .send(Command::Typing { to: bob_name.clone(), state: TypingState::Typing })
        .unwrap();
    expect(&mut bob, "typing", |e| {
        *e == Event::Typing { from: alice_name.clone(), state: TypingState::Typing }
    })
    .await;
    let text = "héllo ✓ 你好";
    alice
        .commands
        .send(Command::SendIm { id: 1, to: bob_name.clone(), text: text.into() })
        .unwrap();
    expect(&mut alice, "ack", |e| *e == Event::ImAcked { id: 1, delivery: Delivery::Online }).await;
    let got = expect(&mut bob, "IM", |e| matches!(e, Event::ImReceived(_))).await;
    match got {
        Event::ImReceived(im) => {
            assert_eq!(im.text, text);
            assert_eq!(im.from, alice_name);
            assert!(!im.offline && !im.auto_response);
        }
        _ => unreachable!(),
    }
    // Markup typed by the user arrives as typed, multi-line text too.
    let tricky = "a <b>bold</b> & \"quoted\"\nsecond line";
    alice
        .commands
        .send(Command::SendIm { id: 2, to: bob_name.clone(), text: tricky.into() })
        .unwrap();
    let got = expect(&mut bob, "IM 2", |e| matches!(e, Event::ImReceived(_))).await;
    assert!(matches!(got, Event::ImReceived(im) if im.text == tricky));
    alice
        .commands
        .send(Command::Typing { to: bob_name.clone(), state: TypingState::Finished })
        .unwrap();
    expect(&mut bob, "typing finished", |e| {
        *e == Event::Typing { from: alice_name.clone(), state: TypingState::Finished }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn im_to_an_offline_buddy_is_delivered_when_they_sign_on() {
    let server = start_server().await;
    let mut alice = sign_on(&server, "Alice Ant", "alice-pw").await;
    alice
        .commands
        .send(Command::SendIm { id: 9, to: sn("Bob Bee"), text: "while you were out".into() })
        .unwrap();
    let outcome = expect(&mut alice, "ack or failure", |e| {
        matches!(e, Event::ImAcked { id: 9, .. } | Event::ImFailed { id: 9, .. })
    })
    .await;
    assert_eq!(
        outcome,
        Event::ImAcked { id: 9, delivery: Delivery::StoredOffline },
        "the server stores it, and the session says so"
    );
    let mut bob = session::connect(session_config(&server, "Bob Bee", "bob-pw")).await.unwrap();
    let got = expect(&mut bob, "offline IM", |e| matches!(e, Event::ImReceived(_))).await;
    match got {
        Event::ImReceived(im) => {
            assert_eq!(im.text, "while you were out");
            assert!(im.offline);
            assert_eq!(im.from, sn("Alice Ant"));
        }
        _ => unreachable!(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buddy_arrives_goes_away_with_a_message_comes_back_and_leaves() {
    let server = start_server().await;
    let mut alice = sign_on(&server, "Alice Ant", "alice-pw").await;
    let mut bob = sign_on(&server, "Bob Bee", "bob-pw").await;
    let bob_name = sn("Bob Bee");
    let is_bob = |e: &Event, a: Availability| matches!(e, Event::Presence(p) if p.name == bob_name && p.availability == a);
    let online = expect(&mut alice, "Bob online", |e| is_bob(e, Availability::Online)).await;
    assert!(matches!(online, Event::Presence(p) if p.signed_on_at.is_some()));
    bob.commands.send(Command::SetAway(Some("at lunch <back at 2>".into()))).unwrap();
    expect(&mut bob, "away set", |e| matches!(e, Event::AwayChanged(Some(_)))).await;
    expect(&mut alice, "Bob away with message", |e| {
        matches!(e, Event::Presence(p) if p.name == bob_name
            && p.availability == Availability::Away
            && p.away_message.as_deref() == Some("at lunch <back at 2>"))
    })
    .await;
    bob.commands.send(Command::SetAway(None)).unwrap();
    let back = expect(&mut alice, "Bob back", |e| is_bob(e, Availability::Online)).await;
    assert!(matches!(back, Event::Presence(p) if p.away_message.is_none()));
    // GetInfo shows what the server has.
    alice.commands.send(Command::GetInfo { name: bob_name.clone() }).unwrap();
    let info = expect(&mut alice, "user info", |e| matches!(e, Event::UserInfo(_))).await;
    assert!(matches!(info, Event::UserInfo(i) if i.name == bob_name && i.away_message.is_none()));
    bob.commands.send(Command::SignOff).unwrap();
    expect(&mut alice, "Bob offline", |e| is_bob(e, Availability::Offline)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unicode_away_message_survives_between_two_clients() {
    let server = start_server().await;
    let mut alice = sign_on(&server, "Alice Ant", "alice-pw").await;
    let mut bob = sign_on(&server, "Bob Bee", "bob-pw").await;
    let bob_name = sn("Bob Bee");
    let away = "ö ✓ 你好";
    bob.commands.send(Command::SetAway(Some(away.into()))).unwrap();
    expect(&mut bob, "away set", |e| matches!(e, Event::AwayChanged(Some(_)))).await;
    // The away message Alice's client fetches when Bob goes away (02/15, flag 2)…
    expect(&mut alice, "Bob away with message", |e| {
        matches!(e, Event::Presence(p) if p.name == bob_name && p.away_message.as_deref() == Some(away))
    })
    .await;
    // …and the one an explicit info query returns (02/06), both as typed.
    alice.commands.send(Command::GetInfo { name: bob_name.clone() }).unwrap();
    let info = expect(&mut alice, "user info", |e| matches!(e, Event::UserInfo(_))).await;
    assert!(
        matches!(&info, Event::UserInfo(i) if i.away_message.as_deref() == Some(away)),
        "{info:?}"
    );
    // The server kept Bob's bytes and label exactly: UCS-2BE, declared unicode-2-0.
    let reply = server
        .hub()
        .locate(&flapjack::screenname::ScreenName::from_wire("Alice Ant"), "Bob Bee", 0x2)
        .unwrap();
    assert_eq!(reply.tlvs.value(0x0003), Some(&b"text/aolrtf; charset=\"unicode-2-0\""[..]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buddy_and_group_changes_survive_sign_off_and_sign_on() {
    let server = start_server().await;
    let mut alice = sign_on(&server, "Alice Ant", "alice-pw").await;
    for cmd in [
        Command::AddGroup { name: "Work".into() },
        Command::AddBuddy { name: sn("Carol"), group: "Work".into() },
        Command::AddBuddy { name: sn("Dave"), group: "Family".into() },
        Command::RemoveBuddy { name: sn("Bob Bee") },
    ] {
        alice.commands.send(cmd).unwrap();
    }
    alice.commands.send(Command::SignOff).unwrap();
    let (_, seen) = wait_for(&mut alice, "sign-off", |e| matches!(e, Event::Disconnected(_))).await;
    assert!(
        !seen.iter().any(|e| matches!(e, Event::BuddyListError(_))),
        "server refused a change: {seen:#?}"
    );
    let expected = [
        ("Buddies".to_string(), vec![]),
        ("Work".to_string(), vec!["Carol".to_string()]),
        ("Family".to_string(), vec!["Dave".to_string()]),
    ];
    let last_local = seen.iter().rev().find(|e| matches!(e, Event::BuddyList(_))).unwrap();
    assert_eq!(buddy_names(last_local), expected);

    let mut alice =
        session::connect(session_config(&server, "Alice Ant", "alice-pw")).await.unwrap();
    let list = expect(&mut alice, "buddy list", |e| matches!(e, Event::BuddyList(_))).await;
    assert_eq!(buddy_names(&list), expected);
    alice.commands.send(Command::RemoveGroup { name: "work".into() }).unwrap();
    alice.commands.send(Command::RemoveGroup { name: "Buddies".into() }).unwrap();
    alice.commands.send(Command::SignOff).unwrap();
    expect(&mut alice, "sign-off", |e| matches!(e, Event::Disconnected(_))).await;
    let mut alice =
        session::connect(session_config(&server, "Alice Ant", "alice-pw")).await.unwrap();
    let list = expect(&mut alice, "buddy list", |e| matches!(e, Event::BuddyList(_))).await;
    assert_eq!(buddy_names(&list), [("Family".to_string(), vec!["Dave".to_string()])]);
}

// A real-socket smoke test of pacing through the actor and its timers; 200 IMs at AOL's real
// classes, with the time they take, are checked on virtual time in tests/pair.rs, and 200 at
// ÷100 over sockets in rate_pacing_margin.rs.
// One thread for client and server: at the ÷100 classes an IM is due every ~50 ms, and on a
// loaded machine a descheduled worker holding the server's task while the client writes on
// would collapse gaps the client really left (see docs/performance.md, "Rate pacing").
#[tokio::test]
async fn ims_beyond_the_burst_are_paced_by_the_rate_limiter_and_arrive_in_order() {
    const COUNT: u64 = 40;
    let server = start_server().await;
    let mut alice = sign_on(&server, "Alice Ant", "alice-pw").await;
    let mut bob = sign_on(&server, "Bob Bee", "bob-pw").await;
    let started = std::time::Instant::now();
    for id in 0..COUNT {
        alice
            .commands
            .send(Command::SendIm { id, to: sn("Bob Bee"), text: format!("message {id}") })
            .unwrap();
    }
    let mut acked = 0;
    let mut queued = 0;
    while acked < COUNT {
        match tokio::time::timeout(Duration::from_secs(30), alice.events.recv()).await {
            Ok(Some(Event::ImAcked { .. })) => acked += 1,
            Ok(Some(Event::ImQueued { .. })) => queued += 1,
            Ok(Some(
                e @ (Event::RateWarning(_)
                | Event::ImFailed { .. }
                | Event::Reconnecting { .. }
                | Event::Disconnected(_)),
            )) => panic!("Alice must not see {e:?}"),
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => panic!("stuck after {acked} acks"),
        }
    }
    let mut got = Vec::new();
    while got.len() < COUNT as usize {
        match expect(&mut bob, "IM", |e| matches!(e, Event::ImReceived(_))).await {
            Event::ImReceived(im) => got.push(im.text),
            _ => unreachable!(),
        }
    }
    let want: Vec<String> = (0..COUNT).map(|i| format!("message {i}")).collect();
    assert_eq!(got, want);
    assert!(queued > COUNT - 8, "the limiter should have held most back ({queued} queued)");
    let counters = &server.state().counters;
    assert_eq!(counters.rate_warnings_for("Alice Ant"), 0);
    assert_eq!(flapjack::server::Counters::get(&counters.rate_disconnects), 0);
    eprintln!("{COUNT} IMs paced in {:?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_sending_malformed_frames_loses_only_its_own_connection() {
    let server = start_server().await;
    let mut alice = sign_on(&server, "Alice Ant", "alice-pw").await;
    let mut bob = sign_on(&server, "Bob Bee", "bob-pw").await;
    let mut rogue = tokio::net::TcpStream::connect(server.bos_addr()).await.unwrap();
    rogue.write_all(b"\x2a\x02\x00\x01\x00\x04\x00\x01\x00garbage that is not FLAP").await.unwrap();
    let mut buf = vec![0u8; 4096];
    let closed = tokio::time::timeout(WAIT, async {
        loop {
            match rogue.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the server must drop the rogue connection");
    alice
        .commands
        .send(Command::SendIm { id: 1, to: sn("Bob Bee"), text: "still here".into() })
        .unwrap();
    expect(&mut alice, "ack", |e| *e == Event::ImAcked { id: 1, delivery: Delivery::Online }).await;
    let got = expect(&mut bob, "IM", |e| matches!(e, Event::ImReceived(_))).await;
    assert!(matches!(got, Event::ImReceived(im) if im.text == "still here"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_connection_reconnects_and_restores_list_and_presence() {
    let server = start_server().await;
    let mut alice = sign_on(&server, "Alice Ant", "alice-pw").await;
    let mut bob = sign_on(&server, "Bob Bee", "bob-pw").await;
    let bob_name = sn("Bob Bee");
    expect(&mut alice, "Bob online", |e| {
        matches!(e, Event::Presence(p) if p.name == bob_name && p.availability == Availability::Online)
    })
    .await;
    assert_eq!(server.disconnect_user("Alice Ant", Disconnect::Abrupt), 1);
    let (event, seen) =
        wait_for(&mut alice, "reconnecting", |e| matches!(e, Event::Reconnecting { .. })).await;
    assert!(matches!(event, Event::Reconnecting { attempt: 1, .. }));
    assert!(seen
        .iter()
        .any(|e| matches!(e, Event::Presence(p) if p.availability == Availability::Offline)));
    // IMs sent while reconnecting are queued, then delivered once.
    alice
        .commands
        .send(Command::SendIm { id: 5, to: bob_name.clone(), text: "after".into() })
        .unwrap();
    let (_, seen) =
        wait_for(&mut alice, "signed on again", |e| matches!(e, Event::SignedOn { .. })).await;
    assert!(seen.contains(&Event::ImQueued { id: 5 }));
    expect(&mut alice, "buddy list again", |e| matches!(e, Event::BuddyList(_))).await;
    expect(&mut alice, "Bob online again", |e| {
        matches!(e, Event::Presence(p) if p.name == bob_name && p.availability == Availability::Online)
    })
    .await;
    expect(&mut alice, "ack", |e| *e == Event::ImAcked { id: 5, delivery: Delivery::Online }).await;
    let got = expect(&mut bob, "IM", |e| matches!(e, Event::ImReceived(_))).await;
    assert!(matches!(got, Event::ImReceived(im) if im.text == "after"));

    // Signed on elsewhere: no reconnect, the session ends with that reason.
    server.disconnect_user("Alice Ant", Disconnect::Reason(WireReason::OtherLocation));
    let (end, seen) =
        wait_for(&mut alice, "disconnected", |e| matches!(e, Event::Disconnected(_))).await;
    assert_eq!(end, Event::Disconnected(DisconnectReason::SignedOnElsewhere));
    assert!(!seen.iter().any(|e| matches!(e, Event::Reconnecting { .. })));
    assert!(alice.events.recv().await.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_bos_connection_verifies_the_advertised_certificate_name() {
    let mut config = server_config();
    config.bos_tls_cert_name = Some("bos.flapjack.test".into());
    let server = Server::start(config).await.unwrap();
    let cert = server.bos_tls_cert_der().expect("a certificate").to_vec();
    let mut session = session_config(&server, "Carol", "carol-pw").with_extra_root(cert);
    session.request_tls = Some(true);
    let mut carol = session::connect(session).await.expect("TLS sign-on");
    expect(&mut carol, "buddy list", |e| matches!(e, Event::BuddyList(_))).await;
    // Without trusting the certificate the handshake fails and the session says why: the
    // advertised certificate is self-signed.
    let mut untrusting = session_config(&server, "Carol", "carol-pw");
    untrusting.request_tls = Some(true);
    match session::connect(untrusting).await {
        Err(session::SignOnError::Failed(DisconnectReason::Network(
            NetworkError::TlsRefused { problem, .. },
        ))) => {
            assert!(matches!(*problem, flapjack::tls::TlsProblem::SelfSigned { .. }), "{problem:?}")
        }
        other => panic!("expected a TLS refusal, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn icq_uin_signs_on_both_ways_and_talks_to_an_aim_user() {
    let server = start_server().await;
    let mut icq = session::connect(session_config(&server, "123456789", "qwerty12"))
        .await
        .expect("ICQ over HTTP (getChallenge + digest)");
    expect(&mut icq, "buddy list", |e| matches!(e, Event::BuddyList(_))).await;
    let mut carol = sign_on(&server, "Carol", "carol-pw").await;
    icq.commands.send(Command::SendIm { id: 1, to: sn("Carol"), text: "привет".into() }).unwrap();
    expect(&mut icq, "ack", |e| *e == Event::ImAcked { id: 1, delivery: Delivery::Online }).await;
    let got = expect(&mut carol, "IM", |e| matches!(e, Event::ImReceived(_))).await;
    assert!(
        matches!(got, Event::ImReceived(im) if im.text == "привет" && im.from == sn("123456789"))
    );
    let bucp = session_config(&server, "123456789", "qwerty12")
        .with_method(LoginMethod::Bucp(server.bucp_addr().to_string()));
    let mut again = session::connect(bucp).await.expect("ICQ over BUCP");
    // The second sign-on of the same account may or may not end the first one; either way the
    // new session works.
    expect(&mut again, "buddy list", |e| matches!(e, Event::BuddyList(_))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn icq_status_set_by_one_uin_is_seen_by_another_and_markup_stays_exact() {
    let server = start_server().await;
    let mut watcher = sign_on(&server, "987654321", "hunter22").await;
    let mut icq = sign_on(&server, "123456789", "qwerty12").await;
    let them = sn("123456789");
    let seen = |e: &Event, status: IcqStatus| {
        matches!(e, Event::Presence(p) if p.name == them
            && p.availability == Availability::Online
            && p.status == Some(status))
    };
    expect(&mut watcher, "online", |e| seen(e, IcqStatus::Online)).await;
    icq.commands.send(Command::SetStatus(IcqStatus::NotAvailable)).unwrap();
    let confirmed = expect(&mut icq, "confirmed", |e| matches!(e, Event::StatusChanged(_))).await;
    assert_eq!(confirmed, Event::StatusChanged(IcqStatus::NotAvailable));
    expect(&mut watcher, "N/A", |e| seen(e, IcqStatus::NotAvailable)).await;
    icq.commands.send(Command::SetStatus(IcqStatus::DoNotDisturb)).unwrap();
    expect(&mut watcher, "DND", |e| seen(e, IcqStatus::DoNotDisturb)).await;
    // Invisible: gone for the watcher, yet still reachable.
    icq.commands.send(Command::SetStatus(IcqStatus::Invisible)).unwrap();
    expect(&mut icq, "invisible", |e| *e == Event::StatusChanged(IcqStatus::Invisible)).await;
    expect(&mut watcher, "gone", |e| {
        matches!(e, Event::Presence(p) if p.name == them && p.availability == Availability::Offline)
    })
    .await;
    // Between two flapjacks (both advertise XHTML) text with markup characters is exact in
    // both directions, whichever side knows the other's capabilities.
    let tricky = "1 < 2 && <b>not bold</b> &amp;";
    watcher
        .commands
        .send(Command::SendIm { id: 1, to: them.clone(), text: tricky.into() })
        .unwrap();
    let got = expect(&mut icq, "IM", |e| matches!(e, Event::ImReceived(_))).await;
    assert!(matches!(&got, Event::ImReceived(im) if im.text == tricky), "{got:?}");
    icq.commands.send(Command::SendIm { id: 2, to: sn("987654321"), text: tricky.into() }).unwrap();
    let got = expect(&mut watcher, "IM back", |e| matches!(e, Event::ImReceived(_))).await;
    assert!(matches!(&got, Event::ImReceived(im) if im.text == tricky), "{got:?}");
    icq.commands.send(Command::SetStatus(IcqStatus::FreeForChat)).unwrap();
    expect(&mut watcher, "back, free for chat", |e| seen(e, IcqStatus::FreeForChat)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnect_gives_up_after_max_attempts_and_fails_queued_ims() {
    let server = start_server().await;
    let mut config = session_config(&server, "Carol", "carol-pw");
    config.reconnect.max_attempts = Some(2);
    let mut carol = session::connect(config).await.unwrap();
    expect(&mut carol, "buddy list", |e| matches!(e, Event::BuddyList(_))).await;
    server.shutdown().await;
    expect(&mut carol, "attempt 1", |e| matches!(e, Event::Reconnecting { attempt: 1, .. })).await;
    carol
        .commands
        .send(Command::SendIm { id: 3, to: sn("Bob Bee"), text: "lost?".into() })
        .unwrap();
    let (end, seen) =
        wait_for(&mut carol, "the end", |e| matches!(e, Event::Disconnected(_))).await;
    assert!(seen.iter().any(|e| matches!(e, Event::Reconnecting { attempt: 2, .. })));
    assert!(!seen.iter().any(|e| matches!(e, Event::Reconnecting { attempt: 3, .. })));
    assert!(seen.contains(&Event::ImQueued { id: 3 }));
    // Queued while the server was down, it never reached one: certainly not delivered.
    assert!(seen.contains(&Event::ImFailed { id: 3, reason: ImFailure::NotSent }));
    assert!(matches!(end, Event::Disconnected(DisconnectReason::Network(_))), "{end:?}");
}
