//! A tiny scripted OSCAR server (BUCP and BOS on one port) for testing the session actor's
//! behaviour in situations a well-behaved server never creates: garbage frames, undecodable
//! SNACs, connections dropped with an IM in flight. Its BUCP host and its answers to a
//! well-behaved sign-on are the testkit's (`flapjack_testkit::scripted`), shared with the
//! hostile server.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::BytesMut;
use flapjack::oscar::{
    decode_snac_payload, snac_flap, Channel, Flap, FlapCodec, Hello, OutFlap, SnacBody,
};
use flapjack_testkit::scripted::{bos_reply, bucp_reply};
use futures::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::{Decoder, Framed, FramedParts};

/// The only password the fake accepts.
pub const PASSWORD: &str = "pw";
/// The cookie the fake hands out and expects.
pub const COOKIE: &[u8] = b"fake-cookie";

/// What the fake does once a BOS client has sent 01/02.
#[derive(Debug, Clone)]
pub enum Action {
    /// Write these bytes as they are (garbage, or hand-made frames).
    Raw(Vec<u8>),
    /// Send this SNAC as a server-initiated one.
    Snac(SnacBody),
    /// Send a channel-2 frame with exactly this payload (for undecodable SNACs).
    Payload(Vec<u8>),
}

/// How one BOS connection behaves.
#[derive(Debug, Clone, Default)]
pub struct BosScript {
    /// Actions run after 01/02.
    pub on_ready: Vec<Action>,
    /// Drop the connection (without acking) when an IM arrives.
    pub drop_on_im: bool,
}

/// A frame seen in a first read: channel, and family/subtype for channel 2 (else zeros).
pub type FrameId = (u8, u16, u16);

/// What the fake saw, for assertions.
#[derive(Debug, Default)]
pub struct Seen {
    /// Per connection: `bos`, and the channels/SNAC ids in the first read from the socket.
    pub first_reads: Vec<(bool, Vec<FrameId>)>,
    /// Every SNAC id received on BOS connections, in order, with the connection number.
    pub bos_snacs: Vec<(usize, u16, u16)>,
    /// Cookies of every 04/06 received.
    pub im_cookies: Vec<[u8; 8]>,
}

/// A running fake server.
pub struct FakeBos {
    /// Where it listens (BUCP and BOS alike).
    pub addr: SocketAddr,
    /// What it saw.
    pub seen: Arc<Mutex<Seen>>,
}

impl FakeBos {
    /// Starts the fake; the n-th BOS connection follows `scripts[n]` (default: just serve).
    pub async fn start(scripts: Vec<BosScript>) -> FakeBos {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let seen = Arc::new(Mutex::new(Seen::default()));
        let seen2 = Arc::clone(&seen);
        tokio::spawn(async move {
            let mut bos_count = 0;
            while let Ok((stream, _)) = listener.accept().await {
                stream.set_nodelay(true).ok();
                let seen = Arc::clone(&seen2);
                let scripts = scripts.clone();
                // Decide BUCP vs BOS from the first read, then hand off.
                let (bos, framed) = match first_read(stream, &seen).await {
                    Some(v) => v,
                    None => continue,
                };
                if bos {
                    let script = scripts.get(bos_count).cloned().unwrap_or_default();
                    let n = bos_count;
                    bos_count += 1;
                    tokio::spawn(serve_bos(framed, script, seen, n));
                } else {
                    tokio::spawn(serve_bucp(framed, addr));
                }
            }
        });
        FakeBos { addr, seen }
    }
}

type Conn = Framed<TcpStream, FlapCodec>;

async fn first_read(mut stream: TcpStream, seen: &Mutex<Seen>) -> Option<(bool, Conn)> {
    let hello = Hello::default().encode().ok()?;
    let mut out = BytesMut::new();
    Flap { channel: Channel::SignOn, sequence: 100, payload: hello }.write(&mut out).ok()?;
    stream.write_all(&out).await.ok()?;
    let mut buf = BytesMut::with_capacity(8192);
    stream.read_buf(&mut buf).await.ok()?;
    let mut probe = FlapCodec::new();
    let mut copy = buf.clone();
    let mut ids = Vec::new();
    let mut bos = false;
    while let Ok(Some(f)) = probe.decode(&mut copy) {
        match f.channel {
            Channel::SignOn => bos = Hello::decode(&f.payload).ok()?.cookie().is_some(),
            Channel::Data => {
                let (h, _) = decode_snac_payload(&f.payload).ok()?;
                ids.push((2, h.family, h.subtype));
                continue;
            }
            _ => {}
        }
        ids.push((f.channel as u8, 0, 0));
    }
    seen.lock().ok()?.first_reads.push((bos, ids));
    let mut parts = FramedParts::new::<OutFlap>(stream, FlapCodec::with_initial_sequence(101));
    parts.read_buf = buf;
    Some((bos, Framed::from_parts(parts)))
}

async fn send(framed: &mut Conn, body: SnacBody, request_id: u32) {
    if let Ok(f) = snac_flap(&body, request_id) {
        let _ = framed.send(f).await;
    }
}

async fn serve_bucp(mut framed: Conn, addr: SocketAddr) {
    while let Some(Ok(f)) = framed.next().await {
        let Ok((h, body)) = decode_snac_payload(&f.payload) else { continue };
        if matches!(body, SnacBody::ChallengeRequest(_)) {
            // A slow login host, so commands sent right after `spawn` meet a session that
            // is still authenticating.
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let login = matches!(body, SnacBody::LoginRequest(_));
        if let Some(reply) = bucp_reply(&body, b"1234", PASSWORD, &addr.to_string(), COOKIE) {
            send(&mut framed, reply, h.request_id).await;
        }
        if login {
            return;
        }
    }
}

async fn serve_bos(mut framed: Conn, script: BosScript, seen: Arc<Mutex<Seen>>, n: usize) {
    while let Some(frame) = framed.next().await {
        let Ok(f) = frame else { return };
        if f.channel != Channel::Data {
            continue;
        }
        let Ok((h, body)) = decode_snac_payload(&f.payload) else { continue };
        if let Ok(mut s) = seen.lock() {
            s.bos_snacs.push((n, h.family, h.subtype));
        }
        let id = h.request_id;
        match body {
            SnacBody::SendIm(im) => {
                if let Ok(mut s) = seen.lock() {
                    s.im_cookies.push(im.cookie);
                }
                if script.drop_on_im {
                    return;
                }
                if let Some(ack) = bos_reply(&SnacBody::SendIm(im), &["friend"]) {
                    send(&mut framed, ack, id).await;
                }
            }
            SnacBody::ClientReady(_) => {
                for (i, action) in script.on_ready.iter().enumerate() {
                    let server_id = 0x8000_0000 | i as u32;
                    match action {
                        Action::Raw(bytes) => {
                            let _ = framed.get_mut().write_all(bytes).await;
                        }
                        Action::Snac(body) => send(&mut framed, body.clone(), server_id).await,
                        Action::Payload(p) => {
                            let _ = framed.send(OutFlap::data(p.clone())).await;
                        }
                    }
                }
            }
            other => {
                if let Some(reply) = bos_reply(&other, &["friend"]) {
                    send(&mut framed, reply, id).await;
                }
            }
        }
    }
}
