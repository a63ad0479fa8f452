"""urllib3's ``Retry`` (``urllib3.util.retry``), carried to the core's retry engine, and the
platform's 503 policy that a compat ``Session``'s default adapters use."""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Iterable
from typing import Any, Dict, FrozenSet, Optional, Tuple, Union

from .._native import DEFAULTS
from .exceptions import _unsupported
from .structures import _memo_put

__all__ = ["Retry", "DEFAULT_ALLOWED_METHODS"]

#: Retries in all when a Retry's ``total`` is None (no overall limit).
_UNLIMITED = 2**31 - 1
#: Methods retried when ``allowed_methods`` is None or empty (urllib3: "any verb").
_EVERY_METHOD = frozenset(
    ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"]
)
#: Statuses at which requests would follow a redirect.

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

    def _core_policy_and_key(self, method: str) -> Tuple[Dict[str, Any], int]:
        """:meth:`_core_policy` for ``method`` and its number (:func:`_policy_key`, part of
        the key of the session's native clients), cached on the Retry while the attributes the
        policy is computed from are unchanged (they can be changed after the adapter was
        mounted)."""
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


def _policy_key(policy: Dict[str, Any]) -> int:
    """A number that stands for a core policy: equal policies get the same number while the
    memo keeps them (a policy seen again after the memo was emptied gets a new one, which
    only costs the session a new client). A small int keeps the key of the session's native
    clients cheap to hash, request after request."""
    key = tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in sorted(policy.items()))
    number = _POLICY_NUMBERS.get(key)
    if number is None:
        number = next(_POLICY_COUNTER)
        _memo_put(_POLICY_NUMBERS, key, number)
    return number


#: Each core policy met (as an ordered tuple) -> its number (see _policy_key).
_POLICY_NUMBERS: Dict[Tuple[Any, ...], int] = {}
_POLICY_COUNTER = itertools.count()


Retry.DEFAULT = Retry(3)


#: The platform's documented policy for a suspended installation (dcimanager6-api-guide.txt,
#: "How to process code 503"), as the core defines it (dcimanager.DEFAULTS): repeat GET,
#: POST and DELETE up to 10 times on 503, with a backoff factor of 0.01. A 503 means the
#: request was not processed, so a POST is safe to repeat.
SUSPENSION_RETRIES: int = DEFAULTS["retries"]
SUSPENSION_BACKOFF_FACTOR: float = DEFAULTS["backoff_factor"]
SUSPENSION_METHODS = tuple(DEFAULTS["retry_methods"])
SUSPENSION_STATUSES = tuple(DEFAULTS["retry_statuses"])


def _suspension_retry() -> Retry:
    """The :class:`Retry` of a compat ``Session``'s default adapters: the platform's 503
    policy, and otherwise what requests' default adapter does (``Retry(0, read=False)``: a
    connection that fails or a request that fails once sent is not retried). When the 503s
    outlast the retries, the last 503 is returned (``raise_on_status=False``), so that a
    script's ``raise_for_status()`` raises the :class:`HTTPError` it would have met with
    requests."""
    return Retry(
        total=SUSPENSION_RETRIES,
        connect=0,
        read=False,
        allowed_methods=list(SUSPENSION_METHODS),
        status_forcelist=list(SUSPENSION_STATUSES),
        backoff_factor=SUSPENSION_BACKOFF_FACTOR,
        raise_on_status=False,
    )
