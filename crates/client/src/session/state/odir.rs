//! The AIM directory seen from the BOS connection (docs/protocol.md §16): searches wait for a
//! directory service connection, asked for (01/04 family 0x0F) the first time one is needed
//! and kept while BOS is up; the connection itself ([`ServiceConnection`]) sends them and
//! matches the answers. A server that refuses the 01/04 has no directory: every search on this
//! BOS connection is then answered [`DirectoryOutcome::NoDirectory`] at once.
//!
//! [`ServiceConnection`]: crate::session::room::ServiceConnection

use super::*;
use crate::oscar::odir::{self, DirectoryQuery};
use crate::oscar::oservice::ServiceRequest;
use crate::session::api::DirectoryOutcome;
use crate::session::room::DirectoryAnswer;

/// The service key of the directory connection among the room keys (which are trimmed names
/// and never hold a NUL).
pub const DIRECTORY_KEY: &str = "\0odir";

/// The most searches waiting for the directory connection; more are answered failed.
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

/// The directory part of the session state.
#[derive(Debug, Default)]
pub(super) struct Directory {
    phase: Phase,
    /// Searches waiting for the connection.
    waiting: Vec<DirectoryQuery>,
    /// Searches handed to the connection, answers awaited.
    sent: Vec<DirectoryQuery>,
}

impl SessionState {
    /// [`Command::SearchDirectory`]: to the open connection, or queued until it is.
    pub(super) fn search_directory(&mut self, now: u64, query: DirectoryQuery) {
        match self.directory.phase {
            Phase::Absent => self.directory_answer(query, DirectoryOutcome::NoDirectory),
            Phase::Open => {
                self.directory.sent.push(query.clone());
                self.order(ServiceOrder::SearchDirectory(query));
            }
            _ if !self.connected || self.directory.waiting.len() >= MAX_WAITING => {
                self.directory_answer(query, DirectoryOutcome::Failed)
            }
            Phase::Requested => self.directory.waiting.push(query),
            Phase::None => {
                self.directory.waiting.push(query);
                self.directory.phase = Phase::Requested;
                let req = ServiceRequest::new(odir::FAMILY);
                self.enqueue(SnacBody::ServiceRequest(req), Tag::Service(DIRECTORY_KEY.into()));
                self.flush(now);
            }
        }
    }

    fn directory_answer(&mut self, query: DirectoryQuery, outcome: DirectoryOutcome) {
        self.emit(Event::DirectoryResults { query, outcome, users: Vec::new() });
    }

    /// The actor opened the directory connection: the waiting searches go to it.
    pub fn directory_opened(&mut self) {
        self.directory.phase = Phase::Open;
        for query in std::mem::take(&mut self.directory.waiting) {
            self.directory.sent.push(query.clone());
            self.order(ServiceOrder::SearchDirectory(query));
        }
    }

    /// Answers from the directory connection, each reported.
    pub fn directory_answered(&mut self, answers: Vec<DirectoryAnswer>) {
        for DirectoryAnswer { query, outcome, users } in answers {
            if let Some(pos) = self.directory.sent.iter().position(|q| *q == query) {
                self.directory.sent.remove(pos);
            }
            self.emit(Event::DirectoryResults { query, outcome, users });
        }
    }

    /// The directory connection closed (or could not be had): unanswered searches failed.
    pub fn directory_closed(&mut self) {
        if self.directory.phase != Phase::Absent {
            self.directory.phase = Phase::None;
        }
        let d = &mut self.directory;
        let lost: Vec<DirectoryQuery> = d.sent.drain(..).chain(d.waiting.drain(..)).collect();
        for query in lost {
            self.directory_answer(query, DirectoryOutcome::Failed);
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
        for query in std::mem::take(&mut self.directory.waiting) {
            self.directory_answer(query, outcome);
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
        // Closed: the next search asks for a new connection.
        s.handle_command(6, Command::SearchDirectory(a));
        service_request(&s.take_output());
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
