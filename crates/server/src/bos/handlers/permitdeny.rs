//! Family 09, PermitDeny: only its rights; permits and denies live in the feedbag.

use super::reply;
use crate::bos::OutSnac;
use crate::oscar::permitdeny::PdRights;
use crate::oscar::{SnacBody, SnacHeader, TlvBlock};

/// 09/02: answers 09/03 with [`pd_rights`].
pub(super) fn pd_rights_query(h: &SnacHeader, out: &mut Vec<OutSnac>) {
    reply(SnacBody::PdRights(pd_rights()), h, out);
}

/// 09/03: permit and deny list limits.
fn pd_rights() -> PdRights {
    PdRights {
        tlvs: TlvBlock::new().with_u16(0x0001, 1000).with_u16(0x0002, 1000).with_u16(0x0003, 160),
    }
}
