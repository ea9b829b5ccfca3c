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
    let footer = words::directory_footer(results.outcome);
    pick::draw_pick_list(frame, &title, &results.users, results.selected, row, &footer);
}

/// The interests window: one keyword per row, the chosen one highlighted.
pub(super) fn draw_interests(frame: &mut Frame, list: &InterestList) {
    let keyword = |k: &String, width: usize| truncate(&neutralize_line(k), width);
    let (title, footer) = (words::INTERESTS_TITLE, words::INTERESTS_FOOTER);
    pick::draw_pick_list(frame, title, &list.keywords, list.selected, keyword, footer);
}
