//! The one set of helpers for tests that run the real `flapjack` binary: an isolated command
//! (no config file, no password in the environment, no standard input, and unless asked no
//! keyring), and readers for its exit code and standard error.

use std::process::{Command, Output, Stdio};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_flapjack");

/// The binary, isolated from the machine it runs on: a config path that does not exist, no
/// `FLAPJACK_PASSWORD`, standard input closed, and (unless `keyring`) `--no-keyring` with no
/// D-Bus session to fall back on.
pub fn isolated(keyring: bool) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(["--config", "/nonexistent/flapjack-test/config.toml"])
        .env_remove("FLAPJACK_PASSWORD")
        .stdin(Stdio::null());
    if !keyring {
        cmd.arg("--no-keyring").env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus");
    }
    cmd
}

/// The process's exit code (-1 when a signal ended it).
pub fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

/// Its standard error as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Its standard output as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The binary as on a machine with no keyring at all: the keyring is asked (no
/// `--no-keyring`), but no D-Bus session answers.
pub fn without_keyring_service() -> Command {
    let mut cmd = isolated(true);
    cmd.env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/flapjack-test/bus");
    cmd
}

/// The binary reading the config file at `path` (instead of [`isolated`]'s missing one), with
/// no keyring, no password and standard input closed.
pub fn with_config(path: &std::path::Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("--config")
        .arg(path)
        .arg("--no-keyring")
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .env_remove("FLAPJACK_PASSWORD")
        .stdin(Stdio::null());
    cmd
}

/// A spawned flapjack that is killed when the test ends, passed or failed, so a failing
/// assertion never leaves a `--listen` running behind it.
#[allow(dead_code)] // not every test binary that includes this module spawns one
pub struct KillOnDrop(pub std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl std::ops::Deref for KillOnDrop {
    type Target = std::process::Child;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for KillOnDrop {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}
