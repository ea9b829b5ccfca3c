//! The mouse: clicks select buddies, fold groups, switch chats and move the focus; the wheel
//! scrolls the pane under the pointer.

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Position;

use super::{App, Focus, Row, RowKey};
use crate::tui::ui;

impl App {
    /// Handles a mouse event: clicks select buddies, fold groups, switch chats and move the
    /// focus; the wheel scrolls. Returns true when something changed.
    pub fn handle_mouse(&mut self, ev: MouseEvent) -> bool {
        let l = ui::app_layout(self);
        let at = Position::new(ev.column, ev.row);
        match ev.kind {
            MouseEventKind::Down(MouseButton::Left) => {
                if self.overlay.is_some() {
                    self.overlay = None;
                    return true;
                }
                let list = ui::inner(l.buddies);
                if list.contains(at) {
                    self.focus = Focus::Buddies;
                    let row = self.buddy_offset.get() + usize::from(ev.row - list.y);
                    let key = self.rows().get(row).map(Row::key);
                    match key {
                        Some(RowKey::Group(i, _)) => self.toggle_group(i),
                        Some(key @ RowKey::Buddy(..)) => {
                            self.selected = Some(key);
                            self.activate_selection();
                        }
                        None => {}
                    }
                    return true;
                }
                if l.tabs.contains(at) {
                    let hit = ui::tab_spans(self)
                        .into_iter()
                        .find(|(_, x0, x1)| ev.column >= *x0 && ev.column < *x1);
                    if let Some((pos, _, _)) = hit {
                        self.switch_to_position(pos);
                        return true;
                    }
                    return false;
                }
                if l.conversation.contains(at) && self.active.is_some() {
                    self.focus = Focus::Conversation;
                    return true;
                }
                if l.input.contains(at) {
                    self.focus = Focus::Input;
                    return true;
                }
                false
            }
            MouseEventKind::ScrollUp if l.conversation.contains(at) => {
                self.scroll(|c, f, h| c.scroll_up(3, f, h));
                true
            }
            MouseEventKind::ScrollDown if l.conversation.contains(at) => {
                self.scroll(|c, f, _| c.scroll_down(3, f));
                true
            }
            MouseEventKind::ScrollUp if l.buddies.contains(at) => {
                self.move_selection(|i, _| i.saturating_sub(3));
                true
            }
            MouseEventKind::ScrollDown if l.buddies.contains(at) => {
                self.move_selection(|i, _| i + 3);
                true
            }
            _ => false,
        }
    }
}
