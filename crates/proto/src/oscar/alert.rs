//! Family 0x0018 Alert (§5.7): AOL's e-mail and news alerts. Clients of the era announce what
//! alerts they can show (18/06, 18/16) after sign-on; nothing answers those, so the embedded
//! server accepts them without a reply, as Open OSCAR Server does. flapjack sends neither.

/// The Alert family number.
pub const FAMILY: u16 = 0x0018;

/// Alert subtypes.
pub mod subtype {
    /// Error.
    pub const ERROR: u16 = 0x01;
    /// Client: the alerts it can be sent.
    pub const NOTIFY_CAPABILITIES: u16 = 0x06;
    /// Client: the alerts it can display.
    pub const NOTIFY_DISPLAY_CAPABILITIES: u16 = 0x16;
}

#[cfg(test)]
mod tests {
    use crate::oscar::{decode_snac_payload, SnacBody};

    #[test]
    fn capabilities_decode_whatever_they_carry() {
        for (subtype, want) in
            [(6, SnacBody::AlertCapabilities), (0x16, SnacBody::AlertDisplayCapabilities)]
        {
            let payload = vec![0, 0x18, 0, subtype, 0, 0, 0, 0, 0, 9, 0x01, 0x02, 0x03];
            let (_, got) = decode_snac_payload(&bytes::Bytes::from(payload)).unwrap();
            assert_eq!(got, want);
        }
    }
}
