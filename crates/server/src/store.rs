//! Per-account data the BOS half keeps across connections: the feedbag and stored offline IMs.
//!
//! In memory by default; with a data directory (`flapjack serve --data DIR`) each account is one
//! JSON file written atomically (temp file + rename) by a single writer thread, in the order the
//! changes happened, so no request waits on the disk. A file that cannot be read is renamed
//! aside with a logged error and the account starts empty; it is never overwritten silently.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::bos::feedbag::Feedbag;
use crate::oscar::feedbag::FeedbagItem;
use crate::oscar::tlv::{Tlv, TlvBlock};
use crate::screenname::ScreenName;

/// The most offline IMs kept per recipient; beyond it senders get an error.
pub const MAX_OFFLINE_IMS: usize = 500;

/// An IM kept for a recipient who was offline, delivered at their next sign-on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredIm {
    /// Who sent it (display form).
    pub from: String,
    /// The sender's ICBM cookie.
    pub cookie: [u8; 8],
    /// The ICBM channel.
    pub channel: u16,
    /// The message TLVs as relayed (ack request and offline flag removed).
    pub tlvs: TlvBlock,
    /// When it was sent, Unix seconds (delivered as TLV 0x0016).
    pub sent_at: u32,
}

/// Everything stored for one account.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AccountData {
    /// The buddy list.
    pub feedbag: Feedbag,
    /// IMs waiting for the next sign-on.
    pub offline: Vec<StoredIm>,
    /// Who this account has authorized to add it (13/1A granted, 13/14), §6.4.
    pub authorized: Vec<ScreenName>,
}

/// Why the data directory could not be used at all.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The directory could not be created or listed.
    #[error("cannot use data directory {path}: {source}")]
    Dir {
        /// The directory.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

#[derive(Serialize, Deserialize)]
struct FileTlv(u16, String);

#[derive(Serialize, Deserialize)]
struct FileItem {
    name: String,
    group_id: u16,
    item_id: u16,
    class: u16,
    attrs: Vec<FileTlv>,
}

#[derive(Serialize, Deserialize)]
struct FileIm {
    from: String,
    cookie: String,
    channel: u16,
    tlvs: Vec<FileTlv>,
    sent_at: u32,
}

#[derive(Serialize, Deserialize)]
struct FileAccount {
    version: u32,
    screen_name: String,
    last_modified: u32,
    items: Vec<FileItem>,
    offline: Vec<FileIm>,
    #[serde(default)]
    authorized: Vec<String>,
}

const FILE_VERSION: u32 = 1;

fn tlvs_out(block: &TlvBlock) -> Vec<FileTlv> {
    block.iter().map(|t| FileTlv(t.kind, hex::encode(t.value))).collect()
}

fn tlvs_in(list: Vec<FileTlv>) -> Result<TlvBlock, String> {
    list.into_iter()
        .map(|FileTlv(kind, v)| {
            let value = hex::decode(&v).map_err(|e| format!("TLV 0x{kind:04X}: {e}"))?;
            if value.len() > usize::from(u16::MAX) {
                return Err(format!("TLV 0x{kind:04X} is too long"));
            }
            Ok(Tlv::new(kind, value))
        })
        .collect()
}

/// Serializes one account's data to the JSON the data directory holds.
pub fn to_json(name: &ScreenName, data: &AccountData) -> String {
    let file = FileAccount {
        version: FILE_VERSION,
        screen_name: name.as_str().to_string(),
        last_modified: data.feedbag.last_modified,
        items: data
            .feedbag
            .items
            .iter()
            .map(|i| FileItem {
                name: i.name.clone(),
                group_id: i.group_id,
                item_id: i.item_id,
                class: i.class,
                attrs: tlvs_out(&i.attrs),
            })
            .collect(),
        offline: data
            .offline
            .iter()
            .map(|m| FileIm {
                from: m.from.clone(),
                cookie: hex::encode(m.cookie),
                channel: m.channel,
                tlvs: tlvs_out(&m.tlvs),
                sent_at: m.sent_at,
            })
            .collect(),
        authorized: data.authorized.iter().map(|n| n.as_str().to_string()).collect(),
    };
    serde_json::to_string_pretty(&file).unwrap_or_default()
}

/// Parses one account file; any structural problem is an error naming what is wrong.
pub fn from_json(text: &str) -> Result<(ScreenName, AccountData), String> {
    let file: FileAccount = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if file.version != FILE_VERSION {
        return Err(format!("unsupported file version {}", file.version));
    }
    let name = ScreenName::parse(&file.screen_name).map_err(|e| e.to_string())?;
    let items = file
        .items
        .into_iter()
        .map(|i| {
            Ok(FeedbagItem {
                name: i.name,
                group_id: i.group_id,
                item_id: i.item_id,
                class: i.class,
                attrs: tlvs_in(i.attrs)?,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let offline = file
        .offline
        .into_iter()
        .map(|m| {
            let cookie = hex::decode(&m.cookie)
                .ok()
                .and_then(|c| <[u8; 8]>::try_from(c).ok())
                .ok_or_else(|| format!("offline IM from {}: bad cookie", m.from))?;
            Ok(StoredIm {
                from: m.from,
                cookie,
                channel: m.channel,
                tlvs: tlvs_in(m.tlvs)?,
                sent_at: m.sent_at,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let authorized = file
        .authorized
        .iter()
        .map(|n| ScreenName::parse(n).map_err(|e| format!("authorized {n:?}: {e}")))
        .collect::<Result<Vec<_>, String>>()?;
    Ok((
        name,
        AccountData {
            feedbag: Feedbag { items, last_modified: file.last_modified },
            offline,
            authorized,
        },
    ))
}

/// The file name for an account: its normalized name with anything but `[a-z0-9]` hex-escaped,
/// so no screen name can escape the directory or collide with another.
pub fn file_name(name: &ScreenName) -> String {
    let mut out = String::new();
    for b in name.normalized().bytes() {
        if b.is_ascii_lowercase() || b.is_ascii_digit() {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("_{b:02x}"));
        }
    }
    out.push_str(".json");
    out
}

/// Loads every account file in `dir` (creating the directory if needed).
pub fn load_dir(dir: &Path) -> Result<HashMap<ScreenName, AccountData>, StoreError> {
    let dir_err = |source| StoreError::Dir { path: dir.display().to_string(), source };
    std::fs::create_dir_all(dir).map_err(dir_err)?;
    let mut out = HashMap::new();
    for entry in std::fs::read_dir(dir).map_err(dir_err)? {
        let path = match entry {
            Ok(e) => e.path(),
            Err(e) => {
                tracing::error!("data directory {}: {e}", dir.display());
                continue;
            }
        };
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let parsed =
            std::fs::read_to_string(&path).map_err(|e| e.to_string()).and_then(|t| from_json(&t));
        match parsed {
            Ok((name, data))
                if path.file_name().and_then(|f| f.to_str()) == Some(&file_name(&name)) =>
            {
                out.insert(name, data);
            }
            Ok((name, _)) => set_aside(
                &path,
                &format!("holds account {name:?}, which belongs in {}", file_name(&name)),
            ),
            Err(why) => set_aside(&path, &why),
        }
    }
    Ok(out)
}

/// Renames an unusable file to `*.corrupt-<unix time>` and logs why.
fn set_aside(path: &Path, why: &str) {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let aside = path.with_extension(format!("json.corrupt-{stamp}"));
    match std::fs::rename(path, &aside) {
        Ok(()) => tracing::error!(
            "account file {} is unusable ({why}); moved to {}, the account starts empty",
            path.display(),
            aside.display()
        ),
        Err(e) => tracing::error!(
            "account file {} is unusable ({why}) and cannot be moved aside ({e}); the account starts empty",
            path.display()
        ),
    }
}

/// Writes `text` to `dir/name` atomically: a temp file in the same directory, synced, renamed.
pub fn write_atomic(dir: &Path, name: &str, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let tmp = dir.join(format!(".{name}.tmp"));
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, dir.join(name))
}

enum Job {
    Write { name: String, text: String },
    Stop,
}

/// The single writer thread; jobs are written in the order they were queued.
#[derive(Debug)]
pub struct Persister {
    dir: PathBuf,
    tx: std::sync::Mutex<std::sync::mpsc::Sender<Job>>,
    thread: std::sync::Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Job::Write { name, .. } => write!(f, "Write({name})"),
            Job::Stop => f.write_str("Stop"),
        }
    }
}

impl Persister {
    /// Starts the writer for `dir`.
    pub fn start(dir: PathBuf) -> Self {
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        let thread_dir = dir.clone();
        let thread = std::thread::Builder::new()
            .name("flapjack-store".into())
            .spawn(move || {
                while let Ok(Job::Write { name, text }) = rx.recv() {
                    if let Err(e) = write_atomic(&thread_dir, &name, &text) {
                        tracing::error!("cannot save {}: {e}", thread_dir.join(&name).display());
                    }
                }
            })
            .map_err(|e| tracing::error!("cannot start the store writer: {e}"))
            .ok();
        Persister { dir, tx: std::sync::Mutex::new(tx), thread: std::sync::Mutex::new(thread) }
    }

    /// The directory written to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Queues a save of `name`'s data; call it while holding the lock that changed the data so
    /// saves reach the disk in the order the changes happened.
    pub fn save(&self, name: &ScreenName, data: &AccountData) {
        let job = Job::Write { name: file_name(name), text: to_json(name, data) };
        if let Ok(tx) = self.tx.lock() {
            let _ = tx.send(job);
        }
    }

    /// Writes everything queued so far and stops the writer (blocking; call off the runtime).
    pub fn finish(&self) {
        if let Ok(tx) = self.tx.lock() {
            let _ = tx.send(Job::Stop);
        }
        let thread = self.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(t) = thread {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oscar::feedbag::attr;

    fn sample() -> (ScreenName, AccountData) {
        let name = ScreenName::from_wire("Flapjack Fan");
        let mut feedbag = Feedbag::seeded(&[ScreenName::from_wire("ButterBot")], 1234);
        feedbag.items[2].attrs.set(attr::ALIAS, b"Butter \xff".to_vec());
        let im = StoredIm {
            from: "Bob".into(),
            cookie: [1, 2, 3, 4, 5, 6, 7, 8],
            channel: 1,
            tlvs: TlvBlock::new().with(2, vec![5, 1, 0, 0]).with(4, Vec::new()),
            sent_at: 99,
        };
        let authorized = vec![ScreenName::from_wire("123456789")];
        (name, AccountData { feedbag, offline: vec![im], authorized })
    }

    #[test]
    fn json_round_trip() {
        let (name, data) = sample();
        let (back_name, back) = from_json(&to_json(&name, &data)).unwrap();
        assert_eq!(back_name.as_str(), "Flapjack Fan");
        assert_eq!(back, data);
        assert!(from_json("{").is_err());
        let wrong_version = to_json(&name, &data).replace("\"version\": 1", "\"version\": 9");
        assert!(from_json(&wrong_version).unwrap_err().contains("version 9"));
        let bad_hex = to_json(&name, &data).replace("0102030405060708", "01zz");
        assert!(from_json(&bad_hex).is_err());
    }

    proptest::proptest! {
        #[test]
        fn any_account_data_round_trips(
            items in proptest::collection::vec(
                ("\\PC{0,12}", proptest::prelude::any::<(u16, u16, u16)>(), crate::oscar::tlv::strategy::block()),
                0..6,
            ),
            offline in proptest::collection::vec(
                ("[a-zA-Z ]{1,10}", proptest::prelude::any::<([u8; 8], u16, u32)>(), crate::oscar::tlv::strategy::block()),
                0..4,
            ),
            last_modified in proptest::prelude::any::<u32>(),
        ) {
            let data = AccountData {
                feedbag: Feedbag {
                    items: items
                        .into_iter()
                        .map(|(name, (group_id, item_id, class), attrs)| FeedbagItem { name, group_id, item_id, class, attrs })
                        .collect(),
                    last_modified,
                },
                offline: offline
                    .into_iter()
                    .map(|(from, (cookie, channel, sent_at), tlvs)| StoredIm { from, cookie, channel, tlvs, sent_at })
                    .collect(),
                authorized: Vec::new(),
            };
            let name = ScreenName::from_wire("Some One");
            let (back_name, back) = from_json(&to_json(&name, &data)).unwrap();
            proptest::prop_assert_eq!(back_name, name);
            proptest::prop_assert_eq!(back, data);
        }
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(file_name(&ScreenName::from_wire("Flapjack Fan")), "flapjackfan.json");
        assert_eq!(file_name(&ScreenName::from_wire("../x")), "_2e_2e_2fx.json");
    }

    #[test]
    fn persister_writes_in_order_and_corrupt_files_are_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        let (name, mut data) = sample();
        let p = Persister::start(dir.path().to_path_buf());
        p.save(&name, &data);
        data.offline.clear();
        p.save(&name, &data);
        p.finish();
        let loaded = load_dir(dir.path()).unwrap();
        assert_eq!(loaded.get(&name), Some(&data));

        std::fs::write(dir.path().join("bob.json"), "{ not json").unwrap();
        // A valid file under the wrong name is not trusted either.
        std::fs::write(dir.path().join("alice.json"), to_json(&name, &data)).unwrap();
        let loaded = load_dir(dir.path()).unwrap();
        assert_eq!(loaded.len(), 1);
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().any(|n| n.starts_with("bob.json.corrupt-")), "{names:?}");
        assert!(names.iter().any(|n| n.starts_with("alice.json.corrupt-")), "{names:?}");
        assert!(!names.contains(&"bob.json".to_string()));
    }
}
