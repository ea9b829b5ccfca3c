//! Helpers shared by the TUI tests: a deterministic App and terse event builders.
#![allow(dead_code)]

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use flapjack::config::UiConfig;
use flapjack::screenname::ScreenName;
use flapjack::session::Command;
use flapjack::session::{
    Availability, Buddy, BuddyList, Event, Group, IcqStatus, IncomingIm, Presence,
};
use flapjack::text::is_dangerous;
use flapjack::tui::conversation::Clock;
use flapjack::tui::keymap::Keymap;
use flapjack::tui::{ui, Action, App};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

/// 2024-03-05 12:00:00 UTC, the time every test message is relative to.
pub fn t0() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_709_640_000)
}

/// A time `secs` after [`t0`].
pub fn at(secs: u64) -> SystemTime {
    t0() + Duration::from_secs(secs)
}

/// An App at 80×24 showing UTC times, with our messages stamped at [`t0`] + 10 minutes.
pub fn app() -> App {
    app_with(UiConfig::default())
}

/// Like [`app`] with given UI settings.
pub fn app_with(ui: UiConfig) -> App {
    let mut a =
        App::new("Me", Keymap::default(), ui).with_clock(Clock::utc()).with_fixed_time(at(600));
    a.resize(80, 24);
    a
}

pub fn sn(s: &str) -> ScreenName {
    ScreenName::from_wire(s)
}

pub fn buddy_list(groups: &[(&str, &[&str])]) -> Event {
    Event::BuddyList(BuddyList {
        groups: groups
            .iter()
            .map(|(name, buddies)| Group {
                name: name.to_string(),
                buddies: buddies
                    .iter()
                    .map(|b| Buddy { name: sn(b), alias: None, awaiting_auth: false })
                    .collect(),
            })
            .collect(),
    })
}

pub fn presence(name: &str, availability: Availability) -> Event {
    Event::Presence(Presence {
        name: sn(name),
        availability,
        idle_minutes: (availability == Availability::Idle).then_some(12),
        signed_on_at: None,
        warning_percent: 0,
        away_message: (availability == Availability::Away).then(|| "Out to lunch".to_string()),
        status: None,
    })
}

/// An ICQ buddy signed on with `status` (TLV 0x0006), not away by class flag.
pub fn icq_presence(name: &str, status: IcqStatus) -> Event {
    Event::Presence(Presence {
        name: sn(name),
        availability: Availability::Online,
        idle_minutes: None,
        signed_on_at: None,
        warning_percent: 0,
        away_message: None,
        status: Some(status),
    })
}

pub fn im(from: &str, text: &str, secs: u64) -> Event {
    Event::ImReceived(IncomingIm {
        from: sn(from),
        text: text.to_string(),
        time: at(secs),
        auto_response: false,
        offline: false,
    })
}

pub fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

pub fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

pub fn alt(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::ALT)
}

/// Applies events at one instant, returning every action they caused.
pub fn feed(app: &mut App, events: Vec<Event>, now: Instant) -> Vec<Action> {
    events.into_iter().flat_map(|e| app.handle_event(e, now).actions).collect()
}

/// Types a string key by key.
pub fn type_text(app: &mut App, text: &str, now: Instant) -> Vec<Action> {
    text.chars().flat_map(|c| app.handle_key(key(KeyCode::Char(c)), now)).collect()
}

/// The signed-on demo state used by several tests: three groups, four states.
pub fn populated(app: &mut App, now: Instant) {
    feed(
        app,
        vec![
            Event::SignedOn { screen_name: sn("Me") },
            buddy_list(&[
                ("Buddies", &["Alice", "Bob", "Carol", "Dave"]),
                ("Work", &["Boss", "Intern"]),
                ("Family", &["Erin"]),
            ]),
            presence("Alice", Availability::Online),
            presence("Bob", Availability::Away),
            presence("Carol", Availability::Idle),
            presence("Boss", Availability::Online),
        ],
        now,
    );
}

/// Draws the App on a TestBackend of its size, failing if any cell holds a control character.
pub fn render(app: &App) -> Terminal<TestBackend> {
    let size = app.size();
    let mut terminal = Terminal::new(TestBackend::new(size.width, size.height)).unwrap();
    terminal.draw(|f| ui::draw(f, app)).unwrap();
    for cell in terminal.backend().buffer().content() {
        assert!(!cell.symbol().chars().any(is_dangerous), "control in cell {:?}", cell.symbol());
    }
    terminal
}

/// The commands among `actions`, in order.
pub fn sends(actions: &[Action]) -> Vec<Command> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Send(c) => Some(c.clone()),
            _ => None,
        })
        .collect()
}

/// A [`TestBackend`] that publishes the screen after every frame, so a test driving the run
/// loop from outside waits until something is shown instead of sleeping and hoping.
pub struct Watched {
    inner: TestBackend,
    screen: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Watched {
    /// A `width`×`height` backend and the handle its screen text is published through.
    pub fn new(width: u16, height: u16) -> (Self, std::sync::Arc<std::sync::Mutex<String>>) {
        let screen = std::sync::Arc::default();
        (
            Watched {
                inner: TestBackend::new(width, height),
                screen: std::sync::Arc::clone(&screen),
            },
            screen,
        )
    }

    /// What is on the screen now.
    pub fn buffer(&self) -> &ratatui::buffer::Buffer {
        self.inner.buffer()
    }
}

impl ratatui::backend::Backend for Watched {
    type Error = <TestBackend as ratatui::backend::Backend>::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a ratatui::buffer::Cell)>,
    {
        self.inner.draw(content)
    }
    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.hide_cursor()
    }
    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.show_cursor()
    }
    fn get_cursor_position(&mut self) -> Result<ratatui::layout::Position, Self::Error> {
        self.inner.get_cursor_position()
    }
    fn set_cursor_position<P: Into<ratatui::layout::Position>>(
        &mut self,
        position: P,
    ) -> Result<(), Self::Error> {
        self.inner.set_cursor_position(position)
    }
    fn clear(&mut self) -> Result<(), Self::Error> {
        self.inner.clear()
    }
    fn clear_region(&mut self, kind: ratatui::backend::ClearType) -> Result<(), Self::Error> {
        self.inner.clear_region(kind)
    }
    fn size(&self) -> Result<ratatui::layout::Size, Self::Error> {
        self.inner.size()
    }
    fn window_size(&mut self) -> Result<ratatui::backend::WindowSize, Self::Error> {
        self.inner.window_size()
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        self.inner.flush()?;
        let text: String = self.inner.buffer().content().iter().map(|c| c.symbol()).collect();
        if let Ok(mut screen) = self.screen.lock() {
            *screen = text;
        }
        Ok(())
    }
}

/// Waits (up to the session tests' limit) until `screen` shows `text`.
pub async fn until_shown(screen: &std::sync::Mutex<String>, text: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !screen.lock().is_ok_and(|s| s.contains(text)) {
        assert!(Instant::now() < deadline, "never shown: {text:?} on {:?}", screen.lock());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The status bar's rows as text (it wraps rather than cut), bottom of a fresh render.
pub fn status_rows(app: &App) -> Vec<String> {
    let t = render(app);
    let buf = t.backend().buffer();
    let rows = u16::try_from(ui::status_lines(app, buf.area).len()).unwrap_or(0);
    (buf.area.height - rows..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .collect()
}
