"""``Client.request`` answers shaped like requests' Response, against the emulator:
``status_code``/``status``, ``reason``, ``ok`` and ``bool()``, ``url`` with its query,
``elapsed``, case-insensitive ``headers``, ``content``/``text``/``json()``, and
``raise_for_status()`` raising the class each answer means, with its facts."""

from __future__ import annotations

import copy
import datetime
import json
import pickle
import time
from typing import Any

import pytest

import dcimanager
from conftest import FixedAnswer
from dcimanager import CaseInsensitiveDict, Client


def admin(emu: Any) -> Client:
    return Client(emu.url, verify=emu.ca, token=emu.admin_token())


def test_a_success(emulator: Any) -> None:
    c = admin(emulator)
    r = c.request("GET", "dci/v3/server", params={"where": "id EQ 2", "orderby": "id asc"})
    assert (r.status_code, r.status, r.reason, r.ok, bool(r)) == (200, 200, "OK", True, True)
    assert r.url == emulator.url + "/api/dci/v3/server?where=id%20EQ%202&orderby=id%20asc"
    assert emulator.requests()[-1]["path"] == "/api/dci/v3/server"  # the query went too
    assert r.json()["list"][0]["id"] == 2
    assert r.json() == json.loads(r.content) == json.loads(r.text)
    r.raise_for_status()  # nothing for a 2xx
    assert repr(r) == "<dcimanager.Response [200]>"


def test_url_of_a_path_without_params_and_of_a_same_origin_url(emulator: Any) -> None:
    c = admin(emulator)
    assert c.request("GET", "dci/v3/server/2").url == emulator.url + "/api/dci/v3/server/2"
    full = emulator.url + "/api/dci/v3/server/3"
    assert c.request("GET", full).url == full
    pairs = c.request("GET", "dci/v3/server", params=[("a", "x+y"), ("a", True)])
    assert pairs.url == emulator.url + "/api/dci/v3/server?a=x%2By&a=true"


def test_an_api_error_status(emulator: Any) -> None:
    c = admin(emulator)
    r = c.request("GET", "dci/v3/server/999999")
    assert (r.status_code, r.reason, r.ok, bool(r)) == (404, "Not Found", False, False)
    assert r.json()["error"]["code"] == 3080  # the body parses whatever the status
    with pytest.raises(dcimanager.ApiError) as info:
        r.raise_for_status()
    e = info.value
    assert (e.status, e.code, e.method, e.url) == (404, 3080, "GET", emulator.url + "/api/dci/v3/server/999999")
    assert e.attempts == 1


@pytest.mark.parametrize(
    "fault, status, reason, error",
    [
        ({"kind": "html502"}, 502, "Bad Gateway", dcimanager.HTTPError),
        ({"kind": "unauthorized"}, 401, "Unauthorized", dcimanager.UnauthorizedError),
        ({"kind": "api_error", "status": 400, "code": 1000}, 400, "Bad Request", dcimanager.ApiError),
        ({"kind": "redirect", "status": 302, "location": "/elsewhere"}, 302, "Found", dcimanager.HTTPError),
        ({"kind": "empty", "status": 599}, 599, "", dcimanager.HTTPError),
    ],
)
def test_error_statuses_raise_their_class(emulator: Any, fault: dict, status: int, reason: str, error: type) -> None:
    c = admin(emulator)
    emulator.fault(**fault, count=5, path="server/2")
    r = c.request("GET", "dci/v3/server/2")
    assert (r.status_code, r.reason, r.ok) == (status, reason, False)
    with pytest.raises(error) as info:
        r.raise_for_status()
    assert type(info.value) is error
    assert info.value.status == status and info.value.url == r.url


def test_retries_exhausted(emulator: Any) -> None:
    c = Client(emulator.url, verify=emulator.ca, token=emulator.admin_token(), retries=2, backoff_factor=0)
    emulator.fault(kind="503", count=10, path="server/2")
    r = c.request("GET", "dci/v3/server/2")
    assert (r.status_code, r.reason, r.ok, r.attempts, r.retries_exhausted) == (503, "Service Unavailable", False, 3, True)
    with pytest.raises(dcimanager.RetriesExhaustedError) as info:
        r.raise_for_status()
    assert info.value.attempts == 3 and info.value.status == 503


def test_elapsed_covers_the_whole_call(emulator: Any) -> None:
    c = admin(emulator)
    emulator.fault(kind="delay", delay_ms=300, count=1, path="server/2")
    started = time.monotonic()
    r = c.request("GET", "dci/v3/server/2")
    took = time.monotonic() - started
    assert isinstance(r.elapsed, datetime.timedelta)
    assert datetime.timedelta(milliseconds=300) <= r.elapsed <= datetime.timedelta(seconds=took)
    quick = c.request("GET", "dci/v3/server/2")
    assert quick.elapsed < datetime.timedelta(milliseconds=300)


def test_elapsed_includes_retries_and_their_waits(emulator: Any) -> None:
    c = Client(emulator.url, verify=emulator.ca, token=emulator.admin_token(), backoff_factor=0.1)
    emulator.fault(kind="503", count=2, path="server/2")
    r = c.request("GET", "dci/v3/server/2")
    assert r.attempts == 3 and r.ok
    assert r.elapsed >= datetime.timedelta(milliseconds=200)  # urllib3's waits: 0, then 0.2 s


def test_headers_in_any_case(emulator: Any) -> None:
    c = admin(emulator)
    r = c.request("GET", "dci/v3/server/2")
    h = r.headers
    assert isinstance(h, CaseInsensitiveDict)
    assert h is r.headers  # one object, as requests keeps
    value = h["content-type"]
    assert value.startswith("application/json")
    for name in ("Content-Type", "CONTENT-TYPE", "content-Type"):
        assert h[name] == value and name in h and h.get(name) == value
    assert h.get("X-Missing") is None and h.get("X-Missing", "none") == "none"
    assert "x-missing" not in h and 7 not in h
    with pytest.raises(KeyError):
        h["X-Missing"]
    assert set(h) == {k for k, _ in r.raw_headers}  # names in lower case
    assert ("content-type", value) in r.raw_headers
    assert dict(h)["content-type"] == value
    assert h == {k.upper(): v for k, v in h.items()} and h != {"content-type": "x"}


def test_repeated_headers_are_joined() -> None:
    d: CaseInsensitiveDict[str] = CaseInsensitiveDict([("Set-Cookie", "a=1")], Via="x")
    d["set-cookie"] = d["SET-COOKIE"] + ", b=2"
    assert list(d.items()) == [("set-cookie", "a=1, b=2"), ("Via", "x")]
    assert list(d.lower_items()) == [("set-cookie", "a=1, b=2"), ("via", "x")]
    del d["VIA"]
    assert len(d) == 1 and repr(d) == "{'set-cookie': 'a=1, b=2'}"
    e = d.copy()
    e["Other"] = "y"
    assert "other" not in d and e["OTHER"] == "y"
    for clone in (copy.copy(e), copy.deepcopy(e), pickle.loads(pickle.dumps(e))):
        assert clone == e and clone["other"] == "y"
    assert CaseInsensitiveDict() == {} and CaseInsensitiveDict({"A": 1}) == CaseInsensitiveDict({"a": 1})


def test_repeated_headers_from_a_server_are_joined() -> None:
    headers = [("Set-Cookie", "a=1"), ("X-Mixed-Case", "m"), ("Set-Cookie", "b=2")]
    with FixedAnswer(200, headers, b"{}") as server:
        r = Client(server.url).request("GET", "x")
    assert r.headers["Set-Cookie"] == r.headers["set-cookie"] == "a=1, b=2"
    assert r.headers["x-mixed-case"] == r.headers["X-MIXED-CASE"] == "m"
    assert [v for k, v in r.raw_headers if k == "set-cookie"] == ["a=1", "b=2"]
    assert "X-Mixed-Case" not in list(r.headers) and "x-mixed-case" in list(r.headers)
    plain = r._header_dict  # dcimanager.compat's: a new plain dict on each read
    assert type(plain) is dict and plain == dict(r.headers) and plain is not r._header_dict
    assert plain["set-cookie"] == "a=1, b=2" and "Set-Cookie" not in plain
