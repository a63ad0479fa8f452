//! `dci_last_error_*`, `dci_status_name`, `dci_phase_name`: the facts of the last failure on
//! the calling thread, and the names of the enums.
//!
//! Like `errno`: each thread has its own last error, which a call that fails replaces and
//! nothing else changes — no successful call and no getter clears it (`dci_last_error_clear`
//! does). Borrowed strings returned here stay valid until the next failing call (or
//! `dci_last_error_clear`) on the same thread.

use std::ffi::c_char;

use super::boundary::{ffi, phase_of, with_last};
use super::dci_phase;

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
        11 => "DCI_ERROR_INTERRUPTED\0",
        _ => "DCI_UNKNOWN\0",
    };
    name.as_ptr().cast()
}

/// The lower-case name of a phase, e.g. "connect" ("" for DCI_PHASE_NONE, "unknown" for a
/// value that is not a `dci_phase`) — the same names every binding uses. Static storage.
#[no_mangle]
pub extern "C" fn dci_phase_name(phase: i32) -> *const c_char {
    let name: &'static str = match phase {
        0 => "\0",
        1 => "resolve\0",
        2 => "connect\0",
        3 => "tls\0",
        4 => "send\0",
        5 => "wait\0",
        6 => "read\0",
        _ => "unknown\0",
    };
    name.as_ptr().cast()
}

/// The message of the last failed call on this thread ("" when none failed since the thread
/// began or since `dci_last_error_clear`), naming its request when it had one:
/// `GET /api/dci/v3/server/999: API error 3080 (HTTP 404): ...`. Never NULL, never contains a
/// token, password or key. For humans: decide on the facts below, not on the text.
#[no_mangle]
pub extern "C" fn dci_last_error_message() -> *const c_char {
    ffi!(quiet c"".as_ptr() => with_last(|l| l.message.as_ptr()))
}

/// The platform's error code (e.g. 3001) of the last failed call on this thread; 0 if none.
#[no_mangle]
pub extern "C" fn dci_last_error_api_code() -> i32 {
    ffi!(quiet 0 => with_last(|l| l.api_code))
}

/// The platform's error message (`error.msg`) of the last failed call on this thread, "" if
/// none. Never NULL.
#[no_mangle]
pub extern "C" fn dci_last_error_api_msg() -> *const c_char {
    ffi!(quiet c"".as_ptr() => with_last(|l| l.api_msg.as_ptr()))
}

/// The platform's `error.value` of the last failed call on this thread as JSON text (e.g.
/// `{"property":"nickname"}`), "" if none. Never NULL; secrets are masked.
#[no_mangle]
pub extern "C" fn dci_last_error_api_value() -> *const c_char {
    ffi!(quiet c"".as_ptr() => with_last(|l| l.api_value.as_ptr()))
}

/// The HTTP status behind the last failed call on this thread; 0 if no answer arrived.
#[no_mangle]
pub extern "C" fn dci_last_error_http_status() -> u16 {
    ffi!(quiet 0 => with_last(|l| l.http_status))
}

/// Where the exchange of the last failed call on this thread stopped, for a failure without
/// an answer; DCI_PHASE_NONE when an answer arrived or nothing was attempted.
#[no_mangle]
pub extern "C" fn dci_last_error_phase() -> dci_phase {
    ffi!(quiet dci_phase::DCI_PHASE_NONE => with_last(|l| phase_of(l.phase)))
}

/// Whether the server may have seen the request of the last failed call on this thread (in
/// part or in full). `false` means it certainly did not: a POST may then be sent again.
#[no_mangle]
pub extern "C" fn dci_last_error_request_sent() -> bool {
    ffi!(quiet false => with_last(|l| l.request_sent))
}

/// How many attempts the last failed call on this thread made, retries included: each request
/// sent, and each attempt to connect that failed (0: nothing was tried, as for an invalid
/// argument). `dci_last_error_request_sent()` tells whether any may have reached the server.
#[no_mangle]
pub extern "C" fn dci_last_error_attempts() -> u32 {
    ffi!(quiet 0 => with_last(|l| l.attempts))
}

/// For DCI_ERROR_INVALID_ARGUMENT: the argument refused ("url", "path", "header", "body",
/// "token", "ca_file", "method", or a parameter's name such as "email"), "" when unknown.
/// Never NULL.
#[no_mangle]
pub extern "C" fn dci_last_error_argument() -> *const c_char {
    ffi!(quiet c"".as_ptr() => with_last(|l| l.argument.as_ptr()))
}

/// The start of a body that was not what was expected (an HTML error page, JSON that does
/// not parse), at most 200 bytes, secrets masked; "" when none. Never NULL.
#[no_mangle]
pub extern "C" fn dci_last_error_body() -> *const c_char {
    ffi!(quiet c"".as_ptr() => with_last(|l| l.body_excerpt.as_ptr()))
}

/// For DCI_ERROR_TLS about the server's certificate (not trusted, expired, another name, a
/// pin mismatch): the pin of the key the server presented (`sha256//<base64>`, curl's
/// format), which the message shows too, so that it can be compared out of band and given
/// to `dci_client_set_pinned_pubkey`; "" otherwise. Never NULL.
#[no_mangle]
pub extern "C" fn dci_last_error_tls_pin() -> *const c_char {
    ffi!(quiet c"".as_ptr() => with_last(|l| l.tls_pin.as_ptr()))
}

/// The method of the last failed call's request ("GET", "POST"...), "" when the failure had
/// no request (a setter's invalid argument). Never NULL.
#[no_mangle]
pub extern "C" fn dci_last_error_method() -> *const c_char {
    ffi!(quiet c"".as_ptr() => with_last(|l| l.method.as_ptr()))
}

/// The URL of the last failed call's request, query included, secrets redacted (a token in
/// the path too): `https://dci.example.com/api/dci/v3/server/999`; "" when the failure had
/// no request, or its path could not be made into a URL (the message quotes the path then).
/// Never NULL.
#[no_mangle]
pub extern "C" fn dci_last_error_url() -> *const c_char {
    ffi!(quiet c"".as_ptr() => with_last(|l| l.url.as_ptr()))
}

/// Forgets the last error of this thread: the `dci_last_error_*` getters then return "",
/// 0, false or DCI_PHASE_NONE until a call fails again. Never needed for correctness (only
/// failing calls write the last error); for code that wants to tell "failed since" apart.
#[no_mangle]
pub extern "C" fn dci_last_error_clear() {
    ffi!(quiet () => super::boundary::clear_last())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ErrorKind, Phase};
    use crate::ffi::boundary::status_of;
    use crate::ffi::dci_status;
    use std::ffi::CStr;

    #[test]
    fn names_follow_the_core() {
        for (i, kind) in ErrorKind::ALL.iter().enumerate() {
            // 1..=9, then 11 (10 is DCI_ERROR_PANIC, the boundary's own).
            let want = if i < 9 { i as i32 + 1 } else { i as i32 + 2 };
            assert_eq!(status_of(*kind) as i32, want);
            let name = unsafe { CStr::from_ptr(dci_status_name(want)) };
            assert!(name
                .to_str()
                .unwrap()
                .ends_with(&kind.name().to_ascii_uppercase()));
        }
        for (i, phase) in Phase::ALL.iter().enumerate() {
            assert_eq!(phase_of(Some(*phase)) as i32, i as i32 + 1);
            let name = unsafe { CStr::from_ptr(dci_phase_name(i as i32 + 1)) };
            assert_eq!(name.to_str().unwrap(), phase.name());
        }
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
