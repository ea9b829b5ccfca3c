//! Input-line habits from irssi and weechat: Tab completion of names and commands (Tab again
//! cycles), and Ctrl-R, searching what was typed before.

use std::time::Instant;

use crossterm::event::KeyCode;

use super::{Action, App, Focus};
use crate::text::neutralize_line;
use crate::tui::complete::{complete, Completion};
use crate::tui::input::InputLine;
use crate::tui::keymap::{Context, KeyAction, KeySpec};

/// A Tab completion in progress: pressing Tab again puts the next choice in its place.
#[derive(Debug, Clone)]
pub(super) struct Completing {
    /// The choices and the range the first one replaced.
    completion: Completion,
    /// Which choice is in the input now.
    index: usize,
    /// The input as the last Tab left it; any other edit ends the cycle.
    left: InputLine,
}

/// A Ctrl-R search through the input history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistorySearch {
    /// What is searched for.
    pub query: String,
    /// The matching entry's index and text, if any.
    pub found: Option<(usize, String)>,
    /// The input as it was before the search, restored by Esc.
    draft: InputLine,
}

impl App {
    /// The names Tab completes: buddies, open chats and the occupants of the room on screen,
    /// as displayed (neutralized).
    fn completion_names(&self) -> Vec<String> {
        let mut names: Vec<String> =
            self.groups.iter().flat_map(|g| g.buddies.iter().map(|(_, d)| d.clone())).collect();
        names
            .extend(self.chats.iter().filter(|c| c.room.is_none()).map(|c| c.peer_display.clone()));
        if let Some(room) = self.active_room() {
            names.extend(room.occupants.iter().map(|o| neutralize_line(o.as_str()).into_owned()));
        }
        names
    }

    /// Tab in the input line: completes the word before the cursor, or puts the next choice
    /// in place of the last one. With nothing to complete in an empty line, Tab moves the
    /// focus as it does elsewhere.
    pub(super) fn complete_input(&mut self, now: Instant) -> Vec<Action> {
        if let Some(mut c) = self.completing.take() {
            if *self.input() == c.left && c.completion.choices.len() > 1 {
                let old = c.completion.choices.get(c.index).map_or(0, String::len);
                c.index = (c.index + 1) % c.completion.choices.len();
                let start = c.completion.range.start;
                let next = c.completion.choices.get(c.index).cloned().unwrap_or_default();
                self.input_mut().replace(start..start + old, &next);
                c.left = self.input().clone();
                self.completing = Some(c);
                return self.after_edit(now);
            }
        }
        let input = self.input();
        let Some(completion) = complete(input.text(), input.cursor(), &self.completion_names())
        else {
            if self.input().is_empty() {
                self.focus = Focus::Buddies;
            }
            return Vec::new();
        };
        let first = completion.choices.first().cloned().unwrap_or_default();
        self.input_mut().replace(completion.range.clone(), &first);
        self.completing = Some(Completing { completion, index: 0, left: self.input().clone() });
        self.after_edit(now)
    }

    /// The Ctrl-R search in progress, if any (the input line shows it).
    pub fn history_search(&self) -> Option<&HistorySearch> {
        self.history_search.as_ref()
    }

    /// Ctrl-R: starts searching the input history, or (searching) finds the next older match.
    pub(super) fn search_history(&mut self) {
        self.focus = Focus::Input;
        match self.history_search.take() {
            None => {
                let draft = self.input().clone();
                self.history_search =
                    Some(HistorySearch { query: String::new(), found: None, draft });
            }
            Some(mut s) => {
                let before = s.found.as_ref().map(|(i, _)| *i);
                if let Some((i, text)) = self.input_history.search(&s.query, before) {
                    s.found = Some((i, text.to_string()));
                }
                self.history_search = Some(s);
            }
        }
    }

    /// A key while searching the history: text narrows the search, Backspace widens it, the
    /// search key finds an older match, Enter takes the match into the input line (to edit or
    /// send), Esc or Ctrl-G give the input back as it was; any other key takes the match and
    /// then does what it always does, as in readline.
    pub(super) fn history_search_key(&mut self, spec: &KeySpec, now: Instant) -> Vec<Action> {
        let action = self.keymap.lookup(Context::Global, spec);
        let Some(mut s) = self.history_search.take() else { return Vec::new() };
        let cancel = spec.code == KeyCode::Esc
            || (spec.code == KeyCode::Char('g')
                && spec.mods.contains(crossterm::event::KeyModifiers::CONTROL));
        if cancel {
            *self.input_mut() = s.draft;
            return self.after_edit(now);
        }
        match spec.code {
            KeyCode::Char(c) if spec.is_text() => {
                s.query.push(c);
                s.found = self.input_history.search(&s.query, None).map(|(i, t)| (i, t.into()));
                self.history_search = Some(s);
                return Vec::new();
            }
            KeyCode::Backspace => {
                s.query.pop();
                s.found = self.input_history.search(&s.query, None).map(|(i, t)| (i, t.into()));
                self.history_search = Some(s);
                return Vec::new();
            }
            _ if action == Some(KeyAction::HistorySearch) => {
                self.history_search = Some(s);
                self.search_history();
                return Vec::new();
            }
            _ => {}
        }
        match s.found {
            Some((_, text)) => self.input_mut().set(&text),
            None => *self.input_mut() = s.draft,
        }
        let mut actions = self.after_edit(now);
        if spec.code != KeyCode::Enter {
            actions.extend(
                self.handle_key(crossterm::event::KeyEvent::new(spec.code, spec.mods), now),
            );
        }
        actions
    }
}
