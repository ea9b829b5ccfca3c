//! The session registry: BOS sessions coming and going, their outbound queues and kill signals.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;

use tokio::sync::{mpsc, watch};

use super::presence::departed;
use super::{now_u32, Disconnect, Hub, Kill, SessionEntry, World};
use crate::bos::outbound::OutSnac;
use crate::bos::services::Service;
use crate::oscar::codes::DisconnectReason;
use crate::oscar::userinfo::UserInfo;
use crate::oscar::SnacBody;
use crate::screenname::ScreenName;
use crate::Account;

/// BOS sessions one account may hold; a sign-on past it closes the account's oldest session
/// (as "signed on elsewhere"), so a leaked password cannot pile up connections and the owner
/// is never refused (docs/protocol.md §14).
pub const MAX_SESSIONS_PER_ACCOUNT: usize = 8;

/// The pieces of a session handed to its connection task by [`Hub::register`].
#[derive(Debug)]
pub struct Registration {
    /// The session id used in every later hub call.
    pub id: u64,
    /// SNACs other sessions (and the hub) queue for this connection, typed until it writes
    /// them.
    pub outbound: mpsc::Receiver<OutSnac>,
    /// Turns `Some` when the session must end.
    pub kill: watch::Receiver<Option<Kill>>,
}

impl Hub {
    /// Marks a cookie issued by BUCP to a client that asked for a single session (TLV 0x004A = 3).
    pub fn mark_single_session(&self, cookie: &[u8]) {
        let now = self.state.now();
        let mut w = self.lock();
        // Cookies expire unredeemed; forget their marks with them.
        w.single_session_cookies.retain(|_, at| now - *at <= crate::cookies::COOKIE_LIFETIME);
        w.single_session_cookies.insert(cookie.to_vec(), now);
    }

    /// Adds a session for `account`; with `single`, every other session of the account is sent
    /// a channel-4 close with reason 1 (signed on elsewhere) first.
    pub fn register(
        &self,
        account: &Account,
        peer: SocketAddr,
        cookie: &[u8],
        single: bool,
    ) -> Registration {
        let (id, entry, registration) = self.new_entry(account, peer, Service::Bos);
        let mut w = self.lock();
        let single = single || w.single_session_cookies.remove(cookie).is_some();
        if single {
            for s in w.sessions.values().filter(|s| s.account == account.screen_name) {
                tracing::info!(
                    "{}: single-session sign-on from {peer}, closing the session at {}",
                    account.screen_name,
                    s.peer
                );
                s.kill.send_replace(Some(Kill::SignOff(DisconnectReason::OtherLocation)));
            }
        }
        let mut live: Vec<u64> = w
            .sessions
            .iter()
            .filter(|(_, s)| s.account == account.screen_name && s.service == Service::Bos)
            .filter(|(_, s)| s.kill.borrow().is_none())
            .map(|(id, _)| *id)
            .collect();
        live.sort_unstable();
        let excess = (live.len() + 1).saturating_sub(MAX_SESSIONS_PER_ACCOUNT);
        for old in live.into_iter().take(excess) {
            if let Some(s) = w.sessions.get(&old) {
                tracing::info!(
                    "{}: more than {MAX_SESSIONS_PER_ACCOUNT} sessions, closing the oldest at {}",
                    account.screen_name,
                    s.peer
                );
                s.kill.send_replace(Some(Kill::SignOff(DisconnectReason::OtherLocation)));
            }
        }
        self.account_state(&mut w, &account.screen_name);
        w.sessions.insert(id, entry);
        registration
    }

    /// Adds a ChatNav or room connection of `account` (signed on with a 01/05 cookie). It
    /// never counts as being online: presence and IMs only know BOS sessions.
    pub fn register_service(
        &self,
        account: &Account,
        peer: SocketAddr,
        service: Service,
    ) -> Registration {
        let (id, entry, registration) = self.new_entry(account, peer, service);
        self.lock().sessions.insert(id, entry);
        registration
    }

    /// A fresh session id, its table entry (not yet signed on) and the connection task's end
    /// of its queue and kill switch.
    fn new_entry(
        &self,
        account: &Account,
        peer: SocketAddr,
        service: Service,
    ) -> (u64, SessionEntry, Registration) {
        let id = self.next_session_id.fetch_add(1, Ordering::Relaxed);
        let (tx, outbound) = mpsc::channel(self.queue_len);
        let (kill_tx, kill) = watch::channel(None);
        let entry = SessionEntry {
            account: account.screen_name.clone(),
            peer,
            tx,
            kill: kill_tx,
            ready: false,
            signon_at: now_u32(self.state.now()),
            wants_typing: false,
            temp_buddies: HashSet::new(),
            service,
        };
        (id, entry, Registration { id, outbound, kill })
    }

    /// Removes a session; if it was the account's last signed-on one, watchers get 03/0C.
    pub fn unregister(&self, id: u64) {
        let mut w = self.lock();
        let Some(entry) = w.sessions.remove(&id) else { return };
        if let Service::Chat(key) = &entry.service {
            self.leave_room(&mut w, id, &entry.account, key);
            return;
        }
        let still_online = w.sessions.values().any(|s| s.ready && s.account == entry.account);
        if entry.ready && !still_online {
            if let Some(st) = w.accounts.get_mut(&entry.account) {
                st.away = None;
                st.idle_since = None;
                st.status = 0;
            }
            let departed = departed(UserInfo::new(entry.account.as_str()));
            self.notify_watchers(&w, &entry.account, &departed);
        }
    }

    /// How many BOS sessions `name` has (signed on or still signing on).
    pub fn session_count(&self, name: &str) -> usize {
        let name = ScreenName::from_wire(name);
        let w = self.lock();
        w.sessions.values().filter(|s| s.account == name && s.service == Service::Bos).count()
    }

    /// Drops every room connection of `name` without a word (tests of rejoining); returns how
    /// many there were.
    pub fn cut_room_connections(&self, name: &str) -> usize {
        let name = ScreenName::from_wire(name);
        let w = self.lock();
        let mut n = 0;
        for s in w.sessions.values().filter(|s| s.account == name) {
            if matches!(s.service, Service::Chat(_)) {
                s.kill.send_replace(Some(Kill::Abrupt));
                n += 1;
            }
        }
        n
    }

    /// Ends every BOS session of `name`; returns how many there were.
    pub fn disconnect_user(&self, name: &str, how: Disconnect) -> usize {
        let name = ScreenName::from_wire(name);
        let kill = match how {
            Disconnect::Abrupt => Kill::Abrupt,
            Disconnect::Reason(r) => Kill::SignOff(r),
        };
        let w = self.lock();
        let mut n = 0;
        for s in w.sessions.values().filter(|s| s.account == name) {
            s.kill.send_replace(Some(kill));
            n += 1;
        }
        n
    }

    /// Queues a SNAC for one session and says whether it was queued; a full queue means the
    /// client is not reading, so it is dropped rather than allowed to hold anyone else up.
    pub(super) fn push(&self, w: &World, id: u64, frame: OutSnac) -> bool {
        let Some(s) = w.sessions.get(&id) else { return false };
        match s.tx.try_send(frame) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                tracing::warn!(
                    "{} at {}: outbound queue full, dropping the connection",
                    s.account,
                    s.peer
                );
                s.kill.send_replace(Some(Kill::Overflow));
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }

    /// Queues a server-initiated SNAC for every signed-on session of `name`; returns how many
    /// queued it (a session whose queue is full is being dropped and does not count).
    pub(super) fn push_account(&self, w: &World, name: &ScreenName, body: &SnacBody) -> usize {
        let ids: Vec<u64> = w
            .sessions
            .iter()
            .filter(|(_, s)| s.ready && &s.account == name)
            .map(|(id, _)| *id)
            .collect();
        let mut queued = 0;
        for id in ids {
            if self.push(w, id, self.server_snac(body)) {
                queued += 1;
            }
        }
        queued
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::{Accounts, ServerConfig, ServerState};

    #[test]
    fn a_sign_on_past_the_cap_closes_the_accounts_oldest_session() {
        let accounts = "[[account]]\nscreen_name='Alice'\npassword='a'\n\
                        [[account]]\nscreen_name='Bob'\npassword='b'\n";
        let config = ServerConfig::for_tests(Accounts::from_toml(accounts).unwrap());
        let addr = config.bos_listen;
        let hub = Hub::new(Arc::new(ServerState::new(config, addr)), Default::default(), None);
        let alice = hub.state().config.accounts.get("alice").unwrap().clone();
        let bob = hub.state().config.accounts.get("bob").unwrap().clone();
        let bobs = hub.register(&bob, addr, b"b", false);
        let regs: Vec<_> = (0..=MAX_SESSIONS_PER_ACCOUNT)
            .map(|_| hub.register(&alice, addr, b"c", false))
            .collect();
        assert_eq!(*regs[0].kill.borrow(), Some(Kill::SignOff(DisconnectReason::OtherLocation)));
        assert!(regs[1..].iter().all(|r| r.kill.borrow().is_none()));
        assert!(bobs.kill.borrow().is_none());
        // The closed session still counts until its task ends, but is not closed twice, and
        // the next sign-on closes the next oldest.
        let _ = hub.register(&alice, addr, b"c", false);
        assert_eq!(*regs[1].kill.borrow(), Some(Kill::SignOff(DisconnectReason::OtherLocation)));
        assert!(regs[2..].iter().all(|r| r.kill.borrow().is_none()));
    }
}
