"""Downloads to paths and file objects, verified, in parallel ranges when big.

:func:`download` writes to a temporary name beside the destination and
renames it on success, so a failed or corrupt download never leaves a
partial file under the real name.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Iterator, Optional

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
            with open(tmp, "wb") as fh:
                info = download(api, account, container, obj, fh, verify=verify,
                                workers=workers, part_size=part_size, progress=progress,
                                deadline=deadline, parallel_threshold=parallel_threshold,
                                **kwargs)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return info

    out = file_or_path
    if workers > 1 and Capability.RANGES in api.capabilities:
        info = api._object_info(account, container, obj, deadline=deadline, **kwargs)
        if info.size >= parallel_threshold:
            # No server checksum covers a range: an object whose hash is not
            # an MD5 (multipart, large object) is checked part by part as a whole.
            whole = None if not verify or _is_md5(info) else api._ranged_check(
                account, container, obj, deadline=deadline, **kwargs)
            engine: TransferEngine[bytes] = TransferEngine(workers=workers, deadline=deadline)

            def fetch(part: Any, _unused: bytes) -> bytes:
                _meta, stream = api.object_fetch(account, container, obj,
                                                 ranges=[(part.offset, part.last)],
                                                 deadline=deadline, **kwargs)
                try:
                    return b"".join(stream)
                finally:
                    stream.close()

            parts = engine.download(plan_parts(info.size, part_size), fetch,
                                    progress=progress, total=info.size)
            _save(parts, out, info, verify, whole=whole)
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


def _save(chunks: Iterator[bytes], out: Any, info: ObjectInfo, verify: bool,
          progress: Optional[ProgressFn] = None, whole: Optional[PartsCheck] = None) -> int:
    """Write ``chunks`` to ``out``, hashed when ``verify`` and the object's
    hash is an MD5 to compare with, and fed to ``whole`` (checked at the end)
    when given; :returns: the bytes written.

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
