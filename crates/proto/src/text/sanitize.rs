//! Neutralizing strings from the network before they reach a terminal.
//!
//! A peer controls message bodies, screen names, away messages and profiles. Printed raw, an
//! ESC could move the cursor, retitle the window or rewrite the screen, a BEL could ring, and a
//! bidi override could make text read differently from what it is. Every such string goes
//! through [`neutralize`] (multi-line bodies) or [`neutralize_line`] (single-line fields) before
//! it is drawn.

use std::borrow::Cow;

/// The visible stand-in for characters that have no control picture (C1 controls, bidi
/// formatting), so a reader can see that something was there.
pub const REPLACEMENT: char = '\u{FFFD}';

/// True for every character that must never reach a terminal as-is: C0 controls (including
/// newline and tab), DEL, C1 controls, bidi embeddings/overrides/isolates/marks, and the Unicode
/// line and paragraph separators.
pub fn is_dangerous(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1F}'
        | '\u{7F}'..='\u{9F}'
        | '\u{200E}' | '\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}'
        | '\u{061C}'
        | '\u{2028}' | '\u{2029}')
}

/// Maps one dangerous character to what is shown instead (C0 and DEL to their control
/// pictures such as `␛`, everything else to [`REPLACEMENT`]).
fn picture(c: char) -> char {
    match c {
        '\u{0}'..='\u{1F}' => char::from_u32(0x2400 + c as u32).unwrap_or(REPLACEMENT),
        '\u{7F}' => '\u{2421}',
        _ => REPLACEMENT,
    }
}

/// Makes a multi-line text (an IM body, a profile) safe to draw: newlines are kept, a tab
/// becomes four spaces, `\r\n` becomes `\n`, and every other dangerous character is shown as a
/// control picture or [`REPLACEMENT`]. The only control character left in the output is `\n`.
pub fn neutralize(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| is_dangerous(c) && c != '\n') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => out.push('\n'),
            '\t' => out.push_str("    "),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\u{2028}' | '\u{2029}' => out.push('\n'),
            c if is_dangerous(c) => out.push(picture(c)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Makes a single-line field (a screen name, an alias, a group name, a status text) safe to
/// draw on one row: newlines and tabs become spaces and every other dangerous character is
/// shown as a control picture or [`REPLACEMENT`]. The output contains no control character.
pub fn neutralize_line(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_dangerous) {
        return Cow::Borrowed(s);
    }
    let out = s
        .chars()
        .map(|c| match c {
            '\n' | '\t' | '\r' | '\u{2028}' | '\u{2029}' => ' ',
            c if is_dangerous(c) => picture(c),
            c => c,
        })
        .collect();
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(neutralize("hello, wörld 👋"), Cow::Borrowed(_)));
        assert!(matches!(neutralize("two\nlines"), Cow::Borrowed(_)));
        assert!(matches!(neutralize_line("Bob Smith"), Cow::Borrowed(_)));
    }

    #[test]
    fn escape_sequences_become_visible() {
        assert_eq!(neutralize("\x1b[2Jgone"), "\u{241B}[2Jgone");
        assert_eq!(neutralize("ding\x07"), "ding\u{2407}");
        assert_eq!(neutralize("\x1b]0;title\x07"), "\u{241B}]0;title\u{2407}");
        assert_eq!(neutralize("del\x7f"), "del\u{2421}");
    }

    #[test]
    fn c1_and_bidi_become_replacement() {
        assert_eq!(neutralize("a\u{9b}31mb"), "a\u{FFFD}31mb");
        assert_eq!(neutralize("evil\u{202E}txt.exe"), "evil\u{FFFD}txt.exe");
        assert_eq!(
            neutralize_line("\u{2066}x\u{2069}\u{200F}\u{061C}"),
            "\u{FFFD}x\u{FFFD}\u{FFFD}\u{FFFD}"
        );
    }

    #[test]
    fn multi_line_keeps_newlines_and_expands_tabs() {
        assert_eq!(neutralize("a\r\nb\tc\rd"), "a\nb    c\u{240D}d");
        assert_eq!(neutralize("p\u{2029}q"), "p\nq");
    }

    #[test]
    fn single_line_flattens_newlines() {
        assert_eq!(neutralize_line("Bob\nSmith\t!"), "Bob Smith !");
    }

    proptest! {
        #[test]
        fn output_never_contains_dangerous_chars(s in any::<String>()) {
            let multi = neutralize(&s);
            prop_assert!(!multi.chars().any(|c| is_dangerous(c) && c != '\n'));
            let line = neutralize_line(&s);
            prop_assert!(!line.chars().any(is_dangerous));
        }

        #[test]
        fn dangerous_chars_are_neutralized(
            s in proptest::collection::vec(
                prop_oneof![
                    Just('\u{1b}'), Just('\u{7}'), Just('\u{9b}'), Just('\u{202e}'),
                    Just('\u{2066}'), Just('\u{0}'), Just('\r'), any::<char>()
                ],
                0..40,
            )
        ) {
            let s: String = s.into_iter().collect();
            prop_assert!(!neutralize_line(&s).chars().any(is_dangerous));
            prop_assert!(!neutralize(&s).chars().any(|c| is_dangerous(c) && c != '\n'));
        }
    }
}
