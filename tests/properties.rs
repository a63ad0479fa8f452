//! Property tests of the parsers and encoders that see untrusted text: path joining, percent
//! encoding, `Retry-After`, the API error body, the `where` quoting, and secret scrubbing.

use dcimanager::error::parse_error_body;
use dcimanager::retry::parse_retry_after;
use dcimanager::secret::scrub;
use dcimanager::{encode_component, BaseUrl, Literal};
use proptest::prelude::*;

fn decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

proptest! {
    #[test]
    fn joined_urls_never_leave_the_origin(path in "\\PC{0,40}", host in "(evil|dci)\\.example\\.(com|org)") {
        let base = BaseUrl::parse("https://dci.example.com:8443").unwrap();
        for p in [path.clone(), format!("https://{host}/{path}"), format!("https://{host}:8443/{path}")] {
            if let Ok(url) = base.join(&p) {
                prop_assert!(url.starts_with("https://dci.example.com:8443/"), "{url}");
                prop_assert!(!url.chars().any(|c| c.is_control() || c == ' '), "{url:?}");
            }
        }
    }

    #[test]
    fn encoding_round_trips_and_is_safe(text in "\\PC{0,64}") {
        let enc = encode_component(&text);
        prop_assert!(enc.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
        prop_assert_eq!(decode(&enc), text.as_bytes());
    }

    #[test]
    fn retry_after_never_panics(value in "\\PC{0,40}") {
        let _ = parse_retry_after(&value, std::time::SystemTime::now());
    }

    #[test]
    fn retry_after_seconds_are_exact(n in 0u32..1_000_000) {
        let d = parse_retry_after(&n.to_string(), std::time::SystemTime::now());
        prop_assert_eq!(d, Some(std::time::Duration::from_secs(n.into())));
    }

    #[test]
    fn error_bodies_never_panic(body in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = parse_error_body(&body);
    }

    #[test]
    fn error_body_codes_and_messages(code in any::<i32>(), msg in "\\PC{0,30}") {
        let body = serde_json::json!({"error": {"code": code, "msg": msg}}).to_string();
        let (c, m, _) = parse_error_body(body.as_bytes()).unwrap();
        prop_assert_eq!((c, m), (i64::from(code), msg));
    }

    #[test]
    fn quoted_strings_unescape_to_the_original(s in "\\PC{0,30}") {
        let q = Literal::from(s.as_str()).to_string();
        prop_assert!(q.starts_with('\'') && q.ends_with('\''));
        let inner = &q[1..q.len() - 1];
        let mut out = String::new();
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                out.push(chars.next().unwrap());
            } else {
                prop_assert!(c != '\'', "unescaped quote in {q}");
                out.push(c);
            }
        }
        prop_assert_eq!(out, s);
    }

    #[test]
    fn scrub_removes_known_secrets(before in "\\PC{0,20}", secret in "[A-Za-z0-9-]{8,40}", after in "\\PC{0,20}") {
        let text = format!("{before}{secret}{after}");
        prop_assert!(!scrub(&text, &[&secret]).contains(&secret));
    }

    #[test]
    fn scrub_masks_token_values_even_when_cut(token in "[a-f0-9-]{8,40}", cut in 0usize..60) {
        let body = format!("{{\"confirmed\":true,\"id\":\"3\",\"token\":\"{token}\"}}");
        let cut = cut.min(body.len());
        let out = scrub(&body[..cut], &[]);
        // Whatever part of the token survived the cut, none of it is shown.
        let start = body.find(&token).unwrap();
        if cut > start + 4 {
            prop_assert!(!out.contains(&body[start..cut]), "{out}");
        }
    }

    #[test]
    fn the_json_check_accepts_exactly_what_the_parser_accepts(
        bytes in proptest::collection::vec(prop_oneof![
            Just(b'{'), Just(b'}'), Just(b'['), Just(b']'), Just(b'"'), Just(b':'), Just(b','),
            Just(b'\\'), Just(b'u'), Just(b'd'), Just(b'8'), Just(b'0'), Just(b'1'), Just(b'-'),
            Just(b'e'), Just(b'.'), Just(b' '), Just(0xffu8), Just(0xc3u8), Just(0xa9u8), Just(b'a'),
        ], 0..24)
    ) {
        let r = dcimanager::Response::from_parts(200, bytes);
        prop_assert_eq!(r.json().is_ok(), r.check_json().is_ok());
    }

    #[test]
    fn an_echoed_secret_never_survives_in_any_form(
        secret in "[ -~]{4,24}",
        before in "\\PC{0,20}",
        sep in "[ :=\"(/,]",
    ) {
        let secrets = dcimanager::Secrets::of(&[secret.as_str()]);
        let json = serde_json::to_string(&secret).unwrap();
        // Secrets of 8 bytes or more, wherever they are; shorter ones standing alone.
        let before = if secret.len() >= 8 { before } else { format!("{before}{sep}") };
        for text in [
            format!("{before}{secret}"),
            format!("{before}{}", &json[1..json.len() - 1]),
            format!("{before}{}", dcimanager::encode_component(&secret)),
        ] {
            let out = secrets.scrub(&text);
            prop_assert!(!out.contains(&secret) || before.contains(&secret), "{} -> {}", text, out);
        }
    }

    #[test]
    fn a_short_secret_inside_words_leaves_the_text_alone(
        secret in "[a-z0-9]{1,7}",
        left in "[A-Za-z]{1,6}",
        right in "[A-Za-z]{1,6}",
    ) {
        // "Connection refused" with the password "c": words stay whole.
        let text = format!("{left}{secret}{right} and {left}{secret}");
        let out = dcimanager::Secrets::of(&[secret.as_str()]).scrub(&text);
        prop_assert_eq!(out, text);
    }
}
