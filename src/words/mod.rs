//! Every sentence flapjack shows a person about the session, in one place.
//!
//! The session (`flapjack-client`) emits typed events and errors that keep the server's codes;
//! the TUI, `--send`, `--listen` and the command line turn them into words here, so the same
//! failure reads the same everywhere. Each function returns one line with everything a peer or
//! the server controls neutralized, ready for a status bar or stderr.
//!
//! The per-code descriptions (`SnacErrorCode`, `FeedbagResult`, …) stay beside the codes in
//! `flapjack_proto::oscar::codes`, and the HTTP sign-on's sentences beside its status codes in
//! `flapjack_client::auth::AuthError`; this module picks them up from there.

use std::time::Duration;

use crate::oscar::codes::MissedCallReason;
use crate::oscar::SnacError;
use crate::screenname::ScreenName;
use crate::session::{
    AuthNotice, BuddyListError, DisconnectReason, FeedbagAction, FeedbagError, FeedbagFailure,
    IcqStatus, ImFailure, NetworkError, Privacy, PrivacyMode, RateNotice, RoomInvitation,
    SearchQuery, SignOnFailure, WarnFailure,
};
use crate::text::neutralize_line;
use crate::tls::{FirstUse, TlsProblem};

mod cli;
mod directory;
mod rooms;
mod social;
pub use cli::*;
pub use directory::*;
pub use rooms::*;
pub use social::*;

/// Makes a finished sentence safe for one terminal row.
fn line(text: String) -> String {
    match neutralize_line(&text) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(clean) => clean,
    }
}

// ----- ICQ status -------------------------------------------------------------------------

/// An ICQ status as people read it in the buddy list, a chat's title and the status bar.
pub fn status_label(status: IcqStatus) -> &'static str {
    match status {
        IcqStatus::Online => "online",
        IcqStatus::Away => "away",
        IcqStatus::NotAvailable => "N/A",
        IcqStatus::Occupied => "occupied",
        IcqStatus::DoNotDisturb => "do not disturb",
        IcqStatus::FreeForChat => "free for chat",
        IcqStatus::Invisible => "invisible",
    }
}

/// The server confirmed the status we asked for.
pub fn status_changed(status: IcqStatus) -> String {
    format!("status set: {}", status_label(status))
}

/// The statuses `/status` takes, for its usage line.
pub fn status_names() -> String {
    IcqStatus::ALL.iter().map(|s| s.name()).collect::<Vec<_>>().join("|")
}

// ----- the buddy list ---------------------------------------------------------------------

/// A buddy-list change in progress ("adding bob to Buddies"), shown while the server works on
/// it and at the head of its failure.
pub fn feedbag_action(action: &FeedbagAction) -> String {
    line(match action {
        FeedbagAction::AddBuddy { name, group } => format!("adding {} to {group}", name.as_str()),
        FeedbagAction::RemoveBuddy { name } => format!("removing {}", name.as_str()),
        FeedbagAction::AddGroup { name } => format!("adding the group {name}"),
        FeedbagAction::RemoveGroup { name } => format!("removing the group {name}"),
        FeedbagAction::Block { name } => format!("blocking {}", name.as_str()),
        FeedbagAction::Unblock { name } => format!("unblocking {}", name.as_str()),
        FeedbagAction::SetPrivacy(mode) => format!("setting privacy to {}", privacy_name(*mode)),
    })
}

/// The line shown when the keyring cannot be used for signing on (nothing for a failed task,
/// which has nothing useful to say).
pub fn keyring_note(error: &crate::cli::tokens::TokenStoreError) -> Option<String> {
    use crate::cli::tokens::TokenStoreError;
    use crate::credentials::CredentialError;
    match error {
        TokenStoreError::Credential(CredentialError::Unavailable(why)) => Some(format!(
            "note: no keyring available ({}); signing on without keeping a long-term token",
            neutralize_line(why)
        )),
        TokenStoreError::Credential(e) => {
            Some(format!("note: {e}; signing on without the keyring"))
        }
        TokenStoreError::Task(_) | TokenStoreError::Serialize(_) => None,
    }
}

/// After `/remove`: the buddy's group is empty now and stays (as in Pidgin).
pub fn group_left_empty(group: &str) -> String {
    line(format!("{group} is empty now (/rmgroup {group} removes it)"))
}

/// `/rmgroup` named a group that is not on the list.
pub fn no_such_group(group: &str) -> String {
    line(format!("no group named {group}"))
}

/// `/rmgroup` named a group that still has buddies.
pub fn group_not_empty(group: &str, buddies: usize) -> String {
    let what = if buddies == 1 { "buddy" } else { "buddies" };
    line(format!("{group} still has {buddies} {what}: /remove them first"))
}

/// `/profile TEXT` went out (the server does not confirm a profile).
pub fn profile_sent() -> &'static str {
    "profile sent to the server (/profile alone shows it)"
}

/// Why a buddy-list change made no sense against the list as we have it.
pub fn feedbag_error(error: &FeedbagError) -> String {
    line(match error {
        FeedbagError::AlreadyInGroup { name, group } => {
            format!("{} is already in {group}", name.as_str())
        }
        FeedbagError::ListFull => "the buddy list is full".to_string(),
        FeedbagError::GroupExists { group } => format!("the group {group} already exists"),
        FeedbagError::NotOnList { name } => format!("{} is not on the buddy list", name.as_str()),
        FeedbagError::NoSuchGroup { group } => format!("no group named {group}"),
        FeedbagError::AlreadyBlocked { name } => format!("{} is already blocked", name.as_str()),
        FeedbagError::NotBlocked { name } => format!("{} is not blocked", name.as_str()),
    })
}

/// A refused buddy-list change: a local refusal says only why; a server refusal says which
/// change failed and the server's results or error, with their codes.
pub fn buddy_list_error(error: &BuddyListError) -> String {
    let action = feedbag_action(&error.action);
    line(match &error.failure {
        FeedbagFailure::Planned(e) => return feedbag_error(e),
        FeedbagFailure::Refused(results) => {
            let why: Vec<&str> = results.iter().map(|r| r.description()).collect();
            format!("{action} failed: {}", why.join(", "))
        }
        FeedbagFailure::Error(e) => format!("{action} failed: {e}"),
    })
}

// ----- what the server tells us -------------------------------------------------------------

/// The server says we are sending too fast (01/0A).
pub fn rate_warning(notice: &RateNotice) -> String {
    line(format!("the server says: {} (class {})", notice.code.description(), notice.class))
}

/// Someone warned us (01/10).
pub fn warned(level_percent: u16, by: Option<&ScreenName>) -> String {
    let by = by.map_or_else(|| "anonymously".to_string(), |n| format!("by {}", n.as_str()));
    line(format!("you were warned {by}; your warning level is now {level_percent}%"))
}

/// IMs the server dropped before they reached us (04/0A).
pub fn missed_ims(from: &ScreenName, count: u16, reason: MissedCallReason) -> String {
    line(format!(
        "{count} message(s) from {} were not delivered: {}",
        from.as_str(),
        reason.description()
    ))
}

/// A user-information query the server answered with an error.
pub fn info_unavailable(name: &ScreenName, error: &SnacError) -> String {
    line(format!("could not get information about {}: {error}", name.as_str()))
}

// ----- our messages -------------------------------------------------------------------------

/// Why a message to `peer` failed. A connection lost before the server's ack is "not
/// confirmed", not "not delivered": the server may have relayed it before the drop.
pub fn im_failure(reason: &ImFailure, peer: &str) -> String {
    line(im_failure_text(reason, peer))
}

fn im_failure_text(reason: &ImFailure, peer: &str) -> String {
    match reason {
        ImFailure::RecipientOffline => format!("not delivered: {peer} is offline"),
        ImFailure::OfflineInboxFull => {
            format!("not delivered: {peer} is offline and cannot take more offline messages")
        }
        ImFailure::Refused => format!("not delivered: {peer} refused the message"),
        ImFailure::RateLimited => "not delivered: sending too fast (rate limited)".to_string(),
        ImFailure::TooLarge => "not delivered: message too long".to_string(),
        ImFailure::ConnectionLost => "not confirmed: connection lost, it may have arrived".into(),
        ImFailure::NotSent => "not sent: the connection ended before it was written".into(),
        ImFailure::Server(code) => format!("not delivered: server error {code:#06x}"),
        ImFailure::Parts { parts, failed } => {
            let first = failed.first().map(|f| &f.reason);
            if failed.len() == *parts && failed.iter().all(|f| Some(&f.reason) == first) {
                let why = first.map_or_else(String::new, |r| im_failure_text(r, peer));
                return format!("sent as {parts} messages, none went through: {why}");
            }
            let each: Vec<String> = failed
                .iter()
                .map(|f| format!("part {} {}", f.part, im_failure_text(&f.reason, peer)))
                .collect();
            format!("sent as {parts} messages; {}", each.join("; "))
        }
    }
}

/// The input line's counter: bytes of the server's IM limit the message takes, and once over
/// it, how many IMs it will go out as (0: it cannot be split at all).
pub fn input_counter(size: usize, max: usize, parts: usize) -> String {
    match parts {
        0 => format!("{size}/{max} too long"),
        1 => format!("{size}/{max}"),
        n => format!("{size}/{max} · {n} IMs"),
    }
}

/// The status bar after a password was typed again.
pub fn signing_on_again() -> &'static str {
    "signing on again with the new password…"
}

/// The input line's prompt for the password after a refused sign-on (`account` neutralized).
pub fn password_again_prompt(account: &str) -> String {
    format!("password for {account}: ")
}

/// Under the refusal in the empty conversation pane: what to do now.
pub fn password_again_hint(enter: &str) -> String {
    format!("Type the password again and press {enter} to sign on; esc gives up.")
}

/// The rule above the first message that arrived while a chat was not being looked at.
pub fn new_messages() -> &'static str {
    "new messages"
}

/// A chat's header when nothing was heard of the person's presence: not a buddy, and no
/// arrival reported since the chat began watching them.
pub fn presence_not_seen() -> &'static str {
    "not seen online"
}

/// A quiet line in a chat: the buddy signed on.
pub fn presence_signed_on(name: &str) -> String {
    format!("{name} signed on")
}

/// A quiet line in a chat: the buddy signed off.
pub fn presence_signed_off(name: &str) -> String {
    format!("{name} signed off")
}

/// A quiet line in a chat: the buddy went away, with the away message once it is known
/// (`message` neutralized).
pub fn presence_away(name: &str, message: Option<&str>) -> String {
    match message.map(str::trim).filter(|m| !m.is_empty()) {
        Some(m) => format!("{name} is away: {m}"),
        None => format!("{name} is away"),
    }
}

/// A quiet line in a chat: the buddy came back from away.
pub fn presence_back(name: &str) -> String {
    format!("{name} is back")
}

/// The input line's prompt while Ctrl-R searches what was typed before (`query` neutralized).
pub fn history_search_prompt(query: &str, found: bool) -> String {
    if found || query.is_empty() {
        format!("history search '{query}': ")
    } else {
        format!("no earlier input has '{query}': ")
    }
}

/// The row under a failed message in a conversation: why, and the key that retries it.
pub fn failed_line(reason: &str, retry_key: &str) -> String {
    format!("✗ {reason} — {retry_key} retries")
}

/// The server stored a message to `peer` because they are offline (the ack alone does not say;
/// the buddy list or a locate query did).
pub fn im_stored(peer: &ScreenName) -> String {
    line(format!(
        "stored for offline delivery: {} is offline and gets it on signing on",
        peer.as_str()
    ))
}

/// The server accepted a message to `peer`, but whether they were online could not be learned.
pub fn im_accepted(peer: &ScreenName) -> String {
    line(format!(
        "accepted by the server, but whether {} is online is unknown: it may be stored for \
         offline delivery",
        peer.as_str()
    ))
}

// ----- the connection -----------------------------------------------------------------------

/// Why the session ended or the connection was lost.
pub fn disconnect(reason: &DisconnectReason) -> String {
    match reason {
        DisconnectReason::SignedOff => "signed off".to_string(),
        DisconnectReason::SignedOnElsewhere => "signed on from another location".to_string(),
        DisconnectReason::AccountDeleted => "the account was deleted".to_string(),
        DisconnectReason::ServerClosed(Some(code)) => {
            format!("the server closed the connection (code {code:#06x})")
        }
        DisconnectReason::ServerClosed(None) => "the server closed the connection".to_string(),
        DisconnectReason::RateLimited => "disconnected for sending too fast".to_string(),
        DisconnectReason::Network(error) => network_error(error),
        DisconnectReason::AuthFailed(failure) => {
            format!("sign-on failed: {}", sign_on_failure(failure))
        }
    }
}

/// What failed below the session.
pub fn network_error(error: &NetworkError) -> String {
    line(match error {
        NetworkError::ConnectTimeout { host, port } => {
            format!("connecting to {host}:{port} timed out")
        }
        NetworkError::Connect { host, port, detail } => {
            format!("cannot connect to {host}:{port}: {detail}")
        }
        NetworkError::BucpTimeout { addr } => format!("BUCP login at {addr} timed out"),
        NetworkError::Bucp(detail) => format!("BUCP login: {detail}"),
        NetworkError::LoginServerClosed => "the login server closed the connection".to_string(),
        NetworkError::BadAddress(e) => e.to_string(),
        NetworkError::TlsConfig(e) => e.to_string(),
        NetworkError::BadTlsName { name, detail } => format!("bad TLS name {name}: {detail}"),
        NetworkError::TlsTimeout => "TLS handshake timed out".to_string(),
        NetworkError::Tls { name, detail } => format!("TLS handshake with {name} failed: {detail}"),
        NetworkError::TlsRefused { address, problem } => tls_refused(address, problem),
        NetworkError::PlainBosRefused { address } => format!(
            "not signing on to BOS at {address} in clear: TLS was asked for, but the login server \
             named a plain BOS; the cookie was not sent. Set bos_tls = \"HOST:PORT\" in the \
             [[server]] (or pass --bos-tls HOST:PORT) to the TLS port in front of BOS, or \
             allow_plain_bos = true to accept the plain connection"
        ),
        NetworkError::Transport(detail) => detail.clone(),
        NetworkError::ConnectionClosed => "the server closed the connection".to_string(),
        NetworkError::SignOnTimeout => "the server did not finish the sign-on".to_string(),
        NetworkError::ReplyTooLarge { what, limit } => {
            format!("the server's {what} runs past {limit} items, more than flapjack accepts")
        }
        NetworkError::FlapError => "the server sent a FLAP error".to_string(),
        NetworkError::BadCookie(detail) => format!("bad login cookie: {detail}"),
        NetworkError::SessionEnded => "the session ended unexpectedly".to_string(),
    })
}

/// Why a server's TLS certificate was refused, and how to trust the server if it is the right
/// one. Nothing was sent to the server when this is shown.
pub fn tls_refused(address: &str, problem: &TlsProblem) -> String {
    let pin = |fp: &str| format!("--cert-sha256 {fp} (cert_sha256 in its [[server]])");
    line(match problem {
        TlsProblem::UnknownIssuer { fingerprint } => format!(
            "refused {address}: its TLS certificate is signed by an unknown authority; nothing \
             was sent. To trust the server, give its authority with --ca-file PEM (ca_file), or \
             after checking the fingerprint pin it: {}",
            pin(fingerprint)
        ),
        TlsProblem::SelfSigned { fingerprint } => format!(
            "refused {address}: its TLS certificate is self-signed (SHA-256 {fingerprint}); \
             nothing was sent. If that is the server's certificate, pin it: {}, or trust it on \
             first use: --trust-on-first-use (trust_on_first_use = true)",
            pin(fingerprint)
        ),
        TlsProblem::NameMismatch { expected, presented } => {
            let names =
                if presented.is_empty() { "other names".to_string() } else { presented.join(", ") };
            let expected = if expected.is_empty() { "the name dialled" } else { expected };
            format!(
                "refused {address}: its TLS certificate is for {names}, not {expected} (name \
                 mismatch); nothing was sent. Connect by a name the certificate is for, or pin \
                 the certificate with --cert-sha256 HEX (cert_sha256)"
            )
        }
        TlsProblem::Expired => format!(
            "refused {address}: its TLS certificate has expired; nothing was sent. The server's \
             certificate must be renewed, or pinned as it is with --cert-sha256 HEX (cert_sha256)"
        ),
        TlsProblem::NotYetValid => format!(
            "refused {address}: its TLS certificate is not valid yet (check this computer's \
             clock); nothing was sent"
        ),
        TlsProblem::WeakKey => format!(
            "refused {address}: its TLS certificate uses a weak or unsupported key or signature \
             (e.g. RSA under 2048 bits, SHA-1); nothing was sent. The server needs a new \
             certificate, or pin this one with --cert-sha256 HEX (cert_sha256)"
        ),
        TlsProblem::PinMismatch { expected, presented } => format!(
            "refused {address}: its TLS certificate (SHA-256 {presented}) is not the pinned one \
             ({expected}); nothing was sent. If the server's certificate changed on purpose, \
             update --cert-sha256 / cert_sha256"
        ),
        TlsProblem::KnownHostChanged { address, stored, presented, file } => format!(
            "WARNING: the TLS certificate of {address} HAS CHANGED since it was first trusted \
             (stored SHA-256 {stored}, now {presented}); refused, nothing was sent. Someone may \
             be intercepting the connection. If the change is expected, delete the line for \
             {address} from {}",
            file.display()
        ),
        TlsProblem::KnownHostsFile { file, detail } => format!(
            "refused {address}: cannot use the known-hosts file {}: {detail}",
            file.display()
        ),
        TlsProblem::Other(detail) => {
            format!("refused {address}: TLS certificate not accepted ({detail}); nothing was sent")
        }
    })
}

/// Trust on first use stored a server's certificate: show its fingerprint.
pub fn certificate_trusted(first: &FirstUse) -> String {
    line(format!(
        "trusting {} from now on (first use): certificate SHA-256 {}, stored in {}; compare it \
         with the one the server's admin publishes",
        first.address,
        first.fingerprint,
        first.file.display()
    ))
}

/// `flapjack serve` with a certificate: what clients can pin.
pub fn serving_tls(fingerprint: &str) -> String {
    format!("tls: BOS and BUCP, certificate SHA-256 {fingerprint} (clients: --cert-sha256)")
}

/// Why signing on was refused (after "sign-on failed: ").
pub fn sign_on_failure(failure: &SignOnFailure) -> String {
    line(match failure {
        SignOnFailure::Http(text) | SignOnFailure::PasswordRefused(text) => text.clone(),
        SignOnFailure::Code(code) => code.to_string(),
        SignOnFailure::BucpRefused(e) => format!("the login server refused the request: {e}"),
        SignOnFailure::BucpNeedsPassword => "BUCP sign-on needs the password".to_string(),
        SignOnFailure::NoCredentials => "no usable sign-on token is stored and no password was \
                                         given; sign in again with `flapjack login`"
            .to_string(),
    })
}

/// The status bar while a reconnect is pending.
pub fn reconnecting_status(attempt: u32, delay: Duration, reason: &DisconnectReason) -> String {
    format!("reconnecting (attempt {attempt}, in {}s): {}", delay.as_secs(), disconnect(reason))
}

/// The status bar once the session is over.
pub fn offline_status(reason: &DisconnectReason) -> String {
    format!("offline: {}", disconnect(reason))
}

// ----- the headless front ends and the command line -----------------------------------------

/// `--listen` on stderr once signed on.
pub fn listening_as(name: &ScreenName) -> String {
    line(format!("listening as {}", name.as_str()))
}

/// `--listen` on stderr when a sign-on starts.
pub fn signing_on() -> String {
    "signing on…".to_string()
}

/// `--listen` on stderr when the connection is lost and will be retried.
pub fn reconnecting_line(attempt: u32, delay: Duration, reason: &DisconnectReason) -> String {
    format!(
        "connection lost ({}); reconnecting in {:.1} s (attempt {attempt})",
        disconnect(reason),
        delay.as_secs_f64()
    )
}

/// `--send`: the session ended, for `reason`, before the server acknowledged the message.
pub fn ended_before_ack(reason: &DisconnectReason) -> String {
    match reason {
        DisconnectReason::AuthFailed(_) => disconnect(reason),
        other => {
            format!(
                "connection ended before the server acknowledged the message: {}",
                disconnect(other)
            )
        }
    }
}

/// `--send`: the session ended, for `reason`, before the message was written to any server: it
/// names the cause and does not hedge, since nothing can have been delivered.
pub fn not_sent(reason: &DisconnectReason) -> String {
    match reason {
        DisconnectReason::AuthFailed(_) => disconnect(reason),
        other => format!("not sent: {}", disconnect(other)),
    }
}

/// `--send`: no acknowledgement arrived in time.
pub fn send_timed_out(timeout: Duration) -> String {
    format!("no acknowledgement from the server within {} s", timeout.as_secs())
}

/// `--send`: the session stopped before it could take the message.
pub fn session_ended_at_once() -> String {
    "the session ended at once".to_string()
}

/// `--send`: the session's events stopped without a reason.
pub fn session_ended_unexpectedly() -> String {
    network_error(&NetworkError::SessionEnded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oscar::codes::{AuthErrorCode, FeedbagResult, RateChangeCode, SnacErrorCode};
    use crate::session::AddressError;

    fn sn(s: &str) -> ScreenName {
        ScreenName::from_wire(s)
    }

    #[test]
    fn buddy_list_changes_and_their_failures() {
        let add = FeedbagAction::AddBuddy { name: sn("bob"), group: "Buddies".into() };
        assert_eq!(feedbag_action(&add), "adding bob to Buddies");
        assert_eq!(feedbag_action(&FeedbagAction::RemoveBuddy { name: sn("bob") }), "removing bob");
        let refused = BuddyListError {
            action: add.clone(),
            failure: FeedbagFailure::Refused(vec![
                FeedbagResult::LimitExceeded,
                FeedbagResult::AlreadyExists,
            ]),
        };
        assert_eq!(
            buddy_list_error(&refused),
            "adding bob to Buddies failed: too many items of this kind, item already exists"
        );
        let error = BuddyListError {
            action: FeedbagAction::RemoveGroup { name: "Work".into() },
            failure: FeedbagFailure::Error(SnacError::new(SnacErrorCode::ListOverflow)),
        };
        assert_eq!(
            buddy_list_error(&error),
            "removing the group Work failed: list overflow (0x0015)"
        );
        let planned = BuddyListError {
            action: add,
            failure: FeedbagFailure::Planned(FeedbagError::AlreadyInGroup {
                name: sn("Bob"),
                group: "Buddies".into(),
            }),
        };
        assert_eq!(buddy_list_error(&planned), "Bob is already in Buddies");
        assert_eq!(feedbag_error(&FeedbagError::ListFull), "the buddy list is full");
        assert_eq!(
            feedbag_error(&FeedbagError::NoSuchGroup { group: "x\u{1b}[2J".into() }),
            "no group named x␛[2J"
        );
    }

    #[test]
    fn server_notices() {
        let notice = RateNotice { class: 3, code: RateChangeCode::Warning };
        assert_eq!(rate_warning(&notice), "the server says: rate warning: slow down (class 3)");
        assert_eq!(
            warned(10, Some(&sn("eve"))),
            "you were warned by eve; your warning level is now 10%"
        );
        assert_eq!(warned(30, None), "you were warned anonymously; your warning level is now 30%");
        assert_eq!(
            missed_ims(&sn("Mallory"), 3, MissedCallReason::RateExceeded),
            "3 message(s) from Mallory were not delivered: sender exceeded the rate limit"
        );
        assert_eq!(
            info_unavailable(&sn("ghost"), &SnacError::new(SnacErrorCode::NotLoggedOn)),
            "could not get information about ghost: recipient is not logged on (0x0004)"
        );
    }

    #[test]
    fn message_failures_name_the_peer_and_hedge_a_lost_connection() {
        assert_eq!(
            im_failure(&ImFailure::RecipientOffline, "Bob"),
            "not delivered: Bob is offline"
        );
        let lost = im_failure(&ImFailure::ConnectionLost, "Bob");
        assert!(lost.starts_with("not confirmed") && lost.contains("may have arrived"), "{lost}");
        let not_sent = im_failure(&ImFailure::NotSent, "Bob");
        assert!(not_sent.starts_with("not sent") && !not_sent.contains("may"), "{not_sent}");
        assert_eq!(
            im_stored(&sn("Bob")),
            "stored for offline delivery: Bob is offline and gets it on signing on"
        );
        assert!(im_accepted(&sn("Bob\u{1b}")).contains("Bob␛ is online is unknown"));
        assert_eq!(
            im_failure(&ImFailure::Server(0x0e), "Bob"),
            "not delivered: server error 0x000e"
        );
    }

    #[test]
    fn failed_parts_are_named() {
        use crate::session::PartFailure;
        let some = ImFailure::Parts {
            parts: 4,
            failed: vec![
                PartFailure { part: 2, reason: ImFailure::RecipientOffline },
                PartFailure { part: 4, reason: ImFailure::ConnectionLost },
            ],
        };
        assert_eq!(
            im_failure(&some, "Bob"),
            "sent as 4 messages; part 2 not delivered: Bob is offline; \
             part 4 not confirmed: connection lost, it may have arrived"
        );
        let all = ImFailure::Parts {
            parts: 2,
            failed: (1..=2).map(|part| PartFailure { part, reason: ImFailure::Refused }).collect(),
        };
        assert_eq!(
            im_failure(&all, "Bob"),
            "sent as 2 messages, none went through: not delivered: Bob refused the message"
        );
    }

    #[test]
    fn disconnect_reasons() {
        assert_eq!(
            disconnect(&DisconnectReason::SignedOnElsewhere),
            "signed on from another location"
        );
        assert_eq!(
            disconnect(&DisconnectReason::ServerClosed(Some(5))),
            "the server closed the connection (code 0x0005)"
        );
        let reset = DisconnectReason::Network(NetworkError::Transport("connection reset".into()));
        assert_eq!(disconnect(&reset), "connection reset");
        assert_eq!(
            disconnect(&DisconnectReason::Network(NetworkError::BadAddress(AddressError::Empty))),
            "empty address"
        );
        let code = DisconnectReason::AuthFailed(SignOnFailure::Code(AuthErrorCode::Suspended));
        assert_eq!(disconnect(&code), "sign-on failed: account suspended (0x0011)");
        let none = DisconnectReason::AuthFailed(SignOnFailure::NoCredentials);
        assert!(disconnect(&none).contains("`flapjack login`"));
        let evil = DisconnectReason::AuthFailed(SignOnFailure::Http("bad\u{1b}]0;x\u{7}".into()));
        assert!(!disconnect(&evil).chars().any(crate::text::sanitize::is_dangerous));
    }

    #[test]
    fn status_and_headless_lines() {
        let reset = DisconnectReason::Network(NetworkError::Transport("connection reset".into()));
        let delay = Duration::from_millis(8_000);
        assert_eq!(
            reconnecting_status(2, delay, &reset),
            "reconnecting (attempt 2, in 8s): connection reset"
        );
        assert_eq!(
            reconnecting_line(2, delay, &reset),
            "connection lost (connection reset); reconnecting in 8.0 s (attempt 2)"
        );
        assert_eq!(offline_status(&DisconnectReason::SignedOff), "offline: signed off");
        assert_eq!(
            ended_before_ack(&reset),
            "connection ended before the server acknowledged the message: connection reset"
        );
        let auth = DisconnectReason::AuthFailed(SignOnFailure::BucpNeedsPassword);
        assert_eq!(ended_before_ack(&auth), "sign-on failed: BUCP sign-on needs the password");
        let refused = DisconnectReason::Network(NetworkError::Connect {
            host: "127.0.0.1".into(),
            port: 5190,
            detail: "Connection refused (os error 111)".into(),
        });
        assert_eq!(
            not_sent(&refused),
            "not sent: cannot connect to 127.0.0.1:5190: Connection refused (os error 111)"
        );
        assert_eq!(not_sent(&auth), "sign-on failed: BUCP sign-on needs the password");
        assert_eq!(
            send_timed_out(Duration::from_secs(30)),
            "no acknowledgement from the server within 30 s"
        );
        assert_eq!(listening_as(&sn("Fan\u{7}")), "listening as Fan␇");
        assert!(no_credentials_for(&sn("fan")).contains("flapjack login"));
    }

    #[test]
    fn icq_words() {
        let bob = sn("123456789");
        let req = AuthNotice::Requested { from: bob.clone(), message: "hi\x1b[2J".into() };
        let text = auth_notice(&req);
        assert_eq!(
            text,
            "123456789 asks to add you: \"hi\u{241b}[2J\" — /auth 123456789 or /deny 123456789"
        );
        let denied =
            AuthNotice::Answered { from: bob.clone(), granted: false, reason: String::new() };
        assert_eq!(auth_notice(&denied), "123456789 denied your authorization request");
        let granted =
            AuthNotice::Answered { from: bob.clone(), granted: true, reason: "ok".into() };
        assert_eq!(auth_notice(&granted), "123456789 authorized you: \"ok\"");
        assert_eq!(
            auth_notice(&AuthNotice::AddedYou { from: bob.clone() }),
            "123456789 added you to their list"
        );
        assert!(auth_notice(&AuthNotice::Needed { name: bob }).contains("awaiting"));
        let q = SearchQuery::Details {
            first: String::new(),
            last: "Syrup".into(),
            nick: "Stack".into(),
        };
        assert_eq!(searching(&q), "searching the ICQ directory for name Stack Syrup");
        assert_eq!(search_empty(&SearchQuery::Uin(5), false), "no one found for UIN 5");
        assert!(search_empty(&SearchQuery::Email("a@b".into()), true).contains("failed"));
        assert!(search_footer(3).starts_with("3 more matched"));
    }
}
