"""The conformance battery's fixtures and its pass/fail matrix.

Every test here runs once per target (backend + server).  Targets live in
``tests/conformance/targets/``; ``OBJCLIENT_TARGETS=local,swift`` narrows
the run.  Targets that need a real server (``NEEDS_SERVERS = True``) run only
with ``pytest --servers`` (``tools/test``).  At the end a matrix (target x
test -> pass / FAIL / n/s) is printed and, with ``--servers``, written to
``build/conformance-matrix.json`` and ``.md``.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import uuid
from collections import defaultdict

import pytest

from objclient.contract import Capability
from objclient.exceptions import ClientError

from . import targets as _targets_pkg

_ALL = sorted(m.name for m in pkgutil.iter_modules(_targets_pkg.__path__))
_RESULTS = defaultdict(dict)
_NAMES = {}


def _selected():
    wanted = os.environ.get("OBJCLIENT_TARGETS")
    if not wanted:
        return _ALL
    names = [w.strip() for w in wanted.split(",") if w.strip()]
    unknown = set(names) - set(_ALL)
    if unknown:
        raise pytest.UsageError(f"unknown conformance targets: {sorted(unknown)}; "
                                f"known: {_ALL}")
    return names


class Target:
    """One backend under test: its API, the account to use, its name."""

    def __init__(self, name, api, account):
        self.name = name
        self.api = api
        self.account = account

    def require(self, capability: Capability):
        if capability not in self.api.capabilities:
            pytest.skip(f"backend lacks capability {capability.value}")

    def new_container_name(self, tag="c"):
        return f"oc-{tag}-{uuid.uuid4().hex[:10]}"

    def cleanup_container(self, container):
        api = self.api
        try:
            if Capability.VERSIONING in api.capabilities:
                try:
                    api.container_purge(self.account, container, maxvers=1)
                except ClientError:
                    pass
            api.container_flush(self.account, container)
            api.container_delete(self.account, container)
        except ClientError:
            pass


def _target_module(name):
    return importlib.import_module(f"{_targets_pkg.__name__}.{name}")


def _params():
    """The selected targets; those whose module says ``NEEDS_SERVERS = True``
    carry the ``servers`` marker (deselected unless pytest runs with --servers)."""
    return [pytest.param(name, marks=[pytest.mark.servers]
                         if getattr(_target_module(name), "NEEDS_SERVERS", False) else [])
            for name in _selected()]


@pytest.fixture(scope="session", params=_params())
def target(request, tmp_path_factory):
    module = _target_module(request.param)
    api, account = module.make_api(tmp_path_factory)
    _NAMES[request.param] = module.NAME
    yield Target(module.NAME, api, account)
    api.close()


@pytest.fixture
def container(target):
    name = target.new_container_name()
    target.api.container_create(target.account, name)
    yield name
    target.cleanup_container(name)


def pytest_runtest_logreport(report):
    if "conformance" not in report.nodeid or "[" not in report.nodeid:
        return
    test, _, param = report.nodeid.rpartition("[")
    param, _, sub = param.rstrip("]").partition("-")
    test = test.split("::", 1)[-1] + (f"[{sub}]" if sub else "")
    if report.when == "call" or (report.when == "setup" and not report.passed):
        if report.skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
            outcome = "n/s" if "lacks capability" in str(reason) else "SKIP"
        elif report.passed:
            outcome = "pass"
        else:
            outcome = "FAIL"
        _RESULTS[param][test] = outcome


def pytest_terminal_summary(terminalreporter):
    if not _RESULTS:
        return
    targets = sorted(_RESULTS)
    tests = sorted({t for r in _RESULTS.values() for t in r})
    header = ["test"] + [_NAMES.get(t, t) for t in targets]
    rows = [[test] + [_RESULTS[t].get(test, "-") for t in targets] for test in tests]
    totals = ["TOTAL pass/fail/n.s."]
    for t in targets:
        vals = list(_RESULTS[t].values())
        totals.append(f"{vals.count('pass')}/{vals.count('FAIL')}/{vals.count('n/s')}")
    widths = [max(len(str(r[i])) for r in [header] + rows + [totals])
              for i in range(len(header))]
    line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths))  # noqa: E731
    terminalreporter.write_sep("=", "conformance matrix")
    terminalreporter.write_line(line(header))
    for r in rows:
        terminalreporter.write_line(line(r))
    terminalreporter.write_line(line(totals))
    if not terminalreporter.config.getoption("servers"):
        # the docs include build/conformance-matrix.md: keep the one with every backend
        terminalreporter.write_line("(server targets deselected: build/conformance-matrix.* "
                                    "left as it was; tools/test writes it)")
        return
    out = os.path.join(os.path.dirname(__file__), "..", "..", "build")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "conformance-matrix.json"), "w") as fh:
        json.dump({_NAMES.get(t, t): _RESULTS[t] for t in targets}, fh, indent=1,
                  sort_keys=True)
    with open(os.path.join(out, "conformance-matrix.md"), "w") as fh:
        fh.write("| " + " | ".join(header) + " |\n")
        fh.write("|" + "---|" * len(header) + "\n")
        for r in rows + [totals]:
            fh.write("| " + " | ".join(str(c) for c in r) + " |\n")
