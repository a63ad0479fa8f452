//! Batches: `Client::send_all` sends many requests at once on threads of the call, answers in
//! order, one failure apart from the others, one time budget, one re-login, interruptible.
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::Emulator;
use dcimanager::{Client, ErrorKind, Request};
use serde_json::json;

/// The tests of this file run one at a time (their timings must not share the machine).
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

fn gets(ids: impl IntoIterator<Item = u32>) -> Vec<Request<'static>> {
    ids.into_iter()
        .map(|i| Request::get(format!("dci/v3/server/{i}")))
        .collect()
}

#[test]
fn answers_in_order_at_once_each_apart() {
    let _serial = serial();
    let emu = Emulator::start();
    let c = emu.admin();
    emu.fault(json!({"kind": "delay", "delay_ms": 300, "count": 16, "path": "dci/v3/server/"}));
    let mut requests = gets(1..=15);
    requests.insert(7, Request::get("dci/v3/server/999999"));
    let t0 = Instant::now();
    let results = c.send_all(&requests, 8);
    let took = t0.elapsed();
    // 16 answers of 300 ms, 8 at a time: two rounds, not sixteen.
    assert!(took < Duration::from_millis(1500), "{took:?}");
    assert_eq!(results.len(), 16);
    let mut ids = Vec::new();
    for (i, r) in results.into_iter().enumerate() {
        let r = r.unwrap();
        if i == 7 {
            let e = r.error().unwrap();
            assert_eq!((e.kind(), e.api_code()), (ErrorKind::Api, 3080));
            assert!(e.url().unwrap().ends_with("/server/999999"));
        } else {
            ids.push(r.json().unwrap()["id"].as_u64().unwrap());
        }
    }
    assert_eq!(ids, (1..=15).collect::<Vec<_>>());
}

#[test]
fn one_time_budget_for_the_whole_batch() {
    let _serial = serial();
    let emu = Emulator::start();
    let c = emu.admin();
    c.set_timeout(Some(Duration::from_millis(1000))).unwrap();
    emu.fault(json!({"kind": "delay", "delay_ms": 700, "count": 8, "path": "dci/v3/server/"}));
    emu.clear_log();
    let t0 = Instant::now();
    let results = c.send_all(&gets(1..=8), 2);
    assert!(
        t0.elapsed() < Duration::from_millis(1500),
        "{:?}",
        t0.elapsed()
    );
    let kinds: Vec<_> = results
        .iter()
        .map(|r| r.as_ref().map(|_| None).unwrap_or_else(|e| Some(e.kind())))
        .collect();
    assert_eq!(&kinds[..2], &[None, None], "{kinds:?}");
    assert!(
        kinds[2..].iter().all(|k| *k == Some(ErrorKind::Timeout)),
        "{kinds:?}"
    );
    // Those that could not start were never sent.
    let unsent = results[4..]
        .iter()
        .map(|r| r.as_ref().unwrap_err())
        .filter(|e| !e.request_sent() && e.attempts() == 0)
        .count();
    assert_eq!(unsent, 4);
    assert_eq!(emu.count("GET", ""), 4);
}

#[test]
fn an_expired_session_is_renewed_once_for_the_batch() {
    let _serial = serial();
    let emu = Emulator::start();
    let c = emu.admin();
    emu.expire_tokens();
    let results = c.send_all(&gets(1..=32), 16);
    assert!(results.iter().all(|r| r.as_ref().unwrap().status() == 200));
    assert_eq!(c.relogin_count(), 1);
}

#[test]
fn an_interrupt_stops_the_batch() {
    let _serial = serial();
    let emu = Emulator::start();
    let c = Arc::new(emu.admin());
    emu.fault(json!({"kind": "delay", "delay_ms": 2000, "count": 10, "path": "dci/v3/server/"}));
    emu.clear_log();
    let stopper = {
        let c = Arc::clone(&c);
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            c.interrupt();
        })
    };
    let t0 = Instant::now();
    let results = c.send_all(&gets(1..=10), 4);
    stopper.join().unwrap();
    assert!(
        t0.elapsed() < Duration::from_millis(700),
        "{:?}",
        t0.elapsed()
    );
    assert!(results
        .iter()
        .all(|r| r.as_ref().unwrap_err().kind() == ErrorKind::Interrupted));
    let sent = results
        .iter()
        .filter(|r| r.as_ref().unwrap_err().request_sent())
        .count();
    assert_eq!(sent, 4, "the four in flight; the rest never went out");
    assert_eq!(emu.count("GET", ""), 4);
    // The client stays usable.
    assert_eq!(c.get("dci/v3/server/2").unwrap()["id"], 2);
}

#[test]
fn an_empty_batch_and_the_default_concurrency() {
    let _serial = serial();
    let emu = Emulator::start();
    let c = emu.admin();
    assert!(c.send_all(&[], 0).is_empty());
    let results = c.send_all(&gets([2]), 0);
    assert_eq!(results[0].as_ref().unwrap().json().unwrap()["id"], 2);
    let _ = Client::new(&emu.url).unwrap().send_all(&gets([1]), 1);
}

#[test]
fn a_batch_stopped_by_the_callers_check_leaves_other_calls_alone() {
    let _serial = serial();
    let emu = Emulator::start();
    let caller = std::thread::current().id();
    let start = Instant::now();
    // The client's check says "stop" to the calling thread only, 300 ms in.
    let c = Arc::new(
        Client::builder(&emu.url)
            .interrupt_check(Arc::new(move || {
                std::thread::current().id() == caller
                    && start.elapsed() > Duration::from_millis(300)
            }))
            .build()
            .unwrap(),
    );
    c.login("admin@example.com", "secret").unwrap();
    emu.fault(json!({"kind": "delay", "delay_ms": 1200, "count": 9, "path": "dci/v3/server/"}));
    let other = {
        let c = Arc::clone(&c);
        std::thread::spawn(move || c.get("dci/v3/server/9"))
    };
    std::thread::sleep(Duration::from_millis(50));
    let results = c.send_all(&gets(1..=8), 4);
    assert!(
        start.elapsed() < Duration::from_millis(900),
        "{:?}",
        start.elapsed()
    );
    assert!(results
        .iter()
        .all(|r| r.as_ref().unwrap_err().kind() == ErrorKind::Interrupted));
    // The unrelated call on the same client ran to its answer.
    assert_eq!(other.join().unwrap().unwrap()["id"], 9);
}
