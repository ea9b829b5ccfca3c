//! Privacy, warnings, ICQ authorization and directory, buddy icons.

use super::*;

// ----- privacy and warnings ----------------------------------------------------------------

/// Every privacy mode with the name `/privacy` takes for it, in the order the usage line lists.
pub const PRIVACY_NAMES: [(PrivacyMode, &str); 5] = [
    (PrivacyMode::AllowAll, "allow-all"),
    (PrivacyMode::AllowBuddies, "allow-buddies"),
    (PrivacyMode::AllowPermitList, "allow-list"),
    (PrivacyMode::BlockDenyList, "block-list"),
    (PrivacyMode::BlockAll, "invisible"),
];

/// The name `/privacy` takes for a mode.
pub fn privacy_name(mode: PrivacyMode) -> &'static str {
    PRIVACY_NAMES.iter().find(|(m, _)| *m == mode).map_or("allow-all", |(_, n)| n)
}

/// The mode a `/privacy` argument names (case ignored).
pub fn privacy_from_name(name: &str) -> Option<PrivacyMode> {
    PRIVACY_NAMES.iter().find(|(_, n)| n.eq_ignore_ascii_case(name)).map(|(m, _)| *m)
}

/// `/warn` with no name and no IM conversation on screen.
pub fn warn_needs_name() -> &'static str {
    "/warn needs a screen name (or a chat with them on screen)"
}

/// The modes `/privacy` takes, for its usage line.
pub fn privacy_names() -> String {
    PRIVACY_NAMES.iter().map(|(_, n)| *n).collect::<Vec<_>>().join("|")
}

/// What a mode means, in a few words.
fn privacy_meaning(mode: PrivacyMode) -> &'static str {
    match mode {
        PrivacyMode::AllowAll => "everyone can see and message you",
        PrivacyMode::AllowBuddies => "only your buddies can see and message you",
        PrivacyMode::AllowPermitList => "only your allow list can see and message you",
        PrivacyMode::BlockDenyList => "everyone but your block list can see and message you",
        PrivacyMode::BlockAll => "nobody can see or message you",
    }
}

/// Our privacy settings, as `/privacy` shows them and after every change.
pub fn privacy_summary(p: &Privacy) -> String {
    let names = |v: &[ScreenName]| v.iter().map(|n| n.as_str()).collect::<Vec<_>>().join(", ");
    let mut text = format!("privacy: {} ({})", privacy_name(p.mode), privacy_meaning(p.mode));
    if !p.blocked.is_empty() {
        text.push_str(&format!("; blocked: {}", names(&p.blocked)));
    }
    if p.mode == PrivacyMode::AllowPermitList {
        text.push_str(&format!("; allowed: {}", names(&p.allowed)));
    }
    line(text)
}

/// Our warning of someone was applied (04/09).
pub fn warn_applied(name: &ScreenName, anonymous: bool, delta: u16, level: u16) -> String {
    let how = if anonymous { " anonymously" } else { "" };
    line(format!("warned {}{how}: +{delta}%, their warning level is now {level}%", name.as_str()))
}

/// Our warning of someone was not applied.
pub fn warn_failed(name: &ScreenName, reason: &WarnFailure) -> String {
    let who = name.as_str();
    line(match reason {
        WarnFailure::NoRecentIm => {
            format!(
                "cannot warn {who}: only people who messaged you in the last hour can be warned"
            )
        }
        WarnFailure::Offline => format!("cannot warn {who}: not online"),
        WarnFailure::Refused => {
            format!(
                "the server refused to warn {who} (warned enough for their messages, or at 100%)"
            )
        }
        WarnFailure::Server(e) => format!("could not warn {who}: {e}"),
    })
}

/// Our own warning level changed (it decays over time).
pub fn warning_level(level_percent: u16) -> String {
    format!("your warning level is now {level_percent}%")
}

/// The status bar's mark of our own warning level.
pub fn warning_badge(level_percent: u16) -> String {
    format!("warned {level_percent}%")
}

// ----- ICQ authorization and directory ------------------------------------------------------

/// The message sent with an authorization request (13/18) when a contact requires it.
pub const AUTH_REQUEST_MESSAGE: &str = "Please let me add you to my contact list.";

/// Something about ICQ authorization, for the status bar.
pub fn auth_notice(notice: &AuthNotice) -> String {
    let quoted = |t: &str| if t.is_empty() { String::new() } else { format!(": \"{t}\"") };
    line(match notice {
        AuthNotice::Needed { name } => {
            format!("{} requires authorization: asked them, listed as awaiting it", name.as_str())
        }
        AuthNotice::Requested { from, message } => {
            let n = from.as_str();
            format!("{n} asks to add you{} — /auth {n} or /deny {n}", quoted(message))
        }
        AuthNotice::Answered { from, granted: true, reason } => {
            format!("{} authorized you{}", from.as_str(), quoted(reason))
        }
        AuthNotice::Answered { from, granted: false, reason } => {
            format!("{} denied your authorization request{}", from.as_str(), quoted(reason))
        }
        AuthNotice::PreAuthorized { from, message } => {
            format!("{} lets you add them without asking{}", from.as_str(), quoted(message))
        }
        AuthNotice::AddedYou { from } => format!("{} added you to their list", from.as_str()),
    })
}

/// What `/auth` or `/deny` sent.
pub fn auth_answer_sent(name: &ScreenName, granted: bool) -> String {
    line(if granted {
        format!("authorizing {} to add you", name.as_str())
    } else {
        format!("denying {} authorization", name.as_str())
    })
}

/// `/auth` or `/deny` without a name and no request waiting.
pub const NO_AUTH_REQUEST: &str = "no authorization request is waiting; name someone";

/// A search as the status bar and the results window title say it.
pub fn search_query(query: &SearchQuery) -> String {
    line(match query {
        SearchQuery::Uin(uin) => format!("UIN {uin}"),
        SearchQuery::Email(email) => format!("e-mail {email}"),
        SearchQuery::Details { first, last, nick } => {
            let parts: Vec<&str> = [nick, first, last]
                .into_iter()
                .map(String::as_str)
                .filter(|s| !s.is_empty())
                .collect();
            format!("name {}", parts.join(" "))
        }
    })
}

/// A search was sent.
pub fn searching(query: &SearchQuery) -> String {
    line(format!("searching the ICQ directory for {}", search_query(query)))
}

/// A search found nothing, or failed.
pub fn search_empty(query: &SearchQuery, failed: bool) -> String {
    let what = search_query(query);
    line(if failed {
        format!("the ICQ directory search for {what} failed")
    } else {
        format!("no one found for {what}")
    })
}

/// The footer of the results window: its keys, and how many more matched.
pub fn search_footer(more: u32) -> String {
    let keys = "enter adds · ↑↓ choose · esc closes";
    if more > 0 {
        format!("{more} more matched · {keys}")
    } else {
        keys.to_string()
    }
}

/// The directory knows no such UIN.
pub fn icq_info_unknown(uin: u32) -> String {
    line(format!("the ICQ directory has no entry for {uin}"))
}

/// Whether a directory entry asks for authorization, as the info window says it.
pub fn auth_required_label(required: bool) -> &'static str {
    if required {
        "required"
    } else {
        "not required"
    }
}

/// The status line for a bare `/icon`.
pub fn icon_usage() -> &'static str {
    "/icon needs an image file (GIF, JPEG, PNG or BMP), or \"off\" to remove your icon"
}

/// `/icon` and the help overlay: what the command does.
pub fn icon_help() -> &'static str {
    "Set your buddy icon from an image file, or remove it"
}

/// Our icon was prepared and handed to the session; nothing is known about the server yet.
pub fn icon_uploading(path: &std::path::Path, bytes: usize) -> String {
    line(format!("Setting your buddy icon from {} ({bytes} bytes)…", path.display()))
}

/// `/icon off` was handed to the session.
pub fn icon_clearing() -> &'static str {
    "Removing your buddy icon…"
}

/// An image file could not be made into our icon (nothing was sent).
pub fn icon_not_prepared(path: &std::path::Path, error: &crate::tui::icons::IconError) -> String {
    line(format!("{} cannot be your buddy icon: {error}", path.display()))
}

/// The server confirmed our icon change.
pub fn icon_set(removed: bool) -> &'static str {
    if removed {
        "Your buddy icon is removed."
    } else {
        "Your buddy icon is set."
    }
}

/// Our icon change did not take effect.
pub fn icon_failed(failure: &crate::session::IconFailure) -> String {
    use crate::session::IconFailure;
    match failure {
        IconFailure::TooLarge { max_bytes } => {
            format!("The server refused your icon: it takes at most {max_bytes} bytes")
        }
        IconFailure::Refused(code) => {
            format!("The server refused your icon (error 0x{code:04X})")
        }
        IconFailure::NotSent => {
            "Your icon was not sent: no icon service on this server, or the connection was lost"
                .to_string()
        }
    }
}
