//! `xx/01` errors in any family: matched to the request they answer by its request id.

use super::*;

/// ICBM error subcode: the offline recipient's stored-message limit is reached (§7.4).
const OFFLINE_INBOX_FULL: u16 = 0x000F;

impl SessionState {
    /// xx/01: an error answering one of our requests; the request's tag says what failed.
    pub(super) fn error(&mut self, now: u64, header: SnacHeader, family: u16, error: &SnacError) {
        match self.in_flight.remove(&header.request_id) {
            Some(Tag::Im(cookie)) => {
                let Some(pos) = self.pending.iter().position(|p| p.cookie == cookie) else {
                    return;
                };
                let p = self.pending.remove(pos);
                let reason = match error.code {
                    // The subcode may come in one byte or two (§2.2); 0x000F = inbox full.
                    SnacErrorCode::NotLoggedOn if error.subcode() == Some(OFFLINE_INBOX_FULL) => {
                        ImFailure::OfflineInboxFull
                    }
                    SnacErrorCode::NotLoggedOn => ImFailure::RecipientOffline,
                    SnacErrorCode::RateToHost | SnacErrorCode::RateToClient => {
                        ImFailure::RateLimited
                    }
                    SnacErrorCode::Blocked | SnacErrorCode::RefusedByClient => ImFailure::Refused,
                    // The IM is within the size 04/05 allowed (checked before sending), so a
                    // server that denies it counted a size limit of its own (§7.2).
                    SnacErrorCode::RequestDenied => ImFailure::TooLarge,
                    other => ImFailure::Server(other.into()),
                };
                self.im_finished(p.id, p.part, Err(reason));
            }
            Some(Tag::Feedbag(action)) => {
                let failure = FeedbagFailure::Error(error.clone());
                self.emit(Event::BuddyListError(BuddyListError { action, failure }));
                self.enqueue(SnacBody::FeedbagQuery, Tag::Plain);
            }
            Some(Tag::GetInfo(name)) => {
                self.emit(Event::InfoUnavailable { name, error: error.clone() })
            }
            Some(Tag::Whereabouts(name)) => {
                let whereabouts = if error.code == SnacErrorCode::NotLoggedOn {
                    Whereabouts::Offline
                } else {
                    tracing::info!("cannot tell whether an IM's recipient is online: {error}");
                    Whereabouts::Unknown
                };
                self.whereabouts_learned(&name, whereabouts);
            }
            Some(Tag::AwayFetch(name)) => {
                tracing::debug!("away message of {} unavailable: {error}", name.as_str())
            }
            Some(Tag::Query(0x04, 0x04)) => {
                tracing::info!("the server refused 04/04 ({error}); IMs are split at our limit");
                self.release_held_ims(now);
            }
            Some(Tag::Icq(ask)) => {
                tracing::info!("ICQ request refused: {error}");
                self.icq_failed(header.request_id, ask);
            }
            Some(Tag::Warn(name, _)) => self.warn_refused(name, error),
            Some(Tag::Service(key)) => self.service_refused(&key, Some(error.code.into())),
            Some(Tag::IconItem) => self.icon_item_refused(error.code.into()),
            Some(Tag::Plain | Tag::Query(..)) | None => {
                tracing::info!("server error in family {family:02X}: {error}")
            }
        }
    }
}
