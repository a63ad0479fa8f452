//! What goes on the wire (headers, cookie, paths, bodies), what comes back (each error kind),
//! lists and TLS.
mod common;

use common::Emulator;
use dcimanager::{Client, ErrorKind, ListQuery, Order, Request, Where};
use serde_json::{json, Value};

#[test]
fn the_token_travels_three_ways() {
    let emu = Emulator::start();
    let c = emu.admin();
    let token = c.token().unwrap();
    c.get("dci/v3/server/2").unwrap();
    let r = emu.requests().pop().unwrap();
    assert_eq!(r["path"], "/api/dci/v3/server/2");
    let h = &r["headers"];
    assert_eq!(h["x-xsrf-token"], token.expose());
    assert_eq!(h["cookie"], format!("ses6={}", token.expose()));
    assert_eq!(h["isp-box-instance"], "true");
    assert!(h["user-agent"].as_str().unwrap().starts_with("dcimanager/"));
}

#[test]
fn a_post_without_body_sends_an_empty_json_object() {
    let emu = Emulator::start();
    let c = emu.admin();
    c.post_empty("dci/v3/server/2/power_reset").unwrap();
    let r = emu.requests().pop().unwrap();
    assert_eq!(r["body"], "{}");
    assert_eq!(r["headers"]["content-type"], "application/json");
    c.post(
        "dci/v3/setting/operation_change_boot_order",
        &json!({"value": "true"}),
    )
    .unwrap();
    let r = emu.requests().pop().unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(r["body"].as_str().unwrap()).unwrap(),
        json!({"value": "true"})
    );
}

#[test]
fn paths_and_origins() {
    let emu = Emulator::start();
    let c = emu.admin();
    // Relative to /api, from the root, and a full URL of the same origin.
    c.get("dci/v3/server/3").unwrap();
    c.get("/api/dci/v3/server/4").unwrap();
    c.get(&format!("{}/api/dci/v3/server/5", emu.url)).unwrap();
    let paths: Vec<Value> = emu
        .requests()
        .iter()
        .rev()
        .take(3)
        .map(|r| r["path"].clone())
        .collect();
    assert_eq!(
        paths,
        [
            json!("/api/dci/v3/server/5"),
            json!("/api/dci/v3/server/4"),
            json!("/api/dci/v3/server/3")
        ]
    );
    // Another origin is refused before anything is sent.
    let n = emu.requests().len();
    let port: u16 = emu.url.rsplit(':').next().unwrap().parse().unwrap();
    for other in [
        format!("http://localhost:{port}/api/dci/v3/server/2"),
        format!("https://127.0.0.1:{port}/api/dci/v3/server/2"),
        format!(
            "http://127.0.0.1:{}/api/dci/v3/server/2",
            port.wrapping_add(1).max(1)
        ),
        "http://evil.example.com/api/dci/v3/server/2".to_string(),
    ] {
        let e = c.get(&other).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{other}");
        assert!(!e.to_string().contains(c.token().unwrap().expose()));
    }
    assert_eq!(emu.requests().len(), n);
}

#[test]
fn base_url_forms() {
    let emu = Emulator::start();
    for base in [emu.url.clone(), format!("{}/", emu.url)] {
        let c = Client::new(&base).unwrap();
        c.login("admin@example.com", "secret").unwrap();
        assert_eq!(c.get("dci/v3/server/2").unwrap()["id"], 2);
    }
    assert_eq!(
        Client::new("dci.example.com").unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
}

#[test]
fn api_errors_carry_code_message_and_status() {
    let emu = Emulator::start();
    let c = emu.admin();
    let e = c.get("dci/v3/no_such_function").unwrap_err();
    assert_eq!(
        (e.kind(), e.api_code(), e.http_status()),
        (ErrorKind::Api, 1106, Some(404))
    );
    let e = c.get("dci/v3/server/999999").unwrap_err();
    assert_eq!((e.kind(), e.api_code()), (ErrorKind::Api, 3080));
    emu.fault(json!({"kind": "api_error", "status": 500, "code": 1234, "msg": "Internal failure"}));
    let e = c.get("dci/v3/server/2").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Api);
    let api = e.api().unwrap();
    assert_eq!(
        (api.status, api.code, api.msg.as_str()),
        (500, 1234, "Internal failure")
    );
    assert!(e.request_sent() && e.phase().is_none() && e.attempts() == 1);
    // Unexpected property, with the platform's `value`.
    let e = c
        .post(
            "dci/v3/user",
            &json!({"email": "x@example.com", "password": "p", "role": "user", "nickname": "x"}),
        )
        .unwrap_err();
    assert_eq!((e.kind(), e.http_status()), (ErrorKind::Api, Some(400)));
    assert_eq!(e.api().unwrap().value["property"], "nickname");
}

#[test]
fn an_html_502_is_an_http_error_with_an_excerpt() {
    let emu = Emulator::start();
    let c = emu.admin();
    emu.fault(json!({"kind": "html502"}));
    let e = c.get("dci/v3/server/2").unwrap_err();
    assert_eq!((e.kind(), e.http_status()), (ErrorKind::Http, Some(502)));
    assert!(e.body_excerpt().contains("502 Bad Gateway"), "{e}");
    // The raw request API hands the answer over instead.
    emu.fault(json!({"kind": "html502"}));
    let r = c.send(&Request::get("dci/v3/server/2")).unwrap();
    assert_eq!(r.status(), 502);
    assert_eq!(r.error().unwrap().kind(), ErrorKind::Http);
}

#[test]
fn truncated_json_is_a_decode_error_with_a_scrubbed_excerpt() {
    let emu = Emulator::start();
    let c = emu.admin();
    emu.fault(json!({"kind": "truncate"}));
    let e = c.get("dci/v3/server/2").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(e.body_excerpt().starts_with("{\""), "{e}");
    assert!(
        std::error::Error::source(&e).is_some(),
        "the JSON error is the source"
    );
    // A truncated login answer does not leak the start of the token.
    emu.fault(json!({"kind": "truncate", "path": "public/token"}));
    let fresh = emu.client();
    let e = fresh.login("admin@example.com", "secret").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    let text = e.to_string();
    assert!(!text.contains("3-"), "{text}");
    assert!(!text.contains("secret"), "{text}");
}

#[test]
fn a_redirect_is_not_followed() {
    let emu = Emulator::start();
    let c = emu.admin();
    emu.clear_log();
    emu.fault(json!({"kind": "redirect", "location": "https://evil.example.com/steal"}));
    let e = c.get("dci/v3/server/2").unwrap_err();
    assert_eq!((e.kind(), e.http_status()), (ErrorKind::Http, Some(302)));
    assert_eq!(emu.requests().len(), 1);
}

#[test]
fn bodies_over_the_limit_are_refused() {
    let emu = Emulator::start();
    let c = emu.admin();
    c.set_max_body_size(10_000).unwrap();
    let e = c.get("dci/v3/server").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(e.to_string().contains("limit"), "{e}");
    // The client still works afterwards.
    assert_eq!(c.get("dci/v3/server/2").unwrap()["id"], 2);
}

#[test]
fn bad_json_to_send_is_refused_before_sending() {
    let emu = Emulator::start();
    let c = emu.admin();
    let n = emu.requests().len();
    let e = c
        .send(&Request::post("dci/v3/user").json_text("{\"email\":"))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    let e = c.send(&Request::new("GET\r\n", "x")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert_eq!(emu.requests().len(), n);
}

#[test]
fn lists_with_where_limit_and_orderby() {
    let emu = Emulator::start();
    let c = emu.admin();
    let all = c
        .list("dci/v3/server", &ListQuery::new().limit(0, 5))
        .unwrap();
    assert_eq!(all.items.len(), 5);
    let total = all.size.unwrap();
    assert_eq!(total, 1000);

    let on = ListQuery::new()
        .filter(Where::eq("power_status", "on").and(Where::eq("location_id", 2)))
        .order_by("id", Order::Desc)
        .limit(0, 1000);
    let page = c.list("dci/v3/server", &on).unwrap();
    assert!(!page.items.is_empty());
    assert!(page
        .items
        .iter()
        .all(|s| s["power_status"] == "on" && s["location_id"] == 2));
    let ids: Vec<i64> = page
        .items
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "descending");
    assert_eq!(page.size, Some(page.items.len() as u64));

    // Characters that generic libraries mangle arrive intact.
    let tricky = Where::cp("domain", "%srv1%").and(Where::ne("configuration", "a+b (c)'d"));
    c.list("dci/v3/server", &ListQuery::new().filter(tricky.clone()))
        .unwrap();
    let q = emu.requests().pop().unwrap()["query"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        q.contains("%2B") && q.contains("%28") && q.contains("%29") && q.contains("%27"),
        "{q}"
    );
    assert!(
        !q.contains('+') && !q.contains('(') && !q.contains('\''),
        "{q}"
    );
}

#[test]
fn the_platform_example_filter() {
    let emu = Emulator::start();
    let c = emu.admin();
    let w = Where::is_null("owner_email")
        .and(Where::eq("is_new", false))
        .and(Where::eq("location_id", 3));
    let page = c
        .list("dci/v3/server", &ListQuery::new().filter(w).limit(0, 400))
        .unwrap();
    assert!(!page.items.is_empty());
    for s in &page.items {
        assert!(
            s["owner_email"].is_null() && s["is_new"] == false && s["location_id"] == 3,
            "{s}"
        );
    }
}

#[test]
fn paginate_visits_every_item_once() {
    let emu = Emulator::start();
    let c = emu.admin();
    let mut ids = Vec::new();
    for s in c.paginate(
        "dci/v3/server",
        ListQuery::new().order_by("id", Order::Asc),
        128,
    ) {
        ids.push(s.unwrap()["id"].as_i64().unwrap());
    }
    assert_eq!(ids, (1..=1000).collect::<Vec<_>>());
    // 1000 / 128 → 8 pages.
    assert_eq!(emu.count("GET", "/api/dci/v3/server"), 8);
    // A user sees only their own servers.
    let user = emu.client();
    user.login("client@example.com", "client-secret").unwrap();
    let mine: Vec<Value> = user
        .paginate("dci/v3/server", ListQuery::new(), 50)
        .map(|s| s.unwrap())
        .collect();
    assert!(!mine.is_empty() && mine.len() < 1000);
    assert!(mine
        .iter()
        .all(|s| s["owner_email"] == "client@example.com"));
}

#[test]
fn tls_is_verified_by_default() {
    let emu = Emulator::start_tls();
    assert!(emu.url.starts_with("https://127.0.0.1:"));
    let plain = Client::new(&emu.url).unwrap();
    let e = plain.login("admin@example.com", "secret").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Tls, "{e}");
    // With the emulator's CA it works, from the builder or set later.
    let ok = Client::builder(&emu.url)
        .ca_file(emu.ca.as_ref().unwrap())
        .build()
        .unwrap();
    ok.login("admin@example.com", "secret").unwrap();
    plain.set_ca_file(emu.ca.as_ref().unwrap()).unwrap();
    plain.login("admin@example.com", "secret").unwrap();
    let pem = std::fs::read(emu.ca.as_ref().unwrap()).unwrap();
    let from_pem = Client::builder(&emu.url).ca_pem(&pem).build().unwrap();
    from_pem.login("admin@example.com", "secret").unwrap();
    // The insecure switch works and says so.
    let insecure = Client::builder(&emu.url)
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap();
    insecure.login("admin@example.com", "secret").unwrap();
    // "localhost" is in the certificate too.
    let port = emu.url.rsplit(':').next().unwrap();
    let by_name = Client::builder(&format!("https://localhost:{port}"))
        .ca_file(emu.ca.as_ref().unwrap())
        .build()
        .unwrap();
    by_name.login("admin@example.com", "secret").unwrap();
    // A missing or empty CA file is a clear error.
    let e = Client::builder(&emu.url)
        .ca_file("/nonexistent/ca.pem")
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("/nonexistent/ca.pem"), "{e}");
    assert_eq!(
        Client::builder(&emu.url)
            .ca_pem(b"nothing")
            .build()
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidArgument
    );
}

#[test]
fn secrets_stay_out_of_debug_output_and_errors() {
    let emu = Emulator::start();
    let c = emu.admin();
    let token = c.token().unwrap();
    let debug = format!("{c:?} {token:?}");
    assert!(
        !debug.contains(token.expose()) && !debug.contains("secret\""),
        "{debug}"
    );
    emu.expire_tokens();
    emu.fault(json!({"kind": "unauthorized", "count": 5}));
    let e = c.whoami().unwrap_err();
    for text in [e.to_string(), format!("{e:?}")] {
        assert!(
            !text.contains(token.expose()) && !text.contains("secret"),
            "{text}"
        );
    }
}

#[test]
fn without_session_sends_only_what_the_request_says() {
    let emu = Emulator::start();
    let c = emu.admin();
    let token = c.token().unwrap();
    let req = Request::get("dci/v3/server/2")
        .without_session()
        .header("x-xsrf-token", token.expose())
        .header("Cookie", format!("ses6={}; lang=en", token.expose()))
        .header("User-Agent", "legacy-script/1.0");
    assert_eq!(c.send(&req).unwrap().status(), 200);
    let h = emu.requests().pop().unwrap()["headers"].clone();
    assert_eq!(h["cookie"], format!("ses6={}; lang=en", token.expose()));
    assert_eq!(h["user-agent"], "legacy-script/1.0");
    assert!(h.get("isp-box-instance").is_none(), "{h}");
    // A POST without body sends no body at all in this mode.
    let r = c
        .send(&Request::post("dci/v3/server/2/power_reset").without_session())
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(emu.requests().pop().unwrap()["body"], "");
    // Without a token the platform refuses, and no re-login happens.
    assert_eq!(emu.stats()["logins"], 1);
}

#[test]
fn raw_bodies_headers_and_per_request_timeouts() {
    let emu = Emulator::start();
    let c = emu.admin();
    let body = br#"{"value": "true"}"#;
    let r = c
        .send(
            &Request::post("dci/v3/setting/operation_change_boot_order")
                .body(&body[..], Some("application/json")),
        )
        .unwrap();
    assert_eq!(r.status(), 200);
    let logged = emu.requests().pop().unwrap();
    assert_eq!(logged["body"], r#"{"value": "true"}"#);
    assert_eq!(logged["headers"]["content-type"], "application/json");
    // Header injection is refused before sending, without echoing the value.
    let n = emu.requests().len();
    let e = c
        .send(&Request::get("dci/v3/server/2").header("x-a", "1\r\nx-b: 2"))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(!e.to_string().contains("x-b"), "{e}");
    assert_eq!(
        c.send(&Request::get("x").header("bad name", "v"))
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidArgument
    );
    assert_eq!(emu.requests().len(), n);
    // A per-request time budget overrides the client's.
    emu.fault(json!({"kind": "delay", "delay_ms": 1500}));
    let t = std::time::Instant::now();
    let e = c
        .send(&Request::get("dci/v3/server/2").timeout(Some(std::time::Duration::from_millis(200))))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert!(t.elapsed() < std::time::Duration::from_millis(800));
}
