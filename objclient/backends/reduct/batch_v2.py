"""Batch protocol v2 requests that say exactly what the caller gave (§8).

The server's v2 decoder keeps state per entry (``reduct_base/src/batch/v2.rs``,
``parse_batched_headers`` / ``parse_record_header_with_defaults``): headers
are taken in (entry index, time) order, and a record's empty content type
and every label it does not mention come from the previous record *of the
same entry*.  ``k=`` removes a label.  So a record can only be stored as
given if its header is written against what the server will have carried
over from the record before it:

* writes: the content type is always sent; labels are sent as a delta to
  the previous record of the entry, with ``k=`` for each label the new
  record drops (the first record of an entry sends all its labels);
* updates: ``PATCH /io/{bucket}/update`` carries the label operations of
  the previous update of the entry over in the same way (``io/update.rs``,
  test ``reuses_labels_for_subsequent_records``).  An update cannot say
  "leave this label alone" once an earlier update of the entry named it,
  so each update sends all its operations, and an update that does not
  name every label an earlier one in the same request named goes into a
  later request instead.

Label names travel as names, never as ``x-reduct-labels`` indexes: the
server reads a name that is not an index the same way with or without
that header, so one encoding works on every v2 server (1.18+).
"""

from __future__ import annotations

from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from ...exceptions import InvalidArgument
from .records import BatchItem, RecordBatch
from .wire import entries_header, v2_record_value

__all__ = ["V2Request", "write_request", "update_requests", "remove_request", "label_delta"]

#: ``(headers, body or None)`` of one request.
V2Request = Tuple[Dict[str, str], Optional[bytes]]

_DEFAULT_TYPE = "application/octet-stream"


def label_delta(previous: Optional[Mapping[str, str]],
                labels: Mapping[str, str]) -> Dict[str, str]:
    """The label delta that turns ``previous`` into ``labels`` (``""`` removes).

    :param previous: the labels the server carries over (None for the first
        record of an entry: then every label is sent).
    """
    if previous is None:
        return dict(labels)
    delta = {k: v for k, v in labels.items() if previous.get(k) != v}
    delta.update({k: "" for k in previous if k not in labels})
    return delta


def _base_headers(items: Sequence[BatchItem]) -> Tuple[Dict[str, str], Dict[str, int], int]:
    entries: Dict[str, int] = {}
    for item in items:
        entries.setdefault(item.entry, len(entries))
    start = min(i.timestamp for i in items)
    headers = {"x-reduct-entries": entries_header(entries), "x-reduct-start-ts": str(start)}
    return headers, entries, start


def _ordered(items: Iterable[BatchItem], index: Mapping[str, int]) -> List[BatchItem]:
    """By entry index, then time: the server's decoding and body order (§8)."""
    return sorted(items, key=lambda i: (index[i.entry], i.timestamp))


def write_request(batch: RecordBatch) -> V2Request:
    """``POST /io/{bucket}/write``: every record stored exactly as added.

    :raises InvalidArgument: a label value is empty (v2 reads ``k=`` as
        "remove k", so such a label cannot be written in a v2 batch).
    """
    headers, index, start = _base_headers(batch.items())
    previous: Dict[str, Dict[str, str]] = {}
    items = _ordered(batch.items(), index)
    for item in items:
        empty = [k for k, v in item.labels.items() if v == ""]
        if empty:
            raise InvalidArgument(f"label {empty[0]!r} of {item.entry}@{item.timestamp} is "
                                  "empty: a v2 batch reads an empty label as 'remove it'")
        delta = label_delta(previous.get(item.entry), item.labels)
        name = f"x-reduct-{index[item.entry]}-{item.timestamp - start}"
        headers[name] = v2_record_value(len(item.data), item.content_type or _DEFAULT_TYPE,
                                        delta)
        previous[item.entry] = dict(item.labels)
    body = b"".join(i.data for i in items)
    headers["Content-Length"] = str(len(body))
    return headers, body


def update_rounds(items: Sequence[BatchItem]) -> List[List[BatchItem]]:
    """Split label updates so that none gains an operation it did not ask for.

    An update fits a request when it names every label the previous update
    of its entry in that request named; it then sends all of its own
    operations, which replace the carried ones exactly.  Updates go to the
    first request they fit, in time order per entry.
    """
    rounds: List[List[BatchItem]] = []
    carried: List[Dict[str, frozenset]] = []
    for item in sorted(items, key=lambda i: (i.entry, i.timestamp)):
        names = frozenset(item.labels)
        number = next((n for n, state in enumerate(carried)
                       if state.get(item.entry, frozenset()) <= names), len(rounds))
        if number == len(rounds):
            rounds.append([])
            carried.append({})
        rounds[number].append(item)
        carried[number][item.entry] = names
    return rounds


def update_requests(batch: RecordBatch) -> List[V2Request]:
    """``PATCH /io/{bucket}/update`` requests (one unless an update must wait)."""
    requests: List[V2Request] = []
    for items in update_rounds(batch.items()):
        headers, index, start = _base_headers(items)
        for item in _ordered(items, index):
            name = f"x-reduct-{index[item.entry]}-{item.timestamp - start}"
            headers[name] = v2_record_value(0, None, item.labels)
        requests.append((headers, None))
    return requests


def remove_request(batch: RecordBatch) -> V2Request:
    """``DELETE /io/{bucket}/remove``: only the entry index and time are read
    (``io/remove.rs``)."""
    headers, index, start = _base_headers(batch.items())
    for item in batch.items():
        headers[f"x-reduct-{index[item.entry]}-{item.timestamp - start}"] = "0"
    return headers, None
