"""The native API against the emulator: every method, every exception with its attributes,
retries, re-login, threads and the GIL."""

from __future__ import annotations

import datetime
import json
import pathlib
import threading
import time

import pytest

import dcimanager
from dcimanager import Client


def admin(emu, **kw) -> Client:
    c = Client(emu.url, verify=emu.ca, **kw)
    c.login("admin@example.com", "secret")
    return c


def test_version_matches_the_crate_and_the_distribution():
    import importlib.metadata

    cargo = (pathlib.Path(__file__).resolve().parents[3] / "Cargo.toml").read_text()
    crate_version = cargo.split("[workspace.package]")[1].split('version = "')[1].split('"')[0]
    assert dcimanager.__version__ == crate_version
    assert importlib.metadata.version("dcimanager") == crate_version


def test_login_whoami_token_and_logout(emulator):
    c = Client(emulator.url, verify=emulator.ca)
    info = c.login("admin@example.com", "secret")
    assert isinstance(info, dcimanager.LoginInfo)
    assert info.confirmed is True and info.id == "3"
    assert c.token == info.token
    assert info.token not in repr(info) and "id='3'" in repr(info) and "<hidden>" in repr(info)
    assert c.whoami()["email"] == "admin@example.com"
    sent = emulator.requests()[-1]["headers"]
    assert sent["x-xsrf-token"] == info.token
    assert sent["cookie"] == f"ses6={info.token}"
    assert sent["isp-box-instance"] == "true"
    c.logout()
    assert c.token is None
    assert emulator.count("DELETE", f"/api/auth/v4/token/{info.token}") == 1


def test_login_variants_201_and_numeric_ids():
    from conftest import Emulator

    emu = Emulator("--login-status", "201", "--numeric-ids")
    try:
        c = Client(emu.url, verify=emu.ca)
        assert c.login("client@example.com", "client-secret").id == "24"
    finally:
        emu.close()


def test_token_assignment_and_starting_token(emulator):
    c = admin(emulator)
    long = c.create_token(datetime.datetime(2030, 1, 31, tzinfo=datetime.timezone.utc), "ci")
    assert long != c.token
    body = json.loads(emulator.requests()[-1]["body"])
    assert body == {"expires_at": "2030-01-31 00:00:00", "description": "ci"}
    other = Client(emulator.url, verify=emulator.ca, token=long)
    assert other.whoami()["email"] == "admin@example.com"
    other.token = None
    assert other.token is None
    with pytest.raises(dcimanager.InvalidArgumentError):
        other.token = "bad\r\ntoken"
    with pytest.raises(TypeError):
        c.create_token(20300131)


def test_keys_and_single_sign_on(emulator):
    c = admin(emulator)
    k = c.create_key("client@example.com")
    assert isinstance(k, dcimanager.KeyInfo) and k.id and k.key not in repr(k)
    assert emulator.count("POST", "/api/auth/v4/user/client%40example.com/key") == 1
    assert c.key_login_url(k) == c.key_login_url(k.key) == f"{emulator.url}/auth/key-v4/{k.key}"
    customer = Client(emulator.url, verify=emulator.ca)
    assert customer.login_with_key(k).id == "24"
    assert customer.whoami()["email"] == "client@example.com"
    assert c.create_key(24).key


def test_token_ttl_as_int_or_str(emulator):
    c = admin(emulator)
    c.set_token_ttl(999)
    assert json.loads(emulator.requests()[-1]["body"]) == {"value": "999"}
    c.set_token_ttl("60")


def test_get_post_delete_request_and_params(emulator):
    c = admin(emulator)
    assert c.get("dci/v3/server/2")["domain"] == "srv2.example.com"
    page = c.get("dci/v3/server", params={"limit": "0,5", "where": "location_id EQ 2"})
    assert len(page["list"]) == 5 and all(s["location_id"] == 2 for s in page["list"])
    assert "where=location_id%20EQ%202" in emulator.requests()[-1]["query"]
    assert c.post("dci/v3/server/2/power_reset")["id"] == 2
    assert emulator.requests()[-1]["body"] == "{}"
    assert c.post("dci/v3/setting/operation_change_boot_order", json={"value": "true"}) == {}
    r = c.request("GET", "dci/v3/server/3", headers={"x-trace": "t1"})
    assert r.status == 200 and r.ok and r.attempts == 1
    assert r.headers["content-type"].startswith("application/json")
    assert ("content-type", r.headers["content-type"]) in r.raw_headers
    assert r.json()["id"] == 3 and json.loads(r.content) == json.loads(r.text)
    assert emulator.requests()[-1]["headers"]["x-trace"] == "t1"
    assert "Response [200]" in repr(r)
    token = c.token
    c.delete(f"auth/v4/token/{token}")
    with pytest.raises(TypeError):
        c.post("dci/v3/user", json={"when": datetime.datetime.now()})


def test_paginate_visits_every_item_once(emulator):
    c = admin(emulator)
    ids = [s["id"] for s in c.paginate("dci/v3/server", orderby="id asc", page_size=128)]
    assert ids == list(range(1, 1001))
    on = list(c.paginate("dci/v3/server", where="power_status EQ 'on' AND location_id EQ 1", page_size=50))
    assert on and all(s["power_status"] == "on" and s["location_id"] == 1 for s in on)


def test_api_error_attributes(emulator):
    c = admin(emulator)
    with pytest.raises(dcimanager.ApiError) as e:
        c.get("dci/v3/server/999999")
    assert (e.value.status, e.value.code, e.value.msg) == (404, 3080, "instance not found")
    with pytest.raises(dcimanager.ApiError) as e:
        c.post("dci/v3/user", json={"email": "x@example.com", "nickname": "x"})
    assert e.value.status == 400 and e.value.value["property"] == "nickname"
    r = c.request("GET", "dci/v3/nope")
    assert r.status == 404 and not r.ok
    with pytest.raises(dcimanager.ApiError) as e:
        r.raise_for_status()
    assert e.value.code == 1106


def test_unauthorized_is_an_api_error_and_not_retried_on_bad_password(emulator):
    c = Client(emulator.url, verify=emulator.ca)
    with pytest.raises(dcimanager.UnauthorizedError) as e:
        c.login("admin@example.com", "wrong-password")
    assert isinstance(e.value, dcimanager.ApiError) and isinstance(e.value, dcimanager.Error)
    assert (e.value.status, e.value.code) == (401, 3001)
    assert "wrong-password" not in str(e.value) and "wrong-password" not in repr(e.value)
    assert emulator.stats()["logins"] == 1


def test_http_error_for_a_proxy_page(emulator):
    c = admin(emulator)
    emulator.fault(kind="html502")
    with pytest.raises(dcimanager.HTTPError) as e:
        c.get("dci/v3/server/2")
    assert e.value.status == 502 and "Bad Gateway" in e.value.body


def test_decode_error_for_truncated_json(emulator):
    c = admin(emulator)
    emulator.fault(kind="truncate")
    with pytest.raises(dcimanager.DecodeError) as e:
        c.get("dci/v3/server/2")
    assert isinstance(e.value, ValueError) and e.value.body.startswith('{"')


def test_retry_error_attributes(emulator):
    c = admin(emulator, retries=2, backoff_factor=0)
    emulator.fault(kind="503", count=5)
    with pytest.raises(dcimanager.RetriesExhaustedError) as e:
        c.get("dci/v3/server/2")
    assert (e.value.attempts, e.value.last_status) == (3, 503)


def test_503_burst_and_retry_after(emulator):
    c = admin(emulator)
    emulator.suspend(5)
    t = time.monotonic()
    r = c.request("GET", "dci/v3/server/2")
    assert r.status == 200 and r.attempts == 6
    assert 0.3 <= time.monotonic() - t < 1.5
    emulator.fault(kind="503", retry_after="1")
    t = time.monotonic()
    c.get("dci/v3/server/2")
    assert 1.0 <= time.monotonic() - t < 1.9


def test_connection_timeout_and_tls_errors(emulator):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    with pytest.raises(dcimanager.ConnectionError) as e:
        Client(f"http://127.0.0.1:{port}", retries=0).get("x")
    assert isinstance(e.value, ConnectionError)  # also the builtin
    c = admin(emulator, timeout=0.3)
    emulator.fault(kind="delay", delay_ms=2000)
    with pytest.raises(dcimanager.TimeoutError) as e:
        c.get("dci/v3/server/2")
    assert isinstance(e.value, TimeoutError)
    with pytest.raises(dcimanager.TLSError):
        Client(emulator.url).login("admin@example.com", "secret")
    with pytest.warns(dcimanager.InsecureRequestWarning):
        insecure = Client(emulator.url, verify=False)
    insecure.login("admin@example.com", "secret")
    with pytest.raises(dcimanager.InvalidArgumentError):
        Client("dci.example.com")
    with pytest.raises(dcimanager.InvalidArgumentError):
        c.get("https://evil.example.com/api/dci/v3/server/2")
    with pytest.raises(dcimanager.InvalidArgumentError):
        Client(emulator.url, verify="/nonexistent/ca.pem")


def test_relogin_after_expiry(emulator):
    c = admin(emulator)
    old = c.token
    emulator.expire_tokens()
    assert c.get("dci/v3/server/2")["id"] == 2
    assert c.token != old and c.relogin_count == 1
    assert emulator.stats()["logins"] == 2


def test_repr_never_shows_secrets(emulator):
    c = admin(emulator)
    text = repr(c) + str(c)
    assert c.token not in text and "secret" not in text
    assert emulator.url in text and "session=active" in text


def test_context_manager_logs_out_when_it_logged_in(emulator):
    with Client(emulator.url, verify=emulator.ca) as c:
        c.login("admin@example.com", "secret")
        token = c.token
    assert c.token is None
    assert emulator.count("DELETE", f"/api/auth/v4/token/{token}") == 1
    long = admin(emulator).create_token("2030-01-01 00:00:00")
    with Client(emulator.url, verify=emulator.ca, token=long) as c:
        c.whoami()
    assert c.token == long  # not its own session: left alone


def test_eight_threads_share_one_client_through_an_expiry(emulator):
    c = admin(emulator)
    emulator.expire_tokens()
    errors: list = []
    results: list = []
    barrier = threading.Barrier(8)

    def work(i: int) -> None:
        try:
            barrier.wait()
            for j in range(25):
                results.append(c.get(f"dci/v3/server/{i * 25 + j + 1}")["id"])
        except Exception as e:  # noqa: BLE001 - collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(results) == list(range(1, 201))
    assert c.relogin_count == 1 and emulator.stats()["logins"] == 2


def test_the_gil_is_released_during_io(emulator):
    c = admin(emulator)
    emulator.fault(kind="delay", delay_ms=700, count=4)
    done = []

    def slow() -> None:
        c.get("dci/v3/server/2")
        done.append(1)

    t = time.monotonic()
    threads = [threading.Thread(target=slow) for _ in range(4)]
    for th in threads:
        th.start()
    # While the four requests wait, this thread keeps running Python code.
    ticks = 0
    while any(th.is_alive() for th in threads):
        ticks += 1
        time.sleep(0.01)
    took = time.monotonic() - t
    assert len(done) == 4
    assert took < 4 * 0.7 * 0.75, f"requests did not overlap: {took:.2f}s"
    assert ticks > 20
