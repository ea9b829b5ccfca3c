//! The `flapjack` command line: the chat TUI (no subcommand), `demo`, `--send`, `--listen`,
//! `login`/`logout`, `serve`, and `config init`.
//!
//! Exit codes (for `--send` and friends): 0 success, 1 usage, 2 authentication failed,
//! 3 network or server error, 4 recipient unavailable or refused.

use std::io::{BufRead, IsTerminal, Read, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use flapjack::auth::{AuthError, HttpSignOn, Secret, ServerProfile, StoredToken, Trace};
use flapjack::config::Config;
use flapjack::credentials::{CredentialError, CredentialKey, CredentialStore, KeyringStore};
use flapjack::headless::{self, SendOutcome};
use flapjack::screenname::ScreenName;
use flapjack::server::{Accounts, Server, ServerConfig};
use flapjack::session::{self, LoginMethod, ReconnectPolicy, SessionConfig};

/// A terminal AIM/ICQ client speaking OSCAR, with an embedded loopback server.
///
/// With no subcommand it opens the chat UI for the configured account.
#[derive(Debug, Parser)]
#[command(name = "flapjack", version, about)]
struct Cli {
    #[command(flatten)]
    global: Global,
    /// Send one IM and exit once the server acknowledges it (MESSAGE `-` reads stdin).
    /// Exit codes: 0 delivered, 1 usage, 2 authentication failed, 3 network or server error,
    /// 4 recipient unavailable or refused.
    #[arg(long, num_args = 2, value_names = ["BUDDY", "MESSAGE"], conflicts_with = "listen")]
    send: Option<Vec<String>>,
    /// Stay signed on and print each incoming IM as one JSON line on stdout until interrupted.
    #[arg(long)]
    listen: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

/// Options every subcommand understands.
#[derive(Debug, Args)]
struct Global {
    /// Server profile: `aim`, `icq`, `local` (the embedded server) or a [[server]] name from
    /// the config file. Default: the account's server in the config, else `local`.
    #[arg(long, global = true, value_name = "NAME")]
    profile: Option<String>,
    /// Screen name or ICQ UIN to sign on as (default: `default_account` from the config).
    #[arg(long, global = true, value_name = "NAME")]
    user: Option<String>,
    /// Base URL for clientLogin/getChallenge (overrides the profile).
    #[arg(long, global = true, value_name = "URL")]
    login_url: Option<String>,
    /// Base URL for startOSCARSession (overrides the profile).
    #[arg(long, global = true, value_name = "URL")]
    api_url: Option<String>,
    /// Developer key sent as devId / k (overrides the profile).
    #[arg(long, global = true, value_name = "KEY")]
    dev_id: Option<String>,
    /// Sign on with the binary MD5 login (BUCP) at HOST:PORT instead of HTTP, as revival
    /// servers such as Open OSCAR Server accept.
    #[arg(long, global = true, value_name = "HOST:PORT")]
    bucp: Option<String>,
    /// Read the password from the first line of standard input (else FLAPJACK_PASSWORD, else a
    /// prompt).
    #[arg(long, global = true)]
    password_stdin: bool,
    /// Neither read nor store long-term tokens in the OS keyring.
    #[arg(long, global = true)]
    no_keyring: bool,
    /// Configuration file (default: ~/.config/flapjack/config.toml).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Log more: -v for info, -vv for debug. Logs never contain secrets.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Write logs to this file (the TUI always logs to a file, never over the screen).
    #[arg(long, global = true, value_name = "FILE")]
    log_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Command {
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

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Write a commented example configuration (never overwrites an existing file).
    Init,
    /// Print where the configuration file is read from.
    Path,
}

#[derive(Debug, Args)]
struct LoginArgs {
    /// Show each step: URLs, the signature base string and the server's codes (redacted).
    #[arg(long)]
    trace: bool,
    /// Ask for XML responses instead of JSON.
    #[arg(long)]
    xml: bool,
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Where the HTTP sign-on listens (port 0 picks a free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Where BOS listens; its bound address is what startOSCARSession advertises.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:5190")]
    bos: SocketAddr,
    /// Where the BUCP (MD5) login service listens.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:5191")]
    bucp_listen: SocketAddr,
    /// Keep buddy lists and offline messages in this directory (else in memory).
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Accounts file (TOML); default: the built-in demo accounts (assets/accounts.toml).
    #[arg(long, value_name = "FILE")]
    accounts: Option<PathBuf>,
}

/// A failure with the exit code it maps to.
#[derive(Debug)]
struct Failure {
    code: u8,
    error: anyhow::Error,
}

impl Failure {
    fn new(code: SendOutcome, error: anyhow::Error) -> Self {
        Self { code: code.exit_code(), error }
    }
}

impl From<anyhow::Error> for Failure {
    fn from(error: anyhow::Error) -> Self {
        // Errors without a more specific code are network or server errors.
        Self::new(SendOutcome::NetworkError, error)
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { SendOutcome::Usage.exit_code() } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(SendOutcome::NetworkError.exit_code());
        }
    };
    let result = runtime.block_on(dispatch(&cli));
    // Do not wait for tasks still blocked on a keyring or a socket.
    runtime.shutdown_timeout(Duration::from_millis(200));
    match result {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            let text = format!("{:#}", failure.error);
            eprintln!("error: {}", flapjack::text::sanitize::neutralize_line(&text));
            ExitCode::from(failure.code)
        }
    }
}

async fn dispatch(cli: &Cli) -> Result<u8, Failure> {
    let g = &cli.global;
    let interactive = cli.send.is_none() && !cli.listen && cli.command.is_none();
    let demo = matches!(cli.command, Some(Command::Demo));
    init_logging(g, interactive || demo).map_err(usage)?;
    if let Some(args) = &cli.send {
        return send(g, args).await;
    }
    if cli.listen {
        return listen(g).await;
    }
    match &cli.command {
        None => tui(g).await.map(|()| 0),
        Some(Command::Login(args)) => login(g, args).await.map(|()| 0),
        Some(Command::Logout) => logout(g).await.map(|()| 0),
        Some(Command::Serve(args)) => serve(args).await.map(|()| 0).map_err(Failure::from),
        Some(Command::Demo) => demo_command(g).await.map(|()| 0).map_err(Failure::from),
        Some(Command::Config(ConfigCommand::Init)) => {
            let path = config_path(g).map_err(usage)?;
            Config::write_example(&path).map_err(|e| usage(e.into()))?;
            println!("wrote {}", path.display());
            Ok(0)
        }
        Some(Command::Config(ConfigCommand::Path)) => {
            println!("{}", config_path(g).map_err(usage)?.display());
            Ok(0)
        }
    }
}

fn usage(error: anyhow::Error) -> Failure {
    Failure::new(SendOutcome::Usage, error)
}

fn auth_failure(error: anyhow::Error) -> Failure {
    Failure::new(SendOutcome::AuthFailed, error)
}

/// Logs go to a file for the TUI (never over the screen), else to stderr when asked with -v.
fn init_logging(global: &Global, screen_in_use: bool) -> Result<()> {
    let path = match (&global.log_file, screen_in_use) {
        (Some(path), _) => Some(path.clone()),
        (None, true) => Some(Config::default_log_path()?),
        (None, false) => None,
    };
    if global.verbose == 0 && path.is_none() {
        return Ok(());
    }
    let level = match global.verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::new(format!("flapjack={level}"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match path {
        Some(path) => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create log directory {}", dir.display()))?;
            }
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .with_context(|| format!("cannot open log file {}", path.display()))?;
            builder.with_ansi(false).with_writer(std::sync::Mutex::new(file)).init();
        }
        None => builder.with_writer(std::io::stderr).init(),
    }
    Ok(())
}

fn config_path(global: &Global) -> Result<PathBuf> {
    match &global.config {
        Some(path) => Ok(path.clone()),
        None => Ok(Config::default_path()?),
    }
}

fn load_config(global: &Global) -> Result<Config> {
    let path = config_path(global)?;
    Ok(Config::load(&path)?)
}

/// Who signs on where, resolved from the command line and the config file.
struct Target {
    screen_name: ScreenName,
    profile: ServerProfile,
    method: LoginMethod,
    request_tls: Option<bool>,
}

/// Strips a full endpoint path from a configured URL, so both base and full URLs work.
fn base_url(url: &str, endpoint_path: &str) -> String {
    url.strip_suffix(endpoint_path).unwrap_or(url).trim_end_matches('/').to_string()
}

fn resolve(global: &Global, config: &Config) -> Result<Target> {
    let user = match (&global.user, &config.default_account) {
        (Some(user), _) => user.clone(),
        (None, Some(user)) => user.clone(),
        (None, None) if config.accounts.len() == 1 => config.accounts[0].screen_name.clone(),
        (None, None) => bail!(
            "no account: pass --user NAME, or set default_account in {}",
            config_path(global)?.display()
        ),
    };
    let screen_name = ScreenName::parse(&user).context("--user")?;
    let profile_name = match (&global.profile, config.account(&user)) {
        (Some(name), _) => name.clone(),
        (None, Some(account)) => account.server.clone(),
        (None, None) => "local".to_string(),
    };
    let mut request_tls = None;
    let mut profile = match (config.server(&profile_name), ServerProfile::preset(&profile_name)) {
        (Some(custom), preset) => {
            let mut p = preset.unwrap_or_else(ServerProfile::local);
            p.name = custom.name.clone();
            if let Some(url) = &custom.login_url {
                p.login_url = base_url(url, "/auth/clientLogin");
            }
            if let Some(url) = &custom.api_url {
                p.api_url = base_url(url, "/aim/startOSCARSession");
            }
            if let Some(key) = &custom.dev_id {
                p.dev_id = key.clone();
            }
            p.bucp = custom.bucp.clone().or(p.bucp);
            request_tls = custom.tls;
            // A profile with only a BUCP host signs on through it.
            if custom.login_url.is_none() && custom.api_url.is_none() && custom.bucp.is_some() {
                p.login_url = String::new();
            }
            p
        }
        (None, Some(preset)) => preset,
        (None, None) => bail!(
            "unknown profile `{profile_name}`: use aim, icq, local, or a [[server]] name from the \
             config file"
        ),
    };
    if let Some(url) = &global.login_url {
        profile.login_url = base_url(url, "/auth/clientLogin");
    }
    if let Some(url) = &global.api_url {
        profile.api_url = base_url(url, "/aim/startOSCARSession");
    }
    if let Some(key) = &global.dev_id {
        profile.dev_id = key.clone();
    }
    let method = match (&global.bucp, profile.login_url.is_empty(), &profile.bucp) {
        (Some(addr), _, _) => LoginMethod::Bucp(addr.clone()),
        (None, true, Some(addr)) => LoginMethod::Bucp(addr.clone()),
        _ => LoginMethod::Http,
    };
    if method == LoginMethod::Http {
        profile.check().map_err(anyhow::Error::from)?;
    }
    Ok(Target { screen_name, profile, method, request_tls })
}

/// The key under which this account's long-term token is kept.
fn credential_key(target: &Target) -> CredentialKey {
    CredentialKey::new(&target.profile.api_url, &target.screen_name)
}

/// Opens the keyring and checks that it answers; says once, on stderr, when it does not.
/// Returns the store and whether it holds a token for this account.
async fn open_keyring(
    global: &Global,
    target: &Target,
) -> (Option<Arc<dyn CredentialStore>>, bool) {
    if global.no_keyring || target.method != LoginMethod::Http {
        return (None, false);
    }
    let key = credential_key(target);
    let store = Arc::new(KeyringStore::new());
    let probe = {
        let store = store.clone();
        tokio::task::spawn_blocking(move || store.load(&key)).await
    };
    match probe {
        Ok(Ok(found)) => (Some(store as Arc<dyn CredentialStore>), found.is_some()),
        Ok(Err(CredentialError::Unavailable(why))) => {
            eprintln!(
                "note: no keyring available ({}); signing on without keeping a long-term token",
                flapjack::text::sanitize::neutralize_line(&why)
            );
            (None, false)
        }
        Ok(Err(e)) => {
            eprintln!("note: {e}; signing on without the keyring");
            (None, false)
        }
        Err(_) => (None, false),
    }
}

/// The password when one is available: FLAPJACK_PASSWORD, `--password-stdin`, or a prompt
/// without echo when a terminal is attached. `None` when there is no source.
fn optional_password(global: &Global, user: &str, stdin_taken: bool) -> Result<Option<Secret>> {
    if let Ok(password) = std::env::var("FLAPJACK_PASSWORD") {
        if !password.is_empty() {
            return Ok(Some(Secret::new(password)));
        }
    }
    if global.password_stdin {
        if stdin_taken {
            bail!("--password-stdin cannot be combined with a message read from stdin (`-`)");
        }
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from stdin")?;
        let password = line.trim_end_matches(['\r', '\n']).to_string();
        if password.is_empty() {
            bail!("--password-stdin: standard input held no password");
        }
        return Ok(Some(Secret::new(password)));
    }
    if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() && !stdin_taken {
        return prompt_password(&format!("Password for {user}: ")).map(Some);
    }
    Ok(None)
}

/// Builds the session configuration, asking for a password only when no token is stored.
async fn session_config(
    global: &Global,
    target: &Target,
    stdin_taken: bool,
) -> Result<SessionConfig, Failure> {
    let (store, has_token) = open_keyring(global, target).await;
    let password = if has_token {
        // A stored token signs on without a password; one from the environment still helps if
        // the server has revoked the token.
        match std::env::var("FLAPJACK_PASSWORD") {
            Ok(p) if !p.is_empty() => Some(Secret::new(p)),
            _ => None,
        }
    } else {
        optional_password(global, target.screen_name.as_str(), stdin_taken).map_err(usage)?
    };
    if password.is_none() && !has_token {
        return Err(auth_failure(anyhow::anyhow!(
            "no password and no stored token for {}: set FLAPJACK_PASSWORD, use \
             --password-stdin, or sign in with `flapjack login`",
            target.screen_name
        )));
    }
    let mut config = SessionConfig::new(target.screen_name.clone(), target.profile.clone())
        .with_method(target.method.clone());
    config.password = password;
    config.credentials = store;
    config.request_tls = target.request_tls;
    Ok(config)
}

async fn send(global: &Global, args: &[String]) -> Result<u8, Failure> {
    let [buddy, message] = args else {
        return Err(usage(anyhow::anyhow!("--send takes BUDDY and MESSAGE")));
    };
    let to = ScreenName::parse(buddy).map_err(|e| usage(anyhow::anyhow!("--send {buddy}: {e}")))?;
    let from_stdin = message == "-";
    let text = if from_stdin {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| usage(anyhow::anyhow!("cannot read the message from stdin: {e}")))?;
        text.trim_end_matches(['\r', '\n']).to_string()
    } else {
        message.clone()
    };
    if text.trim().is_empty() {
        return Err(usage(anyhow::anyhow!("the message is empty")));
    }
    let config = load_config(global).map_err(usage)?;
    let target = resolve(global, &config).map_err(usage)?;
    let session_config =
        session_config(global, &target, from_stdin).await?.with_reconnect(ReconnectPolicy::never());
    let handle = session::spawn(session_config);
    let report = headless::send(handle, to, text, Duration::from_secs(30)).await;
    if let Some(message) = &report.message {
        eprintln!("flapjack: {message}");
    }
    Ok(report.outcome.exit_code())
}

async fn listen(global: &Global) -> Result<u8, Failure> {
    let config = load_config(global).map_err(usage)?;
    let target = resolve(global, &config).map_err(usage)?;
    let session_config = session_config(global, &target, false).await?;
    let handle = session::spawn(session_config);
    let stop = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let mut out = std::io::stdout();
    let mut err = std::io::stderr();
    match headless::listen(handle, &mut out, &mut err, stop).await {
        None => Ok(0),
        Some(reason) => {
            let code = match reason {
                session::DisconnectReason::AuthFailed(_) => SendOutcome::AuthFailed,
                _ => SendOutcome::NetworkError,
            };
            Err(Failure::new(code, anyhow::anyhow!("{}", headless::describe(&reason))))
        }
    }
}

async fn tui(global: &Global) -> Result<(), Failure> {
    let config = load_config(global).map_err(usage)?;
    let target = resolve(global, &config).map_err(usage)?;
    let session_config = session_config(global, &target, false).await?;
    run_tui(&config, session_config).await.map_err(Failure::from)
}

/// Opens the chat UI on a freshly spawned session and restores the terminal afterwards.
async fn run_tui(config: &Config, session_config: SessionConfig) -> Result<()> {
    use flapjack::tui;
    let account = session_config.screen_name.as_str().to_string();
    let history = if config.ui.history {
        tui::history::History::default_base()
            .map(|base| tui::history::History::new(&base, &account))
    } else {
        None
    };
    let handle = session::spawn(session_config);
    tui::install_panic_hook();
    let mut terminal = tui::setup_terminal().context("cannot set up the terminal")?;
    let result = tui::run(&mut terminal, handle, config, &account, history).await;
    let restored = tui::restore_terminal();
    result.context("the chat UI failed")?;
    restored.context("cannot restore the terminal")?;
    Ok(())
}

async fn demo_command(global: &Global) -> Result<()> {
    let accounts = Accounts::demo()?;
    let mut server_config = ServerConfig::for_tests(accounts.clone());
    server_config.bot_brain = Some(flapjack::bot::factory());
    let server = Server::start(server_config).await?;
    let http = server.http_addr().to_string();
    let user = global.user.clone().unwrap_or_else(|| "Flapjack Fan".to_string());
    let account =
        accounts.get(&user).with_context(|| format!("`{user}` is not one of the demo accounts"))?;
    let screen_name = ScreenName::parse(&user)?;
    let password = Secret::new(account.password.expose().to_string());
    let session_config =
        SessionConfig::new(screen_name, ServerProfile::local_at(&http)).with_password(password);
    let mut config = Config::default();
    if let Ok(loaded) = load_config(global) {
        config.ui = loaded.ui;
        config.keys = loaded.keys;
    }
    let result = run_tui(&config, session_config).await;
    server.shutdown().await;
    result
}

async fn login(global: &Global, args: &LoginArgs) -> Result<(), Failure> {
    let config = load_config(global).map_err(usage)?;
    let target = resolve(global, &config).map_err(usage)?;
    if target.method != LoginMethod::Http {
        return Err(usage(anyhow::anyhow!(
            "`login` uses the HTTP sign-on; BUCP has no long-term token to keep"
        )));
    }
    let mut client = HttpSignOn::new(target.profile.clone()).map_err(|e| usage(e.into()))?;
    if args.trace {
        client = client.with_trace(Trace::to_fn(|line| eprintln!("trace: {line}")));
    }
    if args.xml {
        client = client.with_format(flapjack::auth::Format::Xml);
    }
    let user = target.screen_name.as_str().to_string();
    let Some(password) = optional_password(global, &user, false).map_err(usage)? else {
        return Err(auth_failure(anyhow::anyhow!(
            "no password: set FLAPJACK_PASSWORD, use --password-stdin, or run in a terminal"
        )));
    };
    let token = client.client_login(&user, &password).await.map_err(auth_error)?;
    let (store, _) = open_keyring(global, &target).await;
    if let Some(store) = store {
        save_token(store, credential_key(&target), &token).await;
    }
    let ticket = client.start_session(&token).await.map_err(auth_error)?;
    println!("signed on as {}", ticket.screen_name);
    let transport = match (&ticket.tls_cert_name, ticket.use_tls) {
        (Some(name), _) => format!("TLS, certificate {name}"),
        (None, true) => "TLS".to_string(),
        (None, false) => "plain TCP".to_string(),
    };
    println!(
        "BOS: {}:{} ({transport}); cookie received ({} bytes)",
        ticket.host,
        ticket.port,
        ticket.cookie.len()
    );
    Ok(())
}

fn auth_error(e: AuthError) -> Failure {
    let code = match &e {
        AuthError::Network { .. } => SendOutcome::NetworkError,
        _ if e.codes().is_some() => SendOutcome::AuthFailed,
        _ => SendOutcome::NetworkError,
    };
    Failure::new(code, e.into())
}

/// Keeps the long-term token (never the password) in the keyring.
async fn save_token(store: Arc<dyn CredentialStore>, key: CredentialKey, token: &StoredToken) {
    let Ok(value) = serde_json::to_string(token) else {
        return;
    };
    let saved = tokio::task::spawn_blocking(move || store.save(&key, &value)).await;
    match saved {
        Ok(Ok(())) => {
            eprintln!("kept a long-term token in the keyring; next time no password is needed")
        }
        Ok(Err(e)) => eprintln!("note: could not keep the token: {e}"),
        Err(_) => {}
    }
}

async fn logout(global: &Global) -> Result<(), Failure> {
    let config = load_config(global).map_err(usage)?;
    let target = resolve(global, &config).map_err(usage)?;
    let key = credential_key(&target);
    let store = KeyringStore::new();
    let deleted = tokio::task::spawn_blocking(move || store.delete(&key))
        .await
        .map_err(|e| Failure::from(anyhow::anyhow!("keyring task failed: {e}")))?;
    match deleted {
        Ok(true) => println!("forgot the stored token for {}", target.screen_name),
        Ok(false) => println!("no stored token for {}", target.screen_name),
        Err(e) => return Err(Failure::from(anyhow::Error::from(e))),
    }
    Ok(())
}

/// Reads a line from the terminal in raw mode so nothing is echoed.
fn prompt_password(prompt: &str) -> Result<Secret> {
    use crossterm::event::{read, Event, KeyCode, KeyEventKind, KeyModifiers};
    struct RawGuard;
    impl Drop for RawGuard {
        fn drop(&mut self) {
            let _ = crossterm::terminal::disable_raw_mode();
        }
    }
    let mut stderr = std::io::stderr();
    write!(stderr, "{prompt}")?;
    stderr.flush()?;
    crossterm::terminal::enable_raw_mode().context("cannot switch the terminal to raw mode")?;
    let guard = RawGuard;
    let mut password = String::new();
    loop {
        if let Event::Key(key) = read().context("cannot read from the terminal")? {
            if key.kind != KeyEventKind::Press {
                continue;
            }
            match key.code {
                KeyCode::Enter => break,
                KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                    drop(guard);
                    eprintln!();
                    bail!("cancelled");
                }
                KeyCode::Backspace => {
                    password.pop();
                }
                KeyCode::Char(c) => password.push(c),
                _ => {}
            }
        }
    }
    drop(guard);
    eprintln!();
    Ok(Secret::new(password))
}

async fn serve(args: &ServeArgs) -> Result<()> {
    let (accounts, source) = match &args.accounts {
        Some(path) => (Accounts::load(path)?, path.display().to_string()),
        None => (Accounts::demo()?, "built-in demo accounts".to_string()),
    };
    for (flag, addr) in
        [("--listen", args.listen), ("--bos", args.bos), ("--bucp-listen", args.bucp_listen)]
    {
        if !addr.ip().is_loopback() {
            bail!("{flag} {addr}: the embedded server only listens on loopback");
        }
    }
    let count = accounts.len();
    let mut config = ServerConfig::new(accounts);
    config.bot_brain = Some(flapjack::bot::factory());
    config.http_listen = args.listen;
    config.bos_listen = args.bos;
    config.bucp_listen = args.bucp_listen;
    config.data_dir = args.data.clone();
    let handle = Server::start(config).await?;
    println!("http: http://{}", handle.http_addr());
    println!("bos: {} (advertised by startOSCARSession)", handle.bos_addr());
    println!("bucp: {}", handle.bucp_addr());
    if let Some(dir) = &args.data {
        println!("data: {}", dir.display());
    }
    println!("accounts: {count} ({source})");
    std::io::stdout().flush()?;
    tokio::signal::ctrl_c().await.context("cannot wait for Ctrl-C")?;
    handle.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn configured_urls_may_be_base_or_full_endpoints() {
        assert_eq!(base_url("http://h:1/auth/clientLogin", "/auth/clientLogin"), "http://h:1");
        assert_eq!(base_url("http://h:1/", "/auth/clientLogin"), "http://h:1");
    }
}
