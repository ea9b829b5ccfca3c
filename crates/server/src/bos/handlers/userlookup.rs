//! Family 0A, UserLookup (§5.8): the old search by e-mail address, answered on BOS from the
//! same directory entries the AIM directory searches (§16).

use super::reply;
use crate::bos::session::{error, Session};
use crate::bos::OutSnac;
use crate::oscar::codes::SnacErrorCode;
use crate::oscar::userlookup::{FindByEmail, FindReply, FAMILY};
use crate::oscar::{SnacBody, SnacHeader};

/// 0A/02: 0A/03 naming who has the address, or 0A/01 code 0x14 when nobody listed does.
pub(super) fn user_lookup_find_by_email(
    s: &Session,
    h: &SnacHeader,
    q: FindByEmail,
    out: &mut Vec<OutSnac>,
) {
    let names = s.hub.lookup_by_email(&q.address());
    if names.is_empty() {
        out.push(error(FAMILY, SnacErrorCode::NoMatch, h.request_id));
        return;
    }
    reply(
        SnacBody::UserLookupFindReply(FindReply::naming(names.iter().map(String::as_str))),
        h,
        out,
    );
}
