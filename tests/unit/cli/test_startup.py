"""The command line starts fast: `objclient --version` and `--help` import
neither the facade, a backend, the HTTP stack nor the output formatters."""

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
HEAVY = ("objclient.api", "objclient.backends", "objclient.transfer", "objclient.http",
         "objclient.cli.output", "requests", "urllib3", "concurrent.futures", "logging",
         "shutil")

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


#: what a listing of a local store does without (shutil: argparse's formatter loads it)
NOT_LOCAL = ("requests", "urllib3", "objclient.http", "objclient.integrity", "objclient.source",
             "logging", "shutil")


def test_object_list_on_a_local_store_imports_no_http_stack(tmp_path):
    store = f"file://{tmp_path}/store?fsync=0"
    _modules_after("--url", store, "container", "create", "box")
    out, modules = _modules_after("--url", store, "object", "list", "box", "-f", "json")
    assert json.loads(out) == []
    assert [m for m in modules if m.startswith(NOT_LOCAL)] == []


def test_the_local_backend_builds_its_http_client_when_asked(tmp_path):
    from objclient import ObjectStorageApi
    api = ObjectStorageApi(f"file://{tmp_path}/store", timings=True)
    assert api.http.get_timing_records() == []  # built now, when asked
    assert api.http is api.http
    api.close()
