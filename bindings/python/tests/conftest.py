"""Fixtures: a fresh dcimanager emulator per test (HTTPS with its own CA), and a control
client for its /emulator endpoints that uses only the standard library."""

from __future__ import annotations

import json
import os
import pathlib
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from typing import Any, Iterator, Optional

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]

#: The environment variables requests (and so dcimanager.compat) reads besides NETRC: the CA
#: bundle and the proxies. Tests of compat unset them, and point NETRC at no file.
REQUESTS_ENVIRONMENT = (
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
)


def emulator_bin() -> str:
    env = os.environ.get("DCIMANAGER_EMULATOR")
    if env:
        return env
    for profile in ("release", "debug"):
        p = ROOT / "target" / profile / "dcimanager-emulator"
        if p.exists():
            return str(p)
    raise RuntimeError("build the emulator first: cargo build --release -p dcimanager-emulator")


class Emulator:
    """A running emulator: ``url``, ``ca`` (CA file path) and its control endpoints."""

    def __init__(self, *args: str, tls: bool = True) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="dci-emu-")
        self.ca: Optional[str] = os.path.join(self._dir.name, "ca.pem") if tls else None
        cmd = [emulator_bin(), "--listen", "127.0.0.1:0", *args]
        if tls:
            cmd += ["--tls", "--ca-out", self.ca]  # type: ignore[list-item]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        assert self.url.startswith("http"), self.url
        self._ssl = ssl.create_default_context(cafile=self.ca) if tls else None

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()
        # (left open, the pipe would be closed by the garbage collector with a ResourceWarning,
        # inside whatever test happens to be running then)
        assert self.proc.stdout is not None
        self.proc.stdout.close()
        self._dir.cleanup()

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, context=self._ssl, timeout=10) as resp:
            return json.loads(resp.read() or b"null")

    def fault(self, **fault: Any) -> None:
        """Queues a fault, e.g. ``fault(kind="503", count=3)``."""
        self.call("POST", "/emulator/faults", fault)

    def suspend(self, requests: int) -> None:
        self.call("POST", "/emulator/suspend", {"requests": requests})

    def config(self, **cfg: Any) -> Any:
        return self.call("POST", "/emulator/config", cfg)

    def expire_tokens(self) -> int:
        return int(self.call("POST", "/emulator/expire_tokens", {})["expired"])

    def requests(self) -> list:
        return list(self.call("GET", "/emulator/requests")["list"])

    def clear_log(self) -> None:
        self.call("DELETE", "/emulator/requests")

    def stats(self) -> dict:
        return dict(self.call("GET", "/emulator/stats"))

    def count(self, method: str, path_suffix: str) -> int:
        return sum(1 for r in self.requests() if r["method"] == method and r["path"].endswith(path_suffix))

    def admin_token(self) -> str:
        """Logs in as admin through the control path (not through the library under test)."""
        req = urllib.request.Request(
            self.url + "/api/auth/v4/public/token",
            data=json.dumps({"email": "admin@example.com", "password": "secret"}).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, context=self._ssl, timeout=10) as resp:
            token = json.loads(resp.read())["token"]
        self.clear_log()
        return str(token)


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    emu = Emulator()
    try:
        yield emu
    finally:
        emu.close()


@pytest.fixture
def plain_emulator() -> Iterator[Emulator]:
    """An emulator over plain HTTP (for comparisons where TLS does not matter)."""
    emu = Emulator(tls=False)
    try:
        yield emu
    finally:
        emu.close()


class FixedAnswer:
    """A plain-HTTP server on 127.0.0.1 (a thread of the test) that gives every GET the same
    answer: ``status``, ``headers`` (pairs, repeats kept, names as given) and ``body``; for
    answers the emulator has no fault for. ``url`` is its base URL."""

    def __init__(self, status: int = 200, headers: Any = (), body: bytes = b"") -> None:
        import http.server
        import threading

        answer = (status, list(headers), body)

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                status, headers, body = answer
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> "FixedAnswer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def wait_until(cond: Any, timeout: float = 5.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.01)
    raise AssertionError("condition not met in time")


def ctrl_c_delay(script: str, *args: str) -> float:
    """Runs ``script`` (``python -c``) with ``args`` in a child that prints ``ready``, then
    waits in a call; 1.5 s later sends it SIGINT, as Ctrl-C does. The child must catch
    KeyboardInterrupt, print ``{"caught": time.time()}`` and exit 0; returns how long after
    the signal it caught it."""
    child = subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready"
    time.sleep(1.5)  # the child's requests are out, their answers still far away
    sent = time.time()
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=10)
    assert child.returncode == 0, (out, err)
    caught: float = json.loads(out.strip().splitlines()[-1])["caught"]
    return caught - sent
