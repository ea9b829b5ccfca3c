//! The one accept loop every FLAP listener of the server runs (BOS and BUCP): accept, set
//! `TCP_NODELAY`, optionally tell a TLS ClientHello from FLAP and shake hands, hand the
//! connection to its protocol's handler in a task of its own, and on shutdown stop accepting and
//! wait for every connection task.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::watch;

/// How long to wait for a first byte when TLS is offered, to tell a TLS ClientHello from FLAP.
pub const SNIFF_TIMEOUT: Duration = Duration::from_millis(300);
/// How long a client may take to finish the TLS handshake.
pub const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long to wait before accepting again after `accept` failed (e.g. out of descriptors).
const ACCEPT_RETRY: Duration = Duration::from_millis(50);

/// Anything a FLAP connection can run over (TCP, TLS).
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// Resolves once `shutdown` turns true (or its sender is gone).
pub async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    while !*shutdown.borrow_and_update() {
        if shutdown.changed().await.is_err() {
            return;
        }
    }
}

/// Accepts connections on `listener` until `shutdown`, one task each, and waits for them on the
/// way out. With `tls`, a client whose first byte starts a TLS handshake gets one; anyone else
/// speaks plain FLAP on the same port. `handler` runs each connection to its end, given the
/// transport, the peer and the shutdown signal; `what` names the listener in logs.
pub async fn serve<H, F>(
    what: &'static str,
    listener: tokio::net::TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    mut shutdown: watch::Receiver<bool>,
    handler: H,
) where
    H: Fn(Box<dyn Io>, SocketAddr, watch::Receiver<bool>) -> F + Send + Sync + 'static,
    F: Future<Output = ()> + Send + 'static,
{
    let handler = Arc::new(handler);
    let mut tasks = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let handler = Arc::clone(&handler);
                    let (tls, stop) = (tls.clone(), shutdown.clone());
                    tasks.spawn(connection(what, stream, peer, tls, stop, handler));
                }
                Err(e) => {
                    tracing::warn!("{what} accept failed: {e}");
                    tokio::time::sleep(ACCEPT_RETRY).await;
                }
            },
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    break;
                }
            }
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
        }
    }
    while tasks.join_next().await.is_some() {}
}

/// Sets up one accepted connection (TLS when offered and asked for) and runs its handler.
async fn connection<H, F>(
    what: &'static str,
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shutdown: watch::Receiver<bool>,
    handler: Arc<H>,
) where
    H: Fn(Box<dyn Io>, SocketAddr, watch::Receiver<bool>) -> F,
    F: Future<Output = ()>,
{
    if let Err(e) = stream.set_nodelay(true) {
        tracing::debug!("{what} {peer}: cannot set TCP_NODELAY: {e}");
    }
    let mut stop = shutdown.clone();
    let io = tokio::select! {
        io = transport(what, stream, peer, tls) => io,
        () = stopped(&mut stop) => None,
    };
    if let Some(io) = io {
        handler(io, peer, shutdown).await;
    }
}

/// Plain TCP, or TLS when an acceptor is configured and the first byte is a TLS handshake.
async fn transport(
    what: &'static str,
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    tls: Option<tokio_rustls::TlsAcceptor>,
) -> Option<Box<dyn Io>> {
    let Some(acceptor) = tls else { return Some(Box::new(stream)) };
    let mut first = [0u8; 1];
    let sniff = tokio::time::timeout(SNIFF_TIMEOUT, stream.peek(&mut first)).await;
    if !(matches!(sniff, Ok(Ok(1))) && first[0] == 0x16) {
        return Some(Box::new(stream));
    }
    match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
        Ok(Ok(s)) => Some(Box::new(s)),
        Ok(Err(e)) => {
            tracing::info!("{what} {peer}: TLS handshake failed: {e}");
            None
        }
        Err(_) => {
            tracing::info!("{what} {peer}: TLS handshake timed out");
            None
        }
    }
}
