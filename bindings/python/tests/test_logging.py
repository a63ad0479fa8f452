"""The client's events in Python's logging: logger "dcimanager", requests and connections at
DEBUG, retries and re-logins at INFO, give-ups at WARNING, each with its facts in
``record.dcimanager``; no secret in any of them."""

from __future__ import annotations

import json
import logging
from typing import Any, List

import pytest

import dcimanager


def events(caplog: Any) -> List[dict]:
    return [r.dcimanager for r in caplog.records if r.name == "dcimanager"]


def test_a_suspension_is_visible_at_info(emulator: Any, caplog: Any) -> None:
    c = dcimanager.Client(emulator.url, verify=emulator.ca, token=emulator.admin_token())
    emulator.fault(kind="503", count=3)
    with caplog.at_level(logging.INFO, logger="dcimanager"):
        c.get("dci/v3/server/2")
    got = events(caplog)
    assert [e["event"] for e in got] == ["retry"] * 3
    assert [e["attempt"] for e in got] == [1, 2, 3]
    assert [e["wait_ms"] for e in got] == [0, 20, 40]  # urllib3's schedule, factor 0.01
    assert all(e["status"] == 503 and e["path"] == "/api/dci/v3/server/2" for e in got)
    assert all(r.levelno == logging.INFO for r in caplog.records)
    assert "HTTP 503; retry 1 of 10" in caplog.records[0].getMessage()


def test_requests_and_connections_at_debug(emulator: Any, caplog: Any) -> None:
    c = dcimanager.Client(emulator.url, verify=emulator.ca, token=emulator.admin_token())
    with caplog.at_level(logging.DEBUG, logger="dcimanager"):
        c.get("dci/v3/server/1", params={"where": "id EQ 1"})
        c.get("dci/v3/server/2")
    got = events(caplog)
    assert [e["event"] for e in got] == ["request", "connection", "request", "connection"]
    assert got[0] == {"event": "request", "method": "GET", "path": "/api/dci/v3/server/1", "attempt": 1}
    assert (got[1]["reused"], got[3]["reused"]) == (False, True)
    assert got[1]["origin"] == emulator.url


def test_nothing_below_the_level_set(emulator: Any, caplog: Any) -> None:
    c = dcimanager.Client(emulator.url, verify=emulator.ca, token=emulator.admin_token())
    with caplog.at_level(logging.WARNING, logger="dcimanager"):
        emulator.fault(kind="503", count=1)
        c.get("dci/v3/server/2")
    assert events(caplog) == []


def test_relogin_and_give_up(emulator: Any, caplog: Any) -> None:
    c = dcimanager.Client(emulator.url, verify=emulator.ca, retries=1, backoff_factor=0)
    c.login("admin@example.com", "secret")
    emulator.expire_tokens()
    with caplog.at_level(logging.INFO, logger="dcimanager"):
        c.get("dci/v3/server/2")
        emulator.fault(kind="503", count=5)
        with pytest.raises(dcimanager.RetriesExhaustedError):
            c.get("dci/v3/server/3")
    got = events(caplog)
    assert [e["event"] for e in got] == ["relogin", "retry", "give_up"]
    assert got[0]["reason"] == "expired"
    assert (got[2]["attempts"], got[2]["status"]) == (2, 503)
    assert caplog.records[-1].levelno == logging.WARNING


def test_no_secret_in_any_event(emulator: Any, caplog: Any) -> None:
    password, key = "pa55-W0rd-q7Zx!", "42-k3y-Vq9T-secret"
    with caplog.at_level(logging.DEBUG, logger="dcimanager"):
        c = dcimanager.Client(emulator.url, verify=emulator.ca, retries=1, backoff_factor=0)
        for form in ("unauthorized", "redirect", "html502", "bad_json"):
            emulator.fault(kind="echo", **{"as": form})
            with pytest.raises(dcimanager.Error):
                c.login("admin@example.com", password)
            emulator.fault(kind="echo", **{"as": form})
            with pytest.raises(dcimanager.Error):
                c.login_with_key(key)
        c.login("admin@example.com", "secret")
        token = c.token
        assert token
        emulator.fault(kind="503", count=2)
        with pytest.raises(dcimanager.RetriesExhaustedError):
            c.get("dci/v3/server/2")
        c.logout()  # DELETE auth/v4/token/<token>: the path is scrubbed
    text = " ".join(r.getMessage() + json.dumps(r.dcimanager) for r in caplog.records)
    assert caplog.records
    for secret in (password, key, token, "secret"):
        assert secret not in text
    assert "/api/auth/v4/token/[redacted]" in text
