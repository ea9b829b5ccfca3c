//! Key bindings as data: defaults in code, overrides from the config file, and the help
//! overlay generated from the same table so it is always true.

use std::collections::BTreeMap;
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::config::KeyList;

/// Why a key binding from the config file was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeymapError {
    /// The `[keys]` table names an action that does not exist.
    #[error(
        "unknown action {0:?} (`flapjack config keys` lists the action names, as does the help \
         overlay, ? or f1)"
    )]
    UnknownAction(String),
    /// A key string could not be understood.
    #[error("cannot understand key {key:?} for {action}: {why}")]
    BadKey {
        /// The action it was meant for.
        action: String,
        /// The key as written.
        key: String,
        /// What is wrong with it.
        why: &'static str,
    },
}

/// One key with its modifiers, normalized so that a typed `?` matches a configured `"?"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeySpec {
    /// The key.
    pub code: KeyCode,
    /// Ctrl, Alt and Shift (Shift only for non-character keys).
    pub mods: KeyModifiers,
}

impl KeySpec {
    /// Builds a normalized key: for characters Shift is folded into the character itself.
    pub fn new(code: KeyCode, mods: KeyModifiers) -> Self {
        let mut mods = mods & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let mut code = code;
        if let KeyCode::Char(c) = code {
            mods.remove(KeyModifiers::SHIFT);
            if mods.contains(KeyModifiers::CONTROL) {
                code = KeyCode::Char(c.to_ascii_lowercase());
            }
        }
        if code == KeyCode::BackTab {
            mods.remove(KeyModifiers::SHIFT);
        }
        Self { code, mods }
    }

    /// The normalized form of a key press from the terminal.
    pub fn from_event(key: &KeyEvent) -> Self {
        Self::new(key.code, key.modifiers)
    }

    /// Parses `"ctrl-f"`, `"alt-1"`, `"pgup"`, `"shift-tab"`, `"?"`, …
    pub fn parse(s: &str) -> Result<Self, &'static str> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = s.trim();
        if rest.is_empty() {
            return Err("empty key");
        }
        loop {
            let lower = rest.to_ascii_lowercase();
            let (m, len) = if lower.starts_with("ctrl-") {
                (KeyModifiers::CONTROL, 5)
            } else if lower.starts_with("alt-") {
                (KeyModifiers::ALT, 4)
            } else if lower.starts_with("shift-") {
                (KeyModifiers::SHIFT, 6)
            } else {
                break;
            };
            if rest.len() == len {
                break;
            }
            mods |= m;
            rest = rest.get(len..).unwrap_or("");
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCode::Char(c),
            _ => match rest.to_ascii_lowercase().as_str() {
                "enter" | "return" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "tab" if mods.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
                "tab" => KeyCode::Tab,
                "backtab" => KeyCode::BackTab,
                "backspace" => KeyCode::Backspace,
                "delete" | "del" => KeyCode::Delete,
                "insert" | "ins" => KeyCode::Insert,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "pgup" | "pageup" => KeyCode::PageUp,
                "pgdn" | "pgdown" | "pagedown" => KeyCode::PageDown,
                "space" => KeyCode::Char(' '),
                "minus" => KeyCode::Char('-'),
                f if f.starts_with('f') => match f.get(1..).and_then(|n| n.parse::<u8>().ok()) {
                    Some(n @ 1..=24) => KeyCode::F(n),
                    _ => return Err("function keys are f1 to f24"),
                },
                _ => return Err("not a key name"),
            },
        };
        Ok(Self::new(code, mods))
    }

    /// True when this is a printable character without Ctrl or Alt: text for the input line.
    pub fn is_text(&self) -> bool {
        matches!(self.code, KeyCode::Char(_))
            && !self.mods.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    }
}

impl fmt::Display for KeySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            f.write_str("shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::F(n) => write!(f, "f{n}"),
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::BackTab => f.write_str("shift-tab"),
            KeyCode::Backspace => f.write_str("backspace"),
            KeyCode::Delete => f.write_str("delete"),
            KeyCode::Insert => f.write_str("insert"),
            KeyCode::Up => f.write_str("up"),
            KeyCode::Down => f.write_str("down"),
            KeyCode::Left => f.write_str("left"),
            KeyCode::Right => f.write_str("right"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::PageUp => f.write_str("pgup"),
            KeyCode::PageDown => f.write_str("pgdn"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// Where a binding applies: everywhere, or only when a pane has the focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    /// Any pane. In the input line, plain characters are typed rather than looked up here.
    Global,
    /// The buddy list has the focus.
    Buddies,
    /// The conversation (scrollback) has the focus.
    Conversation,
    /// The input line has the focus.
    Input,
}

impl Context {
    /// The heading used in the help overlay.
    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Anywhere",
            Context::Buddies => "Buddy list",
            Context::Conversation => "Conversation",
            Context::Input => "Input line",
        }
    }
}

macro_rules! key_actions {
    ($( $variant:ident, $name:literal, $ctx:ident, [$($key:literal),*], $desc:literal; )*) => {
        /// Everything a key can do; names are what the `[keys]` config section uses.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum KeyAction {
            $(
                #[doc = $desc]
                $variant,
            )*
        }

        impl KeyAction {
            /// Every action, in help-overlay order.
            pub const ALL: &'static [KeyAction] = &[$(KeyAction::$variant),*];

            /// The name used in the config file.
            pub fn name(self) -> &'static str {
                match self { $(KeyAction::$variant => $name,)* }
            }

            /// Where the binding applies.
            pub fn context(self) -> Context {
                match self { $(KeyAction::$variant => Context::$ctx,)* }
            }

            /// What it does, for the help overlay.
            pub fn description(self) -> &'static str {
                match self { $(KeyAction::$variant => $desc,)* }
            }

            /// The keys bound when the config says nothing.
            fn default_keys(self) -> &'static [&'static str] {
                match self { $(KeyAction::$variant => &[$($key),*],)* }
            }

            /// Finds an action by its config name.
            pub fn from_name(name: &str) -> Option<Self> {
                match name { $($name => Some(KeyAction::$variant),)* _ => None }
            }
        }
    };
}

key_actions! {
    Help, "help", Global, ["f1", "?"], "Show or hide this help";
    Quit, "quit", Global, ["ctrl-q", "ctrl-c"], "Sign off and quit";
    FocusNext, "focus_next", Global, ["tab"], "Move to the next pane";
    FocusPrev, "focus_prev", Global, ["shift-tab"], "Move to the previous pane";
    NextChat, "next_chat", Global, ["ctrl-n", "alt-right"], "Switch to the next open chat";
    PrevChat, "prev_chat", Global, ["ctrl-p", "alt-left"], "Switch to the previous open chat";
    CloseChat, "close_chat", Global, ["alt-w"], "Close the current chat";
    Chat1, "chat_1", Global, ["alt-1"], "Switch to chat 1";
    Chat2, "chat_2", Global, ["alt-2"], "Switch to chat 2";
    Chat3, "chat_3", Global, ["alt-3"], "Switch to chat 3";
    Chat4, "chat_4", Global, ["alt-4"], "Switch to chat 4";
    Chat5, "chat_5", Global, ["alt-5"], "Switch to chat 5";
    Chat6, "chat_6", Global, ["alt-6"], "Switch to chat 6";
    Chat7, "chat_7", Global, ["alt-7"], "Switch to chat 7";
    Chat8, "chat_8", Global, ["alt-8"], "Switch to chat 8";
    Chat9, "chat_9", Global, ["alt-9"], "Switch to chat 9";
    ScrollUp, "scroll_up", Global, ["pgup"], "Scroll the conversation up a page";
    ScrollDown, "scroll_down", Global, ["pgdn"], "Scroll the conversation down a page";
    ScrollBottom, "scroll_bottom", Global, ["ctrl-end", "ctrl-g"], "Jump to the newest message";
    Search, "search", Global, ["ctrl-f"], "Search this conversation";
    Retry, "retry", Global, ["alt-r"], "Resend the last failed message";
    HistorySearch, "history_search", Global, ["ctrl-r"], "Search what you typed before";
    BuddyUp, "buddy_up", Buddies, ["up", "k"], "Select the buddy above";
    BuddyDown, "buddy_down", Buddies, ["down", "j"], "Select the buddy below";
    BuddyFirst, "buddy_first", Buddies, ["home", "g"], "Select the first entry";
    BuddyLast, "buddy_last", Buddies, ["end", "G"], "Select the last entry";
    OpenChat, "open_chat", Buddies, ["enter", "right", "l"], "Open a chat (or fold a group)";
    ToggleGroup, "toggle_group", Buddies, ["space", "left", "h"], "Fold or unfold the group";
    LineUp, "line_up", Conversation, ["up", "k"], "Scroll up a line";
    LineDown, "line_down", Conversation, ["down", "j"], "Scroll down a line";
    SearchHere, "search_here", Conversation, ["/"], "Search this conversation";
    NextMatch, "next_match", Conversation, ["n"], "Next (older) search match";
    PrevMatch, "prev_match", Conversation, ["N"], "Previous (newer) search match";
    ClearSearch, "clear_search", Conversation, ["esc"], "Clear the search";
    Send, "send", Input, ["enter"], "Send the message or run the /command";
    Newline, "newline", Input, ["alt-enter"], "Insert a line break";
    HistoryPrev, "history_prev", Input, ["up"], "Previous input from history";
    HistoryNext, "history_next", Input, ["down"], "Next input from history";
    Complete, "complete", Input, ["tab"], "Complete a buddy name or /command";
    CursorLeft, "cursor_left", Input, ["left", "ctrl-b"], "Move the cursor left";
    CursorRight, "cursor_right", Input, ["right"], "Move the cursor right";
    CursorHome, "cursor_home", Input, ["home", "ctrl-a"], "Move to the start of the input";
    CursorEnd, "cursor_end", Input, ["end", "ctrl-e"], "Move to the end of the input";
    WordLeft, "word_left", Input, ["alt-b", "ctrl-left"], "Move back a word";
    WordRight, "word_right", Input, ["alt-f", "ctrl-right"], "Move forward a word";
    DeleteBack, "delete_back", Input, ["backspace"], "Delete the character to the left";
    DeleteForward, "delete_forward", Input, ["delete", "ctrl-d"], "Delete the character at the cursor";
    DeleteWord, "delete_word", Input, ["ctrl-w", "alt-backspace"], "Delete the word before the cursor";
    DeleteWordForward, "delete_word_forward", Input, ["alt-d"], "Delete the next word";
    KillToStart, "kill_to_start", Input, ["ctrl-u"], "Delete from the start to the cursor";
    KillToEnd, "kill_to_end", Input, ["ctrl-k"], "Delete from the cursor to the end";
    ClearInput, "clear_input", Input, ["ctrl-x"], "Clear the input line";
    LeaveInput, "leave_input", Input, ["esc"], "Back to the buddy list";
}

/// The key bindings in effect: each action's keys, looked up by focus context then globally.
#[derive(Debug, Clone, PartialEq)]
pub struct Keymap {
    keys: BTreeMap<KeyAction, Vec<KeySpec>>,
}

impl Default for Keymap {
    fn default() -> Self {
        let keys = KeyAction::ALL
            .iter()
            .map(|&a| (a, a.default_keys().iter().filter_map(|k| KeySpec::parse(k).ok()).collect()))
            .collect();
        Self { keys }
    }
}

impl Keymap {
    /// The defaults with the config's `[keys]` overrides applied: an override replaces the
    /// action's keys, and a key taken over is removed from whatever other action in the same
    /// context had it, so one key never means two things.
    pub fn with_overrides(overrides: &BTreeMap<String, KeyList>) -> Result<Self, KeymapError> {
        let mut map = Self::default();
        for (name, list) in overrides {
            let action = KeyAction::from_name(name)
                .ok_or_else(|| KeymapError::UnknownAction(name.clone()))?;
            let mut specs = Vec::new();
            for key in list.keys() {
                let spec = KeySpec::parse(key).map_err(|why| KeymapError::BadKey {
                    action: name.clone(),
                    key: key.to_string(),
                    why,
                })?;
                specs.push(spec);
            }
            for (other, keys) in map.keys.iter_mut() {
                if *other != action && overlaps(other.context(), action.context()) {
                    keys.retain(|k| !specs.contains(k));
                }
            }
            map.keys.insert(action, specs);
        }
        Ok(map)
    }

    /// The keys bound to an action (possibly none, if the user unbound it).
    pub fn keys(&self, action: KeyAction) -> &[KeySpec] {
        self.keys.get(&action).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The keys bound to an action as the help shows them, e.g. `"ctrl-n, alt-right"`.
    pub fn describe(&self, action: KeyAction) -> String {
        let keys: Vec<String> = self.keys(action).iter().map(ToString::to_string).collect();
        if keys.is_empty() {
            "(unbound)".to_string()
        } else {
            keys.join(", ")
        }
    }

    /// The first key bound to an action, for short hints such as "press enter".
    pub fn primary(&self, action: KeyAction) -> String {
        self.keys(action).first().map_or_else(|| "(unbound)".to_string(), ToString::to_string)
    }

    /// What a key press means in the focused pane: the pane's own bindings first, then the
    /// global ones, except that in the input line a plain character is always typed.
    pub fn lookup(&self, focus: Context, key: &KeySpec) -> Option<KeyAction> {
        let find = |ctx: Context| {
            self.keys.iter().find(|(a, ks)| a.context() == ctx && ks.contains(key)).map(|(a, _)| *a)
        };
        if focus != Context::Global {
            if let Some(a) = find(focus) {
                return Some(a);
            }
        }
        if focus == Context::Input && key.is_text() {
            return None;
        }
        find(Context::Global)
    }
}

/// True when bindings in two contexts can see the same key press.
fn overlaps(a: Context, b: Context) -> bool {
    a == b || a == Context::Global || b == Context::Global
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> KeySpec {
        KeySpec::parse(s).unwrap_or(KeySpec::new(KeyCode::Null, KeyModifiers::NONE))
    }

    #[test]
    fn parses_and_displays_round_trip() {
        for s in [
            "ctrl-f",
            "alt-1",
            "pgup",
            "pgdn",
            "f1",
            "shift-tab",
            "?",
            "space",
            "ctrl-alt-x",
            "alt-enter",
            "G",
        ] {
            assert_eq!(key(s).to_string(), s);
        }
        assert_eq!(key("Ctrl-F"), key("ctrl-f"));
        assert_eq!(key("backtab"), key("shift-tab"));
        assert_eq!(key("ctrl-"), KeySpec::new(KeyCode::Null, KeyModifiers::NONE));
        assert!(KeySpec::parse("f99").is_err());
        assert!(KeySpec::parse("hyper-x").is_err());
        assert!(KeySpec::parse("").is_err());
    }

    #[test]
    fn typed_shifted_chars_match_config() {
        let typed = KeyEvent::new(KeyCode::Char('?'), KeyModifiers::SHIFT);
        assert_eq!(KeySpec::from_event(&typed), key("?"));
        let typed = KeyEvent::new(KeyCode::Char('N'), KeyModifiers::SHIFT);
        assert_eq!(KeySpec::from_event(&typed), key("N"));
    }

    #[test]
    fn each_help_row_fits_the_help_overlay_with_its_name() {
        // The overlay is 76 columns: two spaces, a 22-column key column, the description, and
        // "  (name)".
        for &a in KeyAction::ALL {
            let row = 2 + 22 + a.description().chars().count() + 4 + a.name().len();
            assert!(row <= 76, "{} is {row} columns wide", a.name());
        }
    }

    #[test]
    fn every_default_key_parses_and_none_clash() {
        let map = Keymap::default();
        for &a in KeyAction::ALL {
            assert_eq!(map.keys(a).len(), a.default_keys().len(), "{}", a.name());
            assert_eq!(KeyAction::from_name(a.name()), Some(a));
        }
        for &a in KeyAction::ALL {
            for &b in KeyAction::ALL {
                if a < b && a.context() == b.context() {
                    let clash = map.keys(a).iter().find(|k| map.keys(b).contains(k));
                    assert!(clash.is_none(), "{} and {} share {clash:?}", a.name(), b.name());
                }
            }
        }
    }

    #[test]
    fn lookup_prefers_the_focused_pane_and_types_text() {
        let map = Keymap::default();
        assert_eq!(map.lookup(Context::Buddies, &key("?")), Some(KeyAction::Help));
        assert_eq!(map.lookup(Context::Input, &key("?")), None);
        assert_eq!(map.lookup(Context::Input, &key("f1")), Some(KeyAction::Help));
        assert_eq!(map.lookup(Context::Input, &key("ctrl-f")), Some(KeyAction::Search));
        assert_eq!(map.lookup(Context::Input, &key("/")), None);
        assert_eq!(map.lookup(Context::Conversation, &key("/")), Some(KeyAction::SearchHere));
        assert_eq!(map.lookup(Context::Buddies, &key("ctrl-f")), Some(KeyAction::Search));
        assert_eq!(map.lookup(Context::Buddies, &key("up")), Some(KeyAction::BuddyUp));
        assert_eq!(map.lookup(Context::Conversation, &key("up")), Some(KeyAction::LineUp));
    }

    #[test]
    fn overrides_replace_and_steal_keys() {
        let mut o = BTreeMap::new();
        o.insert("close_chat".to_string(), KeyList::One("ctrl-n".into()));
        let map = Keymap::with_overrides(&o).unwrap_or_default();
        assert_eq!(map.lookup(Context::Buddies, &key("ctrl-n")), Some(KeyAction::CloseChat));
        assert_eq!(map.describe(KeyAction::NextChat), "alt-right");
        assert_eq!(map.lookup(Context::Buddies, &key("alt-w")), None);
    }

    #[test]
    fn the_example_configs_key_lines_are_valid_when_uncommented() {
        let example = crate::config::Config::example();
        let keys_at = example.find("[keys]").unwrap_or(example.len());
        let (head, keys) = example.split_at(keys_at);
        let uncommented: String = keys
            .lines()
            .map(|l| match l.strip_prefix("# ") {
                Some(rest) if rest.contains(" = ") => rest,
                _ => l,
            })
            .collect::<Vec<_>>()
            .join("\n");
        let text = format!("{head}{uncommented}");
        let config = crate::config::Config::parse(&text, std::path::Path::new("example"));
        let config = config.unwrap_or_else(|e| panic!("{e}"));
        assert!(config.keys.len() >= 3);
        let map = Keymap::with_overrides(&config.keys).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(map.describe(KeyAction::Search), "ctrl-f, f3");
    }

    #[test]
    fn bad_overrides_are_errors() {
        let mut o = BTreeMap::new();
        o.insert("fly".to_string(), KeyList::One("f".into()));
        assert_eq!(Keymap::with_overrides(&o), Err(KeymapError::UnknownAction("fly".into())));
        let mut o = BTreeMap::new();
        o.insert("quit".to_string(), KeyList::Many(vec!["ctrl-q".into(), "meta-x".into()]));
        assert!(matches!(Keymap::with_overrides(&o), Err(KeymapError::BadKey { .. })));
    }
}
