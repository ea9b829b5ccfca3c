//! Round trips of `flapjack --send` (sign on, send, acknowledged), counted causally by delaying
//! proxies on every hop rather than timed: cold by HTTP and by BUCP 3, warm with a stored token
//! 2, the floor the protocol allows (two request/reply exchanges before BOS, or one with a
//! token, then the whole BOS sign-on and the IM in one flight). Open OSCAR Server's web API
//! costs one exchange more (`startSession`), 4 cold. Joining a room whose reference is known
//! costs one round trip after the 01/05 (the room connection's sign-on is pipelined), and so
//! does a buddy's icon on the BART connection (its 10/06 rides with the sign-on flight).
//! Fails if the client needs more.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

mod support;

use std::time::Duration;

use flapjack::headless::SendOutcome;
use flapjack::session::{Command, Event, RoomEvent};
use support::session::expect;
use support::signon_rig::{Rig, SignOn, SENDER, SINK};

/// Long enough that scheduling noise cannot reorder a send and an unrelated arrival.
const DELAY: Duration = Duration::from_millis(100);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_needs_three_round_trips_cold_and_two_warm() {
    let rig = Rig::start(DELAY).await;
    for how in SignOn::ALL {
        let run = rig.run(how).await;
        eprintln!("{how:?}: {run:#?}");
        assert_eq!(run.report.outcome, SendOutcome::Delivered, "{how:?}: {:?}", run.report);
        assert_eq!(run.round_trips(), Some(how.floor()), "{how:?}: {run:#?}");
        // Signing off after the ack closes our side without waiting for the server's.
        assert_eq!(run.round_trips_to_return(), how.floor(), "{how:?}: {run:#?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_through_the_oos_web_api_needs_four_round_trips() {
    let rig = Rig::start_oos(DELAY).await;
    for how in [SignOn::ColdOos, SignOn::ColdBucp] {
        let run = rig.run(how).await;
        eprintln!("{how:?}: {run:#?}");
        assert_eq!(run.report.outcome, SendOutcome::Delivered, "{how:?}: {:?}", run.report);
        assert_eq!(run.round_trips(), Some(how.floor()), "{how:?}: {run:#?}");
        assert_eq!(run.round_trips_to_return(), how.floor(), "{how:?}: {run:#?}");
    }
    // The three HTTP exchanges share one connection: no handshake is paid twice.
    let run = rig.run(SignOn::ColdOos).await;
    assert_eq!(run.http.connections, 1, "{run:#?}");
}

fn joined(e: &Event) -> bool {
    matches!(e, Event::Room(RoomEvent::Joined { .. }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joining_a_known_room_costs_one_round_trip_after_the_redirect() {
    let rig = Rig::start(DELAY).await;
    rig.net.reset();
    let mut h = rig.spawn(SignOn::ColdBucp);
    expect(&mut h, "signed on", |e| matches!(e, Event::BuddyList(_))).await;
    // By name: ChatNav is asked for, signed on, asked for the room, then the room is joined.
    let before = rig.net.client_level();
    h.commands.send(Command::JoinRoom { name: "Pancake Talk".into() }).unwrap();
    expect(&mut h, "joined by name", joined).await;
    let by_name = rig.net.arrivals(0x0E, 0x03)[0].level - before;
    eprintln!("joining by name: {} round trips ({by_name} levels)", by_name.div_ceil(2));

    // The server drops the room connection; the client knows the room's reference now, so it
    // rejoins with one 01/04 and, after the 01/05, one round trip on the new connection.
    assert_eq!(rig.server.hub().cut_room_connections(SENDER), 1);
    expect(&mut h, "joined again", joined).await;
    let redirect = *rig.net.arrivals(0x01, 0x05).last().expect("a 01/05 for the rejoin");
    let occupants = rig.net.arrivals(0x0E, 0x03);
    let rejoined = occupants.iter().find(|a| a.level > redirect.level).expect("the rejoin's 0E/03");
    let info = rig.net.arrivals(0x0E, 0x02);
    let info = info.iter().find(|a| a.level > redirect.level).expect("the rejoin's 0E/02");
    let levels = (rejoined.level - redirect.level, info.level - redirect.level);
    eprintln!(
        "joining a known room: {} round trip after the 01/05 ({levels:?} levels), {:?} wall",
        levels.0.div_ceil(2),
        rejoined.at - redirect.at
    );
    assert_eq!(levels, (2, 2), "occupants and room info one round trip after the 01/05");
    h.commands.send(Command::SignOff).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_buddy_icon_costs_one_round_trip_after_the_bart_redirect() {
    let rig = Rig::start(DELAY).await;
    let gif = bytes::Bytes::from_static(b"GIF89a the sink's icon");
    let sink = flapjack::screenname::ScreenName::parse(SINK).unwrap();
    rig.server.hub().set_account_icon(&sink, gif.clone()).unwrap();
    let cache = tempfile::tempdir().unwrap();
    rig.net.reset();
    let mut h = rig.spawn_with(SignOn::ColdBucp, |c| c.with_buddy_icons(Some(cache.path().into())));
    expect(&mut h, "signed on", |e| matches!(e, Event::BuddyList(_))).await;
    // Watching the sink brings its user info, TLV 0x1D included: not cached, so BART is asked
    // for, and the download goes out with the BART connection's sign-on.
    h.commands.send(Command::WatchPresence { name: sink }).unwrap();
    let icon = expect(&mut h, "the sink's icon", |e| matches!(e, Event::BuddyIcon { .. })).await;
    assert!(matches!(&icon, Event::BuddyIcon { data, .. } if *data == gif), "{icon:?}");
    let redirect = *rig.net.arrivals(0x01, 0x05).last().expect("a 01/05 for BART");
    let reply = rig.net.arrivals(0x10, 0x07);
    let reply = reply.iter().find(|a| a.level > redirect.level).expect("the 10/07");
    let levels = reply.level - redirect.level;
    eprintln!(
        "a buddy icon: {} round trip after the 01/05 ({levels} levels), {:?} wall",
        levels.div_ceil(2),
        reply.at - redirect.at
    );
    assert_eq!(levels, 2, "the icon one round trip after the 01/05");
    h.commands.send(Command::SignOff).unwrap();
}
