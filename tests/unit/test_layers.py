"""The import contracts of .importlinter hold, and they catch a cycle.

The README's test command (tools/test) and a bare ``pytest`` run these, so an
upward import or an import cycle fails the suite, not only ``tox -e lint``.
"""

import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LINT_IMPORTS = os.path.join(os.path.dirname(sys.executable), "lint-imports")


def _lint_imports(cwd):
    assert os.path.exists(LINT_IMPORTS), \
        "lint-imports is missing: install the test extra (pip install -e '.[test]')"
    return subprocess.run([LINT_IMPORTS, "--no-cache", "--config", ".importlinter"],
                          cwd=cwd, env=dict(os.environ, PYTHONPATH=str(cwd)),
                          capture_output=True, text=True, timeout=120)


def test_the_package_keeps_its_import_contracts():
    run = _lint_imports(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 kept, 0 broken" in run.stdout


def test_an_upward_import_in_the_bottom_layer_breaks_the_contracts(tmp_path):
    shutil.copytree(os.path.join(ROOT, "objclient"), tmp_path / "objclient",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(os.path.join(ROOT, ".importlinter"), tmp_path)
    with open(tmp_path / "objclient" / "integrity.py", "a") as module:
        module.write("\nfrom .transfer import engine  # noqa: E402\n")
    run = _lint_imports(tmp_path)
    assert run.returncode != 0
    assert "objclient.integrity is not allowed to import objclient.transfer" in run.stdout
    assert "No import cycle between the modules of any package BROKEN" in run.stdout
