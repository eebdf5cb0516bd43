"""Column names and cell text: which key ``-c`` means, how a table shows a value.

Records keep the keys the API returns (``name``, ``size``, ``mime_type``,
``mtime`` ...): json, yaml, csv and value output use them unchanged.  Tables
title them as the openio CLI does (``Name``, ``Size``, ``Content-Type``,
``Last-Modified``).  ``-c`` and ``--sort-column`` take any of these spellings
without regard to case, ``-`` or spaces, plus python-openstackclient's
``Bytes`` and ``Content Type`` for objects.
"""

from __future__ import annotations

import json
import time
from typing import Any, Dict, Iterable, List, Sequence

from ..exceptions import InvalidArgument

__all__ = ["title", "resolve", "table_cell", "machine_cell", "human_size"]

#: Table titles where ``key.replace("_", " ").title()`` is not the openio one.
TITLES = {"mime_type": "Content-Type", "mtime": "Last-Modified", "ctime": "Created",
          "id": "ID", "url": "URL"}

#: Other names for a key, as python-openstackclient and S3 tools call it.
ALIASES = {"bytes": "size", "content_type": "mime_type", "last_modified": "mtime",
           "etag": "hash"}

#: Keys holding seconds since the epoch, and microseconds (ReductStore records).
TIME_KEYS = frozenset({"mtime", "ctime"})
TIME_US_KEYS = frozenset({"timestamp"})
#: Keys holding a count of bytes.
SIZE_KEYS = frozenset({"size", "bytes", "length", "bytes_sent", "bytes_received"})


def title(key: str) -> str:
    """The table header of ``key``: ``mime_type`` -> ``Content-Type``."""
    return TITLES.get(key) or key.replace("_", " ").title()


def _norm(name: str) -> str:
    return name.strip().lower().replace("-", "_").replace(" ", "_")


def resolve(names: Sequence[str], known: Iterable[str], what: str) -> List[str]:
    """The record keys that ``-c`` (or ``--sort-column``) ``names`` mean.

    :param known: the keys the records have.
    :param what: the option, for the error (``"-c/--column"``).
    :returns: one key per name, in the user's order.
    :raises InvalidArgument: for a name that matches no key.
    """
    keys = list(dict.fromkeys(known))
    table: Dict[str, str] = {}
    for key in keys:
        table.setdefault(_norm(key), key)
        table.setdefault(_norm(title(key)), key)
    for alias, key in ALIASES.items():
        if key in keys:
            table.setdefault(alias, key)
    out = []
    for name in names:
        found = table.get(_norm(name))
        if found is None:
            raise InvalidArgument(f"{what}: no column {name!r}; the columns are "
                                  + ", ".join(keys))
        out.append(found)
    return out


def human_size(size: int) -> str:
    """``1536`` -> ``'1.5 KiB'`` (IEC units, one decimal above bytes)."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(value) < 1024 or unit == "PiB":
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def _iso(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def table_cell(key: str, value: Any, human: bool = False) -> str:
    """How a table shows ``value`` of column ``key``: times in ISO 8601 UTC,
    sizes in bytes (IEC units when ``human``), mappings as ``k=v`` pairs."""
    if value is None:
        return ""
    if _is_number(value):
        if key in TIME_KEYS:
            return _iso(value)
        if key in TIME_US_KEYS:
            return _iso(value / 1e6)
        if key in SIZE_KEYS:
            return human_size(value) if human else str(int(value))
    if isinstance(value, dict):
        return ", ".join(f"{k}={table_cell(k, v, human)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(table_cell(key, v, human) for v in value)
    return str(value)


def machine_cell(value: Any) -> str:
    """How csv and value output show ``value``: exact (floats in full,
    mappings and lists as JSON), ``None`` as the empty string."""
    if value is None:
        return ""
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)
