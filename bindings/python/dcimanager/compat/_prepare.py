"""Preparing a request by requests' rules (``requests.models.PreparedRequest.prepare_*`` and
``requests.sessions.merge_setting``): the URL and its params, the headers of the session and
of the request, the body, the timeout and the hooks."""

from __future__ import annotations

import json as _json
import math
import re
import urllib.parse
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any, Callable, Dict, List, Optional, Tuple

from .exceptions import InvalidHeader, InvalidJSONError, InvalidURL, MissingSchema, _unsupported
from .structures import CaseInsensitiveDict, _memo_add

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


#: The empty params for which Session memoizes _prepare_url (each encodes to nothing).
_EMPTY_PARAMS_TYPES = (dict, OrderedDict, list, tuple, str)


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
    """requests' header validation, plus the ASCII rule of this package. A pair of str that
    passes is returned as is."""
    if (
        type(name) is str
        and type(value) is str
        and _HEADER_NAME_RE.match(name)
        and _HEADER_VALUE_RE.match(value)
        and name.isascii()
        and value.isascii()
    ):
        return name, value  # valid: what _check_header_parts would return, without its steps
    return _check_header_parts(name, value)


def _check_header_parts(name: Any, value: Any) -> Tuple[str, str]:
    """The general way of :func:`_check_header`: each part decoded and checked in turn
    (tests/test_compat_properties.py checks that both agree)."""
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


# --------------------------------------------------------------------------------------------
# Headers: the session's, then the request's
# --------------------------------------------------------------------------------------------


class _HeaderMemo:
    """What a session remembers of the headers it has validated, so that the headers of a
    request are not validated again each time. Kept per session, so that the tokens found in
    headers live no longer than the session that was given them."""

    __slots__ = ("session", "valid_pairs")

    def __init__(self) -> None:
        #: (headers object, its _version, its validated store): see _valid_session_headers.
        self.session: Optional[Tuple[Any, int, Dict[str, Tuple[str, str]]]] = None
        #: header (name, value) pairs of str that _check_header accepted.
        self.valid_pairs: "set[Tuple[str, str]]" = set()

    def clear(self) -> None:
        """Forgets everything."""
        self.session = None
        self.valid_pairs.clear()


def _valid_session_headers(headers: Any, memo: _HeaderMemo) -> Optional[Dict[str, Tuple[str, str]]]:
    """The store (lower-case name -> (name, value)) of a session's ``headers`` when they are a
    :class:`CaseInsensitiveDict` whose every header is a str pair that :func:`_check_header`
    accepts, else None. Validated once per change of the headers (their ``_version``), not on
    every request."""
    if type(headers) is not CaseInsensitiveDict:
        return None
    known = memo.session
    version = headers._version
    if known is not None and known[0] is headers and known[1] == version:
        return known[2]
    store = headers._store
    for name, value in store.values():
        if type(name) is not str or type(value) is not str:
            return None
        try:
            _check_header(name, value)
        except (InvalidHeader, NotImplementedError):
            return None  # the request may remove it; the general path sorts it out
    valid = dict(store)
    memo.session = (headers, version, valid)
    return valid


def _merge_headers(
    session_headers: Any, headers: Optional[Mapping[str, Any]], memo: _HeaderMemo
) -> CaseInsensitiveDict[str]:
    """The headers of a request: the session's, then the request's (a value of None removes
    one), each pair checked by :func:`_check_header` — requests' ``merge_setting`` then
    ``prepare_headers``.

    The common case (the session's headers known valid, the request's a dict) is merged
    straight into the store of the result; anything else goes the general way,
    :func:`_merge_headers_general`. tests/test_compat_properties.py checks that both give
    the same headers, or the same error."""
    base = _valid_session_headers(session_headers, memo)
    if base is not None and (headers is None or type(headers) is dict):
        # The session's headers are known valid, and a request's str names keep the case given.
        store = base.copy()
        valid_pairs = memo.valid_pairs
        removes = False
        unchecked = False  # whether a pair of the request is not known to be valid
        for name, value in headers.items() if headers else ():
            if type(name) is not str:
                break  # a bytes name is decoded: the general way
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
    return _merge_headers_general(session_headers, headers)


def _merge_headers_general(
    session_headers: Any, headers: Optional[Mapping[str, Any]]
) -> CaseInsensitiveDict[str]:
    """:func:`_merge_headers` the general way: requests' own steps."""
    merged = _merge_setting(headers, session_headers, dict_class=CaseInsensitiveDict)
    req_headers: CaseInsensitiveDict[str] = CaseInsensitiveDict()
    for k, v in (merged or {}).items():
        name, value = _check_header(k, v)
        req_headers[name] = value
    return req_headers


# --------------------------------------------------------------------------------------------
# Body, timeout, hooks
# --------------------------------------------------------------------------------------------


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


def _merge_hooks(request_hooks: Any, session_hooks: Any) -> Dict[str, Any]:
    """requests' ``merge_hooks``."""
    if session_hooks is None or session_hooks.get("response") == []:
        return dict(request_hooks or {})
    if request_hooks is None or request_hooks.get("response") == []:
        return dict(session_hooks)
    return dict(_merge_setting(request_hooks, session_hooks))


def _hook_list(hooks: Any) -> List[Callable[..., Any]]:
    """The callables of a hooks entry (one callable, a list of them, or None)."""
    if hooks is None:
        return []
    if callable(hooks):
        return [hooks]
    return list(hooks)
