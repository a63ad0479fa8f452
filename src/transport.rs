//! One HTTP exchange over the shared connection pool (a ureq `Agent`), and the mapping of
//! transport failures onto [`Error`]s with their facts: the kind, and the [`Phase`] the
//! exchange was in, which tells failures before the request was sent from those after it.
//!
//! The phase is tracked as the exchange runs, on the calling thread (the library starts no
//! threads: DNS, TCP, TLS and HTTP all run inside the call): [`begin`] resets it for each
//! attempt, the TCP connector (socket.rs) marks connect and the TLS handshake, and a
//! transport wrapped around every connection, above TLS, marks send, wait and read.

use std::cell::Cell;
use std::io;
use std::time::Duration;

use ureq::config::Config;
use ureq::http::{self, HeaderMap, Method, Uri};
use ureq::unversioned::resolver::{ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{
    Connector, NextTimeout, RustlsConnector, Transport as TransportIo,
};
use ureq::Agent;

use crate::error::{Error, ErrorKind, Phase};
use crate::socket::LeanTcpConnector;
use crate::tls::TlsSettings;

/// The most a response body is given up front from its Content-Length; past that it grows.
const PREALLOCATE_MAX: u64 = 16 * 1024 * 1024;

/// The `User-Agent` this library sends.
pub const USER_AGENT: &str = concat!("dcimanager/", env!("CARGO_PKG_VERSION"));

thread_local! {
    /// Where the exchange running on this thread is.
    static PHASE: Cell<Phase> = const { Cell::new(Phase::Resolve) };
    /// Whether the attempt opened a connection (`Some(false)`), reused a pooled one
    /// (`Some(true)`), or got no connection yet (`None`).
    static REUSED: Cell<Option<bool>> = const { Cell::new(None) };
}

/// Starts tracking a new attempt: it begins with the name lookup (or the pool).
fn begin() {
    PHASE.with(|p| p.set(Phase::Resolve));
    REUSED.with(|r| r.set(None));
}

/// Whether the last attempt on this thread reused a pooled connection (`Some(true)`), opened
/// one (`Some(false)`), or got none.
pub(crate) fn connection_reused() -> Option<bool> {
    REUSED.with(Cell::get)
}

/// The phase the current exchange is in.
fn current_phase() -> Phase {
    PHASE.with(Cell::get)
}

/// The connector's steps: TCP connect started; TCP connected (`tls`: a handshake follows).
pub(crate) fn connecting() {
    PHASE.with(|p| p.set(Phase::Connect));
    REUSED.with(|r| r.set(Some(false)));
}
pub(crate) fn connected(tls: bool) {
    PHASE.with(|p| p.set(if tls { Phase::Tls } else { Phase::Send }));
}

/// The last link of the connector chain, reached once TLS (if any) is set up: it wraps the
/// connection in a [`Phases`] transport, which sees the HTTP exchange as plain text (above
/// TLS, whose own records — a TLS 1.3 session ticket, say — are no sign of an answer).
#[derive(Debug)]
struct PhaseConnector;

impl<In: TransportIo> Connector<In> for PhaseConnector {
    type Out = Phases<In>;

    fn connect(
        &self,
        _details: &ureq::unversioned::transport::ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        Ok(chained.map(|inner| {
            PHASE.with(|p| p.set(Phase::Send));
            Phases { inner }
        }))
    }
}

/// A connection that moves the phase as the request is written (send), the answer awaited
/// (wait) and its first bytes arrive (read).
#[derive(Debug)]
struct Phases<T> {
    inner: T,
}

impl<T: TransportIo> TransportIo for Phases<T> {
    fn buffers(&mut self) -> &mut dyn ureq::unversioned::transport::Buffers {
        self.inner.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        PHASE.with(|p| p.set(Phase::Send));
        REUSED.with(|r| {
            if r.get().is_none() {
                r.set(Some(true)); // no connector ran: the connection came from the pool
            }
        });
        self.inner.transmit_output(amount, timeout)
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        PHASE.with(|p| {
            if p.get() != Phase::Read {
                p.set(Phase::Wait);
            }
        });
        let progress = self.inner.await_input(timeout)?;
        if progress {
            PHASE.with(|p| p.set(Phase::Read));
        }
        Ok(progress)
    }

    fn is_open(&mut self) -> bool {
        self.inner.is_open()
    }

    fn is_tls(&self) -> bool {
        self.inner.is_tls()
    }
}

/// A connection pool with its TLS settings. Cheap to clone (the pool is shared).
#[derive(Clone)]
pub(crate) struct Transport {
    agent: Agent,
    /// The process's fork count when the pool was made: a pool made before a `fork()` holds
    /// sockets the parent uses too, so the child must not reuse it.
    forks: u64,
}

/// How many times this process is a `fork()` child, counted by a `pthread_atfork` handler:
/// a plain load per request, where asking for the process id would cost a system call.
pub(crate) fn fork_generation() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static FORKS: AtomicU64 = AtomicU64::new(0);
    static REGISTER: std::sync::Once = std::sync::Once::new();
    extern "C" fn in_child() {
        FORKS.fetch_add(1, Ordering::Relaxed);
    }
    REGISTER.call_once(|| {
        // SAFETY: registers a handler that only increments an atomic.
        unsafe { libc::pthread_atfork(None, None, Some(in_child)) };
    });
    FORKS.load(Ordering::Relaxed)
}

/// An HTTP answer, body read to the end (so the connection went back to the pool).
pub(crate) struct RawResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl crate::retry::Answer for RawResponse {
    fn status(&self) -> u16 {
        self.status
    }
    fn retry_after(&self) -> Option<&str> {
        self.headers
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
    }
}

impl Transport {
    pub fn new(tls: &TlsSettings) -> Self {
        let config = Agent::config_builder()
            .tls_config(tls.to_ureq())
            // Statuses are ours to interpret: 503 headers and API error bodies stay readable.
            .http_status_as_error(false)
            // Redirects are never followed: the token must not travel to another origin.
            .max_redirects(0)
            .max_redirects_will_error(false)
            // Proxies are not taken from the environment.
            .proxy(None)
            .user_agent(USER_AGENT)
            .accept("application/json")
            .max_idle_connections(64)
            .max_idle_connections_per_host(64)
            .build();
        Transport {
            forks: fork_generation(),
            agent: Agent::with_parts(
                config,
                ().chain(LeanTcpConnector)
                    .chain(RustlsConnector::default())
                    .chain(PhaseConnector),
                InlineResolver,
            ),
        }
    }

    /// Whether this pool was made in this process (not inherited through `fork()`).
    pub fn is_current(&self) -> bool {
        self.forks == fork_generation()
    }

    /// Sends one request and reads its whole answer.
    #[allow(clippy::too_many_arguments)]
    pub fn send(
        &self,
        method: &Method,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
        timeout: Option<Duration>,
        connect_timeout: Option<Duration>,
        max_body: u64,
    ) -> Result<RawResponse, Error> {
        begin();
        let mut builder = http::Request::builder().method(method.clone()).uri(url);
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        let connect_timeout = match (connect_timeout, timeout) {
            (Some(c), Some(t)) => Some(c.min(t)),
            (c, t) => c.or(t),
        };
        let result = match body {
            Some(b) => self.run(builder.body(b).map_err(invalid)?, timeout, connect_timeout),
            None => self.run(builder.body(()).map_err(invalid)?, timeout, connect_timeout),
        };
        let response = result.map_err(failure)?;
        let (parts, mut body) = response.into_parts();
        // Sized from Content-Length (capped, since the server may lie): the body is copied once
        // from ureq's buffer, never regrown; the extra byte leaves room for the NUL the C ABI
        // appends.
        let expected = body
            .content_length()
            .unwrap_or(0)
            .min(max_body)
            .min(PREALLOCATE_MAX);
        let mut bytes = Vec::with_capacity(expected as usize + 1);
        std::io::Read::read_to_end(&mut body.with_config().limit(max_body).reader(), &mut bytes)
            .map_err(|e| match ureq::Error::from(e) {
                ureq::Error::BodyExceedsLimit(n) => Error::exchange(
                    ErrorKind::Decode,
                    Phase::Read,
                    format!("the response body exceeds the limit of {n} bytes"),
                )
                .with_status(parts.status.as_u16()),
                other => failure(other),
            })?;
        Ok(RawResponse {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body: bytes,
        })
    }
}

impl Transport {
    fn run(
        &self,
        req: http::Request<impl ureq::AsSendBody>,
        timeout: Option<Duration>,
        connect_timeout: Option<Duration>,
    ) -> Result<http::Response<ureq::Body>, ureq::Error> {
        let req = self
            .agent
            .configure_request(req)
            .timeout_global(timeout)
            .timeout_connect(connect_timeout)
            .build();
        self.agent.run(req)
    }
}

fn invalid(e: http::Error) -> Error {
    Error::invalid_arg("request", format!("cannot build the request: {e}"))
}

/// Maps a ureq error onto our kinds, in the phase the exchange had reached.
fn failure(e: ureq::Error) -> Error {
    let phase = current_phase();
    let at = |kind, msg: String| Error::exchange(kind, phase, msg);
    match e {
        ureq::Error::Timeout(_) => {
            let what = match phase {
                Phase::Resolve => "resolving the host",
                Phase::Connect => "connecting",
                Phase::Tls => "in the TLS handshake",
                Phase::Send => "sending the request",
                Phase::Wait => "waiting for the answer",
                Phase::Read => "reading the answer",
            };
            at(ErrorKind::Timeout, format!("no progress while {what}"))
        }
        ureq::Error::HostNotFound => {
            Error::exchange(ErrorKind::Connect, Phase::Resolve, "host not found")
        }
        ureq::Error::ConnectionFailed => {
            Error::exchange(ErrorKind::Connect, Phase::Connect, "could not connect")
        }
        ureq::Error::Io(io) => {
            if let Some(tls) = tls_cause(&io) {
                return at(ErrorKind::Tls, tls.to_string()).with_source(tls.clone());
            }
            let e = match io.kind() {
                io::ErrorKind::ConnectionRefused
                | io::ErrorKind::HostUnreachable
                | io::ErrorKind::NetworkUnreachable
                | io::ErrorKind::NetworkDown
                | io::ErrorKind::AddrNotAvailable => at(ErrorKind::Connect, io.to_string()),
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => {
                    at(ErrorKind::Timeout, format!("no progress: {io}"))
                }
                io::ErrorKind::UnexpectedEof => at(
                    ErrorKind::Connect,
                    "the server closed the connection without a complete answer".into(),
                ),
                _ => at(ErrorKind::Connect, format!("connection lost: {io}")),
            };
            e.with_source(io)
        }
        ureq::Error::Tls(m) => at(ErrorKind::Tls, m.to_string()),
        ureq::Error::Rustls(r) => at(ErrorKind::Tls, r.to_string()).with_source(r),
        ureq::Error::Pem(p) => at(ErrorKind::Tls, p.to_string()),
        ureq::Error::Protocol(p) => at(
            ErrorKind::Connect,
            format!("the server broke the HTTP exchange: {p}"),
        ),
        ureq::Error::LargeResponseHeader(n, max) => Error::exchange(
            ErrorKind::Decode,
            Phase::Read,
            format!("response headers of {n} bytes exceed the limit of {max}"),
        ),
        ureq::Error::BadUri(m) => Error::invalid_arg("url", format!("bad URL: {m}")),
        ureq::Error::Http(h) => invalid(h),
        other => at(ErrorKind::Connect, other.to_string()),
    }
}

/// The TLS error inside an I/O error, if that is what it is (rustls reports handshake
/// failures through the stream's I/O errors).
fn tls_cause(io: &io::Error) -> Option<&rustls::Error> {
    io.get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
}

/// Resolves host names on the calling thread. ureq's default resolver starts a thread per
/// lookup when a timeout is set; this library starts no threads (it must stay safe in
/// processes that fork, such as PHP-FPM). IP literals need no lookup; a name lookup is
/// bounded by the system resolver's own timeouts.
#[derive(Debug)]
struct InlineResolver;

impl Resolver for InlineResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        _timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
        let authority = uri
            .authority()
            .ok_or_else(|| ureq::Error::BadUri(format!("{uri} has no host")))?;
        let port = authority
            .port_u16()
            .unwrap_or(if uri.scheme_str() == Some("http") {
                80
            } else {
                443
            });
        let host = authority.host();
        let literal = host.trim_start_matches('[').trim_end_matches(']');
        let mut out = self.empty();
        if let Ok(ip) = literal.parse::<IpAddr>() {
            out.push(SocketAddr::new(ip, port));
            return Ok(out);
        }
        let found = (host, port).to_socket_addrs()?;
        for addr in config.ip_family().keep_wanted(found).take(16) {
            out.push(addr);
        }
        if out.is_empty() {
            Err(ureq::Error::HostNotFound)
        } else {
            Ok(out)
        }
    }
}
