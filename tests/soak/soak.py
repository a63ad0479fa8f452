"""Soak through the Python binding: N requests (default 200,000) on one client, RSS and open
file descriptors sampled every N/10. Prints one JSON object; exits 1 when either grows after
warm-up (the first tenth) beyond a small bound."""

import json
import os
import sys

import dcimanager


def rss_kb() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    c = dcimanager.Client(os.environ["DCI_URL"], verify=os.environ.get("DCI_CA", True))
    c.login("admin@example.com", "secret")
    rss, fds, failures = [], [], 0
    for i in range(n + 1):
        if i % (n // 10) == 0 and len(rss) < 11:
            rss.append(rss_kb())
            fds.append(len(os.listdir("/proc/self/fd")))
        if i == n:
            break
        try:
            c.get("dci/v3/server/2")
        except dcimanager.Error:
            failures += 1
    growth, fd_growth = rss[10] - rss[1], fds[10] - fds[1]
    print(json.dumps({"client": "Python", "requests": n, "failures": failures, "rss_kb": rss, "fds": fds,
                      "rss_growth_after_warmup_kb": growth, "fd_growth_after_warmup": fd_growth}))
    return 0 if failures == 0 and growth < 2048 and fd_growth == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
