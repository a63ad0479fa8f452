//! A throw-away PKI for `--tls`, made at start with rcgen.
//!
//! - CA: CN "dcimanager-emulator test CA", `basicConstraints CA:TRUE`, key usages
//!   keyCertSign + cRLSign + digitalSignature.
//! - Server certificate: CN "localhost", SANs `localhost`, `127.0.0.1`, `::1`,
//!   `basicConstraints CA:FALSE`, EKU serverAuth, signed by the CA.
//! - Both ECDSA P-256, valid from Jan 1 of last year to Jan 1 ten years on.
//!
//! Clients trust the CA (written by `--ca-out`), so they verify the server normally (webpki).
//! The server offers ALPN `http/1.1` and sends only its own certificate.
//!
//! `--cert`/`--key` serve a given chain instead, such as the self-signed certificate the
//! platform installs with (made by `openssl req -x509`): tests make theirs with the openssl
//! command line, as users do.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::ServerConfig;

pub struct TlsSetup {
    /// The CA certificate, PEM.
    pub ca_pem: String,
    pub config: Arc<ServerConfig>,
}

fn err(what: &str) -> impl Fn(rcgen::Error) -> String + '_ {
    move |e| format!("{what}: {e}")
}

/// Serves a certificate chain and key from PEM files (`--cert`, `--key`).
pub fn load(cert: &str, key: &str) -> Result<TlsSetup, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("{cert}: {e}"))?;
    if chain.is_empty() {
        return Err(format!("{cert}: no certificate"));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| format!("{key}: {e}"))?;
    let ca_pem = std::fs::read_to_string(cert).map_err(|e| format!("{cert}: {e}"))?;
    Ok(TlsSetup {
        ca_pem,
        config: server_config(chain, key)?,
    })
}

fn server_config(
    chain: Vec<rustls::pki_types::CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<ServerConfig>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS versions: {e}"))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| format!("TLS config: {e}"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Makes the CA, the server certificate and the rustls server configuration.
pub fn generate() -> Result<TlsSetup, String> {
    let year = i32::try_from(crate::state::current_year()).unwrap_or(2025);
    let not_before = rcgen::date_time_ymd(year - 1, 1, 1);
    let not_after = rcgen::date_time_ymd(year + 10, 1, 1);

    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(err("CA params"))?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "dcimanager-emulator test CA");
    ca_params
        .distinguished_name
        .push(DnType::OrganizationName, "dcimanager-emulator");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    ca_params.not_before = not_before;
    ca_params.not_after = not_after;
    let ca_key = KeyPair::generate().map_err(err("CA key"))?;
    let ca_cert = ca_params.self_signed(&ca_key).map_err(err("CA cert"))?;
    let issuer = Issuer::new(ca_params, ca_key);

    let mut leaf = CertificateParams::new(vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ])
    .map_err(err("server params"))?;
    leaf.distinguished_name
        .push(DnType::CommonName, "localhost");
    leaf.is_ca = IsCa::ExplicitNoCa;
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.use_authority_key_identifier_extension = true;
    leaf.not_before = not_before;
    leaf.not_after = not_after;
    let leaf_key = KeyPair::generate().map_err(err("server key"))?;
    let leaf_cert = leaf
        .signed_by(&leaf_key, &issuer)
        .map_err(err("server cert"))?;

    Ok(TlsSetup {
        ca_pem: ca_cert.pem(),
        config: server_config(
            vec![leaf_cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        )?,
    })
}
