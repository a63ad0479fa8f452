"""``CaseInsensitiveDict``: the mapping of :attr:`dcimanager.Response.headers`."""

from __future__ import annotations

from typing import Any, Dict, Iterable, Iterator, Mapping, MutableMapping, Optional, Tuple, TypeVar, Union, overload

__all__ = ["CaseInsensitiveDict"]

_VT = TypeVar("_VT")
_T = TypeVar("_T")


class CaseInsensitiveDict(MutableMapping[str, _VT]):
    """A dict whose str keys are found whatever their case, as requests'
    ``requests.structures.CaseInsensitiveDict``: ``h["content-type"]``,
    ``h["Content-Type"]`` and ``"CONTENT-TYPE" in h`` all find the same entry. Iteration
    gives each key as it was last set (the headers of a :class:`dcimanager.Response` are
    in lower case); ``lower_items()`` gives the keys in lower case. Equal to any mapping with
    the same keys, whatever their case, and the same values.
    """

    # _store: {lower-case key: value}; _names: {lower-case key: the key as set} for the keys
    # set in another case (None while there is none: a Response's headers are made with
    # _store alone, a plain dict, by the native module).
    __slots__ = ("_store", "_names")

    _store: Dict[Any, _VT]
    _names: Optional[Dict[Any, str]]

    def __init__(
        self,
        data: Union[Mapping[str, _VT], Iterable[Tuple[str, _VT]], None] = None,
        **kwargs: _VT,
    ) -> None:
        self._store = {}
        self._names = None
        self.update({} if data is None else data, **kwargs)

    def __setitem__(self, key: str, value: _VT) -> None:
        lower = key.lower()
        self._store[lower] = value
        if key != lower:
            if self._names is None:
                self._names = {}
            self._names[lower] = key
        elif self._names:
            self._names.pop(lower, None)

    def __getitem__(self, key: str) -> _VT:
        return self._store[key.lower() if isinstance(key, str) else key]

    def __delitem__(self, key: str) -> None:
        lower = key.lower() if isinstance(key, str) else key
        del self._store[lower]
        if self._names:
            self._names.pop(lower, None)

    def __iter__(self) -> Iterator[str]:
        names = self._names
        if not names:
            return iter(self._store)
        return (names.get(lower, lower) for lower in self._store)

    def __len__(self) -> int:
        return len(self._store)

    def __contains__(self, key: object) -> bool:
        return (key.lower() if isinstance(key, str) else key) in self._store

    @overload
    def get(self, key: str) -> Optional[_VT]: ...
    @overload
    def get(self, key: str, default: Union[_VT, _T]) -> Union[_VT, _T]: ...
    def get(self, key: str, default: Any = None) -> Any:
        """The value of ``key`` (any case), or ``default``."""
        return self._store.get(key.lower() if isinstance(key, str) else key, default)

    def lower_items(self) -> Iterator[Tuple[str, _VT]]:
        """(lower-case key, value) pairs."""
        return iter(self._store.items())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        theirs = other if isinstance(other, CaseInsensitiveDict) else CaseInsensitiveDict(other)
        return self._store == theirs._store

    def copy(self) -> CaseInsensitiveDict[_VT]:
        """A shallow copy."""
        return CaseInsensitiveDict(self.items())

    def __repr__(self) -> str:
        return repr(dict(self.items()))
