//! The one mapping of the core's errors onto the Python exception classes of
//! `dcimanager._errors` (defined once, in Python, and raised from here): the class is chosen
//! by the error's kind, and every fact of the error becomes an attribute.

use dcimanager::{Error, ErrorKind};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyModule};

static ERRORS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

fn class<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    let module = ERRORS.get_or_try_init(py, || {
        PyModule::import(py, "dcimanager._errors").map(Bound::unbind)
    })?;
    module.bind(py).getattr(name)
}

/// The exception class of a kind.
fn class_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidArgument => "InvalidArgumentError",
        ErrorKind::Connect => "ConnectionError",
        ErrorKind::Timeout => "TimeoutError",
        ErrorKind::Tls => "TLSError",
        ErrorKind::Http => "HTTPError",
        ErrorKind::Api => "ApiError",
        ErrorKind::Unauthorized => "UnauthorizedError",
        ErrorKind::RetriesExhausted => "RetriesExhaustedError",
        ErrorKind::Decode => "DecodeError",
        ErrorKind::Interrupted => "InterruptedError",
    }
}

/// The Python exception for a core error.
pub fn to_py(py: Python<'_>, e: Error) -> PyErr {
    match build(py, &e) {
        Ok(err) => err,
        Err(import_failed) => import_failed,
    }
}

fn build(py: Python<'_>, e: &Error) -> PyResult<PyErr> {
    let kw = PyDict::new(py);
    kw.set_item("kind", e.kind().name())?;
    kw.set_item("phase", e.phase().map(|p| p.name()))?;
    kw.set_item("request_sent", e.request_sent())?;
    kw.set_item("attempts", e.attempts())?;
    kw.set_item("status", e.http_status())?;
    kw.set_item("argument", e.argument())?;
    kw.set_item("body", e.body_excerpt())?;
    kw.set_item("tls_pin", e.tls_pin())?;
    kw.set_item("method", e.method())?;
    kw.set_item("url", e.url())?;
    if let Some(a) = e.api() {
        kw.set_item("code", a.code)?;
        kw.set_item("msg", &a.msg)?;
        kw.set_item("value", crate::json::value_to_py(py, &a.value))?;
    }
    let instance = class(py, class_name(e.kind()))?.call((e.to_string(),), Some(&kw))?;
    Ok(PyErr::from_value(instance))
}

/// A `Result` whose error is the core's, turned into a Python exception.
pub trait IntoPy<T> {
    /// Maps the error.
    fn py_err(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPy<T> for Result<T, Error> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_py(py, e))
    }
}
