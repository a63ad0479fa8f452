//! [`Response`]: an HTTP answer from the platform, whatever its status, and what it means
//! ([`Response::error`], decided by [`error::classify`](crate::error)).

use std::borrow::Cow;
use std::sync::Arc;

use serde_json::Value;
use ureq::http::{HeaderMap, Method, Uri};

use crate::error::{self, excerpt, Answer, Error, Result};
use crate::secret::{Secret, Secrets};
use crate::session::Session;

/// An HTTP answer from the platform, whatever its status.
pub struct Response {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    body: Vec<u8>,
    /// Whether `body` ends with a NUL byte added for C (not part of the body).
    nul: bool,
    pub(crate) attempts: u32,
    pub(crate) exhausted: bool,
    /// When retries stopped because the next wait would pass the time budget (retry.rs).
    pub(crate) budget_wait: Option<(std::time::Duration, bool)>,
    /// The session the request was sent with: its token and password are scrubbed from
    /// every error this answer means.
    pub(crate) session: Arc<Session>,
    /// Secrets the request itself carried (a password being tried, a key).
    pub(crate) carried: Option<Arc<[Secret]>>,
    /// The request's method and URI, for the errors this answer means (made into text only
    /// then: cloning them costs reference counts).
    pub(crate) request: Option<(Method, Uri)>,
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("body_len", &self.body().len())
            .field("attempts", &self.attempts)
            .finish()
    }
}

impl Response {
    pub(crate) fn new(
        status: u16,
        headers: HeaderMap,
        body: Vec<u8>,
        session: Arc<Session>,
    ) -> Response {
        Response {
            status,
            headers,
            body,
            nul: false,
            attempts: 1,
            exhausted: false,
            budget_wait: None,
            session,
            carried: None,
            request: None,
        }
    }

    /// A response built by hand (for tests, mocks and fuzzing): this status and body, no
    /// headers, one attempt.
    pub fn from_parts(status: u16, body: Vec<u8>) -> Response {
        Self::new(status, HeaderMap::new(), body, Arc::default())
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The body's bytes.
    pub fn body(&self) -> &[u8] {
        &self.body[..self.body.len() - usize::from(self.nul)]
    }

    /// Takes the body out.
    pub fn into_body(self) -> Vec<u8> {
        let mut this = self;
        if this.nul {
            this.body.pop();
        }
        std::mem::take(&mut this.body)
    }

    /// Appends a NUL byte after the body (not counted in [`body`](Self::body)), so that C can
    /// read a JSON body as a string. The body was allocated with room for it.
    pub(crate) fn nul_terminate(&mut self) {
        if !self.nul {
            self.body.push(0);
            self.nul = true;
        }
    }

    /// The body followed by its NUL byte (after [`nul_terminate`](Self::nul_terminate)).
    pub(crate) fn body_with_nul(&self) -> &[u8] {
        &self.body
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(self.body())
    }

    /// A header's value (name case-insensitive); `None` when absent or not text. For a
    /// repeated header, the first value (see [`header_all`](Self::header_all)).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Every value of a header, joined with `", "` (as HTTP allows for repeated headers);
    /// `None` when absent. Values that are not text are skipped.
    pub fn header_all(&self, name: &str) -> Option<String> {
        let mut values = self
            .headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok());
        let first = values.next()?;
        Some(values.fold(first.to_owned(), |mut acc, v| {
            acc.push_str(", ");
            acc.push_str(v);
            acc
        }))
    }

    /// Every header as (lower-case name, value); values that are not text are skipped.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers
            .iter()
            .filter_map(|(k, v)| v.to_str().ok().map(|v| (k.as_str(), v)))
    }

    /// How many times the request was sent (1 when it was not retried).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Whether this is a retryable status returned because no retry was left.
    pub fn retries_exhausted(&self) -> bool {
        self.exhausted
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        error::is_success(self.status, self.exhausted)
    }

    /// Whether the body is empty or only whitespace (read as JSON `null`).
    pub fn body_is_blank(&self) -> bool {
        self.body().iter().all(u8::is_ascii_whitespace)
    }

    /// The secrets no error of this answer may show.
    pub(crate) fn secrets(&self) -> Secrets<'_> {
        let mut s = self.session.secrets();
        for c in self.carried.iter().flat_map(|c| c.iter()) {
            s.add(c.expose());
        }
        s
    }

    /// A decode error about this answer, with the start of its body (scrubbed).
    pub(crate) fn decode_error(&self, message: impl Into<String>) -> Error {
        let secrets = self.secrets();
        let e = Error::decode(message, excerpt(self.body(), &secrets))
            .with_status(self.status)
            .with_attempts(self.attempts, true)
            .redact(&secrets);
        self.named(e, &secrets)
    }

    /// An error of this answer, naming its request.
    fn named(&self, e: Error, secrets: &Secrets) -> Error {
        let Some((method, uri)) = &self.request else {
            return e;
        };
        let origin = match (uri.scheme_str(), uri.authority()) {
            (Some(scheme), Some(authority)) => format!("{scheme}://{authority}"),
            _ => String::new(),
        };
        let target = uri.path_and_query().map_or("/", |p| p.as_str());
        let (target, url) = crate::paths::request_label(&origin, target, secrets);
        e.for_request(method.as_str(), target, Some(url))
    }

    /// The body parsed as JSON; an empty body is `null`.
    pub fn json(&self) -> Result<Value> {
        if self.body_is_blank() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(self.body()).map_err(|e| {
            self.decode_error(format!("the answer is not valid JSON ({e})"))
                .with_source(e)
        })
    }

    /// Checks, without building anything, that a body is valid JSON with valid UTF-8 strings
    /// — exactly what [`json`](Self::json) accepts (an empty body counts as `null`); the same
    /// decode error as [`json`](Self::json) otherwise.
    pub fn check_json(&self) -> Result<()> {
        if self.body_is_blank() || crate::json::validate(self.body()).is_ok() {
            return Ok(());
        }
        self.json().map(drop)
    }

    /// Whether the answer says its body is JSON (`Content-Type: application/json`, `+json`).
    pub fn is_json(&self) -> bool {
        self.header("content-type").is_some_and(|ct| {
            ct.as_bytes()
                .windows(4)
                .any(|w| w.eq_ignore_ascii_case(b"json"))
        })
    }

    /// The error this answer means, or `None` for a success (2xx).
    pub fn error(&self) -> Option<Error> {
        if self.is_success() {
            return None;
        }
        let secrets = self.secrets();
        error::classify(
            &Answer {
                status: self.status,
                location: self.header("location"),
                body: self.body(),
                attempts: self.attempts,
                exhausted: self.exhausted,
                budget_wait: self.budget_wait,
            },
            &secrets,
        )
        .map(|e| self.named(e, &secrets))
    }

    /// `Ok(self)` for a success, else the error it means.
    pub fn error_for_status(self) -> Result<Self> {
        match self.error() {
            None => Ok(self),
            Some(e) => Err(e),
        }
    }

    /// The parsed JSON of a success, else the error the answer means.
    pub fn into_json(self) -> Result<Value> {
        self.error_for_status()?.json()
    }

    /// Whether the platform refused the session: HTTP 401 or error code 3001.
    pub(crate) fn is_unauthorized(&self) -> bool {
        error::is_unauthorized(self.status, self.body())
    }
}
