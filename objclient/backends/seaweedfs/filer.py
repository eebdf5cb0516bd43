"""The filer as the SeaweedFS backend's namespace: paths, entries, listings.

:class:`Filer` holds the few filer requests the account, container and blob
sub-clients share (stat, list, mkdir, delete, extended attributes), all sent
through the backend's one HTTPClient.  Paths are given as tuples of levels
below the configured root, each level already encoded (see
:mod:`objclient.backends.seaweedfs.names`).
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from ...contract import CallOptions
from ...exceptions import NotFound
from ...http.retry import RetryPolicy
from ...models import ObjectInfo
from .names import (DIR_MARK, SEGMENT, before, decode_name, encode_name, encode_property_key,
                    encode_property_value, extended_to_properties, is_object_dir,
                    md5_b64_to_hex, property_header, url_path)

if TYPE_CHECKING:  # pragma: no cover
    from . import SeaweedBackend

__all__ = ["Filer", "parse_time", "entry_name", "is_dir", "entry_to_info"]

_DIR_BIT = 1 << 31
_EPOCH_ZERO = "0001-01-01"

Levels = Tuple[str, ...]


def parse_time(value: Optional[str]) -> Optional[float]:
    """Epoch seconds of a filer timestamp (RFC 3339, nanoseconds, ``Z``)."""
    if not value or value.startswith(_EPOCH_ZERO):
        return None
    text = value.replace("Z", "+00:00")
    if "." in text:
        head, _, rest = text.partition(".")
        digits = "".join(c for c in rest if c.isdigit())
        zone = rest[len(digits):]
        text = f"{head}.{digits[:6].ljust(6, '0')}{zone}"
    try:
        return datetime.datetime.fromisoformat(text).timestamp()
    except ValueError:
        return None


def entry_name(entry: Mapping[str, Any]) -> str:
    """The last level of an entry's ``FullPath``."""
    return str(entry.get("FullPath", "")).rsplit("/", 1)[-1]


def is_dir(entry: Mapping[str, Any]) -> bool:
    """Whether a filer entry is a directory."""
    return bool(int(entry.get("Mode") or 0) & _DIR_BIT)


def entry_to_info(entry: Mapping[str, Any], name: str, account: str, container: str,
                  with_properties: bool = True) -> ObjectInfo:
    """An :class:`ObjectInfo` from a filer entry (metadata JSON or listing)."""
    md5 = md5_b64_to_hex(entry.get("Md5"))
    chunks = entry.get("chunks") or entry.get("Chunks") or []
    return ObjectInfo(
        name=name, size=int(entry.get("FileSize") or 0), hash=md5,
        hash_method="md5" if md5 else None,
        mime_type=entry.get("Mime") or "application/octet-stream",
        ctime=parse_time(entry.get("Crtime")), mtime=parse_time(entry.get("Mtime")),
        properties=extended_to_properties(entry.get("Extended"), b64=True)
        if with_properties else {},
        policy=None, chunk_method=f"seaweedfs/chunks={len(chunks)}" if chunks else None,
        id=str(entry.get("Inode")) if entry.get("Inode") is not None else None,
        container=container, account=account)


class Filer:
    """Filer requests below the backend's root directory.

    :param backend: the :class:`SeaweedBackend` (its ``http``, ``filer_url``
        and ``root``).
    """

    def __init__(self, backend: "SeaweedBackend") -> None:
        self.backend = backend

    def url(self, levels: Sequence[str], directory: bool = False) -> str:
        """The URL of a path (``directory``: with a trailing slash)."""
        path = url_path(*self.backend.root, *levels)
        return f"{self.backend.filer_url}/{path}" + ("/" if directory else "")

    def _kw(self, opts: CallOptions) -> Dict[str, Any]:
        return opts.http_kwargs("filer")

    def stat(self, levels: Sequence[str], opts: CallOptions) -> Optional[Dict[str, Any]]:
        """The entry of a file or directory; None when it does not exist."""
        try:
            _resp, body = self.backend.http.request_json(
                "GET", self.url(levels), params={"metadata": "true"},
                headers=dict(opts.headers), **self._kw(opts))
        except NotFound:
            return None
        return body if isinstance(body, dict) else None

    def list(self, levels: Sequence[str], last: Optional[str], limit: int,
             opts: CallOptions) -> Tuple[List[Dict[str, Any]], bool]:
        """One page of a directory's entries after ``last``, in byte order.

        :returns: ``(entries, more)``.
        :raises NotFound: the directory does not exist.
        """
        params: Dict[str, Any] = {"limit": str(limit)}
        if last:
            params["lastFileName"] = last
        headers = dict(opts.headers)
        headers["Accept"] = "application/json"
        _resp, body = self.backend.http.request_json(
            "GET", self.url(levels, directory=True), params=params, headers=headers,
            **self._kw(opts))
        if not isinstance(body, dict):
            raise NotFound("the filer did not list the directory")
        entries = body.get("Entries") or []
        return entries, bool(body.get("ShouldDisplayLoadMore")) and bool(entries)

    def iter_dir(self, levels: Sequence[str], last: Optional[str], page: int,
                 opts: CallOptions) -> Iterator[Dict[str, Any]]:
        """Every entry of a directory after ``last``, a page at a time."""
        while True:
            entries, more = self.list(levels, last, page, opts)
            yield from entries
            if not more:
                return
            last = entry_name(entries[-1])

    def walk(self, levels: Sequence[str], start: Optional[str], inclusive: bool, page: int,
             opts: CallOptions, missing_ok: bool = False) -> Iterator[Tuple[str, Dict[str, Any]]]:
        """Encoded object names (with their entries) of a container, in order.

        Descends into the directories of long names (see
        :func:`~objclient.backends.seaweedfs.names.object_parts`).

        :param start: an encoded name: yield only names after it (or equal
            to it with ``inclusive``); None yields from the first.
        :raises NotFound: the directory does not exist (unless ``missing_ok``).
        """
        last: Optional[str] = None
        if start is not None and len(start) > SEGMENT:
            head = start[:SEGMENT]
            yield from ((head + name, entry) for name, entry in self.walk(
                tuple(levels) + (head + DIR_MARK,), start[SEGMENT:], inclusive, page, opts,
                missing_ok=True))
            last = head + DIR_MARK
        elif start is not None:
            last = start if not inclusive else before(start)
        try:
            for entry in self.iter_dir(levels, last, page, opts):
                name = entry_name(entry)
                if is_dir(entry):
                    if is_object_dir(name):
                        for sub, sub_entry in self.walk(tuple(levels) + (name,), None, False,
                                                        page, opts, missing_ok=True):
                            yield name[:-1] + sub, sub_entry
                    continue
                if DIR_MARK in name or len(name) > SEGMENT:
                    continue
                yield name, entry
        except NotFound:
            if not missing_ok:
                raise

    def mkdir(self, levels: Sequence[str], opts: CallOptions) -> None:
        """Create a directory (and its parents)."""
        self.backend.http.request("POST", self.url(levels, directory=True),
                                  headers=dict(opts.headers), idempotent=True,
                                  **self._kw(opts))

    def delete(self, levels: Sequence[str], opts: CallOptions, recursive: bool = False,
               retry: bool = True) -> None:
        """Delete a file or directory (a non-empty one only with ``recursive``).

        :param retry: resend on a 5xx (the filer answers 500 for a non-empty
            directory, which is not worth retrying).
        :raises NotFound: nothing was there.
        """
        params = {"recursive": "true", "ignoreRecursiveError": "true"} if recursive else None
        self.backend.http.request("DELETE", self.url(levels), params=params,
                                  headers=dict(opts.headers),
                                  retries=None if retry else RetryPolicy.disabled(),
                                  **self._kw(opts))

    def set_properties(self, levels: Sequence[str], properties: Mapping[str, str],
                       opts: CallOptions) -> None:
        """Add or replace extended attributes (the filer's ``?tagging``)."""
        if not properties:
            return
        headers = dict(opts.headers)
        for key, value in properties.items():
            headers[property_header(key)] = encode_property_value(value)
        self.backend.http.request("PUT", self.url(levels), params={"tagging": ""},
                                  headers=headers, **self._kw(opts))

    def del_properties(self, levels: Sequence[str], keys: Sequence[str],
                       opts: CallOptions) -> None:
        """Remove extended attributes by property key."""
        if not keys:
            return
        names = ",".join(encode_property_key(k) for k in keys)
        self.backend.http.request("DELETE", self.url(levels), params={"tagging": names},
                                  headers=dict(opts.headers), **self._kw(opts))

    def decoded_children(self, levels: Sequence[str], start: Optional[str], inclusive: bool,
                         page: int, opts: CallOptions
                         ) -> Iterator[Tuple[str, Dict[str, Any]]]:
        """Sub-directories of a directory as decoded names (accounts, containers)."""
        last = None
        if start is not None:
            enc = encode_name(start)
            last = before(enc) if inclusive else enc
        for entry in self.iter_dir(levels, last, page, opts):
            if not is_dir(entry):
                continue
            name = decode_name(entry_name(entry))
            if name is not None:
                yield name, entry
