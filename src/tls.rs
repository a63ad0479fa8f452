//! TLS settings: verification on by default against Mozilla's roots (webpki), an extra CA
//! bundle added from a PEM file or PEM bytes, and an insecure switch named as such.

use std::sync::Arc;

use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig, TlsProvider};

use crate::error::{Error, Result};

/// How the client checks the server's certificate.
#[derive(Clone, Default)]
pub struct TlsSettings {
    /// `true` turns verification off: any certificate is accepted. Only for tests.
    insecure_skip_verify: bool,
    /// CA certificates trusted in addition to the built-in roots.
    extra_roots: Vec<Certificate<'static>>,
}

impl std::fmt::Debug for TlsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsSettings")
            .field("insecure_skip_verify", &self.insecure_skip_verify)
            .field("extra_roots", &self.extra_roots.len())
            .finish()
    }
}

impl TlsSettings {
    /// Verification on, built-in roots only (the default).
    pub fn new() -> Self {
        Self::default()
    }

    /// Turns certificate verification off (`true`) or back on (`false`). With it off, anyone
    /// on the network path can read and change the traffic, token included.
    pub fn insecure_skip_verify(&mut self, skip: bool) -> &mut Self {
        self.insecure_skip_verify = skip;
        self
    }

    /// Whether verification is on.
    pub fn verifies(&self) -> bool {
        !self.insecure_skip_verify
    }

    /// Adds every certificate of a PEM bundle to the trusted roots.
    pub fn add_ca_pem(&mut self, pem: &[u8]) -> Result<&mut Self> {
        let mut found = 0;
        for item in ureq::tls::parse_pem(pem) {
            match item {
                Ok(PemItem::Certificate(c)) => {
                    self.extra_roots.push(c);
                    found += 1;
                }
                Ok(_) => {}
                Err(e) => {
                    return Err(Error::invalid_arg(
                        "ca_pem",
                        format!("bad PEM in the CA bundle: {e}"),
                    ))
                }
            }
        }
        if found == 0 {
            return Err(Error::invalid_arg(
                "ca_pem",
                "the CA bundle holds no PEM certificate",
            ));
        }
        Ok(self)
    }

    /// Adds every certificate of a PEM file to the trusted roots.
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

    /// The ureq TLS configuration for these settings.
    pub(crate) fn to_ureq(&self) -> TlsConfig {
        let builder = TlsConfig::builder().provider(TlsProvider::Rustls);
        if self.insecure_skip_verify {
            builder.disable_verification(true).build()
        } else if self.extra_roots.is_empty() {
            builder.root_certs(RootCerts::WebPki).build()
        } else {
            let mut roots: Vec<Certificate<'static>> = webpki_root_certs::TLS_SERVER_ROOT_CERTS
                .iter()
                .map(|c| Certificate::from_der(c.as_ref()))
                .collect();
            roots.extend(self.extra_roots.iter().cloned());
            builder
                .root_certs(RootCerts::Specific(Arc::new(roots)))
                .build()
        }
    }
}
