//! The certificate verifier every TLS connection uses, and the words of its refusals.
//!
//! With verification on, a server's certificate is accepted when
//! 1. it is **exactly** one of the certificates given as the CA (`ca_file`, `ca_pem`) and is
//!    valid now and for the host name — whatever its CA flag, as OpenSSL treats a
//!    self-signed entry of its trust store (the platform installs with such a certificate,
//!    made by `openssl req -x509`, which marks it `CA:TRUE`; webpki alone refuses it); or
//! 2. it chains to a given CA or to a root of the process's trust store ([`super::store`]),
//!    checked by webpki, and names the host (its subjectAltName, or its common name when it
//!    has none, as curl and OpenSSL read it).
//!
//! Pins (curl's `sha256//...`) are checked after that and independently of it, as curl's
//! `--pinnedpubkey`: with verification on, both must pass; with it off, the pin alone
//! decides. The handshake's signatures are always checked, so a server that shows a pinned
//! certificate also proves it holds the key.
//!
//! A refusal is a [`Refusal`]: the reason in words, the host, and the pin of the key the
//! server presented, so that a user can check it out of band and pin it.

use std::fmt;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{verify_server_cert_signed_by_trust_anchor, verify_server_name};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{CertificateError, DigitallySignedStruct, OtherError, RootCertStore, SignatureScheme};

use super::cert::{format_time, CertInfo};
use super::Pins;

/// Why a server's certificate was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// Not signed by a trusted CA.
    UnknownIssuer {
        /// The certificate's issuer.
        issuer: String,
        /// Whether it is self-signed (issuer = subject).
        self_signed: bool,
    },
    /// Past its validity (the date it ended).
    Expired(String),
    /// Before its validity (the date it starts).
    NotYetValid(String),
    /// Not valid for the host name (the names it is valid for).
    NotValidForName(Vec<String>),
    /// A CA certificate presented as the server's own, and not given as trusted.
    CaUsedAsEndEntity,
    /// The key matches none of the pins.
    PinMismatch,
    /// A signature in the chain does not verify.
    BadSignature,
    /// Not meant for TLS servers (extended key usage).
    WrongPurpose,
    /// Revoked by its issuer.
    Revoked,
    /// The certificate does not parse.
    Unreadable,
    /// Anything else webpki says.
    Other(String),
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::UnknownIssuer {
                self_signed: true, ..
            } => f.write_str(
                "it is self-signed and not trusted: give this certificate as the CA file, \
                 or pin its key",
            ),
            Reason::UnknownIssuer { issuer, .. } => write!(
                f,
                "it is not signed by a trusted CA (unknown issuer {issuer}): give the issuer's \
                 certificate as the CA file, or pin the server's key"
            ),
            Reason::Expired(at) => write!(f, "it expired on {at}"),
            Reason::NotYetValid(at) => write!(f, "it is not valid before {at}"),
            Reason::NotValidForName(names) if names.is_empty() => {
                f.write_str("it is not valid for this name (it names no host)")
            }
            Reason::NotValidForName(names) => write!(
                f,
                "it is not valid for this name (it is for {})",
                names.join(", ")
            ),
            Reason::CaUsedAsEndEntity => f.write_str(
                "it is a CA certificate (CA:TRUE) used as the server's own: give this very \
                 certificate as the CA file to trust it, or pin its key",
            ),
            Reason::PinMismatch => f.write_str("its public key matches none of the pinned keys"),
            Reason::BadSignature => f.write_str("a signature in its chain does not verify"),
            Reason::WrongPurpose => {
                f.write_str("it is not meant for TLS servers (extended key usage)")
            }
            Reason::Revoked => f.write_str("it has been revoked"),
            Reason::Unreadable => f.write_str("it cannot be parsed"),
            Reason::Other(words) => f.write_str(words),
        }
    }
}

/// A refused certificate: why, for which host, and the pin of the key it carries.
#[derive(Debug, Clone)]
pub struct Refusal {
    /// Why.
    pub reason: Reason,
    /// The host name (or address) the client connected to.
    pub host: String,
    /// The pin of the presented certificate's key, `None` when it does not parse.
    pub pin: Option<String>,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the certificate of {} was refused: {}",
            self.host, self.reason
        )?;
        if let Some(pin) = &self.pin {
            write!(f, " (its key's pin: {pin})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Refusal {}

/// The refusal inside a TLS error, if the verifier made it.
pub(crate) fn refusal_of(e: &rustls::Error) -> Option<&Refusal> {
    match e {
        rustls::Error::InvalidCertificate(CertificateError::Other(other)) => {
            other.0.downcast_ref::<Refusal>()
        }
        _ => None,
    }
}

/// Certificates given as trusted (`ca_file`, `ca_pem`): each one both a root for chains and
/// an exact certificate a server may present.
#[derive(Debug)]
pub(crate) struct Given {
    pub ders: Vec<CertificateDer<'static>>,
    pub roots: RootCertStore,
}

impl Default for Given {
    fn default() -> Self {
        Given {
            ders: Vec::new(),
            roots: RootCertStore::empty(),
        }
    }
}

impl Given {
    pub fn new(ders: Vec<CertificateDer<'static>>) -> Self {
        let mut roots = RootCertStore::empty();
        roots.add_parsable_certificates(ders.iter().cloned());
        Given { ders, roots }
    }
}

/// The verifier of a client's TLS settings; with `seen`, also how
/// [`super::peer_certificate`] learns a server's key (verification off, no pin: any
/// certificate is accepted and its chain kept). The handshake's signatures are checked in
/// every case.
#[derive(Debug)]
pub(crate) struct Verifier {
    /// `false`: the chain and the name are not checked (the pins still are).
    pub verify: bool,
    pub given: Arc<Given>,
    pub pins: Option<Pins>,
    pub provider: Arc<CryptoProvider>,
    /// Where the chain the server presented is kept, when asked for.
    pub seen: Option<parking_lot::Mutex<Option<Seen>>>,
}

/// The chain a server presented (its own certificate first) and when.
pub(crate) type Seen = (Vec<CertificateDer<'static>>, UnixTime);

impl Verifier {
    fn refuse(reason: Reason, host: &str, pin: Option<String>) -> rustls::Error {
        rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(Refusal {
            reason,
            host: host.to_string(),
            pin,
        }))))
    }
}

/// The name of a server as text.
pub(crate) fn host_of(name: &ServerName<'_>) -> String {
    match name {
        ServerName::DnsName(d) => d.as_ref().to_string(),
        ServerName::IpAddress(ip) => std::net::IpAddr::from(*ip).to_string(),
        other => format!("{other:?}"),
    }
}

/// Checks a chain and the host name (not the pins): what "verification on" means.
pub(crate) fn check(
    ee: &CertificateDer<'_>,
    info: &CertInfo,
    intermediates: &[CertificateDer<'_>],
    name: &ServerName<'_>,
    now: UnixTime,
    given: &Given,
) -> Result<(), Reason> {
    let host = &host_of(name);
    let now_secs = now.as_secs() as i64;
    let dates = || {
        if now_secs < info.not_before {
            Err(Reason::NotYetValid(format_time(info.not_before)))
        } else if now_secs > info.not_after {
            Err(Reason::Expired(format_time(info.not_after)))
        } else {
            Ok(())
        }
    };
    let name_check = |parsed: Option<&ParsedCertificate<'_>>| {
        let named = match (parsed, &info.alt_names) {
            (Some(p), Some(_)) => verify_server_name(p, name).is_ok(),
            _ => info.names_host(host),
        };
        if named {
            Ok(())
        } else {
            Err(Reason::NotValidForName(info.names().to_vec()))
        }
    };
    if given.ders.iter().any(|d| d.as_ref() == ee.as_ref()) {
        dates()?;
        return name_check(ParsedCertificate::try_from(ee).ok().as_ref());
    }
    if info.is_ca {
        return Err(Reason::CaUsedAsEndEntity);
    }
    let parsed = ParsedCertificate::try_from(ee).map_err(|_| Reason::Unreadable)?;
    let algs = super::PROVIDER.signature_verification_algorithms.all;
    let against = |roots: &RootCertStore| {
        verify_server_cert_signed_by_trust_anchor(&parsed, roots, intermediates, now, algs)
    };
    let unknown = |e: &rustls::Error| {
        matches!(
            e,
            rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer)
        )
    };
    let chained = if given.roots.is_empty() {
        against(&super::store::trust_store().roots)
    } else {
        match against(&given.roots) {
            Ok(()) => Ok(()),
            Err(e) => match against(&super::store::trust_store().roots) {
                Ok(()) => Ok(()),
                Err(system) if unknown(&e) => Err(system),
                Err(_) => Err(e),
            },
        }
    };
    chained.map_err(|e| reason_of(&e, info))?;
    name_check(Some(&parsed))
}

/// The words for webpki's verdict on a chain.
fn reason_of(e: &rustls::Error, info: &CertInfo) -> Reason {
    let rustls::Error::InvalidCertificate(c) = e else {
        return Reason::Other(e.to_string());
    };
    #[allow(deprecated)]
    match c {
        CertificateError::UnknownIssuer => Reason::UnknownIssuer {
            issuer: info.issuer.clone(),
            self_signed: info.issuer == info.subject,
        },
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            Reason::Expired(format_time(info.not_after))
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            Reason::NotYetValid(format_time(info.not_before))
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            Reason::NotValidForName(info.names().to_vec())
        }
        CertificateError::BadSignature => Reason::BadSignature,
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            Reason::WrongPurpose
        }
        CertificateError::Revoked => Reason::Revoked,
        CertificateError::BadEncoding => Reason::Unreadable,
        CertificateError::UnsupportedSignatureAlgorithm
        | CertificateError::UnsupportedSignatureAlgorithmContext { .. }
        | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
            Reason::Other("it is signed with an algorithm this library does not support".into())
        }
        other => Reason::Other(format!("{other:?}")),
    }
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Some(seen) = &self.seen {
            let mut chain = vec![end_entity.clone().into_owned()];
            chain.extend(intermediates.iter().map(|c| c.clone().into_owned()));
            *seen.lock() = Some((chain, now));
        }
        if !self.verify && self.pins.is_none() {
            return Ok(ServerCertVerified::assertion());
        }
        let host = host_of(server_name);
        let Some(info) = CertInfo::parse(end_entity) else {
            return Err(Self::refuse(Reason::Unreadable, &host, None));
        };
        if self.verify {
            check(
                end_entity,
                &info,
                intermediates,
                server_name,
                now,
                &self.given,
            )
            .map_err(|r| Self::refuse(r, &host, Some(info.pin.clone())))?;
        }
        if let Some(pins) = &self.pins {
            if !pins.contains(&info.spki_sha256) {
                return Err(Self::refuse(Reason::PinMismatch, &host, Some(info.pin)));
            }
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
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
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
