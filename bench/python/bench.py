"""The Python rows of `make bench`, one process per run.

    bench.py CLIENT seq N PATH        N GETs of PATH, each parsed into Python objects
    bench.py CLIENT list N PATH       the same for a large list
    bench.py CLIENT threads T N PATH  T threads sharing one client, N GETs each
    bench.py CLIENT burst R PATH      R times: queue five 503s, time one GET to success
    bench.py CLIENT cold PATH         import, one authenticated GET; prints the import time
    bench.py native batch N C PATH    one warm-up GET, then N GETs of PATH: with C = 1 one after
                                      another with get(), else one get_all() of the N paths, C
                                      at once (as the C and PHP batch modes)

CLIENT is ``native`` (``dcimanager.Client``), ``compat`` (``dcimanager.compat.Session`` set up
like the platform's example) or ``requests`` (the example itself on requests + urllib3 2.x,
``allowed_methods`` instead of the removed ``method_whitelist``). Environment: DCI_URL,
DCI_TOKEN, optionally DCI_CA. Prints one JSON object; CPU time comes from getrusage around the
timed loop only.

Only sys, os and time are imported before the client's own import, so that ``cold`` times
``import dcimanager`` / ``import requests`` alone.
"""

import os
import sys
import time

KIND, MODE = sys.argv[1], sys.argv[2]
URL, TOKEN = os.environ["DCI_URL"], os.environ["DCI_TOKEN"]
CA = os.environ.get("DCI_CA") or None

_t0 = time.perf_counter()
if KIND == "native":
    import dcimanager
elif KIND == "compat":
    from dcimanager.compat import HTTPAdapter, Retry, Session
elif KIND == "requests":
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry
else:
    sys.exit(f"unknown client {KIND!r}")
IMPORT_S = time.perf_counter() - _t0
if os.environ.get("BENCH_LOGGING") == "1":
    # What listening costs: the library's logger at DEBUG, records built and dropped.
    import logging

    _log = logging.getLogger("dcimanager")
    _log.setLevel(logging.DEBUG)
    _log.addHandler(logging.NullHandler())
    _log.propagate = False

import json  # noqa: E402  (after the timed import)
import resource  # noqa: E402
import threading  # noqa: E402
import urllib.request  # noqa: E402

# The platform's example policy: Retry(total=10, read=10, connect=10, backoff_factor=0.01,
# status_forcelist=[503]) for POST, GET and DELETE.
RETRY = dict(total=10, read=10, connect=10, backoff_factor=0.01, status_forcelist=[503])
HEADERS = {"x-xsrf-token": TOKEN, "isp-box-instance": "true"}
COOKIES = {"ses6": TOKEN}


#: BENCH_BODY=bytes (native only): GET returns the body's bytes, not parsed (what the C row
#: measures), so that the binding's own cost shows apart from the making of Python objects.
BODY_BYTES = os.environ.get("BENCH_BODY") == "bytes"


def make_client():
    """A callable GET(path) -> parsed JSON, and one returning (parsed, attempts)."""
    if KIND == "native":
        c = dcimanager.Client(URL, token=TOKEN, verify=CA or True)
        if BODY_BYTES:
            def bytes_get(path):
                r = c.request("GET", path)
                r.raise_for_status()
                return r.content

            return bytes_get, None

        def attempts_get(path):
            r = c.request("GET", path)
            r.raise_for_status()
            return r.json(), r.attempts

        return c.get, attempts_get
    retry = (Retry(allowed_methods=["POST", "GET", "DELETE"], **RETRY) if KIND == "requests"
             else Retry(method_whitelist=["POST", "GET", "DELETE"], **RETRY))
    s = Session() if KIND == "compat" else requests.Session()
    # Mounted on "http://" and "https://" (not "http"/"https" as the example does, which the
    # default adapters shadow), so the Retry applies.
    s.mount("https://", HTTPAdapter(max_retries=retry))
    s.mount("http://", HTTPAdapter(max_retries=retry))
    verify = CA or True

    def send(path):
        r = s.get(URL + "/api/" + path, headers=HEADERS, cookies=COOKIES, verify=verify)
        r.raise_for_status()
        return r

    def get(path):
        return send(path).json()

    def attempts_get(path):
        r = send(path)
        if KIND == "compat":
            attempts = r.attempts
        else:
            attempts = 1 + len(r.raw.retries.history) if r.raw.retries else 1
        return r.json(), attempts

    return get, attempts_get


def vm_hwm_kb():
    """Peak RSS of this process image (ru_maxrss would carry over the forking parent's)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def usage():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime, ru.ru_stime, vm_hwm_kb()


def timed(n, warm, fn):
    for _ in range(warm):
        fn()
    u0, s0, _ = usage()
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    wall = time.perf_counter() - t0
    u1, s1, rss = usage()
    return {"n": n, "wall_s": wall, "user_s": u1 - u0, "sys_s": s1 - s0, "maxrss_kb": rss}


def main():
    get, attempts_get = make_client()
    if MODE in ("seq", "list"):
        n, path = int(sys.argv[3]), sys.argv[4]
        check = ((lambda v: v["list"]) if MODE == "list" else
                 (lambda v: v[0]) if BODY_BYTES else (lambda v: v["id"]))

        def once():
            check(get(path))

        out = timed(n, 2 if MODE == "list" else 20, once)
    elif MODE == "threads":
        t, n, path = int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
        for _ in range(20):
            get(path)

        def worker():
            for _ in range(n):
                get(path)

        u0, s0, _ = usage()
        t0 = time.perf_counter()
        threads = [threading.Thread(target=worker) for _ in range(t)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        wall = time.perf_counter() - t0
        u1, s1, rss = usage()
        out = {"n": n * t, "threads": t, "wall_s": wall, "user_s": u1 - u0, "sys_s": s1 - s0,
               "maxrss_kb": rss}
    elif MODE == "burst":
        reps, path = int(sys.argv[3]), sys.argv[4]
        fault = json.dumps({"kind": "503", "count": 5, "path": path}).encode()
        get(path)
        times, attempts = [], []
        for _ in range(reps):
            # Queued on a separate, untimed connection.
            req = urllib.request.Request(URL + "/emulator/faults", data=fault, method="POST",
                                         headers={"content-type": "application/json"})
            with urllib.request.urlopen(req) as r:
                r.read()
            t0 = time.perf_counter()
            _, a = attempts_get(path)
            times.append(time.perf_counter() - t0)
            attempts.append(a)
        out = {"times_s": times, "attempts": attempts}
    elif MODE == "batch":
        if KIND != "native":
            sys.exit("the batch mode is the native client's (Client.get_all)")
        n, concurrency, path = int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
        client = get.__self__
        get(path)  # the connection
        u0, s0, _ = usage()
        t0 = time.perf_counter()
        values = [get(path) for _ in range(n)] if concurrency == 1 else client.get_all([path] * n, concurrency)
        wall = time.perf_counter() - t0
        u1, s1, rss = usage()
        if len(values) != n or not all("id" in v for v in values):
            sys.exit("an answer without an id")
        out = {"n": n, "concurrency": concurrency, "wall_s": wall, "user_s": u1 - u0,
               "sys_s": s1 - s0, "maxrss_kb": rss}
    elif MODE == "cold":
        get(sys.argv[3])
        out = {"import_s": IMPORT_S}
    else:
        sys.exit(f"unknown mode {MODE!r}")
    print(json.dumps(out))


main()
