//! Family 04, ICBM: IM parameters, IMs, typing notices and offline messages.

use super::reply;
use crate::bos::limits::{tlv_bytes, IM_OVERHEAD, MAX_IM_FIELD};
use crate::bos::session::{error, Session};
use crate::bos::{ImOutcome, OutSnac};
use crate::guard::LogSafe;
use crate::oscar::codes::SnacErrorCode;
use crate::oscar::icbm::{self, HostAck, IcbmParams, SendIm, Typing, WarnRequest};
use crate::oscar::{SnacBody, SnacHeader};

/// 04/02: the client's ICBM flags; only "wants typing events" (0x08) matters to this host.
pub(super) fn set_icbm_params(s: &Session, p: IcbmParams) {
    s.hub.set_icbm_flags(s.id, p.flags);
}

/// 04/04: answers 04/05 with [`icbm_params`] and the configured maximum message size.
pub(super) fn icbm_params_query(s: &Session, h: &SnacHeader, out: &mut Vec<OutSnac>) {
    let max = s.hub.state().config.max_message_size;
    reply(SnacBody::IcbmParams(icbm_params(max)), h, out);
}

/// 04/06: an IM to relay. An IM over a size limit ([`oversize`]) is refused with error 0x0D
/// (§7.2); otherwise the hub delivers or stores it and, when the sender asked, 04/0C
/// acknowledges it. An unknown or offline-and-unstorable recipient gets an error instead.
pub(super) fn send_im(s: &Session, h: &SnacHeader, im: SendIm, out: &mut Vec<OutSnac>) {
    let max = usize::from(s.hub.state().config.max_message_size);
    if let Some(why) = oversize(&im, max) {
        let to = LogSafe(&im.recipient);
        tracing::info!("{} at {}: IM to {to} refused, {why}", s.name, s.peer);
        out.push(error(icbm::FAMILY, SnacErrorCode::RequestDenied, h.request_id));
        return;
    }
    match s.hub.send_im(s.id, &im) {
        Ok(outcome) => {
            if outcome == ImOutcome::Stored {
                tracing::debug!("{}: IM to offline {} stored", s.name, LogSafe(&im.recipient));
            }
            if im.wants_ack() {
                let ack =
                    HostAck { cookie: im.cookie, channel: im.channel, screen_name: im.recipient };
                reply(SnacBody::HostAck(ack), h, out);
            }
        }
        Err(error) => {
            out.push(OutSnac::new(SnacBody::Error { family: icbm::FAMILY, error }, h.request_id))
        }
    }
}

/// Which size limit `im` breaks, if any: its message data (TLV 0x0002) over `max` (the maximum
/// message size 04/05 advertises; so is channel 2's data, 0x0005), another field over
/// [`MAX_IM_FIELD`], or all its TLVs together
/// over `max` + [`IM_OVERHEAD`].
fn oversize(im: &SendIm, max: usize) -> Option<String> {
    for t in im.tlvs.iter() {
        // The text of channel 1, and of channel 2's rendezvous data (invitations, ICQ
        // messages), is the user's: bounded like the message; the rest are small fields.
        let user_text = [icbm::tlv::MESSAGE_DATA, icbm::tlv::ICQ_DATA].contains(&t.kind);
        let limit = if user_text { max } else { MAX_IM_FIELD };
        if t.value.len() > limit {
            return Some(format!(
                "TLV 0x{:04X} is {} bytes (limit {limit})",
                t.kind,
                t.value.len()
            ));
        }
    }
    let total = tlv_bytes(&im.tlvs);
    (total > max + IM_OVERHEAD)
        .then(|| format!("its TLVs total {total} bytes (limit {})", max + IM_OVERHEAD))
}

/// 04/10: queues the stored offline IMs (04/07), then answers 04/17.
pub(super) fn offline_retrieve(s: &Session, h: &SnacHeader, out: &mut Vec<OutSnac>) {
    for body in s.hub.offline_retrieve(s.id) {
        out.push(OutSnac::new(body, s.hub.server_request_id()));
    }
    reply(SnacBody::OfflineDone, h, out);
}

/// 04/14: relays a typing notice to the recipient; nothing to answer.
pub(super) fn typing(s: &Session, t: Typing) {
    s.hub.typing(s.id, &t);
}

/// 04/08: warns a user; answered by 04/09 with the applied delta and new level, or an error
/// when the hub refuses (see `Hub::warn`).
pub(super) fn warn(s: &Session, h: &SnacHeader, req: WarnRequest, out: &mut Vec<OutSnac>) {
    match s.hub.warn(s.id, &req.screen_name, req.anonymous) {
        Ok(r) => reply(SnacBody::WarnReply(r), h, out),
        Err(code) => out.push(error(icbm::FAMILY, code, h.request_id)),
    }
}

/// 04/05 as Open OSCAR Server answers it, with our maximum message size.
pub fn icbm_params(max_message_size: u16) -> IcbmParams {
    IcbmParams {
        channel: 0x0064,
        flags: 0x0000_0003,
        max_message_size,
        max_sender_warning: 999,
        max_receiver_warning: 999,
        min_interval_ms: 0,
    }
}
