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
from typing import Any, Callable, Dict, List, Optional

from .cookies import CookieJar
from .exceptions import ContentDecodingError, HTTPError, JSONDecodeError
from .structures import CaseInsensitiveDict, _memo_put

__all__ = ["PreparedRequest", "Response"]

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
        # The jar of the cookies this answer set, made on first use (most answers set none).
        self._cookies: Optional[CookieJar] = None
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


#: The standard phrase of each status http.HTTPStatus knows.
_REASONS: Dict[int, str] = {s.value: s.phrase for s in http.HTTPStatus}


def _reason(status: int) -> str:
    """The standard phrase of an HTTP status ("" for one http.HTTPStatus does not know)."""
    return _REASONS.get(status, "")
