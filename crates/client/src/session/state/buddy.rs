//! Family 0x03 (Buddy) on the client: presence of buddies arriving (03/0B) and departing
//! (03/0C).

use super::*;

impl SessionState {
    /// 03/0B: buddies arrived or changed (away, idle, back).
    pub(super) fn buddy_arrived(&mut self, presence: BuddyPresence) {
        presence.users.into_iter().for_each(|u| self.on_arrived(u));
    }

    /// 03/0C: buddies departed.
    pub(super) fn buddy_departed(&mut self, presence: BuddyPresence) {
        presence.users.iter().for_each(|u| self.on_departed(u));
    }

    fn on_arrived(&mut self, info: userinfo::UserInfo) {
        let name = ScreenName::from_wire(&info.screen_name);
        if self.refuses(&name) {
            // Our settings hide us from them and them from us, whatever the server sends.
            tracing::debug!("ignoring the presence of {}, whom we refuse", name.as_str());
            return;
        }
        let away = info.is_away();
        let idle = info.idle_minutes().filter(|m| *m > 0);
        let availability = match (away, idle) {
            (true, _) => Availability::Away,
            (false, Some(_)) => Availability::Idle,
            (false, None) => Availability::Online,
        };
        if info.tlvs.has(userinfo::tlv::CAPABILITIES) {
            self.note_capabilities(&name, &info);
        }
        self.note_icon(&name, &info);
        let previous = self.presence.get(&name);
        let away_message = if away { previous.and_then(|p| p.away_message.clone()) } else { None };
        let presence = Presence {
            name: name.clone(),
            availability,
            idle_minutes: idle,
            signed_on_at: info.signon_time().map(unix_time),
            warning_percent: info.warning_level / 10,
            away_message,
            status: info.icq_status(),
        };
        let changed = previous != Some(&presence);
        self.departed.remove(&name);
        self.presence.insert(name.clone(), presence.clone());
        if changed {
            self.emit(Event::Presence(presence));
        }
        if away {
            // The away message is not in 03/0B: ask for it (also when it may have changed).
            let query = UserInfoQuery { kind: 0x0002, screen_name: info.screen_name };
            self.enqueue(SnacBody::UserInfoQuery2(query), Tag::AwayFetch(name));
        }
    }

    /// Remembers whether `name`'s client takes markup (the XHTML capability), from a user-info
    /// block that lists its capabilities.
    pub(super) fn note_capabilities(&mut self, name: &ScreenName, info: &userinfo::UserInfo) {
        if info.has_capability(&userinfo::CAP_XHTML_IM) {
            self.xhtml_peers.insert(name.clone());
        } else {
            self.xhtml_peers.remove(name);
        }
    }

    /// Whether messages to and from `name` are markup: always for AIM names, and for an ICQ
    /// account only when its client advertised XHTML (§10).
    pub(super) fn speaks_markup(&self, name: &ScreenName) -> bool {
        !name.is_uin() || self.xhtml_peers.contains(name)
    }

    pub(super) fn on_departed(&mut self, info: &userinfo::UserInfo) {
        let name = ScreenName::from_wire(&info.screen_name);
        self.presence.remove(&name);
        self.departed.insert(name.clone());
        self.xhtml_peers.remove(&name);
        self.emit(Event::Presence(Presence {
            name,
            availability: Availability::Offline,
            idle_minutes: None,
            signed_on_at: None,
            warning_percent: info.warning_level / 10,
            away_message: None,
            status: None,
        }));
    }
}

impl SessionState {
    /// Watches the presence of someone not on the buddy list (03/0F temporary buddy), so a
    /// chat with them shows whether they are online; arrivals and departures then come as for
    /// buddies (03/0B, 03/0C). Buddies and names already watched are left alone.
    pub(super) fn watch_presence(&mut self, name: &ScreenName) {
        if name == &self.own
            || self.feedbag.contains(name)
            || self.temp_buddies.contains(name)
            || self.temp_buddies.len() >= MAX_TEMP_BUDDIES
        {
            return;
        }
        self.temp_buddies.push(name.clone());
        if self.connected {
            let body = TempBuddies { names: vec![name.as_str().to_string()] };
            self.enqueue(SnacBody::AddTempBuddies(body), Tag::Plain);
        }
    }
}
