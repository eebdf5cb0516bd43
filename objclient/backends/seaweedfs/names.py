"""How objclient names become SeaweedFS filer paths, and back (pure logic).

Layout under the filer root (``/objclient`` by default)::

    ROOT/<account>/<container>/<object path>

Every account, container and object name goes through :func:`encode_name`,
a reversible escape whose output uses only ``[0-9A-Za-z]`` and the escape
characters ``- = _ ~``.  Letters and digits stay as they are; every other
UTF-8 byte becomes an escape character followed by two upper-case hex
digits, the escape character being chosen by the byte's range so that the
encoded names sort exactly like the UTF-8 bytes of the original names:

========== ====== =====================================
bytes      escape example
========== ====== =====================================
0x00-0x2F  ``-``  ``/`` -> ``-2F``, ``.`` -> ``-2E``
0x3A-0x40  ``=``  ``?`` -> ``=3F``
0x5B-0x60  ``_``  ``_`` -> ``_5F``
0x7B-0xFF  ``~``  ``é`` -> ``~C3~A9``
========== ====== =====================================

So no encoded name holds ``/``, ``.`` or ``..``: an object name such as
``a/../../etc/passwd`` is one flat file name (``a-2F-2E-2E-2F...``) inside
its container's directory and cannot reach outside it; ``/a//b``, ``.``,
``?``, ``#`` and ``%`` round-trip.  Because the order is kept, the filer's
own sorted listing (``lastFileName`` paging) is already in object-name
order, which is what :func:`objclient.listing.list_page` needs.

The filer refuses file names longer than 255 bytes, and an encoded object
name can be up to three times its 1,024 bytes.  An encoded object name is
therefore cut into pieces of :data:`SEGMENT` characters: every full piece
but the last is a directory named ``piece + "+"``, the rest is the file.
``+`` is not an encoded character, so a directory never clashes with a
file, and since a file's name is never longer than a piece, walking the
tree depth first in the filer's byte order still yields names in order.
Short names (up to 254 encoded characters) are a single file.

Property keys must survive HTTP header canonicalisation (``Seaweed-k`` comes
back as ``Seaweed-K``): :func:`encode_property_key` keeps ``[a-z0-9]`` and
writes every other byte as ``.`` and two hex digits; values are
percent-encoded (header values must be ASCII, and leading spaces would be
lost otherwise).
"""

from __future__ import annotations

import base64
import binascii
from typing import List, Optional, Tuple
from urllib.parse import quote, unquote

__all__ = [
    "SEGMENT", "DIR_MARK", "PROPERTY_PREFIX", "encode_name", "decode_name", "object_parts",
    "is_object_dir", "before", "encode_property_key", "decode_property_key",
    "property_header", "encode_property_value", "decode_property_value", "url_path",
    "md5_b64_to_hex", "hex_to_md5_b64",
]

#: Characters of an encoded object name per path level (directory names
#: are one longer, with :data:`DIR_MARK`; the filer allows 255 bytes).
SEGMENT = 254
#: Suffix of the directories that hold the rest of a long object name.
DIR_MARK = "+"
#: Prefix of the request/response headers the filer stores as extended attributes.
PROPERTY_PREFIX = "Seaweed-"

_ALNUM = frozenset(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_HEX = "0123456789ABCDEF"


def _escape_char(byte: int) -> str:
    if byte < 0x30:
        return "-"
    if byte < 0x41:
        return "="
    if byte < 0x61:
        return "_"
    return "~"


_ENCODED = tuple(chr(b) if b in _ALNUM else _escape_char(b) + _HEX[b >> 4] + _HEX[b & 15]
                 for b in range(256))


def encode_name(name: str) -> str:
    """The order-preserving, reversible filer name of ``name``.

    :param name: any non-empty string encodable as UTF-8.
    :returns: ASCII text of ``[0-9A-Za-z=_~-]``; sorting encoded names gives
        the UTF-8 byte order of the originals.
    """
    # surrogatepass: a listing marker may hold a lone surrogate; it must
    # still sort as objclient.listing.name_key sorts it.
    return "".join(_ENCODED[b] for b in name.encode("utf-8", "surrogatepass"))


def decode_name(encoded: str) -> Optional[str]:
    """The name that :func:`encode_name` turned into ``encoded``.

    :returns: None when ``encoded`` is not exactly what :func:`encode_name`
        produces for some name (a file objclient did not write).
    """
    out = bytearray()
    i = 0
    size = len(encoded)
    while i < size:
        char = encoded[i]
        code = ord(char)
        if code < 128 and code in _ALNUM:
            out.append(code)
            i += 1
            continue
        if char not in "-=_~" or i + 3 > size:
            return None
        digits = encoded[i + 1:i + 3]
        if any(d not in _HEX for d in digits):
            return None
        byte = int(digits, 16)
        if byte in _ALNUM or _escape_char(byte) != char:
            return None
        out.append(byte)
        i += 3
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError:
        return None


def object_parts(encoded: str) -> List[str]:
    """The path levels of an encoded object name: directories then the file.

    >>> object_parts("abc")
    ['abc']
    """
    cut = (len(encoded) - 1) // SEGMENT * SEGMENT
    dirs = [encoded[i:i + SEGMENT] + DIR_MARK for i in range(0, cut, SEGMENT)]
    return dirs + [encoded[cut:]]


def is_object_dir(entry_name: str) -> bool:
    """Whether a filer entry name is a directory of a long object name."""
    return len(entry_name) == SEGMENT + 1 and entry_name.endswith(DIR_MARK)


def before(name: str) -> str:
    """A ``lastFileName`` that makes the filer list ``name`` and what follows.

    The filer lists names strictly after ``lastFileName``; every entry we
    write uses characters below ``0x7F``, so ``name`` with its last
    character lowered by one and followed by ``0x7F`` sorts after every
    smaller entry and before ``name``.
    """
    if not name:
        return ""
    return name[:-1] + chr(ord(name[-1]) - 1) + "\x7f"


def encode_property_key(key: str) -> str:
    """The header suffix for a property key, as the filer keeps it.

    Keeps ``[a-z0-9]``; every other UTF-8 byte becomes ``.XX`` (lower-case
    hex).  The first character is upper-cased, as Go canonicalises header
    names, so the result is exactly the stored key after ``Seaweed-``.
    """
    out = []
    for byte in key.encode("utf-8"):
        if 0x61 <= byte <= 0x7A or 0x30 <= byte <= 0x39:
            out.append(chr(byte))
        else:
            out.append(f".{byte:02x}")
    text = "".join(out)
    return text[:1].upper() + text[1:]


def decode_property_key(suffix: str) -> Optional[str]:
    """The property key of a stored header suffix; None if it is not ours."""
    text = suffix.lower()
    out = bytearray()
    i = 0
    while i < len(text):
        char = text[i]
        if char == ".":
            digits = text[i + 1:i + 3]
            if len(digits) != 2 or any(d not in "0123456789abcdef" for d in digits):
                return None
            byte = int(digits, 16)
            if 0x61 <= byte <= 0x7A or 0x30 <= byte <= 0x39:
                return None
            out.append(byte)
            i += 3
        elif "a" <= char <= "z" or "0" <= char <= "9":
            out.append(ord(char))
            i += 1
        else:
            return None
    try:
        return out.decode("utf-8") or None
    except UnicodeDecodeError:
        return None


def property_header(key: str) -> str:
    """The full header name for a property key (``Seaweed-...``)."""
    return PROPERTY_PREFIX + encode_property_key(key)


def encode_property_value(value: str) -> str:
    """An ASCII header value for a property value (percent-encoded UTF-8)."""
    return quote(value.encode("utf-8"), safe="")


def decode_property_value(raw: str) -> str:
    """The property value of a stored header value."""
    return unquote(raw, encoding="utf-8", errors="replace")


def extended_to_properties(extended: Optional[dict], b64: bool) -> dict:
    """User properties from a filer entry's ``Extended`` map.

    :param extended: header name to value, as the filer keeps them.
    :param b64: values are base64 (JSON metadata and listings) rather than
        plain text (response headers).
    """
    props = {}
    for name, raw in (extended or {}).items():
        if not name.lower().startswith(PROPERTY_PREFIX.lower()):
            continue
        key = decode_property_key(name[len(PROPERTY_PREFIX):])
        if key is None:
            continue
        if b64:
            try:
                raw = base64.b64decode(raw).decode("latin-1")
            except (binascii.Error, ValueError):
                continue
        props[key] = decode_property_value(raw)
    return props


def url_path(*levels: str) -> str:
    """A percent-encoded URL path from filer path levels (already encoded
    names, or the configured root which may hold ``/``)."""
    return "/".join(quote(level, safe="/") for level in levels if level)


def md5_b64_to_hex(value: Optional[str]) -> Optional[str]:
    """Hex MD5 of a base64 digest (``Content-MD5`` style); None if unusable."""
    if not value:
        return None
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw.hex() if len(raw) == 16 else None


def hex_to_md5_b64(value: str) -> Optional[str]:
    """``Content-MD5`` value of a hex MD5; None if it is not 32 hex digits."""
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        return None
    return base64.b64encode(raw).decode("ascii") if len(raw) == 16 else None


def split_root(root: str) -> Tuple[str, ...]:
    """Levels of the configured root directory (``/objclient`` -> ``("objclient",)``)."""
    return tuple(p for p in root.split("/") if p)
