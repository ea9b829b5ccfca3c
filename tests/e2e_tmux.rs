//! End to end, as a person would: `flapjack demo` runs in a real terminal (tmux), we type a
//! message to the bot, and its reply must appear on the captured screen.
//!
//! It needs tmux, which a bare machine lacks, so it is `#[ignore]`d: plain `cargo test` reports
//! it as ignored with that reason (never as passed), and `.ci/run` installs tmux and runs it with
//! `cargo test -- --include-ignored`. Asked to run without tmux, it fails and says why.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

mod support;

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use support::cli::BIN;

struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux").arg("-L").arg(&self.socket).args(args).output().expect("run tmux")
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "demo"]).stdout)
            .into_owned()
    }

    /// Polls the screen until `pred` holds, or fails with the last screen after `limit`.
    fn wait_for(&self, what: &str, limit: Duration, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if pred(&screen) {
                return screen;
            }
            assert!(start.elapsed() < limit, "timed out waiting for {what}; screen:\n{screen}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "demo"];
        args.extend_from_slice(keys);
        assert!(self.run(&args).status.success());
    }

    fn type_text(&self, text: &str) {
        assert!(self.run(&["send-keys", "-t", "demo", "-l", text]).status.success());
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

fn tmux_available() -> bool {
    Command::new("tmux").arg("-V").output().is_ok_and(|o| o.status.success())
}

#[test]
#[ignore = "needs tmux; .ci/run installs it and runs --include-ignored"]
fn demo_chats_with_the_bot_in_a_real_terminal() {
    assert!(tmux_available(), "this test needs tmux (.ci/run installs it)");
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let env = |name: &str, sub: &str| format!("{name}={}", h.join(sub).display());
    let command = format!(
        "env HOME={} {} {} {} {} demo",
        h.display(),
        env("XDG_CONFIG_HOME", "config"),
        env("XDG_DATA_HOME", "data"),
        env("XDG_STATE_HOME", "state"),
        BIN
    );
    let tmux = Tmux { socket: format!("flapjack-e2e-{}", std::process::id()) };
    let started = tmux.run(&["new-session", "-d", "-s", "demo", "-x", "100", "-y", "30", &command]);
    assert!(started.status.success(), "{}", String::from_utf8_lossy(&started.stderr));
    // Keep the pane after the program exits so a failure's last screen can be read.
    tmux.run(&["set-option", "-t", "demo", "remain-on-exit", "on"]);

    tmux.wait_for("sign-on and the bot in the buddy list", Duration::from_secs(20), |s| {
        s.contains("ButterBot") && s.contains("online")
    });
    // The first buddy is selected: Enter opens the chat with the bot.
    tmux.keys(&["Enter"]);
    tmux.wait_for("the chat to open", Duration::from_secs(5), |s| s.contains("● ButterBot ─"));
    tmux.type_text("echo stack of 42 pancakes");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("the bot's reply", Duration::from_secs(15), |s| {
        s.contains("ButterBot: stack of 42 pancakes")
    });
    assert!(screen.contains("Flapjack Fan: echo stack of 42 pancakes"), "{screen}");

    // Quit cleanly: the program ends and the terminal is restored (no alternate screen left).
    tmux.keys(&["C-q"]);
    tmux.wait_for("flapjack to exit", Duration::from_secs(10), |_| {
        let out = tmux.run(&["display-message", "-p", "-t", "demo", "#{pane_dead}"]);
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    });
    // The conversation was logged (JSON lines) under the XDG data directory.
    assert!(has_file(&h.join("data")), "no history written under {}", h.display());
}

fn has_file(dir: &Path) -> bool {
    std::fs::read_dir(dir).into_iter().flatten().flatten().any(|e| {
        let p = e.path();
        if p.is_dir() {
            has_file(&p)
        } else {
            p.extension().is_some_and(|x| x == "jsonl")
        }
    })
}
