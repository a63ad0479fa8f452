//! Events: what the client does while a call runs — a request sent, a connection opened or
//! reused, a retry scheduled, a re-login, a call given up, TLS verification turned off —
//! so that an operator can see a suspension being ridden out.
//!
//! Each event is made once, here, and delivered to two sinks:
//! - the [`log`] facade, target `"dcimanager"` (with the key-values `event` and `fields`), for
//!   Rust programs — and the C ABI's `dci_set_log_callback`, which installs a logger;
//! - the client's own [`Observer`], if one is set (the Python binding's `logging` bridge, the
//!   C ABI's `dci_client_set_log_callback`, hence PHP's PSR-3 logger).
//!
//! An event is built only when a sink wants its level: with no logger and no observer, a
//! request pays two atomic loads. No event carries a secret: they are made of the method,
//! the path without its query (scrubbed of the call's secrets, so a logout's token does not
//! show), attempt counts, statuses, error kinds and waits.

use std::fmt;
use std::time::Duration;

use crate::error::{ErrorKind, Phase};

/// How much an event matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Every request and connection.
    Debug,
    /// Retries and re-logins: the client working around something.
    Info,
    /// A call given up after its retries.
    Warning,
}

impl Level {
    /// The `log` crate's level.
    pub fn to_log(self) -> log::Level {
        match self {
            Level::Debug => log::Level::Debug,
            Level::Info => log::Level::Info,
            Level::Warning => log::Level::Warn,
        }
    }
}

/// Why a retry was scheduled or a call given up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// The platform answered this retryable status (503).
    Status(u16),
    /// No answer: a failure of this kind, in this phase.
    Failure(ErrorKind, Option<Phase>),
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::Status(s) => write!(f, "HTTP {s}"),
            Cause::Failure(kind, Some(phase)) => {
                write!(f, "{} error in phase {}", kind.name(), phase.name())
            }
            Cause::Failure(kind, None) => write!(f, "{} error", kind.name()),
        }
    }
}

/// Why the client logs in by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReloginReason {
    /// The platform refused the session (HTTP 401 or code 3001).
    Expired,
    /// The client holds credentials but no token yet.
    NoToken,
}

/// One thing the client did.
#[derive(Debug, Clone, PartialEq)]
pub enum Event<'a> {
    /// A request goes out (DEBUG).
    RequestSent {
        /// The method.
        method: &'a str,
        /// The URL's path, without the query, scrubbed of secrets.
        path: &'a str,
        /// 1 for the first attempt.
        attempt: u32,
    },
    /// The attempt used a new connection or one from the pool (DEBUG).
    Connection {
        /// The origin, `scheme://host:port`.
        origin: &'a str,
        /// Whether the connection came from the pool.
        reused: bool,
    },
    /// The attempt failed in a way that is retried; the next one follows after `wait` (INFO).
    RetryScheduled {
        /// The method.
        method: &'a str,
        /// The URL's path, scrubbed.
        path: &'a str,
        /// The attempt that failed.
        attempt: u32,
        /// Retries allowed in all.
        max_retries: u32,
        /// What went wrong.
        cause: Cause,
        /// The wait before the next attempt.
        wait: Duration,
    },
    /// The client logs in by itself (INFO).
    Relogin {
        /// Why.
        reason: ReloginReason,
    },
    /// TLS verification is off for this client and no key is pinned: said once per client
    /// (WARNING), at its first request.
    Insecure {
        /// The origin, `https://host:port`.
        origin: &'a str,
    },
    /// The call stopped retrying (WARNING).
    GaveUp {
        /// The method.
        method: &'a str,
        /// The URL's path, scrubbed.
        path: &'a str,
        /// Requests sent in all.
        attempts: u32,
        /// The last failure.
        cause: Cause,
    },
}

impl Event<'_> {
    /// A stable name: `"request"`, `"connection"`, `"retry"`, `"relogin"`, `"give_up"`.
    pub fn name(&self) -> &'static str {
        match self {
            Event::RequestSent { .. } => "request",
            Event::Connection { .. } => "connection",
            Event::RetryScheduled { .. } => "retry",
            Event::Relogin { .. } => "relogin",
            Event::GaveUp { .. } => "give_up",
            Event::Insecure { .. } => "insecure",
        }
    }

    /// The event's level.
    pub fn level(&self) -> Level {
        match self {
            Event::RequestSent { .. } | Event::Connection { .. } => Level::Debug,
            Event::RetryScheduled { .. } | Event::Relogin { .. } => Level::Info,
            Event::GaveUp { .. } | Event::Insecure { .. } => Level::Warning,
        }
    }

    /// The event's facts as a JSON object (for C callbacks and structured loggers).
    pub fn fields(&self) -> serde_json::Value {
        use serde_json::json;
        let cause = |c: &Cause| match c {
            Cause::Status(s) => json!({ "status": s }),
            Cause::Failure(k, p) => json!({ "error": k.name(), "phase": p.map(|p| p.name()) }),
        };
        let mut v = match self {
            Event::RequestSent {
                method,
                path,
                attempt,
            } => {
                json!({ "method": method, "path": path, "attempt": attempt })
            }
            Event::Connection { origin, reused } => json!({ "origin": origin, "reused": reused }),
            Event::RetryScheduled {
                method,
                path,
                attempt,
                max_retries,
                cause: c,
                wait,
            } => {
                let mut v = json!({ "method": method, "path": path, "attempt": attempt,
                    "max_retries": max_retries, "wait_ms": wait.as_millis() as u64 });
                merge(&mut v, cause(c));
                v
            }
            Event::Insecure { origin } => json!({ "origin": origin }),
            Event::Relogin { reason } => json!({ "reason": match reason {
                ReloginReason::Expired => "expired",
                ReloginReason::NoToken => "no_token",
            } }),
            Event::GaveUp {
                method,
                path,
                attempts,
                cause: c,
            } => {
                let mut v = json!({ "method": method, "path": path, "attempts": attempts });
                merge(&mut v, cause(c));
                v
            }
        };
        merge(&mut v, json!({ "event": self.name() }));
        v
    }
}

fn merge(into: &mut serde_json::Value, from: serde_json::Value) {
    if let (Some(a), serde_json::Value::Object(b)) = (into.as_object_mut(), from) {
        a.extend(b);
    }
}

impl fmt::Display for Event<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::RequestSent {
                method,
                path,
                attempt,
            } => {
                write!(f, "{method} {path} (attempt {attempt})")
            }
            Event::Connection {
                origin,
                reused: true,
            } => write!(f, "reused a connection to {origin}"),
            Event::Connection {
                origin,
                reused: false,
            } => write!(f, "opened a connection to {origin}"),
            Event::RetryScheduled {
                method,
                path,
                attempt,
                max_retries,
                cause,
                wait,
            } => write!(
                f,
                "{method} {path}: {cause}; retry {attempt} of {max_retries} in {} ms",
                wait.as_millis()
            ),
            Event::Relogin {
                reason: ReloginReason::Expired,
            } => f.write_str("the session expired: logging in again"),
            Event::Relogin {
                reason: ReloginReason::NoToken,
            } => f.write_str("no session yet: logging in with the credentials"),
            Event::GaveUp {
                method,
                path,
                attempts,
                cause,
            } => {
                write!(
                    f,
                    "{method} {path}: gave up after {} ({cause})",
                    crate::error::attempts(*attempts)
                )
            }
            Event::Insecure { origin } => write!(
                f,
                "TLS verification is off for {origin}: anyone on the network path can read and \
                 change the traffic, the session token included (pin the server's key, or give \
                 its certificate as the CA file)"
            ),
        }
    }
}

/// Receives a client's events (see [`Client::set_observer`](crate::Client::set_observer)).
/// Called on the thread that makes the call, possibly from many threads at once.
pub trait Observer: Send + Sync {
    /// Whether events of this level are wanted; asked before an event is built.
    fn enabled(&self, level: Level) -> bool;
    /// One event.
    fn event(&self, event: &Event<'_>);
}

/// The `log` target of every event.
pub const TARGET: &str = "dcimanager";

/// Where a call's events go: its client's observer and the `log` facade.
#[derive(Clone, Copy)]
pub(crate) struct Sinks<'a> {
    pub observer: Option<&'a dyn Observer>,
}

impl Sinks<'_> {
    /// Whether any sink wants this level (cheap: no event is built).
    pub fn enabled(&self, level: Level) -> bool {
        self.observer.is_some_and(|o| o.enabled(level))
            || log::log_enabled!(target: TARGET, level.to_log())
    }

    /// Builds and delivers an event when a sink wants it.
    pub fn emit<'e>(&self, level: Level, make: impl FnOnce() -> Event<'e>) {
        if !self.enabled(level) {
            return;
        }
        let event = make();
        if let Some(o) = self.observer.filter(|o| o.enabled(level)) {
            o.event(&event);
        }
        if log::log_enabled!(target: TARGET, level.to_log()) {
            let fields = event.fields().to_string();
            log::log!(target: TARGET, level.to_log(), event = event.name(), fields = fields.as_str(); "{event}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_and_fields() {
        let e = Event::RetryScheduled {
            method: "GET",
            path: "/api/dci/v3/server/2",
            attempt: 2,
            max_retries: 10,
            cause: Cause::Status(503),
            wait: Duration::from_millis(20),
        };
        assert_eq!(
            e.to_string(),
            "GET /api/dci/v3/server/2: HTTP 503; retry 2 of 10 in 20 ms"
        );
        assert_eq!(e.level(), Level::Info);
        let f = e.fields();
        assert_eq!(
            (
                f["event"].as_str(),
                f["status"].as_u64(),
                f["wait_ms"].as_u64()
            ),
            (Some("retry"), Some(503), Some(20))
        );
        let g = Event::GaveUp {
            method: "POST",
            path: "/x",
            attempts: 1,
            cause: Cause::Failure(ErrorKind::Connect, Some(Phase::Wait)),
        };
        assert_eq!(
            g.to_string(),
            "POST /x: gave up after 1 attempt (connect error in phase wait)"
        );
        assert_eq!(g.fields()["phase"], "wait");
    }
}
