"""ReductStore facade: the account is the server; its containers are buckets."""

from __future__ import annotations

from typing import Any, cast, Dict, Iterator, List, Optional, Tuple

from ...contract import DEFAULT_OPTS, AccountClient, CallOptions
from ...exceptions import NoSuchAccount
from ...listing import list_page, name_key
from ...models import AccountInfo, ContainerEntry, ContainerListing

__all__ = ["ReductAccountClient", "live"]


def live(items: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Buckets or entries that are not being deleted (``status`` is 1.18+)."""
    return [i for i in items if i.get("status", "READY") != "DELETING"]


class ReductAccountClient(AccountClient):
    """One account (``backend.default_account``) standing for the server."""

    @property
    def reduct(self) -> Any:
        """The low-level :class:`~objclient.backends.reduct.ReductClient`."""
        return cast(Any, self.backend).client

    def check(self, account: str) -> None:
        """:raises NoSuchAccount: ``account`` is not this server's account name."""
        if account != self.backend.default_account:
            raise NoSuchAccount(f"account {account!r} does not exist: a ReductStore server "
                                f"is the one account {self.backend.default_account!r}")

    def show(self, account: str, opts: CallOptions = DEFAULT_OPTS) -> AccountInfo:
        self.check(account)
        info = self.reduct.info(opts=opts) or {}
        buckets = live(self.reduct.list(opts=opts))
        extra = {k: info.get(k) for k in ("version", "uptime", "oldest_record",
                                          "latest_record", "license", "instance_name",
                                          "instance_role", "defaults") if k in info}
        return AccountInfo(id=account, containers=len(buckets),
                           objects=sum(int(b.get("entry_count", 0)) for b in buckets),
                           bytes=int(info.get("usage", 0)), metadata={}, extra=extra)

    def list(self, *, prefix: Optional[str] = None, marker: Optional[str] = None,
             end_marker: Optional[str] = None, limit: Optional[int] = None,
             opts: CallOptions = DEFAULT_OPTS) -> List[str]:
        name = str(self.backend.default_account)
        keep = ((not prefix or name.startswith(prefix))
                and (marker is None or name_key(name) > name_key(marker))
                and (end_marker is None or name_key(name) < name_key(end_marker))
                and (limit is None or limit > 0))
        return [name] if keep else []

    def containers(self, account: str, *, prefix: Optional[str] = None,
                   delimiter: Optional[str] = None, marker: Optional[str] = None,
                   end_marker: Optional[str] = None, limit: Optional[int] = None,
                   opts: CallOptions = DEFAULT_OPTS) -> ContainerListing:
        self.check(account)
        rows = sorted(((b["name"], b) for b in live(self.reduct.list(opts=opts))),
                      key=lambda r: name_key(r[0]))

        def scan(start: Optional[str], inclusive: bool) -> Iterator[Tuple[str, Any]]:
            for name, row in rows:
                if start is None or name_key(name) > name_key(start) or (
                        inclusive and name == start):
                    yield name, row

        page = list_page(scan, prefix=prefix or "", delimiter=delimiter, marker=marker,
                         end_marker=end_marker, limit=1000 if limit is None else limit)
        entries = [ContainerEntry(name=r["name"], objects=int(r.get("entry_count", 0)),
                                  bytes=int(r.get("size", 0)),
                                  mtime=_seconds(r.get("latest_record")))
                   for r in page.items]
        entries += [ContainerEntry(name=p, is_prefix=True) for p in page.prefixes]
        entries.sort(key=lambda e: name_key(e.name))
        return ContainerListing(listing=entries, truncated=page.truncated,
                                next_marker=page.next_marker)


def _seconds(us: Any) -> Optional[float]:
    """µs to seconds; None for the server's "no record" values (0 and u64::MAX)."""
    if not isinstance(us, int) or us <= 0 or us >= 2 ** 63:
        return None
    return us / 1_000_000
