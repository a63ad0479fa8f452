//! Path and URL joining on arbitrary text: a joined URL always stays on the client's origin and
//! carries no space or control character.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&str, &str)| {
    let (base, path) = input;
    if let Ok(b) = dcimanager::BaseUrl::parse(base) {
        let origin = format!("{}/", b.origin());
        if let Ok(url) = b.join(path) {
            assert!(url.starts_with(&origin), "{url} left {origin}");
            assert!(!url.chars().any(|c| c.is_control() || c == ' '));
        }
    }
    let fixed = dcimanager::BaseUrl::parse("https://dci.example.com:8443").unwrap();
    if let Ok(url) = fixed.join(path) {
        assert!(url.starts_with("https://dci.example.com:8443/"), "{url}");
    }
});
