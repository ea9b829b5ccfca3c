//! Family 0x000B Stats (§5.7): a server may ask a client to report usage statistics (0B/02);
//! a client that does sends 0B/03 and gets 0B/04. flapjack never reports; the embedded server
//! acknowledges reports from clients that send them, as Open OSCAR Server does.

use bytes::{BufMut, BytesMut};

use super::buf::{Reader, WireError};

/// The Stats family number.
pub const FAMILY: u16 = 0x000B;

/// Stats subtypes.
pub mod subtype {
    /// Error.
    pub const ERROR: u16 = 0x01;
    /// Server: the shortest interval between reports.
    pub const MIN_REPORT_INTERVAL: u16 = 0x02;
    /// Client: a usage report.
    pub const REPORT: u16 = 0x03;
    /// Server: the report was received.
    pub const REPORT_ACK: u16 = 0x04;
}

/// 0B/02: the shortest interval between usage reports the server accepts, in hours (Open
/// OSCAR Server sends 1 after 01/02).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MinReportInterval {
    /// Hours between reports, at least.
    pub hours: u16,
}

impl MinReportInterval {
    /// Decodes the body.
    pub fn decode<'a>(body: impl Into<Reader<'a>>) -> Result<Self, WireError> {
        Ok(MinReportInterval { hours: body.into().u16()? })
    }

    /// Encodes the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), WireError> {
        out.put_u16(self.hours);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oscar::{decode_snac_payload, snac_flap, SnacBody};

    #[test]
    fn min_report_interval_is_one_u16() {
        let flap = snac_flap(&SnacBody::StatsMinReportInterval(MinReportInterval { hours: 1 }), 7)
            .unwrap();
        assert_eq!(flap.payload.as_ref(), [0, 0x0B, 0, 2, 0, 0, 0, 0, 0, 7, 0, 1]);
        let (_, body) = decode_snac_payload(&flap.payload).unwrap();
        assert_eq!(body, SnacBody::StatsMinReportInterval(MinReportInterval { hours: 1 }));
        assert!(MinReportInterval::decode(&[0u8][..]).is_err());
    }

    #[test]
    fn a_report_decodes_whatever_it_carries() {
        // AIM 5.x reports are TLVs, others not; the body is never read, so none can fail.
        for body in [&[][..], &[0, 1, 0, 2, 0xAB, 0xCD][..], &[0xFF; 3][..]] {
            let mut payload = vec![0, 0x0B, 0, 3, 0, 0, 0, 0, 0, 9];
            payload.extend_from_slice(body);
            let (_, got) = decode_snac_payload(&bytes::Bytes::from(payload)).unwrap();
            assert_eq!(got, SnacBody::StatsReport);
        }
    }
}
