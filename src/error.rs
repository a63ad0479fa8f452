//! The one error model of the library.
//!
//! Every failure is an [`Error`]; [`Error::kind`] gives its [`ErrorKind`], which maps one to
//! one onto the C ABI's `dci_status` and onto each binding's exception classes. Messages are
//! written for humans and never contain a token, password or key: text that comes from the
//! server goes through [`scrub`](crate::secret::scrub) first.

use std::fmt;

/// The platform's error code for "Unauthorized" (no session, or an expired one).
pub const CODE_UNAUTHORIZED: i64 = 3001;

/// How long a body excerpt kept in an error may be, in bytes.
pub const EXCERPT_LEN: usize = 200;

/// The kind of an [`Error`]: what a caller branches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The caller passed something unusable (a bad URL, a path to another origin, a token
    /// with a line break, malformed JSON to send...). Nothing was sent.
    InvalidArgument,
    /// The connection could not be made, or broke.
    Connect,
    /// The request did not complete within its time budget.
    Timeout,
    /// The TLS handshake failed (untrusted certificate, wrong host name...).
    Tls,
    /// An HTTP error status without the platform's error body (e.g. an HTML 502 from a proxy).
    Http,
    /// The platform answered with its error body `{"error":{"code","msg","value"}}`.
    Api,
    /// The platform refused the session (HTTP 401 or error code 3001): a kind of API error.
    Unauthorized,
    /// Every allowed retry was used and the platform still answered a retryable status.
    RetriesExhausted,
    /// A success answer whose body is not the JSON expected, or is too large.
    Decode,
}

impl ErrorKind {
    /// A stable lower-case name, e.g. `"retries_exhausted"`.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::InvalidArgument => "invalid_argument",
            ErrorKind::Connect => "connect",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Tls => "tls",
            ErrorKind::Http => "http",
            ErrorKind::Api => "api",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::RetriesExhausted => "retries_exhausted",
            ErrorKind::Decode => "decode",
        }
    }
}

/// The platform's error body, with the HTTP status it came with.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status of the answer.
    pub status: u16,
    /// The platform's `error.code` (e.g. 3001), 0 when the answer had no code.
    pub code: i64,
    /// The platform's `error.msg`, scrubbed of secrets.
    pub msg: String,
    /// The platform's `error.value` (`null` when absent).
    pub value: serde_json::Value,
}

/// A failed call. See [`ErrorKind`] for what each kind means.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// See [`ErrorKind::InvalidArgument`].
    InvalidArgument(String),
    /// See [`ErrorKind::Connect`].
    Connect(String),
    /// See [`ErrorKind::Timeout`].
    Timeout(String),
    /// See [`ErrorKind::Tls`].
    Tls(String),
    /// See [`ErrorKind::Http`]. `excerpt` is the start of the body, scrubbed of secrets.
    Http {
        /// HTTP status.
        status: u16,
        /// At most [`EXCERPT_LEN`] bytes of the body.
        excerpt: String,
    },
    /// See [`ErrorKind::Api`].
    Api(ApiError),
    /// See [`ErrorKind::Unauthorized`].
    Unauthorized(ApiError),
    /// See [`ErrorKind::RetriesExhausted`].
    RetriesExhausted {
        /// Requests sent in all, the first one included.
        attempts: u32,
        /// Status of the last answer; `None` when the last attempt got no answer.
        last_status: Option<u16>,
        /// Why the retrying stopped, for humans.
        reason: String,
    },
    /// See [`ErrorKind::Decode`].
    Decode {
        /// What was wrong.
        message: String,
        /// The start of the body, scrubbed of secrets.
        excerpt: String,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The error's kind.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidArgument(_) => ErrorKind::InvalidArgument,
            Error::Connect(_) => ErrorKind::Connect,
            Error::Timeout(_) => ErrorKind::Timeout,
            Error::Tls(_) => ErrorKind::Tls,
            Error::Http { .. } => ErrorKind::Http,
            Error::Api(_) => ErrorKind::Api,
            Error::Unauthorized(_) => ErrorKind::Unauthorized,
            Error::RetriesExhausted { .. } => ErrorKind::RetriesExhausted,
            Error::Decode { .. } => ErrorKind::Decode,
        }
    }

    /// The platform's error body, for [`Error::Api`] and [`Error::Unauthorized`].
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) | Error::Unauthorized(e) => Some(e),
            _ => None,
        }
    }

    /// The platform's `error.code`, or 0.
    pub fn api_code(&self) -> i64 {
        self.api().map_or(0, |e| e.code)
    }

    /// The HTTP status of the answer behind this error, or `None` when no answer arrived.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Error::Api(e) | Error::Unauthorized(e) => Some(e.status),
            Error::Http { status, .. } => Some(*status),
            Error::RetriesExhausted { last_status, .. } => *last_status,
            _ => None,
        }
    }

    pub(crate) fn invalid(msg: impl Into<String>) -> Self {
        Error::InvalidArgument(msg.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidArgument(m) => write!(f, "invalid argument: {m}"),
            Error::Connect(m) => write!(f, "connection failed: {m}"),
            Error::Timeout(m) => write!(f, "timed out: {m}"),
            Error::Tls(m) => write!(f, "TLS error: {m}"),
            Error::Http { status, excerpt } => {
                write!(f, "HTTP {status} without an API error body")?;
                if !excerpt.is_empty() {
                    write!(f, ": {excerpt:?}")?;
                }
                Ok(())
            }
            Error::Api(e) => write!(f, "API error {} (HTTP {}): {}", e.code, e.status, e.msg),
            Error::Unauthorized(e) => {
                write!(
                    f,
                    "unauthorized: API error {} (HTTP {}): {}",
                    e.code, e.status, e.msg
                )
            }
            Error::RetriesExhausted {
                attempts,
                last_status,
                reason,
            } => {
                write!(f, "gave up after {attempts} attempts")?;
                if let Some(s) = last_status {
                    write!(f, ", last answer HTTP {s}")?;
                }
                write!(f, " ({reason})")
            }
            Error::Decode { message, excerpt } => {
                write!(f, "bad response body: {message}")?;
                if !excerpt.is_empty() {
                    write!(f, "; body starts {excerpt:?}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for Error {}

/// How long the platform's own message may be in an error, in bytes.
pub const MESSAGE_LEN: usize = 500;

/// Cuts a message from the server to [`MESSAGE_LEN`] bytes (at a character boundary), so a
/// hostile server cannot make error texts arbitrarily large.
pub(crate) fn shorten(mut msg: String) -> String {
    if msg.len() > MESSAGE_LEN {
        let mut cut = MESSAGE_LEN;
        while !msg.is_char_boundary(cut) {
            cut -= 1;
        }
        msg.truncate(cut);
        msg.push('…');
    }
    msg
}

/// The first [`EXCERPT_LEN`] bytes of a body as text (cut at a character boundary), scrubbed.
pub(crate) fn excerpt(body: &[u8], known_secrets: &[&str]) -> String {
    let cut = &body[..body.len().min(EXCERPT_LEN)];
    let text = String::from_utf8_lossy(cut);
    let text = text.trim_end_matches('\u{fffd}');
    crate::secret::scrub(text.trim(), known_secrets)
}

/// Reads the platform's error envelope `{"error":{"code","msg","value"}}` out of a body.
/// Returns `None` when the body is not such an envelope. `code` may be a number or a numeric
/// string; `msg` may be missing.
pub fn parse_error_body(body: &[u8]) -> Option<(i64, String, serde_json::Value)> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let err = v.as_object()?.get("error")?.as_object()?;
    let code = match err.get("code") {
        Some(serde_json::Value::Number(n)) => n.as_i64().unwrap_or(0),
        Some(serde_json::Value::String(s)) => s.trim().parse().unwrap_or(0),
        _ => 0,
    };
    let msg = match err.get("msg").or_else(|| err.get("message")) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) if !other.is_null() => other.to_string(),
        _ => String::new(),
    };
    let value = err.get("value").cloned().unwrap_or(serde_json::Value::Null);
    Some((code, msg, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_envelope() {
        let (code, msg, value) =
            parse_error_body(br#"{"error":{"code":3001,"msg":"Unauthorized"}}"#).unwrap();
        assert_eq!(
            (code, msg.as_str(), value),
            (3001, "Unauthorized", serde_json::Value::Null)
        );
        let (code, _, value) =
            parse_error_body(br#"{"error":{"code":"1106","msg":"x","value":{"a":1}}}"#).unwrap();
        assert_eq!(code, 1106);
        assert_eq!(value["a"], 1);
    }

    #[test]
    fn non_envelopes_are_none() {
        for body in [
            &b"<html>502</html>"[..],
            b"{}",
            b"[1]",
            b"{\"error\":\"x\"}",
            b"",
        ] {
            assert!(parse_error_body(body).is_none());
        }
    }

    #[test]
    fn excerpt_is_short_and_scrubbed() {
        let body = format!("{{\"token\":\"abc\",\"pad\":\"{}\"}}", "x".repeat(500));
        let e = excerpt(body.as_bytes(), &[]);
        assert!(e.len() <= EXCERPT_LEN + 16);
        assert!(!e.contains("abc"));
    }

    #[test]
    fn long_messages_are_cut() {
        assert_eq!(shorten("short".into()), "short");
        let long = shorten("é".repeat(400));
        assert!(long.len() <= MESSAGE_LEN + 3 && long.ends_with('…'));
    }

    #[test]
    fn accessors() {
        let e = Error::Unauthorized(ApiError {
            status: 401,
            code: 3001,
            msg: "Unauthorized".into(),
            value: serde_json::Value::Null,
        });
        assert_eq!(e.kind(), ErrorKind::Unauthorized);
        assert_eq!((e.api_code(), e.http_status()), (3001, Some(401)));
        assert_eq!(Error::Timeout("x".into()).http_status(), None);
    }
}
