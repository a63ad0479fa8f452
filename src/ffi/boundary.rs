//! Everything that crosses the C boundary goes through here: the one construct every export
//! is written in (the [`ffi!`] family of macros: panic guard, last error, out-parameters),
//! the argument checks (NULL, UTF-8), the casts between handles and Rust objects (the
//! [`Handle`] trait), the thread-local last error, and strings handed to C.
//!
//! # The safety contract, stated once
//! Every pointer an export receives is NULL or what its header comment says: a live handle
//! of the named type from this library, a NUL-terminated string, a buffer of the given
//! length, or a writable out-pointer. The macros check for NULL (and strings for UTF-8) and
//! rely on the contract for the rest; this is why the exports themselves hold no `unsafe`
//! block of their own for their arguments.

use std::cell::RefCell;
use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::{dci_phase, dci_status};
use crate::error::{Error, ErrorKind, Phase};

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
        ErrorKind::Interrupted => dci_status::DCI_ERROR_INTERRUPTED,
    }
}

/// The C value of a phase: the one place where phases become `dci_phase`.
pub(crate) fn phase_of(phase: Option<Phase>) -> dci_phase {
    match phase {
        None => dci_phase::DCI_PHASE_NONE,
        Some(Phase::Resolve) => dci_phase::DCI_PHASE_RESOLVE,
        Some(Phase::Connect) => dci_phase::DCI_PHASE_CONNECT,
        Some(Phase::Tls) => dci_phase::DCI_PHASE_TLS,
        Some(Phase::Send) => dci_phase::DCI_PHASE_SEND,
        Some(Phase::Wait) => dci_phase::DCI_PHASE_WAIT,
        Some(Phase::Read) => dci_phase::DCI_PHASE_READ,
    }
}

// ---------------------------------------------------------------------------------------
// The last error of each thread.

/// The facts of the last failure on this thread, as C reads them.
#[derive(Default)]
pub(crate) struct LastError {
    pub message: CString,
    pub api_code: i32,
    pub http_status: u16,
    pub phase: Option<Phase>,
    pub request_sent: bool,
    pub attempts: u32,
    /// The platform's `error.msg` (scrubbed).
    pub api_msg: CString,
    /// The platform's `error.value` as JSON text (scrubbed).
    pub api_value: CString,
    pub argument: CString,
    pub body_excerpt: CString,
    /// The pin of a refused certificate's key.
    pub tls_pin: CString,
    /// The failed request's method and URL.
    pub method: CString,
    pub url: CString,
}

thread_local! {
    static LAST_ERROR: RefCell<LastError> = RefCell::new(LastError::default());
}

fn c_text(s: &str) -> CString {
    CString::new(s.replace('\0', " ")).unwrap_or_default()
}

/// Makes `e` this thread's last error.
pub(crate) fn record(e: &Error) {
    let api = e.api();
    let last = LastError {
        message: c_text(&e.to_string()),
        api_code: i32::try_from(e.api_code()).unwrap_or(i32::MAX),
        http_status: e.http_status().unwrap_or(0),
        phase: e.phase(),
        request_sent: e.request_sent(),
        attempts: e.attempts(),
        api_msg: api.map(|a| c_text(&a.msg)).unwrap_or_default(),
        api_value: api
            .filter(|a| !a.value.is_null())
            .map(|a| c_text(&a.value.to_string()))
            .unwrap_or_default(),
        argument: e.argument().map(c_text).unwrap_or_default(),
        body_excerpt: c_text(e.body_excerpt()),
        tls_pin: e.tls_pin().map(c_text).unwrap_or_default(),
        method: e.method().map(c_text).unwrap_or_default(),
        url: e.url().map(c_text).unwrap_or_default(),
    };
    LAST_ERROR.with(|l| *l.borrow_mut() = last);
}

/// Forgets this thread's last error (`dci_last_error_clear`; nothing else clears it).
pub(crate) fn clear_last() {
    LAST_ERROR.with(|l| {
        let mut l = l.borrow_mut();
        if !l.message.is_empty() {
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
    let last = LastError {
        message: c_text(&format!(
            "internal error (panic caught at the C boundary): {what}"
        )),
        ..LastError::default()
    };
    LAST_ERROR.with(|l| *l.borrow_mut() = last);
}

/// Reads the last error (borrowed pointers into it stay valid until the next export that
/// records or clears it on this thread).
pub(crate) fn with_last<T>(f: impl FnOnce(&LastError) -> T) -> T {
    LAST_ERROR.with(|l| f(&l.borrow()))
}

// ---------------------------------------------------------------------------------------
// The guards behind the macros.

/// A status export: catches panics, records the error of a failure (a success leaves the
/// last error as it was, as `errno`).
pub(crate) fn guard(f: impl FnOnce() -> FfiResult<()>) -> dci_status {
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

/// A status export with one out-parameter: `out` is checked for NULL first, and written
/// only when the body succeeds — the out-parameter rule, kept here for every export.
pub(crate) fn guard_out<T>(
    out: *mut T,
    name: &str,
    f: impl FnOnce() -> FfiResult<T>,
) -> dci_status {
    guard(|| {
        if out.is_null() {
            return Err(Error::invalid_arg("out", format!("{name} is NULL")));
        }
        let value = f()?;
        // SAFETY: non-NULL and writable by the contract.
        unsafe { out.write(value) };
        Ok(())
    })
}

/// A value handed to C through an out-parameter that owns memory of the library's (strings):
/// what to do with it when the caller did not want it.
pub(crate) trait Release {
    /// Frees what the value owns.
    fn release(self);
}

/// Like [`guard_out`] for an optional out-parameter: NULL means "not wanted" (the body
/// still runs, and its value is released).
pub(crate) fn guard_opt_out<T: Release>(
    out: *mut T,
    f: impl FnOnce() -> FfiResult<T>,
) -> dci_status {
    guard(|| {
        let value = f()?;
        if out.is_null() {
            value.release();
        } else {
            // SAFETY: non-NULL and writable by the contract.
            unsafe { out.write(value) };
        }
        Ok(())
    })
}

/// A constructor export: NULL on error or panic (the error is recorded).
pub(crate) fn guard_ptr<T>(f: impl FnOnce() -> FfiResult<*mut T>) -> *mut T {
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

/// An export that cannot fail (a free, a getter): catches panics, keeps the last error.
pub(crate) fn guard_quiet<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(fallback)
}

/// The one construct every export's body is written in.
///
/// - `ffi!(body)`: returns `dci_status`; `body` is an `FfiResult<()>`.
/// - `ffi!(out => body)`: one required out-parameter, written only on success; `body` is
///   an `FfiResult` of the value to write.
/// - `ffi!(opt out => body)`: the same, NULL meaning "not wanted".
/// - `ffi!(ptr body)`: a constructor; NULL on failure.
/// - `ffi!(quiet fallback => body)`: a getter or free that cannot fail; `fallback` on panic.
macro_rules! ffi {
    (quiet $fallback:expr => $body:expr) => {
        $crate::ffi::boundary::guard_quiet($fallback, || $body)
    };
    (ptr $body:expr) => {
        $crate::ffi::boundary::guard_ptr(|| $body)
    };
    (opt $out:ident => $body:expr) => {
        $crate::ffi::boundary::guard_opt_out($out, || $body)
    };
    ($out:ident => $body:expr) => {
        $crate::ffi::boundary::guard_out($out, stringify!($out), || $body)
    };
    ($body:expr) => {
        $crate::ffi::boundary::guard(|| $body)
    };
}
pub(crate) use ffi;

/// A handle argument as a reference (`DCI_ERROR_INVALID_ARGUMENT` when NULL), by the
/// contract above. Use inside an `ffi!` body.
macro_rules! handle {
    ($p:ident) => {
        // SAFETY: the contract of every export: NULL or a live handle of this type.
        unsafe { $crate::ffi::boundary::borrow($p, stringify!($p)) }?
    };
    (mut $p:ident) => {
        // SAFETY: as above, and not used by another thread during this call.
        unsafe { $crate::ffi::boundary::borrow_mut($p, stringify!($p)) }?
    };
}
pub(crate) use handle;

/// A required string argument as `&str` (NULL or invalid UTF-8: invalid argument).
macro_rules! text {
    ($p:ident) => {
        // SAFETY: the contract: NULL or a NUL-terminated string.
        unsafe { $crate::ffi::boundary::str_arg($p, stringify!($p)) }?
    };
    (opt $p:ident) => {
        // SAFETY: as above; NULL means none.
        unsafe { $crate::ffi::boundary::opt_str_arg($p, stringify!($p)) }?
    };
}
pub(crate) use text;

/// A byte buffer argument (`ptr`, `len`) as a slice; NULL is allowed only with length 0.
macro_rules! bytes {
    ($p:ident, $len:ident) => {
        // SAFETY: the contract: NULL or `len` readable bytes.
        unsafe { $crate::ffi::boundary::bytes_arg($p, $len, stringify!($p)) }?
    };
}
pub(crate) use bytes;

// ---------------------------------------------------------------------------------------
// Handles and arguments.

/// A C handle type: a Rust value boxed behind an opaque pointer. The only place where
/// handle pointers become references or are freed.
pub(crate) trait Handle: Sized {
    /// Boxes a value and hands its pointer to C.
    fn into_raw(self) -> *mut Self {
        Box::into_raw(Box::new(self))
    }

    /// The value behind a handle.
    ///
    /// # Safety
    /// `p` is NULL or came from [`into_raw`](Handle::into_raw) and was not freed.
    unsafe fn borrow<'a>(p: *const Self, name: &str) -> FfiResult<&'a Self> {
        // SAFETY: forwarded from the caller.
        unsafe { p.as_ref() }.ok_or_else(|| Error::invalid_arg("handle", format!("{name} is NULL")))
    }

    /// The value behind a handle, to change it.
    ///
    /// # Safety
    /// As [`borrow`](Handle::borrow), and no other reference to it is in use.
    unsafe fn borrow_mut<'a>(p: *mut Self, name: &str) -> FfiResult<&'a mut Self> {
        // SAFETY: forwarded from the caller.
        unsafe { p.as_mut() }.ok_or_else(|| Error::invalid_arg("handle", format!("{name} is NULL")))
    }

    /// Frees a handle; NULL is a no-op.
    ///
    /// # Safety
    /// `p` is NULL or came from [`into_raw`](Handle::into_raw), is freed once, and no other
    /// call uses it.
    unsafe fn free(p: *mut Self) {
        if !p.is_null() {
            // SAFETY: forwarded from the caller.
            drop(unsafe { Box::from_raw(p) });
        }
    }
}

/// [`Handle::borrow`] for any handle pointer, `*const` or `*mut`.
///
/// # Safety
/// As [`Handle::borrow`].
pub(crate) unsafe fn borrow<'a, T: Handle>(p: *const T, name: &str) -> FfiResult<&'a T> {
    // SAFETY: forwarded.
    unsafe { T::borrow(p, name) }
}

/// [`Handle::borrow_mut`].
///
/// # Safety
/// As [`Handle::borrow_mut`].
pub(crate) unsafe fn borrow_mut<'a, T: Handle>(p: *mut T, name: &str) -> FfiResult<&'a mut T> {
    // SAFETY: forwarded.
    unsafe { T::borrow_mut(p, name) }
}

/// A required C string argument as UTF-8.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string that lives for `'a`.
pub(crate) unsafe fn str_arg<'a>(p: *const c_char, name: &'static str) -> FfiResult<&'a str> {
    if p.is_null() {
        return Err(Error::invalid_arg(name, format!("{name} is NULL")));
    }
    // SAFETY: the caller promises a NUL-terminated string.
    let bytes = unsafe { CStr::from_ptr(p) }.to_bytes();
    std::str::from_utf8(bytes).map_err(|e| {
        Error::invalid_arg(
            name,
            format!(
                "{name} is not valid UTF-8 (bad byte at offset {})",
                e.valid_up_to()
            ),
        )
    })
}

/// An optional C string argument (NULL means none).
///
/// # Safety
/// As [`str_arg`].
pub(crate) unsafe fn opt_str_arg<'a>(
    p: *const c_char,
    name: &'static str,
) -> FfiResult<Option<&'a str>> {
    if p.is_null() {
        Ok(None)
    } else {
        // SAFETY: forwarded.
        unsafe { str_arg(p, name) }.map(Some)
    }
}

/// A byte buffer argument.
///
/// # Safety
/// `p` is NULL or points to `len` readable bytes that live for `'a`.
pub(crate) unsafe fn bytes_arg<'a, T>(
    p: *const T,
    len: usize,
    name: &'static str,
) -> FfiResult<&'a [u8]> {
    if p.is_null() {
        return if len == 0 {
            Ok(&[])
        } else {
            Err(Error::invalid_arg(name, format!("{name} is NULL")))
        };
    }
    // SAFETY: the caller promises `len` readable bytes.
    Ok(unsafe { std::slice::from_raw_parts(p.cast::<u8>(), len) })
}

// ---------------------------------------------------------------------------------------
// Strings handed to C.

/// A Rust string as a `char *` owned by the caller (freed by `dci_string_free`).
pub(crate) fn owned_string(s: &str) -> FfiResult<*mut c_char> {
    CString::new(s).map(CString::into_raw).map_err(|_| {
        Error::decode(
            "the value contains a NUL byte and cannot be handed to C",
            String::new(),
        )
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
