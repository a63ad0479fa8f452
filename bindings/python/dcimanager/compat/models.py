"""requests' ``PreparedRequest`` and ``Response`` (``requests.models``), and the reading of an
answer's body: its Content-Encoding, its charset and its status phrase."""

from __future__ import annotations

import codecs
import datetime
import http
import json as _json
import re
import urllib.parse
import zlib
from collections.abc import Iterator, Mapping
from json.decoder import JSONDecoder as _JSONDecoder
from typing import Any, Callable, Dict, List, Optional

from .cookies import CookieJar
from .exceptions import ContentDecodingError, HTTPError, JSONDecodeError
from .structures import CaseInsensitiveDict, _memo_put

__all__ = ["PreparedRequest", "Response"]

#: json.loads as imported (see Response.json).
_JSON_LOADS = _json.loads
_JSON_DECODE = _JSONDecoder.decode
_JSON_RAW_DECODE = _JSONDecoder.raw_decode
#: The whitespace matcher JSONDecoder.decode skips blanks with (its default argument), if
#: it matches the blanks below (None otherwise: see _decode).
_JSON_BLANKS: Any = (getattr(_JSON_DECODE, "__defaults__", None) or (None,))[0]
_JSON_BLANK_CHARS = " \t\n\r"
if getattr(getattr(_JSON_BLANKS, "__self__", None), "pattern", None) != "[ \\t\\n\\r]*":
    _JSON_BLANKS = None


def _decode(text: str) -> Any:
    """``json.loads(text)`` for a str without BOM and no keywords — its default decoder's
    ``decode(text)`` — with JSONDecoder's decode() and raw_decode() inlined while they are
    the stdlib's own; our :class:`JSONDecodeError` for a body that is not JSON. The parsing
    is the stdlib decoder's own scanner's."""
    decoder = _json._default_decoder  # type: ignore[attr-defined]
    try:
        if (
            type(decoder) is _JSONDecoder
            and _JSONDecoder.decode is _JSON_DECODE
            and _JSONDecoder.raw_decode is _JSON_RAW_DECODE
            and _JSON_BLANKS is not None
        ):
            # (the blanks are matched only where there are some: a match costs more than
            # the scan of a small body)
            start = _JSON_BLANKS(text, 0).end() if text[:1] in _JSON_BLANK_CHARS else 0
            try:
                obj, end = decoder.scan_once(text, start)  # type: ignore[attr-defined]
            except StopIteration as err:
                raise _json.JSONDecodeError("Expecting value", text, err.value) from None
            if end != len(text):
                end = _JSON_BLANKS(text, end).end()
                if end != len(text):
                    raise _json.JSONDecodeError("Extra data", text, end)
            return obj
        return decoder.decode(text)
    except _json.JSONDecodeError as e:
        raise JSONDecodeError(e.msg, e.doc, e.pos) from None

#: Statuses at which requests would follow a redirect.
_REDIRECT_STATI = (301, 302, 303, 307, 308)


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

#: A key absent from a dict (see Response._lazy).
_MISSING: Any = object()
#: The attributes of a Response kept in its ``_lazy`` dict.
_LAZY_KEYS = ("headers", "request", "elapsed", "history")


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

    #: The jar of the cookies this answer set, made on first use (most answers set none).
    _cookies: Optional[CookieJar] = None

    def __init__(self) -> None:
        self._content: bytes = b""
        self.status_code: int = 0
        # What ``headers``, ``request``, ``elapsed`` and ``history`` give, made on first read
        # (see _lazy_get): a session's Response is built with only what they are made from.
        self._lazy: Dict[str, Any] = {}
        self.url: str = ""
        self.encoding: Optional[str] = None
        self.reason: str = ""
        self.attempts: int = 1

    # -- the attributes made on first read
    #
    # ``_lazy`` holds, for each of them, either the value ("headers", "request", "elapsed",
    # "history") or what it is made from ("source": the native answer's header dict,
    # "elapsed_s": seconds; a missing "request" is None). It is one dict that a shallow
    # copy of the Response shares, as it would share the attributes themselves; setting one
    # gives the Response a dict of its own, every value made (so that both still share what
    # they shared). dict.setdefault keeps a single value should two threads make it at once.

    def _lazy_get(self, key: str) -> Any:
        lazy = self._lazy
        value = lazy.get(key, _MISSING)
        if value is not _MISSING:
            return value
        if key == "headers":
            made: Any = CaseInsensitiveDict(lazy.get("source"))
        elif key == "request":
            made = None
        elif key == "elapsed":
            seconds = lazy.get("elapsed_s")
            made = _NO_TIME if seconds is None else datetime.timedelta(0, seconds)
        else:  # "history"
            made = []
        return lazy.setdefault(key, made)

    def _lazy_set(self, key: str, value: Any) -> None:
        own = {k: self._lazy_get(k) for k in _LAZY_KEYS}
        own[key] = value
        self._lazy = own

    @property
    def headers(self) -> CaseInsensitiveDict[str]:
        """The headers (:class:`CaseInsensitiveDict`, names in lower case, repeated headers
        joined with ", ")."""
        headers: CaseInsensitiveDict[str] = self._lazy.get("headers", _MISSING)
        if headers is _MISSING:
            headers = self._lazy_get("headers")
        return headers

    @headers.setter
    def headers(self, value: CaseInsensitiveDict[str]) -> None:
        self._lazy_set("headers", value)

    @property
    def request(self) -> Optional[PreparedRequest]:
        """The :class:`PreparedRequest` that was sent."""
        request: Optional[PreparedRequest] = self._lazy_get("request")
        return request

    @request.setter
    def request(self, value: Optional[PreparedRequest]) -> None:
        self._lazy_set("request", value)

    @property
    def elapsed(self) -> datetime.timedelta:
        """The time the call took, retries included."""
        elapsed: datetime.timedelta = self._lazy_get("elapsed")
        return elapsed

    @elapsed.setter
    def elapsed(self, value: datetime.timedelta) -> None:
        self._lazy_set("elapsed", value)

    @property
    def history(self) -> List["Response"]:
        """Always empty (redirects are not followed)."""
        history: List[Response] = self._lazy_get("history")
        return history

    @history.setter
    def history(self, value: List["Response"]) -> None:
        self._lazy_set("history", value)

    @property
    def cookies(self) -> CookieJar:
        """The cookies this answer set (:class:`CookieJar`)."""
        jar = self._cookies
        if jar is None:
            jar = self._cookies = CookieJar()
        return jar

    @cookies.setter
    def cookies(self, value: CookieJar) -> None:
        self._cookies = value

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
        content = self._content
        encoding = self.encoding
        if not encoding:
            if content and len(content) > 3:
                try:
                    return _json.loads(content.decode(_json.detect_encoding(content)), **kwargs)
                except UnicodeDecodeError:
                    pass
                except _json.JSONDecodeError as e:
                    raise JSONDecodeError(e.msg, e.doc, e.pos) from None
        elif not kwargs and type(content) is bytes and content and type(self) is Response:
            # The common case (a charset known, no keywords): what the lines below do, with
            # :attr:`text` inlined and json.loads' own shortcut for no keywords taken here —
            # its default decoder after its BOM check (see _decode) — unless json.loads was
            # replaced. tests/test_compat_properties.py checks both ways agree.
            try:
                text = content.decode(encoding, "replace")
            except (LookupError, TypeError):
                text = str(content, errors="replace")
            if _json.loads is _JSON_LOADS and not text.startswith("\ufeff"):
                return _decode(text)
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
        status = self.status_code
        if type(status) is int and status < 400:
            return  # (what the lines below do for it)
        reason = self.reason
        msg = ""
        if 400 <= status < 500:
            msg = f"{status} Client Error: {reason} for url: {self.url}"
        elif 500 <= status < 600:
            msg = f"{status} Server Error: {reason} for url: {self.url}"
        if msg:
            raise HTTPError(msg, response=self)


# --------------------------------------------------------------------------------------------
# Reading an answer
# --------------------------------------------------------------------------------------------


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


#: The standard phrase of each status http.HTTPStatus knows ("" is given for others).
_REASONS: Dict[int, str] = {s.value: s.phrase for s in http.HTTPStatus}


