"""The requests exception compat raises is chosen on the native error's facts, never on its
words: every native error on its way to compat's mapping is replaced by one of the same class
and facts whose message says nothing, and each scenario still raises requests' class.

Also: the facts themselves, as the native module sets them (phase, request_sent, attempts,
argument, status, kind)."""

from __future__ import annotations

from typing import Any, Iterator

import pytest

import dcimanager
from dcimanager import compat
from dcimanager.compat import adapters

SERVER = "/api/dci/v3/server/2"


def reworded(e: dcimanager.Error) -> dcimanager.Error:
    """The same error class and facts, with a message that names nothing."""
    facts = dict(
        kind=e.kind,
        phase=e.phase,
        request_sent=e.request_sent,
        attempts=e.attempts,
        status=e.status,
        argument=e.argument,
        body=e.body,
    )
    if isinstance(e, dcimanager.ApiError):
        facts.update(code=e.code, msg=e.msg, value=e.value)
    return type(e)("(reworded)", **facts)


class RewordingClient:
    """A native client whose errors all come out reworded."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        try:
            self._inner = dcimanager.Client(*args, **kwargs)
        except dcimanager.Error as e:
            raise reworded(e) from None

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return attr(*args, **kwargs)
            except dcimanager.Error as e:
                raise reworded(e) from None

        return call


@pytest.fixture(params=["as is", "reworded"])
def rewording(request: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if request.param == "reworded":
        monkeypatch.setattr(adapters, "_NativeClient", RewordingClient)
    yield request.param


def test_a_read_timeout(emulator: Any, rewording: str) -> None:
    emulator.fault(kind="delay", delay_ms=800)
    with pytest.raises(compat.ReadTimeout):
        compat.Session().get(emulator.url + SERVER, verify=emulator.ca, timeout=0.2)


def test_a_refused_connection(plain_emulator: Any, rewording: str) -> None:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    with pytest.raises(compat.ConnectionError) as e:
        compat.Session().get(f"http://127.0.0.1:{port}/x")
    assert not isinstance(e.value, compat.Timeout)


def test_a_header_that_cannot_travel(emulator: Any, rewording: str) -> None:
    with pytest.raises(compat.InvalidHeader):
        compat.Session().get(
            emulator.url + SERVER, verify=emulator.ca, headers={"x-evil": "a\x01b"}
        )


def test_an_unusable_ca_bundle(emulator: Any, rewording: str, tmp_path: Any) -> None:
    bundle = tmp_path / "not-a-bundle.pem"
    bundle.write_text("this is no certificate\n")
    with pytest.raises(compat.SSLError):
        compat.Session().get(emulator.url + SERVER, verify=str(bundle))


def test_an_untrusted_certificate(emulator: Any, rewording: str) -> None:
    with pytest.raises(compat.SSLError):
        compat.Session().get(emulator.url + SERVER)


def test_a_connect_timeout_told_by_its_phase(emulator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A timeout whose phase is 'connect' is requests' ConnectTimeout, whatever its text."""

    class TimingOut(RewordingClient):
        def _request_raw(self, *args: Any, **kwargs: Any) -> Any:
            raise dcimanager.TimeoutError("(reworded)", kind="timeout", phase="connect", attempts=1)

    monkeypatch.setattr(adapters, "_NativeClient", TimingOut)
    with pytest.raises(compat.ConnectTimeout):
        compat.Session().get(emulator.url + SERVER, verify=emulator.ca)


# ---------------------------------------------------------------------------------------
# The facts as the native module sets them.


def test_facts_of_a_wait_timeout(emulator: Any) -> None:
    c = dcimanager.Client(emulator.url, verify=emulator.ca, token=emulator.admin_token())
    emulator.fault(kind="delay", delay_ms=800)
    with pytest.raises(dcimanager.TimeoutError) as e:
        c.get("dci/v3/server/2", timeout=0.2)
    assert (e.value.kind, e.value.phase, e.value.request_sent) == ("timeout", "wait", True)
    assert (e.value.attempts, e.value.status, e.value.argument) == (1, None, None)


def test_facts_of_a_refused_argument(emulator: Any) -> None:
    c = dcimanager.Client(emulator.url, verify=emulator.ca)
    with pytest.raises(dcimanager.InvalidArgumentError) as e:
        c.get("https://evil.example.com/api/x")
    assert (e.value.argument, e.value.request_sent, e.value.attempts, e.value.phase) == (
        "path",
        False,
        0,
        None,
    )
    assert emulator.requests() == []


def test_facts_of_an_api_error(emulator: Any) -> None:
    c = dcimanager.Client(emulator.url, verify=emulator.ca, token=emulator.admin_token())
    with pytest.raises(dcimanager.ApiError) as e:
        c.get("dci/v3/server/999999")
    v = e.value
    assert (v.kind, v.status, v.code, v.msg, v.phase, v.request_sent, v.attempts) == (
        "api",
        404,
        3080,
        "instance not found",
        None,
        True,
        1,
    )


def test_facts_of_retries_exhausted(emulator: Any) -> None:
    c = dcimanager.Client(
        emulator.url, verify=emulator.ca, token=emulator.admin_token(), retries=2, backoff_factor=0
    )
    emulator.fault(kind="503", count=5)
    with pytest.raises(dcimanager.RetriesExhaustedError) as e:
        c.get("dci/v3/server/2")
    assert (e.value.attempts, e.value.status, e.value.last_status) == (3, 503, 503)
