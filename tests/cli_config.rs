//! The command line as a newcomer meets it: `config init`/`config keys`, a broken config file,
//! shell completions and the man page, `serve`'s messages and logs, and life without a keyring.
//! The real binary; real sockets only where a server is part of the story.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

mod support;

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use support::cli::{self, code, stderr, stdout, BIN};

use flapjack::server::{Accounts, Server, ServerConfig, ServerHandle};

const FAN: &str = "Flapjack Fan";
const FAN_PASSWORD: &str = "syrup-on-top";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

fn start_server(rt: &tokio::runtime::Runtime) -> ServerHandle {
    rt.block_on(Server::start(ServerConfig::for_tests(Accounts::demo().unwrap()))).unwrap()
}

#[test]
fn config_init_writes_a_file_every_command_accepts_and_config_keys_lists_the_actions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flapjack").join("config.toml");
    let out = Command::new(BIN).args(["config", "init", "--config"]).arg(&path).output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains("wrote "), "{}", stdout(&out));
    assert!(path.is_file());

    let out = cli::with_config(&path).args(["config", "keys"]).output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let listing = stdout(&out);
    for expected in ["Anywhere:", "Input line:", "next_chat", "ctrl-n, alt-right", "quit"] {
        assert!(listing.contains(expected), "missing {expected:?} in:\n{listing}");
    }
    // With the generated file, a command that needs an account asks for one (not a parse error).
    let out = cli::with_config(&path).args(["--send", "bob", "hi"]).output().unwrap();
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("no account: pass --user NAME"), "{}", stderr(&out));
    // A second init refuses to overwrite.
    let again = Command::new(BIN).args(["config", "init", "--config"]).arg(&path).output().unwrap();
    assert_eq!(code(&again), 1);
    assert!(stderr(&again).contains("already exists"), "{}", stderr(&again));
}

#[test]
fn config_keys_shows_the_bindings_in_effect() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "[keys]\nnext_chat = \"f6\"\n").unwrap();
    let out = cli::with_config(&path).args(["config", "keys"]).output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let line = stdout(&out)
        .lines()
        .find(|l| l.trim_start().starts_with("next_chat"))
        .unwrap_or("")
        .to_string();
    assert!(line.contains("f6") && !line.contains("ctrl-n"), "{line}");
}

#[test]
fn a_bad_key_binding_stops_every_mode_and_points_at_config_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        "[[account]]\nscreen_name = \"bob\"\nserver = \"aim\"\n[keys]\nqiut = \"ctrl-q\"\n",
    )
    .unwrap();
    let modes: [&[&str]; 7] = [
        &[],
        &["--send", "alice", "hi"],
        &["--listen"],
        &["login"],
        &["logout"],
        &["demo"],
        &["config", "keys"],
    ];
    for args in modes {
        let out = cli::with_config(&path).args(args).output().unwrap();
        let err = stderr(&out);
        assert_eq!(code(&out), 1, "{args:?}: {err}");
        assert!(err.contains("[keys]: unknown action \"qiut\""), "{args:?}: {err}");
        assert!(err.contains("flapjack config keys"), "{args:?}: {err}");
    }
}

#[test]
fn a_toml_error_keeps_its_lines_and_caret() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "[ui]\nbell = yes\n").unwrap();
    let out = cli::with_config(&path).args(["--send", "alice", "hi"]).output().unwrap();
    assert_eq!(code(&out), 1);
    let err = stderr(&out);
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.lines().any(|l| l.contains("bell = yes")), "{err}");
    assert!(err.lines().any(|l| l.trim_end().ends_with('^')), "{err}");
}

#[test]
fn completions_for_each_shell_and_a_man_page() {
    for (shell, marker) in
        [("bash", "_flapjack()"), ("zsh", "#compdef flapjack"), ("fish", "complete -c flapjack")]
    {
        let out = Command::new(BIN).args(["completions", shell]).output().unwrap();
        assert_eq!(code(&out), 0, "{shell}: {}", stderr(&out));
        let script = stdout(&out);
        assert!(script.contains(marker), "{shell}: no {marker:?}");
        for word in ["serve", "login", "bucp-listen", "completions"] {
            assert!(script.contains(word), "{shell}: no {word:?}");
        }
    }
    let out = Command::new(BIN).args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(code(&out), 1, "an unknown shell is a usage error");

    let out = Command::new(BIN).arg("man").output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let page = stdout(&out);
    assert!(page.contains(".TH flapjack 1"), "{}", &page[..page.len().min(200)]);
    for word in ["serve", "completions", "\\-\\-send"] {
        assert!(page.contains(word), "the man page lacks {word:?}");
    }
    let out = Command::new(BIN).args(["man", "serve"]).output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let page = stdout(&out);
    assert!(page.contains(".TH flapjack-serve 1"), "{}", &page[..page.len().min(200)]);
    assert!(page.contains("bucp\\-listen") && !page.contains("\\-\\-send"), "serve's page only");
    let out = Command::new(BIN).args(["man", "nope"]).output().unwrap();
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("no subcommand `nope`"), "{}", stderr(&out));
}

#[test]
fn serve_on_a_busy_address_names_the_flag_once() {
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap().to_string();
    let out = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--bucp-listen", "127.0.0.1:0", "--bos", &addr])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(code(&out), 3, "{err}");
    assert!(
        err.contains(&format!(
            "--bos {addr}: the address is already in use; is another `flapjack serve` running?"
        )),
        "{err}"
    );
    assert_eq!(err.matches("in use").count(), 1, "said once: {err}");
    let same = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:5999", "--bos", "127.0.0.1:5999"])
        .output()
        .unwrap();
    assert_eq!(code(&same), 1);
    assert!(
        stderr(&same).contains("--listen and --bos are both 127.0.0.1:5999"),
        "{}",
        stderr(&same)
    );
    drop(busy);
}

/// `serve` logs sign-ons and sign-offs at info level to stderr, without colour codes in a pipe
/// and without secrets.
#[test]
fn serve_logs_sign_ons_and_sign_offs() {
    let mut serve = Command::new(BIN)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--bos",
            "127.0.0.1:0",
            "--bucp-listen",
            "127.0.0.1:0",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let log = Arc::new(Mutex::new(String::new()));
    let mut err_pipe = serve.stderr.take().unwrap();
    let sink = Arc::clone(&log);
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = err_pipe.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    let mut out_pipe = std::io::BufReader::new(serve.stdout.take().unwrap());
    let mut first = String::new();
    std::io::BufRead::read_line(&mut out_pipe, &mut first).unwrap();
    let url =
        first.trim().strip_prefix("http: ").unwrap_or_else(|| panic!("{first:?}")).to_string();

    let sent = cli::isolated(false)
        .args(["--login-url", &url, "--api-url", &url, "--user", FAN, "--send", "ButterBot", "hi"])
        .env("FLAPJACK_PASSWORD", FAN_PASSWORD)
        .output()
        .unwrap();
    assert_eq!(code(&sent), 0, "{}", stderr(&sent));
    let start = Instant::now();
    while !log.lock().unwrap().contains("ended") && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    serve.kill().unwrap();
    serve.wait().unwrap();
    reader.join().unwrap();
    let log = log.lock().unwrap().clone();
    let on = log.lines().find(|l| l.contains(FAN) && l.contains("signing on"));
    let off = log.lines().find(|l| l.contains(FAN) && l.contains("ended"));
    assert!(on.is_some_and(|l| l.contains("INFO")), "no sign-on at info:\n{log}");
    assert!(off.is_some_and(|l| l.contains("INFO")), "no sign-off at info:\n{log}");
    assert!(!log.contains('\u{1b}'), "colour codes in a pipe:\n{log:?}");
    assert!(!log.contains(FAN_PASSWORD));
}

#[test]
fn without_a_keyring_login_fails_saying_nothing_was_kept_and_logout_has_nothing_to_forget() {
    let rt = runtime();
    let server = start_server(&rt);
    let url = format!("http://{}", server.http_addr());
    let home = tempfile::tempdir().unwrap();
    let account = ["--login-url", url.as_str(), "--api-url", url.as_str(), "--user", FAN];

    let out = cli::without_keyring_service()
        .env("HOME", home.path())
        .args(account)
        .arg("login")
        .env("FLAPJACK_PASSWORD", FAN_PASSWORD)
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(code(&out), 3, "{err}");
    assert!(stdout(&out).contains(&format!("signed on as {FAN}")), "{}", stdout(&out));
    assert!(err.contains("signed on, but nothing was kept"), "{err}");
    assert!(!err.contains("kept a long-term token"), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");

    // A trial sign-on with --no-keyring succeeds and says so.
    let out = cli::isolated(false)
        .args(account)
        .arg("login")
        .env("FLAPJACK_PASSWORD", FAN_PASSWORD)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("--no-keyring: not keeping"), "{}", stderr(&out));

    let out = cli::without_keyring_service()
        .env("HOME", home.path())
        .args(account)
        .arg("logout")
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains("nothing to forget"), "{}", stdout(&out));

    // `--send` signs on with the password and says nothing about the keyring.
    let out = cli::without_keyring_service()
        .env("HOME", home.path())
        .args(account)
        .args(["--send", "ButterBot", "hi"])
        .env("FLAPJACK_PASSWORD", FAN_PASSWORD)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "no keyring note on --send: {}", stderr(&out));
    assert_eq!(std::fs::read_dir(home.path()).unwrap().count(), 0, "nothing written to disk");
    rt.block_on(server.shutdown());
}
