//! The embedded server's BOS half: the listener, one task per connection, and the [`Hub`] that
//! knows who is online and routes presence and IMs between sessions.
//!
//! Layout: [`conn`] moves bytes (hello, cookie, frames in, batches of frames out, kill signals);
//! [`session`] turns each inbound SNAC into replies and hub calls, in order; the hub's world sits
//! behind one mutex that is only held for map updates and `try_send`s, never across an await.
//! Every session has a bounded outbound queue: a client that stops reading is dropped instead of
//! slowing anyone else down.

pub mod conn;
pub mod feedbag;
pub mod ratelimit;
pub mod session;

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use tokio::sync::{mpsc, watch};

use super::bot::BotBrain;
use super::store::{AccountData, Persister, StoredIm, MAX_OFFLINE_IMS};
use super::{Account, ServerState};
use crate::oscar::buddy::BuddyPresence;
use crate::oscar::codes::{DisconnectReason, FeedbagResult, SnacErrorCode, TypingEvent};
use crate::oscar::feedbag::FeedbagItem;
use crate::oscar::icbm::{self, IncomingIm, SendIm, Typing};
use crate::oscar::locate::{self, UserInfoReply};
use crate::oscar::snac::SERVER_REQUEST_ID_BIT;
use crate::oscar::userinfo::{class, tlv as ui, UserInfo};
use crate::oscar::{
    decode_snac_payload, snac_flap, Channel, ImMessage, OutFlap, SnacBody, TlvBlock,
};
use crate::screenname::ScreenName;
use crate::text::html;
use feedbag::Feedbag;

/// How a session is to be ended from outside its task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kill {
    /// Drop the TCP connection without a word (a crash, a network failure).
    Abrupt,
    /// Send a channel-4 close with TLV 0x0009 = this reason, then drop.
    SignOff(DisconnectReason),
    /// The session's outbound queue overflowed: it is not reading, drop it.
    Overflow,
}

/// How a test (or an admin) disconnects a user's BOS sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disconnect {
    /// Close the sockets abruptly, no channel-4 frame.
    Abrupt,
    /// Channel-4 close carrying this reason (e.g. `OtherLocation`, `AccountDeleted`).
    Reason(DisconnectReason),
}

/// One connected BOS session.
#[derive(Debug)]
struct SessionEntry {
    account: ScreenName,
    peer: SocketAddr,
    tx: mpsc::Sender<OutFlap>,
    kill: watch::Sender<Option<Kill>>,
    ready: bool,
    signon_at: u32,
    wants_typing: bool,
    temp_buddies: HashSet<ScreenName>,
}

/// What the server knows about one account beyond its stored data: profile, away, status.
#[derive(Debug, Clone, Default)]
struct AccountState {
    data: AccountData,
    profile: Option<String>,
    away: Option<String>,
    caps: Vec<u8>,
    idle_since: Option<i64>,
    status: u32,
}

#[derive(Debug, Default)]
struct World {
    sessions: HashMap<u64, SessionEntry>,
    accounts: HashMap<ScreenName, AccountState>,
    bots: HashMap<ScreenName, mpsc::Sender<BotJob>>,
    /// BUCP cookies whose login asked for a single session, with when they were issued.
    single_session_cookies: HashMap<Vec<u8>, i64>,
}

#[derive(Debug)]
struct BotJob {
    from: ScreenName,
    text: String,
}

/// The pieces of a session handed to its connection task by [`Hub::register`].
#[derive(Debug)]
pub struct Registration {
    /// The session id used in every later hub call.
    pub id: u64,
    /// Frames other sessions (and the hub) queue for this connection.
    pub outbound: mpsc::Receiver<OutFlap>,
    /// Turns `Some` when the session must end.
    pub kill: watch::Receiver<Option<Kill>>,
}

/// What happened to a 04/06.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImOutcome {
    /// Delivered to the recipient's sessions (or its bot).
    Delivered,
    /// Stored for an offline recipient.
    Stored,
}

/// The BOS world: sessions, per-account state, bots, persistence.
pub struct Hub {
    state: Arc<ServerState>,
    world: Mutex<World>,
    persister: Option<Persister>,
    next_request_id: AtomicU32,
    next_session_id: AtomicU64,
    started_at: u32,
    queue_len: usize,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub").field("started_at", &self.started_at).finish_non_exhaustive()
    }
}

/// Encodes a typed SNAC, logging (never panicking) if a body cannot be encoded.
pub fn flap(body: &SnacBody, request_id: u32) -> Option<OutFlap> {
    snac_flap(body, request_id)
        .map_err(|e| tracing::error!("cannot encode {:?}: {e}", body.id()))
        .ok()
}

/// 03/0B for one user.
fn arrived(info: UserInfo) -> SnacBody {
    SnacBody::BuddyArrived(BuddyPresence::one(info))
}

/// 03/0C for one user.
fn departed(info: UserInfo) -> SnacBody {
    SnacBody::BuddyDeparted(BuddyPresence::one(info))
}

/// The ICQ status bit (low word of TLV 0x0006) that hides a user from everyone.
pub const STATUS_INVISIBLE: u32 = 0x0100;

fn now_u32(now: i64) -> u32 {
    u32::try_from(now.max(0)).unwrap_or(u32::MAX)
}

impl Hub {
    /// Builds the hub from the server state and the account data loaded from disk (if any).
    pub fn new(
        state: Arc<ServerState>,
        loaded: HashMap<ScreenName, AccountData>,
        persister: Option<Persister>,
    ) -> Arc<Self> {
        let started_at = now_u32(state.now());
        let queue_len = state.config.outbound_queue.max(8);
        let mut world = World::default();
        for (name, data) in loaded {
            world.accounts.insert(name, AccountState { data, ..AccountState::default() });
        }
        Arc::new(Hub {
            state,
            world: Mutex::new(world),
            persister,
            next_request_id: AtomicU32::new(1),
            next_session_id: AtomicU64::new(1),
            started_at,
            queue_len,
        })
    }

    /// The shared server state.
    pub fn state(&self) -> &Arc<ServerState> {
        &self.state
    }

    fn lock(&self) -> MutexGuard<'_, World> {
        // A poisoned lock only means another task panicked mid-update; the maps stay usable.
        self.world.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A fresh request id for a server-initiated SNAC (bit 31 set, as AOL and OOS mark them).
    pub fn server_request_id(&self) -> u32 {
        SERVER_REQUEST_ID_BIT | (self.next_request_id.fetch_add(1, Ordering::Relaxed) & 0x7FFF_FFFF)
    }

    fn server_flap(&self, body: &SnacBody) -> Option<OutFlap> {
        flap(body, self.server_request_id())
    }

    /// Starts one task per bot account, each owning a brain from the configured factory.
    pub fn start_bots(self: &Arc<Self>) -> Vec<tokio::task::JoinHandle<()>> {
        let mut tasks = Vec::new();
        let bots: Vec<Account> =
            self.state.config.accounts.iter().filter(|a| a.bot).cloned().collect();
        for bot in bots {
            let (tx, rx) = mpsc::channel(64);
            let brain = self.state.config.bot_brain.as_ref().map(|f| f.make());
            self.lock().bots.insert(bot.screen_name.clone(), tx);
            tasks.push(tokio::spawn(run_bot(Arc::downgrade(self), bot.screen_name, brain, rx)));
        }
        tasks
    }

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
        let id = self.next_session_id.fetch_add(1, Ordering::Relaxed);
        let (tx, outbound) = mpsc::channel(self.queue_len);
        let (kill_tx, kill) = watch::channel(None);
        let now = self.state.now();
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
        self.account_state(&mut w, &account.screen_name);
        w.sessions.insert(
            id,
            SessionEntry {
                account: account.screen_name.clone(),
                peer,
                tx,
                kill: kill_tx,
                ready: false,
                signon_at: now_u32(now),
                wants_typing: false,
                temp_buddies: HashSet::new(),
            },
        );
        Registration { id, outbound, kill }
    }

    /// The account state, created (seeded feedbag, profile from the accounts file) on first use.
    fn account_state<'w>(&self, w: &'w mut World, name: &ScreenName) -> &'w mut AccountState {
        let account = self.state.config.accounts.get(name.normalized());
        let now = now_u32(self.state.now());
        let st = w.accounts.entry(name.clone()).or_insert_with(|| AccountState {
            data: AccountData {
                feedbag: Feedbag::seeded(account.map(|a| a.buddies.as_slice()).unwrap_or(&[]), now),
                offline: Vec::new(),
            },
            ..AccountState::default()
        });
        if st.profile.is_none() {
            st.profile = account.and_then(|a| a.profile.clone());
        }
        st
    }

    /// Removes a session; if it was the account's last signed-on one, watchers get 03/0C.
    pub fn unregister(&self, id: u64) {
        let mut w = self.lock();
        let Some(entry) = w.sessions.remove(&id) else { return };
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
        self.lock().sessions.values().filter(|s| s.account == name).count()
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

    fn is_bot(&self, name: &ScreenName) -> bool {
        self.state.config.accounts.get(name.normalized()).is_some_and(|a| a.bot)
    }

    fn is_online(&self, w: &World, name: &ScreenName) -> bool {
        self.is_bot(name) || w.sessions.values().any(|s| s.ready && &s.account == name)
    }

    /// The user-info block for `name` as others see it (class, times, idle, status, caps).
    fn user_info(&self, w: &World, name: &ScreenName) -> UserInfo {
        let account = self.state.config.accounts.get(name.normalized());
        let display = account
            .map_or_else(|| name.as_str().to_string(), |a| a.screen_name.as_str().to_string());
        let mut info = UserInfo::new(display);
        let st = w.accounts.get(name);
        let now = self.state.now();
        let mut flags = if name.is_uin() { class::ICQ | class::AIM } else { class::AIM };
        if account.is_some_and(|a| a.bot) {
            flags |= class::BOT;
        }
        if st.is_some_and(|s| s.away.as_deref().is_some_and(|a| !a.is_empty())) {
            flags |= class::AWAY;
        }
        info.set_class(u16::try_from(flags).unwrap_or(u16::MAX));
        let signon = w
            .sessions
            .values()
            .filter(|s| &s.account == name)
            .map(|s| s.signon_at)
            .min()
            .unwrap_or(self.started_at);
        info.set_u32(ui::SIGNON_TIME, signon);
        if let Some(since) = st.and_then(|s| s.idle_since) {
            let minutes = (now - since).max(0) / 60;
            info.set_idle_minutes(u16::try_from(minutes).unwrap_or(u16::MAX));
        }
        info.set_u32(ui::STATUS, st.map_or(0, |s| s.status));
        if name.is_uin() {
            // As OOS: ICQ users carry a zeroed direct-connect block some ICQ clients require.
            info.tlvs.set(ui::DC_INFO, vec![0u8; 37]);
        }
        if let Some(caps) = st.map(|s| &s.caps).filter(|c| !c.is_empty()) {
            info.tlvs.set(ui::CAPABILITIES, caps.clone());
        }
        info.set_u32(ui::ONLINE_TIME, now_u32(now).saturating_sub(signon));
        info
    }

    /// Queues a frame for one session and says whether it was queued; a full queue means the
    /// client is not reading, so it is dropped rather than allowed to hold anyone else up.
    fn push(&self, w: &World, id: u64, frame: OutFlap) -> bool {
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
    fn push_account(&self, w: &World, name: &ScreenName, body: &SnacBody) -> usize {
        let ids: Vec<u64> = w
            .sessions
            .iter()
            .filter(|(_, s)| s.ready && &s.account == name)
            .map(|(id, _)| *id)
            .collect();
        let mut queued = 0;
        for id in ids {
            if self.server_flap(body).is_some_and(|f| self.push(w, id, f)) {
                queued += 1;
            }
        }
        queued
    }

    /// Sends `body` to every signed-on session whose buddy list (or temporary buddies) names `who`.
    fn notify_watchers(&self, w: &World, who: &ScreenName, body: &SnacBody) {
        let watchers: Vec<u64> = w
            .sessions
            .iter()
            .filter(|(_, s)| {
                s.ready
                    && (s.temp_buddies.contains(who)
                        || w.accounts.get(&s.account).is_some_and(|a| a.data.feedbag.lists(who)))
            })
            .map(|(id, _)| *id)
            .collect();
        for id in watchers {
            if let Some(f) = self.server_flap(body) {
                self.push(w, id, f);
            }
        }
    }

    /// Whether others may see `who` online: signed on and not invisible (ICQ status 0x0100,
    /// which Open OSCAR Server honours for everyone).
    fn is_visible(&self, w: &World, who: &ScreenName) -> bool {
        self.is_online(w, who)
            && w.accounts.get(who).is_none_or(|a| a.status & STATUS_INVISIBLE == 0)
    }

    /// Re-announces `who` to its watchers after any change: 03/0B while visible, 03/0C once
    /// invisible; nothing while offline.
    fn announce(&self, w: &World, who: &ScreenName) {
        if self.is_visible(w, who) {
            self.notify_watchers(w, who, &arrived(self.user_info(w, who)));
        } else if self.is_online(w, who) {
            self.notify_watchers(w, who, &departed(UserInfo::new(self.display(who))));
        }
    }

    fn session_account(&self, w: &World, id: u64) -> Option<ScreenName> {
        w.sessions.get(&id).map(|s| s.account.clone())
    }

    fn save(&self, w: &World, name: &ScreenName) {
        if let (Some(p), Some(st)) = (&self.persister, w.accounts.get(name)) {
            p.save(name, &st.data);
        }
    }

    /// 01/02: the session is signed on. Watchers get 03/0B; the returned frames (for this
    /// session, in order) are 03/0B for each online buddy, then stored offline IMs.
    pub fn client_ready(&self, id: u64) -> Vec<SnacBody> {
        let mut w = self.lock();
        let Some(name) = self.session_account(&w, id) else { return Vec::new() };
        let was_online = self.is_online(&w, &name);
        if let Some(s) = w.sessions.get_mut(&id) {
            s.ready = true;
        }
        if !was_online && self.is_visible(&w, &name) {
            self.announce(&w, &name);
        }
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let buddies: Vec<ScreenName> =
            w.accounts.get(&name).map(|a| a.data.feedbag.buddies().collect()).unwrap_or_default();
        for b in buddies {
            if self.is_visible(&w, &b) && seen.insert(b.clone()) {
                out.push(arrived(self.user_info(&w, &b)));
            }
        }
        out.extend(self.take_offline(&mut w, &name));
        out
    }

    /// 04/10: stored offline IMs for this session's account (then the caller sends 04/17).
    pub fn offline_retrieve(&self, id: u64) -> Vec<SnacBody> {
        let mut w = self.lock();
        match self.session_account(&w, id) {
            Some(name) => self.take_offline(&mut w, &name),
            None => Vec::new(),
        }
    }

    fn take_offline(&self, w: &mut World, name: &ScreenName) -> Vec<SnacBody> {
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

    /// This session's own user info (01/0F).
    pub fn self_info(&self, id: u64) -> Option<UserInfo> {
        let w = self.lock();
        let name = self.session_account(&w, id)?;
        Some(self.user_info(&w, &name))
    }

    /// A copy of the account's feedbag (13/04, 13/05).
    pub fn feedbag(&self, id: u64) -> Feedbag {
        let mut w = self.lock();
        match self.session_account(&w, id) {
            Some(name) => self.account_state(&mut w, &name).data.feedbag.clone(),
            None => Feedbag::default(),
        }
    }

    /// 13/08–13/0A: applies a change, persists it, and returns the per-item results plus 03/0B
    /// for buddies that were just added and are online.
    pub fn feedbag_change(
        &self,
        id: u64,
        op: FeedbagOp,
        items: &[FeedbagItem],
    ) -> (Vec<FeedbagResult>, Vec<SnacBody>) {
        let now = now_u32(self.state.now());
        let mut w = self.lock();
        let Some(name) = self.session_account(&w, id) else { return (Vec::new(), Vec::new()) };
        let bag = &mut self.account_state(&mut w, &name).data.feedbag;
        let before: HashSet<ScreenName> = bag.buddies().collect();
        let results = match op {
            FeedbagOp::Insert => bag.insert(items, now),
            FeedbagOp::Update => bag.update(items, now),
            FeedbagOp::Delete => bag.delete(items, now),
        };
        let added: Vec<ScreenName> = bag.buddies().filter(|b| !before.contains(b)).collect();
        if results.contains(&FeedbagResult::Ok) {
            self.save(&w, &name);
        }
        let mut arrivals = Vec::new();
        let mut seen = HashSet::new();
        for b in added {
            if self.is_visible(&w, &b) && seen.insert(b.clone()) {
                arrivals.push(arrived(self.user_info(&w, &b)));
            }
        }
        (results, arrivals)
    }

    /// 03/04 / 03/05: temporary buddies watched by this session only.
    pub fn temp_buddies(&self, id: u64, names: Vec<ScreenName>, add: bool) -> Vec<SnacBody> {
        let mut w = self.lock();
        let Some(s) = w.sessions.get_mut(&id) else { return Vec::new() };
        let mut new = Vec::new();
        for n in names {
            if add {
                if s.temp_buddies.insert(n.clone()) {
                    new.push(n);
                }
            } else {
                s.temp_buddies.remove(&n);
            }
        }
        new.into_iter()
            .filter(|n| self.is_visible(&w, n))
            .map(|n| arrived(self.user_info(&w, &n)))
            .collect()
    }

    /// 02/04: stores profile, away message and capabilities; watchers see away/caps changes.
    pub fn set_info(
        &self,
        id: u64,
        profile: Option<String>,
        away: Option<String>,
        caps: Option<Vec<u8>>,
    ) {
        let mut w = self.lock();
        let Some(name) = self.session_account(&w, id) else { return };
        let st = self.account_state(&mut w, &name);
        let visible_change = away.is_some() || caps.is_some();
        if let Some(p) = profile {
            st.profile = Some(p);
        }
        if let Some(a) = away {
            st.away = if a.is_empty() { None } else { Some(a) };
        }
        if let Some(c) = caps {
            st.caps = c;
        }
        if visible_change {
            self.announce_if_ready(&w, id, &name);
        }
    }

    fn announce_if_ready(&self, w: &World, id: u64, name: &ScreenName) {
        if w.sessions.get(&id).is_some_and(|s| s.ready) {
            self.announce(w, name);
        }
    }

    /// 01/11: idle for `seconds` (0 = active again).
    pub fn set_idle(&self, id: u64, seconds: u32) {
        let now = self.state.now();
        let mut w = self.lock();
        let Some(name) = self.session_account(&w, id) else { return };
        self.account_state(&mut w, &name).idle_since =
            (seconds > 0).then(|| now.saturating_sub(i64::from(seconds)));
        self.announce_if_ready(&w, id, &name);
    }

    /// 01/1E: new status word; returns the updated self info for 01/0F.
    pub fn set_status(&self, id: u64, status: Option<u32>) -> Option<UserInfo> {
        let mut w = self.lock();
        let name = self.session_account(&w, id)?;
        if let Some(s) = status {
            self.account_state(&mut w, &name).status = s;
            self.announce_if_ready(&w, id, &name);
        }
        Some(self.user_info(&w, &name))
    }

    /// 04/02: whether this session wants typing events (flag 0x08).
    pub fn set_icbm_flags(&self, id: u64, flags: u32) {
        if let Some(s) = self.lock().sessions.get_mut(&id) {
            s.wants_typing = flags & 0x08 != 0;
        }
    }

    /// 02/05 / 02/15: `who`'s info with profile (flag 1), away message (2), capabilities (4).
    pub fn locate(&self, who: &str, flags: u32) -> Result<UserInfoReply, SnacErrorCode> {
        let who = ScreenName::from_wire(who);
        let w = self.lock();
        if !self.is_visible(&w, &who) {
            return Err(SnacErrorCode::NotLoggedOn);
        }
        let info = self.user_info(&w, &who);
        let st = w.accounts.get(&who);
        let profile = st.and_then(|s| s.profile.clone()).or_else(|| {
            self.state.config.accounts.get(who.normalized()).and_then(|a| a.profile.clone())
        });
        let mime = b"text/aolrtf; charset=\"us-ascii\"".to_vec();
        let mut tlvs = TlvBlock::new();
        if flags & 0x1 != 0 {
            tlvs.push(locate::tlv::PROFILE_MIME, mime.clone());
            tlvs.push(locate::tlv::PROFILE, profile.unwrap_or_default().into_bytes());
        }
        if flags & 0x2 != 0 {
            if let Some(away) = st.and_then(|s| s.away.clone()) {
                tlvs.push(locate::tlv::AWAY_MIME, mime);
                tlvs.push(locate::tlv::AWAY_MESSAGE, away.into_bytes());
            }
        }
        if flags & 0x4 != 0 {
            tlvs.push(locate::tlv::CAPABILITIES, st.map(|s| s.caps.clone()).unwrap_or_default());
        }
        Ok(UserInfoReply { info, tlvs })
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
                if bot.try_send(BotJob { from: from.clone(), text }).is_err() {
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

    /// Frames that were queued for a session of `account` that ended before writing them: the
    /// IMs among them (04/07) go to the account's other signed-on sessions, or are stored as
    /// offline messages, so an IM acknowledged to its sender does not vanish with the
    /// recipient's connection. Everything else is dropped. Returns how many IMs were kept.
    pub fn rescue_undelivered(&self, account: &ScreenName, frames: Vec<OutFlap>) -> usize {
        let ims: Vec<IncomingIm> = frames
            .into_iter()
            .filter(|f| f.channel == Channel::Data)
            .filter_map(|f| match decode_snac_payload(&f.payload) {
                Ok((_, SnacBody::IncomingIm(im))) => Some(im),
                _ => None,
            })
            .collect();
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
        let body = SnacBody::Typing(Typing { screen_name: self.display(&from), ..t.clone() });
        self.push_account(&w, &to, &body);
    }

    fn display(&self, name: &ScreenName) -> String {
        self.state
            .config
            .accounts
            .get(name.normalized())
            .map_or_else(|| name.as_str().to_string(), |a| a.screen_name.as_str().to_string())
    }

    /// Counts a rate warning sent to `name` (tests read it per account).
    pub fn count_rate_warning(&self, name: &ScreenName) {
        self.state.counters.note_rate_warning(name);
    }

    /// Queues a SNAC from a bot to every signed-on session of `to`.
    fn bot_deliver(&self, to: &ScreenName, body: SnacBody) {
        let w = self.lock();
        self.push_account(&w, to, &body);
    }

    fn bot_info(&self, bot: &ScreenName) -> UserInfo {
        let w = self.lock();
        self.user_info(&w, bot)
    }
}

/// Which feedbag change a 13/08–13/0A asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedbagOp {
    /// 13/08.
    Insert,
    /// 13/09.
    Update,
    /// 13/0A.
    Delete,
}

async fn run_bot(
    hub: Weak<Hub>,
    bot: ScreenName,
    mut brain: Option<Box<dyn BotBrain>>,
    mut rx: mpsc::Receiver<BotJob>,
) {
    while let Some(job) = rx.recv().await {
        let Some(brain) = brain.as_mut() else {
            tracing::info!("{bot}: no bot brain configured, IM from {} left unanswered", job.from);
            continue;
        };
        let Some(reply) = brain.reply(job.from.as_str(), &job.text) else { continue };
        let Some(h) = hub.upgrade() else { return };
        let display = h.display(&bot);
        h.bot_deliver(
            &job.from,
            SnacBody::Typing(Typing::new(display.clone(), TypingEvent::Typing)),
        );
        drop(h);
        tokio::time::sleep(reply.typing_delay).await;
        let Some(h) = hub.upgrade() else { return };
        h.bot_deliver(&job.from, SnacBody::Typing(Typing::new(display, TypingEvent::Finished)));
        let message = ImMessage::new(&html::from_plain(&reply.text));
        let tlvs = match message.to_bytes() {
            Ok(data) => TlvBlock::new().with(icbm::tlv::MESSAGE_DATA, data),
            Err(e) => {
                tracing::error!("{bot}: reply cannot be encoded: {e}");
                continue;
            }
        };
        let im = IncomingIm {
            cookie: rand::random(),
            channel: icbm::CHANNEL_IM,
            sender: h.bot_info(&bot),
            tlvs,
        };
        h.bot_deliver(&job.from, SnacBody::IncomingIm(im));
    }
}

/// Accepts BOS connections until `shutdown`, one task each; waits for them on the way out.
pub async fn serve(
    listener: tokio::net::TcpListener,
    hub: Arc<Hub>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut tasks = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    tasks.spawn(conn::accept(stream, peer, Arc::clone(&hub), tls.clone(), shutdown.clone()));
                }
                Err(e) => {
                    tracing::warn!("BOS accept failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            },
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    break;
                }
            }
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
        }
    }
    while tasks.join_next().await.is_some() {}
}

impl Hub {
    /// Writes every queued save and stops the writer (blocking; called once at shutdown).
    pub fn finish_persisting(&self) {
        if let Some(p) = &self.persister {
            p.finish();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Accounts, Counters, ServerConfig};

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
        let typing = flap(&SnacBody::Typing(Typing::new("Alice", TypingEvent::Typing)), 1);
        assert_eq!(hub.rescue_undelivered(&bob.screen_name, typing.into_iter().collect()), 0);
    }
}
