//! What each command does, once the command line is parsed: `--send`, `--listen`, the chat UI,
//! `login`, `logout`, `serve`, `demo` and `config`.
//!
//! Every command returns the [`Exit`] it ends with, or a [`Failure`] that carries one, so the
//! codes a script sees are decided here and in [`super::exit`], not in `main.rs`.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::CommandFactory;

use crate::auth::{HttpSignOn, Secret, ServerProfile, Trace};
use crate::config::Config;
use crate::credentials::{CredentialError, KeyringStore};
use crate::headless;
use crate::screenname::ScreenName;
use crate::server::{Accounts, PublicRoom, Server, ServerConfig, ServerError};
use crate::session::{self, ReconnectPolicy, SessionConfig};
use crate::tui::keymap::Keymap;
use crate::words;

use super::args::{Cli, Command, ConfigCommand, LoginArgs, Options, ServeArgs};
use super::exit::{Exit, Failure};
use super::password::{self, optional_password};
use super::profile::{config_path, load_config, resolve, Target};
use super::tokens::{TokenStore, TokenStoreError};

/// How long `--send` waits for sign-on and the server's acknowledgement.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs the command the command line asked for.
pub async fn run(cli: &Cli) -> Result<Exit, Failure> {
    let g = &cli.options();
    let interactive = cli.send.is_none() && !cli.listen && cli.command.is_none();
    let is_demo = matches!(cli.command, Some(Command::Demo(_)));
    // `serve` is a foreground server: what it logs (sign-ons, sign-offs) is its output.
    let verbose = match cli.command {
        Some(Command::Serve(_)) => g.global.verbose.max(1),
        _ => g.global.verbose,
    };
    super::logging::init(g.global.log_file.as_deref(), verbose, interactive || is_demo)
        .map_err(Failure::usage)?;
    // Before any password, token or cookie is read or received (`serve` holds its accounts'):
    // no core dump may carry one off. A failure costs no function, so it is only logged.
    if let Err(e) = crate::hardening::disable_core_dumps() {
        tracing::warn!("cannot disable core dumps: {e}");
    }
    if let Some(args) = &cli.send {
        return match room_send_args(args, &cli.room)? {
            Some((room, message)) => send_room(g, room, message).await,
            None => send(g, args).await,
        };
    }
    if cli.listen {
        let rooms = listen_rooms(&cli.room)?;
        return listen(g, &rooms).await;
    }
    if !cli.room.is_empty() {
        return Err(Failure::usage(anyhow::anyhow!("--room goes with --send or --listen")));
    }
    match &cli.command {
        None => tui(g).await.map(|()| Exit::Ok),
        Some(Command::Login(args)) => login(g, args).await,
        Some(Command::Logout(_)) => logout(g).await.map(|()| Exit::Ok),
        Some(Command::Serve(args)) => serve(args).await.map(|()| Exit::Ok),
        Some(Command::Demo(_)) => {
            // A broken config file is reported here too, before any server starts.
            let (loaded, _) = load_config(g).map_err(Failure::usage)?;
            demo(g, loaded).await.map(|()| Exit::Ok).map_err(Failure::from)
        }
        Some(Command::Config(ConfigCommand::Init(_))) => {
            let path = config_path(g).map_err(Failure::usage)?;
            Config::write_example(&path).map_err(Failure::usage)?;
            println!("{}", words::config_written(&path));
            Ok(Exit::Ok)
        }
        Some(Command::Config(ConfigCommand::Path(_))) => {
            println!("{}", config_path(g).map_err(Failure::usage)?.display());
            Ok(Exit::Ok)
        }
        Some(Command::Config(ConfigCommand::Keys(_))) => {
            let (config, _) = load_config(g).map_err(Failure::usage)?;
            let keymap = Keymap::with_overrides(&config.keys).map_err(Failure::usage)?;
            print!("{}", words::key_listing(&keymap));
            Ok(Exit::Ok)
        }
        Some(Command::Completions(args)) => {
            let mut out = std::io::stdout();
            clap_complete::generate(args.shell, &mut Cli::command(), "flapjack", &mut out);
            Ok(Exit::Ok)
        }
        Some(Command::Man(args)) => {
            let page = man_page(args.command.as_deref())?;
            std::io::stdout().write_all(&page).context("cannot write the manual page")?;
            Ok(Exit::Ok)
        }
    }
}

/// The manual page in roff: flapjack(1), or `flapjack-NAME(1)` for a subcommand.
pub fn man_page(subcommand: Option<&str>) -> Result<Vec<u8>, Failure> {
    let mut cli = Cli::command();
    cli.build();
    let command = match subcommand {
        None => cli,
        Some(name) => {
            let Some(sub) = cli.find_subcommand(name) else {
                return Err(Failure::usage(anyhow::anyhow!(words::no_such_subcommand(name))));
            };
            sub.clone().name(format!("flapjack-{name}"))
        }
    };
    let mut out = Vec::new();
    clap_mangen::Man::new(command).render(&mut out).context("cannot render the manual page")?;
    Ok(out)
}

/// Reads the config file and resolves the account and server; both failures are usage errors.
fn target(global: &Options) -> Result<(Config, Target), Failure> {
    let (config, path) = load_config(global).map_err(Failure::usage)?;
    let target = resolve(global, &config, &path).map_err(Failure::usage)?;
    Ok((config, target))
}

/// Builds the session configuration, asking for a password only when no token is stored.
/// `may_prompt_later` says the terminal stays free (not the chat UI), so a refused stored
/// token can be answered by prompting for the password then.
async fn session_config(
    global: &Options,
    target: &Target,
    stdin_taken: bool,
    may_prompt_later: bool,
) -> Result<(SessionConfig, Option<String>), Failure> {
    let keyring = Arc::new(KeyringStore::new());
    let (opened, note) =
        match TokenStore::open_for_sign_on(keyring, global.secret.no_keyring, target).await {
            Ok(opened) => (opened, None),
            Err(e) => {
                let note = words::keyring_note(&e);
                if let Some(note) = &note {
                    tracing::info!("{note}");
                }
                (None, note)
            }
        };
    let has_token = opened.as_ref().is_some_and(|(_, found)| *found);
    let password = if has_token {
        // A stored token signs on without a password; one given without asking still helps
        // if the server refuses the token.
        password::given_password(global.secret.password_stdin, stdin_taken)
            .map_err(Failure::usage)?
    } else {
        optional_password(global.secret.password_stdin, target.screen_name.as_str(), stdin_taken)
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
    config.tls = target.tls.clone();
    config.bos_tls = target.bos_tls.clone();
    config.allow_plain_bos = target.allow_plain_bos;
    if has_token && config.password.is_none() && may_prompt_later {
        config.password_prompt = password::prompt_hook(target.screen_name.as_str(), stdin_taken);
    }
    Ok((config, note))
}

/// `--send` with `--room`: the room and the message, from `--send --room ROOM MESSAGE` or
/// `--send MESSAGE --room ROOM`; `None` without `--room`.
fn room_send_args<'a>(
    send: &'a [String],
    room: &'a [Vec<String>],
) -> Result<Option<(&'a str, &'a str)>, Failure> {
    match (send, room) {
        (_, []) => Ok(None),
        ([], [r]) => match r.as_slice() {
            [room, message] => Ok(Some((room, message))),
            _ => Err(Failure::usage(anyhow::anyhow!("--send --room takes ROOM and MESSAGE"))),
        },
        ([message], [r]) => match r.as_slice() {
            [room] => Ok(Some((room, message))),
            _ => Err(Failure::usage(anyhow::anyhow!("--send --room takes ROOM and MESSAGE"))),
        },
        _ => Err(Failure::usage(anyhow::anyhow!("--send --room takes one ROOM and one MESSAGE"))),
    }
}

/// `--listen --room ROOM`…: the rooms to join (each `--room` names one).
fn listen_rooms(room: &[Vec<String>]) -> Result<Vec<String>, Failure> {
    room.iter()
        .map(|r| match r.as_slice() {
            [name] if !name.trim().is_empty() => Ok(name.trim().to_string()),
            _ => Err(Failure::usage(anyhow::anyhow!("--listen --room takes one ROOM each"))),
        })
        .collect()
}

/// The message `--send` sends: `-` reads stdin; an empty message is a usage error.
fn message_text(message: &str) -> Result<(String, bool), Failure> {
    let from_stdin = message == "-";
    let text = if from_stdin {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map_err(|e| {
            Failure::usage(anyhow::anyhow!("cannot read the message from stdin: {e}"))
        })?;
        text.trim_end_matches(['\r', '\n']).to_string()
    } else {
        message.to_string()
    };
    if text.trim().is_empty() {
        return Err(Failure::usage(anyhow::anyhow!("the message is empty")));
    }
    Ok((text, from_stdin))
}

/// `--send --room ROOM MESSAGE`: join, say it, leave; exit code by outcome.
async fn send_room(global: &Options, room: &str, message: &str) -> Result<Exit, Failure> {
    if room.trim().is_empty() {
        return Err(Failure::usage(anyhow::anyhow!("--room needs a room name")));
    }
    let (text, from_stdin) = message_text(message)?;
    let (_, target) = target(global)?;
    let (session_config, _) = session_config(global, &target, from_stdin, true).await?;
    let session_config = session_config.with_reconnect(ReconnectPolicy::never());
    let handle = session::spawn(session_config);
    let report = headless::send_room(handle, room.trim().to_string(), text, SEND_TIMEOUT).await;
    if let Some(message) = &report.message {
        eprintln!("flapjack: {}", crate::text::neutralize_line(message));
    }
    Ok(Exit::from(report.outcome))
}

/// `--send BUDDY MESSAGE`: one IM, exit code by outcome.
async fn send(global: &Options, args: &[String]) -> Result<Exit, Failure> {
    let [buddy, message] = args else {
        return Err(Failure::usage(anyhow::anyhow!("--send takes BUDDY and MESSAGE")));
    };
    let to = ScreenName::parse(buddy)
        .map_err(|e| Failure::usage(anyhow::anyhow!("--send {buddy}: {e}")))?;
    let (text, from_stdin) = message_text(message)?;
    let (_, target) = target(global)?;
    // Without a keyring `--send` just signs on with the password: a script gains nothing from
    // hearing so on every run (the note is logged at info level with -v).
    let (session_config, _) = session_config(global, &target, from_stdin, true).await?;
    let session_config = session_config.with_reconnect(ReconnectPolicy::never());
    let handle = session::spawn(session_config);
    let report = headless::send(handle, to, text, SEND_TIMEOUT).await;
    if let Some(message) = &report.message {
        eprintln!("flapjack: {}", crate::text::neutralize_line(message));
    }
    Ok(Exit::from(report.outcome))
}

/// `--listen`: incoming IMs as JSON lines until Ctrl-C or the session ends.
async fn listen(global: &Options, rooms: &[String]) -> Result<Exit, Failure> {
    let (_, target) = target(global)?;
    let (session_config, _) = session_config(global, &target, false, true).await?;
    let handle = session::spawn(session_config);
    let stop = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let mut out = std::io::stdout();
    let mut err = std::io::stderr();
    match headless::listen(handle, rooms, &mut out, &mut err, stop).await {
        None => Ok(Exit::Ok),
        Some(reason) => Err(Failure::new(
            Exit::for_disconnect(&reason),
            anyhow::anyhow!("{}", words::disconnect(&reason)),
        )),
    }
}

/// No subcommand: the chat UI for the configured account.
async fn tui(global: &Options) -> Result<(), Failure> {
    let (config, target) = target(global)?;
    // The chat UI says once, in its status bar, that tokens are not being kept.
    let (session_config, note) = session_config(global, &target, false, false).await?;
    run_tui(&config, session_config, note).await.map_err(Failure::from)
}

/// Opens the chat UI on a freshly spawned session and restores the terminal afterwards.
async fn run_tui(
    config: &Config,
    mut session_config: SessionConfig,
    notice: Option<String>,
) -> Result<()> {
    use crate::tui;
    // A failed start is retried with backoff (the screen says why and when), not left dead.
    session_config.reconnect.first_sign_on = true;
    let account = session_config.screen_name.as_str().to_string();
    let history = if config.ui.history {
        tui::history::History::default_base()
            .map(|base| tui::history::History::new(&base, &account))
    } else {
        None
    };
    // Only the chat UI sees key presses, so only it reports idle time.
    let session_config = session_config
        .with_idle_after(config.ui.idle_after())
        .with_buddy_icons(flapjack_client::icon_cache::IconCache::default_dir());
    // A refused password is asked for again in the UI, and a new session signs on with it.
    let again_config = session_config.clone();
    let sign_on_again: tui::SignOnAgain =
        Box::new(move |password| session::spawn(again_config.clone().with_password(password)));
    let handle = session::spawn(session_config);
    tui::install_panic_hook();
    let mut terminal =
        tui::setup_terminal(config.ui.mouse).context("cannot set up the terminal")?;
    let result =
        tui::run(&mut terminal, handle, config, &account, history, notice, Some(sign_on_again))
            .await;
    let restored = tui::restore_terminal();
    result.context("the chat UI failed")?;
    restored.context("cannot restore the terminal")?;
    Ok(())
}

/// `demo`: the embedded server with demo accounts and a bot, and the chat UI signed on to it.
async fn demo(global: &Options, loaded: Config) -> Result<()> {
    let accounts = Accounts::demo()?;
    let mut server_config = ServerConfig::for_tests(accounts.clone());
    server_config.bot_brain = Some(crate::bot::factory());
    server_config.public_rooms = vec![PublicRoom::lounge(&accounts)];
    let server = Server::start(server_config).await?;
    let http = server.http_addr().to_string();
    let user = global.account.user.clone().unwrap_or_else(|| "Flapjack Fan".to_string());
    let account =
        accounts.get(&user).with_context(|| format!("`{user}` is not one of the demo accounts"))?;
    let screen_name = ScreenName::parse(&user)?;
    let password = Secret::new(account.password.expose().to_string());
    let session_config =
        SessionConfig::new(screen_name, ServerProfile::local_at(&http)).with_password(password);
    let config = Config { ui: loaded.ui, keys: loaded.keys, ..Config::default() };
    let result = run_tui(&config, session_config, None).await;
    server.shutdown().await;
    result
}

/// `login`: HTTP sign-on, keep the long-term token, print where BOS would be (never the cookie).
///
/// Keeping the token is the point of `login`: when no keyring takes it, the sign-on is shown
/// but the command fails (exit 3), saying nothing was kept. With `--no-keyring` it is a trial
/// sign-on and succeeds.
async fn login(global: &Options, args: &LoginArgs) -> Result<Exit, Failure> {
    let (_, target) = target(global)?;
    if target.method != session::LoginMethod::Http {
        return Err(Failure::usage(anyhow::anyhow!(words::login_needs_http())));
    }
    let mut client = HttpSignOn::new(target.profile.clone()).map_err(Failure::usage)?;
    if args.trace {
        client = client.with_trace(Trace::to_fn(|line| eprintln!("{}", words::trace_line(line))));
    }
    if args.xml {
        client = client.with_format(crate::auth::Format::Xml);
    }
    let user = target.screen_name.as_str().to_string();
    let Some(password) =
        optional_password(global.secret.password_stdin, &user, false).map_err(Failure::usage)?
    else {
        return Err(Failure::auth(anyhow::anyhow!(words::no_password_for_login())));
    };
    let token = client.client_login(&user, &password).await?;
    let not_kept = if global.secret.no_keyring {
        eprintln!("{}", words::login_not_keeping_no_keyring());
        None
    } else {
        let keyring = Arc::new(KeyringStore::new());
        match TokenStore::open_for_sign_on(keyring, false, &target).await {
            Err(e) => Some(e),
            Ok(None) => None,
            Ok(Some((tokens, _))) => {
                if !token.worth_keeping() {
                    let lifetime = token.expires_at.saturating_sub(token.server_now()).max(0);
                    eprintln!("{}", words::token_not_worth_keeping(lifetime));
                    None
                } else {
                    match tokens.keep(&token).await {
                        Ok(()) => {
                            eprintln!("{}", words::token_kept());
                            None
                        }
                        Err(e) => Some(e),
                    }
                }
            }
        }
    };
    let ticket = client.start_session(&token).await?;
    println!("{}", words::login_signed_on(&ticket.screen_name));
    println!(
        "{}",
        words::login_bos(
            &ticket.host,
            ticket.port,
            ticket.use_tls,
            ticket.tls_cert_name.as_deref(),
            ticket.cookie.len()
        )
    );
    match not_kept {
        None => Ok(Exit::Ok),
        Some(e) => Err(Failure::new(Exit::Network, anyhow::anyhow!(words::login_nothing_kept(&e)))),
    }
}

/// `logout`: forget the long-term token kept for this account and server. Without a keyring
/// nothing can have been kept, so there is nothing to forget (and that is no failure).
async fn logout(global: &Options) -> Result<(), Failure> {
    let (_, target) = target(global)?;
    // Forgetting touches the keyring even with --no-keyring: that flag is about signing on.
    let tokens = TokenStore::new(Arc::new(KeyringStore::new()), &target);
    match tokens.forget().await {
        Ok(true) => println!("{}", words::token_forgotten(&target.screen_name)),
        Ok(false) => println!("{}", words::no_token_to_forget(&target.screen_name)),
        Err(TokenStoreError::Credential(CredentialError::Unavailable(why))) => {
            println!("{}", words::logout_without_keyring(&target.screen_name, &why));
        }
        Err(e) => return Err(Failure::from(anyhow::Error::from(e))),
    }
    Ok(())
}

/// `serve`: the embedded loopback server until Ctrl-C.
async fn serve(args: &ServeArgs) -> Result<(), Failure> {
    let (accounts, source) = match &args.accounts {
        Some(path) => (Accounts::load(path).map_err(Failure::usage)?, path.display().to_string()),
        None => {
            (Accounts::demo().map_err(anyhow::Error::from)?, "built-in demo accounts".to_string())
        }
    };
    let flags = serve_flags(args);
    for (i, (flag, addr)) in flags.iter().enumerate() {
        if !addr.ip().is_loopback() {
            return Err(Failure::usage(anyhow::anyhow!(words::serve_not_loopback(flag, *addr))));
        }
        if let Some((other, _)) = flags[..i].iter().find(|(_, a)| a == addr && a.port() != 0) {
            return Err(Failure::usage(anyhow::anyhow!(words::serve_same_address(
                other, flag, *addr
            ))));
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
    if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
        let read = |path: &std::path::PathBuf| {
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
        };
        let identity = crate::server::TlsIdentity::from_pem(&read(cert)?, &read(key)?)
            .map_err(Failure::usage)?;
        config.tls_identity = Some(identity);
    }
    let handle = Server::start(config).await.map_err(|e| serve_start_failure(&flags, e))?;
    println!("http: http://{}", handle.http_addr());
    println!("bos: {} (advertised by startOSCARSession)", handle.bos_addr());
    println!("bucp: {}", handle.bucp_addr());
    if let Some(der) = handle.bos_tls_cert_der() {
        println!(
            "{}",
            words::serving_tls(&crate::tls::fingerprint_hex(&crate::tls::fingerprint(der)))
        );
    }
    if let Some(dir) = &args.data {
        println!("data: {}", dir.display());
    }
    println!("accounts: {count} ({source})");
    println!("web API: {}", args.web_api);
    std::io::stdout().flush().context("cannot write to standard output")?;
    tokio::signal::ctrl_c().await.context("cannot wait for Ctrl-C")?;
    handle.shutdown().await;
    Ok(())
}

/// Each listening address of `serve` with the flag that sets it, in the order they are bound.
fn serve_flags(args: &ServeArgs) -> [(&'static str, SocketAddr); 3] {
    [("--listen", args.listen), ("--bos", args.bos), ("--bucp-listen", args.bucp_listen)]
}

/// A server that did not start: a listener that could not bind is named by its flag.
fn serve_start_failure(flags: &[(&'static str, SocketAddr)], error: ServerError) -> Failure {
    match error {
        ServerError::Bind { addr, source } => {
            let flag = flags.iter().find(|(_, a)| *a == addr).map_or("--listen", |(f, _)| *f);
            Failure::from(anyhow::anyhow!(words::serve_cannot_listen(flag, addr, &source)))
        }
        other => Failure::from(anyhow::Error::from(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn send_and_room_arguments_pair_up() {
        let room = |r: &[&[&str]]| r.iter().map(|x| v(x)).collect::<Vec<_>>();
        assert_eq!(room_send_args(&v(&["bob", "hi"]), &[]).ok(), Some(None));
        let send = v(&[]);
        let rooms = room(&[&["Lounge", "hi"]]);
        assert_eq!(room_send_args(&send, &rooms).ok(), Some(Some(("Lounge", "hi"))));
        let send = v(&["hi"]);
        let rooms = room(&[&["Lounge"]]);
        assert_eq!(room_send_args(&send, &rooms).ok(), Some(Some(("Lounge", "hi"))));
        for (send, rooms) in [
            (v(&[]), room(&[&["Lounge"]])),
            (v(&["bob", "hi"]), room(&[&["Lounge"]])),
            (v(&["hi"]), room(&[&["Lounge", "x"]])),
            (v(&[]), room(&[&["A", "hi"], &["B"]])),
        ] {
            let got = room_send_args(&send, &rooms).map_err(|f| f.exit);
            assert_eq!(got.err(), Some(Exit::Usage), "{send:?} {rooms:?}");
        }
    }

    #[test]
    fn each_listen_room_names_one_room() {
        let ok = listen_rooms(&[v(&[" Lounge "]), v(&["Griddle"])]).map_err(|f| f.exit);
        assert_eq!(ok.ok(), Some(v(&["Lounge", "Griddle"])));
        for bad in [vec![v(&["A", "B"])], vec![v(&["  "])]] {
            assert_eq!(listen_rooms(&bad).map_err(|f| f.exit).err(), Some(Exit::Usage));
        }
    }

    #[test]
    fn grouped_parsing_keeps_each_room_apart() {
        let cli =
            Cli::try_parse_grouped_from(["flapjack", "--listen", "--room", "A", "--room", "B C"])
                .unwrap();
        assert_eq!(cli.room, [v(&["A"]), v(&["B C"])]);
        let cli =
            Cli::try_parse_grouped_from(["flapjack", "--send", "--room", "Lounge", "hi"]).unwrap();
        assert_eq!((cli.send, cli.room), (Some(vec![]), vec![v(&["Lounge", "hi"])]));
    }
}
