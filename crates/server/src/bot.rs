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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_brain_echoes() {
        let f = BotFactory::new(|| Box::new(EchoBrain::default()));
        let r = f.make().reply("bob", "hi").unwrap();
        assert_eq!(r.text, "You said: hi");
        assert_eq!(format!("{f:?}"), "BotFactory(..)");
    }
}
