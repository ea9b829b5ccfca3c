//! The keyring store against a real Secret Service (gnome-keyring on a private D-Bus session).
//!
//! The first test needs dbus and gnome-keyring, so plain `cargo test` reports it as ignored
//! with that reason; `.ci/run` installs both and runs it (`--include-ignored`). It never
//! pretends to have passed against a keyring it did not reach.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

mod support;

use flapjack::credentials::{CredentialKey, CredentialStore, KeyringStore};
use flapjack::screenname::ScreenName;

#[test]
#[ignore = "needs dbus and gnome-keyring; .ci/run installs them and runs --include-ignored"]
fn stores_loads_and_deletes_in_a_real_secret_service() {
    let Some(_bus) = support::keyring::PrivateKeyring::start() else {
        return;
    };
    let store = KeyringStore::new();
    let key =
        CredentialKey::new("http://127.0.0.1:1", &ScreenName::parse("Key Ring Test").unwrap());
    let _ = store.delete(&key);
    assert_eq!(store.load(&key).unwrap(), None);
    store.save(&key, "{\"token\":\"t1\"}").unwrap();
    assert_eq!(store.load(&key).unwrap().as_deref(), Some("{\"token\":\"t1\"}"));
    store.save(&key, "{\"token\":\"t2\"}").unwrap();
    assert_eq!(store.load(&key).unwrap().as_deref(), Some("{\"token\":\"t2\"}"));
    assert!(store.delete(&key).unwrap());
    assert_eq!(store.load(&key).unwrap(), None);
}

/// With no Secret Service on the bus, the store reports `Unavailable` (so callers can say so once
/// and carry on without storing) instead of failing in some other way or writing a file.
#[test]
fn without_a_secret_service_the_store_says_unavailable() {
    const CHILD: &str = "FLAPJACK_TEST_NO_BUS_CHILD";
    if std::env::var_os(CHILD).is_none() {
        let dir = tempfile::tempdir().unwrap();
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "without_a_secret_service_the_store_says_unavailable"])
            .env(CHILD, "1")
            .env("DBUS_SESSION_BUS_ADDRESS", format!("unix:path={}/no-bus", dir.path().display()))
            .env("HOME", dir.path())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && stdout.contains("1 passed"), "{stdout}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "nothing written to disk");
        return;
    }
    let store = KeyringStore::new();
    let key = CredentialKey::new("http://127.0.0.1:1", &ScreenName::parse("nobody").unwrap());
    let err = store.save(&key, "secret").unwrap_err();
    assert!(matches!(err, flapjack::credentials::CredentialError::Unavailable(_)), "{err:?}");
    assert!(matches!(
        store.load(&key),
        Err(flapjack::credentials::CredentialError::Unavailable(_))
    ));
}
