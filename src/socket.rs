//! The TCP transport under every HTTP exchange, written for few system calls per keep-alive
//! request: one probe, one send, one receive.
//!
//! ureq's own TCP transport probes a pooled socket twice per request (when it goes back to
//! the pool and when it comes out), each probe costing two `ioctl(FIONBIO)` around a failing
//! `recvfrom`, and it sets `SO_RCVTIMEO`/`SO_SNDTIMEO` whenever the time left changes — which
//! is every request. Here:
//! - the liveness probe is one `recv(MSG_PEEK | MSG_DONTWAIT)`, made only when a connection
//!   comes out of the pool (the probe when it goes back would see the same socket a moment
//!   earlier), so a connection the server closed, or one with unexpected bytes waiting, is
//!   still never reused;
//! - socket timeouts come from the time the exchange has left (transport.rs: the call's
//!   budget, or the connection's while connecting and in the TLS handshake), capped at
//!   [`CHECK_EVERY`] so that a wait goes in slices between which an interrupted call stops
//!   (see [`crate::interrupt`]; a slice that brings data costs nothing more); they are set
//!   with 2% headroom and left alone while the value set stays between the time asked for and
//!   5% above it, so a call never waits more than 5% past its budget and consecutive calls
//!   never touch the socket options.
//!
//! A new connection goes to the first hop — the origin, or its proxy (proxy.rs), through
//! which a tunnel is then opened — trying every resolved address as RFC 8305 ("happy
//! eyeballs") says: IPv6 and IPv4 interleaved, a new attempt started when the last has had
//! [`ATTEMPT_DELAY`] without an answer (the earlier ones still running), the first to
//! connect winning, all within the connect budget.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, ShutdownHandle,
    Transport,
};
use ureq::Error;

use crate::interrupt::CHECK_EVERY;
use crate::proxy::Proxy;

/// How long an attempt to connect to one address has alone before the next starts (RFC
/// 8305's "Connection Attempt Delay").
pub(crate) const ATTEMPT_DELAY: Duration = Duration::from_millis(250);

/// Opens TCP connections for ureq's connector chain, to the origin or through its proxy
/// (TLS is layered on top by the next connector).
#[derive(Debug, Default)]
pub(crate) struct LeanTcpConnector {
    /// The proxy every connection of the client goes through, if any.
    pub proxy: Option<Arc<Proxy>>,
}

impl<In: Transport> Connector<In> for LeanTcpConnector {
    type Out = Either<In, LeanTcpTransport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, Error> {
        if chained.is_some() {
            return Ok(chained.map(Either::A));
        }
        crate::transport::connecting();
        let stream = match open(&details.addrs, crate::transport::time_left()) {
            Ok(s) => s,
            Err(e) => {
                return Err(match &self.proxy {
                    Some(p) => p.unreachable(&e).into(),
                    None => e,
                })
            }
        };
        stream.set_nodelay(details.config.no_delay())?;
        let (mut read_timeout, mut write_timeout) = (None, None);
        if let Some(proxy) = &self.proxy {
            let https = details.uri.scheme_str() == Some("https");
            let authority = details
                .uri
                .authority()
                .ok_or_else(|| Error::BadUri("no host to connect to".into()))?;
            let port = authority.port_u16().unwrap_or(if https { 443 } else { 80 });
            let mut sliced = Sliced::new(&stream);
            proxy.tunnel(&mut sliced, authority.host(), port)?;
            (read_timeout, write_timeout) = (sliced.read_timeout, sliced.write_timeout);
        }
        crate::transport::connected(details.uri.scheme_str() == Some("https"));
        let stream = Arc::new(stream);
        (details.register_shutdown)(Arc::downgrade(&stream) as Weak<dyn ShutdownHandle>)?;
        let config = details.config;
        Ok(Some(Either::B(LeanTcpTransport {
            stream,
            buffers: LazyBuffers::new(config.input_buffer_size(), config.output_buffer_size()),
            read_timeout,
            write_timeout,
            io_since_probe: true,
        })))
    }
}

/// Connects to one of `addrs` within `timeout` (`None`: no limit), as RFC 8305 says (see
/// the [module](self) documentation); an interrupted call stops waiting (see
/// [`crate::interrupt`]).
pub(crate) fn open(addrs: &[SocketAddr], timeout: Option<Duration>) -> Result<TcpStream, Error> {
    if timeout.is_some_and(|t| t.is_zero()) {
        return Err(Error::Timeout(ureq::Timeout::Connect));
    }
    race(&interleave(addrs), timeout.map(|t| Instant::now() + t))
}

/// The addresses with their families alternating, starting with the first one's (RFC 8305
/// section 4), each family keeping the resolver's order.
pub(crate) fn interleave(addrs: &[SocketAddr]) -> Vec<SocketAddr> {
    let first_v6 = addrs.first().is_some_and(SocketAddr::is_ipv6);
    let (mut a, mut b): (Vec<_>, Vec<_>) =
        addrs.iter().copied().partition(|x| x.is_ipv6() == first_v6);
    let mut out = Vec::with_capacity(addrs.len());
    let (mut a, mut b) = (a.drain(..), b.drain(..));
    loop {
        match (a.next(), b.next()) {
            (None, None) => return out,
            (x, y) => out.extend(x.into_iter().chain(y)),
        }
    }
}

/// Connection attempts to `order`, each started [`ATTEMPT_DELAY`] after the previous one
/// (or at once when every earlier one has failed); the first to connect wins.
fn race(order: &[SocketAddr], deadline: Option<Instant>) -> Result<TcpStream, Error> {
    let mut pending: Vec<Socket> = Vec::with_capacity(order.len());
    let mut next = 0;
    let mut next_start = Instant::now();
    let mut last: Option<io::Error> = None;
    loop {
        let now = Instant::now();
        if deadline.is_some_and(|d| now >= d) {
            return Err(Error::Timeout(ureq::Timeout::Connect));
        }
        if next < order.len() && (pending.is_empty() || now >= next_start) {
            let addr = order[next];
            next += 1;
            next_start = now + ATTEMPT_DELAY;
            match start(addr) {
                Ok((socket, true)) => return finish(socket),
                Ok((socket, false)) => pending.push(socket),
                Err(e) => last = Some(e),
            }
            continue;
        }
        if pending.is_empty() {
            return Err(Error::Io(last.unwrap_or_else(|| {
                io::Error::new(io::ErrorKind::ConnectionRefused, "no address to connect to")
            })));
        }
        let until = match (next < order.len(), deadline) {
            (true, Some(d)) => d.min(next_start),
            (true, None) => next_start,
            (false, Some(d)) => d,
            (false, None) => now + CHECK_EVERY,
        };
        let left = until.saturating_duration_since(now).min(CHECK_EVERY);
        let wait_ms =
            i32::try_from(left.as_millis() + u128::from(left.subsec_nanos() % 1_000_000 != 0))
                .unwrap_or(i32::MAX);
        let mut fds: Vec<libc::pollfd> = pending
            .iter()
            .map(|s| libc::pollfd {
                fd: s.as_raw_fd(),
                events: libc::POLLOUT,
                revents: 0,
            })
            .collect();
        // SAFETY: `fds` is a valid array of `fds.len()` pollfd structures.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, wait_ms) };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(Error::Io(e));
        }
        if n == 0 && crate::interrupt::interrupted() {
            return Err(Error::Io(crate::interrupt::io_error()));
        }
        for i in (0..fds.len()).rev() {
            if fds[i].revents == 0 {
                continue;
            }
            let socket = pending.swap_remove(i);
            match socket.take_error() {
                Ok(None) => return finish(socket),
                Ok(Some(e)) | Err(e) => last = Some(e),
            }
        }
    }
}

/// Starts a non-blocking connect: the socket and whether it is connected already.
fn start(addr: SocketAddr) -> io::Result<(Socket, bool)> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_nonblocking(true)?;
    match socket.connect(&SockAddr::from(addr)) {
        Ok(()) => Ok((socket, true)),
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => Ok((socket, false)),
        Err(e) => Err(e),
    }
}

/// The winner of the race, made blocking again (the others are closed when dropped).
fn finish(socket: Socket) -> Result<TcpStream, Error> {
    socket.set_nonblocking(false)?;
    Ok(socket.into())
}

/// A connected TCP socket with sticky timeouts and a one-call probe.
pub(crate) struct LeanTcpTransport {
    stream: Arc<TcpStream>,
    buffers: LazyBuffers,
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
    /// Whether the socket was used since the last probe: the probe ureq makes when the
    /// connection goes back to the pool is then skipped (the one when it comes out is made).
    io_since_probe: bool,
}

impl std::fmt::Debug for LeanTcpTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeanTcpTransport")
            .field("peer", &self.stream.peer_addr().ok())
            .finish()
    }
}

/// The socket timeout to set for a wish, or `None` when the current one may stay: it stays
/// while it is at least the wish and at most 5% above it; a new one gets 2% headroom.
fn sticky(current: Option<Duration>, wanted: Option<Duration>) -> Option<Option<Duration>> {
    match (current, wanted) {
        (None, None) => None,
        (Some(_), None) => Some(None),
        (Some(c), Some(w)) if c >= w && c <= w + w / 20 => None,
        (_, Some(w)) => Some(Some((w + w / 50).max(Duration::from_millis(1)))),
    }
}

/// The transport's error for an I/O failure: a spent budget is ureq's timeout.
fn transport_error(e: io::Error) -> Error {
    match e.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => {
            Error::Timeout(ureq::Timeout::Global)
        }
        _ => Error::Io(e),
    }
}

/// The socket timeout for the next slice of a wait: what the exchange has left
/// (transport.rs), at most [`CHECK_EVERY`] — `TimedOut` when nothing is left.
fn slice() -> io::Result<Duration> {
    match crate::transport::time_left() {
        Some(t) if t.is_zero() => Err(io::ErrorKind::TimedOut.into()),
        Some(t) => Ok(t.min(CHECK_EVERY)),
        None => Ok(CHECK_EVERY),
    }
}

/// Whether an I/O error means "nothing happened in this slice".
fn slice_passed(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// Reads what arrives within the exchange's time, waiting in slices (see the module docs):
/// between two slices without data, an interrupted call stops.
pub(crate) fn read_sliced(
    stream: &TcpStream,
    timeout: &mut Option<Duration>,
    buf: &mut [u8],
) -> io::Result<usize> {
    loop {
        if let Some(t) = sticky(*timeout, Some(slice()?)) {
            stream.set_read_timeout(t)?;
            *timeout = t;
        }
        match (&*stream).read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if slice_passed(&e) => {
                if crate::interrupt::interrupted() {
                    return Err(crate::interrupt::io_error());
                }
            }
            other => return other,
        }
    }
}

/// Writes all of `buf` within the exchange's time, in slices as [`read_sliced`] reads.
pub(crate) fn write_sliced(
    stream: &TcpStream,
    timeout: &mut Option<Duration>,
    mut buf: &[u8],
) -> io::Result<()> {
    while !buf.is_empty() {
        if let Some(t) = sticky(*timeout, Some(slice()?)) {
            stream.set_write_timeout(t)?;
            *timeout = t;
        }
        match (&*stream).write(buf) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => buf = &buf[n..],
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if slice_passed(&e) => {
                if crate::interrupt::interrupted() {
                    return Err(crate::interrupt::io_error());
                }
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// A socket read and written in slices (for the proxy's handshake and `server_pin`'s TLS
/// handshake, before the connection is ureq's).
pub(crate) struct Sliced<'a> {
    pub stream: &'a TcpStream,
    pub read_timeout: Option<Duration>,
    pub write_timeout: Option<Duration>,
}

impl<'a> Sliced<'a> {
    pub fn new(stream: &'a TcpStream) -> Self {
        Sliced {
            stream,
            read_timeout: None,
            write_timeout: None,
        }
    }
}

impl Read for Sliced<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        read_sliced(self.stream, &mut self.read_timeout, buf)
    }
}

impl Write for Sliced<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        write_sliced(self.stream, &mut self.write_timeout, buf).map(|()| buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Transport for LeanTcpTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, _timeout: NextTimeout) -> Result<(), Error> {
        self.io_since_probe = true;
        let output = &self.buffers.output()[..amount];
        write_sliced(&self.stream, &mut self.write_timeout, output).map_err(transport_error)
    }

    fn await_input(&mut self, _timeout: NextTimeout) -> Result<bool, Error> {
        self.io_since_probe = true;
        let input = self.buffers.input_append_buf();
        let amount =
            read_sliced(&self.stream, &mut self.read_timeout, input).map_err(transport_error)?;
        self.buffers.input_appended(amount);
        Ok(amount > 0)
    }

    fn is_open(&mut self) -> bool {
        if std::mem::take(&mut self.io_since_probe) {
            return true; // just used: ureq asks again when it takes the connection out
        }
        probe(&self.stream)
    }
}

/// Whether a pooled socket can carry a request: nothing waiting to be read (no stray bytes,
/// no end of stream) — one non-blocking peek.
fn probe(stream: &TcpStream) -> bool {
    let mut byte = 0u8;
    // SAFETY: a valid socket descriptor and a one-byte buffer that outlives the call.
    let n = unsafe {
        libc::recv(
            stream.as_raw_fd(),
            (&mut byte as *mut u8).cast(),
            1,
            libc::MSG_PEEK | libc::MSG_DONTWAIT,
        )
    };
    n < 0 && io::Error::last_os_error().kind() == io::ErrorKind::WouldBlock
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sticky_timeouts() {
        let s = Duration::from_secs;
        let ms = Duration::from_millis;
        assert_eq!(sticky(None, None), None);
        assert_eq!(sticky(Some(s(1)), None), Some(None));
        assert_eq!(sticky(None, Some(s(60))), Some(Some(ms(61_200))));
        // Within [wish, wish + 5%]: untouched.
        assert_eq!(sticky(Some(ms(61_200)), Some(s(60))), None);
        assert_eq!(sticky(Some(ms(61_200)), Some(ms(58_300))), None);
        // Too long for a shorter wish, or too short for a longer one: set again.
        assert_eq!(
            sticky(Some(ms(61_200)), Some(s(58))),
            Some(Some(ms(59_160)))
        );
        assert_eq!(sticky(Some(s(10)), Some(s(60))), Some(Some(ms(61_200))));
    }

    #[test]
    fn families_interleave() {
        let a = |s: &str| s.parse::<SocketAddr>().unwrap();
        let (v6a, v6b, v4a, v4b) = (
            a("[::1]:1"),
            a("[::2]:1"),
            a("127.0.0.1:1"),
            a("127.0.0.2:1"),
        );
        assert_eq!(interleave(&[v6a, v6b, v4a, v4b]), vec![v6a, v4a, v6b, v4b]);
        assert_eq!(interleave(&[v4a, v6a, v6b]), vec![v4a, v6a, v6b]);
        assert_eq!(interleave(&[v4a, v4b]), vec![v4a, v4b]);
    }

    /// An address that never answers: a listener whose backlog is full drops new SYNs.
    fn black_hole() -> (std::net::TcpListener, Vec<TcpStream>, SocketAddr) {
        let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
        socket
            .bind(&SockAddr::from(
                "127.0.0.1:0".parse::<SocketAddr>().unwrap(),
            ))
            .unwrap();
        socket.listen(0).unwrap();
        let listener: std::net::TcpListener = socket.into();
        let addr = listener.local_addr().unwrap();
        let mut held = Vec::new();
        // Fill the accept queue (and the SYN queue beyond it) without accepting.
        for _ in 0..8 {
            match TcpStream::connect_timeout(&addr, Duration::from_millis(100)) {
                Ok(s) => held.push(s),
                Err(_) => break,
            }
        }
        (listener, held, addr)
    }

    #[test]
    fn a_dead_address_costs_one_attempt_delay() {
        let (_hole, _held, dead) = black_hole();
        let live = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let t0 = Instant::now();
        let s = open(
            &[dead, live.local_addr().unwrap()],
            Some(Duration::from_secs(5)),
        )
        .unwrap();
        let took = t0.elapsed();
        assert_eq!(s.peer_addr().unwrap(), live.local_addr().unwrap());
        assert!(took >= ATTEMPT_DELAY, "{took:?}");
        assert!(took < Duration::from_secs(2), "{took:?}");
        // Only the dead one: the connect budget ends it.
        let t0 = Instant::now();
        let e = open(&[dead, dead], Some(Duration::from_millis(600))).unwrap_err();
        assert!(matches!(e, Error::Timeout(_)), "{e:?}");
        assert!(t0.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn a_refused_address_moves_on_at_once() {
        let closed = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        let live = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let t0 = Instant::now();
        let s = open(
            &[closed, live.local_addr().unwrap()],
            Some(Duration::from_secs(5)),
        )
        .unwrap();
        assert_eq!(s.peer_addr().unwrap(), live.local_addr().unwrap());
        assert!(t0.elapsed() < ATTEMPT_DELAY, "{:?}", t0.elapsed());
        let e = open(&[closed, closed], Some(Duration::from_secs(5))).unwrap_err();
        assert!(
            matches!(&e, Error::Io(io) if io.kind() == io::ErrorKind::ConnectionRefused),
            "{e:?}"
        );
    }

    #[test]
    fn probe_tells_open_from_closed_and_dirty() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut server, _) = listener.accept().unwrap();
        assert!(probe(&client), "idle and open");
        server.write_all(b"x").unwrap();
        std::thread::sleep(Duration::from_millis(20));
        assert!(!probe(&client), "stray bytes waiting");
        let mut b = [0u8; 1];
        (&client).read_exact(&mut b).unwrap();
        drop(server);
        std::thread::sleep(Duration::from_millis(20));
        assert!(!probe(&client), "closed by the server");
    }
}
