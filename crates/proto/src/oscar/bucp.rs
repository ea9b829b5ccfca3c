//! Family 0x0017 BUCP: MD5 challenge/response login on the auth host (§4.6).

use bytes::BytesMut;
use md5::{Digest, Md5};

use super::buf::{put_str16, Reader, WireError};
use super::codes::AuthErrorCode;
use super::tlv::TlvBlock;

/// The BUCP family number.
pub const FAMILY: u16 = 0x0017;

/// BUCP subtypes.
pub mod subtype {
    /// Error.
    pub const ERROR: u16 = 0x01;
    /// Login request (hash).
    pub const LOGIN_REQUEST: u16 = 0x02;
    /// Login reply (BOS address + cookie, or error).
    pub const LOGIN_REPLY: u16 = 0x03;
    /// Challenge request.
    pub const CHALLENGE_REQUEST: u16 = 0x06;
    /// Challenge (auth key) reply.
    pub const CHALLENGE_REPLY: u16 = 0x07;
}

/// BUCP and channel-4 TLV types.
pub mod tlv {
    /// Screen name.
    pub const SCREEN_NAME: u16 = 0x0001;
    /// Client id string.
    pub const CLIENT_ID_STRING: u16 = 0x0003;
    /// Error URL.
    pub const ERROR_URL: u16 = 0x0004;
    /// BOS `host[:port]`.
    pub const BOS_ADDRESS: u16 = 0x0005;
    /// Login cookie.
    pub const COOKIE: u16 = 0x0006;
    /// Auth error code (u16).
    pub const ERROR_CODE: u16 = 0x0008;
    /// Disconnect reason (u8 or u16).
    pub const DISCONNECT_REASON: u16 = 0x0009;
    /// E-mail address.
    pub const EMAIL: u16 = 0x0011;
    /// Password hash.
    pub const PASSWORD_HASH: u16 = 0x0025;
    /// Truncate password to 8 characters (in 17/07).
    pub const TRUNCATE_PASSWORD: u16 = 0x0026;
    /// Multi-connection flag (u8).
    pub const MULTI_CONN: u16 = 0x004A;
    /// Hash is the strong (MD5-of-password) variant.
    pub const USE_STRONG_HASH: u16 = 0x004C;
    /// The certificate name to verify when BOS is reached over TLS (17/03, §4.6).
    pub const SSL_CERT_NAME: u16 = 0x008D;
    /// SSL state of the BOS connection (u8, 17/03, §4.6): 0 not used, 1 use, 2 use with resume.
    pub const SSL_STATE: u16 = 0x008E;
}

/// The realm string both BUCP hashes end with.
pub const AIM_MD5_STRING: &[u8] = b"AOL Instant Messenger (SM)";

/// `MD5(key || password || realm)`: the old hash some servers and clients still use.
pub fn weak_hash(key: &[u8], password: &[u8]) -> [u8; 16] {
    Md5::new()
        .chain_update(key)
        .chain_update(password)
        .chain_update(AIM_MD5_STRING)
        .finalize()
        .into()
}

/// `MD5(key || MD5(password) || realm)`: the hash clients send with TLV 0x004C.
pub fn strong_hash(key: &[u8], password: &[u8]) -> [u8; 16] {
    let inner: [u8; 16] = Md5::digest(password).into();
    weak_hash(key, &inner)
}

tlv_body!(
    /// 17/06: ask for the auth key of a screen name.
    ChallengeRequest
);

impl ChallengeRequest {
    /// A request for `screen_name`.
    pub fn new(screen_name: &str) -> Self {
        ChallengeRequest {
            tlvs: TlvBlock::new().with(tlv::SCREEN_NAME, screen_name.as_bytes().to_vec()),
        }
    }

    /// The screen name asked about.
    pub fn screen_name(&self) -> Option<String> {
        self.tlvs.get_str(tlv::SCREEN_NAME)
    }
}

/// 17/07: the auth key (u16 length + bytes), optionally followed by TLVs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChallengeReply {
    /// The key to hash with.
    pub key: Vec<u8>,
    /// Trailing TLVs (0x0026 = truncate the password to 8).
    pub tlvs: TlvBlock,
}

impl ChallengeReply {
    /// Decodes the body.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        let mut r: Reader<'a> = body.into();
        let key = r.str16()?.to_vec();
        Ok(ChallengeReply { key, tlvs: TlvBlock::read_rest(&mut r)? })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        put_str16(out, "auth key", &self.key)?;
        self.tlvs.write_rest(out)
    }
}

tlv_body!(
    /// 17/02: the login request carrying the password hash and client identification.
    LoginRequest
);

/// Identification a client sends in 17/02 (and in the BOS hello).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientIdent {
    /// e.g. `AOL Instant Messenger, version 5.1.3036/WIN32`.
    pub name: String,
    /// 0x0109 AIM, 0x010A ICQ.
    pub id: u16,
    /// Major, minor, point, build.
    pub version: [u16; 4],
    /// Distribution id.
    pub distribution: u32,
}

impl LoginRequest {
    /// A request with the strong hash of `password` under `key`, as §4.6 recommends.
    pub fn strong(screen_name: &str, key: &[u8], password: &[u8], client: &ClientIdent) -> Self {
        let mut tlvs = TlvBlock::new()
            .with(tlv::SCREEN_NAME, screen_name.as_bytes().to_vec())
            .with(tlv::CLIENT_ID_STRING, client.name.as_bytes().to_vec())
            .with(tlv::PASSWORD_HASH, strong_hash(key, password).to_vec())
            .with_u16(0x0016, client.id);
        for (kind, v) in (0x0017..=0x001A).zip(client.version) {
            tlvs.push(kind, v.to_be_bytes().to_vec());
        }
        let tlvs = tlvs
            .with_u32(0x0014, client.distribution)
            .with(0x000F, b"en".to_vec())
            .with(0x000E, b"us".to_vec())
            .with_u8(tlv::MULTI_CONN, 0x01)
            .with(tlv::USE_STRONG_HASH, Vec::new());
        LoginRequest { tlvs }
    }

    /// The screen name logging in.
    pub fn screen_name(&self) -> Option<String> {
        self.tlvs.get_str(tlv::SCREEN_NAME)
    }

    /// The 16-byte hash, if present and the right size.
    pub fn password_hash(&self) -> Option<[u8; 16]> {
        self.tlvs.value(tlv::PASSWORD_HASH).and_then(|v| v.try_into().ok())
    }

    /// Whether the client says it sent the strong hash.
    pub fn uses_strong_hash(&self) -> bool {
        self.tlvs.has(tlv::USE_STRONG_HASH)
    }

    /// Whether the hash matches `password` under `key` in either variant (servers accept both).
    pub fn hash_matches(&self, key: &[u8], password: &[u8]) -> bool {
        self.password_hash()
            .is_some_and(|h| h == strong_hash(key, password) || h == weak_hash(key, password))
    }
}

tlv_body!(
    /// 17/03 (and a channel-4 close after legacy login): success or failure of a login.
    LoginReply
);

/// What a 17/03 (or channel-4 close) says about the login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginOutcome {
    /// Go to `bos_address` and present `cookie`.
    Success {
        /// The screen name as the server formats it.
        screen_name: Option<String>,
        /// BOS `host[:port]` (default port 5190).
        bos_address: String,
        /// The login cookie.
        cookie: Vec<u8>,
    },
    /// The login was refused.
    Failure {
        /// The reason code (TLV 0x0008); absent codes are reported as `Unknown(0)`.
        code: AuthErrorCode,
        /// An explanatory URL, if any.
        url: Option<String>,
    },
}

impl LoginReply {
    /// A successful reply.
    pub fn success(screen_name: &str, bos_address: &str, cookie: &[u8]) -> Self {
        LoginReply {
            tlvs: TlvBlock::new()
                .with(tlv::SCREEN_NAME, screen_name.as_bytes().to_vec())
                .with(tlv::BOS_ADDRESS, bos_address.as_bytes().to_vec())
                .with(tlv::COOKIE, cookie.to_vec()),
        }
    }

    /// A failed reply.
    pub fn failure(screen_name: &str, code: AuthErrorCode) -> Self {
        LoginReply {
            tlvs: TlvBlock::new()
                .with(tlv::SCREEN_NAME, screen_name.as_bytes().to_vec())
                .with_u16(tlv::ERROR_CODE, code.into()),
        }
    }

    /// Adds the SSL state (TLV 0x8E) and, when given, the certificate name (TLV 0x8D).
    pub fn with_ssl(mut self, state: u8, cert_name: Option<&str>) -> Self {
        self.tlvs = self.tlvs.with_u8(tlv::SSL_STATE, state);
        if let Some(name) = cert_name {
            self.tlvs = self.tlvs.with(tlv::SSL_CERT_NAME, name.as_bytes().to_vec());
        }
        self
    }

    /// Whether the reply tells the client to reach BOS over TLS: SSL state (TLV 0x8E) 1 or 2.
    /// Absent or 0 means plain BOS (Open OSCAR Server always sends 0, even behind stunnel).
    pub fn bos_uses_tls(&self) -> bool {
        matches!(self.tlvs.get_u8(tlv::SSL_STATE), Some(1 | 2))
    }

    /// The certificate name to check BOS's certificate against (TLV 0x8D), if given.
    pub fn ssl_cert_name(&self) -> Option<String> {
        self.tlvs.get_str(tlv::SSL_CERT_NAME).filter(|s| !s.is_empty())
    }

    /// Interprets the TLVs: success needs both a BOS address and a cookie.
    pub fn outcome(&self) -> LoginOutcome {
        match (self.tlvs.get_str(tlv::BOS_ADDRESS), self.tlvs.value(tlv::COOKIE)) {
            (Some(bos_address), Some(cookie)) if !self.tlvs.has(tlv::ERROR_CODE) => {
                LoginOutcome::Success {
                    screen_name: self.tlvs.get_str(tlv::SCREEN_NAME),
                    bos_address,
                    cookie: cookie.to_vec(),
                }
            }
            _ => LoginOutcome::Failure {
                code: AuthErrorCode::from(self.tlvs.get_u16(tlv::ERROR_CODE).unwrap_or(0)),
                url: self.tlvs.get_str(tlv::ERROR_URL),
            },
        }
    }
}

/// Writes a 17/07 body from a key alone, the common case for servers.
pub fn challenge_reply(key: &[u8], out: &mut BytesMut) -> Result<(), WireError> {
    ChallengeReply { key: key.to_vec(), tlvs: TlvBlock::new() }.encode(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_vectors_11_3() {
        assert_eq!(
            hex::encode(weak_hash(b"3141592653", b"hunter2")),
            "a318b2b33ffc915c84982ba8ee7982e4"
        );
        assert_eq!(
            hex::encode(strong_hash(b"3141592653", b"hunter2")),
            "d3805264376e4dc1aedfa28f700c44dd"
        );
    }

    #[test]
    fn icq_digest_vector_11_4_is_the_strong_hash() {
        assert_eq!(
            hex::encode(strong_hash(b"8675309421", b"qwerty12")),
            "911511d5d04805cc56d90e32b3586aeb"
        );
    }

    #[test]
    fn login_request_carries_a_verifiable_hash() {
        let client = ClientIdent {
            name: "flapjack".into(),
            id: 0x0109,
            version: [5, 1, 0, 3036],
            distribution: 1717,
        };
        let req = LoginRequest::strong("Bob", b"3141592653", b"hunter2", &client);
        assert_eq!(req.screen_name().as_deref(), Some("Bob"));
        assert!(req.uses_strong_hash());
        assert!(req.hash_matches(b"3141592653", b"hunter2"));
        assert!(!req.hash_matches(b"3141592653", b"hunter3"));
        assert_eq!(req.tlvs.get_u16(0x001A), Some(3036));
    }

    #[test]
    fn key_reply_is_u16_prefixed() {
        let mut out = BytesMut::new();
        challenge_reply(b"3141592653", &mut out).unwrap();
        assert_eq!(&out[..2], [0, 10]);
        let r = ChallengeReply::decode(&out).unwrap();
        assert_eq!(r.key, b"3141592653");
        assert!(ChallengeReply::decode(&out[..5]).is_err());
    }

    #[test]
    fn ssl_state_and_certificate_name() {
        let plain = LoginReply::success("Bob", "10.0.0.1:5190", b"c");
        assert!(!plain.bos_uses_tls() && plain.ssl_cert_name().is_none());
        assert!(!plain.clone().with_ssl(0, None).bos_uses_tls());
        let tls = plain.clone().with_ssl(1, Some("bos.example"));
        assert!(tls.bos_uses_tls());
        assert_eq!(tls.ssl_cert_name().as_deref(), Some("bos.example"));
        assert!(plain.clone().with_ssl(2, None).bos_uses_tls());
        assert!(!plain.with_ssl(7, None).bos_uses_tls());
    }

    #[test]
    fn login_outcomes() {
        let ok = LoginReply::success("Bob", "127.0.0.1:5191", &[1, 2, 3]);
        assert_eq!(
            ok.outcome(),
            LoginOutcome::Success {
                screen_name: Some("Bob".into()),
                bos_address: "127.0.0.1:5191".into(),
                cookie: vec![1, 2, 3]
            }
        );
        let bad = LoginReply::failure("Bob", AuthErrorCode::MismatchedPassword);
        assert_eq!(
            bad.outcome(),
            LoginOutcome::Failure { code: AuthErrorCode::MismatchedPassword, url: None }
        );
    }
}
