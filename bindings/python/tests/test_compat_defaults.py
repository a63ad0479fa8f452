"""The default adapters of a dcimanager.compat Session follow the platform's documented 503
policy (dcimanager6-api-guide.txt, "How to process code 503": 10 retries, backoff factor
0.01, GET/POST/DELETE) — a deliberate difference from requests, whose default adapters retry
nothing. Each test counts the requests the emulator received."""

from __future__ import annotations

import time
import warnings
from typing import Any, Iterator

import pytest
from dcimanager import compat

SERVER = "/api/dci/v3/server/2"
BOOT_ORDER = "/api/dci/v3/setting/operation_change_boot_order"


@pytest.fixture(autouse=True)
def _no_ca_bundle_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """trust_env would let REQUESTS_CA_BUNDLE override Session.verify."""
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def session(emulator: Any) -> Iterator[compat.Session]:
    with compat.Session() as s:
        s.verify = emulator.ca
        yield s


def auth(token: str) -> dict:
    return {"headers": {"x-xsrf-token": token, "isp-box-instance": "true"}}


def test_default_retry_is_the_platform_policy() -> None:
    s = compat.Session()
    https, http = s.adapters["https://"], s.adapters["http://"]
    assert list(s.adapters) == ["https://", "http://"]
    for retry in (https.max_retries, http.max_retries):
        assert (retry.total, retry.backoff_factor) == (10, 0.01)
        assert sorted(retry.allowed_methods) == ["DELETE", "GET", "POST"]
        assert list(retry.status_forcelist) == [503]
        # Nothing else is retried, as with requests' default Retry(0, read=False).
        assert (retry.connect, retry.read, retry.raise_on_status) == (0, False, False)
    assert https.max_retries is not http.max_retries  # changing one leaves the other
    # An adapter made by the script keeps requests' meaning: no retries.
    assert compat.HTTPAdapter().max_retries.total == 0


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_default_adapters_retry_503_for_get_post_delete(
    emulator: Any, session: compat.Session, method: str
) -> None:
    tok = emulator.admin_token()
    if method == "DELETE":  # log out a second session of the admin
        other = emulator.call(
            "POST",
            "/api/auth/v4/public/token",
            {"email": "admin@example.com", "password": "secret"},
        )["token"]
        path = f"/api/auth/v4/token/{other}"
    else:
        path = SERVER if method == "GET" else BOOT_ORDER
    emulator.clear_log()
    emulator.fault(kind="503", count=3, method=method)
    kwargs = {"json": {"value": "true"}} if method == "POST" else {}
    r = session.request(method, emulator.url + path, **kwargs, **auth(tok))
    assert r.status_code == 200, r.text
    assert r.attempts == 4
    assert emulator.count(method, path) == 4


def test_default_adapters_retry_503_ten_times_then_return_it(
    emulator: Any, session: compat.Session
) -> None:
    """Ten retries, then the last 503 is returned (not a RetryError), so raise_for_status()
    raises the HTTPError a requests script expects. (Retry-After: 0 spares the backoff.)"""
    tok = emulator.admin_token()
    emulator.fault(kind="503", count=12, retry_after="0")
    r = session.get(emulator.url + SERVER, **auth(tok))
    assert r.status_code == 503 and r.attempts == 11
    assert emulator.count("GET", SERVER) == 11
    with pytest.raises(compat.HTTPError, match="503 Server Error"):
        r.raise_for_status()


def test_default_adapters_back_off_by_0_01(emulator: Any, session: compat.Session) -> None:
    """urllib3's schedule for backoff_factor=0.01: no sleep before the first retry, then
    0.02, 0.04, 0.08 s."""
    tok = emulator.admin_token()
    emulator.fault(kind="503", count=4)
    start = time.perf_counter()
    r = session.get(emulator.url + SERVER, **auth(tok))
    elapsed = time.perf_counter() - start
    assert r.status_code == 200 and emulator.count("GET", SERVER) == 5
    assert 0.14 <= elapsed < 5


def test_default_adapters_do_not_retry_other_methods_or_faults(
    emulator: Any, session: compat.Session
) -> None:
    tok = emulator.admin_token()
    emulator.fault(kind="503", count=2, method="PUT")
    assert session.put(emulator.url + SERVER, **auth(tok)).status_code == 503
    assert emulator.count("PUT", SERVER) == 1
    emulator.clear_log()
    emulator.call("DELETE", "/emulator/faults")
    emulator.fault(kind="close", count=1)  # a failure once sent: raised, as in requests
    with pytest.raises(compat.ConnectionError):
        session.get(emulator.url + SERVER, **auth(tok))
    assert emulator.count("GET", SERVER) == 1


def test_script_adapter_replaces_the_default_policy(emulator: Any, session: compat.Session) -> None:
    tok = emulator.admin_token()
    session.mount("https://", compat.HTTPAdapter())  # requests' meaning: no retries
    emulator.fault(kind="503", count=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert session.get(emulator.url + SERVER, **auth(tok)).status_code == 503
    assert emulator.count("GET", SERVER) == 1
