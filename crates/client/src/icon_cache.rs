//! The buddy-icon disk cache: one file per BART hash (its hex) in the XDG cache directory
//! (`$XDG_CACHE_HOME/flapjack/icons`), the directory 0700 and the files 0600, each written to
//! a fresh temporary file (`create_new`) and renamed into place so a reader never sees half an
//! icon. The total size is bounded: past [`IconCache::max_bytes`], the least recently used
//! files go (a hit refreshes a file's modification time).
//!
//! The cache trusts nothing it reads: the session checks every icon against its hash before
//! showing it, cached or downloaded.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use bytes::Bytes;

/// The default bound on the cache's total size.
pub const DEFAULT_MAX_BYTES: u64 = 8 * 1024 * 1024;
/// The largest file the cache reads back (a BART item travels in a u16 length).
pub const MAX_ICON_FILE: u64 = 65_535;

/// A directory of icons by hash.
#[derive(Debug, Clone)]
pub struct IconCache {
    dir: PathBuf,
    max_bytes: u64,
}

impl IconCache {
    /// `$XDG_CACHE_HOME/flapjack/icons` (or the platform's equivalent), if a home is known.
    pub fn default_dir() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "flapjack").map(|d| d.cache_dir().join("icons"))
    }

    /// Opens (creating, mode 0700) the cache in `dir`, bounded to `max_bytes` in total.
    pub fn open(dir: impl Into<PathBuf>, max_bytes: u64) -> std::io::Result<Self> {
        let dir = dir.into();
        crate::private_file::create_dir(&dir)?;
        Ok(IconCache { dir, max_bytes })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The bound on the total size.
    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    fn path(&self, hash: &[u8]) -> Option<PathBuf> {
        (!hash.is_empty()).then(|| self.dir.join(hex::encode(hash)))
    }

    /// The icon stored for `hash`, if any (and not larger than any icon can be); a hit
    /// counts as a use for eviction.
    pub fn get(&self, hash: &[u8]) -> Option<Bytes> {
        let path = self.path(hash)?;
        let file = fs::File::open(&path).ok()?;
        let meta = file.metadata().ok()?;
        if !meta.is_file() || meta.len() > MAX_ICON_FILE {
            return None;
        }
        let data = fs::read(&path).ok()?;
        let _ = file.set_modified(SystemTime::now());
        Some(Bytes::from(data))
    }

    /// Stores `data` under `hash` (0600, atomically), then evicts down to the bound.
    pub fn put(&self, hash: &[u8], data: &[u8]) -> std::io::Result<()> {
        let Some(path) = self.path(hash) else {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "empty hash"));
        };
        if data.len() as u64 > MAX_ICON_FILE {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "icon too large"));
        }
        crate::private_file::write_atomic(&path, data)?;
        self.evict();
        Ok(())
    }

    /// Removes the least recently used icons until the total is within the bound.
    fn evict(&self) {
        let Ok(entries) = fs::read_dir(&self.dir) else { return };
        let mut files: Vec<(SystemTime, u64, PathBuf)> = entries
            .filter_map(Result::ok)
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .filter_map(|e| {
                let meta = e.metadata().ok()?;
                meta.is_file().then(|| {
                    (meta.modified().unwrap_or(SystemTime::UNIX_EPOCH), meta.len(), e.path())
                })
            })
            .collect();
        let mut total: u64 = files.iter().map(|f| f.1).sum();
        if total <= self.max_bytes {
            return;
        }
        files.sort();
        for (_, len, path) in files {
            if total <= self.max_bytes {
                break;
            }
            if fs::remove_file(&path).is_ok() {
                total = total.saturating_sub(len);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_privately_reads_back_and_refuses_what_cannot_be_an_icon() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = IconCache::open(tmp.path().join("icons"), 1 << 20).unwrap();
        assert_eq!(cache.get(b"\x01\x02"), None);
        cache.put(b"\x01\x02", b"GIF89a").unwrap();
        assert_eq!(cache.get(b"\x01\x02").unwrap(), Bytes::from_static(b"GIF89a"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(cache.dir()), 0o700);
            assert_eq!(mode(&cache.dir().join("0102")), 0o600);
        }
        // No temporary file is left behind.
        assert_eq!(fs::read_dir(cache.dir()).unwrap().count(), 1);
        assert!(cache.put(b"", b"x").is_err());
        assert!(cache.put(b"\x03", &vec![0; 70_000]).is_err());
        // A file planted larger than any icon is not read.
        fs::write(cache.dir().join("04"), vec![0; 70_000]).unwrap();
        assert_eq!(cache.get(b"\x04"), None);
    }

    #[test]
    fn the_least_recently_used_go_first_past_the_bound() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = IconCache::open(tmp.path(), 3000).unwrap();
        let old = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
        for i in 0u8..3 {
            cache.put(&[i], &[i; 1000]).unwrap();
            let f = fs::File::options().write(true).open(cache.dir().join(hex::encode([i])));
            f.unwrap().set_modified(old + std::time::Duration::from_secs(u64::from(i))).unwrap();
        }
        // Using the oldest makes it the newest; the next put then evicts icon 1.
        assert!(cache.get(&[0]).is_some());
        cache.put(&[9], &[9; 1000]).unwrap();
        assert!(cache.get(&[1]).is_none(), "least recently used");
        assert!(cache.get(&[0]).is_some() && cache.get(&[2]).is_some());
        assert!(cache.get(&[9]).is_some());
    }
}
