//! The fault matrix (tests/faults.json) against the Rust core. The same file drives the C,
//! Python and PHP suites.
mod common;

use std::time::{Duration, Instant, SystemTime};

use common::{http_date, Emulator};
use dcimanager::{Client, RetryPolicy};
use serde_json::{json, Value};

const PASSWORD: &str = "secret";

fn matrix() -> Value {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/faults.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn every_row_of_the_fault_matrix() {
    let m = matrix();
    let cfg = &m["client"];
    let emu = Emulator::start();
    let mut failures = Vec::new();
    for row in m["rows"].as_array().unwrap() {
        let name = row["name"].as_str().unwrap();
        emu.call("DELETE", "/emulator/faults", None);
        let setting = |key: &str| row["client"].get(key).unwrap_or(&cfg[key]).clone();
        let client = Client::builder(&emu.url)
            .retry(RetryPolicy::new(
                setting("retries").as_u64().unwrap() as u32,
                setting("backoff_factor").as_f64().unwrap(),
            ))
            .timeout(Some(Duration::from_millis(
                setting("timeout_ms").as_u64().unwrap(),
            )))
            .build()
            .unwrap();
        if row["call"] != "login_wrong" {
            client.login("admin@example.com", PASSWORD).unwrap();
        }
        emu.clear_log();
        for f in row["faults"].as_array().unwrap() {
            let mut f = f.clone();
            if let Some(secs) = f.get("retry_after_date_in").and_then(Value::as_u64) {
                f["retry_after"] = json!(http_date(SystemTime::now() + Duration::from_secs(secs)));
                f.as_object_mut().unwrap().remove("retry_after_date_in");
            }
            emu.fault(f);
        }
        let path = row["path"].as_str().unwrap();
        let started = Instant::now();
        let result = match row["call"].as_str().unwrap() {
            "get" => client.get(path).map(drop),
            "post" => client.post_empty(path).map(drop),
            "login_wrong" => client
                .login("admin@example.com", "wrong-password")
                .map(drop),
            other => panic!("unknown call {other}"),
        };
        let elapsed = started.elapsed().as_millis() as u64;
        let e = &row["expect"];
        let mut problems = Vec::new();
        match (&result, e["ok"].as_bool() == Some(true)) {
            (Ok(()), true) => {}
            (Ok(()), false) => problems.push("succeeded".to_string()),
            (Err(err), true) => problems.push(format!("failed: {err}")),
            (Err(err), false) => {
                if err.kind().name() != e["error"] {
                    problems.push(format!("kind {} ({err})", err.kind().name()));
                }
                if let Some(a) = e["attempts"].as_u64() {
                    if u64::from(err.attempts()) != a {
                        problems.push(format!("attempts: {err:?}"));
                    }
                }
                if let Some(s) = e["http_status"].as_u64() {
                    if err.http_status().map(u64::from) != Some(s) {
                        problems.push(format!("http status {:?}", err.http_status()));
                    }
                }
                if let Some(c) = e["api_code"].as_i64() {
                    if err.api_code() != c {
                        problems.push(format!("api code {}", err.api_code()));
                    }
                }
                let text = format!("{err} {err:?}");
                let token = client
                    .token()
                    .map(|t| t.expose().to_string())
                    .unwrap_or_default();
                if text.contains(PASSWORD)
                    || text.contains("wrong-password")
                    || (!token.is_empty() && text.contains(&token))
                {
                    problems.push(format!("a secret in the error: {text}"));
                }
            }
        }
        let method = if row["call"] == "get" { "GET" } else { "POST" };
        if let Some(n) = e["requests"].as_u64() {
            let got = emu.count(method, &format!("/api/{path}")) as u64;
            if got != n {
                problems.push(format!("{got} requests received, expected {n}"));
            }
        }
        if let Some(n) = e["logins"].as_u64() {
            let got = emu.stats()["logins"].as_u64().unwrap();
            if got != n {
                problems.push(format!("{got} logins, expected {n}"));
            }
        }
        if let Some(min) = e["min_ms"].as_u64() {
            if elapsed < min {
                problems.push(format!("took {elapsed} ms < {min}"));
            }
        }
        if let Some(max) = e["max_ms"].as_u64() {
            if elapsed > max {
                problems.push(format!("took {elapsed} ms > {max}"));
            }
        }
        if !problems.is_empty() {
            failures.push(format!("{name}: {}", problems.join("; ")));
        }
    }
    assert!(
        failures.is_empty(),
        "fault matrix:\n{}",
        failures.join("\n")
    );
}
