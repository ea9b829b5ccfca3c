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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oscar::encode_snac;
    use crate::oscar::feedbag::{class, PrivacyMode};
    use crate::oscar::icbm::IncomingIm as WireIm;
    use crate::oscar::oservice::SelfInfo;
    use crate::oscar::tlv::TlvBlock;
    use crate::oscar::userinfo::UserInfo as WireInfo;

    fn sn(s: &str) -> ScreenName {
        ScreenName::parse(s).unwrap()
    }

    fn frame(body: &SnacBody, request_id: u32) -> Flap {
        Flap {
            channel: Channel::Data,
            sequence: 0,
            payload: encode_snac(body, request_id, 0).unwrap(),
        }
    }

    fn im(from: &str, cookie: u8) -> SnacBody {
        let message = ImMessage::new("hello");
        SnacBody::IncomingIm(WireIm {
            cookie: [cookie; 8],
            channel: 1,
            sender: WireInfo::new(from),
            tlvs: TlvBlock::new().with(oscar::icbm::tlv::MESSAGE_DATA, message.to_bytes().unwrap()),
        })
    }

    /// Signed on with a list that denies mallory in buddies-only mode, with carol a buddy:
    /// a server like Open OSCAR Server, which reads deny items only in mode 4, lets mallory
    /// through.
    fn signed_on() -> (SessionState, Output) {
        let mut s = SessionState::new(sn("alice"));
        s.connection_started(0, b"cookie");
        let items = vec![
            FeedbagItem::group("", 0, &[1]),
            FeedbagItem::group("Buddies", 1, &[1, 2]),
            FeedbagItem::buddy("carol", 1, 1),
            FeedbagItem::buddy("mallory", 1, 2),
            FeedbagItem::new("mallory", 0, 3, class::DENY),
            FeedbagItem::pd_info(4, PrivacyMode::AllowBuddies),
        ];
        let reply = FeedbagReply { version: 0, items, last_modified: 1 };
        s.in_flight.insert(5, Tag::Query(0x13, 0x04));
        s.handle_frame(2, frame(&SnacBody::FeedbagReply(reply), 5));
        let out = s.take_output();
        (s, out)
    }

    #[test]
    fn what_a_refused_person_sends_is_dropped_even_when_the_server_relays_it() {
        let (mut s, out) = signed_on();
        let privacy = out.events.iter().find_map(|e| match e {
            Event::Privacy(p) => Some(p.clone()),
            _ => None,
        });
        let want = Privacy {
            mode: PrivacyMode::AllowBuddies,
            allowed: vec![],
            blocked: vec![sn("mallory")],
        };
        assert_eq!(privacy, Some(want), "non-default settings are reported at sign-on");
        s.handle_frame(3, frame(&im("Mallory", 1), 0x8000_0001));
        s.handle_frame(3, frame(&im("Dave", 2), 0x8000_0002));
        s.handle_frame(3, frame(&im("carol", 3), 0x8000_0003));
        let typing = Typing::new("mallory", TypingEvent::Typing);
        s.handle_frame(3, frame(&SnacBody::Typing(typing), 0x8000_0004));
        let arrived = BuddyPresence::one(WireInfo::new("mallory"));
        s.handle_frame(3, frame(&SnacBody::BuddyArrived(arrived), 0x8000_0005));
        let events = s.take_output().events;
        let from: Vec<&str> = events
            .iter()
            .filter_map(|e| match e {
                Event::ImReceived(im) => Some(im.from.as_str()),
                Event::Typing { from, .. } | Event::Presence(Presence { name: from, .. }) => {
                    Some(from.as_str())
                }
                _ => None,
            })
            .collect();
        assert_eq!(from, ["carol"], "mallory is denied, Dave is not a buddy");
    }

    #[test]
    fn warnings_are_asked_only_after_an_im_and_answered() {
        let (mut s, _) = signed_on();
        s.handle_command(10, Command::Warn { name: sn("carol"), anonymous: false });
        let out = s.take_output();
        assert_eq!(
            out.events,
            [Event::WarnFailed { name: sn("carol"), reason: WarnFailure::NoRecentIm }]
        );
        assert!(out.frames.is_empty());
        s.handle_frame(20, frame(&im("carol", 9), 0x8000_0001));
        s.take_output();
        s.handle_command(30, Command::Warn { name: sn("Carol"), anonymous: true });
        let out = s.take_output();
        let sent: Vec<(u32, SnacBody)> = out
            .frames
            .iter()
            .filter_map(|f| decode_snac_payload(&f.payload).ok())
            .filter(|(h, _)| (h.family, h.subtype) == (4, 8))
            .map(|(h, b)| (h.request_id, b))
            .collect();
        let [(request_id, SnacBody::Warn(req))] = sent.as_slice() else { panic!("{sent:?}") };
        assert!(req.anonymous && req.screen_name == "Carol");
        let reply = SnacBody::WarnReply(WarnReply { delta: 30, new_level: 130 });
        s.handle_frame(31, frame(&reply, *request_id));
        assert_eq!(
            s.take_output().events,
            [Event::WarnApplied {
                name: sn("Carol"),
                anonymous: true,
                delta_percent: 3,
                level_percent: 13
            }]
        );
        // An hour later carol's IM no longer allows a warning.
        s.handle_command(
            31 + WARN_WINDOW_MS,
            Command::Warn { name: sn("carol"), anonymous: false },
        );
        assert!(matches!(
            s.take_output().events.as_slice(),
            [Event::WarnFailed { reason: WarnFailure::NoRecentIm, .. }]
        ));
    }

    #[test]
    fn our_level_from_self_info_is_reported_when_it_changes() {
        let (mut s, _) = signed_on();
        let info = |level| {
            let mut i = WireInfo::new("alice");
            i.warning_level = level;
            SnacBody::SelfInfo(SelfInfo { info: i, more: vec![] })
        };
        let levels = |s: &mut SessionState| -> Vec<u16> {
            s.take_output()
                .events
                .iter()
                .filter_map(|e| match e {
                    Event::WarningLevel { level_percent } => Some(*level_percent),
                    _ => None,
                })
                .collect()
        };
        s.handle_frame(3, frame(&info(0), 0x8000_0001));
        assert!(levels(&mut s).is_empty(), "not warned: nothing to say");
        s.handle_frame(
            3,
            frame(&SnacBody::Warning(Warning { level: 100, warner: None }), 0x8000_0002),
        );
        s.handle_frame(3, frame(&info(100), 0x8000_0003));
        assert!(levels(&mut s).is_empty(), "01/10 already said so");
        s.handle_frame(3, frame(&info(50), 0x8000_0004));
        s.handle_frame(3, frame(&info(0), 0x8000_0005));
        assert_eq!(levels(&mut s), [5, 0]);
    }
}
