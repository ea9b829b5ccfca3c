//! The `flapjack` command line as a library, so that what it decides is unit-tested and
//! `main.rs` only parses and dispatches.
//!
//! [`args`] is the clap definition, [`profile`] picks the account and server, and [`exit`] maps
//! every outcome to an exit code.

pub mod args;
pub mod exit;
pub mod profile;

pub use args::Cli;
pub use exit::{Exit, Failure};
pub use profile::Target;
