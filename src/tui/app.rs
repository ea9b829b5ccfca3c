//! The TUI's state and everything that changes it, with no terminal in sight.
//!
//! [`App`] takes session [`Event`]s, key presses, mouse clicks and pastes, and answers with
//! [`Action`]s for the run loop (commands for the session, a bell, quit). Drawing is a pure
//! function of the state ([`super::ui::draw`]), so every state can be snapshot-tested.

use std::cell::Cell;
use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime};

use crossterm::event::{KeyEvent, KeyEventKind, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

use super::conversation::{ChatLine, Clock, Conversation, Delivery, Formatter, LineKind, Search};
use super::history::{Direction, History, Record};
use super::input::{InputHistory, InputLine};
use super::keymap::{Context, KeyAction, KeySpec, Keymap};
use super::ui;
use crate::config::UiConfig;
use crate::screenname::ScreenName;
use crate::session::{
    Availability, Buddy, BuddyList, Command, DisconnectReason, Event, MessageId, Presence,
    SignOnStep, TypingState, UserInfo,
};
use crate::text::neutralize_line;

/// After this long without a keystroke, "typing" becomes "paused".
pub const TYPING_PAUSE: Duration = Duration::from_secs(5);
/// A buddy's typing indicator disappears after this long without news (a crashed client never
/// says it stopped).
pub const PEER_TYPING_EXPIRY: Duration = Duration::from_secs(30);
/// Away message used by a bare `/away`.
pub const DEFAULT_AWAY: &str = "I'm away from my computer right now.";
/// Group a bare `/add NAME` puts the buddy in when the list has no groups yet.
pub const DEFAULT_GROUP: &str = "Buddies";

/// What the run loop must do on the App's behalf.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Send a command to the session.
    Send(Command),
    /// Ring the terminal bell.
    Bell,
    /// Leave the TUI.
    Quit,
}

/// The result of handling a session event or a timer: whether to redraw, and what to do.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Reaction {
    /// Something visible changed.
    pub redraw: bool,
    /// Things for the run loop to do.
    pub actions: Vec<Action>,
}

/// Where key presses go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// The buddy list.
    Buddies,
    /// The conversation's scrollback.
    Conversation,
    /// The input line.
    Input,
}

impl Focus {
    /// The keymap context for this focus.
    fn context(self) -> Context {
        match self {
            Focus::Buddies => Context::Buddies,
            Focus::Conversation => Context::Conversation,
            Focus::Input => Context::Input,
        }
    }
}

/// The connection as the status bar shows it.
#[derive(Debug, Clone, PartialEq)]
pub enum ConnState {
    /// Nothing heard from the session yet.
    Starting,
    /// Signing on, at this step.
    SigningOn(SignOnStep),
    /// Signed on (away or not: see [`App::away`]).
    Online,
    /// Connection lost; the session retries.
    Reconnecting {
        /// Attempt number, from 1.
        attempt: u32,
        /// Wait before the attempt.
        delay: Duration,
        /// What went wrong.
        reason: DisconnectReason,
    },
    /// The session is over.
    Offline(DisconnectReason),
}

/// A window drawn over the panes.
#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    /// The key and command list, scrolled down by this many rows.
    Help {
        /// Rows scrolled.
        scroll: usize,
    },
    /// A user's profile and away message.
    Info(UserInfo),
}

/// A one-line message in the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The text, neutralized.
    pub text: String,
    /// Shown as an error.
    pub error: bool,
}

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

/// The whole TUI state.
#[derive(Debug)]
pub struct App {
    /// The account label shown in the status bar (neutralized).
    pub account: String,
    /// Connection state.
    pub state: ConnState,
    /// Our away message, if away.
    pub away: Option<String>,
    /// Buddy-list groups in order.
    pub groups: Vec<GroupView>,
    /// Last known presence per buddy.
    pub presence: HashMap<ScreenName, Presence>,
    /// Open chats in the order they were opened.
    pub chats: Vec<Conversation>,
    /// Where keys go.
    pub focus: Focus,
    /// A window over the panes, if any.
    pub overlay: Option<Overlay>,
    /// The status-bar message, if any.
    pub notice: Option<Notice>,
    /// Key bindings.
    pub keymap: Keymap,
    /// UI preferences.
    pub ui: UiConfig,
    /// Time zone for message times.
    pub clock: Clock,
    /// Typing state per buddy, with when it was reported.
    pub typing: HashMap<ScreenName, (TypingState, Instant)>,
    /// Whether the terminal window has the focus (terminals that report focus changes tell
    /// us; others are assumed focused). An unfocused window is not being looked at.
    pub terminal_focused: bool,
    selected: Option<RowKey>,
    buddy_offset: Cell<usize>,
    active: Option<ScreenName>,
    command_input: InputLine,
    input_history: InputHistory,
    history: Option<History>,
    bells: HashMap<ScreenName, Instant>,
    next_id: MessageId,
    pending: HashMap<MessageId, ScreenName>,
    unread_seq: u64,
    size: Rect,
    retry_key: String,
    fixed_time: Option<SystemTime>,
}

impl App {
    /// A fresh state for `account` (the screen name until the server reports its own form).
    pub fn new(account: &str, keymap: Keymap, ui: UiConfig) -> Self {
        let retry_key =
            keymap.keys(KeyAction::Retry).first().map_or("/retry".to_string(), ToString::to_string);
        Self {
            account: neutralize_line(account).into_owned(),
            state: ConnState::Starting,
            away: None,
            groups: Vec::new(),
            presence: HashMap::new(),
            chats: Vec::new(),
            focus: Focus::Buddies,
            overlay: None,
            notice: None,
            keymap,
            ui,
            clock: Clock::Local,
            typing: HashMap::new(),
            terminal_focused: true,
            selected: None,
            buddy_offset: Cell::new(0),
            active: None,
            command_input: InputLine::default(),
            input_history: InputHistory::default(),
            history: None,
            bells: HashMap::new(),
            next_id: 1,
            pending: HashMap::new(),
            unread_seq: 0,
            size: Rect::new(0, 0, 80, 24),
            retry_key,
            fixed_time: None,
        }
    }

    /// Stamps our own messages with this time instead of the wall clock (for reproducible
    /// snapshots).
    pub fn with_fixed_time(mut self, time: SystemTime) -> Self {
        self.fixed_time = Some(time);
        self
    }

    /// Logs conversations here and loads them when chats open.
    pub fn with_history(mut self, history: History) -> Self {
        self.history = Some(history);
        self
    }

    /// Shows times in this zone (tests use UTC).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Tells the state the terminal's size, which scrolling and mouse clicks depend on.
    pub fn resize(&mut self, width: u16, height: u16) {
        self.size = Rect::new(0, 0, width, height);
    }

    /// The terminal size last given to [`App::resize`].
    pub fn size(&self) -> Rect {
        self.size
    }

    /// The chat on screen, if any.
    pub fn active_chat(&self) -> Option<&Conversation> {
        let peer = self.active.as_ref()?;
        self.chats.iter().find(|c| &c.peer == peer)
    }

    /// Index of the chat on screen in [`App::chats`].
    fn active_index(&self) -> Option<usize> {
        let peer = self.active.as_ref()?;
        self.chats.iter().position(|c| &c.peer == peer)
    }

    /// The input line keys edit: the active chat's draft, or the command line.
    pub fn input(&self) -> &InputLine {
        self.active_chat().map_or(&self.command_input, |c| &c.input)
    }

    fn input_mut(&mut self) -> &mut InputLine {
        match self.active_index() {
            Some(i) => match self.chats.get_mut(i) {
                Some(c) => &mut c.input,
                None => &mut self.command_input,
            },
            None => &mut self.command_input,
        }
    }

    /// The scroll offset of the buddy list, kept by the renderer so the selection stays visible.
    pub fn buddy_offset(&self) -> &Cell<usize> {
        &self.buddy_offset
    }

    /// The key that retries a failed message, as the help shows it.
    pub fn retry_key(&self) -> &str {
        &self.retry_key
    }

    /// The layout of a conversation at a width (for scrolling and drawing).
    pub fn formatter<'a>(&'a self, conv: &'a Conversation, width: usize) -> Formatter<'a> {
        Formatter {
            width,
            time_format: &self.ui.timestamp_format,
            clock: self.clock,
            own: &self.account,
            peer: &conv.peer_display,
            retry_key: &self.retry_key,
        }
    }

    /// Rows and columns of the message view at the current size.
    fn message_view(&self) -> (usize, usize) {
        let l = ui::layout(self.size);
        let inner = ui::inner(l.conversation);
        (usize::from(inner.width), usize::from(inner.height).saturating_sub(1).max(1))
    }

    // ----- buddy list -----

    /// How a buddy is doing (offline when the server never said).
    pub fn availability(&self, name: &ScreenName) -> Availability {
        self.presence.get(name).map_or(Availability::Offline, |p| p.availability)
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

    fn move_selection(&mut self, to: impl FnOnce(usize, usize) -> usize) {
        let rows = self.rows();
        if rows.is_empty() {
            return;
        }
        let idx = to(self.selected_index(&rows), rows.len()).min(rows.len() - 1);
        self.selected = rows.get(idx).map(Row::key);
    }

    fn toggle_group(&mut self, index: usize) {
        if let Some(g) = self.groups.get_mut(index) {
            g.folded = !g.folded;
            self.selected = Some(RowKey::Group(index, g.name.clone()));
        }
    }

    /// Enter on the selection: opens a buddy's chat or folds a group.
    fn activate_selection(&mut self) {
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

    fn apply_buddy_list(&mut self, list: BuddyList) {
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

    // ----- chats -----

    /// Chats in tab order: unread chats first (in the order they became unread, so more
    /// messages do not reshuffle them), then the others in the order they were opened.
    pub fn chat_order(&self) -> Vec<usize> {
        let mut unread: Vec<(u64, usize)> = self
            .chats
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.unread_since.map(|s| (s, i)))
            .collect();
        unread.sort_unstable();
        let mut order: Vec<usize> = unread.into_iter().map(|(_, i)| i).collect();
        order.extend(
            self.chats.iter().enumerate().filter(|(_, c)| c.unread_since.is_none()).map(|(i, _)| i),
        );
        order
    }

    /// True when `peer`'s chat is the one on screen.
    pub fn is_active(&self, peer: &ScreenName) -> bool {
        self.active.as_ref() == Some(peer)
    }

    /// Index of `peer`'s chat, creating it (with its logged history) if needed.
    fn ensure_chat(&mut self, peer: &ScreenName) -> usize {
        if let Some(i) = self.chats.iter().position(|c| &c.peer == peer) {
            return i;
        }
        let mut conv = Conversation::new(peer.clone());
        if let (Some(h), true) = (&self.history, self.ui.history) {
            match h.load(peer, self.ui.history_lines) {
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
        self.chats.push(conv);
        self.chats.len() - 1
    }

    /// Opens (or switches to) the chat with `peer`.
    pub fn open_chat(&mut self, peer: &ScreenName) {
        let i = self.ensure_chat(peer);
        if let Some(c) = self.chats.get_mut(i) {
            c.unread = 0;
            c.unread_since = None;
            self.active = Some(c.peer.clone());
        }
    }

    fn switch_to_position(&mut self, pos: usize) {
        let order = self.chat_order();
        if let Some(peer) = order.get(pos).and_then(|&i| self.chats.get(i)).map(|c| c.peer.clone())
        {
            self.open_chat(&peer);
        }
    }

    fn cycle_chat(&mut self, forward: bool) {
        let order = self.chat_order();
        if order.is_empty() {
            return;
        }
        let cur = self.active_index().and_then(|a| order.iter().position(|&i| i == a));
        let next = match (cur, forward) {
            (None, _) => 0,
            (Some(p), true) => (p + 1) % order.len(),
            (Some(p), false) => (p + order.len() - 1) % order.len(),
        };
        self.switch_to_position(next);
    }

    fn close_chat(&mut self) -> Vec<Action> {
        let Some(i) = self.active_index() else { return Vec::new() };
        let order = self.chat_order();
        let pos = order.iter().position(|&x| x == i).unwrap_or(0);
        let conv = self.chats.remove(i);
        let mut actions = Vec::new();
        if conv.our_typing != TypingState::Finished {
            actions.push(Action::Send(Command::Typing {
                to: conv.peer.clone(),
                state: TypingState::Finished,
            }));
        }
        self.active = None;
        let order = self.chat_order();
        if !order.is_empty() {
            self.switch_to_position(pos.min(order.len() - 1));
        } else if self.focus == Focus::Conversation {
            self.focus = Focus::Buddies;
        }
        actions
    }

    fn set_notice(&mut self, text: &str, error: bool) {
        self.notice = Some(Notice { text: neutralize_line(text).into_owned(), error });
    }

    fn log(&mut self, peer: &ScreenName, record: Record) {
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

    // ----- session events -----

    /// Applies a session event; `now` times the bell and typing indicators.
    pub fn handle_event(&mut self, event: Event, now: Instant) -> Reaction {
        let mut actions = Vec::new();
        match event {
            Event::SignOnProgress(step) => self.state = ConnState::SigningOn(step),
            Event::SignedOn { screen_name } => {
                self.state = ConnState::Online;
                self.account = neutralize_line(screen_name.as_str()).into_owned();
                self.away = None;
            }
            Event::BuddyList(list) => self.apply_buddy_list(list),
            Event::Presence(p) => {
                self.presence.insert(p.name.clone(), p);
            }
            Event::ImReceived(im) => {
                let from = im.from.clone();
                let idx = self.ensure_chat(&from);
                if self.active.is_none() {
                    self.open_chat(&from);
                }
                let active = self.is_active(&from);
                if let Some(c) = self.chats.get_mut(idx) {
                    // Prefer the server's display form of the name for the header.
                    if c.peer.as_str() != from.as_str() {
                        c.peer_display = neutralize_line(from.as_str()).into_owned();
                    }
                    let kind = LineKind::Incoming { auto: im.auto_response, offline: im.offline };
                    c.push(ChatLine::new(im.time, kind, &im.text));
                    if !active {
                        if c.unread == 0 {
                            self.unread_seq += 1;
                            c.unread_since = Some(self.unread_seq);
                        }
                        c.unread += 1;
                    }
                }
                self.typing.remove(&from);
                self.log(&from, Record::new(im.time, Direction::In, &im.text, im.auto_response));
                if self.ring_bell(&from, now) {
                    actions.push(Action::Bell);
                }
            }
            Event::Typing { from, state } => {
                if state == TypingState::Finished {
                    self.typing.remove(&from);
                } else {
                    self.typing.insert(from, (state, now));
                }
            }
            Event::ImQueued { id } => self.set_delivery(id, Delivery::Queued),
            Event::ImSent { id } => self.set_delivery(id, Delivery::Sent),
            Event::ImAcked { id } => {
                self.set_delivery(id, Delivery::Acked);
                self.pending.remove(&id);
            }
            Event::ImFailed { id, reason } => {
                self.set_delivery(id, Delivery::Failed(reason));
                self.pending.remove(&id);
            }
            Event::UserInfo(info) => self.overlay = Some(Overlay::Info(info)),
            Event::AwayChanged(away) => self.away = away,
            Event::BuddyListError(text) => self.set_notice(&text, true),
            Event::RateWarning(text) => self.set_notice(&text, true),
            Event::Notice(text) => self.set_notice(&text, false),
            Event::Reconnecting { attempt, delay, reason } => {
                self.state = ConnState::Reconnecting { attempt, delay, reason }
            }
            Event::Disconnected(reason) => self.state = ConnState::Offline(reason),
        }
        Reaction { redraw: true, actions }
    }

    /// True (and remembers the time) when an IM from `from` should ring: bells on, the chat not
    /// on screen, and no bell for this chat within the configured interval.
    fn ring_bell(&mut self, from: &ScreenName, now: Instant) -> bool {
        let looking = self.is_active(from) && self.overlay.is_none() && self.terminal_focused;
        if !self.ui.bell || looking {
            return false;
        }
        let interval = Duration::from_secs(self.ui.bell_min_interval_secs);
        if let Some(last) = self.bells.get(from) {
            if now.saturating_duration_since(*last) < interval {
                return false;
            }
        }
        self.bells.insert(from.clone(), now);
        true
    }

    fn set_delivery(&mut self, id: MessageId, delivery: Delivery) {
        let Some(peer) = self.pending.get(&id) else { return };
        let Some(conv) = self.chats.iter_mut().find(|c| &c.peer == peer) else { return };
        if let Some(ChatLine { kind: LineKind::Outgoing { delivery: d, .. }, .. }) =
            conv.outgoing_mut(id)
        {
            // Late progress reports never undo a final state.
            if !matches!(d, Delivery::Acked | Delivery::Failed(_)) {
                *d = delivery;
            }
        }
    }

    // ----- timers -----

    /// When [`App::tick`] next has something to do: a draft going idle or a stale typing
    /// indicator. `None` means no timer is needed at all.
    pub fn next_deadline(&self) -> Option<Instant> {
        let drafts = self
            .chats
            .iter()
            .filter(|c| c.our_typing == TypingState::Typing)
            .filter_map(|c| c.last_edit.map(|t| t + TYPING_PAUSE));
        let peers = self.typing.values().map(|(_, t)| *t + PEER_TYPING_EXPIRY);
        drafts.chain(peers).min()
    }

    /// Handles whatever is due at `now`: "typing" becomes "paused", stale indicators go.
    pub fn tick(&mut self, now: Instant) -> Reaction {
        let mut actions = Vec::new();
        for c in &mut self.chats {
            if c.our_typing == TypingState::Typing
                && c.last_edit.is_some_and(|t| now >= t + TYPING_PAUSE)
            {
                c.our_typing = TypingState::Paused;
                actions.push(Action::Send(Command::Typing {
                    to: c.peer.clone(),
                    state: TypingState::Paused,
                }));
            }
        }
        let before = self.typing.len();
        self.typing.retain(|_, (_, t)| now < *t + PEER_TYPING_EXPIRY);
        Reaction { redraw: before != self.typing.len(), actions }
    }

    // ----- keys, paste, mouse -----

    /// Handles a key press and says what to do; the screen is redrawn after every key.
    pub fn handle_key(&mut self, key: KeyEvent, now: Instant) -> Vec<Action> {
        if key.kind == KeyEventKind::Release {
            return Vec::new();
        }
        let spec = KeySpec::from_event(&key);
        if self.overlay.is_some() {
            self.overlay_key(&spec);
            return Vec::new();
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
            | K::KillToStart
            | K::KillToEnd
            | K::ClearInput => {
                let input = self.input_mut();
                match action {
                    K::DeleteBack => input.backspace(),
                    K::DeleteForward => input.delete(),
                    K::DeleteWord => input.delete_word(),
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

    fn scroll(&mut self, f: impl FnOnce(&mut Conversation, &Formatter<'_>, usize)) {
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
        };
        f(conv, &fmt, height);
    }

    /// After the draft changed: tells the buddy we are typing, or stopped, on state changes only.
    fn after_edit(&mut self, now: Instant) -> Vec<Action> {
        let Some(i) = self.active_index() else { return Vec::new() };
        let Some(c) = self.chats.get_mut(i) else { return Vec::new() };
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

    /// Records whether the terminal window has the focus, so IMs arriving while the user is in
    /// another window ring the bell even in the chat on screen.
    pub fn set_terminal_focus(&mut self, focused: bool) {
        self.terminal_focused = focused;
    }

    /// Inserts pasted text into the input line as one block (newlines kept).
    pub fn handle_paste(&mut self, text: &str, now: Instant) -> Vec<Action> {
        if self.overlay.is_some() {
            return Vec::new();
        }
        self.focus = Focus::Input;
        self.input_mut().insert_str(text);
        self.after_edit(now)
    }

    /// Handles a mouse event: clicks select buddies, fold groups, switch chats and move the
    /// focus; the wheel scrolls. Returns true when something changed.
    pub fn handle_mouse(&mut self, ev: MouseEvent) -> bool {
        let l = ui::layout(self.size);
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

    // ----- sending and commands -----

    fn submit(&mut self, now: Instant) -> Vec<Action> {
        let text = self.input_mut().take();
        if text.trim().is_empty() {
            return self.after_edit(now);
        }
        self.input_history.push(&text);
        self.notice = None;
        let mut actions = match text.strip_prefix('/') {
            Some(rest) if !rest.starts_with('/') => self.run_command(rest),
            Some(rest) => self.send_message(rest.to_string()),
            None => self.send_message(text),
        };
        actions.extend(self.after_edit(now));
        actions
    }

    fn send_message(&mut self, text: String) -> Vec<Action> {
        let Some(i) = self.active_index() else {
            self.set_notice("no chat open: press Enter on a buddy, or /msg NAME", true);
            return Vec::new();
        };
        let id = self.next_id;
        self.next_id += 1;
        let Some(c) = self.chats.get_mut(i) else { return Vec::new() };
        let peer = c.peer.clone();
        let time = self.fixed_time.unwrap_or_else(SystemTime::now);
        let kind =
            LineKind::Outgoing { id: Some(id), delivery: Delivery::Pending, raw: text.clone() };
        c.push(ChatLine::new(time, kind, &text));
        c.scroll_to_bottom();
        self.pending.insert(id, peer.clone());
        self.log(&peer, Record::new(time, Direction::Out, &text, false));
        vec![Action::Send(Command::SendIm { id, to: peer, text })]
    }

    fn retry(&mut self) -> Vec<Action> {
        let Some(i) = self.active_index() else { return Vec::new() };
        let id = self.next_id;
        let Some(c) = self.chats.get_mut(i) else { return Vec::new() };
        let failed = c.lines.iter_mut().rev().find_map(|l| match &mut l.kind {
            LineKind::Outgoing { id: line_id, delivery: d @ Delivery::Failed(_), raw } => {
                *d = Delivery::Pending;
                *line_id = Some(id);
                Some(raw.clone())
            }
            _ => None,
        });
        let Some(text) = failed else {
            self.set_notice("no failed message to retry here", false);
            return Vec::new();
        };
        let peer = c.peer.clone();
        self.next_id += 1;
        self.pending.insert(id, peer.clone());
        vec![Action::Send(Command::SendIm { id, to: peer, text })]
    }

    fn run_command(&mut self, line: &str) -> Vec<Action> {
        let (cmd, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let rest = rest.trim();
        let args = split_args(rest);
        let name_arg = |n: usize| -> Result<ScreenName, String> {
            let Some(raw) = args.get(n) else { return Err(format!("/{cmd} needs a screen name")) };
            ScreenName::parse(raw).map_err(|e| format!("{raw:?}: {e}"))
        };
        let result: Result<Vec<Action>, String> = match cmd.to_lowercase().as_str() {
            "away" => {
                let msg = if rest.is_empty() { DEFAULT_AWAY } else { rest };
                Ok(vec![Action::Send(Command::SetAway(Some(msg.to_string())))])
            }
            "back" => Ok(vec![Action::Send(Command::SetAway(None))]),
            "add" => name_arg(0).map(|name| {
                let group = if args.len() > 1 {
                    args.get(1..).map(|a| a.join(" ")).unwrap_or_default()
                } else {
                    self.groups.first().map_or(DEFAULT_GROUP.to_string(), |g| g.name.clone())
                };
                self.set_notice(&format!("adding {} to {}", name.as_str(), group), false);
                vec![Action::Send(Command::AddBuddy { name, group })]
            }),
            "remove" | "rm" => name_arg(0).map(|name| {
                self.set_notice(&format!("removing {}", name.as_str()), false);
                vec![Action::Send(Command::RemoveBuddy { name })]
            }),
            "info" | "whois" => {
                let name = if args.is_empty() {
                    self.active.clone().ok_or_else(|| "/info needs a screen name".to_string())
                } else {
                    name_arg(0)
                };
                name.map(|name| vec![Action::Send(Command::GetInfo { name })])
            }
            "msg" | "query" | "open" => name_arg(0).map(|name| {
                self.open_chat(&name);
                self.focus = Focus::Input;
                let text = args.get(1..).map(|a| a.join(" ")).unwrap_or_default();
                if text.is_empty() {
                    Vec::new()
                } else {
                    self.send_message(text)
                }
            }),
            "close" => Ok(self.close_chat()),
            "help" => {
                self.overlay = Some(Overlay::Help { scroll: 0 });
                Ok(Vec::new())
            }
            "quit" | "exit" => Ok(vec![Action::Send(Command::SignOff), Action::Quit]),
            "retry" => Ok(self.retry()),
            other => Err(format!(
                "unknown command /{other} (press {} for help)",
                self.keymap.describe(KeyAction::Help)
            )),
        };
        result.unwrap_or_else(|e| {
            self.set_notice(&e, true);
            Vec::new()
        })
    }
}

/// Splits command arguments on spaces, keeping "double-quoted names" together.
fn split_args(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in s.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}
