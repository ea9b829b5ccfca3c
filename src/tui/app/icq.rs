//! ICQ in the TUI: authorization (`/auth`, `/deny`, the notices, §6.4) and the directory
//! (`/search` and its results window, directory information in the info window, §10.1).

use super::{Action, App, Overlay, DEFAULT_GROUP};
use crate::screenname::ScreenName;
use crate::session::{AuthNotice, Command, IcqUser, SearchQuery};
use crate::words;

/// What the ICQ directory said about one UIN, kept for the info window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryEntry {
    /// The entry; `None` when the directory knows no such UIN.
    pub user: Option<IcqUser>,
    /// The notes ("about").
    pub notes: Option<String>,
}

/// The search results window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchResults {
    /// What was searched for.
    pub query: SearchQuery,
    /// The users found (peer-supplied text: neutralized when drawn).
    pub users: Vec<IcqUser>,
    /// The chosen row.
    pub selected: usize,
    /// How many more matched than the server sent.
    pub more: u32,
}

/// Reads `/search` arguments: digits are a UIN, something with `@` an e-mail address, anything
/// else a nickname. `None` when empty.
pub fn parse_search(rest: &str) -> Option<SearchQuery> {
    let rest = rest.trim().trim_matches('"').trim();
    if rest.is_empty() {
        return None;
    }
    Some(match rest.parse::<u32>() {
        Ok(uin) if rest.bytes().all(|b| b.is_ascii_digit()) => SearchQuery::Uin(uin),
        _ if rest.contains('@') => SearchQuery::Email(rest.to_string()),
        _ => SearchQuery::Details { first: String::new(), last: String::new(), nick: rest.into() },
    })
}

impl App {
    /// An authorization event: shown in the status bar; a contact that needs asking is asked.
    pub(super) fn auth_event(&mut self, notice: AuthNotice) -> Vec<Action> {
        let mut actions = Vec::new();
        match &notice {
            AuthNotice::Needed { name } => {
                actions.push(Action::Send(Command::RequestAuthorization {
                    name: name.clone(),
                    message: words::AUTH_REQUEST_MESSAGE.to_string(),
                }));
            }
            AuthNotice::Requested { from, .. } => {
                self.auth_requests.retain(|n| n != from);
                self.auth_requests.push(from.clone());
            }
            _ => {}
        }
        let important = matches!(notice, AuthNotice::Requested { .. });
        self.set_notice(&words::auth_notice(&notice), important);
        actions
    }

    /// `/auth [NAME]` and `/deny [NAME [REASON]]`: answers NAME, or the newest request.
    pub(super) fn answer_auth(
        &mut self,
        name: Option<ScreenName>,
        granted: bool,
        reason: Option<String>,
    ) -> Vec<Action> {
        let Some(name) = name.or_else(|| self.auth_requests.last().cloned()) else {
            self.set_notice(words::NO_AUTH_REQUEST, true);
            return Vec::new();
        };
        self.auth_requests.retain(|n| n != &name);
        self.set_notice(&words::auth_answer_sent(&name, granted), false);
        let reason = reason.unwrap_or_default();
        vec![Action::Send(Command::Authorize { name, granted, reason })]
    }

    /// `/search …`: asks the directory.
    pub(super) fn search(&mut self, query: SearchQuery) -> Vec<Action> {
        self.set_notice(&words::searching(&query), false);
        vec![Action::Send(Command::Search(query))]
    }

    /// The directory answered a search: a results window, or a notice when nothing came back.
    pub(super) fn search_results(
        &mut self,
        query: SearchQuery,
        users: Vec<IcqUser>,
        more: u32,
        failed: bool,
    ) {
        if users.is_empty() {
            self.set_notice(&words::search_empty(&query, failed), failed);
            return;
        }
        self.notice = None;
        self.overlay = Some(Overlay::Search(SearchResults { query, users, selected: 0, more }));
    }

    /// The directory answered about a UIN: kept for the info window, and shown on its own when
    /// no profile window is open for that UIN (an offline user has none).
    pub(super) fn directory_info(
        &mut self,
        uin: u32,
        user: Option<IcqUser>,
        notes: Option<String>,
    ) {
        if user.is_none() {
            self.set_notice(&words::icq_info_unknown(uin), false);
        }
        self.directory.insert(uin, DirectoryEntry { user, notes });
        let showing_profile = matches!(&self.overlay, Some(Overlay::Info(info)) if info.name.as_str() == uin.to_string());
        if !showing_profile && self.directory.get(&uin).is_some_and(|d| d.user.is_some()) {
            self.overlay = Some(Overlay::Directory(uin));
        }
    }

    /// Keys in the results window: up and down choose, Enter adds the chosen user to the first
    /// group, Esc closes. Returns `None` for keys it does not use.
    pub(super) fn results_key(&mut self, code: crossterm::event::KeyCode) -> Option<Vec<Action>> {
        use crossterm::event::KeyCode;
        if matches!(self.overlay, Some(Overlay::AimSearch(_) | Overlay::Interests(_))) {
            return self.aim_results_key(code);
        }
        let Some(Overlay::Search(results)) = &mut self.overlay else { return None };
        if move_choice(&mut results.selected, results.users.len(), code) {
            return Some(Vec::new());
        }
        if !matches!(code, KeyCode::Enter | KeyCode::Char('a')) {
            return None;
        }
        let uin = results.users.get(results.selected)?.uin;
        self.overlay = None;
        let Ok(name) = ScreenName::parse(&uin.to_string()) else { return Some(Vec::new()) };
        Some(self.add_found(name))
    }

    /// Adds someone chosen in a results window to the first group (or the default one),
    /// saying so; the actions to run.
    pub(super) fn add_found(&mut self, name: ScreenName) -> Vec<Action> {
        let group = self.groups.first().map_or(DEFAULT_GROUP.to_string(), |g| g.name.clone());
        let action =
            crate::session::FeedbagAction::AddBuddy { name: name.clone(), group: group.clone() };
        self.set_notice(&words::feedbag_action(&action), false);
        vec![Action::Send(Command::AddBuddy { name, group })]
    }
}

/// Up and down (or j and k) in a pick list of `len` rows: moves `selected` and says whether
/// the key was one of those.
pub(super) fn move_choice(
    selected: &mut usize,
    len: usize,
    code: crossterm::event::KeyCode,
) -> bool {
    use crossterm::event::KeyCode;
    match code {
        KeyCode::Down | KeyCode::Char('j') => {
            *selected = (*selected + 1).min(len.saturating_sub(1))
        }
        KeyCode::Up | KeyCode::Char('k') => *selected = selected.saturating_sub(1),
        _ => return false,
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_arguments() {
        assert_eq!(parse_search(" 123456789 "), Some(SearchQuery::Uin(123456789)));
        assert_eq!(
            parse_search("maple@example.com"),
            Some(SearchQuery::Email("maple@example.com".into()))
        );
        assert_eq!(
            parse_search("\"Big Stack\""),
            Some(SearchQuery::Details {
                first: String::new(),
                last: String::new(),
                nick: "Big Stack".into()
            })
        );
        // Too large for a UIN: searched as a nickname rather than refused.
        assert!(matches!(parse_search("99999999999"), Some(SearchQuery::Details { .. })));
        assert_eq!(parse_search("  "), None);
    }
}
