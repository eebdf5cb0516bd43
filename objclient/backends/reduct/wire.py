"""ReductStore wire formats, as pure functions (no HTTP here).

Everything follows ``/work/shared/protocols/reductstore.md`` (the server
source is the authority):

* timestamps are integer microseconds since the UNIX epoch (§1);
* label values travel as raw UTF-8 bytes in header values (§4.1); Python's
  ``http.client`` sends and receives header values as latin-1, so
  :func:`to_header` / :func:`from_header` carry UTF-8 through it unchanged;
* batch protocol v1 (§5): ``x-reduct-time-<TS>: <len>,<ct>[,k=v]*`` with
  values holding a comma double-quoted (reduct-py's quoting mistake, §13.1
  item 2, is not copied);
* batch protocol v2 (§8): ``x-reduct-entries``, ``x-reduct-start-ts``,
  ``x-reduct-<IDX>-<DELTA>: <len>[,<ct>[,<delta>]]``;
* per-record errors ``x-reduct-error-<TS>`` (v1) and
  ``x-reduct-error-<IDX>-<DELTA>`` (v2), both ``<code>,<message>``.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple, Union
from urllib.parse import quote, unquote

from ...exceptions import InvalidArgument

__all__ = ["Timestamp", "to_us", "now_us", "to_header", "from_header", "format_labels",
           "parse_labels", "v1_header_value", "parse_v1_header_value", "v2_record_value",
           "parse_v2_record_value", "encode_v2_name", "decode_v2_name", "parse_v1_errors",
           "parse_v2_errors", "ENTRY_NAME_RE", "BUCKET_NAME_RE"]

#: A timestamp as callers may give it: µs int or float, ``datetime``, ISO str.
Timestamp = Union[int, float, str, _dt.datetime]

BUCKET_NAME_RE = re.compile(r"^[A-Za-z0-9_-]+$")
ENTRY_NAME_RE = re.compile(r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_$-]+)*$")
_TCHAR = "!#$%&'*+-.^_`|~"
_TS_HEADER = re.compile(r"^x-reduct-time-(\d+)$", re.I)
_V1_ERROR = re.compile(r"^x-reduct-error-(\d+)$", re.I)
_V2_ERROR = re.compile(r"^x-reduct-error-(\d+)-(\d+)$", re.I)
_V2_RECORD = re.compile(r"^x-reduct-(\d+)-(\d+)$", re.I)
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)


def now_us() -> int:
    """The current time in microseconds since the epoch."""
    delta = _dt.datetime.now(_dt.timezone.utc) - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def to_us(value: Timestamp) -> int:
    """A timestamp in integer microseconds.

    Numbers are microseconds, ``int`` or ``float``, as the reduct-py
    reference documents them: its own example passes
    ``time.time_ns() / 1000``, a float of microseconds.  (reduct-py 1.21 reads
    a float as seconds; objclient read it so too before, and sent such a
    timestamp 10^6 times too large.)

    :param value: an ``int`` or ``float`` of µs (a float is rounded to the
        nearest µs, halves up), a ``datetime`` (naive means UTC), an ISO-8601
        string, or a string of digits (µs).
    :raises InvalidArgument: anything else, NaN, infinity or a negative time.
    """
    if isinstance(value, bool):
        raise InvalidArgument("a timestamp cannot be a bool")
    if isinstance(value, int):
        result = value
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise InvalidArgument(f"not a timestamp: {value!r}")
        # Halves go up, never to even: with round(), t + 1 could give the
        # same µs as t (1.5 and 2.5 both to 2) and a query's stop = ts + 1
        # would leave out the record written at ts.
        result = math.floor(value + 0.5)
    elif isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        delta = value - _EPOCH
        result = (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds
    elif isinstance(value, str):
        text = value.strip()
        if text.isdigit():  # the CLI's --start/--stop: µs as text
            return int(text)
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            return to_us(_dt.datetime.fromisoformat(text))
        except ValueError:
            raise InvalidArgument(f"not an ISO-8601 timestamp: {value!r}") from None
    else:
        raise InvalidArgument(f"a timestamp is an int or float (µs), datetime or ISO "
                              f"string, not {type(value).__name__}")
    if result < 0:
        raise InvalidArgument(f"timestamps are not negative: {value!r}")
    return result


def to_header(value: str) -> str:
    """A str whose latin-1 encoding is the UTF-8 of ``value`` (what the wire needs)."""
    return value.encode("utf-8").decode("latin-1")


def from_header(value: str) -> str:
    """Undo :func:`to_header` on a received header value (latin-1 -> UTF-8)."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def format_labels(labels: Mapping[str, str]) -> str:
    """``k=v,k2="a,b"`` as the server writes and parses label lists (§5, §8)."""
    parts = []
    for key, value in labels.items():
        if "," in key or "=" in key:
            raise InvalidArgument(f"label name {key!r} holds ',' or '='")
        text = str(value)
        if "," in text:
            if '"' in text:
                raise InvalidArgument(f"label {key!r}: a batched value cannot hold both "
                                      "',' and '\"'")
            text = f'"{text}"'
        parts.append(f"{key}={text}")
    return ",".join(parts)


def parse_labels(text: str) -> Dict[str, str]:
    """Parse ``k=v,k2="a,b",k3=`` (an empty value is kept as ``""``)."""
    labels: Dict[str, str] = {}
    pos = 0
    while pos < len(text):
        eq = text.find("=", pos)
        if eq < 0:
            raise InvalidArgument(f"bad label list {text!r}")
        key = text[pos:eq].strip()
        pos = eq + 1
        if text.startswith('"', pos):
            end = text.find('"', pos + 1)
            if end < 0:
                raise InvalidArgument(f"unterminated quote in label list {text!r}")
            labels[key] = text[pos + 1:end]
            pos = end + 1
            if text.startswith(",", pos):
                pos += 1
        else:
            end = text.find(",", pos)
            if end < 0:
                end = len(text)
            labels[key] = text[pos:end]
            pos = end + 1
    return labels


def v1_header_value(size: int, content_type: Optional[str],
                    labels: Optional[Mapping[str, str]]) -> str:
    """The value of one ``x-reduct-time-<TS>`` header."""
    value = f"{int(size)},{content_type or ''}"
    if labels:
        value += "," + format_labels(labels)
    return to_header(value)


def parse_v1_header_value(value: str) -> Tuple[int, str, Dict[str, str]]:
    """``(size, content_type, labels)`` from an ``x-reduct-time-<TS>`` value."""
    value = from_header(value)
    size_text, _, rest = value.partition(",")
    ctype, _, labels_text = rest.partition(",")
    try:
        size = int(size_text)
    except ValueError:
        raise InvalidArgument(f"bad batched record header {value!r}") from None
    return size, ctype or "application/octet-stream", parse_labels(labels_text)


def v1_record_headers(headers: Mapping[str, str]) -> List[Tuple[int, str]]:
    """``[(ts, value)]`` of the ``x-reduct-time-*`` headers, in ascending TS."""
    out = []
    for name, value in headers.items():
        match = _TS_HEADER.match(name)
        if match:
            out.append((int(match.group(1)), value))
    out.sort()
    return out


def encode_v2_name(name: str) -> str:
    """Percent-encode every byte that is not an RFC 7230 tchar (§8)."""
    return quote(name, safe=_TCHAR.replace("%", ""))


def decode_v2_name(name: str) -> str:
    """Undo :func:`encode_v2_name`."""
    return unquote(name.strip())


def v2_record_value(size: int, content_type: Optional[str],
                    delta: Optional[Mapping[str, str]]) -> str:
    """The value of one ``x-reduct-<IDX>-<DELTA>`` header (always explicit)."""
    value = f"{int(size)},{content_type or ''}"
    if delta:
        value += "," + format_labels(delta)
    return to_header(value)


def parse_v2_record_value(value: str) -> Tuple[int, Optional[str], Optional[Dict[str, str]]]:
    """``(size, content_type or None to inherit, delta or None)``."""
    value = from_header(value)
    parts = value.split(",", 2)
    try:
        size = int(parts[0])
    except ValueError:
        raise InvalidArgument(f"bad batched record header {value!r}") from None
    ctype = parts[1] if len(parts) > 1 and parts[1] else None
    delta = parse_labels(parts[2]) if len(parts) > 2 else None
    return size, ctype, delta


def v2_record_headers(headers: Mapping[str, str]) -> List[Tuple[int, int, str]]:
    """``[(entry_index, time_delta, value)]`` of a v2 response, by entry index
    and then time: the order of the payloads in the body, and the order in
    which each entry's metadata deltas apply (``io/read.rs`` sorts the
    records by ``(entry_index, timestamp)`` before writing them)."""
    out = []
    for name, value in headers.items():
        if name.lower().startswith("x-reduct-error-"):
            continue
        match = _V2_RECORD.match(name)
        if match:
            out.append((int(match.group(1)), int(match.group(2)), value))
    out.sort()
    return out


def _split_error(value: str) -> Tuple[int, str]:
    code, _, message = from_header(value).partition(",")
    try:
        return int(code), message
    except ValueError:
        return 500, from_header(value)


def parse_v1_errors(headers: Mapping[str, str]) -> Dict[int, Tuple[int, str]]:
    """``{ts: (status, message)}`` from ``x-reduct-error-<TS>`` headers."""
    out = {}
    for name, value in headers.items():
        match = _V1_ERROR.match(name)
        if match:
            out[int(match.group(1))] = _split_error(value)
    return out


def parse_v2_errors(headers: Mapping[str, str]) -> Dict[str, Dict[int, Tuple[int, str]]]:
    """``{entry: {ts: (status, message)}}`` from ``x-reduct-error-<IDX>-<DELTA>``.

    :raises InvalidArgument: the response lacks ``x-reduct-entries`` or
        ``x-reduct-start-ts`` while it reports errors.
    """
    found = []
    for name, value in headers.items():
        match = _V2_ERROR.match(name)
        if match:
            found.append((int(match.group(1)), int(match.group(2)), value))
    if not found:
        return {}
    entries = [decode_v2_name(e) for e in headers.get("x-reduct-entries", "").split(",") if e]
    start = headers.get("x-reduct-start-ts")
    if start is None:
        raise InvalidArgument("a batch v2 response has errors but no x-reduct-start-ts")
    out: Dict[str, Dict[int, Tuple[int, str]]] = {}
    for idx, delta, value in found:
        entry = entries[idx] if idx < len(entries) else str(idx)
        out.setdefault(entry, {})[int(start) + delta] = _split_error(value)
    return out


def entries_header(entries: Iterable[str]) -> str:
    """The ``x-reduct-entries`` value for these entry names."""
    return ",".join(encode_v2_name(e) for e in entries)


def json_settings(settings: Any) -> Dict[str, Any]:
    """A settings object or mapping as a JSON dict (attrs or plain dict)."""
    if settings is None:
        return {}
    if isinstance(settings, Mapping):
        return dict(settings)
    to_dict = getattr(settings, "to_dict", None)
    if callable(to_dict):
        return dict(to_dict())
    raise InvalidArgument(f"settings must be a mapping, not {type(settings).__name__}")
