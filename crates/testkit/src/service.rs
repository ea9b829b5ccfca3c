//! An in-memory service connection (ChatNav, a room, BART, the directory) between the client's
//! sans-IO [`ServiceConnection`] and the embedded server's service [`Session`], for a
//! [`Pair`](crate::Pair) whose client was redirected (01/04 → 01/05): the [`ServiceOrder::Open`]
//! it recorded carries the host and cookie, and [`ServiceLink::open`] presents that cookie to the
//! same hub as the server's connection task does. Frames go through a [`FlapCodec`] each way;
//! time is passed in and no latency is simulated (each [`ServiceLink::run`] delivers until both
//! sides are quiet).

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::BytesMut;
use flapjack_client::session::room::{ServiceConnection, ServiceKind, ServiceOutput};
use flapjack_client::session::state::ServiceOrder;
use flapjack_proto::oscar::{Channel, FlapCodec, Hello, OutFlap};
use flapjack_server::bos::session::{Flow, Session};
use flapjack_server::bos::{OutSnac, Registration};
use flapjack_server::Hub;
use tokio_util::codec::{Decoder, Encoder};

/// One service connection, both ends, in memory.
pub struct ServiceLink {
    /// The client's end.
    pub conn: ServiceConnection,
    hub: Arc<Hub>,
    session: Option<Session>,
    registration: Option<Registration>,
    to_server: (FlapCodec, FlapCodec, BytesMut),
    to_client: (FlapCodec, FlapCodec, BytesMut),
    /// Whether either side closed.
    pub closed: bool,
}

impl ServiceLink {
    /// Opens the connection an [`ServiceOrder::Open`] names, on `hub`, at `now`: the client's
    /// sign-on flight goes out, the server redeems the cookie and answers. `None` for other
    /// orders.
    pub fn open(hub: Arc<Hub>, order: &ServiceOrder, now: u64) -> Option<Self> {
        let ServiceOrder::Open { kind, name, cookie, .. } = order else { return None };
        let mut conn = ServiceConnection::new(kind.clone(), name.clone(), 7);
        conn.connection_started(now, cookie.expose());
        let mut link = ServiceLink {
            conn,
            hub,
            session: None,
            registration: None,
            to_server: (FlapCodec::new(), FlapCodec::new(), BytesMut::new()),
            to_client: (
                FlapCodec::with_initial_sequence(0x2000),
                FlapCodec::new(),
                BytesMut::new(),
            ),
            closed: false,
        };
        link.run(now);
        Some(link)
    }

    /// What kind of connection this is.
    pub fn kind(&self) -> &ServiceKind {
        self.conn.kind()
    }

    /// Delivers frames both ways until neither side has anything to send; returns everything
    /// the client's end produced meanwhile (its frames already delivered).
    pub fn run(&mut self, now: u64) -> ServiceOutput {
        let mut gathered = ServiceOutput::default();
        for _ in 0..1_000 {
            let mut out = self.conn.take_output();
            let frames = std::mem::take(&mut out.frames);
            self.closed |= out.close;
            merge(&mut gathered, out);
            let mut to_client = Vec::new();
            for frame in frames {
                for flap in carry(&mut self.to_server, frame) {
                    if !self.server_read(now, flap, &mut to_client) {
                        self.closed = true;
                    }
                }
            }
            if let Some(reg) = self.registration.as_mut() {
                while let Ok(snac) = reg.outbound.try_recv() {
                    to_client.extend(snac.encode());
                }
            }
            if to_client.is_empty() {
                return gathered;
            }
            for frame in to_client {
                for flap in carry(&mut self.to_client, frame) {
                    self.conn.handle_frame(now, flap);
                }
            }
        }
        panic!("the service connection never went quiet");
    }

    /// The server reads one frame: the hello redeems the cookie (as the connection task does);
    /// the rest go to the session. `false` when it closes.
    fn server_read(
        &mut self,
        now: u64,
        flap: flapjack_proto::oscar::Flap,
        out: &mut Vec<OutFlap>,
    ) -> bool {
        let mut snacs: Vec<OutSnac> = Vec::new();
        let flow = match self.session.as_mut() {
            Some(session) => session.handle(flap, now, &mut snacs),
            None if flap.channel == Channel::SignOn => {
                let cookie = Hello::decode(&flap.payload)
                    .ok()
                    .and_then(|h| h.cookie().map(<[u8]>::to_vec))
                    .unwrap_or_default();
                let Some((account, service)) = self.hub.redeem_service_cookie(&cookie) else {
                    return false;
                };
                let peer = SocketAddr::from(([127, 0, 0, 1], 40001));
                let reg = self.hub.register_service(&account, peer, service.clone());
                let hub = Arc::clone(&self.hub);
                let session =
                    Session::new(hub, reg.id, account.screen_name, peer, now).for_service(service);
                snacs.push(session.host_online());
                self.session = Some(session);
                self.registration = Some(reg);
                Flow::Continue
            }
            None => Flow::Close(None),
        };
        out.extend(snacs.iter().filter_map(OutSnac::encode));
        flow == Flow::Continue
    }
}

impl Drop for ServiceLink {
    fn drop(&mut self) {
        if let Some(reg) = self.registration.take() {
            self.hub.unregister(reg.id);
        }
    }
}

/// Encodes `frame` with the sender's codec and decodes what the receiver's makes of it.
fn carry(
    (send, receive, inbox): &mut (FlapCodec, FlapCodec, BytesMut),
    frame: OutFlap,
) -> Vec<flapjack_proto::oscar::Flap> {
    let mut bytes = BytesMut::new();
    send.encode(frame, &mut bytes).expect("a frame encodes");
    inbox.extend_from_slice(&bytes);
    let mut got = Vec::new();
    while let Some(flap) = receive.decode(inbox).expect("a frame decodes") {
        got.push(flap);
    }
    got
}

fn merge(into: &mut ServiceOutput, from: ServiceOutput) {
    into.events.extend(from.events);
    into.rooms_found.extend(from.rooms_found);
    into.nav_refused.extend(from.nav_refused);
    into.close |= from.close;
    into.messages_sent += from.messages_sent;
    into.icons.extend(from.icons);
    into.uploads.extend(from.uploads);
    into.directory.extend(from.directory);
    into.keywords.extend(from.keywords);
}
