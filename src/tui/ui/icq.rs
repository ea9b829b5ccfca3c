//! ICQ windows: a UIN's directory entry (on its own, or under the profile) and the directory
//! search results. Everything from the directory is peer-supplied and neutralized here.

use super::*;
use crate::session::IcqUser;
use crate::tui::app::SearchResults;

/// The directory entry's lines for `uin`, for the info window; empty when none was received.
pub(super) fn directory_lines(app: &App, uin: u32) -> Vec<Line<'static>> {
    let Some(entry) = app.directory.get(&uin) else { return Vec::new() };
    let Some(user) = &entry.user else { return Vec::new() };
    let mut lines = vec![Line::styled("ICQ directory", theme::group())];
    let full_name = [user.first_name.as_str(), user.last_name.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    for (label, value) in [
        ("Nickname:      ", user.nickname.clone()),
        ("Name:          ", full_name),
        ("E-mail:        ", user.email.clone()),
        ("City:          ", user.city.clone()),
        ("Authorization: ", words::auth_required_label(user.auth_required).to_string()),
    ] {
        if !value.is_empty() {
            lines.push(Line::from(vec![
                Span::styled(label, theme::dim()),
                Span::raw(neutralize_line(&value).into_owned()),
            ]));
        }
    }
    if let Some(notes) = entry.notes.as_deref().filter(|n| !n.trim().is_empty()) {
        lines.push(Line::from(""));
        lines.push(Line::styled("About", theme::group()));
        let inner = usize::from(INFO_WIDTH.saturating_sub(2));
        let text = neutralize(notes);
        for range in crate::tui::conversation::wrap(&text, inner, inner) {
            lines.push(Line::from(text.get(range).unwrap_or_default().to_string()));
        }
    }
    lines
}

/// The directory entry of a UIN with no profile window (the user is offline).
pub(super) fn draw_directory(frame: &mut Frame, app: &App, uin: u32) {
    let lines = directory_lines(app, uin);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::focused_border())
        .title(format!(" {uin} — esc closes "));
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX).max(6);
    let area = centered(frame.area(), INFO_WIDTH, height);
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// One search hit as a row: online mark, UIN, nickname, name, "auth" when adding them needs
/// their authorization, e-mail.
fn hit(user: &IcqUser, width: usize) -> String {
    let name = [user.first_name.as_str(), user.last_name.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let online = if user.online == 1 { "●" } else { "○" };
    let auth = if user.auth_required { "auth" } else { "" };
    let text = format!(
        "{online} {:<10} {:<14} {:<16} {auth:<4} {}",
        user.uin,
        truncate(&neutralize_line(&user.nickname), 14),
        truncate(&neutralize_line(&name), 16),
        neutralize_line(&user.email),
    );
    truncate(&text, width)
}

/// The search results window: one row per hit, the chosen one highlighted.
pub(super) fn draw_search(frame: &mut Frame, results: &SearchResults) {
    let title = format!(" ICQ directory: {} ", words::search_query(&results.query));
    let footer = words::search_footer(results.more);
    pick::draw_pick_list(frame, &title, &results.users, results.selected, hit, &footer);
}
