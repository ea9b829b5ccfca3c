//! The sign-on's status vocabulary, shared by the client (to explain answers) and the embedded
//! server (to give them): the endpoints, the codes a server answers with, the detail
//! codes flapjack knows by name, and what each pair means in words (docs/protocol.md §4.2).

use std::fmt;

/// The HTTP endpoints of the sign-on, named in every error so the user knows which step failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `POST /auth/getChallenge` (ICQ digest login).
    GetChallenge,
    /// `POST /auth/clientLogin`.
    ClientLogin,
    /// `GET /aim/startOSCARSession`.
    StartOscarSession,
    /// `GET /aim/startSession`: Open OSCAR Server's web session, whose `aimsid` its
    /// `startOSCARSession` wants instead of a signed token.
    StartSession,
}

impl Endpoint {
    /// The URL path of the endpoint, relative to the profile's base URL.
    pub fn path(self) -> &'static str {
        match self {
            Endpoint::GetChallenge => "/auth/getChallenge",
            Endpoint::ClientLogin => "/auth/clientLogin",
            Endpoint::StartOscarSession => "/aim/startOSCARSession",
            Endpoint::StartSession => "/aim/startSession",
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Endpoint::GetChallenge => "getChallenge",
            Endpoint::ClientLogin => "clientLogin",
            Endpoint::StartOscarSession => "startOSCARSession",
            Endpoint::StartSession => "startSession",
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
        (403, _) => "forbidden (Open OSCAR Server: the developer key k is not registered)",
        (400 | 460 | 462, _) => "missing or unusable parameter",
        _ => "unknown code",
    }
}
