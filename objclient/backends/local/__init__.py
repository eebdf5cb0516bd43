"""The local backend (``file://PATH``): a durable object store in a folder.

The embedded default of objclient: no server, and safe for real use (atomic
writes, versions, concurrent writers from several processes).  See
:mod:`objclient.backends.local.store` for the layout on disk.

URL: ``file:///srv/objects`` (``?fsync=0`` trades durability for speed,
e.g. in tests).
"""

from __future__ import annotations

import time
from typing import Any, Dict, List, Mapping, Optional, Tuple
from urllib.parse import parse_qs, unquote, urlsplit

import attrs

from ...contract import Backend, Capability, http_client_recipe, reject_unknown_options
from ...exceptions import Conflict, InvalidArgument, NoSuchContainer
from ...models import ObjectInfo
from ...names import NameRules
from .account import LocalAccountClient
from .blob import LocalBlobClient
from .container import LocalContainerClient, max_versions, row_to_info
from .directory import LocalDirectoryClient
from .store import LocalStore, dumps, loads, write_stream

__all__ = ["create_backend", "LocalBackend", "LOCAL_NAME_RULES", "LOCAL_CAPABILITIES"]

#: Local limits: generous, but finite so mistakes are caught.
LOCAL_NAME_RULES = NameRules(
    account_max=255, container_max=255, object_max=1024, container_forbidden="/",
    property_key_max=1024, property_value_max=65536, properties_max_count=1000,
    properties_max_total=256 * 1024)

LOCAL_CAPABILITIES = frozenset({
    Capability.ACCOUNT_CREATE, Capability.ACCOUNT_DELETE, Capability.ACCOUNT_LIST,
    Capability.ACCOUNT_PROPERTIES, Capability.CONTAINER_PROPERTIES,
    Capability.OBJECT_PROPERTIES, Capability.VERSIONING, Capability.DELETE_MARKERS,
    Capability.APPEND, Capability.RANGES, Capability.MULTI_RANGES,
    Capability.SERVER_SIDE_COPY, Capability.LINK, Capability.TRUNCATE,
    Capability.SNAPSHOT, Capability.DELIMITER, Capability.END_MARKER,
    Capability.CHUNK_LOCATIONS, Capability.RESUME,
})


@attrs.define(eq=False)
class LocalBackend(Backend):
    """The local backend, with the write path its sub-clients share."""

    store: LocalStore = attrs.field(default=None)
    container: LocalContainerClient = attrs.field(default=None)

    @staticmethod
    def next_version(conn: Any, key: bytes, name: bytes) -> int:
        """A version number (microseconds) newer than any of this object's."""
        now = int(time.time() * 1_000_000)
        row = conn.execute("SELECT MAX(version) FROM objects WHERE container = ? AND name = ?",
                           (key, name)).fetchone()
        return max(now, (row[0] or 0) + 1)

    @staticmethod
    def count(conn: Any, key: bytes, objects: int, size: int) -> None:
        """Adjust a container's counters (inside a write transaction)."""
        conn.execute("UPDATE containers SET objects = objects + ?, bytes = bytes + ?, "
                     "mtime = ? WHERE name = ?", (objects, size, time.time(), key))

    def record_object(self, account: str, container: str, obj: str, *,
                      data_id: Optional[str], size: int, md5: Optional[str], mime: str,
                      properties: Mapping[str, str], autocreate: bool,
                      container_properties: Optional[Mapping[str, str]] = None,
                      expect_data: Optional[str] = None) -> ObjectInfo:
        """Make a stored data file the current version of ``obj``.

        :param expect_data: for an append, the data id the new content was
            built on; if another writer replaced it meanwhile, fail.
        """
        key = container.encode("utf-8")
        name = obj.encode("utf-8")
        doomed: List[str] = []
        with self.store.write(account, create=autocreate) as conn:
            row = conn.execute("SELECT system FROM containers WHERE name = ?", (key,)).fetchone()
            if row is None:
                if not autocreate:
                    raise NoSuchContainer(f"container {container!r} does not exist in "
                                          f"account {account!r}")
                now = time.time()
                conn.execute("INSERT INTO containers (name, ctime, mtime, properties, system) "
                             "VALUES (?, ?, ?, ?, '{}')",
                             (key, now, now, dumps(dict(container_properties or {}))))
                versions = 1
            else:
                versions = max_versions(loads(row[0]))
            old = conn.execute("SELECT version, size, data, deleted FROM objects WHERE "
                               "container = ? AND name = ? AND latest = 1", (key, name)).fetchone()
            if expect_data is not None and (old is None or old[2] != expect_data):
                raise Conflict(f"object {obj!r} changed while appending to it")
            version = self.next_version(conn, key, name)
            if old is not None:
                if not old[3]:
                    self.count(conn, key, -1, -old[1])
                if versions == 1:
                    for (data,) in conn.execute("SELECT data FROM objects WHERE container = ? "
                                                "AND name = ? AND data IS NOT NULL",
                                                (key, name)).fetchall():
                        doomed.append(data)
                    conn.execute("DELETE FROM objects WHERE container = ? AND name = ?",
                                 (key, name))
                else:
                    conn.execute("UPDATE objects SET latest = 0 WHERE container = ? AND "
                                 "name = ?", (key, name))
            now = time.time()
            conn.execute(
                "INSERT INTO objects (container, name, version, size, hash, mime, ctime, mtime, "
                "properties, data, deleted, latest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 1)",
                (key, name, version, size, md5, mime, now, now, dumps(dict(properties)),
                 data_id))
            self.count(conn, key, 1, size)
            if versions > 1:
                extra = conn.execute("SELECT version, data FROM objects WHERE container = ? AND "
                                     "name = ? ORDER BY version DESC LIMIT -1 OFFSET ?",
                                     (key, name, versions)).fetchall()
                for ver, data in extra:
                    conn.execute("DELETE FROM objects WHERE container = ? AND name = ? AND "
                                 "version = ?", (key, name, ver))
                    if data:
                        doomed.append(data)
            new_row = conn.execute(
                "SELECT name, version, size, hash, mime, ctime, mtime, properties, data, "
                "deleted, latest FROM objects WHERE container = ? AND name = ? AND version = ?",
                (key, name, version)).fetchone()
        for data in doomed:
            if data != data_id:
                self.store.remove_file(account, data)
        return row_to_info(new_row, account, container)

    def rewrite_data(self, account: str, container: str, obj: str, row: Tuple[Any, ...],
                     size: int) -> None:
        """Replace a version's data by its first ``size`` bytes (truncate)."""
        src = self.store.data_path(account, row[8])
        tmp = self.store.tmp_path(account)

        def head() -> Any:
            left = size
            with open(src, "rb") as fh:
                while left > 0:
                    block = fh.read(min(left, 1 << 20))
                    if not block:
                        break
                    left -= len(block)
                    yield block

        new_size, md5 = write_stream(tmp, head(), self.store.fsync)
        data_id = self.store.commit_file(account, tmp)
        key = container.encode("utf-8")
        try:
            with self.store.write(account) as conn:
                cur = conn.execute("SELECT data FROM objects WHERE container = ? AND name = ? "
                                   "AND version = ?", (key, row[0], row[1])).fetchone()
                if cur is None or cur[0] != row[8]:
                    raise Conflict(f"object {obj!r} changed while truncating it")
                conn.execute("UPDATE objects SET data = ?, size = ?, hash = ?, mtime = ? WHERE "
                             "container = ? AND name = ? AND version = ?",
                             (data_id, new_size, md5, time.time(), key, row[0], row[1]))
                if row[10] and not row[9]:
                    self.count(conn, key, 0, new_size - row[2])
        except BaseException:
            self.store.remove_file(account, data_id)  # the old data stays current
            raise
        self.store.remove_file(account, row[8])

    def close(self) -> None:
        self.store.close()
        super().close()


def _root_of(url: str) -> Tuple[str, Dict[str, List[str]]]:
    parts = urlsplit(url)
    if parts.scheme.split("+", 1)[0] not in ("file", "local"):
        raise InvalidArgument(f"not a local URL: {url!r}")
    path = unquote(parts.netloc + parts.path) if parts.netloc not in ("", "localhost") \
        else unquote(parts.path)
    if not path:
        raise InvalidArgument("a local URL needs a path: file:///path/to/store")
    return path, parse_qs(parts.query)


def create_backend(url: str, *, auth: Any = None, fsync: Optional[bool] = None,
                   default_account: Optional[str] = None, **options: Any) -> LocalBackend:
    """Build a local backend for ``file://PATH``.

    :param fsync: flush to disk before acknowledging writes (default on;
        ``?fsync=0`` in the URL turns it off).
    :param default_account: the account used when a call passes None.
    """
    path, query = _root_of(url)
    if fsync is None:
        fsync = query.get("fsync", ["1"])[0] not in ("0", "false", "no", "off")
    http_recipe = http_client_recipe(None, auth, options)  # no request: no HTTP stack
    reject_unknown_options("local", options)
    backend = LocalBackend(name="local", http=None, http_recipe=http_recipe,
                           capabilities=LOCAL_CAPABILITIES, names=LOCAL_NAME_RULES,
                           default_account=default_account
                           or query.get("account", ["default"])[0],
                           description=f"local store in {path}")
    backend.store = LocalStore(path, fsync=fsync)
    backend.account = LocalAccountClient(backend)
    backend.container = LocalContainerClient(backend)
    backend.blob = LocalBlobClient(backend)
    backend.directory = LocalDirectoryClient(backend)
    return backend

