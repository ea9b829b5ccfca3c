//! The AIM directory in the TUI (docs/protocol.md §16): `/search` on an AIM account asks it,
//! and its answer opens a results window whose Enter adds the chosen person, as the ICQ
//! search's does.

use super::{Action, App, Overlay};
use crate::oscar::odir::keyword_kind;
use crate::screenname::ScreenName;
use crate::session::{
    Command, DirectoryOutcome, DirectoryQuery, DirectoryUser, Keyword, SearchQuery,
};
use crate::words;

/// The AIM directory's results window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AimSearchResults {
    /// What was searched for.
    pub query: DirectoryQuery,
    /// What the answer came to (`TooMany`: more matched than listed).
    pub outcome: DirectoryOutcome,
    /// The people found (peer-supplied text: neutralized when drawn).
    pub users: Vec<DirectoryUser>,
    /// The chosen row.
    pub selected: usize,
}

/// The AIM directory's interest keywords, to pick one to search for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterestList {
    /// The keywords (peer-supplied text: neutralized when drawn).
    pub keywords: Vec<String>,
    /// The chosen row.
    pub selected: usize,
}

/// Where a `/search` goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchRequest {
    /// The ICQ directory (15/02).
    Icq(SearchQuery),
    /// The AIM directory (0F/02).
    Aim(DirectoryQuery),
    /// The AIM directory's interest keywords (0F/04): `interest` without a word.
    Interests,
}

/// Reads `/search` arguments for an ICQ session (`icq`) or an AIM one. `email ADDR`,
/// `name FIRST [LAST] [in CITY[, STATE[, COUNTRY]]]` and `interest WORD` say what to look for; `interest` always asks the
/// AIM directory, the others the session's own; `interest` alone lists the interests the AIM
/// directory knows. Without a keyword: digits are a UIN (the ICQ
/// directory); on ICQ sessions the rest is read as before ([`super::parse_search`]), on AIM
/// sessions something with `@` is an e-mail address and anything else a name. `None` when
/// nothing is left to search for.
pub fn parse_search_request(rest: &str, icq: bool) -> Option<SearchRequest> {
    let rest = rest.trim();
    let (word, tail) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let tail = tail.trim().trim_matches('"').trim();
    let name = |text: &str| {
        let (first, last) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
        (first.to_string(), last.trim().to_string())
    };
    match word.to_ascii_lowercase().as_str() {
        "interest" | "interests" if tail.is_empty() => Some(SearchRequest::Interests),
        "email" | "e-mail" | "name" if tail.is_empty() => None,
        "interest" => Some(SearchRequest::Aim(DirectoryQuery::Interest(tail.to_string()))),
        "email" | "e-mail" if icq => Some(SearchRequest::Icq(SearchQuery::Email(tail.into()))),
        "email" | "e-mail" => Some(SearchRequest::Aim(DirectoryQuery::Email(tail.to_string()))),
        "name" if icq => {
            let (first, last) = name(tail);
            Some(SearchRequest::Icq(SearchQuery::Details { first, last, nick: String::new() }))
        }
        "name" => {
            // `name FIRST [LAST] in CITY[, STATE[, COUNTRY]]` narrows by place.
            let lower = tail.to_ascii_lowercase();
            let (who, place) = match lower.rfind(" in ") {
                Some(at) => (&tail[..at], tail[at + 4..].trim()),
                None => (tail, ""),
            };
            let (first, last) = name(who.trim());
            let mut parts = place.splitn(3, ',').map(|p| p.trim().to_string());
            let mut next = || parts.next().unwrap_or_default();
            let (city, state, country) = (next(), next(), next());
            Some(SearchRequest::Aim(DirectoryQuery::Name { first, last, city, state, country }))
        }
        _ => match super::parse_search(rest)? {
            q @ SearchQuery::Uin(_) => Some(SearchRequest::Icq(q)),
            q if icq => Some(SearchRequest::Icq(q)),
            SearchQuery::Email(email) => Some(SearchRequest::Aim(DirectoryQuery::Email(email))),
            SearchQuery::Details { nick, .. } => {
                let (first, last) = name(&nick);
                Some(SearchRequest::Aim(DirectoryQuery::name(first, last)))
            }
        },
    }
}

impl App {
    /// `/search …`: the ICQ or the AIM directory, by the session's account and the words.
    pub(super) fn search_command(&mut self, rest: &str) -> Vec<Action> {
        match parse_search_request(rest, self.icq_session) {
            Some(SearchRequest::Icq(query)) => self.search(query),
            Some(SearchRequest::Aim(query)) => {
                self.set_notice(&words::searching_directory(&query), false);
                vec![Action::Send(Command::SearchDirectory(query))]
            }
            Some(SearchRequest::Interests) => {
                self.set_notice(words::ASKING_INTERESTS, false);
                vec![Action::Send(Command::DirectoryKeywords)]
            }
            None => {
                self.set_notice(words::SEARCH_USAGE, true);
                Vec::new()
            }
        }
    }

    /// The AIM directory answered: a results window, or a notice saying what it came to.
    pub(super) fn directory_results(
        &mut self,
        query: DirectoryQuery,
        outcome: DirectoryOutcome,
        users: Vec<DirectoryUser>,
    ) {
        if users.is_empty() {
            let text = words::directory_empty(&query, outcome);
            self.set_notice(&text, words::directory_failed(outcome));
            return;
        }
        self.notice = None;
        let results = AimSearchResults { query, outcome, users, selected: 0 };
        self.overlay = Some(Overlay::AimSearch(results));
    }

    /// The AIM directory listed its interests: a window to pick one, or a notice.
    pub(super) fn directory_keywords(&mut self, outcome: DirectoryOutcome, keywords: Vec<Keyword>) {
        let mut names: Vec<String> = keywords
            .into_iter()
            .filter(|k| k.kind == keyword_kind::KEYWORD && !k.name.trim().is_empty())
            .map(|k| k.name)
            .collect();
        names.dedup();
        if names.is_empty() {
            let failed = outcome != DirectoryOutcome::Found;
            self.set_notice(&words::interests_empty(outcome), failed);
            return;
        }
        self.notice = None;
        self.overlay = Some(Overlay::Interests(InterestList { keywords: names, selected: 0 }));
    }

    /// Keys in the interests window: up and down choose, Enter searches the chosen interest.
    fn interests_key(&mut self, code: crossterm::event::KeyCode) -> Option<Vec<Action>> {
        use crossterm::event::KeyCode;
        let Some(Overlay::Interests(list)) = &mut self.overlay else { return None };
        if super::icq::move_choice(&mut list.selected, list.keywords.len(), code) {
            return Some(Vec::new());
        }
        if code != KeyCode::Enter {
            return None;
        }
        let word = list.keywords.get(list.selected)?.clone();
        self.overlay = None;
        let query = DirectoryQuery::Interest(word);
        self.set_notice(&words::searching_directory(&query), false);
        Some(vec![Action::Send(Command::SearchDirectory(query))])
    }

    /// Keys in the AIM results window: up and down choose, Enter adds the chosen person to
    /// the first group (and in the interests window, Enter searches the chosen interest).
    /// Returns `None` for keys it does not use.
    pub(super) fn aim_results_key(
        &mut self,
        code: crossterm::event::KeyCode,
    ) -> Option<Vec<Action>> {
        use crossterm::event::KeyCode;
        if matches!(self.overlay, Some(Overlay::Interests(_))) {
            return self.interests_key(code);
        }
        let Some(Overlay::AimSearch(results)) = &mut self.overlay else { return None };
        if super::icq::move_choice(&mut results.selected, results.users.len(), code) {
            return Some(Vec::new());
        }
        if !matches!(code, KeyCode::Enter | KeyCode::Char('a')) {
            return None;
        }
        let chosen = results.users.get(results.selected)?.screen_name.clone();
        self.overlay = None;
        let Ok(name) = ScreenName::parse(&chosen) else {
            self.set_notice(words::DIRECTORY_NO_NAME, true);
            return Some(Vec::new());
        };
        Some(self.add_found(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aim(q: DirectoryQuery) -> Option<SearchRequest> {
        Some(SearchRequest::Aim(q))
    }

    #[test]
    fn search_words_pick_the_directory() {
        // AIM sessions: the AIM directory, except for a UIN.
        let p = |s| parse_search_request(s, false);
        assert_eq!(p("email a@b.c"), aim(DirectoryQuery::Email("a@b.c".into())));
        assert_eq!(p("a@b.c"), aim(DirectoryQuery::Email("a@b.c".into())));
        assert_eq!(p("NAME Flap Jack"), aim(DirectoryQuery::name("Flap", "Jack")));
        assert_eq!(p("name \"Flap\""), aim(DirectoryQuery::name("Flap", "")));
        assert_eq!(p("Flap Jack Junior"), aim(DirectoryQuery::name("Flap", "Jack Junior")));
        let placed = |city: &str, state: &str, country: &str| {
            aim(DirectoryQuery::Name {
                first: "Flap".into(),
                last: "Jack".into(),
                city: city.into(),
                state: state.into(),
                country: country.into(),
            })
        };
        assert_eq!(p("name Flap Jack in Syrupville"), placed("Syrupville", "", ""));
        assert_eq!(p("name Flap Jack IN Syrupville, VT, US"), placed("Syrupville", "VT", "US"));
        assert_eq!(p("name Flap Jack in , , US"), placed("", "", "US"));
        assert_eq!(p("interest Pancakes"), aim(DirectoryQuery::Interest("Pancakes".into())));
        assert_eq!(p("123456789"), Some(SearchRequest::Icq(SearchQuery::Uin(123456789))));
        assert_eq!(p("interest  "), Some(SearchRequest::Interests));
        assert_eq!(p("email "), None);
        assert_eq!(p(""), None);
        // ICQ sessions: as before, plus the keywords; interests are the AIM directory's.
        let i = |s| parse_search_request(s, true);
        assert_eq!(
            i("maple@example.com"),
            Some(SearchRequest::Icq(SearchQuery::Email("maple@example.com".into())))
        );
        let details = SearchQuery::Details {
            first: "Maple".into(),
            last: "Syrup".into(),
            nick: String::new(),
        };
        assert_eq!(i("name Maple Syrup"), Some(SearchRequest::Icq(details)));
        let nick = SearchQuery::Details {
            first: String::new(),
            last: String::new(),
            nick: "Stack".into(),
        };
        assert_eq!(i("Stack"), Some(SearchRequest::Icq(nick)));
        assert_eq!(i("interest tea"), aim(DirectoryQuery::Interest("tea".into())));
    }
}
