//! Privacy settings (§6.4) and warnings (04/08, §7.5) on the client: what the list says about
//! who we refuse, shown to the front end when it changes; warning people who IMed us.

use super::*;
use crate::oscar::icbm::{WarnReply, WarnRequest};

/// A warning is allowed only for someone who IMed us this recently (servers refuse others).
pub const WARN_WINDOW_MS: u64 = 60 * 60_000;

impl SessionState {
    /// Emits [`Event::Privacy`] when the settings differ from those last shown (so the
    /// defaults of a list without privacy items are never announced).
    pub(super) fn emit_privacy(&mut self) {
        let privacy = self.feedbag.privacy();
        if privacy != self.privacy_shown {
            self.privacy_shown = privacy.clone();
            self.emit(Event::Privacy(privacy));
            // People we now refuse are offline to us, whether or not the server says so.
            let hidden: Vec<ScreenName> =
                self.presence.keys().filter(|n| self.refuses(n)).cloned().collect();
            for name in hidden {
                self.on_departed(&userinfo::UserInfo::new(name.as_str()));
            }
        }
    }

    /// Whether our own settings refuse `who`: what they send is dropped here too, in case the
    /// server does not enforce every mode (Open OSCAR Server ignores deny items outside mode 4).
    pub(super) fn refuses(&self, who: &ScreenName) -> bool {
        self.feedbag_loaded && self.feedbag.blocks(who)
    }

    /// Notes that `from` IMed us at `now`, which lets us warn them.
    pub(super) fn heard_from(&mut self, now: u64, from: &ScreenName) {
        self.heard_from.retain(|_, at| now.saturating_sub(*at) < WARN_WINDOW_MS);
        self.heard_from.insert(from.normalized().to_string(), now);
    }

    /// [`Command::Warn`]: 04/08, unless they have not IMed us within [`WARN_WINDOW_MS`].
    pub(super) fn warn(&mut self, now: u64, name: ScreenName, anonymous: bool) {
        let recent = self
            .heard_from
            .get(name.normalized())
            .is_some_and(|at| now.saturating_sub(*at) < WARN_WINDOW_MS);
        if !recent {
            self.emit(Event::WarnFailed { name, reason: WarnFailure::NoRecentIm });
            return;
        }
        let body = SnacBody::Warn(WarnRequest { anonymous, screen_name: name.as_str().into() });
        self.enqueue(body, Tag::Warn(name, anonymous));
    }

    /// 04/09: our warning was applied.
    pub(super) fn warn_reply(&mut self, header: &SnacHeader, reply: WarnReply) {
        match self.in_flight.remove(&header.request_id) {
            Some(Tag::Warn(name, anonymous)) => self.emit(Event::WarnApplied {
                name,
                anonymous,
                delta_percent: reply.delta / 10,
                level_percent: reply.new_level / 10,
            }),
            other => {
                if let Some(tag) = other {
                    self.in_flight.insert(header.request_id, tag);
                }
                tracing::info!("ignoring a warning reply nobody asked for");
            }
        }
    }

    /// 04/01 answering our 04/08.
    pub(super) fn warn_refused(&mut self, name: ScreenName, error: &SnacError) {
        let reason = match error.code {
            SnacErrorCode::NotLoggedOn => WarnFailure::Offline,
            SnacErrorCode::RequestDenied => WarnFailure::Refused,
            _ => WarnFailure::Server(error.clone()),
        };
        self.emit(Event::WarnFailed { name, reason });
    }

    /// Our own warning level from 01/0F or 01/10; `true` when it differs from the last known.
    pub(super) fn own_warning_changed(&mut self, level: u16) -> bool {
        let changed = self.own_warning != Some(level);
        self.own_warning = Some(level);
        changed
    }
}
