//! The AIM directory (§16) in memory: a `Pair`'s client asks the embedded server for a
//! directory service (01/04 family 0x0F), and the connection its 01/05 names is run as a
//! `ServiceLink` on the same hub — the client's own directory connection core against the
//! server's own service session, every frame through both codecs. Searches by e-mail, name and
//! interest come back as `Event::DirectoryResults`, the interest list as
//! `Event::DirectoryKeywords`; a server without a directory says so.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

mod support;

use flapjack::session::room::ServiceKind;
use flapjack::session::state::ServiceOrder;
use flapjack::session::{Command, DirectoryOutcome, DirectoryQuery, Event};
use flapjack_testkit::service::ServiceLink;
use flapjack_testkit::Pair;

use support::session::server_config;

const HOP: u64 = 20;

fn signed_on(config: flapjack::server::ServerConfig) -> Pair {
    let mut p = Pair::new(config, "Alice Ant", HOP);
    p.connect();
    assert!(p.run_until(5_000, |p| p.events.iter().any(|e| matches!(e, Event::SignedOn { .. }))));
    p
}

fn answers(p: &Pair) -> Vec<(DirectoryQuery, DirectoryOutcome, Vec<String>)> {
    p.events
        .iter()
        .filter_map(|e| match e {
            Event::DirectoryResults { query, outcome, users } => Some((
                query.clone(),
                *outcome,
                users.iter().map(|u| u.screen_name.clone()).collect(),
            )),
            _ => None,
        })
        .collect()
}

/// Hands the client's orders to the link and the link's answers to the client, as the actor
/// does.
fn carry(p: &mut Pair, link: &mut ServiceLink) {
    for order in std::mem::take(&mut p.services) {
        match order {
            ServiceOrder::SearchDirectory(q) => link.conn.search_directory(p.now, q),
            ServiceOrder::DirectoryKeywords => link.conn.list_keywords(p.now),
            other => panic!("unexpected order {other:?}"),
        }
    }
    let out = link.run(p.now);
    p.client.directory_answered(out.directory);
    p.client.directory_keywords_answered(out.keywords);
    p.drain();
}

#[test]
fn searches_go_through_the_redirect_to_the_directory_connection_and_come_back() {
    let mut p = signed_on(server_config());
    let by_name = DirectoryQuery::name("", "bee");
    p.command(Command::SearchDirectory(by_name.clone()));
    assert!(p.run_until(2_000, |p| !p.services.is_empty()), "01/04 answered by 01/05");
    let open = p.services.remove(0);
    assert!(matches!(&open, ServiceOrder::Open { kind: ServiceKind::Directory, .. }), "{open:?}");
    let mut link = ServiceLink::open(std::sync::Arc::clone(p.hub()), &open, p.now).unwrap();
    assert!(!link.closed);
    // The actor tells the core the connection is open; the waiting search goes to it.
    p.client.directory_opened();
    p.drain();
    assert_eq!(p.services, [ServiceOrder::SearchDirectory(by_name.clone())]);
    carry(&mut p, &mut link);
    // Open now: more searches go straight to it.
    let email = DirectoryQuery::Email("BOB@example.com".into());
    let honey = DirectoryQuery::Interest("honey".into());
    let nothing = DirectoryQuery::name("Nobody", "");
    for q in [&email, &honey, &nothing] {
        p.command(Command::SearchDirectory(q.clone()));
    }
    carry(&mut p, &mut link);
    let s = |v: &[&str]| v.iter().map(|n| n.to_string()).collect::<Vec<_>>();
    let found = DirectoryOutcome::Found;
    assert_eq!(
        answers(&p),
        [
            (by_name, found, s(&["Bob Bee", "Carol"])),
            (email, found, s(&["Bob Bee"])),
            (honey, found, s(&["Bob Bee", "Carol"])),
            (nothing, found, s(&[])),
        ]
    );
    // What the directory shows of a person: names and place, not the e-mail address.
    let bob = p
        .events
        .iter()
        .find_map(|e| match e {
            Event::DirectoryResults { users, .. } => users.first().cloned(),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        (bob.first_name.as_str(), bob.city.as_str(), bob.state.as_str(), bob.email.as_str()),
        ("Bob", "Austin", "TX", "")
    );
    // The interests the directory knows (0F/04 → 0F/05) on the same connection.
    p.command(Command::DirectoryKeywords);
    carry(&mut p, &mut link);
    let words: Vec<String> = p
        .events
        .iter()
        .find_map(|e| match e {
            Event::DirectoryKeywords { outcome: DirectoryOutcome::Found, keywords } => {
                Some(keywords.iter().map(|k| k.name.clone()).collect())
            }
            _ => None,
        })
        .unwrap();
    assert_eq!(words, ["Chess", "Honey"]);
}

#[test]
fn a_server_without_a_directory_is_reported_as_such() {
    let mut config = server_config();
    config.directory = false;
    let mut p = signed_on(config);
    let q = DirectoryQuery::Interest("honey".into());
    p.command(Command::SearchDirectory(q.clone()));
    assert!(p.run_until(2_000, |p| !answers(p).is_empty()));
    assert!(p.services.is_empty(), "nothing to open");
    assert_eq!(answers(&p), [(q, DirectoryOutcome::NoDirectory, vec![])]);
}
