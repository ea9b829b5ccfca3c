//! One frame of the TUI with a 100,000-message conversation and 1,000 buddies.
//!
//! The budget is one millisecond per frame: only the visible rows are laid out, whatever the
//! size of the conversation or the list.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

use std::hint::black_box;
use std::time::{Duration, Instant, UNIX_EPOCH};

use criterion::{criterion_group, criterion_main, Criterion};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use flapjack::config::UiConfig;
use flapjack::screenname::ScreenName;
use flapjack::session::{Availability, Buddy, BuddyList, Event, Group, IncomingIm, Presence};
use flapjack::tui::conversation::Anchor;
use flapjack::tui::conversation::Clock;
use flapjack::tui::keymap::Keymap;
use flapjack::tui::{ui, App};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

const MESSAGES: usize = 100_000;
const BUDDIES: usize = 1_000;

/// An App with 1,000 buddies in 20 groups and one open chat holding 100,000 messages of
/// varied lengths (some wrap over several rows).
fn big_app(width: u16, height: u16) -> App {
    let mut app = App::new("Me", Keymap::default(), UiConfig::default()).with_clock(Clock::utc());
    app.resize(width, height);
    let now = Instant::now();
    let groups = (0..20)
        .map(|g| Group {
            name: format!("Group {g}"),
            buddies: (0..BUDDIES / 20)
                .map(|b| Buddy {
                    name: ScreenName::from_wire(&format!("buddy{g}x{b}")),
                    alias: None,
                })
                .collect(),
        })
        .collect();
    app.handle_event(Event::SignedOn { screen_name: ScreenName::from_wire("Me") }, now);
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
    let peer = ScreenName::from_wire("buddy0x0");
    app.open_chat(&peer);
    let words = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor";
    let chat = app.chats.iter_mut().find(|c| c.peer == peer);
    if let Some(chat) = chat {
        for i in 0..MESSAGES {
            let len = 10 + (i * 37) % 200;
            let text: String = words.chars().cycle().take(len).collect();
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

fn bench_frame(c: &mut Criterion) {
    for (w, h) in [(200u16, 50u16), (80, 24)] {
        let app = big_app(w, h);
        let mut terminal = match Terminal::new(TestBackend::new(w, h)) {
            Ok(t) => t,
            Err(e) => panic!("terminal: {e}"),
        };
        c.bench_function(&format!("frame_{w}x{h}_100k_messages_1k_buddies"), |b| {
            b.iter(|| {
                let frame = terminal.draw(|f| ui::draw(f, black_box(&app)));
                black_box(frame.is_ok())
            })
        });
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
    let mut terminal = match Terminal::new(TestBackend::new(200, 50)) {
        Ok(t) => t,
        Err(e) => panic!("terminal: {e}"),
    };
    c.bench_function("frame_200x50_scrolled_to_middle", |b| {
        b.iter(|| {
            let frame = terminal.draw(|f| ui::draw(f, black_box(&app)));
            black_box(frame.is_ok())
        })
    });
}

criterion_group!(benches, bench_frame, bench_scrolled);
criterion_main!(benches);
