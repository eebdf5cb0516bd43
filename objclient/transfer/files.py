"""Downloads to paths and file objects, verified, in parallel ranges when big.

:func:`download` writes to a temporary name beside the destination and
renames it on success, so a failed or corrupt download never leaves a
partial file under the real name.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Dict, Iterator, List, Optional

from ..contract import Capability
from ..exceptions import ChecksumMismatch
from ..integrity import PartsCheck, close_hash, new_md5
from ..models import ObjectInfo
from .engine import DEFAULT_PART_SIZE, TransferEngine, plan_parts

__all__ = ["download", "PARALLEL_THRESHOLD"]

#: Objects at least this large are fetched in parallel ranges (when the
#: backend supports ranges and more than one worker is asked for).
PARALLEL_THRESHOLD = 64 * 1024 * 1024

ProgressFn = Callable[[int, Optional[int]], None]


def _is_md5(info: ObjectInfo) -> bool:
    return bool(info.hash) and (info.hash_method or "md5") == "md5" and len(info.hash or "") == 32


def download(api: Any, account: Optional[str], container: str, obj: str,
             file_or_path: Any, *, verify: bool = True, workers: int = 1,
             part_size: int = DEFAULT_PART_SIZE, progress: Optional[ProgressFn] = None,
             deadline: Optional[float] = None,
             parallel_threshold: int = PARALLEL_THRESHOLD, **kwargs: Any) -> ObjectInfo:
    """Save an object to a path or a binary file object.

    :param verify: compare the MD5 of what was received with the object's
        (when the backend reports a real MD5: not the ETag of an S3 multipart
        upload or a Swift large object, which the backend's own read checks
        where it can); a mismatch raises :class:`ChecksumMismatch` and, for
        a path, removes the partial file.  No MD5 is computed when there is
        nothing to compare it with, nor when the stream of a single GET
        checks the body itself (``verifies_body``): each byte is hashed once.
    :param workers: parallel ranged requests (of ``part_size`` bytes) for
        objects of at least ``parallel_threshold`` bytes.
    :param progress: ``progress(bytes_done, bytes_total)``.
    :returns: the object's metadata.
    """
    if isinstance(file_or_path, (str, os.PathLike)):
        path = os.fspath(file_or_path)
        folder = os.path.dirname(os.path.abspath(path))
        os.makedirs(folder, exist_ok=True)
        tmp = os.path.join(folder, f".{os.path.basename(path)}.part-{os.getpid()}")
        try:
            with open(tmp, "w+b") as fh:  # read too: parts written in place are read back
                # A file of our own: range workers may write it at their offsets.
                info = _download_to(api, account, container, obj, fh, True, verify, workers,
                                    part_size, progress, deadline, parallel_threshold, kwargs)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return info
    return _download_to(api, account, container, obj, file_or_path, False, verify, workers,
                        part_size, progress, deadline, parallel_threshold, kwargs)


class _Written:
    """What a range worker returns once it wrote its part into the file: the
    part's length, for the engine's size check (the bytes are in the file)."""

    __slots__ = ("size",)

    def __init__(self, size: int) -> None:
        self.size = size

    def __len__(self) -> int:
        return self.size


#: bytes read back at a time to hash a part written in place
_READ_BACK = 1024 * 1024


def _download_to(api: Any, account: Optional[str], container: str, obj: str, out: Any,
                 own_file: bool, verify: bool, workers: int, part_size: int,
                 progress: Optional[ProgressFn], deadline: Optional[float],
                 parallel_threshold: int, kwargs: Dict[str, Any]) -> ObjectInfo:
    """:func:`download` into the binary file object ``out``; ``own_file``:
    ``out`` is the fresh temporary file of a path download."""
    if workers > 1 and Capability.RANGES in api.capabilities:
        info = api._object_info(account, container, obj, deadline=deadline, **kwargs)
        if info.size >= parallel_threshold:
            # No server checksum covers a range: an object whose hash is not
            # an MD5 (multipart, large object) is checked part by part as a whole.
            whole = None if not verify or _is_md5(info) else api._ranged_check(
                account, container, obj, info, deadline=deadline, **kwargs)
            engine: TransferEngine[Any] = TransferEngine(workers=workers, deadline=deadline)
            # Into a file of our own, each worker writes its range at its offset
            # as it arrives: memory stays at a chunk per worker, whatever the
            # part size.  The parts are then hashed in order, read back.
            fd = out.fileno() if own_file and hasattr(os, "pwrite") else None

            def fetch(part: Any, _unused: bytes) -> Any:
                _meta, stream = api.object_fetch(account, container, obj,
                                                 ranges=[(part.offset, part.last)],
                                                 deadline=deadline, **kwargs)
                try:
                    if fd is None:
                        return b"".join(stream)
                    offset = part.offset
                    for chunk in stream:
                        view = memoryview(chunk)
                        while view:
                            written = os.pwrite(fd, view, offset)
                            view, offset = view[written:], offset + written
                    return _Written(offset - part.offset)
                finally:
                    stream.close()

            plan = plan_parts(info.size, part_size)
            parts = engine.download(plan, fetch, progress=progress, total=info.size)
            if fd is None:
                _save(parts, out, info, verify, whole=whole)
            else:
                _save(_read_back(fd, plan, parts), None, info, verify, whole=whole)
            return info
    info, stream = api.object_fetch(account, container, obj, deadline=deadline, **kwargs)
    # A stream that checks itself raises before its last chunk is written:
    # hashing it here too would be a second pass over every byte.
    checked = getattr(stream, "verifies_body", False)
    try:
        done = _save(stream, out, info, verify and not checked, progress)
    finally:
        stream.close()
    if done != info.size:
        raise ChecksumMismatch(f"received {done} bytes of {info.size}",
                               expected=str(info.size), actual=str(done))
    return info


def _read_back(fd: int, plan: List[Any], written: Iterator[Any]) -> Iterator[bytes]:
    """The bytes of each part, in order, read back from the file once its
    worker has written it (``written`` yields as the parts complete)."""
    for part, _done in zip(plan, written):
        offset, end = part.offset, part.offset + part.size
        while offset < end:
            block = os.pread(fd, min(_READ_BACK, end - offset), offset)
            if not block:
                raise ChecksumMismatch(f"the file ends at byte {offset}, before part "
                                       f"{part.index} does", expected=str(end),
                                       actual=str(offset))
            yield block
            offset += len(block)


def _save(chunks: Iterator[bytes], out: Any, info: ObjectInfo, verify: bool,
          progress: Optional[ProgressFn] = None, whole: Optional[PartsCheck] = None) -> int:
    """Write ``chunks`` to ``out`` (None: they are in the file already),
    hashed when ``verify`` and the object's hash is an MD5 to compare with,
    and fed to ``whole`` (checked at the end) when given; :returns: the bytes
    written.

    A large body is hashed on another thread (:func:`~objclient.integrity.new_md5`)
    while this one writes it and the range workers fetch the next parts."""
    md5 = new_md5(info.size) if verify and _is_md5(info) else None
    done = 0
    try:
        for chunk in chunks:
            if md5 is not None:
                md5.update(chunk)
            if whole is not None:
                whole.update(chunk)
            if out is not None:  # None: the bytes are in the file already
                out.write(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, info.size)
        if md5 is not None:
            _check(info, md5)
        if whole is not None:
            whole.verify()
    finally:
        close_hash(md5)
        if whole is not None:
            whole.close()
    return done


def _check(info: ObjectInfo, md5: Any) -> None:
    actual = md5.hexdigest()
    if actual != (info.hash or "").lower():
        raise ChecksumMismatch(f"downloaded data has MD5 {actual}, the server "
                               f"reported {info.hash}", expected=info.hash, actual=actual)
