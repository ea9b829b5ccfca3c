//! Numeric codes the server sends (SNAC errors, auth errors, disconnect and missed-call
//! reasons, feedbag results), each with its human sentence kept in one place.

/// Declares a `u16`-backed code enum with an `Unknown` fallback, conversions and a description.
macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $value:literal => $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $(#[doc = $text] $variant,)*
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
        InvalidSnac = 0x01 => "invalid SNAC header",
        RateToHost = 0x02 => "server rate limit exceeded",
        RateToClient = 0x03 => "client rate limit exceeded",
        NotLoggedOn = 0x04 => "recipient is not logged on",
        ServiceUnavailable = 0x05 => "requested service unavailable",
        ServiceNotDefined = 0x06 => "requested service not defined",
        ObsoleteSnac = 0x07 => "obsolete SNAC",
        NotSupportedByHost = 0x08 => "not supported by host",
        NotSupportedByClient = 0x09 => "not supported by client",
        RefusedByClient = 0x0A => "refused by client",
        ReplyTooBig = 0x0B => "reply too big",
        ResponsesLost = 0x0C => "responses lost",
        RequestDenied = 0x0D => "request denied",
        BustedPayload = 0x0E => "incorrect SNAC format",
        InsufficientRights = 0x0F => "insufficient rights",
        Blocked = 0x10 => "in local permit/deny list (blocked)",
        SenderTooEvil = 0x11 => "sender too evil (warning level too high)",
        ReceiverTooEvil = 0x12 => "receiver too evil (warning level too high)",
        TemporarilyUnavailable = 0x13 => "user temporarily unavailable",
        NoMatch = 0x14 => "no match",
        ListOverflow = 0x15 => "list overflow",
        RequestAmbiguous = 0x16 => "request ambiguous",
        QueueFull = 0x17 => "server queue full",
        NotWhileOnAol = 0x18 => "not while on AOL",
        QueryFail = 0x19 => "query failed",
        Timeout = 0x1A => "timeout",
        ErrorText = 0x1B => "error text",
        GeneralFailure = 0x1C => "general failure",
        Progress = 0x1D => "progress",
        InFreeArea = 0x1E => "in free area",
        RestrictedLocal = 0x1F => "restricted by parental controls (local)",
        RestrictedRemote = 0x20 => "restricted by parental controls (remote)",
    }
}

code_enum! {
    /// BUCP / channel-4 TLV 0x0008 sign-on failure codes (§4.8).
    AuthErrorCode {
        InvalidCredentials = 0x0001 => "invalid screen name or password",
        ServiceTemporarilyUnavailable = 0x0002 => "service temporarily unavailable",
        IncorrectPassword = 0x0004 => "incorrect password",
        MismatchedPassword = 0x0005 => "incorrect screen name or password",
        InvalidAccount = 0x0007 => "invalid account",
        DeletedAccount = 0x0008 => "account deleted (or unknown ICQ number)",
        ExpiredAccount = 0x0009 => "account expired",
        DatabaseError0A = 0x000A => "server database error",
        DatabaseError0B = 0x000B => "server database error",
        DatabaseError0C = 0x000C => "server database error",
        ResolverError0D = 0x000D => "server resolver error",
        ResolverError0E = 0x000E => "server resolver error",
        DatabaseError0F = 0x000F => "server database error",
        DatabaseError10 = 0x0010 => "server database error",
        Suspended = 0x0011 => "account suspended",
        ServiceUnavailable = 0x0014 => "service unavailable",
        TooManyFromIp16 = 0x0016 => "too many users signed on from this address",
        TooManyFromIp17 = 0x0017 => "too many users signed on from this address",
        ConnectingTooOften = 0x0018 => "connecting too frequently; wait a few minutes",
        TooHeavilyWarned = 0x0019 => "too heavily warned",
        ClientTooOldRequired = 0x001B => "client too old: an upgrade is required",
        ClientTooOldRecommended = 0x001C => "client too old: an upgrade is recommended",
        RateLimitedIp = 0x001D => "rate limited: connecting too frequently from this address",
        InvalidSecurId = 0x0020 => "invalid SecurID",
        SuspendedUnder13 = 0x0022 => "account suspended (user under 13)",
    }
}

code_enum! {
    /// Channel-4 TLV 0x0009 reasons for being disconnected (§1.5).
    DisconnectReason {
        OtherLocation = 0x0001 => "signed on from another location",
        AccountDeleted = 0x0002 => "account deleted",
    }
}

code_enum! {
    /// Why the server dropped messages, reported in 04/0A (§7.4).
    MissedCallReason {
        Invalid = 0 => "message was invalid",
        TooLarge = 1 => "message was too large",
        RateExceeded = 2 => "sender exceeded the rate limit",
        SenderTooEvil = 3 => "sender's warning level is too high",
        ReceiverTooEvil = 4 => "your warning level is too high",
    }
}

code_enum! {
    /// Per-item result in a 13/0E feedbag status reply (§6.3).
    FeedbagResult {
        Ok = 0x0000 => "ok",
        NotFound = 0x0002 => "item not found",
        AlreadyExists = 0x0003 => "item already exists",
        InvalidData = 0x000A => "invalid item id or data",
        LimitExceeded = 0x000C => "too many items of this kind",
        IcqInAimList = 0x000D => "ICQ contact cannot be added to an AIM list",
        AuthRequired = 0x000E => "contact requires authorization",
    }
}

code_enum! {
    /// The code at the start of a 01/0A rate change (§8.2).
    RateChangeCode {
        Changed = 1 => "rate parameters changed",
        Warning = 2 => "rate warning: slow down",
        Limited = 3 => "rate limited: messages are being dropped",
        Cleared = 4 => "rate limit cleared",
    }
}

code_enum! {
    /// The event in a 04/14 typing notification (§7.4).
    TypingEvent {
        Finished = 0 => "stopped typing",
        Paused = 1 => "typed text (paused)",
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
