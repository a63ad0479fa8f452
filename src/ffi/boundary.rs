//! Everything that crosses the C boundary goes through here: the panic guard, argument
//! checks (NULL, UTF-8), the thread-local last error, strings handed to C, and the casts
//! between handles and Rust objects.

use std::cell::RefCell;
use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::{dci_client, dci_status};
use crate::error::{Error, ErrorKind};
use crate::Client;

pub(crate) type FfiResult<T> = Result<T, Error>;

/// The status for an error kind: the one place where kinds become `dci_status`.
pub(crate) fn status_of(kind: ErrorKind) -> dci_status {
    match kind {
        ErrorKind::InvalidArgument => dci_status::DCI_ERROR_INVALID_ARGUMENT,
        ErrorKind::Connect => dci_status::DCI_ERROR_CONNECT,
        ErrorKind::Timeout => dci_status::DCI_ERROR_TIMEOUT,
        ErrorKind::Tls => dci_status::DCI_ERROR_TLS,
        ErrorKind::Http => dci_status::DCI_ERROR_HTTP,
        ErrorKind::Api => dci_status::DCI_ERROR_API,
        ErrorKind::Unauthorized => dci_status::DCI_ERROR_UNAUTHORIZED,
        ErrorKind::RetriesExhausted => dci_status::DCI_ERROR_RETRIES_EXHAUSTED,
        ErrorKind::Decode => dci_status::DCI_ERROR_DECODE,
    }
}

#[derive(Default)]
struct LastError {
    message: CString,
    api_code: i32,
    http_status: u16,
    /// The platform's `error.msg` (scrubbed).
    api_msg: CString,
    /// The platform's `error.value` as JSON text.
    api_value: CString,
}

thread_local! {
    static LAST_ERROR: RefCell<LastError> = RefCell::new(LastError::default());
}

fn c_text(s: &str) -> CString {
    CString::new(s.replace('\0', " ")).unwrap_or_default()
}

fn set_last(last: LastError) {
    LAST_ERROR.with(|l| *l.borrow_mut() = last);
}

fn record(e: &Error) {
    let api = e.api();
    set_last(LastError {
        message: c_text(&e.to_string()),
        api_code: i32::try_from(e.api_code()).unwrap_or(i32::MAX),
        http_status: e.http_status().unwrap_or(0),
        api_msg: api.map(|a| c_text(&a.msg)).unwrap_or_default(),
        api_value: api
            .filter(|a| !a.value.is_null())
            .map(|a| c_text(&a.value.to_string()))
            .unwrap_or_default(),
    });
}

fn clear_last() {
    LAST_ERROR.with(|l| {
        let mut l = l.borrow_mut();
        if !l.message.is_empty() || l.api_code != 0 || l.http_status != 0 {
            *l = LastError::default();
        }
    });
}

fn record_panic(payload: Box<dyn std::any::Any + Send>) {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown".into());
    set_last(LastError {
        message: c_text(&format!(
            "internal error (panic caught at the C boundary): {what}"
        )),
        ..LastError::default()
    });
}

pub(crate) fn last_message() -> *const c_char {
    LAST_ERROR.with(|l| l.borrow().message.as_ptr())
}

pub(crate) fn last_api_msg() -> *const c_char {
    LAST_ERROR.with(|l| l.borrow().api_msg.as_ptr())
}

pub(crate) fn last_api_value() -> *const c_char {
    LAST_ERROR.with(|l| l.borrow().api_value.as_ptr())
}

pub(crate) fn last_api_code() -> i32 {
    LAST_ERROR.with(|l| l.borrow().api_code)
}

pub(crate) fn last_http_status() -> u16 {
    LAST_ERROR.with(|l| l.borrow().http_status)
}

/// Runs an export's body: clears the last error, catches panics, records the error.
pub(crate) fn guard(f: impl FnOnce() -> FfiResult<()>) -> dci_status {
    clear_last();
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => dci_status::DCI_OK,
        Ok(Err(e)) => {
            record(&e);
            status_of(e.kind())
        }
        Err(payload) => {
            record_panic(payload);
            dci_status::DCI_ERROR_PANIC
        }
    }
}

/// Like [`guard`] for exports that return a pointer: NULL on error or panic.
pub(crate) fn guard_ptr<T>(f: impl FnOnce() -> FfiResult<*mut T>) -> *mut T {
    clear_last();
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(p)) => p,
        Ok(Err(e)) => {
            record(&e);
            std::ptr::null_mut()
        }
        Err(payload) => {
            record_panic(payload);
            std::ptr::null_mut()
        }
    }
}

/// Runs an export that cannot fail (a free, a getter): catches panics, keeps the last error.
pub(crate) fn guard_quiet<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(fallback)
}

/// A required C string argument as UTF-8.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string that lives for `'a`.
pub(crate) unsafe fn str_arg<'a>(p: *const c_char, name: &str) -> FfiResult<&'a str> {
    if p.is_null() {
        return Err(Error::invalid(format!("{name} is NULL")));
    }
    // SAFETY: the caller promises a NUL-terminated string.
    let bytes = unsafe { CStr::from_ptr(p) }.to_bytes();
    std::str::from_utf8(bytes).map_err(|e| {
        Error::invalid(format!(
            "{name} is not valid UTF-8 (bad byte at offset {})",
            e.valid_up_to()
        ))
    })
}

/// An optional C string argument (NULL means none).
///
/// # Safety
/// As [`str_arg`].
pub(crate) unsafe fn opt_str_arg<'a>(p: *const c_char, name: &str) -> FfiResult<Option<&'a str>> {
    if p.is_null() {
        Ok(None)
    } else {
        // SAFETY: forwarded.
        unsafe { str_arg(p, name) }.map(Some)
    }
}

/// A handle, checked for NULL.
///
/// # Safety
/// `c` is NULL or a handle from `dci_client_new` not yet freed.
pub(crate) unsafe fn handle_ref<'a>(c: *const dci_client) -> FfiResult<&'a dci_client> {
    // SAFETY: the caller promises NULL or a live handle.
    unsafe { c.as_ref() }.ok_or_else(|| Error::invalid("client is NULL"))
}

/// The client behind a handle.
///
/// # Safety
/// As [`handle_ref`].
pub(crate) unsafe fn client_ref<'a>(c: *const dci_client) -> FfiResult<&'a Client> {
    // SAFETY: forwarded.
    unsafe { handle_ref(c) }.map(|h| &h.inner)
}

/// Checks an out-parameter pointer.
pub(crate) fn out_arg<T>(p: *mut T, name: &str) -> FfiResult<*mut T> {
    if p.is_null() {
        Err(Error::invalid(format!("{name} is NULL")))
    } else {
        Ok(p)
    }
}

/// Writes a copy of `s` to a checked out-parameter, as a `char *` owned by the caller.
///
/// # Safety
/// `out` is non-NULL (checked by [`out_arg`]) and writable.
pub(crate) unsafe fn put_string(out: *mut *mut c_char, s: &str) -> FfiResult<()> {
    let value = owned_string(s)?;
    // SAFETY: the caller promises a writable, non-NULL pointer.
    unsafe { *out = value };
    Ok(())
}

/// A Rust string as a `char *` owned by the caller (freed by `dci_string_free`).
pub(crate) fn owned_string(s: &str) -> FfiResult<*mut c_char> {
    CString::new(s)
        .map(CString::into_raw)
        .map_err(|_| Error::Decode {
            message: "the value contains a NUL byte and cannot be handed to C".into(),
            excerpt: String::new(),
        })
}

/// Frees a string from [`owned_string`], zeroing its bytes first (it may hold a token).
///
/// # Safety
/// `s` is NULL or came from [`owned_string`] and was not freed.
pub(crate) unsafe fn free_string(s: *mut c_char) {
    if s.is_null() {
        return;
    }
    // SAFETY: `s` came from CString::into_raw.
    let owned = unsafe { CString::from_raw(s) };
    let mut bytes = owned.into_bytes_with_nul();
    for b in bytes.iter_mut() {
        // SAFETY: writing through a valid &mut u8.
        unsafe { std::ptr::write_volatile(b, 0) };
    }
    std::sync::atomic::compiler_fence(std::sync::atomic::Ordering::SeqCst);
}
