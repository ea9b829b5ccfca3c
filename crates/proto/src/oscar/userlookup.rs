//! Family 0x000A UserLookup (§5.8): the old "find a screen name by e-mail address", which AIM
//! 4.x and early libfaim clients send on the BOS connection. The AIM directory (§16) replaced
//! it; Open OSCAR Server still answers it, and so does the embedded server.

use bytes::{Bytes, BytesMut};

use super::buf::{Reader, WireError};
use super::tlv::TlvBlock;

/// The UserLookup family number.
pub const FAMILY: u16 = 0x000A;

/// UserLookup subtypes.
pub mod subtype {
    /// Error (code 0x14: nobody has that address).
    pub const ERROR: u16 = 0x01;
    /// Client: find by e-mail address.
    pub const FIND_BY_EMAIL: u16 = 0x02;
    /// Server: the screen names found.
    pub const FIND_REPLY: u16 = 0x03;
}

/// The TLV that carries one screen name in a 0A/03.
pub const TLV_SCREEN_NAME: u16 = 0x0001;

/// 0A/02: the e-mail address to look up, the whole body, with no length or terminator.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindByEmail {
    /// The address as sent (its charset is not said; read it as UTF-8, lossily).
    pub email: Bytes,
}

impl FindByEmail {
    /// Decodes the body.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        Ok(FindByEmail { email: r.rest_shared() })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        out.extend_from_slice(&self.email);
        Ok(())
    }

    /// The address as text.
    pub fn address(&self) -> String {
        String::from_utf8_lossy(&self.email).into_owned()
    }
}

tlv_body!(
    /// 0A/03: one TLV 0x0001 per screen name that has the address.
    FindReply
);

impl FindReply {
    /// A reply naming `names`, in order.
    pub fn naming<'n>(names: impl IntoIterator<Item = &'n str>) -> Self {
        let tlvs = names
            .into_iter()
            .fold(TlvBlock::new(), |t, n| t.with(TLV_SCREEN_NAME, n.as_bytes().to_vec()));
        FindReply { tlvs }
    }

    /// The screen names, in order (lossily decoded).
    pub fn screen_names(&self) -> Vec<String> {
        self.tlvs
            .iter()
            .filter(|t| t.kind == TLV_SCREEN_NAME)
            .map(|t| String::from_utf8_lossy(t.value).into_owned())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oscar::{decode_snac_payload, snac_flap, SnacBody};

    #[test]
    fn find_by_email_is_the_bare_address() {
        let q = FindByEmail { email: Bytes::from_static(b"fan@example.com") };
        let flap = snac_flap(&SnacBody::UserLookupFindByEmail(q.clone()), 3).unwrap();
        assert_eq!(&flap.payload[..10], [0, 0x0A, 0, 2, 0, 0, 0, 0, 0, 3]);
        assert_eq!(&flap.payload[10..], b"fan@example.com");
        let (_, back) = decode_snac_payload(&flap.payload).unwrap();
        assert_eq!(back, SnacBody::UserLookupFindByEmail(q.clone()));
        assert_eq!(q.address(), "fan@example.com");
    }

    #[test]
    fn find_reply_is_one_tlv_per_screen_name() {
        let reply = FindReply::naming(["Flapjack Fan", "Bob"]);
        let flap = snac_flap(&SnacBody::UserLookupFindReply(reply.clone()), 3).unwrap();
        let mut want = vec![0, 0x0A, 0, 3, 0, 0, 0, 0, 0, 3, 0, 1, 0, 12];
        want.extend_from_slice(b"Flapjack Fan");
        want.extend_from_slice(&[0, 1, 0, 3]);
        want.extend_from_slice(b"Bob");
        assert_eq!(flap.payload.as_ref(), want);
        let (_, back) = decode_snac_payload(&flap.payload).unwrap();
        let SnacBody::UserLookupFindReply(back) = back else { panic!("{back:?}") };
        assert_eq!(back.screen_names(), ["Flapjack Fan", "Bob"]);
    }
}
