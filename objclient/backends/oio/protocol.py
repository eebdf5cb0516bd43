"""OpenIO SDS protocol logic that needs no server: ids, paths, headers.

Everything here is a pure function, tested without any HTTP: container and
chunk ids, the rawx ``full path``, ``chunk_method`` strings, the parsing of
``x-oio-content-meta-*`` headers into :class:`~objclient.models.ObjectInfo`
and the oio status table that refines HTTP errors.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from typing import Any, Dict, List, Mapping, Optional, Tuple, Type
from urllib.parse import quote, unquote

from ...contract import CallOptions
from ...exceptions import (ClientError, ContainerNotEmpty, NoSuchAccount, NoSuchContainer,
                           NoSuchObject, NotFound)
from ...models import ChunkInfo, ObjectInfo

__all__ = ["cid_from_name", "compute_chunk_id", "encode_fullpath", "parse_chunk_method",
           "unparse_chunk_method", "patch_chunk_method", "nb_copy_of", "content_meta_of",
           "chunk_of", "refine_error", "request_id", "timeout_header", "SYSMETA_KEYS",
           "group_by_position",
           "REQID_MAX", "CONTENT_META", "micro_to_seconds"]

#: OpenIO truncates request ids longer than this (``STRLEN_REQID - 1``).
REQID_MAX = 63
#: Prefix of the content system-metadata headers.
CONTENT_META = "x-oio-content-meta-"
#: ``x-oio-content-meta-<key>`` keys that are system metadata, not user properties.
SYSMETA_KEYS = frozenset({
    "id", "version", "size", "length", "hash", "hash-method", "policy", "target-policy",
    "chunk-method", "mime-type", "name", "ctime", "mtime", "deleted", "chunk-size"})

# oio status codes (core/internals.h) that say which thing is missing or busy.
_CONTAINER_NOTFOUND = frozenset({431, 406})
_CONTENT_NOTFOUND = frozenset({420, 426})
_ACCOUNT_NOTFOUND = 409
_CONTAINER_NOTEMPTY = 438


def cid_from_name(account: str, container: str) -> str:
    """The container id: ``upper(hex(sha256(account + "\\0" + container)))``."""
    raw = account.encode("utf-8") + b"\0" + container.encode("utf-8")
    return hashlib.sha256(raw).hexdigest().upper()


def compute_chunk_id(cid: str, path: str, version: Any, pos: str, policy: str) -> str:
    """A predictable chunk id: ``upper(sha256(cid + path + version + pos + policy))``."""
    text = f"{cid}{path}{version}{pos}{policy}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest().upper()


def encode_fullpath(account: str, container: str, path: str, version: Any,
                    content_id: str) -> str:
    """The rawx ``X-oio-Chunk-Meta-Full-Path``: five percent-encoded parts."""
    return "/".join(quote(str(part), safe="")
                    for part in (account, container, path, version, content_id))


def parse_chunk_method(value: str) -> Tuple[str, Dict[str, str]]:
    """``"plain/nb_copy=3"`` -> ``("plain", {"nb_copy": "3"})``.

    A bare parameter without ``=`` reads as ``=1``.
    """
    kind, _, rest = value.partition("/")
    params: Dict[str, str] = {}
    for item in rest.split(","):
        item = item.strip()
        if not item:
            continue
        key, sep, val = item.partition("=")
        params[key] = val if sep else "1"
    return kind, params


def unparse_chunk_method(kind: str, params: Mapping[str, str]) -> str:
    """The inverse of :func:`parse_chunk_method`, keys sorted as OpenIO does."""
    return kind + "/" + ",".join(f"{k}={params[k]}" for k in sorted(params))


def patch_chunk_method(value: str, chunk_algo: str = "md5", object_algo: str = "md5") -> str:
    """Add the checksum algorithms the client uses (``cca``, ``oca``)."""
    kind, params = parse_chunk_method(value)
    params.setdefault("cca", chunk_algo)
    params.setdefault("oca", object_algo)
    return unparse_chunk_method(kind, params)


def nb_copy_of(chunk_method: str) -> int:
    """Copies per metachunk of a ``plain/...`` chunk method (default 1)."""
    _kind, params = parse_chunk_method(chunk_method)
    try:
        return max(1, int(params.get("nb_copy", "1")))
    except ValueError:
        return 1


def micro_to_seconds(value: Any) -> Optional[float]:
    """OpenIO times: seconds, or microseconds for large values; None if absent."""
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number / 1_000_000 if number > 1e11 else number


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def content_meta_of(headers: Mapping[str, str], account: Optional[str] = None,
                    container: Optional[str] = None, name: Optional[str] = None,
                    properties: Optional[Mapping[str, str]] = None) -> ObjectInfo:
    """An :class:`ObjectInfo` from ``x-oio-content-meta-*`` reply headers.

    :param properties: user properties from a JSON body; when None, the
        non-system ``x-oio-content-meta-*`` headers are taken as properties
        (legacy ``show``/``locate`` replies; their keys arrive lower-cased).
    """
    sysmeta: Dict[str, str] = {}
    header_props: Dict[str, str] = {}
    for key, value in headers.items():
        low = key.lower()
        if not low.startswith(CONTENT_META):
            continue
        meta_key = low[len(CONTENT_META):]
        if meta_key in SYSMETA_KEYS:
            sysmeta[meta_key] = value
        else:
            header_props[unquote(meta_key)] = unquote(value)
    size = sysmeta.get("size", sysmeta.get("length"))
    hash_ = sysmeta.get("hash")
    version: Any = sysmeta.get("version")
    if version is not None and version.lstrip("-").isdigit():
        version = int(version)
    extra: Dict[str, Any] = {}
    if "target-policy" in sysmeta:
        extra["target_policy"] = sysmeta["target-policy"]
    if "chunk-size" in sysmeta:
        extra["chunk_size"] = _int(sysmeta["chunk-size"])
    chunk_size = headers.get("x-oio-ns-chunk-size")
    if chunk_size:
        extra["chunk_size"] = _int(chunk_size)
    return ObjectInfo(
        name=unquote(sysmeta["name"]) if "name" in sysmeta else (name or ""),
        size=_int(size), hash=hash_.lower() if hash_ else None,
        hash_method=(sysmeta.get("hash-method") or "md5").lower(),
        mime_type=sysmeta.get("mime-type") or "application/octet-stream",
        ctime=micro_to_seconds(sysmeta.get("ctime")),
        mtime=micro_to_seconds(sysmeta.get("mtime")), version=version,
        deleted=sysmeta.get("deleted", "False").lower() == "true",
        properties=dict(properties) if properties is not None else header_props,
        policy=sysmeta.get("policy"), chunk_method=sysmeta.get("chunk-method"),
        id=sysmeta.get("id"), container=container, account=account, extra=extra)


def chunk_of(entry: Mapping[str, Any]) -> ChunkInfo:
    """A :class:`ChunkInfo` from one chunk dict of a proxy reply."""
    extra = {k: entry[k] for k in ("real_url", "internal_url", "score") if k in entry}
    return ChunkInfo(url=str(entry["url"]), pos=str(entry.get("pos", "0")),
                     size=_int(entry.get("size")), hash=entry.get("hash"), extra=extra)


def request_id(opts: CallOptions) -> str:
    """The ``x-oio-req-id`` to send: the caller's (cut to 63) or a new one."""
    if opts.reqid:
        return str(opts.reqid)[:REQID_MAX]
    return uuid.uuid4().hex


def timeout_header(read_timeout: float, deadline: Optional[float]) -> str:
    """``x-oio-timeout``: the µs budget, ``int(read_timeout * 990000)``,
    bounded by the time left before ``deadline``."""
    budget = read_timeout
    if deadline is not None:
        budget = min(budget, max(0.001, deadline - time.monotonic()))
    return str(int(budget * 990000))


def _oio_status(err: ClientError) -> Optional[int]:
    try:
        return int(err.code) if err.code is not None else None
    except (TypeError, ValueError):
        return None


def refine_error(err: ClientError, kind: str = "object") -> ClientError:
    """The most specific objclient error for a proxy or account error.

    :param kind: what the call addressed (``account``, ``container`` or
        ``object``), used when the oio status does not say what is missing.
    :returns: ``err`` itself or a new, more specific error with its fields.
    """
    status = _oio_status(err)
    cls: Optional[Type[ClientError]] = None
    if isinstance(err, NotFound) and err.status == 404:
        if status in _CONTAINER_NOTFOUND:
            cls = NoSuchContainer
        elif status in _CONTENT_NOTFOUND:
            cls = NoSuchObject
        elif status == _ACCOUNT_NOTFOUND:
            cls = NoSuchAccount
        else:
            cls = {"account": NoSuchAccount, "container": NoSuchContainer,
                   "object": NoSuchObject}.get(kind)
    elif err.status == 403 and status in _CONTAINER_NOTFOUND:
        # container/touch answers a missing container with 403
        # (proxy/m2_actions.c:action_m2_container_touch).
        cls = NoSuchContainer
    elif err.status == 409 and (status == _CONTAINER_NOTEMPTY or kind == "container_destroy"):
        cls = ContainerNotEmpty
    if cls is None or isinstance(err, cls):
        return err
    new = cls(err.message, status=err.status, method=err.method, url=err.url,
              request_id=err.request_id, server_message=err.server_message,
              retry_after=err.retry_after, attempts=err.attempts, code=err.code)
    return new


def group_by_position(chunks: List[ChunkInfo]) -> List[Tuple[int, List[ChunkInfo]]]:
    """Chunks grouped by metachunk position, in position order."""
    groups: Dict[int, List[ChunkInfo]] = {}
    for chunk in chunks:
        groups.setdefault(int(str(chunk.pos).split(".")[0]), []).append(chunk)
    return sorted(groups.items())
