//! One conversation: its messages, scroll position, draft, search and typing state, and how a
//! message is laid out into terminal rows.
//!
//! A conversation may hold 100,000 messages, so nothing here wraps them all: the view is an
//! anchor (the message at the bottom of the screen) and rows are produced lazily from there
//! upward, only as many as fit.

use std::fmt::Write as _;
use std::time::{Instant, SystemTime};

use chrono::{DateTime, FixedOffset, Local, Utc};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::input::InputLine;
use super::theme;
use crate::screenname::ScreenName;
use crate::session::{ImFailure, MessageId, TypingState};
use crate::text::{neutralize, neutralize_line};

/// How date headings between days are written (strftime).
const DAY_FORMAT: &str = "%A, %-d %B %Y";

/// How an outgoing message is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Handed to the session, nothing heard yet.
    Pending,
    /// Waiting for the rate limiter.
    Queued,
    /// Written to the server.
    Sent,
    /// Acknowledged by the server.
    Acked,
    /// Not delivered, and why.
    Failed(ImFailure),
    /// Loaded from the log of an earlier session.
    Logged,
}

impl Delivery {
    /// The mark shown after the message text.
    fn mark(&self) -> &'static str {
        match self {
            Delivery::Pending => " ·",
            Delivery::Queued => " …",
            Delivery::Sent => " ↑",
            Delivery::Acked => " ✓",
            Delivery::Failed(_) => " ✗",
            Delivery::Logged => "",
        }
    }
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
    /// A note from flapjack itself (an error, a notice).
    System,
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
    /// When the chat last went from read to unread (an ordering key, so unread chats do not
    /// reshuffle on every message).
    pub unread_since: Option<u64>,
    /// `None` follows the newest message; `Some` is scrolled up.
    pub scroll: Option<Anchor>,
    /// Messages that arrived while scrolled up.
    pub new_below: usize,
    /// The draft being typed to this buddy.
    pub input: InputLine,
    /// What we last told the buddy about our typing.
    pub our_typing: TypingState,
    /// When the draft was last edited.
    pub last_edit: Option<Instant>,
    /// The search, if any.
    pub search: Option<Search>,
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
            unread_since: None,
            scroll: None,
            new_below: 0,
            input: InputLine::default(),
            our_typing: TypingState::Finished,
            last_edit: None,
            search: None,
        }
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

/// How times are shown: in the local zone, or a fixed offset (tests use UTC for stable output).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// The machine's local time zone.
    Local,
    /// A fixed offset from UTC.
    Fixed(FixedOffset),
}

impl Clock {
    /// UTC, for reproducible output.
    pub fn utc() -> Self {
        Clock::Fixed(FixedOffset::east_opt(0).unwrap_or_else(|| Utc.fix()))
    }

    /// Formats a time with a strftime format, never panicking on a bad format.
    pub fn format(&self, t: SystemTime, format: &str) -> String {
        let utc: DateTime<Utc> = t.into();
        let mut out = String::new();
        let _ = match self {
            Clock::Local => write!(out, "{}", utc.with_timezone(&Local).format(format)),
            Clock::Fixed(off) => write!(out, "{}", utc.with_timezone(off).format(format)),
        };
        out
    }
}

use chrono::Offset as _;

/// Everything needed to lay out a conversation's lines at one width.
#[derive(Debug, Clone)]
pub struct Formatter<'a> {
    /// Columns available.
    pub width: usize,
    /// strftime format for times.
    pub time_format: &'a str,
    /// Time zone for times.
    pub clock: Clock,
    /// Our own name, neutralized.
    pub own: &'a str,
    /// The buddy's name, neutralized.
    pub peer: &'a str,
    /// The key that retries a failed message, as the help shows it.
    pub retry_key: &'a str,
}

impl Formatter<'_> {
    /// The prefix (time and sender), its style for the name, and the suffix mark.
    fn parts(&self, line: &ChatLine) -> (String, String, Style, &'static str, Style) {
        let time = self.clock.format(line.time, self.time_format);
        match &line.kind {
            LineKind::Incoming { auto, offline } => {
                let mut name = self.peer.to_string();
                if *auto {
                    name.push_str(" [auto-reply]");
                }
                if *offline {
                    name.push_str(" [offline]");
                }
                name.push_str(": ");
                let style = if *auto { theme::auto_reply() } else { theme::peer_name() };
                (time, name, style, "", Style::default())
            }
            LineKind::Outgoing { delivery, .. } => {
                let mark_style = match delivery {
                    Delivery::Failed(_) => theme::error(),
                    _ => theme::dim(),
                };
                (time, format!("{}: ", self.own), theme::own_name(), delivery.mark(), mark_style)
            }
            LineKind::System => (time, "* ".to_string(), theme::system(), "", Style::default()),
        }
    }

    /// The date heading shown above message `idx` when it is the first of its day.
    fn day_heading(&self, lines: &[ChatLine], idx: usize) -> Option<String> {
        let line = lines.get(idx)?;
        let day = self.clock.format(line.time, DAY_FORMAT);
        let prev = idx.checked_sub(1).and_then(|p| lines.get(p));
        match prev {
            Some(p) if self.clock.format(p.time, DAY_FORMAT) == day => None,
            _ => Some(day),
        }
    }

    /// How many rows message `idx` takes at this width, its date heading included.
    pub fn height(&self, lines: &[ChatLine], idx: usize) -> usize {
        let Some(line) = lines.get(idx) else { return 0 };
        self.line_height(line) + usize::from(self.day_heading(lines, idx).is_some())
    }

    /// The rows of message `idx`, preceded by a date heading when a new day starts there;
    /// `highlight` marks occurrences of a search query.
    pub fn rows(
        &self,
        lines: &[ChatLine],
        idx: usize,
        highlight: Option<&str>,
    ) -> Vec<Line<'static>> {
        let Some(line) = lines.get(idx) else { return Vec::new() };
        let mut rows = Vec::new();
        if let Some(day) = self.day_heading(lines, idx) {
            let label = format!(" {day} ");
            let side = self.width.saturating_sub(label.width()) / 2;
            let rule = "─".repeat(side);
            rows.push(Line::styled(format!("{rule}{label}{rule}"), theme::dim()));
        }
        rows.extend(self.lines(line, highlight));
        rows
    }

    /// How many rows a line takes at this width, without a date heading.
    pub fn line_height(&self, line: &ChatLine) -> usize {
        let (time, name, _, mark, _) = self.parts(line);
        let (first, rest) = self.widths(&time, &name);
        let text = format!("{}{}", line.text, mark);
        wrap(&text, first, rest).len() + usize::from(is_failed(line))
    }

    /// Widths of the first row (after the prefix) and of continuation rows.
    fn widths(&self, time: &str, name: &str) -> (usize, usize) {
        let prefix = time.width() + 1 + name.width();
        let indent = self.indent(time);
        (self.width.saturating_sub(prefix).max(1), self.width.saturating_sub(indent).max(1))
    }

    /// Continuation rows start under the sender's name, when there is room for that.
    fn indent(&self, time: &str) -> usize {
        let w = time.width() + 1;
        if w * 3 <= self.width {
            w
        } else {
            0
        }
    }

    /// The rows of one line without a date heading; `highlight` marks a search query.
    pub fn lines(&self, line: &ChatLine, highlight: Option<&str>) -> Vec<Line<'static>> {
        let (time, name, name_style, mark, mark_style) = self.parts(line);
        let (first, rest) = self.widths(&time, &name);
        let text_style = match &line.kind {
            LineKind::Outgoing { delivery: Delivery::Pending | Delivery::Queued, .. } => {
                theme::dim()
            }
            LineKind::Outgoing { delivery: Delivery::Failed(_), .. } => theme::error(),
            LineKind::Incoming { auto: true, .. } => theme::auto_reply_text(),
            LineKind::System => theme::system(),
            _ => Style::default(),
        };
        let full = format!("{}{}", line.text, mark);
        let text_end = line.text.len();
        let indent = " ".repeat(self.indent(&time));
        let mut rows = Vec::new();
        for (i, range) in wrap(&full, first, rest).into_iter().enumerate() {
            let mut spans = Vec::new();
            if i == 0 {
                spans.push(Span::styled(format!("{time} "), theme::time()));
                spans.push(Span::styled(name.clone(), name_style));
            } else {
                spans.push(Span::raw(indent.clone()));
            }
            let text_part = range.start.min(text_end)..range.end.min(text_end);
            let seg = full.get(text_part.clone()).unwrap_or("");
            push_highlighted(&mut spans, seg, text_style, highlight);
            if range.end > text_end {
                let m = full.get(range.start.max(text_end)..range.end).unwrap_or("");
                spans.push(Span::styled(m.to_string(), mark_style));
            }
            rows.push(Line::from(spans));
        }
        if let LineKind::Outgoing { delivery: Delivery::Failed(reason), .. } = &line.kind {
            rows.push(Line::from(vec![
                Span::raw(indent),
                Span::styled(
                    format!("✗ {} — {} retries", failure_text(reason, self.peer), self.retry_key),
                    theme::error(),
                ),
            ]));
        }
        rows
    }
}

/// True for an outgoing line that failed (it takes an extra row for the reason).
fn is_failed(line: &ChatLine) -> bool {
    matches!(line.kind, LineKind::Outgoing { delivery: Delivery::Failed(_), .. })
}

/// A failure in words. A connection lost before the server's ack is "not confirmed", not
/// "not delivered": the server may have relayed the message before the connection dropped.
pub fn failure_text(reason: &ImFailure, peer: &str) -> String {
    match reason {
        ImFailure::RecipientOffline => format!("not delivered: {peer} is offline"),
        ImFailure::Refused => format!("not delivered: {peer} refused the message"),
        ImFailure::RateLimited => "not delivered: sending too fast (rate limited)".to_string(),
        ImFailure::TooLarge => "not delivered: message too long".to_string(),
        ImFailure::ConnectionLost => "not confirmed: connection lost, it may have arrived".into(),
        ImFailure::Server(code) => format!("not delivered: server error 0x{code:04x}"),
    }
}

/// Appends `text` as spans, marking every case-insensitive occurrence of `query`.
fn push_highlighted(spans: &mut Vec<Span<'static>>, text: &str, style: Style, query: Option<&str>) {
    let Some(query) = query.filter(|q| !q.is_empty()) else {
        spans.push(Span::styled(text.to_string(), style));
        return;
    };
    let q: Vec<char> = query.chars().flat_map(char::to_lowercase).collect();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut plain_start = 0;
    let mut i = 0;
    while i < chars.len() {
        let matched = matches_at(&chars, i, &q);
        if let Some(len) = matched {
            let start = chars.get(i).map_or(text.len(), |c| c.0);
            let end = chars.get(i + len).map_or(text.len(), |c| c.0);
            if start > plain_start {
                spans.push(Span::styled(
                    text.get(plain_start..start).unwrap_or("").to_string(),
                    style,
                ));
            }
            spans.push(Span::styled(
                text.get(start..end).unwrap_or("").to_string(),
                theme::search_match(),
            ));
            plain_start = end;
            i += len.max(1);
        } else {
            i += 1;
        }
    }
    if plain_start < text.len() {
        spans.push(Span::styled(text.get(plain_start..).unwrap_or("").to_string(), style));
    }
}

/// If the lower-cased query matches starting at char `i`, how many chars of `chars` it covers.
fn matches_at(chars: &[(usize, char)], i: usize, q: &[char]) -> Option<usize> {
    let mut qi = 0;
    let mut n = 0;
    while qi < q.len() {
        let (_, c) = chars.get(i + n)?;
        for lc in c.to_lowercase() {
            if q.get(qi) != Some(&lc) {
                return None;
            }
            qi += 1;
        }
        n += 1;
    }
    Some(n)
}

/// Word-wraps `text` into byte ranges, one per row: `first` columns on the first row, `rest` on
/// the others; newlines always break, long words break anywhere, and a space at a break is
/// dropped.
pub fn wrap(text: &str, first: usize, rest: usize) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut para_start = 0;
    for para in text.split('\n') {
        let para_end = para_start + para.len();
        let mut start = para_start;
        let mut width = 0;
        let mut last_space: Option<usize> = None;
        for (off, c) in para.char_indices() {
            let at = para_start + off;
            let w = c.width().unwrap_or(0);
            let limit = if out.is_empty() { first } else { rest };
            if width + w > limit && width > 0 {
                if c == ' ' {
                    out.push(start..at);
                    start = at + 1;
                    width = 0;
                    last_space = None;
                    continue;
                }
                match last_space.filter(|&s| s >= start) {
                    Some(sp) => {
                        out.push(start..sp);
                        start = sp + 1;
                        width = text.get(start..at).map_or(0, UnicodeWidthStr::width);
                    }
                    None => {
                        out.push(start..at);
                        start = at;
                        width = 0;
                    }
                }
                last_space = None;
                let limit = if out.is_empty() { first } else { rest };
                if width + w > limit && width > 0 {
                    out.push(start..at);
                    start = at;
                    width = 0;
                }
            }
            if c == ' ' {
                last_space = Some(at);
            }
            width += w;
        }
        out.push(start..para_end);
        para_start = para_end + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn rows(text: &str, first: usize, rest: usize) -> Vec<&str> {
        wrap(text, first, rest).into_iter().map(|r| text.get(r).unwrap_or("?")).collect()
    }

    #[test]
    fn wraps_words_newlines_and_long_words() {
        assert_eq!(rows("hello world foo", 11, 11), ["hello world", "foo"]);
        assert_eq!(rows("hello world foo", 8, 8), ["hello", "world", "foo"]);
        assert_eq!(rows("abcdefghij", 4, 3), ["abcd", "efg", "hij"]);
        assert_eq!(rows("a\n\nb", 5, 5), ["a", "", "b"]);
        assert_eq!(rows("", 5, 5), [""]);
        assert_eq!(rows("日本語です", 4, 4), ["日本", "語で", "す"]);
        assert_eq!(rows("ab 日本語", 4, 4), ["ab", "日本", "語"]);
        assert_eq!(rows("x", 0, 0), ["x"]);
    }

    proptest::proptest! {
        #[test]
        fn wrap_covers_text_and_respects_width(s in "[a-z \n日]{0,80}", w in 1usize..20) {
            let ranges = wrap(&s, w, w);
            for r in &ranges {
                let part = s.get(r.clone()).unwrap_or("\u{0}");
                proptest::prop_assert!(part.width() <= w.max(2), "{part:?}");
                proptest::prop_assert!(!part.contains('\n'));
            }
            let kept: usize = ranges.iter().map(|r| s.get(r.clone()).map_or(0, |p| p.chars().filter(|c| *c != ' ').count())).sum();
            proptest::prop_assert_eq!(kept, s.chars().filter(|c| *c != ' ' && *c != '\n').count());
        }
    }

    fn fmt(width: usize) -> Formatter<'static> {
        Formatter {
            width,
            time_format: "%H:%M",
            clock: Clock::utc(),
            own: "me",
            peer: "Bob",
            retry_key: "ctrl-r",
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

    #[test]
    fn highlight_splits_spans_on_matches() {
        let mut spans = Vec::new();
        push_highlighted(&mut spans, "Straße STRASSE", Style::default(), Some("straße"));
        let parts: Vec<&str> = spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(parts, ["Straße", " STRASSE"]);
        assert_eq!(spans.first().map(|s| s.style), Some(theme::search_match()));
    }

    #[test]
    fn clock_formats_without_panicking() {
        let t = UNIX_EPOCH + Duration::from_secs(3600 + 120);
        assert_eq!(Clock::utc().format(t, "%H:%M"), "01:02");
        let plus2 = FixedOffset::east_opt(7200).map(Clock::Fixed).unwrap_or(Clock::utc());
        assert_eq!(plus2.format(t, "%H:%M"), "03:02");
        let _ = Clock::utc().format(t, "%Q");
    }

    #[test]
    fn a_lost_connection_is_unconfirmed_not_undelivered() {
        let lost = failure_text(&ImFailure::ConnectionLost, "Bob");
        assert!(lost.starts_with("not confirmed") && lost.contains("may have arrived"), "{lost}");
        let offline = failure_text(&ImFailure::RecipientOffline, "Bob");
        assert_eq!(offline, "not delivered: Bob is offline");
    }
}
