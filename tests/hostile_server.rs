//! The real session against a hostile server (tests/support/hostile.rs) that signs on normally
//! and then attacks, each attack followed by a valid IM carrying a marker.
//!
//! Rules checked: the session survives every SNAC-level attack on the same connection; after a
//! framing-level one it reconnects by itself; every valid IM is delivered exactly once;
//! unrequested redirects and replies are ignored; and no control character from any field a
//! peer controls reaches the terminal (TUI snapshots) or a `--listen` consumer unescaped.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

mod support;
mod tui_common;

use std::time::{Duration, Instant};

use flapjack::auth::ServerProfile;
use flapjack::headless;
use flapjack::screenname::ScreenName;
use flapjack::session::{
    self, Command, DisconnectReason, Event, LoginMethod, ReconnectPolicy, SessionConfig,
    SessionHandle,
};
use flapjack::text::is_dangerous;
use flapjack::tui::{ui, App};
use flapjack_testkit::hostile::checks;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use support::hostile::{self, HostileBos, Level, EVIL_NAME, FRIEND, PASSWORD};
use tui_common::{at, feed};

/// What one run of the whole script produced.
struct Run {
    server: HostileBos,
    events: Vec<Event>,
    /// Per marker IM received, in order: (attack index, reconnects seen before it arrived).
    markers: Vec<(usize, usize)>,
}

fn config(server: &HostileBos) -> SessionConfig {
    SessionConfig::new(ScreenName::parse("Tester").expect("name"), ServerProfile::local())
        .with_method(LoginMethod::Bucp(server.addr.to_string()))
        .with_password(PASSWORD)
        .with_reconnect(ReconnectPolicy {
            initial_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(100),
            ..ReconnectPolicy::default()
        })
}

fn marker_index(text: &str) -> Option<usize> {
    text.strip_prefix("marker ")?.parse().ok()
}

/// Receives events until `done` says so, with an overall deadline.
async fn collect_until(
    h: &mut SessionHandle,
    events: &mut Vec<Event>,
    what: &str,
    done: impl Fn(&[Event]) -> bool,
) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while !done(events) {
        match tokio::time::timeout_at(deadline, h.events.recv()).await {
            Ok(Some(e)) => events.push(e),
            other => panic!("no {what} ({other:?}); saw {events:#?}"),
        }
    }
}

/// Runs the session through the whole script, asks for [`FRIEND`]'s info, signs off.
async fn run_script() -> Run {
    let server = HostileBos::start(hostile::attacks::script).await;
    let total = server.attacks.len();
    let mut h = session::spawn(config(&server));
    let mut events = Vec::new();
    let markers_seen = |ev: &[Event]| {
        ev.iter()
            .filter(|e| matches!(e, Event::ImReceived(im) if marker_index(&im.text).is_some()))
            .count()
    };
    collect_until(&mut h, &mut events, "every marker IM", |ev| markers_seen(ev) >= total).await;
    h.commands.send(Command::GetInfo { name: ScreenName::from_wire(FRIEND) }).expect("send");
    collect_until(&mut h, &mut events, "user info", |ev| {
        ev.iter().any(|e| matches!(e, Event::UserInfo(_)))
    })
    .await;
    h.commands.send(Command::SignOff).expect("send");
    collect_until(&mut h, &mut events, "the end", |ev| {
        matches!(ev.last(), Some(Event::Disconnected(_)))
    })
    .await;
    let mut markers = Vec::new();
    let mut reconnects = 0;
    for e in &events {
        match e {
            Event::Reconnecting { .. } => reconnects += 1,
            Event::ImReceived(im) => {
                if let Some(i) = marker_index(&im.text) {
                    assert_eq!(im.from.as_str(), FRIEND);
                    markers.push((i, reconnects));
                }
            }
            _ => {}
        }
    }
    Run { server, events, markers }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_survives_every_attack_and_delivers_every_valid_im() {
    let run = run_script().await;
    let attacks = &run.server.attacks;
    let rec = run.server.record();

    // Every valid IM arrives exactly once, in order; same connection after SNAC-level
    // attacks, one reconnect after each framing-level one.
    let conn = checks::check_markers(attacks, &rec, &run.markers);
    for (i, attack) in attacks.iter().enumerate() {
        let outcome = if attack.level == Level::Snac { "same connection" } else { "reconnected" };
        eprintln!("{:>2} {:<75} {outcome}", i, attack.name);
    }

    let reasons: Vec<&DisconnectReason> = run
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Reconnecting { reason, .. } => Some(reason),
            _ => None,
        })
        .collect();
    assert_eq!(reasons.len(), conn, "{reasons:?}");
    let text = |r: &DisconnectReason| flapjack::words::disconnect(r);
    // Frames on unknown channels were skipped (§1.2): only these three cost a connection.
    assert!(text(reasons[0]).contains("0x2B"), "{reasons:?}");
    assert_eq!(reasons[1], &DisconnectReason::ServerClosed(Some(0x7777)));
    assert!(text(reasons[2]).contains("inside a FLAP frame"), "{reasons:?}");
    assert_eq!(run.events.last(), Some(&Event::Disconnected(DisconnectReason::SignedOff)));

    // Unrequested redirects are not followed; unrequested replies change nothing.
    assert_eq!(rec.decoy_hits, 0, "a redirect nobody asked for was followed");
    checks::check_unrequested_replies_ignored(&run.events);
    let warned = run.events.iter().find(|e| matches!(e, Event::Warned { .. }));
    assert!(matches!(warned, Some(Event::Warned { by: Some(_), .. })), "{warned:?}");
    checks::check_requests(&rec);

    // The IMs that were attacks themselves arrive with replacement characters, not lost.
    checks::check_payloads_delivered(&run.events, |t| marker_index(t).is_some());
}

/// Pins every time-dependent field so snapshots are stable (IMs a second apart, in order).
fn pinned(events: Vec<Event>) -> Vec<Event> {
    let mut ims = 0;
    events
        .into_iter()
        .map(|e| match e {
            Event::ImReceived(mut im) => {
                im.time = at(ims);
                ims += 1;
                Event::ImReceived(im)
            }
            Event::Presence(mut p) => {
                p.signed_on_at = None;
                Event::Presence(p)
            }
            Event::UserInfo(mut u) => {
                u.signed_on_at = None;
                Event::UserInfo(u)
            }
            Event::Reconnecting { attempt, reason, .. } => {
                Event::Reconnecting { attempt, reason, delay: Duration::from_millis(100) }
            }
            other => other,
        })
        .collect()
}

/// Draws the app and fails if any cell holds a dangerous character.
fn render(app: &App) -> Terminal<TestBackend> {
    let size = app.size();
    let mut terminal = Terminal::new(TestBackend::new(size.width, size.height)).expect("terminal");
    terminal.draw(|f| ui::draw(f, app)).expect("draw");
    for cell in terminal.backend().buffer().content() {
        assert!(!cell.symbol().chars().any(is_dangerous), "control in cell {:?}", cell.symbol());
    }
    terminal
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_control_character_reaches_the_terminal() {
    let run = run_script().await;
    let mut events = pinned(run.events);
    // Snapshot while still signed on: up to the answer to GetInfo, then that, then the rest.
    let info_at = events.iter().position(|e| matches!(e, Event::UserInfo(_))).expect("info");
    let after: Vec<Event> = events.split_off(info_at + 1);
    let info = events.pop().expect("the info event");
    let now = Instant::now();
    let mut app = tui_common::app();
    app.resize(120, 40);
    for e in events {
        feed(&mut app, vec![e], now);
        render(&app);
    }
    insta::assert_snapshot!("hostile_buddy_list", render(&app).backend());
    app.open_chat(&ScreenName::from_wire(FRIEND));
    insta::assert_snapshot!("hostile_friend_chat", render(&app).backend());
    app.open_chat(&ScreenName::from_wire(EVIL_NAME));
    insta::assert_snapshot!("hostile_evil_chat", render(&app).backend());
    feed(&mut app, vec![info], now);
    insta::assert_snapshot!("hostile_info", render(&app).backend());
    for e in after {
        feed(&mut app, vec![e], now);
        render(&app);
    }
    for (w, h) in [(40, 12), (200, 50), (1, 1)] {
        app.resize(w, h);
        render(&app);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listen_output_escapes_every_control_character() {
    let run = run_script().await;
    let ims: Vec<_> = run
        .events
        .iter()
        .filter_map(|e| match e {
            Event::ImReceived(im) => Some(im.clone()),
            _ => None,
        })
        .collect();
    let run_presences: Vec<_> = run
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Presence(p) => Some(p.clone()),
            _ => None,
        })
        .collect();
    let (command_tx, _command_rx) = tokio::sync::mpsc::unbounded_channel();
    let (event_tx, event_rx) = tokio::sync::mpsc::unbounded_channel();
    for e in run.events {
        event_tx.send(e).expect("queue event");
    }
    drop(event_tx);
    let handle = SessionHandle { commands: command_tx, events: event_rx };
    let (mut out, mut err): (Vec<u8>, Vec<u8>) = (Vec::new(), Vec::new());
    let end = headless::listen(handle, &[], &mut out, &mut err, std::future::pending()).await;
    assert_eq!(end, Some(DisconnectReason::SignedOff));

    for stream in [&out, &err] {
        let text = String::from_utf8(stream.clone()).expect("UTF-8 output");
        let bad: Vec<char> = text.chars().filter(|&c| c != '\n' && is_dangerous(c)).collect();
        assert!(bad.is_empty(), "raw control characters {bad:?} in {text}");
    }
    let all: Vec<(&str, serde_json::Value)> = std::str::from_utf8(&out)
        .expect("UTF-8")
        .lines()
        .map(|l| (l, serde_json::from_str(l).expect("each line is JSON")))
        .collect();
    // Presence lines name the hostile buddies exactly too.
    let presences: Vec<&str> = run_presences.iter().map(|p| p.name.as_str()).collect();
    let listed: Vec<&str> = all
        .iter()
        .filter(|(_, v)| v["event"] == "presence")
        .map(|(_, v)| v["from"].as_str().expect("from"))
        .collect();
    assert_eq!(listed, presences);
    let lines: Vec<(&str, serde_json::Value)> =
        all.into_iter().filter(|(_, v)| v["event"] == "im").collect();
    assert_eq!(lines.len(), ims.len());
    let mut escaped_controls = 0;
    for ((line, v), im) in lines.iter().zip(&ims) {
        // The escapes decode back to exactly what the peer sent: a program gets the truth.
        assert_eq!(v["from"].as_str(), Some(im.from.as_str()), "{line}");
        assert_eq!(v["text"].as_str(), Some(im.text.as_str()), "{line}");
        if im.text.chars().chain(im.from.as_str().chars()).any(is_dangerous) {
            escaped_controls += 1;
            assert!(line.contains("\\u"), "{line}");
        }
    }
    assert!(escaped_controls >= 5, "the script must put controls in listen output");
}

/// The room script's events (played at the room connection's core: the hostile server drives
/// only the main connection) through the TUI and `--listen`. Neither shows rooms yet; this
/// holds whatever shows them to the same rule as IMs: nothing a room peer controls (names,
/// messages, the room's name) reaches the terminal or a consumer raw.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_control_character_from_a_room_reaches_the_terminal_or_listen() {
    let attacks = hostile::attacks::room_script();
    let run = flapjack_testkit::hostile::play_room(&attacks);
    checks::check_room_run(&attacks, &run);
    let mut events: Vec<Event> = run
        .signon
        .into_iter()
        .chain(run.per_attack.into_iter().flatten())
        .map(Event::Room)
        .collect();
    let now = Instant::now();
    let mut app = tui_common::app();
    app.resize(120, 40);
    feed(&mut app, events.clone(), now);
    for (w, h) in [(120, 40), (40, 12), (200, 50), (1, 1)] {
        app.resize(w, h);
        render(&app);
    }

    events.push(Event::Disconnected(DisconnectReason::SignedOff));
    let (command_tx, _command_rx) = tokio::sync::mpsc::unbounded_channel();
    let (event_tx, event_rx) = tokio::sync::mpsc::unbounded_channel();
    for e in events {
        event_tx.send(e).expect("queue event");
    }
    drop(event_tx);
    let handle = SessionHandle { commands: command_tx, events: event_rx };
    let (mut out, mut err): (Vec<u8>, Vec<u8>) = (Vec::new(), Vec::new());
    let end = headless::listen(handle, &[], &mut out, &mut err, std::future::pending()).await;
    assert_eq!(end, Some(DisconnectReason::SignedOff));
    for stream in [&out, &err] {
        let text = String::from_utf8(stream.clone()).expect("UTF-8 output");
        let bad: Vec<char> = text.chars().filter(|&c| c != '\n' && is_dangerous(c)).collect();
        assert!(bad.is_empty(), "raw control characters {bad:?} in {text}");
    }
}

/// The icon attacks (played at the session core and the BART connection's core, wired as the
/// actor wires them): a 10 MB icon, data that does not match its hash, a malformed image, an
/// unrequested BART redirect and malformed replies. None crashes or stalls, none shows an icon
/// that is not what its hash says, and what does reach the chat UI (the malformed image, whose
/// hash matches) is drawn at every size without breaking the screen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn icon_attacks_neither_crash_nor_stall_nor_show_a_mismatch() {
    let attacks = flapjack_testkit::hostile::bart::bart_script();
    let run = flapjack_testkit::hostile::bart::play_bart(&attacks);
    checks::check_bart_run(&attacks, &run);
    let events: Vec<Event> = run.per_attack.into_iter().flatten().collect();
    let now = Instant::now();
    let mut app = tui_common::app();
    app.resize(120, 40);
    feed(&mut app, events, now);
    for (w, h) in [(120, 40), (40, 12), (200, 50), (1, 1)] {
        app.resize(w, h);
        render(&app);
    }
}

/// The directory attacks (played at the session core and the directory connection's core,
/// wired as the actor wires them): 100,000 result blocks, counts and lengths that lie, blocks
/// cut short, stray answers, terminal controls and invalid UTF-8 in every field. None crashes
/// or stalls: every victim search gets exactly one answer (no more than 500 people), every
/// marker search after it is answered, the connection stays up; and the results window draws
/// what came back at every size with nothing raw reaching the screen.
#[test]
fn directory_attacks_neither_crash_nor_stall() {
    use flapjack::session::DirectoryOutcome;
    use flapjack_testkit::hostile::odir::{directory_script, expected, play_directory};
    let attacks = directory_script();
    let run = play_directory(&attacks);
    assert!(!run.closed && run.codec_errors.is_empty() && run.extra_opens == 0, "{run:?}");
    assert_eq!(run.markers, (0..attacks.len()).collect::<Vec<_>>(), "every marker arrived");
    for ((attack, got), want) in attacks.iter().zip(&run.victims).zip(expected()) {
        assert_eq!(got.as_slice(), [want], "{}", attack.name);
    }
    let now = Instant::now();
    let mut app = tui_common::app();
    tui_common::populated(&mut app, now);
    for (i, events) in run.per_attack.into_iter().enumerate() {
        feed(&mut app, events, now);
        for (w, h) in [(120, 40), (40, 12), (1, 1)] {
            app.resize(w, h);
            render(&app);
        }
        let shown = matches!(app.overlay, Some(flapjack::tui::Overlay::AimSearch(_)));
        assert_eq!(shown, expected()[i].1 > 0, "attack {i}");
        // Enter adds only a name that is one; a bad one is refused in words.
        let _ = app.handle_key(tui_common::key(crossterm::event::KeyCode::Enter), now);
        assert!(app.overlay.is_none());
    }
    assert!(expected().iter().all(|(o, _)| *o != DirectoryOutcome::NoDirectory));
}
