//! Secrets that cannot be printed by accident.
//!
//! Passwords, the token `a`, the session secret, the session key and BOS cookies all travel
//! through this crate. Wrapping them in [`Secret`] / [`SecretBytes`] makes `{:?}` and `{}`
//! show only [`redact`]'s short prefix, so a stray log line or error message cannot leak them.

use std::fmt;

/// How many characters of a secret a trace may show.
const SHOWN: usize = 4;

/// The one redaction rule used everywhere: the first four characters followed by `…`.
///
/// A secret of eight characters or fewer is shown as `…` alone, because four characters
/// would give away half of it.
pub fn redact(secret: &str) -> String {
    if secret.chars().count() <= 2 * SHOWN {
        return "…".to_string();
    }
    let mut out: String = secret.chars().take(SHOWN).collect();
    out.push('…');
    out
}

/// A secret string (password, token, session key) whose `Debug` and `Display` redact it.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value so that only code calling [`Secret::expose`] can see it.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The real value, for the few places that must sign or send it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The redacted form, for traces.
    pub fn redacted(&self) -> String {
        redact(&self.0)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_string())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", self.redacted())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// Secret bytes (a BOS cookie) whose `Debug` and `Display` show only a redacted hex prefix.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    /// Wraps the bytes so that only code calling [`SecretBytes::expose`] can see them.
    pub fn new(value: Vec<u8>) -> Self {
        Self(value)
    }

    /// The real bytes, for the BOS hello that must carry them.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// How many bytes the secret has, which is safe to show.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the secret is empty, which a server should never send.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Vec<u8>> for SecretBytes {
    fn from(value: Vec<u8>) -> Self {
        Self(value)
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes({} bytes, {})", self.0.len(), redact(&hex::encode(&self.0)))
    }
}

impl fmt::Display for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} bytes ({})", self.0.len(), redact(&hex::encode(&self.0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_to_four_chars() {
        assert_eq!(redact("/wEAAAAAb2s+Y2Vy"), "/wEA…");
        assert_eq!(redact("short"), "…");
        assert_eq!(redact("éééééééééé"), "éééé…");
    }

    #[test]
    fn debug_and_display_never_show_the_value() {
        let s = Secret::new("correct horse battery staple");
        assert!(!format!("{s:?}").contains("horse"));
        assert!(!format!("{s}").contains("horse"));
        assert_eq!(s.expose(), "correct horse battery staple");
        let b = SecretBytes::new(vec![0xAB; 32]);
        assert!(!format!("{b:?}{b}").contains(&"ab".repeat(8)));
    }
}
