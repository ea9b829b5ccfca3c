//! Buddy icons in the state: the pictures buddies send, and our own icon (`/icon PATH`,
//! `/icon off`, `[account] icon`).
//!
//! Reading and re-encoding our own image file is file work, so the App only asks for it
//! ([`Action::LoadIcon`]); the run loop reads the file and hands the result back to
//! [`App::icon_prepared`], which says what happened and gives the command for the session.

use std::path::{Path, PathBuf};

use bytes::Bytes;

use super::{Action, App};
use crate::screenname::ScreenName;
use crate::session::{Command, IconFailure};
use crate::tui::icons::{IconError, DEFAULT_MAX_BYTES};
use crate::words;

/// Our own icon as the App tracks it.
#[derive(Debug, Default)]
pub(super) struct OwnIcon {
    /// The server's limit (`Event::IconLimit`), once known.
    pub(super) limit: Option<usize>,
    /// `[account] icon`, set at the first sign-on of this run and then forgotten.
    pub(super) configured: Option<PathBuf>,
    /// Whether the change awaiting the server's answer removes the icon.
    pub(super) removing: bool,
}

impl App {
    /// Sets the icon in `path` (from `[account] icon`) once the server has said its limit.
    pub fn with_own_icon(mut self, path: PathBuf) -> Self {
        self.own_icon.configured = Some(path);
        self
    }

    /// The most bytes our icon may take: the server's limit, or the classic AIM one until the
    /// server says.
    pub fn icon_limit(&self) -> usize {
        self.own_icon.limit.unwrap_or(DEFAULT_MAX_BYTES)
    }

    /// A buddy's icon arrived: decoded and scaled now, so no frame decodes. A picture that
    /// will not decode is dropped (and the buddy shows no icon), without bothering the user.
    pub(super) fn buddy_icon(&mut self, name: ScreenName, hash: Bytes, data: &[u8]) {
        if let Err(e) = self.icons.insert(name, hash, data) {
            tracing::debug!("a buddy's icon was not decoded: {e}");
        }
    }

    /// The server's icon limit arrived; the configured icon is set now, once per run.
    pub(super) fn icon_limit_known(&mut self, max_bytes: usize) -> Vec<Action> {
        self.own_icon.limit = Some(max_bytes);
        self.own_icon.configured.take().map(Action::LoadIcon).into_iter().collect()
    }

    /// The server's answer to our icon change.
    pub(super) fn icon_set(&mut self, result: Result<(), IconFailure>) {
        match result {
            Ok(()) => self.set_notice(words::icon_set(self.own_icon.removing), false),
            Err(failure) => {
                if let IconFailure::TooLarge { max_bytes } = failure {
                    self.own_icon.limit = Some(max_bytes);
                }
                self.set_notice(&words::icon_failed(&failure), true);
            }
        }
    }

    /// `/icon PATH` or `/icon off`.
    pub(super) fn icon_command(&mut self, path: Option<PathBuf>) -> Vec<Action> {
        match path {
            Some(path) => vec![Action::LoadIcon(expand_home(path))],
            None => {
                self.own_icon.removing = true;
                self.set_notice(words::icon_clearing(), false);
                vec![Action::Send(Command::SetIcon(None))]
            }
        }
    }

    /// The run loop read and prepared the file an [`Action::LoadIcon`] named: the command to
    /// send, or `None` after saying why the file cannot be used.
    pub fn icon_prepared(
        &mut self,
        path: &Path,
        prepared: Result<Bytes, IconError>,
    ) -> Option<Command> {
        match prepared {
            Ok(icon) => {
                self.own_icon.removing = false;
                self.set_notice(&words::icon_uploading(path, icon.len()), false);
                Some(Command::SetIcon(Some(icon)))
            }
            Err(e) => {
                self.set_notice(&words::icon_not_prepared(path, &e), true);
                None
            }
        }
    }
}

/// `~/…` as the home directory, as a shell would have done.
fn expand_home(path: PathBuf) -> PathBuf {
    match (path.strip_prefix("~"), directories::BaseDirs::new()) {
        (Ok(rest), Some(dirs)) => dirs.home_dir().join(rest),
        _ => path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::UiConfig;
    use crate::session::Event;
    use crate::tui::keymap::Keymap;
    use std::time::Instant;

    fn app() -> App {
        App::new("me", Keymap::default(), UiConfig::default())
    }

    #[test]
    fn the_configured_icon_is_loaded_once_the_limit_is_known_and_only_once() {
        let mut app = app().with_own_icon(PathBuf::from("/tmp/me.png"));
        assert_eq!(app.icon_limit(), DEFAULT_MAX_BYTES);
        let r = app.handle_event(Event::IconLimit { max_bytes: 4096 }, Instant::now());
        assert_eq!(r.actions, vec![Action::LoadIcon(PathBuf::from("/tmp/me.png"))]);
        assert_eq!(app.icon_limit(), 4096);
        let r = app.handle_event(Event::IconLimit { max_bytes: 4096 }, Instant::now());
        assert!(r.actions.is_empty(), "a reconnect does not upload again");
    }

    #[test]
    fn a_prepared_icon_is_sent_and_a_bad_file_only_explained() {
        let mut app = app();
        let path = Path::new("/x/me.png");
        let cmd = app.icon_prepared(path, Ok(Bytes::from_static(b"GIF89a")));
        assert_eq!(cmd, Some(Command::SetIcon(Some(Bytes::from_static(b"GIF89a")))));
        assert!(!app.notice.as_ref().unwrap().error);
        assert_eq!(app.icon_prepared(path, Err(IconError::Unrecognized)), None);
        let notice = app.notice.clone().unwrap();
        assert!(notice.error && notice.text.contains("/x/me.png"), "{notice:?}");
    }

    #[test]
    fn the_servers_answer_is_told_and_its_limit_remembered() {
        let mut app = app();
        assert_eq!(app.icon_command(None), vec![Action::Send(Command::SetIcon(None))]);
        app.handle_event(Event::IconSet(Ok(())), Instant::now());
        assert_eq!(app.notice.as_ref().unwrap().text, words::icon_set(true));
        let too_large = IconFailure::TooLarge { max_bytes: 2048 };
        app.handle_event(Event::IconSet(Err(too_large)), Instant::now());
        assert!(app.notice.as_ref().unwrap().error);
        assert_eq!(app.icon_limit(), 2048);
    }
}
