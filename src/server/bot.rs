//! The demo bot: accounts flagged `bot = true` are virtual users, always online, whose IMs are
//! answered by a pluggable [`BotBrain`] after a visible "typing" pause.

use std::sync::Arc;
use std::time::Duration;

/// What a bot says back, and how long it "types" first so the sender sees typing notices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BotReply {
    /// Plain text; the server HTML-escapes it before sending.
    pub text: String,
    /// How long to show "typing" before the reply arrives.
    pub typing_delay: Duration,
}

/// The logic behind a bot account, plugged in through [`ServerConfig::bot_brain`](super::ServerConfig).
pub trait BotBrain: Send {
    /// Answers one IM (`text` is plain text, HTML already removed); `None` stays silent.
    fn reply(&mut self, from: &str, text: &str) -> Option<BotReply>;
}

/// Makes one brain per bot account at server start; shared by cloned configs.
#[derive(Clone)]
pub struct BotFactory(pub Arc<dyn Fn() -> Box<dyn BotBrain> + Send + Sync>);

impl BotFactory {
    /// Wraps a constructor, e.g. `BotFactory::new(|| Box::new(EchoBrain::default()))`.
    pub fn new(f: impl Fn() -> Box<dyn BotBrain> + Send + Sync + 'static) -> Self {
        BotFactory(Arc::new(f))
    }

    /// Builds a brain.
    pub fn make(&self) -> Box<dyn BotBrain> {
        (self.0)()
    }
}

impl std::fmt::Debug for BotFactory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BotFactory(..)")
    }
}

/// A brain that repeats what it was told, for tests and as a minimal demo.
#[derive(Debug, Clone, Default)]
pub struct EchoBrain {
    /// The typing pause before each echo.
    pub typing_delay: Duration,
}

impl BotBrain for EchoBrain {
    fn reply(&mut self, _from: &str, text: &str) -> Option<BotReply> {
        Some(BotReply { text: format!("You said: {text}"), typing_delay: self.typing_delay })
    }
}

/// Escapes text for an AIM HTML body: `& < > "` as entities and newlines as `<br>`.
pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("<br>"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Turns an AIM HTML body into the plain text a brain reads: tags dropped (`<br>` and `</p>`
/// become newlines), the common entities decoded, whitespace trimmed.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find(['<', '&']) {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        if tail.starts_with('<') {
            let Some(end) = tail.find('>') else {
                out.push_str(tail);
                rest = "";
                break;
            };
            let tag = tail[1..end].trim().to_ascii_lowercase();
            if tag.starts_with("br") || tag == "/p" {
                out.push('\n');
            }
            rest = &tail[end + 1..];
        } else {
            let entity = tail.find(';').filter(|&e| e <= 10).map(|e| (&tail[1..e], e));
            let decoded = entity.and_then(|(name, e)| {
                let c = match name {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" | "#39" => Some('\''),
                    "nbsp" => Some(' '),
                    n => n
                        .strip_prefix("#x")
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                        .or_else(|| n.strip_prefix('#').and_then(|d| d.parse().ok()))
                        .and_then(char::from_u32),
                };
                c.map(|c| (c, e))
            });
            match decoded {
                Some((c, e)) => {
                    out.push(c);
                    rest = &tail[e + 1..];
                }
                None => {
                    out.push('&');
                    rest = &tail[1..];
                }
            }
        }
    }
    out.push_str(rest);
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_stripping() {
        assert_eq!(html_escape("a<b> & \"c\"\nd"), "a&lt;b&gt; &amp; &quot;c&quot;<br>d");
        assert_eq!(
            html_to_text("<HTML><BODY>hi &amp; <b>bye</b><br>x&#33;&#x41;</BODY></HTML>"),
            "hi & bye\nx!A"
        );
        assert_eq!(html_to_text("1 < 2 &foo; &"), "1 < 2 &foo; &");
        assert_eq!(html_to_text(&html_escape("<&>\"")), "<&>\"");
    }

    #[test]
    fn echo_brain_echoes() {
        let f = BotFactory::new(|| Box::new(EchoBrain::default()));
        let r = f.make().reply("bob", "hi").unwrap();
        assert_eq!(r.text, "You said: hi");
        assert_eq!(format!("{f:?}"), "BotFactory(..)");
    }
}
