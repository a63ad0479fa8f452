"""Property tests of the plans of dcimanager.compat's Session (sessions._Plan): a request
sent from the plan of an earlier one sends what the general way sends, and gives the same
Response, whatever changed in between — the request's headers and cookies (in place too,
order included), the session's settings, the adapters and their Retry, the environment's CA
bundle. Compared with a Session subclass that never makes a plan (it overrides a step).

No network: the native client is replaced by a fake that records what it is asked to send.
Also: Response.json()'s shortcut for the stdlib decoder gives what json.loads gives, and a
Response's attributes made on first read behave as plain attributes (copies included)."""

from __future__ import annotations

import copy
import json
import os
import tempfile
import warnings
from typing import Any, Dict, List, Tuple

import pytest
from conftest import REQUESTS_ENVIRONMENT

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from dcimanager.compat import (  # noqa: E402
    HTTPAdapter,
    JSONDecodeError,
    PreparedRequest,
    Response,
    Retry,
    Session,
    adapters,
    models,
)

SETTINGS = settings(max_examples=250, deadline=None)

_ENVIRONMENT = (*REQUESTS_ENVIRONMENT, "NETRC")


class FakeAnswer:
    """What the native client answers (the attributes compat reads)."""

    def __init__(self, status: int, pairs: List[Tuple[str, str]], body: bytes) -> None:
        self.status = status
        self.raw_headers = pairs
        self.content = body
        self.attempts = 1
        self.retries_exhausted = status == 503

    @property
    def headers(self) -> Dict[str, str]:
        out: Dict[str, str] = {}
        for k, v in self.raw_headers:
            out[k] = f"{out[k]}, {v}" if k in out else v
        return out


#: The answers, by the last segment of the URL's path.
ANSWERS = {
    "json": (200, [("content-type", "application/json")], b'{"id": 1, "name": "x"}'),
    "text": (200, [("content-type", "text/plain; charset=utf-8")], b"hello"),
    "moved": (302, [("location", "/elsewhere")], b""),
    "busy": (503, [("content-type", "application/json")], b'{"error": "busy"}'),
    "cookie": (200, [("set-cookie", "a=1; Path=/"), ("content-type", "application/json")], b"1"),
}


def fake_client_class(log: List[Any]) -> Any:
    class FakeClient:
        def __init__(self, origin: str, verify: Any = True, **kwargs: Any) -> None:
            self.origin, self.verify, self.policy = origin, verify, None

        def _set_retry(self, **policy: Any) -> None:
            self.policy = tuple(
                sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in policy.items())
            )

        def _request_raw(self, method: str, url: str, headers: Any, body: Any, timeout: Any,
                         connect_timeout: Any) -> FakeAnswer:
            log.append((self.origin, self.verify, self.policy, method, url, list(headers), body,
                        timeout, connect_timeout))
            status, pairs, content = ANSWERS[url.rsplit("/", 1)[-1].split("?")[0]]
            return FakeAnswer(status, list(pairs), content)

    return FakeClient


class GeneralSession(Session):
    """A Session that never makes a plan: it overrides a step of request()."""

    def _prepare(self, *args: Any) -> Any:
        return super()._prepare(*args)


HOSTS = ["http://a.example", "https://b.example"]
PATHS = ["json", "text", "moved", "busy", "cookie"]


def state_of(r: Response) -> Tuple[Any, ...]:
    """What a script can read of a Response."""
    req = r.request
    assert isinstance(req, PreparedRequest)
    try:
        parsed: Any = ("ok", r.json())
    except JSONDecodeError as e:
        parsed = ("error", str(e))
    return (
        r.status_code, r.reason, r.url, r.encoding, r.content, r.text, parsed, r.attempts,
        list(r.headers.items()), r.history, r.cookies.get_dict(), type(r.elapsed).__name__,
        r.is_redirect, r.ok, req.method, req.url, list(req.headers._store.items()), req.body,
        req.hooks,
    )


def send(s: Session, verb: str, url: str, kwargs: Dict[str, Any]) -> Response:
    """One place for both sessions' calls, so that their warnings point at the same line."""
    return s.get(url, **kwargs) if verb == "get" else s.request(verb, url, **kwargs)


def outcome(f: Any) -> Tuple[Any, ...]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # compat emits none; the garbage collector emits them for objects left by other tests,
        # inside whichever call it happens to run in (one twin's, not the other's).
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            result: Tuple[Any, ...] = ("ok", state_of(f()))
        except Exception as e:  # the class and message are what is compared
            result = ("error", type(e), str(e))
    return result + tuple((w.category, str(w.message), w.filename, w.lineno) for w in caught)


class World:
    """A session with the objects a script passes it, so that both can be changed."""

    def __init__(self, cls: type, log: List[Any], bundle: str) -> None:
        self.s = cls()
        self.log = log
        self.bundle = bundle
        self.retry = Retry(total=3, status_forcelist=[503], allowed_methods=["GET", "DELETE"])
        self.s.mount("https://", HTTPAdapter(max_retries=self.retry))
        self.headers: Dict[str, Any] = {"x-xsrf-token": "t", "isp-box-instance": "true"}
        self.cookies: Dict[str, Any] = {"ses6": "t"}
        self.hooked: List[int] = []

    def apply(self, op: Tuple[Any, ...]) -> Any:
        s, name, arg = self.s, op[0], op[1]
        if name == "send":
            verb, host, path, which_headers, which_cookies, verify, timeout = arg
            kwargs: Dict[str, Any] = {}
            if which_headers is not None:
                kwargs["headers"] = self.headers if which_headers == "shared" else dict(
                    reversed(list(self.headers.items())))
            if which_cookies is not None:
                kwargs["cookies"] = self.cookies if which_cookies == "shared" else {}
            if verify is not None:
                kwargs["verify"] = self.bundle if verify == "bundle" else verify
            if timeout is not None:
                kwargs["timeout"] = timeout
            result = outcome(lambda: send(s, verb, f"{host}/api/{path}", kwargs))
            sent = self.log[-1] if self.log else None
            self.log.clear()
            hooked = len(self.hooked)
            self.hooked.clear()
            return result, sent, hooked
        if name == "header":  # the request's headers dict, changed in place
            key, value = arg
            if value == "<move>":
                if key in self.headers:
                    self.headers[key] = self.headers.pop(key)
            elif value == "<del>":
                self.headers.pop(key, None)
            else:
                self.headers[key] = value
        elif name == "cookie":
            key, value = arg
            self.cookies[key] = value
        elif name == "session_header":
            key, value = arg
            if value is None:
                s.headers.pop(key, None)
            else:
                s.headers[key] = value
        elif name == "session_params":
            if arg:
                s.params["q"] = "1"
            else:
                s.params.clear()
        elif name == "session_cookie":
            s.cookies.set("jar", "1") if arg else s.cookies.clear()
        elif name == "hook":
            if arg:
                s.hooks["response"].append(lambda r, **kw: self.hooked.append(1))
            else:
                s.hooks["response"].clear()
        elif name == "verify":
            s.verify = self.bundle if arg == "bundle" else arg
        elif name == "trust_env":
            s.trust_env = arg
        elif name == "proxies":
            s.proxies = {"https": arg}
        elif name == "retry":
            attr, value = arg
            if attr == "forcelist":
                self.retry.status_forcelist.append(value)
            elif attr == "methods":
                self.retry.allowed_methods.append(value)
            elif attr == "replace":
                s.adapters["https://"].max_retries = Retry(value)
            else:
                setattr(self.retry, attr, value)
        elif name == "mount":
            s.mount(arg, HTTPAdapter(max_retries=Retry(1, status_forcelist=[503])))
        elif name == "reorder":
            s.adapters.move_to_end(arg, last=False) if arg in s.adapters else None
        elif name == "close":
            s.close()
        return None


#: The arguments of a request: each example draws a few and sends them over and over, so
#: that plans are made, used and outdated.
_SEND_ARGS = st.tuples(
    st.sampled_from(["get", "GET", "DELETE", "POST"]),
    st.sampled_from(HOSTS),
    st.sampled_from(PATHS),
    st.sampled_from(["shared", "shared", "reversed", None]),
    st.sampled_from(["shared", "shared", "empty", None]),
    st.sampled_from([None, None, True, False, "bundle"]),
    st.sampled_from([None, None, 5, (1, 2)]),
)
_SEND = st.tuples(st.just("send"), st.integers(0, 2))

_MUTATIONS = st.one_of(
    st.tuples(
        st.just("header"),
        st.tuples(
            st.sampled_from(["x-xsrf-token", "isp-box-instance", "Accept", "X-New"]),
            st.sampled_from(["t", "u", "<move>", "<del>", None, "bad\nvalue"]),
        ),
    ),
    st.tuples(st.just("cookie"), st.tuples(st.sampled_from(["ses6", "b"]),
                                            st.sampled_from(["t", "u"]))),
    st.tuples(st.just("session_header"), st.tuples(st.sampled_from(["Accept", "X-S"]),
                                                    st.sampled_from(["a/b", None]))),
    st.tuples(st.just("session_params"), st.booleans()),
    st.tuples(st.just("session_cookie"), st.booleans()),
    st.tuples(st.just("hook"), st.booleans()),
    st.tuples(st.just("verify"), st.sampled_from([True, False, None, "bundle"])),
    st.tuples(st.just("trust_env"), st.booleans()),
    st.tuples(st.just("proxies"), st.sampled_from(["", "http://proxy:3128"])),
    st.tuples(
        st.just("retry"),
        st.one_of(
            st.tuples(st.sampled_from(["total", "backoff_factor"]), st.sampled_from([0, 2, 5])),
            st.tuples(st.just("raise_on_status"), st.booleans()),
            st.tuples(st.just("forcelist"), st.sampled_from([429, 502])),
            st.tuples(st.just("methods"), st.sampled_from(["POST", "PUT"])),
            st.tuples(st.just("replace"), st.sampled_from([0, 2])),
        ),
    ),
    st.tuples(st.just("mount"), st.sampled_from(["https://b.example/", "http://a.example/api/"])),
    st.tuples(st.just("reorder"), st.sampled_from(["http://", "https://b.example/"])),
    st.tuples(st.just("close"), st.none()),
    st.tuples(st.just("env_bundle"), st.sampled_from([None, "bundle"])),
    st.tuples(st.just("env_proxy"), st.sampled_from(["", "http://proxy:3128"])),
)
#: Mostly requests, between changes.
_OPS = st.integers(0, 9).flatmap(lambda i: _SEND if i < 7 else _MUTATIONS)


class Twins:
    """The same operations on a planning Session and a GeneralSession, with a neutral
    environment (no proxy, no .netrc, no CA bundle unless an operation sets one)."""

    def __init__(self) -> None:
        self.bundle = tempfile.NamedTemporaryFile(suffix=".pem")
        self.saved = {k: os.environ.get(k) for k in _ENVIRONMENT}
        self.native = adapters._NativeClient
        for k in _ENVIRONMENT:
            os.environ.pop(k, None)
        os.environ["NETRC"] = self.bundle.name + ".absent"
        self.logs: Tuple[List[Any], List[Any]] = ([], [])
        self.worlds = []
        for cls, log in zip((Session, GeneralSession), self.logs):
            adapters._NativeClient = fake_client_class(log)  # type: ignore[misc]
            self.worlds.append(World(cls, log, self.bundle.name))

    def apply(self, op: Tuple[Any, ...]) -> None:
        if op[0] == "env_bundle":
            if op[1] is None:
                os.environ.pop("REQUESTS_CA_BUNDLE", None)
            else:
                os.environ["REQUESTS_CA_BUNDLE"] = self.bundle.name
            return
        if op[0] == "env_proxy":
            for name in ("HTTP_PROXY", "HTTPS_PROXY"):
                os.environ[name] = op[1]
            return
        results = []
        for world, log in zip(self.worlds, self.logs):
            adapters._NativeClient = fake_client_class(log)  # type: ignore[misc]
            results.append(world.apply(op))
        assert results[0] == results[1], op

    def planned_sends(self) -> int:
        return sum(p.used for m in self.worlds[0].s._plans.values() for p in m.values())

    def close(self) -> None:
        adapters._NativeClient = self.native  # type: ignore[misc]
        for k, v in self.saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        self.bundle.close()


@settings(max_examples=600, deadline=None)
@given(
    requests=st.lists(_SEND_ARGS, min_size=1, max_size=2),
    ops=st.lists(_OPS, min_size=5, max_size=60),
)
def test_planned_requests_equal_general_ones(
    requests: List[Tuple[Any, ...]], ops: List[Tuple[Any, ...]]
) -> None:
    twins = Twins()
    try:
        for op in ops:
            twins.apply(("send", requests[op[1] % len(requests)]) if op[0] == "send" else op)
    finally:
        twins.close()


#: Every change an operation makes, for the scenarios below.
CHANGES = [
    ("header", ("x-xsrf-token", "u")),
    ("header", ("x-xsrf-token", "<move>")),
    ("header", ("X-New", "v")),
    ("header", ("isp-box-instance", None)),
    ("header", ("x-xsrf-token", "bad\nvalue")),
    ("cookie", ("ses6", "u")),
    ("cookie", ("b", "t")),
    ("session_header", ("Accept", "a/b")),
    ("session_header", ("Accept", None)),
    ("session_params", True),
    ("session_cookie", True),
    ("hook", True),
    ("verify", False),
    ("verify", "bundle"),
    ("verify", None),
    ("trust_env", False),
    ("trust_env", True),
    ("proxies", ""),
    ("proxies", "http://proxy:3128"),
    ("retry", ("total", 5)),
    ("retry", ("backoff_factor", 2)),
    ("retry", ("raise_on_status", False)),
    ("retry", ("forcelist", 429)),
    ("retry", ("methods", "POST")),
    ("retry", ("replace", 2)),
    ("mount", "https://b.example/"),
    ("mount", "http://a.example/api/"),
    ("reorder", "http://"),
    ("close", None),
    ("env_bundle", "bundle"),
    ("env_bundle", None),
]

#: The state before the first request of a scenario.
SETUPS = [
    [],
    [("env_bundle", "bundle")],
    [("trust_env", False), ("env_proxy", "http://proxy:3128")],
]


@pytest.mark.parametrize("change", CHANGES, ids=[repr(c) for c in CHANGES])
@pytest.mark.parametrize(
    "request_args",
    [
        ("get", "https://b.example", "json", "shared", "shared", None, None),
        ("GET", "http://a.example", "json", "shared", "shared", True, 5),
        ("DELETE", "https://b.example", "json", "reversed", None, None, None),
        ("POST", "http://a.example", "busy", None, "empty", "bundle", (1, 2)),
    ],
)
@pytest.mark.parametrize("setup", SETUPS)
def test_a_plan_outdated_by_each_change(
    setup: List[Tuple[Any, ...]], change: Tuple[Any, ...], request_args: Any
) -> None:
    """A request sent from its plan, then after the change (then twice more)."""
    twins = Twins()
    try:
        for op in setup:
            twins.apply(op)
        for _ in range(3):
            twins.apply(("send", request_args))
        assert twins.planned_sends() == 1
        twins.apply(change)
        for _ in range(3):
            twins.apply(("send", request_args))
    finally:
        twins.close()


def test_plans_are_made_and_used() -> None:
    """The property above is not vacuous: a request repeated is sent from its plan."""
    log: List[Any] = []
    native = adapters._NativeClient
    adapters._NativeClient = fake_client_class(log)  # type: ignore[misc]
    try:
        s = Session()
        s.trust_env = False
        headers = {"x-xsrf-token": "t", "isp-box-instance": "true"}
        for _ in range(3):
            s.get("http://a.example/api/json", headers=headers, cookies={"ses6": "t"})
        (plan,) = s._plans["http://a.example/api/json"].values()
        assert plan.used
        headers["x-xsrf-token"] = "u"  # changed in place: the plan no longer applies
        r = s.get("http://a.example/api/json", headers=headers, cookies={"ses6": "t"})
        assert r.request is not None and r.request.headers["x-xsrf-token"] == "u"
        assert ("x-xsrf-token", "u") in log[-1][5]
    finally:
        adapters._NativeClient = native  # type: ignore[misc]


# --------------------------------------------------------------------------------------------
# Response.json(): the stdlib decoder's shortcut
# --------------------------------------------------------------------------------------------

_JSON_PIECES = st.sampled_from(
    ['{', '}', '[', ']', '"a"', '"\\u00e9"', '"\\ud800"', '1', '-0.5e3', 'true', 'null', 'NaN',
     ',', ':', ' ', '\n', '\t', '\r', '\ufeff', 'x', '"', '\\', '1e999', '\x00', 'é']
)


@SETTINGS
@given(pieces=st.lists(_JSON_PIECES, max_size=12))
def test_json_shortcut_equals_json_loads(pieces: List[str]) -> None:
    text = "".join(pieces)

    def outcome(f: Any) -> Tuple[Any, ...]:
        try:
            return ("ok", repr(f()))
        except json.JSONDecodeError as e:  # (compat's JSONDecodeError is one)
            return ("error", e.msg, e.doc, e.pos, str(e))

    want = outcome(lambda: json.loads(text))
    r = Response()
    r._content = text.encode("utf-8", "surrogatepass")
    r.encoding = "utf-8"
    assert outcome(r.json) == outcome(lambda: json.loads(r.text))
    if not text.startswith("\ufeff"):
        assert outcome(lambda: models._decode(text)) == want


def test_response_attributes_made_on_first_read() -> None:
    r = Response()
    r._lazy = {"source": {"content-type": "a"}, "elapsed_s": 0.5,
               "request_parts": ("GET", "http://x/", {"accept": ("Accept", "*/*")}, None)}
    twin = copy.copy(r)
    assert r.headers is twin.headers and r.request is twin.request and r.history is twin.history
    assert r.elapsed.total_seconds() == 0.5 and r.request is not None
    assert r.request.headers["ACCEPT"] == "*/*"
    r.request.headers["Accept"] = "x"  # a copy of the plan's store: the plan is unchanged
    assert r._lazy["request_parts"][2] == {"accept": ("Accept", "*/*")}
    twin.headers = None  # type: ignore[assignment]
    assert twin.headers is None and r.headers["Content-Type"] == "a"
    assert twin.request is r.request and twin.elapsed == r.elapsed
    r.history.append(1)  # type: ignore[arg-type]
    assert twin.history == [1]  # shared, as a shallow copy shares a list
    r.request = None
    assert r.request is None and twin.request is not None
    bare = Response()
    assert dict(bare.headers) == {} and bare.request is None and bare.elapsed.total_seconds() == 0
    assert bare.history == [] and bare.history is bare.history


def test_retry_changes_counted() -> None:
    retry = Retry(3)
    before = retry._changes
    retry.total = 3
    assert retry._changes != before
    before = retry._changes
    retry._core_policy_and_key("GET")  # (its cache is not a change)
    assert retry._changes == before
    with pytest.raises(AttributeError):
        retry.method_whitelist = ["GET"]  # a read-only property stays read-only
