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
from typing import Any, Iterator, Mapping, Optional, Tuple

from ..exceptions import ChecksumMismatch, InvalidName, NotFound
from ..listing import name_key
from ..models import ObjectInfo

__all__ = ["FolderStore"]

_BLOCK = 1024 * 1024
_TEMP = ".objclient-"


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

    def object_list_iter(self, account: Any, container: Any, prefix: Optional[str] = None,
                         marker: Optional[str] = None,
                         **_ignored: Any) -> Iterator[ObjectInfo]:
        """Every file under the folder whose name starts with ``prefix`` and
        comes after ``marker``, in UTF-8 byte order of its name.

        The tree is walked one folder at a time, each folder's entries sorted
        as their names sort (a sub-folder ``d`` as ``d/``), so memory is one
        folder's entries, not the whole tree's.
        """
        for name, full in self._walk(self.root, "", prefix or "", marker):
            yield self._info(name, full)

    def _walk(self, folder: str, base: str, prefix: str,
              marker: Optional[str]) -> Iterator[Tuple[str, str]]:
        try:
            entries = list(os.scandir(folder))
        except FileNotFoundError:
            return
        keyed = []
        for entry in entries:
            if entry.name.startswith(".objclient-"):
                continue
            is_dir = entry.is_dir(follow_symlinks=True)
            name = base + entry.name + ("/" if is_dir else "")
            keyed.append((name_key(name), name, entry.path, is_dir))
        keyed.sort()
        for _key, name, path, is_dir in keyed:
            if not _may_hold(name, prefix, marker, is_dir):
                continue
            if is_dir:
                yield from self._walk(path, name, prefix, marker)
            else:
                yield name, path

    def object_fetch(self, account: Any, container: Any, name: str) -> Tuple[ObjectInfo, Any]:
        """``(info, stream)`` of a file."""
        path = self._path(name)
        try:
            fh = open(path, "rb")
        except FileNotFoundError:
            raise NotFound(f"no file {name!r} in {self.root}") from None
        return self._info(name, path), _FileChunks(fh)

    def object_create_ext(self, account: Any, container: Any, *, data: Any, obj_name: str,
                          etag: Optional[str] = None,
                          properties: Optional[Mapping[str, str]] = None,
                          **_ignored: Any) -> Tuple[Any, ...]:
        """Write a file through a temporary name, checking ``etag`` if given.

        The file appears under its name complete or not at all; its
        modification time is the ``mtime`` property when one is given.  A
        process killed mid-write leaves a hidden ``.objclient-PID-*`` file
        that :meth:`remove_leftovers` deletes.
        """
        path = self._path(obj_name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = os.path.join(os.path.dirname(path),
                           f"{_TEMP}{os.getpid()}-{uuid.uuid4().hex}")
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
            mtime = (properties or {}).get("mtime")
            if mtime:
                os.utime(tmp, (float(mtime), float(mtime)))
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        info = self._info(obj_name, path)
        return [], size, md5.hexdigest(), info

    def object_md5(self, name: str) -> str:
        """The hex MD5 of a file's bytes (a folder keeps no hash: this reads it)."""
        md5 = hashlib.md5()
        with open(self._path(name), "rb") as fh:
            for block in iter(lambda: fh.read(_BLOCK), b""):
                md5.update(block)
        return md5.hexdigest()

    def remove_leftovers(self) -> int:
        """Delete the temporary files of writers that died (their process is
        gone); :returns: how many."""
        removed = 0
        for folder, _dirs, files in os.walk(self.root):
            for fname in files:
                if fname.startswith(_TEMP) and not _alive(fname[len(_TEMP):].split("-")[0]):
                    os.unlink(os.path.join(folder, fname))
                    removed += 1
        return removed

    def object_delete(self, account: Any, container: Any, name: str) -> None:
        """Remove a file."""
        try:
            os.unlink(self._path(name))
        except FileNotFoundError:
            raise NotFound(f"no file {name!r} in {self.root}") from None


def _alive(pid_text: str) -> bool:
    """Whether the process of a temporary file's name still runs."""
    try:
        os.kill(int(pid_text), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def _may_hold(name: str, prefix: str, marker: Optional[str], is_dir: bool) -> bool:
    """Whether a file ``name`` (or a folder ``name`` ending in ``/``, for the
    names under it) can be in a listing of ``prefix`` after ``marker``."""
    if is_dir:
        if not (name.startswith(prefix) or prefix.startswith(name)):
            return False
        return marker is None or marker.startswith(name) or name_key(marker) < name_key(name)
    return name.startswith(prefix) and (marker is None or name_key(name) > name_key(marker))


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
