//! `xx/01` errors in any family: matched to the request they answer by its request id.

use super::*;

impl SessionState {
    /// xx/01: an error answering one of our requests; the request's tag says what failed.
    pub(super) fn error(&mut self, header: SnacHeader, family: u16, error: &SnacError) {
        match self.in_flight.remove(&header.request_id) {
            Some(Tag::Im(cookie)) => {
                let Some(pos) = self.pending.iter().position(|p| p.cookie == cookie) else {
                    return;
                };
                let p = self.pending.remove(pos);
                let reason = match error.code {
                    SnacErrorCode::NotLoggedOn => ImFailure::RecipientOffline,
                    SnacErrorCode::RateToHost | SnacErrorCode::RateToClient => {
                        ImFailure::RateLimited
                    }
                    SnacErrorCode::Blocked | SnacErrorCode::RefusedByClient => ImFailure::Refused,
                    other => ImFailure::Server(other.into()),
                };
                self.emit(Event::ImFailed { id: p.id, reason });
            }
            Some(Tag::Feedbag(action)) => {
                let failure = FeedbagFailure::Error(error.clone());
                self.emit(Event::BuddyListError(BuddyListError { action, failure }));
                self.enqueue(SnacBody::FeedbagQuery, Tag::Plain);
            }
            Some(Tag::GetInfo(name)) => {
                self.emit(Event::InfoUnavailable { name, error: error.clone() })
            }
            Some(Tag::AwayFetch(name)) => {
                tracing::debug!("away message of {} unavailable: {error}", name.as_str())
            }
            Some(Tag::Service(key)) => self.service_refused(&key, Some(error.code.into())),
            Some(Tag::Plain | Tag::Query(..)) | None => {
                tracing::info!("server error in family {family:02X}: {error}")
            }
        }
    }
}
