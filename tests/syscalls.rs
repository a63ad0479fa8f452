//! The guard of the lean request path: system calls per keep-alive request, counted by
//! strace (a deterministic count, not a timing), must stay ≤ 3 — one liveness probe, one send,
//! one receive — over plain HTTP and over TLS.
mod common;

use std::process::Command;

use common::Emulator;

const CHILD_ENV: &str = "DCI_SYSCALL_CHILD";

/// Runs `n` GETs of one server in a fresh process under `strace -f -c`; the total number of
/// system calls that process made.
fn traced_total(emu: &Emulator, n: usize) -> u64 {
    let out = std::env::temp_dir().join(format!("dci-strace-{}-{n}", std::process::id()));
    let status = Command::new("strace")
        .args(["-f", "-c", "-o"])
        .arg(&out)
        .arg(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "request_loop_child",
            "--ignored",
            "--test-threads=1",
        ])
        .env(
            CHILD_ENV,
            format!(
                "{} {} {}",
                emu.url,
                n,
                emu.ca
                    .as_ref()
                    .map_or(String::new(), |p| p.display().to_string())
            ),
        )
        .stdout(std::process::Stdio::null())
        .status()
        .expect("strace is needed for this test (scripts/install-deps.sh installs it)");
    assert!(status.success());
    let report = std::fs::read_to_string(&out).unwrap();
    let _ = std::fs::remove_file(&out);
    // The last line: "100.00    0.238115          21     11082      2203 total".
    let total = report
        .lines()
        .rev()
        .find(|l| l.trim_end().ends_with("total"))
        .unwrap();
    let fields: Vec<&str> = total.split_whitespace().collect();
    fields[3].parse().unwrap()
}

fn per_request(emu: &Emulator) -> f64 {
    let (small, large) = (200, 1200);
    let a = traced_total(emu, small);
    let b = traced_total(emu, large);
    (b as f64 - a as f64) / (large - small) as f64
}

#[test]
fn at_most_three_system_calls_per_keep_alive_request() {
    let plain = Emulator::start_with(&["--no-log"]);
    let n = per_request(&plain);
    assert!(n <= 3.0, "plain HTTP: {n:.2} system calls per request");
    let tls = Emulator::start_with(&["--tls", "--no-log"]);
    let n = per_request(&tls);
    assert!(n <= 3.0, "TLS: {n:.2} system calls per request");
}

/// The traced child: logs in, then sends N GETs on one kept-alive connection.
#[test]
#[ignore = "run by at_most_three_system_calls_per_keep_alive_request under strace"]
fn request_loop_child() {
    let spec = std::env::var(CHILD_ENV).expect("only run by the parent test");
    let mut parts = spec.split(' ');
    let (url, n, ca) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap_or(""),
    );
    let mut b = dcimanager::Client::builder(url);
    if !ca.is_empty() {
        b = b.ca_file(ca);
    }
    let c = b.build().unwrap();
    c.login("admin@example.com", "secret").unwrap();
    let req = dcimanager::Request::get("dci/v3/server/2");
    for _ in 0..n.parse::<usize>().unwrap() {
        assert_eq!(c.send(&req).unwrap().status(), 200);
    }
}
