"""OpenIO containers and object metadata: the proxy's ``container/*`` and
``content/*`` metadata routes (the data path is in :mod:`.blob`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import unquote

import attrs

from ...contract import DEFAULT_OPTS, CallOptions, ContainerClient
from ...exceptions import InvalidArgument, TooLarge
from ...models import ContainerInfo, ObjectInfo, ObjectListing
from ...source import open_source
from .protocol import content_meta_of, micro_to_seconds, request_id

if TYPE_CHECKING:  # pragma: no cover
    from . import OioBackend

__all__ = ["OioContainerClient", "container_system_of", "listed_object_of"]

_CONTAINER_META = "x-oio-container-meta-"


def container_system_of(headers: Mapping[str, str]) -> Dict[str, str]:
    """System properties from ``x-oio-container-meta-sys-*`` headers
    (``sys-m2-usage`` -> ``sys.m2.usage``; values url-unescaped)."""
    system = {}
    for key, value in headers.items():
        low = key.lower()
        if low.startswith(_CONTAINER_META + "sys-"):
            system[low[len(_CONTAINER_META):].replace("-", ".")] = unquote(value)
    return system


def listed_object_of(doc: Mapping[str, Any], account: str, container: str) -> ObjectInfo:
    """An :class:`ObjectInfo` from one ``objects`` entry of ``container/list``."""
    hash_ = doc.get("hash")
    extra: Dict[str, Any] = {}
    if "target-policy" in doc:
        extra["target_policy"] = doc["target-policy"]
    if "chunks" in doc:
        extra["chunks"] = doc["chunks"]
    return ObjectInfo(
        name=doc["name"], size=int(doc.get("size") or 0),
        hash=hash_.lower() if hash_ else None, hash_method="md5",
        mime_type=doc.get("mime-type") or "application/octet-stream",
        ctime=micro_to_seconds(doc.get("ctime")), mtime=micro_to_seconds(doc.get("mtime")),
        version=doc.get("version"), deleted=bool(doc.get("deleted")),
        properties=doc.get("properties") or {}, policy=doc.get("policy"),
        chunk_method=doc.get("chunk-method"), id=doc.get("id"), container=container,
        account=account, extra=extra)


def _flag(value: bool) -> Optional[str]:
    return "1" if value else None


class OioContainerClient(ContainerClient):
    """Containers (``container/*``) and object metadata (``content/*``)."""

    backend: "OioBackend"

    def _call(self, resource: str, action: str, account: str, container: str,
              opts: CallOptions, *, method: str = "POST",
              params: Optional[Mapping[str, Any]] = None, kind: str = "container",
              **kwargs: Any) -> Tuple[Any, Any]:
        query = {"acct": account, "ref": container}
        query.update(params or {})
        return self.backend.proxy(method, resource, action, opts, params=query, kind=kind,
                                  **kwargs)

    # -- containers ----------------------------------------------------------
    def create(self, account: str, container: str, *,
               properties: Mapping[str, str], system: Mapping[str, str],
               opts: CallOptions = DEFAULT_OPTS) -> bool:
        """``container/create``: 201 created -> True, 204 existed -> False."""
        resp, _ = self._call("container", "create", account, container, opts,
                             body={"properties": dict(properties), "system": dict(system)},
                             autocreate=True)
        return resp.status_code == 201

    def delete(self, account: str, container: str, opts: CallOptions = DEFAULT_OPTS) -> None:
        """``container/destroy`` (409 -> ContainerNotEmpty)."""
        self._call("container", "destroy", account, container, opts,
                   kind="container_destroy")

    def show(self, account: str, container: str,
             opts: CallOptions = DEFAULT_OPTS) -> ContainerInfo:
        """``GET container/show``: user properties in the body, system ones in headers."""
        resp, doc = self._call("container", "show", account, container, opts, method="GET",
                               retriable=True)
        system = container_system_of(resp.headers)
        return ContainerInfo(
            name=system.get("sys.user.name", container), account=account,
            objects=int(system.get("sys.m2.objects") or 0),
            bytes=int(system.get("sys.m2.usage") or 0),
            ctime=micro_to_seconds(system.get("sys.m2.ctime")),
            mtime=micro_to_seconds(system.get("sys.m2.mtime")),
            properties=(doc or {}).get("properties") or {}, system=system)

    def get_properties(self, account: str, container: str,
                       opts: CallOptions = DEFAULT_OPTS) -> Dict[str, Dict[str, str]]:
        """``container/get_properties``: ``{"properties": {...}, "system": {...}}``."""
        _resp, doc = self._call("container", "get_properties", account, container, opts,
                                body=[], retriable=True)
        doc = doc or {}
        return {"properties": doc.get("properties") or {}, "system": doc.get("system") or {}}

    def update(self, account: str, container: str, *, set_properties: Mapping[str, str],
               del_properties: Sequence[str], system: Mapping[str, str], clear: bool,
               opts: CallOptions = DEFAULT_OPTS) -> None:
        """``container/set_properties`` then ``container/del_properties``; with
        ``clear`` the keys not being set are deleted too."""
        to_delete = list(del_properties)
        if clear:
            current = self.get_properties(account, container, opts)["properties"]
            to_delete += [k for k in current if k not in set_properties and k not in to_delete]
        if set_properties or system:
            self._call("container", "set_properties", account, container, opts,
                       body={"properties": dict(set_properties), "system": dict(system)})
        if to_delete:
            self._call("container", "del_properties", account, container, opts,
                       body=to_delete)

    def touch(self, account: str, container: str, opts: CallOptions = DEFAULT_OPTS) -> None:
        """``container/touch``: have meta2 send its counters again."""
        self._call("container", "touch", account, container, opts)

    def flush(self, account: str, container: str, opts: CallOptions = DEFAULT_OPTS) -> None:
        """``container/flush`` until the proxy says ``x-oio-truncated: false``."""
        opts = attrs.evolve(opts, reqid=request_id(opts))
        while True:
            resp, _ = self._call("container", "flush", account, container, opts)
            if resp.headers.get("x-oio-truncated", "false").lower() != "true":
                return

    def purge(self, account: str, container: str, maxvers: Optional[int],
              opts: CallOptions = DEFAULT_OPTS) -> None:
        """``container/purge?maxvers=``: drop versions beyond ``maxvers``."""
        self._call("container", "purge", account, container, opts,
                   params={"maxvers": maxvers})

    def snapshot(self, account: str, container: str, dst_account: str, dst_container: str,
                 opts: CallOptions = DEFAULT_OPTS) -> None:
        """``container/snapshot``: copy the container's database (chunks are
        shared) under ``dst_account/dst_container``."""
        self._call("container", "snapshot", account, container, opts,
                   body={"account": dst_account, "container": dst_container})

    def content_list(self, account: str, container: str, *, prefix: Optional[str],
                     delimiter: Optional[str], marker: Optional[str],
                     end_marker: Optional[str], limit: int, versions: bool,
                     deleted: bool, properties: bool,
                     opts: CallOptions = DEFAULT_OPTS) -> ObjectListing:
        """``GET container/list``; truncation from ``x-oio-list-truncated``."""
        params = {"max": limit, "prefix": prefix, "delimiter": delimiter, "marker": marker,
                  "end_marker": end_marker, "properties": "True" if properties else None,
                  "all": _flag(versions), "deleted": _flag(deleted)}
        resp, doc = self._call("container", "list", account, container, opts, method="GET",
                               params=params, retriable=True)
        doc = doc or {}
        objects = [listed_object_of(o, account, container) for o in doc.get("objects", [])]
        truncated = resp.headers.get("x-oio-list-truncated", "false").lower() == "true"
        next_marker = resp.headers.get("x-oio-list-marker")
        next_marker = unquote(next_marker) if next_marker else None
        if truncated and next_marker is None and objects:
            next_marker = objects[-1].name
        extra: Dict[str, Any] = {"system": doc.get("system") or {}}
        vmarker = resp.headers.get("x-oio-list-version-marker")
        if vmarker:
            extra["next_version_marker"] = unquote(vmarker)
        return ObjectListing(objects=objects, prefixes=list(doc.get("prefixes") or []),
                             truncated=truncated, next_marker=next_marker if truncated else None,
                             properties=doc.get("properties") or {}, extra=extra)

    # -- object metadata ---------------------------------------------------------
    def _content(self, action: str, account: str, container: str, obj: str,
                 opts: CallOptions, *, version: Optional[Any] = None,
                 params: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Tuple[Any, Any]:
        query: Dict[str, Any] = {"path": obj, "version": version}
        query.update(params or {})
        return self._call("content", action, account, container, opts, params=query,
                          kind="object", **kwargs)

    def content_show(self, account: str, container: str, obj: str,
                     version: Optional[Any] = None,
                     opts: CallOptions = DEFAULT_OPTS) -> ObjectInfo:
        """``content/get_properties``: sysmeta headers + ``{"properties"}`` body."""
        resp, doc = self._content("get_properties", account, container, obj, opts,
                                  version=version, body=[], retriable=True)
        props = (doc or {}).get("properties") or {}
        return content_meta_of(resp.headers, account, container, obj, properties=props)

    def content_update(self, account: str, container: str, obj: str, *,
                       version: Optional[Any], set_properties: Mapping[str, str],
                       del_properties: Sequence[str], clear: bool,
                       opts: CallOptions = DEFAULT_OPTS) -> None:
        """``content/set_properties`` (``flush=1`` when ``clear``) and
        ``content/del_properties``."""
        if set_properties or clear:
            self._content("set_properties", account, container, obj, opts, version=version,
                          params={"flush": _flag(clear)},
                          body={"properties": dict(set_properties)})
        if del_properties:
            self._content("del_properties", account, container, obj, opts, version=version,
                          body=list(del_properties))

    def content_delete(self, account: str, container: str, obj: str,
                       version: Optional[Any] = None,
                       opts: CallOptions = DEFAULT_OPTS) -> Tuple[bool, Optional[Any]]:
        """``content/delete``: ``(x-oio-delete-marker, x-oio-version-id)``."""
        resp, _ = self._content("delete", account, container, obj, opts, version=version,
                                body={})
        marker = resp.headers.get("x-oio-delete-marker", "false").lower() == "true"
        vid: Any = resp.headers.get("x-oio-version-id")
        if vid is not None and vid.isdigit():
            vid = int(vid)
        return marker, vid

    def content_delete_many(self, account: str, container: str, objs: Sequence[str],
                            opts: CallOptions = DEFAULT_OPTS) -> List[Tuple[str, bool]]:
        """``content/delete_many``; a batch the proxy finds too large (413)
        is split in two."""
        if not objs:
            return []
        try:
            _resp, doc = self._call("content", "delete_many", account, container, opts,
                                    body={"contents": [{"name": n} for n in objs]})
        except TooLarge:
            if len(objs) == 1:
                raise
            half = len(objs) // 2
            return (self.content_delete_many(account, container, objs[:half], opts)
                    + self.content_delete_many(account, container, objs[half:], opts))
        status = {c.get("name"): c.get("status") for c in (doc or {}).get("contents", [])}
        return [(name, status.get(name) in (200, 204)) for name in objs]

    def content_touch(self, account: str, container: str, obj: str,
                      version: Optional[Any] = None,
                      opts: CallOptions = DEFAULT_OPTS) -> None:
        """``content/touch``: meta2 emits the object's event again."""
        self._content("touch", account, container, obj, opts, version=version)

    def content_drain(self, account: str, container: str, obj: str,
                      version: Optional[Any] = None,
                      opts: CallOptions = DEFAULT_OPTS) -> None:
        """``content/drain``: remove the data, keep the metadata (reads -> 410)."""
        self._content("drain", account, container, obj, opts, version=version)

    def content_truncate(self, account: str, container: str, obj: str, size: int,
                         version: Optional[Any] = None,
                         opts: CallOptions = DEFAULT_OPTS) -> None:
        """``content/truncate?size=`` at a metachunk boundary.  meta2 cuts
        only there; for another size OpenIO's ``object_truncate`` downloads
        the part of the last chunk that stays and writes it again: here the
        object's first ``size`` bytes are stored again under its name (same
        mime type, properties and policy; a new version and content id).

        :raises InvalidArgument: ``size`` is larger than the object.
        """
        opts = attrs.evolve(opts, reqid=request_id(opts))
        meta, chunks = self.backend.directory.locate(account, container, obj, version, opts)
        bounds = {0, meta.size}
        offset = 0
        sizes: Dict[int, int] = {}
        for chunk in chunks:
            sizes[int(str(chunk.pos).split(".")[0])] = chunk.size
        for pos in sorted(sizes):
            offset += sizes[pos]
            bounds.add(offset)
        if size > meta.size:
            raise InvalidArgument(f"cannot truncate {obj!r} ({meta.size} bytes) to a larger "
                                  f"size {size}")
        if size not in bounds:
            self._rewrite_head(account, container, obj, meta, size, opts)
            return
        self._content("truncate", account, container, obj, opts, version=meta.version,
                       params={"size": size})

    def _rewrite_head(self, account: str, container: str, obj: str, meta: ObjectInfo,
                      size: int, opts: CallOptions) -> None:
        """Store the first ``size`` bytes of an object again under its name."""
        blob: Any = self.backend.blob
        props = self.content_show(account, container, obj, meta.version, opts).properties
        _meta, stream = blob.download(account, container, obj, version=meta.version,
                                      ranges=[(0, size - 1)], opts=opts)
        try:
            with open_source(data=stream) as source:
                blob.upload(account, container, obj, source, mime_type=meta.mime_type,
                            properties=props, etag=None, append=False, policy=meta.policy,
                            autocreate=False, container_properties=None, opts=opts)
        finally:
            stream.close()

    def content_link(self, target_account: str, target_container: str, target_obj: str,
                     link_account: str, link_container: str, link_obj: str, *,
                     target_version: Optional[Any], properties_directive: str,
                     properties: Optional[Mapping[str, str]], target_size: Optional[int] = None,
                     opts: CallOptions = DEFAULT_OPTS, target_content_id: Optional[str] = None,
                     link_content_id: Optional[str] = None) -> ObjectInfo:
        """Link as OpenIO's API does: locate, prepare2, rawx COPY per chunk,
        create; with OpenIO's content ids (see :meth:`OioBlobClient.link`)."""
        blob: Any = self.backend.blob
        return blob.link(
            target_account, target_container, target_obj, link_account, link_container,
            link_obj, target_version=target_version,
            properties_directive=properties_directive, properties=properties, opts=opts,
            target_content_id=target_content_id, link_content_id=link_content_id)

    #: content_link takes OpenIO's ``target_content_id`` and ``link_content_id``.
    content_ids = True
