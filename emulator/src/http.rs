//! A small HTTP/1.1 server on `std::net` + `httparse`, plain or TLS (rustls).
//!
//! - One thread per connection; `TCP_NODELAY`; keep-alive unless the client says
//!   `Connection: close` (HTTP/1.0: only with `Connection: keep-alive`); pipelined requests are
//!   answered in order.
//! - Request line + up to 100 headers, at most 64 KiB of head; the body by `Content-Length` or
//!   `Transfer-Encoding: chunked` (trailers ignored), at most 64 MiB. `Expect: 100-continue` is
//!   answered with `100 Continue` before reading the body.
//! - Every response is serialized into one buffer (status line, headers, `Content-Length`, body)
//!   and written with one `write_all`.
//! - A malformed request gets a 400/413/431 error envelope and the connection is closed. A
//!   panicking handler gets a 500 envelope (the process and shared state survive: the state uses
//!   parking_lot mutexes, which do not poison).

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;

use httparse::Status;
use rustls::{ServerConfig, ServerConnection, StreamOwned};

const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: usize = 64 * 1024 * 1024;
const MAX_HEADERS: usize = 100;
const READ_CHUNK: usize = 16 * 1024;

/// A parsed request. `path` and `query` are raw (still percent-encoded).
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub query: String,
    pub minor_version: u8,
    /// Lowercased names, values as sent (lossy UTF-8), in order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// The first header with this (lowercase) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every header with this (lowercase) name.
    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn connection_has(&self, token: &str) -> bool {
        self.headers_named("connection")
            .flat_map(|v| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    }

    /// Whether the client wants the connection kept open after this request.
    pub fn keep_alive(&self) -> bool {
        if self.minor_version == 0 {
            self.connection_has("keep-alive")
        } else {
            !self.connection_has("close")
        }
    }
}

/// A response body: owned, or shared with a prebuilt buffer.
pub enum Body {
    Owned(Vec<u8>),
    Shared(Arc<[u8]>),
}

impl Body {
    pub fn as_slice(&self) -> &[u8] {
        match self {
            Body::Owned(v) => v,
            Body::Shared(a) => a,
        }
    }
}

pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: Body,
}

impl Response {
    pub fn json(status: u16, body: Vec<u8>) -> Self {
        Response {
            status,
            content_type: "application/json",
            headers: Vec::new(),
            body: Body::Owned(body),
        }
    }

    pub fn json_value(status: u16, v: &serde_json::Value) -> Self {
        Self::json(status, serde_json::to_vec(v).expect("JSON"))
    }

    pub fn shared(status: u16, body: Arc<[u8]>) -> Self {
        Response {
            status,
            content_type: "application/json",
            headers: Vec::new(),
            body: Body::Shared(body),
        }
    }

    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// Status line, headers and body in one buffer.
    pub fn to_wire(&self, close: bool, http10_keep_alive: bool) -> Vec<u8> {
        let body = self.body.as_slice();
        let mut out = Vec::with_capacity(body.len() + 160);
        let _ = write!(
            out,
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n",
            self.status,
            reason(self.status),
            self.content_type,
            body.len()
        );
        for (name, value) in &self.headers {
            let _ = write!(out, "{name}: {value}\r\n");
        }
        if close {
            out.extend_from_slice(b"Connection: close\r\n");
        } else if http10_keep_alive {
            out.extend_from_slice(b"Connection: keep-alive\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(body);
        out
    }
}

/// What to do with a request.
pub enum Outcome {
    Respond(Response),
    /// Close the connection without answering.
    Close,
}

/// The application behind the server.
pub trait Handler: Send + Sync + 'static {
    fn handle(&self, req: &Request) -> Outcome;
    /// Called for every accepted TCP connection.
    fn connection_accepted(&self);
}

fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}

/// A JSON error envelope `{"error":{"code":..,"msg":..}}`.
pub fn envelope(status: u16, code: i64, msg: &str) -> Response {
    Response::json_value(
        status,
        &serde_json::json!({"error": {"code": code, "msg": msg}}),
    )
}

/// A connection the server can talk over.
pub trait Conn: Read + Write {
    fn tcp(&self) -> &TcpStream;
    /// Orderly end after a final response.
    fn finish(&mut self) {
        let _ = self.flush();
        let _ = self.tcp().shutdown(Shutdown::Write);
    }
}

impl Conn for TcpStream {
    fn tcp(&self) -> &TcpStream {
        self
    }
}

impl Conn for StreamOwned<ServerConnection, TcpStream> {
    fn tcp(&self) -> &TcpStream {
        &self.sock
    }

    fn finish(&mut self) {
        self.conn.send_close_notify();
        let _ = self.flush();
        let _ = self.sock.shutdown(Shutdown::Write);
    }
}

enum ReadError {
    /// The peer closed between requests.
    Eof,
    Io,
    Bad(u16, String),
}

fn fill<S: Read>(s: &mut S, buf: &mut Vec<u8>) -> Result<usize, ReadError> {
    let len = buf.len();
    buf.resize(len + READ_CHUNK, 0);
    loop {
        match s.read(&mut buf[len..]) {
            Ok(n) => {
                buf.truncate(len + n);
                return Ok(n);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => {
                buf.truncate(len);
                return Err(ReadError::Io);
            }
        }
    }
}

struct Head {
    method: String,
    path: String,
    query: String,
    minor_version: u8,
    headers: Vec<(String, String)>,
}

fn parse_head(buf: &[u8]) -> Result<Option<(Head, usize)>, ReadError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut r = httparse::Request::new(&mut headers);
    match r.parse(buf) {
        Ok(Status::Complete(n)) => {
            let target = r.path.unwrap_or("/");
            let (path, query) = match target.split_once('?') {
                Some((p, q)) => (p, q),
                None => (target, ""),
            };
            let head = Head {
                method: r.method.unwrap_or("").to_string(),
                path: path.to_string(),
                query: query.to_string(),
                minor_version: r.version.unwrap_or(1),
                headers: r
                    .headers
                    .iter()
                    .map(|h| {
                        (
                            h.name.to_ascii_lowercase(),
                            String::from_utf8_lossy(h.value).into_owned(),
                        )
                    })
                    .collect(),
            };
            Ok(Some((head, n)))
        }
        Ok(Status::Partial) if buf.len() > MAX_HEAD => {
            Err(ReadError::Bad(431, "request head too large".into()))
        }
        Ok(Status::Partial) => Ok(None),
        Err(httparse::Error::TooManyHeaders) => Err(ReadError::Bad(431, "too many headers".into())),
        Err(e) => Err(ReadError::Bad(400, format!("malformed request: {e}"))),
    }
}

/// Decodes a complete chunked body at the start of `data`: `Ok(None)` if more bytes are needed,
/// else the body and the number of bytes it took (trailers included).
pub fn decode_chunked(data: &[u8]) -> Result<Option<(Vec<u8>, usize)>, String> {
    let mut pos = 0;
    let mut body = Vec::new();
    loop {
        match httparse::parse_chunk_size(&data[pos..]) {
            Ok(Status::Complete((n, size))) => {
                pos += n;
                if size == 0 {
                    loop {
                        let rest = &data[pos..];
                        match rest.windows(2).position(|w| w == b"\r\n") {
                            None => return Ok(None),
                            Some(i) => {
                                pos += i + 2;
                                if i == 0 {
                                    return Ok(Some((body, pos)));
                                }
                            }
                        }
                    }
                }
                let size = usize::try_from(size)
                    .ok()
                    .filter(|s| body.len() + s <= MAX_BODY)
                    .ok_or_else(|| "chunked body too large".to_string())?;
                if data.len() < pos + size + 2 {
                    return Ok(None);
                }
                body.extend_from_slice(&data[pos..pos + size]);
                pos += size;
                if &data[pos..pos + 2] != b"\r\n" {
                    return Err("bad chunk terminator".into());
                }
                pos += 2;
            }
            Ok(Status::Partial) => return Ok(None),
            Err(_) => return Err("bad chunk size".into()),
        }
    }
}

fn read_request<S: Read + Write>(s: &mut S, buf: &mut Vec<u8>) -> Result<Request, ReadError> {
    let (head, head_len) = loop {
        if !buf.is_empty() {
            if let Some(found) = parse_head(buf)? {
                break found;
            }
        }
        if fill(s, buf)? == 0 {
            return Err(if buf.is_empty() {
                ReadError::Eof
            } else {
                ReadError::Io
            });
        }
    };
    buf.drain(..head_len);
    let mut req = Request {
        method: head.method,
        path: head.path,
        query: head.query,
        minor_version: head.minor_version,
        headers: head.headers,
        body: Vec::new(),
    };
    let expect_continue = req
        .header("expect")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("100-continue"));
    let mut continued = false;
    let mut send_continue = |s: &mut S| {
        if expect_continue && !continued {
            continued = true;
            let _ = s.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
            let _ = s.flush();
        }
    };
    let chunked = req
        .headers_named("transfer-encoding")
        .any(|v| v.to_ascii_lowercase().contains("chunked"));
    if chunked {
        loop {
            match decode_chunked(buf) {
                Ok(Some((body, used))) => {
                    buf.drain(..used);
                    req.body = body;
                    return Ok(req);
                }
                Ok(None) => {
                    if buf.len() > MAX_BODY + MAX_HEAD {
                        return Err(ReadError::Bad(413, "request body too large".into()));
                    }
                    send_continue(s);
                    if fill(s, buf)? == 0 {
                        return Err(ReadError::Io);
                    }
                }
                Err(e) => return Err(ReadError::Bad(400, e)),
            }
        }
    }
    let len = match req.header("content-length") {
        None => 0,
        Some(v) => v
            .trim()
            .parse::<usize>()
            .map_err(|_| ReadError::Bad(400, format!("bad Content-Length '{v}'")))?,
    };
    if len > MAX_BODY {
        return Err(ReadError::Bad(413, "request body too large".into()));
    }
    if len > 0 {
        while buf.len() < len {
            send_continue(s);
            if fill(s, buf)? == 0 {
                return Err(ReadError::Io);
            }
        }
        req.body = if buf.len() == len {
            std::mem::take(buf)
        } else {
            let rest = buf.split_off(len);
            std::mem::replace(buf, rest)
        };
    }
    Ok(req)
}

/// Serves requests on one connection until it closes.
pub fn serve<S: Conn>(mut s: S, handler: &dyn Handler) {
    let mut buf = Vec::with_capacity(READ_CHUNK);
    loop {
        let req = match read_request(&mut s, &mut buf) {
            Ok(r) => r,
            Err(ReadError::Bad(status, msg)) => {
                let resp = envelope(status, 1000, &format!("Invalid request: {msg}"));
                let _ = s.write_all(&resp.to_wire(true, false));
                s.finish();
                return;
            }
            Err(ReadError::Eof | ReadError::Io) => return,
        };
        let keep = req.keep_alive();
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| handler.handle(&req)))
            .unwrap_or_else(|_| Outcome::Respond(envelope(500, 1010, "Internal error")));
        match outcome {
            Outcome::Close => {
                let _ = s.tcp().shutdown(Shutdown::Both);
                return;
            }
            Outcome::Respond(resp) => {
                let wire = resp.to_wire(!keep, keep && req.minor_version == 0);
                if s.write_all(&wire).and_then(|()| s.flush()).is_err() {
                    return;
                }
                if !keep {
                    s.finish();
                    return;
                }
            }
        }
    }
}

/// Accepts connections forever, one thread each.
pub fn run(listener: TcpListener, tls: Option<Arc<ServerConfig>>, handler: Arc<dyn Handler>) {
    for conn in listener.incoming() {
        let tcp = match conn {
            Ok(t) => t,
            Err(e) => {
                eprintln!("dcimanager-emulator: accept failed: {e}");
                std::thread::sleep(std::time::Duration::from_millis(10));
                continue;
            }
        };
        handler.connection_accepted();
        let _ = tcp.set_nodelay(true);
        let handler = Arc::clone(&handler);
        let tls = tls.clone();
        let spawned = std::thread::Builder::new()
            .name("conn".into())
            .stack_size(1024 * 1024)
            .spawn(move || match tls {
                None => serve(tcp, &*handler),
                Some(cfg) => match ServerConnection::new(cfg) {
                    Ok(conn) => serve(StreamOwned::new(conn, tcp), &*handler),
                    Err(e) => eprintln!("dcimanager-emulator: TLS setup failed: {e}"),
                },
            });
        if let Err(e) = spawned {
            eprintln!("dcimanager-emulator: cannot spawn a connection thread: {e}");
        }
    }
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-decodes `s` (invalid escapes are kept as they are; invalid UTF-8 is replaced).
/// With `plus_as_space` a `+` is a space (form encoding, for query strings).
pub fn percent_decode(s: &str, plus_as_space: bool) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                if let (Some(h), Some(l)) = (
                    b.get(i + 1).copied().and_then(hex),
                    b.get(i + 2).copied().and_then(hex),
                ) {
                    out.push(h * 16 + l);
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            b'+' if plus_as_space => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Splits and decodes a query string (`a=1&b=x+y` → `[("a","1"),("b","x y")]`).
pub fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

/// The decoded, non-empty segments of a path (`/api//x/` → `["api","x"]`). `+` stays `+`.
pub fn path_segments(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| percent_decode(s, false))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(
            percent_decode("client%40example.com", false),
            "client@example.com"
        );
        assert_eq!(percent_decode("a+b%2Bc", true), "a b+c");
        assert_eq!(percent_decode("a+b%2Bc", false), "a+b+c");
        assert_eq!(percent_decode("%28x%29%20%27y%27", true), "(x) 'y'");
        assert_eq!(percent_decode("100%", true), "100%");
        assert_eq!(percent_decode("%zz%4", true), "%zz%4");
        assert_eq!(percent_decode("%e2%82%ac", true), "€");
        assert_eq!(percent_decode("%ff", true), "\u{fffd}");
        assert_eq!(percent_decode("", true), "");
    }

    #[test]
    fn query_parsing() {
        let q = parse_query(
            "where=(owner_email+IS+null)+AND+domain+CP+%27a%2Bb%27&limit=0,10&&flag&x=",
        );
        assert_eq!(
            q,
            vec![
                (
                    "where".to_string(),
                    "(owner_email IS null) AND domain CP 'a+b'".to_string()
                ),
                ("limit".to_string(), "0,10".to_string()),
                ("flag".to_string(), String::new()),
                ("x".to_string(), String::new()),
            ]
        );
    }

    #[test]
    fn segments() {
        assert_eq!(
            path_segments("/api/auth/v4/user/client%40example.com/key/"),
            vec!["api", "auth", "v4", "user", "client@example.com", "key"]
        );
        assert_eq!(path_segments("/a+b//c"), vec!["a+b", "c"]);
        assert!(path_segments("/").is_empty());
    }

    #[test]
    fn chunked() {
        let data = b"4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\nX-Trailer: 1\r\n\r\nNEXT";
        let (body, used) = decode_chunked(data).unwrap().unwrap();
        assert_eq!(body, b"Wikipedia");
        assert_eq!(&data[used..], b"NEXT");
        for cut in 0..data.len() - 4 {
            assert_eq!(decode_chunked(&data[..cut]).unwrap(), None, "cut at {cut}");
        }
        assert!(decode_chunked(b"zz\r\n").is_err());
        assert!(decode_chunked(b"3\r\nabcX\r\n").is_err());
    }

    /// An in-memory connection for exercising `read_request`.
    struct Mem {
        input: io::Cursor<Vec<u8>>,
        output: Vec<u8>,
    }

    impl Read for Mem {
        fn read(&mut self, b: &mut [u8]) -> io::Result<usize> {
            // hand out at most 7 bytes at a time to exercise partial reads
            let n = b.len().min(7);
            self.input.read(&mut b[..n])
        }
    }

    impl Write for Mem {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.output.extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn pipelined_requests() {
        let raw = b"POST /a?x=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n{}\
GET /b HTTP/1.1\r\nCookie: a=b\r\nCookie: ses6=t\r\n\r\n\
POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n";
        let mut m = Mem {
            input: io::Cursor::new(raw.to_vec()),
            output: Vec::new(),
        };
        let mut buf = Vec::new();
        let Ok(r1) = read_request(&mut m, &mut buf) else {
            panic!("r1")
        };
        assert_eq!(
            (r1.method.as_str(), r1.path.as_str(), r1.query.as_str()),
            ("POST", "/a", "x=1")
        );
        assert_eq!(r1.body, b"{}");
        assert!(r1.keep_alive());
        let Ok(r2) = read_request(&mut m, &mut buf) else {
            panic!("r2")
        };
        assert_eq!(r2.path, "/b");
        assert_eq!(
            r2.headers_named("cookie").collect::<Vec<_>>(),
            vec!["a=b", "ses6=t"]
        );
        let Ok(r3) = read_request(&mut m, &mut buf) else {
            panic!("r3")
        };
        assert_eq!(r3.body, b"{}");
        assert!(!r3.keep_alive());
        assert!(matches!(
            read_request(&mut m, &mut buf),
            Err(ReadError::Eof)
        ));
    }

    #[test]
    fn wire_format() {
        let w = Response::json(200, b"{}".to_vec())
            .with_header("X-A", "1")
            .to_wire(true, false);
        assert_eq!(
            String::from_utf8(w).unwrap(),
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nX-A: 1\r\nConnection: close\r\n\r\n{}"
        );
    }
}
