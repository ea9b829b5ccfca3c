//! Buddy icons in the TUI, drawn with the half-block fallback into a `TestBackend`: the
//! conversation header and the info overlay with an icon, the frame an icon event leads to,
//! hostile pictures (10 MB, malformed, a hash reused for other data) that must change nothing
//! outside the icon's cells, and `/icon PATH` through the run loop to the session.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

mod tui_common;

use std::time::{Duration, Instant};

use bytes::Bytes;
use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use flapjack::config::{IconMode, UiConfig};
use flapjack::session::{Command, Event, IconFailure, SessionHandle, UserInfo};
use flapjack::text::is_dangerous;
use flapjack::tui::icons::prepare::samples;
use flapjack::tui::{run_app, ui, App};
use image::ImageFormat;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::Terminal;
use tui_common::*;

fn draw(app: &App) -> Buffer {
    let size = app.size();
    let mut terminal = Terminal::new(TestBackend::new(size.width, size.height)).unwrap();
    terminal.draw(|f| ui::draw(f, app)).unwrap();
    let buf = terminal.backend().buffer().clone();
    for cell in buf.content() {
        assert!(!cell.symbol().chars().any(is_dangerous), "control character {:?}", cell.symbol());
    }
    buf
}

fn render(app: &App) -> Terminal<TestBackend> {
    let size = app.size();
    let mut terminal = Terminal::new(TestBackend::new(size.width, size.height)).unwrap();
    terminal.draw(|f| ui::draw(f, app)).unwrap();
    terminal
}

fn icon_event(name: &str, hash: &[u8], data: Vec<u8>) -> Event {
    Event::BuddyIcon { name: sn(name), hash: Bytes::copy_from_slice(hash), data: data.into() }
}

/// Whether a cell holds one of the fallback's half blocks.
fn half_block(symbol: &str) -> bool {
    matches!(symbol, "▀" | "▄")
}

fn face() -> Vec<u8> {
    samples::image(48, 48, ImageFormat::Gif)
}

/// Alice's chat open, Alice online and away.
fn chat_with_alice(ui: UiConfig) -> (App, Instant) {
    let now = Instant::now();
    let mut app = app_with(ui);
    populated(&mut app, now);
    type_text(&mut app, "/msg Alice", now);
    app.handle_key(key(KeyCode::Enter), now);
    feed(&mut app, vec![im("Alice", "hi! new icon, look", 60)], now);
    (app, now)
}

/// The cells of the conversation header's icon (4×2 at the top-left inside the pane).
fn header_icon_cells(app: &App) -> Vec<(u16, u16)> {
    let l = ui::layout(app.size());
    let (x, y) = (l.conversation.x + 1, l.conversation.y + 1);
    (0..2).flat_map(|dy| (0..4).map(move |dx| (x + dx, y + dy))).collect()
}

#[test]
fn conversation_header_with_an_icon() {
    let (mut app, now) = chat_with_alice(UiConfig::default());
    feed(&mut app, vec![icon_event("Alice", b"alice-1", face())], now);
    insta::assert_snapshot!(render(&app).backend());
}

#[test]
fn info_overlay_with_an_icon() {
    let (mut app, now) = chat_with_alice(UiConfig::default());
    feed(&mut app, vec![icon_event("Alice", b"alice-1", face())], now);
    let info = UserInfo {
        name: sn("Alice"),
        warning_percent: 0,
        signed_on_at: Some(at(0)),
        idle_minutes: Some(3),
        away_message: None,
        profile: Some("Pancakes, mostly. <b>Syrup</b> always.".into()),
    };
    feed(&mut app, vec![Event::UserInfo(info)], now);
    insta::assert_snapshot!(render(&app).backend());
}

#[test]
fn an_icon_event_then_a_frame_shows_the_icon_and_moves_the_messages_down_only() {
    let (mut app, now) = chat_with_alice(UiConfig::default());
    let before = draw(&app);
    for (x, y) in header_icon_cells(&app) {
        assert!(!half_block(before[(x, y)].symbol()), "no icon yet at {x},{y}");
    }
    feed(&mut app, vec![icon_event("Alice", b"alice-1", face())], now);
    let after = draw(&app);
    for (x, y) in header_icon_cells(&app) {
        let cell = &after[(x, y)];
        assert!(half_block(cell.symbol()), "half block at {x},{y}: {:?}", cell.symbol());
        assert_ne!(cell.fg, ratatui::style::Color::Reset, "coloured at {x},{y}");
    }
    // The buddy list, the tabs, the input and the status bar are untouched.
    let l = ui::layout(app.size());
    for area in [l.buddies, l.tabs, l.input, l.status] {
        for y in area.top()..area.bottom() {
            for x in area.left()..area.right() {
                assert_eq!(before[(x, y)], after[(x, y)], "cell {x},{y} outside the pane changed");
            }
        }
    }
    let text: String = after.content().iter().map(|c| c.symbol()).collect();
    assert!(text.contains("hi! new icon, look"), "the message is still on screen");
}

#[test]
fn with_icons_off_nothing_is_drawn_or_decoded() {
    let ui = UiConfig { icons: IconMode::Off, ..UiConfig::default() };
    let (mut app, now) = chat_with_alice(ui);
    let before = draw(&app);
    feed(&mut app, vec![icon_event("Alice", b"alice-1", face())], now);
    assert_eq!(draw(&app), before);
    assert!(!app.icons.shows(&sn("Alice")));
}

#[test]
fn hostile_pictures_change_nothing_on_screen() {
    let (mut app, now) = chat_with_alice(UiConfig::default());
    let before = draw(&app);
    let mut huge = face();
    huge.resize(10 * 1024 * 1024, 0xFF);
    let mut bomb = samples::image(8, 8, ImageFormat::Png);
    bomb[16..20].copy_from_slice(&65_000u32.to_be_bytes());
    bomb[20..24].copy_from_slice(&65_000u32.to_be_bytes());
    let face = face();
    let truncated = face[..face.len() / 2].to_vec();
    feed(
        &mut app,
        vec![
            icon_event("Alice", b"huge", huge),
            icon_event("Alice", b"bomb", bomb),
            icon_event("Alice", b"cut", truncated),
            icon_event("Alice", b"text", b"<html>not an image</html>\x1b[2J".to_vec()),
            icon_event("Alice", b"", Vec::new()),
        ],
        now,
    );
    assert_eq!(draw(&app), before, "no icon drawn, nothing else moved");
    // A hash that does not match the data is the session's to catch; the screen keys by the
    // hash it is given, and the same picture under two hashes is still drawn only in its cell.
    feed(&mut app, vec![icon_event("Alice", b"wrong-hash", samples::noise_png(48, 48))], now);
    let after = draw(&app);
    for (x, y) in header_icon_cells(&app) {
        assert!(half_block(after[(x, y)].symbol()), "{x},{y}");
    }
    assert!(app.icons.shows(&sn("Alice")));
}

#[test]
fn only_the_buddy_on_screen_s_own_icon_makes_a_header() {
    let (mut app, now) = chat_with_alice(UiConfig::default());
    feed(&mut app, vec![icon_event("Bob", b"bob-1", face())], now);
    let shown = draw(&app);
    for (x, y) in header_icon_cells(&app) {
        assert!(!half_block(shown[(x, y)].symbol()), "Alice has no icon; Bob's is not hers");
    }
    assert_eq!(ui::header_rows(&app, ui::inner(ui::layout(app.size()).conversation)), 0);
}

#[tokio::test]
async fn slash_icon_reads_prepares_and_sends_the_icon_and_says_what_the_server_answered() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("me.jpg");
    std::fs::write(&path, samples::image(640, 480, ImageFormat::Jpeg)).unwrap();
    let (keys, key_rx) = futures::channel::mpsc::unbounded();
    let (cmd_tx, mut commands) = tokio::sync::mpsc::unbounded_channel();
    let (events, ev_rx) = tokio::sync::mpsc::unbounded_channel();
    let (backend, screen) = Watched::new(80, 24);
    let task = tokio::spawn(async move {
        let mut terminal = Terminal::new(backend).unwrap();
        let session = SessionHandle { commands: cmd_tx, events: ev_rx };
        let r = run_app(&mut terminal, key_rx, session, app(), |_| Ok(())).await;
        (r.map(|f| f.app.notice.map(|n| n.text)).ok(), terminal)
    });
    let press = |code: KeyCode| {
        let _ = keys.unbounded_send(Ok(TermEvent::Key(KeyEvent::new(code, KeyModifiers::NONE))));
    };
    events.send(Event::IconLimit { max_bytes: 3000 }).unwrap();
    for c in format!("/icon {}", path.display()).chars() {
        press(KeyCode::Char(c));
    }
    press(KeyCode::Enter);
    let icon = loop {
        let next = tokio::time::timeout(Duration::from_secs(10), commands.recv()).await;
        match next.ok().flatten() {
            Some(Command::SetIcon(Some(icon))) => break icon,
            Some(_) => {}
            None => panic!("no SetIcon"),
        }
    };
    assert!(icon.len() <= 3000, "{} bytes over the server's limit", icon.len());
    let decoded = image::load_from_memory(&icon).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (48, 48));
    events.send(Event::IconSet(Err(IconFailure::NotSent))).unwrap();
    until_shown(&screen, "not sent").await;
    let _ = keys.unbounded_send(Ok(TermEvent::Key(KeyEvent::new(
        KeyCode::Char('q'),
        KeyModifiers::CONTROL,
    ))));
    drop(events);
    let (notice, _) = tokio::time::timeout(Duration::from_secs(10), task).await.unwrap().unwrap();
    let notice = notice.flatten().unwrap_or_default();
    assert!(notice.contains("not sent"), "{notice}");
}
