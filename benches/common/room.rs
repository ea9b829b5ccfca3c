//! The room both the render and the footprint benches build: `occupants` occupants (names of
//! 2 to 25 characters, so some are cut to the list's width; `own` among them, near the top so
//! the list draws our own name's style too) and `messages` messages of 10–210 characters from
//! the others, every 50th naming us. Everything goes through `App::handle_event` as the
//! session's room events would.

use std::time::Instant;

use flapjack::screenname::ScreenName;
use flapjack::session::{Event, RoomEvent};
use flapjack::tui::App;

/// The room's name.
pub const ROOM: &str = "Flapjack Lounge";
/// The filler the messages are cut from (our name is not among its words).
pub const WORDS: &str =
    "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor";

/// Joins [`ROOM`] in `app` with `occupants` occupants and feeds it `messages` messages.
pub fn fill_room(app: &mut App, own: &str, occupants: usize, messages: usize, now: Instant) {
    // Unique names: "c<i>" then filler letters up to 2–25 characters.
    let occupant = |i: usize| {
        let id = format!("c{i}");
        let len = (2 + (i * 7) % 24).max(id.len());
        let name: String = id.chars().chain("pancakes".chars().cycle()).take(len).collect();
        ScreenName::from_wire(&name)
    };
    let mut names: Vec<ScreenName> = (0..occupants - 1).map(occupant).collect();
    names.insert(3, ScreenName::from_wire(own));
    app.handle_event(Event::Room(RoomEvent::Joined { room: ROOM.into(), occupants: names }), now);
    let mention = format!("{}: ", own.to_lowercase());
    for i in 0..messages {
        let len = 10 + (i * 37) % 200;
        let mut text: String = WORDS.chars().cycle().take(len).collect();
        if i % 50 == 0 {
            text.insert_str(0, &mention);
        }
        let from = occupant(i % (occupants - 1));
        app.handle_event(Event::Room(RoomEvent::Message { room: ROOM.into(), from, text }), now);
    }
}
