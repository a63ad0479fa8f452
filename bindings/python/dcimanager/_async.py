"""``dcimanager.AsyncClient``: the native :class:`~dcimanager.Client` for asyncio.

Every call that does I/O is a coroutine that runs the native call in a worker thread
(``loop.run_in_executor``); the native code releases the GIL while it waits on the network, so
the event loop never blocks and many tasks share one client, its session and its connection
pool. By default each AsyncClient owns a :class:`concurrent.futures.ThreadPoolExecutor` of
``max_workers`` threads (at most that many calls in flight; more tasks wait their turn), shut
down by :meth:`AsyncClient.aclose` or at the end of ``async with``.

Cancellation (``task.cancel()``, ``asyncio.wait_for``, ``asyncio.timeout``, Ctrl-C under
``asyncio.run``) reaches the awaiting task at once: it gets ``asyncio.CancelledError``
(``TimeoutError`` from ``wait_for``), and the native call it was awaiting is interrupted in
its thread within 100 ms of its next wait (its connection dropped). Its request may already
have reached the platform: a cancelled ``post()`` or ``login()`` may still take effect — it
is never sent again. A call still waiting for a free worker is dropped and never sent. The
client stays usable either way. A page fetch of ``paginate`` is kept for the next
``__anext__`` rather than interrupted.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import datetime
import functools
import os
from typing import Any, Callable, List, Mapping, NamedTuple, Optional, Sequence, Tuple, TypeVar, Union

from ._native import DEFAULTS, Client, KeyInfo, LoginInfo, Pages, Response, _Cancel

__all__ = ["AsyncClient", "AsyncPages"]

_T = TypeVar("_T")
_Params = Union[Mapping[str, Any], Sequence[Tuple[str, Any]]]
_Headers = Union[Mapping[str, str], Sequence[Tuple[str, str]]]

DEFAULT_MAX_WORKERS = 16
"""Worker threads of an AsyncClient's own executor: native calls in flight at once."""


class AsyncClient:
    """A client of one DCImanager 6 installation for asyncio; share one per event loop.

    The arguments up to ``no_proxy`` are those of :class:`dcimanager.Client` (same
    meaning, same defaults: ``dcimanager.DEFAULTS``). ``max_workers`` sizes the thread pool
    this client makes for its native calls (default ``DEFAULT_MAX_WORKERS``, 16); or pass
    ``executor``, one of yours, which the client uses but never shuts down. Not both.

    ``async with AsyncClient(...) as c:`` logs out at the end when the client logged in itself
    (:meth:`login` or :meth:`login_with_key`), as ``Client``'s ``with`` does, then closes it.
    Errors are the same :class:`dcimanager.Error` subclasses, with the same facts, as
    ``Client``'s. See the module documentation for cancellation.

    ``Client.get_all`` has no counterpart here: ``await asyncio.gather(*(c.get(p) for p in
    paths))`` sends the GETs at once (up to ``max_workers`` in flight), in order, with
    ``return_exceptions=True`` as there.
    """

    def __init__(
        self,
        base_url: str,
        *,
        verify: Union[bool, str, os.PathLike[str]] = True,
        timeout: Optional[float] = DEFAULTS["timeout"],
        connect_timeout: Optional[float] = DEFAULTS["connect_timeout"],
        retries: int = DEFAULTS["retries"],
        backoff_factor: float = DEFAULTS["backoff_factor"],
        token: Optional[str] = None,
        email: Optional[str] = None,
        password: Optional[str] = None,
        max_body_size: int = DEFAULTS["max_body_size"],
        pinned_pubkey: Optional[str] = None,
        proxy: Optional[str] = None,
        no_proxy: Optional[str] = None,
        max_workers: Optional[int] = None,
        executor: Optional[concurrent.futures.Executor] = None,
    ) -> None:
        if executor is not None and max_workers is not None:
            raise TypeError("pass max_workers or executor, not both")
        if max_workers is not None and max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        self._client = Client(
            base_url,
            verify=verify,
            timeout=timeout,
            connect_timeout=connect_timeout,
            retries=retries,
            backoff_factor=backoff_factor,
            token=token,
            email=email,
            password=password,
            max_body_size=max_body_size,
            pinned_pubkey=pinned_pubkey,
            proxy=proxy,
            no_proxy=no_proxy,
        )
        self._owns_executor = executor is None
        self._executor: concurrent.futures.Executor = executor or concurrent.futures.ThreadPoolExecutor(
            max_workers=max_workers or DEFAULT_MAX_WORKERS, thread_name_prefix="dcimanager-async"
        )
        self._closed = False

    def _run(self, fn: Callable[..., _T], *args: Any, **kwargs: Any) -> asyncio.Future[_T]:
        """Schedules ``fn(*args, **kwargs)`` on the executor; the future of its result."""
        if self._closed:
            raise RuntimeError("this AsyncClient is closed")
        loop = asyncio.get_running_loop()
        return loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))

    async def _call(self, fn: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """Runs ``fn(*args, **kwargs)`` on the executor under a cancel token: when the
        awaiting task is cancelled (``task.cancel()``, ``asyncio.wait_for``, Ctrl-C under
        ``asyncio.run``), the native call is interrupted too, within 100 ms."""
        token = _Cancel()
        future: asyncio.Future[_T] = self._run(_under, token, fn, *args, **kwargs)
        try:
            return await future
        except asyncio.CancelledError:
            token.cancel()
            raise

    # -- no I/O: plain attributes and methods ------------------------------------------------

    @property
    def client(self) -> Client:
        """The underlying thread-safe :class:`dcimanager.Client` (same session and pool), for
        code that also calls it from threads."""
        return self._client

    @property
    def base_url(self) -> str:
        """The base URL (origin) this client talks to."""
        return self._client.base_url

    @property
    def proxy(self) -> Optional[str]:
        """The proxy this client's connections go through (``scheme://host:port``), or None."""
        return self._client.proxy

    @property
    def token(self) -> Optional[str]:
        """The session token in use, or None; assignable (None forgets it)."""
        return self._client.token

    @token.setter
    def token(self, token: Optional[str]) -> None:
        self._client.token = token

    @property
    def relogin_count(self) -> int:
        """How many times this client logged in by itself (after an expiry, or before its
        first request when it had credentials but no token)."""
        return self._client.relogin_count

    @property
    def closed(self) -> bool:
        """Whether :meth:`aclose` was called (calls then raise ``RuntimeError``)."""
        return self._closed

    def set_credentials(self, email: str, password: str) -> None:
        """Keeps credentials to log in with when the session expires, without logging in now
        (no I/O, so not a coroutine); the token in use is kept."""
        self._client.set_credentials(email, password)

    def key_login_url(self, key: Union[str, KeyInfo]) -> str:
        """The link that logs a user in with a key: {base}/auth/key-v4/<key>."""
        return self._client.key_login_url(key)

    def interrupt(self) -> None:
        """Interrupts every native call in flight on this client (of every task): each task
        awaiting one gets :class:`dcimanager.InterruptedError` within 100 ms. Later calls are
        not affected. To stop one task's call, cancel that task."""
        self._client.interrupt()

    def paginate(
        self,
        path: str,
        *,
        where: Optional[str] = None,
        orderby: Optional[str] = None,
        page_size: int = DEFAULTS["page_size"],
    ) -> AsyncPages:
        """Every item of a list call, for ``async for``: one request per ``page_size`` items,
        each off the event loop (the core's paging, as :meth:`dcimanager.Client.paginate`)."""
        pages = self._client.paginate(path, where=where, orderby=orderby, page_size=page_size)
        return AsyncPages(self, pages, page_size)

    # -- I/O: coroutines ----------------------------------------------------------------------

    async def login(self, email: str, password: str) -> LoginInfo:
        """Logs in; returns a LoginInfo (its repr hides the token). The session is renewed
        once, automatically, when it expires."""
        return await self._call(self._client.login, email, password)

    async def login_with_key(self, key: Union[str, KeyInfo]) -> LoginInfo:
        """Logs in with a single sign-on key (str or KeyInfo); returns a LoginInfo."""
        return await self._call(self._client.login_with_key, key)

    async def logout(self) -> None:
        """Ends the session on the platform and forgets the token."""
        await self._call(self._client.logout)

    async def whoami(self) -> Any:
        """The current user (GET auth/v4/whoami)."""
        return await self._call(self._client.whoami)

    async def create_token(self, expires_at: Union[str, datetime.datetime], description: str = "") -> str:
        """Creates a long-lived token ("YYYY-MM-DD HH:MM:SS" or a datetime) and returns it;
        the client keeps its own token."""
        return await self._call(self._client.create_token, expires_at, description)

    async def set_token_ttl(self, value: Union[int, str]) -> None:
        """Sets the platform's token and session lifetime in minutes (admin only)."""
        await self._call(self._client.set_token_ttl, value)

    async def create_key(self, user: Union[str, int]) -> KeyInfo:
        """Creates a single sign-on key for a user (e-mail or id); returns a KeyInfo."""
        return await self._call(self._client.create_key, user)

    async def get(self, path: str, params: Optional[_Params] = None, *, timeout: Optional[float] = None) -> Any:
        """GET a path ("dci/v3/server/2" → {base}/api/dci/v3/server/2); the parsed JSON
        (None for an empty body). ``timeout``: this call's budget instead of the client's."""
        return await self._call(self._client.get, path, params, timeout=timeout)

    async def post(
        self,
        path: str,
        json: Any = None,
        *,
        params: Optional[_Params] = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """POST JSON (``{}`` when None); the parsed JSON answer."""
        return await self._call(self._client.post, path, json, params=params, timeout=timeout)

    async def delete(self, path: str, params: Optional[_Params] = None, *, timeout: Optional[float] = None) -> Any:
        """DELETE a path; the parsed JSON answer (None when empty)."""
        return await self._call(self._client.delete, path, params, timeout=timeout)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Optional[_Params] = None,
        json: Any = None,
        headers: Optional[_Headers] = None,
        timeout: Optional[float] = None,
    ) -> Response:
        """Sends a request; returns the Response whatever its status (its body is already
        read: ``.json()``, ``.text`` do no I/O)."""
        return await self._call(
            self._client.request, method, path, params=params, json=json, headers=headers, timeout=timeout
        )

    async def aclose(self) -> None:
        """Closes the client: later calls raise ``RuntimeError``. With its own executor, waits
        (off the event loop) for the calls in flight, cancelled ones included, to end, and
        joins its threads. Does not log out (``async with`` does). Idempotent."""
        self._closed = True
        if self._owns_executor:
            await asyncio.get_running_loop().run_in_executor(None, self._executor.shutdown)

    async def __aenter__(self) -> AsyncClient:
        """The client itself (no I/O)."""
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        """Logs out when this client logged in itself, as ``Client``'s ``with`` does (one
        attempt within 2 s; a failure logged at WARNING and noted on the block's exception,
        never raised; not tried after a cancellation or Ctrl-C), then :meth:`aclose`."""
        try:
            if not self._closed:
                await self._call(self._client.__exit__, exc_type, exc, tb)
        finally:
            await self.aclose()

    def __repr__(self) -> str:
        state = " closed" if self._closed else ""
        return f"<dcimanager.AsyncClient {self.base_url}{state}>"


def _under(token: _Cancel, fn: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
    """In a worker thread: ``fn(*args, **kwargs)`` with ``token`` entered (see _call)."""
    with token:
        return fn(*args, **kwargs)


class _Batch(NamedTuple):
    """What one fetch brought back: items, then the error or end met, and the total."""

    items: List[Any]
    error: Optional[BaseException]
    done: bool
    total: Optional[int]


class AsyncPages:
    """The asynchronous iterator returned by :meth:`AsyncClient.paginate`.

    Items are fetched off the event loop a page at a time (one thread hop per page, not per
    item). Like ``Pages``, an error is raised once, after the items fetched before it, and ends
    the iteration. A cancelled ``__anext__`` loses nothing: the fetch in flight is kept for the
    next one. Tasks may share one AsyncPages; each item goes to exactly one of them.
    """

    def __init__(self, owner: AsyncClient, pages: Pages, page_size: int) -> None:
        self._owner = owner
        self._pages = pages  # touched only by the one fetch in flight (Pages is not shareable)
        self._batch = max(1, page_size)
        self._buffer: collections.deque[Any] = collections.deque()
        self._error: Optional[BaseException] = None
        self._done = False
        self._total: Optional[int] = None
        self._fetch: Optional[asyncio.Future[_Batch]] = None

    @property
    def total(self) -> Optional[int]:
        """The platform's count of matching items, once a page has told it."""
        return self._total

    def _pull(self) -> _Batch:
        """In a worker thread: up to ``page_size`` items — at most one request, as page
        boundaries fall every ``page_size`` items — and the error or end met."""
        items: List[Any] = []
        error: Optional[BaseException] = None
        done = True
        try:
            for _ in range(self._batch):
                items.append(next(self._pages))
            done = False
        except StopIteration:
            pass
        except Exception as e:  # handed to the task, after the items
            error = e
        return _Batch(items, error, done, self._pages.total)

    def __aiter__(self) -> AsyncPages:
        """The iterator itself."""
        return self

    async def __anext__(self) -> Any:
        """The next item; fetches the next page in a worker thread when the current one is
        used up. Raises StopAsyncIteration at the end."""
        while not self._buffer:
            if self._error is not None:
                error, self._error = self._error, None
                raise error
            if self._done:
                raise StopAsyncIteration
            if self._fetch is None or self._fetch.cancelled():
                self._fetch = self._owner._run(self._pull)
            fetch = self._fetch
            # shielded: a cancelled task must not drop a fetch whose items are on their way
            batch = await asyncio.shield(fetch)
            if self._fetch is fetch:  # the first task to see this fetch takes its items
                self._fetch = None
                self._buffer.extend(batch.items)
                self._error, self._done, self._total = batch.error, batch.done, batch.total
        return self._buffer.popleft()
