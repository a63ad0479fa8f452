//! The C ABI: `include/dcimanager.h` (and the PHP header) are generated from this module and
//! its submodules by cbindgen.
//!
//! Conventions (after rustls-ffi):
//! - functions are named `dci_<object>_<verb>`; objects come from `_new` (or a call that
//!   hands one out) and go through `_free`;
//! - every fallible function returns a `dci_status`, or a pointer that is NULL on failure;
//! - **the out-parameter rule**: an out-parameter is written only when the call returns
//!   `DCI_OK`; on failure it keeps what the caller put there. An out-parameter documented as
//!   optional may be NULL; any other NULL gives `DCI_ERROR_INVALID_ARGUMENT`;
//! - a NULL pointer or a string that is not UTF-8 gives `DCI_ERROR_INVALID_ARGUMENT`, never
//!   a crash; a panic inside the library is caught and reported as `DCI_ERROR_PANIC`;
//! - the facts of the last failure on the calling thread (message, phase, whether the
//!   request was sent, attempts, HTTP status, API code/message/value...) are read with
//!   `dci_last_error_*`;
//! - the library starts no threads, so a process may fork (PHP-FPM) and use clients in the
//!   child; a handle must not be used concurrently with its own `_free`.
//!
//! Every export is written in the one construct of [`boundary`] (`ffi!`), which holds the
//! panic guard, the last error and the out-parameter rule.

#![allow(non_camel_case_types)]
// Every export checks its pointers before use; the safety contract is in boundary.rs and in
// each header comment.
#![allow(clippy::missing_safety_doc)]

mod batch;
pub(crate) mod boundary;
mod client;
mod error;
mod logging;
mod pages;
mod request;
mod response;

use std::ffi::{c_char, c_double};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, OnceLock};

use boundary::{ffi, text, Handle};

use crate::{defaults, Client, Paginator, Request, Response};

/// Result of every fallible call. `DCI_OK` is 0; anything else is a failure whose facts are
/// available from the `dci_last_error_*` functions on the same thread.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dci_status {
    /// Success.
    DCI_OK = 0,
    /// A NULL pointer, a string that is not UTF-8, a bad URL or path, a path to another
    /// origin, malformed JSON to send... Nothing was sent. `dci_last_error_argument()` names
    /// the argument when known.
    DCI_ERROR_INVALID_ARGUMENT = 1,
    /// The connection could not be made, or broke before a complete answer.
    DCI_ERROR_CONNECT = 2,
    /// The call ran out of time (see `dci_client_set_timeout_ms`).
    DCI_ERROR_TIMEOUT = 3,
    /// The TLS handshake failed (untrusted certificate, wrong host name...).
    DCI_ERROR_TLS = 4,
    /// An HTTP error status without the platform's error body (e.g. an HTML 502 page).
    DCI_ERROR_HTTP = 5,
    /// The platform answered with its error body `{"error":{"code","msg","value"}}`.
    DCI_ERROR_API = 6,
    /// The platform refused the session (HTTP 401 or API code 3001); a kind of API error.
    DCI_ERROR_UNAUTHORIZED = 7,
    /// The platform kept answering a retryable status (503) until no retry was left.
    DCI_ERROR_RETRIES_EXHAUSTED = 8,
    /// A success answer whose body is not the JSON expected, or is too large.
    DCI_ERROR_DECODE = 9,
    /// A bug inside the library was caught at the boundary; the handle is still usable.
    DCI_ERROR_PANIC = 10,
    /// The call was interrupted while it waited (`dci_client_interrupt`, or the client's
    /// interrupt check): not retried, its connection dropped; the client stays usable.
    DCI_ERROR_INTERRUPTED = 11,
}

/// Where an exchange stopped when it failed without an answer
/// (`dci_last_error_phase()`). From `DCI_PHASE_SEND` on, the server may have seen the
/// request.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dci_phase {
    /// No exchange failed: an answer arrived, or nothing was attempted.
    DCI_PHASE_NONE = 0,
    /// Looking up the host name. Nothing was sent.
    DCI_PHASE_RESOLVE = 1,
    /// Opening the TCP connection. Nothing was sent.
    DCI_PHASE_CONNECT = 2,
    /// The TLS handshake. Nothing was sent.
    DCI_PHASE_TLS = 3,
    /// Writing the request: the server may have seen part or all of it.
    DCI_PHASE_SEND = 4,
    /// Waiting for the answer after the request was written.
    DCI_PHASE_WAIT = 5,
    /// Reading the answer after its first bytes arrived.
    DCI_PHASE_READ = 6,
}

/// The library's defaults (`dci_get_defaults()`): what a new client uses until a setter
/// changes it.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct dci_defaults {
    /// Time budget of each call in milliseconds, retries and waits included.
    pub timeout_ms: u64,
    /// Time to set up a connection (TCP and TLS) in milliseconds.
    pub connect_timeout_ms: u64,
    /// Retries on HTTP 503 and on connection failures.
    pub retries: u32,
    /// Seconds; the wait before retry k >= 2 is `backoff_factor * 2^(k-1)`.
    pub backoff_factor: c_double,
    /// The largest response body accepted, in bytes.
    pub max_body_size: u64,
    /// Items per request when paging (`dci_client_paginate` with page_size 0).
    pub page_size: u64,
}

/// A DCImanager client: base URL, TLS settings, connection pool, session token.
/// Thread-safe: all calls may run concurrently on one handle, except `dci_client_free`.
pub struct dci_client {
    inner: Arc<Client>,
    /// Whether `dci_client_request` checks that a JSON success answer parses.
    validate_json: AtomicBool,
}

/// A request being built for `dci_client_send`: method, path, query parameters, body,
/// headers, time budget. Owned by one caller; not thread-safe; reusable (sending does not
/// consume it).
pub struct dci_request {
    inner: Request<'static>,
}

/// An HTTP answer, whatever its status (from `dci_client_send` or `dci_client_request`).
/// Owned by one caller; its getters may be called from any thread while no thread frees it.
pub struct dci_response {
    inner: Response,
    /// Header values as C strings, made on the first `dci_response_header` call.
    headers: OnceLock<Vec<(String, std::ffi::CString)>>,
}

/// An iterator over every item of a list (`dci_client_paginate`). Owned by one caller; not
/// thread-safe. It keeps its client alive: the client handle may be freed first.
pub struct dci_pages {
    client: Arc<Client>,
    cursor: Paginator,
}

/// Requests of a batch in flight at once when `dci_client_send_batch` is given 0 (the core's
/// `defaults::BATCH_CONCURRENCY`; a test keeps them equal).
pub const DCI_BATCH_CONCURRENCY: usize = 8;

/// The results of a batch (`dci_client_send_batch`): for each request, an answer or the
/// facts of its failure. Owned by one caller; free it with `dci_batch_free`.
pub struct dci_batch {
    items: Vec<Result<Option<dci_response>, crate::Error>>,
}

/// The answer to a login (`dci_client_login`, `dci_client_login_with_key`). The session
/// token itself is not in it: the client uses it (read it with `dci_client_token`).
/// Release with `dci_login_info_clear`.
#[repr(C)]
#[derive(Debug)]
pub struct dci_login_info {
    /// The user's id as text (the platform sends a string or a number); owned.
    pub user_id: *mut c_char,
    /// The platform's `confirmed` flag (false when absent).
    pub confirmed: bool,
}

/// A single sign-on key (`dci_client_create_key`). Release with `dci_key_info_clear`, which
/// wipes the key from memory.
#[repr(C)]
#[derive(Debug)]
pub struct dci_key_info {
    /// The key's id as text; owned.
    pub id: *mut c_char,
    /// The key, a secret valid for one hour; owned.
    pub key: *mut c_char,
}

impl Handle for dci_client {}
impl Handle for dci_request {}
impl Handle for dci_response {}
impl Handle for dci_pages {}
impl Handle for dci_batch {}

/// The library's version, e.g. "0.1.0". Static storage: never free it. Thread-safe.
#[no_mangle]
pub extern "C" fn dci_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// The library's defaults: time budget 60 s, connection setup 10 s, 10 retries with backoff
/// factor 0.01 (the platform's documented policy for HTTP 503), 64 MiB bodies, 100 items
/// per page. Bindings read them here instead of repeating them. Thread-safe.
#[no_mangle]
pub extern "C" fn dci_get_defaults() -> dci_defaults {
    dci_defaults {
        timeout_ms: defaults::TIMEOUT.as_millis() as u64,
        connect_timeout_ms: defaults::CONNECT_TIMEOUT.as_millis() as u64,
        retries: defaults::RETRIES,
        backoff_factor: defaults::BACKOFF_FACTOR,
        max_body_size: defaults::MAX_BODY_SIZE,
        page_size: defaults::PAGE_SIZE,
    }
}

/// Frees a string the library handed over (token, key, URL, JSON), zeroing its bytes
/// first. NULL is a no-op. Never pass it a string from anywhere else. Thread-safe (each
/// string once).
#[no_mangle]
pub unsafe extern "C" fn dci_string_free(s: *mut c_char) {
    // SAFETY: `s` is NULL or a string from this library, freed once (the contract).
    ffi!(quiet () => unsafe { boundary::free_string(s) })
}

/// Connects to the server of an `https://host[:port]` URL (through the environment's proxy,
/// as a client would), completes a TLS handshake that trusts any certificate (the server
/// must still prove it holds the key), sends no HTTP request, and writes the pin of the
/// certificate it presented to `*pin_out` (`sha256//<base64>`, curl's format; free it with
/// `dci_string_free`). Trust on first use, as ssh shows a fingerprint: **compare the pin out
/// of band** (on the platform's console) before passing it to
/// `dci_client_set_pinned_pubkey`. Errors: DCI_ERROR_INVALID_ARGUMENT for a URL that is not
/// https, DCI_ERROR_CONNECT / DCI_ERROR_TIMEOUT (10 s) / DCI_ERROR_TLS. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_server_pin(
    url: *const c_char,
    pin_out: *mut *mut c_char,
) -> dci_status {
    ffi!(pin_out => boundary::owned_string(&crate::server_pin(text!(url))?))
}

/// Percent-encodes `text` for use as one path segment or query value (everything but
/// A-Z a-z 0-9 - . _ ~ is encoded, so `+ ( ) '` survive) and writes it to `*encoded_out`.
/// Free it with `dci_string_free`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_encode_component(
    text: *const c_char,
    encoded_out: *mut *mut c_char,
) -> dci_status {
    ffi!(encoded_out => {
        boundary::owned_string(&crate::paths::encode_component(text!(text)))
    })
}

/// Writes `text` as a literal of the platform's `where` language to `*quoted_out`:
/// single-quoted, with a backslash before `'` and `\` — e.g. `it's` gives `'it\'s'` — so
/// that `"owner_email EQ " + quoted` is safe whatever the text. Free it with
/// `dci_string_free`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_quote(
    text: *const c_char,
    quoted_out: *mut *mut c_char,
) -> dci_status {
    ffi!(quoted_out => boundary::owned_string(&crate::quote(text!(text))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn quoting_and_defaults() {
        let mut out: *mut c_char = std::ptr::null_mut();
        unsafe {
            assert_eq!(dci_quote(c"it's".as_ptr(), &mut out), dci_status::DCI_OK);
            assert_eq!(CStr::from_ptr(out).to_str().unwrap(), r"'it\'s'");
            dci_string_free(out);
        }
        let d = dci_get_defaults();
        assert_eq!((d.timeout_ms, d.retries), (60_000, 10));
        assert_eq!(DCI_BATCH_CONCURRENCY, crate::defaults::BATCH_CONCURRENCY);
    }

    /// The header's `DCI_SONAME` (written by tools/gen-header) is the one build.rs gives
    /// the library: both from the crate's version, by the same rule.
    #[test]
    fn the_headers_soname_is_the_builds() {
        let header = include_str!("../../include/dcimanager.h");
        let define = format!("#define DCI_SONAME \"{}\"", env!("DCI_SONAME"));
        assert!(
            header.contains(&define),
            "include/dcimanager.h lacks {define}"
        );
    }
}
