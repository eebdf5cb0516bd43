"""How the command line prints results: table, json, csv, value or yaml.

An action returns one record (a mapping: printed as fields) or an iterable
of records (a listing).  Listings are printed as they are read, in constant
memory (json as a streamed array, tables a batch at a time), unless
``--sort-column`` asks for them all first.
"""

from __future__ import annotations

import csv
import json
import sys
from itertools import chain
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, TextIO

from ..exceptions import InvalidArgument
from .columns import machine_cell, resolve, table_cell, title
from .options import FORMATS, OutputOptions
from .table import write_table

__all__ = ["render", "FORMATS", "OutputOptions", "check_format"]

QUOTING: Dict[str, Any] = {"all": csv.QUOTE_ALL, "minimal": csv.QUOTE_MINIMAL,
                           "none": csv.QUOTE_NONE, "nonnumeric": csv.QUOTE_NONNUMERIC}


def check_format(fmt: str) -> None:
    """Fail before the action runs when ``fmt`` cannot be printed here.

    :raises InvalidArgument: ``yaml`` without PyYAML installed.
    """
    if fmt == "yaml":
        _yaml()


def _yaml() -> Any:
    try:
        import yaml
    except ImportError:
        raise InvalidArgument("-f yaml needs PyYAML: pip install 'objclient[yaml]'") from None
    return yaml


def _plain(value: Any) -> Any:
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _record(row: Any) -> Dict[str, Any]:
    row = _plain(row)
    return row if isinstance(row, dict) else {"name": row}


def render(result: Any, opts: OutputOptions, columns: Optional[Sequence[str]] = None,
           out: Optional[TextIO] = None) -> None:
    """Print ``result``: one record (a mapping or a model) or an iterable of
    records, as ``opts`` says.

    :param columns: the keys tables, csv and value show when ``-c`` names
        none (default: every key of the first record).
    :raises InvalidArgument: ``-c`` or ``--sort-column`` names no column.
    """
    out = out or sys.stdout
    if isinstance(result, dict) or callable(getattr(result, "to_dict", None)):
        _render_record(_plain(result), opts, out)
    else:
        _render_listing((_record(r) for r in result), opts, columns, out)


def _sort_key(value: Any) -> Any:
    if value is None:
        return (2, 0, "")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, value, "")
    return (1, 0, str(value))


def _sorted(rows: Iterator[Dict[str, Any]], opts: OutputOptions,
            columns: Sequence[str]) -> Iterator[Dict[str, Any]]:
    every = list(rows)
    known = list(columns) + (list(every[0]) if every else [])
    keys = resolve(opts.sort_columns, known, "--sort-column")
    every.sort(key=lambda r: tuple(_sort_key(r.get(k)) for k in keys),
               reverse=opts.descending)
    return iter(every)


def _render_listing(rows: Iterator[Dict[str, Any]], opts: OutputOptions,
                    columns: Optional[Sequence[str]], out: TextIO) -> None:
    declared = list(columns or ())
    if opts.sort_columns:
        rows = _sorted(rows, opts, declared)
    first = next(rows, None)
    known = declared + (list(first) if first is not None else [])
    keys: Optional[List[str]]
    if opts.columns:
        keys = resolve(opts.columns, known, "-c/--column")
    elif opts.format in ("json", "yaml"):
        keys = None
    else:
        keys = declared or (list(first) if first is not None else ["name"])
    every = chain([first], rows) if first is not None else iter(())
    _LISTING_WRITERS[opts.format](every, keys, opts, out)


def _select(row: Dict[str, Any], keys: Optional[Sequence[str]]) -> Dict[str, Any]:
    return row if keys is None else {k: row.get(k) for k in keys}


def _json_listing(rows: Iterator[Dict[str, Any]], keys: Optional[Sequence[str]],
                  opts: OutputOptions, out: TextIO) -> None:
    indent = None if opts.noindent else 2
    sep, end = (", ", "]\n") if opts.noindent else (",\n", "\n]\n")
    started = False
    for row in rows:
        text = json.dumps(_select(row, keys), indent=indent, ensure_ascii=False, default=str)
        if indent:
            text = "  " + text.replace("\n", "\n  ")
        out.write((sep if started else ("[" if opts.noindent else "[\n")) + text)
        started = True
    out.write(end if started else "[]\n")


def _yaml_listing(rows: Iterator[Dict[str, Any]], keys: Optional[Sequence[str]],
                  opts: OutputOptions, out: TextIO) -> None:
    yaml = _yaml()
    started = False
    for row in rows:
        out.write(yaml.safe_dump([_select(row, keys)], default_flow_style=False,
                                 sort_keys=False, allow_unicode=True))
        started = True
    if not started:
        out.write("[]\n")


def _csv_writer(opts: OutputOptions, out: TextIO) -> Any:
    return csv.writer(out, lineterminator="\n", quoting=QUOTING[opts.quote],
                      escapechar="\\" if opts.quote == "none" else None)


def _csv_listing(rows: Iterator[Dict[str, Any]], keys: Optional[Sequence[str]],
                 opts: OutputOptions, out: TextIO) -> None:
    assert keys is not None
    writer = _csv_writer(opts, out)
    writer.writerow(keys)
    for row in rows:
        writer.writerow([_csv_cell(row.get(k), opts) for k in keys])


def _csv_cell(value: Any, opts: OutputOptions) -> Any:
    if opts.quote == "nonnumeric" and isinstance(value, (int, float)) \
            and not isinstance(value, bool):
        return value
    return machine_cell(value)


def _value_listing(rows: Iterator[Dict[str, Any]], keys: Optional[Sequence[str]],
                   opts: OutputOptions, out: TextIO) -> None:
    assert keys is not None
    for row in rows:
        out.write(" ".join(machine_cell(row.get(k)) for k in keys) + "\n")


def _table_listing(rows: Iterator[Dict[str, Any]], keys: Optional[Sequence[str]],
                   opts: OutputOptions, out: TextIO) -> None:
    assert keys is not None
    cells = ([table_cell(k, row.get(k), opts.human) for k in keys] for row in rows)
    write_table([title(k) for k in keys], cells, out, opts.max_width)


_Writer = Callable[[Iterator[Dict[str, Any]], Optional[Sequence[str]], OutputOptions, TextIO],
                   None]
_LISTING_WRITERS: Dict[str, _Writer] = {
    "json": _json_listing, "yaml": _yaml_listing, "csv": _csv_listing,
    "value": _value_listing, "table": _table_listing}


def _render_record(record: Dict[str, Any], opts: OutputOptions, out: TextIO) -> None:
    keys = resolve(opts.columns, record, "-c/--column") if opts.columns else list(record)
    record = {k: record.get(k) for k in keys}
    if opts.format == "json":
        json.dump(record, out, indent=None if opts.noindent else 2, ensure_ascii=False,
                  default=str)
        out.write("\n")
    elif opts.format == "yaml":
        out.write(_yaml().safe_dump(record, default_flow_style=False, sort_keys=False,
                                    allow_unicode=True))
    elif opts.format == "value":
        out.write("".join(machine_cell(v) + "\n" for v in record.values()))
    elif opts.format == "csv":
        writer = _csv_writer(opts, out)
        writer.writerow(keys)
        writer.writerow([_csv_cell(v, opts) for v in record.values()])
    else:
        write_table(["Field", "Value"], _field_rows(record, opts), out, opts.max_width)


def _field_rows(record: Dict[str, Any], opts: OutputOptions) -> Iterable[List[str]]:
    return ([k, table_cell(k, v, opts.human)] for k, v in record.items())
