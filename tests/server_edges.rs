//! The embedded server's sign-on edges under attack (issue 17): state bounded before sign-on,
//! time limits and caps on the HTTP listener, a throttle that slows a guesser without locking
//! the owner out, and signed `startOSCARSession` URLs that work once. The memory and
//! descriptor proofs run against a real `flapjack serve` child process.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

mod support;

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use flapjack::auth::{HttpSignOn, Secret, ServerProfile};
use flapjack::server::{Accounts, Server, ServerConfig, ServerHandle};
use support::cli::{self, KillOnDrop, BIN};

const FAN: &str = "Flapjack Fan";
const FAN_PASSWORD: &str = "syrup-on-top";

/// `flapjack serve` on free ports, run through `sh` so `limits` (shell `ulimit` commands) apply
/// to it alone; returns the child and its HTTP address.
fn spawn_serve(limits: &str) -> (KillOnDrop, SocketAddr) {
    let script = format!(
        "{limits} exec \"$0\" serve --listen 127.0.0.1:0 --bos 127.0.0.1:0 \
         --bucp-listen 127.0.0.1:0"
    );
    let child = Command::new("sh")
        .args(["-c", &script, BIN])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = KillOnDrop(child);
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0, "serve exited before printing its address");
        if let Some(addr) = line.trim().strip_prefix("http: http://") {
            let addr = addr.parse().unwrap();
            // Keep draining stdout so the server never blocks on a full pipe.
            std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
            return (child, addr);
        }
    }
}

/// The resident set of process `pid`, in kB, from /proc.
fn rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// POSTs `body` to `path` over a fresh connection and returns whatever answer came (empty if
/// the server closed without one, as it may for an oversized body).
fn post_raw(addr: SocketAddr, path: &str, body: &[u8]) -> String {
    let mut tcp = std::net::TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    // The server may answer and close before reading a body it will not accept.
    let _ = tcp.write_all(head.as_bytes()).and_then(|()| tcp.write_all(body));
    let mut answer = Vec::new();
    let _ = tcp.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

#[test]
fn a_flood_of_two_megabyte_names_leaves_memory_within_64_mb() {
    let (child, addr) = spawn_serve("");
    let pid = child.id();
    // Warm up the paths once with ordinary requests, then measure.
    post_raw(addr, "/auth/getChallenge", b"devId=flapjack&s=warm");
    post_raw(addr, "/auth/clientLogin", b"devId=flapjack&s=warm&pwd=x");
    let before = rss_kb(pid);
    let name = "N".repeat(2_000_000);
    for i in 0..25 {
        let challenge = format!("devId=flapjack&f=json&s={name}{i}");
        post_raw(addr, "/auth/getChallenge", challenge.as_bytes());
        let login = format!("devId=flapjack&f=json&s={name}{i}&pwd=x");
        post_raw(addr, "/auth/clientLogin", login.as_bytes());
    }
    let after = rss_kb(pid);
    let grown_mb = after.saturating_sub(before) / 1024;
    eprintln!("resident memory: {before} kB before, {after} kB after 50 requests with 2 MB names");
    assert!(grown_mb < 64, "resident memory grew by {grown_mb} MB ({before} kB → {after} kB)");
    // The server still answers an ordinary request.
    let ok = post_raw(addr, "/auth/getChallenge", b"devId=flapjack&f=json&s=Flapjack%20Fan");
    assert!(ok.contains("challengeWord"), "{ok}");
}

#[test]
fn a_send_gets_through_1100_idle_connections_under_a_1024_descriptor_limit() {
    // The attacker's 1,100 sockets live in this process, whose own soft limit may be 1,024.
    raise_open_file_limit(1200);
    let (mut child, addr) = spawn_serve("ulimit -n 1024;");
    let mut idle = Vec::new();
    for _ in 0..1100 {
        match std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2)) {
            Ok(s) => idle.push(s),
            Err(e) => panic!("connection {} could not even be queued: {e}", idle.len()),
        }
    }
    let url = format!("http://{addr}");
    let started = Instant::now();
    let mut send = cli::isolated(false)
        .args(["--login-url", &url, "--api-url", &url, "--user", FAN])
        .args(["--send", "ButterBot", "through the crowd"])
        .env("FLAPJACK_PASSWORD", FAN_PASSWORD)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = loop {
        if let Some(status) = send.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > Duration::from_secs(10) {
            let _ = send.kill();
            let _ = send.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let took = started.elapsed();
    eprintln!("--send behind 1,100 idle connections took {took:?}");
    let mut err = String::new();
    if let Some(mut e) = send.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    assert!(status.is_some_and(|s| s.success()), "--send failed after {took:?}: {err}");
    assert!(took < Duration::from_secs(2), "--send took {took:?}");
    assert!(child.try_wait().unwrap().is_none(), "the server died");
    drop(idle);
}

async fn start() -> ServerHandle {
    Server::start(ServerConfig::for_tests(Accounts::demo().unwrap())).await.unwrap()
}

/// POSTs a form to the server's `path` from the local address `from` and returns the body.
async fn post_from(server: &ServerHandle, from: Ipv4Addr, path: &str, form: &str) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::new(IpAddr::V4(from), 0)).unwrap();
    let mut tcp = socket.connect(server.http_addr()).await.unwrap();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{form}",
        server.http_addr(),
        form.len()
    );
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    tcp.read_to_string(&mut answer).await.unwrap();
    answer
}

fn login_form(password: &str) -> String {
    format!("devId=flapjack&f=json&s=Flapjack%20Fan&pwd={password}")
}

#[tokio::test]
async fn a_stranger_guessing_slows_down_but_never_locks_the_owner_out() {
    let server = start().await;
    let stranger = Ipv4Addr::new(127, 0, 0, 1);
    let owner = Ipv4Addr::new(127, 0, 0, 2);
    let mut refused = 0;
    for i in 0..40 {
        let body =
            post_from(&server, stranger, "/auth/clientLogin", &login_form(&format!("guess{i}")))
                .await;
        if body.contains("\"statusCode\":607") {
            refused += 1;
        } else {
            assert!(body.contains("\"statusCode\":330"), "{body}");
        }
    }
    // The owner, elsewhere, signs on at once (at most a short pause).
    let started = Instant::now();
    let body = post_from(&server, owner, "/auth/clientLogin", &login_form(FAN_PASSWORD)).await;
    assert!(body.contains("\"statusCode\":200"), "{body}");
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    // The guesser was slowed: most of its guesses were not even checked, and now even the
    // right password from its address must wait.
    assert!(refused >= 30, "only {refused} of 40 guesses were refused");
    let body = post_from(&server, stranger, "/auth/clientLogin", &login_form(FAN_PASSWORD)).await;
    assert!(body.contains("\"statusCode\":607"), "{body}");
    // The guesser's wait ends; then its right password works too.
    server.state().config.clock.advance(301);
    let body = post_from(&server, stranger, "/auth/clientLogin", &login_form(FAN_PASSWORD)).await;
    assert!(body.contains("\"statusCode\":200"), "{body}");
    server.shutdown().await;
}

#[tokio::test]
async fn names_no_account_could_have_are_refused_before_anything_is_kept() {
    let server = start().await;
    let local = Ipv4Addr::LOCALHOST;
    let long = "x".repeat(300);
    for s in [long.as_str(), "bob%0AFAKE", "%20%20"] {
        let form = format!("devId=flapjack&f=json&s={s}");
        let body = post_from(&server, local, "/auth/getChallenge", &form).await;
        assert!(body.contains("\"statusCode\":462"), "{s}: {body}");
        let body = post_from(&server, local, "/auth/clientLogin", &format!("{form}&pwd=x")).await;
        assert!(body.contains("\"statusCode\":462"), "{s}: {body}");
    }
    // An unknown but possible name still gets a challenge, like a known one.
    let body =
        post_from(&server, local, "/auth/getChallenge", "devId=flapjack&f=json&s=Nobody").await;
    assert!(body.contains("challengeWord"), "{body}");
    server.shutdown().await;
}

#[tokio::test]
async fn a_signed_start_session_url_works_once() {
    let server = start().await;
    let c = HttpSignOn::new(ServerProfile::local_at(&server.http_addr().to_string())).unwrap();
    let token = c.client_login(FAN, &Secret::new(FAN_PASSWORD)).await.unwrap();
    let url = c.prepare_start_session(&token).url();
    let http = reqwest::Client::new();
    let first = http.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(first.contains("\"statusCode\":200"), "{first}");
    let replay = http.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(replay.contains("\"statusCode\":401"), "{replay}");
    assert!(!replay.contains("cookie"), "{replay}");
    // A fresh signature (a later ts) works.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let ticket = c.start_session(&token).await;
    assert!(ticket.is_ok(), "{ticket:?}");
    server.shutdown().await;
}

/// Raises this process's soft limit on open files to at least `want` (up to the hard limit),
/// so the test can play an attacker holding more sockets than the server may.
fn raise_open_file_limit(want: u64) {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes the struct we pass and touches nothing else.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) }, 0);
    if limit.rlim_cur >= want {
        return;
    }
    assert!(
        limit.rlim_max >= want,
        "this test needs {want} open files; the hard limit is {}",
        limit.rlim_max
    );
    limit.rlim_cur = want;
    // SAFETY: setrlimit reads the struct we pass and touches nothing else.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) }, 0);
}
