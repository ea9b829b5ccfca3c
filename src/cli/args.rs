//! The command line's shape: every flag and subcommand, parsed by clap.
//!
//! The definitions live in the library so that [`super::commands`] and the unit tests can take
//! the parsed values; `main.rs` only calls [`Cli::try_parse`](clap::Parser::try_parse).

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
    /// Send one IM and exit once the server acknowledges it (MESSAGE `-` reads stdin).
    /// Exit codes: 0 delivered, 1 usage, 2 authentication failed, 3 network or server error,
    /// 4 recipient unavailable or refused.
    #[arg(long, num_args = 2, value_names = ["BUDDY", "MESSAGE"], conflicts_with = "listen")]
    pub send: Option<Vec<String>>,
    /// Stay signed on and print each incoming IM as one JSON line on stdout until interrupted.
    #[arg(long)]
    pub listen: bool,
    /// The subcommand, if any.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options every subcommand understands.
#[derive(Debug, Args)]
pub struct Global {
    /// Server profile: `aim`, `icq`, `local` (the embedded server), `oos` (Open OSCAR Server:
    /// BUCP on 127.0.0.1:5190, or its web API with --login-url/--api-url and --dev-id) or a
    /// [[server]] name from the config file. Default: the account's server in the config, else
    /// `local`.
    // The text is also the `--help` line, where `[[server]]` must read as TOML, not a link.
    #[allow(rustdoc::broken_intra_doc_links)]
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// Screen name or ICQ UIN to sign on as (default: `default_account` from the config).
    #[arg(long, global = true, value_name = "NAME")]
    pub user: Option<String>,
    /// Base URL for clientLogin/getChallenge (overrides the profile).
    #[arg(long, global = true, value_name = "URL")]
    pub login_url: Option<String>,
    /// Base URL for startOSCARSession (overrides the profile).
    #[arg(long, global = true, value_name = "URL")]
    pub api_url: Option<String>,
    /// Developer key sent as devId / k (overrides the profile).
    #[arg(long, global = true, value_name = "KEY")]
    pub dev_id: Option<String>,
    /// Sign on with the binary MD5 login (BUCP) at HOST:PORT instead of HTTP, as revival
    /// servers such as Open OSCAR Server accept.
    #[arg(long, global = true, value_name = "HOST:PORT")]
    pub bucp: Option<String>,
    /// Read the password from the first line of standard input (else FLAPJACK_PASSWORD, else a
    /// prompt).
    #[arg(long, global = true)]
    pub password_stdin: bool,
    /// Neither read nor store long-term tokens in the OS keyring.
    #[arg(long, global = true)]
    pub no_keyring: bool,
    /// Configuration file (default: ~/.config/flapjack/config.toml).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Log more: -v for info, -vv for debug. Logs never contain secrets.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Write logs to this file (the TUI always logs to a file, never over the screen).
    #[arg(long, global = true, value_name = "FILE")]
    pub log_file: Option<PathBuf>,
}

/// The subcommands; without one, flapjack opens the chat UI.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign on over HTTP, keep the long-term token in the keyring, and print where the BOS
    /// connection would go (never the cookie).
    Login(LoginArgs),
    /// Forget the long-term token kept in the keyring for this account and server.
    Logout,
    /// Run the embedded loopback server and print its addresses.
    Serve(ServeArgs),
    /// Start the embedded server with demo accounts and a bot, sign on, and open the chat UI.
    Demo,
    /// Manage the configuration file.
    #[command(subcommand)]
    Config(ConfigCommand),
}

/// What `flapjack config` can do with the configuration file.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Write a commented example configuration (never overwrites an existing file).
    Init,
    /// Print where the configuration file is read from.
    Path,
}

/// Options of `flapjack login`, which only concern how the sign-on is shown.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Show each step: URLs, the signature base string and the server's codes (redacted).
    #[arg(long)]
    pub trace: bool,
    /// Ask for XML responses instead of JSON.
    #[arg(long)]
    pub xml: bool,
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
}
