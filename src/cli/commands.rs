//! What each command does, once the command line is parsed: `--send`, `--listen`, the chat UI,
//! `login`, `logout`, `serve`, `demo` and `config`.
//!
//! Every command returns the [`Exit`] it ends with, or a [`Failure`] that carries one, so the
//! codes a script sees are decided here and in [`super::exit`], not in `main.rs`.

use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};

use crate::auth::{HttpSignOn, Secret, ServerProfile, Trace};
use crate::config::Config;
use crate::credentials::KeyringStore;
use crate::headless;
use crate::screenname::ScreenName;
use crate::server::{Accounts, PublicRoom, Server, ServerConfig};
use crate::session::{self, ReconnectPolicy, SessionConfig};
use crate::words;

use super::args::{Cli, Command, ConfigCommand, Global, LoginArgs, ServeArgs};
use super::exit::{Exit, Failure};
use super::password::{self, optional_password};
use super::profile::{config_path, load_config, resolve, Target};
use super::tokens::{keep_note, TokenStore};

/// How long `--send` waits for sign-on and the server's acknowledgement.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs the command the command line asked for.
pub async fn run(cli: &Cli) -> Result<Exit, Failure> {
    let g = &cli.global;
    let interactive = cli.send.is_none() && !cli.listen && cli.command.is_none();
    let is_demo = matches!(cli.command, Some(Command::Demo));
    super::logging::init(g.log_file.as_deref(), g.verbose, interactive || is_demo)
        .map_err(Failure::usage)?;
    if let Some(args) = &cli.send {
        return send(g, args).await;
    }
    if cli.listen {
        return listen(g).await;
    }
    match &cli.command {
        None => tui(g).await.map(|()| Exit::Ok),
        Some(Command::Login(args)) => login(g, args).await.map(|()| Exit::Ok),
        Some(Command::Logout) => logout(g).await.map(|()| Exit::Ok),
        Some(Command::Serve(args)) => serve(args).await.map(|()| Exit::Ok).map_err(Failure::from),
        Some(Command::Demo) => demo(g).await.map(|()| Exit::Ok).map_err(Failure::from),
        Some(Command::Config(ConfigCommand::Init)) => {
            let path = config_path(g).map_err(Failure::usage)?;
            Config::write_example(&path).map_err(Failure::usage)?;
            println!("wrote {}", path.display());
            Ok(Exit::Ok)
        }
        Some(Command::Config(ConfigCommand::Path)) => {
            println!("{}", config_path(g).map_err(Failure::usage)?.display());
            Ok(Exit::Ok)
        }
    }
}

/// Reads the config file and resolves the account and server; both failures are usage errors.
fn target(global: &Global) -> Result<(Config, Target), Failure> {
    let (config, path) = load_config(global).map_err(Failure::usage)?;
    let target = resolve(global, &config, &path).map_err(Failure::usage)?;
    Ok((config, target))
}

/// Builds the session configuration, asking for a password only when no token is stored.
/// `may_prompt_later` says the terminal stays free (not the chat UI), so a refused stored
/// token can be answered by prompting for the password then.
async fn session_config(
    global: &Global,
    target: &Target,
    stdin_taken: bool,
    may_prompt_later: bool,
) -> Result<SessionConfig, Failure> {
    let keyring = Arc::new(KeyringStore::new());
    let opened = TokenStore::open_for_sign_on(keyring, global.no_keyring, target).await;
    let has_token = opened.as_ref().is_some_and(|(_, found)| *found);
    let password = if has_token {
        // A stored token signs on without a password; one given without asking still helps
        // if the server refuses the token.
        password::given_password(global.password_stdin, stdin_taken).map_err(Failure::usage)?
    } else {
        optional_password(global.password_stdin, target.screen_name.as_str(), stdin_taken)
            .map_err(Failure::usage)?
    };
    if password.is_none() && !has_token {
        return Err(Failure::auth(anyhow::anyhow!(words::no_credentials_for(&target.screen_name))));
    }
    let mut config = SessionConfig::new(target.screen_name.clone(), target.profile.clone())
        .with_method(target.method.clone());
    config.password = password;
    config.credentials = opened.map(|(tokens, _)| tokens.credentials());
    config.request_tls = target.request_tls;
    if has_token && config.password.is_none() && may_prompt_later {
        config.password_prompt = password::prompt_hook(target.screen_name.as_str(), stdin_taken);
    }
    Ok(config)
}

/// `--send BUDDY MESSAGE`: one IM, exit code by outcome.
async fn send(global: &Global, args: &[String]) -> Result<Exit, Failure> {
    let [buddy, message] = args else {
        return Err(Failure::usage(anyhow::anyhow!("--send takes BUDDY and MESSAGE")));
    };
    let to = ScreenName::parse(buddy)
        .map_err(|e| Failure::usage(anyhow::anyhow!("--send {buddy}: {e}")))?;
    let from_stdin = message == "-";
    let text = if from_stdin {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map_err(|e| {
            Failure::usage(anyhow::anyhow!("cannot read the message from stdin: {e}"))
        })?;
        text.trim_end_matches(['\r', '\n']).to_string()
    } else {
        message.clone()
    };
    if text.trim().is_empty() {
        return Err(Failure::usage(anyhow::anyhow!("the message is empty")));
    }
    let (_, target) = target(global)?;
    let session_config = session_config(global, &target, from_stdin, true)
        .await?
        .with_reconnect(ReconnectPolicy::never());
    let handle = session::spawn(session_config);
    let report = headless::send(handle, to, text, SEND_TIMEOUT).await;
    if let Some(message) = &report.message {
        eprintln!("flapjack: {message}");
    }
    Ok(Exit::from(report.outcome))
}

/// `--listen`: incoming IMs as JSON lines until Ctrl-C or the session ends.
async fn listen(global: &Global) -> Result<Exit, Failure> {
    let (_, target) = target(global)?;
    let session_config = session_config(global, &target, false, true).await?;
    let handle = session::spawn(session_config);
    let stop = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let mut out = std::io::stdout();
    let mut err = std::io::stderr();
    match headless::listen(handle, &mut out, &mut err, stop).await {
        None => Ok(Exit::Ok),
        Some(reason) => Err(Failure::new(
            Exit::for_disconnect(&reason),
            anyhow::anyhow!("{}", words::disconnect(&reason)),
        )),
    }
}

/// No subcommand: the chat UI for the configured account.
async fn tui(global: &Global) -> Result<(), Failure> {
    let (config, target) = target(global)?;
    let session_config = session_config(global, &target, false, false).await?;
    run_tui(&config, session_config).await.map_err(Failure::from)
}

/// Opens the chat UI on a freshly spawned session and restores the terminal afterwards.
async fn run_tui(config: &Config, session_config: SessionConfig) -> Result<()> {
    use crate::tui;
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

/// `demo`: the embedded server with demo accounts and a bot, and the chat UI signed on to it.
async fn demo(global: &Global) -> Result<()> {
    let accounts = Accounts::demo()?;
    let mut server_config = ServerConfig::for_tests(accounts.clone());
    server_config.bot_brain = Some(crate::bot::factory());
    server_config.public_rooms = vec![PublicRoom::lounge(&accounts)];
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
    if let Ok((loaded, _)) = load_config(global) {
        config.ui = loaded.ui;
        config.keys = loaded.keys;
    }
    let result = run_tui(&config, session_config).await;
    server.shutdown().await;
    result
}

/// `login`: HTTP sign-on, keep the long-term token, print where BOS would be (never the cookie).
async fn login(global: &Global, args: &LoginArgs) -> Result<(), Failure> {
    let (_, target) = target(global)?;
    if target.method != session::LoginMethod::Http {
        return Err(Failure::usage(anyhow::anyhow!(
            "`login` uses the HTTP sign-on; BUCP has no long-term token to keep"
        )));
    }
    let mut client = HttpSignOn::new(target.profile.clone()).map_err(Failure::usage)?;
    if args.trace {
        client = client.with_trace(Trace::to_fn(|line| eprintln!("trace: {line}")));
    }
    if args.xml {
        client = client.with_format(crate::auth::Format::Xml);
    }
    let user = target.screen_name.as_str().to_string();
    let Some(password) =
        optional_password(global.password_stdin, &user, false).map_err(Failure::usage)?
    else {
        return Err(Failure::auth(anyhow::anyhow!(words::no_password_for_login())));
    };
    let token = client.client_login(&user, &password).await?;
    let keyring = Arc::new(KeyringStore::new());
    if let Some((tokens, _)) =
        TokenStore::open_for_sign_on(keyring, global.no_keyring, &target).await
    {
        if !token.worth_keeping() {
            eprintln!(
                "flapjack: not keeping the sign-on token: this server honours it for {} s only, \
                 less than a session; later runs sign on with the password",
                token.expires_at.saturating_sub(token.server_now()).max(0)
            );
        } else if let Some(note) = keep_note(&tokens.keep(&token).await) {
            eprintln!("{note}");
        }
    }
    let ticket = client.start_session(&token).await?;
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

/// `logout`: forget the long-term token kept for this account and server.
async fn logout(global: &Global) -> Result<(), Failure> {
    let (_, target) = target(global)?;
    // Forgetting touches the keyring even with --no-keyring: that flag is about signing on.
    let tokens = TokenStore::new(Arc::new(KeyringStore::new()), &target);
    if tokens.forget().await.map_err(|e| Failure::from(anyhow::Error::from(e)))? {
        println!("forgot the stored token for {}", target.screen_name);
    } else {
        println!("no stored token for {}", target.screen_name);
    }
    Ok(())
}

/// `serve`: the embedded loopback server until Ctrl-C.
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
    let lounge = PublicRoom::lounge(&accounts);
    let mut config = ServerConfig::new(accounts);
    config.public_rooms = vec![lounge];
    config.bot_brain = Some(crate::bot::factory());
    config.http_listen = args.listen;
    config.bos_listen = args.bos;
    config.bucp_listen = args.bucp_listen;
    config.data_dir = args.data.clone();
    config.web_api = args.web_api;
    let handle = Server::start(config).await?;
    println!("http: http://{}", handle.http_addr());
    println!("bos: {} (advertised by startOSCARSession)", handle.bos_addr());
    println!("bucp: {}", handle.bucp_addr());
    if let Some(dir) = &args.data {
        println!("data: {}", dir.display());
    }
    println!("accounts: {count} ({source})");
    println!("web API: {}", args.web_api);
    std::io::stdout().flush()?;
    tokio::signal::ctrl_c().await.context("cannot wait for Ctrl-C")?;
    handle.shutdown().await;
    Ok(())
}
