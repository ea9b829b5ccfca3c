//! The async loop joining terminal input, session events and the (rare) timer, plus terminal
//! setup and restoration.
//!
//! Nothing ticks while idle: the loop sleeps in `select!` until a key, a session event, or the
//! one deadline the state asks for (a draft going idle, a typing indicator expiring).

use std::io::{self, Write};
use std::time::{Duration, Instant};

use crossterm::event::{
    DisableBracketedPaste, DisableFocusChange, DisableMouseCapture, EnableBracketedPaste,
    EnableFocusChange, EnableMouseCapture, Event as TermEvent, EventStream, KeyEventKind,
};
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use futures::{Stream, StreamExt};
use ratatui::backend::{Backend, CrosstermBackend};
use ratatui::Terminal;

use super::app::{Action, App, ConnState};
use super::history::{History, HistoryOp};
use super::keymap::{Keymap, KeymapError};
use super::ui;
use crate::auth::Secret;
use crate::config::Config;
use crate::session::{Command, DisconnectReason, Event, NetworkError, SessionHandle};

/// How long quitting waits for the session to confirm it signed off.
const SIGNOFF_WAIT: Duration = Duration::from_secs(2);

/// Why the TUI stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    /// The terminal could not be read or written.
    #[error("terminal: {0}")]
    Io(#[from] io::Error),
    /// The drawing backend failed.
    #[error("terminal: {0}")]
    Backend(Box<dyn std::error::Error + Send + Sync>),
    /// The `[keys]` section of the config is wrong.
    #[error("config: {0}")]
    Keymap(#[from] KeymapError),
}

/// Puts the terminal in raw mode on the alternate screen with bracketed paste on, and the mouse
/// taken only when `mouse` says so (`[ui] mouse`): a captured mouse cannot select text.
pub fn setup_terminal(mouse: bool) -> io::Result<Terminal<CrosstermBackend<io::Stdout>>> {
    enable_raw_mode()?;
    let mut out = io::stdout();
    let mut setup =
        crossterm::execute!(out, EnterAlternateScreen, EnableBracketedPaste, EnableFocusChange);
    if mouse && setup.is_ok() {
        setup = crossterm::execute!(out, EnableMouseCapture);
    }
    if let Err(e) = setup {
        let _ = restore_terminal();
        return Err(e);
    }
    Terminal::new(CrosstermBackend::new(out))
}

/// Undoes [`setup_terminal`]; safe to call more than once.
pub fn restore_terminal() -> io::Result<()> {
    let raw = disable_raw_mode();
    let mut out = io::stdout();
    crossterm::execute!(
        out,
        DisableFocusChange,
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    )?;
    raw
}

/// Restores the terminal before a panic message is printed, so a crash leaves a usable shell.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = restore_terminal();
        previous(info);
    }));
}

/// Runs the TUI until the user quits or the terminal closes.
///
/// `account` labels the status bar until the server reports our screen name; `history` is where
/// conversations are logged (`None` disables logging); `notice` is shown once in the status
/// bar at start (such as the note that no keyring keeps the sign-on token); `sign_on_again`
/// starts a new session when the password was refused and typed again. The caller sets the terminal up and
/// restores it afterwards ([`setup_terminal`], [`restore_terminal`], [`install_panic_hook`]).
pub async fn run<W: Write>(
    terminal: &mut Terminal<CrosstermBackend<W>>,
    session: SessionHandle,
    config: &Config,
    account: &str,
    history: Option<History>,
    notice: Option<String>,
    sign_on_again: Option<SignOnAgain>,
) -> Result<(), TuiError> {
    let keymap = Keymap::with_overrides(&config.keys)?;
    let mut app = App::new(account, keymap, config.ui.clone());
    if let Some(text) = notice {
        app = app.with_notice(&text);
    }
    if let Some(h) = history {
        app = app.with_history(h);
    }
    if let Some(path) = config.account(account).and_then(|a| a.icon.clone()) {
        app = app.with_own_icon(path);
    }
    // Asked once, before the event stream starts reading the terminal's answers.
    app.icons.set_picker(super::icons::detect(config.ui.icons));
    // A plain BEL: tmux flags the window, terminals beep or flash.
    let bell = |t: &mut Terminal<CrosstermBackend<W>>| {
        t.backend_mut().write_all(b"\x07")?;
        Write::flush(t.backend_mut())
    };
    run_app_with(terminal, EventStream::new(), session, app, bell, sign_on_again).await.map(|_| ())
}

/// What [`run_app`] leaves behind: the final state and how many frames it drew.
#[derive(Debug)]
pub struct Finished {
    /// The state at exit.
    pub app: App,
    /// Frames drawn, one per change (tests check that idle means no drawing).
    pub frames: u64,
}

/// How often at most typing is reported to the session as activity: idle time is counted in
/// minutes, so a report per keystroke would only add channel traffic.
const ACTIVITY_REPORT_EVERY: Duration = Duration::from_secs(10);

/// [`Command::Activity`] for a key press or paste, unless one went out in the last
/// [`ACTIVITY_REPORT_EVERY`].
fn activity(last: &mut Option<Instant>) -> Vec<Action> {
    let now = Instant::now();
    if last.is_some_and(|t| now.duration_since(t) < ACTIVITY_REPORT_EVERY) {
        return Vec::new();
    }
    *last = Some(now);
    vec![Action::Send(Command::Activity)]
}

/// Starts a new session signed on with a password typed again after a refusal.
pub type SignOnAgain = Box<dyn FnMut(Secret) -> SessionHandle + Send>;

/// The loop behind [`run`], over any backend and any source of terminal events, so tests can
/// drive it with scripted input and a `TestBackend`. `bell` rings the terminal bell.
pub async fn run_app<B, S, F>(
    terminal: &mut Terminal<B>,
    input: S,
    session: SessionHandle,
    app: App,
    bell: F,
) -> Result<Finished, TuiError>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    S: Stream<Item = io::Result<TermEvent>> + Unpin,
    F: FnMut(&mut Terminal<B>) -> io::Result<()>,
{
    run_app_with(terminal, input, session, app, bell, None).await
}

/// [`run_app`] that can also start a new session when the App asks for one with a password
/// typed again ([`Action::SignOnAgain`]); the App offers the prompt only then.
pub async fn run_app_with<B, S, F>(
    terminal: &mut Terminal<B>,
    mut input: S,
    session: SessionHandle,
    mut app: App,
    mut bell: F,
    mut sign_on_again: Option<SignOnAgain>,
) -> Result<Finished, TuiError>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    S: Stream<Item = io::Result<TermEvent>> + Unpin,
    F: FnMut(&mut Terminal<B>) -> io::Result<()>,
{
    if sign_on_again.is_some() {
        app = app.with_password_retry();
    }
    let size = terminal.size().map_err(backend)?;
    app.resize(size.width, size.height);
    let SessionHandle { mut commands, events: mut session_events } = session;
    let mut session_open = true;
    let mut frames = 1;
    // Input is reported to the session (for idle time) at most this often.
    let mut reported_activity: Option<Instant> = None;
    terminal.draw(|f| ui::draw(f, &app)).map_err(backend)?;
    loop {
        let deadline = app.next_deadline();
        let timer = async move {
            match deadline {
                Some(at) => tokio::time::sleep_until(at.into()).await,
                None => std::future::pending::<()>().await,
            }
        };
        let mut redraw = false;
        let mut actions = Vec::new();
        tokio::select! {
            ev = input.next() => match ev {
                Some(Ok(TermEvent::Key(key))) if key.kind != KeyEventKind::Release => {
                    actions = activity(&mut reported_activity);
                    actions.extend(app.handle_key(key, Instant::now()));
                    redraw = true;
                }
                Some(Ok(TermEvent::Paste(text))) => {
                    actions = activity(&mut reported_activity);
                    actions.extend(app.handle_paste(&text, Instant::now()));
                    redraw = true;
                }
                Some(Ok(TermEvent::Mouse(m))) => redraw = app.handle_mouse(m),
                Some(Ok(TermEvent::Resize(w, h))) => {
                    app.resize(w, h);
                    terminal.autoresize().map_err(backend)?;
                    redraw = true;
                }
                Some(Ok(TermEvent::FocusGained)) => app.set_terminal_focus(true),
                Some(Ok(TermEvent::FocusLost)) => app.set_terminal_focus(false),
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e.into()),
                None => break,
            },
            ev = session_events.recv(), if session_open => match ev {
                Some(event) => {
                    let now = Instant::now();
                    let r = app.handle_event(event, now);
                    redraw = r.redraw;
                    actions = r.actions;
                    // Apply everything already waiting before drawing once.
                    while let Ok(event) = session_events.try_recv() {
                        let r = app.handle_event(event, now);
                        redraw |= r.redraw;
                        actions.extend(r.actions);
                    }
                }
                None => {
                    session_open = false;
                    if !matches!(app.state, ConnState::Offline(_)) {
                        let r = app.handle_event(
                            Event::Disconnected(DisconnectReason::Network(NetworkError::SessionEnded)),
                            Instant::now(),
                        );
                        redraw = r.redraw;
                    }
                }
            },
            () = timer => {
                let r = app.tick(Instant::now());
                redraw = r.redraw;
                actions = r.actions;
            }
        }
        // Log work first, as when it was done inline: a message is on disk before it is sent,
        // and a chat's log is on screen in the same frame the chat opens.
        redraw |= sync_history(&mut app);
        let mut quit = false;
        for action in actions {
            match action {
                Action::Send(cmd) => {
                    if commands.send(cmd).is_err() {
                        tracing::debug!("session gone; command dropped");
                    }
                }
                Action::Bell => bell(terminal)?,
                Action::Quit => quit = true,
                Action::LoadIcon(path) => {
                    // A small file (the size is checked before reading) and a 48×48 encode.
                    let prepared = super::icons::load_icon_file(&path, app.icon_limit());
                    if let Some(cmd) = app.icon_prepared(&path, prepared) {
                        if commands.send(cmd).is_err() {
                            tracing::debug!("session gone; icon dropped");
                        }
                    }
                    redraw = true;
                }
                Action::SignOnAgain(password) => match sign_on_again.as_mut() {
                    Some(start) => {
                        let SessionHandle { commands: c, events: e } = start(password);
                        commands = c;
                        session_events = e;
                        session_open = true;
                    }
                    None => tracing::debug!("no way to sign on again; password dropped"),
                },
            }
        }
        if quit {
            if session_open {
                let _ = tokio::time::timeout(SIGNOFF_WAIT, async {
                    while let Some(ev) = session_events.recv().await {
                        if matches!(ev, Event::Disconnected(_)) {
                            break;
                        }
                    }
                })
                .await;
            }
            break;
        }
        if redraw {
            terminal.draw(|f| ui::draw(f, &app)).map_err(backend)?;
            frames += 1;
        }
    }
    Ok(Finished { app, frames })
}

/// Performs the conversation-log work `app` queued ([`App::take_history_ops`]): appends records
/// and loads the logs of chats that just opened. Failures are shown in the status bar, never
/// fatal. Returns true when the state changed (log lines loaded or an error shown).
///
/// [`run_app`] calls this after every input, session event and timer; tests that drive an
/// [`App`] directly call it to play the run loop's part.
pub fn sync_history(app: &mut App) -> bool {
    let ops = app.take_history_ops();
    let Some(history) = app.history().cloned() else { return false };
    let mut changed = false;
    for op in ops {
        match op {
            HistoryOp::Append { peer, record } => {
                if let Err(e) = history.append(&peer, &record) {
                    app.history_not_written(&e);
                    changed = true;
                }
            }
            HistoryOp::Load { peer, max } => {
                app.history_loaded(&peer, history.load(&peer, max));
                changed = true;
            }
            HistoryOp::AppendRoom { room, record } => {
                if let Err(e) = history.append_room(&room, &record) {
                    app.history_not_written(&e);
                    changed = true;
                }
            }
            HistoryOp::LoadRoom { room, max } => {
                app.room_history_loaded(&room, history.load_room(&room, max));
                changed = true;
            }
        }
    }
    changed
}

/// Wraps a backend's own error type.
fn backend<E: std::error::Error + Send + Sync + 'static>(e: E) -> TuiError {
    TuiError::Backend(Box::new(e))
}

#[cfg(test)]
mod tests {
    use std::time::{SystemTime, UNIX_EPOCH};

    use ratatui::backend::TestBackend;

    use super::*;
    use crate::config::UiConfig;
    use crate::screenname::ScreenName;
    use crate::session::IncomingIm;
    use crate::tui::history::{Direction, Record};

    /// The run loop, not the App, touches the log: an IM that opens a chat loads the earlier log
    /// above it and is appended to the file.
    #[tokio::test]
    async fn the_run_loop_loads_and_writes_the_logs() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let history = History::new(dir.path(), "me");
        let bob = ScreenName::from_wire("bob");
        let earlier = Record::new(UNIX_EPOCH, Direction::Out, "earlier", false);
        assert!(history.append(&bob, &earlier).is_ok());
        let (keys, key_rx) = futures::channel::mpsc::unbounded::<io::Result<TermEvent>>();
        let (commands, _command_rx) = tokio::sync::mpsc::unbounded_channel();
        let (events_tx, events) = tokio::sync::mpsc::unbounded_channel();
        let app =
            App::new("me", Keymap::default(), UiConfig::default()).with_history(history.clone());
        let task = tokio::spawn(async move {
            let mut terminal =
                Terminal::new(TestBackend::new(80, 24)).unwrap_or_else(|e| match e {});
            run_app(&mut terminal, key_rx, SessionHandle { commands, events }, app, |_| Ok(()))
                .await
        });
        let im = IncomingIm {
            from: bob.clone(),
            text: "hi".into(),
            time: SystemTime::now(),
            auto_response: false,
            offline: false,
        };
        assert!(events_tx.send(Event::ImReceived(im)).is_ok());
        let mut written = Vec::new();
        for _ in 0..500 {
            written = history.load(&bob, 10).unwrap_or_default();
            if written.len() == 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let texts: Vec<&str> = written.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(texts, ["earlier", "hi"]);
        drop(keys);
        let finished = match tokio::time::timeout(Duration::from_secs(10), task).await {
            Ok(Ok(Ok(f))) => f,
            other => panic!("loop did not finish cleanly: {other:?}"),
        };
        let shown: Vec<String> = finished
            .app
            .active_chat()
            .map(|c| c.lines.iter().map(|l| l.text.clone()).collect())
            .unwrap_or_default();
        assert_eq!(shown, ["earlier", "hi"]);
    }
}
