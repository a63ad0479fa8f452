//! The platform's error body parser on arbitrary bytes: never panics; a parsed message is text.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some((_code, msg, _value)) = dcimanager::error::parse_error_body(data) {
        let _ = msg.len();
    }
});
