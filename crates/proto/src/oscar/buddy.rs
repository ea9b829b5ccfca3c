//! Family 0x0003 Buddy: presence rights and arrival/departure notices (§7.1).

use bytes::BytesMut;

use super::buf::{Reader, WireError};
use super::userinfo::UserInfo;

/// The Buddy family number.
pub const FAMILY: u16 = 0x0003;

/// Buddy subtypes.
pub mod subtype {
    /// Error.
    pub const ERROR: u16 = 0x01;
    /// Rights query.
    pub const RIGHTS_QUERY: u16 = 0x02;
    /// Rights reply.
    pub const RIGHTS_REPLY: u16 = 0x03;
    /// A buddy came online or changed.
    pub const ARRIVED: u16 = 0x0B;
    /// A buddy went offline.
    pub const DEPARTED: u16 = 0x0C;
}

tlv_body!(
    /// 03/02: rights query (libpurple adds TLV 0x0005 flags).
    BuddyRightsQuery
);

tlv_body!(
    /// 03/03: buddy limits (0x01 max buddies, 0x02 max watchers…).
    BuddyRights
);

impl BuddyRights {
    /// How many buddies the server watches for us.
    pub fn max_buddies(&self) -> Option<u16> {
        self.tlvs.get_u16(0x0001)
    }

    /// How many users may watch us.
    pub fn max_watchers(&self) -> Option<u16> {
        self.tlvs.get_u16(0x0002)
    }
}

/// 03/0F add and 03/10 remove temporary buddies: screen names (each a `u8` length and the
/// bytes) whose presence the server reports for this session only, without storing them in
/// the feedbag (§7.1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TempBuddies {
    /// The screen names, as sent.
    pub names: Vec<String>,
}

impl TempBuddies {
    /// Decodes the body: names until it ends.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        let mut names = Vec::new();
        while !r.is_empty() {
            names.push(r.string8()?);
        }
        Ok(TempBuddies { names })
    }

    /// Encodes the body; a name longer than 255 bytes is an error.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        use bytes::BufMut as _;
        for name in &self.names {
            super::buf::check_len("screen name", name.len(), usize::from(u8::MAX))?;
            out.put_u8(name.len() as u8);
            out.put_slice(name.as_bytes());
        }
        Ok(())
    }
}

/// 03/0B arrived and 03/0C departed: one or more user-info blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuddyPresence {
    /// The users whose presence changed.
    pub users: Vec<UserInfo>,
}

impl BuddyPresence {
    /// A notice about one user.
    pub fn one(info: UserInfo) -> Self {
        BuddyPresence { users: vec![info] }
    }

    /// Decodes the body; at least one block is required.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        let mut users = vec![UserInfo::read(&mut r)?];
        while !r.is_empty() {
            users.push(UserInfo::read(&mut r)?);
        }
        Ok(BuddyPresence { users })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        self.users.iter().try_for_each(|u| u.write(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_buddies_are_length_prefixed_names() {
        let body = TempBuddies { names: vec!["bob".into(), "Carol C".into()] };
        let mut out = BytesMut::new();
        body.encode(&mut out).unwrap();
        assert_eq!(out.as_ref(), b"\x03bob\x07Carol C");
        assert_eq!(TempBuddies::decode(&out).unwrap(), body);
        assert!(TempBuddies::decode(b"\x05bob").is_err(), "a name cut short");
        let long = TempBuddies { names: vec!["x".repeat(256)] };
        assert!(long.encode(&mut BytesMut::new()).is_err());
    }

    #[test]
    fn empty_presence_is_an_error() {
        assert!(BuddyPresence::decode(&[]).is_err());
        let two = [3, b'b', b'o', b'b', 0, 0, 0, 0, 1, b'x', 0, 5, 0, 0];
        let p = BuddyPresence::decode(&two).unwrap();
        assert_eq!(p.users.len(), 2);
        assert_eq!(p.users[1].warning_level, 5);
    }
}
