//! The client's events (the core's `events` module) into Python's `logging`: the logger
//! `logging.getLogger("dcimanager")`, requests and connections at DEBUG, retries and
//! re-logins at INFO, give-ups at WARNING; each record carries the event's facts in
//! `record.dcimanager` (a dict: "event", "method", "path", "attempt", "status", "wait_ms"...).
//!
//! Cost with logging left alone: one `isEnabledFor(DEBUG)` per call, made while the GIL is
//! held anyway; DEBUG events are built only when that said yes (the answer is kept in a
//! thread-local for the call, which runs on this thread; the threads of a batch, which made
//! no call of their own, take the answer of the batch's call). Rarer events take the GIL back
//! to ask the logger.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};

use dcimanager::events::{Event, Level, Observer};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;

thread_local! {
    /// Whether the logger takes DEBUG records, as asked at the start of this thread's call
    /// (None on a thread that made none: a thread of a batch).
    static DEBUG: Cell<Option<bool>> = const { Cell::new(None) };
}

/// The answer asked at the start of the latest batch, for its threads.
static BATCH_DEBUG: AtomicBool = AtomicBool::new(false);

static LOGGER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The logger's own cache of `isEnabledFor` answers (`Logger._cache`, a dict cleared in
/// place whenever levels change), read directly: a dict lookup instead of a Python call per
/// request. `None` when this Python's logging has no such cache (then we ask the logger).
static LEVEL_CACHE: PyOnceLock<Option<Py<PyDict>>> = PyOnceLock::new();

/// The logger, with a `NullHandler` added the first time (the convention for libraries: no
/// record of ours reaches `logging.lastResort`, which would print warnings on stderr while
/// the caller catches the error; an application's own configuration decides what is shown).
/// Done on the first call, not at import: `import dcimanager` does not import logging.
fn logger(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    LOGGER
        .get_or_try_init(py, || {
            let logging = py.import("logging")?;
            let logger = logging.call_method1("getLogger", ("dcimanager",))?;
            logger.call_method1("addHandler", (logging.call_method0("NullHandler")?,))?;
            Ok::<_, PyErr>(logger.unbind())
        })
        .map(|l| l.bind(py))
}

/// Logs a warning of the binding's own (a failed logout at the end of a `with` block).
pub fn warning(py: Python<'_>, text: &str) {
    let logged = logger(py).and_then(|l| l.call_method1("warning", ("%s", text)));
    if let Err(e) = logged {
        e.write_unraisable(py, None);
    }
}

/// Asks the logger, with the GIL held, whether DEBUG events are wanted during the call that
/// follows on this thread.
pub fn before_call(py: Python<'_>) {
    DEBUG.with(|d| d.set(Some(debug_enabled(py).unwrap_or(false))));
}

/// [`before_call`] for a batch: the answer holds for the batch's other threads too.
pub fn before_batch(py: Python<'_>) {
    let debug = debug_enabled(py).unwrap_or(false);
    BATCH_DEBUG.store(debug, Ordering::Relaxed);
    DEBUG.with(|d| d.set(Some(debug)));
}

fn debug_enabled(py: Python<'_>) -> PyResult<bool> {
    let cache = LEVEL_CACHE.get_or_init(py, || {
        logger(py)
            .ok()
            .and_then(|l| l.getattr("_cache").ok())
            .and_then(|c| c.cast_into::<PyDict>().ok())
            .map(Bound::unbind)
    });
    if let Some(cache) = cache {
        if let Some(answer) = cache.bind(py).get_item(10)? {
            return answer.is_truthy();
        }
    }
    // Not cached yet (or no cache): the logger computes it, and caches it.
    logger(py)?.call_method1("isEnabledFor", (10,))?.is_truthy()
}

fn python_level(level: Level) -> i32 {
    match level {
        Level::Debug => 10,
        Level::Info => 20,
        Level::Warning => 30,
    }
}

/// The observer every Client of this module gets.
pub struct PyLogging;

impl Observer for PyLogging {
    fn enabled(&self, level: Level) -> bool {
        level > Level::Debug
            || DEBUG
                .with(Cell::get)
                .unwrap_or_else(|| BATCH_DEBUG.load(Ordering::Relaxed))
    }

    fn event(&self, e: &Event<'_>) {
        Python::attach(|py| {
            if let Err(err) = emit(py, e) {
                err.write_unraisable(py, None); // a broken handler must not break the call
            }
        });
    }
}

fn emit(py: Python<'_>, e: &Event<'_>) -> PyResult<()> {
    let logger = logger(py)?;
    let level = python_level(e.level());
    if !logger.call_method1("isEnabledFor", (level,))?.is_truthy()? {
        return Ok(());
    }
    let extra = PyDict::new(py);
    extra.set_item("dcimanager", crate::json::value_to_py(py, &e.fields()))?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("extra", extra)?;
    logger.call_method("log", (level, "%s", e.to_string()), Some(&kwargs))?;
    Ok(())
}
