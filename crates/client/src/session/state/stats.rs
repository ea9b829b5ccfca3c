//! Family 0x0B (Stats) on the client (§5.7): flapjack sends no usage reports, so a server's
//! invitation to send them is only noted.

use super::*;
use crate::oscar::stats::MinReportInterval;

impl SessionState {
    /// 0B/02: how often the server would take usage reports; noted, none are sent.
    pub(super) fn stats_min_report_interval(&self, interval: MinReportInterval) {
        tracing::debug!(
            "the server takes usage reports every {} h at most; flapjack sends none",
            interval.hours
        );
    }
}
