//! Screen names and ICQ UINs, compared the way the servers compare them.
//!
//! AIM screen names are case-insensitive and ignore spaces ("Bob Smith" is "bobsmith"); ICQ
//! accounts are numeric UINs. Both travel as `str8` on the wire, so a name is at most 255 bytes.

use std::fmt;
use std::hash::{Hash, Hasher};

/// Why a string cannot be used as a screen name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScreenNameError {
    /// Nothing but spaces.
    #[error("a screen name cannot be empty")]
    Empty,
    /// Longer than a `str8` can carry.
    #[error("a screen name is at most 255 bytes ({0} given)")]
    TooLong(usize),
    /// Contains a control character, which no server accepts and no terminal should print.
    #[error("a screen name cannot contain control characters")]
    Control,
}

/// A screen name as the user or the server wrote it, compared in normalized form.
///
/// Equality and hashing use [`ScreenName::normalized`], so `"Bob Smith"` and `"bobsmith"` are
/// the same buddy, while [`ScreenName::as_str`] keeps the display form.
#[derive(Clone)]
pub struct ScreenName {
    display: String,
    normalized: String,
}

impl ScreenName {
    /// Checks and wraps a screen name typed by a user or read from a file.
    pub fn parse(s: &str) -> Result<Self, ScreenNameError> {
        let trimmed = s.trim();
        if trimmed.is_empty() {
            return Err(ScreenNameError::Empty);
        }
        if trimmed.len() > 255 {
            return Err(ScreenNameError::TooLong(trimmed.len()));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(ScreenNameError::Control);
        }
        Ok(Self::from_wire(trimmed))
    }

    /// Wraps a name received from a peer without rejecting it: peers may send anything, and
    /// rendering code neutralizes what it prints.
    pub fn from_wire(s: &str) -> Self {
        Self { display: s.to_string(), normalized: normalize(s) }
    }

    /// Builds a name from `str8` bytes off the wire, replacing invalid UTF-8 rather than failing.
    pub fn from_wire_bytes(bytes: &[u8]) -> Self {
        Self::from_wire(&String::from_utf8_lossy(bytes))
    }

    /// The display form, exactly as given.
    pub fn as_str(&self) -> &str {
        &self.display
    }

    /// Lower-case with spaces removed: the form servers use to identify an account.
    pub fn normalized(&self) -> &str {
        &self.normalized
    }

    /// True for ICQ accounts, whose screen names are decimal UINs.
    pub fn is_uin(&self) -> bool {
        !self.normalized.is_empty() && self.normalized.bytes().all(|b| b.is_ascii_digit())
    }
}

/// Lower-cases a screen name and drops its spaces.
pub fn normalize(s: &str) -> String {
    s.chars().filter(|c| *c != ' ').flat_map(char::to_lowercase).collect()
}

impl PartialEq for ScreenName {
    fn eq(&self, other: &Self) -> bool {
        self.normalized == other.normalized
    }
}

impl Eq for ScreenName {}

impl Hash for ScreenName {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.normalized.hash(state);
    }
}

impl PartialOrd for ScreenName {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ScreenName {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.normalized.cmp(&other.normalized)
    }
}

impl fmt::Display for ScreenName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display)
    }
}

impl fmt::Debug for ScreenName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.display)
    }
}

impl std::str::FromStr for ScreenName {
    type Err = ScreenNameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_ignoring_case_and_spaces() {
        let a = ScreenName::parse("Bob Smith").unwrap();
        let b = ScreenName::parse("bobsmith").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "Bob Smith");
        assert_eq!(a.normalized(), "bobsmith");
    }

    #[test]
    fn uins_are_numeric() {
        assert!(ScreenName::parse("123456789").unwrap().is_uin());
        assert!(!ScreenName::parse("bob1").unwrap().is_uin());
    }

    #[test]
    fn rejects_bad_input() {
        assert_eq!(ScreenName::parse("   "), Err(ScreenNameError::Empty));
        assert_eq!(ScreenName::parse("a\u{1b}b"), Err(ScreenNameError::Control));
        assert!(matches!(ScreenName::parse(&"x".repeat(256)), Err(ScreenNameError::TooLong(256))));
    }

    #[test]
    fn wire_bytes_never_fail() {
        let n = ScreenName::from_wire_bytes(&[0xff, b'a']);
        assert_eq!(n.as_str(), "\u{fffd}a");
    }
}
