//! The HTTP sign-on end to end: the client against the embedded server over real sockets.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

use std::sync::{Arc, Mutex};

use flapjack::auth::{
    AuthError, Format, HttpSignOn, Secret, ServerProfile, SigningMode, StoredToken, Trace,
    TraceLine,
};
use flapjack::server::{Accounts, Server, ServerConfig, ServerHandle};

const AIM_USER: &str = "Flapjack Fan";
const AIM_PASSWORD: &str = "syrup-on-top";
const ICQ_USER: &str = "123456789";
const ICQ_PASSWORD: &str = "qwerty12";

async fn start_with(configure: impl FnOnce(&mut ServerConfig)) -> ServerHandle {
    let mut config = ServerConfig::for_tests(Accounts::demo().unwrap());
    configure(&mut config);
    Server::start(config).await.unwrap()
}

async fn start() -> ServerHandle {
    start_with(|_| {}).await
}

fn client(server: &ServerHandle) -> HttpSignOn {
    HttpSignOn::new(ServerProfile::local_at(&server.http_addr().to_string())).unwrap()
}

fn traced(server: &ServerHandle) -> (HttpSignOn, Arc<Mutex<Vec<TraceLine>>>) {
    let (trace, lines) = Trace::collect();
    (client(server).with_trace(trace), lines)
}

fn text(lines: &Arc<Mutex<Vec<TraceLine>>>) -> String {
    lines.lock().unwrap().iter().map(|l| format!("{l}\n")).collect()
}

/// Asserts that no secret the server issued to `user`, nor `password`, appears in `output`.
fn assert_no_secrets(server: &ServerHandle, user: &str, password: &str, output: &str) {
    assert!(!output.contains(password), "password leaked:\n{output}");
    let secrets = server.state().secrets_issued_to(user);
    assert!(!secrets.is_empty());
    for secret in secrets {
        assert!(!output.contains(secret.expose()), "a secret leaked:\n{output}");
    }
}

#[tokio::test]
async fn aim_sign_on_succeeds_in_json_and_xml() {
    let server = start().await;
    for format in [Format::Json, Format::Xml] {
        let (c, lines) = traced(&server);
        let ticket =
            c.with_format(format).sign_on(AIM_USER, &Secret::new(AIM_PASSWORD)).await.unwrap();
        assert_eq!(ticket.screen_name, AIM_USER);
        assert_eq!(ticket.host, server.bos_addr().ip().to_string());
        assert_eq!(ticket.port, server.bos_addr().port());
        assert!(!ticket.use_tls);
        assert_eq!(ticket.cookie.len(), 64);
        let output = text(&lines);
        assert!(output.contains("signature base string: GET&http%3A%2F%2F127.0.0.1"));
        assert_no_secrets(&server, AIM_USER, AIM_PASSWORD, &output);
        // The cookie is the one the BOS half will accept, once.
        let account = server.state().redeem_cookie(ticket.cookie.expose()).unwrap();
        assert_eq!(account.screen_name.as_str(), AIM_USER);
        assert!(server.state().redeem_cookie(ticket.cookie.expose()).is_none());
    }
    assert_eq!(server.state().client_login_count(), 2);
    assert_eq!(server.state().start_session_count(), 2);
}

#[tokio::test]
async fn icq_sign_on_uses_the_challenge_digest() {
    let server = start().await;
    let (c, lines) = traced(&server);
    let ticket = c.sign_on(ICQ_USER, &Secret::new(ICQ_PASSWORD)).await.unwrap();
    assert_eq!(ticket.screen_name, ICQ_USER);
    let output = text(&lines);
    assert!(output.contains("[getChallenge]"));
    assert!(output.contains("digest=1"));
    assert!(output.contains("idType=ICQ"));
    assert_no_secrets(&server, ICQ_USER, ICQ_PASSWORD, &output);
    assert_eq!(flapjack::server::Counters::get(&server.state().counters.get_challenge), 1);
}

#[tokio::test]
async fn long_icq_password_is_retried_with_eight_bytes() {
    let server = start().await;
    // The account password is "icqpass1"; the user types the long form (docs/protocol.md P-SIG-3).
    let ticket = client(&server).sign_on("987654321", &Secret::new("icqpass123")).await.unwrap();
    assert_eq!(ticket.screen_name, "987654321");
    assert_eq!(server.state().client_login_count(), 2);
}

#[tokio::test]
async fn wrong_password_is_the_incorrect_password_error() {
    let server = start().await;
    let c = client(&server);
    let e = c.sign_on(AIM_USER, &Secret::new("pancakes")).await.unwrap_err();
    assert!(matches!(e, AuthError::IncorrectPassword(_)), "{e:?}");
    assert!(e.to_string().starts_with("incorrect password"), "{e}");
    let e = c.sign_on(ICQ_USER, &Secret::new("wrong-icq-password")).await.unwrap_err();
    assert!(matches!(e, AuthError::IncorrectPassword(_)), "{e:?}");
    let e = c.sign_on("Nobody Here", &Secret::new("x")).await.unwrap_err();
    assert!(matches!(e, AuthError::IncorrectPassword(_)), "{e:?}");
    assert_eq!(server.state().start_session_count(), 0);
}

#[tokio::test]
async fn wrong_dev_key_is_refused() {
    let server = start().await;
    let mut profile = ServerProfile::local_at(&server.http_addr().to_string());
    profile.dev_id = "not-a-key".into();
    let e = HttpSignOn::new(profile).unwrap().sign_on(AIM_USER, &Secret::new(AIM_PASSWORD)).await;
    assert!(matches!(e, Err(AuthError::InvalidDevKey(_))), "{e:?}");
}

async fn login(server: &ServerHandle) -> StoredToken {
    client(server).client_login(AIM_USER, &Secret::new(AIM_PASSWORD)).await.unwrap()
}

#[tokio::test]
async fn tampered_signature_is_rejected() {
    let server = start().await;
    let token = login(&server).await;
    let (c, lines) = traced(&server);
    let request = c.prepare_start_session(&token);
    let mut sig: Vec<char> = request.signature().chars().collect();
    sig[0] = if sig[0] == 'A' { 'B' } else { 'A' };
    let tampered = request.with_signature(&sig.into_iter().collect::<String>());
    let e = c.send_start_session(&tampered, AIM_USER).await.unwrap_err();
    assert!(matches!(e, AuthError::SignatureRejected(_)), "{e:?}");
    let codes = e.codes().unwrap();
    assert_eq!((codes.status, codes.detail), (Some(401), Some(1014)));
    assert!(text(&lines).contains("401/1014: the signature did not verify"));
}

#[tokio::test]
async fn wrong_session_key_is_rejected() {
    let server = start().await;
    let mut token = login(&server).await;
    token.session_key =
        Secret::new(flapjack::auth::sign::session_key("not-the-password", "whatever"));
    let (c, lines) = traced(&server);
    let e = c.start_session(&token).await.unwrap_err();
    assert!(matches!(e, AuthError::SignatureRejected(_)), "{e:?}");
    let output = text(&lines);
    assert!(output.contains("the base string follows RFC 5849"), "{output}");
    assert!(output.contains("holds a different session key"), "{output}");
}

#[tokio::test]
async fn stale_ts_is_rejected() {
    let server = start().await;
    let token = login(&server).await;
    // The server's clock moves ten minutes on; the client's `ts` still follows the old hostTime.
    server.state().config.clock.advance(600);
    let e = client(&server).start_session(&token).await.unwrap_err();
    assert!(matches!(e, AuthError::StaleTimestamp(_)), "{e:?}");
    assert!(e.to_string().contains("timestamp"));
}

#[tokio::test]
async fn ts_follows_host_time_not_the_local_clock() {
    let server = start().await;
    // The server's clock is an hour ahead of ours from the start.
    server.state().config.clock.advance(3600);
    let token = login(&server).await;
    assert!((token.host_time_offset - 3600).abs() <= 2);
    client(&server).start_session(&token).await.unwrap();
}

#[tokio::test]
async fn expired_token_is_its_own_error() {
    let server = start_with(|c| c.token_lifetime = 60).await;
    let token = login(&server).await;
    server.state().config.clock.advance(120);
    let e = client(&server).start_session(&token).await.unwrap_err();
    assert!(matches!(e, AuthError::TokenExpired(_)), "{e:?}");
    assert!(e.token_unusable());
}

#[tokio::test]
async fn locally_expired_token_is_not_sent() {
    let server = start().await;
    let mut token = login(&server).await;
    token.expires_at = token.server_now() - 1;
    let e = client(&server).start_session(&token).await.unwrap_err();
    assert!(matches!(e, AuthError::TokenExpiredLocally { .. }), "{e:?}");
    assert!(e.token_unusable());
    assert_eq!(server.state().start_session_count(), 0);
}

#[tokio::test]
async fn revoked_token_is_rejected() {
    let server = start().await;
    let token = login(&server).await;
    assert_eq!(server.state().revoke_tokens("flapjackfan"), 1);
    let e = client(&server).start_session(&token).await.unwrap_err();
    assert!(matches!(e, AuthError::TokenRejected(_)), "{e:?}");
    assert!(e.token_unusable());
}

#[tokio::test]
async fn stored_token_skips_client_login() {
    let server = start().await;
    let token = login(&server).await;
    let json = serde_json::to_string(&token).unwrap();
    let restored: StoredToken = serde_json::from_str(&json).unwrap();
    client(&server).start_session(&restored).await.unwrap();
    client(&server).start_session(&restored).await.unwrap();
    assert_eq!(server.state().client_login_count(), 1);
    assert_eq!(server.state().start_session_count(), 2);
}

#[tokio::test]
async fn classic_broken_signature_is_rejected_and_explained() {
    let server = start().await;
    let token = login(&server).await;
    let (c, lines) = traced(&server);
    let e = c.with_signing(SigningMode::ClassicBroken).start_session(&token).await.unwrap_err();
    assert!(matches!(e, AuthError::SignatureRejected(_)), "{e:?}");
    let codes = e.codes().unwrap();
    assert_eq!((codes.status, codes.detail), (Some(401), Some(1014)));
    let output = text(&lines);
    assert!(output.contains("401/1014"), "{output}");
    assert!(output.contains("statusDetailCode 1014"), "{output}");
    assert!(output.contains("parameter ts = "), "{output}");
    assert!(output.contains("signed base string:     GET&http%3A//127.0.0.1"), "{output}");
    assert!(output.contains("RFC 5849 base string:   GET&http%3A%2F%2F127.0.0.1"), "{output}");
    assert!(output.contains("classic broken construction"), "{output}");
    assert_no_secrets(&server, AIM_USER, AIM_PASSWORD, &output);
}

/// A server that answers `clientLogin` with a fixed status and body, to check the client's
/// handling of servers that misbehave.
async fn canned(status: u16, body: String) -> (ServerProfile, tokio::task::JoinHandle<()>) {
    use axum::http::StatusCode;
    let app = axum::Router::new().route(
        "/auth/clientLogin",
        axum::routing::post(move || {
            let body = body.clone();
            async move { (StatusCode::from_u16(status).unwrap(), body) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (ServerProfile::local_at(&addr.to_string()), task)
}

#[tokio::test]
async fn misbehaving_servers_give_clear_errors() {
    let huge = format!("{{\"response\":{{\"statusText\":\"{}\"}}}}", "x".repeat(300 * 1024));
    let cases: [(u16, &str, &str); 6] = [
        (
            200,
            &huge,
            "clientLogin: unreadable response (HTTP 200): the response is larger than 256 KiB",
        ),
        (401, "authentication failed", "incorrect password"),
        (
            200,
            "<!DOCTYPE html><html><body>Welcome!</body></html>",
            "clientLogin: the server answered HTTP 200 with an HTML page",
        ),
        (
            200,
            r#"{"response":{"statusCode":200,"data":{"token":{"a":"x","expi"#,
            "clientLogin: unreadable response",
        ),
        (
            200,
            r#"{"response":{"statusCode":200,"data":{"token":{"a":"x","expiresIn":1},"hostTime":5}}}"#,
            "clientLogin: the response has no `data.sessionSecret`",
        ),
        (503, "<html>down for maintenance</html>", "the server refused the request"),
    ];
    for (status, body, expected) in cases {
        let (profile, task) = canned(status, body.to_string()).await;
        let e = HttpSignOn::new(profile)
            .unwrap()
            .client_login(AIM_USER, &Secret::new(AIM_PASSWORD))
            .await
            .unwrap_err();
        assert!(e.to_string().contains(expected), "{status} {}: {e}", &body[..body.len().min(80)]);
        task.abort();
    }
}

#[tokio::test]
async fn unreachable_server_names_the_endpoint() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let e = HttpSignOn::new(ServerProfile::local_at(&addr.to_string()))
        .unwrap()
        .client_login(AIM_USER, &Secret::new(AIM_PASSWORD))
        .await
        .unwrap_err();
    assert!(matches!(e, AuthError::Network { .. }));
    assert!(e.to_string().starts_with("clientLogin: could not reach the server"), "{e}");
    // Only the cause, not reqwest's layers above it, and said once.
    let text = format!("{:#}", anyhow::Error::from(e));
    assert!(text.to_lowercase().contains("connection refused"), "{text}");
    for layer in ["error sending request", "client error", "tcp connect error"] {
        assert!(!text.contains(layer), "{layer:?} in {text}");
    }
    assert_eq!(text.to_lowercase().matches("connection refused").count(), 1, "{text}");
}

/// Pidgin appends `sig_sha256` without encoding it; a `+` then arrives as a space, and the
/// server must still accept the request (docs/protocol.md §12 #11).
#[tokio::test]
async fn server_accepts_an_unencoded_signature() {
    use flapjack::auth::sign;
    let server = start().await;
    let token = login(&server).await;
    let addr = server.http_addr();
    let url = format!("http://{addr}/aim/startOSCARSession");
    let now = token.server_now();
    // Find a `ts` inside the window whose signature contains a `+`.
    let (query, sig) = (0..120)
        .find_map(|back| {
            let ts = (now - back).to_string();
            let params =
                [("a", token.token.expose()), ("f", "json"), ("k", "flapjack"), ("ts", &ts)];
            let b = sign::base_string("GET", &url, &params);
            let sig = sign::sign_sha256(token.session_key.expose(), &b);
            sig.contains('+').then(|| (sign::normalized_params(&params), sig))
        })
        .unwrap();
    let body = reqwest::get(format!("{url}?{query}&sig_sha256={sig}"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("\"statusCode\":200"), "{body}");
}

#[tokio::test]
async fn server_xml_replies_carry_the_namespaces_icq7_needs() {
    let server = start().await;
    let http = reqwest::Client::new();
    let body = http
        .post(format!("http://{}/auth/getChallenge", server.http_addr()))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("devId=flapjack&f=xml&s=123456789")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("<response xmlns=\"https://api.login.aol.com\">"), "{body}");
    assert!(body.contains("<realm>AOL Instant Messenger (SM)</realm>"), "{body}");
    let body = http
        .get(format!("http://{}/aim/startOSCARSession?f=xml&k=flapjack", server.http_addr()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("xmlns=\"http://developer.aim.com/xsd/aim.xsd\""), "{body}");
    assert!(body.contains("<statusCode>460</statusCode>"), "{body}");
    let token = login(&server).await;
    let query = flapjack::auth::sign::normalized_params(&[
        ("a", token.token.expose()),
        ("k", "flapjack"),
        ("ts", "soon"),
    ]);
    let url = format!("http://{}/aim/startOSCARSession", server.http_addr());
    let b = flapjack::auth::sign::base_string(
        "GET",
        &url,
        &[("a", token.token.expose()), ("k", "flapjack"), ("ts", "soon")],
    );
    let sig = flapjack::auth::sign::sign_sha256(token.session_key.expose(), &b);
    let sig = flapjack::auth::sign::percent_encode(&sig);
    let body = http.get(format!("{url}?{query}&sig_sha256={sig}")).send().await.unwrap();
    let body = body.text().await.unwrap();
    assert!(body.contains("\"statusCode\":462"), "{body}");
}

#[tokio::test]
async fn signing_on_too_often_is_rate_limited() {
    let server = start_with(|c| c.max_logins_per_minute = Some(2)).await;
    let c = client(&server);
    c.client_login(AIM_USER, &Secret::new(AIM_PASSWORD)).await.unwrap();
    c.client_login(AIM_USER, &Secret::new(AIM_PASSWORD)).await.unwrap();
    let e = c.client_login(AIM_USER, &Secret::new(AIM_PASSWORD)).await.unwrap_err();
    assert!(matches!(e, AuthError::RateLimited(_)), "{e:?}");
    assert!(e.to_string().contains("wait a few minutes"));
    // Another account is not affected, and the limit lifts after a minute.
    c.client_login("ButterBot", &Secret::new("melted-butter")).await.unwrap();
    server.state().config.clock.advance(61);
    c.client_login(AIM_USER, &Secret::new(AIM_PASSWORD)).await.unwrap();
}

/// Sends `GET {target}` with `Host: {host}` to the server's HTTP port over a raw socket, so
/// the request target can be absolute-form, and returns the body.
async fn raw_get(server: &ServerHandle, target: &str, host: &str) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut tcp = tokio::net::TcpStream::connect(server.http_addr()).await.unwrap();
    let request = format!("GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    tcp.read_to_string(&mut answer).await.unwrap();
    answer
}

/// The query of a `startOSCARSession` signed for `url`.
fn signed_query(token: &StoredToken, url: &str) -> String {
    use flapjack::auth::sign;
    let ts = token.server_now().to_string();
    let params = [("a", token.token.expose()), ("f", "json"), ("k", "flapjack"), ("ts", &ts)];
    let sig =
        sign::sign_sha256(token.session_key.expose(), &sign::base_string("GET", url, &params));
    format!("{}&sig_sha256={}", sign::normalized_params(&params), sign::percent_encode(&sig))
}

#[tokio::test]
async fn the_signature_is_checked_against_the_url_the_client_addressed() {
    let server = start().await;
    let path = "/aim/startOSCARSession";
    let ok = |body: &str| body.contains("\"statusCode\":200");
    let bad = |body: &str| body.contains("\"statusDetailCode\":1014");
    // Behind a TLS terminator on port 8443: Host names it, the scheme is not assumed to be
    // http, the port is kept.
    let token = login(&server).await;
    let q = signed_query(&token, "https://chat.example:8443/aim/startOSCARSession");
    let body = raw_get(&server, &format!("{path}?{q}"), "chat.example:8443").await;
    assert!(ok(&body), "{body}");
    let q = signed_query(&token, "http://chat.example:8443/aim/startOSCARSession");
    let body = raw_get(&server, &format!("{path}?{q}"), "chat.example:8443").await;
    assert!(ok(&body), "{body}");
    let q = signed_query(&token, "https://chat.example/aim/startOSCARSession");
    let body = raw_get(&server, &format!("{path}?{q}"), "chat.example:8443").await;
    assert!(bad(&body), "the port was assumed: {body}");
    // An absolute-form target wins over Host (RFC 9112 §3.2.2), in both directions.
    let url = "https://api.example:9443/aim/startOSCARSession";
    let q = signed_query(&token, url);
    let body = raw_get(&server, &format!("{url}?{q}"), "elsewhere.example").await;
    assert!(ok(&body), "{body}");
    let q = signed_query(&token, "https://elsewhere.example/aim/startOSCARSession");
    let body = raw_get(&server, &format!("{url}?{q}"), "elsewhere.example").await;
    assert!(bad(&body), "Host won over the absolute-form target: {body}");
}
