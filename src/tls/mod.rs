//! TLS: what a client trusts, and the connector that speaks it.
//!
//! - **Trusted roots** ([`store`]): the operating system's store (honouring `SSL_CERT_FILE` and
//!   `SSL_CERT_DIR`), read once per process when the first certificate is checked; Mozilla's
//!   roots compiled in where the system has none. Certificates given with
//!   [`TlsSettings::add_ca_file`] / [`TlsSettings::add_ca_pem`] are trusted in addition —
//!   as roots of a chain, and as the exact certificate a server presents, whatever its CA
//!   flag (the platform's self-signed certificate, see [`verify`]).
//! - **Pins** ([`Pins`]): curl's `sha256//<base64>` public-key pins, checked as curl's
//!   `--pinnedpubkey` (with verification on, the certificate must verify *and* match; with it
//!   off, the pin alone decides).
//! - **Refusals** ([`Refusal`]) say why in words and carry the presented key's pin;
//!   [`peer_certificate`] / [`server_pin`] show a server's certificate without trusting it,
//!   to learn the pin (compare it out of band before pinning it).
//! - The connector (`connector.rs`) runs rustls over the connection the socket layer made
//!   (directly or through a proxy); its configuration is built on the first https
//!   connection of a client, not when the client is made.

mod cert;
mod connector;
mod peer;
mod sessions;
mod store;
mod verify;

use std::sync::{Arc, LazyLock, OnceLock};

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::ClientConfig;

use crate::error::{Error, Result};

pub(crate) use connector::TlsConnector;
pub use peer::{peer_certificate, server_pin, PeerCertificate};
pub use store::{trust_store, TrustStore, TrustStoreSource};
pub(crate) use verify::refusal_of;
pub use verify::{Reason, Refusal};

/// The crypto provider of every connection (ring), made once.
pub(crate) static PROVIDER: LazyLock<Arc<CryptoProvider>> =
    LazyLock::new(|| Arc::new(rustls::crypto::ring::default_provider()));

/// Public-key pins in curl's format: `sha256//<base64 of the SHA-256 of the DER
/// SubjectPublicKeyInfo>`, several joined by `;`. Compute one with
/// `openssl x509 -in cert.pem -pubkey -noout | openssl pkey -pubin -outform der |
/// openssl dgst -sha256 -binary | base64`, or learn it with [`server_pin`].
#[derive(Clone, PartialEq, Eq)]
pub struct Pins(Vec<[u8; 32]>);

impl Pins {
    /// Parses `sha256//...;sha256//...` (spaces around each pin are ignored).
    pub fn parse(text: &str) -> Result<Pins> {
        use base64::Engine;
        let bad = |msg: String| Error::invalid_arg("pinned_pubkey", msg);
        let mut pins = Vec::new();
        for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let Some(b64) = part.strip_prefix(cert::PIN_PREFIX) else {
                return Err(bad(format!(
                    "a pin is `sha256//` and the base64 of a key's SHA-256, not {:?}",
                    shorten(part)
                )));
            };
            let digest = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .ok()
                .and_then(|d| <[u8; 32]>::try_from(d).ok())
                .ok_or_else(|| {
                    bad(format!(
                        "{:?} is not the base64 of a SHA-256 (44 characters ending in '=')",
                        shorten(part)
                    ))
                })?;
            pins.push(digest);
        }
        if pins.is_empty() {
            return Err(bad("no pin given (expected sha256//<base64>)".into()));
        }
        Ok(Pins(pins))
    }

    /// Whether a key's SHA-256 is one of the pins.
    pub(crate) fn contains(&self, digest: &[u8; 32]) -> bool {
        self.0.iter().any(|p| p == digest)
    }

    /// How many keys are pinned.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no key is pinned (never true for parsed pins).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Pins {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use base64::Engine;
        f.debug_list()
            .entries(self.0.iter().map(|p| {
                format!(
                    "sha256//{}",
                    base64::engine::general_purpose::STANDARD.encode(p)
                )
            }))
            .finish()
    }
}

fn shorten(s: &str) -> String {
    s.chars().take(60).collect()
}

/// How the client checks the server's certificate.
#[derive(Clone, Default)]
pub struct TlsSettings {
    /// `true` turns verification off: any certificate is accepted (the pins still apply).
    insecure_skip_verify: bool,
    /// Certificates trusted in addition to the trust store (roots, and exact certificates).
    extra_roots: Vec<CertificateDer<'static>>,
    pins: Option<Pins>,
}

impl std::fmt::Debug for TlsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsSettings")
            .field("insecure_skip_verify", &self.insecure_skip_verify)
            .field("extra_roots", &self.extra_roots.len())
            .field("pins", &self.pins)
            .finish()
    }
}

impl TlsSettings {
    /// Verification on against the trust store (the default).
    pub fn new() -> Self {
        Self::default()
    }

    /// Turns certificate verification off (`true`) or back on (`false`). With it off and no
    /// pin, anyone on the network path can read and change the traffic, token included.
    pub fn insecure_skip_verify(&mut self, skip: bool) -> &mut Self {
        self.insecure_skip_verify = skip;
        self
    }

    /// Whether verification is on.
    pub fn verifies(&self) -> bool {
        !self.insecure_skip_verify
    }

    /// Pins the server's public key (`Some`: curl's `sha256//...;...`, see [`Pins`]) or
    /// removes the pins (`None`, or an empty text).
    pub fn set_pinned_pubkey(&mut self, pins: Option<&str>) -> Result<&mut Self> {
        self.pins = match pins.map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(Pins::parse(text)?),
        };
        Ok(self)
    }

    /// The pins, if any.
    pub fn pins(&self) -> Option<&Pins> {
        self.pins.as_ref()
    }

    /// Whether the connection is authenticated at all: verification on, or a pinned key.
    pub fn is_secure(&self) -> bool {
        self.verifies() || self.pins.is_some()
    }

    /// Trusts every certificate of a PEM bundle, in addition to the trust store: as a CA, and
    /// as the exact certificate a server may present (a self-signed one included).
    pub fn add_ca_pem(&mut self, pem: &[u8]) -> Result<&mut Self> {
        let mut found = Vec::new();
        for item in CertificateDer::pem_slice_iter(pem) {
            match item {
                Ok(c) => found.push(c),
                Err(e) => {
                    return Err(Error::invalid_arg(
                        "ca_pem",
                        format!("bad PEM in the CA bundle: {e}"),
                    ))
                }
            }
        }
        if found.is_empty() {
            return Err(Error::invalid_arg(
                "ca_pem",
                "the CA bundle holds no PEM certificate",
            ));
        }
        self.extra_roots.extend(found);
        Ok(self)
    }

    /// Trusts every certificate of a PEM file (see [`add_ca_pem`](Self::add_ca_pem)).
    pub fn add_ca_file(&mut self, path: &std::path::Path) -> Result<&mut Self> {
        let pem = std::fs::read(path).map_err(|e| {
            Error::invalid_arg(
                "ca_file",
                format!("cannot read the CA file {}: {e}", path.display()),
            )
            .with_source(e)
        })?;
        self.add_ca_pem(&pem).map_err(|e| {
            Error::invalid_arg("ca_file", format!("{} ({})", e.message(), path.display()))
        })
    }

    /// Every setting that decides trust, as bytes: equal keys, equal decisions.
    fn trust_key(&self) -> Vec<u8> {
        let mut key = vec![u8::from(self.insecure_skip_verify)];
        for der in &self.extra_roots {
            key.extend_from_slice(&(der.len() as u64).to_le_bytes());
            key.extend_from_slice(der);
        }
        key.push(0xff);
        for pin in self.pins.iter().flat_map(|p| p.0.iter()) {
            key.extend_from_slice(pin);
        }
        key
    }

    /// A context whose rustls configuration is built on first use.
    pub(crate) fn context(&self) -> Arc<TlsContext> {
        Arc::new(TlsContext {
            settings: self.clone(),
            config: OnceLock::new(),
        })
    }
}

/// A client's TLS settings and, once the first https connection needed it, their rustls
/// configuration (which keeps the TLS sessions to resume).
pub(crate) struct TlsContext {
    settings: TlsSettings,
    config: OnceLock<Arc<ClientConfig>>,
}

impl TlsContext {
    pub(crate) fn config(&self) -> Arc<ClientConfig> {
        Arc::clone(self.config.get_or_init(|| shared_config(&self.settings)))
    }
}

/// How many rustls configurations the process keeps for reuse (one per distinct setting).
const SHARED_CONFIGS: usize = 8;

/// The rustls configuration of some TLS settings, shared by every client of the process with
/// the same settings (kept for the last [`SHARED_CONFIGS`] distinct ones). A configuration
/// keeps the TLS sessions its connections may resume, so a client made for one web request
/// (PHP-FPM) resumes the session of the previous request's client — an abbreviated handshake,
/// without the certificate checks and signatures of a full one. Sharing is sound only because
/// equal settings make equal trust decisions: the key is every setting that decides trust.
fn shared_config(settings: &TlsSettings) -> Arc<ClientConfig> {
    use std::sync::Mutex;
    static CONFIGS: Mutex<Vec<(Vec<u8>, Arc<ClientConfig>)>> = Mutex::new(Vec::new());
    let key = settings.trust_key();
    let mut configs = CONFIGS.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(i) = configs.iter().position(|(k, _)| *k == key) {
        let entry = configs.remove(i);
        let config = Arc::clone(&entry.1);
        configs.push(entry); // most recently used last
        return config;
    }
    let verifier = verify::Verifier {
        verify: settings.verifies(),
        given: Arc::new(verify::Given::new(settings.extra_roots.clone())),
        pins: settings.pins.clone(),
        provider: Arc::clone(&PROVIDER),
        seen: None,
    };
    let config = client_config(Arc::new(verifier));
    if configs.len() == SHARED_CONFIGS {
        configs.remove(0);
    }
    configs.push((key, Arc::clone(&config)));
    config
}

/// A rustls client configuration with a verifier: TLS 1.3 and 1.2, no client certificate.
fn client_config(
    verifier: Arc<dyn rustls::client::danger::ServerCertVerifier>,
) -> Arc<ClientConfig> {
    let mut config = ClientConfig::builder_with_provider(Arc::clone(&PROVIDER))
        .with_protocol_versions(rustls::ALL_VERSIONS)
        .expect("TLS 1.2 and 1.3 are supported by ring")
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    config.resumption = rustls::client::Resumption::store(Arc::new(sessions::Sessions::default()));
    Arc::new(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_parse() {
        let a = "sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
        let p = Pins::parse(&format!(" {a} ; {a};")).unwrap();
        assert_eq!(p.len(), 2);
        for bad in [
            "",
            ";",
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
            "sha256//abc",
            "sha1//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
            "sha256//!!!!",
        ] {
            let e = Pins::parse(bad).unwrap_err();
            assert_eq!(e.argument(), Some("pinned_pubkey"), "{bad:?}");
        }
        let mut s = TlsSettings::new();
        s.set_pinned_pubkey(Some(a)).unwrap();
        assert!(s.pins().is_some());
        s.set_pinned_pubkey(Some("")).unwrap();
        assert!(s.pins().is_none());
    }
}
