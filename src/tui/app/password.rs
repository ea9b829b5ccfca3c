//! Asking for the password again when the first sign-on was refused for it ("incorrect
//! password", or no token and no password), instead of leaving a dead screen. The typed
//! password is masked on screen, never logged, and handed to the run loop once, in
//! [`Action::SignOnAgain`], which starts a new session with it.

use crossterm::event::KeyCode;
use std::fmt;

use super::{Action, App, ConnState, Focus};
use crate::auth::Secret;
use crate::session::DisconnectReason;
use crate::tui::keymap::{Context, KeyAction, KeySpec};
use crate::words;

/// The password being typed after a refused sign-on.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct PasswordPrompt {
    /// What was typed (never shown, never logged: `Debug` redacts it).
    typed: String,
    /// Why the last sign-on was refused, as the status bar and the pane say it.
    pub reason: String,
}

impl PasswordPrompt {
    /// How many characters were typed, for the mask.
    pub fn typed_len(&self) -> usize {
        self.typed.chars().count()
    }
}

impl fmt::Debug for PasswordPrompt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordPrompt")
            .field("typed", &format_args!("[{} chars]", self.typed_len()))
            .field("reason", &self.reason)
            .finish()
    }
}

impl App {
    /// Lets the App ask for the password again after a refused first sign-on: the run loop
    /// says so when it can start a new session ([`Action::SignOnAgain`]).
    pub fn with_password_retry(mut self) -> Self {
        self.password_retry = true;
        self
    }

    /// The password prompt on screen, if any.
    pub fn password_prompt(&self) -> Option<&PasswordPrompt> {
        self.password_prompt.as_ref()
    }

    /// The session ended: when the server refused the password (or there was none to send),
    /// ask for it again.
    pub(super) fn maybe_ask_password(&mut self, reason: &DisconnectReason) {
        let DisconnectReason::AuthFailed(failure) = reason else { return };
        if !self.password_retry || !failure.needs_password() {
            return;
        }
        self.password_prompt =
            Some(PasswordPrompt { typed: String::new(), reason: words::disconnect(reason) });
        self.focus = Focus::Input;
        self.overlay = None;
    }

    /// A key while the password is asked for: characters are typed (masked), Backspace and
    /// Ctrl-U edit, Enter signs on again, Esc gives up (the screen stays as it was), and the
    /// quit key quits.
    pub(super) fn password_key(&mut self, spec: &KeySpec) -> Vec<Action> {
        if self.keymap.lookup(Context::Global, spec) == Some(KeyAction::Quit) {
            return vec![Action::Quit];
        }
        let Some(prompt) = self.password_prompt.as_mut() else { return Vec::new() };
        match spec.code {
            KeyCode::Char(c) if spec.is_text() => prompt.typed.push(c),
            KeyCode::Char('u') if spec.mods.contains(crossterm::event::KeyModifiers::CONTROL) => {
                prompt.typed.clear()
            }
            KeyCode::Backspace => {
                prompt.typed.pop();
            }
            KeyCode::Esc => {
                self.password_prompt = None;
                self.focus = Focus::Buddies;
            }
            KeyCode::Enter if !prompt.typed.is_empty() => {
                let password = Secret::new(std::mem::take(&mut prompt.typed));
                self.password_prompt = None;
                self.state = ConnState::Starting;
                self.set_notice(words::signing_on_again(), false);
                return vec![Action::SignOnAgain(password)];
            }
            _ => {}
        }
        Vec::new()
    }

    /// A paste while the password is asked for (a password manager): typed, line breaks
    /// dropped.
    pub(super) fn password_paste(&mut self, text: &str) {
        if let Some(prompt) = self.password_prompt.as_mut() {
            prompt.typed.extend(text.chars().filter(|c| *c != '\n' && *c != '\r'));
        }
    }
}
