//! Where logs go: a file while a screen is in use (the TUI, `demo`), else stderr when `-v` asks.
//!
//! Logs never go over the chat UI, and never contain secrets.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::config::Config;

/// The `flapjack=` filter level for a `-v` count: warn, info (`-v`), debug (`-vv` and more).
pub fn level(verbose: u8) -> &'static str {
    match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    }
}

/// The log file: `--log-file`, else the default file while a screen is in use, else none
/// (logs then go to stderr, and only when `-v` was given).
pub fn log_path(
    log_file: Option<&Path>,
    screen_in_use: bool,
    default: impl FnOnce() -> Result<PathBuf>,
) -> Result<Option<PathBuf>> {
    match (log_file, screen_in_use) {
        (Some(path), _) => Ok(Some(path.to_path_buf())),
        (None, true) => default().map(Some),
        (None, false) => Ok(None),
    }
}

/// Installs the global log subscriber; does nothing when there is nowhere worth logging to.
pub fn init(log_file: Option<&Path>, verbose: u8, screen_in_use: bool) -> Result<()> {
    let path = log_path(log_file, screen_in_use, || Ok(Config::default_log_path()?))?;
    if verbose == 0 && path.is_none() {
        return Ok(());
    }
    let filter = tracing_subscriber::EnvFilter::new(format!("flapjack={}", level(verbose)));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match path {
        Some(path) => {
            // 0600 in a 0700 directory, never through a symlink: the log names buddies.
            let file = crate::private_file::open_append(&path)
                .with_context(|| format!("cannot open log file {}", path.display()))?;
            builder.with_ansi(false).with_writer(std::sync::Mutex::new(file)).init();
        }
        // Colour codes only for a person at a terminal, never into a pipe or a file.
        None => builder.with_ansi(stderr_is_terminal()).with_writer(std::io::stderr).init(),
    }
    Ok(())
}

/// Whether standard error is a terminal (colour codes are only written there).
pub fn stderr_is_terminal() -> bool {
    std::io::IsTerminal::is_terminal(&std::io::stderr())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_v_raises_the_level_up_to_debug() {
        assert_eq!([0, 1, 2, 9].map(level), ["warn", "info", "debug", "debug"]);
    }

    #[test]
    fn a_screen_in_use_always_logs_to_a_file() {
        let default = || Ok(PathBuf::from("/state/flapjack.log"));
        let given = Path::new("/tmp/x.log");
        assert_eq!(log_path(Some(given), false, default).unwrap(), Some(given.to_path_buf()));
        assert_eq!(log_path(Some(given), true, default).unwrap(), Some(given.to_path_buf()));
        assert_eq!(log_path(None, true, default).unwrap(), Some(default().unwrap()));
        let unused = || -> Result<PathBuf> { anyhow::bail!("not asked") };
        assert_eq!(log_path(None, false, unused).unwrap(), None);
    }
}
