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
    #[error("{path} is not a valid flapjack config:\n{message}")]
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
    /// Name of the [`ServerProfile`] or preset (`aim`, `icq`, `local`, `oos`) to use; without
    /// one, [`Account::DEFAULT_SERVER`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// An image file (GIF, JPEG, PNG or BMP) to set as our buddy icon at sign-on; it is scaled
    /// to 48×48 and re-encoded to fit the server's limit, as `/icon PATH` does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<PathBuf>,
}

impl Account {
    /// The server an account without `server = "…"` signs on to: the embedded one.
    pub const DEFAULT_SERVER: &'static str = "local";

    /// The name of the server this account signs on to.
    pub fn server_name(&self) -> &str {
        self.server.as_deref().unwrap_or(Self::DEFAULT_SERVER)
    }
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
    /// Whether to use TLS: `true` makes a BUCP login TLS from the first byte and asks for a
    /// TLS BOS (and refuses a plain one, see `bos_tls`); absent, the server's answer decides.
    pub tls: Option<bool>,
    /// A PEM file of certificate authorities to trust besides the public web roots.
    pub ca_file: Option<PathBuf>,
    /// Trust exactly this certificate: the lowercase hex SHA-256 of its DER encoding.
    pub cert_sha256: Option<String>,
    /// Trust the certificate seen first and refuse if it ever changes (like ssh); opt-in.
    pub trust_on_first_use: Option<bool>,
    /// `host:port` where BOS speaks TLS, used when TLS was asked for but the login answer names
    /// a plain BOS (a TLS terminator such as stunnel in front of the server).
    pub bos_tls: Option<String>,
    /// Present the login cookie to a plain BOS even though TLS was asked for.
    pub allow_plain_bos: Option<bool>,
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
    /// Chat rooms to join once signed on (by name; exchange 4 creates those that do not
    /// exist).
    pub rooms: Vec<String>,
    /// How buddy icons are drawn: through the terminal's graphics protocol, as half blocks, or
    /// not at all.
    pub icons: IconMode,
    /// Take the mouse (clicks select, the wheel scrolls). Off by default, so the terminal's
    /// own selection and copying work.
    pub mouse: bool,
    /// Removing the last buddy of a group removes the group too. Off by default, as in
    /// Pidgin, which keeps an emptied group until it is deleted.
    pub remove_empty_groups: bool,
}

/// How buddy icons are drawn (`[ui] icons`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IconMode {
    /// Ask the terminal at start-up which graphics protocol it speaks; half blocks if none.
    #[default]
    Auto,
    /// The kitty graphics protocol.
    Kitty,
    /// iTerm2's inline images (also WezTerm and others).
    Iterm2,
    /// Sixel graphics.
    Sixel,
    /// Coloured half-block characters, which every terminal with colours can show.
    Halfblocks,
    /// No icons are drawn (nor decoded).
    Off,
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
            rooms: Vec::new(),
            icons: IconMode::Auto,
            mouse: false,
            remove_empty_groups: false,
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

    /// Where trust on first use keeps server certificates' fingerprints
    /// (`~/.local/share/flapjack/known_hosts` on Linux).
    pub fn default_known_hosts_path() -> Result<PathBuf, ConfigError> {
        directories::ProjectDirs::from("", "", "flapjack")
            .map(|dirs| dirs.data_dir().join("known_hosts"))
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
        for server in &self.servers {
            if let Some(fp) = &server.cert_sha256 {
                if let Err(e) = crate::tls::parse_fingerprint(fp) {
                    return Err(format!("server {:?}: cert_sha256: {e}", server.name));
                }
            }
        }
        for account in &self.accounts {
            if crate::screenname::ScreenName::parse(&account.screen_name).is_err() {
                return Err(format!(
                    "account {:?} is not a valid screen name",
                    account.screen_name
                ));
            }
            let server = account.server_name();
            let preset = crate::auth::ServerProfile::preset(server).is_some();
            if self.server(server).is_none() && !preset {
                return Err(format!(
                    "account {:?} uses server {server:?}, but no [[server]] has that name and it \
                     is not a preset (aim, icq, local, oos)",
                    account.screen_name
                ));
            }
        }
        if let Some(default) = &self.default_account {
            if self.account(default).is_none() {
                return Err(format!("default_account {default:?} is not one of the [[account]]s"));
            }
        }
        // Every mode reads the same file, so a bad binding stops `--send` as surely as the TUI.
        crate::tui::keymap::Keymap::with_overrides(&self.keys)
            .map_err(|e| format!("[keys]: {e}"))?;
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
        // 0600 in a 0700 directory, created exclusively (never through a symlink).
        crate::private_file::create_new(path, EXAMPLE.as_bytes()).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                ConfigError::Exists(path.to_path_buf())
            } else {
                ConfigError::Io { path: path.to_path_buf(), source: e }
            }
        })
    }
}

impl fmt::Display for KeyList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.keys().join(", "))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("test.toml"))
    }

    #[test]
    fn example_parses_and_its_active_lines_are_the_defaults() {
        let config = match parse(Config::example()) {
            Ok(c) => c,
            Err(e) => panic!("example does not parse: {e}"),
        };
        assert_eq!(config, Config::default(), "placeholders are commented out");
    }

    #[test]
    fn the_examples_in_the_example_work_when_uncommented() {
        let text = uncomment_examples(Config::example());
        let config = match parse(&text) {
            Ok(c) => c,
            Err(e) => panic!("uncommented example does not parse: {e}\n{text}"),
        };
        assert_eq!(config.default_account.as_deref(), Some("YourScreenName"));
        assert_eq!(config.accounts.len(), 1);
        assert_eq!(config.accounts[0].server_name(), "aim", "a preset without a [[server]]");
        assert_eq!(config.servers.len(), 2);
        assert_eq!(
            config.server("retro-bucp").and_then(|s| s.bucp.as_deref()),
            Some("127.0.0.1:5191")
        );
        assert_eq!(config.keys.len(), 3);
        assert_eq!(config.ui, UiConfig::default());
    }

    /// The example with every commented-out TOML line (`# key = value`, `# [[table]]`) made
    /// active, as a person following its instructions would.
    pub(crate) fn uncomment_examples(text: &str) -> String {
        text.lines()
            .map(|line| match line.strip_prefix("# ") {
                Some(rest) if is_toml_line(rest) => rest,
                _ => line,
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn is_toml_line(rest: &str) -> bool {
        if rest.starts_with('[') {
            return true;
        }
        rest.split_once(" = ").is_some_and(|(key, _)| {
            !key.is_empty() && key.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        })
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
        assert_eq!(c.accounts[0].server_name(), "oos");
        for preset in ["aim", "icq", "local", "oos"] {
            let text = format!("[[account]]\nscreen_name = \"bob\"\nserver = \"{preset}\"\n");
            assert!(parse(&text).is_ok(), "{preset} needs no [[server]] block");
        }
        let c = parse("[[account]]\nscreen_name = \"bob\"\n").unwrap();
        assert_eq!(c.accounts[0].server, None, "server is optional");
        assert_eq!(c.accounts[0].server_name(), "local");
        let c = parse("[[server]]\nname = \"x\"\nweb_api = \"oos\"\n").unwrap();
        assert_eq!(c.servers[0].web_api, Some(crate::auth::WebApi::Oos));
        let err = parse("[[server]]\nname = \"x\"\nweb_api = \"msn\"\n").unwrap_err();
        assert!(err.to_string().contains("web_api") || err.to_string().contains("msn"), "{err}");
    }

    #[test]
    fn tls_keys_parse_and_a_bad_pin_is_rejected_naming_the_server() {
        let fp = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        let text = format!(
            "[[server]]\nname = \"x\"\nbucp = \"h:5193\"\ntls = true\nca_file = \"/ca.pem\"\n\
             cert_sha256 = \"{fp}\"\ntrust_on_first_use = true\nbos_tls = \"h:5193\"\n\
             allow_plain_bos = false\n"
        );
        let c = parse(&text).unwrap();
        assert_eq!(c.servers[0].bos_tls.as_deref(), Some("h:5193"));
        assert_eq!(c.servers[0].ca_file.as_deref(), Some(Path::new("/ca.pem")));
        let err = parse("[[server]]\nname = \"x\"\ncert_sha256 = \"zz\"\n").unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { .. }), "{err:?}");
        assert!(err.to_string().contains("\"x\"") && err.to_string().contains("cert_sha256"));
    }

    #[test]
    fn a_bad_key_binding_is_rejected_with_the_way_to_the_action_names() {
        let err = parse("[keys]\nqiut = \"ctrl-q\"\n").unwrap_err().to_string();
        assert!(err.starts_with("test.toml: [keys]: unknown action \"qiut\""), "{err}");
        assert!(err.contains("flapjack config keys"), "{err}");
        let err = parse("[keys]\nquit = \"hyper-q\"\n").unwrap_err().to_string();
        assert!(err.contains("cannot understand key \"hyper-q\" for quit"), "{err}");
        assert!(parse("[keys]\nquit = [\"ctrl-x\", \"f10\"]\n").is_ok());
    }

    #[test]
    fn toml_errors_keep_their_lines_and_caret() {
        let err = parse("[ui]\nbell = yes\n").unwrap_err().to_string();
        let lines: Vec<&str> = err.lines().collect();
        assert!(lines.len() >= 4, "{err}");
        assert!(lines.iter().any(|l| l.contains("bell = yes")), "{err}");
        assert!(lines.iter().any(|l| l.trim_end().ends_with('^')), "{err}");
        assert!(err.contains("line 2"), "{err}");
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
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = |p: &Path| std::fs::metadata(p).map(|m| m.permissions().mode() & 0o777).ok();
            assert_eq!(mode(&path), Some(0o600), "config file");
            assert_eq!(mode(&dir.path().join("sub")), Some(0o700), "config directory");
        }
    }

    #[test]
    fn accounts_match_like_screen_names() {
        let c = parse(&uncomment_examples(Config::example())).unwrap_or_default();
        assert!(c.account("your screenname").is_some());
    }
}
