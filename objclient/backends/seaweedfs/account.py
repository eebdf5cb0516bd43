"""SeaweedFS backend: accounts as filer directories below the root.

An account is ``ROOT/<encoded account>/``; its containers are the
directories in it.  Account properties are the directory's extended
attributes.  The filer keeps no counters: ``show`` counts containers (a
listing of the account directory) but not objects or bytes, which would
mean walking every container: those are None (unknown), never 0
(``extra["objects_counted"]`` is False).  ``containers`` rows have None
counters for the same reason.
"""

from __future__ import annotations

from typing import (TYPE_CHECKING, Any, Iterator, List, Mapping, Optional, Sequence, Tuple,
                    cast)

from ...contract import DEFAULT_OPTS, AccountClient, CallOptions
from ...exceptions import Conflict, NoSuchAccount, NotFound
from ...listing import list_page
from ...models import AccountInfo, ContainerEntry, ContainerListing
from .filer import parse_time
from .names import encode_name, extended_to_properties

if TYPE_CHECKING:  # pragma: no cover
    from . import SeaweedBackend
    from .container import SeaweedContainerClient

__all__ = ["SeaweedAccountClient", "NOT_COUNTED"]

_PAGE = 1000
#: A counter the filer cannot give without walking every object: unknown
#: (None), never 0.  (Typed Any because the models still annotate the
#: counters as int.)
NOT_COUNTED: Optional[int] = None


class SeaweedAccountClient(AccountClient):
    """Accounts: directories under the filer root."""

    backend: "SeaweedBackend"

    def _entry(self, account: str, opts: CallOptions) -> Any:
        entry = self.backend.filer.stat((encode_name(account),), opts)
        if entry is None:
            raise NoSuchAccount(f"account {account!r} does not exist")
        return entry

    def _scan(self, levels: Tuple[str, ...], opts: CallOptions, missing: Any) -> Any:
        filer = self.backend.filer

        def scan(start: Optional[str], inclusive: bool) -> Iterator[Tuple[str, Any]]:
            try:
                for name, entry in filer.decoded_children(levels, start, inclusive, _PAGE,
                                                          opts):
                    yield name, (name, entry)
            except NotFound:
                if missing is not None:
                    raise missing from None

        return scan

    def create(self, account: str, opts: CallOptions = DEFAULT_OPTS) -> bool:
        levels = (encode_name(account),)
        if self.backend.filer.stat(levels, opts) is not None:
            return False
        self.backend.filer.mkdir(levels, opts)
        return True

    def delete(self, account: str, opts: CallOptions = DEFAULT_OPTS) -> None:
        self._entry(account, opts)
        levels = (encode_name(account),)
        for _item in self._scan(levels, opts, None)(None, False):
            raise Conflict(f"account {account!r} still has containers")
        try:
            self.backend.filer.delete(levels, opts, recursive=True)
        except NotFound:
            raise NoSuchAccount(f"account {account!r} does not exist") from None

    def show(self, account: str, opts: CallOptions = DEFAULT_OPTS) -> AccountInfo:
        entry = self._entry(account, opts)
        count = sum(1 for _ in self._scan((encode_name(account),), opts, None)(None, False))
        return AccountInfo(id=account, containers=count, objects=NOT_COUNTED,
                           bytes=NOT_COUNTED,
                           ctime=parse_time(entry.get("Crtime")),
                           mtime=parse_time(entry.get("Mtime")),
                           metadata=extended_to_properties(entry.get("Extended"), b64=True),
                           extra={"objects_counted": False})

    def list(self, *, prefix: Optional[str] = None, marker: Optional[str] = None,
             end_marker: Optional[str] = None, limit: Optional[int] = None,
             opts: CallOptions = DEFAULT_OPTS) -> List[str]:
        page = list_page(self._scan((), opts, None), prefix=prefix or "", marker=marker,
                         end_marker=end_marker, limit=limit or 10000)
        return [name for name, _entry in page.items]

    def update(self, account: str, *, set_properties: Mapping[str, str],
               del_properties: Sequence[str], opts: CallOptions = DEFAULT_OPTS) -> None:
        levels = (encode_name(account),)
        entry = self._entry(account, opts)
        containers = cast("SeaweedContainerClient", self.backend.container)
        containers.update_properties(levels, entry, set_properties, del_properties, False, opts)

    def refresh(self, account: str, opts: CallOptions = DEFAULT_OPTS) -> None:
        self._entry(account, opts)

    def containers(self, account: str, *, prefix: Optional[str] = None,
                   delimiter: Optional[str] = None, marker: Optional[str] = None,
                   end_marker: Optional[str] = None, limit: Optional[int] = None,
                   opts: CallOptions = DEFAULT_OPTS) -> ContainerListing:
        missing = NoSuchAccount(f"account {account!r} does not exist")
        page = list_page(self._scan((encode_name(account),), opts, missing),
                         prefix=prefix or "", delimiter=delimiter, marker=marker,
                         end_marker=end_marker, limit=limit or 1000)
        listing = [ContainerEntry(name=name, objects=NOT_COUNTED, bytes=NOT_COUNTED,
                                  mtime=parse_time(entry.get("Mtime")))
                   for name, entry in page.items]
        listing += [ContainerEntry(name=p, is_prefix=True) for p in page.prefixes]
        listing.sort(key=lambda e: e.name.encode("utf-8"))
        return ContainerListing(listing=listing, truncated=page.truncated,
                                next_marker=page.next_marker)
