"""Type stubs of the native module (pyo3). Checked against the runtime by mypy.stubtest in
`make test`."""

import datetime
import os
from typing import Any, Iterable, Iterator, Literal, Mapping, Optional, Sequence, Tuple, Union, final

from ._structures import CaseInsensitiveDict

__all__ = [
    "DEFAULTS",
    "Client",
    "KeyInfo",
    "LoginInfo",
    "Pages",
    "Response",
    "__version__",
    "_Cancel",
    "_json_loads",
    "encode_component",
    "quote",
    "server_pin",
]
__version__: str
DEFAULTS: dict[str, Any]
"""The core's defaults: timeout (s), connect_timeout (s), retries, backoff_factor,
max_body_size (bytes), page_size, batch_concurrency, retry_statuses, retry_methods."""

def quote(text: str) -> str:
    """``text`` as a literal of the platform's ``where`` language: single-quoted, with a
    backslash before ``'`` and ``\\`` — ``f"owner_email EQ {quote(email)}"`` is safe."""

def _json_loads(data: bytes, serde: bool = False) -> Any:
    """JSON bytes into Python objects by the parser answers go through, without its
    fallback to serde_json (``serde=True``: by serde_json), for the tests that prove the two
    equal; ValueError when the text is not JSON."""

def encode_component(text: str) -> str:
    """Percent-encodes text for one path segment or query value: everything but
    ``A-Z a-z 0-9 - . _ ~`` (so ``+ ( ) '`` in a ``where`` survive the trip)."""

def server_pin(
    url: str,
    *,
    timeout: Optional[float] = 10.0,
    proxy: Optional[str] = None,
    no_proxy: Optional[str] = None,
) -> str:
    """The pin (``"sha256//<base64>"``, curl's format) of the certificate the server of an
    ``https://`` URL presents, for ``Client(..., pinned_pubkey=...)``: a TLS handshake that
    trusts any certificate (the server must still prove it holds the key) and no HTTP
    request, through the proxy the environment (or ``proxy``) names, within ``timeout``
    seconds. Trust on first use, as ssh shows a fingerprint: **compare the pin out of band**
    (on the platform's console) before pinning it."""

@final
class LoginInfo:
    """The answer to a login: ``id`` (the user's id), ``confirmed`` and ``token`` (the
    session token, now in use by the client). ``repr`` hides the token."""

    @property
    def id(self) -> str:
        """The user's id (text, whether the platform sent a string or a number)."""
    @property
    def confirmed(self) -> bool:
        """The platform's ``confirmed`` flag."""
    @property
    def token(self) -> str:
        """The session token, now in use by the client (a secret: do not log it)."""

@final
class KeyInfo:
    """A single sign-on key, valid for one hour: ``id`` and ``key``. ``repr`` hides the key;
    pass the object itself to ``Client.key_login_url()`` or ``Client.login_with_key()``."""

    @property
    def id(self) -> str:
        """The key's id."""
    @property
    def key(self) -> str:
        """The key (a secret: do not log it)."""

_Params = Union[Mapping[str, Any], Sequence[Tuple[str, Any]]]
_Headers = Union[Mapping[str, str], Sequence[Tuple[str, str]]]

@final
class Client:
    """A client of one DCImanager 6 installation (thread-safe; share one per process).

    ``verify`` is True (verify against the system's trust store, which honours
    ``SSL_CERT_FILE``/``SSL_CERT_DIR``; Mozilla's roots where the system has none), False
    (insecure without a pin: accept any certificate; an :class:`InsecureRequestWarning` says
    so, once per client) or the path of a PEM file trusted in addition — as CAs, and as the
    exact certificate the server presents, so the platform's self-signed certificate
    verifies when given here (host name and dates still checked). ``pinned_pubkey`` pins the
    server's key in curl's format, ``"sha256//<base64>"`` (several joined by ``;``): with
    ``verify`` on, the certificate must verify and match; with ``verify=False`` the pin
    alone decides. Learn a server's with :func:`server_pin`. ``proxy`` is None (from the
    environment: ``https_proxy``, ``all_proxy``... and ``no_proxy``, as requests reads
    them), ``""`` (never) or ``"http://[user:pass@]host:port"``, ``"socks5://..."``,
    ``"socks5h://..."``; ``no_proxy`` replaces the environment's ``no_proxy`` (e.g.
    ``"localhost,.corp.example,10.0.0.0/8"``). ``timeout`` is the budget of one call in
    seconds, retries included (None: unlimited); ``connect_timeout`` that of making a
    connection. ``retries`` and ``backoff_factor`` follow the platform's documented urllib3
    policy for HTTP 503. ``max_body_size`` is the largest answer body accepted, in bytes.
    The defaults are the core's (``dcimanager.DEFAULTS``). ``token`` starts with a token
    obtained elsewhere; ``email`` and ``password`` are kept to log in when the session
    expires (or before the first request without a token), without logging in now.
    """

    def __new__(
        cls,
        base_url: str,
        *,
        verify: Union[bool, str, os.PathLike[str]] = True,
        timeout: Optional[float] = 60.0,
        connect_timeout: Optional[float] = 10.0,
        retries: int = 10,
        backoff_factor: float = 0.01,
        token: Optional[str] = None,
        email: Optional[str] = None,
        password: Optional[str] = None,
        max_body_size: int = 67108864,
        pinned_pubkey: Optional[str] = None,
        proxy: Optional[str] = None,
        no_proxy: Optional[str] = None,
    ) -> Client: ...
    @property
    def base_url(self) -> str:
        """The base URL (origin) this client talks to."""
    @property
    def proxy(self) -> Optional[str]:
        """The proxy this client's connections go through (``scheme://host:port``, without
        credentials), or None when it connects directly."""
    @property
    def token(self) -> Optional[str]:
        """The session token in use, or None. Assign a token obtained elsewhere, or None to
        forget it (credentials from login() are forgotten too)."""
    @token.setter
    def token(self, token: Optional[str]) -> None: ...
    @property
    def relogin_count(self) -> int:
        """How many times this client logged in by itself: after its session expired, or
        before its first request when it had credentials but no token."""
    def login(self, email: str, password: str) -> LoginInfo:
        """Logs in with e-mail and password and uses the session from then on; the session
        is renewed once, automatically, when it expires. Returns a LoginInfo (``id``,
        ``confirmed``, ``token``; its repr hides the token)."""
    def login_with_key(self, key: Union[str, KeyInfo]) -> LoginInfo:
        """Logs in with a single sign-on key (str or the KeyInfo of create_key()) and uses
        that session from then on. Returns a LoginInfo."""
    def set_credentials(self, email: str, password: str) -> None:
        """Keeps e-mail and password to log in with when the session expires (or before the
        first request when there is no token), without logging in now; the token in use is
        kept. With a cached token: ``Client(url, token=cached)`` then ``set_credentials()``
        (or pass ``email=``/``password=`` to the constructor)."""
    def logout(self) -> None:
        """Ends the session on the platform and forgets the token."""
    def whoami(self) -> Any:
        """The current user (GET auth/v4/whoami)."""
    def create_token(self, expires_at: Union[str, datetime.datetime], description: str = "") -> str:
        """Creates a long-lived token expiring at ``expires_at`` (``"YYYY-MM-DD HH:MM:SS"``,
        or a datetime: an aware one is converted to UTC). Returns the token; the client
        keeps its own (assign ``client.token`` to switch)."""
    def set_token_ttl(self, value: Union[int, str]) -> None:
        """Sets the platform's token and session lifetime, in minutes (int or str). Admin
        only."""
    def create_key(self, user: Union[str, int]) -> KeyInfo:
        """Creates a single sign-on key for a user (e-mail or id). Admin only. Returns a
        KeyInfo (``id``, ``key``; its repr hides the key)."""
    def key_login_url(self, key: Union[str, KeyInfo]) -> str:
        """The link that logs a user in with a key (str or KeyInfo):
        ``{base}/auth/key-v4/<key>``."""
    def get(
        self, path: str, params: Optional[_Params] = None, *, timeout: Optional[float] = None
    ) -> Any:
        """GET a path (``"dci/v3/server/2"`` → ``{base}/api/dci/v3/server/2``; a URL of this
        client's origin is taken as it is) with ``params`` added to the query (a dict or
        (name, value) pairs; values str, int, float or bool). Returns the parsed JSON answer
        (None for an empty body); an error status raises the matching :class:`Error`
        (ApiError, UnauthorizedError, HTTPError, RetriesExhaustedError) with its facts. ``timeout``:
        this call's budget in seconds instead of the client's."""
    def get_all(
        self,
        paths: Iterable[Union[str, Tuple[str, Optional[_Params]]]],
        concurrency: int = 8,
        *,
        return_exceptions: bool = False,
    ) -> list[Any]:
        """GETs of many paths at once: up to ``concurrency`` in flight, on threads that live
        only during this call (the calling thread is one of them), with the GIL released.
        ``paths`` holds paths (str), or (path, params) pairs with ``params`` as for get().
        Returns the parsed JSON answers in the order of ``paths``. Each request is what
        get() would send, with its retries and the one re-login of an expired session
        shared; the batch has one time budget, the client's ``timeout``: a request that
        cannot start before it runs out fails with :class:`TimeoutError`, never sent. When
        requests fail, the first failure in the order of ``paths`` is raised once every
        request is done; with ``return_exceptions=True`` each failure's exception takes its
        place in the list instead (as asyncio.gather does). Ctrl-C or :meth:`interrupt`
        stops the whole batch: the requests in flight are interrupted and the rest are never
        sent."""
    def post(
        self,
        path: str,
        json: Any = None,
        *,
        params: Optional[_Params] = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """POST ``json`` (``{}`` when None) to a path, with ``params`` added to the query;
        the parsed JSON answer (None for an empty body). Errors and ``timeout`` as for
        get()."""
    def delete(
        self, path: str, params: Optional[_Params] = None, *, timeout: Optional[float] = None
    ) -> Any:
        """DELETE a path, with ``params`` added to the query; the parsed JSON answer (None
        for an empty body). Errors and ``timeout`` as for get()."""
    def request(
        self,
        method: str,
        path: str,
        *,
        params: Optional[_Params] = None,
        json: Any = None,
        headers: Optional[_Headers] = None,
        timeout: Optional[float] = None,
    ) -> Response:
        """Sends a request and returns the :class:`Response` whatever its status
        (``raise_for_status()`` raises the error it means); only failures without an answer
        (connection, timeout, TLS, bad arguments) raise here. ``params``, ``json`` and
        ``timeout`` as for post(); ``headers`` (a dict or (name, value) pairs) add to or
        replace the client's own."""
    def paginate(
        self,
        path: str,
        *,
        where: Optional[str] = None,
        orderby: Optional[str] = None,
        page_size: int = 100,
    ) -> Pages:
        """Iterates over every item of a list call (``{"list": [...], "size": N}``),
        ``page_size`` items per request, with an optional ``where`` filter (quote literals
        with :func:`quote`) and ``orderby``. The core's paging (the same in every language):
        one request per page, with the GIL released."""
    def _set_retry(
        self,
        total: int,
        *,
        connect: Optional[int] = None,
        read: Optional[int] = None,
        status: Optional[int] = None,
        backoff_factor: float = 0.0,
        backoff_max: float = 120.0,
        jitter: float = 0.0,
        statuses: Sequence[int] = (),
        methods: Sequence[str] = (),
        respect_retry_after: bool = True,
    ) -> None:
        """Replaces the retry policy (used by dcimanager.compat; urllib3's semantics)."""
    def _request_raw(
        self,
        method: str,
        url: str,
        headers: Sequence[Tuple[str, str]],
        body: Optional[bytes],
        timeout: Optional[float],
        connect_timeout: Optional[float],
    ) -> Response:
        """Sends exactly the given headers and body to a URL of this client's origin: no
        token, no isp-box-instance, no default body, no re-login (used by
        dcimanager.compat)."""
    def __enter__(self) -> Client:
        """Returns the client itself; see ``__exit__``."""
    def __exit__(self, exc_type: Any, exc: Any, _tb: Any) -> bool:
        """Logs out when this client logged in itself: one attempt within 2 s, so that a
        platform that does not answer neither delays nor hides what the block raised. A
        failed logout is logged at WARNING (logger "dcimanager") and added as a note to the
        block's exception, never raised. Not tried after KeyboardInterrupt, SystemExit or
        asyncio's CancelledError (a BaseException that is not an Exception)."""
    def interrupt(self) -> None:
        """Interrupts every call in flight on this client, from another thread: each raises
        :class:`InterruptedError` within 100 ms of its next wait. Later calls are not
        affected. Ctrl-C needs no call: it stops a call on the main thread by itself."""

@final
class _Cancel:
    """A cancel token for the native calls made on one thread while it is entered: ``with
    token: client.get(...)`` in a worker thread, ``token.cancel()`` from anywhere. Used by
    ``AsyncClient``, whose cancelled tasks cancel the call they were awaiting."""

    def __new__(cls) -> _Cancel: ...
    def cancel(self) -> None:
        """Stops the native call running under this token (within 100 ms of its next
        wait), and any started later under it."""
    @property
    def cancelled(self) -> bool:
        """Whether ``cancel()`` was called."""
    def __enter__(self) -> _Cancel: ...
    def __exit__(self, _exc_type: Any, _exc: Any, _tb: Any) -> Literal[False]: ...

@final
class Response:
    """An HTTP answer, whatever its status, shaped like requests' ``Response`` where that
    costs nothing: ``status_code`` (also ``status``), ``reason``, ``ok``, ``url``,
    ``elapsed``, ``headers`` (a :class:`dcimanager.CaseInsensitiveDict`), ``content``,
    ``text``, ``json()`` and ``raise_for_status()``; and ``attempts``,
    ``retries_exhausted`` and ``raw_headers`` of its own. ``bool(response)`` is ``ok``, as
    in requests."""

    @property
    def status(self) -> int:
        """The HTTP status (the same as ``status_code``)."""
    @property
    def status_code(self) -> int:
        """The HTTP status, as requests names it (the same as ``status``)."""
    @property
    def reason(self) -> str:
        """The standard reason phrase of the status (``"Not Found"`` for 404), or ``""``
        for a status that has none; not the words the server sent."""
    @property
    def ok(self) -> bool:
        """Whether the status is 2xx (requests also counts 3xx as ok; redirects are not
        followed here, and ``raise_for_status()`` raises for them)."""
    def __bool__(self) -> bool: ...
    @property
    def url(self) -> str:
        """The URL the request was sent to, query included
        (``{base}/api/dci/v3/server?where=...``)."""
    @property
    def elapsed(self) -> datetime.timedelta:
        """How long the call took, as a ``datetime.timedelta``: from sending the request to
        having the whole answer, retries, their waits and a re-login included."""
    @property
    def attempts(self) -> int:
        """How many times the request was sent."""
    @property
    def retries_exhausted(self) -> bool:
        """Whether this is a retryable status (503) returned because no retry was left."""
    @property
    def headers(self) -> CaseInsensitiveDict[str]:
        """The headers, as a :class:`dcimanager.CaseInsensitiveDict`: looked up in any case
        (``r.headers["Content-Type"]``), names in lower case, a repeated header's values
        joined with ``", "``. The same object on every read."""
    @property
    def _header_dict(self) -> dict[str, str]:
        """The headers as a new plain dict with lower-case names, a repeated header's values
        joined with ``", "`` (used by dcimanager.compat, which makes its own mapping)."""
    @property
    def raw_headers(self) -> list[tuple[str, str]]:
        """The headers as (lower-case name, value) pairs, in order, repeats kept (each
        ``Set-Cookie`` apart)."""
    @property
    def content(self) -> bytes:
        """The body's bytes."""
    @property
    def text(self) -> str:
        """The body as text (UTF-8; invalid bytes replaced)."""
    def json(self) -> Any:
        """The body parsed as JSON, whatever the status (None when the body is empty);
        :class:`DecodeError` when it is not JSON."""
    def raise_for_status(self) -> None:
        """Raises the error this answer means, with its facts as attributes (``status``,
        ``method``, ``url``, ``attempts``, ``body``...): :class:`ApiError` for the
        platform's error body (``code``, ``msg``, ``value``), :class:`UnauthorizedError`
        when it refused the session, :class:`RetriesExhaustedError` when 503s outlasted the retries,
        :class:`HTTPError` for any other status that is not 2xx. Does nothing for a 2xx."""

@final
class Pages(Iterator[Any]):
    """The iterator returned by Client.paginate(): the items of every page in order, one
    request per page, with the GIL released."""

    def __iter__(self) -> Pages: ...
    def __next__(self) -> Any: ...
    @property
    def total(self) -> Optional[int]:
        """The platform's count of matching items, once a page has told it (else None)."""
