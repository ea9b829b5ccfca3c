//! The AIM directory end to end over real sockets (§16): an AIM session's search opens a
//! directory service connection through 01/04 → 01/05 to the embedded server and the answers
//! come back as events, the next search on the same connection. Against a server
//! without a directory the search is answered "no directory". (The flows in detail are in
//! `directory.rs`, in memory.)
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

mod support;

use flapjack::server::Server;
use flapjack::session::{Command, DirectoryOutcome, DirectoryQuery, Event};
use support::session::*;

fn results(e: &Event) -> Option<(DirectoryOutcome, Vec<String>)> {
    match e {
        Event::DirectoryResults { outcome, users, .. } => {
            Some((*outcome, users.iter().map(|u| u.screen_name.clone()).collect()))
        }
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_aim_session_searches_the_directory_over_its_service_connection() {
    let server = start_server().await;
    let mut alice = sign_on(&server, "Alice Ant", "alice-pw").await;
    alice.commands.send(Command::SearchDirectory(DirectoryQuery::name("", "Bee"))).unwrap();
    let e = expect(&mut alice, "name search", |e| results(e).is_some()).await;
    assert_eq!(
        results(&e).unwrap(),
        (DirectoryOutcome::Found, vec!["Bob Bee".to_string(), "Carol".to_string()])
    );
    alice
        .commands
        .send(Command::SearchDirectory(DirectoryQuery::Interest("chess".into())))
        .unwrap();
    let e = expect(&mut alice, "interest search", |e| results(e).is_some()).await;
    assert_eq!(results(&e).unwrap(), (DirectoryOutcome::Found, vec!["Bob Bee".to_string()]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_without_a_directory_answers_no_directory() {
    let mut config = server_config();
    config.directory = false;
    let server = Server::start(config).await.unwrap();
    let mut alice = sign_on(&server, "Alice Ant", "alice-pw").await;
    let q = DirectoryQuery::Email("bob@example.com".into());
    alice.commands.send(Command::SearchDirectory(q)).unwrap();
    let e = expect(&mut alice, "the refusal", |e| results(e).is_some()).await;
    assert_eq!(results(&e).unwrap(), (DirectoryOutcome::NoDirectory, vec![]));
}
