//! The hostile OSCAR server of `flapjack_testkit::hostile` behind a real socket: BUCP and BOS
//! on one port on 127.0.0.1, for the tests that drive the session actor, the TUI and
//! `--listen` end to end. The script, its frames and the per-connection machine live in the
//! testkit (the in-memory `Pair` runs the same machine); this file only moves bytes.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use flapjack::oscar::SnacBody;
use flapjack::oscar::{decode_snac_payload, encode_snac, Channel, FlapCodec, Hello, OutFlap};
use flapjack_testkit::scripted::bucp_reply;
use futures::{SinkExt, StreamExt};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::Framed;

use flapjack_testkit::hostile::COOKIE;
// Re-exported for the tests that use this server; not every test binary uses every name.
#[allow(unused_imports)]
pub use flapjack_testkit::hostile::{
    attacks, is_bos_hello, marker, Attack, HostileConn, Level, Record, EVIL_NAME, FRIEND, NASTY,
    NASTY_ENTITIES, PASSWORD,
};

/// A running hostile server.
pub struct HostileBos {
    /// Where it listens (BUCP and BOS alike).
    pub addr: SocketAddr,
    /// What it did and saw.
    pub record: Arc<Mutex<Record>>,
    /// The script it plays.
    pub attacks: Arc<Vec<Attack>>,
}

impl HostileBos {
    /// Starts the server with `attacks`; redirects in the standard [`attacks::script`] point at
    /// a decoy listener whose connections are counted in [`Record::decoy_hits`].
    pub async fn start(attacks: impl FnOnce(SocketAddr) -> Vec<Attack>) -> HostileBos {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let decoy = TcpListener::bind("127.0.0.1:0").await.expect("bind decoy");
        let decoy_addr = decoy.local_addr().expect("decoy addr");
        let attacks = Arc::new(attacks(decoy_addr));
        let record = Arc::new(Mutex::new(Record::default()));
        let rec = Arc::clone(&record);
        tokio::spawn(async move {
            while let Ok((_s, _)) = decoy.accept().await {
                if let Ok(mut r) = rec.lock() {
                    r.decoy_hits += 1;
                }
            }
        });
        let rec = Arc::clone(&record);
        let script = Arc::clone(&attacks);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                stream.set_nodelay(true).ok();
                tokio::spawn(serve(stream, addr, Arc::clone(&rec), Arc::clone(&script)));
            }
        });
        HostileBos { addr, record, attacks }
    }

    /// Locks the record.
    pub fn record(&self) -> std::sync::MutexGuard<'_, Record> {
        self.record.lock().expect("record lock")
    }
}

type Conn = Framed<TcpStream, FlapCodec>;

/// Sends our hello, reads the client's, and serves BUCP or BOS depending on the cookie.
async fn serve(stream: TcpStream, addr: SocketAddr, rec: Arc<Mutex<Record>>, at: Arc<Vec<Attack>>) {
    let mut framed = Framed::new(stream, FlapCodec::with_initial_sequence(100));
    let Ok(hello) = Hello::default().encode() else { return };
    if framed.send(OutFlap { channel: Channel::SignOn, payload: hello }).await.is_err() {
        return;
    }
    let Some(Ok(first)) = framed.next().await else { return };
    if !is_bos_hello(&first) {
        serve_bucp(framed, addr).await;
        return;
    }
    let Some(mut conn) = rec.lock().ok().map(|mut r| HostileConn::open(&mut r)) else { return };
    while let Some(Ok(f)) = framed.next().await {
        let mut out = Vec::new();
        let open = match rec.lock() {
            Ok(mut r) => conn.read(&mut r, &at, &f, &mut out),
            Err(_) => false,
        };
        let _ = framed.get_mut().write_all(&out).await;
        if !open {
            let _ = framed.get_mut().shutdown().await;
            return;
        }
    }
}

async fn reply_to(framed: &mut Conn, body: SnacBody, request_id: u32) {
    if let Ok(payload) = encode_snac(&body, request_id, 0) {
        let _ = framed.send(OutFlap::data(payload)).await;
    }
}

async fn serve_bucp(mut framed: Conn, addr: SocketAddr) {
    while let Some(Ok(f)) = framed.next().await {
        let Ok((h, body)) = decode_snac_payload(&f.payload) else { continue };
        let login = matches!(body, SnacBody::LoginRequest(_));
        if let Some(reply) = bucp_reply(&body, b"5678", PASSWORD, &addr.to_string(), COOKIE) {
            reply_to(&mut framed, reply, h.request_id).await;
        }
        if login {
            return;
        }
    }
}
