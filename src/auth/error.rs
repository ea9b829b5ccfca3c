//! Sign-on errors, each carrying the server's own codes, with the human sentence in one place.

use std::fmt;

/// The three HTTP endpoints of the sign-on, named in every error so the user knows which step
/// failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `POST /auth/getChallenge` (ICQ digest login).
    GetChallenge,
    /// `POST /auth/clientLogin`.
    ClientLogin,
    /// `GET /aim/startOSCARSession`.
    StartOscarSession,
}

impl Endpoint {
    /// The URL path of the endpoint, relative to the profile's base URL.
    pub fn path(self) -> &'static str {
        match self {
            Endpoint::GetChallenge => "/auth/getChallenge",
            Endpoint::ClientLogin => "/auth/clientLogin",
            Endpoint::StartOscarSession => "/aim/startOSCARSession",
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Endpoint::GetChallenge => "getChallenge",
            Endpoint::ClientLogin => "clientLogin",
            Endpoint::StartOscarSession => "startOSCARSession",
        })
    }
}

/// What the server said, as numbers: the HTTP status and the body's `statusCode` /
/// `statusDetailCode`, so traces and bug reports show the real codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerCodes {
    /// Which request got the answer.
    pub endpoint: Endpoint,
    /// The HTTP status line's code.
    pub http: u16,
    /// `response.statusCode`, if the body had one.
    pub status: Option<u32>,
    /// `response.statusDetailCode`, if the body had one.
    pub detail: Option<u32>,
}

impl fmt::Display for ServerCodes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: HTTP {}", self.endpoint, self.http)?;
        if let Some(status) = self.status {
            write!(f, ", statusCode {status}")?;
        }
        if let Some(detail) = self.detail {
            write!(f, ", statusDetailCode {detail}")?;
        }
        Ok(())
    }
}

/// Detail codes flapjack's embedded server uses where docs/protocol.md names none (AOL's own
/// values were never published); the client also understands them from other servers.
pub mod detail {
    /// 330/3011: incorrect password (AOL, docs/protocol.md §4.2).
    pub const INCORRECT_PASSWORD: u32 = 3011;
    /// 330/3015: CAPTCHA required (AOL).
    pub const CAPTCHA_REQUIRED: u32 = 3015;
    /// 401/3019: this account may not sign on here (AOL).
    pub const NOT_ALLOWED_HERE: u32 = 3019;
    /// 401/1014: the request signature did not verify (AOL).
    pub const BAD_SIGNATURE: u32 = 1014;
    /// 401/1011: the token `a` has expired (flapjack).
    pub const TOKEN_EXPIRED: u32 = 1011;
    /// 401/1012: the token `a` is unknown or revoked (flapjack).
    pub const TOKEN_REJECTED: u32 = 1012;
    /// 401/1015: `ts` is more than five minutes from the server's clock (flapjack).
    pub const STALE_TIMESTAMP: u32 = 1015;
}

/// Why a sign-on step failed; every variant names the step and, when a server answered, its
/// codes.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// 330/3011 or a bare HTTP 401 from `clientLogin`.
    #[error("incorrect password or unknown screen name ({0})")]
    IncorrectPassword(ServerCodes),
    /// 330/3015.
    #[error("the server wants a CAPTCHA solved before it accepts this sign-on; sign on once with the official web page, then retry ({0})")]
    CaptchaRequired(ServerCodes),
    /// 401/3019.
    #[error("this account is not allowed to sign on here ({0})")]
    NotAllowedHere(ServerCodes),
    /// 607, 430, or 401 with an unknown detail on `startOSCARSession` (Pidgin's reading).
    #[error("signing on too often; wait a few minutes before trying again ({0})")]
    RateLimited(ServerCodes),
    /// 401/1014.
    #[error("the server rejected the request signature: the base string or the session key differs from the server's ({0})")]
    SignatureRejected(ServerCodes),
    /// The token `a` has expired: sign on with the password again.
    #[error("the sign-on token has expired; sign on with the password again ({0})")]
    TokenExpired(ServerCodes),
    /// The token `a` is unknown to the server (revoked, or from another server).
    #[error(
        "the server no longer accepts the sign-on token; sign on with the password again ({0})"
    )]
    TokenRejected(ServerCodes),
    /// 401/1015: `ts` too far from the server's clock.
    #[error("the server says the request timestamp is too far from its clock ({0})")]
    StaleTimestamp(ServerCodes),
    /// 440-443: the developer key (`devId`/`k`) is not accepted.
    #[error("the server does not accept this developer key (--dev-id) ({0})")]
    InvalidDevKey(ServerCodes),
    /// 400, 460, 462: the server found a parameter missing or unusable.
    #[error("the server says the request was malformed: {text} ({codes})")]
    BadRequest {
        /// The codes.
        codes: ServerCodes,
        /// `statusText`, if any.
        text: String,
    },
    /// Any other non-200 `statusCode` or non-2xx HTTP status.
    #[error("the server refused the request: {text} ({codes})")]
    Refused {
        /// The codes.
        codes: ServerCodes,
        /// `statusText` or the HTTP reason.
        text: String,
    },
    /// The server answered with an HTML page rather than JSON or XML.
    #[error("{endpoint}: the server answered HTTP {http} with an HTML page instead of an API response (is the URL right?)")]
    HtmlPage {
        /// Which request.
        endpoint: Endpoint,
        /// The HTTP status.
        http: u16,
    },
    /// The body could not be parsed (truncated, not JSON/XML).
    #[error("{endpoint}: unreadable response (HTTP {http}): {reason}")]
    Malformed {
        /// Which request.
        endpoint: Endpoint,
        /// The HTTP status.
        http: u16,
        /// What the parser said.
        reason: String,
    },
    /// A success response lacked a field the sign-on needs.
    #[error("{endpoint}: the response has no `{field}`")]
    MissingField {
        /// Which request.
        endpoint: Endpoint,
        /// The dotted path of the missing field.
        field: &'static str,
    },
    /// A field was present but unusable (a port that is not a number, a cookie that is not
    /// base64 or hex).
    #[error("{endpoint}: the response's `{field}` is unusable: {reason}")]
    BadField {
        /// Which request.
        endpoint: Endpoint,
        /// The dotted path of the field.
        field: &'static str,
        /// Why it was rejected.
        reason: String,
    },
    /// The request never got an answer.
    #[error("{endpoint}: could not reach the server: {source}")]
    Network {
        /// Which request.
        endpoint: Endpoint,
        /// The transport error, with its URL (which may hold the token) removed.
        #[source]
        source: reqwest::Error,
    },
    /// A configured URL is unusable or would send secrets in clear text.
    #[error("refusing URL {url}: {reason}")]
    BadUrl {
        /// The URL as given (it never contains secrets: it is a base URL).
        url: String,
        /// Why.
        reason: &'static str,
    },
    /// The local token is already past its expiry by the server's clock.
    #[error("the stored sign-on token expired at {expires_at} (server time); sign on with the password again")]
    TokenExpiredLocally {
        /// Unix seconds, server clock.
        expires_at: i64,
    },
}

impl AuthError {
    /// Whether the caller should forget a stored token and fall back to the password.
    pub fn token_unusable(&self) -> bool {
        matches!(
            self,
            AuthError::TokenExpired(_)
                | AuthError::TokenRejected(_)
                | AuthError::TokenExpiredLocally { .. }
        )
    }

    /// The server's codes, if a server answered.
    pub fn codes(&self) -> Option<ServerCodes> {
        match self {
            AuthError::IncorrectPassword(c)
            | AuthError::CaptchaRequired(c)
            | AuthError::NotAllowedHere(c)
            | AuthError::RateLimited(c)
            | AuthError::SignatureRejected(c)
            | AuthError::TokenExpired(c)
            | AuthError::TokenRejected(c)
            | AuthError::StaleTimestamp(c)
            | AuthError::InvalidDevKey(c) => Some(*c),
            AuthError::BadRequest { codes, .. } | AuthError::Refused { codes, .. } => Some(*codes),
            _ => None,
        }
    }

    /// Maps a failed answer to its typed error, whether the codes came in the body or only as
    /// an HTTP status (Open OSCAR Server's bare 401 for a bad password).
    pub fn from_codes(codes: ServerCodes, text: String) -> Self {
        use detail::*;
        let endpoint = codes.endpoint;
        match (codes.status.unwrap_or(u32::from(codes.http)), codes.detail) {
            (330, Some(INCORRECT_PASSWORD)) => AuthError::IncorrectPassword(codes),
            (330, Some(CAPTCHA_REQUIRED)) => AuthError::CaptchaRequired(codes),
            (_, Some(NOT_ALLOWED_HERE)) => AuthError::NotAllowedHere(codes),
            (401, Some(BAD_SIGNATURE)) => AuthError::SignatureRejected(codes),
            (401, Some(TOKEN_EXPIRED)) => AuthError::TokenExpired(codes),
            (401, Some(TOKEN_REJECTED)) => AuthError::TokenRejected(codes),
            (401, Some(STALE_TIMESTAMP)) => AuthError::StaleTimestamp(codes),
            (330, _) => AuthError::IncorrectPassword(codes),
            (401, None) if endpoint != Endpoint::StartOscarSession => {
                AuthError::IncorrectPassword(codes)
            }
            (401, None) => AuthError::TokenRejected(codes),
            (401, Some(_)) if endpoint == Endpoint::StartOscarSession => {
                AuthError::RateLimited(codes)
            }
            (607 | 430 | 429, _) => AuthError::RateLimited(codes),
            (440..=443, _) => AuthError::InvalidDevKey(codes),
            (400 | 460 | 462, _) => AuthError::BadRequest { codes, text },
            _ => AuthError::Refused { codes, text },
        }
    }
}

/// What a status pair means, in words, for `--trace`; one table for the whole crate.
pub fn explain(status: u32, detail: Option<u32>) -> &'static str {
    use detail::*;
    match (status, detail) {
        (200, _) => "success",
        (330, Some(INCORRECT_PASSWORD)) => "incorrect password",
        (330, Some(CAPTCHA_REQUIRED)) => "CAPTCHA required",
        (330, _) => "sign-on refused (password or account problem)",
        (_, Some(NOT_ALLOWED_HERE)) => "this account may not sign on here",
        (401, Some(BAD_SIGNATURE)) => "bad signature: the server's base string or key differs",
        (401, Some(TOKEN_EXPIRED)) => "the token has expired",
        (401, Some(TOKEN_REJECTED)) => "the token is unknown or revoked",
        (401, Some(STALE_TIMESTAMP)) => "ts is more than five minutes from the server's clock",
        (401, None) => "authentication failed",
        (401, _) => "refused (Pidgin reads this as signing on too often)",
        (607 | 430 | 429, _) => "rate limited: signing on too often",
        (440..=443, _) => "developer key rejected",
        (400 | 460 | 462, _) => "missing or unusable parameter",
        _ => "unknown code",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(
        endpoint: Endpoint,
        http: u16,
        status: Option<u32>,
        detail: Option<u32>,
    ) -> ServerCodes {
        ServerCodes { endpoint, http, status, detail }
    }

    #[test]
    fn maps_reference_codes() {
        let e = Endpoint::ClientLogin;
        let s = Endpoint::StartOscarSession;
        let map = |c| AuthError::from_codes(c, String::new());
        assert!(matches!(
            map(codes(e, 200, Some(330), Some(3011))),
            AuthError::IncorrectPassword(_)
        ));
        assert!(matches!(map(codes(e, 200, Some(330), Some(3015))), AuthError::CaptchaRequired(_)));
        assert!(matches!(map(codes(e, 200, Some(401), Some(3019))), AuthError::NotAllowedHere(_)));
        assert!(matches!(map(codes(e, 200, Some(607), None)), AuthError::RateLimited(_)));
        assert!(matches!(
            map(codes(s, 200, Some(401), Some(1014))),
            AuthError::SignatureRejected(_)
        ));
        assert!(matches!(map(codes(s, 200, Some(401), Some(1011))), AuthError::TokenExpired(_)));
        assert!(matches!(map(codes(s, 200, Some(401), Some(1012))), AuthError::TokenRejected(_)));
        assert!(matches!(map(codes(s, 200, Some(401), Some(1015))), AuthError::StaleTimestamp(_)));
        assert!(matches!(map(codes(s, 200, Some(401), Some(1099))), AuthError::RateLimited(_)));
        assert!(matches!(map(codes(s, 200, Some(440), None)), AuthError::InvalidDevKey(_)));
        assert!(matches!(map(codes(s, 200, Some(460), None)), AuthError::BadRequest { .. }));
        assert!(matches!(map(codes(s, 200, Some(500), None)), AuthError::Refused { .. }));
    }

    #[test]
    fn bare_http_status_maps_like_body_codes() {
        let map = |c| AuthError::from_codes(c, String::new());
        let e = map(codes(Endpoint::ClientLogin, 401, None, None));
        assert!(matches!(e, AuthError::IncorrectPassword(_)));
        assert!(e.to_string().contains("clientLogin: HTTP 401"));
        let e = map(codes(Endpoint::StartOscarSession, 401, None, None));
        assert!(e.token_unusable());
        assert!(matches!(
            map(codes(Endpoint::ClientLogin, 429, None, None)),
            AuthError::RateLimited(_)
        ));
    }

    #[test]
    fn explains_codes() {
        assert_eq!(explain(330, Some(3011)), "incorrect password");
        assert!(explain(401, Some(1014)).starts_with("bad signature"));
    }
}
