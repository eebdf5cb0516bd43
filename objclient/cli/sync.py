"""``objclient sync SRC DST``: the sync command's options and action.

SRC and DST are a folder path or ``URL#CONTAINER[/PREFIX]``.  The options
follow rclone's names (``doc/sync.rst`` gives the rclone and ``aws s3 sync``
equivalent of each).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Dict, Optional

from ..exceptions import InvalidArgument
from ..transfer import FolderStore, Location, StoreRef
from ..transfer.sync import Filter, parse_duration, parse_size, sync

__all__ = ["add_sync_arguments", "sync_cmd", "location"]


def location(spec: str, account: Optional[str], common: Dict[str, Any],
             profile: Optional[str] = None) -> Location:
    """A :class:`~objclient.transfer.Location` (with its :class:`StoreRef`)
    from ``URL#CONTAINER[/PREFIX]`` or a plain folder path."""
    from ..api import ObjectStorageApi
    if "://" not in spec:
        return Location(FolderStore(spec), None, "", "", StoreRef(FolderStore, spec))
    url, sep, where = spec.partition("#")
    if not sep or not where:
        raise InvalidArgument(f"{spec!r}: write URL#CONTAINER[/PREFIX]")
    container, _, prefix = where.partition("/")
    api = ObjectStorageApi(url, profile=profile, **common)
    return Location(api, account, container, prefix, StoreRef(ObjectStorageApi, url, profile))


def _rule(sign: str) -> Any:
    class Rule(argparse.Action):
        def __call__(self, parser: Any, ns: Any, value: Any, option: Any = None) -> None:
            ns.rules.append((sign, value))
    return Rule


def add_sync_arguments(ap: argparse.ArgumentParser) -> None:
    """Give the ``sync`` sub-command its arguments (the parser is made, and
    the output options added, by :mod:`objclient.cli.commands`)."""
    ap.set_defaults(rules=[])
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--src-account")
    ap.add_argument("--dst-account")
    ap.add_argument("--delete", action="store_true", help="delete extras in DST")
    ap.add_argument("--max-delete", type=int, metavar="N",
                    help="stop, deleting nothing more, rather than delete more than N")
    ap.add_argument("--dry-run", action="store_true", help="say what would be done")
    how = ap.add_mutually_exclusive_group()
    how.add_argument("--size-only", action="store_true", help="compare sizes only")
    how.add_argument("--checksum", action="store_true", help="compare sizes and hashes")
    ap.add_argument("--update", action="store_true", help="skip objects newer in DST")
    ap.add_argument("--include", action=_rule("+"), metavar="GLOB",
                    help="sync names matching GLOB (repeatable; first matching rule wins)")
    ap.add_argument("--exclude", action=_rule("-"), metavar="GLOB",
                    help="leave out names matching GLOB (repeatable)")
    ap.add_argument("--min-size", type=parse_size, metavar="SIZE", help="e.g. 10k, 1M")
    ap.add_argument("--max-size", type=parse_size, metavar="SIZE")
    ap.add_argument("--max-age", type=parse_duration, metavar="DURATION",
                    help="only objects modified within DURATION (e.g. 90, 10m, 7d)")
    ap.add_argument("--checkers", type=int, default=8, help="threads comparing (default 8)")
    ap.add_argument("--transfers", type=int, default=4, help="threads copying (default 4)")
    ap.add_argument("--dask", metavar="ADDRESS",
                    help="run on the Dask cluster of this scheduler (pip install objclient[dask])")
    ap.add_argument("--resume", action="store_true", default=True,
                    help="take over what an interrupted copy stored (the default)")
    ap.add_argument("--no-resume", dest="resume", action="store_false",
                    help="do not take over what an interrupted copy stored")


def sync_cmd(api: Any, a: argparse.Namespace) -> Any:
    """Run ``objclient sync``; failures go to stderr, the report is returned."""
    common = {"debug": a.debug, "timings": a.timings}
    src = location(a.src, a.src_account, common, a.profile)
    dst = location(a.dst, a.dst_account, common, a.profile)
    compare = "size" if a.size_only else "checksum" if a.checksum else "mtime"
    flt = Filter(tuple(a.rules), min_size=a.min_size, max_size=a.max_size, max_age=a.max_age)
    kwargs = dict(compare=compare, update=a.update, filter=flt, delete=a.delete,
                  max_delete=a.max_delete, dry_run=a.dry_run, checkers=a.checkers,
                  transfers=a.transfers, resume=a.resume)
    if a.dask:
        report = _on_dask(a.dask, src, dst, kwargs)
    else:
        report = sync(src, dst, **kwargs)  # type: ignore[arg-type]
    for name, why in report.errors:
        print(f"objclient: failed: {name}: {why}", file=sys.stderr)
    return report.to_dict()


def _on_dask(address: str, src: Location, dst: Location, kwargs: Dict[str, Any]) -> Any:
    try:
        import distributed
    except ImportError:
        raise InvalidArgument("--dask needs Dask: pip install 'objclient[dask]'") from None
    with distributed.Client(address) as client:
        return sync(src, dst, executor=client.get_executor(), **kwargs)
