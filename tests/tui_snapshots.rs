//! Whole-screen snapshots of the TUI rendered into ratatui's `TestBackend`.
//!
//! Times are shown in UTC and our own messages are stamped with a fixed time, so the snapshots
//! are stable. Each test also checks that no cell holds a control character.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

mod tui_common;

use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use flapjack::session::{
    Availability, Buddy, BuddyList, DisconnectReason, Event, Group, IcqStatus, ImFailure,
    IncomingIm, NetworkError, SignOnFailure, SignOnStep, TypingState, UserInfo,
};
use flapjack::text::is_dangerous;
use flapjack::tui::{ui, App};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use tui_common::*;

/// Draws the app at its size and returns the terminal, after checking every cell is harmless.
fn render(app: &App) -> Terminal<TestBackend> {
    let size = app.size();
    let mut terminal = match Terminal::new(TestBackend::new(size.width, size.height)) {
        Ok(t) => t,
        Err(e) => panic!("terminal: {e}"),
    };
    if let Err(e) = terminal.draw(|f| ui::draw(f, app)) {
        panic!("draw: {e}");
    }
    for cell in terminal.backend().buffer().content() {
        assert!(
            !cell.symbol().chars().any(is_dangerous),
            "control character in cell {:?}",
            cell.symbol()
        );
    }
    terminal
}

/// The status bar as text: one row, or the rows it wraps onto.
fn status_row(app: &App) -> String {
    status_rows(app).join("\n")
}

fn open_chat(app: &mut App, name: &str, now: Instant) {
    type_text(app, &format!("/msg {name}"), now);
    app.handle_key(key(KeyCode::Enter), now);
}

#[test]
fn buddy_list_with_groups_states_and_unread_counts() {
    let now = Instant::now();
    let mut app = app();
    populated(&mut app, now);
    open_chat(&mut app, "Alice", now);
    feed(
        &mut app,
        vec![im("Bob", "are you there?", 60), im("Bob", "hello??", 61), im("Erin", "call mom", 62)],
        now,
    );
    feed(&mut app, vec![Event::Typing { from: sn("Carol"), state: TypingState::Typing }], now);
    // Fold "Work": focus the list, go to its heading, fold.
    app.handle_key(key(KeyCode::Tab), now);
    app.handle_key(key(KeyCode::Home), now);
    for _ in 0..5 {
        app.handle_key(key(KeyCode::Down), now);
    }
    app.handle_key(key(KeyCode::Char(' ')), now);
    insta::assert_snapshot!(render(&app).backend());
}

#[test]
fn conversation_with_wrapping_timestamps_auto_reply_and_failure() {
    let now = Instant::now();
    let mut app = app();
    populated(&mut app, now);
    open_chat(&mut app, "Bob", now);
    feed(
        &mut app,
        vec![
            im("Bob", "hey! did you see the new flapjack build? it renders a hundred thousand messages without breaking a sweat, which is more than I can say for my old laptop", 0),
            im("Bob", "multi-line\n  indented second line\nthird", 30),
        ],
        now,
    );
    type_text(&mut app, "nice, trying it now", now);
    app.handle_key(key(KeyCode::Enter), now);
    feed(
        &mut app,
        vec![Event::ImAcked { id: 1, delivery: flapjack::session::Delivery::Online }],
        now,
    );
    type_text(&mut app, "are you still there?", now);
    app.handle_key(key(KeyCode::Enter), now);
    feed(&mut app, vec![Event::ImFailed { id: 2, reason: ImFailure::RecipientOffline }], now);
    type_text(&mut app, "queued one", now);
    app.handle_key(key(KeyCode::Enter), now);
    feed(
        &mut app,
        vec![
            Event::ImQueued { id: 3 },
            Event::ImReceived(IncomingIm {
                from: sn("Bob"),
                text: "Out to lunch".into(),
                time: at(700),
                auto_response: true,
                offline: false,
            }),
            Event::Typing { from: sn("Bob"), state: TypingState::Typing },
        ],
        now,
    );
    type_text(&mut app, "draft", now);
    insta::assert_snapshot!(render(&app).backend());
}

#[test]
fn delivered_stored_and_accepted_marks_differ() {
    use flapjack::session::Delivery as Sent;
    let now = Instant::now();
    let mut app = app();
    populated(&mut app, now);
    open_chat(&mut app, "Dave", now);
    for (id, text) in [(1, "you there?"), (2, "call me when you're back"), (3, "no idea")] {
        type_text(&mut app, text, now);
        app.handle_key(key(KeyCode::Enter), now);
        let delivery = [Sent::Online, Sent::StoredOffline, Sent::Accepted][id as usize - 1];
        feed(&mut app, vec![Event::ImAcked { id, delivery }], now);
    }
    let screen = render(&app);
    let text = format!("{:?}", screen.backend());
    assert!(text.contains("you there? ✓"), "delivered");
    assert!(text.contains("call me when you're back ✉"), "stored");
    insta::assert_snapshot!(screen.backend());
}

#[test]
fn help_overlay() {
    let now = Instant::now();
    let mut app = app();
    populated(&mut app, now);
    app.handle_key(key(KeyCode::Char('?')), now);
    insta::assert_snapshot!("help_80x24", render(&app).backend());
    app.resize(100, 96);
    insta::assert_snapshot!("help_full", render(&app).backend());
}

#[test]
fn a_failed_sign_on_says_why_in_full_however_narrow() {
    let now = Instant::now();
    let mut app = app();
    app.resize(60, 16);
    let cause = "clientLogin: could not reach the server: invalid peer certificate: \
                 certificate not valid for name \"login.example.net\"; it is valid for \
                 \"*.elsewhere.example\" only";
    let reason = DisconnectReason::Network(NetworkError::Transport(cause.into()));
    for state in [
        Event::Reconnecting { attempt: 3, delay: Duration::from_secs(4), reason: reason.clone() },
        Event::Disconnected(reason.clone()),
    ] {
        feed(&mut app, vec![state], now);
        let screen = render(&app);
        let buffer = screen.backend().buffer();
        // The conversation pane starts at the top-left corner on the second row.
        let row = |y: u16| -> Vec<String> {
            (0..buffer.area.width).map(|x| buffer[(x, y)].symbol().to_string()).collect()
        };
        let x0 = row(1).iter().position(|c| c == "┌").unwrap();
        let pane: String = (1..buffer.area.height - 2)
            .map(|y| row(y)[x0..].concat().replace(['│', '┌', '┐', '└', '┘', '─'], " "))
            .collect::<Vec<_>>()
            .join(" ");
        let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(words(&pane).contains(&words(cause)), "cut off: {pane}");
    }
    insta::assert_snapshot!(render(&app).backend());
}

#[test]
fn buddy_list_shows_icq_status_marks_and_the_chat_title_names_the_status() {
    let now = Instant::now();
    let mut app = app();
    let buddies = ["111111", "222222", "333333", "444444", "555555", "666666", "777777"];
    let mut events = vec![
        Event::SignedOn { screen_name: sn("123456") },
        buddy_list(&[("ICQ", &buddies), ("AIM", &["Bob"])]),
        presence("Bob", Availability::Away),
    ];
    for (name, status) in buddies.iter().zip(IcqStatus::ALL) {
        events.push(icq_presence(name, status));
    }
    feed(&mut app, events, now);
    open_chat(&mut app, "333333", now);
    // Our own status, once the server confirmed it, is in the status bar.
    feed(&mut app, vec![Event::StatusChanged(IcqStatus::Occupied)], now);
    insta::assert_snapshot!(render(&app).backend());
}

#[test]
fn status_bar_states() {
    let now = Instant::now();
    let mut app = app();
    let mut rows = vec![status_row(&app)];
    for step in [
        SignOnStep::Authenticating,
        SignOnStep::ConnectingBos,
        SignOnStep::Negotiating,
        SignOnStep::LoadingBuddyList,
    ] {
        feed(&mut app, vec![Event::SignOnProgress(step)], now);
        rows.push(status_row(&app));
    }
    feed(&mut app, vec![Event::SignedOn { screen_name: sn("Me") }], now);
    rows.push(status_row(&app));
    feed(&mut app, vec![Event::AwayChanged(Some("Out to lunch\x1b[5m".into()))], now);
    rows.push(status_row(&app));
    feed(&mut app, vec![Event::Motd(" Server maintenance at 22:00".into())], now);
    rows.push(status_row(&app));
    feed(
        &mut app,
        vec![Event::Reconnecting {
            attempt: 2,
            delay: Duration::from_secs(8),
            reason: DisconnectReason::Network(NetworkError::Transport("connection reset".into())),
        }],
        now,
    );
    rows.push(status_row(&app));
    feed(&mut app, vec![Event::Disconnected(DisconnectReason::SignedOnElsewhere)], now);
    rows.push(status_row(&app));
    feed(
        &mut app,
        vec![Event::Disconnected(DisconnectReason::AuthFailed(SignOnFailure::Http(
            "incorrect password (330/3011)".into(),
        )))],
        now,
    );
    rows.push(status_row(&app));
    insta::assert_snapshot!(rows.join("\n"));
}

#[test]
fn hostile_strings_render_harmlessly() {
    let now = Instant::now();
    let mut app = app();
    let evil = "Evil\x1b[31mRed\x07";
    feed(
        &mut app,
        vec![
            Event::SignedOn { screen_name: sn("Me") },
            Event::BuddyList(BuddyList {
                groups: vec![Group {
                    name: "Grp\x1b]0;owned\x07".into(),
                    buddies: vec![
                        Buddy { name: sn(evil), alias: None, awaiting_auth: false },
                        Buddy { name: sn("alias"), alias: Some("\u{202e}gnp.exe\u{9b}2J".into()), awaiting_auth: false },
                    ],
                }],
            }),
            presence(evil, Availability::Online),
            Event::ImReceived(IncomingIm {
                from: sn(evil),
                text: "title\x1b]0;pwned\x07 clear\x1b[2J c1\u{9b}31m bidi\u{202e}txt.exe\u{2066} nul\0 del\x7f tab\there\r\nnext".into(),
                time: at(5),
                auto_response: false,
                offline: false,
            }),
        ],
        now,
    );
    let screen = render(&app);
    insta::assert_snapshot!(screen.backend());
    let text: String = screen.backend().buffer().content().iter().map(|c| c.symbol()).collect();
    assert!(text.contains("Evil␛[31mRed␇"), "{text}");
    assert!(text.contains("title␛]0;pwned␇"), "{text}");
}

#[test]
fn scrolled_up_with_new_messages_below_and_search_highlight() {
    let now = Instant::now();
    let mut app = app();
    populated(&mut app, now);
    open_chat(&mut app, "Alice", now);
    feed(
        &mut app,
        (0..60).map(|i| im("Alice", &format!("message number {i}"), i * 60)).collect(),
        now,
    );
    app.handle_key(ctrl('f'), now);
    type_text(&mut app, "number 3", now);
    insta::assert_snapshot!("search_prompt", render(&app).backend());
    app.handle_key(key(KeyCode::Enter), now);
    feed(&mut app, vec![im("Alice", "a new one", 4000), im("Alice", "and another", 4001)], now);
    let screen = render(&app);
    insta::assert_snapshot!("search_match_new_below", screen.backend());
    // The current match (message 39) is highlighted, and only there.
    let buf = screen.backend().buffer();
    let highlighted: Vec<String> = (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .filter(|&x| {
                    buf[(x, y)].bg == ratatui::style::Color::Yellow
                        && buf[(x, y)].fg == ratatui::style::Color::Black
                })
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .filter(|s| !s.is_empty())
        .collect();
    assert_eq!(highlighted.first().map(String::as_str), Some("number 3"), "{highlighted:?}");
}

#[test]
fn info_overlay_and_empty_states() {
    let now = Instant::now();
    let mut app = app();
    insta::assert_snapshot!("starting", render(&app).backend());
    populated(&mut app, now);
    feed(
        &mut app,
        vec![Event::UserInfo(UserInfo {
            name: sn("Bob"),
            profile: Some("I like long walks on the beach\nand <b>bold</b> text\x1b[H".into()),
            away_message: Some("Out to lunch".into()),
            idle_minutes: Some(12),
            signed_on_at: Some(at(0)),
            warning_percent: 10,
        })],
        now,
    );
    insta::assert_snapshot!("info", render(&app).backend());
}

#[test]
fn resizes_cleanly() {
    let now = Instant::now();
    let mut app = app();
    populated(&mut app, now);
    open_chat(&mut app, "Bob", now);
    feed(
        &mut app,
        vec![im(
            "Bob",
            "a message long enough to wrap differently at each of the sizes used here",
            0,
        )],
        now,
    );
    app.resize(120, 30);
    insta::assert_snapshot!("wide_120x30", render(&app).backend());
    app.resize(40, 10);
    insta::assert_snapshot!("tiny_40x10", render(&app).backend());
    app.resize(1, 1);
    render(&app);
    app.resize(u16::MAX, 3);
    render(&app);
}

#[test]
fn info_overlay_shows_the_profile_after_a_long_away_message() {
    let now = Instant::now();
    let mut app = app();
    populated(&mut app, now);
    let away = "gone fishing, back whenever the fish stop biting ".repeat(4);
    feed(
        &mut app,
        vec![Event::UserInfo(UserInfo {
            name: sn("Bob"),
            profile: Some("first profile line\nlast profile line".into()),
            away_message: Some(away),
            idle_minutes: None,
            signed_on_at: None,
            warning_percent: 0,
        })],
        now,
    );
    let t = render(&app);
    let buf = t.backend().buffer();
    let rows: Vec<String> = (0..buf.area.height)
        .map(|y| (0..buf.area.width).map(|x| buf[(x, y)].symbol().to_string()).collect())
        .collect();
    assert!(rows.iter().any(|r| r.contains("last profile line")), "{rows:#?}");
}

/// The "no keyring" note given at start is shown once, in the status bar, until the next
/// notice replaces it.
#[test]
fn a_start_notice_shows_in_the_status_bar() {
    let note = "note: no keyring available (no session bus); signing on without keeping a token";
    let mut app = app().with_notice(note);
    app.resize(100, 20);
    let terminal = render(&app);
    let screen: String = terminal
        .backend()
        .buffer()
        .content()
        .chunks(100)
        .map(|row| row.iter().map(|c| c.symbol()).collect::<String>() + "\n")
        .collect();
    assert!(screen.contains("note: no keyring available"), "{screen}");
    assert_eq!(screen.matches("no keyring").count(), 1, "{screen}");
}

#[test]
fn input_counter_near_and_over_the_im_limit() {
    let mut app = app();
    let now = Instant::now();
    app.handle_event(Event::ImLimit { max_bytes: 512 }, now);
    open_chat(&mut app, "Bob", now);
    type_text(&mut app, "short", now);
    assert_eq!(ui::input_counter(&app), None, "far from the limit: no counter");
    // 400 ASCII characters plus the HTML wrapper and fragment headers: past 80 % of 512.
    type_text(&mut app, &" pancakes".repeat(44), now);
    insta::assert_snapshot!("counter_near_limit", render(&app).backend());
    // Past the limit, emoji (which make the IM UCS-2) and all: it will go out as several IMs.
    type_text(&mut app, &" 👨\u{200D}👩\u{200D}👧 syrup".repeat(10), now);
    let counter = ui::input_counter(&app).unwrap();
    assert!(counter.ends_with("· 2 IMs"), "{counter}");
    insta::assert_snapshot!("counter_over_limit", render(&app).backend());
}
