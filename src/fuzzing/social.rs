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
