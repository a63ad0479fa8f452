//! Checking JSON without building it: [`validate`] accepts exactly what `serde_json` parses
//! into a `Value` — strings must be valid UTF-8 and escapes valid (no lone surrogate) — yet
//! allocates nothing for the values it checks.
//!
//! (`serde::de::IgnoredAny` is not enough: it skips strings without looking at their bytes,
//! so it accepts `{"a":"\xff"}`.)

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// `Ok` when `bytes` is one valid JSON document (whitespace around it allowed).
pub(crate) fn validate(bytes: &[u8]) -> Result<(), serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    Check.deserialize(&mut de)?;
    de.end()
}

#[derive(Clone, Copy)]
struct Check;

impl<'de> DeserializeSeed<'de> for Check {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        // deserialize_any makes serde_json decode every string (UTF-8 and escapes checked).
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Check {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_borrowed_str<E>(self, _: &'de str) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(self)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key_seed(self)?.is_some() {
            map.next_value_seed(self)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::validate;

    #[test]
    fn accepts_what_serde_json_parses_and_nothing_else() {
        let cases: &[&[u8]] = &[
            br#"{"a":[1,2.5,-3,true,null,"x\u00e9\ud83d\ude00"]}"#,
            b" [] ",
            b"\"\"",
            b"{\"domain\":\"\xff\xfe\xfd\"}",
            b"{\"\xff\":1}",
            br#"{"a":"\ud800"}"#,
            br#"{"a":1,}"#,
            b"{} {}",
            b"",
            b"[1",
        ];
        for c in cases {
            let strict = serde_json::from_slice::<serde_json::Value>(c).is_ok();
            assert_eq!(
                validate(c).is_ok(),
                strict,
                "{:?}",
                String::from_utf8_lossy(c)
            );
        }
    }
}
