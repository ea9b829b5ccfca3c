//! The answers every scripted OSCAR server in the tests gives the same way: the BUCP login
//! host and a well-behaved BOS's replies to the sign-on flight and to IMs. The hostile server
//! ([`crate::hostile`]) and the friendly fake of `tests/support/fake_bos.rs` both answer
//! through here and differ only in what they do on top.

use flapjack_proto::oscar::bucp::{self, LoginReply};
use flapjack_proto::oscar::feedbag::{FeedbagItem, FeedbagReply};
use flapjack_proto::oscar::icbm::HostAck;
use flapjack_proto::oscar::locate::UserInfoReply;
use flapjack_proto::oscar::oservice::SelfInfo;
use flapjack_proto::oscar::rate::aol_rate_params;
use flapjack_proto::oscar::userinfo::UserInfo;
use flapjack_proto::oscar::{AuthErrorCode, SnacBody, TlvBlock};

/// The screen name a scripted BOS reports as the client's own.
pub const SELF_NAME: &str = "Tester";

/// A BUCP login host's answer to one SNAC: the challenge `key` for 17/06, and for 17/02
/// success (pointing at `bos` with `cookie`) when the hash matches `password`, else a
/// mismatched-password failure. `None` for anything else.
pub fn bucp_reply(
    body: &SnacBody,
    key: &[u8],
    password: &str,
    bos: &str,
    cookie: &[u8],
) -> Option<SnacBody> {
    match body {
        SnacBody::ChallengeRequest(_) => Some(SnacBody::ChallengeReply(bucp::ChallengeReply {
            key: key.to_vec(),
            tlvs: TlvBlock::new(),
        })),
        SnacBody::LoginRequest(req) => {
            let name = req.screen_name().unwrap_or_default();
            Some(SnacBody::LoginReply(if req.hash_matches(key, password.as_bytes()) {
                LoginReply::success(&name, bos, cookie)
            } else {
                LoginReply::failure(&name, AuthErrorCode::MismatchedPassword)
            }))
        }
        _ => None,
    }
}

/// A well-behaved BOS's answer to one client SNAC: AOL's rate classes, self info as
/// [`SELF_NAME`], a buddy list of one group "Buddies" holding `buddies`, a host ack for
/// every IM, and everyone asked about (02/15) online. `None` for SNACs it does not answer.
pub fn bos_reply(body: &SnacBody, buddies: &[&str]) -> Option<SnacBody> {
    match body {
        SnacBody::RateParamsQuery => Some(SnacBody::RateParamsReply(aol_rate_params())),
        SnacBody::SelfInfoQuery => {
            Some(SnacBody::SelfInfo(SelfInfo { info: UserInfo::new(SELF_NAME), more: vec![] }))
        }
        SnacBody::FeedbagQuery => {
            let ids: Vec<u16> = (1..).take(buddies.len()).collect();
            let mut items =
                vec![FeedbagItem::group("", 0, &[1]), FeedbagItem::group("Buddies", 1, &ids)];
            items.extend(
                buddies.iter().zip(&ids).map(|(name, id)| FeedbagItem::buddy(*name, 1, *id)),
            );
            Some(SnacBody::FeedbagReply(FeedbagReply { version: 0, items, last_modified: 1 }))
        }
        SnacBody::UserInfoQuery2(q) => Some(SnacBody::UserInfoReply(UserInfoReply {
            info: UserInfo::new(&q.screen_name),
            tlvs: TlvBlock::new(),
        })),
        SnacBody::SendIm(im) => Some(SnacBody::HostAck(HostAck {
            cookie: im.cookie,
            channel: 1,
            screen_name: im.recipient.clone(),
        })),
        _ => None,
    }
}
