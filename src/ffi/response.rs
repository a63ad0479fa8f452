//! `dci_response_*`: reading an answer — status, body, headers — and judging it.

use std::ffi::{c_char, CStr, CString};
use std::sync::OnceLock;

use super::boundary::{ffi, handle, Handle};
use super::{dci_response, dci_status};
use crate::Response;

impl dci_response {
    pub(super) fn new(mut inner: Response) -> Self {
        inner.nul_terminate();
        dci_response {
            inner,
            headers: OnceLock::new(),
        }
    }

    /// Every header as (lower-case name, value as a C string; repeats joined with ", ").
    fn c_headers(&self) -> &[(String, CString)] {
        self.headers.get_or_init(|| {
            let mut out: Vec<(String, CString)> = Vec::new();
            for (name, _) in self.inner.headers() {
                if out.iter().any(|(n, _)| n == name) {
                    continue;
                }
                let value = self.inner.header_all(name).unwrap_or_default();
                out.push((name.to_owned(), CString::new(value).unwrap_or_default()));
            }
            out
        })
    }
}

/// The HTTP status of a response; 0 for NULL.
#[no_mangle]
pub unsafe extern "C" fn dci_response_status(response: *const dci_response) -> u16 {
    // SAFETY: NULL or a live response (the contract).
    ffi!(quiet 0 => unsafe { response.as_ref() }.map_or(0, |r| r.inner.status()))
}

/// How many times the request behind a response was sent (1 when it was not retried);
/// 0 for NULL.
#[no_mangle]
pub unsafe extern "C" fn dci_response_attempts(response: *const dci_response) -> u32 {
    // SAFETY: NULL or a live response (the contract).
    ffi!(quiet 0 => unsafe { response.as_ref() }.map_or(0, |r| r.inner.attempts()))
}

/// The body of a response as text: a pointer to its bytes followed by a NUL byte, so that a
/// JSON body can be used as a C string; its length (without that NUL) goes to `*len_out`
/// when `len_out` is not NULL. A body that contains NUL bytes itself is cut at the first one
/// when read as a C string: use `dci_response_bytes` for bytes. Borrowed: valid until
/// `dci_response_free`. NULL for a NULL response.
#[no_mangle]
pub unsafe extern "C" fn dci_response_body(
    response: *const dci_response,
    len_out: *mut usize,
) -> *const c_char {
    // SAFETY: as dci_response_bytes.
    unsafe { dci_response_bytes(response, len_out) }.cast()
}

/// The body of a response as bytes: a pointer to exactly `*len_out` bytes (any bytes, NUL
/// included; one NUL byte follows them). Borrowed: valid until `dci_response_free`. NULL
/// for a NULL response (and `*len_out` is then left alone). `len_out` may be NULL.
#[no_mangle]
pub unsafe extern "C" fn dci_response_bytes(
    response: *const dci_response,
    len_out: *mut usize,
) -> *const u8 {
    ffi!(quiet std::ptr::null() => {
        // SAFETY: NULL or a live response; `len_out` NULL or writable (the contract).
        let Some(r) = (unsafe { response.as_ref() }) else {
            return std::ptr::null();
        };
        if let Some(len) = unsafe { len_out.as_mut() } {
            *len = r.inner.body().len();
        }
        r.inner.body_with_nul().as_ptr()
    })
}

/// The value of a response header (name case-insensitive; a repeated header's values
/// joined with ", "), or NULL when the response has no such header (or `response` or
/// `name` is NULL or not UTF-8). Borrowed: valid until `dci_response_free`.
#[no_mangle]
pub unsafe extern "C" fn dci_response_header(
    response: *const dci_response,
    name: *const c_char,
) -> *const c_char {
    ffi!(quiet std::ptr::null() => {
        // SAFETY: NULL or a live response; NULL or a NUL-terminated string (the contract).
        let (Some(r), false) = (unsafe { response.as_ref() }, name.is_null()) else {
            return std::ptr::null();
        };
        let Ok(name) = unsafe { CStr::from_ptr(name) }.to_str() else {
            return std::ptr::null();
        };
        r.c_headers()
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map_or(std::ptr::null(), |(_, v)| v.as_ptr())
    })
}

/// What an answer means: DCI_OK for a success (2xx), else the error status it stands for
/// (DCI_ERROR_API, DCI_ERROR_UNAUTHORIZED, DCI_ERROR_HTTP, DCI_ERROR_RETRIES_EXHAUSTED),
/// whose facts — HTTP status, API code, message and value, the body's start — become this
/// thread's last error, read with `dci_last_error_*` as after any failed call.
/// DCI_ERROR_INVALID_ARGUMENT for NULL.
#[no_mangle]
pub unsafe extern "C" fn dci_response_error(response: *const dci_response) -> dci_status {
    ffi!(match handle!(response).inner.error() {
        None => Ok(()),
        Some(e) => Err(e),
    })
}

/// Frees a response and its body. NULL is a no-op. Call it once, when no other thread
/// uses the response.
#[no_mangle]
pub unsafe extern "C" fn dci_response_free(response: *mut dci_response) {
    // SAFETY: NULL or a response from this library, freed once (the contract).
    ffi!(quiet () => unsafe { dci_response::free(response) })
}
