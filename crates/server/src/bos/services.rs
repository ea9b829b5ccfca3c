//! The services one BOS listener runs, in one place: which families each connection kind
//! offers in 01/03, which families 01/04 hands out a redirect for, and how long a service
//! cookie waits for its connection (docs/protocol.md §13.1).
//!
//! Open OSCAR Server routes by cookie: a 01/05 redirect names the BOS host itself, and the
//! cookie presented in the new connection's hello says which service (and which room) the
//! connection is for. flapjack does the same; a service not listed in [`REDIRECTED`] is not
//! run, and 01/04 for it is answered with 01/01 code 0x05.

use crate::oscar::{bart, chat, chatnav, odir};

/// The families 01/04 answers with a 01/05 redirect.
pub const REDIRECTED: [u16; 4] = [chatnav::FAMILY, chat::FAMILY, bart::FAMILY, odir::FAMILY];

/// How long a service cookie from 01/05 may wait for its connection, in seconds.
pub const SERVICE_COOKIE_LIFETIME: i64 = 120;

/// What one connection to the BOS listener is for, decided by the cookie it signed on with.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Service {
    /// The main connection (cookie from `startOSCARSession` or BUCP).
    Bos,
    /// Chat navigation (0x0D): exchanges, room lookup and creation.
    ChatNav,
    /// One chat room (0x0E), by its room key (see `Hub::room_key`).
    Chat(String),
    /// BART (0x10): buddy icons up and down (§15).
    Bart,
    /// ODir (0x0F): the AIM directory (§16). Not a BOS family, as in Open OSCAR Server.
    Directory,
}

impl Service {
    /// The families announced in this connection's 01/03, as Open OSCAR Server lists them.
    pub fn families(&self) -> Vec<u16> {
        match self {
            Service::Bos => super::session::BOS_FAMILIES.to_vec(),
            Service::ChatNav => vec![chatnav::FAMILY, 0x0001],
            Service::Chat(_) => vec![0x0001, chat::FAMILY],
            Service::Bart => vec![0x0001, bart::FAMILY],
            Service::Directory => vec![0x0001, odir::FAMILY],
        }
    }

    /// Whether SNACs of `family` are served on this connection (OService always is).
    pub fn serves(&self, family: u16) -> bool {
        match self {
            Service::Bos => ![chatnav::FAMILY, chat::FAMILY, odir::FAMILY].contains(&family),
            Service::ChatNav => family == 0x0001 || family == chatnav::FAMILY,
            Service::Chat(_) => family == 0x0001 || family == chat::FAMILY,
            Service::Bart => family == 0x0001 || family == bart::FAMILY,
            Service::Directory => family == 0x0001 || family == odir::FAMILY,
        }
    }
}
