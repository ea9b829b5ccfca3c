//! The `flapjack` command line: sign on (`login`), or run the embedded server (`serve`).

use std::io::{BufRead, IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use flapjack::auth::{HttpSignOn, Secret, ServerProfile, Trace};
use flapjack::server::{Accounts, Server, ServerConfig};

/// A terminal AIM/ICQ client speaking OSCAR, with an embedded loopback server.
#[derive(Debug, Parser)]
#[command(name = "flapjack", version, about)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

/// Options every subcommand understands.
#[derive(Debug, Args)]
struct Global {
    /// Which servers to use: the historic AOL or ICQ hosts, or the embedded server.
    #[arg(long, global = true, value_enum, default_value_t = Preset::Local)]
    profile: Preset,
    /// Screen name or ICQ UIN to sign on as.
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
    /// Read the password from the first line of standard input (else FLAPJACK_PASSWORD, else a
    /// prompt).
    #[arg(long, global = true)]
    password_stdin: bool,
    /// Log to stderr (or --log-file): -v for info, -vv for debug. Logs never contain secrets.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Write logs to this file instead of stderr.
    #[arg(long, global = true, value_name = "FILE")]
    log_file: Option<PathBuf>,
}

/// The server presets of `--profile`.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Preset {
    /// AOL's historic AIM hosts (https).
    Aim,
    /// ICQ's historic hosts (https).
    Icq,
    /// The embedded server at its default address (`flapjack serve`).
    Local,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Sign on over HTTP and print where the BOS connection would go (never the cookie).
    Login(LoginArgs),
    /// Run the embedded loopback server and print its addresses.
    Serve(ServeArgs),
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
    /// Where BOS listens (port 0 picks a free port); its bound address is what
    /// startOSCARSession and BUCP advertise.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:5190")]
    bos: SocketAddr,
    /// Where the BUCP (MD5) login host listens (port 0 picks a free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:5191")]
    bucp: SocketAddr,
    /// Keep buddy lists and offline messages in this directory (one JSON file per account)
    /// instead of memory.
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Accounts file (TOML); default: the built-in demo accounts (assets/accounts.toml).
    #[arg(long, value_name = "FILE")]
    accounts: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = init_logging(&cli.global) {
        eprintln!("error: {e:#}");
        return ExitCode::FAILURE;
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match &cli.command {
            Command::Login(args) => login(&cli.global, args).await,
            Command::Serve(args) => serve(args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(global: &Global) -> Result<()> {
    if global.verbose == 0 {
        return Ok(());
    }
    let level = if global.verbose == 1 { "info" } else { "debug" };
    let filter = tracing_subscriber::EnvFilter::new(format!("flapjack={level}"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match &global.log_file {
        Some(path) => {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| format!("cannot open log file {}", path.display()))?;
            builder.with_ansi(false).with_writer(std::sync::Mutex::new(file)).init();
        }
        None => builder.with_writer(std::io::stderr).init(),
    }
    Ok(())
}

fn profile(global: &Global) -> ServerProfile {
    let mut profile = match global.profile {
        Preset::Aim => ServerProfile::aim(),
        Preset::Icq => ServerProfile::icq(),
        Preset::Local => ServerProfile::local(),
    };
    if let Some(url) = &global.login_url {
        profile.login_url = url.clone();
    }
    if let Some(url) = &global.api_url {
        profile.api_url = url.clone();
    }
    if let Some(key) = &global.dev_id {
        profile.dev_id = key.clone();
    }
    profile
}

async fn login(global: &Global, args: &LoginArgs) -> Result<()> {
    let Some(user) = global.user.clone() else {
        bail!("--user NAME is required to sign on");
    };
    let mut client = HttpSignOn::new(profile(global))?;
    if args.trace {
        client = client.with_trace(Trace::to_fn(|line| eprintln!("trace: {line}")));
    }
    if args.xml {
        client = client.with_format(flapjack::auth::Format::Xml);
    }
    let password = read_password(global, &user)?;
    let ticket = client.sign_on(&user, &password).await?;
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

/// The password from FLAPJACK_PASSWORD, `--password-stdin`, or a prompt without echo; never
/// from the command line, where other users could read it.
fn read_password(global: &Global, user: &str) -> Result<Secret> {
    if global.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from stdin")?;
        let password = line.trim_end_matches(['\r', '\n']).to_string();
        if password.is_empty() {
            bail!("--password-stdin: standard input held no password");
        }
        return Ok(Secret::new(password));
    }
    if let Ok(password) = std::env::var("FLAPJACK_PASSWORD") {
        if !password.is_empty() {
            return Ok(Secret::new(password));
        }
    }
    if !std::io::stdin().is_terminal() {
        bail!("no password: set FLAPJACK_PASSWORD, use --password-stdin, or run in a terminal");
    }
    prompt_password(&format!("Password for {user}: "))
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
    for (flag, addr) in [("--listen", args.listen), ("--bos", args.bos), ("--bucp", args.bucp)] {
        if !addr.ip().is_loopback() {
            bail!("{flag} {addr}: the embedded server only listens on loopback");
        }
    }
    let count = accounts.len();
    let mut config = ServerConfig::new(accounts);
    config.http_listen = args.listen;
    config.bos_listen = args.bos;
    config.bucp_listen = args.bucp;
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
