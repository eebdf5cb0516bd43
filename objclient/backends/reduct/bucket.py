"""A ReductStore bucket: settings, entries, records, batches (§3, §4, §5, §8).

:class:`Bucket` is reduct-py's ``Bucket`` (``shared/seeds/001``) made
synchronous: the same names, parameter order and defaults; ``async with``
becomes ``with`` and ``async for`` becomes ``for``.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Tuple, Union
from urllib.parse import quote

from ...contract import DEFAULT_OPTS, CallOptions
from ...exceptions import Conflict, InvalidArgument, NotFound
from ...http import BodyStream
from . import batch_v2
from .errors import RecordExists
from .models import BucketFullInfo, BucketInfo, BucketSettings, EntryInfo, model_from
from .records import Batch, BatchResult, Record, RecordBatch, error_for
from .wire import (Timestamp, from_header, json_settings, now_us, parse_v1_errors,
                   parse_v2_errors, to_header, to_us, v1_header_value)

__all__ = ["Bucket", "record_from_headers"]

_LABEL_PREFIX = "x-reduct-label-"


def record_from_headers(headers: Mapping[str, str], entry: str) -> Dict[str, Any]:
    """``timestamp``, ``size``, ``content_type`` and ``labels`` of a single-record
    response (§4.2)."""
    labels = {name[len(_LABEL_PREFIX):].lower(): from_header(value)
              for name, value in headers.items()
              if name.lower().startswith(_LABEL_PREFIX)}
    return {"timestamp": int(headers["x-reduct-time"]),
            "entry": from_header(headers.get("x-reduct-entry", entry)),
            "size": int(headers.get("content-length", 0)),
            "content_type": headers.get("content-type", "application/octet-stream"),
            "labels": labels}


class _IterReader:
    """An iterator of bytes as a file object of known length (so requests
    sends ``Content-Length``, never chunked: the server needs the length)."""

    def __init__(self, chunks: Iterable[bytes], length: int) -> None:
        self._it = iter(chunks)
        self._pending = b""
        self.len = length
        self.sent = 0

    def read(self, size: int = -1) -> bytes:
        parts = [self._pending]
        have = len(self._pending)
        while size < 0 or have < size:
            try:
                piece = next(self._it)
            except StopIteration:
                break
            if isinstance(piece, str):
                piece = piece.encode("utf-8")
            parts.append(bytes(piece))
            have += len(piece)
        data = b"".join(parts)
        if size >= 0:
            data, self._pending = data[:size], data[size:]
        else:
            self._pending = b""
        self.sent += len(data)
        if self.sent > self.len:
            raise InvalidArgument(f"the data is longer than content_length={self.len}")
        return data


class Bucket:
    """One bucket of a :class:`~objclient.backends.reduct.ReductClient`.

    :param name: the bucket name.
    :param client: the client that sends the requests.
    """

    def __init__(self, name: str, client: Any) -> None:
        self.name = name
        self.client = client

    def __repr__(self) -> str:
        return f"Bucket({self.name!r})"

    # -- paths -----------------------------------------------------------------
    def _bpath(self, *parts: str) -> str:
        return self.client.path("b", quote(self.name, safe=""), *parts)

    @staticmethod
    def _entry(entry: str) -> str:
        if not isinstance(entry, str) or not entry:
            raise InvalidArgument("an entry name must be a non-empty str")
        return quote(entry, safe="/$")

    def _io(self, action: str) -> str:
        return self.client.path("io", quote(self.name, safe=""), action)

    # -- bucket (§3) -------------------------------------------------------------
    def get_full_info(self, opts: CallOptions = DEFAULT_OPTS) -> BucketFullInfo:
        """Get full information about bucket (settings, statistics, entries):
        ``GET /b/{bucket}``.

        :raises ReductError: if there is an HTTP error.
        """
        return model_from(BucketFullInfo,
                          self.client.request_json("GET", self._bpath(), opts=opts))

    def info(self, opts: CallOptions = DEFAULT_OPTS) -> BucketInfo:
        """Get statistics about bucket (name, entry_count, size, oldest/latest
        record in µs, status).

        :raises ReductError: if there is an HTTP error.
        """
        return self.get_full_info(opts).info

    def get_settings(self, opts: CallOptions = DEFAULT_OPTS) -> BucketSettings:
        """Get current bucket settings (defaults filled by the server).

        :raises ReductError: if there is an HTTP error.
        """
        return self.get_full_info(opts).settings

    def set_settings(self, settings: Union[BucketSettings, Mapping[str, Any]],
                     opts: CallOptions = DEFAULT_OPTS) -> None:
        """Update bucket settings (``PUT /b/{bucket}``); fields left None keep
        their current value.

        :raises ReductError: if there is an HTTP error.
        """
        self.client.request("PUT", self._bpath(), json=json_settings(settings), opts=opts)

    def get_entry_list(self, opts: CallOptions = DEFAULT_OPTS) -> List[EntryInfo]:
        """Get list of entries with their stats (name, size, record_count,
        oldest/latest record ...).

        :raises ReductError: if there is an HTTP error.
        """
        return list(self.get_full_info(opts).entries)

    def exists(self, opts: CallOptions = DEFAULT_OPTS) -> bool:
        """``HEAD /b/{bucket}``: whether it exists."""
        try:
            self.client.request("HEAD", self._bpath(), opts=opts)
        except NotFound:
            return False
        return True

    def remove(self, opts: CallOptions = DEFAULT_OPTS) -> None:
        """Remove bucket (``DELETE /b/{bucket}``; in the background on 1.18+).

        :raises ReductError: if there is an HTTP error.
        """
        self.client.request("DELETE", self._bpath(), opts=opts)

    def rename(self, new_name: str, opts: CallOptions = DEFAULT_OPTS) -> None:
        """``PUT /b/{bucket}/rename`` (1.12); this handle follows the new name."""
        self.client.request("PUT", self._bpath("rename"), json={"new_name": new_name},
                            opts=opts)
        self.name = new_name

    # -- entries (§4.4, §4.5) --------------------------------------------------------------
    def remove_entry(self, entry_name: str, opts: CallOptions = DEFAULT_OPTS) -> None:
        """Remove entry from bucket (``DELETE /b/{bucket}/{entry}``, every record).

        :raises ReductError: if there is an HTTP error.
        """
        self.client.request("DELETE", self._bpath(self._entry(entry_name)), opts=opts)

    def rename_entry(self, old: str, new: str, opts: CallOptions = DEFAULT_OPTS) -> None:
        """``PUT /b/{bucket}/{entry}/rename`` (1.12)."""
        self.client.request("PUT", self._bpath(self._entry(old), "rename"),
                            json={"new_name": new}, opts=opts)

    # -- single records (§4) ------------------------------------------------------------------
    def write(self, entry_name: str, data: Union[bytes, str, Iterable[bytes], Any],
              timestamp: Optional[Timestamp] = None, content_length: Optional[int] = None,
              *, labels: Optional[Mapping[str, Any]] = None,
              content_type: Optional[str] = None,
              opts: CallOptions = DEFAULT_OPTS) -> None:
        """Write a record to entry (``POST /b/{bucket}/{entry}?ts=``, §4.1).

        Example: ``bucket.write("entry-1", b"some_data", timestamp=19231023101)``;
        chunk-wise, ``bucket.write("entry-1", iter([b"part1", b"part2",
        b"part3"]), content_length=15)``.

        A write resent after a dropped connection may find the record its
        first attempt stored (409): when the stored record has this write's
        size, content type, labels and bytes, the write succeeded.

        :param entry_name: name of entry in the bucket.
        :param data: bytes, str (UTF-8), a file object, or an iterator of
            bytes (then ``content_length`` is required).
        :param timestamp: UNIX time in microseconds (int or float), a
            datetime or an ISO string; now when None (0 is a valid
            timestamp, not "now").
        :param content_length: content size in bytes, needed only when the
            data is an iterator.
        :param labels: sent as ``x-reduct-label-<name>`` (UTF-8 values).
        :param content_type: content type of data.
        :raises RecordExists: another record has this timestamp (the write
            is never moved to another timestamp).
        :raises ReductError: if there is an HTTP error.
        """
        entry = entry_name
        ts = now_us() if timestamp is None else to_us(timestamp)
        headers = self.label_headers(labels)
        ctype = content_type or "application/octet-stream"
        headers["Content-Type"] = ctype
        body, length = _request_body(data, content_length)
        headers["Content-Length"] = str(length)
        start = body.tell() if hasattr(body, "seek") else 0
        retried: List[int] = []
        try:
            self.client.request("POST", self._bpath(self._entry(entry)), params={"ts": ts},
                                headers=headers, data=body,
                                idempotent=isinstance(body, bytes) or hasattr(body, "seek"),
                                on_retry=retried.append, opts=opts, write=True)
        except Conflict as err:
            if "already exists" not in (err.server_message or ""):
                raise
            stored = {"size": length, "content_type": ctype,
                      "labels": {k.lower(): str(v) for k, v in (labels or {}).items()}}
            if not (retried and self._holds(entry, ts, stored, body, start, opts)):
                raise RecordExists(f"entry {entry!r} of bucket {self.name!r} already has "
                                   f"another record at {ts} µs; nothing was written",
                                   status=409, method="POST", url=err.url,
                                   server_message=err.server_message,
                                   attempts=err.attempts) from None

    def _holds(self, entry: str, ts: int, expected: Mapping[str, Any], body: Any,
               start: int, opts: CallOptions) -> bool:
        """Whether the record at ``ts`` is the one ``body`` describes."""
        try:
            with self.read(entry, ts, opts=opts) as record:
                if {"size": record.size, "content_type": record.content_type,
                        "labels": record.labels} != dict(expected):
                    return False
                return _same_bytes(record.read(1024 * 1024), body, start, record.size)
        except NotFound:
            return False

    @staticmethod
    def label_headers(labels: Optional[Mapping[str, Any]]) -> Dict[str, str]:
        """``x-reduct-label-<name>`` headers (values UTF-8 on the wire)."""
        out = {}
        for key, value in (labels or {}).items():
            if not key or any(c in key for c in " \t\r\n:()<>@,;\\\"/[]?={}"):
                raise InvalidArgument(f"label name {key!r} is not a valid header name")
            out[_LABEL_PREFIX + key] = to_header(str(value))
        return out

    def read(self, entry_name: str, timestamp: Optional[Timestamp] = None,
             head: bool = False, opts: CallOptions = DEFAULT_OPTS) -> Record:
        """Read a record from entry: ``GET`` (or ``HEAD``)
        ``/b/{bucket}/{entry}[?ts=]`` (§4.2).

        Use as a context manager::

            with bucket.read("entry", timestamp=123456789) as record:
                data = record.read_all()

        :param entry_name: name of entry in the bucket.
        :param timestamp: UNIX timestamp in microseconds (or a datetime or
            ISO string); the latest record when None (0 is a timestamp).
        :param head: if True, get only the header of a record with metadata.
        :raises NoSuchObject: no such entry or record (a :class:`ReductError`).
        :raises NoSuchContainer: no such bucket (a :class:`ReductError`).
        """
        entry = entry_name
        params = None if timestamp is None else {"ts": to_us(timestamp)}
        method = "HEAD" if head else "GET"
        resp = self.client.request(method, self._bpath(self._entry(entry)), params=params,
                                   stream=not head, opts=opts)
        fields = record_from_headers(resp.headers, entry)
        if head:
            resp.close()
            return Record(read_chunks=None, **fields)
        stream = BodyStream(resp, expected_size=fields["size"], deadline=opts.deadline)
        return Record(read_chunks=lambda n: _stream_chunks(stream, n), close=stream.close,
                      **fields)

    def update_labels(self, entry: str, timestamp: Timestamp, labels: Mapping[str, str],
                      opts: CallOptions = DEFAULT_OPTS) -> None:
        """``PATCH /b/{bucket}/{entry}?ts=`` (1.11): set labels; ``""`` removes one."""
        self.client.request("PATCH", self._bpath(self._entry(entry)),
                            params={"ts": to_us(timestamp)},
                            headers=self.label_headers(labels), opts=opts)

    #: reduct-py's name.
    update = update_labels

    def remove_record(self, entry: str, timestamp: Timestamp,
                      opts: CallOptions = DEFAULT_OPTS) -> None:
        """``DELETE /b/{bucket}/{entry}?ts=`` (1.12): one record."""
        self.client.request("DELETE", self._bpath(self._entry(entry)),
                            params={"ts": to_us(timestamp)}, opts=opts)

    # -- batches v1 (§5) -----------------------------------------------------------------
    def _v1(self, method: str, entry: str, batch: Batch, with_body: bool,
            opts: CallOptions) -> BatchResult:
        if not len(batch):
            return BatchResult()
        headers: Dict[str, str] = {}
        parts = []
        for ts, item in batch.items():
            if method == "DELETE":
                headers[f"x-reduct-time-{ts}"] = "0,"
            else:
                headers[f"x-reduct-time-{ts}"] = v1_header_value(
                    len(item.data), item.content_type, item.labels)
            parts.append(item.data)
        body = b"".join(parts) if with_body else None
        if with_body:
            headers["Content-Length"] = str(len(body or b""))
        resp = self.client.request(method, self._bpath(self._entry(entry), "batch"),
                                   headers=headers, data=body, opts=opts, write=with_body)
        errors = {ts: error_for(code, msg) for ts, (code, msg)
                  in parse_v1_errors(resp.headers).items()}
        return BatchResult({entry: errors} if errors else {})

    def write_batch(self, entry: Any, batch: Optional[Batch] = None,
                    opts: CallOptions = DEFAULT_OPTS) -> BatchResult:
        """Write many records at once.

        ``write_batch(entry, Batch)`` uses ``POST /b/{bucket}/{entry}/batch``
        (v1, 1.7); ``write_batch(RecordBatch)`` uses the multi-entry
        ``POST /io/{bucket}/write`` (v2) on servers 1.18+, and one v1 batch
        per entry on older ones.
        """
        if isinstance(entry, RecordBatch):
            return self.write_record_batch(entry, opts=opts)
        return self._v1("POST", entry, _need_batch(batch), True, opts)

    def update_batch(self, entry: Any, batch: Optional[Batch] = None,
                     opts: CallOptions = DEFAULT_OPTS) -> BatchResult:
        """Update labels of many records (``PATCH .../batch``, 1.12; ``""`` removes)."""
        if isinstance(entry, RecordBatch):
            return self.update_record_batch(entry, opts=opts)
        return self._v1("PATCH", entry, _need_batch(batch), False, opts)

    def remove_batch(self, entry: Any, batch: Optional[Batch] = None,
                     opts: CallOptions = DEFAULT_OPTS) -> BatchResult:
        """Remove many records (``DELETE .../batch``, 1.12)."""
        if isinstance(entry, RecordBatch):
            return self.remove_record_batch(entry, opts=opts)
        return self._v1("DELETE", entry, _need_batch(batch), False, opts)

    # -- batches v2 (§8) -------------------------------------------------------------------
    def _v2(self, method: str, action: str, batch: RecordBatch, opts: CallOptions
            ) -> BatchResult:
        if not len(batch):
            return BatchResult()
        if not self.client.supports(18):
            return self._v2_as_v1(action, batch, opts)
        if action == "write":
            requests = [batch_v2.write_request(batch)]
        elif action == "update":
            requests = batch_v2.update_requests(batch)
        else:
            requests = [batch_v2.remove_request(batch)]
        errors: Dict[str, Dict[int, Any]] = {}
        for headers, body in requests:
            resp = self.client.request(method, self._io(action), headers=headers, data=body,
                                       opts=opts, write=action == "write")
            for entry, found in parse_v2_errors(resp.headers).items():
                errors.setdefault(entry, {}).update(
                    {ts: error_for(code, msg) for ts, (code, msg) in found.items()})
        return BatchResult(errors)

    def _v2_as_v1(self, action: str, batch: RecordBatch, opts: CallOptions) -> BatchResult:
        """One v1 batch per entry, for servers older than 1.18."""
        result: Dict[str, Dict[int, Any]] = {}
        v1_method = {"write": "POST", "update": "PATCH", "remove": "DELETE"}[action]
        for entry in batch.entries():
            single = Batch()
            for item in batch.items():
                if item.entry == entry:
                    single.add(item.timestamp, item.data, item.content_type, item.labels)
            part = self._v1(v1_method, entry, single, action == "write", opts)
            result.update(part.errors)
        return BatchResult(result)

    def write_record_batch(self, batch: RecordBatch,
                           opts: CallOptions = DEFAULT_OPTS) -> BatchResult:
        """``POST /io/{bucket}/write`` (1.18): records of many entries."""
        return self._v2("POST", "write", batch, opts)

    def update_record_batch(self, batch: RecordBatch,
                            opts: CallOptions = DEFAULT_OPTS) -> BatchResult:
        """``PATCH /io/{bucket}/update`` (1.18): label deltas of many entries."""
        return self._v2("PATCH", "update", batch, opts)

    def remove_record_batch(self, batch: RecordBatch,
                            opts: CallOptions = DEFAULT_OPTS) -> BatchResult:
        """``DELETE /io/{bucket}/remove`` (1.18): records of many entries."""
        return self._v2("DELETE", "remove", batch, opts)

    # -- queries (§6, §8) -------------------------------------------------------------------
    def query(self, entry_name: Union[str, List[str]], start: Optional[Timestamp] = None,
              stop: Optional[Timestamp] = None, ttl: Optional[int] = None,
              when: Optional[Mapping[str, Any]] = None, *,
              include: Optional[Mapping[str, Any]] = None,
              exclude: Optional[Mapping[str, Any]] = None,
              head: bool = False, limit: Optional[int] = None,
              each_s: Optional[float] = None, each_n: Optional[int] = None,
              strict: Optional[bool] = None, continuous: Optional[bool] = None,
              ext: Optional[Mapping[str, Any]] = None, poll_interval: float = 1.0,
              opts: CallOptions = DEFAULT_OPTS) -> Iterator[Record]:
        """Query data for a time interval: records in ``[start, stop)``, fetched
        batch by batch as iteration goes.

        Example::

            for record in bucket.query("entry-1", stop=time.time_ns() / 1000):
                data: bytes = record.read_all()

        Servers 1.18+ get ``POST /io/{bucket}/q`` and ``GET /io/{bucket}/read``;
        1.13–1.17 ``POST /b/{bucket}/{entry}/q`` and ``GET .../batch?q=``;
        older ones the legacy ``GET .../q``.  ``limit``, ``each_n`` and
        ``each_s`` are body fields up to 1.20 and become ``$limit``,
        ``$each_n`` and ``$each_t`` in ``when`` on 1.21 (they were removed);
        ``include``/``exclude`` likewise (see :func:`.query.label_conditions`).

        :param entry_name: name of entry in the bucket (or a list, 1.18+).
        :param start: the beginning of the time interval (µs int or float,
            datetime or ISO string); the first record when None.
        :param stop: the end of the time interval (excluded); the latest
            record when None.
        :param ttl: Time To Live of the request in seconds.
        :param when: a conditional query (1.13+).
        :param include: query records which have all labels from this dict.
        :param exclude: query records which don't have all labels from this dict.
        :param head: if True, get only the header of a record with metadata.
        :param limit: limit the number of records.
        :returns: an iterator of :class:`Record`.
        :raises ReductError: if there is an HTTP error.
        """
        from .query import run_query
        if isinstance(ttl, Mapping):
            raise InvalidArgument("ttl (seconds) is query()'s fourth argument, as in "
                                  "reduct-py; pass the condition as when=")
        return run_query(self, entry_name, start=start, stop=stop, when=when, ttl=ttl,
                         include=include, exclude=exclude, head=head, limit=limit,
                         each_s=each_s, each_n=each_n, strict=strict, continuous=continuous,
                         ext=ext, poll_interval=poll_interval, opts=opts)

    def subscribe(self, entry_name: Union[str, List[str]],
                  start: Optional[Timestamp] = None, poll_interval: float = 1.0,
                  when: Optional[Mapping[str, Any]] = None, *,
                  include: Optional[Mapping[str, Any]] = None,
                  exclude: Optional[Mapping[str, Any]] = None,
                  head: bool = False, strict: Optional[bool] = None,
                  stop_when: Optional[Any] = None, max_records: Optional[int] = None,
                  opts: CallOptions = DEFAULT_OPTS) -> Iterator[Record]:
        """Query records from the start timestamp and wait for new records: a
        blocking iterator (a continuous query).

        Uses ``ttl = 2 * poll_interval + 1`` and sleeps ``poll_interval`` on
        each 204, as reduct-py does.  It ends when ``stop_when(record)``
        returns True (that record is yielded first) or after ``max_records``;
        otherwise it runs until the caller stops iterating.

        :param entry_name: name of entry in the bucket (or a list, 1.18+).
        :param start: the beginning timestamp to read records.
        :param poll_interval: interval to ask new records in seconds.
        :param include: query records which have all labels from this dict.
        :param exclude: query records which don't have all labels from this dict.
        :param head: if True, get only the header of a record with metadata.
        :raises ReductError: if there is an HTTP error.
        """
        count = 0
        for record in self.query(entry_name, start=start, when=when, include=include,
                                 exclude=exclude, head=head, strict=strict,
                                 continuous=True, ttl=int(2 * poll_interval + 1),
                                 poll_interval=poll_interval, opts=opts):
            yield record
            count += 1
            if (stop_when is not None and stop_when(record)) or (
                    max_records is not None and count >= max_records):
                return

    #: The seed's own example spells it ``bucket.subscribes("entry-1")`` (a
    #: typo of :meth:`subscribe` in reduct-py's reference): the same call, so
    #: that example runs as written.
    subscribes = subscribe

    def remove_query(self, entry: Union[str, List[str]], start: Optional[Timestamp] = None,
                     stop: Optional[Timestamp] = None,
                     when: Optional[Mapping[str, Any]] = None, *,
                     strict: Optional[bool] = None, ext: Optional[Mapping[str, Any]] = None,
                     opts: CallOptions = DEFAULT_OPTS) -> int:
        """Remove the matching records (``REMOVE`` query, 1.12+).

        :returns: the number of records removed.
        """
        from .query import run_remove_query
        return run_remove_query(self, entry, start=start, stop=stop, when=when, strict=strict,
                                ext=ext, opts=opts)

    # -- query links and attachments (§11) ----------------------------------------------
    def create_query_link(self, entry: str, start: Optional[Timestamp] = None,
                          stop: Optional[Timestamp] = None,
                          when: Optional[Mapping[str, Any]] = None, *,
                          record_entry: Optional[str] = None,
                          record_timestamp: Optional[Timestamp] = None,
                          expire_at: Optional[Timestamp] = None,
                          file_name: Optional[str] = None, base_url: Optional[str] = None,
                          opts: CallOptions = DEFAULT_OPTS) -> str:
        """``POST /links/{file_name}`` (1.17): a URL that downloads one record of
        a query without a token.

        :param record_entry: the entry of the record (default ``entry``).
        :param record_timestamp: the record's time (required by 1.19.2+).
        :param expire_at: when the link stops working (default: in 24 h).
        :returns: the link.
        """
        import time as _time
        from .query import query_body
        version = self.client.server_version()
        query = query_body("QUERY", version=version, start=start, stop=stop, when=when,
                           entries=[entry] if version[1] >= 18 else None)
        expires = (int(_time.time()) + 86400 if expire_at is None
                   else to_us(expire_at) // 1_000_000)
        body = {"bucket": self.name, "entry": entry, "record_entry": record_entry or entry,
                "record_timestamp": None if record_timestamp is None
                else to_us(record_timestamp),
                "query": query, "expire_at": expires, "base_url": base_url}
        name = file_name or f"{self.name}_{entry.replace('/', '_')}.bin"
        doc = self.client.request_json("POST", self.client.path("links", quote(name, safe="")),
                                       json=body, opts=opts)
        return str(doc["link"])

    def write_attachments(self, entry: str, attachments: Mapping[str, Any],
                          opts: CallOptions = DEFAULT_OPTS) -> None:
        """Store JSON documents as records of ``<entry>/$meta`` with the label
        ``key=<name>`` (1.19)."""
        import json as _json
        base = now_us()
        for i, (key, doc) in enumerate(attachments.items()):
            self.write(f"{entry}/$meta", _json.dumps(doc).encode("utf-8"), base + i,
                       content_type="application/json", labels={"key": key}, opts=opts)

    def read_attachments(self, entry: str,
                         opts: CallOptions = DEFAULT_OPTS) -> Dict[str, Any]:
        """``{key: JSON document}`` of ``<entry>/$meta`` (the newest per key;
        records marked ``remove=true`` are left out)."""
        import json as _json
        out: Dict[str, Any] = {}
        try:
            for rec in self.query(f"{entry}/$meta", opts=opts):
                key = rec.labels.get("key")
                if key is None:
                    continue
                if rec.labels.get("remove") == "true":
                    out.pop(key, None)
                else:
                    out[key] = _json.loads(rec.read_all() or b"null")
        except NotFound:
            return {}
        return out

    def remove_attachments(self, entry: str, keys: Optional[Iterable[str]] = None,
                           opts: CallOptions = DEFAULT_OPTS) -> None:
        """Mark attachments removed by setting the label ``remove=true`` (all
        when ``keys`` is None)."""
        wanted = None if keys is None else set(keys)
        meta = f"{entry}/$meta"
        for rec in list(self.query(meta, head=True, opts=opts)):
            key = rec.labels.get("key")
            if key is not None and (wanted is None or key in wanted):
                self.update_labels(meta, rec.timestamp, {"remove": "true"}, opts=opts)


def _need_batch(batch: Optional[Batch]) -> Batch:
    if not isinstance(batch, Batch):
        raise InvalidArgument("pass (entry, Batch) or a RecordBatch")
    return batch


def _stream_chunks(stream: BodyStream, size: int) -> Iterator[bytes]:
    """Chunks of at most ``size`` bytes; the stream checks the announced length."""
    while True:
        chunk = stream.read(max(1, size))
        if not chunk:
            return
        yield chunk


def _request_body(data: Any, content_length: Optional[int]) -> Tuple[Any, int]:
    """``(body to send, its length)``: ReductStore needs the length up front."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if isinstance(data, (bytes, bytearray, memoryview)):
        if content_length is not None and content_length != len(data):
            raise InvalidArgument("content_length does not match the data")
        return bytes(data), len(data)
    if hasattr(data, "read"):
        if content_length is None:
            content_length = getattr(data, "len", None)
        if content_length is None:
            raise InvalidArgument("content_length is needed for a file object")
        return (data if content_length else b""), int(content_length)
    if content_length is None:
        raise InvalidArgument("content_length is needed when data is an iterator "
                              "(ReductStore requires Content-Length)")
    length = int(content_length)
    return (_IterReader(data, length) if length else b""), length


def _same_bytes(stored: Iterable[bytes], body: Any, start: int, size: int) -> bool:
    """Whether the ``stored`` chunks are the first ``size`` bytes of ``body``
    (bytes, or a file object rewound to ``start``)."""
    if not isinstance(body, bytes):
        body.seek(start)
    pos = 0
    for chunk in stored:
        if isinstance(body, bytes):
            mine = body[pos:pos + len(chunk)]
        else:
            mine = body.read(len(chunk))
        if mine != chunk:
            return False
        pos += len(chunk)
    return pos == size
