"""requests' ``Session`` (``requests.sessions``): adapters mounted by URL prefix, the settings
merged into each request, and :meth:`Session.request` as a sequence of named steps — refuse
what cannot be honoured, prepare, choose the adapter, add the cookies, settle ``verify`` and
the proxy, send, run the hooks.

Every request takes these steps, whatever it repeats of the one before. Between requests a
session keeps only its native clients (one per origin, TLS setting, retry policy, proxy and
pins, so that connections are reused), memos of pure computations (its headers once validated,
until they change; each str URL parsed) and what it reads of the environment once per origin
(the .netrc check and the proxies: see ``Session._verify_for`` and ``Session._proxy_for``)."""

from __future__ import annotations

import os
import threading
import time
import warnings
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

from .. import _errors
from .._native import __version__
from ._environment import (
    _env_ca_bundle,
    _environment_proxies,
    _refuse_netrc_credentials,
)
from ._prepare import (
    _EMPTY_PARAMS_TYPES,
    _body_bytes,
    _HeaderMemo,
    _hook_list,
    _merge_headers,
    _merge_hooks,
    _merge_setting,
    _parse_timeout,
    _prepare_url,
    _Target,
)
from .adapters import (
    HTTPAdapter,
    _build_response,
    _map_error,
    _max_retries_message,
    _new_client,
)
from .cookies import CookieJar, _as_jar, _request_cookie_header
from .exceptions import (
    BareSchemeMountWarning,
    DcimanagerCompatWarning,
    InsecureRequestWarning,
    InvalidSchema,
    RetryError,
    _unsupported,
)
from .models import PreparedRequest, Response
from .retry import Retry, _suspension_retry
from .structures import CaseInsensitiveDict, _memo_put

__all__ = ["Session", "session"]

#: The prefixes that :meth:`Session.mount` takes as the scheme they name (see there).
_BARE_SCHEMES = {"http": "http://", "https": "https://"}


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

    ``Session()`` mounts an :class:`HTTPAdapter` on ``"https://"`` and ``"http://"`` whose
    :class:`Retry` is the platform's 503 policy (up to 10 retries of GET, POST and DELETE on
    503, backoff factor 0.01; nothing else retried, the last 503 returned when they run out)
    — requests' default adapters retry nothing. :meth:`mount` and :meth:`get_adapter` select
    adapters as requests does, except that a bare ``"http"`` or ``"https"`` prefix is taken as
    ``"http://"`` / ``"https://"`` (see :meth:`mount`). Attributes: ``headers``
    (:class:`CaseInsensitiveDict`), ``cookies`` (:class:`CookieJar`, updated from
    ``Set-Cookie``), ``verify`` (True, False or the path of a CA bundle), ``params``,
    ``hooks`` (``{"response": [...]}``, called as requests does), ``trust_env``, ``proxies``
    (as requests: ``{"https": "http://user:pass@proxy:3128", "all": "socks5h://..."}``);
    ``pinned_pubkey`` (this package's: ``"sha256//<base64>"``, curl's format, see the package
    docs); ``auth`` and ``cert`` must stay empty (NotImplementedError otherwise). ``stream``
    must stay False; ``max_redirects`` is kept for compatibility (redirects are not followed).
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
        "pinned_pubkey",
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
        #: The server's public key pins (curl's "sha256//<base64>;..."), or None.
        self.pinned_pubkey: Optional[str] = None
        self.cookies: Any = CookieJar()
        self.adapters: "OrderedDict[str, HTTPAdapter]" = OrderedDict()
        self._clients: Dict[Tuple[Any, ...], Any] = {}
        #: The origins whose .netrc entries were looked up (see _verify_for), and the
        #: proxies the environment names for each (see _proxy_for).
        self._environment_checked: set[str] = set()
        self._environment_proxies: Dict[str, Dict[str, str]] = {}
        self._bundles_checked: set[str] = set()
        self._lock = threading.Lock()
        #: Whether the note of a bare-scheme mount was given (once per session).
        self._bare_scheme_noted = False
        # Memos of pure computations, kept per session so that the tokens and keys found in
        # headers and URLs live no longer than the session that was given them:
        self._header_memo = _HeaderMemo()
        #: _prepare_url's result for the str URLs requested without params.
        self._url_memo: Dict[str, Tuple[str, Optional[_Target]]] = {}
        self.mount("https://", HTTPAdapter(max_retries=_suspension_retry()))
        self.mount("http://", HTTPAdapter(max_retries=_suspension_retry()))

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
        self._environment_proxies.clear()
        self._header_memo.clear()
        self._url_memo.clear()

    # -- adapters
    def mount(self, prefix: str, adapter: HTTPAdapter) -> None:
        """Registers an adapter for URLs starting with ``prefix`` (case-insensitive); longer
        prefixes are kept first, as in requests.

        A bare scheme, ``"http"`` or ``"https"`` (any case), is taken as ``"http://"`` or
        ``"https://"``: the adapter replaces the default one of that scheme, as the platform's
        example means it to. requests would keep it behind its default adapters, where it
        never applies; a :class:`BareSchemeMountWarning` says so, on the first such mount of
        the session. Warns with :class:`DcimanagerCompatWarning` when an adapter can never be
        selected because an earlier prefix matches every URL it would match (e.g.
        ``"https:"`` behind the default ``"https://"``)."""
        if not isinstance(adapter, HTTPAdapter):
            raise TypeError(
                f"mount() takes a dcimanager.compat.HTTPAdapter, not {type(adapter).__module__}."
                f"{type(adapter).__qualname__}: requests' adapters cannot send through the core"
            )
        scheme_prefix = _BARE_SCHEMES.get(prefix.lower()) if isinstance(prefix, str) else None
        if scheme_prefix is not None:
            if not self._bare_scheme_noted:
                self._bare_scheme_noted = True
                warnings.warn(
                    f"mount({prefix!r}) is taken as mount({scheme_prefix!r}), as is every "
                    "bare-scheme mount of this session (noted once); requests would have "
                    f"ignored it: its default {scheme_prefix!r} adapter matches first",
                    BareSchemeMountWarning,
                    stacklevel=2,
                )
            prefix = scheme_prefix
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
        """Sends a GET request (``allow_redirects`` defaults to True); takes the keywords of
        :meth:`request`."""
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
        pinned_pubkey: Optional[str] = None,
    ) -> Response:
        """Sends a request with requests' arguments and returns a :class:`Response`.

        ``params`` (merged with ``Session.params`` and the URL's query), ``data`` (a dict or
        pairs are form-encoded; str or bytes sent as is), ``json`` (used when ``data`` is
        empty), ``headers`` (over ``Session.headers``; None removes one), ``cookies`` (with
        the session's, into one Cookie header), ``timeout`` (None, seconds, or ``(connect,
        read)``: see the package docs), ``verify`` (over ``Session.verify``), ``hooks``
        (``{"response": callables}``), ``proxies`` (over the environment's, over
        ``Session.proxies``, as requests merges them), and this package's ``pinned_pubkey``
        (over ``Session.pinned_pubkey``: curl's ``"sha256//<base64>"``). Refused with
        NotImplementedError: ``files``, ``auth`` (and .netrc credentials from the
        environment), ``stream=True``, ``cert``.
        """
        merged_proxies = self._refuse_unsupported(files, auth, stream, cert, proxies)
        prepared, target = self._prepare(method, url, params, data, headers, json)
        adapter = self.get_adapter(prepared.url)
        if target is None:  # pragma: no cover - get_adapter raised for non-HTTP URLs
            raise InvalidSchema(f"No connection adapters were found for {prepared.url!r}")
        # The session's cookies, then the request's, into one header (unless one is given).
        cookie_header = _request_cookie_header(self.cookies, cookies, target)
        if cookie_header is not None and "cookie" not in prepared.headers._store:
            prepared.headers["Cookie"] = cookie_header
        verify = self._verify_for(target, verify)
        proxy = self._proxy_for(target, proxies)
        if pinned_pubkey is None:
            pinned_pubkey = self.pinned_pubkey
        response = self._send(prepared, target, adapter, verify, timeout, proxy, pinned_pubkey)

        session_hooks = self.hooks
        if hooks is not None or type(session_hooks) is not dict:
            response = self._dispatch_hooks(response, hooks, timeout, verify, merged_proxies)
        else:
            response_hooks = session_hooks.get("response")
            if response_hooks is not None and (type(response_hooks) is not list or response_hooks):
                response = self._dispatch_hooks(response, hooks, timeout, verify, merged_proxies)

        if allow_redirects and response.is_redirect:
            warnings.warn(
                f"{response.status_code} redirect to {response.headers.get('location')!r} "
                "returned as is: dcimanager.compat never follows redirects (requests would "
                "have); pass allow_redirects=False to silence this",
                DcimanagerCompatWarning,
                stacklevel=3,  # the script's call of get() or another verb
            )
        return response

    # -- the steps of request()
    def _refuse_unsupported(
        self, files: Any, auth: Any, stream: Optional[bool], cert: Any, proxies: Any
    ) -> Mapping[str, Any]:
        """Raises NotImplementedError for an argument (or session setting) this package
        cannot honour: refused, never ignored. Returns the request's proxies merged with the
        session's, for the hooks (requests passes them the merged setting)."""
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
        # (_merge_setting(None, x) is x, spelled out for the common None)
        return (self.proxies if proxies is None else _merge_setting(proxies, self.proxies)) or {}

    def _prepare(
        self,
        method: Union[str, bytes],
        url: Any,
        params: Any,
        data: Any,
        headers: Optional[Mapping[str, Any]],
        json: Any,
    ) -> Tuple[PreparedRequest, Optional[_Target]]:
        """requests' ``prepare_request``: the method, the URL with the merged params, the
        merged headers and the body (the cookies are added once the adapter is known). The
        target is None for a URL that is not HTTP (``get_adapter`` refuses it)."""
        method_s = (method.decode("ascii") if isinstance(method, bytes) else str(method)).upper()
        merged_params = self.params if params is None else _merge_setting(params, self.params)
        full_url, target = self._prepared_url(url, merged_params)
        req_headers = _merge_headers(self.headers, headers, self._header_memo)
        if data is None and json is None:
            body, content_type = None, None  # what _body_bytes gives for them
        else:
            body, content_type = _body_bytes(data, None, json)
        if content_type and "content-type" not in req_headers._store:
            req_headers["Content-Type"] = content_type
        return PreparedRequest(method_s, full_url, req_headers, body), target

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

    def _verify_for(self, target: _Target, verify: Union[bool, str, None]) -> Union[bool, str]:
        """The ``verify`` of a request: its own, else the environment's CA bundle (with
        ``trust_env``), else the session's — requests' ``merge_environment_settings``. With
        ``trust_env``, .netrc credentials are looked up once per origin and session
        (requests re-reads them on every request: two stat calls that dominated the cost of a
        request here) and refused."""
        if self.trust_env:
            if target.origin not in self._environment_checked:
                _refuse_netrc_credentials(target)
                self._environment_checked.add(target.origin)
            if verify is True or verify is None:
                verify = _env_ca_bundle() or verify
        if verify is None:
            verify = self.verify  # (what _merge_setting(None, self.verify) gives)
        elif type(verify) not in (bool, str):
            verify = _merge_setting(verify, self.verify)  # (a bool or str given wins as is)
        if verify is None:
            return True
        if isinstance(verify, bool):
            return verify
        verify = os.fspath(verify)
        if target.scheme == "https" and verify not in self._bundles_checked:
            if os.path.isdir(verify):
                _unsupported("verify=<a directory>", "give the path of a CA bundle file")
            if not os.path.exists(verify):
                raise OSError(
                    f"Could not find a suitable TLS CA certificate bundle, invalid path: {verify}"
                )
            self._bundles_checked.add(verify)
        return verify

    def _proxy_for(self, target: _Target, proxies: Optional[Mapping[str, Any]]) -> Optional[str]:
        """The proxy of a request, as requests chooses it: the request's ``proxies``, then
        (with ``trust_env``) the environment's unless ``no_proxy`` exempts the host, then
        ``Session.proxies`` (``merge_environment_settings``), looked up by ``select_proxy``'s
        keys: ``"scheme://host"``, ``"scheme"``, ``"all://host"``, ``"all"``. The
        environment's are read once per origin and session (requests reads them on every
        request), unless the request's ``proxies`` carry their own ``no_proxy``."""
        merged: Dict[str, Any] = dict(proxies) if proxies else {}
        if self.trust_env:
            no_proxy = merged.get("no_proxy")
            if no_proxy is None:
                env = self._environment_proxies.get(target.origin)
                if env is None:
                    env = _environment_proxies(target)
                    _memo_put(self._environment_proxies, target.origin, env)
            else:
                env = _environment_proxies(target, no_proxy)
            for key, value in env.items():
                merged.setdefault(key, value)
        session_proxies = self.proxies
        if session_proxies:
            merged = _merge_setting(merged, session_proxies) if merged else dict(session_proxies)
        if not merged:
            return None
        scheme, host = target.scheme, target.host
        for key in (f"{scheme}://{host}", scheme, f"all://{host}", "all"):
            if key in merged:
                return merged[key] or None
        return None

    def _send(
        self,
        prepared: PreparedRequest,
        target: _Target,
        adapter: HTTPAdapter,
        verify: Union[bool, str],
        timeout: Any,
        proxy: Optional[str] = None,
        pinned_pubkey: Optional[str] = None,
    ) -> Response:
        """Sends the prepared request through the native client of its origin, TLS setting,
        retry policy, proxy and pins, and builds the :class:`Response` (requests'
        ``HTTPAdapter.send`` and the cookie extraction of ``Session.send``): the RetryError of
        503s that outlasted the retries when the Retry raises on them; the cookies the answer
        sets go to the session's jar."""
        connect_timeout, read_timeout = _parse_timeout(timeout)
        method = prepared.method
        retry = adapter._retry()
        https = target.scheme == "https"
        client = self._client(
            target, verify if https else True, retry, method, proxy, pinned_pubkey if https else None
        )
        if https and verify is False and not pinned_pubkey:
            warnings.warn(
                f"Unverified HTTPS request is being made to host '{target.host}'. Adding "
                "certificate verification is strongly advised.",
                InsecureRequestWarning,
                stacklevel=4,
            )

        req_headers = prepared.headers
        wire_headers = list(req_headers._store.values())  # (name as given, value) pairs
        body = prepared.body
        if body is None and method not in ("GET", "HEAD"):
            body = b""  # requests sends "Content-Length: 0" then; so does the core
            if "content-length" not in req_headers._store:
                req_headers["Content-Length"] = "0"
        elif body:
            req_headers.setdefault("Content-Length", str(len(body)))
        started = time.perf_counter()
        try:
            native = client._request_raw(
                method, target.send_url, wire_headers, body, read_timeout, connect_timeout
            )
        except _errors.Error as exc:
            raise _map_error(
                exc, prepared, retry, method, target, read_timeout, proxy is not None
            ) from exc
        elapsed = time.perf_counter() - started
        if native.retries_exhausted and retry.raise_on_status:
            raise RetryError(
                _max_retries_message(
                    target, f"ResponseError('too many {native.status} error responses')"
                ),
                request=prepared,
            )
        response, set_cookies = _build_response(native, prepared, target, elapsed)
        if set_cookies is not None:
            if not isinstance(self.cookies, CookieJar):
                self.cookies = _as_jar(self.cookies)
            self.cookies._extract(set_cookies, target.host, target.path)
        return response

    def _dispatch_hooks(
        self,
        response: Response,
        hooks: Optional[Mapping[str, Any]],
        timeout: Any,
        verify: Union[bool, str],
        proxies: Mapping[str, Any],
    ) -> Response:
        """Calls the response hooks of the request merged with the session's (requests'
        ``merge_hooks`` and ``dispatch_hook``); a hook's non-None result replaces the
        response."""
        session_hooks = self.hooks
        if hooks is None and type(session_hooks) is dict:
            response_hooks = _hook_list(session_hooks.get("response"))  # what merging gives
        else:
            response_hooks = _hook_list(_merge_hooks(hooks, session_hooks).get("response"))
        for hook in response_hooks:
            result = hook(
                response, timeout=timeout, verify=verify, proxies=proxies, stream=False, cert=None
            )
            if result is not None:
                response = result
        return response

    def _client(
        self,
        target: _Target,
        verify: Union[bool, str],
        retry: Retry,
        method: str,
        proxy: Optional[str] = None,
        pinned_pubkey: Optional[str] = None,
    ) -> Any:
        """The session's native client for this origin, TLS setting, retry policy, proxy and
        pins, created on first use."""
        policy, policy_key = retry._core_policy_and_key(method)
        key = (target.origin, verify, policy_key, proxy, pinned_pubkey)
        client = self._clients.get(key)  # a dict lookup is atomic: no lock to find one
        if client is not None:
            return client
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = _new_client(target.origin, verify, policy, proxy, pinned_pubkey)
                self._clients[key] = client
            return client


def session() -> Session:
    """A new :class:`Session` (requests' deprecated spelling)."""
    return Session()
