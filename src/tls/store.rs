//! The trust store: the operating system's roots, read once per process, lazily — when the
//! first certificate is verified, not when the library is loaded or a client is made (a
//! PHP-FPM worker makes a client per web request and pays for the store once).
//!
//! rustls-native-certs reads the store as OpenSSL and curl do: the files named by
//! `SSL_CERT_FILE` and the directories of `SSL_CERT_DIR` when either is set (only those), else
//! the system's bundle and directory (on Debian `/etc/ssl/certs/ca-certificates.crt` and
//! `/etc/ssl/certs`, where `update-ca-certificates` puts a company's CA). When that yields no
//! certificate, Mozilla's roots compiled into the library (webpki-root-certs) are used.

use std::sync::{Arc, OnceLock};

use rustls::RootCertStore;

/// Where the trusted roots of the process come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustStoreSource {
    /// The operating system's store (or `SSL_CERT_FILE` / `SSL_CERT_DIR`).
    System,
    /// Mozilla's roots compiled into the library: the system had none.
    Mozilla,
}

/// The process's trust store, as read once.
#[derive(Debug, Clone)]
pub struct TrustStore {
    /// Where the roots come from.
    pub source: TrustStoreSource,
    /// What was read, for humans: `SSL_CERT_FILE=...`, the system's paths, or Mozilla's list.
    pub description: String,
    /// How many root certificates are trusted.
    pub certificates: usize,
    pub(crate) roots: Arc<RootCertStore>,
}

static STORE: OnceLock<TrustStore> = OnceLock::new();

/// The process's trust store, read on the first call (see the [module](self) documentation).
pub fn trust_store() -> &'static TrustStore {
    STORE.get_or_init(load)
}

fn load() -> TrustStore {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = RootCertStore::empty();
    let (added, _ignored) = roots.add_parsable_certificates(found.certs);
    if added > 0 {
        let described: Vec<String> = ["SSL_CERT_FILE", "SSL_CERT_DIR"]
            .iter()
            .filter_map(|v| {
                std::env::var_os(v)
                    .filter(|s| !s.is_empty())
                    .map(|s| format!("{v}={}", s.to_string_lossy()))
            })
            .collect();
        let description = if described.is_empty() {
            "the system's trust store".to_string()
        } else {
            described.join(" ")
        };
        return TrustStore {
            source: TrustStoreSource::System,
            description,
            certificates: added,
            roots: Arc::new(roots),
        };
    }
    let mut roots = RootCertStore::empty();
    let (added, _) =
        roots.add_parsable_certificates(webpki_root_certs::TLS_SERVER_ROOT_CERTS.iter().cloned());
    TrustStore {
        source: TrustStoreSource::Mozilla,
        description: "Mozilla's roots compiled into the library (the system has none)".into(),
        certificates: added,
        roots: Arc::new(roots),
    }
}
