//! flapjack: a terminal AIM/ICQ client that speaks OSCAR, with an embedded loopback server.
//!
//! The crate is layered so that each part can be tested on its own:
//! [`auth`] signs on over HTTP, [`oscar`] is the one wire format shared by client and server,
//! [`session`] turns a BOS connection into commands and events, [`tui`] draws them, and
//! [`server`] is the embedded server that every integration test signs on to; [`cli`] is the
//! command line that `main.rs` hands over to.

pub mod auth;
pub mod bot;
pub mod cli;
pub mod config;
pub mod credentials;
#[doc(hidden)]
pub mod fuzzing;
pub mod headless;
pub mod oscar;
pub mod screenname;
pub mod server;
pub mod session;
pub mod text;
pub mod tui;
