//! The headless front ends: `flapjack --send` for scripts and `--listen` for bots.
//!
//! Both consume the same [`SessionHandle`] as the TUI. `--send` maps every outcome to an exit
//! code a script can branch on; `--listen` prints one JSON object per incoming IM and per
//! buddy presence change (told apart by `event`), with every character a terminal could act on
//! escaped, so piping it to a terminal is harmless too.

use std::fmt::Write as _;
use std::io::Write;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::screenname::ScreenName;
use crate::session::{
    Availability, Command, Delivery, DisconnectReason, Event, IcqStatus, ImFailure, IncomingIm,
    NetworkError, Presence, RoomEvent, SessionHandle, SignOnStep,
};
use crate::text::sanitize::is_dangerous;
use crate::words;

/// How `flapjack --send` ended, as a process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendOutcome {
    /// The recipient was online and the server acknowledged the message (0).
    Delivered,
    /// The command line was wrong (1).
    Usage,
    /// Signing on was refused: wrong password, stale token, no password to sign on with (2).
    AuthFailed,
    /// The network or the server failed (3).
    NetworkError,
    /// The recipient is offline with no offline storage, or refused the message (4).
    RecipientUnavailable,
    /// The server accepted the message but did not deliver it now: it is stored for when the
    /// offline recipient signs on (or, rarely, where it went could not be learned) (5).
    Stored,
}

impl SendOutcome {
    /// The process exit code documented in the README.
    pub fn exit_code(self) -> u8 {
        match self {
            SendOutcome::Delivered => 0,
            SendOutcome::Usage => 1,
            SendOutcome::AuthFailed => 2,
            SendOutcome::NetworkError => 3,
            SendOutcome::RecipientUnavailable => 4,
            SendOutcome::Stored => 5,
        }
    }
}

/// A finished `--send`: the outcome and, for failures, the one line to print on stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendReport {
    /// What happened.
    pub outcome: SendOutcome,
    /// A sentence for stderr, already safe for a terminal; `None` when delivered.
    pub message: Option<String>,
}

impl SendReport {
    fn fail(outcome: SendOutcome, message: String) -> Self {
        Self { outcome, message: Some(message) }
    }
}

/// Classifies why a session ended before the message was acknowledged.
fn disconnect_outcome(reason: &DisconnectReason) -> SendReport {
    let outcome = match reason {
        DisconnectReason::AuthFailed(_) => SendOutcome::AuthFailed,
        _ => SendOutcome::NetworkError,
    };
    SendReport::fail(outcome, words::ended_before_ack(reason))
}

/// Classifies a session that ended before the message was ever written.
fn not_sent_outcome(reason: &DisconnectReason) -> SendReport {
    let outcome = match reason {
        DisconnectReason::AuthFailed(_) => SendOutcome::AuthFailed,
        _ => SendOutcome::NetworkError,
    };
    SendReport::fail(outcome, words::not_sent(reason))
}

/// Signs on (the caller has spawned the session), sends one IM, waits for the server's
/// acknowledgement, signs off, and reports the outcome. Gives up after `timeout`.
pub async fn send(
    mut handle: SessionHandle,
    to: ScreenName,
    text: String,
    timeout: Duration,
) -> SendReport {
    let report = match tokio::time::timeout(timeout, drive_send(&mut handle, to, text)).await {
        Ok(report) => report,
        Err(_) => SendReport::fail(SendOutcome::NetworkError, words::send_timed_out(timeout)),
    };
    let _ = handle.commands.send(Command::SignOff);
    // Let the session write its sign-off frame before the runtime goes away.
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        while let Some(ev) = handle.events.recv().await {
            if matches!(ev, Event::Disconnected(_)) {
                break;
            }
        }
    })
    .await;
    report
}

async fn drive_send(handle: &mut SessionHandle, to: ScreenName, text: String) -> SendReport {
    const ID: u64 = 1;
    // The IM is queued at once: the session pipelines it behind the sign-on in one flight.
    let peer = to.as_str().to_string();
    let name = to.clone();
    if handle.commands.send(Command::SendIm { id: ID, to, text }).is_err() {
        return SendReport::fail(SendOutcome::NetworkError, words::session_ended_at_once());
    }
    // A message lost with the connection is only provisionally a network error: the session
    // reports why the connection ended right after, and a refused sign-on is exit 2. One that
    // was never written is reported with that reason alone: it cannot have been delivered.
    // That includes a session that ended before it even took the message (a sign-on refused
    // at once): no ImSent, so nothing was written.
    let mut lost: Option<SendReport> = None;
    let mut not_sent = false;
    let mut written = false;
    while let Some(event) = handle.events.recv().await {
        match event {
            Event::ImAcked { id: ID, delivery } => {
                return match delivery {
                    Delivery::Online => {
                        SendReport { outcome: SendOutcome::Delivered, message: None }
                    }
                    Delivery::StoredOffline => {
                        SendReport::fail(SendOutcome::Stored, words::im_stored(&name))
                    }
                    Delivery::Accepted => {
                        SendReport::fail(SendOutcome::Stored, words::im_accepted(&name))
                    }
                };
            }
            Event::ImSent { id: ID } => written = true,
            Event::ImFailed { id: ID, reason: ImFailure::NotSent } => not_sent = true,
            Event::ImFailed { id: ID, reason: ImFailure::ConnectionLost } => {
                lost = Some(SendReport::fail(
                    SendOutcome::NetworkError,
                    words::im_failure(&ImFailure::ConnectionLost, &peer),
                ));
            }
            Event::ImFailed { id: ID, reason } => {
                // A message sent as several IMs is classified by its first failed part; the
                // sentence names every failed part.
                let first = match &reason {
                    ImFailure::Parts { failed, .. } => failed.first().map(|f| &f.reason),
                    other => Some(other),
                };
                let outcome = match first {
                    Some(
                        ImFailure::RecipientOffline
                        | ImFailure::OfflineInboxFull
                        | ImFailure::Refused,
                    ) => SendOutcome::RecipientUnavailable,
                    _ => SendOutcome::NetworkError,
                };
                return SendReport::fail(outcome, words::im_failure(&reason, &peer));
            }
            Event::Disconnected(reason) | Event::Reconnecting { reason, .. } => {
                if not_sent || !written {
                    return not_sent_outcome(&reason);
                }
                return match (&reason, lost) {
                    (DisconnectReason::AuthFailed(_), _) | (_, None) => disconnect_outcome(&reason),
                    (_, Some(report)) => report,
                };
            }
            Event::CertificateTrusted(first) => {
                eprintln!("flapjack: {}", words::certificate_trusted(&first));
            }
            _ => {}
        }
    }
    if let Some(report) = lost {
        return report;
    }
    SendReport::fail(SendOutcome::NetworkError, words::session_ended_unexpectedly())
}

/// Signs on, joins `room`, says `text` there, leaves, signs off, and reports the outcome. Rooms
/// have no per-message acknowledgement (docs/protocol.md §13.3): [`SendOutcome::Delivered`]
/// means the message was written to the room's own connection while we were in the room.
/// A room that cannot be joined is [`SendOutcome::RecipientUnavailable`]. Gives up after
/// `timeout`.
pub async fn send_room(
    mut handle: SessionHandle,
    room: String,
    text: String,
    timeout: Duration,
) -> SendReport {
    let report = match tokio::time::timeout(timeout, drive_send_room(&mut handle, &room, text))
        .await
    {
        Ok(report) => report,
        Err(_) => SendReport::fail(SendOutcome::NetworkError, words::room_send_timed_out(&room)),
    };
    let _ = handle.commands.send(Command::LeaveRoom { room });
    let _ = handle.commands.send(Command::SignOff);
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        while let Some(ev) = handle.events.recv().await {
            if matches!(ev, Event::Disconnected(_)) {
                break;
            }
        }
    })
    .await;
    report
}

fn same_room(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

async fn drive_send_room(handle: &mut SessionHandle, room: &str, text: String) -> SendReport {
    if handle.commands.send(Command::JoinRoom { name: room.to_string() }).is_err() {
        return SendReport::fail(SendOutcome::NetworkError, words::session_ended_at_once());
    }
    let mut text = Some(text);
    while let Some(event) = handle.events.recv().await {
        match event {
            Event::Room(RoomEvent::Joined { room: joined, .. }) if same_room(&joined, room) => {
                // Said once: a rejoin after a dropped room connection does not repeat it.
                if let Some(text) = text.take() {
                    let command = Command::SendRoom { room: joined, text };
                    if handle.commands.send(command).is_err() {
                        return SendReport::fail(
                            SendOutcome::NetworkError,
                            words::session_ended_at_once(),
                        );
                    }
                }
            }
            Event::Room(RoomEvent::Sent { room: r }) if same_room(&r, room) => {
                return SendReport { outcome: SendOutcome::Delivered, message: None };
            }
            Event::Room(RoomEvent::JoinFailed { room: r, code }) if same_room(&r, room) => {
                return SendReport::fail(
                    SendOutcome::RecipientUnavailable,
                    words::room_join_failed(&r, code),
                );
            }
            Event::Room(
                RoomEvent::NotSent { room: r }
                | RoomEvent::NotInRoom { room: r }
                | RoomEvent::Rejoining { room: r }
                | RoomEvent::Left { room: r },
            ) if same_room(&r, room) && text.is_none() => {
                return SendReport::fail(SendOutcome::NetworkError, words::room_not_sent(&r));
            }
            Event::Disconnected(reason) | Event::Reconnecting { reason, .. } => {
                return not_sent_outcome(&reason);
            }
            Event::CertificateTrusted(first) => {
                eprintln!("flapjack: {}", words::certificate_trusted(&first));
            }
            _ => {}
        }
    }
    SendReport::fail(SendOutcome::NetworkError, words::session_ended_unexpectedly())
}

/// One room message as `--listen` prints it.
#[derive(Debug, Serialize)]
struct RoomLine<'a> {
    event: &'static str,
    room: &'a str,
    from: &'a str,
    text: &'a str,
    time: String,
}

/// Formats a room message as a JSON line (no trailing newline), escaped like [`listen_line`]:
/// `event` (`"room"`), `room`, `from`, `text` and `time`, when it arrived.
pub fn room_line(room: &str, from: &ScreenName, text: &str, now: SystemTime) -> String {
    let line = RoomLine { event: "room", room, from: from.as_str(), text, time: rfc3339(now) };
    to_json_line(&line)
}

/// One incoming IM as `--listen` prints it.
#[derive(Debug, Serialize)]
struct ListenLine<'a> {
    event: &'static str,
    from: &'a str,
    text: &'a str,
    time: String,
    auto_response: bool,
    offline: bool,
}

/// Formats one IM as a JSON line (no trailing newline): `event` (`"im"`), `from`, `text`,
/// `time` (RFC 3339, UTC), `auto_response`, `offline`. Every control, C1 and bidi character is
/// written as a `\uXXXX` escape, so the line is safe for a terminal and exact for a program.
pub fn listen_line(im: &IncomingIm) -> String {
    let line = ListenLine {
        event: "im",
        from: im.from.as_str(),
        text: &im.text,
        time: rfc3339(im.time),
        auto_response: im.auto_response,
        offline: im.offline,
    };
    to_json_line(&line)
}

/// One presence change as `--listen` prints it.
#[derive(Debug, Serialize)]
struct PresenceLine<'a> {
    event: &'static str,
    from: &'a str,
    status: &'static str,
    availability: &'static str,
    idle_minutes: Option<u16>,
    away_message: Option<&'a str>,
    time: String,
}

/// Formats a buddy's presence change as a JSON line (no trailing newline), escaped like
/// [`listen_line`]: `event` (`"presence"`), `from`, `status` (`offline` or one of `/status`'s
/// names: the ICQ status when the server sends one, else `away` or `online`), `availability`
/// (`online`, `away`, `idle`, `offline`), `idle_minutes`, `away_message` (null until fetched)
/// and `time`, when we heard of it.
pub fn presence_line(p: &Presence, now: SystemTime) -> String {
    let status = match (p.availability, p.status) {
        (Availability::Offline, _) => "offline",
        (_, Some(s)) if s != IcqStatus::Online => s.name(),
        (Availability::Away, _) => IcqStatus::Away.name(),
        _ => IcqStatus::Online.name(),
    };
    let availability = match p.availability {
        Availability::Online => "online",
        Availability::Away => "away",
        Availability::Idle => "idle",
        Availability::Offline => "offline",
    };
    let line = PresenceLine {
        event: "presence",
        from: p.name.as_str(),
        status,
        availability,
        idle_minutes: p.idle_minutes,
        away_message: p.away_message.as_deref(),
        time: rfc3339(now),
    };
    to_json_line(&line)
}

fn rfc3339(t: SystemTime) -> String {
    let time: chrono::DateTime<chrono::Utc> = t.into();
    time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn to_json_line(line: &impl Serialize) -> String {
    // Serializing plain strings, numbers and bools cannot fail; fall back to an empty object.
    let json = serde_json::to_string(line).unwrap_or_else(|_| "{}".into());
    escape_dangerous(&json)
}

/// Rewrites characters serde_json leaves raw (C1 controls, bidi formatting, line separators)
/// as JSON `\u` escapes; they can only occur inside strings, where the escape means the same.
fn escape_dangerous(json: &str) -> String {
    if !json.chars().any(is_dangerous) {
        return json.to_string();
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if is_dangerous(c) {
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// Joins `rooms`, then prints every incoming IM, presence change and room message as a JSON
/// line on `out` until the session ends or `stop` fires; sign-on progress, reconnects and room
/// comings and goings go to `err` as plain lines. Returns the final disconnect reason, if the
/// session ended by itself.
pub async fn listen<W: Write, E: Write>(
    mut handle: SessionHandle,
    rooms: &[String],
    out: &mut W,
    err: &mut E,
    stop: impl std::future::Future<Output = ()>,
) -> Option<DisconnectReason> {
    tokio::pin!(stop);
    for room in rooms {
        // Queued before sign-on: the session joins once it is signed on.
        let _ = handle.commands.send(Command::JoinRoom { name: room.clone() });
    }
    loop {
        let event = tokio::select! {
            _ = &mut stop => {
                let _ = handle.commands.send(Command::SignOff);
                let _ = tokio::time::timeout(Duration::from_secs(2), async {
                    while let Some(ev) = handle.events.recv().await {
                        if matches!(ev, Event::Disconnected(_)) { break; }
                    }
                }).await;
                return None;
            }
            event = handle.events.recv() => event,
        };
        let Some(event) = event else {
            return Some(DisconnectReason::Network(NetworkError::SessionEnded));
        };
        match event {
            Event::ImReceived(im) => {
                let _ = writeln!(out, "{}", listen_line(&im));
                let _ = out.flush();
            }
            Event::Presence(p) => {
                let _ = writeln!(out, "{}", presence_line(&p, SystemTime::now()));
                let _ = out.flush();
            }
            Event::Room(RoomEvent::Message { room, from, text }) => {
                let _ = writeln!(out, "{}", room_line(&room, &from, &text, SystemTime::now()));
                let _ = out.flush();
            }
            Event::Room(RoomEvent::Joined { room, occupants }) => {
                let _ = writeln!(err, "{}", words::listen_joined(&room, occupants.len()));
            }
            Event::Room(RoomEvent::JoinFailed { room, code }) => {
                let _ = writeln!(err, "{}", words::room_join_failed(&room, code));
            }
            Event::Room(RoomEvent::Rejoining { room }) => {
                let _ = writeln!(err, "{}", words::room_rejoining(&room));
            }
            Event::SignedOn { screen_name } => {
                let _ = writeln!(err, "{}", words::listening_as(&screen_name));
            }
            Event::SignOnProgress(SignOnStep::Authenticating) => {
                let _ = writeln!(err, "{}", words::signing_on());
            }
            Event::Reconnecting { attempt, delay, reason } => {
                let _ = writeln!(err, "{}", words::reconnecting_line(attempt, delay, &reason));
            }
            Event::CertificateTrusted(first) => {
                let _ = writeln!(err, "{}", words::certificate_trusted(&first));
            }
            Event::Disconnected(reason) => return Some(reason),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::SignOnFailure;
    use std::time::SystemTime;

    fn im(text: &str) -> IncomingIm {
        IncomingIm {
            from: ScreenName::from_wire("Evil\u{1b}[2JBob"),
            text: text.to_string(),
            time: SystemTime::UNIX_EPOCH + Duration::from_secs(1_262_304_000),
            auto_response: true,
            offline: false,
        }
    }

    #[test]
    fn listen_lines_are_json_with_controls_escaped() {
        let line = listen_line(&im("a\u{1b}]0;pwned\u{7}b\u{9b}c\u{202e}d\ne"));
        assert!(!line.chars().any(is_dangerous), "{line:?}");
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["event"], "im");
        assert_eq!(v["from"], "Evil\u{1b}[2JBob");
        assert_eq!(v["text"], "a\u{1b}]0;pwned\u{7}b\u{9b}c\u{202e}d\ne");
        assert_eq!(v["time"], "2010-01-01T00:00:00Z");
        assert_eq!(v["auto_response"], true);
        assert_eq!(v["offline"], false);
    }

    fn presence(name: &str, availability: Availability, status: Option<IcqStatus>) -> Presence {
        Presence {
            name: ScreenName::from_wire(name),
            availability,
            idle_minutes: (availability == Availability::Idle).then_some(7),
            signed_on_at: None,
            warning_percent: 0,
            away_message: (availability == Availability::Away)
                .then(|| "gone \u{1b}[2J fishing".to_string()),
            status,
        }
    }

    #[test]
    fn presence_lines_carry_the_status() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_262_304_000);
        let cases = [
            (presence("123", Availability::Online, Some(IcqStatus::NotAvailable)), "na", "online"),
            (presence("123", Availability::Online, Some(IcqStatus::DoNotDisturb)), "dnd", "online"),
            (presence("123", Availability::Online, Some(IcqStatus::FreeForChat)), "ffc", "online"),
            (presence("123", Availability::Online, Some(IcqStatus::Online)), "online", "online"),
            (presence("bob", Availability::Away, None), "away", "away"),
            (presence("bob", Availability::Idle, Some(IcqStatus::Online)), "online", "idle"),
            (presence("bob", Availability::Offline, None), "offline", "offline"),
        ];
        for (p, status, availability) in cases {
            let line = presence_line(&p, t);
            assert!(!line.chars().any(is_dangerous), "{line:?}");
            let v: serde_json::Value = serde_json::from_str(&line).unwrap();
            assert_eq!(v["event"], "presence");
            assert_eq!(v["from"], p.name.as_str());
            assert_eq!(v["status"], status, "{line}");
            assert_eq!(v["availability"], availability, "{line}");
            assert_eq!(v["time"], "2010-01-01T00:00:00Z");
            assert_eq!(v["idle_minutes"].as_u64(), p.idle_minutes.map(u64::from));
            assert_eq!(v["away_message"].as_str(), p.away_message.as_deref());
        }
    }

    #[test]
    fn exit_codes_match_the_readme() {
        let codes: Vec<u8> = [
            SendOutcome::Delivered,
            SendOutcome::Usage,
            SendOutcome::AuthFailed,
            SendOutcome::NetworkError,
            SendOutcome::RecipientUnavailable,
            SendOutcome::Stored,
        ]
        .iter()
        .map(|o| o.exit_code())
        .collect();
        assert_eq!(codes, vec![0, 1, 2, 3, 4, 5]);
    }

    fn handle() -> (
        SessionHandle,
        tokio::sync::mpsc::UnboundedReceiver<Command>,
        tokio::sync::mpsc::UnboundedSender<Event>,
    ) {
        let (ctx, crx) = tokio::sync::mpsc::unbounded_channel();
        let (etx, erx) = tokio::sync::mpsc::unbounded_channel();
        (SessionHandle { commands: ctx, events: erx }, crx, etx)
    }

    #[tokio::test]
    async fn send_maps_session_outcomes_to_exit_codes() {
        let cases: Vec<(Event, SendOutcome)> = vec![
            (Event::ImAcked { id: 1, delivery: Delivery::Online }, SendOutcome::Delivered),
            (Event::ImAcked { id: 1, delivery: Delivery::StoredOffline }, SendOutcome::Stored),
            (Event::ImAcked { id: 1, delivery: Delivery::Accepted }, SendOutcome::Stored),
            (
                Event::ImFailed { id: 1, reason: ImFailure::RecipientOffline },
                SendOutcome::RecipientUnavailable,
            ),
            (
                Event::ImFailed { id: 1, reason: ImFailure::Refused },
                SendOutcome::RecipientUnavailable,
            ),
            (Event::ImFailed { id: 1, reason: ImFailure::RateLimited }, SendOutcome::NetworkError),
            (
                Event::Disconnected(DisconnectReason::AuthFailed(SignOnFailure::Http(
                    "incorrect password".into(),
                ))),
                SendOutcome::AuthFailed,
            ),
            (
                Event::Disconnected(DisconnectReason::Network(NetworkError::Transport(
                    "connection refused".into(),
                ))),
                SendOutcome::NetworkError,
            ),
        ];
        // A message lost with a connection whose sign-on was refused is an auth failure.
        let (h, _commands, events) = handle();
        events.send(Event::ImSent { id: 1 }).unwrap();
        events.send(Event::ImFailed { id: 1, reason: ImFailure::ConnectionLost }).unwrap();
        let revoked = DisconnectReason::AuthFailed(SignOnFailure::Http("revoked".into()));
        events.send(Event::Disconnected(revoked)).unwrap();
        let report =
            send(h, ScreenName::parse("bob").unwrap(), "hi".into(), Duration::from_secs(5)).await;
        assert_eq!(report.outcome, SendOutcome::AuthFailed);
        assert_eq!(report.message.as_deref(), Some("sign-on failed: revoked"));
        for (event, want) in cases {
            let (h, mut commands, events) = handle();
            events.send(Event::SignOnProgress(SignOnStep::Authenticating)).unwrap();
            events.send(event.clone()).unwrap();
            events.send(Event::Disconnected(DisconnectReason::SignedOff)).unwrap();
            let report =
                send(h, ScreenName::parse("bob").unwrap(), "hi".into(), Duration::from_secs(5))
                    .await;
            assert_eq!(report.outcome, want, "{event:?}");
            assert_eq!(report.message.is_none(), want == SendOutcome::Delivered);
            let first = commands.recv().await.unwrap();
            assert!(matches!(first, Command::SendIm { id: 1, .. }));
            assert_eq!(commands.recv().await.unwrap(), Command::SignOff);
        }
    }

    #[tokio::test]
    async fn send_words_failures_like_the_chat_window() {
        let (h, _commands, events) = handle();
        events.send(Event::ImFailed { id: 1, reason: ImFailure::RecipientOffline }).unwrap();
        let report =
            send(h, ScreenName::parse("bob").unwrap(), "hi".into(), Duration::from_secs(5)).await;
        assert_eq!(report.message.as_deref(), Some("not delivered: bob is offline"));
    }

    #[tokio::test]
    async fn send_says_stored_and_hedges_only_what_was_written() {
        let bob = || ScreenName::parse("bob").unwrap();
        let (h, _commands, events) = handle();
        events.send(Event::ImAcked { id: 1, delivery: Delivery::StoredOffline }).unwrap();
        let report = send(h, bob(), "hi".into(), Duration::from_secs(5)).await;
        assert_eq!(report.outcome, SendOutcome::Stored);
        assert_eq!(report.message.as_deref(), Some(words::im_stored(&bob()).as_str()));
        // Never written: the real cause, and no "may have".
        let refused = DisconnectReason::Network(NetworkError::Connect {
            host: "127.0.0.1".into(),
            port: 9,
            detail: "Connection refused (os error 111)".into(),
        });
        let (h, _commands, events) = handle();
        events.send(Event::ImFailed { id: 1, reason: ImFailure::NotSent }).unwrap();
        events.send(Event::Disconnected(refused.clone())).unwrap();
        let report = send(h, bob(), "hi".into(), Duration::from_secs(5)).await;
        assert_eq!(report.outcome, SendOutcome::NetworkError);
        let message = report.message.unwrap();
        assert!(message.contains("Connection refused") && !message.contains("may"), "{message}");
        // The session ended before it took the message (sign-on refused at once): not sent.
        let (h, _commands, events) = handle();
        events.send(Event::Disconnected(refused.clone())).unwrap();
        let report = send(h, bob(), "hi".into(), Duration::from_secs(5)).await;
        assert_eq!(report.outcome, SendOutcome::NetworkError);
        let message = report.message.unwrap();
        assert!(message.contains("not sent") && !message.contains("may"), "{message}");
        // Written and the ack lost: the hedge.
        let (h, _commands, events) = handle();
        events.send(Event::ImSent { id: 1 }).unwrap();
        events.send(Event::ImFailed { id: 1, reason: ImFailure::ConnectionLost }).unwrap();
        events.send(Event::Disconnected(refused)).unwrap();
        let report = send(h, bob(), "hi".into(), Duration::from_secs(5)).await;
        assert_eq!(report.outcome, SendOutcome::NetworkError);
        assert!(report.message.unwrap().contains("may have"));
    }

    #[tokio::test]
    async fn send_of_a_split_message_names_the_failed_parts() {
        use crate::session::PartFailure;
        let (h, _commands, events) = handle();
        let failed = vec![
            PartFailure { part: 3, reason: ImFailure::RateLimited },
            PartFailure { part: 4, reason: ImFailure::RateLimited },
        ];
        events
            .send(Event::ImFailed { id: 1, reason: ImFailure::Parts { parts: 4, failed } })
            .unwrap();
        let report =
            send(h, ScreenName::parse("bob").unwrap(), "hi".into(), Duration::from_secs(5)).await;
        assert_eq!(report.outcome, SendOutcome::NetworkError);
        let message = report.message.unwrap();
        assert!(message.starts_with("sent as 4 messages; part 3 not delivered"), "{message}");
        assert!(message.contains("part 4 not delivered"), "{message}");
        let (h, _commands, events) = handle();
        let failed = vec![PartFailure { part: 2, reason: ImFailure::RecipientOffline }];
        events
            .send(Event::ImFailed { id: 1, reason: ImFailure::Parts { parts: 2, failed } })
            .unwrap();
        let report =
            send(h, ScreenName::parse("bob").unwrap(), "hi".into(), Duration::from_secs(5)).await;
        assert_eq!(report.outcome, SendOutcome::RecipientUnavailable);
    }

    #[tokio::test]
    async fn send_times_out_as_a_network_error() {
        let (h, _commands, _events) = handle();
        let report =
            send(h, ScreenName::parse("bob").unwrap(), "hi".into(), Duration::from_millis(50))
                .await;
        assert_eq!(report.outcome, SendOutcome::NetworkError);
    }

    #[tokio::test]
    async fn listen_prints_one_json_line_per_im_and_stops_on_disconnect() {
        let (h, _commands, events) = handle();
        events.send(Event::ImReceived(im("one"))).unwrap();
        events
            .send(Event::Typing {
                from: ScreenName::from_wire("x"),
                state: crate::session::TypingState::Typing,
            })
            .unwrap();
        let na = presence("123456", Availability::Online, Some(IcqStatus::NotAvailable));
        events.send(Event::Presence(na)).unwrap();
        events.send(Event::ImReceived(im("two\u{1b}[31m"))).unwrap();
        events.send(Event::Disconnected(DisconnectReason::SignedOnElsewhere)).unwrap();
        let mut out = Vec::new();
        let mut err = Vec::new();
        let end = listen(h, &[], &mut out, &mut err, std::future::pending()).await;
        assert_eq!(end, Some(DisconnectReason::SignedOnElsewhere));
        let out = String::from_utf8(out).unwrap();
        let lines: Vec<_> = out.lines().collect();
        assert_eq!(lines.len(), 3);
        let mut kinds = Vec::new();
        for line in lines {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            assert!(!line.contains('\u{1b}'));
            kinds.push((v["event"].as_str().unwrap().to_string(), v["status"].clone()));
        }
        let kinds: Vec<(&str, Option<&str>)> =
            kinds.iter().map(|(k, s)| (k.as_str(), s.as_str())).collect();
        assert_eq!(kinds, [("im", None), ("presence", Some("na")), ("im", None)]);
    }
}
