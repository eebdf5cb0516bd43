"""The command line starts fast: `objclient --version` and `--help` import
neither the facade, a backend, the HTTP stack nor the output formatters."""

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
HEAVY = ("objclient.api", "objclient.backends", "objclient.transfer", "objclient.http",
         "objclient.cli.output", "requests", "urllib3", "concurrent.futures", "logging")

SCRIPT = """
import json, sys
from objclient.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def _modules_after(*argv):
    proc = subprocess.run([sys.executable, "-c", SCRIPT, *argv], cwd=ROOT,
                          capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, PYTHONPATH=ROOT))
    return proc.stdout, json.loads(proc.stderr.strip().splitlines()[-1])


def _heavy(modules):
    return [m for m in modules if m.split(".")[0] in HEAVY or m.startswith(HEAVY)]


def test_version_imports_no_backend_nor_requests():
    out, modules = _modules_after("--version")
    assert out.startswith("objclient ")
    assert _heavy(modules) == []


def test_help_of_a_group_imports_no_backend_nor_requests():
    out, modules = _modules_after("object", "list", "--help")
    assert "--sort-column" in out and "output formatters" in out
    assert _heavy(modules) == []
