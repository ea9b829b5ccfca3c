//! Family 13, Feedbag: the server-stored buddy list, read whole or changed item by item.

use super::reply;
use crate::bos::session::{Session, FEEDBAG_PART_MAX};
use crate::bos::{FeedbagOp, OutSnac};
use crate::oscar::feedbag::{
    AuthReply, AuthRequest, FeedbagItems, FeedbagReply, FeedbagRights, FeedbagStamp, FeedbagStatus,
};
use crate::oscar::snac::FLAG_MORE_REPLIES;
use crate::oscar::{SnacBody, SnacHeader, TlvBlock};

/// 13/02: answers 13/03 with [`feedbag_rights`].
pub(super) fn feedbag_rights_query(h: &SnacHeader, out: &mut Vec<OutSnac>) {
    reply(SnacBody::FeedbagRights(feedbag_rights()), h, out);
}

/// 13/04: answers with the whole feedbag in 13/06 parts of at most [`FEEDBAG_PART_MAX`]
/// bytes, every part but the last flagged "more replies follow".
pub(super) fn feedbag_query(s: &Session, h: &SnacHeader, out: &mut Vec<OutSnac>) {
    let bag = s.hub.feedbag(s.id);
    let parts = FeedbagReply::split(bag.items, bag.last_modified, FEEDBAG_PART_MAX);
    let last = parts.len().saturating_sub(1);
    for (i, part) in parts.into_iter().enumerate() {
        let flags = if i < last { FLAG_MORE_REPLIES } else { 0 };
        out.push(OutSnac::with_flags(SnacBody::FeedbagReply(part), h.request_id, flags));
    }
}

/// 13/05: answers 13/0F when the client's copy (time and item count) is current, else as 13/04.
pub(super) fn feedbag_query_if_modified(
    s: &Session,
    h: &SnacHeader,
    stamp: FeedbagStamp,
    out: &mut Vec<OutSnac>,
) {
    let bag = s.hub.feedbag(s.id);
    let count = u16::try_from(bag.items.len()).unwrap_or(u16::MAX);
    if stamp.last_modified == bag.last_modified && stamp.count == count {
        let stamp = FeedbagStamp { last_modified: bag.last_modified, count };
        reply(SnacBody::FeedbagNotModified(stamp), h, out);
    } else {
        feedbag_query(s, h, out);
    }
}

/// 13/07: the client will use the feedbag it has; nothing to answer.
pub(super) fn feedbag_use() {}

/// 13/08: adds items; answers 13/0E and queues 03/0B for new buddies who are online.
pub(super) fn feedbag_insert(
    s: &Session,
    h: &SnacHeader,
    items: FeedbagItems,
    out: &mut Vec<OutSnac>,
) {
    change(s, h, FeedbagOp::Insert, &items, out);
}

/// 13/09: replaces items; answers 13/0E and queues 03/0B for new buddies who are online.
pub(super) fn feedbag_update(
    s: &Session,
    h: &SnacHeader,
    items: FeedbagItems,
    out: &mut Vec<OutSnac>,
) {
    change(s, h, FeedbagOp::Update, &items, out);
}

/// 13/0A: removes items; answers 13/0E.
pub(super) fn feedbag_delete(
    s: &Session,
    h: &SnacHeader,
    items: FeedbagItems,
    out: &mut Vec<OutSnac>,
) {
    change(s, h, FeedbagOp::Delete, &items, out);
}

/// 13/11: a transaction opens; changes apply one SNAC at a time anyway, so nothing to do.
pub(super) fn feedbag_start_transaction() {}

/// 13/12: a transaction closes; nothing to do.
pub(super) fn feedbag_end_transaction() {}

/// 13/08–13/0A: applies `op`, answers 13/0E with a result per item, then any 03/0B.
fn change(
    s: &Session,
    h: &SnacHeader,
    op: FeedbagOp,
    items: &FeedbagItems,
    out: &mut Vec<OutSnac>,
) {
    let (results, arrivals) = s.hub.feedbag_change(s.id, op, &items.items);
    reply(SnacBody::FeedbagStatus(FeedbagStatus { results }), h, out);
    for a in arrivals {
        out.push(OutSnac::new(a, s.hub.server_request_id()));
    }
}

/// 13/14: lets `screen_name` add us without asking (§6.4); they hear 13/15, or 13/1B and our
/// presence if they were waiting.
pub(super) fn pre_authorize(s: &Session, req: AuthRequest) {
    s.hub.auth_answer(s.id, &req.screen_name, true, &req.message, true);
}

/// 13/18: asks `screen_name` for authorization; they get 13/19 now or at their next sign-on.
pub(super) fn auth_request_to_host(s: &Session, req: AuthRequest) {
    s.hub.auth_request(s.id, &req);
}

/// 13/1A: grants or denies a request for our authorization; the requester gets 13/1B.
pub(super) fn auth_reply_to_host(s: &Session, reply: AuthReply) {
    s.hub.auth_answer(s.id, &reply.screen_name, reply.granted(), &reply.reason, false);
}

/// 13/03: max items per class in TLV 0x0004 (buddies, groups, permits, denies, …).
fn feedbag_rights() -> FeedbagRights {
    let mut per_class = [0u16; 0x15];
    for (class, max) in [
        (0x00, 1000),
        (0x01, 100),
        (0x02, 1000),
        (0x03, 1000),
        (0x04, 1),
        (0x05, 1),
        (0x09, 1),
        (0x0E, 1000),
        (0x0F, 1),
        (0x14, 20),
    ] {
        if let Some(slot) = per_class.get_mut(class) {
            *slot = max;
        }
    }
    let tlvs = TlvBlock::new()
        .with_u16(0x0002, 0x00FE)
        .with_u16(0x0003, 0x01FC)
        .with(0x0004, per_class.iter().flat_map(|v| v.to_be_bytes()).collect::<Vec<_>>())
        .with_u16(0x0005, 0x0064)
        .with_u16(0x0006, 0x0061);
    FeedbagRights { tlvs }
}
