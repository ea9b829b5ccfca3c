//! Test support shared by flapjack's tests and benches.
//!
//! [`Pair`] steps the client's sans-IO [`SessionState`](flapjack_client::session::state) against
//! the embedded server's sans-IO BOS [`Session`](flapjack_server::bos::session::Session) in
//! memory, on virtual time, with a one-way latency and cut points: quinn-proto's test `Pair` is
//! the model. Nothing sleeps and nothing depends on the scheduler, so a test of pacing, resends
//! or round trips gives the same answer on an idle machine and on one with every core busy.

// Test support: a panic here is a test failing loudly, as in the tests themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod hostile;
pub mod pair;
pub mod scripted;
pub mod service;

pub use pair::{BosEnd, Dir, EmbeddedBos, FrameMatcher, HostileBos, Pair, Wire};
