//! The TUI's state and everything that changes it, with no terminal and no files in sight.
//!
//! [`App`] takes session [`Event`](crate::session::Event)s, key presses, mouse clicks and
//! pastes, and answers with [`Action`]s for the run loop (commands for the session, a bell,
//! quit). Conversation-log work is queued as [`HistoryOp`]s that the run loop performs. Drawing
//! is a pure function of the state ([`super::ui::draw`]), so every state can be snapshot-tested.
//!
//! The state is one struct; the code that changes it is split by job:
//! `buddies` (the list's rows, selection and groups), `chats` (opening, cycling and closing
//! chats, sending and delivery marks), `events` (the session-event reducer and timers),
//! `keys` (key presses, overlays, search and editing), `mouse`, `icons` (buddy icons and our own), `commands` (slash commands,
//! parsed into [`SlashCommand`] and then executed), `rooms` (chat-room tabs, occupants and
//! invitations) and `logs` (conversation-log requests).

mod buddies;
mod chats;
mod commands;
mod editing;
mod events;
mod icons;
mod icq;
mod keys;
mod logs;
mod mouse;
mod odir;
mod password;
mod privacy;
mod rooms;

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant, SystemTime};

use ratatui::layout::Rect;

use super::conversation::{Clock, Conversation, Formatter};
use super::history::{History, HistoryOp};
use super::icons::Icons;
use super::input::{InputHistory, InputLine};
use super::keymap::{Context, KeyAction, Keymap};
use super::ui;
use crate::config::UiConfig;
use crate::screenname::ScreenName;
use crate::session::state::DEFAULT_MAX_MESSAGE;
use crate::session::{
    Command, DisconnectReason, IcqStatus, MessageId, Presence, Privacy, RoomInvitation, SignOnStep,
    TypingState, UserInfo,
};
use crate::text::neutralize_line;

pub use buddies::{GroupView, Row, RowKey};
pub use commands::{ParseError, SlashCommand};
pub use editing::HistorySearch;
pub use icq::{parse_search, DirectoryEntry, SearchResults};
pub use odir::{parse_search_request, AimSearchResults, InterestList, SearchRequest};
pub use password::PasswordPrompt;
pub use rooms::mentions;

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
#[derive(Debug, PartialEq)]
pub enum Action {
    /// Send a command to the session.
    Send(Command),
    /// Ring the terminal bell.
    Bell,
    /// Leave the TUI.
    Quit,
    /// Read this image file, make it our icon ([`crate::tui::icons::load_icon_file`] with
    /// [`App::icon_limit`]) and hand the result to [`App::icon_prepared`].
    LoadIcon(std::path::PathBuf),
    /// Start a new session signed on with this password (the last one was refused).
    SignOnAgain(crate::auth::Secret),
}

/// The result of handling a session event or a timer: whether to redraw, and what to do.
#[derive(Debug, PartialEq, Default)]
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
    /// A user's profile and away message (with their ICQ directory entry when known).
    Info(UserInfo),
    /// The ICQ directory's entry for this UIN, when there is no profile to show with it.
    Directory(u32),
    /// ICQ directory search results, one key to add.
    Search(SearchResults),
    /// AIM directory search results, one key to add.
    AimSearch(AimSearchResults),
    /// The AIM directory's interests, one key to search for one.
    Interests(InterestList),
}

/// A one-line message in the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The text, neutralized.
    pub text: String,
    /// Shown as an error.
    pub error: bool,
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
    /// Our ICQ status as the server last confirmed it.
    pub status: IcqStatus,
    /// Whether we are signed on with an ICQ account (a UIN): `/search` then asks the ICQ
    /// directory, otherwise the AIM directory.
    pub icq_session: bool,
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
    /// The server's limit for one IM in encoded bytes (04/05), for the input line's counter.
    pub max_message: usize,
    /// Whether the terminal window has the focus (terminals that report focus changes tell
    /// us; others are assumed focused). An unfocused window is not being looked at.
    pub terminal_focused: bool,
    /// Buddy icons, decoded, and how to draw them.
    pub icons: Icons,
    /// Our own icon: the server's limit and the configured file.
    own_icon: icons::OwnIcon,
    /// The chosen buddy-list row, by identity so it survives list changes.
    selected: Option<RowKey>,
    /// The buddy list's scroll offset, kept by the renderer.
    buddy_offset: Cell<usize>,
    /// The chat on screen.
    active: Option<ScreenName>,
    /// The input line when no chat is open (commands only).
    command_input: InputLine,
    /// Lines sent before, for recalling with the history keys.
    input_history: InputHistory,
    /// Where the run loop logs conversations; the App itself never opens it.
    history: Option<History>,
    /// Log work waiting for the run loop ([`App::take_history_ops`]).
    history_ops: Vec<HistoryOp>,
    /// When each chat last rang the bell, to rate-limit it.
    bells: HashMap<ScreenName, Instant>,
    /// The id the next outgoing IM gets.
    next_id: MessageId,
    /// Outgoing IMs awaiting a final ack or failure, with their chat.
    pending: HashMap<MessageId, ScreenName>,
    /// Ids of retries of failed messages: delivering one is logged, to undo the failure.
    retried: HashSet<MessageId>,
    /// The terminal size.
    size: Rect,
    /// The retry key as the help and failure lines show it.
    retry_key: String,
    /// A fixed time for our own messages (reproducible snapshots).
    fixed_time: Option<SystemTime>,
    /// Room invitations waiting for `/accept` or `/decline`, oldest first.
    invitations: Vec<RoomInvitation>,
    /// ICQ directory entries received, by UIN, for the info window.
    pub directory: HashMap<u32, DirectoryEntry>,
    /// Who asked for our authorization and has no answer from us yet, oldest first.
    auth_requests: Vec<ScreenName>,
    /// Our privacy settings as the session last reported them.
    pub privacy: Privacy,
    /// Our own warning level in percent, as last heard.
    pub own_warning: u16,
    /// A Tab completion that Tab again cycles.
    completing: Option<editing::Completing>,
    /// A Ctrl-R search of the input history.
    history_search: Option<HistorySearch>,
    /// The run loop can start a new session when a password is typed again.
    password_retry: bool,
    /// The password asked for after a refused sign-on.
    password_prompt: Option<PasswordPrompt>,
    /// Rooms the user left in this run (by [`super::conversation::RoomView::key`]): late events for them are
    /// dropped and `[ui] rooms` does not rejoin them on reconnect.
    left_rooms: HashSet<ScreenName>,
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
            status: IcqStatus::Online,
            icq_session: ScreenName::parse(account).is_ok_and(|n| n.is_uin()),
            groups: Vec::new(),
            presence: HashMap::new(),
            chats: Vec::new(),
            focus: Focus::Buddies,
            overlay: None,
            notice: None,
            keymap,
            icons: Icons::without_terminal(ui.icons),
            ui,
            clock: Clock::Local,
            typing: HashMap::new(),
            terminal_focused: true,
            own_icon: icons::OwnIcon::default(),
            max_message: DEFAULT_MAX_MESSAGE,
            selected: None,
            buddy_offset: Cell::new(0),
            active: None,
            command_input: InputLine::default(),
            input_history: InputHistory::default(),
            history: None,
            history_ops: Vec::new(),
            bells: HashMap::new(),
            next_id: 1,
            pending: HashMap::new(),
            retried: HashSet::new(),
            size: Rect::new(0, 0, 80, 24),
            retry_key,
            fixed_time: None,
            invitations: Vec::new(),
            directory: HashMap::new(),
            auth_requests: Vec::new(),
            privacy: Privacy::default(),
            own_warning: 0,
            completing: None,
            history_search: None,
            password_retry: false,
            password_prompt: None,
            left_rooms: HashSet::new(),
        }
    }

    /// Stamps our own messages with this time instead of the wall clock (for reproducible
    /// snapshots).
    pub fn with_fixed_time(mut self, time: SystemTime) -> Self {
        self.fixed_time = Some(time);
        self
    }

    /// Logs conversations here and loads them when chats open. The App itself never touches the
    /// files: it queues [`HistoryOp`]s ([`App::take_history_ops`]) for the run loop to perform.
    pub fn with_history(mut self, history: History) -> Self {
        self.history = Some(history);
        self
    }

    /// Shows times in this zone (tests use UTC).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Records whether the terminal window has the focus, so IMs arriving while the user is in
    /// another window ring the bell even in the chat on screen.
    pub fn set_terminal_focus(&mut self, focused: bool) {
        self.terminal_focused = focused;
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
    pub(super) fn active_index(&self) -> Option<usize> {
        let peer = self.active.as_ref()?;
        self.chats.iter().position(|c| &c.peer == peer)
    }

    /// The input line keys edit: the active chat's draft, or the command line.
    pub fn input(&self) -> &InputLine {
        self.active_chat().map_or(&self.command_input, |c| &c.input)
    }

    /// The input line keys edit, for changing it.
    pub(super) fn input_mut(&mut self) -> &mut InputLine {
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
            marker: conv.marker,
        }
    }

    /// Rows and columns of the message view at the current size.
    pub(super) fn message_view(&self) -> (usize, usize) {
        let l = ui::app_layout(self);
        let area = if self.active_room().is_some() {
            ui::room_split(l.conversation).0
        } else {
            l.conversation
        };
        let inner = ui::inner(area);
        let rows = inner.height.saturating_sub(ui::header_rows(self, inner));
        (usize::from(inner.width), usize::from(rows).saturating_sub(1).max(1))
    }

    /// Starts with `text` in the status bar, until the next notice replaces it.
    pub fn with_notice(mut self, text: &str) -> Self {
        self.set_notice(text, false);
        self
    }

    /// Shows a one-line message in the status bar (neutralized here).
    pub(super) fn set_notice(&mut self, text: &str, error: bool) {
        self.notice = Some(Notice { text: neutralize_line(text).into_owned(), error });
    }
}
