//! Numeric codes the server sends (SNAC errors, auth errors, disconnect and missed-call
//! reasons, feedbag results), each with its human sentence kept in one place.

/// Declares a `u16`-backed code enum with an `Unknown` fallback, conversions and a description.
macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $value:expr => $text:expr,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
            /// A code this build does not know; shown with its number.
            Unknown(u16),
        }

        impl From<u16> for $name {
            fn from(v: u16) -> Self {
                match v {
                    $($value => $name::$variant,)*
                    other => $name::Unknown(other),
                }
            }
        }

        impl From<$name> for u16 {
            fn from(v: $name) -> u16 {
                match v {
                    $($name::$variant => $value,)*
                    $name::Unknown(other) => other,
                }
            }
        }

        impl $name {
            /// The human sentence for this code, for logs and status lines.
            pub fn description(&self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                    $name::Unknown(_) => "unknown code",
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{} (0x{:04X})", self.description(), u16::from(*self))
            }
        }
    };
}

code_enum! {
    /// The error code at the start of every `(family, 0x0001)` error SNAC (§2.2).
    SnacErrorCode {
        /// 0x01
        InvalidSnac = 0x01 => "invalid SNAC header",
        /// 0x02
        RateToHost = 0x02 => "server rate limit exceeded",
        /// 0x03
        RateToClient = 0x03 => "client rate limit exceeded",
        /// 0x04
        NotLoggedOn = 0x04 => "recipient is not logged on",
        /// 0x05
        ServiceUnavailable = 0x05 => "requested service unavailable",
        /// 0x06
        ServiceNotDefined = 0x06 => "requested service not defined",
        /// 0x07
        ObsoleteSnac = 0x07 => "obsolete SNAC",
        /// 0x08
        NotSupportedByHost = 0x08 => "not supported by host",
        /// 0x09
        NotSupportedByClient = 0x09 => "not supported by client",
        /// 0x0A
        RefusedByClient = 0x0A => "refused by client",
        /// 0x0B
        ReplyTooBig = 0x0B => "reply too big",
        /// 0x0C
        ResponsesLost = 0x0C => "responses lost",
        /// 0x0D
        RequestDenied = 0x0D => "request denied",
        /// 0x0E
        BustedPayload = 0x0E => "incorrect SNAC format",
        /// 0x0F
        InsufficientRights = 0x0F => "insufficient rights",
        /// 0x10
        Blocked = 0x10 => "in local permit/deny list (blocked)",
        /// 0x11
        SenderTooEvil = 0x11 => "sender too evil (warning level too high)",
        /// 0x12
        ReceiverTooEvil = 0x12 => "receiver too evil (warning level too high)",
        /// 0x13
        TemporarilyUnavailable = 0x13 => "user temporarily unavailable",
        /// 0x14
        NoMatch = 0x14 => "no match",
        /// 0x15
        ListOverflow = 0x15 => "list overflow",
        /// 0x16
        RequestAmbiguous = 0x16 => "request ambiguous",
        /// 0x17
        QueueFull = 0x17 => "server queue full",
        /// 0x18
        NotWhileOnAol = 0x18 => "not while on AOL",
        /// 0x19
        QueryFail = 0x19 => "query failed",
        /// 0x1A
        Timeout = 0x1A => "timeout",
        /// 0x1B
        ErrorText = 0x1B => "error text",
        /// 0x1C
        GeneralFailure = 0x1C => "general failure",
        /// 0x1D
        Progress = 0x1D => "progress",
        /// 0x1E
        InFreeArea = 0x1E => "in free area",
        /// 0x1F
        RestrictedLocal = 0x1F => "restricted by parental controls (local)",
        /// 0x20
        RestrictedRemote = 0x20 => "restricted by parental controls (remote)",
    }
}

code_enum! {
    /// BUCP / channel-4 TLV 0x0008 sign-on failure codes (§4.8).
    AuthErrorCode {
        /// 0x01
        InvalidCredentials = 0x0001 => "invalid screen name or password",
        /// 0x02
        ServiceTemporarilyUnavailable = 0x0002 => "service temporarily unavailable",
        /// 0x04
        IncorrectPassword = 0x0004 => "incorrect password",
        /// 0x05
        MismatchedPassword = 0x0005 => "incorrect screen name or password",
        /// 0x07
        InvalidAccount = 0x0007 => "invalid account",
        /// 0x08
        DeletedAccount = 0x0008 => "account deleted (or unknown ICQ number)",
        /// 0x09
        ExpiredAccount = 0x0009 => "account expired",
        /// 0x0A
        DatabaseError0A = 0x000A => "server database error",
        /// 0x0B
        DatabaseError0B = 0x000B => "server database error",
        /// 0x0C
        DatabaseError0C = 0x000C => "server database error",
        /// 0x0D
        ResolverError0D = 0x000D => "server resolver error",
        /// 0x0E
        ResolverError0E = 0x000E => "server resolver error",
        /// 0x0F
        DatabaseError0F = 0x000F => "server database error",
        /// 0x10
        DatabaseError10 = 0x0010 => "server database error",
        /// 0x11
        Suspended = 0x0011 => "account suspended",
        /// 0x14
        ServiceUnavailable = 0x0014 => "service unavailable",
        /// 0x16
        TooManyFromIp16 = 0x0016 => "too many users signed on from this address",
        /// 0x17
        TooManyFromIp17 = 0x0017 => "too many users signed on from this address",
        /// 0x18
        ConnectingTooOften = 0x0018 => "connecting too frequently; wait a few minutes",
        /// 0x19
        TooHeavilyWarned = 0x0019 => "too heavily warned",
        /// 0x1B
        ClientTooOldRequired = 0x001B => "client too old: an upgrade is required",
        /// 0x1C
        ClientTooOldRecommended = 0x001C => "client too old: an upgrade is recommended",
        /// 0x1D
        RateLimitedIp = 0x001D => "rate limited: connecting too frequently from this address",
        /// 0x20
        InvalidSecurId = 0x0020 => "invalid SecurID",
        /// 0x22
        SuspendedUnder13 = 0x0022 => "account suspended (user under 13)",
    }
}

code_enum! {
    /// Channel-4 TLV 0x0009 reasons for being disconnected (§1.5).
    DisconnectReason {
        /// 0x01
        OtherLocation = 0x0001 => "signed on from another location",
        /// 0x02
        AccountDeleted = 0x0002 => "account deleted",
    }
}

code_enum! {
    /// Why the server dropped messages, reported in 04/0A (§7.4).
    MissedCallReason {
        /// 0
        Invalid = 0 => "message was invalid",
        /// 1
        TooLarge = 1 => "message was too large",
        /// 2
        RateExceeded = 2 => "sender exceeded the rate limit",
        /// 3
        SenderTooEvil = 3 => "sender's warning level is too high",
        /// 4
        ReceiverTooEvil = 4 => "your warning level is too high",
    }
}

code_enum! {
    /// Per-item result in a 13/0E feedbag status reply (§6.3).
    FeedbagResult {
        /// 0x00
        Ok = 0x0000 => "ok",
        /// 0x02
        NotFound = 0x0002 => "item not found",
        /// 0x03
        AlreadyExists = 0x0003 => "item already exists",
        /// 0x0A
        InvalidData = 0x000A => "invalid item id or data",
        /// 0x0C
        LimitExceeded = 0x000C => "too many items of this kind",
        /// 0x0D
        IcqInAimList = 0x000D => "ICQ contact cannot be added to an AIM list",
        /// 0x0E
        AuthRequired = 0x000E => "contact requires authorization",
    }
}

code_enum! {
    /// The code at the start of a 01/0A rate change (§8.2).
    RateChangeCode {
        /// 1
        Changed = 1 => "rate parameters changed",
        /// 2
        Warning = 2 => "rate warning: slow down",
        /// 3
        Limited = 3 => "rate limited: messages are being dropped",
        /// 4
        Cleared = 4 => "rate limit cleared",
    }
}

code_enum! {
    /// The event in a 04/14 typing notification (§7.4).
    TypingEvent {
        /// 0
        Finished = 0 => "stopped typing",
        /// 1
        Paused = 1 => "typed text (paused)",
        /// 2
        Typing = 2 => "typing",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_convert_both_ways_and_describe_themselves() {
        assert_eq!(SnacErrorCode::from(4), SnacErrorCode::NotLoggedOn);
        assert_eq!(u16::from(SnacErrorCode::Blocked), 0x10);
        assert_eq!(SnacErrorCode::from(0x99), SnacErrorCode::Unknown(0x99));
        assert_eq!(u16::from(SnacErrorCode::Unknown(0x99)), 0x99);
        assert_eq!(
            AuthErrorCode::from(5).to_string(),
            "incorrect screen name or password (0x0005)"
        );
        assert_eq!(DisconnectReason::from(1), DisconnectReason::OtherLocation);
        assert_eq!(MissedCallReason::from(2).description(), "sender exceeded the rate limit");
        assert_eq!(FeedbagResult::from(0), FeedbagResult::Ok);
        assert_eq!(RateChangeCode::from(3), RateChangeCode::Limited);
        assert_eq!(u16::from(TypingEvent::Typing), 2);
    }
}
