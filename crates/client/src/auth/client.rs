//! The HTTP sign-on client: `clientLogin` (AIM, or ICQ with `getChallenge`), then a signed
//! `startOSCARSession`.
//!
//! Building each request and reading each answer are plain functions (see [`super::sign`] and
//! [`super::response`]); this module only adds the HTTP round trips and the trace.

use std::time::Duration;

use super::error::{explain, AuthError, Endpoint};
use super::profile::{ServerProfile, WebApi};
use super::response::{self, Format};
use super::secret::Secret;
use super::sign;
use super::ticket::{redact_token, requested_url, unix_now};
pub use super::ticket::{
    BosTicket, SigningMode, StartSessionRequest, StoredToken, MIN_KEPT_TOKEN_LIFETIME,
};
use super::trace::Trace;
use crate::screenname::ScreenName;

/// How long one HTTP request may take before the step fails.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
/// The largest response body read; sign-on answers are a few hundred bytes.
const MAX_BODY: usize = 256 * 1024;
/// The longest ICQ password older servers compare (docs/protocol.md §4.3).
const ICQ_SHORT_PASSWORD: usize = 8;
/// The HTTP sign-on client for one server profile.
#[derive(Debug, Clone)]
pub struct HttpSignOn {
    http: reqwest::Client,
    profile: ServerProfile,
    trace: Trace,
    format: Format,
    signing: SigningMode,
    use_tls: bool,
    client_name: String,
    client_version: String,
}

impl HttpSignOn {
    /// A client for `profile`; refuses plain `http://` to non-loopback hosts.
    ///
    /// Proxies: when any sign-on URL is plain `http://` (loopback only, by
    /// [`ServerProfile::check`]) the client ignores `HTTP_PROXY`, `ALL_PROXY` and the rest,
    /// since a proxy would carry the password and token off the machine in clear text. An
    /// all-https profile follows the usual proxy variables (TLS still ends at the server).
    pub fn new(profile: ServerProfile) -> Result<Self, AuthError> {
        profile.check()?;
        let mut builder = reqwest::Client::builder();
        if profile.uses_plain_http() {
            builder = builder.no_proxy();
        }
        let http = builder
            .timeout(REQUEST_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("flapjack/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| AuthError::Network {
                endpoint: Endpoint::ClientLogin,
                error: error.without_url(),
            })?;
        let use_tls = profile.api_url.starts_with("https://");
        Ok(Self {
            http,
            profile,
            trace: Trace::off(),
            format: Format::Json,
            signing: SigningMode::Rfc5849,
            use_tls,
            client_name: "flapjack".into(),
            client_version: env!("CARGO_PKG_VERSION").into(),
        })
    }

    /// Reports every step to `trace` (what `login --trace` prints).
    pub fn with_trace(mut self, trace: Trace) -> Self {
        self.trace = trace;
        self
    }

    /// Asks for JSON or XML responses (`f`).
    pub fn with_format(mut self, format: Format) -> Self {
        self.format = format;
        self
    }

    /// Chooses how `startOSCARSession` is signed (tests use the broken construction).
    pub fn with_signing(mut self, signing: SigningMode) -> Self {
        self.signing = signing;
        self
    }

    /// Asks for a TLS BOS connection (`useTLS=1` and `useSSL=1`) or not; by default only over
    /// https.
    pub fn with_use_tls(mut self, use_tls: bool) -> Self {
        self.use_tls = use_tls;
        self
    }

    /// Whether this client asks for a TLS BOS connection.
    pub fn uses_tls(&self) -> bool {
        self.use_tls
    }

    /// The profile this client signs on to.
    pub fn profile(&self) -> &ServerProfile {
        &self.profile
    }

    /// Password sign-on followed by `startOSCARSession`: the whole HTTP half.
    pub async fn sign_on(&self, user: &str, password: &Secret) -> Result<BosTicket, AuthError> {
        let token = self.client_login(user, password).await?;
        self.start_session(&token).await
    }

    /// `clientLogin` with the password; a UIN takes the ICQ path (`getChallenge` + digest).
    pub async fn client_login(
        &self,
        user: &str,
        password: &Secret,
    ) -> Result<StoredToken, AuthError> {
        if self.profile.web_api == WebApi::Oos {
            // OOS has no getChallenge: a UIN sends its password like a screen name. Its
            // startOSCARSession refuses a request without a registered key, so say so before
            // the password travels.
            if self.profile.dev_id.trim().is_empty() {
                return Err(AuthError::MissingDevKey);
            }
            return self.aim_client_login(user, password).await;
        }
        let is_uin = ScreenName::from_wire(user).is_uin();
        if !is_uin {
            return self.aim_client_login(user, password).await;
        }
        let first = self.icq_client_login(user, password).await;
        match first {
            Err(AuthError::IncorrectPassword(codes))
                if password.expose().len() > ICQ_SHORT_PASSWORD =>
            {
                let mut cut = ICQ_SHORT_PASSWORD;
                while !password.expose().is_char_boundary(cut) {
                    cut -= 1;
                }
                let short = Secret::new(&password.expose()[..cut]);
                self.trace.step(
                    Endpoint::ClientLogin,
                    format!(
                        "incorrect password (HTTP {}); retrying with the password cut to {cut} bytes, as older ICQ servers compare only those",
                        codes.http
                    ),
                );
                self.icq_client_login(user, &short).await
            }
            other => other,
        }
    }

    async fn aim_client_login(
        &self,
        user: &str,
        password: &Secret,
    ) -> Result<StoredToken, AuthError> {
        let mut fields = self.login_fields(user);
        fields.push(("pwd", password.expose().to_string()));
        let data = self.post(Endpoint::ClientLogin, &fields).await?;
        self.finish_login(user, password, &data)
    }

    async fn icq_client_login(
        &self,
        uin: &str,
        password: &Secret,
    ) -> Result<StoredToken, AuthError> {
        let fields = vec![
            ("devId", self.profile.dev_id.clone()),
            ("f", self.format.as_param().to_string()),
            ("s", uin.to_string()),
        ];
        let data = self.post(Endpoint::GetChallenge, &fields).await?;
        let challenge = response::challenge_data(&data)?;
        self.trace.step(
            Endpoint::GetChallenge,
            format!(
                "challengeWord received ({} chars), tid {}, realm {:?}",
                challenge.challenge_word.len(),
                challenge.tid,
                challenge.realm
            ),
        );
        let digest =
            sign::icq_digest(password.expose(), &challenge.challenge_word, &challenge.realm);
        self.trace.step(
            Endpoint::ClientLogin,
            "pwd = base64(MD5(challengeWord ‖ MD5(password) ‖ realm)); the password itself is not sent",
        );
        let mut fields = self.login_fields(uin);
        fields.push(("pwd", digest));
        fields.push(("digest", "1".into()));
        fields.push(("tid", challenge.tid));
        fields.push(("idType", "ICQ".into()));
        let data = self.post(Endpoint::ClientLogin, &fields).await?;
        self.finish_login(uin, password, &data)
    }

    fn login_fields(&self, user: &str) -> Vec<(&'static str, String)> {
        vec![
            ("devId", self.profile.dev_id.clone()),
            ("f", self.format.as_param().to_string()),
            ("s", user.to_string()),
            ("clientName", self.client_name.clone()),
            ("clientVersion", self.client_version.clone()),
            ("tokenType", "longterm".into()),
        ]
    }

    fn finish_login(
        &self,
        user: &str,
        password: &Secret,
        data: &serde_json::Value,
    ) -> Result<StoredToken, AuthError> {
        let login = response::client_login_data(data)?;
        let now = unix_now();
        let offset = login.host_time.saturating_sub(now);
        let lifetime = match self.profile.web_api.real_token_lifetime() {
            Some(real) if real < login.expires_in => {
                self.trace.step(
                    Endpoint::ClientLogin,
                    format!(
                        "expiresIn says {} s, but this server honours its token for {real} s; \
                         counting {real} s",
                        login.expires_in
                    ),
                );
                real
            }
            _ => login.expires_in,
        };
        let key = Secret::new(sign::session_key(password.expose(), login.session_secret.expose()));
        self.trace.step(
            Endpoint::ClientLogin,
            format!(
                "token a = {} (expires in {} s), sessionSecret = {}, hostTime = {} (local clock {} by {} s)",
                login.token,
                login.expires_in,
                login.session_secret,
                login.host_time,
                if offset >= 0 { "behind" } else { "ahead" },
                offset.unsigned_abs()
            ),
        );
        self.trace.step(
            Endpoint::ClientLogin,
            format!("session key = base64(HMAC-SHA256(password, sessionSecret)) = {key}"),
        );
        Ok(StoredToken {
            screen_name: login.login_id.unwrap_or_else(|| user.to_string()),
            token: login.token,
            expires_at: login.host_time.saturating_add(lifetime),
            session_key: key,
            host_time_offset: offset,
        })
    }

    /// Builds and signs the `startOSCARSession` request for `token`, without sending it.
    pub fn prepare_start_session(&self, token: &StoredToken) -> StartSessionRequest {
        let base_url = requested_url(&self.profile.endpoint_url(Endpoint::StartOscarSession));
        let ts = token.server_now();
        let mut params: Vec<(String, String)> =
            vec![("a".into(), token.token.expose().to_string())];
        if let Some(dist) = &self.profile.dist_id {
            params.push(("distId".into(), dist.clone()));
        }
        params.push(("f".into(), self.format.as_param().into()));
        params.push(("k".into(), self.profile.dev_id.clone()));
        // A fresh nonce makes every signed URL unique, so two sign-ons with one token in the
        // same second are not mistaken for a replay (a signed URL works once, §14).
        params.push(("nonce".into(), hex::encode(rand::random::<[u8; 8]>())));
        params.push(("ts".into(), ts.to_string()));
        // Both names (§4.10): AOL's clients sent useTLS, Open OSCAR Server reads useSSL.
        let flag = if self.use_tls { "1" } else { "0" };
        params.push(("useSSL".into(), flag.into()));
        params.push(("useTLS".into(), flag.into()));
        let borrowed: Vec<(&str, &str)> =
            params.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let (query, base_string) = match self.signing {
            SigningMode::Rfc5849 => {
                (sign::normalized_params(&borrowed), sign::base_string("GET", &base_url, &borrowed))
            }
            SigningMode::ClassicBroken => (
                sign::classic_urlencode(&borrowed),
                sign::classic_broken_base_string(&base_url, &borrowed),
            ),
        };
        let signature = sign::sign_sha256(token.session_key.expose(), &base_string);
        StartSessionRequest {
            base_url,
            params,
            query,
            base_string,
            signature,
            mode: self.signing,
            token: token.token.duplicate(),
            ts,
            session_key_hint: token.session_key.redacted(),
        }
    }

    /// `startOSCARSession` with a stored token: no password needed.
    pub async fn start_session(&self, token: &StoredToken) -> Result<BosTicket, AuthError> {
        if token.is_expired() {
            self.trace.step(
                Endpoint::StartOscarSession,
                format!("the token expired at {} (server clock); not asking", token.expires_at),
            );
            return Err(AuthError::TokenExpiredLocally { expires_at: token.expires_at });
        }
        if self.profile.web_api == WebApi::Oos {
            return self.oos_start_session(token).await;
        }
        let request = self.prepare_start_session(token);
        self.send_start_session(&request, &token.screen_name).await
    }

    /// Open OSCAR Server's two steps after `clientLogin`: `startSession` trades the token for
    /// an `aimsid` (unsigned: OOS checks no signature), and `startOSCARSession` trades the
    /// `aimsid` and the registered key `k` for the BOS address and a hex cookie.
    async fn oos_start_session(&self, token: &StoredToken) -> Result<BosTicket, AuthError> {
        if self.profile.dev_id.trim().is_empty() {
            return Err(AuthError::MissingDevKey);
        }
        let f = self.format.as_param();
        let key = self.profile.dev_id.as_str();
        let ep = Endpoint::StartSession;
        let query = sign::normalized_params(&[
            ("a", token.token.expose()),
            ("clientName", &self.client_name),
            ("clientVersion", &self.client_version),
            ("f", f),
            ("k", key),
        ]);
        let mut url = self.profile.endpoint(ep)?;
        url.set_query(Some(&query));
        self.trace.step(ep, format!("GET {}", redact_token(url.as_str(), &token.token)));
        let data = self.exchange(ep, self.http.get(url)).await?;
        let aimsid = response::web_session_data(&data)?.aimsid;
        self.trace.step(ep, format!("aimsid = {aimsid}"));

        let ep = Endpoint::StartOscarSession;
        let use_ssl = if self.use_tls { "1" } else { "0" };
        let query = sign::normalized_params(&[
            ("aimsid", aimsid.expose()),
            ("f", f),
            ("k", key),
            ("useSSL", use_ssl),
            ("useTLS", use_ssl),
        ]);
        let mut url = self.profile.endpoint(ep)?;
        url.set_query(Some(&query));
        self.trace.step(ep, format!("GET {}", redact_token(url.as_str(), &aimsid)));
        let data = self.exchange(ep, self.http.get(url)).await?;
        let session = response::oos_start_session_data(&data)?;
        self.trace_ticket(&session);
        Ok(BosTicket {
            screen_name: token.screen_name.clone(),
            host: session.host,
            port: session.port,
            cookie: session.cookie,
            use_tls: session.use_tls,
            tls_cert_name: session.tls_cert_name,
        })
    }

    fn trace_ticket(&self, session: &response::StartSessionData) {
        self.trace.step(
            Endpoint::StartOscarSession,
            format!(
                "BOS {}:{} ({}), cookie {} bytes",
                session.host,
                session.port,
                match &session.tls_cert_name {
                    Some(name) => format!("TLS, certificate name {name}"),
                    None if session.use_tls => "TLS".into(),
                    None => "plain TCP".into(),
                },
                session.cookie.len()
            ),
        );
    }

    /// Sends a prepared request and reads the BOS address and cookie from the answer.
    pub async fn send_start_session(
        &self,
        request: &StartSessionRequest,
        screen_name: &str,
    ) -> Result<BosTicket, AuthError> {
        let ep = Endpoint::StartOscarSession;
        self.trace.step(ep, format!("GET {}", request.redacted_url()));
        self.trace.step(
            ep,
            format!("ts = {} (hostTime + time since it arrived, not the local clock)", request.ts),
        );
        self.trace.step(ep, format!("signature base string: {}", request.redacted_base_string()));
        self.trace.step(
            ep,
            format!(
                "sig_sha256 = base64(HMAC-SHA256(session key {}, base string)) = {}",
                request.session_key_hint, request.signature
            ),
        );
        let result = self.exchange(ep, self.http.get(request.url())).await;
        let data = match result {
            Ok(data) => data,
            Err(e) => {
                if matches!(e, AuthError::SignatureRejected(_)) {
                    self.explain_bad_signature(request);
                }
                return Err(e);
            }
        };
        let session = response::start_session_data(&data)?;
        self.trace_ticket(&session);
        Ok(BosTicket {
            screen_name: screen_name.to_string(),
            host: session.host,
            port: session.port,
            cookie: session.cookie,
            use_tls: session.use_tls,
            tls_cert_name: session.tls_cert_name,
        })
    }

    /// Traces why a 401/1014 happened: everything that went into the signature, and how the
    /// signed base string differs from the RFC 5849 one.
    fn explain_bad_signature(&self, request: &StartSessionRequest) {
        let ep = Endpoint::StartOscarSession;
        let t = &self.trace;
        t.step(ep, "401/1014: the signature did not verify (the server recomputed it and got a different value). What went into ours:");
        t.step(ep, format!("  method GET, URL {}", request.base_url));
        for (name, value) in &request.params {
            let shown = if name == "a" { request.token.redacted() } else { value.clone() };
            t.step(ep, format!("  parameter {name} = {shown}"));
        }
        t.step(
            ep,
            format!(
                "  key: the session key {} (from the password and sessionSecret)",
                request.session_key_hint
            ),
        );
        let borrowed: Vec<(&str, &str)> =
            request.params.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let correct = sign::base_string("GET", &request.base_url, &borrowed);
        if correct != request.base_string {
            t.step(ep, format!("  signed base string:     {}", request.redacted_base_string()));
            t.step(
                ep,
                format!("  RFC 5849 base string:   {}", redact_token(&correct, &request.token)),
            );
            if request.mode == SigningMode::ClassicBroken {
                t.step(ep, "  the signed string uses the classic broken construction: the '?' is kept in the URL part, '/' is not encoded, the '&' between URL and parameters is missing, and the query is not encoded a second time ('+' for spaces)");
            }
        } else {
            t.step(ep, "  the base string follows RFC 5849, so the server either rebuilt it from a different URL (http vs https, another host or port, a proxy) or holds a different session key (wrong password for this sessionSecret, or a tampered signature)");
        }
    }

    /// POSTs a form to an endpoint and returns the successful `data`.
    async fn post(
        &self,
        ep: Endpoint,
        fields: &[(&str, String)],
    ) -> Result<serde_json::Value, AuthError> {
        let url = self.profile.endpoint(ep)?;
        let shown: Vec<String> = fields
            .iter()
            .map(|(n, v)| if *n == "pwd" { format!("{n}=[redacted]") } else { format!("{n}={v}") })
            .collect();
        self.trace.step(ep, format!("POST {url}  {}", shown.join(" ")));
        let borrowed: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let body = sign::normalized_params(&borrowed);
        let builder = self
            .http
            .post(url)
            .header("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
            .body(body);
        self.exchange(ep, builder).await
    }

    async fn exchange(
        &self,
        ep: Endpoint,
        builder: reqwest::RequestBuilder,
    ) -> Result<serde_json::Value, AuthError> {
        let network =
            |error: reqwest::Error| AuthError::Network { endpoint: ep, error: error.without_url() };
        let mut response = builder.send().await.map_err(network)?;
        let http = response.status().as_u16();
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(network)? {
            if bytes.len() + chunk.len() > MAX_BODY {
                let reason = format!("the response is larger than {} KiB", MAX_BODY / 1024);
                return Err(AuthError::Malformed { endpoint: ep, http, reason });
            }
            bytes.extend_from_slice(&chunk);
        }
        let body = String::from_utf8_lossy(&bytes);
        let envelope = match response::parse_envelope(ep, http, &body) {
            Ok(envelope) => envelope,
            Err(e) => {
                self.trace.step(ep, format!("HTTP {http}: {e}"));
                return Err(e);
            }
        };
        let status = envelope.codes.status.unwrap_or(0);
        self.trace.step(
            ep,
            format!(
                "HTTP {http}, statusCode {status}{} — {}",
                envelope
                    .codes
                    .detail
                    .map(|d| format!(", statusDetailCode {d}"))
                    .unwrap_or_default(),
                explain(status, envelope.codes.detail)
            ),
        );
        envelope.into_success()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> StoredToken {
        StoredToken {
            screen_name: "bob".into(),
            token: Secret::new("/wEAAAAAb2s+Y2Vy/a0Zt+wB9Q=="),
            expires_at: i64::MAX,
            session_key: Secret::new(sign::session_key("somepassword", "Rk9PQkFSc2VjcmV0MTIz")),
            host_time_offset: 0,
        }
    }

    #[test]
    fn the_base_string_names_the_url_actually_requested() {
        let t = token();
        for (api_url, requested) in [
            // Case, default port, a space in the path, a non-ASCII host: the wire has the
            // normalized form, so the signature must too.
            ("HTTP://API.Example:80/my api", "http://api.example/my%20api/aim/startOSCARSession"),
            ("https://bücher.example:443/", "https://xn--bcher-kva.example/aim/startOSCARSession"),
            ("https://api.example:8443", "https://api.example:8443/aim/startOSCARSession"),
        ] {
            let mut profile = ServerProfile::aim();
            profile.api_url = api_url.into();
            let client = HttpSignOn { profile, ..HttpSignOn::new(ServerProfile::aim()).unwrap() };
            let req = client.prepare_start_session(&t);
            let sent = reqwest::Url::parse(&req.url()).unwrap();
            assert_eq!(sent.as_str().split('?').next(), Some(requested), "{api_url}");
            let params: Vec<(&str, &str)> =
                req.params.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
            let b = sign::base_string("GET", requested, &params);
            assert_eq!(req.signature(), sign::sign_sha256(t.session_key.expose(), &b), "{api_url}");
        }
    }

    #[test]
    fn prepared_request_matches_the_reference_construction() {
        let mut profile = ServerProfile::aim();
        profile.api_url = "http://api.oscar.aol.com".into();
        let client = HttpSignOn { profile, ..HttpSignOn::new(ServerProfile::aim()).unwrap() };
        let t = token();
        let req = client.prepare_start_session(&t);
        let params: Vec<(&str, &str)> =
            req.params.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let b = sign::base_string("GET", "http://api.oscar.aol.com/aim/startOSCARSession", &params);
        assert_eq!(req.signature(), sign::sign_sha256(t.session_key.expose(), &b));
        assert!(req.url().starts_with("http://api.oscar.aol.com/aim/startOSCARSession?a=%2FwEA"));
        assert!(req
            .url()
            .ends_with(&format!("&sig_sha256={}", sign::percent_encode(req.signature()))));
        assert!(!req.redacted_url().contains("b2s"));
        assert!(!req.redacted_base_string().contains("b2s"));
        assert!(!format!("{req:?}").contains("b2s"));
    }

    #[test]
    fn tls_is_asked_for_under_both_names_the_servers_read() {
        let t = token();
        let flags = |client: &HttpSignOn| {
            let req = client.prepare_start_session(&t);
            let get =
                |name: &str| req.params.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
            (get("useTLS"), get("useSSL"))
        };
        let https = HttpSignOn::new(ServerProfile::aim()).unwrap();
        assert!(https.uses_tls());
        assert_eq!(flags(&https), (Some("1".into()), Some("1".into())));
        let plain = https.with_use_tls(false);
        assert_eq!(flags(&plain), (Some("0".into()), Some("0".into())));
    }

    #[test]
    fn stored_token_round_trips_through_serde() {
        let t = token();
        let json = serde_json::to_string(&t).unwrap();
        let back: StoredToken = serde_json::from_str(&json).unwrap();
        assert_eq!(back, t);
        assert!(!format!("{t:?}").contains("b2s"));
    }

    #[test]
    fn plain_http_to_a_remote_host_is_refused() {
        let mut profile = ServerProfile::aim();
        profile.login_url = "http://api.screenname.aol.com".into();
        assert!(matches!(HttpSignOn::new(profile), Err(AuthError::BadUrl { .. })));
    }
}
