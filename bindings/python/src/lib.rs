//! `dcimanager._native`: the Python face of the dcimanager core (pyo3).
//!
//! Every network call and every retry sleep runs with the GIL released (`Python::detach`), so
//! threads sharing one `Client` run in parallel; no Python object is touched while detached
//! (but for the `logging` bridge, which takes the GIL back for an event, see [`logging`]).
//! Answers are parsed straight from the body into Python objects (see [`json`]), and errors
//! become the exception classes of `dcimanager._errors` (see [`errors`]).
//!
//! The doc comments of the Python-visible items are their docstrings (`help()`), and say the
//! same as `dcimanager/_native.pyi` (tests/test_help.py compares the two).

mod errors;
mod interrupts;
mod json;
mod logging;
mod types;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use dcimanager::{
    defaults, Client as Core, ListQuery, Paginator, Request, Response as CoreResponse, RetryPolicy,
};
use errors::IntoPy;
use interrupts::{detached, detached_batch};
use pyo3::exceptions::{PyStopIteration, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};
use types::{KeyArg, KeyInfo, LoginInfo};

/// The core's defaults in seconds, for the signatures below (one source: `dcimanager::defaults`;
/// the `text_signature`s, which must be literals, write them out, and tests/test_help.py
/// checks them against `DEFAULTS`).
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
        Some(s) => Duration::try_from_secs_f64(s)
            .map(Some)
            .map_err(|_| PyValueError::new_err(format!("{what} must be a number of seconds ≥ 0"))),
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

/// A client of one DCImanager 6 installation (thread-safe; share one per process).
///
/// ``verify`` is True (verify against the system's trust store, which honours
/// ``SSL_CERT_FILE``/``SSL_CERT_DIR``; Mozilla's roots where the system has none), False
/// (insecure without a pin: accept any certificate; an :class:`InsecureRequestWarning` says
/// so, once per client) or the path of a PEM file trusted in addition — as CAs, and as the
/// exact certificate the server presents, so the platform's self-signed certificate verifies
/// when given here (host name and dates still checked). ``pinned_pubkey`` pins the server's
/// key in curl's format, ``"sha256//<base64>"`` (several joined by ``;``): with ``verify`` on,
/// the certificate must verify and match; with ``verify=False`` the pin alone decides. Learn a
/// server's with :func:`server_pin`. ``proxy`` is None (from the environment:
/// ``https_proxy``, ``all_proxy``... and ``no_proxy``, as requests reads them), ``""`` (never)
/// or ``"http://[user:pass@]host:port"``, ``"socks5://..."``, ``"socks5h://..."``;
/// ``no_proxy`` replaces the environment's ``no_proxy`` (e.g.
/// ``"localhost,.corp.example,10.0.0.0/8"``). ``timeout`` is the budget of one call in
/// seconds, retries included (None: unlimited); ``connect_timeout`` that of making a
/// connection. ``retries`` and ``backoff_factor`` follow the platform's documented urllib3
/// policy for HTTP 503. ``max_body_size`` is the largest answer body accepted, in bytes. The
/// defaults are the core's (``dcimanager.DEFAULTS``). ``token`` starts with a token obtained
/// elsewhere; ``email`` and ``password`` are kept to log in when the session expires (or
/// before the first request without a token), without logging in now.
#[pyclass(frozen, module = "dcimanager._native", name = "Client")]
struct Client {
    core: Core,
    /// Whether this client logged in itself (so the context manager logs out on exit).
    logged_in_here: AtomicBool,
}

/// An HTTP answer, whatever its status, shaped like requests' ``Response`` where that costs
/// nothing: ``status_code`` (also ``status``), ``reason``, ``ok``, ``url``, ``elapsed``,
/// ``headers`` (a :class:`dcimanager.CaseInsensitiveDict`), ``content``, ``text``, ``json()``
/// and ``raise_for_status()``; and ``attempts``, ``retries_exhausted`` and ``raw_headers``
/// of its own. ``bool(response)`` is ``ok``, as in requests.
#[pyclass(frozen, module = "dcimanager._native", name = "Response")]
struct Response {
    inner: CoreResponse,
    /// How long the call took.
    elapsed: Duration,
    /// The client, path and query the request was made of: its URL, made when read.
    client: Py<Client>,
    path: String,
    query: Vec<(String, String)>,
    /// The headers as a `CaseInsensitiveDict`, made on first read.
    headers: PyOnceLock<Py<PyAny>>,
}

impl Response {
    fn new(
        client: &Bound<'_, Client>,
        (inner, elapsed): (CoreResponse, Duration),
        path: &str,
        query: Vec<(String, String)>,
    ) -> Self {
        Response {
            inner,
            elapsed,
            client: client.clone().unbind(),
            path: path.to_owned(),
            query,
            headers: PyOnceLock::new(),
        }
    }
}

impl Client {
    /// Sends a request with the GIL released.
    fn send(&self, py: Python<'_>, req: &Request<'_>) -> PyResult<CoreResponse> {
        detached(py, || self.core.send(req))?.py_err(py)
    }

    /// Sends a request with the GIL released; its answer and the time the call took.
    fn timed_send(&self, py: Python<'_>, req: &Request<'_>) -> PyResult<(CoreResponse, Duration)> {
        let started = Instant::now();
        let inner = self.send(py, req)?;
        Ok((inner, started.elapsed()))
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
    if let Ok(v) = json::loads(py, resp.body()) {
        return Ok(v);
    }
    // What jiter refused, serde_json may still read (a number with an integer part of more
    // than 4,300 digits): the core's value then, else the core's error (a scrubbed excerpt).
    if let Ok(v) = json::loads_serde(py, resp.body()) {
        return Ok(v);
    }
    Err(errors::to_py(
        py,
        resp.check_json().err().unwrap_or_else(|| {
            dcimanager::Error::new(
                dcimanager::ErrorKind::Decode,
                "the answer is not JSON Python can hold",
            )
        }),
    ))
}

/// `params` (None, a dict or a sequence of pairs; values str/int/float/bool) as query pairs.
fn param_pairs(params: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<(String, String)>> {
    let Some(params) = params.filter(|p| !p.is_none()) else {
        return Ok(Vec::new());
    };
    if let Ok(d) = params.cast::<PyDict>() {
        d.iter()
            .map(|(k, v)| Ok((k.str()?.to_string(), param_text(&v)?)))
            .collect()
    } else {
        params
            .try_iter()?
            .map(|item| {
                let (k, v): (Bound<PyAny>, Bound<PyAny>) = item?.extract()?;
                Ok((k.str()?.to_string(), param_text(&v)?))
            })
            .collect()
    }
}

/// A request with these query pairs.
fn with_query<'a>(mut req: Request<'a>, pairs: &'a [(String, String)]) -> Request<'a> {
    for (k, v) in pairs {
        req = req.query(k.as_str(), v.as_str());
    }
    req
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
        signature = (base_url, *, verify = Verify::Flag(true), timeout = Some(TIMEOUT_S), connect_timeout = Some(CONNECT_TIMEOUT_S), retries = defaults::RETRIES, backoff_factor = defaults::BACKOFF_FACTOR, token = None, email = None, password = None, max_body_size = defaults::MAX_BODY_SIZE, pinned_pubkey = None, proxy = None, no_proxy = None),
        text_signature = "(base_url, *, verify=True, timeout=60.0, connect_timeout=10.0, retries=10, backoff_factor=0.01, token=None, email=None, password=None, max_body_size=67108864, pinned_pubkey=None, proxy=None, no_proxy=None)"
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
    /// renewed once, automatically, when it expires. Returns a LoginInfo (``id``,
    /// ``confirmed``, ``token``; its repr hides the token).
    fn login(&self, py: Python<'_>, email: &str, password: &str) -> PyResult<LoginInfo> {
        let info = detached(py, || self.core.login(email, password))?.py_err(py)?;
        self.logged_in_here.store(true, Ordering::Relaxed);
        Ok(info.into())
    }

    /// Logs in with a single sign-on key (str or the KeyInfo of create_key()) and uses that
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

    /// Creates a long-lived token expiring at ``expires_at`` (``"YYYY-MM-DD HH:MM:SS"``, or a
    /// datetime: an aware one is converted to UTC). Returns the token; the client keeps its
    /// own (assign ``client.token`` to switch).
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
    /// KeyInfo (``id``, ``key``; its repr hides the key).
    fn create_key(&self, py: Python<'_>, user: &Bound<'_, PyAny>) -> PyResult<KeyInfo> {
        let user = text_arg(user, "user")?;
        let key = detached(py, || self.core.create_key(&user))?.py_err(py)?;
        Ok(key.into())
    }

    /// The link that logs a user in with a key (str or KeyInfo):
    /// ``{base}/auth/key-v4/<key>``.
    fn key_login_url(&self, py: Python<'_>, key: KeyArg) -> PyResult<String> {
        self.core.key_login_url(key.text()).py_err(py)
    }

    /// GET a path (``"dci/v3/server/2"`` → ``{base}/api/dci/v3/server/2``; a URL of this
    /// client's origin is taken as it is) with ``params`` added to the query (a dict or
    /// (name, value) pairs; values str, int, float or bool). Returns the parsed JSON answer
    /// (None for an empty body); an error status raises the matching :class:`Error`
    /// (ApiError, UnauthorizedError, HTTPError, RetriesExhaustedError) with its facts. ``timeout``: this
    /// call's budget in seconds instead of the client's.
    #[pyo3(signature = (path, params = None, *, timeout = None))]
    fn get<'py>(
        &self,
        py: Python<'py>,
        path: &str,
        params: Option<&Bound<'_, PyAny>>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let query = param_pairs(params)?;
        let req = with_timeout(with_query(Request::get(path), &query), timeout)?;
        self.send_json(py, &req)
    }

    /// GETs of many paths at once: up to ``concurrency`` in flight, on threads that live
    /// only during this call (the calling thread is one of them), with the GIL released.
    /// ``paths`` holds paths (str), or (path, params) pairs with ``params`` as for get().
    /// Returns the parsed JSON answers in the order of ``paths``. Each request is what get()
    /// would send, with its retries and the one re-login of an expired session shared; the
    /// batch has one time budget, the client's ``timeout``: a request that cannot start
    /// before it runs out fails with :class:`TimeoutError`, never sent. When requests fail,
    /// the first failure in the order of ``paths`` is raised once every request is done; with
    /// ``return_exceptions=True`` each failure's exception takes its place in the list
    /// instead (as asyncio.gather does). Ctrl-C or :meth:`interrupt` stops the whole batch:
    /// the requests in flight are interrupted and the rest are never sent.
    #[pyo3(
        signature = (paths, concurrency = defaults::BATCH_CONCURRENCY, *, return_exceptions = false),
        text_signature = "(self, /, paths, concurrency=8, *, return_exceptions=False)"
    )]
    fn get_all<'py>(
        &self,
        py: Python<'py>,
        paths: &Bound<'py, PyAny>,
        concurrency: usize,
        return_exceptions: bool,
    ) -> PyResult<Bound<'py, PyList>> {
        if paths.is_instance_of::<PyString>() {
            return Err(PyTypeError::new_err(
                "paths must be an iterable of paths, not one str",
            ));
        }
        if concurrency == 0 {
            return Err(PyValueError::new_err("concurrency must be at least 1"));
        }
        let items: Vec<(String, Vec<(String, String)>)> = paths
            .try_iter()?
            .map(|item| {
                let item = item?;
                if let Ok(path) = item.cast::<PyString>() {
                    return Ok((path.to_cow()?.into_owned(), Vec::new()));
                }
                let (path, params): (String, Bound<'_, PyAny>) = item.extract().map_err(|_| {
                    PyTypeError::new_err(
                        "each item of paths must be a str or a (path, params) pair",
                    )
                })?;
                Ok((path, param_pairs(Some(&params))?))
            })
            .collect::<PyResult<_>>()?;
        let requests: Vec<Request<'_>> = items
            .iter()
            .map(|(path, query)| with_query(Request::get(path.as_str()), query))
            .collect();
        let results = if requests.is_empty() {
            Vec::new()
        } else {
            detached_batch(py, || self.core.send_all(&requests, concurrency))?
        };
        let out = PyList::empty(py);
        for result in results {
            let item = match result.and_then(CoreResponse::error_for_status) {
                Ok(resp) => body_json(py, &resp),
                Err(e) => Err(errors::to_py(py, e)),
            };
            match item {
                Ok(value) => out.append(value)?,
                Err(e) if return_exceptions => out.append(e.value(py))?,
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// POST ``json`` (``{}`` when None) to a path, with ``params`` added to the query; the
    /// parsed JSON answer (None for an empty body). Errors and ``timeout`` as for get().
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
        let query = param_pairs(params)?;
        let mut req = with_timeout(with_query(Request::post(path), &query), timeout)?;
        if let Some(b) = &body {
            req = req.body(&b[..], Some("application/json"));
        }
        self.send_json(py, &req)
    }

    /// DELETE a path, with ``params`` added to the query; the parsed JSON answer (None for an
    /// empty body). Errors and ``timeout`` as for get().
    #[pyo3(signature = (path, params = None, *, timeout = None))]
    fn delete<'py>(
        &self,
        py: Python<'py>,
        path: &str,
        params: Option<&Bound<'_, PyAny>>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let query = param_pairs(params)?;
        let req = with_timeout(with_query(Request::delete(path), &query), timeout)?;
        self.send_json(py, &req)
    }

    /// Sends a request and returns the :class:`Response` whatever its status
    /// (``raise_for_status()`` raises the error it means); only failures without an answer
    /// (connection, timeout, TLS, bad arguments) raise here. ``params``, ``json`` and
    /// ``timeout`` as for post(); ``headers`` (a dict or (name, value) pairs) add to or
    /// replace the client's own.
    #[pyo3(signature = (method, path, *, params = None, json = None, headers = None, timeout = None))]
    #[allow(clippy::too_many_arguments)]
    fn request(
        slf: &Bound<'_, Self>,
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
        let query = param_pairs(params)?;
        let answer = {
            let mut req = with_timeout(with_query(Request::new(method, path), &query), timeout)?;
            if let Some(b) = &body {
                req = req.body(&b[..], Some("application/json"));
            }
            for (k, v) in &pairs {
                req = req.header(k.as_str(), v.as_str());
            }
            slf.get().timed_send(py, &req)?
        };
        Ok(Response::new(slf, answer, path, query))
    }

    /// Iterates over every item of a list call (``{"list": [...], "size": N}``),
    /// ``page_size`` items per request, with an optional ``where`` filter (quote literals
    /// with :func:`quote`) and ``orderby``. The core's paging (the same in every language):
    /// one request per page, with the GIL released.
    #[pyo3(
        signature = (path, *, r#where = None, orderby = None, page_size = defaults::PAGE_SIZE),
        text_signature = "(self, /, path, *, where=None, orderby=None, page_size=100)"
    )]
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
    #[pyo3(
        signature = (total, *, connect = None, read = None, status = None, backoff_factor = 0.0, backoff_max = 120.0, jitter = 0.0, statuses = Vec::new(), methods = Vec::new(), respect_retry_after = true),
        text_signature = "(self, /, total, *, connect=None, read=None, status=None, backoff_factor=0.0, backoff_max=120.0, jitter=0.0, statuses=(), methods=(), respect_retry_after=True)"
    )]
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
        slf: &Bound<'_, Self>,
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
        let answer = slf.get().timed_send(py, &req)?;
        Ok(Response::new(slf, answer, url, Vec::new()))
    }

    /// Returns the client itself; see ``__exit__``.
    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    /// Logs out when this client logged in itself: one attempt within 2 s, so that a
    /// platform that does not answer neither delays nor hides what the block raised. A
    /// failed logout is logged at WARNING (logger "dcimanager") and added as a note to the
    /// block's exception, never raised. Not tried after KeyboardInterrupt, SystemExit or
    /// asyncio's CancelledError (a BaseException that is not an Exception).
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
    /// :class:`InterruptedError` within 100 ms of its next wait. Later calls are not
    /// affected. Ctrl-C needs no call: it stops a call on the main thread by itself.
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
    /// The HTTP status (the same as ``status_code``).
    #[getter]
    fn status(&self) -> u16 {
        self.inner.status()
    }

    /// The HTTP status, as requests names it (the same as ``status``).
    #[getter]
    fn status_code(&self) -> u16 {
        self.inner.status()
    }

    /// The standard reason phrase of the status (``"Not Found"`` for 404), or ``""`` for a
    /// status that has none; not the words the server sent.
    #[getter]
    fn reason(&self) -> &'static str {
        http::StatusCode::from_u16(self.inner.status())
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("")
    }

    /// Whether the status is 2xx (requests also counts 3xx as ok; redirects are not
    /// followed here, and ``raise_for_status()`` raises for them).
    #[getter]
    fn ok(&self) -> bool {
        self.inner.is_success()
    }

    // `ok`, as in requests: `if response:` tests the status (a slot: no docstring of its own).
    fn __bool__(&self) -> bool {
        self.inner.is_success()
    }

    /// The URL the request was sent to, query included
    /// (``{base}/api/dci/v3/server?where=...``).
    #[getter]
    fn url(&self) -> String {
        // As the core builds it (BaseUrl::join, then the query), which the send did without
        // error.
        let mut url = self.client.get().core.url(&self.path).unwrap_or_default();
        dcimanager::paths::append_query(
            &mut url,
            self.query.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        );
        url
    }

    /// How long the call took, as a ``datetime.timedelta``: from sending the request to having
    /// the whole answer, retries, their waits and a re-login included.
    #[getter]
    fn elapsed(&self) -> Duration {
        self.elapsed
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

    /// The headers, as a :class:`dcimanager.CaseInsensitiveDict`: looked up in any case
    /// (``r.headers["Content-Type"]``), names in lower case, a repeated header's values
    /// joined with ``", "``. The same object on every read.
    #[getter]
    fn headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.headers
            .get_or_try_init(py, || {
                // CaseInsensitiveDict's own store is the plain dict.
                let class = case_insensitive_dict(py)?;
                let headers = class.call_method1(pyo3::intern!(py, "__new__"), (class,))?;
                headers.setattr(pyo3::intern!(py, "_store"), self._header_dict(py)?)?;
                headers.setattr(pyo3::intern!(py, "_names"), py.None())?;
                Ok::<_, PyErr>(headers.unbind())
            })
            .map(|h| h.bind(py).clone())
    }

    /// The headers as a new plain dict with lower-case names, a repeated header's values
    /// joined with ``", "`` (used by dcimanager.compat, which makes its own mapping).
    #[getter]
    fn _header_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (k, v) in self.inner.headers() {
            match d.get_item(k)? {
                Some(prev) => d.set_item(k, format!("{}, {v}", prev.cast::<PyString>()?))?,
                None => d.set_item(k, v)?,
            }
        }
        Ok(d)
    }

    /// The headers as (lower-case name, value) pairs, in order, repeats kept (each
    /// ``Set-Cookie`` apart).
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

    /// The body parsed as JSON, whatever the status (None when the body is empty);
    /// :class:`DecodeError` when it is not JSON.
    fn json<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        body_json(py, &self.inner)
    }

    /// Raises the error this answer means, with its facts as attributes (``status``,
    /// ``method``, ``url``, ``attempts``, ``body``...): :class:`ApiError` for the platform's
    /// error body (``code``, ``msg``, ``value``), :class:`UnauthorizedError` when it refused
    /// the session, :class:`RetriesExhaustedError` when 503s outlasted the retries, :class:`HTTPError`
    /// for any other status that is not 2xx. Does nothing for a 2xx.
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

static CASE_INSENSITIVE_DICT: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// `dcimanager._structures.CaseInsensitiveDict`.
fn case_insensitive_dict(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    CASE_INSENSITIVE_DICT
        .get_or_try_init(py, || {
            Ok::<_, PyErr>(
                py.import("dcimanager._structures")?
                    .getattr("CaseInsensitiveDict")?
                    .unbind(),
            )
        })
        .map(|c| c.bind(py))
}

/// The iterator returned by Client.paginate(): the items of every page in order, one request
/// per page, with the GIL released.
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

/// ``text`` as a literal of the platform's ``where`` language: single-quoted, with a
/// backslash before ``'`` and ``\`` — ``f"owner_email EQ {quote(email)}"`` is safe.
#[pyfunction]
fn quote(text: &str) -> String {
    dcimanager::quote(text)
}

/// Percent-encodes text for one path segment or query value: everything but
/// ``A-Z a-z 0-9 - . _ ~`` (so ``+ ( ) '`` in a ``where`` survive the trip).
#[pyfunction]
fn encode_component(text: &str) -> String {
    dcimanager::encode_component(text)
}

/// The pin (``"sha256//<base64>"``, curl's format) of the certificate the server of an
/// ``https://`` URL presents, for ``Client(..., pinned_pubkey=...)``: a TLS handshake that
/// trusts any certificate (the server must still prove it holds the key) and no HTTP
/// request, through the proxy the environment (or ``proxy``) names, within ``timeout``
/// seconds. Trust on first use, as ssh shows a fingerprint: **compare the pin out of band**
/// (on the platform's console) before pinning it.
#[pyfunction]
#[pyo3(
    signature = (url, *, timeout = Some(CONNECT_TIMEOUT_S), proxy = None, no_proxy = None),
    text_signature = "(url, *, timeout=10.0, proxy=None, no_proxy=None)"
)]
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

/// JSON bytes into Python objects by the parser answers go through, without its fallback to
/// serde_json (``serde=True``: by serde_json), for the tests that prove the two equal;
/// ValueError when the text is not JSON.
#[pyfunction]
#[pyo3(signature = (data, serde = false))]
fn _json_loads<'py>(py: Python<'py>, data: &[u8], serde: bool) -> PyResult<Bound<'py, PyAny>> {
    let parsed = if serde {
        json::loads_serde(py, data)
    } else {
        json::loads(py, data)
    };
    parsed.map_err(PyValueError::new_err)
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
    d.set_item("batch_concurrency", defaults::BATCH_CONCURRENCY)?;
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
