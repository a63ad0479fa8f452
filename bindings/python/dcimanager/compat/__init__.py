"""A requests/urllib3-shaped front end whose requests go through dcimanager's Rust core.

Scripts written against ``requests`` + ``urllib3`` — like the platform's own documented example,
which no longer starts on urllib3 2.x because ``Retry(method_whitelist=...)`` was removed —
switch by changing their imports only::

    from dcimanager.compat import Retry, Session, HTTPAdapter

    session = Session()
    session.mount("https", HTTPAdapter(max_retries=Retry(
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

The package mirrors requests and urllib3: ``exceptions`` (the exception classes and this
package's warnings), ``structures`` (:class:`CaseInsensitiveDict`), ``cookies``
(:class:`CookieJar`), ``retry`` (:class:`Retry`), ``adapters`` (:class:`HTTPAdapter`, the native
clients, native errors as requests' exceptions), ``models`` (:class:`PreparedRequest`,
:class:`Response`), ``_prepare`` (URL, headers, body and timeout by requests' rules),
``_environment`` (what ``trust_env`` reads) and ``sessions`` (:class:`Session`). Everything
public is importable from ``dcimanager.compat`` itself.

What follows requests and urllib3 2.x exactly: the adapter selection of ``Session.mount`` and
``Session.get_adapter`` (but for the bare scheme prefixes below); the merging of session and
request headers, params and cookies; the encoding of ``params``, ``data`` and ``json``;
``HTTPAdapter(max_retries=...)``; urllib3's ``Retry`` counters (total, connect, read, status),
``status_forcelist``, ``allowed_methods`` (spelled ``method_whitelist`` too, as urllib3 1.x did),
the backoff schedule and ``raise_on_status``; the environment when ``trust_env`` is on
(``REQUESTS_CA_BUNDLE`` and ``CURL_CA_BUNDLE`` and the proxy variables are used as requests
uses them; ``.netrc`` credentials that requests would use raise NotImplementedError); the response's
attributes; and the exception classes (:class:`ConnectionError`, :class:`SSLError`,
:class:`ProxyError`, :class:`ReadTimeout`, :class:`RetryError`, :class:`HTTPError`...) raised for
the same faults. Proxies too: ``proxies=`` over the environment's (``https_proxy``,
``all_proxy``..., bypassed by ``no_proxy``) over ``Session.proxies``, chosen by requests' keys
(``"https://host"``, ``"https"``, ``"all://host"``, ``"all"``): ``http://[user:pass@]host:port``,
``socks5://`` and ``socks5h://`` proxies, the TLS of an https URL running inside the tunnel.

One addition: ``Session.pinned_pubkey`` and the ``pinned_pubkey=`` keyword of
:meth:`Session.request` pin the server's public key in curl's format (``"sha256//<base64>"``,
learned with :func:`dcimanager.server_pin`): with ``verify`` on the certificate must verify and
match; with ``verify=False`` the pin alone decides (and no InsecureRequestWarning is given).

An argument this package cannot honour raises :class:`NotImplementedError` naming it (``files``,
``auth``, ``stream=True``, ``cert``, ``Retry(redirect=3)``, ``Retry(other=...)``,
``Retry(total=False)``, ``HTTPAdapter(pool_block=True)``...); nothing is silently ignored.

Deliberate differences (each from the platform's needs, the core's design or a safety rule):

- **A mount on a bare scheme applies to that scheme**: ``session.mount("https", adapter)``
  (or ``"http"``, any case) is taken as ``mount("https://", adapter)`` and replaces the default
  adapter of that scheme, as the platform's example means it. In requests the default
  ``"https://"`` adapter is the longer prefix and always wins, so the example's Retry never
  applies and its script dies on the first 503. A :class:`BareSchemeMountWarning` (a
  :class:`DcimanagerCompatWarning`) notes it in one line, once per session, on its first such
  mount; ``session.adapters`` then lists ``"https://"``, not ``"https"``. Other prefixes that
  can never be selected (``"https:"``...) still behave as in requests, with a
  :class:`DcimanagerCompatWarning`.
- **The default adapters survive a suspension**: the adapters a :class:`Session` mounts on
  ``"https://"`` and ``"http://"`` follow the platform's documented 503 policy — up to 10
  retries of GET, POST and DELETE on a 503, backoff factor 0.01 (sleeps of 0, 0.02, 0.04 ...
  5.12 s; ``Retry-After`` honoured) — where requests' retry nothing. A 503 means the platform
  did not process the request, so a POST is repeated too. Everything else is as requests'
  default (``Retry(0, read=False)``): a failed connection or a failure once the request was
  sent is not retried, and when the 503s outlast the retries the last 503 is returned (no
  :class:`RetryError`), so ``raise_for_status()`` raises the :class:`HTTPError` it would with
  requests. ``HTTPAdapter()`` made by a script keeps requests' meaning (no retries).
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
  the system's trust store (requests trusts only the bundle), and a certificate in it is also
  trusted when the server presents exactly it — the platform's self-signed certificate
  (``CA:TRUE``, as ``openssl req -x509`` makes it) verifies, as with requests; a directory is refused with
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
- **Cookies** live in a small jar of this package (:class:`CookieJar`) that matches domain,
  path, ``Secure`` and expiry as ``http.cookiejar`` does for the cases such scripts meet; it is
  not an ``http.cookiejar.CookieJar``.
- ``pool_connections`` and ``pool_maxsize`` are accepted and have no effect on behaviour: the
  core's pool keeps up to 64 idle connections per host and never refuses a request for want of
  one, which is also what urllib3 does with ``pool_block=False``.
"""

from __future__ import annotations

from .adapters import HTTPAdapter
from .cookies import Cookie, CookieJar, RequestsCookieJar
from .exceptions import (
    BareSchemeMountWarning,
    ChunkedEncodingError,
    ConnectionError,
    ConnectTimeout,
    ContentDecodingError,
    CookieConflictError,
    DcimanagerCompatWarning,
    HTTPError,
    InsecureRequestWarning,
    InvalidHeader,
    InvalidJSONError,
    InvalidSchema,
    InvalidURL,
    JSONDecodeError,
    MissingSchema,
    InvalidProxyURL,
    ProxyError,
    ReadTimeout,
    RequestException,
    ResponseTooLarge,
    RetryError,
    SSLError,
    Timeout,
    TooManyRedirects,
    URLRequired,
)
from .models import PreparedRequest, Response
from .retry import DEFAULT_ALLOWED_METHODS, Retry
from .sessions import Session, session
from .structures import CaseInsensitiveDict

__all__ = [
    "Session",
    "session",
    "HTTPAdapter",
    "Retry",
    "DEFAULT_ALLOWED_METHODS",
    "Response",
    "PreparedRequest",
    "CaseInsensitiveDict",
    "CookieJar",
    "RequestsCookieJar",
    "Cookie",
    "DcimanagerCompatWarning",
    "BareSchemeMountWarning",
    "InsecureRequestWarning",
    "RequestException",
    "HTTPError",
    "ConnectionError",
    "InvalidProxyURL",
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
]
