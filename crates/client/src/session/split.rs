//! Long messages as several IMs (docs/protocol.md §7.2, "Message size").
//!
//! The server's 04/05 says how many bytes of message data (TLV 0x0002 of 04/06) one IM may
//! carry. That limit applies to what goes on the wire: the text after it is turned into HTML
//! (`<` becomes `&lt;`, a newline `<br>`) and encoded (ASCII, or UCS-2 as soon as one character
//! is not ASCII), inside the fragment headers. So nothing here estimates: every candidate part
//! is measured with [`encoded_size`], the function the session itself sends with.
//!
//! A part ends after a run of whitespace when one fits (the whitespace stays with the part
//! before, so the parts put together are the message exactly); a word that alone does not fit
//! is cut between grapheme clusters (UAX #29), so an emoji ZWJ sequence or a letter with its
//! combining accents is never torn apart; only a single cluster larger than the limit is cut
//! between characters.

use unicode_segmentation::UnicodeSegmentation as _;

use crate::oscar::ImMessage;
use crate::text::html::from_plain;

/// Plain text as the full HTML body AIM clients send: escaped by `crate::text`, then wrapped.
pub fn html_body(text: &str) -> String {
    format!("<HTML><BODY>{}</BODY></HTML>", from_plain(text))
}

/// The bytes `text` takes as the message data of one 04/06 (TLV 0x0002): HTML-wrapped and
/// escaped, charset-encoded, with the features and text fragment headers. `usize::MAX` when it
/// cannot be encoded at all (a fragment over 64 KiB).
pub fn encoded_size(text: &str) -> usize {
    ImMessage::new(&html_body(text)).to_bytes().map_or(usize::MAX, |b| b.len())
}

/// Why a message could not be split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SplitError {
    /// Not even one character fits in an IM of this size (with the HTML and fragment overhead).
    #[error("an IM of {max} bytes cannot carry even one character")]
    LimitTooSmall {
        /// The limit that was asked for.
        max: usize,
    },
}

/// Splits `text` into parts whose [`encoded_size`] is at most `max`, in order; joined, the parts
/// are `text` exactly. A message that fits (the empty one included) is one part.
pub fn split_message(text: &str, max: usize) -> Result<Vec<String>, SplitError> {
    split_with(text, max, encoded_size)
}

/// [`split_message`] with the size function given, so the rules are tested on their own.
pub fn split_with(
    text: &str,
    max: usize,
    measure: impl Fn(&str) -> usize,
) -> Result<Vec<String>, SplitError> {
    let mut parts = Vec::new();
    let mut rest = text;
    loop {
        if measure(rest) <= max {
            parts.push(rest.to_string());
            return Ok(parts);
        }
        let end = part_end(rest, max, &measure).ok_or(SplitError::LimitTooSmall { max })?;
        parts.push(rest[..end].to_string());
        rest = &rest[end..];
        if rest.is_empty() {
            return Ok(parts);
        }
    }
}

/// Where the first part of `rest` (which does not fit whole) ends: after whitespace if any such
/// point fits, else between grapheme clusters, else between characters.
fn part_end(rest: &str, max: usize, measure: &impl Fn(&str) -> usize) -> Option<usize> {
    // Every character costs at least one byte, so no part holds more than `max` characters:
    // only cluster ends within that window are candidates.
    let window = rest.char_indices().nth(max).map_or(rest.len(), |(i, _)| i);
    let clusters: Vec<(usize, &str)> =
        rest.grapheme_indices(true).take_while(|&(start, _)| start < window).collect();
    let mut word_ends = Vec::new();
    let mut cluster_ends = Vec::new();
    for &(start, g) in &clusters {
        let end = start + g.len();
        if end > window || end == rest.len() {
            break;
        }
        cluster_ends.push(end);
        let next_is_space = rest[end..].chars().next().is_some_and(char::is_whitespace);
        if is_space(g) && !next_is_space {
            word_ends.push(end);
        }
    }
    if let Some(end) = largest_fitting(rest, &word_ends, max, measure) {
        return Some(end);
    }
    if let Some(end) = largest_fitting(rest, &cluster_ends, max, measure) {
        return Some(end);
    }
    // One cluster larger than an IM (a letter with thousands of combining marks): characters.
    let char_ends: Vec<usize> =
        rest.char_indices().skip(1).map(|(i, _)| i).take_while(|&i| i <= window).collect();
    largest_fitting(rest, &char_ends, max, measure)
}

fn is_space(g: &str) -> bool {
    g.chars().all(char::is_whitespace)
}

/// The largest of the ascending cut points whose prefix fits. The encoded size only grows as
/// a prefix grows (escapes and the switch to UCS-2 only add bytes), so a binary search finds it.
fn largest_fitting(
    rest: &str,
    ends: &[usize],
    max: usize,
    measure: &impl Fn(&str) -> usize,
) -> Option<usize> {
    let fits = ends.partition_point(|&end| measure(&rest[..end]) <= max);
    fits.checked_sub(1).and_then(|i| ends.get(i)).copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The overhead of an empty message: `<HTML><BODY></BODY></HTML>` and the fragment headers.
    fn overhead() -> usize {
        encoded_size("")
    }

    fn check(text: &str, max: usize) -> Vec<String> {
        let parts = split_message(text, max).unwrap();
        assert_eq!(parts.concat(), text);
        for p in &parts {
            assert!(encoded_size(p) <= max, "{} > {max}: {p:?}", encoded_size(p));
        }
        parts
    }

    #[test]
    fn size_is_what_the_session_sends() {
        use crate::oscar::icbm::{tlv, SendIm};
        for text in ["", "hi", "a <b> & \"c\"\nd", "é😀", "👨‍👩‍👧‍👦 family"] {
            let im = SendIm::new([0; 8], "bob", &ImMessage::new(&html_body(text)), true).unwrap();
            assert_eq!(encoded_size(text), im.tlvs.value(tlv::MESSAGE_DATA).unwrap().len());
        }
        // ASCII is one byte a character, UCS-2 two, and HTML escapes count.
        assert_eq!(encoded_size("ab") - overhead(), 2);
        assert_eq!(encoded_size("<"), overhead() + 4);
        assert_eq!(encoded_size("é"), 2 * (overhead() - 15) + 15 + 2);
    }

    #[test]
    fn the_empty_message_is_one_empty_part() {
        assert_eq!(check("", 512), vec![String::new()]);
    }

    #[test]
    fn a_message_that_fits_is_not_touched() {
        assert_eq!(check("hello there", 512), vec!["hello there".to_string()]);
    }

    #[test]
    fn splits_after_whitespace() {
        let room = 12;
        let parts = check("one two three four five six", overhead() + room);
        assert_eq!(parts, ["one two ", "three four ", "five six"]);
    }

    #[test]
    fn one_word_of_twenty_thousand_characters() {
        let word = "x".repeat(20_000);
        let parts = check(&word, 512);
        assert_eq!(parts.len(), 20_000usize.div_ceil(512 - overhead()));
        assert!(parts[..parts.len() - 1].iter().all(|p| encoded_size(p) == 512));
    }

    #[test]
    fn a_long_word_after_a_short_one_starts_a_new_part() {
        let text = format!("a {}", "y".repeat(100));
        let parts = check(&text, overhead() + 40);
        assert_eq!(parts[0], "a ");
        assert!(parts[1..].iter().all(|p| p.chars().all(|c| c == 'y')));
    }

    #[test]
    fn emoji_zwj_sequences_are_never_torn() {
        let family = "👨\u{200D}👩\u{200D}👧\u{200D}👦";
        let text = family.repeat(30);
        // UCS-2: 11 code units a family, 22 bytes; room for two and a half families a part.
        let parts = check(&text, ucs2_room(55));
        assert_eq!(parts.len(), 15);
        assert!(parts.iter().all(|p| *p == family.repeat(2)), "a family was torn");
    }

    /// A limit with `bytes` of room for UCS-2 text.
    fn ucs2_room(bytes: usize) -> usize {
        encoded_size("é") - 2 + bytes
    }

    #[test]
    fn combining_accents_stay_on_their_letter() {
        let text = "e\u{301}".repeat(50);
        let parts = check(&text, ucs2_room(9));
        // Two clusters (8 bytes) a part: 9 bytes never takes half of a third.
        assert!(parts.iter().all(|p| p.starts_with('e') && p.ends_with('\u{301}')));
        assert_eq!(parts.len(), 25);
    }

    #[test]
    fn a_cluster_larger_than_an_im_is_cut_between_characters() {
        let text = format!("e{}", "\u{301}".repeat(200));
        let parts = check(&text, ucs2_room(100));
        assert!(parts.len() > 1);
    }

    #[test]
    fn ascii_parts_stay_ascii_when_the_emoji_is_elsewhere() {
        // One emoji makes a whole IM UCS-2; the ASCII parts before it stay one byte a character.
        let text = format!("{} 😀", "word ".repeat(200));
        let parts = check(&text, 512);
        assert_eq!(parts[0].len(), (512 - overhead()) / 5 * 5);
        assert!(parts.last().unwrap().ends_with('😀'));
    }

    #[test]
    fn ucs2_text_takes_twice_the_room() {
        let ascii = check(&"a".repeat(1000), 512);
        let ucs2 = check(&"é".repeat(1000), 512);
        assert_eq!(ascii[0].chars().count(), 512 - overhead());
        assert_eq!(ucs2[0].chars().count(), (512 - ucs2_room(0)) / 2);
    }

    #[test]
    fn html_escapes_count() {
        let parts = check(&"<".repeat(100), overhead() + 40);
        assert_eq!(parts, vec!["<".repeat(10); 10]);
    }

    #[test]
    fn a_newline_pair_is_one_cluster() {
        let parts = check(&"ab\r\n".repeat(50), overhead() + 9);
        assert!(parts.iter().all(|p| !p.ends_with('\r')));
    }

    #[test]
    fn too_small_a_limit_is_an_error_not_a_loop() {
        let max = overhead();
        assert_eq!(split_message("hi", max), Err(SplitError::LimitTooSmall { max }));
        assert_eq!(split_message("", max), Ok(vec![String::new()]));
    }

    proptest! {
        #[test]
        fn parts_join_to_the_input_and_each_fits(
            text in "(\\PC|[ \n<>&é😀\u{301}\u{200D}👨]){0,300}",
            room in 12usize..200,
        ) {
            let max = ucs2_room(room);
            let parts = split_message(&text, max).unwrap();
            prop_assert_eq!(parts.concat(), text);
            for p in &parts {
                prop_assert!(encoded_size(p) <= max);
            }
            prop_assert!(parts.len() == 1 || parts.iter().all(|p| !p.is_empty()));
        }
    }
}
