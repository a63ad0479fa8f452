//! Response handling of arbitrary bytes and statuses: classifying, decoding and checking never
//! panic, and an error's text never repeats more than a short excerpt of the body.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (u16, Vec<u8>)| {
    let (status, body) = input;
    let r = dcimanager::Response::from_parts(status, body);
    // The check without a tree accepts exactly what the parser accepts (UTF-8 included).
    assert_eq!(r.json().is_ok(), r.check_json().is_ok());
    if let Some(e) = r.error() {
        let text = e.to_string();
        assert!(text.len() < 2_000, "error text of {} bytes", text.len());
    }
});
