//! The client session: one BOS connection turned into [`Command`]s in and [`Event`]s out.
//!
//! Nothing here knows about terminals; the TUI, `--send` and `--listen` are three consumers of
//! the same API. [`state`] is the sans-IO protocol core and [`feedbag`] the buddy-list model;
//! the tokio actor around them (`actor`) only moves bytes and time, and [`login`] obtains the
//! BOS ticket and transport. Start a session with [`spawn`] or [`connect`].

mod actor;
pub mod api;
pub mod bos_core;
pub mod config;
pub mod feedbag;
pub mod login;
mod outcome;
pub mod room;
mod service_task;
pub mod split;
pub mod state;

pub use crate::tls::{FirstUse, TlsConfigError, TlsProblem};
pub use api::*;
pub use config::{LoginMethod, PasswordPrompt, ReconnectPolicy, SessionConfig, TlsOptions};
pub use feedbag::FeedbagError;
pub use login::AddressError;

/// Why [`connect`] could not produce a signed-on session.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignOnError {
    /// The session ended before it signed on. The `Display` is for logs; front ends word the
    /// reason with their own wording module.
    #[error("the session ended before it signed on: {0:?}")]
    Failed(DisconnectReason),
}

/// Starts a session in a background task and returns its handle at once; progress, the
/// sign-on and every later change arrive as [`Event`]s. Must be called inside a tokio runtime.
pub fn spawn(config: SessionConfig) -> SessionHandle {
    spawn_with(config, None)
}

fn spawn_with(config: SessionConfig, ready: Option<actor::Ready>) -> SessionHandle {
    let (command_tx, command_rx) = tokio::sync::mpsc::unbounded_channel();
    let (event_tx, event_rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(actor::run(config, command_rx, event_tx, ready));
    SessionHandle { commands: command_tx, events: event_rx }
}

/// Starts a session and resolves once it has signed on (buddy list received) or failed, so
/// one-shot tools such as `--send` can wait for it; every event, including the ones before
/// [`Event::SignedOn`], is still in the handle's receiver.
pub async fn connect(config: SessionConfig) -> Result<SessionHandle, SignOnError> {
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
    let handle = spawn_with(config, Some(ready_tx));
    match ready_rx.await {
        Ok(Ok(_)) => Ok(handle),
        Ok(Err(reason)) => Err(SignOnError::Failed(reason)),
        Err(_) => Err(SignOnError::Failed(DisconnectReason::Network(NetworkError::SessionEnded))),
    }
}
