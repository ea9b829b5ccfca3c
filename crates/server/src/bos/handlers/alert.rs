//! Family 18, Alert (§5.7): clients of the era announce which e-mail and news alerts they can
//! take; the embedded server sends none, so it takes note and answers nothing, as Open OSCAR
//! Server does.

use crate::bos::session::Session;

/// 18/06: the alerts the client can be sent; noted, no answer.
pub(super) fn alert_capabilities(s: &Session) {
    tracing::debug!("{} at {}: alert capabilities noted (no alerts are sent)", s.name, s.peer);
}

/// 18/16: the alerts the client can display; noted, no answer.
pub(super) fn alert_display_capabilities(s: &Session) {
    tracing::debug!("{} at {}: alert display capabilities noted", s.name, s.peer);
}
