//! The SNAC table: every SNAC flapjack models, declared once.
//!
//! Each line of [`snac_table!`](self) names a SNAC's id, its [`SnacBody`] variant and the body
//! type that reads and writes it. From that one line the macro generates the variant, its
//! decode arm, its id, its encode arm, its name (for logs) and its entry in the property tests'
//! strategy, so adding a SNAC is one line here plus a body type in its family's module. The
//! body type's own doc starts with the same id (`04/06`), so `grep 04/06` finds both.
//!
//! The client's handler for a SNAC lives in `session::handlers::<family>` and the embedded
//! server's in `server::bos::handlers::<family>`, each named after the variant in snake case.

use bytes::{Bytes, BytesMut};

use super::buf::{check_len, Reader, WireError};
use super::flap::{OutFlap, MAX_FLAP_PAYLOAD};
use super::snac::{Snac, SnacError, SnacHeader, SUBTYPE_ERROR};
use super::{
    bart, bucp, buddy, chat, chatnav, feedbag, icbm, icq, locate, odir, oservice, permitdeny,
    stats, userlookup,
};

/// Generates [`SnacBody`] and everything keyed by it from one table.
///
/// An entry is `family/subtype => Variant`, optionally followed by `(BodyType)`, and for a body
/// type shared by two SNACs whose layouts differ, by `via decode_fn encode_fn`. Entries without
/// a body type are SNACs whose body is empty on the wire (anything present is ignored).
macro_rules! snac_table {
    ($(
        $(#[$doc:meta])*
        $family:literal / $subtype:literal => $name:ident $(($ty:ty) $(via $dec:ident $enc:ident)?)?
    ),* $(,)?) => {
        /// Every SNAC the client or the embedded server sends or receives, typed.
        ///
        /// Variants without data have bodies that are empty on the wire (anything present is
        /// ignored).
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum SnacBody {
            /// `(family, 0x0001)`: an error in any family.
            Error {
                /// The family that reported it.
                family: u16,
                /// Code and optional subcode.
                error: SnacError,
            },
            $($(#[$doc])* $name $(($ty))?,)*
            /// A SNAC this build does not model; callers log and skip it, it is not an error.
            Unknown {
                /// Its family.
                family: u16,
                /// Its subtype.
                subtype: u16,
            },
        }

        /// Every modelled `(family, subtype)` with its variant's name, in table order.
        pub const SNAC_TABLE: &[(u16, u16, &str)] = &[$(($family, $subtype, stringify!($name)),)*];

        /// Decodes a SNAC body according to its header; unknown family/subtype pairs are not
        /// errors. Given the frame's `&Bytes`, TLV values and message text are slices of it
        /// (no copy); given a plain slice, they are copied.
        pub fn decode_snac<'a>(
            header: &SnacHeader,
            body: impl Into<Reader<'a>>,
        ) -> Result<SnacBody, WireError> {
            let body: Reader<'a> = body.into();
            Ok(match (header.family, header.subtype) {
                (family, SUBTYPE_ERROR) => SnacBody::Error { family, error: SnacError::decode(body)? },
                $(($family, $subtype) => snac_decode!(body, $name $(, $ty $(, $dec)?)?),)*
                (family, subtype) => SnacBody::Unknown { family, subtype },
            })
        }

        impl SnacBody {
            /// The `(family, subtype)` this body is sent as.
            pub fn id(&self) -> (u16, u16) {
                match self {
                    SnacBody::Error { family, .. } => (*family, SUBTYPE_ERROR),
                    $(SnacBody::$name { .. } => ($family, $subtype),)*
                    SnacBody::Unknown { family, subtype } => (*family, *subtype),
                }
            }

            /// The variant's name, for logs (`"SendIm"`); `"Error"` and `"Unknown"` for those.
            pub fn name(&self) -> &'static str {
                match self {
                    SnacBody::Error { .. } => "Error",
                    $(SnacBody::$name { .. } => stringify!($name),)*
                    SnacBody::Unknown { .. } => "Unknown",
                }
            }

            /// Writes the body bytes; [`SnacBody::Unknown`] has no body to write and is an error.
            pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
                match self {
                    SnacBody::Error { error, .. } => error.encode(out),
                    $(snac_pattern!(v, $name $(, $ty)?) => snac_encode!(v, out $(, $ty $(, $enc)?)?),)*
                    SnacBody::Unknown { family, subtype } => Err(WireError::invalid(
                        "SNAC",
                        format!("cannot encode unmodelled SNAC {family:04X}/{subtype:04X}"),
                    )),
                }
            }
        }

        /// The property tests' strategy: every table entry, each body from its `Arbitrary`.
        #[cfg(test)]
        pub(crate) fn arb_table_body() -> proptest::strategy::BoxedStrategy<SnacBody> {
            use proptest::prelude::*;
            proptest::strategy::Union::new(vec![
                $(snac_strategy!($name $(, $ty)?),)*
            ])
            .boxed()
        }
    };
}

/// One decode arm's expression: an empty body, the type's `decode`, or a named decoder.
macro_rules! snac_decode {
    ($body:ident, $name:ident) => {
        SnacBody::$name
    };
    ($body:ident, $name:ident, $ty:ty) => {
        SnacBody::$name(<$ty>::decode($body)?)
    };
    ($body:ident, $name:ident, $ty:ty, $dec:ident) => {
        SnacBody::$name(<$ty>::$dec($body)?)
    };
}

/// One encode arm's pattern, binding the body (if any) to `$v`.
macro_rules! snac_pattern {
    ($v:ident, $name:ident) => {
        SnacBody::$name
    };
    ($v:ident, $name:ident, $ty:ty) => {
        SnacBody::$name($v)
    };
}

/// One encode arm's expression: nothing to write, the type's `encode`, or a named encoder.
macro_rules! snac_encode {
    ($v:ident, $out:ident) => {
        Ok(())
    };
    ($v:ident, $out:ident, $ty:ty) => {
        $v.encode($out)
    };
    ($v:ident, $out:ident, $ty:ty, $enc:ident) => {
        $v.$enc($out)
    };
}

/// One strategy entry: `Just` an empty body, or the body type's `Arbitrary`.
#[cfg(test)]
macro_rules! snac_strategy {
    ($name:ident) => {
        Just(SnacBody::$name).boxed()
    };
    ($name:ident, $ty:ty) => {
        any::<$ty>().prop_map(SnacBody::$name).boxed()
    };
}

snac_table! {
    /// 01/02, client: ready, with the families and tool versions it uses; ends sign-on.
    0x01/0x02 => ClientReady(oservice::ClientReady),
    /// 01/03, server: the families this connection serves.
    0x01/0x03 => HostOnline(oservice::FamilyList),
    /// 01/04, client: where does the service for this family run?
    0x01/0x04 => ServiceRequest(oservice::ServiceRequest),
    /// 01/05, server: the service's address and the cookie to present there.
    0x01/0x05 => ServiceRedirect(oservice::ServiceRedirect),
    /// 01/06, client: asks for the rate classes.
    0x01/0x06 => RateParamsQuery,
    /// 01/07, server: the rate classes and which SNACs belong to each.
    0x01/0x07 => RateParamsReply(oservice::RateParamsReply),
    /// 01/08, client: acknowledges the rate classes it will respect.
    0x01/0x08 => RateAck(oservice::RateAck),
    /// 01/0A, server: a rate class changed state (warning, limit, clear).
    0x01/0x0A => RateChange(oservice::RateChange),
    /// 01/0B, server: pause sending these families (before a migration).
    0x01/0x0B => Pause(oservice::FamilyList),
    /// 01/0C, client: acknowledges a pause.
    0x01/0x0C => PauseAck(oservice::FamilyList),
    /// 01/0D, server: resume after a pause.
    0x01/0x0D => Resume(oservice::FamilyList),
    /// 01/0E, client: asks for its own user info.
    0x01/0x0E => SelfInfoQuery,
    /// 01/0F, server: the client's own user info.
    0x01/0x0F => SelfInfo(oservice::SelfInfo),
    /// 01/10, server: the client was warned; its new level and the warner.
    0x01/0x10 => Warning(oservice::Warning),
    /// 01/11, client: seconds idle (0 clears).
    0x01/0x11 => IdleTime(oservice::IdleTime),
    /// 01/12, server: move to another server for these families.
    0x01/0x12 => Migrate(oservice::Migrate),
    /// 01/13, server: message of the day.
    0x01/0x13 => Motd(oservice::Motd),
    /// 01/17, client: the family versions it speaks.
    0x01/0x17 => ClientVersions(oservice::VersionList),
    /// 01/18, server: the family versions it speaks.
    0x01/0x18 => HostVersions(oservice::VersionList),
    /// 01/1E, client: sets status TLVs (ICQ status, idle, capabilities).
    0x01/0x1E => SetStatus(oservice::SetStatus),
    /// 01/21, server: the state of one of our own BART ids (flag 0x40: please upload it).
    0x01/0x21 => OwnBart(bart::BartId),
    /// 02/02, client: asks for the locate limits.
    0x02/0x02 => LocateRightsQuery(locate::LocateRightsQuery),
    /// 02/03, server: the locate limits (profile and capability sizes).
    0x02/0x03 => LocateRights(locate::LocateRights),
    /// 02/04, client: sets its profile, away message and capabilities.
    0x02/0x04 => SetInfo(locate::SetInfo),
    /// 02/05, client: asks for a user's info (u16 query type).
    0x02/0x05 => UserInfoQuery(locate::UserInfoQuery) via decode_05 encode_05,
    /// 02/06, server: a user's info, profile or away message.
    0x02/0x06 => UserInfoReply(locate::UserInfoReply),
    /// 02/15, client: asks for a user's info (u32 query flags).
    0x02/0x15 => UserInfoQuery2(locate::UserInfoQuery) via decode_15 encode_15,
    /// 03/02, client: asks for the buddy limits.
    0x03/0x02 => BuddyRightsQuery(buddy::BuddyRightsQuery),
    /// 03/03, server: the buddy limits.
    0x03/0x03 => BuddyRights(buddy::BuddyRights),
    /// 03/0B, server: buddies arrived or changed.
    0x03/0x0B => BuddyArrived(buddy::BuddyPresence),
    /// 03/0C, server: buddies departed.
    0x03/0x0C => BuddyDeparted(buddy::BuddyPresence),
    /// 03/0F, client: watch these users' presence for this session (temporary buddies).
    0x03/0x0F => AddTempBuddies(buddy::TempBuddies),
    /// 03/10, client: stop watching these temporary buddies.
    0x03/0x10 => DelTempBuddies(buddy::TempBuddies),
    /// 04/02, client: sets its ICBM parameters.
    0x04/0x02 => SetIcbmParams(icbm::IcbmParams),
    /// 04/04, client: asks for the ICBM parameters.
    0x04/0x04 => IcbmParamsQuery,
    /// 04/05, server: the ICBM parameters (maximum message size among them).
    0x04/0x05 => IcbmParams(icbm::IcbmParams),
    /// 04/06, client: send an IM.
    0x04/0x06 => SendIm(icbm::SendIm),
    /// 04/07, server: an incoming IM.
    0x04/0x07 => IncomingIm(icbm::IncomingIm),
    /// 04/08, client: warn a user who sent us IMs.
    0x04/0x08 => Warn(icbm::WarnRequest),
    /// 04/09, server: the warning was applied; what it added and the new level.
    0x04/0x09 => WarnReply(icbm::WarnReply),
    /// 04/0A, server: IMs that were dropped before reaching the client.
    0x04/0x0A => MissedCalls(icbm::MissedCalls),
    /// 04/0C, server: acknowledges an IM sent with the ack request.
    0x04/0x0C => HostAck(icbm::HostAck),
    /// 04/10, client: asks for IMs stored while it was offline.
    0x04/0x10 => OfflineRetrieve,
    /// 04/14, both: a typing notification.
    0x04/0x14 => Typing(icbm::Typing),
    /// 04/17, server: all offline IMs have been sent.
    0x04/0x17 => OfflineDone,
    /// 09/02, client: asks for the permit/deny limits.
    0x09/0x02 => PdRightsQuery(permitdeny::PdRightsQuery),
    /// 09/03, server: the permit/deny limits.
    0x09/0x03 => PdRights(permitdeny::PdRights),
    /// 0A/02, client: who has this e-mail address?
    0x0A/0x02 => UserLookupFindByEmail(userlookup::FindByEmail),
    /// 0A/03, server: the screen names with that address.
    0x0A/0x03 => UserLookupFindReply(userlookup::FindReply),
    /// 0B/02, server: the shortest interval between usage reports.
    0x0B/0x02 => StatsMinReportInterval(stats::MinReportInterval),
    /// 0B/03, client: a usage report (its body is never read).
    0x0B/0x03 => StatsReport,
    /// 0B/04, server: the usage report was received.
    0x0B/0x04 => StatsReportAck,
    /// 0D/02, client: asks for the chat limits and exchanges.
    0x0D/0x02 => ChatNavRightsQuery,
    /// 0D/03, client: asks about one exchange.
    0x0D/0x03 => ExchangeInfoQuery(chatnav::ExchangeInfoQuery),
    /// 0D/04, client: asks about one room.
    0x0D/0x04 => RoomInfoQuery(chatnav::RoomInfoQuery),
    /// 0D/08, client: creates or joins a room by name.
    0x0D/0x08 => CreateRoom(chat::RoomInfo),
    /// 0D/09, server: limits, exchanges and rooms, answering 0D/02–0D/08.
    0x0D/0x09 => NavInfo(chatnav::NavInfo),
    /// 0E/02, server: the room's info, after joining.
    0x0E/0x02 => RoomInfoUpdate(chat::RoomInfo),
    /// 0E/03, server: occupants joined (at join: everyone present, ourselves included).
    0x0E/0x03 => UsersJoined(chat::Occupants),
    /// 0E/04, server: occupants left.
    0x0E/0x04 => UsersLeft(chat::Occupants),
    /// 0E/05, client: a message to the room.
    0x0E/0x05 => RoomMessageToHost(chat::ChatMessage),
    /// 0E/06, server: a message from the room.
    0x0E/0x06 => RoomMessage(chat::ChatMessage),
    /// 0F/02, client: searches the AIM directory (§16).
    0x0F/0x02 => DirInfoQuery(odir::InfoQuery),
    /// 0F/03, server: the directory search's status and the people found.
    0x0F/0x03 => DirInfoReply(odir::InfoReply),
    /// 0F/04, client: asks for the directory's interest keywords.
    0x0F/0x04 => DirKeywordListQuery,
    /// 0F/05, server: the directory's interest keywords.
    0x0F/0x05 => DirKeywordListReply(odir::KeywordListReply),
    /// 10/02, client: uploads a BART item (our buddy icon).
    0x10/0x02 => BartUpload(bart::UploadQuery),
    /// 10/03, server: the upload's result and the item's id.
    0x10/0x03 => BartUploadReply(bart::UploadReply),
    /// 10/04, client: asks for one BART item of one user.
    0x10/0x04 => BartDownload(bart::DownloadQuery),
    /// 10/05, server: one BART item, answering 10/04.
    0x10/0x05 => BartDownloadReply(bart::DownloadReply),
    /// 10/06, client: asks for several BART items of one user.
    0x10/0x06 => BartDownload2(bart::Download2Query),
    /// 10/07, server: one BART item (or why not), one per id of a 10/06.
    0x10/0x07 => BartDownload2Reply(bart::Download2Reply),
    /// 13/02, client: asks for the feedbag limits.
    0x13/0x02 => FeedbagRightsQuery(feedbag::FeedbagRightsQuery),
    /// 13/03, server: the feedbag limits.
    0x13/0x03 => FeedbagRights(feedbag::FeedbagRights),
    /// 13/04, client: asks for the whole feedbag.
    0x13/0x04 => FeedbagQuery,
    /// 13/05, client: asks for the feedbag unless it matches this stamp.
    0x13/0x05 => FeedbagQueryIfModified(feedbag::FeedbagStamp),
    /// 13/06, server: the feedbag's items.
    0x13/0x06 => FeedbagReply(feedbag::FeedbagReply),
    /// 13/07, client: activates the feedbag (presence starts).
    0x13/0x07 => FeedbagUse,
    /// 13/08, both: items inserted.
    0x13/0x08 => FeedbagInsert(feedbag::FeedbagItems),
    /// 13/09, both: items updated.
    0x13/0x09 => FeedbagUpdate(feedbag::FeedbagItems),
    /// 13/0A, both: items deleted.
    0x13/0x0A => FeedbagDelete(feedbag::FeedbagItems),
    /// 13/0E, server: one result per item of an insert, update or delete.
    0x13/0x0E => FeedbagStatus(feedbag::FeedbagStatus),
    /// 13/0F, server: the feedbag matches the client's stamp.
    0x13/0x0F => FeedbagNotModified(feedbag::FeedbagStamp),
    /// 13/11, client: starts a batch of feedbag edits.
    0x13/0x11 => FeedbagStartTransaction(feedbag::StartTransaction),
    /// 13/12, client: ends a batch of feedbag edits.
    0x13/0x12 => FeedbagEndTransaction,
    /// 13/14, client: lets this user add us without asking (pre-authorization).
    0x13/0x14 => PreAuthorize(feedbag::AuthRequest),
    /// 13/15, server: this user pre-authorized us.
    0x13/0x15 => PreAuthorized(feedbag::AuthRequest),
    /// 13/18, client: asks a contact for authorization to add them, with a message.
    0x13/0x18 => AuthRequestToHost(feedbag::AuthRequest),
    /// 13/19, server: someone asks for our authorization.
    0x13/0x19 => AuthRequestToClient(feedbag::AuthRequest),
    /// 13/1A, client: grants or denies a request for our authorization.
    0x13/0x1A => AuthReplyToHost(feedbag::AuthReply),
    /// 13/1B, server: a contact granted or denied our request.
    0x13/0x1B => AuthReplyToClient(feedbag::AuthReply),
    /// 13/1C, server: someone added us to their list.
    0x13/0x1C => BuddyAdded(feedbag::BuddyAdded),
    /// 15/02, client: an ICQ meta request (information, search).
    0x15/0x02 => IcqQuery(icq::IcqMeta),
    /// 15/03, server: an ICQ meta reply.
    0x15/0x03 => IcqReply(icq::IcqMeta),
    /// 17/02, client: BUCP login with the MD5 digest.
    0x17/0x02 => LoginRequest(bucp::LoginRequest),
    /// 17/03, server: BUCP login result (BOS address and cookie, or an error).
    0x17/0x03 => LoginReply(bucp::LoginReply),
    /// 17/06, client: asks for a BUCP challenge.
    0x17/0x06 => ChallengeRequest(bucp::ChallengeRequest),
    /// 17/07, server: the BUCP challenge key.
    0x17/0x07 => ChallengeReply(bucp::ChallengeReply),
    /// 18/06, client: the alerts it can be sent (its body is never read).
    0x18/0x06 => AlertCapabilities,
    /// 18/16, client: the alerts it can display (its body is never read).
    0x18/0x16 => AlertDisplayCapabilities,
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
///
/// The body is read in place: TLV values and message text come out as slices of `payload`.
pub fn decode_snac_payload(payload: &Bytes) -> Result<(SnacHeader, SnacBody), WireError> {
    let (header, body) = Snac::split(payload)?;
    let body = decode_snac(&header, body)?;
    Ok((header, body))
}
