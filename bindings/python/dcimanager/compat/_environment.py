"""What requests takes from the environment when ``Session.trust_env`` is on
(``requests.utils.get_environ_proxies``, ``get_netrc_auth`` and the CA bundle variables of
``Session.merge_environment_settings``): the CA bundle and the proxies are used; ``.netrc``
credentials, which the core cannot honour, are refused."""

from __future__ import annotations

import ipaddress
import netrc as _netrc
import os
import urllib.request
from typing import Any, Dict, Optional, Tuple

from ._prepare import _Target
from .exceptions import _unsupported

#: The variables naming the CA bundle requests would use, in its order.
_CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


def _env_ca_bundle() -> Optional[str]:
    """The CA bundle the environment names (``REQUESTS_CA_BUNDLE``, else ``CURL_CA_BUNDLE``),
    or None. Read on every request, as requests does."""
    environ = os.environ
    if environ is _ENVIRON and _ENVIRON_DATA is not None:
        # os.environ's own dict of encoded names: two dict lookups instead of two calls of
        # Mapping.get, each raising and catching a KeyError (a good part of a request's cost).
        for key in _CA_BUNDLE_KEYS:
            raw = _ENVIRON_DATA.get(key)
            if raw:
                return str(environ.decodevalue(raw))
        return None
    return environ.get(_CA_BUNDLE_VARIABLES[0]) or environ.get(_CA_BUNDLE_VARIABLES[1]) or None


def _environ_data() -> Tuple[Any, Optional[dict[Any, Any]], Tuple[Any, ...]]:
    """``os.environ``, the dict it keeps its encoded entries in (None where it has no such
    dict), and the encoded names of :data:`_CA_BUNDLE_VARIABLES`."""
    environ = os.environ
    data = getattr(environ, "_data", None)
    encodekey = getattr(environ, "encodekey", None)
    if type(data) is not dict or encodekey is None or not hasattr(environ, "decodevalue"):
        return environ, None, ()
    return environ, data, tuple(encodekey(name) for name in _CA_BUNDLE_VARIABLES)


_ENVIRON, _ENVIRON_DATA, _CA_BUNDLE_KEYS = _environ_data()


def _refuse_netrc_credentials(target: _Target) -> None:
    """Raises NotImplementedError when requests would take ``.netrc`` credentials from the
    environment for this URL."""
    netrc_file = _netrc_has(target.host)
    if netrc_file:
        _unsupported(
            f"auth (from {netrc_file} for {target.host})",
            "requests would send those credentials as Basic auth; set Session.trust_env = False",
        )


def _environment_proxies(t: _Target, no_proxy: Optional[str] = None) -> Dict[str, str]:
    """requests' ``get_environ_proxies``: the proxies the environment names (``https_proxy``,
    ``all_proxy``..., by urllib's rules: lower case first, ``HTTP_PROXY`` ignored in a CGI
    request), or none when the URL's host is in ``no_proxy`` (given, else the environment's
    ``no_proxy``/``NO_PROXY``)."""
    if no_proxy is None:
        no_proxy = os.environ.get("no_proxy") or os.environ.get("NO_PROXY") or ""
    if _bypassed(t, no_proxy):
        return {}
    return urllib.request.getproxies_environment()


def _bypassed(t: _Target, no_proxy: str) -> bool:
    """requests' ``should_bypass_proxies`` for a no_proxy list: ``*``, a host or a domain
    (its subdomains too), ``host:port``, or an IP network for an IP address."""
    hosts = [h for h in no_proxy.replace(" ", "").split(",") if h]
    if "*" in hosts:
        return True
    try:
        ip = ipaddress.ip_address(t.host)
    except ValueError:
        ip = None
    host_port = t.host + (f":{t.port}" if t.port else "")
    for h in hosts:
        if ip is not None:
            try:
                if ip in ipaddress.ip_network(h, strict=False):
                    return True
            except ValueError:
                pass
        h = h.lstrip(".")
        if t.host == h or host_port == h or t.host.endswith("." + h) or host_port.endswith("." + h):
            return True
    return False


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
