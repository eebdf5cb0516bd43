"""Swift containers, and object metadata: listings, HEAD, POST, DELETE, COPY."""

from __future__ import annotations

import logging
import threading
from typing import (TYPE_CHECKING, Any, Dict, Iterator, List, Mapping, Optional, Sequence, Set,
                    Tuple, Union, cast)

import attrs

from ...contract import DEFAULT_OPTS, CallOptions, ContainerClient
from ...exceptions import (ClientError, Conflict, ContainerNotEmpty, InvalidArgument,
                           NoSuchContainer, NoSuchObject, NotFound, NotSupported, TooLarge,
                           from_response)
from ...http.headers import lowered
from ...http.redact import redact_url
from ...models import ContainerInfo, ListingEntry, ObjectInfo, ObjectListing
from ...timestamps import iso_to_epoch
from .account import SERVER_LISTING_LIMIT, listing_params, page_truncated
from .common import SwiftRequests, int_header, refine
from .slo import copy_slo
from .versions import (is_delete_marker, keeps_old_versions, purge_versions, version_of,
                       version_query, versioning_header, versioning_state)
from .wire import (bulk_delete_body, container_path, decode_header_value,
                   encode_header_value, meta_headers, object_path, parse_bulk_response,
                   parse_http_date, parse_timestamp, quote_name,
                   read_meta, remove_meta_headers, unquote_etag)

if TYPE_CHECKING:  # pragma: no cover
    from .blob import SwiftBlobClient

__all__ = ["SwiftContainerClient", "object_info", "listing_row_info", "SYSTEM_HEADERS"]

LOG = logging.getLogger("objclient.swift")

#: Container system properties and the headers that carry them.
SYSTEM_HEADERS = {
    "policy": "X-Storage-Policy",
    "versions_location": "X-Versions-Location",
    "history_location": "X-History-Location",
    "quota_bytes": "X-Container-Meta-Quota-Bytes",
    "quota_count": "X-Container-Meta-Quota-Count",
    "read_acl": "X-Container-Read",
    "write_acl": "X-Container-Write",
    "sync_to": "X-Container-Sync-To",
}
_SYSTEM_ALIASES = {"storage_policy": "policy"}
_QUOTA_KEYS = ("quota-bytes", "quota-count")


def _system_headers(system: Mapping[str, str]) -> Dict[str, str]:
    out = {}
    for key, value in system.items():
        key = _SYSTEM_ALIASES.get(key, key)
        if key == "versioning":
            out["X-Versions-Enabled"] = versioning_header(value)
            continue
        header = SYSTEM_HEADERS.get(key)
        if header is None:
            raise InvalidArgument(f"unknown Swift container system property {key!r}; known: "
                                  + ", ".join(sorted(SYSTEM_HEADERS) + ["versioning"]))
        out[header] = encode_header_value(str(value))
    return out


def object_info(name: str, headers: Mapping[str, str], account: str,
                container: str) -> ObjectInfo:
    """ObjectInfo from the headers of a HEAD or GET of an object."""
    h = lowered(headers)
    etag = unquote_etag(h.get("etag"))
    large = h.get("x-static-large-object", "").lower() == "true"
    manifest = h.get("x-object-manifest")
    extra: Dict[str, Any] = {}
    if large:
        extra["large_object"] = "slo"
    elif manifest:
        extra["large_object"] = "dlo"
        extra["manifest"] = decode_header_value(manifest)
    delete_at = h.get("x-delete-at")
    if delete_at:
        extra["delete_at"] = int(delete_at)
    ts = parse_timestamp(h.get("x-timestamp"))
    size = h.get("content-length")
    crange = h.get("content-range")
    if crange and "/" in crange:
        size = crange.rsplit("/", 1)[1]
    return ObjectInfo(
        name=name, size=int(size or 0), hash=etag,
        hash_method="etag" if (large or manifest) else "md5",
        mime_type=h.get("content-type") or "application/octet-stream",
        ctime=ts, mtime=parse_http_date(h.get("last-modified")) or ts,
        properties=read_meta("object", h), container=container, account=account,
        chunk_method=extra.get("large_object"),
        version=version_of(h.get("x-object-version-id")), extra=extra)


def listing_row_info(row: Mapping[str, Any], account: str, container: str) -> ObjectInfo:
    """ObjectInfo from one object row of a JSON listing: a plain object, a
    static large object (``slo_etag`` is its ETag), a version or a delete
    marker (no hash)."""
    content_type = row.get("content_type")
    large = "slo_etag" in row
    etag = row["slo_etag"] if large else row.get("hash")
    marker = is_delete_marker(content_type)
    mtime = iso_to_epoch(row.get("last_modified"))
    return ObjectInfo(
        name=str(row["name"]), size=int(row.get("bytes") or 0),
        hash=None if marker or etag is None else unquote_etag(etag),
        hash_method="etag" if large else "md5",
        mime_type=content_type or "application/octet-stream", ctime=mtime, mtime=mtime,
        version=version_of(row.get("version_id")), deleted=marker,
        chunk_method="slo" if large else None, container=container, account=account,
        is_latest=bool(row.get("is_latest", True)))


def _row_name(row: Mapping[str, Any]) -> str:
    """The name a listing row continues from: its common prefix or object."""
    return row["subdir"] if "subdir" in row else row["name"]


class SwiftContainerClient(SwiftRequests, ContainerClient):
    """Container and object-metadata operations.

    Listings remember which names are static large objects, so that a
    delete of many objects (``container_flush`` lists, then deletes)
    removes their segments too; the others go in one bulk request.
    """

    _REMEMBER_CONTAINERS = 16
    _REMEMBER_NAMES = 10000

    def __init__(self, backend: Any) -> None:
        super().__init__(backend)
        self._large: Dict[Tuple[str, str], Set[str]] = {}
        self._large_lock = threading.Lock()

    def _remember_large(self, account: str, container: str, names: Sequence[str]) -> None:
        with self._large_lock:
            seen = self._large.pop((account, container), set())
            seen.update(names)
            if len(seen) > self._REMEMBER_NAMES:
                seen = set(names)
            self._large[(account, container)] = seen
            while len(self._large) > self._REMEMBER_CONTAINERS:
                self._large.pop(next(iter(self._large)))

    def _known_large(self, account: str, container: str) -> Set[str]:
        with self._large_lock:
            return set(self._large.get((account, container), ()))

    # -- containers --------------------------------------------------------------
    def create(self, account: str, container: str, *,
               properties: Mapping[str, str], system: Mapping[str, str],
               opts: CallOptions = DEFAULT_OPTS) -> bool:
        headers = _system_headers(system)
        headers.update(meta_headers("Container", properties))
        resp = self._send("PUT", container_path(account, container), opts, "container",
                          headers=headers)
        return resp.status_code == 201

    def delete(self, account: str, container: str, opts: CallOptions = DEFAULT_OPTS) -> None:
        try:
            self._send("DELETE", container_path(account, container), opts, "container")
        except NotFound as err:
            raise refine(err, NoSuchContainer,
                         f"container {container!r} does not exist") from None
        except Conflict as err:
            raise refine(err, ContainerNotEmpty,
                         f"container {container!r} is not empty") from None

    def show(self, account: str, container: str,
             opts: CallOptions = DEFAULT_OPTS) -> ContainerInfo:
        try:
            resp = self._send("HEAD", container_path(account, container), opts, "container")
        except NotFound as err:
            raise refine(err, NoSuchContainer,
                         f"container {container!r} does not exist") from None
        h = resp.headers
        system = {}
        for key, header in SYSTEM_HEADERS.items():
            if h.get(header):
                system[key] = decode_header_value(h[header])
        state = versioning_state(h)
        if state:
            system["versioning"] = state
        self.swift.versioned_containers.learn(account, container, keeps_old_versions(system))
        ts = parse_timestamp(h.get("X-Timestamp"))
        return ContainerInfo(
            name=container, account=account, objects=int_header(h, "X-Container-Object-Count"),
            bytes=int_header(h, "X-Container-Bytes-Used"), ctime=ts,
            mtime=parse_timestamp(h.get("X-Put-Timestamp")) or ts,
            properties=read_meta("container", h, _QUOTA_KEYS), system=system)

    def update(self, account: str, container: str, *, set_properties: Mapping[str, str],
               del_properties: Sequence[str], system: Mapping[str, str], clear: bool,
               opts: CallOptions = DEFAULT_OPTS) -> None:
        drop = list(del_properties)
        if clear:
            current = self.show(account, container, opts).properties
            drop.extend(k for k in current if k not in set_properties)
        headers = remove_meta_headers("Container", drop)
        headers.update(meta_headers("Container", set_properties))
        headers.update(_system_headers(system))
        if not headers:
            return
        try:
            self._send("POST", container_path(account, container), opts, "container",
                       headers=headers, idempotent=True)
        except NotFound as err:
            raise refine(err, NoSuchContainer,
                         f"container {container!r} does not exist") from None

    def purge(self, account: str, container: str, maxvers: Optional[int],
              opts: CallOptions = DEFAULT_OPTS) -> None:
        """Keep the ``maxvers`` newest versions of each object (Swift has no
        container setting: None keeps everything)."""
        purge_versions(self, account, container, maxvers, opts)

    # -- listings ------------------------------------------------------------------
    def list_rows(self, account: str, container: str, params: Mapping[str, str],
                  opts: CallOptions) -> List[Any]:
        """The raw JSON rows of one container listing request."""
        try:
            _resp, doc = self._json("GET", container_path(account, container), opts,
                                    "container", params=dict(params))
        except NotFound as err:
            raise refine(err, NoSuchContainer,
                         f"container {container!r} does not exist") from None
        return doc if isinstance(doc, list) else []

    def content_list(self, account: str, container: str, *, prefix: Optional[str],
                     delimiter: Optional[str], marker: Optional[str],
                     end_marker: Optional[str], limit: int, versions: bool,
                     deleted: bool, properties: bool,
                     opts: CallOptions = DEFAULT_OPTS) -> ObjectListing:
        """One page; with ``versions`` every version (newest first for each
        name), delete markers only with ``deleted``.  A page cut inside the
        versions of one name continues after that name (the facade's marker
        is a name)."""
        if limit <= 0:
            return ObjectListing()
        params = listing_params(prefix, delimiter, marker, end_marker, limit)
        if versions:
            params["versions"] = ""
        rows = self.list_rows(account, container, params, opts)
        truncated = page_truncated(len(rows), limit)
        rows = rows[:limit]
        objects: List[Union[ObjectInfo, ListingEntry]] = []
        prefixes: List[str] = []
        for entry in self._entries(account, container, rows, deleted):
            if isinstance(entry, str):
                prefixes.append(entry)
            else:
                objects.append(entry)
        if properties and objects:
            objects = self._with_properties(account, container, objects, opts)
        return ObjectListing(objects=objects, prefixes=prefixes, truncated=truncated,
                             next_marker=_row_name(rows[-1]) if truncated else None)

    def content_iter(self, account: str, container: str, *, prefix: Optional[str],
                     delimiter: Optional[str], marker: Optional[str],
                     end_marker: Optional[str], page_size: int, versions: bool,
                     deleted: bool, properties: bool,
                     opts: CallOptions = DEFAULT_OPTS) -> Iterator[Any]:
        """Listing pages of ``page_size`` rows (the server serves at most
        10,000), each row made an entry as the loop reaches it.  Holding a
        whole page of entries cost a full garbage collection pass per
        listing.  Versions and properties take the page-at-a-time way."""
        if versions or properties:
            yield from super().content_iter(
                account, container, prefix=prefix, delimiter=delimiter, marker=marker,
                end_marker=end_marker, page_size=page_size, versions=versions,
                deleted=deleted, properties=properties, opts=opts)
            return
        if page_size <= 0:
            return
        limit = min(page_size, SERVER_LISTING_LIMIT)
        while True:
            params = listing_params(prefix, delimiter, marker, end_marker, None)
            params["limit"] = str(limit)
            rows = self.list_rows(account, container, params, opts)
            yield from self._entries(account, container, rows, deleted)
            if len(rows) < limit:
                return  # a short page is the last (a full one: the next request tells)
            marker = _row_name(rows[-1])

    def _entries(self, account: str, container: str, rows: List[Any],
                 deleted: bool) -> Iterator[Any]:
        """A page's rows as entries (common prefixes as str), delete markers
        only with ``deleted``.  The static large objects among them are
        remembered first: before a caller's loop can delete them."""
        large = [row["name"] for row in rows if "slo_etag" in row]
        if large:
            self._remember_large(account, container, large)
        for row in rows:
            if "subdir" in row:
                yield row["subdir"]
            elif deleted or not is_delete_marker(row.get("content_type")):
                yield self._row_info(row, account, container)

    @staticmethod
    def _row_info(row: Mapping[str, Any], account: str, container: str) -> ListingEntry:
        """The entry of an object row; its fields are worked out on first
        read (a listing makes thousands, and loops often read names only)."""
        return ListingEntry(str(row["name"]), listing_row_info, row, account, container)

    def _with_properties(self, account: str, container: str,
                         objects: List[Union[ObjectInfo, ListingEntry]],
                         opts: CallOptions) -> List[Union[ObjectInfo, ListingEntry]]:
        """Listings carry no metadata: HEAD each object (a few at a time)."""
        def head(info: Union[ObjectInfo, ListingEntry]) -> Union[ObjectInfo, ListingEntry]:
            try:
                full = self.content_show(account, container, info.name, info.version, opts)
                return attrs.evolve(full, is_latest=info.is_latest)
            except NoSuchObject:
                return info  # deleted since the listing
        from concurrent.futures import ThreadPoolExecutor  # listings with properties only
        with ThreadPoolExecutor(4) as pool:
            return list(pool.map(lambda i: i if i.deleted else head(i), objects))

    # -- objects -----------------------------------------------------------------------
    def _head(self, account: str, container: str, obj: str, opts: CallOptions,
              query: Union[None, str, dict] = None, version: Optional[Any] = None) -> Any:
        """HEAD of an object; ``query`` a dict or, with no ``version``, an
        encoded query string."""
        if version is not None:
            query = dict(query or {}, **(version_query(version) or {}))  # type: ignore[arg-type]
        try:
            return self._send("HEAD", object_path(account, container, obj), opts, "object",
                              params=query)
        except NotFound as err:
            what = "object" if version is None else f"version {version} of object"
            raise refine(err, NoSuchObject, f"{what} {obj!r} does not exist in container "
                         f"{container!r}") from None

    def content_show(self, account: str, container: str, obj: str,
                     version: Optional[Any] = None,
                     opts: CallOptions = DEFAULT_OPTS) -> ObjectInfo:
        resp = self._head(account, container, obj, opts, version=version)
        return object_info(obj, resp.headers, account, container)

    def content_update(self, account: str, container: str, obj: str, *,
                       version: Optional[Any], set_properties: Mapping[str, str],
                       del_properties: Sequence[str], clear: bool,
                       opts: CallOptions = DEFAULT_OPTS) -> None:
        # A POST replaces all of an object's metadata: merge with the current.
        current = self._head(account, container, obj, opts).headers
        if version is not None and version_of(current.get("X-Object-Version-Id")) != str(
                version):
            raise NotSupported("Swift cannot change the properties of an old version",
                               capability="object_properties", backend="swift")
        props = {} if clear else read_meta("object", current)
        for key in del_properties:
            props.pop(key.lower(), None)
        props.update({k.lower(): v for k, v in set_properties.items()})
        headers = meta_headers("Object", props)
        for keep in ("X-Delete-At", "Content-Type"):
            if current.get(keep):
                headers[keep] = current[keep]
        try:
            self._send("POST", object_path(account, container, obj), opts, "object",
                       headers=headers, idempotent=True)
        except NotFound as err:
            raise refine(err, NoSuchObject, f"object {obj!r} does not exist") from None

    def content_delete(self, account: str, container: str, obj: str,
                       version: Optional[Any] = None,
                       opts: CallOptions = DEFAULT_OPTS) -> Tuple[bool, Optional[Any]]:
        if version is not None:
            try:
                self._send("DELETE", object_path(account, container, obj), opts, "object",
                           params=version_query(version))
            except NotFound as err:
                raise refine(err, NoSuchObject, f"version {version} of object {obj!r} does "
                             "not exist") from None
            return False, str(version)
        if self._with_segments(account, container, obj, opts):
            resp = self._delete_large(account, container, obj, opts)
        else:
            resp = self._delete_plain(account, container, obj, opts)
        marker = version_of(resp.headers.get("X-Object-Version-Id"))
        return marker is not None, marker

    def _with_segments(self, account: str, container: str, obj: str,
                       opts: CallOptions) -> bool:
        """Whether deleting ``obj`` takes the segments of a static large
        object with it: when the object may be one (a listing said so, or
        the container has a segment container) and the container keeps no
        older versions, whose manifests would still read those segments
        (asked only then, :mod:`.segments`)."""
        maybe_large = obj in self._known_large(account, container) or \
            self.swift.may_hold_large(account, container, opts)
        return maybe_large and not self.swift.keeps_versions(account, container, opts)

    def _delete_plain(self, account: str, container: str, obj: str, opts: CallOptions) -> Any:
        """One DELETE.  A 404 is NoSuchObject; in a versioned container
        Swift still leaves a delete marker then (its id in
        ``X-Object-Version-Id``), which is deleted first, so that a missing
        object leaves nothing behind."""
        path = object_path(account, container, obj)
        resent: List[int] = []
        resp = self._send("DELETE", path, opts, "object", raise_on_error=False,
                          on_retry=resent.append)
        if resp.status_code < 400:
            return resp
        err = from_response(resp.status_code, resp.headers, resp.content, method="DELETE",
                            url=redact_url(resp.url or path), attempts=len(resent) + 1)
        if not isinstance(err, NotFound):
            raise err
        marker = version_of(resp.headers.get("X-Object-Version-Id"))
        if marker is not None:
            try:
                self._send("DELETE", path, opts, "object", params=version_query(marker))
            except ClientError:
                LOG.debug("could not remove the delete marker %s of %r", marker, obj)
        raise refine(err, NoSuchObject, f"object {obj!r} does not exist") from None

    def _delete_large(self, account: str, container: str, obj: str, opts: CallOptions) -> Any:
        """Delete an object that may be a static large object, with its
        segments: ``DELETE ?multipart-manifest=delete``, one request for a
        large or a missing object (which leaves no delete marker).  Swift
        refuses it for any other object (``400``, the object's own path in
        the errors: "Not an SLO manifest"); that one gets a plain DELETE."""
        resent: List[int] = []
        resp, doc = self._json("DELETE", object_path(account, container, obj), opts,
                               "object", params={"multipart-manifest": "delete"},
                               on_retry=resent.append)
        if not isinstance(doc, dict):
            return resp
        deleted, not_found, errors, status = parse_bulk_response(doc)
        if status.startswith("400") and [p for p, _why in errors] == [f"/{container}/{obj}"]:
            return self._delete_plain(account, container, obj, opts)
        if errors:
            raise ClientError(f"deleting large object {obj!r} left {len(errors)} "
                              f"segment(s): {errors[0][0]}: {errors[0][1]}")
        if deleted == 0 and not_found:
            raise NoSuchObject(f"object {obj!r} does not exist", status=404, method="DELETE",
                               url=redact_url(resp.url or ""), attempts=len(resent) + 1,
                               request_id=resp.headers.get("X-Openstack-Request-Id"))
        return resp

    def content_delete_many(self, account: str, container: str, objs: Sequence[str],
                            opts: CallOptions = DEFAULT_OPTS) -> List[Tuple[str, bool]]:
        limit = min(self.swift.bulk_delete_limit(), 1000)
        large = self._known_large(account, container)
        singles = [n for n in objs if n in large] if limit > 0 and len(objs) > 1 else list(objs)
        rest = [n for n in objs if n not in set(singles)]
        done = dict(super().content_delete_many(account, container, singles, opts))
        for start in range(0, len(rest), limit or 1):
            batch = rest[start:start + limit]
            done.update(self._bulk_delete(account, container, batch, opts))
        return [(name, done[name]) for name in objs]

    def _bulk_delete(self, account: str, container: str, names: List[str],
                     opts: CallOptions) -> List[Tuple[str, bool]]:
        """One ``POST ?bulk-delete``.

        The middleware counts absent objects without naming them: when some
        (not all) were absent, every name of the batch is reported deleted,
        which is true of its state afterwards.
        """
        try:
            _resp, doc = self._json(
                "POST", "/" + quote_name(account), opts, "object",
                params={"bulk-delete": ""}, data=bulk_delete_body(container, names),
                headers={"Content-Type": "text/plain"}, idempotent=True)
        except NotSupported:
            return super().content_delete_many(account, container, names, opts)
        if not isinstance(doc, dict):
            return super().content_delete_many(account, container, names, opts)
        deleted, not_found, errors, status = parse_bulk_response(doc)
        failed = {path for path, _status in errors}
        if errors:
            path, why = errors[0]
            if not status.startswith(("2", "400")) or len(errors) == len(names):
                raise ClientError(f"bulk delete failed for {len(errors)} object(s), e.g. "
                                  f"{path}: {why}", server_message=status)
        all_absent = deleted == 0 and not_found == len(names) - len(failed)
        if not_found and not all_absent:
            LOG.debug("bulk delete: %d of %d names were absent", not_found, len(names))
        return [(name, not all_absent and f"/{container}/{name}" not in failed)
                for name in names]

    # -- links ---------------------------------------------------------------------------
    def content_link(self, target_account: str, target_container: str, target_obj: str,
                     link_account: str, link_container: str, link_obj: str, *,
                     target_version: Optional[Any], properties_directive: str,
                     properties: Optional[Mapping[str, str]], target_size: Optional[int] = None,
                     opts: CallOptions = DEFAULT_OPTS) -> ObjectInfo:
        """A server-side COPY (``PUT`` with ``X-Copy-From``).  A static large
        object is copied whole, as one object, which Swift refuses above its
        ``max_file_size`` (413): such a copy is made segment by segment
        instead (:func:`.slo.copy_slo`)."""
        source = f"/{quote_name(target_container)}/{quote_name(target_obj)}"
        headers = {"X-Copy-From": source, "Content-Length": "0"}
        if target_account != link_account:
            headers["X-Copy-From-Account"] = quote_name(target_account)
        if properties_directive == "REPLACE":
            headers["X-Fresh-Metadata"] = "true"
            headers.update(meta_headers("Object", properties or {}))
        try:
            self._send("PUT", object_path(link_account, link_container, link_obj), opts,
                       "object", headers=headers, data=b"",
                       params=version_query(target_version))
        except NotFound as err:
            raise refine(err, NoSuchObject, f"object {target_obj!r} (or container "
                         f"{link_container!r}) does not exist") from None
        except TooLarge:
            info = self.content_show(target_account, target_container, target_obj,
                                     target_version, opts)
            if info.chunk_method != "slo" or target_version is not None:
                raise
            kept = info.properties if properties_directive != "REPLACE" else properties or {}
            blob = cast("SwiftBlobClient", self.swift.blob)
            copy_slo(blob, (target_account, target_container, target_obj), link_account,
                     link_container, link_obj, opts=opts,
                     headers={"Content-Type": info.mime_type, **meta_headers("Object", kept)})
        return self.content_show(link_account, link_container, link_obj, None, opts)
