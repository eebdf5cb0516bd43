"""MictlanX backend: the single implicit account and its container list."""

from __future__ import annotations

import bisect
from typing import Any, Iterator, List, Optional, Tuple

from ...contract import DEFAULT_OPTS, AccountClient, CallOptions
from ...listing import list_page, name_key
from ...models import AccountInfo, ContainerEntry, ContainerListing
from .client import LowLevelAccess
from .container import group_balls
from .names import decode_name

__all__ = ["MictlanXAccountClient"]


class MictlanXAccountClient(LowLevelAccess, AccountClient):
    """One account; its containers are the catalog's balls."""

    def container_names(self, opts: CallOptions = DEFAULT_OPTS) -> List[str]:
        """Every container recorded in the catalog, in listing order."""
        catalog = self.backend.catalog
        balls = group_balls(catalog, self.mictlanx.get_chunks_by_bucket_id(
            catalog, timeout=None, opts=opts).balls)
        names = [decode_name(key) for key in balls]
        return sorted((n for n in names if n is not None), key=name_key)

    def show(self, account: str, opts: CallOptions = DEFAULT_OPTS) -> AccountInfo:
        """Counters of the account (one bucket listing per container)."""
        self.backend.check_account(account)
        names = self.container_names(opts)
        objects = size = 0
        for name in names:
            balls = self.backend.container.balls(name, opts)
            objects += len(balls)
            size += sum(b.size for b in balls.values())
        return AccountInfo(id=account, containers=len(names), objects=objects, bytes=size,
                           extra={"routers": self.mictlanx.transport.pool.urls})

    def refresh(self, account: str, opts: CallOptions = DEFAULT_OPTS) -> None:
        self.backend.check_account(account)

    def containers(self, account: str, *, prefix: Optional[str] = None,
                   delimiter: Optional[str] = None, marker: Optional[str] = None,
                   end_marker: Optional[str] = None, limit: Optional[int] = None,
                   opts: CallOptions = DEFAULT_OPTS) -> ContainerListing:
        """One page of containers (their counters are not computed: 0)."""
        self.backend.check_account(account)
        names = self.container_names(opts)
        keys = [name_key(n) for n in names]

        def scan(start: Optional[str], inclusive: bool) -> Iterator[Tuple[str, Any]]:
            pos = 0
            if start is not None:
                skey = name_key(start)
                pos = (bisect.bisect_left if inclusive else bisect.bisect_right)(keys, skey)
            for name in names[pos:]:
                yield name, name

        page = list_page(scan, prefix=prefix or "", delimiter=delimiter, marker=marker,
                         end_marker=end_marker, limit=limit or 1000)
        entries = [ContainerEntry(name=n) for n in page.items]
        entries += [ContainerEntry(name=p, is_prefix=True) for p in page.prefixes]
        entries.sort(key=lambda e: name_key(e.name))
        return ContainerListing(listing=entries, truncated=page.truncated,
                                next_marker=page.next_marker)
