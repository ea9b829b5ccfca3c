//! ICQ authorization and the ICQ directory end to end: two sessions against the embedded
//! server over real sockets (the flows in detail are in `icq.rs`, in memory).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

mod support;

use flapjack::session::{AuthNotice, Command, Event, SearchQuery};
use support::session::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_icq_contact_is_asked_grants_and_then_shows_online() {
    let server = start_server().await;
    let mut granter = sign_on(&server, "987654321", "hunter22").await;
    let mut requester = sign_on(&server, "123456789", "qwerty12").await;
    requester
        .commands
        .send(Command::AddBuddy { name: sn("987654321"), group: "Buddies".into() })
        .unwrap();
    expect(&mut requester, "authorization needed", |e| {
        matches!(e, Event::Authorization(AuthNotice::Needed { name }) if *name == sn("987654321"))
    })
    .await;
    requester
        .commands
        .send(Command::RequestAuthorization { name: sn("987654321"), message: "it's me".into() })
        .unwrap();
    expect(&mut granter, "the request", |e| {
        matches!(e, Event::Authorization(AuthNotice::Requested { from, message })
            if *from == sn("123456789") && message == "it's me")
    })
    .await;
    granter
        .commands
        .send(Command::Authorize { name: sn("123456789"), granted: true, reason: String::new() })
        .unwrap();
    let (_, seen) = wait_for(&mut requester, "the grant", |e| {
        matches!(e, Event::Authorization(AuthNotice::Answered { granted: true, .. }))
    })
    .await;
    assert!(!seen.iter().any(|e| matches!(e, Event::BuddyListError(_))), "{seen:#?}");
    expect(
        &mut requester,
        "the granter online",
        |e| matches!(e, Event::Presence(p) if p.name == sn("987654321")),
    )
    .await;
    expect(&mut granter, "you were added", |e| {
        matches!(e, Event::Authorization(AuthNotice::AddedYou { from }) if *from == sn("123456789"))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_icq_directory_answers_information_and_searches() {
    let server = start_server().await;
    let mut icq = sign_on(&server, "987654321", "hunter22").await;
    icq.commands.send(Command::IcqInfo { uin: 123456789, full: true }).unwrap();
    let info = expect(&mut icq, "information", |e| matches!(e, Event::IcqInfo { .. })).await;
    assert!(
        matches!(&info, Event::IcqInfo { uin: 123456789, user: Some(u), .. }
            if u.nickname == "Stack" && u.last_name == "Syrup"),
        "{info:?}"
    );
    let query =
        SearchQuery::Details { first: String::new(), last: String::new(), nick: "Stack".into() };
    icq.commands.send(Command::Search(query)).unwrap();
    let found =
        expect(&mut icq, "search results", |e| matches!(e, Event::SearchResults { .. })).await;
    let Event::SearchResults { users, failed: false, .. } = found else { panic!("{found:?}") };
    let uins: Vec<u32> = users.iter().map(|u| u.uin).collect();
    assert_eq!(uins, [123456789, 555000111]);
}
