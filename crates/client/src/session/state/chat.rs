//! Chat rooms seen from the BOS connection (docs/protocol.md §13): which rooms the user wants
//! to be in, the 01/04 requests for ChatNav and room connections and their 01/05 answers, and
//! invitations on ICBM channel 2. The connections themselves are [`ServiceConnection`]s the
//! actor runs; this core tells it what to open, send and close ([`ServiceOrder`]) and hears
//! back what they found and when they closed.
//!
//! A room whose reference is known (from ChatNav, an invitation, or an earlier join) is joined
//! with one 01/04 and one round trip on the new connection. A room connection that drops is
//! joined again the same way; after a BOS reconnect every wanted room is.
//!
//! [`ServiceConnection`]: crate::session::room::ServiceConnection

use super::*;
use crate::auth::SecretBytes;
use crate::oscar::chat::{RoomInfo, RoomRef, EXCHANGE_PUBLIC, EXCHANGE_USER};
use crate::oscar::icbm::{ChatInvitation, CHANNEL_RENDEZVOUS};
use crate::oscar::oservice::{ServiceRedirect, ServiceRequest};
use crate::session::api::{RoomEvent, RoomInvitation};
use crate::session::room::ServiceKind;

/// Joins of one room that fail in a row before it is given up.
const MAX_JOIN_ATTEMPTS: u32 = 3;
/// How long a joined room must stay open for its next close not to count as a failed join.
const STABLE_ROOM_MS: u64 = 60_000;

/// What the actor must do with service connections (not `Clone`: `Open` carries a cookie).
#[derive(Debug, PartialEq, Eq)]
pub enum ServiceOrder {
    /// Connect to `host` and sign on with `cookie` for `kind` (the room named `name`).
    Open {
        /// ChatNav or the room.
        kind: ServiceKind,
        /// The room's key (lowercased name; empty for ChatNav).
        key: String,
        /// The room's name as the user knows it.
        name: String,
        /// `host[:port]` from 01/05.
        host: String,
        /// The cookie from 01/05 (a secret: `Debug` shows it redacted).
        cookie: SecretBytes,
    },
    /// Ask ChatNav for a room by name on an exchange.
    FindRoom {
        /// The exchange to look on.
        exchange: u16,
        /// The name.
        name: String,
    },
    /// Say `text` in the room `key`.
    Send {
        /// The room's key.
        key: String,
        /// Plain text.
        text: String,
    },
    /// Leave the room `key` (close its connection).
    Leave {
        /// The room's key.
        key: String,
    },
    /// Look the icon `id` up in the disk cache and answer with
    /// [`SessionState::icon_lookup`].
    LookUpIcon {
        /// The icon.
        id: crate::oscar::bart::BartId,
    },
    /// BART: download `name`'s items `ids` (10/06).
    FetchIcons {
        /// Whose.
        name: String,
        /// Which.
        ids: Vec<crate::oscar::bart::BartId>,
    },
    /// BART: upload our icon (10/02); answer with [`SessionState::icon_uploaded`].
    UploadIcon(bytes::Bytes),
    /// Directory: search (0F/02 on the directory connection).
    SearchDirectory(crate::oscar::odir::DirectoryQuery),
    /// Directory: ask for the interest keywords (0F/04 on the directory connection).
    DirectoryKeywords,
    /// Store a checked icon in the disk cache under its hash.
    StoreIcon {
        /// The hash (the MD5 of `data`).
        hash: bytes::Bytes,
        /// The image file.
        data: bytes::Bytes,
    },
}

/// Where a wanted room stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for ChatNav to give its reference (asked on this exchange).
    Finding(u16),
    /// 01/04 sent (or to be sent once BOS is up).
    Redirecting,
    /// The actor is connecting and signing on.
    Connecting,
    /// In the room.
    Joined,
}

/// A room the user wants to be in.
#[derive(Debug, Clone)]
pub(super) struct WantedRoom {
    name: String,
    reference: Option<RoomRef>,
    phase: Phase,
    /// Joins that failed in a row (a room that closes soon after joining counts too).
    failures: u32,
    /// When the room was last joined.
    joined_at: Option<u64>,
}

/// The ChatNav connection's state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) enum NavPhase {
    /// Not asked for.
    #[default]
    None,
    /// 01/04 sent, or the connection is being opened.
    Requested,
    /// Open: finds go straight to it.
    Open,
}

/// Rooms are named without regard to case.
fn key_of(name: &str) -> String {
    name.trim().to_lowercase()
}

/// The room's name from OOS's cookie shape `exchange-instance-name`, else the whole cookie.
fn name_from_cookie(cookie: &str) -> String {
    let mut parts = cookie.splitn(3, '-');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(e), Some(i), Some(name))
            if e.parse::<u16>().is_ok() && i.parse::<u16>().is_ok() && !name.is_empty() =>
        {
            name.to_string()
        }
        _ => cookie.to_string(),
    }
}

impl SessionState {
    fn room_event(&mut self, event: RoomEvent) {
        self.emit(Event::Room(event));
    }

    pub(super) fn order(&mut self, order: ServiceOrder) {
        self.out.services.push(order);
    }

    /// Commands about rooms.
    pub(super) fn room_command(&mut self, now: u64, command: Command) {
        match command {
            Command::JoinRoom { name } => self.join_room(name.trim(), None),
            Command::AcceptInvitation(inv) => self.join_room(&inv.room, Some(inv.reference)),
            Command::DeclineInvitation(inv) => {
                match ChatInvitation::decline(inv.cookie, inv.from.as_str()) {
                    Ok(im) => self.enqueue(SnacBody::SendIm(im), Tag::Plain),
                    Err(e) => tracing::info!("cannot encode a decline: {e}"),
                }
            }
            Command::LeaveRoom { room } => {
                let key = key_of(&room);
                match self.rooms.remove(&key) {
                    Some(r) => {
                        self.order(ServiceOrder::Leave { key });
                        self.room_event(RoomEvent::Left { room: r.name });
                    }
                    None => self.room_event(RoomEvent::NotInRoom { room }),
                }
            }
            Command::SendRoom { room, text } => {
                let key = key_of(&room);
                if self.rooms.get(&key).is_some_and(|r| r.phase == Phase::Joined) {
                    self.order(ServiceOrder::Send { key, text });
                } else {
                    self.room_event(RoomEvent::NotInRoom { room });
                }
            }
            Command::Invite { room, to, message } => {
                let reference = self.rooms.get(&key_of(&room)).and_then(|r| r.reference.clone());
                let Some(reference) = reference else {
                    self.room_event(RoomEvent::NotInRoom { room });
                    return;
                };
                let invitation =
                    ChatInvitation { cookie: self.rng.random(), room: reference, message };
                match invitation.send_im(to.as_str()) {
                    Ok(im) => self.enqueue(SnacBody::SendIm(im), Tag::Plain),
                    Err(e) => tracing::info!("cannot encode an invitation: {e}"),
                }
            }
            other => tracing::debug!("not a room command: {other:?}"),
        }
        self.flush(now);
    }

    fn join_room(&mut self, name: &str, reference: Option<RoomRef>) {
        let key = key_of(name);
        // A NUL never names a room; keys holding one are the other services' (BART).
        if key.is_empty() || key.contains('\0') || self.rooms.contains_key(&key) {
            return;
        }
        let phase =
            if reference.is_some() { Phase::Redirecting } else { Phase::Finding(EXCHANGE_PUBLIC) };
        let room = WantedRoom {
            name: name.trim().to_string(),
            reference,
            phase,
            failures: 0,
            joined_at: None,
        };
        self.rooms.insert(key.clone(), room);
        self.advance_room(&key);
    }

    /// Takes the next step for a room: ask ChatNav, or ask BOS for a room connection.
    fn advance_room(&mut self, key: &str) {
        let Some(room) = self.rooms.get(key).cloned() else { return };
        match (room.phase, room.reference) {
            (Phase::Finding(exchange), _) => match self.nav {
                NavPhase::Open => self.order(ServiceOrder::FindRoom { exchange, name: room.name }),
                NavPhase::Requested => {}
                NavPhase::None => {
                    if self.connected {
                        self.nav = NavPhase::Requested;
                        let req = ServiceRequest::new(oscar::chatnav::FAMILY);
                        self.enqueue(SnacBody::ServiceRequest(req), Tag::Service(String::new()));
                    }
                }
            },
            (Phase::Redirecting, Some(reference)) if self.connected => {
                match ServiceRequest::chat(&reference) {
                    Ok(req) => {
                        self.enqueue(SnacBody::ServiceRequest(req), Tag::Service(key.to_string()))
                    }
                    Err(e) => {
                        tracing::info!("room reference cannot be encoded: {e}");
                        self.rooms.remove(key);
                        self.room_event(RoomEvent::JoinFailed { room: room.name, code: None });
                    }
                }
            }
            _ => {}
        }
    }

    /// 01/05: where to connect for the service a 01/04 of ours asked for.
    pub(super) fn service_redirect(&mut self, header: &SnacHeader, r: &ServiceRedirect) {
        let Some(Tag::Service(key)) = self.in_flight.remove(&header.request_id) else {
            tracing::info!("ignoring a service redirect nobody asked for");
            return;
        };
        let cookie = r.cookie().map(|c| SecretBytes::new(c.to_vec()));
        let (Some(host), Some(cookie)) = (r.host(), cookie) else {
            tracing::info!("a service redirect without host or cookie");
            self.service_refused(&key, None);
            return;
        };
        if key == super::icons::BART_KEY {
            if r.family() != Some(oscar::bart::FAMILY) {
                self.service_refused(&key, None);
                return;
            }
            let name = "BART".to_string();
            self.order(ServiceOrder::Open { kind: ServiceKind::Bart, key, name, host, cookie });
            return;
        }
        if key == super::odir::DIRECTORY_KEY {
            if r.family() != Some(oscar::odir::FAMILY) {
                self.service_refused(&key, None);
                return;
            }
            let name = "directory".to_string();
            let kind = ServiceKind::Directory;
            self.order(ServiceOrder::Open { kind, key, name, host, cookie });
            return;
        }
        if key.is_empty() {
            if r.family() != Some(oscar::chatnav::FAMILY) {
                self.service_refused(&key, None);
                return;
            }
            self.order(ServiceOrder::Open {
                kind: ServiceKind::ChatNav,
                key,
                name: String::new(),
                host,
                cookie,
            });
            return;
        }
        let Some(room) = self.rooms.get_mut(&key) else { return };
        let Some(reference) = room.reference.clone() else { return };
        if r.family() != Some(oscar::chat::FAMILY) {
            self.service_refused(&key, None);
            return;
        }
        room.phase = Phase::Connecting;
        let name = room.name.clone();
        self.order(ServiceOrder::Open {
            kind: ServiceKind::Room(reference),
            key,
            name,
            host,
            cookie,
        });
    }

    /// A 01/04 of ours was refused (01/01) or its 01/05 made no sense.
    pub(super) fn service_refused(&mut self, key: &str, code: Option<u16>) {
        if key == super::icons::BART_KEY {
            tracing::info!("no BART service ({code:?}): icons are not fetched or set");
            self.bart_closed();
            return;
        }
        if key == super::odir::DIRECTORY_KEY {
            self.directory_refused(code);
            return;
        }
        if key.is_empty() {
            self.nav = NavPhase::None;
            let finding: Vec<String> = self
                .rooms
                .iter()
                .filter(|(_, r)| matches!(r.phase, Phase::Finding(_)))
                .map(|(k, _)| k.clone())
                .collect();
            for k in finding {
                if let Some(r) = self.rooms.remove(&k) {
                    self.room_event(RoomEvent::JoinFailed { room: r.name, code });
                }
            }
            return;
        }
        if let Some(r) = self.rooms.remove(key) {
            self.room_event(RoomEvent::JoinFailed { room: r.name, code });
        }
    }

    /// The actor opened ChatNav: asks it for every room still waiting for a reference.
    pub fn chatnav_opened(&mut self) {
        self.nav = NavPhase::Open;
        let finding: Vec<String> = self
            .rooms
            .iter()
            .filter(|(_, r)| matches!(r.phase, Phase::Finding(_)))
            .map(|(k, _)| k.clone())
            .collect();
        for k in finding {
            self.advance_room(&k);
        }
    }

    /// ChatNav's connection closed; the next room by name opens it again.
    pub fn chatnav_closed(&mut self) {
        self.nav = NavPhase::None;
    }

    /// ChatNav found (or created) rooms: each wanted one is joined.
    pub fn rooms_found(&mut self, now: u64, found: Vec<RoomInfo>) {
        for info in found {
            let name = info.name().unwrap_or_else(|| name_from_cookie(&info.room.cookie));
            let key = key_of(&name);
            let Some(room) = self.rooms.get_mut(&key) else { continue };
            if !matches!(room.phase, Phase::Finding(_)) {
                continue;
            }
            room.reference = Some(info.room);
            room.phase = Phase::Redirecting;
            self.advance_room(&key);
        }
        self.flush(now);
    }

    /// ChatNav refused a name: no public room by that name means a room of exchange 4 is made;
    /// a refusal there means the join failed.
    pub fn room_not_found(&mut self, now: u64, name: &str, code: u16) {
        let key = key_of(name);
        let Some(room) = self.rooms.get_mut(&key) else { return };
        match room.phase {
            Phase::Finding(EXCHANGE_PUBLIC) => {
                room.phase = Phase::Finding(EXCHANGE_USER);
                self.advance_room(&key);
            }
            Phase::Finding(_) => {
                if let Some(r) = self.rooms.remove(&key) {
                    let code = (code != 0).then_some(code);
                    self.room_event(RoomEvent::JoinFailed { room: r.name, code });
                }
            }
            _ => {}
        }
        self.flush(now);
    }

    /// A room connection signed on and joined.
    pub fn room_joined(&mut self, now: u64, key: &str) {
        if let Some(room) = self.rooms.get_mut(key) {
            room.phase = Phase::Joined;
            room.joined_at = Some(now);
        }
    }

    /// A room connection closed. A room still wanted is joined again (its reference is known,
    /// so that is one 01/04 and one round trip), up to [`MAX_JOIN_ATTEMPTS`] failures in a row.
    /// A room that closes within [`STABLE_ROOM_MS`] of joining counts as a failure too, so a
    /// server that keeps closing it is not joined again forever; one that stayed longer starts
    /// the count afresh.
    pub fn room_closed(&mut self, now: u64, key: &str, was_joined: bool) {
        let Some(room) = self.rooms.get_mut(key) else { return };
        let stayed = room.joined_at.take().map(|at| now.saturating_sub(at));
        match stayed {
            Some(ms) if was_joined && ms >= STABLE_ROOM_MS => room.failures = 0,
            _ => room.failures += 1,
        }
        let name = room.name.clone();
        if room.failures >= MAX_JOIN_ATTEMPTS {
            self.rooms.remove(key);
            self.room_event(RoomEvent::JoinFailed { room: name, code: None });
            return;
        }
        room.phase = Phase::Redirecting;
        self.room_event(RoomEvent::Rejoining { room: name });
        self.advance_room(key);
        self.flush(now);
    }

    /// BOS is (re)connected: every wanted room is joined again, ChatNav asked for if needed.
    pub(super) fn rejoin_rooms(&mut self) {
        self.nav = NavPhase::None;
        let keys: Vec<String> = self.rooms.keys().cloned().collect();
        for key in keys {
            if let Some(room) = self.rooms.get_mut(&key) {
                room.phase = match (room.phase, &room.reference) {
                    (Phase::Finding(ex), None) => Phase::Finding(ex),
                    (_, Some(_)) => Phase::Redirecting,
                    (_, None) => Phase::Finding(EXCHANGE_PUBLIC),
                };
            }
            self.advance_room(&key);
        }
    }

    /// BOS dropped: every service connection goes with it (the actor closes them); rooms stay
    /// wanted for the reconnect. When the session ends for good, each is left.
    pub(super) fn rooms_lost(&mut self, will_retry: bool) {
        self.nav = NavPhase::None;
        if will_retry {
            for room in self.rooms.values_mut() {
                if room.phase != Phase::Finding(EXCHANGE_USER)
                    && room.phase != Phase::Finding(EXCHANGE_PUBLIC)
                {
                    room.phase = Phase::Redirecting;
                }
            }
            return;
        }
        let mut left: Vec<String> = self.rooms.drain().map(|(_, r)| r.name).collect();
        left.sort();
        for room in left {
            self.room_event(RoomEvent::Left { room });
        }
    }

    /// 04/07 on channel 2: a chat invitation, if it is one.
    pub(super) fn rendezvous(&mut self, im: &oscar::icbm::IncomingIm) -> bool {
        if im.channel != CHANNEL_RENDEZVOUS {
            return false;
        }
        match im.chat_invitation() {
            Some(Ok(inv)) => {
                let invitation = RoomInvitation {
                    from: ScreenName::from_wire(&im.sender.screen_name),
                    room: name_from_cookie(&inv.room.cookie),
                    reference: inv.room,
                    message: inv.message.map(|m| to_plain(&m)),
                    cookie: inv.cookie,
                };
                self.room_event(RoomEvent::Invitation(invitation));
            }
            Some(Err(e)) => tracing::info!("skipping a chat invitation that does not decode: {e}"),
            None => tracing::debug!("skipping a rendezvous that is not a chat invitation"),
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::name_from_cookie;

    #[test]
    fn room_names_from_cookies() {
        assert_eq!(name_from_cookie("4-0-Pals"), "Pals");
        assert_eq!(name_from_cookie("5-0-Flapjack Lounge"), "Flapjack Lounge");
        assert_eq!(name_from_cookie("4-0-a-b"), "a-b");
        assert_eq!(name_from_cookie("pals"), "pals");
        assert_eq!(name_from_cookie("x-0-pals"), "x-0-pals");
        assert_eq!(name_from_cookie("4-0-"), "4-0-");
    }
}
