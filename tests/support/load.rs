//! A lean OSCAR client for load: the whole BOS sign-on in one write with a cookie from the
//! server's store, then IMs out and 04/07 / 04/0C in, split into a reader and a writer so a
//! client can send while it receives. Shared by the soak test and `benches/server_load.rs`.

use std::net::SocketAddr;
use std::time::Instant;

use bytes::BytesMut;
use flapjack::oscar::icbm::{IcbmParams, SendIm};
use flapjack::oscar::oservice::{ClientReady, FamilyTool, FamilyVersion, VersionList};
use flapjack::oscar::{
    decode_snac_payload, snac_flap, Channel, FlapCodec, Hello, ImMessage, OutFlap, RateClass,
    SnacBody,
};
use flapjack::server::RateClasses;
use futures::StreamExt;
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio_util::codec::{Encoder, FramedRead};

/// AOL's rate classes with every threshold at zero, so no level ever crosses one: load runs
/// measure the relay, not the rate limiter.
pub fn unlimited_rates() -> RateClasses {
    let mut rates = RateClasses::aol();
    for c in &mut rates.classes {
        let RateClass { clear, alert, limit, disconnect, .. } = c;
        for v in [clear, alert, limit, disconnect] {
            *v = 0;
        }
    }
    rates
}

/// TOML for `n` accounts named `{prefix}{i:05}` with password `pw`, no buddies (so sign-ons
/// cause no presence traffic).
pub fn accounts_toml(prefix: &str, n: usize) -> String {
    (0..n)
        .map(|i| format!("[[account]]\nscreen_name = \"{prefix}{i:05}\"\npassword = \"pw\"\n"))
        .collect()
}

/// The sign-on flight: hello with the cookie, versions, rights queries, ICBM parameters,
/// 01/02, then 04/10 so the 04/17 that answers it says every earlier SNAC was handled.
fn flight(cookie: &[u8]) -> BytesMut {
    let versions = VersionList {
        versions: [(1, 3), (0x13, 4), (2, 1), (3, 1), (4, 1), (9, 1)]
            .map(|(family, version)| FamilyVersion { family, version })
            .to_vec(),
    };
    let ready = ClientReady {
        families: [1, 2, 3, 4, 9, 0x13]
            .map(|family| FamilyTool { family, version: 1, tool_id: 0x0110, tool_version: 0x0629 })
            .to_vec(),
    };
    let params = IcbmParams {
        channel: 0,
        flags: 0x0B,
        max_message_size: 8000,
        max_sender_warning: 999,
        max_receiver_warning: 999,
        min_interval_ms: 0,
    };
    let bodies = [
        SnacBody::ClientVersions(versions),
        SnacBody::RateParamsQuery,
        SnacBody::SelfInfoQuery,
        SnacBody::FeedbagQuery,
        SnacBody::IcbmParamsQuery,
        SnacBody::SetIcbmParams(params),
        SnacBody::FeedbagUse,
        SnacBody::ClientReady(ready),
        SnacBody::OfflineRetrieve,
    ];
    let mut codec = FlapCodec::with_initial_sequence(1);
    let mut buf = BytesMut::new();
    let hello = Hello::with_cookie(cookie).encode().unwrap();
    codec.encode(OutFlap { channel: Channel::SignOn, payload: hello }, &mut buf).unwrap();
    for (id, body) in (1..).zip(bodies) {
        codec.encode(snac_flap(&body, id).unwrap(), &mut buf).unwrap();
    }
    buf
}

/// What a load client reads.
pub struct Reader {
    frames: FramedRead<OwnedReadHalf, FlapCodec>,
}

/// What a load client writes with.
pub struct Writer {
    tcp: OwnedWriteHalf,
    codec: FlapCodec,
    buf: BytesMut,
    next_id: u32,
}

/// Something a load client received.
#[derive(Debug, PartialEq, Eq)]
pub enum Got {
    /// 04/07 with this cookie, from this sender.
    Im([u8; 8], String),
    /// 04/0C for this cookie.
    Ack([u8; 8]),
    /// 04/01 with this code.
    Error(u16),
    /// Anything else.
    Other,
}

/// Connects to BOS, signs on with `cookie` and waits until the server has handled the whole
/// flight (04/17). Panics if the server closes or refuses.
pub async fn sign_on(bos: SocketAddr, cookie: &[u8]) -> (Reader, Writer) {
    let tcp = TcpStream::connect(bos).await.unwrap();
    tcp.set_nodelay(true).unwrap();
    let (read, mut write) = tcp.into_split();
    write.write_all(&flight(cookie)).await.unwrap();
    let mut reader = Reader { frames: FramedRead::new(read, FlapCodec::with_initial_sequence(1)) };
    loop {
        let f = reader.frames.next().await.expect("closed during sign-on").unwrap();
        if f.channel == Channel::Data {
            let (h, _) = decode_snac_payload(&f.payload).unwrap();
            if (h.family, h.subtype) == (4, 0x17) {
                break;
            }
        }
    }
    let writer = Writer {
        tcp: write,
        codec: FlapCodec::with_initial_sequence(100),
        buf: BytesMut::new(),
        next_id: 100,
    };
    (reader, writer)
}

impl Reader {
    /// The next SNAC that matters to load, or `None` when the connection ends.
    pub async fn next(&mut self) -> Option<Got> {
        loop {
            let f = self.frames.next().await?.ok()?;
            if f.channel != Channel::Data {
                continue;
            }
            let (h, body) = decode_snac_payload(&f.payload).ok()?;
            return Some(match body {
                SnacBody::IncomingIm(im) => Got::Im(im.cookie, im.sender.screen_name),
                SnacBody::HostAck(a) => Got::Ack(a.cookie),
                SnacBody::Error { error, .. } if h.family == 4 => Got::Error(error.code.into()),
                _ => Got::Other,
            });
        }
    }
}

impl Writer {
    /// Queues an IM to `to` (acknowledgement requested); [`Writer::flush`] writes the batch.
    pub fn im(&mut self, to: &str, cookie: [u8; 8], text: &str) {
        let im = SendIm::new(cookie, to, &ImMessage::new(text), true).unwrap();
        self.snac(SnacBody::SendIm(im));
    }

    /// Queues any SNAC.
    pub fn snac(&mut self, body: SnacBody) {
        self.next_id += 1;
        self.codec.encode(snac_flap(&body, self.next_id).unwrap(), &mut self.buf).unwrap();
    }

    /// Writes everything queued in one write.
    pub async fn flush(&mut self) {
        let bytes = self.buf.split();
        self.tcp.write_all(&bytes).await.unwrap();
    }
}

/// An IM cookie carrying who sent it, its number, and when (microseconds since `epoch`,
/// wrapping), so a receiver can check it and time its trip.
pub fn cookie(from: u16, seq: u16, epoch: Instant) -> [u8; 8] {
    let micros = epoch.elapsed().as_micros() as u32;
    let mut c = [0; 8];
    c[..2].copy_from_slice(&from.to_be_bytes());
    c[2..4].copy_from_slice(&seq.to_be_bytes());
    c[4..].copy_from_slice(&micros.to_be_bytes());
    c
}

/// The sender and number in a [`cookie`].
pub fn cookie_ids(c: &[u8; 8]) -> (u16, u16) {
    (u16::from_be_bytes([c[0], c[1]]), u16::from_be_bytes([c[2], c[3]]))
}

/// Microseconds from a [`cookie`]'s send time to now.
pub fn cookie_age_micros(c: &[u8; 8], epoch: Instant) -> u32 {
    let sent = u32::from_be_bytes([c[4], c[5], c[6], c[7]]);
    (epoch.elapsed().as_micros() as u32).wrapping_sub(sent)
}

/// Resident memory of process `pid` (or this one), in kB, from `/proc/<pid>/status`.
pub fn vm_rss_kb(pid: Option<u32>) -> Option<u64> {
    let path = pid.map_or_else(|| "/proc/self/status".to_string(), |p| format!("/proc/{p}/status"));
    let status = std::fs::read_to_string(path).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
