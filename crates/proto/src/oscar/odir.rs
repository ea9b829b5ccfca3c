//! Family 0x000F ODir: the AIM directory (docs/protocol.md §16) — search by e-mail address, by
//! name and address, or by interest keyword, and the list of interest keywords.
//!
//! The family runs on a service connection of its own, reached through 01/04 → 01/05 like
//! BART; a BOS connection's 01/03 does not list it.

use bytes::{BufMut, Bytes, BytesMut};

use super::buf::{put_count16, put_str16, Reader, WireError};
use super::tlv::TlvBlock;

/// The ODir family number.
pub const FAMILY: u16 = 0x000F;

/// ODir subtypes.
pub mod subtype {
    /// Search the directory.
    pub const INFO_QUERY: u16 = 0x02;
    /// The search's answer.
    pub const INFO_REPLY: u16 = 0x03;
    /// Ask for the interest keywords.
    pub const KEYWORD_LIST_QUERY: u16 = 0x04;
    /// The interest keywords.
    pub const KEYWORD_LIST_REPLY: u16 = 0x05;
}

/// TLVs of a 0F/02 query and of each 0F/03 result block.
pub mod tlv {
    /// First name.
    pub const FIRST_NAME: u16 = 0x0001;
    /// Last name.
    pub const LAST_NAME: u16 = 0x0002;
    /// Middle name.
    pub const MIDDLE_NAME: u16 = 0x0003;
    /// Maiden name.
    pub const MAIDEN_NAME: u16 = 0x0004;
    /// E-mail address.
    pub const EMAIL: u16 = 0x0005;
    /// Country.
    pub const COUNTRY: u16 = 0x0006;
    /// State.
    pub const STATE: u16 = 0x0007;
    /// City.
    pub const CITY: u16 = 0x0008;
    /// Screen name (results only).
    pub const SCREEN_NAME: u16 = 0x0009;
    /// Search type (u16): 0 name and address, 1 e-mail or interest. Servers go by which
    /// fields are present instead.
    pub const SEARCH_TYPE: u16 = 0x000A;
    /// Interest keyword.
    pub const INTEREST: u16 = 0x000B;
    /// Nickname.
    pub const NICKNAME: u16 = 0x000C;
    /// ZIP code.
    pub const ZIP: u16 = 0x000D;
    /// The text's charset region ("us-ascii").
    pub const REGION: u16 = 0x001C;
    /// Street address.
    pub const ADDRESS: u16 = 0x0021;
}

/// 0F/03 status words.
pub mod status {
    /// The directory is unavailable.
    pub const UNAVAILABLE: u16 = 0x0001;
    /// The directory is unavailable (a second code for the same).
    pub const UNAVAILABLE_2: u16 = 0x0002;
    /// Too many matches: narrow the search.
    pub const TOO_MANY: u16 = 0x0003;
    /// A name search without first or last name.
    pub const NAME_MISSING: u16 = 0x0004;
    /// The search ran; the results follow (possibly none).
    pub const OK: u16 = 0x0005;
}

/// 0F/05 item kinds.
pub mod keyword_kind {
    /// A category; its `parent` is its own id.
    pub const CATEGORY: u8 = 0x01;
    /// A keyword; its `parent` is its category's id, 0 at the top level.
    pub const KEYWORD: u8 = 0x02;
}

/// The charset region every query of ours names.
pub const REGION_US_ASCII: &str = "us-ascii";

/// What a directory search looks for. A server tries them in this order when a query holds
/// several: e-mail, then interest, then name and address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DirectoryQuery {
    /// Whoever has this e-mail address.
    Email(String),
    /// Everyone with this first and/or last name (at least one), narrowed by any address
    /// fields given (empty ones are not sent).
    Name {
        /// First name.
        first: String,
        /// Last name.
        last: String,
        /// City.
        city: String,
        /// State.
        state: String,
        /// Country.
        country: String,
    },
    /// Everyone listing this interest keyword.
    Interest(String),
}

impl DirectoryQuery {
    /// A name search without address fields.
    pub fn name(first: impl Into<String>, last: impl Into<String>) -> Self {
        DirectoryQuery::Name {
            first: first.into(),
            last: last.into(),
            city: String::new(),
            state: String::new(),
            country: String::new(),
        }
    }
}

tlv_body!(
    /// 0F/02: a directory search — TLVs naming what to look for (see [`DirectoryQuery`]).
    InfoQuery
);

impl InfoQuery {
    /// The query for `q`, with the region and search-type TLVs classic clients send.
    pub fn new(q: &DirectoryQuery) -> Self {
        let mut tlvs = TlvBlock::new().with(tlv::REGION, REGION_US_ASCII.as_bytes().to_vec());
        match q {
            DirectoryQuery::Email(email) => {
                tlvs = tlvs.with_u16(tlv::SEARCH_TYPE, 1).with(tlv::EMAIL, email.clone());
            }
            DirectoryQuery::Interest(word) => {
                tlvs = tlvs.with_u16(tlv::SEARCH_TYPE, 1).with(tlv::INTEREST, word.clone());
            }
            DirectoryQuery::Name { first, last, city, state, country } => {
                tlvs = tlvs.with_u16(tlv::SEARCH_TYPE, 0);
                for (kind, value) in [
                    (tlv::FIRST_NAME, first),
                    (tlv::LAST_NAME, last),
                    (tlv::CITY, city),
                    (tlv::STATE, state),
                    (tlv::COUNTRY, country),
                ] {
                    if !value.is_empty() {
                        tlvs.push(kind, value.clone());
                    }
                }
            }
        }
        InfoQuery { tlvs }
    }

    /// What the query asks, by the server's precedence (e-mail, interest, then name and
    /// address); `None` when it names none of them (answered "name missing").
    pub fn query(&self) -> Option<DirectoryQuery> {
        let get = |kind| self.tlvs.get_str(kind);
        if let Some(email) = get(tlv::EMAIL) {
            return Some(DirectoryQuery::Email(email));
        }
        if let Some(word) = get(tlv::INTEREST) {
            return Some(DirectoryQuery::Interest(word));
        }
        if !self.tlvs.has(tlv::FIRST_NAME) && !self.tlvs.has(tlv::LAST_NAME) {
            return None;
        }
        let field = |kind| get(kind).unwrap_or_default();
        Some(DirectoryQuery::Name {
            first: field(tlv::FIRST_NAME),
            last: field(tlv::LAST_NAME),
            city: field(tlv::CITY),
            state: field(tlv::STATE),
            country: field(tlv::COUNTRY),
        })
    }
}

/// One person the directory found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct DirectoryUser {
    /// Their screen name (empty when the server left it out).
    pub screen_name: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// E-mail address (servers usually leave it out).
    pub email: String,
    /// City.
    pub city: String,
    /// State.
    pub state: String,
    /// Country.
    pub country: String,
}

impl DirectoryUser {
    /// Reads one result block; absent fields are empty, invalid UTF-8 is replaced.
    pub fn from_block(block: &TlvBlock) -> Self {
        let field = |kind| block.get_str(kind).unwrap_or_default();
        DirectoryUser {
            screen_name: field(tlv::SCREEN_NAME),
            first_name: field(tlv::FIRST_NAME),
            last_name: field(tlv::LAST_NAME),
            email: field(tlv::EMAIL),
            city: field(tlv::CITY),
            state: field(tlv::STATE),
            country: field(tlv::COUNTRY),
        }
    }

    /// The result block for this user: every field, empty ones included (as Open OSCAR
    /// Server writes them), the e-mail address only when set.
    pub fn to_block(&self) -> TlvBlock {
        let mut block = TlvBlock::new()
            .with(tlv::FIRST_NAME, self.first_name.clone())
            .with(tlv::LAST_NAME, self.last_name.clone())
            .with(tlv::STATE, self.state.clone())
            .with(tlv::CITY, self.city.clone())
            .with(tlv::COUNTRY, self.country.clone())
            .with(tlv::SCREEN_NAME, self.screen_name.clone());
        if !self.email.is_empty() {
            block.push(tlv::EMAIL, self.email.clone());
        }
        block
    }
}

/// 0F/03: the search's answer — a status word, an opaque u16-length-prefixed field (empty from
/// Open OSCAR Server; libpurple skips it), then a u16 count of result blocks, each a u16 TLV
/// count and its TLVs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InfoReply {
    /// One of [`status`].
    pub status: u16,
    /// The opaque field, kept for re-encoding.
    pub extra: Bytes,
    /// One TLV block per person found.
    pub results: Vec<TlvBlock>,
}

impl InfoReply {
    /// An answer with `status` and these people.
    pub fn new(status: u16, users: &[DirectoryUser]) -> Self {
        InfoReply {
            status,
            extra: Bytes::new(),
            results: users.iter().map(DirectoryUser::to_block).collect(),
        }
    }

    /// Decodes the body; bytes after the last block are ignored.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        let status = r.u16()?;
        let len = r.u16()?;
        let extra = r.bytes_shared(usize::from(len))?;
        let count = usize::from(r.u16()?);
        // Each block takes at least its two-byte count: a count the body cannot hold does not
        // reserve memory for itself.
        let mut results = Vec::with_capacity(count.min(r.remaining() / 2));
        for _ in 0..count {
            results.push(TlvBlock::read_counted(&mut r)?);
        }
        Ok(InfoReply { status, extra, results })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        out.put_u16(self.status);
        put_str16(out, "0F/03 extra", &self.extra)?;
        put_count16(out, "0F/03 results", self.results.len())?;
        self.results.iter().try_for_each(|b| b.write_counted(out))
    }

    /// The people found, each read from its block.
    pub fn users(&self) -> impl Iterator<Item = DirectoryUser> + '_ {
        self.results.iter().map(DirectoryUser::from_block)
    }
}

/// One entry of the 0F/05 keyword list.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Keyword {
    /// One of [`keyword_kind`].
    pub kind: u8,
    /// A category's own id, or a keyword's category (0: top level).
    pub parent: u8,
    /// The text.
    pub name: String,
}

/// 0F/05: the interest keywords — a status word, then a u16 count of items, each a kind byte,
/// an id byte and a u16-length-prefixed name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeywordListReply {
    /// The status word (Open OSCAR Server sends 1).
    pub status: u16,
    /// The categories and keywords, in the server's order.
    pub keywords: Vec<Keyword>,
}

impl KeywordListReply {
    /// Decodes the body; bytes after the last item are ignored.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        let status = r.u16()?;
        let count = usize::from(r.u16()?);
        // Each item takes at least four bytes.
        let mut keywords = Vec::with_capacity(count.min(r.remaining() / 4));
        for _ in 0..count {
            let kind = r.u8()?;
            let parent = r.u8()?;
            let name = r.string16()?;
            keywords.push(Keyword { kind, parent, name });
        }
        Ok(KeywordListReply { status, keywords })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        out.put_u16(self.status);
        put_count16(out, "0F/05 keywords", self.keywords.len())?;
        for k in &self.keywords {
            out.put_u8(k.kind);
            out.put_u8(k.parent);
            put_str16(out, "0F/05 keyword", k.name.as_bytes())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(f: impl FnOnce(&mut BytesMut) -> Result<(), WireError>) -> Vec<u8> {
        let mut out = BytesMut::new();
        f(&mut out).unwrap();
        out.to_vec()
    }

    #[test]
    fn an_email_query_is_region_type_and_address() {
        let q = InfoQuery::new(&DirectoryQuery::Email("a@b.c".into()));
        let bytes = encoded(|o| q.encode(o));
        let mut want = vec![0x00, 0x1C, 0x00, 0x08];
        want.extend_from_slice(b"us-ascii");
        want.extend_from_slice(&[0x00, 0x0A, 0x00, 0x02, 0x00, 0x01]);
        want.extend_from_slice(&[0x00, 0x05, 0x00, 0x05]);
        want.extend_from_slice(b"a@b.c");
        assert_eq!(bytes, want);
        let back = InfoQuery::decode(&bytes).unwrap();
        assert_eq!(back.query(), Some(DirectoryQuery::Email("a@b.c".into())));
    }

    #[test]
    fn a_name_query_sends_only_the_fields_given() {
        let q = DirectoryQuery::Name {
            first: "Flap".into(),
            last: String::new(),
            city: "Austin".into(),
            state: String::new(),
            country: String::new(),
        };
        let body = InfoQuery::new(&q);
        assert_eq!(body.tlvs.get_u16(tlv::SEARCH_TYPE), Some(0));
        assert!(!body.tlvs.has(tlv::LAST_NAME) && !body.tlvs.has(tlv::STATE));
        assert_eq!(body.query(), Some(q));
        // The server's precedence: e-mail beats interest beats names; nothing usable is None.
        let mixed = InfoQuery::from(
            TlvBlock::new()
                .with(tlv::FIRST_NAME, "x")
                .with(tlv::INTEREST, "pancakes")
                .with(tlv::EMAIL, "e@x"),
        );
        assert_eq!(mixed.query(), Some(DirectoryQuery::Email("e@x".into())));
        let interest =
            InfoQuery::from(TlvBlock::new().with(tlv::FIRST_NAME, "x").with(tlv::INTEREST, "p"));
        assert_eq!(interest.query(), Some(DirectoryQuery::Interest("p".into())));
        let only_city = InfoQuery::from(TlvBlock::new().with(tlv::CITY, "Austin"));
        assert_eq!(only_city.query(), None);
        assert_eq!(InfoQuery::new(&DirectoryQuery::Interest("p".into())).query(), interest.query());
    }

    #[test]
    fn a_reply_is_status_extra_count_and_counted_blocks() {
        // Hand-built from Open OSCAR Server's layout: status 5, empty extra, one block of two
        // TLVs (first name "Al", screen name "al1").
        let bytes = [
            0x00, 0x05, 0x00, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x01, 0x00, 0x02, b'A', b'l',
            0x00, 0x09, 0x00, 0x03, b'a', b'l', b'1',
        ];
        let r = InfoReply::decode(&bytes[..]).unwrap();
        assert_eq!(r.status, status::OK);
        let users: Vec<DirectoryUser> = r.users().collect();
        assert_eq!(
            users,
            [DirectoryUser {
                screen_name: "al1".into(),
                first_name: "Al".into(),
                ..DirectoryUser::default()
            }]
        );
        assert_eq!(encoded(|o| r.encode(o)), bytes);
        // libpurple skips the opaque field by its length: a non-empty one is kept, not read.
        let with_extra = [0x00, 0x05, 0x00, 0x02, 0xAB, 0xCD, 0x00, 0x00];
        let r = InfoReply::decode(&with_extra[..]).unwrap();
        assert_eq!((&r.extra[..], r.results.len()), (&[0xAB, 0xCD][..], 0));
        assert_eq!(encoded(|o| r.encode(o)), with_extra);
        // A count the body cannot hold, and a block cut short, are errors, not panics.
        assert!(InfoReply::decode(&[0x00, 0x05, 0x00, 0x00, 0xFF, 0xFF][..]).is_err());
        assert!(InfoReply::decode(&bytes[..bytes.len() - 1]).is_err());
        assert!(InfoReply::decode(&[0x00, 0x05, 0x00, 0x09][..]).is_err());
    }

    #[test]
    fn a_user_block_round_trips() {
        let u = DirectoryUser {
            screen_name: "Flapjack Fan".into(),
            first_name: "Flap".into(),
            last_name: "Jack".into(),
            email: String::new(),
            city: "Austin".into(),
            state: "TX".into(),
            country: "US".into(),
        };
        let block = u.to_block();
        assert_eq!(block.len(), 6, "no e-mail TLV when there is none");
        assert_eq!(DirectoryUser::from_block(&block), u);
        let r = InfoReply::new(status::OK, std::slice::from_ref(&u));
        let back = InfoReply::decode(&encoded(|o| r.encode(o))).unwrap();
        assert_eq!(back.users().collect::<Vec<_>>(), [u]);
    }

    #[test]
    fn the_keyword_list_is_status_count_and_items() {
        let bytes = [
            0x00, 0x01, 0x00, 0x02, 0x01, 0x07, 0x00, 0x04, b'F', b'o', b'o', b'd', 0x02, 0x07,
            0x00, 0x08, b'P', b'a', b'n', b'c', b'a', b'k', b'e', b's',
        ];
        let r = KeywordListReply::decode(&bytes[..]).unwrap();
        assert_eq!(
            r.keywords,
            [
                Keyword { kind: keyword_kind::CATEGORY, parent: 7, name: "Food".into() },
                Keyword { kind: keyword_kind::KEYWORD, parent: 7, name: "Pancakes".into() },
            ]
        );
        assert_eq!(encoded(|o| r.encode(o)), bytes);
        assert!(KeywordListReply::decode(&bytes[..bytes.len() - 1]).is_err());
        assert!(KeywordListReply::decode(&[0x00, 0x01, 0xFF, 0xFF][..]).is_err());
    }
}
