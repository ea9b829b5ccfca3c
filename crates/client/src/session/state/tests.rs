//! Unit tests of the session core: SNAC bytes in, SNACs and events out, no network.

use bytes::Bytes;

use super::*;
use crate::oscar::codes::{AuthErrorCode, FeedbagResult, MissedCallReason};
use crate::oscar::feedbag::{FeedbagReply, FeedbagStatus};
use crate::oscar::icbm::{HostAck, IncomingIm as WireIm};
use crate::oscar::locate::UserInfoReply;
use crate::oscar::oservice::{Motd, RateChange, RateGroup, SelfInfo};
use crate::oscar::snac::{SnacError, FLAG_MORE_REPLIES};
use crate::oscar::tlv::TlvBlock;
use crate::oscar::userinfo::UserInfo as WireInfo;
use crate::oscar::{encode_snac, imtext::ImText};
use crate::session::feedbag::FeedbagError;

fn sn(s: &str) -> ScreenName {
    ScreenName::parse(s).unwrap()
}

fn fixed_wall() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

fn state() -> SessionState {
    SessionState::new(sn("alice")).with_wall_clock(fixed_wall)
}

/// A server frame carrying `body` with `request_id` and `flags`.
fn server(body: &SnacBody, request_id: u32, flags: u16) -> Flap {
    Flap {
        channel: Channel::Data,
        sequence: 0,
        payload: encode_snac(body, request_id, flags).unwrap(),
    }
}

/// Decodes every channel-2 frame of an output into (header, body).
fn snacs(out: &Output) -> Vec<(SnacHeader, SnacBody)> {
    out.frames
        .iter()
        .filter(|f| f.channel == Channel::Data)
        .map(|f| decode_snac_payload(&f.payload).unwrap())
        .collect()
}

fn ids(out: &Output) -> Vec<(u16, u16)> {
    snacs(out).iter().map(|(h, _)| (h.family, h.subtype)).collect()
}

fn scaled_rates(factor: u32) -> RateParamsReply {
    let classes = RateClass::aol_defaults()
        .map(|c| RateClass {
            clear: c.clear / factor,
            alert: c.alert / factor,
            limit: c.limit / factor,
            disconnect: c.disconnect / factor,
            current: c.current / factor,
            max: c.max / factor,
            ..c
        })
        .to_vec();
    let groups = classes
        .iter()
        .map(|c| RateGroup {
            class_id: c.id,
            members: if c.id == 3 { vec![(4, 6), (2, 5)] } else { vec![] },
        })
        .collect();
    RateParamsReply { extended: true, classes, groups }
}

/// Runs a state through a complete sign-on with an empty (or given) feedbag.
fn signed_on(items: Vec<FeedbagItem>) -> SessionState {
    let mut s = state();
    s.connection_started(0, b"cookie");
    s.handle_frame(1, server(&SnacBody::RateParamsReply(scaled_rates(1)), 2, 0));
    let reply = FeedbagReply { version: 0, items, last_modified: 1 };
    s.handle_frame(2, server(&SnacBody::FeedbagReply(reply), 5, 0));
    s.take_output();
    s
}

#[test]
fn first_flight_is_one_batch_with_hello_first() {
    let mut s = state();
    s.connection_started(0, b"\x01\x02");
    let out = s.take_output();
    assert_eq!(out.frames[0].channel, Channel::SignOn);
    assert_eq!(out.frames[0].payload.as_ref(), [0, 0, 0, 1, 0, 6, 0, 2, 1, 2]);
    assert_eq!(
        ids(&out),
        [
            (0x01, 0x17),
            (0x01, 0x06),
            (0x01, 0x0E),
            (0x13, 0x02),
            (0x13, 0x04),
            (0x02, 0x02),
            (0x03, 0x02),
            (0x04, 0x04),
            (0x09, 0x02),
            (0x04, 0x02),
            (0x02, 0x04),
            (0x13, 0x07),
            (0x01, 0x02),
            (0x04, 0x10),
        ]
    );
    assert!(!ids(&out).contains(&(0x01, 0x08)), "01/08 must wait for 01/07");
    assert_eq!(out.events, [Event::SignOnProgress(SignOnStep::Negotiating)]);
    // Request ids are distinct and never have bit 31.
    let mut req: Vec<u32> = snacs(&out).iter().map(|(h, _)| h.request_id).collect();
    assert!(req.iter().all(|r| r & 0x8000_0000 == 0));
    req.dedup();
    assert_eq!(req.len(), 14);
}

#[test]
fn rate_ack_follows_rate_reply_and_sign_on_completes_on_the_list() {
    let mut s = state();
    s.connection_started(0, b"c");
    s.take_output();
    s.handle_frame(5, server(&SnacBody::RateParamsReply(scaled_rates(1)), 2, 0));
    let out = s.take_output();
    assert_eq!(ids(&out), [(0x01, 0x08)]);
    match &snacs(&out)[0].1 {
        SnacBody::RateAck(ack) => assert_eq!(ack.class_ids, [1, 2, 3, 4, 5]),
        other => panic!("{other:?}"),
    }
    assert_eq!(out.events, [Event::SignOnProgress(SignOnStep::LoadingBuddyList)]);
    let me = SelfInfo { info: WireInfo::new("Alice"), more: vec![] };
    s.handle_frame(6, server(&SnacBody::SelfInfo(me), 3, 0));
    // A two-part list.
    let part1 = FeedbagReply {
        version: 0,
        items: vec![FeedbagItem::group("", 0, &[1]), FeedbagItem::group("Buddies", 1, &[7])],
        last_modified: 0,
    };
    s.handle_frame(7, server(&SnacBody::FeedbagReply(part1), 5, FLAG_MORE_REPLIES));
    assert!(s.take_output().events.is_empty());
    let part2 =
        FeedbagReply { version: 0, items: vec![FeedbagItem::buddy("bob", 1, 7)], last_modified: 9 };
    s.handle_frame(8, server(&SnacBody::FeedbagReply(part2), 5, 0));
    let out = s.take_output();
    assert_eq!(out.events[0], Event::SignedOn { screen_name: sn("Alice") });
    match &out.events[1] {
        Event::BuddyList(list) => {
            assert_eq!(list.groups[0].name, "Buddies");
            assert_eq!(list.groups[0].buddies[0].name, sn("bob"));
        }
        other => panic!("{other:?}"),
    }
    assert!(s.is_signed_on());
}

/// Issue 17 item 9: a buddy list continued without end (13/06 with the more-follows flag) is
/// cut off at [`MAX_FEEDBAG_ITEMS`] with a clear reason, not accumulated.
#[test]
fn a_buddy_list_that_never_ends_is_refused_with_a_reason() {
    use super::feedbag::MAX_FEEDBAG_ITEMS;
    let mut s = state();
    s.connection_started(0, b"c");
    s.take_output();
    s.handle_frame(5, server(&SnacBody::RateParamsReply(scaled_rates(1)), 2, 0));
    s.take_output();
    let part = |first: u16| FeedbagReply {
        version: 0,
        items: (first..first + 4000).map(|i| FeedbagItem::buddy(format!("b{i}"), 1, i)).collect(),
        last_modified: 0,
    };
    for (n, first) in [1u16, 4001].into_iter().enumerate() {
        s.handle_frame(
            7 + n as u64,
            server(&SnacBody::FeedbagReply(part(first)), 5, FLAG_MORE_REPLIES),
        );
        let out = s.take_output();
        assert!(out.close.is_none() && out.events.is_empty(), "{:?}", out.close);
    }
    s.handle_frame(9, server(&SnacBody::FeedbagReply(part(8001)), 5, FLAG_MORE_REPLIES));
    let out = s.take_output();
    let limit = MAX_FEEDBAG_ITEMS;
    let reason =
        DisconnectReason::Network(NetworkError::ReplyTooLarge { what: "buddy list", limit });
    assert_eq!(out.close, Some(Close { reason, reconnect: false }));
    assert!(!s.is_signed_on());
}

#[test]
fn ims_queue_per_rate_class_and_never_dip_below_alert() {
    let mut s = signed_on(vec![]);
    let mut server_side = crate::oscar::RateState::new(&scaled_rates(1).classes[2], 0);
    let class3 = scaled_rates(1).classes[2];
    let mut now = 10;
    for id in 0..10 {
        s.handle_command(now, Command::SendIm { id, to: sn("bob"), text: format!("m{id}") });
    }
    let mut sent = 0;
    let mut queued = 0;
    let mut events = Vec::new();
    for _ in 0..1000 {
        let out = s.take_output();
        for (_, body) in snacs(&out) {
            if let SnacBody::SendIm(_) = body {
                let o = server_side.record(&class3, now);
                assert!(o.level >= class3.alert, "server level {} at IM {sent}", o.level);
                sent += 1;
            }
        }
        for e in out.events {
            if matches!(e, Event::ImQueued { .. }) {
                queued += 1;
            }
            events.push(e);
        }
        if sent == 10 {
            break;
        }
        // A typing notice (class 1) is not held up by the IM queue (class 3).
        s.handle_command(now, Command::Typing { to: sn("bob"), state: TypingState::Typing });
        assert_eq!(ids(&s.take_output()), [(0x04, 0x14)]);
        now = s.next_deadline().unwrap();
        s.handle_timer(now);
    }
    assert_eq!(sent, 10);
    assert!(queued >= 5, "only {queued} were queued");
    let sent_order: Vec<_> = events
        .iter()
        .filter_map(|e| if let Event::ImSent { id } = e { Some(*id) } else { None })
        .collect();
    assert_eq!(sent_order, (0..10).collect::<Vec<_>>());
}

#[test]
fn scaled_rate_reply_is_honoured_including_the_pipelined_snacs() {
    let mut s = state();
    s.connection_started(0, b"c");
    s.take_output();
    // A scaled server: class 3 allows far less than the default table assumed.
    let reply = scaled_rates(100);
    s.handle_frame(1, server(&SnacBody::RateParamsReply(reply.clone()), 2, 0));
    let list = FeedbagReply { version: 0, items: vec![], last_modified: 1 };
    s.handle_frame(1, server(&SnacBody::FeedbagReply(list), 5, 0));
    s.take_output();
    let class3 = reply.classes[2];
    let mut server_side = crate::oscar::RateState::new(&class3, 1);
    let mut now = 1;
    let mut count = 0;
    for id in 0..50 {
        s.handle_command(now, Command::SendIm { id, to: sn("bob"), text: "x".into() });
    }
    while count < 50 {
        let out = s.take_output();
        for (_, b) in snacs(&out) {
            if matches!(b, SnacBody::SendIm(_)) {
                let o = server_side.record(&class3, now);
                assert!(o.level >= class3.alert);
                count += 1;
            }
        }
        if count == 50 {
            break;
        }
        if let Some(d) = s.next_deadline() {
            now = d;
            s.handle_timer(now);
        }
    }
    // About alert + margin ms per IM once the burst is spent.
    assert!((45 * 50..50 * 60).contains(&now), "50 IMs took {now} ms");
}

#[test]
fn rate_change_notice_slows_the_limiter_and_warns() {
    let mut s = signed_on(vec![]);
    let class3 = RateClass { current: 5001, ..RateClass::aol_defaults()[2] };
    let change = RateChange { code: RateChangeCode::Warning, extended: true, class: class3 };
    s.handle_frame(100, server(&SnacBody::RateChange(change), 0x8000_0001, 0));
    let out = s.take_output();
    assert_eq!(
        out.events,
        [Event::RateWarning(RateNotice { class: 3, code: RateChangeCode::Warning })]
    );
    s.handle_command(100, Command::SendIm { id: 1, to: sn("bob"), text: "x".into() });
    let out = s.take_output();
    assert_eq!(out.events, [Event::ImQueued { id: 1 }]);
    assert!(s.next_deadline().unwrap() > 5000);
}

fn sent_im(out: &Output) -> (u32, SendIm) {
    snacs(out)
        .into_iter()
        .find_map(
            |(h, b)| if let SnacBody::SendIm(im) = b { Some((h.request_id, im)) } else { None },
        )
        .expect("an IM was written")
}

#[test]
fn im_is_safe_html_in_ucs2_with_ack_and_offline_storage() {
    let mut s = signed_on(vec![]);
    s.handle_command(
        10,
        Command::SendIm { id: 7, to: sn("bob"), text: "héllo ✓ 你好\n<&>".into() },
    );
    let out = s.take_output();
    assert_eq!(out.events, [Event::ImSent { id: 7 }]);
    let (_, im) = sent_im(&out);
    assert_eq!(im.recipient, "bob");
    assert!(im.wants_ack());
    assert!(im.store_offline());
    let msg = im.message().unwrap().unwrap();
    assert_eq!(msg.texts[0].charset, crate::oscar::imtext::CHARSET_UCS2);
    assert_eq!(msg.text(), "<HTML><BODY>héllo ✓ 你好<br>&lt;&amp;&gt;</BODY></HTML>");
    // The ack finds the message by cookie (bob's presence is unknown: the locate answer decides).
    let ack = HostAck { cookie: im.cookie, channel: 1, screen_name: "bob".into() };
    s.handle_frame(11, server(&SnacBody::HostAck(ack.clone()), 99, 0));
    let (locate, _) = locate_query(&out);
    s.handle_frame(11, server(&SnacBody::UserInfoReply(located("bob")), locate, 0));
    assert_eq!(s.take_output().events, [Event::ImAcked { id: 7, delivery: Delivery::Online }]);
    // A second ack is unsolicited and ignored.
    s.handle_frame(12, server(&SnacBody::HostAck(ack), 99, 0));
    assert!(s.take_output().events.is_empty());
}

#[test]
fn icbm_errors_fail_the_right_message() {
    let mut s = signed_on(vec![]);
    s.handle_command(10, Command::SendIm { id: 1, to: sn("bob"), text: "one".into() });
    let (req1, _) = sent_im(&s.take_output());
    s.handle_command(6000, Command::SendIm { id: 2, to: sn("carol"), text: "two".into() });
    let (req2, _) = sent_im(&s.take_output());
    let cases = [
        (req2, SnacErrorCode::NotLoggedOn, 2, ImFailure::RecipientOffline),
        (req1, SnacErrorCode::Blocked, 1, ImFailure::Refused),
    ];
    for (req, code, id, reason) in cases {
        let err = SnacBody::Error { family: 4, error: SnacError::new(code) };
        s.handle_frame(11, server(&err, req, 0));
        assert_eq!(s.take_output().events, [Event::ImFailed { id, reason }]);
    }
    // Open OSCAR Server's "offline inbox full", its subcode in two bytes and in one.
    for (at, subcode) in [(20_000, vec![0x00, 0x0F]), (30_000, vec![0x0F])] {
        s.handle_command(at, Command::SendIm { id: 4, to: sn("carol"), text: "four".into() });
        let (req, _) = sent_im(&s.take_output());
        let error = SnacError {
            code: SnacErrorCode::NotLoggedOn,
            tlvs: TlvBlock::new().with(0x0008, subcode),
        };
        s.handle_frame(at + 1, server(&SnacBody::Error { family: 4, error }, req, 0));
        assert_eq!(
            s.take_output().events,
            [Event::ImFailed { id: 4, reason: ImFailure::OfflineInboxFull }]
        );
    }
    s.handle_command(12_000, Command::SendIm { id: 3, to: sn("bob"), text: "3".into() });
    let (req3, _) = sent_im(&s.take_output());
    let err = SnacBody::Error { family: 4, error: SnacError::new(SnacErrorCode::RateToHost) };
    s.handle_frame(13, server(&err, req3, 0));
    assert_eq!(s.take_output().events, [Event::ImFailed { id: 3, reason: ImFailure::RateLimited }]);
    // The embedded server's "over a size limit" (an IM field, or the whole IM).
    s.handle_command(40_000, Command::SendIm { id: 5, to: sn("bob"), text: "5".into() });
    let (req5, _) = sent_im(&s.take_output());
    let err = SnacBody::Error { family: 4, error: SnacError::new(SnacErrorCode::RequestDenied) };
    s.handle_frame(40_001, server(&err, req5, 0));
    assert_eq!(s.take_output().events, [Event::ImFailed { id: 5, reason: ImFailure::TooLarge }]);
}

fn incoming(from: &str, text: ImText, tlvs: TlvBlock, cookie: u8) -> SnacBody {
    let message = ImMessage { features: vec![1].into(), texts: vec![text] };
    let tlvs = TlvBlock::new()
        .with(oscar::icbm::tlv::MESSAGE_DATA, message.to_bytes().unwrap())
        .with_tlvs(tlvs);
    SnacBody::IncomingIm(WireIm {
        cookie: [cookie; 8],
        channel: 1,
        sender: WireInfo::new(from),
        tlvs,
    })
}

trait WithTlvs {
    fn with_tlvs(self, other: TlvBlock) -> Self;
}

impl WithTlvs for TlvBlock {
    fn with_tlvs(mut self, other: TlvBlock) -> Self {
        self.extend_from(&other);
        self
    }
}

#[test]
fn incoming_ims_decode_charsets_html_offline_and_auto_response() {
    let mut s = signed_on(vec![]);
    let ucs2 = ImText::from_text("<HTML><BODY><FONT>héllo ✓ 你好</FONT><BR>&amp;</BODY></HTML>");
    s.handle_frame(1, server(&incoming("Bob", ucs2, TlvBlock::new(), 1), 0x8000_0002, 0));
    let latin = ImText { charset: 3, subset: 0, data: vec![b'c', b'a', b'f', 0xE9].into() };
    let tlvs = TlvBlock::new().with(oscar::icbm::tlv::AUTO_RESPONSE, vec![]);
    s.handle_frame(2, server(&incoming("bob", latin, tlvs, 2), 0x8000_0003, 0));
    let offline = TlvBlock::new().with_u32(oscar::icbm::tlv::SEND_TIME, 1_262_304_000);
    s.handle_frame(
        3,
        server(&incoming("bob", ImText::from_text("hi"), offline, 3), 0x8000_0004, 0),
    );
    let out = s.take_output();
    assert_eq!(
        out.events,
        [
            Event::ImReceived(IncomingIm {
                from: sn("Bob"),
                text: "héllo ✓ 你好\n&".into(),
                time: fixed_wall(),
                auto_response: false,
                offline: false,
            }),
            Event::ImReceived(IncomingIm {
                from: sn("bob"),
                text: "café".into(),
                time: fixed_wall(),
                auto_response: true,
                offline: false,
            }),
            Event::ImReceived(IncomingIm {
                from: sn("bob"),
                text: "hi".into(),
                time: UNIX_EPOCH + Duration::from_secs(1_262_304_000),
                auto_response: false,
                offline: true,
            }),
        ]
    );
    // The same cookie from the same sender again (a resend after a reconnect) is dropped.
    s.handle_frame(4, server(&incoming("bob", ImText::from_text("hi"), TlvBlock::new(), 3), 1, 0));
    assert!(s.take_output().events.is_empty());
}

#[test]
fn all_zero_cookies_are_never_taken_for_repeats() {
    let mut s = signed_on(vec![]);
    // Two server messages from the same sender, both with the all-zero cookie: both shown.
    for (at, text) in [(1, "maintenance at noon"), (2, "maintenance at noon")] {
        let body = incoming("AOL System Msg", ImText::from_text(text), TlvBlock::new(), 0);
        s.handle_frame(at, server(&body, 0x8000_0000 + at as u32, 0));
    }
    let texts: Vec<String> = s
        .take_output()
        .events
        .into_iter()
        .filter_map(|e| match e {
            Event::ImReceived(im) => Some(im.text),
            _ => None,
        })
        .collect();
    assert_eq!(texts, ["maintenance at noon", "maintenance at noon"]);
    // A real cookie seen twice is still a repeat.
    for at in [3, 4] {
        let body = incoming("AOL System Msg", ImText::from_text("x"), TlvBlock::new(), 7);
        s.handle_frame(at, server(&body, 0x8000_0010 + at as u32, 0));
    }
    assert_eq!(s.take_output().events.len(), 1);
}

/// A new connection of `s` at `now`, answered until the session is signed on.
fn sign_on_again(s: &mut SessionState, now: u64) {
    s.connection_started(now, b"cookie");
    let flight = snacs(&s.take_output());
    let id_of = |family, subtype| {
        flight
            .iter()
            .find(|(h, _)| (h.family, h.subtype) == (family, subtype))
            .map(|(h, _)| h.request_id)
    };
    let rates = id_of(0x01, 0x06).unwrap();
    let feedbag = id_of(0x13, 0x05).or_else(|| id_of(0x13, 0x04)).unwrap();
    s.handle_frame(now + 1, server(&SnacBody::RateParamsReply(scaled_rates(1)), rates, 0));
    let reply = FeedbagReply { version: 0, items: vec![], last_modified: 1 };
    s.handle_frame(now + 2, server(&SnacBody::FeedbagReply(reply), feedbag, 0));
    s.take_output();
    assert!(s.signed_on);
}

#[test]
fn bare_closes_in_a_row_are_another_sign_on_not_a_reconnect_war() {
    let bare = || Flap { channel: Channel::SignOff, sequence: 0, payload: Bytes::new() };
    let mut s = signed_on(vec![]);
    // The first close without a reason (a server restart, say) is worth a reconnect.
    s.handle_frame(10_000, bare());
    assert_eq!(
        s.take_output().close,
        Some(Close { reason: DisconnectReason::ServerClosed(None), reconnect: true })
    );
    s.connection_lost(true);
    // Signed on again, and closed bare again within the window: another sign-on of the account
    // is replacing us each time; stop.
    sign_on_again(&mut s, 12_000);
    s.handle_frame(10_000 + BARE_CLOSE_WINDOW_MS, bare());
    assert_eq!(
        s.take_output().close,
        Some(Close { reason: DisconnectReason::SignedOnElsewhere, reconnect: false })
    );

    // Two restarts far apart are two reconnects.
    let mut s = signed_on(vec![]);
    s.handle_frame(10_000, bare());
    assert!(s.take_output().close.is_some_and(|c| c.reconnect));
    s.connection_lost(true);
    sign_on_again(&mut s, 20_000);
    s.handle_frame(10_001 + BARE_CLOSE_WINDOW_MS, bare());
    assert_eq!(
        s.take_output().close,
        Some(Close { reason: DisconnectReason::ServerClosed(None), reconnect: true })
    );
}

#[test]
fn typing_both_ways() {
    let mut s = signed_on(vec![]);
    s.handle_command(1, Command::Typing { to: sn("bob"), state: TypingState::Paused });
    match &snacs(&s.take_output())[0].1 {
        SnacBody::Typing(t) => {
            assert_eq!((t.screen_name.as_str(), t.event), ("bob", TypingEvent::Paused));
        }
        other => panic!("{other:?}"),
    }
    let t = SnacBody::Typing(Typing::new("Bob", TypingEvent::Typing));
    s.handle_frame(2, server(&t, 0x8000_0009, 0));
    assert_eq!(
        s.take_output().events,
        [Event::Typing { from: sn("bob"), state: TypingState::Typing }]
    );
}

fn arrived(name: &str, class: u16, idle: Option<u16>) -> SnacBody {
    let mut info = WireInfo::new(name);
    info.set_class(class);
    info.set_u32(userinfo::tlv::SIGNON_TIME, 1_262_304_000);
    if let Some(m) = idle {
        info.set_idle_minutes(m);
    }
    SnacBody::BuddyArrived(crate::oscar::buddy::BuddyPresence::one(info))
}

#[test]
fn presence_online_away_with_message_idle_and_offline() {
    let mut s = signed_on(vec![]);
    s.handle_frame(1, server(&arrived("bob", 0x10, None), 0x8000_0001, 0));
    let out = s.take_output();
    match &out.events[..] {
        [Event::Presence(p)] => {
            assert_eq!(p.availability, Availability::Online);
            assert_eq!(p.signed_on_at, Some(UNIX_EPOCH + Duration::from_secs(1_262_304_000)));
        }
        other => panic!("{other:?}"),
    }
    assert!(ids(&out).is_empty());
    // Away: presence at once, and a 02/15 for the message.
    s.handle_frame(2, server(&arrived("bob", 0x30, None), 0x8000_0002, 0));
    let out = s.take_output();
    assert!(
        matches!(&out.events[..], [Event::Presence(p)] if p.availability == Availability::Away)
    );
    let (hdr, body) = snacs(&out).remove(0);
    match body {
        SnacBody::UserInfoQuery2(q) => assert_eq!((q.kind, q.screen_name.as_str()), (2, "bob")),
        other => panic!("{other:?}"),
    }
    let reply = UserInfoReply {
        info: WireInfo::new("bob"),
        tlvs: TlvBlock::new().with(0x0004, b"<b>at lunch</b> &amp; back soon".to_vec()),
    };
    s.handle_frame(3, server(&SnacBody::UserInfoReply(reply.clone()), hdr.request_id, 0));
    match &s.take_output().events[..] {
        [Event::Presence(p)] => {
            assert_eq!(p.away_message.as_deref(), Some("at lunch & back soon"));
        }
        other => panic!("{other:?}"),
    }
    // Replies nobody asked for are ignored.
    s.handle_frame(4, server(&SnacBody::UserInfoReply(reply), 12345, 0));
    assert!(s.take_output().events.is_empty());
    // Back, idle.
    s.handle_frame(5, server(&arrived("bob", 0x10, Some(12)), 0x8000_0003, 0));
    match &s.take_output().events[..] {
        [Event::Presence(p)] => {
            assert_eq!((p.availability, p.idle_minutes), (Availability::Idle, Some(12)));
            assert_eq!(p.away_message, None);
        }
        other => panic!("{other:?}"),
    }
    let gone =
        SnacBody::BuddyDeparted(crate::oscar::buddy::BuddyPresence::one(WireInfo::new("bob")));
    s.handle_frame(6, server(&gone, 0x8000_0004, 0));
    assert!(matches!(
        &s.take_output().events[..],
        [Event::Presence(p)] if p.availability == Availability::Offline
    ));
}

#[test]
fn away_and_back_and_get_info() {
    let mut s = signed_on(vec![]);
    s.handle_command(1, Command::SetAway(Some("out <now>".into())));
    let out = s.take_output();
    assert_eq!(out.events, [Event::AwayChanged(Some("out <now>".into()))]);
    match &snacs(&out)[0].1 {
        SnacBody::SetInfo(i) => assert_eq!(
            i.away_message().as_deref(),
            Some("<HTML><BODY>out &lt;now&gt;</BODY></HTML>")
        ),
        other => panic!("{other:?}"),
    }
    s.handle_command(2, Command::SetAway(None));
    match &snacs(&s.take_output())[0].1 {
        SnacBody::SetInfo(i) => assert_eq!(i.away_message().as_deref(), Some("")),
        other => panic!("{other:?}"),
    }
    s.handle_command(3, Command::GetInfo { name: sn("bob") });
    let (hdr, body) = snacs(&s.take_output()).remove(0);
    assert!(matches!(body, SnacBody::UserInfoQuery2(ref q) if q.kind == 3));
    let mut info = WireInfo::new("Bob");
    info.warning_level = 150;
    let reply =
        UserInfoReply { info, tlvs: TlvBlock::new().with(0x0002, b"I like <i>cats</i>".to_vec()) };
    s.handle_frame(4, server(&SnacBody::UserInfoReply(reply), hdr.request_id, 0));
    assert_eq!(
        s.take_output().events,
        [Event::UserInfo(UserInfo {
            name: sn("bob"),
            profile: Some("I like cats".into()),
            away_message: None,
            idle_minutes: None,
            signed_on_at: None,
            warning_percent: 15,
        })]
    );
    // An error answering the query names whom it was about, with the server's code.
    s.handle_command(5, Command::GetInfo { name: sn("ghost") });
    let (hdr, _) = snacs(&s.take_output()).remove(0);
    let error = SnacError::new(SnacErrorCode::NotLoggedOn);
    let err = SnacBody::Error { family: 2, error: error.clone() };
    s.handle_frame(6, server(&err, hdr.request_id, 0));
    assert_eq!(s.take_output().events, [Event::InfoUnavailable { name: sn("ghost"), error }]);
}

#[test]
fn feedbag_transactions_encode_ids_and_parent_orders() {
    let mut s =
        signed_on(vec![FeedbagItem::group("", 0, &[1]), FeedbagItem::group("Buddies", 1, &[])]);
    s.handle_command(1, Command::AddBuddy { name: sn("bob"), group: "Buddies".into() });
    let out = s.take_output();
    assert_eq!(ids(&out), [(0x13, 0x11), (0x13, 0x08), (0x13, 0x09), (0x13, 0x12)]);
    let all = snacs(&out);
    assert!(
        matches!(&all[1].1, SnacBody::FeedbagInsert(i) if i.items == [FeedbagItem::buddy("bob", 1, 1)])
    );
    assert!(
        matches!(&all[2].1, SnacBody::FeedbagUpdate(i) if i.items == [FeedbagItem::group("Buddies", 1, &[1])])
    );
    assert!(matches!(&out.events[..], [Event::BuddyList(l)] if l.groups[0].buddies.len() == 1));
    // Success: nothing more happens.
    let ok = SnacBody::FeedbagStatus(FeedbagStatus { results: vec![FeedbagResult::Ok] });
    s.handle_frame(2, server(&ok, all[1].0.request_id, 0));
    assert!(s.take_output().events.is_empty());
    // Failure: an error event and a fresh query to resynchronize.
    let bad =
        SnacBody::FeedbagStatus(FeedbagStatus { results: vec![FeedbagResult::LimitExceeded] });
    s.handle_frame(3, server(&bad, all[2].0.request_id, 0));
    let out = s.take_output();
    assert_eq!(
        out.events,
        [Event::BuddyListError(BuddyListError {
            action: FeedbagAction::AddBuddy { name: sn("bob"), group: "Buddies".into() },
            failure: FeedbagFailure::Refused(vec![FeedbagResult::LimitExceeded]),
        })]
    );
    assert_eq!(ids(&out), [(0x13, 0x04)]);
    // A status nobody asked for is ignored.
    s.handle_frame(4, server(&ok, 4242, 0));
    assert!(s.take_output().events.is_empty());
    // A local refusal needs no round trip.
    s.handle_command(5, Command::RemoveGroup { name: "nope".into() });
    let out = s.take_output();
    assert!(ids(&out).is_empty());
    assert_eq!(
        out.events,
        [Event::BuddyListError(BuddyListError {
            action: FeedbagAction::RemoveGroup { name: "nope".into() },
            failure: FeedbagFailure::Planned(FeedbagError::NoSuchGroup { group: "nope".into() }),
        })]
    );
}

#[test]
fn buddy_commands_before_the_list_wait_for_it() {
    let mut s = state();
    s.handle_command(0, Command::AddGroup { name: "Friends".into() });
    assert!(s.take_output().frames.is_empty());
    s.connection_started(1, b"c");
    s.take_output();
    let reply = FeedbagReply { version: 0, items: vec![], last_modified: 0 };
    s.handle_frame(2, server(&SnacBody::FeedbagReply(reply), 5, 0));
    let out = s.take_output();
    assert_eq!(ids(&out), [(0x13, 0x11), (0x13, 0x08), (0x13, 0x08), (0x13, 0x12)]);
}

#[test]
fn motd_warning_missed_calls_and_garbage() {
    let mut s = signed_on(vec![]);
    let motd = Motd { kind: 4, tlvs: TlvBlock::new().with(0x0B, b"Welcome &amp; enjoy".to_vec()) };
    s.handle_frame(1, server(&SnacBody::Motd(motd), 0x8000_0001, 0));
    assert_eq!(s.take_output().events, [Event::Motd("Welcome & enjoy".into())]);
    let w = crate::oscar::oservice::Warning { level: 100, warner: Some(WireInfo::new("eve")) };
    s.handle_frame(2, server(&SnacBody::Warning(w), 0x8000_0002, 0));
    assert_eq!(
        s.take_output().events,
        [Event::Warned { level_percent: 10, by: Some(ScreenName::from_wire("eve")) }]
    );
    let w = crate::oscar::oservice::Warning { level: 305, warner: None };
    s.handle_frame(2, server(&SnacBody::Warning(w), 0x8000_0003, 0));
    assert_eq!(s.take_output().events, [Event::Warned { level_percent: 30, by: None }]);
    let missed = crate::oscar::icbm::MissedCalls {
        entries: vec![crate::oscar::icbm::MissedCall {
            channel: 1,
            sender: WireInfo::new("Mallory"),
            count: 3,
            reason: MissedCallReason::RateExceeded,
        }],
    };
    s.handle_frame(2, server(&SnacBody::MissedCalls(missed), 0x8000_0004, 0));
    assert_eq!(
        s.take_output().events,
        [Event::MissedIms {
            from: ScreenName::from_wire("Mallory"),
            count: 3,
            reason: MissedCallReason::RateExceeded
        }]
    );
    // An unknown SNAC, a truncated SNAC, a broken known SNAC: all skipped, session goes on.
    for payload in [
        &[0x00, 0x42, 0x00, 0x01, 0, 0, 0, 0, 0, 1][..],
        &[0x00, 0x04][..],
        &[0, 4, 0, 7, 0, 0, 0, 0, 0, 1, 9][..],
    ] {
        s.handle_frame(
            3,
            Flap { channel: Channel::Data, sequence: 0, payload: Bytes::copy_from_slice(payload) },
        );
        let out = s.take_output();
        assert!(out.events.is_empty() && out.close.is_none());
    }
    // An unsolicited migration is ignored.
    let m = crate::oscar::oservice::Migrate { families: vec![], tlvs: TlvBlock::new() };
    s.handle_frame(4, server(&SnacBody::Migrate(m), 0x8000_0005, 0));
    let out = s.take_output();
    assert!(out.events.is_empty() && out.close.is_none() && out.frames.is_empty());
}

#[test]
fn channel_4_reasons() {
    let cases = [
        (vec![0, 9, 0, 2, 0, 1], DisconnectReason::SignedOnElsewhere, false),
        (vec![0, 9, 0, 1, 2], DisconnectReason::AccountDeleted, false),
        (vec![0, 9, 0, 2, 0, 7], DisconnectReason::ServerClosed(Some(7)), true),
        (vec![], DisconnectReason::ServerClosed(None), true),
    ];
    for (payload, reason, reconnect) in cases {
        let mut s = signed_on(vec![]);
        s.handle_frame(1, Flap { channel: Channel::SignOff, sequence: 0, payload: payload.into() });
        assert_eq!(s.take_output().close, Some(Close { reason, reconnect }));
    }
    let mut s = state();
    s.connection_started(0, b"c");
    let bad_cookie = crate::oscar::SignOff { tlvs: TlvBlock::new().with_u16(8, 5) };
    s.handle_frame(
        1,
        Flap { channel: Channel::SignOff, sequence: 0, payload: bad_cookie.encode().unwrap() },
    );
    let close = s.take_output().close.unwrap();
    assert_eq!(
        close.reason,
        DisconnectReason::AuthFailed(SignOnFailure::Code(AuthErrorCode::MismatchedPassword))
    );
}

#[test]
fn keepalive_after_sixty_idle_seconds_only() {
    let mut s = signed_on(vec![]);
    assert_eq!(s.next_deadline(), Some(1 + KEEPALIVE_MS));
    s.handle_command(30_000, Command::Typing { to: sn("bob"), state: TypingState::Typing });
    s.take_output();
    assert_eq!(s.next_deadline(), Some(30_000 + KEEPALIVE_MS));
    s.handle_timer(30_000 + KEEPALIVE_MS - 1);
    assert!(s.take_output().frames.is_empty());
    s.handle_timer(30_000 + KEEPALIVE_MS);
    assert_eq!(s.take_output().frames, [OutFlap::keepalive()]);
}

#[test]
fn sign_on_times_out() {
    let mut s = state();
    s.connection_started(0, b"c");
    s.take_output();
    assert_eq!(s.next_deadline(), Some(SIGNON_TIMEOUT_MS));
    s.handle_timer(SIGNON_TIMEOUT_MS);
    assert!(matches!(s.take_output().close, Some(Close { reconnect: true, .. })));
}

#[test]
fn unacked_im_is_resent_once_with_the_same_cookie_then_fails() {
    let mut s = signed_on(vec![]);
    s.handle_frame(3, server(&arrived("bob", 0x10, None), 0x8000_0001, 0));
    s.handle_command(10, Command::SendIm { id: 1, to: sn("bob"), text: "hello".into() });
    let (_, first) = sent_im(&s.take_output());
    s.connection_lost(true);
    let out = s.take_output();
    // Buddies go offline while we are away; the IM is neither failed nor sent.
    assert!(
        matches!(&out.events[..], [Event::Presence(p)] if p.availability == Availability::Offline)
    );
    // Commands while down queue up.
    s.handle_command(11, Command::SendIm { id: 2, to: sn("bob"), text: "later".into() });
    assert_eq!(s.take_output().events, [Event::ImQueued { id: 2 }]);
    s.connection_started(20, b"c2");
    let out = s.take_output();
    let ims: Vec<SendIm> = snacs(&out)
        .into_iter()
        .filter_map(|(_, b)| if let SnacBody::SendIm(i) = b { Some(i) } else { None })
        .collect();
    assert_eq!(ims.len(), 2);
    assert_eq!(ims[0].cookie, first.cookie, "resent with the same cookie");
    assert!(out.events.contains(&Event::ImSent { id: 1 }));
    assert!(out.events.contains(&Event::ImSent { id: 2 }));
    // Dropped again before any ack: the resent one fails, the other gets its one resend.
    s.connection_lost(true);
    assert_eq!(
        s.take_output().events,
        [Event::ImFailed { id: 1, reason: ImFailure::ConnectionLost }]
    );
    // The session ends for good: everything left fails.
    s.connection_lost(false);
    assert_eq!(
        s.take_output().events,
        [Event::ImFailed { id: 2, reason: ImFailure::ConnectionLost }]
    );
}

#[test]
fn sign_off_writes_channel_4_and_closes() {
    let mut s = signed_on(vec![]);
    s.handle_command(1, Command::SignOff);
    let out = s.take_output();
    assert_eq!(out.frames.last().map(|f| f.channel), Some(Channel::SignOff));
    assert_eq!(out.close, Some(Close { reason: DisconnectReason::SignedOff, reconnect: false }));
}

#[test]
fn reconnect_flight_restores_away_and_rereads_the_list() {
    let mut s = signed_on(vec![]);
    s.handle_command(1, Command::SetAway(Some("gone".into())));
    s.take_output();
    s.connection_lost(true);
    s.connection_started(5, b"again");
    let out = s.take_output();
    let all = snacs(&out);
    assert!(all.iter().any(|(_, b)| matches!(b, SnacBody::FeedbagQuery)));
    let set_info =
        all.iter().find_map(|(_, b)| if let SnacBody::SetInfo(i) = b { Some(i) } else { None });
    assert_eq!(
        set_info.and_then(|i| i.away_message()).as_deref(),
        Some("<HTML><BODY>gone</BODY></HTML>")
    );
}

proptest::proptest! {
    #[test]
    fn arbitrary_frames_never_panic(
        frames in proptest::collection::vec(
            (0u8..6, proptest::collection::vec(proptest::prelude::any::<u8>(), 0..80)), 0..20),
    ) {
        let mut s = signed_on(vec![FeedbagItem::group("", 0, &[1]), FeedbagItem::group("G", 1, &[])]);
        for (i, (channel, payload)) in frames.into_iter().enumerate() {
            let channel = match channel {
                1 => Channel::SignOn,
                3 => Channel::Error,
                4 => Channel::SignOff,
                5 => Channel::KeepAlive,
                _ => Channel::Data,
            };
            s.handle_frame(10 + i as u64, Flap { channel, sequence: 0, payload: payload.into() });
            let _ = s.take_output();
        }
    }

    #[test]
    fn known_snacs_with_random_bodies_never_panic(
        family in proptest::sample::select(vec![1u16, 2, 3, 4, 9, 0x13]),
        subtype in 1u16..0x20,
        flags in proptest::prelude::any::<u16>(),
        body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..120),
    ) {
        let mut s = signed_on(vec![]);
        let mut payload = Vec::new();
        payload.extend_from_slice(&family.to_be_bytes());
        payload.extend_from_slice(&subtype.to_be_bytes());
        payload.extend_from_slice(&flags.to_be_bytes());
        payload.extend_from_slice(&7u32.to_be_bytes());
        payload.extend_from_slice(&body);
        s.handle_frame(5, Flap { channel: Channel::Data, sequence: 0, payload: payload.into() });
        let _ = s.take_output();
    }
}

#[test]
fn held_typing_notices_collapse_to_the_latest() {
    let mut s = signed_on(vec![]);
    // Drain class 1 so notices have to wait.
    let mut now = 10;
    loop {
        s.handle_command(now, Command::Typing { to: sn("bob"), state: TypingState::Typing });
        if s.take_output().frames.is_empty() {
            break;
        }
    }
    for state in [TypingState::Paused, TypingState::Typing, TypingState::Finished] {
        s.handle_command(now, Command::Typing { to: sn("Bob"), state });
    }
    s.handle_command(now, Command::Typing { to: sn("carol"), state: TypingState::Typing });
    let mut written = Vec::new();
    while written.len() < 2 {
        now = s.next_deadline().unwrap();
        s.handle_timer(now);
        for (_, b) in snacs(&s.take_output()) {
            if let SnacBody::Typing(t) = b {
                written.push((t.screen_name, t.event));
            }
        }
    }
    assert_eq!(
        written,
        [("Bob".to_string(), TypingEvent::Finished), ("carol".to_string(), TypingEvent::Typing)]
    );
}

#[test]
fn replies_nobody_asked_for_are_ignored() {
    let mut s = signed_on(vec![FeedbagItem::group("", 0, &[]), FeedbagItem::buddy("bob", 0, 1)]);
    let injected = FeedbagReply {
        version: 0,
        items: vec![FeedbagItem::buddy("mallory", 0, 9)],
        last_modified: 2,
    };
    // A buddy list with the server bit, then one answering our already answered 13/04 (id 5).
    for id in [0x8000_0001, 5] {
        s.handle_frame(3, server(&SnacBody::FeedbagReply(injected.clone()), id, 0));
        let out = s.take_output();
        assert!(out.events.is_empty() && out.frames.is_empty(), "13/06 with id {id}: {out:?}");
    }
    // Rate parameters nobody asked for: no 01/08, and the table stays (an IM still goes out).
    let throttle = RateParamsReply {
        extended: true,
        classes: RateClass::aol_defaults().map(|c| RateClass { max: 2, current: 1, ..c }).to_vec(),
        groups: vec![],
    };
    s.handle_frame(4, server(&SnacBody::RateParamsReply(throttle), 0x8000_0002, 0));
    assert!(s.take_output().frames.is_empty(), "no rate ack for an unrequested 01/07");
    s.handle_command(5, Command::SendIm { id: 1, to: sn("bob"), text: "hi".into() });
    assert_eq!(ids(&s.take_output()), [(0x02, 0x15), (0x04, 0x06)], "a locate query, then the IM");
}

#[test]
fn a_requested_buddy_list_reread_is_still_accepted() {
    let mut s = signed_on(vec![FeedbagItem::group("", 0, &[])]);
    s.handle_command(1, Command::AddGroup { name: "Friends".into() });
    let sent = snacs(&s.take_output());
    let insert = sent.iter().find(|(h, _)| (h.family, h.subtype) == (0x13, 0x08)).unwrap().0;
    let status = FeedbagStatus { results: vec![FeedbagResult::LimitExceeded] };
    s.handle_frame(2, server(&SnacBody::FeedbagStatus(status), insert.request_id, 0));
    let query = snacs(&s.take_output())
        .into_iter()
        .find(|(h, _)| (h.family, h.subtype) == (0x13, 0x04))
        .expect("the list is re-read after a refused change")
        .0;
    let items = vec![
        FeedbagItem::group("", 0, &[1]),
        FeedbagItem::group("Buddies", 1, &[1]),
        FeedbagItem::buddy("bob", 1, 1),
    ];
    let reply = FeedbagReply { version: 0, items, last_modified: 3 };
    s.handle_frame(3, server(&SnacBody::FeedbagReply(reply), query.request_id, 0));
    let out = s.take_output();
    assert!(
        matches!(&out.events[..], [Event::BuddyList(l)] if l.groups.iter().any(|g| g.buddies.len() == 1)),
        "{:?}",
        out.events
    );
}

#[test]
fn rate_notices_for_classes_never_advertised_are_ignored() {
    let mut s = signed_on(vec![]);
    let phantom =
        RateClass { id: 0x42, window: 0, max: 0, current: 0, ..RateClass::aol_defaults()[0] };
    for code in [RateChangeCode::Limited, RateChangeCode::Changed] {
        let change = RateChange { code, extended: true, class: phantom };
        s.handle_frame(10, server(&SnacBody::RateChange(change), 0x8000_0001, 0));
        let out = s.take_output();
        assert!(out.events.is_empty() && out.frames.is_empty(), "{out:?}");
    }
    assert!(s.rates.class(0x42).is_none(), "the unknown class must not join the table");
    s.handle_command(11, Command::SendIm { id: 1, to: sn("bob"), text: "x".into() });
    // A locate query, the IM, then bob (not a buddy) watched as a temporary buddy.
    assert_eq!(ids(&s.take_output()), [(0x02, 0x15), (0x04, 0x06), (0x03, 0x0F)]);
}

#[test]
fn a_resend_held_by_the_limiter_is_written_once_after_another_drop() {
    fn written_ims(out: &Output) -> Vec<[u8; 8]> {
        snacs(out)
            .into_iter()
            .filter_map(|(_, b)| if let SnacBody::SendIm(i) = b { Some(i.cookie) } else { None })
            .collect()
    }
    let mut s = signed_on(vec![]);
    // Five IMs written (seconds apart, so the limiter lets each go) and none acknowledged.
    for id in 0..5u64 {
        s.handle_command(
            10_000 * (id + 1),
            Command::SendIm { id, to: sn("bob"), text: "x".into() },
        );
    }
    assert_eq!(written_ims(&s.take_output()).len(), 5);
    s.connection_lost(true);
    // The next flight resends what the limiter allows at once and holds the rest.
    s.connection_started(100_000, b"c2");
    let resent = written_ims(&s.take_output());
    assert!(!resent.is_empty() && resent.len() < 5, "{} resent at once", resent.len());
    // Dropped again: the resent ones fail; the held ones still get their one resend, once.
    s.connection_lost(true);
    let failed = s.take_output().events;
    assert_eq!(failed.len(), resent.len(), "{failed:?}");
    assert!(failed
        .iter()
        .all(|e| matches!(e, Event::ImFailed { reason: ImFailure::ConnectionLost, .. })));
    s.connection_started(200_000, b"c3");
    let mut third = written_ims(&s.take_output());
    for t in 1..20 {
        s.handle_timer(200_000 + t * 10_000);
        third.extend(written_ims(&s.take_output()));
    }
    assert_eq!(third.len(), 5 - resent.len(), "each held IM written exactly once: {third:?}");
    let unique: HashSet<[u8; 8]> = third.iter().copied().collect();
    assert_eq!(unique.len(), third.len());
}

#[test]
fn bos_refusing_a_sign_on_as_too_frequent_asks_for_the_long_backoff() {
    let refuse = |code: u16| {
        let close = crate::oscar::SignOff { tlvs: TlvBlock::new().with_u16(8, code) };
        Flap { channel: Channel::SignOff, sequence: 0, payload: close.encode().unwrap() }
    };
    let mut s = state();
    s.connection_started(0, b"c");
    s.handle_frame(1, refuse(u16::from(AuthErrorCode::ConnectingTooOften)));
    assert!(s.signing_on_too_often());
    assert!(s.take_output().close.is_some_and(|c| c.reconnect));
    // A new connection starts afresh; other refusals (a bad cookie) are not rate limits.
    s.connection_lost(true);
    s.connection_started(10, b"c2");
    assert!(!s.signing_on_too_often());
    s.handle_frame(11, refuse(u16::from(AuthErrorCode::RateLimitedIp)));
    assert!(s.signing_on_too_often());
    s.connection_started(20, b"c3");
    s.handle_frame(21, refuse(u16::from(AuthErrorCode::MismatchedPassword)));
    assert!(!s.signing_on_too_often());
}

#[test]
fn sign_off_waits_for_the_server_only_while_an_answer_is_outstanding() {
    let mut s =
        signed_on(vec![FeedbagItem::group("", 0, &[1]), FeedbagItem::group("Buddies", 1, &[])]);
    assert!(!s.awaiting_answers());
    s.handle_command(1, Command::SendIm { id: 1, to: sn("bob"), text: "hi".into() });
    let out = s.take_output();
    let (request_id, im) = sent_im(&out);
    assert!(s.awaiting_answers(), "an IM awaits its ack");
    let ack = HostAck { cookie: im.cookie, channel: im.channel, screen_name: im.recipient };
    s.handle_frame(2, server(&SnacBody::HostAck(ack), request_id, 0));
    s.take_output();
    assert!(s.awaiting_answers(), "an acked IM awaits the locate answer that says where it went");
    let (locate, _) = locate_query(&out);
    s.handle_frame(2, server(&not_logged_on(), locate, 0));
    s.take_output();
    assert!(!s.awaiting_answers());
    s.handle_command(3, Command::AddBuddy { name: sn("bob"), group: "Buddies".into() });
    let out = s.take_output();
    assert!(s.awaiting_answers(), "a buddy-list change awaits its status");
    let ok = SnacBody::FeedbagStatus(FeedbagStatus { results: vec![FeedbagResult::Ok] });
    for (h, body) in snacs(&out) {
        if matches!(body, SnacBody::FeedbagInsert(_) | SnacBody::FeedbagUpdate(_)) {
            s.handle_frame(4, server(&ok, h.request_id, 0));
        }
    }
    assert!(!s.awaiting_answers());
}

// ----- delivered or stored ------------------------------------------------------------------

/// The locate query written beside an IM: its request id and the name it asks about.
fn locate_query(out: &Output) -> (u32, String) {
    snacs(out)
        .into_iter()
        .find_map(|(h, b)| match b {
            SnacBody::UserInfoQuery2(q) => {
                assert_eq!(q.kind, 0, "asks for nothing but the user-info block");
                Some((h.request_id, q.screen_name))
            }
            _ => None,
        })
        .expect("a locate query was written")
}

/// 02/06 for `name` with nothing but the user-info block.
fn located(name: &str) -> UserInfoReply {
    UserInfoReply { info: WireInfo::new(name), tlvs: TlvBlock::new() }
}

/// 02/01 "recipient is not logged on".
fn not_logged_on() -> SnacBody {
    SnacBody::Error { family: 0x02, error: SnacError::new(SnacErrorCode::NotLoggedOn) }
}

fn host_ack(im: &SendIm) -> SnacBody {
    SnacBody::HostAck(HostAck {
        cookie: im.cookie,
        channel: im.channel,
        screen_name: im.recipient.clone(),
    })
}

/// Sends IM `id` to `to` on a signed-on state; returns the output it wrote.
fn send_to(s: &mut SessionState, id: MessageId, to: &str) -> Output {
    s.handle_command(10, Command::SendIm { id, to: sn(to), text: "hi".into() });
    s.take_output()
}

#[test]
fn an_im_to_someone_of_unknown_presence_takes_a_locate_query_in_the_same_flight() {
    let mut s = signed_on(vec![]);
    let out = send_to(&mut s, 1, "bob");
    let order = ids(&out);
    assert_eq!(
        order,
        [(0x02, 0x15), (0x04, 0x06), (0x03, 0x0F)],
        "one flush, the locate query first, then bob watched as a temporary buddy"
    );
    assert_eq!(locate_query(&out).1, "bob");
}

#[test]
fn ack_then_locate_answer_decides_delivered_or_stored() {
    for (answer, delivery) in [
        (SnacBody::UserInfoReply(located("bob")), Delivery::Online),
        (not_logged_on(), Delivery::StoredOffline),
    ] {
        let mut s = signed_on(vec![]);
        let out = send_to(&mut s, 1, "bob");
        let (im_req, im) = sent_im(&out);
        let (locate, _) = locate_query(&out);
        s.handle_frame(11, server(&host_ack(&im), im_req, 0));
        assert!(s.take_output().events.is_empty(), "the ack alone does not say where it went");
        s.handle_frame(12, server(&answer, locate, 0));
        assert_eq!(s.take_output().events, [Event::ImAcked { id: 1, delivery }]);
        assert!(!s.awaiting_answers());
    }
}

#[test]
fn locate_answer_then_ack_decides_delivered_or_stored() {
    for (answer, delivery) in [
        (SnacBody::UserInfoReply(located("bob")), Delivery::Online),
        (not_logged_on(), Delivery::StoredOffline),
    ] {
        let mut s = signed_on(vec![]);
        let out = send_to(&mut s, 1, "bob");
        let (im_req, im) = sent_im(&out);
        let (locate, _) = locate_query(&out);
        s.handle_frame(11, server(&answer, locate, 0));
        assert!(s.take_output().events.is_empty(), "nothing to report before the ack");
        s.handle_frame(12, server(&host_ack(&im), im_req, 0));
        assert_eq!(s.take_output().events, [Event::ImAcked { id: 1, delivery }]);
    }
}

#[test]
fn an_im_error_wins_over_the_locate_answer_in_either_order() {
    for locate_first in [true, false] {
        let mut s = signed_on(vec![]);
        let out = send_to(&mut s, 1, "nobody");
        let (im_req, _) = sent_im(&out);
        let (locate, _) = locate_query(&out);
        let im_error =
            SnacBody::Error { family: 0x04, error: SnacError::new(SnacErrorCode::NotLoggedOn) };
        let mut events = Vec::new();
        for (body, req) in if locate_first {
            [(not_logged_on(), locate), (im_error, im_req)]
        } else {
            [(im_error, im_req), (not_logged_on(), locate)]
        } {
            s.handle_frame(11, server(&body, req, 0));
            events.extend(s.take_output().events);
        }
        assert_eq!(
            events,
            [Event::ImFailed { id: 1, reason: ImFailure::RecipientOffline }],
            "locate first: {locate_first}"
        );
    }
}

#[test]
fn a_locate_query_failing_otherwise_leaves_the_im_accepted() {
    let mut s = signed_on(vec![]);
    let out = send_to(&mut s, 1, "bob");
    let (im_req, im) = sent_im(&out);
    let (locate, _) = locate_query(&out);
    let limited =
        SnacBody::Error { family: 0x02, error: SnacError::new(SnacErrorCode::RateToHost) };
    s.handle_frame(11, server(&limited, locate, 0));
    s.handle_frame(12, server(&host_ack(&im), im_req, 0));
    assert_eq!(s.take_output().events, [Event::ImAcked { id: 1, delivery: Delivery::Accepted }]);
}

#[test]
fn an_ack_whose_locate_answer_never_comes_is_reported_accepted_after_the_grace() {
    let mut s = signed_on(vec![]);
    let out = send_to(&mut s, 1, "bob");
    let (req, im) = sent_im(&out);
    let (locate, _) = locate_query(&out);
    s.handle_frame(11, server(&host_ack(&im), req, 0));
    assert!(s.take_output().events.is_empty());
    assert_eq!(s.next_deadline(), Some(11 + WHEREABOUTS_GRACE_MS), "the timer is set for it");
    s.handle_timer(10 + WHEREABOUTS_GRACE_MS);
    assert!(s.take_output().events.is_empty(), "not before the grace is over");
    s.handle_timer(11 + WHEREABOUTS_GRACE_MS);
    assert_eq!(s.take_output().events, [Event::ImAcked { id: 1, delivery: Delivery::Accepted }]);
    // A late answer changes nothing.
    s.handle_frame(12 + WHEREABOUTS_GRACE_MS, server(&not_logged_on(), locate, 0));
    assert!(s.take_output().events.is_empty());
}

#[test]
fn ims_to_the_same_person_share_one_open_locate_query() {
    let mut s = signed_on(vec![]);
    let first = send_to(&mut s, 1, "bob");
    let second = send_to(&mut s, 2, "Bob");
    assert_eq!(ids(&second), [(0x04, 0x06)], "bob is already being asked about");
    let (locate, _) = locate_query(&first);
    let (req1, im1) = sent_im(&first);
    let (req2, im2) = sent_im(&second);
    s.handle_frame(11, server(&host_ack(&im1), req1, 0));
    s.handle_frame(11, server(&host_ack(&im2), req2, 0));
    assert!(s.take_output().events.is_empty());
    s.handle_frame(12, server(&not_logged_on(), locate, 0));
    assert_eq!(
        s.take_output().events,
        [
            Event::ImAcked { id: 1, delivery: Delivery::StoredOffline },
            Event::ImAcked { id: 2, delivery: Delivery::StoredOffline }
        ]
    );
    // Once answered, the next IM asks afresh.
    assert!(ids(&send_to(&mut s, 3, "bob")).contains(&(0x02, 0x15)));
}

#[test]
fn presence_from_the_buddy_list_decides_without_a_locate_query() {
    let mut s = signed_on(vec![]);
    s.handle_frame(1, server(&arrived("bob", 0x10, None), 0x8000_0001, 0));
    s.take_output();
    let out = send_to(&mut s, 1, "Bob");
    assert_eq!(ids(&out), [(0x04, 0x06), (0x03, 0x0F)], "bob is known online: no locate query");
    let (req, im) = sent_im(&out);
    s.handle_frame(11, server(&host_ack(&im), req, 0));
    assert_eq!(s.take_output().events, [Event::ImAcked { id: 1, delivery: Delivery::Online }]);

    let gone =
        SnacBody::BuddyDeparted(crate::oscar::buddy::BuddyPresence::one(WireInfo::new("bob")));
    s.handle_frame(12, server(&gone, 0x8000_0002, 0));
    s.take_output();
    let out = send_to(&mut s, 2, "bob");
    assert_eq!(ids(&out), [(0x04, 0x06)], "bob is known offline: no locate query");
    let (req, im) = sent_im(&out);
    assert!(im.store_offline(), "sent with the store-offline flag");
    s.handle_frame(13, server(&host_ack(&im), req, 0));
    assert_eq!(
        s.take_output().events,
        [Event::ImAcked { id: 2, delivery: Delivery::StoredOffline }]
    );
}

#[test]
fn a_departure_is_forgotten_with_the_connection() {
    let mut s = signed_on(vec![]);
    let gone =
        SnacBody::BuddyDeparted(crate::oscar::buddy::BuddyPresence::one(WireInfo::new("bob")));
    s.handle_frame(1, server(&gone, 0x8000_0001, 0));
    s.connection_lost(true);
    s.connection_started(100, b"c2");
    s.take_output();
    let out = send_to(&mut s, 1, "bob");
    assert!(ids(&out).contains(&(0x02, 0x15)), "presence unknown again: {:?}", ids(&out));
}

#[test]
fn an_ack_whose_locate_answer_is_lost_with_the_connection_is_reported_accepted() {
    let mut s = signed_on(vec![]);
    let out = send_to(&mut s, 1, "bob");
    let (req, im) = sent_im(&out);
    s.handle_frame(11, server(&host_ack(&im), req, 0));
    assert!(s.take_output().events.is_empty());
    s.connection_lost(true);
    assert_eq!(s.take_output().events, [Event::ImAcked { id: 1, delivery: Delivery::Accepted }]);
    s.connection_started(100, b"c2");
    assert!(sent_ims(&s.take_output()).is_empty(), "an acked IM is never resent");
}

#[test]
fn a_resent_im_asks_for_its_recipient_again() {
    let mut s = signed_on(vec![]);
    let out = send_to(&mut s, 1, "bob");
    let (_, first) = sent_im(&out);
    s.connection_lost(true);
    s.connection_started(100, b"c2");
    let out = s.take_output();
    let (req, im) = sent_im(&out);
    assert_eq!(im.cookie, first.cookie);
    let (locate, who) = locate_query(&out);
    assert_eq!(who, "bob");
    s.handle_frame(101, server(&not_logged_on(), locate, 0));
    s.handle_frame(102, server(&host_ack(&im), req, 0));
    assert_eq!(
        s.take_output().events,
        [Event::ImAcked { id: 1, delivery: Delivery::StoredOffline }]
    );
}

#[test]
fn an_im_that_never_left_fails_as_not_sent_not_as_maybe_delivered() {
    let mut s = state();
    s.handle_command(0, Command::SendIm { id: 1, to: sn("bob"), text: "hi".into() });
    assert_eq!(s.take_output().events, [Event::ImQueued { id: 1 }]);
    s.connection_lost(false);
    assert_eq!(s.take_output().events, [Event::ImFailed { id: 1, reason: ImFailure::NotSent }]);
}

/// The one 04/06 an output carries.
fn the_im(out: &Output) -> SendIm {
    let ims: Vec<SendIm> = snacs(out)
        .into_iter()
        .filter_map(|(_, b)| match b {
            SnacBody::SendIm(im) => Some(im),
            _ => None,
        })
        .collect();
    assert_eq!(ims.len(), 1, "{ims:?}");
    ims.into_iter().next().unwrap()
}

fn arrived_with(name: &str, status: Option<u32>, caps: &[userinfo::Capability]) -> SnacBody {
    let mut info = WireInfo::new(name);
    info.set_class(0x50);
    if let Some(word) = status {
        info.set_u32(userinfo::tlv::STATUS, word);
    }
    info.set_capabilities(caps);
    SnacBody::BuddyArrived(crate::oscar::buddy::BuddyPresence::one(info))
}

fn im_from(name: &str, caps: Option<&[userinfo::Capability]>, text: &str) -> SnacBody {
    let cookie = [text.len() as u8; 8];
    let mut sender = WireInfo::new(name);
    if let Some(caps) = caps {
        sender.set_capabilities(caps);
    }
    let message = ImMessage { features: vec![1].into(), texts: vec![ImText::from_text(text)] };
    SnacBody::IncomingIm(WireIm {
        cookie,
        channel: 1,
        sender,
        tlvs: TlvBlock::new().with(oscar::icbm::tlv::MESSAGE_DATA, message.to_bytes().unwrap()),
    })
}

fn received_text(out: &Output) -> String {
    match &out.events[..] {
        [Event::ImReceived(im)] => im.text.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_im_to_a_uin_without_xhtml_is_plain_text_and_asks_for_typing() {
    let mut s = signed_on(vec![]);
    let text = "1 < 2 & <b>not bold</b>\nnext line";
    s.handle_command(10, Command::SendIm { id: 1, to: sn("123456"), text: text.into() });
    let im = the_im(&s.take_output());
    let message = im.message().unwrap().unwrap();
    assert_eq!(message.features[..], [0x01]);
    assert_eq!(message.text(), "1 < 2 & <b>not bold</b>\r\nnext line");
    assert!(im.tlvs.has(oscar::icbm::tlv::WANTS_TYPING));
    assert!(im.tlvs.value(oscar::icbm::tlv::WANTS_TYPING).is_some_and(<[u8]>::is_empty));
    // Non-ASCII plain text still travels as UCS-2, unescaped.
    s.handle_command(11, Command::SendIm { id: 2, to: sn("123456"), text: "ö ✓ 你好".into() });
    let im = the_im(&s.take_output());
    let message = im.message().unwrap().unwrap();
    assert_eq!(message.texts[0].charset, oscar::imtext::CHARSET_UCS2);
    assert_eq!(message.text(), "ö ✓ 你好");
}

#[test]
fn an_im_to_an_aim_name_or_an_xhtml_uin_is_escaped_html() {
    let mut s = signed_on(vec![]);
    s.handle_command(10, Command::SendIm { id: 1, to: sn("bob"), text: "a < b".into() });
    let im = the_im(&s.take_output());
    assert_eq!(im.message().unwrap().unwrap().text(), "<HTML><BODY>a &lt; b</BODY></HTML>");
    assert!(im.tlvs.has(oscar::icbm::tlv::WANTS_TYPING));
    s.handle_frame(11, server(&arrived_with("123456", Some(0), &[CAP_XHTML_IM]), 0x8000_0001, 0));
    s.take_output();
    s.handle_command(12, Command::SendIm { id: 2, to: sn("123456"), text: "a < b".into() });
    let im = the_im(&s.take_output());
    assert_eq!(im.message().unwrap().unwrap().text(), "<HTML><BODY>a &lt; b</BODY></HTML>");
    // Its client changed and no longer advertises XHTML: plain again.
    s.handle_frame(13, server(&arrived_with("123456", Some(0), &[CAP_TYPING]), 0x8000_0002, 0));
    s.take_output();
    s.handle_command(14, Command::SendIm { id: 3, to: sn("123456"), text: "a < b".into() });
    assert_eq!(the_im(&s.take_output()).message().unwrap().unwrap().text(), "a < b");
}

#[test]
fn an_im_from_a_uin_is_plain_text_unless_its_client_advertises_xhtml() {
    let mut s = signed_on(vec![]);
    s.handle_frame(1, server(&im_from("123456", None, "x <b>y</b> &amp;\r\nz"), 0x8000_0001, 0));
    assert_eq!(received_text(&s.take_output()), "x <b>y</b> &amp;\nz");
    let caps: &[userinfo::Capability] = &[CAP_XHTML_IM];
    let html = im_from("123456", Some(caps), "<HTML><BODY>x <b>y</b> &amp;</BODY></HTML>");
    s.handle_frame(2, server(&html, 0x8000_0002, 0));
    assert_eq!(received_text(&s.take_output()), "x y &");
    // Plain text from that same client (it did not know we take markup) stays literal.
    let plain = im_from("123456", Some(caps), "1 <b>2</b> &amp;");
    s.handle_frame(3, server(&plain, 0x8000_0004, 0));
    assert_eq!(received_text(&s.take_output()), "1 <b>2</b> &amp;");
    // AIM names are always HTML.
    s.handle_frame(4, server(&im_from("bob", None, "<b>hi</b> &lt;3"), 0x8000_0003, 0));
    assert_eq!(received_text(&s.take_output()), "hi <3");
}

#[test]
fn we_advertise_xhtml_at_sign_on() {
    let mut s = state();
    s.connection_started(0, b"c");
    let caps = snacs(&s.take_output()).into_iter().find_map(|(_, b)| match b {
        SnacBody::SetInfo(i) => i.tlvs.value(0x0005).map(userinfo::split_capabilities),
        _ => None,
    });
    assert!(caps.is_some_and(|c| c.contains(&CAP_XHTML_IM) && c.contains(&CAP_TYPING)));
}

#[test]
fn icq_status_of_buddies_is_reported_from_tlv_6() {
    let mut s = signed_on(vec![]);
    s.handle_frame(1, server(&arrived_with("123456", Some(0x1002_0005), &[]), 0x8000_0001, 0));
    match &s.take_output().events[..] {
        [Event::Presence(p)] => {
            assert_eq!(p.status, Some(IcqStatus::NotAvailable));
            assert_eq!(p.availability, Availability::Online);
        }
        other => panic!("{other:?}"),
    }
    // A status change alone is a presence change.
    s.handle_frame(2, server(&arrived_with("123456", Some(0x13), &[]), 0x8000_0002, 0));
    assert!(matches!(&s.take_output().events[..],
        [Event::Presence(p)] if p.status == Some(IcqStatus::DoNotDisturb)));
    // No TLV 0x0006, no status.
    s.handle_frame(3, server(&arrived_with("bob", None, &[]), 0x8000_0003, 0));
    assert!(matches!(&s.take_output().events[..], [Event::Presence(p)] if p.status.is_none()));
}

#[test]
fn set_status_sends_01_1e_and_reports_what_the_server_confirms() {
    let mut s = signed_on(vec![]);
    s.handle_command(10, Command::SetStatus(IcqStatus::NotAvailable));
    let out = s.take_output();
    assert!(out.events.is_empty(), "nothing happened yet: {:?}", out.events);
    let (hdr, body) = snacs(&out).remove(0);
    match body {
        SnacBody::SetStatus(st) => assert_eq!(st.status_word(), Some(0x0005)),
        other => panic!("{other:?}"),
    }
    // An unrelated 01/0F says nothing about the status.
    let mut info = WireInfo::new("alice");
    info.set_u32(userinfo::tlv::STATUS, 0);
    let unsolicited = SnacBody::SelfInfo(SelfInfo { info: info.clone(), more: vec![] });
    s.handle_frame(11, server(&unsolicited, 0x8000_0009, 0));
    assert!(s.take_output().events.is_empty());
    info.set_u32(userinfo::tlv::STATUS, 0x0005);
    let answer = SnacBody::SelfInfo(SelfInfo { info, more: vec![] });
    s.handle_frame(12, server(&answer, hdr.request_id, 0));
    assert_eq!(s.take_output().events, [Event::StatusChanged(IcqStatus::NotAvailable)]);
    // After a reconnect the status is set again before 01/02.
    s.connection_lost(true);
    s.take_output();
    s.connection_started(100, b"c");
    let sent = ids(&s.take_output());
    let set = sent.iter().position(|id| *id == (0x01, 0x1E)).expect("01/1E in the flight");
    let ready = sent.iter().position(|id| *id == (0x01, 0x02)).unwrap();
    assert!(set < ready, "{sent:?}");
    // Online again: nothing extra on the next connection.
    s.handle_command(101, Command::SetStatus(IcqStatus::Online));
    assert!(ids(&s.take_output()).contains(&(0x01, 0x1E)));
    s.connection_lost(true);
    s.connection_started(200, b"c");
    assert!(!ids(&s.take_output()).contains(&(0x01, 0x1E)));
}

fn sent_ims(out: &Output) -> Vec<(u32, SendIm)> {
    snacs(out)
        .into_iter()
        .filter_map(
            |(h, b)| if let SnacBody::SendIm(im) = b { Some((h.request_id, im)) } else { None },
        )
        .collect()
}

/// Every IM the state writes from now on, running its timer until the limiter holds nothing.
fn drain_ims(s: &mut SessionState, mut now: u64) -> Vec<(u32, SendIm)> {
    let mut ims = sent_ims(&s.take_output());
    while s.queue.iter().any(|o| matches!(o.tag, Tag::Im(_))) {
        now = s.next_deadline().unwrap().max(now + 1);
        s.handle_timer(now);
        ims.extend(sent_ims(&s.take_output()));
    }
    ims
}

fn icbm_params(max_message_size: u16) -> IcbmParams {
    IcbmParams {
        channel: 0,
        flags: 3,
        max_message_size,
        max_sender_warning: 999,
        max_receiver_warning: 999,
        min_interval_ms: 0,
    }
}

fn im_text(im: &SendIm) -> String {
    to_plain(&im.message().unwrap().unwrap().text())
}

#[test]
fn a_long_im_is_split_and_acked_once_every_part_is() {
    let mut s = signed_on(vec![]);
    let params = icbm_params(100);
    s.handle_frame(3, server(&SnacBody::IcbmParams(params), 9, 0));
    // Bob is online (03/0B), so each part's ack says delivered without a locate query.
    s.handle_frame(4, server(&arrived_with("bob", None, &[]), 0, 0));
    s.take_output();
    let text = "the quick brown fox jumps over the lazy dog ".repeat(4);
    s.handle_command(10, Command::SendIm { id: 5, to: sn("bob"), text: text.clone() });
    let ims = drain_ims(&mut s, 10);
    assert_eq!(ims.len(), 4);
    assert_eq!(ims.iter().map(|(_, im)| im_text(im)).collect::<String>(), text);
    assert!(ims
        .iter()
        .all(|(_, im)| im.tlvs.value(oscar::icbm::tlv::MESSAGE_DATA).unwrap().len() <= 100));
    let mut events = Vec::new();
    for (_, im) in &ims {
        let ack = HostAck { cookie: im.cookie, channel: 1, screen_name: "bob".into() };
        s.handle_frame(11, server(&SnacBody::HostAck(ack), 99, 0));
        events.extend(s.take_output().events);
    }
    assert_eq!(
        events,
        [Event::ImAcked { id: 5, delivery: Delivery::Online }],
        "one ack, after the last part"
    );
}

#[test]
fn a_split_im_names_the_parts_that_failed() {
    let mut s = signed_on(vec![]);
    let params = icbm_params(100);
    s.handle_frame(3, server(&SnacBody::IcbmParams(params), 9, 0));
    // Bob is online (03/0B), so the parts' acks need no locate answer.
    s.handle_frame(4, server(&arrived_with("bob", None, &[]), 0, 0));
    s.take_output();
    let text = "word ".repeat(40);
    s.handle_command(10, Command::SendIm { id: 6, to: sn("bob"), text });
    let ims = drain_ims(&mut s, 10);
    assert_eq!(ims.len(), 4);
    let mut events = Vec::new();
    for (k, (req, im)) in ims.iter().enumerate() {
        let frame = if k == 1 || k == 3 {
            let code = if k == 1 { SnacErrorCode::NotLoggedOn } else { SnacErrorCode::Blocked };
            server(&SnacBody::Error { family: 4, error: SnacError::new(code) }, *req, 0)
        } else {
            let ack = HostAck { cookie: im.cookie, channel: 1, screen_name: "bob".into() };
            server(&SnacBody::HostAck(ack), 99, 0)
        };
        s.handle_frame(11, frame);
        events.extend(s.take_output().events);
    }
    let failed = vec![
        PartFailure { part: 2, reason: ImFailure::RecipientOffline },
        PartFailure { part: 4, reason: ImFailure::Refused },
    ];
    assert_eq!(events, [Event::ImFailed { id: 6, reason: ImFailure::Parts { parts: 4, failed } }]);
}

#[test]
fn a_long_im_waits_for_the_servers_limit_a_short_one_does_not() {
    let mut s = state();
    s.connection_started(0, b"cookie");
    s.take_output();
    s.handle_command(1, Command::SendIm { id: 1, to: sn("bob"), text: "short".into() });
    s.handle_command(1, Command::SendIm { id: 2, to: sn("bob"), text: "long ".repeat(200) });
    let out = s.take_output();
    assert_eq!(sent_ims(&out).len(), 1, "only the short IM goes before 04/05");
    assert!(out.events.contains(&Event::ImQueued { id: 2 }));
    let params = icbm_params(512);
    s.handle_frame(2, server(&SnacBody::IcbmParams(params), 9, 0));
    let ims = drain_ims(&mut s, 2);
    assert_eq!(ims.len(), 3, "1000 characters in 512-byte IMs, 470 a part");
    assert_eq!(ims.iter().map(|(_, im)| im_text(im)).collect::<String>(), "long ".repeat(200));
}

#[test]
fn held_ims_fail_when_the_session_ends_for_good() {
    let mut s = state();
    s.handle_command(1, Command::SendIm { id: 9, to: sn("bob"), text: "x".repeat(2000) });
    s.take_output();
    s.connection_lost(false);
    assert_eq!(
        s.take_output().events,
        [Event::ImFailed { id: 9, reason: ImFailure::NotSent }],
        "a held IM was never written"
    );
}

#[test]
fn a_refused_icbm_params_query_releases_long_ims_at_our_limit() {
    let mut s = state();
    s.connection_started(0, b"cookie");
    let req = snacs(&s.take_output())
        .iter()
        .find(|(h, _)| (h.family, h.subtype) == (0x04, 0x04))
        .map(|(h, _)| h.request_id)
        .unwrap();
    s.handle_command(1, Command::SendIm { id: 2, to: sn("bob"), text: "long ".repeat(200) });
    assert!(sent_ims(&s.take_output()).is_empty());
    let err = SnacBody::Error { family: 4, error: SnacError::new(SnacErrorCode::InvalidSnac) };
    s.handle_frame(2, server(&err, req, 0));
    let ims = sent_ims(&s.take_output());
    assert_eq!(ims.len(), 1, "1000 characters fit the 8000 bytes we asked for");
}

#[test]
fn people_outside_the_buddy_list_are_watched_once_and_again_after_a_reconnect() {
    let bob = FeedbagItem::buddy("Bob", 1, 1);
    let mut s = signed_on(vec![FeedbagItem::group("Buddies", 1, &[1]), bob]);
    let watched = |out: &Output| -> Vec<Vec<String>> {
        snacs(out)
            .into_iter()
            .filter_map(|(_, b)| match b {
                SnacBody::AddTempBuddies(t) => Some(t.names),
                _ => None,
            })
            .collect()
    };
    // A buddy, ourselves: nothing to watch. A stranger: watched once, however often named.
    s.handle_command(10, Command::WatchPresence { name: sn("bob") });
    s.handle_command(10, Command::WatchPresence { name: sn("alice") });
    assert!(watched(&s.take_output()).is_empty());
    s.handle_command(11, Command::WatchPresence { name: sn("Carol") });
    s.handle_command(12, Command::SendIm { id: 1, to: sn("carol"), text: "hi".into() });
    assert_eq!(watched(&s.take_output()), [vec!["Carol".to_string()]]);
    // A live IM from another stranger watches them too.
    let im = incoming("Dave", ImText::from_text("yo"), TlvBlock::new(), 1);
    s.handle_frame(13, server(&im, 0x8000_0002, 0));
    assert_eq!(watched(&s.take_output()), [vec!["Dave".to_string()]]);
    // Their arrival is a presence like a buddy's.
    s.handle_frame(14, server(&arrived("Carol", 0x0010, None), 0x8000_0003, 0));
    assert!(s.take_output().events.iter().any(|e| matches!(e,
        Event::Presence(p) if p.name == sn("carol") && p.availability == Availability::Online)));
    // The next connection's flight asks for every one of them again.
    s.connection_lost(true);
    s.connection_started(20, b"cookie");
    assert_eq!(watched(&s.take_output()), [vec!["Carol".to_string(), "Dave".to_string()]]);
}

#[test]
fn a_stats_report_interval_is_noted_and_nothing_is_sent() {
    use crate::oscar::stats::MinReportInterval;
    let mut s = signed_on(vec![]);
    let interval = SnacBody::StatsMinReportInterval(MinReportInterval { hours: 1 });
    s.handle_frame(1_000, server(&interval, 5, 0));
    let out = s.take_output();
    assert!(out.frames.is_empty(), "{:?}", ids(&out));
    assert!(out.events.is_empty(), "{:?}", out.events);
}

#[test]
fn a_room_the_server_keeps_closing_right_after_the_join_is_given_up() {
    use crate::oscar::chat::RoomRef;
    use crate::session::api::{RoomEvent, RoomInvitation};
    let mut s = signed_on(vec![]);
    let reference = RoomRef { exchange: 4, cookie: "4-0-Pals".into(), instance: 0 };
    let invitation = RoomInvitation {
        from: sn("bob"),
        room: "Pals".into(),
        reference,
        message: None,
        cookie: [1; 8],
    };
    s.handle_command(10, Command::AcceptInvitation(invitation));
    s.take_output();
    let key = "pals";
    let room_events = |out: &Output| -> Vec<RoomEvent> {
        out.events
            .iter()
            .filter_map(|e| match e {
                Event::Room(r) => Some(r.clone()),
                _ => None,
            })
            .collect()
    };
    // Joined, then open long enough: a close is rejoined, and the count starts afresh.
    s.room_joined(100, key);
    s.room_closed(100 + 60_000, key, true);
    assert_eq!(room_events(&s.take_output()), [RoomEvent::Rejoining { room: "Pals".into() }]);
    // Closed within a second of each join: the third time it is given up.
    let mut now = 70_000;
    for _ in 0..2 {
        s.room_joined(now, key);
        s.room_closed(now + 500, key, true);
        assert_eq!(room_events(&s.take_output()), [RoomEvent::Rejoining { room: "Pals".into() }]);
        now += 1_000;
    }
    s.room_joined(now, key);
    s.room_closed(now + 500, key, true);
    assert_eq!(
        room_events(&s.take_output()),
        [RoomEvent::JoinFailed { room: "Pals".into(), code: None }]
    );
}

#[test]
fn only_the_im_class_outlives_a_connection() {
    let mut s = state();
    s.connection_started(0, b"cookie");
    s.take_output();
    // A server whose class 1 would hold every SNAC for a day, and whose IM class we spent.
    let mut reply = scaled_rates(1);
    for c in &mut reply.classes {
        match c.id {
            1 => {
                c.window = 1_000_000;
                c.current = 0;
            }
            3 => c.current = c.alert - 100,
            _ => {}
        }
    }
    s.handle_frame(1, server(&SnacBody::RateParamsReply(reply), 2, 0));
    s.take_output();
    s.connection_lost(true);
    s.take_output();
    // The next sign-on flight goes out whole, 01/06 included: class 1 is AOL's again.
    s.connection_started(10, b"cookie");
    let out = s.take_output();
    assert!(ids(&out).contains(&(0x01, 0x06)), "{:?}", ids(&out));
    // The IM class still remembers how little is left; class 1 is AOL's again (less the
    // flight just written), not the server's empty one.
    let aol = RateClass::aol_defaults();
    let im = s.rates.class(s.rates.class_id_of(4, 6)).map(|(c, st)| (c.alert, st.level));
    assert_eq!(im, Some((aol[2].alert, aol[2].alert - 100)));
    let one = s.rates.class(1).map(|(c, st)| (c.window, st.level > c.alert));
    assert_eq!(one, Some((aol[0].window, true)));
}
