//! Sign-on errors, each carrying the server's own codes, with the human sentence in one place.

pub use flapjack_proto::webapi::codes::{detail, explain, Endpoint, ServerCodes};

/// The innermost cause of a transport error (what the operating system or TLS said:
/// "Connection refused", "invalid peer certificate: …"), which is what a person can act on;
/// reqwest's own outer text ("error sending request") says nothing. A timeout is named as one.
pub fn transport_cause(e: &reqwest::Error) -> String {
    let mut deepest: &dyn std::error::Error = e;
    while let Some(next) = deepest.source() {
        deepest = next;
    }
    let cause = deepest.to_string();
    let lower = cause.to_lowercase();
    if e.is_timeout() && !lower.contains("timed out") {
        format!("timed out ({cause})")
    } else if e.is_connect() && !lower.contains("connect") {
        format!("cannot connect ({cause})")
    } else {
        cause
    }
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
    /// 440-443, or Open OSCAR Server's 403 "invalid API key": the developer key (`devId`/`k`)
    /// is not accepted.
    #[error("the server does not accept this developer key (--dev-id / dev_id); servers such as Open OSCAR Server accept only keys their admin registered, so ask the server's admin for one ({0})")]
    InvalidDevKey(ServerCodes),
    /// Open OSCAR Server's web API was chosen without a developer key: it would refuse
    /// `startOSCARSession`, so the sign-on does not start.
    #[error("Open OSCAR Server's web API needs a developer key its admin registered: pass --dev-id KEY or set dev_id in the [[server]] entry (or sign on by BUCP: --profile oos without --login-url)")]
    MissingDevKey,
    /// Open OSCAR Server answered `startOSCARSession` with 500 "failed to retrieve existing
    /// bridge": its `startSession` already tied the web session to an OSCAR session, and some
    /// versions then cannot hand that session to an OSCAR client.
    #[error("this Open OSCAR Server cannot hand its web session to an OSCAR client (\"failed to retrieve existing bridge\"); sign on by BUCP instead: --profile oos without --login-url, or --bucp HOST:5190 ({0})")]
    OosBridgeUnavailable(ServerCodes),
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
    /// The request never got an answer. It reads as the root cause only ("Connection refused
    /// (os error 111)", "timed out", the TLS alert): reqwest's layers above it ("error sending
    /// request", "client error (Connect)", …) tell a person nothing, so they are not shown and
    /// the error is not chained to them.
    #[error("{endpoint}: could not reach the server: {}", transport_cause(.error))]
    Network {
        /// Which request.
        endpoint: Endpoint,
        /// The transport error, with its URL (which may hold the token) removed.
        error: reqwest::Error,
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
            | AuthError::InvalidDevKey(c)
            | AuthError::OosBridgeUnavailable(c) => Some(*c),
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
            (401, None) if matches!(endpoint, Endpoint::ClientLogin | Endpoint::GetChallenge) => {
                AuthError::IncorrectPassword(codes)
            }
            // startOSCARSession, and OOS's startSession ("invalid or expired token").
            (401, None) => AuthError::TokenRejected(codes),
            (401, Some(_)) if endpoint == Endpoint::StartOscarSession => {
                AuthError::RateLimited(codes)
            }
            (607 | 430 | 429, _) => AuthError::RateLimited(codes),
            (440..=443, _) => AuthError::InvalidDevKey(codes),
            // OOS's API-key middleware (server/webapi/middleware/auth.go upstream).
            (403, _) if text.eq_ignore_ascii_case("invalid API key") => {
                AuthError::InvalidDevKey(codes)
            }
            (500, _)
                if endpoint == Endpoint::StartOscarSession
                    && text.contains("failed to retrieve existing bridge") =>
            {
                AuthError::OosBridgeUnavailable(codes)
            }
            (400 | 460 | 462, _) => AuthError::BadRequest { codes, text },
            _ => AuthError::Refused { codes, text },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_refused_connection_is_named_as_such_not_as_error_sending_request() {
        // A port that was just free: nothing listens there any more.
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let e = reqwest::Client::new()
            .get(format!("http://127.0.0.1:{port}/"))
            .send()
            .await
            .expect_err("nothing listens");
        let cause = transport_cause(&e);
        assert!(cause.to_lowercase().contains("connection refused"), "{cause}");
        let shown = AuthError::Network { endpoint: Endpoint::ClientLogin, error: e }.to_string();
        assert!(!shown.contains("error sending request"), "{shown}");
        assert!(shown.ends_with(&cause), "{shown}");
    }

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
    fn open_oscar_server_answers_map_to_their_causes() {
        let e = Endpoint::StartOscarSession;
        let text = |t: &str| t.to_string();
        let key = AuthError::from_codes(codes(e, 200, Some(403), None), text("invalid API key"));
        assert!(matches!(key, AuthError::InvalidDevKey(_)), "{key:?}");
        assert!(key.to_string().contains("admin registered"), "{key}");
        let other = AuthError::from_codes(
            codes(e, 200, Some(403), None),
            text("OSCAR bridge not enabled for this application"),
        );
        assert!(matches!(other, AuthError::Refused { .. }), "{other:?}");
        let missing_k = AuthError::from_codes(
            codes(e, 200, Some(400), None),
            text("required parameter 'k' is missing"),
        );
        assert!(matches!(missing_k, AuthError::BadRequest { .. }));
        let bridge = AuthError::from_codes(
            codes(e, 500, Some(500), None),
            text("failed to retrieve existing bridge"),
        );
        assert!(matches!(bridge, AuthError::OosBridgeUnavailable(_)), "{bridge:?}");
        let expired = AuthError::from_codes(
            codes(Endpoint::StartSession, 200, Some(401), None),
            text("invalid or expired token"),
        );
        assert!(expired.token_unusable(), "{expired:?}");
        let login = AuthError::from_codes(
            codes(Endpoint::ClientLogin, 401, Some(401), None),
            text("username and password required"),
        );
        assert!(matches!(login, AuthError::IncorrectPassword(_)), "{login:?}");
    }

    #[test]
    fn explains_codes() {
        assert_eq!(explain(330, Some(3011)), "incorrect password");
        assert!(explain(401, Some(1014)).starts_with("bad signature"));
    }
}
