//! ICQ on the client: authorization (13/14, 13/15, 13/18–13/1C, §6.4) and the meta directory
//! (15/02 → 15/03, §10.1).

use super::*;
use crate::oscar::feedbag::{AuthReply, AuthRequest, BuddyAdded};
use crate::oscar::icq::{self, IcqMeta, IcqUser, MetaReply, MetaRequest, SearchQuery};

/// The most search hits kept from one answer (the embedded server sends at most 20; a server
/// that never stops sending cannot grow the session without bound).
const MAX_SEARCH_HITS: usize = 500;

/// What a 15/02 asked, so its replies find their way back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum IcqAsk {
    /// Information about this UIN, full or short.
    Info { uin: u32, full: bool },
    /// A directory search.
    Search(SearchQuery),
}

/// Replies collected until the last part of an answer (SNAC flag 0x0001 clear).
#[derive(Debug, Clone, Default)]
pub(super) struct IcqPartial {
    user: Option<IcqUser>,
    notes: Option<String>,
    users: Vec<IcqUser>,
    more: u32,
    failed: bool,
}

impl SessionState {
    /// 13/19: someone asks for our authorization.
    pub(super) fn auth_request_to_client(&mut self, req: AuthRequest) {
        let from = ScreenName::from_wire(&req.screen_name);
        self.auth_askers.insert(from.clone());
        self.emit(Event::Authorization(AuthNotice::Requested { from, message: req.message }));
    }

    /// 13/1B: a contact answered our request (the list itself changes by 13/09 when granted).
    pub(super) fn auth_reply_to_client(&mut self, reply: AuthReply) {
        let from = ScreenName::from_wire(&reply.screen_name);
        let granted = reply.granted();
        let notice = AuthNotice::Answered { from, granted, reason: reply.reason };
        self.emit(Event::Authorization(notice));
    }

    /// 13/15: a contact authorized us before we asked.
    pub(super) fn pre_authorized(&mut self, req: AuthRequest) {
        let from = ScreenName::from_wire(&req.screen_name);
        self.emit(Event::Authorization(AuthNotice::PreAuthorized { from, message: req.message }));
    }

    /// 13/1C: someone added us to their list.
    pub(super) fn buddy_added(&mut self, added: BuddyAdded) {
        let from = ScreenName::from_wire(&added.screen_name);
        self.emit(Event::Authorization(AuthNotice::AddedYou { from }));
    }

    /// The server refused to add `name` until they authorize us (13/0E 0x000E): the items are
    /// inserted again marked pending (0x0066), which it accepts, and the front end is told.
    pub(super) fn auth_needed(&mut self, action: FeedbagAction, name: ScreenName) {
        let items = self.feedbag.mark_pending(&name);
        if !items.is_empty() {
            self.enqueue(SnacBody::FeedbagInsert(FeedbagItems { items }), Tag::Feedbag(action));
            self.emit(Event::BuddyList(self.feedbag.buddy_list()));
        }
        self.emit(Event::Authorization(AuthNotice::Needed { name }));
    }

    /// [`Command::RequestAuthorization`] → 13/18; [`Command::Authorize`] → 13/1A to someone
    /// who asked, 13/14 (grant only) to anyone else.
    pub(super) fn authorization_command(&mut self, cmd: Command) {
        match cmd {
            Command::RequestAuthorization { name, message } => {
                let body = SnacBody::AuthRequestToHost(AuthRequest::new(name.as_str(), message));
                self.enqueue(body, Tag::Plain);
            }
            Command::Authorize { name, granted, reason } => {
                let asked = self.auth_askers.remove(&name);
                let body = if asked || !granted {
                    SnacBody::AuthReplyToHost(AuthReply::new(name.as_str(), granted, reason))
                } else {
                    SnacBody::PreAuthorize(AuthRequest::new(name.as_str(), reason))
                };
                self.enqueue(body, Tag::Plain);
            }
            _ => {}
        }
    }

    /// [`Command::IcqInfo`] and [`Command::Search`] → 15/02.
    pub(super) fn icq_command(&mut self, ask: IcqAsk) {
        let request = match &ask {
            IcqAsk::Info { uin, full: true } => MetaRequest::FullInfo(*uin),
            IcqAsk::Info { uin, full: false } => MetaRequest::ShortInfo(*uin),
            IcqAsk::Search(query) => MetaRequest::Search(query.clone()),
        };
        let data = match request.write() {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!("ICQ request not sent: {e}");
                self.icq_finished(ask, IcqPartial { failed: true, ..IcqPartial::default() });
                return;
            }
        };
        self.icq_seq = self.icq_seq.wrapping_add(1);
        let uin = self.own.as_str().parse().unwrap_or(0);
        let meta = IcqMeta { uin, kind: icq::META_REQUEST, seq: self.icq_seq, data };
        self.enqueue(SnacBody::IcqQuery(meta), Tag::Icq(ask));
    }

    /// 15/03: one reply; the answer is reported once its last part is in.
    pub(super) fn icq_reply(&mut self, header: &SnacHeader, meta: IcqMeta) {
        let Some(Tag::Icq(ask)) = self.in_flight.get(&header.request_id).cloned() else {
            tracing::info!("ignoring an ICQ reply nobody asked for");
            return;
        };
        let partial = self.icq_partials.entry(header.request_id).or_default();
        match (meta.kind, MetaReply::parse(&meta.data)) {
            (icq::META_REPLY, Ok(reply)) => match reply {
                MetaReply::ShortInfo(_, user) | MetaReply::BasicInfo(_, user) => {
                    partial.user = user
                }
                MetaReply::Notes(_, notes) => partial.notes = notes,
                MetaReply::Found { status, user, left, .. } => {
                    if partial.users.len() < MAX_SEARCH_HITS {
                        partial.users.extend(user);
                    }
                    partial.more = left;
                    partial.failed = status == icq::status::FAILED;
                }
                MetaReply::Other(subtype, _) => {
                    tracing::trace!("ICQ reply subtype {subtype:04X} skipped")
                }
            },
            (kind, parsed) => {
                tracing::warn!("unreadable ICQ reply (type {kind:04X}): {:?}", parsed.err());
                partial.failed = true;
            }
        }
        if !header.more_follow() {
            self.in_flight.remove(&header.request_id);
            let partial = self.icq_partials.remove(&header.request_id).unwrap_or_default();
            self.icq_finished(ask, partial);
        }
    }

    /// A 15/02 was answered with an error SNAC, or could not be sent.
    pub(super) fn icq_failed(&mut self, request_id: u32, ask: IcqAsk) {
        self.icq_partials.remove(&request_id);
        self.icq_finished(ask, IcqPartial { failed: true, ..IcqPartial::default() });
    }

    fn icq_finished(&mut self, ask: IcqAsk, partial: IcqPartial) {
        match ask {
            IcqAsk::Info { uin, .. } => {
                let user = partial.user.map(|u| IcqUser { uin, ..u });
                self.emit(Event::IcqInfo { uin, user, notes: partial.notes });
            }
            IcqAsk::Search(query) => self.emit(Event::SearchResults {
                query,
                users: partial.users,
                more: partial.more,
                failed: partial.failed,
            }),
        }
    }
}
