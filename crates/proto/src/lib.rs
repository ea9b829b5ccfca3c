//! flapjack's shared layer: the OSCAR wire format and the sign-on primitives that the client
//! and the embedded server both use, so neither has to import the other.
//!
//! - [`oscar`]: FLAP framing, SNACs (one table, [`oscar::SNAC_TABLE`]), TLVs, every family.
//! - [`webapi`]: the HTTP sign-on's signature base string and HMACs, status and detail codes.
//! - [`secret`]: [`secret::Secret`] and the one redaction rule for credentials.
//! - [`private_file`]: files only the user can read (0600 in 0700 directories, atomic,
//!   never through a symlink), for the client's files and the server's `--data`.
//! - [`screenname`]: screen names compared as servers compare them.
//! - [`text`]: HTML to plain text and the terminal-safety neutralizer.

pub mod oscar;
pub mod private_file;
pub mod screenname;
pub mod secret;
pub mod text;
pub mod webapi;
