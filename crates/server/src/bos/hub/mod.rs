//! The [`Hub`]: the BOS world behind one mutex, and the basics every part of it uses.
//!
//! Its `impl` is spread over one child module per job, each of which sees the private maps:
//! [`registry`] (sessions coming and going, their queues and kill signals), [`presence`] (who is
//! online, who watches whom, visibility, idle and status), [`icbm`] (IM routing and the offline
//! store), [`feedbag`] (buddy-list changes), [`locate`] (profiles and away messages) and [`bots`]
//! (the demo bot accounts' tasks).

mod bart;
mod bots;
mod chat;
mod feedbag;
mod icbm;
mod icq;
mod imrate;
mod locate;
mod odir;
mod presence;
mod privacy;
mod registry;
mod warning;

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::{mpsc, watch};

use super::feedbag::Feedbag;
use super::outbound::OutSnac;
use crate::oscar::codes::DisconnectReason;
use crate::oscar::locate::InfoText;
use crate::oscar::snac::SERVER_REQUEST_ID_BIT;
use crate::oscar::SnacBody;
use crate::screenname::ScreenName;
use crate::store::{AccountData, Persister};
use crate::ServerState;
use bots::BotJob;

pub use bart::{Uploaded, MAX_ICON_BYTES, MAX_STORED_BYTES};
pub(crate) use chat::{chat_rights, exchange_info};
pub use chat::{MAX_CONCURRENT_ROOMS, MAX_OCCUPANCY, MAX_ROOM_NAME};
pub use feedbag::FeedbagOp;
pub use icbm::ImOutcome;
pub use imrate::SharedLevel;
pub use odir::MAX_DIRECTORY_RESULTS;
pub use presence::STATUS_INVISIBLE;
pub use registry::Registration;
pub use warning::{tightened, WARNING_DECAY, WARNING_DECAY_SECS, WARN_ANONYMOUS, WARN_NAMED};

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
    tx: mpsc::Sender<OutSnac>,
    kill: watch::Sender<Option<Kill>>,
    ready: bool,
    signon_at: u32,
    wants_typing: bool,
    temp_buddies: HashSet<ScreenName>,
    /// What the connection is for (BOS, ChatNav, a room).
    service: crate::bos::services::Service,
}

/// What the server knows about one account beyond its stored data: profile, away, status.
#[derive(Debug, Clone, Default)]
struct AccountState {
    /// Shared with the store's queue: a save files an `Arc`, a change copies on write
    /// ([`Arc::make_mut`]) only while a save of the old state is still waiting.
    data: Arc<AccountData>,
    /// Profile and away message, bytes and MIME type exactly as set (§9.1).
    profile: Option<InfoText>,
    away: Option<InfoText>,
    caps: Vec<u8>,
    idle_since: Option<i64>,
    status: u32,
    /// Authorization requests and answers (13/19, 13/1B) owed to the account while it was
    /// offline, delivered at its next sign-on; kept in memory only.
    auth_notices: Vec<SnacBody>,
    /// Warning level and who may warn whom (§7.5); kept while the server runs.
    warn: warning::WarnState,
    /// The IM class's level, shared by the account's BOS sessions (§14).
    im_level: Option<imrate::SharedLevel>,
}

#[derive(Debug, Default)]
struct World {
    sessions: HashMap<u64, SessionEntry>,
    accounts: HashMap<ScreenName, AccountState>,
    bots: HashMap<ScreenName, mpsc::Sender<BotJob>>,
    /// BUCP cookies whose login asked for a single session, with when they were issued.
    single_session_cookies: HashMap<Vec<u8>, i64>,
    /// Chat rooms and the service cookies of 01/05.
    rooms: chat::Rooms,
    /// Buddy icons by hash (BART, §15).
    icons: bart::IconStore,
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
    /// Zero of [`Hub::now_ms`].
    epoch: std::time::Instant,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub").field("started_at", &self.started_at).finish_non_exhaustive()
    }
}

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
            world
                .accounts
                .insert(name, AccountState { data: Arc::new(data), ..AccountState::default() });
        }
        let hub = Hub {
            state,
            world: Mutex::new(World::default()),
            persister,
            next_request_id: AtomicU32::new(1),
            next_session_id: AtomicU64::new(1),
            started_at,
            queue_len,
            epoch: std::time::Instant::now(),
        };
        hub.open_public_rooms(&mut world);
        *hub.lock() = world;
        Arc::new(hub)
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

    /// A server-initiated SNAC carrying `body`, with a fresh request id.
    fn server_snac(&self, body: &SnacBody) -> OutSnac {
        OutSnac::new(body.clone(), self.server_request_id())
    }

    /// The account state, created (seeded feedbag, profile from the accounts file) on first use.
    fn account_state<'w>(&self, w: &'w mut World, name: &ScreenName) -> &'w mut AccountState {
        let account = self.state.config.accounts.get(name.normalized());
        let now = now_u32(self.state.now());
        let st = w.accounts.entry(name.clone()).or_insert_with(|| AccountState {
            data: Arc::new(AccountData {
                feedbag: Feedbag::seeded(account.map(|a| a.buddies.as_slice()).unwrap_or(&[]), now),
                offline: Vec::new(),
                authorized: Vec::new(),
            }),
            ..AccountState::default()
        });
        if st.profile.is_none() {
            st.profile = account.and_then(|a| a.profile.as_deref()).map(InfoText::from_text);
        }
        st
    }

    fn session_account(&self, w: &World, id: u64) -> Option<ScreenName> {
        w.sessions.get(&id).map(|s| s.account.clone())
    }

    fn save(&self, w: &World, name: &ScreenName) {
        if let (Some(p), Some(st)) = (&self.persister, w.accounts.get(name)) {
            p.save(name, &st.data);
        }
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

    /// Writes every queued save and stops the writer (blocking; called once at shutdown).
    pub fn finish_persisting(&self) {
        if let Some(p) = &self.persister {
            p.finish();
        }
    }
}
