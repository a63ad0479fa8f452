"""Secrets never leave through Python: a server that echoes what it received (the emulator's
echo fault) in a 401 message and value, a redirect's Location, an HTML 502 page or a JSON body
that does not parse — the password, key or token is in no str, repr or attribute of the
exception; results that carry a secret hide it from repr; strict JSON; a starting token held
with credentials."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import pytest

import dcimanager

FORMS = ["unauthorized", "redirect", "html502", "bad_json"]
PASSWORD = "pa55-W0rd-q7Zx!"
KEY = "42-k3y-Vq9T-secret"


def everything(e: dcimanager.Error) -> str:
    """Every text a user can see of an exception."""
    parts = [str(e), repr(e), repr(e.args), e.body, str(e.argument), str(e.phase)]
    for name in ("msg", "value"):
        if hasattr(e, name):
            parts.append(json.dumps(getattr(e, name)))
    parts.append(repr(vars(e)))
    return " | ".join(parts)


def assert_hidden(secret: str, e: dcimanager.Error) -> None:
    text = everything(e)
    for piece in (secret, secret[:-2], secret[2:], urllib.parse.quote(secret, safe="")):
        assert piece not in text, f"{piece!r} in {text}"


@pytest.mark.parametrize("form", FORMS)
def test_an_echoed_password_appears_nowhere(emulator: Any, form: str) -> None:
    emulator.fault(kind="echo", **{"as": form}, path="public/token")
    with pytest.raises(dcimanager.Error) as e:
        dcimanager.Client(emulator.url, verify=emulator.ca).login("admin@example.com", PASSWORD)
    assert_hidden(PASSWORD, e.value)


@pytest.mark.parametrize("form", FORMS)
def test_an_echoed_key_appears_nowhere(emulator: Any, form: str) -> None:
    emulator.fault(kind="echo", **{"as": form}, path="public/key")
    with pytest.raises(dcimanager.Error) as e:
        dcimanager.Client(emulator.url, verify=emulator.ca).login_with_key(KEY)
    assert_hidden(KEY, e.value)


@pytest.mark.parametrize("form", FORMS)
def test_an_echoed_token_appears_nowhere(emulator: Any, form: str) -> None:
    token = emulator.admin_token()
    c = dcimanager.Client(emulator.url, verify=emulator.ca, token=token)
    emulator.fault(kind="echo", **{"as": form}, path="server/2")
    with pytest.raises(dcimanager.Error) as e:
        c.get("dci/v3/server/2")
    assert_hidden(token, e.value)
    # Through request() + raise_for_status() as well.
    if form != "bad_json":  # a 200: its body is the answer itself
        emulator.fault(kind="echo", **{"as": form}, path="server/2")
        with pytest.raises(dcimanager.Error) as e:
            c.request("GET", "dci/v3/server/2").raise_for_status()
        assert_hidden(token, e.value)


def test_results_that_carry_a_secret_hide_it(emulator: Any) -> None:
    c = dcimanager.Client(emulator.url, verify=emulator.ca)
    info = c.login("admin@example.com", "secret")
    assert info.token and info.token not in repr(info) and info.token not in str(info)
    key = c.create_key("client@example.com")
    assert key.key and key.key not in repr(key) and key.key not in str(key)
    assert c.token not in repr(c)


def test_json_with_invalid_utf8_is_a_decode_error(emulator: Any) -> None:
    c = dcimanager.Client(emulator.url, verify=emulator.ca, token=emulator.admin_token())
    emulator.fault(kind="bad_utf8")
    with pytest.raises(dcimanager.DecodeError) as e:
        c.get("dci/v3/server/2")
    assert e.value.status == 200 and e.value.request_sent
    emulator.fault(kind="bad_utf8")
    r = c.request("GET", "dci/v3/server/2")
    assert r.content == b'{"domain":"\xff\xfe\xfd"}'
    with pytest.raises(dcimanager.DecodeError):
        r.json()


def test_a_starting_token_with_credentials_logs_in_once_on_expiry(emulator: Any) -> None:
    cached = emulator.admin_token()
    c = dcimanager.Client(
        emulator.url, verify=emulator.ca, token=cached, email="admin@example.com", password="secret"
    )
    before = emulator.stats()["logins"]
    c.get("dci/v3/server/2")
    assert emulator.stats()["logins"] == before  # the cached token did
    emulator.expire_tokens()
    for i in range(1, 6):
        c.get(f"dci/v3/server/{i}")
    assert emulator.stats()["logins"] == before + 1
    assert c.relogin_count == 1 and c.token != cached


def test_credentials_without_a_token_log_in_first(emulator: Any) -> None:
    c = dcimanager.Client(emulator.url, verify=emulator.ca)
    c.set_credentials("client@example.com", "client-secret")
    emulator.clear_log()
    assert c.whoami()["email"] == "client@example.com"
    paths = [r["path"] for r in emulator.requests()]
    assert paths == ["/api/auth/v4/public/token", "/api/auth/v4/whoami"]
    with pytest.raises(TypeError):
        dcimanager.Client(emulator.url, email="a@example.com")
