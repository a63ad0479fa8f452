//! [`Request`]: one call to send with [`Client::send`](crate::Client::send) — method, path,
//! query, body, headers, and per-call time limits.

use std::borrow::Cow;
use std::time::Duration;

use serde_json::Value;

use crate::error::{Error, Result};

pub(crate) const JSON: &str = "application/json";

/// One request to send with [`Client::send`](crate::Client::send).
///
/// ```
/// use std::time::Duration;
/// let req = dcimanager::Request::get("dci/v3/server")
///     .query("where", "power_status EQ 'on'")
///     .timeout(Some(Duration::from_secs(5)));
/// # let _ = req;
/// ```
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub(crate) method: Cow<'a, str>,
    pub(crate) path: Cow<'a, str>,
    pub(crate) query: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    pub(crate) body: Option<Cow<'a, [u8]>>,
    /// Whether `body` is JSON already known to be valid (else it is checked before sending).
    pub(crate) body_checked: bool,
    pub(crate) content_type: Option<Cow<'a, str>>,
    pub(crate) headers: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    pub(crate) timeout: Option<Option<Duration>>,
    pub(crate) connect_timeout: Option<Option<Duration>>,
    pub(crate) authenticated: bool,
    pub(crate) relogin: bool,
    /// One attempt only, whatever the client's retry policy.
    pub(crate) once: bool,
    pub(crate) platform_headers: bool,
    /// Secrets this request carries (a password, a key) that no error may show.
    pub(crate) secrets: Vec<Cow<'a, str>>,
}

impl<'a> Request<'a> {
    /// A request with any method (`GET`, `POST`, `DELETE`...).
    pub fn new(method: impl Into<Cow<'a, str>>, path: impl Into<Cow<'a, str>>) -> Self {
        Request {
            method: method.into(),
            path: path.into(),
            query: Vec::new(),
            body: None,
            body_checked: false,
            content_type: None,
            headers: Vec::new(),
            timeout: None,
            connect_timeout: None,
            authenticated: true,
            relogin: true,
            once: false,
            platform_headers: true,
            secrets: Vec::new(),
        }
    }

    /// A GET request.
    pub fn get(path: impl Into<Cow<'a, str>>) -> Self {
        Self::new("GET", path)
    }

    /// A POST request (sent with the body `{}` unless one is set).
    pub fn post(path: impl Into<Cow<'a, str>>) -> Self {
        Self::new("POST", path)
    }

    /// A DELETE request.
    pub fn delete(path: impl Into<Cow<'a, str>>) -> Self {
        Self::new("DELETE", path)
    }

    /// Adds a query parameter; key and value are percent-encoded when sent.
    pub fn query(mut self, key: impl Into<Cow<'a, str>>, value: impl Into<Cow<'a, str>>) -> Self {
        self.query.push((key.into(), value.into()));
        self
    }

    /// Sets a JSON body.
    pub fn json(mut self, body: &Value) -> Self {
        self.body = Some(Cow::Owned(body.to_string().into_bytes()));
        self.body_checked = true;
        self.content_type = Some(Cow::Borrowed(JSON));
        self
    }

    /// Sets a body of JSON text; it is checked to be valid JSON before anything is sent.
    pub fn json_text(mut self, text: impl Into<Cow<'a, str>>) -> Self {
        self.body = Some(match text.into() {
            Cow::Borrowed(t) => Cow::Borrowed(t.as_bytes()),
            Cow::Owned(t) => Cow::Owned(t.into_bytes()),
        });
        self.body_checked = false;
        self.content_type = Some(Cow::Borrowed(JSON));
        self
    }

    /// Sets a body sent as is, with this `Content-Type` (none when `None`).
    pub fn body(mut self, bytes: impl Into<Cow<'a, [u8]>>, content_type: Option<&'a str>) -> Self {
        self.body = Some(bytes.into());
        self.body_checked = true;
        self.content_type = content_type.map(Cow::Borrowed);
        self
    }

    /// Adds a header. It replaces the client's own header of the same name (`cookie`,
    /// `x-xsrf-token`, `isp-box-instance`, `content-type`, `user-agent`...). A name or value
    /// with line breaks or other characters a header cannot carry is refused before sending.
    pub fn header(mut self, name: impl Into<Cow<'a, str>>, value: impl Into<Cow<'a, str>>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// This request's time budget, retries included, instead of the client's (`None`:
    /// unlimited).
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// This request's connection setup time instead of the client's.
    pub fn connect_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Marks a text this request carries (in its body, path or a header) as a secret: no
    /// error, excerpt or log shows it, whatever the server echoes.
    pub fn secret(mut self, secret: impl Into<Cow<'a, str>>) -> Self {
        self.secrets.push(secret.into());
        self
    }

    /// Sends only what the request itself says: no session token, no `isp-box-instance`, no
    /// `{}` for a POST without body, and no re-login — for callers that manage the session
    /// themselves (the requests-compatible layer of the Python binding).
    pub fn without_session(mut self) -> Self {
        self.authenticated = false;
        self.relogin = false;
        self.platform_headers = false;
        self
    }

    /// Sends the request without the session token (for public functions).
    pub(crate) fn public(mut self) -> Self {
        self.authenticated = false;
        self.relogin = false;
        self
    }

    /// Never logs in again on an unauthorized answer.
    pub(crate) fn no_relogin(mut self) -> Self {
        self.relogin = false;
        self
    }

    /// Makes one attempt only: no retry, whatever the client's policy.
    pub fn once(mut self) -> Self {
        self.once = true;
        self
    }

    /// The method, upper case.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The path as given.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Checks what can be checked before anything is sent: header names and values, and a
    /// JSON body given as text.
    pub(crate) fn check(&self) -> Result<()> {
        for (k, v) in &self.headers {
            check_header(k, v)?;
        }
        if let (Some(b), false) = (&self.body, self.body_checked) {
            serde_json::from_slice::<serde::de::IgnoredAny>(b).map_err(|e| {
                Error::invalid_arg("body", format!("the request body is not valid JSON: {e}"))
            })?;
        }
        Ok(())
    }
}

/// Refuses header names and values that cannot travel (the value is never echoed).
fn check_header(name: &str, value: &str) -> Result<()> {
    let name_ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if !name_ok {
        return Err(Error::invalid_arg(
            "header",
            format!("{name:?} is not a valid header name"),
        ));
    }
    if value.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f) {
        return Err(Error::invalid_arg(
            "header",
            format!("the value of header {name:?} contains a line break or control character"),
        ));
    }
    Ok(())
}
