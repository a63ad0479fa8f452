"""Instructions and allocations per request, counted deterministically: each client program
runs N=200 and N=1200 keep-alive GETs of `auth/v4/whoami` (a JSON object of ~130 bytes) against a plain-HTTP
emulator, under ``valgrind --tool=callgrind`` (instructions) and ``--tool=dhat`` (heap
blocks); the difference of the two runs divided by 1,000 leaves start-up and warm-up out.

    python bench/instructions.py [ROW ...]      prints one JSON object per row

Used by bench/run.py for `make bench` (results.json → RESULTS.md); runnable alone.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
EMULATOR = os.environ.get("DCIMANAGER_EMULATOR") or str(ROOT / "target/release/dcimanager-emulator")
PY = os.environ.get("BENCH_PYTHON") or str(ROOT / ".venv/bin/python")
PATH = "auth/v4/whoami"
COUNTS = (200, 1200)

RUST = str(ROOT / "target/bench/release/dci-bench-rust")
PYBENCH = str(ROOT / "bench/python/bench.py")

#: row key -> (label, command; "{n}" stands for the count, extra environment).
ROWS: Dict[str, "tuple[str, List[str], Dict[str, str]]"] = {
    "c": ("C ABI (`dci_client_request`, body as bytes)", [str(ROOT / "target/bench/c/dci-bench-c"), "seq", "{n}", PATH], {}),
    "rust_raw": ("Rust `Client::send` (body as bytes)", [RUST, "raw", "{n}", PATH], {}),
    "rust_observed": ("Rust `Client::send`, an observer taking every event", [RUST, "raw-observed", "{n}", PATH], {}),
    "rust": ("Rust `Client::get` (parsed into a `Value`)", [RUST, "seq", "{n}", PATH], {}),
    "py_native": ("Python native (`dcimanager.Client.get`)", [PY, PYBENCH, "native", "seq", "{n}", PATH], {}),
    "py_native_bytes": ("Python native, body as bytes (`Client.request(...).content`)", [PY, PYBENCH, "native", "seq", "{n}", PATH], {"BENCH_BODY": "bytes"}),
    "py_native_logging": ("Python native, `logging` at DEBUG (a NullHandler)", [PY, PYBENCH, "native", "seq", "{n}", PATH], {"BENCH_LOGGING": "1"}),
    "py_compat": ("Python compat (`dcimanager.compat.Session`)", [PY, PYBENCH, "compat", "seq", "{n}", PATH], {}),
    "requests": ("Python requests + urllib3 (what users have today)", [PY, PYBENCH, "requests", "seq", "{n}", PATH], {}),
    "php_ffi": ("PHP over FFI (`DciManager\\Client::get`)", ["php", str(ROOT / "bench/php/bench.php"), "ffi", "seq", "{n}", PATH], {}),
}


def start_emulator(*extra: str) -> "tuple[subprocess.Popen, str]":
    proc = subprocess.Popen([EMULATOR, "--listen", "127.0.0.1:0", "--no-log", *extra], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    return proc, url


def token(url: str) -> str:
    req = urllib.request.Request(
        url + "/api/auth/v4/public/token",
        data=json.dumps({"email": "admin@example.com", "password": "secret"}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=10) as r:
        return str(json.loads(r.read())["token"])


def run(tool: str, cmd: List[str], n: int, env: Dict[str, str]) -> int:
    """One run under a valgrind tool: total instructions (callgrind) or blocks (dhat)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        args = [a.replace("{n}", str(n)) for a in cmd]
        extra = [f"--callgrind-out-file={out}"] if tool == "callgrind" else [f"--dhat-out-file={out}"]
        p = subprocess.run(
            # --trace-children=no: PHP and Python stay one process; the emulator runs outside.
            ["valgrind", f"--tool={tool}", *extra, *args],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=True,
        )
        if tool == "callgrind":
            text = Path(out).read_text()
            m = re.search(r"^(?:summary|totals): (\d+)", text, re.M)
            assert m, "no callgrind summary"
            return int(m.group(1))
        m = re.search(r"Total:\s+[\d,]+ bytes in ([\d,]+) blocks", p.stderr)
        assert m, p.stderr[-500:]
        return int(m.group(1).replace(",", ""))


def measure(rows: Optional[List[str]] = None) -> Dict[str, Dict[str, float]]:
    proc, url = start_emulator()
    try:
        env = dict(os.environ, DCI_URL=url, DCI_TOKEN=token(url))
        env.pop("DCI_CA", None)
        results: Dict[str, Dict[str, float]] = {}
        for key, (label, cmd, extra) in ROWS.items():
            if rows and not any(r.lower() in (key + " " + label).lower() for r in rows):
                continue
            if os.path.sep in cmd[0] and not os.path.exists(cmd[0]):
                continue
            lo, hi = COUNTS
            row_env = dict(env, **extra)
            ir = [run("callgrind", cmd, n, row_env) for n in COUNTS]
            blocks = [run("dhat", cmd, n, row_env) for n in COUNTS]
            results[key] = {
                "label": label,
                "instructions_per_request": (ir[1] - ir[0]) / (hi - lo),
                "allocations_per_request": (blocks[1] - blocks[0]) / (hi - lo),
            }
            print(json.dumps({key: results[key]}), flush=True)
        return results
    finally:
        proc.kill()
        proc.wait()


#: Counts of clients for the fresh-client row: 0 (start-up only), 1 and 11.
FRESH_COUNTS = (0, 1, 11)


def fresh_clients() -> Dict[str, Dict[str, object]]:
    """A new client and its first request over TLS, as a PHP-FPM worker makes per web request:
    `dci-bench-rust fresh N` (N clients one after another, each making one GET on a new
    connection) at N = 0, 1 and 11 under callgrind. `first`: what the first client of a
    process costs (N=1 − N=0); `next`: each later one ((N=11 − N=1) / 10). Two rows: the
    emulator's CA given as the client's CA file (comparable with the figures of the release
    before, which built Mozilla's roots per client), and the system trust store holding it
    (SSL_CERT_FILE = Debian's bundle + the emulator's CA: the store is read by the first
    client only)."""
    out: Dict[str, Dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        ca = os.path.join(tmp, "ca.pem")
        proc, url = start_emulator("--tls", "--ca-out", ca)
        try:
            bundle = os.path.join(tmp, "bundle.pem")
            system = Path("/etc/ssl/certs/ca-certificates.crt")
            Path(bundle).write_text((system.read_text() if system.exists() else "") + Path(ca).read_text())
            base = {k: v for k, v in os.environ.items() if k not in ("SSL_CERT_FILE", "SSL_CERT_DIR")}
            base.update(DCI_URL=url, DCI_TOKEN=token_tls(url, ca))
            rows = {
                "fresh_client_ca_file": (
                    "a new client + its first request over TLS, CA file given (`.ca_file(..)`)",
                    dict(base, DCI_CA=ca),
                ),
                "fresh_client_system_store": (
                    "a new client + its first request over TLS, CA in the system store (`SSL_CERT_FILE`)",
                    dict(base, DCI_CA="", SSL_CERT_FILE=bundle),
                ),
            }
            for key, (label, env) in rows.items():
                ir = [run("callgrind", [RUST, "fresh", "{n}", PATH], n, env) for n in FRESH_COUNTS]
                out[key] = {
                    "label": label,
                    "first_client_instructions": ir[1] - ir[0],
                    "next_client_instructions": (ir[2] - ir[1]) / (FRESH_COUNTS[2] - FRESH_COUNTS[1]),
                }
                print(json.dumps({key: out[key]}), flush=True)
        finally:
            proc.kill()
            proc.wait()
    return out


def token_tls(url: str, ca: str) -> str:
    import ssl
    ctx = ssl.create_default_context(cafile=ca)
    req = urllib.request.Request(
        url + "/api/auth/v4/public/token",
        data=json.dumps({"email": "admin@example.com", "password": "secret"}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=10, context=ctx) as r:
        return str(json.loads(r.read())["token"])


if __name__ == "__main__":
    if sys.argv[1:] == ["fresh"]:
        fresh_clients()
    else:
        measure(sys.argv[1:] or None)
