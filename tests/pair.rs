//! The client's state machine against the embedded server's, in memory on virtual time
//! (`flapjack_testkit::Pair`): round trips, pacing at AOL's real rate classes and the
//! resend-once rule, measured in virtual milliseconds, so no result depends on how busy the
//! machine is. The real-socket versions of these flows stay in `bos_session.rs`,
//! `round_trips.rs` and `rate_pacing_margin.rs` as smoke tests of the front ends.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

mod support;

use flapjack::oscar::{decode_snac_payload, Channel, SnacBody};
use flapjack::screenname::ScreenName;
use flapjack::server::RateClasses;
use flapjack::session::{Command, Event, ImFailure};
use flapjack_testkit::{Dir, Pair};

use support::session::server_config;

/// One-way latency of every test here, ms.
const HOP: u64 = 20;

fn pair(classes: RateClasses) -> Pair {
    let mut config = server_config();
    config.rate_classes = classes;
    Pair::new(config, "Alice Ant", HOP)
}

fn signed_on(p: &Pair) -> bool {
    p.events.iter().any(|e| matches!(e, Event::SignedOn { .. }))
}

fn acked(p: &Pair, id: u64) -> bool {
    p.events.iter().any(|e| matches!(e, Event::ImAcked { id: i, .. } if *i == id))
}

fn failed(p: &Pair, id: u64) -> Option<ImFailure> {
    p.events.iter().find_map(|e| match e {
        Event::ImFailed { id: i, reason } if *i == id => Some(reason.clone()),
        _ => None,
    })
}

fn send(p: &mut Pair, id: u64, to: &str, text: &str) {
    let to = ScreenName::parse(to).unwrap();
    p.command(Command::SendIm { id, to, text: text.into() });
}

/// The cookies of the 04/06s the server received, in order.
fn im_cookies_to_server(p: &Pair) -> Vec<[u8; 8]> {
    p.log
        .iter()
        .filter(|w| w.dir == Dir::ToServer && w.flap.channel == Channel::Data)
        .filter_map(|w| match decode_snac_payload(&w.flap.payload) {
            Ok((_, SnacBody::SendIm(im))) => Some(im.cookie),
            _ => None,
        })
        .collect()
}

fn is_send_im(flap: &flapjack::oscar::Flap) -> bool {
    flap.channel == Channel::Data
        && matches!(decode_snac_payload(&flap.payload), Ok((_, SnacBody::SendIm(_))))
}

#[test]
fn sign_on_takes_one_round_trip_and_an_im_one_more() {
    let mut p = pair(RateClasses::aol());
    p.connect();
    assert!(p.run_until(10_000, signed_on), "never signed on: {:?}", p.events);
    // The server greets on connect; the hello, cookie and whole sign-on flight go out at once,
    // so the buddy list is back one round trip after the client first writes.
    assert_eq!(p.now, 2 * HOP, "sign-on round trips: {:?}", p.events);
    let start = p.now;
    send(&mut p, 1, "Bob Bee", "hello");
    assert!(p.run_until(10_000, |p| acked(p, 1)), "no ack: {:?}", p.events);
    assert_eq!(p.now - start, 2 * HOP, "an IM is acknowledged one round trip after it is sent");
}

#[test]
fn an_im_to_a_uin_without_xhtml_is_plain_text_asking_for_typing_notices() {
    let mut p = pair(RateClasses::aol());
    p.connect();
    assert!(p.run_until(10_000, signed_on), "never signed on: {:?}", p.events);
    send(&mut p, 1, "123456789", "a < b & <i>c</i>\nd");
    send(&mut p, 2, "Bob Bee", "a < b");
    assert!(p.run_until(10_000, |p| acked(p, 1) && acked(p, 2)), "{:?}", p.events);
    let sent: Vec<_> = p
        .log
        .iter()
        .filter(|w| w.dir == Dir::ToServer && w.flap.channel == Channel::Data)
        .filter_map(|w| match decode_snac_payload(&w.flap.payload) {
            Ok((_, SnacBody::SendIm(im))) => Some(im),
            _ => None,
        })
        .collect();
    let texts: Vec<(String, Vec<u8>, bool)> = sent
        .iter()
        .map(|im| {
            let m = im.message().unwrap().unwrap();
            (m.text(), m.features.to_vec(), im.tlvs.has(flapjack::oscar::icbm::tlv::WANTS_TYPING))
        })
        .collect();
    assert_eq!(
        texts,
        [
            ("a < b & <i>c</i>\r\nd".to_string(), vec![0x01], true),
            ("<HTML><BODY>a &lt; b</BODY></HTML>".to_string(), vec![0x01, 0x01, 0x02], true),
        ]
    );
}

#[test]
fn two_hundred_ims_pace_at_the_floor_of_aols_real_im_class() {
    let classes = RateClasses::aol();
    let class = *classes.classes.iter().find(|c| c.id == 3).unwrap();
    let floor = class.floor_ms(200);
    let mut p = pair(classes);
    p.connect();
    assert!(p.run_until(10_000, signed_on));
    // Let the IM class rest, as the floor assumes (the sign-on flight spent none of it).
    assert!(!p.run_until(u64::from(class.max), |_| false));
    let start = p.now;
    for id in 0..200 {
        send(&mut p, id, "Bob Bee", &format!("message {id}"));
    }
    assert!(p.run_until(2 * floor, |p| acked(p, 199)), "not all acked: {:?}", p.events.last());
    let elapsed = p.now - start;
    let acks: Vec<u64> = p
        .events
        .iter()
        .filter_map(|e| match e {
            Event::ImAcked { id, .. } => Some(*id),
            _ => None,
        })
        .collect();
    assert_eq!(acks, (0..200).collect::<Vec<_>>(), "every IM acknowledged, in order");
    let warnings = p.events.iter().filter(|e| matches!(e, Event::RateWarning(_))).count();
    assert_eq!(warnings, 0, "the client never let the server warn it");
    assert_eq!(p.hub().state().counters.rate_warnings_for("Alice Ant"), 0);
    // The last IM's ack comes one round trip after it left; pacing is measured to its write.
    let paced = elapsed - 2 * HOP;
    let over = (paced as f64 - floor as f64) / floor as f64 * 100.0;
    assert!(paced >= floor, "faster than the class allows: {paced} ms < {floor} ms");
    assert!(over <= 1.0, "{paced} ms is {over:.3} % over the {floor} ms floor");
}

/// The server keeps one IM level per account, across connections (§14). IMs queued while the
/// connection was down ride the next sign-on flight, before that connection's 01/07 arrives:
/// the client paces them from the level its last connection left, not from a full class, so
/// the server neither warns nor refuses any.
#[test]
fn ims_after_a_burst_and_a_reconnect_are_paced_from_where_the_account_stands() {
    let classes = RateClasses::aol();
    let mut p = pair(classes);
    p.connect();
    assert!(p.run_until(10_000, signed_on));
    // Rested, then a burst: four IMs go at once and leave the class just above alert.
    assert!(!p.run_until(60_000, |_| false));
    for id in 0..4 {
        send(&mut p, id, "Bob Bee", &format!("burst {id}"));
    }
    assert!(p.run_until(10_000, |p| acked(p, 3)), "{:?}", p.events.last());
    p.cut(true);
    for id in 4..12 {
        send(&mut p, id, "Bob Bee", &format!("queued {id}"));
    }
    p.connect();
    assert!(p.run_until(600_000, |p| acked(p, 11)), "{:?}", p.events);
    assert!((0..12).all(|id| failed(&p, id).is_none()), "{:?}", p.events);
    let warnings = p.events.iter().filter(|e| matches!(e, Event::RateWarning(_))).count();
    assert_eq!(warnings, 0, "the client never let the server warn it");
    assert_eq!(p.hub().state().counters.rate_warnings_for("Alice Ant"), 0);
}

#[test]
fn an_im_whose_ack_is_lost_is_resent_once_with_the_same_cookie_then_fails() {
    let mut p = pair(RateClasses::aol());
    p.connect();
    assert!(p.run_until(10_000, signed_on));
    // Cut the connection the moment the server has read the IM: it was relayed, the ack lost.
    p.cut_when_server_reads = Some(Box::new(is_send_im));
    send(&mut p, 7, "Bob Bee", "are you there?");
    p.run_until(10_000, |p| !p.is_connected());
    assert!(!p.is_connected(), "the cut happened");
    assert!(!acked(&p, 7) && failed(&p, 7).is_none(), "neither acked nor failed yet");

    // Reconnect: the IM is resent first thing, with the same cookie, and acknowledged.
    p.connect();
    assert!(p.run_until(10_000, |p| acked(p, 7)), "resent and acked: {:?}", p.events);
    let cookies = im_cookies_to_server(&p);
    assert_eq!(cookies.len(), 2, "sent once, resent once");
    assert_eq!(cookies[0], cookies[1], "the resend keeps the cookie, so receivers drop a repeat");

    // A second IM whose ack is lost twice fails as "connection lost", never a third send.
    p.cut_when_server_reads = Some(Box::new(is_send_im));
    send(&mut p, 8, "Bob Bee", "still there?");
    p.run_until(10_000, |p| !p.is_connected());
    // The resend rides in the next sign-on flight; cut again once the server has read it.
    p.cut_when_server_reads = Some(Box::new(is_send_im));
    p.connect();
    p.run_until(10_000, |p| !p.is_connected());
    assert!(!p.is_connected(), "the second cut happened");
    p.connect();
    assert!(p.run_until(10_000, |p| failed(p, 8).is_some()), "{:?}", p.events);
    assert_eq!(failed(&p, 8), Some(ImFailure::ConnectionLost));
    assert_eq!(im_cookies_to_server(&p).len(), 4, "IM 8 was written twice, not three times");
}

fn marker_index(text: &str) -> Option<usize> {
    text.strip_prefix("marker ")?.parse().ok()
}

#[test]
fn the_session_survives_every_hostile_attack_in_memory() {
    use flapjack_testkit::hostile::{attacks, checks};
    use flapjack_testkit::HostileBos;

    let decoy = std::net::SocketAddr::from(([127, 0, 0, 1], 9));
    let server = HostileBos::new(attacks::script(decoy));
    let total = server.attacks.len();
    let mut p = Pair::with_server(server, ScreenName::from_wire("Tester"), HOP);
    p.connect();
    let markers = |p: &Pair<HostileBos>| -> Vec<(usize, u64)> {
        let mut connection = 0;
        let mut seen = Vec::new();
        for e in &p.events {
            match e {
                Event::SignOnProgress(flapjack::session::SignOnStep::Negotiating) => {
                    connection += 1
                }
                Event::ImReceived(im) => {
                    if let Some(i) = marker_index(&im.text) {
                        seen.push((i, connection - 1));
                    }
                }
                _ => {}
            }
        }
        seen
    };
    // Reconnect whenever the client drops the connection, as the session actor would.
    for _ in 0..200 {
        if markers(&p).len() >= total {
            break;
        }
        p.run_until(60_000, |p| !p.is_connected() || markers(p).len() >= total);
        if !p.is_connected() {
            p.connect();
        }
    }
    // Let what is still in flight land (the last connection's rate ack among it).
    p.run_until(1_000, |_| false);
    let seen = markers(&p);
    let seen: Vec<(usize, usize)> = seen.iter().map(|&(i, c)| (i, c as usize)).collect();
    let reconnects = checks::check_markers(&p.server.attacks, &p.server.record, &seen);
    assert_eq!(p.losses.len(), reconnects, "{:?}", p.losses);
    // Frames on unknown FLAP channels were skipped on the same connection (§1.2).
    assert!(p.losses[0].contains("0x2B"), "{:?}", p.losses);
    assert_eq!(p.client_codec_skipped(), 2, "frames skipped on unknown channels");
    checks::check_unrequested_replies_ignored(&p.events);
    checks::check_requests(&p.server.record);
    checks::check_payloads_delivered(&p.events, |t| marker_index(t).is_some());
    // The unrequested redirects to a room and to ChatNav opened nothing.
    assert!(p.services.is_empty(), "service connections ordered: {:?}", p.services);
    assert!(!p.events.iter().any(|e| matches!(e, Event::Room(_))), "room events");
}

#[test]
fn a_room_connection_survives_every_hostile_room_attack() {
    use flapjack_testkit::hostile::{attacks, checks, play_room};

    // The hostile server drives the main connection only: room attacks go to the room
    // connection's sans-IO core, through the client's FLAP codec.
    let attacks = attacks::room_script();
    let run = play_room(&attacks);
    checks::check_room_run(&attacks, &run);
}

#[test]
fn a_long_message_goes_out_as_parts_in_order_paced_by_the_im_class() {
    let classes = RateClasses::aol();
    let class = *classes.classes.iter().find(|c| c.id == 3).unwrap();
    let mut config = server_config();
    config.rate_classes = classes;
    // Open OSCAR Server's limit (§7.2), far below the 8000 the client asks for.
    config.max_message_size = 512;
    let mut p = Pair::new(config, "Alice Ant", HOP);
    // Typed before sign-on: it waits for 04/05 rather than being split against a guess.
    let text: String = (0..2_000).map(|i| format!("w{i} ")).collect::<String>()
        + "👨\u{200D}👩\u{200D}👧 é\u{301}";
    send(&mut p, 7, "Bob Bee", &text);
    p.connect();
    assert!(p.run_until(3_600_000, |p| acked(p, 7) || failed(p, 7).is_some()), "{:?}", p.events);
    assert_eq!(failed(&p, 7), None);
    let parts: Vec<(u64, String, usize)> = p
        .log
        .iter()
        .filter(|w| w.dir == Dir::ToServer && w.flap.channel == Channel::Data)
        .filter_map(|w| match decode_snac_payload(&w.flap.payload) {
            Ok((_, SnacBody::SendIm(im))) => {
                let data = im.tlvs.value(flapjack::oscar::icbm::tlv::MESSAGE_DATA).unwrap();
                let html = im.message().unwrap().unwrap().text();
                Some((w.at, flapjack::text::html::to_plain(&html), data.len()))
            }
            _ => None,
        })
        .collect();
    assert!(parts.len() > 20, "{} parts", parts.len());
    assert!(parts.iter().all(|(_, _, size)| *size <= 512), "every part within the limit");
    let joined: String = parts.iter().map(|(_, t, _)| t.as_str()).collect();
    assert_eq!(joined, text, "the parts, in the order the server read them, are the message");
    // Paced: never faster than the IM class allows, and the server never had to warn.
    let span = parts.last().unwrap().0 - parts[0].0;
    assert!(span >= class.floor_ms(parts.len()), "{span} ms for {} parts", parts.len());
    assert_eq!(p.hub().state().counters.rate_warnings_for("Alice Ant"), 0);
    let acks = p.events.iter().filter(|e| matches!(e, Event::ImAcked { id: 7, .. })).count();
    assert_eq!(acks, 1, "one acknowledgement for the whole message");
}

/// The 01/11 idle reports the server read, as (virtual ms, seconds idle).
fn idle_reports(p: &Pair) -> Vec<(u64, u32)> {
    p.log
        .iter()
        .filter(|w| w.dir == Dir::ToServer && w.flap.channel == Channel::Data)
        .filter_map(|w| match decode_snac_payload(&w.flap.payload) {
            Ok((_, SnacBody::IdleTime(t))) => Some((w.at, t.seconds)),
            _ => None,
        })
        .collect()
}

#[test]
fn idle_is_reported_after_the_configured_minutes_and_cleared_on_input() {
    let mut p = pair(RateClasses::aol());
    let own = ScreenName::parse("Alice Ant").unwrap();
    p.client = flapjack::session::state::SessionState::new(own)
        .with_seed(1)
        .with_idle_after(Some(std::time::Duration::from_secs(10 * 60)));
    p.connect();
    assert!(p.run_until(10_000, signed_on));
    // Typing at 5 minutes restarts the count.
    assert!(!p.run_until(5 * 60_000, |_| false));
    p.command(Command::Activity);
    let typed = p.now;
    assert!(!p.run_until(9 * 60_000, |p| !idle_reports(p).is_empty()), "idle too early");
    assert!(p.run_until(2 * 60_000, |p| !idle_reports(p).is_empty()));
    let (at, seconds) = idle_reports(&p)[0];
    assert_eq!(seconds, 600, "idle since the last key press");
    let due = typed + 10 * 60_000;
    assert!((due..due + 2 * HOP).contains(&at), "reported at {at} ms, due at {due}");
    // Reported once, however long it lasts; the first key press clears it.
    assert!(!p.run_until(60 * 60_000, |p| idle_reports(p).len() > 1));
    p.command(Command::Activity);
    assert!(p.run_until(1_000, |p| idle_reports(p).len() == 2));
    assert_eq!(idle_reports(&p)[1].1, 0);
    p.command(Command::Activity);
    assert!(!p.run_until(1_000, |p| idle_reports(p).len() > 2), "not idle: no report");
}

fn auto_responses(p: &Pair) -> Vec<&flapjack::session::IncomingIm> {
    p.events
        .iter()
        .filter_map(|e| match e {
            Event::ImReceived(im) if im.auto_response => Some(im),
            _ => None,
        })
        .collect()
}

#[test]
fn while_away_the_first_im_from_a_person_gets_the_away_message_once_per_ten_minutes() {
    let mut p = pair(RateClasses::aol());
    p.connect();
    assert!(p.run_until(10_000, signed_on));
    p.command(Command::SetAway(Some("at the pancake house".into())));
    // Alice is the only one signed on here, so she writes to herself: the server relays the
    // IM back, her away client answers it, and the answer comes back through the server with
    // its auto-response flag (04/06 TLV 0x0004 relayed into 04/07).
    send(&mut p, 1, "Alice Ant", "are you there?");
    assert!(p.run_until(10_000, |p| !auto_responses(p).is_empty()), "{:?}", p.events);
    assert_eq!(auto_responses(&p)[0].text, "at the pancake house");
    // An auto-response is never answered, and a second IM within ten minutes is not either.
    send(&mut p, 2, "Alice Ant", "hello?");
    assert!(!p.run_until(5 * 60_000, |p| auto_responses(p).len() > 1));
    // Ten minutes after the first answer, the next IM is answered again.
    assert!(!p.run_until(5 * 60_000, |_| false));
    send(&mut p, 3, "Alice Ant", "still out?");
    assert!(p.run_until(10_000, |p| auto_responses(p).len() == 2));
    // Back: no more answers.
    p.command(Command::SetAway(None));
    assert!(!p.run_until(11 * 60_000, |_| false));
    send(&mut p, 4, "Alice Ant", "welcome back");
    assert!(!p.run_until(10_000, |p| auto_responses(p).len() > 2));
    let received = p.events.iter().filter(|e| matches!(e, Event::ImReceived(_))).count();
    assert_eq!(received, 6, "four IMs and two auto-responses");
}

#[test]
fn a_chat_partner_outside_the_buddy_list_shows_their_real_presence() {
    let accounts = flapjack::server::Accounts::from_toml(
        "[[account]]\nscreen_name = \"Alice Ant\"\npassword = \"a\"\n\n\
         [[account]]\nscreen_name = \"Waffle Bot\"\npassword = \"w\"\nbot = true\n",
    )
    .unwrap();
    let config = flapjack::server::ServerConfig::for_tests(accounts);
    let mut p = Pair::new(config, "Alice Ant", HOP);
    p.connect();
    assert!(p.run_until(10_000, signed_on));
    let online = |p: &Pair| {
        p.events.iter().any(|e| {
            matches!(e, Event::Presence(pr) if pr.name.as_str() == "Waffle Bot"
                && pr.availability == flapjack::session::Availability::Online)
        })
    };
    assert!(!online(&p), "not on the buddy list: nothing known yet");
    // Writing to someone watches them (03/0F); the server answers with their arrival.
    send(&mut p, 1, "Waffle Bot", "syrup?");
    assert!(p.run_until(10_000, online), "{:?}", p.events);
}

fn profiles(p: &Pair) -> Vec<Option<String>> {
    p.events
        .iter()
        .filter_map(|e| match e {
            Event::UserInfo(info) => Some(info.profile.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_profile_set_by_command_is_what_an_info_request_returns_even_after_a_reconnect() {
    let mut p = pair(RateClasses::aol());
    p.connect();
    assert!(p.run_until(10_000, signed_on));
    let me = ScreenName::parse("Alice Ant").unwrap();
    p.command(Command::SetProfile("I <3 pancakes & syrup".into()));
    p.command(Command::GetInfo { name: me.clone() });
    assert!(p.run_until(10_000, |p| profiles(p).len() == 1), "{:?}", p.events);
    // Sent as HTML and read back as the text typed.
    assert_eq!(profiles(&p)[0].as_deref(), Some("I <3 pancakes & syrup"));
    // The server forgets it with the session; the client sends it again at sign-on.
    p.cut(true);
    p.connect();
    let signons =
        |p: &Pair| p.events.iter().filter(|e| matches!(e, Event::SignedOn { .. })).count();
    assert!(p.run_until(10_000, |p| signons(p) == 2));
    p.command(Command::GetInfo { name: me.clone() });
    assert!(p.run_until(10_000, |p| profiles(p).len() == 2));
    assert_eq!(profiles(&p)[1].as_deref(), Some("I <3 pancakes & syrup"));
    // An empty text clears it.
    p.command(Command::SetProfile("  ".into()));
    p.command(Command::GetInfo { name: me });
    assert!(p.run_until(10_000, |p| profiles(p).len() == 3));
    assert_eq!(profiles(&p)[2].as_deref().unwrap_or(""), "");
}
