//! Dispatch from a SNAC header to the typed body struct, and back to bytes.

use bytes::{Bytes, BytesMut};

use super::buf::{check_len, WireError};
use super::flap::{OutFlap, MAX_FLAP_PAYLOAD};
use super::snac::{Snac, SnacError, SnacHeader, SUBTYPE_ERROR};
use super::{bucp, buddy, feedbag, icbm, locate, oservice, permitdeny};

/// Every SNAC the client or the embedded server sends or receives, typed.
///
/// Variants without data have bodies that are empty on the wire (anything present is ignored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnacBody {
    /// `(family, 0x0001)`: an error in any family.
    Error {
        /// The family that reported it.
        family: u16,
        /// Code and optional subcode.
        error: SnacError,
    },
    /// 01/02.
    ClientReady(oservice::ClientReady),
    /// 01/03.
    HostOnline(oservice::FamilyList),
    /// 01/06.
    RateParamsQuery,
    /// 01/07.
    RateParamsReply(oservice::RateParamsReply),
    /// 01/08.
    RateAck(oservice::RateAck),
    /// 01/0A.
    RateChange(oservice::RateChange),
    /// 01/0B.
    Pause(oservice::FamilyList),
    /// 01/0C.
    PauseAck(oservice::FamilyList),
    /// 01/0D.
    Resume(oservice::FamilyList),
    /// 01/0E.
    SelfInfoQuery,
    /// 01/0F.
    SelfInfo(oservice::SelfInfo),
    /// 01/10.
    Warning(oservice::Warning),
    /// 01/11.
    IdleTime(oservice::IdleTime),
    /// 01/12.
    Migrate(oservice::Migrate),
    /// 01/13.
    Motd(oservice::Motd),
    /// 01/17.
    ClientVersions(oservice::VersionList),
    /// 01/18.
    HostVersions(oservice::VersionList),
    /// 01/1E.
    SetStatus(oservice::SetStatus),
    /// 02/02.
    LocateRightsQuery(locate::LocateRightsQuery),
    /// 02/03.
    LocateRights(locate::LocateRights),
    /// 02/04.
    SetInfo(locate::SetInfo),
    /// 02/05 (u16 type).
    UserInfoQuery(locate::UserInfoQuery),
    /// 02/06.
    UserInfoReply(locate::UserInfoReply),
    /// 02/15 (u32 flags).
    UserInfoQuery2(locate::UserInfoQuery),
    /// 03/02.
    BuddyRightsQuery(buddy::BuddyRightsQuery),
    /// 03/03.
    BuddyRights(buddy::BuddyRights),
    /// 03/0B.
    BuddyArrived(buddy::BuddyPresence),
    /// 03/0C.
    BuddyDeparted(buddy::BuddyPresence),
    /// 04/02.
    SetIcbmParams(icbm::IcbmParams),
    /// 04/04.
    IcbmParamsQuery,
    /// 04/05.
    IcbmParams(icbm::IcbmParams),
    /// 04/06.
    SendIm(icbm::SendIm),
    /// 04/07.
    IncomingIm(icbm::IncomingIm),
    /// 04/0A.
    MissedCalls(icbm::MissedCalls),
    /// 04/0C.
    HostAck(icbm::HostAck),
    /// 04/10.
    OfflineRetrieve,
    /// 04/14.
    Typing(icbm::Typing),
    /// 04/17.
    OfflineDone,
    /// 09/02.
    PdRightsQuery(permitdeny::PdRightsQuery),
    /// 09/03.
    PdRights(permitdeny::PdRights),
    /// 13/02.
    FeedbagRightsQuery(feedbag::FeedbagRightsQuery),
    /// 13/03.
    FeedbagRights(feedbag::FeedbagRights),
    /// 13/04.
    FeedbagQuery,
    /// 13/05.
    FeedbagQueryIfModified(feedbag::FeedbagStamp),
    /// 13/06.
    FeedbagReply(feedbag::FeedbagReply),
    /// 13/07.
    FeedbagUse,
    /// 13/08.
    FeedbagInsert(feedbag::FeedbagItems),
    /// 13/09.
    FeedbagUpdate(feedbag::FeedbagItems),
    /// 13/0A.
    FeedbagDelete(feedbag::FeedbagItems),
    /// 13/0E.
    FeedbagStatus(feedbag::FeedbagStatus),
    /// 13/0F.
    FeedbagNotModified(feedbag::FeedbagStamp),
    /// 13/11.
    FeedbagStartTransaction(feedbag::StartTransaction),
    /// 13/12.
    FeedbagEndTransaction,
    /// 17/02.
    LoginRequest(bucp::LoginRequest),
    /// 17/03.
    LoginReply(bucp::LoginReply),
    /// 17/06.
    ChallengeRequest(bucp::ChallengeRequest),
    /// 17/07.
    ChallengeReply(bucp::ChallengeReply),
    /// A SNAC this build does not model; callers log and skip it, it is not an error.
    Unknown {
        /// Its family.
        family: u16,
        /// Its subtype.
        subtype: u16,
    },
}

/// Decodes a SNAC body according to its header; unknown family/subtype pairs are not errors.
pub fn decode_snac(header: &SnacHeader, body: &[u8]) -> Result<SnacBody, WireError> {
    use SnacBody as B;
    let b = body;
    Ok(match (header.family, header.subtype) {
        (family, SUBTYPE_ERROR) => B::Error { family, error: SnacError::decode(b)? },
        (0x01, 0x02) => B::ClientReady(oservice::ClientReady::decode(b)?),
        (0x01, 0x03) => B::HostOnline(oservice::FamilyList::decode(b)?),
        (0x01, 0x06) => B::RateParamsQuery,
        (0x01, 0x07) => B::RateParamsReply(oservice::RateParamsReply::decode(b)?),
        (0x01, 0x08) => B::RateAck(oservice::RateAck::decode(b)?),
        (0x01, 0x0A) => B::RateChange(oservice::RateChange::decode(b)?),
        (0x01, 0x0B) => B::Pause(oservice::FamilyList::decode(b)?),
        (0x01, 0x0C) => B::PauseAck(oservice::FamilyList::decode(b)?),
        (0x01, 0x0D) => B::Resume(oservice::FamilyList::decode(b)?),
        (0x01, 0x0E) => B::SelfInfoQuery,
        (0x01, 0x0F) => B::SelfInfo(oservice::SelfInfo::decode(b)?),
        (0x01, 0x10) => B::Warning(oservice::Warning::decode(b)?),
        (0x01, 0x11) => B::IdleTime(oservice::IdleTime::decode(b)?),
        (0x01, 0x12) => B::Migrate(oservice::Migrate::decode(b)?),
        (0x01, 0x13) => B::Motd(oservice::Motd::decode(b)?),
        (0x01, 0x17) => B::ClientVersions(oservice::VersionList::decode(b)?),
        (0x01, 0x18) => B::HostVersions(oservice::VersionList::decode(b)?),
        (0x01, 0x1E) => B::SetStatus(oservice::SetStatus::decode(b)?),
        (0x02, 0x02) => B::LocateRightsQuery(locate::LocateRightsQuery::decode(b)?),
        (0x02, 0x03) => B::LocateRights(locate::LocateRights::decode(b)?),
        (0x02, 0x04) => B::SetInfo(locate::SetInfo::decode(b)?),
        (0x02, 0x05) => B::UserInfoQuery(locate::UserInfoQuery::decode_05(b)?),
        (0x02, 0x06) => B::UserInfoReply(locate::UserInfoReply::decode(b)?),
        (0x02, 0x15) => B::UserInfoQuery2(locate::UserInfoQuery::decode_15(b)?),
        (0x03, 0x02) => B::BuddyRightsQuery(buddy::BuddyRightsQuery::decode(b)?),
        (0x03, 0x03) => B::BuddyRights(buddy::BuddyRights::decode(b)?),
        (0x03, 0x0B) => B::BuddyArrived(buddy::BuddyPresence::decode(b)?),
        (0x03, 0x0C) => B::BuddyDeparted(buddy::BuddyPresence::decode(b)?),
        (0x04, 0x02) => B::SetIcbmParams(icbm::IcbmParams::decode(b)?),
        (0x04, 0x04) => B::IcbmParamsQuery,
        (0x04, 0x05) => B::IcbmParams(icbm::IcbmParams::decode(b)?),
        (0x04, 0x06) => B::SendIm(icbm::SendIm::decode(b)?),
        (0x04, 0x07) => B::IncomingIm(icbm::IncomingIm::decode(b)?),
        (0x04, 0x0A) => B::MissedCalls(icbm::MissedCalls::decode(b)?),
        (0x04, 0x0C) => B::HostAck(icbm::HostAck::decode(b)?),
        (0x04, 0x10) => B::OfflineRetrieve,
        (0x04, 0x14) => B::Typing(icbm::Typing::decode(b)?),
        (0x04, 0x17) => B::OfflineDone,
        (0x09, 0x02) => B::PdRightsQuery(permitdeny::PdRightsQuery::decode(b)?),
        (0x09, 0x03) => B::PdRights(permitdeny::PdRights::decode(b)?),
        (0x13, 0x02) => B::FeedbagRightsQuery(feedbag::FeedbagRightsQuery::decode(b)?),
        (0x13, 0x03) => B::FeedbagRights(feedbag::FeedbagRights::decode(b)?),
        (0x13, 0x04) => B::FeedbagQuery,
        (0x13, 0x05) => B::FeedbagQueryIfModified(feedbag::FeedbagStamp::decode(b)?),
        (0x13, 0x06) => B::FeedbagReply(feedbag::FeedbagReply::decode(b)?),
        (0x13, 0x07) => B::FeedbagUse,
        (0x13, 0x08) => B::FeedbagInsert(feedbag::FeedbagItems::decode(b)?),
        (0x13, 0x09) => B::FeedbagUpdate(feedbag::FeedbagItems::decode(b)?),
        (0x13, 0x0A) => B::FeedbagDelete(feedbag::FeedbagItems::decode(b)?),
        (0x13, 0x0E) => B::FeedbagStatus(feedbag::FeedbagStatus::decode(b)?),
        (0x13, 0x0F) => B::FeedbagNotModified(feedbag::FeedbagStamp::decode(b)?),
        (0x13, 0x11) => B::FeedbagStartTransaction(feedbag::StartTransaction::decode(b)?),
        (0x13, 0x12) => B::FeedbagEndTransaction,
        (0x17, 0x02) => B::LoginRequest(bucp::LoginRequest::decode(b)?),
        (0x17, 0x03) => B::LoginReply(bucp::LoginReply::decode(b)?),
        (0x17, 0x06) => B::ChallengeRequest(bucp::ChallengeRequest::decode(b)?),
        (0x17, 0x07) => B::ChallengeReply(bucp::ChallengeReply::decode(b)?),
        (family, subtype) => B::Unknown { family, subtype },
    })
}

impl SnacBody {
    /// The `(family, subtype)` this body is sent as.
    pub fn id(&self) -> (u16, u16) {
        use SnacBody as B;
        match self {
            B::Error { family, .. } => (*family, SUBTYPE_ERROR),
            B::ClientReady(_) => (0x01, 0x02),
            B::HostOnline(_) => (0x01, 0x03),
            B::RateParamsQuery => (0x01, 0x06),
            B::RateParamsReply(_) => (0x01, 0x07),
            B::RateAck(_) => (0x01, 0x08),
            B::RateChange(_) => (0x01, 0x0A),
            B::Pause(_) => (0x01, 0x0B),
            B::PauseAck(_) => (0x01, 0x0C),
            B::Resume(_) => (0x01, 0x0D),
            B::SelfInfoQuery => (0x01, 0x0E),
            B::SelfInfo(_) => (0x01, 0x0F),
            B::Warning(_) => (0x01, 0x10),
            B::IdleTime(_) => (0x01, 0x11),
            B::Migrate(_) => (0x01, 0x12),
            B::Motd(_) => (0x01, 0x13),
            B::ClientVersions(_) => (0x01, 0x17),
            B::HostVersions(_) => (0x01, 0x18),
            B::SetStatus(_) => (0x01, 0x1E),
            B::LocateRightsQuery(_) => (0x02, 0x02),
            B::LocateRights(_) => (0x02, 0x03),
            B::SetInfo(_) => (0x02, 0x04),
            B::UserInfoQuery(_) => (0x02, 0x05),
            B::UserInfoReply(_) => (0x02, 0x06),
            B::UserInfoQuery2(_) => (0x02, 0x15),
            B::BuddyRightsQuery(_) => (0x03, 0x02),
            B::BuddyRights(_) => (0x03, 0x03),
            B::BuddyArrived(_) => (0x03, 0x0B),
            B::BuddyDeparted(_) => (0x03, 0x0C),
            B::SetIcbmParams(_) => (0x04, 0x02),
            B::IcbmParamsQuery => (0x04, 0x04),
            B::IcbmParams(_) => (0x04, 0x05),
            B::SendIm(_) => (0x04, 0x06),
            B::IncomingIm(_) => (0x04, 0x07),
            B::MissedCalls(_) => (0x04, 0x0A),
            B::HostAck(_) => (0x04, 0x0C),
            B::OfflineRetrieve => (0x04, 0x10),
            B::Typing(_) => (0x04, 0x14),
            B::OfflineDone => (0x04, 0x17),
            B::PdRightsQuery(_) => (0x09, 0x02),
            B::PdRights(_) => (0x09, 0x03),
            B::FeedbagRightsQuery(_) => (0x13, 0x02),
            B::FeedbagRights(_) => (0x13, 0x03),
            B::FeedbagQuery => (0x13, 0x04),
            B::FeedbagQueryIfModified(_) => (0x13, 0x05),
            B::FeedbagReply(_) => (0x13, 0x06),
            B::FeedbagUse => (0x13, 0x07),
            B::FeedbagInsert(_) => (0x13, 0x08),
            B::FeedbagUpdate(_) => (0x13, 0x09),
            B::FeedbagDelete(_) => (0x13, 0x0A),
            B::FeedbagStatus(_) => (0x13, 0x0E),
            B::FeedbagNotModified(_) => (0x13, 0x0F),
            B::FeedbagStartTransaction(_) => (0x13, 0x11),
            B::FeedbagEndTransaction => (0x13, 0x12),
            B::LoginRequest(_) => (0x17, 0x02),
            B::LoginReply(_) => (0x17, 0x03),
            B::ChallengeRequest(_) => (0x17, 0x06),
            B::ChallengeReply(_) => (0x17, 0x07),
            B::Unknown { family, subtype } => (*family, *subtype),
        }
    }

    /// Writes the body bytes; [`SnacBody::Unknown`] has no body to write and is an error.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        use SnacBody as B;
        match self {
            B::Error { error, .. } => error.encode(out),
            B::ClientReady(v) => v.encode(out),
            B::HostOnline(v) | B::Pause(v) | B::PauseAck(v) | B::Resume(v) => v.encode(out),
            B::RateParamsReply(v) => v.encode(out),
            B::RateAck(v) => v.encode(out),
            B::RateChange(v) => v.encode(out),
            B::SelfInfo(v) => v.encode(out),
            B::Warning(v) => v.encode(out),
            B::IdleTime(v) => v.encode(out),
            B::Migrate(v) => v.encode(out),
            B::Motd(v) => v.encode(out),
            B::ClientVersions(v) | B::HostVersions(v) => v.encode(out),
            B::SetStatus(v) => v.encode(out),
            B::LocateRightsQuery(v) => v.encode(out),
            B::LocateRights(v) => v.encode(out),
            B::SetInfo(v) => v.encode(out),
            B::UserInfoQuery(v) => v.encode_05(out),
            B::UserInfoReply(v) => v.encode(out),
            B::UserInfoQuery2(v) => v.encode_15(out),
            B::BuddyRightsQuery(v) => v.encode(out),
            B::BuddyRights(v) => v.encode(out),
            B::BuddyArrived(v) | B::BuddyDeparted(v) => v.encode(out),
            B::SetIcbmParams(v) | B::IcbmParams(v) => v.encode(out),
            B::SendIm(v) => v.encode(out),
            B::IncomingIm(v) => v.encode(out),
            B::MissedCalls(v) => v.encode(out),
            B::HostAck(v) => v.encode(out),
            B::Typing(v) => v.encode(out),
            B::PdRightsQuery(v) => v.encode(out),
            B::PdRights(v) => v.encode(out),
            B::FeedbagRightsQuery(v) => v.encode(out),
            B::FeedbagRights(v) => v.encode(out),
            B::FeedbagQueryIfModified(v) | B::FeedbagNotModified(v) => v.encode(out),
            B::FeedbagReply(v) => v.encode(out),
            B::FeedbagInsert(v) | B::FeedbagUpdate(v) | B::FeedbagDelete(v) => v.encode(out),
            B::FeedbagStatus(v) => v.encode(out),
            B::FeedbagStartTransaction(v) => v.encode(out),
            B::LoginRequest(v) => v.encode(out),
            B::LoginReply(v) => v.encode(out),
            B::ChallengeRequest(v) => v.encode(out),
            B::ChallengeReply(v) => v.encode(out),
            B::RateParamsQuery
            | B::SelfInfoQuery
            | B::IcbmParamsQuery
            | B::OfflineRetrieve
            | B::OfflineDone
            | B::FeedbagQuery
            | B::FeedbagUse
            | B::FeedbagEndTransaction => Ok(()),
            B::Unknown { family, subtype } => Err(WireError::invalid(
                "SNAC",
                format!("cannot encode unmodelled SNAC {family:04X}/{subtype:04X}"),
            )),
        }
    }
}

/// Encodes a typed SNAC with the given request id and flags into one channel-2 FLAP payload.
pub fn encode_snac(body: &SnacBody, request_id: u32, flags: u16) -> Result<Bytes, WireError> {
    let (family, subtype) = body.id();
    let mut out = BytesMut::with_capacity(64);
    SnacHeader { family, subtype, flags, request_id }.write(&mut out);
    body.encode(&mut out)?;
    check_len("SNAC", out.len(), MAX_FLAP_PAYLOAD)?;
    Ok(out.freeze())
}

/// Encodes a typed SNAC straight into a frame for [`super::FlapCodec`].
pub fn snac_flap(body: &SnacBody, request_id: u32) -> Result<OutFlap, WireError> {
    encode_snac(body, request_id, 0).map(OutFlap::data)
}

/// Splits and decodes a channel-2 FLAP payload in one step.
pub fn decode_snac_payload(payload: &Bytes) -> Result<(SnacHeader, SnacBody), WireError> {
    let snac = Snac::decode(payload)?;
    let body = decode_snac(&snac.header, &snac.body)?;
    Ok((snac.header, body))
}
