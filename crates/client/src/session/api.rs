//! The two enums through which every front end talks to a session.
//!
//! A front end sends [`Command`]s and receives [`Event`]s over channels; it never touches bytes.

use std::time::SystemTime;

use crate::oscar::codes::{AuthErrorCode, FeedbagResult, MissedCallReason, RateChangeCode};
pub use crate::oscar::feedbag::PrivacyMode;
pub use crate::oscar::icq::{IcqUser, SearchQuery};
pub use crate::oscar::userinfo::IcqStatus;
use crate::oscar::SnacError;
use crate::screenname::ScreenName;

use super::feedbag::FeedbagError;
use super::login::AddressError;
use crate::tls::{FirstUse, TlsConfigError, TlsProblem};

/// Identifies one outgoing IM from the moment it is queued until it is acknowledged or fails,
/// so a front end can mark exactly that message (assigned by the caller, unique per session).
pub type MessageId = u64;

/// What a front end asks the session to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Send an instant message (plain text; the session turns it into safe HTML). A message
    /// longer than the server's limit goes out as several IMs, in order; its events still
    /// name the one id ([`Event::ImAcked`] once every part is acknowledged).
    SendIm {
        /// Caller-chosen id echoed in [`Event::ImQueued`], [`Event::ImSent`],
        /// [`Event::ImAcked`] and [`Event::ImFailed`].
        id: MessageId,
        /// Recipient.
        to: ScreenName,
        /// Plain text; may contain newlines and any Unicode.
        text: String,
    },
    /// Tell a buddy we are typing, paused, or done.
    Typing {
        /// Who we are typing to.
        to: ScreenName,
        /// The new typing state.
        state: TypingState,
    },
    /// Go away with a message (`Some`), or come back (`None`).
    SetAway(Option<String>),
    /// Set our profile, the text others see when they ask for our info (02/04 TLV 0x01/0x02,
    /// §9.1); kept across reconnects. An empty text clears it.
    SetProfile(String),
    /// Set our ICQ status (01/1E, §9.3); kept across reconnects. Servers that honour it show
    /// it to ICQ peers, and Open OSCAR Server hides an invisible user from everyone.
    SetStatus(IcqStatus),
    /// Add a buddy to a group, creating the group if it does not exist.
    AddBuddy {
        /// The buddy to add.
        name: ScreenName,
        /// The group to add it to.
        group: String,
    },
    /// Remove a buddy from every group it is in.
    RemoveBuddy {
        /// The buddy to remove.
        name: ScreenName,
    },
    /// Create an empty group at the end of the list.
    AddGroup {
        /// The group's name.
        name: String,
    },
    /// Remove a group and every buddy in it.
    RemoveGroup {
        /// The group's name.
        name: String,
    },
    /// Ask the server for a user's profile and away message.
    GetInfo {
        /// Whose information to fetch.
        name: ScreenName,
    },
    /// The user did something (a key press): clears reported idle time (01/11), and restarts
    /// the count toward reporting it. Sending an IM counts too.
    Activity,
    /// Watch the presence of someone not on the buddy list (a temporary buddy, 03/0F), so a
    /// chat with them can show it: [`Event::Presence`] follows as for buddies. Sending an IM
    /// to someone, or receiving one, watches them too.
    WatchPresence {
        /// Whom to watch.
        name: ScreenName,
    },
    /// Join (or create) the chat room with this name (§13): public rooms first, else a room of
    /// exchange 4 by that name.
    JoinRoom {
        /// The room's name.
        name: String,
    },
    /// Join the room an invitation names (one round trip after the redirect: its reference is
    /// known).
    AcceptInvitation(RoomInvitation),
    /// Decline an invitation (a rendezvous cancel to the inviter).
    DeclineInvitation(RoomInvitation),
    /// Leave a room.
    LeaveRoom {
        /// The room's name, any case.
        room: String,
    },
    /// Say something in a room (plain text).
    SendRoom {
        /// The room's name, any case.
        room: String,
        /// Plain text.
        text: String,
    },
    /// Invite someone to a room we are in.
    Invite {
        /// The room's name, any case.
        room: String,
        /// Who to invite.
        to: ScreenName,
        /// An optional message.
        message: Option<String>,
    },
    /// Set (or with `None` clear) your own buddy icon: image bytes already prepared to fit the
    /// server's limit (see Event::IconLimit); uploaded through BART (10/02) and referenced in
    /// the feedbag (class 0x14).
    SetIcon(Option<bytes::Bytes>),
    /// Ask a contact for authorization to add them (13/18, §6.4), with a message: a front end
    /// sends it on [`AuthNotice::Needed`], or to ask again.
    RequestAuthorization {
        /// The contact.
        name: ScreenName,
        /// What they see with the request.
        message: String,
    },
    /// Grant (`granted`) or deny a contact's authorization request (13/1A). Granting someone
    /// who has not asked lets them add us later without asking (pre-authorization, 13/14).
    Authorize {
        /// Who asked.
        name: ScreenName,
        /// Grant or deny.
        granted: bool,
        /// A reason shown to them (may be empty).
        reason: String,
    },
    /// Ask the ICQ directory about a UIN (15/02, §10.1): full information, or short.
    /// [`Command::GetInfo`] for a UIN asks for the full information as well.
    IcqInfo {
        /// The UIN.
        uin: u32,
        /// Full (basic information and notes) or short (names, e-mail, authorization).
        full: bool,
    },
    /// Search the ICQ directory (15/02); answered by [`Event::SearchResults`].
    Search(SearchQuery),
    /// Block someone: a deny item in the server-stored list (§6.4). In allow-all mode the
    /// mode becomes block-list (so every server enforces it); in allow-list mode they also
    /// leave the allow list.
    Block {
        /// Who.
        name: ScreenName,
    },
    /// Unblock someone: their deny item goes; in allow-list mode they join the allow list.
    Unblock {
        /// Who.
        name: ScreenName,
    },
    /// Set the privacy mode (the list's privacy-settings item).
    SetPrivacy(PrivacyMode),
    /// Warn someone who IMed us in the last hour (04/08); refused locally otherwise, as
    /// servers refuse it.
    Warn {
        /// Who.
        name: ScreenName,
        /// An anonymous warning weighs less and does not name us.
        anonymous: bool,
    },
    /// Sign off cleanly and end the session.
    SignOff,
}

/// Our privacy settings as the server-stored list holds them (§6.4).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Privacy {
    /// Who may see and reach us.
    pub mode: PrivacyMode,
    /// The allow (permit) list, in stored order.
    pub allowed: Vec<ScreenName>,
    /// The block (deny) list, in stored order.
    pub blocked: Vec<ScreenName>,
}

/// Why a warning was not applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WarnFailure {
    /// They have not IMed us in the last hour; nothing was sent (servers refuse it).
    NoRecentIm,
    /// The server says they are not online (also what it says when privacy stands between us).
    Offline,
    /// The server refused: warned too often for the IMs they sent, a bot, already at 100 %.
    Refused,
    /// Any other error the server answered with.
    Server(SnacError),
}

/// An invitation to a chat room, as received (ICBM channel 2, §13.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomInvitation {
    /// Who invited us.
    pub from: ScreenName,
    /// The room's name, read from its reference (`4-0-Name` → `Name`).
    pub room: String,
    /// The room reference to join.
    pub reference: crate::oscar::chat::RoomRef,
    /// The inviter's message, plain text (not yet sanitized for a terminal).
    pub message: Option<String>,
    /// The invitation's cookie (a decline names it).
    pub cookie: [u8; 8],
}

/// Something that happened in a chat room. Names and texts come from peers: renderers must
/// neutralize them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoomEvent {
    /// We are in the room; these are everyone present, ourselves included.
    Joined {
        /// The room.
        room: String,
        /// Who is there.
        occupants: Vec<ScreenName>,
    },
    /// People came in.
    OccupantsJoined {
        /// The room.
        room: String,
        /// Who.
        names: Vec<ScreenName>,
    },
    /// People left.
    OccupantsLeft {
        /// The room.
        room: String,
        /// Who.
        names: Vec<ScreenName>,
    },
    /// Someone said something (plain text: HTML removed, not yet sanitized).
    Message {
        /// The room.
        room: String,
        /// Who said it.
        from: ScreenName,
        /// What.
        text: String,
    },
    /// Someone invited us to a room.
    Invitation(RoomInvitation),
    /// The room connection dropped; we are joining again.
    Rejoining {
        /// The room.
        room: String,
    },
    /// We left the room (asked for, or the session ended).
    Left {
        /// The room.
        room: String,
    },
    /// Joining failed; the server's error code when it gave one (0x14 no such room, 0x15 full).
    JoinFailed {
        /// The room as asked for.
        room: String,
        /// The server's code, if any.
        code: Option<u16>,
    },
    /// Our message was written to the room connection. Rooms have no per-message
    /// acknowledgement (§13.3): this is as far as the protocol lets us know.
    Sent {
        /// The room.
        room: String,
    },
    /// Our message could not be sent (too long for one room message).
    NotSent {
        /// The room.
        room: String,
    },
    /// A room command named a room we are not in.
    NotInRoom {
        /// The room as named.
        room: String,
    },
}

/// A typing notification state (ICBM 04/14 event codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TypingState {
    /// Stopped typing and cleared the input (0x0000).
    Finished,
    /// Typed something, then paused (0x0001).
    Paused,
    /// Typing right now (0x0002).
    Typing,
}

/// Steps of a sign-on, reported as they happen so a status bar can show progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignOnStep {
    /// Talking to the HTTP or BUCP login service.
    Authenticating,
    /// TCP (and TLS) connection to the BOS host.
    ConnectingBos,
    /// Versions, rate classes and rights are being exchanged.
    Negotiating,
    /// Waiting for the server-stored buddy list.
    LoadingBuddyList,
}

/// Where a buddy stands right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Availability {
    /// Signed on and active.
    Online,
    /// Signed on, idle for some minutes.
    Idle,
    /// Signed on with an away message.
    Away,
    /// Not signed on.
    Offline,
}

/// A buddy's presence as last reported by the server.
#[derive(Debug, Clone, PartialEq)]
pub struct Presence {
    /// Whose presence this is, in the server's display form.
    pub name: ScreenName,
    /// Online, idle, away or offline.
    pub availability: Availability,
    /// Minutes idle, when the server says so.
    pub idle_minutes: Option<u16>,
    /// When the buddy signed on.
    pub signed_on_at: Option<SystemTime>,
    /// Warning level in percent (0–100).
    pub warning_percent: u16,
    /// The buddy's away message, once fetched (plain text, not yet sanitized for display).
    pub away_message: Option<String>,
    /// The ICQ status from user-info TLV 0x0006, when the server sends one (`None` when
    /// offline or when the server has no such TLV).
    pub status: Option<IcqStatus>,
}

/// One buddy in the server-stored list.
#[derive(Debug, Clone, PartialEq)]
pub struct Buddy {
    /// The buddy's screen name.
    pub name: ScreenName,
    /// Alias stored in the feedbag, if any.
    pub alias: Option<String>,
    /// Added, but the contact has not authorized us yet (feedbag attribute 0x0066, §6.4): the
    /// server shows no presence until they do.
    pub awaiting_auth: bool,
}

/// A group of buddies, in the order the feedbag lists them.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Group name as stored.
    pub name: String,
    /// Buddies in display order.
    pub buddies: Vec<Buddy>,
}

/// The whole server-stored buddy list, groups in order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BuddyList {
    /// Groups in display order.
    pub groups: Vec<Group>,
}

/// An instant message that arrived.
#[derive(Debug, Clone, PartialEq)]
pub struct IncomingIm {
    /// Sender.
    pub from: ScreenName,
    /// Plain text: HTML removed, entities decoded, `<br>` as newline. Not yet sanitized for a
    /// terminal: renderers must neutralize it.
    pub text: String,
    /// When it was sent (the server's original time for offline messages), else arrival.
    pub time: SystemTime,
    /// The sender's client answered automatically (an away reply).
    pub auto_response: bool,
    /// Stored by the server while we were offline.
    pub offline: bool,
}

/// A user's information, as answered by a locate query.
#[derive(Debug, Clone, PartialEq)]
pub struct UserInfo {
    /// Whose information this is.
    pub name: ScreenName,
    /// Profile as plain text, if set.
    pub profile: Option<String>,
    /// Away message as plain text, if away.
    pub away_message: Option<String>,
    /// Minutes idle, if idle.
    pub idle_minutes: Option<u16>,
    /// When the user signed on, if online.
    pub signed_on_at: Option<SystemTime>,
    /// Warning level in percent.
    pub warning_percent: u16,
}

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

/// Something about ICQ authorization (§6.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthNotice {
    /// Adding this contact needs their authorization: the session put them on the list as
    /// awaiting it; send [`Command::RequestAuthorization`] to ask.
    Needed {
        /// The contact.
        name: ScreenName,
    },
    /// Someone asks for our authorization to add us (13/19); answer with
    /// [`Command::Authorize`].
    Requested {
        /// Who asks.
        from: ScreenName,
        /// Their message (the peer's text: sanitize before showing).
        message: String,
    },
    /// A contact answered our request (13/1B).
    Answered {
        /// The contact.
        from: ScreenName,
        /// Whether they granted it.
        granted: bool,
        /// Their reason (the peer's text).
        reason: String,
    },
    /// A contact authorized us before we asked (13/15): we may add them without asking.
    PreAuthorized {
        /// The contact.
        from: ScreenName,
        /// Their message (the peer's text).
        message: String,
    },
    /// Someone added us to their list (13/1C).
    AddedYou {
        /// Who.
        from: ScreenName,
    },
}

/// What a session tells its front end.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A sign-on step started.
    SignOnProgress(SignOnStep),
    /// Signed on and ready; the name is the server's display form of our own screen name.
    SignedOn {
        /// Our screen name as the server formats it.
        screen_name: ScreenName,
    },
    /// The full buddy list, sent at sign-on and after every change.
    BuddyList(BuddyList),
    /// A buddy's presence changed.
    Presence(Presence),
    /// An IM arrived.
    ImReceived(IncomingIm),
    /// A buddy's typing state changed.
    Typing {
        /// Who is typing.
        from: ScreenName,
        /// Their state.
        state: TypingState,
    },
    /// The IM is waiting for the rate limiter.
    ImQueued {
        /// The caller's id.
        id: MessageId,
    },
    /// The IM was written to the server.
    ImSent {
        /// The caller's id.
        id: MessageId,
    },
    /// The server acknowledged the IM, and whether it reached the recipient or was stored.
    ImAcked {
        /// The caller's id.
        id: MessageId,
        /// Delivered to an online recipient, or stored for when they sign on.
        delivery: Delivery,
    },
    /// The IM failed; it will not be retried by the session.
    ImFailed {
        /// The caller's id.
        id: MessageId,
        /// Why.
        reason: ImFailure,
    },
    /// The server's limit for one IM (04/05), in bytes of encoded message data: a front end
    /// can show how close the input is to it (longer messages are split, see
    /// [`crate::session::split`]).
    ImLimit {
        /// Bytes of message data one IM may carry.
        max_bytes: usize,
    },
    /// Answer to [`Command::GetInfo`].
    UserInfo(UserInfo),
    /// Our own away state as the server now has it.
    AwayChanged(Option<String>),
    /// Our ICQ status as the server confirmed it in its 01/0F answer to our 01/1E.
    StatusChanged(IcqStatus),
    /// A buddy-list change was refused, by the server or already by our copy of the list.
    BuddyListError(BuddyListError),
    /// The server says we are sending too fast (01/0A warning or limit).
    RateWarning(RateNotice),
    /// Someone warned us (01/10).
    Warned {
        /// Our warning level now, in percent.
        level_percent: u16,
        /// Who warned us; `None` for an anonymous warning.
        by: Option<ScreenName>,
    },
    /// Our warning level as the server reports it in our own user info (01/0F), when it
    /// differs from what we last heard (it decays over time).
    WarningLevel {
        /// In percent.
        level_percent: u16,
    },
    /// Our warning of someone was applied (04/09).
    WarnApplied {
        /// Who was warned.
        name: ScreenName,
        /// Whether it was anonymous.
        anonymous: bool,
        /// What it added, in percent.
        delta_percent: u16,
        /// Their level now, in percent.
        level_percent: u16,
    },
    /// Our warning of someone was not applied.
    WarnFailed {
        /// Who.
        name: ScreenName,
        /// Why.
        reason: WarnFailure,
    },
    /// Our privacy settings, at sign-on when not the default and after every change.
    Privacy(Privacy),
    /// The server dropped IMs to us before they arrived (04/0A), one event per sender.
    MissedIms {
        /// The sender.
        from: ScreenName,
        /// How many were dropped.
        count: u16,
        /// Why, as the server coded it.
        reason: MissedCallReason,
    },
    /// A [`Command::GetInfo`] was answered with an error SNAC.
    InfoUnavailable {
        /// Whose information was asked for.
        name: ScreenName,
        /// The server's error, with its code and subcode.
        error: SnacError,
    },
    /// The server's message of the day, as plain text (the server's words, not ours).
    Motd(String),
    /// Trust on first use: a server's certificate was seen for the first time and stored; its
    /// fingerprint is shown so the user can compare it with the server's own.
    CertificateTrusted(FirstUse),
    /// Connection lost; retrying after the given delay.
    Reconnecting {
        /// Attempt number, from 1.
        attempt: u32,
        /// How long until the next attempt.
        delay: std::time::Duration,
        /// What went wrong.
        reason: DisconnectReason,
    },
    /// Something happened in a chat room.
    Room(RoomEvent),
    /// A buddy's icon, from the disk cache or freshly downloaded (BART 10/05 or 10/07). `hash`
    /// is the BART hash from user info TLV 0x1D; `data` is the raw image file as the owner uploaded it.
    BuddyIcon {
        /// Whose icon.
        name: ScreenName,
        /// The BART hash (the MD5 of `data`).
        hash: bytes::Bytes,
        /// The image file.
        data: bytes::Bytes,
    },
    /// The most bytes the server accepts for your own icon (learned at sign-on).
    IconLimit {
        /// The limit.
        max_bytes: usize,
    },
    /// The outcome of a SetIcon.
    IconSet(Result<(), IconFailure>),
    /// ICQ authorization: needed, requested of us, answered, or we were added.
    Authorization(AuthNotice),
    /// The ICQ directory's answer to [`Command::IcqInfo`] (or [`Command::GetInfo`] for a UIN).
    IcqInfo {
        /// The UIN asked about.
        uin: u32,
        /// What the directory holds; `None` when it knows no such UIN.
        user: Option<IcqUser>,
        /// The notes ("about"), with full information.
        notes: Option<String>,
    },
    /// The ICQ directory's answer to [`Command::Search`].
    SearchResults {
        /// The query.
        query: SearchQuery,
        /// The users found, in the server's order (peer-supplied text: sanitize to show).
        users: Vec<IcqUser>,
        /// How many more matched than the server sent.
        more: u32,
        /// Whether the search failed (rather than found nothing).
        failed: bool,
    },
    /// The session is over; no more events follow.
    Disconnected(DisconnectReason),
}

/// The front end's end of a running session: commands go in, events come out.
///
/// Dropping `commands` signs the session off; `events` ends after [`Event::Disconnected`].
#[derive(Debug)]
pub struct SessionHandle {
    /// Where to send commands.
    pub commands: tokio::sync::mpsc::UnboundedSender<Command>,
    /// Where events arrive, in order.
    pub events: tokio::sync::mpsc::UnboundedReceiver<Event>,
}
