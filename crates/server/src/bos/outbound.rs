//! What a BOS connection owes its client, kept typed until the connection writes it.
//!
//! Session replies and the SNACs other sessions (and the hub) queue for a connection are
//! [`OutSnac`]s: a [`SnacBody`] and the header fields it goes out with. Only the connection task
//! encodes them, frame by frame as it writes, so whatever a dead connection never wrote can be
//! looked at as it is (the IMs among it rescued) without decoding anything.

use crate::oscar::icbm::IncomingIm;
use crate::oscar::{encode_snac, OutFlap, SnacBody};

/// One SNAC owed to a client: its body and the header fields it is sent with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutSnac {
    /// What is sent. Boxed: every session's outbound queue allocates its slots up front, and a
    /// pointer there instead of the largest body keeps an idle session small.
    pub body: Box<SnacBody>,
    /// The request id: the client's for an answer, bit 31 set for a server-initiated SNAC.
    pub request_id: u32,
    /// SNAC header flags (e.g. "more replies follow" on every 13/06 part but the last).
    pub flags: u16,
}

impl OutSnac {
    /// `body` with request id `request_id` and no header flags.
    pub fn new(body: SnacBody, request_id: u32) -> Self {
        OutSnac { body: Box::new(body), request_id, flags: 0 }
    }

    /// `body` with request id `request_id` and header `flags`.
    pub fn with_flags(body: SnacBody, request_id: u32, flags: u16) -> Self {
        OutSnac { body: Box::new(body), request_id, flags }
    }

    /// The (family, subtype) it is sent as.
    pub fn id(&self) -> (u16, u16) {
        self.body.id()
    }

    /// Encodes it into a channel-2 frame, logging (never panicking) if the body cannot be
    /// encoded; such a SNAC is skipped, as it always was.
    pub fn encode(&self) -> Option<OutFlap> {
        encode_snac(&self.body, self.request_id, self.flags)
            .map(OutFlap::data)
            .map_err(|e| tracing::error!("cannot encode {:?}: {e}", self.body.id()))
            .ok()
    }

    /// The IM (04/07) it carries, if it is one.
    pub fn into_incoming_im(self) -> Option<IncomingIm> {
        match *self.body {
            SnacBody::IncomingIm(im) => Some(im),
            _ => None,
        }
    }
}
