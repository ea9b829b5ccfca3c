//! Where the password comes from: `FLAPJACK_PASSWORD`, `--password-stdin`, or a prompt that does
//! not echo.
//!
//! The password is never taken from the command line, where `ps` and shell history would show
//! it. [`choose`] decides the source without touching the terminal, so the rules are tested;
//! [`optional_password`] then reads from it.

use std::io::{BufRead, IsTerminal, Write};

use crate::auth::Secret;

/// The environment variable a script can put the password in.
pub const PASSWORD_ENV: &str = "FLAPJACK_PASSWORD";

/// Where the password will be read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordSource {
    /// `FLAPJACK_PASSWORD` is set and not empty.
    Environment,
    /// `--password-stdin`: the first line of standard input.
    Stdin,
    /// A prompt on the terminal, without echo.
    Prompt,
    /// Nowhere: no variable, no flag, and no terminal to ask on.
    Nothing,
}

/// Why no password could be read; each message says what to change.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// `--password-stdin` was given while stdin carries the message of `--send BUDDY -`.
    #[error("--password-stdin cannot be combined with a message read from stdin (`-`)")]
    StdinTaken,
    /// Standard input could not be read.
    #[error("cannot read the password from stdin")]
    ReadStdin(#[source] std::io::Error),
    /// Standard input ended, or its first line was empty.
    #[error("--password-stdin: standard input held no password")]
    EmptyStdin,
    /// The prompt could not be written.
    #[error(transparent)]
    Prompt(#[from] std::io::Error),
    /// The terminal refused raw mode, which the no-echo prompt needs.
    #[error("cannot switch the terminal to raw mode")]
    RawMode(#[source] std::io::Error),
    /// Reading a key from the terminal failed.
    #[error("cannot read from the terminal")]
    ReadTerminal(#[source] std::io::Error),
    /// The user pressed Ctrl-C at the prompt.
    #[error("cancelled")]
    Cancelled,
}

/// Picks the password source. `env` is the value of [`PASSWORD_ENV`]; `stdin_taken` says stdin
/// already carries the message; `terminal` says both stdin and stderr are terminals.
pub fn choose(
    env: Option<&str>,
    password_stdin: bool,
    stdin_taken: bool,
    terminal: bool,
) -> Result<PasswordSource, PasswordError> {
    if env.is_some_and(|p| !p.is_empty()) {
        return Ok(PasswordSource::Environment);
    }
    if password_stdin {
        if stdin_taken {
            return Err(PasswordError::StdinTaken);
        }
        return Ok(PasswordSource::Stdin);
    }
    if terminal && !stdin_taken {
        return Ok(PasswordSource::Prompt);
    }
    Ok(PasswordSource::Nothing)
}

/// The password from the first line read by `--password-stdin`, without its line ending.
pub fn from_stdin_line(line: &str) -> Result<Secret, PasswordError> {
    let password = line.trim_end_matches(['\r', '\n']);
    if password.is_empty() {
        return Err(PasswordError::EmptyStdin);
    }
    Ok(Secret::new(password))
}

/// `FLAPJACK_PASSWORD`, when it is set and not empty.
pub fn from_env() -> Option<Secret> {
    std::env::var(PASSWORD_ENV).ok().filter(|p| !p.is_empty()).map(Secret::new)
}

/// The password when one is available: `FLAPJACK_PASSWORD`, `--password-stdin`, or a prompt
/// without echo when a terminal is attached. `None` when there is no source.
pub fn optional_password(
    password_stdin: bool,
    user: &str,
    stdin_taken: bool,
) -> Result<Option<Secret>, PasswordError> {
    let env = std::env::var(PASSWORD_ENV).ok();
    let terminal = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    match choose(env.as_deref(), password_stdin, stdin_taken, terminal)? {
        PasswordSource::Environment => Ok(env.map(Secret::new)),
        PasswordSource::Stdin => {
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line).map_err(PasswordError::ReadStdin)?;
            from_stdin_line(&line).map(Some)
        }
        PasswordSource::Prompt => prompt_password(&format!("Password for {user}: ")).map(Some),
        PasswordSource::Nothing => Ok(None),
    }
}

/// The password only if it was given without asking (`FLAPJACK_PASSWORD`, `--password-stdin`):
/// with a stored token it may not be needed, so nobody is prompted for it up front.
pub fn given_password(
    password_stdin: bool,
    stdin_taken: bool,
) -> Result<Option<Secret>, PasswordError> {
    let env = std::env::var(PASSWORD_ENV).ok();
    match choose(env.as_deref(), password_stdin, stdin_taken, false)? {
        PasswordSource::Environment => Ok(env.map(Secret::new)),
        PasswordSource::Stdin => {
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line).map_err(PasswordError::ReadStdin)?;
            from_stdin_line(&line).map(Some)
        }
        PasswordSource::Prompt | PasswordSource::Nothing => Ok(None),
    }
}

/// A hook that prompts for `user`'s password once a stored token is refused, when there is a
/// terminal to ask on and stdin is not carrying the message; `None` otherwise.
pub fn prompt_hook(user: &str, stdin_taken: bool) -> Option<crate::session::PasswordPrompt> {
    let terminal = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if choose(None, false, stdin_taken, terminal).ok()? != PasswordSource::Prompt {
        return None;
    }
    let prompt = format!("The stored sign-on token was refused. Password for {user}: ");
    Some(std::sync::Arc::new(move || match prompt_password(&prompt) {
        Ok(password) if !password.expose().is_empty() => Some(password),
        Ok(_) => None,
        Err(e) => {
            eprintln!("flapjack: {e}");
            None
        }
    }))
}

/// Reads a line from the terminal in raw mode so nothing is echoed.
pub fn prompt_password(prompt: &str) -> Result<Secret, PasswordError> {
    use crossterm::event::{read, Event, KeyCode, KeyEventKind, KeyModifiers};
    struct RawGuard;
    impl Drop for RawGuard {
        fn drop(&mut self) {
            let _ = crossterm::terminal::disable_raw_mode();
        }
    }
    let mut stderr = std::io::stderr();
    write!(stderr, "{prompt}")?;
    stderr.flush()?;
    crossterm::terminal::enable_raw_mode().map_err(PasswordError::RawMode)?;
    let guard = RawGuard;
    let mut password = String::new();
    loop {
        if let Event::Key(key) = read().map_err(PasswordError::ReadTerminal)? {
            if key.kind != KeyEventKind::Press {
                continue;
            }
            match key.code {
                KeyCode::Enter => break,
                KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                    drop(guard);
                    eprintln!();
                    return Err(PasswordError::Cancelled);
                }
                KeyCode::Backspace => {
                    password.pop();
                }
                KeyCode::Char(c) => password.push(c),
                _ => {}
            }
        }
    }
    drop(guard);
    eprintln!();
    Ok(Secret::new(password))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_wins_over_every_other_source() {
        for (stdin_flag, taken, terminal) in [(true, true, true), (true, false, false)] {
            assert_eq!(
                choose(Some("pw"), stdin_flag, taken, terminal).unwrap(),
                PasswordSource::Environment
            );
        }
    }

    #[test]
    fn an_empty_variable_counts_as_unset() {
        assert_eq!(choose(Some(""), false, false, false).unwrap(), PasswordSource::Nothing);
        assert_eq!(choose(Some(""), true, false, false).unwrap(), PasswordSource::Stdin);
    }

    #[test]
    fn password_stdin_beats_the_prompt_but_not_a_message_on_stdin() {
        assert_eq!(choose(None, true, false, true).unwrap(), PasswordSource::Stdin);
        assert!(matches!(choose(None, true, true, true), Err(PasswordError::StdinTaken)));
    }

    #[test]
    fn the_prompt_needs_a_terminal_and_a_free_stdin() {
        assert_eq!(choose(None, false, false, true).unwrap(), PasswordSource::Prompt);
        assert_eq!(choose(None, false, true, true).unwrap(), PasswordSource::Nothing);
        assert_eq!(choose(None, false, false, false).unwrap(), PasswordSource::Nothing);
    }

    #[test]
    fn a_stdin_line_loses_its_line_ending_and_must_not_be_empty() {
        assert_eq!(from_stdin_line("pw\r\n").unwrap().expose(), "pw");
        assert_eq!(from_stdin_line(" pw \n").unwrap().expose(), " pw ", "spaces are kept");
        assert!(matches!(from_stdin_line("\n"), Err(PasswordError::EmptyStdin)));
        assert!(matches!(from_stdin_line(""), Err(PasswordError::EmptyStdin)));
    }

    #[test]
    fn errors_say_what_to_change() {
        let text = PasswordError::StdinTaken.to_string();
        assert!(text.contains("--password-stdin") && text.contains("`-`"), "{text}");
        let read = PasswordError::ReadStdin(std::io::Error::other("closed"));
        assert_eq!(
            format!("{:#}", anyhow::Error::from(read)),
            "cannot read the password from stdin: closed"
        );
    }
}
