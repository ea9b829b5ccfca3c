//! How a conversation's lines are laid out into terminal rows: times in a chosen zone, sender
//! prefixes, delivery marks, date headings, search highlights and word wrapping.
//!
//! Everything here is a pure function of the lines and a [`Formatter`], so the scrollback model
//! ([`super::Conversation`]) can ask for heights and rows lazily, message by message.

use std::fmt::Write as _;
use std::time::SystemTime;

use chrono::{DateTime, FixedOffset, Local, Offset as _, Utc};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::{ChatLine, Delivery, LineKind};
use crate::text::neutralize_line;
use crate::tui::theme;
use crate::words;

/// How date headings between days are written (strftime).
const DAY_FORMAT: &str = "%A, %-d %B %Y";

impl Delivery {
    /// The mark shown after the message text.
    fn mark(&self) -> &'static str {
        match self {
            Delivery::Pending => " ·",
            Delivery::Queued => " …",
            Delivery::Sent => " ↑",
            Delivery::Acked => " ✓",
            Delivery::Stored => " ✉",
            Delivery::Accepted => " ✓?",
            Delivery::Failed(_) | Delivery::FailedLogged(_) => " ✗",
            Delivery::Logged => "",
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
    /// Index of the first message that arrived unseen: a "new messages" rule goes above it.
    pub marker: Option<usize>,
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
                    Delivery::Failed(_) | Delivery::FailedLogged(_) => theme::error(),
                    _ => theme::dim(),
                };
                (time, format!("{}: ", self.own), theme::own_name(), delivery.mark(), mark_style)
            }
            LineKind::Room { from, .. } => {
                (time, format!("{from}: "), theme::peer_name(), "", Style::default())
            }
            LineKind::System => (time, "* ".to_string(), theme::system(), "", Style::default()),
            LineKind::Presence => (time, "-- ".to_string(), theme::dim(), "", Style::default()),
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

    /// How many rows message `idx` takes at this width, its date heading and the "new
    /// messages" rule included.
    pub fn height(&self, lines: &[ChatLine], idx: usize) -> usize {
        let Some(line) = lines.get(idx) else { return 0 };
        self.line_height(line)
            + usize::from(self.day_heading(lines, idx).is_some())
            + usize::from(self.marker == Some(idx))
    }

    /// A rule across the width with `label` in the middle.
    fn rule(&self, label: &str, style: Style) -> Line<'static> {
        let label = format!(" {label} ");
        let side = self.width.saturating_sub(label.width()) / 2;
        let rule = "─".repeat(side);
        Line::styled(format!("{rule}{label}{rule}"), style)
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
        if self.marker == Some(idx) {
            rows.push(self.rule(words::new_messages(), theme::unread()));
        }
        if let Some(day) = self.day_heading(lines, idx) {
            rows.push(self.rule(&day, theme::dim()));
        }
        rows.extend(self.lines(line, highlight));
        rows
    }

    /// How many rows a line takes at this width, without a date heading.
    pub fn line_height(&self, line: &ChatLine) -> usize {
        let (time, name, _, mark, _) = self.parts(line);
        let (first, rest) = self.widths(&time, &name);
        let text = format!("{}{}", line.text, mark);
        wrap(&text, first, rest).len() + self.failure_rows(line).len()
    }

    /// The rows under a failed message saying why and which key retries it, wrapped to the
    /// width under the sender's name so nothing is cut off (none for other lines).
    fn failure_rows(&self, line: &ChatLine) -> Vec<Line<'static>> {
        let reason = match &line.kind {
            LineKind::Outgoing { delivery: Delivery::Failed(reason), .. } => {
                words::im_failure(reason, self.peer)
            }
            // Read from a file: neutralized like everything else drawn.
            LineKind::Outgoing { delivery: Delivery::FailedLogged(reason), .. } => {
                neutralize_line(reason).into_owned()
            }
            _ => return Vec::new(),
        };
        let time = self.clock.format(line.time, self.time_format);
        let indent = self.indent(&time);
        let width = self.width.saturating_sub(indent).max(1);
        let text = words::failed_line(&reason, self.retry_key);
        wrap(&text, width, width)
            .into_iter()
            .map(|r| {
                Line::from(vec![
                    Span::raw(" ".repeat(indent)),
                    Span::styled(text.get(r).unwrap_or_default().to_string(), theme::error()),
                ])
            })
            .collect()
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
            LineKind::Outgoing {
                delivery: Delivery::Failed(_) | Delivery::FailedLogged(_),
                ..
            } => theme::error(),
            LineKind::Incoming { auto: true, .. } => theme::auto_reply_text(),
            LineKind::Room { mention: true, .. } => theme::mention(),
            LineKind::System => theme::system(),
            LineKind::Presence => theme::dim(),
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
        rows.extend(self.failure_rows(line));
        rows
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
}
