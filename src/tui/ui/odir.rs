//! The AIM directory's results window (§16). Everything in it is peer-supplied and neutralized
//! here.

use super::*;
use crate::session::DirectoryUser;
use crate::tui::app::{AimSearchResults, InterestList};

/// One person as a row: screen name, name, place.
fn row(user: &DirectoryUser, width: usize) -> String {
    let (name, place) = words::directory_person(user);
    let text = format!(
        "{:<16} {:<20} {}",
        truncate(&neutralize_line(&user.screen_name), 16),
        truncate(&neutralize_line(&name), 20),
        neutralize_line(&place),
    );
    truncate(&text, width)
}

/// The results window: one row per person, the chosen one highlighted.
pub(super) fn draw_aim_search(frame: &mut Frame, results: &AimSearchResults) {
    let title = words::directory_title(&results.query);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::focused_border())
        .title(truncate(&title, usize::from(INFO_WIDTH) - 4));
    let inner = usize::from(INFO_WIDTH.min(frame.area().width).saturating_sub(2));
    let mut lines: Vec<Line> = results
        .users
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let text = row(u, inner);
            if i == results.selected {
                Line::styled(text, theme::selected())
            } else {
                Line::from(text)
            }
        })
        .collect();
    lines.push(Line::from(""));
    lines.push(Line::styled(words::directory_footer(results.outcome), theme::dim()));
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let area = centered(frame.area(), INFO_WIDTH, height);
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// The interests window: one keyword per row, the chosen one highlighted.
pub(super) fn draw_interests(frame: &mut Frame, list: &InterestList) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::focused_border())
        .title(words::INTERESTS_TITLE);
    let inner = usize::from(INFO_WIDTH.min(frame.area().width).saturating_sub(2));
    // Only the rows around the chosen one fit a small screen: scroll to keep it in view.
    let room = usize::from(frame.area().height.saturating_sub(6)).max(1);
    let first = list.selected.saturating_sub(room - 1);
    let mut lines: Vec<Line> = list
        .keywords
        .iter()
        .enumerate()
        .skip(first)
        .take(room)
        .map(|(i, k)| {
            let text = truncate(&neutralize_line(k), inner);
            if i == list.selected {
                Line::styled(text, theme::selected())
            } else {
                Line::from(text)
            }
        })
        .collect();
    lines.push(Line::from(""));
    lines.push(Line::styled(words::INTERESTS_FOOTER, theme::dim()));
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let area = centered(frame.area(), INFO_WIDTH, height);
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
