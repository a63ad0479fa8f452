//! The one error model of the library.
//!
//! Every failure is an [`Error`]: a [`kind`](Error::kind) (what a caller branches on, mapped
//! one to one onto the C ABI's `dci_status` and each binding's exception classes), a message
//! for humans, and **facts** a binding maps without reading text:
//!
//! | fact | accessor | meaning |
//! |---|---|---|
//! | phase | [`Error::phase`] | where an exchange without an answer stopped: resolve, connect, TLS, send, wait, read |
//! | request | [`Error::method`], [`Error::url`] | the request that failed: its method, and its URL (query included, secrets redacted) |
//! | request sent | [`Error::request_sent`] | whether the server may have seen the request |
//! | attempts | [`Error::attempts`] | attempts made for the call, retries included — connection attempts that failed count too |
//! | HTTP status | [`Error::http_status`] | the status of the answer behind the error |
//! | API error | [`Error::api`] | the platform's `{"error":{"code","msg","value"}}` |
//! | body | [`Error::body_excerpt`] | the start of a body that was not what was expected |
//! | argument | [`Error::argument`] | the argument refused, for [`ErrorKind::InvalidArgument`] |
//! | TLS pin | [`Error::tls_pin`] | for a refused certificate: the pin (`sha256//...`) of the key the server presented |
//!
//! plus [`std::error::Error::source`] for the underlying I/O, TLS or JSON error.
//!
//! What an answer means is decided here, by [`classify`]. Messages and facts never contain
//! a token, password or key: every text or value from the server goes through
//! [`Secrets`](crate::secret::Secrets) first (see [`Error::redact`]).

use std::fmt;
use std::sync::Arc;

use crate::secret::Secrets;

/// The platform's error code for "Unauthorized" (no session, or an expired one).
pub const CODE_UNAUTHORIZED: i64 = 3001;

/// How long a body excerpt kept in an error may be, in bytes.
pub const EXCERPT_LEN: usize = 200;

/// How long the platform's own message may be in an error, in bytes.
pub const MESSAGE_LEN: usize = 500;

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
    /// The call was interrupted while it waited ([`Client::interrupt`](crate::Client::interrupt),
    /// or a check installed by a binding, such as Python's Ctrl-C). Not retried.
    Interrupted,
}

impl ErrorKind {
    /// Every kind, in the order of the C ABI's `dci_status` values (1..=9, then 11: 10 is
    /// the C ABI's own `DCI_ERROR_PANIC`).
    pub const ALL: [ErrorKind; 10] = [
        ErrorKind::InvalidArgument,
        ErrorKind::Connect,
        ErrorKind::Timeout,
        ErrorKind::Tls,
        ErrorKind::Http,
        ErrorKind::Api,
        ErrorKind::Unauthorized,
        ErrorKind::RetriesExhausted,
        ErrorKind::Decode,
        ErrorKind::Interrupted,
    ];

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
            ErrorKind::Interrupted => "interrupted",
        }
    }
}

/// Where an HTTP exchange stopped when it failed without an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Phase {
    /// Looking up the host name. Nothing was sent.
    Resolve,
    /// Opening the TCP connection. Nothing was sent.
    Connect,
    /// The TLS handshake. Nothing was sent.
    Tls,
    /// Writing the request; the server may have seen part of it or all of it.
    Send,
    /// Waiting for the answer after the request was written.
    Wait,
    /// Reading the answer after its first bytes arrived.
    Read,
}

impl Phase {
    /// Every phase, in the order of the C ABI's `dci_phase` values (1..=6).
    pub const ALL: [Phase; 6] = [
        Phase::Resolve,
        Phase::Connect,
        Phase::Tls,
        Phase::Send,
        Phase::Wait,
        Phase::Read,
    ];

    /// A stable lower-case name, e.g. `"connect"`.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Resolve => "resolve",
            Phase::Connect => "connect",
            Phase::Tls => "tls",
            Phase::Send => "send",
            Phase::Wait => "wait",
            Phase::Read => "read",
        }
    }

    /// Whether the server may have seen the request when the exchange stopped here.
    pub fn request_may_be_sent(self) -> bool {
        self >= Phase::Send
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
    /// The platform's `error.value` (`null` when absent), scrubbed of secrets.
    pub value: serde_json::Value,
}

/// The underlying error, if any: I/O, TLS or JSON (never one that could carry a URL).
type Source = Arc<dyn std::error::Error + Send + Sync + 'static>;

/// A failed call: its [`kind`](Error::kind), a message, and the facts listed in the
/// [module documentation](self). One pointer wide: the facts live in a box, so a `Result`
/// costs nothing more on the success path.
#[derive(Clone)]
pub struct Error(Box<Inner>);

#[derive(Clone)]
struct Inner {
    kind: ErrorKind,
    /// What happened, for humans (no kind prefix; for API and HTTP errors, empty: the
    /// `Display` is built from the facts).
    message: String,
    phase: Option<Phase>,
    sent: bool,
    attempts: u32,
    status: Option<u16>,
    api: Option<ApiError>,
    excerpt: String,
    argument: Option<&'static str>,
    /// The presented key's pin, for a refused certificate.
    tls_pin: Option<String>,
    /// Repeating cannot help (a proxy refused the credentials or the destination).
    permanent: bool,
    /// The request that failed, when the error left a call.
    request: Option<Box<RequestName>>,
    source: Option<Source>,
}

/// The request an error belongs to (see [`Error::method`], [`Error::url`]).
#[derive(Clone, PartialEq)]
struct RequestName {
    method: String,
    /// The path and query, as sent (secrets redacted), or the path as given when no URL
    /// could be made of it.
    target: String,
    /// The full URL, when one could be made.
    url: Option<String>,
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error of a kind with a message and no facts (for tests and mocks; the library's
    /// own errors carry their facts).
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error(Box::new(Inner {
            kind,
            message: message.into(),
            phase: None,
            sent: false,
            attempts: 0,
            status: None,
            api: None,
            excerpt: String::new(),
            argument: None,
            tls_pin: None,
            permanent: false,
            request: None,
            source: None,
        }))
    }

    /// An unusable argument, without naming it.
    pub(crate) fn invalid(msg: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidArgument, msg)
    }

    /// An unusable argument, naming it (`"header"`, `"url"`, `"path"`, `"ca_file"`...).
    pub(crate) fn invalid_arg(argument: &'static str, msg: impl Into<String>) -> Self {
        let mut e = Self::invalid(msg);
        e.0.argument = Some(argument);
        e
    }

    /// Names the argument an [`ErrorKind::InvalidArgument`] is about, unless already named.
    pub(crate) fn about(mut self, argument: &'static str) -> Self {
        if self.0.kind == ErrorKind::InvalidArgument && self.0.argument.is_none() {
            self.0.argument = Some(argument);
        }
        self
    }

    /// A failure of the exchange without an answer, in a phase.
    pub(crate) fn exchange(kind: ErrorKind, phase: Phase, msg: impl Into<String>) -> Self {
        let mut e = Self::new(kind, msg);
        e.0.phase = Some(phase);
        e.0.sent = phase.request_may_be_sent();
        e
    }

    /// A success answer that is not what was expected (`excerpt`: the start of its body,
    /// already scrubbed).
    pub(crate) fn decode(msg: impl Into<String>, excerpt: String) -> Self {
        let mut e = Self::new(ErrorKind::Decode, msg);
        e.0.excerpt = excerpt;
        e.0.sent = true;
        e
    }

    /// Adds the underlying error.
    pub(crate) fn with_source(
        mut self,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        self.0.source = Some(Arc::new(source));
        self
    }

    /// Sets the pin of the key a refused certificate carries.
    pub(crate) fn with_tls_pin(mut self, pin: Option<String>) -> Self {
        self.0.tls_pin = pin;
        self
    }

    /// Marks a failure that repeating cannot mend (the retry loop gives up at once).
    pub(crate) fn permanent(mut self) -> Self {
        self.0.permanent = true;
        self
    }

    /// Whether repeating the request cannot help (see [`permanent`](Self::permanent)).
    pub(crate) fn is_permanent(&self) -> bool {
        self.0.permanent
    }

    /// Sets the HTTP status of the answer behind this error.
    pub(crate) fn with_status(mut self, status: u16) -> Self {
        self.0.status = Some(status);
        self.0.sent = true;
        self
    }

    /// Sets how many requests were sent for the call; `any_sent`: whether any of them may
    /// have reached the server.
    pub(crate) fn with_attempts(mut self, attempts: u32, any_sent: bool) -> Self {
        self.0.attempts = attempts;
        self.0.sent |= any_sent;
        self
    }

    /// The error's kind.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// What happened, without the kind's prefix (for API and HTTP errors: the platform's
    /// message or the body's start, as in the `Display`).
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// Where the exchange stopped, for a failure without an answer (`None` when an answer
    /// arrived, or nothing was attempted).
    pub fn phase(&self) -> Option<Phase> {
        self.0.phase
    }

    /// Whether the server may have seen the request (in part or in full). `false` means it
    /// certainly did not: nothing was sent, or only the connection failed.
    pub fn request_sent(&self) -> bool {
        self.0.sent
    }

    /// Attempts made for the call, retries included: each request sent, and each attempt to
    /// connect that failed (0 when nothing was tried, as for an invalid argument).
    pub fn attempts(&self) -> u32 {
        self.0.attempts
    }

    /// The HTTP status of the answer behind this error, or `None` when no answer arrived.
    pub fn http_status(&self) -> Option<u16> {
        self.0.status
    }

    /// The platform's error body, for [`ErrorKind::Api`] and [`ErrorKind::Unauthorized`].
    pub fn api(&self) -> Option<&ApiError> {
        self.0.api.as_ref()
    }

    /// The platform's `error.code`, or 0.
    pub fn api_code(&self) -> i64 {
        self.0.api.as_ref().map_or(0, |e| e.code)
    }

    /// The start of a body that was not what was expected (an HTML page, JSON that does not
    /// parse), scrubbed of secrets; empty when none.
    pub fn body_excerpt(&self) -> &str {
        &self.0.excerpt
    }

    /// For [`ErrorKind::InvalidArgument`]: the argument refused, when known (`"url"`,
    /// `"path"`, `"header"`, `"body"`, `"token"`, `"ca_file"`, `"method"`...).
    pub fn argument(&self) -> Option<&'static str> {
        self.0.argument
    }

    /// The method of the request that failed (`"GET"`...), for errors of a call.
    pub fn method(&self) -> Option<&str> {
        self.0
            .request
            .as_ref()
            .map(|r| r.method.as_str())
            .filter(|m| !m.is_empty())
    }

    /// The URL of the request that failed (`https://dci.example.com/api/dci/v3/server/9`,
    /// query included), with secrets redacted — a token in the path too — or `None` when
    /// the path given could not be made into a URL (see the message).
    pub fn url(&self) -> Option<&str> {
        self.0.request.as_ref().and_then(|r| r.url.as_deref())
    }

    /// Names the request the error belongs to: its method, its target (path and query) and
    /// its URL, all scrubbed by the caller.
    pub(crate) fn for_request(mut self, method: &str, target: String, url: Option<String>) -> Self {
        self.0.request = Some(Box::new(RequestName {
            method: method.to_string(),
            target,
            url,
        }));
        self
    }

    /// For a TLS error about the server's certificate: the pin (curl's `sha256//<base64>`)
    /// of the key the server presented, so that a user can compare it out of band and pin
    /// it. `None` for other errors.
    pub fn tls_pin(&self) -> Option<&str> {
        self.0.tls_pin.as_deref()
    }

    /// Replaces every secret (and every value of a JSON key named `token`, `key`,
    /// `password` or `ses6`) in what came from the server: the API message and value, and
    /// the excerpt. The message is the library's own words, which hold no secret by
    /// construction (server text quoted in one, a redirect's `Location`, is scrubbed where it
    /// is quoted). Every error handed to a caller has been through this.
    pub(crate) fn redact(mut self, secrets: &Secrets) -> Self {
        self.0.excerpt = secrets.scrub(&self.0.excerpt);
        if let Some(api) = &mut self.0.api {
            api.msg = shorten(secrets.scrub(&api.msg));
            secrets.scrub_value(&mut api.value);
        }
        self
    }

    /// The same error with the note "(after N attempts)" added, for failures without an
    /// answer that were retried.
    pub(crate) fn note_attempts(mut self) -> Self {
        if self.0.attempts > 1 && self.0.status.is_none() && !self.0.message.is_empty() {
            self.0.message = format!("{} (after {})", self.0.message, attempts(self.0.attempts));
        }
        self
    }
}

impl PartialEq for Error {
    /// Errors are equal when their kind, message and facts are (the source is not compared).
    fn eq(&self, o: &Self) -> bool {
        (
            self.0.kind,
            &self.0.message,
            self.0.phase,
            self.0.sent,
            self.0.attempts,
            self.0.status,
        ) == (
            o.0.kind,
            &o.0.message,
            o.0.phase,
            o.0.sent,
            o.0.attempts,
            o.0.status,
        ) && (
            &self.0.api,
            &self.0.excerpt,
            self.0.argument,
            &self.0.tls_pin,
            &self.0.request,
        ) == (
            &o.0.api,
            &o.0.excerpt,
            o.0.argument,
            &o.0.tls_pin,
            &o.0.request,
        )
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.0.kind)
            .field("message", &self.0.message)
            .field("phase", &self.0.phase)
            .field("request_sent", &self.0.sent)
            .field("attempts", &self.0.attempts)
            .field("http_status", &self.0.status)
            .field("api", &self.0.api)
            .field("argument", &self.0.argument)
            .field("tls_pin", &self.0.tls_pin)
            .field("method", &self.method())
            .field("url", &self.url())
            .finish()
    }
}

impl fmt::Display for Error {
    /// `METHOD /path?query: ` (the request, when known), then what happened.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0.request {
            Some(r) if r.method.is_empty() => write!(f, "{}: ", r.target)?,
            Some(r) => write!(f, "{} {}: ", r.method, r.target)?,
            None => {}
        }
        let m = &self.0.message;
        match self.0.kind {
            ErrorKind::InvalidArgument => write!(f, "invalid argument: {m}"),
            ErrorKind::Connect => write!(f, "connection failed: {m}"),
            ErrorKind::Timeout => write!(f, "timed out: {m}"),
            ErrorKind::Tls => write!(f, "TLS error: {m}"),
            ErrorKind::Http => {
                let status = self.0.status.unwrap_or(0);
                write!(f, "HTTP {status} without an API error body")?;
                if !m.is_empty() {
                    write!(f, ": {m}")?;
                } else if !self.0.excerpt.is_empty() {
                    write!(f, ": {:?}", self.0.excerpt)?;
                }
                Ok(())
            }
            ErrorKind::Api | ErrorKind::Unauthorized => {
                if self.0.kind == ErrorKind::Unauthorized {
                    f.write_str("unauthorized: ")?;
                }
                match &self.0.api {
                    Some(e) => write!(f, "API error {} (HTTP {}): {}", e.code, e.status, e.msg),
                    None => f.write_str(m),
                }
            }
            ErrorKind::Interrupted => write!(f, "interrupted: {m}"),
            ErrorKind::RetriesExhausted => {
                write!(f, "gave up after {}", attempts(self.0.attempts))?;
                if let Some(s) = self.0.status {
                    write!(f, ", last answer HTTP {s}")?;
                }
                write!(f, " ({m})")
            }
            ErrorKind::Decode => {
                write!(f, "bad response body: {m}")?;
                if !self.0.excerpt.is_empty() {
                    write!(f, "; body starts {:?}", self.0.excerpt)?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0
            .source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

/// "1 attempt", "2 attempts".
pub(crate) fn attempts(n: u32) -> String {
    if n == 1 {
        "1 attempt".to_string()
    } else {
        format!("{n} attempts")
    }
}

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
pub(crate) fn excerpt(body: &[u8], secrets: &Secrets) -> String {
    // Scrubbed before it is cut, so that a secret cut in half cannot survive as a prefix.
    let text = String::from_utf8_lossy(&body[..body.len().min(EXCERPT_LEN * 4)]);
    let scrubbed = secrets.scrub(text.trim());
    let mut cut = scrubbed.len().min(EXCERPT_LEN);
    while !scrubbed.is_char_boundary(cut) {
        cut -= 1;
    }
    scrubbed[..cut].trim_end_matches('\u{fffd}').to_owned()
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

/// What [`classify`] needs to know of an answer.
pub(crate) struct Answer<'a> {
    pub status: u16,
    pub location: Option<&'a str>,
    pub body: &'a [u8],
    pub attempts: u32,
    /// A retryable status returned because no retry was left.
    pub exhausted: bool,
    /// Retries stopped because the next wait (`Retry-After`: `true`) would pass the budget.
    pub budget_wait: Option<(std::time::Duration, bool)>,
}

/// Whether an answer is a success (2xx, and not a retryable status that ran out of retries).
pub(crate) fn is_success(status: u16, exhausted: bool) -> bool {
    (200..300).contains(&status) && !exhausted
}

/// Whether the platform refused the session: HTTP 401, or error code 3001 in an error body.
pub(crate) fn is_unauthorized(status: u16, body: &[u8]) -> bool {
    status == 401
        || (!(200..300).contains(&status)
            && parse_error_body(body).is_some_and(|(c, _, _)| c == CODE_UNAUTHORIZED))
}

/// The error an answer means, or `None` for a success: the one place where statuses and
/// bodies become errors.
///
/// - a retryable status with no retry left → [`ErrorKind::RetriesExhausted`];
/// - a redirect → [`ErrorKind::Http`] (redirects are never followed);
/// - the platform's error body → [`ErrorKind::Unauthorized`] for HTTP 401 or code 3001, else
///   [`ErrorKind::Api`];
/// - HTTP 401 without it → [`ErrorKind::Unauthorized`] (code 0, the body's start as msg);
/// - any other error status → [`ErrorKind::Http`] with the body's start.
pub(crate) fn classify(a: &Answer<'_>, secrets: &Secrets) -> Option<Error> {
    if is_success(a.status, a.exhausted) {
        return None;
    }
    let mut e = if a.exhausted {
        let why = match a.budget_wait {
            Some((wait, true)) => format!(
                "the platform answered HTTP {} and asked for a wait of {:.1} s (Retry-After) \
                 that would pass the call's time budget",
                a.status,
                wait.as_secs_f64()
            ),
            Some((wait, false)) => format!(
                "the platform kept answering HTTP {}; the next retry, after {:.2} s, would pass \
                 the call's time budget",
                a.status,
                wait.as_secs_f64()
            ),
            None => format!("the platform kept answering HTTP {}", a.status),
        };
        Error::new(ErrorKind::RetriesExhausted, why)
    } else if (300..400).contains(&a.status) {
        let location = secrets.scrub(a.location.unwrap_or(""));
        Error::new(
            ErrorKind::Http,
            format!("redirect to {location:?} not followed: the token stays with its origin"),
        )
    } else if let Some((code, msg, value)) = parse_error_body(a.body) {
        let kind = if a.status == 401 || code == CODE_UNAUTHORIZED {
            ErrorKind::Unauthorized
        } else {
            ErrorKind::Api
        };
        let mut e = Error::new(kind, "");
        e.0.api = Some(ApiError {
            status: a.status,
            code,
            msg,
            value,
        });
        e
    } else if a.status == 401 {
        let mut e = Error::new(ErrorKind::Unauthorized, "");
        e.0.api = Some(ApiError {
            status: 401,
            code: 0,
            msg: excerpt(a.body, secrets),
            value: serde_json::Value::Null,
        });
        e
    } else {
        let mut e = Error::new(ErrorKind::Http, "");
        e.0.excerpt = excerpt(a.body, secrets);
        e
    };
    e.0.status = Some(a.status);
    e.0.sent = true;
    e.0.attempts = a.attempts;
    Some(e.redact(secrets))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secrets;

    fn answer(status: u16, body: &[u8]) -> Answer<'_> {
        Answer {
            status,
            location: None,
            body,
            attempts: 1,
            exhausted: false,
            budget_wait: None,
        }
    }

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
        let e = excerpt(body.as_bytes(), &Secrets::none());
        assert!(e.len() <= EXCERPT_LEN);
        assert!(!e.contains("abc"));
    }

    #[test]
    fn a_secret_cut_by_the_excerpt_does_not_survive() {
        let secret = "hunter2-hunter2-hunter2";
        let body = format!("{}{secret}", "x".repeat(EXCERPT_LEN - 5));
        let e = excerpt(body.as_bytes(), &Secrets::of(&[secret]));
        assert!(!e.contains("hunte"), "{e}");
    }

    #[test]
    fn long_messages_are_cut() {
        assert_eq!(shorten("short".into()), "short");
        let long = shorten("é".repeat(400));
        assert!(long.len() <= MESSAGE_LEN + 3 && long.ends_with('…'));
    }

    #[test]
    fn classification() {
        let none = Secrets::none();
        assert!(classify(&answer(200, b"{}"), &none).is_none());
        let e = classify(
            &answer(401, br#"{"error":{"code":3001,"msg":"Unauthorized"}}"#),
            &none,
        )
        .unwrap();
        assert_eq!(e.kind(), ErrorKind::Unauthorized);
        assert_eq!((e.api_code(), e.http_status()), (3001, Some(401)));
        assert!(e.request_sent() && e.phase().is_none() && e.attempts() == 1);
        let e = classify(&answer(502, b"<html>bad gateway</html>"), &none).unwrap();
        assert_eq!(
            (e.kind(), e.body_excerpt()),
            (ErrorKind::Http, "<html>bad gateway</html>")
        );
        let e = classify(
            &Answer {
                exhausted: true,
                attempts: 4,
                ..answer(503, b"")
            },
            &none,
        )
        .unwrap();
        assert_eq!(e.kind(), ErrorKind::RetriesExhausted);
        assert_eq!(
            e.to_string(),
            "gave up after 4 attempts, last answer HTTP 503 (the platform kept answering HTTP 503)"
        );
        assert_eq!(Error::new(ErrorKind::Timeout, "x").http_status(), None);
    }

    #[test]
    fn phases_tell_whether_the_request_went_out() {
        for p in Phase::ALL {
            let e = Error::exchange(ErrorKind::Connect, p, "x");
            assert_eq!(e.request_sent(), p >= Phase::Send, "{p:?}");
            assert_eq!(e.phase(), Some(p));
        }
    }
}
