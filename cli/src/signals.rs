//! Ctrl-C: the first SIGINT (or SIGTERM) raises a flag that the client's interrupt check
//! reads while a call waits (every 100 ms at most), so the call stops with the library's
//! `Interrupted` error, its connection dropped, and the command exits with 130 without
//! touching hosts.toml. A second one exits at once (a name lookup cannot be cut short).

use std::sync::atomic::{AtomicBool, Ordering};

static RAISED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    // Async-signal-safe: an atomic swap, and _exit.
    if RAISED.swap(true, Ordering::SeqCst) {
        // SAFETY: _exit is async-signal-safe.
        unsafe { libc::_exit(130) };
    }
}

/// Installs the handler for SIGINT and SIGTERM: done once the password is read, so a
/// Ctrl-C at the prompt still ends the program at once.
pub fn install() {
    let handler = on_signal as extern "C" fn(libc::c_int);
    for sig in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: a zeroed sigaction with an empty mask and a handler that only touches an
        // atomic is valid; sigaction has no other preconditions.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = handler as libc::sighandler_t;
            sa.sa_flags = 0;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(sig, &sa, std::ptr::null_mut());
        }
    }
}

/// Whether Ctrl-C was pressed.
pub fn raised() -> bool {
    RAISED.load(Ordering::SeqCst)
}
