//! The flapjack client: sign on (HTTP or BUCP), then run one BOS session as commands in and
//! events out. Nothing here knows about terminals or the embedded server.
//!
//! - [`auth`]: the HTTP sign-on (`clientLogin`, `startOSCARSession`) and its errors.
//! - [`session`]: the sans-IO [`session::state::SessionState`] and the tokio actor around it.
//! - [`credentials`]: long-term tokens in the OS keyring.
//! - [`tls`]: whom to trust over TLS (CA roots, a pin, trust on first use) and why not.
//! - [`hardening`]: no core dumps while secrets are held; [`private_file`]: files only the
//!   user can read, written atomically.

pub mod auth;
pub mod credentials;
pub mod hardening;
pub mod icon_cache;
pub use flapjack_proto::private_file;
pub mod session;
pub mod tls;

// The shared layer, under the names the client's modules have always used.
use flapjack_proto::{oscar, screenname, text};
