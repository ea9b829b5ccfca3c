//! ICQ on the embedded server: authorization (13/14, 13/18, 13/1A and what they cause, §6.4)
//! and the meta directory (15/02 → 15/03, §10.1) over the accounts file.

use super::presence::arrived;
use super::{now_u32, Hub, World};
use crate::accounts::Account;
use crate::oscar::feedbag::{AuthReply, AuthRequest, BuddyAdded, FeedbagItems};
use crate::oscar::icq::{self, IcqMeta, IcqUser, MetaReply, MetaRequest, SearchQuery};
use crate::oscar::snac::FLAG_MORE_REPLIES;
use crate::oscar::SnacBody;
use crate::screenname::ScreenName;
use std::sync::Arc;

/// The most hits one search answers; the last reply says how many more matched.
pub const MAX_SEARCH_RESULTS: usize = 20;
/// The most authorization notices kept for an offline account.
const MAX_AUTH_NOTICES: usize = 100;

impl Hub {
    /// Whether `adder` must ask `owner` before listing them: `owner` is an account that
    /// requires authorization and has not authorized `adder`.
    pub(super) fn needs_auth(&self, w: &World, owner: &ScreenName, adder: &ScreenName) -> bool {
        owner != adder
            && self.state.config.accounts.get(owner.normalized()).is_some_and(|a| a.requires_auth)
            && !w.accounts.get(owner).is_some_and(|a| a.data.authorized.contains(adder))
    }

    /// Sends `body` to the account's signed-on sessions, or keeps it for its next sign-on.
    fn notify_or_keep(&self, w: &mut World, to: &ScreenName, body: SnacBody) {
        if self.push_account(w, to, &body) > 0 {
            return;
        }
        if self.state.config.accounts.get(to.normalized()).is_none() {
            return;
        }
        let notices = &mut self.account_state(w, to).auth_notices;
        if notices.len() < MAX_AUTH_NOTICES {
            notices.push(body);
        }
    }

    /// Authorization notices kept while the account was offline (13/19, 13/1B), for 01/02.
    pub(super) fn take_auth_notices(&self, w: &mut World, name: &ScreenName) -> Vec<SnacBody> {
        w.accounts.get_mut(name).map(|a| std::mem::take(&mut a.auth_notices)).unwrap_or_default()
    }

    /// 13/1C to `owner` when `adder` put them on a list without needing to ask (ICQ only).
    pub(super) fn announce_added(&self, w: &World, owner: &ScreenName, adder: &ScreenName) {
        if owner.is_uin() && owner != adder {
            let body = SnacBody::BuddyAdded(BuddyAdded { screen_name: self.display(adder) });
            self.push_account(w, owner, &body);
        }
    }

    /// 13/18: the session's account asks `req.screen_name` for authorization; they get 13/19
    /// now or at their next sign-on. Unknown names are ignored.
    pub fn auth_request(&self, id: u64, req: &AuthRequest) {
        let mut w = self.lock();
        let Some(me) = self.session_account(&w, id) else { return };
        let to = ScreenName::from_wire(&req.screen_name);
        if to == me {
            return;
        }
        let body = SnacBody::AuthRequestToClient(AuthRequest::new(self.display(&me), &req.message));
        self.notify_or_keep(&mut w, &to, body);
    }

    /// 13/1A (and 13/14 with `granted`): the session's account answers `requester`. Granted,
    /// the requester is recorded as authorized and their pending item for us cleared (13/09,
    /// then our presence); either way they hear the answer (13/1B) unless it was a
    /// pre-authorization with nothing pending, which they hear as 13/15.
    pub fn auth_answer(&self, id: u64, requester: &str, granted: bool, reason: &str, pre: bool) {
        let now = now_u32(self.state.now());
        let mut w = self.lock();
        let Some(me) = self.session_account(&w, id) else { return };
        let them = ScreenName::from_wire(requester);
        let Some(account) = self.state.config.accounts.get(them.normalized()) else { return };
        let them = account.screen_name.clone();
        if them == me {
            return;
        }
        let my_name = self.display(&me);
        if !granted {
            let body = SnacBody::AuthReplyToClient(AuthReply::new(my_name, false, reason));
            self.notify_or_keep(&mut w, &them, body);
            return;
        }
        let mine = &mut Arc::make_mut(&mut self.account_state(&mut w, &me).data).authorized;
        if !mine.contains(&them) {
            mine.push(them.clone());
        }
        self.save(&w, &me);
        let cleared = Arc::make_mut(&mut self.account_state(&mut w, &them).data)
            .feedbag
            .clear_pending(&me, now);
        if cleared.is_empty() && pre {
            let body = SnacBody::PreAuthorized(AuthRequest::new(my_name, reason));
            self.push_account(&w, &them, &body);
            return;
        }
        if !cleared.is_empty() {
            self.save(&w, &them);
            self.push_account(&w, &them, &SnacBody::FeedbagUpdate(FeedbagItems { items: cleared }));
            self.announce_added(&w, &me, &them);
        }
        let body = SnacBody::AuthReplyToClient(AuthReply::new(my_name, true, reason));
        self.notify_or_keep(&mut w, &them, body);
        if self.is_visible(&w, &me) {
            self.push_account(&w, &them, &arrived(self.user_info(&w, &me)));
        }
    }

    /// 15/02: answers a meta request with its 15/03 replies (body and header flags, in order);
    /// `None` for packets that are not meta requests.
    pub fn icq_query(&self, id: u64, meta: &IcqMeta) -> Option<Vec<(SnacBody, u16)>> {
        if meta.kind != icq::META_REQUEST {
            return None;
        }
        let w = self.lock();
        let me = self.session_account(&w, id)?;
        let own_uin = me.as_str().parse::<u32>().unwrap_or(0);
        let reply = |r: MetaReply, flags: u16| -> Option<(SnacBody, u16)> {
            let data = r.write().ok()?;
            let meta = IcqMeta { uin: own_uin, kind: icq::META_REPLY, seq: meta.seq, data };
            Some((SnacBody::IcqReply(meta), flags))
        };
        let request = match MetaRequest::parse(&meta.data) {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!("unreadable ICQ meta request: {e}");
                let subtype = meta.subtype().unwrap_or(0);
                return reply(MetaReply::Other(subtype, icq::status::FAILED), 0).map(|r| vec![r]);
            }
        };
        let out = match request {
            MetaRequest::ShortInfo(uin) => {
                let r = match self.directory_user(&w, uin) {
                    Some(u) => MetaReply::ShortInfo(icq::status::OK, Some(u)),
                    None => MetaReply::ShortInfo(icq::status::FAILED, None),
                };
                vec![reply(r, 0)?]
            }
            MetaRequest::FullInfo(uin) => match self.directory_user(&w, uin) {
                Some(u) => {
                    let notes =
                        self.uin_account(uin).and_then(|a| a.profile.clone()).unwrap_or_default();
                    vec![
                        reply(MetaReply::BasicInfo(icq::status::OK, Some(u)), FLAG_MORE_REPLIES)?,
                        reply(MetaReply::Notes(icq::status::OK, Some(notes)), 0)?,
                    ]
                }
                None => vec![reply(MetaReply::BasicInfo(icq::status::FAILED, None), 0)?],
            },
            MetaRequest::Search(query) => {
                let mut hits: Vec<IcqUser> = self
                    .state
                    .config
                    .accounts
                    .iter()
                    .filter(|a| a.is_icq() && matches(a, &query))
                    .filter_map(|a| self.directory_user(&w, a.screen_name.as_str().parse().ok()?))
                    .collect();
                hits.sort_by_key(|u| u.uin);
                let left = hits.len().saturating_sub(MAX_SEARCH_RESULTS);
                hits.truncate(MAX_SEARCH_RESULTS);
                if hits.is_empty() {
                    let none = MetaReply::Found {
                        status: icq::status::NOT_FOUND,
                        last: true,
                        user: None,
                        left: 0,
                    };
                    vec![reply(none, 0)?]
                } else {
                    let n = hits.len();
                    hits.into_iter()
                        .enumerate()
                        .map(|(i, u)| {
                            let last = i + 1 == n;
                            let found = MetaReply::Found {
                                status: icq::status::OK,
                                last,
                                user: Some(u),
                                left: if last {
                                    u32::try_from(left).unwrap_or(u32::MAX)
                                } else {
                                    0
                                },
                            };
                            reply(found, if last { 0 } else { FLAG_MORE_REPLIES })
                        })
                        .collect::<Option<Vec<_>>>()?
                }
            }
            MetaRequest::Other(subtype) => {
                vec![reply(MetaReply::Other(subtype, icq::status::FAILED), 0)?]
            }
        };
        Some(out)
    }

    fn uin_account(&self, uin: u32) -> Option<&Account> {
        self.state.config.accounts.get(&uin.to_string()).filter(|a| a.is_icq())
    }

    /// The directory entry of an ICQ account, as others see it.
    fn directory_user(&self, w: &World, uin: u32) -> Option<IcqUser> {
        let a = self.uin_account(uin)?;
        let d = &a.directory;
        Some(IcqUser {
            uin,
            nickname: d.nickname.clone(),
            first_name: d.first_name.clone(),
            last_name: d.last_name.clone(),
            email: d.email.clone(),
            auth_required: a.requires_auth,
            online: u16::from(self.is_visible(w, &a.screen_name)),
            ..IcqUser::default()
        })
    }
}

/// Whether an account matches a search: the UIN exactly, the e-mail ignoring case, or every
/// non-empty name ignoring case (at least one must be given).
fn matches(a: &Account, query: &SearchQuery) -> bool {
    let d = &a.directory;
    let same = |want: &str, have: &str| want.is_empty() || want.eq_ignore_ascii_case(have);
    match query {
        SearchQuery::Uin(uin) => a.screen_name.as_str() == uin.to_string(),
        SearchQuery::Email(email) => !email.is_empty() && email.eq_ignore_ascii_case(&d.email),
        SearchQuery::Details { first, last, nick } => {
            !(first.is_empty() && last.is_empty() && nick.is_empty())
                && same(first, &d.first_name)
                && same(last, &d.last_name)
                && same(nick, &d.nickname)
        }
    }
}
