//! The library's promise of no thread at rest: a batch's threads live only during the call.
//! Alone in its test binary, so that no other test's thread comes or goes meanwhile.
mod common;

use common::Emulator;
use dcimanager::Request;

/// The process's threads (from /proc).
fn threads() -> usize {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn no_thread_outlives_a_batch() {
    let emu = Emulator::start();
    let c = emu.admin();
    let requests: Vec<_> = (1..=16)
        .map(|i| Request::get(format!("dci/v3/server/{i}")))
        .collect();
    let before = threads();
    let results = c.send_all(&requests, 8);
    assert_eq!(threads(), before, "no thread outlives the call");
    assert!(results.iter().all(|r| r.as_ref().unwrap().status() == 200));
}
