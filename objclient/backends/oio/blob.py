"""OpenIO object data: ``content/prepare2`` -> rawx PUTs -> ``content/create``,
``content/locate`` -> rawx GETs, and ``object_link`` (rawx COPY)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

import attrs

from ...contract import DEFAULT_OPTS, BlobClient, CallOptions, ContainerProperties, Range
from ...exceptions import (BadRequest, ChecksumMismatch, ClientError, Conflict, EtagMismatch,
                           Forbidden, NotFound, NotSupported, ServiceUnavailable)
from ...models import ChunkInfo, ObjectInfo
from ...ranges import resolve_range
from .blob_calls import BlobClientCalls, chunk_meta_of
from .protocol import (chunk_of, cid_from_name, compute_chunk_id, content_meta_of,
                       encode_fullpath, group_by_position, nb_copy_of, parse_chunk_method,
                       patch_chunk_method, request_id)
from .proxy_client import call_options
from .rawx import (_BLOCK, ChunkWriter, ObjectReader, chunk_id_of,
                   chunk_put_headers, perfdata_stats)

if TYPE_CHECKING:  # pragma: no cover
    from ...source import Source
    from . import OioBackend

__all__ = ["OioBlobClient", "quorum"]

#: Commit failures after which the uploaded chunks are certainly orphans.
_ROLLBACK_ERRORS = (BadRequest, Forbidden, ServiceUnavailable)


def quorum(nb_copy: int) -> int:
    """Copies of a replicated metachunk that must succeed: ``(n + 1) // 2``."""
    return (nb_copy + 1) // 2


def container_create_body(given: Optional[Mapping[str, str]]) -> Optional[Dict[str, Any]]:
    """``container_properties`` of ``content/create`` as the proxy reads it
    (``action_m2_content_create`` -> ``KV_read_usersys_properties``):
    ``{"properties": {user}, "system": {sys.*}}``, or None."""
    if not given:
        return None
    system = given.system if isinstance(given, ContainerProperties) else {}
    return {"properties": dict(given), "system": dict(system)}


def writers_targets(writers: Sequence[ChunkWriter]) -> List[ChunkInfo]:
    """The chunk targets of some writers."""
    return [w.target for w in writers]


def _ec_refused(chunk_method: str) -> NotSupported:
    return NotSupported(
        f"erasure-coded storage policies ({chunk_method}) are not supported by objclient's "
        "OpenIO backend; use a replicated policy (plain/nb_copy=N)",
        capability="erasure_coding", backend="oio")


class OioBlobClient(BlobClientCalls, BlobClient):
    """Moves object bytes between the caller and the rawx services."""

    backend: "OioBackend"
    chunk_servers = True

    # -- prepare / commit ------------------------------------------------------
    def prepare(self, account: str, container: str, obj: str, *, position: int,
                policy: Optional[str], version: Optional[Any], autocreate: bool,
                opts: CallOptions, content_id: Optional[str] = None,
                ) -> Tuple[ObjectInfo, List[ChunkInfo]]:
        """``content/prepare2`` (``content/prepare`` when the proxy lacks it):
        the content id, version, policy, chunk method and chunk targets of
        one metachunk."""
        params = {"acct": account, "ref": container, "path": obj, "version": version,
                  "content": content_id}
        body: Dict[str, Any] = {"size": 1, "position": position}
        if policy:
            body["policy"] = policy
        try:
            resp, doc = self.backend.proxy("POST", "content", "prepare2", opts, params=params,
                                           body=body, autocreate=autocreate, kind="container")
            chunks = (doc or {}).get("chunks", [])
        except NotFound as err:
            if err.code is not None and str(err.code) != "404":
                # a real "no such container"; a missing route is answered
                # {"status": 404, "message": "No handler found"}
                # (proxy/metacd_http.c:handler_action).
                raise
            resp, doc = self.backend.proxy("POST", "content", "prepare", opts, params=params,
                                           body=body, autocreate=autocreate,
                                           kind="container")
            chunks = doc or []
        meta = content_meta_of(resp.headers, account, container, obj, properties={})
        targets = []
        for entry in chunks:
            # prepare answers positions relative to the request; make them absolute.
            target = chunk_of(entry)
            sub = str(target.pos).partition(".")[2]
            targets.append(attrs.evolve(target, pos=str(position) + (f".{sub}" if sub else "")))
        return meta, targets

    def commit(self, account: str, container: str, obj: str, *, meta: ObjectInfo,
               size: int, md5: str, chunk_method: str, mime_type: str,
               chunks: Sequence[ChunkInfo], properties: Mapping[str, str],
               container_properties: Optional[Mapping[str, str]], autocreate: bool,
               opts: CallOptions) -> None:
        """``content/create`` with the stored chunks and ``x-oio-content-meta-*``."""
        headers = {
            "x-oio-content-meta-length": str(size),
            "x-oio-content-meta-hash": md5.upper(),
            "x-oio-content-meta-id": str(meta.id),
            "x-oio-content-meta-version": str(meta.version),
            "x-oio-content-meta-policy": str(meta.policy),
            "x-oio-content-meta-mime-type": mime_type,
            "x-oio-content-meta-chunk-method": chunk_method,
        }
        body = {"chunks": [{"url": c.url, "pos": c.pos, "size": c.size, "hash": c.hash}
                           for c in chunks],
                "properties": dict(properties),
                "container_properties": container_create_body(container_properties)}
        self.backend.proxy("POST", "content", "create", opts, headers=headers, body=body,
                           autocreate=autocreate, kind="container",
                           params={"acct": account, "ref": container, "path": obj})

    def delete_chunks(self, chunks: Sequence[ChunkInfo], meta: ObjectInfo,
                      cid: str, opts: CallOptions) -> None:
        """DELETE chunks on their rawx (orphans of a failed upload); errors ignored."""
        for chunk in chunks:
            headers = {"X-oio-Chunk-Meta-Container-Id": cid,
                       "X-oio-Chunk-Meta-Content-Id": str(meta.id),
                       "x-oio-req-id": request_id(opts)}
            try:
                self.backend.http.request("DELETE", chunk.url, headers=headers,
                                          **opts.http_kwargs("rawx"))
            except ClientError:
                pass

    # -- upload ------------------------------------------------------------------
    def upload(self, account: str, container: str, obj: str, source: "Source", *,
               mime_type: Optional[str], properties: Mapping[str, str],
               etag: Optional[str], append: bool, policy: Optional[str],
               autocreate: bool, container_properties: Optional[Mapping[str, str]],
               opts: CallOptions = DEFAULT_OPTS) -> Tuple[ObjectInfo, List[ChunkInfo]]:
        """prepare2 -> chunk PUTs (all copies in parallel, quorum) -> create.

        :raises NotSupported: the policy is erasure-coded.
        :raises EtagMismatch: ``etag`` differs (the chunks are removed).
        :raises ServiceUnavailable: a metachunk got fewer copies than its quorum.
        """
        if append:
            raise NotSupported("append is not supported by objclient's OpenIO backend",
                               capability="append", backend="oio")
        opts = attrs.evolve(opts, reqid=request_id(opts))
        cid = cid_from_name(account, container)
        md5 = hashlib.md5()
        stored: List[ChunkInfo] = []
        meta: Optional[ObjectInfo] = None
        chunk_method = ""
        total = 0
        position = 0
        pending = b""
        try:
            while True:
                meta_mc, targets = self.prepare(
                    account, container, obj, position=position, policy=policy,
                    version=meta.version if meta else None, autocreate=autocreate, opts=opts,
                    content_id=meta.id if meta else None)
                if meta is None:
                    meta = meta_mc
                    kind, _params = parse_chunk_method(meta.chunk_method or "plain/nb_copy=1")
                    if kind != "plain":
                        raise _ec_refused(meta.chunk_method or kind)
                    chunk_method = patch_chunk_method(meta.chunk_method or "plain/nb_copy=1",
                                                      self.backend.chunk_checksum_algo)
                chunk_size = int(meta_mc.extra.get("chunk_size") or meta.extra.get(
                    "chunk_size") or 0) or (1 << 30)
                done, sent, pending, exhausted = self._put_metachunk(
                    account, container, obj, cid, meta, chunk_method, targets, source,
                    chunk_size, pending, md5, opts)
                stored.extend(done)
                total += sent
                if exhausted:
                    break
                position += 1
            digest = md5.hexdigest()
            if etag is not None and etag.lower() != digest:
                raise EtagMismatch(f"the data has MD5 {digest}, the caller said {etag}",
                                   expected=etag.lower(), actual=digest)
            mime = mime_type or "application/octet-stream"
            try:
                self.commit(account, container, obj, meta=meta, size=total, md5=digest,
                            chunk_method=chunk_method, mime_type=mime, chunks=stored,
                            properties=properties, container_properties=container_properties,
                            autocreate=autocreate, opts=opts)
            except _ROLLBACK_ERRORS:
                self.delete_chunks(stored, meta, cid, opts)
                stored = []
                raise
        except Conflict:
            raise
        except ClientError:
            if stored and meta is not None:
                self.delete_chunks(stored, meta, cid, opts)
            raise
        perfdata_stats(opts.perfdata, "connect.")
        perfdata_stats(opts.perfdata, "upload.")
        info = attrs.evolve(meta, name=obj, size=total, hash=digest, mime_type=mime,
                            chunk_method=chunk_method, properties=dict(properties))
        return info, stored

    def _put_metachunk(self, account: str, container: str, obj: str, cid: str,
                       meta: ObjectInfo, chunk_method: str, targets: List[ChunkInfo],
                       source: "Source", chunk_size: int, pending: bytes, md5: Any,
                       opts: CallOptions) -> Tuple[List[ChunkInfo], int, bytes, bool]:
        """Stream up to ``chunk_size`` bytes to every copy of one metachunk.

        :returns: ``(stored copies, bytes sent, bytes read ahead, source exhausted)``.
        """
        if not targets:
            raise ServiceUnavailable("content/prepare2 returned no chunk target")
        fullpath = encode_fullpath(account, container, obj, meta.version, str(meta.id))
        writers = []
        for target in targets:
            headers = chunk_put_headers(
                url=target.url, cid=cid, account=account, container=container, path=obj,
                version=meta.version, content_id=str(meta.id), policy=str(meta.policy),
                chunk_method=chunk_method, pos=target.pos, fullpath=fullpath)
            headers["x-oio-req-id"] = str(opts.reqid)
            headers.update(opts.headers)
            writers.append(ChunkWriter(self.backend, target, headers,
                                       self.backend.chunk_checksum_algo, opts))
        sent = 0
        try:
            while sent < chunk_size:
                block = pending or source.read(min(_BLOCK, chunk_size - sent))
                pending = b""
                if not block:
                    break
                if len(block) > chunk_size - sent:
                    block, pending = block[:chunk_size - sent], block[chunk_size - sent:]
                md5.update(block)
                sent += len(block)
                for writer in writers:
                    writer.send(block)
                if not any(w.alive for w in writers):
                    break
            if sent == chunk_size and not pending:
                pending = source.read(_BLOCK)  # is there another metachunk?
        except BaseException:
            for writer in writers:
                writer.finish(abort=True)
            # A copy may have completed before the abort: remove it.
            self.delete_chunks(writers_targets(writers), meta, cid, opts)
            raise
        results = [w.finish() for w in writers]
        exhausted = not pending
        ok = [r for r in results if r is not None]
        # A copy the rawx stored with a different hash is wrong: remove it.
        self.delete_chunks([w.target for w in writers
                            if isinstance(w.error, ChecksumMismatch)], meta, cid, opts)
        needed = quorum(nb_copy_of(chunk_method))
        if len(ok) < needed:
            errors = [w.error for w in writers if w.error is not None]
            self.delete_chunks(ok, meta, cid, opts)
            detail = "; ".join(f"{chunk_id_of(w.target.url)[:12]}: {w.error.message or w.error}"
                               for w in writers if w.error is not None)
            if any(isinstance(e, Conflict) for e in errors):
                raise Conflict(f"a rawx already holds a chunk of {obj!r}: {detail}")
            raise ServiceUnavailable(
                f"only {len(ok)} of {len(targets)} chunk copies stored at position "
                f"{targets[0].pos} (quorum {needed}): {detail}")
        return ok, sent, pending, exhausted

    # -- download ---------------------------------------------------------------------
    def download(self, account: str, container: str, obj: str, *,
                 version: Optional[Any], ranges: Optional[Sequence[Range]],
                 opts: CallOptions = DEFAULT_OPTS) -> Tuple[ObjectInfo, Iterator[bytes]]:
        """``content/locate`` then rawx GETs; several ranges are read one after
        the other into one stream.

        :raises NotSupported: the object is erasure-coded.
        :raises RangeNotSatisfiable: a range lies outside the object.
        """
        opts = attrs.evolve(opts, reqid=request_id(opts))
        meta, chunks = self.backend.directory.locate(account, container, obj, version, opts)
        kind, _params = parse_chunk_method(meta.chunk_method or "plain/")
        if kind == "ec" or any("." in str(c.pos) for c in chunks):
            raise _ec_refused(meta.chunk_method or "ec")
        groups = group_by_position(chunks)
        if ranges:
            spans = [resolve_range(r, meta.size) for r in ranges]
        else:
            spans = [(0, meta.size - 1)] if meta.size else []
        reader = ObjectReader(self.backend, groups, spans, opts, full=not ranges,
                              expected_md5=meta.hash if meta.hash_method == "md5" else None)
        return meta, reader

    # -- chunks --------------------------------------------------------------------------
    def chunk_head(self, url: str, verify_checksum: bool = False,
                   opts: Optional[CallOptions] = None, **kwargs: Any) -> Dict[str, Any]:
        """``HEAD`` one chunk on its rawx (handler_chunk.go:checkChunk), as
        oio's ``BlobClient.chunk_head(url)``: the chunk's attributes under
        oio's names (``chunk_size``, ``chunk_hash``, ``full_path``,
        ``content_policy`` ..., see :func:`.blob_calls.chunk_meta_of`).

        :param verify_checksum: the rawx checks the data against the stored
            hash (``X-oio-check-hash``; 412 when they differ).
        :raises NotFound: the rawx has no such chunk.
        """
        opts = opts or call_options(kwargs)
        headers = dict(kwargs.get("headers") or {})
        if verify_checksum:
            headers["X-oio-check-hash"] = "true"
        resp = self._rawx("HEAD", url, opts, headers=headers, idempotent=True)
        return chunk_meta_of(resp.headers)

    def check_chunks(self, account: str, container: str, obj: str,
                     version: Optional[Any] = None,
                     opts: CallOptions = DEFAULT_OPTS) -> None:
        """``object_head(trust_level=2)`` as OpenIO does it: locate, then
        ``HEAD`` every copy of every chunk (no data is read).

        :raises NotFound: the object or one of its chunk copies is missing.
        """
        opts = attrs.evolve(opts, reqid=request_id(opts))
        _meta, chunks = self.backend.directory.locate(account, container, obj, version, opts)
        for chunk in chunks:
            self.chunk_head(chunk.url, opts=opts)

    # -- link ---------------------------------------------------------------------------
    def link(self, target_account: str, target_container: str, target_obj: str,
             link_account: str, link_container: str, link_obj: str, *,
             target_version: Optional[Any], properties_directive: str,
             properties: Optional[Mapping[str, str]],
             opts: CallOptions = DEFAULT_OPTS, target_content_id: Optional[str] = None,
             link_content_id: Optional[str] = None) -> ObjectInfo:
        """locate target -> prepare2 link name -> rawx COPY of every chunk -> create.

        :param target_content_id: sent with the target's ``content/locate``
            (``content=``), as OpenIO's ``object_link``; meta2 reads it only
            without a path (meta2_utils.c:m2db_get_alias), so the name wins.
        :param link_content_id: the link's content id, given to ``prepare2``
            (``content=``) and committed with the link.
        """
        opts = attrs.evolve(opts, reqid=request_id(opts))
        directory: Any = self.backend.directory  # the OpenIO one: it takes content ids
        tmeta, tchunks = directory.locate(
            target_account, target_container, target_obj, target_version, opts,
            content_id=target_content_id)
        if properties_directive == "COPY":
            props = self.backend.container.content_show(
                target_account, target_container, target_obj, tmeta.version, opts).properties
        else:
            props = dict(properties or {})
        lmeta, _targets = self.prepare(link_account, link_container, link_obj, position=0,
                                       policy=tmeta.policy, version=None, autocreate=True,
                                       opts=opts, content_id=link_content_id)
        cid = cid_from_name(link_account, link_container)
        fullpath = encode_fullpath(link_account, link_container, link_obj, lmeta.version,
                                   str(lmeta.id))
        copied: List[ChunkInfo] = []
        try:
            for chunk in tchunks:
                new_id = compute_chunk_id(cid, link_obj, lmeta.version, chunk.pos,
                                          str(tmeta.policy))
                base = chunk.url[:len(chunk.url) - len(chunk_id_of(chunk.url))]
                dest = base + new_id
                headers = {"Destination": dest, "X-oio-Chunk-Meta-Full-Path": fullpath,
                           "x-oio-req-id": str(opts.reqid)}
                headers.update(opts.headers)
                self.backend.http.request("COPY", chunk.url, headers=headers,
                                          **opts.http_kwargs("rawx"))
                copied.append(ChunkInfo(url=dest, pos=chunk.pos, size=chunk.size,
                                        hash=chunk.hash))
            new_meta = attrs.evolve(lmeta, policy=tmeta.policy)
            self.commit(link_account, link_container, link_obj, meta=new_meta,
                        size=tmeta.size, md5=tmeta.hash or "", chunk_method=str(
                            tmeta.chunk_method), mime_type=tmeta.mime_type, chunks=copied,
                        properties=props, container_properties=None, autocreate=True,
                        opts=opts)
        except ClientError:
            self.delete_chunks(copied, lmeta, cid, opts)
            raise
        # As OpenIO's object_link: the link's own prepare2 metadata (id,
        # version, times, chunk_size) with the target's size, hash and method.
        return attrs.evolve(lmeta, name=link_obj, size=tmeta.size, hash=tmeta.hash,
                            hash_method=tmeta.hash_method, mime_type=tmeta.mime_type,
                            chunk_method=tmeta.chunk_method, policy=tmeta.policy,
                            container=link_container, account=link_account,
                            properties=props)
