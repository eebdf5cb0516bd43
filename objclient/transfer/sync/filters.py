"""Which objects a sync looks at: rclone's glob rules, sizes and age.

A rule is ``("+", glob)`` (include) or ``("-", glob)`` (exclude); rules are
tried in the order given and the first that matches decides.  When any
include rule exists, a name no rule matched is excluded (rclone's implied
``- **`` at the end).  Globs follow rclone's filtering rules:

* ``*`` matches any run of characters except ``/``; ``**`` matches any run,
  ``/`` included; ``?`` one character except ``/``; ``[abc]``, ``[!a-z]``
  a class; ``{jpg,png}`` alternatives; ``\\`` escapes the next character;
* a glob that starts with ``/`` is anchored at the top of the synced prefix,
  any other matches the end of a name at a ``/`` boundary (``*.jpg``
  matches ``a/b/c.jpg``; ``b/*.jpg`` matches ``a/b/c.jpg`` too).

Names are relative to the synced prefix.  Pure logic, tested without any
server.
"""

from __future__ import annotations

import re
import time
from typing import Optional, Pattern, Tuple

import attrs

from ...exceptions import InvalidArgument
from ...models import ObjectInfo
from .compare import source_time

__all__ = ["glob_to_regex", "Filter", "parse_duration", "parse_size"]


def glob_to_regex(glob: str) -> Pattern[str]:
    """The regular expression of an rclone glob (see the module's docstring).

    :raises InvalidArgument: an unclosed ``[`` or ``{``, or a nested ``{``.
    """
    anchored = glob.startswith("/")
    body = _translate(glob[1:] if anchored else glob)
    return re.compile(("^" if anchored else "(^|/)") + body + "$", re.DOTALL)


def _translate(glob: str) -> str:
    out = []
    i = 0
    in_braces = False
    while i < len(glob):
        char = glob[i]
        if char == "\\" and i + 1 < len(glob):
            out.append(re.escape(glob[i + 1]))
            i += 2
            continue
        if char == "*":
            double = glob.startswith("**", i)
            out.append(".*" if double else "[^/]*")
            i += 2 if double else 1
            continue
        if char == "?":
            out.append("[^/]")
        elif char == "[":
            end = glob.find("]", i + 2)
            if end < 0:
                raise InvalidArgument(f"glob {glob!r}: '[' is not closed")
            inner = glob[i + 1:end]
            if inner.startswith("!"):
                inner = "^" + inner[1:]
            out.append("[" + inner.replace("\\", "\\\\") + "]")
            i = end
        elif char == "{":
            if in_braces:
                raise InvalidArgument(f"glob {glob!r}: nested '{{' is not allowed")
            in_braces = True
            out.append("(")
        elif char == "}" and in_braces:
            in_braces = False
            out.append(")")
        elif char == "," and in_braces:
            out.append("|")
        else:
            out.append(re.escape(char))
        i += 1
    if in_braces:
        raise InvalidArgument(f"glob {glob!r}: '{{' is not closed")
    return "".join(out)


_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024 ** 2, "g": 1024 ** 3, "t": 1024 ** 4}
_DURATIONS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400,
              "M": 30 * 86400, "y": 365 * 86400}


def parse_size(text: str) -> int:
    """Bytes from ``"100"``, ``"10k"``, ``"1.5M"``, ``"2G"`` (powers of 1024, as rclone).

    :raises InvalidArgument: not a size.
    """
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]*)?)\s*([bkmgtBKMGT]?)i?[bB]?\s*", text)
    if not match:
        raise InvalidArgument(f"{text!r} is not a size (e.g. 100, 10k, 1.5M, 2G)")
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def parse_duration(text: str) -> float:
    """Seconds from ``"90"`` (seconds), ``"10m"``, ``"2h30m"``, ``"7d"``, ``"1w"``,
    ``"3M"`` (30 days), ``"1y"``, as rclone's ``--max-age``.

    :raises InvalidArgument: not a duration.
    """
    parts = re.findall(r"([0-9]+(?:\.[0-9]*)?)(ms|[smhdwMy]?)", text.strip())
    if not parts or "".join(n + u for n, u in parts) != text.strip():
        raise InvalidArgument(f"{text!r} is not a duration (e.g. 90, 10m, 2h30m, 7d)")
    return sum(float(number) * _DURATIONS[unit or "s"] for number, unit in parts)


@attrs.frozen
class Filter:
    """Which names and objects a sync considers.

    :param rules: ``(sign, glob)`` pairs in order, sign ``"+"`` or ``"-"``.
    :param min_size: objects smaller than this are left out.
    :param max_size: objects larger than this are left out.
    :param max_age: objects last modified longer ago than this (seconds) are
        left out; ``now`` is when the filter was made.
    """

    rules: Tuple[Tuple[str, str], ...] = ()
    min_size: Optional[int] = None
    max_size: Optional[int] = None
    max_age: Optional[float] = None
    now: float = attrs.field(factory=time.time)
    _compiled: Tuple[Tuple[bool, Pattern[str]], ...] = attrs.field(init=False, repr=False,
                                                                  eq=False)

    def __attrs_post_init__(self) -> None:
        compiled = []
        for sign, glob in self.rules:
            if sign not in ("+", "-"):
                raise InvalidArgument(f"a filter rule is '+' or '-', not {sign!r}")
            compiled.append((sign == "+", glob_to_regex(glob)))
        object.__setattr__(self, "_compiled", tuple(compiled))

    @property
    def is_empty(self) -> bool:
        """True when the filter lets everything through."""
        return not self.rules and self.min_size is None and self.max_size is None \
            and self.max_age is None

    def wants_name(self, name: str) -> bool:
        """Whether the rules keep ``name`` (relative to the synced prefix)."""
        for include, regex in self._compiled:
            if regex.search(name):
                return include
        return not any(include for include, _regex in self._compiled)

    def wants(self, rel: str, info: ObjectInfo) -> bool:
        """Whether the sync considers an object: its name, size and age."""
        if not self.wants_name(rel):
            return False
        if self.min_size is not None and info.size < self.min_size:
            return False
        if self.max_size is not None and info.size > self.max_size:
            return False
        if self.max_age is not None:
            mtime = source_time(info)
            if mtime is not None and self.now - mtime > self.max_age:
                return False
        return True

