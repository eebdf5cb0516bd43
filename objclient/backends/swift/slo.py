"""Static large object uploads: segments in parallel, then a manifest.

The segments go through the shared :class:`~objclient.transfer.TransferEngine`
(:meth:`~objclient.transfer.TransferEngine.upload_stream`): the source is
read once, in order, by the calling thread, and each segment's bytes are
streamed in a chunked PUT by a worker, so memory stays flat (parts in flight
x queue depth x block) whatever the segment size, while up to
``segment_workers`` segment PUTs overlap.  Each segment's ETag is checked
against the MD5 computed while reading, the manifest's ETag against the MD5
of the segments' ETags; on any failure (or when the deadline passes) the
segments already stored are deleted.  That chain covers every byte once, so
the content's MD5 is computed only to check a caller's ``etag`` (it would be
a second pass over the bytes, and Swift never confirms it: an SLO's ETag is
the manifest's); otherwise the object's hash is the manifest ETag, as HEAD
and listings give it.

The segments of one upload are named ``<obj>/slo/<size>/<segment size>/
<start time>/<index>``: the part before the start time is the same for every
upload of the same object, size and segment size, so a resumed upload
(``resume=True``) lists it and takes over the newest set of segments that
the object's current manifest does not use (a new upload never writes over
the segments of the object readers see).  A segment whose size follows the
plan and whose ETag is the MD5 of the local bytes is not sent again; a
resumed upload that fails keeps its segments for the next resume.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Dict, Iterable, List, Mapping, Optional, Tuple

from ...contract import CallOptions
from ...exceptions import ChecksumMismatch, ClientError, NotFound
from ...models import ObjectInfo
from ...source import Source
from .common import merged_headers
from .segments import segment_container
from .versions import version_of
from .wire import etag_of_etags, object_path, quote_name, slo_manifest, unquote_etag

if TYPE_CHECKING:  # pragma: no cover
    from ...transfer.engine import Part, PartBody
    from ...transfer.resume import StoredPart
    from .blob import SwiftBlobClient

# The transfer engine is imported where a large object needs it: importing it
# loads the whole transfer package (sync, folders), which a short-lived
# process that never uploads a large object should not pay for (issue 26).

__all__ = ["upload_slo", "copy_slo", "segment_container", "segment_prefix", "upload_root",
           "old_segments", "replaced_segments", "delete_segments",
           "resumable_segments", "MAX_SEGMENTS"]

#: Swift's default ``max_manifest_segments`` (``/info`` gives the cluster's).
MAX_SEGMENTS = 1000


def upload_root(obj: str, size: int, segment_size: int) -> str:
    """The name prefix shared by every upload of ``obj`` with this size and
    segment size (where a resumed upload looks)."""
    return f"{obj}/slo/{size}/{segment_size}/"


def segment_prefix(obj: str, size: int, segment_size: int, when: float) -> str:
    """The name prefix of one upload's segments (unique per upload)."""
    return f"{upload_root(obj, size, segment_size)}{when:.6f}/"


def resumable_segments(root: str, segments: Iterable[Tuple[str, int, Optional[str]]],
                       in_use: Iterable[str]) -> Tuple[Optional[str], List[StoredPart]]:
    """The newest interrupted upload among the ``(name, size, md5)``
    segments listed under ``root``, leaving out the uploads whose segments
    are named in ``in_use`` (the current manifest's).

    :returns: ``(its prefix, its segments as StoredPart)``, ``(None, [])``
        when there is none; a name that is not ``<time>/<index>`` is skipped.
    """
    from ...transfer.resume import StoredPart
    uploads: Dict[str, List[StoredPart]] = {}
    for name, size, md5 in segments:
        when, _, index = name[len(root):].partition("/")
        if not name.startswith(root) or not index.isdigit():
            continue
        prefix = f"{root}{when}/"
        uploads.setdefault(prefix, []).append(StoredPart(
            index=int(index), size=size, md5=md5, result=(name, md5, size)))
    for name in in_use:
        when, _, _index = name[len(root):].partition("/")
        uploads.pop(f"{root}{when}/", None)
    if not uploads:
        return None, []
    newest = max(uploads, key=_start_time)
    return newest, uploads[newest]


def _start_time(prefix: str) -> float:
    try:
        return float(prefix.rstrip("/").rpartition("/")[2])
    except ValueError:
        return 0.0


def upload_slo(blob: "SwiftBlobClient", account: str, container: str, obj: str,
               source: Source, *, headers: Mapping[str, str], etag: Optional[str],
               policy: Optional[str], opts: CallOptions, resume: bool = False) -> ObjectInfo:
    """Store ``source`` as a static large object.

    :param resume: take over the segments an interrupted upload left (see
        the module's docstring); a failure then keeps the segments stored.
    :returns: the object's metadata (``hash`` is the MD5 of the content
        when ``etag`` is given, else the manifest's ETag, ``hash_method``
        ``"etag"``).
    :raises ChecksumMismatch: a segment or the manifest was not stored as
        sent, or the content's MD5 is not ``etag``; nothing is left behind.
    """
    backend = blob.swift
    seg_cont = segment_container(container)
    backend.container.create(account, seg_cont, properties={},
                             system={"policy": policy} if policy else {}, opts=opts)
    size = source.size or 0
    replaced = replaced_segments(blob, account, container, obj, opts)
    prefix, reuse = None, None
    if resume:
        root = upload_root(obj, size, backend.segment_size)
        prefix, reuse = _resume(blob, account, container, root, size,
                                replaced.get(seg_cont, []), opts)
    prefix = prefix or segment_prefix(obj, size, backend.segment_size, time.time())
    done: List[Tuple[str, str, int]] = []
    stored: List[str] = []
    if not etag:
        source.skip_hash()  # the segments' MD5s cover the bytes (module docstring)
    try:
        _send_segments(blob, account, seg_cont, prefix, source, opts, done, stored, reuse)
    except BaseException:
        if not resume:
            _cleanup(blob, account, seg_cont, stored, opts)
        raise
    try:
        md5 = source.md5_hex()
        if source.size is not None and source.bytes_read != source.size:
            raise ClientError(f"the source gave {source.bytes_read} bytes, "
                              f"{source.size} were announced")
        if etag and etag != md5:
            raise ChecksumMismatch(f"data has MD5 {md5}, the caller expected {etag}",
                                   expected=etag, actual=md5)
        manifest = [(f"/{seg_cont}/{name}", seg_etag, seg_size)
                    for name, seg_etag, seg_size in done]
    except BaseException:
        _cleanup(blob, account, seg_cont, sorted(set(stored) | {n for n, _e, _s in done}), opts)
        raise
    version = _put_manifest(blob, account, container, obj, manifest, headers, opts, stored)
    delete_segments(blob, account, container, replaced, opts)
    now = time.time()
    return ObjectInfo(name=obj, size=source.bytes_read,
                      hash=md5 or etag_of_etags([e for _n, e, _s in manifest]),
                      hash_method="md5" if md5 else "etag",
                      mime_type=headers.get("Content-Type") or "application/octet-stream",
                      ctime=now, mtime=now, container=container, account=account,
                      chunk_method="slo", version=version, extra={"segments": len(done),
                                                 "segment_container": seg_cont})


def copy_slo(blob: "SwiftBlobClient", source: Tuple[str, str, str], account: str,
             container: str, obj: str, *, headers: Mapping[str, str],
             opts: CallOptions) -> None:
    """Copy the static large object ``source`` (account, container, name)
    to ``obj`` on the server, one segment at a time.

    A COPY of a large object makes one object of its whole content, which
    Swift refuses above ``max_file_size`` (5 GiB by default, 413).  Here
    each segment is copied by the server into ``obj``'s own segments
    (``segment_workers`` at a time), each copy's ETag checked against the
    source segment's, then a manifest of them is stored.  Sharing the
    source's segments (a COPY with ``multipart-manifest=get``) would be one
    request, but deleting either object then deletes the other's data.
    Any failure deletes the segments copied so far.

    :param headers: the new object's type and metadata.
    """
    from ...transfer.engine import Part, TransferEngine
    backend = blob.swift
    src_account, src_container, src_obj = source
    _resp, doc = backend.http.request_json(
        "GET", backend.url(object_path(src_account, src_container, src_obj)),
        params={"multipart-manifest": "get"}, headers=merged_headers(opts),
        **opts.http_kwargs("object"))
    segments = [(str(seg["name"]), str(seg["hash"]), int(seg["bytes"]))
                for seg in (doc if isinstance(doc, list) else [])]
    if not segments or any("range" in seg or seg.get("sub_slo") for seg in doc):
        raise ClientError(f"{src_obj!r} is not a plain static large object: its "
                          "segments cannot be copied one by one")
    seg_cont = segment_container(container)
    backend.container.create(account, seg_cont, properties={}, system={}, opts=opts)
    replaced = replaced_segments(blob, account, container, obj, opts)
    prefix = segment_prefix(obj, sum(size for _n, _e, size in segments),
                            max(size for _n, _e, size in segments), time.time())
    stored: List[str] = []
    lock = threading.Lock()

    def copy(part: Part, _data: bytes) -> Tuple[str, str, int]:
        path, etag, size = segments[part.index]
        name = f"{prefix}{part.index:08d}"
        with lock:  # before the PUT: a PUT whose answer is lost may have stored it
            stored.append(name)
        copy_headers = {"X-Copy-From": quote_name(path), "Content-Length": "0"}
        if src_account != account:
            copy_headers["X-Copy-From-Account"] = quote_name(src_account)
        resp = backend.http.request(
            "PUT", backend.url(object_path(account, seg_cont, name)), data=b"",
            headers=merged_headers(opts, copy_headers), **opts.http_kwargs("object"))
        got = unquote_etag(resp.headers.get("Etag")) or ""
        if got != etag:
            raise ChecksumMismatch(f"segment {part.index} of {obj!r} copied with ETag {got}, "
                                   f"its source has {etag}", expected=etag, actual=got)
        return f"/{seg_cont}/{name}", etag, size

    engine: TransferEngine = TransferEngine(workers=backend.segment_workers,
                                            max_in_flight=backend.segment_workers,
                                            deadline=opts.deadline)
    try:
        manifest = engine.upload(((Part(i, 0, size), b"") for i, (_n, _e, size)
                                  in enumerate(segments)), copy)
    except BaseException:
        _cleanup(blob, account, seg_cont, stored, opts)
        raise
    _put_manifest(blob, account, container, obj, manifest, headers, opts, stored)
    delete_segments(blob, account, container, replaced, opts)


def _put_manifest(blob: "SwiftBlobClient", account: str, container: str, obj: str,
                  manifest: List[Tuple[str, str, int]], headers: Mapping[str, str],
                  opts: CallOptions, stored: List[str]) -> Optional[str]:
    """PUT the manifest; on failure delete the upload's segments, unless the
    server did store the manifest and only its answer was lost (then the
    upload succeeded), or nobody can tell (then the segments are kept: a
    broken object would be worse than unused segments).

    :returns: the version id Swift gave the object (None when it is not
        versioned, or the answer was lost).
    """
    backend = blob.swift
    seg_cont = segment_container(container)
    names = sorted(set(stored) | {path.split("/", 2)[2] for path, _e, _s in manifest})
    expected = etag_of_etags([e for _n, e, _s in manifest])
    try:
        resp = backend.http.request(
            "PUT", backend.url(object_path(account, container, obj)),
            params={"multipart-manifest": "put"}, data=slo_manifest(manifest),
            headers=merged_headers(opts, headers), **opts.http_kwargs("object"))
        got = unquote_etag(resp.headers.get("Etag"))
        if got != expected:
            raise ChecksumMismatch(f"manifest of {obj!r} stored with ETag {got}, expected "
                                   f"{expected}", expected=expected, actual=got)
        return version_of(resp.headers.get("X-Object-Version-Id"))
    except ChecksumMismatch:
        _cleanup(blob, account, seg_cont, names, opts)
        raise
    except BaseException:
        live = _manifest_live(blob, account, container, obj, manifest, opts)
        if live:
            return None  # stored: only the answer was lost
        if live is not None:
            _cleanup(blob, account, seg_cont, names, opts)
        raise


def _manifest_live(blob: "SwiftBlobClient", account: str, container: str, obj: str,
                   manifest: List[Tuple[str, str, int]], opts: CallOptions) -> Optional[bool]:
    """Whether ``obj`` is now the static large object of exactly ``manifest``'s
    segments; None when the server cannot be asked."""
    try:
        live = old_segments(blob, account, container, obj, opts)
    except ClientError:
        return None
    return live.get(segment_container(container)) == [
        path.split("/", 2)[2] for path, _e, _s in manifest]


def replaced_segments(blob: "SwiftBlobClient", account: str, container: str, obj: str,
                      opts: CallOptions) -> Dict[str, List[str]]:
    """:func:`old_segments`, or nothing without a request when ``container``
    is already known to keep old versions (their segments stay)."""
    if blob.swift.versioned_containers.known(account, container):
        return {}
    return old_segments(blob, account, container, obj, opts)


def old_segments(blob: "SwiftBlobClient", account: str, container: str, obj: str,
                 opts: CallOptions) -> Dict[str, List[str]]:
    """Segments of the static large object that an upload will replace,
    by container (empty when ``obj`` is absent or not an SLO)."""
    backend = blob.swift
    url = backend.url(object_path(account, container, obj))
    query = {"multipart-manifest": "get"}
    try:
        head = backend.http.request("HEAD", url, params=query,
                                    headers=merged_headers(opts), **opts.http_kwargs("object"))
        if head.headers.get("X-Static-Large-Object", "").lower() != "true":
            return {}
        _resp, doc = backend.http.request_json("GET", url, params=query,
                                               headers=merged_headers(opts),
                                               **opts.http_kwargs("object"))
    except NotFound:
        return {}
    out: Dict[str, List[str]] = {}
    for seg in doc if isinstance(doc, list) else []:
        cont, _, name = str(seg.get("name") or "").lstrip("/").partition("/")
        if cont and name:
            out.setdefault(cont, []).append(name)
    return out


def _resume(blob: "SwiftBlobClient", account: str, container: str, root: str, size: int,
            in_use: List[str], opts: CallOptions
            ) -> Tuple[Optional[str], Optional[Dict[int, StoredPart]]]:
    """The prefix and reusable segments of the interrupted upload to take
    over, ``(None, None)`` when there is none.  An upload whose segments do
    not follow the plan is deleted.  A container that keeps old versions
    takes over nothing: the segments found may be an older version's
    (taking them over would write over or delete them)."""
    seg_cont = segment_container(container)
    listed = ((e.name, e.size, e.hash) for e in blob.swift.container.content_iter(
        account, seg_cont, prefix=root, delimiter=None, marker=None, end_marker=None,
        page_size=10000, versions=False, deleted=False, properties=False, opts=opts))
    prefix, segments = resumable_segments(root, listed, in_use)
    if prefix is None or blob.swift.keeps_versions(account, container, opts):
        return None, None
    from ...transfer.resume import plan_resume
    plan = plan_resume(size, blob.swift.segment_size, segments)
    if plan is None:
        _cleanup(blob, account, seg_cont, [p.result[0] for p in segments], opts)
        return None, None
    return prefix, plan


def _send_segments(blob: "SwiftBlobClient", account: str, seg_cont: str, prefix: str,
                   source: Source, opts: CallOptions, done: List[Tuple[str, str, int]],
                   stored: List[str], reuse: Optional[Dict[int, StoredPart]] = None) -> None:
    """PUT the segments through the transfer engine; ``done`` gets
    ``(name, md5, size)`` in order, ``stored`` every segment sent (the server
    may have kept it even when its answer was lost or refused), so that all
    are cleaned up after a failure.  A segment
    of ``reuse`` whose MD5 matches the data is not sent again."""
    from ...transfer.engine import TransferEngine
    backend = blob.swift
    lock = threading.Lock()

    def put(body: PartBody) -> Tuple[str, str, int]:
        name = f"{prefix}{body.index:08d}"
        with lock:  # before the PUT: a PUT whose answer is lost may have stored it
            stored.append(name)
        resp = backend.http.request(
            "PUT", backend.url(object_path(account, seg_cont, name)), data=iter(body),
            headers=merged_headers(opts, {"Content-Type": "application/octet-stream"}),
            **opts.http_kwargs("object", write=True))
        got = unquote_etag(resp.headers.get("Etag")) or ""
        want = body.md5_hex()
        if got != want:
            raise ChecksumMismatch(f"segment {body.index} stored with ETag {got}, sent MD5 "
                                   f"{want}", expected=want, actual=got)
        return name, want, body.size

    engine: TransferEngine = TransferEngine(workers=backend.segment_workers,
                                            max_in_flight=backend.segment_workers,
                                            deadline=opts.deadline)
    slo_info = backend.info().get("slo")
    limit = slo_info.get("max_manifest_segments") if isinstance(slo_info, dict) else None
    done.extend(engine.upload_stream(source, backend.segment_size, put,
                                     max_parts=int(limit or MAX_SEGMENTS), reuse=reuse))


def delete_segments(blob: "SwiftBlobClient", account: str, container: str,
                    segments: Dict[str, List[str]], opts: CallOptions) -> None:
    """Delete the segments of the large object an upload into ``container``
    replaced, ``{container: names}`` as :func:`old_segments` gives them
    (best effort), unless ``container`` keeps old versions: the replaced
    manifest is one of them then, and still reads its segments."""
    if not segments or blob.swift.keeps_versions(account, container, opts):
        return
    for cont, names in segments.items():
        _cleanup(blob, account, cont, names, opts)


def _cleanup(blob: "SwiftBlobClient", account: str, seg_cont: str, names: List[str],
             opts: CallOptions) -> None:
    """Delete the segments of a failed upload (best effort)."""
    if not names:
        return
    try:
        blob.swift.container.content_delete_many(account, seg_cont, names, opts)
    except ClientError:
        pass

