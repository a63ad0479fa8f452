"""Renders bench/results.json (written by bench/run.py) into bench/RESULTS.md and
bench/chart.svg. Every figure and every PASS/MISS comes from that one file, so the two
outputs always describe one run:

    .venv/bin/python bench/report.py [results.json]
"""

from __future__ import annotations

import html
import json
import statistics
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
med = statistics.median


# --------------------------------------------------------------------------------------------
# Figures of a row
# --------------------------------------------------------------------------------------------


#: The fresh-client row before the TLS connector of its own (release 0.1.0, commit be30b24:
#: Mozilla's roots parsed into a root store for every client, no TLS session shared between
#: clients), measured by the same program and method; kept here since that code is gone.
FRESH_BEFORE = {
    "label": "before (0.1.0, be30b24): CA file given, Mozilla's roots built per client",
    "first_client_instructions": 4_079_947,
    "next_client_instructions": 4_084_775,
}

def rps_list(runs: list[dict]) -> list[float]:
    return [r["n"] / r["wall_s"] for r in runs]


def cpu_us(runs: list[dict]) -> float:
    return med((r["user_s"] + r["sys_s"]) / r["n"] * 1e6 for r in runs)


def rss_mb(runs: list[dict]) -> float:
    return max(r.get("maxrss_kb") or r.get("time_maxrss_kb") or 0 for r in runs) / 1024


def emu_us(runs: list[dict]) -> float | None:
    vals = [r["emu_cpu_s"] / (r["n"] + r.get("warm", 0)) * 1e6 for r in runs if "emu_cpu_s" in r]
    return med(vals) if vals else None


def conns(runs: list[dict]) -> int | None:
    vals = [r["connections"] for r in runs if "connections" in r]
    return max(vals) if vals else None


def summary(row: dict) -> dict:
    if row["key"].startswith("wrk"):
        rps = [r["rps"] for r in row["runs"]]
        emu = med(r["emu_cpu_s"] / r["requests"] * 1e6 for r in row["runs"])
        return {"rps": med(rps), "min": min(rps), "max": max(rps), "cpu_us": None, "rss_mb": None,
                "emu_us": emu, "conns": max(r["connections"] for r in row["runs"]),
                "syscalls": row.get("syscalls_per_req")}
    rps = rps_list(row["runs"])
    return {"rps": med(rps), "min": min(rps), "max": max(rps), "cpu_us": cpu_us(row["runs"]),
            "rss_mb": rss_mb(row["runs"]), "emu_us": emu_us(row["runs"]), "conns": conns(row["runs"]),
            "syscalls": row.get("syscalls_per_req")}


SYSCALL_SLACK = 0.05  # rare calls amortized over requests (an allocator's mmap, a timer)


def by_name(row: dict, limit: int = 6) -> str:
    names = row.get("syscalls_by_name") or {}
    parts = [f"`{k}` {v:g}" for k, v in list(names.items())[:limit] if v > 0]
    return ", ".join(parts) or "—"


def fmt(x: float | None, digits: int = 0, unit: str = "") -> str:
    if x is None:
        return "—"
    if digits == 0:
        return f"{x:,.0f}{unit}"
    return f"{x:,.{digits}f}{unit}"


def rate(s: dict, digits: int = 0) -> tuple[str, str]:
    return fmt(s["rps"], digits), f"{fmt(s['min'], digits)}–{fmt(s['max'], digits)}"


# --------------------------------------------------------------------------------------------
# The chart
# --------------------------------------------------------------------------------------------

def chart(rows: list[tuple[str, dict, str]], title: str, subtitle: str) -> str:
    """A horizontal bar chart: median requests/s per row, a whisker for min–max."""
    colors = {"ours": "#2f6fb3", "base": "#9a9a9a", "ceiling": "#d08a2e"}
    label_w, bar_w, row_h, top = 400, 440, 30, 64
    width = label_w + bar_w + 110
    height = top + row_h * len(rows) + 46
    vmax = max(s["max"] for _, s, _ in rows) * 1.05
    x = lambda v: label_w + bar_w * v / vmax  # noqa: E731
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="13">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="12" y="24" font-size="16" font-weight="bold">{html.escape(title)}</text>',
           f'<text x="12" y="44" fill="#555">{html.escape(subtitle)}</text>']
    step = 10 ** len(str(int(vmax))) / 10
    while vmax / step < 4:
        step /= 2
    tick = 0.0
    while tick <= vmax:
        tx = x(tick)
        out.append(f'<line x1="{tx:.1f}" y1="{top - 6}" x2="{tx:.1f}" y2="{top + row_h * len(rows)}" stroke="#e4e4e4"/>')
        out.append(f'<text x="{tx:.1f}" y="{top + row_h * len(rows) + 16}" text-anchor="middle" fill="#666" '
                   f'font-size="11">{tick / 1000:g}k</text>')
        tick += step
    for i, (label, s, kind) in enumerate(rows):
        y = top + i * row_h
        out.append(f'<text x="{label_w - 8}" y="{y + 19}" text-anchor="end">{html.escape(label)}</text>')
        out.append(f'<rect x="{label_w}" y="{y + 5}" width="{x(s["rps"]) - label_w:.1f}" height="{row_h - 10}" '
                   f'fill="{colors[kind]}"/>')
        cy = y + row_h / 2
        out.append(f'<line x1="{x(s["min"]):.1f}" y1="{cy:.1f}" x2="{x(s["max"]):.1f}" y2="{cy:.1f}" stroke="black"/>')
        for v in (s["min"], s["max"]):
            out.append(f'<line x1="{x(v):.1f}" y1="{cy - 5:.1f}" x2="{x(v):.1f}" y2="{cy + 5:.1f}" stroke="black"/>')
        out.append(f'<text x="{max(x(s["max"]), x(s["rps"])) + 6:.1f}" y="{y + 19}" fill="#222">{fmt(s["rps"])}</text>')
    ly = top + row_h * len(rows) + 36
    lx = 12
    for kind, name in (("ours", "this project"), ("base", "baseline users have today"),
                       ("ceiling", "ceiling (wrk)")):
        out.append(f'<rect x="{lx}" y="{ly - 10}" width="12" height="12" fill="{colors[kind]}"/>')
        out.append(f'<text x="{lx + 18}" y="{ly}">{name}</text>')
        lx += 30 + 8 * len(name)
    out.append(f'<text x="{width - 12}" y="{ly}" text-anchor="end" fill="#666" font-size="11">'
               'requests/s, median; whiskers: min–max</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------

SHORT = {
    "rust": "Rust core", "rust_raw": "Rust core (raw body)", "c": "C ABI", "py_native": "Python native",
    "py_compat": "Python compat Session", "php_ffi": "PHP over FFI", "requests": "requests + urllib3",
    "php_curl": "PHP curl extension", "curl": "curl CLI", "wrk_t1_c1": "wrk -t1 -c1 (ceiling)",
}
OURS = {"rust", "rust_raw", "c", "py_native", "py_compat", "php_ffi"}


def render(res: dict) -> tuple[str, str]:
    m = res["machine"]
    cfg = res["config"]
    s1 = {r["key"]: r for r in res["s1"]["rows"]}
    S1 = {k: summary(r) for k, r in s1.items()}
    tls = [(r, summary(r)) for r in res["s1"].get("tls_rows", [])]
    multi = summary(res["s1"]["emulator_multi"])
    s2 = {r["key"]: r for r in res["s2"]["rows"]}
    S2 = {k: summary(r) for k, r in s2.items()}
    s5 = {r["key"]: r for r in res["s5"]["rows"]}
    L: list[str] = []
    w = L.append

    w("# Benchmark results")
    w("")
    w(f"Generated by `make bench` (`scripts/bench.sh` → `bench/run.py` → `bench/report.py`) on "
      f"{m['date']}, from the raw numbers in [`results.json`](results.json). Do not edit by hand: "
      "run `make bench` again.")
    w("")
    if res.get("quick"):
        w("> **QUICK smoke run (`BENCH_QUICK=1`)**: tiny counts and few runs, to check that the harness "
          "works. The figures are noisy and are not the project's results; run `make bench` on a quiet "
          "machine for those.")
        w("")
    w(f"![Scenario 1: requests/s per client](chart.svg)")
    w("")
    w("## Machine")
    w("")
    w("| | |")
    w("|---|---|")
    w(f"| CPU | {m['cpu']} × {m['nproc']} (`nproc`) |")
    w(f"| memory | {m['memory']} |")
    w(f"| kernel | {m['kernel']} ({m['os']}) |")
    w(f"| load average at start / end | {' '.join(m['loadavg_start'])} / {' '.join(m.get('loadavg_end', ['?']))} |")
    w(f"| duration of the run | {res['duration_s']:.0f} s |")
    for k, v in m["versions"].items():
        w(f"| {k} | {v} |")
    w("")
    pk = res.get("php_package", {})
    if pk.get("mode") == "raw":
        w(f"> The PHP over FFI rows call `FFI::cdef` on `bindings/php/include/dcimanager_php.h` "
          f"directly: the package in `bindings/php` could not be used ({pk.get('reason')}).")
        w("")
    w("## Method")
    w("")
    w("- Every client runs against the same `dcimanager-emulator` (`--no-log`, 1,000 servers) on "
      "127.0.0.1, over **plain HTTP**: TLS is off because the benchmark measures the client, not "
      "the cryptography (two extra rows show the Rust core and Python native over TLS 1.3).")
    w("- One kept-alive connection unless stated: the emulator's connection counter is read "
      "before and after each run (column *conns*).")
    if cfg.get("pinned"):
        w("- **Client and emulator share one CPU** (`taskset -c 0`) in scenarios 1, 2, 4 and 5, "
          "the `wrk -t1 -c1` ceiling included: on this VM a request whose two ends sit on "
          "different vCPUs pays wake-ups that cost several times the client's own work, and the "
          "table would measure the hypervisor rather than the clients. Scenario 3 and the "
          "emulator's multi-connection throughput run on every CPU. `BENCH_PIN=0 make bench` "
          "measures without pinning.")
    w(f"- Each row is a separate program that does a **fixed number of requests** (after 20 "
      f"untimed warm-up requests; 2 for scenario 2) and prints its own wall time; "
      f"requests/s is the **median of {cfg['runs']} runs** (min–max shown). The runs go "
      "round-robin over the rows of a scenario (run 1 of every row, then run 2...), so that "
      "noise from the rest of the machine falls on every row alike. The scripts: "
      "`bench/rust` (Rust, built into `target/bench`), `bench/c/bench.c`, `bench/python/bench.py`, "
      "`bench/php/bench.php`; `curl` is one process given the URL *n* times (its start-up, "
      "from a one-URL run, is subtracted).")
    w("- **CPU µs per request**: user + system time of the client process (all threads) from "
      "`getrusage` around the timed loop, divided by the count. **Peak RSS**: `VmHWM` of the "
      "process at the end of the run (`/usr/bin/time -f %M` for `curl` and the cold starts). **System calls per request**: `strace -f -c` of the same program at "
      f"{cfg['strace'][0]} and {cfg['strace'][1]} requests, difference divided by "
      f"{cfg['strace'][1] - cfg['strace'][0]} (start-up cancels; the count does not depend on "
      "machine noise).")
    w("- The ceiling is `wrk -t1 -c1` with the same headers against the same URL: what the "
      "emulator and loopback allow on one connection. The emulator's own multi-connection "
      "throughput is shown below so that it is not mistaken for the limit.")
    w("")

    # ---------------------------------------------------------------- targets
    w("## Targets (ratios from this run)")
    w("")
    w("| target | measured | result |")
    w("|---|---|---|")
    verdicts = []

    def target(name: str, measured: str, ok: bool | None, why: str = "") -> None:
        res_s = "—" if ok is None else ("**PASS**" if ok else "**MISS**")
        w(f"| {name} | {measured} | {res_s} |")
        if ok is False and why:
            verdicts.append(f"- *{name}*: {why}")

    for key in ["rust", "c", "py_native", "py_compat", "php_ffi"]:
        sc = S1[key]["syscalls"]
        target(f"system calls per keep-alive request ≤ 3: {SHORT[key]}", f"{fmt(sc, 3)} ({by_name(s1[key], 4)})",
               sc is not None and sc <= 3.0 + SYSCALL_SLACK,
               f"{fmt(sc, 2)} calls per request: {by_name(s1[key])}; see *Findings*.")
    for r, s in tls:
        sc = s["syscalls"]
        target(f"system calls per keep-alive request ≤ 3: {SHORT[r['key'][:-4]]} over TLS",
               f"{fmt(sc, 3)} ({by_name(r, 4)})", sc is not None and sc <= 3.0 + SYSCALL_SLACK,
               f"{fmt(sc, 2)} calls per request: {by_name(r)}.")
    req = S1["requests"]
    n = S1["py_native"]
    ratio = n["rps"] / req["rps"]
    target("Python native ≥ 8× the requests/s of requests + urllib3", f"{ratio:.1f}×", ratio >= 8,
           f"{fmt(n['rps'])} vs {fmt(req['rps'])} req/s. The native client spends "
           f"{fmt(n['cpu_us'], 1)} µs of CPU per request, the emulator about {fmt(n['emu_us'], 1)} µs "
           f"and the ceiling round trip is {1e6 / S1['wrk_t1_c1']['rps']:.1f} µs: once the client is "
           "fast, the round trip through the server bounds the ratio on one connection.")
    cr = req["cpu_us"] / n["cpu_us"]
    target("Python native ≤ 1/8 of the CPU per request of requests + urllib3",
           f"{fmt(n['cpu_us'], 1)} vs {fmt(req['cpu_us'], 1)} µs (1/{cr:.1f})", cr >= 8,
           "CPU per request of the native client is above one eighth of requests'.")
    cpr = S1["py_compat"]["rps"] / req["rps"]
    target("Python compat `Session` ≥ 5× requests + urllib3", f"{cpr:.1f}×", cpr >= 5,
           f"the compat layer spends {fmt(S1['py_compat']['cpu_us'], 1)} µs of CPU per request, "
           f"most of it in Python (header, cookie and URL handling that mirrors requests), against "
           f"{fmt(n['cpu_us'], 1)} µs for the native API.")
    imp_d = med(r["import_s"] for r in s5["py_native"]["runs"])
    imp_r = med(r["import_s"] for r in s5["requests"]["runs"])
    target("`import dcimanager` ≤ 1/3 of `import requests`",
           f"{imp_d * 1e3:.1f} vs {imp_r * 1e3:.1f} ms (1/{imp_r / imp_d:.1f})", imp_d * 3 <= imp_r,
           "the import of the package is more than a third of requests'.")
    c, rr, rg = S1["c"], S1["rust_raw"], S1["rust"]
    d = c["rps"] / rr["rps"] - 1
    target("C ABI within 5% of the Rust core (same work: body kept as bytes)",
           f"{d * 100:+.1f}% ({fmt(c['rps'])} vs {fmt(rr['rps'])} req/s; vs `get`→`Value`: "
           f"{(c['rps'] / rg['rps'] - 1) * 100:+.1f}%)", abs(d) <= 0.05 or d > 0,
           "the C program is more than 5% slower than the Rust core doing the same work; the "
           "min–max ranges show whether that is noise.")
    p = S1["php_ffi"]["rps"] / S1["php_curl"]["rps"]
    target("PHP over FFI ≥ PHP's curl extension", f"{p:.2f}× ({fmt(S1['php_ffi']['rps'])} vs "
           f"{fmt(S1['php_curl']['rps'])} req/s)", p >= 1, "PHP over FFI is slower than curl.")
    ceil = S1["wrk_t1_c1"]["rps"]
    rc = rg["rps"] / ceil
    target("Rust core ≥ 50% of the `wrk -t1 -c1` ceiling", f"{rc * 100:.0f}% ({fmt(rg['rps'])} of {fmt(ceil)} req/s)",
           rc >= 0.5, "the Rust core reaches less than half of what wrk gets on one connection.")
    for row in res["s3"]["rows"]:
        r1 = med(rps_list(row["t1"]))
        r4 = med(rps_list(row["t4"]))
        target(f"4 threads ≥ 2.5× one thread: {row['label']}", f"{r4 / r1:.2f}×", r4 / r1 >= 2.5,
               f"{m['nproc']} cores: the 4 client threads and the emulator's 4 connection threads "
               "share them (see scenario 3); the target needs cores to spare for the emulator.")
    lst = s2["rust"]["runs"]
    body = lst[0]["body_bytes"]
    send_b = med(r["send_alloc_bytes_per_req"] for r in lst)
    target("Scenario 2, Rust: the body read into one buffer (exchange allocates ≤ 1.25 × body)",
           f"{send_b / 1024:,.0f} KiB allocated for a {body / 1024:,.0f} KiB body ({send_b / body:.2f}×)",
           send_b <= 1.25 * body,
           "the body buffer grows by doubling while it is read (see *Findings*): every growth "
           "copies what was read so far.")
    ins = res.get("instructions") or {}
    if ins:
        ipr = lambda k: ins[k]["instructions_per_request"] if k in ins else None  # noqa: E731
        apr = lambda k: ins[k]["allocations_per_request"] if k in ins else None  # noqa: E731
        for key, limit in [("c", 35_000), ("rust_raw", 30_000)]:
            v = ipr(key)
            if v is not None:
                target(f"instructions per request ≤ {limit:,}: {ins[key]['label']}", f"{v:,.0f}", v <= limit,
                       f"{v:,.0f} instructions per request (see *Instructions and allocations*).")
        if ipr("py_compat") and ipr("requests"):
            v, r = ipr("py_compat"), ipr("requests")
            target("instructions per request ≤ 1/15 of requests + urllib3: Python compat (one path for "
                   "every request, no plan cache)", f"{v:,.0f} vs {r:,.0f} (1/{r / v:.1f})", v <= r / 15,
                   "compat's own Python work per request (headers, cookies, the Response) has grown.")
        if ipr("c") and ipr("py_native"):
            r = ipr("py_native") / ipr("c")
            target("instructions per request: Python native ≤ 1.15 × the C ABI",
                   f"{ipr('py_native'):,.0f} vs {ipr('c'):,.0f} ({r:.2f}×)", r <= 1.15,
                   "the Python row builds the answer's dict and strings (the C row hands the "
                   "bytes over): CPython's object creation is most of the difference"
                   + (f"; body as bytes, like the C row, Python costs "
                      f"{ipr('py_native_bytes'):,.0f} ({ipr('py_native_bytes') / ipr('c'):.2f}×)."
                      if ipr("py_native_bytes") else ".")
                   + (f" Parsed, like the Rust `get`→`Value` row ({ipr('rust'):,.0f}), Python costs "
                      f"{ipr('py_native') / ipr('rust'):.2f}× it." if ipr("rust") else ""))
        if apr("rust_raw") is not None:
            a = apr("rust_raw")
            target("allocations per request halved (≤ 25.5, from 51 + 2 reallocations): Rust `Client::send`",
                   f"{a:.0f}", a <= 25.5, "ureq's `Agent::run` allocates 22 blocks per request by itself.")
    s6 = res.get("s6")
    if s6:
        walls = {r["key"]: med(x["wall_s"] for x in r["runs"]) for r in s6["rows"]}
        for lang, label in (("c", "C ABI"), ("php", "PHP over FFI")):
            if f"{lang}_seq" in walls and f"{lang}_batch" in walls:
                x = walls[f"{lang}_seq"] / walls[f"{lang}_batch"]
                target(f"a batch of {s6['n']} GETs (each answer {s6['delay_ms']} ms late) ≥ 8× one after "
                       f"another, {s6['concurrency']} at once: {label}",
                       f"{x:.1f}× ({walls[f'{lang}_seq'] * 1000:,.0f} vs {walls[f'{lang}_batch'] * 1000:,.0f} ms)",
                       x >= 8, "the emulator's threads or the machine's 2 cores bound how many answers "
                       "are under way at once.")
    w("")
    if verdicts:
        w("Misses, with the likely reason:")
        w("")
        L.extend(verdicts)
        w("")

    # ---------------------------------------------------------------- instructions
    if ins:
        w("## Instructions and allocations per request (deterministic)")
        w("")
        w("`bench/instructions.py`: each program makes N = 200 and N = 1,200 keep-alive GETs of "
          "`auth/v4/whoami` (a JSON object of ~130 bytes) against a plain-HTTP emulator, under "
          "`valgrind --tool=callgrind` (instructions) and `--tool=dhat` (heap blocks); the figures "
          "are the difference of the two runs divided by 1,000, so start-up and warm-up cancel out. "
          "They repeat exactly from run to run, whatever else the machine is doing.")
        w("")
        w("| client | instructions per request | allocations per request |")
        w("|---|---:|---:|")
        for key, row in ins.items():
            w(f"| {row['label']} | {row['instructions_per_request']:,.0f} | {row['allocations_per_request']:.0f} |")
        w("")
        if "rust_raw" in ins and "rust_observed" in ins:
            d = ins["rust_observed"]["instructions_per_request"] - ins["rust_raw"]["instructions_per_request"]
            w(f"With nothing listening, events cost nothing measurable: the `Client::send` row builds "
              f"no event. An observer that takes every event (two per request at DEBUG) adds "
              f"{d:,.0f} instructions per request.")
            w("")

    # ---------------------------------------------------------------- new clients over TLS
    fresh = res.get("fresh_clients") or {}
    if fresh:
        w("## A new client and its first request over TLS (deterministic)")
        w("")
        w("What a PHP-FPM worker pays per web request when it makes a client per request: "
          "`dci-bench-rust fresh N` makes N clients one after another, each doing one GET on a new "
          "connection, under `valgrind --tool=callgrind` at N = 0, 1 and 11. *First client*: N=1 − "
          "N=0 (what a fresh process pays, the trust store read included); *each later client*: "
          "(N=11 − N=1) / 10. Clients with the same TLS settings share one rustls configuration per "
          "process, so a later client resumes the TLS session of an earlier one (an abbreviated "
          "handshake). The system store row reads Debian's bundle plus the emulator's CA through "
          "`SSL_CERT_FILE`: once, in the first client.")
        w("")
        w("| row | first client | each later client |")
        w("|---|---:|---:|")
        for key, row in fresh.items():
            w(f"| {row['label']} | {row['first_client_instructions']:,.0f} | "
              f"{row['next_client_instructions']:,.0f} |")
        before = FRESH_BEFORE
        w(f"| {before['label']} | {before['first_client_instructions']:,.0f} | "
          f"{before['next_client_instructions']:,.0f} |")
        w("")

    # ---------------------------------------------------------------- batches
    if s6:
        w("## Scenario 6: batches")
        w("")
        w(f"{s6['n']} GETs of one server, each answered {s6['delay_ms']} ms late by the emulator (a "
          f"queued `delay` fault per request), one after another or as one batch of "
          f"{s6['concurrency']} at once — the C ABI's `dci_client_send_batch` and PHP's `getAll` "
          "run the core's `Client::send_all` on threads that live only during the call. The "
          "emulator and the client run on every CPU. Wall time of the requests only, median of "
          f"{len(s6['rows'][0]['runs'])} runs.")
        w("")
        w("| row | wall ms (median) | min–max | CPU µs/req | conns |")
        w("|---|---:|---:|---:|---:|")
        for r in s6["rows"]:
            ws = [x["wall_s"] * 1000 for x in r["runs"]]
            cpu = med((x["user_s"] + x["sys_s"]) for x in r["runs"]) / s6["n"] * 1e6
            w(f"| {r['label']} | {med(ws):,.1f} | {min(ws):,.1f}–{max(ws):,.1f} | {cpu:,.0f} | "
              f"{conns(r['runs'])} |")
        w("")

    # ---------------------------------------------------------------- scenario 1
    w("## Scenario 1: sequential GET of one server (~630 bytes of JSON)")
    w("")
    w("Each request is parsed into the language's objects (Rust `serde_json::Value`, Python "
      "`dict`, PHP arrays) except in the rows marked *raw*, the C program (C has no JSON objects) "
      "and the `curl`/`wrk` baselines.")
    w("")
    w("| client | n | req/s (median) | min–max | CPU µs/req | syscalls/req | peak RSS | conns | of ceiling |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for key, row in list(s1.items()) + [(r["key"], r) for r, _ in tls]:
        s = summary(row)
        a, b = rate(s)
        nn = row.get("n", "—")
        w(f"| {row['label']} | {fmt(nn) if isinstance(nn, int) else nn} | {a} | {b} | {fmt(s['cpu_us'], 1)} | "
          f"{fmt(s['syscalls'], 2)} | {fmt(s['rss_mb'], 1, ' MB')} | {fmt(s['conns'])} | "
          f"{s['rps'] / ceil * 100:.0f}% |")
    w("")
    w(f"System calls per request by name (`strace -f -c`, difference of two counts; a row "
      f"passes the ≤ 3 target up to {SYSCALL_SLACK} of amortized rare calls such as an "
      f"allocator's `mmap`):")
    w("")
    w("| client | calls per request |")
    w("|---|---|")
    for key, row in list(s1.items()) + [(r["key"], r) for r, _ in tls]:
        if row.get("syscalls_by_name") is not None:
            w(f"| {row['label']} | {by_name(row, 10)} |")
    w("")
    w(f"Rust core, heap per request (counting allocator): "
      f"{med(r['alloc_bytes_per_req'] for r in s1['rust']['runs']):,.0f} bytes in "
      f"{med(r['allocs_per_req'] for r in s1['rust']['runs']):,.0f} allocations with `get` → "
      f"`Value`; {med(r['alloc_bytes_per_req'] for r in s1['rust_raw']['runs']):,.0f} bytes in "
      f"{med(r['allocs_per_req'] for r in s1['rust_raw']['runs']):,.0f} allocations with `send`.")
    w("")
    w("### The emulator is not the limit")
    w("")
    w(f"`wrk -t2 -c16` (16 connections) gets **{fmt(multi['rps'])} req/s** "
      f"({fmt(multi['min'])}–{fmt(multi['max'])}) from the emulator, "
      f"{multi['rps'] / ceil:.1f}× the one-connection ceiling of {fmt(ceil)} req/s, on the same "
      f"{m['nproc']} cores that wrk itself uses. The emulator spends about "
      f"{fmt(S1['wrk_t1_c1']['emu_us'], 1)} µs of CPU per request (from `/proc/<pid>/stat` over the wrk "
      f"runs), so on one connection it could serve {fmt(1e6 / S1['wrk_t1_c1']['emu_us'])} req/s if it "
      "never waited for the client; the gap to the ceiling is the loopback round trip and wrk itself.")
    w("")

    # ---------------------------------------------------------------- scenario 2
    w("## Scenario 2: GET of the 1,000-server list (~640 KB of JSON), parsed")
    w("")
    w("| client | n | lists/s (median) | min–max | ms per list | CPU ms/list | peak RSS | conns |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|")
    for key, row in s2.items():
        s = S2[key]
        a, b = rate(s, 1)
        nn = row.get("n", "—")
        cpu = "—" if s["cpu_us"] is None else f"{s['cpu_us'] / 1000:.2f}"
        lbl = row["label"] + (" — body only" if key in ("c", "curl") else "")
        w(f"| {lbl} | {fmt(nn) if isinstance(nn, int) else nn} | {a} | {b} | {1000 / s['rps']:.2f} | {cpu} | "
          f"{fmt(s['rss_mb'], 1, ' MB')} | {fmt(s['conns'])} |")
    w("")
    parse_b = med(r["parse_alloc_bytes_per_req"] for r in lst)
    total_b = med(r["alloc_bytes_per_req"] for r in lst)
    w("Where the Rust core's bytes and time go, per list (counting allocator; timers around "
      "`Client::send` and `Response::into_json`):")
    w("")
    w("| | |")
    w("|---|---:|")
    w(f"| body (Content-Length) | {body:,} bytes, {lst[0]['items']:,} items |")
    w(f"| allocated by the exchange (`send`: headers, body buffer) | {send_b:,.0f} bytes ({send_b / body:.2f}× the body) |")
    w(f"| allocated by the parse into `serde_json::Value` | {parse_b:,.0f} bytes ({parse_b / body:.1f}× the body) |")
    w(f"| **allocated per request in all** | **{total_b:,.0f} bytes** in "
      f"{med(r['allocs_per_req'] for r in lst):,.0f} allocations |")
    w(f"| time in `send` / in the parse / rest (freeing the `Value`) | "
      f"{med(r['send_s_per_req'] for r in lst) * 1e3:.2f} / {med(r['parse_s_per_req'] for r in lst) * 1e3:.2f} / "
      f"{1e3 / S2['rust']['rps'] - med(r['send_s_per_req'] + r['parse_s_per_req'] for r in lst) * 1e3:.2f} ms |")
    w("")
    w("Copies of the body on its way to the language's objects: Rust and Python parse straight "
      "from the `Response`'s body buffer (`serde_json::from_slice`; the Python binding's serde "
      "visitor builds `dict`/`list`/`str` objects directly, with no `Value` tree in between); "
      "PHP over FFI copies the body once into a PHP string (`dci_response_body` returns "
      "`const char *`) and `json_decode`s it; the baselines decode their own body string.")
    w("")

    # ---------------------------------------------------------------- scenario 3
    w("## Scenario 3: 4 threads sharing one client")
    w("")
    w(f"Each thread does {res['s3']['per_thread_n']:,} GETs of one server; one connection per "
      "thread (the client's pool). *Emulator CPU* is the emulator's CPU time over the run's wall "
      "time: 100% is one core.")
    w("")
    w("| client | 1 thread req/s | 4 threads req/s (min–max) | ratio | client CPU µs/req (1 → 4) | emulator CPU (1 → 4) | conns |")
    w("|---|---:|---:|---:|---:|---:|---:|")
    for row in res["s3"]["rows"]:
        one, four = rps_list(row["t1"]), rps_list(row["t4"])
        eu = lambda runs: med(r["emu_cpu_s"] / r["proc_wall_s"] * 100 for r in runs)  # noqa: E731
        w(f"| {row['label']} | {fmt(med(one))} | {fmt(med(four))} ({fmt(min(four))}–{fmt(max(four))}) | "
          f"{med(four) / med(one):.2f}× | {fmt(cpu_us(row['t1']), 1)} → {fmt(cpu_us(row['t4']), 1)} | "
          f"{eu(row['t1']):.0f}% → {eu(row['t4']):.0f}% | {conns(row['t4'])} |")
    w("")
    w(f"**{m['nproc']} cores limit this scenario.** The client threads and the emulator's "
      "connection threads run on the same cores; with one thread the client and the emulator "
      "already keep about one core each busy (a request is CPU on one side while the other "
      "waits), so four threads can at best fill the idle halves. A ratio of 2.5× needs at least "
      "4 cores (2 for the client threads, 2 for the emulator); on 2 cores the ratio shows that "
      "threads share one client without serializing on a lock, not how far they scale.")
    w("")

    # ---------------------------------------------------------------- scenario 4
    s4 = res["s4"]
    sched = s4["schedule_s"]
    w("## Scenario 4: a burst of five 503s, then success")
    w("")
    w(f"`POST /emulator/faults {{\"kind\":\"503\",\"count\":5}}` then one GET, timed to its "
      f"success; {len(s4['rows'][0]['times_s'])} times per client. The documented policy "
      f"(urllib3 `Retry(total=10, backoff_factor={s4['backoff_factor']}, status_forcelist=[503])`) "
      f"sleeps 0 before the first retry and `0.01 × 2^(k−1)` s before retry *k*: "
      f"0 + 20 + 40 + 80 + 160 ms = **{sched * 1e3:.0f} ms** for five 503s.")
    w("")
    w("| client | time to success (median) | min–max | attempts | above the schedule |")
    w("|---|---:|---:|---:|---:|")
    for row in s4["rows"]:
        t = row["times_s"]
        w(f"| {row['label']} | {med(t) * 1e3:.1f} ms | {min(t) * 1e3:.1f}–{max(t) * 1e3:.1f} ms | "
          f"{', '.join(sorted(set(map(str, row['attempts']))))} | {(med(t) - sched) * 1e3:+.1f} ms |")
    w("")

    # ---------------------------------------------------------------- scenario 5
    w("## Scenario 5: cold start")
    w("")
    w("A fresh process that loads the library and makes one authenticated GET (token passed in "
      f"the environment), {len(s5['rust']['runs'])} times each after one untimed run (page cache "
      "and `.pyc` files warm). *Load* is measured inside the process: the `import` in Python, "
      "the autoloader plus `FFI::cdef` in PHP.")
    w("")
    w("| process | wall (median) | min–max | load (median) | CPU | peak RSS |")
    w("|---|---:|---:|---:|---:|---:|")
    for key, row in s5.items():
        runs = row["runs"]
        wl = [r["proc_wall_s"] * 1e3 for r in runs]
        imp = [r["import_s"] * 1e3 for r in runs if "import_s" in r]
        cpu = med((r["proc_user_s"] + r["proc_sys_s"]) * 1e3 for r in runs)
        w(f"| {row['label']} | {med(wl):.1f} ms | {min(wl):.1f}–{max(wl):.1f} ms | "
          f"{f'{med(imp):.1f} ms' if imp else '—'} | {cpu:.1f} ms | "
          f"{fmt(row.get('peak_rss_kb', 0) / 1024 or None, 1, ' MB')} |")
    w("")

    # ---------------------------------------------------------------- soak
    soak_file = BENCH / "soak.json"
    if soak_file.exists():
        soak = json.loads(soak_file.read_text())
        w("## Soak (`make soak`)")
        w("")
        w(f"One client per language, requests in a row against the emulator, from `make soak` on "
          f"{soak['date']} ([`soak.json`](soak.json)). Memory and open file descriptors are sampled "
          "every tenth of the run; after warm-up (the first tenth) they must stay flat.")
        w("")
        w("| client | requests | failures | RSS after warm-up → end | RSS growth | open fds (start → end) |")
        w("|---|---:|---:|---|---:|---|")
        for run in soak["runs"]:
            rss, fds = run["rss_kb"], run["fds"]
            w(f"| {run['client']} | {run['requests']:,} | {run['failures']} | "
              f"{rss[1] / 1024:.1f} → {rss[-1] / 1024:.1f} MB | "
              f"{run['rss_growth_after_warmup_kb']} KB | {fds[0]} → {fds[-1]} |")
        w("")

    # ---------------------------------------------------------------- findings
    w("## Findings")
    w("")
    notes = []
    for key in ["rust", "rust_raw", "c", "py_native", "py_compat", "php_ffi"]:
        sc = S1[key]["syscalls"]
        if sc is not None and sc > 3.0 + SYSCALL_SLACK:
            notes.append(f"- {SHORT[key]} makes {sc:.2f} system calls per keep-alive request "
                         f"({by_name(s1[key], 10)}); the core makes 3: one "
                         "`recvfrom(MSG_PEEK|MSG_DONTWAIT)` probe, one `sendto`, one `recvfrom`."
                         + (" The `newfstatat` calls are the `.netrc` lookup (`~/.netrc`, "
                            "`~/_netrc`) that `trust_env` makes before every request, as requests "
                            "does; caching it per session would remove them."
                            if key == "py_compat" and (s1[key].get("syscalls_by_name") or {}).get("newfstatat")
                            else ""))
    if m.get("python_module_stale"):
        notes.append(f"- The Python module in use ({m['python_module']}) is older than the core's "
                     "sources: it was not rebuilt (`make python`) and does not measure the current code.")
    if send_b > 1.25 * body:
        notes.append(f"- Scenario 2: the exchange allocates {send_b / body:.2f}× the body for a "
                     f"{body / 1024:,.0f} KiB answer whose `Content-Length` is known: the body is "
                     "read into a buffer that grows by doubling (ureq's `read_to_vec`), so the "
                     "bytes read so far are copied at each growth; sizing the buffer from "
                     "`Content-Length` (bounded by the body limit) would read it with one copy.")
    notes.append(f"- Scenario 2: parsing into `serde_json::Value` allocates {parse_b / body:.1f}× the body "
                 f"({med(r['allocs_per_req'] for r in lst):,.0f} allocations per list); freeing that tree "
                 "costs about as much time as building it. Callers that need a few fields can "
                 "deserialize into their own types instead.")
    pyl = S2["py_native"]
    rql = S2["requests"]
    if pyl["rps"] < rql["rps"] * 1.2:
        notes.append(f"- Scenario 2: the native Python client turns the list into Python objects at "
                     f"{pyl['rps']:.1f} lists/s, against {rql['rps']:.1f} for requests + the standard "
                     "`json` module: on a large body its lead from the transport is gone, and building "
                     "~30,000 Python objects (allocation, key interning, the cyclic GC they trigger) "
                     "costs the serde visitor about what it costs CPython's C decoder.")
    wrk1 = s1["wrk_t1_c1"]
    if rg["rps"] > ceil:
        notes.append(f"- `wrk -t1 -c1` is not a ceiling for a blocking client: its event loop makes "
                     f"{wrk1.get('syscalls_per_req', 0):.1f} system calls per request "
                     f"({by_name(wrk1, 4)}) against the core's 3, so the Rust core "
                     f"({fmt(rg['rps'])} req/s) goes faster than wrk ({fmt(ceil)} req/s) on one "
                     "connection. The server side is not the limit either (see *The emulator is "
                     "not the limit*).")
    for row in res["s1"]["rows"]:
        c_ = conns(row["runs"]) if not row["key"].startswith("wrk") else None
        if c_ is not None and c_ != 1:
            notes.append(f"- {row['label']} used {c_} connections in a run (expected 1).")
    L.extend(notes or ["- None beyond the misses above."])
    w("")

    # ---------------------------------------------------------------- chart
    order = ["wrk_t1_c1", "rust", "rust_raw", "c", "php_ffi", "py_native", "py_compat",
             "php_curl", "curl", "requests"]
    bars = []
    for k in order:
        if k in S1:
            kind = "ceiling" if k.startswith("wrk") else ("ours" if k in OURS else "base")
            bars.append((SHORT[k], S1[k], kind))
    title = "dcimanager: GET of one server, one keep-alive connection, loopback"
    sub = (f"{m['cpu']} × {m['nproc']}, {m['date']}"
           + (" — QUICK smoke run, not representative" if res.get("quick") else ""))
    return "\n".join(L) + "\n", chart(bars, title, sub)


def main() -> None:
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else BENCH / "results.json"
    res = json.loads(src.read_text())
    md, svg = render(res)
    (BENCH / "RESULTS.md").write_text(md)
    (BENCH / "chart.svg").write_text(svg)
    print(f"wrote {BENCH / 'RESULTS.md'} and {BENCH / 'chart.svg'}", file=sys.stderr)


if __name__ == "__main__":
    main()
