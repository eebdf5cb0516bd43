"""Backend tables read from the code: capabilities and name limits.

A backend page names the constants (``objclient.backends.s3:S3_CAPABILITIES``,
``objclient.backends.s3.names:S3_NAME_RULES``) and these functions render
them as reST, so the tables cannot drift from what the backend declares.
Pure Python; :mod:`cliref` wraps them in the ``objclient-capabilities`` and
``objclient-name-rules`` directives.
"""

from __future__ import annotations

import importlib
import re
from typing import Any, Iterable, List, Mapping

__all__ = ["load_object", "capability_table_rst", "name_rules_table_rst"]


def load_object(spec: str) -> Any:
    """``package.module:NAME`` -> the object."""
    module, _, name = spec.partition(":")
    obj: Any = importlib.import_module(module)
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


def capability_table_rst(declared: Iterable[Any], notes: Mapping[str, str]) -> str:
    """Every :class:`~objclient.contract.Capability`, with yes / no / a note.

    :param declared: the capabilities the backend always has.
    :param notes: capability value -> text for those it has only sometimes
        (shown instead of "no").
    """
    from objclient.contract import Capability
    have = {str(c) for c in declared}
    unknown = set(notes) - {c.value for c in Capability}
    if unknown:
        raise ValueError("not capabilities: " + ", ".join(sorted(unknown)))
    out: List[str] = [".. list-table::", "   :header-rows: 1", "   :widths: 30 70", "",
                      "   * - capability", "     - this backend"]
    for cap in Capability:
        if cap.value in have:
            text = "yes" + (f" ({notes[cap.value]})" if cap.value in notes else "")
        else:
            text = notes.get(cap.value, "no")
        out += [f"   * - ``{cap.value}``", f"     - {text}"]
    return "\n".join(out) + "\n"


_RULES = [
    ("account_max", "longest account name (UTF-8 bytes)"),
    ("container_max", "longest container name (UTF-8 bytes)"),
    ("object_max", "longest object name (UTF-8 bytes)"),
    ("container_forbidden", "characters refused in container names"),
    ("object_forbidden", "characters refused in object names"),
    ("property_key_max", "longest property key (UTF-8 bytes)"),
    ("property_value_max", "longest property value (UTF-8 bytes)"),
    ("properties_max_count", "most properties on one item"),
    ("properties_max_total", "most bytes of keys and values together"),
    ("property_key_chars", "the only characters property keys may use"),
    ("lowercase_containers", "container names must be lower case"),
]


def _literal(value: Any) -> str:
    if value is None or value == "":
        return "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        if "`" in value or value.strip() != value:  # no inline literal can hold these
            return re.sub(r"([\\`*_|<>])", r"\\\1", repr(value) if value.strip() != value
                          else value)
        return "``" + value + "``"
    return str(value)


def name_rules_table_rst(rules: Any) -> str:
    """The fields of a :class:`~objclient.names.NameRules` as a table."""
    out: List[str] = [".. list-table::", "   :header-rows: 1", "   :widths: 60 40", "",
                      "   * - limit", "     - value"]
    for field, text in _RULES:
        if hasattr(rules, field):
            out += [f"   * - {text}", f"     - {_literal(getattr(rules, field))}"]
    return "\n".join(out) + "\n"
