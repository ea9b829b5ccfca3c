//! Property test: any sequence of keys, pastes, clicks, resizes, timer ticks and session events
//! (with hostile strings) leaves the App drawable without a panic and without a control
//! character reaching any cell.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

mod tui_common;

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use flapjack::session::{
    Availability, BuddyListError, Delivery, DisconnectReason, Event, FeedbagAction, FeedbagError,
    FeedbagFailure, ImFailure, IncomingIm, NetworkError, SignOnFailure, SignOnStep, TypingState,
    UserInfo,
};
use flapjack::text::is_dangerous;
use flapjack::tui::ui;
use proptest::prelude::*;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use tui_common::*;

#[derive(Debug, Clone)]
enum Op {
    Key(KeyCode, KeyModifiers),
    Paste(String),
    Click(u16, u16),
    Wheel(bool, u16, u16),
    Resize(u16, u16),
    Tick(u64),
    Event(Event),
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Alice".to_string()),
        Just("Bob".to_string()),
        Just("Evil\u{1b}[2J\u{7}".to_string()),
        "[a-zA-Z \u{202e}\u{9b}\u{1b}]{1,12}",
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), "[a-z \n\t\u{1b}\u{7}\u{202e}\u{9b}]{0,300}"]
}

fn key_code() -> impl Strategy<Value = KeyCode> {
    prop_oneof![
        any::<char>().prop_map(KeyCode::Char),
        "[a-zA-Z/?njkgGhl 1-9]".prop_map(|s| KeyCode::Char(s.chars().next().unwrap_or('a'))),
        Just(KeyCode::Enter),
        Just(KeyCode::Esc),
        Just(KeyCode::Tab),
        Just(KeyCode::BackTab),
        Just(KeyCode::Backspace),
        Just(KeyCode::Delete),
        Just(KeyCode::Up),
        Just(KeyCode::Down),
        Just(KeyCode::Left),
        Just(KeyCode::Right),
        Just(KeyCode::Home),
        Just(KeyCode::End),
        Just(KeyCode::PageUp),
        Just(KeyCode::PageDown),
        Just(KeyCode::F(1)),
    ]
}

fn mods() -> impl Strategy<Value = KeyModifiers> {
    prop_oneof![
        4 => Just(KeyModifiers::NONE),
        1 => Just(KeyModifiers::CONTROL),
        1 => Just(KeyModifiers::ALT),
        1 => Just(KeyModifiers::SHIFT),
    ]
}

fn event() -> impl Strategy<Value = Event> {
    let availability = prop_oneof![
        Just(Availability::Online),
        Just(Availability::Away),
        Just(Availability::Idle),
        Just(Availability::Offline)
    ];
    prop_oneof![
        (name(), text(), any::<bool>(), 0u64..100_000).prop_map(|(from, text, auto, secs)| {
            Event::ImReceived(IncomingIm {
                from: sn(&from),
                text,
                time: at(secs),
                auto_response: auto,
                offline: false,
            })
        }),
        (name(), availability).prop_map(|(n, a)| presence(&n, a)),
        (name(), name(), name()).prop_map(|(a, b, g)| {
            let groups = vec![g.clone(), "Buddies".to_string()];
            Event::BuddyList(flapjack::session::BuddyList {
                groups: groups
                    .into_iter()
                    .map(|g| flapjack::session::Group {
                        name: g,
                        buddies: vec![
                            flapjack::session::Buddy {
                                name: sn(&a),
                                alias: Some(b.clone()),
                                awaiting_auth: false,
                            },
                            flapjack::session::Buddy {
                                name: sn("Alice"),
                                alias: None,
                                awaiting_auth: false,
                            },
                        ],
                    })
                    .collect(),
            })
        }),
        (
            name(),
            prop_oneof![
                Just(TypingState::Typing),
                Just(TypingState::Paused),
                Just(TypingState::Finished)
            ]
        )
            .prop_map(|(from, state)| Event::Typing { from: sn(&from), state }),
        (1u64..6, 0..3u8).prop_map(|(id, d)| Event::ImAcked {
            id,
            delivery: [Delivery::Online, Delivery::StoredOffline, Delivery::Accepted]
                [usize::from(d)],
        }),
        (1u64..6).prop_map(|id| Event::ImSent { id }),
        (1u64..6).prop_map(|id| Event::ImQueued { id }),
        (1u64..6, any::<u16>())
            .prop_map(|(id, c)| Event::ImFailed { id, reason: ImFailure::Server(c) }),
        (name(), text()).prop_map(|(n, t)| Event::UserInfo(UserInfo {
            name: sn(&n),
            profile: Some(t.clone()),
            away_message: Some(t),
            idle_minutes: Some(3),
            signed_on_at: Some(at(0)),
            warning_percent: 5
        })),
        text().prop_map(|t| Event::AwayChanged(Some(t))),
        text().prop_map(Event::Motd),
        (name(), text()).prop_map(|(n, g)| Event::BuddyListError(BuddyListError {
            action: FeedbagAction::AddBuddy { name: sn(&n), group: g.clone() },
            failure: FeedbagFailure::Planned(FeedbagError::GroupExists { group: g }),
        })),
        (name(), any::<u16>()).prop_map(|(n, c)| Event::MissedIms {
            from: sn(&n),
            count: c,
            reason: c.into()
        }),
        (name(), any::<u16>())
            .prop_map(|(n, p)| Event::Warned { level_percent: p, by: Some(sn(&n)) }),
        Just(Event::SignOnProgress(SignOnStep::Negotiating)),
        name().prop_map(|n| Event::SignedOn { screen_name: sn(&n) }),
        text().prop_map(|t| Event::Reconnecting {
            attempt: 1,
            delay: Duration::from_secs(3),
            reason: DisconnectReason::Network(NetworkError::Transport(t))
        }),
        text().prop_map(|t| Event::Disconnected(DisconnectReason::AuthFailed(
            SignOnFailure::Http(t)
        ))),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => (key_code(), mods()).prop_map(|(k, m)| Op::Key(k, m)),
        1 => text().prop_map(Op::Paste),
        1 => (0u16..120, 0u16..40).prop_map(|(x, y)| Op::Click(x, y)),
        1 => (any::<bool>(), 0u16..120, 0u16..40).prop_map(|(u, x, y)| Op::Wheel(u, x, y)),
        1 => (1u16..130, 1u16..45).prop_map(|(w, h)| Op::Resize(w, h)),
        1 => (0u64..60).prop_map(Op::Tick),
        6 => event().prop_map(Op::Event),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn anything_goes_and_nothing_breaks(ops in proptest::collection::vec(op(), 1..60)) {
        let mut app = app();
        let mut now = Instant::now();
        populated(&mut app, now);
        for op in ops {
            match op {
                Op::Key(code, m) => {
                    app.handle_key(KeyEvent::new(code, m), now);
                }
                Op::Paste(t) => {
                    app.handle_paste(&t, now);
                }
                Op::Click(x, y) => {
                    app.handle_mouse(MouseEvent { kind: MouseEventKind::Down(MouseButton::Left), column: x, row: y, modifiers: KeyModifiers::NONE });
                }
                Op::Wheel(up, x, y) => {
                    let kind = if up { MouseEventKind::ScrollUp } else { MouseEventKind::ScrollDown };
                    app.handle_mouse(MouseEvent { kind, column: x, row: y, modifiers: KeyModifiers::NONE });
                }
                Op::Resize(w, h) => app.resize(w, h),
                Op::Tick(s) => {
                    now += Duration::from_secs(s);
                    app.tick(now);
                }
                Op::Event(e) => {
                    app.handle_event(e, now);
                }
            }
            let size = app.size();
            let mut terminal = Terminal::new(TestBackend::new(size.width, size.height)).unwrap_or_else(|e| match e {});
            terminal.draw(|f| ui::draw(f, &app)).unwrap_or_else(|e| match e {});
            for cell in terminal.backend().buffer().content() {
                prop_assert!(!cell.symbol().chars().any(is_dangerous), "control char in {:?}", cell.symbol());
            }
        }
    }
}
