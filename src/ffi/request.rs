//! `dci_request_*`, `dci_client_send` and `dci_client_request`: building a request and
//! sending it.

use std::ffi::c_char;
use std::sync::atomic::Ordering;

use super::boundary::{bytes, ffi, handle, text, Handle};
use super::client::millis;
use super::{dci_client, dci_request, dci_response, dci_status};
use crate::Request;

/// Creates a request: `method` "GET", "POST", "DELETE"... and `path` as for
/// `dci_client_request` (query parameters are better added with `dci_request_add_query`,
/// which encodes them). Returns NULL on error. Free with `dci_request_free`.
#[no_mangle]
pub unsafe extern "C" fn dci_request_new(
    method: *const c_char,
    path: *const c_char,
) -> *mut dci_request {
    ffi!(ptr {
        let inner = Request::new(text!(method).to_owned(), text!(path).to_owned());
        Ok(dci_request { inner }.into_raw())
    })
}

/// Frees a request. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn dci_request_free(request: *mut dci_request) {
    // SAFETY: NULL or a handle from dci_request_new, freed once (the contract).
    ffi!(quiet () => unsafe { dci_request::free(request) })
}

/// Changes a request in place (the builder's methods take it by value).
fn update(r: &mut dci_request, change: impl FnOnce(Request<'static>) -> Request<'static>) {
    let current = std::mem::replace(&mut r.inner, Request::get(""));
    r.inner = change(current);
}

/// Adds a query parameter; name and value are percent-encoded when sent (so a `where`
/// value such as "owner_email EQ 'a+b@example.com'" arrives intact).
#[no_mangle]
pub unsafe extern "C" fn dci_request_add_query(
    request: *mut dci_request,
    name: *const c_char,
    value: *const c_char,
) -> dci_status {
    ffi!({
        let (name, value) = (text!(name).to_owned(), text!(value).to_owned());
        update(handle!(mut request), |r| r.query(name, value));
        Ok(())
    })
}

/// Sets a JSON body (copied); it is checked to be valid JSON when sent (else
/// DCI_ERROR_INVALID_ARGUMENT and nothing is sent). Without a body a POST sends "{}".
#[no_mangle]
pub unsafe extern "C" fn dci_request_set_json(
    request: *mut dci_request,
    json: *const c_char,
) -> dci_status {
    ffi!({
        let json = text!(json).to_owned();
        update(handle!(mut request), |r| r.json_text(json));
        Ok(())
    })
}

/// Sets a body of `len` bytes (copied; not checked), sent with `content_type` (NULL: no
/// Content-Type header).
#[no_mangle]
pub unsafe extern "C" fn dci_request_set_body(
    request: *mut dci_request,
    body: *const u8,
    len: usize,
    content_type: *const c_char,
) -> dci_status {
    ffi!({
        let body = bytes!(body, len).to_vec();
        let content_type = text!(opt content_type).map(str::to_owned);
        update(handle!(mut request), |r| {
            let r = r.body(body, None);
            match content_type {
                Some(ct) => r.header("content-type", ct),
                None => r,
            }
        });
        Ok(())
    })
}

/// Adds a header; it replaces the client's own header of the same name. A name or value
/// with a line break or another character a header cannot carry is refused when sent.
#[no_mangle]
pub unsafe extern "C" fn dci_request_add_header(
    request: *mut dci_request,
    name: *const c_char,
    value: *const c_char,
) -> dci_status {
    ffi!({
        let (name, value) = (text!(name).to_owned(), text!(value).to_owned());
        update(handle!(mut request), |r| r.header(name, value));
        Ok(())
    })
}

/// Sets this request's time budget in milliseconds, retries included, instead of the
/// client's; 0 means no limit.
#[no_mangle]
pub unsafe extern "C" fn dci_request_set_timeout_ms(
    request: *mut dci_request,
    ms: u64,
) -> dci_status {
    ffi!({
        update(handle!(mut request), |r| r.timeout(millis(ms)));
        Ok(())
    })
}

/// Sends a request and writes the answer to `*response_out` whenever one arrived, whatever
/// its HTTP status: DCI_OK means "an answer arrived", not "the platform agreed". Judge it
/// with `dci_response_error`. Fails (and writes nothing) only when no answer arrived:
/// connection, timeout, TLS, invalid argument. The session token, retries and the renewal
/// of an expired session work as for `dci_client_request`. The request may be sent again.
/// Free the response with `dci_response_free`. Thread-safe (one request per thread at a
/// time).
#[no_mangle]
pub unsafe extern "C" fn dci_client_send(
    client: *mut dci_client,
    request: *const dci_request,
    response_out: *mut *mut dci_response,
) -> dci_status {
    ffi!(response_out => {
        let resp = handle!(client).inner.send(&handle!(request).inner)?;
        Ok(dci_response::new(resp).into_raw())
    })
}

/// Sends a request and hands over the answer of a success.
///
/// `method`: "GET", "POST", "DELETE"... `path`: "dci/v3/server/2" is sent to
/// <base>/api/dci/v3/server/2; a path starting with "/" is taken from the host root; a full
/// URL is accepted only with the client's own scheme, host and port. Query values must be
/// percent-encoded (`dci_encode_component`), or use `dci_request_add_query` and
/// `dci_client_send`. `json_body`: JSON text, or NULL for none (a POST without a body sends
/// "{}"); it is checked to be valid JSON before sending.
///
/// The session token is sent as header `x-xsrf-token`, cookie `ses6` and with header
/// `isp-box-instance: true`. HTTP 503 answers are retried per `dci_client_set_retry`; an
/// expired session is renewed once when the client holds credentials.
///
/// DCI_OK only for a success (2xx) — and, unless `dci_client_set_validate_json` turned the
/// check off, only when a body whose Content-Type says JSON is valid JSON (else
/// DCI_ERROR_DECODE). `*response_out` is written only then; free it with
/// `dci_response_free`. Any other answer is an error (DCI_ERROR_API, DCI_ERROR_UNAUTHORIZED,
/// DCI_ERROR_HTTP, DCI_ERROR_RETRIES_EXHAUSTED) whose facts — HTTP status, API code,
/// message and value, the body's start — are read with `dci_last_error_*`. To keep the
/// response of an error answer, use `dci_client_send`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_request(
    client: *mut dci_client,
    method: *const c_char,
    path: *const c_char,
    json_body: *const c_char,
    response_out: *mut *mut dci_response,
) -> dci_status {
    ffi!(response_out => {
        let handle = handle!(client);
        let mut req = Request::new(text!(method), text!(path));
        if let Some(b) = text!(opt json_body) {
            req = req.json_text(b);
        }
        let response = handle.inner.send(&req)?;
        if let Some(e) = response.error() {
            return Err(e);
        }
        if handle.validate_json.load(Ordering::Relaxed) && response.is_json() {
            response.check_json()?;
        }
        Ok(dci_response::new(response).into_raw())
    })
}
