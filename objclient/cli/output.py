"""How the command line prints results: table, json, csv or bare values."""

from __future__ import annotations

import csv
import io
import json
import sys
from typing import Any, Dict, List, Optional, Sequence, TextIO

__all__ = ["render", "FORMATS"]

FORMATS = ("table", "json", "csv", "value")


def _plain(value: Any) -> Any:
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".")
    return str(value)


def render(data: Any, fmt: str, columns: Optional[Sequence[str]] = None,
           out: Optional[TextIO] = None) -> None:
    """Print ``data`` (a record or a list of records) in format ``fmt``.

    :param columns: the keys to show (default: all keys of the first record).
    """
    out = out or sys.stdout
    data = _plain(data)
    if fmt == "json":
        json.dump(data, out, indent=2, ensure_ascii=False, sort_keys=False, default=str)
        out.write("\n")
        return
    single = isinstance(data, dict)
    rows: List[Dict[str, Any]]
    if single:
        rows = [{"field": k, "value": v} for k, v in data.items()]
        columns = ["field", "value"]
    else:
        rows = [r if isinstance(r, dict) else {"name": r} for r in data]
        if columns is None:
            columns = list(rows[0].keys()) if rows else ["name"]
    if fmt == "value":
        for row in rows:
            out.write(" ".join(_cell(row.get(c)) for c in (
                ["value"] if single else columns)) + "\n")
        return
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row.get(c)) for c in columns])
        out.write(buf.getvalue())
        return
    table = [list(columns)] + [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [min(60, max(len(r[i]) for r in table)) for i in range(len(columns))]
    sep = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    out.write(sep + "\n")
    for n, line in enumerate(table):
        cells = [(c if len(c) <= w else c[:w - 1] + "…").ljust(w) for c, w in zip(line, widths)]
        out.write("| " + " | ".join(cells) + " |\n")
        if n == 0:
            out.write(sep + "\n")
    out.write(sep + "\n")
