//! The I/O around one BOS connection (accepted, and TLS set up, by [`crate::listen`]): the
//! hello and cookie, then a loop that
//! reads batches of frames, answers them in order with one flush per batch, forwards what other
//! sessions queued, and obeys kill and shutdown signals.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use futures::{FutureExt as _, SinkExt as _, StreamExt as _};
#[cfg(feature = "test-support")]
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::sync::{mpsc, watch};
#[cfg(feature = "test-support")]
use tokio_util::codec::Encoder as _;
use tokio_util::codec::Framed;

use super::outbound::OutSnac;
use super::services::Service;
use super::session::{Flow, Session};
use super::{Hub, Kill};
#[cfg(feature = "test-support")]
use crate::faults::{self, ConnFaults, WriteCut};
use crate::listen::{stopped, Io};
use crate::oscar::bucp::tlv as btlv;
use crate::oscar::{Channel, Flap, FlapCodec, FrameError, Hello, OutFlap, SignOff};

/// How long a client may take to present its cookie.
pub const HELLO_TIMEOUT: Duration = Duration::from_secs(30);

/// Resolves with the kill order once one is given (`None` if the hub forgot the session).
async fn killed(kill: &mut watch::Receiver<Option<Kill>>) -> Option<Kill> {
    loop {
        if let Some(k) = *kill.borrow_and_update() {
            return Some(k);
        }
        if kill.changed().await.is_err() {
            return None;
        }
    }
}

type Conn = Framed<Box<dyn Io>, FlapCodec>;

/// How long a closing frame may take to write before the socket is simply dropped.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

async fn send_close(framed: &mut Conn, close: SignOff) {
    if let Ok(payload) = close.encode() {
        let send = framed.send(OutFlap { channel: Channel::SignOff, payload });
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, send).await;
    }
}

async fn read_hello(framed: &mut Conn, peer: SocketAddr) -> Option<Hello> {
    // The client's hello carries the cookie; keepalives before it are harmless.
    let first = tokio::time::timeout(HELLO_TIMEOUT, async {
        loop {
            match framed.next().await {
                Some(Ok(Flap { channel: Channel::KeepAlive, .. })) => continue,
                other => return other,
            }
        }
    })
    .await;
    match first {
        Ok(Some(Ok(Flap { channel: Channel::SignOn, payload, .. }))) => {
            match Hello::decode(&payload) {
                Ok(h) => Some(h),
                Err(e) => {
                    tracing::info!("BOS {peer}: bad hello ({e}), closing");
                    None
                }
            }
        }
        Ok(Some(Ok(f))) => {
            tracing::info!("BOS {peer}: expected a hello, got channel {:?}; closing", f.channel);
            None
        }
        Ok(Some(Err(e))) => {
            tracing::info!("BOS {peer}: framing error before sign-on ({e}), closing");
            None
        }
        Ok(None) => None,
        Err(_) => {
            tracing::info!("BOS {peer}: no hello within {HELLO_TIMEOUT:?}, closing");
            None
        }
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
    let mut framed: Conn = Framed::new(io, codec);
    let Ok(hello) = Hello::default().encode() else { return };
    let hello = tokio::select! {
        sent = framed.send(OutFlap { channel: Channel::SignOn, payload: hello }) => {
            if sent.is_err() {
                return;
            }
            tokio::select! {
                h = read_hello(&mut framed, peer) => h,
                () = stopped(&mut shutdown) => None,
            }
        }
        () = stopped(&mut shutdown) => None,
    };
    let Some(hello) = hello else { return };
    let cookie = hello.cookie().unwrap_or_default().to_vec();
    // A cookie from 01/05 opens a ChatNav or room connection on this same listener (§13.1).
    if let Some((account, service)) = hub.redeem_service_cookie(&cookie) {
        let reg = hub.register_service(&account, peer, service.clone());
        tracing::info!(
            "BOS {peer}: {} opening {service:?} (session {})",
            account.screen_name,
            reg.id
        );
        return serve_registered(framed, peer, hub, account, reg, shutdown, service).await;
    }
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
    serve_registered(framed, peer, hub, account, reg, shutdown, Service::Bos).await;
}

/// Serves a registered session of `service` until it ends, then unregisters it.
async fn serve_registered(
    mut framed: Conn,
    peer: SocketAddr,
    hub: Arc<Hub>,
    account: crate::Account,
    reg: super::Registration,
    shutdown: watch::Receiver<bool>,
    service: Service,
) {
    // One clock for every connection: the IM rate level is shared by an account's sessions.
    let clock = Arc::clone(&hub);
    let now_ms = move || clock.now_ms();
    let mut session =
        Session::new(Arc::clone(&hub), reg.id, account.screen_name.clone(), peer, now_ms())
            .for_service(service);
    let id = reg.id;
    let mut signals = Signals { kill: reg.kill, shutdown };
    #[cfg(feature = "test-support")]
    let faults = hub.state().config.fault_injection.as_ref().map(|plan| plan.arm());
    let mut out: Vec<OutSnac> = vec![session.host_online()];
    let mut outbound = reg.outbound;
    let mut io = LoopIo {
        framed: &mut framed,
        signals: &mut signals,
        #[cfg(feature = "test-support")]
        faults,
        peer,
    };
    let end = session_loop(&mut io, &mut session, &mut out, &mut outbound, now_ms).await;
    hub.unregister(id);
    // SNACs owed to this connection but never handed to the socket: IMs among them were
    // acknowledged to their senders, so they must not vanish with the connection.
    outbound.close();
    while let Ok(f) = outbound.try_recv() {
        out.push(f);
    }
    hub.rescue_undelivered(&account.screen_name, out);
    match end {
        End::Close(close) => send_close(&mut framed, close).await,
        #[cfg(feature = "test-support")]
        End::Cut => hang_up(&mut framed).await,
        End::Quiet => {}
    }
    // Dropping the socket closes it; everything owed to the client was flushed above.
    tracing::info!("BOS {peer}: {} session {id} ended", account.screen_name);
}

/// How a session loop ended.
enum End {
    /// Drop the socket without a word.
    Quiet,
    /// Send this channel-4 frame first.
    Close(SignOff),
    /// Fault injection: drop the connection without a word, but only after everything
    /// written so far has reached the client.
    #[cfg(feature = "test-support")]
    Cut,
}

impl End {
    fn for_kill(kill: Option<Kill>) -> End {
        match kill {
            Some(Kill::SignOff(reason)) => End::Close(SignOff::with_reason(reason)),
            Some(Kill::Overflow) | Some(Kill::Abrupt) | None => End::Quiet,
        }
    }
}

/// The two outside reasons to stop: a kill order for this session, or server shutdown.
struct Signals {
    kill: watch::Receiver<Option<Kill>>,
    shutdown: watch::Receiver<bool>,
}

impl Signals {
    /// Resolves when the session must end, with how.
    async fn fired(&mut self) -> End {
        tokio::select! {
            k = killed(&mut self.kill) => End::for_kill(k),
            () = stopped(&mut self.shutdown) => End::Quiet,
        }
    }
}

/// Encodes, writes and flushes `out`, unless the session is killed (e.g. for not reading)
/// meanwhile: a client that stopped reading must not be able to park this task forever. SNACs
/// never handed to the codec stay in `out`, typed, so the IMs among them can be rescued.
async fn flush(
    framed: &mut Conn,
    out: &mut Vec<OutSnac>,
    signals: &mut Signals,
) -> Result<(), End> {
    let mut fed = 0;
    let write = async {
        for snac in out.iter() {
            if let Some(frame) = snac.encode() {
                framed.feed(frame).await?;
            }
            fed += 1;
        }
        framed.flush().await
    };
    let result = tokio::select! {
        r = write => r.map_err(|_| End::Quiet),
        end = signals.fired() => Err(end),
    };
    out.drain(..fed);
    result
}

#[cfg(feature = "test-support")]
/// Fault injection: writes the frames before the cut whole and, for a mid-frame cut, the first
/// half of the next one; the frames not written whole are left in `out`.
async fn write_then_cut(
    framed: &mut Conn,
    out: &mut Vec<OutSnac>,
    cut: WriteCut,
    signals: &mut Signals,
) {
    let mut rest = out.split_off(cut.whole.min(out.len()));
    let written = flush(framed, out, signals).await.is_ok();
    if let (true, true, Some(next)) = (written, cut.half, rest.first().and_then(OutSnac::encode)) {
        let mut bytes = bytes::BytesMut::new();
        if framed.codec_mut().encode(next, &mut bytes).is_ok() {
            let half = &bytes[..bytes.len() / 2];
            let io = framed.get_mut();
            let _ = tokio::time::timeout(CLOSE_TIMEOUT, async {
                io.write_all(half).await?;
                io.flush().await
            })
            .await;
        }
    }
    out.append(&mut rest);
}

#[cfg(feature = "test-support")]
/// Ends a cut connection: shuts our half down, then reads (and ignores) until the client closes
/// its half, at most [`CLOSE_TIMEOUT`]. Closing with unread input would make the kernel answer
/// with a reset, which throws away what we wrote but the client has not read yet.
async fn hang_up(framed: &mut Conn) {
    let io = framed.get_mut();
    let linger = async {
        if io.shutdown().await.is_err() {
            return;
        }
        let mut buf = [0u8; 4096];
        while matches!(io.read(&mut buf).await, Ok(n) if n > 0) {}
    };
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, linger).await;
}

/// What the session loop works with besides the session itself.
struct LoopIo<'a> {
    framed: &'a mut Conn,
    signals: &'a mut Signals,
    /// This connection's fault-injection trigger, when a plan is configured.
    #[cfg(feature = "test-support")]
    faults: Option<ConnFaults>,
    peer: SocketAddr,
}

/// Handles `first` and every further frame already buffered, strictly in order, appending
/// replies to `out`; returns how the session ends if one of them ends it.
fn handle_batch(
    io: &mut LoopIo<'_>,
    session: &mut Session,
    first: Option<Result<Flap, FrameError>>,
    now_ms: &impl Fn() -> u64,
    out: &mut Vec<OutSnac>,
) -> Option<End> {
    let mut next = first;
    loop {
        match next {
            Some(Ok(f)) => {
                #[cfg(feature = "test-support")]
                let id = io.faults.as_ref().and_then(|_| faults::snac_id(&f));
                #[cfg(feature = "test-support")]
                if io.faults.as_mut().is_some_and(|x| x.cut_before(id)) {
                    return Some(End::Cut);
                }
                if let Flow::Close(close) = session.handle(f, now_ms(), out) {
                    return Some(close.map_or(End::Quiet, End::Close));
                }
                #[cfg(feature = "test-support")]
                if io.faults.as_mut().is_some_and(|x| x.cut_after(id)) {
                    return Some(End::Cut);
                }
            }
            Some(Err(e)) => {
                log_frame_error(io.peer, &e);
                return Some(End::Quiet);
            }
            None => return Some(End::Quiet),
        }
        next = io.framed.next().now_or_never()?;
    }
}

/// Serves the session until it ends; `out` starts with the 01/03 and is left holding whatever
/// was not written.
async fn session_loop(
    io: &mut LoopIo<'_>,
    session: &mut Session,
    out: &mut Vec<OutSnac>,
    outbound: &mut mpsc::Receiver<OutSnac>,
    now_ms: impl Fn() -> u64,
) -> End {
    // A pipelining client's whole sign-on usually arrived with its hello: answer it in the
    // same write as 01/03. A client that waits for 01/03 gets it alone right away.
    let mut end = match io.framed.next().now_or_never() {
        Some(first) => handle_batch(io, session, first, &now_ms, out),
        None => None,
    };
    loop {
        #[cfg(feature = "test-support")]
        if let Some(cut) = io.faults.as_mut().and_then(|x| x.write_cut(out)) {
            write_then_cut(io.framed, out, cut, io.signals).await;
            return End::Cut;
        }
        if let Err(interrupted) = flush(io.framed, out, io.signals).await {
            return interrupted;
        }
        trim(io.framed, out);
        if let Some(end) = end {
            return end;
        }
        end = tokio::select! {
            biased;
            end = io.signals.fired() => Some(end),
            first = io.framed.next() => handle_batch(io, session, first, &now_ms, out),
            Some(snac) = outbound.recv() => {
                out.push(snac);
                while let Ok(s) = outbound.try_recv() {
                    out.push(s);
                }
                None
            }
        };
    }
}

/// Gives back buffers a burst grew (the codec's 8 KB defaults, the sign-on flight's replies, a
/// large feedbag) once they are empty, so an idle session holds little: 10,000 of them must fit
/// in 256 MB (issue 17). Small buffers are kept, so steady traffic does not reallocate.
fn trim(framed: &mut Conn, out: &mut Vec<OutSnac>) {
    const KEEP_BYTES: usize = 4096;
    const KEEP_SNACS: usize = 8;
    if framed.write_buffer().is_empty() && framed.write_buffer().capacity() > KEEP_BYTES {
        *framed.write_buffer_mut() = BytesMut::new();
    }
    if framed.read_buffer().is_empty() && framed.read_buffer().capacity() > KEEP_BYTES {
        *framed.read_buffer_mut() = BytesMut::with_capacity(512);
    }
    if out.is_empty() && out.capacity() > KEEP_SNACS {
        out.shrink_to(KEEP_SNACS);
    }
}

fn log_frame_error(peer: SocketAddr, e: &FrameError) {
    match e {
        FrameError::Io(io) => tracing::info!("BOS {peer}: connection error: {io}"),
        other => tracing::warn!("BOS {peer}: {other}; closing this connection"),
    }
}
