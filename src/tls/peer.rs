//! Learning a server's certificate without trusting it: connect (through the proxy the
//! environment names, as a client would), complete a TLS handshake that accepts any
//! certificate but still checks the server holds its key, send no HTTP request, and show
//! what was presented — above all the pin to give a client. As ssh shows a new host's
//! fingerprint: **compare the pin out of band** (on the platform's console, say) before
//! pinning it.

use std::net::ToSocketAddrs;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::ClientConnection;

use super::cert::{format_time, CertInfo};
use super::verify::{self, Given, Reason, Verifier};
use super::{client_config, PROVIDER};
use crate::error::{Error, ErrorKind, Phase, Result};
use crate::paths::{BaseUrl, Scheme};
use crate::proxy::ProxySettings;

/// The certificate a server presented, as [`peer_certificate`] saw it.
#[derive(Debug, Clone)]
pub struct PeerCertificate {
    /// The pin of its public key, in curl's format (`sha256//<base64>`).
    pub pin: String,
    /// Its subject (`CN=..., O=...`).
    pub subject: String,
    /// Its issuer.
    pub issuer: String,
    /// Start of validity (`2026-01-01 00:00:00 UTC`).
    pub not_before: String,
    /// End of validity.
    pub not_after: String,
    /// The names it is valid for (subjectAltName, or the common name without one).
    pub names: Vec<String>,
    /// Whether it is a CA certificate (`CA:TRUE`, as `openssl req -x509` makes them).
    pub is_ca: bool,
    /// The certificate, DER.
    pub der: Vec<u8>,
    /// How many certificates the server sent (its own first).
    pub chain_len: usize,
    /// `Ok` when it verifies against the process's trust store for this host name; else
    /// why not.
    pub verified: std::result::Result<(), Reason>,
}

/// The pin (`sha256//<base64>`) of the certificate the server of an `https://` URL
/// presents, learned as [`peer_certificate`] does with the environment's proxy and a 10 s
/// budget. Compare it out of band before pinning it.
pub fn server_pin(url: &str) -> Result<String> {
    peer_certificate(
        url,
        &ProxySettings::from_env(),
        Some(crate::defaults::CONNECT_TIMEOUT),
    )
    .map(|c| c.pin)
}

/// Connects to an `https://host[:port]` URL (through `proxy`), completes a TLS handshake
/// that trusts any certificate (the server must still prove it holds the key), sends no HTTP
/// request, and returns what the server presented, within `timeout` (`None`: no limit).
pub fn peer_certificate(
    url: &str,
    proxy: &ProxySettings,
    timeout: Option<Duration>,
) -> Result<PeerCertificate> {
    let base = BaseUrl::parse(url)?;
    if base.scheme() != Scheme::Https {
        return Err(Error::invalid_arg(
            "url",
            "a server's certificate is learned from an https:// URL",
        ));
    }
    let deadline = timeout.map(|t| Instant::now() + t);
    let left = || deadline.map(|d| d.saturating_duration_since(Instant::now()));
    let host = base.host().trim_start_matches('[').trim_end_matches(']');
    let proxy = proxy.select(true, base.host(), base.port())?;
    let (hop_host, hop_port) = match &proxy {
        Some(p) => (p.host(), p.port()),
        None => (host, base.port()),
    };
    let addrs: Vec<_> = (hop_host, hop_port)
        .to_socket_addrs()
        .map_err(|e| {
            Error::exchange(
                ErrorKind::Connect,
                Phase::Resolve,
                format!("host {hop_host} not found: {e}"),
            )
        })?
        .take(16)
        .collect();
    let connect_failure = |e: ureq::Error| crate::transport::failure_at(e, Phase::Connect);
    let mut stream = crate::socket::open(&addrs, left()).map_err(|e| match &proxy {
        Some(p) => connect_failure(p.unreachable(&e).into()),
        None => connect_failure(e),
    })?;
    let limit = |stream: &std::net::TcpStream| -> Result<()> {
        let t = left();
        if t.is_some_and(|t| t.is_zero()) {
            return Err(Error::exchange(
                ErrorKind::Timeout,
                Phase::Tls,
                "no progress in the TLS handshake",
            ));
        }
        stream
            .set_read_timeout(t)
            .and_then(|()| stream.set_write_timeout(t))
            .map_err(|e| crate::transport::io_failure(e, Phase::Connect))
    };
    limit(&stream)?;
    if let Some(p) = &proxy {
        p.tunnel(&mut stream, base.host(), base.port())
            .map_err(|f| connect_failure(f.into()))?;
    }
    let recorder = Arc::new(Verifier {
        verify: false,
        given: Arc::new(Given::default()),
        pins: None,
        provider: Arc::clone(&PROVIDER),
        seen: Some(parking_lot::Mutex::new(None)),
    });
    let name = super::connector::server_name(base.host())
        .map_err(|e| crate::transport::failure_at(e, Phase::Tls))?;
    let mut conn = ClientConnection::new(client_config(recorder.clone()), name.clone())
        .map_err(|e| Error::exchange(ErrorKind::Tls, Phase::Tls, e.to_string()))?;
    while conn.is_handshaking() {
        limit(&stream)?;
        conn.complete_io(&mut stream)
            .map_err(|e| crate::transport::io_failure(e, Phase::Tls))?;
    }
    conn.send_close_notify();
    let _ = conn.complete_io(&mut stream);
    let Some((chain, now)) = recorder.seen.as_ref().and_then(|s| s.lock().take()) else {
        return Err(Error::exchange(
            ErrorKind::Tls,
            Phase::Tls,
            "the server presented no certificate",
        ));
    };
    let info = CertInfo::parse(&chain[0]).ok_or_else(|| {
        Error::exchange(
            ErrorKind::Tls,
            Phase::Tls,
            "the server's certificate cannot be parsed",
        )
    })?;
    let verified = verify::check(&chain[0], &info, &chain[1..], &name, now, &Given::default());
    Ok(PeerCertificate {
        pin: info.pin.clone(),
        subject: info.subject.clone(),
        issuer: info.issuer.clone(),
        not_before: format_time(info.not_before),
        not_after: format_time(info.not_after),
        names: info.names().to_vec(),
        is_ca: info.is_ca,
        der: chain[0].as_ref().to_vec(),
        chain_len: chain.len(),
        verified,
    })
}
