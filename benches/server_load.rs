//! Server load: BOS sign-ons per second, IMs relayed per second and relay latency with 1,000
//! signed-on clients, the resident memory of 10,000 idle sessions, and one user's sign-on and
//! IM while another floods a `--data` server (issue 17, item 10).
//!
//! The server runs in a child process (this bench re-run with `--server-load-child`), so its
//! `VmRSS` is the server's alone; the clients ([`support::load`]) run here, over real sockets
//! on 127.0.0.1, and share the machine's cores with it. Sign-ons present a cookie the child
//! issues from its store (the BUCP/HTTP exchange before BOS is not part of these figures). Rate
//! limits are lifted so the relay, not the limiter, is measured.
//!
//! Criterion measures sign-ons (batches of 100 concurrent) and IM relay (bursts of 10 IMs from
//! each of 1,000 clients, every IM received and acknowledged); the bench also prints what it
//! measures besides: p50/p99/max relay latency at a steady 10,000 IMs/s offered and within the
//! bursts, RSS for 10,000 idle sessions, and the sign-on + IM + ack wall time of one user while
//! another pads its feedbag and an offline inbox on a server with a data directory.
//!
//! `cargo bench --bench server_load [-- relay|idle|flood]`. Without `--bench` (as `cargo test --benches` runs it)
//! every part runs once at a small size, as a smoke test.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

#[path = "../tests/support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use flapjack::oscar::feedbag::{attr, FeedbagItem, FeedbagItems};
use flapjack::oscar::SnacBody;
use flapjack::screenname::ScreenName;
use flapjack::server::{Accounts, Server, ServerConfig};
use support::load::{self, Got, Writer};
use tokio::runtime::Runtime;
use tokio::sync::Notify;

const CHILD_FLAG: &str = "--server-load-child";

fn name(i: usize) -> String {
    format!("load{i:05}")
}

/// The child: a server with `n` accounts (and a data directory if given), driven over stdin.
fn child(n: usize, data: Option<String>) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build();
    let rt = rt.unwrap();
    rt.block_on(async {
        let accounts = Accounts::from_toml(&load::accounts_toml("load", n)).unwrap();
        let mut config = ServerConfig::for_tests(accounts);
        config.rate_classes = load::unlimited_rates();
        config.data_dir = data.map(Into::into);
        let server = Server::start(config).await.unwrap();
        let mut out = std::io::stdout().lock();
        writeln!(out, "bos {}", server.bos_addr()).unwrap();
        out.flush().unwrap();
        let state = server.state().clone();
        for line in std::io::stdin().lines() {
            let line = line.unwrap();
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["cookies", from, to] => {
                    for i in from.parse::<usize>().unwrap()..to.parse().unwrap() {
                        let c = state.cookies.issue(&ScreenName::from_wire(&name(i)), state.now());
                        writeln!(out, "{}", hex::encode(c)).unwrap();
                    }
                }
                ["rss"] => writeln!(out, "{}", load::vm_rss_kb(None).unwrap()).unwrap(),
                _ => panic!("unknown command {line:?}"),
            }
            out.flush().unwrap();
        }
        server.shutdown().await;
    });
}

/// The parent's handle on a child server.
struct ServerProcess {
    proc: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    bos: std::net::SocketAddr,
}

impl ServerProcess {
    fn start(accounts: usize, data: Option<&std::path::Path>) -> Self {
        let mut cmd = Command::new(std::env::current_exe().unwrap());
        cmd.arg(CHILD_FLAG).arg(accounts.to_string());
        if let Some(d) = data {
            cmd.arg(d);
        }
        let mut proc = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
        let stdin = proc.stdin.take();
        let mut stdout = BufReader::new(proc.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let bos = line.trim().strip_prefix("bos ").unwrap().parse().unwrap();
        ServerProcess { proc, stdin, stdout, bos }
    }

    fn ask(&mut self, command: &str, lines: usize) -> Vec<String> {
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "{command}").unwrap();
        stdin.flush().unwrap();
        (0..lines)
            .map(|_| {
                let mut line = String::new();
                self.stdout.read_line(&mut line).unwrap();
                line.trim().to_string()
            })
            .collect()
    }

    fn cookies(&mut self, from: usize, to: usize) -> Vec<Vec<u8>> {
        let lines = self.ask(&format!("cookies {from} {to}"), to - from);
        lines.iter().map(|l| hex::decode(l).unwrap()).collect()
    }

    fn rss_kb(&mut self) -> u64 {
        self.ask("rss", 1)[0].parse().unwrap()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.proc.wait();
    }
}

/// Signs on `cookies` (in waves of `wave` concurrent sign-ons).
async fn sign_on_all(
    bos: std::net::SocketAddr,
    cookies: Vec<Vec<u8>>,
    wave: usize,
) -> Vec<(load::Reader, Writer)> {
    let mut out = Vec::with_capacity(cookies.len());
    for chunk in cookies.chunks(wave) {
        let tasks = chunk
            .iter()
            .cloned()
            .map(|c| tokio::spawn(async move { load::sign_on(bos, &c).await }));
        for t in futures::future::join_all(tasks).await {
            out.push(t.unwrap());
        }
    }
    out
}

/// What the readers of signed-on clients report: IMs and acks received, trip times.
#[derive(Default)]
struct Tally {
    ims: AtomicUsize,
    acks: AtomicUsize,
    micros: Mutex<Vec<u32>>,
    changed: Notify,
}

impl Tally {
    async fn wait_for(&self, ims: usize, acks: usize) {
        loop {
            let notified = self.changed.notified();
            if self.ims.load(Ordering::Acquire) >= ims && self.acks.load(Ordering::Acquire) >= acks
            {
                return;
            }
            if tokio::time::timeout(Duration::from_secs(30), notified).await.is_err() {
                panic!(
                    "stalled at {} IMs / {} acks of {ims} / {acks}",
                    self.ims.load(Ordering::Acquire),
                    self.acks.load(Ordering::Acquire)
                );
            }
        }
    }
}

/// Starts a task per client that tallies what it receives.
fn spawn_readers(readers: Vec<load::Reader>, tally: &Arc<Tally>, epoch: Instant) {
    for mut r in readers {
        let tally = Arc::clone(tally);
        tokio::spawn(async move {
            while let Some(got) = r.next().await {
                match got {
                    Got::Im(cookie, _) => {
                        let age = load::cookie_age_micros(&cookie, epoch);
                        tally.micros.lock().unwrap().push(age);
                        tally.ims.fetch_add(1, Ordering::AcqRel);
                    }
                    Got::Ack(_) => {
                        tally.acks.fetch_add(1, Ordering::AcqRel);
                    }
                    Got::Error(code) => panic!("IM refused with 0x{code:02X}"),
                    Got::Other => continue,
                }
                tally.changed.notify_waiters();
            }
        });
    }
}

/// p50, p99 and max of `samples` in milliseconds.
fn percentiles(mut samples: Vec<u32>) -> (f64, f64, f64) {
    samples.sort_unstable();
    let at = |q: f64| {
        let i = ((samples.len() as f64 * q).ceil() as usize).clamp(1, samples.len()) - 1;
        f64::from(samples[i]) / 1000.0
    };
    (at(0.50), at(0.99), at(1.0))
}

/// One burst: `per` IMs from each client to the next one; returns when all are received and
/// acknowledged.
async fn burst(writers: &mut [Writer], per: usize, tally: &Tally, epoch: Instant, seq: &mut u16) {
    let n = writers.len();
    let (ims, acks) = (tally.ims.load(Ordering::Acquire), tally.acks.load(Ordering::Acquire));
    for (i, w) in writers.iter_mut().enumerate() {
        for _ in 0..per {
            *seq = seq.wrapping_add(1);
            w.im(&name((i + 1) % n), load::cookie(i as u16, *seq, epoch), "load test message");
        }
        w.flush().await;
    }
    tally.wait_for(ims + n * per, acks + n * per).await;
}

/// Relay with `clients` signed on: criterion's bursts, then latency at a steady offered rate.
fn relay(c: &mut Criterion, rt: &Runtime, clients: usize, full: bool) {
    let wave = clients.min(100);
    // Accounts past `clients` are for the sign-on batches, so those come and go without
    // touching the relay's sessions.
    let mut server = ServerProcess::start(clients + wave, None);
    let cookies = server.cookies(0, clients);
    let started = Instant::now();
    let signed_on = rt.block_on(sign_on_all(server.bos, cookies, clients));
    let wall = started.elapsed();
    println!(
        "server_load: {clients} concurrent BOS sign-ons in {wall:.2?} = {:.0} sign-ons/s",
        clients as f64 / wall.as_secs_f64()
    );

    let mut group = c.benchmark_group("server_load");
    group.sample_size(10).warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(if full { 8 } else { 1 }));
    group.throughput(Throughput::Elements(wave as u64));
    group.bench_function(format!("sign_on_{wave}_concurrent"), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let cookies = server.cookies(clients, clients + wave);
                let t = Instant::now();
                let batch = rt.block_on(sign_on_all(server.bos, cookies, wave));
                total += t.elapsed();
                drop(batch);
            }
            total
        })
    });

    let epoch = Instant::now();
    let tally = Arc::new(Tally::default());
    let (readers, mut writers): (Vec<_>, Vec<_>) = signed_on.into_iter().unzip();
    rt.block_on(async { spawn_readers(readers, &tally, epoch) });
    let per = 10;
    let mut seq = 0u16;
    group.throughput(Throughput::Elements((clients * per) as u64));
    group.bench_function(format!("relay_{per}_ims_from_each_of_{clients}"), |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            for _ in 0..iters {
                rt.block_on(burst(&mut writers, per, &tally, epoch, &mut seq));
            }
            t.elapsed()
        })
    });
    group.finish();
    let (p50, p99, max) = percentiles(std::mem::take(&mut *tally.micros.lock().unwrap()));
    println!(
        "server_load: latency within bursts: p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms"
    );

    // Steady load: every 10 ms, `rate / 100` IMs from successive clients.
    let rate = if full { 10_000 } else { 1_000 };
    let seconds = if full { 3 } else { 1 };
    let per_tick = rate / 100;
    let (ims, acks) = (tally.ims.load(Ordering::Acquire), tally.acks.load(Ordering::Acquire));
    rt.block_on(async {
        let mut tick = tokio::time::interval(Duration::from_millis(10));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        let mut next = 0;
        for _ in 0..seconds * 100 {
            tick.tick().await;
            for _ in 0..per_tick {
                let i = next % clients;
                next += 1;
                seq = seq.wrapping_add(1);
                let w = &mut writers[i];
                w.im(&name((i + 1) % clients), load::cookie(i as u16, seq, epoch), "steady");
                w.flush().await;
            }
        }
        let sent = seconds * 100 * per_tick;
        tally.wait_for(ims + sent, acks + sent).await;
    });
    let (p50, p99, max) = percentiles(std::mem::take(&mut *tally.micros.lock().unwrap()));
    println!(
        "server_load: latency at a steady {rate} IMs/s with {clients} signed on: \
         p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms"
    );
    drop(writers);
}

/// Resident memory of the server with `n` idle sessions signed on.
fn idle(rt: &Runtime, n: usize) {
    let mut server = ServerProcess::start(n, None);
    let empty = server.rss_kb();
    let cookies = server.cookies(0, n);
    let clients = rt.block_on(sign_on_all(server.bos, cookies, 500));
    std::thread::sleep(Duration::from_millis(500));
    let full = server.rss_kb();
    println!(
        "server_load: {n} idle sessions: server RSS {:.1} MB ({:.1} MB with none signed on, \
         {:.1} kB a session)",
        full as f64 / 1024.0,
        empty as f64 / 1024.0,
        (full.saturating_sub(empty)) as f64 / n as f64
    );
    drop(clients);
}

/// One user's sign-on, IM and ack while another pads its feedbag and an offline inbox on a
/// server with a data directory (every change saved).
fn under_flood(rt: &Runtime, full: bool) {
    let dir = tempfile::tempdir().unwrap();
    // load00000 floods, load00001 is the offline inbox, load00002 measures, load00003 answers.
    let mut server = ServerProcess::start(4, Some(dir.path()));
    let cookies = server.cookies(0, 4);
    let runs = if full { 30 } else { 3 };
    let fresh: Vec<Vec<u8>> = (0..runs).flat_map(|_| server.cookies(2, 3)).collect();
    let bos = server.bos;
    let walls = rt.block_on(async move {
        let (mut flood_r, mut flooder) = load::sign_on(bos, &cookies[0]).await;
        tokio::spawn(async move { while flood_r.next().await.is_some() {} });
        let (mut peer_r, _peer_w) = load::sign_on(bos, &cookies[3]).await;
        tokio::spawn(async move { while peer_r.next().await.is_some() {} });
        // 1,000 buddies with 2 kB aliases: every later change saves a ~4 MB file.
        let item = |i: u16| {
            let mut it = FeedbagItem::buddy(format!("pad{i}"), 1, i + 1);
            it.attrs.set(attr::ALIAS, vec![b'a'; 2000]);
            it
        };
        for chunk in (0..1000u16).collect::<Vec<_>>().chunks(20) {
            let items = chunk.iter().map(|&i| item(i)).collect();
            flooder.snac(SnacBody::FeedbagInsert(FeedbagItems { items }));
        }
        flooder.flush().await;
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flood = {
            let stop = Arc::clone(&stop);
            tokio::spawn(async move {
                let mut n = 0u16;
                let epoch = Instant::now();
                while !stop.load(Ordering::Relaxed) {
                    n = n.wrapping_add(1);
                    flooder.snac(SnacBody::FeedbagUpdate(FeedbagItems {
                        items: vec![item(n % 1000)],
                    }));
                    flooder.im(&name(1), load::cookie(0, n, epoch), &"padding ".repeat(900));
                    flooder.flush().await;
                    tokio::task::yield_now().await;
                }
            })
        };
        tokio::time::sleep(Duration::from_millis(500)).await;
        let mut walls = Vec::new();
        let epoch = Instant::now();
        for (k, cookie) in fresh.iter().enumerate() {
            let t = Instant::now();
            let (mut r, mut w) = load::sign_on(bos, cookie).await;
            w.im(&name(3), load::cookie(2, k as u16, epoch), "are you there?");
            w.flush().await;
            loop {
                match r.next().await.expect("closed") {
                    Got::Ack(_) => break,
                    Got::Error(code) => panic!("refused 0x{code:02X}"),
                    _ => {}
                }
            }
            walls.push(t.elapsed().as_micros() as u32);
        }
        stop.store(true, Ordering::Relaxed);
        flood.await.unwrap();
        walls
    });
    let (p50, _, max) = percentiles(walls);
    println!(
        "server_load: sign-on + IM + ack while another account floods a --data server: \
         median {p50:.2} ms, max {max:.2} ms ({runs} runs)"
    );
    drop(server);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == CHILD_FLAG) {
        child(args[i + 1].parse().unwrap(), args.get(i + 2).cloned());
        return;
    }
    let full = args.iter().any(|a| a == "--bench");
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build();
    let rt = rt.unwrap();
    // A name after `--` picks parts ("relay", "idle", "flood"); criterion filters its own too.
    let part = |p: &str| {
        let named: Vec<&String> = args.iter().skip(1).filter(|a| !a.starts_with('-')).collect();
        named.is_empty() || named.iter().any(|a| p.contains(a.as_str()) || a.contains(p))
    };
    let mut c = Criterion::default().configure_from_args();
    if part("relay") {
        relay(&mut c, &rt, if full { 1_000 } else { 50 }, full);
    }
    if part("idle") {
        idle(&rt, if full { 10_000 } else { 100 });
    }
    if part("flood") {
        under_flood(&rt, full);
    }
    c.final_summary();
}
