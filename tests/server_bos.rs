//! The embedded BOS and BUCP servers over real sockets, driven by a tiny scripted OSCAR client
//! built from the wire module only (not the session module), so the server is checked against
//! the protocol rather than against our own client.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

use std::net::SocketAddr;
use std::time::Duration;

use bytes::BytesMut;
use flapjack::oscar::bucp::{self, ChallengeRequest, ClientIdent, LoginOutcome, LoginRequest};
use flapjack::oscar::codes::{
    DisconnectReason, FeedbagResult, RateChangeCode, SnacErrorCode, TypingEvent,
};
use flapjack::oscar::feedbag::{class, FeedbagItem, FeedbagItems, FeedbagStamp};
use flapjack::oscar::icbm::{self, IcbmParams, SendIm, Typing};
use flapjack::oscar::locate::{SetInfo, UserInfoQuery};
use flapjack::oscar::oservice::{
    ClientReady, FamilyTool, FamilyVersion, IdleTime, RateAck, SetStatus, VersionList,
};
use flapjack::oscar::userinfo::{class as uclass, CAP_TYPING};
use flapjack::oscar::{
    decode_snac_payload, snac_flap, Channel, Flap, FlapCodec, Hello, ImMessage, OutFlap, SignOff,
    SnacBody, SnacHeader, TlvBlock,
};
use flapjack::screenname::ScreenName;
use flapjack::server::{
    Accounts, BotFactory, Disconnect, EchoBrain, RateClasses, Server, ServerConfig, ServerHandle,
};
use futures::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::codec::{Encoder, Framed};

const ACCOUNTS: &str = r#"
[[account]]
screen_name = "Alice Ant"
password = "alice-pw"
profile = "Alice's <b>profile</b>"
buddies = ["Bob Bee", "ButterBot"]

[[account]]
screen_name = "Bob Bee"
password = "bob-pw"
buddies = ["Alice Ant"]

[[account]]
screen_name = "Carol"
password = "carol-pw"

[[account]]
screen_name = "ButterBot"
password = "bot-pw"
profile = "Beep."
bot = true
"#;

const WAIT: Duration = Duration::from_secs(5);

fn config() -> ServerConfig {
    ServerConfig::for_tests(Accounts::from_toml(ACCOUNTS).unwrap())
}

async fn start() -> ServerHandle {
    Server::start(config()).await.unwrap()
}

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// A scripted OSCAR client: raw frames in and out, a request-id counter.
struct Client {
    name: String,
    framed: Framed<Box<dyn Stream>, FlapCodec>,
    next_id: u32,
    /// SNACs read while looking for something else, served first by later `expect`s.
    backlog: Vec<(SnacHeader, SnacBody)>,
    /// The replies to the sign-on flight, up to 09/03.
    signon: Vec<(SnacHeader, SnacBody)>,
}

/// The whole BOS sign-on as the cross-cutting rules want it: one flight, one write.
fn sign_on_flight(cookie: &[u8], oservice: u16, extra_hello: TlvBlock) -> Vec<OutFlap> {
    let mut hello = Hello::with_cookie(cookie);
    hello.tlvs.extend_from(&extra_hello);
    let versions = VersionList {
        versions: [(1, oservice), (0x13, 4), (2, 1), (3, 1), (4, 1), (9, 1)]
            .map(|(family, version)| FamilyVersion { family, version })
            .to_vec(),
    };
    let body = |b: SnacBody, id| snac_flap(&b, id).unwrap();
    vec![
        OutFlap { channel: Channel::SignOn, payload: hello.encode().unwrap() },
        body(SnacBody::ClientVersions(versions), 1),
        body(SnacBody::RateParamsQuery, 2),
        body(SnacBody::SelfInfoQuery, 3),
        body(SnacBody::FeedbagRightsQuery(Default::default()), 4),
        body(SnacBody::FeedbagQuery, 5),
        body(SnacBody::LocateRightsQuery(Default::default()), 6),
        body(SnacBody::BuddyRightsQuery(Default::default()), 7),
        body(SnacBody::IcbmParamsQuery, 8),
        body(SnacBody::PdRightsQuery(Default::default()), 9),
        body(
            SnacBody::SetIcbmParams(IcbmParams {
                channel: 0,
                flags: 0x0B,
                max_message_size: 8000,
                max_sender_warning: 999,
                max_receiver_warning: 999,
                min_interval_ms: 0,
            }),
            10,
        ),
        body(SnacBody::SetInfo(SetInfo::default().with_capabilities(&[CAP_TYPING])), 11),
        body(SnacBody::FeedbagUse, 12),
        body(
            SnacBody::ClientReady(ClientReady {
                families: [1, 2, 3, 4, 9, 0x13]
                    .map(|family| FamilyTool {
                        family,
                        version: 1,
                        tool_id: 0x0110,
                        tool_version: 0x0629,
                    })
                    .to_vec(),
            }),
            13,
        ),
    ]
}

impl Client {
    /// Connects to BOS with `cookie` and pipelines the whole sign-on in one write.
    async fn connect_with(
        addr: SocketAddr,
        name: &str,
        cookie: &[u8],
        oservice: u16,
        extra_hello: TlvBlock,
    ) -> Client {
        let tcp = TcpStream::connect(addr).await.unwrap();
        tcp.set_nodelay(true).unwrap();
        let mut c = Client::over(Box::new(tcp), name);
        c.write_flight(sign_on_flight(cookie, oservice, extra_hello)).await;
        c.next_id = 100;
        c
    }

    fn over(stream: Box<dyn Stream>, name: &str) -> Client {
        Client {
            name: name.into(),
            framed: Framed::new(stream, FlapCodec::with_initial_sequence(1)),
            next_id: 100,
            backlog: Vec::new(),
            signon: Vec::new(),
        }
    }

    /// Signs on with a cookie issued straight from the server's store.
    async fn sign_on(server: &ServerHandle, name: &str) -> Client {
        let cookie = issue_cookie(server, name);
        let mut c =
            Client::connect_with(server.bos_addr(), name, &cookie, 3, TlvBlock::new()).await;
        c.finish_sign_on().await;
        c
    }

    /// Reads the server hello and the sign-on replies up to 09/03 (the last rights reply).
    async fn finish_sign_on(&mut self) {
        let hello = self.frame().await.unwrap();
        assert_eq!((hello.channel, &hello.payload[..]), (Channel::SignOn, &[0, 0, 0, 1][..]));
        let last = self.expect(9, 3).await;
        self.signon = std::mem::take(&mut self.backlog);
        self.signon.push(last);
    }

    /// The sign-on reply `family/subtype`.
    fn signon_reply(&self, family: u16, subtype: u16) -> SnacBody {
        let found = self.signon.iter().find(|(h, _)| (h.family, h.subtype) == (family, subtype));
        found.unwrap_or_else(|| panic!("no {family:02X}/{subtype:02X} in sign-on")).1.clone()
    }

    async fn write_flight(&mut self, frames: Vec<OutFlap>) {
        let mut codec = FlapCodec::with_initial_sequence(1);
        let mut buf = BytesMut::new();
        for f in frames {
            codec.encode(f, &mut buf).unwrap();
        }
        self.framed.get_mut().write_all(&buf).await.unwrap();
    }

    async fn send(&mut self, body: SnacBody) -> u32 {
        self.next_id += 1;
        let id = self.next_id;
        self.framed.send(snac_flap(&body, id).unwrap()).await.unwrap();
        id
    }

    async fn send_raw(&mut self, bytes: &[u8]) {
        self.framed.get_mut().write_all(bytes).await.unwrap();
    }

    async fn im(&mut self, to: &str, text: &str, ack: bool) -> u32 {
        let im = SendIm::new(*b"cookie01", to, &ImMessage::new(text), ack).unwrap();
        self.send(SnacBody::SendIm(im)).await
    }

    /// The next frame, or None at EOF; fails the test after [`WAIT`].
    async fn frame(&mut self) -> Option<Flap> {
        match tokio::time::timeout(WAIT, self.framed.next()).await {
            Ok(Some(Ok(f))) => Some(f),
            Ok(Some(Err(_))) | Ok(None) => None,
            Err(_) => {
                panic!("{}: nothing arrived within {WAIT:?}; backlog {:?}", self.name, self.backlog)
            }
        }
    }

    /// The next SNAC (skipping keepalives), or panics on EOF or another channel.
    async fn snac(&mut self) -> (SnacHeader, SnacBody) {
        if !self.backlog.is_empty() {
            return self.backlog.remove(0);
        }
        loop {
            let f =
                self.frame().await.unwrap_or_else(|| panic!("{}: connection closed", self.name));
            match f.channel {
                Channel::Data => return decode_snac_payload(&f.payload).unwrap(),
                Channel::KeepAlive => continue,
                other => panic!("{}: unexpected {other:?} frame {:?}", self.name, f.payload),
            }
        }
    }

    /// Reads until a `family/subtype` SNAC arrives; others are kept for later.
    async fn expect(&mut self, family: u16, subtype: u16) -> (SnacHeader, SnacBody) {
        if let Some(i) =
            self.backlog.iter().position(|(h, _)| (h.family, h.subtype) == (family, subtype))
        {
            return self.backlog.remove(i);
        }
        loop {
            let f = self.frame().await.unwrap_or_else(|| {
                panic!("{}: closed while waiting for {family:02X}/{subtype:02X}", self.name)
            });
            if f.channel != Channel::Data {
                assert_eq!(f.channel, Channel::KeepAlive, "{}: {:?}", self.name, f);
                continue;
            }
            let (h, b) = decode_snac_payload(&f.payload).unwrap();
            if (h.family, h.subtype) == (family, subtype) {
                return (h, b);
            }
            self.backlog.push((h, b));
        }
    }

    /// Asserts nothing (but keepalives) arrives for `ms`.
    async fn quiet(&mut self, ms: u64) {
        assert!(self.backlog.is_empty(), "{}: backlog {:?}", self.name, self.backlog);
        if let Ok(Some(f)) =
            tokio::time::timeout(Duration::from_millis(ms), self.framed.next()).await
        {
            panic!("{}: unexpected {f:?}", self.name);
        }
    }

    /// Reads until EOF, returning the channel-4 frame if one came first.
    async fn closed(&mut self) -> Option<SignOff> {
        let mut close = None;
        loop {
            match self.frame().await {
                None => return close,
                Some(f) if f.channel == Channel::SignOff => {
                    close = Some(SignOff::decode(&f.payload).unwrap())
                }
                Some(_) => {}
            }
        }
    }
}

fn issue_cookie(server: &ServerHandle, name: &str) -> Vec<u8> {
    let state = server.state();
    state.cookies.issue(&ScreenName::from_wire(name), state.now())
}

fn presence_of(body: &SnacBody) -> (String, Option<u32>, Option<u16>, usize) {
    match body {
        SnacBody::BuddyArrived(p) | SnacBody::BuddyDeparted(p) => {
            let u = &p.users[0];
            (u.screen_name.clone(), u.class(), u.idle_minutes(), u.tlvs.len())
        }
        other => panic!("not presence: {other:?}"),
    }
}

fn error_code(body: &SnacBody) -> SnacErrorCode {
    match body {
        SnacBody::Error { error, .. } => error.code,
        other => panic!("not an error: {other:?}"),
    }
}

async fn wait_for(mut cond: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !cond() {
        assert!(tokio::time::Instant::now() < deadline, "condition not met in time");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn pipelined_http_sign_on_gets_every_reply_in_order() {
    let server = start().await;
    let http = flapjack::auth::HttpSignOn::new(flapjack::auth::ServerProfile::local_at(
        &server.http_addr().to_string(),
    ))
    .unwrap();
    let ticket = http.sign_on("Alice Ant", &flapjack::auth::Secret::new("alice-pw")).await.unwrap();
    assert_eq!(ticket.port, server.bos_addr().port());
    assert_ne!(ticket.port, 0);
    let addr: SocketAddr = format!("{}:{}", ticket.host, ticket.port).parse().unwrap();
    let mut c =
        Client::connect_with(addr, "alice", ticket.cookie.expose(), 3, TlvBlock::new()).await;
    let hello = c.frame().await.unwrap();
    assert_eq!((hello.channel, &hello.payload[..]), (Channel::SignOn, &[0, 0, 0, 1][..]));

    // Every reply, strictly in request order, server-initiated SNACs with bit 31.
    let (h, b) = c.snac().await;
    assert_eq!((h.family, h.subtype), (1, 3));
    assert!(h.request_id & 0x8000_0000 != 0);
    let SnacBody::HostOnline(families) = b else { panic!() };
    assert_eq!(
        families.families,
        [0x18, 0x10, 0x03, 0x13, 0x04, 0x15, 0x02, 0x01, 0x09, 0x0A, 0x06, 0x08, 0x0B]
    );
    let (h, b) = c.snac().await;
    assert_eq!((h.family, h.subtype, h.request_id), (1, 0x18, 1));
    let SnacBody::HostVersions(v) = b else { panic!() };
    assert_eq!(v.version_of(1), Some(3));
    assert_eq!(v.version_of(0x13), Some(4));
    let (h, b) = c.snac().await;
    assert_eq!((h.family, h.subtype, h.request_id), (1, 7, 2));
    let SnacBody::RateParamsReply(rates) = b else { panic!() };
    assert!(rates.extended);
    assert_eq!(rates.classes.len(), 5);
    assert_eq!(rates.groups.len(), 5);
    assert_eq!(rates.class_of(4, 6), 3);
    assert_eq!(rates.classes[0].max, 6000);
    let (h, b) = c.snac().await;
    assert_eq!((h.family, h.subtype, h.request_id), (1, 0x0F, 3));
    let SnacBody::SelfInfo(me) = b else { panic!() };
    assert_eq!(me.info.screen_name, "Alice Ant");
    assert_eq!(me.info.class(), Some(uclass::AIM));
    let (h, b) = c.snac().await;
    assert_eq!((h.family, h.subtype, h.request_id), (0x13, 3, 4));
    let SnacBody::FeedbagRights(r) = b else { panic!() };
    assert_eq!(r.max_items_by_class()[0], 1000);
    let (h, b) = c.snac().await;
    assert_eq!((h.family, h.subtype, h.request_id, h.flags), (0x13, 6, 5, 0));
    let SnacBody::FeedbagReply(list) = b else { panic!() };
    let names: Vec<_> = list.items.iter().map(|i| (i.name.as_str(), i.class)).collect();
    assert_eq!(names, [("", 1), ("Buddies", 1), ("Bob Bee", 0), ("ButterBot", 0)]);
    assert_eq!(list.items[1].order(), [1, 2]);
    assert!(list.last_modified > 0);
    for (sub_family, sub, id) in [(2, 3, 6), (3, 3, 7), (4, 5, 8), (9, 3, 9)] {
        let (h, b) = c.snac().await;
        assert_eq!((h.family, h.subtype, h.request_id), (sub_family, sub, id), "{b:?}");
        if let SnacBody::IcbmParams(p) = b {
            assert_eq!(p.max_message_size, 8000);
        }
    }
    // After 01/02: the bot is online (Bob is not), nothing else.
    let (h, b) = c.snac().await;
    assert!(h.request_id & 0x8000_0000 != 0);
    let (name, class, _, _) = presence_of(&b);
    assert_eq!(name, "ButterBot");
    assert_eq!(class, Some(uclass::AIM | uclass::BOT));
    c.quiet(100).await;
    assert_eq!(server.state().counters.bos_signons.load(std::sync::atomic::Ordering::Relaxed), 1);

    // Keepalives are ignored; 01/08 gets no reply; unknown SNACs get error 0x01, same id.
    c.framed.send(OutFlap::keepalive()).await.unwrap();
    c.send(SnacBody::RateAck(RateAck { class_ids: vec![1, 2, 3, 4, 5] })).await;
    c.next_id += 1;
    let id = c.next_id;
    c.framed.send(OutFlap::data(encode_raw(0x0042, 0x0007, id, b"whatever"))).await.unwrap();
    let (h, b) = c.snac().await;
    assert_eq!((h.family, h.subtype, h.request_id), (0x0042, 1, id));
    assert_eq!(error_code(&b), SnacErrorCode::InvalidSnac);
    // …and the connection stays up: an unmodelled ICBM subtype, then a normal request.
    c.next_id += 1;
    let id = c.next_id;
    c.framed.send(OutFlap::data(encode_raw(4, 0x0B, id, &[]))).await.unwrap();
    let (h, b) = c.snac().await;
    assert_eq!((h.family, h.subtype, h.request_id), (4, 1, id));
    assert_eq!(error_code(&b), SnacErrorCode::InvalidSnac);
    let id = c.send(SnacBody::SelfInfoQuery).await;
    assert_eq!(c.expect(1, 0x0F).await.0.request_id, id);
    server.shutdown().await;
}

/// A raw SNAC payload, for SNACs the typed layer cannot (or should not) encode.
fn encode_raw(family: u16, subtype: u16, request_id: u32, body: &[u8]) -> bytes::Bytes {
    let mut out = BytesMut::new();
    SnacHeader::new(family, subtype, request_id).write(&mut out);
    out.extend_from_slice(body);
    out.freeze()
}

#[tokio::test]
async fn service_requests_for_services_not_run_are_unavailable() {
    use flapjack::oscar::oservice::ServiceRequest;
    let server = start().await;
    let mut c = Client::sign_on(&server, "Carol").await;
    // Classic clients ask for ChatNav and Alert at sign-on, then BART for icons. ChatNav and
    // BART run (a 01/05 redirect each); Alert does not.
    for family in [0x000D, 0x0010] {
        let id = c.send(SnacBody::ServiceRequest(ServiceRequest::new(family))).await;
        let (h, body) = c.expect(0x0001, 0x0005).await;
        assert_eq!(h.request_id, id);
        let SnacBody::ServiceRedirect(r) = body else { panic!("{body:?}") };
        assert_eq!(r.family(), Some(family));
    }
    let alert = ServiceRequest { family: 0x0018, ..Default::default() };
    let id = c.send(SnacBody::ServiceRequest(alert)).await;
    let (h, body) = c.expect(0x0001, 0x0001).await;
    assert_eq!(h.request_id, id);
    assert_eq!(error_code(&body), SnacErrorCode::ServiceUnavailable);
    // The session goes on.
    let id = c.send(SnacBody::SelfInfoQuery).await;
    let (h, _) = c.expect(0x0001, 0x000F).await;
    assert_eq!(h.request_id, id);
    server.shutdown().await;
}

#[tokio::test]
async fn old_oservice_gets_30_byte_rate_entries() {
    let server = start().await;
    let cookie = issue_cookie(&server, "Carol");
    let mut c = Client::connect_with(server.bos_addr(), "carol", &cookie, 1, TlvBlock::new()).await;
    c.frame().await.unwrap();
    let f = loop {
        let f = c.frame().await.unwrap();
        if f.payload.get(..4) == Some(&[0, 1, 0, 7][..]) {
            break f;
        }
    };
    // 10-byte header, u16 count, 5 × 30 bytes, then the five groups.
    let SnacBody::RateParamsReply(r) = decode_snac_payload(&f.payload).unwrap().1 else { panic!() };
    assert!(!r.extended);
    let groups: usize = r.groups.iter().map(|g| 4 + 4 * g.members.len()).sum();
    assert_eq!(f.payload.len(), 10 + 2 + 5 * 30 + groups);
    server.shutdown().await;
}

#[tokio::test]
async fn presence_ims_typing_away_and_departure_between_two_clients() {
    let server = start().await;
    let mut alice = Client::sign_on(&server, "Alice Ant").await;
    alice.expect(3, 0x0B).await; // the bot
    alice.quiet(50).await;
    let mut bob = Client::sign_on(&server, "bobbee").await;

    // Each sees the other arrive (Bob at his sign-on; Alice was already online).
    let (_, b) = alice.expect(3, 0x0B).await;
    let (name, class, _, _) = presence_of(&b);
    assert_eq!((name.as_str(), class), ("Bob Bee", Some(uclass::AIM)));
    let (_, b) = bob.expect(3, 0x0B).await;
    assert_eq!(presence_of(&b).0, "Alice Ant");

    // IM with ack: relayed with the sender's info and typing flag, acked with the same id.
    let id = alice.im("BOB BEE", "hi <b>bob</b>", true).await;
    let (h, b) = alice.expect(4, 0x0C).await;
    assert_eq!(h.request_id, id);
    let SnacBody::HostAck(ack) = b else { panic!() };
    assert_eq!((ack.cookie, ack.channel, ack.screen_name.as_str()), (*b"cookie01", 1, "BOB BEE"));
    let (h, b) = bob.expect(4, 7).await;
    assert!(h.request_id & 0x8000_0000 != 0);
    let SnacBody::IncomingIm(im) = b else { panic!() };
    assert_eq!(im.sender.screen_name, "Alice Ant");
    assert_eq!(im.message().unwrap().unwrap().text(), "hi <b>bob</b>");
    assert!(im.wants_typing());
    assert!(!im.tlvs.has(icbm::tlv::REQUEST_HOST_ACK));
    assert_eq!(im.send_time(), None);

    // Without TLV 0x0003 there is no ack; auto-responses keep TLV 0x0004.
    let mut auto = SendIm::new(*b"cookie02", "Alice Ant", &ImMessage::new("away!"), false).unwrap();
    auto.tlvs.push(icbm::tlv::AUTO_RESPONSE, Vec::new());
    bob.send(SnacBody::SendIm(auto)).await;
    let SnacBody::IncomingIm(im) = alice.expect(4, 7).await.1 else { panic!() };
    assert!(im.is_auto_response());
    bob.quiet(50).await;

    // Typing is relayed, named as coming from the sender.
    alice.send(SnacBody::Typing(Typing::new("Bob Bee", TypingEvent::Typing))).await;
    let SnacBody::Typing(t) = bob.expect(4, 0x14).await.1 else { panic!() };
    assert_eq!((t.screen_name.as_str(), t.event), ("Alice Ant", TypingEvent::Typing));

    // Away: watchers see class 0x20; 02/15 returns the away message; clearing it clears the flag.
    bob.send(SnacBody::SetInfo(SetInfo::default().with_away_message("at lunch"))).await;
    let (_, b) = alice.expect(3, 0x0B).await;
    assert_eq!(presence_of(&b).1, Some(uclass::AIM | uclass::AWAY));
    let id = alice
        .send(SnacBody::UserInfoQuery2(UserInfoQuery { kind: 0x3, screen_name: "bob bee".into() }))
        .await;
    let (h, b) = alice.expect(2, 6).await;
    assert_eq!(h.request_id, id);
    let SnacBody::UserInfoReply(info) = b else { panic!() };
    assert_eq!(info.away_message().as_deref(), Some("at lunch"));
    assert_eq!(info.profile().as_deref(), Some(""));
    assert!(info.info.is_away());
    // 02/05 with the profile bit for Alice (profile from the accounts file), asked by Bob.
    bob.send(SnacBody::UserInfoQuery(UserInfoQuery { kind: 1, screen_name: "Alice Ant".into() }))
        .await;
    let SnacBody::UserInfoReply(info) = bob.expect(2, 6).await.1 else { panic!() };
    assert_eq!(info.profile().as_deref(), Some("Alice's <b>profile</b>"));
    assert_eq!(info.away_message(), None);
    // A classic client's ISO-8859-1 away message and profile are relayed byte for byte, label
    // and all (§9.1), however the server itself would have read them.
    let latin = b"text/aolrtf; charset=\"iso-8859-1\"".to_vec();
    let set = SetInfo {
        tlvs: TlvBlock::new()
            .with(0x0001, latin.clone())
            .with(0x0002, &b"K\xe4se"[..])
            .with(0x0003, latin.clone())
            .with(0x0004, &b"caf\xe9 \xff"[..]),
    };
    bob.send(SnacBody::SetInfo(set)).await;
    alice.expect(3, 0x0B).await;
    alice
        .send(SnacBody::UserInfoQuery2(UserInfoQuery { kind: 0x3, screen_name: "Bob Bee".into() }))
        .await;
    let SnacBody::UserInfoReply(info) = alice.expect(2, 6).await.1 else { panic!() };
    assert_eq!(info.tlvs.value(0x0001), Some(&latin[..]));
    assert_eq!(info.tlvs.value(0x0002), Some(&b"K\xe4se"[..]));
    assert_eq!(info.tlvs.value(0x0003), Some(&latin[..]));
    assert_eq!(info.tlvs.value(0x0004), Some(&b"caf\xe9 \xff"[..]));
    assert_eq!(info.away_message().as_deref(), Some("café ÿ"));
    assert_eq!(info.profile().as_deref(), Some("Käse"));
    bob.send(SnacBody::SetInfo(SetInfo::default().with_away_message(""))).await;
    assert_eq!(presence_of(&alice.expect(3, 0x0B).await.1).1, Some(uclass::AIM));

    // Idle: minutes in TLV 0x0004.
    bob.send(SnacBody::IdleTime(IdleTime { seconds: 600 })).await;
    assert_eq!(presence_of(&alice.expect(3, 0x0B).await.1).2, Some(10));

    // Locate and IM errors: offline → 0x04; unknown account → 0x04.
    alice
        .send(SnacBody::UserInfoQuery2(UserInfoQuery { kind: 1, screen_name: "Carol".into() }))
        .await;
    assert_eq!(error_code(&alice.expect(2, 1).await.1), SnacErrorCode::NotLoggedOn);
    let id = alice.im("nobody-here", "hello?", true).await;
    let (h, b) = alice.expect(4, 1).await;
    assert_eq!((h.request_id, error_code(&b)), (id, SnacErrorCode::NotLoggedOn));
    // Too large for the announced maximum.
    let id = alice.im("Bob Bee", &"x".repeat(8100), true).await;
    let (h, _) = alice.expect(4, 1).await;
    assert_eq!(h.request_id, id);

    // Bob signs off: Alice gets 03/0C with zero TLVs.
    bob.framed
        .send(OutFlap { channel: Channel::SignOff, payload: bytes::Bytes::new() })
        .await
        .unwrap();
    let (_, b) = alice.expect(3, 0x0C).await;
    assert_eq!(presence_of(&b), ("Bob Bee".into(), None, None, 0));
    assert_eq!(bob.closed().await, None);
    wait_for(|| server.session_count("Bob Bee") == 0).await;
    assert_eq!(server.state().counters.ims_relayed.load(std::sync::atomic::Ordering::Relaxed), 2);
    server.shutdown().await;
}

#[tokio::test]
async fn offline_ims_are_stored_and_delivered_at_sign_on() {
    let server = start().await;
    let mut alice = Client::sign_on(&server, "Alice Ant").await;
    let id = alice.im("Carol", "while you were out", true).await;
    let (h, _) = alice.expect(4, 0x0C).await;
    assert_eq!(h.request_id, id);
    let before = server.state().now();
    let mut carol = Client::sign_on(&server, "Carol").await;
    let (_, b) = carol.expect(4, 7).await;
    let SnacBody::IncomingIm(im) = b else { panic!() };
    assert_eq!(im.sender.screen_name, "Alice Ant");
    assert_eq!(im.cookie, *b"cookie01");
    assert_eq!(im.message().unwrap().unwrap().text(), "while you were out");
    let sent = i64::from(im.send_time().expect("TLV 0x0016"));
    assert!((before - 5..=before + 1).contains(&sent), "{sent} vs {before}");
    // Delivered once: 04/10 now finds nothing and ends with 04/17.
    let id = carol.send(SnacBody::OfflineRetrieve).await;
    let (h, _) = carol.expect(4, 0x17).await;
    assert_eq!(h.request_id, id);
    carol.quiet(50).await;
    server.shutdown().await;
}

#[tokio::test]
async fn feedbag_changes_persist_in_the_data_dir_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config();
    cfg.data_dir = Some(dir.path().to_path_buf());
    let server = Server::start(cfg.clone()).await.unwrap();
    let mut bob = Client::sign_on(&server, "Bob Bee").await;
    let mut alice = Client::sign_on(&server, "Alice Ant").await;
    bob.expect(3, 0x0B).await;

    // Insert Carol (offline, so no 03/0B) and a duplicate; delete something missing.
    let carol = FeedbagItem::buddy("Carol", 1, 9);
    let id = alice.send(SnacBody::FeedbagStartTransaction(Default::default())).await;
    let _ = id;
    let id = alice
        .send(SnacBody::FeedbagInsert(FeedbagItems { items: vec![carol.clone(), carol.clone()] }))
        .await;
    let (h, b) = alice.expect(0x13, 0x0E).await;
    assert_eq!(h.request_id, id);
    let SnacBody::FeedbagStatus(st) = b else { panic!() };
    assert_eq!(st.results, [FeedbagResult::Ok, FeedbagResult::AlreadyExists]);
    let mut group = FeedbagItem::group("Buddies", 1, &[1, 2, 9]);
    group.class = class::GROUP;
    alice.send(SnacBody::FeedbagUpdate(FeedbagItems { items: vec![group] })).await;
    let SnacBody::FeedbagStatus(st) = alice.expect(0x13, 0x0E).await.1 else { panic!() };
    assert_eq!(st.results, [FeedbagResult::Ok]);
    alice.send(SnacBody::FeedbagEndTransaction).await;
    alice
        .send(SnacBody::FeedbagDelete(FeedbagItems {
            items: vec![FeedbagItem::buddy("Zed", 1, 77)],
        }))
        .await;
    let SnacBody::FeedbagStatus(st) = alice.expect(0x13, 0x0E).await.1 else { panic!() };
    assert_eq!(st.results, [FeedbagResult::NotFound]);

    // Bob removes Alice: he stops getting her presence.
    bob.send(SnacBody::FeedbagDelete(FeedbagItems {
        items: vec![FeedbagItem::buddy("Alice Ant", 1, 1)],
    }))
    .await;
    let SnacBody::FeedbagStatus(st) = bob.expect(0x13, 0x0E).await.1 else { panic!() };
    assert_eq!(st.results, [FeedbagResult::Ok]);
    alice.send(SnacBody::SetInfo(SetInfo::default().with_away_message("brb"))).await;
    bob.quiet(100).await;
    // Adding an online buddy answers 13/0E, then 03/0B for that buddy.
    bob.send(SnacBody::FeedbagInsert(FeedbagItems {
        items: vec![FeedbagItem::buddy("alice ant", 1, 5)],
    }))
    .await;
    bob.expect(0x13, 0x0E).await;
    let (_, b) = bob.expect(3, 0x0B).await;
    assert_eq!(presence_of(&b).1, Some(uclass::AIM | uclass::AWAY));

    let id = alice.send(SnacBody::FeedbagQuery).await;
    let (h, b) = alice.expect(0x13, 6).await;
    assert_eq!(h.request_id, id);
    let SnacBody::FeedbagReply(list) = b else { panic!() };
    let stamp = FeedbagStamp { last_modified: list.last_modified, count: list.items.len() as u16 };
    drop((alice, bob));
    server.shutdown().await;
    assert!(dir.path().join("aliceant.json").exists());

    // Restart on the same directory: the list is back, and 13/05 with its stamp says 13/0F.
    let server = Server::start(cfg).await.unwrap();
    let mut alice = Client::sign_on(&server, "Alice Ant").await;
    let SnacBody::FeedbagReply(again) = alice.signon_reply(0x13, 6) else { panic!() };
    assert_eq!(again, list);
    assert!(again.items.iter().any(|i| i.name == "Carol"));
    let id = alice.send(SnacBody::FeedbagQueryIfModified(stamp)).await;
    let (h, b) = alice.expect(0x13, 0x0F).await;
    assert_eq!((h.request_id, b), (id, SnacBody::FeedbagNotModified(stamp)));
    let older = FeedbagStamp { last_modified: stamp.last_modified - 1, ..stamp };
    alice.send(SnacBody::FeedbagQueryIfModified(older)).await;
    alice.expect(0x13, 6).await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_corrupt_account_file_is_set_aside_and_the_account_starts_fresh() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("aliceant.json"), "{ this is not json").unwrap();
    let mut cfg = config();
    cfg.data_dir = Some(dir.path().to_path_buf());
    let server = Server::start(cfg).await.unwrap();
    let alice = Client::sign_on(&server, "Alice Ant").await;
    let SnacBody::FeedbagReply(list) = alice.signon_reply(0x13, 6) else { panic!() };
    assert_eq!(list.items.len(), 4, "seeded list");
    let kept: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(kept.iter().any(|n| n.starts_with("aliceant.json.corrupt-")), "{kept:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn large_feedbags_arrive_in_parts() {
    let server = start().await;
    let mut alice = Client::sign_on(&server, "Alice Ant").await;
    let items: Vec<_> =
        (10..600).map(|i| FeedbagItem::buddy(format!("buddy number {i:04}"), 1, i)).collect();
    alice.send(SnacBody::FeedbagInsert(FeedbagItems { items: items.clone() })).await;
    let SnacBody::FeedbagStatus(st) = alice.expect(0x13, 0x0E).await.1 else { panic!() };
    assert!(st.results.iter().all(|r| *r == FeedbagResult::Ok));
    let id = alice.send(SnacBody::FeedbagQuery).await;
    let mut got = Vec::new();
    let mut parts = 0;
    loop {
        let (h, b) = alice.expect(0x13, 6).await;
        assert_eq!(h.request_id, id);
        let SnacBody::FeedbagReply(part) = b else { panic!() };
        got.extend(part.items);
        parts += 1;
        if !h.more_follow() {
            assert!(part.last_modified > 0);
            break;
        }
        assert_eq!(part.last_modified, 0);
    }
    assert!(parts > 1);
    assert_eq!(got.len(), 4 + items.len());
    server.shutdown().await;
}

#[tokio::test]
async fn flooding_ims_gets_a_warning_then_a_disconnect() {
    let mut cfg = config();
    cfg.rate_classes = RateClasses::aol().scaled(100);
    let server = Server::start(cfg).await.unwrap();
    let mut bob = Client::sign_on(&server, "Bob Bee").await;
    let mut alice = Client::sign_on(&server, "Alice Ant").await;
    // The announced classes are the enforced ones.
    let SnacBody::RateParamsReply(r) = alice.signon_reply(1, 7) else { panic!() };
    assert_eq!(r.classes[2].max, 60);
    for i in 0..40 {
        let im =
            SendIm::new(*b"floodfld", "Bob Bee", &ImMessage::new(&format!("{i}")), false).unwrap();
        if alice.framed.send(snac_flap(&SnacBody::SendIm(im), 500 + i).unwrap()).await.is_err() {
            break;
        }
    }
    let mut codes = Vec::new();
    let mut limited_errors = 0;
    let close = loop {
        match alice.frame().await {
            None => break None,
            Some(f) if f.channel == Channel::SignOff => {
                break Some(SignOff::decode(&f.payload).unwrap())
            }
            Some(f) => match decode_snac_payload(&f.payload).unwrap().1 {
                SnacBody::RateChange(c) => {
                    assert_eq!(c.class.id, 3);
                    codes.push(c.code);
                }
                SnacBody::Error { family: 4, error } if error.code == SnacErrorCode::RateToHost => {
                    limited_errors += 1
                }
                _ => {}
            },
        }
    };
    assert!(close.is_some(), "a channel-4 close before the drop");
    assert_eq!(codes.first(), Some(&RateChangeCode::Warning), "{codes:?}");
    assert!(codes.contains(&RateChangeCode::Limited), "{codes:?}");
    assert!(limited_errors > 0);
    let counters = &server.state().counters;
    assert_eq!(counters.rate_disconnects.load(std::sync::atomic::Ordering::Relaxed), 1);
    assert_eq!(counters.rate_warnings_for("aliceant"), 1);
    // Bob got the IMs that passed and is still fine.
    bob.expect(4, 7).await;
    let id = bob.send(SnacBody::SelfInfoQuery).await;
    assert_eq!(bob.expect(1, 0x0F).await.0.request_id, id);
    server.shutdown().await;
}

/// The IM level is the account's, on one clock for all its connections (§14): a connection
/// that signs on after another one's burst is told the lowered level in its 01/07, and its own
/// first IM is warned although that connection has sent nothing before.
#[tokio::test]
async fn an_accounts_connections_share_one_im_level() {
    let server = start().await;
    let mut bob = Client::sign_on(&server, "Bob Bee").await;
    let mut alice1 = Client::sign_on(&server, "Alice Ant").await;
    for i in 0..5 {
        alice1.im("Bob Bee", &format!("burst {i}"), false).await;
    }
    for _ in 0..5 {
        bob.expect(4, 7).await;
    }
    let mut alice2 = Client::sign_on(&server, "Alice Ant").await;
    let SnacBody::RateParamsReply(r) = alice2.signon_reply(1, 7) else { panic!() };
    let im = r.classes.iter().find(|c| c.id == 3).unwrap();
    // Five IMs at once take AOL's class from 6000 to about 4640; it takes over 20 s of rest
    // to get back to the maximum, so a fresh class here means the level was not shared.
    assert!(im.current < im.max, "{im:?}");
    alice2.im("Bob Bee", "from the second connection", false).await;
    let (_, SnacBody::RateChange(change)) = alice2.expect(1, 0x0A).await else { panic!() };
    assert_eq!((change.code, change.class.id), (RateChangeCode::Warning, 3));
    bob.expect(4, 7).await;
    server.shutdown().await;
}

#[tokio::test]
async fn malformed_frames_close_only_their_own_connection() {
    let server = start().await;
    let mut alice = Client::sign_on(&server, "Alice Ant").await;
    let mut bob = Client::sign_on(&server, "Bob Bee").await;
    alice.expect(3, 0x0B).await; // the bot
    alice.expect(3, 0x0B).await; // Bob

    // A bad start byte, a SNAC shorter than its header, a TLV running past the end of an IM.
    let mut tlv_past_end = BytesMut::new();
    SnacHeader::new(4, 6, 9).write(&mut tlv_past_end);
    tlv_past_end.extend_from_slice(b"cookie01\x00\x01\x03bob\x00\x02\x00\x40hi");
    let mut truncated_snac = vec![0x2A, 2, 0, 9, 0, 4];
    truncated_snac.extend_from_slice(&[0, 4, 0, 6]);
    let mut past_end = vec![0x2A, 2, 0, 9];
    past_end.extend_from_slice(&(tlv_past_end.len() as u16).to_be_bytes());
    past_end.extend_from_slice(&tlv_past_end);
    for garbage in [vec![0x2B, 2, 0, 1, 0, 0], truncated_snac, past_end] {
        let mut carol = Client::sign_on(&server, "Carol").await;
        carol.send_raw(&garbage).await;
        assert_eq!(carol.closed().await, None, "closed after {garbage:02X?}");
        wait_for(|| server.session_count("Carol") == 0).await;
        // The others keep chatting.
        alice.im("Bob Bee", "still here?", false).await;
        let SnacBody::IncomingIm(im) = bob.expect(4, 7).await.1 else { panic!() };
        assert_eq!(im.message().unwrap().unwrap().text(), "still here?");
    }
    // Carol's sign-on and departures were never Alice's business: nothing else arrived.
    alice.quiet(50).await;
    server.shutdown().await;
}

#[tokio::test]
async fn bad_cookies_are_refused_on_channel_4() {
    let server = start().await;
    for cookie in [b"forged".to_vec(), Vec::new()] {
        let mut c = Client::connect_with(server.bos_addr(), "x", &cookie, 3, TlvBlock::new()).await;
        assert_eq!(c.frame().await.unwrap().channel, Channel::SignOn);
        let close = c.closed().await.expect("channel-4 close");
        assert!(close.message().is_some());
    }
    // A cookie works once.
    let cookie = issue_cookie(&server, "Carol");
    let mut c = Client::connect_with(server.bos_addr(), "carol", &cookie, 3, TlvBlock::new()).await;
    c.finish_sign_on().await;
    let mut again =
        Client::connect_with(server.bos_addr(), "carol2", &cookie, 3, TlvBlock::new()).await;
    again.frame().await.unwrap();
    assert!(again.closed().await.is_some());
    server.shutdown().await;
}

#[tokio::test]
async fn several_sessions_single_session_kick_and_admin_disconnect() {
    let server = start().await;
    let mut bob = Client::sign_on(&server, "Bob Bee").await;
    let mut alice1 = Client::sign_on(&server, "Alice Ant").await;
    let mut alice2 = Client::sign_on(&server, "Alice Ant").await;
    bob.expect(3, 0x0B).await;
    // Both of Alice's sessions get IMs.
    bob.im("Alice Ant", "to both", false).await;
    alice1.expect(4, 7).await;
    alice2.expect(4, 7).await;
    // A single-session sign-on (hello TLV 0x004A = 3) kicks both with reason 1.
    let cookie = issue_cookie(&server, "Alice Ant");
    let single = TlvBlock::new().with_u8(bucp::tlv::MULTI_CONN, 3);
    let mut alice3 = Client::connect_with(server.bos_addr(), "alice3", &cookie, 3, single).await;
    alice3.finish_sign_on().await;
    for a in [&mut alice1, &mut alice2] {
        let close = a.closed().await.expect("channel-4 close");
        assert_eq!(close.reason(), Some(DisconnectReason::OtherLocation));
    }
    wait_for(|| server.session_count("Alice Ant") == 1).await;
    // Whatever Bob saw while sessions changed hands, Alice ends up online for him.
    let mut last = None;
    while let Ok(Some(Ok(f))) =
        tokio::time::timeout(Duration::from_millis(150), bob.framed.next()).await
    {
        last = Some(decode_snac_payload(&f.payload).unwrap().0.subtype);
    }
    assert!(matches!(last, None | Some(0x0B)), "{last:?}");

    // Admin disconnect with a reason, then abrupt.
    assert_eq!(
        server.disconnect_user("aliceant", Disconnect::Reason(DisconnectReason::AccountDeleted)),
        1
    );
    let close = alice3.closed().await.expect("channel-4 close");
    assert_eq!(close.reason(), Some(DisconnectReason::AccountDeleted));
    assert_eq!(presence_of(&bob.expect(3, 0x0C).await.1).0, "Alice Ant");
    assert_eq!(server.disconnect_user("Bob Bee", Disconnect::Abrupt), 1);
    assert_eq!(bob.closed().await, None);
    server.shutdown().await;
}

#[tokio::test]
async fn bot_replies_after_typing() {
    let mut cfg = config();
    cfg.bot_brain =
        Some(BotFactory::new(|| Box::new(EchoBrain { typing_delay: Duration::from_millis(80) })));
    let server = Server::start(cfg).await.unwrap();
    let mut alice = Client::sign_on(&server, "Alice Ant").await;
    let (name, ..) = presence_of(&alice.expect(3, 0x0B).await.1);
    assert_eq!(name, "ButterBot");
    let id = alice.im("butterbot", "<HTML><BODY>1 &lt; 2 &amp; you?</BODY></HTML>", true).await;
    assert_eq!(alice.expect(4, 0x0C).await.0.request_id, id);
    let started = std::time::Instant::now();
    let SnacBody::Typing(t) = alice.snac().await.1 else { panic!() };
    assert_eq!((t.screen_name.as_str(), t.event), ("ButterBot", TypingEvent::Typing));
    let SnacBody::Typing(t) = alice.snac().await.1 else { panic!() };
    assert_eq!(t.event, TypingEvent::Finished);
    assert!(started.elapsed() >= Duration::from_millis(60));
    let SnacBody::IncomingIm(im) = alice.snac().await.1 else { panic!() };
    assert_eq!(im.sender.screen_name, "ButterBot");
    assert_eq!(im.message().unwrap().unwrap().text(), "You said: 1 &lt; 2 &amp; you?");
    // The bot's profile is there like anyone's.
    alice
        .send(SnacBody::UserInfoQuery2(UserInfoQuery { kind: 1, screen_name: "ButterBot".into() }))
        .await;
    let SnacBody::UserInfoReply(info) = alice.expect(2, 6).await.1 else { panic!() };
    assert_eq!(info.profile().as_deref(), Some("Beep."));
    server.shutdown().await;
}

/// Runs a BUCP exchange; `strong` picks the hash variant. Returns the 17/03 outcome.
async fn bucp_login(
    server: &ServerHandle,
    name: &str,
    password: &str,
    strong: bool,
) -> LoginOutcome {
    bucp_login_with(server, name, password, strong, 0x01).await
}

/// [`bucp_login`] with an explicit multi-connection flag (TLV 0x004A).
async fn bucp_login_with(
    server: &ServerHandle,
    name: &str,
    password: &str,
    strong: bool,
    multi_conn: u8,
) -> LoginOutcome {
    let tcp = TcpStream::connect(server.bucp_addr()).await.unwrap();
    tcp.set_nodelay(true).unwrap();
    let mut c = Client::over(Box::new(tcp), "bucp");
    c.write_flight(vec![
        OutFlap { channel: Channel::SignOn, payload: Hello::default().encode().unwrap() },
        snac_flap(&SnacBody::ChallengeRequest(ChallengeRequest::new(name)), 1).unwrap(),
    ])
    .await;
    assert_eq!(c.frame().await.unwrap().channel, Channel::SignOn);
    let (h, b) = c.snac().await;
    assert_eq!(h.request_id, 1);
    let key = match b {
        SnacBody::ChallengeReply(r) => r.key,
        SnacBody::LoginReply(r) => return r.outcome(),
        other => panic!("{other:?}"),
    };
    assert_eq!(key.len(), 10);
    assert!(key.iter().all(u8::is_ascii_digit));
    let ident =
        ClientIdent { name: "test".into(), id: 0x0109, version: [5, 1, 0, 1], distribution: 1 };
    let mut req = LoginRequest::strong(name, &key, password.as_bytes(), &ident);
    req.tlvs.set(bucp::tlv::MULTI_CONN, vec![multi_conn]);
    if !strong {
        req.tlvs.set(bucp::tlv::PASSWORD_HASH, bucp::weak_hash(&key, password.as_bytes()).to_vec());
        req.tlvs.remove(bucp::tlv::USE_STRONG_HASH);
    }
    c.send(SnacBody::LoginRequest(req)).await;
    let (h, b) = c.snac().await;
    assert_eq!(h.subtype, 3);
    let SnacBody::LoginReply(r) = b else { panic!() };
    assert_eq!(c.frame().await, None, "closed after 17/03");
    r.outcome()
}

#[tokio::test]
async fn bucp_login_strong_weak_and_failures() {
    let server = start().await;
    for strong in [true, false] {
        let LoginOutcome::Success { screen_name, bos_address, cookie } =
            bucp_login(&server, "alice ant", "alice-pw", strong).await
        else {
            panic!("login failed")
        };
        assert_eq!(screen_name.as_deref(), Some("Alice Ant"));
        assert_eq!(bos_address, server.bos_addr().to_string());
        // The cookie signs on to BOS.
        let mut c =
            Client::connect_with(server.bos_addr(), "alice", &cookie, 3, TlvBlock::new()).await;
        c.finish_sign_on().await;
    }
    let wrong = bucp_login(&server, "Alice Ant", "nope", true).await;
    assert!(
        matches!(wrong, LoginOutcome::Failure { code, .. } if u16::from(code) == 0x05),
        "{wrong:?}"
    );
    // An unknown name is given a key and then fails exactly as a wrong password does, so
    // BUCP does not tell which accounts exist (bucp_login checks the key arrived).
    let unknown = bucp_login(&server, "Nobody", "x", true).await;
    assert!(
        matches!(unknown, LoginOutcome::Failure { code, .. } if u16::from(code) == 0x05),
        "{unknown:?}"
    );
    assert_eq!(server.state().counters.bucp_logins.load(std::sync::atomic::Ordering::Relaxed), 2);
    server.shutdown().await;
}

#[tokio::test]
async fn legacy_roasted_password_login_answers_on_channel_4() {
    let server = start().await;
    for (password, ok) in [("bob-pw", true), ("bob-pX", false)] {
        let tcp = TcpStream::connect(server.bucp_addr()).await.unwrap();
        let mut c = Client::over(Box::new(tcp), "legacy");
        let tlvs = TlvBlock::new()
            .with(bucp::tlv::SCREEN_NAME, b"Bob Bee".to_vec())
            .with(0x0002, flapjack::server::bucp::roast(password.as_bytes()));
        c.framed
            .send(OutFlap { channel: Channel::SignOn, payload: Hello { tlvs }.encode().unwrap() })
            .await
            .unwrap();
        assert_eq!(c.frame().await.unwrap().channel, Channel::SignOn);
        let close = c.closed().await.expect("channel 4");
        assert_eq!(matches!(close.as_login_reply().outcome(), LoginOutcome::Success { .. }), ok);
    }
    server.shutdown().await;
}

#[tokio::test]
async fn bos_offers_tls_with_a_self_signed_certificate() {
    let mut cfg = config();
    cfg.bos_tls_cert_name = Some("bos.flapjack.test".into());
    let server = Server::start(cfg).await.unwrap();
    let der = server.bos_tls_cert_der().expect("certificate").to_vec();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(rustls::pki_types::CertificateDer::from(der)).unwrap();
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(tls));
    let tcp = TcpStream::connect(server.bos_addr()).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("bos.flapjack.test").unwrap();
    let stream = connector.connect(name, tcp).await.unwrap();
    let mut c = Client::over(Box::new(stream), "tls");
    let cookie = issue_cookie(&server, "Carol");
    c.write_flight(sign_on_flight(&cookie, 3, TlvBlock::new())).await;
    c.framed.get_mut().flush().await.unwrap();
    c.finish_sign_on().await;
    // Plain TCP on the same port still works.
    let plain = Client::sign_on(&server, "Bob Bee").await;
    drop(plain);
    server.shutdown().await;
}

#[tokio::test]
async fn a_client_that_stops_reading_is_dropped_without_stalling_others() {
    let mut cfg = config();
    cfg.outbound_queue = 8;
    // No rate limits at all, so the flood is limited only by the sockets.
    cfg.rate_classes = RateClasses::aol().scaled(u32::MAX);
    let server = Server::start(cfg).await.unwrap();
    let mut carol = Client::sign_on(&server, "Carol").await;
    let mut alice = Client::sign_on(&server, "Alice Ant").await;
    // Bob signs on and then never reads again.
    let _bob = Client::sign_on(&server, "Bob Bee").await;
    let big = "y".repeat(7900);
    let flood = async {
        for _ in 0..2000 {
            if server.session_count("Bob Bee") == 0 {
                return true;
            }
            alice.im("Bob Bee", &big, false).await;
            tokio::task::yield_now().await;
        }
        false
    };
    assert!(
        tokio::time::timeout(Duration::from_secs(20), flood).await.unwrap(),
        "Bob was never dropped"
    );
    // Everyone else carries on.
    alice.im("Carol", "still fine", true).await;
    alice.expect(4, 0x0C).await;
    let SnacBody::IncomingIm(im) = carol.expect(4, 7).await.1 else { panic!() };
    assert_eq!(im.message().unwrap().unwrap().text(), "still fine");
    server.shutdown().await;
}

#[tokio::test]
async fn a_single_session_bucp_login_signs_the_old_session_off() {
    let server = start().await;
    let mut old = Client::sign_on(&server, "Carol").await;
    let LoginOutcome::Success { cookie, .. } =
        bucp_login_with(&server, "Carol", "carol-pw", true, 0x03).await
    else {
        panic!("login failed")
    };
    // Still signed on until the new session actually arrives at BOS.
    old.quiet(50).await;
    let mut new =
        Client::connect_with(server.bos_addr(), "carol2", &cookie, 3, TlvBlock::new()).await;
    new.finish_sign_on().await;
    let close = old.closed().await.expect("channel-4 close");
    assert_eq!(close.reason(), Some(DisconnectReason::OtherLocation));
    wait_for(|| server.session_count("Carol") == 1).await;
    server.shutdown().await;
}

#[tokio::test]
async fn invisible_status_hides_a_user_and_visible_brings_them_back() {
    let server = start().await;
    let mut alice = Client::sign_on(&server, "Alice Ant").await;
    let mut bob = Client::sign_on(&server, "Bob Bee").await;
    alice.expect(3, 0x0B).await; // the bot
    alice.expect(3, 0x0B).await; // Bob
    let id = bob.send(SnacBody::SetStatus(SetStatus::status(0x0002_0100))).await;
    let (h, b) = bob.expect(1, 0x0F).await;
    assert_eq!(h.request_id, id);
    let SnacBody::SelfInfo(me) = b else { panic!() };
    assert_eq!(me.info.status(), Some(0x0002_0100));
    assert_eq!(presence_of(&alice.expect(3, 0x0C).await.1).0, "Bob Bee");
    alice
        .send(SnacBody::UserInfoQuery2(UserInfoQuery { kind: 1, screen_name: "Bob Bee".into() }))
        .await;
    assert_eq!(error_code(&alice.expect(2, 1).await.1), SnacErrorCode::NotLoggedOn);
    // Invisible users still receive IMs.
    alice.im("Bob Bee", "psst", false).await;
    bob.expect(4, 7).await;
    bob.send(SnacBody::SetStatus(SetStatus::status(0))).await;
    bob.expect(1, 0x0F).await;
    let (name, ..) = presence_of(&alice.expect(3, 0x0B).await.1);
    assert_eq!(name, "Bob Bee");
    server.shutdown().await;
}
