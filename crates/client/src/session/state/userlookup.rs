//! Family 0x0A (UserLookup) on the client (§5.8): flapjack searches by e-mail through the AIM
//! directory (§16) and never sends 0A/02, so an answer can only be one nobody asked for.

use super::*;
use crate::oscar::userlookup::FindReply;

impl SessionState {
    /// 0A/03: an e-mail lookup answer; flapjack asks none, so it is dropped.
    pub(super) fn user_lookup_find_reply(&self, reply: &FindReply) {
        tracing::debug!(
            "dropping an e-mail lookup answer nobody asked for ({} names)",
            reply.screen_names().len()
        );
    }
}
