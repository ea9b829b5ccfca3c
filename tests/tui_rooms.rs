//! Chat rooms in the TUI (issue 15): `/join`, `/leave`, `/invite`, `/names`, `/accept`,
//! `/decline`, rooms auto-joined from `[ui] rooms`, unread counts, mentions that ring and are
//! highlighted, "sent" marks, and a snapshot of a room with occupants and hostile names.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

mod tui_common;

use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use flapjack::config::UiConfig;
use flapjack::oscar::chat::RoomRef;
use flapjack::session::{Command, Event, RoomEvent, RoomInvitation};
use flapjack::text::is_dangerous;
use flapjack::tui::conversation::{Delivery, LineKind};
use flapjack::tui::{Action, App};
use tui_common::*;

fn room(e: RoomEvent) -> Event {
    Event::Room(e)
}

fn joined(name: &str, occupants: &[&str]) -> Event {
    room(RoomEvent::Joined {
        room: name.into(),
        occupants: occupants.iter().map(|n| sn(n)).collect(),
    })
}

fn said(name: &str, from: &str, text: &str) -> Event {
    room(RoomEvent::Message { room: name.into(), from: sn(from), text: text.into() })
}

fn command(app: &mut App, line: &str, now: Instant) -> Vec<Action> {
    let mut actions = type_text(app, line, now);
    actions.extend(app.handle_key(key(KeyCode::Enter), now));
    actions
}

fn invitation(room: &str) -> RoomInvitation {
    RoomInvitation {
        from: sn("Bob Bee"),
        room: room.into(),
        reference: RoomRef { exchange: 4, cookie: format!("4-0-{room}"), instance: 0 },
        message: Some("pancakes \u{1b}[2J now".into()),
        cookie: [7; 8],
    }
}

#[test]
fn join_talk_and_leave_a_room() {
    let now = Instant::now();
    let mut app = app();
    feed(&mut app, vec![Event::SignedOn { screen_name: sn("Me") }], now);
    let actions = command(&mut app, "/join Flapjack Lounge", now);
    assert_eq!(sends(&actions), [Command::JoinRoom { name: "Flapjack Lounge".into() }]);
    assert_eq!(
        app.active_room().map(|r| (r.name.as_str(), r.joined)),
        Some(("Flapjack Lounge", false))
    );
    feed(&mut app, vec![joined("flapjack lounge", &["ButterBot", "Me"])], now);
    assert_eq!(app.active_room().map(|r| r.occupants.len()), Some(2));

    // A message is pending until the session says it was written; typing sends no
    // notification to a room.
    let actions = command(&mut app, "hello room", now);
    assert_eq!(
        sends(&actions),
        [Command::SendRoom { room: "flapjack lounge".into(), text: "hello room".into() }]
    );
    let last = |app: &App| app.active_chat().unwrap().lines.last().unwrap().kind.clone();
    assert!(matches!(last(&app), LineKind::Outgoing { delivery: Delivery::Pending, .. }));
    feed(&mut app, vec![room(RoomEvent::Sent { room: "Flapjack Lounge".into() })], now);
    assert!(matches!(last(&app), LineKind::Outgoing { delivery: Delivery::Sent, .. }));

    // Comings and goings update the occupants.
    feed(
        &mut app,
        vec![
            room(RoomEvent::OccupantsJoined {
                room: "Flapjack Lounge".into(),
                names: vec![sn("Carol")],
            }),
            room(RoomEvent::OccupantsLeft {
                room: "Flapjack Lounge".into(),
                names: vec![sn("ButterBot")],
            }),
        ],
        now,
    );
    let names: Vec<String> =
        app.active_room().unwrap().occupants.iter().map(|n| n.as_str().to_string()).collect();
    assert_eq!(names, ["Me", "Carol"]);
    command(&mut app, "/names", now);
    assert_eq!(app.active_chat().unwrap().lines.last().unwrap().text, "in the room (2): Me, Carol");

    // /leave leaves and closes the tab.
    let actions = command(&mut app, "/leave", now);
    assert_eq!(sends(&actions), [Command::LeaveRoom { room: "flapjack lounge".into() }]);
    assert!(app.chats.is_empty());
    // Room commands elsewhere say where they work.
    assert!(sends(&command(&mut app, "/leave", now)).is_empty());
    assert!(app.notice.as_ref().unwrap().error);
}

#[test]
fn configured_rooms_are_joined_at_sign_on() {
    let now = Instant::now();
    let mut app = app_with(UiConfig {
        rooms: vec!["Griddle".into(), "  ".into(), "Flapjack Lounge".into()],
        ..UiConfig::default()
    });
    let actions = feed(&mut app, vec![Event::SignedOn { screen_name: sn("Me") }], now);
    assert_eq!(
        sends(&actions),
        [
            Command::JoinRoom { name: "Griddle".into() },
            Command::JoinRoom { name: "Flapjack Lounge".into() }
        ]
    );
    // The first room joined opens, as nothing else is on screen.
    feed(&mut app, vec![joined("Griddle", &["Me"])], now);
    assert_eq!(app.active_room().map(|r| r.name.as_str()), Some("Griddle"));
}

#[test]
fn unread_counts_and_mentions_follow_the_rules_for_ims() {
    let now = Instant::now();
    let mut app = app();
    feed(
        &mut app,
        vec![Event::SignedOn { screen_name: sn("Me") }, joined("Griddle", &["Me", "Bob"])],
        now,
    );
    feed(&mut app, vec![im("Alice", "hi", 1)], now);
    command(&mut app, "/msg Alice", now);
    let bells = |a: &[Action]| a.iter().filter(|x| **x == Action::Bell).count();
    // Not on screen: counted as unread; a plain line does not ring, one naming us does.
    assert_eq!(bells(&feed(&mut app, vec![said("Griddle", "Bob", "syrup?")], now)), 0);
    assert_eq!(bells(&feed(&mut app, vec![said("griddle", "Bob", "hey ME, syrup?")], now)), 1);
    // Rate-limited per room like IMs per chat.
    assert_eq!(bells(&feed(&mut app, vec![said("Griddle", "Bob", "me??")], now)), 0);
    let later = now + Duration::from_secs(60);
    assert_eq!(bells(&feed(&mut app, vec![said("Griddle", "Bob", "me!!")], later)), 1);
    let griddle = app.chats.iter().find(|c| c.room.is_some()).unwrap();
    assert_eq!(griddle.unread, 4);
    assert!(matches!(griddle.lines.last().unwrap().kind, LineKind::Room { mention: true, .. }));
    let plain = griddle.lines.iter().find(|l| l.text == "syrup?").unwrap();
    assert!(matches!(plain.kind, LineKind::Room { mention: false, .. }));
}

#[test]
fn invitations_are_accepted_or_declined() {
    let now = Instant::now();
    let mut app = app();
    feed(&mut app, vec![Event::SignedOn { screen_name: sn("Me") }], now);
    let actions = feed(&mut app, vec![room(RoomEvent::Invitation(invitation("Griddle")))], now);
    assert!(actions.contains(&Action::Bell));
    let notice = app.notice.clone().unwrap().text;
    assert!(notice.starts_with("Bob Bee invites you to Griddle"), "{notice}");
    assert!(!notice.chars().any(is_dangerous), "{notice:?}");
    feed(&mut app, vec![room(RoomEvent::Invitation(invitation("Skillet")))], now);
    // /decline names its room; /accept takes the one left.
    let actions = command(&mut app, "/decline skillet", now);
    assert_eq!(sends(&actions), [Command::DeclineInvitation(invitation("Skillet"))]);
    let actions = command(&mut app, "/accept", now);
    assert_eq!(sends(&actions), [Command::AcceptInvitation(invitation("Griddle"))]);
    assert_eq!(app.active_room().map(|r| r.name.as_str()), Some("Griddle"));
    assert!(sends(&command(&mut app, "/accept", now)).is_empty());
    assert_eq!(app.notice.clone().unwrap().text, "no invitation is waiting");
    // /invite from the room's tab.
    let actions = command(&mut app, "/invite Carol come  over", now);
    assert_eq!(
        sends(&actions),
        [Command::Invite {
            room: "Griddle".into(),
            to: sn("Carol"),
            message: Some("come over".into())
        }]
    );
}

#[test]
fn a_room_with_occupants_and_a_mention() {
    let now = Instant::now();
    let mut app = app();
    populated(&mut app, now);
    feed(
        &mut app,
        vec![
            Event::SignedOn { screen_name: sn("Me") },
            joined("Flapjack Lounge", &["ButterBot", "Evil\u{1b}]0;x\u{7}Eve", "Me"]),
            said("Flapjack Lounge", "ButterBot", "welcome to the lounge"),
            said("Flapjack Lounge", "Evil\u{1b}]0;x\u{7}Eve", "\u{1b}[2Jhey me, look \u{202e}here"),
        ],
        now,
    );
    command(&mut app, "/join Flapjack Lounge", now);
    command(&mut app, "pancakes all round", now);
    feed(&mut app, vec![room(RoomEvent::Sent { room: "Flapjack Lounge".into() })], now);
    let terminal = render(&app);
    // The mention is drawn in the highlight style.
    let buf = terminal.backend().buffer();
    let highlighted = (0..buf.area.height).any(|y| {
        (0..buf.area.width).any(|x| {
            let c = &buf[(x, y)];
            c.symbol() == "h" && c.style().fg == flapjack::tui::theme::mention().fg
        })
    });
    assert!(highlighted);
    insta::assert_snapshot!(terminal.backend());
}
