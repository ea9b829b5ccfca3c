//! The `flapjack` command line: the chat TUI (no subcommand), `demo`, `--send`, `--listen`,
//! `login`/`logout`, `serve`, `config`, `completions` and `man`.
//!
//! Exit codes: 0 success, 1 usage, 2 authentication failed, 3 network or server error,
//! 4 recipient unavailable or refused. Everything but parsing, the async runtime and printing
//! the final error lives in [`flapjack::cli`], where it is unit-tested.

use std::process::ExitCode;
use std::time::Duration;

use flapjack::cli::{commands, Cli, Exit};

fn main() -> ExitCode {
    let cli = match Cli::try_parse_grouped() {
        Ok(cli) => cli,
        Err(e) => {
            let exit = Exit::for_clap(&e);
            let _ = e.print();
            return exit.into();
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return Exit::Network.into();
        }
    };
    let result = runtime.block_on(commands::run(&cli));
    // Do not wait for tasks still blocked on a keyring or a socket.
    runtime.shutdown_timeout(Duration::from_millis(200));
    match result {
        Ok(exit) => exit.into(),
        Err(failure) => {
            eprintln!("{}", failure.message());
            failure.exit.into()
        }
    }
}
