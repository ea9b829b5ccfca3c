//! Getting a BOS ticket (HTTP with a stored token or the password, or BUCP) and opening the BOS
//! transport (TCP, plus TLS when the ticket asks for it).

use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_util::codec::Framed;

use crate::auth::{AuthError, BosTicket, HttpSignOn, Secret, SecretBytes, StoredToken};
use crate::credentials::{CredentialError, CredentialKey, CredentialStore};
use crate::oscar::bucp::{ChallengeRequest, ClientIdent, LoginOutcome, LoginRequest};
use crate::oscar::codes::AuthErrorCode;
use crate::oscar::{decode_snac_payload, snac_flap, Channel, FlapCodec, Hello, OutFlap, SignOff};
use crate::oscar::{SnacBody, SERVER_REQUEST_ID_BIT};

use super::api::{DisconnectReason, NetworkError, SignOnFailure};
use super::config::{LoginMethod, SessionConfig};
use crate::tls::{FirstUse, Judge, TlsOptions, TlsProblem};

/// How long one TCP connect (or TLS handshake, or BUCP exchange) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);

/// Any byte stream the FLAP codec can run over: TCP, TLS, or a test pipe.
pub trait Transport: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Transport for T {}

/// A boxed transport, so TLS slots in below the codec without touching the session.
pub type BoxedTransport = Box<dyn Transport>;

/// Why no ticket (or no connection) was obtained, and whether trying again later may help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginFailure {
    /// What to report.
    pub reason: DisconnectReason,
    /// Whether a later attempt may succeed (network trouble, rate limit).
    pub retryable: bool,
    /// The server said we sign on too often: back off longer.
    pub rate_limited: bool,
}

impl LoginFailure {
    fn fatal(reason: DisconnectReason) -> Self {
        LoginFailure { reason, retryable: false, rate_limited: false }
    }

    fn retry(reason: DisconnectReason) -> Self {
        LoginFailure { reason, retryable: true, rate_limited: false }
    }

    fn network(error: NetworkError) -> Self {
        Self::retry(DisconnectReason::Network(error))
    }

    /// A transport failure described by the library that raised it.
    fn transport(what: impl std::fmt::Display) -> Self {
        Self::network(NetworkError::Transport(what.to_string()))
    }

    fn auth(failure: SignOnFailure) -> Self {
        Self::fatal(DisconnectReason::AuthFailed(failure))
    }

    fn from_auth(e: &AuthError) -> Self {
        match e {
            AuthError::RateLimited(_) => LoginFailure {
                reason: DisconnectReason::AuthFailed(SignOnFailure::Http(e.to_string())),
                retryable: true,
                rate_limited: true,
            },
            AuthError::Network { .. } => Self::transport(e),
            AuthError::IncorrectPassword(_) => {
                Self::auth(SignOnFailure::PasswordRefused(e.to_string()))
            }
            _ => Self::auth(SignOnFailure::Http(e.to_string())),
        }
    }
}

/// Obtains BOS tickets for one session, remembering the HTTP token between reconnects.
pub struct Authenticator {
    config: SessionConfig,
    http: Option<HttpSignOn>,
    token: Option<StoredToken>,
    store_checked: bool,
    first_uses: Vec<FirstUse>,
}

impl Authenticator {
    /// An authenticator for `config`.
    pub fn new(config: SessionConfig) -> Self {
        Authenticator {
            config,
            http: None,
            token: None,
            store_checked: false,
            first_uses: Vec::new(),
        }
    }

    /// Certificates trusted for the first time while getting tickets, for the front end.
    pub fn take_first_uses(&mut self) -> Vec<FirstUse> {
        std::mem::take(&mut self.first_uses)
    }

    fn key(&self) -> CredentialKey {
        CredentialKey::new(&self.config.server.api_url, &self.config.screen_name)
    }

    /// A fresh ticket (a BOS cookie is good for one connection only), pointing at a TLS BOS
    /// whenever TLS was asked for (§4.10: no silent downgrade).
    pub async fn ticket(&mut self) -> Result<BosTicket, LoginFailure> {
        let (ticket, tls_asked) = match self.config.method.clone() {
            LoginMethod::Http => {
                let tls_asked = self.http()?.uses_tls();
                (self.http_ticket().await?, tls_asked)
            }
            LoginMethod::Bucp(addr) => {
                let password = self
                    .config
                    .password
                    .as_ref()
                    .ok_or_else(|| LoginFailure::auth(SignOnFailure::BucpNeedsPassword))?;
                let tls = (self.config.request_tls == Some(true)).then_some(&self.config.tls);
                let fut = bucp_ticket(&addr, self.config.screen_name.as_str(), password, tls);
                let (ticket, first) = tokio::time::timeout(CONNECT_TIMEOUT, fut)
                    .await
                    .map_err(|_| LoginFailure::network(NetworkError::BucpTimeout { addr }))??;
                self.first_uses.extend(first);
                (ticket, tls.is_some())
            }
        };
        no_downgrade(ticket, tls_asked, self.config.bos_tls.as_deref(), self.config.allow_plain_bos)
    }

    fn http(&mut self) -> Result<HttpSignOn, LoginFailure> {
        if let Some(h) = &self.http {
            return Ok(h.clone());
        }
        let mut client = HttpSignOn::new(self.config.server.clone())
            .map_err(|e| LoginFailure::auth(SignOnFailure::Http(e.to_string())))?;
        if let Some(tls) = self.config.request_tls {
            client = client.with_use_tls(tls);
        }
        self.http = Some(client.clone());
        Ok(client)
    }

    async fn http_ticket(&mut self) -> Result<BosTicket, LoginFailure> {
        let http = self.http()?;
        if self.token.is_none() && !self.store_checked {
            self.store_checked = true;
            self.token = self.load_token().await;
        }
        if let Some(token) = self.token.take() {
            match http.start_session(&token).await {
                Ok(ticket) => {
                    self.token = Some(token);
                    return Ok(ticket);
                }
                Err(e) if e.token_unusable() => {
                    tracing::info!("stored sign-on token is no longer usable: {e}");
                    drop(token);
                    self.forget_token().await;
                }
                Err(e) => {
                    self.token = Some(token);
                    return Err(LoginFailure::from_auth(&e));
                }
            }
        }
        let Some(password) = self.password().await else {
            return Err(LoginFailure::auth(SignOnFailure::NoCredentials));
        };
        let token = http
            .client_login(self.config.screen_name.as_str(), &password)
            .await
            .map_err(|e| LoginFailure::from_auth(&e))?;
        if token.worth_keeping() {
            self.save_token(&token).await;
        } else {
            tracing::info!(
                "not keeping the sign-on token: it expires at {} (server time), within a session",
                token.expires_at
            );
        }
        let ticket = http.start_session(&token).await.map_err(|e| LoginFailure::from_auth(&e));
        self.token = Some(token);
        ticket
    }

    /// The password given, else the one the prompt hook asks for (kept for reconnects: the
    /// session's one long-lived copy; the one returned is dropped, and wiped, after use).
    async fn password(&mut self) -> Option<Secret> {
        if let Some(password) = &self.config.password {
            return Some(password.duplicate());
        }
        let prompt = Arc::clone(self.config.password_prompt.as_ref()?);
        let asked = tokio::task::spawn_blocking(move || prompt()).await.ok().flatten()?;
        self.config.password = Some(asked.duplicate());
        Some(asked)
    }

    async fn with_store<T: Send + 'static>(
        &self,
        op: impl FnOnce(&dyn CredentialStore, &CredentialKey) -> Result<T, CredentialError>
            + Send
            + 'static,
    ) -> Option<T> {
        let store = Arc::clone(self.config.credentials.as_ref()?);
        let key = self.key();
        match tokio::task::spawn_blocking(move || op(store.as_ref(), &key)).await {
            Ok(Ok(v)) => Some(v),
            Ok(Err(CredentialError::Unavailable(e))) => {
                tracing::debug!("no keyring ({e}); the sign-on token lives in memory only");
                None
            }
            Ok(Err(e)) => {
                tracing::warn!("{e}");
                None
            }
            Err(e) => {
                tracing::warn!("keyring task failed: {e}");
                None
            }
        }
    }

    async fn load_token(&self) -> Option<StoredToken> {
        let raw = Secret::new(self.with_store(|s, k| s.load(k)).await??);
        match serde_json::from_str::<StoredToken>(raw.expose()) {
            Ok(t) => Some(t),
            Err(e) => {
                tracing::warn!("ignoring an unreadable stored sign-on token: {e}");
                None
            }
        }
    }

    async fn save_token(&self, token: &StoredToken) {
        match serde_json::to_string(token) {
            Ok(raw) => {
                let raw = Secret::new(raw);
                self.with_store(move |s, k| s.save(k, raw.expose())).await;
            }
            Err(e) => tracing::warn!("cannot serialize the sign-on token: {e}"),
        }
    }

    async fn forget_token(&self) {
        self.with_store(|s, k| s.delete(k)).await;
    }
}

/// Applies §4.10 to a ticket: when TLS was asked for and the answer names a plain BOS, go to
/// the configured TLS BOS address instead, or refuse (the cookie is never presented in clear)
/// unless the user allowed a plain BOS for this server.
fn no_downgrade(
    mut ticket: BosTicket,
    tls_asked: bool,
    bos_tls: Option<&str>,
    allow_plain_bos: bool,
) -> Result<BosTicket, LoginFailure> {
    if !tls_asked || ticket.use_tls {
        return Ok(ticket);
    }
    if let Some(addr) = bos_tls {
        let (host, port) = split_host_port(addr).map_err(|e| {
            LoginFailure::fatal(DisconnectReason::Network(NetworkError::BadAddress(e)))
        })?;
        tracing::info!(
            "the login answer names a plain BOS at {}:{}; using the TLS BOS {host}:{port}",
            ticket.host,
            ticket.port
        );
        ticket.host = host;
        ticket.port = port;
        ticket.use_tls = true;
        ticket.tls_cert_name = None;
        return Ok(ticket);
    }
    if allow_plain_bos {
        tracing::warn!(
            "TLS was asked for, but BOS {}:{} is plain; going there as allowed for this server",
            ticket.host,
            ticket.port
        );
        return Ok(ticket);
    }
    let address = crate::tls::address_key(&ticket.host, ticket.port);
    Err(LoginFailure::fatal(DisconnectReason::Network(NetworkError::PlainBosRefused { address })))
}

/// Why a `host[:port]` address is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// `[` without its `]`.
    #[error("unclosed [ in address {0}")]
    UnclosedBracket(String),
    /// The port is not a number from 0 to 65535.
    #[error("bad port in {0}")]
    BadPort(String),
    /// Nothing at all.
    #[error("empty address")]
    Empty,
}

/// Splits `host[:port]` (default port 5190; `[v6]:port` accepted).
pub fn split_host_port(addr: &str) -> Result<(String, u16), AddressError> {
    let addr = addr.trim();
    let bad_port = |_| AddressError::BadPort(addr.to_string());
    if let Some(rest) = addr.strip_prefix('[') {
        let (host, after) =
            rest.split_once(']').ok_or_else(|| AddressError::UnclosedBracket(addr.to_string()))?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().map_err(bad_port)?,
            None => 5190,
        };
        return Ok((host.to_string(), port));
    }
    match addr.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => {
            Ok((host.to_string(), port.parse().map_err(bad_port)?))
        }
        _ if addr.is_empty() => Err(AddressError::Empty),
        _ => Ok((addr.to_string(), 5190)),
    }
}

async fn tcp(host: &str, port: u16) -> Result<TcpStream, LoginFailure> {
    let stream = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect((host, port)))
        .await
        .map_err(|_| {
            LoginFailure::network(NetworkError::ConnectTimeout { host: host.to_string(), port })
        })?
        .map_err(|e| {
            LoginFailure::network(NetworkError::Connect {
                host: host.to_string(),
                port,
                detail: e.to_string(),
            })
        })?;
    stream.set_nodelay(true).map_err(LoginFailure::transport)?;
    Ok(stream)
}

/// The BUCP exchange (§4.6): hello + 17/06 in one flight, 17/02 on 17/07, ticket from 17/03.
/// With `tls`, the connection is TLS from its first byte (§4.10) and nothing is sent unless
/// the certificate is trusted.
async fn bucp_ticket(
    addr: &str,
    screen_name: &str,
    password: &Secret,
    tls: Option<&TlsOptions>,
) -> Result<(BosTicket, Option<FirstUse>), LoginFailure> {
    let bad_address =
        |e| LoginFailure::fatal(DisconnectReason::Network(NetworkError::BadAddress(e)));
    let (host, port) = split_host_port(addr).map_err(bad_address)?;
    let stream = tcp(&host, port).await?;
    let (transport, first): (BoxedTransport, _) = match tls {
        Some(options) => secure(stream, &host, port, None, options).await?,
        None => (Box::new(stream), None),
    };
    let mut framed = Framed::new(transport, FlapCodec::new());
    let hello = Hello::default().encode().map_err(LoginFailure::transport)?;
    let challenge = SnacBody::ChallengeRequest(ChallengeRequest::new(screen_name));
    let net =
        |e: crate::oscar::FrameError| LoginFailure::network(NetworkError::Bucp(e.to_string()));
    framed.feed(OutFlap { channel: Channel::SignOn, payload: hello }).await.map_err(net)?;
    framed.feed(snac_flap(&challenge, 1).map_err(LoginFailure::transport)?).await.map_err(net)?;
    framed.flush().await.map_err(net)?;
    while let Some(frame) = framed.next().await {
        let frame = frame.map_err(net)?;
        let reply = match frame.channel {
            Channel::Data => match decode_snac_payload(&frame.payload) {
                Ok((_, SnacBody::ChallengeReply(c))) => {
                    let ident = client_ident(screen_name);
                    let request = SnacBody::LoginRequest(LoginRequest::strong(
                        screen_name,
                        &c.key,
                        password.expose().as_bytes(),
                        &ident,
                    ));
                    let flap = snac_flap(&request, 2).map_err(LoginFailure::transport)?;
                    framed.send(flap).await.map_err(net)?;
                    continue;
                }
                Ok((_, SnacBody::LoginReply(r))) => r,
                Ok((_, SnacBody::Error { error, .. })) => {
                    return Err(LoginFailure::auth(SignOnFailure::BucpRefused(error)))
                }
                Ok((h, other)) => {
                    let (f, s) = other.id();
                    let origin =
                        if h.request_id & SERVER_REQUEST_ID_BIT != 0 { "server" } else { "reply" };
                    tracing::debug!("BUCP: skipping {f:02X}/{s:02X} ({origin})");
                    continue;
                }
                Err(e) => {
                    tracing::warn!("BUCP: skipping a SNAC that does not decode: {e}");
                    continue;
                }
            },
            Channel::SignOff => {
                SignOff::decode(&frame.payload).unwrap_or_default().as_login_reply()
            }
            _ => continue,
        };
        let (use_tls, tls_cert_name) = (reply.bos_uses_tls(), reply.ssl_cert_name());
        return match reply.outcome() {
            LoginOutcome::Success { screen_name: sn, bos_address, cookie } => {
                let (host, port) = split_host_port(&bos_address).map_err(bad_address)?;
                let ticket = BosTicket {
                    screen_name: sn.unwrap_or_else(|| screen_name.to_string()),
                    host,
                    port,
                    cookie: SecretBytes::new(cookie),
                    use_tls,
                    tls_cert_name,
                };
                Ok((ticket, first))
            }
            LoginOutcome::Failure { code, .. } => {
                let reason = DisconnectReason::AuthFailed(SignOnFailure::Code(code));
                Err(match code {
                    AuthErrorCode::ConnectingTooOften | AuthErrorCode::RateLimitedIp => {
                        LoginFailure { reason, retryable: true, rate_limited: true }
                    }
                    AuthErrorCode::ServiceTemporarilyUnavailable
                    | AuthErrorCode::ServiceUnavailable => LoginFailure::retry(reason),
                    _ => LoginFailure::fatal(reason),
                })
            }
        };
    }
    Err(LoginFailure::network(NetworkError::LoginServerClosed))
}

/// The client identification for 17/02: AIM's client id, or ICQ's (0x010A) for a UIN.
fn client_ident(screen_name: &str) -> ClientIdent {
    let icq = crate::screenname::ScreenName::from_wire(screen_name).is_uin();
    ClientIdent {
        name: concat!("flapjack ", env!("CARGO_PKG_VERSION")).into(),
        id: if icq { 0x010A } else { 0x0109 },
        version: [5, 1, 0, 3036],
        distribution: if icq { 1553 } else { 1717 },
    }
}

/// How service connections (ChatNav, rooms) are made: like the BOS connection of the same
/// session. Each one carries a cookie, so a session whose BOS connection is TLS never sends
/// one in clear text.
#[derive(Debug, Clone, Default)]
pub enum ServiceTransport {
    /// Plain TCP: the BOS connection was plain (TLS not asked for, or a plain BOS the user
    /// allowed with `allow_plain_bos`).
    #[default]
    Plain,
    /// TLS under the session's trust settings.
    Tls {
        /// Whom to trust: the same options the BOS connection was judged by.
        options: TlsOptions,
        /// The BOS host, whose certificate name applies to services on the same host.
        bos_host: String,
        /// The certificate name the BOS connection was checked against, if not its host.
        bos_cert_name: Option<String>,
    },
}

impl ServiceTransport {
    /// The transport services follow after a BOS connection made from `ticket` under `tls`.
    pub fn following(ticket: &BosTicket, tls: &TlsOptions) -> Self {
        if !ticket.use_tls {
            return Self::Plain;
        }
        Self::Tls {
            options: tls.clone(),
            bos_host: ticket.host.clone(),
            bos_cert_name: ticket.tls_cert_name.clone(),
        }
    }
}

/// Opens a service connection (ChatNav, a room) to the `host[:port]` of a 01/05 redirect:
/// TCP with TCP_NODELAY, then TLS when `transport` says the BOS connection was TLS, checked
/// under the same trust (against BOS's certificate name when the service is on the BOS host,
/// else the service's host). A refused or failed handshake ends the connection before
/// anything, the cookie included, is written; there is no plain fallback.
pub async fn connect_service(
    addr: &str,
    transport: &ServiceTransport,
) -> Result<BoxedTransport, LoginFailure> {
    let (host, port) = split_host_port(addr).map_err(|e| {
        LoginFailure::network(NetworkError::Connect {
            host: addr.to_string(),
            port: 0,
            detail: e.to_string(),
        })
    })?;
    let stream = tcp(&host, port).await?;
    match transport {
        ServiceTransport::Plain => Ok(Box::new(stream)),
        ServiceTransport::Tls { options, bos_host, bos_cert_name } => {
            let cert_name =
                if host.eq_ignore_ascii_case(bos_host) { bos_cert_name.clone() } else { None };
            let (transport, _first) = secure(stream, &host, port, cert_name, options).await?;
            Ok(transport)
        }
    }
}

/// Opens the BOS transport the ticket describes: TCP with TCP_NODELAY, then TLS verified
/// against `tls_cert_name` (else the host) when the ticket says so. Also returns the
/// certificate trusted for the first time, if trust on first use stored one.
pub async fn connect_bos(
    ticket: &BosTicket,
    tls: &TlsOptions,
) -> Result<(BoxedTransport, Option<FirstUse>), LoginFailure> {
    let stream = tcp(&ticket.host, ticket.port).await?;
    if !ticket.use_tls {
        return Ok((Box::new(stream), None));
    }
    secure(stream, &ticket.host, ticket.port, ticket.tls_cert_name.clone(), tls).await
}

/// The TLS handshake on `stream` to `host:port`, judged under `options`; the certificate is
/// checked against `cert_name`, else the host. A refused certificate is a fatal
/// [`NetworkError::TlsRefused`]: nothing has been written to the server then.
async fn secure(
    stream: TcpStream,
    host: &str,
    port: u16,
    cert_name: Option<String>,
    options: &TlsOptions,
) -> Result<(BoxedTransport, Option<FirstUse>), LoginFailure> {
    let fatal = |e| LoginFailure::fatal(DisconnectReason::Network(e));
    let judge = Judge::new(options, host, port).map_err(|e| fatal(NetworkError::TlsConfig(e)))?;
    let config = judge.client_config().map_err(|e| fatal(NetworkError::TlsConfig(e)))?;
    let name = cert_name.unwrap_or_else(|| host.to_string());
    let server_name = rustls::pki_types::ServerName::try_from(name.clone()).map_err(|e| {
        fatal(NetworkError::BadTlsName { name: name.clone(), detail: e.to_string() })
    })?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let address = crate::tls::address_key(host, port);
    let handshake =
        tokio::time::timeout(CONNECT_TIMEOUT, connector.connect(server_name, stream)).await;
    let tls_stream = match handshake {
        Err(_) => return Err(LoginFailure::network(NetworkError::TlsTimeout)),
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            return Err(match judge.refusal() {
                Some(problem) => {
                    fatal(NetworkError::TlsRefused { address, problem: Box::new(problem) })
                }
                None => LoginFailure::network(NetworkError::Tls { name, detail: e.to_string() }),
            })
        }
    };
    let first = match judge.first_use() {
        Some((entry, file)) => {
            if let Err(e) = crate::tls::remember_known_host(&file, &entry) {
                let problem = TlsProblem::KnownHostsFile { file, detail: e.to_string() };
                return Err(fatal(NetworkError::TlsRefused {
                    address,
                    problem: Box::new(problem),
                }));
            }
            tracing::warn!(
                "trusting {} on first use: certificate SHA-256 {}",
                entry.address,
                crate::tls::fingerprint_hex(&entry.fingerprint)
            );
            Some(FirstUse {
                address: entry.address,
                fingerprint: crate::tls::fingerprint_hex(&entry.fingerprint),
                file,
            })
        }
        None => None,
    };
    Ok((Box::new(tls_stream), first))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_forms() {
        assert_eq!(split_host_port("bos.example:5191"), Ok(("bos.example".into(), 5191)));
        assert_eq!(split_host_port("bos.example"), Ok(("bos.example".into(), 5190)));
        assert_eq!(split_host_port("[::1]:7"), Ok(("::1".into(), 7)));
        assert_eq!(split_host_port("::1"), Ok(("::1".into(), 5190)));
        assert_eq!(split_host_port("h:x"), Err(AddressError::BadPort("h:x".into())));
        assert_eq!(split_host_port("[::1:7"), Err(AddressError::UnclosedBracket("[::1:7".into())));
        assert_eq!(split_host_port(" "), Err(AddressError::Empty));
    }

    #[test]
    fn auth_errors_decide_retry_and_backoff() {
        use crate::auth::{Endpoint, ServerCodes};
        let codes = |status| ServerCodes {
            endpoint: Endpoint::StartOscarSession,
            http: 200,
            status: Some(status),
            detail: None,
        };
        let limited = LoginFailure::from_auth(&AuthError::RateLimited(codes(607)));
        assert!(limited.retryable && limited.rate_limited);
        let wrong = LoginFailure::from_auth(&AuthError::IncorrectPassword(codes(330)));
        assert!(!wrong.retryable);
        let DisconnectReason::AuthFailed(refused) = &wrong.reason else {
            panic!("{:?}", wrong.reason)
        };
        assert!(matches!(refused, SignOnFailure::PasswordRefused(_)));
        assert!(refused.needs_password());
        assert!(!SignOnFailure::Http("token expired".into()).needs_password());
        assert!(SignOnFailure::Code(AuthErrorCode::MismatchedPassword).needs_password());
        assert!(!SignOnFailure::Code(AuthErrorCode::Suspended).needs_password());
    }

    #[test]
    fn icq_uins_identify_as_icq() {
        assert_eq!(client_ident("123456789").id, 0x010A);
        assert_eq!(client_ident("Bob Smith").id, 0x0109);
    }

    #[test]
    fn tls_config_rejects_garbage_roots() {
        assert!(Judge::new(&TlsOptions::default(), "h", 1).is_ok());
        let garbage = TlsOptions { extra_roots: vec![vec![1, 2, 3]], ..TlsOptions::default() };
        assert!(matches!(
            Judge::new(&garbage, "h", 1),
            Err(crate::tls::TlsConfigError::BadRoot(_))
        ));
    }

    fn plain_ticket() -> BosTicket {
        BosTicket {
            screen_name: "bob".into(),
            host: "10.0.0.1".into(),
            port: 5190,
            cookie: SecretBytes::new(vec![1, 2, 3]),
            use_tls: false,
            tls_cert_name: None,
        }
    }

    #[test]
    fn a_plain_bos_after_asking_for_tls_is_redirected_or_refused() {
        // Not asked for TLS: the plain BOS is fine.
        let t = no_downgrade(plain_ticket(), false, None, false).unwrap();
        assert!(!t.use_tls && t.host == "10.0.0.1");
        // Asked, a TLS BOS configured: go there over TLS.
        let t = no_downgrade(plain_ticket(), true, Some("aim.example:5193"), false).unwrap();
        assert_eq!((t.host.as_str(), t.port, t.use_tls), ("aim.example", 5193, true));
        // Asked, nothing configured: refused, fatal, naming the plain address.
        let e = no_downgrade(plain_ticket(), true, None, false).unwrap_err();
        assert!(!e.retryable);
        assert_eq!(
            e.reason,
            DisconnectReason::Network(NetworkError::PlainBosRefused {
                address: "10.0.0.1:5190".into()
            })
        );
        // Asked, but the user allowed a plain BOS for this server.
        assert!(!no_downgrade(plain_ticket(), true, None, true).unwrap().use_tls);
        // A ticket that already says TLS is kept as it is.
        let mut tls = plain_ticket();
        tls.use_tls = true;
        assert_eq!(no_downgrade(tls, true, Some("x:1"), false).unwrap().host, "10.0.0.1");
    }

    /// A service connection of a TLS session to a host that speaks only plain FLAP fails at
    /// the handshake: the only bytes that host sees are a TLS ClientHello, so the service
    /// task (which writes the cookie only once connected) never sends the cookie in clear.
    #[tokio::test]
    async fn a_tls_sessions_service_connection_never_falls_back_to_plain() {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let plain_server = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            // A plain OSCAR host starts with its FLAP hello.
            let _ = s.write_all(&[0x2A, 0x01, 0x00, 0x01, 0x00, 0x04, 0, 0, 0, 1]).await;
            let mut seen = Vec::new();
            let _ = s.read_to_end(&mut seen).await;
            seen
        });
        let mut ticket = plain_ticket();
        ticket.host = "127.0.0.1".into();
        ticket.use_tls = true;
        let transport = ServiceTransport::following(&ticket, &TlsOptions::default());
        assert!(matches!(transport, ServiceTransport::Tls { .. }));
        let result = connect_service(&addr.to_string(), &transport).await;
        assert!(result.is_err(), "connected in clear");
        let seen = plain_server.await.unwrap();
        assert_eq!(seen.first(), Some(&0x16), "not a TLS handshake record: {seen:?}");
        // Everything sent is TLS records (handshake or alert), nothing else after them.
        let mut rest = seen.as_slice();
        while let [kind, 3, _, hi, lo, tail @ ..] = rest {
            assert!(matches!(kind, 0x15 | 0x16), "record type {kind:#x}: {seen:?}");
            let len = usize::from(u16::from_be_bytes([*hi, *lo]));
            assert!(tail.len() >= len, "a cut record: {seen:?}");
            rest = &tail[len..];
        }
        assert!(rest.is_empty(), "bytes that are not TLS went out: {rest:?}");
        // A plain BOS session makes plain service connections.
        assert!(matches!(
            ServiceTransport::following(&plain_ticket(), &TlsOptions::default()),
            ServiceTransport::Plain
        ));
    }
}
