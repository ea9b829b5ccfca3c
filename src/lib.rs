//! flapjack: a terminal AIM/ICQ client that speaks OSCAR, with an embedded loopback server.
//!
//! This is the application crate; the layers below it are crates of their own, so the
//! compiler keeps them apart:
//! - `flapjack-proto` ([`oscar`], [`text`], [`screenname`], and the sign-on primitives): the
//!   one wire format, shared by client and server;
//! - `flapjack-client` ([`auth`], [`session`], [`credentials`]): sign-on and the session,
//!   which know nothing of terminals;
//! - `flapjack-server` ([`server`]): the embedded server, which never imports the client;
//! - here: the front ends ([`tui`], [`headless`]), the config file, the demo bot, and [`cli`],
//!   the command line that `main.rs` hands over to.

pub use flapjack_client::{auth, credentials, hardening, private_file, session, tls};
pub use flapjack_proto::{oscar, screenname, text};
pub use flapjack_server as server;

pub mod bot;
pub mod cli;
pub mod config;
#[cfg(any(fuzzing, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;
pub mod headless;
pub mod tui;
pub mod words;
