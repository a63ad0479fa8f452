//! The real `dcimanager` binary against the emulator (plain and TLS): what an operator's
//! script sees — exit codes, standard output, standard error, hosts.toml — and what the
//! platform received. No test needs a terminal.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::common::Emulator;
use support::{finish, Home};

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// The stored token of the one host.
fn stored_token(home: &Home) -> String {
    let v: toml::Value = toml::from_str(&home.hosts_text()).unwrap();
    let hosts = v["hosts"].as_table().unwrap();
    assert_eq!(hosts.len(), 1);
    hosts.values().next().unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn login_from_stdin_stores_the_token_privately_and_prints_no_secret() {
    let emu = Emulator::start();
    let home = Home::new(&emu);
    let r = home.login(&[]);
    assert!(r.err.contains("Logged in to"), "{}", r.err);
    assert_eq!(mode(&home.hosts()), 0o600);
    assert_eq!(mode(home.hosts().parent().unwrap()), 0o700);
    let token = stored_token(&home);
    assert!(!token.is_empty());
    let text = home.hosts_text();
    assert!(
        !text.contains("secret\""),
        "password stored without --remember-password"
    );
    // The platform received one login with the password in its body, nothing else.
    let reqs = emu.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0]["path"], "/api/auth/v4/public/token");
    assert_eq!(
        serde_json::from_str::<Value>(reqs[0]["body"].as_str().unwrap()).unwrap()["password"],
        "secret"
    );
    // Later calls use the stored token; nothing prints a secret.
    let s = home.ok(&["auth", "status"]);
    assert!(
        s.out.contains("logged in as admin@example.com"),
        "{}",
        s.out
    );
    for run in [&r, &s] {
        for text in [&run.out, &run.err] {
            assert!(!text.contains(&token), "token printed: {text}");
            assert!(!text.contains("secret"), "password printed: {text}");
        }
    }
    // The whoami carried the session token in the platform's headers.
    let last = emu.requests().pop().unwrap();
    assert_eq!(last["path"], "/api/auth/v4/whoami");
    assert_eq!(last["headers"]["x-xsrf-token"], token.as_str());
}

#[test]
fn the_password_is_never_an_argument_and_a_missing_one_is_a_usage_error() {
    let emu = Emulator::start();
    let home = Home::new(&emu);
    // No platform named: a usage error saying how to name one.
    let r = home.run_in(&["auth", "login", "--password-stdin"], "secret\n");
    assert_eq!(r.code, 2, "{}", r.err);
    assert!(r.err.contains("--url"), "{}", r.err);
    // No --password flag exists.
    let r = home.run(&["auth", "login", "--url", &home.url, "--password", "secret"]);
    assert_eq!(r.code, 2, "{}", r.err);
    // Without a terminal, stdin flag or DCI_PASSWORD: a clear usage error, nothing sent.
    let r = home.run(&[
        "auth",
        "login",
        "--url",
        &home.url,
        "--email",
        "admin@example.com",
    ]);
    assert_eq!(r.code, 2, "{}", r.err);
    assert!(r.err.contains("--password-stdin"), "{}", r.err);
    assert!(emu.requests().is_empty());
    // DCI_PASSWORD works.
    let mut c = home.command(&[
        "auth",
        "login",
        "--url",
        &home.url,
        "--email",
        "admin@example.com",
    ]);
    c.env("DCI_PASSWORD", "secret");
    let r = finish(c.output().unwrap());
    assert_eq!(r.code, 0, "{}", r.err);
    // A wrong password: unauthorized, exit 4, nothing stored, the password not echoed.
    let other = Home::new(&emu);
    let r = other.try_login("admin@example.com", "wrong-pass", &[]);
    assert_eq!(r.code, 4, "{}", r.err);
    assert!(!r.err.contains("wrong-pass"));
    assert!(!other.hosts().exists());
}

#[test]
fn a_token_file_others_can_read_is_refused_with_the_fix() {
    let emu = Emulator::start();
    let home = Home::new(&emu);
    home.login(&[]);
    std::fs::set_permissions(home.hosts(), std::fs::Permissions::from_mode(0o644)).unwrap();
    emu.clear_log();
    let r = home.run(&["api", "auth/v4/whoami"]);
    assert_eq!(r.code, 1, "{}", r.err);
    assert!(r.err.contains("chmod 600"), "{}", r.err);
    assert!(
        emu.requests().is_empty(),
        "a request was sent with a leaked token"
    );
    std::fs::set_permissions(home.hosts(), std::fs::Permissions::from_mode(0o600)).unwrap();
    home.ok(&["api", "auth/v4/whoami"]);
}

#[test]
fn api_get_post_delete_fields_and_input() {
    let emu = Emulator::start();
    let home = Home::new(&emu);
    home.login(&[]);
    // GET: the answer as JSON, compact when piped, keys in the platform's order.
    let r = home.ok(&["api", "dci/v3/server/3"]);
    assert_eq!(r.out.lines().count(), 1);
    assert_eq!(r.json()["id"], 3);
    // POST with -f and -F: the body the platform received.
    emu.clear_log();
    let r = home.run_in(
        &[
            "api",
            "dci/v3/user",
            "-f",
            "email=jane@example.com",
            "-f",
            "role=@user",
            "-F",
            "password=@-",
            "-f",
            "full_name=42",
        ],
        "jane-pass\n",
    );
    assert_eq!(r.code, 0, "{}", r.err);
    let reqs = emu.requests();
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    assert_eq!(reqs[0]["method"], "POST");
    let body: Value = serde_json::from_str(reqs[0]["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"email": "jane@example.com", "role": "@user", "password": "jane-pass", "full_name": "42"})
    );
    // -F types: numbers, booleans, null.
    emu.clear_log();
    let r = home.run(&[
        "api",
        "dci/v3/setting/operation_change_boot_order",
        "-F",
        "value=true",
        "-F",
        "n=7",
        "-F",
        "x=null",
        "-F",
        "s=abc",
    ]);
    let body: Value = serde_json::from_str(emu.requests()[0]["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"value": true, "n": 7, "x": null, "s": "abc"}),
        "{}",
        r.err
    );
    // --input from a file and from stdin.
    let file = home.dir.join("user.json");
    std::fs::write(
        &file,
        r#"{"email":"joe@example.com","password":"joe-pass"}"#,
    )
    .unwrap();
    emu.clear_log();
    home.ok(&["api", "dci/v3/user", "--input", file.to_str().unwrap()]);
    let r = home.run_in(
        &["api", "dci/v3/user", "--input", "-"],
        r#"{"email":"ann@example.com","password":"ann-pass"}"#,
    );
    assert_eq!(r.code, 0, "{}", r.err);
    let reqs = emu.requests();
    assert_eq!(reqs.len(), 2);
    assert!(reqs.iter().all(|r| r["method"] == "POST"));
    assert!(reqs[1]["body"]
        .as_str()
        .unwrap()
        .contains("ann@example.com"));
    // --input that is not JSON: a usage error, nothing sent.
    emu.clear_log();
    let r = home.run_in(&["api", "dci/v3/user", "--input", "-"], "{not json");
    assert_eq!(r.code, 2, "{}", r.err);
    assert!(emu.requests().is_empty());
    // DELETE: a long-lived token made for the purpose, deleted by -X DELETE.
    let t = home.ok(&[
        "auth",
        "token",
        "create",
        "--expires",
        "2030-01-31 00:00:00",
    ]);
    let token = t.out.trim().to_string();
    assert!(!token.is_empty());
    let path = format!("auth/v4/token/{token}");
    let r = home.ok(&["api", "-X", "delete", &path]);
    assert!(!r.err.contains(&token));
    assert_eq!(emu.count("DELETE", &token), 1);
    // The deleted token no longer works.
    let other = Home::new(&emu);
    let r = other.run_in(
        &["auth", "login", "--url", &other.url, "--token-stdin"],
        &token,
    );
    assert_eq!(r.code, 4, "{}", r.err);
    // -q: encoded query parameters; --where and --orderby as the library builds them.
    emu.clear_log();
    let r = home.ok(&[
        "api",
        "dci/v3/server",
        "-q",
        "limit=0,2",
        "--where",
        "power_status EQ 'on'",
        "--orderby",
        "id desc",
    ]);
    let list = r.json()["list"].as_array().unwrap().clone();
    assert_eq!(list.len(), 2);
    assert!(list[0]["id"].as_u64() > list[1]["id"].as_u64());
    let q = emu.requests()[0]["query"].as_str().unwrap().to_string();
    assert!(q.contains("limit=0%2C2") || q.contains("limit=0,2"), "{q}");
    assert!(q.contains("where=power_status"), "{q}");
    // -i: status line and headers first.
    let r = home.ok(&["api", "auth/v4/whoami", "-i"]);
    assert!(r.out.starts_with("HTTP/1.1 200 OK\n"), "{}", r.out);
    assert!(r
        .out
        .to_ascii_lowercase()
        .contains("content-type: application/json"));
    let body = r.out.split("\n\n").nth(1).unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(body).unwrap()["email"],
        "admin@example.com"
    );
    // --raw: the body as received.
    let r = home.ok(&["api", "auth/v4/whoami", "--raw"]);
    assert!(!r.out.ends_with('\n'));
    assert_eq!(
        serde_json::from_str::<Value>(&r.out).unwrap()["email"],
        "admin@example.com"
    );
}

#[test]
fn paginate_prints_every_item_once_in_order_and_jq_applies_to_each() {
    let emu = Emulator::start_with(&["--servers", "23"]);
    let home = Home::new(&emu);
    home.login(&[]);
    emu.clear_log();
    let r = home.ok(&["api", "dci/v3/server", "--paginate", "--page-size", "5"]);
    let ids: Vec<u64> = r
        .out
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(ids, (1..=23).collect::<Vec<_>>());
    // ceil(23 / 5) pages, each with its limit.
    let reqs = emu.requests();
    assert_eq!(reqs.len(), 5);
    assert!(
        reqs[4]["query"].as_str().unwrap().contains("limit=20"),
        "{reqs:?}"
    );
    // No progress bar when stderr is not a terminal.
    assert!(r.err.is_empty(), "{}", r.err);
    // --jq on each item; strings printed without quotes.
    let r = home.ok(&[
        "api",
        "dci/v3/server",
        "--paginate",
        "--page-size",
        "10",
        "--jq",
        "select(.id % 10 == 0) | .domain",
    ]);
    assert_eq!(r.out, "srv10.example.com\nsrv20.example.com\n");
    // With an order, and with a filter.
    let r = home.ok(&[
        "api",
        "dci/v3/server",
        "--paginate",
        "--page-size",
        "4",
        "--orderby",
        "id desc",
        "--jq",
        ".id",
    ]);
    let want: String = (1..=23).rev().map(|i| format!("{i}\n")).collect();
    assert_eq!(r.out, want);
    let r = home.ok(&[
        "api",
        "dci/v3/server",
        "--paginate",
        "--page-size",
        "4",
        "--where",
        "id EQ 6",
        "--jq",
        ".id",
    ]);
    assert_eq!(r.out, "6\n");
    // --jq on a plain answer.
    let r = home.ok(&[
        "api",
        "dci/v3/server",
        "-q",
        "limit=0,3",
        "--jq",
        ".list | length",
    ]);
    assert_eq!(r.out, "3\n");
    // A filter that does not parse: usage error before any request.
    emu.clear_log();
    let r = home.run(&["api", "dci/v3/server", "--jq", ".list | map(."]);
    assert_eq!(r.code, 2, "{}", r.err);
    assert!(r.err.contains("--jq"), "{}", r.err);
    assert!(emu.requests().is_empty());
    // --paginate is for GET.
    let r = home.run(&["api", "dci/v3/server", "--paginate", "-X", "POST"]);
    assert_eq!(r.code, 2);
}

#[test]
fn exit_codes_name_each_error_kind_in_one_line() {
    let emu = Emulator::start();
    let home = Home::new(&emu);
    home.login(&[]);
    let one = "dci/v3/server/1";
    let case = |args: &[&str], fault: Option<Value>, code: i32, says: &str| {
        if let Some(f) = fault {
            emu.fault(f);
        }
        let r = home.run(args);
        assert_eq!(r.code, code, "{args:?}: {}", r.err);
        // clap's own usage errors show the usage below the line, as every clap tool does.
        if !r.err.starts_with("error:") {
            assert_eq!(r.err.lines().count(), 1, "one line: {}", r.err);
        }
        assert!(r.err.contains(says), "{args:?}: {}", r.err);
        assert!(r.out.is_empty(), "{}", r.out);
        r
    };
    // 2: usage.
    case(&["api"], None, 2, "PATH");
    let r = case(&["api", one, "-f", "hunter2"], None, 2, "key=value");
    assert!(
        !r.err.contains("hunter2"),
        "a malformed field is not repeated: {}",
        r.err
    );
    // 2 too: a platform nobody logged in to (3, connect, in its own test below).
    case(
        &["api", one, "--url", "http://127.0.0.1:9", "--retries", "0"],
        None,
        2,
        "not logged in",
    );
    // 4: unauthorized (the session expired, no password remembered).
    emu.expire_tokens();
    let r = case(&["api", one], None, 4, "unauthorized");
    assert!(
        r.err.contains(&format!("GET {}/api/{one}", emu.url)),
        "{}",
        r.err
    );
    home.login(&[]);
    // 5: an API error.
    case(&["api", "dci/v3/server/99999"], None, 5, "API error 3080");
    // 6: retries exhausted.
    case(
        &["api", one, "--retries", "1"],
        Some(json!({"kind": "503", "count": 2, "retry_after": "0"})),
        6,
        "gave up after",
    );
    // 7: timeout.
    case(
        &["api", one, "--timeout", "0.3", "--retries", "0"],
        Some(json!({"kind": "delay", "delay_ms": 2000, "count": 1})),
        7,
        "timed out",
    );
    // 9: HTTP error without an API body.
    case(
        &["api", one, "--retries", "0"],
        Some(json!({"kind": "html502", "count": 1})),
        9,
        "HTTP 502",
    );
    // 10: an answer that is not JSON.
    case(
        &["api", one],
        Some(json!({"kind": "truncate", "count": 1})),
        10,
        "JSON",
    );
    // --verbose adds the facts.
    emu.fault(json!({"kind": "html502", "count": 1}));
    let r = home.run(&["api", one, "--retries", "0", "-v"]);
    assert_eq!(r.code, 9);
    assert!(r.err.contains("  http status: 502"), "{}", r.err);
    assert!(r.err.contains("  kind: http"), "{}", r.err);
    assert!(r.err.contains("* "), "events on stderr: {}", r.err);
}

#[test]
fn connect_and_proxy_failures_exit_3() {
    let emu = Emulator::start();
    let home = Home::new(&emu);
    home.login(&[]);
    // An unreachable proxy given with -x.
    let r = home.run(&[
        "api",
        "auth/v4/whoami",
        "-x",
        "http://127.0.0.1:9",
        "--retries",
        "0",
    ]);
    assert_eq!(r.code, 3, "{}", r.err);
    assert!(r.err.contains("proxy"), "{}", r.err);
    // --noproxy lets the platform's host bypass it.
    home.ok(&[
        "api",
        "auth/v4/whoami",
        "-x",
        "http://127.0.0.1:9",
        "--noproxy",
        "127.0.0.1",
    ]);
    // A platform that is not there.
    let r = home.run_in(
        &[
            "auth",
            "login",
            "--url",
            "http://127.0.0.1:9",
            "--email",
            "a@b.c",
            "--password-stdin",
            "--retries",
            "0",
        ],
        "x\n",
    );
    assert_eq!(r.code, 3, "{}", r.err);
}

#[test]
fn a_503_burst_is_ridden_out() {
    let emu = Emulator::start();
    let home = Home::new(&emu);
    home.login(&[]);
    emu.clear_log();
    emu.fault(json!({"kind": "503", "count": 3, "retry_after": "0"}));
    let r = home.ok(&["api", "dci/v3/server/2"]);
    assert_eq!(r.json()["id"], 2);
    assert_eq!(emu.count("GET", "/dci/v3/server/2"), 4);
}

#[test]
fn remembered_password_renews_an_expired_session_and_stores_the_new_token() {
    let emu = Emulator::start();
    let home = Home::new(&emu);
    home.login(&["--remember-password"]);
    assert!(home.hosts_text().contains("password = \"secret\""));
    assert_eq!(mode(&home.hosts()), 0o600);
    let before = stored_token(&home);
    emu.expire_tokens();
    emu.clear_log();
    let r = home.ok(&["api", "dci/v3/server/1"]);
    assert_eq!(r.json()["id"], 1);
    // One 401, one login, the call again.
    assert_eq!(emu.count("POST", "/auth/v4/public/token"), 1);
    assert_eq!(emu.count("GET", "/dci/v3/server/1"), 2);
    let after = stored_token(&home);
    assert_ne!(before, after);
    assert_eq!(mode(&home.hosts()), 0o600);
    // The next call uses the stored new token: no login.
    emu.clear_log();
    home.ok(&["api", "dci/v3/server/1"]);
    assert_eq!(emu.count("POST", "/auth/v4/public/token"), 0);
    assert!(!r.err.contains("secret") && !r.out.contains(&after));
}

#[test]
fn status_logout_token_ttl_and_token_stdin() {
    let emu = Emulator::start();
    let home = Home::new(&emu);
    home.login(&[]);
    let session = stored_token(&home);
    // A long-lived token, printed once, then stored by another user with --token-stdin.
    let t = home.ok(&[
        "auth",
        "token",
        "create",
        "--expires",
        "2030-01-31 00:00:00",
        "--description",
        "ci",
    ]);
    let long = t.out.trim().to_string();
    let other = Home::new(&emu);
    let r = other.run_in(
        &["auth", "login", "--url", &other.url, "--token-stdin"],
        &format!("{long}\n"),
    );
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(other.hosts_text().contains("long-lived"));
    let s = other.ok(&["auth", "status"]);
    assert!(
        s.out.contains("admin@example.com") && s.out.contains("long-lived"),
        "{}",
        s.out
    );
    assert!(!s.out.contains(&long));
    // ttl.
    emu.clear_log();
    home.ok(&["auth", "ttl", "90"]);
    let reqs = emu.requests();
    assert_eq!(reqs[0]["path"], "/api/auth/v4/setting/token_ttl");
    assert_eq!(
        serde_json::from_str::<Value>(reqs[0]["body"].as_str().unwrap()).unwrap(),
        json!({"value": "90"})
    );
    // logout: the token deleted on the platform and here.
    emu.clear_log();
    let r = home.ok(&["auth", "logout"]);
    assert!(!r.err.contains(&session));
    assert!(!home.hosts_text().contains("[hosts."));
    let r = home.run(&["auth", "status"]);
    assert_eq!(r.code, 2, "{}", r.err);
    let r = home.run(&["api", "auth/v4/whoami"]);
    assert_eq!(r.code, 2);
    assert!(r.err.contains("auth login"), "{}", r.err);
    // The deleted session is dead on the platform too.
    assert_eq!(emu.count("DELETE", &session), 1);
}

#[test]
fn key_prints_a_login_link_that_logs_the_user_in() {
    let emu = Emulator::start();
    let home = Home::new(&emu);
    home.login(&[]);
    let r = home.ok(&["key", "client@example.com"]);
    let link = r.out.trim();
    let prefix = format!("{}/auth/key-v4/", emu.url);
    assert!(link.starts_with(&prefix), "{link}");
    // The link works once (the platform's key login page).
    let c = dcimanager::Client::new(&emu.url).unwrap();
    let resp = c
        .send(&dcimanager::Request::get(format!(
            "/auth/key-v4/{}",
            &link[prefix.len()..]
        )))
        .unwrap();
    assert!(resp.status() < 400, "{}", resp.status());
    // Unknown user: API error.
    let r = home.run(&["key", "nobody@example.com"]);
    assert_eq!(r.code, 5, "{}", r.err);
}

#[test]
fn tls_verified_with_cacert_or_a_pin_and_refused_without() {
    let emu = Emulator::start_tls();
    let home = Home::new(&emu);
    // Without the CA: refused (8), the presented pin named.
    let r = home.try_login("admin@example.com", "secret", &[]);
    assert_eq!(r.code, 8, "{}", r.err);
    assert!(r.err.contains("sha256//"), "{}", r.err);
    assert!(r.err.contains("dcimanager pin"), "{}", r.err);
    // `pin` shows the server's pin, as the library computes it, and that the system's
    // roots do not verify it.
    let r = home.ok(&["pin", &emu.url]);
    let pin = dcimanager::server_pin(&emu.url).unwrap();
    assert_eq!(r.out.lines().next().unwrap(), pin);
    assert!(r.out.contains("verified:  no"), "{}", r.out);
    assert!(r.out.contains("subject:"), "{}", r.out);
    // A pin alone keeps the CA check (curl's semantics): still refused.
    let r = home.try_login("admin@example.com", "secret", &["--pinnedpubkey", &pin]);
    assert_eq!(r.code, 8, "{}", r.err);
    // -k with the pin: the key is trusted by its pin, remembered, so later calls stay
    // pinned without flags.
    let r = home.try_login(
        "admin@example.com",
        "secret",
        &["-k", "--pinnedpubkey", &pin],
    );
    assert!(!r.err.contains("not verified"), "{}", r.err);
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(home.hosts_text().contains(&pin));
    assert!(home.hosts_text().contains("pin_only = true"));
    assert_eq!(home.ok(&["api", "dci/v3/server/1"]).json()["id"], 1);
    // A wrong pin given on the command line is refused.
    let wrong = "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    let r = home.run(&["api", "dci/v3/server/1", "--pinnedpubkey", wrong]);
    assert_eq!(r.code, 8, "{}", r.err);
    assert!(r.err.contains("pin"), "{}", r.err);
    // --cacert, remembered as an absolute path.
    let other = Home::new(&emu);
    other.login(&[]);
    assert!(other.hosts_text().contains("cacert"));
    assert_eq!(other.ok(&["api", "dci/v3/server/2"]).json()["id"], 2);
    // -k works, with a warning.
    let third = Home::new(&emu);
    let r = third.try_login("admin@example.com", "secret", &["-k"]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(r.err.contains("not verified"), "{}", r.err);
    assert!(!third.hosts_text().contains("insecure"));
    // Not remembered: the next call without -k is refused.
    assert_eq!(third.run(&["api", "dci/v3/server/1"]).code, 8);
}

#[test]
fn ctrl_c_stops_a_call_at_once_and_keeps_the_session() {
    let emu = Emulator::start();
    let home = Home::new(&emu);
    home.login(&[]);
    let before = home.hosts_text();
    emu.fault(json!({"kind": "delay", "delay_ms": 5000, "count": 1}));
    let child = home.command(&["api", "dci/v3/server/1"]).spawn().unwrap();
    // Wait until the request reached the platform.
    let t0 = Instant::now();
    while emu.count("GET", "/dci/v3/server/1") == 0 {
        assert!(t0.elapsed() < Duration::from_secs(5));
        std::thread::sleep(Duration::from_millis(20));
    }
    let sent = Instant::now();
    // SAFETY: kill with a live child's pid.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let r = finish(child.wait_with_output().unwrap());
    let took = sent.elapsed();
    assert_eq!(r.code, 130, "{}", r.err);
    assert!(r.err.contains("interrupted"), "{}", r.err);
    // The check runs every 100 ms; a loaded machine gets a generous margin, far below the
    // 5 s the answer would have taken.
    assert!(took < Duration::from_millis(2000), "{took:?}");
    assert_eq!(home.hosts_text(), before);
    home.ok(&["api", "dci/v3/server/2"]);
}

#[test]
fn help_version_and_completions() {
    let emu = Emulator::start();
    let home = Home::new(&emu);
    let r = home.ok(&["--help"]);
    assert!(
        r.out.contains("Exit codes:") && r.out.contains("130"),
        "{}",
        r.out
    );
    for cmd in [
        &["api", "--help"][..],
        &["auth", "login", "--help"],
        &["auth", "status", "--help"],
        &["auth", "logout", "--help"],
        &["auth", "token", "create", "--help"],
        &["auth", "ttl", "--help"],
        &["auth", "--help"],
        &["auth", "token", "--help"],
        &["key", "--help"],
        &["pin", "--help"],
        &["completion", "--help"],
    ] {
        let r = home.ok(cmd);
        assert!(r.out.contains("Example"), "{cmd:?}: {}", r.out);
    }
    let r = home.ok(&["--version"]);
    assert!(r.out.starts_with("dcimanager "), "{}", r.out);
    for shell in ["bash", "zsh", "fish"] {
        let r = home.ok(&["completion", shell]);
        assert!(r.out.contains("paginate"), "{shell}");
    }
    // The bash completion loads in bash.
    let file = home.dir.join("c.bash");
    std::fs::write(&file, home.ok(&["completion", "bash"]).out).unwrap();
    let st = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source {} && complete -p dcimanager",
            file.display()
        ))
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
}
