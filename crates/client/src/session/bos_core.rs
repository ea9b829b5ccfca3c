//! What the BOS connection and every service connection (ChatNav, rooms, BART) share: the
//! hello with the cookie and the family negotiation of the pipelined sign-on (§5), and the two
//! halves of the I/O loop around a sans-IO core — write a step's frames with one flush, and
//! read one frame plus every frame already buffered before writing again.

use futures::{FutureExt as _, SinkExt as _, StreamExt as _};
use tokio_util::codec::Framed;

use crate::oscar::oservice::{ClientReady, FamilyTool, FamilyVersion, VersionList};
use crate::oscar::{Channel, Flap, FlapCodec, FrameError, Hello, OutFlap, SnacBody, WireError};

/// Tool id and version written in 01/02 (libpurple's values).
pub const TOOL: (u16, u16) = (0x0110, 0x0629);

/// The channel-1 hello that presents `cookie` (from BUCP or a 01/05 redirect).
pub fn hello(cookie: &[u8]) -> Result<OutFlap, WireError> {
    Ok(OutFlap { channel: Channel::SignOn, payload: Hello::with_cookie(cookie).encode()? })
}

/// 01/17 and 01/02 for `families` (family, version): the first and last SNACs of every
/// pipelined sign-on flight.
pub fn negotiation(families: &[(u16, u16)]) -> (SnacBody, SnacBody) {
    let versions = VersionList {
        versions: families
            .iter()
            .map(|&(family, version)| FamilyVersion { family, version })
            .collect(),
    };
    let ready = ClientReady {
        families: families
            .iter()
            .map(|&(family, version)| FamilyTool {
                family,
                version,
                tool_id: TOOL.0,
                tool_version: TOOL.1,
            })
            .collect(),
    };
    (SnacBody::ClientVersions(versions), SnacBody::ClientReady(ready))
}

/// Writes `frames` in order with one flush after the last (none when there are none).
pub async fn write_frames<T>(
    framed: &mut Framed<T, FlapCodec>,
    frames: Vec<OutFlap>,
) -> Result<(), FrameError>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    if frames.is_empty() {
        return Ok(());
    }
    for frame in frames {
        framed.feed(frame).await?;
    }
    framed.flush().await
}

/// How reading a batch of frames ended when the connection did not survive it.
#[derive(Debug)]
pub enum ReadEnd {
    /// The peer closed the connection.
    Closed,
    /// The stream broke (I/O or framing).
    Failed(FrameError),
}

/// Hands `first` (what `framed.next()` gave) and then every frame already buffered to
/// `handle`, so one write answers them all; `handle` returns false to stop early (a close is
/// decided).
pub fn read_batch<T>(
    framed: &mut Framed<T, FlapCodec>,
    first: Option<Result<Flap, FrameError>>,
    mut handle: impl FnMut(Flap) -> bool,
) -> Result<(), ReadEnd>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mut next = Some(first);
    while let Some(frame) = next.take() {
        match frame {
            Some(Ok(f)) => {
                if !handle(f) {
                    return Ok(());
                }
            }
            Some(Err(e)) => return Err(ReadEnd::Failed(e)),
            None => return Err(ReadEnd::Closed),
        }
        next = framed.next().now_or_never();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oscar::{decode_snac_payload, snac_flap};

    #[test]
    fn the_negotiation_names_every_family_with_our_tool() {
        let (versions, ready) = negotiation(&[(1, 3), (0x10, 1)]);
        let SnacBody::ClientVersions(v) = versions else { panic!("{versions:?}") };
        assert_eq!(v.versions.iter().map(|f| f.family).collect::<Vec<_>>(), [1, 0x10]);
        let SnacBody::ClientReady(r) = &ready else { panic!("{ready:?}") };
        assert!(r.families.iter().all(|f| (f.tool_id, f.tool_version) == TOOL));
        let frame = snac_flap(&ready, 1).unwrap();
        assert_eq!(decode_snac_payload(&frame.payload).unwrap().1, ready);
        assert_eq!(hello(b"c").unwrap().channel, Channel::SignOn);
    }
}
