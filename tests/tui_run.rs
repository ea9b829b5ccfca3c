//! The TUI's event loop driven end to end with scripted terminal input, a fake session and a
//! `TestBackend`: commands come out in order, the bell rings, and nothing is drawn while idle.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

mod tui_common;

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event as TermEvent, KeyCode, KeyModifiers, MouseEvent, MouseEventKind};
use flapjack::session::{Command, Delivery, DisconnectReason, Event, SessionHandle, TypingState};
use flapjack::tui::{run_app, Finished, TuiError};
use futures::channel::mpsc::UnboundedSender;
use ratatui::Terminal;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender as EventSender};
use tui_common::*;

struct Harness {
    keys: UnboundedSender<io::Result<TermEvent>>,
    commands: UnboundedReceiver<Command>,
    events: EventSender<Event>,
    bells: Arc<AtomicUsize>,
    /// The screen after the newest frame.
    screen: Arc<std::sync::Mutex<String>>,
    /// How many [`Command::Activity`] reports `next_command` skipped.
    activity: usize,
    task: tokio::task::JoinHandle<(Result<Finished, TuiError>, Terminal<Watched>)>,
}

fn start() -> Harness {
    let (keys, key_rx) = futures::channel::mpsc::unbounded();
    let (cmd_tx, commands) = tokio::sync::mpsc::unbounded_channel();
    let (events, ev_rx) = tokio::sync::mpsc::unbounded_channel();
    let bells = Arc::new(AtomicUsize::new(0));
    let rung = bells.clone();
    let (backend, screen) = Watched::new(80, 24);
    let task = tokio::spawn(async move {
        let mut terminal = Terminal::new(backend).unwrap_or_else(|e| match e {});
        let session = SessionHandle { commands: cmd_tx, events: ev_rx };
        let r = run_app(&mut terminal, key_rx, session, app(), move |_| {
            rung.fetch_add(1, Ordering::SeqCst);
            Ok(())
        })
        .await;
        (r, terminal)
    });
    Harness { keys, commands, events, bells, screen, activity: 0, task }
}

impl Harness {
    fn key(&self, code: KeyCode, mods: KeyModifiers) {
        let _ = self
            .keys
            .unbounded_send(Ok(TermEvent::Key(crossterm::event::KeyEvent::new(code, mods))));
    }

    fn type_str(&self, s: &str) {
        for c in s.chars() {
            self.key(KeyCode::Char(c), KeyModifiers::NONE);
        }
    }

    fn event(&self, e: Event) {
        let _ = self.events.send(e);
    }

    /// The next command other than the input-activity reports (checked on their own).
    async fn next_command(&mut self) -> Option<Command> {
        loop {
            let next = tokio::time::timeout(Duration::from_secs(5), self.commands.recv());
            match next.await.ok().flatten() {
                Some(Command::Activity) => self.activity += 1,
                other => return other,
            }
        }
    }

    async fn finish(self) -> (Finished, Terminal<Watched>) {
        let joined = tokio::time::timeout(Duration::from_secs(10), self.task).await;
        match joined {
            Ok(Ok((Ok(f), t))) => (f, t),
            Ok(Ok((Err(e), _))) => panic!("loop failed: {e}"),
            Ok(Err(e)) => panic!("loop panicked: {e}"),
            Err(_) => panic!("loop did not finish"),
        }
    }
}

#[tokio::test]
async fn a_scripted_chat_through_the_loop() {
    let mut h = start();
    h.event(Event::SignedOn { screen_name: sn("Me") });
    h.event(buddy_list(&[("Buddies", &["Bot", "Carol"])]));
    h.type_str("/msg Bot");
    h.key(KeyCode::Enter, KeyModifiers::NONE);
    h.type_str("hello");
    assert_eq!(h.next_command().await, Some(Command::WatchPresence { name: sn("Bot") }));
    assert_eq!(
        h.next_command().await,
        Some(Command::Typing { to: sn("Bot"), state: TypingState::Typing })
    );
    h.key(KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(
        h.next_command().await,
        Some(Command::SendIm { id: 1, to: sn("Bot"), text: "hello".into() })
    );
    assert_eq!(
        h.next_command().await,
        Some(Command::Typing { to: sn("Bot"), state: TypingState::Finished })
    );
    assert_eq!(h.activity, 1, "a burst of typing is reported as activity once");
    h.event(Event::ImAcked { id: 1, delivery: Delivery::Online });
    h.event(Event::Typing { from: sn("Bot"), state: TypingState::Typing });
    h.event(im("Bot", "Hello Me! Type help to see what I can do.", 700));
    h.event(im("Carol", "psst", 701));
    for _ in 0..100 {
        if h.bells.load(Ordering::SeqCst) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(h.bells.load(Ordering::SeqCst), 1, "Carol's IM rings; the Bot chat is on screen");
    // Mouse moves change nothing and must not cause redraws.
    for _ in 0..100 {
        let moved = MouseEvent {
            kind: MouseEventKind::Moved,
            column: 5,
            row: 5,
            modifiers: KeyModifiers::NONE,
        };
        let _ = h.keys.unbounded_send(Ok(TermEvent::Mouse(moved)));
    }
    h.key(KeyCode::Char('q'), KeyModifiers::CONTROL);
    assert_eq!(h.next_command().await, Some(Command::SignOff));
    h.event(Event::Disconnected(DisconnectReason::SignedOff));
    let (finished, terminal) = h.finish().await;
    assert!(finished.frames < 40, "drew {} frames", finished.frames);
    let screen: String = terminal.backend().buffer().content().iter().map(|c| c.symbol()).collect();
    assert!(screen.contains("Me: hello ✓"), "{screen}");
    assert!(screen.contains("Bot: Hello Me!"), "{screen}");
    // Tabs keep the order they were opened in: Carol's unread chat stays second.
    assert!(screen.contains("1:Bot  2:Carol(1)"), "{screen}");
}

#[tokio::test]
async fn an_idle_tui_draws_nothing() {
    let mut h = start();
    h.event(Event::SignedOn { screen_name: sn("Me") });
    tokio::time::sleep(Duration::from_millis(400)).await;
    h.key(KeyCode::Char('q'), KeyModifiers::CONTROL);
    assert_eq!(h.next_command().await, Some(Command::SignOff));
    h.event(Event::Disconnected(DisconnectReason::SignedOff));
    let (finished, _) = h.finish().await;
    // The first frame and the one after signing on; quitting exits without drawing.
    assert_eq!(finished.frames, 2);
}

#[tokio::test]
async fn closed_input_ends_the_loop_and_a_dead_session_shows_offline() {
    let Harness { keys, commands, events, task, screen, .. } = start();
    drop(events);
    until_shown(&screen, "offline:").await;
    drop(keys);
    let h = tokio::time::timeout(Duration::from_secs(5), task).await;
    drop(commands);
    match h {
        Ok(Ok((Ok(f), _))) => {
            assert!(matches!(f.app.state, flapjack::tui::app::ConnState::Offline(_)))
        }
        _ => panic!("loop did not end cleanly"),
    }
}
