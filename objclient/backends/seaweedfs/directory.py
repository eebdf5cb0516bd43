"""The SeaweedFS master as the directory: assign, lookup, leader, locate.

``assign`` asks the master for new file ids (``/dir/assign``); ``lookup``
says which volume servers hold a volume (``/dir/lookup``), with a cache
whose entries expire after ``location_ttl`` seconds and are dropped as soon
as a volume server answers 404 or cannot be reached (see
:meth:`SeaweedDirectoryClient.invalidate`).  With several masters, requests
go to the leader the masters name in ``/cluster/status``; when it fails,
the next master is asked who leads now.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple, cast

import attrs

from ...contract import DEFAULT_OPTS, CallOptions, DirectoryClient
from ...exceptions import (BadRequest, ClientError, ConnectionFailed, InvalidArgument,
                           NotFound, ServerError, ServiceUnavailable, Timeout)
from ...http.retry import RetryPolicy
from ...models import ChunkInfo, ObjectInfo

if TYPE_CHECKING:  # pragma: no cover
    from . import SeaweedBackend
    from .container import SeaweedContainerClient

__all__ = ["SeaweedDirectoryClient", "Assignment", "VolumeLocation", "volume_of",
           "leader_url"]

_FAILOVER = (ConnectionFailed, Timeout, ServerError)


@attrs.frozen
class Assignment:
    """A file id handed out by ``/dir/assign``.

    :param fid: the file id (``volume,key+cookie``); with ``count > 1`` the
        next ids are ``fid_1``, ``fid_2`` ... (see :meth:`fids`).
    :param url: the volume server to upload to (``host:port``).
    :param public_url: its public address.
    :param count: how many ids were reserved.
    :param auth: the JWT to send when the cluster signs writes, else None.
    """

    fid: str
    url: str
    public_url: str
    count: int = 1
    auth: Optional[str] = None

    def fids(self) -> List[str]:
        """Every reserved file id: ``fid``, ``fid_1`` ... ``fid_{count-1}``."""
        return [self.fid] + [f"{self.fid}_{i}" for i in range(1, self.count)]


@attrs.frozen
class VolumeLocation:
    """One volume server that holds a volume."""

    url: str
    public_url: str
    data_center: Optional[str] = None

    @property
    def base(self) -> str:
        """The server's base URL (``http://host:port``)."""
        return self.url if "://" in self.url else f"http://{self.url}"


def volume_of(fid: str) -> str:
    """The volume id of a file id (``"3,01637037d6"`` -> ``"3"``).

    :raises InvalidArgument: not a SeaweedFS file id.
    """
    vid, sep, key = fid.partition(",")
    if not sep or not vid.isdigit() or not key or not all(
            c in "0123456789abcdefABCDEF_" for c in key):
        raise InvalidArgument(f"not a SeaweedFS file id: {fid!r}")
    return vid


def leader_url(leader: str, scheme: str = "http") -> Optional[str]:
    """Base URL of a master from ``/cluster/status``'s ``Leader``
    (``127.0.0.1:9333.19333``: host, port, then the gRPC port)."""
    if not leader:
        return None
    host, _, port = leader.rpartition(":")
    if not host:
        return None
    port = port.split(".", 1)[0]
    return f"{scheme}://{host}:{port}" if port.isdigit() else None


class SeaweedDirectoryClient(DirectoryClient):
    """The master(s): file ids, volume locations, cluster state."""

    backend: "SeaweedBackend"

    def __init__(self, backend: "SeaweedBackend") -> None:
        super().__init__(backend)
        self._lock = threading.Lock()
        self._cache: Dict[str, Tuple[float, List[VolumeLocation]]] = {}
        self._leader: Optional[str] = None

    # -- masters -----------------------------------------------------------------
    def _candidates(self) -> List[str]:
        masters = list(self.backend.masters)
        leader = self._leader
        if leader:
            masters = [leader] + [m for m in masters if m != leader]
        return masters

    def _master(self, method: str, path: str, params: Dict[str, Any],
                opts: CallOptions) -> Any:
        """Send a request to the leader, following it when it changes.

        With one master, the HTTPClient's own retries apply.  With several,
        each is tried once in turn (the known leader first); when all fail,
        the masters are asked who leads now and the round is repeated once.
        """
        if len(self.backend.masters) == 1:
            _resp, body = self.http.request_json(
                method, self.backend.masters[0] + path, params=params,
                headers=dict(opts.headers), idempotent=True, **opts.http_kwargs("master"))
            return body
        if self._leader is None:
            self._refresh_leader(opts)
        last_error: Optional[ClientError] = None
        for _round in range(2):
            for base in self._candidates():
                try:
                    _resp, body = self.http.request_json(
                        method, base + path, params=params, headers=dict(opts.headers),
                        idempotent=True, retries=RetryPolicy(total=1, backoff_factor=0.1),
                        **opts.http_kwargs("master"))
                except _FAILOVER as err:
                    last_error = err
                    continue
                return body
            if not self._refresh_leader(opts):
                break
        assert last_error is not None
        raise last_error

    def _refresh_leader(self, opts: CallOptions) -> bool:
        """Ask the masters who leads; :returns: whether one answered."""
        for base in self._candidates():
            try:
                status = self.cluster_status(base, opts)
            except ClientError:
                continue
            leader = leader_url(str(status.get("Leader", "")), base.split("://", 1)[0])
            self._leader = leader or base
            if leader and leader not in self.backend.masters:
                self.backend.masters.append(leader)
            return True
        return False

    def cluster_status(self, master: Optional[str] = None,
                       opts: CallOptions = DEFAULT_OPTS) -> Dict[str, Any]:
        """``/cluster/status`` of a master (the leader's by default):
        ``IsLeader``, ``Leader``, ``Peers`` ..."""
        if master is None:
            return dict(self._master("GET", "/cluster/status", {}, opts) or {})
        _resp, body = self.http.request_json(
            "GET", master + "/cluster/status", headers=dict(opts.headers),
            retries=RetryPolicy.disabled(), **opts.http_kwargs("master"))
        return dict(body or {})

    def leader(self, opts: CallOptions = DEFAULT_OPTS) -> Optional[str]:
        """The current leader's base URL, asking the masters if unknown."""
        if self._leader is None:
            self._refresh_leader(opts)
        return self._leader

    # -- assign / lookup -------------------------------------------------------------
    def assign(self, count: int = 1, replication: Optional[str] = None,
               collection: Optional[str] = None, ttl: Optional[str] = None,
               data_center: Optional[str] = None,
               opts: CallOptions = DEFAULT_OPTS) -> Assignment:
        """Reserve ``count`` file ids on a writable volume (``/dir/assign``).

        Placement defaults to the backend's ``replication``, ``collection``
        and ``ttl``.

        :raises ServiceUnavailable: the master has no writable volume.
        """
        if count < 1:
            raise InvalidArgument("count must be >= 1")
        params: Dict[str, Any] = {"count": str(count)}
        placement = self.backend.placement()
        for key, value in (("replication", replication), ("collection", collection),
                           ("ttl", ttl), ("dataCenter", data_center)):
            if value is not None:
                placement[key] = value
        params.update(placement)
        body = self._master("POST", "/dir/assign", params, opts) or {}
        if body.get("error") or not body.get("fid"):
            raise ServiceUnavailable(f"the master assigned no file id: "
                                     f"{body.get('error') or 'empty answer'}")
        return Assignment(fid=body["fid"], url=body.get("url", ""),
                          public_url=body.get("publicUrl") or body.get("url", ""),
                          count=int(body.get("count") or count), auth=body.get("auth"))

    def lookup(self, volume_id: Any, refresh: bool = False,
               opts: CallOptions = DEFAULT_OPTS) -> List[VolumeLocation]:
        """The volume servers holding a volume (or a file id's volume).

        Answers from the location cache unless the entry expired or
        ``refresh`` is set.

        :raises NotFound: the master knows no such volume.
        """
        vid = str(volume_id)
        if "," in vid:
            vid = volume_of(vid)
        if not vid.isdigit():
            raise InvalidArgument(f"not a volume id: {volume_id!r}")
        now = time.monotonic()
        if not refresh:
            with self._lock:
                hit = self._cache.get(vid)
            if hit is not None and hit[0] > now:
                return list(hit[1])
        params: Dict[str, Any] = {"volumeId": vid}
        if self.backend.collection:
            params["collection"] = self.backend.collection
        try:
            body = self._master("GET", "/dir/lookup", params, opts) or {}
        except (NotFound, BadRequest) as err:
            self.invalidate(vid)
            raise NotFound(f"volume {vid} is not known to the master",
                           server_message=err.server_message) from None
        locations = [VolumeLocation(url=loc.get("url", ""),
                                    public_url=loc.get("publicUrl") or loc.get("url", ""),
                                    data_center=loc.get("dataCenter"))
                     for loc in body.get("locations") or [] if loc.get("url")]
        if not locations:
            raise NotFound(f"volume {vid} has no location: {body.get('error') or 'none'}")
        with self._lock:
            self._cache[vid] = (now + self.backend.location_ttl, locations)
        return list(locations)

    def invalidate(self, volume_id: Any) -> None:
        """Forget the cached locations of a volume (or of a file id's volume)."""
        vid = str(volume_id).partition(",")[0]
        with self._lock:
            self._cache.pop(vid, None)

    def cache_locations(self, volume_id: Any, locations: List[VolumeLocation],
                        ttl: Optional[float] = None) -> None:
        """Put locations in the cache (for tests and for callers who know better)."""
        vid = str(volume_id).partition(",")[0]
        expiry = time.monotonic() + (self.backend.location_ttl if ttl is None else ttl)
        with self._lock:
            self._cache[vid] = (expiry, list(locations))

    def volume_status(self, url: Optional[str] = None,
                      opts: CallOptions = DEFAULT_OPTS) -> Dict[str, Any]:
        """A volume server's ``/status`` (its volumes, disks), or the
        master's ``/dir/status`` (the topology) when ``url`` is None."""
        if url is None:
            return dict(self._master("GET", "/dir/status", {}, opts) or {})
        base = url if "://" in url else f"http://{url}"
        _resp, body = self.http.request_json("GET", base.rstrip("/") + "/status",
                                             headers=dict(opts.headers),
                                             **opts.http_kwargs("volume"))
        return dict(body or {})

    # -- objects -------------------------------------------------------------------------
    def locate(self, account: str, container: str, obj: str, version: Optional[Any] = None,
               opts: CallOptions = DEFAULT_OPTS) -> Tuple[ObjectInfo, List[ChunkInfo]]:
        """An object's metadata and its chunks on the volume servers
        (``url`` is ``http://VOLUME/FID`` on the first replica; every
        replica is in ``extra["replicas"]``)."""
        containers = cast("SeaweedContainerClient", self.backend.container)
        entry, info = containers.entry(account, container, obj, version, opts)
        chunks = []
        for pos, chunk in enumerate(entry.get("chunks") or []):
            fid = chunk.get("file_id") or ""
            if not fid:
                continue
            try:
                locations = self.lookup(fid, opts=opts)
            except NotFound:
                locations = []
            urls = [f"{loc.base}/{fid}" for loc in locations]
            chunks.append(ChunkInfo(
                url=urls[0] if urls else fid, pos=str(pos), size=int(chunk.get("size") or 0),
                hash=None, extra={"fid": fid, "offset": int(chunk.get("offset") or 0),
                                  "replicas": urls, "etag": chunk.get("e_tag")}))
        return info, chunks

    def endpoints(self) -> Dict[str, str]:
        """``master`` (the leader when known) and ``filer``."""
        return {"master": self._leader or self.backend.masters[0],
                "filer": self.backend.filer_url}
