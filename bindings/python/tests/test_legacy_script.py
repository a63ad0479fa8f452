"""The acceptance test of dcimanager.compat: the platform's documented Python example, with its
three import lines replaced by ``from dcimanager.compat import Retry, Session, HTTPAdapter`` and
its URL and token taken from the environment (examples/python/legacy_script.py), runs unchanged
against the TLS emulator with ``verify=False``, rides out a burst of 503s as the guide means it
to, and prints the server. The unmodified example fails on urllib3 2.x, and on requests its
Retry (mounted on "http"/"https") never applies: the compat layer exists for both.
"""

from __future__ import annotations

import difflib
import os
import pathlib
import subprocess
import sys
from typing import Any, Dict, Optional

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "examples" / "python" / "legacy_script.py"

# The lines of the platform's example that legacy_script.py may change, and what they become.
ORIGINAL_IMPORTS = [
    "from urllib3.util.retry import Retry",
    "from requests import Session",
    "from requests.adapters import HTTPAdapter",
]
NEW_IMPORTS = ["import os", "from dcimanager.compat import Retry, Session, HTTPAdapter"]
ORIGINAL_SETTINGS = [
    'SESSION6 = "6BA7C69DCB7DF4DACFFC7E56"',
    "    'https://127.0.0.1/api/dci/v3/server/2',",
]
NEW_SETTINGS = [
    'SESSION6 = os.environ["DCI_TOKEN"]',
    "    os.environ[\"DCI_URL\"] + '/api/dci/v3/server/2',",
]


def reference_example() -> Optional[pathlib.Path]:
    """The platform's example from the shared reference, where this checkout has it."""
    for candidate in (
        ROOT.parent / "shared" / "reference" / "dcimanager6-example.py",
        pathlib.Path("/work/shared/reference/dcimanager6-example.py"),
    ):
        if candidate.exists():
            return candidate
    return None


def run_script(
    path: pathlib.Path, emu: Any, token: str, **extra_env: str
) -> subprocess.CompletedProcess:
    env: Dict[str, str] = dict(os.environ)
    env.update(DCI_URL=emu.url, DCI_TOKEN=token, **extra_env)
    return subprocess.run(
        [sys.executable, str(path)], env=env, capture_output=True, text=True, timeout=60
    )


def test_legacy_script_prints_the_server(emulator: Any) -> None:
    token = emulator.admin_token()
    proc = run_script(SCRIPT, emulator, token)
    assert proc.returncode == 0, proc.stderr
    assert "srv2.example.com" in proc.stdout
    assert "'id': 2" in proc.stdout
    sent = emulator.requests()
    assert [(r["method"], r["path"]) for r in sent] == [("GET", "/api/dci/v3/server/2")]
    headers = sent[0]["headers"]
    assert headers["x-xsrf-token"] == token and headers["cookie"] == f"ses6={token}"
    assert headers["isp-box-instance"] == "true"
    # Said on stderr: the mounts on "http"/"https" apply here (requests would have ignored
    # them), once for the session; and the example asked for verify=False.
    notes = [line for line in proc.stderr.splitlines() if "BareSchemeMountWarning" in line]
    assert len(notes) == 1 and "requests would have ignored it" in notes[0]
    assert "will never be used" not in proc.stderr
    assert "InsecureRequestWarning" in proc.stderr


def test_legacy_script_survives_a_burst_of_503s(emulator: Any) -> None:
    """What the guide's example is for: "repeat the requests until another code is
    received". Five 503s, then the answer: six requests, and the server printed."""
    token = emulator.admin_token()
    emulator.fault(kind="503", count=5, path="server/2")
    proc = run_script(SCRIPT, emulator, token)
    assert proc.returncode == 0, proc.stderr
    assert "srv2.example.com" in proc.stdout and "'id': 2" in proc.stdout
    assert emulator.count("GET", "/api/dci/v3/server/2") == 6
    assert [r["fault"] for r in emulator.requests()] == ["503"] * 5 + [None]


def test_legacy_script_applies_its_own_retry(emulator: Any) -> None:
    """The Retry that applies is the example's (total=10, raise_on_status by default): a
    suspension longer than its ten retries ends in RetryError after eleven requests.
    (Retry-After: 0 spares the backoff.)"""
    token = emulator.admin_token()
    emulator.fault(kind="503", count=12, retry_after="0")
    proc = run_script(SCRIPT, emulator, token)
    assert proc.returncode != 0
    assert "dcimanager.compat.exceptions.RetryError" in proc.stderr, proc.stderr
    assert "too many 503 error responses" in proc.stderr
    assert emulator.count("GET", "/api/dci/v3/server/2") == 11


def test_legacy_script_differs_from_the_example_only_in_imports_url_and_token() -> None:
    ref = reference_example()
    if ref is None:
        pytest.skip("the shared reference (dcimanager6-example.py) is not beside this checkout")
    original = ref.read_text().splitlines()
    ours = SCRIPT.read_text().splitlines()
    # (the comments that document the script's environment are not part of the example)
    documented = [line for line in ours if line.startswith("#") and line not in original]
    assert any("DCI_URL" in line for line in documented)
    assert any("DCI_TOKEN" in line for line in documented)
    ours = [line for line in ours if line not in documented]
    removed, added = [], []
    for line in difflib.ndiff(original, ours):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    assert sorted(removed) == sorted(ORIGINAL_IMPORTS + ORIGINAL_SETTINGS)
    assert sorted(added) == sorted(NEW_IMPORTS + NEW_SETTINGS)
    # and the import lines are where the example had its own
    first = ours.index(NEW_IMPORTS[0])
    assert ours[first : first + 2] == NEW_IMPORTS
    assert original.index(ORIGINAL_IMPORTS[0]) == first


def test_unmodified_example_fails_on_urllib3_2(emulator: Any, tmp_path: pathlib.Path) -> None:
    """The platform's example as published (requests + urllib3 imports) does not even start on
    urllib3 2.x: Retry() no longer takes method_whitelist."""
    urllib3 = pytest.importorskip("urllib3")
    pytest.importorskip("requests")
    if int(urllib3.__version__.split(".")[0]) < 2:
        pytest.skip("urllib3 1.x still accepts method_whitelist")
    ref = reference_example()
    if ref is not None:
        text = ref.read_text()
        text = text.replace(ORIGINAL_SETTINGS[0], NEW_SETTINGS[0]).replace(
            ORIGINAL_SETTINGS[1], NEW_SETTINGS[1]
        )
        text = "import os\n" + text
    else:  # rebuilt from legacy_script.py by putting the original imports back
        text = SCRIPT.read_text().replace(NEW_IMPORTS[1], "\n".join(ORIGINAL_IMPORTS))
    original = tmp_path / "dcimanager6-example.py"
    original.write_text(text)
    proc = run_script(original, emulator, emulator.admin_token())
    assert proc.returncode != 0
    assert "TypeError" in proc.stderr and "method_whitelist" in proc.stderr, proc.stderr
    assert emulator.requests() == []  # it failed before sending anything


def test_demo_step_runs_the_script_through_503s(emulator: Any) -> None:
    """The `make demo` step: examples/python/legacy_through_503s.py queues the 503s itself."""
    helper = ROOT / "examples" / "python" / "legacy_through_503s.py"
    env: Dict[str, str] = dict(os.environ, DCI_URL=emulator.url, DCI_CA=emulator.ca or "")
    proc = subprocess.run(
        [sys.executable, str(helper), "3"], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert "srv2.example.com" in proc.stdout
    assert "4 requests for /api/dci/v3/server/2, 3 of them answered 503" in proc.stdout
