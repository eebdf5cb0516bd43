"""S3 backend: the account is the credentials' owner (ListBuckets)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import calendar
import functools
import time
from typing import Any, Iterator, List, Optional, Tuple

from ...contract import DEFAULT_OPTS, AccountClient, CallOptions
from ...listing import list_page, name_key
from ...models import AccountInfo, ContainerEntry, ContainerListing
from ...timestamps import iso_to_epoch
from .xml import parse, text_of

if TYPE_CHECKING:  # pragma: no cover
    from . import S3Backend

__all__ = ["S3AccountClient", "parse_time", "NOT_COUNTED"]

#: What ``objects`` and ``bytes`` say where S3 keeps no counter: unknown
#: (None), never 0.  S3 has no call that counts a bucket or an account: only
#: a listing of every key would, one request per 1,000 keys.
NOT_COUNTED: Optional[int] = None


@functools.lru_cache(maxsize=1024)
def parse_time(value: Optional[str]) -> Optional[float]:
    """Epoch seconds of an S3 ISO 8601 time (``2013-05-24T00:00:00.000Z``).

    Cached: the entries of a listing share few distinct times."""
    if not value:
        return None
    text = value.strip().rstrip("Z").split(".")[0]
    seconds = iso_to_epoch(text)  # the whole seconds, read as UTC
    if seconds is not None:
        return float(int(seconds))
    try:
        return float(calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%S")))
    except ValueError:
        return None


class S3AccountClient(AccountClient):
    """ListBuckets gives the owner and its buckets."""

    backend: "S3Backend"

    def _buckets(self, opts: CallOptions) -> Tuple[str, List[Tuple[str, Optional[float]]]]:
        resp = self.backend.call("GET", opts=opts, service="account")
        root = parse(resp.content)
        owner = text_of(root, "Owner/ID") or text_of(root, "Owner/DisplayName") or ""
        buckets = [(text_of(b, "Name") or "", parse_time(text_of(b, "CreationDate")))
                   for b in root.iter("Bucket")]
        buckets.sort(key=lambda b: name_key(b[0]))
        return owner, buckets

    def show(self, account: str, opts: CallOptions = DEFAULT_OPTS) -> AccountInfo:
        """The owner and its bucket count; ``objects`` and ``bytes`` are None:
        S3 keeps no object or byte counters."""
        owner, buckets = self._buckets(opts)
        return AccountInfo(id=owner or account, containers=len(buckets), objects=NOT_COUNTED,
                           bytes=NOT_COUNTED,
                           extra={"owner": owner, "access_key": self.backend.default_account})

    def buckets(self, account: str, *, prefix: Optional[str] = None,
                delimiter: Optional[str] = None, marker: Optional[str] = None,
                end_marker: Optional[str] = None, limit: Optional[int] = None,
                opts: CallOptions = DEFAULT_OPTS) -> ContainerListing:
        """OpenIO's ``s3_buckets_only``: on S3 every container is a bucket,
        so this is :meth:`containers`."""
        return self.containers(account, prefix=prefix, delimiter=delimiter, marker=marker,
                               end_marker=end_marker, limit=limit, opts=opts)

    def containers(self, account: str, *, prefix: Optional[str] = None,
                   delimiter: Optional[str] = None, marker: Optional[str] = None,
                   end_marker: Optional[str] = None, limit: Optional[int] = None,
                   opts: CallOptions = DEFAULT_OPTS) -> ContainerListing:
        """One page of the owner's buckets, listed client-side from ListBuckets
        (``objects`` and ``bytes`` None: S3 keeps no counters)."""
        _owner, buckets = self._buckets(opts)

        def scan(start: Optional[str], inclusive: bool) -> Iterator[Tuple[str, Any]]:
            for name, ctime in buckets:
                if start is None or name_key(name) > name_key(start) or (
                        inclusive and name == start):
                    yield name, (name, ctime)

        page = list_page(scan, prefix=prefix or "", delimiter=delimiter, marker=marker,
                         end_marker=end_marker, limit=limit or 1000)
        entries = [ContainerEntry(name=name, objects=NOT_COUNTED, bytes=NOT_COUNTED, mtime=ctime)
                   for name, ctime in page.items]
        entries += [ContainerEntry(name=p, is_prefix=True) for p in page.prefixes]
        entries.sort(key=lambda e: name_key(e.name))
        return ContainerListing(listing=entries, truncated=page.truncated,
                                next_marker=page.next_marker)
