//! `dci_client_*`: the client handle, its settings, the session and the auth v4 calls.

use std::ffi::{c_char, c_double};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::boundary::{bytes, ffi, handle, owned_string, text, FfiResult, Handle};
use super::{dci_client, dci_key_info, dci_login_info, dci_status};
use crate::{Client, LoginInfo};

/// Milliseconds as an optional duration: 0 means none.
pub(super) fn millis(ms: u64) -> Option<Duration> {
    (ms > 0).then(|| Duration::from_millis(ms))
}

/// Creates a client for `base_url` ("https://host[:port]", trailing slash or not), with TLS
/// verification on and the library's defaults (`dci_get_defaults()`: a 60 s time budget per
/// call, the platform's documented retry policy of 10 retries on HTTP 503 with backoff
/// factor 0.01 s). Returns NULL on error (see `dci_last_error_message()`). Free with
/// `dci_client_free`.
#[no_mangle]
pub unsafe extern "C" fn dci_client_new(base_url: *const c_char) -> *mut dci_client {
    ffi!(ptr {
        let inner = Client::new(text!(base_url))?;
        Ok(dci_client {
            inner: Arc::new(inner),
            validate_json: AtomicBool::new(true),
        }
        .into_raw())
    })
}

/// Frees a client: its token and credentials are wiped from memory once nothing uses them
/// (a `dci_pages` keeps its client alive). The session is not logged out: call
/// `dci_client_logout` first for that. NULL is a no-op. No other call may be running on
/// this handle, and it must not be used afterwards.
#[no_mangle]
pub unsafe extern "C" fn dci_client_free(client: *mut dci_client) {
    // SAFETY: NULL or a handle from dci_client_new, freed once (the contract).
    ffi!(quiet () => unsafe { dci_client::free(client) })
}

/// Interrupts every call in flight on this client: each returns DCI_ERROR_INTERRUPTED
/// within 100 ms of the moment it next waits (connecting, the TLS handshake, sending,
/// waiting for the answer, sleeping before a retry; a name lookup cannot be cut short).
/// Calls that start later are not affected, and the client stays usable. Callable from any
/// thread, and **async-signal-safe** (one atomic add, no lock, no allocation): a SIGINT
/// handler may call it. NULL is a no-op. The handle must stay alive while it runs.
#[no_mangle]
pub unsafe extern "C" fn dci_client_interrupt(client: *const dci_client) {
    // Not through ffi!: the boundary's bookkeeping (the last error's thread-local) is not
    // async-signal-safe. A plain load of the handle and an atomic add are.
    if let Some(c) = unsafe { client.as_ref() } {
        c.inner.interrupt();
    }
}

/// A client's interrupt check (see `dci_client_set_interrupt_check`): returns non-zero to
/// stop the waiting call. Called on the thread that makes the call; it must not unwind (no
/// C++ exception, no longjmp).
pub type dci_interrupt_check =
    Option<unsafe extern "C" fn(user_data: *mut std::ffi::c_void) -> std::ffi::c_int>;

/// A check a waiting call on this client makes at least every 100 ms, on the calling
/// thread, only while it waits: a non-zero return stops the call with
/// DCI_ERROR_INTERRUPTED. `user` is passed back untouched. For bindings that must run code
/// while the library waits (PHP dispatches its pcntl signal handlers here). The callback
/// must not call into this client (but `dci_client_interrupt`). NULL removes it.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_set_interrupt_check(
    client: *mut dci_client,
    check: dci_interrupt_check,
    user: *mut std::ffi::c_void,
) -> dci_status {
    ffi!({
        let c = handle!(client);
        let check = check.map(|f| {
            let user = UserData(user);
            let check: crate::interrupt::Check = Arc::new(move || {
                let user = &user;
                // SAFETY: the caller's callback, with the pointer it gave (see above).
                unsafe { f(user.0) != 0 }
            });
            check
        });
        c.inner.set_interrupt_check(check)
    })
}

/// A pointer of the caller's, handed back to its callback: the caller vouches for its use
/// from the threads that make calls.
struct UserData(*mut std::ffi::c_void);
// SAFETY: only ever passed back to the caller's callback (see dci_client_set_interrupt_check).
unsafe impl Send for UserData {}
// SAFETY: as above.
unsafe impl Sync for UserData {}

/// Turns TLS certificate verification on (`true`, the default) or off (`false`: INSECURE,
/// anyone on the path can read the token; only for tests). Applies from the next request.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_set_verify_tls(
    client: *mut dci_client,
    verify: bool,
) -> dci_status {
    ffi!(handle!(client).inner.set_verify_tls(verify))
}

/// Whether `dci_client_request` checks that a success answer whose Content-Type says JSON
/// parses as JSON, strings valid UTF-8 included (`true`, the default: DCI_ERROR_DECODE
/// otherwise). A caller that parses every body itself may turn the check off to save that
/// pass. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_set_validate_json(
    client: *mut dci_client,
    validate: bool,
) -> dci_status {
    ffi!({
        handle!(client)
            .validate_json
            .store(validate, Ordering::Relaxed);
        Ok(())
    })
}

/// Trusts the certificates of a PEM file in addition to the trust store (the system's, see
/// the "Networks and certificates" notes at the top of this header): as CAs whose
/// certificates a server may present, and as the exact certificate a server presents —
/// a self-signed one included, whatever its CA flag, as the platform installs with (made by
/// `openssl req -x509`). The host name and validity dates are still checked. Applies from
/// the next connection. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_set_ca_file(
    client: *mut dci_client,
    pem_path: *const c_char,
) -> dci_status {
    ffi!(handle!(client).inner.set_ca_file(text!(pem_path)))
}

/// Trusts the certificates in `len` bytes of PEM text at `pem` (not necessarily
/// NUL-terminated), as `dci_client_set_ca_file` does. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_set_ca_pem(
    client: *mut dci_client,
    pem: *const c_char,
    len: usize,
) -> dci_status {
    ffi!(handle!(client).inner.set_ca_pem(bytes!(pem, len)))
}

/// Pins the server's public key, in curl's format (`CURLOPT_PINNEDPUBLICKEY`):
/// `sha256//<base64 of the SHA-256 of the DER SubjectPublicKeyInfo>`, several joined by `;`.
/// With verification on, the certificate must verify *and* match a pin; with it off
/// (`dci_client_set_verify_tls(client, false)`), the pin alone decides — a wrong pin always
/// fails, with DCI_ERROR_TLS. NULL or "" removes the pins. Learn a server's pin with
/// `dci_server_pin` and compare it out of band before pinning it. A malformed pin:
/// DCI_ERROR_INVALID_ARGUMENT (argument "pinned_pubkey"). Applies from the next connection.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_set_pinned_pubkey(
    client: *mut dci_client,
    pins: *const c_char,
) -> dci_status {
    ffi!({
        let c = handle!(client);
        let pins = if pins.is_null() {
            None
        } else {
            Some(text!(pins))
        };
        c.inner.set_pinned_pubkey(pins)
    })
}

/// Sets the proxy: NULL takes it from the environment (the default: `https_proxy`, else
/// `HTTPS_PROXY`, else `all_proxy`/`ALL_PROXY` for an https URL; `http_proxy` for http),
/// "" never uses one, else `http://[user:password@]host[:port]` (HTTP CONNECT, Basic
/// credentials percent-decoded), `socks5://...` (names resolved here) or `socks5h://...`
/// (names resolved by the proxy, as with `ssh -D`); a port left out is 1080. TLS runs inside
/// the tunnel: the token never travels outside it. A proxy that refuses or cannot be reached
/// fails with DCI_ERROR_CONNECT, phase DCI_PHASE_CONNECT, the message naming the proxy
/// without its credentials. Applies from the next connection. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_set_proxy(
    client: *mut dci_client,
    url: *const c_char,
) -> dci_status {
    ffi!({
        let c = handle!(client);
        let url = if url.is_null() {
            None
        } else {
            Some(text!(url))
        };
        c.inner.set_proxy(url)
    })
}

/// Sets the hosts reached without the proxy, replacing `no_proxy`/`NO_PROXY` (NULL: read
/// them, the default; "": none). Comma-separated, as curl and requests read it: `*` for
/// every host, `example.com` or `.example.com` for the name and its subdomains, an IP
/// address, a CIDR range such as `10.0.0.0/8`, `host:port` for one port. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_set_no_proxy(
    client: *mut dci_client,
    list: *const c_char,
) -> dci_status {
    ffi!({
        let c = handle!(client);
        let list = if list.is_null() {
            None
        } else {
            Some(text!(list))
        };
        c.inner.set_no_proxy(list)
    })
}

/// Sets the time budget of each call in milliseconds, retries and their waits included;
/// 0 means no limit. Default: `dci_get_defaults().timeout_ms`. Applies from the next
/// request. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_set_timeout_ms(client: *mut dci_client, ms: u64) -> dci_status {
    ffi!(handle!(client).inner.set_timeout(millis(ms)))
}

/// Sets the time allowed to set up a connection (TCP and TLS) in milliseconds; 0 means
/// bounded only by the call's time budget. Default: `dci_get_defaults().connect_timeout_ms`.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_set_connect_timeout_ms(
    client: *mut dci_client,
    ms: u64,
) -> dci_status {
    ffi!(handle!(client).inner.set_connect_timeout(millis(ms)))
}

/// Changes the retry policy of a client (the one place the C setters go through).
fn update_retry(c: &Client, change: impl FnOnce(&mut crate::RetryPolicy)) -> FfiResult<()> {
    let mut policy = c.retry_policy();
    change(&mut policy);
    c.set_retry(policy)
}

/// Sets how often a request answered with HTTP 503 (or failing to connect) is repeated, and
/// the backoff: no wait before the first retry, then `backoff_factor * 2^(k-1)` seconds
/// before retry k (urllib3's schedule). Defaults: `dci_get_defaults()`. A `Retry-After`
/// header replaces the backoff. `backoff_factor` must be finite and >= 0. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_set_retry(
    client: *mut dci_client,
    max_retries: u32,
    backoff_factor: c_double,
) -> dci_status {
    ffi!(update_retry(&handle!(client).inner, |p| {
        p.max_retries = max_retries;
        p.backoff_factor = backoff_factor;
    }))
}

/// Stops retrying once `ms` milliseconds have passed since a call's first attempt; 0 means
/// no such limit (the default). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_set_retry_deadline_ms(
    client: *mut dci_client,
    ms: u64,
) -> dci_status {
    ffi!(update_retry(&handle!(client).inner, |p| p.deadline = millis(ms)))
}

/// Also retries a POST whose connection broke after it was sent (`true`). The platform may
/// then run it twice; the default (`false`) reports the failure instead. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_set_retry_post(
    client: *mut dci_client,
    retry: bool,
) -> dci_status {
    ffi!(update_retry(&handle!(client).inner, |p| p
        .retry_post_after_send =
        retry))
}

/// Sets the largest response body accepted, in bytes (default:
/// `dci_get_defaults().max_body_size`); a larger one fails with DCI_ERROR_DECODE.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_set_max_body_size(
    client: *mut dci_client,
    bytes: u64,
) -> dci_status {
    ffi!(handle!(client).inner.set_max_body_size(bytes))
}

impl super::boundary::Release for dci_login_info {
    fn release(mut self) {
        // SAFETY: the pointer came from owned_string (login_info) and is freed once.
        unsafe { dci_login_info_clear(&mut self) };
    }
}

/// A login answer for C.
fn login_info(info: LoginInfo) -> FfiResult<dci_login_info> {
    Ok(dci_login_info {
        user_id: owned_string(&info.id)?,
        confirmed: info.confirmed,
    })
}

/// Logs in with e-mail and password (POST api/auth/v4/public/token) and uses the session
/// token from then on. The credentials stay in memory (wiped by `dci_client_free`) so that
/// an expired session is renewed once, automatically. Wrong credentials give
/// DCI_ERROR_UNAUTHORIZED.
///
/// `info_out` is optional: when not NULL it receives the user's id and the `confirmed`
/// flag; release it with `dci_login_info_clear`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_login(
    client: *mut dci_client,
    email: *const c_char,
    password: *const c_char,
    info_out: *mut dci_login_info,
) -> dci_status {
    ffi!(opt info_out => {
        let c = &handle!(client).inner;
        login_info(c.login(text!(email), text!(password))?)
    })
}

/// Logs in with a single sign-on key (POST api/auth/v4/public/key) and uses the session
/// token from then on; such a session is not renewed automatically. `info_out` as for
/// `dci_client_login` (optional). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_login_with_key(
    client: *mut dci_client,
    key: *const c_char,
    info_out: *mut dci_login_info,
) -> dci_status {
    ffi!(opt info_out => login_info(handle!(client).inner.login_with_key(text!(key))?))
}

/// Frees the strings of a `dci_login_info` and sets its pointers to NULL (safe to call
/// twice). NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn dci_login_info_clear(info: *mut dci_login_info) {
    ffi!(quiet () => {
        // SAFETY: NULL or a writable dci_login_info (the contract).
        if let Some(info) = unsafe { info.as_mut() } {
            // SAFETY: NULL or a string from this library.
            unsafe { super::boundary::free_string(std::mem::replace(&mut info.user_id, std::ptr::null_mut())) };
        }
    })
}

/// Keeps e-mail and password to log in with when the session expires — or before the first
/// request when the client has no token — without logging in now. The token in use is
/// kept: set a cached token with `dci_client_set_token` first, then the credentials, and
/// the client uses the token until it expires, then logs in once. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_set_credentials(
    client: *mut dci_client,
    email: *const c_char,
    password: *const c_char,
) -> dci_status {
    ffi!(handle!(client)
        .inner
        .set_credentials(text!(email), text!(password)))
}

/// Uses a token obtained elsewhere (for example from `dci_client_create_token`, or a cache).
/// The string is copied. A token with spaces, CR/LF or other characters that cannot travel
/// in a header is refused. Credentials from an earlier login are forgotten: call
/// `dci_client_set_credentials` afterwards to keep renewing. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_set_token(
    client: *mut dci_client,
    token: *const c_char,
) -> dci_status {
    ffi!(handle!(client).inner.set_token(text!(token)))
}

/// Forgets the session token and the credentials kept for re-login, without telling the
/// platform (use `dci_client_logout` for that). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_clear_token(client: *mut dci_client) -> dci_status {
    ffi!({
        handle!(client).inner.clear_token();
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
    ffi!(token_out => match handle!(client).inner.token() {
        Some(t) => owned_string(t.expose()),
        None => Ok(std::ptr::null_mut()),
    })
}

/// Writes to `*count_out` how many times the client logged in by itself: after an expired
/// session, or before its first request when it had credentials but no token. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_relogin_count(
    client: *mut dci_client,
    count_out: *mut u64,
) -> dci_status {
    ffi!(count_out => Ok(handle!(client).inner.relogin_count()))
}

/// Creates a single sign-on key for a user given by e-mail or id (POST
/// api/auth/v4/user/<user>/key; admin only) and writes its id and the key to `*key_out`.
/// Release it with `dci_key_info_clear`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_create_key(
    client: *mut dci_client,
    user: *const c_char,
    key_out: *mut dci_key_info,
) -> dci_status {
    ffi!(key_out => {
        let key = handle!(client).inner.create_key(text!(user))?;
        let id = owned_string(&key.id)?;
        match owned_string(key.key.expose()) {
            Ok(k) => Ok(dci_key_info { id, key: k }),
            Err(e) => {
                // SAFETY: `id` came from owned_string just above.
                unsafe { super::boundary::free_string(id) };
                Err(e)
            }
        }
    })
}

/// Frees the strings of a `dci_key_info` (the key is wiped first) and sets its pointers to
/// NULL (safe to call twice). NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn dci_key_info_clear(info: *mut dci_key_info) {
    ffi!(quiet () => {
        // SAFETY: NULL or a writable dci_key_info (the contract).
        if let Some(info) = unsafe { info.as_mut() } {
            for p in [&mut info.id, &mut info.key] {
                // SAFETY: NULL or a string from this library.
                unsafe { super::boundary::free_string(std::mem::replace(p, std::ptr::null_mut())) };
            }
        }
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
    ffi!(url_out => owned_string(&handle!(client).inner.key_login_url(text!(key))?))
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
    ffi!(token_out => {
        let c = &handle!(client).inner;
        let token = c.create_token(text!(expires_at), text!(opt description).unwrap_or(""))?;
        owned_string(token.expose())
    })
}

/// Sets the platform's token and session lifetime (POST api/auth/v4/setting/token_ttl),
/// `value` in minutes as text, e.g. "999". Admin only. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_set_token_ttl(
    client: *mut dci_client,
    value: *const c_char,
) -> dci_status {
    ffi!(handle!(client).inner.set_token_ttl(text!(value)))
}

/// Writes the current user (GET api/auth/v4/whoami) as JSON text to `*json_out`.
/// Free it with `dci_string_free`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_whoami(
    client: *mut dci_client,
    json_out: *mut *mut c_char,
) -> dci_status {
    ffi!(json_out => owned_string(&handle!(client).inner.whoami()?.to_string()))
}

/// Ends the session (DELETE api/auth/v4/token/<token>) and forgets the token and
/// credentials, whatever the answer. A session the platform already dropped counts as
/// logged out; without a token this does nothing. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_logout(client: *mut dci_client) -> dci_status {
    ffi!(handle!(client).inner.logout())
}
