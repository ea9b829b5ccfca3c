//! Chat rooms end to end over real sockets against the embedded server (issue 15): three
//! clients join a room by name, talk, and leave; invitations are sent, received and accepted;
//! a room connection cut by the server is joined again by itself; the demo's lounge bot answers
//! when named.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

mod support;

use flapjack::server::{BotFactory, EchoBrain, PublicRoom, Server};
use flapjack::session::{Command, Event, RoomEvent, SessionHandle};
use support::session::*;

fn room_event(e: &Event) -> Option<&RoomEvent> {
    match e {
        Event::Room(r) => Some(r),
        _ => None,
    }
}

async fn joined(h: &mut SessionHandle, what: &str) -> Vec<String> {
    match expect(h, what, |e| matches!(room_event(e), Some(RoomEvent::Joined { .. }))).await {
        Event::Room(RoomEvent::Joined { occupants, .. }) => {
            occupants.iter().map(|n| n.as_str().to_string()).collect()
        }
        _ => unreachable!(),
    }
}

async fn said(h: &mut SessionHandle, what: &str) -> (String, String, String) {
    match expect(h, what, |e| matches!(room_event(e), Some(RoomEvent::Message { .. }))).await {
        Event::Room(RoomEvent::Message { room, from, text }) => {
            (room, from.as_str().to_string(), text)
        }
        _ => unreachable!(),
    }
}

fn join(h: &SessionHandle, name: &str) {
    h.commands.send(Command::JoinRoom { name: name.into() }).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_clients_join_talk_and_leave() {
    let server = start_server().await;
    let mut alice = sign_on(&server, "Alice Ant", "alice-pw").await;
    let mut bob = sign_on(&server, "Bob Bee", "bob-pw").await;
    let mut carol = sign_on(&server, "Carol", "carol-pw").await;
    join(&alice, "Pancake Talk");
    assert_eq!(joined(&mut alice, "alice joins").await, ["Alice Ant"]);
    // Other spellings find the same room.
    join(&bob, "pancake talk");
    assert_eq!(joined(&mut bob, "bob joins").await, ["Alice Ant", "Bob Bee"]);
    join(&carol, "PANCAKE TALK");
    assert_eq!(joined(&mut carol, "carol joins").await, ["Alice Ant", "Bob Bee", "Carol"]);
    expect(&mut alice, "bob and carol arrive", |e| {
        matches!(room_event(e), Some(RoomEvent::OccupantsJoined { names, .. })
            if names.iter().any(|n| n.as_str() == "Carol"))
    })
    .await;
    assert_eq!(server.hub().room_occupants(4, "Pancake Talk"), ["Alice Ant", "Bob Bee", "Carol"]);

    alice
        .commands
        .send(Command::SendRoom {
            room: "pancake talk".into(),
            text: "syrup <or> butter? ☕".into(),
        })
        .unwrap();
    for h in [&mut bob, &mut carol] {
        let (room, from, text) = said(h, "alice's line").await;
        assert_eq!((room.as_str(), from.as_str()), ("Pancake Talk", "Alice Ant"));
        assert_eq!(text, "syrup <or> butter? ☕");
    }
    // Not reflected to the sender: the next message Alice sees is Bob's.
    bob.commands
        .send(Command::SendRoom { room: "Pancake Talk".into(), text: "butter".into() })
        .unwrap();
    assert_eq!(said(&mut alice, "bob's line").await.1, "Bob Bee");

    carol.commands.send(Command::LeaveRoom { room: "pancake talk".into() }).unwrap();
    expect(&mut carol, "carol left", |e| matches!(room_event(e), Some(RoomEvent::Left { .. })))
        .await;
    for h in [&mut alice, &mut bob] {
        expect(h, "carol leaves", |e| {
            matches!(room_event(e), Some(RoomEvent::OccupantsLeft { names, .. })
                if names.iter().map(|n| n.as_str()).collect::<Vec<_>>() == ["Carol"])
        })
        .await;
    }
    carol
        .commands
        .send(Command::SendRoom { room: "pancake talk".into(), text: "x".into() })
        .unwrap();
    expect(&mut carol, "not in the room", |e| {
        matches!(room_event(e), Some(RoomEvent::NotInRoom { .. }))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invitations_are_received_and_accepted_and_a_cut_room_is_rejoined() {
    let server = start_server().await;
    let mut alice = sign_on(&server, "Alice Ant", "alice-pw").await;
    let mut bob = sign_on(&server, "Bob Bee", "bob-pw").await;
    join(&alice, "Griddle");
    joined(&mut alice, "alice joins").await;
    alice
        .commands
        .send(Command::Invite {
            room: "griddle".into(),
            to: sn("Bob Bee"),
            message: Some("come have pancakes".into()),
        })
        .unwrap();
    let invitation = match expect(&mut bob, "invitation", |e| {
        matches!(room_event(e), Some(RoomEvent::Invitation(_)))
    })
    .await
    {
        Event::Room(RoomEvent::Invitation(inv)) => inv,
        _ => unreachable!(),
    };
    assert_eq!(invitation.from.as_str(), "Alice Ant");
    assert_eq!(invitation.room, "Griddle");
    assert_eq!(invitation.message.as_deref(), Some("come have pancakes"));
    bob.commands.send(Command::AcceptInvitation(invitation)).unwrap();
    assert_eq!(joined(&mut bob, "bob joins by invitation").await, ["Alice Ant", "Bob Bee"]);

    // The server cuts Bob's room connection: Bob joins again by himself and can talk.
    assert_eq!(server.hub().cut_room_connections("Bob Bee"), 1);
    expect(&mut bob, "rejoining", |e| matches!(room_event(e), Some(RoomEvent::Rejoining { .. })))
        .await;
    joined(&mut bob, "bob back in").await;
    bob.commands.send(Command::SendRoom { room: "griddle".into(), text: "back".into() }).unwrap();
    let (_, from, text) = said(&mut alice, "bob's line after the rejoin").await;
    assert_eq!((from.as_str(), text.as_str()), ("Bob Bee", "back"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lounge_bot_answers_when_named() {
    let mut config = server_config();
    let accounts = flapjack::server::Accounts::from_toml(&format!(
        "{ACCOUNTS}\n[[account]]\nscreen_name = \"ButterBot\"\npassword = \"x\"\nbot = true\n"
    ))
    .unwrap();
    config.public_rooms = vec![PublicRoom::lounge(&accounts)];
    config.accounts = accounts;
    config.bot_brain = Some(BotFactory::new(|| Box::new(EchoBrain::default())));
    let server = Server::start(config).await.unwrap();
    let mut alice = sign_on(&server, "Alice Ant", "alice-pw").await;
    join(&alice, "flapjack lounge");
    assert_eq!(joined(&mut alice, "alice in the lounge").await, ["ButterBot", "Alice Ant"]);
    assert!(
        server.hub().room_occupants(4, "flapjack lounge").is_empty(),
        "the public room, not a new one"
    );
    alice
        .commands
        .send(Command::SendRoom { room: "Flapjack Lounge".into(), text: "hi ButterBot".into() })
        .unwrap();
    let (room, from, text) = said(&mut alice, "the bot's answer").await;
    assert_eq!((room.as_str(), from.as_str()), ("Flapjack Lounge", "ButterBot"));
    assert_eq!(text, "You said: hi butterbot");
}

/// What the sessions of this test binary log, captured by one global subscriber. A
/// thread-scoped one (`set_default`) lost the line once in a full run while other tests ran
/// on other threads (tracing caches each call site's interest globally), so the capture is
/// global and a test looks for a line only it can cause.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

/// The binary's log, installed on first use.
fn captured_log() -> &'static Captured {
    static LOG: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();
    LOG.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter("flapjack_client=info")
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber");
        captured
    })
}

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// A real-socket hop in front of BOS (the server advertises it, so room redirects point at it
/// too): it passes bytes both ways, and when told, writes a malformed FLAP frame to the client
/// side of the newest connection (the room's, once a room has been joined).
async fn poisoning_hop(
    listener: tokio::net::TcpListener,
    upstream: std::net::SocketAddr,
    poison: tokio::sync::broadcast::Sender<()>,
) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let newest = std::sync::Arc::new(AtomicUsize::new(0));
    let mut n = 0;
    while let Ok((client, _)) = listener.accept().await {
        n += 1;
        newest.store(n, Ordering::SeqCst);
        let Ok(server) = tokio::net::TcpStream::connect(upstream).await else { return };
        let (mut cr, mut cw) = client.into_split();
        let (mut sr, mut sw) = server.into_split();
        tokio::spawn(async move {
            let _ = tokio::io::copy(&mut cr, &mut sw).await;
            let _ = sw.shutdown().await;
        });
        let mut told = poison.subscribe();
        let newest = newest.clone();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 8192];
            // Only whole FLAP frames are passed on, so the poison always lands between two
            // frames however the server's bytes were cut into reads.
            let mut pending: Vec<u8> = Vec::new();
            loop {
                tokio::select! {
                    read = sr.read(&mut buf) => match read {
                        Ok(0) | Err(_) => return,
                        Ok(k) => {
                            pending.extend_from_slice(&buf[..k]);
                            let mut whole = 0;
                            while pending.len() >= whole + 6 {
                                let len = usize::from(u16::from_be_bytes([
                                    pending[whole + 4],
                                    pending[whole + 5],
                                ]));
                                if pending.len() < whole + 6 + len {
                                    break;
                                }
                                whole += 6 + len;
                            }
                            if cw.write_all(&pending[..whole]).await.is_err() {
                                return;
                            }
                            pending.drain(..whole);
                        }
                    },
                    Ok(()) = told.recv() => {
                        if newest.load(Ordering::SeqCst) == n {
                            // A FLAP header whose marker is not 0x2A: no frame boundary can
                            // be found after it, so the connection cannot go on.
                            let _ = cw.write_all(&[0x00, 0x02, 0x13, 0x37, 0x00, 0x04, 1, 2, 3, 4]).await;
                        }
                    }
                }
            }
        });
    }
}

/// Issue 15 leftover (b): a malformed FLAP frame on a room's socket closes that room's
/// connection, with the reason logged, and nothing else: the main session lives on and joins
/// the room again over its BOS connection.
#[tokio::test]
async fn a_malformed_frame_on_a_room_socket_closes_only_that_room() {
    let captured = captured_log();

    let hop = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut config = server_config();
    config.advertised_bos = Some(hop.local_addr().unwrap());
    let server = Server::start(config).await.unwrap();
    let (poison, _) = tokio::sync::broadcast::channel(4);
    tokio::spawn(poisoning_hop(hop, server.bos_bound_addr(), poison.clone()));

    let mut alice = sign_on(&server, "Alice Ant", "alice-pw").await;
    join(&alice, "Griddle");
    assert_eq!(joined(&mut alice, "alice joins").await, ["Alice Ant"]);
    poison.send(()).unwrap();
    let (_, seen) = wait_for(&mut alice, "the room connection closed", |e| {
        matches!(room_event(e), Some(RoomEvent::Rejoining { .. }))
    })
    .await;
    assert!(!seen.iter().any(|e| matches!(e, Event::Disconnected(_))), "{seen:?}");
    let log = captured.text();
    let reason = "service connection error: FLAP frame starts with 0x00 instead of 0x2A";
    assert!(log.contains(reason), "no reason logged:\n{log}");
    // The main session is alive: its BOS connection asks for the room again and the room works.
    let (_, seen) = wait_for(&mut alice, "alice back in", |e| {
        matches!(room_event(e), Some(RoomEvent::Joined { .. }))
    })
    .await;
    assert!(!seen.iter().any(|e| matches!(e, Event::Disconnected(_))), "{seen:?}");
    alice.commands.send(Command::SignOff).unwrap();
    expect(&mut alice, "signed off", |e| matches!(e, Event::Disconnected(_))).await;
}
