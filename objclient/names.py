"""Name and property rules, checked before any request is sent.

Each backend describes its limits with one :class:`NameRules` value; the
facade calls :meth:`NameRules.check_account` and friends, so bad input ends
in :class:`~objclient.exceptions.InvalidName` or
:class:`~objclient.exceptions.InvalidArgument` with the reason, never in a
half-done request.
"""

from __future__ import annotations

from typing import Iterable, Mapping, Optional

import attrs

from .exceptions import InvalidArgument, InvalidName

__all__ = ["NameRules"]

_CONTROL = frozenset(chr(c) for c in range(0x20)) | {"\x7f"}


def _utf8_len(value: str, what: str) -> int:
    try:
        return len(value.encode("utf-8"))
    except UnicodeEncodeError:
        raise InvalidName(f"{what} {value!r} is not valid UTF-8 (lone surrogate)") from None


@attrs.frozen
class NameRules:
    """What a backend accepts as names and properties.

    :param account_max: longest account name, in UTF-8 bytes.
    :param container_max: longest container name, in UTF-8 bytes.
    :param object_max: longest object name, in UTF-8 bytes.
    :param container_forbidden: characters a container name may not hold.
    :param object_forbidden: characters an object name may not hold.
    :param property_key_max: longest property key, in UTF-8 bytes.
    :param property_value_max: longest property value, in UTF-8 bytes.
    :param properties_max_count: most properties on one item.
    :param properties_max_total: most UTF-8 bytes of keys and values together.
    :param property_key_chars: when set, the only characters a key may use.
    """

    account_max: int = 256
    container_max: int = 256
    object_max: int = 1024
    container_forbidden: str = "/"
    object_forbidden: str = ""
    property_key_max: int = 128
    property_value_max: int = 256
    properties_max_count: int = 90
    properties_max_total: int = 4096
    property_key_chars: Optional[str] = None
    lowercase_containers: bool = False

    def _check(self, kind: str, value: object, limit: int, forbidden: str) -> str:
        if not (type(value) is str and value.isascii() and 0 < len(value) <= limit
                and "\0" not in value):  # else not the common case: say what is wrong
            self._check_unusual(kind, value, limit)
        for char in forbidden:
            if char in value:  # type: ignore[operator]
                raise InvalidName(f"{kind} name {value!r} holds {char!r}, "
                                  f"which this backend does not allow")
        return value  # type: ignore[return-value]

    @staticmethod
    def _check_unusual(kind: str, value: object, limit: int) -> None:
        """Raise for a name that is not a str, is empty, holds NUL or is too
        long in UTF-8; accept a valid non-ASCII name."""
        if not isinstance(value, str):
            raise InvalidName(f"{kind} name must be a str, not {type(value).__name__}")
        if not value:
            raise InvalidName(f"{kind} name must not be empty")
        if "\0" in value:
            raise InvalidName(f"{kind} name {value!r} holds a NUL character")
        size = _utf8_len(value, f"{kind} name")
        if size > limit:
            raise InvalidName(f"{kind} name is {size} bytes long; this backend allows {limit}")

    def check_account(self, account: object) -> str:
        """Return ``account`` or raise :class:`InvalidName`."""
        value = self._check("account", account, self.account_max, "/")
        if value in (".", ".."):
            raise InvalidName(f"account name {value!r} is reserved")
        return value

    def check_container(self, container: object) -> str:
        """Return ``container`` or raise :class:`InvalidName`."""
        value = self._check("container", container, self.container_max,
                            self.container_forbidden)
        if value in (".", ".."):
            raise InvalidName(f"container name {value!r} is reserved")
        if self.lowercase_containers and value != value.lower():
            raise InvalidName(f"container name {value!r} must be lower case on this backend")
        return value

    def check_object(self, obj: object) -> str:
        """Return ``obj`` or raise :class:`InvalidName`."""
        return self._check("object", obj, self.object_max, self.object_forbidden)

    def check_properties(self, properties: Optional[Mapping[str, object]]) -> dict:
        """Validate properties; values are converted to str.

        :raises InvalidArgument: a key or value is too long, has CR/LF/NUL or
            other control characters, or there are too many.
        """
        if not properties:
            return {}
        if not isinstance(properties, Mapping):
            raise InvalidArgument("properties must be a mapping of str to str")
        out = {}
        total = 0
        for key, value in properties.items():
            self.check_property_key(key)
            if value is None:
                raise InvalidArgument(f"property {key!r} has no value (use *_del_properties)")
            text = value if isinstance(value, str) else str(value)
            if any(c in _CONTROL for c in text):
                raise InvalidArgument(f"property {key!r} has a control character "
                                      "(CR, LF, NUL ...) in its value")
            vsize = _utf8_len(text, f"property {key!r} value")
            if vsize > self.property_value_max:
                raise InvalidArgument(f"property {key!r} value is {vsize} bytes; "
                                      f"this backend allows {self.property_value_max}")
            total += _utf8_len(key, "property key") + vsize
            out[key] = text
        if len(out) > self.properties_max_count:
            raise InvalidArgument(f"{len(out)} properties; this backend allows "
                                  f"{self.properties_max_count}")
        if total > self.properties_max_total:
            raise InvalidArgument(f"properties take {total} bytes; this backend allows "
                                  f"{self.properties_max_total}")
        return out

    def check_property_key(self, key: object) -> str:
        """Return ``key`` or raise :class:`InvalidArgument`."""
        if not isinstance(key, str) or not key:
            raise InvalidArgument(f"property key must be a non-empty str, not {key!r}")
        if any(c in _CONTROL for c in key):
            raise InvalidArgument(f"property key {key!r} has a control character")
        size = _utf8_len(key, "property key")
        if size > self.property_key_max:
            raise InvalidArgument(f"property key is {size} bytes; this backend allows "
                                  f"{self.property_key_max}")
        if self.property_key_chars is not None:
            bad = [c for c in key if c not in self.property_key_chars]
            if bad:
                raise InvalidArgument(f"property key {key!r} holds {bad[0]!r}, which this "
                                      "backend cannot store")
        return key

    def check_property_keys(self, keys: Iterable[str]) -> list:
        """Validate a list of keys to delete."""
        if isinstance(keys, str):
            keys = [keys]
        return [self.check_property_key(k) for k in keys]
