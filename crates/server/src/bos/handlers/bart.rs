//! Family 10, BART: buddy icons uploaded and downloaded by hash (docs/protocol.md §15), on a
//! BART service connection (01/04 → 01/05) or on BOS, as Open OSCAR Server serves both.

use super::reply;
use crate::bos::session::{error, Session};
use crate::bos::OutSnac;
use crate::oscar::bart::{
    self, code, Download2Query, Download2Reply, DownloadQuery, DownloadReply, UploadQuery,
    UploadReply,
};
use crate::oscar::codes::SnacErrorCode;
use crate::oscar::{SnacBody, SnacHeader};

/// 10/02: stores the icon by its MD5 and answers 10/03 with the code and the id.
pub(super) fn bart_upload(s: &Session, h: &SnacHeader, q: UploadQuery, out: &mut Vec<OutSnac>) {
    let done = s.hub.upload_icon(s.id, q.kind, q.data);
    reply(SnacBody::BartUploadReply(UploadReply { code: done.code, id: done.id }), h, out);
}

/// 10/04: answers 10/05 with the item, or 10/01 "no match" when it is not stored.
pub(super) fn bart_download(s: &Session, h: &SnacHeader, q: DownloadQuery, out: &mut Vec<OutSnac>) {
    match s.hub.icon_data(&q.id.hash) {
        Some(data) => {
            let body = DownloadReply { screen_name: q.screen_name, id: q.id, data };
            reply(SnacBody::BartDownloadReply(body), h, out);
        }
        None => out.push(error(bart::FAMILY, SnacErrorCode::NoMatch, h.request_id)),
    }
}

/// 10/06: answers one 10/07 per id, found (code 0, the data) or not (code 7, no data).
pub(super) fn bart_download2(
    s: &Session,
    h: &SnacHeader,
    q: Download2Query,
    out: &mut Vec<OutSnac>,
) {
    for id in q.ids {
        let found = s.hub.icon_data(&id.hash);
        let body = Download2Reply {
            screen_name: q.screen_name.clone(),
            query: id.clone(),
            code: if found.is_some() { code::SUCCESS } else { code::NOT_FOUND },
            reply: id,
            data: found.unwrap_or_default(),
        };
        reply(SnacBody::BartDownload2Reply(body), h, out);
    }
}
