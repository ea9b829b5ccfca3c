//! Family 0F, ODir: the AIM directory (docs/protocol.md §16), served on a directory service
//! connection (01/04 → 01/05) only, as Open OSCAR Server serves it.

use super::reply;
use crate::bos::session::Session;
use crate::bos::OutSnac;
use crate::oscar::odir::InfoQuery;
use crate::oscar::{SnacBody, SnacHeader};

/// 0F/02: answers 0F/03 with the status and the people found (at most
/// [`crate::bos::hub::MAX_DIRECTORY_RESULTS`]).
pub(super) fn dir_info_query(s: &Session, h: &SnacHeader, q: InfoQuery, out: &mut Vec<OutSnac>) {
    let answer = s.hub.directory_search(q.query().as_ref());
    reply(SnacBody::DirInfoReply(answer), h, out);
}

/// 0F/04: answers 0F/05 with the interest keywords the directory's people list.
pub(super) fn dir_keyword_list_query(s: &Session, h: &SnacHeader, out: &mut Vec<OutSnac>) {
    reply(SnacBody::DirKeywordListReply(s.hub.directory_keywords()), h, out);
}
