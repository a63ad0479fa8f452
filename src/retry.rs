//! Retries: the policy, the backoff schedule, `Retry-After`, and the loop that applies them.
//!
//! The defaults equal the platform's documented example (urllib3 `Retry(total=10,
//! backoff_factor=0.01, status_forcelist=[503], method_whitelist=[POST, GET, DELETE])`):
//! a 503 means the platform is waking up and did not process the request, so it is repeated
//! for every listed method. The schedule is urllib3's: no sleep before the first retry, then
//! `backoff_factor * 2^(k-1)` before retry `k`, capped at `backoff_max`.
//!
//! Failures without an answer follow urllib3's split: a connection that could not be made
//! (refused, unreachable, connect timeout: nothing was sent) is retried for any method; a failure after the request went out
//! (reset, closed without an answer) is retried for GET and DELETE only, and for POST only
//! when [`RetryPolicy::retry_post_after_send`] is set — a POST is never silently sent twice.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::defaults;
use crate::error::{Error, ErrorKind, Result};
use crate::events::Cause;

/// When and how often requests are repeated.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Retries in all (not counting the first attempt). Default 10.
    pub max_retries: u32,
    /// At most this many retries after connection failures (`None`: only `max_retries`).
    pub max_connect_retries: Option<u32>,
    /// At most this many retries after failures once the request was sent.
    pub max_read_retries: Option<u32>,
    /// At most this many retries after retryable statuses.
    pub max_status_retries: Option<u32>,
    /// Seconds; the sleep before retry `k ≥ 2` is `backoff_factor * 2^(k-1)`. Default 0.01.
    pub backoff_factor: f64,
    /// The longest backoff sleep. Default 120 s.
    pub backoff_max: Duration,
    /// A random extra of up to this much is added to each backoff. Default none.
    pub jitter: Duration,
    /// Statuses that are retried. Default `[503]`.
    pub statuses: Vec<u16>,
    /// Methods that are retried (upper case). Default `GET`, `POST`, `DELETE`.
    pub methods: Vec<String>,
    /// Honour `Retry-After` (seconds or an HTTP-date) on 413, 429 and 503. Default on.
    pub respect_retry_after: bool,
    /// The longest wait a `Retry-After` may ask for. Default 120 s.
    pub retry_after_max: Duration,
    /// No retry starts later than this after the first attempt. Default none.
    pub deadline: Option<Duration>,
    /// Also retry a POST that failed after it was sent (it may then run twice). Default off.
    pub retry_post_after_send: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: defaults::RETRIES,
            max_connect_retries: None,
            max_read_retries: None,
            max_status_retries: None,
            backoff_factor: defaults::BACKOFF_FACTOR,
            backoff_max: Duration::from_secs(120),
            jitter: Duration::ZERO,
            statuses: defaults::RETRY_STATUSES.to_vec(),
            methods: defaults::RETRY_METHODS
                .iter()
                .map(|m| m.to_string())
                .collect(),
            respect_retry_after: true,
            retry_after_max: Duration::from_secs(120),
            deadline: None,
            retry_post_after_send: false,
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// The default policy with another retry count and backoff factor.
    pub fn new(max_retries: u32, backoff_factor: f64) -> Self {
        RetryPolicy {
            max_retries,
            backoff_factor,
            ..Self::default()
        }
    }

    /// The sleep before retry number `k` (1-based), without jitter.
    pub fn backoff(&self, k: u32) -> Duration {
        if k <= 1 || self.backoff_factor.is_nan() || self.backoff_factor <= 0.0 {
            return Duration::ZERO;
        }
        let secs = self.backoff_factor * 2f64.powi(k.min(64) as i32 - 1);
        Duration::try_from_secs_f64(secs)
            .unwrap_or(self.backoff_max)
            .min(self.backoff_max)
    }

    fn allows_method(&self, method: &str) -> bool {
        self.methods.iter().any(|m| m.eq_ignore_ascii_case(method))
    }

    /// Whether an answer with this status is retried for this method.
    pub fn retries_status(&self, method: &str, status: u16) -> bool {
        self.statuses.contains(&status) && self.allows_method(method)
    }

    /// Whether a failure after the request was sent is retried for this method.
    fn retries_after_send(&self, method: &str) -> bool {
        let unsafe_method =
            method.eq_ignore_ascii_case("POST") || method.eq_ignore_ascii_case("PATCH");
        self.allows_method(method) && (!unsafe_method || self.retry_post_after_send)
    }

    pub(crate) fn validate(&self) -> Result<()> {
        if !self.backoff_factor.is_finite() || self.backoff_factor < 0.0 {
            return Err(Error::invalid_arg(
                "backoff_factor",
                "backoff_factor must be a finite number ≥ 0",
            ));
        }
        Ok(())
    }
}

/// Parses a `Retry-After` value: whole seconds, or an HTTP-date (IMF-fixdate, RFC 850 or
/// asctime) taken relative to `now`. A date in the past gives zero; anything else, `None`.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Duration::from_secs(v.parse::<u64>().unwrap_or(u64::MAX)));
    }
    let at = parse_http_date(v)?;
    let now = now.duration_since(UNIX_EPOCH).ok()?.as_secs() as i64;
    Some(Duration::from_secs(at.saturating_sub(now).max(0) as u64))
}

/// Seconds since the Unix epoch for an HTTP-date.
fn parse_http_date(s: &str) -> Option<i64> {
    let words: Vec<&str> = s.split([' ', ',', '-']).filter(|w| !w.is_empty()).collect();
    // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT → [Sun, 06, Nov, 1994, 08:49:37, GMT]
    // RFC 850:     Sunday, 06-Nov-94 08:49:37 GMT → [Sunday, 06, Nov, 94, 08:49:37, GMT]
    // asctime:     Sun Nov  6 08:49:37 1994 → [Sun, Nov, 6, 08:49:37, 1994]
    let (day, month, year, time) = match words.as_slice() {
        [_, d, m, y, t, "GMT"] => (*d, *m, *y, *t),
        [_, m, d, t, y] => (*d, *m, *y, *t),
        _ => return None,
    };
    let day: u32 = day.parse().ok()?;
    let month = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(month))? as u32 + 1;
    let mut year: i64 = year.parse().ok()?;
    if year < 100 {
        year += if year < 70 { 2000 } else { 1900 };
    }
    let mut hms = time.split(':').map(|p| p.parse::<i64>().ok());
    let (h, mi, sec) = (hms.next()??, hms.next()??, hms.next()??);
    if hms.next().is_some() || !(1..=31).contains(&day) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + h * 3600 + mi * 60 + sec)
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// What an attempt produced that the loop needs to see.
pub(crate) trait Answer {
    fn status(&self) -> u16;
    fn retry_after(&self) -> Option<&str>;
}

/// The outcome of [`run`]: the last answer, how many attempts were made, and whether the
/// answer is a retryable status that was returned because no retry was left.
pub(crate) struct Outcome<A> {
    pub answer: A,
    pub attempts: u32,
    pub exhausted: bool,
    /// When retries stopped because the next wait would pass a deadline: that wait, and
    /// whether the platform asked for it (`Retry-After`).
    pub budget_wait: Option<(Duration, bool)>,
}

/// What the loop tells its caller as it goes (for the events of events.rs).
pub(crate) enum Note {
    /// Attempt `attempt` failed with `cause`; the next comes after `wait`.
    Retrying {
        attempt: u32,
        cause: Cause,
        wait: Duration,
    },
    /// The loop stops after `attempts` requests, the last one failing with `cause`.
    GivingUp { attempts: u32, cause: Cause },
}

/// Runs `attempt` until it gives an answer that is not retried, or the policy says stop.
/// `attempt` gets the time left before `call_deadline` (the whole call's timeout); a failure
/// it returns tells by [`Error::request_sent`] whether the request may have reached the
/// server. An error returned from here carries the number of attempts made.
pub(crate) fn run<A: Answer>(
    policy: &RetryPolicy,
    method: &str,
    call_deadline: Option<Instant>,
    notify: &mut dyn FnMut(Note),
    mut attempt: impl FnMut(u32, Option<Duration>) -> Result<A>,
) -> Result<Outcome<A>> {
    let start = Instant::now();
    let retry_deadline = policy.deadline.map(|d| start + d);
    let mut total = policy.max_retries;
    let mut connect = policy.max_connect_retries.unwrap_or(u32::MAX);
    let mut read = policy.max_read_retries.unwrap_or(u32::MAX);
    let mut status = policy.max_status_retries.unwrap_or(u32::MAX);
    let mut attempts = 0u32;
    let mut any_sent = false;
    loop {
        attempts += 1;
        let remaining = call_deadline.map(|d| d.saturating_duration_since(Instant::now()));
        if remaining == Some(Duration::ZERO) {
            let made = attempts - 1;
            return Err(Error::new(
                ErrorKind::Timeout,
                format!(
                    "the request's time budget ran out after {}",
                    crate::error::attempts(made)
                ),
            )
            .with_attempts(made, any_sent));
        }
        let retry_no = attempts; // the number of the retry that would come next
        let wait = match attempt(attempts, remaining) {
            Ok(answer) => {
                if !policy.retries_status(method, answer.status()) {
                    return Ok(Outcome {
                        answer,
                        attempts,
                        exhausted: false,
                        budget_wait: None,
                    });
                }
                let cause = Cause::Status(answer.status());
                if total == 0 || status == 0 {
                    notify(Note::GivingUp { attempts, cause });
                    return Ok(Outcome {
                        answer,
                        attempts,
                        exhausted: true,
                        budget_wait: None,
                    });
                }
                total -= 1;
                status -= 1;
                let told = answer
                    .retry_after()
                    .filter(|_| {
                        policy.respect_retry_after && matches!(answer.status(), 413 | 429 | 503)
                    })
                    .and_then(|v| parse_retry_after(v, SystemTime::now()));
                let wait = match told {
                    Some(d) => d.min(policy.retry_after_max),
                    None => policy.backoff(retry_no) + jitter(policy.jitter),
                };
                if passes(wait, call_deadline, retry_deadline) {
                    notify(Note::GivingUp { attempts, cause });
                    return Ok(Outcome {
                        answer,
                        attempts,
                        exhausted: true,
                        budget_wait: Some((wait, told.is_some())),
                    });
                }
                notify(Note::Retrying {
                    attempt: attempts,
                    cause,
                    wait,
                });
                wait
            }
            Err(error) => {
                let sent = error.request_sent();
                any_sent |= sent;
                let retryable = match (error.kind(), sent) {
                    _ if error.is_permanent() => false,
                    (ErrorKind::Connect | ErrorKind::Timeout, false) => connect > 0,
                    (ErrorKind::Connect | ErrorKind::Timeout, true) => {
                        policy.retries_after_send(method) && read > 0
                    }
                    _ => false,
                };
                let cause = Cause::Failure(error.kind(), error.phase());
                if error.kind() == ErrorKind::Interrupted {
                    // Stopped, not given up: nothing to report but the error itself.
                    return Err(error.with_attempts(attempts, any_sent));
                }
                let mut give_up = |e: Error| {
                    notify(Note::GivingUp { attempts, cause });
                    e.with_attempts(attempts, any_sent).note_attempts()
                };
                if !retryable || total == 0 {
                    return Err(give_up(error));
                }
                total -= 1;
                if sent {
                    read -= 1;
                } else {
                    connect -= 1;
                }
                let wait = policy.backoff(retry_no) + jitter(policy.jitter);
                if passes(wait, call_deadline, retry_deadline) {
                    return Err(give_up(error));
                }
                notify(Note::Retrying {
                    attempt: attempts,
                    cause,
                    wait,
                });
                wait
            }
        };
        if !wait.is_zero() && !crate::interrupt::sleep(wait) {
            return Err(crate::interrupt::error(None).with_attempts(attempts, any_sent));
        }
    }
}

/// Whether sleeping `wait` from now would pass one of the deadlines.
fn passes(wait: Duration, call: Option<Instant>, retry: Option<Instant>) -> bool {
    let at = Instant::now() + wait;
    call.is_some_and(|d| at >= d) || retry.is_some_and(|d| at > d)
}

/// A random duration in `[0, max]` (xorshift seeded from the clock; no cryptographic use).
fn jitter(max: Duration) -> Duration {
    if max.is_zero() {
        return Duration::ZERO;
    }
    let mut x = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0x9e37_79b9, |d| d.as_nanos() as u64)
        | 1;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    max.mul_f64((x % 10_000) as f64 / 10_000.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Phase;

    #[test]
    fn urllib3_schedule() {
        let p = RetryPolicy::default();
        let got: Vec<u128> = (1..=5).map(|k| p.backoff(k).as_millis()).collect();
        assert_eq!(got, [0, 20, 40, 80, 160]);
        let capped = RetryPolicy {
            backoff_max: Duration::from_millis(50),
            ..p
        };
        assert_eq!(capped.backoff(10), Duration::from_millis(50));
    }

    #[test]
    fn retry_after_forms() {
        let now = UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(parse_retry_after("1", now), Some(Duration::from_secs(1)));
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        for date in [
            "Sun, 06 Nov 1994 08:49:39 GMT",
            "Sunday, 06-Nov-94 08:49:39 GMT",
            "Sun Nov  6 08:49:39 1994",
        ] {
            assert_eq!(
                parse_retry_after(date, now),
                Some(Duration::from_secs(2)),
                "{date}"
            );
        }
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        for bad in [
            "",
            "-1",
            "1.5",
            "soon",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "Sun, 06 Foo 1994 08:49:37 GMT",
        ] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad}");
        }
    }

    #[test]
    fn method_rules() {
        let p = RetryPolicy::default();
        assert!(p.retries_status("POST", 503) && p.retries_status("get", 503));
        assert!(!p.retries_status("GET", 500) && !p.retries_status("PUT", 503));
        assert!(p.retries_after_send("GET") && p.retries_after_send("DELETE"));
        assert!(!p.retries_after_send("POST"));
        let opt_in = RetryPolicy {
            retry_post_after_send: true,
            ..RetryPolicy::default()
        };
        assert!(opt_in.retries_after_send("POST"));
    }

    struct A(u16);
    impl Answer for A {
        fn status(&self) -> u16 {
            self.0
        }
        fn retry_after(&self) -> Option<&str> {
            None
        }
    }

    #[test]
    fn loop_counts_and_exhausts() {
        let p = RetryPolicy {
            backoff_factor: 0.0,
            max_retries: 3,
            ..RetryPolicy::default()
        };
        let mut n = 0;
        let mut notes = Vec::new();
        let mut note = |n: Note| {
            notes.push(match n {
                Note::Retrying { attempt, .. } => attempt,
                Note::GivingUp { attempts, .. } => 100 + attempts,
            })
        };
        let out = run(&p, "GET", None, &mut note, |_, _| {
            n += 1;
            Ok(A(if n < 3 { 503 } else { 200 }))
        })
        .unwrap();
        assert_eq!((out.attempts, out.exhausted, out.answer.0), (3, false, 200));
        let out = run(&p, "GET", None, &mut note, |_, _| Ok(A(503))).unwrap();
        assert_eq!((out.attempts, out.exhausted), (4, true));
        assert_eq!(notes, [1, 2, 1, 2, 3, 104]);
    }

    #[test]
    fn post_after_send_is_not_retried() {
        let p = RetryPolicy {
            backoff_factor: 0.0,
            ..RetryPolicy::default()
        };
        let mut n = 0;
        let err = run::<A>(&p, "POST", None, &mut |_| {}, |_, _| {
            n += 1;
            Err(Error::exchange(ErrorKind::Connect, Phase::Wait, "reset"))
        })
        .err()
        .unwrap();
        assert_eq!((n, err.kind()), (1, ErrorKind::Connect));
        assert!(err.request_sent() && err.attempts() == 1);
        let mut n = 0;
        let err = run::<A>(&p, "POST", None, &mut |_| {}, |_, _| {
            n += 1;
            Err(Error::exchange(
                ErrorKind::Connect,
                Phase::Connect,
                "refused",
            ))
        })
        .err()
        .unwrap();
        assert_eq!((n, err.kind()), (11, ErrorKind::Connect));
        assert_eq!(
            (err.attempts(), err.request_sent(), err.phase()),
            (11, false, Some(Phase::Connect))
        );
        assert!(err.to_string().contains("after 11 attempts"), "{err}");
    }

    #[test]
    fn civil_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
    }
}
