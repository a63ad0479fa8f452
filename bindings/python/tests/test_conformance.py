"""The conformance matrix (tests/operations.json) through the Python API: each operation, its
arguments and the shape of its result, as every language runs it (see the table's "about")."""

from __future__ import annotations

import json
from typing import Any, Iterator, List, Tuple

import pytest

import dcimanager
from conftest import ROOT, Emulator

TABLE = json.loads((ROOT / "tests" / "operations.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    e = Emulator()
    try:
        yield e
    finally:
        e.close()


def client_for(emu: Emulator, row: dict) -> dcimanager.Client:
    settings = row.get("client", {})
    kwargs: dict = {}
    if "retries" in settings:
        kwargs["retries"] = settings["retries"]
    if "backoff_factor" in settings:
        kwargs["backoff_factor"] = settings["backoff_factor"]
    if "timeout_ms" in settings:
        kwargs["timeout"] = settings["timeout_ms"] / 1000
    c = dcimanager.Client(emu.url, verify=emu.ca, **kwargs)
    session = row.get("session", "admin")
    if session == "admin":
        c.login("admin@example.com", "secret")
    elif session == "client":
        c.login("client@example.com", "client-secret")
    return c


def pairs(args: dict) -> List[Tuple[str, str]]:
    return [(k, v) for k, v in args.get("query", [])]


def run(emu: Emulator, c: dcimanager.Client, op: str, a: dict) -> Any:
    timeout = a["timeout_ms"] / 1000 if "timeout_ms" in a else None
    if op == "login":
        return c.login(a["email"], a["password"])
    if op == "key_login":
        key = c.create_key(a["user"])
        return dcimanager.Client(emu.url, verify=emu.ca).login_with_key(key)
    if op == "create_key":
        return c.create_key(a["user"])
    if op == "key_login_url":
        return c.key_login_url(a["key"])
    if op == "whoami":
        return c.whoami()
    if op == "get":
        return c.get(a["path"], pairs(a), timeout=timeout)
    if op == "post":
        return c.post(a["path"], a.get("body"), params=pairs(a), timeout=timeout)
    if op == "delete":
        return c.delete(a["path"], pairs(a), timeout=timeout)
    if op == "request":
        return c.request(a["method"], a["path"], params=pairs(a), timeout=timeout)
    if op == "paginate":
        return list(
            c.paginate(a["path"], where=a.get("where"), orderby=a.get("orderby"), page_size=a["page_size"])
        )
    if op == "quote":
        return dcimanager.quote(a["text"])
    if op == "encode":
        return dcimanager.encode_component(a["text"])
    if op == "create_token":
        return c.create_token(a["expires_at"], a["description"])
    if op == "set_token_ttl":
        return c.set_token_ttl(a["value"])
    if op == "logout":
        return c.logout()
    raise AssertionError(f"unknown op {op}")


def at(v: Any, path: str) -> Any:
    for key in path.split(".") if path else []:
        v = v[int(key)] if isinstance(v, list) else v[key]
    return v


def check_json(v: Any, checks: List[dict], problems: List[str]) -> None:
    for c in checks or []:
        try:
            found = at(v, c["path"])
        except (KeyError, IndexError, TypeError):
            problems.append(f"{c['path']}: absent")
            continue
        if "equals" in c and found != c["equals"]:
            problems.append(f"{c['path']}: {found!r}, expected {c['equals']!r}")
        if "length" in c and len(found) != c["length"]:
            problems.append(f"{c['path']}: length {len(found)}")


def check_error(e: dcimanager.Error, want: dict, base: str, problems: List[str]) -> None:
    got = {
        "kind": e.kind,
        "http_status": e.status,
        "api_code": getattr(e, "code", 0),
        "phase": e.phase,
        "request_sent": e.request_sent,
        "attempts": e.attempts,
        "argument": e.argument,
        "method": e.method,
        "url": e.url,
    }
    for name, value in got.items():
        expected = want.get(name)
        if isinstance(expected, str):
            expected = expected.replace("{base}", base)
        if name in want and expected != value:
            problems.append(f"{name} {value!r}, expected {want[name]!r} ({e})")


def check(emu: Emulator, outcome: Any, error: Any, want: dict) -> List[str]:
    problems: List[str] = []
    shape = want["shape"]
    if shape == "error":
        if error is None:
            return ["succeeded"]
        check_error(error, want, emu.url, problems)
        return problems
    if error is not None:
        return [f"failed: {error!r}"]
    if shape == "login_info":
        assert isinstance(outcome, dcimanager.LoginInfo)
        if (outcome.id, outcome.confirmed) != (want["id"], want["confirmed"]):
            problems.append(f"{outcome!r}")
        if not outcome.token or outcome.token in repr(outcome):
            problems.append(f"token shown or empty: {outcome!r}")
    elif shape == "key_info":
        if not (isinstance(outcome, dcimanager.KeyInfo) and outcome.id and outcome.key):
            problems.append(f"{outcome!r}")
        elif outcome.key in repr(outcome):
            problems.append("the key is shown")
    elif shape == "text":
        expected = want["equals"].replace("{base}", emu.url)
        if outcome != expected:
            problems.append(f"{outcome!r}, expected {expected!r}")
    elif shape == "secret_text":
        if not (isinstance(outcome, str) and outcome):
            problems.append(repr(outcome))
    elif shape == "json":
        check_json(outcome, want["checks"], problems)
    elif shape == "null":
        if outcome is not None:
            problems.append(repr(outcome))
    elif shape == "items":
        if len(outcome) != want["count"]:
            problems.append(f"{len(outcome)} items")
        for item in outcome:
            check_json(item, want.get("each", []), problems)
    elif shape == "response":
        if outcome.status != want["status"]:
            problems.append(f"status {outcome.status}")
        for name, prefix in want.get("headers", {}).items():
            if not outcome.headers.get(name, "").startswith(prefix):
                problems.append(f"header {name}: {outcome.headers.get(name)!r}")
        if "error" in want:
            try:
                outcome.raise_for_status()
                problems.append("the response means no error")
            except dcimanager.Error as e:
                check_error(e, want["error"], emu.url, problems)
    else:
        problems.append(f"unknown shape {shape}")
    return problems


@pytest.mark.parametrize("row", TABLE["rows"], ids=[r["name"] for r in TABLE["rows"]])
def test_operation(emu: Emulator, row: dict) -> None:
    defaults = emu.call("GET", "/emulator/config")
    if "config" in row:
        emu.config(**row["config"])
    try:
        c = client_for(emu, row)
        emu.clear_log()
        for f in row.get("faults", []):
            emu.fault(**f)
        outcome, error = None, None
        try:
            outcome = run(emu, c, row["op"], row["args"])
        except dcimanager.Error as e:
            error = e
        problems = check(emu, outcome, error, row["result"])
        log = emu.requests()
        counts: dict = {}
        for r in log:
            key = f"{r['method']} {r['path']}"
            counts[key] = counts.get(key, 0) + 1
        for key, n in row.get("requests", {}).items():
            if counts.get(key, 0) != n:
                problems.append(f"requests {key}: {counts.get(key, 0)}, expected {n}")
        if row.get("requests") == {} and log:
            problems.append(f"{len(log)} requests, expected none")
        for field, value in row.get("last_request", {}).items():
            if not log or log[-1][field] != value:
                problems.append(f"last request {field}: {log[-1][field] if log else None!r}")
        assert not problems, "; ".join(problems)
    finally:
        emu.call("DELETE", "/emulator/faults")
        if "config" in row:
            emu.config(**defaults)
