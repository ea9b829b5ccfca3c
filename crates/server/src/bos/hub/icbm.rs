//! ICBM routing and the offline store: IMs and typing notices between sessions, IMs kept for
//! offline recipients, and IMs rescued from a connection that ended before writing them.

use std::sync::atomic::Ordering;

use super::bots::BotJob;
use super::{now_u32, Hub, World};
use crate::bos::outbound::OutSnac;
use crate::oscar::codes::SnacErrorCode;
use crate::oscar::icbm::{self, IncomingIm, SendIm, Typing};
use crate::oscar::userinfo::UserInfo;
use crate::oscar::SnacBody;
use crate::screenname::ScreenName;
use crate::store::{StoredIm, MAX_OFFLINE_IMS};
use crate::text::html;

/// What happened to a 04/06.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImOutcome {
    /// Delivered to the recipient's sessions (or its bot).
    Delivered,
    /// Stored for an offline recipient.
    Stored,
}

impl Hub {
    /// 04/10: stored offline IMs for this session's account (then the caller sends 04/17).
    pub fn offline_retrieve(&self, id: u64) -> Vec<SnacBody> {
        let mut w = self.lock();
        match self.session_account(&w, id) {
            Some(name) => self.take_offline(&mut w, &name),
            None => Vec::new(),
        }
    }

    pub(super) fn take_offline(&self, w: &mut World, name: &ScreenName) -> Vec<SnacBody> {
        let stored = std::mem::take(&mut self.account_state(w, name).data.offline);
        if stored.is_empty() {
            return Vec::new();
        }
        self.save(w, name);
        stored
            .into_iter()
            .map(|m| {
                let sender_name = ScreenName::from_wire(&m.from);
                let sender = if self.is_online(w, &sender_name) {
                    self.user_info(w, &sender_name)
                } else {
                    UserInfo::new(m.from)
                };
                let mut tlvs = m.tlvs;
                tlvs.set(icbm::tlv::SEND_TIME, m.sent_at.to_be_bytes().to_vec());
                SnacBody::IncomingIm(IncomingIm {
                    cookie: m.cookie,
                    channel: m.channel,
                    sender,
                    tlvs,
                })
            })
            .collect()
    }

    /// 04/02: whether this session wants typing events (flag 0x08).
    pub fn set_icbm_flags(&self, id: u64, flags: u32) {
        if let Some(s) = self.lock().sessions.get_mut(&id) {
            s.wants_typing = flags & 0x08 != 0;
        }
    }

    /// 04/06: relays an IM to the recipient's sessions or bot, or stores it when the
    /// recipient exists but is offline.
    pub fn send_im(&self, id: u64, im: &SendIm) -> Result<ImOutcome, SnacErrorCode> {
        let to = ScreenName::from_wire(&im.recipient);
        let now = self.state.now();
        let mut w = self.lock();
        let Some(from) = self.session_account(&w, id) else {
            return Err(SnacErrorCode::NotLoggedOn);
        };
        let Some(account) = self.state.config.accounts.get(to.normalized()) else {
            return Err(SnacErrorCode::NotLoggedOn);
        };
        // Either side's privacy settings: as Open OSCAR Server, "not logged on", never stored.
        if self.blocked_between(&w, &from, &to) {
            return Err(SnacErrorCode::NotLoggedOn);
        }
        if im.channel == icbm::CHANNEL_IM && !im.is_auto_response() {
            self.heard_from(&mut w, &account.screen_name, &from, now);
        }
        let sender = self.user_info(&w, &from);
        let mut relayed = IncomingIm::relay(im, sender);
        if w.sessions.get(&id).is_some_and(|s| s.wants_typing)
            && !relayed.tlvs.has(icbm::tlv::WANTS_TYPING)
        {
            relayed.tlvs.push(icbm::tlv::WANTS_TYPING, Vec::new());
        }
        if account.bot {
            let text = match im.message() {
                Some(Ok(m)) => html::to_plain(&m.text()).trim().to_string(),
                Some(Err(_)) => return Err(SnacErrorCode::BustedPayload),
                None => return Ok(ImOutcome::Delivered),
            };
            if let Some(bot) = w.bots.get(&account.screen_name) {
                if bot.try_send(BotJob { from: from.clone(), text, room: None }).is_err() {
                    return Err(SnacErrorCode::QueueFull);
                }
            }
            self.state.counters.ims_relayed.fetch_add(1, Ordering::Relaxed);
            return Ok(ImOutcome::Delivered);
        }
        if self.push_account(&w, &to, &SnacBody::IncomingIm(relayed.clone())) > 0 {
            self.state.counters.ims_relayed.fetch_add(1, Ordering::Relaxed);
            return Ok(ImOutcome::Delivered);
        }
        // Offline (or every session's queue full): only real channel-1 messages are kept, never
        // away auto-responses.
        if im.channel != icbm::CHANNEL_IM || im.is_auto_response() {
            return Err(SnacErrorCode::NotLoggedOn);
        }
        let st = self.account_state(&mut w, &account.screen_name);
        if st.data.offline.len() >= MAX_OFFLINE_IMS {
            return Err(SnacErrorCode::QueueFull);
        }
        st.data.offline.push(StoredIm {
            from: from.as_str().to_string(),
            cookie: relayed.cookie,
            channel: relayed.channel,
            tlvs: relayed.tlvs,
            sent_at: now_u32(now),
        });
        self.save(&w, &account.screen_name);
        self.state.counters.offline_ims_stored.fetch_add(1, Ordering::Relaxed);
        Ok(ImOutcome::Stored)
    }

    /// SNACs that were owed to a session of `account` that ended before writing them: the
    /// IMs among them (04/07) go to the account's other signed-on sessions, or are stored as
    /// offline messages, so an IM acknowledged to its sender does not vanish with the
    /// recipient's connection. Everything else is dropped. Returns how many IMs were kept.
    pub fn rescue_undelivered(&self, account: &ScreenName, unwritten: Vec<OutSnac>) -> usize {
        let ims: Vec<IncomingIm> =
            unwritten.into_iter().filter_map(OutSnac::into_incoming_im).collect();
        if ims.is_empty() {
            return 0;
        }
        let now = now_u32(self.state.now());
        let mut w = self.lock();
        let mut kept = 0;
        let mut stored = Vec::new();
        for im in ims {
            if self.push_account(&w, account, &SnacBody::IncomingIm(im.clone())) > 0 {
                kept += 1;
                continue;
            }
            // As for any offline recipient: only real channel-1 messages are kept.
            if im.channel != icbm::CHANNEL_IM || im.is_auto_response() {
                continue;
            }
            let sent_at = im.send_time().unwrap_or(now);
            stored.push(StoredIm {
                from: im.sender.screen_name,
                cookie: im.cookie,
                channel: im.channel,
                tlvs: im.tlvs,
                sent_at,
            });
        }
        if !stored.is_empty() {
            let st = self.account_state(&mut w, account);
            let room = MAX_OFFLINE_IMS.saturating_sub(st.data.offline.len());
            if stored.len() > room {
                tracing::warn!(
                    "{account}: offline store full, {} IM(s) dropped",
                    stored.len() - room
                );
                stored.truncate(room);
            }
            kept += stored.len();
            // They were queued before anything stored since (which only arrived once this
            // session stopped taking frames), so they go first.
            st.data.offline.splice(0..0, stored);
            self.save(&w, account);
        }
        if kept > 0 {
            tracing::info!("{account}: kept {kept} IM(s) the ended connection had not written");
            self.state.counters.ims_rescued.fetch_add(kept as u64, Ordering::Relaxed);
        }
        kept
    }

    /// 04/14: relays a typing notice to the recipient's sessions, named as coming from the sender.
    pub fn typing(&self, id: u64, t: &Typing) {
        let w = self.lock();
        let Some(from) = self.session_account(&w, id) else { return };
        let to = ScreenName::from_wire(&t.screen_name);
        if self.blocked_between(&w, &from, &to) {
            return;
        }
        let body = SnacBody::Typing(Typing { screen_name: self.display(&from), ..t.clone() });
        self.push_account(&w, &to, &body);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;

    use super::*;
    use crate::bos::Kill;
    use crate::oscar::codes::TypingEvent;
    use crate::oscar::ImMessage;
    use crate::{Accounts, Counters, ServerConfig, ServerState};

    const ACCOUNTS: &str = "[[account]]\nscreen_name='Alice'\npassword='a'\n\
                            [[account]]\nscreen_name='Bob'\npassword='b'\n";

    fn cookies(bodies: &[SnacBody]) -> Vec<u8> {
        bodies
            .iter()
            .filter_map(
                |b| if let SnacBody::IncomingIm(im) = b { Some(im.cookie[0]) } else { None },
            )
            .collect()
    }

    #[test]
    fn ims_to_a_session_that_stopped_reading_are_kept_in_order_not_dropped() {
        let mut config = ServerConfig::for_tests(Accounts::from_toml(ACCOUNTS).unwrap());
        config.outbound_queue = 8;
        let addr = config.bos_listen;
        let hub = Hub::new(Arc::new(ServerState::new(config, addr)), HashMap::new(), None);
        let account = |n: &str| hub.state().config.accounts.get(n).unwrap().clone();
        let (alice, bob) = (account("alice"), account("bob"));
        let a = hub.register(&alice, addr, b"a", false);
        let b = hub.register(&bob, addr, b"b", false);
        hub.client_ready(a.id);
        hub.client_ready(b.id);
        // Bob's connection never reads: eight IMs fill its queue, the next ones must not be
        // acknowledged into the void.
        let im = |n: u8| SendIm::new([n; 8], "Bob", &ImMessage::new("x"), true).unwrap();
        let outcomes: Vec<ImOutcome> =
            (0..10).map(|n| hub.send_im(a.id, &im(n)).unwrap()).collect();
        assert_eq!(outcomes[..8], [ImOutcome::Delivered; 8]);
        assert_eq!(outcomes[8..], [ImOutcome::Stored; 2]);
        assert_eq!(*b.kill.borrow(), Some(Kill::Overflow));
        // The connection ends (as `conn::run` does it): the eight it never wrote are kept.
        hub.unregister(b.id);
        let mut rx = b.outbound;
        rx.close();
        let mut left = Vec::new();
        while let Ok(f) = rx.try_recv() {
            left.push(f);
        }
        assert_eq!(hub.rescue_undelivered(&bob.screen_name, left), 8);
        assert_eq!(Counters::get(&hub.state().counters.ims_rescued), 8);
        // Bob's next sign-on gets all ten, once each, in the order they were sent.
        let again = hub.register(&bob, addr, b"b2", false);
        assert_eq!(cookies(&hub.client_ready(again.id)), (0..10).collect::<Vec<u8>>());
        assert!(cookies(&hub.offline_retrieve(again.id)).is_empty());
        // Nothing but IMs is kept.
        let typing = OutSnac::new(SnacBody::Typing(Typing::new("Alice", TypingEvent::Typing)), 1);
        assert_eq!(hub.rescue_undelivered(&bob.screen_name, vec![typing]), 0);
    }
}
