//! The [`Client`]: configuration, the request pipeline (URL → headers → retries → re-login),
//! and the [`Response`].

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::RwLock;
use serde_json::Value;
use ureq::http::{HeaderMap, Method};

use crate::auth::{AuthState, Session};
use crate::error::{excerpt, parse_error_body, ApiError, Error, Result, CODE_UNAUTHORIZED};
use crate::paths::{append_query, BaseUrl};
use crate::retry::{self, RetryPolicy};
use crate::secret::Secret;
use crate::tls::TlsSettings;
use crate::transport::Transport;

/// Default time budget of one call, retries included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Default time to set up a connection (TCP and TLS).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How many times one call may renew an expired session. The second and later renewals
/// happen only when the platform confirms that the renewed session expired too.
const MAX_RENEWALS: u32 = 3;

/// Default largest response body accepted.
pub const DEFAULT_MAX_BODY_SIZE: u64 = 64 * 1024 * 1024;

/// A DCImanager 6 API client.
///
/// One `Client` is meant to be shared: it is `Send + Sync`, keeps one connection pool, and
/// every method takes `&self`, option setters included (they apply from the next request).
///
/// ```no_run
/// let client = dcimanager::Client::new("https://dci.example.com")?;
/// client.login("admin@example.com", "secret")?;
/// let server = client.get("dci/v3/server/2")?;
/// println!("{}", server["domain"]);
/// # Ok::<(), dcimanager::Error>(())
/// ```
pub struct Client {
    base: BaseUrl,
    settings: RwLock<Arc<Settings>>,
    pub(crate) auth: AuthState,
}

#[derive(Clone)]
struct Settings {
    transport: Transport,
    tls: TlsSettings,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    retry: RetryPolicy,
    max_body_size: u64,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let session = self.auth.current();
        let s = self.settings.read();
        f.debug_struct("Client")
            .field("base_url", &self.base.origin())
            .field("has_token", &session.token.is_some())
            .field("can_relogin", &session.creds.is_some())
            .field("tls", &s.tls)
            .field("timeout", &s.timeout)
            .field("retry", &s.retry)
            .finish()
    }
}

/// Builds a [`Client`]. Errors (a bad URL, an unreadable CA file) are reported by
/// [`build`](ClientBuilder::build).
#[derive(Debug)]
pub struct ClientBuilder {
    base_url: String,
    tls: TlsSettings,
    error: Option<Error>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    retry: RetryPolicy,
    token: Option<Secret>,
    max_body_size: u64,
}

impl ClientBuilder {
    /// Trusts the CA certificates of a PEM file in addition to the built-in roots.
    pub fn ca_file(mut self, path: impl AsRef<Path>) -> Self {
        if let Err(e) = self.tls.add_ca_file(path.as_ref()) {
            self.error.get_or_insert(e);
        }
        self
    }

    /// Trusts the CA certificates of PEM bytes in addition to the built-in roots.
    pub fn ca_pem(mut self, pem: &[u8]) -> Self {
        if let Err(e) = self.tls.add_ca_pem(pem) {
            self.error.get_or_insert(e);
        }
        self
    }

    /// Accepts any server certificate when `true`. Insecure: only for tests.
    pub fn danger_accept_invalid_certs(mut self, accept: bool) -> Self {
        self.tls.insecure_skip_verify(accept);
        self
    }

    /// Time budget of one call, retries and their sleeps included (`None`: unlimited).
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// Time to set up a connection (`None`: bounded by `timeout` only).
    pub fn connect_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The retry policy.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Starts with a token obtained elsewhere.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(Secret::new(token));
        self
    }

    /// The largest response body accepted, in bytes (default 64 MiB).
    pub fn max_body_size(mut self, bytes: u64) -> Self {
        self.max_body_size = bytes;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let base = BaseUrl::parse(&self.base_url)?;
        self.retry.validate()?;
        let client = Client {
            base,
            settings: RwLock::new(Arc::new(Settings {
                transport: Transport::new(&self.tls),
                tls: self.tls,
                timeout: self.timeout,
                connect_timeout: self.connect_timeout,
                retry: self.retry,
                max_body_size: self.max_body_size,
            })),
            auth: AuthState::default(),
        };
        if let Some(token) = self.token {
            client.set_token(token.expose())?;
        }
        Ok(client)
    }
}

/// One request to send with [`Client::send`].
#[derive(Debug, Clone)]
pub struct Request<'a> {
    method: Cow<'a, str>,
    path: Cow<'a, str>,
    query: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    body: Option<Cow<'a, [u8]>>,
    /// Whether `body` is JSON already known to be valid (else it is checked before sending).
    body_checked: bool,
    content_type: Option<Cow<'a, str>>,
    headers: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    timeout: Option<Option<Duration>>,
    connect_timeout: Option<Option<Duration>>,
    pub(crate) authenticated: bool,
    pub(crate) relogin: bool,
    platform_headers: bool,
}

const JSON: &str = "application/json";

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
            platform_headers: true,
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
    pub fn json_text(mut self, text: &'a str) -> Self {
        self.body = Some(Cow::Borrowed(text.as_bytes()));
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

    fn has_header(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case(name))
    }
}

/// Refuses header names and values that cannot travel (the value is never echoed).
fn check_header(name: &str, value: &str) -> Result<()> {
    let name_ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if !name_ok {
        return Err(Error::invalid(format!(
            "{name:?} is not a valid header name"
        )));
    }
    if value.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f) {
        return Err(Error::invalid(format!(
            "the value of header {name:?} contains a line break or control character"
        )));
    }
    Ok(())
}

/// A request ready to go out: everything [`Client::execute`] needs, computed once.
struct Prepared<'r> {
    method: Method,
    url: String,
    body: Option<&'r [u8]>,
    content_type: Option<&'r str>,
    req: &'r Request<'r>,
    /// When the call's time budget runs out: shared by its repeats after a re-login.
    deadline: Option<Instant>,
    connect_timeout: Option<Duration>,
}

/// An HTTP answer from the platform, whatever its status.
pub struct Response {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
    attempts: u32,
    exhausted: bool,
    session: Arc<Session>,
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("body_len", &self.body.len())
            .field("attempts", &self.attempts)
            .finish()
    }
}

impl Response {
    /// A response built by hand (for tests, mocks and fuzzing): this status and body, no
    /// headers, one attempt.
    pub fn from_parts(status: u16, body: Vec<u8>) -> Response {
        Response {
            status,
            headers: HeaderMap::new(),
            body,
            attempts: 1,
            exhausted: false,
            session: Arc::default(),
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The body's bytes.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Takes the body out.
    pub fn into_body(self) -> Vec<u8> {
        let mut this = self;
        std::mem::take(&mut this.body)
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    /// A header's value (name case-insensitive); `None` when absent or not text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
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
        (200..300).contains(&self.status) && !self.exhausted
    }

    /// Whether the body is empty or only whitespace (read as JSON `null`).
    pub fn body_is_blank(&self) -> bool {
        self.body.iter().all(u8::is_ascii_whitespace)
    }

    /// The body parsed as JSON; an empty body is `null`.
    pub fn json(&self) -> Result<Value> {
        if self.body_is_blank() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&self.body).map_err(|e| Error::Decode {
            message: format!("the answer is not valid JSON ({e})"),
            excerpt: excerpt(&self.body, &self.session.known_secrets()),
        })
    }

    /// Checks, without building anything, that a body is valid JSON (an empty body counts as
    /// `null`); the same decode error as [`json`](Self::json) otherwise.
    pub fn check_json(&self) -> Result<()> {
        if self.body_is_blank()
            || serde_json::from_slice::<serde::de::IgnoredAny>(&self.body).is_ok()
        {
            return Ok(());
        }
        self.json().map(drop)
    }

    /// Whether the answer says its body is JSON (`Content-Type: application/json`, `+json`).
    pub fn is_json(&self) -> bool {
        self.header("content-type")
            .is_some_and(|ct| ct.to_ascii_lowercase().contains("json"))
    }

    /// The error this answer means, or `None` for a success (2xx).
    pub fn error(&self) -> Option<Error> {
        if self.is_success() {
            return None;
        }
        let secrets = self.session.known_secrets();
        if self.exhausted {
            return Some(Error::RetriesExhausted {
                attempts: self.attempts,
                last_status: Some(self.status),
                reason: format!("the platform kept answering HTTP {}", self.status),
            });
        }
        if (300..400).contains(&self.status) {
            let location = self.header("location").unwrap_or("");
            return Some(Error::Http {
                status: self.status,
                excerpt: crate::secret::scrub(
                    &format!(
                        "redirect to {location:?} not followed: the token stays with its origin"
                    ),
                    &secrets,
                ),
            });
        }
        if let Some((code, msg, value)) = parse_error_body(&self.body) {
            let api = ApiError {
                status: self.status,
                code,
                msg: crate::error::shorten(crate::secret::scrub(&msg, &secrets)),
                value,
            };
            return Some(if self.status == 401 || code == CODE_UNAUTHORIZED {
                Error::Unauthorized(api)
            } else {
                Error::Api(api)
            });
        }
        let excerpt = excerpt(&self.body, &secrets);
        Some(if self.status == 401 {
            Error::Unauthorized(ApiError {
                status: 401,
                code: 0,
                msg: excerpt,
                value: Value::Null,
            })
        } else {
            Error::Http {
                status: self.status,
                excerpt,
            }
        })
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
        self.status == 401
            || (!(200..300).contains(&self.status)
                && parse_error_body(&self.body).is_some_and(|(c, _, _)| c == CODE_UNAUTHORIZED))
    }
}

/// One client serves many threads: it must stay `Send + Sync`.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Client>();
    assert_send_sync::<Response>();
};

impl Client {
    /// A client with default settings for `https://host[:port]`.
    pub fn new(base_url: &str) -> Result<Client> {
        Self::builder(base_url).build()
    }

    /// A builder for a client of `https://host[:port]`.
    pub fn builder(base_url: &str) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.to_owned(),
            tls: TlsSettings::new(),
            error: None,
            timeout: Some(DEFAULT_TIMEOUT),
            connect_timeout: Some(DEFAULT_CONNECT_TIMEOUT),
            retry: RetryPolicy::default(),
            token: None,
            max_body_size: DEFAULT_MAX_BODY_SIZE,
        }
    }

    /// The client's base URL (its origin).
    pub fn base_url(&self) -> &BaseUrl {
        &self.base
    }

    /// The full URL a path is sent to (see [`BaseUrl::join`]).
    pub fn url(&self, path: &str) -> Result<String> {
        self.base.join(path)
    }

    /// The settings, with a new connection pool when this process is a `fork()` child of the
    /// one that made the pool (the inherited sockets belong to the parent).
    fn current_settings(&self) -> Arc<Settings> {
        let settings = Arc::clone(&self.settings.read());
        if settings.transport.is_current() {
            return settings;
        }
        let mut guard = self.settings.write();
        if !guard.transport.is_current() {
            let mut next = Settings::clone(&guard);
            next.transport = Transport::new(&next.tls);
            *guard = Arc::new(next);
        }
        Arc::clone(&guard)
    }

    fn update(&self, change: impl FnOnce(&mut Settings) -> Result<()>) -> Result<()> {
        let mut guard = self.settings.write();
        let mut next = Settings::clone(&guard);
        change(&mut next)?;
        *guard = Arc::new(next);
        Ok(())
    }

    fn update_tls(&self, change: impl FnOnce(&mut TlsSettings) -> Result<()>) -> Result<()> {
        self.update(|s| {
            change(&mut s.tls)?;
            s.transport = Transport::new(&s.tls);
            Ok(())
        })
    }

    /// Turns TLS verification on (`true`, the default) or off. Off is insecure: only for tests.
    pub fn set_verify_tls(&self, verify: bool) -> Result<()> {
        self.update_tls(|t| {
            t.insecure_skip_verify(!verify);
            Ok(())
        })
    }

    /// Trusts the CA certificates of a PEM file in addition to the built-in roots.
    pub fn set_ca_file(&self, path: impl AsRef<Path>) -> Result<()> {
        self.update_tls(|t| t.add_ca_file(path.as_ref()).map(drop))
    }

    /// Trusts the CA certificates of PEM bytes in addition to the built-in roots.
    pub fn set_ca_pem(&self, pem: &[u8]) -> Result<()> {
        self.update_tls(|t| t.add_ca_pem(pem).map(drop))
    }

    /// Time budget of one call, retries included (`None`: unlimited).
    pub fn set_timeout(&self, timeout: Option<Duration>) -> Result<()> {
        self.update(|s| {
            s.timeout = timeout;
            Ok(())
        })
    }

    /// Time to set up a connection.
    pub fn set_connect_timeout(&self, timeout: Option<Duration>) -> Result<()> {
        self.update(|s| {
            s.connect_timeout = timeout;
            Ok(())
        })
    }

    /// Replaces the retry policy.
    pub fn set_retry(&self, retry: RetryPolicy) -> Result<()> {
        retry.validate()?;
        self.update(|s| {
            s.retry = retry;
            Ok(())
        })
    }

    /// The current retry policy.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.settings.read().retry.clone()
    }

    /// The largest response body accepted, in bytes.
    pub fn set_max_body_size(&self, bytes: u64) -> Result<()> {
        self.update(|s| {
            s.max_body_size = bytes;
            Ok(())
        })
    }

    /// Sends a request and returns the platform's answer whatever its status; only failures
    /// without an answer (connection, timeout, TLS, bad arguments) and retries running out
    /// on a connection failure are errors. Retries and the re-login on an expired session
    /// happen inside. Use [`Response::error`] or [`Response::into_json`] to judge the answer.
    pub fn send(&self, req: &Request<'_>) -> Result<Response> {
        let method = if req.method.bytes().any(|b| b.is_ascii_lowercase()) {
            Method::from_bytes(req.method.to_ascii_uppercase().as_bytes())
        } else {
            Method::from_bytes(req.method.as_bytes())
        }
        .map_err(|_| Error::invalid("bad HTTP method"))?;
        let mut url = self.base.join(&req.path)?;
        append_query(
            &mut url,
            req.query.iter().map(|(k, v)| (k.as_ref(), v.as_ref())),
        );
        for (k, v) in &req.headers {
            check_header(k, v)?;
        }
        let (body, content_type): (Option<&[u8]>, Option<&str>) = match &req.body {
            Some(b) => {
                if !req.body_checked {
                    serde_json::from_slice::<serde::de::IgnoredAny>(b).map_err(|e| {
                        Error::invalid(format!("the request body is not valid JSON: {e}"))
                    })?;
                }
                (Some(b), req.content_type.as_deref())
            }
            None if method == Method::POST && req.platform_headers => (Some(b"{}"), Some(JSON)),
            None => (None, None),
        };
        let settings = self.current_settings();
        let p = Prepared {
            method,
            url,
            body,
            content_type,
            req,
            deadline: req
                .timeout
                .unwrap_or(settings.timeout)
                .map(|t| Instant::now() + t),
            connect_timeout: req.connect_timeout.unwrap_or(settings.connect_timeout),
        };
        let mut session = self.auth.current();
        let mut resp = self.execute(&settings, &p, req.authenticated, session.clone())?;
        for round in 0..MAX_RENEWALS {
            if !(req.relogin && resp.is_unauthorized()) {
                break;
            }
            // A renewed session refused too: if it is still valid, the refusal is about the
            // function (3001 also means "not available for external API requests"), and
            // logging in again would not help.
            if round > 0 && self.session_is_valid(&settings, &session, p.deadline)? {
                break;
            }
            if !self.auth.relogin(self, session.generation)? {
                break;
            }
            session = self.auth.current();
            resp = self.execute(&settings, &p, true, session.clone())?;
        }
        Ok(resp)
    }

    /// Asks the platform whether a session's token is still valid (GET auth/v4/whoami).
    fn session_is_valid(
        &self,
        settings: &Settings,
        session: &Arc<Session>,
        deadline: Option<Instant>,
    ) -> Result<bool> {
        let req = Request::get("auth/v4/whoami");
        let probe = Prepared {
            method: Method::GET,
            url: self.base.join("auth/v4/whoami")?,
            body: None,
            content_type: None,
            req: &req,
            deadline,
            connect_timeout: settings.connect_timeout,
        };
        let answer = self.execute(settings, &probe, true, session.clone())?;
        Ok(!answer.is_unauthorized())
    }

    fn execute(
        &self,
        s: &Settings,
        p: &Prepared<'_>,
        authenticated: bool,
        session: Arc<Session>,
    ) -> Result<Response> {
        let req = p.req;
        let mut headers: Vec<(&str, &str)> = Vec::with_capacity(4 + req.headers.len());
        if req.platform_headers && !req.has_header("isp-box-instance") {
            headers.push(("isp-box-instance", "true"));
        }
        if let (true, Some(token)) = (authenticated, &session.token) {
            if !req.has_header("x-xsrf-token") {
                headers.push(("x-xsrf-token", token.expose()));
            }
            if let (false, Some(cookie)) = (req.has_header("cookie"), &session.cookie) {
                headers.push(("cookie", cookie.expose()));
            }
        }
        if let Some(ct) = p.content_type {
            if !req.has_header("content-type") {
                headers.push(("content-type", ct));
            }
        }
        headers.extend(req.headers.iter().map(|(k, v)| (k.as_ref(), v.as_ref())));
        let out = retry::run(&s.retry, p.method.as_str(), p.deadline, |remaining| {
            s.transport.send(
                &p.method,
                &p.url,
                &headers,
                p.body,
                remaining,
                p.connect_timeout,
                s.max_body_size,
            )
        })?;
        Ok(Response {
            status: out.answer.status,
            headers: out.answer.headers,
            body: out.answer.body,
            attempts: out.attempts,
            exhausted: out.exhausted,
            session,
        })
    }

    /// Sends `method path` with an optional JSON body and returns the parsed JSON answer.
    pub fn request(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value> {
        let mut req = Request::new(method, path);
        if let Some(b) = body {
            req = req.json(b);
        }
        self.send(&req)?.into_json()
    }

    /// GET a path; the parsed JSON answer.
    pub fn get(&self, path: &str) -> Result<Value> {
        self.send(&Request::get(path))?.into_json()
    }

    /// POST a JSON body to a path; the parsed JSON answer.
    pub fn post(&self, path: &str, body: &Value) -> Result<Value> {
        self.send(&Request::post(path).json(body))?.into_json()
    }

    /// POST `{}` to a path (an action call); the parsed JSON answer.
    pub fn post_empty(&self, path: &str) -> Result<Value> {
        self.send(&Request::post(path))?.into_json()
    }

    /// DELETE a path; the parsed JSON answer (`null` when empty).
    pub fn delete(&self, path: &str) -> Result<Value> {
        self.send(&Request::delete(path))?.into_json()
    }
}
