//! The embedded server's BOS half: the listener, one task per connection, and the [`Hub`] that
//! knows who is online and routes presence and IMs between sessions.
//!
//! Layout: [`conn`] moves bytes (hello, cookie, frames in, batches of frames out, kill signals);
//! [`session`] turns each inbound SNAC into replies and hub calls, in order, through one handler
//! per SNAC in `handlers::<family>` (named after the `SnacBody` variant, doc starting with its
//! id, so `grep 04/06` finds it); the hub's world sits behind one mutex that is only held for map
//! updates and `try_send`s, never across an await, and its `impl` is split by job under `hub/`.
//! Every session has a bounded outbound queue: a client that stops reading is dropped instead of
//! slowing anyone else down.

pub mod conn;
pub mod feedbag;
mod handlers;
mod hub;
pub mod limits;
pub mod outbound;
pub mod privacy;
pub mod ratelimit;
pub mod services;
pub mod session;

use std::sync::Arc;

use tokio::sync::watch;

pub use hub::{tightened, WARNING_DECAY, WARNING_DECAY_SECS, WARN_ANONYMOUS, WARN_NAMED};
pub use hub::{
    Disconnect, FeedbagOp, Hub, ImOutcome, Kill, Registration, MAX_CONCURRENT_ROOMS, MAX_OCCUPANCY,
    MAX_ROOM_NAME, STATUS_INVISIBLE,
};
pub use hub::{Uploaded, MAX_DIRECTORY_RESULTS, MAX_ICON_BYTES, MAX_STORED_BYTES};
pub use outbound::OutSnac;

/// Accepts BOS connections until `shutdown` (TLS for clients that start a handshake, when
/// `tls` is set), one task each; waits for them on the way out.
pub async fn serve(
    listener: tokio::net::TcpListener,
    hub: Arc<Hub>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shutdown: watch::Receiver<bool>,
) {
    crate::listen::serve("BOS", listener, tls, shutdown, move |io, peer, stop, tls| {
        if tls {
            hub.state().counters.tls_connections.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        conn::run(io, peer, Arc::clone(&hub), stop)
    })
    .await;
}
