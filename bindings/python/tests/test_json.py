"""The parser every answer goes through (jiter's reader and the objects of
bindings/python/src/json.rs) against serde_json, the core's parser: on generated documents —
valid ones, and mutations of them — both accept the same texts and give the same Python values
(types included); the one text jiter refuses and serde_json reads gets serde_json's value."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dcimanager
from conftest import FixedAnswer
from dcimanager._native import _json_loads


def parse(data: bytes, serde: bool) -> Any:
    try:
        return ("ok", _json_loads(data, serde))
    except ValueError:
        return ("error", None)


def same(a: Any, b: Any) -> bool:
    """Equal values of equal types (NaN never appears: JSON has none)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    return bool(a == b)


def check(data: bytes) -> None:
    fast, reference = parse(data, False), parse(data, True)
    assert fast[0] == reference[0], (data, fast, reference)
    assert same(fast[1], reference[1]), (data, fast, reference)


scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=600, deadline=None)
@given(documents, st.sampled_from([None, 0, 2]), st.booleans())
def test_valid_documents(doc: Any, indent: Any, ascii_only: bool) -> None:
    check(json.dumps(doc, indent=indent, ensure_ascii=ascii_only).encode())


@settings(max_examples=1500, deadline=None)
@given(documents, st.data())
def test_mutated_documents(doc: Any, data: Any) -> None:
    text = bytearray(json.dumps(doc, ensure_ascii=data.draw(st.booleans())).encode())
    for _ in range(data.draw(st.integers(1, 3))):
        op = data.draw(st.sampled_from(["replace", "insert", "delete"]))
        pos = data.draw(st.integers(0, len(text)))
        byte = data.draw(st.sampled_from(list(b'{}[],:"\\/ \t\n\x00\x1f-+.eE0123456789aeflnrstu') + [0x7F, 0xC3, 0xA9, 0xFF, 0xED, 0xA0, 0x80]))
        if op == "replace" and pos < len(text):
            text[pos] = byte
        elif op == "insert":
            text.insert(pos, byte)
        elif pos < len(text):
            del text[pos]
    check(bytes(text))


def test_edges() -> None:
    for text in [
        b"", b" ", b"0", b"-0", b"-0.0", b"01", b"1.", b".5", b"1e", b"1E+2", b"-", b"+1",
        b"18446744073709551615", b"18446744073709551616", b"-9223372036854775808",
        b"-9223372036854775809", b"1e308", b"1e309", b"-1e309", b"1e-400", b"123456789012345678901234567890",
        b'"\\ud83d\\ude00"', b'"\\ud83d"', b'"\\ude00"', b'"\\ud83dx"', b'"\\u00e9"', b'"\\x"',
        b'"a\x01"', b'"\xff"', b'"\xed\xa0\x80"', b'{"\xff":1}', b'{"\xed\xa0\x80":1}',
        b'"a\\n\xff"', b'{"a\\n\xc3":1}', b'{"\xc3\xa9":1,"\xc3\xa9":2}', b'{"a":1,}', b"[1,]", b"{} {}", b"[1] ", b"nul", b"truex",
        b'{"a":1,"a":2}', b"\x0b1", b"[" * 127 + b"]" * 127, b"[" * 128 + b"]" * 128, b"[" * 129 + b"]" * 129,
        b"{\"a\":" * 127 + b"1" + b"}" * 127, b"{\"a\":" * 128 + b"1" + b"}" * 128,
    ]:
        check(text)


def test_what_jiter_refuses_and_serde_json_reads_gets_serde_jsons_value() -> None:
    # An integer part of more than 4,300 digits, brought back into range by its exponent.
    text = b"[1" + b"0" * 4400 + b"e-4390]"
    assert parse(text, False)[0] == "error"
    assert parse(text, True) == ("ok", [1e10])
    with FixedAnswer(200, [("Content-Type", "application/json")], text) as server:
        c = dcimanager.Client(server.url)
        assert c.get("x") == [1e10]
        assert c.request("GET", "x").json() == [1e10]
        assert c.get_all(["x", "y"]) == [[1e10], [1e10]]


def test_what_neither_reads_is_the_cores_decode_error() -> None:
    with FixedAnswer(200, [("Content-Type", "application/json")], b'{"a": "\xff"}') as server:
        c = dcimanager.Client(server.url)
        with pytest.raises(dcimanager.DecodeError) as info:
            c.get("x")
        assert info.value.status == 200 and "not valid JSON" in str(info.value)
        assert type(c.get_all(["x"], return_exceptions=True)[0]) is dcimanager.DecodeError
