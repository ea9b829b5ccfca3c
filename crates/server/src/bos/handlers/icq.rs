//! Family 15, ICQ: the meta directory (user information and search, §10.1).

use super::unsupported;
use crate::bos::session::Session;
use crate::bos::OutSnac;
use crate::oscar::icq::IcqMeta;
use crate::oscar::{SnacBody, SnacHeader};

/// 15/02: answers a meta request with one or more 15/03 (all but the last flagged "more
/// follow"); any other packet type (offline messages the ICQ way) is not served.
pub(super) fn icq_query(s: &Session, h: &SnacHeader, meta: IcqMeta, out: &mut Vec<OutSnac>) {
    match s.hub.icq_query(s.id, &meta) {
        Some(replies) => {
            for (body, flags) in replies {
                out.push(OutSnac::with_flags(body, h.request_id, flags));
            }
        }
        None => unsupported(s, h, &SnacBody::IcqQuery(meta), out),
    }
}
