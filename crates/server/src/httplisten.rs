//! The HTTP listener's connection limits (docs/protocol.md §14): a time limit on each request,
//! an idle limit between requests, and caps on open connections in total and per source address.
//!
//! At a cap the new connection is not refused: the least recently active connection (of the
//! same source at the per-source cap; of the source holding the most at the total cap) is
//! closed to make room. An attacker's idle connections are always older than a client's fresh
//! one, so a normal sign-on from the same address still gets through, while the server never
//! holds more than [`MAX_CONNECTIONS`] descriptors for HTTP.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use futures::task::AtomicWaker;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, Sleep};

/// How long a request may take to arrive in full (headers and body), from the connection's
/// start or from its first byte after a response.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a connection may wait for its next request after a response.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// HTTP connections open at once, all sources together.
pub const MAX_CONNECTIONS: usize = 256;
/// HTTP connections open at once from one source address.
pub const MAX_PER_SOURCE: usize = 32;
/// How long to wait before accepting again after `accept` failed (out of descriptors).
const ACCEPT_RETRY: Duration = Duration::from_millis(20);

/// The limits a listener enforces (the constants above unless a test asks for others).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// See [`MAX_CONNECTIONS`].
    pub total: usize,
    /// See [`MAX_PER_SOURCE`].
    pub per_source: usize,
    /// See [`REQUEST_TIMEOUT`].
    pub request: Duration,
    /// See [`IDLE_TIMEOUT`].
    pub idle: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            total: MAX_CONNECTIONS,
            per_source: MAX_PER_SOURCE,
            request: REQUEST_TIMEOUT,
            idle: IDLE_TIMEOUT,
        }
    }
}

/// Tells one connection to close, waking it wherever it waits.
#[derive(Debug, Default)]
struct Evict {
    flag: AtomicBool,
    waker: AtomicWaker,
}

impl Evict {
    fn fire(&self) {
        self.flag.store(true, Ordering::Release);
        self.waker.wake();
    }

    fn fired(&self, cx: &Context<'_>) -> bool {
        self.waker.register(cx.waker());
        self.flag.load(Ordering::Acquire)
    }
}

#[derive(Debug)]
struct Entry {
    ip: IpAddr,
    active: Instant,
    evict: Arc<Evict>,
}

#[derive(Debug, Default)]
struct Table {
    conns: HashMap<u64, Entry>,
    per_ip: HashMap<IpAddr, usize>,
}

impl Table {
    fn remove(&mut self, id: u64) {
        if let Some(e) = self.conns.remove(&id) {
            e.evict.fire();
            if let Some(n) = self.per_ip.get_mut(&e.ip) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    self.per_ip.remove(&e.ip);
                }
            }
        }
    }

    /// Closes `ip`'s least recently active connection.
    fn evict_from(&mut self, ip: IpAddr) {
        let stalest = self.conns.iter().filter(|(_, e)| e.ip == ip).min_by_key(|(_, e)| e.active);
        if let Some((&id, _)) = stalest {
            self.remove(id);
        }
    }
}

/// The accept side: a TCP listener that wraps each connection in [`GuardedIo`].
#[derive(Debug)]
pub struct GuardedListener {
    listener: TcpListener,
    table: Arc<Mutex<Table>>,
    next_id: AtomicU64,
    limits: Limits,
}

impl GuardedListener {
    /// Guards `listener` with `limits`.
    pub fn new(listener: TcpListener, limits: Limits) -> Self {
        GuardedListener { listener, table: Arc::default(), next_id: AtomicU64::new(0), limits }
    }

    /// Registers a connection from `ip`, closing others first if a cap is reached.
    fn admit(&self, ip: IpAddr) -> (u64, Arc<Evict>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let evict = Arc::new(Evict::default());
        let Ok(mut t) = self.table.lock() else { return (id, evict) };
        if t.per_ip.get(&ip).copied().unwrap_or(0) >= self.limits.per_source {
            t.evict_from(ip);
        } else if t.conns.len() >= self.limits.total {
            if let Some(busiest) = t.per_ip.iter().max_by_key(|(_, n)| **n).map(|(ip, _)| *ip) {
                t.evict_from(busiest);
            }
        }
        let entry = Entry { ip, active: Instant::now(), evict: Arc::clone(&evict) };
        t.conns.insert(id, entry);
        *t.per_ip.entry(ip).or_default() += 1;
        (id, evict)
    }
}

impl axum::serve::Listener for GuardedListener {
    type Io = GuardedIo;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.listener.accept().await {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    let (id, evict) = self.admit(peer.ip());
                    let io = GuardedIo {
                        inner: stream,
                        id,
                        table: Arc::clone(&self.table),
                        evict,
                        deadline: Box::pin(tokio::time::sleep(self.limits.request)),
                        in_request: true,
                        limits: self.limits,
                    };
                    return (io, peer);
                }
                Err(e) => {
                    // Out of descriptors (or a connection reset before it was accepted): wait
                    // a moment for closing connections to free some.
                    tracing::debug!("HTTP accept failed: {e}");
                    tokio::time::sleep(ACCEPT_RETRY).await;
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.listener.local_addr()
    }
}

/// The source address a request came from, for the handlers' throttle.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, GuardedListener>>
    for Peer
{
    fn connect_info(stream: axum::serve::IncomingStream<'_, GuardedListener>) -> Self {
        Peer(*stream.remote_addr())
    }
}

/// One HTTP connection under the listener's limits: reads and writes fail once it was evicted
/// or its deadline passed, which makes hyper close it.
#[derive(Debug)]
pub struct GuardedIo {
    inner: TcpStream,
    id: u64,
    table: Arc<Mutex<Table>>,
    evict: Arc<Evict>,
    deadline: Pin<Box<Sleep>>,
    /// Bytes of a request have arrived since the last response (or the connection is new).
    in_request: bool,
    limits: Limits,
}

impl GuardedIo {
    fn check(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        if self.evict.fired(cx) {
            return Err(io::Error::new(io::ErrorKind::ConnectionAborted, "evicted at a cap"));
        }
        Ok(())
    }

    fn expired(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Err(io::Error::new(io::ErrorKind::TimedOut, "HTTP time limit")),
            Poll::Pending => Ok(()),
        }
    }

    fn touch(&self) {
        if let Ok(mut t) = self.table.lock() {
            if let Some(e) = t.conns.get_mut(&self.id) {
                e.active = Instant::now();
            }
        }
    }
}

impl AsyncRead for GuardedIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.check(cx)?;
        let before = buf.filled().len();
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    if !self.in_request {
                        self.in_request = true;
                        let until = Instant::now() + self.limits.request;
                        self.deadline.as_mut().reset(until);
                    }
                    self.touch();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                self.expired(cx)?;
                Poll::Pending
            }
        }
    }
}

impl GuardedIo {
    /// What a write came to: bytes out mean a response is going out, so the next request has
    /// the idle time to start; a write still pending counts against the deadline.
    fn after_write(
        &mut self,
        cx: &mut Context<'_>,
        written: Poll<io::Result<usize>>,
    ) -> Poll<io::Result<usize>> {
        match written {
            Poll::Ready(Ok(n)) => {
                self.in_request = false;
                let until = Instant::now() + self.limits.idle;
                self.deadline.as_mut().reset(until);
                Poll::Ready(Ok(n))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                self.expired(cx)?;
                Poll::Pending
            }
        }
    }
}

impl AsyncWrite for GuardedIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.check(cx)?;
        let written = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.after_write(cx, written)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.check(cx)?;
        let written = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.after_write(cx, written)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl Drop for GuardedIo {
    fn drop(&mut self) {
        if let Ok(mut t) = self.table.lock() {
            t.remove(self.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    async fn listener(limits: Limits) -> (GuardedListener, SocketAddr) {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        (GuardedListener::new(l, limits), addr)
    }

    /// Reads until the peer closes (0 bytes or an error), or gives up after two seconds.
    async fn closed(s: &mut TcpStream) -> bool {
        let mut b = [0u8; 16];
        matches!(
            tokio::time::timeout(Duration::from_secs(2), s.read(&mut b)).await,
            Ok(Ok(0) | Err(_))
        )
    }

    #[tokio::test]
    async fn at_the_per_source_cap_the_stalest_connection_makes_room() {
        use axum::serve::Listener as _;
        let (mut l, addr) =
            listener(Limits { total: 10, per_source: 2, ..Limits::default() }).await;
        let mut first = TcpStream::connect(addr).await.unwrap();
        let (mut a, _) = l.accept().await;
        let _second = TcpStream::connect(addr).await.unwrap();
        let (b, _) = l.accept().await;
        let mut third = TcpStream::connect(addr).await.unwrap();
        let (mut c, _) = l.accept().await;
        // The first (stalest) was evicted: its reads fail, so hyper would close it.
        let mut buf = [0u8; 4];
        assert!(a.read(&mut buf).await.is_err());
        drop(a);
        assert!(closed(&mut first).await);
        // The newest works.
        third.write_all(b"ping").await.unwrap();
        c.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"ping");
        drop(b);
        let t = l.table.lock().unwrap();
        assert_eq!(t.conns.len(), 1);
        assert_eq!(t.per_ip.values().sum::<usize>(), 1);
    }

    #[tokio::test]
    async fn a_request_that_never_finishes_times_out() {
        use axum::serve::Listener as _;
        let request = Duration::from_millis(200);
        let (mut l, addr) = listener(Limits { request, ..Limits::default() }).await;
        let mut client = TcpStream::connect(addr).await.unwrap();
        let (mut io, _) = l.accept().await;
        client.write_all(b"GET / HT").await.unwrap();
        let mut buf = [0u8; 64];
        let n = io.read(&mut buf).await.unwrap();
        assert_eq!(n, 8);
        let started = Instant::now();
        let err = io.read(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[tokio::test]
    async fn after_a_response_an_idle_connection_times_out() {
        use axum::serve::Listener as _;
        let idle = Duration::from_millis(200);
        let (mut l, addr) = listener(Limits { idle, ..Limits::default() }).await;
        let mut client = TcpStream::connect(addr).await.unwrap();
        let (mut io, _) = l.accept().await;
        client.write_all(b"x").await.unwrap();
        let mut buf = [0u8; 1];
        io.read_exact(&mut buf).await.unwrap();
        io.write_all(b"y").await.unwrap();
        let err = io.read(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    }
}
