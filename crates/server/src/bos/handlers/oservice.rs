//! Family 01, OService: versions, rate classes, self info, idle and status.

use super::reply;
use crate::bos::session::{error, Session};
use crate::bos::OutSnac;
use crate::oscar::codes::SnacErrorCode;
use crate::oscar::oservice::{
    IdleTime, SelfInfo, ServiceRedirect, ServiceRequest, SetStatus, VersionList,
};
use crate::oscar::{SnacBody, SnacHeader};

/// Answers a 01/04 for one service with its 01/05 (`host[:port]` in 0x0005, the cookie to
/// present there in 0x0006), or with the error code when the request itself cannot be served
/// (say, a Chat request naming no known room).
pub(crate) type ServiceRedirectFn =
    fn(&Session, &ServiceRequest) -> Result<ServiceRedirect, SnacErrorCode>;

/// Every service `serve` runs beside BOS, reached through 01/04: one line per service,
/// `(family, the function that builds its 01/05)`. A family not listed here is answered with
/// 01/01 code 0x05, service unavailable, as Open OSCAR Server answers (docs/protocol.md §5.1).
/// BOS's own families (01–04, 09, 13) are served on the BOS connection and never redirected.
pub(crate) const SERVICES: &[(u16, ServiceRedirectFn)] = &[];

/// 01/02: the client is signed on; queues 03/0B for its online buddies, then its offline IMs.
pub(super) fn client_ready(s: &Session, out: &mut Vec<OutSnac>) {
    for body in s.hub.client_ready(s.id) {
        out.push(OutSnac::new(body, s.hub.server_request_id()));
    }
}

/// 01/04: a client asks where the service for a family runs; answered from [`SERVICES`].
pub(super) fn service_request(
    s: &Session,
    h: &SnacHeader,
    req: ServiceRequest,
    out: &mut Vec<OutSnac>,
) {
    service_request_in(SERVICES, s, h, &req, out);
}

/// [`service_request`] against a given table (tests register their own).
fn service_request_in(
    services: &[(u16, ServiceRedirectFn)],
    s: &Session,
    h: &SnacHeader,
    req: &ServiceRequest,
    out: &mut Vec<OutSnac>,
) {
    let answer = match services.iter().find(|(family, _)| *family == req.family) {
        Some((_, redirect)) => redirect(s, req),
        None => Err(SnacErrorCode::ServiceUnavailable),
    };
    match answer {
        Ok(redirect) => reply(SnacBody::ServiceRedirect(redirect), h, out),
        Err(code) => {
            tracing::info!(
                "{} at {}: 01/04 for family {:#06x} answered with {code}",
                s.name,
                s.peer,
                req.family
            );
            out.push(error(h.family, code, h.request_id));
        }
    }
}

/// 01/06: answers 01/07 with the configured rate classes (extended for OService 2+).
pub(super) fn rate_params_query(s: &Session, h: &SnacHeader, out: &mut Vec<OutSnac>) {
    let params = s.hub.state().config.rate_classes.reply(s.extended());
    reply(SnacBody::RateParamsReply(params), h, out);
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
    use crate::oscar::decode_snac_payload;
    use crate::oscar::TlvBlock;
    use crate::RateClasses;

    fn redirect_alert(s: &Session, req: &ServiceRequest) -> Result<ServiceRedirect, SnacErrorCode> {
        if req.tlvs.value(0x0001).is_some() {
            return Err(SnacErrorCode::BustedPayload);
        }
        let tlvs = TlvBlock::new()
            .with_u16(0x000D, req.family)
            .with(0x0005, s.name.as_str().as_bytes().to_vec())
            .with(0x0006, vec![0xC0; 4]);
        Ok(ServiceRedirect { tlvs })
    }

    fn answers(table: &[(u16, ServiceRedirectFn)], req: ServiceRequest) -> (u32, SnacBody) {
        let s = session(RateClasses::aol());
        let mut out = Vec::new();
        let h = SnacHeader::new(0x0001, 0x0004, 77);
        service_request_in(table, &s, &h, &req, &mut out);
        assert_eq!(out.len(), 1);
        let (h, body) = decode_snac_payload(&out[0].encode().unwrap().payload).unwrap();
        (h.request_id, body)
    }

    #[test]
    fn services_not_run_are_unavailable_and_registered_ones_redirect() {
        // What serve runs today: nothing beside BOS, so ChatNav, Chat, BART and Alert are
        // all service-unavailable, in family 01 with the request's id.
        for family in [0x000D, 0x000E, 0x0010, 0x0018, 0x0002, 0x7777] {
            let (id, body) = answers(SERVICES, ServiceRequest { family, tlvs: TlvBlock::new() });
            assert_eq!(id, 77);
            assert!(
                matches!(&body, SnacBody::Error { family: 1, error }
                    if error.code == SnacErrorCode::ServiceUnavailable),
                "{family:#x}: {body:?}"
            );
        }
        // A registered service answers 01/05 with what its function built, or its error.
        let table: &[(u16, ServiceRedirectFn)] = &[(0x0018, redirect_alert)];
        let (id, body) = answers(table, ServiceRequest { family: 0x0018, tlvs: TlvBlock::new() });
        assert_eq!(id, 77);
        let SnacBody::ServiceRedirect(r) = body else { panic!("{body:?}") };
        assert_eq!((r.family(), r.cookie()), (Some(0x0018), Some(&[0xC0; 4][..])));
        let bad = ServiceRequest { family: 0x0018, tlvs: TlvBlock::new().with(0x0001, vec![1]) };
        let (_, body) = answers(table, bad);
        assert!(matches!(&body, SnacBody::Error { family: 1, error }
            if error.code == SnacErrorCode::BustedPayload));
        let (_, body) = answers(table, ServiceRequest { family: 0x000D, tlvs: TlvBlock::new() });
        assert!(matches!(&body, SnacBody::Error { error, .. }
            if error.code == SnacErrorCode::ServiceUnavailable));
    }
}
