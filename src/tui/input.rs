//! The input line: a text buffer with a cursor, readline-style editing and a history of what
//! was sent.

use unicode_width::UnicodeWidthChar;

/// How many sent lines the history remembers.
const HISTORY_MAX: usize = 200;

/// An editable line of text (it may hold newlines from a paste or Alt-Enter).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InputLine {
    text: String,
    /// Byte offset of the cursor, always on a char boundary.
    cursor: usize,
}

impl InputLine {
    /// The text as typed.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// True when nothing is typed.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// The cursor's byte offset into [`InputLine::text`].
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// Replaces the text and puts the cursor at its end.
    pub fn set(&mut self, text: &str) {
        self.text = text.to_string();
        self.cursor = self.text.len();
    }

    /// Empties the line and returns what was there.
    pub fn take(&mut self) -> String {
        self.cursor = 0;
        std::mem::take(&mut self.text)
    }

    /// Inserts text at the cursor (a paste keeps its newlines; `\r\n` and `\r` become `\n`).
    pub fn insert_str(&mut self, s: &str) {
        let s = s.replace("\r\n", "\n").replace('\r', "\n");
        self.text.insert_str(self.cursor, &s);
        self.cursor += s.len();
    }

    /// Inserts one character at the cursor.
    pub fn insert_char(&mut self, c: char) {
        self.text.insert(self.cursor, c);
        self.cursor += c.len_utf8();
    }

    /// Byte offset of the char boundary before the cursor.
    fn prev_boundary(&self) -> usize {
        self.text
            .get(..self.cursor)
            .and_then(|s| s.char_indices().next_back())
            .map_or(0, |(i, _)| i)
    }

    /// Byte offset of the char boundary after the cursor.
    fn next_boundary(&self) -> usize {
        self.text
            .get(self.cursor..)
            .and_then(|s| s.chars().next())
            .map_or(self.cursor, |c| self.cursor + c.len_utf8())
    }

    /// Moves the cursor one character left.
    pub fn left(&mut self) {
        self.cursor = self.prev_boundary();
    }

    /// Moves the cursor one character right.
    pub fn right(&mut self) {
        self.cursor = self.next_boundary();
    }

    /// Moves the cursor to the start.
    pub fn home(&mut self) {
        self.cursor = 0;
    }

    /// Moves the cursor to the end.
    pub fn end(&mut self) {
        self.cursor = self.text.len();
    }

    /// Deletes the character before the cursor.
    pub fn backspace(&mut self) {
        let start = self.prev_boundary();
        self.text.replace_range(start..self.cursor, "");
        self.cursor = start;
    }

    /// Deletes the character under the cursor.
    pub fn delete(&mut self) {
        let end = self.next_boundary();
        self.text.replace_range(self.cursor..end, "");
    }

    /// Deletes the word before the cursor (and the spaces between it and the cursor).
    pub fn delete_word(&mut self) {
        let start = self.word_start_before();
        self.text.replace_range(start..self.cursor, "");
        self.cursor = start;
    }

    /// Byte offset of the start of the word before the cursor (spaces before the cursor are
    /// skipped first), as readline's Alt-B goes.
    fn word_start_before(&self) -> usize {
        let before = self.text.get(..self.cursor).unwrap_or("");
        let trimmed = before.trim_end_matches(char::is_whitespace);
        trimmed.rfind(char::is_whitespace).map_or(0, |i| {
            i + trimmed.get(i..).and_then(|s| s.chars().next()).map_or(1, char::len_utf8)
        })
    }

    /// Byte offset of the end of the word after the cursor (spaces after the cursor are
    /// skipped first), as readline's Alt-F goes.
    fn word_end_after(&self) -> usize {
        let after = self.text.get(self.cursor..).unwrap_or("");
        let skipped = after.len() - after.trim_start_matches(char::is_whitespace).len();
        let rest = after.get(skipped..).unwrap_or("");
        self.cursor + skipped + rest.find(char::is_whitespace).unwrap_or(rest.len())
    }

    /// Moves the cursor to the start of the word before it (Alt-B).
    pub fn word_left(&mut self) {
        self.cursor = self.word_start_before();
    }

    /// Moves the cursor to the end of the word after it (Alt-F).
    pub fn word_right(&mut self) {
        self.cursor = self.word_end_after();
    }

    /// Deletes from the cursor to the end of the word after it (Alt-D).
    pub fn delete_word_forward(&mut self) {
        let end = self.word_end_after();
        self.text.replace_range(self.cursor..end, "");
    }

    /// Replaces the bytes `range` with `with` and puts the cursor after it (completion).
    /// A range off the text or off a character boundary changes nothing.
    pub fn replace(&mut self, range: std::ops::Range<usize>, with: &str) {
        if self.text.get(range.clone()).is_none() {
            return;
        }
        self.text.replace_range(range.clone(), with);
        self.cursor = range.start + with.len();
    }

    /// Deletes from the start to the cursor.
    pub fn kill_to_start(&mut self) {
        self.text.replace_range(..self.cursor, "");
        self.cursor = 0;
    }

    /// Deletes from the cursor to the end.
    pub fn kill_to_end(&mut self) {
        self.text.truncate(self.cursor);
    }

    /// The text as one display row (newlines shown as `↵`, controls neutralized) and the
    /// cursor's column in it, scrolled horizontally so the cursor fits in `width` columns.
    pub fn view(&self, width: usize) -> (String, usize) {
        let width = width.max(1);
        let shown: Vec<(char, usize, usize)> = self
            .text
            .char_indices()
            .map(|(i, c)| {
                let c = if c == '\n' {
                    '↵'
                } else {
                    crate::text::neutralize_line(c.encode_utf8(&mut [0; 4]))
                        .chars()
                        .next()
                        .unwrap_or(' ')
                };
                (c, i, c.width().unwrap_or(0))
            })
            .collect();
        let cursor_col: usize =
            shown.iter().take_while(|(_, i, _)| *i < self.cursor).map(|(_, _, w)| w).sum();
        // Keep the cursor on screen with a little context to its left.
        let mut skip_cols = 0;
        if cursor_col >= width {
            skip_cols = cursor_col + 1 - width;
        }
        let mut out = String::new();
        let mut col = 0;
        let mut used = 0;
        let mut first_shown = None;
        for (c, _, w) in shown {
            if col >= skip_cols {
                if used + w > width {
                    break;
                }
                first_shown.get_or_insert(col);
                out.push(c);
                used += w;
            }
            col += w;
        }
        let skipped = first_shown.unwrap_or(col).min(cursor_col);
        (out, cursor_col - skipped)
    }
}

/// Lines sent before, browsed with Up and Down like a shell's history.
#[derive(Debug, Clone, Default)]
pub struct InputHistory {
    entries: Vec<String>,
    /// Position while browsing (an index into `entries`), `None` when not browsing.
    pos: Option<usize>,
    /// What was typed before browsing started, restored when browsing past the newest entry.
    draft: String,
}

impl InputHistory {
    /// Remembers a sent line (not blank ones, not immediate repeats) and stops browsing.
    pub fn push(&mut self, line: &str) {
        self.pos = None;
        if line.trim().is_empty() || self.entries.last().is_some_and(|l| l == line) {
            return;
        }
        self.entries.push(line.to_string());
        if self.entries.len() > HISTORY_MAX {
            self.entries.remove(0);
        }
    }

    /// Replaces the input with the previous (older) entry.
    pub fn prev(&mut self, input: &mut InputLine) {
        let next = match self.pos {
            None if self.entries.is_empty() => return,
            None => {
                self.draft = input.text().to_string();
                self.entries.len() - 1
            }
            Some(0) => 0,
            Some(p) => p - 1,
        };
        self.pos = Some(next);
        if let Some(e) = self.entries.get(next) {
            input.set(e);
        }
    }

    /// The newest entry older than `before` (all entries when `None`) that contains `query`,
    /// ignoring case, for Ctrl-R: its index and text.
    pub fn search(&self, query: &str, before: Option<usize>) -> Option<(usize, &str)> {
        let q = query.to_lowercase();
        if q.is_empty() {
            return None;
        }
        let end = before.unwrap_or(self.entries.len()).min(self.entries.len());
        let entries = self.entries.get(..end)?;
        entries
            .iter()
            .enumerate()
            .rev()
            .find(|(_, e)| e.to_lowercase().contains(&q))
            .map(|(i, e)| (i, e.as_str()))
    }

    /// Replaces the input with the next (newer) entry, or the draft after the newest.
    pub fn next(&mut self, input: &mut InputLine) {
        match self.pos {
            None => {}
            Some(p) if p + 1 >= self.entries.len() => {
                self.pos = None;
                input.set(&std::mem::take(&mut self.draft));
            }
            Some(p) => {
                self.pos = Some(p + 1);
                if let Some(e) = self.entries.get(p + 1) {
                    input.set(e);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_around_multibyte_chars() {
        let mut l = InputLine::default();
        l.insert_str("héllo 👋");
        l.left();
        l.backspace();
        assert_eq!(l.text(), "héllo👋");
        l.home();
        l.right();
        l.right();
        l.delete();
        assert_eq!(l.text(), "hélo👋");
        l.insert_char('l');
        assert_eq!(l.text(), "héllo👋");
        l.end();
        l.right();
        l.delete();
        l.backspace();
        l.backspace();
        assert_eq!(l.text(), "héll");
        l.home();
        l.left();
        l.backspace();
        assert_eq!(l.text(), "héll");
    }

    #[test]
    fn word_and_line_kills() {
        let mut l = InputLine::default();
        l.insert_str("one two  three  ");
        l.delete_word();
        assert_eq!(l.text(), "one two  ");
        l.delete_word();
        assert_eq!(l.text(), "one ");
        l.insert_str("ünï");
        l.left();
        l.kill_to_end();
        assert_eq!(l.text(), "one ün");
        l.kill_to_start();
        assert_eq!((l.text(), l.cursor()), ("", 0));
        l.delete_word();
    }

    #[test]
    fn readline_word_motions_and_forward_kill() {
        let mut l = InputLine::default();
        l.insert_str("héllo  big wörld ");
        l.word_left();
        assert_eq!(l.text().get(l.cursor()..), Some("wörld "));
        l.word_left();
        l.word_left();
        assert_eq!(l.cursor(), 0);
        l.word_left();
        assert_eq!(l.cursor(), 0);
        l.word_right();
        assert_eq!(l.text().get(..l.cursor()), Some("héllo"));
        l.word_right();
        assert_eq!(l.text().get(..l.cursor()), Some("héllo  big"));
        l.delete_word_forward();
        assert_eq!(l.text(), "héllo  big ");
        l.home();
        l.delete_word_forward();
        assert_eq!((l.text(), l.cursor()), ("  big ", 0));
        l.end();
        l.word_right();
        l.delete_word_forward();
        assert_eq!((l.text(), l.cursor()), ("  big ", 6));
    }

    #[test]
    fn replace_puts_the_cursor_after_the_new_text() {
        let mut l = InputLine::default();
        l.insert_str("/msg bo");
        l.replace(5..7, "\"Bob Smith\" ");
        assert_eq!((l.text(), l.cursor()), ("/msg \"Bob Smith\" ", 17));
        // Off the text or inside a character: nothing happens.
        l.replace(10..99, "x");
        let mut w = InputLine::default();
        w.insert_str("é");
        w.replace(1..2, "x");
        assert_eq!((l.text(), w.text()), ("/msg \"Bob Smith\" ", "é"));
    }

    #[test]
    fn history_search_finds_older_matches_ignoring_case() {
        let mut h = InputHistory::default();
        for line in ["pancakes at 9?", "/away brb", "more PANCAKES", "waffles"] {
            h.push(line);
        }
        assert_eq!(h.search("pancakes", None), Some((2, "more PANCAKES")));
        assert_eq!(h.search("pancakes", Some(2)), Some((0, "pancakes at 9?")));
        assert_eq!(h.search("pancakes", Some(0)), None);
        assert_eq!(h.search("syrup", None), None);
        assert_eq!(h.search("", None), None);
        assert_eq!(h.search("waffles", Some(99)), Some((3, "waffles")));
    }

    #[test]
    fn paste_keeps_newlines_and_view_shows_them() {
        let mut l = InputLine::default();
        l.insert_str("a\r\nb\rc\x1b");
        assert_eq!(l.text(), "a\nb\nc\x1b");
        assert_eq!(l.view(20), ("a↵b↵c\u{241B}".to_string(), 6));
    }

    #[test]
    fn view_scrolls_to_keep_the_cursor_visible() {
        let mut l = InputLine::default();
        l.insert_str("abcdefghij");
        assert_eq!(l.view(5), ("ghij".to_string(), 4));
        l.home();
        assert_eq!(l.view(5), ("abcde".to_string(), 0));
        let mut w = InputLine::default();
        w.insert_str("日本語");
        assert_eq!(w.view(4), ("語".to_string(), 2));
    }

    #[test]
    fn history_browses_and_restores_the_draft() {
        let mut h = InputHistory::default();
        let mut l = InputLine::default();
        h.prev(&mut l);
        assert_eq!(l.text(), "");
        h.push("first");
        h.push("second");
        h.push("second");
        h.push("  ");
        l.set("draft");
        h.prev(&mut l);
        assert_eq!(l.text(), "second");
        h.prev(&mut l);
        h.prev(&mut l);
        assert_eq!(l.text(), "first");
        h.next(&mut l);
        assert_eq!(l.text(), "second");
        h.next(&mut l);
        assert_eq!(l.text(), "draft");
        h.next(&mut l);
        assert_eq!(l.text(), "draft");
    }
}
