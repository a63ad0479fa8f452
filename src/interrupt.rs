//! Interrupting a call while it waits.
//!
//! A call waits in a few places only: connecting (the connection race's `poll`), in the TLS
//! handshake and while sending or receiving (the socket's timeouts), and between retries
//! (backoff and `Retry-After` sleeps). Each of those waits in slices of at most
//! [`CHECK_EVERY`] and, between slices — only when a slice passed without progress, so an
//! answer that is already there costs nothing more — asks [`interrupted`]:
//! - has [`Client::interrupt`](crate::Client::interrupt) been called since the call began?
//!   (a counter per client, bumped by an atomic add: safe from another thread or from a
//!   signal handler);
//! - does the client's interrupt check, if one is set, say so? (a binding's: Python runs the
//!   signal handlers there, so Ctrl-C stops a call; the C ABI's calls a callback).
//!
//! The call then fails with [`ErrorKind::Interrupted`](crate::ErrorKind::Interrupted): it is
//! not retried, its connection is dropped (not pooled), and the client stays usable — later
//! calls start from the counter's new value. A name lookup (the system's resolver) is the
//! one wait that cannot be cut short.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::{Error, ErrorKind, Phase};

/// The longest a waiting call goes without looking whether it was interrupted.
pub const CHECK_EVERY: Duration = Duration::from_millis(100);

/// A check a binding installs on a client: `true` stops the call that asks.
pub type Check = Arc<dyn Fn() -> bool + Send + Sync>;

/// A client's interrupt counter.
#[derive(Debug, Default)]
pub(crate) struct Interrupts(AtomicU64);

impl Interrupts {
    /// Interrupts every call in flight (an atomic add: async-signal-safe).
    pub fn interrupt(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }

    fn value(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// The call running on this thread: its client's counter (and its value when the call
/// began) and its check.
#[derive(Clone, Copy)]
struct Watch {
    counter: *const Interrupts,
    start: u64,
    check: Option<*const (dyn Fn() -> bool + Send + Sync)>,
}

thread_local! {
    static WATCH: Cell<Option<Watch>> = const { Cell::new(None) };
}

/// Watches for interrupts while `f` runs on this thread (the previous watch, of an outer
/// call, is restored after).
pub(crate) fn watching<T>(counter: &Interrupts, check: Option<&Check>, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<Watch>);
    impl Drop for Restore {
        fn drop(&mut self) {
            WATCH.with(|w| w.set(self.0));
        }
    }
    let watch = Watch {
        counter,
        start: counter.value(),
        check: check.map(Arc::as_ptr),
    };
    let _restore = Restore(WATCH.with(|w| w.replace(Some(watch))));
    f()
}

/// Whether the call running on this thread was interrupted (see the module docs).
pub(crate) fn interrupted() -> bool {
    let Some(w) = WATCH.with(Cell::get) else {
        return false;
    };
    // SAFETY: `watching` installs the watch for the duration of `f`, during which the client
    // (which owns the counter, and the settings that own the check) is borrowed by the call.
    unsafe {
        if (*w.counter).value() != w.start {
            return true;
        }
        // The check may interrupt the client itself (a signal handler it runs): look again.
        w.check.is_some_and(|c| (*c)()) || (*w.counter).value() != w.start
    }
}

/// The error of an interrupted call, in the phase it was in.
pub(crate) fn error(phase: Option<Phase>) -> Error {
    const WHAT: &str = "the call was interrupted";
    match phase {
        Some(p) => Error::exchange(ErrorKind::Interrupted, p, WHAT),
        None => Error::new(ErrorKind::Interrupted, WHAT),
    }
    .permanent()
}

/// What an interrupted I/O returns through the transport (`transport::failure` makes it an
/// [`ErrorKind::Interrupted`] error).
#[derive(Debug)]
pub(crate) struct Interrupted;

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("interrupted")
    }
}

impl std::error::Error for Interrupted {}

/// The I/O error an interrupted wait returns.
pub(crate) fn io_error() -> std::io::Error {
    std::io::Error::other(Interrupted)
}

/// Whether an I/O error is an interrupted wait's.
pub(crate) fn is_io_interrupt(e: &std::io::Error) -> bool {
    e.get_ref().is_some_and(|i| i.is::<Interrupted>())
}

/// Sleeps `wait` in slices, stopping early (with `false`) when the call is interrupted.
pub(crate) fn sleep(wait: Duration) -> bool {
    let end = Instant::now() + wait;
    loop {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return true;
        }
        std::thread::sleep(left.min(CHECK_EVERY));
        if interrupted() {
            return false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_watch_sees_the_counter_and_the_check() {
        let counter = Interrupts::default();
        assert!(!interrupted(), "no call, no interrupt");
        watching(&counter, None, || {
            assert!(!interrupted());
            counter.interrupt();
            assert!(interrupted());
        });
        // A later call starts from the new value.
        watching(&counter, None, || assert!(!interrupted()));
        let yes: Check = Arc::new(|| true);
        watching(&counter, Some(&yes), || {
            assert!(interrupted());
            assert!(
                !sleep(Duration::from_secs(5)),
                "the sleep stops at the first check"
            );
        });
        assert!(!interrupted(), "the watch ends with the call");
    }
}
