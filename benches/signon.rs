//! Sign-on round trips of `flapjack --send` (sign on, send, acknowledged), by wall clock.
//!
//! Every hop (HTTP sign-on, BUCP, BOS) runs through a proxy that holds each chunk 20 ms in each
//! direction, so one round trip costs 40 ms; the figure is
//! `(median wall with the delay − median wall through the same proxies without it) / 40 ms`,
//! for a cold HTTP sign-on, a cold BUCP sign-on and a warm one (stored token). Targets: ≤ 3
//! cold, ≤ 2 warm. A flight stalled by Nagle or a delayed ACK, or a wait for a reply nobody
//! needs, shows up here as extra time even where the causal count (also printed, from the
//! proxies' ledger) stays at the floor.
//!
//! `cargo bench --bench signon` (runs: `FLAPJACK_BENCH_RUNS`, default 15). Without `--bench`
//! (as `cargo test --benches` runs it) each case runs once, as a smoke test.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::Duration;

use flapjack::headless::SendOutcome;
use support::signon_rig::{Rig, Run, SignOn};

const DELAY: Duration = Duration::from_millis(20);
const ROUND_TRIP: Duration = Duration::from_millis(40);

fn median(mut walls: Vec<Duration>) -> Duration {
    walls.sort();
    walls[walls.len() / 2]
}

fn checked(run: Run, how: SignOn) -> Run {
    assert_eq!(run.report.outcome, SendOutcome::Delivered, "{how:?}: {:?}", run.report);
    run
}

async fn bench(runs: usize, warmup: usize) {
    let plain = Rig::start(Duration::ZERO).await;
    let delayed = Rig::start(DELAY).await;
    println!(
        "{:<22} {:>10} {:>10} {:>12} {:>8} {:>14}",
        "sign-on", "no delay", "20 ms/hop", "round trips", "causal", "connections"
    );
    for how in SignOn::ALL {
        for _ in 0..warmup {
            checked(plain.run(how).await, how);
            checked(delayed.run(how).await, how);
        }
        let mut base = Vec::with_capacity(runs);
        let mut slow = Vec::with_capacity(runs);
        let mut last = None;
        for _ in 0..runs {
            base.push(checked(plain.run(how).await, how).wall);
            let run = checked(delayed.run(how).await, how);
            slow.push(run.wall);
            last = Some(run);
        }
        let (base, slow) = (median(base), median(slow));
        let trips = slow.saturating_sub(base).as_secs_f64() / ROUND_TRIP.as_secs_f64();
        let run = last.expect("at least one run");
        let connections =
            format!("{}/{}/{}", run.http.connections, run.bucp.connections, run.bos.connections);
        println!(
            "{:<22} {:>8.1}ms {:>8.1}ms {:>12.2} {:>8} {:>14}",
            how.label(),
            base.as_secs_f64() * 1e3,
            slow.as_secs_f64() * 1e3,
            trips,
            run.round_trips().map_or("-".into(), |t| t.to_string()),
            connections,
        );
        let target = f64::from(how.floor());
        if trips > target + 0.25 {
            println!("  ↑ over the target of {target} round trips");
        }
    }
    println!("(connections: HTTP/BUCP/BOS opened per run; target ≤ 3 cold, ≤ 2 warm)");
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let runs = if full {
        std::env::var("FLAPJACK_BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(15)
    } else {
        1
    };
    let warmup = if full { 2 } else { 0 };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(bench(runs.max(1), warmup));
}
