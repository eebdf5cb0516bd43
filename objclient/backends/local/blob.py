"""Local backend: writing and reading object data files."""

from __future__ import annotations

from typing import TYPE_CHECKING

import contextlib
import os
import time
from typing import Any, Iterator, List, Mapping, Optional, Sequence, Tuple

from ...contract import DEFAULT_OPTS, BlobClient, CallOptions, Range
from ...exceptions import ChecksumMismatch, DeadlineReached, NoSuchContainer, NoSuchObject
from ...models import ChunkInfo, ObjectInfo
from ...ranges import resolve_range
from ...streaming import ChunkStream
from .container import row_to_info
from .resume import resumable_file, write_resumed
from .store import write_stream

if TYPE_CHECKING:  # pragma: no cover
    from ...source import Source  # not at run time: it loads the integrity module
    from . import LocalBackend

__all__ = ["LocalBlobClient", "FileStream"]

_BLOCK = 1024 * 1024


class FileStream(ChunkStream):
    """Chunks of a local data file (whole, or some ranges), file-like too.

    A whole read is checked against the stored MD5 at the end and raises
    :class:`ChecksumMismatch` if the file was damaged on disk.
    """

    def __init__(self, fh: Any, spans: List[Tuple[int, int]], expected_md5: Optional[str],
                 chunk_size: int = _BLOCK) -> None:
        self._fh = fh
        self._spans = spans
        self._expected = expected_md5.lower() if expected_md5 else None
        self._chunk = chunk_size

    @property
    def verifies_body(self) -> bool:
        """Whether the whole body is checked against the stored MD5."""
        return self._expected is not None

    def _generate(self) -> Iterator[bytes]:
        import hashlib
        md5 = hashlib.md5() if self._expected else None
        try:
            for first, last in self._spans:
                self._fh.seek(first)
                left = last - first + 1
                while left > 0:
                    block = self._fh.read(min(left, self._chunk))
                    if not block:
                        raise ChecksumMismatch("local data file is shorter than its record")
                    left -= len(block)
                    if md5 is not None:
                        md5.update(block)
                    yield block
            if md5 is not None and md5.hexdigest() != self._expected:
                raise ChecksumMismatch(
                    f"local data has MD5 {md5.hexdigest()}, expected {self._expected}",
                    expected=self._expected, actual=md5.hexdigest())
        finally:
            self.close()

    def _release(self) -> None:
        self._fh.close()


def _bounded(source: Source, deadline: Optional[float]) -> Iterator[bytes]:
    for block in source:
        if deadline is not None and time.monotonic() >= deadline:
            raise DeadlineReached("the deadline passed while storing the object")
        yield block


class LocalBlobClient(BlobClient):
    """Data goes to ``tmp/``, then ``data/``, then into the index."""

    backend: "LocalBackend"

    def upload(self, account: str, container: str, obj: str, source: Source, *,
               mime_type: Optional[str], properties: Mapping[str, str],
               etag: Optional[str], append: bool, policy: Optional[str],
               autocreate: bool, container_properties: Optional[Mapping[str, str]],
               opts: CallOptions = DEFAULT_OPTS,
               resume: bool = False) -> Tuple[ObjectInfo, List[ChunkInfo]]:
        """Write ``source`` to a temporary file, move it into ``data/``, then
        record it.  ``resume``: the temporary file is the one an interrupted
        upload of ``obj`` left (see :mod:`.resume`)."""
        backend = self.backend
        store = backend.store
        if not autocreate:
            backend.container.show(account, container, opts)
        conn = store.db(account, create=autocreate)
        prefix_file = None
        base_data = None
        if append:
            try:
                row = backend.container.object_row(conn, account, container, obj)
            except NoSuchObject:
                row = None
            except NoSuchContainer:
                if not autocreate:
                    raise
                row = None
            if row is not None:
                base_data = row[8]
                prefix_file = store.data_path(account, base_data)
                if mime_type is None:
                    mime_type = row[4]
                if not properties:
                    properties = row_to_info(row, account, container).properties
        resumable = store.resume_path(account, container, obj) if resume else None
        with resumable_file(resumable) if resumable else contextlib.nullcontext() as fd:
            if fd is None:
                tmp = store.tmp_path(account)
                size, md5 = write_stream(tmp, _bounded(source, opts.deadline), store.fsync,
                                         prefix=prefix_file)
            else:
                tmp = resumable  # type: ignore[assignment]
                size, md5, _kept = write_resumed(fd, _bounded(source, opts.deadline),
                                                 store.fsync)
            if etag is not None and etag != md5 and not append:
                os.unlink(tmp)
                raise ChecksumMismatch(f"data has MD5 {md5}, the caller expected {etag}; "
                                       "nothing was stored", expected=etag, actual=md5)
            data_id = store.commit_file(account, tmp)
        try:
            info = backend.record_object(
                account, container, obj, data_id=data_id, size=size, md5=md5,
                mime=mime_type or "application/octet-stream", properties=properties,
                autocreate=autocreate, container_properties=container_properties,
                expect_data=base_data)
        except BaseException:
            store.remove_file(account, data_id)
            raise
        url = "file://" + store.data_path(account, data_id)
        return info, [ChunkInfo(url=url, pos="0", size=size, hash=md5)]

    def download(self, account: str, container: str, obj: str, *,
                 version: Optional[Any], ranges: Optional[Sequence[Range]],
                 opts: CallOptions = DEFAULT_OPTS) -> Tuple[ObjectInfo, Any]:
        store = self.backend.store
        for _attempt in range(3):
            conn = store.db(account)
            row = self.backend.container.object_row(conn, account, container, obj, version)
            info = row_to_info(row, account, container)
            try:
                fh = open(store.data_path(account, row[8]), "rb") if row[8] else None
            except FileNotFoundError:
                continue  # replaced between the lookup and the open: look again
            break
        else:
            raise NoSuchObject(f"object {obj!r} keeps changing; could not read it")
        if fh is None:
            import io
            fh = io.BytesIO(b"")  # type: ignore[assignment]
        try:
            if ranges:
                spans = [resolve_range(r, info.size) for r in ranges]
                expected = None
            else:
                spans = [(0, info.size - 1)] if info.size else []
                expected = info.hash
        except BaseException:
            with contextlib.suppress(OSError):
                fh.close()  # type: ignore[union-attr]
            raise
        return info, FileStream(fh, spans, expected)
