//! The C ABI: `include/dcimanager.h` is generated from this module by cbindgen.
//!
//! Conventions (after rustls-ffi): functions are named `dci_<object>_<verb>`; objects come
//! from `_new` and go through `_free`; every function returns a `dci_status` (or a pointer
//! that is NULL on failure) and writes its out-parameters only on success. A NULL pointer or
//! a string that is not UTF-8 gives `DCI_ERROR_INVALID_ARGUMENT`, never a crash; a panic
//! inside the library is caught and reported as `DCI_ERROR_PANIC`. The message, API code and
//! HTTP status of the last failure on the calling thread are read with `dci_last_error_*`.
//! The library starts no threads, so a process may fork (PHP-FPM) and use clients in the
//! child; a handle must not be used concurrently with its own `_free`.

#![allow(non_camel_case_types)]
// Every export checks its pointers before use; the safety contract is in each header comment.
#![allow(clippy::missing_safety_doc)]

mod boundary;

use std::ffi::{c_char, c_double};
use std::time::Duration;

use boundary::{
    client_ref, guard, guard_ptr, guard_quiet, handle_ref, opt_str_arg, out_arg, owned_string,
    put_string, str_arg,
};

use crate::client::{Client, Request, Response};
use crate::error::Error;

/// Result of every fallible call. `DCI_OK` is 0; anything else is a failure whose message,
/// API code and HTTP status are available from `dci_last_error_message()`,
/// `dci_last_error_api_code()` and `dci_last_error_http_status()` on the same thread.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dci_status {
    /// Success.
    DCI_OK = 0,
    /// A NULL pointer, a string that is not UTF-8, a bad URL or path, a path to another
    /// origin, malformed JSON to send... Nothing was sent.
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
}

/// A DCImanager client: base URL, TLS settings, connection pool, session token.
/// Thread-safe: all calls may run concurrently on one handle, except `dci_client_free`.
pub struct dci_client {
    inner: Client,
    /// Whether `dci_client_request` checks that a JSON success answer parses.
    validate_json: std::sync::atomic::AtomicBool,
}

/// An HTTP answer from `dci_client_request`. Owned by one caller; not thread-safe.
pub struct dci_response {
    status: u16,
    /// The body followed by one NUL byte.
    body: Vec<u8>,
}

impl From<Response> for dci_response {
    fn from(r: Response) -> Self {
        let status = r.status();
        let mut body = r.into_body();
        body.push(0);
        dci_response { status, body }
    }
}

/// The library's version, e.g. "0.1.0". Static storage: never free it. Thread-safe.
#[no_mangle]
pub extern "C" fn dci_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// The name of a status, e.g. "DCI_ERROR_TIMEOUT"; "DCI_UNKNOWN" for a value that is not a
/// `dci_status`. Static storage: never free it. Thread-safe.
#[no_mangle]
pub extern "C" fn dci_status_name(status: i32) -> *const c_char {
    let name: &'static str = match status {
        0 => "DCI_OK\0",
        1 => "DCI_ERROR_INVALID_ARGUMENT\0",
        2 => "DCI_ERROR_CONNECT\0",
        3 => "DCI_ERROR_TIMEOUT\0",
        4 => "DCI_ERROR_TLS\0",
        5 => "DCI_ERROR_HTTP\0",
        6 => "DCI_ERROR_API\0",
        7 => "DCI_ERROR_UNAUTHORIZED\0",
        8 => "DCI_ERROR_RETRIES_EXHAUSTED\0",
        9 => "DCI_ERROR_DECODE\0",
        10 => "DCI_ERROR_PANIC\0",
        _ => "DCI_UNKNOWN\0",
    };
    name.as_ptr().cast()
}

/// Creates a client for `base_url` ("https://host[:port]", trailing slash or not), with TLS
/// verification on, a 60 s time budget per call, and the platform's documented retry policy
/// (10 retries on HTTP 503, backoff factor 0.01 s).
/// Returns NULL on error (see `dci_last_error_message()`). Free with `dci_client_free`.
#[no_mangle]
pub unsafe extern "C" fn dci_client_new(base_url: *const c_char) -> *mut dci_client {
    guard_ptr(|| {
        // SAFETY: the caller passes NULL or a NUL-terminated string.
        let url = unsafe { str_arg(base_url, "base_url") }?;
        let inner = Client::new(url)?;
        Ok(Box::into_raw(Box::new(dci_client {
            inner,
            validate_json: std::sync::atomic::AtomicBool::new(true),
        })))
    })
}

/// Frees a client: its connections are closed and its token and credentials are wiped from
/// memory (the session is not logged out: call `dci_client_logout` first for that).
/// NULL is a no-op. No other call may be running on this handle, and it must not be used
/// afterwards.
#[no_mangle]
pub unsafe extern "C" fn dci_client_free(client: *mut dci_client) {
    guard_quiet((), || {
        if !client.is_null() {
            // SAFETY: the handle came from dci_client_new and is freed once.
            drop(unsafe { Box::from_raw(client) });
        }
    })
}

/// Turns TLS certificate verification on (`true`, the default) or off (`false`: INSECURE,
/// anyone on the path can read the token; only for tests). Applies from the next request.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_set_verify_tls(
    client: *mut dci_client,
    verify: bool,
) -> dci_status {
    // SAFETY: `client` is NULL or a live handle.
    guard(|| unsafe { client_ref(client) }?.set_verify_tls(verify))
}

/// Whether `dci_client_request` checks that a success answer whose Content-Type says JSON
/// parses as JSON (`true`, the default: DCI_ERROR_DECODE otherwise). A caller that parses
/// every body itself may turn the check off to save that pass. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_set_validate_json(
    client: *mut dci_client,
    validate: bool,
) -> dci_status {
    guard(|| {
        // SAFETY: `client` is NULL or live.
        unsafe { handle_ref(client) }?
            .validate_json
            .store(validate, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    })
}

/// Trusts the CA certificates of a PEM file in addition to the built-in (Mozilla) roots.
/// Applies from the next request. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_set_ca_file(
    client: *mut dci_client,
    pem_path: *const c_char,
) -> dci_status {
    guard(|| {
        // SAFETY: pointers are NULL or valid, as documented.
        let c = unsafe { client_ref(client) }?;
        let path = unsafe { str_arg(pem_path, "pem_path") }?;
        c.set_ca_file(path)
    })
}

/// Trusts the CA certificates of `len` bytes of PEM text at `pem` in addition to the
/// built-in roots. Applies from the next request. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_set_ca_pem(
    client: *mut dci_client,
    pem: *const c_char,
    len: usize,
) -> dci_status {
    guard(|| {
        // SAFETY: `client` is NULL or live; `pem` points to `len` readable bytes.
        let c = unsafe { client_ref(client) }?;
        if pem.is_null() {
            return Err(Error::invalid("pem is NULL"));
        }
        let bytes = unsafe { std::slice::from_raw_parts(pem.cast::<u8>(), len) };
        c.set_ca_pem(bytes)
    })
}

/// Sets the time budget of each call in milliseconds, retries and their waits included;
/// 0 means no limit. Default 60000. Applies from the next request. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_set_timeout_ms(client: *mut dci_client, ms: u64) -> dci_status {
    guard(|| {
        // SAFETY: `client` is NULL or live.
        let c = unsafe { client_ref(client) }?;
        c.set_timeout((ms > 0).then(|| Duration::from_millis(ms)))
    })
}

/// Sets the time allowed to set up a connection (TCP and TLS) in milliseconds; 0 means
/// bounded only by the call's time budget. Default 10000. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_set_connect_timeout_ms(
    client: *mut dci_client,
    ms: u64,
) -> dci_status {
    guard(|| {
        // SAFETY: `client` is NULL or live.
        let c = unsafe { client_ref(client) }?;
        c.set_connect_timeout((ms > 0).then(|| Duration::from_millis(ms)))
    })
}

/// Sets how often a request answered with HTTP 503 (or failing to connect) is repeated, and
/// the backoff: no wait before the first retry, then `backoff_factor * 2^(k-1)` seconds
/// before retry k (urllib3's schedule). Default 10 and 0.01. A `Retry-After` header replaces
/// the backoff. `backoff_factor` must be finite and >= 0. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_set_retry(
    client: *mut dci_client,
    max_retries: u32,
    backoff_factor: c_double,
) -> dci_status {
    guard(|| {
        // SAFETY: `client` is NULL or live.
        let c = unsafe { client_ref(client) }?;
        let mut policy = c.retry_policy();
        policy.max_retries = max_retries;
        policy.backoff_factor = backoff_factor;
        c.set_retry(policy)
    })
}

/// Stops retrying once `ms` milliseconds have passed since a call's first attempt; 0 means
/// no such limit (the default). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_set_retry_deadline_ms(
    client: *mut dci_client,
    ms: u64,
) -> dci_status {
    guard(|| {
        // SAFETY: `client` is NULL or live.
        let c = unsafe { client_ref(client) }?;
        let mut policy = c.retry_policy();
        policy.deadline = (ms > 0).then(|| Duration::from_millis(ms));
        c.set_retry(policy)
    })
}

/// Also retries a POST whose connection broke after it was sent (`true`). The platform may
/// then run it twice; the default (`false`) reports the failure instead. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_set_retry_post(
    client: *mut dci_client,
    retry: bool,
) -> dci_status {
    guard(|| {
        // SAFETY: `client` is NULL or live.
        let c = unsafe { client_ref(client) }?;
        let mut policy = c.retry_policy();
        policy.retry_post_after_send = retry;
        c.set_retry(policy)
    })
}

/// Sets the largest response body accepted, in bytes (default 64 MiB); a larger one fails
/// with DCI_ERROR_DECODE. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_set_max_body_size(
    client: *mut dci_client,
    bytes: u64,
) -> dci_status {
    // SAFETY: `client` is NULL or live.
    guard(|| unsafe { client_ref(client) }?.set_max_body_size(bytes))
}

/// Logs in with e-mail and password (POST api/auth/v4/public/token) and uses the session
/// token from then on. The credentials stay in memory (wiped by `dci_client_free`) so that
/// an expired session is renewed once, automatically. Wrong credentials give
/// DCI_ERROR_UNAUTHORIZED. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_login(
    client: *mut dci_client,
    email: *const c_char,
    password: *const c_char,
) -> dci_status {
    guard(|| {
        // SAFETY: pointers are NULL or valid, as documented.
        let c = unsafe { client_ref(client) }?;
        let email = unsafe { str_arg(email, "email") }?;
        let password = unsafe { str_arg(password, "password") }?;
        c.login(email, password).map(drop)
    })
}

/// Logs in with a single sign-on key (POST api/auth/v4/public/key) and uses the session
/// token from then on; such a session is not renewed automatically. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_login_with_key(
    client: *mut dci_client,
    key: *const c_char,
) -> dci_status {
    guard(|| {
        // SAFETY: pointers are NULL or valid.
        let c = unsafe { client_ref(client) }?;
        let key = unsafe { str_arg(key, "key") }?;
        c.login_with_key(key).map(drop)
    })
}

/// Uses a token obtained elsewhere (for example from `dci_client_create_token`). The string
/// is copied. A token with spaces, CR/LF or other characters that cannot travel in a header
/// is refused. Credentials from an earlier login are forgotten. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_set_token(
    client: *mut dci_client,
    token: *const c_char,
) -> dci_status {
    guard(|| {
        // SAFETY: pointers are NULL or valid.
        let c = unsafe { client_ref(client) }?;
        let token = unsafe { str_arg(token, "token") }?;
        c.set_token(token)
    })
}

/// Forgets the session token and the credentials kept for re-login, without telling the
/// platform (use `dci_client_logout` for that). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_clear_token(client: *mut dci_client) -> dci_status {
    guard(|| {
        // SAFETY: `client` is NULL or live.
        unsafe { client_ref(client) }?.clear_token();
        Ok(())
    })
}

/// Writes a copy of the session token to `*token_out`, or NULL when the client has none.
/// The caller owns the copy: free it with `dci_string_free`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_token(
    client: *mut dci_client,
    token_out: *mut *mut c_char,
) -> dci_status {
    guard(|| {
        // SAFETY: pointers are NULL or valid.
        let c = unsafe { client_ref(client) }?;
        let out = out_arg(token_out, "token_out")?;
        let value = match c.token() {
            Some(t) => owned_string(t.expose())?,
            None => std::ptr::null_mut(),
        };
        // SAFETY: `out` is non-NULL and writable.
        unsafe { *out = value };
        Ok(())
    })
}

/// Creates a single sign-on key for a user given by e-mail or id (POST
/// api/auth/v4/user/<user>/key; admin only) and writes it to `*key_out`. The caller owns
/// the key: free it with `dci_string_free`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_create_key(
    client: *mut dci_client,
    user: *const c_char,
    key_out: *mut *mut c_char,
) -> dci_status {
    guard(|| {
        // SAFETY: pointers are NULL or valid.
        let c = unsafe { client_ref(client) }?;
        let user = unsafe { str_arg(user, "user") }?;
        let out = out_arg(key_out, "key_out")?;
        let key = c.create_key(user)?;
        // SAFETY: `out` was checked by out_arg.
        unsafe { put_string(out, key.key.expose()) }
    })
}

/// Writes the link that logs a user in with a key, "<base>/auth/key-v4/<key>", to
/// `*url_out` (the page a billing system redirects its customer to). Sends nothing.
/// The caller owns the string: free it with `dci_string_free`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_key_login_url(
    client: *mut dci_client,
    key: *const c_char,
    url_out: *mut *mut c_char,
) -> dci_status {
    guard(|| {
        // SAFETY: pointers are NULL or valid.
        let c = unsafe { client_ref(client) }?;
        let key = unsafe { str_arg(key, "key") }?;
        let out = out_arg(url_out, "url_out")?;
        // SAFETY: `out` was checked by out_arg.
        unsafe { put_string(out, &c.key_login_url(key)?) }
    })
}

/// Creates a long-lived token (POST api/auth/v4/token) that expires at `expires_at`
/// ("YYYY-MM-DD HH:MM:SS"), with a description (NULL: empty), and writes it to
/// `*token_out`. The client keeps using its current token; pass the new one to
/// `dci_client_set_token` to switch. Free it with `dci_string_free`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_create_token(
    client: *mut dci_client,
    expires_at: *const c_char,
    description: *const c_char,
    token_out: *mut *mut c_char,
) -> dci_status {
    guard(|| {
        // SAFETY: pointers are NULL or valid.
        let c = unsafe { client_ref(client) }?;
        let expires_at = unsafe { str_arg(expires_at, "expires_at") }?;
        let description = unsafe { opt_str_arg(description, "description") }?.unwrap_or("");
        let out = out_arg(token_out, "token_out")?;
        let token = c.create_token(expires_at, description)?;
        // SAFETY: `out` was checked by out_arg.
        unsafe { put_string(out, token.expose()) }
    })
}

/// Sets the platform's token and session lifetime (POST api/auth/v4/setting/token_ttl),
/// `value` in minutes as text, e.g. "999". Admin only. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_set_token_ttl(
    client: *mut dci_client,
    value: *const c_char,
) -> dci_status {
    guard(|| {
        // SAFETY: pointers are NULL or valid.
        let c = unsafe { client_ref(client) }?;
        let value = unsafe { str_arg(value, "value") }?;
        c.set_token_ttl(value)
    })
}

/// Writes the current user (GET api/auth/v4/whoami) as JSON text to `*json_out`.
/// Free it with `dci_string_free`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_whoami(
    client: *mut dci_client,
    json_out: *mut *mut c_char,
) -> dci_status {
    guard(|| {
        // SAFETY: pointers are NULL or valid.
        let c = unsafe { client_ref(client) }?;
        let out = out_arg(json_out, "json_out")?;
        // SAFETY: `out` was checked by out_arg.
        unsafe { put_string(out, &c.whoami()?.to_string()) }
    })
}

/// Ends the session (DELETE api/auth/v4/token/<token>) and forgets the token and
/// credentials, whatever the answer. A session the platform already dropped counts as
/// logged out; without a token this does nothing. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_logout(client: *mut dci_client) -> dci_status {
    // SAFETY: `client` is NULL or live.
    guard(|| unsafe { client_ref(client) }?.logout())
}

/// Sends a request and hands over the answer.
///
/// `method`: "GET", "POST", "DELETE"... `path`: "dci/v3/server/2" is sent to
/// <base>/api/dci/v3/server/2; a path starting with "/" is taken from the host root; a full
/// URL is accepted only with the client's own scheme, host and port. Query values must be
/// percent-encoded (`dci_encode_component`). `json_body`: JSON text, or NULL for none (a
/// POST without a body sends "{}"); it is checked to be valid JSON before sending.
///
/// The session token is sent as header `x-xsrf-token`, cookie `ses6` and with header
/// `isp-box-instance: true`. HTTP 503 answers are retried per `dci_client_set_retry`; an
/// expired session is renewed once when the client logged in with a password.
///
/// `*response_out` is set to NULL first (when `response_out` is not NULL), then to the
/// answer whenever one arrived, also when the status is an error: the call then returns
/// DCI_ERROR_API, DCI_ERROR_UNAUTHORIZED, DCI_ERROR_HTTP or DCI_ERROR_RETRIES_EXHAUSTED
/// *and* the response. A success whose Content-Type says JSON but whose body is not valid
/// JSON gives DCI_ERROR_DECODE, with the response too (see
/// `dci_client_set_validate_json`). The caller owns it: free it with
/// `dci_response_free`.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_request(
    client: *mut dci_client,
    method: *const c_char,
    path: *const c_char,
    json_body: *const c_char,
    response_out: *mut *mut dci_response,
) -> dci_status {
    guard(|| {
        let out = out_arg(response_out, "response_out")?;
        // SAFETY: `out` is non-NULL and writable; other pointers are NULL or valid.
        unsafe { *out = std::ptr::null_mut() };
        let handle = unsafe { handle_ref(client) }?;
        let c = &handle.inner;
        let validate = handle
            .validate_json
            .load(std::sync::atomic::Ordering::Relaxed);
        let method = unsafe { str_arg(method, "method") }?;
        let path = unsafe { str_arg(path, "path") }?;
        let body = unsafe { opt_str_arg(json_body, "json_body") }?;
        let mut req = Request::new(method, path);
        if let Some(b) = body {
            req = req.json_text(b);
        }
        let response = c.send(&req)?;
        let error = match response.error() {
            None if validate && response.is_json() => response.check_json().err(),
            other => other,
        };
        // SAFETY: as above.
        unsafe { *out = Box::into_raw(Box::new(dci_response::from(response))) };
        error.map_or(Ok(()), Err)
    })
}

/// The HTTP status of a response; 0 for NULL. May be called from any thread while no
/// thread frees the response.
#[no_mangle]
pub unsafe extern "C" fn dci_response_status(response: *const dci_response) -> u16 {
    // SAFETY: `response` is NULL or live.
    guard_quiet(0, || unsafe { response.as_ref() }.map_or(0, |r| r.status))
}

/// The body of a response: a pointer to its bytes, followed by a NUL byte so that a JSON
/// body can be used as a C string; its length (without that NUL) goes to `*len_out` when
/// `len_out` is not NULL. Borrowed: valid until `dci_response_free`. NULL for a NULL
/// response. May be called from any thread while no thread frees the response.
#[no_mangle]
pub unsafe extern "C" fn dci_response_body(
    response: *const dci_response,
    len_out: *mut usize,
) -> *const c_char {
    guard_quiet(std::ptr::null(), || {
        // SAFETY: `response` is NULL or live; `len_out` is NULL or writable.
        let Some(r) = (unsafe { response.as_ref() }) else {
            return std::ptr::null();
        };
        if let Some(len) = unsafe { len_out.as_mut() } {
            *len = r.body.len() - 1;
        }
        r.body.as_ptr().cast()
    })
}

/// Frees a response and its body. NULL is a no-op. Call it once, when no other thread
/// uses the response.
#[no_mangle]
pub unsafe extern "C" fn dci_response_free(response: *mut dci_response) {
    guard_quiet((), || {
        if !response.is_null() {
            // SAFETY: the response came from dci_client_request and is freed once.
            drop(unsafe { Box::from_raw(response) });
        }
    })
}

/// Frees a string the library handed over (token, key, URL, JSON), zeroing its bytes
/// first. NULL is a no-op. Never pass it a string from anywhere else. Thread-safe (each
/// string once).
#[no_mangle]
pub unsafe extern "C" fn dci_string_free(s: *mut c_char) {
    // SAFETY: `s` is NULL or a string from this library, freed once.
    guard_quiet((), || unsafe { boundary::free_string(s) })
}

/// Percent-encodes `text` for use as one path segment or query value (everything but
/// A-Z a-z 0-9 - . _ ~ is encoded, so `+ ( ) '` survive) and writes it to `*encoded_out`.
/// Free it with `dci_string_free`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_encode_component(
    text: *const c_char,
    encoded_out: *mut *mut c_char,
) -> dci_status {
    guard(|| {
        // SAFETY: pointers are NULL or valid.
        let text = unsafe { str_arg(text, "text") }?;
        let out = out_arg(encoded_out, "encoded_out")?;
        // SAFETY: `out` was checked by out_arg.
        unsafe { put_string(out, &crate::paths::encode_component(text)) }
    })
}

/// The message of the last failed call on this thread, "" when the last call succeeded.
/// Never NULL, never contains a token, password or key. Borrowed: valid until the next
/// call into the library on this thread. Each thread has its own last error.
#[no_mangle]
pub extern "C" fn dci_last_error_message() -> *const c_char {
    guard_quiet(c"".as_ptr(), boundary::last_message)
}

/// The platform's error code (e.g. 3001) of the last failed call on this thread; 0 if none.
/// Each thread has its own last error.
#[no_mangle]
pub extern "C" fn dci_last_error_api_code() -> i32 {
    guard_quiet(0, boundary::last_api_code)
}

/// The platform's error message (`error.msg`) of the last failed call on this thread, "" if
/// none. Never NULL. Borrowed: valid until the next call into the library on this thread.
#[no_mangle]
pub extern "C" fn dci_last_error_api_msg() -> *const c_char {
    guard_quiet(c"".as_ptr(), boundary::last_api_msg)
}

/// The platform's `error.value` of the last failed call on this thread as JSON text (e.g.
/// `{"property":"nickname"}`), "" if none. Never NULL. Borrowed: valid until the next call
/// into the library on this thread.
#[no_mangle]
pub extern "C" fn dci_last_error_api_value() -> *const c_char {
    guard_quiet(c"".as_ptr(), boundary::last_api_value)
}

/// The HTTP status behind the last failed call on this thread; 0 if no answer arrived.
/// Each thread has its own last error.
#[no_mangle]
pub extern "C" fn dci_last_error_http_status() -> u16 {
    guard_quiet(0, boundary::last_http_status)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn nulls_and_bad_utf8_are_invalid_arguments() {
        unsafe {
            assert!(dci_client_new(std::ptr::null()).is_null());
            assert!(CStr::from_ptr(dci_last_error_message())
                .to_str()
                .unwrap()
                .contains("NULL"));
            let bad = b"https://\xff\0";
            assert!(dci_client_new(bad.as_ptr().cast()).is_null());
            let c = dci_client_new(c"http://127.0.0.1:1".as_ptr());
            assert!(!c.is_null());
            assert_eq!(
                dci_client_login(c, std::ptr::null(), c"x".as_ptr()),
                dci_status::DCI_ERROR_INVALID_ARGUMENT
            );
            assert_eq!(
                dci_client_set_token(c, c"a\xfe".as_ptr()),
                dci_status::DCI_ERROR_INVALID_ARGUMENT
            );
            let mut r: *mut dci_response = std::ptr::dangling_mut();
            assert_eq!(
                dci_client_request(c, c"GET".as_ptr(), c"x".as_ptr(), c"{bad".as_ptr(), &mut r),
                dci_status::DCI_ERROR_INVALID_ARGUMENT
            );
            assert!(r.is_null());
            dci_client_free(c);
            dci_client_free(std::ptr::null_mut());
        }
    }

    #[test]
    fn status_names() {
        let name = |s| {
            unsafe { CStr::from_ptr(dci_status_name(s)) }
                .to_str()
                .unwrap()
        };
        assert_eq!(
            name(dci_status::DCI_ERROR_UNAUTHORIZED as i32),
            "DCI_ERROR_UNAUTHORIZED"
        );
        assert_eq!(name(99), "DCI_UNKNOWN");
    }
}
