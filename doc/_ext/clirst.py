"""The command-line reference as reST, built from ``objclient.cli.build_parser()``.

Pure Python (argparse only), so the test suite can check it without Sphinx;
:mod:`cliref` is the Sphinx directive that puts it into a page.
"""

from __future__ import annotations

import argparse
import os
from typing import Iterator, List, Tuple

__all__ = ["walk_parser", "cli_reference_rst"]

_HELP_WIDTH = "88"
_UNDERLINES = "=-~^\""


def _subparsers(parser: argparse.ArgumentParser) -> List[Tuple[str, argparse.ArgumentParser,
                                                                str]]:
    """``(name, parser, one-line help)`` of each direct sub-command, in order."""
    found = []
    for action in parser._actions:  # argparse has no public walk of sub-commands
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            seen = set()
            for name, sub in action.choices.items():
                if id(sub) in seen:  # aliases point at the same parser
                    continue
                seen.add(id(sub))
                found.append((name, sub, helps.get(name, "")))
    return found


def walk_parser(parser: argparse.ArgumentParser, path: Tuple[str, ...] = ()
                ) -> Iterator[Tuple[Tuple[str, ...], argparse.ArgumentParser, str]]:
    """Every parser under ``parser`` (itself first), depth first.

    :returns: an iterator of ``(command words, parser, one-line help)``.
    """
    yield path, parser, parser.description or ""
    for name, sub, help_text in _subparsers(parser):
        for item in walk_parser(sub, path + (name,)):
            if item[0] == path + (name,):
                yield item[0], item[1], help_text or item[2]
            else:
                yield item


def _help_text(parser: argparse.ArgumentParser) -> str:
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = _HELP_WIDTH  # argparse wraps to the terminal width
    try:
        return parser.format_help()
    finally:
        if old is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = old


def cli_reference_rst(parser: argparse.ArgumentParser, top_level: int = 1) -> str:
    """One section per command, each with its ``--help`` text.

    :param parser: the program's parser.
    :param top_level: section depth of the program's own section
        (1 = directly under the page title).
    :returns: reST text.
    """
    prog = parser.prog
    out: List[str] = []
    for path, sub, help_text in walk_parser(parser):
        title = " ".join((prog,) + path)
        depth = min(top_level + len(path), len(_UNDERLINES) - 1)
        out += [f"``{title}``", _UNDERLINES[depth] * (len(title) + 4), ""]
        if help_text and path:
            out += [help_text[0].upper() + help_text[1:] + ".", ""]
        out += [".. code-block:: text", ""]
        out += ["   " + line if line.strip() else "" for line in
                _help_text(sub).rstrip().splitlines()]
        out.append("")
    return "\n".join(out) + "\n"
