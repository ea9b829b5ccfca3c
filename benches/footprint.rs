//! Footprint: idle CPU of a signed-on TUI, and resident memory after 100,000 received messages.
//!
//! 1. The real `flapjack` binary runs in a tmux pane (a real terminal), signed on to the
//!    embedded server in this process with one buddy online. Once it has signed on and settled,
//!    its CPU time (every thread's on-CPU nanoseconds, `/proc/PID/task/*/schedstat`) is read
//!    before and after 10 idle seconds. Target 0.0 %.
//! 2. A fresh child process builds the TUI's `App` model and feeds it 100,000
//!    `Event::ImReceived` (10 buddies, 10–200 characters each) through `App::handle_event`, the
//!    path a live session takes, then reports `VmRSS` from `/proc/self/status`. Target < 64 MB.
//!
//! 3. Another fresh child joins a chat room of 1,000 occupants and feeds it 100,000 messages
//!    (10–210 characters from 1,000 senders, every 50th naming us, as `benches/render.rs`
//!    builds it) through `App::handle_event`, draws one 200×50 frame, then reports `VmRSS`.
//!    Target < 64 MB (issue 15).
//!
//! `cargo bench --bench footprint` (needs tmux for part 1; Linux for all). Without `--bench`
//! (as `cargo test --benches` runs it) part 1 idles 1 s and parts 2 and 3 feed 1,000 messages.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

#[path = "../tests/support/mod.rs"]
mod support;

#[path = "common/room.rs"]
mod room;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use flapjack::config::UiConfig;
use flapjack::screenname::ScreenName;
use flapjack::server::Server;
use flapjack::session::{Event, IncomingIm};
use flapjack::tui::keymap::Keymap;
use flapjack::tui::{ui, App};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

const BIN: &str = env!("CARGO_BIN_EXE_flapjack");
const CHILD_FLAG: &str = "--footprint-rss-child";
const ROOM_CHILD_FLAG: &str = "--footprint-room-child";

/// Resident memory of this process, from `/proc/self/status`, in kB.
fn vm_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Part 2, in a fresh process: feeds `count` IMs into an `App` and prints the RSS in kB.
fn rss_child(count: usize) {
    let before = vm_rss_kb().unwrap_or(0);
    let mut app = App::new("Me", Keymap::default(), UiConfig::default());
    app.resize(100, 30);
    let now = std::time::Instant::now();
    app.handle_event(Event::SignedOn { screen_name: ScreenName::from_wire("Me") }, now);
    let words = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor";
    for i in 0..count {
        let len = 10 + (i * 37) % 191;
        let event = Event::ImReceived(IncomingIm {
            from: ScreenName::from_wire(&format!("buddy{}", i % 10)),
            text: words.chars().cycle().skip(i % 7).take(len).collect(),
            time: UNIX_EPOCH + Duration::from_secs(1_700_000_000 + i as u64),
            auto_response: false,
            offline: false,
        });
        std::hint::black_box(app.handle_event(event, now));
    }
    let after = vm_rss_kb().unwrap_or(0);
    std::hint::black_box(&app);
    println!("{before} {after}");
}

/// Part 3, in a fresh process: a room of 1,000 occupants fed `count` messages, one frame
/// drawn; prints the RSS in kB before and after.
fn room_child(count: usize) {
    const OWN: &str = "Flappy Jack";
    const OCCUPANTS: usize = 1_000;
    let before = vm_rss_kb().unwrap_or(0);
    let mut app = App::new(OWN, Keymap::default(), UiConfig::default());
    app.resize(200, 50);
    let now = std::time::Instant::now();
    app.handle_event(Event::SignedOn { screen_name: ScreenName::from_wire(OWN) }, now);
    room::fill_room(&mut app, OWN, OCCUPANTS, count, now);
    assert_eq!(app.active_room().map(|r| r.occupants.len()), Some(OCCUPANTS));
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
    terminal.draw(|f| ui::draw(f, &app)).unwrap();
    let after = vm_rss_kb().unwrap_or(0);
    std::hint::black_box(&app);
    println!("{before} {after}");
}

/// Runs this bench again as a child with `flag count` and reads the two RSS figures it prints.
fn child_rss(flag: &str, count: usize) -> (u64, u64, f64) {
    let exe = std::env::current_exe().expect("own path");
    let started = SystemTime::now();
    let out = Command::new(exe).arg(flag).arg(count.to_string()).output().expect("child");
    let text = String::from_utf8_lossy(&out.stdout);
    let kb: Vec<u64> = text.split_whitespace().filter_map(|v| v.parse().ok()).collect();
    let secs = started.elapsed().map(|d| d.as_secs_f64()).unwrap_or(0.0);
    match kb[..] {
        [before, after] => (before, after, secs),
        _ => panic!("the RSS child {flag} failed: {}", String::from_utf8_lossy(&out.stderr)),
    }
}

/// On-CPU time of every thread of `pid`, from schedstat (nanoseconds).
fn cpu_ns(pid: u32) -> Option<u64> {
    let mut total = 0;
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).ok()? {
        let stat = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
        total += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(total)
}

fn tmux(socket: &str, args: &[&str]) -> Option<String> {
    let out = Command::new("tmux").arg("-L").arg(socket).args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// What part 1 measured, in seconds.
struct Idle {
    /// CPU time used while idle.
    cpu: f64,
    /// How long it idled.
    wall: f64,
    /// CPU time used from start to the end of settling (signing on, first draws).
    signing_on: f64,
}

/// Part 1: what the binary used while idle, or why it could not run.
async fn idle_cpu(idle: Duration, home: &Path) -> Result<Idle, String> {
    let server =
        Server::start(support::session::server_config()).await.map_err(|e| e.to_string())?;
    let _bob = support::session::sign_on(&server, "Bob Bee", "bob-pw").await;
    let url = format!("http://{}", server.http_addr());
    let socket = format!("flapjack-footprint-{}", std::process::id());
    let command = format!(
        "exec {BIN} --config /nonexistent/flapjack-bench/config.toml --no-keyring \
         --login-url {url} --api-url {url} --user 'Alice Ant' --log-file {}",
        home.join("tui.log").display()
    );
    let started = Command::new("tmux")
        .args(["-L", &socket, "new-session", "-d", "-s", "fp", "-x", "100", "-y", "30", &command])
        .env("FLAPJACK_PASSWORD", "alice-pw")
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .status()
        .map_err(|e| format!("tmux: {e}"))?;
    if !started.success() {
        return Err("tmux would not start a session".into());
    }
    let result = async {
        let pid: u32 = tmux(&socket, &["display", "-p", "-t", "fp", "#{pane_pid}"])
            .and_then(|p| p.trim().parse().ok())
            .ok_or("no pane pid")?;
        let deadline = Instant::now() + Duration::from_secs(30);
        while server.session_count("Alice Ant") == 0 {
            if Instant::now() > deadline {
                return Err("the TUI did not sign on within 30 s".to_string());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // Let the sign-on flight, presence and the first draws settle.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let screen = tmux(&socket, &["capture-pane", "-p", "-t", "fp"]).unwrap_or_default();
        if !screen.contains("Bob Bee") {
            return Err(format!("the TUI does not show the buddy list:\n{screen}"));
        }
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        if comm.trim() != "flapjack" {
            return Err(format!("pane process is {comm:?}, not flapjack"));
        }
        let start = (cpu_ns(pid).ok_or("cannot read schedstat")?, Instant::now());
        tokio::time::sleep(idle).await;
        let end = cpu_ns(pid).ok_or("cannot read schedstat")?;
        Ok(Idle {
            cpu: (end - start.0) as f64 / 1e9,
            wall: start.1.elapsed().as_secs_f64(),
            signing_on: start.0 as f64 / 1e9,
        })
    }
    .await;
    let _ = tmux(&socket, &["kill-server"]);
    server.shutdown().await;
    result
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(pos) = args.iter().position(|a| a == CHILD_FLAG) {
        let count = args.get(pos + 1).and_then(|c| c.parse().ok()).unwrap_or(100_000);
        rss_child(count);
        return;
    }
    if let Some(pos) = args.iter().position(|a| a == ROOM_CHILD_FLAG) {
        let count = args.get(pos + 1).and_then(|c| c.parse().ok()).unwrap_or(100_000);
        room_child(count);
        return;
    }
    let full = args.iter().any(|a| a == "--bench");
    let (idle, count) =
        if full { (Duration::from_secs(10), 100_000) } else { (Duration::from_secs(1), 1_000) };

    let home = tempfile::tempdir().expect("temp dir");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(idle_cpu(idle, home.path())) {
        Ok(m) => println!(
            "idle CPU of a signed-on TUI over {:.1} s: {:.3} % ({:.1} ms of CPU; target 0.0 %; \
             {:.1} ms to start, sign on and draw)",
            m.wall,
            m.cpu / m.wall * 100.0,
            m.cpu * 1e3,
            m.signing_on * 1e3
        ),
        Err(why) => println!("idle CPU: SKIPPED ({why})"),
    }

    let (before, after, secs) = child_rss(CHILD_FLAG, count);
    println!(
        "resident memory after {count} received messages: {:.1} MB ({:.1} MB before; \
         target < 64 MB; {secs:.1} s to feed)",
        after as f64 / 1024.0,
        before as f64 / 1024.0,
    );
    let (before, after, secs) = child_rss(ROOM_CHILD_FLAG, count);
    println!(
        "resident memory of a room with 1,000 occupants and {count} messages: {:.1} MB \
         ({:.1} MB before; target < 64 MB; {secs:.1} s to feed)",
        after as f64 / 1024.0,
        before as f64 / 1024.0,
    );
}
