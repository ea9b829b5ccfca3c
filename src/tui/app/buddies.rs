//! The buddy list as the App keeps it: groups with display names, rows in display order (signed-on
//! buddies first), the selection and folding.

use super::{App, Focus};
use crate::screenname::ScreenName;
use crate::session::{Availability, Buddy, BuddyList, IcqStatus};
use crate::text::neutralize_line;

/// One group of the buddy list, as shown.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupView {
    /// Name as stored.
    pub name: String,
    /// Name neutralized for display.
    pub display: String,
    /// Folded groups show only their heading.
    pub folded: bool,
    /// Buddies in stored order, with display names neutralized.
    pub buddies: Vec<(Buddy, String)>,
}

/// Identifies a buddy-list row across list changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowKey {
    /// A group heading, by group index and name.
    Group(usize, String),
    /// A buddy within a group (by group index).
    Buddy(usize, ScreenName),
}

/// One buddy-list row, borrowed from the state.
#[derive(Debug, Clone, Copy)]
pub enum Row<'a> {
    /// A group heading with its signed-on and total counts.
    Group {
        /// Index into [`App::groups`].
        index: usize,
        /// The group.
        group: &'a GroupView,
        /// Members signed on.
        online: usize,
        /// Members in all.
        total: usize,
    },
    /// A buddy.
    Buddy {
        /// Index of its group.
        group: usize,
        /// The buddy.
        buddy: &'a Buddy,
        /// Display name, neutralized.
        display: &'a str,
    },
}

impl Row<'_> {
    /// True when this row is the one `key` identifies (without allocating).
    pub fn is(&self, key: &RowKey) -> bool {
        match (self, key) {
            (Row::Group { index, group, .. }, RowKey::Group(i, name)) => {
                index == i && &group.name == name
            }
            (Row::Buddy { group, buddy, .. }, RowKey::Buddy(i, name)) => {
                group == i && &buddy.name == name
            }
            _ => false,
        }
    }

    /// The row's identity.
    pub fn key(&self) -> RowKey {
        match self {
            Row::Group { index, group, .. } => RowKey::Group(*index, group.name.clone()),
            Row::Buddy { group, buddy, .. } => RowKey::Buddy(*group, buddy.name.clone()),
        }
    }
}

impl App {
    /// How a buddy is doing (offline when the server never said).
    pub fn availability(&self, name: &ScreenName) -> Availability {
        self.presence.get(name).map_or(Availability::Offline, |p| p.availability)
    }

    /// A buddy's ICQ status, when the server reports one and it says more than "online".
    pub fn icq_status(&self, name: &ScreenName) -> Option<IcqStatus> {
        self.presence.get(name).and_then(|p| p.status).filter(|s| *s != IcqStatus::Online)
    }

    /// The buddy list as rows: group headings, then (unless folded) their buddies with the
    /// signed-on ones first, each part in stored order.
    pub fn rows(&self) -> Vec<Row<'_>> {
        let mut rows = Vec::with_capacity(self.groups.len() + self.buddy_count());
        let mut on = Vec::new();
        for (index, group) in self.groups.iter().enumerate() {
            on.clear();
            on.extend(
                group
                    .buddies
                    .iter()
                    .map(|(b, _)| self.availability(&b.name) != Availability::Offline),
            );
            let online = on.iter().filter(|o| **o).count();
            rows.push(Row::Group { index, group, online, total: group.buddies.len() });
            if group.folded {
                continue;
            }
            for want_online in [true, false] {
                for ((buddy, display), is_on) in group.buddies.iter().zip(&on) {
                    if *is_on == want_online {
                        rows.push(Row::Buddy { group: index, buddy, display });
                    }
                }
            }
        }
        rows
    }

    /// How many buddies the list holds, over all groups.
    fn buddy_count(&self) -> usize {
        self.groups.iter().map(|g| g.buddies.len()).sum()
    }

    /// Index of the selected row in `rows` (the first buddy when nothing is selected).
    pub fn selected_index(&self, rows: &[Row<'_>]) -> usize {
        let Some(sel) = &self.selected else {
            // Nothing chosen yet: start on the first buddy, so Enter opens a chat right away.
            return rows.iter().position(|r| matches!(r, Row::Buddy { .. })).unwrap_or(0);
        };
        rows.iter().position(|r| r.is(sel)).unwrap_or_else(|| {
            // The selected buddy went away (folded or removed): fall back to its group.
            let group = match sel {
                RowKey::Group(i, _) | RowKey::Buddy(i, _) => *i,
            };
            rows.iter()
                .position(|r| matches!(r, Row::Group { index, .. } if *index == group))
                .unwrap_or(0)
        })
    }

    /// Moves the selection to the row `to(current, row_count)` picks (clamped to the list).
    pub(super) fn move_selection(&mut self, to: impl FnOnce(usize, usize) -> usize) {
        let rows = self.rows();
        if rows.is_empty() {
            return;
        }
        let idx = to(self.selected_index(&rows), rows.len()).min(rows.len() - 1);
        self.selected = rows.get(idx).map(Row::key);
    }

    /// Folds or unfolds a group and selects its heading.
    pub(super) fn toggle_group(&mut self, index: usize) {
        if let Some(g) = self.groups.get_mut(index) {
            g.folded = !g.folded;
            self.selected = Some(RowKey::Group(index, g.name.clone()));
        }
    }

    /// Enter on the selection: opens a buddy's chat or folds a group.
    pub(super) fn activate_selection(&mut self) {
        let rows = self.rows();
        let key = rows.get(self.selected_index(&rows)).map(Row::key);
        match key {
            Some(RowKey::Group(i, _)) => self.toggle_group(i),
            Some(RowKey::Buddy(_, name)) => {
                self.open_chat(&name);
                self.focus = Focus::Input;
            }
            None => {}
        }
    }

    /// Replaces the list with the server's, keeping folded groups folded and the selection on
    /// the same buddy or group.
    pub(super) fn apply_buddy_list(&mut self, list: BuddyList) {
        let folded: Vec<String> =
            self.groups.iter().filter(|g| g.folded).map(|g| g.name.clone()).collect();
        self.groups = list
            .groups
            .into_iter()
            .map(|g| GroupView {
                display: neutralize_line(&g.name).into_owned(),
                folded: folded.contains(&g.name),
                buddies: g
                    .buddies
                    .into_iter()
                    .map(|b| {
                        let shown = match &b.alias {
                            Some(a) if !a.trim().is_empty() => a.as_str(),
                            _ => b.name.as_str(),
                        };
                        let display = neutralize_line(shown).into_owned();
                        (b, display)
                    })
                    .collect(),
                name: g.name,
            })
            .collect();
        // Keep the selection on the same buddy or group when it still exists, by name.
        self.selected = match self.selected.take() {
            Some(RowKey::Buddy(_, name)) => self
                .groups
                .iter()
                .position(|g| g.buddies.iter().any(|(b, _)| b.name == name))
                .map(|i| RowKey::Buddy(i, name)),
            Some(RowKey::Group(_, name)) => {
                self.groups.iter().position(|g| g.name == name).map(|i| RowKey::Group(i, name))
            }
            None => None,
        };
    }
}
