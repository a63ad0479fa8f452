"""A requests/urllib3-shaped front end whose requests go through dcimanager's Rust core.

Scripts written against ``requests`` + ``urllib3`` — like the platform's own documented example,
which no longer starts on urllib3 2.x because ``Retry(method_whitelist=...)`` was removed —
switch by changing their imports only::

    from dcimanager.compat import Retry, Session, HTTPAdapter

    session = Session()
    session.mount("https://", HTTPAdapter(max_retries=Retry(
        total=10, backoff_factor=0.01, status_forcelist=[503],
        method_whitelist=["POST", "GET", "DELETE"])))
    res = session.get("https://dci.example.com/api/dci/v3/server/2",
                      headers={"x-xsrf-token": token, "isp-box-instance": "true"},
                      cookies={"ses6": token})
    res.raise_for_status()
    print(res.json())

Every request is sent by a native :class:`dcimanager.Client` (one per origin, TLS setting and
retry policy, created on first use and cached in the :class:`Session`, so connections are
pooled and reused), with the core's retry engine applying the adapter's :class:`Retry`.
Nothing goes through requests or urllib3, which need not be installed.

What follows requests and urllib3 2.x exactly: the adapter selection of ``Session.mount`` and
``Session.get_adapter`` (including its trap: the default adapter on ``"https://"`` shadows a
Retry mounted on ``"https"``, so the platform's example never retries — this module then warns
with :class:`DcimanagerCompatWarning` and behaves like requests); the merging of session and
request headers, params and cookies; the encoding of ``params``, ``data`` and ``json``;
``HTTPAdapter(max_retries=...)``; urllib3's ``Retry`` counters (total, connect, read, status),
``status_forcelist``, ``allowed_methods`` (spelled ``method_whitelist`` too, as urllib3 1.x did),
the backoff schedule and ``raise_on_status``; the environment when ``trust_env`` is on
(``REQUESTS_CA_BUNDLE`` and ``CURL_CA_BUNDLE`` are used as requests uses them; a proxy or
``.netrc`` credentials that requests would use raise NotImplementedError); the response's
attributes; and the exception classes (:class:`ConnectionError`, :class:`SSLError`,
:class:`ReadTimeout`, :class:`RetryError`, :class:`HTTPError`...) raised for the same faults.

An argument this module cannot honour raises :class:`NotImplementedError` naming it (``files``,
``auth``, ``stream=True``, ``cert``, ``proxies``, ``Retry(redirect=3)``, ``Retry(other=...)``,
``Retry(total=False)``, ``HTTPAdapter(pool_block=True)``...); nothing is silently ignored.

Deliberate differences (each from the core's design or a safety rule):

- **Redirects are never followed**: the core never sends a request (or the session token) to
  a URL it was not given. A 3xx answer is returned as is, as with ``allow_redirects=False``;
  when ``allow_redirects`` was true (the default except for ``head()``) a
  :class:`DcimanagerCompatWarning` says so, and ``history`` stays empty.
- **A POST or PATCH is never silently sent twice**: a failure after such a request went out
  (connection reset or closed without an answer, read timeout) is not retried even when
  ``allowed_methods`` lists the method; urllib3 would send it again. Retries of POST on a
  ``status_forcelist`` status (the platform's 503 while it wakes up) do happen, as in urllib3:
  the server said it did not process the request.
- **Timeouts**: requests' read timeout bounds each wait for data of each attempt; here the read
  value is the time budget of the whole call — every attempt, backoff and ``Retry-After`` sleeps
  included — and the connect value bounds each connection setup (``timeout=t`` means ``(t,
  t)``). An attempt that timed out therefore leaves no time for a retry. The exception class
  follows requests for a request that keeps timing out: :class:`ReadTimeout` when urllib3 would
  re-raise the timeout (``read=False``, as in the default adapter, or a method not in
  ``allowed_methods``), :class:`ConnectionError` otherwise (what requests raises once the read
  retries run out), :class:`ConnectTimeout` for a connection that could not be set up in time.
- **Retry-After** is honoured on 413, 429 and 503 answers being retried (urllib3: on any
  retried status) and capped at 120 s (urllib3 2.8: ``retry_after_max``, 6 hours); a 413, 429
  or 503 that carries ``Retry-After`` but is not in ``status_forcelist`` is returned, not
  retried (urllib3 retries it when ``total`` is not zero); an unparsable ``Retry-After`` falls
  back to the backoff (urllib3 raises ``InvalidHeader``).
- **A connection that could not be set up in time** is retried like a refused one (counted
  against ``connect``, for any method, as in urllib3) while the call's time budget lasts; then
  :class:`ConnectTimeout`.
- **TLS failures are not retried** (urllib3 counts them as "other" errors and retries them);
  :class:`SSLError` is raised at once. ``verify=<path>`` trusts that bundle *in addition to*
  the core's built-in roots (requests trusts only the bundle); a directory is refused with
  :class:`NotImplementedError`. ``Retry(connect=False)`` acts like ``connect=0`` and raises
  :class:`ConnectionError` (requests lets urllib3's ``NewConnectionError`` escape).
- **Response details**: header names are lower case (lookups are case-insensitive, as in
  requests); ``reason`` is the standard phrase of the status (the core keeps no reason phrase);
  ``elapsed`` covers the whole call, retries included; ``apparent_encoding`` is ``"utf-8"`` (no
  charset detection); a body over 64 MiB raises :class:`ResponseTooLarge`. The body is always
  read at once, so ``stream=True`` is refused, and there is no ``raw``.
- **Requests sent**: ``Session.headers`` has no ``Connection: keep-alive`` (the core keeps
  connections alive itself); a request without ``Accept`` or ``User-Agent`` gets the core's
  (``application/json``, ``dcimanager/<version>``) where urllib3 would send none or its own;
  header values must be ASCII (:class:`NotImplementedError` otherwise: http.client would send
  them as Latin-1); a file or generator passed as ``data`` is read whole and sent with a
  ``Content-Length`` (requests streams it, chunked for a generator).
- **Cookies** live in a small jar of this module (:class:`CookieJar`) that matches domain,
  path, ``Secure`` and expiry as ``http.cookiejar`` does for the cases such scripts meet; it is
  not an ``http.cookiejar.CookieJar``.
- ``pool_connections`` and ``pool_maxsize`` are accepted and have no effect on behaviour: the
  core's pool keeps up to 64 idle connections per host and never refuses a request for want of
  one, which is also what urllib3 does with ``pool_block=False``.
"""

from __future__ import annotations

import builtins
import codecs
import datetime
import http
import http.cookiejar
import ipaddress
import json as _json
import math
import netrc as _netrc
import os
import re
import threading
import time
import urllib.parse
import urllib.request
import warnings
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from http.cookiejar import http2time as _http2time  # type: ignore[attr-defined]
from typing import Any, Callable, Dict, FrozenSet, List, NoReturn, Optional, Tuple, TypeVar, Union

from . import _errors
from ._native import Client as _NativeClient
from ._native import Response as _NativeResponse
from ._native import __version__

__all__ = [
    "Session",
    "HTTPAdapter",
    "Retry",
    "Response",
    "PreparedRequest",
    "CaseInsensitiveDict",
    "CookieJar",
    "RequestsCookieJar",
    "Cookie",
    "DEFAULT_ALLOWED_METHODS",
    "DcimanagerCompatWarning",
    "InsecureRequestWarning",
    "RequestException",
    "HTTPError",
    "ConnectionError",
    "ProxyError",
    "SSLError",
    "Timeout",
    "ConnectTimeout",
    "ReadTimeout",
    "URLRequired",
    "TooManyRedirects",
    "MissingSchema",
    "InvalidSchema",
    "InvalidURL",
    "InvalidHeader",
    "InvalidJSONError",
    "JSONDecodeError",
    "ChunkedEncodingError",
    "ContentDecodingError",
    "CookieConflictError",
    "RetryError",
    "ResponseTooLarge",
    "session",
]

_T = TypeVar("_T")
_VT = TypeVar("_VT")

#: Retries in all when a Retry's ``total`` is None (no overall limit).
_UNLIMITED = 2**31 - 1
#: Methods retried when ``allowed_methods`` is None or empty (urllib3: "any verb").
_EVERY_METHOD = frozenset(
    ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"]
)
#: Statuses at which requests would follow a redirect.
_REDIRECT_STATI = (301, 302, 303, 307, 308)


# --------------------------------------------------------------------------------------------
# Warnings and exceptions
# --------------------------------------------------------------------------------------------


def _unsupported(what: str, why: str) -> NoReturn:
    """Raises the NotImplementedError of an argument this module cannot honour."""
    raise NotImplementedError(f"{what} is not supported by dcimanager.compat: {why}")


class DcimanagerCompatWarning(UserWarning):
    """Something behaves as in requests but is probably not what the script meant (a mounted
    adapter that can never be selected), or differs from requests (a redirect not followed)."""


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
    """A proxy error (never raised here: proxies are refused with NotImplementedError)."""


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


# --------------------------------------------------------------------------------------------
# Case-insensitive headers
# --------------------------------------------------------------------------------------------


class CaseInsensitiveDict(MutableMapping[str, _VT]):
    """A mutable mapping whose keys are compared without regard to case, as requests' own:
    ``d["Content-Type"]`` and ``d["content-type"]`` are the same entry, and iteration gives
    the case last used to set each key."""

    #: Bumped by every change through ``__setitem__`` and ``__delitem__`` (which ``update``,
    #: ``pop``, ``clear``... go through), so that a :class:`Session` can tell cheaply whether
    #: its ``headers`` changed since it last validated them.
    _version = 0

    def __init__(self, data: Optional[Any] = None, **kwargs: Any) -> None:
        # lower-case key -> (key as last set, value), in insertion order (dicts keep it)
        self._store: Dict[str, Tuple[str, _VT]] = {}
        if data is None:
            data = {}
        if type(data) is dict and not kwargs and type(self) is CaseInsensitiveDict:
            # What update() does for a plain dict, without its per-key method calls.
            store = self._store
            for key, value in data.items():
                store[key.lower()] = (key, value)
        else:
            self.update(data, **kwargs)

    @classmethod
    def _from_store(cls, store: Dict[str, Tuple[str, _VT]]) -> "CaseInsensitiveDict[_VT]":
        """A dict taking over a ready store (lower-case key -> (key as given, value))."""
        new: CaseInsensitiveDict[_VT] = cls.__new__(cls)
        new._store = store
        return new

    def __setitem__(self, key: str, value: _VT) -> None:
        self._store[key.lower()] = (key, value)
        self._version += 1

    def __getitem__(self, key: str) -> _VT:
        return self._store[key.lower()][1]

    def __delitem__(self, key: str) -> None:
        del self._store[key.lower()]
        self._version += 1

    def __iter__(self) -> Iterator[str]:
        return (casedkey for casedkey, _ in self._store.values())

    def __len__(self) -> int:
        return len(self._store)

    def lower_items(self) -> Iterator[Tuple[str, _VT]]:
        """The (lower-case key, value) pairs."""
        return ((lowerkey, kv[1]) for lowerkey, kv in self._store.items())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            other_cid: CaseInsensitiveDict[Any] = CaseInsensitiveDict(other)
        else:
            return NotImplemented
        return dict(self.lower_items()) == dict(other_cid.lower_items())

    def copy(self) -> "CaseInsensitiveDict[_VT]":
        """A shallow copy."""
        return CaseInsensitiveDict(self._store.values())

    def __repr__(self) -> str:
        return str(dict(self.items()))


# --------------------------------------------------------------------------------------------
# Cookies
# --------------------------------------------------------------------------------------------


class Cookie:
    """One cookie of a :class:`CookieJar`.

    Attributes:
        name, value: the cookie.
        domain: ``""`` (sent to every host, as cookies given by the script), the host that set
            it (``host_only``), or a domain whose subdomains receive it too.
        path: sent for request paths under it.
        secure: sent over HTTPS only.
        expires: Unix time after which it is dropped, or None (a session cookie).
        host_only: whether ``domain`` must equal the request's host.
    """

    __slots__ = ("name", "value", "domain", "path", "secure", "expires", "host_only")

    def __init__(
        self,
        name: str,
        value: str,
        domain: str = "",
        path: str = "/",
        secure: bool = False,
        expires: Optional[float] = None,
        host_only: bool = False,
    ) -> None:
        self.name = name
        self.value = value
        self.domain = domain
        self.path = path
        self.secure = secure
        self.expires = expires
        self.host_only = host_only

    def _key(self) -> Tuple[str, str, str]:
        return (self.domain, self.path, self.name)

    def is_expired(self, now: Optional[float] = None) -> bool:
        """Whether the cookie's expiry time has passed."""
        return self.expires is not None and self.expires <= (time.time() if now is None else now)

    def _matches(self, scheme: str, host: str, path: str) -> bool:
        if self.secure and scheme != "https":
            return False
        if self.is_expired():
            return False
        if self.domain:
            if self.host_only:
                if host != self.domain:
                    return False
            elif not (host == self.domain or host.endswith("." + self.domain)):
                return False
        if path == self.path:
            return True
        return path.startswith(self.path) and (
            self.path.endswith("/") or path[len(self.path) : len(self.path) + 1] == "/"
        )

    def __repr__(self) -> str:
        return f"<Cookie {self.name}={self.value} for {self.domain or '*'}{self.path}>"


class CookieJar:
    """The cookies of a :class:`Session` or :class:`Response`, shaped like requests'
    ``RequestsCookieJar``: a mapping of names to values (``jar["ses6"]``, ``jar.get(...)``,
    ``jar.get_dict()``, ``jar.set(name, value, domain=..., path=...)``), whose iteration gives
    :class:`Cookie` objects as ``http.cookiejar`` does. A value of None in ``set`` removes the
    cookie."""

    def __init__(self) -> None:
        self._cookies: List[Cookie] = []
        self._lock = threading.RLock()

    # -- cookielib-like
    def set_cookie(self, cookie: Cookie) -> None:
        """Adds a cookie, replacing the one with the same domain, path and name."""
        with self._lock:
            for i, c in enumerate(self._cookies):
                if c._key() == cookie._key():
                    self._cookies[i] = cookie
                    return
            self._cookies.append(cookie)

    def __iter__(self) -> Iterator[Cookie]:
        with self._lock:
            return iter(list(self._cookies))

    def __len__(self) -> int:
        return len(self._cookies)

    # -- requests-like
    def set(self, name: str, value: Optional[str], **kwargs: Any) -> Optional[Cookie]:
        """Sets a cookie (domain ``""`` and path ``"/"`` unless given); ``value=None``
        removes it. Accepted keywords: domain, path, secure, expires, and the metadata
        requests' ``create_cookie`` takes (version, discard, comment, comment_url, rest,
        rfc2109), which changes nothing in what is sent."""
        if value is None:
            self._remove(name, kwargs.get("domain"), kwargs.get("path"))
            return None
        allowed = {
            "domain",
            "path",
            "secure",
            "expires",
            "version",
            "discard",
            "comment",
            "comment_url",
            "rest",
            "rfc2109",
            "port",
            "name",
            "value",
        }
        bad = set(kwargs) - allowed
        if bad:
            raise TypeError(f"create_cookie() got unexpected keyword arguments: {sorted(bad)}")
        if kwargs.get("port") is not None:
            raise NotImplementedError(
                "cookie argument 'port' is not supported by dcimanager.compat (cookies are "
                "matched by domain and path only)"
            )
        expires = kwargs.get("expires")
        cookie = Cookie(
            name,
            str(value),
            domain=str(kwargs.get("domain") or "").lower(),
            path=str(kwargs.get("path") or "/"),
            secure=bool(kwargs.get("secure", False)),
            expires=None if expires is None else float(expires),
        )
        self.set_cookie(cookie)
        return cookie

    def _find(self, name: str, domain: Optional[str] = None, path: Optional[str] = None) -> Cookie:
        found: Optional[Cookie] = None
        for c in self:
            if (
                c.name == name
                and (domain is None or c.domain == domain)
                and (path is None or c.path == path)
            ):
                if found is not None:
                    raise CookieConflictError(f"There are multiple cookies with name, {name!r}")
                found = c
        if found is None:
            raise KeyError(f"name={name!r}, domain={domain!r}, path={path!r}")
        return found

    def _remove(self, name: str, domain: Optional[str], path: Optional[str]) -> None:
        with self._lock:
            self._cookies = [
                c
                for c in self._cookies
                if not (
                    c.name == name
                    and (domain is None or c.domain == domain)
                    and (path is None or c.path == path)
                )
            ]

    def get(
        self,
        name: str,
        default: Optional[str] = None,
        domain: Optional[str] = None,
        path: Optional[str] = None,
    ) -> Optional[str]:
        """The value of the cookie with this name (and domain, path), or ``default``.
        Raises :class:`CookieConflictError` when several cookies match."""
        try:
            return self._find(name, domain, path).value
        except KeyError:
            return default

    def __getitem__(self, name: str) -> str:
        return self._find(name).value

    def __setitem__(self, name: str, value: Optional[str]) -> None:
        self.set(name, value)

    def __delitem__(self, name: str) -> None:
        self._remove(name, None, None)

    def __contains__(self, name: object) -> bool:
        return any(c.name == name for c in self)

    def keys(self) -> List[str]:
        """The names of the cookies."""
        return [c.name for c in self]

    def values(self) -> List[str]:
        """The values of the cookies."""
        return [c.value for c in self]

    def items(self) -> List[Tuple[str, str]]:
        """The (name, value) pairs."""
        return [(c.name, c.value) for c in self]

    def get_dict(self, domain: Optional[str] = None, path: Optional[str] = None) -> Dict[str, str]:
        """A plain dict of names to values (of one domain and path when given)."""
        return {
            c.name: c.value
            for c in self
            if (domain is None or c.domain == domain) and (path is None or c.path == path)
        }

    def list_domains(self) -> List[str]:
        """The domains of the cookies, each once."""
        out: List[str] = []
        for c in self:
            if c.domain not in out:
                out.append(c.domain)
        return out

    def list_paths(self) -> List[str]:
        """The paths of the cookies, each once."""
        out: List[str] = []
        for c in self:
            if c.path not in out:
                out.append(c.path)
        return out

    def multiple_domains(self) -> bool:
        """Whether the cookies belong to more than one domain."""
        return len(self.list_domains()) > 1

    def update(self, other: Any) -> None:
        """Adds the cookies of another jar, or the pairs of a mapping."""
        if isinstance(other, CookieJar):
            for c in other:
                self.set_cookie(_copy_cookie(c))
        elif isinstance(other, http.cookiejar.CookieJar):
            for ck in other:
                self.set_cookie(
                    Cookie(
                        ck.name,
                        ck.value or "",
                        (ck.domain or "").lstrip(".").lower(),
                        ck.path or "/",
                        bool(ck.secure),
                        None if ck.expires is None else float(ck.expires),
                        host_only=not ck.domain_specified and bool(ck.domain),
                    )
                )
        elif isinstance(other, Mapping):
            for k, v in other.items():
                self.set(k, v)
        else:
            raise TypeError(f"cannot merge cookies from {type(other).__name__}")

    def clear(
        self, domain: Optional[str] = None, path: Optional[str] = None, name: Optional[str] = None
    ) -> None:
        """Removes every cookie, or those of a domain (and path, and name)."""
        with self._lock:
            self._cookies = [
                c
                for c in self._cookies
                if not (
                    (domain is None or c.domain == domain)
                    and (path is None or c.path == path)
                    and (name is None or c.name == name)
                )
            ]

    def copy(self) -> "CookieJar":
        """A copy of the jar."""
        new = CookieJar()
        new.update(self)
        return new

    def __repr__(self) -> str:
        return f"<CookieJar[{', '.join(repr(c) for c in self)}]>"

    # -- sending and receiving
    def _header_for(self, scheme: str, host: str, path: str) -> Optional[str]:
        """The Cookie header for a request, cookies of longer paths first (as cookielib)."""
        order: Dict[str, int] = {}
        chosen = []
        for c in self:
            order.setdefault(c.domain, len(order))
            if c._matches(scheme, host, path):
                chosen.append(c)
        if not chosen:
            return None
        chosen.sort(key=lambda c: order[c.domain])
        chosen.sort(key=lambda c: len(c.path), reverse=True)
        return "; ".join(f"{c.name}={c.value}" for c in chosen)

    def _extract(self, set_cookie_values: Iterable[str], host: str, path: str) -> List[Cookie]:
        """Stores the cookies of Set-Cookie header values; returns the cookies set."""
        out = []
        for value in set_cookie_values:
            cookie, expired = _parse_set_cookie(value, host, path)
            if cookie is None:
                continue
            if expired:
                self._remove(cookie.name, cookie.domain, cookie.path)
                continue
            self.set_cookie(cookie)
            out.append(cookie)
        return out


#: requests' name of the jar class.
RequestsCookieJar = CookieJar


def _copy_cookie(c: Cookie) -> Cookie:
    return Cookie(c.name, c.value, c.domain, c.path, c.secure, c.expires, c.host_only)


def _parse_set_cookie(header: str, host: str, req_path: str) -> Tuple[Optional[Cookie], bool]:
    """Parses one Set-Cookie value the way http.cookiejar's Netscape rules do."""
    parts = [p.strip() for p in header.split(";")]
    if not parts or "=" not in parts[0]:
        return None, False
    name, _, value = parts[0].partition("=")
    name, value = name.strip(), value.strip()
    if not name:
        return None, False
    domain, path, secure, expires = "", "", False, None
    max_age: Optional[int] = None
    for attr in parts[1:]:
        key, _, val = attr.partition("=")
        key, val = key.strip().lower(), val.strip()
        if key == "domain":
            domain = val.lstrip(".").lower()
        elif key == "path":
            path = val
        elif key == "secure":
            secure = True
        elif key == "expires":
            t = _http2time(val)
            if t is not None:
                expires = float(t)
        elif key == "max-age":
            try:
                max_age = int(val)
            except ValueError:
                pass
    now = time.time()
    if max_age is not None:
        expires = now + max_age
    if not path.startswith("/"):
        i = req_path.rfind("/")
        path = req_path[:i] if i > 0 else "/"
    host = host.lower()
    host_only = True
    if domain:
        if not (host == domain or (host.endswith("." + domain) and not _is_ip(host))):
            return None, False  # a domain the host does not belong to: refused
        host_only = False
    else:
        domain = host
    cookie = Cookie(name, value, domain, path, secure, expires, host_only)
    return cookie, expires is not None and expires <= now


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return False


# --------------------------------------------------------------------------------------------
# Retry
# --------------------------------------------------------------------------------------------

#: The methods urllib3 retries by default (idempotent ones).
DEFAULT_ALLOWED_METHODS: FrozenSet[str] = frozenset(
    ["HEAD", "GET", "PUT", "DELETE", "OPTIONS", "TRACE"]
)

_DEFAULT_REMOVE_HEADERS_ON_REDIRECT = frozenset(["Cookie", "Authorization", "Proxy-Authorization"])


class _Default:
    """The marker of an argument not given (for the two spellings of allowed_methods)."""

    def __repr__(self) -> str:
        return "<default>"


_DEFAULT = _Default()

# The Retry methods through which urllib3 lets a subclass change the policy; the core's retry
# loop cannot call Python, so a subclass overriding one is refused.
_RETRY_HOOKS = (
    "increment",
    "is_retry",
    "is_exhausted",
    "get_backoff_time",
    "sleep",
    "sleep_for_retry",
    "get_retry_after",
    "parse_retry_after",
    "_is_method_retryable",
    "_is_connection_error",
    "_is_read_error",
    "_sleep_backoff",
)


class Retry:
    """Retry configuration with urllib3 2.x's constructor and meaning, applied by the Rust
    core's retry engine.

    ``total``, ``connect``, ``read`` and ``status`` count retries as urllib3 does (None: no
    limit of that kind; ``read=False``: a failure after the request was sent is raised at once);
    ``status_forcelist`` lists the statuses retried for the methods of ``allowed_methods``
    (urllib3 1.x spelled it ``method_whitelist``: accepted, same meaning; giving both raises
    ValueError as urllib3 1.26 did; None or empty: every method); the sleep before retry ``k``
    is 0 for the first, then ``backoff_factor * 2**(k-1)`` capped at ``backoff_max``, plus up to
    ``backoff_jitter``; ``Retry-After`` is honoured when ``respect_retry_after_header``;
    ``raise_on_status=False`` returns the last response instead of raising
    :class:`RetryError` when the retries run out on a status.

    Refused with NotImplementedError: ``total=False``, a ``redirect`` count (redirects are
    never followed; None, False and 0 are accepted), ``other``, a non-empty ``history``, a
    ``retry_after_max`` other than the default or 120, and subclasses that override the
    policy's methods. See the module documentation for the differences that remain (a POST
    is never sent twice after a failure once sent; TLS failures are not retried).
    """

    #: Default methods to be used for ``allowed_methods``.
    DEFAULT_ALLOWED_METHODS: FrozenSet[str] = DEFAULT_ALLOWED_METHODS
    #: urllib3 1.x's name of ``DEFAULT_ALLOWED_METHODS``.
    DEFAULT_METHOD_WHITELIST: FrozenSet[str] = DEFAULT_ALLOWED_METHODS
    #: Statuses on which ``Retry-After`` is honoured.
    RETRY_AFTER_STATUS_CODES: FrozenSet[int] = frozenset([413, 429, 503])
    #: Default headers to be used for ``remove_headers_on_redirect``.
    DEFAULT_REMOVE_HEADERS_ON_REDIRECT: FrozenSet[str] = _DEFAULT_REMOVE_HEADERS_ON_REDIRECT
    #: Default maximum backoff time.
    DEFAULT_BACKOFF_MAX: float = 120
    #: urllib3's default maximum Retry-After (the core caps at 120 s: see the module docs).
    DEFAULT_RETRY_AFTER_MAX: int = 21600
    #: ``Retry(3)``, as in urllib3.
    DEFAULT: "Retry"

    def __init__(
        self,
        total: Union[bool, int, None] = 10,
        connect: Union[bool, int, None] = None,
        read: Union[bool, int, None] = None,
        redirect: Union[bool, int, None] = None,
        status: Optional[int] = None,
        other: Optional[int] = None,
        allowed_methods: Any = _DEFAULT,
        status_forcelist: Optional[Iterable[int]] = None,
        backoff_factor: float = 0,
        backoff_max: float = DEFAULT_BACKOFF_MAX,
        raise_on_redirect: bool = True,
        raise_on_status: bool = True,
        history: Optional[Tuple[Any, ...]] = None,
        respect_retry_after_header: bool = True,
        remove_headers_on_redirect: Iterable[str] = _DEFAULT_REMOVE_HEADERS_ON_REDIRECT,
        backoff_jitter: float = 0.0,
        retry_after_max: int = DEFAULT_RETRY_AFTER_MAX,
        method_whitelist: Any = _DEFAULT,
    ) -> None:
        if method_whitelist is not _DEFAULT:
            if allowed_methods is not _DEFAULT:
                raise ValueError(
                    "Using both 'allowed_methods' and 'method_whitelist' together is not "
                    "allowed. Instead only use 'allowed_methods'"
                )
            allowed_methods = method_whitelist
        elif allowed_methods is _DEFAULT:
            allowed_methods = DEFAULT_ALLOWED_METHODS
        if total is False:
            _unsupported(
                "Retry(total=False)",
                "it makes urllib3 re-raise its own exception classes; use total=0 for no retries",
            )
        if redirect not in (None, False, 0):
            _unsupported(
                "Retry(redirect=...)",
                "redirects are never followed by the core, so "
                "redirect counts cannot apply; use None, False or 0",
            )
        if other is not None:
            _unsupported(
                "Retry(other=...)",
                "the core does not retry failures other than connection, read and status ones",
            )
        if history:
            _unsupported("Retry(history=...)", "the retry history lives in the core")
        if retry_after_max not in (self.DEFAULT_RETRY_AFTER_MAX, 120):
            _unsupported("Retry(retry_after_max=...)", "the core caps Retry-After at 120 s")
        for name, value in (
            ("total", total),
            ("connect", connect),
            ("read", read),
            ("status", status),
        ):
            if value is not None and not isinstance(value, (bool, int, float)):
                raise TypeError(f"Retry {name} must be an int, False or None, not {value!r}")
        self.total = total
        self.connect = connect
        self.read = read
        self.status = status
        self.other = other
        if redirect is False:
            redirect = 0
            raise_on_redirect = False
        self.redirect = redirect
        self.status_forcelist: Any = status_forcelist or set()
        if not allowed_methods and allowed_methods is not None:
            warnings.warn(
                "Using an empty collection for 'allowed_methods' option to retry on any verb "
                "is deprecated and will skip retries for all verbs in urllib3 v3.0. Instead "
                "use Retry(..., allowed_methods=None).",
                FutureWarning,
                stacklevel=2,
            )
        self.allowed_methods = allowed_methods
        self.backoff_factor = backoff_factor
        self.backoff_max = backoff_max
        self.retry_after_max = retry_after_max
        self.raise_on_redirect = raise_on_redirect
        self.raise_on_status = raise_on_status
        self.history: Tuple[Any, ...] = tuple(history or ())
        self.respect_retry_after_header = respect_retry_after_header
        self.remove_headers_on_redirect = frozenset(h.lower() for h in remove_headers_on_redirect)
        self.backoff_jitter = backoff_jitter

    @property
    def method_whitelist(self) -> Any:
        """urllib3 1.x's name of ``allowed_methods``."""
        return self.allowed_methods

    def new(self, **kw: Any) -> "Retry":
        """A copy with some arguments changed (as urllib3's)."""
        params: Dict[str, Any] = dict(
            total=self.total,
            connect=self.connect,
            read=self.read,
            redirect=self.redirect,
            status=self.status,
            other=self.other,
            allowed_methods=self.allowed_methods,
            status_forcelist=self.status_forcelist,
            backoff_factor=self.backoff_factor,
            backoff_max=self.backoff_max,
            retry_after_max=self.retry_after_max,
            raise_on_redirect=self.raise_on_redirect,
            raise_on_status=self.raise_on_status,
            history=self.history,
            remove_headers_on_redirect=self.remove_headers_on_redirect,
            respect_retry_after_header=self.respect_retry_after_header,
            backoff_jitter=self.backoff_jitter,
        )
        if "method_whitelist" in kw:
            params.pop("allowed_methods")
        params.update(kw)
        return type(self)(**params)

    @classmethod
    def from_int(
        cls,
        retries: Union["Retry", bool, int, None],
        redirect: Union[bool, int, None] = True,
        default: Union["Retry", bool, int, None] = None,
    ) -> "Retry":
        """Turns an int (or None: ``default``, else :attr:`DEFAULT`) into a Retry, as urllib3."""
        if retries is None:
            retries = default if default is not None else cls.DEFAULT
        if isinstance(retries, Retry):
            return retries
        redirect = bool(redirect) and None
        return cls(retries, redirect=redirect)

    def _is_method_retryable(self, method: str) -> bool:
        if self.allowed_methods and method.upper() not in self.allowed_methods:
            return False
        return True

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        """urllib3's rule: whether this method and status would be retried. (The core
        retries a 413/429/503 with Retry-After only when it is in ``status_forcelist``.)"""
        if not self._is_method_retryable(method):
            return False
        if self.status_forcelist and status_code in self.status_forcelist:
            return True
        return bool(
            self.total
            and self.respect_retry_after_header
            and has_retry_after
            and (status_code in self.RETRY_AFTER_STATUS_CODES)
        )

    def get_backoff_time(self) -> float:
        """The sleep before the next retry, from the history (empty here: 0)."""
        n = len(self.history)
        if n <= 1:
            return 0
        return float(max(0, min(self.backoff_max, self.backoff_factor * (2 ** (n - 1)))))

    def is_exhausted(self) -> bool:
        """Whether a counter went below zero (never, outside the core's loop)."""
        counts = [
            x
            for x in (self.total, self.connect, self.read, self.redirect, self.status, self.other)
            if x
        ]
        return bool(counts) and min(counts) < 0

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(total={self.total}, connect={self.connect}, "
            f"read={self.read}, redirect={self.redirect}, status={self.status})"
        )

    # -- mapping onto the core
    def _check_subclass(self) -> None:
        cls = type(self)
        if cls is Retry:
            return
        for name in _RETRY_HOOKS:
            if getattr(cls, name, None) is not getattr(Retry, name, None):
                _unsupported(
                    f"{cls.__name__}.{name}",
                    "a Retry subclass cannot change the policy: the retry loop runs in the "
                    "Rust core, which does not call back into Python",
                )

    def _reraises_read_error(self, method: str) -> bool:
        """Whether urllib3 would re-raise a read error at once instead of counting it."""
        return self.read is False or not self._is_method_retryable(method)

    def _core_policy(self, method: str) -> Dict[str, Any]:
        """The arguments of the native ``Client._set_retry`` for a request of ``method``."""

        def count(v: Union[bool, int, None]) -> Optional[int]:
            if v is None:
                return None
            return max(int(v), 0)  # False → 0

        total = _UNLIMITED if self.total is None else max(int(self.total), 0)
        if not self.allowed_methods:
            methods = sorted(_EVERY_METHOD | {method.upper()})
        else:
            # urllib3 compares the upper-cased method with the entries as given.
            methods = sorted(
                m for m in self.allowed_methods if isinstance(m, str) and m == m.upper()
            )
        return dict(
            total=total,
            connect=count(self.connect),
            read=count(self.read),
            status=count(self.status),
            # urllib3 clamps the sleep at 0: negative factors mean no backoff
            backoff_factor=max(0.0, float(self.backoff_factor)),
            backoff_max=max(0.0, float(self.backoff_max)),
            jitter=max(0.0, float(self.backoff_jitter)),
            statuses=sorted(int(s) for s in self.status_forcelist),
            methods=methods,
            respect_retry_after=bool(self.respect_retry_after_header),
        )

    def _core_policy_and_key(self, method: str) -> Tuple[Dict[str, Any], Tuple[Any, ...]]:
        """:meth:`_core_policy` for ``method`` and its hashable form (part of the key of the
        session's native clients), cached on the Retry while the attributes the policy is
        computed from are unchanged (they can be changed after the adapter was mounted)."""
        allowed, forcelist = self.allowed_methods, self.status_forcelist
        snapshottable = type(forcelist) in _SNAPSHOT_TYPES and (
            allowed is None or type(allowed) in _SNAPSHOT_TYPES
        )
        if not snapshottable:
            # Something iterable but not a plain collection (a generator would be used up
            # by a snapshot): computed every time, as it always was.
            policy = self._core_policy(method)
            return policy, _policy_key(policy)
        # Everything _core_policy reads; the method only matters when every method is retried.
        # Values equal here give equal policies, so a stale match cannot pick another client.
        fingerprint = (
            self.total,
            self.connect,
            self.read,
            self.status,
            self.backoff_factor,
            self.backoff_max,
            self.backoff_jitter,
            self.respect_retry_after_header,
            None if allowed is None else tuple(allowed),
            tuple(forcelist),
            None if allowed else method,
        )
        cached = self.__dict__.get("_policy_cache")
        if cached is not None and cached[0] == fingerprint:
            return cached[1], cached[2]
        policy = self._core_policy(method)
        key = _policy_key(policy)
        self._policy_cache = (fingerprint, policy, key)
        return policy, key


#: The collections a Retry's ``allowed_methods`` and ``status_forcelist`` can be snapshotted
#: from (see :meth:`Retry._core_policy_and_key`).
_SNAPSHOT_TYPES = (list, tuple, set, frozenset)


def _policy_key(policy: Dict[str, Any]) -> Tuple[Any, ...]:
    """A core policy as a hashable, ordered tuple."""
    return tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in sorted(policy.items()))


Retry.DEFAULT = Retry(3)


# --------------------------------------------------------------------------------------------
# HTTPAdapter
# --------------------------------------------------------------------------------------------


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
        retry = self.max_retries
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


# --------------------------------------------------------------------------------------------
# Request and Response
# --------------------------------------------------------------------------------------------


class PreparedRequest:
    """What was sent: ``method``, ``url`` (with its query), ``headers`` and ``body``
    (bytes or None), as requests' PreparedRequest."""

    def __init__(
        self,
        method: str = "GET",
        url: str = "",
        headers: Optional[CaseInsensitiveDict[str]] = None,
        body: Optional[bytes] = None,
    ) -> None:
        self.method = method
        self.url = url
        self.headers: CaseInsensitiveDict[str] = (
            headers if headers is not None else CaseInsensitiveDict()
        )
        self.body = body
        self.hooks: Dict[str, List[Callable[..., Any]]] = {"response": []}

    @property
    def path_url(self) -> str:
        """The path and query of the URL."""
        p = urllib.parse.urlsplit(self.url)
        return (p.path or "/") + (f"?{p.query}" if p.query else "")

    def copy(self) -> "PreparedRequest":
        """A copy."""
        return PreparedRequest(self.method, self.url, self.headers.copy(), self.body)

    def __repr__(self) -> str:
        return f"<PreparedRequest [{self.method}]>"


_NO_TIME = datetime.timedelta(0)


class Response:
    """An HTTP answer, shaped like requests' Response.

    Attributes:
        status_code: the HTTP status.
        headers: the headers (:class:`CaseInsensitiveDict`, names in lower case, repeated
            headers joined with ", ").
        url: the URL requested, query included.
        encoding: the charset used by :attr:`text` (from Content-Type; settable).
        reason: the standard phrase of the status.
        elapsed: the time the call took, retries included.
        history: always empty (redirects are not followed).
        cookies: the cookies this answer set.
        request: the :class:`PreparedRequest` that was sent.
        attempts: how many times the core sent the request (not in requests).
    """

    __attrs__ = [
        "_content",
        "status_code",
        "headers",
        "url",
        "history",
        "encoding",
        "reason",
        "cookies",
        "elapsed",
        "request",
    ]

    def __init__(self) -> None:
        self._content: bytes = b""
        self.status_code: int = 0
        # {"headers": the CaseInsensitiveDict} once made, {"source": the native answer's
        # dict} until then: see the headers property. One dict that a shallow copy of the
        # Response shares, as it would share the headers object itself.
        self._headers_cell: Dict[str, Any] = {}
        self.url: str = ""
        self.encoding: Optional[str] = None
        self.history: List[Response] = []
        self.reason: str = ""
        self.cookies: CookieJar = CookieJar()
        self.elapsed: datetime.timedelta = _NO_TIME
        self.request: Optional[PreparedRequest] = None
        self.attempts: int = 1

    @property
    def headers(self) -> CaseInsensitiveDict[str]:
        """The headers (:class:`CaseInsensitiveDict`, names in lower case, repeated headers
        joined with ", ")."""
        cell = self._headers_cell
        try:
            headers: CaseInsensitiveDict[str] = cell["headers"]
        except KeyError:
            # The first read: made now from the native answer's dict (empty for a Response
            # made by hand), so that a script that never reads them does not pay for them.
            # setdefault keeps a single dict should two threads get here at once.
            headers = cell.setdefault("headers", CaseInsensitiveDict(cell.get("source")))
        return headers

    @headers.setter
    def headers(self, value: CaseInsensitiveDict[str]) -> None:
        self._headers_cell = {"headers": value}

    def __repr__(self) -> str:
        return f"<Response [{self.status_code}]>"

    def __bool__(self) -> bool:
        return self.ok

    def __iter__(self) -> Iterator[bytes]:
        return self.iter_content(128)

    def __enter__(self) -> "Response":
        return self

    def __exit__(self, *args: Any) -> None:
        self.close()

    def close(self) -> None:
        """Nothing to release: the body was read whole and the connection is back in the
        pool."""

    @property
    def ok(self) -> bool:
        """False for a 4xx or 5xx status, as requests."""
        try:
            self.raise_for_status()
        except HTTPError:
            return False
        return True

    @property
    def is_redirect(self) -> bool:
        """Whether this is a redirect that requests would follow."""
        return self.status_code in _REDIRECT_STATI and "location" in self.headers

    @property
    def is_permanent_redirect(self) -> bool:
        """Whether this is a permanent redirect (301, 308) with a Location."""
        return self.status_code in (301, 308) and "location" in self.headers

    @property
    def next(self) -> None:
        """The next request of a redirect chain: never (redirects are not followed)."""
        return None

    @property
    def content(self) -> bytes:
        """The body's bytes (decompressed when Content-Encoding is gzip or deflate)."""
        return self._content

    @property
    def apparent_encoding(self) -> str:
        """``"utf-8"`` (no charset detection here)."""
        return "utf-8"

    @property
    def text(self) -> str:
        """The body decoded with :attr:`encoding` (UTF-8 when unknown), bad bytes replaced."""
        if not self._content:
            return ""
        encoding = self.encoding or self.apparent_encoding
        try:
            return str(self._content, encoding, errors="replace")
        except (LookupError, TypeError):
            return str(self._content, errors="replace")

    def json(self, **kwargs: Any) -> Any:
        """The body parsed as JSON (``json.loads`` keywords accepted); raises
        :class:`JSONDecodeError` when it is not JSON."""
        if not self.encoding and self._content and len(self._content) > 3:
            try:
                return _json.loads(
                    self._content.decode(_json.detect_encoding(self._content)), **kwargs
                )
            except UnicodeDecodeError:
                pass
            except _json.JSONDecodeError as e:
                raise JSONDecodeError(e.msg, e.doc, e.pos) from None
        try:
            return _json.loads(self.text, **kwargs)
        except _json.JSONDecodeError as e:
            raise JSONDecodeError(e.msg, e.doc, e.pos) from None

    @property
    def links(self) -> Dict[str, Dict[str, str]]:
        """The parsed ``Link`` header, keyed by ``rel`` (or URL)."""
        out: Dict[str, Dict[str, str]] = {}
        header = self.headers.get("link")
        if not header:
            return out
        for val in re.split(r", *<", header):
            url, _, params = val.partition(";")
            link = {"url": url.strip("<> '\"")}
            for param in params.split(";"):
                key, sep, value = param.partition("=")
                if sep:
                    link[key.strip(" '\"")] = value.strip(" '\"")
            out[link.get("rel") or link["url"]] = link
        return out

    def iter_content(
        self, chunk_size: Optional[int] = 1, decode_unicode: bool = False
    ) -> Iterator[Any]:
        """The body in chunks of ``chunk_size`` bytes (all at once when None)."""
        data = self._content
        size = (len(data) or 1) if chunk_size is None else chunk_size
        if decode_unicode:
            decoder = codecs.getincrementaldecoder(self.encoding or "utf-8")(errors="replace")
            for i in range(0, len(data), size):
                piece = decoder.decode(data[i : i + size])
                if piece:
                    yield piece
            tail = decoder.decode(b"", final=True)
            if tail:
                yield tail
            return
        for i in range(0, len(data), size):
            yield data[i : i + size]

    def iter_lines(
        self, chunk_size: int = 512, decode_unicode: bool = False, delimiter: Optional[Any] = None
    ) -> Iterator[Any]:
        """The body line by line."""
        data: Any = self.text if decode_unicode else self._content
        lines = data.split(delimiter) if delimiter else data.splitlines()
        yield from lines

    def raise_for_status(self) -> None:
        """Raises :class:`HTTPError` for a 4xx or 5xx status, with requests' message."""
        reason = self.reason
        msg = ""
        if 400 <= self.status_code < 500:
            msg = f"{self.status_code} Client Error: {reason} for url: {self.url}"
        elif 500 <= self.status_code < 600:
            msg = f"{self.status_code} Server Error: {reason} for url: {self.url}"
        if msg:
            raise HTTPError(msg, response=self)


# --------------------------------------------------------------------------------------------
# Preparing a request (requests' rules)
# --------------------------------------------------------------------------------------------

_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_HEADER_NAME_RE = re.compile(r"^[^:\s][^:\r\n]*$")
_HEADER_VALUE_RE = re.compile(r"^\S[^\r\n]*$|^$")


def _unquote_unreserved(uri: str) -> str:
    parts = uri.split("%")
    for i in range(1, len(parts)):
        h = parts[i][0:2]
        if len(h) == 2 and h.isalnum():
            try:
                c = chr(int(h, 16))
            except ValueError:
                raise InvalidURL(f"Invalid percent-escape sequence: '{h}'") from None
            if c in _UNRESERVED:
                parts[i] = c + parts[i][2:]
            else:
                parts[i] = f"%{parts[i]}"
        else:
            parts[i] = f"%{parts[i]}"
    return "".join(parts)


def _requote_uri(uri: str) -> str:
    """requests' requote_uri: quotes what is not already quoted, keeps valid escapes."""
    try:
        return urllib.parse.quote(_unquote_unreserved(uri), safe="!#$%&'()*+,/:;=?@[]~")
    except InvalidURL:
        return urllib.parse.quote(uri, safe="!#$&'()*+,/:;=?@[]~")


def _to_key_val_list(value: Any) -> List[Tuple[Any, Any]]:
    if value is None:
        return []
    if isinstance(value, (str, bytes, bool, int)):
        raise ValueError("cannot encode objects that are not 2-tuples")
    if isinstance(value, Mapping):
        return list(value.items())
    return list(value)


def _encode_params(data: Any) -> Any:
    """requests' ``_encode_params``: str/bytes as is, pairs form-encoded (lists repeat the
    key, None values dropped)."""
    if isinstance(data, (str, bytes)):
        return data
    if hasattr(data, "read"):
        return data
    if hasattr(data, "__iter__"):
        result = []
        for k, vs in _to_key_val_list(data):
            if isinstance(vs, (str, bytes)) or not hasattr(vs, "__iter__"):
                vs = [vs]
            for v in vs:
                if v is not None:
                    result.append(
                        (
                            k.encode("utf-8") if isinstance(k, str) else k,
                            v.encode("utf-8") if isinstance(v, str) else v,
                        )
                    )
        return urllib.parse.urlencode(result, doseq=True)
    return data


def _merge_setting(
    request_setting: Any, session_setting: Any, dict_class: Any = OrderedDict
) -> Any:
    """requests' ``merge_setting``: request values over session ones, None removes a key."""
    if session_setting is None:
        return request_setting
    if request_setting is None:
        return session_setting
    if not (isinstance(session_setting, Mapping) and isinstance(request_setting, Mapping)):
        return request_setting
    merged = dict_class(_to_key_val_list(session_setting))
    merged.update(_to_key_val_list(request_setting))
    for key in [k for (k, v) in merged.items() if v is None]:
        del merged[key]
    return merged


class _Target:
    """A parsed request URL: what the native client needs. Never changed once made: targets
    are memoized (see Session._prepared_url) and shared by the requests to the same URL."""

    def __init__(
        self,
        url: str,
        scheme: str,
        host: str,
        port: Optional[int],
        path: str,
        query: str,
        send_url: str,
    ) -> None:
        self.url = url
        self.scheme = scheme
        self.host = host
        self.port = port
        self.path = path
        self.query = query
        self.send_url = send_url
        bracketed = f"[{host}]" if ":" in host else host
        #: ``scheme://host[:port]``, the base URL of the native client.
        self.origin = f"{scheme}://{bracketed}" + (f":{port}" if port else "")


#: The most entries each memo of this module keeps; a memo that is full is emptied (scripts
#: call a few URLs over and over, and a memo only spares recomputing a pure function).
_MEMO_MAX = 512

#: The empty params for which Session memoizes _prepare_url (each encodes to nothing).
_EMPTY_PARAMS_TYPES = (dict, OrderedDict, list, tuple, str)


def _memo_put(memo: Dict[Any, Any], key: Any, value: Any) -> None:
    """Adds to a memo, emptying it first when it is full."""
    if len(memo) >= _MEMO_MAX:
        memo.clear()
    memo[key] = value


def _memo_add(memo: "set[Any]", key: Any) -> None:
    """Adds to a memo set, emptying it first when it is full."""
    if len(memo) >= _MEMO_MAX:
        memo.clear()
    memo.add(key)


def _prepare_url(url: Any, params: Any) -> Tuple[str, Optional[_Target]]:
    """requests' ``prepare_url``: checks, IDNA, params merged into the query, requoting.
    A pure function of its arguments (memoized per session: see Session._prepared_url)."""
    if isinstance(url, bytes):
        url = url.decode("utf8")
    else:
        url = str(url)
    url = url.lstrip()
    if ":" in url and not url.lower().startswith("http"):
        return url, None  # not HTTP: get_adapter says there is no adapter for it
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError as e:
        raise InvalidURL(*e.args) from None
    if not parts.scheme:
        raise MissingSchema(
            f"Invalid URL {url!r}: No scheme supplied. Perhaps you meant https://{url}?"
        )
    host = parts.hostname
    if not host:
        raise InvalidURL(f"Invalid URL {url!r}: No host supplied")
    if parts.username is not None or parts.password is not None:
        _unsupported(
            "user:password in the URL",
            "requests would send them as HTTP Basic "
            "auth; the platform authenticates with its token",
        )
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise InvalidURL("URL has an invalid label.") from None
    host = host.lower()
    scheme = parts.scheme.lower()
    netloc = (f"[{host}]" if ":" in host else host) + (f":{port}" if port is not None else "")
    path = parts.path or "/"
    query = parts.query
    if isinstance(params, (str, bytes)):
        params = params.decode("utf8") if isinstance(params, bytes) else params
    enc_params = _encode_params(params)
    if enc_params:
        query = f"{query}&{enc_params}" if query else enc_params
    full = _requote_uri(urllib.parse.urlunsplit((scheme, netloc, path, query, parts.fragment)))
    send = full.split("#", 1)[0]
    sp = urllib.parse.urlsplit(send)
    return full, _Target(full, scheme, host, port, sp.path or "/", sp.query, send)


def _check_header(name: Any, value: Any) -> Tuple[str, str]:
    """requests' header validation, plus the ASCII rule of this module. A pair of str that
    passes is returned as is."""
    if (
        type(name) is str
        and type(value) is str
        and _HEADER_NAME_RE.match(name)
        and _HEADER_VALUE_RE.match(value)
        and name.isascii()
        and value.isascii()
    ):
        return name, value  # valid: what the loop below would return, without its steps
    out = []
    for part, regex, kind in ((name, _HEADER_NAME_RE, "name"), (value, _HEADER_VALUE_RE, "value")):
        if isinstance(part, bytes):
            try:
                part = part.decode("ascii")
            except UnicodeDecodeError:
                _unsupported(
                    f"a non-ASCII header {kind} ({part!r})",
                    "http.client would send it as Latin-1; encode it first",
                )
        elif not isinstance(part, str):
            raise InvalidHeader(
                f"Header part ({part!r}) from {(name, value)} must be of type str or bytes, "
                f"not {type(part)}"
            )
        if not regex.match(part):
            raise InvalidHeader(
                "Invalid leading whitespace, reserved character(s), or return character(s) "
                f"in header {kind}: {part!r}"
            )
        if not part.isascii():
            _unsupported(
                f"a non-ASCII header {kind} ({part!r})",
                "http.client would send it as Latin-1; encode it first",
            )
        out.append(part)
    return out[0], out[1]


def _body_bytes(data: Any, files: Any, json: Any) -> Tuple[Optional[bytes], Optional[str]]:
    """requests' ``prepare_body``: the body and the Content-Type it implies."""
    body: Any = None
    content_type: Optional[str] = None
    if not data and json is not None:
        content_type = "application/json"
        try:
            body = _json.dumps(json, allow_nan=False)
        except ValueError as ve:
            raise InvalidJSONError(ve) from None
        return body.encode("utf-8"), content_type
    is_stream = hasattr(data, "__iter__") and not isinstance(
        data, (str, bytes, list, tuple, Mapping)
    )
    if hasattr(data, "read"):
        raw = data.read()
        return (raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)), None
    if is_stream:
        chunks = [c.encode("utf-8") if isinstance(c, str) else bytes(c) for c in data]
        return b"".join(chunks), None
    if data:
        body = _encode_params(data)
        if not isinstance(data, (str, bytes)):
            content_type = "application/x-www-form-urlencoded"
    if body is None:
        return None, content_type
    return (body.encode("utf-8") if isinstance(body, str) else bytes(body)), content_type


def _parse_timeout(timeout: Any) -> Tuple[Optional[float], Optional[float]]:
    """``(connect, read)`` from requests' ``timeout`` argument, validated as urllib3 does."""
    if timeout is None:
        return None, None
    if isinstance(timeout, tuple):
        try:
            connect, read = timeout
        except ValueError:
            raise ValueError(
                f"Invalid timeout {timeout}. Pass a (connect, read) timeout tuple, or a single "
                "float to set both timeouts to the same value."
            ) from None
    elif hasattr(timeout, "connect_timeout") and hasattr(timeout, "read_timeout"):
        _unsupported("timeout=<urllib3 Timeout>", "pass a float or a (connect, read) tuple")
    else:
        connect = read = timeout

    def check(value: Any, name: str) -> Optional[float]:
        if value is None:
            return None
        if isinstance(value, bool):
            raise ValueError("Timeout cannot be a boolean value. It must be an int, float or None.")
        try:
            f = float(value)
        except (TypeError, ValueError):
            raise ValueError(
                f"Timeout value {name} was {value}, but it must be an int, float or None."
            ) from None
        if f <= 0:
            raise ValueError(
                f"Attempted to set {name} timeout to {value}, but the timeout cannot be set to "
                "a value less than or equal to 0."
            )
        return None if math.isinf(f) else f

    return check(connect, "connect"), check(read, "read")


def _decode_body(body: bytes, content_encoding: Optional[str]) -> bytes:
    """Undoes gzip/deflate Content-Encoding (as urllib3 does for requests)."""
    if not content_encoding or not body:
        return body
    for coding in reversed([c.strip().lower() for c in content_encoding.split(",")]):
        try:
            if coding in ("gzip", "x-gzip"):
                body = zlib.decompress(body, 16 + zlib.MAX_WBITS)
            elif coding == "deflate":
                try:
                    body = zlib.decompress(body)
                except zlib.error:
                    body = zlib.decompress(body, -zlib.MAX_WBITS)
            elif coding in ("identity", ""):
                continue
            else:
                return body  # an encoding urllib3 would not decode without extra packages
        except zlib.error as e:
            raise ContentDecodingError(
                f"Received response with content-encoding: {coding}, but failed to decode it.", e
            ) from None
    return body


#: :func:`_encoding_of` by Content-Type value.
_ENCODINGS: Dict[str, Optional[str]] = {}


def _encoding_from_headers(headers: Mapping[str, str]) -> Optional[str]:
    """requests' ``get_encoding_from_headers``."""
    content_type = headers.get("content-type")
    if not content_type:
        return None
    if type(content_type) is not str:
        return _encoding_of(content_type)
    try:
        return _ENCODINGS[content_type]
    except KeyError:
        encoding = _encoding_of(content_type)
        _memo_put(_ENCODINGS, content_type, encoding)
        return encoding


def _encoding_of(content_type: str) -> Optional[str]:
    """The charset a Content-Type value implies (requests' rules)."""
    ctype, _, rest = content_type.partition(";")
    params = {}
    for item in rest.split(";"):
        key, sep, value = item.partition("=")
        if sep:
            params[key.strip().lower()] = value.strip(" '\"")
    if "charset" in params:
        return params["charset"].strip("'\"")
    if "text" in ctype:
        return "ISO-8859-1"
    if "application/json" in ctype:
        return "utf-8"
    return None


#: The standard phrase of each status http.HTTPStatus knows.
_REASONS: Dict[int, str] = {s.value: s.phrase for s in http.HTTPStatus}


def _reason(status: int) -> str:
    return _REASONS.get(status, "")


# --------------------------------------------------------------------------------------------
# The environment (trust_env)
# --------------------------------------------------------------------------------------------


def _environment_proxy(t: _Target) -> Optional[str]:
    """The proxy requests would take from the environment for this URL, if any."""
    proxies = urllib.request.getproxies_environment()
    proxy = proxies.get(t.scheme) or proxies.get("all")
    if not proxy:
        return None
    no_proxy = os.environ.get("no_proxy") or os.environ.get("NO_PROXY") or ""
    hosts = [h for h in no_proxy.replace(" ", "").split(",") if h]
    if "*" in hosts:
        return None
    try:
        ip = ipaddress.ip_address(t.host)
    except ValueError:
        ip = None
    host_port = t.host + (f":{t.port}" if t.port else "")
    for h in hosts:
        if ip is not None:
            try:
                if ip in ipaddress.ip_network(h, strict=False):
                    return None
            except ValueError:
                pass
        h = h.lstrip(".")
        if t.host == h or host_port == h or t.host.endswith("." + h) or host_port.endswith("." + h):
            return None
    return proxy


def _netrc_has(host: str) -> Optional[str]:
    """The .netrc file with an entry for this host (requests would send its credentials)."""
    env = os.environ.get("NETRC")
    candidates = [env] if env else ["~/.netrc", "~/_netrc"]
    for name in candidates:
        try:
            path = os.path.expanduser(name)
        except KeyError:
            return None
        if os.path.exists(path):
            try:
                if _netrc.netrc(path).authenticators(host):
                    return path
            except (_netrc.NetrcParseError, OSError):
                pass
            return None
    return None


# --------------------------------------------------------------------------------------------
# Session
# --------------------------------------------------------------------------------------------


def _default_headers() -> CaseInsensitiveDict[str]:
    return CaseInsensitiveDict(
        {
            "User-Agent": f"dcimanager/{__version__} (compat)",
            "Accept-Encoding": "gzip, deflate",
            "Accept": "*/*",
        }
    )


class Session:
    """requests' ``Session``, sending through dcimanager's Rust core.

    ``Session()`` mounts an :class:`HTTPAdapter` (no retries) on ``"https://"`` and
    ``"http://"``; :meth:`mount` and :meth:`get_adapter` select adapters exactly as requests
    does. Attributes: ``headers`` (:class:`CaseInsensitiveDict`), ``cookies``
    (:class:`CookieJar`, updated from ``Set-Cookie``), ``verify`` (True, False or the path of a
    CA bundle), ``params``, ``hooks`` (``{"response": [...]}``, called as requests does),
    ``trust_env``; ``auth``, ``proxies`` and ``cert`` must stay empty (NotImplementedError
    otherwise). ``stream`` must stay False; ``max_redirects`` is kept for compatibility
    (redirects are not followed).
    """

    __attrs__ = [
        "headers",
        "cookies",
        "auth",
        "proxies",
        "hooks",
        "params",
        "verify",
        "cert",
        "adapters",
        "stream",
        "trust_env",
        "max_redirects",
    ]

    def __init__(self) -> None:
        self.headers: CaseInsensitiveDict[Any] = _default_headers()
        self.auth: Any = None
        self.proxies: Dict[str, Any] = {}
        self.hooks: Dict[str, List[Callable[..., Any]]] = {"response": []}
        self.params: Any = {}
        self.stream: bool = False
        self.verify: Union[bool, str, None] = True
        self.cert: Any = None
        self.max_redirects: int = 30
        self.trust_env: bool = True
        self.cookies: Any = CookieJar()
        self.adapters: "OrderedDict[str, HTTPAdapter]" = OrderedDict()
        self._clients: Dict[Tuple[Any, ...], Any] = {}
        self._environment_checked: set[Tuple[str, str, Optional[int]]] = set()
        self._bundles_checked: set[str] = set()
        self._lock = threading.Lock()
        # Memos of pure computations, kept per session so that the tokens and keys found in
        # headers and URLs live no longer than the session that was given them:
        #: (headers object, its _version, its validated store): see _valid_session_headers.
        self._session_headers_memo: Optional[
            Tuple[Any, int, Dict[str, Tuple[str, str]]]
        ] = None
        #: header (name, value) pairs of str that _check_header accepted.
        self._valid_header_pairs: "set[Tuple[str, str]]" = set()
        #: _prepare_url's result for the str URLs requested without params.
        self._url_memo: Dict[str, Tuple[str, Optional[_Target]]] = {}
        self.mount("https://", HTTPAdapter())
        self.mount("http://", HTTPAdapter())

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *args: Any) -> None:
        self.close()

    def close(self) -> None:
        """Closes the adapters and drops the native clients (their connections close)."""
        for adapter in self.adapters.values():
            adapter.close()
        with self._lock:
            self._clients.clear()
        self._valid_header_pairs.clear()
        self._url_memo.clear()

    # -- adapters
    def mount(self, prefix: str, adapter: HTTPAdapter) -> None:
        """Registers an adapter for URLs starting with ``prefix`` (case-insensitive); longer
        prefixes are kept first, as in requests. Warns with :class:`DcimanagerCompatWarning`
        when the adapter can never be selected because an earlier prefix matches every URL
        it would match (e.g. ``mount("https", ...)`` behind the default ``"https://"``)."""
        if not isinstance(adapter, HTTPAdapter):
            raise TypeError(
                f"mount() takes a dcimanager.compat.HTTPAdapter, not {type(adapter).__module__}."
                f"{type(adapter).__qualname__}: requests' adapters cannot send through the core"
            )
        self.adapters[prefix] = adapter
        for key in [k for k in self.adapters if len(k) < len(prefix)]:
            self.adapters[key] = self.adapters.pop(key)
        shadow = self._shadowing(prefix)
        if shadow:
            warnings.warn(
                f"the adapter mounted on {prefix!r} will never be used: requests (and "
                f"dcimanager.compat, which does the same) picks the first matching prefix, "
                f"longest first, and {shadow} already "
                f"match{'' if ' and ' in shadow else 'es'} every URL that {prefix!r} would; "
                f"its max_retries ({adapter.max_retries!r}) will not apply. Mount it on "
                f"'https://' or 'http://' to replace the default adapter.",
                DcimanagerCompatWarning,
                stacklevel=2,
            )

    def _shadowing(self, prefix: str) -> str:
        """The earlier prefixes that hide ``prefix`` for every http(s) URL, or ``""``."""
        keys = list(self.adapters)
        earlier = [k.lower() for k in keys[: keys.index(prefix)]]
        p = prefix.lower()
        hidden_by = []
        relevant = False
        for scheme in ("https://", "http://"):
            if scheme.startswith(p):
                base = scheme  # every URL of this scheme matches prefix; all start with scheme
            elif p.startswith(scheme):
                base = p
            else:
                continue
            relevant = True
            hiding = [k for k in earlier if base.startswith(k)]
            if not hiding:
                return ""
            hidden_by.append(repr(keys[[k.lower() for k in keys].index(hiding[0])]))
        if not relevant:
            return ""
        return " and ".join(dict.fromkeys(hidden_by))

    def get_adapter(self, url: str) -> HTTPAdapter:
        """The first mounted adapter whose prefix starts the URL (case-insensitive)."""
        lower = None
        for prefix, adapter in self.adapters.items():
            if lower is None:
                lower = url.lower()
            if lower.startswith(prefix.lower()):
                return adapter
        raise InvalidSchema(f"No connection adapters were found for {url!r}")

    # -- verbs
    def get(self, url: Any, params: Any = None, **kwargs: Any) -> Response:
        """Sends a GET request (``allow_redirects`` defaults to True)."""
        kwargs.setdefault("allow_redirects", True)
        return self.request("GET", url, params=params, **kwargs)

    def options(self, url: Any, **kwargs: Any) -> Response:
        """Sends an OPTIONS request."""
        kwargs.setdefault("allow_redirects", True)
        return self.request("OPTIONS", url, **kwargs)

    def head(self, url: Any, **kwargs: Any) -> Response:
        """Sends a HEAD request (``allow_redirects`` defaults to False)."""
        kwargs.setdefault("allow_redirects", False)
        return self.request("HEAD", url, **kwargs)

    def post(self, url: Any, data: Any = None, json: Any = None, **kwargs: Any) -> Response:
        """Sends a POST request."""
        return self.request("POST", url, data=data, json=json, **kwargs)

    def put(self, url: Any, data: Any = None, **kwargs: Any) -> Response:
        """Sends a PUT request."""
        return self.request("PUT", url, data=data, **kwargs)

    def patch(self, url: Any, data: Any = None, **kwargs: Any) -> Response:
        """Sends a PATCH request."""
        return self.request("PATCH", url, data=data, **kwargs)

    def delete(self, url: Any, **kwargs: Any) -> Response:
        """Sends a DELETE request."""
        return self.request("DELETE", url, **kwargs)

    def send(self, request: Any, **kwargs: Any) -> Response:
        """Not supported: use :meth:`request` and its helpers."""
        _unsupported("Session.send()", "prepare and send requests with Session.request()")

    def request(
        self,
        method: Union[str, bytes],
        url: Any,
        params: Any = None,
        data: Any = None,
        headers: Optional[Mapping[str, Any]] = None,
        cookies: Any = None,
        files: Any = None,
        auth: Any = None,
        timeout: Any = None,
        allow_redirects: bool = True,
        proxies: Optional[Mapping[str, Any]] = None,
        hooks: Optional[Mapping[str, Any]] = None,
        stream: Optional[bool] = None,
        verify: Union[bool, str, None] = None,
        cert: Any = None,
        json: Any = None,
    ) -> Response:
        """Sends a request with requests' arguments and returns a :class:`Response`.

        ``params`` (merged with ``Session.params`` and the URL's query), ``data`` (a dict or
        pairs are form-encoded; str or bytes sent as is), ``json`` (used when ``data`` is
        empty), ``headers`` (over ``Session.headers``; None removes one), ``cookies`` (with
        the session's, into one Cookie header), ``timeout`` (None, seconds, or ``(connect,
        read)``: see the module docs), ``verify`` (over ``Session.verify``), ``hooks``
        (``{"response": callables}``). Refused with NotImplementedError: ``files``, ``auth``,
        ``proxies`` (and proxies or .netrc credentials from the environment), ``stream=True``,
        ``cert``.
        """
        # Arguments this module cannot honour: refused, never ignored.
        if files:
            _unsupported("files", "multipart uploads are not implemented")
        if auth is not None or self.auth is not None:
            _unsupported(
                "auth",
                "the platform authenticates with its token: send the "
                "x-xsrf-token header and the ses6 cookie",
            )
        if stream or (stream is None and self.stream):
            _unsupported("stream=True", "the core reads every body whole")
        if cert is not None or self.cert is not None:
            _unsupported("cert", "client certificates are not supported by the core")
        # (_merge_setting(None, x) is x, spelled out below for the common None)
        merged_proxies = (
            self.proxies if proxies is None else _merge_setting(proxies, self.proxies)
        ) or {}
        if merged_proxies and any(v for v in merged_proxies.values()):
            _unsupported("proxies", "the core connects directly")

        method_s = (method.decode("ascii") if isinstance(method, bytes) else str(method)).upper()
        merged_params = self.params if params is None else _merge_setting(params, self.params)
        full_url, target = self._prepared_url(url, merged_params)

        # Headers: the session's, then the request's (None removes).
        req_headers = self._request_headers(headers)

        if data is None and json is None:
            body, content_type = None, None  # what _body_bytes gives for them
        else:
            body, content_type = _body_bytes(data, files, json)
        if content_type and "content-type" not in req_headers._store:
            req_headers["Content-Type"] = content_type
        prepared = PreparedRequest(method_s, full_url, req_headers, body)

        adapter = self.get_adapter(full_url)
        if target is None:  # pragma: no cover - get_adapter raised for non-HTTP URLs
            raise InvalidSchema(f"No connection adapters were found for {full_url!r}")

        # Cookies: the session's, then the request's, into one header (unless one is given).
        session_jar = self.cookies
        if _cookies_need_no_merge(session_jar, cookies):
            # The merged jar would hold the session's cookies alone, or the request's plain
            # ones alone: its header is computed without building it (nothing can fail).
            if "cookie" not in req_headers._store:
                if cookies:
                    # Cookies set from a dict match every host and path, in dict order.
                    cookie_header: Optional[str] = "; ".join(
                        [f"{name}={value}" for name, value in cookies.items()]
                    )
                else:
                    cookie_header = session_jar._header_for(
                        target.scheme, target.host, target.path
                    )
                if cookie_header is not None:
                    req_headers["Cookie"] = cookie_header
        else:
            jar = CookieJar()
            jar.update(session_jar if session_jar is not None else {})
            if cookies is not None:
                jar.update(cookies)
            if "cookie" not in req_headers:
                cookie_header = jar._header_for(target.scheme, target.host, target.path)
                if cookie_header is not None:
                    req_headers["Cookie"] = cookie_header

        # The environment, as requests' merge_environment_settings. Proxies and .netrc are
        # looked up once per origin and session (requests re-reads them on every request: a
        # scan of os.environ and two stat calls that dominated the cost of a request here).
        if self.trust_env:
            origin = (target.scheme, target.host, target.port)
            if origin not in self._environment_checked:
                proxy = _environment_proxy(target)
                if proxy:
                    _unsupported(
                        f"proxies (from the environment: {proxy!r} for {target.host})",
                        "the core connects directly; set Session.trust_env = False or add the "
                        "host to NO_PROXY",
                    )
                netrc_file = _netrc_has(target.host)
                if netrc_file:
                    _unsupported(
                        f"auth (from {netrc_file} for {target.host})",
                        "requests would send those credentials as Basic auth; set "
                        "Session.trust_env = False",
                    )
                self._environment_checked.add(origin)
            if verify is True or verify is None:
                verify = (
                    os.environ.get("REQUESTS_CA_BUNDLE")
                    or os.environ.get("CURL_CA_BUNDLE")
                    or verify
                )
        if verify is None or type(verify) not in (bool, str):
            verify = _merge_setting(verify, self.verify)  # (a bool or str given wins as is)
        if verify is None:
            verify = True
        if not isinstance(verify, bool):
            verify = os.fspath(verify)
            if target.scheme == "https" and verify not in self._bundles_checked:
                if os.path.isdir(verify):
                    _unsupported("verify=<a directory>", "give the path of a CA bundle file")
                if not os.path.exists(verify):
                    raise OSError(
                        "Could not find a suitable TLS CA certificate bundle, invalid path: "
                        f"{verify}"
                    )
                self._bundles_checked.add(verify)
        connect_timeout, read_timeout = _parse_timeout(timeout)

        retry = adapter._retry()
        client = self._client(target, verify if target.scheme == "https" else True, retry, method_s)
        if target.scheme == "https" and verify is False:
            warnings.warn(
                f"Unverified HTTPS request is being made to host '{target.host}'. Adding "
                "certificate verification is strongly advised.",
                InsecureRequestWarning,
                stacklevel=3,
            )

        wire_headers = list(req_headers._store.values())  # (name as given, value) pairs
        wire_body = body
        if body is None and method_s not in ("GET", "HEAD"):
            wire_body = b""  # requests sends "Content-Length: 0" then; so does the core
            if "content-length" not in req_headers:
                req_headers["Content-Length"] = "0"
        elif body:
            req_headers.setdefault("Content-Length", str(len(body)))
        started = time.perf_counter()
        try:
            native = client._request_raw(
                method_s, target.send_url, wire_headers, wire_body, read_timeout, connect_timeout
            )
        except _errors.Error as exc:
            raise _map_error(exc, prepared, retry, method_s, target, read_timeout) from exc
        elapsed = datetime.timedelta(0, time.perf_counter() - started)  # (days, seconds)
        if native.retries_exhausted and retry.raise_on_status:
            raise RetryError(
                _max_retries_message(
                    target, f"ResponseError('too many {native.status} error responses')"
                ),
                request=prepared,
            )
        response = self._build_response(native, prepared, target, elapsed)

        session_hooks = self.hooks
        if hooks is None and type(session_hooks) is dict:
            response_hooks = _hook_list(session_hooks.get("response"))  # what merging gives
        else:
            response_hooks = _hook_list(_merge_hooks(hooks, session_hooks).get("response"))
        for hook in response_hooks:
            result = hook(
                response,
                timeout=timeout,
                verify=verify,
                proxies=merged_proxies,
                stream=False,
                cert=None,
            )
            if result is not None:
                response = result

        if allow_redirects and response.is_redirect:
            warnings.warn(
                f"{response.status_code} redirect to {response.headers.get('location')!r} "
                "returned as is: dcimanager.compat never follows redirects (requests would "
                "have); pass allow_redirects=False to silence this",
                DcimanagerCompatWarning,
                stacklevel=3,
            )
        return response

    # -- internals
    def _prepared_url(self, url: Any, params: Any) -> Tuple[str, Optional[_Target]]:
        """:func:`_prepare_url`, memoized for URLs given as str without params."""
        if type(url) is not str or not (
            params is None or (type(params) in _EMPTY_PARAMS_TYPES and not params)
        ):
            return _prepare_url(url, params)
        memo = self._url_memo
        prepared = memo.get(url)
        if prepared is None:
            prepared = _prepare_url(url, params)
            if prepared[1] is not None:  # (not an HTTP URL: get_adapter raises for it)
                _memo_put(memo, url, prepared)
        return prepared

    def _valid_session_headers(self) -> Optional[Dict[str, Tuple[str, str]]]:
        """``Session.headers``' store (lower-case name -> (name, value)) when every header
        is a str pair that :func:`_check_header` accepts, else None. Validated once per
        change of the headers (their ``_version``), not on every request."""
        headers = self.headers
        if type(headers) is not CaseInsensitiveDict:
            return None
        memo = self._session_headers_memo
        version = headers._version
        if memo is not None and memo[0] is headers and memo[1] == version:
            return memo[2]
        store = headers._store
        for name, value in store.values():
            if type(name) is not str or type(value) is not str:
                return None
            try:
                _check_header(name, value)
            except (InvalidHeader, NotImplementedError):
                return None  # the request may remove it; the general path sorts it out
        valid = dict(store)
        self._session_headers_memo = (headers, version, valid)
        return valid

    def _request_headers(self, headers: Optional[Mapping[str, Any]]) -> CaseInsensitiveDict[str]:
        """The session's headers, then the request's (a value of None removes one), each
        pair checked by :func:`_check_header`: requests' ``merge_setting`` then
        ``prepare_headers``."""
        base = self._valid_session_headers()
        if base is not None and (headers is None or type(headers) is dict):
            # The common case, merged straight into the store of the result: the session's
            # headers are known valid, and a request's str names keep the case given.
            store = base.copy()
            valid_pairs = self._valid_header_pairs
            removes = False
            unchecked = False  # whether a pair of the request is not known to be valid
            for name, value in headers.items() if headers else ():
                if type(name) is not str:
                    break  # a bytes name is decoded: the general path below
                store[name.lower()] = (name, value)
                if value is None:
                    removes = True
                elif type(value) is not str or (name, value) not in valid_pairs:
                    unchecked = True
            else:
                if removes:
                    for lower in [k for k, (_, v) in store.items() if v is None]:
                        del store[lower]
                if unchecked:
                    # Checked in the merged order, so that the first bad header is the one
                    # reported, as requests does.
                    decoded = []
                    for lower, (name, value) in store.items():
                        checked = _check_header(name, value)
                        if checked[1] is not value:  # a bytes value, decoded
                            decoded.append((lower, checked))
                    for lower, pair in decoded:
                        store[lower] = pair
                    for pair in store.values():  # every one valid now, and of str
                        _memo_add(valid_pairs, pair)
                return CaseInsensitiveDict._from_store(store)

        merged = _merge_setting(headers, self.headers, dict_class=CaseInsensitiveDict)
        req_headers: CaseInsensitiveDict[str] = CaseInsensitiveDict()
        for k, v in (merged or {}).items():
            name, value = _check_header(k, v)
            req_headers[name] = value
        return req_headers

    def _client(self, target: _Target, verify: Union[bool, str], retry: Retry, method: str) -> Any:
        policy, policy_key = retry._core_policy_and_key(method)
        key = (target.origin, verify, policy_key)
        client = self._clients.get(key)  # a dict lookup is atomic: no lock to find one
        if client is not None:
            return client
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                try:
                    client = _NativeClient(
                        target.origin, verify=verify, timeout=None, connect_timeout=None
                    )
                except _errors.InvalidArgumentError as e:
                    if "CA" in str(e) or "certificate" in str(e).lower():
                        raise SSLError(str(e)) from e  # an unusable CA bundle, as requests
                    raise InvalidURL(str(e)) from e
                except _errors.Error as e:
                    raise SSLError(str(e)) from e
                try:
                    client._set_retry(**policy)
                except _errors.Error as e:
                    raise ValueError(f"this Retry cannot be applied: {e}") from e
                self._clients[key] = client
            return client

    def _build_response(
        self,
        native: _NativeResponse,
        prepared: PreparedRequest,
        target: _Target,
        elapsed: datetime.timedelta,
    ) -> Response:
        r = Response()
        status = native.status
        r.status_code = status
        r.reason = _reason(status)
        # A new plain dict whose names are lower case: looked up directly, and made into the
        # CaseInsensitiveDict of r.headers only if the script reads them.
        headers = native.headers
        r._headers_cell = {"source": headers}
        r._content = _decode_body(native.content, headers.get("content-encoding"))
        r.encoding = _encoding_from_headers(headers)
        r.url = prepared.url
        r.request = prepared
        r.elapsed = elapsed
        r.attempts = native.attempts
        if "set-cookie" in headers:
            set_cookies = [v for k, v in native.raw_headers if k == "set-cookie"]
            r.cookies._extract(set_cookies, target.host, target.path)
            if not isinstance(self.cookies, CookieJar):
                self.cookies = _as_jar(self.cookies)
            self.cookies._extract(set_cookies, target.host, target.path)
        return r


def _cookies_need_no_merge(session_cookies: Any, cookies: Any) -> bool:
    """Whether merging the session's jar and a request's ``cookies`` would give the session's
    cookies alone (``cookies`` None or empty) or the request's alone (a dict of str to str
    with the session's jar empty), with no error possible on the way."""
    if type(session_cookies) is not CookieJar:
        return False
    if cookies is None:
        return True
    if type(cookies) is not dict:
        return False
    if not cookies:
        return True
    if session_cookies._cookies:
        return False
    for name, value in cookies.items():
        if type(name) is not str or type(value) is not str:
            return False
    return True


def _as_jar(cookies: Any) -> CookieJar:
    jar = CookieJar()
    if cookies is not None:
        jar.update(cookies)
    return jar


def _merge_hooks(request_hooks: Any, session_hooks: Any) -> Dict[str, Any]:
    """requests' ``merge_hooks``."""
    if session_hooks is None or session_hooks.get("response") == []:
        return dict(request_hooks or {})
    if request_hooks is None or request_hooks.get("response") == []:
        return dict(session_hooks)
    return dict(_merge_setting(request_hooks, session_hooks))


def _hook_list(hooks: Any) -> List[Callable[..., Any]]:
    if hooks is None:
        return []
    if callable(hooks):
        return [hooks]
    return list(hooks)


def _pool(target: _Target) -> str:
    """urllib3's name of the connection pool, as it starts its messages."""
    pool = "HTTPSConnectionPool" if target.scheme == "https" else "HTTPConnectionPool"
    port = target.port or (443 if target.scheme == "https" else 80)
    return f"{pool}(host={target.host!r}, port={port})"


def _max_retries_message(target: _Target, reason: str) -> str:
    path = target.path + (f"?{target.query}" if target.query else "")
    return f"{_pool(target)}: Max retries exceeded with url: {path} (Caused by {reason})"


def _is_connect_phase(message: str) -> bool:
    return "connecting" in message or "resolving" in message


def _map_error(
    exc: _errors.Error,
    request: PreparedRequest,
    retry: Retry,
    method: str,
    target: _Target,
    read_timeout: Optional[float],
) -> RequestException:
    """The requests exception for a native error (see the module docs)."""
    msg = str(exc)
    if isinstance(exc, _errors.TLSError):
        return SSLError(msg, request=request)
    if isinstance(exc, _errors.TimeoutError):
        if _is_connect_phase(msg):
            return ConnectTimeout(msg, request=request)
        if retry._reraises_read_error(method):
            return ReadTimeout(
                f"{_pool(target)}: Read timed out. (read timeout={read_timeout}; {msg})",
                request=request,
            )
        return ConnectionError(
            _max_retries_message(target, f"ReadTimeoutError({msg!r})"), request=request
        )
    if isinstance(exc, _errors.RetryError):
        if exc.last_status is not None:
            return RetryError(
                _max_retries_message(
                    target, f"ResponseError('too many {exc.last_status} error responses')"
                ),
                request=request,
            )
        if _is_connect_phase(msg) and "timed out" in msg.lower():
            return ConnectTimeout(_max_retries_message(target, repr(msg)), request=request)
        return ConnectionError(_max_retries_message(target, repr(msg)), request=request)
    if isinstance(exc, _errors.ConnectionError):
        return ConnectionError(msg, request=request)
    if isinstance(exc, _errors.DecodeError):
        return ResponseTooLarge(msg, request=request)
    if isinstance(exc, _errors.InvalidArgumentError):
        if "header" in msg.lower():
            return InvalidHeader(msg, request=request)
        return InvalidURL(msg, request=request)
    return ConnectionError(msg, request=request)


def session() -> Session:
    """A new :class:`Session` (requests' deprecated spelling)."""
    return Session()
