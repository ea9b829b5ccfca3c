//! The pick-list windows (ICQ and AIM directory results, the AIM directory's interests): one row
//! per item, the chosen one highlighted and kept in view, a footer of keys under them.

use super::*;

/// Draws a centred window titled `title` listing `items` through `row` (which must neutralize
/// any peer text and fit its row into the width it is given), `selected` highlighted. When the
/// rows outnumber the screen, only those around the chosen one are shown.
pub(super) fn draw_pick_list<T>(
    frame: &mut Frame,
    title: &str,
    items: &[T],
    selected: usize,
    row: impl Fn(&T, usize) -> String,
    footer: &str,
) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::focused_border())
        .title(truncate(title, usize::from(INFO_WIDTH) - 4));
    let inner = usize::from(INFO_WIDTH.min(frame.area().width).saturating_sub(2));
    let room = usize::from(frame.area().height.saturating_sub(6)).max(1);
    let first = selected.saturating_sub(room - 1);
    let mut lines: Vec<Line> = items
        .iter()
        .enumerate()
        .skip(first)
        .take(room)
        .map(|(i, item)| {
            let text = row(item, inner);
            if i == selected {
                Line::styled(text, theme::selected())
            } else {
                Line::from(text)
            }
        })
        .collect();
    lines.push(Line::from(""));
    lines.push(Line::styled(footer.to_string(), theme::dim()));
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let area = centered(frame.area(), INFO_WIDTH, height);
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
