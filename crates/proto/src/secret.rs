//! Secrets that cannot be printed by accident.
//!
//! Passwords, the token `a`, the session secret, the session key and BOS cookies all travel
//! through this crate. Wrapping them in [`Secret`] / [`SecretBytes`] makes `{:?}` and `{}`
//! show only [`redact`]'s short prefix, so a stray log line or error message cannot leak them.
//! Both are wiped (zeroized) when dropped, and neither is `Clone`: a copy is made only by an
//! explicit [`Secret::duplicate`], so every place that keeps a second copy says so.

use std::fmt;

use zeroize::Zeroize;

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
#[derive(PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

/// Overwrites a secret's whole buffer with zeros; what dropping one does.
trait Wipe {
    fn wipe(&mut self);
}

impl Wipe for Secret {
    fn wipe(&mut self) {
        self.0.zeroize();
    }
}

impl Wipe for SecretBytes {
    fn wipe(&mut self) {
        self.0.zeroize();
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.wipe();
    }
}

impl Drop for SecretBytes {
    fn drop(&mut self) {
        self.wipe();
    }
}

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

    /// A second copy, for the few holders that must each own one (a session's configuration
    /// outlives each sign-on attempt that uses its password). Named, not `Clone`, so that
    /// copies are deliberate and easy to find; each copy is wiped when dropped.
    pub fn duplicate(&self) -> Self {
        Self(self.0.clone())
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
#[derive(PartialEq, Eq)]
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

    /// A second copy (see [`Secret::duplicate`]); wiped when dropped.
    pub fn duplicate(&self) -> Self {
        Self(self.0.clone())
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

    /// Dropping a secret wipes its buffer (the drop glue is [`Wipe::wipe`]): after it, every
    /// byte the value occupied is zero, while the allocation is still ours to read.
    #[test]
    fn dropping_a_secret_wipes_its_bytes() {
        let mut s = Secret::new("correct horse battery staple");
        let (ptr, len) = (s.0.as_ptr(), s.0.len());
        s.wipe();
        assert!(s.0.capacity() >= len && s.0.as_ptr() == ptr);
        // SAFETY: the String still owns its allocation of at least `len` bytes, all of them
        // initialized (zeroize writes zeros over the whole capacity).
        let left = unsafe { std::slice::from_raw_parts(ptr, len) };
        assert!(left.iter().all(|b| *b == 0), "{left:?}");
        let mut b = SecretBytes::new(vec![0xAB; 16]);
        let ptr = b.0.as_ptr();
        b.wipe();
        assert!(b.0.capacity() >= 16 && b.0.as_ptr() == ptr);
        // SAFETY: as above.
        let left = unsafe { std::slice::from_raw_parts(ptr, 16) };
        assert!(left.iter().all(|b| *b == 0), "{left:?}");
    }
}
