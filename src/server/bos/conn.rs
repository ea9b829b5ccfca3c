//! The I/O around one BOS connection: optional TLS, the hello and cookie, then a loop that
//! reads batches of frames, answers them in order with one flush per batch, forwards what other
//! sessions queued, and obeys kill and shutdown signals.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::{FutureExt as _, SinkExt as _, StreamExt as _};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::watch;
use tokio_util::codec::Framed;

use super::session::{Flow, Session};
use super::{Hub, Kill};
use crate::oscar::bucp::tlv as btlv;
use crate::oscar::{Channel, Flap, FlapCodec, FrameError, Hello, OutFlap, SignOff};

/// How long a client may take to present its cookie.
pub const HELLO_TIMEOUT: Duration = Duration::from_secs(30);
/// How long to wait for a first byte when TLS is offered, to tell a TLS ClientHello from FLAP.
pub const SNIFF_TIMEOUT: Duration = Duration::from_millis(300);

/// Anything a FLAP connection can run over (TCP, TLS).
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// Sets up one accepted TCP connection (TLS when offered and the client starts a handshake)
/// and runs it to the end.
pub async fn accept(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    hub: Arc<Hub>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shutdown: watch::Receiver<bool>,
) {
    if let Err(e) = stream.set_nodelay(true) {
        tracing::debug!("BOS {peer}: cannot set TCP_NODELAY: {e}");
    }
    let io: Box<dyn Io> = match tls {
        None => Box::new(stream),
        Some(acceptor) => {
            let mut first = [0u8; 1];
            let sniff = tokio::time::timeout(SNIFF_TIMEOUT, stream.peek(&mut first)).await;
            if matches!(sniff, Ok(Ok(1))) && first[0] == 0x16 {
                match tokio::time::timeout(HELLO_TIMEOUT, acceptor.accept(stream)).await {
                    Ok(Ok(s)) => Box::new(s),
                    Ok(Err(e)) => {
                        tracing::info!("BOS {peer}: TLS handshake failed: {e}");
                        return;
                    }
                    Err(_) => {
                        tracing::info!("BOS {peer}: TLS handshake timed out");
                        return;
                    }
                }
            } else {
                Box::new(stream)
            }
        }
    };
    run(io, peer, hub, shutdown).await;
}

async fn send_close(framed: &mut Framed<Box<dyn Io>, FlapCodec>, close: SignOff) {
    if let Ok(payload) = close.encode() {
        let _ = framed.send(OutFlap { channel: Channel::SignOff, payload }).await;
    }
}

/// Runs a BOS connection: hello, cookie, session loop.
pub async fn run(
    io: Box<dyn Io>,
    peer: SocketAddr,
    hub: Arc<Hub>,
    mut shutdown: watch::Receiver<bool>,
) {
    let codec = FlapCodec::with_initial_sequence(rand::random_range(0..0x7FFF));
    let mut framed = Framed::new(io, codec);
    let hello = match Hello::default().encode() {
        Ok(p) => OutFlap { channel: Channel::SignOn, payload: p },
        Err(_) => return,
    };
    if framed.send(hello).await.is_err() {
        return;
    }
    // The client's hello carries the cookie; keepalives before it are harmless.
    let client_hello = tokio::time::timeout(HELLO_TIMEOUT, async {
        loop {
            match framed.next().await {
                Some(Ok(Flap { channel: Channel::KeepAlive, .. })) => continue,
                other => return other,
            }
        }
    })
    .await;
    let hello = match client_hello {
        Ok(Some(Ok(Flap { channel: Channel::SignOn, payload, .. }))) => {
            match Hello::decode(&payload) {
                Ok(h) => h,
                Err(e) => {
                    tracing::info!("BOS {peer}: bad hello ({e}), closing");
                    return;
                }
            }
        }
        Ok(Some(Ok(f))) => {
            tracing::info!("BOS {peer}: expected a hello, got channel {:?}; closing", f.channel);
            return;
        }
        Ok(Some(Err(e))) => {
            tracing::info!("BOS {peer}: framing error before sign-on ({e}), closing");
            return;
        }
        Ok(None) => return,
        Err(_) => {
            tracing::info!("BOS {peer}: no hello within {HELLO_TIMEOUT:?}, closing");
            return;
        }
    };
    let cookie = hello.cookie().unwrap_or_default().to_vec();
    let Some(account) = hub.state().redeem_cookie(&cookie) else {
        tracing::info!("BOS {peer}: invalid or expired cookie, closing");
        let mut close = SignOff::default();
        close.tlvs.push(btlv::ERROR_CODE, 0x0001u16.to_be_bytes().to_vec());
        close.tlvs.push(0x000B, b"Invalid or expired login cookie".to_vec());
        send_close(&mut framed, close).await;
        return;
    };
    let single = hello.tlvs.get_u8(btlv::MULTI_CONN) == Some(0x03);
    let reg = hub.register(&account, peer, &cookie, single);
    hub.state().counters.bos_signons.fetch_add(1, Ordering::Relaxed);
    tracing::info!("BOS {peer}: {} signing on (session {})", account.screen_name, reg.id);
    let epoch = Instant::now();
    let now_ms = || u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
    let mut session =
        Session::new(Arc::clone(&hub), reg.id, account.screen_name.clone(), peer, now_ms());
    let id = reg.id;
    let end = session_loop(&mut framed, &mut session, reg, &mut shutdown, now_ms, peer).await;
    hub.unregister(id);
    match end {
        End::Quiet => {}
        End::Close(close) => send_close(&mut framed, close).await,
    }
    let _ = futures::SinkExt::<OutFlap>::close(&mut framed).await;
    tracing::info!("BOS {peer}: {} session {id} ended", account.screen_name);
}

enum End {
    Quiet,
    Close(SignOff),
}

async fn session_loop(
    framed: &mut Framed<Box<dyn Io>, FlapCodec>,
    session: &mut Session,
    mut reg: super::Registration,
    shutdown: &mut watch::Receiver<bool>,
    now_ms: impl Fn() -> u64,
    peer: SocketAddr,
) -> End {
    let mut out: Vec<OutFlap> = session.host_online().into_iter().collect();
    if flush(framed, &mut out).await.is_err() {
        return End::Quiet;
    }
    loop {
        tokio::select! {
            biased;
            changed = reg.kill.changed() => {
                if changed.is_err() {
                    return End::Quiet;
                }
                let kill = *reg.kill.borrow();
                match kill {
                    Some(Kill::SignOff(reason)) => return End::Close(SignOff::with_reason(reason)),
                    Some(Kill::Overflow) | Some(Kill::Abrupt) => return End::Quiet,
                    None => {}
                }
            }
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    return End::Quiet;
                }
            }
            frame = framed.next() => {
                let mut next = frame;
                // Answer everything already buffered, strictly in order, then flush once.
                loop {
                    match next {
                        Some(Ok(f)) => {
                            if let Flow::Close(close) = session.handle(f, now_ms(), &mut out) {
                                let _ = flush(framed, &mut out).await;
                                return close.map_or(End::Quiet, End::Close);
                            }
                        }
                        Some(Err(e)) => {
                            log_frame_error(peer, &e);
                            let _ = flush(framed, &mut out).await;
                            return End::Quiet;
                        }
                        None => {
                            let _ = flush(framed, &mut out).await;
                            return End::Quiet;
                        }
                    }
                    match framed.next().now_or_never() {
                        Some(n) => next = n,
                        None => break,
                    }
                }
                if flush(framed, &mut out).await.is_err() {
                    return End::Quiet;
                }
            }
            Some(frame) = reg.outbound.recv() => {
                out.push(frame);
                while let Ok(f) = reg.outbound.try_recv() {
                    out.push(f);
                }
                if flush(framed, &mut out).await.is_err() {
                    return End::Quiet;
                }
            }
        }
    }
}

fn log_frame_error(peer: SocketAddr, e: &FrameError) {
    match e {
        FrameError::Io(io) => tracing::info!("BOS {peer}: connection error: {io}"),
        other => tracing::warn!("BOS {peer}: {other}; closing this connection"),
    }
}

async fn flush(
    framed: &mut Framed<Box<dyn Io>, FlapCodec>,
    out: &mut Vec<OutFlap>,
) -> Result<(), FrameError> {
    for f in out.drain(..) {
        framed.feed(f).await?;
    }
    framed.flush().await
}
