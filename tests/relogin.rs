//! Expired sessions: one re-login, one repeat, and exactly one re-login when many threads
//! hit the expiry at once.
mod common;

use std::sync::{Arc, Barrier};

use common::Emulator;
use dcimanager::ErrorKind;
use serde_json::json;

#[test]
fn an_expired_session_is_renewed_once_and_the_request_repeated() {
    let emu = Emulator::start();
    let c = emu.admin();
    let old = c.token().unwrap();
    assert_eq!(emu.expire_tokens(), 1);
    assert_eq!(c.get("dci/v3/server/2").unwrap()["id"], 2);
    assert_ne!(c.token().unwrap().expose(), old.expose());
    assert_eq!(c.relogin_count(), 1);
    assert_eq!(emu.stats()["logins"], 2);
    // The failed request, the login, the repeat.
    let log = emu.requests();
    let tail: Vec<(&str, &str)> = log[log.len() - 3..]
        .iter()
        .map(|r| (r["method"].as_str().unwrap(), r["path"].as_str().unwrap()))
        .collect();
    assert_eq!(
        tail,
        [
            ("GET", "/api/dci/v3/server/2"),
            ("POST", "/api/auth/v4/public/token"),
            ("GET", "/api/dci/v3/server/2")
        ]
    );
}

#[test]
fn idle_expiry_follows_the_token_ttl() {
    let emu = Emulator::start_with(&["--token-ttl-secs", "1"]);
    let c = emu.admin();
    std::thread::sleep(std::time::Duration::from_millis(1300));
    c.whoami().unwrap();
    assert_eq!(c.relogin_count(), 1);
}

#[test]
fn code_3001_on_another_status_also_renews() {
    let emu = Emulator::start();
    let c = emu.admin();
    emu.fault(json!({"kind": "unauthorized", "status": 403, "count": 1}));
    c.whoami().unwrap();
    assert_eq!(c.relogin_count(), 1);
}

#[test]
fn when_the_repeat_fails_too_the_caller_gets_unauthorized() {
    let emu = Emulator::start();
    let c = emu.admin();
    // "Function not available for external API requests" also says 3001: retry once at most.
    // The client logs in again once, the repeat is refused too, and a check of the renewed
    // session (whoami) shows the session is fine: the caller gets the refusal.
    emu.fault(json!({"kind": "unauthorized", "status": 403, "count": 2, "path": "server/2"}));
    let e = c.get("dci/v3/server/2").unwrap_err();
    assert_eq!((e.kind(), e.api_code()), (ErrorKind::Unauthorized, 3001));
    assert_eq!(emu.stats()["logins"], 2);
    assert_eq!(emu.count("GET", "/api/dci/v3/server/2"), 2);
    assert_eq!(emu.count("GET", "/api/auth/v4/whoami"), 1);
}

#[test]
fn a_renewed_session_that_expires_again_is_renewed_again() {
    let emu = Emulator::start();
    let c = emu.admin();
    // The session expires, and so does the renewed one before the repeat arrives.
    emu.fault(json!({"kind": "unauthorized", "count": 2, "path": "server/2"}));
    emu.fault(json!({"kind": "unauthorized", "count": 1, "path": "whoami"}));
    assert_eq!(c.get("dci/v3/server/2").unwrap()["id"], 2);
    assert_eq!(c.relogin_count(), 2);
    assert_eq!(emu.stats()["logins"], 3);
}

#[test]
fn without_credentials_there_is_no_relogin() {
    let emu = Emulator::start();
    let admin = emu.admin();
    let key = admin.create_key("client@example.com").unwrap();
    let c = emu.client();
    c.login_with_key(key.key.expose()).unwrap();
    emu.expire_tokens();
    let e = c.whoami().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthorized);
    assert_eq!(emu.stats()["logins"], 1); // the admin's only
}

#[test]
fn eight_threads_hitting_an_expiry_cause_one_relogin() {
    let emu = Emulator::start();
    let c = Arc::new(emu.admin());
    emu.expire_tokens();
    let barrier = Arc::new(Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let (c, barrier) = (Arc::clone(&c), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                c.get(&format!("dci/v3/server/{}", i + 1)).unwrap()["id"]
                    .as_i64()
                    .unwrap()
            })
        })
        .collect();
    let mut ids: Vec<i64> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    ids.sort();
    assert_eq!(ids, (1..=8).collect::<Vec<_>>());
    assert_eq!(c.relogin_count(), 1);
    assert_eq!(emu.stats()["logins"], 2);
}

#[test]
fn many_threads_with_expiries_at_random_moments() {
    let emu = Emulator::start();
    let c = Arc::new(emu.admin());
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let expirer = {
        let url = emu.url.clone();
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            let control = dcimanager::Client::new(&url).unwrap();
            let mut n = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                std::thread::sleep(std::time::Duration::from_millis(7 + n % 11));
                let r = control
                    .send(&dcimanager::Request::post("/emulator/expire_tokens"))
                    .unwrap()
                    .json()
                    .unwrap();
                n += r["expired"].as_u64().unwrap();
            }
            n
        })
    };
    let workers: Vec<_> = (0..8)
        .map(|t| {
            let c = Arc::clone(&c);
            std::thread::spawn(move || {
                for i in 0..150 {
                    c.get(&format!("dci/v3/server/{}", (t * 150 + i) % 1000 + 1))
                        .unwrap();
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let expired = expirer.join().unwrap();
    // Every expiry of the client's session led to at most one re-login.
    assert!(c.relogin_count() >= 1);
    assert!(
        c.relogin_count() <= expired,
        "{} > {expired}",
        c.relogin_count()
    );
    assert_eq!(
        emu.stats()["logins"].as_u64().unwrap(),
        1 + c.relogin_count()
    );
}
