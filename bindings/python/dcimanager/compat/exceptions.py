"""requests' exception classes (``requests.exceptions``) and this package's warnings.

Every error a :class:`~dcimanager.compat.Session` raises for a failed request is one of the
classes below, chosen for the same fault as requests would choose (see
:func:`dcimanager.compat.adapters._map_error`). What the native error says about itself is
read in one place, :func:`_native_facts`, from their typed attributes.
"""

from __future__ import annotations

import builtins
import json as _json
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn, Optional

from .. import _errors

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from .models import PreparedRequest, Response


def _unsupported(what: str, why: str) -> NoReturn:
    """Raises the NotImplementedError of an argument this module cannot honour."""
    raise NotImplementedError(f"{what} is not supported by dcimanager.compat: {why}")


class DcimanagerCompatWarning(UserWarning):
    """Something behaves as in requests but is probably not what the script meant (a mounted
    adapter that can never be selected), or differs from requests (a redirect not followed)."""


class BareSchemeMountWarning(DcimanagerCompatWarning):
    """A note that ``Session.mount("http", ...)`` or ``mount("https", ...)`` was taken as a
    mount on ``"http://"`` / ``"https://"``, where requests would have ignored the adapter
    (its default adapters are longer prefixes and always win). Said once per session, on its
    first such mount."""


class InsecureRequestWarning(DcimanagerCompatWarning):
    """An HTTPS request is made without certificate verification (``verify=False``), as
    urllib3's warning of the same name."""


class RequestException(builtins.IOError):
    """Base class of the errors raised while handling a request (as in requests).

    Attributes:
        request: the :class:`PreparedRequest` concerned, when known.
        response: the :class:`Response` concerned, when there is one.
    """

    request: Optional["PreparedRequest"]
    response: Optional["Response"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        response = kwargs.pop("response", None)
        self.response = response
        self.request = kwargs.pop("request", None)
        if response is not None and not self.request and hasattr(response, "request"):
            self.request = response.request
        super().__init__(*args, **kwargs)


class InvalidJSONError(RequestException):
    """A JSON error occurred (e.g. ``json=`` holds NaN)."""


class JSONDecodeError(InvalidJSONError, _json.JSONDecodeError):
    """The response body is not valid JSON (also a :class:`json.JSONDecodeError`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _json.JSONDecodeError.__init__(self, *args)
        InvalidJSONError.__init__(self, *self.args, **kwargs)

    def __reduce__(self) -> Any:
        return _json.JSONDecodeError.__reduce__(self)


class HTTPError(RequestException):
    """An HTTP error status, raised by :meth:`Response.raise_for_status`."""


class ConnectionError(RequestException):
    """The connection failed, broke, or every allowed retry after such failures was used."""


class ProxyError(ConnectionError):
    """The proxy could not be reached, or refused the tunnel (credentials, a destination it
    will not connect to, or one it could not reach)."""


class SSLError(ConnectionError):
    """The TLS handshake failed (untrusted certificate, wrong host name...)."""


class Timeout(RequestException):
    """The request timed out. Catch this for both connect and read timeouts."""


class ConnectTimeout(ConnectionError, Timeout):
    """The connection could not be set up in time."""


class ReadTimeout(Timeout):
    """The server did not answer in time."""


class URLRequired(RequestException):
    """A valid URL is required to make a request."""


class TooManyRedirects(RequestException):
    """Too many redirects (never raised here: redirects are not followed)."""


class MissingSchema(RequestException, ValueError):
    """The URL has no scheme (``http://`` or ``https://``)."""


class InvalidSchema(RequestException, ValueError):
    """No adapter is mounted for the URL's scheme."""


class InvalidURL(RequestException, ValueError):
    """The URL cannot be used."""


class InvalidProxyURL(InvalidURL):
    """The proxy URL cannot be used (a scheme other than http, socks5 or socks5h...)."""


class InvalidHeader(RequestException, ValueError):
    """A header name or value cannot be sent."""


class ChunkedEncodingError(RequestException):
    """The server declared chunked encoding but sent an invalid chunk."""


class ContentDecodingError(RequestException):
    """The body could not be decoded as its ``Content-Encoding`` says (gzip, deflate)."""


class CookieConflictError(RuntimeError):
    """Several cookies of the jar match a name: use ``.get(name, domain=..., path=...)``."""


class RetryError(RequestException):
    """The retries ran out on a status of ``status_forcelist`` (with ``raise_on_status``)."""


class ResponseTooLarge(RequestException):
    """The response (body or headers) is larger than the core accepts (64 MiB for a body).
    requests has no such limit; this module's choice of class."""


class _NativeFacts(NamedTuple):
    """What a native error says about the failure, as far as the mapping to requests'
    exceptions needs it."""

    #: The phase that failed: "resolve", "connect", "tls", "send", "wait", "read", or None
    #: when an answer arrived.
    phase: Optional[str]
    #: Whether the (last) failure was a timeout.
    timed_out: bool
    #: For an invalid argument: "header", "ca_bundle" (an unusable CA bundle), "proxy",
    #: "pinned_pubkey", or None.
    argument: Optional[str]


#: The core's names of the arguments whose refusal requests reports as its own exceptions.
_ARGUMENTS = {
    "header": "header",
    "ca_file": "ca_bundle",
    "ca_pem": "ca_bundle",
    "proxy": "proxy",
    "pinned_pubkey": "pinned_pubkey",
}


def _native_facts(exc: BaseException) -> _NativeFacts:
    """The facts of a native error: its typed attributes (``kind``, ``phase``,
    ``argument``), never the words of its message — rewording a message in the core cannot
    change which requests exception a script catches."""
    if not isinstance(exc, _errors.Error):
        return _NativeFacts(None, False, None)
    argument = _ARGUMENTS.get(exc.argument or "") if exc.kind == "invalid_argument" else None
    return _NativeFacts(exc.phase, exc.kind == "timeout", argument)
