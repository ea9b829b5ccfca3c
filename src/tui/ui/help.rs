//! The help overlay: every key in effect (from the keymap), the slash commands and the marks.

use super::*;

/// The help text, generated from the keymap so it always matches the keys in effect.
pub fn help_lines(app: &App) -> Vec<Line<'static>> {
    let mut lines = vec![Line::styled(crate::words::help_key_names().to_string(), theme::dim())];
    lines.push(Line::from(""));
    let key_col: usize = 22;
    for ctx in [Context::Global, Context::Buddies, Context::Conversation, Context::Input] {
        lines.push(Line::styled(ctx.title().to_string(), theme::group()));
        for &action in KeyAction::ALL.iter().filter(|a| a.context() == ctx) {
            let (keys, desc, name) = match action {
                KeyAction::Chat1 => {
                    let first = app.keymap.keys(KeyAction::Chat1).first().map(ToString::to_string);
                    let last = app.keymap.keys(KeyAction::Chat9).first().map(ToString::to_string);
                    match (first, last) {
                        (Some(a), Some(b)) => (
                            format!("{a} … {b}"),
                            "Switch to chat 1 … 9".to_string(),
                            "chat_1 … chat_9".to_string(),
                        ),
                        _ => (
                            app.keymap.describe(action),
                            action.description().to_string(),
                            action.name().to_string(),
                        ),
                    }
                }
                KeyAction::Chat2
                | KeyAction::Chat3
                | KeyAction::Chat4
                | KeyAction::Chat5
                | KeyAction::Chat6
                | KeyAction::Chat7
                | KeyAction::Chat8
                | KeyAction::Chat9 => continue,
                _ => (
                    app.keymap.describe(action),
                    action.description().to_string(),
                    action.name().to_string(),
                ),
            };
            let pad = key_col.saturating_sub(keys.width()).max(1);
            lines.push(Line::from(vec![
                Span::styled(format!("  {keys}"), theme::unread()),
                Span::raw(" ".repeat(pad)),
                Span::raw(desc),
                Span::styled(format!("  ({name})"), theme::dim()),
            ]));
        }
        lines.push(Line::from(""));
    }
    lines.push(Line::styled("Commands", theme::group()));
    let status_help = words::status_names();
    for (cmd, desc) in [
        ("/msg NAME [text]", "Open a chat (and send text)"),
        ("/away [message]", "Go away, with a message"),
        ("/back", "Come back"),
        ("/status STATUS", status_help.as_str()),
        ("/add NAME [GROUP]", "Add a buddy (quote names with spaces)"),
        ("/remove NAME", "Remove a buddy"),
        ("/info [NAME]", "Show a profile and away message"),
        ("/profile [text]", "Set your profile (alone: show it)"),
        ("/rmgroup GROUP", "Remove an empty group"),
        ("/close", "Close the current chat"),
        ("/retry", "Resend the last failed message"),
        ("/join ROOM", "Join (or create) a chat room"),
        ("/leave", "Leave the room on screen"),
        ("/invite NAME [msg]", "Invite someone to the room on screen"),
        ("/names", "List who is in the room"),
        ("/accept [ROOM]", "Accept a room invitation"),
        ("/decline [ROOM]", "Decline a room invitation"),
        ("/icon PATH|off", words::icon_help()),
        ("/auth [NAME]", "Let someone add you (ICQ authorization)"),
        ("/deny [NAME [why]]", "Refuse an authorization request"),
        ("/search WHAT", "Directory search: UIN, e-mail, name, interest [WORD]"),
        ("/block NAME", "Block someone: no IMs, typing or presence"),
        ("/unblock NAME", "Unblock (in allow-list mode: allow)"),
        ("/privacy [MODE]", "Set who may reach you (alone: show the settings)"),
        ("/warn [NAME] [anon]", "Warn someone who messaged you"),
        ("/quit", "Sign off and quit"),
        ("//text", "Send text starting with a slash"),
    ] {
        let pad = key_col.saturating_sub(cmd.width()).max(1);
        lines.push(Line::from(vec![
            Span::styled(format!("  {cmd}"), theme::unread()),
            Span::raw(" ".repeat(pad)),
            Span::raw(desc.to_string()),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::styled("Marks", theme::group()));
    lines.push(Line::from(vec![
        Span::raw("  "),
        Span::styled("● online", theme::online()),
        Span::raw("  "),
        Span::styled("◑ away", theme::away()),
        Span::raw("  "),
        Span::styled("◔ idle", theme::idle()),
        Span::raw("  "),
        Span::styled("○ offline", theme::dim()),
        Span::raw("  ✎ typing  ⊘ blocked  12% warning level"),
        Span::styled("  ◇ awaiting authorization", theme::dim()),
    ]));
    let mut icq = vec![Span::raw("  ICQ:")];
    for s in &IcqStatus::ALL[2..] {
        let (mark, style) = status_marker(*s);
        icq.push(Span::raw("  "));
        icq.push(Span::styled(format!("{mark} {}", words::status_label(*s)), style));
    }
    lines.push(Line::from(icq));
    lines.push(Line::from("  sent messages: · waiting  … queued  ↑ sent  ✓ delivered  ✗ failed"));
    lines.push(Line::from("    ✉ stored for offline delivery  ✓? accepted, maybe stored"));
    lines.push(Line::from(""));
    lines.push(Line::styled("Input line", theme::group()));
    lines.push(Line::from(format!(
        "  {} completes names and /commands; again for the next match",
        app.keymap.describe(KeyAction::Complete)
    )));
    lines.push(Line::from(format!(
        "  {} searches what you typed; enter takes it, esc gives it back",
        app.keymap.describe(KeyAction::HistorySearch)
    )));
    lines
}

pub(super) fn draw_help(frame: &mut Frame, app: &App, scroll: usize) {
    let lines = help_lines(app);
    let area = centered(frame.area(), 78, u16::try_from(lines.len() + 2).unwrap_or(u16::MAX));
    let visible = usize::from(area.height.saturating_sub(2));
    let max_scroll = lines.len().saturating_sub(visible);
    let scroll = scroll.min(max_scroll);
    let title = if max_scroll > 0 {
        " Help — ↑↓ scroll, esc closes "
    } else {
        " Help — esc closes "
    };
    let block =
        Block::default().borders(Borders::ALL).border_style(theme::focused_border()).title(title);
    frame.render_widget(Clear, area);
    let shown: Vec<Line> = lines.into_iter().skip(scroll).take(visible).collect();
    frame.render_widget(Paragraph::new(shown).block(block), area);
}
