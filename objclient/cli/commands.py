"""The command line's parser and actions.

``objclient [--url URL | --profile NAME] GROUP ACTION ... [-f FORMAT] [-c COLUMN]``.
Exit codes: 0 success, 1 error, 2 usage, 3 not found, 4 authentication or
permission, 5 conflict.

Start-up time matters to a command line: :func:`main` builds the parser of
the chosen group only, and the facade, the transfer engine, the output
formatters and the standard modules only some actions need are imported in
the functions that use them (``objclient --version`` imports none of them).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

from .._version import __version__
from ..exceptions import (ClientError, Conflict, Forbidden, InvalidArgument, NotFound,
                          Unauthorized)
from .options import add_output_options, output_options, terminal_columns

__all__ = ["build_parser", "main", "EXIT_CODES"]

EXIT_CODES = {"ok": 0, "error": 1, "usage": 2, "not_found": 3, "auth": 4, "conflict": 5}

OBJECT_COLUMNS = ["name", "size", "hash", "mime_type", "mtime"]
CONTAINER_COLUMNS = ["name", "objects", "bytes", "mtime"]


def _props(pairs: Sequence[str]) -> Dict[str, str]:
    out = {}
    for pair in pairs or ():
        key, sep, value = pair.partition("=")
        if not sep:
            raise InvalidArgument(f"expected KEY=VALUE, got {pair!r}")
        out[key] = value
    return out


# -- actions -----------------------------------------------------------------------------
def account_show(api: Any, a: argparse.Namespace) -> Any:
    return api.account_show(a.account)


def account_list(api: Any, a: argparse.Namespace) -> Any:
    return [{"name": n["id"]} for n in api.account_list(prefix=a.prefix, limit=a.limit)]


def account_create(api: Any, a: argparse.Namespace) -> Any:
    return {"account": a.name, "created": api.account_create(a.name)}


def account_delete(api: Any, a: argparse.Namespace) -> Any:
    api.account_delete(a.name)
    return None


def account_set(api: Any, a: argparse.Namespace) -> Any:
    api.account_set_properties(a.account, _props(a.property))
    return None


def account_unset(api: Any, a: argparse.Namespace) -> Any:
    api.account_del_properties(a.account, a.key)
    return None


def _limited(rows: Iterator[Dict[str, Any]], limit: Optional[int]
             ) -> Iterator[Dict[str, Any]]:
    """The first ``limit`` rows (every row when None or 0); when more follow,
    say on stderr which ``--marker`` lists the next page."""
    if not limit:
        yield from rows
        return
    last = None
    for _n, last in zip(range(limit), rows):
        yield last
    if last is not None and next(rows, None) is not None:
        import shlex
        print(f"objclient: more entries follow; next page: --marker "
              f"{shlex.quote(str(last['name']))}", file=sys.stderr)


def _page_size(limit: Optional[int]) -> int:
    """Entries asked per request: one more than ``--limit`` shows whether
    more follow."""
    return min(limit + 1, 1000) if limit else 1000


def container_list(api: Any, a: argparse.Namespace) -> Any:
    entries = api.container_list_iter(a.account, prefix=a.prefix, marker=a.marker,
                                      page_size=_page_size(a.limit))
    return _limited((e.to_dict() for e in entries), a.limit)


def container_create(api: Any, a: argparse.Namespace) -> Any:
    return [{"name": name, "created": api.container_create(a.account, name,
                                                            properties=_props(a.property))}
            for name in a.names]


def container_delete(api: Any, a: argparse.Namespace) -> Any:
    for name in a.names:
        if a.force:
            api.container_flush(a.account, name)
        api.container_delete(a.account, name)
    return None


def container_show(api: Any, a: argparse.Namespace) -> Any:
    return api.container_show(a.account, a.name)


def container_set(api: Any, a: argparse.Namespace) -> Any:
    api.container_set_properties(a.account, a.name, _props(a.property))
    return None


def container_unset(api: Any, a: argparse.Namespace) -> Any:
    api.container_del_properties(a.account, a.name, a.key)
    return None


def container_flush(api: Any, a: argparse.Namespace) -> Any:
    api.container_flush(a.account, a.name)
    return None


def _walk(paths: Sequence[str], recursive: bool) -> Iterator[Tuple[str, str]]:
    """``(local path, object name)`` for every file to upload."""
    for path in paths:
        if os.path.isdir(path):
            if not recursive:
                raise InvalidArgument(f"{path} is a directory (use --recursive)")
            base = os.path.dirname(os.path.abspath(path).rstrip(os.sep))
            for root, dirs, files in os.walk(path):
                dirs.sort()
                for name in sorted(files):
                    full = os.path.join(root, name)
                    rel = os.path.relpath(os.path.abspath(full), base)
                    yield full, rel.replace(os.sep, "/")
        else:
            yield path, os.path.basename(path)


def _expand(paths: Sequence[str]) -> List[str]:
    import glob as globmod
    out: List[str] = []
    for path in paths:
        matches = sorted(globmod.glob(path)) if any(c in path for c in "*?[") else [path]
        if not matches:
            raise InvalidArgument(f"no file matches {path!r}")
        out.extend(matches)
    return out


def _parallel(func: Callable[[Any], Any], items: List[Any], workers: int) -> List[Any]:
    if workers <= 1 or len(items) <= 1:
        return [func(i) for i in items]
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(func, items))


def object_upload(api: Any, a: argparse.Namespace) -> Any:
    import mimetypes

    from .progress import progress_bar
    paths = _expand(a.paths)
    props = _props(a.property)
    jobs = []
    for path, name in _walk(paths, a.recursive):
        if a.name and len(paths) == 1 and not os.path.isdir(paths[0]):
            name = a.name
        elif a.prefix:
            name = a.prefix + name
        jobs.append((path, name))

    def one(job: Tuple[str, str]) -> Dict[str, Any]:
        path, name = job
        bar = progress_bar(name, enabled=a.progress and a.workers <= 1)
        try:
            _chunks, size, md5 = api.object_create(
                a.account, a.container, file_or_path=path, obj_name=name,
                mime_type=a.mime_type or mimetypes.guess_type(name)[0], properties=props,
                progress=bar, resume=a.resume)
        finally:
            bar.close()
        return {"name": name, "size": size, "hash": md5}

    return _parallel(one, jobs, a.workers)


def object_download(api: Any, a: argparse.Namespace) -> Any:
    import fnmatch

    from .progress import progress_bar
    names = list(a.names)
    if a.recursive or any(any(c in n for c in "*?[") for n in names):
        wanted = names or ["*"]
        names = [o.name for o in api.object_list_iter(a.account, a.container,
                                                      prefix=a.prefix)
                 if any(fnmatch.fnmatchcase(o.name, w) for w in wanted)]
    jobs = []
    for name in names:
        if a.output == "-":
            _meta, stream = api.object_fetch(a.account, a.container, name)
            try:
                for chunk in stream:
                    sys.stdout.buffer.write(chunk)
            finally:
                stream.close()
            continue
        dest = a.output if (a.output and len(names) == 1 and not a.recursive) else \
            os.path.join(a.output or ".", *name.split("/"))
        _safe_destination(dest, a.output or ".")
        jobs.append((name, dest))
    if a.output == "-":
        return None

    def one(job: Tuple[str, str]) -> Dict[str, Any]:
        name, dest = job
        bar = progress_bar(name, enabled=a.progress and a.workers <= 1)
        try:
            info = api.object_download(a.account, a.container, name, dest, progress=bar)
        finally:
            bar.close()
        return {"name": name, "path": dest, "size": info["size"]}

    return _parallel(one, jobs, a.workers)


def _safe_destination(dest: str, base: str) -> None:
    real_base = os.path.realpath(base)
    real = os.path.realpath(dest)
    if os.path.isabs(dest) and base == dest:
        return
    if real != real_base and not real.startswith(real_base + os.sep):
        raise InvalidArgument(f"object name would write outside {base!r}: {dest!r}")


def object_list(api: Any, a: argparse.Namespace) -> Any:
    """Streamed: each page is printed before the next is fetched."""
    entries = api.object_list_iter(a.account, a.container, prefix=a.prefix,
                                   delimiter=a.delimiter, marker=a.marker,
                                   page_size=_page_size(a.limit))
    rows = ({"name": e} if isinstance(e, str) else e.to_dict() for e in entries)
    return _limited(rows, a.limit)


def object_show(api: Any, a: argparse.Namespace) -> Any:
    return api._object_info(a.account, a.container, a.name)  # typed: JSON numbers


def object_delete(api: Any, a: argparse.Namespace) -> Any:
    return [{"name": n, "deleted": ok}
            for n, ok in api.object_delete_many(a.account, a.container, a.names)]


def object_set(api: Any, a: argparse.Namespace) -> Any:
    api.object_set_properties(a.account, a.container, a.name, _props(a.property),
                              clear=a.clear)
    return None


def object_unset(api: Any, a: argparse.Namespace) -> Any:
    api.object_del_properties(a.account, a.container, a.name, a.key)
    return None


def object_locate(api: Any, a: argparse.Namespace) -> Any:
    _meta, chunks = api.object_locate(a.account, a.container, a.name)
    return [c.to_dict() for c in chunks]


def object_link(api: Any, a: argparse.Namespace) -> Any:
    return api.object_link(a.account, a.container, a.name, a.account,
                           a.dest_container or a.container, a.dest_name)


def copy_cmd(api: Any, a: argparse.Namespace) -> Any:
    from ..transfer import copy
    from .sync import location
    common = {"debug": a.debug, "timings": a.timings}
    src = location(a.src, a.src_account, common)
    dst = location(a.dst, a.dst_account, common)
    meta = copy(src, src.prefix, dst, dst.prefix, resume=a.resume)
    return {"name": meta["name"], "size": meta["size"], "hash": meta["hash"]}


def sync_cmd(api: Any, a: argparse.Namespace) -> Any:
    """``objclient sync``: imported from :mod:`objclient.cli.sync` when run."""
    from .sync import sync_cmd as run
    return run(api, a)


def profile_list(api: Any, a: argparse.Namespace) -> Any:
    from .. import config
    return [{"name": n} for n in config.list_profiles()]


def profile_show(api: Any, a: argparse.Namespace) -> Any:
    from .. import config
    return config.describe_profile(a.name)


def profile_add(api: Any, a: argparse.Namespace) -> Any:
    from .. import config
    path = config.save_profile(a.name, a.profile_url, _props(a.option))
    return {"profile": a.name, "file": path}


def account_flush(api: Any, a: argparse.Namespace) -> Any:
    api.account_flush(a.name)
    return None


def account_refresh(api: Any, a: argparse.Namespace) -> Any:
    api.account_refresh(a.account)
    return None


def container_touch(api: Any, a: argparse.Namespace) -> Any:
    api.container_touch(a.account, a.name)
    return None


def container_refresh(api: Any, a: argparse.Namespace) -> Any:
    api.container_refresh(a.account, a.name)
    return None


def container_snapshot(api: Any, a: argparse.Namespace) -> Any:
    api.container_snapshot(a.account, a.name, a.dest_account or a.account, a.dest)
    return None


def object_truncate(api: Any, a: argparse.Namespace) -> Any:
    api.object_truncate(a.account, a.container, a.name, size=a.size)
    return None


def object_touch(api: Any, a: argparse.Namespace) -> Any:
    api.object_touch(a.account, a.container, a.name)
    return None


def object_temp_url(api: Any, a: argparse.Namespace) -> Any:
    return {"url": api.object_temp_url(a.account, a.container, a.name, method=a.method,
                                       expires=a.expires)}


def _reduct(api: Any) -> Any:
    client = getattr(api.container, "reduct", None)
    if client is None:
        from ..exceptions import NotSupported
        raise NotSupported(f"the {api.backend} backend has no tokens or time queries "
                           "(ReductStore has)", backend=api.backend)
    return client


def token_list(api: Any, a: argparse.Namespace) -> Any:
    return _reduct(api).get_token_list()


def token_show(api: Any, a: argparse.Namespace) -> Any:
    return _reduct(api).get_token(a.name)


def token_create(api: Any, a: argparse.Namespace) -> Any:
    perms = {"full_access": a.full_access, "read": a.read or [], "write": a.write or []}
    return {"name": a.name, "value": _reduct(api).create_token(a.name, perms)}


def token_delete(api: Any, a: argparse.Namespace) -> Any:
    _reduct(api).remove_token(a.name)
    return None


def query_cmd(api: Any, a: argparse.Namespace) -> Any:
    bucket = _reduct(api).bucket(a.container)
    rows = []
    for rec in bucket.query(a.entry, start=a.start, stop=a.stop, limit=a.limit, head=True):
        rows.append({"entry": getattr(rec, "entry", a.entry),
                     "timestamp": getattr(rec, "timestamp", None),
                     "size": getattr(rec, "size", None),
                     "content_type": getattr(rec, "content_type", None),
                     "labels": dict(getattr(rec, "labels", {}) or {})})
    return rows


def container_purge(api: Any, a: argparse.Namespace) -> Any:
    api.container_purge(a.account, a.name, maxvers=a.maxvers)
    return None


def completion(api: Any, a: argparse.Namespace) -> Any:
    from .completion import completion_script
    sys.stdout.write(completion_script(build_parser(), a.shell))
    return None


def info(api: Any, a: argparse.Namespace) -> Any:
    return {"backend": api.backend, "url": api.url,
            "capabilities": sorted(c.value for c in api.capabilities),
            "endpoints": api.directory.endpoints()}


# -- parser -------------------------------------------------------------------------------
_RESUME_HELP = ("send only what an interrupted upload of the same object did not store "
                "(its parts checked first)")


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's help formatter, sized by :func:`terminal_columns`: argparse
    makes one for every ``add_argument`` and its own imports :mod:`shutil`."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: Optional[int] = None) -> None:
        super().__init__(prog, indent_increment, max_help_position,
                         terminal_columns() - 2 if width is None else width)


class _Parser(argparse.ArgumentParser):
    """The command line's parsers (sub-parsers are of the same class)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)


def _add_global_options(p: argparse.ArgumentParser) -> None:
    src = p.add_mutually_exclusive_group()
    src.add_argument("--url", help="storage URL (default: $OBJCLIENT_URL, profile, local store)")
    src.add_argument("--profile", help="profile from ~/.config/objclient/config.ini")
    p.add_argument("--account", help="account (default: the backend's own)")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    p.add_argument("--debug", action="store_true",
                   help="log each request curl-style on stderr, secrets redacted")
    p.add_argument("--timings", action="store_true", help="print per-request timings at the end")
    add_output_options(p, after=False)


def _action(sub: Any, name: str, func: Callable[..., Any], help_text: str,
            columns: Optional[List[str]] = None) -> argparse.ArgumentParser:
    """An action's parser; ``columns``: what tables, csv and value show by default."""
    ap = sub.add_parser(name, help=help_text, description=help_text)
    ap.set_defaults(func=func, table_columns=columns)
    add_output_options(ap, after=True)
    return ap


def _actions(groups: Any, name: str, help_text: str, wanted: bool) -> Any:
    """The sub-parsers of group ``name`` (None when not ``wanted``)."""
    parser = groups.add_parser(name, help=help_text)
    if not wanted:
        return None
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    return sub


def build_parser(only: Optional[str] = None,
                 only_action: Optional[str] = None) -> argparse.ArgumentParser:
    """The ``objclient`` argument parser.

    :param only: fill in this group's actions only (what :func:`main` does,
        for start-up time); None: every group (documentation, completion).
    :param only_action: of that group, give this action its arguments only
        (the others are listed, bare); None: all of them.
    """
    p = _Parser(
        prog="objclient", description="One command line for many object stores.",
        epilog="Exit codes: 0 ok, 1 error, 2 usage, 3 not found, 4 auth, 5 conflict.")
    p.add_argument("--version", action="version", version=f"objclient {__version__}")
    _add_global_options(p)
    groups = p.add_subparsers(dest="group", metavar="GROUP")
    groups.required = True

    def action(sub: Any, name: str, func: Callable[..., Any], help_text: str,
               columns: Optional[List[str]] = None) -> Any:
        if only_action is None or name == only_action:
            return _action(sub, name, func, help_text, columns)
        sub.add_parser(name, help=help_text, add_help=False)
        return _UNUSED

    _add_groups(groups, _GROUPS, only, action)
    _add_transfer_commands(groups, only)
    _add_groups(groups, _LATER_GROUPS, only, action)
    _add_single_commands(groups, only)
    return p


class _Unused:
    """Takes the arguments of an action the command line did not choose."""

    def add_argument(self, *args: Any, **kwargs: Any) -> None:
        return None


_UNUSED = _Unused()


def _add_groups(groups: Any, table: Sequence[Tuple[str, str, Callable[..., None]]],
                only: Optional[str], action: Callable[..., Any]) -> None:
    for name, help_text, fill in table:
        sub = _actions(groups, name, help_text, only is None or only == name)
        if sub is not None:
            fill(sub, action)


def _account_actions(acc: Any, action: Callable[..., Any]) -> None:
    action(acc, "show", account_show, "show the account's counters and properties")
    ap = action(acc, "list", account_list, "list accounts")
    ap.add_argument("--prefix")
    ap.add_argument("--limit", type=int)
    action(acc, "create", account_create, "create an account").add_argument("name")
    action(acc, "delete", account_delete, "delete an empty account").add_argument("name")
    action(acc, "flush", account_flush, "reset the account's container list "
           "(OpenIO)").add_argument("name")
    action(acc, "refresh", account_refresh, "recompute the account's counters")
    action(acc, "set", account_set, "set account properties").add_argument(
        "property", nargs="+", metavar="KEY=VALUE")
    action(acc, "unset", account_unset, "delete account properties").add_argument(
        "key", nargs="+")


def _container_actions(con: Any, action: Callable[..., Any]) -> None:
    ap = action(con, "list", container_list, "list containers (streamed as pages arrive)",
                CONTAINER_COLUMNS)
    ap.add_argument("--prefix")
    ap.add_argument("--marker", help="list the names after this one")
    ap.add_argument("--limit", type=int, help="at most this many (stderr names the next "
                    "--marker when more follow)")
    ap = action(con, "create", container_create, "create containers")
    ap.add_argument("names", nargs="+", metavar="NAME")
    ap.add_argument("--property", action="append", metavar="KEY=VALUE", default=[])
    ap = action(con, "delete", container_delete, "delete containers")
    ap.add_argument("names", nargs="+", metavar="NAME")
    ap.add_argument("--force", action="store_true", help="delete the objects first")
    action(con, "show", container_show, "show a container").add_argument("name")
    ap = action(con, "set", container_set, "set container properties")
    ap.add_argument("name")
    ap.add_argument("property", nargs="+", metavar="KEY=VALUE")
    ap = action(con, "unset", container_unset, "delete container properties")
    ap.add_argument("name")
    ap.add_argument("key", nargs="+")
    action(con, "flush", container_flush, "delete every object").add_argument("name")
    action(con, "touch", container_touch, "make the counters current").add_argument("name")
    action(con, "refresh", container_refresh,
           "recompute the container's and account's counters").add_argument("name")
    ap = action(con, "snapshot", container_snapshot, "copy the current objects to a new "
                "container (links where the backend has them)")
    ap.add_argument("name")
    ap.add_argument("dest")
    ap.add_argument("--dest-account")
    ap = action(con, "purge", container_purge, "drop old object versions")
    ap.add_argument("name")
    ap.add_argument("--maxvers", type=int, help="versions to keep (default: the container's)")


def _object_actions(obj: Any, action: Callable[..., Any]) -> None:
    ap = action(obj, "upload", object_upload, "upload files", ["name", "size", "hash"])
    ap.add_argument("container")
    ap.add_argument("paths", nargs="+", metavar="PATH")
    ap.add_argument("--name", help="object name (one file only)")
    ap.add_argument("--prefix", help="prepend to every object name", default="")
    ap.add_argument("-r", "--recursive", action="store_true")
    ap.add_argument("--mime-type")
    ap.add_argument("--property", action="append", metavar="KEY=VALUE", default=[])
    ap.add_argument("--workers", type=int, default=1, help="files moved at once")
    ap.add_argument("--no-progress", dest="progress", action="store_false")
    ap.add_argument("--resume", action="store_true", help=_RESUME_HELP)
    ap = action(obj, "download", object_download, "download objects",
                ["name", "path", "size"])
    ap.add_argument("container")
    ap.add_argument("names", nargs="*", metavar="NAME", help="names or glob patterns")
    ap.add_argument("-o", "--output", help="file or folder ('-' for stdout)")
    ap.add_argument("-r", "--recursive", action="store_true", help="every object (of --prefix)")
    ap.add_argument("--prefix")
    ap.add_argument("--workers", type=int, default=1, help="objects moved at once")
    ap.add_argument("--no-progress", dest="progress", action="store_false")
    ap = action(obj, "save", object_download, "save objects to files (same as download)",
                ["name", "path", "size"])
    ap.add_argument("container")
    ap.add_argument("names", nargs="*", metavar="NAME", help="names or glob patterns")
    ap.add_argument("-o", "--output", help="file or folder ('-' for stdout)")
    ap.add_argument("-r", "--recursive", action="store_true")
    ap.add_argument("--prefix")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--no-progress", dest="progress", action="store_false")
    ap = action(obj, "list", object_list, "list objects (streamed as pages arrive, in "
                "constant memory)", OBJECT_COLUMNS)
    ap.add_argument("container")
    ap.add_argument("--prefix")
    ap.add_argument("--delimiter")
    ap.add_argument("--marker", help="list the names after this one")
    ap.add_argument("--limit", type=int, help="at most this many (stderr names the next "
                    "--marker when more follow)")
    ap = action(obj, "show", object_show, "show an object's metadata")
    ap.add_argument("container")
    ap.add_argument("name")
    ap = action(obj, "delete", object_delete, "delete objects", ["name", "deleted"])
    ap.add_argument("container")
    ap.add_argument("names", nargs="+", metavar="NAME")
    ap = action(obj, "set", object_set, "set object properties")
    ap.add_argument("container")
    ap.add_argument("name")
    ap.add_argument("property", nargs="+", metavar="KEY=VALUE")
    ap.add_argument("--clear", action="store_true", help="drop other properties")
    ap = action(obj, "unset", object_unset, "delete object properties")
    ap.add_argument("container")
    ap.add_argument("name")
    ap.add_argument("key", nargs="+")
    ap = action(obj, "locate", object_locate, "where the object's data is",
                ["url", "pos", "size", "hash"])
    ap.add_argument("container")
    ap.add_argument("name")
    ap = action(obj, "truncate", object_truncate, "cut an object to SIZE bytes")
    ap.add_argument("container")
    ap.add_argument("name")
    ap.add_argument("size", type=int)
    ap = action(obj, "touch", object_touch, "refresh an object's record")
    ap.add_argument("container")
    ap.add_argument("name")
    ap = action(obj, "temp-url", object_temp_url, "a URL granting METHOD without credentials")
    ap.add_argument("container")
    ap.add_argument("name")
    ap.add_argument("--method", default="GET")
    ap.add_argument("--expires", type=int, default=3600, help="seconds")
    ap = action(obj, "link", object_link, "give an object a second name, server-side")
    ap.add_argument("container")
    ap.add_argument("name")
    ap.add_argument("dest_name")
    ap.add_argument("--dest-container")


def _add_transfer_commands(groups: Any, only: Optional[str]) -> None:
    for name, func, text in (("copy", copy_cmd, "copy one object between any two stores"),
                             ("sync", sync_cmd, "make DST hold what SRC holds")):
        ap = groups.add_parser(name, help=text, description=text + ". SRC and DST are "
                               "URL#CONTAINER[/PREFIX] (e.g. s3+http://host#bucket/photos/) "
                               "or a plain folder.")
        ap.set_defaults(func=func, table_columns=None)
        if only is not None and only != name:
            continue
        add_output_options(ap, after=True)
        if name == "sync":
            from .sync import add_sync_arguments
            add_sync_arguments(ap)
            continue
        ap.add_argument("src")
        ap.add_argument("dst")
        ap.add_argument("--src-account")
        ap.add_argument("--dst-account")
        ap.add_argument("--resume", action="store_true", help=_RESUME_HELP)


def _profile_actions(prof: Any, action: Callable[..., Any]) -> None:
    action(prof, "list", profile_list, "list profiles")
    action(prof, "show", profile_show, "show a profile (secrets hidden)").add_argument("name")
    ap = action(prof, "add", profile_add, "add or replace a profile (file mode 0600; secrets "
                "go to the OS keyring when the keyring package is installed); "
                "prefer NAME_env=VARIABLE for secrets")
    ap.add_argument("name")
    ap.add_argument("profile_url", metavar="URL")
    ap.add_argument("option", nargs="*", metavar="KEY=VALUE")


def _token_actions(tok: Any, action: Callable[..., Any]) -> None:
    action(tok, "list", token_list, "list tokens", ["name", "created_at", "is_provisioned"])
    action(tok, "show", token_show, "show a token's permissions").add_argument("name")
    ap = action(tok, "create", token_create, "create a token (its value is printed once)")
    ap.add_argument("name")
    ap.add_argument("--full-access", action="store_true")
    ap.add_argument("--read", action="append", metavar="BUCKET")
    ap.add_argument("--write", action="append", metavar="BUCKET")
    action(tok, "delete", token_delete, "delete a token").add_argument("name")


def _add_single_commands(groups: Any, only: Optional[str]) -> None:
    """The groups that are commands themselves: query, completion, info."""
    for name, func, text, columns in _SINGLE_COMMANDS:
        ap = groups.add_parser(name, help=text)
        ap.set_defaults(func=func, table_columns=columns)
        if only is None or only == name:
            add_output_options(ap, after=True)
            _SINGLE_ARGUMENTS[name](ap)


def _query_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("container")
    ap.add_argument("entry")
    ap.add_argument("--start", help="microseconds or ISO time")
    ap.add_argument("--stop", help="microseconds or ISO time")
    ap.add_argument("--limit", type=int)


def _completion_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("shell", choices=("bash", "zsh"))


_GROUPS: Tuple[Tuple[str, str, Callable[..., None]], ...] = (
    ("account", "accounts", _account_actions),
    ("container", "containers", _container_actions),
    ("object", "objects", _object_actions),
)
_LATER_GROUPS = (("profile", "saved connection profiles", _profile_actions),
                 ("token", "access tokens (ReductStore)", _token_actions))
_SINGLE_COMMANDS = (
    ("query", query_cmd, "records of an entry in a time range (time-series backends: "
     "ReductStore)", ["entry", "timestamp", "size", "content_type", "labels"]),
    ("completion", completion, "print a bash or zsh completion script", None),
    ("info", info, "backend, endpoint and capabilities", None),
)
_SINGLE_ARGUMENTS: Dict[str, Callable[[argparse.ArgumentParser], None]] = {
    "query": _query_arguments, "completion": _completion_arguments,
    "info": lambda ap: None}


def _exit_code(err: ClientError) -> int:
    if isinstance(err, NotFound):
        return EXIT_CODES["not_found"]
    if isinstance(err, (Unauthorized, Forbidden)):
        return EXIT_CODES["auth"]
    if isinstance(err, Conflict):
        return EXIT_CODES["conflict"]
    if isinstance(err, InvalidArgument):
        return EXIT_CODES["usage"]
    return EXIT_CODES["error"]


class _GroupOnly(_Parser):
    """A parser that never prints: :func:`_chosen` tries, main tells."""

    def error(self, message: str) -> Any:  # type: ignore[override]
        raise ValueError(message)


def _chosen(argv: Sequence[str]) -> Tuple[str, Optional[str]]:
    """The group and action ``argv`` names, read with the global options only
    (group "" for none; action None for none or unsure)."""
    pre = _GroupOnly(add_help=False)
    _add_global_options(pre)
    pre.add_argument("group", nargs="?")
    pre.add_argument("rest", nargs=argparse.REMAINDER)
    try:
        known, _unknown = pre.parse_known_args(argv)
    except ValueError:
        return "", None
    rest = known.rest
    return known.group or "", rest[0] if rest and not rest[0].startswith("-") else None


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line. :returns: the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    group, action = _chosen(argv)
    args = build_parser(only=group, only_action=action).parse_args(argv)
    if args.debug:
        import logging
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr,
                            format="%(name)s %(levelname)s %(message)s")
    api = None
    try:
        opts = output_options(args)
        from .output import check_format, render
        check_format(opts.format)
        if args.func not in (copy_cmd, sync_cmd, profile_list, profile_show, profile_add,
                             completion):
            from ..api import ObjectStorageApi
            api = ObjectStorageApi(args.url, profile=args.profile, debug=args.debug,
                                   timings=args.timings)
        result = args.func(api, args)
        if result is not None and args.quiet:
            _drain(result)
        elif result is not None:
            render(result, opts, args.table_columns)
        return EXIT_CODES["ok"]
    except ClientError as err:
        print(f"objclient: error: {err}", file=sys.stderr)
        return _exit_code(err)
    except BrokenPipeError:  # `objclient object list box | head`: the reader left
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        return 130
    finally:
        if api is not None:
            _close(api, args.timings)


def _drain(result: Any) -> None:
    """Run a streamed listing to its end (``--quiet`` prints nothing, but the
    exit code still says whether the listing worked)."""
    if not isinstance(result, dict) and hasattr(result, "__next__"):
        for _row in result:
            pass


def _close(api: Any, timings: bool) -> None:
    if timings:
        from .output import OutputOptions, render
        render([t.to_dict() for t in api.http.get_timing_records()],
               OutputOptions(format="table"),
               ["method", "url", "status", "elapsed", "bytes_sent", "bytes_received"],
               out=sys.stderr)
    api.close()
