"""Queries: create one, then read its batches lazily (§5, §6, §8)."""

from __future__ import annotations

import time
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple, Union

from ...contract import CallOptions
from ...exceptions import InvalidArgument, NotSupported
from .records import Record
from .wire import (Timestamp, decode_v2_name, parse_v1_header_value,
                   parse_v2_record_value, to_us, v1_record_headers, v2_record_headers)

__all__ = ["run_query", "run_remove_query", "query_body", "label_conditions",
           "parse_v1_batch", "parse_v2_batch"]


def _entries(entry: Union[str, List[str]]) -> List[str]:
    entries = [entry] if isinstance(entry, str) else list(entry)
    if not entries or not all(isinstance(e, str) and e for e in entries):
        raise InvalidArgument("entry is a non-empty name or a list of names")
    return entries


def _all_labels(labels: Mapping[str, Any]) -> Dict[str, Any]:
    """A condition true when a record has every label of ``labels`` with that
    value.  ``$exists`` comes first: ``$and`` stops at the first false
    operand (``operators/logical/all_of.rs``), so a missing label makes the
    condition false instead of a reference error."""
    terms: List[Dict[str, Any]] = [{"$exists": [str(k) for k in labels]}]
    for key, value in labels.items():
        text = str(value)
        terms.append({f"&{key}": {"$eq": "$" + text if text.startswith("$") else text}})
    return {"$and": terms}


def label_conditions(include: Optional[Mapping[str, Any]],
                     exclude: Optional[Mapping[str, Any]]) -> List[Dict[str, Any]]:
    """reduct-py's ``include``/``exclude`` label filters as ``when`` conditions,
    for servers 1.21+ (which removed the ``include``/``exclude`` query
    fields and ignore them silently).

    The meaning is the 1.x server's (``filters/include.rs``,
    ``filters/exclude.rs``): ``include`` keeps records that have *all* its
    labels; ``exclude`` drops records that have *all* its labels.  The
    ``$not`` takes a list of operands (``parser.rs``: ``$not`` is
    ``NoneOf``; an object after ``$not`` would be read as another operator).
    """
    conds = []
    if include:
        conds.append(_all_labels(include))
    if exclude:
        conds.append({"$not": [_all_labels(exclude)]})
    return conds


def _when_with_labels(when: Optional[Mapping[str, Any]], include: Optional[Mapping[str, Any]],
                      exclude: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    cond = dict(when) if when else {}
    extra = label_conditions(include, exclude)
    if extra:
        if "$and" in cond:
            raise InvalidArgument("include/exclude cannot be combined with a top-level "
                                  "'$and' in when: put the label conditions in it")
        cond["$and"] = extra
    return cond


def query_body(query_type: str, *, version: Any, start: Optional[Timestamp] = None,
               stop: Optional[Timestamp] = None, when: Optional[Mapping[str, Any]] = None,
               include: Optional[Mapping[str, Any]] = None,
               exclude: Optional[Mapping[str, Any]] = None,
               ttl: Optional[int] = None, head: bool = False, limit: Optional[int] = None,
               each_s: Optional[float] = None, each_n: Optional[int] = None,
               strict: Optional[bool] = None, continuous: Optional[bool] = None,
               ext: Optional[Mapping[str, Any]] = None,
               entries: Optional[List[str]] = None) -> Dict[str, Any]:
    """The ``QueryEntry`` JSON body for a server of API ``version`` (§6.1).

    ``None`` values are left out; 0 is kept (reduct-py drops a falsy start,
    §13.1 item 1).
    """
    body: Dict[str, Any] = {"query_type": query_type}
    if start is not None:
        body["start"] = to_us(start)
    if stop is not None:
        body["stop"] = to_us(stop)
    if ttl is not None:
        body["ttl"] = int(ttl)
    if head:
        body["only_metadata"] = True
    if continuous:
        body["continuous"] = True
    if version[1] >= 21:
        cond = _when_with_labels(when, include, exclude)
        if limit is not None:
            cond["$limit"] = int(limit)
        if each_n is not None:
            cond["$each_n"] = int(each_n)
        if each_s is not None:
            cond["$each_t"] = f"{each_s}s"
    else:
        cond = dict(when) if when else {}
        for key, labels in (("include", include), ("exclude", exclude)):
            if labels:
                body[key] = {k: str(v) for k, v in labels.items()}
        if limit is not None:
            body["limit"] = int(limit)
        if each_n is not None:
            body["each_n"] = int(each_n)
        if each_s is not None:
            body["each_s"] = float(each_s)
    if cond:
        body["when"] = cond
    if strict is not None:
        body["strict"] = bool(strict)
    if ext:
        body["ext"] = dict(ext)
    if entries is not None:
        body["entries"] = list(entries)
    return body


def parse_v1_batch(headers: Mapping[str, str], body: bytes, entry: str,
                   head: bool) -> List[Record]:
    """The records of a v1 batched read (§5), in ascending time."""
    out = []
    pos = 0
    last = headers.get("x-reduct-last", "false").lower() == "true"
    rows = v1_record_headers(headers)
    for i, (ts, value) in enumerate(rows):
        size, ctype, labels = parse_v1_header_value(value)
        data = None if head else body[pos:pos + size]
        if not head:
            if len(data or b"") != size:
                raise InvalidArgument("a batched read body is shorter than its headers say")
            pos += size
        out.append(_record(entry, ts, size, ctype, labels, data,
                           last and i == len(rows) - 1))
    return out


def parse_v2_batch(headers: Mapping[str, str], body: bytes, head: bool) -> List[Record]:
    """The records of a v2 read (§8): entries, start time, delta headers.

    The body is cut by entry index, then time, as the server writes it
    (``io/read.rs``); the records are returned in time order (ties by
    entry index).
    """
    entries = [decode_v2_name(e) for e in headers.get("x-reduct-entries", "").split(",") if e]
    start = int(headers.get("x-reduct-start-ts", "0"))
    names = [decode_v2_name(n) for n in headers.get("x-reduct-labels", "").split(",") if n]
    last = headers.get("x-reduct-last", "false").lower() == "true"
    state: Dict[int, Dict[str, Any]] = {}
    out: List[Tuple[int, int, Record]] = []
    pos = 0
    for idx, delta, value in v2_record_headers(headers):
        size, ctype, changes = parse_v2_record_value(value)
        prev = state.setdefault(idx, {"ct": "application/octet-stream", "labels": {}})
        if ctype is not None:
            prev["ct"] = ctype
        labels = dict(prev["labels"])
        for key, val in (changes or {}).items():
            if key.isdigit() and int(key) < len(names):
                key = names[int(key)]
            if val == "":
                labels.pop(key, None)
            else:
                labels[key] = val
        prev["labels"] = labels
        data = None if head else body[pos:pos + size]
        if data is not None:
            if len(data) != size:
                raise InvalidArgument("a batched read body is shorter than its headers say")
            pos += size
        entry = entries[idx] if idx < len(entries) else str(idx)
        out.append((start + delta, idx, _record(entry, start + delta, size, prev["ct"],
                                                labels, data, False)))
    out.sort(key=lambda row: (row[0], row[1]))
    records = [row[2] for row in out]
    if records and last:
        records[-1].last = True
    return records


def _record(entry: str, ts: int, size: int, ctype: str, labels: Dict[str, str],
            data: Optional[bytes], last: bool) -> Record:
    chunks = None
    if data is not None:
        payload = data

        def chunks(n: int) -> Iterator[bytes]:
            for i in range(0, len(payload), max(1, n)):
                yield payload[i:i + n]
    return Record(timestamp=ts, entry=entry, size=size, content_type=ctype, labels=labels,
                  read_chunks=chunks, last=last)


def run_query(bucket: Any, entry: Union[str, List[str]], *, start: Optional[Timestamp],
              stop: Optional[Timestamp], when: Optional[Mapping[str, Any]], ttl: Optional[int],
              include: Optional[Mapping[str, Any]], exclude: Optional[Mapping[str, Any]],
              head: bool, limit: Optional[int], each_s: Optional[float],
              each_n: Optional[int], strict: Optional[bool], continuous: Optional[bool],
              ext: Optional[Mapping[str, Any]], poll_interval: float,
              opts: CallOptions) -> Iterator[Record]:
    """See :meth:`Bucket.query`; a generator (nothing is sent before the first
    ``next``)."""
    entries = _entries(entry)
    client = bucket.client
    version = client.server_version()
    kwargs: Dict[str, Any] = dict(start=start, stop=stop, when=when, ttl=ttl, head=head,
                                  limit=limit, include=include, exclude=exclude,
                                  each_s=each_s, each_n=each_n, strict=strict,
                                  continuous=continuous, ext=ext)
    if version[1] >= 18:
        body = query_body("QUERY", version=version, entries=entries, **kwargs)
        doc = client.request_json("POST", bucket._io("q"), json=body, opts=opts)
        headers = {"x-reduct-query-id": str(doc["id"])}

        def fetch() -> Any:
            return client.request("HEAD" if head else "GET", bucket._io("read"),
                                  headers=headers, opts=opts)

        parse = lambda resp: parse_v2_batch(resp.headers, resp.content, head)  # noqa: E731
    else:
        if len(entries) != 1:
            raise NotSupported("querying several entries needs a ReductStore server 1.18+")
        path = bucket._bpath(bucket._entry(entries[0]), "q")
        if version[1] >= 13:
            body = query_body("QUERY", version=version, **kwargs)
            doc = client.request_json("POST", path, json=body, opts=opts)
        else:
            if when:
                raise NotSupported("'when' needs a ReductStore server 1.13+")
            params = _legacy_params(start, stop, ttl, continuous, limit, each_s, each_n)
            params.update(_legacy_label_params(include, exclude))
            doc = client.request_json("GET", path, params=params, opts=opts)
        qid = str(doc["id"])
        batch_path = bucket._bpath(bucket._entry(entries[0]), "batch")

        def fetch() -> Any:
            return client.request("HEAD" if head else "GET", batch_path,
                                  params={"q": qid}, opts=opts)

        parse = lambda resp: parse_v1_batch(  # noqa: E731
            resp.headers, resp.content, entries[0], head)
    return _iterate(fetch, parse, bool(continuous), poll_interval)


def _iterate(fetch: Any, parse: Any, continuous: bool, poll_interval: float
             ) -> Iterator[Record]:
    while True:
        resp = fetch()
        if resp.status_code == 204:
            if not continuous:
                return
            time.sleep(poll_interval)
            continue
        records = parse(resp)
        yield from records
        if resp.headers.get("x-reduct-last", "false").lower() == "true" and not continuous:
            return


def _legacy_params(start: Any, stop: Any, ttl: Any, continuous: Any, limit: Any,
                   each_s: Any, each_n: Any) -> Dict[str, Any]:
    params: Dict[str, Any] = {}
    for key, value in (("start", start), ("stop", stop)):
        if value is not None:
            params[key] = to_us(value)
    if ttl is not None:
        params["ttl"] = int(ttl)
    if continuous:
        params["continuous"] = "true"
    if limit is not None:
        params["limit"] = int(limit)
    if each_s is not None:
        params["each_s"] = float(each_s)
    if each_n is not None:
        params["each_n"] = int(each_n)
    return params


def _legacy_label_params(include: Optional[Mapping[str, Any]],
                         exclude: Optional[Mapping[str, Any]]) -> Dict[str, str]:
    """``include-<label>=<value>`` / ``exclude-<label>=<value>`` (§6.2, 1.3+)."""
    params = {f"include-{k}": str(v) for k, v in (include or {}).items()}
    params.update({f"exclude-{k}": str(v) for k, v in (exclude or {}).items()})
    return params


def run_remove_query(bucket: Any, entry: Union[str, List[str]], *,
                     start: Optional[Timestamp], stop: Optional[Timestamp],
                     when: Optional[Mapping[str, Any]], strict: Optional[bool],
                     ext: Optional[Mapping[str, Any]], opts: CallOptions) -> int:
    """See :meth:`Bucket.remove_query`."""
    entries = _entries(entry)
    client = bucket.client
    version = client.server_version()
    kwargs: Dict[str, Any] = dict(start=start, stop=stop, when=when, strict=strict, ext=ext)
    if version[1] >= 18:
        body = query_body("REMOVE", version=version, entries=entries, **kwargs)
        doc = client.request_json("POST", bucket._io("q"), json=body, opts=opts)
        return int(doc["removed_records"])
    total = 0
    for name in entries:
        path = bucket._bpath(bucket._entry(name), "q")
        if version[1] >= 13:
            doc = client.request_json("POST", path, json=query_body(
                "REMOVE", version=version, **kwargs), opts=opts)
        else:
            if when:
                raise NotSupported("'when' needs a ReductStore server 1.13+")
            doc = client.request_json("DELETE", path, params=_legacy_params(
                start, stop, None, None, None, None, None), opts=opts)
        total += int(doc["removed_records"])
    return total

