//! 200 IMs queued at once reach the recipient in order, every one acknowledged, without a
//! single rate warning, on a server enforcing AOL's classes scaled down 100× (about 10 s).
//! How close the pacing comes to the floor is measured by `benches/pacing.rs`, not here.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

mod support;

use std::time::Duration;

use support::pacing::pace;

// One thread for client and server: on a loaded machine a descheduled worker could otherwise
// hold the server's task while the client keeps writing, and the server would then read a
// batch of IMs at one instant (gaps of 0) that the client had spaced 52 ms apart. At 100× that
// takes a stall of only ~200 ms; at AOL's real scale it would take ~20 s.
#[tokio::test]
async fn two_hundred_queued_ims_arrive_in_order_without_a_rate_warning() {
    let paced = pace(100, 200, Duration::from_secs(120)).await;
    assert!(paced.failed.is_empty(), "failures: {:?}", paced.failed);
    assert_eq!(paced.acked, 200);
    assert_eq!(paced.received, paced.sent, "every IM, in the order queued");
    assert_eq!(
        paced.server_warnings, 0,
        "the server warned; {:?} to the last ack",
        paced.to_last_ack
    );
    assert_eq!(paced.client_warnings, 0, "the session reported a warning");
}
