//! Per-account data the BOS half keeps across connections: the feedbag and stored offline IMs.
//!
//! In memory by default; with a data directory (`flapjack serve --data DIR`) each account is one
//! JSON file written atomically (temp file + rename) by a single writer thread. Saves are queued
//! under the hub's lock as `Arc` snapshots (no serializing, no I/O there) in a queue holding at
//! most one snapshot per account, so neither a slow disk nor one account changing its data in a
//! loop holds up anybody else's requests or grows the queue. A file that cannot be read is renamed
//! aside with a logged error and the account starts empty; it is never overwritten silently.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

use super::bos::feedbag::Feedbag;
use crate::oscar::feedbag::FeedbagItem;
use crate::oscar::tlv::{Tlv, TlvBlock};
use crate::screenname::ScreenName;

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
    flapjack_proto::private_file::create_dir(dir).map_err(dir_err)?;
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

/// Writes `text` to `dir/name` atomically, 0600, never through a symlink (see
/// [`flapjack_proto::private_file::write_atomic`]).
pub fn write_atomic(dir: &Path, name: &str, text: &str) -> std::io::Result<()> {
    flapjack_proto::private_file::write_atomic(&dir.join(name), text.as_bytes())
}

/// Writes one account file: `(file name, JSON text)`. The real one is [`write_atomic`] into the
/// data directory; tests put a gate in front of it.
pub type WriteFn = Box<dyn FnMut(&str, &str) -> std::io::Result<()> + Send>;

/// The saves not yet written: the newest snapshot per account, in the order accounts first
/// became dirty. One entry per account at most, so the queue is bounded by the number of
/// accounts however fast one of them changes.
#[derive(Default)]
struct Pending {
    latest: HashMap<ScreenName, Arc<AccountData>>,
    order: VecDeque<ScreenName>,
    stop: bool,
}

#[derive(Default)]
struct Queue {
    pending: Mutex<Pending>,
    wake: Condvar,
}

impl Queue {
    fn lock(&self) -> MutexGuard<'_, Pending> {
        // A poisoned lock only means the writer panicked mid-write; the queue stays usable.
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The single writer thread and its bounded queue of saves.
///
/// [`Persister::save`] is called under the hub's lock and only files an `Arc` of the account's
/// data (O(1), never blocks, never touches the disk); the writer thread serializes and writes it
/// outside any lock the server's sessions use. A save of an account that is already queued
/// replaces the queued snapshot (each file holds the whole account, so only the newest
/// matters), so a flood from one account costs one pending entry, not one per change.
pub struct Persister {
    dir: PathBuf,
    queue: Arc<Queue>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl std::fmt::Debug for Persister {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Persister").field("dir", &self.dir).finish_non_exhaustive()
    }
}

impl Persister {
    /// Starts the writer for `dir`.
    pub fn start(dir: PathBuf) -> Self {
        let target = dir.clone();
        Self::with_writer(dir, Box::new(move |name, text| write_atomic(&target, name, text)))
    }

    /// Starts a writer that hands each file to `write` instead of the disk (`dir` is only
    /// reported), so tests can hold a write up and watch the server carry on.
    pub fn with_writer(dir: PathBuf, mut write: WriteFn) -> Self {
        let queue = Arc::new(Queue::default());
        let q = Arc::clone(&queue);
        let shown = dir.clone();
        let thread = std::thread::Builder::new()
            .name("flapjack-store".into())
            .spawn(move || {
                while let Some((name, data)) = next_save(&q) {
                    let file = file_name(&name);
                    if let Err(e) = write(&file, &to_json(&name, &data)) {
                        tracing::error!("cannot save {}: {e}", shown.join(&file).display());
                    }
                }
            })
            .map_err(|e| tracing::error!("cannot start the store writer: {e}"))
            .ok();
        Persister { dir, queue, thread: Mutex::new(thread) }
    }

    /// The directory written to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Queues a save of `name`'s data. Call it while holding the lock that changed the data, so
    /// the newest snapshot queued is the newest state; it only clones an `Arc`.
    pub fn save(&self, name: &ScreenName, data: &Arc<AccountData>) {
        let mut p = self.queue.lock();
        if p.latest.insert(name.clone(), Arc::clone(data)).is_none() {
            p.order.push_back(name.clone());
        }
        drop(p);
        self.queue.wake.notify_one();
    }

    /// How many accounts have a save queued and not yet taken by the writer (at most one
    /// entry per account).
    pub fn queued(&self) -> usize {
        self.queue.lock().order.len()
    }

    /// Writes everything queued so far and stops the writer (blocking; call off the runtime).
    pub fn finish(&self) {
        self.queue.lock().stop = true;
        self.queue.wake.notify_one();
        let thread = self.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(t) = thread {
            let _ = t.join();
        }
    }
}

/// The writer's next job: the oldest dirty account's newest snapshot, or `None` once stopped
/// with nothing left.
fn next_save(q: &Queue) -> Option<(ScreenName, Arc<AccountData>)> {
    let mut p = q.lock();
    loop {
        while let Some(name) = p.order.pop_front() {
            if let Some(data) = p.latest.remove(&name) {
                return Some((name, data));
            }
        }
        if p.stop {
            return None;
        }
        p = q.wake.wait(p).unwrap_or_else(|e| e.into_inner());
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

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::symlink_metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[cfg(unix)]
    #[test]
    fn account_files_are_private_atomic_and_replace_symlinks() {
        let root = tempfile::tempdir().unwrap();
        let data = root.path().join("data");
        flapjack_proto::private_file::create_dir(&data).unwrap();
        assert_eq!(mode(&data), 0o700);
        write_atomic(&data, "bob.json", "{}").unwrap();
        assert_eq!(mode(&data.join("bob.json")), 0o600);
        let victim = root.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        std::os::unix::fs::symlink(&victim, data.join("eve.json")).unwrap();
        write_atomic(&data, "eve.json", "{\"x\":1}").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert_eq!(std::fs::read_to_string(data.join("eve.json")).unwrap(), "{\"x\":1}");
        assert_eq!(mode(&data.join("eve.json")), 0o600);
        let left: Vec<_> = std::fs::read_dir(&data)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(left.is_empty());
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
    fn the_queue_keeps_one_snapshot_per_account_and_writes_the_newest() {
        let (tx, rx) = std::sync::mpsc::channel::<(String, String)>();
        let (gate_tx, gate) = std::sync::mpsc::channel::<()>();
        let p = Persister::with_writer(
            "mem".into(),
            Box::new(move |name, text| {
                let _ = gate.recv();
                let _ = tx.send((name.to_string(), text.to_string()));
                Ok(())
            }),
        );
        let (name, mut data) = sample();
        let other = ScreenName::from_wire("Other");
        // The writer takes the first save and waits at the gate; 1,000 more of the same account
        // and one of another stay two entries.
        p.save(&name, &Arc::new(data.clone()));
        while p.queued() > 0 {
            std::thread::yield_now();
        }
        for n in 0..1000u32 {
            data.feedbag.last_modified = n;
            p.save(&name, &Arc::new(data.clone()));
        }
        p.save(&other, &Arc::new(AccountData::default()));
        assert_eq!(p.queued(), 2);
        for _ in 0..3 {
            gate_tx.send(()).unwrap();
        }
        p.finish();
        let written: Vec<(String, String)> = rx.try_iter().collect();
        let names: Vec<&str> = written.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["flapjackfan.json", "flapjackfan.json", "other.json"]);
        assert_eq!(from_json(&written[1].1).unwrap().1.feedbag.last_modified, 999);
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
        p.save(&name, &Arc::new(data.clone()));
        data.offline.clear();
        p.save(&name, &Arc::new(data.clone()));
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
