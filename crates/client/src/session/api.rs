//! The two enums through which every front end talks to a session.
//!
//! A front end sends [`Command`]s and receives [`Event`]s over channels; it never touches bytes.

use std::time::SystemTime;

use crate::oscar::codes::MissedCallReason;
pub use crate::oscar::feedbag::PrivacyMode;
pub use crate::oscar::icq::{IcqUser, SearchQuery};
pub use crate::oscar::odir::{DirectoryQuery, DirectoryUser, Keyword};
pub use crate::oscar::userinfo::IcqStatus;
use crate::oscar::SnacError;
use crate::screenname::ScreenName;

use crate::tls::FirstUse;

pub use super::outcome::*;

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
    /// Search the AIM directory (0F/02 on a directory service connection, §16); answered by
    /// [`Event::DirectoryResults`].
    SearchDirectory(DirectoryQuery),
    /// Ask the AIM directory for the interest keywords it knows (0F/04); answered by
    /// [`Event::DirectoryKeywords`].
    DirectoryKeywords,
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
    /// The AIM directory's answer to [`Command::SearchDirectory`].
    DirectoryResults {
        /// The query.
        query: DirectoryQuery,
        /// What the answer came to.
        outcome: DirectoryOutcome,
        /// The people found, in the server's order (peer-supplied text: sanitize to show).
        users: Vec<DirectoryUser>,
    },
    /// The AIM directory's answer to [`Command::DirectoryKeywords`].
    DirectoryKeywords {
        /// What the answer came to (`Found` when the list arrived).
        outcome: DirectoryOutcome,
        /// Categories and keywords in the server's order (peer-supplied text: sanitize to
        /// show).
        keywords: Vec<Keyword>,
    },
    /// The session is over; no more events follow.
    Disconnected(DisconnectReason),
}

/// What an AIM directory search came to (§16).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirectoryOutcome {
    /// The search ran; `users` is everyone found (possibly no one).
    Found,
    /// More matched than the server lists: `users` is the first of them; narrow the search.
    TooMany,
    /// A name search needs a first or a last name.
    NameMissing,
    /// The server runs a directory but said it is unavailable now (0F/03 status 1 or 2).
    Unavailable,
    /// The server has no directory (it refused the 01/04 for family 0x0F).
    NoDirectory,
    /// The search was not answered: the connection went away, the server answered with an
    /// error, an unknown status, or a reply that does not decode.
    Failed,
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
