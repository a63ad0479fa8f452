//! The client's events: through the `log` facade (target "dcimanager", key-values `event` and
//! `fields`) and through a client's Observer; their levels, facts and order; no secret in any.

mod common;

use std::sync::{Arc, Mutex};

use common::Emulator;
use dcimanager::events::{Level, Observer};
use dcimanager::{Event, RetryPolicy};
use serde_json::{json, Value};

/// Records every `dcimanager` record of the process as (level, message, fields).
struct Capture(Mutex<Vec<(log::Level, String, Value)>>);

impl log::Log for Capture {
    fn enabled(&self, m: &log::Metadata<'_>) -> bool {
        m.target() == "dcimanager"
    }
    fn log(&self, r: &log::Record<'_>) {
        if r.target() != "dcimanager" {
            return;
        }
        let kv = r.key_values();
        let fields = kv
            .get(log::kv::Key::from_str("fields"))
            .map(|v| serde_json::from_str(&v.to_string()).unwrap())
            .unwrap_or(Value::Null);
        self.0
            .lock()
            .unwrap()
            .push((r.level(), r.args().to_string(), fields));
    }
    fn flush(&self) {}
}

static CAPTURE: Capture = Capture(Mutex::new(Vec::new()));

/// One test at a time (the facade is process-wide).
static SERIAL: Mutex<()> = Mutex::new(());

fn take() -> Vec<(log::Level, String, Value)> {
    std::mem::take(&mut *CAPTURE.0.lock().unwrap())
}

fn install() -> std::sync::MutexGuard<'static, ()> {
    let guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let _ = log::set_logger(&CAPTURE);
    log::set_max_level(log::LevelFilter::Debug);
    take();
    guard
}

#[test]
fn a_suspension_a_renewal_and_a_give_up_through_the_log_facade() {
    let _one = install();
    let emu = Emulator::start();
    let c = emu.client();
    c.set_retry(RetryPolicy::new(2, 0.01)).unwrap();
    c.login("admin@example.com", "secret").unwrap();
    emu.fault(json!({"kind": "503", "count": 2}));
    take(); // the emulator's control client logs too: only what follows is this client's
    c.get("dci/v3/server/2").unwrap();
    let got = take();
    let names: Vec<&str> = got
        .iter()
        .map(|(_, _, f)| f["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "request",
            "connection",
            "retry",
            "request",
            "connection",
            "retry",
            "request",
            "connection"
        ]
    );
    assert_eq!(got[2].0, log::Level::Info);
    assert_eq!(
        got[2].1,
        "GET /api/dci/v3/server/2: HTTP 503; retry 1 of 2 in 0 ms"
    );
    assert_eq!(got[5].2["wait_ms"], 20);
    assert_eq!(got[1].2["reused"], true);

    emu.expire_tokens();
    take();
    c.get("dci/v3/server/3").unwrap();
    let got = take();
    assert!(got.iter().any(|(l, m, f)| *l == log::Level::Info
        && f["event"] == "relogin"
        && m == "the session expired: logging in again"));

    emu.fault(json!({"kind": "503", "count": 5}));
    take();
    c.get("dci/v3/server/4").unwrap_err();
    let got = take();
    let (level, message, fields) = got.last().unwrap();
    assert_eq!(*level, log::Level::Warn);
    assert_eq!(
        message,
        "GET /api/dci/v3/server/4: gave up after 3 attempts (HTTP 503)"
    );
    assert_eq!(
        (fields["attempts"].as_u64(), fields["status"].as_u64()),
        (Some(3), Some(503))
    );
    log::set_max_level(log::LevelFilter::Off);
}

#[test]
fn a_post_that_is_not_retried_is_a_warning_with_its_phase() {
    let _one = install();
    let emu = Emulator::start();
    let c = emu.admin();
    emu.fault(json!({"kind": "close", "method": "POST"}));
    take();
    c.post_empty("dci/v3/server/2/power_reset").unwrap_err();
    let got = take();
    let (level, _, fields) = got.last().unwrap();
    assert_eq!(*level, log::Level::Warn);
    assert_eq!(fields["event"], "give_up");
    assert_eq!(
        (fields["error"].as_str(), fields["phase"].as_str()),
        (Some("connect"), Some("wait"))
    );
    log::set_max_level(log::LevelFilter::Off);
}

struct Collect(Mutex<Vec<String>>, Level);

impl Observer for Collect {
    fn enabled(&self, level: Level) -> bool {
        level >= self.1
    }
    fn event(&self, e: &Event<'_>) {
        self.0
            .lock()
            .unwrap()
            .push(format!("{} {}", e.name(), e.fields()));
    }
}

#[test]
fn an_observer_gets_the_events_of_its_client_at_its_level_and_no_secret() {
    let _one = install();
    log::set_max_level(log::LevelFilter::Off);
    let emu = Emulator::start();
    let seen = Arc::new(Collect(Mutex::new(Vec::new()), Level::Debug));
    let c = emu.client();
    c.set_observer(Some(seen.clone())).unwrap();
    c.login("admin@example.com", "secret").unwrap();
    let token = c.token().unwrap().expose().to_owned();
    c.logout().unwrap();
    for form in ["unauthorized", "redirect", "html502", "bad_json"] {
        emu.fault(json!({"kind": "echo", "as": form}));
        c.login("admin@example.com", "pa55-W0rd-q7Zx!").unwrap_err();
    }
    let all = seen.0.lock().unwrap().join("\n");
    assert!(all.contains("request"), "{all}");
    for secret in [token.as_str(), "pa55-W0rd-q7Zx!", "\"secret\""] {
        assert!(!all.contains(secret), "{secret} in {all}");
    }
    assert!(all.contains("/api/auth/v4/token/[redacted]"), "{all}");
    // Only what its level asks for.
    let quiet = Arc::new(Collect(Mutex::new(Vec::new()), Level::Info));
    c.set_observer(Some(quiet.clone())).unwrap();
    c.login("admin@example.com", "secret").unwrap();
    c.get("dci/v3/server/2").unwrap();
    assert!(quiet.0.lock().unwrap().is_empty());
    assert!(
        take().is_empty(),
        "nothing reached the facade while it was off"
    );
}
