//! The minimal HTML handling a session needs: AIM message bodies to plain text and back.
//!
//! This is private to the session until `crate::text::html` lands on main; it then replaces
//! these two functions (same names, same contracts).

/// Turns an AIM HTML body into plain text: tags removed, entities decoded, `<br>` (and the end
/// of a `<p>` or `<div>`) as a newline. Never fails: anything that is not a well-formed tag is
/// kept as text.
pub fn to_plain(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(pos) = rest.find(['<', '&']) {
        out.push_str(&rest[..pos]);
        rest = &rest[pos..];
        if rest.starts_with('<') {
            match tag_at(rest) {
                Some((len, name)) => {
                    if matches!(name.as_str(), "br" | "br/" | "/p" | "/div") {
                        out.push('\n');
                    }
                    rest = &rest[len..];
                }
                None => {
                    out.push('<');
                    rest = &rest[1..];
                }
            }
        } else {
            match entity_at(rest) {
                Some((len, c)) => {
                    out.push(c);
                    rest = &rest[len..];
                }
                None => {
                    out.push('&');
                    rest = &rest[1..];
                }
            }
        }
    }
    out.push_str(rest);
    // `<p>a</p>` ends with a newline that no sender meant.
    while out.ends_with('\n') && html.trim_end().ends_with('>') && !ends_with_br(html) {
        out.pop();
    }
    out
}

fn ends_with_br(html: &str) -> bool {
    let lower = html.trim_end().to_ascii_lowercase();
    let lower = lower
        .trim_end_matches("</html>")
        .trim_end_matches("</body>")
        .trim_end_matches("</font>")
        .trim_end();
    lower.ends_with("<br>") || lower.ends_with("<br/>") || lower.ends_with("<br />")
}

/// If `s` starts with a tag (`<name …>`, `</name>`, `<!…>`), its byte length and lower-cased
/// name (with a trailing `/` kept for `<br/>`).
fn tag_at(s: &str) -> Option<(usize, String)> {
    let bytes = s.as_bytes();
    let second = *bytes.get(1)?;
    if !(second.is_ascii_alphabetic() || second == b'/' || second == b'!') {
        return None;
    }
    let end = s.find('>')?;
    let inner = s.get(1..end)?;
    let name: String =
        inner.split(|c: char| c.is_ascii_whitespace()).next().unwrap_or("").to_ascii_lowercase();
    let name = if inner.trim_end().ends_with('/') && name == "br" { "br/".into() } else { name };
    Some((end + 1, name))
}

/// If `s` starts with a character reference, its byte length and the character.
fn entity_at(s: &str) -> Option<(usize, char)> {
    let end = s.get(..12.min(s.len())).unwrap_or(s).find(';')?;
    let name = s.get(1..end)?;
    let c = if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse::<u32>().ok()?,
        };
        char::from_u32(code)?
    } else {
        match name {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            "nbsp" => '\u{A0}',
            _ => return None,
        }
    };
    Some((end + 1, c))
}

/// Wraps plain text as the safe HTML AIM clients expect: `<>&"` escaped, newlines as `<br>`.
pub fn from_plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    out.push_str("<HTML><BODY>");
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\r' | '\n' => out.push_str("<br>"),
            other => out.push(other),
        }
    }
    out.push_str("</BODY></HTML>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn tags_entities_and_breaks() {
        assert_eq!(to_plain("<HTML><BODY>a<br>b</BODY></HTML>"), "a\nb");
        assert_eq!(to_plain("<font color=\"#ff0000\">red</font> &amp; &lt;b&gt;"), "red & <b>");
        assert_eq!(to_plain("x<BR/>y<br />z"), "x\ny\nz");
        assert_eq!(to_plain("&#233;&#x2713;&nbsp;"), "é✓\u{A0}");
        assert_eq!(to_plain("<p>one</p><p>two</p>"), "one\ntwo");
        assert_eq!(to_plain("line<br>"), "line\n");
    }

    #[test]
    fn broken_markup_is_text() {
        assert_eq!(to_plain("1 < 2 && 3 > 2"), "1 < 2 && 3 > 2");
        assert_eq!(to_plain("<unterminated"), "<unterminated");
        assert_eq!(to_plain("&bogus; &#xZZ; &"), "&bogus; &#xZZ; &");
        assert_eq!(to_plain("&#1114112;"), "&#1114112;");
    }

    #[test]
    fn plain_is_escaped() {
        assert_eq!(
            from_plain("a<b> & \"c\"\nd\r\ne"),
            "<HTML><BODY>a&lt;b&gt; &amp; &quot;c&quot;<br>d<br>e</BODY></HTML>"
        );
    }

    proptest! {
        #[test]
        fn plain_round_trips(s in "\\PC{0,60}") {
            let s = s.replace('\r', "");
            prop_assert_eq!(to_plain(&from_plain(&s)), s);
        }

        #[test]
        fn any_input_is_safe(s in ".{0,80}") {
            let _ = to_plain(&s);
        }
    }
}
