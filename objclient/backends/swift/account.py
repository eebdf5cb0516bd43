"""Swift accounts: HEAD/POST for counters and properties, GET for containers."""

from __future__ import annotations

import re
from typing import Any, List, Mapping, Optional, Sequence

from ...contract import DEFAULT_OPTS, AccountClient, CallOptions
from ...exceptions import NoSuchAccount, NotFound
from ...models import AccountInfo, ContainerEntry, ContainerListing
from .common import SwiftRequests, int_header, refine
from .wire import (meta_headers, parse_listing_date, parse_timestamp, quote_name, read_meta,
                   remove_meta_headers)

__all__ = ["SwiftAccountClient", "SECRET_ACCOUNT_KEYS", "listing_params", "s3_bucket_name"]

#: Account metadata that is a secret: never returned as a property.
SECRET_ACCOUNT_KEYS = ("temp-url-key", "temp-url-key-2")


def listing_params(prefix: Optional[str], delimiter: Optional[str], marker: Optional[str],
                   end_marker: Optional[str], limit: Optional[int]) -> dict:
    """Query parameters of a JSON listing; asks one entry more than
    ``limit`` so that truncation is known exactly."""
    params: dict = {"format": "json"}
    for key, value in (("prefix", prefix), ("delimiter", delimiter), ("marker", marker),
                       ("end_marker", end_marker)):
        if value:
            params[key] = value
    if limit is not None:
        params["limit"] = str(min(limit + 1, SERVER_LISTING_LIMIT))
    return params


#: Swift's most names per listing request (``container_listing_limit``; a
#: larger ``limit`` is refused with 412).
SERVER_LISTING_LIMIT = 10000


def page_truncated(count: int, limit: Optional[int]) -> bool:
    """Whether more entries may follow a page of ``count`` rows asked for
    with :func:`listing_params`: one row more than ``limit`` came, or the
    server's own cap was reached (then the one extra row could not be
    asked for, and the next page tells)."""
    if limit is not None and count > limit:
        return True
    return count >= SERVER_LISTING_LIMIT


class SwiftAccountClient(SwiftRequests, AccountClient):
    """Account operations on ``/v1/<account>``."""

    def _path(self, account: str) -> str:
        return "/" + quote_name(account)

    def show(self, account: str, opts: CallOptions = DEFAULT_OPTS) -> AccountInfo:
        try:
            resp = self._send("HEAD", self._path(account), opts, "account")
        except NotFound as err:
            raise refine(err, NoSuchAccount, f"account {account!r} does not exist") from None
        h = resp.headers
        ts = parse_timestamp(h.get("X-Timestamp"))
        return AccountInfo(
            id=account, containers=int_header(h, "X-Account-Container-Count"),
            objects=int_header(h, "X-Account-Object-Count"),
            bytes=int_header(h, "X-Account-Bytes-Used"), ctime=ts,
            mtime=parse_timestamp(h.get("X-Put-Timestamp")) or ts,
            metadata=read_meta("account", h, SECRET_ACCOUNT_KEYS),
            extra={"quota_bytes": h.get("X-Account-Meta-Quota-Bytes")}
            if h.get("X-Account-Meta-Quota-Bytes") else {})

    def update(self, account: str, *, set_properties: Mapping[str, str],
               del_properties: Sequence[str], opts: CallOptions = DEFAULT_OPTS) -> None:
        headers = remove_meta_headers("Account", del_properties)
        headers.update(meta_headers("Account", set_properties))
        if headers:
            self._send("POST", self._path(account), opts, "account", headers=headers,
                       idempotent=True)

    def buckets(self, account: str, *, prefix: Optional[str] = None,
                delimiter: Optional[str] = None, marker: Optional[str] = None,
                end_marker: Optional[str] = None, limit: Optional[int] = None,
                opts: CallOptions = DEFAULT_OPTS) -> ContainerListing:
        """OpenIO's ``s3_buckets_only``: the containers Swift's s3api lists
        as buckets (controllers/service.py keeps the names
        :func:`s3_bucket_name` accepts: no ``+segments``, no capitals or
        ``_``), a page of up to ``limit`` of them read through as many
        container pages as it takes; prefix rows stay."""
        want = limit or 10000
        rows: List[ContainerEntry] = []
        after, more = marker, True
        while more and len(rows) < want:
            page = self.containers(account, prefix=prefix, delimiter=delimiter, marker=after,
                                   end_marker=end_marker, limit=want, opts=opts)
            rows += [e for e in page.listing if e.is_prefix or s3_bucket_name(e.name)]
            more = page.truncated and bool(page.listing)
            after = page.listing[-1].name if page.listing else after
        truncated = more or len(rows) > want
        rows = rows[:want]
        return ContainerListing(listing=rows, truncated=truncated,
                                next_marker=rows[-1].name if truncated and rows else None)

    def containers(self, account: str, *, prefix: Optional[str] = None,
                   delimiter: Optional[str] = None, marker: Optional[str] = None,
                   end_marker: Optional[str] = None, limit: Optional[int] = None,
                   opts: CallOptions = DEFAULT_OPTS) -> ContainerListing:
        params = listing_params(prefix, delimiter, marker, end_marker, limit)
        try:
            _resp, doc = self._json("GET", self._path(account), opts, "account",
                                    params=params)
        except NotFound as err:
            raise refine(err, NoSuchAccount, f"account {account!r} does not exist") from None
        rows: List[Any] = doc if isinstance(doc, list) else []
        truncated = page_truncated(len(rows), limit)
        if limit is not None:
            rows = rows[:limit]
        entries = []
        for row in rows:
            if "subdir" in row:
                entries.append(ContainerEntry(name=row["subdir"], is_prefix=True))
            else:
                entries.append(ContainerEntry(
                    name=row["name"], objects=int(row.get("count") or 0),
                    bytes=int(row.get("bytes") or 0),
                    mtime=parse_listing_date(row.get("last_modified"))))
        return ContainerListing(listing=entries, truncated=truncated,
                                next_marker=entries[-1].name if truncated and entries else None)


_IP_ADDRESS = re.compile(r"^(([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])\.){3}"
                         r"([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])$")


def s3_bucket_name(name: str, dns_compliant: bool = True) -> bool:
    """Swift s3api's ``validate_bucket_name`` (``s3api/utils.py``; its
    ``dns_compliant_bucket_names`` defaults to True): 3 to 63 characters
    (255 when not DNS-compliant), a letter or digit first, only
    ``[-.a-z0-9]`` (also ``A-Z_`` when not DNS-compliant), no ``.-``,
    ``-.``, ``..``, a letter or digit last, not an IPv4 address."""
    max_len = 63 if dns_compliant else 255
    allowed = "-.a-z0-9" if dns_compliant else "-.a-z0-9A-Z_"
    if not 3 <= len(name) <= max_len or not name[0].isalnum():
        return False
    if dns_compliant and (".-" in name or "-." in name or ".." in name
                          or not name[-1].isalnum()):
        return False
    if name.endswith(".") or _IP_ADDRESS.match(name):
        return False
    return re.match(f"^[{allowed}]*$", name) is not None
