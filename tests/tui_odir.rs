//! The AIM directory in the TUI (issue 16, item 3): `/search` on an AIM account asks the AIM
//! directory; its results window lists screen name, name and place, Enter adds the chosen
//! person; a server without a directory, or an empty answer, says so. Snapshots carry hostile
//! directory text.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

mod tui_common;

use std::time::Instant;

use crossterm::event::KeyCode;
use flapjack::session::{Command, DirectoryOutcome, DirectoryQuery, DirectoryUser, Event, Keyword};
use flapjack::tui::{App, Overlay};
use tui_common::*;

fn command(app: &mut App, line: &str, now: Instant) -> Vec<Command> {
    let mut actions = type_text(app, line, now);
    actions.extend(app.handle_key(key(KeyCode::Enter), now));
    sends(&actions)
}

fn person(name: &str, first: &str, city: &str) -> DirectoryUser {
    DirectoryUser {
        screen_name: name.into(),
        first_name: first.into(),
        last_name: "Jack".into(),
        city: city.into(),
        state: "TX".into(),
        country: "US".into(),
        ..DirectoryUser::default()
    }
}

#[test]
fn aim_directory_results_list_people_and_enter_adds_the_chosen_one() {
    let now = Instant::now();
    let mut app = app();
    populated(&mut app, now);
    let name = DirectoryQuery::name("Flap", "Jack");
    assert_eq!(
        command(&mut app, "/search name Flap Jack", now),
        [Command::SearchDirectory(name.clone())]
    );
    assert_eq!(app.notice.as_ref().unwrap().text, "searching the AIM directory for name Flap Jack");
    assert_eq!(
        command(&mut app, "/search interest Pancakes", now),
        [Command::SearchDirectory(DirectoryQuery::Interest("Pancakes".into()))]
    );
    assert_eq!(
        command(&mut app, "/search fan@example.com", now),
        [Command::SearchDirectory(DirectoryQuery::Email("fan@example.com".into()))]
    );
    // Nothing to search for: the usage, nothing sent.
    assert!(command(&mut app, "/search email", now).is_empty());
    assert!(app.notice.as_ref().unwrap().error);
    let users = vec![
        person("Flapjack Fan", "Flap", "Austin"),
        person("Evil\x1b[2J", "Flap\u{202e}\x07", "Nowhere\x1b]0;pwned\x07"),
    ];
    let results =
        Event::DirectoryResults { query: name, outcome: DirectoryOutcome::TooMany, users };
    feed(&mut app, vec![results], now);
    assert!(matches!(app.overlay, Some(Overlay::AimSearch(_))));
    app.handle_key(key(KeyCode::Down), now);
    app.handle_key(key(KeyCode::Up), now);
    insta::assert_snapshot!("aim_directory_results", render(&app).backend());
    let sent = sends(&app.handle_key(key(KeyCode::Enter), now));
    assert!(
        matches!(sent.as_slice(), [Command::AddBuddy { name, group }]
            if *name == sn("Flapjack Fan") && group == "Buddies"),
        "{sent:?}"
    );
    assert!(app.overlay.is_none());
}

#[test]
fn no_directory_and_empty_answers_say_so() {
    let now = Instant::now();
    let mut app = app();
    populated(&mut app, now);
    let q = DirectoryQuery::Email("nobody@example.com".into());
    let answer = |outcome| Event::DirectoryResults { query: q.clone(), outcome, users: vec![] };
    feed(&mut app, vec![answer(DirectoryOutcome::NoDirectory)], now);
    assert!(app.overlay.is_none());
    let notice = app.notice.clone().unwrap();
    assert_eq!((notice.text.as_str(), notice.error), ("this server has no directory", true));
    feed(&mut app, vec![answer(DirectoryOutcome::Found)], now);
    let notice = app.notice.clone().unwrap();
    assert_eq!(notice.text, "no one in the AIM directory for e-mail nobody@example.com");
    assert!(!notice.error);
    feed(&mut app, vec![answer(DirectoryOutcome::Failed)], now);
    assert!(app.notice.as_ref().unwrap().error);
    // A result without a usable screen name is not added.
    let blank = DirectoryUser { screen_name: "   ".into(), ..DirectoryUser::default() };
    let found =
        Event::DirectoryResults { query: q, outcome: DirectoryOutcome::Found, users: vec![blank] };
    feed(&mut app, vec![found], now);
    assert!(sends(&app.handle_key(key(KeyCode::Enter), now)).is_empty());
    assert!(app.notice.as_ref().unwrap().error);
}

#[test]
fn interest_alone_lists_the_interests_and_enter_searches_one() {
    let now = Instant::now();
    let mut app = app();
    populated(&mut app, now);
    assert_eq!(command(&mut app, "/search interest", now), [Command::DirectoryKeywords]);
    let word = |kind: u8, name: &str| Keyword { kind, parent: 0, name: name.into() };
    let keywords = vec![
        word(1, "Food"),
        word(2, "Pancakes"),
        word(2, "Tea\x1b]0;owned\x07\u{202e}"),
        word(2, "  "),
        word(2, "Waffles"),
    ];
    feed(
        &mut app,
        vec![Event::DirectoryKeywords { outcome: DirectoryOutcome::Found, keywords }],
        now,
    );
    let Some(Overlay::Interests(list)) = &app.overlay else { panic!("{:?}", app.overlay) };
    assert_eq!(list.keywords.len(), 3, "categories and blank names are not listed");
    app.handle_key(key(KeyCode::Down), now);
    insta::assert_snapshot!("aim_directory_interests", render(&app).backend());
    app.handle_key(key(KeyCode::Down), now);
    app.handle_key(key(KeyCode::Down), now);
    let sent = sends(&app.handle_key(key(KeyCode::Enter), now));
    assert_eq!(sent, [Command::SearchDirectory(DirectoryQuery::Interest("Waffles".into()))]);
    assert!(app.overlay.is_none());
    // A server without a directory, or no interests at all: said in the status bar.
    let none =
        Event::DirectoryKeywords { outcome: DirectoryOutcome::NoDirectory, keywords: vec![] };
    feed(&mut app, vec![none], now);
    assert_eq!(app.notice.as_ref().unwrap().text, "this server has no directory");
    let empty = Event::DirectoryKeywords { outcome: DirectoryOutcome::Found, keywords: vec![] };
    feed(&mut app, vec![empty], now);
    assert!(!app.notice.as_ref().unwrap().error);
}
