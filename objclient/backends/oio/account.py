"""OpenIO accounts: the account service's ``/v1.0/account/*`` routes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, List, Mapping, Optional, Sequence

from ...contract import DEFAULT_OPTS, AccountClient, CallOptions
from ...models import AccountInfo, ContainerEntry, ContainerListing
from .protocol import micro_to_seconds

if TYPE_CHECKING:  # pragma: no cover
    from . import OioBackend

__all__ = ["OioAccountClient", "account_info_of", "account_names_of",
           "container_entry_of"]


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

    def containers(self, account: str, *, prefix: Optional[str] = None,
                   delimiter: Optional[str] = None, marker: Optional[str] = None,
                   end_marker: Optional[str] = None, limit: Optional[int] = None,
                   opts: CallOptions = DEFAULT_OPTS) -> ContainerListing:
        """``GET /v1.0/account/containers?id=``: one page of containers."""
        _resp, doc = self.backend.account_call(
            "GET", "containers", opts, retriable=True,
            params={"id": account, "prefix": prefix, "delimiter": delimiter,
                    "marker": marker, "end_marker": end_marker, "limit": limit})
        doc = doc or {}
        listing = [container_entry_of(row) for row in doc.get("listing", [])]
        extra = {k: doc[k] for k in ("containers", "objects", "bytes") if k in doc}
        return ContainerListing(listing=listing, truncated=bool(doc.get("truncated")),
                                next_marker=doc.get("next_marker"), extra=extra)
