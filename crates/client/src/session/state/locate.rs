//! Family 0x02 (Locate) on the client: user info and away messages (02/06), asked for with
//! 02/15 by [`Command::GetInfo`], when a buddy goes away, and beside an IM to someone whose
//! presence we do not know (an answer means online).

use super::*;

impl SessionState {
    /// 02/06: the info or away message we asked for; the request's tag says which.
    pub(super) fn user_info_reply(&mut self, header: &SnacHeader, reply: UserInfoReply) {
        match self.in_flight.remove(&header.request_id) {
            Some(Tag::GetInfo(name)) => {
                let info = UserInfo {
                    name: ScreenName::from_wire(&reply.info.screen_name),
                    profile: reply.profile().map(|p| to_plain(&p)),
                    away_message: reply.away_message().map(|a| to_plain(&a)),
                    idle_minutes: reply.info.idle_minutes().filter(|m| *m > 0),
                    signed_on_at: reply.info.signon_time().map(unix_time),
                    warning_percent: reply.info.warning_level / 10,
                };
                tracing::debug!("user info for {}", name.as_str());
                self.emit(Event::UserInfo(info));
            }
            Some(Tag::AwayFetch(name)) => {
                let message = reply.away_message().map(|a| to_plain(&a));
                if let Some(p) = self.presence.get_mut(&name) {
                    if p.availability == Availability::Away && p.away_message != message {
                        p.away_message = message;
                        let p = p.clone();
                        self.emit(Event::Presence(p));
                    }
                }
            }
            Some(Tag::Whereabouts(name)) => self.whereabouts_learned(&name, Whereabouts::Online),
            _ => tracing::info!("ignoring user info nobody asked for"),
        }
    }
}
