//! Slash commands: what the user typed is first parsed into a [`SlashCommand`] (a pure function,
//! tested command by command) and only then executed against the state.
//!
//! Submitting the input line also lives here, since it decides between a command and a message:
//! `/cmd` runs a command, `//text` sends `/text` as a message.

use std::time::Instant;

use super::{parse_search_request, Action, App, Focus, Overlay, DEFAULT_AWAY, DEFAULT_GROUP};
use crate::screenname::{ScreenName, ScreenNameError};
use crate::session::{Command, FeedbagAction, IcqStatus, PrivacyMode};
use crate::tui::keymap::KeyAction;
use crate::words;

/// A slash command as typed, with its arguments checked but nothing done yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlashCommand {
    /// `/away [MESSAGE]`: go away with this message (the default one when none is given).
    Away(Option<String>),
    /// `/back`: come back from away.
    Back,
    /// `/add NAME [GROUP]`: add a buddy, to the first group when none is named.
    Add {
        /// The buddy.
        name: ScreenName,
        /// The group, as typed (spaces joined).
        group: Option<String>,
    },
    /// `/remove NAME` or `/rm NAME`: remove a buddy.
    Remove(ScreenName),
    /// `/info [NAME]` or `/whois [NAME]`: a profile, of the chat on screen when no name is given.
    Info(Option<ScreenName>),
    /// `/msg NAME [TEXT]`, `/query` or `/open`: open a chat and optionally send a first message.
    Msg {
        /// The buddy.
        name: ScreenName,
        /// The message, words joined by single spaces.
        text: Option<String>,
    },
    /// `/close`: close the chat on screen.
    Close,
    /// `/help`: show keys and commands.
    Help,
    /// `/quit` or `/exit`: sign off and leave.
    Quit,
    /// `/retry`: send the newest failed message again.
    Retry,
    /// `/status online|away|na|occupied|dnd|ffc|invisible`: set our ICQ status.
    Status(IcqStatus),
    /// `/join ROOM`: join (or create) a chat room and open its tab.
    Join(String),
    /// `/leave` or `/part`: leave the room on screen.
    Leave,
    /// `/invite NAME [MESSAGE]`: invite someone to the room on screen.
    Invite {
        /// Who.
        name: ScreenName,
        /// The message, words joined by single spaces.
        message: Option<String>,
    },
    /// `/names`: list who is in the room on screen.
    Names,
    /// `/accept [ROOM]`: accept the newest invitation, or the one to ROOM.
    Accept(Option<String>),
    /// `/decline [ROOM]`: decline the newest invitation, or the one to ROOM.
    Decline(Option<String>),
    /// `/icon PATH`: make an image file our buddy icon; `/icon off` (`None`) removes it.
    Icon(Option<std::path::PathBuf>),
    /// `/auth [NAME]`: let NAME (or the newest asker) add us (ICQ authorization).
    Auth(Option<ScreenName>),
    /// `/deny [NAME [REASON]]`: refuse NAME's (or the newest) authorization request.
    Deny {
        /// Who; the newest asker when absent.
        name: Option<ScreenName>,
        /// The reason, words joined by single spaces.
        reason: Option<String>,
    },
    /// `/search [email|name|interest] WHAT`: search the ICQ or the AIM directory (which one is
    /// decided by the session's account, see [`super::parse_search_request`]).
    Search(String),
    /// `/block NAME`: block someone (their IMs, typing and presence never reach us).
    Block(ScreenName),
    /// `/unblock NAME`: unblock someone (in allow-list mode: allow them).
    Unblock(ScreenName),
    /// `/privacy [MODE]`: set who may see and message us, or show the settings.
    Privacy(Option<PrivacyMode>),
    /// `/warn [NAME] [anon]`: warn someone who messaged us, the chat on screen by default.
    Warn {
        /// Who; the chat on screen when `None`.
        name: Option<ScreenName>,
        /// Whether anonymously.
        anonymous: bool,
    },
    /// `/profile [TEXT]`: set our profile to TEXT, or show it when none is given.
    Profile(Option<String>),
    /// `/rmgroup GROUP`: remove an empty group from the buddy list.
    RemoveGroup(String),
}

/// Why a line is not a valid slash command; the text is shown in the status bar.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// No such command (lower-cased as matched).
    #[error("unknown command /{0}")]
    Unknown(String),
    /// The command needs a screen name and none was given.
    #[error("/{command} needs a screen name")]
    MissingName {
        /// The command word as typed.
        command: String,
    },
    /// `/join` without a room name.
    #[error("/join needs a room name")]
    MissingRoom,
    /// `/icon` without a file.
    #[error("{}", words::icon_usage())]
    MissingIcon,
    /// `/search` without anything to search for.
    #[error("{}", words::SEARCH_USAGE)]
    MissingSearch,
    /// `/privacy` with a mode that does not exist (as typed).
    #[error("/privacy takes one of {}", words::privacy_names())]
    BadPrivacy(String),
    /// `/rmgroup` without a group name.
    #[error("/rmgroup needs a group name")]
    MissingGroup,
    /// `/status` without a status, or with one that does not exist (as typed).
    #[error("/status takes one of {}", words::status_names())]
    BadStatus(String),
    /// The screen name given cannot be one.
    #[error("{raw:?}: {reason}")]
    BadName {
        /// The argument as typed.
        raw: String,
        /// What is wrong with it.
        reason: ScreenNameError,
    },
}

impl SlashCommand {
    /// Parses a command line, with or without its leading `/`. Command words ignore case;
    /// arguments are split on spaces, with "double-quoted names" kept together.
    pub fn parse(line: &str) -> Result<SlashCommand, ParseError> {
        let line = line.strip_prefix('/').unwrap_or(line);
        let (cmd, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let rest = rest.trim();
        let args = split_args(rest);
        let name_arg = |n: usize| -> Result<ScreenName, ParseError> {
            let Some(raw) = args.get(n) else {
                return Err(ParseError::MissingName { command: cmd.to_string() });
            };
            ScreenName::parse(raw)
                .map_err(|reason| ParseError::BadName { raw: raw.clone(), reason })
        };
        // Everything after the first argument, joined by single spaces.
        let tail =
            || (args.len() > 1).then(|| args.get(1..).map(|a| a.join(" ")).unwrap_or_default());
        match cmd.to_lowercase().as_str() {
            "away" => Ok(SlashCommand::Away((!rest.is_empty()).then(|| rest.to_string()))),
            "back" => Ok(SlashCommand::Back),
            "add" => Ok(SlashCommand::Add { name: name_arg(0)?, group: tail() }),
            "remove" | "rm" => Ok(SlashCommand::Remove(name_arg(0)?)),
            "info" | "whois" => {
                Ok(SlashCommand::Info(if args.is_empty() { None } else { Some(name_arg(0)?) }))
            }
            "msg" | "query" | "open" => Ok(SlashCommand::Msg { name: name_arg(0)?, text: tail() }),
            "close" => Ok(SlashCommand::Close),
            "help" => Ok(SlashCommand::Help),
            "quit" | "exit" => Ok(SlashCommand::Quit),
            "retry" => Ok(SlashCommand::Retry),
            "status" => match args.as_slice() {
                [one] => IcqStatus::from_name(one)
                    .map(SlashCommand::Status)
                    .ok_or_else(|| ParseError::BadStatus(one.clone())),
                _ => Err(ParseError::BadStatus(rest.to_string())),
            },
            "join" => match rest {
                "" => Err(ParseError::MissingRoom),
                // The whole rest is the name: room names have spaces ("Flapjack Lounge").
                name => Ok(SlashCommand::Join(name.trim_matches('"').trim().to_string())),
            },
            "leave" | "part" => Ok(SlashCommand::Leave),
            "invite" => Ok(SlashCommand::Invite { name: name_arg(0)?, message: tail() }),
            "names" | "who" => Ok(SlashCommand::Names),
            "accept" => Ok(SlashCommand::Accept((!rest.is_empty()).then(|| rest.to_string()))),
            "decline" => Ok(SlashCommand::Decline((!rest.is_empty()).then(|| rest.to_string()))),
            "icon" => parse_icon(rest),
            "auth" => {
                Ok(SlashCommand::Auth(if args.is_empty() { None } else { Some(name_arg(0)?) }))
            }
            "deny" => Ok(SlashCommand::Deny {
                name: if args.is_empty() { None } else { Some(name_arg(0)?) },
                reason: tail(),
            }),
            "search" => {
                // Either kind of session reads the same words as searchable or not.
                parse_search_request(rest, false)
                    .map(|_| SlashCommand::Search(rest.trim().to_string()))
                    .ok_or(ParseError::MissingSearch)
            }
            "block" | "ignore" => Ok(SlashCommand::Block(name_arg(0)?)),
            "unblock" | "unignore" => Ok(SlashCommand::Unblock(name_arg(0)?)),
            "privacy" => match args.as_slice() {
                [] => Ok(SlashCommand::Privacy(None)),
                [one] => words::privacy_from_name(one)
                    .map(|m| SlashCommand::Privacy(Some(m)))
                    .ok_or_else(|| ParseError::BadPrivacy(one.clone())),
                _ => Err(ParseError::BadPrivacy(rest.to_string())),
            },
            "warn" | "evil" => {
                let is_anon = |a: &String| a.eq_ignore_ascii_case("anon");
                let anonymous = args.last().is_some_and(is_anon);
                let name = match args.first().filter(|a| !is_anon(a)) {
                    Some(_) => Some(name_arg(0)?),
                    None => None,
                };
                Ok(SlashCommand::Warn { name, anonymous })
            }
            // The profile is kept as typed, like an away message.
            "profile" => Ok(SlashCommand::Profile((!rest.is_empty()).then(|| rest.to_string()))),
            "rmgroup" => match rest.trim_matches('"').trim() {
                "" => Err(ParseError::MissingGroup),
                group => Ok(SlashCommand::RemoveGroup(group.to_string())),
            },
            other => Err(ParseError::Unknown(other.to_string())),
        }
    }
}

impl App {
    /// Enter on the input line: runs a slash command or sends the draft, then updates typing.
    pub(super) fn submit(&mut self, now: Instant) -> Vec<Action> {
        let text = self.input_mut().take();
        if text.trim().is_empty() {
            return self.after_edit(now);
        }
        self.input_history.push(&text);
        self.notice = None;
        let mut actions = match text.strip_prefix('/') {
            Some(rest) if !rest.starts_with('/') => self.run_command(rest),
            Some(rest) => self.send_message(rest.to_string()),
            None => self.send_message(text),
        };
        actions.extend(self.after_edit(now));
        actions
    }

    /// Parses and executes a command line; a bad one only shows why in the status bar.
    fn run_command(&mut self, line: &str) -> Vec<Action> {
        match SlashCommand::parse(line) {
            Ok(command) => self.execute(command),
            Err(e) => {
                let text = match &e {
                    ParseError::Unknown(_) => {
                        format!("{e} (press {} for help)", self.keymap.describe(KeyAction::Help))
                    }
                    _ => e.to_string(),
                };
                self.set_notice(&text, true);
                Vec::new()
            }
        }
    }

    /// Does what a parsed command asks.
    pub fn execute(&mut self, command: SlashCommand) -> Vec<Action> {
        match command {
            SlashCommand::Away(message) => {
                let message = message.unwrap_or_else(|| DEFAULT_AWAY.to_string());
                vec![Action::Send(Command::SetAway(Some(message)))]
            }
            SlashCommand::Back => vec![Action::Send(Command::SetAway(None))],
            SlashCommand::Add { name, group } => {
                let group = group.unwrap_or_else(|| {
                    self.groups.first().map_or(DEFAULT_GROUP.to_string(), |g| g.name.clone())
                });
                let action = FeedbagAction::AddBuddy { name: name.clone(), group: group.clone() };
                self.set_notice(&words::feedbag_action(&action), false);
                vec![Action::Send(Command::AddBuddy { name, group })]
            }
            SlashCommand::Remove(name) => self.remove_buddy(name),
            SlashCommand::Info(name) => match name
                .or_else(|| self.active.clone().filter(|_| self.active_room().is_none()))
            {
                Some(name) => vec![Action::Send(Command::GetInfo { name })],
                None => {
                    self.set_notice("/info needs a screen name", true);
                    Vec::new()
                }
            },
            SlashCommand::Msg { name, text } => {
                self.open_chat(&name);
                self.focus = Focus::Input;
                match text {
                    Some(text) => self.send_message(text),
                    // Sending watches the recipient; opening the chat alone must too, so its
                    // header says whether they are there.
                    None => vec![Action::Send(Command::WatchPresence { name })],
                }
            }
            SlashCommand::Close => self.close_chat(),
            SlashCommand::Help => {
                self.overlay = Some(Overlay::Help { scroll: 0 });
                Vec::new()
            }
            SlashCommand::Quit => vec![Action::Send(Command::SignOff), Action::Quit],
            SlashCommand::Retry => self.retry(),
            SlashCommand::Status(status) => vec![Action::Send(Command::SetStatus(status))],
            SlashCommand::Join(room) => self.join_room(&room),
            SlashCommand::Leave => self.leave_room(),
            SlashCommand::Invite { name, message } => self.invite(name, message),
            SlashCommand::Names => self.names(),
            SlashCommand::Accept(room) => self.answer_invitation(room.as_deref(), true),
            SlashCommand::Decline(room) => self.answer_invitation(room.as_deref(), false),
            SlashCommand::Icon(path) => self.icon_command(path),
            SlashCommand::Auth(name) => self.answer_auth(name, true, None),
            SlashCommand::Deny { name, reason } => self.answer_auth(name, false, reason),
            SlashCommand::Search(rest) => self.search_command(&rest),
            SlashCommand::Block(name) => self.block(name, true),
            SlashCommand::Unblock(name) => self.block(name, false),
            SlashCommand::Privacy(mode) => self.privacy_command(mode),
            SlashCommand::Warn { name, anonymous } => self.warn(name, anonymous),
            SlashCommand::Profile(text) => self.profile(text),
            SlashCommand::RemoveGroup(group) => self.remove_group(&group),
        }
    }

    /// `/remove NAME`: removes the buddy. A group left empty stays, as in Pidgin, unless
    /// `[ui] remove_empty_groups` says to remove it too; the status bar says which.
    fn remove_buddy(&mut self, name: ScreenName) -> Vec<Action> {
        let emptied: Vec<String> = self
            .groups
            .iter()
            .filter(|g| !g.buddies.is_empty() && g.buddies.iter().all(|(b, _)| b.name == name))
            .map(|g| g.name.clone())
            .collect();
        let action = FeedbagAction::RemoveBuddy { name: name.clone() };
        let mut notice = words::feedbag_action(&action);
        let mut actions = vec![Action::Send(Command::RemoveBuddy { name })];
        for group in emptied {
            if self.ui.remove_empty_groups {
                let action = FeedbagAction::RemoveGroup { name: group.clone() };
                notice = format!("{notice}; {}", words::feedbag_action(&action));
                actions.push(Action::Send(Command::RemoveGroup { name: group }));
            } else {
                notice = format!("{notice}; {}", words::group_left_empty(&group));
            }
        }
        self.set_notice(&notice, false);
        actions
    }

    /// `/rmgroup GROUP`: removes a group, only when it is empty (removing a group removes its
    /// buddies, which deserves more than a typo).
    fn remove_group(&mut self, group: &str) -> Vec<Action> {
        let found = self.groups.iter().find(|g| g.name.eq_ignore_ascii_case(group));
        match found {
            None => {
                self.set_notice(&words::no_such_group(group), true);
                Vec::new()
            }
            Some(g) if !g.buddies.is_empty() => {
                self.set_notice(&words::group_not_empty(&g.name, g.buddies.len()), true);
                Vec::new()
            }
            Some(g) => {
                let name = g.name.clone();
                let action = FeedbagAction::RemoveGroup { name: name.clone() };
                self.set_notice(&words::feedbag_action(&action), false);
                vec![Action::Send(Command::RemoveGroup { name })]
            }
        }
    }

    /// `/profile TEXT` sets our profile; a bare `/profile` shows it as others see it.
    fn profile(&mut self, text: Option<String>) -> Vec<Action> {
        match text {
            Some(text) => {
                self.set_notice(words::profile_sent(), false);
                vec![Action::Send(Command::SetProfile(text))]
            }
            None => {
                let name = ScreenName::from_wire(&self.account);
                vec![Action::Send(Command::GetInfo { name })]
            }
        }
    }
}

/// `/icon`'s argument: `off`, or the rest of the line as a path (spaces kept, quotes dropped).
fn parse_icon(rest: &str) -> Result<SlashCommand, ParseError> {
    match rest.trim_matches('"').trim() {
        "" => Err(ParseError::MissingIcon),
        off if off.eq_ignore_ascii_case("off") => Ok(SlashCommand::Icon(None)),
        path => Ok(SlashCommand::Icon(Some(path.into()))),
    }
}

/// Splits command arguments on spaces, keeping "double-quoted names" together.
fn split_args(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in s.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::UiConfig;
    use crate::tui::keymap::Keymap;

    fn sn(s: &str) -> ScreenName {
        ScreenName::from_wire(s)
    }

    fn parse(line: &str) -> Result<SlashCommand, ParseError> {
        SlashCommand::parse(line)
    }

    #[test]
    fn away_and_back() {
        assert_eq!(parse("/away"), Ok(SlashCommand::Away(None)));
        assert_eq!(parse("/away   "), Ok(SlashCommand::Away(None)));
        // The message is kept as typed: quotes and inner spacing stay.
        assert_eq!(
            parse("/away  out  to \"lunch\" "),
            Ok(SlashCommand::Away(Some("out  to \"lunch\"".into())))
        );
        assert_eq!(parse("/back"), Ok(SlashCommand::Back));
        assert_eq!(parse("/back now"), Ok(SlashCommand::Back));
    }

    #[test]
    fn add_with_and_without_a_group() {
        assert_eq!(parse("/add bob"), Ok(SlashCommand::Add { name: sn("bob"), group: None }));
        assert_eq!(
            parse("/add \"Bob Smith\" Old  Friends"),
            Ok(SlashCommand::Add { name: sn("Bob Smith"), group: Some("Old Friends".into()) })
        );
        assert_eq!(parse("/add"), Err(ParseError::MissingName { command: "add".into() }));
    }

    #[test]
    fn remove_and_its_alias() {
        assert_eq!(parse("/remove bob"), Ok(SlashCommand::Remove(sn("bob"))));
        assert_eq!(parse("/rm bob extra"), Ok(SlashCommand::Remove(sn("bob"))));
        assert_eq!(parse("/rm"), Err(ParseError::MissingName { command: "rm".into() }));
    }

    #[test]
    fn info_with_or_without_a_name() {
        assert_eq!(parse("/info"), Ok(SlashCommand::Info(None)));
        assert_eq!(parse("/whois bob"), Ok(SlashCommand::Info(Some(sn("bob")))));
    }

    #[test]
    fn msg_and_its_aliases() {
        let bob =
            |text: Option<&str>| SlashCommand::Msg { name: sn("bob"), text: text.map(Into::into) };
        assert_eq!(parse("/msg bob"), Ok(bob(None)));
        assert_eq!(parse("/query bob hi"), Ok(bob(Some("hi"))));
        // Words are re-joined with single spaces and quotes dropped, as before the split.
        assert_eq!(parse("/open bob  hi   \"there you\""), Ok(bob(Some("hi there you"))));
        assert_eq!(parse("/msg"), Err(ParseError::MissingName { command: "msg".into() }));
    }

    #[test]
    fn commands_without_arguments() {
        assert_eq!(parse("/close"), Ok(SlashCommand::Close));
        assert_eq!(parse("/help"), Ok(SlashCommand::Help));
        assert_eq!(parse("/quit"), Ok(SlashCommand::Quit));
        assert_eq!(parse("/exit"), Ok(SlashCommand::Quit));
        assert_eq!(parse("/retry"), Ok(SlashCommand::Retry));
    }

    #[test]
    fn command_words_ignore_case_and_the_slash_is_optional() {
        assert_eq!(parse("/QUIT"), Ok(SlashCommand::Quit));
        assert_eq!(parse("Msg Bob"), Ok(SlashCommand::Msg { name: sn("bob"), text: None }));
        // The error names the command as typed.
        assert_eq!(parse("/MSG"), Err(ParseError::MissingName { command: "MSG".into() }));
        assert_eq!(
            parse("/MSG").map_err(|e| e.to_string()),
            Err("/MSG needs a screen name".into())
        );
    }

    #[test]
    fn bad_input_is_an_error() {
        assert_eq!(parse("/frobnicate x"), Err(ParseError::Unknown("frobnicate".into())));
        assert_eq!(parse("/FROB"), Err(ParseError::Unknown("frob".into())));
        assert_eq!(parse("/"), Err(ParseError::Unknown(String::new())));
        assert_eq!(parse(""), Err(ParseError::Unknown(String::new())));
        assert_eq!(parse("/ msg bob"), Err(ParseError::Unknown(String::new())));
        let bad = parse("/msg \"bo\u{7}b\"");
        assert_eq!(
            bad,
            Err(ParseError::BadName { raw: "bo\u{7}b".into(), reason: ScreenNameError::Control })
        );
        assert_eq!(
            bad.map_err(|e| e.to_string()),
            Err("\"bo\\u{7}b\": a screen name cannot contain control characters".into())
        );
        let long = "x".repeat(256);
        assert_eq!(
            parse(&format!("/add {long}")),
            Err(ParseError::BadName { raw: long, reason: ScreenNameError::TooLong(256) })
        );
        assert_eq!(
            parse("/info \"  \""),
            Err(ParseError::BadName { raw: "  ".into(), reason: ScreenNameError::Empty })
        );
    }

    #[test]
    fn status_takes_one_of_seven_names() {
        let cases = [
            ("/status online", IcqStatus::Online),
            ("/status away", IcqStatus::Away),
            ("/status na", IcqStatus::NotAvailable),
            ("/status occupied", IcqStatus::Occupied),
            ("/status dnd", IcqStatus::DoNotDisturb),
            ("/STATUS FFC", IcqStatus::FreeForChat),
            ("/status  invisible ", IcqStatus::Invisible),
        ];
        for (line, want) in cases {
            assert_eq!(parse(line), Ok(SlashCommand::Status(want)), "{line}");
        }
        assert_eq!(parse("/status"), Err(ParseError::BadStatus(String::new())));
        assert_eq!(parse("/status busy"), Err(ParseError::BadStatus("busy".into())));
        assert_eq!(parse("/status na now"), Err(ParseError::BadStatus("na now".into())));
        assert_eq!(
            parse("/status x").map_err(|e| e.to_string()),
            Err("/status takes one of online|away|na|occupied|dnd|ffc|invisible".into())
        );
        let mut app = App::new("me", Keymap::default(), UiConfig::default());
        assert_eq!(
            app.execute(SlashCommand::Status(IcqStatus::NotAvailable)),
            [Action::Send(Command::SetStatus(IcqStatus::NotAvailable))]
        );
    }

    #[test]
    fn room_commands() {
        assert_eq!(
            parse("/join Flapjack Lounge"),
            Ok(SlashCommand::Join("Flapjack Lounge".into()))
        );
        assert_eq!(parse("/JOIN \"Griddle\" "), Ok(SlashCommand::Join("Griddle".into())));
        assert_eq!(parse("/join"), Err(ParseError::MissingRoom));
        assert_eq!(parse("/leave"), Ok(SlashCommand::Leave));
        assert_eq!(parse("/part"), Ok(SlashCommand::Leave));
        assert_eq!(
            parse("/invite \"Bob Bee\" come  have pancakes"),
            Ok(SlashCommand::Invite {
                name: sn("Bob Bee"),
                message: Some("come have pancakes".into())
            })
        );
        assert_eq!(
            parse("/invite bob"),
            Ok(SlashCommand::Invite { name: sn("bob"), message: None })
        );
        assert_eq!(parse("/invite"), Err(ParseError::MissingName { command: "invite".into() }));
        assert_eq!(parse("/names"), Ok(SlashCommand::Names));
        assert_eq!(parse("/icon"), Err(ParseError::MissingIcon));
        assert_eq!(parse("/icon OFF"), Ok(SlashCommand::Icon(None)));
        assert_eq!(
            parse("/icon \"/home/me/My Pictures/me.png\""),
            Ok(SlashCommand::Icon(Some("/home/me/My Pictures/me.png".into())))
        );
        assert_eq!(parse("/accept"), Ok(SlashCommand::Accept(None)));
        assert_eq!(parse("/accept Griddle"), Ok(SlashCommand::Accept(Some("Griddle".into()))));
        assert_eq!(parse("/decline"), Ok(SlashCommand::Decline(None)));
    }

    #[test]
    fn privacy_and_warning_commands() {
        assert_eq!(parse("/block \"Spam Bot\""), Ok(SlashCommand::Block(sn("Spam Bot"))));
        assert_eq!(parse("/ignore bob"), Ok(SlashCommand::Block(sn("bob"))));
        assert_eq!(parse("/unblock bob"), Ok(SlashCommand::Unblock(sn("bob"))));
        assert_eq!(parse("/block"), Err(ParseError::MissingName { command: "block".into() }));
        assert_eq!(parse("/privacy"), Ok(SlashCommand::Privacy(None)));
        let modes = [
            ("allow-all", PrivacyMode::AllowAll),
            ("ALLOW-BUDDIES", PrivacyMode::AllowBuddies),
            ("allow-list", PrivacyMode::AllowPermitList),
            ("block-list", PrivacyMode::BlockDenyList),
            ("invisible", PrivacyMode::BlockAll),
        ];
        for (name, mode) in modes {
            assert_eq!(parse(&format!("/privacy {name}")), Ok(SlashCommand::Privacy(Some(mode))));
        }
        assert_eq!(parse("/privacy nobody"), Err(ParseError::BadPrivacy("nobody".into())));
        assert_eq!(
            parse("/privacy x").map_err(|e| e.to_string()),
            Err("/privacy takes one of allow-all|allow-buddies|allow-list|block-list|invisible"
                .into())
        );
        let warn =
            |name: Option<&str>, anonymous| SlashCommand::Warn { name: name.map(sn), anonymous };
        assert_eq!(parse("/warn bob"), Ok(warn(Some("bob"), false)));
        assert_eq!(parse("/warn bob ANON"), Ok(warn(Some("bob"), true)));
        assert_eq!(parse("/warn anon"), Ok(warn(None, true)));
        assert_eq!(parse("/warn"), Ok(warn(None, false)));
        let mut app = App::new("me", Keymap::default(), UiConfig::default());
        assert_eq!(
            app.execute(SlashCommand::Warn { name: Some(sn("bob")), anonymous: true }),
            [Action::Send(Command::Warn { name: sn("bob"), anonymous: true })]
        );
        assert!(app.execute(warn(None, false)).is_empty(), "no chat on screen");
        assert_eq!(app.notice.as_ref().map(|n| n.text.as_str()), Some(words::warn_needs_name()));
        assert_eq!(
            app.execute(SlashCommand::Block(sn("bob"))),
            [Action::Send(Command::Block { name: sn("bob") })]
        );
        assert_eq!(app.notice.as_ref().map(|n| n.text.as_str()), Some("blocking bob"));
        assert!(
            app.execute(SlashCommand::Privacy(Some(PrivacyMode::AllowAll))).is_empty(),
            "already"
        );
        assert_eq!(
            app.execute(SlashCommand::Privacy(Some(PrivacyMode::BlockAll))),
            [Action::Send(Command::SetPrivacy(PrivacyMode::BlockAll))]
        );
    }

    #[test]
    fn split_args_keeps_quoted_names_together() {
        assert_eq!(split_args("a  \"b c\" d"), ["a", "b c", "d"]);
        assert_eq!(split_args(""), Vec::<String>::new());
        assert_eq!(split_args("\"\" x"), ["x"]);
    }

    #[test]
    fn failed_commands_explain_themselves() {
        let mut app = App::new("me", Keymap::default(), UiConfig::default());
        assert!(app.run_command("nope").is_empty());
        let help = app.keymap.describe(KeyAction::Help);
        let notice = app.notice.as_ref().map(|n| (n.text.clone(), n.error));
        assert_eq!(notice, Some((format!("unknown command /nope (press {help} for help)"), true)));
        assert!(app.run_command("info").is_empty());
        let notice = app.notice.as_ref().map(|n| n.text.as_str());
        assert_eq!(notice, Some("/info needs a screen name"));
    }

    #[test]
    fn executing_away_and_add_fills_in_defaults() {
        let mut app = App::new("me", Keymap::default(), UiConfig::default());
        assert_eq!(
            app.execute(SlashCommand::Away(None)),
            [Action::Send(Command::SetAway(Some(DEFAULT_AWAY.into())))]
        );
        assert_eq!(
            app.execute(SlashCommand::Add { name: sn("bob"), group: None }),
            [Action::Send(Command::AddBuddy { name: sn("bob"), group: DEFAULT_GROUP.into() })]
        );
    }
}
