"""S3 names and metadata: bucket rules, key encoding, ``x-amz-meta-*`` values.

S3 sends user metadata in HTTP headers, which carry ASCII only, so a value
that is not plain printable ASCII (or that could be mistaken for an encoded
one) is sent as an RFC 2047 encoded word, ``=?UTF-8?B?<base64>?=``, as the
AWS SDKs document, and decoded on read.  Keys are lower case: S3 folds
header names.
"""

from __future__ import annotations

import base64
import binascii
import functools
import ipaddress
import re
from typing import Dict, Mapping, Optional
from urllib.parse import quote

import attrs

from ...exceptions import InvalidName
from ...http.headers import lowered
from ...names import NameRules

__all__ = ["S3NameRules", "S3_NAME_RULES", "check_bucket", "encode_meta_value",
           "decode_meta_value", "meta_headers", "meta_from_headers", "key_path", "META_PREFIX"]

META_PREFIX = "x-amz-meta-"
#: Characters a property key may use: what survives every S3 server's
#: header handling (no upper case, no ``_``, which WSGI servers fold into ``-``).
PROPERTY_KEY_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789-."
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_ENCODED = re.compile(r"^=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=$", re.IGNORECASE)


@functools.lru_cache(maxsize=256)
def check_bucket(name: str) -> str:
    """Return ``name`` if it is a valid S3 bucket name, else raise.

    :raises InvalidName: not 3 to 63 characters of ``a-z0-9.-`` starting and
        ending with a letter or digit, ``..`` inside, or shaped like an IP.
    """
    if not _BUCKET.match(name):
        raise InvalidName(f"bucket name {name!r} is not valid on S3: 3 to 63 characters "
                          "of a-z, 0-9, '.' and '-', starting and ending with a letter "
                          "or digit")
    if ".." in name or ".-" in name or "-." in name:
        raise InvalidName(f"bucket name {name!r} has '..', '.-' or '-.', which S3 refuses")
    try:
        ipaddress.IPv4Address(name)
    except ValueError:
        return name
    raise InvalidName(f"bucket name {name!r} looks like an IP address, which S3 refuses")


def check_path_key(key: str) -> str:
    """Return ``key`` if a server that keeps keys as file paths stores it
    unchanged (SeaweedFS), else raise.

    A key ending in ``/`` is a folder marker there: it may be stored only
    empty (the blob client checks that).

    :raises InvalidName: a leading ``/``, an empty, ``.`` or ``..`` segment, a
        backslash, or a segment longer than 255 bytes.
    """
    if key.startswith("/"):
        raise InvalidName(f"object name {key!r} starts with '/', which this server drops")
    if "\\" in key:
        raise InvalidName(f"object name {key!r} has a backslash, which this server turns "
                          "into '/'")
    if "//" in key:
        raise InvalidName(f"object name {key!r} has an empty segment ('//'), which this "
                          "server's listings fold away")
    for segment in key.split("/"):
        if segment in (".", ".."):
            raise InvalidName(f"object name {key!r} has a {segment!r} segment, which this "
                              "server refuses")
        if len(segment.encode("utf-8")) > 255:
            raise InvalidName(f"object name {key!r} has a segment longer than 255 bytes, "
                              "which this server refuses")
    return key


@attrs.frozen
class S3NameRules(NameRules):
    """NameRules with S3's bucket rules on top.

    :param path_keys: the server keeps keys as file-system paths (SeaweedFS):
        refuse the keys it would change or reject (see :func:`check_path_key`).
    """

    path_keys: bool = False

    def check_container(self, container: object) -> str:
        """Return ``container`` or raise :class:`InvalidName` (S3 bucket rules)."""
        return check_bucket(super().check_container(container))

    def check_object(self, obj: object) -> str:
        """Return ``obj`` or raise :class:`InvalidName`."""
        key = super().check_object(obj)
        return check_path_key(key) if self.path_keys else key


S3_NAME_RULES = S3NameRules(
    account_max=256, container_max=63, object_max=1024, container_forbidden="/",
    property_key_max=128, property_value_max=1024, properties_max_count=64,
    properties_max_total=1400, property_key_chars=PROPERTY_KEY_CHARS,
    lowercase_containers=True)


def _plain(value: str) -> bool:
    return (all(0x20 <= ord(c) < 0x7f for c in value) and value == value.strip()
            and not value.startswith("=?"))


def encode_meta_value(value: str) -> str:
    """A header-safe form of a metadata value (RFC 2047 when not plain ASCII)."""
    if _plain(value):
        return value
    return "=?UTF-8?B?" + base64.b64encode(value.encode("utf-8")).decode("ascii") + "?="


def decode_meta_value(value: str) -> str:
    """Undo :func:`encode_meta_value` (plain values come back as they are)."""
    match = _ENCODED.match(value.strip())
    if not match:
        return value
    try:
        return base64.b64decode(match.group(1), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return value


def meta_headers(properties: Mapping[str, str]) -> Dict[str, str]:
    """``x-amz-meta-*`` request headers for ``properties``."""
    return {META_PREFIX + k.lower(): encode_meta_value(v) for k, v in properties.items()}


def meta_from_headers(headers: Mapping[str, str]) -> Dict[str, str]:
    """Properties from response headers."""
    out: Dict[str, str] = {}
    found = lowered(headers)
    if META_PREFIX not in "\n".join(found):
        return out  # the common case, without a step per header
    for low, value in found.items():
        if low.startswith(META_PREFIX):
            out[low[len(META_PREFIX):]] = decode_meta_value(value)
    return out


_PLAIN_KEY = re.compile(r"[A-Za-z0-9_.~/-]+")


def key_path(key: Optional[str]) -> str:
    """The percent-encoded form of an object key for a URL path."""
    if not key:
        return ""
    if _PLAIN_KEY.fullmatch(key) and "/." not in "/" + key:
        return key  # nothing to encode (most keys): no per-segment pass
    # "." and ".." segments are escaped, or URL layers would collapse them.
    return "/".join("%2E" * len(seg) if seg in (".", "..") else quote(seg, safe="-_.~")
                    for seg in key.split("/"))
