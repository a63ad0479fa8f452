//! `dci_set_log_callback` and `dci_client_set_log_callback`: the client's events (see the
//! core's `events` module) delivered to C.

use std::ffi::{c_char, c_void, CString};
use std::sync::Arc;

use parking_lot::RwLock;

use super::boundary::{ffi, handle};
use super::{dci_client, dci_status};
use crate::events::{Event, Level, Observer, TARGET};

/// How much an event matters (`dci_set_log_callback`'s `min_level`, and the callback's
/// `level`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dci_log_level {
    /// Every request and connection.
    DCI_LOG_DEBUG = 1,
    /// Retries and re-logins: the client working around something.
    DCI_LOG_INFO = 2,
    /// A call given up after its retries.
    DCI_LOG_WARNING = 3,
}

/// Receives one event: its `level`, a stable `event` name ("request", "connection",
/// "retry", "relogin", "give_up", "insecure" — TLS verification off without a pin, once per
/// client, at WARNING), a `message` for humans and its facts as a JSON object
/// (`fields_json`, e.g. {"event":"retry","method":"GET","path":"/api/dci/v3/server/2",
/// "attempt":1,"max_retries":10,"status":503,"wait_ms":0}). The three strings are borrowed
/// for the duration of the call. Called on the thread that makes the request, possibly from
/// several threads at once: the function must be thread-safe, quick, must not call back into
/// the client that is logging, and must not unwind (no C++ exception, no longjmp). No event
/// carries a token, password or key.
pub type dci_log_fn = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        level: dci_log_level,
        event: *const c_char,
        message: *const c_char,
        fields_json: *const c_char,
    ),
>;

fn level_of(l: Level) -> dci_log_level {
    match l {
        Level::Debug => dci_log_level::DCI_LOG_DEBUG,
        Level::Info => dci_log_level::DCI_LOG_INFO,
        Level::Warning => dci_log_level::DCI_LOG_WARNING,
    }
}

fn core_level(l: dci_log_level) -> Level {
    match l {
        dci_log_level::DCI_LOG_DEBUG => Level::Debug,
        dci_log_level::DCI_LOG_INFO => Level::Info,
        dci_log_level::DCI_LOG_WARNING => Level::Warning,
    }
}

/// A C callback with its user data and threshold.
#[derive(Clone, Copy)]
struct Sink {
    min: Level,
    f: unsafe extern "C" fn(
        *mut c_void,
        dci_log_level,
        *const c_char,
        *const c_char,
        *const c_char,
    ),
    user_data: *mut c_void,
}

// SAFETY: the header makes the callback's thread-safety (and its user data's) the caller's
// promise; the library only hands the pointer back.
unsafe impl Send for Sink {}
// SAFETY: as above.
unsafe impl Sync for Sink {}

impl Sink {
    fn deliver(&self, level: Level, name: &str, message: &str, fields: &str) {
        let text = |s: &str| CString::new(s.replace('\0', " ")).unwrap_or_default();
        let (name, message, fields) = (text(name), text(message), text(fields));
        // SAFETY: a function pointer the caller registered, with NUL-terminated strings that
        // live until it returns.
        unsafe {
            (self.f)(
                self.user_data,
                level_of(level),
                name.as_ptr(),
                message.as_ptr(),
                fields.as_ptr(),
            )
        };
    }
}

/// One client's callback, as its observer.
struct ClientSink(Sink);

impl Observer for ClientSink {
    fn enabled(&self, level: Level) -> bool {
        level >= self.0.min
    }
    fn event(&self, e: &Event<'_>) {
        self.0
            .deliver(e.level(), e.name(), &e.to_string(), &e.fields().to_string());
    }
}

/// The process-wide callback, fed by the `log` facade.
static GLOBAL: RwLock<Option<Sink>> = RwLock::new(None);

struct FacadeLogger;

static FACADE: FacadeLogger = FacadeLogger;

impl log::Log for FacadeLogger {
    fn enabled(&self, m: &log::Metadata<'_>) -> bool {
        m.target() == TARGET && GLOBAL.read().is_some()
    }

    fn log(&self, record: &log::Record<'_>) {
        if record.target() != TARGET {
            return;
        }
        let Some(sink) = *GLOBAL.read() else {
            return;
        };
        let kv = record.key_values();
        let get = |k: &str| kv.get(log::kv::Key::from_str(k)).map(|v| v.to_string());
        let level = match record.level() {
            log::Level::Error | log::Level::Warn => Level::Warning,
            log::Level::Info => Level::Info,
            _ => Level::Debug,
        };
        if level < sink.min {
            return;
        }
        let name = get("event").unwrap_or_default();
        let fields = get("fields").unwrap_or_else(|| "{}".into());
        sink.deliver(level, &name, &record.args().to_string(), &fields);
    }

    fn flush(&self) {}
}

/// Whether this library's logger is the process's `log` logger (set once).
fn install_facade() -> bool {
    static INSTALLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *INSTALLED.get_or_init(|| log::set_logger(&FACADE).is_ok())
}

/// Sends the events of every client of the process to `callback` (see `dci_log_fn`), from
/// `min_level` up; NULL `callback` stops it. With no callback (the default) events cost
/// nothing. Replaces an earlier callback. Thread-safe. Fails with
/// DCI_ERROR_INVALID_ARGUMENT when the process (a Rust program linking the library) has
/// installed another `log` logger.
#[no_mangle]
pub unsafe extern "C" fn dci_set_log_callback(
    min_level: dci_log_level,
    callback: dci_log_fn,
    user_data: *mut c_void,
) -> dci_status {
    ffi!({
        if !install_facade() {
            return Err(crate::Error::invalid_arg(
                "callback",
                "another logger is installed for the log crate in this process",
            ));
        }
        let min = core_level(min_level);
        *GLOBAL.write() = callback.map(|f| Sink { min, f, user_data });
        log::set_max_level(match (callback.is_some(), min) {
            (false, _) => log::LevelFilter::Off,
            (true, Level::Debug) => log::LevelFilter::Debug,
            (true, Level::Info) => log::LevelFilter::Info,
            (true, Level::Warning) => log::LevelFilter::Warn,
        });
        Ok(())
    })
}

/// Sends this client's events to `callback` (see `dci_log_fn`), from `min_level` up, besides
/// the process-wide callback; NULL `callback` stops it. Applies from the next request: a call
/// already in flight may still deliver to the previous callback and `user_data`, so free
/// those only once no call that started before the change is running. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn dci_client_set_log_callback(
    client: *mut dci_client,
    min_level: dci_log_level,
    callback: dci_log_fn,
    user_data: *mut c_void,
) -> dci_status {
    ffi!({
        let c = &handle!(client).inner;
        let observer = callback.map(|f| {
            Arc::new(ClientSink(Sink {
                min: core_level(min_level),
                f,
                user_data,
            })) as Arc<dyn Observer>
        });
        c.set_observer(observer)
    })
}
