//! TLS with the certificates deployments have (§4.10), end to end against the embedded server
//! speaking TLS on BUCP and BOS with certificates made here at test time: each way of trusting
//! a server (CA file, pin, trust on first use), each refusal and its words, and the rule that
//! a cookie never goes to a plain BOS once TLS was asked for.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

mod support;

use flapjack::server::{Counters, Server, ServerHandle, TlsIdentity};
use flapjack::session::{self, DisconnectReason, Event, LoginMethod, NetworkError, SessionConfig};
use flapjack::tls::{fingerprint, fingerprint_hex, FirstUse, TlsProblem};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use support::session::*;

/// A certificate and its key, as the server and the client's trust settings need them.
struct Made {
    der: Vec<u8>,
    key: Vec<u8>,
}

fn params(names: &[&str]) -> CertificateParams {
    CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).unwrap()
}

fn self_signed(p: CertificateParams) -> Made {
    let key = KeyPair::generate().unwrap();
    let cert = p.self_signed(&key).unwrap();
    Made { der: cert.der().to_vec(), key: key.serialize_der() }
}

/// A CA, and a leaf for `names` it signed (`adjust` changes the leaf's parameters first).
fn ca_and_leaf(names: &[&str], adjust: impl FnOnce(&mut CertificateParams)) -> (Made, Made) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = params(&[]);
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let ca = Made { der: ca_cert.der().to_vec(), key: ca_key.serialize_der() };
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let mut leaf_params = params(names);
    adjust(&mut leaf_params);
    let leaf_cert = leaf_params.signed_by(&leaf_key, &issuer).unwrap();
    (ca, Made { der: leaf_cert.der().to_vec(), key: leaf_key.serialize_der() })
}

async fn tls_server(leaf: &Made, like_oos_behind_stunnel: bool) -> ServerHandle {
    let mut config = server_config();
    config.tls_identity = Some(TlsIdentity::from_der(vec![leaf.der.clone()], leaf.key.clone()));
    config.bucp_like_oos_behind_stunnel = like_oos_behind_stunnel;
    Server::start(config).await.unwrap()
}

/// A BUCP sign-on of Carol over TLS (`--bucp … --tls`) to `server`.
fn bucp_tls(server: &ServerHandle) -> SessionConfig {
    let mut config = session_config(server, "Carol", "carol-pw")
        .with_method(LoginMethod::Bucp(server.bucp_addr().to_string()))
        .with_reconnect(flapjack::session::ReconnectPolicy::never());
    config.request_tls = Some(true);
    config
}

fn count(server: &ServerHandle, pick: impl Fn(&Counters) -> &flapjack::server::Count) -> u64 {
    Counters::get(pick(&server.state().counters))
}

/// Signs on, waits for the buddy list, returns the events seen on the way, and signs off.
async fn signs_on(config: SessionConfig) -> Vec<Event> {
    let mut handle = session::spawn(config);
    let (_, seen) = wait_for(&mut handle, "buddy list", |e| matches!(e, Event::BuddyList(_))).await;
    handle.commands.send(session::Command::SignOff).unwrap();
    expect(&mut handle, "sign-off", |e| matches!(e, Event::Disconnected(_))).await;
    seen
}

/// The refusal a sign-on ends with (it must end with one).
async fn refused(config: SessionConfig) -> NetworkError {
    match session::connect(config).await {
        Err(session::SignOnError::Failed(DisconnectReason::Network(e))) => e,
        Ok(_) => panic!("signed on, but a refusal was expected"),
        Err(other) => panic!("expected a network refusal, got {other:?}"),
    }
}

/// The TLS problem a refused sign-on names, with the user's words for it.
async fn tls_refusal(config: SessionConfig) -> (TlsProblem, String) {
    match refused(config).await {
        e @ NetworkError::TlsRefused { .. } => {
            let words = flapjack::words::network_error(&e);
            let NetworkError::TlsRefused { problem, .. } = e else { unreachable!() };
            (*problem, words)
        }
        other => panic!("expected a certificate refusal, got {other:?}"),
    }
}

/// Nothing reached the login service or BOS: no password hash checked, no cookie presented.
fn nothing_sent(server: &ServerHandle) {
    assert_eq!(count(server, |c| &c.bucp_logins), 0, "a BUCP login ran");
    assert_eq!(count(server, |c| &c.rejected), 0, "a login request was refused");
    assert_eq!(count(server, |c| &c.bos_signons), 0, "a cookie reached BOS");
    assert_eq!(count(server, |c| &c.tls_connections), 0, "a TLS handshake completed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bucp_over_tls_with_a_ca_file_reaches_bos_over_tls_too() {
    let (ca, leaf) = ca_and_leaf(&["localhost", "127.0.0.1"], |_| {});
    let server = tls_server(&leaf, false).await;
    let mut config = bucp_tls(&server);
    config.tls.extra_roots = vec![ca.der.clone()];
    signs_on(config).await;
    assert_eq!(count(&server, |c| &c.bucp_logins), 1);
    assert_eq!(count(&server, |c| &c.bos_signons), 1);
    // Both the login and BOS connections were TLS: the 17/03 said SSL state 1.
    assert_eq!(count(&server, |c| &c.tls_connections), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pinned_self_signed_certificate_is_trusted_and_another_pin_sends_nothing() {
    let leaf = self_signed(params(&["aim.example"]));
    let server = tls_server(&leaf, false).await;
    let mut wrong = bucp_tls(&server);
    let other = self_signed(params(&["aim.example"]));
    wrong.tls.pin = Some(fingerprint(&other.der));
    let (problem, words) = tls_refusal(wrong).await;
    assert_eq!(
        problem,
        TlsProblem::PinMismatch {
            expected: fingerprint_hex(&fingerprint(&other.der)),
            presented: fingerprint_hex(&fingerprint(&leaf.der)),
        }
    );
    assert!(words.contains("not the pinned one") && words.contains("cert_sha256"), "{words}");
    assert!(words.contains("nothing was sent"), "{words}");
    nothing_sent(&server);

    // The right pin: a self-signed certificate for another name is trusted as it is.
    let mut pinned = bucp_tls(&server);
    pinned.tls.pin = Some(fingerprint(&leaf.der));
    signs_on(pinned).await;
    assert_eq!(count(&server, |c| &c.tls_connections), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trust_on_first_use_stores_then_accepts_then_refuses_a_changed_certificate() {
    let leaf = self_signed(params(&["127.0.0.1"]));
    let server = tls_server(&leaf, false).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("data").join("known_hosts");
    let tofu = |server: &ServerHandle| {
        let mut config = bucp_tls(server);
        config.tls.known_hosts = Some(file.clone());
        config
    };
    let fp = fingerprint_hex(&fingerprint(&leaf.der));

    // First use: both addresses (login, BOS) stored and shown.
    let seen = signs_on(tofu(&server)).await;
    let firsts: Vec<&FirstUse> = seen
        .iter()
        .filter_map(|e| if let Event::CertificateTrusted(f) = e { Some(f) } else { None })
        .collect();
    let addresses: Vec<String> = firsts.iter().map(|f| f.address.clone()).collect();
    assert_eq!(
        addresses,
        [server.bucp_addr().to_string(), server.bos_addr().to_string()],
        "{seen:#?}"
    );
    assert!(firsts.iter().all(|f| f.fingerprint == fp && f.file == file));
    let shown = flapjack::words::certificate_trusted(firsts[0]);
    assert!(shown.contains(&fp), "{shown}");
    let stored = std::fs::read_to_string(&file).unwrap();
    assert_eq!(stored, format!("{} {fp}\n{} {fp}\n", server.bucp_addr(), server.bos_addr()),);

    // Second use: accepted silently, nothing added.
    let seen = signs_on(tofu(&server)).await;
    assert!(!seen.iter().any(|e| matches!(e, Event::CertificateTrusted(_))), "{seen:#?}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), stored);

    // The same address with another certificate: refused loudly, before anything is sent.
    let changed = self_signed(params(&["127.0.0.1"]));
    let mut config = server_config();
    config.tls_identity = Some(TlsIdentity::from_der(vec![changed.der.clone()], changed.key));
    config.bucp_listen = server.bucp_addr();
    config.bos_listen = server.bos_addr();
    server.shutdown().await;
    let impostor = Server::start(config).await.unwrap();
    let (problem, words) = tls_refusal(tofu(&impostor)).await;
    assert_eq!(
        problem,
        TlsProblem::KnownHostChanged {
            address: impostor.bucp_addr().to_string(),
            stored: fp,
            presented: fingerprint_hex(&fingerprint(&changed.der)),
            file: file.clone(),
        }
    );
    assert!(words.contains("HAS CHANGED") && words.contains(&file.display().to_string()));
    nothing_sent(&impostor);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_misnamed_self_signed_and_unknown_certificates_are_refused_with_their_reason() {
    // Expired, from a trusted CA.
    let (ca, leaf) = ca_and_leaf(&["127.0.0.1"], |p| {
        p.not_before = rcgen::date_time_ymd(2001, 1, 1);
        p.not_after = rcgen::date_time_ymd(2002, 1, 1);
    });
    let server = tls_server(&leaf, false).await;
    let mut config = bucp_tls(&server);
    config.tls.extra_roots = vec![ca.der.clone()];
    let (problem, words) = tls_refusal(config).await;
    assert_eq!(problem, TlsProblem::Expired);
    assert!(words.contains("expired") && words.contains("nothing was sent"), "{words}");
    nothing_sent(&server);

    // Valid, from a trusted CA, but for another name.
    let (ca, leaf) = ca_and_leaf(&["other.example"], |_| {});
    let server = tls_server(&leaf, false).await;
    let mut config = bucp_tls(&server);
    config.tls.extra_roots = vec![ca.der.clone()];
    let (problem, words) = tls_refusal(config).await;
    assert!(
        matches!(&problem, TlsProblem::NameMismatch { expected, presented }
            if expected == "127.0.0.1" && presented.iter().any(|n| n.contains("other.example"))),
        "{problem:?}"
    );
    assert!(words.contains("name mismatch") && words.contains("--cert-sha256"), "{words}");
    nothing_sent(&server);

    // Self-signed, nothing trusted: the words offer the pin with its fingerprint, and TOFU.
    let leaf = self_signed(params(&["127.0.0.1"]));
    let server = tls_server(&leaf, false).await;
    let (problem, words) = tls_refusal(bucp_tls(&server)).await;
    let fp = fingerprint_hex(&fingerprint(&leaf.der));
    assert_eq!(problem, TlsProblem::SelfSigned { fingerprint: fp.clone() });
    assert!(words.contains(&format!("--cert-sha256 {fp}")), "{words}");
    assert!(words.contains("--trust-on-first-use"), "{words}");
    nothing_sent(&server);

    // Signed by a CA nobody gave us.
    let (_, leaf) = ca_and_leaf(&["127.0.0.1"], |_| {});
    let server = tls_server(&leaf, false).await;
    let (problem, words) = tls_refusal(bucp_tls(&server)).await;
    assert!(matches!(problem, TlsProblem::UnknownIssuer { .. }), "{problem:?}");
    assert!(words.contains("unknown authority") && words.contains("--ca-file"), "{words}");
    nothing_sent(&server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_bos_after_a_tls_login_is_refused_or_replaced_by_the_configured_tls_bos() {
    // Like Open OSCAR Server behind stunnel: the 17/03 says SSL state 0 and names plain BOS.
    let leaf = self_signed(params(&["127.0.0.1"]));
    let server = tls_server(&leaf, true).await;
    let pinned = || {
        let mut config = bucp_tls(&server);
        config.tls.pin = Some(fingerprint(&leaf.der));
        config
    };

    // Nothing configured: refused; the cookie was issued but never presented.
    let e = refused(pinned()).await;
    assert_eq!(e, NetworkError::PlainBosRefused { address: server.bos_addr().to_string() });
    let words = flapjack::words::network_error(&e);
    assert!(words.contains("bos_tls") && words.contains("allow_plain_bos"), "{words}");
    assert!(words.contains("the cookie was not sent"), "{words}");
    assert_eq!(count(&server, |c| &c.bucp_logins), 1);
    assert_eq!(count(&server, |c| &c.bos_signons), 0);
    assert!(!server.state().secrets_issued_to("Carol").is_empty(), "cookie was redeemed");

    // The TLS BOS address configured (stunnel's port in front of BOS): BOS over TLS.
    let mut config = pinned();
    config.bos_tls = Some(server.bos_addr().to_string());
    signs_on(config).await;
    assert_eq!(count(&server, |c| &c.bos_signons), 1);
    assert_eq!(count(&server, |c| &c.tls_connections), 3, "login, login, BOS over TLS");

    // The user's explicit opt-in for this server: plain BOS.
    let mut config = pinned();
    config.allow_plain_bos = true;
    signs_on(config).await;
    assert_eq!(count(&server, |c| &c.bos_signons), 2);
    assert_eq!(count(&server, |c| &c.tls_connections), 4, "only the login was TLS");
}

/// Issue 15 leftover (a): a session whose BOS connection is TLS makes its ChatNav and room
/// connections over TLS too, under the same trust, so a room's cookie never goes in clear;
/// the room is joined and works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn room_connections_follow_a_tls_bos_connection() {
    let (ca, leaf) = ca_and_leaf(&["localhost", "127.0.0.1"], |_| {});
    let server = tls_server(&leaf, false).await;
    let mut config = bucp_tls(&server);
    config.tls.extra_roots = vec![ca.der.clone()];
    let mut handle = session::spawn(config);
    wait_for(&mut handle, "buddy list", |e| matches!(e, Event::BuddyList(_))).await;
    assert_eq!(count(&server, |c| &c.tls_connections), 2, "login and BOS");
    handle.commands.send(session::Command::JoinRoom { name: "Sealed Room".into() }).unwrap();
    let (_, seen) = wait_for(&mut handle, "the room joined", |e| {
        matches!(e, Event::Room(session::RoomEvent::Joined { .. }))
    })
    .await;
    assert!(!seen.iter().any(|e| matches!(e, Event::Disconnected(_))), "{seen:?}");
    // ChatNav (to find the room) and the room: two more TLS connections, no plain one.
    assert_eq!(count(&server, |c| &c.tls_connections), 4);
    assert_eq!(server.hub().room_occupants(4, "Sealed Room"), ["Carol"]);
    handle.commands.send(session::Command::SignOff).unwrap();
    expect(&mut handle, "sign-off", |e| matches!(e, Event::Disconnected(_))).await;
}
