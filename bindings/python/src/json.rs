//! JSON ↔ Python objects, without an intermediate tree: response bodies are parsed straight
//! into dicts, lists, strs, ints and floats (pydantic's `jiter` reads the text, [`loads`]
//! makes the objects, object keys from a small per-thread table of interned strings; a serde
//! visitor for values the core already parsed), and Python objects are serialized straight
//! into the request body.
//!
//! jiter is used without its `python` feature: that feature does not build for the limited
//! API of Python 3.9 (the abi3-py39 wheel), and its string cache would pay for a `bytes`
//! object on every hit there (pyo3 compares a `str` through `PyUnicode_AsUTF8String` below
//! 3.10's limited API). The table below compares the key's bytes in Rust instead.
//!
//! [`loads`] accepts what `serde_json::from_slice::<Value>` — the core's parser — accepts
//! (RFC 8259 with serde_json's limits: nesting up to 127, numbers out of the f64 range
//! refused, invalid UTF-8 and lone surrogates refused), and gives the same values: integers as
//! `int` when they fit in i64/u64, otherwise — like every number with a fraction or an
//! exponent — as `float`; `-0` as the float `-0.0`. One difference: jiter refuses a number
//! whose integer part has more than 4,300 digits, which serde_json reads when an exponent
//! brings it back into range; the caller falls back to serde_json whenever `loads` refuses
//! (see `body_json` in lib.rs), so answers get the core's value or the core's error.
//! `bindings/python/tests/test_json.py` checks both properties against the serde_json path
//! on generated documents (through `_native._json_loads`).

use std::borrow::Cow;

use jiter::{Jiter, JiterError, Peek};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::ser::{self, Serialize, SerializeMap, SerializeSeq};

/// serde_json's nesting limit: 127 arrays and objects inside one another parse, 128 do not.
const MAX_DEPTH: usize = 128;

/// Why [`loads`] refused a text (a message for the tests: answers get the core's error).
enum Fail {
    Jiter(JiterError),
    Other(&'static str),
}

impl From<JiterError> for Fail {
    fn from(e: JiterError) -> Self {
        Fail::Jiter(e)
    }
}

impl From<PyErr> for Fail {
    fn from(_: PyErr) -> Self {
        Fail::Other("a Python object could not be made")
    }
}

type R<T> = Result<T, Fail>;

/// Parses JSON bytes into Python objects (jiter's reader, serde_json's values). `Err`
/// carries a short reason.
pub fn loads<'py>(py: Python<'py>, bytes: &[u8]) -> Result<Bound<'py, PyAny>, String> {
    let mut jiter = Jiter::new(bytes);
    let parsed = jiter
        .peek()
        .map_err(Fail::from)
        .and_then(|peek| value(py, &mut jiter, peek, 0))
        .and_then(|v| {
            jiter.finish()?;
            Ok(v)
        });
    parsed.map_err(|e| match e {
        Fail::Jiter(e) => e.description(&jiter),
        Fail::Other(text) => text.to_owned(),
    })
}

/// The value `peek` starts, `depth` arrays and objects deep.
fn value<'py>(
    py: Python<'py>,
    j: &mut Jiter<'_>,
    peek: Peek,
    depth: usize,
) -> R<Bound<'py, PyAny>> {
    Ok(match peek {
        Peek::Null => {
            j.known_null()?;
            py.None().into_bound(py)
        }
        Peek::True | Peek::False => PyBool::new(py, j.known_bool(peek)?).to_owned().into_any(),
        Peek::String => PyString::new(py, j.known_str()?).into_any(),
        Peek::Array => {
            let depth = nested(depth)?;
            let list = PyList::empty(py);
            let mut next = j.known_array()?;
            while let Some(peek) = next {
                list.append(value(py, j, peek, depth)?)?;
                next = j.array_step()?;
            }
            list.into_any()
        }
        Peek::Object => {
            let depth = nested(depth)?;
            let dict = PyDict::new(py);
            let mut key = j.known_object()?.map(|k| key_string(py, k));
            while let Some(k) = key {
                let peek = j.peek()?;
                dict.set_item(k, value(py, j, peek, depth)?)?;
                key = j.next_key()?.map(|k| key_string(py, k));
            }
            dict.into_any()
        }
        // A number, or not a value (jiter says which).
        _ => number(py, j.known_number_bytes(peek)?)?,
    })
}

/// One level deeper, unless that passes serde_json's limit.
fn nested(depth: usize) -> R<usize> {
    if depth + 1 >= MAX_DEPTH {
        return Err(Fail::Other("recursion limit exceeded"));
    }
    Ok(depth + 1)
}

/// A number's text (checked by jiter: `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`) as
/// serde_json makes it: an integer that fits in u64 (or, negative, in i64) is an `int`, `-0`
/// is `-0.0`, everything else a `float` (correctly rounded; out of range refused).
fn number<'py>(py: Python<'py>, text: &[u8]) -> R<Bound<'py, PyAny>> {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    if digits.iter().all(u8::is_ascii_digit) {
        let fits = digits.iter().try_fold(0u64, |v, &d| {
            v.checked_mul(10)?.checked_add(u64::from(d - b'0'))
        });
        match (fits, negative) {
            (Some(v), false) => return Ok(PyInt::new(py, v).into_any()),
            (Some(0), true) => return Ok(PyFloat::new(py, -0.0).into_any()), // serde_json keeps the sign
            (Some(v), true) if v <= i64::MAX as u64 + 1 => {
                return Ok(PyInt::new(py, (v as i64).wrapping_neg()).into_any())
            }
            _ => {} // too large for 64 bits: a float, as serde_json makes it
        }
    }
    // ASCII digits, signs, '.', 'e' and 'E' only: valid UTF-8.
    let text = std::str::from_utf8(text).map_err(|_| Fail::Other("invalid number"))?;
    let f: f64 = text.parse().map_err(|_| Fail::Other("invalid number"))?;
    if !f.is_finite() {
        return Err(Fail::Other("number out of range"));
    }
    Ok(PyFloat::new(py, f).into_any())
}

/// The same through serde_json (the reference the parser is tested against, and what an
/// answer [`loads`] refused is read with).
pub fn loads_serde<'py>(py: Python<'py>, bytes: &[u8]) -> Result<Bound<'py, PyAny>, String> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = PySeed(py).deserialize(&mut de).map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())?;
    Ok(value)
}

/// A serde_json value (already parsed, e.g. an API error's `value`) as a Python object.
pub fn value_to_py<'py>(py: Python<'py>, v: &serde_json::Value) -> Bound<'py, PyAny> {
    PySeed(py)
        .deserialize(v)
        .unwrap_or_else(|_| py.None().into_bound(py))
}

#[derive(Clone, Copy)]
struct PySeed<'py>(Python<'py>);

impl<'de, 'py> DeserializeSeed<'de> for PySeed<'py> {
    type Value = Bound<'py, PyAny>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, 'py> Visitor<'de> for PySeed<'py> {
    type Value = Bound<'py, PyAny>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(self.0.None().into_bound(self.0))
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(PyBool::new(self.0, v).to_owned().into_any())
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(PyInt::new(self.0, v).into_any())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(PyInt::new(self.0, v).into_any())
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(PyFloat::new(self.0, v).into_any())
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(PyString::new(self.0, v).into_any())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let list = PyList::empty(self.0);
        while let Some(item) = seq.next_element_seed(self)? {
            list.append(item).map_err(de::Error::custom)?;
        }
        Ok(list.into_any())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let dict = PyDict::new(self.0);
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            let value = map.next_value_seed(self)?;
            dict.set_item(key_string(self.0, &key), value)
                .map_err(de::Error::custom)?;
        }
        Ok(dict.into_any())
    }
}

/// The keys met lately, as interned Python strings: the platform's answers repeat the same
/// few dozen keys, and a hit here skips making and interning a string.
struct Keys(Vec<(Box<str>, Py<PyString>)>);

thread_local! {
    /// This thread's [`Keys`].
    static KEYS: std::cell::RefCell<Keys> = const { std::cell::RefCell::new(Keys(Vec::new())) };
}

/// How many keys [`Keys`] holds (a table indexed by a hash of the key, one key per slot).
const KEYS_LEN: usize = 512;

impl Keys {
    /// The key as an interned Python string, from the table when it was met lately.
    fn get<'py>(&mut self, py: Python<'py>, key: &str) -> Bound<'py, PyString> {
        let slot = key.bytes().fold(key.len(), |h, b| {
            h.wrapping_mul(31).wrapping_add(b as usize)
        }) % KEYS_LEN;
        if self.0.is_empty() {
            self.0.resize_with(KEYS_LEN, || {
                (Box::from(""), PyString::intern(py, "").unbind())
            });
        }
        let (known, string) = &mut self.0[slot];
        if **known == *key {
            return string.bind(py).clone();
        }
        let fresh = PyString::intern(py, key);
        *known = Box::from(key);
        *string = fresh.clone().unbind();
        fresh
    }
}

/// A JSON object's key as an interned Python string, from this thread's [`Keys`] (unless a
/// parse further up this thread's stack holds them: making Python objects can run Python code,
/// a finalizer, that parses on this thread).
fn key_string<'py>(py: Python<'py>, key: &str) -> Bound<'py, PyString> {
    KEYS.with(|keys| match keys.try_borrow_mut() {
        Ok(mut keys) => keys.get(py, key),
        Err(_) => PyString::intern(py, key),
    })
}

/// Serializes a Python object (dict, list, tuple, str, int, float, bool, None) to JSON bytes.
pub fn dumps(obj: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    serde_json::to_vec(&Ser(obj)).map_err(|e| PyTypeError::new_err(e.to_string()))
}

struct Ser<'a, 'py>(&'a Bound<'py, PyAny>);

impl Serialize for Ser<'_, '_> {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let o = self.0;
        if o.is_none() {
            return s.serialize_unit();
        }
        if let Ok(b) = o.cast::<PyBool>() {
            return s.serialize_bool(b.is_true());
        }
        if let Ok(i) = o.cast::<PyInt>() {
            if let Ok(v) = i.extract::<i64>() {
                return s.serialize_i64(v);
            }
            return match i.extract::<u64>() {
                Ok(v) => s.serialize_u64(v),
                Err(_) => Err(ser::Error::custom("an int is too large for JSON")),
            };
        }
        if let Ok(f) = o.cast::<PyFloat>() {
            let v = f.value();
            if !v.is_finite() {
                return Err(ser::Error::custom("NaN and infinity are not JSON"));
            }
            return s.serialize_f64(v);
        }
        if let Ok(t) = o.cast::<PyString>() {
            return s.serialize_str(&t.to_cow().map_err(ser::Error::custom)?);
        }
        if let Ok(d) = o.cast::<PyDict>() {
            let mut m = s.serialize_map(Some(d.len()))?;
            for (k, v) in d.iter() {
                let key = k
                    .cast::<PyString>()
                    .map_err(|_| ser::Error::custom("JSON object keys must be str"))?;
                m.serialize_entry(&*key.to_cow().map_err(ser::Error::custom)?, &Ser(&v))?;
            }
            return m.end();
        }
        if let Ok(l) = o.cast::<PyList>() {
            let mut q = s.serialize_seq(Some(l.len()))?;
            for v in l.iter() {
                q.serialize_element(&Ser(&v))?;
            }
            return q.end();
        }
        if let Ok(t) = o.cast::<PyTuple>() {
            let mut q = s.serialize_seq(Some(t.len()))?;
            for v in t.iter() {
                q.serialize_element(&Ser(&v))?;
            }
            return q.end();
        }
        let type_name = o
            .get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| "?".into());
        Err(ser::Error::custom(format!(
            "Object of type {type_name} is not JSON serializable"
        )))
    }
}
