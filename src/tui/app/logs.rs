//! Conversation logs as the App sees them: requests queued for the run loop, and the answers it
//! brings back. No file is opened here, so the reducer stays testable without a disk and the run
//! loop alone decides when the disk is touched.

use super::App;
use crate::screenname::ScreenName;
use crate::text::neutralize_line;
use crate::tui::conversation::{ChatLine, Delivery, LineKind, RoomView};
use crate::tui::history::{Direction, History, HistoryError, HistoryOp, Mark, Record};

impl App {
    /// The log the run loop reads and writes for this App, if conversations are logged at all.
    pub fn history(&self) -> Option<&History> {
        self.history.as_ref()
    }

    /// True when conversations are logged: a log is set and the user has not turned logging off.
    fn logging(&self) -> bool {
        self.ui.history && self.history.is_some()
    }

    /// Queues a record for `peer`'s log.
    pub(super) fn log(&mut self, peer: &ScreenName, record: Record) {
        if self.logging() {
            self.history_ops.push(HistoryOp::Append { peer: peer.clone(), record });
        }
    }

    /// Queues loading `peer`'s log into the chat that is being opened.
    pub(super) fn request_history(&mut self, peer: &ScreenName) {
        if self.logging() {
            let max = self.ui.history_lines;
            self.history_ops.push(HistoryOp::Load { peer: peer.clone(), max });
        }
    }

    /// Queues a record for the chat room `room`'s log.
    pub(super) fn log_room(&mut self, room: &str, record: Record) {
        if self.logging() {
            self.history_ops.push(HistoryOp::AppendRoom { room: room.to_string(), record });
        }
    }

    /// Queues loading the room's log into its tab that is being opened.
    pub(super) fn request_room_history(&mut self, room: &str) {
        if self.logging() {
            let max = self.ui.history_lines;
            self.history_ops.push(HistoryOp::LoadRoom { room: room.to_string(), max });
        }
    }

    /// Puts what was loaded from a room's log above the lines its tab already holds, as
    /// [`App::history_loaded`] does for a buddy.
    pub fn room_history_loaded(&mut self, room: &str, loaded: Result<Vec<Record>, HistoryError>) {
        self.history_loaded(&RoomView::key(room), loaded);
    }

    /// Takes the log work queued since the last call, in the order it was asked for; the run
    /// loop performs it before drawing, so a user sees no difference from doing it inline.
    pub fn take_history_ops(&mut self) -> Vec<HistoryOp> {
        std::mem::take(&mut self.history_ops)
    }

    /// Puts what was loaded from `peer`'s log above the lines its chat already holds (an IM that
    /// opened the chat arrived after everything logged), or says why the log could not be read.
    pub fn history_loaded(&mut self, peer: &ScreenName, loaded: Result<Vec<Record>, HistoryError>) {
        let records = match loaded {
            Ok(records) => records,
            Err(e) => {
                tracing::warn!("cannot load history: {e}");
                self.set_notice(&format!("cannot load history: {e}"), true);
                return;
            }
        };
        let own = ScreenName::from_wire(&self.account);
        let Some(conv) = self.chats.iter_mut().find(|c| &c.peer == peer) else { return };
        let logged = merge_marks(records, &own);
        let n = logged.len();
        conv.lines.splice(0..0, logged);
        // Anything that points at a line by index keeps pointing at the same line.
        if let Some(anchor) = conv.scroll.as_mut() {
            anchor.msg += n;
        }
        if let Some(marker) = conv.marker.as_mut() {
            *marker += n;
        }
        if let Some(current) = conv.search.as_mut().and_then(|s| s.current.as_mut()) {
            *current += n;
        }
        if let Some(room) = conv.room.as_mut() {
            for i in &mut room.pending {
                *i += n;
            }
        }
    }

    /// Says in the status bar that a record could not be written to the log.
    pub fn history_not_written(&mut self, error: &HistoryError) {
        tracing::warn!("cannot write history: {error}");
        self.set_notice(&format!("cannot write history: {error}"), true);
    }
}

/// The lines of loaded records (room lines by their sender), with each mark applied to the outgoing message it repeats
/// (the latest with the same time and text; a later mark replaces an earlier one); a mark whose
/// message fell outside the loaded tail is shown as that message.
fn merge_marks(records: Vec<Record>, own: &ScreenName) -> Vec<ChatLine> {
    let mut lines: Vec<ChatLine> = Vec::with_capacity(records.len());
    for r in records {
        let kind = match (r.dir, &r.mark) {
            // Someone's line in a chat room: shown as in the room, highlighted if it names us.
            (Direction::In, _) if r.from.is_some() => LineKind::Room {
                from: neutralize_line(r.from.as_deref().unwrap_or_default()).into_owned(),
                mention: super::mentions(&r.text, own),
            },
            (Direction::In, _) => LineKind::Incoming { auto: r.auto, offline: false },
            (Direction::Out, Some(mark)) => {
                let shown = match mark {
                    Mark::Delivered => Delivery::Logged,
                    Mark::Stored => Delivery::Stored,
                    Mark::Accepted => Delivery::Accepted,
                    Mark::Failed(reason) => Delivery::FailedLogged(reason.clone()),
                };
                let time = r.time();
                let marked = lines.iter_mut().rev().find_map(|l| match &mut l.kind {
                    LineKind::Outgoing { delivery, raw, .. }
                        if l.time == time && *raw == r.text =>
                    {
                        Some(delivery)
                    }
                    _ => None,
                });
                if let Some(delivery) = marked {
                    *delivery = shown;
                    continue;
                }
                LineKind::Outgoing { id: None, delivery: shown, raw: r.text.clone() }
            }
            (Direction::Out, None) => {
                LineKind::Outgoing { id: None, delivery: Delivery::Logged, raw: r.text.clone() }
            }
        };
        lines.push(ChatLine::new(r.time(), kind, &r.text));
    }
    lines
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::{Duration, Instant, UNIX_EPOCH};

    use super::*;
    use crate::config::UiConfig;
    use crate::session::{Event, IncomingIm};
    use crate::tui::keymap::Keymap;

    fn im(from: &str, text: &str) -> Event {
        Event::ImReceived(IncomingIm {
            from: ScreenName::from_wire(from),
            text: text.into(),
            time: UNIX_EPOCH + Duration::from_secs(60),
            auto_response: false,
            offline: false,
        })
    }

    fn logged_app(ui: UiConfig) -> App {
        App::new("me", Keymap::default(), ui)
            .with_history(History::new(Path::new("/nonexistent"), "me"))
    }

    #[test]
    fn the_reducer_queues_log_work_instead_of_doing_it() {
        let mut app = logged_app(UiConfig::default());
        let bob = ScreenName::from_wire("bob");
        app.handle_event(im("bob", "hi"), Instant::now());
        let max = app.ui.history_lines;
        assert_eq!(
            app.take_history_ops(),
            [
                HistoryOp::Load { peer: bob.clone(), max },
                HistoryOp::Append {
                    peer: bob,
                    record: Record::new(
                        UNIX_EPOCH + Duration::from_secs(60),
                        Direction::In,
                        "hi",
                        false
                    ),
                },
            ]
        );
        assert!(app.take_history_ops().is_empty());
    }

    #[test]
    fn nothing_is_queued_without_a_log_or_with_logging_off() {
        let mut app = App::new("me", Keymap::default(), UiConfig::default());
        app.handle_event(im("bob", "hi"), Instant::now());
        assert!(app.take_history_ops().is_empty());
        let mut app = logged_app(UiConfig { history: false, ..UiConfig::default() });
        app.handle_event(im("bob", "hi"), Instant::now());
        assert!(app.take_history_ops().is_empty());
    }

    #[test]
    fn loaded_lines_go_above_what_arrived_meanwhile() {
        let mut app = logged_app(UiConfig::default());
        let bob = ScreenName::from_wire("bob");
        app.handle_event(im("bob", "new"), Instant::now());
        let old = Record::new(UNIX_EPOCH, Direction::Out, "old", false);
        app.history_loaded(&bob, Ok(vec![old]));
        let lines: Vec<(&str, bool)> = app
            .active_chat()
            .map(|c| {
                c.lines
                    .iter()
                    .map(|l| (l.text.as_str(), matches!(l.kind, LineKind::Outgoing { .. })))
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(lines, [("old", true), ("new", false)]);
    }

    #[test]
    fn log_errors_reach_the_status_bar() {
        let mut app = logged_app(UiConfig::default());
        let err =
            || HistoryError::Io { path: "/x".into(), source: std::io::ErrorKind::Other.into() };
        app.history_loaded(&ScreenName::from_wire("bob"), Err(err()));
        assert!(app
            .notice
            .as_ref()
            .is_some_and(|n| n.error && n.text.starts_with("cannot load history: ")));
        app.history_not_written(&err());
        assert!(app
            .notice
            .as_ref()
            .is_some_and(|n| n.error && n.text.starts_with("cannot write history: ")));
    }
}
