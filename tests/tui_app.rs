//! State-machine tests of the TUI's App: keys, events, timers and the actions they produce.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

mod tui_common;

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use flapjack::config::UiConfig;
use flapjack::session::{Command, Event, ImFailure, TypingState};
use flapjack::tui::app::{Focus, Overlay};
use flapjack::tui::conversation::{Delivery, LineKind};
use flapjack::tui::history::History;
use flapjack::tui::{sync_history, Action};
use tui_common::*;

#[test]
fn enter_on_a_buddy_opens_a_chat_and_sending_assigns_ids() {
    let now = Instant::now();
    let mut app = app();
    populated(&mut app, now);
    // Rows: Buddies heading, Alice, Bob, Carol (online first), Dave; the first buddy is selected
    // from the start, so Enter opens a chat at once.
    app.handle_key(key(KeyCode::Enter), now);
    assert_eq!(app.active_chat().map(|c| c.peer.as_str()), Some("Alice"));
    assert_eq!(app.focus, Focus::Input);
    let typed = type_text(&mut app, "hi", now);
    assert_eq!(sends(&typed), [Command::Typing { to: sn("Alice"), state: TypingState::Typing }]);
    let sent = app.handle_key(key(KeyCode::Enter), now);
    assert_eq!(
        sends(&sent),
        [
            Command::SendIm { id: 1, to: sn("Alice"), text: "hi".into() },
            Command::Typing { to: sn("Alice"), state: TypingState::Finished },
        ]
    );
    type_text(&mut app, "again", now);
    let sent = app.handle_key(key(KeyCode::Enter), now);
    assert!(matches!(sends(&sent).first(), Some(Command::SendIm { id: 2, .. })));
}

#[test]
fn delivery_progress_and_failure_with_retry() {
    let now = Instant::now();
    let mut app = app();
    populated(&mut app, now);
    type_text(&mut app, "/msg Bob", now);
    app.handle_key(key(KeyCode::Enter), now);
    type_text(&mut app, "ping", now);
    app.handle_key(key(KeyCode::Enter), now);
    let delivery = |app: &flapjack::tui::App| match app
        .active_chat()
        .and_then(|c| c.lines.last())
        .map(|l| &l.kind)
    {
        Some(LineKind::Outgoing { delivery, .. }) => Some(delivery.clone()),
        _ => None,
    };
    assert_eq!(delivery(&app), Some(Delivery::Pending));
    feed(&mut app, vec![Event::ImQueued { id: 1 }], now);
    assert_eq!(delivery(&app), Some(Delivery::Queued));
    feed(&mut app, vec![Event::ImSent { id: 1 }], now);
    assert_eq!(delivery(&app), Some(Delivery::Sent));
    feed(&mut app, vec![Event::ImFailed { id: 1, reason: ImFailure::RecipientOffline }], now);
    assert_eq!(delivery(&app), Some(Delivery::Failed(ImFailure::RecipientOffline)));
    // A stale progress report cannot undo the failure.
    feed(&mut app, vec![Event::ImSent { id: 1 }], now);
    assert_eq!(delivery(&app), Some(Delivery::Failed(ImFailure::RecipientOffline)));
    let retried = app.handle_key(alt(KeyCode::Char('r')), now);
    assert_eq!(sends(&retried), [Command::SendIm { id: 2, to: sn("Bob"), text: "ping".into() }]);
    assert_eq!(delivery(&app), Some(Delivery::Pending));
    feed(
        &mut app,
        vec![Event::ImAcked { id: 2, delivery: flapjack::session::Delivery::Online }],
        now,
    );
    assert_eq!(delivery(&app), Some(Delivery::Acked));
    assert!(sends(&app.handle_key(alt(KeyCode::Char('r')), now)).is_empty());
}

#[test]
fn typing_notifications_change_only_on_state_changes() {
    let start = Instant::now();
    let mut app = app();
    populated(&mut app, start);
    type_text(&mut app, "/msg Alice", start);
    app.handle_key(key(KeyCode::Enter), start);
    assert_eq!(app.next_deadline(), None, "an idle TUI needs no timer");
    let a = type_text(&mut app, "abc", start);
    assert_eq!(sends(&a).len(), 1);
    let deadline = app.next_deadline();
    assert_eq!(deadline, Some(start + Duration::from_secs(5)));
    assert!(app.tick(start + Duration::from_secs(4)).actions.is_empty());
    let paused = app.tick(start + Duration::from_secs(5)).actions;
    assert_eq!(sends(&paused), [Command::Typing { to: sn("Alice"), state: TypingState::Paused }]);
    assert_eq!(app.next_deadline(), None);
    let later = start + Duration::from_secs(6);
    assert_eq!(
        sends(&type_text(&mut app, "d", later)),
        [Command::Typing { to: sn("Alice"), state: TypingState::Typing }]
    );
    for _ in 0..3 {
        assert!(app.handle_key(key(KeyCode::Backspace), later).is_empty());
    }
    // This backspace clears the draft: finished, once.
    let clear = app.handle_key(key(KeyCode::Backspace), later);
    assert_eq!(sends(&clear), [Command::Typing { to: sn("Alice"), state: TypingState::Finished }]);
    assert!(app.handle_key(key(KeyCode::Backspace), later).is_empty());
    type_text(&mut app, "/away", later);
    assert!(app.chats.iter().all(|c| c.our_typing == TypingState::Finished));
}

#[test]
fn peer_typing_shows_and_expires() {
    let now = Instant::now();
    let mut app = app();
    populated(&mut app, now);
    feed(&mut app, vec![Event::Typing { from: sn("Alice"), state: TypingState::Typing }], now);
    assert!(app.typing.contains_key(&sn("alice")));
    assert_eq!(app.next_deadline(), Some(now + Duration::from_secs(30)));
    assert!(app.tick(now + Duration::from_secs(30)).redraw);
    assert!(app.typing.is_empty());
    feed(
        &mut app,
        vec![
            Event::Typing { from: sn("Alice"), state: TypingState::Typing },
            im("Alice", "hey", 1),
        ],
        now,
    );
    assert!(app.typing.is_empty(), "a message ends the typing indicator");
}

#[test]
fn unread_chats_ring_once_per_interval_and_keep_their_tab_numbers() {
    let now = Instant::now();
    let mut app = app();
    populated(&mut app, now);
    type_text(&mut app, "/msg Alice", now);
    app.handle_key(key(KeyCode::Enter), now);
    let bells = |a: &[Action]| a.iter().filter(|x| **x == Action::Bell).count();
    assert_eq!(bells(&feed(&mut app, vec![im("Alice", "looking at this", 1)], now)), 0);
    assert_eq!(bells(&feed(&mut app, vec![im("Bob", "one", 2)], now)), 1);
    assert_eq!(bells(&feed(&mut app, vec![im("Bob", "two", 3)], now + Duration::from_secs(4))), 0);
    assert_eq!(
        bells(&feed(&mut app, vec![im("Bob", "three", 4)], now + Duration::from_secs(5))),
        1
    );
    assert_eq!(bells(&feed(&mut app, vec![im("Carol", "hi", 5)], now + Duration::from_secs(5))), 1);
    let names = |app: &flapjack::tui::App| -> Vec<String> {
        app.chat_order()
            .iter()
            .filter_map(|&i| app.chats.get(i))
            .map(|c| format!("{}:{}", c.peer.as_str(), c.unread))
            .collect()
    };
    // Tabs keep the order they were opened in: unread is marked, never moved.
    assert_eq!(names(&app), ["Alice:0", "Bob:3", "Carol:1"]);
    feed(
        &mut app,
        vec![im("Carol", "more", 6), im("Carol", "more", 7)],
        now + Duration::from_secs(60),
    );
    assert_eq!(names(&app), ["Alice:0", "Bob:3", "Carol:3"]);
    // alt-2 always reaches the second tab: Bob, now read, still second.
    app.handle_key(alt(KeyCode::Char('2')), now);
    assert_eq!(names(&app), ["Alice:0", "Bob:0", "Carol:3"]);
    assert!(app.is_active(&sn("Bob")));
    app.handle_key(alt(KeyCode::Char('3')), now);
    assert!(app.is_active(&sn("Carol")));
}

#[test]
fn bell_can_be_turned_off() {
    let now = Instant::now();
    let mut app = app_with(UiConfig { bell: false, ..UiConfig::default() });
    populated(&mut app, now);
    type_text(&mut app, "/msg Alice", now);
    app.handle_key(key(KeyCode::Enter), now);
    assert!(!feed(&mut app, vec![im("Bob", "one", 2)], now).contains(&Action::Bell));
}

#[test]
fn commands_become_session_commands() {
    let now = Instant::now();
    let mut app = app();
    populated(&mut app, now);
    let run = |app: &mut flapjack::tui::App, line: &str| {
        type_text(app, line, now);
        sends(&app.handle_key(key(KeyCode::Enter), now))
    };
    assert_eq!(
        run(&mut app, "/away gone fishing"),
        [Command::SetAway(Some("gone fishing".into()))]
    );
    assert!(matches!(run(&mut app, "/away").as_slice(), [Command::SetAway(Some(_))]));
    assert_eq!(run(&mut app, "/back"), [Command::SetAway(None)]);
    assert_eq!(
        run(&mut app, "/add Zed"),
        [Command::AddBuddy { name: sn("zed"), group: "Buddies".into() }]
    );
    assert_eq!(
        run(&mut app, "/add \"Zed Two\" Old Friends"),
        [Command::AddBuddy { name: sn("zedtwo"), group: "Old Friends".into() }]
    );
    assert_eq!(run(&mut app, "/remove Zed"), [Command::RemoveBuddy { name: sn("Zed") }]);
    assert_eq!(run(&mut app, "/info Bob"), [Command::GetInfo { name: sn("Bob") }]);
    assert!(run(&mut app, "/frobnicate").is_empty());
    assert!(app.notice.as_ref().is_some_and(|n| n.error && n.text.contains("/frobnicate")));
    assert!(run(&mut app, "/info").is_empty(), "no chat open, no name");
    let quit = {
        type_text(&mut app, "/quit", now);
        app.handle_key(key(KeyCode::Enter), now)
    };
    assert_eq!(quit, [Action::Send(Command::SignOff), Action::Quit]);
}

#[test]
fn double_slash_sends_a_literal_slash_and_messages_need_a_chat() {
    let now = Instant::now();
    let mut app = app();
    populated(&mut app, now);
    type_text(&mut app, "hello", now);
    assert!(sends(&app.handle_key(key(KeyCode::Enter), now)).is_empty());
    assert!(app.notice.as_ref().is_some_and(|n| n.error));
    type_text(&mut app, "/msg Alice //shrug", now);
    let sent = sends(&app.handle_key(key(KeyCode::Enter), now));
    assert_eq!(
        sent.first(),
        Some(&Command::SendIm { id: 1, to: sn("Alice"), text: "//shrug".into() })
    );
    type_text(&mut app, "//etc", now);
    let sent = sends(&app.handle_key(key(KeyCode::Enter), now));
    assert_eq!(
        sent.first(),
        Some(&Command::SendIm { id: 2, to: sn("Alice"), text: "/etc".into() })
    );
}

#[test]
fn paste_is_one_message_with_newlines() {
    let now = Instant::now();
    let mut app = app();
    populated(&mut app, now);
    type_text(&mut app, "/msg Alice", now);
    app.handle_key(key(KeyCode::Enter), now);
    app.handle_paste("line one\r\nline two\nline three", now);
    let sent = sends(&app.handle_key(key(KeyCode::Enter), now));
    assert_eq!(
        sent.first(),
        Some(&Command::SendIm {
            id: 1,
            to: sn("Alice"),
            text: "line one\nline two\nline three".into()
        })
    );
}

#[test]
fn input_history_recalls_sent_lines() {
    let now = Instant::now();
    let mut app = app();
    populated(&mut app, now);
    type_text(&mut app, "/msg Alice", now);
    app.handle_key(key(KeyCode::Enter), now);
    type_text(&mut app, "first", now);
    app.handle_key(key(KeyCode::Enter), now);
    app.handle_key(key(KeyCode::Up), now);
    assert_eq!(app.input().text(), "first");
    app.handle_key(key(KeyCode::Up), now);
    assert_eq!(app.input().text(), "/msg Alice");
    app.handle_key(key(KeyCode::Down), now);
    app.handle_key(key(KeyCode::Down), now);
    assert_eq!(app.input().text(), "");
}

#[test]
fn folding_navigation_and_switching_chats() {
    let now = Instant::now();
    let mut app = app();
    populated(&mut app, now);
    let count = app.rows().len();
    assert_eq!(count, 3 + 4 + 2 + 1);
    // From the first buddy (row 1) to the Work heading (row 5), then fold it.
    for _ in 0..4 {
        app.handle_key(key(KeyCode::Char('j')), now);
    }
    app.handle_key(key(KeyCode::Char(' ')), now);
    assert_eq!(app.rows().len(), count - 2);
    assert!(app.groups.get(1).is_some_and(|g| g.folded));
    // Folds survive a new buddy list.
    populated(&mut app, now);
    assert!(app.groups.get(1).is_some_and(|g| g.folded));
    type_text(&mut app, "/msg Alice", now);
    app.handle_key(key(KeyCode::Enter), now);
    type_text(&mut app, "/msg Bob", now);
    app.handle_key(key(KeyCode::Enter), now);
    assert_eq!(app.active_chat().map(|c| c.peer.as_str()), Some("Bob"));
    app.handle_key(ctrl('n'), now);
    assert_eq!(app.active_chat().map(|c| c.peer.as_str()), Some("Alice"));
    app.handle_key(ctrl('p'), now);
    assert_eq!(app.active_chat().map(|c| c.peer.as_str()), Some("Bob"));
    app.handle_key(alt(KeyCode::Char('w')), now);
    assert_eq!(app.active_chat().map(|c| c.peer.as_str()), Some("Alice"));
    app.handle_key(alt(KeyCode::Char('w')), now);
    assert!(app.active_chat().is_none());
}

#[test]
fn help_and_info_overlays_open_and_close() {
    let now = Instant::now();
    let mut app = app();
    populated(&mut app, now);
    app.handle_key(key(KeyCode::Char('?')), now);
    assert_eq!(app.overlay, Some(Overlay::Help { scroll: 0 }));
    app.handle_key(key(KeyCode::Down), now);
    assert_eq!(app.overlay, Some(Overlay::Help { scroll: 1 }));
    for _ in 0..50 {
        app.handle_key(key(KeyCode::PageDown), now);
    }
    let max = flapjack::tui::ui::help_lines(&app).len() - 22;
    assert_eq!(app.overlay, Some(Overlay::Help { scroll: max }));
    app.handle_key(key(KeyCode::Up), now);
    assert_eq!(app.overlay, Some(Overlay::Help { scroll: max - 1 }));
    app.handle_key(key(KeyCode::Esc), now);
    assert_eq!(app.overlay, None);
    // In the input line, ? is just a character.
    app.handle_key(key(KeyCode::Tab), now);
    assert_eq!(app.focus, Focus::Input);
    app.handle_key(key(KeyCode::Char('?')), now);
    assert_eq!((app.overlay.is_none(), app.input().text()), (true, "?"));
    app.handle_key(key(KeyCode::F(1)), now);
    assert!(app.overlay.is_some());
}

#[test]
fn search_jumps_between_matches() {
    let now = Instant::now();
    let mut app = app();
    populated(&mut app, now);
    type_text(&mut app, "/msg Alice", now);
    app.handle_key(key(KeyCode::Enter), now);
    let events = (0..200)
        .map(|i| {
            im("Alice", &format!("message {i}{}", if i % 50 == 7 { " needle" } else { "" }), i)
        })
        .collect();
    feed(&mut app, events, now);
    app.handle_key(ctrl('f'), now);
    type_text(&mut app, "NEEDLE", now);
    app.handle_key(key(KeyCode::Enter), now);
    let current = |app: &flapjack::tui::App| {
        app.active_chat().and_then(|c| c.search.as_ref()).and_then(|s| s.current)
    };
    assert_eq!(current(&app), Some(157));
    assert_eq!(app.focus, Focus::Conversation);
    app.handle_key(key(KeyCode::Char('n')), now);
    assert_eq!(current(&app), Some(107));
    app.handle_key(key(KeyCode::Char('n')), now);
    app.handle_key(key(KeyCode::Char('n')), now);
    assert_eq!(current(&app), Some(7));
    app.handle_key(key(KeyCode::Char('n')), now);
    assert_eq!(current(&app), Some(7), "no older match: stay");
    assert!(app.active_chat().and_then(|c| c.search.as_ref()).is_some_and(|s| s.not_found));
    app.handle_key(KeyEventShift::n(), now);
    assert_eq!(current(&app), Some(57));
    assert!(app.active_chat().is_some_and(|c| c.scroll.is_some()));
    app.handle_key(key(KeyCode::Esc), now);
    assert!(app.active_chat().is_some_and(|c| c.search.is_none()));
    // '/' in the conversation pane opens the search too.
    app.handle_key(key(KeyCode::Char('/')), now);
    assert!(app.active_chat().and_then(|c| c.search.as_ref()).is_some_and(|s| s.editing));
}

/// Shift-n as a terminal reports it.
struct KeyEventShift;
impl KeyEventShift {
    fn n() -> crossterm::event::KeyEvent {
        crossterm::event::KeyEvent::new(KeyCode::Char('N'), KeyModifiers::SHIFT)
    }
}

#[test]
fn paging_and_unread_below() {
    let now = Instant::now();
    let mut app = app();
    populated(&mut app, now);
    type_text(&mut app, "/msg Alice", now);
    app.handle_key(key(KeyCode::Enter), now);
    feed(&mut app, (0..100).map(|i| im("Alice", &format!("m{i}"), i)).collect(), now);
    app.handle_key(key(KeyCode::PageUp), now);
    assert!(app.active_chat().is_some_and(|c| c.scroll.is_some()));
    feed(&mut app, vec![im("Alice", "new one", 200)], now);
    assert_eq!(app.active_chat().map(|c| c.new_below), Some(1));
    app.handle_key(key(KeyCode::PageDown), now);
    app.handle_key(key(KeyCode::PageDown), now);
    assert_eq!(app.active_chat().map(|c| (c.scroll, c.new_below)), Some((None, 0)));
}

#[test]
fn mouse_clicks_select_buddies_and_tabs() {
    let now = Instant::now();
    let mut app = app();
    populated(&mut app, now);
    let click = |col, row| MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: col,
        row,
        modifiers: KeyModifiers::NONE,
    };
    // Row 0 is the border, row 1 the Buddies heading, row 2 Alice.
    assert!(app.handle_mouse(click(4, 2)));
    assert_eq!(app.active_chat().map(|c| c.peer.as_str()), Some("Alice"));
    assert!(app.handle_mouse(click(4, 3)));
    assert_eq!(app.active_chat().map(|c| c.peer.as_str()), Some("Bob"));
    // Tabs: " 1:Alice  2:Bob " starting at the right pane's left edge.
    let x = flapjack::tui::ui::layout(app.size()).tabs.x;
    assert!(app.handle_mouse(click(x + 2, 0)));
    assert_eq!(app.active_chat().map(|c| c.peer.as_str()), Some("Alice"));
    // Clicking a heading folds the group.
    assert!(app.handle_mouse(click(4, 1)));
    assert!(app.groups.first().is_some_and(|g| g.folded));
}

#[test]
fn history_is_logged_and_loaded_when_a_chat_opens() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let now = Instant::now();
    {
        let mut app = app().with_history(History::new(dir.path(), "Me"));
        populated(&mut app, now);
        feed(&mut app, vec![im("Alice", "remember me", 1)], now);
        type_text(&mut app, "/msg Alice I will", now);
        app.handle_key(key(KeyCode::Enter), now);
        // The App only queues log work; the run loop does the file I/O.
        sync_history(&mut app);
    }
    let mut app = app().with_history(History::new(dir.path(), "Me"));
    populated(&mut app, now);
    type_text(&mut app, "/msg alice", now);
    app.handle_key(key(KeyCode::Enter), now);
    sync_history(&mut app);
    let texts: Vec<String> = app
        .active_chat()
        .map(|c| c.lines.iter().map(|l| l.text.clone()).collect())
        .unwrap_or_default();
    assert_eq!(texts, ["remember me", "I will"]);
}

#[test]
fn what_became_of_sent_messages_survives_a_restart() {
    use flapjack::session::Delivery as Sent;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let now = Instant::now();
    {
        let mut app = app().with_history(History::new(dir.path(), "Me"));
        populated(&mut app, now);
        type_text(&mut app, "/msg Bob", now);
        app.handle_key(key(KeyCode::Enter), now);
        for text in ["lost", "stored", "retried", "plain"] {
            type_text(&mut app, text, now);
            app.handle_key(key(KeyCode::Enter), now);
        }
        feed(
            &mut app,
            vec![
                Event::ImFailed { id: 1, reason: ImFailure::RecipientOffline },
                Event::ImAcked { id: 2, delivery: Sent::StoredOffline },
                Event::ImFailed { id: 3, reason: ImFailure::RateLimited },
                Event::ImAcked { id: 4, delivery: Sent::Online },
            ],
            now,
        );
        // The newest failure ("retried") goes again and is delivered this time.
        let retried = app.handle_key(alt(KeyCode::Char('r')), now);
        assert_eq!(
            sends(&retried),
            [Command::SendIm { id: 5, to: sn("Bob"), text: "retried".into() }]
        );
        feed(&mut app, vec![Event::ImAcked { id: 5, delivery: Sent::Online }], now);
        sync_history(&mut app);
    }
    let mut app = app().with_history(History::new(dir.path(), "Me"));
    populated(&mut app, now);
    type_text(&mut app, "/msg bob", now);
    app.handle_key(key(KeyCode::Enter), now);
    sync_history(&mut app);
    let lines: Vec<(String, Delivery)> = app
        .active_chat()
        .map(|c| {
            c.lines
                .iter()
                .filter_map(|l| match &l.kind {
                    LineKind::Outgoing { delivery, .. } => Some((l.text.clone(), delivery.clone())),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let offline = flapjack::words::im_failure(&ImFailure::RecipientOffline, "Bob");
    assert_eq!(
        lines,
        [
            ("lost".to_string(), Delivery::FailedLogged(offline.clone())),
            ("stored".to_string(), Delivery::Stored),
            ("retried".to_string(), Delivery::Logged),
            ("plain".to_string(), Delivery::Logged),
        ]
    );
    // The reason is on screen, and the failure can still be retried after the restart.
    let size = app.size();
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(size.width, size.height))
            .unwrap();
    terminal.draw(|f| flapjack::tui::ui::draw(f, &app)).unwrap();
    let screen = format!("{:?}", terminal.backend());
    assert!(screen.contains(&offline), "{screen}");
    let retried = app.handle_key(alt(KeyCode::Char('r')), now);
    assert!(matches!(sends(&retried).as_slice(), [Command::SendIm { text, .. }] if text == "lost"));
}

#[test]
fn status_follows_the_session() {
    use flapjack::session::{DisconnectReason, SignOnStep};
    use flapjack::tui::app::ConnState;
    let now = Instant::now();
    let mut app = app();
    feed(&mut app, vec![Event::SignOnProgress(SignOnStep::Negotiating)], now);
    assert_eq!(app.state, ConnState::SigningOn(SignOnStep::Negotiating));
    feed(
        &mut app,
        vec![Event::SignedOn { screen_name: sn("ME ") }, Event::AwayChanged(Some("brb".into()))],
        now,
    );
    assert_eq!(
        (app.state.clone(), app.away.as_deref(), app.account.as_str()),
        (ConnState::Online, Some("brb"), "ME ")
    );
    feed(&mut app, vec![Event::Disconnected(DisconnectReason::SignedOnElsewhere)], now);
    assert_eq!(app.state, ConnState::Offline(DisconnectReason::SignedOnElsewhere));
}

#[test]
fn an_unfocused_terminal_rings_even_for_the_chat_on_screen() {
    let now = Instant::now();
    let mut app = app();
    populated(&mut app, now);
    type_text(&mut app, "/msg Alice", now);
    app.handle_key(key(KeyCode::Enter), now);
    assert!(!feed(&mut app, vec![im("Alice", "seen", 1)], now).contains(&Action::Bell));
    app.set_terminal_focus(false);
    assert!(feed(&mut app, vec![im("Alice", "not seen", 2)], now).contains(&Action::Bell));
}

#[test]
fn folded_groups_show_their_unread_total() {
    let now = Instant::now();
    let mut app = app();
    populated(&mut app, now);
    feed(&mut app, vec![im("Alice", "x", 1)], now); // becomes the active chat
    feed(&mut app, vec![im("Boss", "a", 2), im("Intern", "b", 3)], now);
    for _ in 0..5 {
        app.handle_key(key(KeyCode::Char('j')), now);
    }
    app.handle_key(key(KeyCode::Char(' ')), now);
    let size = app.size();
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(size.width, size.height))
        .unwrap_or_else(|e| panic!("{e}"));
    t.draw(|f| flapjack::tui::ui::draw(f, &app)).unwrap_or_else(|e| panic!("{e}"));
    let row: String = (0..22).map(|x| t.backend().buffer()[(x, 6)].symbol().to_string()).collect();
    assert_eq!(row, "│▸ Work (1/2) (2)    │");
}
