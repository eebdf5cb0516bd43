"""The test tiers of tests/conftest.py: a bare ``pytest`` leaves the server
tests out and says so; ``--servers`` runs them."""

import importlib
import os
import re
import subprocess
import sys
from typing import Dict, Set

import pytest

from tests.conftest import SERVER_TESTS, needs_servers

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(TESTS)
_IMPORT = re.compile(r"^from (\.|tests\.)([\w.]*) import|^from tools import server_env",
                     re.MULTILINE)


def _imports(rel: str, text: str) -> Set[str]:
    """The test-tree modules (paths under tests/) and ``server_env`` that ``rel`` imports."""
    found = set()
    for match in _IMPORT.finditer(text):
        if match.group(1) is None:
            found.add("server_env")
        elif match.group(1) == ".":
            found.add(os.path.join(os.path.dirname(rel), match.group(2) + ".py"))
        else:
            found.add(match.group(2).replace(".", "/") + ".py")
    return found


def _reads_server_env() -> Set[str]:
    """Modules under tests/ that import ``tools.server_env``, directly or through
    another module of the test tree."""
    graph: Dict[str, Set[str]] = {}
    for folder, _, files in os.walk(TESTS):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                rel = os.path.relpath(path, TESTS).replace(os.sep, "/")
                with open(path, encoding="utf-8") as fh:
                    graph[rel] = _imports(rel, fh.read())
    reading = {m for m, deps in graph.items() if "server_env" in deps}
    while True:
        more = {m for m, deps in graph.items() if deps & reading} - reading
        if not more:
            return reading
        reading |= more


@pytest.mark.parametrize("rel,expected", [
    ("functional/swift/test_swift_auth.py", True),
    ("faults/test_faults.py", True),
    ("load/test_concurrency.py", True),
    ("functional/local/test_local_store.py", False),
    ("faults/test_tls.py", False),
    ("unit/test_api.py", False),
    ("functional/test_resume.py.orig", False),
])
def test_needs_servers_matches_files_and_directories(rel, expected):
    assert needs_servers(rel) is expected


def test_every_test_module_that_reads_the_server_settings_is_in_the_server_tier():
    reading = _reads_server_env()
    tests = sorted(m for m in reading if os.path.basename(m).startswith("test_"))
    assert tests, "the import scan found no server test at all"
    assert [m for m in tests if not needs_servers(m)] == []
    targets = [m for m in reading if m.startswith("conformance/targets/")]
    assert len(targets) == 4
    for rel in targets:
        module = importlib.import_module("tests." + rel[:-3].replace("/", "."))
        assert module.NEEDS_SERVERS is True, rel


def test_every_listed_path_exists():
    for rel in SERVER_TESTS:
        assert os.path.exists(os.path.join(TESTS, rel)), rel


def _collect(*args):
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
                           "--collect-only", "-q", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_a_bare_run_deselects_server_tests_and_says_how_to_run_them():
    run = _collect("tests/load", "tests/faults/test_tls.py")
    assert "server tests deselected (no --servers)" in run.stdout
    assert "tools/test" in run.stdout
    assert re.search(r"\d+/\d+ tests collected \(\d+ deselected\)", run.stdout), run.stdout
    assert "test_tls.py" in run.stdout and "test_concurrency.py::" not in run.stdout


def test_with_servers_the_server_tests_are_selected():
    run = _collect("--servers", "tests/load")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "test_concurrency.py::" in run.stdout
    assert "deselected" not in run.stdout


def test_conformance_server_targets_are_marked_and_the_others_are_not():
    run = _collect("-m", "servers", "--servers", "tests/conformance/test_containers.py")
    ids = set(re.findall(r"\[(\w+)\]", run.stdout))
    assert ids == {"swift", "s3_swift", "s3_seaweedfs", "seaweedfs"}, run.stdout
