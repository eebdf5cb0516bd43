"""The output options, accepted before the group and after the action.

``objclient -f json object list box`` and ``objclient object list box -f json
-c name`` (the openio and openstack habit, from cliff) both work.  The two
places store under different names, so that argparse's sub-parsers cannot
reset one with the other's default; :func:`output_options` merges them, the
options after the action winning.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, NamedTuple, Optional, Sequence

__all__ = ["add_output_options", "output_options", "OutputOptions", "FORMATS",
           "terminal_columns"]

FORMATS = ("table", "json", "csv", "value", "yaml")
_AFTER = "after_"


class OutputOptions(NamedTuple):
    """The output options of one command (``-f``, ``-c``, ``--sort-column`` ...)."""

    format: str = "json"
    columns: Sequence[str] = ()
    sort_columns: Sequence[str] = ()
    descending: bool = False
    noindent: bool = False
    max_width: Optional[int] = None
    human: bool = False
    quote: str = "minimal"


def add_output_options(parser: argparse.ArgumentParser, after: bool) -> None:
    """Add ``-f``, ``-c``, ``--sort-column``, ``--sort-ascending``/
    ``--sort-descending``, ``--noindent``, ``--max-width``, ``--human`` and
    ``--quote`` to ``parser``.

    :param after: True on an action's parser, False on the top-level one.
    """
    pre = _AFTER if after else ""
    group = parser.add_argument_group("output formatters")
    group.add_argument("-f", "--format", dest=pre + "format", choices=FORMATS,
                       help="output format (default: table on a terminal, json "
                            "otherwise; yaml needs PyYAML)")
    group.add_argument("-c", "--column", dest=pre + "columns", action="append", default=[],
                       metavar="COLUMN", help="a column to show, by its key or title, "
                       "case-insensitive (repeat for several)")
    group.add_argument("--sort-column", dest=pre + "sort_columns", action="append",
                       default=[], metavar="SORT_COLUMN",
                       help="sort by this column (repeat: first has priority); reads "
                            "the whole listing before printing")
    direction = group.add_mutually_exclusive_group()
    direction.add_argument("--sort-ascending", dest=pre + "descending",
                           action="store_const", const=False, help="sort ascending (default)")
    direction.add_argument("--sort-descending", dest=pre + "descending",
                           action="store_const", const=True, help="sort descending")
    group.add_argument("--noindent", dest=pre + "noindent", action="store_const", const=True,
                       help="json on one line")
    group.add_argument("--max-width", dest=pre + "max_width", type=int, metavar="<integer>",
                       help="table width, < 1 for none (default: the terminal's)")
    group.add_argument("--human", dest=pre + "human", action="store_const", const=True,
                       help="sizes in KiB, MiB ... in tables")
    group.add_argument("--quote", dest=pre + "quote",
                       choices=("all", "minimal", "none", "nonnumeric"),
                       help="csv quoting (default: minimal)")


def _pick(args: argparse.Namespace, name: str) -> Any:
    later = getattr(args, _AFTER + name, None)
    return later if later is not None else getattr(args, name, None)


def terminal_columns() -> int:
    """The terminal's width as :func:`shutil.get_terminal_size` tells it
    (``$COLUMNS``, else stdout's terminal, else 80), without importing
    :mod:`shutil`: it loads bz2 and lzma, 3 ms of every start."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0 and sys.__stdout__ is not None:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (ValueError, OSError):
            columns = 0
    return columns or 80


def _default_width(stdout: Any) -> Optional[int]:
    return terminal_columns() if stdout.isatty() else None


def output_options(args: argparse.Namespace, stdout: Any = None) -> OutputOptions:
    """The :class:`OutputOptions` the command line asked for.

    :param stdout: where results go (default ``sys.stdout``): a terminal
        gets tables fitted to its width, anything else json.
    """
    stdout = stdout or sys.stdout
    fmt = _pick(args, "format") or ("table" if stdout.isatty() else "json")
    max_width = _pick(args, "max_width")
    return OutputOptions(
        format=fmt,
        columns=list(getattr(args, "columns", [])) + list(getattr(args, "after_columns", [])),
        sort_columns=(list(getattr(args, "sort_columns", []))
                      + list(getattr(args, "after_sort_columns", []))),
        descending=bool(_pick(args, "descending")), noindent=bool(_pick(args, "noindent")),
        max_width=max_width if max_width is not None else _default_width(stdout),
        human=bool(_pick(args, "human")), quote=_pick(args, "quote") or "minimal")
