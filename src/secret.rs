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
const SECRET_KEYS: [&str; 4] = ["token", "key", "password", "ses6"];

/// The secrets one call must not let out: the session token and password the client holds,
/// and whatever the call itself is sending (a password being tried, a key, a token being
/// created). Every text and value that reaches a caller from the server goes through
/// [`scrub`](Secrets::scrub) / [`scrub_value`](Secrets::scrub_value): the one place where
/// secrets are removed.
#[derive(Clone, Default)]
pub struct Secrets<'a> {
    known: Vec<&'a str>,
}

impl std::fmt::Debug for Secrets<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secrets({} redacted)", self.known.len())
    }
}

impl<'a> Secrets<'a> {
    /// No known secret (JSON values of secret keys are still masked).
    pub fn none() -> Self {
        Secrets::default()
    }

    /// These secrets (empty strings are ignored).
    pub fn of(known: &[&'a str]) -> Self {
        let mut s = Secrets::none();
        for k in known {
            s.add(k);
        }
        s
    }

    /// Adds a secret (an empty one is ignored).
    pub fn add(&mut self, secret: &'a str) {
        if !secret.is_empty() && !self.known.contains(&secret) {
            self.known.push(secret);
        }
    }

    /// Returns `text` with every known secret replaced — as sent, JSON-escaped and
    /// percent-encoded — and with the string value of every JSON key named `token`, `key`,
    /// `password` or `ses6` masked, also when the text is cut short inside such a value.
    ///
    /// A form shorter than [`SHORT`] bytes is replaced only where it stands alone: bounded by
    /// a character that is not a letter or digit, or by the ends of the text — so that a
    /// one-letter password does not turn "Connection refused" into "Conne[redacted]tion
    /// refused". Longer forms are replaced wherever they appear. Only text from the server
    /// and text that quotes what was sent go through here; the library's own words never do.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        let mut forms: Vec<String> = Vec::with_capacity(self.known.len() * 3);
        for secret in &self.known {
            forms.push((*secret).to_owned());
            let json = serde_json::to_string(secret).unwrap_or_default();
            forms.push(json[1..json.len() - 1].to_owned());
            let pct = crate::paths::encode_component(secret);
            forms.push(pct.to_ascii_lowercase());
            forms.push(pct);
        }
        // Longest first, so that a secret containing another one goes as a whole.
        forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
        forms.dedup();
        for form in forms.iter().filter(|f| !f.is_empty()) {
            if !out.contains(form.as_str()) {
                continue;
            }
            out = if form.len() >= SHORT {
                out.replace(form.as_str(), REDACTED)
            } else {
                replace_standing_alone(&out, form)
            };
        }
        for key in SECRET_KEYS {
            out = mask_json_values(&out, &format!("\"{key}\""));
        }
        out
    }

    /// Scrubs every string of a JSON value (see [`scrub`](Secrets::scrub)) and replaces the
    /// string values of keys named `token`, `key`, `password` or `ses6`.
    pub fn scrub_value(&self, value: &mut serde_json::Value) {
        use serde_json::Value;
        match value {
            Value::String(s) => {
                let clean = self.scrub(s);
                if clean != *s {
                    *s = clean;
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.scrub_value(v)),
            Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    if v.is_string() && SECRET_KEYS.iter().any(|s| k.eq_ignore_ascii_case(s)) {
                        *v = Value::String(REDACTED.to_owned());
                    } else {
                        self.scrub_value(v);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Secrets shorter than this many bytes are redacted only where they stand alone (see
/// [`Secrets::scrub`]).
pub const SHORT: usize = 8;

/// `text` with each occurrence of `form` that stands alone replaced: on each side, either
/// the form's edge is not a letter or digit, or the text's neighbouring character is not one
/// (or the text ends) — an occurrence inside a word is left alone.
fn replace_standing_alone(text: &str, form: &str) -> String {
    let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let (first, last_char) = (form.chars().next(), form.chars().next_back());
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (at, _) in text.match_indices(form) {
        if at < last {
            continue; // overlaps a replacement made just before
        }
        let before = text[..at].chars().next_back();
        let after = text[at + form.len()..].chars().next();
        let splits_a_word = (word(first) && word(before)) || (word(last_char) && word(after));
        if !splits_a_word {
            out.push_str(&text[last..at]);
            out.push_str(REDACTED);
            last = at + form.len();
        }
    }
    out.push_str(&text[last..]);
    out
}

/// [`Secrets::scrub`] with these known secrets.
pub fn scrub(text: &str, known: &[&str]) -> String {
    Secrets::of(known).scrub(text)
}

/// Masks `"key" : "value"` → `"key" : "[redacted]"`; an unterminated value is masked to the end.
fn mask_json_values(text: &str, key: &str) -> String {
    if !text.contains(key) {
        return text.to_owned();
    }
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
    fn scrub_encoded_forms_and_values() {
        let pw = "p@ss \"w0rd\"";
        let s = Secrets::of(&[pw]);
        for text in [
            format!("login {pw} refused"),
            "Location: /?password=p%40ss%20%22w0rd%22".to_string(),
            "location: /?p=p%40ss%20%22w0rd%22".to_ascii_lowercase(),
            r#"{"msg":"p@ss \"w0rd\""}"#.to_string(),
        ] {
            let out = s.scrub(&text);
            assert!(!out.contains("w0rd"), "{text} -> {out}");
        }
        let mut v = serde_json::json!({"echo": [format!("was {pw}")], "Password": "x", "n": 1});
        s.scrub_value(&mut v);
        assert_eq!(
            v,
            serde_json::json!({"echo": ["was [redacted]"], "Password": "[redacted]", "n": 1})
        );
    }

    #[test]
    fn short_secrets_only_where_they_stand_alone() {
        for (secret, text, want) in [
            ("c", "Connection refused", "Connection refused"),
            ("in", "instance not found", "instance not found"),
            ("in", "login in 5 min", "login [redacted] 5 min"),
            ("ab", "ab", "[redacted]"),
            ("ab", "(ab) xab aby ab.", "([redacted]) xab aby [redacted]."),
            ("pw", "user=pw&x=1", "user=[redacted]&x=1"),
            ("é", "café é", "café [redacted]"),
            ("  a", "x  a.", "x[redacted]."),
        ] {
            assert_eq!(scrub(text, &[secret]), want, "{secret:?} in {text:?}");
        }
        // Eight bytes and more: wherever they appear.
        assert_eq!(scrub("xhunter22x", &["hunter22"]), "x[redacted]x");
    }

    #[test]
    fn scrub_escaped_quote_in_value() {
        let out = scrub(r#"{"password":"a\"b","x":1}"#, &[]);
        assert_eq!(out, r#"{"password":"[redacted]","x":1}"#);
    }
}
