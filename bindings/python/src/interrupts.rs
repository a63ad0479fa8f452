//! Ctrl-C and cancellation for calls that run with the GIL released.
//!
//! Every `Client` gets the core's interrupt check (see `dcimanager::interrupt`): while a call
//! waits, at least every 100 ms, the check
//! - on the main thread, takes the GIL briefly and runs Python's signal handlers
//!   (`PyErr_CheckSignals`): when one raises — `KeyboardInterrupt` for Ctrl-C — the call
//!   stops, and [`detached`] raises that exception once the call has returned;
//! - on any thread, looks at the cancel token of the call running there (a [`Cancel`], which
//!   `AsyncClient` enters around each native call and sets when the awaiting task is
//!   cancelled): set, the call stops with `dcimanager.InterruptedError`.
//!
//! A call that does not wait pays nothing: the check runs only between slices of a wait.
//!
//! A batch (`Client.get_all`, the core's `send_all`) runs on the calling thread and on threads
//! of the core's: the calling thread, when it is the main thread, runs the signal handlers
//! while its own requests wait, and an interrupt there stops the whole batch.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use pyo3::prelude::*;

thread_local! {
    /// The exception a signal handler raised during this thread's call.
    static PENDING: RefCell<Option<PyErr>> = const { RefCell::new(None) };
    /// The cancel token of the call running on this thread (see [`Cancel`]).
    static TOKEN: RefCell<Option<Arc<AtomicBool>>> = const { RefCell::new(None) };
}

/// Whether this is the process's main thread (the one Python runs signal handlers on).
fn on_main_thread() -> bool {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: plain system calls without arguments.
        unsafe { libc::gettid() == libc::getpid() }
    }
    #[cfg(not(target_os = "linux"))]
    {
        true // PyErr_CheckSignals does nothing on other threads: only the cost differs
    }
}

/// The interrupt check every Client of this module gets.
pub fn check() -> dcimanager::interrupt::Check {
    Arc::new(|| {
        if TOKEN.with(|t| {
            t.borrow()
                .as_ref()
                .is_some_and(|f| f.load(Ordering::SeqCst))
        }) {
            return true;
        }
        if !on_main_thread() {
            return false;
        }
        Python::attach(|py| match py.check_signals() {
            Ok(()) => false,
            Err(e) => {
                PENDING.with(|p| *p.borrow_mut() = Some(e));
                true
            }
        })
    })
}

/// Runs a native call with the GIL released, after asking `logging` whether DEBUG events
/// are wanted during it. When a signal handler raised during the call (Ctrl-C), that
/// exception is raised, whatever the call returned.
pub fn detached<T: Send>(py: Python<'_>, f: impl FnOnce() -> T + Send) -> PyResult<T> {
    crate::logging::before_call(py);
    after_signals(py, f)
}

/// [`detached`] for a batch, whose other threads log as this call does.
pub fn detached_batch<T: Send>(py: Python<'_>, f: impl FnOnce() -> T + Send) -> PyResult<T> {
    crate::logging::before_batch(py);
    after_signals(py, f)
}

/// Runs `f` with the GIL released; the exception a signal handler raised meanwhile wins.
fn after_signals<T: Send>(py: Python<'_>, f: impl FnOnce() -> T + Send) -> PyResult<T> {
    PENDING.with(|p| p.borrow_mut().take());
    let out = py.detach(f);
    match PENDING.with(|p| p.borrow_mut().take()) {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// A cancel token for the native calls made on one thread while it is entered: ``with
/// token: client.get(...)`` in a worker thread, ``token.cancel()`` from anywhere. Used by
/// ``AsyncClient``, whose cancelled tasks cancel the call they were awaiting.
#[pyclass(frozen, module = "dcimanager._native", name = "_Cancel")]
pub struct Cancel {
    flag: Arc<AtomicBool>,
}

#[pymethods]
impl Cancel {
    #[new]
    fn new() -> Self {
        Cancel {
            flag: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Stops the native call running under this token (within 100 ms of its next wait),
    /// and any started later under it.
    fn cancel(&self) {
        self.flag.store(true, Ordering::SeqCst);
    }

    /// Whether ``cancel()`` was called.
    #[getter]
    fn cancelled(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        let flag = Arc::clone(&slf.get().flag);
        TOKEN.with(|t| *t.borrow_mut() = Some(flag));
        slf
    }

    fn __exit__(
        &self,
        _exc_type: Option<&Bound<'_, PyAny>>,
        _exc: Option<&Bound<'_, PyAny>>,
        _tb: Option<&Bound<'_, PyAny>>,
    ) -> bool {
        TOKEN.with(|t| t.borrow_mut().take());
        false
    }
}
