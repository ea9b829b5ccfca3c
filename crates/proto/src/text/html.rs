//! Converting AIM message bodies between HTML and plain text.
//!
//! AIM clients send `<HTML><BODY>…</BODY></HTML>` with `<FONT>`, `<B>`, `<BR>` and entities;
//! the TUI shows plain text. [`to_plain`] is a small tolerant scanner (peers send anything, so it
//! never fails and never panics) and [`from_plain`] escapes what we send so that it is read back
//! exactly as typed. The result of [`to_plain`] may still contain control characters (an entity
//! can decode to one); renderers pass it through [`crate::text::neutralize`].

/// Longest entity name or number we try to decode; anything longer is literal text.
const MAX_ENTITY_LEN: usize = 12;

/// Turns an HTML message body into plain text: tags are dropped, `<br>` and block ends become
/// newlines, and named and numeric entities are decoded (invalid code points become U+FFFD).
pub fn to_plain(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(pos) = rest.find(['<', '&']) {
        let (text, tail) = rest.split_at(pos);
        out.push_str(text);
        if tail.starts_with('<') {
            match tag_at(tail) {
                Some((len, name)) => {
                    if breaks_line(&name) {
                        out.push('\n');
                    }
                    rest = tail.get(len..).unwrap_or("");
                }
                None => {
                    out.push('<');
                    rest = tail.get(1..).unwrap_or("");
                }
            }
        } else {
            match entity_at(tail) {
                Some((len, c)) => {
                    out.push(c);
                    rest = tail.get(len..).unwrap_or("");
                }
                None => {
                    out.push('&');
                    rest = tail.get(1..).unwrap_or("");
                }
            }
        }
    }
    out.push_str(rest);
    out
}

/// Recognizes a tag at the start of `s` (which starts with `<`): returns its byte length and
/// lower-cased name (with a leading `/` for end tags), or `None` when the `<` is literal text.
fn tag_at(s: &str) -> Option<(usize, String)> {
    let body = s.get(1..)?;
    let first = body.chars().next()?;
    if !(first.is_ascii_alphabetic() || first == '/' || first == '!' || first == '?') {
        return None;
    }
    let end = body.find('>')?;
    let inner = body.get(..end)?;
    let name: String = inner
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '>')
        .collect::<String>()
        .trim_end_matches('/')
        .to_ascii_lowercase();
    Some((end + 2, name))
}

/// True for tags after which a reader expects a new line.
fn breaks_line(name: &str) -> bool {
    matches!(name, "br" | "/p" | "/div")
}

/// Recognizes an entity at the start of `s` (which starts with `&`): returns its byte length and
/// the character it stands for, or `None` when the `&` is literal text.
fn entity_at(s: &str) -> Option<(usize, char)> {
    let body = s.get(1..)?;
    let semi = body.char_indices().take(MAX_ENTITY_LEN + 1).find(|(_, c)| *c == ';')?.0;
    let name = body.get(..semi)?;
    let c = if let Some(num) = name.strip_prefix('#') {
        let value = match num.strip_prefix(['x', 'X']) {
            Some(hex) if !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit()) => {
                u32::from_str_radix(hex, 16).ok()?
            }
            Some(_) => return None,
            None if !num.is_empty() && num.chars().all(|c| c.is_ascii_digit()) => {
                num.parse::<u32>().ok()?
            }
            None => return None,
        };
        char::from_u32(value).unwrap_or('\u{FFFD}')
    } else {
        named_entity(name)?
    };
    Some((semi + 2, c))
}

/// The named entities AIM clients actually send.
fn named_entity(name: &str) -> Option<char> {
    Some(match name {
        "lt" | "LT" => '<',
        "gt" | "GT" => '>',
        "amp" | "AMP" => '&',
        "quot" | "QUOT" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "hellip" => '…',
        "mdash" => '—',
        "ndash" => '–',
        "laquo" => '«',
        "raquo" => '»',
        "euro" => '€',
        "pound" => '£',
        "cent" => '¢',
        "yen" => '¥',
        "deg" => '°',
        "middot" => '·',
        "bull" => '•',
        _ => return None,
    })
}

/// Turns typed plain text into an HTML body other clients display exactly as typed: `<`, `>`,
/// `&` and `"` are escaped and newlines become `<br>` (a `\r\n` pair counts as one newline).
pub fn from_plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => out.push_str("<br>"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn strips_typical_aim_markup() {
        let html = "<HTML><BODY BGCOLOR=\"#ffffff\"><FONT FACE=\"Arial\" SIZE=2>hi <B>there</B></FONT></BODY></HTML>";
        assert_eq!(to_plain(html), "hi there");
    }

    #[test]
    fn line_breaks() {
        assert_eq!(to_plain("a<br>b<BR/>c<br />d"), "a\nb\nc\nd");
        assert_eq!(to_plain("<p>one</p><div>two</div>"), "one\ntwo\n");
    }

    #[test]
    fn entities() {
        assert_eq!(
            to_plain("&lt;3 &amp; &quot;x&quot; &#65;&#x42;&#X43;&nbsp;&apos;"),
            "<3 & \"x\" ABC '"
        );
        assert_eq!(to_plain("&#27;[31m&#x7;"), "\u{1b}[31m\u{7}");
        assert_eq!(to_plain("&#xD800;&#99999999;"), "\u{FFFD}\u{FFFD}");
    }

    #[test]
    fn tolerates_garbage() {
        assert_eq!(to_plain("a < b && c > d"), "a < b && c > d");
        assert_eq!(to_plain("<unterminated"), "<unterminated");
        assert_eq!(to_plain("&unknown; &#; &#x; &#12a; &"), "&unknown; &#; &#x; &#12a; &");
        assert_eq!(to_plain("x<"), "x<");
        assert_eq!(to_plain("&verylongentitynamehere;"), "&verylongentitynamehere;");
        assert_eq!(to_plain("<é>"), "<é>");
    }

    #[test]
    fn escapes_for_sending() {
        assert_eq!(
            from_plain("<b>&\"x\"</b>\nnext\r\nlast"),
            "&lt;b&gt;&amp;&quot;x&quot;&lt;/b&gt;<br>next<br>last"
        );
    }

    proptest! {
        #[test]
        fn to_plain_never_panics(s in any::<String>()) {
            let _ = to_plain(&s);
        }

        #[test]
        fn round_trips(s in "[^\r]*") {
            prop_assert_eq!(to_plain(&from_plain(&s)), s);
        }

        #[test]
        fn round_trips_markup_like_text(s in "[<>&;#a-z0-9/ \n\"]{0,40}") {
            prop_assert_eq!(to_plain(&from_plain(&s)), s);
        }
    }
}
