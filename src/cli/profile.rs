//! Who signs on where: the account and server chosen from the command line and the config file.
//!
//! The precedence is: a flag (`--user`, `--profile`, `--login-url`, `--api-url`, `--dev-id`,
//! `--bucp`) beats the config file, which beats the built-in presets (`aim`, `icq`, `local`,
//! `oos`). A `[[server]]` entry named like a preset starts from that preset and changes only
//! what it sets; any other name starts from `local`.
//!
//! Open OSCAR Server (`oos`, or `web_api = "oos"`) signs on by BUCP unless a web-API URL is
//! given; it serves `/auth` and `/aim` from one listener, so one URL given stands for both.

use std::path::{Path, PathBuf};

use crate::auth::{AuthError, ServerProfile, WebApi};
use crate::config::{Config, ConfigError};
use crate::credentials::CredentialKey;
use crate::screenname::{ScreenName, ScreenNameError};
use crate::session::LoginMethod;
use crate::tls::{
    certificates_from_pem, parse_fingerprint, FingerprintError, PemError, TlsOptions,
};

use super::args::Options;

/// The clientLogin endpoint path, stripped from configured URLs that include it.
const CLIENT_LOGIN_PATH: &str = "/auth/clientLogin";
/// The startOSCARSession endpoint path, stripped from configured URLs that include it.
const START_SESSION_PATH: &str = "/aim/startOSCARSession";

/// Why the account or server could not be chosen; every message says what to pass or set.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// Neither `--user` nor the config file names an account.
    #[error("no account: pass --user NAME, or set default_account in {}", .config.display())]
    NoAccount {
        /// The config file that was read.
        config: PathBuf,
    },
    /// The account name is not a valid screen name or UIN.
    #[error("--user")]
    User(#[source] ScreenNameError),
    /// The profile is neither a preset nor a `[[server]]` in the config file.
    #[error(
        "unknown profile `{0}`: use aim, icq, local, oos, or a [[server]] name from the config \
         file"
    )]
    UnknownProfile(String),
    /// The HTTP sign-on URLs are unusable (not absolute, or plain http to a remote host).
    #[error(transparent)]
    Url(#[from] AuthError),
    /// The CA file (`--ca-file`, `ca_file`) cannot be read.
    #[error("CA file {}: {source}", .path.display())]
    CaFileUnreadable {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The CA file holds no usable certificate.
    #[error("CA file {}: {error}", .path.display())]
    CaFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        error: PemError,
    },
    /// The pinned fingerprint (`--cert-sha256`, `cert_sha256`) is unusable.
    #[error("--cert-sha256 / cert_sha256: {0}")]
    Fingerprint(FingerprintError),
    /// Trust on first use was asked for but there is no data directory for the known hosts.
    #[error("trust on first use needs a data directory for its known_hosts file (is $HOME set?)")]
    NoKnownHostsDir,
}

/// Who signs on where, resolved from the command line and the config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The account to sign on as.
    pub screen_name: ScreenName,
    /// The server's endpoints and developer key, overrides applied.
    pub profile: ServerProfile,
    /// HTTP sign-on or BUCP.
    pub method: LoginMethod,
    /// Whether TLS is asked for (`--tls`, or the server entry's `tls`); `None` = the server's
    /// answer decides (TLS when the API URL is https).
    pub request_tls: Option<bool>,
    /// Whom to trust over TLS (CA file, pinned certificate, trust on first use).
    pub tls: TlsOptions,
    /// Where BOS speaks TLS when the login answer names a plain BOS (§4.10).
    pub bos_tls: Option<String>,
    /// The user allowed presenting the cookie to a plain BOS for this server.
    pub allow_plain_bos: bool,
}

impl Target {
    /// The key under which this account's long-term token is kept: the same account on two
    /// servers gets two entries, so the server's `startOSCARSession` URL is part of it.
    pub fn credential_key(&self) -> CredentialKey {
        CredentialKey::new(&self.profile.api_url, &self.screen_name)
    }
}

/// Strips a full endpoint path from a configured URL, so both base and full URLs work.
pub fn base_url(url: &str, endpoint_path: &str) -> String {
    url.strip_suffix(endpoint_path).unwrap_or(url).trim_end_matches('/').to_string()
}

/// The config file to read: `--config`, else the platform default.
pub fn config_path(global: &Options) -> Result<PathBuf, ConfigError> {
    match &global.config {
        Some(path) => Ok(path.clone()),
        None => Config::default_path(),
    }
}

/// Reads the config file named by `--config` (or the default); a missing file gives defaults.
/// Returns the path too, since error messages name it.
pub fn load_config(global: &Options) -> Result<(Config, PathBuf), ConfigError> {
    let path = config_path(global)?;
    Ok((Config::load(&path)?, path))
}

/// Chooses the account, the server profile and the login method. `config_path` is only named
/// in the error that asks for an account.
pub fn resolve(
    global: &Options,
    config: &Config,
    config_path: &Path,
) -> Result<Target, ResolveError> {
    let user = match (&global.account.user, &config.default_account) {
        (Some(user), _) => user.clone(),
        (None, Some(user)) => user.clone(),
        (None, None) => match config.accounts.as_slice() {
            [only] => only.screen_name.clone(),
            _ => return Err(ResolveError::NoAccount { config: config_path.to_path_buf() }),
        },
    };
    let screen_name = ScreenName::parse(&user).map_err(ResolveError::User)?;
    let profile_name = match (&global.account.profile, config.account(&user)) {
        (Some(name), _) => name.clone(),
        (None, Some(account)) => account.server_name().to_string(),
        (None, None) => "local".to_string(),
    };
    let mut request_tls = None;
    let empty = crate::config::ServerProfile::default();
    let entry = config.server(&profile_name).unwrap_or(&empty);
    // Which URLs were given (by the config entry or a flag) rather than inherited.
    let mut given_login = global.account.login_url.is_some();
    let mut given_api = global.account.api_url.is_some();
    let mut profile = match (config.server(&profile_name), ServerProfile::preset(&profile_name)) {
        (Some(custom), preset) => {
            let mut p = preset.unwrap_or_else(ServerProfile::local);
            p.name = custom.name.clone();
            if let Some(url) = &custom.login_url {
                p.login_url = base_url(url, CLIENT_LOGIN_PATH);
            }
            if let Some(url) = &custom.api_url {
                p.api_url = base_url(url, START_SESSION_PATH);
            }
            if let Some(key) = &custom.dev_id {
                p.dev_id = key.clone();
            }
            p.bucp = custom.bucp.clone().or(p.bucp);
            if let Some(api) = custom.web_api {
                p.web_api = api;
            }
            given_login |= custom.login_url.is_some();
            given_api |= custom.api_url.is_some();
            request_tls = custom.tls;
            // A profile with only a BUCP host signs on through it.
            if custom.login_url.is_none() && custom.api_url.is_none() && custom.bucp.is_some() {
                p.login_url = String::new();
            }
            p
        }
        (None, Some(preset)) => preset,
        (None, None) => return Err(ResolveError::UnknownProfile(profile_name)),
    };
    if let Some(url) = &global.account.login_url {
        profile.login_url = base_url(url, CLIENT_LOGIN_PATH);
    }
    if let Some(url) = &global.account.api_url {
        profile.api_url = base_url(url, START_SESSION_PATH);
    }
    if let Some(key) = &global.account.dev_id {
        profile.dev_id = key.clone();
    }
    if profile.web_api == WebApi::Oos {
        // OOS answers clientLogin and the /aim calls on the same listener.
        if given_login && !given_api {
            profile.api_url = profile.login_url.clone();
        } else if given_api && !given_login {
            profile.login_url = profile.api_url.clone();
        }
    }
    let method = match (&global.account.bucp, profile.login_url.is_empty(), &profile.bucp) {
        (Some(addr), _, _) => LoginMethod::Bucp(addr.clone()),
        (None, true, Some(addr)) => LoginMethod::Bucp(addr.clone()),
        _ => LoginMethod::Http,
    };
    if method == LoginMethod::Http {
        profile.check()?;
        if profile.web_api == WebApi::Oos && profile.dev_id.trim().is_empty() {
            return Err(ResolveError::Url(AuthError::MissingDevKey));
        }
    }
    if global.account.tls {
        request_tls = Some(true);
    }
    let tls = trust(global, entry)?;
    let mut bos_tls = global.account.bos_tls.clone().or_else(|| entry.bos_tls.clone());
    // Open OSCAR Server shares one port between login and BOS; behind stunnel, that port's TLS
    // face serves both, so BOS over TLS is where the login went (§4.10).
    if let (None, Some(true), LoginMethod::Bucp(addr), WebApi::Oos) =
        (&bos_tls, request_tls, &method, profile.web_api)
    {
        bos_tls = Some(addr.clone());
    }
    let allow_plain_bos = entry.allow_plain_bos.unwrap_or(false);
    Ok(Target { screen_name, profile, method, request_tls, tls, bos_tls, allow_plain_bos })
}

/// Whom to trust over TLS, from the flags and the server entry (a flag wins).
fn trust(
    global: &Options,
    entry: &crate::config::ServerProfile,
) -> Result<TlsOptions, ResolveError> {
    let mut tls = TlsOptions::default();
    if let Some(path) = global.account.ca_file.as_ref().or(entry.ca_file.as_ref()) {
        let pem = std::fs::read(path)
            .map_err(|source| ResolveError::CaFileUnreadable { path: path.clone(), source })?;
        tls.extra_roots = certificates_from_pem(&pem)
            .map_err(|error| ResolveError::CaFile { path: path.clone(), error })?;
    }
    if let Some(fp) = global.account.cert_sha256.as_ref().or(entry.cert_sha256.as_ref()) {
        tls.pin = Some(parse_fingerprint(fp).map_err(ResolveError::Fingerprint)?);
    }
    if global.account.trust_on_first_use || entry.trust_on_first_use == Some(true) {
        let path = Config::default_known_hosts_path().map_err(|_| ResolveError::NoKnownHostsDir)?;
        tls.known_hosts = Some(path);
    }
    Ok(tls)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::args::Cli;
    use clap::Parser;

    fn global(flags: &[&str]) -> Options {
        let args = std::iter::once("flapjack").chain(flags.iter().copied());
        Cli::try_parse_from(args).unwrap().options()
    }

    fn config(text: &str) -> Config {
        Config::parse(text, Path::new("test.toml")).unwrap()
    }

    fn resolve_with(flags: &[&str], text: &str) -> Result<Target, ResolveError> {
        resolve(&global(flags), &config(text), Path::new("/cfg/config.toml"))
    }

    #[test]
    fn configured_urls_may_be_base_or_full_endpoints() {
        assert_eq!(base_url("http://h:1/auth/clientLogin", CLIENT_LOGIN_PATH), "http://h:1");
        assert_eq!(base_url("http://h:1/", CLIENT_LOGIN_PATH), "http://h:1");
        assert_eq!(base_url("http://h:1/aim/startOSCARSession", START_SESSION_PATH), "http://h:1");
    }

    #[test]
    fn without_any_account_the_error_names_the_flag_and_the_config_file() {
        let err = resolve_with(&[], "").unwrap_err();
        assert!(matches!(err, ResolveError::NoAccount { .. }), "{err:?}");
        let text = err.to_string();
        assert!(text.contains("--user NAME") && text.contains("/cfg/config.toml"), "{text}");
    }

    #[test]
    fn the_account_comes_from_the_flag_then_the_default_then_a_single_account() {
        let two = "default_account = \"Dora\"\n\
                   [[account]]\nscreen_name = \"Solo\"\nserver = \"local\"\n\
                   [[account]]\nscreen_name = \"Dora\"\nserver = \"local\"\n\
                   [[server]]\nname = \"local\"";
        assert_eq!(
            resolve_with(&["--user", "Flag Name"], two).unwrap().screen_name.as_str(),
            "Flag Name"
        );
        assert_eq!(resolve_with(&[], two).unwrap().screen_name.as_str(), "Dora");
        let many = "[[account]]\nscreen_name = \"Solo\"\nserver = \"local\"\n\
                    [[account]]\nscreen_name = \"Dora\"\nserver = \"local\"\n\
                    [[server]]\nname = \"local\"";
        let err = resolve_with(&[], many).unwrap_err();
        assert!(matches!(err, ResolveError::NoAccount { .. }), "two accounts, no default: {err:?}");
        let one =
            "[[account]]\nscreen_name = \"Solo\"\nserver = \"aim\"\n[[server]]\nname = \"aim\"";
        let target = resolve_with(&[], one).unwrap();
        assert_eq!(target.screen_name.as_str(), "Solo");
        assert_eq!(target.profile, ServerProfile::aim(), "the account's server is used");
    }

    #[test]
    fn a_bad_screen_name_is_blamed_on_user() {
        let err = resolve_with(&["--user", "   "], "").unwrap_err();
        assert!(matches!(err, ResolveError::User(_)), "{err:?}");
        assert!(format!("{:#}", anyhow::Error::from(err)).starts_with("--user: "));
    }

    #[test]
    fn without_a_profile_the_embedded_server_is_used_over_http() {
        let target = resolve_with(&["--user", "alice"], "").unwrap();
        assert_eq!(target.profile, ServerProfile::local());
        assert_eq!(target.method, LoginMethod::Http);
        assert_eq!(target.request_tls, None);
    }

    #[test]
    fn an_unknown_profile_lists_the_choices() {
        let err = resolve_with(&["--user", "alice", "--profile", "nowhere"], "").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown profile `nowhere`: use aim, icq, local, oos, or a [[server]] name from the \
             config file"
        );
    }

    #[test]
    fn a_server_entry_overrides_only_what_it_sets_on_its_preset() {
        let text = "[[server]]\nname = \"icq\"\ndev_id = \"mine\"\ntls = false";
        let target = resolve_with(&["--user", "123456", "--profile", "icq"], text).unwrap();
        let icq = ServerProfile::icq();
        assert_eq!(target.profile.dev_id, "mine");
        assert_eq!(target.profile.login_url, icq.login_url);
        assert_eq!(target.profile.api_url, icq.api_url);
        assert_eq!(target.request_tls, Some(false));
    }

    #[test]
    fn a_custom_server_starts_from_local_and_accepts_full_endpoint_urls() {
        let text =
            "[[server]]\nname = \"lan\"\nlogin_url = \"http://127.0.0.1:9/auth/clientLogin\"\n\
                    api_url = \"http://127.0.0.1:9/aim/startOSCARSession/\"";
        let target = resolve_with(&["--user", "alice", "--profile", "lan"], text).unwrap();
        assert_eq!(target.profile.name, "lan");
        assert_eq!(target.profile.login_url, "http://127.0.0.1:9");
        assert_eq!(target.profile.dev_id, ServerProfile::local().dev_id);
        assert_eq!(target.method, LoginMethod::Http);
    }

    #[test]
    fn a_server_with_only_a_bucp_host_signs_on_through_it() {
        let text = "[[account]]\nscreen_name = \"alice\"\nserver = \"oscar\"\n\
                    [[server]]\nname = \"oscar\"\nbucp = \"127.0.0.1:5190\"";
        let target = resolve_with(&[], text).unwrap();
        assert_eq!(target.method, LoginMethod::Bucp("127.0.0.1:5190".into()));
        assert!(target.profile.login_url.is_empty());
    }

    #[test]
    fn flags_beat_the_config_file() {
        let text = "[[server]]\nname = \"lan\"\nlogin_url = \"http://127.0.0.1:9\"\n\
                    api_url = \"http://127.0.0.1:9\"\ndev_id = \"cfg\"";
        let flags = [
            "--user",
            "alice",
            "--profile",
            "lan",
            "--login-url",
            "http://127.0.0.1:7/auth/clientLogin",
            "--api-url",
            "http://127.0.0.1:8",
            "--dev-id",
            "flag",
        ];
        let target = resolve_with(&flags, text).unwrap();
        assert_eq!(target.profile.login_url, "http://127.0.0.1:7");
        assert_eq!(target.profile.api_url, "http://127.0.0.1:8");
        assert_eq!(target.profile.dev_id, "flag");
        let bucp = resolve_with(&["--user", "alice", "--bucp", "127.0.0.1:5191"], "").unwrap();
        assert_eq!(bucp.method, LoginMethod::Bucp("127.0.0.1:5191".into()));
    }

    #[test]
    fn plain_http_to_a_remote_host_is_refused_unless_bucp_is_used() {
        let remote = ["--user", "alice", "--login-url", "http://example.com"];
        let err = resolve_with(&remote, "").unwrap_err();
        assert!(matches!(err, ResolveError::Url(_)), "{err:?}");
        assert!(err.to_string().contains("plain http:// is only allowed to loopback"), "{err}");
        let with_bucp = [&remote[..], &["--bucp", "127.0.0.1:5191"]].concat();
        assert!(resolve_with(&with_bucp, "").is_ok(), "BUCP skips the HTTP URL check");
    }

    #[test]
    fn the_oos_preset_signs_on_by_bucp_on_5190_unless_a_web_api_url_is_given() {
        let bucp = resolve_with(&["--user", "alice", "--profile", "oos"], "").unwrap();
        assert_eq!(bucp.method, LoginMethod::Bucp("127.0.0.1:5190".into()));
        assert_eq!(bucp.profile.web_api, WebApi::Oos);
        let moved =
            resolve_with(&["--user", "alice", "--profile", "oos", "--bucp", "10.1.1.1:5190"], "")
                .unwrap();
        assert_eq!(
            moved.method,
            LoginMethod::Bucp("10.1.1.1:5190".into()),
            "the host is overridable"
        );
        let web = [
            "--user",
            "alice",
            "--profile",
            "oos",
            "--login-url",
            "http://127.0.0.1:8081",
            "--dev-id",
            "key",
        ];
        let target = resolve_with(&web, "").unwrap();
        assert_eq!(target.method, LoginMethod::Http);
        assert_eq!(target.profile.api_url, "http://127.0.0.1:8081", "one URL stands for both");
        assert_eq!(target.profile.web_api, WebApi::Oos);
        assert_eq!(target.profile.dev_id, "key");
    }

    #[test]
    fn the_oos_web_api_without_a_key_is_a_usage_error_that_says_how_to_give_one() {
        let flags = ["--user", "alice", "--profile", "oos", "--api-url", "http://127.0.0.1:8081"];
        let err = resolve_with(&flags, "").unwrap_err();
        assert!(matches!(err, ResolveError::Url(AuthError::MissingDevKey)), "{err:?}");
        assert!(err.to_string().contains("--dev-id"), "{err}");
    }

    #[test]
    fn the_config_chooses_the_oos_web_api_per_server_and_accounts_may_name_the_preset() {
        let text = "[[account]]\nscreen_name = \"alice\"\nserver = \"home\"\n\
                    [[server]]\nname = \"home\"\nlogin_url = \"http://127.0.0.1:8081\"\n\
                    api_url = \"http://127.0.0.1:8081\"\ndev_id = \"k1\"\nweb_api = \"oos\"";
        let target = resolve_with(&[], text).unwrap();
        assert_eq!(target.profile.web_api, WebApi::Oos);
        assert_eq!((target.profile.dev_id.as_str(), &target.method), ("k1", &LoginMethod::Http));
        let preset = "[[account]]\nscreen_name = \"alice\"\nserver = \"oos\"";
        let target = resolve_with(&[], preset).unwrap();
        assert_eq!(target.method, LoginMethod::Bucp("127.0.0.1:5190".into()));
        let moved = "[[account]]\nscreen_name = \"alice\"\nserver = \"oos\"\n\
                     [[server]]\nname = \"oos\"\nbucp = \"192.0.2.7:5195\"";
        let target = resolve_with(&[], moved).unwrap();
        assert_eq!(target.method, LoginMethod::Bucp("192.0.2.7:5195".into()));
        assert_eq!(target.profile.web_api, WebApi::Oos);
    }

    #[test]
    fn the_credential_key_follows_the_api_url_and_the_normalized_name() {
        let a = resolve_with(&["--user", "Bob Smith"], "").unwrap();
        let b = resolve_with(&["--user", "bobsmith", "--api-url", "http://127.0.0.1:8080/"], "")
            .unwrap();
        assert_eq!(a.credential_key(), CredentialKey::new(&a.profile.api_url, &b.screen_name));
        assert_eq!(b.credential_key().keyring_user(), "bobsmith@http://127.0.0.1:8080");
    }

    const FP: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    #[test]
    fn tls_behind_stunnel_on_oos_goes_to_the_login_port_for_bos_too() {
        let text = format!(
            "[[account]]\nscreen_name = \"alice\"\nserver = \"oos\"\n\
             [[server]]\nname = \"oos\"\nbucp = \"aim.example:5193\"\ntls = true\n\
             cert_sha256 = \"{FP}\""
        );
        let target = resolve_with(&[], &text).unwrap();
        assert_eq!(target.method, LoginMethod::Bucp("aim.example:5193".into()));
        assert_eq!(target.request_tls, Some(true));
        assert_eq!(target.tls.pin, Some(crate::tls::parse_fingerprint(FP).unwrap()));
        assert_eq!(target.bos_tls.as_deref(), Some("aim.example:5193"));
        assert!(!target.allow_plain_bos);
        // A flag names another TLS BOS; the config's opt-in for a plain BOS is read.
        let text = format!("{text}\nallow_plain_bos = true");
        let target = resolve_with(&["--bos-tls", "bos.example:443"], &text).unwrap();
        assert_eq!(target.bos_tls.as_deref(), Some("bos.example:443"));
        assert!(target.allow_plain_bos);
    }

    #[test]
    fn tls_on_a_non_oos_server_has_no_default_tls_bos_and_flags_turn_tls_on() {
        let text = "[[server]]\nname = \"retro\"\nbucp = \"h.example:5190\"";
        let target = resolve_with(&["--user", "bob", "--profile", "retro"], text).unwrap();
        assert_eq!((target.request_tls, target.bos_tls.clone()), (None, None));
        let target = resolve_with(&["--user", "bob", "--profile", "retro", "--tls"], text).unwrap();
        assert_eq!((target.request_tls, target.bos_tls), (Some(true), None));
        let target = resolve_with(&["--user", "bob", "--trust-on-first-use"], "").unwrap();
        let file = target.tls.known_hosts.unwrap();
        assert!(file.ends_with("known_hosts"), "{}", file.display());
    }

    #[test]
    fn ca_files_and_pins_are_checked_with_errors_that_name_them() {
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.pem");
        let cert = rcgen::generate_simple_self_signed(vec!["ca.example".into()]).unwrap();
        std::fs::write(&ca, cert.cert.pem()).unwrap();
        let path = ca.to_str().unwrap();
        let target = resolve_with(&["--user", "bob", "--ca-file", path], "").unwrap();
        assert_eq!(target.tls.extra_roots, vec![cert.cert.der().to_vec()]);
        std::fs::write(&ca, "not a certificate").unwrap();
        let err = resolve_with(&["--user", "bob", "--ca-file", path], "").unwrap_err();
        assert!(err.to_string().contains(path) && err.to_string().contains("CERTIFICATE"));
        let missing = dir.path().join("missing.pem");
        let err = resolve_with(&["--user", "bob", "--ca-file", missing.to_str().unwrap()], "")
            .unwrap_err();
        assert!(matches!(err, ResolveError::CaFileUnreadable { .. }), "{err:?}");
        let err = resolve_with(&["--user", "bob", "--cert-sha256", "abc"], "").unwrap_err();
        assert!(err.to_string().contains("64 hex digits"), "{err}");
    }

    #[test]
    fn the_file_config_init_writes_resolves_as_is_and_once_filled_in() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        Config::write_example(&path).unwrap();
        let written = Config::load(&path).unwrap();
        let err = resolve(&global(&[]), &written, &path).unwrap_err();
        assert!(matches!(err, ResolveError::NoAccount { .. }), "no account until one is added");
        let target = resolve(&global(&["--user", "alice"]), &written, &path).unwrap();
        assert_eq!(target.profile, ServerProfile::local());

        let text = std::fs::read_to_string(&path).unwrap();
        let filled = crate::config::tests::uncomment_examples(&text);
        let filled = Config::parse(&filled, &path).unwrap();
        let target = resolve(&global(&[]), &filled, &path).unwrap();
        assert_eq!(target.screen_name.as_str(), "YourScreenName");
        assert_eq!(target.profile, ServerProfile::aim(), "the aim preset, no [[server]] needed");
        let lan = resolve(&global(&["--profile", "my-server"]), &filled, &path).unwrap();
        assert_eq!(lan.profile.login_url, "http://127.0.0.1:8080");
    }

    #[test]
    fn every_preset_works_as_an_accounts_server_and_server_may_be_left_out() {
        for (preset, profile) in [
            ("aim", ServerProfile::aim()),
            ("icq", ServerProfile::icq()),
            ("local", ServerProfile::local()),
        ] {
            let text = format!("[[account]]\nscreen_name = \"123456\"\nserver = \"{preset}\"");
            let target = resolve_with(&[], &text).unwrap();
            assert_eq!(target.profile, profile, "{preset}");
            assert_eq!(target.method, LoginMethod::Http, "{preset}");
        }
        let oos =
            resolve_with(&[], "[[account]]\nscreen_name = \"alice\"\nserver = \"oos\"").unwrap();
        assert_eq!(oos.method, LoginMethod::Bucp("127.0.0.1:5190".into()));
        let bare = resolve_with(&[], "[[account]]\nscreen_name = \"alice\"").unwrap();
        assert_eq!(bare.screen_name.as_str(), "alice");
        assert_eq!(bare.profile, ServerProfile::local(), "no server: the embedded one");
    }

    #[test]
    fn options_after_the_subcommand_win_over_those_before_it() {
        let parse = |args: &[&str]| {
            Cli::try_parse_from(std::iter::once("flapjack").chain(args.iter().copied()))
                .unwrap()
                .options()
        };
        let o = parse(&["--user", "a", "--profile", "icq", "login", "--user", "b", "--no-keyring"]);
        assert_eq!(o.account.user.as_deref(), Some("b"));
        assert_eq!(o.account.profile.as_deref(), Some("icq"), "kept from before");
        assert!(o.secret.no_keyring);
        let o = parse(&["--config", "/a.toml", "logout", "--config", "/b.toml"]);
        assert_eq!(o.config.as_deref(), Some(Path::new("/b.toml")));
        let o = parse(&["config", "keys", "--config", "/c.toml"]);
        assert_eq!(o.config.as_deref(), Some(Path::new("/c.toml")));
        let o = parse(&["demo", "--user", "Pancake Pal"]);
        assert_eq!(o.account.user.as_deref(), Some("Pancake Pal"));
    }
}
