"""Header helpers: checking what is sent, reading what came back.

Request headers are a plain ``dict``; response headers are read through
:class:`Headers`, a case-insensitive view over urllib3's header store.
"""

from __future__ import annotations

import operator
import re
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Tuple

from ..exceptions import InvalidArgument

__all__ = ["Headers", "LoweredHeaders", "check_header", "lowered", "response_headers"]


_BAD_NAME = re.compile("[\r\n\0:() \t,;]")
_BAD_VALUE = re.compile("[\r\n\0]")
#: an entry of urllib3's header store is [name as sent, value, more values...]
_SECOND = operator.itemgetter(1)


#: a header value that needs no closer look: printable ASCII (tabs and spaces
#: inside), no whitespace at either end, or empty
_PLAIN_VALUE = re.compile("(?:[!-~](?:[ -~\t]*[!-~])?)?")
#: names already found good (a client sends the same few again and again)
_GOOD_NAMES: set = set()


def check_header(name: str, value: str) -> None:
    """Refuse a header that would split or corrupt the request.

    :raises InvalidArgument: the name or value holds CR, LF or NUL, the
        value starts or ends with whitespace (servers drop it), or the name
        is empty or not a token.
    """
    if name in _GOOD_NAMES and _PLAIN_VALUE.fullmatch(value):
        return
    if not name or _BAD_NAME.search(name):
        raise InvalidArgument(f"invalid header name {name!r}")
    if _BAD_VALUE.search(value):
        raise InvalidArgument(f"header {name!r} has a CR, LF or NUL character in its value")
    if value and (value[0] in " \t" or value[-1] in " \t"):
        raise InvalidArgument(f"header {name!r} has a value that starts or ends with "
                              "whitespace, which HTTP does not keep")
    if not value.isascii():
        try:
            value.encode("latin-1")
        except UnicodeEncodeError:
            raise InvalidArgument(f"header {name!r} has characters HTTP cannot carry "
                                  "(outside Latin-1); encode the value first") from None
    if len(_GOOD_NAMES) < 4096:  # bounded: names made of user data stop being remembered
        _GOOD_NAMES.add(name)


class LoweredHeaders(Dict[str, str]):
    """A plain ``dict`` of response headers keyed by lower-case names, as
    :func:`lowered` returns it (and takes back as it is)."""

    __slots__ = ()


class Headers(Mapping[str, str]):
    """Response headers, case-insensitive, read without copying.

    A view over urllib3's header store (lower-cased name -> original name
    and values): a miss in :meth:`get` costs a dict look-up, where urllib3's
    own mapping raises and catches a KeyError, and :meth:`items` is a
    comprehension instead of urllib3's view object.  Repeated headers read
    as one value joined by ``", "``, as in requests.
    """

    __slots__ = ("_store", "_lowered")

    def __init__(self, store: Dict[str, List[str]]) -> None:
        self._store = store
        self._lowered: Optional[LoweredHeaders] = None

    @staticmethod
    def _value(entry: List[str]) -> str:
        return entry[1] if len(entry) == 2 else ", ".join(entry[1:])

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        """The value of header ``key`` (any case), or ``default``."""
        entry = self._store.get(key.lower())
        if entry is None:
            return default
        return entry[1] if len(entry) == 2 else ", ".join(entry[1:])  # _value, inlined

    def __getitem__(self, key: str) -> str:
        entry = self._store.get(key.lower())
        if entry is None:
            raise KeyError(key)
        return self._value(entry)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._store

    def __iter__(self) -> Iterator[str]:
        return (entry[0] for entry in self._store.values())

    def __len__(self) -> int:
        return len(self._store)

    def items(self) -> List[Tuple[str, str]]:  # type: ignore[override]
        """``(name, value)`` pairs, names as the server spelled them."""
        value = self._value
        return [(entry[0], value(entry)) for entry in self._store.values()]

    def lower_items(self) -> Iterable[Tuple[str, str]]:
        """``(lower-case name, value)`` pairs, as requests' header dict has them."""
        return self.lowered().items()

    def lowered(self) -> "LoweredHeaders":
        """A plain ``dict`` of lower-case name -> value, made on first call
        (backends that read many headers of one response look them up in
        it, a dict look-up each, instead of a method call each)."""
        found = self._lowered
        if found is None:
            store = self._store
            if max(map(len, store.values()), default=2) == 2:  # no name repeated
                found = LoweredHeaders(zip(store, map(_SECOND, store.values())))
            else:
                found = LoweredHeaders(
                    (name, entry[1] if len(entry) == 2 else ", ".join(entry[1:]))
                    for name, entry in store.items())
            self._lowered = found
        return found

    def copy(self) -> Dict[str, str]:
        """A mutable copy (names as the server spelled them)."""
        return dict(self.items())

    def __repr__(self) -> str:
        return repr(dict(self.items()))


def lowered(headers: Mapping[str, str]) -> LoweredHeaders:
    """Any header mapping as a plain ``dict`` keyed by lower-case names
    (repeated names, which a mapping holds joined, stay joined)."""
    if type(headers) is LoweredHeaders:
        return headers
    found = getattr(headers, "lowered", None)
    if found is not None:
        return found()  # type: ignore[no-any-return]
    return LoweredHeaders((name.lower(), value) for name, value in headers.items())


def response_headers(raw: Any) -> Any:
    """The fast view of a urllib3 response's headers (urllib3's own if its
    store is not the one this view knows).

    The one private urllib3 name objclient reads, on purpose: through
    ``HTTPHeaderDict``'s public API a miss raises and catches a KeyError and
    every pair costs a generator step, a ``lower`` and a ``join``, about
    5 microseconds (some 18,000 instructions) more per small request than
    this view; the wire layer's budget is the raw urllib3 floor plus 15%.
    Should urllib3 change its store, the public mapping is used instead
    (``tests/unit/http/test_headers.py``).
    """
    store = getattr(raw.headers, "_container", None)
    return Headers(store) if type(store) is dict else raw.headers
