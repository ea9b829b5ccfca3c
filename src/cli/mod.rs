//! The `flapjack` command line as a library, so that what it decides is unit-tested and
//! `main.rs` only parses and dispatches.
//!
//! [`args`] is the clap definition, [`profile`] picks the account and server, [`password`] the
//! password source, [`tokens`] keeps and forgets long-term tokens, [`exit`] maps every outcome
//! to an exit code, [`logging`] chooses where logs go, and [`commands`] runs each command.

pub mod args;
pub mod commands;
pub mod exit;
pub mod logging;
pub mod password;
pub mod profile;
pub mod tokens;

pub use args::Cli;
pub use exit::{Exit, Failure};
pub use profile::Target;
pub use tokens::TokenStore;
