//! How the command line ends: one exit status per kind of outcome, and the mapping to it from
//! every error and outcome a command can meet.
//!
//! Scripts branch on these codes (the README documents them), so they are the same for
//! `--send`, `--listen`, `login`, `logout` and the rest: 0 success, 1 usage, 2 authentication
//! failed, 3 network or server error, 4 recipient unavailable or refused, 5 (`--send` only)
//! accepted by the server and stored for an offline recipient.

use crate::auth::AuthError;
use crate::headless::SendOutcome;
use crate::session::DisconnectReason;

/// The process exit status of any `flapjack` command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// It worked (0).
    Ok,
    /// The command line or the configuration was wrong (1).
    Usage,
    /// Signing on was refused, or there was nothing to sign on with (2).
    Auth,
    /// The network, the server, the keyring or the terminal failed (3).
    Network,
    /// The recipient is unavailable or refused the message (4).
    Refused,
    /// The server accepted the message and stored it for an offline recipient, who gets it on
    /// signing on (5): not a failure, but not delivered yet either.
    Stored,
}

impl Exit {
    /// The number the process exits with.
    pub fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::Usage => 1,
            Exit::Auth => 2,
            Exit::Network => 3,
            Exit::Refused => 4,
            Exit::Stored => 5,
        }
    }

    /// The status for a command line clap could not parse: `--help` and `--version` are
    /// successes printed on stdout, everything else is a usage error.
    pub fn for_clap(error: &clap::Error) -> Self {
        if error.use_stderr() {
            Exit::Usage
        } else {
            Exit::Ok
        }
    }

    /// The status for an HTTP sign-on error: a server that answered with codes refused us,
    /// anything else (no answer, bad URL, unreadable answer) is a network or server problem.
    pub fn for_auth_error(error: &AuthError) -> Self {
        match error {
            AuthError::Network { .. } => Exit::Network,
            _ if error.codes().is_some() => Exit::Auth,
            _ => Exit::Network,
        }
    }

    /// The status for a session that ended on its own while `--listen` waited on it.
    pub fn for_disconnect(reason: &DisconnectReason) -> Self {
        match reason {
            DisconnectReason::AuthFailed(_) => Exit::Auth,
            _ => Exit::Network,
        }
    }
}

impl From<SendOutcome> for Exit {
    fn from(outcome: SendOutcome) -> Self {
        match outcome {
            SendOutcome::Delivered => Exit::Ok,
            SendOutcome::Usage => Exit::Usage,
            SendOutcome::AuthFailed => Exit::Auth,
            SendOutcome::NetworkError => Exit::Network,
            SendOutcome::RecipientUnavailable => Exit::Refused,
            SendOutcome::Stored => Exit::Stored,
        }
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit.code())
    }
}

/// A command that failed: the error to show and the status to exit with.
#[derive(Debug)]
pub struct Failure {
    /// The status the process exits with.
    pub exit: Exit,
    /// What went wrong, with its causes.
    pub error: anyhow::Error,
}

impl Failure {
    /// A failure with an explicit status.
    pub fn new(exit: Exit, error: impl Into<anyhow::Error>) -> Self {
        Self { exit, error: error.into() }
    }

    /// The command line or the configuration was wrong.
    pub fn usage(error: impl Into<anyhow::Error>) -> Self {
        Self::new(Exit::Usage, error)
    }

    /// There is nothing to sign on with, or the server refused it.
    pub fn auth(error: impl Into<anyhow::Error>) -> Self {
        Self::new(Exit::Auth, error)
    }

    /// What is printed on stderr: the error and its causes joined by `: `, a cause left out
    /// when the text before it already says it (many errors repeat their source's text), with
    /// anything a terminal could act on neutralized (server text ends up in errors). Line
    /// breaks are kept, so a TOML error still shows its line and the caret under it.
    pub fn message(&self) -> String {
        let mut text = String::new();
        for cause in self.error.chain() {
            let part = cause.to_string();
            let part = part.trim_end();
            if part.is_empty() || text.contains(part) {
                continue;
            }
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(part);
        }
        format!("error: {}", crate::text::sanitize::neutralize(&text))
    }
}

impl From<anyhow::Error> for Failure {
    /// Errors without a more specific status are network or server errors.
    fn from(error: anyhow::Error) -> Self {
        Self::new(Exit::Network, error)
    }
}

impl From<AuthError> for Failure {
    fn from(error: AuthError) -> Self {
        Self::new(Exit::for_auth_error(&error), error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{Endpoint, ServerCodes};
    use crate::session::{NetworkError, SignOnFailure};
    use clap::Parser;

    #[test]
    fn codes_match_the_readme() {
        let codes: Vec<u8> =
            [Exit::Ok, Exit::Usage, Exit::Auth, Exit::Network, Exit::Refused, Exit::Stored]
                .into_iter()
                .map(Exit::code)
                .collect();
        assert_eq!(codes, vec![0, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn send_outcomes_keep_their_codes() {
        for outcome in [
            SendOutcome::Delivered,
            SendOutcome::Usage,
            SendOutcome::AuthFailed,
            SendOutcome::NetworkError,
            SendOutcome::RecipientUnavailable,
            SendOutcome::Stored,
        ] {
            assert_eq!(Exit::from(outcome).code(), outcome.exit_code(), "{outcome:?}");
        }
    }

    #[test]
    fn help_and_version_succeed_and_bad_flags_are_usage_errors() {
        let parse = |args: &[&str]| match crate::cli::args::Cli::try_parse_from(args) {
            Ok(_) => Exit::Ok,
            Err(e) => Exit::for_clap(&e),
        };
        assert_eq!(parse(&["flapjack", "--help"]), Exit::Ok);
        assert_eq!(parse(&["flapjack", "--version"]), Exit::Ok);
        assert_eq!(parse(&["flapjack", "--no-such-flag"]), Exit::Usage);
        // `--send bob` parses (with `--room`, `--send` takes the message alone) and is refused
        // as a usage error before signing on: `room_send_args` and tests/cli_send.rs.
        assert_eq!(parse(&["flapjack", "--send", "bob", "hi", "there"]), Exit::Usage);
        assert_eq!(parse(&["flapjack", "--send", "bob", "hi", "--listen"]), Exit::Usage);
    }

    fn codes() -> ServerCodes {
        ServerCodes {
            endpoint: Endpoint::ClientLogin,
            http: 200,
            status: Some(330),
            detail: Some(3011),
        }
    }

    #[test]
    fn a_server_that_answered_refused_the_sign_on() {
        let refused = AuthError::IncorrectPassword(codes());
        assert_eq!(Exit::for_auth_error(&refused), Exit::Auth);
        assert_eq!(Failure::from(refused).exit, Exit::Auth);
    }

    #[test]
    fn no_answer_or_a_bad_url_is_a_network_error() {
        let bad_url = AuthError::BadUrl { url: "ftp://x".into(), reason: "not http" };
        assert_eq!(Exit::for_auth_error(&bad_url), Exit::Network);
    }

    #[test]
    fn listen_maps_disconnects() {
        let auth = DisconnectReason::AuthFailed(SignOnFailure::Http("bad password".into()));
        assert_eq!(Exit::for_disconnect(&auth), Exit::Auth);
        for other in [
            DisconnectReason::SignedOff,
            DisconnectReason::SignedOnElsewhere,
            DisconnectReason::RateLimited,
            DisconnectReason::Network(NetworkError::Transport("reset".into())),
            DisconnectReason::ServerClosed(None),
        ] {
            assert_eq!(Exit::for_disconnect(&other), Exit::Network, "{other:?}");
        }
    }

    #[test]
    fn untyped_errors_are_network_errors_and_messages_are_one_safe_line() {
        let failure = Failure::from(anyhow::anyhow!("boom\u{1b}[2J").context("while testing"));
        assert_eq!(failure.exit, Exit::Network);
        let message = failure.message();
        assert!(message.starts_with("error: while testing: boom"), "{message}");
        assert!(!message.contains('\u{1b}'), "{message}");
        assert_eq!(Failure::usage(anyhow::anyhow!("x")).exit, Exit::Usage);
        let evil = Failure::from(anyhow::anyhow!("two\nlines\u{1b}[2J\rx"));
        assert_eq!(evil.message(), "error: two\nlines␛[2J␍x", "line breaks kept, controls shown");
    }

    /// An error that prints its source's text and also returns it as its source.
    #[derive(Debug, thiserror::Error)]
    #[error("cannot listen on 127.0.0.1:5190: {0}")]
    struct Repeats(#[source] std::io::Error);

    #[test]
    fn a_cause_already_said_is_not_said_twice() {
        let io = std::io::Error::from(std::io::ErrorKind::AddrInUse);
        let said = io.to_string();
        let failure = Failure::from(anyhow::Error::from(Repeats(io)).context("starting"));
        let message = failure.message();
        assert_eq!(message, format!("error: starting: cannot listen on 127.0.0.1:5190: {said}"));
        assert_eq!(message.matches(&said).count(), 1, "{message}");
        assert_eq!(Failure::auth(anyhow::anyhow!("x")).exit, Exit::Auth);
    }
}
