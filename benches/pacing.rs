//! Rate pacing: 200 IMs queued at once, on a server enforcing AOL's rate classes scaled down
//! 5× (so the IM class allows one IM per ~1 s instead of ~5 s and the run takes ~3.3 min).
//!
//! Reports the floor the IM class allows (its window, alert and max levels through the OSCAR
//! level formula, computed by `RateClass::floor_ms`), the time from queueing to the last
//! acknowledgement and to the recipient's last IM, the percentage over the floor (target
//! ≤ 1 %), whether every IM arrived in order, and the rate warnings the server sent (target 0).
//!
//! `cargo bench --bench pacing` (`FLAPJACK_PACING_SCALE`, default 5). Without `--bench` (as
//! `cargo test --benches` runs it) it queues 20 IMs at 100× as a smoke test.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::Duration;

use support::pacing::pace;

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (scale, count) = if full {
        let scale =
            std::env::var("FLAPJACK_PACING_SCALE").ok().and_then(|v| v.parse().ok()).unwrap_or(5);
        (scale, 200)
    } else {
        (100, 20)
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let paced = runtime.block_on(pace(scale, count, Duration::from_secs(1800)));
    let in_order = paced.received == paced.sent;
    println!("{count} IMs queued at once, AOL's rate classes scaled down {scale}×");
    println!("  floor the IM class allows : {:>10.3} s", paced.floor_ms as f64 / 1e3);
    println!("  to the last ack           : {:>10.3} s", paced.to_last_ack.as_secs_f64());
    println!("  to the last IM received   : {:>10.3} s", paced.to_last_received.as_secs_f64());
    println!(
        "  over the floor            : {:>10.2} %  (target ≤ 1 %)",
        paced.percent_over_floor()
    );
    println!("  acknowledged / received   : {} / {}", paced.acked, paced.received.len());
    println!("  in order                  : {in_order}");
    println!(
        "  rate warnings             : {} from the server, {} reported by the session (target 0)",
        paced.server_warnings, paced.client_warnings
    );
    assert!(paced.failed.is_empty(), "failures: {:?}", paced.failed);
    assert!(in_order, "IMs arrived out of order or went missing");
}
