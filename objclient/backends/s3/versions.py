"""Object versions with S3 bucket versioning.

A bucket's versioning is ``Enabled`` or ``Suspended`` (PutBucketVersioning;
a bucket that was never versioned answers GetBucketVersioning with no
``Status``).  objclient names it as the Swift and local backends do: the
container system property ``versioning`` (``enabled``/``suspended``), set by
``container_create(..., system=...)`` or ``container_set_properties(...,
system=...)`` and reported by ``container_show``.

Versions are named by the server's version ids (opaque strings; ``null``
for an object written while versioning was off or suspended, reported as
None as the Swift backend does) and reached with ``?versionId=`` (GET,
HEAD, DELETE, and as the source of a copy).  ``GET ?versions``
(ListObjectVersions) lists every version and delete marker, in key order.

What the servers of the suite answer (``tests/functional/s3/test_s3_versions.py``):

* SeaweedFS 4.48 S3 and Swift 2.30 s3api (``object_versioning`` in the
  proxy pipeline) both implement Put/GetBucketVersioning,
  ListObjectVersions, GET/HEAD/DELETE with ``versionId``, delete markers
  (``x-amz-delete-marker``), copies from a version and DeleteObjects with
  ``<VersionId>``;
* both answer HEAD and GET of a delete marker's version id with 404 and a
  DELETE of a missing version with 204, so a version's existence is read
  from the listing (:func:`find_version`);
* SeaweedFS lists the ``null`` version of a key after its newer versions
  even when it is the latest: each key's versions are put latest first
  here (:func:`latest_first`);
* Swift's s3api answers a version id that is not a Swift timestamp with
  500 InternalError (where AWS answers 400 InvalidArgument), and names
  ``null`` as the ``NextVersionIdMarker`` of a page cut inside a key's
  versions, which lists nothing more: the marker is taken from the page's
  last entry instead (:func:`parse_versions`); given a common prefix as
  ``key-marker`` it sends that prefix back forever (:func:`_past_prefix`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator, List, Optional, Sequence, Tuple, Union

from ...contract import CallOptions, Capability
from ...exceptions import ClientError, InvalidArgument, NotSupported, ServerError
from ...listing import name_key
from .xml import escape, parse, text_of

if TYPE_CHECKING:  # pragma: no cover
    import xml.etree.ElementTree as ET

    from . import S3Backend

__all__ = ["VersionEntry", "versioning_status", "versioning_state", "versioning_body",
           "version_query", "need_versioning", "version_of", "parse_versions", "latest_first",
           "version_stream", "find_version", "delete_versions_body", "doomed_versions",
           "not_implemented", "Item"]

_S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"
_ON = ("1", "true", "yes", "on", "enabled")
_OFF = ("0", "false", "no", "off", "disabled", "suspended")

#: One ListObjectVersions entry: ``(key, version_id, is_latest, deleted,
#: last_modified, etag, size, storage_class)``; the key first, as in the
#: ListObjects entries, so the same merge and marker filter apply.
VersionEntry = Tuple[str, str, bool, bool, Optional[str], Optional[str], int, Optional[str]]


def versioning_status(value: Any) -> str:
    """The S3 ``Status`` for the system property ``versioning``.

    :raises InvalidArgument: the value is neither on nor off.
    """
    text = str(value).strip().lower()
    if text in _ON:
        return "Enabled"
    if text in _OFF:
        return "Suspended"
    raise InvalidArgument(f"versioning is 'enabled' or 'suspended', not {value!r}")


def versioning_state(body: bytes) -> Optional[str]:
    """``enabled``, ``suspended`` or None (never enabled) from a
    GetBucketVersioning body."""
    status = (text_of(parse(body), "Status") or "").strip().lower()
    return status if status in ("enabled", "suspended") else None


def versioning_body(status: str) -> bytes:
    """A ``<VersioningConfiguration>`` document for PutBucketVersioning."""
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            f'<VersioningConfiguration xmlns="{_S3_NS}"><Status>{escape(status)}</Status>'
            "</VersioningConfiguration>").encode("utf-8")


def need_versioning(backend: "S3Backend") -> None:
    """Check, before any request, that the backend has versioning.

    :raises NotSupported: the backend was built with ``versioning=False``.
    """
    if Capability.VERSIONING not in backend.capabilities:
        raise NotSupported(f"the {backend.name} backend does not support versioning",
                           capability=Capability.VERSIONING.value, backend=backend.name)


def version_query(version: Optional[Any], backend: "S3Backend"
                  ) -> Optional[List[Tuple[str, str]]]:
    """The query that selects ``version`` (None for the current one).

    :raises NotSupported: a version asked of a backend without versioning.
    :raises InvalidArgument: an empty id, or one with control characters.
    """
    if version is None:
        return None
    need_versioning(backend)
    text = str(version)
    if not text or any(ord(c) < 32 for c in text):
        raise InvalidArgument(f"not an S3 version id: {version!r}")
    return [("versionId", text)]


def version_of(value: Optional[str]) -> Optional[str]:
    """A version id from a header or listing (None for ``null``)."""
    if not value or value == "null":
        return None
    return value


def not_implemented(err: ClientError) -> Optional[NotSupported]:
    """A NotSupported for a server that does not implement versioning
    (501 / ``NotImplemented``), else None."""
    if err.status == 501 or err.code == "NotImplemented":
        return NotSupported("this S3 server does not implement bucket versioning; build "
                            "the API with versioning=False", capability="versioning",
                            backend="s3", status=err.status, code=err.code,
                            request_id=err.request_id, server_message=err.server_message)
    return None


def _entry(item: "ET.Element") -> VersionEntry:
    deleted = item.tag == "DeleteMarker"
    size = text_of(item, "Size") or "0"
    return (text_of(item, "Key") or "", text_of(item, "VersionId") or "null",
            (text_of(item, "IsLatest") or "").lower() == "true", deleted,
            text_of(item, "LastModified"), None if deleted else text_of(item, "ETag"),
            int(size) if size.isdigit() else 0, text_of(item, "StorageClass"))


def parse_versions(body: bytes) -> Tuple[List[VersionEntry], List[str], Optional[str],
                                         Optional[str]]:
    """One ListObjectVersions page.

    :returns: ``(entries, prefixes, next_key_marker, next_version_marker)``,
        the markers None on the last page; entries in document order.
    :raises ServerError: the body is not a ListVersionsResult.
    """
    root = parse(body)
    if root.tag != "ListVersionsResult":
        raise ServerError(f"the server answered ListObjectVersions with <{root.tag}>")
    entries = [_entry(item) for item in root if item.tag in ("Version", "DeleteMarker")]
    prefixes = [text_of(item, "Prefix") or "" for item in root.iterfind("CommonPrefixes")]
    if (text_of(root, "IsTruncated") or "").lower() != "true":
        return entries, prefixes, None, None
    key_marker = text_of(root, "NextKeyMarker") or (entries[-1][0] if entries else None)
    if not key_marker:
        raise ServerError("a truncated ListObjectVersions page names no next key")
    return entries, prefixes, key_marker, _next_version_marker(entries, key_marker)


def _next_version_marker(entries: List[VersionEntry], key_marker: str) -> Optional[str]:
    """The ``version-id-marker`` that continues after the page's last entry.

    It is read from that entry, not from ``NextVersionIdMarker``: Swift
    2.30's s3api sends ``null`` there, and then answers the next request
    with an empty, untruncated page (the rest of the listing is lost).  A
    page that ends on a ``null`` version continues after its key: SeaweedFS
    lists a key's ``null`` version last, and Swift lists nothing after a
    ``version-id-marker=null``.
    """
    if not entries or entries[-1][0] != key_marker or entries[-1][1] == "null":
        return None
    return entries[-1][1]


def latest_first(versions: List[VersionEntry]) -> List[VersionEntry]:
    """One key's versions with the latest first, the others in the
    server's order (newest first, as S3 lists them)."""
    if not versions or versions[0][2]:
        return versions
    return sorted(versions, key=lambda entry: not entry[2])


Item = Union[str, VersionEntry]


def version_stream(backend: "S3Backend", bucket: str, prefix: Optional[str],
                   delimiter: Optional[str], start: Optional[str], opts: CallOptions,
                   page_size: int = 1000) -> Iterator[List[Item]]:
    """Every version and delete marker of ``bucket`` (and common prefixes)
    in key order, ListObjectVersions pages of up to 1,000 at a time.

    :param start: the ``key-marker`` to send first (the caller drops what
        does not follow its own marker).
    :param page_size: ``max-keys`` of each request (S3 sends at most 1,000).
    :returns: an iterator of pages, each a list of common prefixes (str)
        and entries, every key's versions latest first and never split
        over two pages (a key cut by the server's page waits for the next).
    """
    key_marker, version_marker = start, None
    held: List[VersionEntry] = []
    while True:
        query: List[Tuple[str, str]] = [("versions", ""), ("max-keys", str(page_size))]
        query += [(k, v) for k, v in (("prefix", prefix), ("delimiter", delimiter),
                                      ("key-marker", key_marker),
                                      ("version-id-marker", version_marker)) if v]
        resp = backend.call("GET", bucket, query=query, opts=opts, service="container")
        sent = (key_marker, version_marker)
        entries, prefixes, key_marker, version_marker = parse_versions(resp.content)
        if key_marker is not None and (key_marker, version_marker) == sent and not entries:
            key_marker = _past_prefix(key_marker, prefixes)
            prefixes = [p for p in prefixes if p != sent[0]]  # listed already
        entries = held + entries
        held = []
        if key_marker is not None and entries and entries[-1][0] == key_marker:
            held = [e for e in entries if e[0] == key_marker]
            entries = entries[:len(entries) - len(held)]
        yield _merged(entries, prefixes)
        if key_marker is None:
            return


def _past_prefix(key_marker: Optional[str], prefixes: List[str]) -> str:
    """A ``key-marker`` past every key under the common prefix the server
    named as its next marker again: Swift 2.30's s3api, given a common
    prefix as ``key-marker``, sends that prefix back forever.

    :raises ServerError: the server repeats a marker that is no such prefix.
    """
    if key_marker is None or key_marker not in prefixes:
        raise ServerError(f"the server repeats ListObjectVersions marker {key_marker!r}")
    return key_marker + "\U0010ffff"


def _merged(entries: List[VersionEntry], prefixes: List[str]) -> List[Item]:
    """Entries (each key's versions latest first) and prefixes in key order."""
    out: List[Item] = []
    group: List[VersionEntry] = []
    for entry in entries:
        if group and group[0][0] != entry[0]:
            out.extend(latest_first(group))
            group = []
        group.append(entry)
    out.extend(latest_first(group))
    if prefixes:
        out.extend(prefixes)
        out.sort(key=lambda e: name_key(e if isinstance(e, str) else e[0]))  # stable
    return out


def find_version(backend: "S3Backend", bucket: str, key: str, version: str,
                 opts: CallOptions) -> Optional[VersionEntry]:
    """The listing entry of one version of ``key`` (a delete marker too:
    HEAD answers 404 for those), or None."""
    for page in version_stream(backend, bucket, key, None, None, opts):
        for item in page:
            if isinstance(item, str):
                continue
            if item[0] != key:
                return None  # past the key: its versions come first
            if item[1] == version:
                return item
    return None


def doomed_versions(versions: Sequence[VersionEntry], keep: int) -> List[VersionEntry]:
    """The versions of one key (latest first) past the ``keep`` newest;
    delete markers count as versions, as on the local and Swift backends."""
    return list(versions[max(1, keep):])


def delete_versions_body(entries: Sequence[VersionEntry]) -> bytes:
    """A ``<Delete>`` document for DeleteObjects naming versions."""
    items = "".join(f"<Object><Key>{escape(e[0])}</Key><VersionId>{escape(e[1])}</VersionId>"
                    "</Object>" for e in entries)
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            f'<Delete xmlns="{_S3_NS}"><Quiet>false</Quiet>{items}</Delete>').encode("utf-8")
