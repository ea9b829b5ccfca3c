//! Family 02, Locate: profiles, away messages and capabilities.

use super::reply;
use crate::bos::session::{error, Session};
use crate::bos::OutSnac;
use crate::oscar::codes::SnacErrorCode;
use crate::oscar::locate::{LocateRights, SetInfo, UserInfoQuery};
use crate::oscar::{SnacBody, SnacHeader, TlvBlock};

/// 02/02: answers 02/03 with [`locate_rights`].
pub(super) fn locate_rights_query(h: &SnacHeader, out: &mut Vec<OutSnac>) {
    reply(SnacBody::LocateRights(locate_rights()), h, out);
}

/// 02/04: stores profile, away message and capabilities; a malformed capability list is
/// answered with an error and changes nothing.
pub(super) fn set_info(s: &Session, h: &SnacHeader, info: SetInfo, out: &mut Vec<OutSnac>) {
    match info.capabilities() {
        Ok(caps) => {
            let (profile, away) = (info.profile_raw(), info.away_raw());
            s.hub.set_info(s.id, profile, away, caps.map(|c| c.concat()))
        }
        Err(e) => {
            tracing::info!("{} at {}: rejected 02/04: {e}", s.name, s.peer);
            out.push(error(h.family, SnacErrorCode::BustedPayload, h.request_id));
        }
    }
}

/// 02/05: answers 02/06 with a user's info, or an error while they are not visibly online.
pub(super) fn user_info_query(
    s: &Session,
    h: &SnacHeader,
    q: UserInfoQuery,
    out: &mut Vec<OutSnac>,
) {
    match s.hub.locate(&s.name, &q.screen_name, q.kind) {
        Ok(info) => reply(SnacBody::UserInfoReply(info), h, out),
        Err(code) => out.push(error(h.family, code, h.request_id)),
    }
}

/// 02/15: the newer user-info query; answered exactly as 02/05.
pub(super) fn user_info_query2(
    s: &Session,
    h: &SnacHeader,
    q: UserInfoQuery,
    out: &mut Vec<OutSnac>,
) {
    user_info_query(s, h, q, out);
}

/// 02/03: profile and capability limits, as Open OSCAR Server sends them.
fn locate_rights() -> LocateRights {
    LocateRights {
        tlvs: TlvBlock::new()
            .with_u16(0x0001, 0x1000)
            .with_u16(0x0002, 0x0080)
            .with_u16(0x0003, 0x000A)
            .with_u16(0x0004, 0x1000)
            .with_u16(0x0005, 0x0080),
    }
}
