//! JSON ↔ Python objects, without an intermediate tree: response bodies are parsed straight
//! into dicts, lists, strs, ints and floats (parse.rs; a serde visitor for values the core
//! already parsed), and Python objects are serialized straight into the request body.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::ser::{self, Serialize, SerializeMap, SerializeSeq};

/// Parses JSON bytes into Python objects (the hand-written parser of parse.rs). `Err`
/// carries a short reason.
pub fn loads<'py>(py: Python<'py>, bytes: &[u8]) -> Result<Bound<'py, PyAny>, String> {
    crate::parse::loads(py, bytes).map_err(|e| e.0.to_owned())
}

/// The same through serde_json (the reference the parser is tested against).
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
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let value = map.next_value_seed(self)?;
            dict.set_item(key_string(self.0, &key), value)
                .map_err(de::Error::custom)?;
        }
        Ok(dict.into_any())
    }
}

/// The keys met lately, as interned Python strings: the platform's answers repeat the same
/// few dozen keys, and a hit here skips making and interning a string.
pub(crate) struct Keys(Vec<(Box<str>, Py<PyString>)>);

thread_local! {
    /// This thread's [`Keys`].
    pub(crate) static KEYS: std::cell::RefCell<Keys> =
        const { std::cell::RefCell::new(Keys(Vec::new())) };
}

/// How many keys [`Keys`] holds (a table indexed by a hash of the key, one key per slot).
const KEYS_LEN: usize = 512;

impl Keys {
    /// The key whose UTF-8 bytes are `raw` as an interned Python string, from the table
    /// when it was met lately; None when `raw` is not UTF-8.
    pub(crate) fn get<'py>(&mut self, py: Python<'py>, raw: &[u8]) -> Option<Bound<'py, PyString>> {
        let slot = raw.iter().fold(raw.len(), |h, &b| {
            h.wrapping_mul(31).wrapping_add(b as usize)
        }) % KEYS_LEN;
        if self.0.is_empty() {
            self.0.resize_with(KEYS_LEN, || {
                (Box::from(""), PyString::intern(py, "").unbind())
            });
        }
        let (known, string) = &mut self.0[slot];
        if known.as_bytes() == raw {
            return Some(string.bind(py).clone());
        }
        let key = std::str::from_utf8(raw).ok()?;
        let fresh = PyString::intern(py, key);
        *known = Box::from(key);
        *string = fresh.clone().unbind();
        Some(fresh)
    }
}

/// A JSON object's key as an interned Python string, from this thread's [`Keys`] (when
/// they are not in use further up this thread's stack).
pub(crate) fn key_string<'py>(py: Python<'py>, key: &str) -> Bound<'py, PyString> {
    KEYS.with(|keys| match keys.try_borrow_mut() {
        Ok(mut keys) => keys.get(py, key.as_bytes()),
        Err(_) => None,
    })
    .unwrap_or_else(|| PyString::intern(py, key))
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
