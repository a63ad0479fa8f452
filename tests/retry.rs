//! Retry rules against the emulator's faults: 503 bursts, Retry-After, closed connections,
//! timeouts, and the POST that must never be sent twice.
mod common;

use std::time::{Duration, Instant};

use common::{http_date, Emulator};
use dcimanager::{Client, ErrorKind, Request, RetryPolicy};
use serde_json::json;

#[test]
fn a_503_burst_within_the_budget_succeeds_with_urllib3_backoff() {
    let emu = Emulator::start();
    let c = emu.admin();
    emu.clear_log();
    emu.fault(json!({"kind": "503", "count": 5}));
    let t = Instant::now();
    let resp = c.send(&Request::get("dci/v3/server/2")).unwrap();
    let took = t.elapsed();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.attempts(), 6);
    assert_eq!(emu.count("GET", "/api/dci/v3/server/2"), 6);
    // Sleeps before retries 1..5: 0 + 0.02 + 0.04 + 0.08 + 0.16 = 0.30 s.
    assert!(took >= Duration::from_millis(300), "{took:?}");
    assert!(took < Duration::from_millis(1500), "{took:?}");
}

#[test]
fn more_503_than_retries_is_retries_exhausted_with_the_count() {
    let emu = Emulator::start();
    let c = emu.admin();
    c.set_retry(RetryPolicy::new(3, 0.0)).unwrap();
    emu.clear_log();
    emu.fault(json!({"kind": "503", "count": 10}));
    let err = c.get("dci/v3/server/2").unwrap_err();
    assert_eq!(err.kind(), dcimanager::ErrorKind::RetriesExhausted);
    assert_eq!((err.attempts(), err.http_status()), (4, Some(503)));
    assert_eq!(emu.count("GET", "/api/dci/v3/server/2"), 4);
}

#[test]
fn post_and_delete_are_retried_on_503() {
    let emu = Emulator::start();
    let c = emu.admin();
    emu.clear_log();
    emu.fault(json!({"kind": "503", "count": 2, "method": "POST"}));
    c.post_empty("dci/v3/server/2/power_reset").unwrap();
    assert_eq!(emu.count("POST", "/api/dci/v3/server/2/power_reset"), 3);
    emu.fault(json!({"kind": "503", "count": 2, "method": "DELETE"}));
    c.logout().unwrap();
    assert_eq!(emu.stats()["by_method"]["DELETE"], 3);
}

#[test]
fn retry_after_in_seconds_replaces_the_backoff() {
    let emu = Emulator::start();
    let c = emu.admin();
    emu.fault(json!({"kind": "503", "count": 1, "retry_after": "1"}));
    let t = Instant::now();
    c.get("dci/v3/server/2").unwrap();
    let took = t.elapsed();
    assert!(took >= Duration::from_millis(1000), "{took:?}");
    assert!(took < Duration::from_millis(1900), "{took:?}");
}

#[test]
fn retry_after_as_an_http_date() {
    let emu = Emulator::start();
    let c = emu.admin();
    let at = std::time::SystemTime::now() + Duration::from_secs(2);
    emu.fault(json!({"kind": "503", "count": 1, "retry_after": http_date(at)}));
    let t = Instant::now();
    c.get("dci/v3/server/2").unwrap();
    let took = t.elapsed();
    // The date has a resolution of one second: the wait is between 1 and 2 s.
    assert!(took >= Duration::from_millis(900), "{took:?}");
    assert!(took < Duration::from_millis(2900), "{took:?}");
}

#[test]
fn retry_after_is_capped() {
    let emu = Emulator::start();
    let c = emu.admin();
    c.set_retry(RetryPolicy {
        retry_after_max: Duration::from_millis(200),
        ..RetryPolicy::default()
    })
    .unwrap();
    emu.fault(json!({"kind": "503", "count": 1, "retry_after": "3600"}));
    let t = Instant::now();
    c.get("dci/v3/server/2").unwrap();
    assert!(t.elapsed() < Duration::from_millis(1500));
}

#[test]
fn a_closed_connection_retries_get_but_never_post() {
    let emu = Emulator::start();
    let c = emu.admin();
    emu.clear_log();
    emu.fault(json!({"kind": "close", "count": 1}));
    c.get("dci/v3/server/2").unwrap();
    assert_eq!(emu.count("GET", "/api/dci/v3/server/2"), 2);

    emu.fault(json!({"kind": "close", "count": 1, "method": "POST"}));
    let err = c.post_empty("dci/v3/server/2/power_reset").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connect, "{err}");
    assert_eq!(emu.count("POST", "/api/dci/v3/server/2/power_reset"), 1);

    // Opting in sends it again.
    let mut p = c.retry_policy();
    p.retry_post_after_send = true;
    c.set_retry(p).unwrap();
    emu.fault(json!({"kind": "close", "count": 1, "method": "POST"}));
    c.post_empty("dci/v3/server/2/power_reset").unwrap();
    assert_eq!(emu.count("POST", "/api/dci/v3/server/2/power_reset"), 3);
}

#[test]
fn a_slow_answer_times_out_within_the_budget() {
    let emu = Emulator::start();
    let c = emu.admin();
    c.set_timeout(Some(Duration::from_millis(500))).unwrap();
    emu.fault(json!({"kind": "delay", "count": 5, "delay_ms": 3000}));
    let t = Instant::now();
    let err = c.get("dci/v3/server/2").unwrap_err();
    let took = t.elapsed();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(took >= Duration::from_millis(500), "{took:?}");
    assert!(took < Duration::from_millis(550 + 100), "{took:?}");
}

#[test]
fn connection_refused_stays_a_connect_error_after_the_retries() {
    // A port nobody listens on: bind, learn the port, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = Client::builder(&format!("http://127.0.0.1:{port}"))
        .retry(RetryPolicy::new(2, 0.0))
        .build()
        .unwrap();
    let err = c.get("dci/v3/server").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connect);
    assert!(err.to_string().contains("after 3 attempts"), "{err}");
    let none = Client::builder(&format!("http://127.0.0.1:{port}"))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    assert_eq!(none.get("x").unwrap_err().kind(), ErrorKind::Connect);
}

#[test]
fn the_retry_deadline_stops_retrying() {
    let emu = Emulator::start();
    let c = emu.admin();
    c.set_retry(RetryPolicy {
        max_retries: 100,
        backoff_factor: 0.05,
        deadline: Some(Duration::from_millis(400)),
        ..RetryPolicy::default()
    })
    .unwrap();
    emu.fault(json!({"kind": "503", "count": 100}));
    let t = Instant::now();
    let err = c.get("dci/v3/server/2").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RetriesExhausted);
    assert!(
        t.elapsed() < Duration::from_millis(1000),
        "{:?}",
        t.elapsed()
    );
}

#[test]
fn suspend_mode_is_survived_with_the_default_policy() {
    let emu = Emulator::start();
    let c = emu.admin();
    emu.call("POST", "/emulator/suspend", Some(json!({"requests": 4})));
    assert_eq!(c.get("dci/v3/server/2").unwrap()["id"], 2);
}
