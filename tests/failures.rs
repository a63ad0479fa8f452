//! Failures as a user meets them: errors that name their request, exact redaction, calls
//! interrupted while they wait, words that agree with the facts, and insecure TLS said once.
mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::Emulator;
use dcimanager::events::{Event, Level, Observer};
use dcimanager::{Client, ErrorKind, Phase, Request, RetryPolicy};
use serde_json::json;

fn admin(emu: &Emulator) -> Client {
    emu.admin()
}

#[test]
fn every_error_names_its_request() {
    let emu = Emulator::start();
    let c = admin(&emu);
    let e = c.get("dci/v3/server/999999").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Api);
    assert_eq!(e.method(), Some("GET"));
    assert_eq!(
        e.url(),
        Some(format!("{}/api/dci/v3/server/999999", emu.url).as_str())
    );
    assert!(
        e.to_string()
            .starts_with("GET /api/dci/v3/server/999999: API error 3080 (HTTP 404): "),
        "{e}"
    );
    // The query is part of it, encoded as sent.
    let e = c
        .send(&Request::delete("dci/v3/server/999999").query("reason", "a b"))
        .unwrap()
        .error()
        .unwrap();
    assert_eq!(e.method(), Some("DELETE"));
    assert!(
        e.url()
            .unwrap()
            .ends_with("/api/dci/v3/server/999999?reason=a%20b"),
        "{e:?}"
    );
    // A path that is no URL: the message quotes the path as given, no URL fact.
    let e = c.get("https://elsewhere.example/api/x").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert_eq!((e.method(), e.url()), (Some("GET"), None));
    assert!(
        e.to_string()
            .starts_with("GET https://elsewhere.example/api/x: "),
        "{e}"
    );
    // A failure without an answer too.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let e = Client::builder(&format!("http://{closed}"))
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
        .post_empty("dci/v3/server/2/power_reset")
        .unwrap_err();
    assert_eq!(e.method(), Some("POST"));
    assert!(
        e.to_string()
            .starts_with("POST /api/dci/v3/server/2/power_reset: connection failed"),
        "{e}"
    );
}

#[test]
fn a_token_in_the_path_is_redacted_from_the_request_named() {
    let emu = Emulator::start();
    let c = admin(&emu);
    let other = emu.admin().token().unwrap();
    emu.fault(json!({"kind": "api_error", "status": 500, "count": 1, "path": "auth/v4/token/"}));
    let e = c
        .delete(&format!("auth/v4/token/{}", other.expose()))
        .unwrap_err();
    let text = format!("{e} {:?}", e.url());
    assert!(!text.contains(other.expose()), "{text}");
    assert!(text.contains("/api/auth/v4/token/[redacted]"), "{text}");
}

#[test]
fn short_passwords_do_not_mangle_messages() {
    let emu = Emulator::start_with(&["--client-password", "in"]);
    let c = emu.client();
    c.login("client@example.com", "in").unwrap();
    // The platform's own words survive a two-letter password...
    emu.fault(json!({"kind": "api_error", "status": 404, "code": 3080, "msg": "instance not found", "count": 1, "path": "dci/v3/server/1"}));
    let e = c.get("dci/v3/server/1").unwrap_err();
    assert_eq!(e.api().unwrap().msg, "instance not found");
    assert!(e.to_string().ends_with("instance not found"), "{e}");
    // ...and the library's own words a one-letter one.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let c = Client::builder(&format!("http://{closed}"))
        .retry(RetryPolicy::none())
        .credentials("admin@example.com", "c")
        .build()
        .unwrap();
    let e = c.get("auth/v4/whoami").unwrap_err();
    assert!(e.to_string().contains("Connection refused"), "{e}");
    // Standing alone, a short secret is still redacted.
    emu.fault(json!({"kind": "api_error", "status": 400, "msg": "password in is too short", "count": 1, "path": "dci/v3/server/1"}));
    let c = emu.client();
    c.login("client@example.com", "in").unwrap();
    let e = c.get("dci/v3/server/1").unwrap_err();
    assert_eq!(e.api().unwrap().msg, "password [redacted] is too short");
}

/// Starts `f` in a thread and interrupts `c` after `after`; returns the call's result and
/// how long after the interrupt it returned.
fn interrupt_during<T: Send + 'static>(
    c: &Arc<Client>,
    after: Duration,
    f: impl FnOnce(&Client) -> dcimanager::Result<T> + Send + 'static,
) -> (dcimanager::Result<T>, Duration) {
    let call = {
        let c = Arc::clone(c);
        std::thread::spawn(move || {
            let r = f(&c);
            (r, Instant::now())
        })
    };
    std::thread::sleep(after);
    let at = Instant::now();
    c.interrupt();
    let (r, done) = call.join().unwrap();
    (r, done.saturating_duration_since(at))
}

#[test]
fn interrupt_stops_a_call_waiting_for_its_answer_and_the_post_is_not_resent() {
    let emu = Emulator::start();
    let c = Arc::new(admin(&emu));
    emu.fault(json!({"kind": "delay", "delay_ms": 3000, "count": 1}));
    emu.clear_log();
    let (r, took) = interrupt_during(&c, Duration::from_millis(300), |c| {
        c.post_empty("dci/v3/server/2/power_reset")
    });
    let e = r.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Interrupted);
    assert_eq!(e.phase(), Some(Phase::Wait));
    assert!(e.request_sent());
    assert!(
        took < Duration::from_millis(200),
        "returned {took:?} after the interrupt"
    );
    // The client stays usable on a new connection (the interrupted one was dropped, not
    // pooled), and the POST went out once.
    let opened = emu.stats()["connections"].as_u64().unwrap();
    assert_eq!(
        c.get("auth/v4/whoami").unwrap()["email"],
        "admin@example.com"
    );
    assert_eq!(emu.stats()["connections"].as_u64().unwrap(), opened + 1);
    std::thread::sleep(Duration::from_millis(3000));
    assert_eq!(emu.count("POST", "/power_reset"), 1);
}

#[test]
fn interrupt_stops_retry_waits_and_connects() {
    let emu = Emulator::start();
    let c = Arc::new(admin(&emu));
    emu.fault(json!({"kind": "503", "retry_after": 5, "count": 1}));
    let (r, took) = interrupt_during(&c, Duration::from_millis(300), |c| c.get("auth/v4/whoami"));
    assert_eq!(r.unwrap_err().kind(), ErrorKind::Interrupted);
    assert!(took < Duration::from_millis(200), "{took:?}");
    // A connection that nobody answers (a listener whose queue is full drops SYNs).
    use socket2::{Domain, SockAddr, Socket, Type};
    let hole = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    hole.bind(&SockAddr::from(
        "127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap(),
    ))
    .unwrap();
    hole.listen(0).unwrap();
    let addr = hole.local_addr().unwrap().as_socket().unwrap();
    let _held: Vec<_> = (0..8)
        .filter_map(|_| {
            std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(100)).ok()
        })
        .collect();
    let c = Arc::new(Client::new(&format!("http://{addr}")).unwrap());
    let (r, took) = interrupt_during(&c, Duration::from_millis(300), |c| c.get("auth/v4/whoami"));
    let e = r.unwrap_err();
    assert_eq!(
        (e.kind(), e.phase()),
        (ErrorKind::Interrupted, Some(Phase::Connect))
    );
    assert!(!e.request_sent());
    assert!(took < Duration::from_millis(200), "{took:?}");
}

#[test]
fn an_interrupt_check_stops_a_waiting_call() {
    let emu = Emulator::start();
    let asked = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&asked);
    let c = Client::builder(&emu.url)
        .interrupt_check(Arc::new(move || seen.fetch_add(1, Ordering::SeqCst) >= 3))
        .build()
        .unwrap();
    c.login("admin@example.com", "secret").unwrap();
    assert_eq!(
        asked.load(Ordering::SeqCst),
        0,
        "a call that does not wait asks nothing"
    );
    emu.fault(json!({"kind": "delay", "delay_ms": 2000, "count": 1}));
    let t0 = Instant::now();
    let e = c.get("auth/v4/whoami").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Interrupted);
    assert!(
        t0.elapsed() < Duration::from_millis(800),
        "{:?}",
        t0.elapsed()
    );
}

#[test]
fn words_agree_with_the_facts() {
    let emu = Emulator::start();
    let c = admin(&emu);
    // A Retry-After beyond the time budget: one attempt, and the message says why.
    emu.fault(json!({"kind": "503", "retry_after": 30, "count": 1}));
    let t0 = Instant::now();
    let r = c
        .send(&Request::get("auth/v4/whoami").timeout(Some(Duration::from_secs(2))))
        .unwrap();
    assert!(t0.elapsed() < Duration::from_secs(1));
    let e = r.error().unwrap();
    assert_eq!((e.kind(), e.attempts()), (ErrorKind::RetriesExhausted, 1));
    let text = e.to_string();
    assert!(text.contains("gave up after 1 attempt,"), "{text}");
    assert!(
        text.contains("asked for a wait of 30.0 s (Retry-After)"),
        "{text}"
    );
    assert!(text.contains("time budget"), "{text}");
    // A refused connection counts its attempts, none of which was sent.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let e = Client::builder(&format!("http://{closed}"))
        .retry(RetryPolicy::new(2, 0.0))
        .build()
        .unwrap()
        .get("auth/v4/whoami")
        .unwrap_err();
    assert_eq!((e.attempts(), e.request_sent()), (3, false));
    assert!(e.to_string().ends_with("(after 3 attempts)"), "{e}");
}

#[derive(Default)]
struct Collect(parking_lot::Mutex<Vec<(Level, String, String)>>);

impl Observer for Collect {
    fn enabled(&self, _: Level) -> bool {
        true
    }
    fn event(&self, e: &Event<'_>) {
        self.0
            .lock()
            .push((e.level(), e.name().to_string(), e.to_string()));
    }
}

#[test]
fn insecure_tls_is_said_once_per_client_and_not_when_pinned() {
    let emu = Emulator::start_tls();
    let seen = Arc::new(Collect::default());
    let c = Client::builder(&emu.url)
        .danger_accept_invalid_certs(true)
        .observer(seen.clone())
        .build()
        .unwrap();
    c.login("admin@example.com", "secret").unwrap();
    c.get("auth/v4/whoami").unwrap();
    let insecure: Vec<_> = seen
        .0
        .lock()
        .iter()
        .filter(|(_, name, _)| name == "insecure")
        .cloned()
        .collect();
    assert_eq!(insecure.len(), 1, "{insecure:?}");
    assert_eq!(insecure[0].0, Level::Warning);
    assert!(insecure[0].2.contains(&emu.url), "{:?}", insecure[0]);
    // A pinned key keeps it secure: nothing to say.
    let seen = Arc::new(Collect::default());
    let pinned = Client::builder(&emu.url)
        .danger_accept_invalid_certs(true)
        .pinned_pubkey(&dcimanager::server_pin(&emu.url).unwrap())
        .observer(seen.clone())
        .build()
        .unwrap();
    pinned.login("admin@example.com", "secret").unwrap();
    assert!(!seen.0.lock().iter().any(|(_, name, _)| name == "insecure"));
    // A connection failure that will be retried is said at info before each wait.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let seen = Arc::new(Collect::default());
    let _ = Client::builder(&format!("http://{closed}"))
        .retry(RetryPolicy::new(2, 0.0))
        .observer(seen.clone())
        .build()
        .unwrap()
        .get("auth/v4/whoami");
    let retries = seen
        .0
        .lock()
        .iter()
        .filter(|(level, name, _)| name == "retry" && *level == Level::Info)
        .count();
    assert_eq!(retries, 2);
}
