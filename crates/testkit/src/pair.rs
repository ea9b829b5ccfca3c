//! An in-memory BOS connection between one client session and a server end.
//!
//! Every frame really is encoded by one side and decoded by the other's [`FlapCodec`], so the
//! bytes are the ones a socket would carry; only the socket and the clock are simulated. Time is
//! a `u64` of milliseconds that moves only when [`Pair::step`] jumps to the next delivery or
//! client timer. The server end is the embedded server's own BOS session ([`EmbeddedBos`]) or
//! the scripted hostile server ([`HostileBos`]), both behind [`BosEnd`].

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use flapjack_client::session::state::{ServiceOrder, SessionState};
use flapjack_client::session::{Command, Event};
use flapjack_proto::oscar::{Channel, Flap, FlapCodec, Hello, OutFlap, SignOff};
use flapjack_proto::screenname::ScreenName;
use flapjack_server::bos::session::{Flow, Session};
use flapjack_server::bos::{OutSnac, Registration};
use flapjack_server::{Hub, ServerConfig, ServerState};
use tokio_util::codec::{Decoder, Encoder};

use crate::hostile::{self, Attack, HostileConn, Record};

/// Picks a frame out of the stream, e.g. "the first 04/06".
pub type FrameMatcher = Box<dyn FnMut(&Flap) -> bool>;

/// A BOS server as the [`Pair`] drives it: bytes in, bytes out, no I/O.
pub trait BosEnd {
    /// A new connection opens; returns the bytes the server writes before reading anything
    /// and the cookie a client should present in its hello.
    fn connect(&mut self, now: u64) -> (Vec<u8>, Vec<u8>);
    /// One frame from the client at `now`; the answer goes to `out`. `false` closes the
    /// server's side after `out` is written.
    fn read(&mut self, now: u64, flap: Flap, out: &mut Vec<u8>) -> bool;
    /// Frames the server sends on its own (IMs from other sessions, presence) after a step.
    fn poll(&mut self, _out: &mut Vec<u8>) {}
    /// The connection is gone (cut, or closed by either side).
    fn disconnected(&mut self);
}

/// The embedded server's BOS: cookie redemption and registration as its connection task does
/// them, then its sans-IO [`Session`].
pub struct EmbeddedBos {
    hub: Arc<Hub>,
    account: ScreenName,
    codec: FlapCodec,
    session: Option<Session>,
    registration: Option<Registration>,
}

impl EmbeddedBos {
    /// A hub built from `config`, for a client signing on as `account`.
    pub fn new(config: ServerConfig, account: &ScreenName) -> Self {
        let state = Arc::new(ServerState::new(config, SocketAddr::from(([127, 0, 0, 1], 5190))));
        EmbeddedBos {
            hub: Hub::new(state, Default::default(), None),
            account: account.clone(),
            codec: FlapCodec::with_initial_sequence(0x1000),
            session: None,
            registration: None,
        }
    }

    /// A client for `account` on an existing hub, so several [`Pair`]s share one server world
    /// (one user's request reaches another's session).
    pub fn on_hub(hub: Arc<Hub>, account: &ScreenName) -> Self {
        EmbeddedBos {
            hub,
            account: account.clone(),
            codec: FlapCodec::with_initial_sequence(0x1000),
            session: None,
            registration: None,
        }
    }

    /// The hub, to look at what it stored or counted.
    pub fn hub(&self) -> &Arc<Hub> {
        &self.hub
    }

    /// Encodes a typed SNAC as the connection task does when it writes it.
    fn encode_snac(&mut self, snac: &OutSnac, out: &mut Vec<u8>) {
        if let Some(frame) = snac.encode() {
            self.encode(frame, out);
        }
    }

    fn encode(&mut self, frame: OutFlap, out: &mut Vec<u8>) {
        let mut bytes = BytesMut::new();
        match self.codec.encode(frame, &mut bytes) {
            Ok(()) => out.extend_from_slice(&bytes),
            Err(e) => tracing::warn!("pair: server cannot encode a frame: {e}"),
        }
    }
}

impl BosEnd for EmbeddedBos {
    fn connect(&mut self, _now: u64) -> (Vec<u8>, Vec<u8>) {
        self.codec = FlapCodec::with_initial_sequence(0x1000);
        let state = Arc::clone(self.hub.state());
        let cookie = state.cookies.issue(&self.account, state.now());
        let mut out = Vec::new();
        if let Ok(payload) = Hello::default().encode() {
            self.encode(OutFlap { channel: Channel::SignOn, payload }, &mut out);
        }
        (out, cookie)
    }

    fn read(&mut self, now: u64, flap: Flap, out: &mut Vec<u8>) -> bool {
        let mut frames = Vec::new();
        let flow = match self.session.as_mut() {
            Some(session) => session.handle(flap, now, &mut frames),
            None if flap.channel == Channel::SignOn => {
                let cookie = Hello::decode(&flap.payload)
                    .ok()
                    .and_then(|h| h.cookie().map(<[u8]>::to_vec))
                    .unwrap_or_default();
                match self.hub.state().redeem_cookie(&cookie) {
                    Some(account) => {
                        let peer = SocketAddr::from(([127, 0, 0, 1], 40000));
                        let reg = self.hub.register(&account, peer, &cookie, false);
                        let hub = Arc::clone(&self.hub);
                        let session =
                            Session::new(hub, reg.id, account.screen_name.clone(), peer, now);
                        frames.push(session.host_online());
                        self.session = Some(session);
                        self.registration = Some(reg);
                        Flow::Continue
                    }
                    None => Flow::Close(None),
                }
            }
            None => Flow::Close(None),
        };
        for snac in &frames {
            self.encode_snac(snac, out);
        }
        match flow {
            Flow::Continue => true,
            Flow::Close(signoff) => {
                if let Some(payload) = signoff.and_then(|s: SignOff| s.encode().ok()) {
                    self.encode(OutFlap { channel: Channel::SignOff, payload }, out);
                }
                false
            }
        }
    }

    fn poll(&mut self, out: &mut Vec<u8>) {
        let mut queued = Vec::new();
        if let Some(reg) = self.registration.as_mut() {
            while let Ok(frame) = reg.outbound.try_recv() {
                queued.push(frame);
            }
        }
        for snac in &queued {
            self.encode_snac(snac, out);
        }
    }

    fn disconnected(&mut self) {
        self.session = None;
        if let Some(mut reg) = self.registration.take() {
            self.hub.unregister(reg.id);
            reg.outbound.close();
            let mut owed = Vec::new();
            while let Ok(frame) = reg.outbound.try_recv() {
                owed.push(frame);
            }
            self.hub.rescue_undelivered(&self.account, owed);
        }
    }
}

/// The scripted hostile server ([`crate::hostile`]) as a [`BosEnd`].
pub struct HostileBos {
    /// What it did and saw.
    pub record: Record,
    /// The script it plays.
    pub attacks: Vec<Attack>,
    conn: Option<HostileConn>,
}

impl HostileBos {
    /// A hostile server playing `attacks`.
    pub fn new(attacks: Vec<Attack>) -> Self {
        HostileBos { record: Record::default(), attacks, conn: None }
    }
}

impl BosEnd for HostileBos {
    fn connect(&mut self, _now: u64) -> (Vec<u8>, Vec<u8>) {
        let hello = Hello::default().encode().map(|p| hostile::flap(1, &p)).unwrap_or_default();
        (hello, hostile::COOKIE.to_vec())
    }

    fn read(&mut self, _now: u64, flap: Flap, out: &mut Vec<u8>) -> bool {
        match self.conn.as_mut() {
            Some(conn) => conn.read(&mut self.record, &self.attacks, &flap, out),
            None if hostile::is_bos_hello(&flap) => {
                self.conn = Some(HostileConn::open(&mut self.record));
                true
            }
            None => false,
        }
    }

    fn disconnected(&mut self) {
        self.conn = None;
    }
}

/// Which way a frame travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Dir {
    /// Client to server.
    ToServer,
    /// Server to client.
    ToClient,
}

/// Bytes in flight; `eof` closes the receiving side's stream after them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct InFlight {
    at: u64,
    order: u64,
    dir: Dir,
    connection: u64,
    bytes: Bytes,
    eof: bool,
}

/// What crossed the wire, for assertions on round trips and ordering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wire {
    /// When it was delivered (virtual ms).
    pub at: u64,
    /// Which way.
    pub dir: Dir,
    /// The connection it belonged to, from 1.
    pub connection: u64,
    /// The frame as decoded by the receiver.
    pub flap: Flap,
}

/// A client session and a server end, connected in memory on virtual time.
pub struct Pair<S: BosEnd = EmbeddedBos> {
    /// Virtual time now, in milliseconds.
    pub now: u64,
    /// One-way latency of every frame, in milliseconds.
    pub latency: u64,
    /// The client's state machine.
    pub client: SessionState,
    /// The server end.
    pub server: S,
    /// Every event the client emitted, in order.
    pub events: Vec<Event>,
    /// Every frame delivered, both ways, in order.
    pub log: Vec<Wire>,
    /// Every order the client gave about service connections (ChatNav, rooms), in order: the
    /// pair opens none of them, a test reads what the actor would have done.
    pub services: Vec<ServiceOrder>,
    /// Why each connection the client lost was lost (framing errors, server closes, cuts).
    pub losses: Vec<String>,
    /// Cut the connection right after the server reads the first frame this matches (then
    /// forget it): frames the server wrote in answer are lost with the connection.
    pub cut_when_server_reads: Option<FrameMatcher>,
    client_codec: FlapCodec,
    /// Frames the client's codecs of earlier connections skipped (unknown channels).
    client_skipped_before: u64,
    client_inbox: BytesMut,
    server_codec: FlapCodec,
    server_inbox: BytesMut,
    heap: BinaryHeap<Reverse<InFlight>>,
    order: u64,
    connection: u64,
    connected: bool,
}

impl Pair<EmbeddedBos> {
    /// The embedded server built from `config` and a client for `account` (which `config`
    /// must hold), not yet connected; `latency_ms` is each direction's delay.
    pub fn new(config: ServerConfig, account: &str, latency_ms: u64) -> Self {
        let own = ScreenName::from_wire(account);
        let server = EmbeddedBos::new(config, &own);
        Pair::with_server(server, own, latency_ms)
    }

    /// A client for `account` on `hub`, shared with other pairs (see [`EmbeddedBos::on_hub`]).
    pub fn on_hub(hub: Arc<Hub>, account: &str, latency_ms: u64) -> Self {
        let own = ScreenName::from_wire(account);
        Pair::with_server(EmbeddedBos::on_hub(hub, &own), own, latency_ms)
    }

    /// The embedded server's hub.
    pub fn hub(&self) -> &Arc<Hub> {
        self.server.hub()
    }
}

impl<S: BosEnd> Pair<S> {
    /// A client for `own` against `server`, not yet connected.
    pub fn with_server(server: S, own: ScreenName, latency_ms: u64) -> Self {
        Pair {
            now: 0,
            latency: latency_ms,
            client: SessionState::new(own).with_seed(0x00F1_A9AC),
            server,
            events: Vec::new(),
            log: Vec::new(),
            services: Vec::new(),
            losses: Vec::new(),
            cut_when_server_reads: None,
            client_codec: FlapCodec::with_initial_sequence(0),
            client_skipped_before: 0,
            client_inbox: BytesMut::new(),
            server_codec: FlapCodec::with_initial_sequence(0),
            server_inbox: BytesMut::new(),
            heap: BinaryHeap::new(),
            order: 0,
            connection: 0,
            connected: false,
        }
    }

    /// Opens a new connection: the server greets, the client sends its hello with the cookie
    /// the server issued and its pipelined sign-on flight, as over TCP.
    pub fn connect(&mut self) {
        self.connection += 1;
        self.connected = true;
        self.client_skipped_before += self.client_codec.skipped_frames();
        self.client_codec = FlapCodec::with_initial_sequence(0);
        self.server_codec = FlapCodec::with_initial_sequence(0);
        self.client_inbox.clear();
        self.server_inbox.clear();
        let (greeting, cookie) = self.server.connect(self.now);
        self.queue(Dir::ToClient, greeting.into(), false);
        self.client.connection_started(self.now, &cookie);
        self.drain_client();
    }

    /// How many frames on unknown FLAP channels the client's codec skipped, over every
    /// connection (§1.2).
    pub fn client_codec_skipped(&self) -> u64 {
        self.client_skipped_before + self.client_codec.skipped_frames()
    }

    /// Gives the client a front-end command at the current time.
    pub fn command(&mut self, command: Command) {
        self.client.handle_command(self.now, command);
        self.drain_client();
    }

    /// Drops the connection at once: frames in flight are lost, the server is told, and so is
    /// the client (`will_retry` as given).
    pub fn cut(&mut self, will_retry: bool) {
        self.lose(will_retry, "cut".into());
    }

    fn lose(&mut self, will_retry: bool, why: String) {
        if !self.connected {
            return;
        }
        self.connected = false;
        self.losses.push(why);
        let connection = self.connection;
        self.heap.retain(|Reverse(f)| f.connection != connection);
        self.server.disconnected();
        self.client.connection_lost(will_retry);
        self.drain_client();
    }

    /// Runs one step: the next delivery or client timer, whichever is first. Returns `false`
    /// when nothing is left to happen.
    pub fn step(&mut self) -> bool {
        let Some(at) = self.next_at() else { return false };
        self.now = self.now.max(at);
        if self.heap.peek().map(|Reverse(f)| f.at) == Some(at) {
            if let Some(Reverse(frame)) = self.heap.pop() {
                self.deliver(frame);
            }
        } else {
            self.client.handle_timer(self.now);
            self.drain_client();
        }
        true
    }

    /// Steps until `done` holds or `until_ms` of virtual time has passed (the clock then stands
    /// at that deadline, as after a real wait); says whether `done` held.
    pub fn run_until(&mut self, until_ms: u64, mut done: impl FnMut(&Self) -> bool) -> bool {
        let deadline = self.now.saturating_add(until_ms);
        while !done(self) {
            if self.next_at().is_none_or(|n| n > deadline) {
                // Nothing happens before the deadline: the time passes all the same.
                self.now = deadline;
                return done(self);
            }
            self.step();
        }
        true
    }

    /// Lets the server end send what other sessions on a shared hub queued for this one (it
    /// otherwise writes only after reading), as the connection task's writer would.
    pub fn pump(&mut self) {
        if !self.connected {
            return;
        }
        let mut out = Vec::new();
        self.server.poll(&mut out);
        if !out.is_empty() {
            self.queue(Dir::ToClient, out.into(), false);
        }
    }

    /// Whether the client's connection is up.
    pub fn is_connected(&self) -> bool {
        self.connected
    }

    /// The current connection's number, from 1.
    pub fn connection(&self) -> u64 {
        self.connection
    }

    fn next_at(&self) -> Option<u64> {
        let frame = self.heap.peek().map(|Reverse(f)| f.at);
        match (frame, self.client.next_deadline()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn deliver(&mut self, frame: InFlight) {
        if frame.connection != self.connection || !self.connected {
            return;
        }
        match frame.dir {
            Dir::ToClient => self.deliver_to_client(&frame.bytes, frame.eof),
            Dir::ToServer => self.deliver_to_server(&frame.bytes),
        }
    }

    fn deliver_to_client(&mut self, bytes: &[u8], eof: bool) {
        self.client_inbox.extend_from_slice(bytes);
        loop {
            let decoded = if eof {
                self.client_codec.decode_eof(&mut self.client_inbox)
            } else {
                self.client_codec.decode(&mut self.client_inbox)
            };
            match decoded {
                Ok(Some(flap)) => {
                    let wire = Wire {
                        at: self.now,
                        dir: Dir::ToClient,
                        connection: self.connection,
                        flap: flap.clone(),
                    };
                    self.log.push(wire);
                    self.client.handle_frame(self.now, flap);
                    self.drain_client();
                    if !self.connected {
                        return;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    self.lose(true, e.to_string());
                    return;
                }
            }
        }
        if eof {
            self.lose(true, "the server closed the connection".into());
        }
    }

    fn deliver_to_server(&mut self, bytes: &[u8]) {
        self.server_inbox.extend_from_slice(bytes);
        let mut out = Vec::new();
        let mut open = true;
        while open {
            let flap = match self.server_codec.decode(&mut self.server_inbox) {
                Ok(Some(flap)) => flap,
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!("pair: server cannot decode a frame: {e}");
                    open = false;
                    break;
                }
            };
            let wire = Wire {
                at: self.now,
                dir: Dir::ToServer,
                connection: self.connection,
                flap: flap.clone(),
            };
            self.log.push(wire);
            let cut = self.cut_when_server_reads.as_mut().is_some_and(|matches| matches(&flap));
            open = self.server.read(self.now, flap, &mut out);
            if cut {
                self.cut_when_server_reads = None;
                self.cut(true);
                return;
            }
        }
        self.server.poll(&mut out);
        self.queue(Dir::ToClient, out.into(), !open);
        if !open {
            self.server.disconnected();
        }
    }

    /// Takes the client's output: frames go on the wire, events are kept, a close is obeyed
    /// after what the client wrote reaches the server (a sign-off frame among it).
    /// Takes what the client produced after a test called into it directly (as the actor does
    /// with service reports): events and orders to the record, frames onto the wire.
    pub fn drain(&mut self) {
        self.drain_client();
    }

    fn drain_client(&mut self) {
        let out = self.client.take_output();
        self.events.extend(out.events);
        self.services.extend(out.services);
        if self.connected {
            let mut bytes = BytesMut::new();
            for frame in out.frames {
                if let Err(e) = self.client_codec.encode(frame, &mut bytes) {
                    tracing::warn!("pair: client cannot encode a frame: {e}");
                }
            }
            self.queue(Dir::ToServer, bytes.freeze(), false);
        }
        if let (Some(close), true) = (out.close, self.connected) {
            // Deliver what is already on its way to the server, then drop the connection.
            let connection = self.connection;
            let mut to_server: Vec<InFlight> = Vec::new();
            let mut rest = BinaryHeap::new();
            while let Some(Reverse(f)) = self.heap.pop() {
                if f.connection == connection && f.dir == Dir::ToServer {
                    to_server.push(f);
                } else {
                    rest.push(Reverse(f));
                }
            }
            self.heap = rest;
            for f in to_server {
                self.now = self.now.max(f.at);
                self.deliver_to_server(&f.bytes);
            }
            self.lose(close.reconnect, format!("the client closed: {:?}", close.reason));
        }
    }

    fn queue(&mut self, dir: Dir, bytes: Bytes, eof: bool) {
        if bytes.is_empty() && !eof {
            return;
        }
        self.order += 1;
        let at = self.now.saturating_add(self.latency);
        let connection = self.connection;
        self.heap.push(Reverse(InFlight { at, order: self.order, dir, connection, bytes, eof }));
    }
}

impl<S: BosEnd> std::fmt::Debug for Pair<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pair")
            .field("now", &self.now)
            .field("latency", &self.latency)
            .field("connected", &self.connected)
            .field("in_flight", &self.heap.len())
            .finish_non_exhaustive()
    }
}
