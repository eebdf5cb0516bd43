"""MictlanX keys, sizes and tags: pure functions, testable without a server.

MictlanX routers (and the official client) pass every key and bucket id
through ``sanitize_str``: characters outside ``[A-Za-z0-9_-]`` are dropped,
runs of ``-``/``_`` are collapsed.  Silently stripping characters makes
``a.txt`` and ``atxt`` the same ball, so objclient never sends a key the
router would change.  Names are mapped reversibly:

* a name that ``sanitize_str`` leaves unchanged (and that does not start with
  :data:`ENCODED_PREFIX`, nor is a word the router's routes reserve) is used
  as it is: ``report-2024`` stays ``report-2024``;
* any other name becomes ``ocx-`` followed by the lowercase hex of its UTF-8
  bytes: ``a.txt`` is ``ocx-612e747874``.

:func:`decode_name` undoes it; keys it cannot decode (balls written by other
clients with keys such as ``ocx-zz``) are reported as None.
"""

from __future__ import annotations

import re
from typing import Dict, Mapping, Optional, Union

from ...exceptions import InvalidArgument, InvalidName

__all__ = ["SAFE_KEY", "ENCODED_PREFIX", "sanitize_str", "is_safe_key", "check_key",
           "encode_name", "decode_name", "chunk_key", "parse_chunk_key", "parse_size",
           "SYSTEM_TAGS", "user_tags", "check_user_tags"]

#: What the router accepts unchanged (``Utils.sanitize_str``'s final check).
SAFE_KEY = re.compile(r"^[a-zA-Z0-9]+([a-zA-Z0-9]|[-_](?=[a-zA-Z0-9]))*$")
#: Keys made by :func:`encode_name` start with this; its tail is lowercase hex.
ENCODED_PREFIX = "ocx-"
_HEX_TAIL = re.compile(r"^(?:[0-9a-f]{2})+$")
#: Bucket ids the router's routes would shadow (``/buckets/data/{task}`` ...).
_ROUTE_WORDS = frozenset({"data", "checksum", "metadata", "bid", "u"})
_CHUNK_SUFFIX = re.compile(r"^(.+)_(0|[1-9][0-9]*)$")

#: Tags objclient and the official client write for their own use; they are
#: never returned as user properties, and a user property may not use them.
SYSTEM_TAGS = frozenset({
    "index", "chunk_size", "group_id", "num_chunks", "full_checksum", "updated_at",
    "objclient_size", "objclient_md5", "objclient_ctime", "objclient_name"})


def sanitize_str(value: str) -> str:
    """What the MictlanX router turns ``value`` into (``Utils.sanitize_str``).

    Kept only to detect keys the router would change; objclient never relies
    on it to build a key.
    """
    kept = re.sub(r"[^A-Za-z0-9_-]", "", value)
    kept = re.sub(r"[-_]{2,}", "-", kept).strip("-")
    return kept if SAFE_KEY.match(kept) else ""


def is_safe_key(key: str) -> bool:
    """Whether the router would store ``key`` exactly as given."""
    return bool(SAFE_KEY.match(key)) and sanitize_str(key) == key


def check_key(key: object, what: str = "key") -> str:
    """Return ``key`` if the router keeps it unchanged, else raise.

    :raises InvalidName: the router would strip or change characters of it
        (use :func:`encode_name` to store any name).
    """
    if not isinstance(key, str) or not key:
        raise InvalidName(f"a MictlanX {what} must be a non-empty str")
    if not is_safe_key(key):
        raise InvalidName(
            f"MictlanX {what} {key!r} would be changed by the router's sanitize_str "
            "(only letters, digits and single '-' or '_' between them are kept); "
            "use objclient.backends.mictlanx.names.encode_name for other names")
    return key


def encode_name(name: str) -> str:
    """The router-safe key of an objclient name (reversible, see module doc)."""
    if (is_safe_key(name) and not name.startswith(ENCODED_PREFIX)
            and name.lower() not in _ROUTE_WORDS):
        return name
    return ENCODED_PREFIX + name.encode("utf-8").hex()


def decode_name(key: str) -> Optional[str]:
    """The objclient name of a key, or None if no name encodes to it."""
    if key.startswith(ENCODED_PREFIX):
        tail = key[len(ENCODED_PREFIX):]
        if not _HEX_TAIL.match(tail):
            return None
        try:
            name = bytes.fromhex(tail).decode("utf-8")
        except UnicodeDecodeError:
            return None
        return name if encode_name(name) == key else None
    if not is_safe_key(key):
        return None
    return key if encode_name(key) == key else None


def chunk_key(ball_id: str, index: int) -> str:
    """The key of chunk ``index`` of a ball: ``"{ball_id}_{index}"``."""
    return f"{ball_id}_{index}"


def parse_chunk_key(key: str) -> Optional[tuple]:
    """``(ball_id, index)`` of a chunk key, or None if it is not one."""
    match = _CHUNK_SUFFIX.match(key)
    if not match:
        return None
    return match.group(1), int(match.group(2))


_UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1000, "m": 1000 ** 2, "mb": 1000 ** 2,
          "g": 1000 ** 3, "gb": 1000 ** 3, "t": 1000 ** 4, "tb": 1000 ** 4,
          "kib": 1024, "mib": 1024 ** 2, "gib": 1024 ** 3, "tib": 1024 ** 4}
_SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*$")


def parse_size(value: Union[int, str], what: str = "size") -> int:
    """Bytes from an int or a string such as ``"256kb"``, ``"1MB"``, ``"4MiB"``.

    Units follow the official client (``humanfriendly``): ``kb``/``mb``/``gb``
    are decimal (1000), ``kib``/``mib``/``gib`` binary (1024).

    :raises InvalidArgument: not a non-negative size.
    """
    if isinstance(value, bool):
        raise InvalidArgument(f"{what} must be a size, not a bool")
    if isinstance(value, int):
        if value < 0:
            raise InvalidArgument(f"{what} must be >= 0, not {value}")
        return value
    if isinstance(value, str):
        match = _SIZE.match(value)
        if match and match.group(2).lower() in _UNITS:
            return int(float(match.group(1)) * _UNITS[match.group(2).lower()])
    raise InvalidArgument(f"{what} {value!r} is not a size such as 256kb, 1MB or 1048576")


def user_tags(tags: Mapping[str, str]) -> Dict[str, str]:
    """The user properties among a chunk's tags (system tags removed)."""
    return {k: v for k, v in tags.items() if k not in SYSTEM_TAGS}


def check_user_tags(tags: Mapping[str, str]) -> Dict[str, str]:
    """Refuse user properties that would overwrite a system tag.

    (The official client merges user tags last, so a user tag named
    ``num_chunks`` corrupts the ball; objclient refuses it instead.)

    :raises InvalidArgument: a key is one of :data:`SYSTEM_TAGS`.
    """
    bad = sorted(k for k in tags if k in SYSTEM_TAGS)
    if bad:
        raise InvalidArgument(f"property {bad[0]!r} is a tag MictlanX uses for itself; "
                              "choose another name")
    return {str(k): str(v) for k, v in tags.items()}
