//! The status bar: who we are, the connection, our warning level and the notice, wrapped
//! rather than cut.

use super::*;

/// The status text with our warning level after it, when we have one.
fn with_warning(app: &App, text: String) -> String {
    if app.own_warning > 0 {
        format!("{text} │ {}", words::warning_badge(app.own_warning))
    } else {
        text
    }
}

/// The connection state as words, for the status bar.
pub fn state_text(app: &App) -> (String, Style) {
    match &app.state {
        ConnState::Starting => ("starting…".to_string(), theme::status_bar()),
        ConnState::SigningOn(step) => {
            let (n, what) = match step {
                SignOnStep::Authenticating => (1, "authenticating"),
                SignOnStep::ConnectingBos => (2, "connecting to the server"),
                SignOnStep::Negotiating => (3, "negotiating"),
                SignOnStep::LoadingBuddyList => (4, "loading the buddy list"),
            };
            (format!("signing on {n}/4: {what}…"), theme::status_bar())
        }
        ConnState::Online => match &app.away {
            None => {
                let (mark, _) = status_marker(app.status);
                let text = format!("{mark} {}", words::status_label(app.status));
                (with_warning(app, text), theme::status_bar())
            }
            Some(msg) => {
                let text = format!("◑ away: {}", neutralize_line(msg));
                (with_warning(app, text), theme::status_bar())
            }
        },
        ConnState::Reconnecting { attempt, delay, reason } => (
            format!("⟳ {}", words::reconnecting_status(*attempt, *delay, reason)),
            theme::status_bar(),
        ),
        ConnState::Offline(reason) => {
            (format!("○ {}", words::offline_status(reason)), theme::status_bar())
        }
    }
}

pub(super) fn draw_status(frame: &mut Frame, app: &App, area: Rect) {
    let (_, style) = state_text(app);
    let lines = status_lines(app, frame.area());
    frame.render_widget(Paragraph::new(lines).style(style), area);
}

/// The status bar's rows at the screen size `screen`: the account, the connection state and
/// the notice, with the help key on the right of the first row. Text that does not fit is
/// wrapped onto more rows (up to a third of the screen) instead of being cut off.
pub fn status_lines(app: &App, screen: Rect) -> Vec<Line<'static>> {
    let (state, style) = state_text(app);
    let width = usize::from(screen.width);
    let help = format!(
        " {} help ",
        app.keymap.describe(KeyAction::Help).split(", ").last().unwrap_or("?")
    );
    let left = format!(" {} │ {} ", truncate(&app.account, 20), state);
    let mut segments = vec![(left, style.add_modifier(Modifier::BOLD))];
    if let Some(n) = &app.notice {
        let nstyle = if n.error { style.fg(ratatui::style::Color::LightRed) } else { style };
        segments.push((format!("│ {}", n.text), nstyle));
    }
    let text: String = segments.iter().map(|(t, _)| t.as_str()).collect();
    let first = width.saturating_sub(help.width()).max(1);
    let max_rows = (usize::from(screen.height) / 3).max(1);
    let mut rows = wrap(&text, first, width.max(1));
    let cut = rows.len() > max_rows;
    rows.truncate(max_rows);
    if cut {
        // Still too long for a third of the screen: end in "…" rather than cut silently.
        if let Some(last) = rows.last_mut() {
            let row_width = if max_rows == 1 { first } else { width };
            let kept = truncate(text.get(last.clone()).unwrap_or_default(), row_width);
            let kept = kept.strip_suffix('…').unwrap_or(&kept);
            last.end = last.start + kept.len();
        }
    }
    let mut lines = Vec::with_capacity(rows.len());
    for (i, range) in rows.iter().enumerate() {
        let mut spans = Vec::new();
        let mut at = 0;
        for (seg, seg_style) in &segments {
            let seg_range = at..at + seg.len();
            at = seg_range.end;
            let from = range.start.max(seg_range.start);
            let to = range.end.min(seg_range.end);
            if from < to {
                let part = text.get(from..to).unwrap_or_default().to_string();
                spans.push(Span::styled(part, *seg_style));
            }
        }
        if cut && i + 1 == rows.len() {
            spans.push(Span::styled("…", style));
        }
        let used: usize = spans.iter().map(|s| s.content.width()).sum();
        let row_width = if i == 0 { first } else { width };
        spans.push(Span::styled(" ".repeat(row_width.saturating_sub(used)), style));
        if i == 0 {
            spans.push(Span::styled(help.clone(), style));
        }
        lines.push(Line::from(spans));
    }
    lines
}
