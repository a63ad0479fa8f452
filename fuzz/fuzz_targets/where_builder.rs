//! The `where` builder and the query encoder on arbitrary fields and values: quoting always
//! round-trips, and the encoded query value keeps only unreserved characters and escapes.
#![no_main]
use dcimanager::{encode_component, Where};
use libfuzzer_sys::fuzz_target;

fn unquote(q: &str) -> String {
    let inner = &q[1..q.len() - 1];
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            out.push(chars.next().expect("dangling backslash"));
        } else {
            assert_ne!(c, '\'', "unescaped quote");
            out.push(c);
        }
    }
    out
}

fuzz_target!(|input: (&str, &str, &str, bool)| {
    let (field, value, other, negate) = input;
    let mut w = Where::eq(field, value).or(Where::cp("domain", other));
    if negate {
        w = w.not();
    }
    let text = w.to_string();
    let quoted = dcimanager::Literal::from(value).to_string();
    assert_eq!(unquote(&quoted), value);
    let enc = encode_component(&text);
    assert!(enc.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
});
