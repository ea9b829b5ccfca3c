//! The AIM directory seen from the BOS connection (docs/protocol.md §16): searches wait for a
//! directory service connection, asked for (01/04 family 0x0F) the first time one is needed
//! and kept while BOS is up; the connection itself ([`ServiceConnection`]) sends them and
//! matches the answers; the interest keyword list (0F/04 → 0F/05) is asked for the same way.
//! A server that refuses the 01/04 has no directory: every request on this BOS connection is
//! then answered [`DirectoryOutcome::NoDirectory`] at once.
//!
//! [`ServiceConnection`]: crate::session::room::ServiceConnection

use super::*;
use crate::oscar::odir::{self, DirectoryQuery};
use crate::oscar::oservice::ServiceRequest;
use crate::session::api::DirectoryOutcome;
use crate::session::room::{DirectoryAnswer, KeywordAnswer};

/// The service key of the directory connection among the room keys (which are trimmed names
/// and never hold a NUL).
pub const DIRECTORY_KEY: &str = "\0odir";

/// The most requests waiting for the directory connection; more are answered failed.
const MAX_WAITING: usize = 16;

/// Where the directory connection stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Phase {
    /// Not asked for.
    #[default]
    None,
    /// 01/04 sent, or the connection is being opened.
    Requested,
    /// Open: searches go straight to it.
    Open,
    /// The server refused the 01/04: it has no directory.
    Absent,
}

/// What was asked of the directory: a search, or its interest keywords.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ask {
    Search(DirectoryQuery),
    Keywords,
}

/// The directory part of the session state.
#[derive(Debug, Default)]
pub(super) struct Directory {
    phase: Phase,
    /// Requests waiting for the connection.
    waiting: Vec<Ask>,
    /// Requests handed to the connection, answers awaited.
    sent: Vec<Ask>,
}

impl SessionState {
    /// [`Command::SearchDirectory`]: to the open connection, or queued until it is.
    pub(super) fn search_directory(&mut self, now: u64, query: DirectoryQuery) {
        self.ask_directory(now, Ask::Search(query));
    }

    /// [`Command::DirectoryKeywords`]: as a search.
    pub(super) fn directory_keywords(&mut self, now: u64) {
        self.ask_directory(now, Ask::Keywords);
    }

    fn ask_directory(&mut self, now: u64, ask: Ask) {
        match self.directory.phase {
            Phase::Absent => self.directory_failed(ask, DirectoryOutcome::NoDirectory),
            Phase::Open => self.send_to_directory(ask),
            _ if !self.connected || self.directory.waiting.len() >= MAX_WAITING => {
                self.directory_failed(ask, DirectoryOutcome::Failed)
            }
            Phase::Requested => self.directory.waiting.push(ask),
            Phase::None => {
                self.directory.waiting.push(ask);
                self.directory.phase = Phase::Requested;
                let req = ServiceRequest::new(odir::FAMILY);
                self.enqueue(SnacBody::ServiceRequest(req), Tag::Service(DIRECTORY_KEY.into()));
                self.flush(now);
            }
        }
    }

    fn send_to_directory(&mut self, ask: Ask) {
        self.directory.sent.push(ask.clone());
        self.order(match ask {
            Ask::Search(query) => ServiceOrder::SearchDirectory(query),
            Ask::Keywords => ServiceOrder::DirectoryKeywords,
        });
    }

    fn directory_failed(&mut self, ask: Ask, outcome: DirectoryOutcome) {
        self.emit(match ask {
            Ask::Search(query) => Event::DirectoryResults { query, outcome, users: Vec::new() },
            Ask::Keywords => Event::DirectoryKeywords { outcome, keywords: Vec::new() },
        });
    }

    fn directory_settled(&mut self, ask: &Ask) {
        if let Some(pos) = self.directory.sent.iter().position(|a| a == ask) {
            self.directory.sent.remove(pos);
        }
    }

    /// The actor opened the directory connection: the waiting requests go to it.
    pub fn directory_opened(&mut self) {
        self.directory.phase = Phase::Open;
        for ask in std::mem::take(&mut self.directory.waiting) {
            self.send_to_directory(ask);
        }
    }

    /// Answers to searches from the directory connection (0F/03), each reported.
    pub fn directory_answered(&mut self, answers: Vec<DirectoryAnswer>) {
        for DirectoryAnswer { query, outcome, users } in answers {
            self.directory_settled(&Ask::Search(query.clone()));
            self.emit(Event::DirectoryResults { query, outcome, users });
        }
    }

    /// Answers to keyword-list requests from the directory connection (0F/05), each reported.
    pub fn directory_keywords_answered(&mut self, answers: Vec<KeywordAnswer>) {
        for KeywordAnswer { outcome, keywords } in answers {
            self.directory_settled(&Ask::Keywords);
            self.emit(Event::DirectoryKeywords { outcome, keywords });
        }
    }

    /// The directory connection closed (or could not be had): unanswered requests failed.
    pub fn directory_closed(&mut self) {
        if self.directory.phase != Phase::Absent {
            self.directory.phase = Phase::None;
        }
        let d = &mut self.directory;
        let lost: Vec<Ask> = d.sent.drain(..).chain(d.waiting.drain(..)).collect();
        for ask in lost {
            self.directory_failed(ask, DirectoryOutcome::Failed);
        }
    }

    /// The 01/04 for the directory was refused (`Some` error code: the server has no
    /// directory) or its 01/05 made no sense (`None`).
    pub(super) fn directory_refused(&mut self, code: Option<u16>) {
        tracing::info!("no directory service ({code:?})");
        let outcome = if code.is_some() {
            self.directory.phase = Phase::Absent;
            DirectoryOutcome::NoDirectory
        } else {
            self.directory.phase = Phase::None;
            DirectoryOutcome::Failed
        };
        for ask in std::mem::take(&mut self.directory.waiting) {
            self.directory_failed(ask, outcome);
        }
    }

    /// BOS is gone: the directory connection goes with it; the next BOS may offer one.
    pub(super) fn directory_lost(&mut self) {
        self.directory_closed();
        self.directory.phase = Phase::None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oscar::feedbag::FeedbagReply;
    use crate::oscar::odir::DirectoryUser;
    use crate::oscar::oservice::ServiceRedirect;
    use crate::oscar::{encode_snac, rate::aol_rate_params, SnacErrorCode};
    use crate::session::room::ServiceKind;

    fn server(body: &SnacBody, request_id: u32) -> Flap {
        let payload = encode_snac(body, request_id, 0).unwrap();
        Flap { channel: Channel::Data, sequence: 0, payload }
    }

    fn signed_on() -> SessionState {
        let mut s = SessionState::new(ScreenName::from_wire("alice"));
        s.connection_started(0, b"cookie");
        s.handle_frame(1, server(&SnacBody::RateParamsReply(aol_rate_params()), 2));
        let reply = FeedbagReply { version: 0, items: Vec::new(), last_modified: 1 };
        s.handle_frame(2, server(&SnacBody::FeedbagReply(reply), 5));
        s.take_output();
        s
    }

    /// The request id of the one 01/04 for the directory among `out`'s frames.
    fn service_request(out: &Output) -> u32 {
        let asked: Vec<u32> = out
            .frames
            .iter()
            .filter(|f| f.channel == Channel::Data)
            .map(|f| crate::oscar::decode_snac_payload(&f.payload).unwrap())
            .filter(|(_, b)| matches!(b, SnacBody::ServiceRequest(r) if r.family == odir::FAMILY))
            .map(|(h, _)| h.request_id)
            .collect();
        assert_eq!(asked.len(), 1, "{out:?}");
        asked[0]
    }

    fn results(out: &Output) -> Vec<(DirectoryQuery, DirectoryOutcome)> {
        out.events
            .iter()
            .filter_map(|e| match e {
                Event::DirectoryResults { query, outcome, .. } => Some((query.clone(), *outcome)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn searches_wait_for_one_directory_connection_then_go_to_it() {
        let mut s = signed_on();
        let (a, b) = (DirectoryQuery::name("Flap", ""), DirectoryQuery::Interest("tea".into()));
        s.handle_command(3, Command::SearchDirectory(a.clone()));
        s.handle_command(3, Command::SearchDirectory(b.clone()));
        let id = service_request(&s.take_output());
        let redirect = ServiceRedirect::new(odir::FAMILY, "127.0.0.1:5190", b"dir-cookie");
        s.handle_frame(4, server(&SnacBody::ServiceRedirect(redirect), id));
        let out = s.take_output();
        let [ServiceOrder::Open { kind: ServiceKind::Directory, key, .. }] = &out.services[..]
        else {
            panic!("{out:?}")
        };
        assert_eq!(key, DIRECTORY_KEY);
        s.directory_opened();
        let out = s.take_output();
        assert_eq!(
            out.services,
            [ServiceOrder::SearchDirectory(a.clone()), ServiceOrder::SearchDirectory(b.clone())]
        );
        // Open: the next goes straight there; answers are reported; a close fails the rest.
        s.handle_command(5, Command::SearchDirectory(a.clone()));
        assert_eq!(s.take_output().services, [ServiceOrder::SearchDirectory(a.clone())]);
        let user = DirectoryUser { screen_name: "Flapjack Fan".into(), ..Default::default() };
        let answer = DirectoryAnswer {
            query: b.clone(),
            outcome: DirectoryOutcome::Found,
            users: vec![user.clone()],
        };
        s.directory_answered(vec![answer]);
        let out = s.take_output();
        assert_eq!(
            out.events,
            [Event::DirectoryResults {
                query: b,
                outcome: DirectoryOutcome::Found,
                users: vec![user]
            }]
        );
        s.directory_closed();
        let failed = DirectoryOutcome::Failed;
        assert_eq!(results(&s.take_output()), [(a.clone(), failed), (a.clone(), failed)]);
        // Closed: the next request asks for a new connection; keyword lists travel the same
        // way and fail the same way.
        s.handle_command(6, Command::DirectoryKeywords);
        service_request(&s.take_output());
        s.directory_opened();
        assert_eq!(s.take_output().services, [ServiceOrder::DirectoryKeywords]);
        let word = odir::Keyword { kind: 2, parent: 0, name: "Tea".into() };
        let answer = KeywordAnswer { outcome: DirectoryOutcome::Found, keywords: vec![word] };
        s.directory_keywords_answered(vec![answer.clone()]);
        let got = s.take_output().events;
        assert_eq!(
            got,
            [Event::DirectoryKeywords { outcome: answer.outcome, keywords: answer.keywords }]
        );
        s.handle_command(7, Command::DirectoryKeywords);
        s.take_output();
        s.directory_closed();
        let got = s.take_output().events;
        assert_eq!(got, [Event::DirectoryKeywords { outcome: failed, keywords: vec![] }]);
    }

    #[test]
    fn a_server_without_a_directory_says_so_at_once() {
        let mut s = signed_on();
        let q = DirectoryQuery::Email("a@b".into());
        s.handle_command(3, Command::SearchDirectory(q.clone()));
        let id = service_request(&s.take_output());
        let error = crate::oscar::SnacError::new(SnacErrorCode::ServiceUnavailable);
        s.handle_frame(4, server(&SnacBody::Error { family: 1, error }, id));
        let none = DirectoryOutcome::NoDirectory;
        assert_eq!(results(&s.take_output()), [(q.clone(), none)]);
        // Known absent on this connection: answered without asking again.
        s.handle_command(5, Command::SearchDirectory(q.clone()));
        let out = s.take_output();
        assert!(out.frames.is_empty());
        assert_eq!(results(&out), [(q.clone(), none)]);
        // A redirect to another family is not a directory: that search failed, and the next
        // one asks again.
        s.connection_lost(true);
        let mut s = signed_on();
        s.handle_command(3, Command::SearchDirectory(q.clone()));
        let id = service_request(&s.take_output());
        let wrong = ServiceRedirect::new(0x0010, "127.0.0.1:5190", b"c");
        s.handle_frame(4, server(&SnacBody::ServiceRedirect(wrong), id));
        assert_eq!(results(&s.take_output()), [(q.clone(), DirectoryOutcome::Failed)]);
        // Offline: failed at once.
        s.connection_lost(true);
        s.take_output();
        s.handle_command(5, Command::SearchDirectory(q.clone()));
        assert_eq!(results(&s.take_output()), [(q, DirectoryOutcome::Failed)]);
    }
}
