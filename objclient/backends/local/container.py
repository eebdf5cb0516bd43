"""Local backend: containers and object metadata."""

from __future__ import annotations

from typing import TYPE_CHECKING

import time
from typing import Any, Iterator, List, Mapping, Optional, Sequence, Tuple

from ...contract import DEFAULT_OPTS, CallOptions, ContainerClient
from ...exceptions import ContainerNotEmpty, InvalidArgument, NoSuchContainer, NoSuchObject
from ...listing import list_page
from ...models import ContainerInfo, ObjectInfo, ObjectListing
from .store import dumps, loads

if TYPE_CHECKING:  # pragma: no cover
    from . import LocalBackend

__all__ = ["LocalContainerClient", "row_to_info", "max_versions", "OBJECT_COLUMNS"]

OBJECT_COLUMNS = ("name, version, size, hash, mime, ctime, mtime, properties, data, "
                  "deleted, latest")

_TRUE = ("1", "true", "yes", "on", "enabled")


def max_versions(system: Mapping[str, str]) -> int:
    """Versions kept per object: -1 unlimited, 1 means no versioning.

    Set by system property ``versioning`` (``enabled``/``suspended``) or by
    OpenIO's ``sys.m2.policy.version`` (-1 unlimited, 0 or 1 none, N keep N).
    """
    value = system.get("versioning")
    if value is not None:
        return -1 if str(value).lower() in _TRUE else 1
    policy = system.get("sys.m2.policy.version")
    if policy is not None:
        try:
            number = int(policy)
        except ValueError:
            raise InvalidArgument(
                f"sys.m2.policy.version must be an integer, not {policy!r}") from None
        return -1 if number < 0 else max(1, number)
    return 1


def row_to_info(row: Tuple[Any, ...], account: str, container: str,
                with_properties: bool = True) -> ObjectInfo:
    """An :class:`ObjectInfo` from a row selected with :data:`OBJECT_COLUMNS`."""
    name, version, size, md5, mime, ctime, mtime, props, _data, deleted, latest = row
    return ObjectInfo(
        name=bytes(name).decode("utf-8"), size=size, hash=md5,
        hash_method="md5", mime_type=mime, ctime=ctime, mtime=mtime, version=version,
        deleted=bool(deleted), properties=loads(props) if with_properties else {},
        policy="SINGLE", chunk_method="plain/nb_copy=1", id=_data,
        container=container, account=account, is_latest=bool(latest))


class LocalContainerClient(ContainerClient):
    """Containers as rows of the account index; objects as rows with data files."""

    backend: "LocalBackend"

    @property
    def store(self) -> Any:
        """The backend's :class:`LocalStore`."""
        return self.backend.store

    # -- containers ---------------------------------------------------------------
    def _container_row(self, conn: Any, account: str, container: str) -> Tuple[Any, ...]:
        row = conn.execute(
            "SELECT ctime, mtime, properties, system, objects, bytes FROM containers "
            "WHERE name = ?", (container.encode("utf-8"),)).fetchone()
        if row is None:
            raise NoSuchContainer(f"container {container!r} does not exist in "
                                  f"account {account!r}")
        return row  # type: ignore[no-any-return]

    def create(self, account: str, container: str, *, properties: Mapping[str, str],
               system: Mapping[str, str], opts: CallOptions = DEFAULT_OPTS) -> bool:
        max_versions(system)  # validate before writing
        with self.store.write(account, create=True) as conn:
            exists = conn.execute("SELECT 1 FROM containers WHERE name = ?",
                                  (container.encode("utf-8"),)).fetchone()
            if exists:
                return False
            now = time.time()
            conn.execute("INSERT INTO containers (name, ctime, mtime, properties, system) "
                         "VALUES (?, ?, ?, ?, ?)",
                         (container.encode("utf-8"), now, now, dumps(dict(properties)),
                          dumps(dict(system))))
        return True

    def delete(self, account: str, container: str, opts: CallOptions = DEFAULT_OPTS) -> None:
        key = container.encode("utf-8")
        doomed: List[str] = []
        with self.store.write(account) as conn:
            self._container_row(conn, account, container)
            live = conn.execute("SELECT 1 FROM objects WHERE container = ? AND deleted = 0 "
                                "LIMIT 1", (key,)).fetchone()
            if live:
                raise ContainerNotEmpty(f"container {container!r} is not empty")
            doomed = [r[0] for r in conn.execute(
                "SELECT data FROM objects WHERE container = ? AND data IS NOT NULL", (key,))]
            conn.execute("DELETE FROM objects WHERE container = ?", (key,))
            conn.execute("DELETE FROM containers WHERE name = ?", (key,))
        for data_id in doomed:
            self.store.remove_file(account, data_id)

    def show(self, account: str, container: str,
             opts: CallOptions = DEFAULT_OPTS) -> ContainerInfo:
        conn = self.store.db(account)
        ctime, mtime, props, system, objects, size = self._container_row(conn, account, container)
        system_props = loads(system)
        return ContainerInfo(name=container, account=account, objects=objects, bytes=size,
                             ctime=ctime, mtime=mtime, properties=loads(props),
                             system=system_props)

    def update(self, account: str, container: str, *, set_properties: Mapping[str, str],
               del_properties: Sequence[str], system: Mapping[str, str], clear: bool,
               opts: CallOptions = DEFAULT_OPTS) -> None:
        with self.store.write(account) as conn:
            _c, _m, props, sysprops, _o, _b = self._container_row(conn, account, container)
            current = {} if clear else loads(props)
            current.update(set_properties)
            for key in del_properties:
                current.pop(key, None)
            new_system = loads(sysprops)
            new_system.update(system)
            max_versions(new_system)
            self.backend.names.check_properties(current)
            conn.execute("UPDATE containers SET properties = ?, system = ?, mtime = ? "
                         "WHERE name = ?", (dumps(current), dumps(new_system), time.time(),
                                            container.encode("utf-8")))

    def purge(self, account: str, container: str, maxvers: Optional[int],
              opts: CallOptions = DEFAULT_OPTS) -> None:
        key = container.encode("utf-8")
        doomed: List[str] = []
        with self.store.write(account) as conn:
            _c, _m, _p, sysprops, _o, _b = self._container_row(conn, account, container)
            keep = maxvers if maxvers is not None else max_versions(loads(sysprops))
            if keep is None or keep < 0:
                return
            keep = max(1, keep)
            names = [r[0] for r in conn.execute(
                "SELECT DISTINCT name FROM objects WHERE container = ?", (key,))]
            for name in names:
                rows = conn.execute("SELECT version, data FROM objects WHERE container = ? "
                                    "AND name = ? ORDER BY version DESC", (key, name)).fetchall()
                for version, data in rows[keep:]:
                    conn.execute("DELETE FROM objects WHERE container = ? AND name = ? AND "
                                 "version = ?", (key, name, version))
                    if data:
                        doomed.append(data)
        for data_id in doomed:
            self.store.remove_file(account, data_id)

    # -- objects -------------------------------------------------------------------
    def _scan(self, conn: Any, key: bytes, versions: bool, deleted: bool) -> Any:
        if versions:
            where = "container = ?" + ("" if deleted else " AND deleted = 0")
            order = "ORDER BY name, version DESC"
        else:
            where = "container = ? AND latest = 1 AND deleted = 0"
            order = "ORDER BY name"

        def scan(start: Optional[str], inclusive: bool) -> Iterator[Tuple[str, Any]]:
            sql = f"SELECT {OBJECT_COLUMNS} FROM objects WHERE {where}"
            args: List[Any] = [key]
            if start is not None:
                sql += " AND name >= ?" if inclusive else " AND name > ?"
                args.append(start.encode("utf-8"))
            for row in conn.execute(f"{sql} {order}", args):
                yield bytes(row[0]).decode("utf-8"), row

        return scan

    def content_list(self, account: str, container: str, *, prefix: Optional[str],
                     delimiter: Optional[str], marker: Optional[str],
                     end_marker: Optional[str], limit: int, versions: bool,
                     deleted: bool, properties: bool,
                     opts: CallOptions = DEFAULT_OPTS) -> ObjectListing:
        conn = self.store.db(account)
        cprops = loads(self._container_row(conn, account, container)[2])
        page = list_page(self._scan(conn, container.encode("utf-8"), versions, deleted),
                         prefix=prefix or "", delimiter=delimiter, marker=marker,
                         end_marker=end_marker, limit=limit)
        objects = [row_to_info(row, account, container, properties) for row in page.items]
        return ObjectListing(objects=objects, prefixes=page.prefixes,
                             truncated=page.truncated, next_marker=page.next_marker,
                             properties=cprops)

    def object_row(self, conn: Any, account: str, container: str, obj: str,
                   version: Optional[Any] = None, include_deleted: bool = False
                   ) -> Tuple[Any, ...]:
        """The row of an object's current (or given) version."""
        key = container.encode("utf-8")
        if version is None:
            row = conn.execute(f"SELECT {OBJECT_COLUMNS} FROM objects WHERE container = ? "
                               "AND name = ? AND latest = 1", (key, obj.encode("utf-8"))
                               ).fetchone()
        else:
            try:
                version = int(version)
            except (TypeError, ValueError):
                raise InvalidArgument(
                    f"local object versions are integers, not {version!r}") from None
            row = conn.execute(f"SELECT {OBJECT_COLUMNS} FROM objects WHERE container = ? "
                               "AND name = ? AND version = ?",
                               (key, obj.encode("utf-8"), version)).fetchone()
        if row is None or (row[9] and not include_deleted):
            self._container_row(conn, account, container)
            what = f"version {version} of object" if version is not None else "object"
            raise NoSuchObject(f"{what} {obj!r} does not exist in container {container!r}")
        return row  # type: ignore[no-any-return]

    def content_show(self, account: str, container: str, obj: str,
                     version: Optional[Any] = None,
                     opts: CallOptions = DEFAULT_OPTS) -> ObjectInfo:
        conn = self.store.db(account)
        return row_to_info(self.object_row(conn, account, container, obj, version),
                           account, container)

    def content_update(self, account: str, container: str, obj: str, *,
                       version: Optional[Any], set_properties: Mapping[str, str],
                       del_properties: Sequence[str], clear: bool,
                       opts: CallOptions = DEFAULT_OPTS) -> None:
        with self.store.write(account) as conn:
            row = self.object_row(conn, account, container, obj, version)
            current = {} if clear else loads(row[7])
            current.update(set_properties)
            for key in del_properties:
                current.pop(key, None)
            self.backend.names.check_properties(current)
            conn.execute("UPDATE objects SET properties = ?, mtime = ? WHERE container = ? "
                         "AND name = ? AND version = ?",
                         (dumps(current), time.time(), container.encode("utf-8"), row[0],
                          row[1]))

    def content_delete(self, account: str, container: str, obj: str,
                       version: Optional[Any] = None,
                       opts: CallOptions = DEFAULT_OPTS) -> Tuple[bool, Optional[Any]]:
        key = container.encode("utf-8")
        doomed: Optional[str] = None
        with self.store.write(account) as conn:
            _c, _m, _p, sysprops, _o, _b = self._container_row(conn, account, container)
            row = self.object_row(conn, account, container, obj, version,
                                  include_deleted=version is not None)
            name, ver, size = row[0], row[1], row[2]
            live = not row[9]
            if version is None and max_versions(loads(sysprops)) != 1:
                # Versioned: the current version stays, a delete marker hides it.
                marker_version = self.backend.next_version(conn, key, name)
                conn.execute("UPDATE objects SET latest = 0 WHERE container = ? AND name = ?",
                             (key, name))
                now = time.time()
                conn.execute(
                    "INSERT INTO objects (container, name, version, size, hash, mime, ctime, "
                    "mtime, properties, data, deleted, latest) VALUES "
                    "(?, ?, ?, 0, NULL, 'application/x-deleted', ?, ?, '{}', NULL, 1, 1)",
                    (key, name, marker_version, now, now))
                self.backend.count(conn, key, -1, -size)
                return True, marker_version
            conn.execute("DELETE FROM objects WHERE container = ? AND name = ? AND version = ?",
                         (key, name, ver))
            doomed = row[8]
            was_latest = bool(row[10])
            if was_latest:
                nxt = conn.execute("SELECT version, deleted, size FROM objects WHERE "
                                   "container = ? AND name = ? ORDER BY version DESC LIMIT 1",
                                   (key, name)).fetchone()
                if live:
                    self.backend.count(conn, key, -1, -size)
                if nxt is not None:
                    conn.execute("UPDATE objects SET latest = 1 WHERE container = ? AND "
                                 "name = ? AND version = ?", (key, name, nxt[0]))
                    if not nxt[1]:
                        self.backend.count(conn, key, 1, nxt[2])
        self.store.remove_file(account, doomed)
        return False, ver

    def content_link(self, target_account: str, target_container: str, target_obj: str,
                     link_account: str, link_container: str, link_obj: str, *,
                     target_version: Optional[Any], properties_directive: str,
                     properties: Optional[Mapping[str, str]], target_size: Optional[int] = None,
                     opts: CallOptions = DEFAULT_OPTS) -> ObjectInfo:
        conn = self.store.db(target_account)
        row = self.object_row(conn, target_account, target_container, target_obj,
                              target_version)
        props = loads(row[7]) if properties_directive == "COPY" else dict(properties or {})
        data_id = self.store.link_file(target_account, row[8], link_account) if row[8] else None
        try:
            return self.backend.record_object(
                link_account, link_container, link_obj, data_id=data_id, size=row[2],
                md5=row[3], mime=row[4], properties=props, autocreate=False)
        except BaseException:
            self.store.remove_file(link_account, data_id)
            raise

    def content_truncate(self, account: str, container: str, obj: str, size: int,
                         version: Optional[Any] = None,
                         opts: CallOptions = DEFAULT_OPTS) -> None:
        conn = self.store.db(account)
        row = self.object_row(conn, account, container, obj, version)
        if size > row[2]:
            raise InvalidArgument(f"cannot truncate {row[2]} bytes to {size}")
        self.backend.rewrite_data(account, container, obj, row, size)
