//! Conversation logs: one JSON-lines file per buddy, appended as messages come and go and
//! loaded into scrollback when a chat opens.
//!
//! The App never opens these files: it queues [`HistoryOp`]s and the run loop performs them
//! (`sync_history` in the runner), so the state machine stays free of I/O.
//!
//! Files live under `<data dir>/logs/<account>/<buddy>.jsonl`. Both names come partly from a peer,
//! so they are encoded to a safe file name (no separators, no leading dot, bounded length).

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::screenname::ScreenName;

/// How much of the end of a log is read when loading, so a huge log cannot stall opening a chat.
const MAX_TAIL_BYTES: u64 = 4 * 1024 * 1024;
/// Longest encoded file-name stem before it is shortened with a hash.
const MAX_STEM: usize = 120;

/// Why a log could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The file system refused.
    #[error("conversation log {path}: {source}")]
    Io {
        /// The log file or directory.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A record could not be encoded (should not happen for plain strings).
    #[error("cannot encode a log record: {0}")]
    Encode(#[from] serde_json::Error),
}

/// Who wrote a logged message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// The buddy sent it.
    In,
    /// We sent it.
    Out,
}

/// One logged message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Milliseconds since the Unix epoch.
    pub t: i64,
    /// Who wrote it.
    pub dir: Direction,
    /// The plain text as received or typed (not sanitized: that happens when drawing).
    pub text: String,
    /// An automatic away reply.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub auto: bool,
    /// Says what became of the outgoing record with the same time and text appended earlier
    /// (logs are only appended to, so the outcome is a record of its own, written when the
    /// server's answer came; a later mark replaces an earlier one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mark: Option<Mark>,
    /// Who wrote an incoming message in a chat room (room logs only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

/// What became of an outgoing message, as its log remembers it. A message with no mark was
/// delivered, or its outcome was never learned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mark {
    /// Delivered after all: a retry of a message that had failed.
    Delivered,
    /// Stored by the server for the offline recipient.
    Stored,
    /// Accepted by the server; whether delivered or stored was not learned.
    Accepted,
    /// Not delivered, with the reason as it was shown.
    Failed(String),
}

impl Record {
    /// Builds a record for a message at `time`.
    pub fn new(time: SystemTime, dir: Direction, text: &str, auto: bool) -> Self {
        let t = match time.duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
            Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
        };
        Self { t, dir, text: text.to_string(), auto, mark: None, from: None }
    }

    /// This record as the mark saying what became of the message it repeats.
    pub fn with_mark(mut self, mark: Mark) -> Self {
        self.mark = Some(mark);
        self
    }

    /// This record as a room message from `from` (as the server named them).
    pub fn with_from(mut self, from: &str) -> Self {
        self.from = Some(from.to_string());
        self
    }

    /// The record's time as a `SystemTime`.
    pub fn time(&self) -> SystemTime {
        let d = Duration::from_millis(self.t.unsigned_abs());
        if self.t >= 0 {
            UNIX_EPOCH.checked_add(d).unwrap_or(UNIX_EPOCH)
        } else {
            UNIX_EPOCH.checked_sub(d).unwrap_or(UNIX_EPOCH)
        }
    }
}

/// Log work the App asks the run loop to do, performed in the order it was asked for (a chat's
/// log is loaded before the message that opened it is appended).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HistoryOp {
    /// Read the end of a buddy's log into the chat that just opened.
    Load {
        /// The buddy.
        peer: ScreenName,
        /// How many records at most.
        max: usize,
    },
    /// Append a record to a buddy's log.
    Append {
        /// The buddy.
        peer: ScreenName,
        /// The message.
        record: Record,
    },
    /// Read the end of a chat room's log into its tab that just opened.
    LoadRoom {
        /// The room's name.
        room: String,
        /// How many records at most.
        max: usize,
    },
    /// Append a record to a chat room's log.
    AppendRoom {
        /// The room's name.
        room: String,
        /// The message.
        record: Record,
    },
}

/// The logs of one account.
#[derive(Debug, Clone)]
pub struct History {
    dir: PathBuf,
}

impl History {
    /// Logs for `account` under `base` (use [`History::default_base`] outside tests).
    pub fn new(base: &Path, account: &str) -> Self {
        Self { dir: base.join("logs").join(file_stem(&crate::screenname::normalize(account))) }
    }

    /// The XDG data directory (`~/.local/share/flapjack`), if there is a home directory.
    pub fn default_base() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "flapjack").map(|d| d.data_dir().to_path_buf())
    }

    /// The log file for a buddy.
    pub fn path_for(&self, peer: &ScreenName) -> PathBuf {
        self.dir.join(format!("{}.jsonl", file_stem(peer.normalized())))
    }

    /// The log file for a chat room: in its own directory, so a room and a buddy of the same
    /// name never share a log.
    pub fn room_path(&self, room: &str) -> PathBuf {
        self.dir.join("rooms").join(format!("{}.jsonl", file_stem(&room.trim().to_lowercase())))
    }

    /// Appends one record to a buddy's log, creating directories as needed.
    pub fn append(&self, peer: &ScreenName, record: &Record) -> Result<(), HistoryError> {
        append_to(&self.path_for(peer), record)
    }

    /// Appends one record to a chat room's log.
    pub fn append_room(&self, room: &str, record: &Record) -> Result<(), HistoryError> {
        append_to(&self.room_path(room), record)
    }

    /// The last `max` records of a buddy's log, oldest first; no log means no records, and
    /// damaged lines are skipped.
    pub fn load(&self, peer: &ScreenName, max: usize) -> Result<Vec<Record>, HistoryError> {
        load_from(&self.path_for(peer), max)
    }

    /// The last `max` records of a chat room's log, as [`History::load`].
    pub fn load_room(&self, room: &str, max: usize) -> Result<Vec<Record>, HistoryError> {
        load_from(&self.room_path(room), max)
    }
}

/// Appends one record to the log at `path`, creating its directory as needed.
fn append_to(path: &Path, record: &Record) -> Result<(), HistoryError> {
    let io = |source| HistoryError::Io { path: path.to_path_buf(), source };
    let mut line = serde_json::to_string(record)?;
    line.push('\n');
    let mut file = crate::private_file::open_append(path).map_err(io)?;
    file.write_all(line.as_bytes()).map_err(io)
}

/// The last `max` records of the log at `path`.
fn load_from(path: &Path, max: usize) -> Result<Vec<Record>, HistoryError> {
    let io = |source| HistoryError::Io { path: path.to_path_buf(), source };
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io(e)),
    };
    let len = file.metadata().map_err(io)?.len();
    let start = len.saturating_sub(MAX_TAIL_BYTES);
    file.seek(SeekFrom::Start(start)).map_err(io)?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(io)?;
    let text = String::from_utf8_lossy(&bytes);
    let mut lines: Vec<&str> = text.lines().collect();
    if start > 0 && !lines.is_empty() {
        lines.remove(0);
    }
    let skip = lines.len().saturating_sub(max);
    Ok(lines.iter().skip(skip).filter_map(|l| serde_json::from_str(l).ok()).collect())
}

/// Encodes a name as a file-name stem: lower-case ASCII letters, digits, `-` and `_` stay,
/// every other byte becomes `%XX`, and overlong results are cut and suffixed with a hash.
fn file_stem(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if out.is_empty() {
        return "%".to_string();
    }
    if out.len() > MAX_STEM {
        let digest = Sha256::digest(name.as_bytes());
        let mut cut: String = out.chars().take(MAX_STEM - 17).collect();
        cut.push('~');
        cut.push_str(&hex::encode(digest.get(..8).unwrap_or_default()));
        return cut;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp() -> tempfile::TempDir {
        match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => panic!("tempdir: {e}"),
        }
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(file_stem("bobsmith"), "bobsmith");
        assert_eq!(file_stem("../etc/passwd"), "%2E%2E%2Fetc%2Fpasswd");
        assert_eq!(file_stem(".hidden"), "%2Ehidden");
        assert_eq!(file_stem(""), "%");
        let long = file_stem(&"é".repeat(200));
        assert!(long.len() <= MAX_STEM && long.contains('~'), "{long}");
        assert_ne!(file_stem(&"é".repeat(200)), file_stem(&"é".repeat(201)));
    }

    #[test]
    fn appends_and_loads_the_tail() {
        let dir = temp();
        let h = History::new(dir.path(), "Me Myself");
        let bob = ScreenName::from_wire("Bob Smith");
        for i in 0..5 {
            let dir = if i % 2 == 0 { Direction::In } else { Direction::Out };
            let r = Record::new(
                UNIX_EPOCH + Duration::from_secs(i),
                dir,
                &format!("m{i}\nline"),
                i == 4,
            );
            assert!(h.append(&bob, &r).is_ok());
        }
        let got = h.load(&ScreenName::from_wire("bobsmith"), 3).unwrap_or_default();
        let texts: Vec<&str> = got.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(texts, ["m2\nline", "m3\nline", "m4\nline"]);
        assert_eq!(
            got.last().map(|r| (r.auto, r.time())),
            Some((true, UNIX_EPOCH + Duration::from_secs(4)))
        );
        assert!(h.path_for(&bob).starts_with(dir.path().join("logs").join("memyself")));
    }

    /// Issue 17 item 5: history is the user's alone, 0600 in 0700 directories.
    #[cfg(unix)]
    #[test]
    fn logs_are_private() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = temp();
        let h = History::new(dir.path(), "me");
        let bob = ScreenName::from_wire("bob");
        assert!(h.append(&bob, &Record::new(UNIX_EPOCH, Direction::In, "hi", false)).is_ok());
        let mode = |p: &Path| std::fs::metadata(p).map(|m| m.permissions().mode() & 0o777).ok();
        let file = h.path_for(&bob);
        assert_eq!(mode(&file), Some(0o600));
        let mut parent = file.parent();
        while let Some(p) = parent.filter(|p| *p != dir.path()) {
            assert_eq!(mode(p), Some(0o700), "{}", p.display());
            parent = p.parent();
        }
    }

    #[test]
    fn missing_log_is_empty_and_damage_is_skipped() {
        let dir = temp();
        let h = History::new(dir.path(), "me");
        let bob = ScreenName::from_wire("bob");
        assert_eq!(h.load(&bob, 10).ok(), Some(Vec::new()));
        let r = Record::new(UNIX_EPOCH, Direction::In, "ok", false);
        assert!(h.append(&bob, &r).is_ok());
        let _ = std::fs::OpenOptions::new()
            .append(true)
            .open(h.path_for(&bob))
            .and_then(|mut f| f.write_all(b"{not json\n\xff\xfe\n"));
        assert!(h.append(&bob, &r).is_ok());
        assert_eq!(h.load(&bob, 10).map(|v| v.len()).ok(), Some(2));
    }

    #[test]
    fn a_room_and_a_buddy_of_the_same_name_keep_separate_logs() {
        let dir = temp();
        let h = History::new(dir.path(), "me");
        let said = Record::new(UNIX_EPOCH, Direction::In, "in the room", false).with_from("Bob");
        assert!(h.append_room(" Lounge ", &said).is_ok());
        let im = Record::new(UNIX_EPOCH, Direction::In, "to me alone", false);
        assert!(h.append(&ScreenName::from_wire("lounge"), &im).is_ok());
        assert_eq!(h.load_room("lounge", 10).ok(), Some(vec![said]));
        assert_eq!(h.load(&ScreenName::from_wire("Lounge"), 10).ok(), Some(vec![im]));
        assert_ne!(h.room_path("lounge"), h.path_for(&ScreenName::from_wire("lounge")));
        // The sender is only written for room records.
        let line = serde_json::to_string(&Record::new(UNIX_EPOCH, Direction::Out, "x", false));
        assert!(line.is_ok_and(|l| !l.contains("from")));
    }

    #[test]
    fn times_before_the_epoch_round_trip() {
        let t = UNIX_EPOCH - Duration::from_millis(1500);
        assert_eq!(Record::new(t, Direction::In, "", false).time(), t);
    }
}
