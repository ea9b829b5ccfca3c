//! The embedded server's Open OSCAR Server web API (`flapjack serve --web-api oos`), shaped
//! like OOS's own handlers so the client's OOS flow is tested end to end here:
//! `clientLogin` (form `s`/`pwd`, no `getChallenge`, a token honoured for a minute although
//! `expiresIn` says a day), `startSession` (token `a` → `aimsid`), and `startOSCARSession`
//! (`aimsid` + a registered key `k` → BOS host, port and a hex cookie).
//!
//! The status codes and texts follow OOS: `clientLogin` failures carry the real HTTP status,
//! `startSession` and the key check answer HTTP 200 with the code in the body, a bad key is 403
//! "invalid API key" (docs/protocol.md §4.9).

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{StatusCode, Uri};
use base64::engine::general_purpose::URL_SAFE as B64URL;
use base64::Engine as _;
use serde_json::json;

use super::guard::{signon_name, Gate, LogSafe};
use super::http::{Params, Reply, AIM_NS, AUTH_NS};
use super::httplisten::Peer;
use super::tokens::{random_bytes, IssuedToken};
use super::ServerState;
use crate::screenname::ScreenName;
use flapjack_proto::secret::Secret;
use flapjack_proto::webapi::{sign, OOS_TOKEN_LIFETIME};

/// What OOS announces as `expiresIn` (and `tokenExpiresIn`), whatever the token really lasts.
const ANNOUNCED_LIFETIME: i64 = 86_400;
/// How long a web session (`aimsid`) lives without being used, seconds.
const WEB_SESSION_LIFETIME: i64 = 300;

/// Live web sessions: `startSession` opens them, `startOSCARSession` reads them.
#[derive(Debug, Default)]
pub struct WebSessions {
    sessions: Mutex<HashMap<String, WebSession>>,
}

#[derive(Debug, Clone)]
struct WebSession {
    screen_name: ScreenName,
    expires_at: i64,
}

/// Why an `aimsid` was not usable.
enum Lookup {
    Unknown,
    Expired,
}

impl WebSessions {
    fn open(&self, screen_name: ScreenName, now: i64) -> String {
        let aimsid = hex::encode(random_bytes::<16>());
        if let Ok(mut sessions) = self.sessions.lock() {
            sessions.retain(|_, s| s.expires_at > now - WEB_SESSION_LIFETIME);
            crate::guard::bound_to(&mut sessions, crate::tokens::MAX_TOKENS, |s| s.expires_at);
            let expires_at = now.saturating_add(WEB_SESSION_LIFETIME);
            sessions.insert(aimsid.clone(), WebSession { screen_name, expires_at });
        }
        aimsid
    }

    fn get(&self, aimsid: &str, now: i64) -> Result<ScreenName, Lookup> {
        let sessions = self.sessions.lock().map_err(|_| Lookup::Unknown)?;
        let session = sessions.get(aimsid).ok_or(Lookup::Unknown)?;
        if session.expires_at <= now {
            return Err(Lookup::Expired);
        }
        Ok(session.screen_name.clone())
    }
}

fn reject(state: &ServerState, reply: Reply, why: &str) -> Reply {
    state.counters.rejected.fetch_add(1, Ordering::Relaxed);
    tracing::info!("OOS web API sign-on refused: {why}");
    reply
}

/// `POST /auth/clientLogin`, OOS style: plain password for every account, failures with the
/// real HTTP status, a URL-safe token that lasts [`OOS_TOKEN_LIFETIME`].
pub(crate) async fn client_login(
    State(state): State<Arc<ServerState>>,
    ConnectInfo(Peer(peer)): ConnectInfo<Peer>,
    body: Bytes,
) -> Reply {
    state.counters.client_login.fetch_add(1, Ordering::Relaxed);
    let params = Params(sign::parse_form(&String::from_utf8_lossy(&body)));
    let f = params.format();
    let refused = |http, status, why| {
        let reply = Reply::error(f, AUTH_NS, status, None, "username and password required");
        reject(&state, reply.with_http(http), why)
    };
    let s = params.get("s").or_else(|| params.get("username")).filter(|s| !s.is_empty());
    let pwd = params.get("pwd").or_else(|| params.get("password")).filter(|p| !p.is_empty());
    let (Some(s), Some(pwd)) = (s, pwd) else {
        return refused(StatusCode::BAD_REQUEST, 400, "missing s or pwd");
    };
    let Some(name) = signon_name(s) else {
        return refused(StatusCode::BAD_REQUEST, 400, "bad s");
    };
    let now = state.now();
    match state.throttle.check(peer.ip(), &name, now, state.config.max_logins_per_minute) {
        Gate::Refuse => {
            let reply = Reply::error(f, AUTH_NS, 429, None, "too many sign-on attempts");
            return reject(&state, reply.with_http(StatusCode::TOO_MANY_REQUESTS), "throttled");
        }
        Gate::Proceed(pause) if !pause.is_zero() => tokio::time::sleep(pause).await,
        Gate::Proceed(_) => {}
    }
    let Some(account) = state.config.accounts.get(name.as_str()) else {
        state.throttle.failed(peer.ip(), &name, now);
        return refused(StatusCode::UNAUTHORIZED, 401, "unknown screen name");
    };
    if !sign::constant_time_eq(pwd.as_bytes(), account.password.expose().as_bytes()) {
        state.throttle.failed(peer.ip(), &name, now);
        return refused(StatusCode::UNAUTHORIZED, 401, "wrong password");
    }
    state.throttle.succeeded(peer.ip(), &name);
    let session_secret = B64URL.encode(random_bytes::<32>());
    let issued = IssuedToken {
        screen_name: account.screen_name.clone(),
        expires_at: now.saturating_add(OOS_TOKEN_LIFETIME),
        session_key: Secret::new(sign::session_key(account.password.expose(), &session_secret)),
        session_secret: Secret::new(session_secret.clone()),
    };
    let a = state.tokens.issue_url_safe(issued, now);
    tracing::info!("clientLogin (OOS web API) ok for {}", LogSafe(account.screen_name.as_str()));
    Reply::ok(
        f,
        AUTH_NS,
        json!({
            // OOS sends expiresIn as a string and honours the token for a minute.
            "token": { "a": a.expose(), "expiresIn": ANNOUNCED_LIFETIME.to_string() },
            "loginId": s,
            "screenName": s,
            "sessionSecret": session_secret,
            "hostTime": now,
            "tokenExpiresIn": ANNOUNCED_LIFETIME,
        }),
    )
}

/// `GET /aim/startSession`: the token `a` (no signature, `k` optional) opens a web session.
pub(crate) async fn start_session(State(state): State<Arc<ServerState>>, uri: Uri) -> Reply {
    state.counters.start_web_session.fetch_add(1, Ordering::Relaxed);
    let params = Params(sign::parse_form(uri.query().unwrap_or("")));
    let f = params.format();
    let Some(a) = params.get("a").filter(|a| !a.is_empty()) else {
        let reply = Reply::error(f, AIM_NS, 401, None, "authentication token required");
        return reject(&state, reply, "no token");
    };
    let now = state.now();
    let token = match state.tokens.get(a) {
        Some(token) if token.expires_at > now => token,
        _ => {
            let reply = Reply::error(f, AIM_NS, 401, None, "invalid or expired token");
            return reject(&state, reply, "unknown or expired token");
        }
    };
    let aimsid = state.web_sessions.open(token.screen_name.clone(), now);
    tracing::info!("startSession ok for {}", LogSafe(token.screen_name.as_str()));
    Reply::ok(
        f,
        AIM_NS,
        json!({
            "aimsid": aimsid,
            "ts": now,
            "fetchTimeout": 60_000,
            "timeToNextFetch": 500,
            "myInfo": { "aimId": token.screen_name.normalized(), "displayId": token.screen_name.as_str() },
        }),
    )
}

/// `GET /aim/startOSCARSession`, OOS style: the key `k` must be registered, the `aimsid` live;
/// the answer carries the BOS address and a hex cookie.
pub(crate) async fn start_oscar_session(State(state): State<Arc<ServerState>>, uri: Uri) -> Reply {
    state.counters.start_session.fetch_add(1, Ordering::Relaxed);
    let params = Params(sign::parse_form(uri.query().unwrap_or("")));
    let f = params.format();
    // OOS's key middleware answers HTTP 200 with the code in the body.
    let Some(k) = params.get("k").filter(|k| !k.is_empty()) else {
        let reply = Reply::error(f, AIM_NS, 400, None, "required parameter 'k' is missing");
        return reject(&state, reply, "no k");
    };
    if !state.config.dev_keys.iter().any(|d| d == k) {
        return reject(&state, Reply::error(f, AIM_NS, 403, None, "invalid API key"), "dev key");
    }
    let Some(aimsid) = params.get("aimsid").filter(|a| !a.is_empty()) else {
        let reply = Reply::error(f, AIM_NS, 400, None, "missing aimsid parameter");
        return reject(&state, reply.with_http(StatusCode::BAD_REQUEST), "no aimsid");
    };
    let now = state.now();
    let screen_name = match state.web_sessions.get(aimsid, now) {
        Ok(name) => name,
        Err(Lookup::Unknown) => {
            let reply = Reply::error(f, AIM_NS, 404, None, "session not found");
            return reject(&state, reply.with_http(StatusCode::NOT_FOUND), "unknown aimsid");
        }
        Err(Lookup::Expired) => {
            let reply = Reply::error(f, AIM_NS, 410, None, "session expired");
            return reject(&state, reply.with_http(StatusCode::GONE), "expired aimsid");
        }
    };
    let asks = |name| matches!(params.get(name), Some("1" | "true" | "yes"));
    let use_ssl = asks("useSSL") || asks("useTLS");
    if use_ssl && state.config.bos_tls_cert_name.is_none() && state.config.tls_identity.is_none() {
        let reply = Reply::error(f, AIM_NS, 400, None, "SSL not available");
        return reject(&state, reply.with_http(StatusCode::BAD_REQUEST), "SSL not available");
    }
    let cookie = state.cookies.issue(&screen_name, now);
    let mut data = json!({
        "host": state.bos_addr.ip().to_string(),
        "port": state.bos_addr.port(),
        "cookie": hex::encode(&cookie),
        "useSSL": use_ssl,
    });
    if let (true, Some(obj)) = (use_ssl, data.as_object_mut()) {
        obj.insert("encryption".into(), json!("TLS"));
    }
    tracing::info!("startOSCARSession (OOS web API) ok for {}", LogSafe(screen_name.as_str()));
    Reply::ok(f, AIM_NS, data)
}
