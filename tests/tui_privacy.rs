//! Privacy and warnings in the TUI (issue 16, items 4-5): `/block`, `/unblock`, `/privacy`
//! and `/warn` turned into commands, the settings and warnings the session reports shown in
//! the status bar, ⊘ beside blocked buddies and warning levels in the buddy list.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

mod tui_common;

use std::time::Instant;

use crossterm::event::KeyCode;
use flapjack::session::{
    Availability, Command, Event, Presence, Privacy, PrivacyMode, WarnFailure,
};
use flapjack::tui::{Action, App};
use tui_common::*;

/// The status bar's text: its rows (it wraps rather than cut) joined by spaces.
fn status_row(app: &App) -> String {
    status_rows(app).join(" ")
}

fn warned_presence(name: &str, warning_percent: u16) -> Event {
    Event::Presence(Presence {
        name: sn(name),
        availability: Availability::Online,
        idle_minutes: None,
        signed_on_at: None,
        warning_percent,
        away_message: None,
        status: None,
    })
}

/// Types a command line and presses Enter; returns what the app asked the session for.
fn run(app: &mut App, line: &str, now: Instant) -> Vec<Action> {
    let mut actions = type_text(app, line, now);
    actions.extend(app.handle_key(key(KeyCode::Enter), now));
    actions
        .into_iter()
        .filter(|a| matches!(a, Action::Send(c) if !matches!(c, Command::Typing { .. } | Command::Activity)))
        .collect()
}

#[test]
fn blocked_buddies_warning_levels_and_our_own_level() {
    let now = Instant::now();
    let mut app = app();
    feed(
        &mut app,
        vec![
            Event::SignedOn { screen_name: sn("Alice Ant") },
            buddy_list(&[("Buddies", &["Bob Bee", "Spam Bot", "Carol"])]),
            warned_presence("Bob Bee", 13),
            presence("Carol", Availability::Online),
            Event::Privacy(Privacy {
                mode: PrivacyMode::BlockDenyList,
                allowed: vec![],
                blocked: vec![sn("Spam Bot")],
            }),
            Event::Warned { level_percent: 10, by: Some(sn("Bob Bee")) },
        ],
        now,
    );
    assert!(status_row(&app).contains("warned 10%"), "{}", status_row(&app));
    insta::assert_snapshot!(render(&app).backend());
    // The level decays; the status bar follows, and goes when it reaches 0.
    feed(&mut app, vec![Event::WarningLevel { level_percent: 0 }], now);
    assert!(!status_row(&app).contains("warned"), "{}", status_row(&app));
}

#[test]
fn slash_commands_reach_the_session_and_their_answers_the_status_bar() {
    let now = Instant::now();
    let mut app = app();
    feed(&mut app, vec![Event::SignedOn { screen_name: sn("Alice Ant") }], now);
    app.handle_key(key(KeyCode::Tab), now);
    assert_eq!(
        run(&mut app, "/block \"Spam Bot\"", now),
        [Action::Send(Command::Block { name: sn("Spam Bot") })]
    );
    assert_eq!(
        run(&mut app, "/privacy invisible", now),
        [Action::Send(Command::SetPrivacy(PrivacyMode::BlockAll))]
    );
    assert_eq!(
        run(&mut app, "/unblock spambot", now),
        [Action::Send(Command::Unblock { name: sn("spambot") })]
    );
    assert_eq!(
        run(&mut app, "/warn bob anon", now),
        [Action::Send(Command::Warn { name: sn("bob"), anonymous: true })]
    );
    assert!(run(&mut app, "/privacy everyone", now).is_empty());
    let status = status_row(&app);
    assert!(status.contains("/privacy takes one of"), "{status}");
    assert!(status.contains("allow-all|allow-buddies|allow-list|block-list|invisible"), "{status}");

    let privacy = Privacy {
        mode: PrivacyMode::AllowPermitList,
        allowed: vec![sn("Bob Bee")],
        blocked: vec![sn("Spam Bot")],
    };
    feed(&mut app, vec![Event::Privacy(privacy)], now);
    assert!(run(&mut app, "/privacy", now).is_empty(), "shows, asks nothing");
    let wide = {
        app.resize(160, 24);
        status_row(&app)
    };
    assert!(
        wide.contains("privacy: allow-list (only your allow list can see and message you); blocked: Spam Bot; allowed: Bob Bee"),
        "{wide}"
    );
    let warned = Event::WarnApplied {
        name: sn("Bob Bee"),
        anonymous: true,
        delta_percent: 3,
        level_percent: 13,
    };
    feed(&mut app, vec![warned], now);
    assert!(status_row(&app)
        .contains("warned Bob Bee anonymously: +3%, their warning level is now 13%"));
    feed(
        &mut app,
        vec![Event::WarnFailed { name: sn("Carol"), reason: WarnFailure::NoRecentIm }],
        now,
    );
    assert!(status_row(&app).contains(
        "cannot warn Carol: only people who messaged you in the last hour can be warned"
    ));
    app.resize(80, 24);
    insta::assert_snapshot!(render(&app).backend());
}
