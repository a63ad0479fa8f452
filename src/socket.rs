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
//!   budget, or the connection's while connecting and in the TLS handshake); they are set
//!   with 2% headroom and left alone while the value set stays between the time asked for and
//!   5% above it, so a call never waits more than 5% past its budget and consecutive calls
//!   rarely touch the socket options.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::{Arc, Weak};
use std::time::Duration;

use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, ShutdownHandle,
    Transport,
};
use ureq::Error;

/// Opens TCP connections for ureq's connector chain (TLS is layered on top by ureq).
#[derive(Debug, Default)]
pub(crate) struct LeanTcpConnector;

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
        let stream = connect(details.addrs.iter(), crate::transport::time_left())?;
        stream.set_nodelay(details.config.no_delay())?;
        crate::transport::connected(details.uri.scheme_str() == Some("https"));
        let stream = Arc::new(stream);
        (details.register_shutdown)(Arc::downgrade(&stream) as Weak<dyn ShutdownHandle>)?;
        let config = details.config;
        Ok(Some(Either::B(LeanTcpTransport {
            stream,
            buffers: LazyBuffers::new(config.input_buffer_size(), config.output_buffer_size()),
            read_timeout: None,
            write_timeout: None,
            io_since_probe: true,
        })))
    }
}

/// Tries each resolved address in turn within the connect timeout (`None`: none).
fn connect<'a>(
    addrs: impl Iterator<Item = &'a SocketAddr>,
    timeout: Option<Duration>,
) -> Result<TcpStream, Error> {
    let mut last = None;
    for addr in addrs {
        let attempt = match timeout {
            Some(t) if t.is_zero() => return Err(Error::Timeout(ureq::Timeout::Connect)),
            Some(t) => TcpStream::connect_timeout(addr, t),
            None => TcpStream::connect(addr),
        };
        match attempt {
            Ok(s) => return Ok(s),
            Err(e) if e.kind() == io::ErrorKind::TimedOut => {
                return Err(Error::Timeout(ureq::Timeout::Connect))
            }
            Err(e) => last = Some(e),
        }
    }
    Err(Error::Io(last.unwrap_or_else(|| {
        io::Error::new(io::ErrorKind::ConnectionRefused, "no address to connect to")
    })))
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

fn timeout_error(e: io::Error) -> Error {
    match e.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => {
            Error::Timeout(ureq::Timeout::Global)
        }
        _ => Error::Io(e),
    }
}

/// The socket timeout for the next I/O: the time the exchange has left (transport.rs), or
/// an error when none is left.
fn io_timeout() -> Result<Option<Duration>, Error> {
    match crate::transport::time_left() {
        Some(t) if t.is_zero() => Err(Error::Timeout(ureq::Timeout::Global)),
        other => Ok(other),
    }
}

impl Transport for LeanTcpTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, _timeout: NextTimeout) -> Result<(), Error> {
        self.io_since_probe = true;
        if let Some(t) = sticky(self.write_timeout, io_timeout()?) {
            self.stream.set_write_timeout(t)?;
            self.write_timeout = t;
        }
        let output = &self.buffers.output()[..amount];
        (&*self.stream).write_all(output).map_err(timeout_error)
    }

    fn await_input(&mut self, _timeout: NextTimeout) -> Result<bool, Error> {
        self.io_since_probe = true;
        if let Some(t) = sticky(self.read_timeout, io_timeout()?) {
            self.stream.set_read_timeout(t)?;
            self.read_timeout = t;
        }
        let input = self.buffers.input_append_buf();
        let amount = loop {
            match (&*self.stream).read(input) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other.map_err(timeout_error)?,
            }
        };
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
