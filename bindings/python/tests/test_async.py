"""dcimanager.AsyncClient against the emulator: the same calls as Client, many tasks on one
client, overlapping calls, ``async for`` over pages, ``async with``, cancellation, and the fault
matrix (tests/faults.json) run by test_faults.py's own row test through AsyncClient.

Each test runs its coroutine with ``run()``: ``asyncio.run`` that fails when the event loop
reports anything (an exception never retrieved, a callback error)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import threading
import time
from typing import Any, Awaitable, Callable, List, TypeVar

import pytest

import dcimanager
import test_faults as sync_faults
from dcimanager import AsyncClient, Client

T = TypeVar("T")
ADMIN = ("admin@example.com", "secret")
IO_METHODS = {
    "login", "login_with_key", "logout", "whoami", "create_token", "set_token_ttl", "create_key",
    "get", "post", "delete", "request",
}  # fmt: skip
PLAIN_METHODS = {"set_credentials", "key_login_url", "paginate", "interrupt"}
PROPERTIES = {"token", "base_url", "relogin_count", "proxy"}
#: Client's methods AsyncClient leaves out: get_all's batch is asyncio.gather of get()s.
NOT_MIRRORED = {"get_all"}


def run(main: Callable[[], Awaitable[T]]) -> T:
    reports: List[dict] = []

    async def checked() -> T:
        asyncio.get_running_loop().set_exception_handler(lambda _loop, ctx: reports.append(ctx))
        return await main()

    result = asyncio.run(checked())
    assert reports == [], reports
    return result


def workers() -> list:
    """The live threads of AsyncClients' own executors."""
    return [t for t in threading.enumerate() if t.name.startswith("dcimanager-async")]


def make(emu: Any, **kw: Any) -> AsyncClient:
    return AsyncClient(emu.url, verify=emu.ca, **kw)


async def admin(emu: Any, **kw: Any) -> AsyncClient:
    c = make(emu, **kw)
    await c.login(*ADMIN)
    emu.clear_log()
    return c


def test_same_methods_as_client_io_ones_are_coroutines():
    public = {n for n in dir(Client) if not n.startswith("_")}
    assert public == IO_METHODS | PLAIN_METHODS | PROPERTIES | NOT_MIRRORED
    assert not any(hasattr(AsyncClient, name) for name in NOT_MIRRORED)
    for name in PROPERTIES:
        assert isinstance(getattr(AsyncClient, name), property), name
    for name in IO_METHODS | PLAIN_METHODS:
        method = getattr(AsyncClient, name)
        assert inspect.iscoroutinefunction(method) == (name in IO_METHODS), name
        assert method.__doc__, name
        ours = list(inspect.signature(method).parameters)[1:]
        theirs = list(inspect.signature(getattr(Client, name)).parameters)[1:]
        assert ours == theirs, name
    ours = list(inspect.signature(AsyncClient).parameters)
    assert ours == list(inspect.signature(Client).parameters) + ["max_workers", "executor"]
    assert "AsyncClient" in dcimanager.__all__


def test_every_call(emulator):
    async def main() -> None:
        async with make(emulator) as c:
            info = await c.login(*ADMIN)
            assert isinstance(info, dcimanager.LoginInfo) and c.token == info.token
            assert c.base_url == emulator.url and c.relogin_count == 0
            assert (await c.whoami())["email"] == ADMIN[0]
            assert (await c.get("dci/v3/server/2"))["id"] == 2
            assert (await c.get("dci/v3/server", {"where": "id EQ 7"}))["list"][0]["id"] == 7
            assert (await c.post("dci/v3/server/2/power_reset"))["id"] == 2
            r = await c.request("GET", "dci/v3/server/3", headers={"x-test": "1"})
            assert isinstance(r, dcimanager.Response) and r.status == 200 and r.json()["id"] == 3
            long_lived = await c.create_token("2030-01-31 00:00:00", "integration")
            assert (await c.delete(f"auth/v4/token/{long_lived}")) == {}
            await c.set_token_ttl(60)
            key = await c.create_key("client@example.com")
            assert c.key_login_url(key) == f"{emulator.url}/auth/key-v4/{key.key}"
            with pytest.raises(dcimanager.ApiError) as e:
                await c.get("dci/v3/server/99999")
            assert e.value.status == 404 and e.value.code == 3080
            async with make(emulator) as customer:
                await customer.login_with_key(key)
                assert (await customer.whoami())["email"] == "client@example.com"
            other = make(emulator, token=c.token)
            other.set_credentials(*ADMIN)
            assert (await other.whoami())["email"] == ADMIN[0]
            other.token = None
            assert other.token is None
            await other.logout()  # nothing to end: the platform is not called
            await other.aclose()
            await other.aclose()  # idempotent
            assert other.closed and "closed" in repr(other)
            with pytest.raises(RuntimeError, match="closed"):
                await other.get("dci/v3/server/2")

    run(main)
    assert workers() == []


def test_fifty_tasks_twenty_gets_each_one_login(emulator):
    async def main() -> None:
        # no token yet: the 50 tasks race to the first request, and one of them logs in
        async with make(emulator, email=ADMIN[0], password=ADMIN[1]) as c:

            async def task(t: int) -> List[int]:
                return [(await c.get(f"dci/v3/server/{t * 20 + i + 1}"))["id"] for i in range(20)]

            got = await asyncio.gather(*(task(t) for t in range(50)))
            assert got == [[t * 20 + i + 1 for i in range(20)] for t in range(50)]
            assert c.relogin_count == 1

    run(main)
    stats = emulator.stats()
    assert stats["by_method"]["GET"] == 1000 and stats["logins"] == 1
    assert stats["requests"] == 1001  # the gets and the one login (logged out by nobody)
    assert workers() == []


def test_calls_overlap_and_the_loop_keeps_running(emulator):
    async def main() -> None:
        async with await admin(emulator) as c:
            emulator.fault(kind="delay", delay_ms=500, count=8, path="dci/v3/server/")
            ticks = 0

            async def ticker() -> None:
                nonlocal ticks
                while True:
                    await asyncio.sleep(0.01)
                    ticks += 1

            tick = asyncio.ensure_future(ticker())
            started = time.monotonic()
            got = await asyncio.gather(*(c.get(f"dci/v3/server/{i}") for i in range(1, 9)))
            elapsed = time.monotonic() - started
            tick.cancel()
            assert [s["id"] for s in got] == list(range(1, 9))
            # 8 × 0.5 s of delays: 4 s one after another; together, one delay and some slack
            assert 0.5 <= elapsed < 1.5, elapsed
            assert ticks >= 20, ticks  # a blocked loop would not have ticked during the 0.5 s

    run(main)
    assert emulator.stats()["faults_served"] == 8


def test_max_workers_bounds_the_calls_in_flight(emulator):
    async def main() -> None:
        async with await admin(emulator, max_workers=2) as c:
            emulator.fault(kind="delay", delay_ms=400, count=4, path="dci/v3/server/")
            started = time.monotonic()
            await asyncio.gather(*(c.get(f"dci/v3/server/{i}") for i in range(1, 5)))
            elapsed = time.monotonic() - started
            assert 0.8 <= elapsed < 1.5, elapsed  # two rounds of two

    run(main)


def test_executor_choice():
    with pytest.raises(TypeError):
        AsyncClient("https://127.0.0.1:1", max_workers=2, executor=concurrent.futures.ThreadPoolExecutor())
    with pytest.raises(ValueError):
        AsyncClient("https://127.0.0.1:1", max_workers=0)


def test_a_given_executor_is_used_and_left_open(emulator):
    pool = concurrent.futures.ThreadPoolExecutor(2, thread_name_prefix="mine")

    async def main() -> None:
        async with make(emulator, executor=pool) as c:
            await c.login(*ADMIN)
            assert (await c.get("dci/v3/server/2"))["id"] == 2

    run(main)
    assert pool.submit(lambda: 7).result() == 7  # not shut down
    assert workers() == []
    pool.shutdown()


def test_async_for_visits_every_item_once(emulator):
    async def main() -> None:
        async with await admin(emulator) as c:
            pages = c.paginate("dci/v3/server", page_size=70)
            assert pages.total is None
            assert [s["id"] async for s in pages] == list(range(1, 1001))
            assert pages.total == 1000
            assert emulator.count("GET", "/api/dci/v3/server") == 15  # ⌈1000 / 70⌉: a hop per page
            where = f"owner_email EQ {dcimanager.quote('client@example.com')}"
            mine = [s["id"] async for s in c.paginate("dci/v3/server", where=where, orderby="id desc")]
            assert mine == [s["id"] for s in c.client.paginate("dci/v3/server", where=where, orderby="id desc")]
            assert len(mine) == 300

    run(main)


def test_async_for_shared_by_tasks_and_through_cancellation(emulator):
    async def main() -> None:
        async with await admin(emulator) as c:
            pages = c.paginate("dci/v3/server", page_size=50)

            async def drain() -> List[int]:
                return [s["id"] async for s in pages]

            parts = await asyncio.gather(drain(), drain(), drain())
            assert sorted(sum(parts, [])) == list(range(1, 1001))  # each item to one task

            emulator.clear_log()
            pages = c.paginate("dci/v3/server", page_size=100)
            ids = [(await pages.__anext__())["id"]]
            emulator.fault(kind="delay", delay_ms=600, count=1, path="dci/v3/server")
            ids += [(await pages.__anext__())["id"] for _ in range(99)]  # page 1, no request
            with pytest.raises(asyncio.TimeoutError):  # page 2 is on its way...
                await asyncio.wait_for(pages.__anext__(), 0.1)
            ids += [s["id"] async for s in pages]  # ...and the next __anext__ takes it
            assert ids == list(range(1, 1001))
            assert emulator.count("GET", "/api/dci/v3/server") == 10

    run(main)


def test_async_for_raises_an_error_once_after_the_items_before_it(emulator):
    async def main() -> None:
        async with await admin(emulator) as c:
            pages = c.paginate("dci/v3/server", page_size=100)
            ids: List[int] = []
            with pytest.raises(dcimanager.ApiError) as e:
                async for s in pages:
                    ids.append(s["id"])
                    if s["id"] == 150:  # page 2 is fetched: page 3 will fail
                        emulator.fault(kind="api_error", status=500, code=1000, path="dci/v3/server")
            assert e.value.status == 500 and e.value.code == 1000
            assert ids == list(range(1, 201))
            assert [s async for s in pages] == []  # ended, as Pages ends after an error

    run(main)


def test_async_with_logs_out_when_it_logged_in(emulator):
    async def main() -> None:
        async with make(emulator) as c:
            token = (await c.login(*ADMIN)).token
        assert c.closed and c.token is None
        assert emulator.count("DELETE", f"auth/v4/token/{token}") == 1

        with pytest.raises(KeyError):  # an error in the block: logged out, the error kept
            async with make(emulator) as c:
                token = (await c.login(*ADMIN)).token
                raise KeyError("boom")
        assert emulator.count("DELETE", f"auth/v4/token/{token}") == 1

        emulator.clear_log()
        async with make(emulator, token=token) as c:  # a token from elsewhere is not ended
            pass
        assert emulator.count("DELETE", "") == 0

    run(main)
    assert workers() == []


def test_wait_for_returns_at_once_and_the_client_stays_usable(emulator):
    async def main() -> None:
        c = await admin(emulator, timeout=5)
        emulator.fault(kind="delay", delay_ms=1500, count=1, path="dci/v3/server/2")
        started = time.monotonic()
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(c.get("dci/v3/server/2"), 0.2)
        assert time.monotonic() - started < 0.6
        assert (await c.get("dci/v3/server/3"))["id"] == 3
        assert time.monotonic() - started < 1.0
        await c.aclose()  # the abandoned call was interrupted: nothing left to wait for
        assert time.monotonic() - started < 1.0
        assert workers() == []
        assert c.relogin_count == 0

    run(main)
    assert emulator.count("GET", "dci/v3/server/2") == 1
    assert emulator.stats()["logins"] == 0


def test_task_cancel_returns_at_once_and_the_client_stays_usable(emulator):
    async def main() -> None:
        async with await admin(emulator) as c:
            emulator.fault(kind="delay", delay_ms=1000, count=1, path="dci/v3/server/2")
            task = asyncio.ensure_future(c.get("dci/v3/server/2"))
            await asyncio.sleep(0.1)
            started = time.monotonic()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert time.monotonic() - started < 0.2
            assert (await c.get("dci/v3/server/4"))["id"] == 4

    run(main)
    assert workers() == []


def test_a_cancelled_call_is_interrupted_in_its_thread(emulator):
    async def main() -> None:
        c = await admin(emulator)
        emulator.fault(kind="delay", delay_ms=3000, count=1, path="dci/v3/server/2")
        started = time.monotonic()
        with pytest.raises(asyncio.TimeoutError) as e:
            await asyncio.wait_for(c.get("dci/v3/server/2", timeout=2.0), 0.1)
        assert not isinstance(e.value, dcimanager.Error)  # wait_for's, not the call's
        assert time.monotonic() - started < 0.4
        await c.aclose()
        # the native call was interrupted within 100 ms of the cancellation, long before its
        # own 2 s budget and the 3 s answer
        assert time.monotonic() - started < 0.5
        assert workers() == []

    run(main)


def test_interrupt_stops_every_call_in_flight(emulator):
    async def main() -> None:
        async with await admin(emulator) as c:
            emulator.fault(kind="delay", delay_ms=2000, count=2, path="dci/v3/server/")
            calls = [asyncio.ensure_future(c.get(f"dci/v3/server/{i}")) for i in (5, 6)]
            await asyncio.sleep(0.3)
            started = time.monotonic()
            c.interrupt()
            for call in calls:
                with pytest.raises(dcimanager.InterruptedError) as e:
                    await call
                assert e.value.kind == "interrupted" and e.value.method == "GET"
            assert time.monotonic() - started < 0.3
            assert (await c.get("dci/v3/server/4"))["id"] == 4  # still usable

    run(main)


def test_a_cancelled_call_still_queued_is_never_sent(emulator):
    async def main() -> None:
        async with await admin(emulator, max_workers=1) as c:
            emulator.fault(kind="delay", delay_ms=600, count=1, path="dci/v3/server/2")
            first = asyncio.ensure_future(c.get("dci/v3/server/2"))
            queued = asyncio.ensure_future(c.get("dci/v3/server/3"))
            await asyncio.sleep(0.1)
            queued.cancel()
            assert (await first)["id"] == 2
            with pytest.raises(asyncio.CancelledError):
                await queued
            assert (await c.get("dci/v3/server/4"))["id"] == 4

    run(main)
    assert emulator.count("GET", "dci/v3/server/3") == 0
    assert emulator.count("GET", "dci/v3/server/4") == 1


class _AwaitingClient:
    """An AsyncClient behind the sync Client's face, each call awaited on a private event
    loop: test_faults.test_fault_matrix_row then runs, unchanged, through AsyncClient."""

    def __init__(self, base_url: str, **kw: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._async = AsyncClient(base_url, **kw)
        self.calls = 0

    def _wait(self, call: Awaitable[T]) -> T:
        self.calls += 1
        return self._loop.run_until_complete(call)

    def login(self, email: str, password: str) -> Any:
        return self._wait(self._async.login(email, password))

    def get(self, path: str) -> Any:
        return self._wait(self._async.get(path))

    def post(self, path: str) -> Any:
        return self._wait(self._async.post(path))

    @property
    def token(self) -> Any:
        return self._async.token

    def close(self) -> None:
        self._loop.run_until_complete(self._async.aclose())
        self._loop.close()


@pytest.mark.parametrize("row", sync_faults.MATRIX["rows"], ids=[r["name"] for r in sync_faults.MATRIX["rows"]])
def test_fault_matrix_row(emulator, row, monkeypatch):
    made: List[_AwaitingClient] = []

    def client(*args: Any, **kw: Any) -> _AwaitingClient:
        made.append(_AwaitingClient(*args, **kw))
        return made[-1]

    monkeypatch.setattr(dcimanager, "Client", client)
    try:
        sync_faults.test_fault_matrix_row(emulator, row)
    finally:
        for c in made:
            c.close()
    assert len(made) == 1 and made[0].calls >= 1
    assert workers() == []


def test_import_dcimanager_leaves_asyncio_until_asyncclient_is_used():
    # `import dcimanager` must stay quick (make bench times it): asyncio, concurrent.futures
    # and typing are imported only when AsyncClient is first used.
    import subprocess
    import sys

    code = (
        "import sys, dcimanager\n"
        "print(sorted(m for m in ('asyncio', 'concurrent.futures', 'typing') if m in sys.modules))\n"
        "assert 'AsyncClient' in dir(dcimanager) and 'AsyncClient' in dcimanager.__all__\n"
        "from dcimanager import AsyncClient\n"
        "print(AsyncClient.__module__, 'asyncio' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == ["[]", "dcimanager._async True"]
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        dcimanager.nothing  # noqa: B018
