"""A plain folder of files seen as a container, for copy and sync.

:class:`FolderStore` answers the few facade calls that :mod:`sync` uses
(listing, fetch, create, delete) over an ordinary directory tree, so that
``objclient sync ./photos s3+https://host#bucket/photos/`` works both ways.
Object names are relative paths with ``/``; a name that would leave the
folder (``..``, absolute) is refused.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from typing import Any, Iterator, Optional, Tuple

from ..exceptions import ChecksumMismatch, InvalidName, NotFound
from ..listing import name_key
from ..models import ObjectInfo

__all__ = ["FolderStore"]

_BLOCK = 1024 * 1024


class FolderStore:
    """A folder with the object calls that copy and sync need.

    :param root: the folder (created on the first write).
    """

    backend = "folder"
    capabilities: frozenset = frozenset()

    def __init__(self, root: str) -> None:
        self.root = os.path.abspath(root)

    def _path(self, name: str) -> str:
        parts = name.split("/")
        if not name or name.startswith("/") or any(p in ("", ".", "..") for p in parts) \
                or "\0" in name or os.sep != "/" and os.sep in name:
            raise InvalidName(f"{name!r} cannot be a file name inside {self.root}")
        return os.path.join(self.root, *parts)

    def _info(self, name: str, path: str) -> ObjectInfo:
        st = os.stat(path)
        return ObjectInfo(name=name, size=st.st_size, hash=None, hash_method=None,
                          mtime=st.st_mtime, ctime=st.st_ctime)

    def container_create(self, account: Any, container: Any) -> bool:
        """Make the folder."""
        os.makedirs(self.root, exist_ok=True)
        return True

    def object_list_iter(self, account: Any, container: Any,
                         prefix: Optional[str] = None) -> Iterator[ObjectInfo]:
        """Every file under the folder, in UTF-8 byte order of its name."""
        found = []
        for folder, dirs, files in os.walk(self.root):
            dirs[:] = [d for d in dirs if not d.startswith(".objclient-")]
            for fname in files:
                if fname.startswith(".objclient-"):
                    continue
                full = os.path.join(folder, fname)
                name = os.path.relpath(full, self.root).replace(os.sep, "/")
                if prefix is None or name.startswith(prefix):
                    found.append((name, full))
        for name, full in sorted(found, key=lambda item: name_key(item[0])):
            yield self._info(name, full)

    def object_fetch(self, account: Any, container: Any, name: str) -> Tuple[ObjectInfo, Any]:
        """``(info, stream)`` of a file."""
        path = self._path(name)
        try:
            fh = open(path, "rb")
        except FileNotFoundError:
            raise NotFound(f"no file {name!r} in {self.root}") from None
        return self._info(name, path), _FileChunks(fh)

    def object_create_ext(self, account: Any, container: Any, *, data: Any, obj_name: str,
                          etag: Optional[str] = None, **_ignored: Any) -> Tuple[Any, ...]:
        """Write a file through a temporary name, checking ``etag`` if given."""
        path = self._path(obj_name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = os.path.join(os.path.dirname(path), f".objclient-{uuid.uuid4().hex}")
        md5 = hashlib.md5()
        size = 0
        try:
            with open(tmp, "wb") as out:
                while True:
                    block = data.read(_BLOCK)
                    if not block:
                        break
                    md5.update(block)
                    size += len(block)
                    out.write(block)
            if etag and etag.lower() != md5.hexdigest():
                raise ChecksumMismatch(f"{obj_name}: data has MD5 {md5.hexdigest()}, "
                                       f"expected {etag}")
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        info = self._info(obj_name, path)
        return [], size, md5.hexdigest(), info

    def object_delete(self, account: Any, container: Any, name: str) -> None:
        """Remove a file."""
        try:
            os.unlink(self._path(name))
        except FileNotFoundError:
            raise NotFound(f"no file {name!r} in {self.root}") from None


class _FileChunks:
    def __init__(self, fh: Any) -> None:
        self._fh = fh

    def __iter__(self) -> Iterator[bytes]:
        with self._fh:
            yield from iter(lambda: self._fh.read(_BLOCK), b"")

    def read(self, size: int = -1) -> bytes:
        return self._fh.read(size)  # type: ignore[no-any-return]

    def close(self) -> None:
        self._fh.close()
