//! FLAP framing (§1): the 6-byte header and a tokio codec that only frames, never interprets.

use bytes::{Buf, BufMut, Bytes, BytesMut};
use thiserror::Error;
use tokio_util::codec::{Decoder, Encoder};

/// The byte every FLAP frame starts with (`*`).
pub const FLAP_START: u8 = 0x2A;
/// Size of the FLAP header in bytes.
pub const FLAP_HEADER_LEN: usize = 6;
/// The largest payload a FLAP length field can describe, and the codec's default cap.
pub const MAX_FLAP_PAYLOAD: usize = u16::MAX as usize;

/// The FLAP channel, which says how to read the payload (§1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// Channel 1: hello / new connection (`00000001` + optional TLVs).
    SignOn = 1,
    /// Channel 2: exactly one SNAC.
    Data = 2,
    /// Channel 3: FLAP-level error, treated as fatal.
    Error = 3,
    /// Channel 4: sign-off / close, optionally carrying a TLV block.
    SignOff = 4,
    /// Channel 5: keepalive with an empty payload.
    KeepAlive = 5,
}

impl TryFrom<u8> for Channel {
    type Error = FrameError;

    fn try_from(v: u8) -> Result<Self, FrameError> {
        Ok(match v {
            1 => Channel::SignOn,
            2 => Channel::Data,
            3 => Channel::Error,
            4 => Channel::SignOff,
            5 => Channel::KeepAlive,
            other => return Err(FrameError::UnknownChannel(other)),
        })
    }
}

/// Why the FLAP stream cannot continue; every variant means "close this connection".
#[derive(Debug, Error)]
pub enum FrameError {
    /// A frame did not start with `0x2A`, so the stream is out of sync.
    #[error("FLAP frame starts with 0x{0:02X} instead of 0x2A")]
    BadStartByte(u8),
    /// The channel byte is not one of 1–5. Only [`Channel::try_from`] says so: the codec skips
    /// such frames whole (§1.2), since their length still frames the stream.
    #[error("unknown FLAP channel {0}")]
    UnknownChannel(u8),
    /// The payload is larger than this connection accepts.
    #[error("FLAP payload of {len} bytes exceeds the limit of {max}")]
    TooLarge {
        /// Length announced (or attempted) for the payload.
        len: usize,
        /// The configured cap.
        max: usize,
    },
    /// The peer closed the connection in the middle of a frame.
    #[error("connection closed inside a FLAP frame ({0} bytes buffered)")]
    TruncatedAtEof(usize),
    /// The underlying transport failed.
    #[error("FLAP transport error: {0}")]
    Io(#[from] std::io::Error),
}

/// One FLAP frame as received (or as written with an explicit sequence number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flap {
    /// Which channel the frame travels on.
    pub channel: Channel,
    /// The sender's sequence number; receivers must never validate it (§1.3).
    pub sequence: u16,
    /// The payload, meaning depends on the channel.
    pub payload: Bytes,
}

impl Flap {
    /// Writes this frame with its own sequence number (fixtures, tests, replay tools).
    pub fn write(&self, out: &mut BytesMut) -> Result<(), FrameError> {
        if self.payload.len() > MAX_FLAP_PAYLOAD {
            return Err(FrameError::TooLarge { len: self.payload.len(), max: MAX_FLAP_PAYLOAD });
        }
        out.reserve(FLAP_HEADER_LEN + self.payload.len());
        out.put_u8(FLAP_START);
        out.put_u8(self.channel as u8);
        out.put_u16(self.sequence);
        out.put_u16(self.payload.len() as u16);
        out.put_slice(&self.payload);
        Ok(())
    }
}

/// An outgoing frame whose sequence number the codec assigns, so callers never track it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutFlap {
    /// Channel to send on.
    pub channel: Channel,
    /// Payload bytes (a SNAC for [`Channel::Data`]).
    pub payload: Bytes,
}

impl OutFlap {
    /// A channel-2 frame carrying one encoded SNAC.
    pub fn data(payload: impl Into<Bytes>) -> Self {
        OutFlap { channel: Channel::Data, payload: payload.into() }
    }

    /// An empty channel-5 keepalive.
    pub fn keepalive() -> Self {
        OutFlap { channel: Channel::KeepAlive, payload: Bytes::new() }
    }
}

/// Frames a byte stream into [`Flap`]s and numbers outgoing [`OutFlap`]s per connection.
#[derive(Debug, Clone)]
pub struct FlapCodec {
    max_payload: usize,
    next_sequence: u16,
    skipped: u64,
}

impl Default for FlapCodec {
    fn default() -> Self {
        Self::new()
    }
}

impl FlapCodec {
    /// A codec accepting any payload a u16 can describe, starting at a random sequence number
    /// in `0..0x7FFF` as §1.3 recommends for clients.
    pub fn new() -> Self {
        Self::with_initial_sequence(rand::random_range(0..0x7FFF))
    }

    /// A codec whose first outgoing frame carries `sequence` (servers and fixtures).
    pub fn with_initial_sequence(sequence: u16) -> Self {
        FlapCodec { max_payload: MAX_FLAP_PAYLOAD, next_sequence: sequence, skipped: 0 }
    }

    /// Caps *inbound* payloads at `max` bytes, so a server never buffers a huge frame for an
    /// unauthenticated peer; outbound frames are only limited by the u16 length field.
    pub fn with_max_payload(mut self, max: usize) -> Self {
        self.max_payload = max.min(MAX_FLAP_PAYLOAD);
        self
    }

    /// The sequence number the next outgoing frame will carry.
    pub fn next_sequence(&self) -> u16 {
        self.next_sequence
    }

    /// How many inbound frames on an unknown channel were skipped (§1.2).
    pub fn skipped_frames(&self) -> u64 {
        self.skipped
    }
}

impl Decoder for FlapCodec {
    type Item = Flap;
    type Error = FrameError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Flap>, FrameError> {
        loop {
            // Reject garbage as soon as the first byte arrives instead of waiting for a header.
            if let Some(&start) = src.first() {
                if start != FLAP_START {
                    return Err(FrameError::BadStartByte(start));
                }
            }
            let Some(header) = src.get(..FLAP_HEADER_LEN) else {
                return Ok(None);
            };
            let channel = header[1];
            let sequence = u16::from_be_bytes([header[2], header[3]]);
            let len = usize::from(u16::from_be_bytes([header[4], header[5]]));
            if len > self.max_payload {
                return Err(FrameError::TooLarge { len, max: self.max_payload });
            }
            if src.len() < FLAP_HEADER_LEN + len {
                src.reserve(FLAP_HEADER_LEN + len - src.len());
                return Ok(None);
            }
            let mut frame = src.split_to(FLAP_HEADER_LEN + len);
            let Ok(channel) = Channel::try_from(channel) else {
                // §1.2: the length frames the stream whatever the channel, so a channel we do
                // not know costs this frame only, never the connection.
                self.skipped = self.skipped.saturating_add(1);
                tracing::info!("skipping a FLAP frame on unknown channel {channel} ({len} bytes)");
                continue;
            };
            frame.advance(FLAP_HEADER_LEN);
            return Ok(Some(Flap { channel, sequence, payload: frame.freeze() }));
        }
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Flap>, FrameError> {
        if let Some(frame) = self.decode(src)? {
            return Ok(Some(frame));
        }
        if src.is_empty() {
            return Ok(None);
        }
        // Open OSCAR Server quirk (§1.5): a sign-off of only `2A 04 ss ss`, then close.
        if let [FLAP_START, 4, s0, s1, ..] = src[..] {
            if src.len() < FLAP_HEADER_LEN {
                let sequence = u16::from_be_bytes([s0, s1]);
                src.clear();
                return Ok(Some(Flap {
                    channel: Channel::SignOff,
                    sequence,
                    payload: Bytes::new(),
                }));
            }
        }
        Err(FrameError::TruncatedAtEof(src.len()))
    }
}

impl Encoder<OutFlap> for FlapCodec {
    type Error = FrameError;

    fn encode(&mut self, item: OutFlap, dst: &mut BytesMut) -> Result<(), FrameError> {
        let flap =
            Flap { channel: item.channel, sequence: self.next_sequence, payload: item.payload };
        flap.write(dst)?;
        self.next_sequence = self.next_sequence.wrapping_add(1);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hex(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    const HELLO: &str = "2a01000100180000000100060010a1b2c3d4e5f60718293a4b5c6d7e8f90";

    #[test]
    fn decodes_and_reencodes_p_flap_hello() {
        let mut buf = BytesMut::from(&hex(HELLO)[..]);
        let mut codec = FlapCodec::with_initial_sequence(1);
        let frame = codec.decode(&mut buf).unwrap().unwrap();
        assert!(buf.is_empty());
        assert_eq!(frame.channel, Channel::SignOn);
        assert_eq!(frame.sequence, 1);
        assert_eq!(frame.payload.len(), 0x18);
        let mut out = BytesMut::new();
        codec
            .encode(OutFlap { channel: Channel::SignOn, payload: frame.payload }, &mut out)
            .unwrap();
        assert_eq!(out.to_vec(), hex(HELLO));
        assert_eq!(codec.next_sequence(), 2);
    }

    #[test]
    fn waits_for_whole_frame() {
        let bytes = hex(HELLO);
        let mut codec = FlapCodec::new();
        let mut buf = BytesMut::new();
        for (i, b) in bytes.iter().enumerate() {
            buf.put_u8(*b);
            let got = codec.decode(&mut buf).unwrap();
            assert_eq!(got.is_some(), i == bytes.len() - 1);
        }
    }

    #[test]
    fn unknown_channel_with_intact_length_is_skipped() {
        let mut codec = FlapCodec::new();
        // Channel 9 (3 bytes), channel 0 (empty), then a keepalive: only the keepalive is seen.
        let wire = [
            0x2A, 0x09, 0x00, 0x01, 0x00, 0x03, 0xAA, 0xBB, 0xCC, //
            0x2A, 0x00, 0x00, 0x02, 0x00, 0x00, //
            0x2A, 0x05, 0x00, 0x03, 0x00, 0x00,
        ];
        let mut buf = BytesMut::new();
        let mut got = Vec::new();
        for b in wire {
            buf.put_u8(b);
            while let Some(f) = codec.decode(&mut buf).unwrap() {
                got.push(f);
            }
        }
        assert_eq!(
            got,
            vec![Flap { channel: Channel::KeepAlive, sequence: 3, payload: Bytes::new() }]
        );
        assert_eq!(codec.skipped_frames(), 2);
        assert!(buf.is_empty());
        // An unknown channel cut short at EOF is still a truncated frame.
        let mut buf = BytesMut::from(&[0x2A, 0x09, 0, 1, 0, 4, 1][..]);
        assert!(codec.decode(&mut buf).unwrap().is_none());
        assert!(matches!(codec.decode_eof(&mut buf), Err(FrameError::TruncatedAtEof(7))));
    }

    #[test]
    fn bad_start_and_oversize_lose_sync() {
        let mut codec = FlapCodec::new();
        assert!(matches!(
            codec.decode(&mut BytesMut::from(&[0x2B][..])),
            Err(FrameError::BadStartByte(0x2B))
        ));
        // After a skipped frame, a bad start byte is still caught.
        assert!(matches!(
            codec.decode(&mut BytesMut::from(&[0x2A, 0x07, 0, 0, 0, 0, 0x00][..])),
            Err(FrameError::BadStartByte(0x00))
        ));
        // An unknown channel announcing more than the cap is as fatal as a known one.
        let mut capped = FlapCodec::new().with_max_payload(16);
        assert!(matches!(
            capped.decode(&mut BytesMut::from(&[0x2A, 0x09, 0, 0, 0, 17][..])),
            Err(FrameError::TooLarge { len: 17, max: 16 })
        ));
        let mut small = FlapCodec::new().with_max_payload(16);
        assert!(matches!(
            small.decode(&mut BytesMut::from(&[0x2A, 2, 0, 0, 0, 17][..])),
            Err(FrameError::TooLarge { len: 17, max: 16 })
        ));
        // The cap is for what we accept; we may still send larger frames, up to the u16 limit.
        assert!(small.encode(OutFlap::data(vec![0u8; 17]), &mut BytesMut::new()).is_ok());
        let too_big = OutFlap::data(vec![0u8; MAX_FLAP_PAYLOAD + 1]);
        assert!(matches!(
            small.encode(too_big, &mut BytesMut::new()),
            Err(FrameError::TooLarge { .. })
        ));
    }

    #[test]
    fn eof_after_short_signoff_header_is_a_signoff() {
        let mut codec = FlapCodec::new();
        let mut buf = BytesMut::from(&[0x2A, 0x04, 0x12, 0x34][..]);
        assert!(codec.decode(&mut buf).unwrap().is_none());
        let frame = codec.decode_eof(&mut buf).unwrap().unwrap();
        assert_eq!(frame.channel, Channel::SignOff);
        assert_eq!(frame.sequence, 0x1234);
        assert!(frame.payload.is_empty());
        assert!(codec.decode_eof(&mut buf).unwrap().is_none());
        // Anything else cut short is an error.
        let mut buf = BytesMut::from(&[0x2A, 0x02, 0x12, 0x34, 0x00][..]);
        assert!(matches!(codec.decode_eof(&mut buf), Err(FrameError::TruncatedAtEof(5))));
    }

    #[test]
    fn sequence_wraps_mod_2_16() {
        let mut codec = FlapCodec::with_initial_sequence(0xFFFF);
        let mut out = BytesMut::new();
        codec.encode(OutFlap::keepalive(), &mut out).unwrap();
        codec.encode(OutFlap::keepalive(), &mut out).unwrap();
        assert_eq!(&out[..], [0x2A, 5, 0xFF, 0xFF, 0, 0, 0x2A, 5, 0, 0, 0, 0]);
        assert!(FlapCodec::new().next_sequence() < 0x7FFF);
    }

    fn channel() -> impl Strategy<Value = Channel> {
        prop_oneof![
            Just(Channel::SignOn),
            Just(Channel::Data),
            Just(Channel::Error),
            Just(Channel::SignOff),
            Just(Channel::KeepAlive)
        ]
    }

    proptest! {
        #[test]
        fn stream_survives_arbitrary_chunking(
            frames in proptest::collection::vec(
                (channel(), any::<u16>(), proptest::collection::vec(any::<u8>(), 0..300)), 0..12),
            cuts in proptest::collection::vec(1usize..64, 0..200),
        ) {
            let mut wire = BytesMut::new();
            let frames: Vec<Flap> = frames.into_iter()
                .map(|(channel, sequence, p)| Flap { channel, sequence, payload: p.into() })
                .collect();
            for f in &frames {
                f.write(&mut wire).unwrap();
            }
            let mut codec = FlapCodec::new();
            let mut buf = BytesMut::new();
            let mut got = Vec::new();
            let mut wire = wire.freeze();
            let mut cuts = cuts.into_iter().cycle();
            while !wire.is_empty() {
                let n = cuts.next().unwrap_or(1).min(wire.len());
                buf.extend_from_slice(&wire.split_to(n));
                while let Some(f) = codec.decode(&mut buf).unwrap() {
                    got.push(f);
                }
            }
            prop_assert!(codec.decode_eof(&mut buf).unwrap().is_none());
            prop_assert_eq!(got, frames);
        }

        #[test]
        fn garbage_never_panics(data in proptest::collection::vec(any::<u8>(), 0..80)) {
            let mut codec = FlapCodec::new();
            let mut buf = BytesMut::from(&data[..]);
            while let Ok(Some(_)) = codec.decode(&mut buf) {}
            let _ = codec.decode_eof(&mut buf);
        }
    }
}
