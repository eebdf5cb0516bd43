"""Local backend: accounts and their container lists."""

from __future__ import annotations

from typing import TYPE_CHECKING

import json
import time
from typing import Any, Iterator, List, Mapping, Optional, Sequence, Tuple

from ...contract import DEFAULT_OPTS, AccountClient, CallOptions
from ...exceptions import Conflict, NoSuchAccount
from ...listing import list_page, name_key
from ...models import AccountInfo, ContainerEntry, ContainerListing
from .store import dumps, loads

if TYPE_CHECKING:  # pragma: no cover
    from . import LocalBackend

__all__ = ["LocalAccountClient"]


class LocalAccountClient(AccountClient):
    """Accounts are folders, each with its own index."""

    backend: "LocalBackend"

    @property
    def store(self) -> Any:
        """The backend's :class:`LocalStore`."""
        return self.backend.store

    def create(self, account: str, opts: CallOptions = DEFAULT_OPTS) -> bool:
        existed = self.store.account_exists(account)
        self.store.db(account, create=True)
        return not existed

    def delete(self, account: str, opts: CallOptions = DEFAULT_OPTS) -> None:
        conn = self.store.db(account)
        if conn.execute("SELECT 1 FROM containers LIMIT 1").fetchone():
            raise Conflict(f"account {account!r} still has containers")
        self.store.delete_account_files(account)

    def show(self, account: str, opts: CallOptions = DEFAULT_OPTS) -> AccountInfo:
        conn = self.store.db(account)
        meta = self.store.get_meta(conn)
        count, objects, size = conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(objects), 0), COALESCE(SUM(bytes), 0) "
            "FROM containers").fetchone()
        return AccountInfo(id=account, containers=count, objects=objects, bytes=size,
                           ctime=float(meta.get("ctime", 0)), mtime=float(meta.get("mtime", 0)),
                           metadata=json.loads(meta.get("properties", "{}")))

    def list(self, *, prefix: Optional[str] = None, marker: Optional[str] = None,
             end_marker: Optional[str] = None, limit: Optional[int] = None,
             opts: CallOptions = DEFAULT_OPTS) -> List[str]:
        names = sorted(self.store.iter_accounts(), key=name_key)

        def scan(start: Optional[str], inclusive: bool) -> Iterator[Tuple[str, str]]:
            for name in names:
                if start is None or name_key(name) > name_key(start) or (
                        inclusive and name == start):
                    yield name, name

        page = list_page(scan, prefix=prefix or "", marker=marker, end_marker=end_marker,
                         limit=limit or 10000)
        return list(page.items)

    def update(self, account: str, *, set_properties: Mapping[str, str],
               del_properties: Sequence[str], opts: CallOptions = DEFAULT_OPTS) -> None:
        self.store.db(account)
        with self.store.write(account) as conn:
            current = loads(self.store.get_meta(conn).get("properties"))
            current.update(set_properties)
            for key in del_properties:
                current.pop(key, None)
            self.backend.names.check_properties(current)
            self.store.set_meta(conn, "properties", dumps(current))
            self.store.set_meta(conn, "mtime", repr(time.time()))

    def refresh(self, account: str, opts: CallOptions = DEFAULT_OPTS) -> None:
        if not self.store.account_exists(account):
            raise NoSuchAccount(f"account {account!r} does not exist")
        with self.store.write(account) as conn:
            conn.execute(
                "UPDATE containers SET objects = (SELECT COUNT(*) FROM objects o WHERE "
                "o.container = containers.name AND o.latest = 1 AND o.deleted = 0), "
                "bytes = (SELECT COALESCE(SUM(size), 0) FROM objects o WHERE "
                "o.container = containers.name AND o.latest = 1 AND o.deleted = 0)")
        self.store.collect_orphans(account)

    def containers(self, account: str, *, prefix: Optional[str] = None,
                   delimiter: Optional[str] = None, marker: Optional[str] = None,
                   end_marker: Optional[str] = None, limit: Optional[int] = None,
                   opts: CallOptions = DEFAULT_OPTS) -> ContainerListing:
        if not self.store.account_exists(account):
            # As Swift with account autocreate: an account never written to
            # lists as empty.
            return ContainerListing()
        conn = self.store.db(account)

        def scan(start: Optional[str], inclusive: bool) -> Iterator[Tuple[str, Any]]:
            sql = "SELECT name, objects, bytes, mtime FROM containers"
            args: List[Any] = []
            if start is not None:
                sql += " WHERE name >= ?" if inclusive else " WHERE name > ?"
                args.append(start.encode("utf-8"))
            for row in conn.execute(sql + " ORDER BY name", args):
                yield bytes(row[0]).decode("utf-8"), row

        page = list_page(scan, prefix=prefix or "", delimiter=delimiter, marker=marker,
                         end_marker=end_marker, limit=limit or 1000)
        entries = [ContainerEntry(name=bytes(r[0]).decode("utf-8"), objects=r[1], bytes=r[2],
                                  mtime=r[3]) for r in page.items]
        entries += [ContainerEntry(name=p, is_prefix=True) for p in page.prefixes]
        entries.sort(key=lambda e: name_key(e.name))
        return ContainerListing(listing=entries, truncated=page.truncated,
                                next_marker=page.next_marker)
