"""dcimanager.compat side by side with real requests + urllib3 2.x on the same emulator.

Each scenario runs once with requests and once with the compat layer (a fresh session each,
the emulator's fault queue and request log reset in between) and compares what the emulator
saw (method, path, query, body, and the headers a script controls) and what the script got
(status, body, exception class). Where the compat layer differs on purpose (a POST is never
sent twice, redirects are not followed, a read timeout is the budget of the whole call), the
test asserts the difference explicitly.
"""

from __future__ import annotations

import copy
import datetime
import json
import socket
import threading
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, List, Optional

import pytest
from conftest import REQUESTS_ENVIRONMENT

pytest.importorskip("requests")
pytest.importorskip("urllib3")

import requests  # noqa: E402
import requests.adapters  # noqa: E402
import urllib3  # noqa: E402
from dcimanager import compat  # noqa: E402
from urllib3.util.retry import Retry as URetry  # noqa: E402

if int(urllib3.__version__.split(".")[0]) < 2:  # pragma: no cover
    pytest.skip("the side-by-side tests compare with urllib3 2.x", allow_module_level=True)


@dataclass
class Lib:
    """One implementation of the requests API: the real one or dcimanager.compat."""

    name: str
    Session: Any
    HTTPAdapter: Any
    Retry: Any
    exc: Any

    def __repr__(self) -> str:
        return self.name


REQ = Lib("requests", requests.Session, requests.adapters.HTTPAdapter, URetry, requests.exceptions)
COMPAT = Lib("compat", compat.Session, compat.HTTPAdapter, compat.Retry, compat)

# Headers that scripts like the platform's example control, plus the framing of the body.
CONTROLLED = ("x-xsrf-token", "cookie", "isp-box-instance", "content-type", "content-length")

SERVER = "/api/dci/v3/server/2"
BOOT_ORDER = "/api/dci/v3/setting/operation_change_boot_order"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """Both libraries read the environment (CA bundle, proxies, .netrc): make it neutral."""
    for name in REQUESTS_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))


@dataclass
class Outcome:
    """What one library did with one scenario."""

    status: Optional[int] = None
    content: Optional[bytes] = None
    content_type: Optional[str] = None
    exc: Optional[str] = None
    error: Any = None
    response: Any = None
    sent: List[dict] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)
    elapsed: float = 0.0

    def comparable(self) -> tuple:
        return (self.status, self.content, self.content_type, self.exc, self.sent)


def sent_requests(emu: Any, path_part: Optional[str] = None) -> List[dict]:
    """The API requests the emulator logged, reduced to what the script controls."""
    return [
        {
            "method": r["method"],
            "path": r["path"],
            "query": r["query"],
            "body": r["body"],
            "fault": r["fault"],
            "headers": {k: v for k, v in r["headers"].items() if k in CONTROLLED},
        }
        for r in emu.requests()
        if path_part is None or path_part in r["path"]
    ]


def run(emu: Any, lib: Lib, call: Callable[[Lib], Any], fault: Any = None) -> Outcome:
    emu.call("DELETE", "/emulator/faults")
    emu.clear_log()
    if fault is not None:
        emu.call("POST", "/emulator/faults", fault)
    out = Outcome()
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            r = call(lib)
            out.response = r
            out.status = r.status_code
            out.content = r.content
            out.content_type = r.headers.get("Content-Type")
        except Exception as e:  # the class is what is compared
            out.exc = type(e).__name__
            out.error = e
    out.elapsed = time.perf_counter() - start
    out.warnings = [w.category.__name__ for w in caught]
    out.sent = sent_requests(emu)
    return out


def both(emu: Any, call: Callable[[Lib], Any], fault: Any = None) -> "tuple[Outcome, Outcome]":
    return run(emu, REQ, call, fault), run(emu, COMPAT, call, fault)


def session(
    lib: Lib, emu: Any, retry: Any = None, prefix: str = "https://", verify: Any = None
) -> Any:
    s = lib.Session()
    s.verify = emu.ca if verify is None else verify
    if retry is not None:
        s.mount(prefix, lib.HTTPAdapter(max_retries=retry))
    return s


def auth(token: str) -> dict:
    """The headers and cookies of the platform's example."""
    return {
        "headers": {"x-xsrf-token": token, "isp-box-instance": "true"},
        "cookies": {"ses6": token},
    }


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# --------------------------------------------------------------------------------------------
# Requests as sent, answers as received
# --------------------------------------------------------------------------------------------


def test_get_same_answer_and_same_headers(emulator: Any) -> None:
    tok = emulator.admin_token()
    r, c = both(
        emulator, lambda lib: session(lib, emulator).get(emulator.url + SERVER, **auth(tok))
    )
    assert r.status == 200 and r.exc is None
    assert r.comparable() == c.comparable()
    assert c.sent[0]["headers"] == {
        "x-xsrf-token": tok,
        "isp-box-instance": "true",
        "cookie": f"ses6={tok}",
    }
    assert c.response.json()["domain"] == "srv2.example.com"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"json": {"value": "true"}},
        {"data": {"value": "true", "list": ["a b", "c&d"]}},
        {"data": [("value", "true"), ("x", None)]},
        {"data": '{"value": "true"}'},
        {"data": b'{"value": "true"}'},
        {"data": '{"value": "true"}', "headers": {"Content-Type": "application/json"}},
        {"data": {}, "json": {"value": "true"}},
        {},
    ],
    ids=[
        "json",
        "form-dict",
        "form-pairs",
        "str",
        "bytes",
        "str-with-type",
        "empty-data-json",
        "no-body",
    ],
)
def test_post_bodies_and_content_type(emulator: Any, kwargs: dict) -> None:
    tok = emulator.admin_token()

    def call(lib: Lib) -> Any:
        a = auth(tok)
        a["headers"].update(kwargs.get("headers", {}))
        rest = {k: v for k, v in kwargs.items() if k != "headers"}
        return session(lib, emulator).post(emulator.url + BOOT_ORDER, **a, **rest)

    r, c = both(emulator, call)
    assert r.exc is None and len(r.sent) == 1
    assert r.comparable() == c.comparable()


def test_delete_and_put_like_requests(emulator: Any) -> None:
    tok = emulator.admin_token()
    for verb in ("delete", "put", "patch", "options", "head"):

        def call(lib: Lib, verb: str = verb) -> Any:
            url = emulator.url + "/api/auth/v4/token/nope"
            return getattr(session(lib, emulator), verb)(url, **auth(tok))

        r, c = both(emulator, call)
        assert r.comparable() == c.comparable(), verb


def test_params_merged_and_encoded_like_requests(emulator: Any) -> None:
    tok = emulator.admin_token()

    def call(lib: Lib) -> Any:
        s = session(lib, emulator)
        s.params = {"orderby": "id desc", "limit": "9"}
        return s.get(
            emulator.url + "/api/dci/v3/server?x=1",
            params={
                "where": "(owner_email IS null) AND domain CP '%srv1%'",
                "limit": "0,3",
                "n": None,
            },
            **auth(tok),
        )

    r, c = both(emulator, call)
    assert r.status == 200
    assert r.comparable() == c.comparable()
    assert r.response.url == c.response.url


def test_headers_merged_like_requests(emulator: Any) -> None:
    tok = emulator.admin_token()

    def call(lib: Lib) -> Any:
        s = session(lib, emulator)
        s.headers.update(
            {"X-XSRF-Token": "stale", "isp-box-instance": "true", "Content-Type": "text/x"}
        )
        return s.get(
            emulator.url + SERVER,
            headers={"x-xsrf-token": tok, "content-type": None},
            cookies={"ses6": tok},
        )

    r, c = both(emulator, call)
    assert r.status == 200
    assert r.comparable() == c.comparable()
    assert "content-type" not in c.sent[0]["headers"]


def test_cookies_of_session_and_request_merged_like_requests(emulator: Any) -> None:
    tok = emulator.admin_token()

    def call(lib: Lib) -> Any:
        s = session(lib, emulator)
        s.cookies.set("ses6", "old")
        s.cookies.set("lang", "en")
        s.cookies["theme"] = "dark"
        r = s.get(emulator.url + SERVER, headers={"x-xsrf-token": tok}, cookies={"ses6": tok})
        assert s.cookies.get_dict() == {"ses6": "old", "lang": "en", "theme": "dark"}
        return r

    r, c = both(emulator, call)
    assert r.status == 200
    assert r.comparable() == c.comparable()


def test_explicit_cookie_header_wins_like_requests(emulator: Any) -> None:
    tok = emulator.admin_token()

    def call(lib: Lib) -> Any:
        s = session(lib, emulator)
        s.cookies.set("lang", "en")
        return s.get(
            emulator.url + SERVER,
            headers={"x-xsrf-token": tok, "Cookie": f"ses6={tok}"},
            cookies={"other": "1"},
        )

    r, c = both(emulator, call)
    assert r.comparable() == c.comparable()


def _sso_key(emu: Any, token: str) -> str:
    import urllib.request

    req = urllib.request.Request(
        emu.url + "/api/auth/v4/user/client@example.com/key",
        data=b"{}",
        method="POST",
        headers={"x-xsrf-token": token, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, context=emu._ssl, timeout=10) as resp:
        return str(json.loads(resp.read())["key"])


@pytest.mark.parametrize("tls", [True, False], ids=["https", "http-secure-cookie-kept-back"])
def test_set_cookie_stored_in_session_like_requests(
    emulator: Any, plain_emulator: Any, tls: bool
) -> None:
    emu = emulator if tls else plain_emulator
    key = _sso_key(emu, emu.admin_token())

    def call(lib: Lib) -> Any:
        s = session(lib, emu)
        first = s.get(f"{emu.url}/auth/key-v4/{key}", allow_redirects=False)
        assert first.status_code == 302
        token = first.cookies["ses6"]
        assert s.cookies.get("ses6") == token
        assert first.cookies.get_dict() == {"ses6": token}
        second = s.get(emu.url + "/api/auth/v4/whoami")
        # the Secure cookie travels over HTTPS only, as in requests
        expected = f"ses6={token}" if tls else None
        assert second.request.headers.get("Cookie") == expected
        return second

    r, c = both(emu, call)
    assert r.exc is None and c.exc is None, (r.error, c.error)
    assert (r.status, c.status) == ((200, 200) if tls else (401, 401))
    assert [x["path"] for x in r.sent] == [x["path"] for x in c.sent]


def test_response_attributes_like_requests(emulator: Any) -> None:
    tok = emulator.admin_token()
    for path in (SERVER, "/api/dci/v3/server/999999"):

        def call(lib: Lib, path: str = path) -> Any:
            return session(lib, emulator).get(emulator.url + path, params={"a": "1"}, **auth(tok))

        r, c = both(emulator, call)
        rr, cr = r.response, c.response
        for attr in (
            "status_code",
            "ok",
            "reason",
            "url",
            "encoding",
            "text",
            "content",
            "history",
            "is_redirect",
        ):
            assert getattr(rr, attr) == getattr(cr, attr), attr
        assert bool(rr) == bool(cr) and repr(rr) == repr(cr)
        assert rr.json() == cr.json()
        assert (
            rr.headers["CONTENT-TYPE"] == cr.headers["CONTENT-TYPE"] == cr.headers["content-type"]
        )
        assert isinstance(cr.elapsed, datetime.timedelta)
        assert (cr.request.method, cr.request.url) == (rr.request.method, rr.request.url)
        assert cr.request.headers["x-xsrf-token"] == tok
        errors: List[Any] = []
        for resp in (rr, cr):
            try:
                resp.raise_for_status()
                errors.append(None)
            except (
                requests.HTTPError,
                compat.HTTPError,
            ) as e:  # the class name and message are compared
                errors.append((type(e).__name__, str(e), e.response is resp))
        assert errors[0] == errors[1]


def test_client_pooled_and_reused(emulator: Any) -> None:
    """Five requests of one session share one connection, in both."""
    tok = emulator.admin_token()
    opened = []
    for lib in (REQ, COMPAT):
        before = emulator.stats()["connections"]
        with lib.Session() as s:
            s.verify = emulator.ca
            for _ in range(5):
                assert s.get(emulator.url + SERVER, **auth(tok)).status_code == 200
            if lib is COMPAT:
                assert len(s._clients) == 1
        opened.append(emulator.stats()["connections"] - before)
    assert opened[0] == opened[1] <= 2  # one for the session (+ the stats call itself)


def test_changes_between_requests_apply_like_requests(emulator: Any) -> None:
    """What a script changes between two identical calls applies to the second, in both: the
    headers and cookies dicts it passes (changed in place), the session's headers, and the
    mounted adapter's Retry."""
    tok = emulator.admin_token()

    def call(lib: Lib) -> Any:
        retry = retry_503(lib, total=0)
        s = session(lib, emulator, retry)
        headers = {"x-xsrf-token": "stale"}
        cookies = {"ses6": "stale"}
        for _ in range(2):
            assert s.get(emulator.url + SERVER, headers=headers, cookies=cookies).status_code == 401
        headers["x-xsrf-token"] = tok
        cookies["ses6"] = tok
        s.headers["isp-box-instance"] = "true"
        retry.total = 2
        emulator.fault(kind="503", count=2)
        return s.get(emulator.url + SERVER, headers=headers, cookies=cookies)

    r, c = both(emulator, call)
    assert r.exc is None and c.exc is None, (r.error, c.error)
    assert r.status == 200 and len(r.sent) == 5  # two 401s, two 503s retried, the answer
    assert r.comparable() == c.comparable()
    assert c.sent[-1]["headers"] == {
        "x-xsrf-token": tok,
        "cookie": f"ses6={tok}",
        "isp-box-instance": "true",
    }


# --------------------------------------------------------------------------------------------
# Faults: same exception classes, same retry counts
# --------------------------------------------------------------------------------------------


def retry_503(lib: Lib, **kw: Any) -> Any:
    args = dict(total=2, status_forcelist=[503], backoff_factor=0.001)
    args.update(kw)
    return lib.Retry(**args)


def test_503_beyond_retries_raises_retry_error(emulator: Any) -> None:
    tok = emulator.admin_token()
    r, c = both(
        emulator,
        lambda lib: session(lib, emulator, retry_503(lib)).get(emulator.url + SERVER, **auth(tok)),
        fault={"kind": "503", "count": 5},
    )
    assert r.exc == "RetryError" and len(r.sent) == 3
    assert r.comparable() == c.comparable()
    assert str(r.error) == str(c.error)
    assert isinstance(c.error, compat.RequestException)


def test_503_beyond_retries_without_raise_on_status_returns_last_answer(emulator: Any) -> None:
    tok = emulator.admin_token()
    r, c = both(
        emulator,
        lambda lib: session(lib, emulator, retry_503(lib, raise_on_status=False)).get(
            emulator.url + SERVER, **auth(tok)
        ),
        fault={"kind": "503", "count": 5},
    )
    assert r.status == 503 and len(r.sent) == 3
    assert r.comparable() == c.comparable()


def test_503_within_retries_for_post_like_the_platform_example(emulator: Any) -> None:
    tok = emulator.admin_token()

    def call(lib: Lib) -> Any:
        retry = lib.Retry(
            total=10,
            read=10,
            connect=10,
            backoff_factor=0.001,
            status_forcelist=[503],
            allowed_methods=["POST", "GET", "DELETE"],
        )
        return session(lib, emulator, retry).post(
            emulator.url + BOOT_ORDER, json={"value": "true"}, **auth(tok)
        )

    r, c = both(emulator, call, fault={"kind": "503", "count": 3})
    assert r.status == 200 and len(r.sent) == 4
    assert r.comparable() == c.comparable()


def test_status_and_total_counters_like_urllib3(emulator: Any) -> None:
    tok = emulator.admin_token()
    for kw in (
        {"total": 5, "status": 1},
        {"total": 1, "status": 5},
        {"total": 0},
        {"total": None, "status": 2},
    ):

        def call(lib: Lib, kw: Any = kw) -> Any:
            return session(lib, emulator, retry_503(lib, **kw)).get(
                emulator.url + SERVER, **auth(tok)
            )

        r, c = both(emulator, call, fault={"kind": "503", "count": 10})
        assert r.exc == "RetryError"
        assert r.comparable() == c.comparable(), kw


def test_status_forcelist_with_a_method_not_allowed(emulator: Any) -> None:
    tok = emulator.admin_token()
    r, c = both(
        emulator,
        lambda lib: session(lib, emulator, retry_503(lib, total=3, allowed_methods=["GET"])).post(
            emulator.url + BOOT_ORDER, json={"value": "true"}, **auth(tok)
        ),
        fault={"kind": "503", "count": 2},
    )
    assert r.status == 503 and len(r.sent) == 1
    assert r.comparable() == c.comparable()


def test_retry_after_honoured(emulator: Any) -> None:
    """Both wait the second the server asks for; run side by side in two threads (each on
    its own path) so the test takes one second, not two."""
    tok = emulator.admin_token()
    emulator.call(
        "POST",
        "/emulator/faults",
        [
            {"kind": "503", "count": 1, "retry_after": "1", "path": "server/2"},
            {"kind": "503", "count": 1, "retry_after": "1", "path": "server/3"},
        ],
    )
    results: dict = {}

    def go(lib: Lib, path: str) -> None:
        s = session(lib, emulator, retry_503(lib))
        start = time.perf_counter()
        status = s.get(emulator.url + path, **auth(tok)).status_code
        results[lib.name] = (status, time.perf_counter() - start)

    threads = [
        threading.Thread(target=go, args=(REQ, "/api/dci/v3/server/2")),
        threading.Thread(target=go, args=(COMPAT, "/api/dci/v3/server/3")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    for name in ("requests", "compat"):
        status, elapsed = results[name]
        assert status == 200 and 0.9 <= elapsed < 3, (name, elapsed)
    assert len(sent_requests(emulator, "server/2")) == len(sent_requests(emulator, "server/3")) == 2


def test_retry_after_ignored_when_not_respected(emulator: Any) -> None:
    tok = emulator.admin_token()
    r, c = both(
        emulator,
        lambda lib: session(lib, emulator, retry_503(lib, respect_retry_after_header=False)).get(
            emulator.url + SERVER, **auth(tok)
        ),
        fault={"kind": "503", "count": 1, "retry_after": "1"},
    )
    assert r.status == 200 and len(r.sent) == 2
    assert r.comparable() == c.comparable()
    assert r.elapsed < 0.5 and c.elapsed < 0.5


def test_closed_connection_on_get_without_retries(emulator: Any) -> None:
    tok = emulator.admin_token()
    r, c = both(
        emulator,
        lambda lib: session(lib, emulator).get(emulator.url + SERVER, **auth(tok)),
        fault={"kind": "close", "count": 1},
    )
    assert r.exc == "ConnectionError" and len(r.sent) == 1
    assert r.comparable() == c.comparable()


def test_closed_connection_on_get_retried(emulator: Any) -> None:
    tok = emulator.admin_token()
    r, c = both(
        emulator,
        lambda lib: session(lib, emulator, lib.Retry(total=3)).get(
            emulator.url + SERVER, **auth(tok)
        ),
        fault={"kind": "close", "count": 1},
    )
    assert r.status == 200 and len(r.sent) == 2
    assert r.comparable() == c.comparable()


def test_closed_connection_on_post_is_not_sent_twice(emulator: Any) -> None:
    """The deliberate difference: urllib3 sends a POST again after the connection broke once
    the request was out (allowed_methods lists POST); the core reports the failure instead."""
    tok = emulator.admin_token()

    def call(lib: Lib) -> Any:
        retry = lib.Retry(
            total=3, allowed_methods=["POST", "GET", "DELETE"], status_forcelist=[503]
        )
        return session(lib, emulator, retry).post(
            emulator.url + BOOT_ORDER, json={"value": "true"}, **auth(tok)
        )

    r, c = both(emulator, call, fault={"kind": "close", "count": 1})
    assert r.status == 200 and len(r.sent) == 2  # requests: sent twice
    assert c.exc == "ConnectionError" and len(c.sent) == 1  # compat: once, and told
    assert r.sent[0] == c.sent[0]


def test_html_502_and_raise_for_status(emulator: Any) -> None:
    tok = emulator.admin_token()

    def call(lib: Lib) -> Any:
        res = session(lib, emulator).get(emulator.url + SERVER, **auth(tok))
        res.raise_for_status()
        return res

    r, c = both(emulator, call, fault={"kind": "html502", "count": 1})
    assert r.exc == "HTTPError"
    assert r.comparable() == c.comparable()
    assert str(r.error) == str(c.error)
    assert c.error.response.status_code == 502
    assert c.error.response.text == r.error.response.text
    assert c.error.response.headers["content-type"] == r.error.response.headers["Content-Type"]


def test_truncated_body_json_error(emulator: Any) -> None:
    tok = emulator.admin_token()
    r, c = both(
        emulator,
        lambda lib: session(lib, emulator).get(emulator.url + SERVER, **auth(tok)).json(),
        fault={"kind": "truncate", "count": 1},
    )
    assert r.exc == c.exc == "JSONDecodeError"
    assert isinstance(c.error, ValueError) and isinstance(c.error, json.JSONDecodeError)
    assert isinstance(c.error, compat.RequestException)
    assert str(r.error) == str(c.error)


@pytest.mark.parametrize("retries", [None, 2], ids=["default-adapter", "retry-2"])
def test_connection_refused(plain_emulator: Any, retries: Optional[int]) -> None:
    url = f"http://127.0.0.1:{free_port()}/api/dci/v3/server/2"

    def call(lib: Lib) -> Any:
        retry = None if retries is None else lib.Retry(total=retries, backoff_factor=0)
        return session(lib, plain_emulator, retry, prefix="http://").get(url)

    r, c = both(plain_emulator, call)
    assert r.exc == c.exc == "ConnectionError"
    assert isinstance(c.error, compat.RequestException)


def test_tls_without_the_ca(emulator: Any) -> None:
    tok = emulator.admin_token()
    r, c = both(
        emulator,
        lambda lib: session(lib, emulator, verify=True).get(emulator.url + SERVER, **auth(tok)),
    )
    assert r.exc == c.exc == "SSLError"
    assert isinstance(c.error, compat.ConnectionError)
    assert r.sent == c.sent == []


def test_verify_false(emulator: Any) -> None:
    tok = emulator.admin_token()
    r, c = both(
        emulator,
        lambda lib: session(lib, emulator, verify=False).get(
            emulator.url + SERVER, verify=False, **auth(tok)
        ),
    )
    assert r.status == 200
    assert r.comparable() == c.comparable()
    assert "InsecureRequestWarning" in r.warnings and "InsecureRequestWarning" in c.warnings


def test_per_request_verify_overrides_session(emulator: Any) -> None:
    tok = emulator.admin_token()
    r, c = both(
        emulator,
        lambda lib: session(lib, emulator, verify=True).get(
            emulator.url + SERVER, verify=emulator.ca, **auth(tok)
        ),
    )
    assert r.status == 200
    assert r.comparable() == c.comparable()


def test_unusable_ca_bundle_like_requests(emulator: Any, tmp_path: Any) -> None:
    bad = tmp_path / "bad.pem"
    bad.write_text("not a certificate\n")
    r, c = both(
        emulator, lambda lib: session(lib, emulator, verify=str(bad)).get(emulator.url + SERVER)
    )
    assert r.exc == c.exc == "SSLError"
    r, c = both(
        emulator,
        lambda lib: session(lib, emulator, verify=str(tmp_path / "missing.pem")).get(
            emulator.url + SERVER
        ),
    )
    assert r.exc == c.exc == "OSError"
    assert str(r.error) == str(c.error)


def test_env_ca_bundle_overrides_session_verify_like_requests(
    emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """requests' known quirk: with trust_env, REQUESTS_CA_BUNDLE beats Session.verify (but not
    a per-request verify). Mirrored, so a script behaves the same."""
    certifi = pytest.importorskip("certifi")
    tok = emulator.admin_token()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
    r, c = both(
        emulator, lambda lib: session(lib, emulator).get(emulator.url + SERVER, **auth(tok))
    )
    assert r.exc == c.exc == "SSLError"
    r, c = both(
        emulator,
        lambda lib: session(lib, emulator).get(
            emulator.url + SERVER, verify=emulator.ca, **auth(tok)
        ),
    )
    assert r.status == c.status == 200

    def untrusting(lib: Lib) -> Any:
        s = session(lib, emulator)
        s.trust_env = False
        return s.get(emulator.url + SERVER, **auth(tok))

    r, c = both(emulator, untrusting)
    assert r.status == c.status == 200


def test_timeout_on_a_delayed_answer(emulator: Any) -> None:
    tok = emulator.admin_token()
    r, c = both(
        emulator,
        lambda lib: session(lib, emulator).get(emulator.url + SERVER, timeout=0.2, **auth(tok)),
        fault={"kind": "delay", "delay_ms": 500, "count": 1},
    )
    assert r.exc == c.exc == "ReadTimeout"
    assert isinstance(c.error, compat.Timeout) and not isinstance(c.error, compat.ConnectionError)
    assert len(r.sent) == len(c.sent) == 1
    assert c.elapsed < 0.5  # it did not wait for the (late) answer


def test_timeout_with_read_retries_is_a_budget(emulator: Any) -> None:
    """The documented difference: requests retries each timed-out read (3 attempts of 0.15 s
    each); in compat the read timeout is the budget of the whole call, so one attempt uses
    it up. Both end with the class requests raises when its retries run out."""
    tok = emulator.admin_token()
    r, c = both(
        emulator,
        lambda lib: session(lib, emulator, lib.Retry(total=2, backoff_factor=0)).get(
            emulator.url + SERVER, timeout=(2, 0.15), **auth(tok)
        ),
        fault={"kind": "delay", "delay_ms": 400, "count": 3},
    )
    assert r.exc == c.exc == "ConnectionError"
    assert len(r.sent) == 3 and len(c.sent) == 1
    assert c.elapsed < r.elapsed


def test_connect_timeout(plain_emulator: Any) -> None:
    """A listener whose accept queue is full drops new SYNs, so connecting hangs."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(0)
    port = srv.getsockname()[1]
    fillers = []
    for _ in range(3):
        f = socket.socket()
        f.setblocking(False)
        try:
            f.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fillers.append(f)
    time.sleep(0.05)
    try:
        probe = socket.create_connection(("127.0.0.1", port), timeout=0.2)
        probe.close()
        pytest.skip("this kernel accepted the connection: no way to make connecting hang")
    except OSError:
        pass
    try:
        r, c = both(
            plain_emulator,
            lambda lib: lib.Session().get(f"http://127.0.0.1:{port}/x", timeout=(0.2, 5)),
        )
        assert r.exc == c.exc == "ConnectTimeout"
        assert isinstance(c.error, compat.ConnectionError) and isinstance(c.error, compat.Timeout)
        assert c.elapsed < 1
    finally:
        for f in fillers:
            f.close()
        srv.close()


def test_timeout_validation_like_requests(plain_emulator: Any) -> None:
    url = plain_emulator.url + "/api/auth/v4/whoami"
    for bad in ((1, 2, 3), 0, -1, True, "x", (0, 1)):
        names: List[Optional[str]] = []
        for lib in (REQ, COMPAT):
            try:
                lib.Session().get(url, timeout=bad)
                names.append(None)
            except Exception as e:  # compared by class
                names.append(type(e).__name__)
        assert names[0] == names[1] == "ValueError", bad


# --------------------------------------------------------------------------------------------
# Adapters and redirects
# --------------------------------------------------------------------------------------------


def test_bare_scheme_mount_applies_unlike_requests(emulator: Any) -> None:
    """The platform's example mounts on "http" and "https". In requests the default "https://"
    adapter is longer, comes first and wins, so its Retry never applies and the 503 is
    returned at once. compat takes a bare scheme as "scheme://" (a deliberate difference):
    the Retry applies, and a one-line BareSchemeMountWarning, once per session, says that
    requests would have ignored the mount."""
    tok = emulator.admin_token()
    mounted = {}

    def call(lib: Lib) -> Any:
        s = lib.Session()
        s.verify = emulator.ca
        retry = retry_503(lib, total=10, allowed_methods=["POST", "GET", "DELETE"])
        mounted["http"] = lib.HTTPAdapter(max_retries=retry)
        mounted["https"] = lib.HTTPAdapter(max_retries=retry)
        s.mount("http", mounted["http"])
        s.mount("https", mounted["https"])
        if lib is REQ:
            assert list(s.adapters) == ["https://", "http://", "https", "http"]
            assert s.get_adapter(emulator.url) is s.adapters["https://"]
        else:
            assert list(s.adapters) == ["https://", "http://"]
            assert s.get_adapter(emulator.url) is mounted["https"]
            assert s.get_adapter("HTTP://x") is mounted["http"]
        return s.get(emulator.url + SERVER, **auth(tok))

    r, c = both(emulator, call, fault={"kind": "503", "count": 2})
    assert r.status == 503 and len(r.sent) == 1  # no retry at all in requests
    assert c.status == 200 and len(c.sent) == 3  # the example's Retry applies here
    assert c.sent[-1] == r.sent[0] | {"fault": None}  # the same request, answered
    assert c.warnings.count("BareSchemeMountWarning") == 1  # once per session
    assert "DcimanagerCompatWarning" not in c.warnings  # (not "never used": it is)

    # Mounted where it wins in requests too, the Retry applies in both, with no note.
    r, c = both(
        emulator,
        lambda lib: session(lib, emulator, retry_503(lib, total=10)).get(
            emulator.url + SERVER, **auth(tok)
        ),
        fault={"kind": "503", "count": 2},
    )
    assert r.status == 200 and len(r.sent) == 3
    assert r.comparable() == c.comparable()
    assert not c.warnings


def test_bare_scheme_mount_note_is_one_line_once_per_session() -> None:
    with pytest.warns(compat.BareSchemeMountWarning) as caught:
        s = compat.Session()
        s.mount("http", compat.HTTPAdapter(max_retries=3))
        s.mount("HTTPS", compat.HTTPAdapter(max_retries=3))
        compat.Session().mount("https", compat.HTTPAdapter())
    notes = [str(w.message) for w in caught]
    assert len(notes) == 2  # one for each session
    assert all("\n" not in n and "requests would have ignored it" in n for n in notes)
    assert "mount('http')" in notes[0] and "'http://'" in notes[0]
    assert issubclass(compat.BareSchemeMountWarning, compat.DcimanagerCompatWarning)
    assert s.adapters["https://"].max_retries.total == 3


def test_mount_order_and_selection_like_requests() -> None:
    """compat orders and picks adapters as requests does, once its bare-scheme mounts are
    read as what they become ("http" -> "http://")."""
    mounts = [
        "https://dci.example.com",
        "http",
        "https://",
        "HTTPS://DCI",
        "https://dci.example.com:8443/api",
        "https",
    ]
    urls = [
        "https://dci.example.com/x",
        "https://dci.example.com:8443/api/x",
        "https://other/x",
        "http://dci.example.com/",
        "https://DCI.example.org/",
    ]
    bare = {"http": "http://", "https": "https://"}
    orders, picks = [], []
    for lib in (REQ, COMPAT):
        s = lib.Session()
        names = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for m in mounts:
                a = lib.HTTPAdapter()
                names[id(a)] = m
                s.mount(bare.get(m, m) if lib is REQ else m, a)
        orders.append(list(s.adapters))
        picks.append([names.get(id(s.get_adapter(u)), "a default") for u in urls])
    assert orders[0] == orders[1]
    assert picks[0] == picks[1]
    assert "a default" not in picks[1]


def test_shadowing_warning_only_when_never_selectable() -> None:
    s = compat.Session()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s.mount("https://", compat.HTTPAdapter(max_retries=3))
        s.mount("https://dci.example.com", compat.HTTPAdapter())
        s.mount("ftp://", compat.HTTPAdapter())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        s.mount("https", compat.HTTPAdapter(max_retries=3))  # taken as "https://"
    assert [w.category for w in caught] == [compat.BareSchemeMountWarning]
    with pytest.warns(compat.DcimanagerCompatWarning, match="'https:' will never be used"):
        s.mount("https:", compat.HTTPAdapter(max_retries=3))
    with pytest.raises(TypeError, match="dcimanager.compat.HTTPAdapter"):
        s.mount("https://", requests.adapters.HTTPAdapter())  # type: ignore[arg-type]


def test_redirect_not_followed(emulator: Any) -> None:
    """The documented difference: requests follows the emulator's 302 to "/" (a 404 there);
    compat returns the 302 and warns. With allow_redirects=False both return the 302."""
    tok = emulator.admin_token()
    r, c = both(
        emulator,
        lambda lib: session(lib, emulator).get(emulator.url + SERVER, **auth(tok)),
        fault={"kind": "redirect", "count": 1},
    )
    assert r.status == 404 and len(r.response.history) == 1 and len(r.sent) == 2
    assert c.status == 302 and c.response.history == [] and len(c.sent) == 1
    assert "DcimanagerCompatWarning" in c.warnings
    assert c.response.is_redirect and c.response.headers["Location"] == "/"

    r, c = both(
        emulator,
        lambda lib: session(lib, emulator).get(
            emulator.url + SERVER, allow_redirects=False, **auth(tok)
        ),
        fault={"kind": "redirect", "count": 1},
    )
    assert r.status == 302
    assert r.comparable() == c.comparable()
    assert r.response.headers["Location"] == c.response.headers["location"]
    assert "DcimanagerCompatWarning" not in c.warnings


def test_response_hooks_called_like_requests(emulator: Any) -> None:
    tok = emulator.admin_token()
    for lib in (REQ, COMPAT):
        seen: list = []
        s = session(lib, emulator)
        s.hooks["response"].append(
            lambda resp, seen=seen, **kw: seen.append(("session", resp.status_code))
        )
        s.get(
            emulator.url + SERVER,
            hooks={
                "response": [
                    lambda resp, seen=seen, **kw: seen.append(("request", resp.status_code))
                ]
            },
            **auth(tok),
        )
        s.get(emulator.url + SERVER, **auth(tok))
        assert seen == [("request", 200), ("session", 200)], lib


# --------------------------------------------------------------------------------------------
# The API surface
# --------------------------------------------------------------------------------------------


def test_retry_method_whitelist_spelling() -> None:
    # urllib3 2.x refused it: the reason the platform's example broke.
    with pytest.raises(TypeError, match="method_whitelist"):
        URetry(method_whitelist=["GET"])  # type: ignore[call-arg]
    r = compat.Retry(
        total=10,
        read=10,
        connect=10,
        method_whitelist=["POST", "GET", "DELETE"],
        backoff_factor=0.01,
        status_forcelist=[503],
    )
    u = URetry(
        total=10,
        read=10,
        connect=10,
        allowed_methods=["POST", "GET", "DELETE"],
        backoff_factor=0.01,
        status_forcelist=[503],
    )
    assert r.allowed_methods == r.method_whitelist == u.allowed_methods
    assert repr(r) == repr(u)
    for method in ("POST", "GET", "PUT", "get"):
        for status in (503, 500, 429):
            assert r.is_retry(method, status) == u.is_retry(method, status)
    # both spellings at once: urllib3 1.26's ValueError and message
    with pytest.raises(ValueError, match="Using both 'allowed_methods' and 'method_whitelist'"):
        compat.Retry(allowed_methods=["GET"], method_whitelist=["GET"])
    assert r.new(total=3).allowed_methods == ["POST", "GET", "DELETE"]
    assert compat.Retry(method_whitelist=None).allowed_methods is None
    with pytest.raises(AttributeError):
        r.method_whitelist = ["GET"]  # the old spelling reads allowed_methods, never sets it


def test_retry_api_like_urllib3() -> None:
    assert (
        compat.DEFAULT_ALLOWED_METHODS
        == URetry.DEFAULT_ALLOWED_METHODS
        == compat.Retry.DEFAULT_ALLOWED_METHODS
    )
    assert compat.Retry.RETRY_AFTER_STATUS_CODES == URetry.RETRY_AFTER_STATUS_CODES
    assert repr(compat.Retry.DEFAULT) == repr(URetry.DEFAULT)
    for value in (0, 3, None):
        assert repr(compat.Retry.from_int(value)) == repr(URetry.from_int(value)), value
    with pytest.raises(NotImplementedError, match="total=False"):
        compat.Retry.from_int(False)
    assert repr(compat.Retry.from_int(5, redirect=False)) == repr(
        URetry.from_int(5, redirect=False)
    )
    for kw in (
        {},
        {"total": None, "connect": 2},
        {"read": False},
        {"redirect": False},
        {"status": 4},
        {"allowed_methods": None},
        {"backoff_jitter": 0.5, "backoff_max": 3},
    ):
        c, u = compat.Retry(**kw), URetry(**kw)
        for attr in (
            "total",
            "connect",
            "read",
            "redirect",
            "status",
            "allowed_methods",
            "status_forcelist",
            "backoff_factor",
            "backoff_max",
            "raise_on_redirect",
            "raise_on_status",
            "respect_retry_after_header",
            "backoff_jitter",
            "remove_headers_on_redirect",
        ):
            assert getattr(c, attr) == getattr(u, attr), (kw, attr)


@pytest.mark.parametrize("max_retries", [0, 3, None, False, "retry"])
def test_adapter_max_retries_like_requests(max_retries: Any) -> None:
    values = []
    for lib in (REQ, COMPAT):
        arg = lib.Retry(total=4, status_forcelist=[503]) if max_retries == "retry" else max_retries
        r = lib.HTTPAdapter(max_retries=arg).max_retries
        values.append((repr(r), r.total, r.read, r.status_forcelist))
    assert values[0] == values[1]


def test_retry_core_policy_mapping() -> None:
    p = compat.Retry(
        total=10,
        read=False,
        connect=2,
        status_forcelist=[503, 429],
        backoff_factor=0.5,
        method_whitelist=["POST", "get"],
    )._core_policy("GET")
    assert p == dict(
        total=10,
        connect=2,
        read=0,
        status=None,
        backoff_factor=0.5,
        backoff_max=120.0,
        jitter=0.0,
        statuses=[429, 503],
        methods=["POST"],
        respect_retry_after=True,
    )
    assert "PROPFIND" in compat.Retry(allowed_methods=None)._core_policy("PROPFIND")["methods"]
    assert compat.Retry(total=None)._core_policy("GET")["total"] >= 2**31 - 1


def test_exception_hierarchy_like_requests() -> None:
    names = [
        "RequestException",
        "HTTPError",
        "ConnectionError",
        "ProxyError",
        "SSLError",
        "Timeout",
        "ConnectTimeout",
        "ReadTimeout",
        "URLRequired",
        "TooManyRedirects",
        "MissingSchema",
        "InvalidSchema",
        "InvalidURL",
        "InvalidHeader",
        "InvalidJSONError",
        "JSONDecodeError",
        "ChunkedEncodingError",
        "ContentDecodingError",
        "RetryError",
    ]
    for a in names:
        for b in names:
            assert issubclass(getattr(compat, a), getattr(compat, b)) == issubclass(
                getattr(requests.exceptions, a), getattr(requests.exceptions, b)
            ), (a, b)
    for name in names:
        assert issubclass(getattr(compat, name), OSError)
    for name in ("MissingSchema", "InvalidSchema", "InvalidURL", "InvalidHeader"):
        assert issubclass(getattr(compat, name), ValueError)
    e = compat.HTTPError("x", response=compat.Response())
    assert e.request is None and e.response is not None


@pytest.mark.parametrize(
    "url",
    [
        "127.0.0.1/api",
        "ftp://127.0.0.1/x",
        "http://",
        "localhost:8080/x",
        "https://[::1",
        "http://a b/",
    ],
)
def test_bad_urls_like_requests(url: str) -> None:
    names: List[Optional[str]] = []
    for lib in (REQ, COMPAT):
        try:
            lib.Session().get(url, timeout=0.5)
            names.append(None)
        except Exception as e:  # compared by class
            names.append(type(e).__name__)
    assert names[0] == names[1], url


def test_url_preparation_like_requests() -> None:
    """Scheme and host case, IDNA-free hosts, spaces and non-ASCII in the path, existing escapes,
    params merged into the query (lists, bytes), fragments: the same final URL."""
    port = free_port()
    cases = [
        (
            f"HTTP://LocalHost:{port}/Pa th/\u00e4?q=a b&x=%41%2F#Frag",
            {"w": "(a) 'b'+c", "l": ["1", "2"]},
        ),
        (f"http://127.0.0.1:{port}", None),
        (f"http://127.0.0.1:{port}/x?", {"a": "", "b": None}),
        (f"http://127.0.0.1:{port}/x?y", b"z=1"),
        (f"http://127.0.0.1:{port}/x", [("k", "v1"), ("k", "v2")]),
    ]
    for url, params in cases:
        urls = []
        for lib in (REQ, COMPAT):
            with pytest.raises(lib.exc.ConnectionError) as info:
                lib.Session().get(url, params=params, timeout=1)
            urls.append(info.value.request.url)
        assert urls[0] == urls[1], url


@pytest.mark.parametrize(
    "headers", [{"x-a": 1}, {"x-a": " lead"}, {"x-a": "a\r\nb: c"}, {"bad:name": "v"}]
)
def test_bad_headers_like_requests(plain_emulator: Any, headers: dict) -> None:
    names: List[Optional[str]] = []
    for lib in (REQ, COMPAT):
        try:
            lib.Session().get(plain_emulator.url + "/api/auth/v4/whoami", headers=headers)
            names.append(None)
        except Exception as e:  # compared by class
            names.append(type(e).__name__)
    assert names[0] == names[1] == "InvalidHeader", headers


def _session_with(**attrs: Any) -> compat.Session:
    s = compat.Session()
    for k, v in attrs.items():
        setattr(s, k, v)
    return s


class _MyRetry(compat.Retry):
    def increment(self, *a: Any, **k: Any) -> Any:  # pragma: no cover - never called
        return self


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda url: compat.Session().post(url, files={"f": b"x"}), "files"),
        (lambda url: compat.Session().get(url, auth=("u", "p")), "auth"),
        (lambda url: _session_with(auth=("u", "p")).get(url), "auth"),
        (lambda url: compat.Session().get(url, stream=True), "stream"),
        (lambda url: _session_with(stream=True).get(url), "stream"),
        (lambda url: compat.Session().get(url, cert="/tmp/client.pem"), "cert"),
        (lambda url: _session_with(cert="/tmp/client.pem").get(url), "cert"),
        (lambda url: compat.Session().get(url.replace("http://", "http://u:p@")), "user:password"),
        (lambda url: compat.Session().get(url, headers={"x-name": "Grüße"}), "non-ASCII header"),
        (
            lambda url: compat.Session().get(url, timeout=urllib3.Timeout(connect=1, read=2)),
            "timeout",
        ),
        (
            lambda url: compat.Session().get(url.replace("http://", "https://"), verify="/tmp"),
            "verify",
        ),
        (lambda url: compat.Session().send(object()), "Session.send"),
        (lambda url: compat.Retry(total=False), "total=False"),
        (lambda url: compat.Retry(redirect=3), "redirect"),
        (lambda url: compat.Retry(other=1), "other"),
        (lambda url: compat.Retry(history=(object(),)), "history"),
        (lambda url: compat.Retry(retry_after_max=30), "retry_after_max"),
        (lambda url: compat.HTTPAdapter(pool_block=True), "pool_block"),
        (lambda url: compat.HTTPAdapter(max_retries=_MyRetry()), "_MyRetry.increment"),
        (lambda url: compat.Session().cookies.set("a", "b", port="80"), "port"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_unsupported_arguments_raise_not_implemented(
    plain_emulator: Any, call: Callable[[str], Any], name: str
) -> None:
    url = plain_emulator.url + "/api/auth/v4/whoami"
    with pytest.raises(NotImplementedError, match=name.replace("(", r"\(")) as info:
        call(url)
    assert "dcimanager.compat" in str(info.value)
    assert plain_emulator.requests() == []  # nothing was sent


def test_environment_proxy_used_and_netrc_refused(
    plain_emulator: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    url = plain_emulator.url + "/api/auth/v4/whoami"
    dead = "http://127.0.0.1:1"  # a proxy nothing answers: the request went to it
    monkeypatch.setenv("HTTP_PROXY", dead)
    with pytest.raises(compat.ProxyError) as info:
        compat.Session().get(url)
    assert "http://127.0.0.1:1" in str(info.value)
    with pytest.raises(compat.ProxyError):
        compat.Session().get(url, proxies={"http": dead})
    # The request's proxies win over the environment's, which win over the session's.
    s = compat.Session()
    s.proxies = {"http": "http://127.0.0.1:2"}
    with pytest.raises(compat.ProxyError, match="127.0.0.1:1"):
        s.get(url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.0/8")
    assert compat.Session().get(url).status_code == 401  # bypassed, as requests would
    with pytest.raises(compat.ProxyError):  # the request's no_proxy replaces NO_PROXY
        compat.Session().get(url, proxies={"no_proxy": "example.com"})
    with pytest.raises(compat.ProxyError):  # an explicit proxy ignores NO_PROXY, as in requests
        compat.Session().get(url, proxies={"http": dead})
    monkeypatch.setenv("NO_PROXY", "")
    s = compat.Session()
    s.trust_env = False
    assert s.get(url).status_code == 401
    monkeypatch.delenv("HTTP_PROXY")
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login admin password secret\n")
    monkeypatch.setenv("NETRC", str(netrc))
    with pytest.raises(NotImplementedError, match="auth"):
        compat.Session().get(url)


def test_compressed_bodies_decoded_like_urllib3() -> None:
    import gzip
    import zlib

    body = b'{"list": []}'
    assert compat.models._decode_body(gzip.compress(body), "gzip") == body
    assert compat.models._decode_body(zlib.compress(body), "deflate") == body
    assert compat.models._decode_body(body, "identity") == body
    with pytest.raises(compat.ContentDecodingError):
        compat.models._decode_body(b"not gzip", "gzip")


class _NativeAnswer:
    """The attributes of a native answer that compat reads."""

    status = 200
    _header_dict = {"content-type": "application/json"}
    raw_headers = [("content-type", "application/json")]
    content = b"{}"
    attempts = 1


def test_response_attributes_made_on_first_read() -> None:
    """``headers``, ``request``, ``elapsed`` and ``history`` are made when first read, and
    behave as plain attributes: a shallow copy shares them, setting one on a Response leaves
    its copy as it was."""
    prepared = compat.PreparedRequest("GET", "http://x/", compat.CaseInsensitiveDict({"A": "1"}))
    _, target = compat._prepare._prepare_url("http://x/", None)
    r, set_cookies = compat.adapters._build_response(_NativeAnswer(), prepared, target, 0.5)
    assert set_cookies is None
    twin = copy.copy(r)
    assert r.headers is twin.headers and r.history is twin.history
    assert r.request is prepared and twin.request is prepared
    assert r.elapsed.total_seconds() == 0.5 and r.headers["Content-Type"] == "application/json"
    twin.headers = None  # type: ignore[assignment]
    assert twin.headers is None and r.headers["Content-Type"] == "application/json"
    assert twin.request is r.request and twin.elapsed == r.elapsed
    r.history.append(1)  # type: ignore[arg-type]
    assert twin.history == [1]  # shared, as a shallow copy shares a list
    r.request = None
    assert r.request is None and twin.request is prepared
    r.elapsed = datetime.timedelta(0, 2)
    assert r.elapsed.total_seconds() == 2 and twin.elapsed.total_seconds() == 0.5
    bare = compat.Response()
    assert dict(bare.headers) == {} and bare.request is None and bare.elapsed.total_seconds() == 0
    assert bare.history == [] and bare.history is bare.history


def test_case_insensitive_dict_and_cookie_jar() -> None:
    d: compat.CaseInsensitiveDict[str] = compat.CaseInsensitiveDict({"Content-Type": "a"})
    d["content-TYPE"] = "b"
    assert list(d) == ["content-TYPE"] and d["CONTENT-type"] == "b" and d == {"content-type": "b"}
    assert d.copy() == d and len(d) == 1
    del d["Content-Type"]
    assert not d
    jar = compat.CookieJar()
    jar.set("a", "1")
    jar["b"] = "2"
    assert dict(jar) == {"a": "1", "b": "2"} == jar.get_dict()
    assert [c.name for c in jar] == ["a", "b"] and "a" in jar and jar.get("zz", "d") == "d"
    jar.set("a", "3", domain="example.com")
    with pytest.raises(compat.CookieConflictError):
        jar["a"]
    assert jar.get("a", domain="example.com") == "3"
    jar.set("a", None)
    assert "a" not in jar and jar.keys() == ["b"]
