"""The fault matrix (tests/faults.json, shared by every language) through the Python native
API, plus 16 threads × 2,000 requests through random session expiries."""

from __future__ import annotations

import email.utils
import json
import pathlib
import threading
import time

import pytest

import dcimanager

MATRIX = json.loads((pathlib.Path(__file__).resolve().parents[3] / "tests" / "faults.json").read_text())
KIND_TO_CLASS = {
    "invalid_argument": dcimanager.InvalidArgumentError,
    "connect": dcimanager.ConnectionError,
    "timeout": dcimanager.TimeoutError,
    "tls": dcimanager.TLSError,
    "http": dcimanager.HTTPError,
    "api": dcimanager.ApiError,
    "unauthorized": dcimanager.UnauthorizedError,
    "retries_exhausted": dcimanager.RetriesExhaustedError,
    "decode": dcimanager.DecodeError,
}
PASSWORD = "secret"


@pytest.mark.parametrize("row", MATRIX["rows"], ids=[r["name"] for r in MATRIX["rows"]])
def test_fault_matrix_row(emulator, row):
    cfg = {**MATRIX["client"], **row.get("client", {})}
    c = dcimanager.Client(
        emulator.url,
        verify=emulator.ca,
        retries=cfg["retries"],
        backoff_factor=cfg["backoff_factor"],
        timeout=cfg["timeout_ms"] / 1000,
    )
    if row["call"] != "login_wrong":
        c.login("admin@example.com", PASSWORD)
    emulator.clear_log()
    for f in row["faults"]:
        f = dict(f)
        secs = f.pop("retry_after_date_in", None)
        if secs is not None:
            f["retry_after"] = email.utils.formatdate(time.time() + secs, usegmt=True)
        emulator.fault(**f)
    path, expect = row["path"], row["expect"]
    started = time.monotonic()
    error = None
    try:
        if row["call"] == "get":
            c.get(path)
        elif row["call"] == "post":
            c.post(path)
        else:
            c.login("admin@example.com", "wrong-password")
    except dcimanager.Error as e:
        error = e
    elapsed_ms = (time.monotonic() - started) * 1000
    if expect.get("ok"):
        assert error is None, repr(error)
    else:
        assert type(error) is KIND_TO_CLASS[expect["error"]], repr(error)
        if "attempts" in expect:
            assert error.attempts == expect["attempts"]
        if "http_status" in expect:
            got = error.last_status if isinstance(error, dcimanager.RetriesExhaustedError) else error.status
            assert got == expect["http_status"]
        if "api_code" in expect:
            assert error.code == expect["api_code"]
        text = f"{error} {error!r} {vars(error)}"
        assert PASSWORD not in text and "wrong-password" not in text, text
        if c.token:
            assert c.token not in text
    method = "GET" if row["call"] == "get" else "POST"
    if "requests" in expect:
        assert emulator.count(method, "/api/" + path) == expect["requests"]
    if "logins" in expect:
        assert emulator.stats()["logins"] == expect["logins"]
    if "min_ms" in expect:
        assert elapsed_ms >= expect["min_ms"], elapsed_ms
    if "max_ms" in expect:
        assert elapsed_ms <= expect["max_ms"], elapsed_ms


def test_sixteen_threads_through_random_expiries():
    from conftest import Emulator

    emu = Emulator("--no-log")
    try:
        c = dcimanager.Client(emu.url, verify=emu.ca)
        c.login("admin@example.com", "secret")
        stop = threading.Event()
        hits = []

        def expirer() -> None:
            x = 2463534242
            while not stop.is_set():
                x ^= (x << 13) & 0xFFFFFFFF
                x ^= x >> 17
                x ^= (x << 5) & 0xFFFFFFFF
                time.sleep((5 + x % 40) / 1000)
                hits.append(emu.expire_tokens())

        failures = []

        def worker(t: int) -> None:
            for i in range(2000):
                try:
                    c.get(f"dci/v3/server/{(t * 2000 + i) % 1000 + 1}")
                except dcimanager.Error as e:  # collected, asserted below
                    failures.append(e)

        ex = threading.Thread(target=expirer)
        ex.start()
        workers = [threading.Thread(target=worker, args=(t,)) for t in range(16)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(timeout=300)
            assert not w.is_alive(), "a worker did not finish: deadlock?"
        stop.set()
        ex.join()
        c.get("dci/v3/server/1")  # consumes a last expiry no worker saw
        assert failures == []
        expiries = sum(hits)
        assert expiries > 0
        assert c.relogin_count == expiries
        assert emu.stats()["logins"] == 1 + expiries
    finally:
        emu.close()
