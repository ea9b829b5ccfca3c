//! The AIM directory on its service connection (docs/protocol.md §16): 0F/02 searches written
//! in order, each answer (0F/03, or an error SNAC) matched to its search by request id.

use std::collections::VecDeque;

use crate::oscar::odir::{
    status, DirectoryQuery, DirectoryUser, InfoQuery, InfoReply, Keyword, KeywordListReply,
};
use crate::oscar::{Snac, SnacBody};
use crate::session::api::DirectoryOutcome;

use super::ServiceConnection;

/// The most people kept from one answer: far more than any server lists (the embedded server
/// sends at most 25), so a server sending tens of thousands of blocks cannot grow the session.
pub const MAX_DIRECTORY_HITS: usize = 500;

/// The most keywords kept from one 0F/05 (the embedded server lists at most 500).
pub const MAX_KEYWORDS: usize = 1_000;

/// One keyword-list answer, for the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeywordAnswer {
    /// `Found` when the list arrived, `Failed` when the request was refused or broken.
    pub outcome: DirectoryOutcome,
    /// Categories and keywords, in the server's order (at most [`MAX_KEYWORDS`]).
    pub keywords: Vec<Keyword>,
}

/// One search's answer, for the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryAnswer {
    /// What was searched for.
    pub query: DirectoryQuery,
    /// What it came to.
    pub outcome: DirectoryOutcome,
    /// The people found (at most [`MAX_DIRECTORY_HITS`]).
    pub users: Vec<DirectoryUser>,
}

impl DirectoryAnswer {
    /// An answer with no one in it.
    pub fn empty(query: DirectoryQuery, outcome: DirectoryOutcome) -> Self {
        DirectoryAnswer { query, outcome, users: Vec::new() }
    }
}

/// The directory part of a service connection.
#[derive(Debug, Default)]
pub(super) struct Searches {
    /// Queued searches, in the order their 0F/02s are queued.
    waiting: VecDeque<DirectoryQuery>,
    /// Searches written: request id → query.
    asked: Vec<(u32, DirectoryQuery)>,
    /// Keyword-list requests written, by request id.
    keywords_asked: Vec<u32>,
}

impl ServiceConnection {
    /// Directory: searches (0F/02); the answer comes back in [`super::ServiceOutput::directory`].
    pub fn search_directory(&mut self, now: u64, query: DirectoryQuery) {
        self.queue.push_back(SnacBody::DirInfoQuery(InfoQuery::new(&query)));
        self.searches.waiting.push_back(query);
        self.flush(now);
    }

    /// A 0F/02 left the queue: written under `request_id`, or not encodable (`None`).
    pub(super) fn search_written(&mut self, request_id: Option<u32>) {
        let Some(query) = self.searches.waiting.pop_front() else { return };
        match request_id {
            Some(id) => self.searches.asked.push((id, query)),
            None => {
                self.out.directory.push(DirectoryAnswer::empty(query, DirectoryOutcome::Failed))
            }
        }
    }

    /// Directory: asks for the interest keywords (0F/04); the answer comes back in
    /// [`super::ServiceOutput::keywords`].
    pub fn list_keywords(&mut self, now: u64) {
        self.queue.push_back(SnacBody::DirKeywordListQuery);
        self.flush(now);
    }

    /// A 0F/04 left the queue: written under `request_id`, or not (`None`).
    pub(super) fn keywords_written(&mut self, request_id: Option<u32>) {
        match request_id {
            Some(id) => self.searches.keywords_asked.push(id),
            None => self
                .out
                .keywords
                .push(KeywordAnswer { outcome: DirectoryOutcome::Failed, keywords: Vec::new() }),
        }
    }

    fn take_keywords(&mut self, request_id: u32) -> bool {
        let asked = &mut self.searches.keywords_asked;
        let Some(pos) = asked.iter().position(|id| *id == request_id) else { return false };
        asked.remove(pos);
        true
    }

    /// 0F/05: the answer to one of our keyword-list requests (others are dropped).
    pub(super) fn dir_keyword_list_reply(&mut self, request_id: u32, reply: KeywordListReply) {
        if !self.take_keywords(request_id) {
            tracing::info!("directory: ignoring a keyword list nobody asked for");
            return;
        }
        let mut keywords = reply.keywords;
        if keywords.len() > MAX_KEYWORDS {
            tracing::warn!("directory: {} keywords; keeping {MAX_KEYWORDS}", keywords.len());
            keywords.truncate(MAX_KEYWORDS);
        }
        self.out.keywords.push(KeywordAnswer { outcome: DirectoryOutcome::Found, keywords });
    }

    fn take_search(&mut self, request_id: u32) -> Option<DirectoryQuery> {
        let pos = self.searches.asked.iter().position(|(id, _)| *id == request_id)?;
        Some(self.searches.asked.remove(pos).1)
    }

    /// 0F/03: the answer to one of our searches (others are dropped).
    pub(super) fn dir_info_reply(&mut self, request_id: u32, reply: &InfoReply) {
        let Some(query) = self.take_search(request_id) else {
            tracing::info!("directory: ignoring an answer nobody asked for");
            return;
        };
        let outcome = match reply.status {
            status::OK => DirectoryOutcome::Found,
            status::TOO_MANY => DirectoryOutcome::TooMany,
            status::NAME_MISSING => DirectoryOutcome::NameMissing,
            status::UNAVAILABLE | status::UNAVAILABLE_2 => DirectoryOutcome::Unavailable,
            other => {
                tracing::info!("directory: unknown search status {other:#06x}");
                DirectoryOutcome::Failed
            }
        };
        if reply.results.len() > MAX_DIRECTORY_HITS {
            tracing::warn!(
                "directory: {} people in one answer; keeping {MAX_DIRECTORY_HITS}",
                reply.results.len()
            );
        }
        let users = reply.users().take(MAX_DIRECTORY_HITS).collect();
        self.out.directory.push(DirectoryAnswer { query, outcome, users });
    }

    /// An error SNAC: when it answers one of our searches or keyword-list requests, that
    /// request failed. Returns whether it did.
    pub(super) fn search_refused(&mut self, request_id: u32) -> bool {
        if self.take_keywords(request_id) {
            let failed = KeywordAnswer { outcome: DirectoryOutcome::Failed, keywords: Vec::new() };
            self.out.keywords.push(failed);
            return true;
        }
        let Some(query) = self.take_search(request_id) else { return false };
        self.out.directory.push(DirectoryAnswer::empty(query, DirectoryOutcome::Failed));
        true
    }

    /// A SNAC that does not decode: when its header names one of our searches, that search
    /// failed rather than waiting for ever.
    pub(super) fn undecodable(&mut self, payload: &bytes::Bytes) {
        if let Ok((header, _)) = Snac::split(payload) {
            if header.family == crate::oscar::odir::FAMILY {
                self.search_refused(header.request_id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use bytes::BytesMut;

    use super::*;
    use crate::oscar::odir::{self, tlv};
    use crate::oscar::rate::aol_rate_params;
    use crate::oscar::{decode_snac_payload, Channel, Flap, SnacHeader, TlvBlock};
    use crate::session::room::tests::data;
    use crate::session::room::ServiceKind;

    fn raw(subtype: u16, request_id: u32, body: &[u8]) -> Flap {
        let mut out = BytesMut::new();
        SnacHeader::new(odir::FAMILY, subtype, request_id).write(&mut out);
        out.extend_from_slice(body);
        Flap { channel: Channel::Data, sequence: 0, payload: out.freeze() }
    }

    /// A signed-on directory connection and the request ids of `queries`' 0F/02s.
    fn searching(queries: &[DirectoryQuery]) -> (ServiceConnection, Vec<u32>) {
        let mut c = ServiceConnection::new(ServiceKind::Directory, "directory", 1);
        c.connection_started(0, b"cookie");
        let mut ids = Vec::new();
        for q in queries {
            c.search_directory(0, q.clone());
        }
        let out = c.take_output();
        let mut names = Vec::new();
        for f in out.frames.iter().filter(|f| f.channel == Channel::Data) {
            let (h, body) = decode_snac_payload(&f.payload).unwrap();
            if let SnacBody::ClientVersions(v) = &body {
                assert_eq!(v.version_of(odir::FAMILY), Some(1));
            }
            if let SnacBody::DirInfoQuery(q) = &body {
                assert_eq!(q.query().as_ref(), queries.get(ids.len()));
                ids.push(h.request_id);
            }
            names.push(body.name());
        }
        assert_eq!(names[..3], ["ClientVersions", "RateParamsQuery", "ClientReady"]);
        c.handle_frame(1, data(SnacBody::RateParamsReply(aol_rate_params()), 2));
        c.take_output();
        (c, ids)
    }

    fn user(name: &str) -> DirectoryUser {
        DirectoryUser { screen_name: name.into(), ..DirectoryUser::default() }
    }

    #[test]
    fn searches_go_out_with_the_sign_on_and_answers_find_their_search() {
        let email = DirectoryQuery::Email("a@b".into());
        let name = DirectoryQuery::name("Flap", "");
        let word = DirectoryQuery::Interest("tea".into());
        let (mut c, ids) = searching(&[email.clone(), name.clone(), word.clone()]);
        assert_eq!(ids.len(), 3);
        // Out of order, one unasked, one refused with an error SNAC.
        let found = odir::InfoReply::new(odir::status::OK, &[user("Flapjack Fan")]);
        c.handle_frame(2, data(SnacBody::DirInfoReply(found.clone()), ids[1]));
        c.handle_frame(2, data(SnacBody::DirInfoReply(found), 0x7777));
        let too_many = odir::InfoReply::new(odir::status::TOO_MANY, &[user("x")]);
        c.handle_frame(2, data(SnacBody::DirInfoReply(too_many), ids[0]));
        let error = crate::oscar::SnacError::new(crate::oscar::SnacErrorCode::RateToHost);
        c.handle_frame(2, data(SnacBody::Error { family: odir::FAMILY, error }, ids[2]));
        let out = c.take_output();
        assert_eq!(
            out.directory,
            [
                DirectoryAnswer {
                    query: name,
                    outcome: DirectoryOutcome::Found,
                    users: vec![user("Flapjack Fan")]
                },
                DirectoryAnswer {
                    query: email,
                    outcome: DirectoryOutcome::TooMany,
                    users: vec![user("x")]
                },
                DirectoryAnswer::empty(word, DirectoryOutcome::Failed),
            ]
        );
        // Status words: "name missing", "unavailable", and one nobody knows.
        let queries: Vec<DirectoryQuery> =
            (0..3).map(|i| DirectoryQuery::Interest(format!("w{i}"))).collect();
        let (mut c, ids) = searching(&queries);
        for (id, code) in ids.iter().zip([4, 2, 0x99]) {
            c.handle_frame(3, data(SnacBody::DirInfoReply(odir::InfoReply::new(code, &[])), *id));
        }
        let outcomes: Vec<DirectoryOutcome> =
            c.take_output().directory.iter().map(|a| a.outcome).collect();
        assert_eq!(
            outcomes,
            [
                DirectoryOutcome::NameMissing,
                DirectoryOutcome::Unavailable,
                DirectoryOutcome::Failed
            ]
        );
    }

    #[test]
    fn the_keyword_list_is_asked_and_matched_like_a_search() {
        use crate::oscar::odir::{keyword_kind, Keyword, KeywordListReply};
        let (mut c, _) = searching(&[]);
        c.list_keywords(1);
        c.list_keywords(1);
        c.list_keywords(1);
        let ids: Vec<u32> = c
            .take_output()
            .frames
            .iter()
            .map(|f| decode_snac_payload(&f.payload).unwrap())
            .filter(|(_, b)| *b == SnacBody::DirKeywordListQuery)
            .map(|(h, _)| h.request_id)
            .collect();
        assert_eq!(ids.len(), 3);
        let word =
            |name: &str| Keyword { kind: keyword_kind::KEYWORD, parent: 0, name: name.into() };
        let reply = KeywordListReply { status: 1, keywords: vec![word("Tea")] };
        c.handle_frame(2, data(SnacBody::DirKeywordListReply(reply.clone()), 0x7777));
        c.handle_frame(2, data(SnacBody::DirKeywordListReply(reply), ids[0]));
        // Far too many keywords: the first thousand are kept.
        let many = KeywordListReply {
            status: 1,
            keywords: (0..MAX_KEYWORDS + 10).map(|i| word(&i.to_string())).collect(),
        };
        c.handle_frame(2, data(SnacBody::DirKeywordListReply(many), ids[1]));
        let error = crate::oscar::SnacError::new(crate::oscar::SnacErrorCode::RateToHost);
        c.handle_frame(2, data(SnacBody::Error { family: odir::FAMILY, error }, ids[2]));
        let got: Vec<(DirectoryOutcome, usize)> =
            c.take_output().keywords.iter().map(|k| (k.outcome, k.keywords.len())).collect();
        assert_eq!(
            got,
            [
                (DirectoryOutcome::Found, 1),
                (DirectoryOutcome::Found, MAX_KEYWORDS),
                (DirectoryOutcome::Failed, 0)
            ]
        );
    }

    #[test]
    fn hostile_answers_are_bounded_and_a_broken_one_fails_its_search() {
        let q = DirectoryQuery::Interest("x".into());
        let (mut c, ids) = searching(&[q.clone(), q.clone(), q.clone()]);
        // 30,000 result blocks (each an empty counted block): one answer, 500 people kept.
        let mut body = vec![0x00, 0x05, 0x00, 0x00, 0x75, 0x30];
        body.extend(std::iter::repeat_n(0u8, 2 * 30_000));
        c.handle_frame(4, raw(odir::subtype::INFO_REPLY, ids[0], &body));
        // A count of 65,535 with two blocks present, and a block cut inside its TLV.
        c.handle_frame(4, raw(odir::subtype::INFO_REPLY, ids[1], &[0, 5, 0, 0, 0xFF, 0xFF, 0, 0]));
        let cut = [0, 5, 0, 0, 0, 1, 0, 1, 0, tlv::FIRST_NAME as u8, 0, 9, b'a'];
        c.handle_frame(4, raw(odir::subtype::INFO_REPLY, ids[2], &cut));
        let out = c.take_output();
        assert!(!out.close);
        let got: Vec<(DirectoryOutcome, usize)> =
            out.directory.iter().map(|a| (a.outcome, a.users.len())).collect();
        assert_eq!(
            got,
            [
                (DirectoryOutcome::Found, MAX_DIRECTORY_HITS),
                (DirectoryOutcome::Failed, 0),
                (DirectoryOutcome::Failed, 0)
            ]
        );
        // An undecodable 0F/03 for nobody's search, or on another family, changes nothing.
        c.handle_frame(5, raw(odir::subtype::INFO_REPLY, 0x4242, &[1]));
        let block = TlvBlock::new().with(tlv::SCREEN_NAME, "\u{1b}[2J");
        let reply = odir::InfoReply { status: 5, extra: Default::default(), results: vec![block] };
        c.handle_frame(5, data(SnacBody::DirInfoReply(reply), 0x4243));
        assert!(c.take_output().directory.is_empty());
    }
}
