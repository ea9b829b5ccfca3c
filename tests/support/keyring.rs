//! Runs a test body under `dbus-run-session` with an unlocked gnome-keyring.
//!
//! The parent test re-executes its own binary, filtered to itself, inside a private D-Bus
//! session in which `gnome-keyring-daemon` was started unlocked, and asserts the child passed.
//! Inside the child, [`PrivateKeyring::start`] returns a guard and the body runs for real.
//!
//! The tests using it need dbus and gnome-keyring, which a bare machine lacks, so they are
//! `#[ignore = "needs …"]`: plain `cargo test` reports them as ignored with that reason, and
//! `.ci/run` installs both and runs them with `cargo test -- --include-ignored`.

use std::process::Command;

/// Set in the child so it knows it already runs inside the private session.
const INSIDE: &str = "FLAPJACK_TEST_INSIDE_KEYRING";

/// Marks that the current process runs inside a private keyring session.
pub struct PrivateKeyring(());

impl PrivateKeyring {
    /// In the child: `Some`, run the body. In the parent: runs the child and returns `None`
    /// after asserting it passed. Fails, saying which, when a program it needs is missing.
    pub fn start() -> Option<Self> {
        if std::env::var_os(INSIDE).is_some() {
            return Some(PrivateKeyring(()));
        }
        for tool in ["dbus-run-session", "gnome-keyring-daemon"] {
            assert!(
                which(tool).is_some(),
                "`{tool}` is not installed, so the real Secret Service test cannot run here \
                 (.ci/run installs dbus and gnome-keyring)"
            );
        }
        let test_name = std::thread::current().name().unwrap_or_default().to_string();
        let exe = std::env::current_exe().expect("test binary path");
        let script = r#"printf 'flapjack-test' | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
exec "$@""#;
        let out = Command::new("dbus-run-session")
            .args(["--", "sh", "-c", script, "sh"])
            .arg(&exe)
            // The test is #[ignore]d for plain `cargo test`; the child must run it all the same.
            .args(["--exact", &test_name, "--include-ignored", "--nocapture", "--test-threads=1"])
            .env(INSIDE, "1")
            .output()
            .expect("run dbus-run-session");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && stdout.contains("1 passed"),
            "test inside dbus-run-session failed ({}):\n{stdout}\n{stderr}",
            out.status
        );
        None
    }
}

fn which(tool: &str) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(tool)).find(|p| p.is_file())
}
