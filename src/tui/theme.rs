//! Colours and emphasis in one place, so the panes agree and a later theme option has one
//! place to change.

use ratatui::style::{Color, Modifier, Style};

/// Message times.
pub fn time() -> Style {
    Style::default().fg(Color::DarkGray)
}

/// The buddy's name in a conversation.
pub fn peer_name() -> Style {
    Style::default().fg(Color::Cyan).add_modifier(Modifier::BOLD)
}

/// Our own name in a conversation.
pub fn own_name() -> Style {
    Style::default().fg(Color::Green).add_modifier(Modifier::BOLD)
}

/// The sender of an automatic away reply.
pub fn auto_reply() -> Style {
    Style::default().fg(Color::Magenta).add_modifier(Modifier::BOLD)
}

/// The text of an automatic away reply.
pub fn auto_reply_text() -> Style {
    Style::default().fg(Color::Magenta).add_modifier(Modifier::ITALIC)
}

/// Notes from flapjack itself.
pub fn system() -> Style {
    Style::default().fg(Color::Yellow)
}

/// Less important text (pending messages, offline buddies).
pub fn dim() -> Style {
    Style::default().fg(Color::DarkGray)
}

/// Errors and failed messages.
pub fn error() -> Style {
    Style::default().fg(Color::Red)
}

/// A room line that mentions our screen name.
pub fn mention() -> Style {
    Style::default().fg(Color::Yellow).add_modifier(Modifier::BOLD)
}

/// A search match.
pub fn search_match() -> Style {
    Style::default().fg(Color::Black).bg(Color::Yellow)
}

/// The border of the focused pane.
pub fn focused_border() -> Style {
    Style::default().fg(Color::Cyan)
}

/// The border of other panes.
pub fn border() -> Style {
    Style::default().fg(Color::DarkGray)
}

/// The selected row of a list.
pub fn selected() -> Style {
    Style::default().add_modifier(Modifier::REVERSED)
}

/// Group headings.
pub fn group() -> Style {
    Style::default().fg(Color::Blue).add_modifier(Modifier::BOLD)
}

/// Unread counts and unread chats.
pub fn unread() -> Style {
    Style::default().fg(Color::Yellow).add_modifier(Modifier::BOLD)
}

/// The status bar.
pub fn status_bar() -> Style {
    Style::default().fg(Color::White).bg(Color::Blue)
}

/// Availability markers.
pub fn online() -> Style {
    Style::default().fg(Color::Green)
}

/// Away marker.
pub fn away() -> Style {
    Style::default().fg(Color::Yellow)
}

/// Idle marker.
pub fn idle() -> Style {
    Style::default().fg(Color::Blue)
}
