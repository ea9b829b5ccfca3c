//! Family 03, Buddy: rights and the pre-feedbag buddy list, which this host keeps per session
//! as temporary buddies.

use super::reply;
use crate::bos::limits::MAX_WATCHED_PER_SESSION;
use crate::bos::session::{error, Flow, Session};
use crate::bos::OutSnac;
use crate::oscar::buddy::{BuddyRights, TempBuddies};
use crate::oscar::buf::Reader;
use crate::oscar::codes::SnacErrorCode;
use crate::oscar::{SnacBody, SnacHeader, TlvBlock, WireError};
use crate::screenname::ScreenName;

/// 03/02: answers 03/03 with [`buddy_rights`].
pub(super) fn buddy_rights_query(h: &SnacHeader, out: &mut Vec<OutSnac>) {
    reply(SnacBody::BuddyRights(buddy_rights()), h, out);
}

/// 03/04: watches these names for this session only; 03/0B for those already online. A
/// malformed list closes the session.
pub(super) fn add_buddies(s: &Session, h: &SnacHeader, raw: &[u8], out: &mut Vec<OutSnac>) -> Flow {
    temp_buddies(s, h, raw, 0x04, out)
}

/// 03/05: stops watching these names for this session. A malformed list closes the session.
pub(super) fn del_buddies(s: &Session, h: &SnacHeader, raw: &[u8], out: &mut Vec<OutSnac>) -> Flow {
    temp_buddies(s, h, raw, 0x05, out)
}

/// 03/0F: temporary buddies, watched for this session only (as 03/04); 03/0B for those
/// already online, as Open OSCAR Server answers.
pub(super) fn add_temp_buddies(
    s: &Session,
    h: &SnacHeader,
    t: TempBuddies,
    out: &mut Vec<OutSnac>,
) {
    let names = t.names.iter().map(|n| ScreenName::from_wire(n)).collect();
    watch(s, h, names, true, out);
}

/// 03/10: stops watching these temporary buddies.
pub(super) fn del_temp_buddies(s: &Session, t: TempBuddies) {
    let names = t.names.iter().map(|n| ScreenName::from_wire(n)).collect();
    s.hub.temp_buddies(s.id, names, false);
}

/// Adds or removes watched names; names past [`MAX_WATCHED_PER_SESSION`] are not watched and
/// the request is answered with 03/01 error 0x15, "list overflow".
fn watch(s: &Session, h: &SnacHeader, names: Vec<ScreenName>, add: bool, out: &mut Vec<OutSnac>) {
    let (arrivals, refused) = s.hub.temp_buddies(s.id, names, add);
    for a in arrivals {
        out.push(OutSnac::new(a, s.hub.server_request_id()));
    }
    if refused > 0 {
        tracing::info!(
            "{} at {}: {refused} name(s) not watched, over {MAX_WATCHED_PER_SESSION} per session",
            s.name,
            s.peer
        );
        out.push(error(0x03, SnacErrorCode::ListOverflow, h.request_id));
    }
}

/// 03/04 (`sub` 0x04, add) and 03/05 (remove) share everything but the direction.
fn temp_buddies(s: &Session, h: &SnacHeader, raw: &[u8], sub: u16, out: &mut Vec<OutSnac>) -> Flow {
    match read_names(raw) {
        Ok(names) => {
            watch(s, h, names, sub == 0x04, out);
            Flow::Continue
        }
        Err(e) => {
            tracing::warn!("{} at {}: malformed 03/{sub:02X} ({e}), closing", s.name, s.peer);
            Flow::Close(None)
        }
    }
}

/// Reads the `str8` screen names of 03/04 and 03/05.
fn read_names(body: &[u8]) -> Result<Vec<ScreenName>, WireError> {
    let mut r = Reader::new(body);
    let mut names = Vec::new();
    while !r.is_empty() {
        names.push(ScreenName::from_wire(&r.string8()?));
    }
    Ok(names)
}

/// 03/03: buddy-list limits (buddies, watchers, temporary buddies).
fn buddy_rights() -> BuddyRights {
    BuddyRights {
        tlvs: TlvBlock::new().with_u16(0x0001, 1000).with_u16(0x0002, 3000).with_u16(0x0004, 160),
    }
}
