"""MictlanX backend: containers (buckets plus a catalog ball) and object metadata.

MictlanX has no bucket records: a bucket exists while chunk objects name it.
objclient needs containers that exist while empty and carry properties, so
each container is also a small ball in :data:`CATALOG_BUCKET` whose key is
the encoded container name and whose tags are the container's properties.
A bucket that holds balls but has no catalog ball (written by another
client) still counts as an existing container.

Listings are emulated: the router lists a bucket's chunk objects in one
answer (``GET /api/v4/buckets/{bucket}/metadata``); they are grouped into
balls, decoded into names and paged with :func:`objclient.listing.list_page`.
"""

from __future__ import annotations

import bisect
import io
import json
import time
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from ...contract import DEFAULT_OPTS, CallOptions, ContainerClient
from ...exceptions import (ContainerNotEmpty, NoSuchContainer, NoSuchObject, NotFound,
                           NotSupported)
from ...listing import list_page, name_key
from ...models import ContainerInfo, ObjectInfo, ObjectListing
from .client import LowLevelAccess
from .models import BallInfo, ChunkMeta, ball_from_records
from .names import SYSTEM_TAGS, check_user_tags, decode_name, encode_name

__all__ = ["MictlanXContainerClient", "ball_to_info", "group_balls"]


def ball_to_info(info: BallInfo, name: str, account: str, container: str,
                 with_properties: bool = True) -> ObjectInfo:
    """The :class:`ObjectInfo` of a ball.

    ``hash`` is the MD5 objclient recorded at upload; for balls written by
    other clients only their sha256 is known (``hash_method="sha256"``).
    """
    md5 = info.md5
    return ObjectInfo(
        name=name, size=info.size, hash=md5 or info.checksum,
        hash_method="md5" if md5 else ("sha256" if info.checksum else None),
        mime_type=info.content_type or "application/octet-stream",
        ctime=info.mtime, mtime=info.mtime,
        properties=info.properties if with_properties else {},
        policy=None, chunk_method=f"mictlanx/chunks={info.num_chunks}", id=info.ball_id,
        container=container, account=account,
        extra={"sha256": info.checksum, "num_chunks": info.num_chunks,
               "bucket_id": info.bucket_id})


def group_balls(bucket: str, records: List[ChunkMeta]) -> Dict[str, BallInfo]:
    """Committed balls (those with a chunk 0) among a bucket's chunk records."""
    by_ball: Dict[str, List[ChunkMeta]] = {}
    for rec in records:
        by_ball.setdefault(rec.ball_id, []).append(rec)
    out = {}
    for ball_id, recs in by_ball.items():
        info = ball_from_records(bucket, ball_id, recs)
        if info is not None:
            out[ball_id] = info
    return out


class MictlanXContainerClient(LowLevelAccess, ContainerClient):
    """Containers as buckets + catalog balls; objects as balls."""

    # -- the catalog ---------------------------------------------------------------
    def marker(self, container: str, opts: CallOptions = DEFAULT_OPTS) -> Optional[BallInfo]:
        """The container's catalog ball, or None."""
        try:
            return self.mictlanx.get_metadata(self.backend.catalog, encode_name(container), opts)
        except NotFound:
            return None

    def balls(self, container: str, opts: CallOptions = DEFAULT_OPTS) -> Dict[str, BallInfo]:
        """The committed balls of the container's bucket, by ball key."""
        bucket = self.backend.bucket_of(container)
        return group_balls(bucket, self.mictlanx.get_chunks_by_bucket_id(
            bucket, timeout=None, opts=opts).balls)

    def exists(self, container: str, opts: CallOptions = DEFAULT_OPTS) -> bool:
        """Whether the container has a catalog ball or any ball."""
        return self.marker(container, opts) is not None or bool(self.balls(container, opts))

    def write_marker(self, container: str, properties: Mapping[str, str],
                     opts: CallOptions = DEFAULT_OPTS) -> None:
        """Record the container in the catalog (replacing its record)."""
        body = json.dumps({"container": container, "ctime": time.time()}).encode("utf-8")
        self.mictlanx.put_stream(
            self.backend.catalog, encode_name(container), io.BytesIO(body),
            chunk_size=len(body), tags=check_user_tags(properties), content_type="application/json",
            system_tags={"objclient_ctime": repr(time.time())}, opts=opts)
        with self.backend.lock:
            self.backend.known_buckets.add(container)

    def ensure(self, account: str, container: str, autocreate: bool,
               properties: Optional[Mapping[str, str]], opts: CallOptions) -> None:
        """Make sure the container exists before an upload (once per client)."""
        self.backend.check_account(account)
        with self.backend.lock:
            if container in self.backend.known_buckets:
                return
        if self.marker(container, opts) is None:
            if not autocreate and not self.balls(container, opts):
                raise NoSuchContainer(f"container {container!r} does not exist")
            self.write_marker(container, properties or {}, opts)
        with self.backend.lock:
            self.backend.known_buckets.add(container)

    # -- containers ----------------------------------------------------------------
    def create(self, account: str, container: str, *, properties: Mapping[str, str],
               system: Mapping[str, str], opts: CallOptions = DEFAULT_OPTS) -> bool:
        self.backend.check_account(account)
        if self.marker(container, opts) is not None:
            return False
        self.write_marker(container, properties, opts)
        return True

    def delete(self, account: str, container: str, opts: CallOptions = DEFAULT_OPTS) -> None:
        self.backend.check_account(account)
        if self.balls(container, opts):
            raise ContainerNotEmpty(f"container {container!r} is not empty")
        if self.marker(container, opts) is None:
            raise NoSuchContainer(f"container {container!r} does not exist")
        self.mictlanx.delete(self.backend.catalog, encode_name(container), opts)
        with self.backend.lock:
            self.backend.known_buckets.discard(container)

    def show(self, account: str, container: str,
             opts: CallOptions = DEFAULT_OPTS) -> ContainerInfo:
        self.backend.check_account(account)
        marker = self.marker(container, opts)
        balls = self.balls(container, opts)
        if marker is None and not balls:
            raise NoSuchContainer(f"container {container!r} does not exist")
        ctime = None
        if marker is not None:
            try:
                ctime = float(marker.tags.get("objclient_ctime", ""))
            except ValueError:
                ctime = marker.mtime
        mtimes = [b.mtime for b in balls.values() if b.mtime]
        return ContainerInfo(
            name=container, account=account, objects=len(balls),
            bytes=sum(b.size for b in balls.values()), ctime=ctime,
            mtime=max(mtimes) if mtimes else ctime,
            properties=marker.properties if marker is not None else {},
            system={"mictlanx.bucket_id": self.backend.bucket_of(container),
                    "mictlanx.catalog": "yes" if marker is not None else "no"})

    def update(self, account: str, container: str, *, set_properties: Mapping[str, str],
               del_properties: Sequence[str], system: Mapping[str, str], clear: bool,
               opts: CallOptions = DEFAULT_OPTS) -> None:
        self.backend.check_account(account)
        marker = self.marker(container, opts)
        if marker is None:
            if not self.balls(container, opts):
                raise NoSuchContainer(f"container {container!r} does not exist")
            self.write_marker(container, {}, opts)
            marker = self.marker(container, opts)
            assert marker is not None
        self._retag(marker, set_properties, del_properties, clear, opts)

    def _retag(self, info: BallInfo, set_properties: Mapping[str, str],
               del_properties: Sequence[str], clear: bool, opts: CallOptions) -> None:
        """Replace the user tags of a ball's chunk 0 (system tags are kept;
        other chunks keep the tags they were written with)."""
        current = {} if clear else dict(info.properties)
        current.update(check_user_tags(set_properties))
        for key in del_properties:
            current.pop(key, None)
        self.backend.names.check_properties(current)
        record = info.chunks[0]
        tags = {k: v for k, v in record.tags.items() if k in SYSTEM_TAGS}
        tags.update(current)
        # updated_at is kept: the router lists a ball's records by it, and
        # chunk 0 must stay first for readers that take the first record.
        new = ChunkMeta(key=record.key, ball_id=record.ball_id, bucket_id=info.bucket_id,
                        size=record.size, checksum=record.checksum, tags=tags,
                        content_type=record.content_type, producer_id=record.producer_id,
                        is_disabled=record.is_disabled)
        self.mictlanx.update_metadata(new, opts=opts)

    # -- objects -------------------------------------------------------------------
    def content_list(self, account: str, container: str, *, prefix: Optional[str],
                     delimiter: Optional[str], marker: Optional[str],
                     end_marker: Optional[str], limit: int, versions: bool,
                     deleted: bool, properties: bool,
                     opts: CallOptions = DEFAULT_OPTS) -> ObjectListing:
        self.backend.check_account(account)
        balls = self.balls(container, opts)
        if not balls and self.marker(container, opts) is None:
            raise NoSuchContainer(f"container {container!r} does not exist")
        named: List[Tuple[bytes, str, BallInfo]] = []
        for ball_id, info in balls.items():
            name = decode_name(ball_id)
            if name is not None:
                named.append((name_key(name), name, info))
        named.sort(key=lambda t: t[0])
        keys = [t[0] for t in named]

        def scan(start: Optional[str], inclusive: bool) -> Iterator[Tuple[str, Any]]:
            pos = 0
            if start is not None:
                skey = name_key(start)
                pos = (bisect.bisect_left if inclusive else bisect.bisect_right)(keys, skey)
            for _k, name, info in named[pos:]:
                yield name, (name, info)

        page = list_page(scan, prefix=prefix or "", delimiter=delimiter, marker=marker,
                         end_marker=end_marker, limit=limit)
        objects = [ball_to_info(info, name, account, container, properties)
                   for name, info in page.items]
        return ObjectListing(objects=objects, prefixes=page.prefixes,
                             truncated=page.truncated, next_marker=page.next_marker)

    def content_show(self, account: str, container: str, obj: str,
                     version: Optional[Any] = None,
                     opts: CallOptions = DEFAULT_OPTS) -> ObjectInfo:
        _no_versions(version)
        info = self.backend.ball_info(account, container, obj, opts)
        return ball_to_info(info, obj, account, container)

    def content_update(self, account: str, container: str, obj: str, *,
                       version: Optional[Any], set_properties: Mapping[str, str],
                       del_properties: Sequence[str], clear: bool,
                       opts: CallOptions = DEFAULT_OPTS) -> None:
        _no_versions(version)
        info = self.backend.ball_info(account, container, obj, opts)
        self._retag(info, set_properties, del_properties, clear, opts)

    def content_delete(self, account: str, container: str, obj: str,
                       version: Optional[Any] = None,
                       opts: CallOptions = DEFAULT_OPTS) -> Tuple[bool, Optional[Any]]:
        _no_versions(version)
        self.backend.check_account(account)
        count = self.mictlanx.delete(self.backend.bucket_of(container),
                                     self.backend.ball_of(obj), opts)
        if count == 0:
            if not self.exists(container, opts):
                raise NoSuchContainer(f"container {container!r} does not exist")
            raise NoSuchObject(f"object {obj!r} does not exist in container {container!r}")
        return False, None


def _no_versions(version: Optional[Any]) -> None:
    if version is not None:
        raise NotSupported("MictlanX keeps no object versions", capability="versioning",
                           backend="mictlanx")
