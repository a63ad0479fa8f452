//! Load and concurrency: 16 threads × 2,000 requests on one client while the platform expires
//! the session at random moments. Every request succeeds, each expiry costs exactly one
//! re-login (single flight), and nothing deadlocks.
mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use common::Emulator;
use dcimanager::{Client, Request};

const THREADS: usize = 16;
const REQUESTS: usize = 2_000;

#[test]
fn sixteen_threads_through_random_expiries() {
    let emu = Emulator::start_with(&["--no-log"]);
    let client = Arc::new(emu.admin());
    let stop = Arc::new(AtomicBool::new(false));
    // Expires the session at pseudo-random moments; counts the expiries that hit a session.
    let expirer = {
        let (url, stop) = (emu.url.clone(), Arc::clone(&stop));
        std::thread::spawn(move || {
            let control = Client::new(&url).unwrap();
            let (mut hits, mut x) = (0u64, 0x2545_f491_4f6c_dd1du64);
            while !stop.load(Ordering::Relaxed) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                std::thread::sleep(Duration::from_millis(5 + x % 40));
                let r = control
                    .send(&Request::post("/emulator/expire_tokens"))
                    .unwrap();
                hits += r.json().unwrap()["expired"].as_u64().unwrap();
            }
            hits
        })
    };
    let (done_tx, done_rx) = mpsc::channel();
    for t in 0..THREADS {
        let (client, done) = (Arc::clone(&client), done_tx.clone());
        std::thread::spawn(move || {
            let mut failures = 0;
            for i in 0..REQUESTS {
                let path = format!("dci/v3/server/{}", (t * REQUESTS + i) % 1000 + 1);
                if client.send(&Request::get(path)).map(|r| r.status()) != Ok(200) {
                    failures += 1;
                }
            }
            done.send(failures).unwrap();
        });
    }
    let mut failures = 0;
    for _ in 0..THREADS {
        failures += done_rx
            .recv_timeout(Duration::from_secs(240))
            .expect("a worker did not finish: deadlock?");
    }
    stop.store(true, Ordering::Relaxed);
    let expiries = expirer.join().unwrap();
    // One more request consumes a last expiry that no worker saw.
    assert_eq!(client.get("dci/v3/server/1").unwrap()["id"], 1);
    assert_eq!(failures, 0);
    assert!(expiries > 0, "the expirer never hit a session");
    assert_eq!(client.relogin_count(), expiries, "one re-login per expiry");
    let stats = emu.stats();
    assert_eq!(stats["logins"].as_u64().unwrap(), 1 + expiries);
    // Every request reached the platform (plus the repeats after expiries and the logins).
    let received = stats["requests"].as_u64().unwrap();
    assert!(
        received >= (THREADS * REQUESTS) as u64 + 2 * expiries,
        "{received}"
    );
}
