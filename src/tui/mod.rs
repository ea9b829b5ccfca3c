//! The terminal UI: a buddy list, conversations, an input line and a status bar, driven by
//! session [`crate::session::Event`]s and sending [`crate::session::Command`]s.
//!
//! [`app::App`] is the whole state and is tested without a terminal; [`ui::draw`] renders it;
//! [`run`] is the async loop that joins the terminal, the session and the clock.

pub mod app;
pub mod complete;
pub mod conversation;
pub mod history;
pub mod icons;
pub mod input;
pub mod keymap;
mod run;
pub mod theme;
pub mod ui;

pub use app::{Action, App, Overlay};
pub use run::{
    install_panic_hook, restore_terminal, run, run_app, run_app_with, setup_terminal, sync_history,
    Finished, SignOnAgain, TuiError,
};
