//! Family 0E, Chat: messages to a room (docs/protocol.md §13.3). Joining happens at 01/02 and
//! leaving when the connection closes.

use super::reply;
use crate::bos::session::{error, Session};
use crate::bos::OutSnac;
use crate::oscar::chat::{self, ChatMessage};
use crate::oscar::{SnacBody, SnacHeader};

/// 0E/05: relayed as 0E/06 to every other occupant; the sender gets its copy back (same request
/// id) only when it asked with TLV 0x0006.
pub(super) fn room_message_to_host(
    s: &Session,
    h: &SnacHeader,
    m: ChatMessage,
    out: &mut Vec<OutSnac>,
) {
    match s.hub.room_message(s.id, &m) {
        Ok(Some(own)) => reply(SnacBody::RoomMessage(own), h, out),
        Ok(None) => {}
        Err(code) => out.push(error(chat::FAMILY, code, h.request_id)),
    }
}
