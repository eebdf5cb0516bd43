"""Reversible mapping of facade names and property keys to ReductStore's.

ReductStore allows ``[A-Za-z0-9_-]`` in bucket names and
``[A-Za-z0-9_/-]`` (no empty segments) in entry names (§1 of the
reference); label names are HTTP header names, lower-cased by the server.

* Object name -> entry name: ``A-Z a-z 0-9 -`` stay; every other byte of the
  UTF-8 form becomes ``_XX`` (upper-case hex), ``/`` included (so an object
  name never becomes a hierarchical entry, and works on servers before 1.19).
  A ``_`` stays literal unless the two characters after it are upper-case
  hex digits (then it is ``_5F``), so entries written by other tools, like
  ``sensor_1``, keep their names.  The names ``batch``, ``q`` and
  ``rename`` get their first letter escaped (the router strips those
  suffixes, §1).
* Property key -> label name: the same scheme with ``a-z 0-9 -`` kept and
  lower-case hex (the server lower-cases label names).
* Property values are sent as they are (UTF-8); see :func:`check_label_value`.

Nothing is ever stripped: every name either maps reversibly or is refused.
"""

from __future__ import annotations

import re
import string

from ...exceptions import InvalidArgument, InvalidName
from ...names import NameRules

__all__ = ["encode_entry", "decode_entry", "encode_label", "decode_label",
           "check_label_value", "ReductNameRules", "MD5_LABEL", "RESERVED_ENTRIES"]

#: The hidden label holding the hex MD5 of a record written by objclient.
#: ``.`` is always escaped by :func:`encode_label`, so no property key can
#: collide with it.
MD5_LABEL = "objclient.md5"

RESERVED_ENTRIES = frozenset({"batch", "q", "rename"})
_ENTRY_SAFE = frozenset(string.ascii_letters + string.digits + "-")
_LABEL_SAFE = frozenset(string.ascii_lowercase + string.digits + "-")
_UPPER_HEX = frozenset("0123456789ABCDEF")
_LOWER_HEX = frozenset("0123456789abcdef")
_BUCKET_RE = re.compile(r"^[A-Za-z0-9_-]+$")


def _encode(text: str, safe: frozenset, hexset: frozenset, upper: bool) -> str:
    out = []
    for i, char in enumerate(text):
        if char in safe:
            out.append(char)
        elif char == "_" and not (len(text) > i + 2 and text[i + 1] in hexset
                                  and text[i + 2] in hexset):
            out.append("_")
        else:
            for byte in char.encode("utf-8", "surrogatepass"):
                out.append(f"_{byte:02X}" if upper else f"_{byte:02x}")
    return "".join(out)


def _decode(text: str, hexset: frozenset) -> str:
    data = bytearray()
    i = 0
    while i < len(text):
        if (text[i] == "_" and i + 2 < len(text)
                and text[i + 1] in hexset and text[i + 2] in hexset):
            data.append(int(text[i + 1:i + 3], 16))
            i += 3
        else:
            data.extend(text[i].encode("utf-8"))
            i += 1
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return text


def encode_entry(name: str) -> str:
    """The entry name for object ``name`` (see the module docstring)."""
    encoded = _encode(name, _ENTRY_SAFE, _UPPER_HEX, True)
    if encoded in RESERVED_ENTRIES:
        encoded = f"_{ord(encoded[0]):02X}{encoded[1:]}"
    return encoded


def decode_entry(entry: str) -> str:
    """The object name of ``entry`` (inverse of :func:`encode_entry`)."""
    return _decode(entry, _UPPER_HEX)


def encode_label(key: str) -> str:
    """The label name for property ``key``."""
    return _encode(key, _LABEL_SAFE, _LOWER_HEX, False)


def decode_label(label: str) -> str:
    """The property key of label ``label`` (inverse of :func:`encode_label`)."""
    return _decode(label, _LOWER_HEX)


def check_label_value(key: str, value: str) -> str:
    """Refuse a value an HTTP header cannot carry exactly.

    ReductStore takes label values from header values, which lose leading
    and trailing whitespace, and an empty value means "remove the label" in
    an update (§4.3).

    :raises InvalidArgument: empty, or leading/trailing whitespace.
    """
    if value == "":
        raise InvalidArgument(f"property {key!r}: ReductStore labels cannot be empty "
                              "(an empty value removes a label)")
    if value != value.strip(" \t"):
        raise InvalidArgument(f"property {key!r}: ReductStore labels cannot start or end "
                              "with whitespace (HTTP header values lose it)")
    return value


class ReductNameRules(NameRules):
    """NameRules with ReductStore's bucket name pattern (§1)."""

    def check_container(self, container: object) -> str:
        value = super().check_container(container)
        if not _BUCKET_RE.match(value):
            raise InvalidName(f"bucket name {value!r}: ReductStore allows only letters, "
                              "digits, '-' and '_'")
        return value
