"""S3 backend: buckets, and the metadata of the keys they hold."""

from __future__ import annotations

from typing import TYPE_CHECKING

import base64
import hashlib
import re
from itertools import groupby
from typing import (Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union,
                    cast)
from urllib.parse import quote, unquote_plus

from ...contract import DEFAULT_OPTS, CallOptions, Capability, ContainerClient
from ...exceptions import (ClientError, Conflict, ContainerNotEmpty, InvalidArgument,
                           NoSuchContainer, NoSuchObject, NotFound, PreconditionFailed)
from ...http.headers import lowered
from ...listing import name_key
from ...models import ContainerInfo, ListingEntry, ObjectInfo, ObjectListing
from ...timestamps import http_date_to_epoch
from .account import NOT_COUNTED, parse_time
from .names import key_path, meta_from_headers, meta_headers
from .versions import (Item, VersionEntry, delete_versions_body, doomed_versions,
                       find_version, need_versioning, not_implemented, version_of, version_query,
                       version_stream, versioning_body, versioning_state, versioning_status)
from .xml import (Entry, delete_body, embedded_error, location_body, parse, parse_listing,
                  tagging_body, text_of)

if TYPE_CHECKING:  # pragma: no cover
    from . import S3Backend
    from .blob import S3BlobClient

__all__ = ["S3ContainerClient", "info_from_headers", "etag_hash", "content_md5",
           "listing_entry_info", "version_info", "copy_source", "copy_too_large",
           "COPY_OBJECT_LIMIT", "UNDERIVED_ETAG_PROPERTY"]

_MD5 = re.compile(r"^[0-9a-f]{32}$")
_HEX32 = re.compile(r"[0-9a-f]{32}")
#: DeleteObjects takes at most this many keys per request.
DELETE_BATCH = 1000
#: The largest source S3's CopyObject takes (and the largest part).
COPY_OBJECT_LIMIT = 5 * 1024 ** 3
#: The property (``x-amz-meta-objclient-etag: copied-parts``) a part copy
#: gives an object on a server that answers UploadPartCopy with ETags that are
#: not the parts' MD5s (SeaweedFS: the MD5 of its chunks' MD5s, ``-<chunks>``):
#: its ETag then has the multipart form, but no client can derive it from
#: the bytes, so downloads check its size only (see ``MultipartUploader.copy``).
UNDERIVED_ETAG_PROPERTY = "objclient-etag"


def listing_entry_info(entry: Entry, account: str, container: str) -> ObjectInfo:
    """The :class:`ObjectInfo` of a ListObjectsV2 entry (``Contents``)."""
    name, modified, etag, size, storage_class = entry
    digest, method = etag_hash(etag)
    mtime = parse_time(modified)
    return ObjectInfo(name=name, size=int(size or 0), hash=digest, hash_method=method,
                      ctime=mtime, mtime=mtime, policy=storage_class, container=container,
                      account=account)


def content_md5(data: bytes) -> str:
    """The ``Content-MD5`` header value (base64 of the binary MD5)."""
    return base64.b64encode(hashlib.md5(data).digest()).decode("ascii")


def _url_decoded(text: str) -> str:
    """A key of a listing with ``encoding-type=url``, decoded."""
    return unquote_plus(text) if ("%" in text or "+" in text) else text


def etag_hash(etag: Optional[str], headers: Optional[Mapping[str, str]] = None
              ) -> Tuple[Optional[str], str]:
    """``(hash, hash_method)`` from an ETag: an MD5 only when it is one."""
    if (headers is None and etag and len(etag) == 34 and etag[0] == '"'
            and etag[33] == '"' and _HEX32.fullmatch(etag, 1, 33)):
        return etag[1:33], "md5"  # the usual listing entry: a quoted lower-case MD5
    value = (etag or "").strip().strip('"').lower()
    if not value:
        return None, "etag"
    encrypted = headers is not None and (headers.get("x-amz-server-side-encryption") or ""
                                         ).lower() == "aws:kms"
    if _MD5.match(value) and not encrypted:
        return value, "md5"
    return value, "etag"


def info_from_headers(headers: Mapping[str, str], account: str, container: str,
                      obj: str) -> ObjectInfo:
    """An :class:`ObjectInfo` from HEAD/GET response headers."""
    h = lowered(headers)
    etag = h.get("etag")
    digest, method = etag_hash(etag, h)
    size = h.get("content-length")
    crange = h.get("content-range")
    if crange:
        size = crange.rsplit("/", 1)[-1]
    mtime = http_date_to_epoch(h.get("last-modified"))
    return ObjectInfo(name=obj, size=int(size) if size and size.isdigit() else 0,
                      hash=digest, hash_method=method,
                      mime_type=h.get("content-type") or "application/octet-stream",
                      ctime=mtime, mtime=mtime,
                      version=version_of(h.get("x-amz-version-id")),
                      properties=meta_from_headers(h), container=container,
                      account=account, policy=h.get("x-amz-storage-class"),
                      extra={"etag": etag})


def version_info(entry: VersionEntry, account: str, container: str) -> ObjectInfo:
    """The :class:`ObjectInfo` of a ListObjectVersions entry (a delete marker
    has ``deleted`` True, no hash and size 0)."""
    key, version, latest, deleted, modified, etag, size, storage_class = entry
    digest, method = (None, "md5") if deleted else etag_hash(etag)
    mtime = parse_time(modified)
    return ObjectInfo(name=key, size=size, hash=digest, hash_method=method, ctime=mtime,
                      mtime=mtime, version=version_of(version), deleted=deleted,
                      policy=storage_class, container=container, account=account,
                      is_latest=latest)


def _item_name(item: Item) -> str:
    """The key of a version entry, or the common prefix itself."""
    return item if isinstance(item, str) else item[0]


def start_after(marker: str) -> str:
    """The ``start-after`` to send for a listing ``marker``.

    Some servers (SeaweedFS) skip every key under ``X/`` when asked to start
    after ``X``, so the request starts a little earlier: before the marker's
    last character, and before any trailing characters that sort below
    ``/``.  Keys up to the marker are then dropped client-side.
    """
    cut = len(marker) - 1
    while cut > 0 and marker[cut] < "/":
        cut -= 1
    return marker[:cut]


class S3ContainerClient(ContainerClient):
    """Buckets (tags as properties) and keys (``x-amz-meta-*`` properties)."""

    backend: "S3Backend"

    # -- buckets --------------------------------------------------------------
    def _exists(self, bucket: str, opts: CallOptions) -> bool:
        try:
            self.backend.call("HEAD", bucket, opts=opts, service="container")
        except NotFound:
            return False
        return True

    def create(self, account: str, container: str, *, properties: Mapping[str, str],
               system: Mapping[str, str], opts: CallOptions = DEFAULT_OPTS) -> bool:
        """CreateBucket (with the region as LocationConstraint outside us-east-1),
        then its tags and, with the system property ``versioning``, its
        versioning (see :mod:`.versions`).

        :returns: False when the bucket already existed (and is ours); its
            versioning is still set, as a Swift container PUT sets it (the
            one way to turn it on where tags, and so container properties,
            are off).
        """
        status = self._versioning_status(system)
        if self._exists(container, opts):
            if status:
                self._put_versioning(container, status, opts)
            return False
        region = self.backend.region
        body = location_body(region) if region != "us-east-1" else None
        try:
            self.backend.call("PUT", container, opts=opts, data=body, service="container")
        except Conflict as err:
            if err.code == "BucketAlreadyOwnedByYou":
                return False
            raise
        if properties:
            self._put_tags(container, dict(properties), opts)
        if status:
            self._put_versioning(container, status, opts)
        return True

    def _versioning_status(self, system: Mapping[str, str]) -> Optional[str]:
        """The S3 status the system property ``versioning`` asks for (None if
        absent); checked before any request.

        :raises NotSupported: versioning asked of a backend without it.
        """
        if system.get("versioning") is None:
            return None
        status = versioning_status(system["versioning"])
        self._need_versioning()
        return status

    def _need_versioning(self) -> None:
        need_versioning(self.backend)

    def _put_versioning(self, container: str, status: str, opts: CallOptions) -> None:
        """PutBucketVersioning (NotSupported where the server lacks it)."""
        body = versioning_body(status)
        try:
            self.backend.call("PUT", container, query=[("versioning", "")], data=body,
                              headers={"Content-MD5": content_md5(body)}, opts=opts,
                              service="container")
        except ClientError as err:
            raise not_implemented(err) or err from None

    def _versioning(self, container: str, opts: CallOptions) -> Optional[str]:
        """GetBucketVersioning: ``enabled``, ``suspended`` or None."""
        try:
            resp = self.backend.call("GET", container, query=[("versioning", "")], opts=opts,
                                     service="container")
        except ClientError as err:
            raise not_implemented(err) or err from None
        return versioning_state(resp.content)

    def delete(self, account: str, container: str, opts: CallOptions = DEFAULT_OPTS) -> None:
        """DeleteBucket (ContainerNotEmpty while it holds keys).

        Some servers (SeaweedFS) delete a bucket with its keys, so the bucket
        is listed first and a non-empty one is refused here.
        """
        resp = self.backend.call("GET", container, query=[("list-type", "2"),
                                                          ("max-keys", "1")],
                                 opts=opts, service="container")
        if parse(resp.content).find("Contents") is not None:
            raise ContainerNotEmpty(f"bucket {container!r} is not empty", code="BucketNotEmpty")
        self.backend.call("DELETE", container, opts=opts, service="container")

    def _tags(self, container: str, opts: CallOptions) -> Dict[str, str]:
        try:
            resp = self.backend.call("GET", container, query=[("tagging", "")], opts=opts,
                                     service="container")
        except NoSuchContainer:
            raise
        except NotFound:  # NoSuchTagSet
            return {}
        root = parse(resp.content)
        return {text_of(t, "Key") or "": text_of(t, "Value") or "" for t in root.iter("Tag")}

    def _put_tags(self, container: str, tags: Dict[str, str], opts: CallOptions) -> None:
        if not tags:
            self.backend.call("DELETE", container, query=[("tagging", "")], opts=opts,
                              service="container")
            return
        body = tagging_body(tags)
        self.backend.call("PUT", container, query=[("tagging", "")], opts=opts, data=body,
                          headers={"Content-MD5": content_md5(body)}, service="container")

    def show(self, account: str, container: str,
             opts: CallOptions = DEFAULT_OPTS) -> ContainerInfo:
        """HeadBucket, plus the bucket's tags when tagging is on and its
        versioning (system property ``versioning``, once it was set) when
        versioning is on.  ``objects`` and ``bytes`` are None: S3 keeps no
        counters (see :data:`NOT_COUNTED`)."""
        resp = self.backend.call("HEAD", container, opts=opts, service="container")
        system = {}
        if resp.headers.get("x-amz-bucket-region"):
            system["region"] = resp.headers["x-amz-bucket-region"]
        props = self._tags(container, opts) \
            if Capability.CONTAINER_PROPERTIES in self.backend.capabilities else {}
        if Capability.VERSIONING in self.backend.capabilities:
            state = self._versioning(container, opts)
            if state:
                system["versioning"] = state
        return ContainerInfo(name=container, account=account, objects=NOT_COUNTED,
                             bytes=NOT_COUNTED, properties=props, system=system)

    def update(self, account: str, container: str, *, set_properties: Mapping[str, str],
               del_properties: Sequence[str], system: Mapping[str, str], clear: bool,
               opts: CallOptions = DEFAULT_OPTS) -> None:
        """Rewrite the bucket's tag set (S3 replaces it whole); the system
        property ``versioning`` sets the bucket's versioning."""
        status = self._versioning_status(system)
        if status:
            self._put_versioning(container, status, opts)
            if not (set_properties or del_properties or clear):
                return
        current = {} if clear else self._tags(container, opts)
        current.update(set_properties)
        for key in del_properties:
            current.pop(key, None)
        self.backend.names.check_properties(current)
        self._put_tags(container, current, opts)

    def purge(self, account: str, container: str, maxvers: Optional[int],
              opts: CallOptions = DEFAULT_OPTS) -> None:
        """Keep the ``maxvers`` newest versions of each key (delete markers
        count as versions; 0 keeps one, as OpenIO does).  S3 has no
        per-bucket limit: with ``maxvers`` None (or < 0) nothing is deleted.
        The others go by DeleteObjects, up to 1,000 versions a request."""
        self._need_versioning()
        if maxvers is None or maxvers < 0:
            return
        doomed: List[VersionEntry] = []
        for _name, group in self._version_groups(container, None, None, None, None, True,
                                                 opts):
            doomed.extend(doomed_versions(group, maxvers))  # type: ignore[arg-type]
            while len(doomed) >= DELETE_BATCH:
                self._delete_versions(container, doomed[:DELETE_BATCH], opts)
                doomed = doomed[DELETE_BATCH:]
        if doomed:
            self._delete_versions(container, doomed, opts)

    def _delete_versions(self, container: str, entries: Sequence[VersionEntry],
                         opts: CallOptions) -> None:
        """One DeleteObjects naming versions; an ``<Error>`` raises."""
        body = delete_versions_body(entries)
        resp = self.backend.call("POST", container, query=[("delete", "")], opts=opts,
                                 data=body, headers={"Content-MD5": content_md5(body),
                                                     "Content-Type": "application/xml"},
                                 idempotent=True, service="container")
        for item in parse(resp.content).findall("Error"):
            code = text_of(item, "Code")
            if code not in ("NoSuchKey", "NoSuchVersion"):  # gone already: what was asked
                raise ClientError(f"could not delete version {text_of(item, 'VersionId')} of "
                                  f"{text_of(item, 'Key')!r}: {text_of(item, 'Message')}",
                                  code=code)

    # -- listing ---------------------------------------------------------------
    def content_list(self, account: str, container: str, *, prefix: Optional[str],
                     delimiter: Optional[str], marker: Optional[str],
                     end_marker: Optional[str], limit: int, versions: bool,
                     deleted: bool, properties: bool,
                     opts: CallOptions = DEFAULT_OPTS) -> ObjectListing:
        """ListObjectsV2 pages until ``limit`` entries; end_marker is applied
        here.  With ``versions``, ListObjectVersions (see :meth:`_versions_list`)."""
        if limit <= 0:
            return ObjectListing()
        if versions:
            return self._versions_list(account, container, prefix, delimiter, marker,
                                       end_marker, limit, deleted, opts)
        objects: List[Union[ObjectInfo, ListingEntry]] = []
        prefixes: List[str] = []
        token: Optional[str] = None
        end_key = name_key(end_marker) if end_marker else None
        mkey = name_key(marker) if marker else None
        truncated = False
        last: Optional[str] = None
        while True:
            entries, common, more, token = self._list_page(
                container, prefix, delimiter, marker, token,
                min(1000, limit - len(objects) - len(prefixes)), opts)
            stopped = False
            for entry in self._page_entries(entries, common, marker, mkey):
                name = entry if isinstance(entry, str) else entry[0]
                if end_key is not None and name_key(name) >= end_key:
                    stopped = True
                    break
                if len(objects) + len(prefixes) >= limit:
                    truncated = True
                    break
                if isinstance(entry, str):
                    prefixes.append(name)
                else:
                    objects.append(self._listed(entry, account, container))
                last = name
            if stopped or truncated:
                break
            if not more or not token:
                break
            if len(objects) + len(prefixes) >= limit:
                truncated = True
                break
        return ObjectListing(objects=objects, prefixes=prefixes, truncated=truncated,
                             next_marker=last if truncated else None)

    def content_iter(self, account: str, container: str, *, prefix: Optional[str],
                     delimiter: Optional[str], marker: Optional[str],
                     end_marker: Optional[str], page_size: int, versions: bool,
                     deleted: bool, properties: bool,
                     opts: CallOptions = DEFAULT_OPTS) -> Iterator[Any]:
        """ListObjectsV2 pages (at most 1,000 keys each, the S3 cap),
        following continuation tokens; each entry is made as the loop
        reaches it (holding a whole ``page_size`` of them cost a full
        garbage collection pass per listing).

        (Sending the next page's request from a helper thread while this
        one's entries are made was tried too: no gain that the noise of
        this machine let through, once a page was cheap to read.)
        """
        if page_size <= 0:
            return
        if versions:
            yield from ContainerClient.content_iter(
                self, account, container, prefix=prefix, delimiter=delimiter, marker=marker,
                end_marker=end_marker, page_size=page_size, versions=True, deleted=deleted,
                properties=properties, opts=opts)
            return
        end_key = name_key(end_marker) if end_marker else None
        mkey = name_key(marker) if marker else None
        token: Optional[str] = None
        while True:
            entries, common, more, token = self._list_page(
                container, prefix, delimiter, marker, token, min(1000, page_size), opts)
            for entry in self._page_entries(entries, common, marker, mkey):
                if isinstance(entry, str):
                    if end_key is not None and name_key(entry) >= end_key:
                        return
                    yield entry
                else:
                    if end_key is not None and name_key(entry[0]) >= end_key:
                        return
                    yield self._listed(entry, account, container)
            if not more or not token:
                return

    def _list_page(self, container: str, prefix: Optional[str], delimiter: Optional[str],
                   marker: Optional[str], token: Optional[str], max_keys: int,
                   opts: CallOptions) -> Tuple[List[Entry], List[str], bool, Optional[str]]:
        """One ListObjectsV2 request, read (see :meth:`_read_page`)."""
        return self._read_page(self._list_request(container, prefix, delimiter, marker,
                                                  token, max_keys, opts))

    def _list_request(self, container: str, prefix: Optional[str], delimiter: Optional[str],
                      marker: Optional[str], token: Optional[str], max_keys: int,
                      opts: CallOptions) -> bytes:
        """One ListObjectsV2 request: ``marker`` is sent (as start-after)
        only without a continuation ``token``.  :returns: the body."""
        query: List[Tuple[str, str]] = [("list-type", "2"), ("encoding-type", "url"),
                                        ("max-keys", str(max_keys))]
        if prefix:
            query.append(("prefix", prefix))
        if delimiter:
            query.append(("delimiter", delimiter))
        if token:
            query.append(("continuation-token", token))
        elif marker and start_after(marker):
            query.append(("start-after", start_after(marker)))
        resp = self.backend.call("GET", container, query=query, opts=opts,
                                 service="container")
        return resp.content  # type: ignore[no-any-return]

    @staticmethod
    def _read_page(body: bytes) -> Tuple[List[Entry], List[str], bool, Optional[str]]:
        """:returns: ``(entries, prefixes, more, next_token)``, keys and
        common prefixes URL-decoded where the server encoded them."""
        root, entries = parse_listing(body)
        prefixes = [text_of(item, "Prefix") or "" for item in root.iterfind("CommonPrefixes")]
        if (text_of(root, "EncodingType") or "").lower() == "url":
            keys = "".join([entry[0] for entry in entries])
            if "%" in keys or "+" in keys:
                entries = [(_url_decoded(entry[0]),) + entry[1:]  # type: ignore[misc]
                           for entry in entries]
            prefixes = [_url_decoded(name) for name in prefixes]
        more = (text_of(root, "IsTruncated") or "").lower() == "true"
        return entries, prefixes, more, text_of(root, "NextContinuationToken")

    @staticmethod
    def _page_entries(entries: List[Entry], prefixes: List[str], marker: Optional[str],
                      mkey: Optional[bytes]) -> List[Any]:
        """One page's keys after ``marker`` and common prefixes (each a
        str), in UTF-8 byte order."""
        if mkey is not None:
            entries = [entry for entry in entries if name_key(entry[0]) > mkey]
        if not prefixes:
            return entries
        merged: List[Any] = list(entries)
        for name in prefixes:
            if mkey is None or name_key(name) > mkey or (
                    marker != name and marker.startswith(name)):  # type: ignore[union-attr]
                merged.append(name)
        # S3 sends keys and prefixes as two sorted lists: merge them.
        merged.sort(key=lambda e: name_key(e if isinstance(e, str) else e[0]))
        return merged

    def _versions_list(self, account: str, container: str, prefix: Optional[str],
                       delimiter: Optional[str], marker: Optional[str],
                       end_marker: Optional[str], limit: int, deleted: bool,
                       opts: CallOptions) -> ObjectListing:
        """One page of every version (each key's latest first), delete
        markers only with ``deleted``, as the Swift and local backends list
        them.  A page ends between two keys, never inside one key's versions
        (the facade's marker is a name): it may hold fewer than ``limit``
        entries, or more when one key alone has more versions than that."""
        self._need_versioning()
        objects: List[ObjectInfo] = []
        prefixes: List[str] = []
        last: Optional[str] = None
        for name, group in self._version_groups(container, prefix, delimiter, marker,
                                                end_marker, deleted, opts):
            if last is not None and len(objects) + len(prefixes) + len(group) > limit:
                return ObjectListing(objects=objects, prefixes=prefixes, truncated=True,
                                     next_marker=last)
            if isinstance(group[0], str):
                prefixes.append(name)
            else:
                objects.extend(version_info(e, account, container)  # type: ignore[arg-type]
                               for e in group)
            last = name
        return ObjectListing(objects=objects, prefixes=prefixes)

    def _version_groups(self, container: str, prefix: Optional[str],
                        delimiter: Optional[str], marker: Optional[str],
                        end_marker: Optional[str], deleted: bool, opts: CallOptions
                        ) -> Iterator[Tuple[str, List[Item]]]:
        """``(name, items)`` for each key (its versions, latest first) or
        common prefix (``[prefix]``) after ``marker`` and before
        ``end_marker``; keys whose versions are all hidden delete markers
        are left out."""
        for name, items in groupby(self._version_items(container, prefix, delimiter, marker,
                                                       end_marker, opts), key=_item_name):
            group = [i for i in items if isinstance(i, str) or deleted or not i[3]]
            if group:
                yield name, group

    def _version_items(self, container: str, prefix: Optional[str],
                       delimiter: Optional[str], marker: Optional[str],
                       end_marker: Optional[str], opts: CallOptions) -> Iterator[Item]:
        """The versions and common prefixes between the markers, in order
        (``key-marker`` is sent a little early, as ``start-after`` is: see
        :func:`start_after`)."""
        end_key = name_key(end_marker) if end_marker else None
        mkey = name_key(marker) if marker else None
        start = start_after(marker) if marker else None
        for page in version_stream(self.backend, container, prefix, delimiter, start or None,
                                   opts):
            for item in page:
                name = _item_name(item)
                if end_key is not None and name_key(name) >= end_key:
                    return
                if mkey is None or name_key(name) > mkey or (
                        isinstance(item, str) and marker != name
                        and marker.startswith(name)):  # type: ignore[union-attr]
                    yield item

    @staticmethod
    def _listed(entry: Entry, account: str, container: str) -> ListingEntry:
        """A listing entry: its fields are worked out on first read (a
        listing makes thousands, and loops often read names only)."""
        return ListingEntry(entry[0], listing_entry_info, entry, account, container)

    # -- keys --------------------------------------------------------------------
    def content_show(self, account: str, container: str, obj: str,
                     version: Optional[Any] = None,
                     opts: CallOptions = DEFAULT_OPTS) -> ObjectInfo:
        """HeadObject (of ``version``, when given)."""
        query = version_query(version, self.backend)
        try:
            resp = self.backend.call("HEAD", container, obj, query=query, opts=opts,
                                     service="container")
        except NoSuchObject as err:
            if version is None:
                raise
            raise NoSuchObject(f"version {version} of object {obj!r} does not exist in "
                               f"bucket {container!r}", status=err.status, method=err.method,
                               url=err.url, request_id=err.request_id, code=err.code) from None
        return info_from_headers(resp.headers, account, container, obj)

    def _copy(self, src_bucket: str, src_key: str, bucket: str, key: str, *,
              version: Optional[Any], replace: Optional[Mapping[str, str]],
              mime_type: Optional[str], if_match: Optional[str], opts: CallOptions) -> None:
        headers = {"x-amz-copy-source": copy_source(self.backend, src_bucket, src_key, version)}
        if if_match:
            headers["x-amz-copy-source-if-match"] = if_match
        if replace is not None:
            headers["x-amz-metadata-directive"] = "REPLACE"
            headers.update(meta_headers(replace))
            if mime_type:
                headers["Content-Type"] = mime_type
        else:
            headers["x-amz-metadata-directive"] = "COPY"
        try:
            resp = self.backend.call("PUT", bucket, key, opts=opts, headers=headers,
                                     service="container")
        except NoSuchObject:
            raise
        except NotFound as err:
            if err.code == "NoSuchBucket":
                raise
            raise NoSuchObject(f"object {src_key!r} does not exist in bucket "
                               f"{src_bucket!r}", code=err.code,
                               request_id=err.request_id) from None
        error = embedded_error(resp.content)
        if error is not None:
            raise error

    def content_update(self, account: str, container: str, obj: str, *,
                       version: Optional[Any], set_properties: Mapping[str, str],
                       del_properties: Sequence[str], clear: bool,
                       opts: CallOptions = DEFAULT_OPTS) -> None:
        """CopyObject onto itself with the metadata directive REPLACE; from
        ``copy_part_threshold`` bytes up, a copy onto itself in parts."""
        info = self.content_show(account, container, obj, version, opts)
        current = {} if clear else dict(info.properties)
        if clear and UNDERIVED_ETAG_PROPERTY in info.properties:  # it is not the user's
            current[UNDERIVED_ETAG_PROPERTY] = info.properties[UNDERIVED_ETAG_PROPERTY]
        current.update(set_properties)
        for key in del_properties:
            current.pop(key, None)
        self.backend.names.check_properties(current)
        if info.size >= self.backend.copy_part_threshold:
            self._copy_in_parts((container, obj, version), container, obj, info, current, opts)
            return
        self._copy(container, obj, container, obj, version=version, replace=current,
                   mime_type=info.mime_type, if_match=info.extra.get("etag"), opts=opts)

    def content_delete(self, account: str, container: str, obj: str,
                       version: Optional[Any] = None,
                       opts: CallOptions = DEFAULT_OPTS) -> Tuple[bool, Optional[Any]]:
        """DeleteObject.  S3 answers 204 for a missing key too: a missing object
        is told by ``If-Match: *`` (412) or, with ``delete_check="head"``, by
        a HEAD first; a missing version by the version listing (see
        :meth:`_delete_version`).

        :returns: ``(delete_marker_created, version_id)``.
        """
        if version is not None:
            return self._delete_version(container, obj, version, opts)
        headers = None
        if self.backend.delete_check == "conditional":
            headers = {"If-Match": "*"}
        else:
            self.content_show(account, container, obj, None, opts)
        try:
            resp = self.backend.call("DELETE", container, obj, headers=headers, opts=opts,
                                     service="container")
        except PreconditionFailed as err:
            raise NoSuchObject(f"object {obj!r} does not exist", status=err.status,
                               method=err.method, url=err.url, request_id=err.request_id,
                               code=err.code) from None
        marker = resp.headers.get("x-amz-delete-marker", "").lower() == "true"
        return marker, version_of(resp.headers.get("x-amz-version-id"))

    def _delete_version(self, container: str, obj: str, version: Any,
                        opts: CallOptions) -> Tuple[bool, Optional[Any]]:
        """DeleteObject of one version or delete marker.  Both servers of the
        suite answer 204 for a missing version and 404 to a HEAD of a delete
        marker's version, so the version is looked up in the listing first."""
        query = version_query(version, self.backend)
        assert query is not None
        if find_version(self.backend, container, obj, query[0][1], opts) is None:
            raise NoSuchObject(f"version {version} of object {obj!r} does not exist in "
                               f"bucket {container!r}", code="NoSuchVersion")
        self.backend.call("DELETE", container, obj, query=query, opts=opts,
                          service="container")
        return False, str(version)

    def content_delete_many(self, account: str, container: str, objs: Sequence[str],
                            opts: CallOptions = DEFAULT_OPTS) -> List[Tuple[str, bool]]:
        """DeleteObjects in batches of 1,000 keys.

        S3 reports a missing key as deleted, so ``deleted`` is True for it too.
        """
        results: Dict[str, bool] = {}
        names = list(objs)
        for start in range(0, len(names), DELETE_BATCH):
            batch = names[start:start + DELETE_BATCH]
            body = delete_body(batch)
            resp = self.backend.call("POST", container, query=[("delete", "")], opts=opts,
                                     data=body, headers={"Content-MD5": content_md5(body),
                                                         "Content-Type": "application/xml"},
                                     idempotent=True, service="container")
            root = parse(resp.content)
            for item in root.findall("Deleted"):
                results[text_of(item, "Key") or ""] = True
            for item in root.findall("Error"):
                name = text_of(item, "Key") or ""
                if text_of(item, "Code") == "NoSuchKey":
                    results[name] = False
                else:
                    raise ClientError(f"could not delete {name!r}: {text_of(item, 'Message')}",
                                      code=text_of(item, "Code"))
        return [(name, results.get(name, False)) for name in names]

    def content_link(self, target_account: str, target_container: str, target_obj: str,
                     link_account: str, link_container: str, link_obj: str, *,
                     target_version: Optional[Any], properties_directive: str,
                     properties: Optional[Mapping[str, str]], target_size: Optional[int] = None,
                     opts: CallOptions = DEFAULT_OPTS) -> ObjectInfo:
        """CopyObject (S3 has no links: the link is a server-side copy); from
        ``copy_part_threshold`` bytes up, UploadPartCopy parts (CopyObject
        refuses sources over 5 GiB).

        The size chooses without a request of its own: ``target_size`` (the
        sync engine has it from its listing), or the HEAD that REPLACE sends
        anyway (for the source's type); else, with the threshold at
        CopyObject's limit, CopyObject is tried and the server's "too
        large" answer turns the copy to parts.  A small copy thus stays one
        copy and one HEAD of the result.  Only a threshold below the limit
        with no size given costs a HEAD of the source first.
        """
        if target_account != link_account:
            raise InvalidArgument("S3 copies within the credentials' own buckets only")
        replace = dict(properties or {}) if properties_directive == "REPLACE" else None
        source = None
        threshold = self.backend.copy_part_threshold
        if replace is not None or (target_size is None and threshold < COPY_OBJECT_LIMIT):
            source = self.content_show(target_account, target_container, target_obj,
                                       target_version, opts)
            target_size = source.size
        target = (target_container, target_obj, target_version)
        if target_size is not None and target_size >= threshold:
            self._copy_in_parts(target, link_container, link_obj, source, replace, opts)
        else:
            try:
                self._copy(target_container, target_obj, link_container, link_obj,
                           version=target_version, replace=replace,
                           mime_type=source.mime_type if source else None, if_match=None,
                           opts=opts)
            except ClientError as err:
                if target_size is not None or not copy_too_large(err):
                    raise
                self._copy_in_parts(target, link_container, link_obj, None, replace, opts)
        return self.content_show(link_account, link_container, link_obj, None, opts)

    def _copy_in_parts(self, target: Tuple[str, str, Optional[Any]], bucket: str, key: str,
                       source: Optional[ObjectInfo], replace: Optional[Mapping[str, str]],
                       opts: CallOptions) -> None:
        """The copy of a large ``target`` (bucket, key, version) made of parts.
        Parts carry no metadata: the upload starts with the source's type and
        properties (CopyObject's COPY), or with ``replace``; the source's ETag
        makes each part conditional."""
        src_bucket, src_key, version = target
        if source is None:
            source = self.content_show("", src_bucket, src_key, version, opts)
        headers = {"Content-Type": source.mime_type or "application/octet-stream"}
        headers.update(meta_headers(source.properties if replace is None else replace))
        blob = cast("S3BlobClient", self.backend.blob)
        blob.copy_in_parts(copy_source(self.backend, src_bucket, src_key, version), bucket,
                           key, source.size, headers, source.extra.get("etag"), opts)


def copy_source(backend: "S3Backend", bucket: str, key: str, version: Optional[Any]) -> str:
    """The ``x-amz-copy-source`` value of ``key`` (of ``version``, when given)."""
    source = f"/{bucket}/{key_path(key)}"
    query = version_query(version, backend)
    if query:
        source += "?versionId=" + quote(query[0][1], safe="")
    return source


def copy_too_large(err: ClientError) -> bool:
    """Whether ``err`` is S3's refusal of a CopyObject source over 5 GiB."""
    text = f"{err.server_message or ''} {err}".lower()
    return err.code == "InvalidRequest" and "copy source is larger" in text
