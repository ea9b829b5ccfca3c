//! Chat rooms (docs/protocol.md §13): service cookies for ChatNav and room connections, the
//! rooms of exchange 4 (made by joining a name) and 5 (the server's public rooms), occupants
//! joining and leaving, and messages relayed to everyone in a room but their sender.

use std::collections::HashMap;

use super::bots::BotJob;
use super::{now_u32, Hub, World};
use crate::bos::services::{Service, REDIRECTED, SERVICE_COOKIE_LIFETIME};
use crate::oscar::chat::{
    self, room_tlv, ChatMessage, ChatText, Occupants, RoomInfo, RoomRef, EXCHANGE_PUBLIC,
    EXCHANGE_USER,
};
use crate::oscar::chatnav::{self, ExchangeInfo, NavInfo, RoomInfoQuery};
use crate::oscar::codes::SnacErrorCode;
use crate::oscar::oservice::ServiceRequest;
use crate::oscar::{SnacBody, TlvBlock};
use crate::screenname::ScreenName;
use crate::text::html;
use crate::Account;

/// Most rooms one user may be in (0D/09 TLV 0x0002).
pub const MAX_CONCURRENT_ROOMS: u8 = 10;
/// Longest room name accepted, in characters (exchange TLV 0x0004).
pub const MAX_ROOM_NAME: usize = 100;
/// Most occupants of one room (room TLV 0x00D2); a further join is refused.
pub const MAX_OCCUPANCY: usize = 100;
/// Most rooms users may create on exchange 4; a further one is refused.
pub const MAX_USER_ROOMS: usize = 10_000;
/// Largest room message (room TLV 0x00D1), bytes of text.
pub const MAX_ROOM_MESSAGE: u16 = 1024;

/// One room.
#[derive(Debug)]
pub(super) struct Room {
    /// The name as its creator (or the configuration) spelled it.
    name: String,
    exchange: u16,
    created: u32,
    /// Room connections in it, in the order they joined.
    members: Vec<u64>,
    /// Bot accounts that live in it.
    bots: Vec<ScreenName>,
}

impl Room {
    fn reference(&self) -> RoomRef {
        RoomRef {
            exchange: self.exchange,
            cookie: room_cookie(self.exchange, &self.name),
            instance: 0,
        }
    }

    fn info(&self) -> RoomInfo {
        let tlvs = TlvBlock::new()
            .with_u16(room_tlv::FLAGS, 15)
            .with_u32(room_tlv::CREATE_TIME, self.created)
            .with_u16(room_tlv::MAX_MESSAGE, MAX_ROOM_MESSAGE)
            .with_u16(room_tlv::MAX_OCCUPANCY, MAX_OCCUPANCY as u16)
            .with_u8(room_tlv::CREATE_PERMS, 2)
            .with(room_tlv::FULL_NAME, self.name.as_bytes().to_vec())
            .with(room_tlv::NAME, self.name.as_bytes().to_vec())
            .with_u16(room_tlv::MAX_VISIBLE_MESSAGE, MAX_ROOM_MESSAGE);
        RoomInfo { room: self.reference(), detail: 2, tlvs }
    }
}

/// A service cookie waiting for its connection.
#[derive(Debug)]
pub(super) struct PendingService {
    account: ScreenName,
    service: Service,
    issued_at: i64,
}

/// The chat part of the hub's world.
#[derive(Debug, Default)]
pub(super) struct Rooms {
    /// Rooms by key (`exchange-0-lowercased name`).
    rooms: HashMap<String, Room>,
    /// Service cookies issued by 01/05, not yet presented.
    cookies: HashMap<Vec<u8>, PendingService>,
}

/// The cookie Open OSCAR Server gives a room: `exchange-instance-name`.
fn room_cookie(exchange: u16, name: &str) -> String {
    format!("{exchange}-0-{name}")
}

/// Rooms are found by cookie without regard to case, so one key serves both.
fn room_key(cookie: &str) -> String {
    cookie.to_lowercase()
}

/// The settings every exchange announces (OOS's defaults).
fn exchange(id: u16) -> ExchangeInfo {
    ExchangeInfo {
        id,
        tlvs: TlvBlock::new()
            .with_u8(0x0003, MAX_CONCURRENT_ROOMS)
            .with_u16(0x0002, 0x0010)
            .with_u16(0x0004, MAX_ROOM_NAME as u16)
            .with_u16(room_tlv::FLAGS, 15)
            .with_u8(room_tlv::CREATE_PERMS, 2)
            .with(room_tlv::CHARSET, b"us-ascii".to_vec())
            .with(room_tlv::LANGUAGE, b"en".to_vec())
            .with(0x00D8, b"us-ascii".to_vec())
            .with(0x00D9, b"en".to_vec()),
    }
}

fn nav_info(tlvs: TlvBlock) -> NavInfo {
    NavInfo { tlvs }
}

fn valid_exchange(exchange: u16) -> Result<(), SnacErrorCode> {
    if exchange == EXCHANGE_USER || exchange == EXCHANGE_PUBLIC {
        Ok(())
    } else {
        Err(SnacErrorCode::NotSupportedByHost)
    }
}

/// 0D/09 answering 0D/02: the limits and both exchanges.
pub fn chat_rights() -> Result<NavInfo, crate::oscar::WireError> {
    Ok(nav_info(
        TlvBlock::new()
            .with_u8(chatnav::tlv::MAX_CONCURRENT_ROOMS, MAX_CONCURRENT_ROOMS)
            .with(chatnav::tlv::EXCHANGE_INFO, exchange(EXCHANGE_USER).to_bytes()?)
            .with(chatnav::tlv::EXCHANGE_INFO, exchange(EXCHANGE_PUBLIC).to_bytes()?),
    ))
}

/// 0D/09 answering 0D/03 for one exchange.
pub fn exchange_info(id: u16) -> Result<NavInfo, SnacErrorCode> {
    valid_exchange(id)?;
    let ex = exchange(id).to_bytes().map_err(|_| SnacErrorCode::GeneralFailure)?;
    Ok(nav_info(
        TlvBlock::new()
            .with_u8(chatnav::tlv::MAX_CONCURRENT_ROOMS, MAX_CONCURRENT_ROOMS)
            .with(chatnav::tlv::EXCHANGE_INFO, ex),
    ))
}

fn room_nav(room: &Room) -> Result<NavInfo, SnacErrorCode> {
    let info = room.info().to_bytes().map_err(|_| SnacErrorCode::GeneralFailure)?;
    Ok(nav_info(TlvBlock::new().with(chatnav::tlv::ROOM_INFO, info)))
}

impl Hub {
    /// Creates the configured public rooms (exchange 5) with their bots.
    pub(super) fn open_public_rooms(&self, w: &mut World) {
        let now = now_u32(self.state.now());
        for public in &self.state.config.public_rooms {
            let cookie = room_cookie(EXCHANGE_PUBLIC, &public.name);
            let bots = public.bots.iter().map(|b| ScreenName::from_wire(b)).collect();
            let room = Room {
                name: public.name.clone(),
                exchange: EXCHANGE_PUBLIC,
                created: now,
                members: Vec::new(),
                bots,
            };
            w.rooms.rooms.insert(room_key(&cookie), room);
        }
    }

    /// 0D/08: finds the room named in `req` on its exchange, creating it on exchange 4.
    pub fn create_room(&self, req: &RoomInfo) -> Result<NavInfo, SnacErrorCode> {
        valid_exchange(req.room.exchange)?;
        let name = req.name().ok_or(SnacErrorCode::BustedPayload)?;
        let name = name.trim();
        if name.is_empty()
            || name.chars().count() > MAX_ROOM_NAME
            || name.chars().any(char::is_control)
        {
            return Err(SnacErrorCode::BustedPayload);
        }
        let exchange = req.room.exchange;
        let key = room_key(&room_cookie(exchange, name));
        let now = now_u32(self.state.now());
        let mut w = self.lock();
        let user_rooms = w.rooms.rooms.values().filter(|r| r.exchange == EXCHANGE_USER).count();
        if !w.rooms.rooms.contains_key(&key) {
            if exchange == EXCHANGE_PUBLIC {
                return Err(SnacErrorCode::NoMatch);
            }
            if user_rooms >= MAX_USER_ROOMS {
                return Err(SnacErrorCode::ListOverflow);
            }
            let room = Room {
                name: name.to_string(),
                exchange,
                created: now,
                members: Vec::new(),
                bots: Vec::new(),
            };
            w.rooms.rooms.insert(key.clone(), room);
        }
        w.rooms.rooms.get(&key).map_or(Err(SnacErrorCode::NoMatch), room_nav)
    }

    /// 0D/04: the room with this reference.
    pub fn room_info(&self, q: &RoomInfoQuery) -> Result<NavInfo, SnacErrorCode> {
        valid_exchange(q.room.exchange)?;
        let w = self.lock();
        match w.rooms.rooms.get(&room_key(&q.room.cookie)) {
            Some(room) if room.exchange == q.room.exchange => room_nav(room),
            _ => Err(SnacErrorCode::NoMatch),
        }
    }

    /// 01/04 on the BOS connection `id`: a cookie for a ChatNav or room connection, or the
    /// error to answer with (0x05 for a service not run, 0x14 for an unknown room, 0x15 for a
    /// full room or too many rooms).
    pub fn issue_service_cookie(
        &self,
        id: u64,
        req: &ServiceRequest,
    ) -> Result<Vec<u8>, SnacErrorCode> {
        let off = req.family == crate::oscar::odir::FAMILY && !self.state.config.directory;
        if off || !REDIRECTED.contains(&req.family) {
            return Err(SnacErrorCode::ServiceUnavailable);
        }
        let now = self.state.now();
        let mut w = self.lock();
        let entry = w.sessions.get(&id).ok_or(SnacErrorCode::NotLoggedOn)?;
        if entry.service != Service::Bos {
            return Err(SnacErrorCode::ServiceUnavailable);
        }
        let account = entry.account.clone();
        let service = if req.family == chat::FAMILY {
            let room = match req.room() {
                Some(Ok(room)) => room,
                _ => return Err(SnacErrorCode::BustedPayload),
            };
            let key = room_key(&room.cookie);
            let found = w.rooms.rooms.get(&key).ok_or(SnacErrorCode::NoMatch)?;
            if found.members.len() >= MAX_OCCUPANCY {
                return Err(SnacErrorCode::ListOverflow);
            }
            let rooms_in = w
                .sessions
                .values()
                .filter(|s| s.account == account && matches!(s.service, Service::Chat(_)))
                .count();
            if rooms_in >= usize::from(MAX_CONCURRENT_ROOMS) {
                return Err(SnacErrorCode::ListOverflow);
            }
            Service::Chat(key)
        } else if req.family == crate::oscar::bart::FAMILY {
            Service::Bart
        } else if req.family == crate::oscar::odir::FAMILY {
            Service::Directory
        } else {
            Service::ChatNav
        };
        let cookie = crate::tokens::random_bytes::<32>().to_vec();
        w.rooms.cookies.retain(|_, p| now - p.issued_at <= SERVICE_COOKIE_LIFETIME);
        w.rooms.cookies.insert(cookie.clone(), PendingService { account, service, issued_at: now });
        Ok(cookie)
    }

    /// Redeems a cookie from 01/05 presented in a hello: the account and the service, once,
    /// within [`SERVICE_COOKIE_LIFETIME`].
    pub fn redeem_service_cookie(&self, cookie: &[u8]) -> Option<(Account, Service)> {
        let now = self.state.now();
        let pending = self.lock().rooms.cookies.remove(cookie)?;
        if now - pending.issued_at > SERVICE_COOKIE_LIFETIME {
            return None;
        }
        let account = self.state.config.accounts.get(pending.account.normalized())?.clone();
        Some((account, pending.service))
    }

    /// 01/02 on a room connection: it joins. Returns what it is sent, in OOS's order (every
    /// occupant including itself in 0E/03, then 0E/02); the others get 0E/03 with it.
    pub fn join_room(&self, id: u64) -> Vec<SnacBody> {
        let mut w = self.lock();
        let Some((name, Service::Chat(key))) =
            w.sessions.get(&id).map(|s| (s.account.clone(), s.service.clone()))
        else {
            return Vec::new();
        };
        let Some(room) = w.rooms.rooms.get_mut(&key) else { return Vec::new() };
        if !room.members.contains(&id) {
            room.members.push(id);
        }
        let (members, bots, info) = (room.members.clone(), room.bots.clone(), room.info());
        let me = self.user_info(&w, &name);
        let mut everyone: Vec<ScreenName> = bots;
        for m in &members {
            if let Some(n) = w.sessions.get(m).map(|s| s.account.clone()) {
                if !everyone.contains(&n) {
                    everyone.push(n);
                }
            }
        }
        let users = everyone.iter().map(|n| self.user_info(&w, n)).collect();
        let joined = SnacBody::UsersJoined(Occupants { users: vec![me] });
        // Another connection of the same account already in the room has announced it.
        let first_of_account = members
            .iter()
            .filter(|m| **m != id)
            .all(|m| w.sessions.get(m).is_none_or(|s| s.account != name));
        if first_of_account {
            for m in members.iter().filter(|m| **m != id) {
                self.push(&w, *m, self.server_snac(&joined));
            }
        }
        vec![SnacBody::UsersJoined(Occupants { users }), SnacBody::RoomInfoUpdate(info)]
    }

    /// A room connection closed: the others get 0E/04 unless the account is still there on
    /// another connection.
    pub(super) fn leave_room(&self, w: &mut World, id: u64, name: &ScreenName, key: &str) {
        let Some(room) = w.rooms.rooms.get_mut(key) else { return };
        let was_in = room.members.contains(&id);
        room.members.retain(|m| *m != id);
        let members = room.members.clone();
        if !was_in || members.iter().any(|m| w.sessions.get(m).is_some_and(|s| &s.account == name))
        {
            return;
        }
        let left = SnacBody::UsersLeft(Occupants { users: vec![self.user_info(w, name)] });
        for m in members {
            self.push(w, m, self.server_snac(&left));
        }
    }

    /// 0E/05 from room connection `id`: relayed as 0E/06 to every other connection in the
    /// room; returns the sender's own copy when it asked for reflection. A bot living in the
    /// room is handed the text when it names the bot.
    pub fn room_message(
        &self,
        id: u64,
        msg: &ChatMessage,
    ) -> Result<Option<ChatMessage>, SnacErrorCode> {
        let text = match msg.text() {
            Some(Ok(t)) => t,
            _ => return Err(SnacErrorCode::BustedPayload),
        };
        if text.data.len() > usize::from(MAX_ROOM_MESSAGE) * 4 {
            return Err(SnacErrorCode::ReplyTooBig);
        }
        let w = self.lock();
        let Some((name, Service::Chat(key))) =
            w.sessions.get(&id).map(|s| (s.account.clone(), s.service.clone()))
        else {
            return Err(SnacErrorCode::NotLoggedOn);
        };
        let Some(room) = w.rooms.rooms.get(&key) else { return Err(SnacErrorCode::NoMatch) };
        let relayed = ChatMessage::relay(msg, &self.user_info(&w, &name))
            .map_err(|_| SnacErrorCode::BustedPayload)?;
        let body = SnacBody::RoomMessage(relayed.clone());
        for m in room.members.iter().filter(|m| **m != id) {
            self.push(&w, *m, self.server_snac(&body));
        }
        let plain = html::to_plain(&text.text()).to_lowercase();
        for bot in &room.bots {
            let addressed = plain.contains(&self.display(bot).to_lowercase());
            if let (true, Some(tx)) = (addressed, w.bots.get(bot)) {
                let job =
                    BotJob { from: name.clone(), text: plain.clone(), room: Some(key.clone()) };
                if tx.try_send(job).is_err() {
                    tracing::info!(
                        "{bot}: busy, a room message addressed to it is left unanswered"
                    );
                }
            }
        }
        Ok(msg.wants_reflection().then_some(relayed))
    }

    /// A bot says `text` (plain) in the room `key`: 0E/06 to every connection in it.
    pub(super) fn bot_say_in_room(&self, bot: &ScreenName, key: &str, text: &str) {
        let w = self.lock();
        let Some(room) = w.rooms.rooms.get(key) else { return };
        let chat_text = ChatText::from_text(&html::from_plain(text));
        let msg = match ChatMessage::to_room(rand::random(), &chat_text, false)
            .and_then(|m| ChatMessage::relay(&m, &self.user_info(&w, bot)))
        {
            Ok(m) => m,
            Err(e) => {
                tracing::error!("{bot}: room reply cannot be encoded: {e}");
                return;
            }
        };
        let body = SnacBody::RoomMessage(msg);
        for m in &room.members {
            self.push(&w, *m, self.server_snac(&body));
        }
    }

    /// The screen names in the room named `name` on `exchange`, bots first (tests, admin).
    pub fn room_occupants(&self, exchange: u16, name: &str) -> Vec<String> {
        let w = self.lock();
        let Some(room) = w.rooms.rooms.get(&room_key(&room_cookie(exchange, name))) else {
            return Vec::new();
        };
        let mut out: Vec<String> = room.bots.iter().map(|b| self.display(b)).collect();
        for m in &room.members {
            if let Some(s) = w.sessions.get(m) {
                let n = self.display(&s.account);
                if !out.contains(&n) {
                    out.push(n);
                }
            }
        }
        out
    }
}

#[cfg(test)]
pub(super) mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::bos::session::{Flow, Session};
    use crate::bos::{OutSnac, Registration};
    use crate::oscar::chatnav::subtype as nav;
    use crate::oscar::{decode_snac_payload, snac_flap, Channel, Flap, SnacHeader};
    use crate::{Accounts, PublicRoom, ServerConfig, ServerState};

    const ACCOUNTS: &str = "[[account]]\nscreen_name='Alice'\npassword='a'\n\
                            [[account]]\nscreen_name='Bob'\npassword='b'\n\
                            [[account]]\nscreen_name='Carol'\npassword='c'\n\
                            [[account]]\nscreen_name='ButterBot'\npassword='x'\nbot=true\n";

    pub(in crate::bos::hub) struct Conn {
        pub(in crate::bos::hub) session: Session,
        reg: Registration,
    }

    impl Conn {
        pub(in crate::bos::hub) fn send(
            &mut self,
            body: SnacBody,
            id: u32,
        ) -> Vec<(SnacHeader, SnacBody)> {
            let payload = snac_flap(&body, id).unwrap().payload;
            let mut out = Vec::new();
            let flow = self.session.handle(
                Flap { channel: Channel::Data, sequence: 0, payload },
                0,
                &mut out,
            );
            assert_eq!(flow, Flow::Continue);
            decoded(&out)
        }

        /// What other sessions queued for this one.
        pub(in crate::bos::hub) fn queued(&mut self) -> Vec<SnacBody> {
            let mut got = Vec::new();
            while let Ok(s) = self.reg.outbound.try_recv() {
                got.push(*s.body);
            }
            got
        }
    }

    fn decoded(out: &[OutSnac]) -> Vec<(SnacHeader, SnacBody)> {
        out.iter().map(|s| decode_snac_payload(&s.encode().unwrap().payload).unwrap()).collect()
    }

    pub(in crate::bos::hub) fn hub() -> Arc<Hub> {
        let accounts = Accounts::from_toml(ACCOUNTS).unwrap();
        let mut config = ServerConfig::for_tests(accounts.clone());
        config.public_rooms = vec![PublicRoom::lounge(&accounts)];
        let addr = config.bos_listen;
        Hub::new(Arc::new(ServerState::new(config, addr)), Default::default(), None)
    }

    pub(in crate::bos::hub) fn bos(hub: &Arc<Hub>, name: &str) -> Conn {
        let account = hub.state().config.accounts.get(name).unwrap().clone();
        let addr = hub.state().bos_addr;
        let reg = hub.register(&account, addr, name.as_bytes(), false);
        let session = Session::new(Arc::clone(hub), reg.id, account.screen_name, addr, 0);
        Conn { session, reg }
    }

    /// 01/04 on `main`, then a connection signed on with the 01/05 cookie.
    pub(in crate::bos::hub) fn redirect(
        hub: &Arc<Hub>,
        main: &mut Conn,
        req: ServiceRequest,
    ) -> Conn {
        let got = main.send(SnacBody::ServiceRequest(req.clone()), 77);
        let [(h, SnacBody::ServiceRedirect(r))] = got.as_slice() else { panic!("{got:?}") };
        assert_eq!((h.request_id, r.family()), (77, Some(req.family)));
        assert_eq!(r.host(), Some(hub.state().bos_addr.to_string()));
        let (account, service) = hub.redeem_service_cookie(r.cookie().unwrap()).unwrap();
        assert!(hub.redeem_service_cookie(r.cookie().unwrap()).is_none(), "cookies are single use");
        let addr = hub.state().bos_addr;
        let reg = hub.register_service(&account, addr, service.clone());
        let session = Session::new(Arc::clone(hub), reg.id, account.screen_name, addr, 0)
            .for_service(service);
        Conn { session, reg }
    }

    fn room_of(got: &[(SnacHeader, SnacBody)]) -> RoomInfo {
        let [(h, SnacBody::NavInfo(nav))] = got else { panic!("{got:?}") };
        assert_eq!((h.family, h.subtype), (chatnav::FAMILY, nav::NAV_INFO));
        nav.rooms().next().unwrap().unwrap()
    }

    fn join(
        hub: &Arc<Hub>,
        main: &mut Conn,
        room: &RoomRef,
    ) -> (Conn, Vec<(SnacHeader, SnacBody)>) {
        let mut c = redirect(hub, main, ServiceRequest::chat(room).unwrap());
        let got = c.send(SnacBody::ClientReady(Default::default()), 5);
        (c, got)
    }

    fn names(users: &Occupants) -> Vec<&str> {
        users.users.iter().map(|u| u.screen_name.as_str()).collect()
    }

    #[test]
    fn three_users_create_join_talk_and_leave() {
        let hub = hub();
        let (mut alice, mut bob, mut carol) =
            (bos(&hub, "alice"), bos(&hub, "bob"), bos(&hub, "carol"));
        let mut nav = redirect(&hub, &mut alice, ServiceRequest::new(chatnav::FAMILY));
        assert_eq!(
            *nav.session.host_online().body,
            SnacBody::HostOnline(crate::oscar::oservice::FamilyList { families: vec![0x0D, 0x01] })
        );
        // Both ChatNav requests a client makes are answered.
        let rights = nav.send(SnacBody::ChatNavRightsQuery, 1);
        let [(_, SnacBody::NavInfo(r))] = rights.as_slice() else { panic!("{rights:?}") };
        let ids: Vec<u16> = r.exchanges().map(|e| e.unwrap().id).collect();
        assert_eq!((r.max_concurrent_rooms(), ids), (Some(MAX_CONCURRENT_ROOMS), vec![4, 5]));
        let created = room_of(&nav.send(SnacBody::CreateRoom(RoomInfo::create(4, "Pals")), 2));
        assert_eq!((created.room.cookie.as_str(), created.detail), ("4-0-Pals", 2));
        // Names match without regard to case: Bob finds the same room.
        let mut bob_nav = redirect(&hub, &mut bob, ServiceRequest::new(chatnav::FAMILY));
        let again = room_of(&bob_nav.send(SnacBody::CreateRoom(RoomInfo::create(4, "PALS")), 3));
        assert_eq!(again.room, created.room);
        let q = RoomInfoQuery { room: created.room.clone(), detail: 2 };
        assert_eq!(room_of(&bob_nav.send(SnacBody::RoomInfoQuery(q), 4)).room, created.room);

        let (mut a_room, got) = join(&hub, &mut alice, &created.room);
        assert!(
            matches!(&got[..], [(_, SnacBody::UsersJoined(o)), (_, SnacBody::RoomInfoUpdate(i))]
            if names(o) == ["Alice"] && i.name().as_deref() == Some("Pals"))
        );
        let (mut b_room, got) = join(&hub, &mut bob, &created.room);
        assert!(matches!(&got[0].1, SnacBody::UsersJoined(o) if names(o) == ["Alice", "Bob"]));
        let (mut c_room, _) = join(&hub, &mut carol, &created.room);
        assert!(
            matches!(&a_room.queued()[..], [SnacBody::UsersJoined(b), SnacBody::UsersJoined(c)]
            if names(b) == ["Bob"] && names(c) == ["Carol"])
        );
        b_room.queued();
        assert_eq!(hub.room_occupants(4, "pals"), ["Alice", "Bob", "Carol"]);

        // Alice talks: Bob and Carol get it, Alice does not (no reflection asked).
        let msg = ChatMessage::to_room([1; 8], &ChatText::from_text("hi ☕"), false).unwrap();
        assert!(a_room.send(SnacBody::RoomMessageToHost(msg), 9).is_empty());
        for other in [&mut b_room, &mut c_room] {
            let got = other.queued();
            let [SnacBody::RoomMessage(m)] = got.as_slice() else { panic!("{got:?}") };
            assert_eq!(m.sender().unwrap().unwrap().screen_name, "Alice");
            assert_eq!(m.text().unwrap().unwrap().text(), "hi ☕");
        }
        assert!(a_room.queued().is_empty());
        // With reflection Bob gets his own copy, as the answer to his request.
        let msg = ChatMessage::to_room([2; 8], &ChatText::from_text("me too"), true).unwrap();
        let own = b_room.send(SnacBody::RoomMessageToHost(msg), 10);
        assert!(matches!(&own[..], [(h, SnacBody::RoomMessage(m))] if h.request_id == 10
            && m.text().unwrap().unwrap().text() == "me too"));
        assert_eq!(a_room.queued().len(), 1);

        // Carol's room connection closes: the others are told she left.
        hub.unregister(c_room.reg.id);
        for other in [&mut a_room, &mut b_room] {
            let got = other.queued();
            assert!(
                matches!(&got[..], [SnacBody::UsersLeft(o)] if names(o) == ["Carol"]),
                "{got:?}"
            );
        }
        assert_eq!(hub.room_occupants(4, "Pals"), ["Alice", "Bob"]);
        // Room connections are not BOS sessions: nobody went offline.
        assert_eq!(hub.session_count("carol"), 1);
    }

    #[test]
    fn refusals() {
        let hub = hub();
        let mut alice = bos(&hub, "alice");
        let mut nav = redirect(&hub, &mut alice, ServiceRequest::new(chatnav::FAMILY));
        let err = |got: Vec<(SnacHeader, SnacBody)>| match got.as_slice() {
            [(h, SnacBody::Error { error, .. })] => (h.family, u16::from(error.code)),
            other => panic!("{other:?}"),
        };
        // Unknown public room, unknown exchange, nameless and over-long names.
        assert_eq!(
            err(nav.send(SnacBody::CreateRoom(RoomInfo::create(5, "Nope")), 1)),
            (0x0D, 0x14)
        );
        assert_eq!(err(nav.send(SnacBody::CreateRoom(RoomInfo::create(7, "x")), 1)), (0x0D, 0x08));
        let mut nameless = RoomInfo::create(4, "x");
        nameless.tlvs.remove(room_tlv::NAME);
        assert_eq!(err(nav.send(SnacBody::CreateRoom(nameless), 1)), (0x0D, 0x0E));
        let long = "x".repeat(MAX_ROOM_NAME + 1);
        assert_eq!(
            err(nav.send(SnacBody::CreateRoom(RoomInfo::create(4, &long)), 1)),
            (0x0D, 0x0E)
        );
        assert_eq!(
            err(nav
                .send(SnacBody::ExchangeInfoQuery(chatnav::ExchangeInfoQuery { exchange: 9 }), 1)),
            (0x0D, 0x08)
        );
        // A chat connection for a room that does not exist, a service not run, and ChatNav
        // SNACs on BOS.
        let ghost = RoomRef { exchange: 4, cookie: "4-0-ghost".into(), instance: 0 };
        assert_eq!(
            err(alice.send(SnacBody::ServiceRequest(ServiceRequest::chat(&ghost).unwrap()), 1)),
            (1, 0x14)
        );
        assert_eq!(
            err(alice.send(SnacBody::ServiceRequest(ServiceRequest::new(0x18)), 1)),
            (1, 0x05)
        );
        assert_eq!(err(alice.send(SnacBody::ChatNavRightsQuery, 1)), (0x0D, 0x01));
        // A room connection does not answer ChatNav or ICBM, nor issue redirects itself.
        let lounge = RoomRef { exchange: 5, cookie: "5-0-Flapjack Lounge".into(), instance: 0 };
        let (mut room, _) = join(&hub, &mut alice, &lounge);
        assert_eq!(err(room.send(SnacBody::ChatNavRightsQuery, 1)), (0x0D, 0x01));
        assert_eq!(
            err(room.send(SnacBody::ServiceRequest(ServiceRequest::new(0x0D)), 1)),
            (1, 0x05)
        );
        // A message without text.
        let bare = ChatMessage { cookie: [0; 8], channel: 3, tlvs: TlvBlock::new() };
        assert_eq!(err(room.send(SnacBody::RoomMessageToHost(bare), 1)), (0x0E, 0x0E));
    }

    #[test]
    fn the_lounge_has_the_bot_and_hands_it_what_names_it() {
        let hub = hub();
        let (tx, mut rx) = tokio::sync::mpsc::channel(4);
        hub.lock().bots.insert(ScreenName::from_wire("ButterBot"), tx);
        let mut alice = bos(&hub, "alice");
        let mut nav = redirect(&hub, &mut alice, ServiceRequest::new(chatnav::FAMILY));
        let lounge =
            room_of(&nav.send(SnacBody::CreateRoom(RoomInfo::create(5, "flapjack lounge")), 1));
        assert_eq!(lounge.room.cookie, "5-0-Flapjack Lounge");
        let (mut room, got) = join(&hub, &mut alice, &lounge.room);
        assert!(
            matches!(&got[0].1, SnacBody::UsersJoined(o) if names(o) == ["ButterBot", "Alice"])
        );
        let say = |room: &mut Conn, text: &str| {
            let m = ChatMessage::to_room([4; 8], &ChatText::from_text(text), false).unwrap();
            room.send(SnacBody::RoomMessageToHost(m), 2);
        };
        say(&mut room, "hello everyone");
        assert!(rx.try_recv().is_err(), "not addressed, not answered");
        say(&mut room, "<b>butterbot</b>, what time is it?");
        let job = rx.try_recv().unwrap();
        assert_eq!(
            (job.from.as_str(), job.room.as_deref()),
            ("Alice", Some("5-0-flapjack lounge"))
        );
        assert!(job.text.starts_with("butterbot, what time"));
        hub.bot_say_in_room(&ScreenName::from_wire("ButterBot"), "5-0-flapjack lounge", "<noon>");
        let got = room.queued();
        let [SnacBody::RoomMessage(m)] = got.as_slice() else { panic!("{got:?}") };
        assert_eq!(m.sender().unwrap().unwrap().screen_name, "ButterBot");
        assert_eq!(m.text().unwrap().unwrap().text(), "&lt;noon&gt;");
    }
}
