//! Fuzz entry points for the embedded server's parsers of what clients send: HTTP sign-on
//! requests, BUCP frames, BOS SNACs, and the accounts file. The application crate's
//! `fuzzing` module lists them with the other targets; they live here because they reach the
//! server's private handlers.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Uri};
use axum::response::IntoResponse as _;

use bytes::BytesMut;
use flapjack_proto::oscar::{Flap, FlapCodec};
use flapjack_proto::webapi::sign;
use tokio_util::codec::Decoder;

use crate::bos::session::{Flow, Session};
use crate::bucp::roast;
use crate::oscar::bucp::tlv;
use crate::oscar::{decode_snac_payload, Channel, Hello, SnacBody};
use crate::{http, Accounts, Hub, ServerConfig, ServerState};

/// The accounts every server target signs on against (one ICQ number among them).
const ACCOUNTS: &str = "[[account]]\nscreen_name = 'Alice'\npassword = 'alicepw'\n\
                        buddies = ['Bob']\n\
                        [[account]]\nscreen_name = 'Bob'\npassword = 'bobpw'\n\
                        [[account]]\nscreen_name = '123456'\npassword = 'icqpw'\n";

fn accounts() -> Accounts {
    static ACCOUNTS_PARSED: OnceLock<Accounts> = OnceLock::new();
    ACCOUNTS_PARSED.get_or_init(|| Accounts::from_toml(ACCOUNTS).unwrap_or_default()).clone()
}

/// A fresh server state per input, so one input never changes how the next is answered.
fn server_state() -> Arc<ServerState> {
    let config = ServerConfig::for_tests(accounts());
    let addr = SocketAddr::from(([127, 0, 0, 1], 5190));
    Arc::new(ServerState::new(config, addr))
}

/// The HTTP sign-on handlers, called directly (no socket, no runtime: they never wait):
/// byte 0 picks `getChallenge`, `clientLogin` (form bodies) or `startOSCARSession` (query
/// string); the rest is the body or query as received. Also the form and signing helpers.
pub fn server_http(data: &[u8]) {
    let Some((&which, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    let params = sign::parse_form(&text);
    // Signing sorts the parameters; past a realistic count that only measures the sort.
    if params.len() <= 64 {
        let borrowed: Vec<(&str, &str)> =
            params.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let _ = sign::base_string("GET", "http://127.0.0.1/aim/startOSCARSession", &borrowed);
    }
    let state = server_state();
    let body = axum::body::Bytes::copy_from_slice(rest);
    let response = match which % 3 {
        0 => futures::executor::block_on(http::get_challenge(State(state), body)),
        1 => {
            // A fresh state each run: no failures recorded, so the throttle never pauses.
            let peer =
                axum::extract::ConnectInfo(crate::httplisten::Peer(([127, 0, 0, 1], 1).into()));
            futures::executor::block_on(http::client_login(State(state), peer, body))
        }
        _ => {
            let Ok(uri) = format!("/aim/startOSCARSession?{text}").parse::<Uri>() else { return };
            let mut headers = HeaderMap::new();
            headers.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
            futures::executor::block_on(http::start_session(State(state), headers, uri))
        }
    };
    let _ = response.into_response();
}

/// The BUCP auth host's reading of a client: the input is the client's FLAP stream; hellos
/// (with the legacy roasted login) and 17/02, 17/06 SNACs are taken apart as the host does.
pub fn server_bucp(data: &[u8]) {
    for frame in frames(data) {
        match frame.channel {
            Channel::SignOn => {
                let Ok(hello) = Hello::decode(&frame.payload) else { return };
                if let Some(name) = hello.tlvs.get_str(tlv::SCREEN_NAME) {
                    let roasted = roast(hello.tlvs.value(0x0002).unwrap_or_default());
                    let _ = (accounts().get(&name).is_some(), roasted.len());
                    let _ = hello.tlvs.get_u8(tlv::MULTI_CONN);
                }
            }
            Channel::Data => match decode_snac_payload(&frame.payload) {
                Ok((_, SnacBody::ChallengeRequest(req))) => {
                    let name = req.screen_name().unwrap_or_default();
                    let _ = accounts().get(&name).is_some();
                }
                Ok((_, SnacBody::LoginRequest(req))) => {
                    let _ = (req.screen_name(), req.password_hash(), req.uses_strong_hash());
                    let _ = req.hash_matches(b"1234567890", b"alicepw");
                    let _ = req.tlvs.get_u8(tlv::MULTI_CONN);
                }
                Ok(_) => {}
                Err(_) => return,
            },
            Channel::KeepAlive => {}
            Channel::SignOff | Channel::Error => return,
        }
    }
}

/// A BOS session for Alice (Bob signed on too, so IMs and presence have somewhere to go):
/// the input is Alice's FLAP stream after the hello, each frame handled as the server does.
pub fn server_bos(data: &[u8]) {
    let state = server_state();
    let addr = state.bos_addr;
    let hub = Hub::new(state, Default::default(), None);
    let (Some(alice), Some(bob)) = (
        hub.state().config.accounts.get("alice").cloned(),
        hub.state().config.accounts.get("bob").cloned(),
    ) else {
        return;
    };
    let _bob = hub.register(&bob, addr, b"bob-cookie", false);
    let reg = hub.register(&alice, addr, b"alice-cookie", false);
    let mut session = Session::new(Arc::clone(&hub), reg.id, alice.screen_name, addr, 0);
    let mut out = vec![session.host_online()];
    let mut now = 0;
    for frame in frames(data) {
        now += 50;
        out.clear();
        let flow = session.handle(frame, now, &mut out);
        // The connection encodes replies as it writes them; so does the fuzzer.
        for snac in &out {
            let _ = snac.encode();
        }
        if let Flow::Close(_) = flow {
            break;
        }
    }
    hub.unregister(reg.id);
}

/// The accounts file (TOML) the server loads at start; errors must render as text.
pub fn accounts_toml(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match Accounts::from_toml(&text) {
        Ok(accounts) => {
            for a in accounts.iter() {
                let _ = (a.is_icq(), a.screen_name.normalized().len());
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

/// Decodes `stream` into frames with a fresh [`FlapCodec`], in one piece, stopping at the
/// first framing error; what the server loop does with a connection's bytes.
fn frames(stream: &[u8]) -> Vec<Flap> {
    let mut codec = FlapCodec::with_initial_sequence(0);
    let mut buf = BytesMut::from(stream);
    let mut out = Vec::new();
    while let Ok(Some(frame)) = codec.decode(&mut buf) {
        out.push(frame);
    }
    if let Ok(Some(frame)) = codec.decode_eof(&mut buf) {
        out.push(frame);
    }
    out
}
