//! The HTTP sign-on: `clientLogin` (with `getChallenge` for ICQ) and the signed
//! `startOSCARSession` that yields the BOS host and cookie.
//!
//! [`sign`] (from `flapjack-proto`) holds the pure signing primitives shared with the embedded server, [`response`]
//! parses answers without I/O, [`client`] does the round trips, and [`secret`] keeps every
//! credential out of logs and traces.

pub mod client;
pub mod error;
pub mod profile;
pub mod response;
mod ticket;
pub mod trace;

pub use flapjack_proto::secret;
pub use flapjack_proto::webapi::sign;

pub use client::{BosTicket, HttpSignOn, SigningMode, StartSessionRequest, StoredToken};
pub use error::{AuthError, Endpoint, ServerCodes};
pub use profile::{ServerProfile, WebApi};
pub use response::Format;
pub use secret::{redact, Secret, SecretBytes};
pub use trace::{Trace, TraceLine};
