"""The wheel of ``make wheel`` (dist/dcimanager-<version>-cp39-abi3-*.whl) installed into a fresh
virtual environment whose PATH has no cargo or rustc, then used against the emulator: the
package works without Rust.

``make test-python`` builds the wheel first and sets DCIMANAGER_REQUIRE_WHEEL=1, so a missing
wheel fails there; run alone, pytest skips this test until ``make wheel`` has made one. The
fresh environment has no pip of its own: the suite's pip installs into it (``pip --python``),
from the wheel file only (``--no-index``), which is quicker than bootstrapping pip and proves the
same thing."""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys
import venv

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
VERSION = (ROOT / "Cargo.toml").read_text().split("[workspace.package]")[1].split('version = "')[1].split('"')[0]

CHILD = r"""
import asyncio, json, shutil, sys
import dcimanager, dcimanager.compat

url, ca = sys.argv[1:3]
assert shutil.which("cargo") is None and shutil.which("rustc") is None
with dcimanager.Client(url, verify=ca) as c:
    c.login("admin@example.com", "secret")
    server = c.get("dci/v3/server/2")

async def main():
    async with dcimanager.AsyncClient(url, verify=ca) as c:
        await c.login("admin@example.com", "secret")
        return [s["id"] async for s in c.paginate("dci/v3/server", where="id EQ 3 OR id EQ 4")]

print(json.dumps({
    "prefix": sys.prefix,
    "package": dcimanager.__file__,
    "native": dcimanager._native.__file__,
    "version": dcimanager.__version__,
    "server": server["id"],
    "async": asyncio.run(main()),
}))
"""


def the_wheel() -> pathlib.Path:
    wheels = sorted((ROOT / "dist").glob(f"dcimanager-{VERSION}-*.whl"))
    if not wheels:
        if os.environ.get("DCIMANAGER_REQUIRE_WHEEL") == "1":
            pytest.fail(f"no dist/dcimanager-{VERSION}-*.whl: make wheel did not build it")
        pytest.skip("no wheel in dist/: run `make wheel`")
    assert len(wheels) == 1, wheels
    return wheels[0]


def without_rust(path: str) -> str:
    """PATH minus every directory that holds cargo or rustc."""
    keep = [d for d in path.split(os.pathsep) if d and not any(os.path.exists(os.path.join(d, t)) for t in ("cargo", "rustc"))]
    return os.pathsep.join(keep)


def test_the_wheel_installs_and_works_without_rust(emulator, tmp_path):
    wheel = the_wheel()
    assert "-cp39-abi3-" in wheel.name, wheel.name  # one wheel for every CPython ≥ 3.9
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CARGO", "RUSTC", "RUSTUP", "PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = f"{env_dir / 'bin'}{os.pathsep}{without_rust(os.environ['PATH'])}"
    env["PYTHONNOUSERSITE"] = "1"
    assert shutil.which("cargo", path=env["PATH"]) is None and shutil.which("rustc", path=env["PATH"]) is None

    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-index", "--no-deps"]
    subprocess.run([*pip, str(wheel)], env=env, cwd=tmp_path, check=True, timeout=120)
    out = subprocess.run(
        [str(python), "-c", CHILD, emulator.url, emulator.ca],
        env=env,
        cwd=tmp_path,
        check=True,
        timeout=60,
        capture_output=True,
        text=True,
    )
    got = json.loads(out.stdout)
    assert pathlib.Path(got["prefix"]) == env_dir
    assert pathlib.Path(got["package"]).is_relative_to(env_dir), got["package"]
    assert got["native"].endswith("_native.abi3.so"), got["native"]
    assert got["version"] == VERSION
    assert got["server"] == 2 and got["async"] == [3, 4]
    assert emulator.stats()["logins"] == 2 and emulator.count("DELETE", "") == 2  # both logged out


def test_the_wheel_is_manylinux2014():
    """Tagged for glibc 2.17 (Ubuntu 20.04, RHEL/Alma 8 and 9 install it without Rust), and
    auditwheel, reading the extension's symbol versions, agrees."""
    wheel = the_wheel()
    assert "manylinux_2_17_x86_64" in wheel.name or "manylinux2014_x86_64" in wheel.name, wheel.name
    auditwheel = pathlib.Path(sys.executable).parent / "auditwheel"
    out = subprocess.run([str(auditwheel), "show", str(wheel)], check=True, capture_output=True, text=True, timeout=120)
    text = " ".join(out.stdout.split())
    assert 'consistent with the following platform tag: "manylinux_2_17_x86_64"' in text, out.stdout


def test_the_sdist_builds_a_working_wheel_with_cargo(emulator, tmp_path):
    """dist/dcimanager-<version>.tar.gz (``maturin sdist``): pip builds it where cargo is
    (as it does on a platform without a wheel), and the package it makes works."""
    sdists = sorted((ROOT / "dist").glob(f"dcimanager-{VERSION}.tar.gz"))
    if not sdists:
        if os.environ.get("DCIMANAGER_REQUIRE_WHEEL") == "1":
            pytest.fail(f"no dist/dcimanager-{VERSION}.tar.gz: make wheel did not build it")
        pytest.skip("no sdist in dist/: run `make wheel`")
    env = dict(os.environ)
    # A target directory of its own: the build of `make python` stays as it is.
    env["CARGO_TARGET_DIR"] = str(ROOT / "target" / "sdist")
    env["PATH"] = f"{pathlib.Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(tmp_path / "built"), str(sdists[0])],
        env=env,
        cwd=tmp_path,
        check=True,
        timeout=900,
    )
    built = list((tmp_path / "built").glob("dcimanager-*.whl"))
    assert len(built) == 1, built
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-index", "--no-deps", str(built[0])], check=True, timeout=120)
    out = subprocess.run(
        [str(python), "-c", "import sys, dcimanager; c = dcimanager.Client(sys.argv[1], verify=sys.argv[2]); "
         "c.login('admin@example.com', 'secret'); print(c.get('dci/v3/server/5')['id'], dcimanager.__version__)", emulator.url, emulator.ca],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.stdout.split() == ["5", VERSION]
