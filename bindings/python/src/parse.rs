//! JSON bytes straight into Python objects, by a parser written for it: one pass over the
//! body, strings handed to CPython's strict UTF-8 decoder (the one check of their UTF-8),
//! object keys from a small per-thread table of interned strings.
//!
//! It accepts exactly what `serde_json::from_slice::<Value>` — the core's parser — accepts
//! (RFC 8259 with serde_json's limits: nesting up to 128, numbers out of the f64 range
//! refused, lone surrogates refused), and gives the same values: integers as `int` when they
//! fit in i64/u64, otherwise — like every number with a fraction or an exponent — as
//! `float`. `bindings/python/tests/test_json.py` checks both properties against the serde_json path on
//! generated documents (through `_native._json_loads`). On any error the caller falls back to the core's decode error.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFloat, PyInt, PyList, PyString};

use crate::json::{Keys, KEYS};

/// serde_json's nesting limit.
const MAX_DEPTH: usize = 128;

/// A failure; the message is for tests (users get the core's decode error).
pub struct Fail(pub &'static str);

type R<T> = Result<T, Fail>;

/// Parses one JSON document (whitespace around it allowed).
pub fn loads<'py>(py: Python<'py>, bytes: &[u8]) -> R<Bound<'py, PyAny>> {
    // The key table is taken once per document. Making Python objects can run Python code
    // (a finalizer, from the cycle collector) that parses on this thread: that inner parse
    // finds the table taken and makes its keys without it.
    KEYS.with(|keys| {
        let mut keys = keys.try_borrow_mut().ok();
        let mut p = Parser {
            py,
            b: bytes,
            i: 0,
            scratch: Vec::new(),
            keys: keys.as_deref_mut(),
        };
        let v = p.value(0)?;
        p.ws();
        if p.i != p.b.len() {
            return Err(Fail("trailing characters"));
        }
        Ok(v)
    })
}

/// Where the bytes of a string just parsed are: in the input (no escape), or unescaped into
/// the parser's scratch buffer.
enum Span {
    Input(usize, usize),
    Scratch,
}

impl Span {
    /// The bytes, from the parser's input and scratch buffer (passed apart, so that the
    /// parser's other fields stay free to borrow).
    fn of<'s>(self, input: &'s [u8], scratch: &'s [u8]) -> &'s [u8] {
        match self {
            Span::Input(start, end) => &input[start..end],
            Span::Scratch => scratch,
        }
    }
}

struct Parser<'a, 'py> {
    py: Python<'py>,
    b: &'a [u8],
    i: usize,
    /// Where strings with escapes are unescaped.
    scratch: Vec<u8>,
    /// This thread's key table, unless a parse further up the stack holds it.
    keys: Option<&'a mut Keys>,
}

impl<'py> Parser<'_, 'py> {
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn value(&mut self, depth: usize) -> R<Bound<'py, PyAny>> {
        self.ws();
        let py = self.py;
        match self.peek().ok_or(Fail("EOF while parsing a value"))? {
            b'{' => self.object(depth + 1),
            b'[' => self.array(depth + 1),
            b'"' => {
                self.i += 1;
                let raw = self.string()?.of(self.b, &self.scratch);
                // CPython checks the UTF-8 as strictly as `str::from_utf8` does (surrogates
                // refused): one check, not two.
                let len = pyo3::ffi::Py_ssize_t::try_from(raw.len()).map_err(|_| Fail("string"))?;
                // SAFETY: `raw` is valid for `len` bytes; the GIL is held (`py`); a new
                // reference or NULL with an exception set comes back.
                unsafe {
                    let s =
                        pyo3::ffi::PyUnicode_DecodeUTF8(raw.as_ptr().cast(), len, std::ptr::null());
                    Bound::from_owned_ptr_or_err(py, s).map_err(|_| Fail("invalid unicode"))
                }
            }
            b't' => self.literal(b"true", || {
                pyo3::types::PyBool::new(py, true).to_owned().into_any()
            }),
            b'f' => self.literal(b"false", || {
                pyo3::types::PyBool::new(py, false).to_owned().into_any()
            }),
            b'n' => self.literal(b"null", || py.None().into_bound(py)),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(Fail("expected value")),
        }
    }

    fn literal(
        &mut self,
        word: &[u8],
        make: impl FnOnce() -> Bound<'py, PyAny>,
    ) -> R<Bound<'py, PyAny>> {
        if self.b[self.i..].starts_with(word) {
            self.i += word.len();
            Ok(make())
        } else {
            Err(Fail("expected value"))
        }
    }

    fn object(&mut self, depth: usize) -> R<Bound<'py, PyAny>> {
        let empty = self.open(depth, b'}')?;
        let dict = PyDict::new(self.py);
        if !empty {
            loop {
                self.ws();
                if self.peek() != Some(b'"') {
                    return Err(Fail("key must be a string"));
                }
                self.i += 1;
                let key = self.key()?;
                self.ws();
                if self.peek() != Some(b':') {
                    return Err(Fail("expected ':'"));
                }
                self.i += 1;
                let value = self.value(depth)?;
                dict.set_item(key, value).map_err(|_| Fail("dict"))?;
                if !self.more(b'}', "expected ',' or '}'")? {
                    break;
                }
            }
        }
        Ok(dict.into_any())
    }

    fn array(&mut self, depth: usize) -> R<Bound<'py, PyAny>> {
        let empty = self.open(depth, b']')?;
        let list = PyList::empty(self.py);
        if !empty {
            loop {
                let v = self.value(depth)?;
                list.append(v).map_err(|_| Fail("list"))?;
                if !self.more(b']', "expected ',' or ']'")? {
                    break;
                }
            }
        }
        Ok(list.into_any())
    }

    /// Past an object's or array's opening bracket (refused beyond the nesting limit):
    /// whether it is empty (its `close` consumed too).
    fn open(&mut self, depth: usize, close: u8) -> R<bool> {
        if depth >= MAX_DEPTH {
            return Err(Fail("recursion limit exceeded"));
        }
        self.i += 1;
        self.ws();
        let empty = self.peek() == Some(close);
        if empty {
            self.i += 1;
        }
        Ok(empty)
    }

    /// After an item: whether another follows (`,` consumed), or the container ends
    /// (`close` consumed); anything else is the error `expected`.
    fn more(&mut self, close: u8, expected: &'static str) -> R<bool> {
        self.ws();
        match self.peek() {
            Some(b',') => {
                self.i += 1;
                Ok(true)
            }
            Some(c) if c == close => {
                self.i += 1;
                Ok(false)
            }
            _ => Err(Fail(expected)),
        }
    }

    /// An object's key (after its opening quote), from the key table when there is one.
    fn key(&mut self) -> R<Bound<'py, PyString>> {
        let py = self.py;
        let raw = self.string()?.of(self.b, &self.scratch);
        let key = match self.keys.as_deref_mut() {
            Some(keys) => keys.get(py, raw),
            None => std::str::from_utf8(raw)
                .ok()
                .map(|k| PyString::intern(py, k)),
        };
        key.ok_or(Fail("invalid unicode"))
    }

    /// Where a string's UTF-8 bytes (not checked yet) are, after its opening quote; the
    /// position ends past the closing one.
    fn string(&mut self) -> R<Span> {
        let start = self.i;
        // The common case: no escape. Find the end, refusing control characters.
        loop {
            match self.b.get(self.i) {
                None => return Err(Fail("EOF while parsing a string")),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(Span::Input(start, self.i - 1));
                }
                Some(b'\\') => break,
                Some(0..=0x1f) => return Err(Fail("control character in a string")),
                Some(_) => self.i += 1,
            }
        }
        // Escapes: unescape into the scratch buffer.
        self.scratch.clear();
        self.scratch.extend_from_slice(&self.b[start..self.i]);
        loop {
            match self.b.get(self.i) {
                None => return Err(Fail("EOF while parsing a string")),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(Span::Scratch);
                }
                Some(b'\\') => {
                    self.i += 1;
                    let c = *self
                        .b
                        .get(self.i)
                        .ok_or(Fail("EOF while parsing a string"))?;
                    self.i += 1;
                    let simple = match c {
                        b'"' => b'"',
                        b'\\' => b'\\',
                        b'/' => b'/',
                        b'b' => 0x08,
                        b'f' => 0x0c,
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'u' => {
                            let ch = self.unicode_escape()?;
                            let mut buf = [0u8; 4];
                            self.scratch
                                .extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                            continue;
                        }
                        _ => return Err(Fail("invalid escape")),
                    };
                    self.scratch.push(simple);
                }
                Some(0..=0x1f) => return Err(Fail("control character in a string")),
                Some(&b) => {
                    self.scratch.push(b);
                    self.i += 1;
                }
            }
        }
    }

    fn hex4(&mut self) -> R<u16> {
        let digits = self
            .b
            .get(self.i..self.i + 4)
            .ok_or(Fail("EOF while parsing a string"))?;
        let mut v = 0u16;
        for &d in digits {
            let n = match d {
                b'0'..=b'9' => d - b'0',
                b'a'..=b'f' => d - b'a' + 10,
                b'A'..=b'F' => d - b'A' + 10,
                _ => return Err(Fail("invalid escape")),
            };
            v = v * 16 + u16::from(n);
        }
        self.i += 4;
        Ok(v)
    }

    /// After `\u`: one character, a surrogate pair joined; a lone surrogate is refused.
    fn unicode_escape(&mut self) -> R<char> {
        let first = self.hex4()?;
        match first {
            0xD800..=0xDBFF => {
                if self.b.get(self.i..self.i + 2) != Some(b"\\u") {
                    return Err(Fail("lone leading surrogate"));
                }
                self.i += 2;
                let second = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(Fail("lone leading surrogate"));
                }
                let c =
                    0x10000 + ((u32::from(first) - 0xD800) << 10) + (u32::from(second) - 0xDC00);
                char::from_u32(c).ok_or(Fail("invalid escape"))
            }
            0xDC00..=0xDFFF => Err(Fail("lone trailing surrogate")),
            c => char::from_u32(u32::from(c)).ok_or(Fail("invalid escape")),
        }
    }

    fn number(&mut self) -> R<Bound<'py, PyAny>> {
        let start = self.i;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                while let Some(b'0'..=b'9') = self.peek() {
                    self.i += 1;
                }
            }
            _ => return Err(Fail("invalid number")),
        }
        let int_end = self.i;
        let mut is_float = false;
        if self.peek() == Some(b'.') {
            self.i += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(Fail("invalid number"));
            }
            while let Some(b'0'..=b'9') = self.peek() {
                self.i += 1;
            }
            is_float = true;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(Fail("invalid number"));
            }
            while let Some(b'0'..=b'9') = self.peek() {
                self.i += 1;
            }
            is_float = true;
        }
        // The text is ASCII digits and signs: valid UTF-8.
        let text =
            std::str::from_utf8(&self.b[start..self.i]).map_err(|_| Fail("invalid number"))?;
        let py = self.py;
        if !is_float {
            let digits = &self.b[if negative { start + 1 } else { start }..int_end];
            let mut v: u64 = 0;
            let mut fits = true;
            for &d in digits {
                match v
                    .checked_mul(10)
                    .and_then(|v| v.checked_add(u64::from(d - b'0')))
                {
                    Some(n) => v = n,
                    None => {
                        fits = false;
                        break;
                    }
                }
            }
            if fits {
                if !negative {
                    return Ok(PyInt::new(py, v).into_any());
                }
                if v == 0 {
                    return Ok(PyFloat::new(py, -0.0).into_any()); // serde_json keeps the sign
                }
                if v <= i64::MAX as u64 + 1 {
                    return Ok(PyInt::new(py, (v as i64).wrapping_neg()).into_any());
                }
            }
            // Too large for 64 bits: a float, as serde_json makes it.
        }
        let f: f64 = text.parse().map_err(|_| Fail("invalid number"))?;
        if !f.is_finite() {
            return Err(Fail("number out of range"));
        }
        Ok(PyFloat::new(py, f).into_any())
    }
}
