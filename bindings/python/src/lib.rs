//! `dcimanager._native`: the Python face of the dcimanager core (pyo3).
//!
//! Every network call and every retry sleep runs with the GIL released (`Python::detach`), so
//! threads sharing one `Client` run in parallel; no Python object is touched while detached
//! (but for the `logging` bridge, which takes the GIL back for an event, see [`logging`]).
//! Answers are parsed straight from the body into Python objects (see [`json`]), and errors
//! become the exception classes of `dcimanager._errors` (see [`errors`]).

mod errors;
mod interrupts;
mod json;
mod logging;
mod parse;
mod types;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use dcimanager::{
    defaults, Client as Core, ListQuery, Paginator, Request, Response as CoreResponse, RetryPolicy,
};
use errors::IntoPy;
use interrupts::detached;
use pyo3::exceptions::{PyStopIteration, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};
use types::{KeyArg, KeyInfo, LoginInfo};

/// The core's defaults in seconds, for the signatures below (one source: `dcimanager::defaults`).
const TIMEOUT_S: f64 = defaults::TIMEOUT.as_secs_f64();
const CONNECT_TIMEOUT_S: f64 = defaults::CONNECT_TIMEOUT.as_secs_f64();

/// The budget of the logout at the end of a `with` block (one attempt).
const EXIT_LOGOUT_BUDGET: Duration = Duration::from_secs(2);

/// `verify=`: a flag, or the path of a CA bundle (as in requests).
#[derive(FromPyObject)]
enum Verify {
    Flag(bool),
    CaFile(PathBuf),
}

/// A number of seconds as a `Duration`; `None` stays `None`, negative or NaN is refused.
fn seconds(v: Option<f64>, what: &str) -> PyResult<Option<Duration>> {
    match v {
        None => Ok(None),
        Some(s) => Duration::try_from_secs_f64(s).map(Some).map_err(|_| {
            pyo3::exceptions::PyValueError::new_err(format!(
                "{what} must be a number of seconds ≥ 0"
            ))
        }),
    }
}

/// Text for an argument that may be given as str or int (a user id, a TTL).
fn text_arg(v: &Bound<'_, PyAny>, what: &str) -> PyResult<String> {
    if let Ok(s) = v.cast::<PyString>() {
        return Ok(s.to_cow()?.into_owned());
    }
    if v.is_instance_of::<pyo3::types::PyInt>() && !v.is_instance_of::<pyo3::types::PyBool>() {
        return Ok(v.str()?.to_cow()?.into_owned());
    }
    Err(PyTypeError::new_err(format!("{what} must be str or int")))
}

/// A client of one DCImanager 6 installation. See the package documentation.
#[pyclass(frozen, module = "dcimanager._native", name = "Client")]
struct Client {
    core: Core,
    /// Whether this client logged in itself (so the context manager logs out on exit).
    logged_in_here: AtomicBool,
}

/// An HTTP answer, whatever its status.
#[pyclass(frozen, module = "dcimanager._native", name = "Response")]
struct Response {
    inner: CoreResponse,
}

impl Client {
    /// Sends a request with the GIL released.
    fn send(&self, py: Python<'_>, req: &Request<'_>) -> PyResult<CoreResponse> {
        detached(py, || self.core.send(req))?.py_err(py)
    }

    /// Sends a request and returns the parsed JSON of a success, else raises.
    fn send_json<'py>(&self, py: Python<'py>, req: &Request<'_>) -> PyResult<Bound<'py, PyAny>> {
        let resp = self.send(py, req)?.error_for_status().py_err(py)?;
        body_json(py, &resp)
    }
}

/// A body as Python objects (`None` for an empty body); a malformed body raises DecodeError.
fn body_json<'py>(py: Python<'py>, resp: &CoreResponse) -> PyResult<Bound<'py, PyAny>> {
    if resp.body_is_blank() {
        return Ok(py.None().into_bound(py));
    }
    match json::loads(py, resp.body()) {
        Ok(v) => Ok(v),
        // The core builds the same failure with a scrubbed excerpt.
        Err(_) => Err(match resp.json() {
            Err(e) => errors::to_py(py, e),
            // serde_json accepted what the visitor refused (a number Python cannot hold):
            // the same decode error, built by the core.
            Ok(_) => errors::to_py(
                py,
                resp.check_json().err().unwrap_or_else(|| {
                    dcimanager::Error::new(
                        dcimanager::ErrorKind::Decode,
                        "the answer is not JSON Python can hold",
                    )
                }),
            ),
        }),
    }
}

/// Adds `params` (a dict or a sequence of pairs; values str/int/float/bool) to a request.
fn with_params<'a>(
    mut req: Request<'a>,
    params: Option<&Bound<'_, PyAny>>,
) -> PyResult<Request<'a>> {
    let Some(params) = params else {
        return Ok(req);
    };
    let pairs: Vec<(String, String)> = if let Ok(d) = params.cast::<PyDict>() {
        d.iter()
            .map(|(k, v)| Ok((k.str()?.to_string(), param_text(&v)?)))
            .collect::<PyResult<_>>()?
    } else {
        params
            .try_iter()?
            .map(|item| {
                let (k, v): (Bound<PyAny>, Bound<PyAny>) = item?.extract()?;
                Ok((k.str()?.to_string(), param_text(&v)?))
            })
            .collect::<PyResult<_>>()?
    };
    for (k, v) in pairs {
        req = req.query(k, v);
    }
    Ok(req)
}

fn param_text(v: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(b) = v.cast::<pyo3::types::PyBool>() {
        return Ok(if b.is_true() { "true" } else { "false" }.into());
    }
    Ok(v.str()?.to_string())
}

/// A per-call time budget: `None` keeps the client's.
fn with_timeout<'a>(req: Request<'a>, timeout: Option<f64>) -> PyResult<Request<'a>> {
    Ok(match seconds(timeout, "timeout")? {
        Some(t) => req.timeout(Some(t)),
        None => req,
    })
}

#[pymethods]
impl Client {
    #[new]
    #[pyo3(
        signature = (base_url, *, verify = Verify::Flag(true), timeout = Some(TIMEOUT_S), connect_timeout = Some(CONNECT_TIMEOUT_S), retries = defaults::RETRIES, backoff_factor = defaults::BACKOFF_FACTOR, token = None, email = None, password = None, max_body_size = defaults::MAX_BODY_SIZE, pinned_pubkey = None, proxy = None, no_proxy = None)
    )]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        base_url: &str,
        verify: Verify,
        timeout: Option<f64>,
        connect_timeout: Option<f64>,
        retries: u32,
        backoff_factor: f64,
        token: Option<&str>,
        email: Option<&str>,
        password: Option<&str>,
        max_body_size: u64,
        pinned_pubkey: Option<&str>,
        proxy: Option<&str>,
        no_proxy: Option<&str>,
    ) -> PyResult<Self> {
        let mut b = Core::builder(base_url)
            .observer(std::sync::Arc::new(logging::PyLogging))
            .interrupt_check(interrupts::check())
            .timeout(seconds(timeout, "timeout")?)
            .connect_timeout(seconds(connect_timeout, "connect_timeout")?)
            .retry(RetryPolicy::new(retries, backoff_factor))
            .max_body_size(max_body_size)
            .proxy(proxy)
            .no_proxy(no_proxy);
        if let Some(pins) = pinned_pubkey.filter(|p| !p.trim().is_empty()) {
            b = b.pinned_pubkey(pins);
        }
        let insecure = matches!(verify, Verify::Flag(false))
            && pinned_pubkey.is_none_or(|p| p.trim().is_empty())
            && base_url
                .trim_start()
                .get(..8)
                .is_some_and(|s| s.eq_ignore_ascii_case("https://"));
        b = match verify {
            Verify::Flag(v) => b.danger_accept_invalid_certs(!v),
            Verify::CaFile(path) => b.ca_file(path),
        };
        if let Some(t) = token {
            b = b.token(t);
        }
        match (email, password) {
            (Some(e), Some(p)) => b = b.credentials(e, p),
            (None, None) => {}
            _ => {
                return Err(pyo3::exceptions::PyTypeError::new_err(
                    "email and password go together",
                ))
            }
        }
        let core = b.build().py_err(py)?;
        if insecure {
            // As urllib3 warns of an unverified request, once per client here.
            let warning = py
                .import("dcimanager._errors")?
                .getattr("InsecureRequestWarning")?;
            let message = format!(
                "TLS verification is off for {}: anyone on the network path can read and \
                 change the traffic, the session token included. Pin the server's key \
                 (pinned_pubkey=dcimanager.server_pin(url), checked out of band) or give its \
                 certificate as verify=",
                core.base_url().origin()
            );
            pyo3::PyErr::warn(py, &warning, &std::ffi::CString::new(message)?, 1)?;
        }
        Ok(Client {
            core,
            logged_in_here: AtomicBool::new(false),
        })
    }

    /// The base URL (origin) this client talks to.
    #[getter]
    fn base_url(&self) -> &str {
        self.core.base_url().origin()
    }

    /// The proxy this client's connections go through (``scheme://host:port``, without
    /// credentials), or None when it connects directly.
    #[getter]
    fn proxy(&self) -> Option<String> {
        self.core.proxy()
    }

    /// The session token in use, or None. Assign a token obtained elsewhere, or None to
    /// forget it (credentials from login() are forgotten too).
    #[getter]
    fn get_token(&self) -> Option<String> {
        self.core.token().map(|t| t.expose().to_owned())
    }

    #[setter]
    fn set_token(&self, py: Python<'_>, token: Option<&str>) -> PyResult<()> {
        self.logged_in_here.store(false, Ordering::Relaxed);
        match token {
            Some(t) => self.core.set_token(t).py_err(py),
            None => {
                self.core.clear_token();
                Ok(())
            }
        }
    }

    /// How many times this client logged in by itself: after its session expired, or before
    /// its first request when it had credentials but no token.
    #[getter]
    fn relogin_count(&self) -> u64 {
        self.core.relogin_count()
    }

    /// Logs in with e-mail and password and uses the session from then on; the session is
    /// renewed once, automatically, when it expires. Returns a LoginInfo (id, confirmed,
    /// token; its repr hides the token).
    fn login(&self, py: Python<'_>, email: &str, password: &str) -> PyResult<LoginInfo> {
        let info = detached(py, || self.core.login(email, password))?.py_err(py)?;
        self.logged_in_here.store(true, Ordering::Relaxed);
        Ok(info.into())
    }

    /// Logs in with a single sign-on key (str or the KeyInfo of create_key) and uses that
    /// session from then on. Returns a LoginInfo.
    fn login_with_key(&self, py: Python<'_>, key: KeyArg) -> PyResult<LoginInfo> {
        let info = detached(py, || self.core.login_with_key(key.text()))?.py_err(py)?;
        self.logged_in_here.store(true, Ordering::Relaxed);
        Ok(info.into())
    }

    /// Keeps e-mail and password to log in with when the session expires (or before the
    /// first request when there is no token), without logging in now; the token in use is
    /// kept. With a cached token: ``Client(url, token=cached)`` then ``set_credentials()``
    /// (or pass ``email=``/``password=`` to the constructor).
    fn set_credentials(&self, py: Python<'_>, email: &str, password: &str) -> PyResult<()> {
        self.core.set_credentials(email, password).py_err(py)
    }

    /// Ends the session on the platform and forgets the token.
    fn logout(&self, py: Python<'_>) -> PyResult<()> {
        self.logged_in_here.store(false, Ordering::Relaxed);
        detached(py, || self.core.logout())?.py_err(py)
    }

    /// The current user (GET auth/v4/whoami).
    fn whoami<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.send_json(py, &Request::get("auth/v4/whoami"))
    }

    /// Creates a long-lived token expiring at `expires_at` ("YYYY-MM-DD HH:MM:SS", or a
    /// datetime: an aware one is converted to UTC). Returns the token; the client keeps its
    /// own (assign `client.token` to switch).
    #[pyo3(signature = (expires_at, description = ""))]
    fn create_token(
        &self,
        py: Python<'_>,
        expires_at: &Bound<'_, PyAny>,
        description: &str,
    ) -> PyResult<String> {
        let text = if let Ok(s) = expires_at.cast::<PyString>() {
            s.to_cow()?.into_owned()
        } else if expires_at.hasattr("strftime")? {
            let dt = if expires_at.getattr("tzinfo")?.is_none() {
                expires_at.clone()
            } else {
                let utc = py.import("datetime")?.getattr("timezone")?.getattr("utc")?;
                expires_at.call_method1("astimezone", (utc,))?
            };
            dt.call_method1("strftime", ("%Y-%m-%d %H:%M:%S",))?
                .extract()?
        } else {
            return Err(PyTypeError::new_err("expires_at must be str or datetime"));
        };
        let token = detached(py, || self.core.create_token(&text, description))?.py_err(py)?;
        Ok(token.expose().to_owned())
    }

    /// Sets the platform's token and session lifetime, in minutes (int or str). Admin only.
    fn set_token_ttl(&self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let value = text_arg(value, "value")?;
        detached(py, || self.core.set_token_ttl(&value))?.py_err(py)
    }

    /// Creates a single sign-on key for a user (e-mail or id). Admin only. Returns a
    /// KeyInfo (id, key; its repr hides the key).
    fn create_key(&self, py: Python<'_>, user: &Bound<'_, PyAny>) -> PyResult<KeyInfo> {
        let user = text_arg(user, "user")?;
        let key = detached(py, || self.core.create_key(&user))?.py_err(py)?;
        Ok(key.into())
    }

    /// The link that logs a user in with a key (str or KeyInfo): {base}/auth/key-v4/<key>.
    fn key_login_url(&self, py: Python<'_>, key: KeyArg) -> PyResult<String> {
        self.core.key_login_url(key.text()).py_err(py)
    }

    /// GET a path; the parsed JSON answer (None for an empty body).
    #[pyo3(signature = (path, params = None, *, timeout = None))]
    fn get<'py>(
        &self,
        py: Python<'py>,
        path: &str,
        params: Option<&Bound<'_, PyAny>>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let req = with_timeout(with_params(Request::get(path), params)?, timeout)?;
        self.send_json(py, &req)
    }

    /// POST JSON to a path (`{}` when `json` is None); the parsed JSON answer.
    #[pyo3(signature = (path, json = None, *, params = None, timeout = None))]
    fn post<'py>(
        &self,
        py: Python<'py>,
        path: &str,
        json: Option<&Bound<'_, PyAny>>,
        params: Option<&Bound<'_, PyAny>>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let body = json.map(json::dumps).transpose()?;
        let mut req = with_timeout(with_params(Request::post(path), params)?, timeout)?;
        if let Some(b) = &body {
            req = req.body(&b[..], Some("application/json"));
        }
        self.send_json(py, &req)
    }

    /// DELETE a path; the parsed JSON answer (None when empty).
    #[pyo3(signature = (path, params = None, *, timeout = None))]
    fn delete<'py>(
        &self,
        py: Python<'py>,
        path: &str,
        params: Option<&Bound<'_, PyAny>>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let req = with_timeout(with_params(Request::delete(path), params)?, timeout)?;
        self.send_json(py, &req)
    }

    /// Sends a request and returns the Response whatever its status (raise_for_status()
    /// raises the matching error). `headers` add to or replace the client's own.
    #[pyo3(signature = (method, path, *, params = None, json = None, headers = None, timeout = None))]
    #[allow(clippy::too_many_arguments)]
    fn request(
        &self,
        py: Python<'_>,
        method: &str,
        path: &str,
        params: Option<&Bound<'_, PyAny>>,
        json: Option<&Bound<'_, PyAny>>,
        headers: Option<&Bound<'_, PyAny>>,
        timeout: Option<f64>,
    ) -> PyResult<Response> {
        let body = json.map(json::dumps).transpose()?;
        let pairs = header_pairs(headers)?;
        let mut req = with_timeout(with_params(Request::new(method, path), params)?, timeout)?;
        if let Some(b) = &body {
            req = req.body(&b[..], Some("application/json"));
        }
        for (k, v) in &pairs {
            req = req.header(k.as_str(), v.as_str());
        }
        Ok(Response {
            inner: self.send(py, &req)?,
        })
    }

    /// Iterates over every item of a list call (`{"list": [...], "size": N}`), `page_size`
    /// items per request, with an optional `where` filter (quote literals with
    /// dcimanager.quote) and `orderby`. The core's paging (the same in every language).
    #[pyo3(signature = (path, *, r#where = None, orderby = None, page_size = defaults::PAGE_SIZE))]
    fn paginate(
        slf: Bound<'_, Self>,
        path: &str,
        r#where: Option<&str>,
        orderby: Option<&str>,
        page_size: u64,
    ) -> Pages {
        let mut query = ListQuery::new();
        if let Some(w) = r#where {
            query = query.filter_text(w);
        }
        if let Some(o) = orderby {
            query = query.order_by_raw(o);
        }
        Pages {
            client: slf.unbind(),
            cursor: Paginator::new(path, query, page_size),
        }
    }

    /// Replaces the retry policy (used by dcimanager.compat; urllib3's semantics).
    #[pyo3(signature = (total, *, connect = None, read = None, status = None, backoff_factor = 0.0, backoff_max = 120.0, jitter = 0.0, statuses = Vec::new(), methods = Vec::new(), respect_retry_after = true))]
    #[allow(clippy::too_many_arguments)]
    fn _set_retry(
        &self,
        py: Python<'_>,
        total: u32,
        connect: Option<u32>,
        read: Option<u32>,
        status: Option<u32>,
        backoff_factor: f64,
        backoff_max: f64,
        jitter: f64,
        statuses: Vec<u16>,
        methods: Vec<String>,
        respect_retry_after: bool,
    ) -> PyResult<()> {
        let policy = RetryPolicy {
            max_retries: total,
            max_connect_retries: connect,
            max_read_retries: read,
            max_status_retries: status,
            backoff_factor,
            backoff_max: seconds(Some(backoff_max), "backoff_max")?.unwrap_or_default(),
            jitter: seconds(Some(jitter), "jitter")?.unwrap_or_default(),
            statuses,
            methods: methods
                .into_iter()
                .map(|m| m.to_ascii_uppercase())
                .collect(),
            respect_retry_after,
            ..RetryPolicy::default()
        };
        self.core.set_retry(policy).py_err(py)
    }

    /// Sends exactly the given headers and body to a URL of this client's origin: no token,
    /// no isp-box-instance, no default body, no re-login (used by dcimanager.compat).
    #[pyo3(signature = (method, url, headers, body, timeout, connect_timeout))]
    #[allow(clippy::too_many_arguments)]
    fn _request_raw(
        &self,
        py: Python<'_>,
        method: &str,
        url: &str,
        headers: Vec<(String, String)>,
        body: Option<Vec<u8>>,
        timeout: Option<f64>,
        connect_timeout: Option<f64>,
    ) -> PyResult<Response> {
        let mut req = Request::new(method, url)
            .without_session()
            .timeout(seconds(timeout, "timeout")?)
            .connect_timeout(seconds(connect_timeout, "connect_timeout")?);
        if let Some(b) = &body {
            req = req.body(&b[..], None);
        }
        for (k, v) in &headers {
            req = req.header(k.as_str(), v.as_str());
        }
        Ok(Response {
            inner: self.send(py, &req)?,
        })
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    /// Logs out when this client logged in itself — one attempt within 2 s, so that a
    /// platform that does not answer neither delays nor hides what the block raised. A
    /// logout that fails is logged at WARNING (logger "dcimanager") and added as a note to
    /// the block's exception, never raised. After Ctrl-C (a BaseException that is not an
    /// Exception: KeyboardInterrupt, SystemExit, asyncio's CancelledError) it is not tried.
    fn __exit__(
        &self,
        py: Python<'_>,
        exc_type: Option<&Bound<'_, PyAny>>,
        exc: Option<&Bound<'_, PyAny>>,
        _tb: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        if !self.logged_in_here.swap(false, Ordering::Relaxed) {
            return Ok(false);
        }
        if let Some(t) = exc_type {
            let ordinary = t.cast::<pyo3::types::PyType>().is_ok_and(|t| {
                t.is_subclass_of::<pyo3::exceptions::PyException>()
                    .unwrap_or(false)
            });
            if !ordinary {
                return Ok(false);
            }
        }
        let result = detached(py, || self.core.logout_once(EXIT_LOGOUT_BUDGET))?;
        if let Err(e) = result {
            let text = format!("logging out at the end of the with block failed: {e}");
            logging::warning(py, &text);
            if let Some(exc) = exc.filter(|x| x.hasattr("add_note").unwrap_or(false)) {
                exc.call_method1("add_note", (text,))?;
            }
        }
        Ok(false)
    }

    /// Interrupts every call in flight on this client, from another thread: each raises
    /// ``dcimanager.InterruptedError`` within 100 ms of its next wait. Later calls are not
    /// affected. (Ctrl-C needs no call: it interrupts a call on the main thread by itself.)
    fn interrupt(&self) {
        self.core.interrupt();
    }

    fn __repr__(&self) -> String {
        format!(
            "<dcimanager.Client {:?} session={}>",
            self.core.base_url().origin(),
            if self.core.token().is_some() {
                "active"
            } else {
                "none"
            }
        )
    }
}

fn header_pairs(headers: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<(String, String)>> {
    let Some(h) = headers else {
        return Ok(Vec::new());
    };
    if let Ok(d) = h.cast::<PyDict>() {
        return d
            .iter()
            .map(|(k, v)| Ok((k.extract::<String>()?, v.extract::<String>()?)))
            .collect();
    }
    h.extract()
}

#[pymethods]
impl Response {
    /// The HTTP status.
    #[getter]
    fn status(&self) -> u16 {
        self.inner.status()
    }

    /// Whether the status is 2xx.
    #[getter]
    fn ok(&self) -> bool {
        self.inner.is_success()
    }

    /// How many times the request was sent.
    #[getter]
    fn attempts(&self) -> u32 {
        self.inner.attempts()
    }

    /// Whether this is a retryable status (503) returned because no retry was left.
    #[getter]
    fn retries_exhausted(&self) -> bool {
        self.inner.retries_exhausted()
    }

    /// Headers as a dict with lower-case names (repeated headers joined with ", ").
    #[getter]
    fn headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (k, v) in self.inner.headers() {
            match d.get_item(k)? {
                Some(prev) => d.set_item(k, format!("{}, {v}", prev.extract::<String>()?))?,
                None => d.set_item(k, v)?,
            }
        }
        Ok(d)
    }

    /// Headers as (lower-case name, value) pairs, in order, repeats kept.
    #[getter]
    fn raw_headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let pairs: Vec<Bound<'py, PyTuple>> = self
            .inner
            .headers()
            .map(|(k, v)| PyTuple::new(py, [k, v]))
            .collect::<PyResult<_>>()?;
        PyList::new(py, pairs)
    }

    /// The body's bytes.
    #[getter]
    fn content<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.inner.body())
    }

    /// The body as text (UTF-8; invalid bytes replaced).
    #[getter]
    fn text(&self) -> String {
        self.inner.text().into_owned()
    }

    /// The body parsed as JSON (None when empty); DecodeError when it is not JSON.
    fn json<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        body_json(py, &self.inner)
    }

    /// Raises the error this answer means (ApiError, UnauthorizedError, HTTPError,
    /// RetryError); does nothing for a 2xx.
    fn raise_for_status(&self, py: Python<'_>) -> PyResult<()> {
        match self.inner.error() {
            None => Ok(()),
            Some(e) => Err(errors::to_py(py, e)),
        }
    }

    fn __repr__(&self) -> String {
        format!("<dcimanager.Response [{}]>", self.inner.status())
    }
}

/// The iterator returned by Client.paginate(): one request per page, with the GIL released.
#[pyclass(module = "dcimanager._native", name = "Pages")]
struct Pages {
    client: Py<Client>,
    cursor: Paginator,
}

#[pymethods]
impl Pages {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&mut self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let client = self.client.get();
        let cursor = &mut self.cursor;
        match detached(py, || cursor.next_item(&client.core))? {
            None => Err(PyStopIteration::new_err(())),
            Some(Ok(item)) => Ok(json::value_to_py(py, &item).unbind()),
            Some(Err(e)) => Err(errors::to_py(py, e)),
        }
    }

    /// The platform's count of matching items, once a page has told it (else None).
    #[getter]
    fn total(&self) -> Option<u64> {
        self.cursor.total()
    }
}

/// A string as a literal of the platform's `where` language: single-quoted, with a
/// backslash before ' and \ (so ``f"owner_email EQ {quote(email)}"`` is safe).
#[pyfunction]
fn quote(text: &str) -> String {
    dcimanager::quote(text)
}

/// Percent-encodes text for one path segment or query value: everything but A-Z a-z 0-9
/// - . _ ~ (so + ( ) ' in a where survive the trip).
#[pyfunction]
fn encode_component(text: &str) -> String {
    dcimanager::encode_component(text)
}

/// The pin (``sha256//<base64>``) of the certificate the server of an https URL presents:
/// a TLS handshake that trusts any certificate (the server must still prove it holds the
/// key), no HTTP request. Compare it out of band before passing it as ``pinned_pubkey=``.
#[pyfunction]
#[pyo3(signature = (url, *, timeout = Some(CONNECT_TIMEOUT_S), proxy = None, no_proxy = None))]
fn server_pin(
    py: Python<'_>,
    url: &str,
    timeout: Option<f64>,
    proxy: Option<&str>,
    no_proxy: Option<&str>,
) -> PyResult<String> {
    let timeout = seconds(timeout, "timeout")?;
    let mut settings = dcimanager::ProxySettings::from_env();
    settings.set_proxy(proxy).py_err(py)?;
    settings.set_no_proxy(no_proxy);
    detached(py, || {
        dcimanager::peer_certificate(url, &settings, timeout).map(|c| c.pin)
    })?
    .py_err(py)
}

/// JSON bytes into Python objects, by the parser every answer goes through (`serde=True`:
/// through serde_json instead). For the tests that prove the two equal; ValueError when the
/// text is not JSON.
#[pyfunction]
#[pyo3(signature = (data, serde = false))]
fn _json_loads<'py>(py: Python<'py>, data: &[u8], serde: bool) -> PyResult<Bound<'py, PyAny>> {
    let parsed = if serde {
        json::loads_serde(py, data)
    } else {
        json::loads(py, data)
    };
    parsed.map_err(pyo3::exceptions::PyValueError::new_err)
}

/// The native part of the dcimanager package.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    let d = PyDict::new(m.py());
    d.set_item("timeout", TIMEOUT_S)?;
    d.set_item("connect_timeout", CONNECT_TIMEOUT_S)?;
    d.set_item("retries", defaults::RETRIES)?;
    d.set_item("backoff_factor", defaults::BACKOFF_FACTOR)?;
    d.set_item("max_body_size", defaults::MAX_BODY_SIZE)?;
    d.set_item("page_size", defaults::PAGE_SIZE)?;
    d.set_item("retry_statuses", defaults::RETRY_STATUSES.to_vec())?;
    d.set_item("retry_methods", defaults::RETRY_METHODS.to_vec())?;
    m.add("DEFAULTS", d)?;
    m.add_class::<Client>()?;
    m.add_class::<Response>()?;
    m.add_class::<Pages>()?;
    m.add_class::<LoginInfo>()?;
    m.add_class::<KeyInfo>()?;
    m.add_class::<interrupts::Cancel>()?;
    m.add_function(wrap_pyfunction!(quote, m)?)?;
    m.add_function(wrap_pyfunction!(encode_component, m)?)?;
    m.add_function(wrap_pyfunction!(server_pin, m)?)?;
    m.add_function(wrap_pyfunction!(_json_loads, m)?)?;
    Ok(())
}
