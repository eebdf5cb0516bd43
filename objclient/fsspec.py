"""An fsspec filesystem over :class:`~objclient.ObjectStorageApi`: protocol ``objclient``.

pandas, pyarrow, Dask and zarr open ``objclient://container/key`` through it,
on any backend objclient reaches::

    import fsspec
    with fsspec.open("objclient://box/data.csv", "rb",
                     store="swift+https://keystone:5000/v3", user=..., key=...) as f:
        f.read()
    pd.read_parquet("objclient://box/t.parquet", storage_options={"store": URL})

Storage options: ``store`` (an objclient URL, as ``ObjectStorageApi`` takes
it; never ``url``, which fsspec's ``url_to_fs`` keeps for itself),
``profile`` (a saved profile instead), ``account``, ``api`` (an
``ObjectStorageApi`` already built; such a filesystem does not pickle), and
every keyword of ``ObjectStorageApi`` (credentials, timeouts ...).

Paths are ``container/key``; the root lists containers.  Directories are
prefixes, as s3fs reads them: a path with objects under it is a directory,
and a zero-byte object named ``key/`` (a marker other tools leave) is shown
as the directory ``key``.  :meth:`~ObjectStorageFileSystem.mkdir` of a
container creates it; below a container nothing is stored, so empty
directories do not exist.  Reads are ranged GETs behind fsspec's read-ahead
cache; a written file is spooled (memory, then disk) and stored on close by
``object_create_ext``, whose backend sends it in parts (S3 multipart, Swift
SLO ...) above its threshold.  Needs the ``objclient[fsspec]`` extra.
"""

from __future__ import annotations

import datetime
import tempfile
from typing import Any, Dict, Iterator, List, Optional, Tuple

from fsspec.spec import AbstractBufferedFile, AbstractFileSystem

from .contract import Capability
from .exceptions import NotFound

__all__ = ["ObjectStorageFileSystem", "ObjectStorageFile"]

#: Written bytes kept in memory before the spool moves to a temporary file.
SPOOL_MEMORY = 16 * 1024 * 1024

Info = Dict[str, Any]


class ObjectStorageFileSystem(AbstractFileSystem):  # type: ignore[misc]
    """fsspec's filesystem interface over one :class:`~objclient.ObjectStorageApi`.

    :param store: an objclient URL (``swift+https://...``, ``s3+http://...``,
        ``file:///...``); None: the profile, then ``$OBJCLIENT_URL`` ...
        as ``ObjectStorageApi`` resolves it.
    :param profile: a profile name from objclient's config file.
    :param account: the account (default: the backend's).
    :param api: an API already built (then ``store`` and the keywords are
        not used).
    :param kwargs: ``ObjectStorageApi`` keywords (credentials, options),
        and fsspec's own (``skip_instance_cache``, ``use_listings_cache``).
    """

    protocol = ("objclient",)
    root_marker = ""
    #: One ranged GET fetches at least this much (s3fs: 50 MiB; less suits the
    #: small scattered reads of Parquet footers and column chunks).
    blocksize = 5 * 1024 * 1024

    def __init__(self, store: Optional[str] = None, profile: Optional[str] = None,
                 account: Optional[str] = None, api: Any = None, **kwargs: Any) -> None:
        fs_keys = {"skip_instance_cache", "use_listings_cache", "listings_expiry_time",
                   "max_paths", "asynchronous", "loop"}
        api_kwargs = {k: v for k, v in kwargs.items() if k not in fs_keys}
        super().__init__(store=store, profile=profile, account=account, api=api, **kwargs)
        if api is None:
            from .api import ObjectStorageApi
            api = ObjectStorageApi(store, profile=profile, **api_kwargs)
        self.api = api
        self.account = account

    def __repr__(self) -> str:
        return f"ObjectStorageFileSystem({self.api!r}, account={self.account!r})"

    # -- paths ---------------------------------------------------------------
    def split_path(self, path: str) -> Tuple[str, str]:
        """``(container, key)`` of a path; either may be ``""``."""
        path = self._strip_protocol(path)
        container, _, key = path.partition("/")
        return container, key

    @property
    def _caps(self) -> Any:
        return self.api.capabilities

    # -- listing -------------------------------------------------------------
    def _iter_objects(self, container: str, prefix: str,
                      delimiter: Optional[str]) -> Iterator[Any]:
        """Objects (ObjectInfo) and common prefixes (str) under ``prefix``;
        a backend without delimiter listings has them folded here."""
        if delimiter and Capability.DELIMITER not in self._caps:
            seen = set()
            for entry in self.api.object_list_iter(self.account, container,
                                                   prefix=prefix or None):
                rest = entry["name"][len(prefix):]
                if delimiter in rest:
                    common = prefix + rest.split(delimiter, 1)[0] + delimiter
                    if common not in seen:
                        seen.add(common)
                        yield common
                else:
                    yield entry
            return
        yield from self.api.object_list_iter(self.account, container, prefix=prefix or None,
                                             delimiter=delimiter)

    def _file_info(self, container: str, entry: Any) -> Info:
        """The detail dict of one object (listing row or metadata)."""
        etag = entry.get("hash")
        return {"name": f"{container}/{entry['name']}", "size": int(entry["size"] or 0),
                "type": "file", "etag": etag.lower() if etag else etag,
                "hash_method": entry.get("hash_method"), "mtime": entry.get("mtime"),
                "content_type": entry.get("mime_type")}

    @staticmethod
    def _dir_info(name: str) -> Info:
        return {"name": name, "size": 0, "type": "directory"}

    def _containers(self) -> List[Info]:
        return [self._dir_info(entry.name)
                for entry in self.api.container_list_iter(self.account)]

    def _children(self, container: str, key: str) -> List[Info]:
        """The entries one level under ``container/key``."""
        prefix = key + "/" if key else ""
        out: Dict[str, Info] = {}
        for entry in self._iter_objects(container, prefix, "/"):
            if isinstance(entry, str):
                name = f"{container}/{entry.rstrip('/')}"
                out[name] = self._dir_info(name)
            elif entry["name"] == prefix:
                continue  # the marker of the directory being listed
            elif entry["name"].endswith("/"):
                name = f"{container}/{entry['name'].rstrip('/')}"
                out[name] = self._dir_info(name)
            else:
                info = self._file_info(container, entry)
                out.setdefault(info["name"], info)
        return sorted(out.values(), key=lambda i: i["name"])

    def ls(self, path: str, detail: bool = True, **kwargs: Any) -> List[Any]:
        """The entries under ``path`` (containers at the root); a file lists
        as itself, as in s3fs.

        :raises FileNotFoundError: nothing at or under ``path``.
        """
        container, key = self.split_path(path)
        if not container:
            entries = self._containers()
        else:
            try:
                entries = self._children(container, key)
            except NotFound as err:
                raise FileNotFoundError(path) from err
            if not entries and key:
                entries = [self.info(path)]  # a file, or FileNotFoundError
        return entries if detail else [e["name"] for e in entries]

    def info(self, path: str, **kwargs: Any) -> Info:
        """An object's details, or a directory's (a container or a prefix).

        :raises FileNotFoundError: no object, container or prefix there.
        """
        container, key = self.split_path(path)
        if not container:
            return self._dir_info("")
        try:
            if not key:
                self.api.container_show(self.account, container)
                return self._dir_info(container)
            try:
                return self._object_info(container, key)
            except NotFound:
                pass
            for _entry in self._iter_objects(container, key + "/", None):
                return self._dir_info(f"{container}/{key}")
        except NotFound as err:
            raise FileNotFoundError(path) from err
        raise FileNotFoundError(path)

    def _object_info(self, container: str, key: str) -> Info:
        meta = self.api.object_get_properties(self.account, container, key)
        info = self._file_info(container, {**meta, "name": key})
        info["mtime"] = float(meta["mtime"]) if meta.get("mtime") else None
        return info

    def find(self, path: str, maxdepth: Optional[int] = None, withdirs: bool = False,
             detail: bool = False, **kwargs: Any) -> Any:
        """Every file under ``path`` from one flat listing (and, with
        ``withdirs``, the directories their names imply)."""
        container, key = self.split_path(path)
        if maxdepth is not None or not container:
            return super().find(path, maxdepth=maxdepth, withdirs=withdirs, detail=detail,
                                **kwargs)
        found, marker = self._find_flat(container, key, withdirs)
        if not found and not marker and key:
            try:
                info = self._object_info(container, key)
                found = {info["name"]: info}
            except NotFound:
                pass
        top = self._strip_protocol(path)
        if withdirs and key and (marker or any(n != top for n in found)):
            found.setdefault(top, self._dir_info(top))
        names = sorted(found)
        return {n: found[n] for n in names} if detail else names

    def _find_flat(self, container: str, key: str,
                   withdirs: bool) -> Tuple[Dict[str, Info], bool]:
        """The files (and directories) under ``key``, and whether the marker
        ``key/`` exists."""
        prefix = key + "/" if key else ""
        found: Dict[str, Info] = {}
        try:
            entries = list(self._iter_objects(container, prefix, None))
        except NotFound:
            return found, False
        marker = False
        for entry in entries:
            marker = marker or entry["name"] == prefix
            name = f"{container}/{entry['name']}"
            if entry["name"].endswith("/"):
                if withdirs and entry["name"] != prefix:
                    found[name.rstrip("/")] = self._dir_info(name.rstrip("/"))
            else:
                found[name] = self._file_info(container, entry)
            if withdirs:
                self._add_parents(found, container, key, entry["name"])
        return found, marker

    def _add_parents(self, found: Dict[str, Info], container: str, key: str,
                     name: str) -> None:
        parts = name.rstrip("/").split("/")[:-1]
        depth = len(key.split("/")) if key else 0
        for i in range(depth + 1, len(parts) + 1):
            parent = f"{container}/" + "/".join(parts[:i])
            found.setdefault(parent, self._dir_info(parent))

    # -- directories -----------------------------------------------------------
    def mkdir(self, path: str, create_parents: bool = True, **kwargs: Any) -> None:
        """Create the container; below it nothing is stored (as s3fs).

        :raises FileExistsError: the container already exists.
        """
        container, key = self.split_path(path)
        if not container:
            raise ValueError("mkdir needs a container name")
        if key:
            if create_parents and not self.exists(container):
                self.api.container_create(self.account, container)
            return
        if not self.api.container_create(self.account, container):
            raise FileExistsError(path)

    def makedirs(self, path: str, exist_ok: bool = False) -> None:
        """mkdir, quiet with ``exist_ok`` when the container exists."""
        try:
            self.mkdir(path, create_parents=True)
        except FileExistsError:
            if not exist_ok:
                raise

    def rmdir(self, path: str) -> None:
        """Delete an empty container, or a directory marker ``key/``."""
        container, key = self.split_path(path)
        try:
            if key:
                self.api.object_delete(self.account, container, key + "/")
            else:
                self.api.container_delete(self.account, container)
        except NotFound:
            pass

    # -- removal ----------------------------------------------------------------
    def rm(self, path: Any, recursive: bool = False, maxdepth: Optional[int] = None) -> None:
        """Delete files (and with ``recursive``, what is under directories,
        their ``key/`` markers, and containers given by name): one
        ``object_delete_many`` per container and 1000 names."""
        if recursive:
            found: Dict[str, Any] = {}
            for top in self.expand_path(path, recursive=False):
                found.update(self.find(top, maxdepth=maxdepth, withdirs=True, detail=True))
                found.setdefault(self._strip_protocol(top), None)
        else:
            found = dict.fromkeys(self.expand_path(path, maxdepth=maxdepth))
        by_container: Dict[str, List[str]] = {}
        for name, info in found.items():
            container, key = self.split_path(name)
            if key:
                is_dir = info is not None and info["type"] == "directory"
                by_container.setdefault(container, []).append(key + "/" if is_dir else key)
        for container, names in by_container.items():
            for i in range(0, len(names), 1000):
                self.api.object_delete_many(self.account, container, names[i:i + 1000])
        for name in found:
            container, key = self.split_path(name)
            if not key and recursive:
                self.rmdir(container)

    def rm_file(self, path: str) -> None:
        """Delete one object. :raises FileNotFoundError: it does not exist."""
        container, key = self.split_path(path)
        try:
            self.api.object_delete(self.account, container, key)
        except NotFound as err:
            raise FileNotFoundError(path) from err

    # -- bytes ------------------------------------------------------------------
    def cat_file(self, path: str, start: Optional[int] = None, end: Optional[int] = None,
                 **kwargs: Any) -> bytes:
        """An object's bytes (``[start:end]``: one ranged GET where the
        backend has ranges)."""
        if start is None and end is None:
            container, key = self.split_path(path)
            return self._get(container, key, None)
        return super().cat_file(path, start=start, end=end, **kwargs)  # type: ignore[no-any-return]

    def _get(self, container: str, key: str, rng: Optional[Tuple[int, int]]) -> bytes:
        """One GET (ranged: inclusive ``rng``); without range support the
        object is read from its start and the stream closed past the range."""
        ranges = None
        if rng is not None and Capability.RANGES in self._caps:
            ranges = [rng]
        try:
            _meta, stream = self.api.object_fetch(self.account, container, key,
                                                  ranges=ranges, properties=False)
        except NotFound as err:
            raise FileNotFoundError(f"{container}/{key}") from err
        try:
            if rng is None or ranges is not None:
                return b"".join(stream)
            return _slice(stream, rng[0], rng[1] + 1)
        finally:
            stream.close()

    def _fetch_range(self, path: str, start: int, end: int) -> bytes:
        if end <= start:
            return b""
        container, key = self.split_path(path)
        return self._get(container, key, (start, end - 1))

    def pipe_file(self, path: str, value: bytes, mode: str = "overwrite",
                  **kwargs: Any) -> None:
        """Store ``value`` as the object at ``path``.

        :param mode: ``overwrite``, or ``create``: FileExistsError when an
            object is there (checked first, not atomically: the facade has no
            conditional write).
        """
        if mode == "create" and self.exists(path):
            raise FileExistsError(path)
        self._put(path, value)

    def _put(self, path: str, data: Any = None, file_or_path: Any = None) -> None:
        container, key = self.split_path(path)
        if not key:
            raise IsADirectoryError(f"{path}: a container, not an object path")
        self.api.object_create_ext(self.account, container, file_or_path=file_or_path,
                                   data=data, obj_name=key)

    def put_file(self, lpath: str, rpath: str, callback: Any = None,
                 mode: str = "overwrite", **kwargs: Any) -> None:
        """Upload a local file in constant memory (parts above the
        backend's threshold); a local directory makes nothing."""
        import os
        if os.path.isdir(lpath):
            self.makedirs(rpath, exist_ok=True)
            return
        self._put(rpath, file_or_path=lpath)

    def get_file(self, rpath: str, lpath: str, callback: Any = None,
                 outfile: Any = None, **kwargs: Any) -> None:
        """Download an object to a local path, its MD5 checked; a directory
        becomes a local directory."""
        import os
        if self.isdir(rpath):
            os.makedirs(lpath, exist_ok=True)
            return
        container, key = self.split_path(rpath)
        try:
            self.api.object_download(self.account, container, key, outfile or lpath)
        except NotFound as err:
            raise FileNotFoundError(rpath) from err

    def cp_file(self, path1: str, path2: str, **kwargs: Any) -> None:
        """Copy one object: server-side where the backend links or copies
        (``object_link``), else read and stored again as a stream."""
        c1, k1 = self.split_path(path1)
        c2, k2 = self.split_path(path2)
        if not k1 or not k2:
            raise FileNotFoundError(path1)
        try:
            if Capability.LINK in self._caps:
                self.api.object_link(self.account, c1, k1, self.account, c2, k2)
                return
            _meta, stream = self.api.object_fetch(self.account, c1, k1, properties=False)
        except NotFound as err:
            raise FileNotFoundError(path1) from err
        try:
            self.api.object_create_ext(self.account, c2, data=stream, obj_name=k2)
        finally:
            stream.close()

    # -- identity ---------------------------------------------------------------
    def ukey(self, path: str) -> str:
        """The backend's hash of the object (MD5 or ETag) and its size."""
        info = self.info(path)
        return f"{info.get('etag')}:{info['size']}"

    def checksum(self, path: str) -> int:
        """The backend's hash of the object as an int (it changes with the
        content, not with a copy)."""
        info = self.info(path)
        etag = (info.get("etag") or "").strip('"')
        try:
            return int(etag.split("-")[0], 16)
        except ValueError:
            return super().checksum(path)  # type: ignore[no-any-return]

    def modified(self, path: str) -> datetime.datetime:
        """When the object was last written (UTC)."""
        mtime = self.info(path).get("mtime")
        if mtime is None:
            raise NotImplementedError(f"the {self.api.backend} backend keeps no mtime")
        return datetime.datetime.fromtimestamp(float(mtime), datetime.timezone.utc)

    def _open(self, path: str, mode: str = "rb", block_size: Optional[int] = None,
              autocommit: bool = True, cache_options: Optional[Dict[str, Any]] = None,
              **kwargs: Any) -> "ObjectStorageFile":
        if mode == "xb":
            if self.exists(path):
                raise FileExistsError(path)
            mode = "wb"
        if mode not in ("rb", "wb"):
            raise NotImplementedError(f"mode {mode!r}: objects are read (rb) or "
                                      "written whole (wb, xb)")
        return ObjectStorageFile(self, path, mode, block_size=block_size or self.blocksize,
                                 autocommit=autocommit, cache_options=cache_options,
                                 **kwargs)


def _slice(stream: Iterator[bytes], start: int, end: int) -> bytes:
    """Bytes ``[start:end]`` of a stream, read no further than ``end``."""
    kept, seen = [], 0
    for block in stream:
        if seen + len(block) > start:
            kept.append(block[max(start - seen, 0):end - seen])
        seen += len(block)
        if seen >= end:
            break
    return b"".join(kept)


class ObjectStorageFile(AbstractBufferedFile):  # type: ignore[misc]
    """A file on :class:`ObjectStorageFileSystem`: ranged reads, and writes
    spooled until :meth:`close` stores the object in one call."""

    def _fetch_range(self, start: int, end: int) -> bytes:
        return self.fs._fetch_range(self.path, start, end)  # type: ignore[no-any-return]

    def _initiate_upload(self) -> None:
        self._spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY)

    def _upload_chunk(self, final: bool = False) -> bool:
        self._spool.write(self.buffer.getvalue())
        if final:
            self._spool.seek(0)
            try:
                self.fs._put(self.path, data=self._spool)
            finally:
                self._spool.close()
        return True
