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
