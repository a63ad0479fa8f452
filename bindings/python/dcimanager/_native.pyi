"""Type stubs of the native module (pyo3). Checked against the runtime by mypy.stubtest in
`make test`."""

import datetime
import os
from typing import Any, Iterator, Literal, Mapping, Optional, Sequence, Tuple, Union, final

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
max_body_size (bytes), page_size, retry_statuses, retry_methods."""

def quote(text: str) -> str:
    """``text`` as a literal of the platform's ``where`` language: single-quoted, with a
    backslash before ``'`` and ``\\`` — ``f"owner_email EQ {quote(email)}"`` is safe."""

def _json_loads(data: bytes, serde: bool = False) -> Any:
    """JSON bytes into Python objects by the parser answers go through (``serde=True``: by
    serde_json); for the tests that prove the two equal."""

def encode_component(text: str) -> str:
    """Percent-encodes text for one path segment or query value (everything but
    ``A-Z a-z 0-9 - . _ ~``)."""

def server_pin(
    url: str,
    *,
    timeout: Optional[float] = ...,
    proxy: Optional[str] = None,
    no_proxy: Optional[str] = None,
) -> str:
    """The pin (``"sha256//<base64>"``, curl's format) of the certificate the server of an
    ``https://`` URL presents, for ``Client(..., pinned_pubkey=...)``: a TLS handshake that
    trusts any certificate (the server must still prove it holds the key) and no HTTP
    request, through the proxy the environment (or ``proxy``) names, within ``timeout``
    seconds (default 10). Trust on first use, as ssh shows a fingerprint: **compare the pin
    out of band** (on the platform's console) before pinning it."""

@final
class LoginInfo:
    """The answer to a login. ``repr`` hides the token."""

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
    """A single sign-on key, valid for one hour. ``repr`` hides the key; pass the object to
    ``Client.key_login_url()`` or ``Client.login_with_key()``."""

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
    so, once per client) or the path of a PEM file trusted in
    addition — as CAs, and as the exact certificate the server presents, so the platform's
    self-signed certificate verifies when given here (host name and dates still checked).
    ``pinned_pubkey`` pins the server's key in curl's format, ``"sha256//<base64>"``
    (several joined by ``;``): with ``verify`` on, the certificate must verify and match;
    with ``verify=False`` the pin alone decides. Learn a server's with :func:`server_pin`.
    ``proxy`` is None (from the environment: ``https_proxy``, ``all_proxy``... and
    ``no_proxy``, as requests reads them), ``""`` (never) or ``"http://[user:pass@]host:port"``,
    ``"socks5://..."``, ``"socks5h://..."``; ``no_proxy`` replaces the environment's
    ``no_proxy`` (e.g. ``"localhost,.corp.example,10.0.0.0/8"``). ``timeout`` is the budget of
    one call in seconds, retries included (None: unlimited). ``retries`` and
    ``backoff_factor`` follow the platform's documented urllib3 policy for HTTP 503. The
    defaults are the core's (``dcimanager.DEFAULTS``). ``token`` starts with a token obtained
    elsewhere; ``email`` and ``password`` are kept to log in when the session expires (or
    before the first request without a token), without logging in now.
    """

    def __new__(
        cls,
        base_url: str,
        *,
        verify: Union[bool, str, os.PathLike[str]] = ...,
        timeout: Optional[float] = ...,
        connect_timeout: Optional[float] = ...,
        retries: int = ...,
        backoff_factor: float = ...,
        token: Optional[str] = None,
        email: Optional[str] = None,
        password: Optional[str] = None,
        max_body_size: int = ...,
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
        """The session token in use, or None; assignable (None forgets it)."""
    @token.setter
    def token(self, token: Optional[str]) -> None: ...
    @property
    def relogin_count(self) -> int:
        """How many times this client logged in by itself (after an expiry, or before its
        first request when it had credentials but no token)."""
    def login(self, email: str, password: str) -> LoginInfo:
        """Logs in; returns a LoginInfo (its repr hides the token). The session is renewed
        once, automatically, when it expires."""
    def login_with_key(self, key: Union[str, KeyInfo]) -> LoginInfo:
        """Logs in with a single sign-on key; returns a LoginInfo."""
    def set_credentials(self, email: str, password: str) -> None:
        """Keeps credentials to log in with when the session expires, without logging in
        now; the token in use is kept."""
    def logout(self) -> None:
        """Ends the session on the platform and forgets the token."""
    def whoami(self) -> Any:
        """The current user (GET auth/v4/whoami)."""
    def create_token(self, expires_at: Union[str, datetime.datetime], description: str = "") -> str:
        """Creates a long-lived token ("YYYY-MM-DD HH:MM:SS" or a datetime) and returns it;
        the client keeps its own token."""
    def set_token_ttl(self, value: Union[int, str]) -> None:
        """Sets the platform's token and session lifetime in minutes (admin only)."""
    def create_key(self, user: Union[str, int]) -> KeyInfo:
        """Creates a single sign-on key for a user (e-mail or id); returns a KeyInfo."""
    def key_login_url(self, key: Union[str, KeyInfo]) -> str:
        """The link that logs a user in with a key: {base}/auth/key-v4/<key>."""
    def get(
        self, path: str, params: Optional[_Params] = None, *, timeout: Optional[float] = None
    ) -> Any:
        """GET a path ("dci/v3/server/2" → {base}/api/dci/v3/server/2); the parsed JSON
        (None for an empty body). ``timeout``: this call's budget instead of the client's."""
    def post(
        self,
        path: str,
        json: Any = None,
        *,
        params: Optional[_Params] = None,
        timeout: Optional[float] = None,
    ) -> Any:
        """POST JSON (``{}`` when None); the parsed JSON answer."""
    def delete(
        self, path: str, params: Optional[_Params] = None, *, timeout: Optional[float] = None
    ) -> Any:
        """DELETE a path; the parsed JSON answer (None when empty)."""
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
        """Sends a request; returns the Response whatever its status."""
    def paginate(
        self,
        path: str,
        *,
        where: Optional[str] = None,
        orderby: Optional[str] = None,
        page_size: int = ...,
    ) -> Pages:
        """Iterates over every item of a list call, page_size items per request (the core's
        paging; default ``DEFAULTS["page_size"]``)."""
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
        statuses: Sequence[int] = ...,
        methods: Sequence[str] = ...,
        respect_retry_after: bool = True,
    ) -> None: ...
    def _request_raw(
        self,
        method: str,
        url: str,
        headers: Sequence[Tuple[str, str]],
        body: Optional[bytes],
        timeout: Optional[float],
        connect_timeout: Optional[float],
    ) -> Response: ...
    def __enter__(self) -> Client: ...
    def __exit__(self, exc_type: Any, exc: Any, _tb: Any) -> bool:
        """Logs out when this client logged in itself: one attempt within 2 s, so that a
        platform that does not answer neither delays nor hides what the block raised. A
        failed logout is logged at WARNING (logger "dcimanager") and added as a note to the
        block's exception, never raised. Not tried after KeyboardInterrupt, SystemExit or
        asyncio's CancelledError."""
    def interrupt(self) -> None:
        """Interrupts every call in flight on this client (from another thread): each raises
        :class:`dcimanager.InterruptedError` within 100 ms of its next wait. Later calls are
        not affected. Ctrl-C needs no call: it stops a call on the main thread by itself."""

@final
class _Cancel:
    """A cancel token for the native calls made on one thread while it is entered (used by
    AsyncClient): ``cancel()`` stops the call running under it."""

    def __new__(cls) -> _Cancel: ...
    def cancel(self) -> None:
        """Stops the call running under this token, and any started later under it."""
    @property
    def cancelled(self) -> bool:
        """Whether cancel() was called."""
    def __enter__(self) -> _Cancel: ...
    def __exit__(self, _exc_type: Any, _exc: Any, _tb: Any) -> Literal[False]: ...

@final
class Response:
    """An HTTP answer, whatever its status."""

    @property
    def status(self) -> int:
        """The HTTP status."""
    @property
    def ok(self) -> bool:
        """Whether the status is 2xx."""
    @property
    def attempts(self) -> int:
        """How many times the request was sent."""
    @property
    def retries_exhausted(self) -> bool:
        """Whether this is a retryable status returned because no retry was left."""
    @property
    def headers(self) -> dict[str, str]:
        """Headers with lower-case names (repeats joined with ", ")."""
    @property
    def raw_headers(self) -> list[tuple[str, str]]:
        """(lower-case name, value) pairs in order, repeats kept."""
    @property
    def content(self) -> bytes:
        """The body's bytes."""
    @property
    def text(self) -> str:
        """The body as text."""
    def json(self) -> Any:
        """The body parsed as JSON (None when empty)."""
    def raise_for_status(self) -> None:
        """Raises the error this answer means; nothing for a 2xx."""

@final
class Pages(Iterator[Any]):
    """The iterator returned by Client.paginate()."""

    def __iter__(self) -> Pages: ...
    def __next__(self) -> Any: ...
    @property
    def total(self) -> Optional[int]:
        """The platform's count of matching items, once a page has told it."""
