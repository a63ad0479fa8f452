"""The cookie jar (requests' ``RequestsCookieJar``, ``requests.cookies``): storing the cookies
of ``Set-Cookie`` answers and choosing those a request sends."""

from __future__ import annotations

import http.cookiejar
import ipaddress
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from http.cookiejar import http2time as _http2time  # type: ignore[attr-defined]
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple

from .exceptions import CookieConflictError

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from ._prepare import _Target

__all__ = ["Cookie", "CookieJar", "RequestsCookieJar"]


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
# The cookies of a request, and those of an answer
# --------------------------------------------------------------------------------------------


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


def _request_cookie_header(session_jar: Any, cookies: Any, target: "_Target") -> Optional[str]:
    """The Cookie header a request gets from the session's jar and its own ``cookies``:
    requests' ``merge_cookies`` into a new jar, then that jar's header for the URL.

    When the merged jar would hold the session's cookies alone, or the request's plain ones
    alone (:func:`_cookies_need_no_merge`), the header is computed without building it;
    tests/test_compat_properties.py checks that this gives what :func:`_merged_cookie_header`
    gives."""
    if _cookies_need_no_merge(session_jar, cookies):
        if cookies:
            # Cookies set from a dict match every host and path, in dict order.
            return "; ".join([f"{name}={value}" for name, value in cookies.items()])
        header: Optional[str] = session_jar._header_for(target.scheme, target.host, target.path)
        return header
    return _merged_cookie_header(session_jar, cookies, target)


def _merged_cookie_header(session_jar: Any, cookies: Any, target: "_Target") -> Optional[str]:
    """The general way of :func:`_request_cookie_header`: the merged jar, built."""
    jar = CookieJar()
    jar.update(session_jar if session_jar is not None else {})
    if cookies is not None:
        jar.update(cookies)
    return jar._header_for(target.scheme, target.host, target.path)


def _set_cookie_values(raw_headers: Sequence[Tuple[str, str]]) -> List[str]:
    """The values of the ``Set-Cookie`` headers of an answer (names in lower case)."""
    return [v for k, v in raw_headers if k == "set-cookie"]
