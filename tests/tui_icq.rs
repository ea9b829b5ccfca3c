//! ICQ in the TUI (issue 16, items 2–3): `/auth`, `/deny`, authorization notices and contacts
//! awaiting authorization in the list; `/search` with a results window that adds in one key;
//! the directory entry in the info window. Snapshots carry hostile directory text.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

mod tui_common;

use std::time::Instant;

use crossterm::event::KeyCode;
use flapjack::session::{
    AuthNotice, Buddy, BuddyList, Command, Event, Group, IcqUser, SearchQuery, UserInfo,
};
use flapjack::tui::{App, Overlay};
use tui_common::*;

fn command(app: &mut App, line: &str, now: Instant) -> Vec<Command> {
    let mut actions = type_text(app, line, now);
    actions.extend(app.handle_key(key(KeyCode::Enter), now));
    sends(&actions)
}

fn user(uin: u32, nick: &str, online: u16, auth: bool) -> IcqUser {
    IcqUser {
        uin,
        nickname: nick.into(),
        first_name: "Maple".into(),
        last_name: "Syrup".into(),
        email: format!("{uin}@example.com"),
        auth_required: auth,
        online,
        ..IcqUser::default()
    }
}

#[test]
fn a_contact_awaiting_authorization_is_marked_and_a_request_is_shown() {
    let now = Instant::now();
    let mut app = app();
    populated(&mut app, now);
    let list = BuddyList {
        groups: vec![Group {
            name: "Buddies".into(),
            buddies: vec![
                Buddy { name: sn("Alice"), alias: None, awaiting_auth: false },
                Buddy { name: sn("987654321"), alias: None, awaiting_auth: true },
            ],
        }],
    };
    let notice = AuthNotice::Requested { from: sn("555000111"), message: "hi\x1b[2J there".into() };
    feed(&mut app, vec![Event::BuddyList(list), Event::Authorization(notice)], now);
    insta::assert_snapshot!("awaiting_and_request", render(&app).backend());
}

#[test]
fn a_contact_that_needs_authorization_is_asked_with_a_message() {
    let now = Instant::now();
    let mut app = app();
    let actions = feed(
        &mut app,
        vec![Event::Authorization(AuthNotice::Needed { name: sn("987654321") })],
        now,
    );
    assert!(matches!(
        sends(&actions).as_slice(),
        [Command::RequestAuthorization { name, message }] if *name == sn("987654321") && !message.is_empty()
    ));
    assert!(app.notice.as_ref().unwrap().text.contains("requires authorization"));
}

#[test]
fn auth_and_deny_answer_the_newest_request_or_the_one_named() {
    let now = Instant::now();
    let mut app = app();
    // Nobody asked yet: a bare /auth says so and sends nothing.
    assert!(command(&mut app, "/auth", now).is_empty());
    assert!(app.notice.as_ref().unwrap().error);
    for from in ["111111", "222222"] {
        let n = AuthNotice::Requested { from: sn(from), message: String::new() };
        feed(&mut app, vec![Event::Authorization(n)], now);
    }
    assert_eq!(
        command(&mut app, "/auth", now),
        [Command::Authorize { name: sn("222222"), granted: true, reason: String::new() }]
    );
    assert_eq!(
        command(&mut app, "/deny 111111 not now", now),
        [Command::Authorize { name: sn("111111"), granted: false, reason: "not now".into() }]
    );
    assert!(command(&mut app, "/deny", now).is_empty(), "both were answered");
    // Naming someone who did not ask grants in advance (the session sends 13/14).
    assert_eq!(
        command(&mut app, "/auth 333333", now),
        [Command::Authorize { name: sn("333333"), granted: true, reason: String::new() }]
    );
}

#[test]
fn search_results_list_hits_and_enter_adds_the_chosen_one() {
    let now = Instant::now();
    let mut app = app();
    populated(&mut app, now);
    // Signed on with a UIN: `/search` asks the ICQ directory (an AIM account asks the AIM
    // directory, tests/tui_odir.rs).
    feed(&mut app, vec![Event::SignedOn { screen_name: sn("123456789") }], now);
    let nick =
        SearchQuery::Details { first: String::new(), last: String::new(), nick: "Stack".into() };
    assert_eq!(command(&mut app, "/search Stack", now), [Command::Search(nick.clone())]);
    assert_eq!(
        command(&mut app, "/search 123456789", now),
        [Command::Search(SearchQuery::Uin(123456789))]
    );
    let users =
        vec![user(123456789, "Stack", 1, true), user(555000111, "Stack\u{202e}\x1b[31m", 0, false)];
    feed(&mut app, vec![Event::SearchResults { query: nick, users, more: 2, failed: false }], now);
    app.handle_key(key(KeyCode::Down), now);
    insta::assert_snapshot!("search_results", render(&app).backend());
    let sent = sends(&app.handle_key(key(KeyCode::Enter), now));
    assert!(
        matches!(sent.as_slice(), [Command::AddBuddy { name, .. }] if *name == sn("555000111")),
        "{sent:?}"
    );
    assert!(app.overlay.is_none());
}

#[test]
fn an_empty_or_failed_search_says_so() {
    let now = Instant::now();
    let mut app = app();
    let q = SearchQuery::Email("nobody@example.com".into());
    let empty = Event::SearchResults { query: q.clone(), users: vec![], more: 0, failed: false };
    feed(&mut app, vec![empty], now);
    assert!(app.overlay.is_none());
    assert_eq!(app.notice.as_ref().unwrap().text, "no one found for e-mail nobody@example.com");
    let failed = Event::SearchResults { query: q, users: vec![], more: 0, failed: true };
    feed(&mut app, vec![failed], now);
    assert!(app.notice.as_ref().unwrap().error);
}

#[test]
fn the_info_window_shows_the_directory_entry() {
    let now = Instant::now();
    let mut app = app();
    populated(&mut app, now);
    let info = UserInfo {
        name: sn("123456789"),
        profile: Some("An ICQ account.".into()),
        away_message: None,
        idle_minutes: None,
        signed_on_at: Some(at(0)),
        warning_percent: 0,
    };
    let mut entry = user(123456789, "Stack", 1, true);
    entry.city = "Oslo\x07".into();
    feed(
        &mut app,
        vec![
            Event::UserInfo(info),
            Event::IcqInfo { uin: 123456789, user: Some(entry), notes: Some("Pancakes.".into()) },
        ],
        now,
    );
    assert!(matches!(app.overlay, Some(Overlay::Info(_))), "the profile window stays");
    insta::assert_snapshot!("info_with_directory", render(&app).backend());
    // An offline user has no profile: the directory entry shows on its own.
    let mut app = self::app();
    populated(&mut app, now);
    let entry = user(987654321, "Griddle", 0, false);
    feed(&mut app, vec![Event::IcqInfo { uin: 987654321, user: Some(entry), notes: None }], now);
    assert!(matches!(app.overlay, Some(Overlay::Directory(987654321))));
    insta::assert_snapshot!("directory_only", render(&app).backend());
}
