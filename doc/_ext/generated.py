"""Copy the files the test suite and tools/bench write into ``doc/_generated/``.

``build/conformance-matrix.md`` (written by ``tests/conformance/conftest.py``),
``build/bench.md`` (the latest local run of ``tools/bench``) and the committed
``doc/benchmark-results.md`` (a run that ``tools/bench --publish`` copied into
doc/, with its chart ``doc/_static/bench.png``) are Markdown pipe tables.
Sphinx reads reStructuredText only (no extra dependency), so each table is
turned into a ``list-table`` and written as ``doc/_generated/<name>.rst``;
when a file is missing, the ``.rst`` says how to produce it.  Charts
(``build/bench*.svg`` / ``.png``) are copied beside it and shown under the
table; when ``tools/bench`` wrote none, a bar chart of the CPU-per-operation
ratios is drawn here as SVG.  Nothing here needs Sphinx, so the test suite
checks it directly.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
from typing import Dict, List, Optional

__all__ = ["GENERATED", "markdown_table_to_rst", "bench_chart_data", "bench_chart_svg",
           "write_generated"]

#: generated page name -> (source file under the repository, how to make it)
GENERATED: Dict[str, tuple] = {
    "conformance-matrix": ("build/conformance-matrix.md", "tools/test"),
    "bench": ("build/bench.md", "tools/bench"),
    "bench-published": ("doc/benchmark-results.md", "tools/bench --publish"),
    "sync-bench-published": ("doc/sync-benchmark.md", "tools/bench_sync --publish"),
    "bench-network": ("doc/benchmark-network.md", "tools/bench --network --publish"),
}
#: a published page's committed chart (under doc/, shown from /_static/)
PUBLISHED_CHARTS = {"bench-published": "doc/_static/bench.png"}


def _cells(line: str) -> List[str]:
    inner = line.strip()
    if inner.startswith("|"):
        inner = inner[1:]
    if inner.endswith("|") and not inner.endswith("\\|"):
        inner = inner[:-1]
    cells, cur, i = [], "", 0
    while i < len(inner):
        if inner[i] == "\\" and i + 1 < len(inner) and inner[i + 1] == "|":
            cur += "|"
            i += 2
            continue
        if inner[i] == "|":
            cells.append(cur.strip())
            cur = ""
        else:
            cur += inner[i]
        i += 1
    cells.append(cur.strip())
    return cells


def _is_rule(cells: List[str]) -> bool:
    return bool(cells) and all(c and set(c) <= set(":-") for c in cells)


def _inline(text: str) -> str:
    """Markdown inline text as reST: code spans kept, markup characters escaped."""
    parts = re.split(r"(`[^`]+`)", text)
    out = []
    for part in parts:
        if part.startswith("`") and part.endswith("`") and len(part) > 1:
            out.append("``" + part[1:-1].strip() + "``")
        else:
            out.append(re.sub(r"([\\*_|`])", r"\\\1", part))
    return "\\ ".join(p for p in out if p) if any(p.startswith("``") for p in out) \
        else "".join(out)


_LIST_START = re.compile(r"^([-+*]|\d+[.)]|#\.)(\s|$)")


def _rst_text(cell: str) -> str:
    """A table cell as reST (an empty comment keeps an empty cell valid; a
    cell that would read as a list marker, such as ``-``, is escaped)."""
    if not cell:
        return ".."
    text = _inline(cell)
    return "\\" + text if _LIST_START.match(text) else text


def markdown_table_to_rst(text: str, title: Optional[str] = None) -> str:
    """Markdown (pipe tables, plain paragraphs and ``#`` headings) as reST.

    :param text: the Markdown file's text.
    :param title: a caption for the first table.
    :returns: reST using ``list-table`` for every table.
    """
    lines = text.splitlines()
    out: List[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.strip().startswith("|"):
            block = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                block.append(_cells(lines[i]))
                i += 1
            rows = [r for r in block if not _is_rule(r)]
            header = len(block) > 1 and _is_rule(block[1])
            width = max(len(r) for r in rows)
            out.append(f".. list-table:: {title}" if title else ".. list-table::")
            title = None
            if header:
                out.append("   :header-rows: 1")
            out.append("")
            for row in rows:
                row = row + [""] * (width - len(row))
                for j, cell in enumerate(row):
                    out.append(("   * - " if j == 0 else "     - ") + _rst_text(cell))
            out.append("")
            continue
        stripped = line.strip()
        if stripped.startswith("#"):
            heading = stripped.lstrip("#").strip()
            out += [".. rubric:: " + _inline(heading), ""] if heading else []
        elif stripped:
            out.append(_inline(stripped))
        else:
            out.append("")
        i += 1
    return "\n".join(out).rstrip() + "\n"


_CPU_COLUMN = re.compile(r"^(?P<op>.+?) CPU ms/op \(x floor\)$")
_RATIO = re.compile(r"\(([0-9.]+)\)")
_COLOURS = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860")


def bench_chart_data(text: str) -> List[tuple]:
    """``(group label, [(client, ratio)])`` for every "CPU ms/op (x floor)"
    column of every table in ``bench.md``: the client's CPU per operation
    divided by the floor's (raw urllib3), lower is better."""
    groups: List[tuple] = []
    section = ""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if line.startswith("#"):
            section = line.lstrip("#").strip()
        if not line.startswith("|"):
            i += 1
            continue
        block = []
        while i < len(lines) and lines[i].strip().startswith("|"):
            block.append(_cells(lines[i]))
            i += 1
        rows = [r for r in block if not _is_rule(r)]
        if len(rows) < 2:
            continue
        header = rows[0]
        groups += _operation_rows_chart(section, header, rows[1:])
        for col, name in enumerate(header):
            match = _CPU_COLUMN.match(name)
            if not match:
                continue
            bars = []
            for row in rows[1:]:
                found = _RATIO.search(row[col]) if col < len(row) else None
                if found:
                    bars.append((row[0], float(found.group(1))))
            if bars:
                groups.append((f"{section}: {match.group('op')}".strip(": "), bars))
    return groups


def _operation_rows_chart(section: str, header: List[str], rows: List[List[str]]
                          ) -> List[tuple]:
    """The chart groups of a ``tools/bench`` table: one row per operation and
    client, the CPU ratio in the ``x floor`` column after ``client CPU ms/op``."""
    if header[:2] != ["operation", "client"] or "client CPU ms/op" not in header:
        return []
    col = header.index("client CPU ms/op") + 1
    groups: List[tuple] = []
    for row in rows:
        try:
            ratio = float(row[col])
        except (IndexError, ValueError):
            continue
        label = f"{section}: {row[0]}".strip(": ")
        if not groups or groups[-1][0] != label:
            groups.append((label, []))
        groups[-1][1].append((row[1].split(" (signing")[0], ratio))
    return groups


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def bench_chart_svg(text: str) -> Optional[str]:
    """A horizontal bar chart (SVG, no dependency) of :func:`bench_chart_data`,
    or None when ``bench.md`` has no such column."""
    groups = bench_chart_data(text)
    if not groups:
        return None
    top = max(max(r for _, r in bars) for _, bars in groups) or 1.0
    label_w, bar_w, row_h = 190, 420, 16
    height = 40 + sum(24 + row_h * len(bars) for _, bars in groups)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 70}" '
           f'height="{height}" font-family="sans-serif" font-size="11">',
           '<text x="4" y="16" font-size="13" font-weight="bold">CPU per operation, '
           'x the raw urllib3 floor (lower is better)</text>']
    y = 34
    for title, bars in groups:
        out.append(f'<text x="4" y="{y + 12}" font-weight="bold">{_xml(title)}</text>')
        y += 18
        for n, (client, ratio) in enumerate(bars):
            width = max(1, round(bar_w * ratio / top))
            colour = _COLOURS[n % len(_COLOURS)]
            out.append(f'<text x="{label_w - 6}" y="{y + 11}" text-anchor="end">'
                       f'{_xml(client)}</text>')
            out.append(f'<rect x="{label_w}" y="{y + 2}" width="{width}" height="{row_h - 4}" '
                       f'fill="{colour}"/>')
            out.append(f'<text x="{label_w + width + 4}" y="{y + 11}">{ratio:.2f}</text>')
            y += row_h
        y += 6
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write_generated(repo_root: str, out_dir: str) -> List[str]:
    """Write ``out_dir/<name>.rst`` for every :data:`GENERATED` entry.

    :returns: the names whose source file was present.
    """
    os.makedirs(out_dir, exist_ok=True)
    present = []
    for name, (source, tool) in GENERATED.items():
        path = os.path.join(repo_root, source)
        target = os.path.join(out_dir, name + ".rst")
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
            shutil.copyfile(path, os.path.join(out_dir, os.path.basename(source)))
            body = (f"*Generated from* ``{source}`` *by* ``{tool}``.\n\n"
                    + markdown_table_to_rst(text))
            present.append(name)
        else:
            body = (f".. note::\n\n   ``{source}`` is not there yet: run ``{tool}`` "
                    f"to generate it, then build the documentation again.\n")
        if name in PUBLISHED_CHARTS:
            chart = PUBLISHED_CHARTS[name]
            if name in present and os.path.isfile(os.path.join(repo_root, chart)):
                body += (f"\n.. image:: /{chart[len('doc/'):]}\n   :alt: benchmark chart"
                         "\n   :width: 100%\n")
            _write_if_changed(target, body)
            continue
        charts = sorted(glob.glob(os.path.join(repo_root, "build", name + "*.svg"))
                        + glob.glob(os.path.join(repo_root, "build", name + "*.png")))
        for chart in charts:
            shutil.copyfile(chart, os.path.join(out_dir, os.path.basename(chart)))
            body += (f"\n.. image:: /_generated/{os.path.basename(chart)}\n   :alt: {name} chart"
                     "\n   :width: 100%\n")
        if name == "bench" and name in present and not charts:
            svg = bench_chart_svg(text)
            if svg:
                _write_if_changed(os.path.join(out_dir, "bench-chart.svg"), svg)
                body += "\n.. image:: /_generated/bench-chart.svg\n   :alt: benchmark chart\n"
        _write_if_changed(target, body)
    return present


def _write_if_changed(path: str, text: str) -> None:
    """Leave an unchanged file alone so Sphinx does not rebuild every page."""
    try:
        with open(path, encoding="utf-8") as fh:
            if fh.read() == text:
                return
    except OSError:
        pass
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
