//! The demo bot's brain: what the buddy in `flapjack demo` answers.
//!
//! It is pure and deterministic given its inputs (sender, text, time), so it is unit-tested
//! here; the embedded server runs it as a buddy, shows typing for [`BotReply::typing_delay`] and
//! then sends [`BotReply::text`].

use std::fmt::Display;
use std::time::Duration;

use chrono::{DateTime, TimeZone};

/// Jokes told in turn, so asking twice gives a different one.
const JOKES: &[&str] = &[
    "Why did the modem break up with the router? Too many mixed signals. *dial-up screech*",
    "I'd tell you a UDP joke, but you might not get it.",
    "There are 10 kinds of people: those who read binary and those who don't.",
    "My away message has been up since 2003. I'm very committed to being away.",
    "Why do Rust programmers never get lost? They always know who owns the map.",
];

/// Typing time before any reply, so the typing indicator is visible.
const BASE_DELAY: Duration = Duration::from_millis(600);
/// Extra typing time per character of the reply.
const PER_CHAR: Duration = Duration::from_millis(15);
/// Longest we keep a human waiting.
const MAX_DELAY: Duration = Duration::from_millis(2500);

pub use crate::server::BotReply;

/// The demo bot, remembering just enough to vary its jokes and greet newcomers once.
#[derive(Debug, Clone)]
pub struct Bot {
    name: String,
    jokes_told: usize,
    greeted: Vec<String>,
}

impl Bot {
    /// Creates a bot that introduces itself under `name` (its screen name).
    pub fn new(name: &str) -> Self {
        Self { name: name.to_string(), jokes_told: 0, greeted: Vec::new() }
    }

    /// The bot's screen name, as given to [`Bot::new`].
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Answers one message from `from` received at `now`, or `None` for blank messages (the bot
    /// never answers nothing with something, so two bots cannot loop on empty lines).
    pub fn reply<Tz: TimeZone>(
        &mut self,
        from: &str,
        text: &str,
        now: DateTime<Tz>,
    ) -> Option<BotReply>
    where
        Tz::Offset: Display,
    {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return None;
        }
        let lower = trimmed.to_lowercase();
        let first_word = lower.split_whitespace().next().unwrap_or("");
        let command = first_word.trim_start_matches('/').trim_end_matches(['!', '?', '.', ',']);
        let answer = match command {
            "help" | "commands" => self.help(),
            "time" | "date" => {
                format!("It's {} here.", now.format("%H:%M:%S on %A, %d %B %Y (UTC%:z)"))
            }
            "echo" => {
                let rest = trimmed.get(first_word.len()..).unwrap_or("").trim_start();
                if rest.is_empty() {
                    "Echo what? Try: echo hello there".to_string()
                } else {
                    rest.to_string()
                }
            }
            "about" | "version" => format!(
                "I'm {}, the demo bot inside flapjack {}, a terminal AIM client speaking OSCAR. \
                 Everything you see runs on an embedded server on your own machine.",
                self.name,
                env!("CARGO_PKG_VERSION")
            ),
            "joke" | "funny" => self.joke(),
            _ if is_greeting(command) => self.greet(from),
            _ if lower.contains("thank") => "You're welcome! :-)".to_string(),
            _ if lower.contains("how are you") => {
                "Running at a steady 0% CPU and feeling great. You?".to_string()
            }
            _ if lower.contains("joke") => self.joke(),
            _ if lower.ends_with('?') => {
                "Good question! I'm a simple bot though — type help to see what I can do."
                    .to_string()
            }
            _ => format!(
                "I heard \"{}\" but I'm just a demo bot. Type help to see what I understand.",
                shorten(trimmed, 60)
            ),
        };
        let typing_delay = (BASE_DELAY + PER_CHAR * answer.chars().count() as u32).min(MAX_DELAY);
        Some(BotReply { text: answer, typing_delay })
    }

    /// The list of things the bot understands.
    fn help(&self) -> String {
        "Things I understand:\n  help — this list\n  time — the current time\n  echo TEXT — I say it back\n  \
         about — who I am\n  joke — a (bad) joke\nOr just say hi."
            .to_string()
    }

    /// The next joke in turn.
    fn joke(&mut self) -> String {
        let joke = JOKES.get(self.jokes_told % JOKES.len()).copied().unwrap_or("…");
        self.jokes_told += 1;
        joke.to_string()
    }

    /// A warmer greeting the first time someone says hello, a short one afterwards.
    fn greet(&mut self, from: &str) -> String {
        let key = crate::screenname::normalize(from);
        if self.greeted.contains(&key) {
            format!("Hi again, {from}!")
        } else {
            self.greeted.push(key);
            format!(
                "Hello {from}! I'm {}, flapjack's demo bot. Type help to see what I can do.",
                self.name
            )
        }
    }
}

/// True for the first words people open a chat with.
fn is_greeting(word: &str) -> bool {
    matches!(
        word,
        "hi" | "hello" | "hey" | "howdy" | "yo" | "hiya" | "sup" | "greetings" | "hallo" | "hola"
    )
}

/// Cuts `s` to one line of at most `max` characters, marking a cut with an ellipsis.
fn shorten(s: &str, max: usize) -> String {
    let flat: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        flat
    } else {
        let mut out: String = flat.chars().take(max).collect();
        out.push('…');
        out
    }
}

/// The embedded server runs this brain for bot accounts (`bot = true`), in local time.
impl crate::server::BotBrain for Bot {
    fn reply(&mut self, from: &str, text: &str) -> Option<BotReply> {
        Bot::reply(self, from, text, chrono::Local::now())
    }
}

/// A factory for [`crate::server::ServerConfig::bot_brain`] that gives every bot account its
/// own [`Bot`] named "ButterBot".
pub fn factory() -> crate::server::BotFactory {
    crate::server::BotFactory::new(|| Box::new(Bot::new("ButterBot")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{FixedOffset, Utc};

    fn noon() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 3, 5, 12, 34, 56).single().unwrap_or_default()
    }

    fn say(bot: &mut Bot, text: &str) -> String {
        bot.reply("Alice", text, noon()).map(|r| r.text).unwrap_or_default()
    }

    #[test]
    fn help_lists_commands() {
        let mut bot = Bot::new("FlapjackBot");
        let help = say(&mut bot, "help");
        for word in ["time", "echo", "about", "joke"] {
            assert!(help.contains(word), "{help}");
        }
        assert_eq!(say(&mut bot, "/HELP"), help);
    }

    #[test]
    fn time_uses_the_given_clock() {
        let mut bot = Bot::new("b");
        assert_eq!(
            say(&mut bot, "time?"),
            "It's 12:34:56 on Tuesday, 05 March 2024 (UTC+00:00) here."
        );
        let Some(tz) = FixedOffset::east_opt(2 * 3600) else { panic!("valid offset") };
        let r =
            bot.reply("a", "time", noon().with_timezone(&tz)).map(|r| r.text).unwrap_or_default();
        assert!(r.contains("14:34:56") && r.contains("+02:00"), "{r}");
    }

    #[test]
    fn echo_keeps_case_and_spacing() {
        let mut bot = Bot::new("b");
        assert_eq!(say(&mut bot, "Echo Hello  World"), "Hello  World");
        assert!(say(&mut bot, "echo").starts_with("Echo what?"));
    }

    #[test]
    fn greets_once_warmly_then_briefly() {
        let mut bot = Bot::new("FlapjackBot");
        assert!(say(&mut bot, "Hi!").starts_with("Hello Alice! I'm FlapjackBot"));
        assert_eq!(say(&mut bot, "hello"), "Hi again, Alice!");
    }

    #[test]
    fn jokes_rotate() {
        let mut bot = Bot::new("b");
        let a = say(&mut bot, "joke");
        let b = say(&mut bot, "tell me a joke");
        assert_ne!(a, b);
    }

    #[test]
    fn fallback_points_to_help() {
        let mut bot = Bot::new("b");
        let r = say(&mut bot, "purple monkey dishwasher");
        assert!(r.contains("help") && r.contains("purple monkey dishwasher"), "{r}");
        assert!(say(&mut bot, "what is love?").contains("help"));
        let long = say(&mut bot, &format!("two\nlines {}", "z".repeat(100)));
        assert!(long.contains("\"two lines zzz") && long.contains("z…\""), "{long}");
    }

    #[test]
    fn blank_gets_no_answer() {
        let mut bot = Bot::new("b");
        assert_eq!(bot.reply("a", "  \n", noon()), None);
    }

    #[test]
    fn typing_delay_grows_with_length_but_is_capped() {
        let mut bot = Bot::new("b");
        let short = bot.reply("a", "echo x", noon()).map(|r| r.typing_delay).unwrap_or_default();
        let long = bot.reply("a", "help", noon()).map(|r| r.typing_delay).unwrap_or_default();
        assert!(short >= BASE_DELAY && long > short && long <= MAX_DELAY);
        let huge = bot.reply("a", &format!("echo {}", "x".repeat(5000)), noon());
        assert_eq!(huge.map(|r| r.typing_delay), Some(MAX_DELAY));
    }
}
