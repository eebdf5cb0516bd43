"""ReductStore facade: buckets as containers, entries as objects.

An object is an entry (name encoded by :mod:`.names`); its current content
is the entry's latest record, whose labels are the object's properties
(plus the hidden :data:`~.names.MD5_LABEL`).  ``version`` is a record
timestamp in µs.
"""

from __future__ import annotations

from typing import Any, cast, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

import attrs

from ...contract import DEFAULT_OPTS, CallOptions, ContainerClient
from ...exceptions import (Conflict, ContainerNotEmpty, InvalidArgument, NoSuchContainer,
                           NoSuchObject, NotSupported)
from ...listing import list_page, name_key
from ...models import ContainerInfo, ObjectInfo, ObjectListing
from .account import _seconds, live
from .names import (MD5_LABEL, check_label_value, decode_entry, decode_label, encode_entry,
                    encode_label)
from .wire import to_us

__all__ = ["ReductContainerClient", "object_info", "SETTINGS_KEYS"]

#: Container system properties that map to bucket settings.
SETTINGS_KEYS = ("quota_type", "quota_size", "max_block_size", "max_block_records")


def object_info(fields: Mapping[str, Any], name: str, account: str,
                container: str) -> ObjectInfo:
    """An :class:`ObjectInfo` from a record's fields (see ``record_from_headers``)."""
    labels = dict(fields["labels"])
    md5 = labels.pop(MD5_LABEL, None)
    ts = int(fields["timestamp"])
    return ObjectInfo(
        name=name, size=int(fields["size"]), hash=md5, hash_method="md5" if md5 else None,
        mime_type=fields.get("content_type") or "application/octet-stream",
        ctime=ts / 1_000_000, mtime=ts / 1_000_000, version=ts,
        properties={decode_label(k): v for k, v in labels.items()},
        id=f"{fields.get('entry')}@{ts}", container=container, account=account,
        extra={"entry": fields.get("entry"), "timestamp": ts, "labels": dict(fields["labels"])})


def version_us(version: Any) -> Optional[int]:
    """A facade ``version`` (µs int, or its str) as a timestamp."""
    if version is None:
        return None
    if isinstance(version, str) and version.isdigit():
        return int(version)
    return to_us(version)


def settings_of(system: Mapping[str, str]) -> Dict[str, Any]:
    """Bucket settings from container system properties.

    :raises InvalidArgument: an unknown key or a bad number.
    """
    out: Dict[str, Any] = {}
    for key, value in system.items():
        if key not in SETTINGS_KEYS:
            raise InvalidArgument(f"unknown ReductStore bucket setting {key!r}; known: "
                                  + ", ".join(SETTINGS_KEYS))
        if key == "quota_type":
            out[key] = str(value).upper()
        else:
            try:
                out[key] = int(value)
            except ValueError:
                raise InvalidArgument(f"bucket setting {key} is an integer") from None
    return out


class ReductContainerClient(ContainerClient):
    """Buckets and entries behind the facade's containers and objects."""

    @property
    def reduct(self) -> Any:
        """The low-level :class:`~objclient.backends.reduct.ReductClient`."""
        return cast(Any, self.backend).client

    def bucket(self, account: str, container: str) -> Any:
        """The :class:`Bucket` for ``container`` (after checking the account)."""
        cast(Any, self.backend.account).check(account)
        return self.reduct.bucket(container)

    def full_info(self, account: str, container: str, opts: CallOptions) -> Dict[str, Any]:
        """``GET /b/{bucket}``; a bucket being deleted counts as gone."""
        doc = self.bucket(account, container).get_full_info(opts)
        if doc["info"].get("status", "READY") == "DELETING":
            raise NoSuchContainer(f"bucket {container!r} is being deleted")
        return doc  # type: ignore[no-any-return]

    # -- containers -----------------------------------------------------------------
    def create(self, account: str, container: str, *, properties: Mapping[str, str],
               system: Mapping[str, str], opts: CallOptions = DEFAULT_OPTS) -> bool:
        if properties:
            raise NotSupported("ReductStore buckets have no user properties",
                               capability="container_properties", backend="reduct")
        settings = settings_of(system)
        bucket = self.bucket(account, container)
        try:
            if settings:
                self.reduct.request("POST", bucket._bpath(), json=settings, opts=opts)
            else:
                self.reduct.request("POST", bucket._bpath(), opts=opts)
        except Conflict as err:
            if "already exists" in (err.server_message or ""):
                return False
            raise
        return True

    def delete(self, account: str, container: str, opts: CallOptions = DEFAULT_OPTS) -> None:
        doc = self.full_info(account, container, opts)
        if live(doc.get("entries", [])):
            raise ContainerNotEmpty(f"bucket {container!r} still has entries")
        self.bucket(account, container).remove(opts)

    def show(self, account: str, container: str,
             opts: CallOptions = DEFAULT_OPTS) -> ContainerInfo:
        doc = self.full_info(account, container, opts)
        info = doc["info"]
        entries = live(doc.get("entries", []))
        system = {k: str(v) for k, v in (doc.get("settings") or {}).items() if v is not None}
        return ContainerInfo(name=container, account=account, objects=len(entries),
                             bytes=int(info.get("size", 0)),
                             ctime=_seconds(info.get("oldest_record")),
                             mtime=_seconds(info.get("latest_record")),
                             properties={}, system=system,
                             extra={"is_provisioned": info.get("is_provisioned"),
                                    "status": info.get("status", "READY")})

    def update(self, account: str, container: str, *, set_properties: Mapping[str, str],
               del_properties: Sequence[str], system: Mapping[str, str], clear: bool,
               opts: CallOptions = DEFAULT_OPTS) -> None:
        if set_properties or del_properties or clear:
            raise NotSupported("ReductStore buckets have no user properties",
                               capability="container_properties", backend="reduct")
        if system:
            self.bucket(account, container).set_settings(settings_of(system), opts)

    # -- objects ------------------------------------------------------------------------
    def head(self, account: str, container: str, obj: str, version: Any,
             opts: CallOptions) -> Dict[str, Any]:
        """The record fields of the object's latest record (or ``version``)."""
        from .bucket import record_from_headers
        bucket = self.bucket(account, container)
        entry = encode_entry(obj)
        ts = version_us(version)
        try:
            resp = self.reduct.request("HEAD", bucket._bpath(bucket._entry(entry)),
                                       params=None if ts is None else {"ts": ts}, opts=opts)
        except Conflict as err:  # 1.18+: the entry is being deleted
            raise NoSuchObject(f"object {obj!r} is being deleted") from err
        except NoSuchObject as err:
            raise NoSuchObject(f"object {obj!r} does not exist in container {container!r}",
                               status=404, server_message=err.server_message) from None
        except NoSuchContainer:
            raise
        return record_from_headers(resp.headers, entry)

    def content_list(self, account: str, container: str, *, prefix: Optional[str],
                     delimiter: Optional[str], marker: Optional[str],
                     end_marker: Optional[str], limit: int, versions: bool,
                     deleted: bool, properties: bool,
                     opts: CallOptions = DEFAULT_OPTS) -> ObjectListing:
        doc = self.full_info(account, container, opts)
        rows = sorted(((decode_entry(e["name"]), e) for e in live(doc.get("entries", []))),
                      key=lambda r: name_key(r[0]))
        if versions or deleted:  # ReductStore has no delete markers: deleted adds nothing
            return self._version_list(account, container, rows, prefix=prefix,
                                      delimiter=delimiter, marker=marker,
                                      end_marker=end_marker, limit=limit,
                                      properties=properties, opts=opts)

        def scan(start: Optional[str], inclusive: bool) -> Iterator[Tuple[str, Any]]:
            for name, row in rows:
                if start is None or name_key(name) > name_key(start) or (
                        inclusive and name == start):
                    yield name, (name, row)

        page = list_page(scan, prefix=prefix or "", delimiter=delimiter, marker=marker,
                         end_marker=end_marker, limit=limit)
        latest = self.latest_records(account, container, [r for _n, r in page.items], opts)
        objects = []
        for name, row in page.items:
            fields = latest.get(row["name"])
            if fields is None:
                try:
                    fields = self.head(account, container, name, None, opts)
                except NoSuchObject:
                    continue  # removed since the bucket was listed
            info = object_info(fields, name, account, container)
            if not properties:
                info = _without_properties(info)
            objects.append(info)
        return ObjectListing(objects=objects, prefixes=page.prefixes,
                             truncated=page.truncated, next_marker=page.next_marker)

    def _version_list(self, account: str, container: str, rows: List[Tuple[str, Any]], *,
                      prefix: Optional[str], delimiter: Optional[str], marker: Optional[str],
                      end_marker: Optional[str], limit: int, properties: bool,
                      opts: CallOptions) -> ObjectListing:
        """Every record of the listed entries, newest first within a name."""
        bucket = self.bucket(account, container)

        def scan(start: Optional[str], inclusive: bool) -> Iterator[Tuple[str, Any]]:
            for name, row in rows:
                if start is None or name_key(name) > name_key(start) or (
                        inclusive and name == start):
                    records = list(bucket.query(row["name"], head=True, opts=opts))
                    for i, rec in enumerate(reversed(records)):
                        yield name, (name, rec, i == 0)

        page = list_page(scan, prefix=prefix or "", delimiter=delimiter, marker=marker,
                         end_marker=end_marker, limit=limit)
        objects = []
        for name, rec, is_latest in page.items:
            info = object_info(_fields(rec), name, account, container)
            info = attrs.evolve(info, is_latest=is_latest,
                                properties=info.properties if properties else {})
            objects.append(info)
        return ObjectListing(objects=objects, prefixes=page.prefixes,
                             truncated=page.truncated, next_marker=page.next_marker)

    def purge(self, account: str, container: str, maxvers: Optional[int],
              opts: CallOptions = DEFAULT_OPTS) -> None:
        """Keep the ``maxvers`` newest records of every entry (``None``: keep all,
        as a bucket has no version limit of its own)."""
        if maxvers is None or maxvers < 0:
            return
        keep = max(1, int(maxvers))
        bucket = self.bucket(account, container)
        for row in live(self.full_info(account, container, opts).get("entries", [])):
            if int(row.get("record_count", 0)) <= keep:
                continue
            stamps = [r.timestamp for r in bucket.query(row["name"], head=True, opts=opts)]
            if len(stamps) > keep:
                bucket.remove_query(row["name"], start=0, stop=stamps[-keep], opts=opts)

    def latest_records(self, account: str, container: str, rows: List[Dict[str, Any]],
                       opts: CallOptions) -> Dict[str, Dict[str, Any]]:
        """The latest record of each listed entry, in few requests.

        On servers 1.18+, when the entries hold few older records, one
        metadata-only multi-entry query from the oldest "latest record" on
        replaces a HEAD per entry.  Entries it misses are left out (the
        caller HEADs them).
        """
        if not rows or not self.reduct.supports(18):
            return {}
        total = sum(int(r.get("record_count", 1)) for r in rows)
        if total > 2 * len(rows) + 85:
            return {}
        start = min(int(r.get("latest_record", 0)) for r in rows)
        stop = max(int(r.get("latest_record", 0)) for r in rows) + 1
        out: Dict[str, Dict[str, Any]] = {}
        bucket = self.bucket(account, container)
        for rec in bucket.query([r["name"] for r in rows], start=start, stop=stop, head=True,
                                opts=opts):
            if rec.entry not in out or out[rec.entry]["timestamp"] < rec.timestamp:
                out[rec.entry] = _fields(rec)
        return out

    def content_show(self, account: str, container: str, obj: str,
                     version: Optional[Any] = None,
                     opts: CallOptions = DEFAULT_OPTS) -> ObjectInfo:
        return object_info(self.head(account, container, obj, version, opts), obj, account,
                           container)

    def content_update(self, account: str, container: str, obj: str, *,
                       version: Optional[Any], set_properties: Mapping[str, str],
                       del_properties: Sequence[str], clear: bool,
                       opts: CallOptions = DEFAULT_OPTS) -> None:
        fields = self.head(account, container, obj, version, opts)
        labels = {encode_label(k): check_label_value(k, v) for k, v in set_properties.items()}
        for key in del_properties:
            labels.setdefault(encode_label(key), "")
        if clear:
            for label in fields["labels"]:
                if label != MD5_LABEL:
                    labels.setdefault(label, "")
        if labels:
            self.bucket(account, container).update_labels(
                fields["entry"], fields["timestamp"], labels, opts)

    def content_delete(self, account: str, container: str, obj: str,
                       version: Optional[Any] = None,
                       opts: CallOptions = DEFAULT_OPTS) -> Tuple[bool, Optional[Any]]:
        bucket = self.bucket(account, container)
        entry = encode_entry(obj)
        ts = version_us(version)
        try:
            if ts is None:
                bucket.remove_entry(entry, opts)
            else:
                bucket.remove_record(entry, ts, opts)
        except NoSuchObject as err:
            raise NoSuchObject(f"object {obj!r} does not exist in container {container!r}",
                               status=404, server_message=err.server_message) from None
        return False, ts


def _without_properties(info: ObjectInfo) -> ObjectInfo:
    return attrs.evolve(info, properties={})


def _fields(rec: Any) -> Dict[str, Any]:
    """Record fields (as ``record_from_headers`` gives them) of a query Record."""
    return {"timestamp": rec.timestamp, "entry": rec.entry, "size": rec.size,
            "content_type": rec.content_type, "labels": rec.labels}

