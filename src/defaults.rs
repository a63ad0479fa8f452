//! The library's defaults, in one place. Every binding reads them from here (the C ABI through
//! `dci_get_defaults()`) and passes on only what its user set.
//!
//! The retry defaults are the platform's documented example: urllib3 `Retry(total=10,
//! backoff_factor=0.01, status_forcelist=[503], method_whitelist=[POST, GET, DELETE])`.

use std::time::Duration;

/// Time budget of one call, retries and their waits included.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// Time to set up a connection (TCP and TLS).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Retries in all, not counting the first attempt.
pub const RETRIES: u32 = 10;

/// Seconds; the wait before retry `k ≥ 2` is `BACKOFF_FACTOR * 2^(k-1)`.
pub const BACKOFF_FACTOR: f64 = 0.01;

/// The statuses retried: 503, the platform waking from suspension.
pub const RETRY_STATUSES: [u16; 1] = [503];

/// The methods retried on those statuses.
pub const RETRY_METHODS: [&str; 3] = ["GET", "POST", "DELETE"];

/// The largest response body accepted, in bytes.
pub const MAX_BODY_SIZE: u64 = 64 * 1024 * 1024;

/// Items per request when paging through a list.
pub const PAGE_SIZE: u64 = 100;

/// Requests of a batch in flight at once ([`Client::send_all`](crate::Client::send_all)).
pub const BATCH_CONCURRENCY: usize = 8;
