"""Runs the platform's example (examples/python/legacy_script.py) through a burst of 503s, as
a platform waking from suspension sends them: the `make demo` step of the compat layer.

    scripts/with-emulator.sh .venv/bin/python examples/python/legacy_through_503s.py [N]

Needs DCI_URL and DCI_CA (scripts/with-emulator.sh sets both) and a dcimanager emulator behind
them: logs in as its admin, queues N 503 answers (default 5) for the script's call through
POST /emulator/faults, runs the script with DCI_URL and DCI_TOKEN, then checks with
/emulator/requests that the call was sent N + 1 times. Only the standard library is used
here; the script itself imports dcimanager.compat.
"""

import json
import os
import pathlib
import ssl
import subprocess
import sys
import urllib.request

SCRIPT = pathlib.Path(__file__).with_name("legacy_script.py")
PATH = "/api/dci/v3/server/2"


def call(method, path, body=None):
    """A JSON call to the emulator, trusting its CA."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(os.environ["DCI_URL"] + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    context = ssl.create_default_context(cafile=os.environ.get("DCI_CA"))
    with urllib.request.urlopen(req, context=context, timeout=10) as resp:
        return json.loads(resp.read() or b"null")


def main():
    burst = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    login = {"email": "admin@example.com", "password": "secret"}
    token = call("POST", "/api/auth/v4/public/token", login)["token"]
    call("DELETE", "/emulator/requests")
    call("POST", "/emulator/faults", {"kind": "503", "count": burst, "path": "server/2"})
    print(f"emulator: {burst} answers 503 queued for {PATH}", flush=True)
    env = dict(os.environ, DCI_TOKEN=token)
    proc = subprocess.run([sys.executable, str(SCRIPT)], env=env, timeout=120)
    sent = [r for r in call("GET", "/emulator/requests")["list"] if r["path"] == PATH]
    failed = sum(1 for r in sent if r["fault"] == "503")
    print(f"emulator: {len(sent)} requests for {PATH}, {failed} of them answered 503")
    if proc.returncode != 0 or len(sent) != burst + 1:
        sys.exit(f"expected the script to succeed after {burst + 1} requests")


if __name__ == "__main__":
    main()
