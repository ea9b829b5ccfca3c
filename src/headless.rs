//! The headless front ends: `flapjack --send` for scripts and `--listen` for bots.
//!
//! Both consume the same [`SessionHandle`] as the TUI. `--send` maps every outcome to an exit
//! code a script can branch on; `--listen` prints one JSON object per incoming IM, with every
//! character a terminal could act on escaped, so piping it to a terminal is harmless too.

use std::fmt::Write as _;
use std::io::Write;
use std::time::Duration;

use serde::Serialize;

use crate::screenname::ScreenName;
use crate::session::{
    Command, DisconnectReason, Event, ImFailure, IncomingIm, NetworkError, SessionHandle,
    SignOnStep,
};
use crate::text::sanitize::is_dangerous;
use crate::words;

/// How `flapjack --send` ended, as a process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendOutcome {
    /// The server acknowledged the message (0).
    Delivered,
    /// The command line was wrong (1).
    Usage,
    /// Signing on was refused: wrong password, stale token, no password to sign on with (2).
    AuthFailed,
    /// The network or the server failed (3).
    NetworkError,
    /// The recipient is offline with no offline storage, or refused the message (4).
    RecipientUnavailable,
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
        }
    }
}

/// A finished `--send`: the outcome and, for failures, the one line to print on stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendReport {
    /// What happened.
    pub outcome: SendOutcome,
    /// A sentence for stderr, already safe for a terminal; `None` on success.
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
    if handle.commands.send(Command::SendIm { id: ID, to, text }).is_err() {
        return SendReport::fail(SendOutcome::NetworkError, words::session_ended_at_once());
    }
    // A message lost with the connection is only provisionally a network error: the session
    // reports why the connection ended right after, and a refused sign-on is exit 2.
    let mut lost: Option<SendReport> = None;
    while let Some(event) = handle.events.recv().await {
        match event {
            Event::ImAcked { id: ID } => {
                return SendReport { outcome: SendOutcome::Delivered, message: None };
            }
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
                    Some(ImFailure::RecipientOffline | ImFailure::Refused) => {
                        SendOutcome::RecipientUnavailable
                    }
                    _ => SendOutcome::NetworkError,
                };
                return SendReport::fail(outcome, words::im_failure(&reason, &peer));
            }
            Event::Disconnected(reason) | Event::Reconnecting { reason, .. } => {
                return match (&reason, lost) {
                    (DisconnectReason::AuthFailed(_), _) | (_, None) => disconnect_outcome(&reason),
                    (_, Some(report)) => report,
                };
            }
            _ => {}
        }
    }
    if let Some(report) = lost {
        return report;
    }
    SendReport::fail(SendOutcome::NetworkError, words::session_ended_unexpectedly())
}

/// One incoming IM as `--listen` prints it.
#[derive(Debug, Serialize)]
struct ListenLine<'a> {
    from: &'a str,
    text: &'a str,
    time: String,
    auto_response: bool,
    offline: bool,
}

/// Formats one IM as a JSON line (no trailing newline): `from`, `text`, `time` (RFC 3339, UTC),
/// `auto_response`, `offline`. Every control, C1 and bidi character is written as a `\uXXXX`
/// escape, so the line is safe for a terminal and exact for a program.
pub fn listen_line(im: &IncomingIm) -> String {
    let time: chrono::DateTime<chrono::Utc> = im.time.into();
    let line = ListenLine {
        from: im.from.as_str(),
        text: &im.text,
        time: time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        auto_response: im.auto_response,
        offline: im.offline,
    };
    // Serializing plain strings and bools cannot fail; fall back to an empty object anyway.
    let json = serde_json::to_string(&line).unwrap_or_else(|_| "{}".into());
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

/// Prints every incoming IM as a JSON line on `out` until the session ends or `stop` fires;
/// sign-on progress and reconnects go to `err` as plain lines. Returns the final disconnect
/// reason, if the session ended by itself.
pub async fn listen<W: Write, E: Write>(
    mut handle: SessionHandle,
    out: &mut W,
    err: &mut E,
    stop: impl std::future::Future<Output = ()>,
) -> Option<DisconnectReason> {
    tokio::pin!(stop);
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
            Event::SignedOn { screen_name } => {
                let _ = writeln!(err, "{}", words::listening_as(&screen_name));
            }
            Event::SignOnProgress(SignOnStep::Authenticating) => {
                let _ = writeln!(err, "{}", words::signing_on());
            }
            Event::Reconnecting { attempt, delay, reason } => {
                let _ = writeln!(err, "{}", words::reconnecting_line(attempt, delay, &reason));
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
        assert_eq!(v["from"], "Evil\u{1b}[2JBob");
        assert_eq!(v["text"], "a\u{1b}]0;pwned\u{7}b\u{9b}c\u{202e}d\ne");
        assert_eq!(v["time"], "2010-01-01T00:00:00Z");
        assert_eq!(v["auto_response"], true);
        assert_eq!(v["offline"], false);
    }

    #[test]
    fn exit_codes_match_the_readme() {
        let codes: Vec<u8> = [
            SendOutcome::Delivered,
            SendOutcome::Usage,
            SendOutcome::AuthFailed,
            SendOutcome::NetworkError,
            SendOutcome::RecipientUnavailable,
        ]
        .iter()
        .map(|o| o.exit_code())
        .collect();
        assert_eq!(codes, vec![0, 1, 2, 3, 4]);
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
            (Event::ImAcked { id: 1 }, SendOutcome::Delivered),
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
        events.send(Event::ImReceived(im("two\u{1b}[31m"))).unwrap();
        events.send(Event::Disconnected(DisconnectReason::SignedOnElsewhere)).unwrap();
        let mut out = Vec::new();
        let mut err = Vec::new();
        let end = listen(h, &mut out, &mut err, std::future::pending()).await;
        assert_eq!(end, Some(DisconnectReason::SignedOnElsewhere));
        let out = String::from_utf8(out).unwrap();
        let lines: Vec<_> = out.lines().collect();
        assert_eq!(lines.len(), 2);
        for line in lines {
            let _: serde_json::Value = serde_json::from_str(line).unwrap();
            assert!(!line.contains('\u{1b}'));
        }
    }
}
