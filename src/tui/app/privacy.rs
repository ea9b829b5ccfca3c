//! Privacy and warnings in the TUI: `/block`, `/unblock`, `/privacy`, `/warn`, the settings the
//! session reports, and the marks the buddy list and status bar show for them.

use super::{Action, App};
use crate::screenname::ScreenName;
use crate::session::{Command, FeedbagAction, Privacy, PrivacyMode};
use crate::words;

impl App {
    /// `/block NAME` or `/unblock NAME`: says what is under way, asks the session.
    pub(super) fn block(&mut self, name: ScreenName, block: bool) -> Vec<Action> {
        let (action, command) = if block {
            (FeedbagAction::Block { name: name.clone() }, Command::Block { name })
        } else {
            (FeedbagAction::Unblock { name: name.clone() }, Command::Unblock { name })
        };
        self.set_notice(&words::feedbag_action(&action), false);
        vec![Action::Send(command)]
    }

    /// `/privacy [MODE]`: sets the mode, or shows the settings when none is given.
    pub(super) fn privacy_command(&mut self, mode: Option<PrivacyMode>) -> Vec<Action> {
        match mode {
            None => {
                self.set_notice(&words::privacy_summary(&self.privacy), false);
                Vec::new()
            }
            Some(mode) if mode == self.privacy.mode => {
                self.set_notice(&words::privacy_summary(&self.privacy), false);
                Vec::new()
            }
            Some(mode) => {
                self.set_notice(&words::feedbag_action(&FeedbagAction::SetPrivacy(mode)), false);
                vec![Action::Send(Command::SetPrivacy(mode))]
            }
        }
    }

    /// `/warn [NAME] [anon]`: warns NAME, or the person of the chat on screen.
    pub(super) fn warn(&mut self, name: Option<ScreenName>, anonymous: bool) -> Vec<Action> {
        match name.or_else(|| self.active.clone().filter(|_| self.active_room().is_none())) {
            Some(name) => vec![Action::Send(Command::Warn { name, anonymous })],
            None => {
                self.set_notice(words::warn_needs_name(), true);
                Vec::new()
            }
        }
    }

    /// The session's privacy settings changed (or were loaded).
    pub(super) fn privacy_changed(&mut self, privacy: Privacy) {
        self.set_notice(&words::privacy_summary(&privacy), false);
        self.privacy = privacy;
    }

    /// What the buddy list shows right of a name for privacy and warnings: ⊘ for someone we
    /// block, their warning level when they have one.
    pub fn buddy_badges(&self, name: &ScreenName) -> String {
        let mut out = String::new();
        if self.privacy.blocked.contains(name) {
            out.push_str(" ⊘");
        }
        if let Some(p) = self.presence.get(name).filter(|p| p.warning_percent > 0) {
            out.push_str(&format!(" {}%", p.warning_percent));
        }
        out
    }
}
