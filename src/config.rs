//! The configuration file: accounts, server profiles, UI preferences and key bindings.
//!
//! It lives at `~/.config/flapjack/config.toml` (XDG, via [`Config::default_path`]); a missing
//! file means defaults, a broken one is a clear error naming the file, never a panic.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The commented example written by `flapjack config init`.
const EXAMPLE: &str = include_str!("../assets/config.example.toml");

/// Why the configuration could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists but could not be read, or could not be written.
    #[error("cannot access {path}: {source}")]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The file is not valid TOML or does not match the expected shape.
    #[error("{path} is not a valid flapjack config: {message}")]
    Parse {
        /// The file concerned.
        path: PathBuf,
        /// The TOML parser's explanation, with line and column.
        message: String,
    },
    /// The file parses but says something impossible (the text says what).
    #[error("{path}: {message}")]
    Invalid {
        /// The file concerned.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// `config init` would overwrite an existing file.
    #[error("{0} already exists; not overwriting it")]
    Exists(PathBuf),
    /// No home directory, so no place for a config file.
    #[error("cannot find a configuration directory (is $HOME set?)")]
    NoConfigDir,
}

/// Everything the config file can say.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Screen name of the account used when none is given on the command line.
    pub default_account: Option<String>,
    /// Accounts the user signs on with.
    #[serde(rename = "account")]
    pub accounts: Vec<Account>,
    /// Servers those accounts live on.
    #[serde(rename = "server")]
    pub servers: Vec<ServerProfile>,
    /// How the TUI looks and behaves.
    pub ui: UiConfig,
    /// Key-binding overrides: action name → one key or a list of keys.
    pub keys: BTreeMap<String, KeyList>,
}

/// One account: a screen name and the server it signs on to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// The screen name (or ICQ UIN) to sign on as.
    pub screen_name: String,
    /// Name of the [`ServerProfile`] to use.
    pub server: String,
}

/// How to reach one server: HTTP sign-on endpoints, or a BUCP host, or both.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerProfile {
    /// The profile's name, referenced by [`Account::server`].
    pub name: String,
    /// Base URL under which `/auth/clientLogin` lives (a full endpoint URL is accepted too).
    pub login_url: Option<String>,
    /// Base URL under which `/aim/startOSCARSession` lives (a full endpoint URL is accepted too).
    pub api_url: Option<String>,
    /// The developer key sent as `devId`.
    pub dev_id: Option<String>,
    /// `host:port` of a BUCP (MD5) login service, for servers without HTTP sign-on.
    pub bucp: Option<String>,
    /// Whether to use TLS to the BOS host (the server's answer decides when absent).
    pub tls: Option<bool>,
    /// Which web API follows `clientLogin`: `"aol"` (the default, a signed
    /// `startOSCARSession`) or `"oos"` (Open OSCAR Server's `startSession` + `aimsid`).
    pub web_api: Option<crate::auth::WebApi>,
}

/// UI preferences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UiConfig {
    /// Ring the terminal bell when an IM arrives in a chat that is not on screen.
    pub bell: bool,
    /// Ring at most once per chat in this many seconds.
    pub bell_min_interval_secs: u64,
    /// strftime format for message times.
    pub timestamp_format: String,
    /// Log conversations and load them into scrollback.
    pub history: bool,
    /// How many logged messages to load when a chat opens.
    pub history_lines: usize,
    /// Tell the server we are idle after this many minutes without a key press (buddies see
    /// "idle"); 0 never does.
    pub idle_after_minutes: u64,
}

impl UiConfig {
    /// [`UiConfig::idle_after_minutes`] as the session wants it (`None`: never idle).
    pub fn idle_after(&self) -> Option<std::time::Duration> {
        (self.idle_after_minutes > 0)
            .then(|| std::time::Duration::from_secs(self.idle_after_minutes.saturating_mul(60)))
    }
}

impl Default for UiConfig {
    fn default() -> Self {
        Self {
            bell: true,
            bell_min_interval_secs: 5,
            timestamp_format: "%H:%M".to_string(),
            history: true,
            history_lines: 1000,
            idle_after_minutes: 10,
        }
    }
}

/// One key or several for an action, so the file can say `quit = "ctrl-q"` or a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum KeyList {
    /// A single key.
    One(String),
    /// Several keys.
    Many(Vec<String>),
}

impl KeyList {
    /// The keys as a slice-like list, whichever way they were written.
    pub fn keys(&self) -> Vec<&str> {
        match self {
            KeyList::One(k) => vec![k.as_str()],
            KeyList::Many(ks) => ks.iter().map(String::as_str).collect(),
        }
    }
}

impl Config {
    /// `~/.config/flapjack/config.toml` or the platform's equivalent.
    pub fn default_path() -> Result<PathBuf, ConfigError> {
        directories::ProjectDirs::from("", "", "flapjack")
            .map(|dirs| dirs.config_dir().join("config.toml"))
            .ok_or(ConfigError::NoConfigDir)
    }

    /// Where the log file goes (`~/.local/state/flapjack/flapjack.log` on Linux): logs are
    /// written there, never over the UI.
    pub fn default_log_path() -> Result<PathBuf, ConfigError> {
        directories::ProjectDirs::from("", "", "flapjack")
            .map(|dirs| dirs.state_dir().unwrap_or(dirs.data_dir()).join("flapjack.log"))
            .ok_or(ConfigError::NoConfigDir)
    }

    /// Reads and checks a config file; a missing file gives the defaults.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(&text, path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(source) => Err(ConfigError::Io { path: path.to_path_buf(), source }),
        }
    }

    /// Parses and checks config text; `path` only names the source in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })?;
        config
            .validate()
            .map_err(|message| ConfigError::Invalid { path: path.to_path_buf(), message })?;
        Ok(config)
    }

    /// Checks what serde cannot: references between sections and the timestamp format.
    fn validate(&self) -> Result<(), String> {
        for (i, server) in self.servers.iter().enumerate() {
            if self.servers.iter().take(i).any(|s| s.name == server.name) {
                return Err(format!("server profile {:?} is defined twice", server.name));
            }
        }
        for account in &self.accounts {
            if crate::screenname::ScreenName::parse(&account.screen_name).is_err() {
                return Err(format!(
                    "account {:?} is not a valid screen name",
                    account.screen_name
                ));
            }
            let preset = crate::auth::ServerProfile::preset(&account.server).is_some();
            if self.server(&account.server).is_none() && !preset {
                return Err(format!(
                    "account {:?} uses server {:?}, but no [[server]] has that name and it is \
                     not a preset (aim, icq, local, oos)",
                    account.screen_name, account.server
                ));
            }
        }
        if let Some(default) = &self.default_account {
            if self.account(default).is_none() {
                return Err(format!("default_account {default:?} is not one of the [[account]]s"));
            }
        }
        let bad = chrono::format::StrftimeItems::new(&self.ui.timestamp_format)
            .any(|item| matches!(item, chrono::format::Item::Error));
        if bad {
            return Err(format!(
                "ui.timestamp_format {:?} is not a valid strftime format",
                self.ui.timestamp_format
            ));
        }
        Ok(())
    }

    /// The account with this screen name (compared the way servers compare names).
    pub fn account(&self, screen_name: &str) -> Option<&Account> {
        let wanted = crate::screenname::normalize(screen_name);
        self.accounts.iter().find(|a| crate::screenname::normalize(&a.screen_name) == wanted)
    }

    /// The server profile with this name.
    pub fn server(&self, name: &str) -> Option<&ServerProfile> {
        self.servers.iter().find(|s| s.name == name)
    }

    /// The commented example configuration that `flapjack config init` writes.
    pub fn example() -> &'static str {
        EXAMPLE
    }

    /// Writes [`Config::example`] to `path`, creating its directory, refusing to overwrite.
    pub fn write_example(path: &Path) -> Result<(), ConfigError> {
        let io = |source| ConfigError::Io { path: path.to_path_buf(), source };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut file =
            std::fs::OpenOptions::new().write(true).create_new(true).open(path).map_err(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    ConfigError::Exists(path.to_path_buf())
                } else {
                    io(e)
                }
            })?;
        std::io::Write::write_all(&mut file, EXAMPLE.as_bytes()).map_err(io)
    }
}

impl fmt::Display for KeyList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.keys().join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("test.toml"))
    }

    #[test]
    fn example_parses_and_says_something() {
        let config = match parse(Config::example()) {
            Ok(c) => c,
            Err(e) => panic!("example does not parse: {e}"),
        };
        assert_eq!(config.default_account.as_deref(), Some("MyScreenName"));
        assert_eq!(config.accounts.len(), 1);
        assert_eq!(config.servers.len(), 2);
        assert_eq!(
            config.server("retro-bucp").and_then(|s| s.bucp.as_deref()),
            Some("127.0.0.1:5191")
        );
        assert_eq!(config.ui, UiConfig::default());
    }

    #[test]
    fn empty_file_is_defaults() {
        assert_eq!(parse("").ok(), Some(Config::default()));
    }

    #[test]
    fn keys_accept_one_or_many() {
        let c = parse("[keys]\nquit = \"ctrl-x\"\nsearch = [\"ctrl-f\", \"/\"]\n").ok();
        let keys = c.map(|c| c.keys).unwrap_or_default();
        assert_eq!(keys.get("quit").map(KeyList::keys), Some(vec!["ctrl-x"]));
        assert_eq!(keys.get("search").map(KeyList::keys), Some(vec!["ctrl-f", "/"]));
    }

    #[test]
    fn bad_toml_is_a_clear_error() {
        let err = parse("[ui\nbell = true").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.starts_with("test.toml is not a valid flapjack config"), "{err}");
        let err = parse("[ui]\nbel = true").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("bel"), "{err}");
        let err = parse("[ui]\nbell = \"yes\"").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("bool"), "{err}");
    }

    #[test]
    fn dangling_references_are_rejected() {
        let err = parse("[[account]]\nscreen_name = \"bob\"\nserver = \"nowhere\"\n").err();
        assert!(matches!(err, Some(ConfigError::Invalid { .. })));
        let err = parse("default_account = \"ghost\"\n").err();
        assert!(matches!(err, Some(ConfigError::Invalid { .. })));
        let err = parse("[[server]]\nname = \"a\"\n[[server]]\nname = \"a\"\n").err();
        assert!(matches!(err, Some(ConfigError::Invalid { .. })));
    }

    #[test]
    fn presets_need_no_server_entry_and_web_api_is_typed() {
        let c = parse("[[account]]\nscreen_name = \"bob\"\nserver = \"oos\"\n").unwrap();
        assert_eq!(c.accounts[0].server, "oos");
        let c = parse("[[server]]\nname = \"x\"\nweb_api = \"oos\"\n").unwrap();
        assert_eq!(c.servers[0].web_api, Some(crate::auth::WebApi::Oos));
        let err = parse("[[server]]\nname = \"x\"\nweb_api = \"msn\"\n").unwrap_err();
        assert!(err.to_string().contains("web_api") || err.to_string().contains("msn"), "{err}");
    }

    #[test]
    fn bad_timestamp_format_is_rejected() {
        let err = parse("[ui]\ntimestamp_format = \"%Q\"\n").err();
        assert!(matches!(err, Some(ConfigError::Invalid { .. })), "{err:?}");
    }

    #[test]
    fn missing_file_is_defaults_and_init_refuses_to_overwrite() {
        let dir = tempfile::tempdir().ok();
        let Some(dir) = dir else { panic!("no tempdir") };
        let path = dir.path().join("sub").join("config.toml");
        assert_eq!(Config::load(&path).ok(), Some(Config::default()));
        assert!(Config::write_example(&path).is_ok());
        assert_eq!(std::fs::read_to_string(&path).ok().as_deref(), Some(Config::example()));
        assert!(matches!(Config::write_example(&path), Err(ConfigError::Exists(_))));
        assert!(Config::load(&path).is_ok());
    }

    #[test]
    fn accounts_match_like_screen_names() {
        let c = parse(Config::example()).unwrap_or_default();
        assert!(c.account("my screenname").is_some());
    }
}
