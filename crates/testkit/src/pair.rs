//! An in-memory BOS connection between one client session and the embedded server.
//!
//! Every frame really is encoded by one side's [`FlapCodec`] and decoded by the other's, so the
//! bytes are the ones a socket would carry; only the socket and the clock are simulated. Time is
//! a `u64` of milliseconds that moves only when [`Pair::step`] jumps to the next delivery or
//! client timer.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use flapjack_client::session::state::SessionState;
use flapjack_client::session::{Command, Event};
use flapjack_proto::oscar::{Channel, Flap, FlapCodec, Hello, OutFlap};
use flapjack_proto::screenname::ScreenName;
use flapjack_server::bos::session::{Flow, Session};
use flapjack_server::bos::Registration;
use flapjack_server::{Hub, ServerConfig, ServerState};
use tokio_util::codec::{Decoder, Encoder};

/// Picks a frame out of the stream, e.g. "the first 04/06".
pub type FrameMatcher = Box<dyn FnMut(&Flap) -> bool>;

/// Which way a frame travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Dir {
    /// Client to server.
    ToServer,
    /// Server to client.
    ToClient,
}

/// One frame in flight, as the bytes a socket would carry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct InFlight {
    at: u64,
    order: u64,
    dir: Dir,
    connection: u64,
    bytes: Bytes,
}

/// What crossed the wire, for assertions on round trips and ordering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wire {
    /// When it was written (virtual ms).
    pub at: u64,
    /// Which way.
    pub dir: Dir,
    /// The frame as decoded by the receiver.
    pub flap: Flap,
}

/// The server's end of the current connection.
struct ServerEnd {
    session: Option<Session>,
    registration: Option<Registration>,
    codec: FlapCodec,
    inbox: BytesMut,
}

/// A client session and the embedded server's BOS, connected in memory on virtual time.
pub struct Pair {
    /// Virtual time now, in milliseconds.
    pub now: u64,
    /// One-way latency of every frame, in milliseconds.
    pub latency: u64,
    /// The client's state machine.
    pub client: SessionState,
    /// Every event the client emitted, in order.
    pub events: Vec<Event>,
    /// Every frame delivered, both ways, in order.
    pub log: Vec<Wire>,
    /// Cut the connection right after the server reads the first frame this matches (then
    /// forget it): frames the server wrote in answer are lost with the connection.
    pub cut_when_server_reads: Option<FrameMatcher>,
    hub: Arc<Hub>,
    account: ScreenName,
    server: Option<ServerEnd>,
    client_codec: FlapCodec,
    client_inbox: BytesMut,
    heap: BinaryHeap<Reverse<InFlight>>,
    order: u64,
    connection: u64,
    frames_to_server: usize,
    connected: bool,
}

impl Pair {
    /// A server built from `config` and a client for `account` (which `config` must hold),
    /// not yet connected; `latency_ms` is each direction's delay.
    pub fn new(config: ServerConfig, account: &str, latency_ms: u64) -> Self {
        let state = Arc::new(ServerState::new(config, SocketAddr::from(([127, 0, 0, 1], 5190))));
        let hub = Hub::new(state, Default::default(), None);
        let own = ScreenName::from_wire(account);
        Pair {
            now: 0,
            latency: latency_ms,
            client: SessionState::new(own.clone()),
            events: Vec::new(),
            log: Vec::new(),
            cut_when_server_reads: None,
            hub,
            account: own,
            server: None,
            client_codec: FlapCodec::with_initial_sequence(0),
            client_inbox: BytesMut::new(),
            heap: BinaryHeap::new(),
            order: 0,
            connection: 0,
            frames_to_server: 0,
            connected: false,
        }
    }

    /// The server's hub, to look at what it stored or to register other sessions.
    pub fn hub(&self) -> &Arc<Hub> {
        &self.hub
    }

    /// Opens a new connection: the server greets, the client sends its hello with a cookie the
    /// server issued and its pipelined sign-on flight, as over TCP.
    pub fn connect(&mut self) {
        self.connection += 1;
        self.frames_to_server = 0;
        self.connected = true;
        self.client_codec = FlapCodec::with_initial_sequence(0);
        self.client_inbox.clear();
        let state = self.hub.state();
        let cookie = state.cookies.issue(&self.account, state.now());
        let mut server = ServerEnd {
            session: None,
            registration: None,
            codec: FlapCodec::with_initial_sequence(0x1000),
            inbox: BytesMut::new(),
        };
        if let Ok(payload) = Hello::default().encode() {
            let hello = OutFlap { channel: Channel::SignOn, payload };
            self.send_from_server(&mut server, hello);
        }
        self.server = Some(server);
        self.client.connection_started(self.now, &cookie);
        self.drain_client();
    }

    /// Gives the client a front-end command at the current time.
    pub fn command(&mut self, command: Command) {
        self.client.handle_command(self.now, command);
        self.drain_client();
    }

    /// Drops the connection at once: frames in flight are lost, the server unregisters the
    /// session (rescuing what it still owed), and the client is told (`will_retry` as given).
    pub fn cut(&mut self, will_retry: bool) {
        if !self.connected {
            return;
        }
        self.connected = false;
        self.heap.retain(|Reverse(f)| f.connection != self.connection);
        self.close_server();
        self.client.connection_lost(will_retry);
        self.drain_client();
    }

    /// Runs one step: the next delivery or client timer, whichever is first. Returns `false`
    /// when nothing is left to happen.
    pub fn step(&mut self) -> bool {
        let next_frame = self.heap.peek().map(|Reverse(f)| f.at);
        let next_timer = self.client.next_deadline();
        let at = match (next_frame, next_timer) {
            (None, None) => return false,
            (Some(f), Some(t)) => f.min(t),
            (Some(f), None) => f,
            (None, Some(t)) => t,
        };
        self.now = self.now.max(at);
        if next_frame == Some(at) {
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
    pub fn run_until(&mut self, until_ms: u64, mut done: impl FnMut(&Pair) -> bool) -> bool {
        let deadline = self.now.saturating_add(until_ms);
        while !done(self) {
            let next = self.heap.peek().map(|Reverse(f)| f.at);
            let next = match (next, self.client.next_deadline()) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            if next.is_none_or(|n| n > deadline) {
                // Nothing happens before the deadline: the time passes all the same.
                self.now = deadline;
                return done(self);
            }
            if !self.step() {
                return done(self);
            }
        }
        true
    }

    /// Whether the client's connection is up.
    pub fn is_connected(&self) -> bool {
        self.connected
    }

    fn deliver(&mut self, frame: InFlight) {
        if frame.connection != self.connection || !self.connected {
            return;
        }
        match frame.dir {
            Dir::ToClient => {
                self.client_inbox.extend_from_slice(&frame.bytes);
                loop {
                    match self.client_codec.decode(&mut self.client_inbox) {
                        Ok(Some(flap)) => {
                            self.log.push(Wire {
                                at: self.now,
                                dir: Dir::ToClient,
                                flap: flap.clone(),
                            });
                            self.client.handle_frame(self.now, flap);
                        }
                        Ok(None) => break,
                        Err(e) => {
                            tracing::warn!("pair: client cannot decode a frame: {e}");
                            self.cut(true);
                            return;
                        }
                    }
                }
                self.drain_client();
            }
            Dir::ToServer => {
                let Some(mut server) = self.server.take() else { return };
                server.inbox.extend_from_slice(&frame.bytes);
                let mut flow = Flow::Continue;
                while flow == Flow::Continue {
                    let flap = match server.codec.decode(&mut server.inbox) {
                        Ok(Some(flap)) => flap,
                        Ok(None) => break,
                        Err(e) => {
                            tracing::warn!("pair: server cannot decode a frame: {e}");
                            flow = Flow::Close(None);
                            break;
                        }
                    };
                    self.frames_to_server += 1;
                    self.log.push(Wire { at: self.now, dir: Dir::ToServer, flap: flap.clone() });
                    let cut =
                        self.cut_when_server_reads.as_mut().is_some_and(|matches| matches(&flap));
                    flow = self.server_handle(&mut server, flap);
                    if cut {
                        self.cut_when_server_reads = None;
                        self.server = Some(server);
                        self.cut(true);
                        return;
                    }
                }
                self.drain_hub(&mut server);
                self.server = Some(server);
                if let Flow::Close(signoff) = flow {
                    if let Some(close) = signoff.and_then(|s| s.encode().ok()) {
                        let frame = OutFlap { channel: Channel::SignOff, payload: close };
                        if let Some(mut server) = self.server.take() {
                            self.send_from_server(&mut server, frame);
                            self.server = Some(server);
                        }
                    }
                    self.close_server();
                }
            }
        }
    }

    /// One frame at the server: the hello redeems the cookie and starts the session, as the
    /// real connection task does; everything after goes to the session.
    fn server_handle(&mut self, server: &mut ServerEnd, flap: Flap) -> Flow {
        let mut out = Vec::new();
        let flow = match server.session.as_mut() {
            Some(session) => session.handle(flap, self.now, &mut out),
            None if flap.channel == Channel::SignOn => {
                let cookie = Hello::decode(&flap.payload)
                    .ok()
                    .and_then(|h| h.cookie().map(<[u8]>::to_vec))
                    .unwrap_or_default();
                match self.hub.state().redeem_cookie(&cookie) {
                    Some(account) => {
                        let peer = SocketAddr::from(([127, 0, 0, 1], 40000));
                        let reg = self.hub.register(&account, peer, &cookie, false);
                        let session = Session::new(
                            Arc::clone(&self.hub),
                            reg.id,
                            account.screen_name.clone(),
                            peer,
                            self.now,
                        );
                        out.extend(session.host_online());
                        server.session = Some(session);
                        server.registration = Some(reg);
                        Flow::Continue
                    }
                    None => Flow::Close(None),
                }
            }
            None => Flow::Close(None),
        };
        for frame in out {
            self.send_from_server(server, frame);
        }
        flow
    }

    /// Frames the hub queued for this session (IMs from others, presence) go on the wire.
    fn drain_hub(&mut self, server: &mut ServerEnd) {
        let mut queued = Vec::new();
        if let Some(reg) = server.registration.as_mut() {
            while let Ok(frame) = reg.outbound.try_recv() {
                queued.push(frame);
            }
        }
        for frame in queued {
            self.send_from_server(server, frame);
        }
    }

    fn close_server(&mut self) {
        let Some(mut server) = self.server.take() else { return };
        if let Some(mut reg) = server.registration.take() {
            self.hub.unregister(reg.id);
            reg.outbound.close();
            let mut owed = Vec::new();
            while let Ok(frame) = reg.outbound.try_recv() {
                owed.push(frame);
            }
            self.hub.rescue_undelivered(&self.account, owed);
        }
    }

    fn send_from_server(&mut self, server: &mut ServerEnd, frame: OutFlap) {
        let mut bytes = BytesMut::new();
        if let Err(e) = server.codec.encode(frame, &mut bytes) {
            tracing::warn!("pair: server cannot encode a frame: {e}");
            return;
        }
        self.queue(Dir::ToClient, bytes.freeze());
    }

    /// Takes the client's output: frames go on the wire, events are kept, a close is obeyed.
    fn drain_client(&mut self) {
        let out = self.client.take_output();
        self.events.extend(out.events);
        if self.connected {
            for frame in out.frames {
                let mut bytes = BytesMut::new();
                match self.client_codec.encode(frame, &mut bytes) {
                    Ok(()) => self.queue(Dir::ToServer, bytes.freeze()),
                    Err(e) => tracing::warn!("pair: client cannot encode a frame: {e}"),
                }
            }
        }
        if let Some(close) = out.close {
            if self.connected {
                self.connected = false;
                self.heap
                    .retain(|Reverse(f)| f.connection != self.connection || f.dir == Dir::ToServer);
                self.close_server_after_delivery();
                self.client.connection_lost(close.reconnect);
                let more = self.client.take_output();
                self.events.extend(more.events);
            }
        }
    }

    /// A client that closes still delivers what it wrote (a sign-off frame among them).
    fn close_server_after_delivery(&mut self) {
        let pending: Vec<InFlight> = {
            let mut rest = Vec::new();
            let mut keep = BinaryHeap::new();
            while let Some(Reverse(f)) = self.heap.pop() {
                if f.connection == self.connection && f.dir == Dir::ToServer {
                    rest.push(f);
                } else {
                    keep.push(Reverse(f));
                }
            }
            self.heap = keep;
            rest
        };
        self.connected = true;
        for frame in pending {
            self.now = self.now.max(frame.at);
            self.deliver(frame);
        }
        self.connected = false;
        self.close_server();
    }

    fn queue(&mut self, dir: Dir, bytes: Bytes) {
        self.order += 1;
        let at = self.now.saturating_add(self.latency);
        self.heap.push(Reverse(InFlight {
            at,
            order: self.order,
            dir,
            connection: self.connection,
            bytes,
        }));
    }
}

impl std::fmt::Debug for Pair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pair")
            .field("now", &self.now)
            .field("latency", &self.latency)
            .field("connected", &self.connected)
            .field("in_flight", &self.heap.len())
            .finish_non_exhaustive()
    }
}
