//! A TCP proxy on 127.0.0.1 that holds every chunk, in each direction, for a fixed delay before
//! passing it on (order preserved), so one round trip through it costs twice the delay: the
//! round-trip benches and tests put one in front of each hop (HTTP sign-on, BUCP, BOS).
//!
//! Besides delaying, it counts causal *levels*, which is how round trips are counted without
//! timing: a chunk the client sends has level 1 + the highest level delivered to the client
//! so far (on any hop), a chunk the server sends has level 1 + the highest level delivered to
//! the server so far (or to the client when the connection opened, since the server cannot
//! speak on a connection before it exists). A chunk of level `n` has crossed the proxy `n`
//! times on its longest causal path, so the first reply of a kind the client receives at level
//! `n` took `ceil(n / 2)` round trips. This over-counts only when something unrelated happened
//! to arrive just before a send; it never under-counts, so a test bounding it cannot pass
//! wrongly. New connections cost nothing here (the TCP handshake is with the proxy); they are
//! counted per hop instead.

use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::BytesMut;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::codec::Decoder;

use flapjack::oscar::{Channel, FlapCodec};

/// What a hop carries: FLAP hops are also parsed (client-bound only) to note when each SNAC
/// type first reached the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// HTTP sign-on: bytes only.
    Http,
    /// BUCP or BOS: FLAP frames.
    Flap,
}

/// What one hop saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HopStats {
    /// TCP connections the client opened through this hop.
    pub connections: usize,
    /// Chunks passed client → server.
    pub chunks_up: usize,
    /// Chunks passed server → client.
    pub chunks_down: usize,
    /// Bytes passed client → server.
    pub bytes_up: usize,
    /// Bytes passed server → client.
    pub bytes_down: usize,
    /// The distinct levels of client → server chunks: one entry per flight on a causal path.
    pub levels_up: BTreeSet<u32>,
    /// The distinct levels of server → client chunks.
    pub levels_down: BTreeSet<u32>,
}

/// When a SNAC type first reached the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrival {
    /// The level of the chunk that completed its frame.
    pub level: u32,
    /// When it was written to the client.
    pub at: Instant,
}

impl Arrival {
    /// Round trips this arrival took: its level over two, rounded up.
    pub fn round_trips(&self) -> u32 {
        self.level.div_ceil(2)
    }
}

#[derive(Debug, Default)]
struct Ledger {
    /// Bumped by [`DelayNet::reset`]; connections opened before it no longer count.
    epoch: u64,
    to_client_max: u32,
    to_server_max: u32,
    hops: HashMap<&'static str, HopStats>,
    first_snac: HashMap<(u16, u16), Arrival>,
    every_snac: HashMap<(u16, u16), Vec<Arrival>>,
}

/// A set of delaying hops sharing one causal ledger (one client, one server).
#[derive(Debug, Clone)]
pub struct DelayNet {
    delay: Duration,
    ledger: Arc<Mutex<Ledger>>,
}

/// A hop whose listener is bound (its address can be advertised) but not yet forwarding.
#[derive(Debug)]
pub struct Hop {
    net: DelayNet,
    name: &'static str,
    protocol: Protocol,
    listener: TcpListener,
    addr: SocketAddr,
}

/// A forwarding hop; dropping it stops accepting and ends its connections.
#[derive(Debug)]
pub struct Running {
    addr: SocketAddr,
    task: JoinHandle<()>,
    conns: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Running {
    /// Where clients connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
        if let Ok(conns) = self.conns.lock() {
            conns.iter().for_each(JoinHandle::abort);
        }
    }
}

impl DelayNet {
    /// Hops that hold each chunk for `delay` (one round trip = 2 × `delay`).
    pub fn new(delay: Duration) -> Self {
        DelayNet { delay, ledger: Arc::default() }
    }

    fn ledger(&self) -> MutexGuard<'_, Ledger> {
        self.ledger.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Binds a hop named `name` on 127.0.0.1 (port chosen by the OS).
    pub async fn bind(&self, name: &'static str, protocol: Protocol) -> Hop {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy binds");
        let addr = listener.local_addr().expect("proxy address");
        self.ledger().hops.entry(name).or_default();
        Hop { net: self.clone(), name, protocol, listener, addr }
    }

    /// Binds a hop and starts forwarding it to `upstream` at once.
    pub async fn proxy(
        &self,
        name: &'static str,
        protocol: Protocol,
        upstream: SocketAddr,
    ) -> Running {
        self.bind(name, protocol).await.forward_to(upstream)
    }

    /// What hop `name` saw so far.
    pub fn stats(&self, name: &str) -> HopStats {
        self.ledger().hops.get(name).cloned().unwrap_or_default()
    }

    /// The highest level delivered to the client so far (data or the end of a stream).
    pub fn client_level(&self) -> u32 {
        self.ledger().to_client_max
    }

    /// When SNAC `family`/`subtype` first reached the client on a FLAP hop, if it did.
    pub fn first_arrival(&self, family: u16, subtype: u16) -> Option<Arrival> {
        self.ledger().first_snac.get(&(family, subtype)).copied()
    }

    /// Every time SNAC `family`/`subtype` reached the client on a FLAP hop, in order.
    pub fn arrivals(&self, family: u16, subtype: u16) -> Vec<Arrival> {
        self.ledger().every_snac.get(&(family, subtype)).cloned().unwrap_or_default()
    }

    /// Forgets every count, for the next run through the same hops; connections still open
    /// from earlier runs go on forwarding but no longer count.
    pub fn reset(&self) {
        let mut ledger = self.ledger();
        ledger.epoch += 1;
        ledger.to_client_max = 0;
        ledger.to_server_max = 0;
        ledger.first_snac.clear();
        ledger.every_snac.clear();
        for stats in ledger.hops.values_mut() {
            *stats = HopStats::default();
        }
    }
}

impl Hop {
    /// Where clients connect (to advertise before forwarding starts).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Starts accepting and forwarding every connection to `upstream`.
    pub fn forward_to(self, upstream: SocketAddr) -> Running {
        let conns: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let addr = self.addr;
        let tracked = Arc::clone(&conns);
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = self.listener.accept().await {
                let conn = tokio::spawn(connection(
                    self.net.clone(),
                    self.name,
                    self.protocol,
                    client,
                    upstream,
                ));
                if let Ok(mut list) = tracked.lock() {
                    list.retain(|h| !h.is_finished());
                    list.push(conn);
                }
            }
        });
        Running { addr, task, conns }
    }
}

/// Which way a chunk travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Way {
    Up,
    Down,
}

/// When a connection opened: the ledger's epoch, and the highest level the client had then.
#[derive(Debug, Clone, Copy)]
struct Opened {
    epoch: u64,
    level: u32,
}

/// One chunk on its way, or the end of the stream.
struct Held {
    deliver_at: Instant,
    level: u32,
    bytes: Option<BytesMut>,
}

async fn connection(
    net: DelayNet,
    name: &'static str,
    protocol: Protocol,
    client: TcpStream,
    upstream: SocketAddr,
) {
    let opened = {
        let mut ledger = net.ledger();
        ledger.hops.entry(name).or_default().connections += 1;
        Opened { epoch: ledger.epoch, level: ledger.to_client_max }
    };
    let Ok(server) = TcpStream::connect(upstream).await else { return };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    let (up_tx, up_rx) = mpsc::unbounded_channel();
    let (down_tx, down_rx) = mpsc::unbounded_channel();
    let parse = protocol == Protocol::Flap;
    let _ = tokio::join!(
        read(net.clone(), name, Way::Up, client_read, up_tx, opened),
        deliver(net.clone(), Way::Up, server_write, up_rx, false, opened),
        read(net.clone(), name, Way::Down, server_read, down_tx, opened),
        deliver(net, Way::Down, client_write, down_rx, parse, opened),
    );
}

async fn read(
    net: DelayNet,
    name: &'static str,
    way: Way,
    mut from: OwnedReadHalf,
    to: mpsc::UnboundedSender<Held>,
    opened: Opened,
) {
    loop {
        let mut buf = BytesMut::with_capacity(64 * 1024);
        let n = from.read_buf(&mut buf).await.unwrap_or(0);
        let deliver_at = Instant::now() + net.delay;
        let level = {
            let mut ledger = net.ledger();
            let level = match way {
                Way::Up => ledger.to_client_max + 1,
                Way::Down => ledger.to_server_max.max(opened.level) + 1,
            };
            if n > 0 && ledger.epoch == opened.epoch {
                let stats = ledger.hops.entry(name).or_default();
                match way {
                    Way::Up => {
                        stats.chunks_up += 1;
                        stats.bytes_up += n;
                        stats.levels_up.insert(level);
                    }
                    Way::Down => {
                        stats.chunks_down += 1;
                        stats.bytes_down += n;
                        stats.levels_down.insert(level);
                    }
                }
            }
            level
        };
        let end = n == 0;
        let bytes = if end { None } else { Some(buf) };
        if to.send(Held { deliver_at, level, bytes }).is_err() || end {
            return;
        }
    }
}

async fn deliver(
    net: DelayNet,
    way: Way,
    mut to: OwnedWriteHalf,
    mut from: mpsc::UnboundedReceiver<Held>,
    parse_flap: bool,
    opened: Opened,
) {
    let mut codec = FlapCodec::new();
    let mut frames = BytesMut::new();
    let mut parse_flap = parse_flap;
    while let Some(held) = from.recv().await {
        tokio::time::sleep_until(held.deliver_at).await;
        // The ledger learns of a delivery before the peer can see it: updated after the write,
        // a peer quick to answer could be read by the other direction first and its answer
        // counted a level too low (the warm run then measured 1 round trip, not 2).
        let current = {
            let mut ledger = net.ledger();
            let current = ledger.epoch == opened.epoch;
            if current {
                match way {
                    Way::Up => ledger.to_server_max = ledger.to_server_max.max(held.level),
                    Way::Down => ledger.to_client_max = ledger.to_client_max.max(held.level),
                }
            }
            current
        };
        let Some(bytes) = held.bytes else {
            // The end of a stream is news too (a peer may wait for it): it counts as a level.
            let _ = to.shutdown().await;
            return;
        };
        if to.write_all(&bytes).await.is_err() {
            return;
        }
        let at = Instant::now();
        if !current {
            continue;
        }
        let mut ledger = net.ledger();
        if parse_flap {
            frames.extend_from_slice(&bytes);
            loop {
                let flap = match codec.decode(&mut frames) {
                    Ok(Some(flap)) => flap,
                    Ok(None) => break,
                    Err(_) => {
                        // Not FLAP after all: stop looking rather than guess.
                        parse_flap = false;
                        break;
                    }
                };
                if flap.channel != Channel::Data || flap.payload.len() < 4 {
                    continue;
                }
                let p = &flap.payload;
                let id = (u16::from_be_bytes([p[0], p[1]]), u16::from_be_bytes([p[2], p[3]]));
                let arrival = Arrival { level: held.level, at };
                ledger.first_snac.entry(id).or_insert(arrival);
                ledger.every_snac.entry(id).or_default().push(arrival);
            }
        }
    }
    let _ = to.shutdown().await;
}
