//! What became of what the front end asked for: IM delivery and failures, why a session
//! ended, buddy-list and icon failures. Part of the session's API (re-exported there).

use crate::oscar::codes::{AuthErrorCode, FeedbagResult, RateChangeCode};
use crate::oscar::SnacError;
use crate::screenname::ScreenName;
use crate::tls::{TlsConfigError, TlsProblem};

use super::api::PrivacyMode;
use super::feedbag::FeedbagError;
use super::login::AddressError;

/// What became of an IM the server acknowledged (04/0C does not say, so the session learns
/// it from the buddy list or from a locate query sent in the same flight as the IM).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Delivery {
    /// The recipient was online: the server relayed it to them.
    Online,
    /// The recipient was offline: the server stored it for when they sign on.
    StoredOffline,
    /// The server accepted it, but whether the recipient was online could not be learned (the
    /// locate query failed, or its answer was lost with the connection).
    Accepted,
}

/// Why a message could not be delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImFailure {
    /// The recipient is not signed on and the server would not store it.
    RecipientOffline,
    /// The recipient is not signed on and their offline inbox is full (04/01 code 0x04 with
    /// subcode 0x000F, as Open OSCAR Server answers; docs/protocol.md §7.4).
    OfflineInboxFull,
    /// The recipient blocked us or refused the message.
    Refused,
    /// The server's rate limit rejected it.
    RateLimited,
    /// The message is larger than the server allows.
    TooLarge,
    /// The connection dropped before the server acknowledged it, and the one resend after the
    /// reconnect was not acknowledged either (or the session ended). Not confirmed: the server
    /// may have relayed it before the drop, so it may have been delivered.
    ConnectionLost,
    /// The session ended before the IM was ever written to a server (the connection or the
    /// sign-on failed): it certainly was not delivered. The session's final
    /// [`Event::Disconnected`] says why.
    NotSent,
    /// Any other server error, with its ICBM error code.
    Server(u16),
    /// The message went out as several IMs (it was longer than the server's limit) and these
    /// parts failed; the others were acknowledged.
    Parts {
        /// How many IMs the message was split into.
        parts: usize,
        /// The parts that failed, in order, each with its reason.
        failed: Vec<PartFailure>,
    },
}

/// One failed part of a message sent as several IMs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartFailure {
    /// Its place in the message, from 1.
    pub part: usize,
    /// Why it failed (never [`ImFailure::Parts`] itself).
    pub reason: ImFailure,
}

/// Why a session ended or a connection was lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DisconnectReason {
    /// We signed off.
    SignedOff,
    /// The same account signed on somewhere else (channel-4 code 1).
    SignedOnElsewhere,
    /// The account was deleted (channel-4 code 2).
    AccountDeleted,
    /// The server closed the connection with some other channel-4 code.
    ServerClosed(Option<u16>),
    /// The rate limiter kicked us.
    RateLimited,
    /// The network failed or the server sent something unparseable.
    Network(NetworkError),
    /// Signing on was refused (bad password, expired token, nothing to sign on with, …).
    AuthFailed(SignOnFailure),
}

/// What went wrong below the session, so a front end can word it and `--trace` can show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetworkError {
    /// The TCP connect did not finish within the connect timeout.
    ConnectTimeout {
        /// The host we dialled.
        host: String,
        /// The port we dialled.
        port: u16,
    },
    /// The TCP connect failed.
    Connect {
        /// The host we dialled.
        host: String,
        /// The port we dialled.
        port: u16,
        /// The operating system's description of the failure.
        detail: String,
    },
    /// The BUCP login exchange did not finish within the connect timeout.
    BucpTimeout {
        /// The login server's address.
        addr: String,
    },
    /// Reading or writing the BUCP login connection failed (the codec's description).
    Bucp(String),
    /// The login server hung up before it answered.
    LoginServerClosed,
    /// An address from the configuration or the login server is unusable.
    BadAddress(AddressError),
    /// The TLS settings cannot be used.
    TlsConfig(TlsConfigError),
    /// The name to verify the server's certificate against is not a valid server name.
    BadTlsName {
        /// The name.
        name: String,
        /// rustls's description.
        detail: String,
    },
    /// The TLS handshake did not finish within the connect timeout.
    TlsTimeout,
    /// The server's certificate was refused; nothing was sent to it.
    TlsRefused {
        /// `host:port` we dialled.
        address: String,
        /// What was wrong, in terms the user can act on (boxed: it is large and rare).
        problem: Box<TlsProblem>,
    },
    /// TLS was asked for, but the login answer names a plain BOS and no TLS BOS address is
    /// configured; the cookie was not presented.
    PlainBosRefused {
        /// The plain `host:port` the server named.
        address: String,
    },
    /// The TLS handshake failed.
    Tls {
        /// The name the certificate was checked against.
        name: String,
        /// rustls's description.
        detail: String,
    },
    /// Any other transport failure, as the library that raised it describes it.
    Transport(String),
    /// The server closed the BOS connection without a channel-4 reason.
    ConnectionClosed,
    /// The server did not finish the sign-on in time.
    SignOnTimeout,
    /// The server sent a frame on the FLAP error channel (0x03).
    FlapError,
    /// The BOS login cookie could not be put into a hello (the encoder's description).
    BadCookie(String),
    /// The session task ended without saying why.
    SessionEnded,
    /// A reply the server sent in several parts ran past what the client accumulates.
    ReplyTooLarge {
        /// What the reply was (`"buddy list"`).
        what: &'static str,
        /// The most items accepted.
        limit: usize,
    },
}

/// Why signing on was refused, with the server's own code where it sent one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignOnFailure {
    /// The HTTP sign-on service refused; the auth layer's sentence, which carries the server's
    /// statusCode/statusDetailCode.
    Http(String),
    /// The HTTP sign-on service said the password is wrong (§4.2 status 330); the auth
    /// layer's sentence. A front end can ask for the password again.
    PasswordRefused(String),
    /// The BUCP login server (17/03 TLV 0x08) or BOS (channel-4) refused with this code.
    Code(AuthErrorCode),
    /// The BUCP login server answered our request with an error SNAC.
    BucpRefused(SnacError),
    /// BUCP sign-on was chosen but no password was given.
    BucpNeedsPassword,
    /// No usable sign-on token is stored and no password was given.
    NoCredentials,
}

impl SignOnFailure {
    /// True when another password could succeed: the server said the password (or screen
    /// name and password) is wrong, or none was there to send. A front end asks again then,
    /// instead of giving up.
    pub fn needs_password(&self) -> bool {
        match self {
            SignOnFailure::PasswordRefused(_)
            | SignOnFailure::BucpNeedsPassword
            | SignOnFailure::NoCredentials => true,
            SignOnFailure::Code(code) => matches!(
                code,
                AuthErrorCode::InvalidCredentials
                    | AuthErrorCode::IncorrectPassword
                    | AuthErrorCode::MismatchedPassword
            ),
            SignOnFailure::Http(_) | SignOnFailure::BucpRefused(_) => false,
        }
    }
}

/// A rate class changed to a state the user should know about (01/0A).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateNotice {
    /// The rate class the notice is about.
    pub class: u16,
    /// What changed, as the server coded it.
    pub code: RateChangeCode,
}

/// A buddy-list change the user asked for, so a failure can say which one failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedbagAction {
    /// [`Command::AddBuddy`].
    AddBuddy {
        /// The buddy.
        name: ScreenName,
        /// The group.
        group: String,
    },
    /// [`Command::RemoveBuddy`].
    RemoveBuddy {
        /// The buddy.
        name: ScreenName,
    },
    /// [`Command::AddGroup`].
    AddGroup {
        /// The group.
        name: String,
    },
    /// [`Command::RemoveGroup`].
    RemoveGroup {
        /// The group.
        name: String,
    },
    /// [`Command::Block`].
    Block {
        /// Who.
        name: ScreenName,
    },
    /// [`Command::Unblock`].
    Unblock {
        /// Who.
        name: ScreenName,
    },
    /// [`Command::SetPrivacy`].
    SetPrivacy(PrivacyMode),
}

/// Why a buddy-list change did not happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedbagFailure {
    /// The change made no sense against our copy of the list; nothing was sent.
    Planned(FeedbagError),
    /// The server refused items of the transaction (13/0E); only the failed results are kept.
    Refused(Vec<FeedbagResult>),
    /// The server answered with an error SNAC (13/01).
    Error(SnacError),
}

/// Why a [`Command::SetIcon`] did not take effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IconFailure {
    /// The image is larger than the server accepts.
    TooLarge {
        /// The limit.
        max_bytes: usize,
    },
    /// The server refused the upload (10/03's code) or the feedbag change (13/0E's code).
    Refused(u16),
    /// No BART service, or the connection was lost before the server answered.
    NotSent,
}

/// A buddy-list change was refused: which change, and the server's (or our) reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuddyListError {
    /// The change that failed.
    pub action: FeedbagAction,
    /// Why.
    pub failure: FeedbagFailure,
}
