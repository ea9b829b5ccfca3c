//! The HTTP sign-on's shared half: what the client sends and the embedded server checks.
//!
//! [`sign`] builds the RFC 5849 signature base string and the HMACs, [`codes`] names the status
//! and detail codes; the response format and the embedded server's well-known addresses are
//! here. Both ends use these, so a signature is one construction checked from both sides.

pub mod codes;
pub mod sign;

/// The embedded server's default HTTP address (`flapjack serve`), used by the `local` preset.
pub const LOCAL_HTTP_ADDR: &str = "127.0.0.1:8080";
/// The embedded server's default BOS address, advertised by its `startOSCARSession`.
pub const LOCAL_BOS_ADDR: &str = "127.0.0.1:5190";
/// The embedded server's default BUCP (MD5 login) address, used by the `local` preset.
pub const LOCAL_BUCP_ADDR: &str = "127.0.0.1:5191";
/// The developer key of the `local` profile; the embedded server accepts it (and Pidgin's).
pub const LOCAL_DEV_ID: &str = "flapjack";

/// The response format asked for with `f`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// `f=json`.
    #[default]
    Json,
    /// `f=xml`, what Pidgin uses.
    Xml,
}

impl Format {
    /// The value of the `f` parameter.
    pub fn as_param(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Xml => "xml",
        }
    }
}
