//! What a certificate says, read with x509-parser: the public key's pin, the names it is
//! valid for, its dates and whether it is a CA. Used to explain a refusal in words and to
//! show the certificate a server presents ([`PeerCertificate`](super::PeerCertificate)).

use std::net::IpAddr;

use base64::Engine;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

/// The prefix of a pin in curl's format.
pub(crate) const PIN_PREFIX: &str = "sha256//";

/// The pin of a DER `SubjectPublicKeyInfo` (outer SEQUENCE included), in curl's format:
/// `sha256//` and the base64 of its SHA-256.
pub(crate) fn pin_of_spki(spki: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, spki);
    let mut pin = String::with_capacity(PIN_PREFIX.len() + 44);
    pin.push_str(PIN_PREFIX);
    base64::engine::general_purpose::STANDARD.encode_string(digest.as_ref(), &mut pin);
    pin
}

/// The facts of one certificate that the library shows or checks itself.
#[derive(Debug, Clone)]
pub(crate) struct CertInfo {
    /// The public key's pin (`sha256//...`).
    pub pin: String,
    /// The SHA-256 of the public key (what a pin compares).
    pub spki_sha256: [u8; 32],
    /// The subject, as `CN=..., O=...`.
    pub subject: String,
    /// The issuer, in the same form.
    pub issuer: String,
    /// Validity, seconds since the Unix epoch.
    pub not_before: i64,
    pub not_after: i64,
    /// `basicConstraints CA:TRUE`.
    pub is_ca: bool,
    /// The DNS names and IP addresses of the subjectAltName extension; `None` when the
    /// certificate has no such extension (then the common name is its name, as curl and
    /// OpenSSL read it).
    pub alt_names: Option<Vec<String>>,
    /// The subject's common names.
    pub common_names: Vec<String>,
}

impl CertInfo {
    /// Reads a DER certificate; `None` when it does not parse.
    pub fn parse(der: &[u8]) -> Option<CertInfo> {
        let (_, cert) = X509Certificate::from_der(der).ok()?;
        let spki = cert.public_key().raw;
        let digest = ring::digest::digest(&ring::digest::SHA256, spki);
        let mut spki_sha256 = [0u8; 32];
        spki_sha256.copy_from_slice(digest.as_ref());
        let alt_names = match cert.subject_alternative_name() {
            Ok(Some(ext)) => Some(
                ext.value
                    .general_names
                    .iter()
                    .filter_map(|n| match n {
                        GeneralName::DNSName(d) => Some((*d).to_string()),
                        GeneralName::IPAddress(b) => ip_of(b).map(|ip| ip.to_string()),
                        _ => None,
                    })
                    .collect(),
            ),
            _ => None,
        };
        Some(CertInfo {
            pin: pin_of_spki(spki),
            spki_sha256,
            subject: cert.subject().to_string(),
            issuer: cert.issuer().to_string(),
            not_before: cert.validity().not_before.timestamp(),
            not_after: cert.validity().not_after.timestamp(),
            is_ca: matches!(cert.basic_constraints(), Ok(Some(bc)) if bc.value.ca),
            alt_names,
            common_names: cert
                .subject()
                .iter_common_name()
                .filter_map(|cn| cn.as_str().ok().map(str::to_string))
                .collect(),
        })
    }

    /// The names the certificate is valid for: its subjectAltName entries, or its common
    /// names when it has no subjectAltName.
    pub fn names(&self) -> &[String] {
        self.alt_names.as_deref().unwrap_or(&self.common_names)
    }

    /// Whether the certificate names `host` the way curl and OpenSSL check it: a
    /// subjectAltName entry when there are any (DNS names case-insensitively, `*.` matching
    /// one label; IP addresses by value), else the common name, compared exactly.
    pub fn names_host(&self, host: &str) -> bool {
        let ip = host.parse::<IpAddr>().ok();
        match &self.alt_names {
            Some(names) => names.iter().any(|n| match ip {
                Some(ip) => n.parse::<IpAddr>().is_ok_and(|m| m == ip),
                None => dns_matches(n, host),
            }),
            None => self.common_names.iter().any(|cn| match ip {
                Some(ip) => cn.parse::<IpAddr>().is_ok_and(|m| m == ip),
                None => cn.eq_ignore_ascii_case(host),
            }),
        }
    }
}

/// An IP address from a subjectAltName's bytes.
fn ip_of(b: &[u8]) -> Option<IpAddr> {
    match b.len() {
        4 => Some(IpAddr::from(<[u8; 4]>::try_from(b).ok()?)),
        16 => Some(IpAddr::from(<[u8; 16]>::try_from(b).ok()?)),
        _ => None,
    }
}

/// A DNS name of a certificate against a host: equal ignoring case, or `*.rest` with the
/// host's first label replaced (one label, never the last two alone).
fn dns_matches(pattern: &str, host: &str) -> bool {
    let host = host.trim_end_matches('.');
    if pattern.eq_ignore_ascii_case(host) {
        return true;
    }
    match (pattern.strip_prefix("*."), host.split_once('.')) {
        (Some(rest), Some((label, host_rest))) => {
            !label.is_empty() && rest.contains('.') && rest.eq_ignore_ascii_case(host_rest)
        }
        _ => false,
    }
}

/// A Unix time as `2026-01-31 23:59:59 UTC`.
pub(crate) fn format_time(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(format_time(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(format_time(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(format_time(1_896_134_399), "2030-01-31 23:59:59 UTC");
        assert_eq!(format_time(-1), "1969-12-31 23:59:59 UTC");
    }

    #[test]
    fn dns_names() {
        assert!(dns_matches("LocalHost", "localhost"));
        assert!(dns_matches("*.example.com", "dci.example.com"));
        assert!(!dns_matches("*.example.com", "a.b.example.com"));
        assert!(!dns_matches("*.example.com", "example.com"));
        assert!(!dns_matches("*.com", "example.com"));
        assert!(!dns_matches("example.com", "dci.example.com"));
    }

    #[test]
    fn pin_format() {
        // The SHA-256 of the empty string, in base64.
        assert_eq!(
            pin_of_spki(b""),
            "sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
    }
}
