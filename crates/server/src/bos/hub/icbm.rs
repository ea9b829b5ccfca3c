//! ICBM routing and the offline store: IMs and typing notices between sessions, IMs kept for
//! offline recipients, and IMs rescued from a connection that ended before writing them.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::bots::BotJob;
use super::{now_u32, Hub, World};
use crate::bos::limits::{tlv_bytes, MAX_OFFLINE_BYTES, MAX_OFFLINE_IMS};
use crate::bos::outbound::OutSnac;
use crate::oscar::codes::SnacErrorCode;
use crate::oscar::icbm::{self, IncomingIm, SendIm, Typing};
use crate::oscar::userinfo::UserInfo;
use crate::oscar::{SnacBody, SnacError, TlvBlock};
use crate::screenname::ScreenName;
use crate::store::StoredIm;
use crate::text::html;

/// 04/01 subcode (TLV 0x0008) for "the offline recipient's inbox is full", as Open OSCAR Server
/// sends it with code 0x04 (§7.4).
pub const OFFLINE_INBOX_FULL: u16 = 0x000F;

/// The 04/01 error for an offline recipient whose stored IMs are at a limit.
fn inbox_full() -> SnacError {
    SnacError {
        code: SnacErrorCode::NotLoggedOn,
        tlvs: TlvBlock::new().with_u16(0x0008, OFFLINE_INBOX_FULL),
    }
}

/// How many IMs and how many bytes of their TLVs an account has stored.
fn offline_usage(offline: &[StoredIm]) -> (usize, usize) {
    (offline.len(), offline.iter().map(|m| tlv_bytes(&m.tlvs)).sum())
}

/// Whether `offline` has room for one more IM with `tlvs` under both per-account limits.
fn offline_has_room(offline: &[StoredIm], tlvs: &TlvBlock) -> bool {
    let (count, bytes) = offline_usage(offline);
    count < MAX_OFFLINE_IMS && bytes + tlv_bytes(tlvs) <= MAX_OFFLINE_BYTES
}

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
        let st = self.account_state(w, name);
        if st.data.offline.is_empty() {
            return Vec::new();
        }
        let stored = std::mem::take(&mut Arc::make_mut(&mut st.data).offline);
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
    /// recipient exists but is offline and their stored IMs are within
    /// [`MAX_OFFLINE_IMS`] and [`MAX_OFFLINE_BYTES`].
    pub fn send_im(&self, id: u64, im: &SendIm) -> Result<ImOutcome, SnacError> {
        let to = ScreenName::from_wire(&im.recipient);
        let now = self.state.now();
        let mut w = self.lock();
        let refuse = |code| Err(SnacError::new(code));
        let Some(from) = self.session_account(&w, id) else {
            return refuse(SnacErrorCode::NotLoggedOn);
        };
        let Some(account) = self.state.config.accounts.get(to.normalized()) else {
            return refuse(SnacErrorCode::NotLoggedOn);
        };
        // Either side's privacy settings: as Open OSCAR Server, "not logged on", never stored.
        if self.blocked_between(&w, &from, &to) {
            return refuse(SnacErrorCode::NotLoggedOn);
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
                Some(Err(_)) => return refuse(SnacErrorCode::BustedPayload),
                None => return Ok(ImOutcome::Delivered),
            };
            if let Some(bot) = w.bots.get(&account.screen_name) {
                if bot.try_send(BotJob { from: from.clone(), text, room: None }).is_err() {
                    return refuse(SnacErrorCode::QueueFull);
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
            return refuse(SnacErrorCode::NotLoggedOn);
        }
        let st = self.account_state(&mut w, &account.screen_name);
        if !offline_has_room(&st.data.offline, &relayed.tlvs) {
            tracing::info!(
                "{from}: IM to offline {} refused, their offline inbox is full ({} IMs)",
                account.screen_name,
                st.data.offline.len()
            );
            return Err(inbox_full());
        }
        Arc::make_mut(&mut st.data).offline.push(StoredIm {
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
            // Within both limits, counting what is already stored; the oldest are kept.
            let (mut count, mut bytes) = offline_usage(&st.data.offline);
            let fits = stored
                .iter()
                .take_while(|m| {
                    let (c, b) = (count + 1, bytes + tlv_bytes(&m.tlvs));
                    let ok = c <= MAX_OFFLINE_IMS && b <= MAX_OFFLINE_BYTES;
                    if ok {
                        (count, bytes) = (c, b);
                    }
                    ok
                })
                .count();
            if stored.len() > fits {
                tracing::warn!(
                    "{account}: offline store full, {} IM(s) dropped",
                    stored.len() - fits
                );
                stored.truncate(fits);
            }
            kept += stored.len();
            // They were queued before anything stored since (which only arrived once this
            // session stopped taking frames), so they go first.
            Arc::make_mut(&mut st.data).offline.splice(0..0, stored);
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
    use std::time::Duration;

    use super::*;
    use crate::bos::Kill;
    use crate::oscar::codes::TypingEvent;
    use crate::oscar::ImMessage;
    use crate::{Accounts, Counters, ServerConfig, ServerState};

    const ACCOUNTS: &str = "[[account]]\nscreen_name='Alice'\npassword='a'\n\
                            [[account]]\nscreen_name='Bob'\npassword='b'\n\
                            [[account]]\nscreen_name='Carol'\npassword='c'\n";

    fn hub_with(persister: Option<crate::store::Persister>) -> Arc<Hub> {
        let config = ServerConfig::for_tests(Accounts::from_toml(ACCOUNTS).unwrap());
        let addr = config.bos_listen;
        Hub::new(Arc::new(ServerState::new(config, addr)), HashMap::new(), persister)
    }

    /// Registers `name` and sends 01/02, as a sign-on does.
    fn sign_on(hub: &Hub, name: &str) -> crate::bos::Registration {
        let account = hub.state().config.accounts.get(name).unwrap().clone();
        let reg = hub.register(&account, hub.state().config.bos_listen, name.as_bytes(), false);
        hub.client_ready(reg.id);
        reg
    }

    fn im_to(to: &str, n: u16, text: &str) -> SendIm {
        let cookie = [n.to_be_bytes()[0], n.to_be_bytes()[1], 0, 0, 0, 0, 0, 0];
        SendIm::new(cookie, to, &ImMessage::new(text), true).unwrap()
    }

    #[test]
    fn a_full_offline_inbox_is_refused_with_open_oscar_servers_code() {
        // By count: 500 small IMs are stored, the next is refused with 04/01 0x04 + 0x000F,
        // which the client reports as "offline inbox full".
        let hub = hub_with(None);
        let a = sign_on(&hub, "alice");
        for n in 0..MAX_OFFLINE_IMS as u16 {
            assert_eq!(hub.send_im(a.id, &im_to("Bob", n, "hi")), Ok(ImOutcome::Stored));
        }
        let refused = hub.send_im(a.id, &im_to("Bob", 999, "one too many")).unwrap_err();
        assert_eq!(refused.code, SnacErrorCode::NotLoggedOn);
        assert_eq!(refused.subcode(), Some(OFFLINE_INBOX_FULL));
        // By bytes: long IMs fill Carol's inbox well before 500 of them.
        let long = "x".repeat(7900);
        let mut stored = 0;
        let refused = loop {
            match hub.send_im(a.id, &im_to("Carol", stored, &long)) {
                Ok(ImOutcome::Stored) => stored += 1,
                other => break other.unwrap_err(),
            }
        };
        assert_eq!(refused.subcode(), Some(OFFLINE_INBOX_FULL));
        // 512 KiB of ~7.9 kB IMs.
        assert!((60..=70).contains(&stored), "{stored}");
    }

    #[test]
    fn a_stalled_disk_write_holds_up_nobody_and_the_queue_stays_bounded() {
        use std::sync::mpsc;
        // The writer blocks inside its first write until released.
        let (entered_tx, entered) = mpsc::channel::<String>();
        let (release, released) = mpsc::channel::<()>();
        let written = Arc::new(std::sync::Mutex::new(Vec::<(String, String)>::new()));
        let log = Arc::clone(&written);
        let mut first = true;
        let persister = crate::store::Persister::with_writer(
            "gated".into(),
            Box::new(move |name, text| {
                if std::mem::take(&mut first) {
                    let _ = entered_tx.send(name.to_string());
                    let _ = released.recv();
                }
                log.lock().unwrap().push((name.to_string(), text.to_string()));
                Ok(())
            }),
        );
        let hub = hub_with(Some(persister));
        let a = sign_on(&hub, "alice");
        assert_eq!(hub.send_im(a.id, &im_to("Bob", 0, "first")), Ok(ImOutcome::Stored));
        assert_eq!(entered.recv_timeout(Duration::from_secs(10)).unwrap(), "bob.json");
        // The disk is stuck. Alice pads Bob's inbox; Carol signs on and IMs Alice meanwhile.
        let worker = {
            let hub = Arc::clone(&hub);
            std::thread::spawn(move || {
                for n in 1..300 {
                    hub.send_im(a.id, &im_to("Bob", n, "padding")).unwrap();
                }
                let c = sign_on(&hub, "carol");
                let outcome = hub.send_im(c.id, &im_to("Alice", 7, "are you there?"));
                let queued = hub.persister.as_ref().unwrap().queued();
                (outcome, queued, a)
            })
        };
        let (done_tx, done) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = done_tx.send(worker.join());
        });
        let (outcome, queued, mut a) = done
            .recv_timeout(Duration::from_secs(30))
            .expect("sign-on and IMs must not wait for the disk")
            .unwrap();
        assert_eq!(outcome, Ok(ImOutcome::Delivered));
        let mut to_alice = Vec::new();
        while let Ok(out) = a.outbound.try_recv() {
            to_alice.extend(out.into_incoming_im());
        }
        assert_eq!(to_alice.len(), 1);
        assert_eq!(to_alice[0].sender.screen_name, "Carol");
        // 299 more saves of Bob's file: one queued snapshot, the newest.
        assert_eq!(queued, 1);
        release.send(()).unwrap();
        hub.finish_persisting();
        let written = written.lock().unwrap();
        let (last_name, last) = written.last().unwrap();
        assert_eq!(last_name, "bob.json");
        let (_, data) = crate::store::from_json(last).unwrap();
        assert_eq!(data.offline.len(), 300);
        assert!(written.len() <= 3, "{} writes for two changed accounts", written.len());
    }

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
