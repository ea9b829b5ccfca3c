//! Buddy icons on screen: decoded once per BART hash, kept small, drawn only inside their cells.
//!
//! An icon arrives as image bytes ([`Event::BuddyIcon`](crate::session::Event::BuddyIcon));
//! [`Icons::insert`] decodes and scales it to 48×48 right then, in the event handler, so a
//! frame never decodes. Drawing turns the 48×48 picture into the terminal's graphics protocol
//! (kitty, iTerm2, sixel) or coloured half blocks at one of two fixed sizes ([`Slot`]); that
//! encoding is done at the first frame that shows it and kept, so later frames only copy cells.
//!
//! Which protocol is used is decided once: [`detect`] asks the terminal at start-up (the run
//! loop does, never a test), and `[ui] icons` can force one or turn icons off.

pub mod prepare;

use std::cell::RefCell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;

use bytes::Bytes;
use image::{DynamicImage, RgbaImage};
use ratatui::buffer::Buffer;
use ratatui::layout::{Rect, Size};
use ratatui::widgets::Widget;
use ratatui_image::picker::{Picker, ProtocolType};
use ratatui_image::protocol::Protocol;
use ratatui_image::{Image, Resize};

pub use crate::config::IconMode;
use crate::screenname::ScreenName;
pub use prepare::{decode_icon, load_icon_file, prepare_icon, IconError, DEFAULT_MAX_BYTES};

/// How many decoded icons are kept (48×48 RGBA is 9 KB: 9 MB at most); the oldest goes first.
pub const MAX_ICONS: usize = 1024;
/// How many terminal encodings are kept; only a couple are on screen at once.
const MAX_ENCODED: usize = 32;
/// How many hashes whose data would not decode are remembered (so they are not retried).
const MAX_REFUSED: usize = 1024;

/// Where an icon is drawn; each place has a fixed size in cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Slot {
    /// The conversation header: 4×2 cells.
    Header,
    /// The info overlay: 10×5 cells.
    Info,
}

impl Slot {
    /// Columns and rows the icon takes here.
    pub const fn size(self) -> (u16, u16) {
        match self {
            Slot::Header => (4, 2),
            Slot::Info => (10, 5),
        }
    }
}

/// The buddy icons known this session and how to draw them.
pub struct Icons {
    /// What `[ui] icons` asked for.
    mode: IconMode,
    /// The protocol and font size to draw with; `None` draws nothing.
    picker: Option<Picker>,
    /// Decoded, 48×48 pictures by BART hash.
    images: HashMap<Bytes, RgbaImage>,
    /// The hashes in `images`, oldest first, for eviction.
    order: VecDeque<Bytes>,
    /// Which hash each buddy's icon has now.
    owners: HashMap<ScreenName, Bytes>,
    /// Hashes whose data did not decode.
    refused: HashSet<Bytes>,
    /// Terminal encodings made at first draw, by hash and place.
    encoded: RefCell<HashMap<(Bytes, Slot), Option<Protocol>>>,
}

impl fmt::Debug for Icons {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Icons")
            .field("mode", &self.mode)
            .field("protocol", &self.picker.as_ref().map(Picker::protocol_type))
            .field("images", &self.images.len())
            .field("owners", &self.owners.len())
            .finish_non_exhaustive()
    }
}

impl Icons {
    /// Icons drawn with `picker` (`None`: not drawn; with [`IconMode::Off`] nothing is kept).
    pub fn new(mode: IconMode, picker: Option<Picker>) -> Self {
        Self {
            mode,
            picker: if mode == IconMode::Off { None } else { picker },
            images: HashMap::new(),
            order: VecDeque::new(),
            owners: HashMap::new(),
            refused: HashSet::new(),
            encoded: RefCell::new(HashMap::new()),
        }
    }

    /// Icons for `mode` without asking the terminal anything: half blocks unless off. The
    /// state starts with this (tests and snapshots use it); the run loop then gives it what
    /// [`detect`] found.
    pub fn without_terminal(mode: IconMode) -> Self {
        Self::new(mode, Some(Picker::halfblocks()))
    }

    /// Draws with `picker` from now on (what [`detect`] found at start-up).
    pub fn set_picker(&mut self, picker: Option<Picker>) {
        if self.mode != IconMode::Off {
            self.picker = picker;
        }
        self.encoded.borrow_mut().clear();
    }

    /// What `[ui] icons` asked for.
    pub fn mode(&self) -> IconMode {
        self.mode
    }

    /// The protocol icons are drawn with, if they are drawn.
    pub fn protocol(&self) -> Option<ProtocolType> {
        self.picker.as_ref().map(Picker::protocol_type)
    }

    /// Takes `name`'s icon: decodes and scales it unless this hash is already known. A picture
    /// that does not decode clears the buddy's icon and is the error; with icons off nothing
    /// is decoded or kept.
    pub fn insert(&mut self, name: ScreenName, hash: Bytes, data: &[u8]) -> Result<(), IconError> {
        if self.picker.is_none() {
            return Ok(());
        }
        if self.refused.contains(&hash) {
            self.owners.remove(&name);
            return Err(IconError::Malformed("already refused".to_string()));
        }
        if !self.images.contains_key(&hash) {
            let image = match decode_icon(data) {
                Ok(image) => image,
                Err(e) => {
                    self.owners.remove(&name);
                    if self.refused.len() >= MAX_REFUSED {
                        self.refused.clear();
                    }
                    self.refused.insert(hash);
                    return Err(e);
                }
            };
            if self.images.len() >= MAX_ICONS {
                if let Some(old) = self.order.pop_front() {
                    self.images.remove(&old);
                    self.encoded.borrow_mut().retain(|(h, _), _| h != &old);
                }
            }
            self.order.push_back(hash.clone());
            self.images.insert(hash.clone(), image);
        }
        self.owners.insert(name, hash);
        Ok(())
    }

    /// Whether `name` has an icon that would be drawn.
    pub fn shows(&self, name: &ScreenName) -> bool {
        self.picker.is_some() && self.owners.get(name).is_some_and(|h| self.images.contains_key(h))
    }

    /// Draws `name`'s icon at `slot`'s size in the top-left corner of `area`, and nothing at
    /// all when the icon is unknown, icons are off, or `area` is smaller than the slot: the
    /// picture never reaches a cell outside that corner. Returns whether it drew.
    pub fn render(&self, name: &ScreenName, slot: Slot, area: Rect, buf: &mut Buffer) -> bool {
        let (w, h) = slot.size();
        let target = Rect { width: w, height: h, ..area }.intersection(buf.area);
        if area.width < w || area.height < h || target.width < w || target.height < h {
            return false;
        }
        let (Some(picker), Some(hash)) = (&self.picker, self.owners.get(name)) else {
            return false;
        };
        let mut encoded = self.encoded.borrow_mut();
        let key = (hash.clone(), slot);
        if !encoded.contains_key(&key) {
            let Some(image) = self.images.get(hash) else {
                return false;
            };
            if encoded.len() >= MAX_ENCODED {
                encoded.clear();
            }
            let made = picker
                .new_protocol(
                    DynamicImage::ImageRgba8(image.clone()),
                    Size::new(w, h),
                    Resize::Scale(None),
                )
                .map_err(|e| tracing::debug!("icon not encoded for the terminal: {e}"))
                .ok();
            encoded.insert(key.clone(), made);
        }
        match encoded.get(&key) {
            Some(Some(protocol)) => {
                Image::new(protocol).render(target, buf);
                true
            }
            _ => false,
        }
    }
}

/// The picker for `mode`. `auto` chooses from the environment ([`protocol_from_env`]) and
/// falls back to half blocks; a forced protocol is used as told; `off` gives `None`. The font
/// size comes from the terminal's reported pixel size when it has one.
///
/// The terminal is deliberately not queried on stdin: a terminal (or a multiplexer such as
/// tmux) that never answers leaves the query's reader blocked on stdin, where it swallows the
/// user's first key press.
pub fn detect(mode: IconMode) -> Option<Picker> {
    let protocol = match mode {
        IconMode::Off => return None,
        IconMode::Halfblocks => return Some(Picker::halfblocks()),
        IconMode::Auto => protocol_from_env(|k| std::env::var(k).ok())?,
        IconMode::Kitty => ProtocolType::Kitty,
        IconMode::Iterm2 => ProtocolType::Iterm2,
        IconMode::Sixel => ProtocolType::Sixel,
    };
    let mut picker = match font_size() {
        // The only constructor that takes a known font size without a stdin query.
        #[allow(deprecated)]
        Some(size) => Picker::from_fontsize(size),
        None => Picker::halfblocks(),
    };
    picker.set_protocol_type(protocol);
    tracing::debug!("icons drawn with {:?}", picker.protocol_type());
    Some(picker)
}

/// The graphics protocol the environment says the terminal speaks, or half blocks; `None`
/// never (the `Option` is for the caller's `?`). Inside tmux or screen, half blocks: a
/// multiplexer passes images through only when configured to, and we do not change its
/// settings.
pub fn protocol_from_env(var: impl Fn(&str) -> Option<String>) -> Option<ProtocolType> {
    let var = |k: &str| var(k).filter(|v| !v.is_empty());
    let term = var("TERM").unwrap_or_default();
    let program = var("TERM_PROGRAM").unwrap_or_default();
    let multiplexed = var("TMUX").is_some()
        || var("STY").is_some()
        || term.starts_with("tmux")
        || term.starts_with("screen")
        || program == "tmux";
    if multiplexed {
        return Some(ProtocolType::Halfblocks);
    }
    let kitty = term == "xterm-kitty"
        || term == "xterm-ghostty"
        || program == "ghostty"
        || var("KITTY_WINDOW_ID").is_some();
    let iterm = ["iTerm", "WezTerm", "mintty", "vscode", "Tabby", "rio"]
        .iter()
        .any(|p| program.contains(p))
        || var("LC_TERMINAL").is_some_and(|t| t.contains("iTerm"))
        || var("WEZTERM_EXECUTABLE").is_some();
    let sixel = term.starts_with("foot")
        || term.starts_with("mlterm")
        || term.contains("sixel")
        || var("MLTERM").is_some();
    Some(if kitty {
        ProtocolType::Kitty
    } else if iterm {
        ProtocolType::Iterm2
    } else if sixel {
        ProtocolType::Sixel
    } else {
        ProtocolType::Halfblocks
    })
}

/// The cell size in pixels, from the terminal's window size (an ioctl, not a query).
fn font_size() -> Option<ratatui_image::FontSize> {
    let size = crossterm::terminal::window_size().ok()?;
    if size.width == 0 || size.height == 0 || size.columns == 0 || size.rows == 0 {
        return None;
    }
    Some(ratatui_image::FontSize::new(size.width / size.columns, size.height / size.rows))
}

#[cfg(test)]
mod detect_tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
    }

    #[test]
    fn the_environment_names_the_protocol_and_multiplexers_get_half_blocks() {
        let p = |vars: &[(&str, &str)]| protocol_from_env(env(vars));
        assert_eq!(p(&[("TERM", "xterm-kitty")]), Some(ProtocolType::Kitty));
        assert_eq!(p(&[("TERM_PROGRAM", "WezTerm")]), Some(ProtocolType::Iterm2));
        assert_eq!(p(&[("LC_TERMINAL", "iTerm2")]), Some(ProtocolType::Iterm2));
        assert_eq!(p(&[("TERM", "foot")]), Some(ProtocolType::Sixel));
        assert_eq!(p(&[("TERM", "xterm-256color")]), Some(ProtocolType::Halfblocks));
        assert_eq!(p(&[]), Some(ProtocolType::Halfblocks));
        let in_tmux = [("TERM", "tmux-256color"), ("TMUX", "/tmp/t,1,0"), ("KITTY_WINDOW_ID", "1")];
        assert_eq!(p(&in_tmux), Some(ProtocolType::Halfblocks));
        assert_eq!(
            p(&[("TERM", "screen"), ("TERM_PROGRAM", "iTerm.app")]),
            Some(ProtocolType::Halfblocks)
        );
        assert_eq!(p(&[("TERM", ""), ("KITTY_WINDOW_ID", "")]), Some(ProtocolType::Halfblocks));
    }
}

#[cfg(test)]
mod tests {
    use super::prepare::samples;
    use super::*;
    use image::ImageFormat;

    fn sn(s: &str) -> ScreenName {
        ScreenName::parse(s).unwrap()
    }

    fn png() -> Vec<u8> {
        samples::image(48, 48, ImageFormat::Png)
    }

    #[test]
    fn an_icon_is_drawn_inside_its_slot_and_nowhere_else() {
        let mut icons = Icons::without_terminal(IconMode::Auto);
        icons.insert(sn("bob"), Bytes::from_static(b"h1"), &png()).unwrap();
        let mut buf = Buffer::empty(Rect::new(0, 0, 20, 8));
        assert!(icons.render(&sn("bob"), Slot::Header, Rect::new(3, 2, 10, 5), &mut buf));
        for y in 0..8 {
            for x in 0..20 {
                let inside = (3..7).contains(&x) && (2..4).contains(&y);
                let cell = &buf[(x, y)];
                assert_eq!(cell.symbol() != " ", inside, "cell {x},{y}: {:?}", cell.symbol());
            }
        }
    }

    #[test]
    fn nothing_is_drawn_where_the_slot_does_not_fit_or_no_icon_is_known() {
        let mut icons = Icons::without_terminal(IconMode::Auto);
        icons.insert(sn("bob"), Bytes::from_static(b"h1"), &png()).unwrap();
        let mut buf = Buffer::empty(Rect::new(0, 0, 20, 8));
        assert!(!icons.render(&sn("bob"), Slot::Info, Rect::new(0, 0, 9, 5), &mut buf));
        assert!(!icons.render(&sn("bob"), Slot::Header, Rect::new(18, 7, 4, 2), &mut buf));
        assert!(!icons.render(&sn("carol"), Slot::Header, Rect::new(0, 0, 20, 8), &mut buf));
        assert_eq!(buf, Buffer::empty(Rect::new(0, 0, 20, 8)));
    }

    #[test]
    fn off_decodes_and_draws_nothing() {
        let mut icons = Icons::without_terminal(IconMode::Off);
        assert_eq!(icons.insert(sn("bob"), Bytes::from_static(b"h1"), b"junk"), Ok(()));
        assert!(!icons.shows(&sn("bob")));
        assert_eq!(icons.protocol(), None);
    }

    #[test]
    fn a_bad_picture_clears_the_old_icon_and_is_not_decoded_twice() {
        let mut icons = Icons::without_terminal(IconMode::Halfblocks);
        icons.insert(sn("bob"), Bytes::from_static(b"good"), &png()).unwrap();
        assert!(icons.shows(&sn("bob")));
        let err = icons.insert(sn("bob"), Bytes::from_static(b"bad"), b"GIF89a broken");
        assert!(err.is_err());
        assert!(!icons.shows(&sn("bob")), "a changed icon that fails shows nothing");
        let again = icons.insert(sn("carol"), Bytes::from_static(b"bad"), &png());
        assert!(again.is_err(), "the hash is remembered as refused");
    }

    #[test]
    fn one_hash_is_decoded_once_and_the_oldest_goes_past_the_bound() {
        let mut icons = Icons::without_terminal(IconMode::Auto);
        let data = png();
        // Same hash, other data: the cached picture is kept, nothing decoded.
        icons.insert(sn("bob"), Bytes::from_static(b"h"), &data).unwrap();
        icons.insert(sn("carol"), Bytes::from_static(b"h"), b"not decoded again").unwrap();
        assert!(icons.shows(&sn("carol")));
        for i in 0..MAX_ICONS {
            let name = sn(&format!("buddy{i}"));
            icons.insert(name, Bytes::from(format!("hash{i}")), &data).unwrap();
        }
        assert_eq!(icons.images.len(), MAX_ICONS);
        assert!(!icons.shows(&sn("bob")), "the oldest hash was evicted");
        assert!(icons.shows(&sn(&format!("buddy{}", MAX_ICONS - 1))));
    }
}
