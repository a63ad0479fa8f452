"""The exceptions of dcimanager: one class per kind of the core's error model.

The native module raises these classes (it imports them from here), so each is defined once.
Every exception carries the error's **facts** as attributes, the same in every language, so
code decides on them and never on the message's words:

- ``kind``: the kind's stable name (``"timeout"``, ``"api"``...);
- ``phase``: where an exchange without an answer stopped — ``"resolve"``, ``"connect"``,
  ``"tls"``, ``"send"``, ``"wait"``, ``"read"`` — or ``None`` when an answer arrived;
- ``request_sent``: whether the server may have seen the request (``False``: it certainly did
  not, so even a POST may be sent again);
- ``method`` and ``url``: the request that failed (``"GET"``,
  ``"https://dci.example.com/api/dci/v3/server/9"``, query included, secrets redacted), also
  at the start of the message: ``GET /api/dci/v3/server/9: API error 3080 (HTTP 404): ...``;
  ``url`` is None when the path given could not be made into a URL;
- ``attempts``: attempts made for the call, retries included — connection attempts that
  failed count too;
- ``status``: the HTTP status of the answer behind the error, ``None`` without one;
- ``argument``: for :class:`InvalidArgumentError`, the argument refused (``"url"``,
  ``"path"``, ``"header"``, ``"body"``, ``"token"``, ``"ca_file"``...), else ``None``;
- ``body``: the start of a body that was not what was expected (secrets removed), or ``""``;
- ``tls_pin``: for a :class:`TLSError` about the server's certificate, the pin
  (``sha256//<base64>``, curl's format) of the key the server presented — compare it out of
  band, then pass it as ``pinned_pubkey=`` — else ``None``;
- for :class:`ApiError`: ``code``, ``msg`` and ``value``, the platform's error body.

Messages and attributes never contain a token, password or key.
"""

from __future__ import annotations

import builtins

#: False at run time (typing is not imported: `import dcimanager` stays quick); type
#: checkers take the branch below as taken.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Optional

__all__ = [
    "Error",
    "InvalidArgumentError",
    "ConnectionError",
    "TimeoutError",
    "TLSError",
    "HTTPError",
    "ApiError",
    "UnauthorizedError",
    "RetriesExhaustedError",
    "DecodeError",
    "InterruptedError",
    "InsecureRequestWarning",
]


class Error(Exception):
    """Base class of every error raised by dcimanager; see the module docs for the facts."""

    kind: str
    phase: Optional[str]
    request_sent: bool
    attempts: int
    status: Optional[int]
    argument: Optional[str]
    body: str
    tls_pin: Optional[str]
    method: Optional[str]
    url: Optional[str]

    _KIND = "error"

    def __init__(
        self,
        message: str,
        *,
        kind: Optional[str] = None,
        phase: Optional[str] = None,
        request_sent: bool = False,
        attempts: int = 0,
        status: Optional[int] = None,
        argument: Optional[str] = None,
        body: str = "",
        tls_pin: Optional[str] = None,
        method: Optional[str] = None,
        url: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind or self._KIND
        self.phase = phase
        self.request_sent = request_sent
        self.attempts = attempts
        self.status = status
        self.argument = argument
        self.body = body
        self.tls_pin = tls_pin
        self.method = method
        self.url = url


class InvalidArgumentError(Error, ValueError):
    """An argument cannot be used (bad URL, path to another origin, token with a line break,
    malformed JSON...). Nothing was sent. ``argument`` names it when known."""

    _KIND = "invalid_argument"


class ConnectionError(Error, builtins.ConnectionError):
    """The connection could not be made, or broke before a complete answer arrived
    (``phase`` tells where, ``request_sent`` whether the server may have seen it)."""

    _KIND = "connect"


class TimeoutError(Error, builtins.TimeoutError):
    """The call did not complete within its time budget (retries included); ``phase`` tells
    what it was waiting for."""

    _KIND = "timeout"


class TLSError(Error):
    """The TLS handshake failed. For the server's certificate (not trusted, expired, for
    another name, a CA certificate used as the server's own, a pin that does not match) the
    message says why and names the host, and ``tls_pin`` is the presented key's pin."""

    _KIND = "tls"


class HTTPError(Error):
    """An HTTP error status without the platform's error body, e.g. an HTML 502 page from a
    proxy. ``status`` is the HTTP status; ``body`` the start of the body (at most 200 bytes,
    secrets removed)."""

    _KIND = "http"
    status: int


class ApiError(Error):
    """The platform answered with its error body ``{"error": {"code", "msg", "value"}}``.

    Attributes:
        status: the HTTP status.
        code: the platform's error code (e.g. 3080), 0 when absent.
        msg: the platform's message.
        value: the platform's ``value`` (any JSON), ``None`` when absent.
    """

    _KIND = "api"
    status: int
    code: int
    msg: str
    value: Any

    def __init__(
        self, message: str, *, code: int = 0, msg: str = "", value: Any = None, **facts: Any
    ) -> None:
        super().__init__(message, **facts)
        self.code = code
        self.msg = msg
        self.value = value


class UnauthorizedError(ApiError):
    """The platform refused the session: HTTP 401 or error code 3001. A client that holds
    credentials has already logged in again once before raising this."""

    _KIND = "unauthorized"


class RetriesExhaustedError(Error):
    """Every allowed retry was used and the platform kept answering a retryable status
    (503). ``attempts`` counts the requests sent; ``last_status`` (= ``status``) is the
    status of the last answer."""

    _KIND = "retries_exhausted"

    @property
    def last_status(self) -> Optional[int]:
        """The status of the last answer (the same as ``status``)."""
        return self.status


class DecodeError(Error, ValueError):
    """A success answer whose body is not the JSON expected, or is larger than allowed.
    ``body`` is the start of the body (secrets removed)."""

    _KIND = "decode"


class InterruptedError(Error, builtins.InterruptedError):
    """The call was interrupted while it waited: :meth:`Client.interrupt` from another
    thread, or an :class:`AsyncClient` task cancelled while awaiting it. Not retried; its
    connection is dropped and the client stays usable. (Ctrl-C raises ``KeyboardInterrupt``
    itself, within 200 ms.)"""

    _KIND = "interrupted"


class InsecureRequestWarning(UserWarning):
    """Given once per client made with ``verify=False`` and no ``pinned_pubkey`` (as urllib3
    warns of unverified requests): anyone on the network path can read and change the
    traffic, the session token included."""


def __getattr__(name: str) -> object:
    # The name of 0.1, kept for one release (docs/errors.md): the kind is retries_exhausted.
    if name == "RetryError":
        import warnings

        warnings.warn(
            "dcimanager.RetryError is deprecated: use dcimanager.RetriesExhaustedError",
            DeprecationWarning,
            stacklevel=2,
        )
        return RetriesExhaustedError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
