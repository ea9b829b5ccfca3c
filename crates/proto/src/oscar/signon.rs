//! Payloads of the non-SNAC FLAP channels: the channel-1 hello (§1.4) and the channel-4
//! close (§1.5).

use bytes::{BufMut, Bytes, BytesMut};

use super::bucp::{tlv, LoginReply};
use super::buf::{Reader, WireError};
use super::codes::{AuthErrorCode, DisconnectReason};
use super::tlv::TlvBlock;

/// The FLAP version every hello starts with.
pub const FLAP_VERSION: u32 = 1;

/// The channel-1 hello: FLAP version 1 and optional TLVs (0x0006 = BOS login cookie).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hello {
    /// TLVs after the version (empty for the server's and the BUCP client's hello).
    pub tlvs: TlvBlock,
}

impl Hello {
    /// The hello a client sends to a BOS host to present its cookie.
    pub fn with_cookie(cookie: &[u8]) -> Self {
        Hello { tlvs: TlvBlock::new().with(tlv::COOKIE, cookie.to_vec()) }
    }

    /// The login cookie (TLV 0x0006), if any.
    pub fn cookie(&self) -> Option<&[u8]> {
        self.tlvs.value(tlv::COOKIE)
    }

    /// Decodes a channel-1 payload; a version other than 1 is an error.
    pub fn decode<'a>(payload: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = payload.into();
        let version = r.u32()?;
        if version != FLAP_VERSION {
            return Err(WireError::invalid("FLAP hello", format!("version {version}, expected 1")));
        }
        Ok(Hello { tlvs: TlvBlock::read_rest(&mut r)? })
    }

    /// Encodes the channel-1 payload.
    pub fn encode(&self) -> Result<Bytes, WireError> {
        let mut out = BytesMut::new();
        out.put_u32(FLAP_VERSION);
        self.tlvs.write_rest(&mut out)?;
        Ok(out.freeze())
    }
}

/// The channel-4 close payload: why the server is dropping us (or a legacy login reply).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignOff {
    /// The TLVs (empty for an orderly client sign-off).
    pub tlvs: TlvBlock,
}

impl SignOff {
    /// A close carrying a disconnect reason, written as u16 as §12 #5 says to send.
    pub fn with_reason(reason: DisconnectReason) -> Self {
        SignOff { tlvs: TlvBlock::new().with_u16(tlv::DISCONNECT_REASON, reason.into()) }
    }

    /// The disconnect reason (TLV 0x0009), read as one or two bytes.
    pub fn reason(&self) -> Option<DisconnectReason> {
        self.tlvs.get_u8_or_u16(tlv::DISCONNECT_REASON).map(DisconnectReason::from)
    }

    /// The auth error code (TLV 0x0008) of a failed legacy login, read as two bytes or one.
    pub fn auth_error(&self) -> Option<AuthErrorCode> {
        self.tlvs.get_u8_or_u16(tlv::ERROR_CODE).map(AuthErrorCode::from)
    }

    /// An explanatory URL or text (TLV 0x000B, else 0x0004).
    pub fn message(&self) -> Option<String> {
        self.tlvs.get_str(0x000B).or_else(|| self.tlvs.get_str(tlv::ERROR_URL))
    }

    /// The same TLVs read as a 17/03 login reply (legacy channel-1 login answers this way).
    pub fn as_login_reply(&self) -> LoginReply {
        LoginReply { tlvs: self.tlvs.clone() }
    }

    /// Decodes a channel-4 payload (possibly empty).
    pub fn decode<'a>(payload: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        Ok(SignOff { tlvs: TlvBlock::decode(payload)? })
    }

    /// Encodes the channel-4 payload.
    pub fn encode(&self) -> Result<Bytes, WireError> {
        let mut out = BytesMut::new();
        self.tlvs.write_rest(&mut out)?;
        Ok(out.freeze())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p_flap_hello_payload() {
        let cookie = hex::decode("a1b2c3d4e5f60718293a4b5c6d7e8f90").unwrap();
        let payload = Hello::with_cookie(&cookie).encode().unwrap();
        assert_eq!(hex::encode(&payload), "0000000100060010a1b2c3d4e5f60718293a4b5c6d7e8f90");
        assert_eq!(Hello::decode(&payload).unwrap().cookie(), Some(&cookie[..]));
        assert_eq!(Hello::decode(&[0, 0, 0, 1]).unwrap(), Hello::default());
        assert!(Hello::decode(&[0, 0, 0, 2]).is_err());
        assert!(Hello::decode(&[0, 0, 1]).is_err());
    }

    proptest::proptest! {
        #[test]
        fn hello_and_signoff_round_trip(tlvs in crate::oscar::tlv::strategy::block()) {
            let h = Hello { tlvs: tlvs.clone() };
            proptest::prop_assert_eq!(Hello::decode(&h.encode().unwrap()).unwrap(), h);
            let s = SignOff { tlvs };
            proptest::prop_assert_eq!(SignOff::decode(&s.encode().unwrap()).unwrap(), s);
        }
    }

    #[test]
    fn disconnect_reason_is_one_or_two_bytes() {
        let two = SignOff::decode(&[0, 9, 0, 2, 0, 1]).unwrap();
        assert_eq!(two.reason(), Some(DisconnectReason::OtherLocation));
        let one = SignOff::decode(&[0, 9, 0, 1, 2]).unwrap();
        assert_eq!(one.reason(), Some(DisconnectReason::AccountDeleted));
        let empty = SignOff::decode(&[]).unwrap();
        assert_eq!(empty.reason(), None);
        assert_eq!(
            SignOff::with_reason(DisconnectReason::OtherLocation).encode().unwrap().as_ref(),
            [0, 9, 0, 2, 0, 1]
        );
        let legacy = SignOff::decode(&[0, 8, 0, 2, 0, 5]).unwrap();
        assert_eq!(legacy.auth_error(), Some(AuthErrorCode::MismatchedPassword));
        // The error code in one byte reads the same.
        let short = SignOff::decode(&[0, 8, 0, 1, 5]).unwrap();
        assert_eq!(short.auth_error(), Some(AuthErrorCode::MismatchedPassword));
    }
}
