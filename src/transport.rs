//! One HTTP exchange over the shared connection pool (a ureq `Agent`), and the mapping of
//! transport failures onto [`Error`]s with their facts: the kind, and the [`Phase`] the
//! exchange was in, which tells failures before the request was sent from those after it.
//!
//! The phase is tracked as the exchange runs, on the calling thread (the library starts no
//! threads: DNS, TCP, TLS and HTTP all run inside the call): [`begin`] resets it for each
//! attempt, the TCP connector (socket.rs) marks connect and the TLS handshake, and a
//! transport wrapped around every connection, above TLS, marks send, wait and read.

use std::cell::Cell;

use parking_lot::RwLock;
use std::io;
use std::time::{Duration, Instant};

use ureq::config::Config;
use ureq::http::{self, HeaderMap, Uri};
use ureq::unversioned::resolver::{ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{Connector, NextTimeout, Transport as TransportIo};
use ureq::Agent;

use std::net::SocketAddr;
use std::sync::Arc;

use crate::error::{Error, ErrorKind, Phase};
use crate::proxy::{Proxy, ProxyFailure};
use crate::socket::LeanTcpConnector;
use crate::tls::{TlsConnector, TlsSettings};

/// The most a response body is given up front from its Content-Length; past that it grows.
const PREALLOCATE_MAX: u64 = 16 * 1024 * 1024;

/// The `User-Agent` this library sends.
pub const USER_AGENT: &str = concat!("dcimanager/", env!("CARGO_PKG_VERSION"));

thread_local! {
    /// When the exchange running on this thread must be done; how long it may take to set up
    /// a connection (TCP and TLS), and by when, once it started to.
    static DEADLINES: Cell<(Option<Instant>, Option<Duration>, Option<Instant>)> =
        const { Cell::new((None, None, None)) };
    /// Where the exchange running on this thread is.
    static PHASE: Cell<Phase> = const { Cell::new(Phase::Resolve) };
    /// Whether the attempt opened a connection (`Some(false)`), reused a pooled one
    /// (`Some(true)`), or got no connection yet (`None`).
    static REUSED: Cell<Option<bool>> = const { Cell::new(None) };
}

/// Starts tracking a new attempt: it begins with the name lookup (or the pool).
pub(crate) fn begin(deadline: Option<Instant>, connect_timeout: Option<Duration>) {
    DEADLINES.with(|d| d.set((deadline, connect_timeout, None)));
    PHASE.with(|p| p.set(Phase::Resolve));
    REUSED.with(|r| r.set(None));
}

/// The time the current exchange has left for its next I/O, in the phase it is in: the
/// connection's budget while connecting and during the TLS handshake, the call's after.
/// `None`: no limit; `Some(ZERO)`: the budget is spent.
pub(crate) fn time_left() -> Option<Duration> {
    let (call, _, connect) = DEADLINES.with(Cell::get);
    let deadline = match PHASE.with(Cell::get) {
        Phase::Resolve | Phase::Connect | Phase::Tls => match (connect, call) {
            (Some(c), Some(d)) => Some(c.min(d)),
            (c, d) => c.or(d),
        },
        _ => call,
    }?;
    Some(deadline.saturating_duration_since(Instant::now()))
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
    // The connection's budget starts now (a pooled connection never pays for the clock read).
    DEADLINES.with(|d| {
        let (call, timeout, _) = d.get();
        d.set((call, timeout, timeout.map(|t| Instant::now() + t)));
    });
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

/// Where a client's connections go: the proxy, if any, and addresses given instead of
/// resolving the host (curl's `--resolve`).
#[derive(Clone, Debug, Default)]
pub(crate) struct Route {
    pub proxy: Option<Arc<Proxy>>,
    pub addrs: Option<Arc<[SocketAddr]>>,
}

impl Transport {
    pub fn new(tls: &TlsSettings, route: &Route) -> Self {
        let config = Agent::config_builder()
            // Statuses are ours to interpret: 503 headers and API error bodies stay readable.
            .http_status_as_error(false)
            // Redirects are never followed: the token must not travel to another origin.
            .max_redirects(0)
            .max_redirects_will_error(false)
            // Proxies are this crate's (proxy.rs, chosen once per client): ureq's are off.
            .proxy(None)
            // User-Agent, Accept and Host come with each request's headers (made once).
            .max_idle_connections(64)
            .max_idle_connections_per_host(64)
            .build();
        Transport {
            forks: fork_generation(),
            agent: Agent::with_parts(
                config,
                ().chain(LeanTcpConnector {
                    proxy: route.proxy.clone(),
                })
                .chain(TlsConnector { ctx: tls.context() })
                .chain(PhaseConnector),
                InlineResolver {
                    hop: route.proxy.clone(),
                    fixed: route.addrs.clone(),
                    last: RwLock::new(None),
                },
            ),
        }
    }

    /// Whether this pool was made in this process (not inherited through `fork()`).
    pub fn is_current(&self) -> bool {
        self.forks == fork_generation()
    }

    /// Sends one request and reads its whole answer, by `deadline` (`None`: no limit); the
    /// connection (TCP and TLS) must be set up within `connect_timeout` as well. The time
    /// limits are kept by the socket transport (socket.rs), not by a per-request ureq
    /// configuration, which would copy the agent's whole configuration for every request.
    pub fn send(
        &self,
        request: http::Request<Option<&[u8]>>,
        deadline: Option<Instant>,
        connect_timeout: Option<Duration>,
        max_body: u64,
    ) -> Result<RawResponse, Error> {
        begin(deadline, connect_timeout);
        let (parts, body) = request.into_parts();
        let result = match body {
            Some(b) => self.agent.run(http::Request::from_parts(parts, b)),
            None => self.agent.run(http::Request::from_parts(parts, ())),
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

fn invalid(e: http::Error) -> Error {
    Error::invalid_arg("request", format!("cannot build the request: {e}"))
}

/// Maps a ureq error onto our kinds, in the phase the exchange had reached.
fn failure(e: ureq::Error) -> Error {
    failure_at(e, current_phase())
}

/// Maps a ureq error onto our kinds, in a phase.
pub(crate) fn failure_at(e: ureq::Error, phase: Phase) -> Error {
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
        ureq::Error::Io(io) => io_failure(io, phase),
        ureq::Error::Tls(m) => at(ErrorKind::Tls, m.to_string()),
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

/// Maps an I/O failure in a phase: a proxy's failure (phase connect), a TLS failure in
/// words, a refused, lost or timed-out connection.
pub(crate) fn io_failure(io: io::Error, phase: Phase) -> Error {
    let at = |kind, msg: String| Error::exchange(kind, phase, msg);
    if crate::interrupt::is_io_interrupt(&io) {
        return crate::interrupt::error(Some(phase));
    }
    if let Some(p) = io.get_ref().and_then(|i| i.downcast_ref::<ProxyFailure>()) {
        let e = Error::exchange(p.kind, Phase::Connect, p.message.clone());
        return if p.permanent { e.permanent() } else { e };
    }
    if let Some(tls) = tls_cause(&io) {
        return tls_failure(tls, phase);
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
        io::ErrorKind::UnexpectedEof if phase == Phase::Tls => at(
            ErrorKind::Tls,
            "the server closed the connection during the TLS handshake".into(),
        ),
        io::ErrorKind::UnexpectedEof => at(
            ErrorKind::Connect,
            "the server closed the connection without a complete answer".into(),
        ),
        _ => at(ErrorKind::Connect, format!("connection lost: {io}")),
    };
    e.with_source(io)
}

/// A TLS failure in words: a refused certificate says why and carries the pin of the key
/// presented (tls/verify.rs); other failures say what the server did.
fn tls_failure(e: &rustls::Error, phase: Phase) -> Error {
    use rustls::AlertDescription as A;
    if let Some(refusal) = crate::tls::refusal_of(e) {
        return Error::exchange(ErrorKind::Tls, Phase::Tls, refusal.to_string())
            .with_tls_pin(refusal.pin.clone())
            .with_source(refusal.clone());
    }
    let words = match e {
        rustls::Error::AlertReceived(A::HandshakeFailure | A::ProtocolVersion) => {
            "the server refused the TLS handshake (no TLS version or cipher suite in common)"
                .to_string()
        }
        rustls::Error::AlertReceived(a) => format!("the server ended the TLS handshake ({a:?})"),
        rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } => {
            "the server does not speak TLS on this port (is the URL's scheme right?)".to_string()
        }
        rustls::Error::PeerIncompatible(p) => format!("the server's TLS is incompatible: {p:?}"),
        other => format!("the TLS handshake failed: {other}"),
    };
    Error::exchange(ErrorKind::Tls, phase, words).with_source(e.clone())
}

/// The TLS error inside an I/O error, if that is what it is (rustls reports handshake
/// failures through the stream's I/O errors).
fn tls_cause(io: &io::Error) -> Option<&rustls::Error> {
    io.get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
}

/// Resolves host names on the calling thread. ureq's default resolver starts a thread per
/// lookup when a timeout is set; this library starts no threads (it must stay safe in
/// processes that fork, such as PHP-FPM). A name lookup is bounded by the system resolver's
/// own timeouts.
///
/// ureq asks for the address of every request, pooled connection or not; the answer for the
/// client's one origin is kept: for good when the host is an IP address, for
/// [`DNS_TTL`] when it is a name (so a platform that moves is found again).
///
/// With a proxy, the name looked up is the proxy's (the first hop; the proxy resolves the
/// origin's, except for socks5 where proxy.rs does); with addresses given (curl's
/// `--resolve`), those are used for the origin.
#[derive(Debug)]
struct InlineResolver {
    hop: Option<Arc<Proxy>>,
    fixed: Option<Arc<[SocketAddr]>>,
    last: RwLock<Option<Resolved>>,
}

/// How long the address of a host name is reused before it is looked up again.
const DNS_TTL: Duration = Duration::from_secs(30);

#[derive(Debug)]
struct Resolved {
    authority: http::uri::Authority,
    secure: bool,
    addrs: ResolvedSocketAddrs,
    /// `None`: an IP address, valid for good.
    expires: Option<Instant>,
}

impl Resolver for InlineResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        _timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        use std::net::{IpAddr, ToSocketAddrs};
        let authority = uri
            .authority()
            .ok_or_else(|| ureq::Error::BadUri(format!("{uri} has no host")))?;
        let secure = uri.scheme_str() != Some("http");
        if let (None, Some(fixed)) = (&self.hop, &self.fixed) {
            let mut out = self.empty();
            for addr in fixed.iter().take(16) {
                out.push(*addr);
            }
            return Ok(out);
        }
        if let Some(r) = &*self.last.read() {
            let fresh = r.expires.is_none_or(|at| Instant::now() < at);
            if fresh && r.secure == secure && r.authority == *authority {
                return Ok(r.addrs.clone());
            }
        }
        let (host, port) = match &self.hop {
            Some(proxy) => (proxy.host(), proxy.port()),
            None => (
                authority.host(),
                authority
                    .port_u16()
                    .unwrap_or(if secure { 443 } else { 80 }),
            ),
        };
        let literal = host.trim_start_matches('[').trim_end_matches(']');
        let mut out = self.empty();
        let expires = if let Ok(ip) = literal.parse::<IpAddr>() {
            out.push(SocketAddr::new(ip, port));
            None
        } else {
            let found = (host, port).to_socket_addrs()?;
            for addr in config.ip_family().keep_wanted(found).take(16) {
                out.push(addr);
            }
            Some(Instant::now() + DNS_TTL)
        };
        if out.is_empty() {
            return Err(ureq::Error::HostNotFound);
        }
        *self.last.write() = Some(Resolved {
            authority: authority.clone(),
            secure,
            addrs: out.clone(),
            expires,
        });
        Ok(out)
    }
}
