//! Family 0x0009 PermitDeny: only the rights exchange is used (privacy lives in the feedbag).

/// The PermitDeny family number.
pub const FAMILY: u16 = 0x0009;

/// PermitDeny subtypes.
pub mod subtype {
    /// Error.
    pub const ERROR: u16 = 0x01;
    /// Rights query.
    pub const RIGHTS_QUERY: u16 = 0x02;
    /// Rights reply.
    pub const RIGHTS_REPLY: u16 = 0x03;
}

tlv_body!(
    /// 09/02: rights query (empty).
    PdRightsQuery
);

tlv_body!(
    /// 09/03: permit/deny limits (0x01 max permits, 0x02 max denies).
    PdRights
);

impl PdRights {
    /// How many permit entries the server stores.
    pub fn max_permits(&self) -> Option<u16> {
        self.tlvs.get_u16(0x0001)
    }

    /// How many deny entries the server stores.
    pub fn max_denies(&self) -> Option<u16> {
        self.tlvs.get_u16(0x0002)
    }
}
