//! Chat habits from irssi and weechat (issue 14, item 8), the password asked again after a
//! refused sign-on, nothing cut off in the status bar or under a failed message (item 3), the
//! presence of people who are not buddies (item 4), and the room leftovers of issue 15.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

mod support;
mod tui_common;

use std::time::Instant;

use crossterm::event::KeyCode;
use flapjack::config::UiConfig;
use flapjack::session::{
    Availability, Command, DisconnectReason, Event, ImFailure, Presence, RoomEvent, SignOnFailure,
};
use flapjack::tui::app::Focus;
use flapjack::tui::conversation::{Delivery, LineKind};
use flapjack::tui::history::HistoryOp;
use flapjack::tui::{Action, App};
use ratatui::Terminal;
use tui_common::*;

/// The whole screen as text, rows joined by newlines.
fn screen(app: &App) -> String {
    let t = render(app);
    let buf = t.backend().buffer();
    (0..buf.area.height)
        .map(|y| (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

fn command(app: &mut App, line: &str, now: Instant) -> Vec<Action> {
    let mut actions = type_text(app, line, now);
    actions.extend(app.handle_key(key(KeyCode::Enter), now));
    actions
}

fn away(name: &str, message: Option<&str>) -> Event {
    Event::Presence(Presence {
        name: sn(name),
        availability: Availability::Away,
        idle_minutes: None,
        signed_on_at: None,
        warning_percent: 0,
        away_message: message.map(Into::into),
        status: None,
    })
}

fn input_text(app: &App) -> String {
    app.input().text().to_string()
}

fn texts(app: &App) -> Vec<(String, LineKind)> {
    app.active_chat()
        .map(|c| c.lines.iter().map(|l| (l.text.clone(), l.kind.clone())).collect())
        .unwrap_or_default()
}

#[test]
fn tabs_keep_their_numbers_and_unread_is_marked_in_place() {
    let now = Instant::now();
    let mut app = app();
    populated(&mut app, now);
    command(&mut app, "/msg Alice", now);
    feed(&mut app, vec![im("Bob", "one", 60), im("Carol", "two", 61), im("Bob", "three", 62)], now);
    insta::assert_snapshot!(render(&app).backend());
}

#[test]
fn a_new_messages_rule_sits_where_you_left_off() {
    let now = Instant::now();
    let mut app = app();
    populated(&mut app, now);
    command(&mut app, "/msg Bob", now);
    feed(&mut app, vec![im("Bob", "seen while looking", 60)], now);
    assert_eq!(app.active_chat().and_then(|c| c.marker), None, "looked at: no rule");
    command(&mut app, "/msg Alice", now);
    feed(&mut app, vec![im("Bob", "first unseen", 61), im("Bob", "second unseen", 62)], now);
    app.handle_key(alt(KeyCode::Char('1')), now);
    assert_eq!(app.active_chat().and_then(|c| c.marker), Some(1));
    insta::assert_snapshot!(render(&app).backend());
    // An unfocused terminal is not being looked at either.
    app.set_terminal_focus(false);
    feed(&mut app, vec![im("Bob", "while away from the window", 63)], now);
    assert_eq!(app.active_chat().and_then(|c| c.marker), Some(1), "the first unseen stays");
    // Leaving the chat moves the rule: everything there has been seen.
    app.set_terminal_focus(true);
    app.handle_key(alt(KeyCode::Char('2')), now);
    let bob = app.chats.iter().find(|c| c.peer == sn("Bob")).unwrap();
    assert_eq!(bob.marker, None);
    feed(&mut app, vec![im("Bob", "later", 64)], now);
    let bob = app.chats.iter().find(|c| c.peer == sn("Bob")).unwrap();
    assert_eq!(bob.marker, Some(4));
}

#[test]
fn sign_on_sign_off_and_away_are_quiet_lines_that_count_as_nothing_unread() {
    let now = Instant::now();
    let mut app = app();
    populated(&mut app, now);
    command(&mut app, "/msg Bob", now);
    feed(
        &mut app,
        vec![
            presence("Bob", Availability::Online),
            presence("Bob", Availability::Offline),
            presence("Bob", Availability::Online),
            // The away message comes after the change: the line is completed, not doubled.
            away("Bob", None),
            away("Bob", Some("making pancakes")),
            // Idle but no longer away: back (idle minutes alone are not worth a line).
            presence("Bob", Availability::Idle),
        ],
        now,
    );
    let lines: Vec<String> = texts(&app).into_iter().map(|(t, _)| t).collect();
    assert_eq!(
        lines,
        [
            "Bob is back",
            "Bob signed off",
            "Bob signed on",
            "Bob is away: making pancakes",
            "Bob is back"
        ]
    );
    assert!(texts(&app).iter().all(|(_, k)| *k == LineKind::Presence));
    insta::assert_snapshot!(render(&app).backend());
    // Another chat's buddy changing adds a line there without making it unread.
    command(&mut app, "/msg Alice", now);
    feed(&mut app, vec![presence("Bob", Availability::Offline)], now);
    let bob = app.chats.iter().find(|c| c.peer == sn("Bob")).unwrap();
    assert_eq!((bob.unread, bob.marker), (0, None));
    assert_eq!(bob.lines.last().map(|l| l.text.as_str()), Some("Bob signed off"));
    // The first report about someone is news, not a change: no line.
    command(&mut app, "/msg Zed", now);
    feed(&mut app, vec![presence("Zed", Availability::Online)], now);
    assert!(texts(&app).is_empty());
}

#[test]
fn status_bar_and_failure_rows_wrap_instead_of_being_cut() {
    let now = Instant::now();
    for width in [80, 40] {
        let mut app = app();
        app.resize(width, 20);
        populated(&mut app, now);
        command(&mut app, "/msg Bob", now);
        command(&mut app, "pancakes?", now);
        let reason = ImFailure::OfflineInboxFull;
        feed(&mut app, vec![Event::ImFailed { id: 1, reason }], now);
        let long = "the server said something long enough to need more than one row of the \
                    status bar at any width: sign-on limits reached for this address";
        feed(&mut app, vec![Event::Motd(long.into())], now);
        let shown = screen(&app);
        // The help key sits at the end of the status bar's first row.
        let flat = shown.split_whitespace().collect::<Vec<_>>().join(" ").replace("? help ", "");
        let want = long.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains(&want), "cut off at {width}:\n{shown}");
        assert!(flat.contains("alt-r retries"), "failure row cut at {width}:\n{shown}");
        insta::assert_snapshot!(format!("wrapped_{width}"), render(&app).backend());
    }
}

#[test]
fn a_refused_password_is_asked_for_again_masked() {
    let now = Instant::now();
    let mut app = app().with_password_retry();
    let refused = DisconnectReason::AuthFailed(SignOnFailure::PasswordRefused(
        "clientLogin: incorrect password (statusCode 330, statusDetailCode 3011)".into(),
    ));
    feed(&mut app, vec![Event::Disconnected(refused)], now);
    assert!(app.password_prompt().is_some());
    assert_eq!(app.focus, Focus::Input);
    let typed = type_text(&mut app, "pancake-syrup", now);
    assert!(typed.is_empty(), "nothing goes to a session while typing a password");
    app.handle_key(key(KeyCode::Backspace), now);
    app.handle_paste("p\n", now);
    let shown = screen(&app);
    assert!(!shown.contains("pancake"), "the password is on screen:\n{shown}");
    assert!(shown.contains("•••••••••••••"));
    assert!(!format!("{app:?}").contains("pancake"), "the password is in Debug output");
    insta::assert_snapshot!(render(&app).backend());
    let actions = app.handle_key(key(KeyCode::Enter), now);
    match actions.as_slice() {
        [Action::SignOnAgain(p)] => assert_eq!(p.expose(), "pancake-syrup"),
        other => panic!("{other:?}"),
    }
    assert!(app.password_prompt().is_none());
    // Esc gives up and leaves the screen as it was; other refusals are not asked again.
    let mut app = tui_common::app().with_password_retry();
    let no_token = DisconnectReason::AuthFailed(SignOnFailure::NoCredentials);
    feed(&mut app, vec![Event::Disconnected(no_token)], now);
    app.handle_key(key(KeyCode::Esc), now);
    assert!(app.password_prompt().is_none());
    let expired = DisconnectReason::AuthFailed(SignOnFailure::Http("token expired".into()));
    feed(&mut app, vec![Event::Disconnected(expired)], now);
    assert!(app.password_prompt().is_none());
    // Without a run loop that can sign on again, nothing is offered.
    let mut plain = tui_common::app();
    let refused = DisconnectReason::AuthFailed(SignOnFailure::PasswordRefused("no".into()));
    feed(&mut plain, vec![Event::Disconnected(refused)], now);
    assert!(plain.password_prompt().is_none());
}

#[test]
fn tab_completes_commands_and_names_and_cycles() {
    let now = Instant::now();
    let mut app = app();
    populated(&mut app, now);
    app.handle_key(key(KeyCode::Char('/')), now);
    type_text(&mut app, "ms", now);
    app.handle_key(key(KeyCode::Tab), now);
    assert_eq!(input_text(&app), "/msg ");
    type_text(&mut app, "bo", now);
    app.handle_key(key(KeyCode::Tab), now);
    assert_eq!(input_text(&app), "/msg Bob ");
    app.handle_key(key(KeyCode::Tab), now);
    assert_eq!(input_text(&app), "/msg Boss ");
    app.handle_key(key(KeyCode::Tab), now);
    assert_eq!(input_text(&app), "/msg Bob ");
    app.handle_key(key(KeyCode::Enter), now);
    assert!(app.is_active(&sn("Bob")));
    // At the start of a message: the name to address.
    type_text(&mut app, "eri", now);
    app.handle_key(key(KeyCode::Tab), now);
    assert_eq!(input_text(&app), "Erin: ");
    // Nothing to complete in an empty line: Tab moves on, as elsewhere.
    app.handle_key(ctrl('u'), now);
    app.handle_key(key(KeyCode::Tab), now);
    assert_eq!(app.focus, Focus::Buddies);
}

#[test]
fn ctrl_r_searches_what_was_typed_and_readline_keys_edit() {
    let now = Instant::now();
    let mut app = app();
    populated(&mut app, now);
    command(&mut app, "/msg Bob", now);
    command(&mut app, "pancakes at nine?", now);
    command(&mut app, "/away brb", now);
    type_text(&mut app, "draft", now);
    app.handle_key(ctrl('r'), now);
    type_text(&mut app, "PAN", now);
    assert_eq!(
        app.history_search().and_then(|s| s.found.clone()).map(|f| f.1),
        Some("pancakes at nine?".into())
    );
    insta::assert_snapshot!(render(&app).backend());
    // Enter takes the match into the line to edit, without sending it.
    let actions = app.handle_key(key(KeyCode::Enter), now);
    assert!(sends(&actions).iter().all(|c| !matches!(c, Command::SendIm { .. })));
    assert_eq!(input_text(&app), "pancakes at nine?");
    // Alt-B and Alt-D: back a word, kill the next one; Alt-F forward again.
    app.handle_key(alt(KeyCode::Char('b')), now);
    app.handle_key(alt(KeyCode::Char('d')), now);
    assert_eq!(input_text(&app), "pancakes at ");
    app.handle_key(alt(KeyCode::Char('b')), now);
    app.handle_key(alt(KeyCode::Char('b')), now);
    app.handle_key(alt(KeyCode::Char('f')), now);
    app.handle_key(ctrl('w'), now);
    assert_eq!(input_text(&app), " at ");
    // Esc gives the line back as it was before the search.
    app.handle_key(ctrl('r'), now);
    type_text(&mut app, "nothing like this", now);
    assert_eq!(app.history_search().and_then(|s| s.found.clone()), None);
    app.handle_key(key(KeyCode::Esc), now);
    assert_eq!(input_text(&app), " at ");
    assert!(app.history_search().is_none());
    // Another key takes the match and does its job: Ctrl-A goes to the start of it.
    app.handle_key(ctrl('r'), now);
    type_text(&mut app, "brb", now);
    app.handle_key(ctrl('a'), now);
    assert_eq!((input_text(&app), app.input().cursor()), ("/away brb".into(), 0));
}

#[test]
fn msg_alone_watches_presence_and_an_unknown_person_is_said_to_be_unseen() {
    let now = Instant::now();
    let mut app = app();
    populated(&mut app, now);
    let actions = command(&mut app, "/msg Stranger", now);
    assert_eq!(sends(&actions), [Command::WatchPresence { name: sn("Stranger") }]);
    assert!(screen(&app).contains("Stranger — not seen online"));
    feed(&mut app, vec![presence("Stranger", Availability::Offline)], now);
    assert!(screen(&app).contains("Stranger — offline"));
}

#[test]
fn profile_and_empty_groups() {
    let now = Instant::now();
    let mut app = app();
    populated(&mut app, now);
    let set = command(&mut app, "/profile I  like <b>syrup</b>", now);
    assert_eq!(sends(&set), [Command::SetProfile("I  like <b>syrup</b>".into())]);
    let show = command(&mut app, "/profile", now);
    assert_eq!(sends(&show), [Command::GetInfo { name: sn("Me") }]);
    // As in Pidgin, an emptied group stays (and the status bar says how to remove it).
    let removed = command(&mut app, "/remove Erin", now);
    assert_eq!(sends(&removed), [Command::RemoveBuddy { name: sn("Erin") }]);
    assert!(app.notice.as_ref().is_some_and(|n| n.text.contains("/rmgroup Family")));
    // Only an empty group can go by /rmgroup.
    assert!(sends(&command(&mut app, "/rmgroup Work", now)).is_empty());
    assert!(app.notice.as_ref().is_some_and(|n| n.error && n.text.contains("2 buddies")));
    feed(&mut app, vec![buddy_list(&[("Buddies", &["Alice"]), ("Family", &[])])], now);
    let gone = command(&mut app, "/rmgroup family", now);
    assert_eq!(sends(&gone), [Command::RemoveGroup { name: "Family".into() }]);
    // With [ui] remove_empty_groups, the group goes with its last buddy.
    let mut app = app_with(UiConfig { remove_empty_groups: true, ..UiConfig::default() });
    populated(&mut app, now);
    let removed = command(&mut app, "/remove Erin", now);
    assert_eq!(
        sends(&removed),
        [Command::RemoveBuddy { name: sn("Erin") }, Command::RemoveGroup { name: "Family".into() }]
    );
    let one_of_many = command(&mut app, "/remove Boss", now);
    assert_eq!(sends(&one_of_many), [Command::RemoveBuddy { name: sn("Boss") }]);
}

fn room(event: RoomEvent) -> Event {
    Event::Room(event)
}

#[test]
fn a_left_room_stays_closed_and_is_not_rejoined_on_reconnect() {
    let now = Instant::now();
    let mut app = app_with(UiConfig { rooms: vec!["Lounge".into()], ..UiConfig::default() });
    let joins = sends(&feed(&mut app, vec![Event::SignedOn { screen_name: sn("Me") }], now));
    assert_eq!(joins, [Command::JoinRoom { name: "Lounge".into() }]);
    feed(&mut app, vec![room(RoomEvent::Joined { room: "Lounge".into(), occupants: vec![] })], now);
    let left = command(&mut app, "/leave", now);
    assert_eq!(sends(&left), [Command::LeaveRoom { room: "Lounge".into() }]);
    assert!(app.chats.is_empty());
    // Late news from the room does not reopen its tab.
    let late = RoomEvent::Message { room: "lounge".into(), from: sn("Bob"), text: "hi".into() };
    feed(&mut app, vec![room(late), room(RoomEvent::Sent { room: "Lounge".into() })], now);
    assert!(app.chats.is_empty());
    // A reconnect's sign-on does not join it again; /join does, and then it is kept.
    assert!(sends(&feed(&mut app, vec![Event::SignedOn { screen_name: sn("Me") }], now)).is_empty());
    command(&mut app, "/join Lounge", now);
    let again = RoomEvent::Message { room: "Lounge".into(), from: sn("Bob"), text: "back!".into() };
    feed(&mut app, vec![room(again)], now);
    assert_eq!(
        app.active_chat().and_then(|c| c.lines.last()).map(|l| l.text.as_str()),
        Some("back!")
    );
}

#[test]
fn room_lines_are_logged_and_reports_find_their_line_in_send_order() {
    let now = Instant::now();
    let mut app = app().with_history(flapjack::tui::history::History::new(
        std::path::Path::new("/nonexistent"),
        "me",
    ));
    feed(&mut app, vec![Event::SignedOn { screen_name: sn("Me") }], now);
    command(&mut app, "/join Lounge", now);
    feed(&mut app, vec![room(RoomEvent::Joined { room: "Lounge".into(), occupants: vec![] })], now);
    app.take_history_ops();
    let said = RoomEvent::Message { room: "Lounge".into(), from: sn("Bob"), text: "syrup?".into() };
    feed(&mut app, vec![room(said)], now);
    command(&mut app, "first", now);
    command(&mut app, "second", now);
    let ops = app.take_history_ops();
    let logged: Vec<(String, Option<String>)> = ops
        .iter()
        .map(|op| match op {
            HistoryOp::AppendRoom { room, record } => {
                assert_eq!(room, "Lounge");
                (record.text.clone(), record.from.clone())
            }
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        logged,
        [("syrup?".into(), Some("Bob".into())), ("first".into(), None), ("second".into(), None)]
    );
    let delivery = |app: &App, text: &str| {
        app.active_chat().and_then(|c| c.lines.iter().find(|l| l.text == text)).map(|l| {
            match &l.kind {
                LineKind::Outgoing { delivery, .. } => delivery.clone(),
                other => panic!("{other:?}"),
            }
        })
    };
    // "first" fails; its retry goes after "second", so the next "sent" is "second"'s.
    feed(&mut app, vec![room(RoomEvent::NotSent { room: "Lounge".into() })], now);
    assert!(matches!(delivery(&app, "first"), Some(Delivery::Failed(_))));
    assert!(
        matches!(app.take_history_ops().as_slice(), [HistoryOp::AppendRoom { record, .. }] if record.mark.is_some())
    );
    app.handle_key(alt(KeyCode::Char('r')), now);
    feed(&mut app, vec![room(RoomEvent::Sent { room: "Lounge".into() })], now);
    assert_eq!(delivery(&app, "second"), Some(Delivery::Sent));
    assert_eq!(delivery(&app, "first"), Some(Delivery::Pending));
    feed(&mut app, vec![room(RoomEvent::Sent { room: "Lounge".into() })], now);
    assert_eq!(delivery(&app, "first"), Some(Delivery::Sent));
    // The log loads above, and the reports still find their lines.
    command(&mut app, "third", now);
    let logged = flapjack::tui::history::Record::new(
        at(1),
        flapjack::tui::history::Direction::In,
        "old",
        false,
    )
    .with_from("Carol");
    app.room_history_loaded("lounge", Ok(vec![logged]));
    let first = app.active_chat().map(|c| c.lines[0].kind.clone());
    assert_eq!(first, Some(LineKind::Room { from: "Carol".into(), mention: false }));
    feed(&mut app, vec![room(RoomEvent::Sent { room: "Lounge".into() })], now);
    assert_eq!(delivery(&app, "third"), Some(Delivery::Sent));
}

/// A real session's events, also copied to `tap` so the test can follow the sign-on.
fn tapped(
    handle: flapjack::session::SessionHandle,
    tap: tokio::sync::mpsc::UnboundedSender<Event>,
) -> flapjack::session::SessionHandle {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let flapjack::session::SessionHandle { commands, mut events } = handle;
    tokio::spawn(async move {
        while let Some(e) = events.recv().await {
            let _ = tap.send(e.clone());
            if tx.send(e).is_err() {
                break;
            }
        }
    });
    flapjack::session::SessionHandle { commands, events: rx }
}

async fn next_matching(
    tap: &mut tokio::sync::mpsc::UnboundedReceiver<Event>,
    pred: impl Fn(&Event) -> bool,
) -> Event {
    loop {
        match tokio::time::timeout(support::session::WAIT, tap.recv()).await {
            Ok(Some(e)) if pred(&e) => return e,
            Ok(Some(_)) => {}
            other => panic!("the event never came: {other:?}"),
        }
    }
}

/// The whole flow against the embedded server: a wrong password is refused, the run loop's
/// App asks again, and the password typed then signs on in a new session.
#[tokio::test]
async fn the_run_loop_signs_on_with_the_password_typed_after_a_refusal() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    let server = support::session::start_server().await;
    let config = support::session::session_config(&server, "Alice Ant", "not-the-password");
    let (tap_tx, mut tap) = tokio::sync::mpsc::unbounded_channel();
    let first = tapped(flapjack::session::spawn(config.clone()), tap_tx.clone());
    let starts = Arc::new(AtomicUsize::new(0));
    let counted = starts.clone();
    let again: flapjack::tui::SignOnAgain = Box::new(move |password| {
        counted.fetch_add(1, Ordering::SeqCst);
        tapped(flapjack::session::spawn(config.clone().with_password(password)), tap_tx.clone())
    });
    let (keys, key_rx) = futures::channel::mpsc::unbounded();
    let (backend, screen) = Watched::new(80, 24);
    let task = tokio::spawn(async move {
        let mut terminal = Terminal::new(backend).unwrap();
        let r = flapjack::tui::run_app_with(
            &mut terminal,
            key_rx,
            first,
            app(),
            |_| Ok(()),
            Some(again),
        )
        .await;
        (r, terminal)
    });
    let press = |code: KeyCode, mods: crossterm::event::KeyModifiers| {
        let key = crossterm::event::KeyEvent::new(code, mods);
        let _ = keys.unbounded_send(Ok(crossterm::event::Event::Key(key)));
    };
    let refused = next_matching(&mut tap, |e| matches!(e, Event::Disconnected(_))).await;
    assert!(
        matches!(&refused, Event::Disconnected(DisconnectReason::AuthFailed(f)) if f.needs_password()),
        "{refused:?}"
    );
    // Type once the loop has applied the refusal and shows the prompt, as a user would.
    until_shown(&screen, flapjack::words::password_again_prompt("Me").trim_end()).await;
    for c in "alice-pw".chars() {
        press(KeyCode::Char(c), crossterm::event::KeyModifiers::NONE);
    }
    press(KeyCode::Enter, crossterm::event::KeyModifiers::NONE);
    next_matching(&mut tap, |e| matches!(e, Event::SignedOn { .. })).await;
    assert_eq!(starts.load(Ordering::SeqCst), 1);
    press(KeyCode::Char('q'), crossterm::event::KeyModifiers::CONTROL);
    let (finished, terminal) =
        match tokio::time::timeout(std::time::Duration::from_secs(10), task).await {
            Ok(Ok((Ok(f), t))) => (f, t),
            other => panic!(
                "the loop did not finish cleanly: {:?}",
                other.map(|r| r.map(|(r, _)| r.map(|_| ())))
            ),
        };
    assert_eq!(finished.app.account, "Alice Ant");
    let drawn: String =
        terminal.backend().buffer().content().iter().map(|c| c.symbol().to_string()).collect();
    assert!(!drawn.contains("alice-pw"), "the password reached the screen");
    server.shutdown().await;
}
