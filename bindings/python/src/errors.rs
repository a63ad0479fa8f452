//! The one mapping of the core's errors onto the Python exception classes of
//! `dcimanager._errors` (defined once, in Python, and raised from here).

use dcimanager::Error;
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

/// The Python exception for a core error.
pub fn to_py(py: Python<'_>, e: Error) -> PyErr {
    match build(py, &e) {
        Ok(err) => err,
        Err(import_failed) => import_failed,
    }
}

fn build(py: Python<'_>, e: &Error) -> PyResult<PyErr> {
    let message = e.to_string();
    let kw = PyDict::new(py);
    let name = match e {
        Error::InvalidArgument(_) => "InvalidArgumentError",
        Error::Connect(_) => "ConnectionError",
        Error::Timeout(_) => "TimeoutError",
        Error::Tls(_) => "TLSError",
        Error::Http { status, excerpt } => {
            kw.set_item("status", status)?;
            kw.set_item("body", excerpt)?;
            "HTTPError"
        }
        Error::Api(a) | Error::Unauthorized(a) => {
            kw.set_item("status", a.status)?;
            kw.set_item("code", a.code)?;
            kw.set_item("msg", &a.msg)?;
            kw.set_item("value", crate::json::value_to_py(py, &a.value))?;
            if matches!(e, Error::Unauthorized(_)) {
                "UnauthorizedError"
            } else {
                "ApiError"
            }
        }
        Error::RetriesExhausted {
            attempts,
            last_status,
            ..
        } => {
            kw.set_item("attempts", attempts)?;
            kw.set_item("last_status", last_status)?;
            "RetryError"
        }
        Error::Decode { excerpt, .. } => {
            kw.set_item("body", excerpt)?;
            "DecodeError"
        }
        _ => "Error",
    };
    let instance = class(py, name)?.call((message,), Some(&kw))?;
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
