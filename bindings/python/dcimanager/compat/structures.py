"""requests' ``CaseInsensitiveDict`` (``requests.structures``), and the small bounded memos
the package keeps of pure computations."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any, Dict, Optional, Tuple, TypeVar

__all__ = ["CaseInsensitiveDict"]

_VT = TypeVar("_VT")


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
# Memos
# --------------------------------------------------------------------------------------------

#: The most entries each memo of this package keeps; a memo that is full is emptied (scripts
#: call a few URLs over and over, and a memo only spares recomputing a pure function).
_MEMO_MAX = 512


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
