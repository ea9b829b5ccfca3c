//! What the HTTP sign-on hands on: the token a later run can reuse, the ticket for BOS, and
//! the signed `startOSCARSession` request (which holds the token, so it wipes itself).

use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::secret::{redact, Secret, SecretBytes};
use super::sign;

/// A token that expires sooner than this is not worth keeping for a later run: it cannot
/// outlive a session (Open OSCAR Server's lasts a minute).
pub const MIN_KEPT_TOKEN_LIFETIME: i64 = 600;

/// What `clientLogin` yields and a later run can reuse: enough to call `startOSCARSession`
/// again without the password, which is why it serializes (for the OS keyring).
///
/// Not `Clone`: it holds the token and the session key (see [`StoredToken::duplicate`]).
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct StoredToken {
    /// The screen name or UIN as the server formats it.
    pub screen_name: String,
    /// The long-term token `a`.
    pub token: Secret,
    /// When `a` expires, unix seconds on the server's clock.
    pub expires_at: i64,
    /// The session key, base64(HMAC-SHA256(password, sessionSecret)).
    pub session_key: Secret,
    /// `hostTime - local clock` when the token arrived, so `ts` follows the server's clock.
    pub host_time_offset: i64,
}

impl StoredToken {
    /// A deliberate second copy, for a holder that keeps the token while another uses it
    /// (the keyring write, the session's reconnects).
    pub fn duplicate(&self) -> Self {
        Self {
            screen_name: self.screen_name.clone(),
            token: self.token.duplicate(),
            expires_at: self.expires_at,
            session_key: self.session_key.duplicate(),
            host_time_offset: self.host_time_offset,
        }
    }

    /// The server's clock now, estimated as local time plus the offset measured at sign-on.
    pub fn server_now(&self) -> i64 {
        unix_now().saturating_add(self.host_time_offset)
    }

    /// Whether the token is past its expiry by the server's clock, so asking would be wasted.
    pub fn is_expired(&self) -> bool {
        self.server_now() >= self.expires_at
    }

    /// Whether the token lives long enough to be kept for a later run (at least
    /// [`MIN_KEPT_TOKEN_LIFETIME`] from now): one that expires within a session only costs
    /// the next run a refused round trip.
    pub fn worth_keeping(&self) -> bool {
        self.expires_at.saturating_sub(self.server_now()) >= MIN_KEPT_TOKEN_LIFETIME
    }
}

/// Where the BOS connection goes and what it presents there. Not `Clone`: the cookie is good
/// for one connection, so one ticket makes one connection.
#[derive(Debug)]
pub struct BosTicket {
    /// The signed-on screen name.
    pub screen_name: String,
    /// BOS host.
    pub host: String,
    /// BOS port.
    pub port: u16,
    /// The cookie for the channel-1 hello (TLV 0x0006).
    pub cookie: SecretBytes,
    /// Whether to connect with TLS.
    pub use_tls: bool,
    /// The certificate name to verify when `use_tls`.
    pub tls_cert_name: Option<String>,
}

/// The URL as the HTTP client will request it: parsed and serialized as `reqwest` does
/// (lowercase host, IDNA, default port dropped, path percent-encoded), without query or
/// fragment. The signature's base string is built from this, so it names what is actually
/// requested (docs/protocol.md §4.4); a URL that does not parse is kept as given and fails
/// when sent, with the transport's own error.
pub(super) fn requested_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) => {
            parsed.set_query(None);
            parsed.set_fragment(None);
            parsed.to_string()
        }
        Err(_) => url.to_string(),
    }
}

/// How `startOSCARSession` is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SigningMode {
    /// RFC 5849 §3.4.1, what AOL verifies.
    #[default]
    Rfc5849,
    /// The widely copied broken construction (docs/protocol.md §4.4), kept to demonstrate and test
    /// the 401/1014 diagnosis; never use it to sign on.
    ClassicBroken,
}

/// A signed `startOSCARSession` request, built without I/O so it can be inspected (and, in
/// tests, tampered with) before it is sent. The parameters, query and base string carry the
/// token, so they are wiped when the request is dropped, and it is not `Clone`.
pub struct StartSessionRequest {
    pub(super) base_url: String,
    pub(super) params: Vec<(String, String)>,
    pub(super) query: String,
    pub(super) base_string: String,
    pub(super) signature: String,
    pub(super) mode: SigningMode,
    pub(super) token: Secret,
    pub(super) ts: i64,
    pub(super) session_key_hint: String,
}

impl Drop for StartSessionRequest {
    fn drop(&mut self) {
        use zeroize::Zeroize as _;
        for (_, value) in &mut self.params {
            value.zeroize();
        }
        self.query.zeroize();
        self.base_string.zeroize();
    }
}

impl std::fmt::Debug for StartSessionRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StartSessionRequest")
            .field("url", &self.redacted_url())
            .field("mode", &self.mode)
            .finish()
    }
}

impl StartSessionRequest {
    /// The full request URL, with the token in it: for sending only, never for printing.
    pub fn url(&self) -> String {
        let sig = match self.mode {
            SigningMode::Rfc5849 => sign::percent_encode(&self.signature),
            SigningMode::ClassicBroken => self.signature.clone(),
        };
        format!("{}?{}&sig_sha256={sig}", self.base_url, self.query)
    }

    /// The URL with the token redacted, for traces.
    pub fn redacted_url(&self) -> String {
        redact_token(&self.url(), &self.token)
    }

    /// The base string that was signed, with the token redacted, for traces.
    pub fn redacted_base_string(&self) -> String {
        redact_token(&self.base_string, &self.token)
    }

    /// The `sig_sha256` value (not a secret: it is valid for this one request only).
    pub fn signature(&self) -> &str {
        &self.signature
    }

    /// The same request carrying a different signature, for tests that check rejection.
    pub fn with_signature(mut self, signature: &str) -> Self {
        self.signature = signature.to_string();
        self
    }

    /// The `ts` sent, the server's clock as estimated at signing time.
    pub fn ts(&self) -> i64 {
        self.ts
    }
}

/// Replaces every form of the token (raw, encoded once, encoded twice) with its redaction.
pub(super) fn redact_token(text: &str, token: &Secret) -> String {
    let raw = token.expose();
    if raw.is_empty() {
        return text.to_string();
    }
    let once = sign::percent_encode(raw);
    let twice = sign::percent_encode(&once);
    let shown = format!("[a:{}]", redact(raw));
    text.replace(&twice, &shown).replace(&once, &shown).replace(raw, &shown)
}

pub(super) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
