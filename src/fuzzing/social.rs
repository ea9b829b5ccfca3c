//! Fuzz entry points for the families of the social features: buddy icons as the TUI decodes
//! them, ICQ authorization and directory packets, privacy and warnings.

use super::*;

/// A buddy's icon as it arrives (any bytes, under any hash): the bounded decoder and the
/// drawing of what it decoded. What decodes is drawn in half blocks inside its slot and
/// nowhere else.
pub fn icon(data: &[u8]) {
    use crate::tui::icons::{IconMode, Icons, Slot};
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    let mut icons = Icons::without_terminal(IconMode::Halfblocks);
    let name = ScreenName::from_wire("fuzz");
    if icons.insert(name.clone(), Bytes::from_static(b"hash"), data).is_err() {
        assert!(!icons.shows(&name), "a refused picture is not shown");
        return;
    }
    let mut buf = Buffer::empty(Rect::new(0, 0, 16, 8));
    assert!(icons.render(&name, Slot::Info, Rect::new(2, 1, 12, 6), &mut buf));
    let (w, h) = Slot::Info.size();
    for y in 0..8u16 {
        for x in 0..16u16 {
            let inside = (2..2 + w).contains(&x) && (1..1 + h).contains(&y);
            assert!(inside || buf[(x, y)].symbol() == " ", "drawn outside its slot at {x},{y}");
        }
    }
}

/// ICQ peer input (§6.4, §10.1): byte 0 picks the parser. Even: a 15/02 or 15/03 body, whose
/// packet is then read as a meta request and as a meta reply; odd: the authorization bodies
/// 13/14–13/1C. Whatever decodes must come back the same after encoding.
pub fn icq(data: &[u8]) {
    use crate::oscar::feedbag::{AuthReply, AuthRequest, BuddyAdded};
    use crate::oscar::icq::{IcqMeta, MetaReply, MetaRequest};
    let Some((&which, rest)) = data.split_first() else { return };
    if which & 1 == 0 {
        let Ok(meta) = IcqMeta::decode(rest) else { return };
        let mut out = BytesMut::new();
        if meta.encode(&mut out).is_ok() {
            assert_eq!(IcqMeta::decode(&out).ok().as_ref(), Some(&meta));
        }
        let _ = meta.subtype();
        if let Ok(req) = MetaRequest::parse(&meta.data) {
            if let Ok(bytes) = req.write() {
                assert_eq!(MetaRequest::parse(&bytes).ok().as_ref(), Some(&req));
            }
        }
        if let Ok(reply) = MetaReply::parse(&meta.data) {
            if let Ok(bytes) = reply.write() {
                assert_eq!(MetaReply::parse(&bytes).ok().as_ref(), Some(&reply));
            }
        }
        return;
    }
    let mut out = BytesMut::new();
    if let Ok(req) = AuthRequest::decode(rest) {
        if req.encode(&mut out).is_ok() {
            assert_eq!(AuthRequest::decode(&out).ok().as_ref(), Some(&req));
        }
    }
    out.clear();
    if let Ok(reply) = AuthReply::decode(rest) {
        if reply.encode(&mut out).is_ok() {
            assert_eq!(AuthReply::decode(&out).ok().as_ref(), Some(&reply));
        }
    }
    out.clear();
    if let Ok(added) = BuddyAdded::decode(rest) {
        if added.encode(&mut out).is_ok() {
            assert_eq!(BuddyAdded::decode(&out).ok().as_ref(), Some(&added));
        }
    }
}

/// Privacy and warnings (§6.4, §7.5): byte 0 picks a 04/08 warn request or a 04/09 warn reply/// (what decodes must re-encode to the same value), or 13/08 items read as a whole list. For
/// a list, the client's and the server's reading of its privacy must agree for everyone it
/// names; blocking, unblocking and every mode are then planned on the client's copy, which
/// must show what was asked afterwards.
pub fn privacy(data: &[u8]) {
    use crate::oscar::feedbag::PrivacyMode;
    use crate::oscar::icbm::{WarnReply, WarnRequest};
    let Some((&which, rest)) = data.split_first() else { return };
    let mut out = BytesMut::new();
    match which % 3 {
        0 => {
            if let Ok(w) = WarnRequest::decode(rest) {
                let _ = neutralize_line(&w.screen_name);
                if w.encode(&mut out).is_ok() {
                    assert_eq!(WarnRequest::decode(&out[..]).ok(), Some(w));
                }
            }
        }
        1 => {
            if let Ok(r) = WarnReply::decode(rest) {
                if r.encode(&mut out).is_ok() {
                    assert_eq!(WarnReply::decode(&out[..]).ok(), Some(r));
                }
            }
        }
        _ => {
            let Ok(items) = FeedbagItems::decode(rest) else { return };
            let server = flapjack_server::bos::feedbag::Feedbag {
                items: items.items.clone(),
                last_modified: 0,
            };
            let mut bag = Feedbag::new(items.items);
            let p = bag.privacy();
            assert_eq!(p.mode, server.privacy_mode());
            let fuzz = ScreenName::from_wire("Fuzz Pest");
            for name in p.blocked.iter().chain(&p.allowed).chain([&fuzz]) {
                assert_eq!(bag.blocks(name), server.blocks(name));
                let _ = neutralize_line(name.as_str());
            }
            assert!(p.blocked.iter().all(|n| bag.blocks(n)), "a deny item always refuses");
            if let Ok(changes) = bag.block(&fuzz) {
                assert!(!changes.is_empty() && bag.blocks(&fuzz));
            }
            if bag.unblock(&fuzz).is_ok() {
                assert!(!bag.privacy().blocked.contains(&fuzz));
            }
            for mode in [
                PrivacyMode::AllowAll,
                PrivacyMode::BlockAll,
                PrivacyMode::AllowPermitList,
                PrivacyMode::BlockDenyList,
                PrivacyMode::AllowBuddies,
            ] {
                if bag.set_privacy(mode).is_ok() {
                    assert_eq!(bag.privacy().mode, mode);
                }
            }
        }
    }
}

/// The AIM directory (§16): byte 0 picks which peer-supplied shape the rest is — a 0F/02
/// query (as the server reads it), a 0F/03 answer, a 0F/05 keyword list, one result block —
/// or, for the last choice, a FLAP stream played at a directory connection's core with three
/// searches and a keyword-list request under way. What decodes must re-encode to the same
/// value; no answer keeps more than its bound, and no request is answered twice.
pub fn odir(data: &[u8]) {
    use crate::oscar::odir::{
        DirectoryQuery, DirectoryUser, InfoQuery, InfoReply, KeywordListReply,
    };
    use crate::session::room::{ServiceConnection, ServiceKind, MAX_DIRECTORY_HITS, MAX_KEYWORDS};
    let Some((&which, rest)) = data.split_first() else { return };
    let mut out = BytesMut::new();
    match which % 5 {
        0 => {
            let Ok(q) = InfoQuery::decode(rest) else { return };
            if let Some(query) = q.query() {
                // What the server reads, written by the client, reads the same.
                let named = match &query {
                    DirectoryQuery::Name { first, last, .. } => {
                        !first.is_empty() || !last.is_empty()
                    }
                    _ => true,
                };
                if named {
                    assert_eq!(InfoQuery::new(&query).query().as_ref(), Some(&query));
                }
            }
        }
        1 => {
            let Ok(r) = InfoReply::decode(rest) else { return };
            for u in r.users() {
                neutralize_line(&u.screen_name);
                neutralize_line(&u.city);
            }
            if r.encode(&mut out).is_ok() {
                assert_eq!(InfoReply::decode(&out).ok().as_ref(), Some(&r));
            }
        }
        2 => {
            let Ok(k) = KeywordListReply::decode(rest) else { return };
            if k.encode(&mut out).is_ok() {
                assert_eq!(KeywordListReply::decode(&out).ok().as_ref(), Some(&k));
            }
        }
        3 => {
            let Ok(block) = TlvBlock::decode(rest) else { return };
            let user = DirectoryUser::from_block(&block);
            assert_eq!(DirectoryUser::from_block(&user.to_block()), user);
        }
        _ => {
            let mut conn = ServiceConnection::new(ServiceKind::Directory, "directory", 1);
            conn.connection_started(0, b"cookie");
            for i in 0..3 {
                conn.search_directory(0, DirectoryQuery::Interest(format!("w{i}")));
            }
            conn.list_keywords(0);
            let _ = conn.take_output();
            let mut codec = FlapCodec::new();
            let mut buf = BytesMut::from(rest);
            let mut now = 1;
            let mut answered = Vec::new();
            let mut lists = 0;
            while let Ok(Some(flap)) = codec.decode(&mut buf) {
                conn.handle_frame(now, flap);
                now += 1;
                let out = conn.take_output();
                for a in out.directory {
                    assert!(a.users.len() <= MAX_DIRECTORY_HITS);
                    assert!(!answered.contains(&a.query), "one answer per search");
                    answered.push(a.query);
                }
                lists += out.keywords.len();
                assert!(lists <= 1, "one answer per keyword-list request");
                assert!(out.keywords.iter().all(|k| k.keywords.len() <= MAX_KEYWORDS));
            }
        }
    }
}
