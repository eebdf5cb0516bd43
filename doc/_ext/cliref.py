"""Sphinx glue for the tables generated from the code.

* ``.. objclient-cli::`` renders the CLI reference from
  ``objclient.cli.build_parser()`` (see :mod:`clirst`);
* ``.. objclient-capabilities:: MODULE:CONSTANT`` renders a backend's
  capability table; each content line ``capability: note`` explains a
  capability the backend has only sometimes (see :mod:`tables`);
* ``.. objclient-name-rules:: MODULE:CONSTANT`` renders a backend's name
  and property limits.

The reST they produce is parsed in place, so the pages cannot drift from the
code; pages that use them are re-read on every build, even incremental ones.
"""

from __future__ import annotations

from typing import Any, Dict, List

from docutils import nodes
from docutils.parsers.rst import Directive
from docutils.statemachine import StringList
from sphinx.util.nodes import nested_parse_with_titles

from clirst import cli_reference_rst
from tables import capability_table_rst, load_object, name_rules_table_rst


class _GeneratedRst(Directive):
    """Parse generated reST where the directive stands."""

    def rst(self) -> str:
        raise NotImplementedError

    def run(self) -> List[nodes.Node]:
        env = self.state.document.settings.env
        _generated_docs(env).add(env.docname)
        try:
            text = self.rst()
        except Exception as exc:  # noqa: BLE001 - shown as a Sphinx error with its cause
            raise self.error(f"{self.name}: {type(exc).__name__}: {exc}") from None
        node = nodes.section()
        node.document = self.state.document
        source = self.state.document.current_source or self.name
        nested_parse_with_titles(self.state, StringList(text.splitlines(), source=source), node)
        return node.children


class ObjclientCliDirective(_GeneratedRst):
    """One section per ``objclient`` sub-command with its help."""

    has_content = False

    def rst(self) -> str:
        from objclient.cli import build_parser
        return cli_reference_rst(build_parser(), top_level=1)


class CapabilitiesDirective(_GeneratedRst):
    """A backend's capability table."""

    required_arguments = 1
    has_content = True

    def rst(self) -> str:
        notes = {}
        for line in self.content:
            if line.strip():
                key, _, text = line.partition(":")
                notes[key.strip()] = text.strip()
        return capability_table_rst(load_object(self.arguments[0]), notes)


class NameRulesDirective(_GeneratedRst):
    """A backend's name and property limits."""

    required_arguments = 1
    has_content = False

    def rst(self) -> str:
        return name_rules_table_rst(load_object(self.arguments[0]))


def _generated_docs(env: Any) -> set:
    """Names of the pages that hold generated tables (kept in the environment)."""
    if not hasattr(env, "objclient_generated"):
        env.objclient_generated = set()
    return env.objclient_generated


def _outdated(app: Any, env: Any, added: Any, changed: Any, removed: Any) -> List[str]:
    """Re-read those pages on every build: the code they show may have changed."""
    return sorted(_generated_docs(env) - set(removed))


def _purge(app: Any, env: Any, docname: str) -> None:
    _generated_docs(env).discard(docname)


def _merge(app: Any, env: Any, docnames: Any, other: Any) -> None:
    _generated_docs(env).update(_generated_docs(other))


def setup(app: Any) -> Dict[str, Any]:
    """Register the directives and keep their pages current."""
    app.connect("env-get-outdated", _outdated)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.add_directive("objclient-cli", ObjclientCliDirective)
    app.add_directive("objclient-capabilities", CapabilitiesDirective)
    app.add_directive("objclient-name-rules", NameRulesDirective)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
