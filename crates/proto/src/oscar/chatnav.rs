//! Family 0x000D ChatNav: exchanges, room lookup and room creation (§13.2).

use bytes::{BufMut, BytesMut};

use super::buf::{Reader, WireError};
use super::chat::{RoomInfo, RoomRef};
use super::tlv::TlvBlock;

/// The ChatNav family number.
pub const FAMILY: u16 = 0x000D;

/// ChatNav subtypes.
pub mod subtype {
    /// Rights (limits) query.
    pub const REQUEST_CHAT_RIGHTS: u16 = 0x02;
    /// Exchange info query.
    pub const REQUEST_EXCHANGE_INFO: u16 = 0x03;
    /// Room info query.
    pub const REQUEST_ROOM_INFO: u16 = 0x04;
    /// Create (or join by name) a room.
    pub const CREATE_ROOM: u16 = 0x08;
    /// The answer to all of the above.
    pub const NAV_INFO: u16 = 0x09;
}

/// TLVs of 0D/09.
pub mod tlv {
    /// Most rooms one user may be in (u8).
    pub const MAX_CONCURRENT_ROOMS: u16 = 0x0002;
    /// One exchange: u16 id and a counted TLV block.
    pub const EXCHANGE_INFO: u16 = 0x0003;
    /// One room: a [`super::RoomInfo`].
    pub const ROOM_INFO: u16 = 0x0004;
}

/// 0D/03: the client asks about one exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExchangeInfoQuery {
    /// The exchange.
    pub exchange: u16,
}

impl ExchangeInfoQuery {
    /// Decodes the body.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        Ok(ExchangeInfoQuery { exchange: body.into().u16()? })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        out.put_u16(self.exchange);
        Ok(())
    }
}

/// 0D/04: the client asks about one room by its reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomInfoQuery {
    /// The room.
    pub room: RoomRef,
    /// Detail level wanted.
    pub detail: u8,
}

impl RoomInfoQuery {
    /// Decodes the body.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        Ok(RoomInfoQuery { room: RoomRef::read(&mut r)?, detail: r.u8()? })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        self.room.write(out)?;
        out.put_u8(self.detail);
        Ok(())
    }
}

/// One exchange of 0D/09 TLV 0x0003.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeInfo {
    /// The exchange id.
    pub id: u16,
    /// Its settings (name length, flags, charsets…).
    pub tlvs: TlvBlock,
}

impl ExchangeInfo {
    /// Decodes the TLV value.
    pub fn decode(value: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(value);
        let info = ExchangeInfo { id: r.u16()?, tlvs: TlvBlock::read_counted(&mut r)? };
        r.finish("exchange info")?;
        Ok(info)
    }

    /// Encodes the TLV value.
    pub fn to_bytes(&self) -> Result<Vec<u8>, WireError> {
        let mut out = BytesMut::new();
        out.put_u16(self.id);
        self.tlvs.write_counted(&mut out)?;
        Ok(out.to_vec())
    }
}

tlv_body!(
    /// 0D/09: the answer to 0D/02, 0D/03, 0D/04 and 0D/08 — limits, exchanges, rooms.
    NavInfo
);

impl NavInfo {
    /// The most rooms one user may be in, if given.
    pub fn max_concurrent_rooms(&self) -> Option<u8> {
        self.tlvs.get_u8(tlv::MAX_CONCURRENT_ROOMS)
    }

    /// The exchanges described, each decoded on its own.
    pub fn exchanges(&self) -> impl Iterator<Item = Result<ExchangeInfo, WireError>> + '_ {
        self.tlvs.get_all(tlv::EXCHANGE_INFO).map(|t| ExchangeInfo::decode(t.value))
    }

    /// The rooms described, each decoded on its own.
    pub fn rooms(&self) -> impl Iterator<Item = Result<RoomInfo, WireError>> + '_ {
        self.tlvs.get_all(tlv::ROOM_INFO).map(|t| RoomInfo::decode(t.value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oscar::chat::{room_tlv, EXCHANGE_PUBLIC, EXCHANGE_USER};

    #[test]
    fn nav_info_carries_limits_exchanges_and_rooms() {
        let ex = ExchangeInfo { id: EXCHANGE_USER, tlvs: TlvBlock::new().with_u16(4, 100) };
        let room = RoomInfo {
            room: RoomRef { exchange: EXCHANGE_PUBLIC, cookie: "5-0-Lounge".into(), instance: 0 },
            detail: 2,
            tlvs: TlvBlock::new().with(room_tlv::NAME, b"Lounge".to_vec()),
        };
        let nav = NavInfo::from(
            TlvBlock::new()
                .with_u8(tlv::MAX_CONCURRENT_ROOMS, 10)
                .with(tlv::EXCHANGE_INFO, ex.to_bytes().unwrap())
                .with(tlv::ROOM_INFO, room.to_bytes().unwrap()),
        );
        let mut out = BytesMut::new();
        nav.encode(&mut out).unwrap();
        let back = NavInfo::decode(&out).unwrap();
        assert_eq!(back.max_concurrent_rooms(), Some(10));
        assert_eq!(back.exchanges().collect::<Result<Vec<_>, _>>().unwrap(), [ex]);
        assert_eq!(back.rooms().collect::<Result<Vec<_>, _>>().unwrap(), [room]);
        // A room TLV whose contents are cut short is an error for that room only.
        let bad = NavInfo::from(TlvBlock::new().with(tlv::ROOM_INFO, vec![0, 4, 9]));
        assert!(bad.rooms().next().unwrap().is_err());
    }

    #[test]
    fn queries_have_fixed_layouts() {
        let q = RoomInfoQuery {
            room: RoomRef { exchange: 4, cookie: "4-0-a".into(), instance: 0 },
            detail: 2,
        };
        let mut out = BytesMut::new();
        q.encode(&mut out).unwrap();
        assert_eq!(out.as_ref(), b"\x00\x04\x054-0-a\x00\x00\x02");
        assert_eq!(RoomInfoQuery::decode(&out).unwrap(), q);
        assert!(RoomInfoQuery::decode(&out[..out.len() - 1]).is_err());
        assert!(ExchangeInfoQuery::decode(&[0]).is_err());
        assert_eq!(ExchangeInfoQuery::decode(&[0, 5]).unwrap().exchange, 5);
    }
}
