//! Conversation logs: appending messages to a buddy's log and loading it into a chat that opens.
//! Failures never stop the TUI; they are shown in the status bar.

use super::App;
use crate::screenname::ScreenName;
use crate::tui::conversation::{ChatLine, Conversation, Delivery, LineKind};
use crate::tui::history::{Direction, Record};

impl App {
    /// Appends a record to `peer`'s log, if conversations are logged.
    pub(super) fn log(&mut self, peer: &ScreenName, record: Record) {
        if !self.ui.history {
            return;
        }
        if let Some(h) = &self.history {
            if let Err(e) = h.append(peer, &record) {
                tracing::warn!("cannot write history: {e}");
                self.set_notice(&format!("cannot write history: {e}"), true);
            }
        }
    }

    /// Fills a new chat with the end of its log, if conversations are logged.
    pub(super) fn load_history(&mut self, conv: &mut Conversation) {
        if let (Some(h), true) = (&self.history, self.ui.history) {
            match h.load(&conv.peer, self.ui.history_lines) {
                Ok(records) => {
                    conv.lines = records
                        .into_iter()
                        .map(|r| {
                            let kind = match r.dir {
                                Direction::In => {
                                    LineKind::Incoming { auto: r.auto, offline: false }
                                }
                                Direction::Out => LineKind::Outgoing {
                                    id: None,
                                    delivery: Delivery::Logged,
                                    raw: r.text.clone(),
                                },
                            };
                            ChatLine::new(r.time(), kind, &r.text)
                        })
                        .collect();
                }
                Err(e) => {
                    tracing::warn!("cannot load history: {e}");
                    self.set_notice(&format!("cannot load history: {e}"), true);
                }
            }
        }
    }
}
