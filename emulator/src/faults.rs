//! Test control state: the fault queue, suspend mode, the request log and the counters.
//!
//! Faults are a FIFO queue. Each API request (anything not under `/emulator`) takes one count
//! from the first queued fault whose filters match: `method` (case-insensitive) and `path` (a
//! substring of the raw path or of the percent-decoded path). A fault whose count reaches zero
//! leaves the queue. Suspend mode (`POST /emulator/suspend`) is checked before the queue and does
//! not consume queued faults; its requests are logged with fault `"suspend"` and counted in
//! `faults_served`.
//!
//! Faults other than `delay` and `truncate` answer without running the handler, so the request
//! has no effect (e.g. a `close`d login creates no token).
//!
//! The request log keeps the last 100000 API requests. Header names are lowercased; repeated
//! headers are joined with `", "`. Bodies are kept up to 64 KiB (longer ones are cut and get
//! `"body_truncated": true`). `GET /emulator/requests?since=N` lists only entries with
//! `seq > N`. `DELETE /emulator/requests` clears the log, restarts `seq` at 1 and zeroes every
//! counter (connections included).

use crate::api::ApiError;
use crate::http::Request;
use parking_lot::Mutex;
use serde_json::{json, Map, Value};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};

/// Most requests the log keeps.
pub const LOG_LIMIT: usize = 100_000;

/// Most body bytes kept per logged request (the rest is dropped, `body_truncated` is set).
pub const LOG_BODY_LIMIT: usize = 64 * 1024;

/// What a fault does to the request that takes it.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// 503 "suspended", with an optional verbatim `Retry-After`.
    Unavailable { retry_after: Option<String> },
    /// Read the request, then close the connection without answering.
    Close,
    /// Sleep, then answer normally.
    Delay { ms: u64 },
    /// Answer 200 with the first half of the normal body.
    Truncate,
    /// nginx-style HTML 502 page.
    Html502,
    /// The 3001 envelope with this status.
    Unauthorized { status: u16 },
    /// Any error envelope.
    ApiError {
        status: u16,
        code: i64,
        msg: String,
        value: Option<Value>,
    },
    /// A redirect to `location`.
    Redirect { status: u16, location: String },
    /// This status with an empty body (a server that answers "no content").
    Empty { status: u16 },
    /// 200, `application/json`, a body whose string holds bytes that are not UTF-8.
    BadUtf8,
    /// A hostile or careless server (or proxy) that echoes what it received — the request's
    /// body and its `x-xsrf-token` — in an answer of the given form.
    Echo { form: EchoForm },
    /// A request answered 503 by suspend mode (not queueable).
    Suspended,
}

impl FaultKind {
    /// The name logged in the request log (and used as `kind` when queueing).
    pub fn name(&self) -> &'static str {
        match self {
            FaultKind::Unavailable { .. } => "503",
            FaultKind::Close => "close",
            FaultKind::Delay { .. } => "delay",
            FaultKind::Truncate => "truncate",
            FaultKind::Html502 => "html502",
            FaultKind::Unauthorized { .. } => "unauthorized",
            FaultKind::ApiError { .. } => "api_error",
            FaultKind::Redirect { .. } => "redirect",
            FaultKind::Empty { .. } => "empty",
            FaultKind::BadUtf8 => "bad_utf8",
            FaultKind::Echo { .. } => "echo",
            FaultKind::Suspended => "suspend",
        }
    }
}

/// Where an `echo` fault puts the echoed text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EchoForm {
    /// 401 with the 3001 envelope: the echo in `msg` and in `value.echo`.
    Unauthorized,
    /// 302 with the echo, percent-encoded, in `Location: /login?back=…`.
    Redirect,
    /// 502 HTML page with the echo in its text.
    Html502,
    /// 200, `application/json`, a body that is not valid JSON and holds the echo.
    BadJson,
}

impl EchoForm {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "unauthorized" => EchoForm::Unauthorized,
            "redirect" => EchoForm::Redirect,
            "html502" => EchoForm::Html502,
            "bad_json" => EchoForm::BadJson,
            _ => return None,
        })
    }

    /// The form's name (the `as` field).
    pub fn name(self) -> &'static str {
        match self {
            EchoForm::Unauthorized => "unauthorized",
            EchoForm::Redirect => "redirect",
            EchoForm::Html502 => "html502",
            EchoForm::BadJson => "bad_json",
        }
    }
}

/// A queued fault with its remaining count and filters.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    pub kind: FaultKind,
    pub remaining: u64,
    pub method: Option<String>,
    pub path: Option<String>,
}

const FAULT_FIELDS: [&str; 12] = [
    "kind",
    "as",
    "count",
    "method",
    "path",
    "retry_after",
    "delay_ms",
    "status",
    "code",
    "msg",
    "value",
    "location",
];

fn opt_str(obj: &Map<String, Value>, name: &str) -> Result<Option<String>, ApiError> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) if name == "retry_after" => Ok(Some(n.to_string())),
        Some(_) => Err(ApiError::invalid(name, "expected a string")),
    }
}

fn opt_u64(obj: &Map<String, Value>, name: &str) -> Result<Option<u64>, ApiError> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
            .map(Some)
            .ok_or_else(|| ApiError::invalid(name, "expected a non-negative integer")),
    }
}

fn opt_status(obj: &Map<String, Value>, default: u16) -> Result<u16, ApiError> {
    match opt_u64(obj, "status")? {
        None => Ok(default),
        Some(s) if (100..=599).contains(&s) => Ok(s as u16),
        Some(_) => Err(ApiError::invalid(
            "status",
            "expected an HTTP status 100..599",
        )),
    }
}

impl Fault {
    /// Reads a fault from its JSON description (see the module docs and README).
    pub fn from_json(v: &Value) -> Result<Fault, ApiError> {
        let obj = v
            .as_object()
            .ok_or_else(|| ApiError::bad_request("a fault must be a JSON object"))?;
        if let Some(k) = obj.keys().find(|k| !FAULT_FIELDS.contains(&k.as_str())) {
            return Err(ApiError::unexpected(k));
        }
        let kind_name = match obj.get("kind") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(_) => return Err(ApiError::invalid("kind", "expected a string")),
            None => return Err(ApiError::missing("kind")),
        };
        let kind = match kind_name.as_str() {
            "503" => FaultKind::Unavailable {
                retry_after: opt_str(obj, "retry_after")?,
            },
            "close" => FaultKind::Close,
            "delay" => FaultKind::Delay {
                ms: opt_u64(obj, "delay_ms")?.ok_or_else(|| ApiError::missing("delay_ms"))?,
            },
            "truncate" => FaultKind::Truncate,
            "html502" => FaultKind::Html502,
            "unauthorized" => FaultKind::Unauthorized {
                status: opt_status(obj, 401)?,
            },
            "api_error" => FaultKind::ApiError {
                status: opt_status(obj, 500)?,
                code: match obj.get("code") {
                    None | Some(Value::Null) => 1000,
                    Some(c) => c
                        .as_i64()
                        .ok_or_else(|| ApiError::invalid("code", "expected an integer"))?,
                },
                msg: opt_str(obj, "msg")?.unwrap_or_else(|| "Emulated error".to_string()),
                value: match obj.get("value") {
                    None | Some(Value::Null) => None,
                    Some(v @ Value::Object(_)) => Some(v.clone()),
                    Some(_) => return Err(ApiError::invalid("value", "expected an object")),
                },
            },
            "redirect" => FaultKind::Redirect {
                status: opt_status(obj, 302)?,
                location: opt_str(obj, "location")?.unwrap_or_else(|| "/".to_string()),
            },
            "empty" => FaultKind::Empty {
                status: opt_status(obj, 200)?,
            },
            "bad_utf8" => FaultKind::BadUtf8,
            "echo" => FaultKind::Echo {
                form: opt_str(obj, "as")?
                    .as_deref()
                    .and_then(EchoForm::parse)
                    .ok_or_else(|| {
                        ApiError::invalid("as", "expected unauthorized, redirect, html502 or bad_json")
                    })?,
            },
            _ => {
                return Err(ApiError::invalid(
                    "kind",
                    "expected one of 503, close, delay, truncate, html502, unauthorized, api_error, redirect, empty, bad_utf8, echo",
                ))
            }
        };
        let remaining = opt_u64(obj, "count")?.unwrap_or(1);
        if remaining == 0 {
            return Err(ApiError::invalid("count", "must be at least 1"));
        }
        Ok(Fault {
            kind,
            remaining,
            method: opt_str(obj, "method")?.map(|m| m.to_ascii_uppercase()),
            path: opt_str(obj, "path")?,
        })
    }

    /// The fault as JSON (for `GET /emulator/faults`).
    pub fn to_json(&self) -> Value {
        let mut o = Map::new();
        o.insert("kind".into(), json!(self.kind.name()));
        o.insert("count".into(), json!(self.remaining));
        o.insert("method".into(), json!(self.method));
        o.insert("path".into(), json!(self.path));
        match &self.kind {
            FaultKind::Unavailable { retry_after } => {
                o.insert("retry_after".into(), json!(retry_after));
            }
            FaultKind::Delay { ms } => {
                o.insert("delay_ms".into(), json!(ms));
            }
            FaultKind::Unauthorized { status } => {
                o.insert("status".into(), json!(status));
            }
            FaultKind::ApiError {
                status,
                code,
                msg,
                value,
            } => {
                o.insert("status".into(), json!(status));
                o.insert("code".into(), json!(code));
                o.insert("msg".into(), json!(msg));
                o.insert("value".into(), json!(value));
            }
            FaultKind::Redirect { status, location } => {
                o.insert("status".into(), json!(status));
                o.insert("location".into(), json!(location));
            }
            FaultKind::Empty { status } => {
                o.insert("status".into(), json!(status));
            }
            FaultKind::Echo { form } => {
                o.insert("as".into(), json!(form.name()));
            }
            _ => {}
        }
        Value::Object(o)
    }

    fn matches(&self, method: &str, raw_path: &str, decoded_path: &str) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self
                .path
                .as_deref()
                .is_none_or(|p| raw_path.contains(p) || decoded_path.contains(p))
    }
}

/// Counters reported by `GET /emulator/stats`.
#[derive(Default)]
pub struct Counters {
    pub requests: AtomicU64,
    pub get: AtomicU64,
    pub post: AtomicU64,
    pub delete: AtomicU64,
    pub other: AtomicU64,
    pub logins: AtomicU64,
    pub key_logins: AtomicU64,
    pub connections: AtomicU64,
    pub faults_served: AtomicU64,
}

impl Counters {
    fn all(&self) -> [&AtomicU64; 9] {
        [
            &self.requests,
            &self.get,
            &self.post,
            &self.delete,
            &self.other,
            &self.logins,
            &self.key_logins,
            &self.connections,
            &self.faults_served,
        ]
    }

    pub fn reset(&self) {
        for c in self.all() {
            c.store(0, Ordering::Relaxed);
        }
    }

    pub fn to_json(&self) -> Value {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let mut by_method = json!({
            "GET": get(&self.get),
            "POST": get(&self.post),
            "DELETE": get(&self.delete),
        });
        if get(&self.other) > 0 {
            by_method["OTHER"] = json!(get(&self.other));
        }
        json!({
            "requests": get(&self.requests),
            "by_method": by_method,
            "logins": get(&self.logins),
            "key_logins": get(&self.key_logins),
            "connections": get(&self.connections),
            "faults_served": get(&self.faults_served),
        })
    }
}

/// One logged API request.
pub struct LogEntry {
    seq: u64,
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    body_truncated: bool,
    fault: Option<&'static str>,
}

impl LogEntry {
    fn to_json(&self) -> Value {
        let mut headers = Map::new();
        for (name, value) in &self.headers {
            match headers.get_mut(name) {
                Some(Value::String(prev)) => {
                    prev.push_str(", ");
                    prev.push_str(value);
                }
                _ => {
                    headers.insert(name.clone(), Value::String(value.clone()));
                }
            }
        }
        let mut v = json!({
            "seq": self.seq,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": headers,
            "body": String::from_utf8_lossy(&self.body),
            "fault": self.fault,
        });
        if self.body_truncated {
            v["body_truncated"] = json!(true);
        }
        v
    }
}

#[derive(Default)]
struct Log {
    entries: VecDeque<LogEntry>,
    seq: u64,
}

/// Fault queue, suspend counter, request log and counters.
#[derive(Default)]
pub struct Control {
    queue: Mutex<VecDeque<Fault>>,
    suspend: AtomicU64,
    log: Mutex<Log>,
    pub counters: Counters,
}

impl Control {
    /// Appends faults; returns the queue length.
    pub fn push_faults(&self, faults: Vec<Fault>) -> usize {
        let mut q = self.queue.lock();
        q.extend(faults);
        q.len()
    }

    /// Empties the queue; returns how many faults it held.
    pub fn clear_faults(&self) -> usize {
        let mut q = self.queue.lock();
        let n = q.len();
        q.clear();
        n
    }

    pub fn faults_json(&self) -> Value {
        let q = self.queue.lock();
        json!({
            "queued": q.len(),
            "list": q.iter().map(Fault::to_json).collect::<Vec<_>>(),
        })
    }

    pub fn set_suspend(&self, n: u64) {
        self.suspend.store(n, Ordering::SeqCst);
    }

    /// The fault for this request, if any: suspend mode first, then the queue.
    pub fn take_fault(
        &self,
        method: &str,
        raw_path: &str,
        decoded_path: &str,
    ) -> Option<FaultKind> {
        if self
            .suspend
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Some(FaultKind::Suspended);
        }
        let mut q = self.queue.lock();
        let idx = q
            .iter()
            .position(|f| f.matches(method, raw_path, decoded_path))?;
        let f = &mut q[idx];
        let kind = f.kind.clone();
        f.remaining -= 1;
        if f.remaining == 0 {
            q.remove(idx);
        }
        Some(kind)
    }

    /// Counts one API request by method.
    pub fn count(&self, method: &str) {
        let c = &self.counters;
        c.requests.fetch_add(1, Ordering::Relaxed);
        match method {
            "GET" => &c.get,
            "POST" => &c.post,
            "DELETE" => &c.delete,
            _ => &c.other,
        }
        .fetch_add(1, Ordering::Relaxed);
    }

    /// Appends a request to the log.
    pub fn log(&self, req: &Request, fault: Option<&'static str>) {
        let mut log = self.log.lock();
        log.seq += 1;
        let seq = log.seq;
        if log.entries.len() >= LOG_LIMIT {
            log.entries.pop_front();
        }
        log.entries.push_back(LogEntry {
            seq,
            method: req.method.clone(),
            path: req.path.clone(),
            query: req.query.clone(),
            headers: req.headers.clone(),
            body: req.body[..req.body.len().min(LOG_BODY_LIMIT)].to_vec(),
            body_truncated: req.body.len() > LOG_BODY_LIMIT,
            fault,
        });
    }

    /// The log entries with `seq > since` as `{"list":[...]}`, serialized.
    pub fn log_json(&self, since: u64) -> Vec<u8> {
        let log = self.log.lock();
        let list: Vec<Value> = log
            .entries
            .iter()
            .filter(|e| e.seq > since)
            .map(LogEntry::to_json)
            .collect();
        drop(log);
        serde_json::to_vec(&json!({ "list": list })).expect("JSON")
    }

    /// Clears the log and zeroes the counters; returns how many entries were dropped.
    pub fn clear_log(&self) -> usize {
        let mut log = self.log.lock();
        let n = log.entries.len();
        log.entries.clear();
        log.seq = 0;
        self.counters.reset();
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_order_filters_and_counts() {
        let c = Control::default();
        let f1 = Fault::from_json(
            &json!({"kind":"503","count":2,"method":"post","path":"public/token"}),
        )
        .unwrap();
        let f2 = Fault::from_json(&json!({"kind":"close"})).unwrap();
        assert_eq!(c.push_faults(vec![f1, f2]), 2);
        // GET does not match the first: takes the second
        assert_eq!(
            c.take_fault("GET", "/api/dci/v3/server", "/api/dci/v3/server"),
            Some(FaultKind::Close)
        );
        let p = "/api/auth/v4/public/token";
        assert!(matches!(
            c.take_fault("POST", p, p),
            Some(FaultKind::Unavailable { .. })
        ));
        assert!(matches!(
            c.take_fault("POST", p, p),
            Some(FaultKind::Unavailable { .. })
        ));
        assert_eq!(c.take_fault("POST", p, p), None);
        c.set_suspend(1);
        assert_eq!(c.take_fault("GET", "/", "/"), Some(FaultKind::Suspended));
        assert_eq!(c.take_fault("GET", "/", "/"), None);
    }

    #[test]
    fn decoded_path_filter() {
        let c = Control::default();
        c.push_faults(vec![Fault::from_json(
            &json!({"kind":"html502","path":"client@example.com"}),
        )
        .unwrap()]);
        assert_eq!(
            c.take_fault(
                "POST",
                "/api/auth/v4/user/client%40example.com/key",
                "/api/auth/v4/user/client@example.com/key"
            ),
            Some(FaultKind::Html502)
        );
    }

    #[test]
    fn bad_faults() {
        for bad in [
            json!({}),
            json!({"kind":"nope"}),
            json!({"kind":"delay"}),
            json!({"kind":"503","count":0}),
            json!({"kind":"503","typo":1}),
            json!({"kind":"api_error","status":42}),
            json!("503"),
        ] {
            assert!(Fault::from_json(&bad).is_err(), "{bad}");
        }
        let f = Fault::from_json(&json!({"kind":503,"retry_after":5})).unwrap();
        assert_eq!(
            f.kind,
            FaultKind::Unavailable {
                retry_after: Some("5".into())
            }
        );
    }
}
