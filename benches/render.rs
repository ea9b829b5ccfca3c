//! One frame of the TUI with a 100,000-message conversation and 1,000 buddies, and one with a
//! chat room of 1,000 occupants and 100,000 messages.
//!
//! The budget is one millisecond per frame: only the visible rows are laid out, whatever the
//! size of the conversation or the list.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

#[path = "common/frame.rs"]
mod frame;
#[path = "common/room.rs"]
mod room;
use room::WORDS;

use std::time::{Duration, Instant, UNIX_EPOCH};

use criterion::{criterion_group, criterion_main, Criterion};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use flapjack::config::UiConfig;
use flapjack::screenname::ScreenName;
use flapjack::session::{Availability, Buddy, BuddyList, Event, Group, IncomingIm, Presence};
use flapjack::tui::conversation::Anchor;
use flapjack::tui::conversation::Clock;
use flapjack::tui::keymap::Keymap;
use flapjack::tui::App;

const MESSAGES: usize = 100_000;
const BUDDIES: usize = 1_000;
const OCCUPANTS: usize = 1_000;

/// An App signed on as `account`, of the given size, with 1,000 buddies in 20 groups, a quarter each online,
/// away, idle and offline.
fn app_with_buddies(account: &str, width: u16, height: u16) -> App {
    let mut app =
        App::new(account, Keymap::default(), UiConfig::default()).with_clock(Clock::utc());
    app.resize(width, height);
    let now = Instant::now();
    let groups = (0..20)
        .map(|g| Group {
            name: format!("Group {g}"),
            buddies: (0..BUDDIES / 20)
                .map(|b| Buddy {
                    name: ScreenName::from_wire(&format!("buddy{g}x{b}")),
                    alias: None,
                    awaiting_auth: false,
                })
                .collect(),
        })
        .collect();
    app.handle_event(Event::SignedOn { screen_name: ScreenName::from_wire(account) }, now);
    app.handle_event(Event::BuddyList(BuddyList { groups }), now);
    for i in 0..BUDDIES {
        let availability = match i % 4 {
            0 => Availability::Online,
            1 => Availability::Away,
            2 => Availability::Idle,
            _ => Availability::Offline,
        };
        let name =
            ScreenName::from_wire(&format!("buddy{}x{}", i / (BUDDIES / 20), i % (BUDDIES / 20)));
        app.handle_event(
            Event::Presence(Presence {
                name,
                availability,
                idle_minutes: None,
                signed_on_at: None,
                warning_percent: 0,
                away_message: None,
                status: None,
            }),
            now,
        );
    }
    app
}

/// An App with 1,000 buddies in 20 groups and one open chat holding 100,000 messages of
/// varied lengths (some wrap over several rows).
fn big_app(width: u16, height: u16) -> App {
    let mut app = app_with_buddies("Me", width, height);
    let now = Instant::now();
    let peer = ScreenName::from_wire("buddy0x0");
    app.open_chat(&peer);
    let chat = app.chats.iter_mut().find(|c| c.peer == peer);
    if let Some(chat) = chat {
        for i in 0..MESSAGES {
            let len = 10 + (i * 37) % 200;
            let text: String = WORDS.chars().cycle().take(len).collect();
            let kind =
                flapjack::tui::conversation::LineKind::Incoming { auto: false, offline: false };
            let time = UNIX_EPOCH + Duration::from_secs(1_700_000_000 + i as u64);
            chat.push(flapjack::tui::conversation::ChatLine::new(time, kind, &text));
        }
    }
    // One more through the normal path, so the state is what a live session produces.
    app.handle_event(
        Event::ImReceived(IncomingIm {
            from: peer,
            text: "the newest message".into(),
            time: UNIX_EPOCH + Duration::from_secs(1_800_000_000),
            auto_response: false,
            offline: false,
        }),
        now,
    );
    app
}

/// The App of [`app_with_buddies`] in one open room: 1,000 occupants (names of 2 to 25
/// characters, so some are cut to the list's width; ourselves among them) and 100,000 messages
/// of 10–210 characters from 1,000 senders, every 50th naming us (highlighted; our name is
/// not in the filler words, which "Me" would be). Everything goes through `App::handle_event`
/// as the session's room events would.
fn room_app(width: u16, height: u16) -> App {
    const OWN: &str = "Flappy Jack";
    let mut app = app_with_buddies(OWN, width, height);
    let now = Instant::now();
    room::fill_room(&mut app, OWN, OCCUPANTS, MESSAGES, now);
    assert_eq!(app.active_room().map(|r| r.occupants.len()), Some(OCCUPANTS));
    assert!(app.active_chat().is_some_and(|c| c.lines.len() > MESSAGES));
    app
}

fn bench_frame(c: &mut Criterion) {
    for (w, h) in [(200u16, 50u16), (80, 24)] {
        frame::bench_draw(
            c,
            &format!("frame_{w}x{h}_100k_messages_1k_buddies"),
            &big_app(w, h),
            w,
            h,
        );
    }
}

/// The same, scrolled up to the middle of the conversation with the buddy list's selection
/// near its end: the cost must not grow with the distance from the bottom.
fn bench_scrolled(c: &mut Criterion) {
    let mut app = big_app(200, 50);
    let now = Instant::now();
    app.handle_key(KeyEvent::new(KeyCode::End, KeyModifiers::NONE), now);
    if let Some(chat) = app.chats.first_mut() {
        chat.scroll = Some(Anchor { msg: MESSAGES / 2, skip: 0 });
    }
    frame::bench_draw(c, "frame_200x50_scrolled_to_middle", &app, 200, 50);
}

/// One frame of the room of [`room_app`]: the messages, the occupant list beside them (shown
/// at both sizes: 80×24 leaves the conversation 58 columns) and the room's tab.
fn bench_room(c: &mut Criterion) {
    for (w, h) in [(200u16, 50u16), (80, 24)] {
        frame::bench_draw(
            c,
            &format!("room_frame_{w}x{h}_100k_messages_1k_occupants"),
            &room_app(w, h),
            w,
            h,
        );
    }
}

criterion_group!(benches, bench_frame, bench_scrolled, bench_room);
criterion_main!(benches);
