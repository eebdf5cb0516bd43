"""ReductStore facade: an upload writes a record; a download reads one."""

from __future__ import annotations

import hashlib
import io
import tempfile
import time
from typing import Any, cast, List, Mapping, Optional, Sequence, Tuple

from ...contract import DEFAULT_OPTS, BlobClient, CallOptions, Range
from ...exceptions import (ChecksumMismatch, Conflict, DeadlineReached, NoSuchContainer,
                           NoSuchObject, NotSupported)
from ...http import BodyStream
from ...models import ChunkInfo, ObjectInfo
from ...source import Source
from .bucket import record_from_headers
from .container import object_info, version_us
from .names import MD5_LABEL, check_label_value, encode_entry, encode_label
from .records import RecordExists
from .wire import now_us

__all__ = ["ReductBlobClient", "spool"]

_MEMORY_LIMIT = 8 * 1024 * 1024
#: How many times an upload waits 0.2 s for a removal of its entry to end.
_DELETE_WAITS = 10


def spool(source: Source, deadline: Optional[float] = None) -> Tuple[Any, int, str]:
    """Read ``source`` once into memory (or a temporary file past 8 MiB).

    :returns: ``(seekable body at 0, size, hex md5)``.
    """
    md5 = hashlib.md5()
    buf: Any = io.BytesIO()
    size = 0
    for block in source:
        if deadline is not None and time.monotonic() >= deadline:
            raise DeadlineReached("the deadline passed while reading the upload")
        md5.update(block)
        size += len(block)
        if isinstance(buf, io.BytesIO) and size > _MEMORY_LIMIT:
            spill = tempfile.TemporaryFile()
            spill.write(buf.getvalue())
            buf = spill
        buf.write(block)
    if isinstance(buf, io.BytesIO):
        return buf.getvalue(), size, md5.hexdigest()
    buf.seek(0)
    return buf, size, md5.hexdigest()


def _hash_in_place(source: Source, deadline: Optional[float]
                   ) -> Optional[Tuple[Any, int, str]]:
    """``(source rewound, size, md5)`` when the source can be read twice, else None."""
    if not source.rewindable or source.size is None:
        return None
    md5 = hashlib.md5()
    size = 0
    for block in source:
        if deadline is not None and time.monotonic() >= deadline:
            raise DeadlineReached("the deadline passed while reading the upload")
        md5.update(block)
        size += len(block)
    source.rewind()
    if size != source.size:  # the file changed size under us: take a stable copy
        return None
    return source, size, md5.hexdigest()


class ReductBlobClient(BlobClient):
    """Records written with ``POST /b/{bucket}/{entry}?ts=now``."""

    @property
    def reduct(self) -> Any:
        """The low-level :class:`~objclient.backends.reduct.ReductClient`."""
        return cast(Any, self.backend).client

    def upload(self, account: str, container: str, obj: str, source: Source, *,
               mime_type: Optional[str], properties: Mapping[str, str],
               etag: Optional[str], append: bool, policy: Optional[str],
               autocreate: bool, container_properties: Optional[Mapping[str, str]],
               opts: CallOptions = DEFAULT_OPTS) -> Tuple[ObjectInfo, List[ChunkInfo]]:
        if append:
            raise NotSupported("ReductStore records cannot be appended to",
                               capability="append", backend="reduct")
        labels = {encode_label(k): check_label_value(k, v) for k, v in properties.items()}
        bucket = cast(Any, self.backend.container).bucket(account, container)
        entry = encode_entry(obj)
        # The MD5 travels as a label, so it must be known before the body is sent:
        # a rewindable source of known size is read twice, anything else spooled.
        body, size, md5 = _hash_in_place(source, opts.deadline) or spool(source, opts.deadline)
        if etag is not None and etag != md5:
            raise ChecksumMismatch(f"data has MD5 {md5}, the caller expected {etag}; "
                                   "nothing was stored", expected=etag, actual=md5)
        labels[MD5_LABEL] = md5
        ctype = mime_type or "application/octet-stream"
        ts = now_us()
        created = False
        for _attempt in range(_DELETE_WAITS):
            if not isinstance(body, bytes):
                body.seek(0)
            try:
                bucket.write(entry, body, ts, size, content_type=ctype, labels=labels,
                             opts=opts)
                break
            except NoSuchContainer:
                if not autocreate or created:
                    raise
                self.backend.container.create(account, container, properties={}, system={},
                                              opts=opts)
                created = True
            except RecordExists:
                raise  # never moved to ts + 1: that would store the object twice
            except Conflict as err:
                if "being deleted" not in (err.server_message or ""):
                    raise
                time.sleep(0.2)  # 1.18+: a removal of the entry still runs
        else:
            raise Conflict(f"entry {entry!r} of {container!r} is still being deleted; "
                           f"{obj!r} was not written", status=409, backend="reduct")
        info = ObjectInfo(name=obj, size=size, hash=md5, hash_method="md5", mime_type=ctype,
                          ctime=ts / 1e6, mtime=ts / 1e6, version=ts,
                          properties=dict(properties), id=f"{entry}@{ts}",
                          container=container, account=account,
                          extra={"entry": entry, "timestamp": ts})
        url = self.reduct.http.url_for(bucket._bpath(entry)) + f"?ts={ts}"
        return info, [ChunkInfo(url=url, pos="0", size=size, hash=md5)]

    def download(self, account: str, container: str, obj: str, *,
                 version: Optional[Any], ranges: Optional[Sequence[Range]],
                 opts: CallOptions = DEFAULT_OPTS) -> Tuple[ObjectInfo, Any]:
        if ranges:
            raise NotSupported("ReductStore records are read whole", capability="ranges",
                               backend="reduct")
        bucket = cast(Any, self.backend.container).bucket(account, container)
        entry = encode_entry(obj)
        ts = version_us(version)
        try:
            resp = self.reduct.request("GET", bucket._bpath(bucket._entry(entry)),
                                       params=None if ts is None else {"ts": ts},
                                       stream=True, opts=opts)
        except (NoSuchObject, Conflict) as err:
            raise NoSuchObject(f"object {obj!r} does not exist in container {container!r}",
                               status=404, server_message=err.server_message) from None
        info = object_info(record_from_headers(resp.headers, entry), obj, account, container)
        stream = BodyStream(resp, expected_size=info.size,
                            expected_md5=info.hash if info.hash_method == "md5" else None,
                            deadline=opts.deadline)
        return info, stream
