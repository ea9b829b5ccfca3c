//! Keys and pastes: the keymap lookup per focus, the help and info windows, typing a search, and
//! editing the draft (with typing notifications to the buddy).

use std::time::Instant;

use crossterm::event::{KeyEvent, KeyEventKind};

use super::{Action, App, Focus, Overlay, Row};
use crate::session::{Command, TypingState};
use crate::tui::conversation::{Conversation, Formatter, Search};
use crate::tui::keymap::{Context, KeyAction, KeySpec};
use crate::tui::ui;

impl App {
    /// Handles a key press and says what to do; the screen is redrawn after every key.
    pub fn handle_key(&mut self, key: KeyEvent, now: Instant) -> Vec<Action> {
        if key.kind == KeyEventKind::Release {
            return Vec::new();
        }
        let spec = KeySpec::from_event(&key);
        if self.password_prompt.is_some() {
            return self.password_key(&spec);
        }
        if let Some(actions) = self.results_key(spec.code) {
            return actions;
        }
        if self.overlay.is_some() {
            self.overlay_key(&spec);
            return Vec::new();
        }
        if self.history_search.is_some() {
            return self.history_search_key(&spec, now);
        }
        if self.active_chat().and_then(|c| c.search.as_ref()).is_some_and(|s| s.editing) {
            self.search_key(&spec);
            return Vec::new();
        }
        match self.keymap.lookup(self.focus.context(), &spec) {
            Some(action) => self.perform(action, now),
            None => {
                if let crossterm::event::KeyCode::Char(c) = spec.code {
                    if spec.is_text() {
                        self.focus = Focus::Input;
                        self.input_mut().insert_char(c);
                        return self.after_edit(now);
                    }
                }
                Vec::new()
            }
        }
    }

    /// Keys while a window is over the panes: the help scrolls, most keys close it.
    fn overlay_key(&mut self, spec: &KeySpec) {
        use crossterm::event::KeyCode;
        let action = self.keymap.lookup(Context::Global, spec);
        // The help scrolls no further than its last screenful (the window keeps 2 rows of border
        // and at least 2 rows of screen around it).
        let help_rows = ui::help_lines(self).len();
        let max_scroll = help_rows.saturating_sub(usize::from(self.size.height).saturating_sub(2));
        if let Some(Overlay::Help { scroll }) = &mut self.overlay {
            *scroll = (*scroll).min(max_scroll);
        }
        match (&mut self.overlay, spec.code) {
            (Some(Overlay::Help { scroll }), KeyCode::Down | KeyCode::Char('j')) => *scroll += 1,
            (Some(Overlay::Help { scroll }), KeyCode::Up | KeyCode::Char('k')) => {
                *scroll = scroll.saturating_sub(1)
            }
            (Some(Overlay::Help { scroll }), KeyCode::PageDown | KeyCode::Char(' ')) => {
                *scroll += 10
            }
            (Some(Overlay::Help { scroll }), KeyCode::PageUp) => {
                *scroll = scroll.saturating_sub(10)
            }
            _ if action == Some(KeyAction::Quit) => self.overlay = None,
            _ if action == Some(KeyAction::Help) => self.overlay = None,
            (_, KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q')) => self.overlay = None,
            _ => {}
        }
        if let Some(Overlay::Help { scroll }) = &mut self.overlay {
            *scroll = (*scroll).min(max_scroll);
        }
    }

    /// Keys while a search query is typed: Enter jumps to the newest match, Esc cancels.
    fn search_key(&mut self, spec: &KeySpec) {
        use crossterm::event::KeyCode;
        let Some(i) = self.active_index() else { return };
        let Some(search) = self.chats.get_mut(i).and_then(|c| c.search.as_mut()) else { return };
        match spec.code {
            KeyCode::Esc => {
                if let Some(c) = self.chats.get_mut(i) {
                    c.search = None;
                }
            }
            KeyCode::Enter => {
                search.editing = false;
                self.focus = Focus::Conversation;
                self.jump_to_match(true, true);
            }
            KeyCode::Backspace => {
                search.query.pop();
            }
            KeyCode::Char(c) if spec.is_text() => search.query.push(c),
            _ => {}
        }
    }

    /// Moves the search to the next match; `older` searches up. `fresh` starts from the bottom
    /// of the view instead of the current match.
    fn jump_to_match(&mut self, older: bool, fresh: bool) {
        let Some(conv) = self.active_chat() else { return };
        let Some(search) = &conv.search else { return };
        let last = conv.lines.len().saturating_sub(1);
        let from = match (search.current, fresh) {
            (Some(c), false) if older => c.checked_sub(1),
            (Some(c), false) => Some(c + 1),
            _ => Some(conv.scroll.map_or(last, |a| a.msg)),
        };
        let found = from.and_then(|f| conv.find(&search.query, f, older));
        self.scroll(|c, fmt, height| {
            if let Some(s) = c.search.as_mut() {
                s.not_found = found.is_none();
                if found.is_some() {
                    s.current = found;
                }
            }
            if let Some(idx) = found {
                c.show_message(idx, fmt, height);
            }
        });
    }

    /// Does what a bound key asks.
    fn perform(&mut self, action: KeyAction, now: Instant) -> Vec<Action> {
        use KeyAction as K;
        match action {
            K::Help => self.overlay = Some(Overlay::Help { scroll: 0 }),
            K::Quit => return vec![Action::Send(Command::SignOff), Action::Quit],
            K::FocusNext | K::FocusPrev => {
                let ring: &[Focus] = if self.active.is_some() {
                    &[Focus::Buddies, Focus::Conversation, Focus::Input]
                } else {
                    &[Focus::Buddies, Focus::Input]
                };
                let pos = ring.iter().position(|f| *f == self.focus).unwrap_or(0);
                let next = if action == K::FocusNext { pos + 1 } else { pos + ring.len() - 1 };
                self.focus = ring.get(next % ring.len()).copied().unwrap_or(Focus::Buddies);
            }
            K::NextChat => self.cycle_chat(true),
            K::PrevChat => self.cycle_chat(false),
            K::CloseChat => return self.close_chat(),
            K::Chat1
            | K::Chat2
            | K::Chat3
            | K::Chat4
            | K::Chat5
            | K::Chat6
            | K::Chat7
            | K::Chat8
            | K::Chat9 => {
                let n = [
                    K::Chat1,
                    K::Chat2,
                    K::Chat3,
                    K::Chat4,
                    K::Chat5,
                    K::Chat6,
                    K::Chat7,
                    K::Chat8,
                    K::Chat9,
                ]
                .iter()
                .position(|a| *a == action)
                .unwrap_or(0);
                self.switch_to_position(n);
            }
            K::ScrollUp => self.scroll(|c, f, h| c.scroll_up(h.saturating_sub(1).max(1), f, h)),
            K::ScrollDown => self.scroll(|c, f, h| c.scroll_down(h.saturating_sub(1).max(1), f)),
            K::LineUp => self.scroll(|c, f, h| c.scroll_up(1, f, h)),
            K::LineDown => self.scroll(|c, f, _| c.scroll_down(1, f)),
            K::ScrollBottom => self.scroll(|c, _, _| c.scroll_to_bottom()),
            K::Search | K::SearchHere => {
                let Some(i) = self.active_index() else {
                    self.set_notice("open a chat to search it", true);
                    return Vec::new();
                };
                if let Some(c) = self.chats.get_mut(i) {
                    let query = c.search.take().map(|s| s.query).unwrap_or_default();
                    c.search =
                        Some(Search { query, editing: true, current: None, not_found: false });
                }
            }
            K::NextMatch => self.jump_to_match(true, false),
            K::PrevMatch => self.jump_to_match(false, false),
            K::ClearSearch => {
                if let Some(i) = self.active_index() {
                    if let Some(c) = self.chats.get_mut(i) {
                        c.search = None;
                    }
                }
            }
            K::Retry => return self.retry(),
            K::HistorySearch => self.search_history(),
            K::Complete => return self.complete_input(now),
            K::WordLeft => self.input_mut().word_left(),
            K::WordRight => self.input_mut().word_right(),
            K::BuddyUp => self.move_selection(|i, _| i.saturating_sub(1)),
            K::BuddyDown => self.move_selection(|i, _| i + 1),
            K::BuddyFirst => self.move_selection(|_, _| 0),
            K::BuddyLast => self.move_selection(|_, n| n.saturating_sub(1)),
            K::OpenChat => self.activate_selection(),
            K::ToggleGroup => {
                let rows = self.rows();
                let group = rows.get(self.selected_index(&rows)).map(|r| match r {
                    Row::Group { index, .. } => *index,
                    Row::Buddy { group, .. } => *group,
                });
                if let Some(g) = group {
                    self.toggle_group(g);
                }
            }
            K::Send => return self.submit(now),
            K::Newline => {
                self.input_mut().insert_char('\n');
                return self.after_edit(now);
            }
            K::HistoryPrev => {
                let mut input = std::mem::take(self.input_mut());
                self.input_history.prev(&mut input);
                *self.input_mut() = input;
                return self.after_edit(now);
            }
            K::HistoryNext => {
                let mut input = std::mem::take(self.input_mut());
                self.input_history.next(&mut input);
                *self.input_mut() = input;
                return self.after_edit(now);
            }
            K::LeaveInput => self.focus = Focus::Buddies,
            K::CursorLeft => self.input_mut().left(),
            K::CursorRight => self.input_mut().right(),
            K::CursorHome => self.input_mut().home(),
            K::CursorEnd => self.input_mut().end(),
            K::DeleteBack
            | K::DeleteForward
            | K::DeleteWord
            | K::DeleteWordForward
            | K::KillToStart
            | K::KillToEnd
            | K::ClearInput => {
                let input = self.input_mut();
                match action {
                    K::DeleteBack => input.backspace(),
                    K::DeleteForward => input.delete(),
                    K::DeleteWord => input.delete_word(),
                    K::DeleteWordForward => input.delete_word_forward(),
                    K::KillToStart => input.kill_to_start(),
                    K::KillToEnd => input.kill_to_end(),
                    _ => {
                        input.take();
                    }
                }
                return self.after_edit(now);
            }
        }
        Vec::new()
    }

    /// Runs `f` on the chat on screen with its layout and view height, to scroll it.
    pub(super) fn scroll(&mut self, f: impl FnOnce(&mut Conversation, &Formatter<'_>, usize)) {
        let (width, height) = self.message_view();
        let Some(i) = self.active_index() else { return };
        let own = self.account.clone();
        let time_format = self.ui.timestamp_format.clone();
        let retry_key = self.retry_key.clone();
        let clock = self.clock;
        let Some(conv) = self.chats.get_mut(i) else { return };
        let peer = conv.peer_display.clone();
        let fmt = Formatter {
            width,
            time_format: &time_format,
            clock,
            own: &own,
            peer: &peer,
            retry_key: &retry_key,
            marker: conv.marker,
        };
        f(conv, &fmt, height);
    }

    /// After the draft changed: tells the buddy we are typing, or stopped, on state changes only.
    pub(super) fn after_edit(&mut self, now: Instant) -> Vec<Action> {
        let Some(i) = self.active_index() else { return Vec::new() };
        let Some(c) = self.chats.get_mut(i) else { return Vec::new() };
        // Rooms have no typing notifications (they are IMs to one buddy).
        if c.room.is_some() {
            return Vec::new();
        }
        let text = c.input.text();
        let want = if text.is_empty() || text.starts_with('/') {
            TypingState::Finished
        } else {
            TypingState::Typing
        };
        if want == TypingState::Typing {
            c.last_edit = Some(now);
        }
        if want == c.our_typing {
            return Vec::new();
        }
        c.our_typing = want;
        vec![Action::Send(Command::Typing { to: c.peer.clone(), state: want })]
    }

    /// Inserts pasted text into the input line as one block (newlines kept).
    pub fn handle_paste(&mut self, text: &str, now: Instant) -> Vec<Action> {
        if self.password_prompt.is_some() {
            self.password_paste(text);
            return Vec::new();
        }
        if self.overlay.is_some() {
            return Vec::new();
        }
        self.focus = Focus::Input;
        self.input_mut().insert_str(text);
        self.after_edit(now)
    }
}
