//! The OSCAR wire format shared by the client session and the embedded server.
//!
//! Layers, bottom up, all free of I/O except the tokio codec:
//! - [`flap`]: [`FlapCodec`] frames a byte stream into [`Flap`]s and numbers outgoing
//!   [`OutFlap`]s; [`signon`] reads the channel-1 hello and channel-4 close payloads.
//! - [`snac`]: [`Snac::decode`] splits a channel-2 payload into [`SnacHeader`] and body.
//! - [`decode_snac`] turns a header + body into a typed [`SnacBody`]; [`encode_snac`] /
//!   [`snac_flap`] go the other way. One module per family holds the typed structs
//!   ([`oservice`], [`locate`], [`buddy`], [`icbm`], [`permitdeny`], [`feedbag`], [`bucp`],
//!   [`chatnav`], [`chat`], [`icq`], [`odir`], [`bart`], [`stats`], [`alert`],
//!   [`userlookup`]).
//! - Building blocks: [`buf`] (checked reader, [`WireError`]), [`tlv`], [`userinfo`],
//!   [`imtext`] (IM text charsets), [`codes`] (error/reason codes with human text),
//!   [`rate`] (rate-class arithmetic, time passed in).
//!
//! Typical receive path:
//! ```
//! use flapjack_proto::oscar::{decode_snac_payload, Channel, SnacBody};
//! # let payload = bytes::Bytes::from_static(&[0, 1, 0, 3, 0, 0, 0x80, 0, 0, 0, 0, 1, 0, 4]);
//! # let flap = flapjack_proto::oscar::Flap { channel: Channel::Data, sequence: 1, payload };
//! if flap.channel == Channel::Data {
//!     match decode_snac_payload(&flap.payload)? {
//!         (_hdr, SnacBody::HostOnline(list)) => assert_eq!(list.families, [1, 4]),
//!         (hdr, other) => println!("skipping {:?} ({other:?})", hdr),
//!     }
//! }
//! # Ok::<(), flapjack_proto::oscar::WireError>(())
//! ```

#[macro_use]
mod macros;

pub mod alert;
pub mod bart;
mod body;
pub mod bucp;
pub mod buddy;
pub mod buf;
pub mod chat;
pub mod chatnav;
pub mod codes;
pub mod feedbag;
pub mod flap;
pub mod icbm;
pub mod icq;
pub mod imtext;
pub mod locate;
pub mod odir;
pub mod oservice;
pub mod permitdeny;
pub mod rate;
pub mod signon;
pub mod snac;
pub mod stats;
pub mod tlv;
pub mod userinfo;
pub mod userlookup;

#[cfg(test)]
mod tests;

pub use body::{decode_snac, decode_snac_payload, encode_snac, snac_flap, SnacBody, SNAC_TABLE};
pub use buf::{Reader, WireError};
pub use codes::{
    AuthErrorCode, DisconnectReason, FeedbagResult, MissedCallReason, RateChangeCode,
    SnacErrorCode, TypingEvent,
};
pub use flap::{Channel, Flap, FlapCodec, FrameError, OutFlap};
pub use imtext::{ImMessage, ImText};
pub use rate::{next_level, RateClass, RateState, RateStatus, RateTable};
pub use signon::{Hello, SignOff};
pub use snac::{Snac, SnacError, SnacHeader, SERVER_REQUEST_ID_BIT};
pub use tlv::{Tlv, TlvBlock, TlvRef};
pub use userinfo::{Capability, UserInfo};
