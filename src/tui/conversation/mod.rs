//! One conversation: its messages, scroll position, draft, search and typing state.
//!
//! A conversation may hold 100,000 messages, so nothing here wraps them all: the view is an
//! anchor (the message at the bottom of the screen) and rows are produced lazily from there
//! upward, only as many as fit. How a message becomes rows lives in
//! the `format` submodule ([`Formatter`], [`wrap`]).

mod format;

use std::time::{Instant, SystemTime};

use ratatui::text::Line;

use super::input::InputLine;
use crate::screenname::ScreenName;
use crate::session::{ImFailure, MessageId, TypingState};
use crate::text::{neutralize, neutralize_line};

pub use format::{wrap, Clock, Formatter};

/// How an outgoing message is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Handed to the session, nothing heard yet.
    Pending,
    /// Waiting for the rate limiter.
    Queued,
    /// Written to the server.
    Sent,
    /// Acknowledged by the server and delivered to the online recipient.
    Acked,
    /// Acknowledged by the server and stored for the offline recipient; shown for logged
    /// messages too, since the log keeps it.
    Stored,
    /// Acknowledged by the server, which did not say whether the recipient was online.
    Accepted,
    /// Not delivered, and why.
    Failed(ImFailure),
    /// Not delivered, as the log of an earlier session says, with the reason it gave.
    FailedLogged(String),
    /// Loaded from the log of an earlier session.
    Logged,
}

/// Who wrote a line and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineKind {
    /// From the buddy.
    Incoming {
        /// An automatic away reply.
        auto: bool,
        /// Stored by the server while we were offline.
        offline: bool,
    },
    /// From us.
    Outgoing {
        /// The id the session reports progress under (`None` for logged messages).
        id: Option<MessageId>,
        /// How delivery is going.
        delivery: Delivery,
        /// The text exactly as typed, for a retry.
        raw: String,
    },
    /// From someone in a chat room.
    Room {
        /// Who said it, neutralized for display.
        from: String,
        /// The line mentions our screen name (highlighted).
        mention: bool,
    },
    /// A note from flapjack itself (an error, a notice).
    System,
    /// A quiet note that the buddy signed on or off, went away or came back.
    Presence,
}

/// One line of a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatLine {
    /// When it was written.
    pub time: SystemTime,
    /// Who wrote it.
    pub kind: LineKind,
    /// The text, already neutralized for the terminal (newlines kept).
    pub text: String,
}

impl ChatLine {
    /// A line whose text comes from anywhere (it is neutralized here, once).
    pub fn new(time: SystemTime, kind: LineKind, text: &str) -> Self {
        Self { time, kind, text: neutralize(text).into_owned() }
    }
}

/// The view's position when scrolled up: the message shown on the bottom row and how many of its
/// last rows are hidden below the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Anchor {
    /// Index of the message on the bottom row.
    pub msg: usize,
    /// Rows of that message hidden below the bottom.
    pub skip: usize,
}

/// An active search in a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Search {
    /// What is searched for (case-insensitive).
    pub query: String,
    /// True while the query is being typed.
    pub editing: bool,
    /// Index of the message holding the current match.
    pub current: Option<usize>,
    /// The last search found nothing.
    pub not_found: bool,
}

/// One chat with one buddy.
#[derive(Debug, Clone)]
pub struct Conversation {
    /// The buddy.
    pub peer: ScreenName,
    /// The buddy's name, neutralized for display.
    pub peer_display: String,
    /// Every line, oldest first.
    pub lines: Vec<ChatLine>,
    /// Messages that arrived while this chat was not on screen.
    pub unread: usize,
    /// `None` follows the newest message; `Some` is scrolled up.
    pub scroll: Option<Anchor>,
    /// Messages that arrived while scrolled up.
    pub new_below: usize,
    /// Index of the first message that arrived while the chat was not being looked at: the
    /// "new messages" rule is drawn above it until the chat is left.
    pub marker: Option<usize>,
    /// The draft being typed to this buddy.
    pub input: InputLine,
    /// What we last told the buddy about our typing.
    pub our_typing: TypingState,
    /// When the draft was last edited.
    pub last_edit: Option<Instant>,
    /// The search, if any.
    pub search: Option<Search>,
    /// For a chat room's tab: the room (the tab's `peer` is then a key no buddy can have).
    pub room: Option<RoomView>,
}

/// What a room's tab knows about the room. Names come from peers: neutralized at render.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RoomView {
    /// The room's name as the server gave it.
    pub name: String,
    /// Who is there, ourselves included, in the order the server listed them.
    pub occupants: Vec<ScreenName>,
    /// True once joined (and again after a rejoin); false while joining or after leaving.
    pub joined: bool,
    /// Indices of our lines still waiting for "sent", in the order they were sent (rooms
    /// report in order, without ids), so a report finds its line without a scan.
    pub pending: std::collections::VecDeque<usize>,
}

impl RoomView {
    /// The key a room's tab is found by: `#` and the name, which no screen name can be.
    pub fn key(name: &str) -> ScreenName {
        ScreenName::from_wire(&format!("#{}", name.trim()))
    }
}

impl Conversation {
    /// An empty conversation with `peer`.
    pub fn new(peer: ScreenName) -> Self {
        let peer_display = neutralize_line(peer.as_str()).into_owned();
        Self {
            peer,
            peer_display,
            lines: Vec::new(),
            unread: 0,
            scroll: None,
            new_below: 0,
            marker: None,
            input: InputLine::default(),
            our_typing: TypingState::Finished,
            last_edit: None,
            search: None,
            room: None,
        }
    }

    /// An empty tab for the chat room `name`.
    pub fn room(name: &str) -> Self {
        let mut c = Self::new(RoomView::key(name));
        c.peer_display = format!("#{}", neutralize_line(name.trim()));
        c.room = Some(RoomView { name: name.trim().to_string(), ..RoomView::default() });
        c
    }

    /// Appends a line, keeping a scrolled-up view where it is.
    pub fn push(&mut self, line: ChatLine) {
        self.lines.push(line);
        if self.scroll.is_some() {
            self.new_below += 1;
        }
    }

    /// Finds an outgoing line by the id the session reports on (newest first).
    pub fn outgoing_mut(&mut self, id: MessageId) -> Option<&mut ChatLine> {
        self.lines
            .iter_mut()
            .rev()
            .find(|l| matches!(&l.kind, LineKind::Outgoing { id: Some(i), .. } if *i == id))
    }

    /// Returns to the newest message.
    pub fn scroll_to_bottom(&mut self) {
        self.scroll = None;
        self.new_below = 0;
    }

    /// Scrolls towards older messages by `rows`, never past the top of the first message.
    pub fn scroll_up(&mut self, rows: usize, fmt: &Formatter<'_>, view_height: usize) {
        let Some(last) = self.lines.len().checked_sub(1) else { return };
        let Anchor { mut msg, mut skip } = self.scroll.unwrap_or(Anchor { msg: last, skip: 0 });
        let mut remaining = rows;
        while remaining > 0 {
            let h = fmt.height(&self.lines, msg);
            let room = h.saturating_sub(1).saturating_sub(skip);
            if room >= remaining {
                skip += remaining;
                break;
            }
            if msg == 0 {
                skip = h.saturating_sub(1);
                break;
            }
            remaining -= room + 1;
            msg -= 1;
            skip = 0;
        }
        self.scroll = Some(Anchor { msg, skip });
        self.clamp_top(fmt, view_height);
    }

    /// Keeps the first message from scrolling below the top row: when fewer than a screenful of
    /// rows lie above the anchor, the view shows the first screenful instead (or follows the
    /// bottom, when everything fits).
    fn clamp_top(&mut self, fmt: &Formatter<'_>, view_height: usize) {
        let Some(anchor) = self.scroll else { return };
        let mut above = 0;
        for i in (0..=anchor.msg.min(self.lines.len().saturating_sub(1))).rev() {
            let h = fmt.height(&self.lines, i);
            above += if i == anchor.msg { h.saturating_sub(anchor.skip) } else { h };
            if above >= view_height {
                return;
            }
        }
        let mut acc = 0;
        for i in 0..self.lines.len() {
            acc += fmt.height(&self.lines, i);
            if acc >= view_height {
                self.scroll = Some(Anchor { msg: i, skip: acc - view_height });
                if i + 1 == self.lines.len() && acc == view_height {
                    self.scroll_to_bottom();
                }
                return;
            }
        }
        self.scroll_to_bottom();
    }

    /// Scrolls towards newer messages by `rows`, following the bottom again when it is reached.
    pub fn scroll_down(&mut self, rows: usize, fmt: &Formatter<'_>) {
        let Some(Anchor { mut msg, mut skip }) = self.scroll else { return };
        let mut remaining = rows;
        while remaining > 0 {
            if skip >= remaining {
                skip -= remaining;
                break;
            }
            remaining -= skip + 1;
            msg += 1;
            if msg >= self.lines.len() {
                self.scroll_to_bottom();
                return;
            }
            skip = fmt.height(&self.lines, msg).saturating_sub(1);
        }
        if msg + 1 >= self.lines.len() && skip == 0 {
            self.scroll_to_bottom();
        } else {
            self.scroll = Some(Anchor { msg, skip });
        }
    }

    /// Scrolls so that message `idx` sits in the middle of the view.
    pub fn show_message(&mut self, idx: usize, fmt: &Formatter<'_>, view_height: usize) {
        if idx >= self.lines.len() {
            return;
        }
        self.scroll = Some(Anchor { msg: idx, skip: 0 });
        self.scroll_down(view_height / 2, fmt);
        self.clamp_top(fmt, view_height);
    }

    /// The rows to draw in a view of `height` rows: the anchor's message on the bottom row and
    /// older ones above it, laid out lazily (only what fits is wrapped).
    pub fn visible_rows(&self, fmt: &Formatter<'_>, height: usize) -> Vec<Line<'static>> {
        let (end, mut skip) = match self.scroll {
            None => (self.lines.len(), 0),
            Some(a) => ((a.msg + 1).min(self.lines.len()), a.skip),
        };
        let current = self.search.as_ref().and_then(|s| s.current.map(|c| (c, s.query.as_str())));
        let mut chunks: Vec<Vec<Line<'static>>> = Vec::new();
        let mut have = 0;
        for idx in (0..end).rev() {
            if have >= height {
                break;
            }
            let query = current.and_then(|(c, q)| (c == idx).then_some(q));
            let mut rows = fmt.rows(&self.lines, idx, query);
            let drop = skip.min(rows.len().saturating_sub(1));
            rows.truncate(rows.len() - drop);
            skip = 0;
            have += rows.len();
            chunks.push(rows);
        }
        let mut out: Vec<Line<'static>> = chunks.into_iter().rev().flatten().collect();
        if out.len() > height {
            out.drain(..out.len() - height);
        }
        out
    }

    /// Index of the nearest message at or before `from` (searching older) or after it
    /// (searching newer) whose text contains `query`, ignoring case.
    pub fn find(&self, query: &str, from: usize, older: bool) -> Option<usize> {
        let q = query.to_lowercase();
        if q.is_empty() {
            return None;
        }
        let hit =
            |i: &usize| self.lines.get(*i).is_some_and(|l| l.text.to_lowercase().contains(&q));
        if older {
            (0..=from.min(self.lines.len().saturating_sub(1))).rev().find(hit)
        } else {
            (from..self.lines.len()).find(hit)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn fmt(width: usize) -> Formatter<'static> {
        Formatter {
            width,
            time_format: "%H:%M",
            clock: Clock::utc(),
            own: "me",
            peer: "Bob",
            retry_key: "alt-r",
            marker: None,
        }
    }

    fn conv(n: usize) -> Conversation {
        let mut c = Conversation::new(ScreenName::from_wire("Bob"));
        for i in 0..n {
            let t = UNIX_EPOCH + Duration::from_secs(i as u64 * 60);
            c.push(ChatLine::new(
                t,
                LineKind::Incoming { auto: false, offline: false },
                &format!("message {i}"),
            ));
        }
        c
    }

    fn texts(c: &Conversation, f: &Formatter<'_>, h: usize) -> Vec<String> {
        c.visible_rows(f, h)
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn bottom_view_and_paging() {
        let f = fmt(40);
        let mut c = conv(10);
        assert_eq!(
            texts(&c, &f, 3),
            ["00:07 Bob: message 7", "00:08 Bob: message 8", "00:09 Bob: message 9"]
        );
        c.scroll_up(3, &f, 3);
        assert_eq!(c.scroll, Some(Anchor { msg: 6, skip: 0 }));
        assert_eq!(texts(&c, &f, 3).first().map(String::as_str), Some("00:04 Bob: message 4"));
        c.scroll_up(100, &f, 3);
        let top = texts(&c, &f, 3);
        assert_eq!(
            top.first().map(String::as_str),
            Some("─────── Thursday, 1 January 1970 ───────")
        );
        assert_eq!(top.get(1).map(String::as_str), Some("00:00 Bob: message 0"));
        c.push(ChatLine::new(UNIX_EPOCH, LineKind::System, "new"));
        assert_eq!(c.new_below, 1);
        c.scroll_down(5, &f);
        assert!(c.scroll.is_some());
        c.scroll_down(50, &f);
        assert_eq!((c.scroll, c.new_below), (None, 0));
    }

    #[test]
    fn short_conversations_do_not_scroll() {
        let f = fmt(40);
        let mut c = conv(2);
        c.scroll_up(5, &f, 10);
        assert_eq!(c.scroll, None);
        let mut empty = conv(0);
        empty.scroll_up(5, &f, 10);
        assert_eq!(empty.scroll, None);
    }

    #[test]
    fn scrolling_walks_through_wrapped_rows() {
        let f = fmt(20);
        let mut c = Conversation::new(ScreenName::from_wire("Bob"));
        for i in 0..4 {
            c.push(ChatLine::new(
                UNIX_EPOCH,
                LineKind::System,
                &format!("{i} aaaa bbbb cccc dddd"),
            ));
        }
        let h = f.line_height(&c.lines[0]);
        assert_eq!(h, 2);
        c.scroll_up(1, &f, 2);
        assert_eq!(c.scroll, Some(Anchor { msg: 3, skip: 1 }));
        assert_eq!(texts(&c, &f, 2), ["      cccc dddd", "00:00 * 3 aaaa bbbb"]);
        c.scroll_down(1, &f);
        assert_eq!(c.scroll, None);
    }

    #[test]
    fn a_new_day_gets_a_heading() {
        let f = fmt(40);
        let mut c = conv(1);
        c.push(ChatLine::new(
            UNIX_EPOCH + Duration::from_secs(86_400 + 60),
            LineKind::System,
            "tomorrow",
        ));
        assert_eq!(f.height(&c.lines, 0), 2);
        assert_eq!(f.height(&c.lines, 1), 2);
        assert_eq!(f.height(&c.lines, 2), 0);
        assert_eq!(
            texts(&c, &f, 10),
            [
                "─────── Thursday, 1 January 1970 ───────",
                "00:00 Bob: message 0",
                "──────── Friday, 2 January 1970 ────────",
                "00:01 * tomorrow",
            ]
        );
    }

    #[test]
    fn search_finds_both_ways_ignoring_case() {
        let mut c = conv(20);
        assert_eq!(c.find("MESSAGE 1", 19, true), Some(19));
        assert_eq!(c.find("message 1", 9, true), Some(1));
        assert_eq!(c.find("message 1", 2, false), Some(10));
        assert_eq!(c.find("nothing", 19, true), None);
        assert_eq!(c.find("", 19, true), None);
        c.show_message(5, &fmt(40), 4);
        assert_eq!(c.scroll, Some(Anchor { msg: 7, skip: 0 }));
    }
}
