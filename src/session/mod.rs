//! The client session: one BOS connection turned into [`Command`]s in and [`Event`]s out.
//!
//! Nothing here knows about terminals; the TUI, `--send` and `--listen` are three consumers of
//! the same API. [`state`] is the sans-IO protocol core, [`feedbag`] the buddy-list model;
//! the tokio actor around them lives in `actor`, and `login` obtains the BOS ticket.

pub mod api;
pub mod feedbag;
mod html;
pub mod state;

pub use api::*;
