//! Who the client trusts over TLS, and why it refused when it does not (§4.10).
//!
//! Three ways to trust a server, exclusive, in this order:
//! 1. a pinned certificate: the lowercase hex SHA-256 of the leaf's DER (`--cert-sha256`);
//! 2. trust on first use (opt-in): the fingerprint is stored in a known-hosts file the first
//!    time and must match after that, like ssh;
//! 3. certificate authorities: the public web roots plus any CA file (`--ca-file`).
//!
//! A pin or a known-hosts entry names exactly one certificate, so issuer, name and dates are
//! not checked for it (as ssh does not); the handshake signatures always are. With the CA
//! roots, every failure is sorted into a [`TlsProblem`] the user can act on.
//!
//! The parsers here (PEM certificate files, the known-hosts file, fingerprints) take input
//! from files and the command line: each returns a clear error and never panics.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use sha2::{Digest, Sha256};

/// A certificate's SHA-256 fingerprint (of its DER encoding).
pub type Fingerprint = [u8; 32];

/// The lowercase hex SHA-256 of a DER certificate, the form `--cert-sha256` takes.
pub fn fingerprint(der: &[u8]) -> Fingerprint {
    Sha256::digest(der).into()
}

/// Lowercase hex, the one spelling flapjack prints and stores.
pub fn fingerprint_hex(fp: &Fingerprint) -> String {
    hex::encode(fp)
}

/// Why a fingerprint given by the user is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FingerprintError {
    /// Not 64 hex digits (after dropping `:` separators).
    #[error(
        "a certificate fingerprint is 64 hex digits (the SHA-256 of the DER certificate), got \
         {digits} characters"
    )]
    Length {
        /// How many characters were left after dropping separators.
        digits: usize,
    },
    /// A character that is not a hex digit.
    #[error("a certificate fingerprint is hex, but character {position} is {found:?}")]
    NotHex {
        /// 1-based position in the text as given.
        position: usize,
        /// The character found there.
        found: char,
    },
}

/// Parses a SHA-256 fingerprint: 64 hex digits, either case, `:` separators allowed (as
/// `openssl x509 -fingerprint -sha256` prints them).
pub fn parse_fingerprint(text: &str) -> Result<Fingerprint, FingerprintError> {
    let text = text.trim();
    let mut digits = Vec::with_capacity(64);
    for (i, c) in text.chars().enumerate() {
        match c {
            ':' => {}
            c if c.is_ascii_hexdigit() => digits.push(c),
            found => return Err(FingerprintError::NotHex { position: i + 1, found }),
        }
    }
    if digits.len() != 64 {
        return Err(FingerprintError::Length { digits: digits.len() });
    }
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(digits.chunks(2)) {
        let s: String = pair.iter().collect();
        *byte = u8::from_str_radix(&s, 16)
            .map_err(|_| FingerprintError::Length { digits: digits.len() })?;
    }
    Ok(out)
}

/// Why a PEM certificate file gave no usable certificate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PemError {
    /// The PEM structure is broken (the parser's description).
    #[error("not a readable PEM file: {0}")]
    Malformed(String),
    /// Well-formed, but no `CERTIFICATE` section in it.
    #[error("no CERTIFICATE section in it")]
    NoCertificates,
}

/// Every `CERTIFICATE` in PEM text, as DER; other sections (keys) are skipped.
pub fn certificates_from_pem(pem: &[u8]) -> Result<Vec<Vec<u8>>, PemError> {
    use rustls::pki_types::pem::PemObject;
    let mut out = Vec::new();
    for cert in CertificateDer::pem_slice_iter(pem) {
        let cert = cert.map_err(|e| PemError::Malformed(e.to_string()))?;
        out.push(cert.as_ref().to_vec());
    }
    if out.is_empty() {
        return Err(PemError::NoCertificates);
    }
    Ok(out)
}

/// One line of the known-hosts file: `HOST:PORT SHA256-HEX`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownHost {
    /// `host:port` as dialled (`[v6]:port` for IPv6).
    pub address: String,
    /// The certificate's fingerprint.
    pub fingerprint: Fingerprint,
}

/// Why the known-hosts file cannot be used; flapjack refuses rather than forget an entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KnownHostsError {
    /// A line is not `HOST:PORT HEX`.
    #[error("line {line}: expected `HOST:PORT SHA256-HEX`")]
    Shape {
        /// 1-based line number.
        line: usize,
    },
    /// A line's fingerprint is unusable.
    #[error("line {line}: {error}")]
    Fingerprint {
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        error: FingerprintError,
    },
    /// The same address twice with different fingerprints.
    #[error("line {line}: {address} is listed twice with different fingerprints")]
    Conflict {
        /// 1-based line number of the second entry.
        line: usize,
        /// The address.
        address: String,
    },
}

/// Parses a known-hosts file: one `HOST:PORT SHA256-HEX` per line; blank lines and lines
/// starting with `#` are ignored.
pub fn parse_known_hosts(text: &str) -> Result<Vec<KnownHost>, KnownHostsError> {
    let mut out: Vec<KnownHost> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let mut fields = trimmed.split_whitespace();
        let (Some(address), Some(fp), None) = (fields.next(), fields.next(), fields.next()) else {
            return Err(KnownHostsError::Shape { line });
        };
        let fingerprint =
            parse_fingerprint(fp).map_err(|error| KnownHostsError::Fingerprint { line, error })?;
        match out.iter().find(|k| k.address == address) {
            Some(k) if k.fingerprint != fingerprint => {
                return Err(KnownHostsError::Conflict { line, address: address.to_string() })
            }
            Some(_) => {}
            None => out.push(KnownHost { address: address.to_string(), fingerprint }),
        }
    }
    Ok(out)
}

/// One known-hosts line for `entry`, newline included.
pub fn known_host_line(entry: &KnownHost) -> String {
    format!("{} {}\n", entry.address, fingerprint_hex(&entry.fingerprint))
}

/// `host:port` as the known-hosts file spells it (`[v6]:port` for IPv6 literals).
pub fn address_key(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// How the server's certificate is judged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsOptions {
    /// DER certificates trusted as roots besides the public web roots (a CA file's contents,
    /// or the embedded server's self-signed certificate).
    pub extra_roots: Vec<Vec<u8>>,
    /// Trust exactly this leaf certificate, whoever issued it.
    pub pin: Option<Fingerprint>,
    /// Trust on first use, with the fingerprints kept in this file (opt-in).
    pub known_hosts: Option<PathBuf>,
}

/// What was wrong with the server's certificate (or with our means of judging it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsProblem {
    /// Signed by an authority we do not trust.
    UnknownIssuer {
        /// The leaf's fingerprint, so the user can pin it after checking it.
        fingerprint: String,
    },
    /// Self-signed, so no authority vouches for it.
    SelfSigned {
        /// The leaf's fingerprint, so the user can pin it after checking it.
        fingerprint: String,
    },
    /// Valid, but not for the name we dialled.
    NameMismatch {
        /// The name we checked.
        expected: String,
        /// The names the certificate is for (may be empty when unknown).
        presented: Vec<String>,
    },
    /// Past its end date.
    Expired,
    /// Before its start date.
    NotYetValid,
    /// Signed with a key or algorithm too weak or not supported (e.g. RSA under 2048 bits,
    /// SHA-1).
    WeakKey,
    /// A pinned certificate was asked for and another was presented.
    PinMismatch {
        /// The pinned fingerprint.
        expected: String,
        /// The one presented.
        presented: String,
    },
    /// Trust on first use: this address presented another certificate before.
    KnownHostChanged {
        /// `host:port`.
        address: String,
        /// The stored fingerprint.
        stored: String,
        /// The one presented now.
        presented: String,
        /// The known-hosts file, so the user can remove the line after checking.
        file: PathBuf,
    },
    /// The known-hosts file cannot be read, parsed or written.
    KnownHostsFile {
        /// The file.
        file: PathBuf,
        /// What went wrong.
        detail: String,
    },
    /// Anything else rustls refused (its own description).
    Other(String),
}

/// A certificate trusted for the first time (trust on first use): the front end shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstUse {
    /// `host:port`.
    pub address: String,
    /// Lowercase hex SHA-256 of the certificate.
    pub fingerprint: String,
    /// Where it was stored.
    pub file: PathBuf,
}

/// The judge for one connection: builds the rustls verifier and remembers what it decided.
#[derive(Debug)]
pub struct Judge {
    mode: Mode,
    provider: Arc<CryptoProvider>,
    verdict: Mutex<Option<Verdict>>,
}

#[derive(Debug)]
enum Mode {
    Pin(Fingerprint),
    Tofu { address: String, stored: Option<Fingerprint>, file: PathBuf },
    Roots { webpki: Arc<WebPkiServerVerifier> },
}

#[derive(Debug, Clone)]
enum Verdict {
    Refused(TlsProblem),
    FirstUse(Fingerprint),
}

/// Why the TLS client configuration could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlsConfigError {
    /// An extra root certificate (from the options) was rejected; rustls's description.
    #[error("unusable extra TLS root: {0}")]
    BadRoot(String),
    /// The crypto provider offers no safe protocol version; rustls's description.
    #[error("no usable TLS protocol version: {0}")]
    Versions(String),
    /// The known-hosts file cannot be read or parsed.
    #[error("{}: {detail}", .file.display())]
    KnownHosts {
        /// The file.
        file: PathBuf,
        /// What is wrong.
        detail: String,
    },
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn root_store(extra: &[Vec<u8>]) -> Result<RootCertStore, TlsConfigError> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for der in extra {
        roots
            .add(CertificateDer::from(der.clone()))
            .map_err(|e| TlsConfigError::BadRoot(e.to_string()))?;
    }
    Ok(roots)
}

fn webpki(
    roots: RootCertStore,
    provider: &Arc<CryptoProvider>,
) -> Result<Arc<WebPkiServerVerifier>, TlsConfigError> {
    WebPkiServerVerifier::builder_with_provider(Arc::new(roots), Arc::clone(provider))
        .build()
        .map_err(|e| TlsConfigError::BadRoot(e.to_string()))
}

/// Reads the known-hosts file; a missing file is empty.
pub fn read_known_hosts(file: &Path) -> Result<Vec<KnownHost>, TlsConfigError> {
    let bad = |detail: String| TlsConfigError::KnownHosts { file: file.to_path_buf(), detail };
    match std::fs::read_to_string(file) {
        Ok(text) => parse_known_hosts(&text).map_err(|e| bad(e.to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(bad(e.to_string())),
    }
}

/// Appends `entry` to the known-hosts file, creating it (and its directory) if needed.
pub fn remember_known_host(file: &Path, entry: &KnownHost) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut f = crate::private_file::open_append(file)?;
    f.write_all(known_host_line(entry).as_bytes())
}

impl Judge {
    /// A judge for a connection to `host:port` under `options` (reads the known-hosts file
    /// when trust on first use is on).
    pub fn new(options: &TlsOptions, host: &str, port: u16) -> Result<Arc<Self>, TlsConfigError> {
        let provider = provider();
        let mode = if let Some(pin) = options.pin {
            Mode::Pin(pin)
        } else if let Some(file) = &options.known_hosts {
            let address = address_key(host, port);
            let stored = read_known_hosts(file)?
                .into_iter()
                .find(|k| k.address == address)
                .map(|k| k.fingerprint);
            Mode::Tofu { address, stored, file: file.clone() }
        } else {
            Mode::Roots { webpki: webpki(root_store(&options.extra_roots)?, &provider)? }
        };
        Ok(Arc::new(Judge { mode, provider, verdict: Mutex::new(None) }))
    }

    /// The rustls client configuration that asks this judge.
    pub fn client_config(self: &Arc<Self>) -> Result<rustls::ClientConfig, TlsConfigError> {
        Ok(rustls::ClientConfig::builder_with_provider(Arc::clone(&self.provider))
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsConfigError::Versions(e.to_string()))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::clone(self) as Arc<dyn ServerCertVerifier>)
            .with_no_client_auth())
    }

    /// Why the certificate was refused, if it was.
    pub fn refusal(&self) -> Option<TlsProblem> {
        match self.verdict.lock().ok()?.clone()? {
            Verdict::Refused(p) => Some(p),
            Verdict::FirstUse(_) => None,
        }
    }

    /// The certificate to remember after a successful handshake, under trust on first use.
    pub fn first_use(&self) -> Option<(KnownHost, PathBuf)> {
        let Mode::Tofu { address, file, .. } = &self.mode else { return None };
        match self.verdict.lock().ok()?.clone()? {
            Verdict::FirstUse(fp) => {
                Some((KnownHost { address: address.clone(), fingerprint: fp }, file.clone()))
            }
            Verdict::Refused(_) => None,
        }
    }

    fn decide(&self, verdict: Verdict) {
        if let Ok(mut slot) = self.verdict.lock() {
            *slot = Some(verdict);
        }
    }

    fn refuse(&self, problem: TlsProblem) -> rustls::Error {
        let text = format!("{problem:?}");
        self.decide(Verdict::Refused(problem));
        rustls::Error::General(text)
    }
}

/// Sorts a webpki refusal of `leaf` into what the user can act on; `self_signed` says whether
/// the leaf verifies against itself as the only root.
pub fn classify(error: &rustls::Error, leaf: &[u8], self_signed: bool) -> TlsProblem {
    let fingerprint = fingerprint_hex(&fingerprint(leaf));
    let rustls::Error::InvalidCertificate(cert) = error else {
        return TlsProblem::Other(error.to_string());
    };
    #[allow(deprecated)]
    match cert {
        CertificateError::UnknownIssuer if self_signed => TlsProblem::SelfSigned { fingerprint },
        CertificateError::UnknownIssuer => TlsProblem::UnknownIssuer { fingerprint },
        CertificateError::NotValidForName => {
            TlsProblem::NameMismatch { expected: String::new(), presented: Vec::new() }
        }
        CertificateError::NotValidForNameContext { expected, presented } => {
            TlsProblem::NameMismatch {
                expected: server_name_text(expected),
                presented: presented.clone(),
            }
        }
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => TlsProblem::Expired,
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            TlsProblem::NotYetValid
        }
        CertificateError::BadSignature
        | CertificateError::UnsupportedSignatureAlgorithm
        | CertificateError::UnsupportedSignatureAlgorithmContext { .. }
        | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
            TlsProblem::WeakKey
        }
        other => TlsProblem::Other(format!("{other:?}")),
    }
}

fn server_name_text(name: &ServerName<'_>) -> String {
    match name {
        ServerName::DnsName(d) => d.as_ref().to_string(),
        ServerName::IpAddress(ip) => std::net::IpAddr::from(*ip).to_string(),
        other => format!("{other:?}"),
    }
}

impl ServerCertVerifier for Judge {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let presented = fingerprint(end_entity.as_ref());
        match &self.mode {
            Mode::Pin(pin) if *pin == presented => Ok(ServerCertVerified::assertion()),
            Mode::Pin(pin) => Err(self.refuse(TlsProblem::PinMismatch {
                expected: fingerprint_hex(pin),
                presented: fingerprint_hex(&presented),
            })),
            Mode::Tofu { stored: Some(stored), .. } if *stored == presented => {
                Ok(ServerCertVerified::assertion())
            }
            Mode::Tofu { address, stored: Some(stored), file } => {
                Err(self.refuse(TlsProblem::KnownHostChanged {
                    address: address.clone(),
                    stored: fingerprint_hex(stored),
                    presented: fingerprint_hex(&presented),
                    file: file.clone(),
                }))
            }
            Mode::Tofu { stored: None, .. } => {
                self.decide(Verdict::FirstUse(presented));
                Ok(ServerCertVerified::assertion())
            }
            Mode::Roots { webpki: verifier } => {
                match verifier.verify_server_cert(
                    end_entity,
                    intermediates,
                    server_name,
                    ocsp_response,
                    now,
                ) {
                    Ok(ok) => Ok(ok),
                    Err(e) => {
                        let self_signed = matches!(
                            e,
                            rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer)
                        ) && verifies_against_itself(
                            end_entity,
                            server_name,
                            now,
                            &self.provider,
                        );
                        Err(self.refuse(classify(&e, end_entity.as_ref(), self_signed)))
                    }
                }
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

/// Whether `leaf` is its own issuer: with it as the only root it verifies, or fails only for
/// its name or dates (a certificate merely named like its issuer fails on the signature).
fn verifies_against_itself(
    leaf: &CertificateDer<'_>,
    server_name: &ServerName<'_>,
    now: UnixTime,
    provider: &Arc<CryptoProvider>,
) -> bool {
    let mut roots = RootCertStore::empty();
    if roots.add(leaf.clone().into_owned()).is_err() {
        return false;
    }
    let Ok(verifier) = webpki(roots, provider) else { return false };
    match verifier.verify_server_cert(leaf, &[], server_name, &[], now) {
        Ok(_) => true,
        Err(rustls::Error::InvalidCertificate(e)) => matches!(
            e,
            CertificateError::NotValidForName
                | CertificateError::NotValidForNameContext { .. }
                | CertificateError::Expired
                | CertificateError::ExpiredContext { .. }
                | CertificateError::NotValidYet
                | CertificateError::NotValidYetContext { .. }
        ),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const FP: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    #[test]
    fn fingerprints_are_lowercase_sha256_and_parse_in_common_spellings() {
        assert_eq!(fingerprint_hex(&fingerprint(b"test")), FP);
        let fp = parse_fingerprint(FP).unwrap();
        assert_eq!(parse_fingerprint(&FP.to_uppercase()), Ok(fp));
        let colons: Vec<String> =
            FP.as_bytes().chunks(2).map(|c| String::from_utf8_lossy(c).into_owned()).collect();
        assert_eq!(parse_fingerprint(&colons.join(":")), Ok(fp));
        assert_eq!(parse_fingerprint("abc"), Err(FingerprintError::Length { digits: 3 }));
        assert_eq!(
            parse_fingerprint(&format!("{}g", &FP[..63])),
            Err(FingerprintError::NotHex { position: 64, found: 'g' })
        );
    }

    #[test]
    fn known_hosts_parse_skip_comments_and_refuse_conflicts() {
        let text =
            format!("# flapjack\n\nh.example:5190 {FP}\n[::1]:443 {FP}\nh.example:5190 {FP}\n");
        let hosts = parse_known_hosts(&text).unwrap();
        assert_eq!(hosts.len(), 2);
        assert_eq!(hosts[1].address, "[::1]:443");
        assert_eq!(known_host_line(&hosts[0]), format!("h.example:5190 {FP}\n"));
        assert_eq!(parse_known_hosts("h:1"), Err(KnownHostsError::Shape { line: 1 }));
        assert!(matches!(
            parse_known_hosts("h:1 xyz"),
            Err(KnownHostsError::Fingerprint { line: 1, .. })
        ));
        let other = "0".repeat(64);
        assert_eq!(
            parse_known_hosts(&format!("h:1 {FP}\nh:1 {other}")),
            Err(KnownHostsError::Conflict { line: 2, address: "h:1".into() })
        );
        assert_eq!(address_key("::1", 5190), "[::1]:5190");
    }

    #[test]
    fn pem_files_give_their_certificates_or_say_why_not() {
        let cert = rcgen::generate_simple_self_signed(vec!["a.example".into()]).unwrap();
        let pem = format!("{}{}", cert.cert.pem(), cert.signing_key.serialize_pem());
        let ders = certificates_from_pem(pem.as_bytes()).unwrap();
        assert_eq!(ders, vec![cert.cert.der().to_vec()]);
        assert_eq!(
            certificates_from_pem(cert.signing_key.serialize_pem().as_bytes()),
            Err(PemError::NoCertificates)
        );
        assert_eq!(certificates_from_pem(b"hello"), Err(PemError::NoCertificates));
        let broken = "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n";
        assert!(matches!(certificates_from_pem(broken.as_bytes()), Err(PemError::Malformed(_))));
    }

    #[test]
    fn webpki_refusals_are_sorted_into_actionable_problems() {
        let leaf = b"leaf";
        let fp = fingerprint_hex(&fingerprint(leaf));
        let bad = |e| rustls::Error::InvalidCertificate(e);
        assert_eq!(
            classify(&bad(CertificateError::UnknownIssuer), leaf, false),
            TlsProblem::UnknownIssuer { fingerprint: fp.clone() }
        );
        assert_eq!(
            classify(&bad(CertificateError::UnknownIssuer), leaf, true),
            TlsProblem::SelfSigned { fingerprint: fp }
        );
        assert_eq!(classify(&bad(CertificateError::Expired), leaf, false), TlsProblem::Expired);
        assert_eq!(
            classify(&bad(CertificateError::NotValidYet), leaf, false),
            TlsProblem::NotYetValid
        );
        assert_eq!(
            classify(&bad(CertificateError::BadSignature), leaf, false),
            TlsProblem::WeakKey
        );
        assert!(matches!(
            classify(&bad(CertificateError::NotValidForName), leaf, false),
            TlsProblem::NameMismatch { .. }
        ));
        assert!(matches!(
            classify(&rustls::Error::HandshakeNotComplete, leaf, false),
            TlsProblem::Other(_)
        ));
    }

    proptest! {
        #[test]
        fn the_file_parsers_never_panic(text in any::<String>(), bytes in any::<Vec<u8>>()) {
            let _ = parse_known_hosts(&text);
            let _ = parse_fingerprint(&text);
            let _ = certificates_from_pem(&bytes);
            let _ = certificates_from_pem(text.as_bytes());
        }

        #[test]
        fn known_host_lines_round_trip(
            host in "[a-z0-9.-]{1,30}", port in any::<u16>(), fp in any::<[u8; 32]>()
        ) {
            let entry = KnownHost { address: address_key(&host, port), fingerprint: fp };
            prop_assert_eq!(parse_known_hosts(&known_host_line(&entry)), Ok(vec![entry]));
        }
    }
}
