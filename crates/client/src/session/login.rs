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
use super::config::{LoginMethod, SessionConfig, TlsOptions};

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
}

impl Authenticator {
    /// An authenticator for `config`.
    pub fn new(config: SessionConfig) -> Self {
        Authenticator { config, http: None, token: None, store_checked: false }
    }

    fn key(&self) -> CredentialKey {
        CredentialKey::new(&self.config.server.api_url, &self.config.screen_name)
    }

    /// A fresh ticket (a BOS cookie is good for one connection only).
    pub async fn ticket(&mut self) -> Result<BosTicket, LoginFailure> {
        match self.config.method.clone() {
            LoginMethod::Http => self.http_ticket().await,
            LoginMethod::Bucp(addr) => {
                let password = self
                    .config
                    .password
                    .clone()
                    .ok_or_else(|| LoginFailure::auth(SignOnFailure::BucpNeedsPassword))?;
                let fut = bucp_ticket(&addr, self.config.screen_name.as_str(), &password);
                tokio::time::timeout(CONNECT_TIMEOUT, fut)
                    .await
                    .map_err(|_| LoginFailure::network(NetworkError::BucpTimeout { addr }))?
            }
        }
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
        if let Some(token) = self.token.clone() {
            match http.start_session(&token).await {
                Ok(ticket) => return Ok(ticket),
                Err(e) if e.token_unusable() => {
                    tracing::info!("stored sign-on token is no longer usable: {e}");
                    self.token = None;
                    self.forget_token().await;
                }
                Err(e) => return Err(LoginFailure::from_auth(&e)),
            }
        }
        let Some(password) = self.password().await else {
            return Err(LoginFailure::auth(SignOnFailure::NoCredentials));
        };
        let token = http
            .client_login(self.config.screen_name.as_str(), &password)
            .await
            .map_err(|e| LoginFailure::from_auth(&e))?;
        self.token = Some(token.clone());
        if token.worth_keeping() {
            self.save_token(&token).await;
        } else {
            tracing::info!(
                "not keeping the sign-on token: it expires at {} (server time), within a session",
                token.expires_at
            );
        }
        http.start_session(&token).await.map_err(|e| LoginFailure::from_auth(&e))
    }

    /// The password given, else the one the prompt hook asks for (kept for reconnects).
    async fn password(&mut self) -> Option<Secret> {
        if let Some(password) = &self.config.password {
            return Some(password.clone());
        }
        let prompt = Arc::clone(self.config.password_prompt.as_ref()?);
        let asked = tokio::task::spawn_blocking(move || prompt()).await.ok().flatten()?;
        self.config.password = Some(asked.clone());
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
        let raw = self.with_store(|s, k| s.load(k)).await??;
        match serde_json::from_str::<StoredToken>(&raw) {
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
                self.with_store(move |s, k| s.save(k, &raw)).await;
            }
            Err(e) => tracing::warn!("cannot serialize the sign-on token: {e}"),
        }
    }

    async fn forget_token(&self) {
        self.with_store(|s, k| s.delete(k)).await;
    }
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

/// Why the TLS client configuration could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlsConfigError {
    /// An extra root certificate (from the options) was rejected; rustls's description.
    #[error("unusable extra TLS root: {0}")]
    BadRoot(String),
    /// The crypto provider offers no safe protocol version; rustls's description.
    #[error("no usable TLS protocol version: {0}")]
    Versions(String),
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
async fn bucp_ticket(
    addr: &str,
    screen_name: &str,
    password: &Secret,
) -> Result<BosTicket, LoginFailure> {
    let bad_address =
        |e| LoginFailure::fatal(DisconnectReason::Network(NetworkError::BadAddress(e)));
    let (host, port) = split_host_port(addr).map_err(bad_address)?;
    let mut framed = Framed::new(tcp(&host, port).await?, FlapCodec::new());
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
        return match reply.outcome() {
            LoginOutcome::Success { screen_name: sn, bos_address, cookie } => {
                let (host, port) = split_host_port(&bos_address).map_err(bad_address)?;
                Ok(BosTicket {
                    screen_name: sn.unwrap_or_else(|| screen_name.to_string()),
                    host,
                    port,
                    cookie: SecretBytes::new(cookie),
                    use_tls: false,
                    tls_cert_name: None,
                })
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

/// Opens a service connection (ChatNav, a room) to the `host[:port]` of a 01/05 redirect:
/// plain TCP with TCP_NODELAY, as Open OSCAR Server's redirects (SSL state 0) ask.
pub async fn connect_service(addr: &str) -> Result<BoxedTransport, LoginFailure> {
    let (host, port) = split_host_port(addr).map_err(|e| {
        LoginFailure::network(NetworkError::Connect {
            host: addr.to_string(),
            port: 0,
            detail: e.to_string(),
        })
    })?;
    Ok(Box::new(tcp(&host, port).await?))
}

/// Opens the BOS transport the ticket describes: TCP with TCP_NODELAY, then TLS verified
/// against `tls_cert_name` (else the host) when the ticket says so.
pub async fn connect_bos(
    ticket: &BosTicket,
    tls: &TlsOptions,
) -> Result<BoxedTransport, LoginFailure> {
    let stream = tcp(&ticket.host, ticket.port).await?;
    if !ticket.use_tls {
        return Ok(Box::new(stream));
    }
    let config = tls_config(tls)
        .map_err(|e| LoginFailure::fatal(DisconnectReason::Network(NetworkError::TlsConfig(e))))?;
    let name = ticket.tls_cert_name.clone().unwrap_or_else(|| ticket.host.clone());
    let server_name = rustls::pki_types::ServerName::try_from(name.clone()).map_err(|e| {
        let error = NetworkError::BadTlsName { name: name.clone(), detail: e.to_string() };
        LoginFailure::fatal(DisconnectReason::Network(error))
    })?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tls_stream = tokio::time::timeout(CONNECT_TIMEOUT, connector.connect(server_name, stream))
        .await
        .map_err(|_| LoginFailure::network(NetworkError::TlsTimeout))?
        .map_err(|e| LoginFailure::network(NetworkError::Tls { name, detail: e.to_string() }))?;
    Ok(Box::new(tls_stream))
}

fn tls_config(tls: &TlsOptions) -> Result<rustls::ClientConfig, TlsConfigError> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for der in &tls.extra_roots {
        roots
            .add(rustls::pki_types::CertificateDer::from(der.clone()))
            .map_err(|e| TlsConfigError::BadRoot(e.to_string()))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsConfigError::Versions(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth())
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
        assert!(matches!(wrong.reason, DisconnectReason::AuthFailed(SignOnFailure::Http(_))));
    }

    #[test]
    fn icq_uins_identify_as_icq() {
        assert_eq!(client_ident("123456789").id, 0x010A);
        assert_eq!(client_ident("Bob Smith").id, 0x0109);
    }

    #[test]
    fn tls_config_rejects_garbage_roots() {
        assert!(tls_config(&TlsOptions::default()).is_ok());
        assert!(matches!(
            tls_config(&TlsOptions { extra_roots: vec![vec![1, 2, 3]] }),
            Err(TlsConfigError::BadRoot(_))
        ));
    }
}
