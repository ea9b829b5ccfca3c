//! Drawing: a pure function from [`App`] to a frame.
//!
//! Only what is visible is laid out: the conversation from its anchor upward, the buddy list
//! from its scroll offset down, so a frame costs the same with 10 or 100,000 messages.

use ratatui::layout::{Alignment, Constraint, Layout, Margin, Position, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::app::{App, ConnState, Focus, Overlay, Row};
use super::conversation::{wrap, Clock, RoomView};
use super::keymap::{Context, KeyAction};
use super::theme;
use crate::session::split::{encoded_size, split_message};
use crate::session::{Availability, IcqStatus, SignOnStep, TypingState, UserInfo};
use crate::text::{neutralize, neutralize_line};
use crate::words;

mod help;
mod icon_areas;
mod icq;
mod odir;
mod pick;
mod status;
use help::draw_help;
pub use help::help_lines;
pub use icon_areas::header_rows;
use status::draw_status;
pub use status::{state_text, status_lines};

/// Where each part of the screen goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppLayout {
    /// The buddy list, with its border.
    pub buddies: Rect,
    /// The row of open-chat tabs.
    pub tabs: Rect,
    /// The conversation, with its border.
    pub conversation: Rect,
    /// The input line.
    pub input: Rect,
    /// The status bar.
    pub status: Rect,
}

/// Splits the screen: buddy list on the left, tabs and conversation on the right, input line
/// and a one-row status bar at the bottom.
pub fn layout(area: Rect) -> AppLayout {
    layout_with(area, 1)
}

/// The layout for the App as it is now: the status bar grows to the rows its text needs.
pub fn app_layout(app: &App) -> AppLayout {
    let size = app.size();
    layout_with(size, status_lines(app, size).len())
}

/// [`layout`] with a status bar of `status_rows` rows.
fn layout_with(area: Rect, status_rows: usize) -> AppLayout {
    let status_rows = u16::try_from(status_rows).unwrap_or(1).max(1);
    let [main, input, status] = Layout::vertical([
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(status_rows),
    ])
    .areas(area);
    let left = u16::try_from(u32::from(main.width) * 28 / 100)
        .unwrap_or(32)
        .clamp(18, 32)
        .min(main.width / 2);
    let [buddies, right] =
        Layout::horizontal([Constraint::Length(left), Constraint::Min(1)]).areas(main);
    let [tabs, conversation] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(right);
    AppLayout { buddies, tabs, conversation, input, status }
}

/// Columns of a room's occupant list, border included.
pub const OCCUPANTS_WIDTH: u16 = 20;

/// Splits a room's conversation area into the messages and the occupant list (none when the
/// area is too narrow to spare it).
pub fn room_split(area: Rect) -> (Rect, Option<Rect>) {
    if area.width < OCCUPANTS_WIDTH * 2 {
        return (area, None);
    }
    let [messages, occupants] =
        Layout::horizontal([Constraint::Min(1), Constraint::Length(OCCUPANTS_WIDTH)]).areas(area);
    (messages, Some(occupants))
}

/// The inside of a bordered pane.
pub fn inner(r: Rect) -> Rect {
    r.inner(Margin::new(1, 1))
}

/// Cuts `s` to `max` columns, ending in `…` when something was cut.
pub fn truncate(s: &str, max: usize) -> String {
    if s.width() <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if w + cw + 1 > max {
            break;
        }
        out.push(c);
        w += cw;
    }
    if max > 0 {
        out.push('…');
    }
    out
}

/// The marker and style for an availability; a signed-on buddy's ICQ status (other than
/// online) takes precedence, since it is what the buddy chose to show.
pub fn marker(a: Availability, status: Option<IcqStatus>) -> (&'static str, Style) {
    match (a, status) {
        (Availability::Offline, _) => ("○", theme::dim()),
        (_, Some(s)) if s != IcqStatus::Online => status_marker(s),
        (Availability::Online, _) => ("●", theme::online()),
        (Availability::Away, _) => ("◑", theme::away()),
        (Availability::Idle, _) => ("◔", theme::idle()),
    }
}

/// The marker and style for an ICQ status.
pub fn status_marker(s: IcqStatus) -> (&'static str, Style) {
    match s {
        IcqStatus::Online => ("●", theme::online()),
        IcqStatus::Away => ("◑", theme::away()),
        IcqStatus::NotAvailable => ("◒", theme::away()),
        IcqStatus::Occupied => ("◐", theme::away()),
        IcqStatus::DoNotDisturb => ("⊘", theme::error()),
        IcqStatus::FreeForChat => ("◉", theme::online()),
        IcqStatus::Invisible => ("◌", theme::dim()),
    }
}

/// The tabs as (display position, first column, end column, label), for drawing and clicks.
pub fn tab_spans(app: &App) -> Vec<(usize, u16, u16)> {
    tabs(app).into_iter().map(|(pos, x0, x1, _, _)| (pos, x0, x1)).collect()
}

fn tabs(app: &App) -> Vec<(usize, u16, u16, String, Style)> {
    let area = app_layout(app).tabs;
    let mut x = area.x;
    let mut out = Vec::new();
    for (pos, idx) in app.chat_order().into_iter().enumerate() {
        let Some(c) = app.chats.get(idx) else { continue };
        let mut label = format!(" {}:{}", pos + 1, truncate(&c.peer_display, 14));
        if c.unread > 0 {
            label.push_str(&format!("({})", c.unread));
        }
        if app.typing.contains_key(&c.peer) {
            label.push('✎');
        }
        label.push(' ');
        let w = u16::try_from(label.width()).unwrap_or(u16::MAX);
        let style = if app.is_active(&c.peer) {
            theme::selected().add_modifier(Modifier::BOLD)
        } else if c.unread > 0 {
            theme::unread()
        } else {
            Style::default()
        };
        out.push((pos, x, x.saturating_add(w), label, style));
        x = x.saturating_add(w);
    }
    out
}

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, app: &App) {
    let l = layout_with(frame.area(), status_lines(app, frame.area()).len());
    draw_buddies(frame, app, l.buddies);
    draw_tabs(frame, app, l.tabs);
    draw_conversation(frame, app, l.conversation);
    draw_input(frame, app, l.input);
    draw_status(frame, app, l.status);
    match &app.overlay {
        Some(Overlay::Help { scroll }) => draw_help(frame, app, *scroll),
        Some(Overlay::Info(info)) => draw_info(frame, app, info),
        Some(Overlay::Directory(uin)) => icq::draw_directory(frame, app, *uin),
        Some(Overlay::Search(results)) => icq::draw_search(frame, results),
        Some(Overlay::AimSearch(results)) => odir::draw_aim_search(frame, results),
        Some(Overlay::Interests(list)) => odir::draw_interests(frame, list),
        None => {}
    }
}

fn pane(title: Line<'static>, focused: bool) -> Block<'static> {
    let style = if focused { theme::focused_border() } else { theme::border() };
    Block::default().borders(Borders::ALL).border_style(style).title(title)
}

fn draw_buddies(frame: &mut Frame, app: &App, area: Rect) {
    let block = pane(Line::from(" Buddies "), app.focus == Focus::Buddies && app.overlay.is_none());
    let list = inner(area);
    frame.render_widget(block, area);
    let rows = app.rows();
    if rows.is_empty() {
        let text = match app.state {
            ConnState::Online => "(no buddies yet: /add NAME)",
            _ => "(buddy list not loaded)",
        };
        frame.render_widget(
            Paragraph::new(text).style(theme::dim()).wrap(Wrap { trim: true }),
            list,
        );
        return;
    }
    let height = usize::from(list.height);
    let selected = app.selected_index(&rows);
    let mut offset = app.buddy_offset().get().min(rows.len().saturating_sub(1));
    if selected < offset {
        offset = selected;
    } else if height > 0 && selected >= offset + height {
        offset = selected + 1 - height;
    }
    app.buddy_offset().set(offset);
    let width = usize::from(list.width);
    let mut lines = Vec::with_capacity(height);
    for (i, row) in rows.iter().enumerate().skip(offset).take(height) {
        let mut line = match row {
            Row::Group { group, online, total, .. } => {
                let arrow = if group.folded { "▸" } else { "▾" };
                let unread: usize = if group.folded {
                    group
                        .buddies
                        .iter()
                        .filter_map(|(b, _)| app.chats.iter().find(|c| c.peer == b.name))
                        .map(|c| c.unread)
                        .sum()
                } else {
                    0
                };
                let counts = format!(" ({online}/{total})");
                let unread = if unread > 0 { format!(" ({unread})") } else { String::new() };
                let name = truncate(
                    &group.display,
                    width.saturating_sub(2 + counts.width() + unread.width()),
                );
                Line::from(vec![
                    Span::styled(format!("{arrow} {name}"), theme::group()),
                    Span::styled(counts, theme::dim()),
                    Span::styled(unread, theme::unread()),
                ])
            }
            Row::Buddy { buddy, display, .. } => {
                let availability = app.availability(&buddy.name);
                let (mark, mark_style) = if buddy.awaiting_auth {
                    ("◇", theme::dim())
                } else {
                    marker(availability, app.icq_status(&buddy.name))
                };
                let unread =
                    app.chats.iter().find(|c| c.peer == buddy.name).map_or(0, |c| c.unread);
                let mut right = String::new();
                if app.typing.contains_key(&buddy.name) {
                    right.push_str(" ✎");
                }
                right.push_str(&app.buddy_badges(&buddy.name));
                if unread > 0 {
                    right.push_str(&format!(" ({unread})"));
                }
                let name_w = width.saturating_sub(4 + right.width());
                let name = truncate(display, name_w);
                let pad = name_w.saturating_sub(name.width());
                let name_style = match availability {
                    Availability::Offline => theme::dim(),
                    _ if unread > 0 => theme::unread(),
                    _ => Style::default(),
                };
                Line::from(vec![
                    Span::styled(format!("  {mark} "), mark_style),
                    Span::styled(name, name_style),
                    Span::raw(" ".repeat(pad)),
                    Span::styled(right, theme::unread()),
                ])
            }
        };
        if i == selected {
            let style = if app.focus == Focus::Buddies {
                theme::selected()
            } else {
                Style::default().add_modifier(Modifier::UNDERLINED)
            };
            line = line.patch_style(style);
        }
        lines.push(line);
    }
    frame.render_widget(Paragraph::new(lines), list);
}

fn draw_tabs(frame: &mut Frame, app: &App, area: Rect) {
    let spans: Vec<Span> =
        tabs(app).into_iter().map(|(_, _, _, label, style)| Span::styled(label, style)).collect();
    if spans.is_empty() {
        frame.render_widget(Paragraph::new(" no chats open").style(theme::dim()), area);
    } else {
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
    }
}

/// "Bob is typing…" for the conversation's bottom border.
fn typing_text(app: &App, peer: &crate::screenname::ScreenName, display: &str) -> Option<String> {
    match app.typing.get(peer).map(|(s, _)| *s) {
        Some(TypingState::Typing) => Some(format!(" {display} is typing… ")),
        Some(TypingState::Paused) => Some(format!(" {display} stopped typing ")),
        _ => None,
    }
}

fn draw_conversation(frame: &mut Frame, app: &App, area: Rect) {
    let focused = app.focus == Focus::Conversation && app.overlay.is_none();
    let Some(conv) = app.active_chat() else {
        let block = pane(Line::from(" flapjack "), focused);
        let help = app.keymap.primary(KeyAction::Help);
        let open = app.keymap.primary(KeyAction::OpenChat);
        let mut text = vec![Line::from("")];
        // Why the session is down, whole: the status bar has room for the start of it only.
        let down = match &app.state {
            ConnState::Offline(reason) => Some(words::offline_status(reason)),
            ConnState::Reconnecting { attempt, delay, reason } => {
                Some(words::reconnecting_status(*attempt, *delay, reason))
            }
            _ => None,
        };
        if let Some(down) = down {
            text.push(Line::styled(neutralize_line(&down).into_owned(), theme::error()));
            text.push(Line::from(""));
        }
        if app.password_prompt().is_some() {
            let enter = app.keymap.primary(KeyAction::Send);
            text.push(Line::styled(words::password_again_hint(&enter), theme::unread()));
            text.push(Line::from(""));
        }
        text.extend([
            Line::from("No chat open."),
            Line::from(""),
            Line::from(format!("Select a buddy and press {open}, or type /msg NAME.")),
            Line::from(format!("Press {help} for keys and commands.")),
        ]);
        frame.render_widget(
            Paragraph::new(text).block(block).style(theme::dim()).wrap(Wrap { trim: true }),
            area,
        );
        return;
    };
    let area = match &conv.room {
        Some(room) => {
            let (messages, occupants) = room_split(area);
            if let Some(occupants) = occupants {
                draw_occupants(frame, app, room, occupants);
            }
            messages
        }
        None => area,
    };
    let (mark, mark_style) = match &conv.room {
        Some(r) if r.joined => ("●", theme::online()),
        Some(_) => ("○", theme::dim()),
        None => marker(app.availability(&conv.peer), app.icq_status(&conv.peer)),
    };
    let mut title = vec![Span::raw(" "), Span::styled(mark, mark_style), Span::raw(" ")];
    let name = truncate(&conv.peer_display, usize::from(area.width).saturating_sub(8));
    let name_width = name.width();
    title.push(Span::styled(name, theme::peer_name()));
    if conv.room.is_none()
        && !app.presence.contains_key(&conv.peer)
        && usize::from(area.width) > name_width + 16
    {
        // Nothing heard: not a buddy, and no arrival since the chat started watching them.
        let room = usize::from(area.width).saturating_sub(name_width + 12);
        let detail = truncate(words::presence_not_seen(), room);
        title.push(Span::styled(format!(" — {detail}"), theme::dim()));
    }
    if let Some(detail) = presence_detail(app, &conv.peer) {
        if !detail.is_empty() && usize::from(area.width) > name_width + 16 {
            let room = usize::from(area.width).saturating_sub(name_width + 12);
            title.push(Span::styled(format!(" — {}", truncate(&detail, room)), theme::dim()));
        }
    }
    title.push(Span::raw(" "));
    let mut block = pane(Line::from(title), focused);
    if let Some(t) = typing_text(app, &conv.peer, &conv.peer_display) {
        block = block.title_bottom(Line::styled(t, theme::system()));
    }
    if let Some(search) = &conv.search {
        let text = if search.not_found {
            format!(" no match for \"{}\" ", neutralize_line(&search.query))
        } else if search.current.is_some() {
            format!(
                " \"{}\": {} older, {} newer, {} clears ",
                neutralize_line(&search.query),
                app.keymap.describe(KeyAction::NextMatch),
                app.keymap.describe(KeyAction::PrevMatch),
                app.keymap.describe(KeyAction::ClearSearch)
            )
        } else {
            " searching ".to_string()
        };
        block = block
            .title_bottom(Line::styled(text, theme::search_match()).alignment(Alignment::Right));
    }
    frame.render_widget(block, area);
    let view = icon_areas::draw_conversation_header(frame, app, conv, inner(area));
    let fmt = app.formatter(conv, usize::from(view.width));
    let scrolled = conv.scroll.is_some();
    let rows_height = usize::from(view.height).saturating_sub(usize::from(scrolled));
    let rows = conv.visible_rows(&fmt, rows_height);
    frame.render_widget(Paragraph::new(rows), Rect { height: rows_height as u16, ..view });
    if scrolled && view.height > 0 {
        let text = if conv.new_below > 0 {
            format!(
                " ↓ {} new message{} below — {} ",
                conv.new_below,
                if conv.new_below == 1 { "" } else { "s" },
                app.keymap.describe(KeyAction::ScrollDown)
            )
        } else {
            format!(" ↓ more below — {} ", app.keymap.describe(KeyAction::ScrollDown))
        };
        let marker_area = Rect { y: view.y + view.height - 1, height: 1, ..view };
        frame.render_widget(
            Paragraph::new(Line::styled(text, theme::unread())).alignment(Alignment::Center),
            marker_area,
        );
    }
}

/// A buddy's presence in words for the conversation's title and header ("away: …", "idle 5m",
/// an ICQ status); `None` when nothing is known, empty when simply online.
fn presence_detail(app: &App, peer: &crate::screenname::ScreenName) -> Option<String> {
    let p = app.presence.get(peer)?;
    let detail = match p.availability {
        Availability::Away => p
            .away_message
            .as_deref()
            .map_or("away".to_string(), |m| format!("away: {}", neutralize_line(m))),
        Availability::Idle => p.idle_minutes.map_or("idle".to_string(), |m| format!("idle {m}m")),
        Availability::Online => String::new(),
        Availability::Offline => "offline".to_string(),
    };
    Some(match (p.availability, app.icq_status(peer)) {
        (Availability::Offline, _) | (_, None) => detail,
        (_, Some(s)) if detail.is_empty() => words::status_label(s).to_string(),
        (_, Some(s)) => format!("{}, {detail}", words::status_label(s)),
    })
}

/// A room's occupants, ourselves marked, every name neutralized.
fn draw_occupants(frame: &mut Frame, app: &App, room: &RoomView, area: Rect) {
    let title = format!(" {} here ", room.occupants.len());
    let block = pane(Line::from(title), false);
    let width = usize::from(inner(area).width);
    let own = crate::screenname::ScreenName::from_wire(&app.account);
    let rows: Vec<Line> = room
        .occupants
        .iter()
        .take(usize::from(inner(area).height))
        .map(|n| {
            let name = truncate(&neutralize_line(n.as_str()), width);
            if *n == own {
                Line::styled(name, theme::own_name())
            } else {
                Line::styled(name, theme::peer_name())
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(rows).block(block), area);
}

fn draw_input(frame: &mut Frame, app: &App, area: Rect) {
    let width = usize::from(area.width);
    let searching = app.active_chat().and_then(|c| c.search.as_ref()).filter(|s| s.editing);
    let counter = input_counter(app);
    let (prefix, text, cursor, focused) = if let Some(p) = app.password_prompt() {
        let prefix = words::password_again_prompt(&app.account);
        let room = width.saturating_sub(prefix.width() + 1);
        let mask = "•".repeat(p.typed_len().min(room));
        let cursor = mask.width();
        (prefix, mask, cursor, true)
    } else if let Some(h) = app.history_search() {
        let prefix = words::history_search_prompt(&neutralize_line(&h.query), h.found.is_some());
        let mut found = super::input::InputLine::default();
        found.set(h.found.as_ref().map_or("", |(_, t)| t.as_str()));
        let (text, cursor) = found.view(width.saturating_sub(prefix.width() + 1));
        (prefix, text, cursor, true)
    } else if let Some(s) = searching {
        let shown = neutralize_line(&s.query).into_owned();
        let cursor = shown.width();
        ("search: ".to_string(), shown, cursor, true)
    } else {
        let prefix = match app.active_chat() {
            Some(c) => format!("{}› ", truncate(&c.peer_display, 16)),
            None => "› ".to_string(),
        };
        let room = width
            .saturating_sub(prefix.width() + 1 + counter.as_ref().map_or(0, |c| c.width() + 1));
        let (text, cursor) = app.input().view(room);
        (prefix, text, cursor, app.focus == Focus::Input)
    };
    let prefix_style =
        if focused { theme::focused_border().add_modifier(Modifier::BOLD) } else { theme::dim() };
    let line = Line::from(vec![Span::styled(prefix.clone(), prefix_style), Span::raw(text)]);
    frame.render_widget(Paragraph::new(line), area);
    if let Some(counter) = counter.filter(|_| searching.is_none()) {
        let w = u16::try_from(counter.width()).unwrap_or(u16::MAX).min(area.width);
        let at = Rect { x: area.right().saturating_sub(w), width: w, ..area };
        frame.render_widget(Paragraph::new(Span::styled(counter, theme::dim())), at);
    }
    if focused && app.overlay.is_none() {
        let x = area.x.saturating_add(u16::try_from(prefix.width() + cursor).unwrap_or(u16::MAX));
        frame.set_cursor_position(Position::new(x.min(area.right().saturating_sub(1)), area.y));
    }
}

/// How close the message being typed is to the server's IM limit, once it passes 80 % of it
/// (measured as it will be sent: HTML-escaped and encoded), and how many IMs it will take once
/// over. Commands (`/…`) and chatless input have none.
pub fn input_counter(app: &App) -> Option<String> {
    let text = app.input().text();
    if app.active_chat().is_none() || text.is_empty() || text.starts_with('/') {
        return None;
    }
    let max = app.max_message;
    let size = encoded_size(text);
    if size.saturating_mul(5) < max.saturating_mul(4) {
        return None;
    }
    let parts = if size <= max { 1 } else { split_message(text, max).map_or(0, |p| p.len()) };
    Some(words::input_counter(size, max, parts))
}

/// A rectangle of at most `w`×`h` centred in `area`.
fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// Formats a sign-on time for the info window.
fn since(clock: &Clock, t: std::time::SystemTime, format: &str) -> String {
    clock.format(t, &format!("%Y-%m-%d {format}"))
}

/// Width of the user-info overlay, borders included.
const INFO_WIDTH: u16 = 70;

fn draw_info(frame: &mut Frame, app: &App, info: &UserInfo) {
    let name = neutralize_line(info.name.as_str()).into_owned();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::focused_border())
        .title(format!(" {} — esc closes ", truncate(&name, 40)));
    let mut facts = vec![Line::from(vec![
        Span::styled("Warning level: ", theme::dim()),
        Span::raw(format!("{}%", info.warning_percent)),
    ])];
    if let Some(t) = info.signed_on_at {
        facts.push(Line::from(vec![
            Span::styled("Online since:  ", theme::dim()),
            Span::raw(since(&app.clock, t, &app.ui.timestamp_format)),
        ]));
    }
    if let Some(m) = info.idle_minutes {
        facts.push(Line::from(vec![
            Span::styled("Idle:          ", theme::dim()),
            Span::raw(format!("{m} minutes")),
        ]));
    }
    // With an icon, the facts sit beside it and the rest starts below it.
    let indent = icon_areas::info_indent(app, &info.name, frame.area());
    let mut lines = icon_areas::beside_info_icon(facts, indent);
    // Wrapped here rather than by the Paragraph, so the height below counts the rows a long
    // away message really takes and the profile after it is not cut off.
    let inner = usize::from(INFO_WIDTH.min(frame.area().width).saturating_sub(2)).max(1);
    for (title, text) in [("Away message", &info.away_message), ("Profile", &info.profile)] {
        if let Some(text) = text {
            lines.push(Line::from(""));
            lines.push(Line::styled(title, theme::group()));
            let text = neutralize(text);
            for range in wrap(&text, inner, inner) {
                lines.push(Line::from(text.get(range).unwrap_or_default().to_string()));
            }
        }
    }
    if info.profile.is_none() && info.away_message.is_none() {
        lines.push(Line::from(""));
        lines.push(Line::styled("(no profile)", theme::dim()));
    }
    if let Some(uin) = info.name.as_str().parse().ok().filter(|_| info.name.is_uin()) {
        let directory = icq::directory_lines(app, uin);
        if !directory.is_empty() {
            lines.push(Line::from(""));
            lines.extend(directory);
        }
    }
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX).max(8);
    let area = centered(frame.area(), INFO_WIDTH, height);
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }), area);
    if indent > 0 {
        icon_areas::draw_info_icon(frame, app, &info.name, area);
    }
}
