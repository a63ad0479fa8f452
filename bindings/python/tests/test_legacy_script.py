"""The acceptance test of dcimanager.compat: the platform's documented Python example, with its
three import lines replaced by ``from dcimanager.compat import Retry, Session, HTTPAdapter`` and
its URL and token taken from the environment (examples/python/legacy_script.py), runs unchanged
against the emulator and prints the server. The unmodified example fails on urllib3 2.x, which
is why the compat layer exists."""

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
    # What the example really does, as in requests: its mounts are shadowed (said on stderr),
    # and it asked for verify=False (warned).
    assert "DcimanagerCompatWarning" in proc.stderr and "'https'" in proc.stderr
    assert "InsecureRequestWarning" in proc.stderr


def test_legacy_script_behaves_as_with_requests_on_503(emulator: Any) -> None:
    """The example's Retry sits behind the default "https://" adapter, so in requests a 503
    is not retried and raise_for_status() raises: the compat layer does the same."""
    token = emulator.admin_token()
    emulator.fault(kind="503", count=1)
    proc = run_script(SCRIPT, emulator, token)
    assert proc.returncode != 0
    assert (
        "dcimanager.compat.exceptions.HTTPError: 503 Server Error: Service Unavailable for url:" in proc.stderr
    )
    assert len(emulator.requests()) == 1


def test_legacy_script_differs_from_the_example_only_in_imports_url_and_token() -> None:
    ref = reference_example()
    if ref is None:
        pytest.skip("the shared reference (dcimanager6-example.py) is not beside this checkout")
    original = ref.read_text().splitlines()
    ours = SCRIPT.read_text().splitlines()
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
