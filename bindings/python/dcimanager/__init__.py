"""dcimanager: a fast, safe client for the ISPsystem DCImanager 6 REST API.

The engine is the project's Rust core (login, long-lived tokens, single sign-on keys, retries
while the platform wakes from suspension, one re-login when a session expires, TLS verified by
default); network I/O runs with the GIL released, so threads can share one ``Client``.
:class:`AsyncClient` offers the same calls as coroutines for asyncio (``await c.get(...)``,
``async for`` over ``paginate``, ``async with``), each run in a worker thread so the event loop
never blocks.

``Client.get_all`` sends many GETs at once (a batch on threads of the call); a
:class:`Response` (from ``Client.request``) has requests' ``status_code``, ``reason``, ``ok``,
``url``, ``elapsed``, case-insensitive ``headers`` (:class:`CaseInsensitiveDict`),
``json()`` and ``raise_for_status()``.

Errors are :class:`Error` subclasses chosen by kind, with the error's facts as attributes
(``phase``, ``request_sent``, ``attempts``, ``status``, ``code``/``msg``/``value``...). Results
that carry a secret (:class:`LoginInfo`, :class:`KeyInfo`) hide it from ``repr``.
``DEFAULTS`` holds the core's defaults (time budget, retries...).

``dcimanager.compat`` offers ``Session``/``HTTPAdapter``/``Retry`` shaped like requests and
urllib3 for scripts written against them.
"""

from ._errors import (
    ApiError,
    ConnectionError,
    DecodeError,
    Error,
    HTTPError,
    InsecureRequestWarning,
    InterruptedError,
    InvalidArgumentError,
    RetriesExhaustedError,
    TimeoutError,
    TLSError,
    UnauthorizedError,
)
from ._native import (
    DEFAULTS,
    Client,
    KeyInfo,
    LoginInfo,
    Pages,
    Response,
    __version__,
    encode_component,
    quote,
    server_pin,
)

#: False at run time; type checkers take the branch below as taken.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._async import AsyncClient
    from ._structures import CaseInsensitiveDict
del TYPE_CHECKING


def __getattr__(name: str) -> object:
    # AsyncClient and CaseInsensitiveDict are imported on first use: asyncio takes longer to
    # import than all the rest of the package, and typing about as long (`make bench` times
    # `import dcimanager`).
    if name == "RetryError":  # the name of 0.1, deprecated (see dcimanager._errors)
        from . import _errors

        return _errors.__getattr__(name)
    if name == "AsyncClient":
        from ._async import AsyncClient

        globals()["AsyncClient"] = AsyncClient
        return AsyncClient
    if name == "CaseInsensitiveDict":
        from ._structures import CaseInsensitiveDict

        globals()["CaseInsensitiveDict"] = CaseInsensitiveDict
        return CaseInsensitiveDict
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> "list[str]":
    return sorted(set(globals()) | {"AsyncClient", "CaseInsensitiveDict"})

__all__ = [
    "__version__",
    "DEFAULTS",
    "Client",
    "AsyncClient",
    "Response",
    "CaseInsensitiveDict",
    "Pages",
    "LoginInfo",
    "KeyInfo",
    "quote",
    "encode_component",
    "server_pin",
    "Error",
    "InvalidArgumentError",
    "InterruptedError",
    "InsecureRequestWarning",
    "ConnectionError",
    "TimeoutError",
    "TLSError",
    "HTTPError",
    "ApiError",
    "UnauthorizedError",
    "RetriesExhaustedError",
    "DecodeError",
]
