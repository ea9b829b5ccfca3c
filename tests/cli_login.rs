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
    // Issue 17 item 9: the server holds its accounts' passwords, so it dumps no core.
    #[cfg(target_os = "linux")]
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", serve.id())).unwrap();
    serve.kill().unwrap();
    serve.wait().unwrap();
    #[cfg(target_os = "linux")]
    {
        let core = limits.lines().find(|l| l.starts_with("Max core file size")).unwrap();
        assert_eq!(
            core.split_whitespace().skip(4).take(2).collect::<Vec<_>>(),
            ["0", "0"],
            "{core}"
        );
    }
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

/// A one-thread HTTP server on loopback that answers `clientLogin` and `startOSCARSession`
/// with `login` and `session` (JSON bodies), for as many requests as come.
fn scripted_http(login: String, session: String) -> String {
    use std::io::Read;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut request = Vec::new();
            let mut byte = [0u8; 1];
            while !request.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                request.push(byte[0]);
            }
            let head = String::from_utf8_lossy(&request).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            let mut body = vec![0u8; length];
            let _ = stream.read_exact(&mut body);
            let answer = if head.contains("/auth/clientlogin") { &login } else { &session };
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n{answer}",
                answer.len()
            );
        }
    });
    url
}

/// Item 4 of issue 17: what `login` and `login --trace` print of the server's answers (the
/// screen name, the BOS host, the certificate name) reaches the terminal neutralized.
#[test]
fn login_output_never_carries_a_servers_control_characters() {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let login_json = format!(
        r#"{{"response":{{"statusCode":200,"statusText":"OK","data":{{
        "token":{{"a":"/wEAAAAAb2s+Y2VyZXZpbA==","expiresIn":86400}},
        "loginId":"Evil\u001b[2J\u001b]0;owned\u0007","sessionSecret":"c2VjcmV0c2VjcmV0",
        "hostTime":{now}}}}}}}"#
    );
    let session_json = r#"{"response":{"statusCode":200,"statusText":"OK\u001b[5m","data":{
        "host":"bos\u001b[31m.example\u202e","port":5190,"cookie":"AAECAwQFBgcICQ==",
        "useTLS":1,"tlsCertName":"cert\u009b2J.example"}}}"#;
    let url = scripted_http(login_json, session_json.to_string());
    for extra in [&[][..], &["--trace"][..]] {
        let out = login(&url, "someone", "pw-not-shown", extra);
        let (stdout, stderr) = (cli::stdout(&out), cli::stderr(&out));
        assert!(out.status.success(), "{stdout}\n{stderr}");
        assert!(stdout.contains("signed on as Evil␛[2J␛]0;owned␇"), "{stdout}");
        assert!(stdout.contains("BOS: bos␛[31m.example\u{FFFD}:5190"), "{stdout}");
        assert!(stdout.contains("certificate cert\u{FFFD}2J.example"), "{stdout}");
        if !extra.is_empty() {
            assert!(stderr.contains("trace: [startOSCARSession] BOS bos␛[31m"), "{stderr}");
        }
        let all = format!("{stdout}{stderr}");
        let raw: Vec<char> = all
            .chars()
            .filter(|&c| c != '\n' && flapjack::text::sanitize::is_dangerous(c))
            .collect();
        assert!(raw.is_empty(), "{raw:?} reached the terminal:\n{all}");
    }
}

/// Item 3 of issue 17: a sign-on over plain http (loopback) never goes through a proxy, even
/// with every proxy variable set: the password stays on the machine.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_sign_on_ignores_proxy_variables() {
    let server = Server::start(ServerConfig::for_tests(Accounts::demo().unwrap())).await.unwrap();
    let url = format!("http://{}", server.http_addr());
    let proxy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy_url = format!("http://{}", proxy.local_addr().unwrap());
    proxy.set_nonblocking(true).unwrap();
    let out = tokio::task::spawn_blocking(move || {
        let mut cmd = cli::isolated(false);
        cmd.args(["--profile", "local", "--login-url", &url, "--api-url", &url])
            .args(["--user", "Flapjack Fan", "login"])
            .env("FLAPJACK_PASSWORD", "syrup-on-top")
            .env_remove("NO_PROXY")
            .env_remove("no_proxy");
        for var in ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "HTTPS_PROXY"] {
            cmd.env(var, &proxy_url);
        }
        cmd.output().unwrap()
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", cli::stderr(&out));
    assert!(proxy.accept().is_err(), "the sign-on went through the proxy");
    server.shutdown().await;
}
