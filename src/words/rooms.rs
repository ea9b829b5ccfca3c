//! Chat rooms, and what `--send`/`--listen` say about them and about credentials.

use super::*;

// ----- chat rooms -----------------------------------------------------------------------------

fn names_list(names: &[ScreenName]) -> String {
    names.iter().map(ScreenName::as_str).collect::<Vec<_>>().join(", ")
}

/// `/join`: the join has been asked for.
pub fn room_joining(room: &str) -> String {
    line(format!("joining {room}…"))
}

/// A room command used where no room is on screen.
pub fn not_a_room(command: &str) -> String {
    line(format!("{command} works in a room's tab: /join ROOM first"))
}

/// `/invite`: the invitation has been sent.
pub fn room_invited(to: &ScreenName, room: &str) -> String {
    line(format!("invited {} to {room}", to.as_str()))
}

/// `/names`: who is in the room.
pub fn room_names(occupants: &[ScreenName]) -> String {
    line(format!("in the room ({}): {}", occupants.len(), names_list(occupants)))
}

/// `/accept` or `/decline` without an invitation to answer.
pub fn no_invitation(room: Option<&str>) -> String {
    match room {
        Some(room) => line(format!("no invitation to {room} is waiting")),
        None => "no invitation is waiting".to_string(),
    }
}

/// `/decline`: the invitation has been declined.
pub fn invitation_declined(room: &str) -> String {
    line(format!("declined the invitation to {room}"))
}

/// An invitation arrived.
pub fn room_invitation(invitation: &RoomInvitation) -> String {
    let message = invitation.message.as_deref().map_or(String::new(), |m| format!(": \"{m}\""));
    line(format!(
        "{} invites you to {}{message} — /accept or /decline",
        invitation.from.as_str(),
        invitation.room
    ))
}

/// In a room's tab once joined.
pub fn room_joined(room: &str) -> String {
    line(format!("you joined {room}"))
}

/// In a room's tab when people come in.
pub fn room_arrived(names: &[ScreenName]) -> String {
    line(format!("{} joined", names_list(names)))
}

/// In a room's tab when people leave.
pub fn room_departed(names: &[ScreenName]) -> String {
    line(format!("{} left", names_list(names)))
}

/// In a room's tab once we have left it.
pub fn room_left(room: &str) -> String {
    line(format!("you left {room}"))
}

/// A room command named a room we are not in.
pub fn not_in_room(room: &str) -> String {
    line(format!("you are not in {room}: /join it first"))
}

/// `--send --room`: the room could not be joined (`code`: the server's error, if it gave one).
pub fn room_join_failed(room: &str, code: Option<u16>) -> String {
    let why = match code {
        Some(0x14) => ": no such room".to_string(),
        Some(0x15) => ": the room is full".to_string(),
        Some(code) => format!(" (server error 0x{code:04x})"),
        None => String::new(),
    };
    line(format!("cannot join the room {room}{why}"))
}

/// `--send --room`: we were no longer in the room when the message was to be written.
pub fn room_not_sent(room: &str) -> String {
    line(format!("not sent: the connection to the room {room} was lost or closed first"))
}

/// `--send --room`: the room was not joined and the message not written in time.
pub fn room_send_timed_out(room: &str) -> String {
    line(format!("the message was not sent to the room {room} in time"))
}

/// `--listen --room` on stderr once a room is joined.
pub fn listen_joined(room: &str, occupants: usize) -> String {
    let people = if occupants == 1 { "person" } else { "people" };
    line(format!("joined {room} ({occupants} {people} there)"))
}

/// A room's connection dropped and is being joined again.
pub fn room_rejoining(room: &str) -> String {
    line(format!("connection to the room {room} lost; joining again"))
}

/// The command line has nothing to sign `name` on with.
pub fn no_credentials_for(name: &ScreenName) -> String {
    line(format!(
        "no password and no stored token for {}: set FLAPJACK_PASSWORD, use --password-stdin, or \
         sign in with `flapjack login`",
        name.as_str()
    ))
}

/// `flapjack login` has no password to sign on with.
pub fn no_password_for_login() -> String {
    "no password: set FLAPJACK_PASSWORD, use --password-stdin, or run in a terminal".to_string()
}
