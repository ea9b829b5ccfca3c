//! The command line: config, login, logout, serve.

use super::*;

// ----- the command line: config, login, logout, serve ---------------------------------------

/// `flapjack config init` wrote the example configuration.
pub fn config_written(path: &std::path::Path) -> String {
    line(format!(
        "wrote {}; edit the commented lines to add your account (see `flapjack config keys` for \
         key bindings)",
        path.display()
    ))
}

/// `flapjack config keys`: every action by its `[keys]` name, grouped like the help overlay,
/// with the keys in effect and what it does. Several lines, each ending in a newline.
pub fn key_listing(keymap: &crate::tui::keymap::Keymap) -> String {
    use crate::tui::keymap::{Context, KeyAction};
    let name_width = KeyAction::ALL.iter().map(|a| a.name().len()).max().unwrap_or(0);
    let keys_width = KeyAction::ALL.iter().map(|a| keymap.describe(*a).len()).max().unwrap_or(0);
    let mut out = String::from(
        "Actions for the [keys] section of the config file (action = \"key\" or [\"key\", …]):\n",
    );
    for context in [Context::Global, Context::Buddies, Context::Conversation, Context::Input] {
        out.push_str(&format!("\n{}:\n", context.title()));
        for action in KeyAction::ALL.iter().filter(|a| a.context() == context) {
            out.push_str(&format!(
                "  {:name_width$}  {:keys_width$}  {}\n",
                action.name(),
                keymap.describe(*action),
                action.description()
            ));
        }
    }
    out
}

/// The help overlay's first line: where the action names in parentheses are used.
pub fn help_key_names() -> &'static str {
    "(name): for the [keys] section of the config; see `flapjack config keys`"
}

/// `flapjack man NAME` for a subcommand that does not exist.
pub fn no_such_subcommand(name: &str) -> String {
    line(format!("no subcommand `{name}` (see `flapjack --help`)"))
}

/// `flapjack login` was asked for a profile that signs on by BUCP.
pub fn login_needs_http() -> String {
    "`login` uses the HTTP sign-on; BUCP has no long-term token to keep".to_string()
}

/// `flapjack login --no-keyring`: a trial sign-on, so nothing is kept.
pub fn login_not_keeping_no_keyring() -> String {
    "flapjack: --no-keyring: not keeping the sign-on token".to_string()
}

/// `flapjack login`: the server's token lives too short to be worth keeping.
pub fn token_not_worth_keeping(lifetime_secs: i64) -> String {
    format!(
        "flapjack: not keeping the sign-on token: this server honours it for {lifetime_secs} s \
         only, less than a session; later runs sign on with the password"
    )
}

/// `flapjack login` kept the long-term token.
pub fn token_kept() -> String {
    "kept a long-term token in the keyring; next time no password is needed".to_string()
}

/// `flapjack login`: where the sign-on led, the screen name as the server formats it.
pub fn login_signed_on(screen_name: &str) -> String {
    line(format!("signed on as {screen_name}"))
}

/// `flapjack login`: the BOS address and transport the server named (never the cookie).
pub fn login_bos(
    host: &str,
    port: u16,
    use_tls: bool,
    cert_name: Option<&str>,
    cookie_len: usize,
) -> String {
    let transport = match (cert_name, use_tls) {
        (Some(name), _) => format!("TLS, certificate {name}"),
        (None, true) => "TLS".to_string(),
        (None, false) => "plain TCP".to_string(),
    };
    line(format!("BOS: {host}:{port} ({transport}); cookie received ({cookie_len} bytes)"))
}

/// `flapjack login --trace`: one sign-on step (already redacted; it quotes what the server
/// sent, so it is neutralized here like every other line).
pub fn trace_line(step: &crate::auth::TraceLine) -> String {
    line(format!("trace: {step}"))
}

/// `flapjack login` signed on, but no keyring took the token.
pub fn login_nothing_kept(error: &crate::cli::tokens::TokenStoreError) -> String {
    line(format!(
        "signed on, but nothing was kept: {error}; later runs will need the password (install \
         and unlock a Secret Service keyring such as gnome-keyring, or use --no-keyring to only \
         try the sign-on)"
    ))
}

/// `flapjack logout` forgot the token.
pub fn token_forgotten(name: &ScreenName) -> String {
    line(format!("forgot the stored token for {}", name.as_str()))
}

/// `flapjack logout` found no token.
pub fn no_token_to_forget(name: &ScreenName) -> String {
    line(format!("no stored token for {}; nothing to forget", name.as_str()))
}

/// `flapjack logout` without a keyring: nothing can have been kept.
pub fn logout_without_keyring(name: &ScreenName, why: &str) -> String {
    line(format!(
        "no keyring available ({why}), so nothing is stored for {}; nothing to forget",
        name.as_str()
    ))
}

/// `flapjack serve` was given an address off loopback.
pub fn serve_not_loopback(flag: &str, addr: std::net::SocketAddr) -> String {
    format!("{flag} {addr}: the embedded server only listens on loopback")
}

/// `flapjack serve` was given one address for two listeners.
pub fn serve_same_address(first: &str, second: &str, addr: std::net::SocketAddr) -> String {
    format!("{first} and {second} are both {addr}: each listener needs its own address")
}

/// `flapjack serve` could not bind the address given by `flag`.
pub fn serve_cannot_listen(
    flag: &str,
    addr: std::net::SocketAddr,
    error: &std::io::Error,
) -> String {
    match error.kind() {
        std::io::ErrorKind::AddrInUse => format!(
            "{flag} {addr}: the address is already in use; is another `flapjack serve` running? \
             Stop it, or pass {flag} with another address (port 0 picks a free one)"
        ),
        std::io::ErrorKind::PermissionDenied => format!(
            "{flag} {addr}: permission denied; ports below 1024 need privileges, pass {flag} \
             with a higher port"
        ),
        _ => line(format!("{flag} {addr}: cannot listen: {error}")),
    }
}
