//! The conformance matrix (tests/operations.json) through the Rust API: each operation, its
//! arguments and the shape of its result, as every language runs it.

mod common;

use std::time::Duration;

use common::Emulator;
use dcimanager::{Client, Error, ListQuery, Request, RetryPolicy};
use serde_json::{json, Value};

/// What an operation gave, in the table's terms.
enum Outcome {
    Login(dcimanager::LoginInfo),
    Key(dcimanager::KeyInfo),
    Text(String),
    Secret(String),
    Json(Value),
    Items(Vec<Value>),
    Response(Box<dcimanager::Response>),
    Nothing,
}

fn str_arg<'a>(args: &'a Value, name: &str) -> &'a str {
    args[name]
        .as_str()
        .unwrap_or_else(|| panic!("argument {name}"))
}

fn with_query<'a>(mut req: Request<'a>, args: &'a Value) -> Request<'a> {
    for pair in args["query"].as_array().into_iter().flatten() {
        req = req.query(pair[0].as_str().unwrap(), pair[1].as_str().unwrap());
    }
    if let Some(ms) = args["timeout_ms"].as_u64() {
        req = req.timeout(Some(Duration::from_millis(ms)));
    }
    req
}

fn run(emu: &Emulator, c: &Client, op: &str, args: &Value) -> Result<Outcome, Error> {
    Ok(match op {
        "login" => Outcome::Login(c.login(str_arg(args, "email"), str_arg(args, "password"))?),
        "key_login" => {
            let key = c.create_key(str_arg(args, "user"))?;
            Outcome::Login(emu.client().login_with_key(key.key.expose())?)
        }
        "create_key" => Outcome::Key(c.create_key(str_arg(args, "user"))?),
        "key_login_url" => Outcome::Text(c.key_login_url(str_arg(args, "key"))?),
        "whoami" => Outcome::Json(c.whoami()?),
        "get" | "delete" => {
            let path = str_arg(args, "path");
            let req = if op == "get" {
                Request::get(path)
            } else {
                Request::delete(path)
            };
            Outcome::Json(c.send(&with_query(req, args))?.into_json()?)
        }
        "post" => {
            let mut req = with_query(Request::post(str_arg(args, "path")), args);
            if !args["body"].is_null() {
                req = req.json(&args["body"]);
            }
            Outcome::Json(c.send(&req)?.into_json()?)
        }
        "request" => {
            let req = Request::new(str_arg(args, "method"), str_arg(args, "path"));
            Outcome::Response(Box::new(c.send(&with_query(req, args))?))
        }
        "paginate" => {
            let mut q = ListQuery::new();
            if let Some(w) = args["where"].as_str() {
                q = q.filter_text(w);
            }
            if let Some(o) = args["orderby"].as_str() {
                q = q.order_by_raw(o);
            }
            let size = args["page_size"].as_u64().unwrap();
            let items = c
                .paginate(str_arg(args, "path"), q, size)
                .collect::<Result<Vec<_>, _>>()?;
            Outcome::Items(items)
        }
        "quote" => Outcome::Text(dcimanager::quote(str_arg(args, "text"))),
        "encode" => Outcome::Text(dcimanager::encode_component(str_arg(args, "text"))),
        "create_token" => Outcome::Secret(
            c.create_token(str_arg(args, "expires_at"), str_arg(args, "description"))?
                .expose()
                .to_owned(),
        ),
        "set_token_ttl" => {
            c.set_token_ttl(str_arg(args, "value"))?;
            Outcome::Nothing
        }
        "logout" => {
            c.logout()?;
            Outcome::Nothing
        }
        other => panic!("unknown op {other}"),
    })
}

/// The value at a dotted path ('' = the value itself).
fn at<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    if path.is_empty() {
        return Some(v);
    }
    path.split('.')
        .try_fold(v, |v, key| match key.parse::<usize>() {
            Ok(i) if v.is_array() => v.get(i),
            _ => v.get(key),
        })
}

fn check_json(v: &Value, checks: &Value, problems: &mut Vec<String>) {
    for check in checks.as_array().into_iter().flatten() {
        let path = check["path"].as_str().unwrap();
        let found = at(v, path);
        if let Some(want) = check.get("equals") {
            if found != Some(want) {
                problems.push(format!("{path}: {found:?}, expected {want}"));
            }
        }
        if let Some(n) = check["length"].as_u64() {
            let len = found.and_then(Value::as_array).map(Vec::len);
            if len != Some(n as usize) {
                problems.push(format!("{path}: length {len:?}, expected {n}"));
            }
        }
    }
}

fn check_error(e: &Error, want: &Value, base: &str, problems: &mut Vec<String>) {
    if e.kind().name() != want["kind"] {
        problems.push(format!("kind {} ({e})", e.kind().name()));
    }
    let facts = [
        ("http_status", json!(e.http_status())),
        ("api_code", json!(e.api_code())),
        ("phase", json!(e.phase().map(|p| p.name()))),
        ("request_sent", json!(e.request_sent())),
        ("attempts", json!(e.attempts())),
        ("argument", json!(e.argument())),
        ("method", json!(e.method())),
        ("url", json!(e.url())),
    ];
    for (name, got) in facts {
        if let Some(w) = want.get(name) {
            let w = match w.as_str() {
                Some(text) => json!(text.replace("{base}", base)),
                None => w.clone(),
            };
            if w != got {
                problems.push(format!("{name} {got}, expected {w} ({e})"));
            }
        }
    }
}

fn check(emu: &Emulator, outcome: Result<Outcome, Error>, want: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let shape = want["shape"].as_str().unwrap();
    let outcome = match (outcome, shape) {
        (Err(e), "error") => {
            check_error(&e, want, &emu.url, &mut problems);
            return problems;
        }
        (Err(e), _) => return vec![format!("failed: {e}")],
        (Ok(_), "error") => return vec!["succeeded".into()],
        (Ok(o), _) => o,
    };
    match (outcome, shape) {
        (Outcome::Login(info), "login_info") => {
            if info.id != want["id"] || info.confirmed != want["confirmed"] {
                problems.push(format!("{} {}", info.id, info.confirmed));
            }
            let printed = format!("{info:?}");
            if info.token.expose().is_empty() || printed.contains(info.token.expose()) {
                problems.push(format!("token shown or empty: {printed}"));
            }
        }
        (Outcome::Key(k), "key_info") => {
            let printed = format!("{k:?}");
            if k.id.is_empty() || k.key.expose().is_empty() || printed.contains(k.key.expose()) {
                problems.push(format!("key: {printed}"));
            }
        }
        (Outcome::Text(t), "text") => {
            let want = want["equals"].as_str().unwrap().replace("{base}", &emu.url);
            if t != want {
                problems.push(format!("{t:?}, expected {want:?}"));
            }
        }
        (Outcome::Secret(t), "secret_text") if !t.is_empty() => {}
        (Outcome::Json(v), "json") => check_json(&v, &want["checks"], &mut problems),
        (Outcome::Json(Value::Null) | Outcome::Nothing, "null") => {}
        (Outcome::Items(items), "items") => {
            if Some(items.len() as u64) != want["count"].as_u64() {
                problems.push(format!("{} items", items.len()));
            }
            for item in &items {
                check_json(item, &want["each"], &mut problems);
            }
        }
        (Outcome::Response(r), "response") => {
            if Some(u64::from(r.status())) != want["status"].as_u64() {
                problems.push(format!("status {}", r.status()));
            }
            for (name, prefix) in want["headers"].as_object().into_iter().flatten() {
                let value = r.header(name).unwrap_or("");
                if !value.starts_with(prefix.as_str().unwrap()) {
                    problems.push(format!("header {name}: {value:?}"));
                }
            }
            if !want["error"].is_null() {
                match r.error() {
                    Some(e) => check_error(&e, &want["error"], &emu.url, &mut problems),
                    None => problems.push("the response means no error".into()),
                }
            }
        }
        (_, shape) => problems.push(format!("not a {shape}")),
    }
    problems
}

fn client_for(emu: &Emulator, row: &Value) -> Client {
    let c = emu.client();
    let mut policy = RetryPolicy::default();
    if let Some(r) = row["client"]["retries"].as_u64() {
        policy.max_retries = r as u32;
    }
    if let Some(b) = row["client"]["backoff_factor"].as_f64() {
        policy.backoff_factor = b;
    }
    c.set_retry(policy).unwrap();
    if let Some(ms) = row["client"]["timeout_ms"].as_u64() {
        c.set_timeout(Some(Duration::from_millis(ms))).unwrap();
    }
    match row["session"].as_str().unwrap_or("admin") {
        "admin" => drop(c.login("admin@example.com", "secret").unwrap()),
        "client" => drop(c.login("client@example.com", "client-secret").unwrap()),
        "none" => {}
        other => panic!("session {other}"),
    }
    c
}

/// The requests the emulator received, by "METHOD /path".
fn counts(emu: &Emulator) -> std::collections::BTreeMap<String, u64> {
    let mut out = std::collections::BTreeMap::new();
    for r in emu.requests() {
        let key = format!(
            "{} {}",
            r["method"].as_str().unwrap(),
            r["path"].as_str().unwrap()
        );
        *out.entry(key).or_default() += 1;
    }
    out
}

#[test]
fn every_operation_has_the_shape_of_the_table() {
    let table: Value =
        serde_json::from_str(include_str!("operations.json")).expect("tests/operations.json");
    let emu = Emulator::start();
    let defaults = emu.call("GET", "/emulator/config", None);
    let mut failures = Vec::new();
    for row in table["rows"].as_array().unwrap() {
        let name = row["name"].as_str().unwrap();
        if !row["config"].is_null() {
            emu.config(row["config"].clone());
        }
        let c = client_for(&emu, row);
        emu.clear_log();
        for f in row["faults"].as_array().into_iter().flatten() {
            emu.fault(f.clone());
        }
        let outcome = run(&emu, &c, row["op"].as_str().unwrap(), &row["args"]);
        let mut problems = check(&emu, outcome, &row["result"]);
        let log = emu.requests();
        let got = counts(&emu);
        for (key, n) in row["requests"].as_object().into_iter().flatten() {
            if got.get(key).copied().unwrap_or(0) != n.as_u64().unwrap() {
                problems.push(format!("requests {key}: {:?}", got.get(key)));
            }
        }
        if row["requests"].as_object().is_some_and(|m| m.is_empty()) && !log.is_empty() {
            problems.push(format!("{} requests, expected none", log.len()));
        }
        if let Some(last) = row["last_request"].as_object() {
            let r = log.last().cloned().unwrap_or(Value::Null);
            for (field, want) in last {
                if r[field.as_str()] != *want {
                    problems.push(format!("last request {field}: {}", r[field.as_str()]));
                }
            }
        }
        emu.call("DELETE", "/emulator/faults", None);
        if !row["config"].is_null() {
            emu.config(defaults.clone());
        }
        if !problems.is_empty() {
            failures.push(format!("{name}: {}", problems.join("; ")));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
