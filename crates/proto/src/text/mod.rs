//! Text handling shared by every front end: making peer strings safe for a terminal and
//! converting between AIM's HTML message bodies and plain text.

pub mod html;
pub mod sanitize;

pub use html::{from_plain, to_plain};
pub use sanitize::{is_dangerous, neutralize, neutralize_line};
