"""Property tests: where dcimanager.compat has a fast way and a general way of computing the
same thing (kept for speed on the common path), both give the same result, or the same error,
on any input. No network: these are pure functions."""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from dcimanager.compat import CaseInsensitiveDict, CookieJar, Response, Retry, models  # noqa: E402
from dcimanager.compat._prepare import (  # noqa: E402
    _check_header,
    _check_header_parts,
    _HeaderMemo,
    _merge_headers,
    _merge_headers_general,
    _prepare_url,
)
from dcimanager.compat.cookies import _merged_cookie_header, _request_cookie_header  # noqa: E402

SETTINGS = settings(max_examples=300, deadline=None)

# Header parts: mostly valid tokens, with the characters and types requests refuses or this
# package refuses (separators, line breaks, leading blanks, non-ASCII, bytes, None, ints).
_CHARS = st.sampled_from(list("aAbZ-x_1 :\r\n\té€") + ["Cookie", "x-xsrf-token"])
_TEXT = st.lists(_CHARS, max_size=5).map("".join)
_NAME = st.one_of(_TEXT, _TEXT.map(str.encode), st.sampled_from(["Accept", "accept", "X-A"]))
_VALUE = st.one_of(
    _TEXT, st.binary(max_size=4), st.none(), st.integers(0, 9), st.sampled_from(["v", "1"])
)


def outcome(f: Callable[[], Any]) -> Tuple[Any, ...]:
    """What a call gives: its result, or its exception's class and message."""
    try:
        return ("ok", f())
    except Exception as e:  # the class and message are what is compared
        return ("error", type(e), str(e))


def store_items(headers: CaseInsensitiveDict[Any]) -> List[Tuple[str, Tuple[Any, Any]]]:
    """A merged header dict as compared: its store, in order (names as given, values)."""
    return list(headers._store.items())


@SETTINGS
@given(
    session_pairs=st.lists(st.tuples(_NAME, _VALUE), max_size=4),
    request=st.one_of(st.none(), st.dictionaries(_NAME, _VALUE, max_size=4)),
    later=st.lists(st.tuples(_NAME, _VALUE), max_size=2),
)
def test_merged_headers_fast_equals_general(
    session_pairs: List[Tuple[Any, Any]],
    request: Optional[Dict[Any, Any]],
    later: List[Tuple[Any, Any]],
) -> None:
    session_headers: CaseInsensitiveDict[Any] = CaseInsensitiveDict()
    for name, value in session_pairs:
        if isinstance(name, str):
            session_headers[name] = value
    memo = _HeaderMemo()
    general = outcome(lambda: store_items(_merge_headers_general(session_headers, request)))
    for _ in range(2):  # with the memo cold, then warm
        fast = outcome(lambda: store_items(_merge_headers(session_headers, request, memo)))
        assert fast == general
    # The session's headers changed after they were validated: the memo must see it.
    for name, value in later:
        if isinstance(name, str):
            session_headers[name] = value
    general = outcome(lambda: store_items(_merge_headers_general(session_headers, request)))
    assert outcome(lambda: store_items(_merge_headers(session_headers, request, memo))) == general


_SHARED_MEMO = _HeaderMemo()


@SETTINGS
@given(request=st.dictionaries(_NAME, _VALUE, max_size=4))
def test_merged_headers_with_a_long_lived_memo(request: Dict[Any, Any]) -> None:
    """One session's memo across many requests: a pair once found valid stays valid, and an
    invalid one is never taken for valid."""
    session_headers: CaseInsensitiveDict[Any] = CaseInsensitiveDict({"Accept": "*/*"})
    general = outcome(lambda: store_items(_merge_headers_general(session_headers, request)))
    fast = outcome(lambda: store_items(_merge_headers(session_headers, request, _SHARED_MEMO)))
    assert fast == general


@SETTINGS
@given(name=_NAME, value=_VALUE)
def test_check_header_fast_equals_general(name: Any, value: Any) -> None:
    assert outcome(lambda: _check_header(name, value)) == outcome(
        lambda: _check_header_parts(name, value)
    )


@SETTINGS
@given(data=st.dictionaries(_TEXT, _VALUE, max_size=5))
def test_case_insensitive_dict_from_a_dict_equals_update(data: Dict[str, Any]) -> None:
    fast: CaseInsensitiveDict[Any] = CaseInsensitiveDict(data)
    general: CaseInsensitiveDict[Any] = CaseInsensitiveDict()
    general.update(data)
    assert store_items(fast) == store_items(general)


# Cookies: names and values the jar stores as given; domains, paths and flags that decide
# whether a cookie matches a request's URL.
_COOKIE_TEXT = st.sampled_from(["a", "b", "ses6", "A", "x y", ""])
_HOSTS = ["dci.example.com", "example.com", "other.org", "127.0.0.1"]
_COOKIE = st.fixed_dictionaries(
    {
        "name": _COOKIE_TEXT,
        "value": st.one_of(_COOKIE_TEXT, st.none()),
        "domain": st.sampled_from(["", "example.com", "dci.example.com", "other.org"]),
        "path": st.sampled_from(["/", "/api", "/api/", "/other"]),
        "secure": st.booleans(),
        "expires": st.sampled_from([None, 0.0, 4102444800.0]),  # (never, past, 2100)
    }
)
_REQUEST_COOKIES = st.one_of(
    st.none(),
    st.dictionaries(_COOKIE_TEXT, st.one_of(_COOKIE_TEXT, st.none()), max_size=3),
    st.just({"n": 1}),
    st.just([("a", "b")]),
)


def jar_of(cookies: List[Dict[str, Any]]) -> CookieJar:
    jar = CookieJar()
    for c in cookies:
        jar.set(c.pop("name"), c.pop("value"), **c)
    return jar


@SETTINGS
@given(
    session_cookies=st.lists(_COOKIE, max_size=4),
    request_cookies=_REQUEST_COOKIES,
    scheme=st.sampled_from(["http", "https"]),
    host=st.sampled_from(_HOSTS),
    path=st.sampled_from(["/", "/api/dci/v3/server/2", "/apix", "/other/x"]),
)
def test_request_cookie_header_fast_equals_general(
    session_cookies: List[Dict[str, Any]],
    request_cookies: Any,
    scheme: str,
    host: str,
    path: str,
) -> None:
    _, target = _prepare_url(f"{scheme}://{host}{path}", None)
    assert target is not None
    session_jar = jar_of([dict(c) for c in session_cookies])
    fast = outcome(lambda: _request_cookie_header(session_jar, request_cookies, target))
    general = outcome(lambda: _merged_cookie_header(session_jar, request_cookies, target))
    assert fast == general


_RETRY_ARGS = st.fixed_dictionaries(
    {
        "total": st.sampled_from([0, 3, 10, None]),
        "backoff_factor": st.sampled_from([0, 0.01, 0.5]),
        "status_forcelist": st.sampled_from([[503], [429, 503], [503, 429], []]),
        "allowed_methods": st.sampled_from([["GET"], ["POST", "GET"], ["GET", "POST"], None]),
    }
)


@SETTINGS
@given(a=_RETRY_ARGS, b=_RETRY_ARGS, method=st.sampled_from(["GET", "PUT"]))
def test_policy_numbers_are_equal_exactly_for_equal_policies(
    a: Dict[str, Any], b: Dict[str, Any], method: str
) -> None:
    """The number that stands for a core policy in the key of a session's native clients."""
    policy_a, number_a = Retry(**a)._core_policy_and_key(method)
    policy_b, number_b = Retry(**b)._core_policy_and_key(method)
    assert (number_a == number_b) == (policy_a == policy_b)


# Response.json(): the stdlib decoder's shortcut (see models._decode), on JSON texts and
# broken ones: blanks, a BOM, bad escapes, lone surrogates, extra data.
_JSON_PIECES = st.sampled_from(
    ['{', '}', '[', ']', '"a"', '"\\u00e9"', '"\\ud800"', '1', '-0.5e3', 'true', 'null', 'NaN',
     ',', ':', ' ', '\n', '\t', '\r', '\ufeff', 'x', '"', '\\', '1e999', '\x00', 'é']
)


@SETTINGS
@given(pieces=st.lists(_JSON_PIECES, max_size=12))
def test_json_shortcut_equals_json_loads(pieces: List[str]) -> None:
    text = "".join(pieces)

    def parsed(f: Callable[[], Any]) -> Tuple[Any, ...]:
        try:
            return ("ok", repr(f()))
        except json.JSONDecodeError as e:  # (compat's JSONDecodeError is one)
            return ("error", e.msg, e.doc, e.pos, str(e))

    r = Response()
    r._content = text.encode("utf-8", "surrogatepass")
    r.encoding = "utf-8"
    assert parsed(r.json) == parsed(lambda: json.loads(r.text))
    if not text.startswith("\ufeff"):
        assert parsed(lambda: models._decode(text)) == parsed(lambda: json.loads(text))
