//! Family 0B, Stats (§5.7): usage reports from clients that send them are acknowledged and
//! not kept, as Open OSCAR Server does.

use super::reply;
use crate::bos::OutSnac;
use crate::oscar::{SnacBody, SnacHeader};

/// 0B/03: acknowledged with 0B/04; the report itself is not read or stored.
pub(super) fn stats_report(h: &SnacHeader, out: &mut Vec<OutSnac>) {
    reply(SnacBody::StatsReportAck, h, out);
}
