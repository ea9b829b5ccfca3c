//! The AIM directory (`/search` on AIM accounts, docs/protocol.md §16).

use super::*;
use crate::session::{DirectoryOutcome, DirectoryQuery, DirectoryUser};

/// An AIM directory search as the status bar and the results window title say it.
pub fn directory_query(query: &DirectoryQuery) -> String {
    line(match query {
        DirectoryQuery::Email(email) => format!("e-mail {email}"),
        DirectoryQuery::Interest(word) => format!("interest {word}"),
        DirectoryQuery::Name { first, last, city, state, country } => {
            let name = joined(&[first, last], " ");
            let place = joined(&[city, state, country], ", ");
            if place.is_empty() {
                format!("name {name}")
            } else {
                format!("name {name} in {place}")
            }
        }
    })
}

/// The non-empty parts of `parts`, joined with `sep`.
fn joined(parts: &[&String], sep: &str) -> String {
    parts.iter().map(|s| s.trim()).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(sep)
}

/// An AIM directory search was sent.
pub fn searching_directory(query: &DirectoryQuery) -> String {
    line(format!("searching the AIM directory for {}", directory_query(query)))
}

/// An AIM directory search that brought no one back: what it came to.
pub fn directory_empty(query: &DirectoryQuery, outcome: DirectoryOutcome) -> String {
    let what = directory_query(query);
    line(match outcome {
        DirectoryOutcome::Found => format!("no one in the AIM directory for {what}"),
        DirectoryOutcome::TooMany => format!("too many people match {what}; narrow the search"),
        DirectoryOutcome::NameMissing => {
            "an AIM directory name search needs a first or last name".to_string()
        }
        DirectoryOutcome::Unavailable => "the AIM directory is unavailable right now".to_string(),
        DirectoryOutcome::NoDirectory => "this server has no directory".to_string(),
        DirectoryOutcome::Failed => format!("the AIM directory search for {what} failed"),
    })
}

/// Whether an empty answer is an error (rather than "no one found").
pub fn directory_failed(outcome: DirectoryOutcome) -> bool {
    !matches!(outcome, DirectoryOutcome::Found)
}

/// The AIM directory results window's title.
pub fn directory_title(query: &DirectoryQuery) -> String {
    format!(" AIM directory: {} ", directory_query(query))
}

/// The footer of the AIM directory results window: its keys, and whether more matched.
pub fn directory_footer(outcome: DirectoryOutcome) -> String {
    let keys = "enter adds · ↑↓ choose · esc closes";
    if outcome == DirectoryOutcome::TooMany {
        format!("more matched, narrow it · {keys}")
    } else {
        keys.to_string()
    }
}

/// One person's name and place as the results window lists them (not yet neutralized).
pub fn directory_person(user: &DirectoryUser) -> (String, String) {
    (
        joined(&[&user.first_name, &user.last_name], " "),
        joined(&[&user.city, &user.state, &user.country], ", "),
    )
}

/// `/search interest` without a word was sent.
pub const ASKING_INTERESTS: &str = "asking the AIM directory for its interests";

/// The interests window's title.
pub const INTERESTS_TITLE: &str = " AIM directory interests ";
/// The interests window's footer.
pub const INTERESTS_FOOTER: &str = "enter searches · ↑↓ choose · esc closes";

/// The AIM directory listed no interests, or could not.
pub fn interests_empty(outcome: DirectoryOutcome) -> String {
    match outcome {
        DirectoryOutcome::Found => "the AIM directory lists no interests".to_string(),
        DirectoryOutcome::NoDirectory => "this server has no directory".to_string(),
        DirectoryOutcome::Unavailable => "the AIM directory is unavailable right now".to_string(),
        _ => "the AIM directory did not list its interests".to_string(),
    }
}

/// How `/search` is used, when it is given nothing to search for.
pub const SEARCH_USAGE: &str =
    "/search needs a UIN, an e-mail address or a name (or: email ADDR, name FIRST [LAST] [in CITY], interest [WORD])";

/// A directory result without a usable screen name cannot be added.
pub const DIRECTORY_NO_NAME: &str = "that result has no screen name to add";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directory_wording() {
        let q = DirectoryQuery::Name {
            first: "Flap".into(),
            last: String::new(),
            city: "Austin".into(),
            state: "TX".into(),
            country: String::new(),
        };
        assert_eq!(
            searching_directory(&q),
            "searching the AIM directory for name Flap in Austin, TX"
        );
        let e = DirectoryQuery::Email("a@b".into());
        assert_eq!(
            directory_empty(&e, DirectoryOutcome::Found),
            "no one in the AIM directory for e-mail a@b"
        );
        assert_eq!(
            directory_empty(&e, DirectoryOutcome::NoDirectory),
            "this server has no directory"
        );
        assert!(
            directory_failed(DirectoryOutcome::Failed)
                && !directory_failed(DirectoryOutcome::Found)
        );
        assert!(directory_footer(DirectoryOutcome::TooMany).starts_with("more matched"));
        let i = DirectoryQuery::Interest("tea\x1b[2J".into());
        assert!(!directory_query(&i).contains('\x1b'), "peer-typed text is neutralized");
    }
}
