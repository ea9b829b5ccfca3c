//! The AIM directory (docs/protocol.md §16): searches over the AIM accounts' directory entries
//! and the interest keywords they list.
//!
//! As Open OSCAR Server: an e-mail search matches the address ignoring case; an interest search
//! matches one of an account's keywords; a name search needs a first or last name, and every
//! field given must equal the account's (ignoring case). Only AIM accounts with a directory
//! entry are listed (ICQ accounts have the ICQ directory, §10.1), and an answer holds at most
//! [`MAX_DIRECTORY_RESULTS`] people: more matches are answered "too many, narrow the search"
//! with the first of them, in screen-name order.

use super::Hub;
use crate::accounts::Account;
use crate::oscar::odir::{
    keyword_kind, status, DirectoryQuery, DirectoryUser, InfoReply, Keyword, KeywordListReply,
};

/// The most people one 0F/03 lists.
pub const MAX_DIRECTORY_RESULTS: usize = 25;
/// The most keywords one 0F/05 lists.
const MAX_KEYWORDS: usize = 500;

impl Hub {
    /// 0F/02: the answer to a search; `None` (no e-mail, interest or name) is "name missing".
    pub fn directory_search(&self, query: Option<&DirectoryQuery>) -> InfoReply {
        let Some(query) = query else { return InfoReply::new(status::NAME_MISSING, &[]) };
        let hits = self.directory_hits(query);
        let code = if hits.len() > MAX_DIRECTORY_RESULTS { status::TOO_MANY } else { status::OK };
        let users: Vec<DirectoryUser> =
            hits.into_iter().take(MAX_DIRECTORY_RESULTS).map(entry).collect();
        InfoReply::new(code, &users)
    }

    /// 0A/02 (§5.8): the screen names listed in the directory with this e-mail address, the
    /// same people a directory search by e-mail finds, at most [`MAX_DIRECTORY_RESULTS`].
    pub fn lookup_by_email(&self, email: &str) -> Vec<String> {
        let query = DirectoryQuery::Email(email.trim().to_string());
        let hits = self.directory_hits(&query);
        hits.into_iter()
            .take(MAX_DIRECTORY_RESULTS)
            .map(|a| a.screen_name.as_str().to_string())
            .collect()
    }

    /// Every listed AIM account `query` matches, in screen-name order.
    fn directory_hits(&self, query: &DirectoryQuery) -> Vec<&Account> {
        let mut hits: Vec<&Account> = self
            .state
            .config
            .accounts
            .iter()
            .filter(|a| !a.is_icq() && a.directory.is_listed() && matches(a, query))
            .collect();
        hits.sort_by(|a, b| a.screen_name.normalized().cmp(b.screen_name.normalized()));
        hits
    }

    /// 0F/04: every interest the listed AIM accounts name, once each, sorted, as top-level
    /// keywords.
    pub fn directory_keywords(&self) -> KeywordListReply {
        let mut words: Vec<&str> = self
            .state
            .config
            .accounts
            .iter()
            .filter(|a| !a.is_icq())
            .flat_map(|a| a.directory.interests.iter().map(String::as_str))
            .filter(|w| !w.trim().is_empty())
            .collect();
        words.sort_by_key(|w| (w.to_lowercase(), *w));
        words.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        words.truncate(MAX_KEYWORDS);
        let keywords = words
            .into_iter()
            .map(|w| Keyword { kind: keyword_kind::KEYWORD, parent: 0, name: w.to_string() })
            .collect();
        KeywordListReply { status: 1, keywords }
    }
}

/// What the directory shows of an account: names and address, not the e-mail address (Open
/// OSCAR Server leaves it out too).
fn entry(a: &Account) -> DirectoryUser {
    let d = &a.directory;
    DirectoryUser {
        screen_name: a.screen_name.as_str().to_string(),
        first_name: d.first_name.clone(),
        last_name: d.last_name.clone(),
        email: String::new(),
        city: d.city.clone(),
        state: d.state.clone(),
        country: d.country.clone(),
    }
}

fn matches(a: &Account, query: &DirectoryQuery) -> bool {
    let d = &a.directory;
    let same = |want: &str, have: &str| want.is_empty() || want.eq_ignore_ascii_case(have);
    match query {
        DirectoryQuery::Email(email) => !email.is_empty() && email.eq_ignore_ascii_case(&d.email),
        DirectoryQuery::Interest(word) => {
            !word.is_empty() && d.interests.iter().any(|i| i.eq_ignore_ascii_case(word))
        }
        DirectoryQuery::Name { first, last, city, state, country } => {
            !(first.is_empty() && last.is_empty())
                && same(first, &d.first_name)
                && same(last, &d.last_name)
                && same(city, &d.city)
                && same(state, &d.state)
                && same(country, &d.country)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::bos::hub::chat::tests::{bos, redirect};
    use crate::oscar::odir::{self, InfoQuery};
    use crate::oscar::oservice::{FamilyList, ServiceRequest};
    use crate::oscar::{SnacBody, SnacErrorCode, TlvBlock};
    use crate::{Accounts, ServerConfig, ServerState};

    fn hub(accounts: &str) -> Arc<Hub> {
        let config = ServerConfig::for_tests(Accounts::from_toml(accounts).unwrap());
        let addr = config.bos_listen;
        Hub::new(Arc::new(ServerState::new(config, addr)), Default::default(), None)
    }

    const ACCOUNTS: &str = "\
        [[account]]\nscreen_name='Alice'\npassword='a'\nfirst_name='Alice'\nlast_name='Liddell'\n\
        city='Oxford'\ncountry='UK'\nemail='alice@example.com'\ninterests=['Rabbits','Tea']\n\
        [[account]]\nscreen_name='Bob'\npassword='b'\nfirst_name='Bob'\nlast_name='Liddell'\n\
        city='London'\ninterests=['tea']\n\
        [[account]]\nscreen_name='Carol'\npassword='c'\n\
        [[account]]\nscreen_name='123456789'\npassword='c'\nfirst_name='Alice'\n\
        email='icq@example.com'\n";

    fn found(reply: &InfoReply) -> (u16, Vec<String>) {
        (reply.status, reply.users().map(|u| u.screen_name).collect())
    }

    #[test]
    fn searches_by_email_interest_and_name_over_listed_aim_accounts_only() {
        let hub = hub(ACCOUNTS);
        let search = |q: DirectoryQuery| found(&hub.directory_search(Some(&q)));
        let ok = |names: &[&str]| (status::OK, names.iter().map(|n| n.to_string()).collect());
        assert_eq!(search(DirectoryQuery::Email("ALICE@example.com".into())), ok(&["Alice"]));
        // The ICQ account's address is the ICQ directory's business.
        assert_eq!(search(DirectoryQuery::Email("icq@example.com".into())), ok(&[]));
        assert_eq!(search(DirectoryQuery::Interest("TEA".into())), ok(&["Alice", "Bob"]));
        assert_eq!(search(DirectoryQuery::name("", "liddell")), ok(&["Alice", "Bob"]));
        assert_eq!(search(DirectoryQuery::name("alice", "")), ok(&["Alice"]));
        let narrowed = DirectoryQuery::Name {
            first: String::new(),
            last: "Liddell".into(),
            city: "london".into(),
            state: String::new(),
            country: String::new(),
        };
        assert_eq!(search(narrowed), ok(&["Bob"]));
        // Carol has no entry: no search finds her, not even an empty one.
        assert_eq!(search(DirectoryQuery::Email(String::new())), ok(&[]));
        assert_eq!(found(&hub.directory_search(None)), (status::NAME_MISSING, vec![]));
        // The e-mail address is not shown; the rest is.
        let r = hub.directory_search(Some(&DirectoryQuery::Interest("Rabbits".into())));
        let alice = r.users().next().unwrap();
        assert_eq!((alice.email.as_str(), alice.city.as_str()), ("", "Oxford"));
        let words: Vec<String> =
            hub.directory_keywords().keywords.into_iter().map(|k| k.name).collect();
        assert_eq!(words, ["Rabbits", "Tea"]);
    }

    #[test]
    fn the_old_lookup_by_email_finds_the_same_people_on_bos() {
        use crate::oscar::userlookup::{FindByEmail, FindReply};
        let hub = hub(ACCOUNTS);
        assert_eq!(hub.lookup_by_email(" Alice@Example.com "), ["Alice"]);
        assert!(hub.lookup_by_email("icq@example.com").is_empty());
        let mut alice = bos(&hub, "Alice");
        let ask = |email: &'static [u8]| {
            SnacBody::UserLookupFindByEmail(FindByEmail { email: bytes::Bytes::from_static(email) })
        };
        let got = alice.send(ask(b"alice@example.com"), 2);
        assert_eq!(
            got,
            [(
                crate::oscar::SnacHeader::new(0x0A, 0x03, 2),
                SnacBody::UserLookupFindReply(FindReply::naming(["Alice"]))
            )]
        );
        let got = alice.send(ask(b"nobody@example.com"), 3);
        assert!(
            matches!(&got[..], [(h, SnacBody::Error { family: 0x0A, error })]
                if h.request_id == 3 && error.code == SnacErrorCode::NoMatch),
            "{got:?}"
        );
    }

    #[test]
    fn more_matches_than_the_cap_are_too_many_with_the_first_of_them() {
        let text: String = (0..MAX_DIRECTORY_RESULTS + 5)
            .map(|i| {
                format!("[[account]]\nscreen_name='u{i:03}'\npassword='p'\nlast_name='Same'\n")
            })
            .collect();
        let hub = hub(&text);
        let r = hub.directory_search(Some(&DirectoryQuery::name("", "same")));
        let (code, names) = found(&r);
        assert_eq!((code, names.len()), (status::TOO_MANY, MAX_DIRECTORY_RESULTS));
        assert_eq!(names[0], "u000");
    }

    #[test]
    fn the_directory_runs_on_its_own_service_connection_not_on_bos() {
        let hub = hub(ACCOUNTS);
        let mut alice = bos(&hub, "Alice");
        // On BOS, 0F/02 is not served.
        let q = SnacBody::DirInfoQuery(InfoQuery::new(&DirectoryQuery::name("Bob", "")));
        let got = alice.send(q.clone(), 2);
        assert!(
            matches!(&got[..], [(_, SnacBody::Error { family: 0x0F, error })]
                if error.code == SnacErrorCode::InvalidSnac),
            "{got:?}"
        );
        let mut dir = redirect(&hub, &mut alice, ServiceRequest::new(odir::FAMILY));
        assert_eq!(
            *dir.session.host_online().body,
            SnacBody::HostOnline(FamilyList { families: vec![0x01, 0x0F] })
        );
        let got = dir.send(q, 3);
        let [(h, SnacBody::DirInfoReply(r))] = got.as_slice() else { panic!("{got:?}") };
        assert_eq!((h.request_id, found(r)), (3, (status::OK, vec!["Bob".to_string()])));
        // A query naming nothing usable: "name missing".
        let only_city = InfoQuery::from(TlvBlock::new().with(odir::tlv::CITY, "Oxford"));
        let got = dir.send(SnacBody::DirInfoQuery(only_city), 4);
        let [(_, SnacBody::DirInfoReply(r))] = got.as_slice() else { panic!("{got:?}") };
        assert_eq!(r.status, status::NAME_MISSING);
        let got = dir.send(SnacBody::DirKeywordListQuery, 5);
        let [(_, SnacBody::DirKeywordListReply(k))] = got.as_slice() else { panic!("{got:?}") };
        assert_eq!(k.keywords.len(), 2);
        // The directory connection answers nothing else.
        let got = dir.send(SnacBody::FeedbagQuery, 6);
        assert!(matches!(&got[..], [(_, SnacBody::Error { family: 0x13, .. })]), "{got:?}");
    }
}
