//! Tab completion for the input line, as irssi and weechat do it: a `/command` word, a screen
//! name after a command that takes one, or a name at the start of a message (followed by
//! `: `, to address someone in a room). Pressing Tab again cycles through the other matches.
//!
//! Everything here is a pure function of the text, the cursor and the candidate names.

use std::ops::Range;

use crate::screenname::normalize;

/// Every command word, for completing `/…` (aliases included, as they are typed).
pub const COMMANDS: &[&str] = &[
    "accept", "add", "auth", "away", "back", "block", "close", "decline", "deny", "exit", "help",
    "icon", "ignore", "info", "invite", "join", "leave", "msg", "names", "open", "part", "privacy",
    "profile", "query", "quit", "remove", "retry", "rm", "rmgroup", "search", "status", "unblock",
    "unignore", "warn", "who", "whois",
];

/// Commands whose first argument is a screen name.
const NAME_COMMANDS: &[&str] = &[
    "msg", "query", "open", "add", "remove", "rm", "info", "whois", "invite", "block", "unblock",
    "ignore", "unignore", "warn", "auth", "deny",
];

/// What Tab can put in place of the word before the cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The bytes of the input the chosen text replaces.
    pub range: Range<usize>,
    /// The replacements, in the order Tab cycles through them (each ends in the separator
    /// that follows it: a space, or `: ` at the start of a message).
    pub choices: Vec<String>,
}

/// The completions for the word before `cursor` in `text`, given the names that can be
/// completed (buddies, open chats, room occupants). `None` when nothing matches or there is no
/// word to complete.
pub fn complete(text: &str, cursor: usize, names: &[String]) -> Option<Completion> {
    let before = text.get(..cursor)?;
    // The word being completed starts after the last space (a quoted name may hold spaces,
    // but completion only ever looks at what was typed of its first word).
    let word_start = before.rfind(char::is_whitespace).map_or(0, |i| i + 1);
    let word = before.get(word_start..)?;
    let head = before.get(..word_start)?;
    if let Some(cmd) = word.strip_prefix('/').filter(|_| head.is_empty()) {
        let cmd = cmd.to_lowercase();
        let choices: Vec<String> =
            COMMANDS.iter().filter(|c| c.starts_with(&cmd)).map(|c| format!("/{c} ")).collect();
        return (!choices.is_empty()).then_some(Completion { range: 0..cursor, choices });
    }
    let args: Vec<&str> = head.split_whitespace().collect();
    let (suffix, quote) = match args.as_slice() {
        // The first word of a message: a name to address.
        [] if !word.is_empty() && !word.starts_with('/') => (": ", false),
        [cmd] if cmd.starts_with('/') => {
            let cmd = cmd.trim_start_matches('/').to_lowercase();
            if !NAME_COMMANDS.contains(&cmd.as_str()) {
                return None;
            }
            (" ", true)
        }
        _ => return None,
    };
    let typed = normalize(word.trim_start_matches('"'));
    let mut choices: Vec<String> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for name in names {
        let key = normalize(name);
        if key.is_empty() || !key.starts_with(&typed) || seen.contains(&key) {
            continue;
        }
        seen.push(key);
        let shown = if quote && name.contains(char::is_whitespace) {
            format!("\"{name}\"{suffix}")
        } else {
            format!("{name}{suffix}")
        };
        choices.push(shown);
    }
    choices.sort_by_key(|c| c.to_lowercase());
    (!choices.is_empty()).then_some(Completion { range: word_start..cursor, choices })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        ["Bob Smith", "bobby", "Carol", "BOBSMITH", "alice"].iter().map(|s| s.to_string()).collect()
    }

    fn choices(text: &str) -> Vec<String> {
        complete(text, text.len(), &names()).map(|c| c.choices).unwrap_or_default()
    }

    #[test]
    fn command_words_complete_at_the_start() {
        assert_eq!(choices("/ms"), ["/msg "]);
        assert_eq!(choices("/P"), ["/part ", "/privacy ", "/profile "]);
        assert_eq!(choices("/zz"), Vec::<String>::new());
        assert_eq!(complete("/ms", 3, &[]).map(|c| c.range), Some(0..3));
    }

    #[test]
    fn names_complete_after_commands_that_take_one_quoted_when_spaced() {
        // Spaces and case are ignored as screen names compare; one entry per account.
        assert_eq!(choices("/msg bo"), ["\"Bob Smith\" ", "bobby "]);
        assert_eq!(choices("/msg \"bob s"), Vec::<String>::new(), "a space ends the word");
        assert_eq!(choices("/MSG bobs"), ["\"Bob Smith\" "]);
        assert_eq!(choices("/invite c"), ["Carol "]);
        assert_eq!(complete("/msg bo", 7, &names()).map(|c| c.range), Some(5..7));
        // Every name after a bare command; none after one that takes no name or as a message.
        assert_eq!(choices("/info ").len(), 4);
        assert!(choices("/away c").is_empty());
        assert!(choices("/msg bob c").is_empty());
        assert!(choices("hello c").is_empty());
    }

    #[test]
    fn a_name_at_the_start_of_a_message_is_addressed() {
        assert_eq!(choices("car"), ["Carol: "]);
        assert_eq!(choices("AL"), ["alice: "]);
        assert!(choices("").is_empty());
        assert!(choices("zed").is_empty());
        // Only the text before the cursor counts.
        let c = complete("car is late", 3, &names());
        assert_eq!(c, Some(Completion { range: 0..3, choices: vec!["Carol: ".into()] }));
        assert_eq!(complete("x", 5, &names()), None);
    }
}
