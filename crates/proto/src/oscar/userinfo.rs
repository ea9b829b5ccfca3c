//! The user-info block (§3.2) that presence, self-info and incoming-IM SNACs carry, and the
//! capability UUIDs (§3.3).

use bytes::{BufMut, BytesMut};

use super::buf::{put_str8, Reader, WireError};
use super::tlv::TlvBlock;

/// A 16-byte capability UUID as carried in user-info TLV 0x000D and 02/04 TLV 0x0005.
pub type Capability = [u8; 16];

/// Chat rooms.
pub const CAP_CHAT: Capability = uuid(0x748F2420, 0x6287, 0x11D1);
/// Buddy icons.
pub const CAP_BUDDY_ICON: Capability = uuid(0x09461346, 0x4C7F, 0x11D1);
/// File transfer.
pub const CAP_SEND_FILE: Capability = uuid(0x09461343, 0x4C7F, 0x11D1);
/// Direct IM.
pub const CAP_DIRECT_IM: Capability = uuid(0x09461345, 0x4C7F, 0x11D1);
/// ICQ server relay.
pub const CAP_ICQ_SERVER_RELAY: Capability = uuid(0x09461349, 0x4C7F, 0x11D1);
/// AIM/ICQ interoperation.
pub const CAP_INTEROPERATE: Capability = uuid(0x0946134D, 0x4C7F, 0x11D1);
/// UCS-2 (Unicode) instant messages.
pub const CAP_UNICODE: Capability = uuid(0x0946134E, 0x4C7F, 0x11D1);
/// XHTML instant messages and profiles (instead of AOL's HTML dialect): an ICQ peer
/// advertising it sends and accepts markup; one without it sends and expects plain text, and
/// Open OSCAR Server strips the markup an ICQ sender writes to it (§3.3, §10).
pub const CAP_XHTML_IM: Capability = uuid(0x09460002, 0x4C7F, 0x11D1);
/// Marker that short (u16) capabilities are understood.
pub const CAP_SHORT_CAPS: Capability = uuid(0x09460000, 0x4C7F, 0x11D1);
/// Typing notifications.
pub const CAP_TYPING: Capability = [
    0x56, 0x3F, 0xC8, 0x09, 0x0B, 0x6F, 0x41, 0xBD, 0x9F, 0x79, 0x42, 0x26, 0x09, 0xDF, 0xA2, 0xF3,
];

/// Builds one of the AOL capability UUIDs sharing the `8222 444553540000` tail.
const fn uuid(a: u32, b: u16, c: u16) -> Capability {
    let a = a.to_be_bytes();
    let b = b.to_be_bytes();
    let c = c.to_be_bytes();
    [a[0], a[1], a[2], a[3], b[0], b[1], c[0], c[1], 0x82, 0x22, 0x44, 0x45, 0x53, 0x54, 0x00, 0x00]
}

/// User-info TLV types (§3.2).
pub mod tlv {
    /// User class flags (u16; some servers send u32).
    pub const CLASS: u16 = 0x0001;
    /// Account creation time (u32 Unix seconds).
    pub const CREATED: u16 = 0x0002;
    /// Sign-on time (u32 Unix seconds).
    pub const SIGNON_TIME: u16 = 0x0003;
    /// Idle time in minutes (u16).
    pub const IDLE_MINUTES: u16 = 0x0004;
    /// Member-since time (u32 Unix seconds).
    pub const MEMBER_SINCE: u16 = 0x0005;
    /// ICQ status: high u16 flags, low u16 status (u32).
    pub const STATUS: u16 = 0x0006;
    /// External IPv4 address (u32).
    pub const EXTERNAL_IP: u16 = 0x000A;
    /// Direct-connect info (37 bytes).
    pub const DC_INFO: u16 = 0x000C;
    /// Capabilities, n × 16-byte UUIDs.
    pub const CAPABILITIES: u16 = 0x000D;
    /// Online time in seconds (u32).
    pub const ONLINE_TIME: u16 = 0x000F;
    /// BART ids: the buddy icon's hash, the status text (a run of ids, §15.1).
    pub const BART_INFO: u16 = 0x001D;
}

/// User class flag bits (TLV 0x0001).
pub mod class {
    /// Unconfirmed account.
    pub const UNCONFIRMED: u32 = 0x0001;
    /// Administrator.
    pub const ADMIN: u32 = 0x0002;
    /// AOL member.
    pub const AOL: u32 = 0x0004;
    /// Commercial account.
    pub const COMMERCIAL: u32 = 0x0008;
    /// Free AIM account.
    pub const AIM: u32 = 0x0010;
    /// Away / unavailable.
    pub const AWAY: u32 = 0x0020;
    /// ICQ account.
    pub const ICQ: u32 = 0x0040;
    /// Wireless (mobile) user.
    pub const WIRELESS: u32 = 0x0080;
    /// Bot.
    pub const BOT: u32 = 0x0400;
}

/// Who a user is and what the server says about them right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    /// The screen name as the server formats it (compare with `ScreenName`, not `==`).
    pub screen_name: String,
    /// Warning level in tenths of a percent.
    pub warning_level: u16,
    /// The block's TLVs, in wire order.
    pub tlvs: TlvBlock,
}

impl UserInfo {
    /// A block with no TLVs (what a departure notice carries).
    pub fn new(screen_name: impl Into<String>) -> Self {
        UserInfo { screen_name: screen_name.into(), warning_level: 0, tlvs: TlvBlock::new() }
    }

    /// Reads one block, leaving anything after its TLVs to the enclosing SNAC.
    pub fn read(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let screen_name = r.string8()?;
        let warning_level = r.u16()?;
        let tlvs = TlvBlock::read_counted(r)?;
        Ok(UserInfo { screen_name, warning_level, tlvs })
    }

    /// Decodes one block from the front of `input` and returns the bytes that follow it.
    pub fn decode_prefix(input: &[u8]) -> Result<(Self, &[u8]), WireError> {
        let mut r = Reader::new(input);
        let info = Self::read(&mut r)?;
        Ok((info, r.rest()))
    }

    /// Writes the block.
    pub fn write(&self, out: &mut BytesMut) -> Result<(), WireError> {
        put_str8(out, "screen name", self.screen_name.as_bytes())?;
        out.put_u16(self.warning_level);
        self.tlvs.write_counted(out)
    }

    /// User class flags, accepting the u16 most servers send and the u32 some documents describe.
    pub fn class(&self) -> Option<u32> {
        self.tlvs.get_u16(tlv::CLASS).map(u32::from).or_else(|| self.tlvs.get_u32(tlv::CLASS))
    }

    /// The BART ids of TLV 0x1D (empty without it); an error when the run does not decode.
    pub fn bart_ids(&self) -> Result<Vec<super::bart::BartId>, WireError> {
        match self.tlvs.get(tlv::BART_INFO) {
            Some(t) => super::bart::read_ids(t.value),
            None => Ok(Vec::new()),
        }
    }

    /// The buddy icon named in TLV 0x1D: `Ok(None)` when the block has no TLV 0x1D (nothing
    /// said), `Ok(Some(None))` when it says there is no icon (or a cleared one), an error when
    /// the TLV does not decode.
    pub fn buddy_icon(&self) -> Result<Option<Option<super::bart::BartId>>, WireError> {
        if !self.tlvs.has(tlv::BART_INFO) {
            return Ok(None);
        }
        Ok(Some(self.bart_ids()?.into_iter().find(super::bart::BartId::is_icon)))
    }

    /// Sets TLV 0x1D to `ids` (removes it when empty).
    pub fn set_bart_ids(&mut self, ids: &[super::bart::BartId]) -> Result<(), WireError> {
        if ids.is_empty() {
            self.tlvs.remove(tlv::BART_INFO);
        } else {
            self.tlvs.set(tlv::BART_INFO, super::bart::write_ids(ids)?);
        }
        Ok(())
    }

    /// Whether the class flags say the user is away.
    pub fn is_away(&self) -> bool {
        self.class().is_some_and(|c| c & class::AWAY != 0)
    }

    /// Sign-on time in Unix seconds.
    pub fn signon_time(&self) -> Option<u32> {
        self.tlvs.get_u32(tlv::SIGNON_TIME)
    }

    /// Idle time in minutes (absent or 0 = not idle).
    pub fn idle_minutes(&self) -> Option<u16> {
        self.tlvs.get_u16(tlv::IDLE_MINUTES)
    }

    /// ICQ status word: high u16 flags, low u16 status (§9.3).
    pub fn status(&self) -> Option<u32> {
        self.tlvs.get_u32(tlv::STATUS)
    }

    /// The ICQ status from TLV 0x0006, when the block carries one (§9.3).
    pub fn icq_status(&self) -> Option<IcqStatus> {
        self.status().map(IcqStatus::from_word)
    }

    /// Online time in seconds.
    pub fn online_time(&self) -> Option<u32> {
        self.tlvs.get_u32(tlv::ONLINE_TIME)
    }

    /// Capabilities from TLV 0x000D; a trailing partial UUID is ignored.
    pub fn capabilities(&self) -> Vec<Capability> {
        self.tlvs.value(tlv::CAPABILITIES).map(split_capabilities).unwrap_or_default()
    }

    /// Whether the user advertises `cap`.
    pub fn has_capability(&self, cap: &Capability) -> bool {
        self.capabilities().contains(cap)
    }

    /// Sets the class flags as the u16 docs/protocol.md recommends sending (§12 #2).
    pub fn set_class(&mut self, flags: u16) {
        self.tlvs.set(tlv::CLASS, flags.to_be_bytes().to_vec());
    }

    /// Sets a u32 TLV such as [`tlv::SIGNON_TIME`], [`tlv::STATUS`] or [`tlv::ONLINE_TIME`].
    pub fn set_u32(&mut self, kind: u16, v: u32) {
        self.tlvs.set(kind, v.to_be_bytes().to_vec());
    }

    /// Sets the idle time in minutes.
    pub fn set_idle_minutes(&mut self, minutes: u16) {
        self.tlvs.set(tlv::IDLE_MINUTES, minutes.to_be_bytes().to_vec());
    }

    /// Sets the capabilities TLV.
    pub fn set_capabilities(&mut self, caps: &[Capability]) {
        self.tlvs.set(tlv::CAPABILITIES, caps.concat());
    }
}

/// The ICQ statuses a user can pick, as 01/1E sets them and user-info TLV 0x0006 reports them
/// (§9.3). The wire word has flags in its high half (web aware, hide IP, …) and status bits in
/// its low half; clients set several bits for one status (ICQ's "do not disturb" is 0x0013).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum IcqStatus {
    /// Available (no status bit).
    #[default]
    Online,
    /// Away (0x0001).
    Away,
    /// Not available, "extended away" (0x0004, sent as 0x0005).
    NotAvailable,
    /// Occupied (0x0010, sent as 0x0011).
    Occupied,
    /// Do not disturb (0x0002, sent as 0x0013).
    DoNotDisturb,
    /// Free for chat (0x0020).
    FreeForChat,
    /// Invisible (0x0100): servers hide the user from everyone.
    Invisible,
}

/// ICQ status bits of the low half of TLV 0x0006 (§9.3).
pub mod status_bits {
    /// Away.
    pub const AWAY: u32 = 0x0001;
    /// Do not disturb.
    pub const DND: u32 = 0x0002;
    /// Not available.
    pub const NA: u32 = 0x0004;
    /// Occupied.
    pub const OCCUPIED: u32 = 0x0010;
    /// Free for chat.
    pub const FFC: u32 = 0x0020;
    /// Invisible.
    pub const INVISIBLE: u32 = 0x0100;
}

impl IcqStatus {
    /// Every status, in the order menus list them.
    pub const ALL: [IcqStatus; 7] = [
        IcqStatus::Online,
        IcqStatus::Away,
        IcqStatus::NotAvailable,
        IcqStatus::Occupied,
        IcqStatus::DoNotDisturb,
        IcqStatus::FreeForChat,
        IcqStatus::Invisible,
    ];

    /// Reads a TLV 0x0006 word. The flags half is ignored; of several status bits the
    /// strongest wins (invisible, then do not disturb, occupied, not available, away, free for
    /// chat), which is how ICQ's combined values (0x0013, 0x0011, 0x0005) come out right.
    pub fn from_word(word: u32) -> Self {
        use status_bits::*;
        let bits = word & 0xFFFF;
        if bits & INVISIBLE != 0 {
            IcqStatus::Invisible
        } else if bits & DND != 0 {
            IcqStatus::DoNotDisturb
        } else if bits & OCCUPIED != 0 {
            IcqStatus::Occupied
        } else if bits & NA != 0 {
            IcqStatus::NotAvailable
        } else if bits & AWAY != 0 {
            IcqStatus::Away
        } else if bits & FFC != 0 {
            IcqStatus::FreeForChat
        } else {
            IcqStatus::Online
        }
    }

    /// The word 01/1E sends: the status bits ICQ clients send for it, no flags.
    pub fn word(self) -> u32 {
        use status_bits::*;
        match self {
            IcqStatus::Online => 0,
            IcqStatus::Away => AWAY,
            IcqStatus::NotAvailable => NA | AWAY,
            IcqStatus::Occupied => OCCUPIED | AWAY,
            IcqStatus::DoNotDisturb => DND | OCCUPIED | AWAY,
            IcqStatus::FreeForChat => FFC,
            IcqStatus::Invisible => INVISIBLE,
        }
    }

    /// The short name `/status` takes and `--listen` prints (`online`, `na`, `dnd`, …).
    pub fn name(self) -> &'static str {
        match self {
            IcqStatus::Online => "online",
            IcqStatus::Away => "away",
            IcqStatus::NotAvailable => "na",
            IcqStatus::Occupied => "occupied",
            IcqStatus::DoNotDisturb => "dnd",
            IcqStatus::FreeForChat => "ffc",
            IcqStatus::Invisible => "invisible",
        }
    }

    /// The status a short name (as [`IcqStatus::name`] gives, any case) stands for.
    pub fn from_name(name: &str) -> Option<Self> {
        IcqStatus::ALL.into_iter().find(|s| s.name().eq_ignore_ascii_case(name))
    }
}

/// Splits concatenated 16-byte UUIDs, dropping a trailing partial one.
pub fn split_capabilities(bytes: &[u8]) -> Vec<Capability> {
    bytes.chunks_exact(16).filter_map(|c| Capability::try_from(c).ok()).collect()
}

#[cfg(any(test, feature = "strategies"))]
pub mod strategy {
    //! Proptest generator for user-info blocks.
    use super::*;
    use proptest::prelude::*;

    /// Any user-info block with a printable screen name.
    pub fn user_info() -> impl Strategy<Value = UserInfo> {
        ("[a-zA-Z0-9 ]{1,16}", any::<u16>(), crate::oscar::tlv::strategy::block()).prop_map(
            |(screen_name, warning_level, tlvs)| UserInfo { screen_name, warning_level, tlvs },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn capability_constants_match_the_table() {
        assert_eq!(hex::encode(CAP_CHAT), "748f2420628711d18222444553540000");
        assert_eq!(hex::encode(CAP_UNICODE), "0946134e4c7f11d18222444553540000");
        assert_eq!(hex::encode(CAP_TYPING), "563fc8090b6f41bd9f79422609dfa2f3");
        assert_eq!(hex::encode(CAP_XHTML_IM), "094600024c7f11d18222444553540000");
    }

    #[test]
    fn icq_status_words_read_as_icq_clients_send_them() {
        // The combined values ICQ 2000b-era clients and libpurple send (§9.3).
        let cases = [
            (0x0000_0000, IcqStatus::Online),
            (0x0000_0001, IcqStatus::Away),
            (0x0000_0005, IcqStatus::NotAvailable),
            (0x0000_0004, IcqStatus::NotAvailable),
            (0x0000_0011, IcqStatus::Occupied),
            (0x0000_0010, IcqStatus::Occupied),
            (0x0000_0013, IcqStatus::DoNotDisturb),
            (0x0000_0002, IcqStatus::DoNotDisturb),
            (0x0000_0020, IcqStatus::FreeForChat),
            (0x0000_0100, IcqStatus::Invisible),
            (0x0000_0113, IcqStatus::Invisible),
            // Flags in the high half (hide IP, DC auth, web aware) change nothing.
            (0x1003_0005, IcqStatus::NotAvailable),
            (0x1002_0000, IcqStatus::Online),
        ];
        for (word, want) in cases {
            assert_eq!(IcqStatus::from_word(word), want, "{word:#010x}");
        }
        assert_eq!(IcqStatus::NotAvailable.word(), 0x0005);
        assert_eq!(IcqStatus::DoNotDisturb.word(), 0x0013);
        assert_eq!(IcqStatus::Occupied.word(), 0x0011);
        let mut info = UserInfo::new("123456");
        assert_eq!(info.icq_status(), None);
        info.set_u32(tlv::STATUS, 0x0002_0005);
        assert_eq!(info.icq_status(), Some(IcqStatus::NotAvailable));
    }

    #[test]
    fn icq_status_names() {
        for s in IcqStatus::ALL {
            assert_eq!(IcqStatus::from_name(s.name()), Some(s));
        }
        assert_eq!(IcqStatus::from_name("DND"), Some(IcqStatus::DoNotDisturb));
        assert_eq!(IcqStatus::from_name("N/A"), None);
        assert_eq!(IcqStatus::from_name(""), None);
    }

    #[test]
    fn accessors_read_typed_values() {
        let mut info = UserInfo::new("bob");
        info.set_class(0x0030);
        info.set_u32(tlv::SIGNON_TIME, 1_262_304_000);
        info.set_idle_minutes(7);
        info.set_u32(tlv::STATUS, 0x0002_0001);
        info.set_u32(tlv::ONLINE_TIME, 300);
        info.set_capabilities(&[CAP_CHAT, CAP_TYPING]);
        assert_eq!(info.class(), Some(0x30));
        assert!(info.is_away());
        assert_eq!(info.signon_time(), Some(1_262_304_000));
        assert_eq!(info.idle_minutes(), Some(7));
        assert_eq!(info.status(), Some(0x0002_0001));
        assert_eq!(info.online_time(), Some(300));
        assert!(info.has_capability(&CAP_TYPING));
        assert!(!info.has_capability(&CAP_UNICODE));
        // Class flags sent as u32 are accepted too.
        info.tlvs.set(tlv::CLASS, 0x0000_0010u32.to_be_bytes().to_vec());
        assert_eq!(info.class(), Some(0x10));
        assert!(!info.is_away());
    }

    #[test]
    fn departure_with_zero_tlvs_and_trailing_bytes() {
        let input = [0x03, b'b', b'o', b'b', 0x00, 0x00, 0x00, 0x00, 0xAA, 0xBB];
        let (info, rest) = UserInfo::decode_prefix(&input).unwrap();
        assert_eq!(info, UserInfo::new("bob"));
        assert_eq!(rest, [0xAA, 0xBB]);
        assert!(UserInfo::decode_prefix(&input[..5]).is_err());
        assert!(UserInfo::decode_prefix(&[0x03, b'b', b'o', b'b', 0, 0, 0, 1]).is_err());
    }

    proptest! {
        #[test]
        fn round_trips(info in strategy::user_info(), tail in proptest::collection::vec(any::<u8>(), 0..8)) {
            let mut out = BytesMut::new();
            info.write(&mut out).unwrap();
            out.extend_from_slice(&tail);
            let (back, rest) = UserInfo::decode_prefix(&out).unwrap();
            prop_assert_eq!(back, info);
            prop_assert_eq!(rest, &tail[..]);
        }

        #[test]
        fn icq_status_word_round_trips(i in 0usize..7, flags in any::<u16>()) {
            let s = IcqStatus::ALL[i];
            prop_assert_eq!(IcqStatus::from_word(s.word()), s);
            prop_assert_eq!(IcqStatus::from_word(u32::from(flags) << 16 | s.word()), s);
        }

        #[test]
        fn any_status_word_reads_as_a_status_that_writes_back_to_itself(word in any::<u32>()) {
            let s = IcqStatus::from_word(word);
            prop_assert_eq!(IcqStatus::from_word(s.word()), s);
        }
    }
}
