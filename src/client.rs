//! The [`Client`]: configuration and the request pipeline. [`Client::send`] runs its steps in
//! order, each a named method below:
//!
//! 1. [`prepare`](Client::prepare): method, URL (paths.rs), checks, default body, deadline;
//! 2. [`start_session`](Client::start_session): log in first when the client holds
//!    credentials but no token yet;
//! 3. [`execute`](Client::execute): the session's headers, then the retry loop (retry.rs)
//!    around one exchange (transport.rs);
//! 4. [`renew_and_repeat`](Client::renew_and_repeat): the renewal policy — on an expired
//!    session, one single-flight login (session.rs) and one repeat.
//!
//! Errors leave [`send`](Client::send) through [`Error::redact`] with every secret the call
//! knows of.

use std::cell::OnceCell;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::RwLock;
use serde_json::Value;
use ureq::http::header::{CONTENT_TYPE, COOKIE};
use ureq::http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};

use crate::defaults;
use crate::error::{Error, Result};
use crate::events::{Event, Level, Observer, ReloginReason, Sinks};
use crate::interrupt::{self, Check, Interrupts};
use crate::paths::{append_query, BaseUrl, UriCache};
use crate::proxy::ProxySettings;
use crate::request::{Request, JSON};
use crate::response::Response;
use crate::retry::{self, RetryPolicy};
use crate::secret::{Secret, Secrets};
use crate::session::{
    base_headers, read_login_answer, Credentials, Session, SessionStore, ISP_BOX_INSTANCE,
    MAX_RENEWALS, X_XSRF_TOKEN,
};
use crate::tls::TlsSettings;
use crate::transport::{Route, Transport};

/// Default time budget of one call, retries included (see [`defaults`]).
pub const DEFAULT_TIMEOUT: Duration = defaults::TIMEOUT;
/// Default time to set up a connection (see [`defaults`]).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = defaults::CONNECT_TIMEOUT;
/// Default largest response body accepted (see [`defaults`]).
pub const DEFAULT_MAX_BODY_SIZE: u64 = defaults::MAX_BODY_SIZE;

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
    /// Bumped by [`Client::interrupt`]; the calls in flight watch it (interrupt.rs).
    interrupts: Interrupts,
    /// The URIs of recent requests (paths.rs).
    uris: UriCache,
    settings: RwLock<Arc<Settings>>,
    pub(crate) session: SessionStore,
}

#[derive(Clone)]
struct Settings {
    observer: Option<Arc<dyn Observer>>,
    /// Set once the client said its TLS is not verified (one warning per setting of it).
    insecure_said: Arc<std::sync::atomic::AtomicBool>,
    /// A binding's check of whether a waiting call should stop (interrupt.rs).
    interrupt_check: Option<Check>,
    transport: Transport,
    tls: TlsSettings,
    proxy: ProxySettings,
    /// Where connections go: the proxy chosen for the origin, addresses given.
    route: Route,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    retry: RetryPolicy,
    max_body_size: u64,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let session = self.session.current();
        let s = self.settings.read();
        f.debug_struct("Client")
            .field("base_url", &self.base.origin())
            .field("has_token", &session.token.is_some())
            .field("can_relogin", &session.creds.is_some())
            .field("tls", &s.tls)
            .field("proxy", &s.route.proxy)
            .field("timeout", &s.timeout)
            .field("retry", &s.retry)
            .finish()
    }
}

/// Builds a [`Client`]. Errors (a bad URL, an unreadable CA file) are reported by
/// [`build`](ClientBuilder::build).
pub struct ClientBuilder {
    base_url: String,
    tls: TlsSettings,
    proxy: ProxySettings,
    resolve_to: Option<Arc<[std::net::SocketAddr]>>,
    error: Option<Error>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    retry: RetryPolicy,
    token: Option<Secret>,
    credentials: Option<(Secret, Secret)>,
    max_body_size: u64,
    observer: Option<Arc<dyn Observer>>,
    interrupt_check: Option<Check>,
}

impl ClientBuilder {
    /// A check a waiting call makes at least every [`crate::interrupt::CHECK_EVERY`] (and
    /// only while it waits): `true` stops the call with [`ErrorKind::Interrupted`]. For
    /// bindings: Python runs its signal handlers here, so that Ctrl-C stops a call. It runs
    /// on the calling thread.
    ///
    /// [`ErrorKind::Interrupted`]: crate::ErrorKind::Interrupted
    pub fn interrupt_check(mut self, check: Check) -> Self {
        self.interrupt_check = Some(check);
        self
    }

    /// Receives the client's events (requests, connections, retries, re-logins, give-ups);
    /// they also go to the `log` facade, target `"dcimanager"`. See [`crate::events`].
    pub fn observer(mut self, observer: Arc<dyn Observer>) -> Self {
        self.observer = Some(observer);
        self
    }

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

    /// Accepts any server certificate when `true`. Insecure without a pin: only for tests.
    pub fn danger_accept_invalid_certs(mut self, accept: bool) -> Self {
        self.tls.insecure_skip_verify(accept);
        self
    }

    /// Pins the server's public key: curl's `sha256//<base64>`, several joined by `;` (see
    /// [`crate::Pins`]; learn a server's with [`crate::server_pin`] and compare it out of
    /// band). With verification on, the certificate must verify *and* match a pin; with it
    /// off, the pin alone decides.
    pub fn pinned_pubkey(mut self, pins: &str) -> Self {
        if let Err(e) = self.tls.set_pinned_pubkey(Some(pins)) {
            self.error.get_or_insert(e);
        }
        self
    }

    /// The proxy: `None` reads the environment (the default: `https_proxy`, `all_proxy`...,
    /// see [`crate::proxy`]); `Some("")` never uses one; `Some(url)` uses that one
    /// (`http://[user:pass@]host:port`, `socks5://`, `socks5h://`).
    pub fn proxy(mut self, url: Option<&str>) -> Self {
        if let Err(e) = self.proxy.set_proxy(url) {
            self.error.get_or_insert(e);
        }
        self
    }

    /// The hosts reached without the proxy: `None` reads `no_proxy`/`NO_PROXY` (the
    /// default), `Some(list)` replaces them (see [`crate::proxy`] for the syntax).
    pub fn no_proxy(mut self, list: Option<&str>) -> Self {
        self.proxy.set_no_proxy(list);
        self
    }

    /// Connects to these addresses instead of resolving the base URL's host, as curl's
    /// `--resolve` (the host still names the server for TLS and the `Host` header). Several
    /// addresses are tried as RFC 8305 says. Ignored when a proxy is used.
    pub fn resolve_to(mut self, addrs: &[std::net::SocketAddr]) -> Self {
        self.resolve_to = (!addrs.is_empty()).then(|| Arc::from(addrs));
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

    /// Credentials to log in with when the session expires (or before the first request when
    /// no token is given), without logging in at build time. See
    /// [`Client::set_credentials`].
    pub fn credentials(mut self, email: &str, password: &str) -> Self {
        self.credentials = Some((Secret::new(email), Secret::new(password)));
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
        let session = SessionStore::new(base.host_header().clone());
        self.retry.validate()?;
        let route = Route {
            proxy: select_proxy(&self.proxy, &base)?,
            addrs: self.resolve_to,
        };
        let client = Client {
            base,
            interrupts: Interrupts::default(),
            uris: UriCache::default(),
            settings: RwLock::new(Arc::new(Settings {
                insecure_said: Arc::default(),
                observer: self.observer,
                interrupt_check: self.interrupt_check,
                transport: Transport::new(&self.tls, &route),
                tls: self.tls,
                proxy: self.proxy,
                route,
                timeout: self.timeout,
                connect_timeout: self.connect_timeout,
                retry: self.retry,
                max_body_size: self.max_body_size,
            })),
            session,
        };
        if let Some(token) = self.token {
            client.set_token(token.expose())?;
        }
        if let Some((email, password)) = self.credentials {
            client.set_credentials(email.expose(), password.expose())?;
        }
        Ok(client)
    }
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("tls", &self.tls)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("has_token", &self.token.is_some())
            .field("has_observer", &self.observer.is_some())
            .finish()
    }
}

thread_local! {
    /// Where a request's target is written before its URI is looked up (paths.rs).
    static TARGET: std::cell::RefCell<String> = std::cell::RefCell::new(String::with_capacity(256));
}

/// A request ready to go out: everything [`Client::execute`] needs, computed once.
struct Prepared<'r> {
    method: Method,
    /// The request's URI, scheme and authority shared with the client (see paths.rs).
    uri: Uri,
    body: Option<&'r [u8]>,
    /// The Content-Type to send (a static value for JSON, else the request's own).
    content_type: Option<HeaderValue>,
    /// The request's own headers, checked and typed.
    headers: Vec<(HeaderName, HeaderValue)>,
    req: &'r Request<'r>,
    /// When the call's time budget runs out: shared by its repeats after a re-login.
    deadline: Option<Instant>,
    connect_timeout: Option<Duration>,
    /// Copies of the secrets the request carries, for the errors of its answer.
    carried: Option<Arc<[Secret]>>,
    /// The URL's path without its query, scrubbed of the call's secrets: made for the first
    /// event that needs it.
    event_path: OnceCell<String>,
}

impl Prepared<'_> {
    /// The path events show (see [`crate::events`]).
    fn event_path(&self, session: &Session) -> &str {
        self.event_path.get_or_init(|| {
            let mut secrets = session.secrets();
            for c in self.carried.iter().flat_map(|c| c.iter()) {
                secrets.add(c.expose());
            }
            secrets.scrub(self.uri.path())
        })
    }

    /// The headers of one attempt: the client's own (values made once: static, or per token
    /// in the session), then the request's own, which replace the client's of the same name.
    fn headers(&self, authenticated: bool, session: &Session, host: &HeaderValue) -> HeaderMap {
        let req = self.req;
        if let (true, true, true, Some(t)) = (
            authenticated,
            req.platform_headers,
            self.headers.is_empty(),
            &session.headers,
        ) {
            // The common request: a set made once per token.
            match &self.content_type {
                None => return t.plain.clone(),
                Some(ct) if ct == JSON => return t.json.clone(),
                Some(_) => {}
            }
        }
        let mut h = base_headers(host, 8 + self.headers.len());
        if req.platform_headers {
            h.insert(ISP_BOX_INSTANCE, HeaderValue::from_static("true"));
        }
        if let (true, Some(t)) = (authenticated, &session.headers) {
            h.insert(X_XSRF_TOKEN, t.xsrf.clone());
            h.insert(COOKIE, t.cookie.clone());
        }
        if let Some(ct) = &self.content_type {
            h.insert(CONTENT_TYPE, ct.clone());
        }
        for (name, _) in &self.headers {
            h.remove(name);
        }
        for (name, value) in &self.headers {
            h.append(name.clone(), value.clone());
        }
        h
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

    /// A builder for a client of `https://host[:port]`, with the [`defaults`].
    pub fn builder(base_url: &str) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.to_owned(),
            tls: TlsSettings::new(),
            proxy: ProxySettings::from_env(),
            resolve_to: None,
            error: None,
            timeout: Some(defaults::TIMEOUT),
            connect_timeout: Some(defaults::CONNECT_TIMEOUT),
            retry: RetryPolicy::default(),
            token: None,
            credentials: None,
            max_body_size: defaults::MAX_BODY_SIZE,
            observer: None,
            interrupt_check: None,
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
            next.transport = Transport::new(&next.tls, &next.route);
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
            s.insecure_said = Arc::default();
            s.transport = Transport::new(&s.tls, &s.route);
            Ok(())
        })
    }

    fn update_proxy(&self, change: impl FnOnce(&mut ProxySettings) -> Result<()>) -> Result<()> {
        self.update(|s| {
            change(&mut s.proxy)?;
            s.route.proxy = select_proxy(&s.proxy, &self.base)?;
            s.transport = Transport::new(&s.tls, &s.route);
            Ok(())
        })
    }

    /// Pins the server's public key (`Some`: curl's `sha256//...;...`, see
    /// [`ClientBuilder::pinned_pubkey`]) or removes the pins (`None` or `""`).
    pub fn set_pinned_pubkey(&self, pins: Option<&str>) -> Result<()> {
        self.update_tls(|t| t.set_pinned_pubkey(pins).map(drop))
    }

    /// The proxy (see [`ClientBuilder::proxy`]): `None` from the environment, `Some("")`
    /// none, `Some(url)` that one. Applies from the next connection.
    pub fn set_proxy(&self, url: Option<&str>) -> Result<()> {
        self.update_proxy(|p| p.set_proxy(url).map(drop))
    }

    /// The hosts reached without the proxy (see [`ClientBuilder::no_proxy`]).
    pub fn set_no_proxy(&self, list: Option<&str>) -> Result<()> {
        self.update_proxy(|p| {
            p.set_no_proxy(list);
            Ok(())
        })
    }

    /// The proxy this client's connections go through (`scheme://host:port`, without
    /// credentials), or `None` when it connects directly.
    pub fn proxy(&self) -> Option<String> {
        self.settings
            .read()
            .route
            .proxy
            .as_ref()
            .map(|p| p.shown().to_string())
    }

    /// Whether the connection to the server is authenticated: verification on, or a key
    /// pinned.
    pub fn is_secure(&self) -> bool {
        self.settings.read().tls.is_secure()
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

    /// Replaces the receiver of the client's events (`None`: only the `log` facade).
    pub fn set_observer(&self, observer: Option<Arc<dyn Observer>>) -> Result<()> {
        self.update(|s| {
            s.observer = observer;
            Ok(())
        })
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
        let settings = self.current_settings();
        self.send_checked(req, &settings, settings.interrupt_check.as_ref())
    }

    /// [`send`](Self::send) watching for interrupts with `check` (the client's, or a batch's).
    fn send_checked(
        &self,
        req: &Request<'_>,
        settings: &Settings,
        check: Option<&Check>,
    ) -> Result<Response> {
        interrupt::watching(&self.interrupts, check, || self.pipeline(settings, req))
            .map_err(|e| self.named(req, e))
    }

    /// An error of a request, scrubbed of the secrets the call knows and naming the request.
    fn named(&self, req: &Request<'_>, e: Error) -> Error {
        let session = self.session.current();
        let secrets = call_secrets(&session, req);
        let (target, url) = self.request_name(req, &secrets);
        e.redact(&secrets)
            .for_request(&req.method.to_ascii_uppercase(), target, url)
    }

    /// Sends a batch of requests at once: up to `concurrency` in flight (0: the default,
    /// [`defaults::BATCH_CONCURRENCY`]), on threads that live only during this call (scoped;
    /// the calling thread is one of them), and returns each answer or error in the order
    /// given — one failure does not fail the others. Each result is what [`send`](Self::send)
    /// would give for that request: retries, the single-flight re-login of an expired session
    /// and the redaction of errors are the same.
    ///
    /// The batch has one time budget, the client's (`timeout`): a request starts with what
    /// is left of it (or its own timeout, if shorter), and one that cannot start before it
    /// runs out fails with [`ErrorKind::Timeout`](crate::ErrorKind::Timeout), never sent.
    /// When a request is interrupted ([`interrupt`](Self::interrupt), or the client's interrupt
    /// check, which only the calling thread runs — a binding's check, such as Python's
    /// Ctrl-C, runs where the binding expects it), the batch stops: its requests in flight
    /// are interrupted too (other calls on the client are not) and those not started fail
    /// with [`ErrorKind::Interrupted`](crate::ErrorKind::Interrupted), never sent. The
    /// client's observer (its log callbacks) hears the events of every request, from the
    /// thread that sends it.
    pub fn send_all(&self, requests: &[Request<'_>], concurrency: usize) -> Vec<Result<Response>> {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        let n = requests.len();
        let concurrency = if concurrency == 0 {
            defaults::BATCH_CONCURRENCY
        } else {
            concurrency
        };
        let settings = self.current_settings();
        let deadline = settings.timeout.map(|t| Instant::now() + t);
        let next = AtomicUsize::new(0);
        // Set when a request of the batch is interrupted: the others stop at their next check.
        let stop = Arc::new(AtomicBool::new(false));
        let stopped: Check = {
            let stop = Arc::clone(&stop);
            Arc::new(move || stop.load(Ordering::SeqCst))
        };
        // The calling thread runs the client's check as well (a binding's, such as Python's
        // signal handlers, may run only there).
        let caller: Check = match &settings.interrupt_check {
            None => Arc::clone(&stopped),
            Some(own) => {
                let (own, stop) = (Arc::clone(own), Arc::clone(&stop));
                Arc::new(move || stop.load(Ordering::SeqCst) || own())
            }
        };
        let slots: Vec<parking_lot::Mutex<Option<Result<Response>>>> =
            (0..n).map(|_| parking_lot::Mutex::new(None)).collect();
        let finished = AtomicUsize::new(0);
        let calling = std::thread::current();
        let work = |check: &Check| loop {
            let i = next.fetch_add(1, Ordering::SeqCst);
            let Some(req) = requests.get(i) else {
                break;
            };
            let result = if stop.load(Ordering::SeqCst) {
                Err(self.named(
                    req,
                    Error::new(
                        crate::ErrorKind::Interrupted,
                        "not sent: the batch was interrupted",
                    ),
                ))
            } else {
                self.send_within(req, &settings, check, deadline)
            };
            if matches!(&result, Err(e) if e.kind() == crate::ErrorKind::Interrupted) {
                stop.store(true, Ordering::SeqCst); // the batch's requests in flight stop too
            }
            *slots[i].lock() = Some(result);
            if finished.fetch_add(1, Ordering::SeqCst) + 1 == n {
                calling.unpark();
            }
        };
        std::thread::scope(|scope| {
            for _ in 1..concurrency.min(n) {
                scope.spawn(|| work(&stopped));
            }
            work(&caller);
            // Its share done, the calling thread waits for the others in slices, still
            // running the client's check: Ctrl-C stops the batch however far it has got.
            while finished.load(Ordering::SeqCst) < n {
                std::thread::park_timeout(crate::interrupt::CHECK_EVERY);
                if finished.load(Ordering::SeqCst) < n
                    && !stop.load(Ordering::SeqCst)
                    && settings.interrupt_check.as_ref().is_some_and(|c| c())
                {
                    stop.store(true, Ordering::SeqCst);
                }
            }
        });
        slots
            .into_iter()
            .map(|slot| {
                slot.into_inner()
                    .expect("every request of the batch has its result")
            })
            .collect()
    }

    /// [`send`](Self::send) with what is left before `deadline` as the time budget (or the
    /// request's own, if shorter); nothing is sent once the deadline has passed.
    fn send_within(
        &self,
        req: &Request<'_>,
        settings: &Settings,
        check: &Check,
        deadline: Option<Instant>,
    ) -> Result<Response> {
        let Some(deadline) = deadline else {
            return self.send_checked(req, settings, Some(check));
        };
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(self.named(
                req,
                Error::new(
                    crate::ErrorKind::Timeout,
                    "not sent: the batch's time budget ran out before this request started",
                ),
            ));
        }
        let budget = match req.timeout {
            Some(Some(own)) => own.min(left),
            _ => left,
        };
        self.send_checked(&req.clone().timeout(Some(budget)), settings, Some(check))
    }

    /// Interrupts every call in flight on this client, from another thread (or, through the
    /// C ABI, a signal handler: it is one atomic add): each returns
    /// [`ErrorKind::Interrupted`](crate::ErrorKind::Interrupted) within
    /// [`crate::interrupt::CHECK_EVERY`] of the moment it next waits — connecting, in the TLS
    /// handshake, sending, waiting for the answer, sleeping before a retry. Calls that start
    /// later are not affected; the client stays usable.
    pub fn interrupt(&self) {
        self.interrupts.interrupt();
    }

    /// Replaces the check a waiting call makes (see [`ClientBuilder::interrupt_check`]).
    pub fn set_interrupt_check(&self, check: Option<Check>) -> Result<()> {
        self.update(|s| {
            s.interrupt_check = check;
            Ok(())
        })
    }

    /// The target (path and query, secrets redacted: those the call knows, and a token or
    /// key in the path) and the URL of a request, for its errors; the path as given when no
    /// URL can be made of it.
    fn request_name(&self, req: &Request<'_>, secrets: &Secrets) -> (String, Option<String>) {
        let mut target = String::new();
        match self.base.target_into(&req.path, &mut target) {
            Ok(()) => {
                append_query(
                    &mut target,
                    req.query.iter().map(|(k, v)| (k.as_ref(), v.as_ref())),
                );
                let (target, url) =
                    crate::paths::request_label(self.base.origin(), &target, secrets);
                (target, Some(url))
            }
            Err(_) => (
                secrets.scrub(&crate::paths::redact_secret_segments(&req.path)),
                None,
            ),
        }
    }

    fn pipeline(&self, settings: &Settings, req: &Request<'_>) -> Result<Response> {
        let p = self.prepare(settings, req)?;
        let session = self.start_session(settings, &p)?;
        let resp = self.execute(settings, &p, req.authenticated, session)?;
        self.renew_and_repeat(settings, &p, resp)
    }

    /// Step 1: everything that can be computed (and refused) before anything is sent.
    fn prepare<'r>(&self, settings: &Settings, req: &'r Request<'r>) -> Result<Prepared<'r>> {
        let method = if req.method.bytes().any(|b| b.is_ascii_lowercase()) {
            Method::from_bytes(req.method.to_ascii_uppercase().as_bytes())
        } else {
            Method::from_bytes(req.method.as_bytes())
        }
        .map_err(|_| Error::invalid_arg("method", "bad HTTP method"))?;
        // The target is written into a buffer of this thread's, and looked up among the
        // client's recent URIs: a repeated request allocates nothing for its URI.
        let uri = TARGET.with(|t| {
            let mut target = t.borrow_mut();
            target.clear();
            self.base.target_into(&req.path, &mut target)?;
            append_query(
                &mut target,
                req.query.iter().map(|(k, v)| (k.as_ref(), v.as_ref())),
            );
            self.uris.uri(&self.base, &target, req.secrets.is_empty())
        })?;
        req.check()?;
        let json = || Some(HeaderValue::from_static(JSON));
        let (body, content_type): (Option<&[u8]>, Option<HeaderValue>) = match &req.body {
            Some(b) => (
                Some(b),
                match req.content_type.as_deref() {
                    Some(JSON) => json(),
                    Some(other) => Some(HeaderValue::from_str(other).map_err(|_| {
                        Error::invalid_arg("header", "the content type cannot travel in a header")
                    })?),
                    None => None,
                },
            ),
            None if method == Method::POST && req.platform_headers => (Some(b"{}"), json()),
            None => (None, None),
        };
        let headers = req
            .headers
            .iter()
            .map(|(k, v)| {
                let bad = || Error::invalid_arg("header", format!("{k:?} is not a valid header"));
                Ok((
                    HeaderName::from_bytes(k.as_bytes()).map_err(|_| bad())?,
                    HeaderValue::from_str(v).map_err(|_| bad())?,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Prepared {
            method,
            uri,
            body,
            content_type,
            headers,
            req,
            deadline: req
                .timeout
                .unwrap_or(settings.timeout)
                .map(|t| Instant::now() + t),
            connect_timeout: req.connect_timeout.unwrap_or(settings.connect_timeout),
            carried: (!req.secrets.is_empty()).then(|| {
                req.secrets
                    .iter()
                    .map(|s| Secret::new(s.as_ref()))
                    .collect()
            }),
            event_path: OnceCell::new(),
        })
    }

    /// Step 2: the session to send with. A client that holds credentials but no token logs
    /// in first (once, whatever the number of threads), instead of sending a request that
    /// can only be refused.
    fn start_session(&self, settings: &Settings, p: &Prepared<'_>) -> Result<Arc<Session>> {
        let session = self.session.current();
        if !(p.req.authenticated && p.req.relogin && session.token.is_none()) {
            return Ok(session);
        }
        if session.creds.is_some() {
            self.session.renew(session.generation, |c| {
                self.renewal_login(settings, p, c, ReloginReason::NoToken)
            })?;
            return Ok(self.session.current());
        }
        Ok(session)
    }

    /// Step 3: one call, retries included, with a session's token.
    fn execute(
        &self,
        s: &Settings,
        p: &Prepared<'_>,
        authenticated: bool,
        session: Arc<Session>,
    ) -> Result<Response> {
        let sinks = Sinks {
            observer: s.observer.as_deref(),
        };
        if !s.tls.is_secure()
            && self.base.scheme() == crate::paths::Scheme::Https
            && !s
                .insecure_said
                .swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            sinks.emit(Level::Warning, || Event::Insecure {
                origin: self.base.origin(),
            });
        }
        let single;
        let policy = if p.req.once {
            single = RetryPolicy::none();
            &single
        } else {
            &s.retry
        };
        let method = p.method.as_str();
        let mut notify = |note: retry::Note| match note {
            retry::Note::Retrying {
                attempt,
                cause,
                wait,
            } => sinks.emit(Level::Info, || Event::RetryScheduled {
                method,
                path: p.event_path(&session),
                attempt,
                max_retries: policy.max_retries,
                cause,
                wait,
            }),
            retry::Note::GivingUp { attempts, cause } => {
                sinks.emit(Level::Warning, || Event::GaveUp {
                    method,
                    path: p.event_path(&session),
                    attempts,
                    cause,
                })
            }
        };
        let out = retry::run(
            policy,
            method,
            p.deadline,
            &mut notify,
            |attempt, _remaining| {
                sinks.emit(Level::Debug, || Event::RequestSent {
                    method,
                    path: p.event_path(&session),
                    attempt,
                });
                let mut request = ureq::http::Request::new(p.body);
                *request.method_mut() = p.method.clone();
                *request.uri_mut() = p.uri.clone();
                *request.headers_mut() =
                    p.headers(authenticated, &session, self.base.host_header());
                let result =
                    s.transport
                        .send(request, p.deadline, p.connect_timeout, s.max_body_size);
                if let Some(reused) = crate::transport::connection_reused() {
                    sinks.emit(Level::Debug, || Event::Connection {
                        origin: self.base.origin(),
                        reused,
                    });
                }
                result
            },
        )?;
        let mut resp = Response::new(
            out.answer.status,
            out.answer.headers,
            out.answer.body,
            session,
        );
        resp.attempts = out.attempts;
        resp.exhausted = out.exhausted;
        resp.budget_wait = out.budget_wait;
        resp.request = Some((p.method.clone(), p.uri.clone()));
        resp.carried = p.carried.clone();
        Ok(resp)
    }

    /// Step 4, the renewal policy: when the platform refuses the session (HTTP 401 or code
    /// 3001) and the client can log in again, log in (one thread for all, see session.rs)
    /// and repeat the request, within the call's time budget.
    ///
    /// 3001 also means "not available for external API requests", so a renewed session that
    /// is refused too is checked with `whoami`: if it is valid, the refusal is about the
    /// function and is returned; if it expired as well (a random expiry under load), it is
    /// renewed again — at most [`MAX_RENEWALS`] times per call.
    fn renew_and_repeat(
        &self,
        settings: &Settings,
        p: &Prepared<'_>,
        mut resp: Response,
    ) -> Result<Response> {
        let mut session = Arc::clone(&resp.session);
        for round in 0..MAX_RENEWALS {
            if !(p.req.relogin && resp.is_unauthorized()) {
                break;
            }
            if round > 0 && self.session_is_valid(settings, &session, p.deadline)? {
                break;
            }
            let renewed = self.session.renew(session.generation, |c| {
                self.renewal_login(settings, p, c, ReloginReason::Expired)
            })?;
            if !renewed {
                break;
            }
            session = self.session.current();
            resp = self.execute(settings, p, true, Arc::clone(&session))?;
        }
        Ok(resp)
    }

    /// The login of a renewal: POST auth/v4/public/token within the call's time budget.
    fn renewal_login(
        &self,
        settings: &Settings,
        p: &Prepared<'_>,
        creds: &Credentials,
        reason: ReloginReason,
    ) -> Result<crate::LoginInfo> {
        Sinks {
            observer: settings.observer.as_deref(),
        }
        .emit(Level::Info, || Event::Relogin { reason });
        let body = crate::session::login_body(creds.email.expose(), creds.password.expose());
        let req = crate::session::login_request(&body, creds.password.expose());
        let login = Prepared {
            method: Method::POST,
            uri: self.base.uri(self.base.target(req.path())?)?,
            body: req.body.as_deref(),
            content_type: Some(HeaderValue::from_static(JSON)),
            headers: Vec::new(),
            req: &req,
            deadline: p.deadline,
            connect_timeout: p.connect_timeout,
            carried: Some(Arc::from([Secret::new(creds.password.expose())])),
            event_path: OnceCell::new(),
        };
        let answer = self.execute(settings, &login, false, self.session.current())?;
        read_login_answer(answer)
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
            uri: self.base.uri(self.base.target(req.path())?)?,
            body: None,
            content_type: None,
            headers: Vec::new(),
            req: &req,
            deadline,
            connect_timeout: settings.connect_timeout,
            carried: None,
            event_path: OnceCell::new(),
        };
        let answer = self.execute(settings, &probe, true, Arc::clone(session))?;
        Ok(!answer.is_unauthorized())
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

/// The proxy the settings choose for a client's origin.
fn select_proxy(proxy: &ProxySettings, base: &BaseUrl) -> Result<Option<Arc<crate::proxy::Proxy>>> {
    let https = base.scheme() == crate::paths::Scheme::Https;
    Ok(proxy.select(https, base.host(), base.port())?.map(Arc::new))
}

/// The secrets a session and a request know of.
fn call_secrets<'a>(session: &'a Session, req: &'a Request<'_>) -> Secrets<'a> {
    let mut s = session.secrets();
    for c in &req.secrets {
        s.add(c);
    }
    s
}
