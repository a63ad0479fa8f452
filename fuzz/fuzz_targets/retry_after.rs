//! `Retry-After` parsing on arbitrary text: never panics, digits give exactly that many seconds.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let now = std::time::SystemTime::now();
    let parsed = dcimanager::retry::parse_retry_after(text, now);
    let t = text.trim();
    if !t.is_empty() && t.len() < 19 && t.bytes().all(|b| b.is_ascii_digit()) {
        assert_eq!(parsed, Some(std::time::Duration::from_secs(t.parse().unwrap())));
    }
});
