//! The session actor against a scripted fake server over real sockets: the one-flight sign-on,
//! surviving undecodable SNACs, reconnecting after a framing error, and resending an
//! unacknowledged IM once with the same cookie.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

mod support;

use std::time::Duration;

use flapjack::auth::ServerProfile;
use flapjack::oscar::icbm::IncomingIm;
use flapjack::oscar::userinfo::UserInfo;
use flapjack::oscar::{ImMessage, SnacBody, TlvBlock};
use flapjack::screenname::ScreenName;
use flapjack::session::{
    self, Command, Delivery, DisconnectReason, Event, LoginMethod, NetworkError, ReconnectPolicy,
    SessionConfig, SessionHandle, SignOnFailure,
};
use support::fake_bos::{Action, BosScript, FakeBos, PASSWORD};

fn config(fake: &FakeBos, password: &str) -> SessionConfig {
    SessionConfig::new(ScreenName::parse("Tester").unwrap(), ServerProfile::local())
        .with_method(LoginMethod::Bucp(fake.addr.to_string()))
        .with_password(password)
        .with_reconnect(ReconnectPolicy {
            initial_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(100),
            ..ReconnectPolicy::default()
        })
}

async fn next(h: &mut SessionHandle, what: &str, pred: impl Fn(&Event) -> bool) -> Vec<Event> {
    let mut seen = Vec::new();
    loop {
        match tokio::time::timeout(Duration::from_secs(10), h.events.recv()).await {
            Ok(Some(e)) => {
                let done = pred(&e);
                seen.push(e);
                if done {
                    return seen;
                }
            }
            other => panic!("no {what} ({other:?}); saw {seen:#?}"),
        }
    }
}

fn im_from(name: &str, text: &str, cookie: u8) -> SnacBody {
    let data = ImMessage::new(text).to_bytes().unwrap();
    SnacBody::IncomingIm(IncomingIm {
        cookie: [cookie; 8],
        channel: 1,
        sender: UserInfo::new(name),
        tlvs: TlvBlock::new().with(2, data),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bucp_and_bos_sign_on_are_each_one_flight() {
    let fake = FakeBos::start(vec![]).await;
    let mut h = session::connect(config(&fake, PASSWORD)).await.expect("signs on");
    let events = next(&mut h, "buddy list", |e| matches!(e, Event::BuddyList(_))).await;
    assert!(matches!(events.last(), Some(Event::BuddyList(l)) if l.groups[0].buddies.len() == 1));
    // 01/08 follows once 01/07 has arrived.
    let has_rate_ack = || {
        let seen = fake.seen.lock().unwrap();
        seen.bos_snacs.iter().any(|&(_, f, s)| (f, s) == (0x01, 0x08))
    };
    for _ in 0..200 {
        if has_rate_ack() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(has_rate_ack(), "01/08 never arrived");
    h.commands.send(Command::SignOff).unwrap();
    next(&mut h, "end", |e| matches!(e, Event::Disconnected(DisconnectReason::SignedOff))).await;
    let seen = fake.seen.lock().unwrap();
    // BUCP: hello and 17/06 arrive together.
    assert_eq!(seen.first_reads[0], (false, vec![(1, 0, 0), (2, 0x17, 0x06)]));
    // BOS: hello and the whole sign-on in the first read; 01/08 only later.
    let (bos, first) = &seen.first_reads[1];
    assert!(*bos);
    let snacs: Vec<(u16, u16)> = first.iter().skip(1).map(|&(_, f, s)| (f, s)).collect();
    assert_eq!(first[0], (1, 0, 0));
    // The sign-on order the fault plan cuts around, less 01/08 (it waits for 01/07).
    let expected: Vec<(u16, u16)> = flapjack::server::faults::SIGNON_SNACS
        .into_iter()
        .filter(|id| *id != (0x01, 0x08))
        .collect();
    assert_eq!(snacs, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_bucp_password_fails_without_retrying() {
    let fake = FakeBos::start(vec![]).await;
    match session::connect(config(&fake, "wrong")).await {
        Err(session::SignOnError::Failed(DisconnectReason::AuthFailed(SignOnFailure::Code(
            code,
        )))) => assert_eq!(u16::from(code), 0x0005, "{code:?}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_sign_on_is_retried_with_backoff_only_when_asked_and_never_for_a_password() {
    // Nothing listens on this port any more.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let refused = |first_sign_on: bool| {
        let mut c =
            SessionConfig::new(ScreenName::parse("Tester").unwrap(), ServerProfile::local())
                .with_method(LoginMethod::Bucp(closed.to_string()))
                .with_password(PASSWORD);
        c.reconnect = ReconnectPolicy {
            initial_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(20),
            max_attempts: Some(2),
            first_sign_on,
            ..ReconnectPolicy::default()
        };
        c
    };
    // The TUI's policy: each network failure is retried, with its cause and the delay shown.
    let mut h = session::spawn(refused(true));
    let events = next(&mut h, "the end", |e| matches!(e, Event::Disconnected(_))).await;
    let attempts: Vec<u32> = events
        .iter()
        .filter_map(|e| match e {
            Event::Reconnecting { attempt, reason: DisconnectReason::Network(_), delay } => {
                assert!(*delay <= Duration::from_millis(24), "{delay:?}");
                Some(*attempt)
            }
            _ => None,
        })
        .collect();
    assert_eq!(attempts, [1, 2]);
    // `--send`'s policy: the first failure ends the session at once.
    let mut h = session::spawn(refused(false));
    let events = next(&mut h, "the end", |e| matches!(e, Event::Disconnected(_))).await;
    assert!(!events.iter().any(|e| matches!(e, Event::Reconnecting { .. })), "{events:?}");
    // A wrong password is not worth retrying, whatever the policy.
    let fake = FakeBos::start(vec![]).await;
    let mut wrong = config(&fake, "wrong");
    wrong.reconnect.first_sign_on = true;
    let mut h = session::spawn(wrong);
    let events = next(&mut h, "the end", |e| matches!(e, Event::Disconnected(_))).await;
    assert!(!events.iter().any(|e| matches!(e, Event::Reconnecting { .. })), "{events:?}");
    assert!(matches!(events.last(), Some(Event::Disconnected(DisconnectReason::AuthFailed(_)))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_snacs_are_skipped_and_a_framing_error_reconnects() {
    let first = BosScript {
        on_ready: vec![
            // Unknown family, a truncated SNAC header, and a 04/07 whose body is cut short.
            Action::Payload(vec![0x00, 0x42, 0x00, 0x01, 0, 0, 0x80, 0, 0, 1]),
            Action::Payload(vec![0x00, 0x04, 0x00]),
            Action::Payload(vec![0x00, 0x04, 0x00, 0x07, 0, 0, 0x80, 0, 0, 2, 1, 2, 3]),
            Action::Snac(im_from("friend", "still alive", 1)),
            Action::Raw(b"NOT A FLAP FRAME".to_vec()),
        ],
        drop_on_im: false,
    };
    let fake = FakeBos::start(vec![first]).await;
    let mut h = session::connect(config(&fake, PASSWORD)).await.expect("signs on");
    let events = next(&mut h, "the IM", |e| matches!(e, Event::ImReceived(_))).await;
    assert!(matches!(events.last(), Some(Event::ImReceived(im)) if im.text == "still alive"));
    let events = next(&mut h, "reconnecting", |e| matches!(e, Event::Reconnecting { .. })).await;
    match events.last() {
        Some(Event::Reconnecting {
            attempt: 1,
            reason: DisconnectReason::Network(NetworkError::Transport(text)),
            ..
        }) => {
            assert!(text.contains("0x4E"), "{text}")
        }
        other => panic!("{other:?}"),
    }
    next(&mut h, "signed on again", |e| matches!(e, Event::SignedOn { .. })).await;
    next(&mut h, "buddy list again", |e| matches!(e, Event::BuddyList(_))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unacknowledged_im_is_resent_once_with_the_same_cookie() {
    let drops = BosScript { on_ready: vec![], drop_on_im: true };
    let fake = FakeBos::start(vec![drops.clone(), drops]).await;
    let mut h = session::connect(config(&fake, PASSWORD)).await.expect("signs on");
    let friend = ScreenName::parse("friend").unwrap();
    h.commands.send(Command::SendIm { id: 1, to: friend.clone(), text: "once".into() }).unwrap();
    next(&mut h, "sent", |e| *e == Event::ImSent { id: 1 }).await;
    next(&mut h, "reconnecting", |e| matches!(e, Event::Reconnecting { .. })).await;
    // Resent on the second connection, which drops it too: now it fails, it is not sent a third
    // time.
    let events = next(&mut h, "failure", |e| matches!(e, Event::ImFailed { id: 1, .. })).await;
    assert!(events.contains(&Event::ImSent { id: 1 }));
    assert!(matches!(
        events.last(),
        Some(Event::ImFailed { reason: flapjack::session::ImFailure::ConnectionLost, .. })
    ));
    // The third connection acks normally.
    next(&mut h, "signed on", |e| matches!(e, Event::SignedOn { .. })).await;
    h.commands.send(Command::SendIm { id: 2, to: friend, text: "again".into() }).unwrap();
    next(&mut h, "ack", |e| *e == Event::ImAcked { id: 2, delivery: Delivery::Online }).await;
    let seen = fake.seen.lock().unwrap();
    assert_eq!(seen.im_cookies.len(), 3);
    assert_eq!(seen.im_cookies[0], seen.im_cookies[1], "the resend reuses the cookie");
    assert_ne!(seen.im_cookies[1], seen.im_cookies[2]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_im_sent_before_sign_on_rides_in_the_first_bos_flight() {
    // What `--send` does: spawn, send at once, wait for the ack. No extra round trip.
    let fake = FakeBos::start(vec![]).await;
    let mut h = session::spawn(config(&fake, PASSWORD));
    let friend = ScreenName::parse("friend").unwrap();
    h.commands.send(Command::SendIm { id: 1, to: friend, text: "quick".into() }).unwrap();
    let events =
        next(&mut h, "ack", |e| *e == Event::ImAcked { id: 1, delivery: Delivery::Online }).await;
    assert!(events.contains(&Event::ImQueued { id: 1 }));
    let seen = fake.seen.lock().unwrap();
    let (bos, first) = &seen.first_reads[1];
    assert!(*bos);
    let ids: Vec<(u16, u16)> = first.iter().map(|&(_, f, s)| (f, s)).collect();
    let ready = ids.iter().position(|id| *id == (0x01, 0x02)).expect("01/02 in the flight");
    // Whether "friend" is online is asked in the same flight, just ahead of the IM.
    assert_eq!(
        ids.get(ready + 1..ready + 3),
        Some(&[(0x02, 0x15), (0x04, 0x06)][..]),
        "the locate query and the IM follow 01/02: {ids:?}"
    );
}
