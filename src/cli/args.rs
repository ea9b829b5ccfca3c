//! The command line's shape: every flag and subcommand, parsed by clap.
//!
//! Each subcommand declares only the options it uses, so its `--help` lists nothing it would
//! ignore: `-v` and `--log-file` are the only options every command understands. The options
//! that choose the account and the server ([`AccountArgs`]) and the password source
//! ([`SecretArgs`]) belong to the chat UI, `--send` and `--listen` (given before any
//! subcommand) and to `login`; `logout` takes the account options, `demo` a `--user`, and
//! `config` a `--config`. For the commands that take them they may be written before the
//! subcommand as well as after it (`flapjack --user bob login`); [`Cli::options`] merges the
//! two places, the subcommand's value winning.
//!
//! The definitions live in the library so that [`super::commands`] and the unit tests can take
//! the parsed values; `main.rs` only calls [`Cli::try_parse_grouped`].

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// A terminal AIM/ICQ client speaking OSCAR, with an embedded loopback server.
///
/// With no subcommand it opens the chat UI for the configured account.
#[derive(Debug, Parser)]
#[command(name = "flapjack", version, about)]
pub struct Cli {
    /// Options every subcommand understands.
    #[command(flatten)]
    pub global: Global,
    /// The configuration file.
    #[command(flatten)]
    pub config: ConfigArg,
    /// Who signs on where.
    #[command(flatten)]
    pub account: AccountArgs,
    /// Where the password comes from and whether the keyring is used.
    #[command(flatten)]
    pub secret: SecretArgs,
    /// Send one IM and exit once the server acknowledges it (MESSAGE `-` reads stdin); with
    /// `--room ROOM MESSAGE`, say MESSAGE in a chat room instead.
    /// Exit codes: 0 delivered (for a room: written to the room's connection), 1 usage,
    /// 2 authentication failed, 3 network or server error, 4 recipient unavailable or refused
    /// (for a room: it cannot be joined).
    #[arg(long, num_args = 0..=2, value_names = ["BUDDY", "MESSAGE"], conflicts_with = "listen")]
    pub send: Option<Vec<String>>,
    /// Stay signed on and print each incoming IM as one JSON line on stdout until interrupted.
    #[arg(long)]
    pub listen: bool,
    /// A chat room: `--listen --room ROOM` joins it and prints its messages (repeatable);
    /// `--send --room ROOM MESSAGE` joins it, says MESSAGE and leaves.
    #[arg(
        long = "room",
        id = "room",
        num_args = 1..=2,
        value_names = ["ROOM", "MESSAGE"],
        action = clap::ArgAction::Append
    )]
    pub room_values: Vec<String>,
    /// `--room` as given, one entry per use (filled by [`Cli::try_parse_grouped`]).
    #[arg(skip)]
    pub room: Vec<Vec<String>>,
    /// The subcommand, if any.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options every subcommand understands: how much to log and where.
#[derive(Debug, Clone, Default, Args)]
pub struct Global {
    /// Log more: -v for info, -vv for debug. Logs never contain secrets.
    #[arg(short, long, global = true, action = clap::ArgAction::Count, display_order = 100)]
    pub verbose: u8,
    /// Write logs to this file (the TUI always logs to a file, never over the screen).
    #[arg(long, global = true, value_name = "FILE", display_order = 101)]
    pub log_file: Option<PathBuf>,
}

/// `--config`, for the commands that read the configuration file.
#[derive(Debug, Clone, Default, Args)]
pub struct ConfigArg {
    /// Configuration file (default: ~/.config/flapjack/config.toml).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Which account signs on, and to which server.
#[derive(Debug, Clone, Default, Args)]
pub struct AccountArgs {
    /// Server profile: `aim`, `icq`, `local` (the embedded server), `oos` (Open OSCAR Server:
    /// BUCP on 127.0.0.1:5190, or its web API with --login-url/--api-url and --dev-id) or a
    /// [[server]] name from the config file. Default: the account's server in the config, else
    /// `local`.
    // The text is also the `--help` line, where `[[server]]` must read as TOML, not a link.
    #[allow(rustdoc::broken_intra_doc_links)]
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Screen name or ICQ UIN to sign on as (default: `default_account` from the config).
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,
    /// Base URL for clientLogin/getChallenge (overrides the profile).
    #[arg(long, value_name = "URL")]
    pub login_url: Option<String>,
    /// Base URL for startOSCARSession (overrides the profile).
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
    /// Developer key sent as devId / k (overrides the profile).
    #[arg(long, value_name = "KEY")]
    pub dev_id: Option<String>,
    /// Sign on with the binary MD5 login (BUCP) at HOST:PORT instead of HTTP, as revival
    /// servers such as Open OSCAR Server accept.
    #[arg(long, value_name = "HOST:PORT")]
    pub bucp: Option<String>,
    /// Use TLS: with --bucp (or a [[server]] `bucp`), the login connection is TLS from its
    /// first byte; BOS is reached over TLS too, never in clear (see --bos-tls).
    #[allow(rustdoc::broken_intra_doc_links)]
    #[arg(long)]
    pub tls: bool,
    /// Trust the certificate authorities in this PEM file (besides the public web roots).
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// Trust exactly the server certificate with this SHA-256 (64 hex digits, of its DER).
    #[arg(long, value_name = "HEX")]
    pub cert_sha256: Option<String>,
    /// Trust the server certificate seen first, store its fingerprint, and refuse if it ever
    /// changes (like ssh's known_hosts).
    #[arg(long)]
    pub trust_on_first_use: bool,
    /// Where BOS speaks TLS when the login answer names a plain BOS (a TLS terminator such as
    /// stunnel in front of the server).
    #[arg(long, value_name = "HOST:PORT")]
    pub bos_tls: Option<String>,
}

/// Where the password comes from, and whether long-term tokens are kept.
#[derive(Debug, Clone, Default, Args)]
pub struct SecretArgs {
    /// Read the password from the first line of standard input (else FLAPJACK_PASSWORD, else a
    /// prompt).
    #[arg(long)]
    pub password_stdin: bool,
    /// Neither read nor store long-term tokens in the OS keyring.
    #[arg(long)]
    pub no_keyring: bool,
}

/// Every option a command may consult, merged from before and after the subcommand.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `-v` and `--log-file`.
    pub global: Global,
    /// `--config`.
    pub config: Option<PathBuf>,
    /// `--profile`, `--user`, the URLs, `--dev-id` and `--bucp`.
    pub account: AccountArgs,
    /// `--password-stdin` and `--no-keyring`.
    pub secret: SecretArgs,
}

impl AccountArgs {
    /// These options, each one missing here taken from `outer` (given before the subcommand).
    fn or(&self, outer: &AccountArgs) -> AccountArgs {
        AccountArgs {
            profile: self.profile.clone().or_else(|| outer.profile.clone()),
            user: self.user.clone().or_else(|| outer.user.clone()),
            login_url: self.login_url.clone().or_else(|| outer.login_url.clone()),
            api_url: self.api_url.clone().or_else(|| outer.api_url.clone()),
            dev_id: self.dev_id.clone().or_else(|| outer.dev_id.clone()),
            bucp: self.bucp.clone().or_else(|| outer.bucp.clone()),
            tls: self.tls || outer.tls,
            ca_file: self.ca_file.clone().or_else(|| outer.ca_file.clone()),
            cert_sha256: self.cert_sha256.clone().or_else(|| outer.cert_sha256.clone()),
            trust_on_first_use: self.trust_on_first_use || outer.trust_on_first_use,
            bos_tls: self.bos_tls.clone().or_else(|| outer.bos_tls.clone()),
        }
    }
}

impl SecretArgs {
    /// Either place turns a switch on.
    fn or(&self, outer: &SecretArgs) -> SecretArgs {
        SecretArgs {
            password_stdin: self.password_stdin || outer.password_stdin,
            no_keyring: self.no_keyring || outer.no_keyring,
        }
    }
}

impl Cli {
    /// Parses the process's arguments like [`Parser::try_parse`], keeping each `--room`'s
    /// values together (`--room A --room B` is two rooms, `--room ROOM MESSAGE` one room and a
    /// message).
    pub fn try_parse_grouped() -> Result<Cli, clap::Error> {
        Self::try_parse_grouped_from(std::env::args_os())
    }

    /// [`Cli::try_parse_grouped`] on the given arguments.
    pub fn try_parse_grouped_from<I, T>(args: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        use clap::{CommandFactory as _, FromArgMatches as _};
        let matches = Self::command().try_get_matches_from(args)?;
        let mut cli = Self::from_arg_matches(&matches)?;
        cli.room = matches
            .get_occurrences::<String>("room")
            .map(|occ| occ.map(|values| values.cloned().collect()).collect())
            .unwrap_or_default();
        Ok(cli)
    }

    /// The options in effect for the command given: those after the subcommand, else those
    /// before it.
    pub fn options(&self) -> Options {
        let top = Options {
            global: self.global.clone(),
            config: self.config.config.clone(),
            account: self.account.clone(),
            secret: self.secret.clone(),
        };
        let config = |sub: &ConfigArg| sub.config.clone().or_else(|| top.config.clone());
        match &self.command {
            None | Some(Command::Serve(_) | Command::Completions(_) | Command::Man(_)) => top,
            Some(Command::Login(args)) => Options {
                config: config(&args.config),
                account: args.account.or(&top.account),
                secret: args.secret.or(&top.secret),
                ..top
            },
            Some(Command::Logout(args)) => Options {
                config: config(&args.config),
                account: args.account.or(&top.account),
                ..top
            },
            Some(Command::Demo(args)) => Options {
                config: config(&args.config),
                account: AccountArgs {
                    user: args.user.clone().or_else(|| top.account.user.clone()),
                    ..top.account.clone()
                },
                ..top
            },
            Some(Command::Config(sub)) => Options { config: config(sub.config_arg()), ..top },
        }
    }
}

/// The subcommands; without one, flapjack opens the chat UI.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign on over HTTP, keep the long-term token in the keyring, and print where the BOS
    /// connection would go (never the cookie).
    Login(LoginArgs),
    /// Forget the long-term token kept in the keyring for this account and server.
    Logout(LogoutArgs),
    /// Run the embedded loopback server and print its addresses.
    Serve(ServeArgs),
    /// Start the embedded server with demo accounts and a bot, sign on, and open the chat UI.
    Demo(DemoArgs),
    /// Manage the configuration file.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Print a shell completion script (for example `flapjack completions bash >
    /// ~/.local/share/bash-completion/completions/flapjack`).
    Completions(CompletionsArgs),
    /// Print the manual page (roff) on standard output, e.g. `flapjack man | man -l -`.
    Man(ManArgs),
}

/// What `flapjack config` can do with the configuration file.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Write a commented example configuration (never overwrites an existing file).
    Init(ConfigArg),
    /// Print where the configuration file is read from.
    Path(ConfigArg),
    /// List every key-binding action by the name the [keys] section uses, with its keys.
    // The text is also the `--help` line, where `[keys]` must read as TOML, not a link.
    #[allow(rustdoc::broken_intra_doc_links)]
    Keys(ConfigArg),
}

impl ConfigCommand {
    /// The `--config` given to this subcommand.
    pub fn config_arg(&self) -> &ConfigArg {
        match self {
            ConfigCommand::Init(c) | ConfigCommand::Path(c) | ConfigCommand::Keys(c) => c,
        }
    }
}

/// Options of `flapjack login`: the account, the password source, and how the sign-on is shown.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The configuration file.
    #[command(flatten)]
    pub config: ConfigArg,
    /// Who signs on where.
    #[command(flatten)]
    pub account: AccountArgs,
    /// Where the password comes from and whether the keyring is used.
    #[command(flatten)]
    pub secret: SecretArgs,
    /// Show each step: URLs, the signature base string and the server's codes (redacted).
    #[arg(long)]
    pub trace: bool,
    /// Ask for XML responses instead of JSON.
    #[arg(long)]
    pub xml: bool,
}

/// Options of `flapjack logout`: whose token to forget.
#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// The configuration file.
    #[command(flatten)]
    pub config: ConfigArg,
    /// Whose token, on which server.
    #[command(flatten)]
    pub account: AccountArgs,
}

/// Options of `flapjack demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The configuration file (only its [ui] and [keys] are used).
    // The text is also the `--help` line, where `[ui]` must read as TOML, not a link.
    #[allow(rustdoc::broken_intra_doc_links)]
    #[command(flatten)]
    pub config: ConfigArg,
    /// Which demo account to sign on as (default: Flapjack Fan).
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,
}

/// Options of `flapjack man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// A subcommand whose own page to print (`flapjack-serve(1)`, …) instead of flapjack(1).
    #[arg(value_name = "SUBCOMMAND")]
    pub command: Option<String>,
}

/// Options of `flapjack completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Options of `flapjack serve`: where the embedded server listens and what it keeps.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Where the HTTP sign-on listens (port 0 picks a free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Where BOS listens; its bound address is what startOSCARSession advertises.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:5190")]
    pub bos: SocketAddr,
    /// Where the BUCP (MD5) login service listens.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:5191")]
    pub bucp_listen: SocketAddr,
    /// Keep buddy lists and offline messages in this directory (else in memory).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Accounts file (TOML); default: the built-in demo accounts (assets/accounts.toml).
    #[arg(long, value_name = "FILE")]
    pub accounts: Option<PathBuf>,
    /// Speak TLS on BOS and BUCP with this certificate chain (PEM, leaf first); clients that
    /// do not start a TLS handshake get plain FLAP on the same ports. Needs --tls-key.
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The private key (PEM: PKCS#8, PKCS#1 or SEC1) for --tls-cert.
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Which web API the HTTP listener speaks: `aol` (signed startOSCARSession) or `oos` (Open
    /// OSCAR Server's clientLogin → startSession → startOSCARSession, hex cookie).
    #[arg(long, value_name = "API", default_value = "aol")]
    pub web_api: crate::auth::WebApi,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    /// The long options `flapjack SUB… --help` lists.
    fn options_of(path: &[&str]) -> Vec<String> {
        let mut cmd = Cli::command();
        cmd.build();
        let mut sub = &cmd;
        for name in path {
            sub = sub.find_subcommand(name).unwrap_or_else(|| panic!("no subcommand {name}"));
        }
        let help = sub.clone().render_long_help().to_string();
        let mut flags: Vec<String> = help
            .split_whitespace()
            .filter_map(|w| w.strip_prefix("--"))
            .map(|w| w.trim_end_matches([',', '.', ')', '`']).to_string())
            .filter(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
            .collect();
        flags.sort();
        flags.dedup();
        flags
    }

    #[test]
    fn each_subcommand_help_lists_only_the_options_it_uses() {
        let serve = options_of(&["serve"]);
        for unused in ["user", "profile", "config", "no-keyring", "password-stdin", "dev-id"] {
            assert!(!serve.iter().any(|f| f == unused), "serve --help lists --{unused}: {serve:?}");
        }
        for used in ["listen", "bos", "bucp-listen", "data", "accounts", "web-api", "verbose"] {
            assert!(serve.iter().any(|f| f == used), "serve --help lacks --{used}: {serve:?}");
        }
        let logout = options_of(&["logout"]);
        assert!(logout.iter().any(|f| f == "user") && logout.iter().any(|f| f == "config"));
        assert!(!logout.iter().any(|f| f == "password-stdin" || f == "no-keyring"), "{logout:?}");
        let login = options_of(&["login"]);
        for used in ["user", "profile", "password-stdin", "no-keyring", "trace", "xml", "config"] {
            assert!(login.iter().any(|f| f == used), "login --help lacks --{used}: {login:?}");
        }
        let demo = options_of(&["demo"]);
        assert!(!demo.iter().any(|f| f == "profile" || f == "login-url"), "{demo:?}");
        let keys = options_of(&["config", "keys"]);
        assert!(!keys.iter().any(|f| f == "user" || f == "send"), "{keys:?}");
        let completions = options_of(&["completions"]);
        assert!(!completions.iter().any(|f| f == "config" || f == "user"), "{completions:?}");
    }

    #[test]
    fn options_before_the_subcommand_still_parse() {
        let cli = Cli::try_parse_from(["flapjack", "--user", "bob", "--no-keyring", "login"]);
        assert!(cli.is_ok_and(|c| c.options().account.user.as_deref() == Some("bob")));
        assert!(Cli::try_parse_from(["flapjack", "serve", "--user", "bob"]).is_err());
        assert!(Cli::try_parse_from(["flapjack", "-v", "serve", "--log-file", "/tmp/x"]).is_ok());
    }
}
