//! Buddy icons (docs/protocol.md §15): which icon each buddy shows (user-info TLV 0x1D), the
//! cache lookup and the BART download for each hash not yet seen, the check that the data is
//! what the hash says, and our own icon: uploaded (10/02 → 10/03), then named in the feedbag
//! (class 0x14).
//!
//! The BART connection is one service connection for the session, asked for (01/04) the first
//! time an icon must be downloaded or uploaded and kept while BOS is up. Its sign-on is
//! pipelined with the first requests, so an icon costs one round trip after the 01/05.
//!
//! Disk I/O is the actor's: this core orders a lookup ([`ServiceOrder::LookUpIcon`]) and a
//! store ([`ServiceOrder::StoreIcon`]) and hears back through [`SessionState::icon_lookup`].

use bytes::Bytes;

use super::*;
use crate::oscar::bart::{self, BartId};
use crate::oscar::feedbag::FeedbagItems;
use crate::oscar::oservice::ServiceRequest;
use crate::session::api::IconFailure;
use crate::session::room::IconReply;

/// The service key of the BART connection among the room keys (which are trimmed names and
/// never hold a NUL).
pub const BART_KEY: &str = "\0bart";

/// The most bytes an icon of ours may have: no server says its limit on the wire, so this is
/// the convention libpurple keeps (`MAXICONLEN`), which the embedded server enforces too.
pub const ICON_MAX_BYTES: usize = 7168;

/// Hashes whose downloads did not match, remembered (at most this many) so they are not
/// fetched again and again.
const MAX_BAD_HASHES: usize = 256;

/// Where the BART connection stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) enum BartPhase {
    /// Not asked for.
    #[default]
    None,
    /// 01/04 sent, or the connection is being opened.
    Requested,
    /// Open: requests go straight to it.
    Open,
}

/// Our own icon, while a [`Command::SetIcon`] (or an upload the server asked for) is under
/// way.
#[derive(Debug, Clone, PartialEq, Eq)]
enum OwnIcon {
    /// Waiting for BART, or for 10/03.
    Uploading(Bytes),
    /// The feedbag change is written; its 13/0E decides.
    Referencing,
    /// The server lacks the icon our feedbag names (01/21 flag 0x40): the cache is asked for
    /// it by this hash.
    Finding(Bytes),
    /// Uploading that icon again (waiting for BART, or for 10/03); the feedbag already names
    /// it, and nobody asked, so nothing is reported.
    Restoring(Bytes),
}

/// The icons part of the session state.
#[derive(Debug, Default)]
pub(super) struct Icons {
    /// Whether buddies' icons are wanted at all.
    pub(super) enabled: bool,
    pub(super) bart: BartPhase,
    /// The icon each buddy last announced (its hash).
    shown: HashMap<ScreenName, BartId>,
    /// Hashes the actor is looking up in the cache.
    looking_up: HashSet<Bytes>,
    /// Downloads waiting for the BART connection.
    to_fetch: Vec<(ScreenName, BartId)>,
    /// Downloads written, answers awaited.
    fetching: HashSet<Bytes>,
    /// Hashes whose data did not match.
    bad: VecDeque<Bytes>,
    own: Option<OwnIcon>,
}

impl SessionState {
    /// 03/0B (or any user info of a buddy): notes the icon TLV 0x1D names and, when its hash is
    /// new, asks the actor to look it up in the cache.
    pub(super) fn note_icon(&mut self, name: &ScreenName, info: &userinfo::UserInfo) {
        if !self.icons.enabled {
            return;
        }
        let id = match info.buddy_icon() {
            Ok(Some(Some(id))) => id,
            Ok(Some(None)) => {
                self.icons.shown.remove(name);
                return;
            }
            Ok(None) => return,
            Err(e) => {
                tracing::info!("{}: skipping an icon id that does not decode: {e}", name.as_str());
                return;
            }
        };
        if !id.is_md5() {
            tracing::debug!("{}: an icon whose hash is not an MD5 is not fetched", name.as_str());
            return;
        }
        if id.flags & bart::flags::UNKNOWN != 0 {
            // The server says it lacks the data (Open OSCAR Server until the owner uploads
            // it); the announcement after the upload, without the flag, is fetched.
            tracing::debug!("{}: the server does not have this icon yet", name.as_str());
            self.icons.shown.remove(name);
            return;
        }
        if self.icons.shown.get(name).is_some_and(|s| s.hash == id.hash) {
            return;
        }
        self.icons.shown.insert(name.clone(), id.clone());
        let i = &self.icons;
        if i.bad.contains(&id.hash)
            || i.looking_up.contains(&id.hash)
            || i.fetching.contains(&id.hash)
            || i.to_fetch.iter().any(|(_, w)| w.hash == id.hash)
        {
            return;
        }
        self.icons.looking_up.insert(id.hash.clone());
        self.order(ServiceOrder::LookUpIcon { id });
    }

    /// The actor's answer to [`ServiceOrder::LookUpIcon`]: what the cache holds for `id`, if
    /// anything. A hit that checks out is shown; otherwise the icon is downloaded.
    pub fn icon_lookup(&mut self, now: u64, id: BartId, cached: Option<Bytes>) {
        if self.icons.own.as_ref() == Some(&OwnIcon::Finding(id.hash.clone())) {
            self.restore_icon(now, &id.hash, cached.clone());
            if !self.icons.looking_up.contains(&id.hash) {
                // Only our own icon was looked for.
                return;
            }
        }
        self.icons.looking_up.remove(&id.hash);
        if let Some(data) = cached {
            if self.icon_data(&id.hash, data, false) {
                return;
            }
            tracing::info!("a cached icon does not match its hash; downloading it again");
        }
        let Some(name) = self.owner_of(&id.hash) else { return };
        self.icons.to_fetch.push((name, id));
        self.fetch_icons(now);
    }

    /// Who shows the icon `hash` (any one of them; the download is by hash).
    fn owner_of(&self, hash: &Bytes) -> Option<ScreenName> {
        self.icons.shown.iter().find(|(_, id)| id.hash == *hash).map(|(n, _)| n.clone())
    }

    /// Checks `data` against `hash` and shows it for every buddy with that icon; a download
    /// that checks out is also stored. Returns whether it checked out.
    fn icon_data(&mut self, hash: &Bytes, data: Bytes, downloaded: bool) -> bool {
        if bart::md5(&data)[..] != hash[..] {
            tracing::warn!(
                "an icon's data ({} bytes) does not match its hash {}: not shown, not cached",
                data.len(),
                hex::encode(hash)
            );
            if downloaded {
                if self.icons.bad.len() >= MAX_BAD_HASHES {
                    self.icons.bad.pop_front();
                }
                self.icons.bad.push_back(hash.clone());
            }
            return false;
        }
        let mut names: Vec<ScreenName> = self
            .icons
            .shown
            .iter()
            .filter(|(_, id)| id.hash == *hash)
            .map(|(n, _)| n.clone())
            .collect();
        names.sort_by(|a, b| a.normalized().cmp(b.normalized()));
        for name in names {
            self.emit(Event::BuddyIcon { name, hash: hash.clone(), data: data.clone() });
        }
        if downloaded {
            self.order(ServiceOrder::StoreIcon { hash: hash.clone(), data });
        }
        true
    }

    /// Sends the waiting downloads when BART is open, or asks for BART.
    fn fetch_icons(&mut self, now: u64) {
        match self.icons.bart {
            BartPhase::Open => {
                for (name, id) in std::mem::take(&mut self.icons.to_fetch) {
                    self.icons.fetching.insert(id.hash.clone());
                    let name = name.as_str().to_string();
                    self.order(ServiceOrder::FetchIcons { name, ids: vec![id] });
                }
            }
            BartPhase::Requested => {}
            BartPhase::None => self.request_bart(now),
        }
    }

    fn request_bart(&mut self, now: u64) {
        if !self.connected {
            return;
        }
        self.icons.bart = BartPhase::Requested;
        let req = ServiceRequest::new(bart::FAMILY);
        self.enqueue(SnacBody::ServiceRequest(req), Tag::Service(BART_KEY.to_string()));
        self.flush(now);
    }

    /// BART answers to our downloads: unrequested ones are dropped, the rest checked.
    pub fn icons_received(&mut self, replies: Vec<IconReply>) {
        for r in replies {
            if !self.icons.fetching.remove(&r.hash) {
                tracing::info!("BART: dropping an icon nobody asked for");
                continue;
            }
            if !r.found {
                tracing::info!("BART: the server has no icon {}", hex::encode(&r.hash));
                // Forgotten, so the next announcement of it (after its owner uploads it)
                // is fetched again rather than taken as already shown.
                self.icons.shown.retain(|_, id| id.hash != r.hash);
                continue;
            }
            self.icon_data(&r.hash, r.data, true);
        }
    }

    /// The actor opened the BART connection: waiting downloads and uploads go to it.
    pub fn bart_opened(&mut self, now: u64) {
        self.icons.bart = BartPhase::Open;
        if let Some(OwnIcon::Uploading(data) | OwnIcon::Restoring(data)) = &self.icons.own {
            self.order(ServiceOrder::UploadIcon(data.clone()));
        }
        self.fetch_icons(now);
    }

    /// The BART connection closed (or could not be had): what was under way is dropped. The
    /// buddies whose icons were not fetched get them when they announce an icon again.
    pub fn bart_closed(&mut self) {
        self.icons.bart = BartPhase::None;
        let lost: HashSet<Bytes> = self
            .icons
            .fetching
            .drain()
            .chain(self.icons.to_fetch.drain(..).map(|(_, id)| id.hash))
            .collect();
        self.icons.shown.retain(|_, id| !lost.contains(&id.hash));
        match self.icons.own {
            Some(OwnIcon::Uploading(_)) => {
                self.icons.own = None;
                self.emit(Event::IconSet(Err(IconFailure::NotSent)));
            }
            Some(OwnIcon::Restoring(_)) => {
                tracing::info!("BART closed before our icon was uploaded again");
                self.icons.own = None;
            }
            _ => {}
        }
    }

    /// [`Command::SetIcon`]: checks the size, then uploads through BART (with `None`, points
    /// the feedbag item at the clear-icon hash).
    pub(super) fn set_icon(&mut self, now: u64, data: Option<Bytes>) {
        if matches!(self.icons.own, Some(OwnIcon::Uploading(_) | OwnIcon::Referencing)) {
            // The newest wins: the one under way is reported as not sent.
            self.emit(Event::IconSet(Err(IconFailure::NotSent)));
        }
        match data {
            Some(data) if data.len() > ICON_MAX_BYTES => {
                self.icons.own = None;
                let failure = IconFailure::TooLarge { max_bytes: ICON_MAX_BYTES };
                self.emit(Event::IconSet(Err(failure)));
            }
            Some(data) if data.is_empty() => {
                self.icons.own = None;
                self.emit(Event::IconSet(Err(IconFailure::Refused(u16::from(
                    bart::code::TOO_SMALL,
                )))));
            }
            Some(data) => {
                self.icons.own = Some(OwnIcon::Uploading(data.clone()));
                match self.icons.bart {
                    BartPhase::Open => self.order(ServiceOrder::UploadIcon(data)),
                    BartPhase::Requested => {}
                    BartPhase::None => self.request_bart(now),
                }
            }
            None => {
                let clear = BartId {
                    kind: bart::kind::ICON,
                    flags: 0,
                    hash: Bytes::from_static(&bart::CLEAR_ICON_HASH),
                };
                if self.feedbag.icon_item().is_none() {
                    self.icons.own = None;
                    self.emit(Event::IconSet(Ok(())));
                    return;
                }
                self.reference_icon(now, &clear);
            }
        }
    }

    /// What our upload came to: stored → the feedbag names it; refused → reported.
    pub fn icon_uploaded(&mut self, now: u64, result: Result<BartId, u16>) {
        match &self.icons.own {
            Some(OwnIcon::Uploading(_)) => {}
            Some(OwnIcon::Restoring(_)) => {
                self.icons.own = None;
                match result {
                    Ok(_) => tracing::info!("our icon is on the server again"),
                    Err(code) => tracing::info!("the server refused our icon again ({code:#x})"),
                }
                return;
            }
            _ => {
                tracing::info!("BART: an upload result nobody waits for");
                return;
            }
        }
        match result {
            Ok(id) => {
                // Kept in the cache too, so it can be uploaded again if the server loses it.
                if let Some(OwnIcon::Uploading(data)) = self.icons.own.clone() {
                    self.order(ServiceOrder::StoreIcon { hash: id.hash.clone(), data });
                }
                self.reference_icon(now, &BartId { flags: bart::flags::CUSTOM, ..id })
            }
            Err(code) => {
                self.icons.own = None;
                let failure = if code == u16::from(bart::code::TOO_BIG) {
                    IconFailure::TooLarge { max_bytes: ICON_MAX_BYTES }
                } else {
                    IconFailure::Refused(code)
                };
                self.emit(Event::IconSet(Err(failure)));
            }
        }
    }

    /// Points the feedbag's icon item (class 0x14) at `id`, in one transaction.
    fn reference_icon(&mut self, now: u64, id: &BartId) {
        let change = match self.feedbag.set_icon(id) {
            Ok(c) => c,
            Err(e) => {
                tracing::info!("the icon cannot be put in the buddy list: {e:?}");
                self.icons.own = None;
                self.emit(Event::IconSet(Err(IconFailure::NotSent)));
                return;
            }
        };
        self.icons.own = Some(OwnIcon::Referencing);
        let body = match change {
            Change::Insert(items) => SnacBody::FeedbagInsert(FeedbagItems { items }),
            Change::Update(items) => SnacBody::FeedbagUpdate(FeedbagItems { items }),
            Change::Delete(items) => SnacBody::FeedbagDelete(FeedbagItems { items }),
        };
        self.enqueue(SnacBody::FeedbagStartTransaction(StartTransaction::default()), Tag::Plain);
        self.enqueue(body, Tag::IconItem);
        self.enqueue(SnacBody::FeedbagEndTransaction, Tag::Plain);
        self.flush(now);
    }

    /// 13/0E for our icon item: the outcome of the [`Command::SetIcon`].
    pub(super) fn icon_item_status(&mut self, status: &FeedbagStatus) {
        if self.icons.own != Some(OwnIcon::Referencing) {
            return;
        }
        self.icons.own = None;
        match status.results.iter().find(|r| **r != FeedbagResult::Ok) {
            None => self.emit(Event::IconSet(Ok(()))),
            Some(r) => {
                self.emit(Event::IconSet(Err(IconFailure::Refused(u16::from(*r)))));
                self.enqueue(SnacBody::FeedbagQuery, Tag::Query(0x13, 0x04));
            }
        }
    }

    /// 13/01 for our icon item: the feedbag change was refused.
    pub(super) fn icon_item_refused(&mut self, code: u16) {
        if self.icons.own == Some(OwnIcon::Referencing) {
            self.icons.own = None;
            self.emit(Event::IconSet(Err(IconFailure::Refused(code))));
        }
    }

    /// 01/21: the server's view of our own icon; flag 0x40 means it lacks the data and wants
    /// it uploaded (§15.5). The cache is asked for it, unless a change of ours is under way
    /// (that change uploads or names something else anyway).
    pub(super) fn own_bart(&mut self, id: &BartId) {
        if id.flags & bart::flags::UNKNOWN == 0 {
            return;
        }
        tracing::info!("the server does not have our icon {}", hex::encode(&id.hash));
        if self.icons.own.is_some() || !id.is_md5() || id.hash[..] == bart::CLEAR_ICON_HASH[..] {
            return;
        }
        self.icons.own = Some(OwnIcon::Finding(id.hash.clone()));
        self.order(ServiceOrder::LookUpIcon { id: id.clone() });
    }

    /// The cache's answer for our own icon the server lacks: uploaded again when it holds
    /// data that matches the hash; otherwise there is nothing to send (set it again with
    /// `/icon`), and the server shows no icon meanwhile.
    fn restore_icon(&mut self, now: u64, hash: &Bytes, cached: Option<Bytes>) {
        match cached {
            Some(data) if bart::md5(&data)[..] == hash[..] => {
                self.icons.own = Some(OwnIcon::Restoring(data.clone()));
                match self.icons.bart {
                    BartPhase::Open => self.order(ServiceOrder::UploadIcon(data)),
                    BartPhase::Requested => {}
                    BartPhase::None => self.request_bart(now),
                }
            }
            _ => {
                tracing::info!("our icon is not in the cache: it cannot be uploaded again");
                self.icons.own = None;
            }
        }
    }

    /// 01/03 on BOS: the icon limit, once BART is among the families (§15.4).
    pub(super) fn host_online(&mut self, families: &[u16]) {
        if families.contains(&bart::FAMILY) {
            self.emit(Event::IconLimit { max_bytes: ICON_MAX_BYTES });
        }
    }

    /// BOS went away: BART goes with it; an upload under way is not sent.
    pub(super) fn icons_lost(&mut self) {
        self.bart_closed();
        if self.icons.own.take() == Some(OwnIcon::Referencing) {
            self.emit(Event::IconSet(Err(IconFailure::NotSent)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oscar::feedbag::{FeedbagReply, FeedbagStatus};
    use crate::oscar::oservice::{FamilyList, ServiceRedirect};
    use crate::oscar::{encode_snac, rate::aol_rate_params};

    fn sn(s: &str) -> ScreenName {
        ScreenName::from_wire(s)
    }

    fn server(body: &SnacBody, request_id: u32) -> Flap {
        let payload = encode_snac(body, request_id, 0).unwrap();
        Flap { channel: Channel::Data, sequence: 0, payload }
    }

    fn sent(out: &Output) -> Vec<(SnacHeader, SnacBody)> {
        out.frames
            .iter()
            .filter(|f| f.channel == Channel::Data)
            .map(|f| decode_snac_payload(&f.payload).unwrap())
            .collect()
    }

    fn signed_on() -> SessionState {
        let mut s = SessionState::new(sn("alice")).with_buddy_icons(true);
        s.connection_started(0, b"cookie");
        s.handle_frame(1, server(&SnacBody::RateParamsReply(aol_rate_params()), 2));
        let reply = FeedbagReply { version: 0, items: Vec::new(), last_modified: 1 };
        s.handle_frame(2, server(&SnacBody::FeedbagReply(reply), 5));
        assert!(s.is_signed_on());
        s.take_output();
        s
    }

    fn arrives(s: &mut SessionState, name: &str, icon: Option<&BartId>) {
        let mut info = userinfo::UserInfo::new(name);
        if let Some(id) = icon {
            info.set_bart_ids(std::slice::from_ref(id)).unwrap();
        }
        let body = SnacBody::BuddyArrived(crate::oscar::buddy::BuddyPresence { users: vec![info] });
        s.handle_frame(10, server(&body, 0x8000_0001));
    }

    /// Answers the 01/04 for BART among `out`'s frames with a redirect and opens it.
    fn open_bart(s: &mut SessionState, out: &Output) -> Output {
        let (h, _) = sent(out)
            .into_iter()
            .find(|(_, b)| matches!(b, SnacBody::ServiceRequest(r) if r.family == bart::FAMILY))
            .expect("a 01/04 for BART");
        let redirect = ServiceRedirect::new(bart::FAMILY, "127.0.0.1:5190", b"bart-cookie");
        s.handle_frame(20, server(&SnacBody::ServiceRedirect(redirect), h.request_id));
        let out = s.take_output();
        assert!(matches!(
            out.services.as_slice(),
            [ServiceOrder::Open { kind: crate::session::room::ServiceKind::Bart, .. }]
        ));
        s.bart_opened(21);
        s.take_output()
    }

    #[test]
    fn a_buddy_icon_is_looked_up_downloaded_checked_shown_and_stored() {
        let mut s = signed_on();
        let data = Bytes::from_static(b"GIF89a bob");
        let id = BartId::icon_of(&data);
        arrives(&mut s, "Bob", Some(&id));
        let out = s.take_output();
        assert_eq!(out.services, [ServiceOrder::LookUpIcon { id: id.clone() }]);
        // Announced again (away, idle…): no second lookup.
        arrives(&mut s, "Bob", Some(&id));
        assert!(s.take_output().services.is_empty());
        // Not in the cache: BART is asked for, and once open the download goes to it.
        s.icon_lookup(11, id.clone(), None);
        let out = s.take_output();
        let out = open_bart(&mut s, &out);
        assert_eq!(
            out.services,
            [ServiceOrder::FetchIcons { name: "Bob".into(), ids: vec![id.clone()] }]
        );
        // An answer nobody asked for is dropped; the real one is checked, shown and stored.
        let stray = IconReply { hash: Bytes::from_static(&[7; 16]), found: true, data: "x".into() };
        s.icons_received(vec![stray]);
        assert!(s.take_output().events.is_empty());
        s.icons_received(vec![IconReply {
            hash: id.hash.clone(),
            found: true,
            data: data.clone(),
        }]);
        let out = s.take_output();
        assert_eq!(
            out.events,
            [Event::BuddyIcon { name: sn("Bob"), hash: id.hash.clone(), data: data.clone() }]
        );
        assert_eq!(out.services, [ServiceOrder::StoreIcon { hash: id.hash.clone(), data }]);
        // A second answer for the same hash is no longer wanted.
        s.icons_received(vec![IconReply { hash: id.hash.clone(), found: true, data: "y".into() }]);
        assert!(s.take_output().events.is_empty());
    }

    #[test]
    fn an_icon_the_server_lost_is_uploaded_again_from_the_cache_without_a_feedbag_change() {
        let mut s = signed_on();
        // Our own upload is kept in the cache as well as named in the feedbag.
        let data = Bytes::from_static(b"GIF89a mine");
        s.set_icon(1, Some(data.clone()));
        let out = s.take_output();
        open_bart(&mut s, &out);
        s.icon_uploaded(30, Ok(BartId::icon_of(&data)));
        let out = s.take_output();
        let id = BartId::icon_of(&data);
        assert_eq!(
            out.services,
            [ServiceOrder::StoreIcon { hash: id.hash.clone(), data: data.clone() }]
        );
        s.icon_item_status(&FeedbagStatus { results: vec![FeedbagResult::Ok] });
        assert_eq!(s.take_output().events, [Event::IconSet(Ok(()))]);

        // The server says it lacks it (01/21 flag 0x40): the cache is asked, the data
        // uploaded again, and nothing is reported or written to the feedbag.
        let lost = BartId { flags: bart::flags::CUSTOM | bart::flags::UNKNOWN, ..id.clone() };
        s.handle_frame(40, server(&SnacBody::OwnBart(lost.clone()), 0x8000_0002));
        let out = s.take_output();
        assert_eq!(out.services, [ServiceOrder::LookUpIcon { id: lost.clone() }]);
        s.icon_lookup(41, lost.clone(), Some(data.clone()));
        let out = s.take_output();
        assert_eq!(out.services, [ServiceOrder::UploadIcon(data.clone())]);
        assert!(out.events.is_empty() && sent(&out).is_empty(), "{out:?}");
        s.icon_uploaded(42, Ok(id.clone()));
        let out = s.take_output();
        assert!(out.events.is_empty() && sent(&out).is_empty(), "{out:?}");

        // Flag 0x40 again, but the cache lost it too (or holds something else): nothing to
        // send, nothing reported, and a later /icon works as usual.
        s.handle_frame(50, server(&SnacBody::OwnBart(lost.clone()), 0x8000_0003));
        s.take_output();
        s.icon_lookup(51, lost.clone(), Some(Bytes::from_static(b"other")));
        let out = s.take_output();
        assert!(out.services.is_empty() && out.events.is_empty(), "{out:?}");
        s.set_icon(52, Some(data.clone()));
        assert_eq!(s.take_output().services, [ServiceOrder::UploadIcon(data)]);
    }

    #[test]
    fn an_icon_the_server_lacks_is_fetched_once_it_is_announced_again() {
        let mut s = signed_on();
        let data = Bytes::from_static(b"GIF89a late");
        let id = BartId::icon_of(&data);
        // Flagged "unknown" (0x40): nothing to fetch yet.
        let missing = BartId { flags: bart::flags::UNKNOWN, ..id.clone() };
        arrives(&mut s, "Bob", Some(&missing));
        assert!(s.take_output().services.is_empty());
        // Announced plainly, fetched, but the server answers "no such icon".
        arrives(&mut s, "Bob", Some(&id));
        s.take_output();
        s.icon_lookup(11, id.clone(), None);
        let out = s.take_output();
        open_bart(&mut s, &out);
        s.icons_received(vec![IconReply {
            hash: id.hash.clone(),
            found: false,
            data: Bytes::new(),
        }]);
        assert!(s.take_output().events.is_empty());
        // The owner uploads it and the server announces it again: fetched this time.
        arrives(&mut s, "Bob", Some(&id));
        assert_eq!(s.take_output().services, [ServiceOrder::LookUpIcon { id: id.clone() }]);
        s.icon_lookup(30, id.clone(), None);
        assert_eq!(
            s.take_output().services,
            [ServiceOrder::FetchIcons { name: "Bob".into(), ids: vec![id] }]
        );
    }

    #[test]
    fn data_that_does_not_match_its_hash_is_neither_shown_nor_stored_nor_fetched_again() {
        let mut s = signed_on();
        let id = BartId::icon_of(b"the real icon");
        arrives(&mut s, "Mallory", Some(&id));
        s.take_output();
        // A cache file that was tampered with is not shown: the icon is downloaded instead.
        s.icon_lookup(11, id.clone(), Some(Bytes::from_static(b"tampered")));
        let out = s.take_output();
        assert!(out.events.is_empty());
        open_bart(&mut s, &out);
        s.icons_received(vec![IconReply {
            hash: id.hash.clone(),
            found: true,
            data: "evil".into(),
        }]);
        let out = s.take_output();
        assert!(out.events.is_empty() && out.services.is_empty(), "{out:?}");
        // Someone else announcing the same hash does not start another download.
        arrives(&mut s, "Trudy", Some(&id));
        assert!(s.take_output().services.is_empty());
        // A cached icon that checks out is shown without BART.
        let good = Bytes::from_static(b"carol's");
        let cid = BartId::icon_of(&good);
        arrives(&mut s, "Carol", Some(&cid));
        s.take_output();
        s.icon_lookup(30, cid.clone(), Some(good.clone()));
        let out = s.take_output();
        assert_eq!(
            out.events,
            [Event::BuddyIcon { name: sn("Carol"), hash: cid.hash, data: good }]
        );
        assert!(out.services.is_empty(), "a hit is not stored again");
    }

    #[test]
    fn icons_are_left_alone_unless_wanted_and_odd_ids_are_skipped() {
        let mut s = SessionState::new(sn("alice"));
        s.connection_started(0, b"cookie");
        s.take_output();
        arrives(&mut s, "Bob", Some(&BartId::icon_of(b"x")));
        assert!(s.take_output().services.is_empty(), "icons off by default");
        let mut s = signed_on();
        let url = BartId { kind: 1, flags: bart::flags::URL, hash: Bytes::from(vec![1; 16]) };
        arrives(&mut s, "Bob", Some(&url));
        let short = BartId { kind: 1, flags: 1, hash: Bytes::from_static(b"abc") };
        arrives(&mut s, "Carol", Some(&short));
        let mut info = userinfo::UserInfo::new("Dave");
        info.tlvs.set(userinfo::tlv::BART_INFO, vec![0, 1, 1, 16, 1]);
        let body = SnacBody::BuddyArrived(crate::oscar::buddy::BuddyPresence { users: vec![info] });
        s.handle_frame(10, server(&body, 0x8000_0002));
        assert!(s.take_output().services.is_empty());
    }

    #[test]
    fn our_icon_is_uploaded_then_named_in_the_feedbag() {
        let mut s = signed_on();
        s.handle_command(1, Command::SetIcon(Some(Bytes::from(vec![0; ICON_MAX_BYTES + 1]))));
        let out = s.take_output();
        let too_large = IconFailure::TooLarge { max_bytes: ICON_MAX_BYTES };
        assert_eq!(out.events, [Event::IconSet(Err(too_large.clone()))]);
        assert!(out.frames.is_empty());
        let data = Bytes::from_static(b"GIF89a mine");
        s.handle_command(2, Command::SetIcon(Some(data.clone())));
        let out = s.take_output();
        let out = open_bart(&mut s, &out);
        assert_eq!(out.services, [ServiceOrder::UploadIcon(data.clone())]);
        s.icon_uploaded(22, Ok(BartId::icon_of(&data)));
        let out = s.take_output();
        let sent = sent(&out);
        let names: Vec<&str> = sent.iter().map(|(_, b)| b.name()).collect();
        assert_eq!(names, ["FeedbagStartTransaction", "FeedbagInsert", "FeedbagEndTransaction"]);
        let (h, SnacBody::FeedbagInsert(items)) = &sent[1] else { panic!("{sent:?}") };
        let item = &items.items[0];
        assert_eq!((item.class, item.name.as_str()), (0x14, "1"));
        let value = item.attrs.get(bart::FEEDBAG_TLV).unwrap().value.to_vec();
        assert_eq!(BartId::from_feedbag("1", &value).unwrap(), BartId::icon_of(&data));
        let ok = FeedbagStatus { results: vec![FeedbagResult::Ok] };
        s.handle_frame(23, server(&SnacBody::FeedbagStatus(ok), h.request_id));
        assert_eq!(s.take_output().events, [Event::IconSet(Ok(()))]);
        // A refusal by size is reported as such; the connection going is "not sent".
        s.handle_command(24, Command::SetIcon(Some(data.clone())));
        assert_eq!(s.take_output().services, [ServiceOrder::UploadIcon(data.clone())]);
        s.icon_uploaded(25, Err(u16::from(bart::code::TOO_BIG)));
        assert_eq!(s.take_output().events, [Event::IconSet(Err(too_large))]);
        s.handle_command(26, Command::SetIcon(Some(data)));
        s.bart_closed();
        assert_eq!(s.take_output().events, [Event::IconSet(Err(IconFailure::NotSent))]);
        // Clearing points the item at the clear-icon hash.
        s.handle_command(27, Command::SetIcon(None));
        let out = s.take_output();
        let update = sent_update(&out);
        assert_eq!(update.attrs.get(bart::FEEDBAG_TLV).unwrap().value[2..], bart::CLEAR_ICON_HASH);
    }

    fn sent_update(out: &Output) -> FeedbagItem {
        sent(out)
            .into_iter()
            .find_map(|(_, b)| match b {
                SnacBody::FeedbagUpdate(items) => items.items.into_iter().next(),
                _ => None,
            })
            .expect("a 13/09")
    }

    #[test]
    fn the_limit_is_told_when_the_server_offers_bart() {
        let mut s = signed_on();
        let list = FamilyList { families: vec![0x01, 0x10, 0x13] };
        s.handle_frame(3, server(&SnacBody::HostOnline(list), 0x8000_0003));
        assert_eq!(s.take_output().events, [Event::IconLimit { max_bytes: ICON_MAX_BYTES }]);
        let list = FamilyList { families: vec![0x01, 0x13] };
        s.handle_frame(3, server(&SnacBody::HostOnline(list), 0x8000_0004));
        assert!(s.take_output().events.is_empty());
    }
}
