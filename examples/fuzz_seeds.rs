//! Writes the seed corpora for the fuzz targets in `fuzz/` from real traffic.
//!
//! Two client sessions (Alice and Bob) talk to the embedded server's BOS logic in process, with
//! no sockets: every frame either side writes goes through the FLAP codec, so the seeds are the
//! exact bytes the real programs exchange (sign-on flight, rate tables, feedbag, IMs, presence,
//! typing, profile lookups). Sign-on answers come from the examples in docs/protocol.md.
//!
//! Run with `cargo run --example fuzz_seeds -- fuzz/corpus` (the directory is created).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

use bytes::{Bytes, BytesMut};
use flapjack::oscar::bucp::{ChallengeRequest, ClientIdent, LoginRequest};
use flapjack::oscar::{
    decode_snac_payload, snac_flap, Channel, Flap, FlapCodec, Hello, OutFlap, SnacBody, TlvBlock,
};
use flapjack::screenname::ScreenName;
use flapjack::server::bos::session::Session;
use flapjack::server::bos::OutSnac;
use flapjack::server::{Accounts, Hub, ServerConfig, ServerState};
use flapjack::session::state::SessionState;
use flapjack::session::{Command, TypingState};
use tokio_util::codec::{Decoder, Encoder};

const ACCOUNTS: &str = "[[account]]\nscreen_name = 'Alice'\npassword = 'alicepw'\n\
                        buddies = ['Bob']\nprofile = '<b>Hi</b> I am <i>Alice</i> &amp; co'\n\
                        [[account]]\nscreen_name = 'Bob'\npassword = 'bobpw'\nbuddies = ['Alice']\n\
                        [[account]]\nscreen_name = '123456'\npassword = 'icqpw'\n";

/// One client's connection: its session state, the server's session for it, and the bytes
/// that crossed in each direction.
struct Link {
    client: SessionState,
    server: Session,
    outbound: tokio::sync::mpsc::Receiver<OutSnac>,
    to_server: FlapCodec,
    to_client: FlapCodec,
    c2s: Vec<u8>,
    s2c: Vec<u8>,
    now: u64,
}

fn wire(codec: &mut FlapCodec, frame: OutFlap, log: &mut Vec<u8>) -> Flap {
    let mut buf = BytesMut::new();
    codec.encode(frame, &mut buf).expect("encodable frame");
    log.extend_from_slice(&buf);
    FlapCodec::new().decode(&mut buf).expect("valid frame").expect("whole frame")
}

impl Link {
    fn new(hub: &Arc<Hub>, name: &str) -> Link {
        let account = hub.state().config.accounts.get(name).expect("account").clone();
        let addr = hub.state().bos_addr;
        let reg = hub.register(&account, addr, name.as_bytes(), false);
        let server = Session::new(Arc::clone(hub), reg.id, account.screen_name.clone(), addr, 0);
        let client = SessionState::new(account.screen_name.clone())
            .with_wall_clock(|| SystemTime::UNIX_EPOCH);
        let mut link = Link {
            client,
            server,
            outbound: reg.outbound,
            to_server: FlapCodec::with_initial_sequence(100),
            to_client: FlapCodec::with_initial_sequence(7000),
            c2s: Vec::new(),
            s2c: Vec::new(),
            now: 0,
        };
        let online = link.server.host_online();
        link.deliver(vec![online]);
        link.client.connection_started(0, name.as_bytes());
        link
    }

    fn deliver(&mut self, snacs: Vec<OutSnac>) {
        for s in snacs {
            let f = s.encode().expect("encodable SNAC");
            let flap = wire(&mut self.to_client, f, &mut self.s2c);
            self.now += 20;
            self.client.handle_frame(self.now, flap);
        }
    }

    /// Moves frames both ways until neither side has anything left to say.
    fn pump(&mut self) {
        for _ in 0..50 {
            self.now += 20;
            self.client.handle_timer(self.now);
            let out = self.client.take_output();
            let mut replies = Vec::new();
            while let Ok(f) = self.outbound.try_recv() {
                replies.push(f);
            }
            if out.frames.is_empty() && replies.is_empty() {
                return;
            }
            for f in out.frames {
                let flap = wire(&mut self.to_server, f, &mut self.c2s);
                if flap.channel != Channel::SignOn {
                    self.server.handle(flap, self.now, &mut replies);
                }
            }
            self.deliver(replies);
        }
    }

    fn command(&mut self, c: Command) {
        self.client.handle_command(self.now, c);
        self.pump();
    }
}

/// Splits a logged stream back into frames, to slice it into seeds of a few frames each.
fn split(stream: &[u8]) -> Vec<Vec<u8>> {
    let mut codec = FlapCodec::new();
    let mut buf = BytesMut::from(stream);
    let mut out = Vec::new();
    let mut rest = stream;
    while let Ok(Some(frame)) = codec.decode(&mut buf) {
        let n = 6 + frame.payload.len();
        out.push(rest[..n].to_vec());
        rest = &rest[n..];
    }
    out
}

#[derive(Default)]
struct Corpus(BTreeMap<(String, String), Vec<u8>>);

impl Corpus {
    fn add(&mut self, target: &str, name: String, bytes: Vec<u8>) {
        self.0.insert((target.to_string(), name), bytes);
    }

    fn write(&self, root: &Path) -> std::io::Result<()> {
        for ((target, name), bytes) in &self.0 {
            let dir = root.join(target);
            std::fs::create_dir_all(&dir)?;
            std::fs::write(dir.join(name), bytes)?;
        }
        Ok(())
    }
}

fn with_prefix(p: u8, bytes: &[u8]) -> Vec<u8> {
    let mut v = vec![p];
    v.extend_from_slice(bytes);
    v
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = std::env::args().nth(1).unwrap_or_else(|| "fuzz/corpus".into());
    let config = ServerConfig::for_tests(Accounts::from_toml(ACCOUNTS)?);
    let addr = SocketAddr::from(([127, 0, 0, 1], 5190));
    let hub = Hub::new(Arc::new(ServerState::new(config, addr)), Default::default(), None);

    let mut alice = Link::new(&hub, "alice");
    alice.pump();
    let mut bob = Link::new(&hub, "bob");
    bob.pump();
    alice.pump();
    let alice_signon = (alice.c2s.len(), alice.s2c.len());
    let to = |n: &str| ScreenName::from_wire(n);
    alice.command(Command::GetInfo { name: to("Bob") });
    alice.command(Command::Typing { to: to("Bob"), state: TypingState::Typing });
    alice.command(Command::SendIm {
        id: 1,
        to: to("Bob"),
        text: "hello <b>Bob</b> & ünïcödé ☃".into(),
    });
    bob.pump();
    bob.command(Command::SendIm { id: 2, to: to("Alice"), text: "hi Alice, plain ascii".into() });
    bob.command(Command::SendIm {
        id: 3,
        to: to("Alice"),
        text: "<a href=\"x\">link</a>\u{1b}[31m".into(),
    });
    alice.pump();
    alice.command(Command::SetAway(Some("<i>out</i> for lunch".into())));
    bob.command(Command::GetInfo { name: to("Alice") });
    alice.command(Command::AddGroup { name: "Friends".into() });
    alice.command(Command::AddBuddy { name: to("123456"), group: "Friends".into() });
    alice.command(Command::RemoveBuddy { name: to("Bob") });
    alice.command(Command::SendIm { id: 4, to: to("nobody here"), text: "offline?".into() });
    alice.command(Command::SetAway(None));
    alice.command(Command::SignOff);
    bob.pump();

    let mut corpus = Corpus::default();
    let mut snacs_seen: BTreeMap<(u16, u16), usize> = BTreeMap::new();
    for (dir, link) in [("s2c", &alice.s2c), ("c2s", &alice.c2s), ("bob-s2c", &bob.s2c)] {
        let frames = split(link);
        for (i, group) in frames.chunks(4).enumerate() {
            let stream = group.concat();
            corpus.add(
                "flap_stream",
                format!("{dir}-{i:03}"),
                with_prefix((i as u8).wrapping_mul(37), &stream),
            );
        }
        for (i, f) in frames.iter().enumerate() {
            if f[1] != 2 {
                continue;
            }
            let payload = Bytes::copy_from_slice(&f[6..]);
            let Ok((h, body)) = decode_snac_payload(&payload) else { continue };
            let seen = snacs_seen.entry((h.family, h.subtype)).or_default();
            *seen += 1;
            if *seen <= 2 {
                corpus.add(
                    "snac",
                    format!("{dir}-{:02x}-{:02x}-{i:03}", h.family, h.subtype),
                    payload.to_vec(),
                );
            }
            add_typed(&mut corpus, &format!("{dir}-{i:03}"), &body);
        }
    }
    let s2c = alice.s2c.clone();
    corpus.add("session", "signon".into(), s2c[..alice_signon.1].to_vec());
    corpus.add("session", "whole".into(), s2c.clone());
    corpus.add("session", "after-signon".into(), s2c[alice_signon.1..].to_vec());
    corpus.add("session", "bob-whole".into(), bob.s2c.clone());
    corpus.add("server_bos", "signon".into(), alice.c2s[..alice_signon.0].to_vec());
    corpus.add("server_bos", "whole".into(), alice.c2s.clone());
    corpus.add("server_bos", "after-signon".into(), alice.c2s[alice_signon.0..].to_vec());
    corpus.add("server_bos", "bob-whole".into(), bob.c2s.clone());

    bucp_seeds(&mut corpus)?;
    auth_seeds(&mut corpus);
    corpus.add("accounts_toml", "test-accounts".into(), ACCOUNTS.as_bytes().to_vec());
    corpus.add("accounts_toml", "demo".into(), flapjack::server::accounts::DEMO_ACCOUNTS.into());
    for (i, html) in [
        "<HTML><BODY BGCOLOR=\"#ffffff\"><FONT LANG=\"0\">hey &lt;you&gt;<BR>line&nbsp;two</FONT></BODY></HTML>",
        "plain &amp; &#9731; &#x263A; &bogus; <a href='u'>x</a>\r\n\u{7}\u{1b}]0;title\u{7}",
    ]
    .iter()
    .enumerate()
    {
        corpus.add("icbm", format!("html-{i}"), with_prefix(2, html.as_bytes()));
    }
    corpus.write(Path::new(&root))?;
    println!("wrote {} seeds under {root}", corpus.0.len());
    Ok(())
}

/// Seeds for the targets that take one structure: TLV blocks, user info, feedbag, ICBMs.
fn add_typed(corpus: &mut Corpus, name: &str, body: &SnacBody) {
    let mut buf = BytesMut::new();
    match body {
        SnacBody::IncomingIm(im) => {
            im.encode(&mut buf).expect("encodable");
            corpus.add("icbm", format!("{name}-0407"), with_prefix(0, &buf));
            if let Some(data) = im.tlvs.value(0x0002) {
                corpus.add("icbm", format!("{name}-msg"), with_prefix(1, data));
            }
            let mut t = BytesMut::new();
            im.tlvs.write_rest(&mut t).expect("encodable");
            corpus.add("tlv", format!("{name}-rest"), with_prefix(0, &t));
            let mut u = BytesMut::new();
            im.sender.write(&mut u).expect("encodable");
            corpus.add("tlv", format!("{name}-userinfo"), with_prefix(3, &u));
        }
        SnacBody::BuddyArrived(p) => {
            for u in &p.users {
                let mut t = BytesMut::new();
                u.tlvs.write_counted(&mut t).expect("encodable");
                corpus.add("tlv", format!("{name}-counted"), with_prefix(1, &t));
                let mut t = BytesMut::new();
                u.tlvs.write_length_prefixed(&mut t).expect("encodable");
                corpus.add("tlv", format!("{name}-prefixed"), with_prefix(2, &t));
            }
        }
        SnacBody::FeedbagReply(r) => {
            r.encode(&mut buf).expect("encodable");
            corpus.add("feedbag", format!("{name}-reply"), with_prefix(0, &buf));
        }
        SnacBody::FeedbagInsert(items)
        | SnacBody::FeedbagUpdate(items)
        | SnacBody::FeedbagDelete(items) => {
            items.encode(&mut buf).expect("encodable");
            corpus.add("feedbag", format!("{name}-items"), with_prefix(1, &buf));
        }
        _ => {}
    }
}

/// BUCP client streams: the MD5 login (hello, 17/06, 17/02) and the legacy roasted hello.
fn bucp_seeds(corpus: &mut Corpus) -> Result<(), Box<dyn std::error::Error>> {
    let client = ClientIdent {
        name: "AOL Instant Messenger, version 5.1.3036/WIN32".into(),
        id: 0x0109,
        version: [5, 1, 0, 3036],
        distribution: 0x0000_00D2,
    };
    let mut codec = FlapCodec::with_initial_sequence(1);
    let mut md5 = Vec::new();
    let mut log = |f: OutFlap, out: &mut Vec<u8>| wire(&mut codec, f, out);
    log(OutFlap { channel: Channel::SignOn, payload: Hello::default().encode()? }, &mut md5);
    log(snac_flap(&SnacBody::ChallengeRequest(ChallengeRequest::new("Alice")), 1)?, &mut md5);
    let req = LoginRequest::strong("Alice", b"1234567890", b"alicepw", &client);
    log(snac_flap(&SnacBody::LoginRequest(req), 2)?, &mut md5);
    corpus.add("server_bucp", "md5-login".into(), md5);
    let roasted = flapjack::server::bucp::roast(b"alicepw");
    let hello = Hello {
        tlvs: TlvBlock::new().with(0x0001, "Alice").with(0x0002, roasted).with_u8(0x004A, 3),
    };
    let mut legacy = Vec::new();
    log(OutFlap { channel: Channel::SignOn, payload: hello.encode()? }, &mut legacy);
    corpus.add("server_bucp", "roasted-login".into(), legacy);
    Ok(())
}

/// Sign-on answers as docs/protocol.md (§4) shows them, and the requests our server
/// reads, with byte 0 selecting the endpoint as the targets expect.
fn auth_seeds(corpus: &mut Corpus) {
    let answers: [(&str, u8, &str); 7] = [
        (
            "client-login-json",
            0,
            r#"{"response":{"statusCode":200,"statusText":"OK","data":{"token":{"a":"%2FwQAAAAAAAAAAAA","expiresIn":86400},"loginId":"SomeUser","sessionSecret":"c2VjcmV0","hostTime":1288109023}}}"#,
        ),
        (
            "client-login-xml",
            0,
            r#"<?xml version="1.0" encoding="UTF-8"?><response xmlns="https://api.login.aol.com"><statusCode>200</statusCode><statusText>OK</statusText><data><token><a>tok+en/=</a><expiresIn>86400</expiresIn></token><loginId>SomeUser</loginId><sessionSecret>s3cr3t</sessionSecret><hostTime>1288109023</hostTime></data></response>"#,
        ),
        (
            "client-login-330",
            9,
            r#"{"response":{"statusCode":330,"statusDetailCode":3011,"statusText":"Incorrect password"}}"#,
        ),
        (
            "challenge-json",
            1,
            r#"{"response":{"statusCode":200,"statusText":"OK","data":{"challengeWord":"1234567890","tid":"7","realm":"AOL Instant Messenger (SM)","truncate":1}}}"#,
        ),
        (
            "challenge-xml",
            1,
            r#"<response xmlns="https://api.login.aol.com"><statusCode>200</statusCode><statusText>OK</statusText><data><challengeWord>abc</challengeWord><tid>9</tid></data></response>"#,
        ),
        (
            "start-json",
            2,
            r#"{"response":{"statusCode":200,"statusText":"OK","data":{"host":"127.0.0.1","port":5190,"cookie":"AAECAwQFBgc=","tlsCertName":"bos.example","useSSL":true}}}"#,
        ),
        (
            "start-xml-1014",
            11,
            r#"<response xmlns="http://developer.aim.com/xsd/aim.xsd"><statusCode>401</statusCode><statusDetailCode>1014</statusDetailCode><statusText>Signature mismatch</statusText></response>"#,
        ),
    ];
    for (name, which, body) in answers {
        corpus.add("auth_response", name.into(), with_prefix(which, body.as_bytes()));
    }
    let requests: [(&str, u8, &str); 5] = [
        ("get-challenge", 0, "devId=ma15d7JTxbmVG-RP&f=xml&s=123456"),
        ("client-login", 1, "devId=ma19CwYN9i9Mw5nY&f=json&s=Alice&pwd=alicepw&clientName=flapjack&tokenType=longterm"),
        ("client-login-digest", 1, "k=ma15d7JTxbmVG-RP&f=xml&s=123456&pwd=q%2Bw%3D%3D&digest=1&tid=1&idType=ICQ"),
        ("start-session", 2, "a=%2FwQAAA%3D%3D&distId=1717&f=json&k=ma19CwYN9i9Mw5nY&ts=1288109023&useTLS=1&sig_sha256=abc%2B%3D"),
        ("start-session-xml", 2, "a=tok&f=xml&k=ma19CwYN9i9Mw5nY&ts=x&sig_sha256=a+b"),
    ];
    for (name, which, body) in requests {
        corpus.add("server_http", name.into(), with_prefix(which, body.as_bytes()));
    }
}
