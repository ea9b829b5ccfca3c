//! The client session: one BOS connection turned into [`Command`]s in and [`Event`]s out.
//!
//! Nothing here knows about terminals; the TUI, `--send` and `--listen` are three consumers of
//! the same API.

pub mod api;

pub use api::*;
