//! ICQ authorization (§6.4) and the ICQ directory (§10.1), client state machine against the
//! embedded server in memory: two `Pair`s on one hub, so one user's request reaches the other.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

mod support;

use std::sync::Arc;

use flapjack::screenname::ScreenName;
use flapjack::server::Hub;
use flapjack::session::{AuthNotice, Availability, Command, Event, SearchQuery};
use flapjack_testkit::Pair;

use support::session::server_config;

const HOP: u64 = 20;
const REQUESTER: &str = "123456789";
const GRANTER: &str = "987654321";

fn sn(s: &str) -> ScreenName {
    ScreenName::from_wire(s)
}

fn hub() -> Arc<Hub> {
    Arc::clone(Pair::new(server_config(), REQUESTER, HOP).hub())
}

fn signed_on(hub: &Arc<Hub>, name: &str) -> Pair {
    let mut p = Pair::on_hub(Arc::clone(hub), name, HOP);
    p.connect();
    assert!(p.run_until(5_000, |p| p.events.iter().any(|e| matches!(e, Event::SignedOn { .. }))));
    p
}

/// Lets `p` receive what the hub queued for it, then runs it until `pred` holds.
fn until(p: &mut Pair, pred: impl Fn(&Event) -> bool) -> bool {
    p.pump();
    p.run_until(5_000, |p| p.events.iter().any(&pred))
}

fn notice(p: &Pair) -> Vec<AuthNotice> {
    p.events
        .iter()
        .filter_map(|e| match e {
            Event::Authorization(n) => Some(n.clone()),
            _ => None,
        })
        .collect()
}

/// Whether the newest buddy list shows `name`, and whether as awaiting authorization.
fn listed(p: &Pair, name: &str) -> Option<bool> {
    let list = p.events.iter().rev().find_map(|e| match e {
        Event::BuddyList(l) => Some(l),
        _ => None,
    })?;
    list.groups
        .iter()
        .flat_map(|g| &g.buddies)
        .find(|b| b.name == sn(name))
        .map(|b| b.awaiting_auth)
}

fn online(p: &Pair, name: &str) -> bool {
    p.events.iter().any(|e| {
        matches!(e, Event::Presence(pr) if pr.name == sn(name) && pr.availability != Availability::Offline)
    })
}

#[test]
fn adding_a_contact_that_requires_authorization_asks_waits_and_shows_them_once_granted() {
    let hub = hub();
    let mut granter = signed_on(&hub, GRANTER);
    let mut requester = signed_on(&hub, REQUESTER);
    requester.command(Command::AddBuddy { name: sn(GRANTER), group: "Buddies".into() });
    assert!(until(&mut requester, |e| matches!(
        e,
        Event::Authorization(AuthNotice::Needed { name }) if *name == sn(GRANTER)
    )));
    requester.run_until(1_000, |_| false);
    assert_eq!(listed(&requester, GRANTER), Some(true), "listed as awaiting authorization");
    assert!(!requester.events.iter().any(|e| matches!(e, Event::BuddyListError(_))));
    assert!(!online(&requester, GRANTER), "no presence while awaiting authorization");

    requester
        .command(Command::RequestAuthorization { name: sn(GRANTER), message: "hi there".into() });
    requester.run_until(1_000, |_| false);
    assert!(until(&mut granter, |e| matches!(
        e,
        Event::Authorization(AuthNotice::Requested { from, message })
            if *from == sn(REQUESTER) && message == "hi there"
    )));

    granter.command(Command::Authorize {
        name: sn(REQUESTER),
        granted: true,
        reason: "sure".into(),
    });
    granter.run_until(1_000, |_| false);
    assert!(until(&mut requester, |e| matches!(
        e,
        Event::Authorization(AuthNotice::Answered { from, granted: true, reason })
            if *from == sn(GRANTER) && reason == "sure"
    )));
    requester.pump();
    requester.run_until(1_000, |_| false);
    assert_eq!(listed(&requester, GRANTER), Some(false), "no longer awaiting");
    assert!(online(&requester, GRANTER), "presence once authorized");
    assert!(until(&mut granter, |e| matches!(
        e,
        Event::Authorization(AuthNotice::AddedYou { from }) if *from == sn(REQUESTER)
    )));
}

#[test]
fn a_denied_request_is_reported_and_the_contact_stays_awaiting() {
    let hub = hub();
    let mut granter = signed_on(&hub, GRANTER);
    let mut requester = signed_on(&hub, REQUESTER);
    requester.command(Command::AddBuddy { name: sn(GRANTER), group: "Buddies".into() });
    until(&mut requester, |e| matches!(e, Event::Authorization(AuthNotice::Needed { .. })));
    requester.command(Command::RequestAuthorization { name: sn(GRANTER), message: String::new() });
    requester.run_until(1_000, |_| false);
    assert!(until(&mut granter, |e| matches!(
        e,
        Event::Authorization(AuthNotice::Requested { .. })
    )));
    granter.command(Command::Authorize {
        name: sn(REQUESTER),
        granted: false,
        reason: "who?".into(),
    });
    granter.run_until(1_000, |_| false);
    assert!(until(&mut requester, |e| matches!(
        e,
        Event::Authorization(AuthNotice::Answered { granted: false, reason, .. }) if reason == "who?"
    )));
    requester.run_until(1_000, |_| false);
    assert_eq!(listed(&requester, GRANTER), Some(true));
    assert!(!online(&requester, GRANTER));
    assert!(!notice(&granter).iter().any(|n| matches!(n, AuthNotice::AddedYou { .. })));
}

#[test]
fn a_pre_authorized_contact_is_added_without_asking() {
    let hub = hub();
    let mut granter = signed_on(&hub, GRANTER);
    let mut requester = signed_on(&hub, REQUESTER);
    // Nobody asked: /auth becomes a pre-authorization (13/14), heard as 13/15.
    granter.command(Command::Authorize {
        name: sn(REQUESTER),
        granted: true,
        reason: "welcome".into(),
    });
    granter.run_until(1_000, |_| false);
    assert!(until(&mut requester, |e| matches!(
        e,
        Event::Authorization(AuthNotice::PreAuthorized { from, message })
            if *from == sn(GRANTER) && message == "welcome"
    )));
    requester.command(Command::AddBuddy { name: sn(GRANTER), group: "Buddies".into() });
    assert!(until(&mut requester, |e| matches!(e, Event::Presence(p) if p.name == sn(GRANTER))));
    assert_eq!(listed(&requester, GRANTER), Some(false));
    assert!(!notice(&requester).iter().any(|n| matches!(n, AuthNotice::Needed { .. })));
    assert!(until(&mut granter, |e| matches!(
        e,
        Event::Authorization(AuthNotice::AddedYou { from }) if *from == sn(REQUESTER)
    )));
}

#[test]
fn a_request_to_an_offline_contact_arrives_at_their_next_sign_on() {
    let hub = hub();
    let mut requester = signed_on(&hub, REQUESTER);
    requester.command(Command::AddBuddy { name: sn(GRANTER), group: "Buddies".into() });
    until(&mut requester, |e| matches!(e, Event::Authorization(AuthNotice::Needed { .. })));
    requester.command(Command::RequestAuthorization { name: sn(GRANTER), message: "later".into() });
    requester.run_until(1_000, |_| false);
    let mut granter = signed_on(&hub, GRANTER);
    assert!(until(&mut granter, |e| matches!(
        e,
        Event::Authorization(AuthNotice::Requested { message, .. }) if message == "later"
    )));
}

#[test]
fn accounts_that_do_not_require_authorization_are_added_at_once() {
    let hub = hub();
    let mut requester = signed_on(&hub, REQUESTER);
    let _open = signed_on(&hub, "555000111");
    requester.command(Command::AddBuddy { name: sn("555000111"), group: "Buddies".into() });
    assert!(until(
        &mut requester,
        |e| matches!(e, Event::Presence(p) if p.name == sn("555000111"))
    ));
    assert_eq!(listed(&requester, "555000111"), Some(false));
    assert!(notice(&requester).is_empty());
}

#[test]
fn full_and_short_information_come_from_the_directory() {
    let hub = hub();
    let mut p = signed_on(&hub, GRANTER);
    p.command(Command::IcqInfo { uin: 123456789, full: true });
    assert!(until(&mut p, |e| matches!(e, Event::IcqInfo { .. })));
    let Some(Event::IcqInfo { uin, user: Some(user), notes }) =
        p.events.iter().find(|e| matches!(e, Event::IcqInfo { .. }))
    else {
        panic!("no full information: {:?}", p.events)
    };
    assert_eq!(*uin, 123456789);
    assert_eq!((user.nickname.as_str(), user.first_name.as_str()), ("Stack", "Maple"));
    assert_eq!(user.email, "maple@example.com");
    assert!(user.auth_required);
    assert_eq!(notes.as_deref(), Some(""));
    p.events.clear();
    p.command(Command::IcqInfo { uin: 555000111, full: false });
    assert!(until(&mut p, |e| matches!(e, Event::IcqInfo { .. })));
    assert!(matches!(
        p.events.iter().find(|e| matches!(e, Event::IcqInfo { .. })),
        Some(Event::IcqInfo { uin: 555000111, user: Some(u), .. }) if !u.auth_required && u.nickname == "Stack"
    ));
    p.events.clear();
    p.command(Command::IcqInfo { uin: 42424242, full: true });
    assert!(until(&mut p, |e| matches!(e, Event::IcqInfo { uin: 42424242, user: None, .. })));
}

fn search(p: &mut Pair, query: SearchQuery) -> (Vec<u32>, u32, bool) {
    p.events.clear();
    p.command(Command::Search(query));
    assert!(until(p, |e| matches!(e, Event::SearchResults { .. })));
    match p.events.iter().find(|e| matches!(e, Event::SearchResults { .. })) {
        Some(Event::SearchResults { users, more, failed, .. }) => {
            (users.iter().map(|u| u.uin).collect(), *more, *failed)
        }
        _ => unreachable!(),
    }
}

#[test]
fn the_directory_is_searched_by_uin_nickname_and_email() {
    let hub = hub();
    let mut p = signed_on(&hub, GRANTER);
    assert_eq!(search(&mut p, SearchQuery::Uin(123456789)), (vec![123456789], 0, false));
    let nick =
        SearchQuery::Details { first: String::new(), last: String::new(), nick: "stack".into() };
    // Two accounts share the nickname: both come back, in UIN order, over two replies.
    assert_eq!(search(&mut p, nick), (vec![123456789, 555000111], 0, false));
    assert_eq!(
        search(&mut p, SearchQuery::Email("MAPLE@example.com".into())),
        (vec![123456789], 0, false)
    );
    assert_eq!(search(&mut p, SearchQuery::Uin(1)), (vec![], 0, false));
    // AIM accounts are not in the ICQ directory.
    let aim = SearchQuery::Details {
        first: String::new(),
        last: String::new(),
        nick: "Alice Ant".into(),
    };
    assert_eq!(search(&mut p, aim), (vec![], 0, false));
}

#[test]
fn get_info_on_a_uin_asks_the_directory_too() {
    let hub = hub();
    let mut p = signed_on(&hub, GRANTER);
    p.command(Command::GetInfo { name: sn(REQUESTER) });
    // The requester is offline: the locate query fails, the directory still answers.
    assert!(until(&mut p, |e| matches!(e, Event::IcqInfo { uin: 123456789, user: Some(_), .. })));
    assert!(p.events.iter().any(|e| matches!(e, Event::InfoUnavailable { .. })));
}
