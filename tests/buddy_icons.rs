//! Buddy icons end to end over real sockets against the embedded server (issue 16, item 1):
//! one client sets its icon (10/02 on a BART service connection, then feedbag class 0x14), a
//! buddy's client sees TLV 0x1D change, downloads the icon on its own BART connection, checks
//! it against its hash, shows it and caches it privately; a later session shows it again. Oversized icons are refused before anything is sent.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

mod support;

use bytes::Bytes;
use flapjack::session::{Command, Event, IconFailure, SessionHandle};
use support::session::*;

async fn icon_session(
    server: &flapjack::server::ServerHandle,
    name: &str,
    password: &str,
    cache: &std::path::Path,
) -> (SessionHandle, Vec<Event>) {
    let config = session_config(server, name, password).with_buddy_icons(Some(cache.into()));
    let mut h = flapjack::session::connect(config).await.unwrap();
    let (_, before) = wait_for(&mut h, "buddy list", |e| matches!(e, Event::BuddyList(_))).await;
    (h, before)
}

fn icon_from<'e>(e: &'e Event, who: &str) -> Option<(&'e Bytes, &'e Bytes)> {
    match e {
        Event::BuddyIcon { name, hash, data } if name.as_str() == who => Some((hash, data)),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_icon_set_by_one_client_reaches_its_buddy_and_the_cache() {
    let server = start_server().await;
    let caches = tempfile::tempdir().unwrap();
    let (mut alice, seen) =
        icon_session(&server, "Alice Ant", "alice-pw", &caches.path().join("alice")).await;
    assert!(
        seen.contains(&Event::IconLimit { max_bytes: 7168 }),
        "the limit is told at sign-on: {seen:#?}"
    );
    let bob_cache = caches.path().join("bob");
    let (mut bob, _) = icon_session(&server, "Bob Bee", "bob-pw", &bob_cache).await;

    // Too large: refused on the spot.
    alice.commands.send(Command::SetIcon(Some(Bytes::from(vec![1; 8000])))).unwrap();
    let e = expect(&mut alice, "refused", |e| matches!(e, Event::IconSet(_))).await;
    assert_eq!(e, Event::IconSet(Err(IconFailure::TooLarge { max_bytes: 7168 })));

    let gif = Bytes::from_static(b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;");
    alice.commands.send(Command::SetIcon(Some(gif.clone()))).unwrap();
    let e = expect(&mut alice, "icon set", |e| matches!(e, Event::IconSet(_))).await;
    assert_eq!(e, Event::IconSet(Ok(())));

    let e = expect(&mut bob, "alice's icon", |e| icon_from(e, "Alice Ant").is_some()).await;
    let (hash, data) = icon_from(&e, "Alice Ant").unwrap();
    assert_eq!(data, &gif);
    assert_eq!(hash[..], flapjack_proto::oscar::bart::md5(&gif));

    // Cached under its hash, privately.
    let file = bob_cache.join(hex::encode(hash));
    // The event goes out just before the actor writes the file: give it a moment.
    let deadline = std::time::Instant::now() + WAIT;
    while !file.exists() && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let cached = std::fs::read(&file).expect("the icon is cached");
    assert_eq!(cached, gif);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!((mode(&bob_cache), mode(&file)), (0o700, 0o600));
    }

    // Bob's next session shows it again (a cache hit; that a hit needs no BART connection is
    // proven by the session core's unit tests).
    bob.commands.send(Command::SignOff).unwrap();
    expect(&mut bob, "signed off", |e| matches!(e, Event::Disconnected(_))).await;
    let (mut bob, seen) = icon_session(&server, "Bob Bee", "bob-pw", &bob_cache).await;
    let shown = match seen.iter().find(|e| icon_from(e, "Alice Ant").is_some()) {
        Some(e) => e.clone(),
        None => {
            expect(&mut bob, "alice's icon again", |e| icon_from(e, "Alice Ant").is_some()).await
        }
    };
    assert_eq!(icon_from(&shown, "Alice Ant").unwrap().1, &gif);

    // Clearing is accepted too.
    alice.commands.send(Command::SetIcon(None)).unwrap();
    let e = expect(&mut alice, "icon cleared", |e| matches!(e, Event::IconSet(_))).await;
    assert_eq!(e, Event::IconSet(Ok(())));
    for h in [&alice, &bob] {
        h.commands.send(Command::SignOff).unwrap();
    }
}

/// The embedded server keeps icons in memory: after a restart the feedbag (kept with `--data`)
/// still names Alice's icon, but the store lacks it. Signing on, Alice's client is asked for it
/// (01/21 flag 0x40), finds its own upload in its cache and sends it again, without a feedbag
/// change and without a word to the user; Bob then sees it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_icon_lost_in_a_server_restart_is_uploaded_again_from_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let caches = tempfile::tempdir().unwrap();
    let (alice_cache, bob_cache) = (caches.path().join("alice"), caches.path().join("bob"));
    let mut config = server_config();
    config.data_dir = Some(dir.path().to_path_buf());
    let server = flapjack::server::Server::start(config.clone()).await.unwrap();
    let (mut alice, _) = icon_session(&server, "Alice Ant", "alice-pw", &alice_cache).await;
    let gif = Bytes::from_static(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;restart");
    alice.commands.send(Command::SetIcon(Some(gif.clone()))).unwrap();
    let e = expect(&mut alice, "icon set", |e| matches!(e, Event::IconSet(_))).await;
    assert_eq!(e, Event::IconSet(Ok(())));
    alice.commands.send(Command::SignOff).unwrap();
    expect(&mut alice, "signed off", |e| matches!(e, Event::Disconnected(_))).await;
    server.shutdown().await;

    let server = flapjack::server::Server::start(config).await.unwrap();
    let hash = flapjack_proto::oscar::bart::md5(&gif);
    assert_eq!(server.hub().icon_data(&hash), None, "the restart emptied the store");
    let (mut bob, _) = icon_session(&server, "Bob Bee", "bob-pw", &bob_cache).await;
    let (alice, seen) = icon_session(&server, "Alice Ant", "alice-pw", &alice_cache).await;
    let e = expect(&mut bob, "alice's icon", |e| icon_from(e, "Alice Ant").is_some()).await;
    assert_eq!(icon_from(&e, "Alice Ant").unwrap().1, &gif);
    assert_eq!(server.hub().icon_data(&hash), Some(gif));
    assert!(!seen.iter().any(|e| matches!(e, Event::IconSet(_))), "nothing said: {seen:?}");
    for h in [&alice, &bob] {
        h.commands.send(Command::SignOff).unwrap();
    }
}
