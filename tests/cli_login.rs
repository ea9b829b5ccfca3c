//! `flapjack login` and `flapjack serve` as a user runs them: the real binary, real sockets.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

mod support;

use support::cli::{self, BIN};

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Output, Stdio};

use flapjack::server::{Accounts, Server, ServerConfig};

fn login(url: &str, user: &str, password: &str, extra: &[&str]) -> Output {
    cli::isolated(false)
        .args(["--profile", "local", "--login-url", url, "--api-url", url, "--user", user])
        .arg("login")
        .args(extra)
        .env("FLAPJACK_PASSWORD", password)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_trace_shows_every_step_and_no_secret() {
    let server = Server::start(ServerConfig::for_tests(Accounts::demo().unwrap())).await.unwrap();
    let url = format!("http://{}", server.http_addr());
    let out = tokio::task::spawn_blocking(move || {
        login(&url, "Flapjack Fan", "syrup-on-top", &["--trace"])
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let bos = server.bos_addr();
    assert!(stdout.contains(&format!("BOS: {}:{} (plain TCP)", bos.ip(), bos.port())), "{stdout}");
    for step in [
        "[clientLogin] POST http://127.0.0.1:",
        "pwd=[redacted]",
        "[clientLogin] HTTP 200, statusCode 200 — success",
        "sessionSecret = ",
        "session key = base64(HMAC-SHA256(password, sessionSecret))",
        "[startOSCARSession] GET http://127.0.0.1:",
        "[startOSCARSession] ts = ",
        "[startOSCARSession] signature base string: GET&http%3A%2F%2F127.0.0.1",
        "sig_sha256 = base64(HMAC-SHA256(session key",
        "[startOSCARSession] HTTP 200, statusCode 200 — success",
        "[startOSCARSession] BOS ",
    ] {
        assert!(stderr.contains(step), "missing {step:?} in:\n{stderr}");
    }
    let all = format!("{stdout}{stderr}");
    assert!(!all.contains("syrup-on-top"));
    let secrets = server.state().secrets_issued_to("Flapjack Fan");
    // Token, session secret, session key, and the cookie in base64 and hex.
    assert_eq!(secrets.len(), 5);
    for secret in secrets {
        assert!(!all.contains(secret.expose()), "a secret leaked:\n{all}");
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_fails_with_a_clear_message() {
    let server = Server::start(ServerConfig::for_tests(Accounts::demo().unwrap())).await.unwrap();
    let url = format!("http://{}", server.http_addr());
    let out = tokio::task::spawn_blocking(move || login(&url, "Flapjack Fan", "waffles", &[]))
        .await
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("error: incorrect password or unknown screen name"), "{stderr}");
    assert!(stderr.contains("statusDetailCode 3011"), "{stderr}");
    assert!(!stderr.contains("waffles"));
}

#[test]
fn serve_prints_its_addresses_and_login_reaches_it() {
    let mut serve = Command::new(BIN)
        .args(["--no-keyring", "--config", "/nonexistent/flapjack-test/config.toml"])
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--bos",
            "127.0.0.1:0",
            "--bucp-listen",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(serve.stdout.take().unwrap());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    let url = first.trim().strip_prefix("http: ").map(str::to_string);
    let result = url.as_deref().map(|url| {
        assert!(url.starts_with("http://127.0.0.1:") && !url.ends_with(":0"), "{url}");
        // Password from stdin this time, and an ICQ account.
        let mut child = Command::new(BIN)
            .args(["--no-keyring", "--config", "/nonexistent/flapjack-test/config.toml"])
            .args(["--login-url", url, "--api-url", url, "--user", "123456789"])
            .args(["--password-stdin", "login", "--xml"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(b"qwerty12\n").unwrap();
        child.wait_with_output().unwrap()
    });
    let mut second = String::new();
    reader.read_line(&mut second).unwrap();
    let mut third = String::new();
    reader.read_line(&mut third).unwrap();
    serve.kill().unwrap();
    serve.wait().unwrap();
    let out = result.unwrap_or_else(|| panic!("serve printed {first:?}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("signed on as 123456789"), "{stdout}");
    // The real bound addresses, never the port-0 placeholders.
    let bos = second.trim().strip_prefix("bos: 127.0.0.1:").unwrap_or_else(|| panic!("{second:?}"));
    assert!(bos.ends_with(" (advertised by startOSCARSession)") && !bos.starts_with("0 "), "{bos}");
    let bucp = third.trim().strip_prefix("bucp: 127.0.0.1:").unwrap_or_else(|| panic!("{third:?}"));
    assert!(bucp.parse::<u16>().is_ok_and(|p| p != 0), "{bucp}");
}

#[test]
fn plain_http_to_a_remote_host_is_refused() {
    let out = login("http://login.example.com", "someone", "pw", &[]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("plain http:// is only allowed to loopback"), "{stderr}");
}

#[test]
fn no_password_source_is_an_error_not_a_hang() {
    let out = Command::new(BIN)
        .args(["--no-keyring", "--config", "/nonexistent/flapjack-test/config.toml"])
        .args(["--user", "someone", "login"])
        .env_remove("FLAPJACK_PASSWORD")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no password"));
}
