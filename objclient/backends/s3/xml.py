"""S3 XML: safe parsing of responses and building of request bodies.

Responses are parsed with :mod:`xml.etree.ElementTree` after refusing any
document that declares a DOCTYPE or an ENTITY (no entity expansion, no
external references).  Namespaces are dropped from tag names so callers
write ``find("Contents")``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any, Iterable, Mapping, Optional, Sequence, Tuple
from xml.sax.saxutils import escape

from ...exceptions import ClientError, ServerError

__all__ = ["parse", "text_of", "embedded_error", "tagging_body", "delete_body",
           "complete_body", "location_body"]

_S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"
_S3_NS_DECLARATION = f' xmlns="{_S3_NS}"'.encode()
_DECLARATIONS = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def parse(body: bytes) -> ET.Element:
    """The root element of an S3 XML document, namespaces removed.

    :raises ServerError: the body is not XML, or declares a DOCTYPE/ENTITY.
    """
    if _DECLARATIONS.search(body):
        raise ServerError("the server sent XML with a DOCTYPE or ENTITY; refused")
    # S3's own documents declare one default namespace: dropping that
    # declaration leaves plain tags, without a pass over every element.
    at = body.find(_S3_NS_DECLARATION, 0, 1024)  # in the root's start tag
    plain = body if at < 0 else body[:at] + body[at + len(_S3_NS_DECLARATION):]
    try:
        root = ET.fromstring(plain)
    except ET.ParseError as exc:
        raise ServerError(f"the server sent invalid XML: {exc}") from None
    if b"xmlns" in plain:
        for elem in root.iter():
            if isinstance(elem.tag, str) and "}" in elem.tag:
                elem.tag = elem.tag.split("}", 1)[1]
    return root


def text_of(elem: Optional[ET.Element], path: str, default: Optional[str] = None
            ) -> Optional[str]:
    """Text of the child at ``path`` (``default`` when absent)."""
    if elem is None:
        return default
    child = elem.find(path)
    if child is None:
        return default
    return child.text or ""


def embedded_error(body: bytes) -> Optional[ClientError]:
    """The error an S3 server put in a 200 response (CompleteMultipartUpload,
    CopyObject), or None when the body is not an ``<Error>`` document."""
    stripped = body.lstrip()
    if not stripped or b"<Error" not in stripped[:512]:
        return None
    root = parse(body)
    if root.tag != "Error":
        return None
    code = text_of(root, "Code")
    return ServerError(f"the server reported an error in a 200 response: {code}",
                       code=code, server_message=text_of(root, "Message"),
                       request_id=text_of(root, "RequestId"))


def _doc(inner: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>' + inner).encode("utf-8")


def tagging_body(tags: Mapping[str, str]) -> bytes:
    """A ``<Tagging>`` document for PutBucketTagging."""
    items = "".join(f"<Tag><Key>{escape(k)}</Key><Value>{escape(v)}</Value></Tag>"
                    for k, v in sorted(tags.items()))
    return _doc(f'<Tagging xmlns="{_S3_NS}"><TagSet>{items}</TagSet></Tagging>')


def delete_body(keys: Iterable[str]) -> bytes:
    """A ``<Delete>`` document for DeleteObjects (verbose mode)."""
    items = "".join(f"<Object><Key>{escape(k)}</Key></Object>" for k in keys)
    return _doc(f'<Delete xmlns="{_S3_NS}"><Quiet>false</Quiet>{items}</Delete>')


def complete_body(parts: Sequence[Tuple[Any, ...]], algorithm: Optional[str] = None) -> bytes:
    """A ``<CompleteMultipartUpload>`` document from ``(number, etag)`` pairs.

    With ``algorithm`` (``sha256``, ``crc32c``) the tuples are
    ``(number, etag, checksum)`` and each part carries its
    ``<ChecksumSHA256>``/``<ChecksumCRC32C>``.  Servers that do not know
    those elements refuse the document: send them only to a server that
    confirmed the parts' checksums.
    """
    tag = "Checksum" + algorithm.upper() if algorithm else None
    items = []
    for part in sorted(parts):
        item = f"<Part><PartNumber>{part[0]}</PartNumber><ETag>\"{escape(part[1])}\"</ETag>"
        if tag:
            item += f"<{tag}>{escape(part[2])}</{tag}>"
        items.append(item + "</Part>")
    return _doc(f'<CompleteMultipartUpload xmlns="{_S3_NS}">{"".join(items)}'
                "</CompleteMultipartUpload>")


def location_body(region: str) -> bytes:
    """A ``<CreateBucketConfiguration>`` document naming ``region``."""
    return _doc(f'<CreateBucketConfiguration xmlns="{_S3_NS}"><LocationConstraint>'
                f"{escape(region)}</LocationConstraint></CreateBucketConfiguration>")
