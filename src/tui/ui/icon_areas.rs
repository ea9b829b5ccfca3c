//! Where buddy icons go on screen: a header above a conversation's messages, and the corner of
//! the info overlay. Both are drawn only when the buddy has an icon to show and there is room;
//! otherwise the screen is exactly as without icons.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::{presence_detail, theme, truncate, App};
use crate::screenname::ScreenName;
use crate::tui::conversation::Conversation;
use crate::tui::icons::Slot;

/// Message rows a conversation keeps below the icon header, or the header is left out.
const MIN_MESSAGE_ROWS: u16 = 4;

/// Rows the icon header takes at the top of a conversation's inner area `view`: the icon's
/// height when the buddy on screen (not a room) has an icon and `view` has room, else 0.
pub fn header_rows(app: &App, view: Rect) -> u16 {
    let (w, h) = Slot::Header.size();
    match app.active_chat() {
        Some(conv)
            if conv.room.is_none()
                && app.icons.shows(&conv.peer)
                && view.height >= h + MIN_MESSAGE_ROWS
                && view.width > w + 1 =>
        {
            h
        }
        _ => 0,
    }
}

/// Draws the header (the icon, and beside it the buddy's name and presence) at the top of
/// `view` and returns what is left for the messages.
pub(super) fn draw_conversation_header(
    frame: &mut Frame,
    app: &App,
    conv: &Conversation,
    view: Rect,
) -> Rect {
    let rows = header_rows(app, view);
    if rows == 0 {
        return view;
    }
    let (w, _) = Slot::Header.size();
    app.icons.render(&conv.peer, Slot::Header, view, frame.buffer_mut());
    let beside = Rect { x: view.x + w + 1, width: view.width - w - 1, height: rows, ..view };
    let width = usize::from(beside.width);
    let mut lines =
        vec![Line::from(Span::styled(truncate(&conv.peer_display, width), theme::peer_name()))];
    if let Some(detail) = presence_detail(app, &conv.peer).filter(|d| !d.is_empty()) {
        lines.push(Line::styled(truncate(&detail, width), theme::dim()));
    }
    frame.render_widget(Paragraph::new(lines), beside);
    Rect { y: view.y + rows, height: view.height - rows, ..view }
}

/// Columns of text the info overlay's first lines are moved right by when an icon is beside
/// them, or 0 when `name` has no icon to show in a frame of `frame_area`.
pub(super) fn info_indent(app: &App, name: &ScreenName, frame_area: Rect) -> u16 {
    let (w, h) = Slot::Info.size();
    if app.icons.shows(name) && frame_area.height >= h + 4 && frame_area.width >= w * 3 {
        w + 2
    } else {
        0
    }
}

/// Moves the overlay's first lines right of the icon and pads them to the icon's height.
pub(super) fn beside_info_icon(facts: Vec<Line<'static>>, indent: u16) -> Vec<Line<'static>> {
    if indent == 0 {
        return facts;
    }
    let pad = " ".repeat(usize::from(indent));
    let mut out: Vec<Line<'static>> = facts
        .into_iter()
        .map(|line| {
            let mut spans = vec![Span::raw(pad.clone())];
            spans.extend(line.spans);
            Line::from(spans)
        })
        .collect();
    let rows = usize::from(Slot::Info.size().1);
    if out.len() < rows {
        out.resize(rows, Line::from(""));
    }
    out
}

/// Draws `name`'s icon in the top-left corner inside the overlay's border.
pub(super) fn draw_info_icon(frame: &mut Frame, app: &App, name: &ScreenName, overlay: Rect) {
    let inner = super::inner(overlay);
    app.icons.render(
        name,
        Slot::Info,
        Rect { x: inner.x + 1, width: inner.width.saturating_sub(1), ..inner },
        frame.buffer_mut(),
    );
}
