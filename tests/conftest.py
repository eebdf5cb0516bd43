"""The test tiers: a bare ``pytest`` runs what needs no server.

Tests that talk to the real Swift, SeaweedFS or Keystone servers carry the
``servers`` marker: the paths in :data:`SERVER_TESTS` get it here, and the
conformance targets that need one declare ``NEEDS_SERVERS = True`` (see
``tests/conformance/conftest.py``).  Without ``--servers`` they are
deselected, not skipped, and the header and summary say how many were left
out; ``tools/test`` passes ``--servers`` after starting the servers, so a
server that is down fails loudly there.
"""

from __future__ import annotations

import os
import sys
import types
from typing import Any, Iterator, List

import pytest

#: Paths under ``tests/`` whose every test needs a running server; a path
#: ending in ``/`` is a directory.  ``functional/local/`` needs none.
SERVER_TESTS = (
    "faults/test_chaos.py",
    "faults/test_faults.py",
    "faults/test_large_reads.py",
    "faults/test_leftovers.py",
    "faults/test_secrets.py",
    "functional/cli/",
    "functional/keystone/",
    "functional/s3/",
    "functional/seaweedfs/",
    "functional/swift/",
    "functional/test_bench_sync.py",
    "functional/test_large_objects.py",
    "functional/test_resume.py",
    "functional/test_sync_crash.py",
    "functional/test_sync_dask.py",
    "functional/test_sync_servers.py",
    "load/",
)

HOW_TO_RUN = ("run them with `tools/test` (starts the servers), or "
              "`eval \"$(tools/servers env)\"; pytest --servers` with the servers running")

_TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
_DESELECTED: List[pytest.Item] = []


def _imports_responses(module: Any) -> bool:
    """Whether ``module``, or a module it takes names from, imports ``responses``."""
    for value in vars(module).values():
        source = value if isinstance(value, types.ModuleType) else sys.modules.get(
            getattr(value, "__module__", None) or "")
        if source is not None and (source.__name__ == "responses"
                                   or isinstance(getattr(source, "responses", None),
                                                 types.ModuleType)):
            return True
    return False


@pytest.fixture(autouse=True)
def _requests_transport_under_responses(request: pytest.FixtureRequest,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests that mock HTTP with ``responses`` (which hooks requests) get
    HTTPClients that send through requests, the way a user asks for it:
    ``OBJCLIENT_TRANSPORT=requests``.  A test counts as one when its module
    or a conftest above it imports ``responses`` (directly or through a fake
    it uses); every other test uses the default urllib3 transport."""
    module = getattr(request, "module", None)
    if module is None:
        return
    rel = os.path.relpath(str(request.path), _TESTS_DIR).replace(os.sep, "/").split("/")[:-1]
    conftests = [sys.modules.get(".".join(["tests", *rel[:i], "conftest"]))
                 for i in range(len(rel) + 1)]
    if any(m is not None and _imports_responses(m) for m in [module, *conftests]):
        monkeypatch.setenv("OBJCLIENT_TRANSPORT", "requests")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--servers", action="store_true", default=False,
                     help="also run the tests marked `servers` (Swift, SeaweedFS and "
                          "Keystone must be running: tools/servers start)")


def pytest_report_header(config: pytest.Config) -> str:
    if config.getoption("servers"):
        return "server tier: on (--servers); tests marked `servers` run against tools/servers"
    return "server tier: off; tests marked `servers` are deselected (" + HOW_TO_RUN + ")"


def needs_servers(relpath: str) -> bool:
    """Whether the test file at ``relpath`` (under ``tests/``, ``/``-separated)
    is listed in :data:`SERVER_TESTS`.

    :param relpath: e.g. ``"functional/swift/test_swift_auth.py"``.
    :returns: True for a listed file or a file under a listed directory.
    """
    return any(relpath == p or (p.endswith("/") and relpath.startswith(p))
               for p in SERVER_TESTS)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: List[pytest.Item]) -> None:
    """Mark the server tests, then deselect them unless ``--servers`` was given.

    ``trylast`` so that the marks other conftests add (conformance targets) are seen.
    """
    for item in items:
        rel = os.path.relpath(str(item.path), _TESTS_DIR).replace(os.sep, "/")
        if needs_servers(rel):
            item.add_marker(pytest.mark.servers)
    if config.getoption("servers"):
        return
    kept = [i for i in items if i.get_closest_marker("servers") is None]
    if len(kept) == len(items):
        return
    _DESELECTED[:] = [i for i in items if i.get_closest_marker("servers") is not None]
    config.hook.pytest_deselected(items=_DESELECTED)
    items[:] = kept


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _DESELECTED:
        terminalreporter.write_sep(
            "=", f"{len(_DESELECTED)} server tests deselected (no --servers)", yellow=True)
        terminalreporter.write_line(HOW_TO_RUN)


@pytest.fixture(autouse=True, scope="session")
def _session_token_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """TempAuth and Keystone keep tokens in ``$XDG_CACHE_HOME`` by default:
    never the real ``~/.cache``, even for fixtures wider than one test
    (subprocesses inherit it)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
        yield


@pytest.fixture(autouse=True)
def _private_token_cache(tmp_path_factory: pytest.TempPathFactory,
                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test its own token cache: a token one test got never serves another."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
