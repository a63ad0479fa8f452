//! Paths, URLs and percent-encoding.
//!
//! A client has one origin (`scheme://host:port`), taken from its base URL. Paths given to the
//! client are turned into URLs here, and only here:
//! - `"dci/v3/server/2"` → `{origin}/api/dci/v3/server/2`;
//! - `"/auth/key-v4/…"` (a leading `/`) → `{origin}/auth/key-v4/…`, from the host root;
//! - a full URL is accepted only when its scheme, host and port are the client's own, so the
//!   token is never sent to another origin.

use ureq::http::uri::{Authority, PathAndQuery, Scheme as UriScheme};
use ureq::http::{HeaderValue, Uri};

use crate::error::{Error, Result};

/// The scheme of a base URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// Plain HTTP (for tests and local emulators).
    Http,
    /// HTTPS.
    Https,
}

impl Scheme {
    fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

/// A parsed base URL: `https://host[:port]`, with or without a trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    scheme: Scheme,
    host: String,
    port: u16,
    origin: String,
    /// The parts every request URI shares, made once: cloning them is a reference count.
    uri_scheme: UriScheme,
    authority: Authority,
    /// The `Host` header (`host` or `host:port` when the port is not the scheme's default).
    host_header: HeaderValue,
}

struct Parsed<'a> {
    scheme: Scheme,
    host: String,
    port: u16,
    rest: &'a str,
}

fn parse_absolute(url: &str) -> Result<Parsed<'_>> {
    let (scheme, after) = split_scheme(url)
        .ok_or_else(|| Error::invalid("the URL must start with https:// or http://"))?;
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let (authority, rest) = after.split_at(end);
    if authority.contains('@') {
        return Err(Error::invalid(
            "the URL must not carry a user name or password: log in with login()",
        ));
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let close = v6
            .find(']')
            .ok_or_else(|| Error::invalid("unterminated IPv6 address in the URL"))?;
        let (inside, tail) = (&v6[..close], &v6[close + 1..]);
        if inside.is_empty()
            || !inside
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
        {
            return Err(Error::invalid("bad IPv6 address in the URL"));
        }
        (
            format!("[{}]", inside.to_ascii_lowercase()),
            parse_port(tail)?,
        )
    } else {
        let (h, tail) = match authority.rfind(':') {
            Some(i) => (&authority[..i], &authority[i..]),
            None => (authority, ""),
        };
        if h.is_empty()
            || !h
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_')
        {
            return Err(Error::invalid("the URL has no valid host name"));
        }
        (h.to_ascii_lowercase(), parse_port(tail)?)
    };
    Ok(Parsed {
        scheme,
        host,
        port: port.unwrap_or(scheme.default_port()),
        rest,
    })
}

fn split_scheme(url: &str) -> Option<(Scheme, &str)> {
    let starts = |prefix: &str| {
        url.get(..prefix.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
    };
    if starts("https://") {
        Some((Scheme::Https, &url[8..]))
    } else if starts("http://") {
        Some((Scheme::Http, &url[7..]))
    } else {
        None
    }
}

fn parse_port(tail: &str) -> Result<Option<u16>> {
    match tail.strip_prefix(':') {
        None if tail.is_empty() => Ok(None),
        None => Err(Error::invalid("unexpected text after the host in the URL")),
        Some("") => Ok(None),
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 && p.bytes().all(|b| b.is_ascii_digit()) => Ok(Some(n)),
            _ => Err(Error::invalid(
                "the URL's port must be a number from 1 to 65535",
            )),
        },
    }
}

impl BaseUrl {
    /// Parses `https://host[:port]` (or `http://`), with or without one trailing `/`.
    /// A path, query, fragment or user name in it is refused.
    pub fn parse(url: &str) -> Result<Self> {
        Self::parse_base(url.trim()).map_err(|e| e.about("url"))
    }

    fn parse_base(url: &str) -> Result<Self> {
        let p = parse_absolute(url)?;
        if !(p.rest.is_empty() || p.rest == "/") {
            return Err(Error::invalid(
                "the base URL must be https://host[:port] only; paths go to each call \
                 (\"dci/v3/server\" is sent to /api/dci/v3/server)",
            ));
        }
        let host_port = if p.port == p.scheme.default_port() {
            p.host.clone()
        } else {
            format!("{}:{}", p.host, p.port)
        };
        let origin = format!("{}://{host_port}", p.scheme.as_str());
        let bad = |_| Error::invalid("the URL has no valid host name");
        Ok(BaseUrl {
            scheme: p.scheme,
            uri_scheme: match p.scheme {
                Scheme::Http => UriScheme::HTTP,
                Scheme::Https => UriScheme::HTTPS,
            },
            authority: Authority::from_maybe_shared(host_port.clone().into_bytes()).map_err(bad)?,
            host_header: HeaderValue::from_str(&host_port)
                .map_err(|_| Error::invalid("the URL has no valid host name"))?,
            host: p.host,
            port: p.port,
            origin,
        })
    }

    /// `scheme://host[:port]`, without a trailing slash (default ports are left out).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The scheme.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The host, lower-cased (IPv6 addresses in brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port, explicit or the scheme's default.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Turns a path (or a same-origin URL) into the full URL to request. See the module docs.
    pub fn join(&self, path: &str) -> Result<String> {
        let target = self.target(path)?;
        let mut url = String::with_capacity(self.origin.len() + target.len());
        url.push_str(&self.origin);
        url.push_str(&target);
        Ok(url)
    }

    /// The request target for a path (or a same-origin URL): the part after the origin,
    /// starting with `/`, e.g. `/api/dci/v3/server/2`.
    pub fn target(&self, path: &str) -> Result<String> {
        let mut out = String::with_capacity(path.len() + 5);
        self.target_into(path, &mut out)?;
        Ok(out)
    }

    /// [`target`](Self::target), appended to `out`.
    pub(crate) fn target_into(&self, path: &str, out: &mut String) -> Result<()> {
        self.target_checked(path, out).map_err(|e| e.about("path"))
    }

    /// The URI of a request target from [`target`](Self::target) (with its query): the
    /// scheme and authority are shared, made once per client.
    pub(crate) fn uri(&self, target: String) -> Result<Uri> {
        let mut parts = ureq::http::uri::Parts::default();
        parts.scheme = Some(self.uri_scheme.clone());
        parts.authority = Some(self.authority.clone());
        parts.path_and_query = Some(
            // Bytes, not Vec: taken as it is, without a copy.
            PathAndQuery::from_maybe_shared(bytes::Bytes::from(target.into_bytes()))
                .map_err(|e| Error::invalid_arg("path", format!("bad path: {e}")))?,
        );
        Uri::from_parts(parts).map_err(|e| Error::invalid_arg("path", format!("bad URL: {e}")))
    }

    /// The `Host` header of every request.
    pub(crate) fn host_header(&self) -> &HeaderValue {
        &self.host_header
    }

    fn target_checked(&self, path: &str, url: &mut String) -> Result<()> {
        if path.is_empty() {
            return Err(Error::invalid("empty path"));
        }
        let target: &str = if split_scheme(path).is_some() {
            let p = parse_absolute(path)?;
            if p.scheme != self.scheme || p.host != self.host || p.port != self.port {
                return Err(Error::invalid(format!(
                    "refusing to send the session token to another origin ({}://{}:{}); \
                     this client talks only to {}",
                    p.scheme.as_str(),
                    p.host,
                    p.port,
                    self.origin
                )));
            }
            if p.rest.is_empty() {
                "/"
            } else {
                p.rest
            }
        } else if path.contains("://") {
            return Err(Error::invalid(
                "only https:// and http:// URLs are accepted",
            ));
        } else {
            path
        };
        if !target.starts_with('/') {
            url.push_str("/api/");
        }
        push_checked(url, target)
    }
}

/// The request URIs one client used last (the same paths come back: polling, paging through
/// the same list...), so that a repeated request makes no URI: a hit costs a few reference
/// counts. Requests that carry a secret in their path (a logout's token) are not kept.
#[derive(Debug, Default)]
pub(crate) struct UriCache {
    recent: parking_lot::RwLock<std::collections::VecDeque<(Box<str>, Uri)>>,
}

/// How many URIs a client keeps.
const URI_CACHE_LEN: usize = 16;

impl UriCache {
    /// The URI of a request target of `base`; `keep`: whether it may be kept.
    pub(crate) fn uri(&self, base: &BaseUrl, target: &str, keep: bool) -> Result<Uri> {
        if let Some((_, uri)) = self.recent.read().iter().find(|(t, _)| **t == *target) {
            return Ok(uri.clone());
        }
        let uri = base.uri(target.to_owned())?;
        if keep {
            let mut recent = self.recent.write();
            if recent.len() == URI_CACHE_LEN {
                recent.pop_front();
            }
            recent.push_back((target.into(), uri.clone()));
        }
        Ok(uri)
    }
}

/// Appends a path (with its query) to `url`: control characters, spaces and `#` are refused,
/// non-ASCII characters are percent-encoded as UTF-8.
fn push_checked(url: &mut String, target: &str) -> Result<()> {
    // The common path is printable ASCII with nothing to refuse or encode: one pass, one copy.
    if target.bytes().all(|b| b > 0x20 && b < 0x7f && b != b'#') {
        url.push_str(target);
        return Ok(());
    }
    for c in target.chars() {
        match c {
            '\0'..='\x20' | '\x7f' => {
                return Err(Error::invalid(
                    "the path contains a space or a control character (CR, LF...); \
                     encode query values with encode_component()",
                ))
            }
            '#' => return Err(Error::invalid("the path must not contain a fragment ('#')")),
            c if c.is_ascii() => url.push(c),
            c => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    push_pct(url, b);
                }
            }
        }
    }
    Ok(())
}

fn push_pct(out: &mut String, b: u8) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push('%');
    out.push(HEX[(b >> 4) as usize] as char);
    out.push(HEX[(b & 15) as usize] as char);
}

/// The target (path and query as sent, with secrets redacted: those of `secrets`, and a token
/// or key in the path) and the URL of a request, for the errors that name it.
pub(crate) fn request_label(
    origin: &str,
    target: &str,
    secrets: &crate::secret::Secrets,
) -> (String, String) {
    let target = secrets.scrub(&redact_secret_segments(target));
    let url = format!("{origin}{target}");
    (target, url)
}

/// Path segments that carry a secret: the token of `auth/v4/token/<token>` (deleting a
/// token) and the key of `auth/key-v4/<key>` (a key's login link).
const SECRET_SEGMENTS_AFTER: [&str; 2] = ["auth/v4/token/", "auth/key-v4/"];

/// A path (or target) with the secret its segments may carry replaced by `[redacted]` (see
/// [`SECRET_SEGMENTS_AFTER`]), for the texts that name a request.
pub(crate) fn redact_secret_segments(target: &str) -> String {
    let mut out = target.to_string();
    for prefix in SECRET_SEGMENTS_AFTER {
        if let Some(at) = out.find(prefix) {
            let start = at + prefix.len();
            let end = out[start..]
                .find(['/', '?', '#'])
                .map_or(out.len(), |i| start + i);
            if end > start {
                out.replace_range(start..end, crate::secret::REDACTED);
            }
        }
    }
    out
}

/// Percent-encodes everything but RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`),
/// so the result is safe as one path segment or one query value: `+`, `(`, `)`, `'`, `@`,
/// `/`, spaces and non-ASCII characters all survive the trip to the server.
///
/// ```
/// assert_eq!(dcimanager::encode_component("a+b (c)'@"), "a%2Bb%20%28c%29%27%40");
/// ```
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            push_pct(&mut out, b);
        }
    }
    out
}

/// Appends `key=value` pairs, each encoded with [`encode_component`], to a URL or path.
pub fn append_query<'a>(url: &mut String, pairs: impl IntoIterator<Item = (&'a str, &'a str)>) {
    for (k, v) in pairs {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(&encode_component(k));
        url.push('=');
        url.push_str(&encode_component(v));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(s: &str) -> BaseUrl {
        BaseUrl::parse(s).unwrap()
    }

    #[test]
    fn base_forms() {
        assert_eq!(
            base("https://dci.example.com").origin(),
            "https://dci.example.com"
        );
        assert_eq!(
            base("https://dci.example.com/").origin(),
            "https://dci.example.com"
        );
        assert_eq!(
            base("HTTPS://DCI.example.com:443/").origin(),
            "https://dci.example.com"
        );
        assert_eq!(
            base("http://127.0.0.1:8080").origin(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(base("https://[::1]:9443/").origin(), "https://[::1]:9443");
        for bad in [
            "dci.example.com",
            "ftp://x",
            "https://",
            "https://x/api",
            "https://x?a=1",
            "https://u:p@x",
            "https://x:0",
            "https://x:99999",
            "https://x y",
            "https://[::1",
        ] {
            assert!(BaseUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn join_rules() {
        let b = base("https://dci.example.com:8443/");
        assert_eq!(
            b.join("dci/v3/server/2").unwrap(),
            "https://dci.example.com:8443/api/dci/v3/server/2"
        );
        assert_eq!(
            b.join("/auth/key-v4/k").unwrap(),
            "https://dci.example.com:8443/auth/key-v4/k"
        );
        assert_eq!(
            b.join("https://DCI.example.com:8443/api/x?y=1").unwrap(),
            "https://dci.example.com:8443/api/x?y=1"
        );
        assert_eq!(
            b.join("https://dci.example.com:8443").unwrap(),
            "https://dci.example.com:8443/"
        );
        assert_eq!(
            b.join("dci/ü").unwrap(),
            "https://dci.example.com:8443/api/dci/%C3%BC"
        );
    }

    #[test]
    fn join_refuses_other_origins_and_bad_text() {
        let b = base("https://dci.example.com");
        for other in [
            "https://evil.example.com/api/x",
            "http://dci.example.com/api/x",
            "https://dci.example.com:444/api/x",
            "https://dci.example.com.evil.org/api/x",
            "ftp://dci.example.com/x",
        ] {
            let e = b.join(other).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidArgument, "{other}");
        }
        for bad in ["", "a b", "a\r\nX-Evil: 1", "a\tb", "a#frag"] {
            assert!(b.join(bad).is_err(), "{bad:?}");
        }
        assert!(b.join("https://dci.example.com:443/x").is_ok());
    }

    #[test]
    fn encoding() {
        assert_eq!(
            encode_component("client@example.com"),
            "client%40example.com"
        );
        let mut u = String::from("dci/v3/server");
        append_query(&mut u, [("where", "a EQ 'x+y'"), ("limit", "0,10")]);
        assert_eq!(u, "dci/v3/server?where=a%20EQ%20%27x%2By%27&limit=0%2C10");
    }
}
