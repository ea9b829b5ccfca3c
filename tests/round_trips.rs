//! Round trips of `flapjack --send` (sign on, send, acknowledged), counted causally by delaying
//! proxies on every hop rather than timed: cold by HTTP and by BUCP 3, warm with a stored token
//! 2, the floor the protocol allows (two request/reply exchanges before BOS, or one with a
//! token, then the whole BOS sign-on and the IM in one flight). Open OSCAR Server's web API
//! costs one exchange more (`startSession`), 4 cold. Fails if the client needs more.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

mod support;

use std::time::Duration;

use flapjack::headless::SendOutcome;
use support::signon_rig::{Rig, SignOn};

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
