//! Files only the user can read: the client's history, logs, config file, known-hosts file and
//! icon cache, and the server's `serve --data` account files (one copy of the rules for both).
//!
//! Directories flapjack creates are 0700 and files 0600. A whole-file write goes to a fresh
//! temporary file in the same directory (created exclusively, never through a symlink) and is
//! renamed over the target, so a reader sees the old file or the new one and a planted symlink
//! is replaced, not followed. Appends open the file without following a symlink and tighten a
//! file that exists with wider permissions. Elsewhere than on Unix the modes do not apply and
//! only the atomic rename is kept.

use std::fs::{File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

/// The mode of files flapjack writes.
pub const FILE_MODE: u32 = 0o600;
/// The mode of directories flapjack creates.
pub const DIR_MODE: u32 = 0o700;

/// Creates `dir` and any missing parents with mode 0700; a `dir` that exists keeps its
/// parents' modes but is itself narrowed to 0700 (it is flapjack's own directory).
pub fn create_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(DIR_MODE);
    }
    builder.create(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let meta = std::fs::symlink_metadata(dir)?;
        if !meta.is_dir() {
            return Err(io::Error::other(format!("{} is not a directory", dir.display())));
        }
        if meta.permissions().mode() & 0o777 != DIR_MODE {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(DIR_MODE))?;
        }
    }
    Ok(())
}

/// Options that never follow a symlink at the last path component and give new files 0600.
fn private_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(FILE_MODE).custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC);
    }
    options
}

/// Narrows an open file to 0600 if it is wider (through the descriptor, so a file swapped in
/// meanwhile cannot be the one changed).
fn tighten(file: &File) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if file.metadata()?.permissions().mode() & 0o777 != FILE_MODE {
            file.set_permissions(std::fs::Permissions::from_mode(FILE_MODE))?;
        }
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

/// Opens `path` for appending, creating it 0600 (and its directory 0700) if needed. A symlink
/// at `path` is an error, not followed.
pub fn open_append(path: &Path) -> io::Result<File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_dir(dir)?;
    }
    let file = private_options().create(true).append(true).open(path)?;
    tighten(&file)?;
    Ok(file)
}

/// Creates `path` with `bytes`, 0600, failing with [`io::ErrorKind::AlreadyExists`] if
/// anything (a file, a symlink) is already there.
pub fn create_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_dir(dir)?;
    }
    let mut file = private_options().write(true).create_new(true).open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Replaces `path` with `bytes` atomically: a new 0600 temporary file beside it, created
/// exclusively (never through a symlink), synced, then renamed over `path`. Creates the
/// directory (0700) if needed. On failure the temporary file is removed and `path` is as it
/// was.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => dir.to_path_buf(),
        None => PathBuf::from("."),
    };
    create_dir(&dir)?;
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::other(format!("{} names no file", path.display())))?
        .to_string_lossy()
        .into_owned();
    let mut attempt = 0;
    let (tmp, mut file) = loop {
        let tmp =
            dir.join(format!(".{name}.{}.{:016x}.tmp", std::process::id(), rand::random::<u64>()));
        match private_options().write(true).create_new(true).open(&tmp) {
            Ok(file) => break (tmp, file),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 8 => attempt += 1,
            Err(e) => return Err(e),
        }
    };
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    drop(file);
    let renamed = written.and_then(|()| std::fs::rename(&tmp, path));
    if renamed.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    renamed
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    fn mode(path: &Path) -> u32 {
        std::fs::symlink_metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn new_files_are_0600_in_0700_directories() {
        let root = tempfile::tempdir().unwrap();
        let nested = root.path().join("a/b");
        write_atomic(&nested.join("config.toml"), b"x = 1\n").unwrap();
        assert_eq!(mode(&nested), 0o700);
        assert_eq!(mode(&root.path().join("a")), 0o700);
        assert_eq!(mode(&nested.join("config.toml")), 0o600);
        let log = root.path().join("logs/flapjack.log");
        writeln!(open_append(&log).unwrap(), "one").unwrap();
        assert_eq!(mode(&log), 0o600);
        assert_eq!(mode(&root.path().join("logs")), 0o700);
        create_new(&root.path().join("new.toml"), b"y").unwrap();
        assert_eq!(mode(&root.path().join("new.toml")), 0o600);
        let again = create_new(&root.path().join("new.toml"), b"z").unwrap_err();
        assert_eq!(again.kind(), io::ErrorKind::AlreadyExists);
    }

    #[test]
    fn existing_wide_files_and_directories_are_narrowed() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("history");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let file = dir.join("bob.jsonl");
        std::fs::write(&file, "old\n").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        writeln!(open_append(&file).unwrap(), "new").unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&file), 0o600);
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "old\nnew\n");
    }

    #[test]
    fn symlinks_are_replaced_or_refused_never_followed() {
        let root = tempfile::tempdir().unwrap();
        let victim = root.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let link = root.path().join("config.toml");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        // A whole-file write replaces the link itself.
        write_atomic(&link, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert!(!std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read_to_string(&link).unwrap(), "new");
        // An append through a link is refused.
        let log = root.path().join("flapjack.log");
        std::os::unix::fs::symlink(&victim, &log).unwrap();
        assert!(open_append(&log).is_err());
        assert!(create_new(&log, b"x").is_err());
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(root.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
    }
}
