//! Which servers to sign on to: the historic AOL and ICQ hosts, Open OSCAR Server, or the
//! embedded server.

pub use flapjack_proto::webapi::WebApi;
pub use flapjack_proto::webapi::{LOCAL_BOS_ADDR, LOCAL_BUCP_ADDR, LOCAL_DEV_ID, LOCAL_HTTP_ADDR};

/// Open OSCAR Server's default OSCAR address: BUCP login and BOS share port 5190.
pub const OOS_BUCP_ADDR: &str = "127.0.0.1:5190";

use super::error::AuthError;

/// A set of sign-on endpoints, so the same client code talks to AOL, ICQ or a revival server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerProfile {
    /// Short name shown in traces (`aim`, `icq`, `local`, `custom`).
    pub name: String,
    /// Base URL for `/auth/clientLogin` and `/auth/getChallenge`.
    pub login_url: String,
    /// Base URL for `/aim/startOSCARSession`.
    pub api_url: String,
    /// Developer key sent as `devId` and `k`.
    pub dev_id: String,
    /// Distribution id sent as `distId`, when the preset has one.
    pub dist_id: Option<String>,
    /// BUCP login host `host:port`, for the binary MD5 login path.
    pub bucp: Option<String>,
    /// Which web API follows `clientLogin`: AOL's signed one or Open OSCAR Server's.
    pub web_api: WebApi,
}

impl ServerProfile {
    /// AOL's historic AIM hosts and Pidgin's AIM developer key.
    pub fn aim() -> Self {
        Self {
            name: "aim".into(),
            login_url: "https://api.screenname.aol.com".into(),
            api_url: "https://api.oscar.aol.com".into(),
            dev_id: "ma19CwYN9i9Mw5nY".into(),
            dist_id: Some("1717".into()),
            bucp: Some("login.oscar.aol.com:5190".into()),
            web_api: WebApi::Aol,
        }
    }

    /// ICQ's historic hosts and Pidgin's ICQ developer key.
    pub fn icq() -> Self {
        Self {
            name: "icq".into(),
            login_url: "https://api.login.icq.net".into(),
            api_url: "https://api.icq.net".into(),
            dev_id: "ma15d7JTxbmVG-RP".into(),
            dist_id: Some("1553".into()),
            bucp: Some("login.icq.com:5190".into()),
            web_api: WebApi::Aol,
        }
    }

    /// Open OSCAR Server on this machine: BUCP at its default port 5190. Its web API has no
    /// fixed address and takes a key its admin registered, so the URLs and the key are empty
    /// until `--login-url`/`--api-url`/`--dev-id` (or the config) give them.
    pub fn oos() -> Self {
        Self {
            name: "oos".into(),
            login_url: String::new(),
            api_url: String::new(),
            dev_id: String::new(),
            dist_id: None,
            bucp: Some(OOS_BUCP_ADDR.into()),
            web_api: WebApi::Oos,
        }
    }

    /// The embedded server at its default loopback address (`flapjack serve`).
    pub fn local() -> Self {
        Self { bucp: Some(LOCAL_BUCP_ADDR.into()), ..Self::local_at(LOCAL_HTTP_ADDR) }
    }

    /// The embedded server at a given `host:port`, as tests get it from port 0.
    pub fn local_at(http_addr: &str) -> Self {
        Self {
            name: "local".into(),
            login_url: format!("http://{http_addr}"),
            api_url: format!("http://{http_addr}"),
            dev_id: LOCAL_DEV_ID.into(),
            dist_id: None,
            bucp: None,
            web_api: WebApi::Aol,
        }
    }

    /// Looks a preset up by the name the CLI accepts.
    pub fn preset(name: &str) -> Option<Self> {
        match name {
            "aim" => Some(Self::aim()),
            "icq" => Some(Self::icq()),
            "local" => Some(Self::local()),
            "oos" => Some(Self::oos()),
            _ => None,
        }
    }

    /// The full URL of an endpoint under this profile, as text (for traces and tests).
    pub fn endpoint_url(&self, endpoint: super::Endpoint) -> String {
        let base = match endpoint {
            super::Endpoint::StartOscarSession | super::Endpoint::StartSession => &self.api_url,
            _ => &self.login_url,
        };
        format!("{}{}", base.trim_end_matches('/'), endpoint.path())
    }

    /// The endpoint's URL parsed, checked again by [`check_url`]'s rules: the value requests
    /// are built from, so what is checked is what the HTTP client sends to.
    pub fn endpoint(&self, endpoint: super::Endpoint) -> Result<url::Url, AuthError> {
        parse_checked(&self.endpoint_url(endpoint))
    }

    /// Refuses URLs that are not http(s), and plain `http://` to anything but loopback, since
    /// the password (or its digest) and the token would cross the network in clear text.
    pub fn check(&self) -> Result<(), AuthError> {
        check_url(&self.login_url)?;
        check_url(&self.api_url)
    }

    /// Whether any sign-on URL is plain `http://` (which [`check_url`] allows only to
    /// loopback): the HTTP client then ignores `HTTP_PROXY` and friends, so nothing in clear
    /// text leaves the machine through a proxy.
    pub fn uses_plain_http(&self) -> bool {
        [&self.login_url, &self.api_url]
            .iter()
            .any(|u| url::Url::parse(u).is_ok_and(|u| u.scheme() == "http"))
    }
}

/// Checks one base URL: https anywhere, http only to loopback.
///
/// The URL is parsed by the `url` crate, the parser the HTTP client uses, and the host it
/// yields is the one checked (so `http://evil.example\@127.0.0.1` is evil.example, as it is
/// on the wire). Anything two readers could take differently is refused outright: userinfo,
/// backslashes, whitespace and control characters, a query or fragment in a base URL.
pub fn check_url(url: &str) -> Result<(), AuthError> {
    parse_checked(url).map(|_| ())
}

fn parse_checked(text: &str) -> Result<url::Url, AuthError> {
    let bad = |reason| AuthError::BadUrl { url: text.to_string(), reason };
    if text.contains('\\') {
        return Err(bad("a backslash in a URL is read differently by different parsers"));
    }
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("spaces or control characters in a URL"));
    }
    let parsed = url::Url::parse(text).map_err(|_| bad("not an absolute URL"))?;
    // The parser drops an empty userinfo (`http://@host`); the text is checked too.
    let authority = text
        .split_once("://")
        .map_or("", |(_, rest)| rest.split(['/', '?', '#']).next().unwrap_or(""));
    if authority.contains('@') || !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(bad("a user name or password in the URL is not supported"));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(bad("a sign-on base URL takes no query (?) or fragment (#)"));
    }
    let loopback = match parsed.host() {
        None => return Err(bad("no host")),
        Some(url::Host::Domain(name)) => name == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
    };
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if loopback => Ok(parsed),
        "http" => Err(bad("plain http:// is only allowed to loopback; use https://")),
        _ => Err(bad("only http:// (loopback) and https:// are supported")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_loopback() {
        assert!(check_url("https://api.oscar.aol.com").is_ok());
        assert!(check_url("http://127.0.0.1:8080").is_ok());
        assert!(check_url("http://127.9.9.9").is_ok());
        assert!(check_url("http://localhost:1/x").is_ok());
        assert!(check_url("http://[::1]:8080").is_ok());
        assert!(check_url("http://api.oscar.aol.com").is_err());
        assert!(check_url("http://127.0.0.1.evil.example").is_err());
        assert!(check_url("http://user@10.0.0.1").is_err());
        assert!(check_url("ftp://127.0.0.1").is_err());
        assert!(check_url("127.0.0.1:8080").is_err());
    }

    /// Every trick that made a hand-split host read as loopback while the HTTP client (and the
    /// `url` parser it uses) goes elsewhere, and the forms two parsers could read differently.
    #[test]
    fn the_loopback_rule_checks_the_host_the_parser_yields() {
        for trick in [
            "http://evil.example\\@127.0.0.1",
            "http://evil.example\\.127.0.0.1",
            "http://127.0.0.1\\@evil.example",
            "http://user@127.0.0.1:8080",
            "http://user:pw@localhost",
            "http://@127.0.0.1",
            "http://127.0.0.1:8080?x=@evil.example",
            "http://127.0.0.1#frag",
            "http://127.0.0.1 .evil.example",
            "http://127.0.0.1\t/x",
            "http://127.0.0.1%2eevil.example",
            "http://localhost.evil.example",
            "http://[::ffff:7f00:1]",
            "http://127.0.0.1.nip.io",
            "HTTP://EVIL.EXAMPLE",
            "https://user@api.example",
        ] {
            assert!(
                matches!(check_url(trick), Err(AuthError::BadUrl { .. })),
                "{trick:?} was accepted"
            );
        }
        // What the parser reads as loopback is loopback on the wire too.
        for fine in
            ["http://127.1:8080", "http://0x7f.0.0.1", "HTTP://LOCALHOST:1/", "http://[0::1]"]
        {
            assert!(check_url(fine).is_ok(), "{fine}");
        }
        let mut p = ServerProfile::local();
        assert!(p.uses_plain_http());
        p.login_url = "https://api.example".into();
        p.api_url = "https://api.example".into();
        assert!(!p.uses_plain_http());
        let url = ServerProfile::local().endpoint(super::super::Endpoint::ClientLogin).unwrap();
        assert_eq!(url.as_str(), "http://127.0.0.1:8080/auth/clientLogin");
    }

    #[test]
    fn presets_are_https_except_local() {
        for p in [ServerProfile::aim(), ServerProfile::icq()] {
            assert!(p.login_url.starts_with("https://"));
            assert!(p.check().is_ok());
        }
        let local = ServerProfile::local();
        assert!(local.check().is_ok());
        assert_eq!(
            local.endpoint_url(super::super::Endpoint::StartOscarSession),
            "http://127.0.0.1:8080/aim/startOSCARSession"
        );
        assert!(ServerProfile::preset("nope").is_none());
    }

    #[test]
    fn the_oos_preset_is_bucp_on_5190_and_speaks_the_oos_web_api() {
        let oos = ServerProfile::preset("oos").unwrap();
        assert_eq!(oos.bucp.as_deref(), Some("127.0.0.1:5190"));
        assert!(oos.login_url.is_empty() && oos.api_url.is_empty() && oos.dev_id.is_empty());
        assert_eq!(oos.web_api, WebApi::Oos);
        let mut web = oos;
        web.api_url = "http://127.0.0.1:8081/".into();
        assert_eq!(
            web.endpoint_url(super::super::Endpoint::StartSession),
            "http://127.0.0.1:8081/aim/startSession"
        );
        assert_eq!(ServerProfile::aim().web_api, WebApi::Aol);
    }
}
