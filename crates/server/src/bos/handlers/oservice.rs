//! Family 01, OService: versions, rate classes, self info, idle and status.

use super::reply;
use crate::bos::services::Service;
use crate::bos::session::{error, Session};
use crate::bos::OutSnac;
use crate::oscar::oservice::{
    IdleTime, SelfInfo, ServiceRedirect, ServiceRequest, SetStatus, VersionList,
};
use crate::oscar::{SnacBody, SnacHeader};

/// 01/02: the client is signed on. On BOS: 03/0B for its online buddies, then its offline
/// IMs. On a room connection: it joins (0E/03 everyone, 0E/02; the others get 0E/03).
pub(super) fn client_ready(s: &Session, out: &mut Vec<OutSnac>) {
    let bodies = match &s.service {
        Service::Bos => s.hub.client_ready(s.id),
        Service::Chat(_) => s.hub.join_room(s.id),
        Service::ChatNav | Service::Bart | Service::Directory => Vec::new(),
    };
    for body in bodies {
        out.push(OutSnac::new(body, s.hub.server_request_id()));
    }
}

/// 01/04: a ChatNav or room connection is wanted; answers 01/05 pointing at this host with a
/// cookie that says which service (§13.1), or 01/01 (0x05 for services not run).
pub(super) fn service_request(
    s: &Session,
    h: &SnacHeader,
    r: ServiceRequest,
    out: &mut Vec<OutSnac>,
) {
    match s.hub.issue_service_cookie(s.id, &r) {
        Ok(cookie) => {
            let host = s.hub.state().bos_addr.to_string();
            let redirect = ServiceRedirect::new(r.family, &host, &cookie);
            reply(SnacBody::ServiceRedirect(redirect), h, out);
        }
        Err(code) => out.push(error(0x0001, code, h.request_id)),
    }
}

/// 01/06: answers 01/07 with the configured rate classes (extended for OService 2+), the IM
/// class at the account's current level (§14).
pub(super) fn rate_params_query(s: &Session, h: &SnacHeader, out: &mut Vec<OutSnac>) {
    reply(SnacBody::RateParamsReply(s.rate_params()), h, out);
}

/// 01/08: the client accepts the rate classes; nothing to answer.
pub(super) fn rate_ack() {}

/// 01/0E: answers 01/0F with the session's own user info.
pub(super) fn self_info_query(s: &Session, h: &SnacHeader, out: &mut Vec<OutSnac>) {
    if let Some(info) = s.hub.self_info(s.id) {
        reply(SnacBody::SelfInfo(SelfInfo { info, more: Vec::new() }), h, out);
    }
}

/// 01/11: the client has been idle this long (0 = active again); watchers are told.
pub(super) fn idle_time(s: &Session, t: IdleTime) {
    s.hub.set_idle(s.id, t.seconds);
}

/// 01/17: notes the OService version (it picks the rate-reply format) and echoes 01/18.
pub(super) fn client_versions(
    s: &mut Session,
    h: &SnacHeader,
    v: VersionList,
    out: &mut Vec<OutSnac>,
) {
    s.oservice_version = v.version_of(0x0001).unwrap_or(1);
    reply(SnacBody::HostVersions(v), h, out);
}

/// 01/1E: a new status word; answers 01/0F with the updated self info.
pub(super) fn set_status(s: &Session, h: &SnacHeader, st: SetStatus, out: &mut Vec<OutSnac>) {
    if let Some(info) = s.hub.set_status(s.id, st.status_word()) {
        reply(SnacBody::SelfInfo(SelfInfo { info, more: Vec::new() }), h, out);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::bos::session::tests::session;
    use crate::oscar::codes::SnacErrorCode;
    use crate::oscar::decode_snac_payload;
    use crate::oscar::TlvBlock;
    use crate::RateClasses;

    fn answers(req: ServiceRequest) -> (u32, SnacBody) {
        let s = session(RateClasses::aol());
        let mut out = Vec::new();
        let h = SnacHeader::new(0x0001, 0x0004, 77);
        service_request(&s, &h, req, &mut out);
        assert_eq!(out.len(), 1);
        let (h, body) = decode_snac_payload(&out[0].encode().unwrap().payload).unwrap();
        (h.request_id, body)
    }

    #[test]
    fn services_not_run_are_unavailable_and_chatnav_redirects() {
        // Alert, a BOS family and nonsense: service unavailable, in family 01 with the
        // request's id, as Open OSCAR Server answers.
        for family in [0x0018, 0x0002, 0x7777] {
            let (id, body) = answers(ServiceRequest { family, tlvs: TlvBlock::new() });
            assert_eq!(id, 77);
            assert!(
                matches!(&body, SnacBody::Error { family: 1, error }
                    if error.code == SnacErrorCode::ServiceUnavailable),
                "{family:#x}: {body:?}"
            );
        }
        // ChatNav, BART and the directory run: 01/05 for them, with a cookie, on the
        // request's id.
        for family in [0x000D, 0x0010, 0x000F] {
            let (id, body) = answers(ServiceRequest::new(family));
            assert_eq!(id, 77);
            let SnacBody::ServiceRedirect(r) = body else { panic!("{body:?}") };
            assert_eq!(r.family(), Some(family));
            assert!(r.cookie().is_some_and(|c| !c.is_empty()));
        }
    }
}
