"""The documentation's examples run, without Sphinx.

Every ``.. doctest::`` block of ``doc/**/*.rst`` is run with the standard
``doctest`` module, page by page: a page's ``.. testsetup::`` code first, then
its doctest blocks in order in one namespace (as ``sphinx.ext.doctest`` does
for its default group), then its ``.. testcleanup::`` code.  Examples for
servers that are not here (``.. code-block:: python``) are only compiled.
The generated-table converter and the CLI reference renderer are checked too.
"""

from __future__ import annotations

import ast
import doctest
import importlib.util
import os
import re
import sys
import textwrap
from typing import Dict, List, Tuple

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOC = os.path.join(ROOT, "doc")
EXT = os.path.join(DOC, "_ext")

#: The same flags as ``doctest_default_flags`` in doc/conf.py.
FLAGS = (doctest.ELLIPSIS | doctest.IGNORE_EXCEPTION_DETAIL
         | doctest.DONT_ACCEPT_TRUE_FOR_1 | doctest.NORMALIZE_WHITESPACE)

_DIRECTIVE = re.compile(r"^(?P<lead>\s*(?:[*-]\s+)*)\.\.\s+(?P<name>[\w-]+)::(?P<arg>.*)$")
_OPTION = re.compile(r"^\s*:[\w-]+:")


def rst_files() -> List[str]:
    """Every hand-written page (``_build`` and ``_generated`` left out)."""
    found = []
    for base, dirs, files in os.walk(DOC):
        dirs[:] = sorted(d for d in dirs if not d.startswith("_"))
        found += [os.path.join(base, f) for f in sorted(files) if f.endswith(".rst")]
    return found


def directive_blocks(text: str) -> List[Tuple[str, str, str, int]]:
    """``(directive, argument, dedented content, line number)`` of each directive.

    A directive's content is what follows it (after its ``:option:`` lines),
    indented deeper than the directive itself; nested directives, as in a
    ``list-table`` cell, are found too.
    """
    lines = text.splitlines()
    blocks = []
    for i, line in enumerate(lines):
        match = _DIRECTIVE.match(line)
        if not match:
            continue
        indent = len(match.group("lead"))
        j = i + 1
        while j < len(lines) and _OPTION.match(lines[j]) and \
                len(lines[j]) - len(lines[j].lstrip()) > indent:
            j += 1
        body = []
        while j < len(lines):
            cur = lines[j]
            if cur.strip() and len(cur) - len(cur.lstrip()) <= indent:
                break
            body.append(cur)
            j += 1
        blocks.append((match.group("name"), match.group("arg").strip(),
                       textwrap.dedent("\n".join(body)).strip("\n") + "\n", i + 1))
    return blocks


def pages_with_doctests() -> List[str]:
    return [p for p in rst_files()
            if any(b[0] == "doctest" for b in directive_blocks(_read(p)))]


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def _rel(path: str) -> str:
    return os.path.relpath(path, ROOT)


@pytest.mark.parametrize("page", pages_with_doctests(), ids=_rel)
def test_page_examples_run_against_the_local_backend(page: str) -> None:
    blocks = directive_blocks(_read(page))
    groups = {b[1] for b in blocks if b[0] in ("doctest", "testsetup", "testcleanup")}
    assert groups <= {""}, f"{_rel(page)}: only the default doctest group is supported"
    globs: Dict[str, object] = {"__name__": "__doc_page__"}
    old_cwd = os.getcwd()
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    failures: List[str] = []
    try:
        for name, _arg, code, line in blocks:
            if name == "testsetup":
                exec(compile(code, f"{_rel(page)}:{line}", "exec"), globs)
        for name, _arg, code, line in blocks:
            if name != "doctest":
                continue
            test = parser.get_doctest(code, globs, f"{_rel(page)}:{line}", page, line)
            test.globs = globs  # one namespace per page, as Sphinx's default group
            out: List[str] = []
            if runner.run(test, out=out.append, clear_globs=False).failed:
                failures.append("".join(out))
    finally:
        os.chdir(old_cwd)
        for name, _arg, code, line in blocks:
            if name == "testcleanup":
                try:
                    exec(compile(code, f"{_rel(page)}:{line}", "exec"), globs)
                except Exception:
                    if not failures:  # else the examples' failure is the news
                        raise
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("page", rst_files(), ids=_rel)
def test_page_python_code_blocks_compile(page: str) -> None:
    for name, arg, code, line in directive_blocks(_read(page)):
        if name in ("code-block", "code", "sourcecode") and arg in ("python", "python3", "py"):
            # Migration guides show the peers' async code: allow top-level await.
            compile(code, f"{_rel(page)}:{line}", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)


def test_every_guide_page_is_in_a_toctree() -> None:
    listed = set()
    for page in rst_files():
        folder = os.path.dirname(page)
        for name, _arg, code, _line in directive_blocks(_read(page)):
            if name == "toctree":
                for entry in code.splitlines():
                    entry = entry.strip()
                    if entry and not entry.startswith(":"):
                        listed.add(os.path.normpath(os.path.join(folder, entry + ".rst")))
    missing = [_rel(p) for p in rst_files()
               if p != os.path.join(DOC, "index.rst") and p not in listed]
    assert not missing


def _load_ext(name: str):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(f"_doc_ext_{name}",
                                                  os.path.join(EXT, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def test_markdown_matrix_becomes_a_list_table() -> None:
    generated = _load_ext("generated")
    text = ("| test | local | s3/seaweedfs |\n|---|---|---|\n"
            "| test_read_ranges | pass | n/s |\n| `a\\|b` *x* | FAIL | |\n")
    rst = generated.markdown_table_to_rst(text)
    assert rst.splitlines()[:3] == [".. list-table::", "   :header-rows: 1", ""]
    assert "   * - test\\_read\\_ranges" in rst
    assert "     - n/s" in rst
    assert "``a|b``" in rst and "\\*x\\*" in rst
    assert "     - .." in rst  # the empty cell


def test_list_marker_cells_are_escaped() -> None:
    generated = _load_ext("generated")
    rst = generated.markdown_table_to_rst("| a | b |\n|---|---|\n| - | 1. x |\n")
    assert "   * - \\-" in rst and "     - \\1. x" in rst


BENCH_MD = """# objclient benchmark

### swift

| client | put ops/s (x floor) | put CPU ms/op (x floor) |
|---|---|---|
| urllib3 | 120.0 (1.00) | 0.500 (1.00) |
| objclient | 110.0 (0.92) | 0.700 (1.40) |
"""


def test_bench_chart_plots_cpu_ratios_per_client() -> None:
    generated = _load_ext("generated")
    assert generated.bench_chart_data(BENCH_MD) == [
        ("swift: put", [("urllib3", 1.0), ("objclient", 1.4)])]
    svg = generated.bench_chart_svg(BENCH_MD)
    assert svg.startswith("<svg") and svg.count("<rect") == 2
    assert generated.bench_chart_svg("| a |\n|---|\n| b |\n") is None


def test_generated_pages_say_how_to_make_missing_files(tmp_path) -> None:  # type: ignore
    generated = _load_ext("generated")
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "conformance-matrix.md").write_text("| t | local |\n|---|---|\n"
                                                             "| x | pass |\n")
    present = generated.write_generated(str(tmp_path), str(tmp_path / "out"))
    assert present == ["conformance-matrix"]
    assert "list-table" in (tmp_path / "out" / "conformance-matrix.rst").read_text()
    assert "run ``tools/bench``" in (tmp_path / "out" / "bench.rst").read_text()
    (tmp_path / "build" / "bench.md").write_text(BENCH_MD)
    assert generated.write_generated(str(tmp_path), str(tmp_path / "out")) == [
        "conformance-matrix", "bench"]
    assert "/_generated/bench-chart.svg" in (tmp_path / "out" / "bench.rst").read_text()
    assert (tmp_path / "out" / "bench-chart.svg").exists()


def test_backend_pages_tables_come_from_the_code() -> None:
    tables = _load_ext("tables")
    pages = [p for p in rst_files() if os.sep + "backends" + os.sep in p
             and not p.endswith("index.rst")]
    assert len(pages) == 7
    for page in pages:
        blocks = directive_blocks(_read(page))
        kinds = {name for name, *_ in blocks}
        assert {"objclient-capabilities", "objclient-name-rules"} <= kinds, _rel(page)
        for name, arg, content, _line in blocks:
            if name == "objclient-capabilities":
                notes = dict((k.strip(), v.strip()) for k, _, v in
                             (ln.partition(":") for ln in content.splitlines() if ln.strip()))
                rst = tables.capability_table_rst(tables.load_object(arg), notes)
                assert "``versioning``" in rst
            elif name == "objclient-name-rules":
                assert "longest object name" in tables.name_rules_table_rst(
                    tables.load_object(arg))


def test_cli_reference_covers_every_subcommand() -> None:
    sys.path.insert(0, EXT)
    try:
        clirst = _load_ext("clirst")
    finally:
        sys.path.remove(EXT)
    from objclient.cli import build_parser
    parser = build_parser()
    rst = clirst.cli_reference_rst(parser)
    commands = [path for path, _p, _h in clirst.walk_parser(parser)]
    assert ("object", "upload") in commands
    for path in commands:
        title = " ".join(("objclient",) + path)
        assert f"``{title}``" in rst
        assert f"usage: {title}" in rst
