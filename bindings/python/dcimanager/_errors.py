"""The exceptions of dcimanager: one class per kind of the core's error model.

The native module raises these classes (it imports them from here), so each is defined once.
Messages never contain a token, password or key.
"""

from __future__ import annotations

import builtins
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
    "RetryError",
    "DecodeError",
]


class Error(Exception):
    """Base class of every error raised by dcimanager."""


class InvalidArgumentError(Error, ValueError):
    """An argument cannot be used (bad URL, path to another origin, token with a line break,
    malformed JSON...). Nothing was sent."""


class ConnectionError(Error, builtins.ConnectionError):
    """The connection could not be made, or broke before a complete answer arrived."""


class TimeoutError(Error, builtins.TimeoutError):
    """The call did not complete within its time budget (retries included)."""


class TLSError(Error):
    """The TLS handshake failed: untrusted certificate, wrong host name..."""


class HTTPError(Error):
    """An HTTP error status without the platform's error body, e.g. an HTML 502 page from a
    proxy.

    Attributes:
        status: the HTTP status.
        body: the start of the body (at most 200 bytes, secrets removed).
    """

    status: int
    body: str

    def __init__(self, message: str, status: int = 0, body: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class ApiError(Error):
    """The platform answered with its error body ``{"error": {"code", "msg", "value"}}``.

    Attributes:
        status: the HTTP status.
        code: the platform's error code (e.g. 3080), 0 when absent.
        msg: the platform's message.
        value: the platform's ``value`` (any JSON), ``None`` when absent.
    """

    status: int
    code: int
    msg: str
    value: Any

    def __init__(
        self, message: str, status: int = 0, code: int = 0, msg: str = "", value: Any = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.msg = msg
        self.value = value


class UnauthorizedError(ApiError):
    """The platform refused the session: HTTP 401 or error code 3001. A client that logged in
    with a password has already logged in again once before raising this."""


class RetryError(Error):
    """Every allowed retry was used (the platform kept answering 503, or kept refusing the
    connection).

    Attributes:
        attempts: requests sent in all, the first one included.
        last_status: the status of the last answer, ``None`` when no answer arrived.
    """

    attempts: int
    last_status: Optional[int]

    def __init__(self, message: str, attempts: int = 0, last_status: Optional[int] = None) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.last_status = last_status


class DecodeError(Error, ValueError):
    """A success answer whose body is not the JSON expected, or is larger than allowed.

    Attributes:
        body: the start of the body (secrets removed).
    """

    body: str

    def __init__(self, message: str, body: str = "") -> None:
        super().__init__(message)
        self.body = body
