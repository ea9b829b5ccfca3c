//! The BUCP auth host (§4.6): hello, 17/06 → 17/07 random key, 17/02 → 17/03 with the BOS
//! address and a cookie from the same [`CookieStore`](super::CookieStore) `startOSCARSession`
//! uses, then close. Also answers the legacy channel-1 roasted-password login (§4.7) on
//! channel 4.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt as _, StreamExt as _};
use tokio::sync::watch;
use tokio_util::codec::Framed;

use super::bos::Hub;
use super::guard::{signon_name, Gate, LogSafe};
use super::{Account, ServerState};
use crate::listen::{stopped, Io};
use crate::oscar::bucp::{tlv, ChallengeReply, LoginReply};
use crate::oscar::codes::{AuthErrorCode, SnacErrorCode};
use crate::oscar::snac::SnacError;
use crate::oscar::{
    decode_snac_payload, snac_flap, Channel, FlapCodec, Hello, OutFlap, SignOff, SnacBody, TlvBlock,
};
use crate::screenname::ScreenName;

/// How long a BUCP client may take for the whole exchange.
pub const LOGIN_TIMEOUT: Duration = Duration::from_secs(30);
/// The XOR table of the legacy roasted password (§4.7).
pub const ROAST: [u8; 16] = [
    0xF3, 0x26, 0x81, 0xC4, 0x39, 0x86, 0xDB, 0x92, 0x71, 0xA3, 0xB9, 0xE6, 0x53, 0x7A, 0x95, 0x7C,
];

/// Roasts (or un-roasts: XOR is its own inverse) a legacy login password.
pub fn roast(password: &[u8]) -> Vec<u8> {
    password.iter().zip(ROAST.iter().cycle()).map(|(b, k)| b ^ k).collect()
}

/// A random 10-digit auth key, as AOL sent.
pub fn auth_key() -> String {
    (0..10).map(|_| char::from(b'0' + rand::random_range(0..10u8))).collect()
}

/// Accepts BUCP connections until `shutdown` (TLS for clients that start a handshake, when
/// `tls` is set); each gets [`LOGIN_TIMEOUT`] for the exchange.
pub async fn serve(
    listener: tokio::net::TcpListener,
    hub: Arc<Hub>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shutdown: watch::Receiver<bool>,
) {
    crate::listen::serve("BUCP", listener, tls, shutdown, move |io, peer, mut stop, tls| {
        let hub = Arc::clone(&hub);
        if tls {
            hub.state().counters.tls_connections.fetch_add(1, Ordering::Relaxed);
        }
        async move {
            tokio::select! {
                r = tokio::time::timeout(LOGIN_TIMEOUT, login(io, peer, &hub, tls)) => {
                    if r.is_err() {
                        tracing::info!("BUCP {peer}: timed out");
                    }
                }
                () = stopped(&mut stop) => {}
            }
        }
    })
    .await;
}

/// The outcome of checking credentials from `peer`, before it is written as TLVs: throttled
/// as `clientLogin` is (§14), and an unknown name fails exactly as a wrong password does.
async fn verdict(
    state: &ServerState,
    peer: SocketAddr,
    name: &str,
    check: impl Fn(&Account) -> bool,
) -> Result<Account, AuthErrorCode> {
    let Some(name) = signon_name(name) else { return Err(AuthErrorCode::InvalidCredentials) };
    let now = state.now();
    match state.throttle.check(peer.ip(), &name, now, state.config.max_logins_per_minute) {
        Gate::Refuse => return Err(AuthErrorCode::ConnectingTooOften),
        Gate::Proceed(pause) if !pause.is_zero() => tokio::time::sleep(pause).await,
        Gate::Proceed(_) => {}
    }
    match state.config.accounts.get(name.as_str()) {
        Some(account) if check(account) => {
            state.throttle.succeeded(peer.ip(), &name);
            Ok(account.clone())
        }
        _ => {
            state.throttle.failed(peer.ip(), &name, now);
            Err(AuthErrorCode::MismatchedPassword)
        }
    }
}

/// The 17/03 (or legacy channel-4) TLVs for a verdict; a success issues a BOS cookie. A login
/// that came over TLS is told to reach BOS over TLS too (SSL state 1, §4.6), since BOS speaks
/// TLS on the advertised address whenever the server has a certificate.
fn reply_tlvs(
    hub: &Hub,
    name: &str,
    result: Result<Account, AuthErrorCode>,
    single: bool,
    tls: bool,
) -> LoginReply {
    let state = hub.state();
    match result {
        Ok(account) => {
            let cookie = state.cookies.issue(&account.screen_name, state.now());
            if single {
                hub.mark_single_session(&cookie);
            }
            state.counters.bucp_logins.fetch_add(1, Ordering::Relaxed);
            tracing::info!("BUCP login ok for {}", LogSafe(account.screen_name.as_str()));
            let reply = LoginReply::success(
                account.screen_name.as_str(),
                &state.bos_addr.to_string(),
                &cookie,
            );
            #[cfg(feature = "test-support")]
            let tls = tls && !state.config.bucp_like_oos_behind_stunnel;
            reply.with_ssl(u8::from(tls), None)
        }
        Err(code) => {
            state.counters.rejected.fetch_add(1, Ordering::Relaxed);
            match signon_name(name) {
                Some(n) => tracing::info!("BUCP login refused for {}: {code}", LogSafe(n.as_str())),
                None => tracing::info!("BUCP login refused for an unusable name: {code}"),
            }
            LoginReply::failure(name, code)
        }
    }
}

async fn login(io: Box<dyn Io>, peer: SocketAddr, hub: &Hub, tls: bool) {
    let mut framed =
        Framed::new(io, FlapCodec::with_initial_sequence(rand::random_range(0..0x7FFF)));
    let Ok(hello) = Hello::default().encode() else { return };
    if framed.send(OutFlap { channel: Channel::SignOn, payload: hello }).await.is_err() {
        return;
    }
    let mut key: Option<(ScreenName, String)> = None;
    while let Some(frame) = framed.next().await {
        let frame = match frame {
            Ok(f) => f,
            Err(e) => {
                tracing::info!("BUCP {peer}: {e}; closing");
                return;
            }
        };
        match frame.channel {
            Channel::SignOn => {
                let Ok(hello) = Hello::decode(&frame.payload) else {
                    tracing::info!("BUCP {peer}: bad hello; closing");
                    return;
                };
                // A hello with a screen name is the legacy roasted-password login.
                if let Some(name) = hello.tlvs.get_str(tlv::SCREEN_NAME) {
                    let roasted = hello.tlvs.value(0x0002).unwrap_or_default().to_vec();
                    let result = verdict(hub.state(), peer, &name, |a| {
                        flapjack_proto::webapi::sign::constant_time_eq(
                            &roast(&roasted),
                            a.password.expose().as_bytes(),
                        )
                    })
                    .await;
                    let single = hello.tlvs.get_u8(tlv::MULTI_CONN) == Some(0x03);
                    let reply = reply_tlvs(hub, &name, result, single, tls);
                    if let Ok(payload) = (SignOff { tlvs: reply.tlvs }).encode() {
                        let _ = framed.send(OutFlap { channel: Channel::SignOff, payload }).await;
                    }
                    return;
                }
            }
            Channel::Data => {
                let (header, body) = match decode_snac_payload(&frame.payload) {
                    Ok(x) => x,
                    Err(e) => {
                        tracing::info!("BUCP {peer}: malformed SNAC ({e}); closing");
                        return;
                    }
                };
                let reply = match body {
                    SnacBody::ChallengeRequest(req) => {
                        let name = req.screen_name().unwrap_or_default();
                        // Unknown names get a key too, as on the HTTP path, so the answer does
                        // not reveal which accounts exist (§14); only a name no account could
                        // have is refused here, before anything is kept.
                        let Some(valid) = signon_name(&name) else {
                            let refused = Err(AuthErrorCode::InvalidCredentials);
                            let r = reply_tlvs(hub, &name, refused, false, tls);
                            let _ =
                                send(&mut framed, SnacBody::LoginReply(r), header.request_id).await;
                            return;
                        };
                        let k = auth_key();
                        key = Some((valid, k.clone()));
                        SnacBody::ChallengeReply(ChallengeReply {
                            key: k.into_bytes(),
                            tlvs: TlvBlock::new(),
                        })
                    }
                    SnacBody::LoginRequest(req) => {
                        let name = req.screen_name().unwrap_or_default();
                        let key = key.take().filter(|(n, _)| n == &ScreenName::from_wire(&name));
                        // Without the key this connection was given for this name, no password
                        // can match; it still counts as a failure.
                        let result = verdict(hub.state(), peer, &name, |a| {
                            key.as_ref().is_some_and(|(_, k)| {
                                req.hash_matches(k.as_bytes(), a.password.expose().as_bytes())
                            })
                        })
                        .await;
                        let single = req.tlvs.get_u8(tlv::MULTI_CONN) == Some(0x03);
                        let r = reply_tlvs(hub, &name, result, single, tls);
                        let _ = send(&mut framed, SnacBody::LoginReply(r), header.request_id).await;
                        return;
                    }
                    other => {
                        let (family, _) = other.id();
                        tracing::debug!("BUCP {peer}: unexpected SNAC {:?}", other.id());
                        let error = SnacError::new(SnacErrorCode::InvalidSnac);
                        SnacBody::Error { family, error }
                    }
                };
                if send(&mut framed, reply, header.request_id).await.is_err() {
                    return;
                }
            }
            Channel::KeepAlive => {}
            Channel::SignOff | Channel::Error => return,
        }
    }
}

async fn send(
    framed: &mut Framed<Box<dyn Io>, FlapCodec>,
    body: SnacBody,
    request_id: u32,
) -> Result<(), ()> {
    let frame = snac_flap(&body, request_id)
        .map_err(|e| tracing::error!("cannot encode BUCP reply: {e}"))?;
    framed.send(frame).await.map_err(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roasting_is_symmetric_and_keys_are_ten_digits() {
        let r = roast(b"hunter2");
        assert_eq!(r[0], b'h' ^ 0xF3);
        assert_eq!(roast(&r), b"hunter2");
        let long = roast(&[0u8; 20]);
        assert_eq!(long[16..], ROAST[..4]);
        let k = auth_key();
        assert_eq!(k.len(), 10);
        assert!(k.bytes().all(|b| b.is_ascii_digit()));
    }
}
