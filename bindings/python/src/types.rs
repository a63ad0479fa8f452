//! The results that carry a secret: `LoginInfo` and `KeyInfo`. Their `repr` shows every
//! field but the secret, so `print(client.login(...))` prints no token.

use pyo3::prelude::*;

/// The answer to a login: ``id`` (the user's id), ``confirmed`` and ``token`` (the session
/// token, now in use by the client). ``repr`` hides the token.
#[pyclass(frozen, module = "dcimanager._native", name = "LoginInfo")]
pub struct LoginInfo {
    /// The user's id (text, whether the platform sent a string or a number).
    #[pyo3(get)]
    id: String,
    /// The platform's ``confirmed`` flag.
    #[pyo3(get)]
    confirmed: bool,
    token: dcimanager::Secret,
}

impl From<dcimanager::LoginInfo> for LoginInfo {
    fn from(i: dcimanager::LoginInfo) -> Self {
        LoginInfo {
            id: i.id,
            confirmed: i.confirmed,
            token: i.token,
        }
    }
}

#[pymethods]
impl LoginInfo {
    /// The session token, now in use by the client (a secret: do not log it).
    #[getter]
    fn token(&self) -> &str {
        self.token.expose()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "LoginInfo(id={}, confirmed={}, token=<hidden>)",
            py_repr(py, &self.id)?,
            if self.confirmed { "True" } else { "False" }
        ))
    }
}

/// A single sign-on key, valid for one hour: ``id`` and ``key``. ``repr`` hides the key;
/// pass the object itself to ``Client.key_login_url()`` or ``Client.login_with_key()``.
#[pyclass(frozen, module = "dcimanager._native", name = "KeyInfo")]
pub struct KeyInfo {
    /// The key's id.
    #[pyo3(get)]
    id: String,
    pub key: dcimanager::Secret,
}

impl From<dcimanager::KeyInfo> for KeyInfo {
    fn from(k: dcimanager::KeyInfo) -> Self {
        KeyInfo {
            id: k.id,
            key: k.key,
        }
    }
}

#[pymethods]
impl KeyInfo {
    /// The key (a secret: do not log it).
    #[getter]
    fn key(&self) -> &str {
        self.key.expose()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "KeyInfo(id={}, key=<hidden>)",
            py_repr(py, &self.id)?
        ))
    }
}

/// Python's `repr` of a string ('3').
fn py_repr(py: Python<'_>, s: &str) -> PyResult<String> {
    Ok(pyo3::types::PyString::new(py, s).repr()?.to_string())
}

/// A key given as `str` or as the `KeyInfo` that `create_key()` returned.
#[derive(FromPyObject)]
pub enum KeyArg {
    Info(Py<KeyInfo>),
    Text(String),
}

impl KeyArg {
    /// The key's text, valid while `self` lives.
    pub fn text(&self) -> &str {
        match self {
            KeyArg::Info(k) => k.get().key.expose(),
            KeyArg::Text(t) => t,
        }
    }
}
