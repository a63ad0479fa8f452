//! Proxies: which one a client uses, and the two handshakes that open a tunnel through one.
//!
//! **Which proxy.** A client has one origin, so the choice is made once, when its connection
//! pool is made (at build, or when a setting changes), by [`ProxySettings::select`]:
//! - an explicit proxy URL, or `""` for none; otherwise the environment, with requests'
//!   precedence: lower-case before upper-case, `https_proxy` for an https origin,
//!   `http_proxy` for an http one, `all_proxy` as the fallback. Upper-case `HTTP_PROXY` is
//!   ignored when `REQUEST_METHOD` is set (a CGI script, where a request's `Proxy:` header
//!   arrives as `HTTP_PROXY`: the "httpoxy" guard of Python's urllib and of curl);
//! - the bypass list (`no_proxy`, else `NO_PROXY`, unless one is set explicitly), read as
//!   requests and curl read it: comma-separated, spaces trimmed; `*` alone matches every
//!   host; `example.com` and `.example.com` match the name and its subdomains; an IP address
//!   matches itself, `10.0.0.0/8` (IPv4 or IPv6 CIDR) the addresses within; `host:port` only
//!   that port. It applies to explicit proxies too, as in curl.
//!
//! **Tunnels.** The socket layer connects to the proxy and calls [`Proxy::tunnel`] before
//! anything else is sent; TLS, when the origin is https, runs inside the tunnel, so the
//! session token never travels outside it.
//! - `http://[user:pass@]host[:port]`: an HTTP `CONNECT` (Basic credentials, percent-decoded,
//!   sent only to the proxy). Plain-http origins are tunnelled too (curl's
//!   `--proxytunnel`), so every request of a client takes the same path.
//! - `socks5://` (the client resolves the name, the first address is used) and `socks5h://`
//!   (the proxy resolves it, as with `ssh -D`), with username/password authentication.
//!
//! A port left out is 1080, as in curl. A proxy's credentials never appear in a message: a
//! proxy is shown as `scheme://host:port`.

use std::io::{self, Read, Write};
use std::net::{IpAddr, ToSocketAddrs};

use crate::error::{Error, ErrorKind, Result};
use crate::secret::Secret;

/// How a proxy is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyKind {
    /// An HTTP proxy, through `CONNECT`.
    Http,
    /// SOCKS5, the client resolving the target's name.
    Socks5,
    /// SOCKS5, the proxy resolving the target's name.
    Socks5h,
}

impl ProxyKind {
    fn scheme(self) -> &'static str {
        match self {
            ProxyKind::Http => "http",
            ProxyKind::Socks5 => "socks5",
            ProxyKind::Socks5h => "socks5h",
        }
    }
}

/// A proxy to tunnel through.
#[derive(Clone)]
pub struct Proxy {
    kind: ProxyKind,
    host: String,
    port: u16,
    auth: Option<(Secret, Secret)>,
    /// `scheme://host:port`, without credentials: how the proxy is named in messages.
    shown: String,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy")
            .field("url", &self.shown)
            .field("has_credentials", &self.auth.is_some())
            .finish()
    }
}

/// The default port of a proxy URL that names none (curl's).
pub const DEFAULT_PROXY_PORT: u16 = 1080;

impl Proxy {
    /// Parses `[scheme://][user[:password]@]host[:port][/]`; the scheme defaults to `http`.
    pub fn parse(url: &str) -> Result<Proxy> {
        let bad = |why: &str| Error::invalid_arg("proxy", format!("bad proxy URL: {why}"));
        let url = url.trim();
        let (scheme, rest) = match url.split_once("://") {
            Some((s, r)) => (s.to_ascii_lowercase(), r),
            None => ("http".to_string(), url),
        };
        let kind = match scheme.as_str() {
            "http" => ProxyKind::Http,
            "socks5" => ProxyKind::Socks5,
            "socks5h" => ProxyKind::Socks5h,
            "https" => {
                return Err(bad(
                    "https:// proxies (TLS to the proxy) are not supported; use http://",
                ))
            }
            other => {
                return Err(bad(&format!(
                    "the scheme {other:?} is not supported (http, socks5 or socks5h)"
                )))
            }
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let (host, port) = split_host_port(hostport).ok_or_else(|| bad("bad port"))?;
        if host.is_empty()
            || !host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._:".contains(c))
        {
            return Err(bad("no valid host"));
        }
        let auth = match userinfo {
            None => None,
            Some(u) => {
                let (user, pass) = u.split_once(':').unwrap_or((u, ""));
                let decode = |s: &str| {
                    percent_decode(s).ok_or_else(|| bad("bad percent-encoding in the credentials"))
                };
                Some((Secret::new(decode(user)?), Secret::new(decode(pass)?)))
            }
        };
        let port = port.unwrap_or(DEFAULT_PROXY_PORT);
        let host = host.to_ascii_lowercase();
        let host_shown = if host.contains(':') {
            format!("[{host}]")
        } else {
            host.to_string()
        };
        Ok(Proxy {
            kind,
            shown: format!("{}://{host_shown}:{port}", kind.scheme()),
            host,
            port,
            auth,
        })
    }

    /// How the proxy is reached.
    pub fn kind(&self) -> ProxyKind {
        self.kind
    }

    /// The proxy's host (an IPv6 address without brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The proxy's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `scheme://host:port`: the proxy without its credentials.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// Opens a tunnel to `host:port` over a connection to the proxy, within the socket's
    /// time limits. `host` may be an IPv6 address in brackets.
    pub(crate) fn tunnel(
        &self,
        stream: &mut (impl Read + Write),
        host: &str,
        port: u16,
    ) -> std::result::Result<(), ProxyFailure> {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        match self.kind {
            ProxyKind::Http => self.connect(stream, bare, port),
            ProxyKind::Socks5 | ProxyKind::Socks5h => self.socks5(stream, bare, port),
        }
    }

    /// An HTTP `CONNECT host:port`, expecting a 2xx.
    fn connect(
        &self,
        stream: &mut (impl Read + Write),
        host: &str,
        port: u16,
    ) -> std::result::Result<(), ProxyFailure> {
        use base64::Engine;
        let target = if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        let mut head = format!(
            "CONNECT {target} HTTP/1.1\r\nHost: {target}\r\nUser-Agent: {}\r\n",
            crate::transport::USER_AGENT
        );
        if let Some((user, pass)) = &self.auth {
            let mut pair = String::with_capacity(user.expose().len() + pass.expose().len() + 1);
            pair.push_str(user.expose());
            pair.push(':');
            pair.push_str(pass.expose());
            let encoded = Secret::new(base64::engine::general_purpose::STANDARD.encode(&pair));
            drop(Secret::new(pair));
            head.push_str("Proxy-Authorization: Basic ");
            head.push_str(encoded.expose());
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        let sent = stream.write_all(head.as_bytes());
        drop(Secret::new(head));
        sent.map_err(|e| self.io_failure(e))?;

        // Read the answer's head; nothing may follow it before the client speaks.
        let mut buf = Vec::with_capacity(512);
        let mut chunk = [0u8; 512];
        let (status, reason) = loop {
            let n = read_some(stream, &mut chunk).map_err(|e| self.io_failure(e))?;
            if n == 0 {
                return Err(self.fail(
                    ErrorKind::Connect,
                    "closed the connection instead of answering CONNECT".into(),
                ));
            }
            buf.extend_from_slice(&chunk[..n]);
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut resp = httparse::Response::new(&mut headers);
            match resp.parse(&buf) {
                Ok(httparse::Status::Complete(len)) => {
                    let status = resp.code.unwrap_or(0);
                    let reason = resp.reason.unwrap_or("").to_string();
                    if (200..300).contains(&status) && len != buf.len() {
                        return Err(self.fail(
                            ErrorKind::Connect,
                            "sent data after its answer to CONNECT".into(),
                        ));
                    }
                    break (status, reason);
                }
                Ok(httparse::Status::Partial) if buf.len() < 16 * 1024 => continue,
                _ => {
                    return Err(self.fail(
                        ErrorKind::Connect,
                        "did not answer CONNECT with HTTP".into(),
                    ))
                }
            }
        };
        match status {
            200..=299 => Ok(()),
            // 407 is the standard answer; tinyproxy answers 401 to wrong credentials.
            401 | 407 => Err(self
                .fail(
                    ErrorKind::Connect,
                    if self.auth.is_some() {
                        format!("refused the credentials of its URL ({status} {reason})")
                    } else {
                        format!(
                            "requires credentials ({status} {reason}): give them in the \
                             proxy URL, http://user:password@host:port"
                        )
                    },
                )
                .permanent()),
            403 => Err(self
                .fail(
                    ErrorKind::Connect,
                    format!("refused to tunnel to {target} ({status} {reason})"),
                )
                .permanent()),
            _ => Err(self.fail(
                ErrorKind::Connect,
                format!("could not tunnel to {target} ({status} {reason})"),
            )),
        }
    }

    /// A SOCKS5 CONNECT (RFC 1928), with username/password authentication (RFC 1929) when
    /// the URL carries credentials.
    fn socks5(
        &self,
        stream: &mut (impl Read + Write),
        host: &str,
        port: u16,
    ) -> std::result::Result<(), ProxyFailure> {
        let io = |e| self.io_failure(e);
        let methods: &[u8] = if self.auth.is_some() {
            &[5, 2, 0, 2]
        } else {
            &[5, 1, 0]
        };
        stream.write_all(methods).map_err(io)?;
        let mut choice = [0u8; 2];
        read_exact(stream, &mut choice).map_err(io)?;
        if choice[0] != 5 {
            return Err(self.fail(ErrorKind::Connect, "does not speak SOCKS5".into()));
        }
        match (choice[1], &self.auth) {
            (0, _) => {}
            (2, Some((user, pass))) => {
                let (u, p) = (user.expose().as_bytes(), pass.expose().as_bytes());
                if u.len() > 255 || p.len() > 255 {
                    return Err(self
                        .fail(
                            ErrorKind::InvalidArgument,
                            "SOCKS5 user names and passwords are at most 255 bytes".into(),
                        )
                        .permanent());
                }
                let mut msg = Vec::with_capacity(3 + u.len() + p.len());
                msg.push(1);
                msg.push(u.len() as u8);
                msg.extend_from_slice(u);
                msg.push(p.len() as u8);
                msg.extend_from_slice(p);
                let sent = stream.write_all(&msg);
                msg.iter_mut().for_each(|b| *b = 0);
                sent.map_err(io)?;
                let mut verdict = [0u8; 2];
                read_exact(stream, &mut verdict).map_err(io)?;
                if verdict[1] != 0 {
                    return Err(self
                        .fail(
                            ErrorKind::Connect,
                            "refused the credentials of its URL (SOCKS5 authentication failed)"
                                .into(),
                        )
                        .permanent());
                }
            }
            (0xFF, None) | (2, None) => {
                return Err(self
                    .fail(
                        ErrorKind::Connect,
                        "requires credentials (SOCKS5): give them in the proxy URL, \
                         socks5h://user:password@host:port"
                            .into(),
                    )
                    .permanent())
            }
            _ => {
                return Err(self
                    .fail(
                        ErrorKind::Connect,
                        "accepts none of the authentication methods offered".into(),
                    )
                    .permanent())
            }
        }
        let mut req = vec![5, 1, 0];
        let addr = match host.parse::<IpAddr>() {
            Ok(ip) => Some(ip),
            Err(_) if self.kind == ProxyKind::Socks5 => {
                let resolved = (host, port)
                    .to_socket_addrs()
                    .ok()
                    .and_then(|mut a| a.next())
                    .ok_or_else(|| {
                        ProxyFailure::new(
                            ErrorKind::Connect,
                            format!("host {host} not found (socks5 resolves names locally; socks5h lets the proxy resolve them)"),
                        )
                    })?;
                Some(resolved.ip())
            }
            Err(_) => None,
        };
        match addr {
            Some(IpAddr::V4(ip)) => {
                req.push(1);
                req.extend_from_slice(&ip.octets());
            }
            Some(IpAddr::V6(ip)) => {
                req.push(4);
                req.extend_from_slice(&ip.octets());
            }
            None => {
                if host.len() > 255 {
                    return Err(self
                        .fail(
                            ErrorKind::InvalidArgument,
                            "the host name is too long".into(),
                        )
                        .permanent());
                }
                req.push(3);
                req.push(host.len() as u8);
                req.extend_from_slice(host.as_bytes());
            }
        }
        req.extend_from_slice(&port.to_be_bytes());
        stream.write_all(&req).map_err(io)?;
        let mut reply = [0u8; 4];
        read_exact(stream, &mut reply).map_err(io)?;
        if reply[0] != 5 {
            return Err(self.fail(ErrorKind::Connect, "does not speak SOCKS5".into()));
        }
        if reply[1] != 0 {
            let why = match reply[1] {
                1 => "general failure",
                2 => "not allowed by its rules",
                3 => "network unreachable",
                4 => "host unreachable",
                5 => "connection refused",
                6 => "TTL expired",
                7 => "command not supported",
                8 => "address type not supported",
                _ => "unknown error",
            };
            let failure = self.fail(
                ErrorKind::Connect,
                format!("could not connect to {host}:{port} ({why})"),
            );
            return Err(if reply[1] == 2 {
                failure.permanent()
            } else {
                failure
            });
        }
        // The bound address, unused.
        let rest = match reply[3] {
            1 => 4 + 2,
            4 => 16 + 2,
            3 => {
                let mut len = [0u8; 1];
                read_exact(stream, &mut len).map_err(io)?;
                usize::from(len[0]) + 2
            }
            _ => return Err(self.fail(ErrorKind::Connect, "sent a bad SOCKS5 reply".into())),
        };
        let mut skip = vec![0u8; rest];
        read_exact(stream, &mut skip).map_err(io)?;
        Ok(())
    }

    fn fail(&self, kind: ErrorKind, what: String) -> ProxyFailure {
        ProxyFailure::new(kind, format!("the proxy {} {what}", self.shown))
    }

    fn io_failure(&self, e: io::Error) -> ProxyFailure {
        if crate::interrupt::is_io_interrupt(&e) {
            return ProxyFailure::new(
                ErrorKind::Interrupted,
                "the call was interrupted during the proxy's handshake".into(),
            )
            .permanent();
        }
        match e.kind() {
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => self.fail(
                ErrorKind::Timeout,
                "did not answer within the connect timeout".into(),
            ),
            io::ErrorKind::UnexpectedEof => self.fail(
                ErrorKind::Connect,
                "closed the connection during its handshake".into(),
            ),
            _ => self.fail(
                ErrorKind::Connect,
                format!("failed during its handshake: {e}"),
            ),
        }
    }

    /// The failure of connecting to the proxy itself.
    pub(crate) fn unreachable(&self, e: &ureq::Error) -> ProxyFailure {
        match e {
            ureq::Error::Timeout(_) => ProxyFailure::new(
                ErrorKind::Timeout,
                format!(
                    "could not connect to the proxy {} within the connect timeout",
                    self.shown
                ),
            ),
            ureq::Error::Io(io) => ProxyFailure::new(
                ErrorKind::Connect,
                format!("could not connect to the proxy {}: {io}", self.shown),
            ),
            other => ProxyFailure::new(
                ErrorKind::Connect,
                format!("could not connect to the proxy {}: {other}", self.shown),
            ),
        }
    }
}

/// A proxy that could not be used: carried inside the transport's I/O error to
/// `transport::failure`, which makes it an [`Error`] of phase `connect`.
#[derive(Debug, Clone)]
pub(crate) struct ProxyFailure {
    pub kind: ErrorKind,
    pub message: String,
    /// Repeating cannot help (credentials or access refused).
    pub permanent: bool,
}

impl ProxyFailure {
    fn new(kind: ErrorKind, message: String) -> Self {
        ProxyFailure {
            kind,
            message,
            permanent: false,
        }
    }

    fn permanent(mut self) -> Self {
        self.permanent = true;
        self
    }
}

impl std::fmt::Display for ProxyFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ProxyFailure {}

impl From<ProxyFailure> for ureq::Error {
    fn from(f: ProxyFailure) -> Self {
        ureq::Error::Io(io::Error::other(f))
    }
}

fn read_some(stream: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match stream.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

fn read_exact(stream: &mut impl Read, buf: &mut [u8]) -> io::Result<()> {
    stream.read_exact(buf)
}

/// Splits `host[:port]` or `[v6][:port]`; a bare IPv6 address has no port. `None`: a port
/// that is not a number.
fn split_host_port(s: &str) -> Option<(&str, Option<u16>)> {
    let port = |p: &str| p.parse::<u16>().ok().filter(|&n| n > 0);
    if let Some(v6) = s.strip_prefix('[') {
        let (host, tail) = v6.split_once(']')?;
        return match tail.strip_prefix(':') {
            None if tail.is_empty() => Some((host, None)),
            Some(p) => Some((host, Some(port(p)?))),
            None => None,
        };
    }
    match s.matches(':').count() {
        1 => {
            let (h, p) = s.split_once(':')?;
            Some((h, Some(port(p)?)))
        }
        _ => Some((s, None)),
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Where a client's proxy comes from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProxySettings {
    /// `None`: from the environment; `Some("")`: never; `Some(url)`: that proxy.
    proxy: Option<String>,
    /// `None`: from the environment (`no_proxy`, `NO_PROXY`); `Some(list)`: that list.
    no_proxy: Option<String>,
}

impl ProxySettings {
    /// From the environment, the default.
    pub fn from_env() -> Self {
        Self::default()
    }

    /// `None`: from the environment (the default); `Some("")`: never a proxy; `Some(url)`:
    /// that proxy (checked here).
    pub fn set_proxy(&mut self, url: Option<&str>) -> Result<&mut Self> {
        if let Some(u) = url.map(str::trim).filter(|u| !u.is_empty()) {
            Proxy::parse(u)?;
        }
        self.proxy = url.map(|u| u.trim().to_string());
        Ok(self)
    }

    /// The hosts reached without a proxy: `None` reads `no_proxy`/`NO_PROXY` (the default);
    /// `Some(list)` replaces them (`Some("")`: no host is exempt).
    pub fn set_no_proxy(&mut self, list: Option<&str>) -> &mut Self {
        self.no_proxy = list.map(str::to_string);
        self
    }

    /// The proxy for an origin, if one applies (see the [module](self) documentation).
    pub fn select(&self, https: bool, host: &str, port: u16) -> Result<Option<Proxy>> {
        self.select_in(https, host, port, &|name| std::env::var(name).ok())
    }

    /// [`select`](Self::select) with the environment given as a lookup.
    fn select_in(
        &self,
        https: bool,
        host: &str,
        port: u16,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<Proxy>> {
        let (url, source) = match self.proxy.as_deref() {
            Some("") => return Ok(None),
            Some(url) => (url.to_string(), "the proxy setting".to_string()),
            None => match env_proxy(https, env) {
                Some((name, value)) => (value, format!("${name}")),
                None => return Ok(None),
            },
        };
        let bypass = match &self.no_proxy {
            Some(list) => bypassed(list, host, port),
            None => env_var(env, &["no_proxy", "NO_PROXY"])
                .is_some_and(|(_, list)| bypassed(&list, host, port)),
        };
        if bypass {
            return Ok(None);
        }
        Proxy::parse(&url)
            .map(Some)
            .map_err(|e| Error::invalid_arg("proxy", format!("{} (from {source})", e.message())))
    }
}

/// The first of some environment variables that is set and not blank.
fn env_var(
    env: &dyn Fn(&str) -> Option<String>,
    names: &[&'static str],
) -> Option<(&'static str, String)> {
    names.iter().find_map(|&name| {
        let value = env(name)?;
        (!value.trim().is_empty()).then_some((name, value))
    })
}

/// The environment's proxy for an https or http origin (see the module documentation).
fn env_proxy(https: bool, env: &dyn Fn(&str) -> Option<String>) -> Option<(&'static str, String)> {
    let cgi = env("REQUEST_METHOD").is_some();
    let scheme: &[&'static str] = match (https, cgi) {
        (true, _) => &["https_proxy", "HTTPS_PROXY"],
        (false, false) => &["http_proxy", "HTTP_PROXY"],
        (false, true) => &["http_proxy"],
    };
    env_var(env, scheme).or_else(|| env_var(env, &["all_proxy", "ALL_PROXY"]))
}

/// Whether `host:port` is in a bypass list (see the module documentation).
pub(crate) fn bypassed(list: &str, host: &str, port: u16) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let host = host.trim_end_matches('.');
    let ip = host.parse::<IpAddr>().ok();
    list.split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            if let Some((net, bits)) = entry.split_once('/') {
                let net = net.trim_start_matches('[').trim_end_matches(']');
                return match (ip, net.parse::<IpAddr>(), bits.parse::<u8>()) {
                    (Some(ip), Ok(net), Ok(bits)) => in_network(ip, net, bits),
                    _ => false,
                };
            }
            let Some((name, entry_port)) = split_host_port(entry) else {
                return false;
            };
            if entry_port.is_some_and(|p| p != port) {
                return false;
            }
            match (ip, name.parse::<IpAddr>()) {
                (Some(a), Ok(b)) => a == b,
                (None, Err(_)) => {
                    let name = name.trim_start_matches("*.").trim_start_matches('.');
                    let name = name.trim_end_matches('.');
                    !name.is_empty()
                        && (host.eq_ignore_ascii_case(name)
                            || (host.len() > name.len()
                                && host.as_bytes()[host.len() - name.len() - 1] == b'.'
                                && host[host.len() - name.len()..].eq_ignore_ascii_case(name)))
                }
                _ => false,
            }
        })
}

fn in_network(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) if bits <= 32 => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) if bits <= 128 => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_urls() {
        let p = Proxy::parse("http://us%40er:p%3Ass@Proxy.example:3128/").unwrap();
        assert_eq!(p.kind(), ProxyKind::Http);
        assert_eq!((p.host(), p.port()), ("proxy.example", 3128));
        assert_eq!(p.shown(), "http://proxy.example:3128");
        let (u, pw) = p.auth.as_ref().unwrap();
        assert_eq!((u.expose(), pw.expose()), ("us@er", "p:ss"));
        assert!(!format!("{p:?}").contains("p:ss"));
        let p = Proxy::parse("proxy:8080").unwrap();
        assert_eq!((p.kind(), p.port()), (ProxyKind::Http, 8080));
        let p = Proxy::parse("socks5h://[::1]").unwrap();
        assert_eq!(
            (p.kind(), p.host(), p.port()),
            (ProxyKind::Socks5h, "::1", 1080)
        );
        assert_eq!(p.shown(), "socks5h://[::1]:1080");
        assert_eq!(
            Proxy::parse("SOCKS5://h:1").unwrap().kind(),
            ProxyKind::Socks5
        );
        for bad in [
            "https://h:1",
            "socks4://h:1",
            "http://h:x",
            "http://",
            "http://h:0",
            "ftp://h",
        ] {
            let e = Proxy::parse(bad).unwrap_err();
            assert_eq!(e.argument(), Some("proxy"), "{bad}");
            assert!(!e.message().contains("secret"));
        }
        let e = Proxy::parse("http://u:secret@h:x").unwrap_err();
        assert!(!e.to_string().contains("secret"), "{e}");
    }

    #[test]
    fn bypass_lists() {
        let l = "localhost, .corp.example ,example.com,10.0.0.0/8, 192.168.1.7 ,host:8443,[::1],fd00::/8";
        assert!(bypassed(l, "localhost", 443));
        assert!(bypassed(l, "dci.corp.example", 443));
        assert!(bypassed(l, "corp.example", 443));
        assert!(bypassed(l, "EXAMPLE.com", 443));
        assert!(bypassed(l, "dci.example.com", 443));
        assert!(!bypassed(l, "badexample.com", 443));
        assert!(bypassed(l, "10.1.2.3", 443));
        assert!(!bypassed(l, "11.1.2.3", 443));
        assert!(bypassed(l, "192.168.1.7", 443));
        assert!(bypassed(l, "host", 8443));
        assert!(!bypassed(l, "host", 443));
        assert!(bypassed(l, "[::1]", 443));
        assert!(bypassed(l, "[fd12::5]", 443));
        assert!(!bypassed(l, "[fe80::1]", 443));
        assert!(bypassed("*", "anything", 1));
        assert!(!bypassed("", "anything", 1));
        assert!(!bypassed("*.example.com", "example.org", 1));
        assert!(bypassed("*.example.com", "a.example.com", 1));
    }

    #[test]
    fn explicit_choices() {
        let mut s = ProxySettings::from_env();
        s.set_proxy(Some("")).unwrap();
        assert!(s.select(true, "h", 443).unwrap().is_none());
        s.set_proxy(Some("http://p:1")).unwrap();
        s.set_no_proxy(Some("h"));
        assert!(s.select(true, "h", 443).unwrap().is_none());
        assert_eq!(
            s.select(true, "y", 443).unwrap().unwrap().shown(),
            "http://p:1"
        );
        s.set_no_proxy(Some(""));
        assert!(s.select(true, "h", 443).unwrap().is_some());
        assert!(s.set_proxy(Some("gopher://p")).is_err());
    }

    #[test]
    fn environment_precedence() {
        let select = |vars: &[(&str, &str)], https: bool, host: &str| {
            let vars: Vec<(String, String)> = vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            let env =
                move |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
            ProxySettings::from_env()
                .select_in(https, host, 443, &env)
                .unwrap()
                .map(|p| p.shown().to_string())
        };
        let s = |x: &str| Some(x.to_string());
        assert_eq!(select(&[], true, "h"), None);
        assert_eq!(
            select(&[("HTTPS_PROXY", "u:1"), ("https_proxy", "l:1")], true, "h"),
            s("http://l:1")
        );
        assert_eq!(
            select(&[("HTTPS_PROXY", "u:1"), ("https_proxy", " ")], true, "h"),
            s("http://u:1")
        );
        assert_eq!(
            select(
                &[("http_proxy", "h:1"), ("all_proxy", "socks5h://a:1")],
                true,
                "h"
            ),
            s("socks5h://a:1")
        );
        assert_eq!(
            select(&[("ALL_PROXY", "socks5://a:2")], false, "h"),
            s("socks5://a:2")
        );
        assert_eq!(
            select(&[("HTTP_PROXY", "u:1")], false, "h"),
            s("http://u:1")
        );
        // httpoxy: a CGI request's "Proxy:" header arrives as HTTP_PROXY.
        assert_eq!(
            select(
                &[("HTTP_PROXY", "evil:1"), ("REQUEST_METHOD", "GET")],
                false,
                "h"
            ),
            None
        );
        assert_eq!(
            select(&[("https_proxy", "p:1"), ("NO_PROXY", "h")], true, "h"),
            None
        );
        assert_eq!(
            select(
                &[("https_proxy", "p:1"), ("no_proxy", "x"), ("NO_PROXY", "h")],
                true,
                "h"
            ),
            s("http://p:1")
        );
        let env = |name: &str| (name == "https_proxy").then(|| "ftp://x".to_string());
        let e = ProxySettings::from_env()
            .select_in(true, "h", 443, &env)
            .unwrap_err();
        assert!(e.message().contains("$https_proxy"), "{e}");
    }
}
