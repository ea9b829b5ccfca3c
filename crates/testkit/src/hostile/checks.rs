//! The verdicts on a run of the hostile script, shared by the socket test
//! (`tests/hostile_server.rs`) and the in-memory one (`tests/pair.rs`), so both hold the
//! session to the same rules.

use flapjack_client::session::{Event, RoomEvent};
use flapjack_proto::screenname::ScreenName;

use super::attacks::{flood_name, JOIN_FLOOD};
use super::{Attack, Level, Record, RoomRun, EVIL_NAME, FRIEND, OWN};

/// Checks that every marker IM arrived exactly once and in order, that each SNAC-level attack
/// was survived on the same connection and each framing-level one cost exactly one reconnect.
/// `seen` holds, per marker received, (attack index, reconnects before it arrived). Returns
/// the number of reconnects the script needs.
pub fn check_markers(attacks: &[Attack], record: &Record, seen: &[(usize, usize)]) -> usize {
    let order: Vec<usize> = seen.iter().map(|m| m.0).collect();
    assert_eq!(order, (0..attacks.len()).collect::<Vec<_>>(), "markers received");
    let mut conn = 0;
    for (i, attack) in attacks.iter().enumerate() {
        let marker_conn = match attack.level {
            Level::Snac => conn,
            Level::Framing => conn + 1,
        };
        assert_eq!(record.played[i], (i, conn), "{}: played on connection {conn}", attack.name);
        assert_eq!(record.markers[i], (i, marker_conn), "{}: marker's connection", attack.name);
        assert_eq!(
            seen[i].1, marker_conn,
            "{}: the marker must arrive after exactly {marker_conn} reconnects",
            attack.name
        );
        conn = marker_conn;
    }
    assert_eq!(record.connections, conn + 1, "BOS connections");
    conn
}

/// Checks that replies nobody asked for changed nothing: the buddy list is the one the
/// server sent at sign-on, user info is only the one asked for, nothing is acknowledged or
/// failed, and rate notices for classes the server never advertised are not shown.
pub fn check_unrequested_replies_ignored(events: &[Event]) {
    for e in events {
        match e {
            Event::BuddyList(list) => {
                let names: Vec<&str> = list
                    .groups
                    .iter()
                    .flat_map(|g| g.buddies.iter().map(|b| b.name.as_str()))
                    .collect();
                assert_eq!(
                    names,
                    [FRIEND, EVIL_NAME],
                    "buddy list replaced by an unrequested reply"
                );
            }
            Event::UserInfo(info) => assert_eq!(info.name.as_str(), FRIEND),
            Event::ImAcked { .. } | Event::ImFailed { .. } | Event::BuddyListError(_) => {
                panic!("reaction to an unrequested reply: {e:?}")
            }
            _ => {}
        }
    }
    let rate_notices = events.iter().filter(|e| matches!(e, Event::RateWarning(_))).count();
    assert_eq!(rate_notices, 0, "no rate notice for classes the server never advertised");
    let warned = events.iter().filter(|e| matches!(e, Event::Warned { .. })).count();
    assert_eq!(warned, 1, "the warning from a warner is shown");
}

/// Checks what the client asked for: one rate ack and one feedbag query per connection (only
/// for the replies it asked for), and no service request.
pub fn check_requests(record: &Record) {
    let count = |f: u16, s: u16| record.snacs.iter().filter(|x| (x.1, x.2) == (f, s)).count();
    assert_eq!(count(1, 8), record.connections, "rate acks: only for the rate replies asked for");
    assert_eq!(count(0x13, 4), record.connections, "feedbag queries: one per sign-on");
    assert_eq!(count(1, 4), 0, "no service request");
}

/// Checks that the IMs that were attacks themselves arrived with replacement characters
/// instead of being lost, and that the server notices (MOTD, missed calls) and the away message
/// fetched for [`FRIEND`] came through. `is_marker` tells the marker IMs apart.
pub fn check_payloads_delivered(events: &[Event], is_marker: impl Fn(&str) -> bool) {
    let texts: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            Event::ImReceived(im) if !is_marker(&im.text) => Some(im.text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(texts.len(), 8, "{texts:?}");
    assert!(texts.contains(&"odd A\u{FFFD}"), "{texts:?}");
    assert!(texts.contains(&"\u{FFFD}lone"), "{texts:?}");
    assert!(texts.iter().any(|t| t.starts_with("bad \u{FFFD}")), "{texts:?}");
    assert!(texts.iter().any(|t| t.starts_with("latin \u{9b}")), "{texts:?}");
    assert!(texts.iter().any(|t| t.starts_with("ent ")), "{texts:?}");
    assert!(texts.iter().any(|t| t.starts_with("icq ")), "{texts:?}");
    let motd = events.iter().any(|e| matches!(e, Event::Motd(n) if n.contains("motd ")));
    let missed = events
        .iter()
        .any(|e| matches!(e, Event::MissedIms { from, .. } if from.as_str().contains(EVIL_NAME)));
    assert!(motd && missed, "MOTD and missed-call notices arrive");
    assert!(events.iter().any(|e| matches!(e,
        Event::Presence(p) if p.name.as_str() == FRIEND
            && p.away_message.as_deref().is_some_and(|a| a.starts_with("away "))
    )));
}

/// Checks a run of the room script ([`super::play_room`]): the room was joined, every marker
/// arrived exactly once and in order on the one connection, nothing made the connection close
/// or ask for anything, malformed SNACs were skipped whole (no half-read occupant list changed
/// who is in the room), the join flood was counted once per person, and the messages that
/// were attacks themselves arrived with replacement characters rather than being lost.
pub fn check_room_run(attacks: &[Attack], run: &RoomRun) {
    let own = |names: &[ScreenName]| -> Vec<String> {
        names.iter().map(|n| n.as_str().to_string()).collect()
    };
    match run.signon.as_slice() {
        [RoomEvent::Joined { occupants, .. }] => {
            assert_eq!(own(occupants), Vec::<String>::from([FRIEND.into(), OWN.into()]))
        }
        other => panic!("the room was not joined: {other:?}"),
    }
    assert_eq!(run.markers, (0..attacks.len()).collect::<Vec<_>>(), "room markers received");
    assert!(run.codec_errors.is_empty(), "framing errors: {:?}", run.codec_errors);
    assert!(!run.closed, "the room connection gave up");
    assert_eq!((run.rooms_found, run.nav_refused), (0, 0), "ChatNav answers on a room connection");
    let sent: Vec<(u16, u16)> = run
        .frames_after_signon
        .iter()
        .filter(|f| f.channel == flapjack_proto::oscar::Channel::Data)
        .filter_map(|f| flapjack_proto::oscar::decode_snac_payload(&f.payload).ok())
        .map(|(h, _)| (h.family, h.subtype))
        .collect();
    assert_eq!(sent, [(1, 8)], "only the rate ack the 01/07 asked for");

    let mut messages = Vec::new();
    for (attack, events) in attacks.iter().zip(&run.per_attack) {
        let joined: usize = events
            .iter()
            .map(|e| match e {
                RoomEvent::OccupantsJoined { names, .. } => names.len(),
                _ => 0,
            })
            .sum();
        match attack.name {
            "a flood of 10,000 joins" => {
                assert_eq!(joined, JOIN_FLOOD, "{}", attack.name);
                assert_eq!(events.len(), JOIN_FLOOD, "{}: one event per join", attack.name);
            }
            "controls in a joining occupant's name" => assert_eq!(joined, 1, "{}", attack.name),
            _ => assert_eq!(joined, 0, "{}: {events:?}", attack.name),
        }
        for e in events {
            match e {
                RoomEvent::Message { from, text, .. } => messages.push((from.clone(), text)),
                RoomEvent::OccupantsJoined { .. } => {}
                other => panic!("{}: unexpected {other:?}", attack.name),
            }
        }
    }
    let texts: Vec<&str> = messages.iter().map(|m| m.1.as_str()).collect();
    assert_eq!(texts.len(), 3, "{texts:?}");
    assert_eq!(texts[0], "odd A\u{FFFD}");
    assert!(texts[1].starts_with("bad \u{FFFD}"), "{texts:?}");
    assert!(texts[2].starts_with("room clear"), "{texts:?}");
    assert_eq!(messages[2].0.as_str(), EVIL_NAME);

    // Nobody from a malformed list joined or left: us, FRIEND, the flood, the evil name.
    assert_eq!(run.occupants.len(), 2 + JOIN_FLOOD + 1);
    assert_eq!(own(&run.occupants[..2]), Vec::<String>::from([FRIEND.into(), OWN.into()]));
    assert_eq!(run.occupants[2].as_str(), flood_name(0));
    assert_eq!(run.occupants[JOIN_FLOOD + 1].as_str(), flood_name(JOIN_FLOOD - 1));
    assert_eq!(run.occupants[JOIN_FLOOD + 2].as_str(), EVIL_NAME);
    assert!(run.room_name.starts_with("Room clear"), "the last 0E/02 renamed the room");
}

/// Checks what the session made of the BART script ([`super::bart::play_bart`]): every marker
/// icon arrived (nothing stalled), nothing closed or broke the framing, no other connection was
/// opened, the BART connection wrote only downloads and our later upload, and the only icon an
/// attack got shown is the malformed image whose hash matches (the image pipeline's to refuse).
pub fn check_bart_run(attacks: &[Attack], run: &super::bart::BartRun) {
    use flapjack_client::session::Event;
    assert_eq!(run.markers, (0..attacks.len()).collect::<Vec<_>>(), "icon markers received");
    assert!(run.codec_errors.is_empty(), "framing errors: {:?}", run.codec_errors);
    assert!(!run.closed, "the BART connection gave up");
    assert_eq!(run.extra_opens, 0, "a connection opened for an unrequested redirect");
    assert!(run.unexpected_writes.is_empty(), "wrote {:?}", run.unexpected_writes);
    assert!(run.upload_written, "our own upload went out after the attacks");
    for (i, (attack, events)) in attacks.iter().zip(&run.per_attack).enumerate() {
        for e in events {
            let Event::BuddyIcon { hash, data, .. } = e else {
                panic!("{}: unexpected {e:?}", attack.name);
            };
            assert_eq!(
                hash[..],
                flapjack_proto::oscar::bart::md5(data),
                "{}: an icon shown that is not what its hash says",
                attack.name
            );
        }
        let expected = usize::from(attack.name.starts_with("a malformed image"));
        assert_eq!(events.len(), expected, "attack {i} ({}): {events:?}", attack.name);
    }
}
