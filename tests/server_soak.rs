//! Soak: 200 clients exchange 10,000 IMs through the embedded server over real sockets; every
//! IM arrives exactly once at its recipient, every one is acknowledged to its sender, and the
//! process's resident memory stays bounded (issue 17, item 10).
//!
//! Rate limits are lifted ([`support::load::unlimited_rates`]): this measures the relay, and
//! 50 IMs in a burst per client would otherwise be (rightly) rate-limited.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

mod support;

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use flapjack::screenname::ScreenName;
use flapjack::server::{Accounts, Server, ServerConfig};
use support::load::{self, Got};

const CLIENTS: usize = 200;
const PER_CLIENT: usize = 50;
/// Growth of this process's resident memory (server and all 200 clients) the run may cause.
const RSS_BUDGET_KB: u64 = 48 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_clients_exchange_ten_thousand_ims_none_lost_none_twice() {
    let mut config = ServerConfig::for_tests(
        Accounts::from_toml(&load::accounts_toml("soak", CLIENTS)).unwrap(),
    );
    config.rate_classes = load::unlimited_rates();
    let server = Server::start(config).await.unwrap();
    let rss_before = load::vm_rss_kb(None).unwrap();
    let name = |i: usize| format!("soak{i:05}");

    let state = server.state().clone();
    let bos = server.bos_addr();
    let signons = (0..CLIENTS).map(|i| {
        let cookie = state.cookies.issue(&ScreenName::from_wire(&name(i)), state.now());
        tokio::spawn(async move { load::sign_on(bos, &cookie).await })
    });
    let clients = futures::future::join_all(signons).await;

    // Client i sends its k-th IM to client (i + k) % 200, so each receives exactly 50, one from
    // each of 50 different senders; all of them at once, while every client reads.
    let epoch = Instant::now();
    let runs = clients.into_iter().enumerate().map(|(i, c)| {
        let (mut reader, mut writer) = c.unwrap();
        tokio::spawn(async move {
            for k in 1..=PER_CLIENT {
                let to = format!("soak{:05}", (i + k) % CLIENTS);
                let cookie = load::cookie(i as u16, k as u16, epoch);
                writer.im(&to, cookie, &format!("soak message {k} from {i}"));
            }
            writer.flush().await;
            let (mut ims, mut acks) = (Vec::new(), HashSet::new());
            while ims.len() < PER_CLIENT || acks.len() < PER_CLIENT {
                match reader.next().await.expect("connection ended") {
                    Got::Im(cookie, from) => ims.push((load::cookie_ids(&cookie), from)),
                    Got::Ack(cookie) => assert!(acks.insert(load::cookie_ids(&cookie))),
                    Got::Error(code) => panic!("client {i}: error 0x{code:02X}"),
                    Got::Other => {}
                }
            }
            (i, ims, acks, writer)
        })
    });
    let results = tokio::time::timeout(Duration::from_secs(40), futures::future::join_all(runs))
        .await
        .expect("10,000 IMs within 40 s");

    let mut seen = HashSet::new();
    let mut writers = Vec::new();
    for r in results {
        let (i, ims, acks, writer) = r.unwrap();
        writers.push(writer);
        let own: HashSet<(u16, u16)> = (1..=PER_CLIENT).map(|k| (i as u16, k as u16)).collect();
        assert_eq!(acks, own, "client {i}: every IM it sent acknowledged once");
        assert_eq!(ims.len(), PER_CLIENT, "client {i}");
        for ((from, k), sender) in ims {
            assert_eq!((usize::from(from) + usize::from(k)) % CLIENTS, i, "delivered to {i}");
            assert_eq!(sender, name(usize::from(from)));
            assert!(seen.insert((from, k)), "IM {k} from {from} arrived twice");
        }
    }
    assert_eq!(seen.len(), CLIENTS * PER_CLIENT);
    assert_eq!(
        server.state().counters.ims_relayed.load(Ordering::Relaxed),
        (CLIENTS * PER_CLIENT) as u64
    );
    let rss_after = load::vm_rss_kb(None).unwrap();
    let grew = rss_after.saturating_sub(rss_before);
    println!(
        "soak: {} IMs in {:?}, RSS {rss_before} kB -> {rss_after} kB",
        seen.len(),
        epoch.elapsed()
    );
    assert!(grew < RSS_BUDGET_KB, "resident memory grew {grew} kB (budget {RSS_BUDGET_KB} kB)");
    drop(writers);
    server.shutdown().await;
}
