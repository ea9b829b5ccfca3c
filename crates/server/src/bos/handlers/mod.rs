//! The BOS host's SNAC handlers, one module per family, and [`dispatch`], the one place that
//! matches on [`SnacBody`].
//!
//! Each handler is named after its `SnacBody` variant in snake case (`SendIm` →
//! [`icbm::send_im`]) and its doc starts with the SNAC id (`/// 04/06: …`), so `grep 04/06`
//! lands on the wire type in `flapjack-proto` and on the handler here. A new SNAC is a line in
//! the proto crate's `snac_table!`, a handler in its family's module, and an arm below.
//! Handlers answer into `out` in order; they reach the world through the session's [`Hub`].
//!
//! [`Hub`]: super::Hub

mod alert;
mod bart;
mod buddy;
mod chat;
mod chatnav;
mod feedbag;
mod icbm;
mod icq;
mod locate;
mod odir;
mod oservice;
mod permitdeny;
mod stats;
mod userlookup;

use super::session::{error, Flow, Session};
use super::OutSnac;
use crate::oscar::codes::SnacErrorCode;
use crate::oscar::{SnacBody, SnacHeader};

pub use icbm::icbm_params;

/// Hands one decoded SNAC to its handler; anything the host does not answer gets an error.
pub(super) fn dispatch(
    s: &mut Session,
    h: SnacHeader,
    body: SnacBody,
    raw: &[u8],
    out: &mut Vec<OutSnac>,
) -> Flow {
    use SnacBody as B;
    if !s.service.serves(h.family) {
        unsupported(s, &h, &body, out);
        return Flow::Continue;
    }
    match body {
        // 01: OService.
        B::ClientReady(_) => oservice::client_ready(s, out),
        B::ServiceRequest(req) => oservice::service_request(s, &h, req, out),
        B::RateParamsQuery => oservice::rate_params_query(s, &h, out),
        B::RateAck(_) => oservice::rate_ack(),
        B::SelfInfoQuery => oservice::self_info_query(s, &h, out),
        B::IdleTime(t) => oservice::idle_time(s, t),
        B::ClientVersions(v) => oservice::client_versions(s, &h, v, out),
        B::SetStatus(st) => oservice::set_status(s, &h, st, out),
        // 02: Locate.
        B::LocateRightsQuery(_) => locate::locate_rights_query(&h, out),
        B::SetInfo(info) => locate::set_info(s, &h, info, out),
        B::UserInfoQuery(q) => locate::user_info_query(s, &h, q, out),
        B::UserInfoQuery2(q) => locate::user_info_query2(s, &h, q, out),
        // 03: Buddy. 03/04 and 03/05 have no body type yet; their names are read from `raw`.
        B::BuddyRightsQuery(_) => buddy::buddy_rights_query(&h, out),
        B::Unknown { family: 0x03, subtype: 0x04 } => return buddy::add_buddies(s, &h, raw, out),
        B::Unknown { family: 0x03, subtype: 0x05 } => return buddy::del_buddies(s, &h, raw, out),
        B::AddTempBuddies(t) => buddy::add_temp_buddies(s, &h, t, out),
        B::DelTempBuddies(t) => buddy::del_temp_buddies(s, t),
        // 04: ICBM.
        B::SetIcbmParams(p) => icbm::set_icbm_params(s, p),
        B::IcbmParamsQuery => icbm::icbm_params_query(s, &h, out),
        B::SendIm(im) => icbm::send_im(s, &h, im, out),
        B::OfflineRetrieve => icbm::offline_retrieve(s, &h, out),
        B::Typing(t) => icbm::typing(s, t),
        B::Warn(req) => icbm::warn(s, &h, req, out),
        // 09: PermitDeny.
        B::PdRightsQuery(_) => permitdeny::pd_rights_query(&h, out),
        // 0A: UserLookup.
        B::UserLookupFindByEmail(q) => userlookup::user_lookup_find_by_email(s, &h, q, out),
        // 0B: Stats.
        B::StatsReport => stats::stats_report(&h, out),
        // 0D: ChatNav.
        B::ChatNavRightsQuery => chatnav::chat_nav_rights_query(&h, out),
        B::ExchangeInfoQuery(q) => chatnav::exchange_info_query(&h, q, out),
        B::RoomInfoQuery(q) => chatnav::room_info_query(s, &h, q, out),
        B::CreateRoom(r) => chatnav::create_room(s, &h, r, out),
        // 0E: Chat.
        B::RoomMessageToHost(m) => chat::room_message_to_host(s, &h, m, out),
        // 0F: ODir.
        B::DirInfoQuery(q) => odir::dir_info_query(s, &h, q, out),
        B::DirKeywordListQuery => odir::dir_keyword_list_query(s, &h, out),
        // 10: BART.
        B::BartUpload(q) => bart::bart_upload(s, &h, q, out),
        B::BartDownload(q) => bart::bart_download(s, &h, q, out),
        B::BartDownload2(q) => bart::bart_download2(s, &h, q, out),
        // 13: Feedbag.
        B::FeedbagRightsQuery(_) => feedbag::feedbag_rights_query(&h, out),
        B::FeedbagQuery => feedbag::feedbag_query(s, &h, out),
        B::FeedbagQueryIfModified(stamp) => feedbag::feedbag_query_if_modified(s, &h, stamp, out),
        B::FeedbagUse => feedbag::feedbag_use(),
        B::FeedbagInsert(items) => feedbag::feedbag_insert(s, &h, items, out),
        B::FeedbagUpdate(items) => feedbag::feedbag_update(s, &h, items, out),
        B::FeedbagDelete(items) => feedbag::feedbag_delete(s, &h, items, out),
        B::FeedbagStartTransaction(_) => feedbag::feedbag_start_transaction(),
        B::FeedbagEndTransaction => feedbag::feedbag_end_transaction(),
        B::PreAuthorize(req) => feedbag::pre_authorize(s, req),
        B::AuthRequestToHost(req) => feedbag::auth_request_to_host(s, req),
        B::AuthReplyToHost(reply) => feedbag::auth_reply_to_host(s, reply),
        // 15: ICQ.
        B::IcqQuery(meta) => icq::icq_query(s, &h, meta, out),
        // 18: Alert.
        B::AlertCapabilities => alert::alert_capabilities(s),
        B::AlertDisplayCapabilities => alert::alert_display_capabilities(s),
        // What a host sends rather than answers, errors, and SNACs not in the table.
        other => unsupported(s, &h, &other, out),
    }
    Flow::Continue
}

/// Queues `body` as the answer to request `h`.
fn reply(body: SnacBody, h: &SnacHeader, out: &mut Vec<OutSnac>) {
    out.push(OutSnac::new(body, h.request_id));
}

/// As OOS: whatever cannot be routed gets `(family, 0x0001)` code 0x01.
fn unsupported(s: &Session, h: &SnacHeader, body: &SnacBody, out: &mut Vec<OutSnac>) {
    tracing::debug!("{} at {}: unsupported SNAC {:?}", s.name, s.peer, body.id());
    out.push(error(h.family, SnacErrorCode::InvalidSnac, h.request_id));
}
