"""Runs every row and scenario of `make bench` and writes bench/results.json (raw numbers);
bench/report.py turns that into bench/RESULTS.md and bench/chart.svg.

Started by scripts/bench.sh (which installs the tools and builds the programs), with the
project's .venv Python. BENCH_QUICK=1: a smoke run of a few seconds with tiny counts.

Every client is a separate program that does a fixed number of requests (not a fixed time)
against the same emulator over loopback, on one kept-alive connection unless stated, and
prints JSON with its own wall time and its CPU time around the timed loop (getrusage). This
driver adds what the program cannot see: the process's peak RSS and CPU from wait4, the
number of TCP connections the emulator accepted during the run, the emulator's own CPU time,
and the system calls per request from `strace -f -c` at two counts (start-up cancels out).
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
# Scenarios on one connection run client and emulator on the same CPU (BENCH_PIN=0 turns it
# off): on a VM a request that crosses vCPUs pays wake-up costs several times the client's own
# work, which would measure the hypervisor, not the clients. Scenario 3 and the emulator's own
# throughput run on every CPU.
PIN = os.environ.get("BENCH_PIN", "1") != "0"
PIN_PREFIX = ["taskset", "-c", "0"] if PIN else []
PY = os.environ.get("BENCH_PYTHON") or str(ROOT / ".venv" / "bin" / "python")
RUST = str(ROOT / "target" / "bench" / "release" / "dci-bench-rust")
CBIN = str(ROOT / "target" / "bench" / "c" / "dci-bench-c")
EMULATOR = os.environ.get("DCIMANAGER_EMULATOR") or str(ROOT / "target" / "release" / "dcimanager-emulator")
PYBENCH = str(BENCH / "python" / "bench.py")
PHPBENCH = str(BENCH / "php" / "bench.php")
ONE = "dci/v3/server/2"     # scenario 1: one server, ~630 bytes of JSON
LIST = "dci/v3/server"      # scenario 2: the admin's list of 1,000 servers, ~640 KB
CLK = os.sysconf("SC_CLK_TCK")

# Counts. A row's count is fixed (its runs take different times): "fast" rows do more
# requests than the slow baselines so that each run lasts about a second in the full run.
CFG: dict[str, Any]
if QUICK:
    CFG = dict(runs=3, n={"fast": 400, "mid": 200, "slow": 100}, strace=(50, 250),
               n_list={"fast": 10, "slow": 5}, n_threads=150, burst_reps=3, cold_reps=3,
               wrk_secs=1, wrk_runs=1)
else:
    CFG = dict(runs=5, n={"fast": 30000, "mid": 8000, "slow": 3000}, strace=(200, 1000),
               n_list={"fast": 150, "slow": 60}, n_threads=8000, burst_reps=7, cold_reps=15,
               wrk_secs=5, wrk_runs=3)


STRACE_COUNTS: tuple[int, int] = CFG["strace"]


def grab(pattern: str, text: str) -> str:
    m = re.search(pattern, text)
    if m is None:
        raise RuntimeError(f"{pattern!r} not found in:\n{text}")
    return m.group(1)


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# Processes
# --------------------------------------------------------------------------------------------

class Emulator:
    """One dcimanager-emulator process (plain HTTP unless tls) and a token for its admin."""

    def __init__(self, tls: bool = False, pinned: bool = True) -> None:
        self.dir = tempfile.mkdtemp(prefix="dci-bench-")
        self.pinned = pinned and PIN
        args = (PIN_PREFIX if self.pinned else []) + [
            EMULATOR, "--listen", "127.0.0.1:0", "--no-log", "--servers", "1000"]
        self.ca = None
        if tls:
            self.ca = os.path.join(self.dir, "ca.pem")
            args += ["--tls", "--ca-out", self.ca]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http"):
            raise SystemExit(f"the emulator did not start ({EMULATOR})")
        self.ctx = ssl.create_default_context(cafile=self.ca) if tls else None
        body = json.dumps({"email": "admin@example.com", "password": "secret"}).encode()
        self.token = self.call("POST", "/api/auth/v4/public/token", body)["token"]

    def call(self, method: str, path: str, body: bytes | None = None) -> dict:
        req = urllib.request.Request(self.url + path, data=body, method=method,
                                     headers={"content-type": "application/json"})
        with urllib.request.urlopen(req, context=self.ctx) as r:
            return json.loads(r.read())

    def connections(self) -> int:
        return self.call("GET", "/emulator/stats")["connections"]

    def cpu_s(self) -> float:
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK  # utime + stime

    def env(self) -> dict:
        env = dict(os.environ, DCI_URL=self.url, DCI_TOKEN=self.token)
        env["DCI_CA"] = self.ca or ""
        return env

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def spawn(argv: list[str], env: dict, emu: Emulator | None = None, stdout: bool = True,
          rss: bool = False, pinned: bool = True) -> dict:
    """Runs a process to its end; its stdout's JSON (last line) merged with what wait4 and the
    emulator say about it. wait4's CPU times are the process's own (and its children's); its
    ru_maxrss is not usable (Linux keeps the high-water mark of this forking driver across
    execve), so with rss=True the process runs under /usr/bin/time, a small process whose
    child's peak RSS is its own."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile(suffix=".time") as tf:
        if rss:
            argv = ["/usr/bin/time", "-f", "%M", "-o", tf.name] + argv
        if pinned:
            argv = PIN_PREFIX + argv
        conns0 = emu.connections() if emu else 0
        cpu0 = emu.cpu_s() if emu else 0.0
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, env=env, stdout=out if stdout else subprocess.DEVNULL, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        rec: dict = {}
        if emu:
            rec["emu_cpu_s"] = emu.cpu_s() - cpu0
            # The stats call itself is a connection: the one made for the "before" query is
            # already counted, the "after" one is counted too.
            rec["connections"] = emu.connections() - conns0 - 1
        out.seek(0)
        text = out.read().decode(errors="replace").strip()
        if p.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"{' '.join(argv)} failed ({p.returncode}):\n{err.read().decode(errors='replace')[-2000:]}")
        if stdout and text:
            rec.update(json.loads(text.splitlines()[-1]))
        rec.update(proc_wall_s=wall, proc_user_s=ru.ru_utime, proc_sys_s=ru.ru_stime)
        if rss:
            rec["time_maxrss_kb"] = int(Path(tf.name).read_text().split()[-1])
        return rec


def strace_counts(argv: list[str], env: dict) -> dict[str, int]:
    """The system calls a process (threads and children included) makes, by name, and
    "total"."""
    with tempfile.NamedTemporaryFile(suffix=".strace") as f:
        subprocess.run(["strace", "-f", "-c", "-o", f.name] + argv, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return parse_strace(Path(f.name).read_text())


def parse_strace(report: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in report.splitlines():
        fields = line.split()
        if len(fields) >= 5 and fields[3].isdigit():
            counts[fields[-1]] = int(fields[3])
    if "total" not in counts:
        raise RuntimeError(f"no total in strace output:\n{report}")
    return counts


def syscalls_per_request(make_argv, env: dict) -> tuple[float, dict[str, float]]:
    """System calls per request: the difference between two counts of requests, so that
    start-up and warm-up cancel; with the calls that changed, by name."""
    small, large = STRACE_COUNTS
    a = strace_counts(make_argv(small), env)
    b = strace_counts(make_argv(large), env)
    per = {k: (b.get(k, 0) - a.get(k, 0)) / (large - small) for k in set(a) | set(b)}
    total = per.pop("total")
    return total, {k: round(v, 4) for k, v in sorted(per.items(), key=lambda kv: -kv[1]) if abs(v) >= 0.0005}


# --------------------------------------------------------------------------------------------
# The rows
# --------------------------------------------------------------------------------------------

def curl_config(emu: Emulator, path: str, n: int) -> str:
    """A curl config: the platform headers and the URL n times (one process, one connection)."""
    f = tempfile.NamedTemporaryFile("w", suffix=".curlrc", delete=False, dir=emu.dir)
    f.write(f'header = "x-xsrf-token: {emu.token}"\nheader = "isp-box-instance: true"\n'
            f'cookie = "ses6={emu.token}"\nsilent\nfail\n')
    if emu.ca:
        f.write(f'cacert = "{emu.ca}"\n')
    f.write(f'url = "{emu.url}/api/{path}"\n' * n)
    f.close()
    return f.name


ROWS = {
    # key: (label, speed class, argv for ("seq"|"list", n, path))
    "rust": ("Rust core (`Client::get` → `Value`)", "fast",
             lambda mode, n, path: [RUST, mode, str(n), path]),
    "rust_raw": ("Rust core (`Client::send`, body as bytes)", "fast",
                 lambda mode, n, path: [RUST, "raw", str(n), path]),
    "c": ("C ABI (C program, `dci_client_request`, body as bytes)", "fast",
          lambda mode, n, path: [CBIN, mode, str(n), path]),
    "py_native": ("Python native (`dcimanager.Client.get`)", "fast",
                  lambda mode, n, path: [PY, PYBENCH, "native", mode, str(n), path]),
    "py_compat": ("Python compat (`dcimanager.compat.Session`)", "mid",
                  lambda mode, n, path: [PY, PYBENCH, "compat", mode, str(n), path]),
    "php_ffi": ("PHP over FFI (`DciManager\\Client::get`)", "fast",
                lambda mode, n, path: ["php", PHPBENCH, "ffi", mode, str(n), path]),
    "requests": ("Python `requests` + urllib3 `Retry` (baseline)", "slow",
                 lambda mode, n, path: [PY, PYBENCH, "requests", mode, str(n), path]),
    "php_curl": ("PHP curl extension (baseline)", "mid",
                 lambda mode, n, path: ["php", PHPBENCH, "curl", mode, str(n), path]),
}


def rounds(jobs: dict, runs: int) -> dict[str, list[dict]]:
    """Runs every job `runs` times, round-robin with a rotating order, so that noise from the
    rest of the machine falls on every row alike and ratios between rows stay fair."""
    out: dict[str, list[dict]] = {k: [] for k in jobs}
    keys = list(jobs)
    for i in range(runs):
        order = keys[i % len(keys):] + keys[:i % len(keys)]
        for k in order:
            out[k].append(jobs[k]())
    return out


def row_job(key: str, emu: Emulator, mode: str, path: str, n: int):
    argv = ROWS[key][2](mode, n, path)
    env = emu.env()

    def job() -> dict:
        rec = spawn(argv, env, emu)
        rec["warm"] = 2 if mode == "list" else 20
        return rec
    return job


def curl_jobs(emu: Emulator, path: str, n: int) -> dict:
    """One curl process with n URLs reuses its connection; a one-URL run measures its
    start-up, subtracted afterwards (curl_row)."""
    env = emu.env()
    one, many = curl_config(emu, path, 1), curl_config(emu, path, n)
    return {"curl:1": lambda: spawn(["curl", "-K", one], env, emu, stdout=False, rss=True),
            "curl:n": lambda: spawn(["curl", "-K", many], env, emu, stdout=False, rss=True)}


def curl_row(base: list[dict], many: list[dict], n: int) -> dict:
    b_wall = statistics.median(r["proc_wall_s"] for r in base)
    b_cpu = statistics.median(r["proc_user_s"] + r["proc_sys_s"] for r in base)
    runs = []
    for rec in many:
        rec.update(n=n - 1, wall_s=rec["proc_wall_s"] - b_wall,
                   user_s=max(rec["proc_user_s"] + rec["proc_sys_s"] - b_cpu, 0.0), sys_s=0.0,
                   maxrss_kb=rec["time_maxrss_kb"], warm=1)
        runs.append(rec)
    return {"key": "curl", "label": "`curl` CLI, one process, one connection (baseline)",
            "n": n - 1, "runs": runs, "startup_wall_s": b_wall}


def curl_syscalls(emu: Emulator, path: str) -> tuple[float, dict[str, float]]:
    small, large = STRACE_COUNTS
    cfgs = {k: curl_config(emu, path, k) for k in (small, large)}
    return syscalls_per_request(lambda k: ["curl", "-K", cfgs[k]], emu.env())


def wrk_argv(emu: Emulator, path: str, threads: int, conns: int, secs: int) -> list[str]:
    return ["wrk", f"-t{threads}", f"-c{conns}", f"-d{secs}s",
            "-H", f"x-xsrf-token: {emu.token}", "-H", f"cookie: ses6={emu.token}",
            "-H", "isp-box-instance: true", f"{emu.url}/api/{path}"]


def run_wrk(emu: Emulator, path: str, threads: int, conns: int, secs: int) -> dict:
    cpu0 = emu.cpu_s()
    c0 = emu.connections()
    t0 = time.perf_counter()
    prefix = PIN_PREFIX if emu.pinned else []
    p = subprocess.run(prefix + wrk_argv(emu, path, threads, conns, secs), capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t0
    emu_cpu = emu.cpu_s() - cpu0
    out = p.stdout
    if re.search(r"Non-2xx|Socket errors", out):
        raise RuntimeError(f"wrk saw errors:\n{out}")
    return {"rps": float(grab(r"Requests/sec:\s+([\d.]+)", out)),
            "requests": int(grab(r"(\d+) requests in", out)),
            "wall_s": wall, "emu_cpu_s": emu_cpu, "threads": threads,
            # wrk connects once at start-up to check the address, then opens its connections.
            "connections": emu.connections() - c0 - 1 - 1}


def wrk_syscalls(emu: Emulator, path: str) -> tuple[float, dict[str, float]]:
    """wrk runs for a fixed time: its calls over the requests it made (start-up included: a
    few hundred calls against thousands of requests)."""
    with tempfile.NamedTemporaryFile(suffix=".strace") as f:
        p = subprocess.run(["strace", "-f", "-c", "-o", f.name] + wrk_argv(emu, path, 1, 1, 1),
                           capture_output=True, text=True, check=True)
        counts = parse_strace(Path(f.name).read_text())
    reqs = max(int(grab(r"(\d+) requests in", p.stdout)), 1)
    total = counts.pop("total") / reqs
    return total, {k: round(v / reqs, 4) for k, v in sorted(counts.items(), key=lambda kv: -kv[1])
                   if v / reqs >= 0.0005}


# --------------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------------

def list_rows(keys: list[str], data: dict, n_of, emu: Emulator, mode: str, path: str,
              with_strace: bool) -> list[dict]:
    rows = []
    for key in keys:
        row: dict[str, Any] = {"key": key, "label": ROWS[key][0], "n": n_of(key), "runs": data[key]}
        if with_strace:
            log(f"  strace {key}")
            argv = ROWS[key][2]
            row["syscalls_per_req"], row["syscalls_by_name"] = syscalls_per_request(
                lambda k, argv=argv: argv(mode, k, path), emu.env())
        rows.append(row)
    return rows


def scenario1(emu: Emulator, tls_emu: Emulator | None, free_emu: Emulator) -> dict[str, Any]:
    log(f"scenario 1: sequential GET of one server — {CFG['runs']} rounds over every row")
    keys = ["rust", "rust_raw", "c", "py_native", "py_compat", "php_ffi", "requests", "php_curl"]
    n_of = lambda key: CFG["n"][ROWS[key][1]]  # noqa: E731
    n_curl = CFG["n"]["mid"]
    jobs = {k: row_job(k, emu, "seq", ONE, n_of(k)) for k in keys}
    jobs.update(curl_jobs(emu, ONE, n_curl))
    jobs["wrk"] = lambda: run_wrk(emu, ONE, 1, 1, CFG["wrk_secs"])
    data = rounds(jobs, CFG["runs"])
    rows = list_rows(keys, data, n_of, emu, "seq", ONE, True)
    curl = curl_row(data["curl:1"], data["curl:n"], n_curl)
    log("  strace curl, wrk")
    curl["syscalls_per_req"], curl["syscalls_by_name"] = curl_syscalls(emu, ONE)
    rows.append(curl)
    ceiling: dict[str, Any] = {"key": "wrk_t1_c1", "label": "`wrk -t1 -c1` (ceiling: server + loopback, one connection)",
               "runs": data["wrk"]}
    ceiling["syscalls_per_req"], ceiling["syscalls_by_name"] = wrk_syscalls(emu, ONE)
    rows.append(ceiling)
    tls_rows = []
    if tls_emu:
        log("  over TLS: rust, py_native")
        tkeys = ["rust", "py_native"]
        tdata = rounds({k: row_job(k, tls_emu, "seq", ONE, n_of(k)) for k in tkeys}, CFG["runs"])
        for r in list_rows(tkeys, tdata, n_of, tls_emu, "seq", ONE, True):
            r["key"] += "_tls"
            r["label"] += ", TLS 1.3"
            tls_rows.append(r)
    log("  the emulator alone: wrk -t2 -c16")
    multi = {"key": "wrk_t2_c16", "label": "`wrk -t2 -c16`",
             "runs": [run_wrk(free_emu, ONE, 2, 16, CFG["wrk_secs"]) for _ in range(CFG["wrk_runs"])]}
    return {"rows": rows, "tls_rows": tls_rows, "emulator_multi": multi}


def scenario2(emu: Emulator) -> dict:
    log(f"scenario 2: GET of the 1,000-server list, parsed — {CFG['runs']} rounds")
    keys = ["rust", "c", "py_native", "py_compat", "php_ffi", "requests", "php_curl"]
    n_of = lambda key: CFG["n_list"]["fast" if key in ("rust", "c") else "slow"]  # noqa: E731
    n_curl = CFG["n_list"]["fast"]
    jobs = {k: row_job(k, emu, "list", LIST, n_of(k)) for k in keys}
    jobs.update(curl_jobs(emu, LIST, n_curl))
    jobs["wrk"] = lambda: run_wrk(emu, LIST, 1, 1, CFG["wrk_secs"])
    data = rounds(jobs, CFG["runs"])
    rows = list_rows(keys, data, n_of, emu, "list", LIST, False)
    rows.append(curl_row(data["curl:1"], data["curl:n"], n_curl))
    rows.append({"key": "wrk_t1_c1", "label": "`wrk -t1 -c1` (ceiling, body not parsed)", "runs": data["wrk"]})
    return {"rows": rows}


def scenario3(emu: Emulator) -> dict:
    log(f"scenario 3: threads sharing one client — {CFG['runs']} rounds")
    n = CFG["n_threads"]
    progs = {
        "rust": ("Rust core", lambda t: [RUST, "threads", str(t), str(n), ONE]),
        "c": ("C ABI", lambda t: [CBIN, "threads", str(t), str(n), ONE]),
        "py_native": ("Python native", lambda t: [PY, PYBENCH, "native", "threads", str(t), str(n), ONE]),
    }
    env = emu.env()

    def job(argv):
        def run() -> dict:
            rec = spawn(argv, env, emu, pinned=False)
            rec["warm"] = 20
            return rec
        return run

    jobs = {f"{k}:{t}": job(argv(t)) for k, (_, argv) in progs.items() for t in (1, 4)}
    data = rounds(jobs, CFG["runs"])
    rows = [{"key": k, "label": label, "t1": data[f"{k}:1"], "t4": data[f"{k}:4"]}
            for k, (label, _) in progs.items()]
    return {"rows": rows, "per_thread_n": n}


def scenario4(emu: Emulator) -> dict:
    log("scenario 4: a burst of five 503s, then success")
    reps = CFG["burst_reps"]
    progs = {
        "rust": ("Rust core (default policy)", [RUST, "burst", str(reps), ONE]),
        "py_native": ("Python native (default policy)", [PY, PYBENCH, "native", "burst", str(reps), ONE]),
        "py_compat": ("Python compat `Session` + `Retry`", [PY, PYBENCH, "compat", "burst", str(reps), ONE]),
        "requests": ("`requests` + urllib3 `Retry` (identical)", [PY, PYBENCH, "requests", "burst", str(reps), ONE]),
    }
    rows = []
    for key, (label, argv) in progs.items():
        log(f"  {key} ×{reps}")
        emu.call("DELETE", "/emulator/faults")
        rec = spawn(argv, emu.env(), emu)
        rows.append({"key": key, "label": label, "times_s": rec["times_s"], "attempts": rec["attempts"]})
    # urllib3's schedule for backoff_factor 0.01: no sleep before retry 1, then
    # 0.01 * 2^(k-1) before retry k = 2..5.
    schedule = sum(0.01 * 2 ** (k - 1) for k in range(2, 6))
    return {"rows": rows, "schedule_s": schedule, "faults": 5, "backoff_factor": 0.01}


def scenario5(emu: Emulator) -> dict:
    log(f"scenario 5: cold start (fresh process, load, one authenticated GET) — {CFG['cold_reps']} rounds")
    reps = CFG["cold_reps"]
    env = emu.env()
    one = curl_config(emu, ONE, 1)
    progs = [
        ("rust", "Rust core (static binary)", [RUST, "cold", ONE]),
        ("c", "C ABI (dynamic libdcimanager.so)", [CBIN, "cold", ONE]),
        ("py_native", "Python: `import dcimanager` + `Client.get`", [PY, PYBENCH, "native", "cold", ONE]),
        ("py_compat", "Python: `import dcimanager.compat` + `Session.get`", [PY, PYBENCH, "compat", "cold", ONE]),
        ("requests", "Python: `import requests` + `Session.get`", [PY, PYBENCH, "requests", "cold", ONE]),
        ("php_ffi", "PHP: package autoload + `FFI::cdef` + `get`", ["php", PHPBENCH, "ffi", "cold", ONE]),
        ("php_curl", "PHP: curl extension + `curl_exec`", ["php", PHPBENCH, "curl", "cold", ONE]),
        ("curl", "`curl` CLI, one request", ["curl", "-K", one]),
        ("py_empty", "reference: `python -c pass`", [PY, "-c", "pass"]),
        ("php_empty", "reference: `php -r ''`", ["php", "-r", ""]),
    ]
    for key, label, argv in progs:  # warm the page cache and the .pyc files
        spawn(argv, env, stdout=key != "curl")
    jobs = {key: (lambda argv=argv, key=key: spawn(argv, env, stdout=key != "curl")) for key, _, argv in progs}
    data = rounds(jobs, reps)
    rows = []
    for key, label, argv in progs:
        peak = spawn(argv, env, stdout=False, rss=True)["time_maxrss_kb"]  # a separate run
        rows.append({"key": key, "label": label, "runs": data[key], "peak_rss_kb": peak})
    return {"rows": rows}


BATCH_N, BATCH_DELAY_MS, BATCH_CONCURRENCY = 100, 5, 16


def php_batches() -> bool:
    """Whether bench/php/bench.php has the batch mode (the PHP binding's getAll)."""
    try:
        p = subprocess.run(["php", PHPBENCH, "ffi", "batch-probe"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return p.returncode == 0 and "batch" in p.stdout


def scenario6(emu: Emulator) -> dict:
    """Batches: 100 GETs, each answered 5 ms late, one after another vs one batch of 16 at
    once (C `dci_client_send_batch`, PHP `getAll`). The emulator runs on every CPU (its
    connections' threads answer at once); each run queues its own delays."""
    log(f"scenario 6: batches — {BATCH_N} GETs, each answer {BATCH_DELAY_MS} ms late, {CFG['runs']} rounds")
    n = BATCH_N
    progs = {
        "c_seq": ("C ABI, one after another (`dci_client_request`)", [CBIN, "batch", str(n), "1", ONE]),
        "c_batch": (f"C ABI, one batch, {BATCH_CONCURRENCY} at once (`dci_client_send_batch`)",
                    [CBIN, "batch", str(n), str(BATCH_CONCURRENCY), ONE]),
    }
    if php_batches():
        progs["php_seq"] = ("PHP over FFI, one after another (`get`)",
                            ["php", PHPBENCH, "ffi", "batch", str(n), "1", ONE])
        progs["php_batch"] = (f"PHP over FFI, `getAll`, {BATCH_CONCURRENCY} at once",
                              ["php", PHPBENCH, "ffi", "batch", str(n), str(BATCH_CONCURRENCY), ONE])
    else:
        log("  bench/php/bench.php has no batch mode: the PHP rows are left out")
    env = emu.env()
    fault = json.dumps({"kind": "delay", "delay_ms": BATCH_DELAY_MS, "count": n + 1, "path": ONE}).encode()

    def job(argv: list[str]):
        def run() -> dict:
            emu.call("DELETE", "/emulator/faults")
            emu.call("POST", "/emulator/faults", fault)
            return spawn(argv, env, emu, pinned=False)
        return run

    data = rounds({key: job(argv) for key, (_, argv) in progs.items()}, CFG["runs"])
    emu.call("DELETE", "/emulator/faults")
    return {"n": n, "delay_ms": BATCH_DELAY_MS, "concurrency": BATCH_CONCURRENCY,
            "rows": [{"key": k, "label": label, "runs": data[k]} for k, (label, _) in progs.items()]}


# --------------------------------------------------------------------------------------------
# Machine and versions
# --------------------------------------------------------------------------------------------

def first_line(argv: list[str], pattern: str | None = None) -> str:
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return "n/a"
    text = (p.stdout + p.stderr).strip()
    if pattern:
        m = re.search(pattern, text)
        return m.group(1) if m else "n/a"
    return text.splitlines()[0] if text else "n/a"


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown"
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, AttributeError):
        pass
    crate = re.search(r'^version = "(.*)"', (ROOT / "Cargo.toml").read_text(), re.M).group(1)
    pyv = subprocess.run([PY, "-c", "import sys, requests, urllib3, dcimanager; print(sys.version.split()[0], "
                          "requests.__version__, urllib3.__version__, dcimanager.__version__, dcimanager.__file__)"],
                         capture_output=True, text=True).stdout.split()
    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory": mem,
        "kernel": platform.release(),
        "os": first_line(["sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"]),
        "loadavg_start": Path("/proc/loadavg").read_text().split()[:3],
        "versions": {
            "dcimanager crate": crate,
            "dcimanager Python package": pyv[3] if len(pyv) > 3 else "n/a",
            "rustc": first_line(["rustc", "-V"]),
            "cc": first_line(["cc", "--version"]),
            "Python": pyv[0] if pyv else "n/a",
            "requests": pyv[1] if len(pyv) > 1 else "n/a",
            "urllib3": pyv[2] if len(pyv) > 2 else "n/a",
            "PHP": first_line(["php", "-v"]),
            "PHP curl (libcurl)": first_line(["php", "-r", "echo curl_version()['version'];"]),
            "curl": first_line(["curl", "-V"]),
            "wrk": first_line(["wrk", "-v"], r"(wrk \S+)"),
            "strace": first_line(["strace", "-V"]),
        },
        "python_module": pyv[4] if len(pyv) > 4 else "n/a",
        "python_module_stale": python_module_stale(pyv[4] if len(pyv) > 4 else None),
    }


def python_module_stale(init_py: str | None) -> bool:
    """Whether the imported native module is older than the Rust sources it is built from."""
    if not init_py:
        return False
    natives = list(Path(init_py).parent.glob("_native*.so"))
    if not natives:
        return False
    sources = [*ROOT.joinpath("src").rglob("*.rs"), *ROOT.joinpath("bindings", "python", "src").rglob("*.rs")]
    newest = max((f.stat().st_mtime for f in sources), default=0.0)
    return natives[0].stat().st_mtime < newest


def php_package_check(emu: Emulator) -> dict:
    """The PHP row uses the package in bindings/php (DciManager\\Client). If it is missing or
    does not work yet, the row falls back to FFI::cdef on its header directly, and says so."""
    client = ROOT / "bindings" / "php" / "src" / "Client.php"
    if os.environ.get("BENCH_PHP_RAW_FFI") == "1":
        return {"mode": "raw", "reason": "BENCH_PHP_RAW_FFI=1"}
    if not client.exists():
        reason = "bindings/php/src/Client.php does not exist"
    else:
        try:
            spawn(["php", PHPBENCH, "ffi", "cold", ONE], emu.env())
            return {"mode": "package"}
        except RuntimeError as e:
            reason = str(e).strip().splitlines()[-1][:300]
    log(f"  PHP package not usable ({reason}): the PHP FFI row uses FFI::cdef directly")
    os.environ["BENCH_PHP_RAW_FFI"] = "1"
    label = "PHP over FFI (`FFI::cdef` on dcimanager_php.h; package not ready)"
    ROWS["php_ffi"] = (label,) + ROWS["php_ffi"][1:]
    return {"mode": "raw", "reason": reason}


def instructions() -> dict:
    """bench/instructions.py: deterministic counts per request, each row at 200 and 1,200
    requests (QUICK: only the fast rows at 50 and 250)."""
    sys.path.insert(0, str(BENCH))
    import instructions as ins  # noqa: E402

    if QUICK:
        ins.COUNTS = (50, 250)
        return ins.measure(["c", "rust_raw", "py_native"])
    return ins.measure()


def fresh_clients() -> dict:
    """bench/instructions.py's fresh-client rows: instructions of a new client and its first
    request over TLS, the first of a process and each later one."""
    sys.path.insert(0, str(BENCH))
    import instructions as ins  # noqa: E402

    return ins.fresh_clients()


def main() -> None:
    t0 = time.time()
    results: dict[str, Any] = {"quick": QUICK, "config": CFG, "machine": machine()}
    log(f"{'QUICK smoke run' if QUICK else 'full run'}; emulator {EMULATOR}")
    results["config"]["pinned"] = PIN
    emu = Emulator()
    free_emu = Emulator(pinned=False)
    tls_emu = None if os.environ.get("BENCH_TLS") == "0" else Emulator(tls=True)
    try:
        results["php_package"] = php_package_check(emu)
        results["s1"] = scenario1(emu, tls_emu, free_emu)
        results["s2"] = scenario2(emu)
        results["s3"] = scenario3(free_emu)
        results["s4"] = scenario4(emu)
        results["s5"] = scenario5(emu)
        results["s6"] = scenario6(free_emu)
        log("instructions and allocations per request (callgrind, dhat)")
        results["instructions"] = instructions()
        log("a new client and its first request over TLS (callgrind)")
        results["fresh_clients"] = fresh_clients()
    finally:
        emu.stop()
        free_emu.stop()
        if tls_emu:
            tls_emu.stop()
    results["machine"]["loadavg_end"] = Path("/proc/loadavg").read_text().split()[:3]
    results["duration_s"] = time.time() - t0
    out = BENCH / "results.json"
    out.write_text(json.dumps(results, indent=1) + "\n")
    log(f"wrote {out.relative_to(ROOT)} in {results['duration_s']:.0f} s")


if __name__ == "__main__":
    main()
