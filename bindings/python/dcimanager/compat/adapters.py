"""requests' ``HTTPAdapter`` (``requests.adapters``): the :class:`Retry` policy of the requests
sent through it, the native client that sends them, the :class:`Response` built from the
native answer, and the requests exception chosen for a native error."""

from __future__ import annotations

import warnings
from typing import Any, Dict, List, Optional, Tuple, Union

from .. import _errors
from .._native import Client as _NativeClient
from .._native import Response as _NativeResponse
from ._prepare import _Target
from .cookies import _set_cookie_values
from .exceptions import (
    ConnectionError,
    ConnectTimeout,
    InvalidHeader,
    InvalidProxyURL,
    InvalidURL,
    ProxyError,
    ReadTimeout,
    RequestException,
    ResponseTooLarge,
    RetryError,
    SSLError,
    _native_facts,
    _unsupported,
)
from .models import (
    _REASONS,
    PreparedRequest,
    Response,
    _decode_body,
    _encoding_from_headers,
)
from .retry import Retry

__all__ = ["HTTPAdapter"]


class HTTPAdapter:
    """requests' ``HTTPAdapter``: what it carries here is the :class:`Retry` policy of the
    requests sent through it.

    ``max_retries`` has requests' meaning: the default 0 is ``Retry(0, read=False)`` (no
    retries, a failure after sending raised at once), another int ``n`` is
    ``Retry.from_int(n)`` (i.e. ``Retry(n)``), a Retry is used as is. ``pool_connections`` and
    ``pool_maxsize`` have no effect on behaviour (see the module docs); ``pool_block=True`` is
    refused with NotImplementedError.
    """

    __attrs__ = ["max_retries", "config", "_pool_connections", "_pool_maxsize", "_pool_block"]

    def __init__(
        self,
        pool_connections: int = 10,
        pool_maxsize: int = 10,
        max_retries: Union[Retry, int, None] = 0,
        pool_block: bool = False,
    ) -> None:
        if pool_block:
            _unsupported(
                "HTTPAdapter(pool_block=True)",
                "the core's pool never makes a request wait for a free connection",
            )
        if not isinstance(max_retries, Retry) and max_retries == 0:
            self.max_retries: Retry = Retry(0, read=False)
        else:
            self.max_retries = Retry.from_int(max_retries)
        self.max_retries._check_subclass()
        self.config: Dict[str, Any] = {}
        self._pool_connections = pool_connections
        self._pool_maxsize = pool_maxsize
        self._pool_block = pool_block

    def _retry(self) -> Retry:
        """The Retry to apply: ``max_retries`` (an int set after the fact is converted)."""
        retry = self.max_retries
        if type(retry) is Retry:
            return retry  # (what the lines below give for it, without their calls)
        if not isinstance(retry, Retry):
            retry = Retry.from_int(retry)
        retry._check_subclass()
        return retry

    def send(self, request: Any, *args: Any, **kwargs: Any) -> "Response":
        """Not supported: send requests with :meth:`Session.request` and its helpers."""
        _unsupported("HTTPAdapter.send()", "requests are sent by Session.request()")

    def close(self) -> None:
        """Nothing to release: the connections belong to the session's native clients."""

    def __repr__(self) -> str:
        return f"<dcimanager.compat.HTTPAdapter max_retries={self.max_retries!r}>"


def _new_client(
    origin: str,
    verify: Union[bool, str],
    policy: Dict[str, Any],
    proxy: Optional[str] = None,
    pinned_pubkey: Optional[str] = None,
) -> Any:
    """A native client of ``origin`` applying a core retry ``policy`` (see
    :meth:`Retry._core_policy`), through ``proxy`` (None: directly; the environment was read
    by the session, as requests reads it) with ``pinned_pubkey``, with requests' exceptions
    for what cannot be used."""
    try:
        with warnings.catch_warnings():
            # compat warns of each unverified request itself, as urllib3 does.
            warnings.simplefilter("ignore", _errors.InsecureRequestWarning)
            client = _NativeClient(
                origin,
                verify=verify,
                timeout=None,
                connect_timeout=None,
                proxy=proxy or "",
                no_proxy="",
                pinned_pubkey=pinned_pubkey,
            )
    except _errors.InvalidArgumentError as e:
        argument = _native_facts(e).argument
        if argument == "ca_bundle":
            raise SSLError(str(e)) from e  # an unusable CA bundle, as requests
        if argument == "proxy":
            raise InvalidProxyURL(str(e)) from e
        if argument == "pinned_pubkey":
            raise ValueError(str(e)) from e
        raise InvalidURL(str(e)) from e
    except _errors.Error as e:
        raise SSLError(str(e)) from e
    try:
        client._set_retry(**policy)
    except _errors.Error as e:
        raise ValueError(f"this Retry cannot be applied: {e}") from e
    return client


def _build_response(
    native: _NativeResponse,
    prepared: PreparedRequest,
    target: _Target,
    elapsed: float,
) -> Tuple[Response, Optional[List[str]]]:
    """requests' ``HTTPAdapter.build_response``: the :class:`Response` of a native answer
    (``elapsed`` in seconds), with the cookies it set in its jar, and the values of its
    ``Set-Cookie`` headers (None when it has none) for the session's jar."""
    headers = native._header_dict  # a plain dict of lower-case names (read once)
    r = Response()
    status = native.status
    r.status_code = status
    r.reason = _REASONS.get(status, "")
    # A new plain dict whose names are lower case: looked up directly, and made into the
    # CaseInsensitiveDict of r.headers only if the script reads them (see Response._lazy).
    r._lazy = {"source": headers, "request": prepared, "elapsed_s": elapsed}
    content_encoding = headers.get("content-encoding")
    r._content = (
        native.content if not content_encoding else _decode_body(native.content, content_encoding)
    )
    r.encoding = _encoding_from_headers(headers)
    r.url = prepared.url
    r.attempts = native.attempts
    if "set-cookie" not in headers:
        return r, None
    set_cookies = _set_cookie_values(native.raw_headers)
    r.cookies._extract(set_cookies, target.host, target.path)
    return r, set_cookies


# --------------------------------------------------------------------------------------------
# Native errors as requests' exceptions
# --------------------------------------------------------------------------------------------


def _pool(target: _Target) -> str:
    """urllib3's name of the connection pool, as it starts its messages."""
    pool = "HTTPSConnectionPool" if target.scheme == "https" else "HTTPConnectionPool"
    port = target.port or (443 if target.scheme == "https" else 80)
    return f"{pool}(host={target.host!r}, port={port})"


def _max_retries_message(target: _Target, reason: str) -> str:
    path = target.path + (f"?{target.query}" if target.query else "")
    return f"{_pool(target)}: Max retries exceeded with url: {path} (Caused by {reason})"


def _map_error(
    exc: _errors.Error,
    request: PreparedRequest,
    retry: Retry,
    method: str,
    target: _Target,
    read_timeout: Optional[float],
    proxied: bool = False,
) -> RequestException:
    """The requests exception for a native error (see the package docs); ``proxied``: the
    request went through a proxy, so a failure to set up the connection is the proxy's
    (:class:`ProxyError`, as urllib3 reports a proxy it cannot reach or a tunnel it is
    refused). What the error says of itself comes from :func:`_native_facts` alone."""
    msg = str(exc)
    if isinstance(exc, _errors.TLSError):
        return SSLError(msg, request=request)
    if proxied and isinstance(exc, (_errors.ConnectionError, _errors.RetriesExhaustedError)):
        facts = _native_facts(exc)
        if facts.phase in ("resolve", "connect") and getattr(exc, "last_status", None) is None:
            if isinstance(exc, _errors.RetriesExhaustedError):
                msg = _max_retries_message(
                    target, f"ProxyError('Unable to connect to proxy', {msg!r})"
                )
            return ProxyError(msg, request=request)
    if isinstance(exc, _errors.TimeoutError):
        if _native_facts(exc).phase in _CONNECT_PHASES:
            return ConnectTimeout(msg, request=request)
        if retry._reraises_read_error(method):
            return ReadTimeout(
                f"{_pool(target)}: Read timed out. (read timeout={read_timeout}; {msg})",
                request=request,
            )
        return ConnectionError(
            _max_retries_message(target, f"ReadTimeoutError({msg!r})"), request=request
        )
    if isinstance(exc, _errors.RetriesExhaustedError):
        if exc.last_status is not None:
            return RetryError(
                _max_retries_message(
                    target, f"ResponseError('too many {exc.last_status} error responses')"
                ),
                request=request,
            )
        facts = _native_facts(exc)
        if facts.phase in _CONNECT_PHASES and facts.timed_out:
            return ConnectTimeout(_max_retries_message(target, repr(msg)), request=request)
        return ConnectionError(_max_retries_message(target, repr(msg)), request=request)
    if isinstance(exc, _errors.ConnectionError):
        return ConnectionError(msg, request=request)
    if isinstance(exc, _errors.DecodeError):
        return ResponseTooLarge(msg, request=request)
    if isinstance(exc, _errors.InvalidArgumentError):
        if _native_facts(exc).argument == "header":
            return InvalidHeader(msg, request=request)
        return InvalidURL(msg, request=request)
    return ConnectionError(msg, request=request)


#: The phases before anything was sent: a timeout there is a connect timeout.
_CONNECT_PHASES = ("resolve", "connect", "tls")
