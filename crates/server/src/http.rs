//! The embedded server's HTTP sign-on: `clientLogin`, `getChallenge` and `startOSCARSession`,
//! answering with AOL's codes in JSON or XML per `f`.
//!
//! Requests are read raw (the form body and the query string as received), so the signature
//! is checked against exactly what arrived, as AOL checked it.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde_json::{json, Value};

use super::guard::{signon_name, Gate, LogSafe};
use super::httplisten::{GuardedListener, Limits, Peer};
use super::tokens::{random_bytes, IssuedToken};
use super::ServerState;
use flapjack_proto::secret::Secret;
use flapjack_proto::webapi::codes::detail;
use flapjack_proto::webapi::sign;
use flapjack_proto::webapi::{Format, WebApi};

/// How long an ICQ challenge may be answered, seconds.
const CHALLENGE_LIFETIME: i64 = 300;
/// The XML namespace ICQ 7 requires on `/auth/*` replies (docs/protocol.md §4.2).
pub(crate) const AUTH_NS: &str = "https://api.login.aol.com";
/// The XML namespace ICQ 7 requires on `/aim/*` replies.
pub(crate) const AIM_NS: &str = "http://developer.aim.com/xsd/aim.xsd";
/// The largest request body read: sign-on forms are a few hundred bytes.
pub const MAX_BODY: usize = 16 * 1024;

/// Serves the HTTP sign-on on `listener` until `shutdown` turns true, under the connection
/// limits of [`super::httplisten`].
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<ServerState>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let app = router(state).into_make_service_with_connect_info::<Peer>();
    let listener = GuardedListener::new(listener, Limits::default());
    let stop = async move {
        while !*shutdown.borrow() {
            if shutdown.changed().await.is_err() {
                break;
            }
        }
    };
    if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(stop).await {
        tracing::error!("HTTP sign-on server stopped: {e}");
    }
}

/// The routes, exposed so tests can drive them without a socket if they wish: AOL's sign-on,
/// or Open OSCAR Server's web API when the server is configured with it.
pub fn router(state: Arc<ServerState>) -> Router {
    if state.config.web_api == WebApi::Oos {
        return Router::new()
            .route("/auth/clientLogin", post(super::oos::client_login))
            .route("/aim/startSession", get(super::oos::start_session))
            .route("/aim/startOSCARSession", get(super::oos::start_oscar_session))
            .layer(DefaultBodyLimit::max(MAX_BODY))
            .with_state(state);
    }
    Router::new()
        .route("/auth/clientLogin", post(client_login))
        .route("/auth/getChallenge", post(get_challenge))
        .route("/aim/startOSCARSession", get(start_session))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(state)
}

/// The decoded parameters of one request, looked up by name (first occurrence wins).
pub(crate) struct Params(pub(crate) Vec<(String, String)>);

impl Params {
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    pub(crate) fn format(&self) -> Format {
        match self.get("f") {
            Some(f) if f.eq_ignore_ascii_case("xml") => Format::Xml,
            _ => Format::Json,
        }
    }
}

/// One API answer: status, detail, text and data, rendered per `f`.
pub(crate) struct Reply {
    http: StatusCode,
    format: Format,
    namespace: &'static str,
    status: u32,
    detail: Option<u32>,
    text: &'static str,
    data: Option<Value>,
}

impl Reply {
    pub(crate) fn ok(format: Format, namespace: &'static str, data: Value) -> Self {
        let http = StatusCode::OK;
        Self { http, format, namespace, status: 200, detail: None, text: "OK", data: Some(data) }
    }

    /// The same answer under another HTTP status (Open OSCAR Server sends some failures so).
    pub(crate) fn with_http(mut self, http: StatusCode) -> Self {
        self.http = http;
        self
    }

    pub(crate) fn error(
        format: Format,
        namespace: &'static str,
        status: u32,
        detail: Option<u32>,
        text: &'static str,
    ) -> Self {
        Self { http: StatusCode::OK, format, namespace, status, detail, text, data: None }
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let mut response = serde_json::Map::new();
        response.insert("statusCode".into(), json!(self.status));
        if let Some(d) = self.detail {
            response.insert("statusDetailCode".into(), json!(d));
        }
        response.insert("statusText".into(), json!(self.text));
        if let Some(data) = self.data {
            response.insert("data".into(), data);
        }
        // The API status travels in the body; HTTP says 200 as AOL's did (unless the reply
        // imitates a server that also sets it).
        match self.format {
            Format::Json => (
                self.http,
                [(header::CONTENT_TYPE, "application/json; charset=UTF-8")],
                json!({ "response": Value::Object(response) }).to_string(),
            )
                .into_response(),
            Format::Xml => {
                let mut xml = format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><response xmlns=\"{}\">",
                    self.namespace
                );
                for (k, v) in &response {
                    write_xml(&mut xml, k, v);
                }
                xml.push_str("</response>");
                (self.http, [(header::CONTENT_TYPE, "text/xml; charset=UTF-8")], xml)
                    .into_response()
            }
        }
    }
}

fn write_xml(out: &mut String, name: &str, value: &Value) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                write_xml(out, k, v);
            }
        }
        Value::String(s) => out.push_str(&quick_xml::escape::escape(s.as_str())),
        other => out.push_str(&other.to_string()),
    }
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

fn form(body: &[u8]) -> Params {
    Params(sign::parse_form(&String::from_utf8_lossy(body)))
}

fn dev_key_ok(state: &ServerState, params: &Params) -> bool {
    params
        .get("devId")
        .or_else(|| params.get("k"))
        .is_some_and(|k| state.config.dev_keys.iter().any(|d| d == k))
}

fn reject(state: &ServerState, reply: Reply, why: &str) -> Reply {
    state.counters.rejected.fetch_add(1, Ordering::Relaxed);
    tracing::info!("sign-on refused: {why}");
    reply
}

pub(crate) async fn get_challenge(State(state): State<Arc<ServerState>>, body: Bytes) -> Reply {
    state.counters.get_challenge.fetch_add(1, Ordering::Relaxed);
    let params = form(&body);
    let f = params.format();
    if !dev_key_ok(&state, &params) {
        return reject(&state, Reply::error(f, AUTH_NS, 440, None, "Invalid key"), "dev key");
    }
    let Some(s) = params.get("s").or_else(|| params.get("alias")) else {
        return reject(&state, Reply::error(f, AUTH_NS, 460, None, "Missing parameter s"), "no s");
    };
    // A name no account could have is refused before anything is stored (§14).
    let Some(name) = signon_name(s) else {
        return reject(&state, Reply::error(f, AUTH_NS, 462, None, "Parameter error: s"), "bad s");
    };
    // Unknown names get a challenge too, so the answer does not reveal which accounts exist.
    let (tid, word) = state.challenges.issue(name, state.now(), CHALLENGE_LIFETIME);
    Reply::ok(f, AUTH_NS, json!({ "challengeWord": word, "tid": tid, "realm": sign::AOL_REALM }))
}

pub(crate) async fn client_login(
    State(state): State<Arc<ServerState>>,
    ConnectInfo(Peer(peer)): ConnectInfo<Peer>,
    body: Bytes,
) -> Reply {
    state.counters.client_login.fetch_add(1, Ordering::Relaxed);
    let params = form(&body);
    let f = params.format();
    if !dev_key_ok(&state, &params) {
        return reject(&state, Reply::error(f, AUTH_NS, 440, None, "Invalid key"), "dev key");
    }
    let (Some(s), Some(pwd)) = (params.get("s"), params.get("pwd")) else {
        let reply = Reply::error(f, AUTH_NS, 460, None, "Missing parameter s or pwd");
        return reject(&state, reply, "missing s or pwd");
    };
    let wrong =
        || Reply::error(f, AUTH_NS, 330, Some(detail::INCORRECT_PASSWORD), "Incorrect password");
    let Some(name) = signon_name(s) else {
        return reject(&state, Reply::error(f, AUTH_NS, 462, None, "Parameter error: s"), "bad s");
    };
    let now = state.now();
    match state.throttle.check(peer.ip(), &name, now, state.config.max_logins_per_minute) {
        Gate::Refuse => {
            let reply = Reply::error(f, AUTH_NS, 607, None, "Rate limit exceeded");
            return reject(&state, reply, "rate limited");
        }
        Gate::Proceed(pause) if !pause.is_zero() => tokio::time::sleep(pause).await,
        Gate::Proceed(_) => {}
    }
    let failed = |why| {
        state.throttle.failed(peer.ip(), &name, now);
        reject(&state, wrong(), why)
    };
    let Some(account) = state.config.accounts.get(name.as_str()) else {
        return failed("unknown screen name");
    };
    let password_ok = if params.get("digest") == Some("1") {
        let Some(tid) = params.get("tid") else {
            return reject(
                &state,
                Reply::error(f, AUTH_NS, 460, None, "Missing parameter tid"),
                "no tid",
            );
        };
        match state.challenges.take(tid, now) {
            Some(challenge) if challenge.screen_name == account.screen_name => {
                // A `+` sent unencoded arrives as a space; restore it before decoding.
                let sent = B64.decode(pwd.replace(' ', "+")).unwrap_or_default();
                let expected = sign::icq_digest_bytes(
                    account.password.expose(),
                    &challenge.word,
                    sign::AOL_REALM,
                );
                sign::constant_time_eq(&sent, &expected)
            }
            _ => false,
        }
    } else {
        sign::constant_time_eq(pwd.as_bytes(), account.password.expose().as_bytes())
    };
    if !password_ok {
        return failed("wrong password or digest");
    }
    state.throttle.succeeded(peer.ip(), &name);
    let lifetime = match params.get("tokenType").map(str::parse::<i64>) {
        Some(Ok(seconds)) if seconds > 0 => seconds.min(state.config.token_lifetime),
        _ => state.config.token_lifetime,
    };
    let session_secret = B64.encode(random_bytes::<24>());
    let session_key = sign::session_key(account.password.expose(), &session_secret);
    let issued = IssuedToken {
        screen_name: account.screen_name.clone(),
        expires_at: now.saturating_add(lifetime),
        session_secret: Secret::new(session_secret.clone()),
        session_key: Secret::new(session_key),
    };
    let a = state.tokens.issue(issued, now);
    tracing::info!("clientLogin ok for {}", LogSafe(account.screen_name.as_str()));
    Reply::ok(
        f,
        AUTH_NS,
        json!({
            "token": { "a": a.expose(), "expiresIn": lifetime },
            "loginId": account.screen_name.as_str(),
            "screenName": account.screen_name.as_str(),
            "sessionSecret": session_secret,
            "hostTime": now,
        }),
    )
}

/// The URLs the client may have signed, as RFC 9112 §3.2.2 has the target rebuilt: an
/// absolute-form request target names scheme and authority itself, and `Host` is then ignored;
/// otherwise the authority is `Host` exactly as sent (its port kept, none assumed) and the
/// scheme is one this server cannot see from behind a TLS terminator, so `http` and `https`
/// are both candidates. `None` when neither names an authority.
pub(crate) fn addressed_urls(uri: &Uri, headers: &HeaderMap) -> Option<Vec<String>> {
    let path = uri.path();
    if let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) {
        return Some(vec![format!("{scheme}://{authority}{path}")]);
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok())?.trim();
    if host.is_empty() {
        return None;
    }
    Some(["http", "https"].iter().map(|scheme| format!("{scheme}://{host}{path}")).collect())
}

pub(crate) async fn start_session(
    State(state): State<Arc<ServerState>>,
    headers: HeaderMap,
    uri: Uri,
) -> Reply {
    state.counters.start_session.fetch_add(1, Ordering::Relaxed);
    let raw_query = uri.query().unwrap_or("");
    let all = sign::parse_form(raw_query);
    let params = Params(all);
    let f = params.format();
    let missing = |what| Reply::error(f, AIM_NS, 460, None, what);
    let (Some(a), Some(k), Some(ts), Some(sig)) =
        (params.get("a"), params.get("k"), params.get("ts"), params.get("sig_sha256"))
    else {
        return reject(
            &state,
            missing("Missing parameter a, k, ts or sig_sha256"),
            "missing params",
        );
    };
    if !state.config.dev_keys.iter().any(|d| d == k) {
        return reject(&state, Reply::error(f, AIM_NS, 440, None, "Invalid key"), "dev key");
    }
    let now = state.now();
    let Some(token) = state.tokens.get(a) else {
        let reply = Reply::error(f, AIM_NS, 401, Some(detail::TOKEN_REJECTED), "Invalid token");
        return reject(&state, reply, "unknown token");
    };
    if token.expires_at <= now {
        let reply = Reply::error(f, AIM_NS, 401, Some(detail::TOKEN_EXPIRED), "Token expired");
        return reject(&state, reply, "expired token");
    }
    let Some(urls) = addressed_urls(&uri, &headers) else {
        return reject(&state, missing("Missing Host header"), "no Host");
    };
    // Rebuild the base string from the request as received: every parameter but the
    // signature, and the URL the client addressed (docs/protocol.md §4.4).
    let signed: Vec<(&str, &str)> = params
        .0
        .iter()
        .filter(|(n, _)| n != "sig_sha256")
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    // A `+` in an unencoded signature arrives as a space (docs/protocol.md §12 #11).
    let sig = sig.replace(' ', "+");
    let verifies = urls.iter().any(|url| {
        let base = sign::base_string("GET", url, &signed);
        let expected = sign::sign_sha256(token.session_key.expose(), &base);
        sign::constant_time_eq(sig.as_bytes(), expected.as_bytes())
    });
    if !verifies {
        let reply = Reply::error(f, AIM_NS, 401, Some(detail::BAD_SIGNATURE), "Signature mismatch");
        return reject(&state, reply, "bad signature");
    }
    let Ok(ts) = ts.parse::<i64>() else {
        let reply = Reply::error(f, AIM_NS, 462, None, "Parameter error: ts");
        return reject(&state, reply, "ts not a number");
    };
    if ts.abs_diff(now) > super::TS_WINDOW {
        let reply =
            Reply::error(f, AIM_NS, 401, Some(detail::STALE_TIMESTAMP), "Timestamp out of range");
        return reject(&state, reply, "stale ts");
    }
    // A signed URL works once (§14): remembered until its ts leaves the window, after which
    // the ts check above refuses it anyway.
    let window = i64::try_from(super::TS_WINDOW).unwrap_or(i64::MAX);
    if !state.used_signatures.first_use(&sig, now, ts.saturating_add(window)) {
        let reply =
            Reply::error(f, AIM_NS, 401, Some(detail::STALE_TIMESTAMP), "Request already used");
        return reject(&state, reply, "replayed startOSCARSession");
    }
    let cookie = state.cookies.issue(&token.screen_name, now);
    let mut data = json!({
        "host": state.bos_addr.ip().to_string(),
        "port": state.bos_addr.port(),
        "cookie": B64.encode(&cookie),
    });
    if params.get("useTLS") == Some("1") || params.get("useSSL") == Some("1") {
        if let (Some(name), Some(obj)) = (&state.config.bos_tls_cert_name, data.as_object_mut()) {
            obj.insert("tlsCertName".into(), json!(name));
        }
    }
    tracing::info!("startOSCARSession ok for {}", LogSafe(token.screen_name.as_str()));
    Reply::ok(f, AIM_NS, data)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn host(h: &str) -> HeaderMap {
        let mut m = HeaderMap::new();
        m.insert(header::HOST, h.parse().unwrap());
        m
    }

    #[test]
    fn absolute_form_wins_over_host() {
        let uri: Uri = "https://Api.Example:8443/aim/startOSCARSession?a=1".parse().unwrap();
        let urls = addressed_urls(&uri, &host("127.0.0.1:5190")).unwrap();
        assert_eq!(urls, ["https://Api.Example:8443/aim/startOSCARSession"]);
        // base_url lowercases the host when the base string is built.
        assert_eq!(sign::base_url(&urls[0]), "https://api.example:8443/aim/startOSCARSession");
    }

    #[test]
    fn origin_form_uses_host_as_sent_under_either_scheme() {
        let uri: Uri = "/aim/startOSCARSession?a=1".parse().unwrap();
        let urls = addressed_urls(&uri, &host("chat.example:8443")).unwrap();
        assert_eq!(
            urls,
            [
                "http://chat.example:8443/aim/startOSCARSession",
                "https://chat.example:8443/aim/startOSCARSession"
            ]
        );
        assert_eq!(addressed_urls(&uri, &HeaderMap::new()), None);
        assert_eq!(addressed_urls(&uri, &host(" ")), None);
    }
}
