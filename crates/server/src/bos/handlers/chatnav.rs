//! Family 0D, ChatNav: limits, exchanges, room lookup and creation, each answered with 0D/09
//! (docs/protocol.md §13.2).

use super::reply;
use crate::bos::session::{error, Session};
use crate::bos::OutSnac;
use crate::oscar::chat::RoomInfo;
use crate::oscar::chatnav::{self, ExchangeInfoQuery, NavInfo, RoomInfoQuery};
use crate::oscar::codes::SnacErrorCode;
use crate::oscar::{SnacBody, SnacHeader};

fn answer(result: Result<NavInfo, SnacErrorCode>, h: &SnacHeader, out: &mut Vec<OutSnac>) {
    match result {
        Ok(nav) => reply(SnacBody::NavInfo(nav), h, out),
        Err(code) => out.push(error(chatnav::FAMILY, code, h.request_id)),
    }
}

/// 0D/02: the limits and both exchanges (4 user rooms, 5 public rooms).
pub(super) fn chat_nav_rights_query(h: &SnacHeader, out: &mut Vec<OutSnac>) {
    let nav = crate::bos::hub::chat_rights().map_err(|_| SnacErrorCode::GeneralFailure);
    answer(nav, h, out);
}

/// 0D/03: one exchange's settings; other exchanges than 4 and 5 get code 0x08.
pub(super) fn exchange_info_query(h: &SnacHeader, q: ExchangeInfoQuery, out: &mut Vec<OutSnac>) {
    answer(crate::bos::hub::exchange_info(q.exchange), h, out);
}

/// 0D/04: one room by its reference; unknown rooms get code 0x14.
pub(super) fn room_info_query(
    s: &Session,
    h: &SnacHeader,
    q: RoomInfoQuery,
    out: &mut Vec<OutSnac>,
) {
    answer(s.hub.room_info(&q), h, out);
}

/// 0D/08: joins the room named, creating it on exchange 4; an unknown public room (5) gets
/// code 0x14.
pub(super) fn create_room(s: &Session, h: &SnacHeader, r: RoomInfo, out: &mut Vec<OutSnac>) {
    answer(s.hub.create_room(&r), h, out);
}
