//! The server's one way to write a file in `serve --data`: 0600, in a 0700 directory, atomic,
//! never through a symlink (the same rules as the client's `private_file`; the server never
//! imports the client, so it keeps its own small copy of them).

use std::io::{self, Write as _};
use std::path::Path;

/// Creates `dir` (and missing parents) 0700, narrowing `dir` itself to 0700 if it exists.
pub fn create_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let meta = std::fs::symlink_metadata(dir)?;
        if !meta.is_dir() {
            return Err(io::Error::other(format!("{} is not a directory", dir.display())));
        }
        if meta.permissions().mode() & 0o777 != 0o700 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
    }
    Ok(())
}

/// Writes `text` to `dir/name` atomically: a new temporary file in `dir`, created exclusively
/// with mode 0600 and `O_NOFOLLOW`, synced, then renamed over `dir/name` (which replaces a
/// symlink there rather than following it). On failure the temporary file is removed.
pub fn write_atomic(dir: &Path, name: &str, text: &str) -> io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC);
    }
    let mut attempt = 0;
    let (tmp, mut file) = loop {
        let tmp =
            dir.join(format!(".{name}.{}.{:016x}.tmp", std::process::id(), rand::random::<u64>()));
        match options.open(&tmp) {
            Ok(file) => break (tmp, file),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 8 => attempt += 1,
            Err(e) => return Err(e),
        }
    };
    let written = file.write_all(text.as_bytes()).and_then(|()| file.sync_all());
    drop(file);
    let renamed = written.and_then(|()| std::fs::rename(&tmp, dir.join(name)));
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
    fn account_files_are_private_atomic_and_replace_symlinks() {
        let root = tempfile::tempdir().unwrap();
        let data = root.path().join("data");
        create_dir(&data).unwrap();
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
}
