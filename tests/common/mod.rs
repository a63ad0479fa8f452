//! Test harness: starts a `dcimanager-emulator` process per test and talks to its control
//! endpoints (`/emulator/...`) through a separate, plain client.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use dcimanager::{Client, Request, RetryPolicy};
use serde_json::{json, Value};

pub struct Emulator {
    child: Child,
    pub url: String,
    pub ca: Option<PathBuf>,
    dir: PathBuf,
    control: Client,
}

/// The workspace's root, from the root crate or from a member (cli/) that includes this
/// module.
pub fn workspace() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    if manifest.join("Cargo.lock").exists() {
        manifest
    } else {
        manifest.join("..")
    }
}

/// The emulator binary: $DCIMANAGER_EMULATOR, else target/release, else target/debug.
pub fn emulator_bin() -> PathBuf {
    if let Ok(p) = std::env::var("DCIMANAGER_EMULATOR") {
        return p.into();
    }
    for profile in ["release", "debug"] {
        let p = workspace()
            .join("target")
            .join(profile)
            .join("dcimanager-emulator");
        if p.exists() {
            return p;
        }
    }
    panic!("build the emulator first: cargo build --release -p dcimanager-emulator");
}

/// Starts scripts/net-fixture.sh (the real parts of the network tests: openssl-made
/// certificates, tinyproxy, microsocks) in `dir` and returns the NAME=value facts it wrote.
pub fn net_fixture_start(dir: &Path) -> HashMap<String, String> {
    let out = Command::new(workspace().join("scripts/net-fixture.sh"))
        .arg("start")
        .arg(dir)
        .env("DCIMANAGER_EMULATOR", emulator_bin())
        .output()
        .expect("run scripts/net-fixture.sh");
    assert!(
        out.status.success(),
        "net-fixture: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(dir.join("env"))
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Stops the fixture started in `dir` and removes `dir`.
pub fn net_fixture_stop(dir: &Path) {
    let _ = Command::new(workspace().join("scripts/net-fixture.sh"))
        .arg("stop")
        .arg(dir)
        .status();
}

static N: AtomicU32 = AtomicU32::new(0);

impl Emulator {
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    pub fn start_tls() -> Self {
        Self::start_with(&["--tls"])
    }

    pub fn start_with(args: &[&str]) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "dci-emu-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let tls = args.contains(&"--tls");
        // With --cert, the certificate given is what clients trust; else the generated CA.
        let given = args
            .iter()
            .position(|a| *a == "--cert")
            .map(|i| PathBuf::from(args[i + 1]));
        let ca = given.clone().unwrap_or_else(|| dir.join("ca.pem"));
        let mut cmd = Command::new(emulator_bin());
        if !args.contains(&"--listen") {
            cmd.args(["--listen", "127.0.0.1:0"]);
        }
        cmd.args(args);
        if tls && given.is_none() {
            cmd.arg("--ca-out").arg(&ca);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(if std::env::var_os("DCI_EMULATOR_STDERR").is_some() {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .spawn()
            .expect("start the emulator");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line.trim().to_string();
        assert!(url.starts_with("http"), "emulator said {line:?}");
        let mut b = Client::builder(&url)
            .retry(RetryPolicy::none())
            .proxy(Some(""));
        if tls {
            b = b.ca_file(&ca);
        }
        Emulator {
            child,
            url,
            ca: tls.then_some(ca),
            dir,
            control: b.build().unwrap(),
        }
    }

    /// A client for this emulator with test-friendly settings (CA trusted when TLS).
    pub fn client(&self) -> Client {
        let mut b = Client::builder(&self.url);
        if let Some(ca) = &self.ca {
            b = b.ca_file(ca);
        }
        b.build().unwrap()
    }

    /// A client logged in as admin.
    pub fn admin(&self) -> Client {
        let c = self.client();
        c.login("admin@example.com", "secret").unwrap();
        c
    }

    pub fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let mut req = Request::new(method, path);
        if let Some(b) = &body {
            req = req.json(b);
        }
        let resp = self.control.send(&req).expect("control call");
        assert!(
            resp.status() < 300,
            "control {path}: {} {}",
            resp.status(),
            resp.text()
        );
        resp.json().unwrap()
    }

    /// Queues a fault, e.g. `json!({"kind":"503","count":3})`.
    pub fn fault(&self, f: Value) {
        self.call("POST", "/emulator/faults", Some(f));
    }

    pub fn config(&self, c: Value) -> Value {
        self.call("POST", "/emulator/config", Some(c))
    }

    pub fn expire_tokens(&self) -> u64 {
        self.call("POST", "/emulator/expire_tokens", Some(json!({})))["expired"]
            .as_u64()
            .unwrap()
    }

    /// The API requests received (not /emulator ones), oldest first.
    pub fn requests(&self) -> Vec<Value> {
        match self.call("GET", "/emulator/requests", None)["list"].take() {
            Value::Array(v) => v,
            other => panic!("bad log {other}"),
        }
    }

    pub fn clear_log(&self) {
        self.call("DELETE", "/emulator/requests", None);
    }

    pub fn stats(&self) -> Value {
        self.call("GET", "/emulator/stats", None)
    }

    /// Requests in the log with this method whose path ends with `suffix`.
    pub fn count(&self, method: &str, suffix: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r["method"] == method && r["path"].as_str().unwrap().ends_with(suffix))
            .count()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// IMF-fixdate (an HTTP-date) for a moment.
pub fn http_date(t: std::time::SystemTime) -> String {
    let secs = t.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil from days (Howard Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let wd = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][days.rem_euclid(7) as usize];
    let mon = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][(m - 1) as usize];
    format!(
        "{wd}, {d:02} {mon} {y} {:02}:{:02}:{:02} GMT",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
