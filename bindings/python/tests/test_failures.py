"""Failures as Python users expect them: errors that name their request, no output unless
logging is configured, Ctrl-C within 200 ms (a real SIGINT to a child process), ``with``
blocks that neither delay nor hide the body's exception, exact redaction, and
``verify=False`` said once."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
import time
import warnings
from typing import Any

import pytest

import dcimanager
from conftest import Emulator, ctrl_c_delay

ADMIN = ("admin@example.com", "secret")


def test_errors_name_their_request(emulator: Emulator) -> None:
    c = dcimanager.Client(emulator.url, verify=emulator.ca)
    c.login(*ADMIN)
    with pytest.raises(dcimanager.ApiError) as info:
        c.get("dci/v3/server/999999", params={"x": "a b"})
    e = info.value
    assert (e.method, e.url) == ("GET", emulator.url + "/api/dci/v3/server/999999?x=a%20b")
    assert str(e).startswith("GET /api/dci/v3/server/999999?x=a%20b: API error 3080 (HTTP 404): ")
    with pytest.raises(dcimanager.InvalidArgumentError) as bad:
        c.get("https://elsewhere.example/api/x")
    assert (bad.value.method, bad.value.url) == ("GET", None)
    assert str(bad.value).startswith("GET https://elsewhere.example/api/x: ")


def run_child(code: str, env: Any = None, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def test_nothing_printed_while_the_caller_catches() -> None:
    # A refused connection, retried and given up: warnings in the "dcimanager" logger, which
    # has a NullHandler, so logging's last resort prints nothing.
    out = run_child(
        """
        import socket, dcimanager
        s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
        c = dcimanager.Client(f"http://127.0.0.1:{port}", retries=1, backoff_factor=0)
        try:
            c.get("x")
        except dcimanager.ConnectionError as e:
            print("caught", e.attempts)
        """
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "caught 2"
    assert out.stderr == ""


CTRL_C = """
import json, sys, time
import dcimanager
from dcimanager import compat
url, ca, token, how = sys.argv[1:5]
print("ready", flush=True)
try:
    if how == "client":
        c = dcimanager.Client(url, verify=ca, token=token)
        c.post("dci/v3/server/2/power_reset")
    elif how == "compat":
        s = compat.Session()
        s.post(url + "/api/dci/v3/server/2/power_reset", verify=ca,
               headers={"x-xsrf-token": token, "isp-box-instance": "true"})
    else:
        import asyncio
        async def main():
            async with dcimanager.AsyncClient(url, verify=ca, token=token) as c:
                await c.post("dci/v3/server/2/power_reset")
        asyncio.run(main())
except KeyboardInterrupt:
    print(json.dumps({"caught": time.time()}), flush=True)
    sys.exit(0)
print("no interrupt", flush=True)
sys.exit(1)
"""


@pytest.mark.parametrize("how", ["client", "compat", "async"])
def test_ctrl_c_stops_a_waiting_call_within_200_ms(emulator: Emulator, how: str) -> None:
    token = emulator.admin_token()
    emulator.fault(kind="delay", delay_ms=6000, count=1, path="power_reset")
    # After 1.5 s the request is out, its answer 4.5 s away.
    delay = ctrl_c_delay(CTRL_C, emulator.url, emulator.ca or "", token, how)
    assert delay < 0.2, f"KeyboardInterrupt {delay:.3f} s after SIGINT"
    time.sleep(5)  # the emulator's delayed answer: the POST reached it once, never again
    assert emulator.count("POST", "/power_reset") == 1


def test_with_block_neither_delays_nor_hides_the_body_exception(
    emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="dcimanager")
    started = time.monotonic()
    with pytest.raises(ZeroDivisionError) as info:
        with dcimanager.Client(emulator.url, verify=emulator.ca) as c:
            c.login(*ADMIN)
            # The platform suspends as the block ends: every answer a 503 for a while.
            emulator.fault(kind="503", count=50, path="auth/v4/token/")
            1 / 0
    assert time.monotonic() - started < 3.0  # one logout attempt, not ~10 s of retries
    notes = getattr(info.value, "__notes__", [])
    assert any("logging out at the end of the with block failed" in n for n in notes), notes
    # A clean block whose logout fails: a warning, no exception.
    caplog.clear()
    with dcimanager.Client(emulator.url, verify=emulator.ca) as c:
        c.login(*ADMIN)
        emulator.fault(kind="503", count=50, path="auth/v4/token/")
    assert any("logging out at the end of the with block failed" in r.getMessage() for r in caplog.records)


def test_short_passwords_leave_messages_whole() -> None:
    emu = Emulator("--client-password", "in")
    try:
        c = dcimanager.Client(emu.url, verify=emu.ca)
        c.login("client@example.com", "in")
        emu.fault(kind="api_error", status=404, code=3080, msg="instance not found", count=1, path="server/1")
        with pytest.raises(dcimanager.ApiError) as info:
            c.get("dci/v3/server/1")
        assert info.value.msg == "instance not found"
        assert str(info.value).endswith("instance not found")
    finally:
        emu.close()


def test_verify_false_is_said_once_per_client_unless_pinned(emulator: Emulator) -> None:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        c = dcimanager.Client(emulator.url, verify=False)
        c.login(*ADMIN)
        c.whoami()
    insecure = [w for w in seen if issubclass(w.category, dcimanager.InsecureRequestWarning)]
    assert len(insecure) == 1 and emulator.url in str(insecure[0].message)
    pin = dcimanager.server_pin(emulator.url)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        dcimanager.Client(emulator.url, verify=False, pinned_pubkey=pin).login(*ADMIN)
    assert not [w for w in seen if issubclass(w.category, dcimanager.InsecureRequestWarning)]


def test_interrupt_from_another_thread(emulator: Emulator) -> None:
    import threading

    c = dcimanager.Client(emulator.url, verify=emulator.ca)
    c.login(*ADMIN)
    emulator.fault(kind="delay", delay_ms=3000, count=1, path="server/2")
    timer = threading.Timer(0.3, c.interrupt)
    timer.start()
    started = time.monotonic()
    with pytest.raises(dcimanager.InterruptedError) as info:
        c.get("dci/v3/server/2")
    assert time.monotonic() - started < 0.6
    assert isinstance(info.value, InterruptedError) and info.value.phase == "wait"
    assert c.get("dci/v3/server/3")["id"] == 3
