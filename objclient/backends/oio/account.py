"""OpenIO accounts: the account service's ``/v1.0/account/*`` routes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from ...contract import DEFAULT_OPTS, AccountClient, CallOptions
from ...listing import list_page, merge_listing, name_key
from ...models import AccountInfo, ContainerEntry, ContainerListing
from .protocol import micro_to_seconds

if TYPE_CHECKING:  # pragma: no cover
    from . import OioBackend

__all__ = ["OioAccountClient", "account_info_of", "account_names_of",
           "container_entry_of", "folded", "marker_before"]


def account_info_of(doc: Mapping[str, Any]) -> AccountInfo:
    """An :class:`AccountInfo` from an ``account/show`` document."""
    extra = {k: doc[k] for k in ("buckets", "shards", "regions") if k in doc}
    return AccountInfo(id=str(doc.get("id", "")), containers=int(doc.get("containers") or 0),
                       objects=int(doc.get("objects") or 0), bytes=int(doc.get("bytes") or 0),
                       ctime=micro_to_seconds(doc.get("ctime")),
                       mtime=micro_to_seconds(doc.get("mtime")),
                       metadata=doc.get("metadata") or {}, extra=extra)


def account_names_of(doc: Any, *, prefix: Optional[str] = None,
                     marker: Optional[str] = None, end_marker: Optional[str] = None,
                     limit: Optional[int] = None) -> List[str]:
    """Account names from an ``account/list`` reply.

    Servers whose ``on_account_list`` returns ``backend.list_accounts()`` as
    is (oio/account/server.py up to 2022) answer a bare array of every name
    and read no query argument: the page is then cut here, as the paged
    servers (``{"listing": [{"id"}], ...}``) would have cut it.
    """
    if isinstance(doc, dict):
        return [str(item["id"]) for item in doc.get("listing", [])]
    names = sorted(str(name) for name in (doc or []))
    names = [n for n in names if (not prefix or n.startswith(prefix))
             and (marker is None or n > marker) and (end_marker is None or n < end_marker)]
    return names[:limit] if limit else names


def folded(listing: Sequence[ContainerEntry], prefix: str, delimiter: str) -> bool:
    """Whether a delimited reply was folded: no container row holds the
    delimiter after the prefix."""
    return not any(not entry.is_prefix and entry.name.find(delimiter, len(prefix)) >= 0
                   for entry in listing)


def marker_before(name: str) -> str:
    """An exclusive marker just below ``name`` (the account service has no
    inclusive start): its last character lowered by one, then U+10FFFF.
    Names that fall between are filtered out by the caller."""
    last = ord(name[-1])
    if last == 0:
        return name[:-1]
    lower = last - 1 if not 0xDFFF < last <= 0xE000 else 0xD7FF
    return name[:-1] + chr(lower) + "\U0010ffff"


def container_entry_of(row: Sequence[Any]) -> ContainerEntry:
    """A :class:`ContainerEntry` from ``[name, objects, bytes, is_prefix, mtime]``."""
    name, objects, size, is_prefix, mtime = (list(row) + [0, 0, 0, None])[:5]
    return ContainerEntry(name=str(name), objects=int(objects or 0), bytes=int(size or 0),
                          is_prefix=bool(is_prefix), mtime=micro_to_seconds(mtime))


class OioAccountClient(AccountClient):
    """Accounts through the account service (not behind the proxy)."""

    backend: "OioBackend"

    def create(self, account: str, opts: CallOptions = DEFAULT_OPTS) -> bool:
        """``PUT /v1.0/account/create?id=``: 201 created, 202 existed."""
        resp, _ = self.backend.account_call("PUT", "create", opts, params={"id": account})
        return resp.status_code == 201

    def delete(self, account: str, opts: CallOptions = DEFAULT_OPTS) -> None:
        """``POST /v1.0/account/delete?id=`` (409 if not empty)."""
        self.backend.account_call("POST", "delete", opts, params={"id": account})

    def show(self, account: str, opts: CallOptions = DEFAULT_OPTS) -> AccountInfo:
        """``GET /v1.0/account/show?id=``."""
        _resp, doc = self.backend.account_call("GET", "show", opts, params={"id": account},
                                               retriable=True)
        return account_info_of(doc or {"id": account})

    def list(self, *, prefix: Optional[str] = None, marker: Optional[str] = None,
             end_marker: Optional[str] = None, limit: Optional[int] = None,
             opts: CallOptions = DEFAULT_OPTS) -> List[str]:
        """``GET /v1.0/account/list``: one page of account names."""
        _resp, doc = self.backend.account_call(
            "GET", "list", opts, retriable=True, kind="service",
            params={"prefix": prefix, "marker": marker, "end_marker": end_marker,
                    "limit": limit})
        return account_names_of(doc, prefix=prefix, marker=marker, end_marker=end_marker,
                                limit=limit)

    def update(self, account: str, *, set_properties: Mapping[str, str],
               del_properties: Sequence[str], opts: CallOptions = DEFAULT_OPTS) -> None:
        """``PUT /v1.0/account/update?id=`` with ``{"metadata", "to_delete"}``."""
        self.backend.account_call(
            "PUT", "update", opts, params={"id": account},
            body={"metadata": dict(set_properties), "to_delete": list(del_properties)})

    def flush(self, account: str, opts: CallOptions = DEFAULT_OPTS) -> None:
        """``POST /v1.0/account/flush?id=``: forget the account's containers."""
        self.backend.account_call("POST", "flush", opts, params={"id": account})

    def refresh(self, account: str, opts: CallOptions = DEFAULT_OPTS) -> None:
        """``POST /v1.0/account/refresh?id=``: recompute the counters."""
        self.backend.account_call("POST", "refresh", opts, params={"id": account})

    def buckets(self, account: str, *, prefix: Optional[str] = None,
                delimiter: Optional[str] = None, marker: Optional[str] = None,
                end_marker: Optional[str] = None, limit: Optional[int] = None,
                opts: CallOptions = DEFAULT_OPTS) -> ContainerListing:
        """One page of the containers that are S3 buckets: ``containers``
        with ``s3_buckets_only=True``, as oio's AccountClient sends it; the
        account service lists only names its ``buckets_pattern`` matches
        (3 to 63 characters, DNS labels of ``[a-z0-9-]``, not an IP
        address: no ``+segments`` container, no ``/`` path)."""
        return self.containers(account, prefix=prefix, delimiter=delimiter, marker=marker,
                               end_marker=end_marker, limit=limit, opts=opts,
                               s3_buckets_only=True)

    def containers(self, account: str, *, prefix: Optional[str] = None,
                   delimiter: Optional[str] = None, marker: Optional[str] = None,
                   end_marker: Optional[str] = None, limit: Optional[int] = None,
                   opts: CallOptions = DEFAULT_OPTS,
                   s3_buckets_only: bool = False) -> ContainerListing:
        """``GET /v1.0/account/containers?id=``: one page of containers.

        With a ``delimiter``, names that hold it after the prefix fold into
        one ``[prefix, 0, 0, 1, 0]`` row, as OpenIO's ``container_list``
        promises.  The stored account service (server.py up to 2022) does
        not read ``delimiter``: when its reply shows unfolded names, the
        page is built here from undelimited pages instead.
        """
        page = self._containers_page(account, prefix, delimiter, marker, end_marker,
                                     limit, opts, s3_buckets_only)
        if delimiter and not folded(page.listing, prefix or "", delimiter):
            return self._grouped_page(account, prefix or "", delimiter, marker,
                                      end_marker, limit or 1000, opts, page.extra,
                                      s3_buckets_only)
        return page

    def _containers_page(self, account: str, prefix: Optional[str],
                         delimiter: Optional[str], marker: Optional[str],
                         end_marker: Optional[str], limit: Optional[int],
                         opts: CallOptions, s3_buckets_only: bool = False) -> ContainerListing:
        """One ``account/containers`` reply as the server gives it
        (``s3_buckets_only=True`` sent only when asked: the server's default)."""
        _resp, doc = self.backend.account_call(
            "GET", "containers", opts, retriable=True,
            params={"id": account, "prefix": prefix, "delimiter": delimiter,
                    "marker": marker, "end_marker": end_marker, "limit": limit,
                    "s3_buckets_only": True if s3_buckets_only else None})
        doc = doc or {}
        listing = [container_entry_of(row) for row in doc.get("listing", [])]
        extra = {k: doc[k] for k in ("containers", "objects", "bytes") if k in doc}
        return ContainerListing(listing=listing, truncated=bool(doc.get("truncated")),
                                next_marker=doc.get("next_marker"), extra=extra)

    def _grouped_page(self, account: str, prefix: str, delimiter: str,
                      marker: Optional[str], end_marker: Optional[str], limit: int,
                      opts: CallOptions, extra: Dict[str, Any],
                      s3_buckets_only: bool = False) -> ContainerListing:
        """A delimited page folded here (objclient.listing.list_page) over
        the server's undelimited pages."""
        def scan(start: Optional[str], inclusive: bool) -> Iterator[Tuple[str, ContainerEntry]]:
            after = marker_before(start) if inclusive and start else start
            while True:
                page = self._containers_page(account, prefix or None, None, after,
                                             end_marker, 1000, opts, s3_buckets_only)
                for entry in page.listing:
                    if start is None or name_key(entry.name) > name_key(start) or (
                            inclusive and entry.name == start):
                        yield entry.name, entry
                if not page.truncated or not page.listing:
                    return
                after = page.next_marker or page.listing[-1].name

        page = list_page(scan, prefix=prefix, delimiter=delimiter, marker=marker,
                         end_marker=end_marker, limit=limit)
        rows = [row if isinstance(row, ContainerEntry) else
                container_entry_of([row, 0, 0, 1, 0])
                for row in merge_listing(page.items, page.prefixes)]
        return ContainerListing(listing=rows, truncated=page.truncated,
                                next_marker=page.next_marker, extra=extra)
