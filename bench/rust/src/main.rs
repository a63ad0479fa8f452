//! The Rust rows of `make bench`: the core's API against the emulator, one process per run.
//!
//! ```text
//! dci-bench-rust seq N PATH        N GETs of PATH, parsed into serde_json::Value (Client::get)
//! dci-bench-rust raw N PATH        N GETs of PATH, body left as bytes (Client::send)
//! dci-bench-rust list N PATH       N GETs of a large list, split into send and parse
//! dci-bench-rust threads T N PATH  T threads sharing one Client, N GETs each
//! dci-bench-rust burst R PATH      R times: queue five 503s, time one GET to success
//! dci-bench-rust cold PATH         one authenticated GET (the process is timed outside)
//! dci-bench-rust fresh N PATH      N times: a new Client (with DCI_CA), one GET, dropped —
//!                                  what a PHP-FPM worker pays per web request
//! ```
//!
//! Environment: `DCI_URL` (base URL), `DCI_TOKEN` (a session token obtained once),
//! optionally `DCI_CA` (CA file for an HTTPS emulator). Every mode but `cold` prints one JSON
//! object on stdout: its own wall time and CPU time (getrusage, around the timed loop only),
//! peak RSS (VmHWM), and the heap bytes allocated per request (a counting global allocator).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Instant;

use dcimanager::{Client, Request};

/// Counts every allocation (bytes asked for, calls); reallocations count their new size.
struct Counting;

static ALLOC_BYTES: AtomicU64 = AtomicU64::new(0);
static ALLOC_CALLS: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOC_BYTES.fetch_add(layout.size() as u64, Relaxed);
        ALLOC_CALLS.fetch_add(1, Relaxed);
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOC_BYTES.fetch_add(layout.size() as u64, Relaxed);
        ALLOC_CALLS.fetch_add(1, Relaxed);
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOC_BYTES.fetch_add(new_size as u64, Relaxed);
        ALLOC_CALLS.fetch_add(1, Relaxed);
        System.realloc(ptr, layout, new_size)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocs() -> (u64, u64) {
    (ALLOC_BYTES.load(Relaxed), ALLOC_CALLS.load(Relaxed))
}

/// (user seconds, system seconds, peak RSS in KiB) of the whole process. The peak is
/// `VmHWM`: `ru_maxrss` would carry over the high-water mark of the process that forked us.
fn rusage() -> (f64, f64, i64) {
    // SAFETY: getrusage fills the zeroed struct it is given.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (secs(ru.ru_utime), secs(ru.ru_stime), vm_hwm_kb())
}

fn vm_hwm_kb() -> i64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(-1)
}

/// An observer that counts the events it is given (what a cheap logger costs).
#[derive(Default)]
struct CountingObserver(std::sync::atomic::AtomicU64);

impl dcimanager::Observer for CountingObserver {
    fn enabled(&self, _level: dcimanager::events::Level) -> bool {
        true
    }
    fn event(&self, e: &dcimanager::Event<'_>) {
        std::hint::black_box(e.to_string());
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

fn client() -> Client {
    let url = std::env::var("DCI_URL").expect("DCI_URL");
    let token = std::env::var("DCI_TOKEN").expect("DCI_TOKEN");
    let mut b = Client::builder(&url).token(token);
    if let Ok(ca) = std::env::var("DCI_CA") {
        if !ca.is_empty() {
            b = b.ca_file(ca);
        }
    }
    b.build().expect("client")
}

/// Times `n` calls of `f` after `warm` untimed ones; prints the JSON record.
fn timed(n: u64, warm: u64, mut f: impl FnMut()) {
    for _ in 0..warm {
        f();
    }
    let (u0, s0, _) = rusage();
    let (b0, c0) = allocs();
    let t0 = Instant::now();
    for _ in 0..n {
        f();
    }
    let wall = t0.elapsed().as_secs_f64();
    let (b1, c1) = allocs();
    let (u1, s1, rss) = rusage();
    println!(
        "{{\"n\":{n},\"wall_s\":{wall},\"user_s\":{},\"sys_s\":{},\"maxrss_kb\":{rss},\
         \"alloc_bytes_per_req\":{},\"allocs_per_req\":{}}}",
        u1 - u0,
        s1 - s0,
        (b1 - b0) as f64 / n as f64,
        (c1 - c0) as f64 / n as f64,
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or("");
    let num = |i: usize| arg(i).parse::<u64>().expect("a count");
    match arg(0) {
        "seq" => {
            let c = client();
            let path = arg(2);
            timed(num(1), 20, || {
                let v = c.get(path).expect("GET");
                assert!(v.is_object());
            });
        }
        "raw" | "raw-observed" => {
            // raw-observed: an observer that takes every event (DEBUG up), to show what
            // listening costs; raw: nothing listens, events cost nothing.
            let c = client();
            if arg(0) == "raw-observed" {
                c.set_observer(Some(std::sync::Arc::new(CountingObserver::default())))
                    .expect("observer");
            }
            let req = Request::get(arg(2));
            timed(num(1), 20, || {
                let r = c.send(&req).expect("GET");
                assert_eq!(r.status(), 200);
            });
        }
        "list" => {
            // Client::get as in `seq`, split in its two halves to count their allocations:
            // the exchange (the body read into one buffer) and the parse into a Value.
            let c = client();
            let req = Request::get(arg(2));
            let n = num(1);
            let once = |acc: &mut [u64; 6]| {
                let (b0, _) = allocs();
                let t0 = Instant::now();
                let r = c.send(&req).expect("GET");
                let t1 = Instant::now();
                let (b1, _) = allocs();
                let len = r.body().len() as u64;
                let v = r.into_json().expect("JSON");
                let t2 = Instant::now();
                let (b2, _) = allocs();
                let items = v["list"].as_array().map_or(0, Vec::len) as u64;
                assert!(items > 0);
                let ns = |d: std::time::Duration| d.as_nanos() as u64;
                *acc = [
                    acc[0] + b1 - b0,
                    acc[1] + b2 - b1,
                    len,
                    items,
                    acc[4] + ns(t1 - t0),
                    acc[5] + ns(t2 - t1),
                ];
                drop(v); // freed inside the loop, as a caller would
            };
            let mut acc = [0u64; 6];
            for _ in 0..2 {
                once(&mut acc);
            }
            acc = [0; 6];
            let (u0, s0, _) = rusage();
            let (a0, c0) = allocs();
            let t0 = Instant::now();
            for _ in 0..n {
                once(&mut acc);
            }
            let wall = t0.elapsed().as_secs_f64();
            let (a1, c1) = allocs();
            let (u1, s1, rss) = rusage();
            println!(
                "{{\"n\":{n},\"wall_s\":{wall},\"user_s\":{},\"sys_s\":{},\"maxrss_kb\":{rss},\
                 \"alloc_bytes_per_req\":{},\"allocs_per_req\":{},\"send_alloc_bytes_per_req\":{},\
                 \"parse_alloc_bytes_per_req\":{},\"body_bytes\":{},\"items\":{},\
                 \"send_s_per_req\":{},\"parse_s_per_req\":{}}}",
                u1 - u0,
                s1 - s0,
                (a1 - a0) as f64 / n as f64,
                (c1 - c0) as f64 / n as f64,
                acc[0] as f64 / n as f64,
                acc[1] as f64 / n as f64,
                acc[2],
                acc[3],
                acc[4] as f64 / 1e9 / n as f64,
                acc[5] as f64 / 1e9 / n as f64
            );
        }
        "threads" => {
            let c = Arc::new(client());
            let (t, n, path) = (num(1) as usize, num(2), arg(3).to_owned());
            for _ in 0..20 {
                c.get(&path).expect("GET");
            }
            let (u0, s0, _) = rusage();
            let t0 = Instant::now();
            let handles: Vec<_> = (0..t)
                .map(|_| {
                    let c = Arc::clone(&c);
                    let path = path.clone();
                    std::thread::spawn(move || {
                        for _ in 0..n {
                            assert!(c.get(&path).expect("GET").is_object());
                        }
                    })
                })
                .collect();
            for h in handles {
                h.join().expect("thread");
            }
            let wall = t0.elapsed().as_secs_f64();
            let (u1, s1, rss) = rusage();
            println!(
                "{{\"n\":{},\"threads\":{t},\"wall_s\":{wall},\"user_s\":{},\"sys_s\":{},\"maxrss_kb\":{rss}}}",
                n * t as u64,
                u1 - u0,
                s1 - s0
            );
        }
        "burst" => {
            let c = client();
            let (reps, path) = (num(1), arg(2));
            let fault = serde_json::json!({"kind": "503", "count": 5, "path": path});
            c.get(path).expect("warm-up GET");
            let mut times = Vec::new();
            let mut attempts = Vec::new();
            for _ in 0..reps {
                let q = c
                    .send(&Request::post("/emulator/faults").json(&fault))
                    .expect("queue faults");
                assert_eq!(q.status(), 200);
                let t0 = Instant::now();
                let r = c.send(&Request::get(path)).expect("GET");
                times.push(t0.elapsed().as_secs_f64());
                assert_eq!(r.status(), 200, "success after the burst");
                attempts.push(r.attempts());
            }
            println!("{{\"times_s\":{times:?},\"attempts\":{attempts:?}}}");
        }
        "fresh" => {
            // N clients one after another, each making one request on its own new
            // connection (over TLS when DCI_URL is https: a full handshake each).
            for _ in 0..num(1) {
                let c = client();
                let v = c.get(arg(2)).expect("GET");
                assert!(v.is_object());
            }
        }
        "cold" => {
            let c = client();
            let v = c.get(arg(1)).expect("GET");
            assert!(v.is_object());
        }
        other => {
            eprintln!("unknown mode {other:?}; see the source's header");
            std::process::exit(2);
        }
    }
}
