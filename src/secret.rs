//! Secrets: passwords, tokens and keys.
//!
//! A [`Secret`] is a string that never shows itself: its `Debug` and `Display` print
//! `[redacted]`, and its bytes are overwritten with zeros when it is dropped. [`scrub`]
//! removes secrets from text that came from elsewhere (a server's error message, a body
//! excerpt) before that text is put into an [`Error`](crate::Error).

use std::fmt;
use std::sync::atomic::{compiler_fence, Ordering};

/// A string that is wiped from memory on drop and never printed.
///
/// ```
/// let s = dcimanager::Secret::new("24-cee181d2");
/// assert_eq!(s.expose(), "24-cee181d2");
/// assert_eq!(format!("{s:?}"), "[redacted]");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a string.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret's value. Use it to send it, never to print it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        wipe(&mut self.0);
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Overwrites a string's whole buffer (its capacity, not only its length) with zeros in a way
/// the optimizer may not remove, then empties it.
pub(crate) fn wipe(s: &mut String) {
    // SAFETY: zero bytes are valid UTF-8, and the string is cleared right after.
    let v = unsafe { s.as_mut_vec() };
    let cap = v.capacity();
    let ptr = v.as_mut_ptr();
    for i in 0..cap {
        // SAFETY: `ptr` points to an allocation of `cap` bytes owned by `v`.
        unsafe { std::ptr::write_volatile(ptr.add(i), 0) };
    }
    compiler_fence(Ordering::SeqCst);
    v.clear();
}

/// What replaces a secret in text.
pub const REDACTED: &str = "[redacted]";

/// JSON keys whose string values are secrets wherever they appear.
const SECRET_KEYS: [&str; 4] = ["\"token\"", "\"key\"", "\"password\"", "\"ses6\""];

/// Returns `text` with every occurrence of a known secret replaced, and with the string value
/// of every JSON key named `token`, `key`, `password` or `ses6` masked — also when the text is
/// cut short in the middle of such a value (a truncated body).
pub fn scrub(text: &str, known: &[&str]) -> String {
    let mut out = text.to_owned();
    for secret in known {
        if secret.len() >= 4 && out.contains(secret) {
            out = out.replace(secret, REDACTED);
        }
    }
    for key in SECRET_KEYS {
        out = mask_json_values(&out, key);
    }
    out
}

/// Masks `"key" : "value"` → `"key" : "[redacted]"`; an unterminated value is masked to the end.
fn mask_json_values(text: &str, key: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find(key) {
        let after_key = pos + key.len();
        out.push_str(&rest[..after_key]);
        rest = &rest[after_key..];
        // Optional spaces, a colon, optional spaces, then a quoted value.
        let trimmed = rest.trim_start();
        let Some(after_colon) = trimmed.strip_prefix(':') else {
            continue;
        };
        let value = after_colon.trim_start();
        let Some(inner) = value.strip_prefix('"') else {
            continue;
        };
        out.push_str(&rest[..rest.len() - value.len()]);
        out.push('"');
        out.push_str(REDACTED);
        match find_string_end(inner) {
            Some(end) => {
                out.push('"');
                rest = &inner[end + 1..];
            }
            None => rest = "",
        }
    }
    out.push_str(rest);
    out
}

/// Index of the closing quote of a JSON string body, honouring backslash escapes.
fn find_string_end(s: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, b) in s.bytes().enumerate() {
        match b {
            _ if escaped => escaped = false,
            b'\\' => escaped = true,
            b'"' => return Some(i),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_the_value() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?} {s}"), "[redacted] [redacted]");
    }

    #[test]
    fn wipe_zeroes_and_clears() {
        let mut s = String::from("password");
        wipe(&mut s);
        assert!(s.is_empty());
    }

    #[test]
    fn scrub_known_and_json_values() {
        let t = r#"{"confirmed":true,"id":"24","token": "24-abc","key":"4-74e7"} sent 24-abc"#;
        let out = scrub(t, &["24-abc"]);
        assert!(!out.contains("24-abc"), "{out}");
        assert!(!out.contains("4-74e7"), "{out}");
        assert!(out.contains(r#""id":"24""#), "{out}");
    }

    #[test]
    fn scrub_truncated_value() {
        let out = scrub(r#"{"confirmed":true,"id":"3","token":"3-9f8e7d"#, &[]);
        assert_eq!(out, r#"{"confirmed":true,"id":"3","token":"[redacted]"#);
    }

    #[test]
    fn scrub_escaped_quote_in_value() {
        let out = scrub(r#"{"password":"a\"b","x":1}"#, &[]);
        assert_eq!(out, r#"{"password":"[redacted]","x":1}"#);
    }
}
